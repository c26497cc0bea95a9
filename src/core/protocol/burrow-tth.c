/* burrow-tth.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-tth"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-tiger.h"

#include "burrow-tth.h"

/* A file of 2^64 bytes has 2^54 leaves: 55 levels at most. */
#define MAX_LEVELS 64

/* Full leaves hashed per burrow_tiger_leaves() call in the update loop. */
#define LEAF_BATCH 16

/* Roots of the complete subtrees not yet paired, bottom (largest, leftmost)
 * first. Their levels strictly decrease from bottom to top, so the stack is
 * O(log n). */
typedef struct
{
  guint   n;
  guint8  level[MAX_LEVELS];
  guint8  node[MAX_LEVELS][BURROW_TTH_SIZE];
} TreeStack;

struct _BurrowTthHasher
{
  guint64     size;
  guint64     block_size;      /* 0: keep no leaves */
  guint       keep_level;      /* level of block_size above the 1 KiB leaves */
  gboolean    finished;
  gsize       buffered;
  TreeStack   stack;
  GByteArray *leaves;          /* owned, NULL if block_size is 0 or stolen */
  guint8      root[BURROW_TTH_SIZE];
  guint8      buffer[BURROW_TTH_LEAF_SIZE];
};

/* Pushes a node of @level, pairing it with the pending subtrees of the same
 * level. Every node reaching @keep_level is appended to @keep (if not NULL). */
static inline void
tree_stack_push (TreeStack    *stack,
                 const guint8  node[BURROW_TTH_SIZE],
                 guint         level,
                 guint         keep_level,
                 GByteArray   *keep)
{
  guint8 acc[BURROW_TTH_SIZE];

  memcpy (acc, node, BURROW_TTH_SIZE);
  if (keep != NULL && level == keep_level)
    g_byte_array_append (keep, acc, BURROW_TTH_SIZE);

  while (stack->n > 0 && stack->level[stack->n - 1] == level)
    {
      stack->n--;
      burrow_tiger_node (stack->node[stack->n], acc, acc);
      level++;
      if (keep != NULL && level == keep_level)
        g_byte_array_append (keep, acc, BURROW_TTH_SIZE);
    }

  g_assert (stack->n < MAX_LEVELS);
  memcpy (stack->node[stack->n], acc, BURROW_TTH_SIZE);
  stack->level[stack->n] = (guint8) level;
  stack->n++;
}

/* Folds the pending subtrees into the root. An unpaired node is promoted
 * unchanged, so the last (partial) subtrees hang off the right edge: fold from
 * the top. The fold of the subtrees below @keep_level is the node of the last,
 * partial block; it is appended to @keep. */
static void
tree_stack_fold (const TreeStack *stack,
                 guint            keep_level,
                 GByteArray      *keep,
                 guint8           root[BURROW_TTH_SIZE])
{
  guint8 acc[BURROW_TTH_SIZE];
  guint i;

  g_assert (stack->n > 0);

  i = stack->n - 1;
  memcpy (acc, stack->node[i], BURROW_TTH_SIZE);

  if (keep != NULL && stack->level[i] < keep_level)
    {
      while (i > 0 && stack->level[i - 1] < keep_level)
        {
          i--;
          burrow_tiger_node (stack->node[i], acc, acc);
        }
      g_byte_array_append (keep, acc, BURROW_TTH_SIZE);
    }

  while (i > 0)
    {
      i--;
      burrow_tiger_node (stack->node[i], acc, acc);
    }

  memcpy (root, acc, BURROW_TTH_SIZE);
}

static gboolean
is_valid_block_size (guint64 block_size)
{
  return block_size >= BURROW_TTH_LEAF_SIZE && (block_size & (block_size - 1)) == 0;
}

