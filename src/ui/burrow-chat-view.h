/* burrow-chat-view.h — a conversation: the hub's main chat or private messages with one user
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_CHAT_VIEW (burrow_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (BurrowChatView, burrow_chat_view, BURROW, CHAT_VIEW, GtkWidget)

GtkWidget        *burrow_chat_view_new            (BurrowHubSession *session,
                                                   const char       *peer_nick);
BurrowHubSession *burrow_chat_view_get_session    (BurrowChatView   *self);
const char       *burrow_chat_view_get_peer_nick  (BurrowChatView   *self);
GListModel       *burrow_chat_view_get_messages   (BurrowChatView   *self);
GtkListView      *burrow_chat_view_get_list_view  (BurrowChatView   *self);
GtkEntry         *burrow_chat_view_get_entry      (BurrowChatView   *self);
gboolean          burrow_chat_view_send           (BurrowChatView   *self,
                                                   const char       *text,
                                                   GError          **error);
void              burrow_chat_view_focus_entry    (BurrowChatView   *self);

G_END_DECLS
