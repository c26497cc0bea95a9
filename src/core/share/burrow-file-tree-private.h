/* burrow-file-tree-private.h — internals shared by the file tree and the file-list parser
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-file-tree.h"

G_BEGIN_DECLS

/* Adds a child without validating @name (the caller did, with
 * burrow_file_name_is_valid()). @name need not be NUL-terminated. Returns the
 * new node, or NULL if @parent already has a child of that name (compared
 * case-insensitively); then *out_existing (if not NULL) is that child. */
BurrowFileNode  *_burrow_file_tree_insert         (BurrowFileTree       *tree,
                                                   BurrowFileNode       *parent,
                                                   const gchar          *name,
                                                   gsize                 len,
                                                   gboolean              is_dir,
                                                   BurrowFileNode      **out_existing);

/* Sorts a directory's children as burrow_file_tree_finish() would, ahead of
 * it (finish then only checks the order): lets the list parser sort each
 * directory when it closes, while the other thread is still decompressing. */
void             _burrow_file_node_sort_children  (BurrowFileNode       *dir);

/* Case-insensitive comparison of two valid UTF-8 names, per code point with
 * g_unichar_tolower() (ASCII fast path). Consistent with duplicate detection. */
gint             _burrow_file_name_compare        (const gchar          *a,
                                                   const gchar          *b);

G_END_DECLS
