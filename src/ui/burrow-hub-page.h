/* burrow-hub-page.h — one open hub: header, chat, private conversations and the user list
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

#define BURROW_TYPE_HUB_PAGE (burrow_hub_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowHubPage, burrow_hub_page, BURROW, HUB_PAGE, GtkWidget)

GtkWidget        *burrow_hub_page_new                (BurrowClient     *client,
                                                      BurrowHubSession *session);
BurrowHubSession *burrow_hub_page_get_session        (BurrowHubPage    *self);
BurrowChatView   *burrow_hub_page_get_main_chat      (BurrowHubPage    *self);
BurrowChatView   *burrow_hub_page_get_conversation   (BurrowHubPage    *self,
                                                      const char       *peer_nick);
BurrowChatView   *burrow_hub_page_open_conversation  (BurrowHubPage    *self,
                                                      const char       *peer_nick,
                                                      gboolean          show);
BurrowUserList   *burrow_hub_page_get_user_list      (BurrowHubPage    *self);
GtkRevealer      *burrow_hub_page_get_banner         (BurrowHubPage    *self);
const char       *burrow_hub_page_get_banner_text    (BurrowHubPage    *self);
GtkButton        *burrow_hub_page_get_trust_button   (BurrowHubPage    *self);
const char       *burrow_hub_page_get_title          (BurrowHubPage    *self);
const char       *burrow_hub_page_get_subtitle       (BurrowHubPage    *self);
GtkLabel         *burrow_hub_page_get_protocol_label (BurrowHubPage    *self);
GtkLabel         *burrow_hub_page_get_software_label (BurrowHubPage    *self);
GtkLabel         *burrow_hub_page_get_encoding_label (BurrowHubPage    *self);

G_END_DECLS
