/* fuzz-tthl.c — libFuzzer target for `tthl` leaves and block verification
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-tthl"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

/* Input: a header, then bytes that both seed the file content and serve as
 * raw `tthl` leaves.
 *   0-3  file size (little-endian, modulo MAX_FILE + 1)
 *   4    block size of the hasher: 1024 << (b % 8)
 *   5    how the hasher is fed: chunks of 1 + (b * 97) bytes
 *   6-13 four (offset, length) probes, one byte pair each, scaled to the block size
 *   14-  pattern of the content, and raw leaves for a hostile tree
 * Properties: the hasher's leaves rebuild its root and burrow_tth_buffer()'s;
 * the tree built from them accepts exactly the true blocks at block offsets
 * (anything else is BAD_PARAM), any changed bit is BAD_TREE; raw leaves give
 * a tree only if they rebuild the claimed root and fit the claimed size. */

#define MAX_FILE  (20 * 1024)
#define HEADER    14

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_error (GError      *error,
             gint         code,
             const gchar *what)
{
  check (error != NULL && error->domain == BURROW_PROTOCOL_ERROR && error->code == code, what);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

/* One probe at (offset, len) with the true bytes where they exist. */
static void
probe (const BurrowTthTree *tree,
       const guint8        *content,
       guint64              offset,
       gsize                len,
       guint                flip)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buf = g_malloc0 (MAX (len, 1));
  guint64 file_size = tree->file_size;
  gboolean is_block;
  gboolean ok;

  if (offset < file_size)
    memcpy (buf, content + offset, MIN (len, file_size - offset));
  is_block = offset % tree->block_size == 0 &&
             (offset < file_size || (offset == 0 && file_size == 0)) &&
             len == MIN (tree->block_size, file_size - offset);

  ok = burrow_tth_tree_verify_block (tree, offset, buf, len, &error);
  check (ok == is_block, "verify_block accepts exactly the true blocks");
  if (!ok)
    {
      check_error (error, BURROW_PROTOCOL_ERROR_BAD_PARAM, "not a block: BAD_PARAM");
      return;
    }
  if (len == 0)
    return;
  buf[flip % len] ^= 1 << (flip % 8);
  ok = burrow_tth_tree_verify_block (tree, offset, buf, len, &error);
  check (!ok, "a changed bit is caught");
  check_error (error, BURROW_PROTOCOL_ERROR_BAD_TREE, "changed bit: BAD_TREE");
}

