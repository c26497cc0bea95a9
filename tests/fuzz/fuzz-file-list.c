/* fuzz-file-list.c — libFuzzer target for the file-list parser (XML and bzip2)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-file-list"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"
#include "burrow-file-list-private.h"
#include "burrow-file-tree-private.h"

/* Input: one mode byte, one byte N, N little-endian 16-bit cut points, then
 * the list. Mode bit 0: the list is bzip2; bits 1-3: how big the chunks of
 * decompressed text are. The list is parsed whole, then again fed in pieces
 * split at the cut points: both must agree, and the list generated from an
 * accepted one must parse and come back unchanged from a further round trip.
 * With FUZZ_DEBUG set in the environment, the two errors are printed. */

#define MAX_CUTS 32
/* Decompressed text accepted. The parser looks at a tag that is still
 * incomplete again with each piece fed (fine with the 256 KiB pieces of real
 * loads, quadratic with tiny ones): with at most 64 KiB of text in pieces of
 * 1 KiB or more, or 33 pieces of XML, an input stays well under a second. */
#define MAX_TEXT (64 * 1024)

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gint
compare_gsize (gconstpointer a,
               gconstpointer b)
{
  gsize x = *(const gsize *) a;
  gsize y = *(const gsize *) b;

  return x < y ? -1 : x > y;
}

static void
check_tree (BurrowFileTree *tree)
{
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  guint n_files = 0;
  guint n_dirs = 0;

  check (burrow_file_tree_is_finished (tree), "finished");
  g_ptr_array_add (stack, root);
  while (stack->len > 0)
    {
      BurrowFileNode *node = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      g_autofree gchar *path = burrow_file_node_dup_path (node);

      check (burrow_file_tree_lookup (tree, path) == node, "lookup (dup_path (node)) == node");
      if (node != root)
        check (burrow_file_name_is_valid (node->name, -1), "valid name");
      if (!node->is_dir)
        {
          n_files++;
          continue;
        }
      if (node != root)
        n_dirs++;
      for (guint i = 0; i < node->children->len; i++)
        {
          BurrowFileNode *child = node->children->pdata[i];

          check (child->parent == node, "parent link");
          if (i > 0)
            {
              BurrowFileNode *prev = node->children->pdata[i - 1];

              check (prev->is_dir >= child->is_dir, "directories first");
              check (prev->is_dir != child->is_dir ||
                     _burrow_file_name_compare (prev->name, child->name) < 0,
                     "sorted by name");
            }
          for (guint j = 0; j < i && node->children->len <= 64; j++)
            check (_burrow_file_name_compare (((BurrowFileNode *) node->children->pdata[j])->name,
                                              child->name) != 0, "no two children alike");
          g_ptr_array_add (stack, child);
        }
    }
  check (n_files == burrow_file_tree_get_n_files (tree), "file count");
  check (n_dirs == burrow_file_tree_get_n_directories (tree), "directory count");
}

static GBytes *
generate (BurrowFileTree *tree)
{
  g_autoptr(GError) error = NULL;
  GBytes *xml = burrow_file_list_generate (tree, "Q5ZLAPQKBQFUSPL2LWIOKA7ZHIJGT5GNJIRC3OQ", "fuzz", "/", TRUE,
                                           &error);

  check (xml != NULL && error == NULL, "generate");
  return xml;
}

/* A list we generated must parse, without limits; returns it generated again. */
static GBytes *
round_trip (GBytes *xml)
{
  BurrowFileListLimits loose = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;
  GBytes *again;

  tree = burrow_file_list_parse (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml), FALSE,
                                 &loose, NULL, NULL, &error);
  check (tree != NULL && error == NULL, "our own list parses");
  again = generate (tree);
  burrow_file_tree_unref (tree);
  return again;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  BurrowFileListLimits limits = { MAX_TEXT, 0, 20000 };
  gsize cuts[MAX_CUTS];
  guint n_cuts;
  gboolean compressed;
  gsize out_chunk;
  const guint8 *list;
  gsize list_len;
  BurrowFileTree *whole;
  BurrowFileTree *pieces;
  g_autoptr(GError) whole_error = NULL;
  g_autoptr(GError) pieces_error = NULL;
  guint whole_dups = 0;
  guint pieces_dups = 0;

  if (size < 2)
    return 0;
  compressed = data[0] & 1;
  out_chunk = (gsize) 1024 << ((data[0] >> 1) & 7);   /* 1 KiB … 128 KiB */
  n_cuts = MIN (data[1], MAX_CUTS);
  if (size < 2 + 2 * (gsize) n_cuts)
    return 0;
  list = data + 2 + 2 * n_cuts;
  list_len = size - 2 - 2 * n_cuts;
  for (guint i = 0; i < n_cuts; i++)
    cuts[i] = list_len > 0 ? (data[2 + 2 * i] | (data[3 + 2 * i] << 8)) % (list_len + 1) : 0;
  qsort (cuts, n_cuts, sizeof cuts[0], compare_gsize);

  whole = burrow_file_list_parse_full (list, list_len, compressed, &limits, NULL, NULL,
                                       &whole_dups, &whole_error);
  pieces = _burrow_file_list_parse_pieces (list, list_len, compressed, cuts, n_cuts, out_chunk,
                                           &limits, &pieces_dups, &pieces_error);

  check ((whole == NULL) == (whole_error != NULL), "tree xor error");
  check ((pieces == NULL) == (pieces_error != NULL), "tree xor error (pieces)");
  check ((whole == NULL) == (pieces == NULL), "whole and pieces agree on success");
  if (g_getenv ("FUZZ_DEBUG") != NULL)
    g_printerr ("whole: %s\npieces: %s\n", whole_error ? whole_error->message : "ok",
                pieces_error ? pieces_error->message : "ok");
  if (whole_error != NULL)
    {
      check (whole_error->domain == BURROW_SHARE_ERROR, "error domain");
      /* not always the same code: whole input is checked for UTF-8 and
       * size ahead of the markup, pieces only as far as they go */
      check (pieces_error->domain == BURROW_SHARE_ERROR, "error domain (pieces)");
      return 0;
    }

  check (whole_dups == pieces_dups, "same duplicate count");
  check_tree (whole);
  {
    g_autoptr(GBytes) a = generate (whole);
    g_autoptr(GBytes) b = generate (pieces);
    g_autoptr(GBytes) c = NULL;
    g_autoptr(GBytes) d = NULL;

    check (g_bytes_equal (a, b), "whole and pieces give the same tree");
    /* files without a TTH are left out of a generated list, so a directory
     * may change form once ("<D>\n</D>" → "<D/>"); after that, stable */
    c = round_trip (a);
    d = round_trip (c);
    check (g_bytes_equal (c, d), "generate (parse (x)) is stable for a generated x");
  }
  burrow_file_tree_unref (whole);
  burrow_file_tree_unref (pieces);
  return 0;
}
