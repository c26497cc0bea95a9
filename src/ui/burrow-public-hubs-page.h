/* burrow-public-hubs-page.h — the Public Hubs page: the hubs of the public hub lists, sorted,
 * filtered as you type, connected to by activating a row
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-public-hub-model.h"

G_BEGIN_DECLS

#define BURROW_TYPE_PUBLIC_HUBS_PAGE (burrow_public_hubs_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPublicHubsPage, burrow_public_hubs_page, BURROW, PUBLIC_HUBS_PAGE,
                      GtkWidget)

void            burrow_public_hubs_page_set_client       (BurrowPublicHubsPage *self,
                                                          BurrowClient         *client);
void            burrow_public_hubs_page_refresh          (BurrowPublicHubsPage *self);
gboolean        burrow_public_hubs_page_get_refreshing   (BurrowPublicHubsPage *self);
gboolean        burrow_public_hubs_page_connect          (BurrowPublicHubsPage *self,
                                                          guint                 position);
gboolean        burrow_public_hubs_page_add_favorite     (BurrowPublicHubsPage *self,
                                                          guint                 position);
char           *burrow_public_hubs_page_dup_unmet_reason (BurrowPublicHubsPage *self,
                                                          BurrowPublicHub      *hub);
GListModel     *burrow_public_hubs_page_get_shown        (BurrowPublicHubsPage *self);
GtkColumnView  *burrow_public_hubs_page_get_column_view  (BurrowPublicHubsPage *self);
GtkEditable    *burrow_public_hubs_page_get_search_entry (BurrowPublicHubsPage *self);
char           *burrow_public_hubs_page_dup_status_text  (BurrowPublicHubsPage *self);
const char     *burrow_public_hubs_page_get_error        (BurrowPublicHubsPage *self);

G_END_DECLS
