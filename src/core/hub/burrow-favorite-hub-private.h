/* burrow-favorite-hub-private.h — what BurrowFavoriteHubs uses of BurrowFavoriteHub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-favorite-hub.h"

G_BEGIN_DECLS

/* Row id in the favorite_hubs table; 0 while the hub is not stored. */
gint64 _burrow_favorite_hub_get_id (BurrowFavoriteHub *self);
void   _burrow_favorite_hub_set_id (BurrowFavoriteHub *self,
                                    gint64             id);

G_END_DECLS