/**
 * burrow_tth_hasher_new:
 * @block_size: 0 to keep no leaves, or a power of two >= 1024: keep the tree
 *   nodes that each cover @block_size bytes of the file (the `tthl` leaves)
 *
 * Creates a streaming Tiger tree hasher. Feed it with
 * burrow_tth_hasher_update() in chunks of any size.
 *
 * To hash a file in parallel, give each thread a hasher with the same
 * @block_size over a disjoint range starting at a multiple of @block_size;
 * every range but the last must be a non-empty multiple of @block_size long.
 * The concatenated leaves of the ranges, in file order, are the leaves of the
 * whole file, and burrow_tth_root_from_nodes() gives its root.
 *
 * Returns: (transfer full): a new hasher
 */
BurrowTthHasher *
burrow_tth_hasher_new (guint64 block_size)
{
  BurrowTthHasher *self;

  g_return_val_if_fail (block_size == 0 || is_valid_block_size (block_size), NULL);

  burrow_tiger_init ();

  self = g_new0 (BurrowTthHasher, 1);
  self->block_size = block_size;
  if (block_size != 0)
    {
      self->keep_level = (guint) g_bit_nth_lsf (block_size / BURROW_TTH_LEAF_SIZE, -1);
      self->leaves = g_byte_array_new ();
    }

  return self;
}

static inline void
hasher_add_leaf (BurrowTthHasher *self,
                 const guint8    *block,
                 gsize            len)
{
  guint8 leaf[BURROW_TTH_SIZE];

  burrow_tiger_leaf (block, len, leaf);
  tree_stack_push (&self->stack, leaf, 0, self->keep_level, self->leaves);
}

/**
 * burrow_tth_hasher_update:
 * @self: a hasher not finished yet
 * @data: (array length=len): the next bytes of the file
 * @len: number of bytes
 */
void
burrow_tth_hasher_update (BurrowTthHasher *self,
                          const void      *data,
                          gsize            len)
{
  const guint8 *p = data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->finished);
  g_return_if_fail (data != NULL || len == 0);

  self->size += len;

  if (self->buffered > 0)
    {
      gsize take = MIN (BURROW_TTH_LEAF_SIZE - self->buffered, len);

      memcpy (self->buffer + self->buffered, p, take);
      self->buffered += take;
      p += take;
      len -= take;
      if (self->buffered < BURROW_TTH_LEAF_SIZE)
        return;

      hasher_add_leaf (self, self->buffer, BURROW_TTH_LEAF_SIZE);
      self->buffered = 0;
    }

  /* A full leaf is a leaf whatever follows: hash it in place, a batch at a
   * time (burrow_tiger_leaves() hashes two leaves at once). */
  while (len >= BURROW_TTH_LEAF_SIZE)
    {
      guint8 leaves[LEAF_BATCH * BURROW_TTH_SIZE];
      gsize n = MIN (len / BURROW_TTH_LEAF_SIZE, LEAF_BATCH);

      burrow_tiger_leaves (p, n, leaves);
      for (gsize i = 0; i < n; i++)
        tree_stack_push (&self->stack, leaves + i * BURROW_TTH_SIZE, 0,
                         self->keep_level, self->leaves);
      p += n * BURROW_TTH_LEAF_SIZE;
      len -= n * BURROW_TTH_LEAF_SIZE;
    }

  if (len > 0)
    {
      memcpy (self->buffer, p, len);
      self->buffered = len;
    }
}

/**
 * burrow_tth_hasher_finish:
 * @self: a hasher
 * @root: (out caller-allocates): the TTH of everything fed so far
 *
 * Ends the input. Calling it again returns the same root.
 */
void
burrow_tth_hasher_finish (BurrowTthHasher *self,
                          guint8           root[BURROW_TTH_SIZE])
{
  g_return_if_fail (self != NULL);

  if (!self->finished)
    {
      /* The last, short leaf; or the single leaf Tiger (0x00) of an empty file. */
      if (self->buffered > 0 || self->size == 0)
        hasher_add_leaf (self, self->buffer, self->buffered);
      self->buffered = 0;

      tree_stack_fold (&self->stack, self->keep_level, self->leaves, self->root);
      self->finished = TRUE;
    }

  memcpy (root, self->root, BURROW_TTH_SIZE);
}

