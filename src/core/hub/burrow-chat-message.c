/* burrow-chat-message.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-chat-message"

#include "config.h"

#include "burrow-hub-enums.h"

#include "burrow-chat-message.h"

struct _BurrowChatMessage
{
  GObject         parent_instance;

  BurrowChatKind  kind;
  gint64          timestamp;
  gchar          *nick;       /* author; NULL for hub status lines */
  gchar          *peer_nick;  /* the other side of a private conversation */
  gchar          *text;
  gboolean        third_person;
  gboolean        outgoing;
};

enum {
  PROP_0,
  PROP_KIND,
  PROP_TIMESTAMP,
  PROP_NICK,
  PROP_PEER_NICK,
  PROP_TEXT,
  PROP_THIRD_PERSON,
  PROP_OUTGOING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowChatMessage, burrow_chat_message, G_TYPE_OBJECT)

static void
burrow_chat_message_finalize (GObject *object)
{
  BurrowChatMessage *self = BURROW_CHAT_MESSAGE (object);

  g_free (self->nick);
  g_free (self->peer_nick);
  g_free (self->text);

  G_OBJECT_CLASS (burrow_chat_message_parent_class)->finalize (object);
}

static void
burrow_chat_message_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  BurrowChatMessage *self = BURROW_CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_TIMESTAMP: g_value_set_int64 (value, self->timestamp); break;
    case PROP_NICK: g_value_set_string (value, self->nick); break;
    case PROP_PEER_NICK: g_value_set_string (value, self->peer_nick); break;
    case PROP_TEXT: g_value_set_string (value, self->text); break;
    case PROP_THIRD_PERSON: g_value_set_boolean (value, self->third_person); break;
    case PROP_OUTGOING: g_value_set_boolean (value, self->outgoing); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_chat_message_class_init (BurrowChatMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_chat_message_finalize;
  object_class->get_property = burrow_chat_message_get_property;

  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, BURROW_TYPE_CHAT_KIND,
                                             BURROW_CHAT_KIND_MAIN, RO);
  properties[PROP_TIMESTAMP] = g_param_spec_int64 ("timestamp", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, RO);
  properties[PROP_PEER_NICK] = g_param_spec_string ("peer-nick", NULL, NULL, NULL, RO);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, RO);
  properties[PROP_THIRD_PERSON] = g_param_spec_boolean ("third-person", NULL, NULL, FALSE, RO);
  properties[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_chat_message_init (BurrowChatMessage *self)
{
}

/**
 * burrow_chat_message_new:
 * @timestamp: seconds since the epoch
 *
 * Returns: (transfer full): a new message
 */
BurrowChatMessage *
burrow_chat_message_new (BurrowChatKind  kind,
                         gint64          timestamp,
                         const gchar    *nick,
                         const gchar    *peer_nick,
                         const gchar    *text,
                         gboolean        third_person,
                         gboolean        outgoing)
{
  BurrowChatMessage *self = g_object_new (BURROW_TYPE_CHAT_MESSAGE, NULL);

  self->kind = kind;
  self->timestamp = timestamp;
  self->nick = g_strdup (nick);
  self->peer_nick = g_strdup (peer_nick);
  self->text = g_strdup (text);
  self->third_person = third_person;
  self->outgoing = outgoing;
  return self;
}

BurrowChatKind burrow_chat_message_get_kind (BurrowChatMessage *self) { return self->kind; }
gint64 burrow_chat_message_get_timestamp (BurrowChatMessage *self) { return self->timestamp; }
const gchar *burrow_chat_message_get_nick (BurrowChatMessage *self) { return self->nick; }
const gchar *burrow_chat_message_get_peer_nick (BurrowChatMessage *self) { return self->peer_nick; }
const gchar *burrow_chat_message_get_text (BurrowChatMessage *self) { return self->text; }
gboolean burrow_chat_message_get_third_person (BurrowChatMessage *self) { return self->third_person; }
gboolean burrow_chat_message_get_outgoing (BurrowChatMessage *self) { return self->outgoing; }
