/* burrow-chat-row.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-chat-row"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-ui-format.h"

#include "burrow-chat-row.h"

struct _BurrowChatRow
{
  GtkWidget          parent_instance;

  /* template widgets */
  GtkLabel          *nick_label;
  GtkLabel          *text_label;
  GtkLabel          *time_label;

  /* owned */
  BurrowChatMessage *message;
  char              *my_nick;
  gboolean           mention;
};

enum {
  PROP_0,
  PROP_MESSAGE,
  PROP_MY_NICK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowChatRow, burrow_chat_row, GTK_TYPE_WIDGET)

GtkWidget *
burrow_chat_row_new (void)
{
  return g_object_new (BURROW_TYPE_CHAT_ROW, NULL);
}

/* Whether @text names @nick as a word, ignoring case. */
static gboolean
mentions (const char *text,
          const char *nick)
{
  g_autofree char *text_fold = NULL;
  g_autofree char *nick_fold = NULL;
  gsize nick_len;

  if (text == NULL || nick == NULL || *nick == '\0')
    return FALSE;

  text_fold = g_utf8_casefold (text, -1);
  nick_fold = g_utf8_casefold (nick, -1);
  nick_len = strlen (nick_fold);

  for (const char *p = strstr (text_fold, nick_fold); p != NULL; p = strstr (p + 1, nick_fold))
    {
      gunichar before = ' ';
      gunichar after;

      if (p > text_fold)
        before = g_utf8_get_char (g_utf8_find_prev_char (text_fold, p));
      after = p[nick_len] != '\0' ? g_utf8_get_char (p + nick_len) : ' ';

      if (!g_unichar_isalnum (before) && !g_unichar_isalnum (after))
        return TRUE;
    }
  return FALSE;
}

static void
update (BurrowChatRow *self)
{
  BurrowChatMessage *message = self->message;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *time_text = NULL;
  g_autofree char *nick_text = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *nick_class = NULL;
  const char *nick;
  const char *text;
  BurrowChatKind kind;
  gboolean action;
  GStrvBuilder *classes;
  g_auto(GStrv) row_classes = NULL;
  const char *nick_classes[3] = { "burrow-chat-nick", NULL, NULL };
  const char *text_classes[3] = { "burrow-chat-text", NULL, NULL };

  if (message == NULL)
    {
      gtk_label_set_text (self->time_label, "");
      gtk_label_set_text (self->nick_label, "");
      gtk_label_set_text (self->text_label, "");
      return;
    }

  kind = burrow_chat_message_get_kind (message);
  nick = burrow_chat_message_get_nick (message);
  text = burrow_chat_message_get_text (message);
  action = burrow_chat_message_get_third_person (message);

  time = g_date_time_new_from_unix_local (burrow_chat_message_get_timestamp (message));
  time_text = time ? g_date_time_format (time, "%H:%M") : g_strdup ("");
  gtk_label_set_text (self->time_label, time_text);
  if (time != NULL)
    {
      g_autofree char *full = g_date_time_format (time, "%c");

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->time_label), full);
    }

  self->mention = (kind != BURROW_CHAT_KIND_STATUS && !burrow_chat_message_get_outgoing (message) &&
                   mentions (text, self->my_nick));

  if (kind == BURROW_CHAT_KIND_STATUS || nick == NULL)
    {
      gtk_label_set_text (self->nick_label, kind == BURROW_CHAT_KIND_STATUS ? "•" : "");
      nick_classes[1] = "burrow-chat-status";
      text_classes[1] = "burrow-chat-status";
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->nick_label), NULL);
    }
  else
    {
      /* “/me waves” reads as “* alice waves” */
      nick_text = action ? g_strdup_printf ("* %s", nick) : g_strdup (nick);
      gtk_label_set_text (self->nick_label, nick_text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->nick_label), nick);
      if (burrow_chat_message_get_outgoing (message))
        nick_classes[1] = "burrow-nick-self";
      else
        nick_classes[1] = nick_class = g_strdup_printf ("burrow-nick-%u",
                                                        burrow_ui_nick_color (nick));
      if (action)
        text_classes[1] = "burrow-chat-action";
    }
  gtk_widget_set_css_classes (GTK_WIDGET (self->nick_label), nick_classes);
  gtk_widget_set_css_classes (GTK_WIDGET (self->text_label), text_classes);

  markup = burrow_ui_linkify (text ? text : "");
  gtk_label_set_markup (self->text_label, markup);

  classes = g_strv_builder_new ();
  g_strv_builder_add (classes, "burrow-chat-row");
  if (self->mention)
    g_strv_builder_add (classes, "burrow-chat-mention");
  row_classes = g_strv_builder_end (classes);
  g_strv_builder_unref (classes);
  gtk_widget_set_css_classes (GTK_WIDGET (self), (const char **) row_classes);
}