/**
 * burrow_tth_hasher_steal_leaves:
 * @self: a finished hasher
 *
 * Returns: (transfer full) (nullable): the nodes at the hasher's block size,
 *   24 bytes each, in file order; %NULL if the hasher keeps no leaves or they
 *   were already stolen
 */
GBytes *
burrow_tth_hasher_steal_leaves (BurrowTthHasher *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->finished, NULL);

  if (self->leaves == NULL)
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&self->leaves));
}

/**
 * burrow_tth_hasher_get_size:
 *
 * Returns: the number of bytes fed so far
 */
guint64
burrow_tth_hasher_get_size (BurrowTthHasher *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

/**
 * burrow_tth_hasher_get_block_size:
 *
 * Returns: the block size given to burrow_tth_hasher_new()
 */
guint64
burrow_tth_hasher_get_block_size (BurrowTthHasher *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->block_size;
}

void
burrow_tth_hasher_free (BurrowTthHasher *self)
{
  if (self == NULL)
    return;

  if (self->leaves != NULL)
    g_byte_array_unref (self->leaves);
  g_free (self);
}

/**
 * burrow_tth_root_from_nodes:
 * @nodes: (array length=n_nodes): @n_nodes nodes of 24 bytes, in file order
 * @n_nodes: at least 1
 * @root: (out caller-allocates): the root
 *
 * Computes the root of a tree from its nodes at one level, each covering one
 * aligned block of the file (the last one may be partial). Works for `tthl`
 * leaves and for combining ranges hashed in parallel.
 */
void
burrow_tth_root_from_nodes (const guint8 *nodes,
                            gsize         n_nodes,
                            guint8        root[BURROW_TTH_SIZE])
{
  TreeStack stack;

  g_return_if_fail (nodes != NULL);
  g_return_if_fail (n_nodes > 0);

  stack.n = 0;
  for (gsize i = 0; i < n_nodes; i++)
    tree_stack_push (&stack, nodes + i * BURROW_TTH_SIZE, 0, 0, NULL);
  tree_stack_fold (&stack, 0, NULL, root);
}

/**
 * burrow_tth_block_size_for_leaves:
 * @file_size: the file size
 * @n_leaves: number of leaves received (at least 1)
 *
 * What a `tthl` receiver derives: the smallest 1024·2^k with
 * 1024·2^k × @n_leaves >= @file_size.
 *
 * Returns: the block size
 */
guint64
burrow_tth_block_size_for_leaves (guint64 file_size,
                                  guint64 n_leaves)
{
  guint64 need;
  guint64 block_size = BURROW_TTH_LEAF_SIZE;

  g_return_val_if_fail (n_leaves > 0, 0);

  need = file_size / n_leaves + (file_size % n_leaves != 0 ? 1 : 0);
  while (block_size < need && block_size <= G_MAXUINT64 / 2)
    block_size <<= 1;

  return block_size;
}

/**
 * burrow_tth_choose_block_size:
 * @file_size: the file size
 *
 * The block size of the trees we store and send: at least 64 KiB, and small
 * enough for at most 512 leaves (as DC++ does).
 *
 * Returns: the block size
 */
guint64
burrow_tth_choose_block_size (guint64 file_size)
{
  return MAX ((guint64) BURROW_TTH_MIN_STORED_BLOCK_SIZE,
              burrow_tth_block_size_for_leaves (file_size, BURROW_TTH_MAX_STORED_LEAVES));
}

/**
 * burrow_tth_n_leaves:
 * @file_size: the file size
 * @block_size: a block size (not 0)
 *
 * Returns: the number of blocks of @file_size; 1 for an empty file
 */
guint64
burrow_tth_n_leaves (guint64 file_size,
                     guint64 block_size)
{
  g_return_val_if_fail (block_size > 0, 0);

  if (file_size == 0)
    return 1;

  return file_size / block_size + (file_size % block_size != 0 ? 1 : 0);
}

/**
 * burrow_tth_tree_new_from_leaves:
 * @file_size: the size of the file
 * @root: the TTH of the file
 * @leaf_data: leaves as received in `tthl` (24 bytes each, in file order)
 * @error: return location for a #BurrowProtocolError
 *
 * Derives the block size from the number of leaves and checks that the leaves
 * rebuild @root.
 *
 * Returns: (transfer full) (nullable): the tree, or %NULL with
 *   %BURROW_PROTOCOL_ERROR_BAD_LENGTH or %BURROW_PROTOCOL_ERROR_BAD_TREE
 */
BurrowTthTree *
burrow_tth_tree_new_from_leaves (guint64        file_size,
                                 const guint8   root[BURROW_TTH_SIZE],
                                 GBytes        *leaf_data,
                                 GError       **error)
{
  BurrowTthTree *tree;
  const guint8 *data;
  gsize len;
  guint64 n_leaves;
  guint64 block_size;
  guint8 rebuilt[BURROW_TTH_SIZE];

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (leaf_data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (leaf_data, &len);
  if (len == 0 || len % BURROW_TTH_SIZE != 0)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH,
                   _("Tiger tree data of %zu bytes is not a whole number of leaves"),
                   len);
      return NULL;
    }

  n_leaves = len / BURROW_TTH_SIZE;
  block_size = burrow_tth_block_size_for_leaves (file_size, n_leaves);
  if (burrow_tth_n_leaves (file_size, block_size) != n_leaves)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH,
                   _("A Tiger tree of %llu leaves does not fit a file of %llu bytes"),
                   (unsigned long long) n_leaves, (unsigned long long) file_size);
      return NULL;
    }

  burrow_tth_root_from_nodes (data, n_leaves, rebuilt);
  if (memcmp (rebuilt, root, BURROW_TTH_SIZE) != 0)
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE,
                           _("Tiger tree does not match its root"));
      return NULL;
    }

  tree = g_new0 (BurrowTthTree, 1);
  tree->file_size = file_size;
  tree->block_size = block_size;
  memcpy (tree->root, root, BURROW_TTH_SIZE);
  tree->leaves = g_bytes_ref (leaf_data);

  return tree;
}