static void
check_true_tree (const guint8 *data,
                 size_t        size)
{
  guint64 file_size = le32 (data) % (MAX_FILE + 1);
  guint64 block_size = (guint64) BURROW_TTH_LEAF_SIZE << (data[4] % 8);
  gsize feed = 1 + (gsize) data[5] * 97;
  const guint8 *pattern = data + HEADER;
  gsize pattern_len = size - HEADER;
  g_autofree guint8 *content = g_malloc (MAX (file_size, 1));
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (block_size);
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(BurrowTthTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  guint8 root[BURROW_TTH_SIZE];
  guint8 other[BURROW_TTH_SIZE];

  for (guint64 i = 0; i < file_size; i++)
    content[i] = pattern_len > 0 ? pattern[i % pattern_len] + (guint8) (i / pattern_len) : (guint8) i;

  for (guint64 off = 0; off < file_size; off += feed)
    burrow_tth_hasher_update (hasher, content + off, MIN (feed, file_size - off));
  burrow_tth_hasher_finish (hasher, root);
  check (burrow_tth_hasher_get_size (hasher) == file_size, "hasher size");
  leaves = burrow_tth_hasher_steal_leaves (hasher);
  check (g_bytes_get_size (leaves) ==
         burrow_tth_n_leaves (file_size, block_size) * BURROW_TTH_SIZE, "leaf count");

  burrow_tth_buffer (content, file_size, other);
  check (memcmp (root, other, sizeof root) == 0, "streamed root == buffer root");
  burrow_tth_root_from_nodes (g_bytes_get_data (leaves, NULL),
                              g_bytes_get_size (leaves) / BURROW_TTH_SIZE, other);
  check (memcmp (root, other, sizeof root) == 0, "leaves rebuild the root");

  tree = burrow_tth_tree_new_from_leaves (file_size, root, leaves, &error);
  check (tree != NULL && error == NULL, "true leaves give a tree");
  check (burrow_tth_tree_get_n_leaves (tree) == g_bytes_get_size (leaves) / BURROW_TTH_SIZE,
         "tree leaf count");

  /* every block, then the whole file as a range */
  for (guint64 off = 0; off < file_size || off == 0; off += tree->block_size)
    {
      probe (tree, content, off, MIN (tree->block_size, file_size - off), (guint) off);
      if (file_size == 0)
        break;
    }
  check (burrow_tth_tree_verify_range (tree, 0, content, file_size, NULL), "whole range");

  /* fuzzer-chosen probes, near blocks and anywhere */
  for (guint i = 0; i < 4; i++)
    {
      guint64 offset = (guint64) data[6 + 2 * i] * tree->block_size / 16;
      gsize len = (gsize) data[7 + 2 * i] * tree->block_size / 128;

      probe (tree, content, offset, len, data[7 + 2 * i]);
    }

  /* a wrong size for the same leaves */
  {
    g_autoptr(GError) size_error = NULL;
    g_autoptr(BurrowTthTree) wrong = NULL;
    guint64 n = g_bytes_get_size (leaves) / BURROW_TTH_SIZE;
    guint64 bigger = file_size + (guint64) (data[13] + 1) * tree->block_size * n;

    wrong = burrow_tth_tree_new_from_leaves (bigger, root, leaves, &size_error);
    if (wrong == NULL)
      check_error (size_error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, "wrong size: BAD_LENGTH");
    else
      check (burrow_tth_tree_get_n_leaves (wrong) == n, "size that fits the leaves");
  }
}

static void
check_raw_leaves (const guint8 *data,
                  size_t        size)
{
  const guint8 *raw = data + HEADER;
  gsize raw_len = size - HEADER;
  g_autoptr(GBytes) leaves = g_bytes_new (raw, raw_len);
  guint64 file_size = ((guint64) le32 (data) << 16) ^ le32 (data + 6);
  guint8 root[BURROW_TTH_SIZE] = { 0 };
  g_autoptr(BurrowTthTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  gboolean fits;

  if (raw_len >= BURROW_TTH_SIZE && raw_len % BURROW_TTH_SIZE == 0)
    burrow_tth_root_from_nodes (raw, raw_len / BURROW_TTH_SIZE, root);
  if (data[5] & 1)
    root[data[5] % BURROW_TTH_SIZE] ^= 0x80;   /* a root they do not rebuild */

  tree = burrow_tth_tree_new_from_leaves (file_size, root, leaves, &error);
  fits = raw_len > 0 && raw_len % BURROW_TTH_SIZE == 0 &&
         burrow_tth_n_leaves (file_size,
                              burrow_tth_block_size_for_leaves (file_size, raw_len / BURROW_TTH_SIZE))
           == raw_len / BURROW_TTH_SIZE;
  if (!fits)
    {
      check (tree == NULL, "leaves that do not fit the size are refused");
      check_error (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, "BAD_LENGTH");
      return;
    }
  if (data[5] & 1)
    {
      check (tree == NULL, "leaves that do not rebuild the root are refused");
      check_error (error, BURROW_PROTOCOL_ERROR_BAD_TREE, "BAD_TREE");
      return;
    }
  check (tree != NULL, "leaves that fit and rebuild the root give a tree");
  check (tree->block_size >= BURROW_TTH_LEAF_SIZE && (tree->block_size & (tree->block_size - 1)) == 0,
         "block size is 1024·2^k");

  /* arbitrary blocks against arbitrary leaves: no crash, a clear answer */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GError) verify_error = NULL;
      guint64 offset = (guint64) data[6 + 2 * i] * tree->block_size;
      gsize len = MIN (tree->block_size, (guint64) raw_len);

      if (!burrow_tth_tree_verify_block (tree, offset, raw, len, &verify_error))
        check (verify_error != NULL && verify_error->domain == BURROW_PROTOCOL_ERROR,
               "verify error domain");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  if (size < HEADER)
    return 0;
  check_true_tree (data, size);
  check_raw_leaves (data, size);
  return 0;
}
