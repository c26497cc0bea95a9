/* burrow-file-item.h — one entry of a file list (a BurrowFileNode) as a GObject, for list models
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-core.h"

G_BEGIN_DECLS

#define BURROW_TYPE_FILE_ITEM (burrow_file_item_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFileItem, burrow_file_item, BURROW, FILE_ITEM, GObject)

BurrowFileItem *burrow_file_item_new      (BurrowFileTree *tree,
                                           BurrowFileNode *node);
BurrowFileTree *burrow_file_item_get_tree (BurrowFileItem *self);
BurrowFileNode *burrow_file_item_get_node (BurrowFileItem *self);
const char     *burrow_file_item_get_name (BurrowFileItem *self);
guint64         burrow_file_item_get_size (BurrowFileItem *self);
gboolean        burrow_file_item_is_dir   (BurrowFileItem *self);
char           *burrow_file_item_dup_tth  (BurrowFileItem *self);

G_END_DECLS