void
burrow_tth_tree_free (BurrowTthTree *tree)
{
  if (tree == NULL)
    return;

  g_clear_pointer (&tree->leaves, g_bytes_unref);
  g_free (tree);
}

/**
 * burrow_tth_tree_get_n_leaves:
 *
 * Returns: the number of leaves of @tree
 */
guint64
burrow_tth_tree_get_n_leaves (const BurrowTthTree *tree)
{
  g_return_val_if_fail (tree != NULL, 0);

  return g_bytes_get_size (tree->leaves) / BURROW_TTH_SIZE;
}

static void
subtree_root (const void *data,
              gsize       len,
              guint8      out[BURROW_TTH_SIZE])
{
  BurrowTthHasher hasher;

  /* A block is hashed exactly as a file of its own: on the stack, no leaves. */
  memset (&hasher, 0, sizeof hasher);
  burrow_tth_hasher_update (&hasher, data, len);
  burrow_tth_hasher_finish (&hasher, out);
}

/**
 * burrow_tth_tree_verify_block:
 * @tree: a tree
 * @offset: offset of the block in the file, a multiple of the block size
 * @data: (array length=len): the block
 * @len: the block's exact length (the block size, or less for the last block)
 * @error: return location for a #BurrowProtocolError
 *
 * Returns: %TRUE if @data hashes to its leaf; otherwise %FALSE with
 *   %BURROW_PROTOCOL_ERROR_BAD_PARAM (not a block) or
 *   %BURROW_PROTOCOL_ERROR_BAD_TREE (corrupt data)
 */
