/* burrow-file-node-list.h — a GListModel of a directory's entries in a file list
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"

G_BEGIN_DECLS

/**
 * BurrowFileListColumn:
 * @BURROW_FILE_LIST_COLUMN_NAME: by name (the tree's order: case-insensitive)
 * @BURROW_FILE_LIST_COLUMN_SIZE: by size (then by name)
 *
 * What a #BurrowFileNodeList is sorted by. Folders always come before files.
 */
typedef enum
{
  BURROW_FILE_LIST_COLUMN_NAME,
  BURROW_FILE_LIST_COLUMN_SIZE,
} BurrowFileListColumn;

#define BURROW_TYPE_FILE_NODE_LIST (burrow_file_node_list_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFileNodeList, burrow_file_node_list, BURROW, FILE_NODE_LIST, GObject)

BurrowFileNodeList *burrow_file_node_list_new           (BurrowFileTree       *tree,
                                                         BurrowFileNode       *directory,
                                                         gboolean              directories_only);
BurrowFileTree     *burrow_file_node_list_get_tree      (BurrowFileNodeList   *self);
BurrowFileNode     *burrow_file_node_list_get_directory (BurrowFileNodeList   *self);
BurrowFileNode     *burrow_file_node_list_get_node      (BurrowFileNodeList   *self,
                                                         guint                 position);
guint               burrow_file_node_list_find          (BurrowFileNodeList   *self,
                                                         const BurrowFileNode *node);
void                burrow_file_node_list_set_sort      (BurrowFileNodeList   *self,
                                                         BurrowFileListColumn  column,
                                                         GtkSortType           order);
BurrowFileListColumn burrow_file_node_list_get_sort_column (BurrowFileNodeList *self);
GtkSortType         burrow_file_node_list_get_sort_order (BurrowFileNodeList  *self);
guint               burrow_file_node_list_get_n_alive   (BurrowFileNodeList   *self);

guint               burrow_file_node_count_directories  (const BurrowFileNode *directory);
guint               burrow_file_node_get_index          (const BurrowFileNode *node);

G_END_DECLS
