/* burrow-tth.h — Tiger Tree Hash (THEX) and stored trees for `tthl`
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "burrow-tiger.h"
#include "burrow-types.h"

G_BEGIN_DECLS

#define BURROW_TTH_SIZE        BURROW_TIGER_SIZE
#define BURROW_TTH_LEAF_SIZE   1024
#define BURROW_TTH_BASE32_LEN  39

/* Smallest block size DC++ stores trees at (PROTOCOL §4.3). */
#define BURROW_TTH_MIN_STORED_BLOCK_SIZE (64 * 1024)
/* Most leaves DC++ stores per tree (calcBlockSize (size, 10)). */
#define BURROW_TTH_MAX_STORED_LEAVES     512

/**
 * BurrowTthTree:
 * @file_size: size of the file in bytes
 * @block_size: bytes covered by one leaf of @leaves (1024·2^k)
 * @root: the TTH
 * @leaves: the tree nodes at @block_size granularity, 24 bytes each, in file order
 *
 * A Tiger tree cut at one level, as sent in `tthl` and stored in the share.
 */
struct _BurrowTthTree
{
  guint64  file_size;
  guint64  block_size;
  guint8   root[BURROW_TTH_SIZE];
  GBytes  *leaves;   /* owned */
};

BurrowTthHasher *burrow_tth_hasher_new              (guint64                block_size);
void             burrow_tth_hasher_update           (BurrowTthHasher       *self,
                                                     const void            *data,
                                                     gsize                  len);
void             burrow_tth_hasher_finish           (BurrowTthHasher       *self,
                                                     guint8                 root[BURROW_TTH_SIZE]);
GBytes          *burrow_tth_hasher_steal_leaves     (BurrowTthHasher       *self);
guint64          burrow_tth_hasher_get_size         (BurrowTthHasher       *self);
guint64          burrow_tth_hasher_get_block_size   (BurrowTthHasher       *self);
void             burrow_tth_hasher_free             (BurrowTthHasher       *self);

void             burrow_tth_root_from_nodes         (const guint8          *nodes,
                                                     gsize                  n_nodes,
                                                     guint8                 root[BURROW_TTH_SIZE]);

guint64          burrow_tth_block_size_for_leaves   (guint64                file_size,
                                                     guint64                n_leaves);
guint64          burrow_tth_choose_block_size       (guint64                file_size);
guint64          burrow_tth_n_leaves                (guint64                file_size,
                                                     guint64                block_size);

BurrowTthTree   *burrow_tth_tree_new_from_leaves    (guint64                file_size,
                                                     const guint8           root[BURROW_TTH_SIZE],
                                                     GBytes                *leaf_data,
                                                     GError               **error);
void             burrow_tth_tree_free               (BurrowTthTree         *tree);
guint64          burrow_tth_tree_get_n_leaves       (const BurrowTthTree   *tree);
gboolean         burrow_tth_tree_verify_block       (const BurrowTthTree   *tree,
                                                     guint64                offset,
                                                     const void            *data,
                                                     gsize                  len,
                                                     GError               **error);
gboolean         burrow_tth_tree_verify_range       (const BurrowTthTree   *tree,
                                                     guint64                offset,
                                                     const void            *data,
                                                     gsize                  len,
                                                     GError               **error);

void             burrow_tth_buffer                  (const void            *data,
                                                     gsize                  len,
                                                     guint8                 root[BURROW_TTH_SIZE]);
gchar           *burrow_tth_to_base32               (const guint8           root[BURROW_TTH_SIZE]);
gboolean         burrow_tth_from_base32             (const gchar           *text,
                                                     guint8                 root[BURROW_TTH_SIZE],
                                                     GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTthHasher, burrow_tth_hasher_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTthTree, burrow_tth_tree_free)

G_END_DECLS
