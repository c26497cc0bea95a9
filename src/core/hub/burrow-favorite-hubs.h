/* burrow-favorite-hubs.h — the saved hubs, a GListModel of BurrowFavoriteHub kept in the database
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"
#include "burrow-favorite-hub.h"

G_BEGIN_DECLS

#define BURROW_TYPE_FAVORITE_HUBS (burrow_favorite_hubs_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFavoriteHubs, burrow_favorite_hubs, BURROW, FAVORITE_HUBS, GObject)

BurrowFavoriteHubs *burrow_favorite_hubs_new        (BurrowDatabase      *database,
                                                     GError             **error);
gboolean            burrow_favorite_hubs_add        (BurrowFavoriteHubs  *self,
                                                     BurrowFavoriteHub   *hub,
                                                     GError             **error);
gboolean            burrow_favorite_hubs_remove     (BurrowFavoriteHubs  *self,
                                                     BurrowFavoriteHub   *hub,
                                                     GError             **error);
BurrowFavoriteHub  *burrow_favorite_hubs_lookup_uri (BurrowFavoriteHubs  *self,
                                                     const gchar         *uri);

G_END_DECLS