gboolean
burrow_tth_tree_verify_block (const BurrowTthTree  *tree,
                              guint64               offset,
                              const void           *data,
                              gsize                 len,
                              GError              **error)
{
  const guint8 *leaves;
  guint64 index;
  guint64 expected;
  guint8 node[BURROW_TTH_SIZE];

  g_return_val_if_fail (tree != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (offset % tree->block_size != 0
      || (offset >= tree->file_size && !(offset == 0 && tree->file_size == 0)))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("Offset %llu is not the start of a block"),
                   (unsigned long long) offset);
      return FALSE;
    }

  expected = MIN (tree->block_size, tree->file_size - offset);
  if (len != expected)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("Block at %llu has %zu bytes, expected %llu"),
                   (unsigned long long) offset, len, (unsigned long long) expected);
      return FALSE;
    }

  index = offset / tree->block_size;
  leaves = g_bytes_get_data (tree->leaves, NULL);
  subtree_root (data, len, node);
  if (memcmp (node, leaves + index * BURROW_TTH_SIZE, BURROW_TTH_SIZE) != 0)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE,
                   _("Block at %llu does not match the Tiger tree"),
                   (unsigned long long) offset);
      return FALSE;
    }

  return TRUE;
}

/**
 * burrow_tth_tree_verify_range:
 * @tree: a tree
 * @offset: offset of the first block, a multiple of the block size
 * @data: (array length=len): one or more consecutive whole blocks
 * @len: their total length
 * @error: return location for a #BurrowProtocolError
 *
 * Returns: %TRUE if every block matches; see burrow_tth_tree_verify_block()
 */
gboolean
burrow_tth_tree_verify_range (const BurrowTthTree  *tree,
                              guint64               offset,
                              const void           *data,
                              gsize                 len,
                              GError              **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (tree != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The empty range of an empty file is its one (empty) block. */
  if (len == 0)
    return burrow_tth_tree_verify_block (tree, offset, data, len, error);

  if (offset > tree->file_size || len > tree->file_size - offset
      || ((offset + len) % tree->block_size != 0 && offset + len != tree->file_size))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("Range of %zu bytes at %llu is not made of whole blocks"),
                   len, (unsigned long long) offset);
      return FALSE;
    }

  while (len > 0)
    {
      gsize n = (gsize) MIN ((guint64) len, tree->block_size);

      if (!burrow_tth_tree_verify_block (tree, offset, p, n, error))
        return FALSE;
      offset += n;
      p += n;
      len -= n;
    }

  return TRUE;
}

/**
 * burrow_tth_buffer:
 * @data: (array length=len): a whole file in memory
 * @len: its size
 * @root: (out caller-allocates): its TTH
 */
void
burrow_tth_buffer (const void *data,
                   gsize       len,
                   guint8      root[BURROW_TTH_SIZE])
{
  g_return_if_fail (data != NULL || len == 0);

  subtree_root (data, len, root);
}

/**
 * burrow_tth_to_base32:
 *
 * Returns: (transfer full): the 39-character base32 form of @root
 */
gchar *
burrow_tth_to_base32 (const guint8 root[BURROW_TTH_SIZE])
{
  return burrow_base32_encode (root, BURROW_TTH_SIZE);
}

/**
 * burrow_tth_from_base32:
 * @text: 39 base32 characters (either case)
 * @root: (out caller-allocates): the decoded TTH
 * @error: return location for a #BurrowProtocolError
 *
 * Returns: %TRUE on success; otherwise %FALSE with
 *   %BURROW_PROTOCOL_ERROR_BAD_LENGTH or %BURROW_PROTOCOL_ERROR_BAD_BASE32
 */
gboolean
burrow_tth_from_base32 (const gchar  *text,
                        guint8        root[BURROW_TTH_SIZE],
                        GError      **error)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return burrow_base32_decode (text, -1, root, BURROW_TTH_SIZE, error);
}
