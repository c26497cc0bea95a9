/* burrow-chat-row.h — one line of chat: time, coloured nick, text with links
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

#define BURROW_TYPE_CHAT_ROW (burrow_chat_row_get_type ())

G_DECLARE_FINAL_TYPE (BurrowChatRow, burrow_chat_row, BURROW, CHAT_ROW, GtkWidget)

GtkWidget         *burrow_chat_row_new          (void);
void               burrow_chat_row_set_message  (BurrowChatRow     *self,
                                                 BurrowChatMessage *message);
BurrowChatMessage *burrow_chat_row_get_message  (BurrowChatRow     *self);
void               burrow_chat_row_set_my_nick  (BurrowChatRow     *self,
                                                 const char        *my_nick);
GtkLabel          *burrow_chat_row_get_nick_label (BurrowChatRow   *self);
GtkLabel          *burrow_chat_row_get_text_label (BurrowChatRow   *self);
gboolean           burrow_chat_row_get_mention  (BurrowChatRow     *self);

G_END_DECLS
