/* burrow-favorite-dialog.h — add or edit a favourite hub (a modal window, not a GtkDialog)
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

#define BURROW_TYPE_FAVORITE_DIALOG (burrow_favorite_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFavoriteDialog, burrow_favorite_dialog, BURROW, FAVORITE_DIALOG,
                      GtkWindow)

GtkWidget         *burrow_favorite_dialog_new       (GtkWindow            *parent,
                                                     BurrowFavoriteHubs   *favorites,
                                                     BurrowFavoriteHub    *favorite);
BurrowFavoriteHub *burrow_favorite_dialog_get_favorite (BurrowFavoriteDialog *self);
gboolean           burrow_favorite_dialog_save      (BurrowFavoriteDialog *self);
const char        *burrow_favorite_dialog_get_error (BurrowFavoriteDialog *self);

G_END_DECLS