void
burrow_chat_row_set_message (BurrowChatRow     *self,
                             BurrowChatMessage *message)
{
  g_return_if_fail (BURROW_IS_CHAT_ROW (self));
  g_return_if_fail (message == NULL || BURROW_IS_CHAT_MESSAGE (message));

  if (g_set_object (&self->message, message))
    {
      update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }
}

BurrowChatMessage *
burrow_chat_row_get_message (BurrowChatRow *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_ROW (self), NULL);
  return self->message;
}

/**
 * burrow_chat_row_set_my_nick:
 * @my_nick: (nullable): our nick on the hub; lines that mention it are highlighted
 */
void
burrow_chat_row_set_my_nick (BurrowChatRow *self,
                             const char    *my_nick)
{
  g_return_if_fail (BURROW_IS_CHAT_ROW (self));

  if (g_strcmp0 (self->my_nick, my_nick) == 0)
    return;
  g_free (self->my_nick);
  self->my_nick = g_strdup (my_nick);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MY_NICK]);
}

GtkLabel *
burrow_chat_row_get_nick_label (BurrowChatRow *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_ROW (self), NULL);
  return self->nick_label;
}

GtkLabel *
burrow_chat_row_get_text_label (BurrowChatRow *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_ROW (self), NULL);
  return self->text_label;
}

gboolean
burrow_chat_row_get_mention (BurrowChatRow *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_ROW (self), FALSE);
  return self->mention;
}

/* Magnets and hub addresses stay in Burrow; web links go to the browser (GtkLabel's default). */
static gboolean
on_text_label_activate_link_cb (BurrowChatRow *self,
                                const char    *uri,
                                GtkLabel      *label)
{
  const char *scheme = g_uri_peek_scheme (uri);

  if (g_strcmp0 (scheme, "magnet") == 0)
    return gtk_widget_activate_action (GTK_WIDGET (self), "app.open-magnet", "s", uri);
  if (g_strcmp0 (scheme, "adc") == 0 || g_strcmp0 (scheme, "adcs") == 0 ||
      g_strcmp0 (scheme, "dchub") == 0 || g_strcmp0 (scheme, "nmdc") == 0 ||
      g_strcmp0 (scheme, "nmdcs") == 0)
    return gtk_widget_activate_action (GTK_WIDGET (self), "app.connect", "s", uri);
  return FALSE;
}

static void
burrow_chat_row_dispose (GObject *object)
{
  BurrowChatRow *self = BURROW_CHAT_ROW (object);
  GtkWidget *child;

  g_clear_object (&self->message);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_CHAT_ROW);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (burrow_chat_row_parent_class)->dispose (object);
}

static void
burrow_chat_row_finalize (GObject *object)
{
  BurrowChatRow *self = BURROW_CHAT_ROW (object);

  g_free (self->my_nick);

  G_OBJECT_CLASS (burrow_chat_row_parent_class)->finalize (object);
}

static void
burrow_chat_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BurrowChatRow *self = BURROW_CHAT_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE: g_value_set_object (value, self->message); break;
    case PROP_MY_NICK: g_value_set_string (value, self->my_nick); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_chat_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  BurrowChatRow *self = BURROW_CHAT_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE: burrow_chat_row_set_message (self, g_value_get_object (value)); break;
    case PROP_MY_NICK: burrow_chat_row_set_my_nick (self, g_value_get_string (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_chat_row_class_init (BurrowChatRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_chat_row_dispose;
  object_class->finalize = burrow_chat_row_finalize;
  object_class->get_property = burrow_chat_row_get_property;
  object_class->set_property = burrow_chat_row_set_property;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL, BURROW_TYPE_CHAT_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MY_NICK] =
    g_param_spec_string ("my-nick", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-chat-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowChatRow, nick_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatRow, time_label);
  gtk_widget_class_bind_template_callback (widget_class, on_text_label_activate_link_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_chat_row_init (BurrowChatRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
