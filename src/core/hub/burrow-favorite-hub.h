/* burrow-favorite-hub.h — one saved hub: name, address, optional nick and password, auto-connect
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BURROW_TYPE_FAVORITE_HUB (burrow_favorite_hub_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFavoriteHub, burrow_favorite_hub, BURROW, FAVORITE_HUB, GObject)

BurrowFavoriteHub *burrow_favorite_hub_new              (const gchar       *name,
                                                         const gchar       *uri);
const gchar       *burrow_favorite_hub_get_name         (BurrowFavoriteHub *self);
void               burrow_favorite_hub_set_name         (BurrowFavoriteHub *self,
                                                         const gchar       *name);
const gchar       *burrow_favorite_hub_get_uri          (BurrowFavoriteHub *self);
void               burrow_favorite_hub_set_uri          (BurrowFavoriteHub *self,
                                                         const gchar       *uri);
const gchar       *burrow_favorite_hub_get_nick         (BurrowFavoriteHub *self);
void               burrow_favorite_hub_set_nick         (BurrowFavoriteHub *self,
                                                         const gchar       *nick);
const gchar       *burrow_favorite_hub_get_password     (BurrowFavoriteHub *self);
void               burrow_favorite_hub_set_password     (BurrowFavoriteHub *self,
                                                         const gchar       *password);
gboolean           burrow_favorite_hub_get_auto_connect (BurrowFavoriteHub *self);
void               burrow_favorite_hub_set_auto_connect (BurrowFavoriteHub *self,
                                                         gboolean           auto_connect);

/* NMDC hubs: the hub's charset (NULL = the default, BURROW_NMDC_DEFAULT_CHARSET); ADC ignores it.
 * Property "encoding"; kept in the favourites table. */
const gchar       *burrow_favorite_hub_get_encoding     (BurrowFavoriteHub *self);
void               burrow_favorite_hub_set_encoding     (BurrowFavoriteHub *self,
                                                         const gchar       *encoding);

G_END_DECLS
