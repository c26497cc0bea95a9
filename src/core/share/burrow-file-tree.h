/* burrow-file-tree.h — a tree of shared files: our share's snapshot, or a peer's file list
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Plain structs, not GObjects: a file list can hold millions of entries. A
 * tree is immutable once burrow_file_tree_finish() ran, so it can be handed
 * between threads and shared by the file-list writer, the search index and
 * the UI (which wraps nodes in its own list models). */

typedef struct _BurrowFileTree BurrowFileTree;
typedef struct _BurrowFileNode BurrowFileNode;

struct _BurrowFileNode
{
  BurrowFileNode *parent;      /* NULL for the root */
  const gchar    *name;        /* UTF-8, never contains '/', never "." or ".."; "" for the root */
  GPtrArray      *children;    /* directories only (BurrowFileNode *, owned by the tree); NULL for files */
  guint64         size;        /* files: bytes; directories: total of everything below (after finish) */
  gint64          mtime;       /* seconds since the epoch, 0 if unknown */
  guint8          tth[24];     /* files only, valid when has_tth */
  guint           is_dir : 1;
  guint           has_tth : 1;
  guint           incomplete : 1; /* directory listed without its content (partial lists) */
};

#define BURROW_TYPE_FILE_TREE (burrow_file_tree_get_type ())

GType            burrow_file_tree_get_type        (void) G_GNUC_CONST;

BurrowFileTree  *burrow_file_tree_new             (void);
BurrowFileTree  *burrow_file_tree_ref             (BurrowFileTree       *tree);
void             burrow_file_tree_unref           (BurrowFileTree       *tree);

BurrowFileNode  *burrow_file_tree_get_root        (BurrowFileTree       *tree);
gboolean         burrow_file_tree_is_finished     (BurrowFileTree       *tree);

/* Building (before finish). Names are copied. Both return NULL (and leave the
 * tree unchanged) if @parent already has a child of that name, compared
 * case-insensitively as ADC requires; callers decide what a duplicate means. */
BurrowFileNode  *burrow_file_tree_add_directory   (BurrowFileTree       *tree,
                                                   BurrowFileNode       *parent,
                                                   const gchar          *name);
BurrowFileNode  *burrow_file_tree_add_file        (BurrowFileTree       *tree,
                                                   BurrowFileNode       *parent,
                                                   const gchar          *name,
                                                   guint64               size,
                                                   gint64                mtime,
                                                   const guint8         *tth /* nullable, 24 bytes */);
/* Computes directory sizes and counts and sorts every directory's children
 * (directories first, then by name, case-insensitively). */
void             burrow_file_tree_finish          (BurrowFileTree       *tree);

guint            burrow_file_tree_get_n_files     (BurrowFileTree       *tree);
guint            burrow_file_tree_get_n_directories (BurrowFileTree     *tree);
guint64          burrow_file_tree_get_total_size  (BurrowFileTree       *tree);

/* ADC paths: "/" is the root, "/Music/Album/" a directory, "/Music/a.flac" a file. */
BurrowFileNode  *burrow_file_tree_lookup          (BurrowFileTree       *tree,
                                                   const gchar          *path);
BurrowFileNode  *burrow_file_node_lookup_child    (BurrowFileNode       *node,
                                                   const gchar          *name);
gchar           *burrow_file_node_dup_path        (const BurrowFileNode *node);
guint            burrow_file_node_get_depth       (const BurrowFileNode *node);

/* Is @name acceptable as a file or directory name in a list? (UTF-8, not empty,
 * no '/', '\\' or control characters, not "." or "..", at most 255 bytes) */
gboolean         burrow_file_name_is_valid        (const gchar          *name,
                                                   gssize                len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowFileTree, burrow_file_tree_unref)

G_END_DECLS
