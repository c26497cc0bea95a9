/* burrow-chat-message.h — one line of hub chat, a private message or a hub status line
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BURROW_TYPE_CHAT_MESSAGE (burrow_chat_message_get_type ())

G_DECLARE_FINAL_TYPE (BurrowChatMessage, burrow_chat_message, BURROW, CHAT_MESSAGE, GObject)

/**
 * BurrowChatKind:
 * @BURROW_CHAT_KIND_MAIN: main chat
 * @BURROW_CHAT_KIND_PRIVATE: a private message (to or from us)
 * @BURROW_CHAT_KIND_STATUS: a status line from the hub (STA, welcome, errors)
 */
typedef enum
{
  BURROW_CHAT_KIND_MAIN,
  BURROW_CHAT_KIND_PRIVATE,
  BURROW_CHAT_KIND_STATUS,
} BurrowChatKind;

BurrowChatMessage *burrow_chat_message_new            (BurrowChatKind     kind,
                                                       gint64             timestamp,
                                                       const gchar       *nick,
                                                       const gchar       *peer_nick,
                                                       const gchar       *text,
                                                       gboolean           third_person,
                                                       gboolean           outgoing);
BurrowChatKind     burrow_chat_message_get_kind       (BurrowChatMessage *self);
gint64             burrow_chat_message_get_timestamp  (BurrowChatMessage *self);
const gchar       *burrow_chat_message_get_nick       (BurrowChatMessage *self);
const gchar       *burrow_chat_message_get_peer_nick  (BurrowChatMessage *self);
const gchar       *burrow_chat_message_get_text       (BurrowChatMessage *self);
gboolean           burrow_chat_message_get_third_person (BurrowChatMessage *self);
gboolean           burrow_chat_message_get_outgoing   (BurrowChatMessage *self);

G_END_DECLS
