/* burrow-hubs-page.h — the Hubs page: connect bar, favourites, open hubs, and one page per hub
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

#define BURROW_TYPE_HUBS_PAGE (burrow_hubs_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowHubsPage, burrow_hubs_page, BURROW, HUBS_PAGE, GtkWidget)

void           burrow_hubs_page_set_client        (BurrowHubsPage   *self,
                                                   BurrowClient     *client);
BurrowClient  *burrow_hubs_page_get_client        (BurrowHubsPage   *self);
BurrowHubPage *burrow_hubs_page_get_hub_page      (BurrowHubsPage   *self,
                                                   BurrowHubSession *session);
BurrowHubPage *burrow_hubs_page_show_hub          (BurrowHubsPage   *self,
                                                   BurrowHubSession *session);
void           burrow_hubs_page_show_overview     (BurrowHubsPage   *self);
BurrowHubPage *burrow_hubs_page_get_visible_hub   (BurrowHubsPage   *self);
gboolean       burrow_hubs_page_connect           (BurrowHubsPage   *self,
                                                   const char       *uri);
GtkWidget     *burrow_hubs_page_edit_favorite     (BurrowHubsPage   *self,
                                                   BurrowFavoriteHub *favorite);
GtkEntry      *burrow_hubs_page_get_connect_entry (BurrowHubsPage   *self);
BurrowEncodingEntry *burrow_hubs_page_get_connect_encoding_entry (BurrowHubsPage *self);
const char    *burrow_hubs_page_get_connect_error (BurrowHubsPage   *self);
GtkListView   *burrow_hubs_page_get_favorites_view (BurrowHubsPage  *self);
GtkListView   *burrow_hubs_page_get_sessions_view (BurrowHubsPage   *self);

G_END_DECLS
