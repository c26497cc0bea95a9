/* test-search-index.c — bounds of the search index against hostile searches
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-search-index"

#include "config.h"

#include <string.h>

#include "burrow-core.h"

/* Share/d<k>/f<i>.dat in directories of 1000, BURROW_SEARCH_MAX_VISITS + 2000
 * files, then Share/zz/last.zzz at the very end of the tree order. */
static BurrowFileTree *
build_big_tree (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *share = burrow_file_tree_add_directory (tree, burrow_file_tree_get_root (tree),
                                                          "Share");
  BurrowFileNode *dir = NULL;
  BurrowFileNode *last_dir;
  guint8 tth[BURROW_TTH_SIZE] = { 0 };

  for (guint i = 0; i < BURROW_SEARCH_MAX_VISITS + 2000; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("f%u.dat", i);

      if (i % 1000 == 0)
        {
          g_autofree gchar *dir_name = g_strdup_printf ("d%u", i / 1000);

          dir = burrow_file_tree_add_directory (tree, share, dir_name);
        }
      memcpy (tth, &i, sizeof i);
      burrow_file_tree_add_file (tree, dir, name, 1, 0, tth);
    }
  last_dir = burrow_file_tree_add_directory (tree, share, "zz");
  tth[23] = 1;
  burrow_file_tree_add_file (tree, last_dir, "last.zzz", 1, 0, tth);
  burrow_file_tree_finish (tree);
  return tree;
}

static guint
search (BurrowSearchIndex *index,
        const gchar       *params)
{
  g_autofree gchar *line = g_strconcat ("BSCH AAAA ", params, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_parse (line, -1, &error);
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new ();

  g_assert_no_error (error);
  query = burrow_search_query_new_from_adc (msg, &error);
  g_assert_no_error (error);
  return burrow_search_index_search (index, query, BURROW_SEARCH_MAX_RESULTS_ACTIVE, results);
}

/* Anyone on a hub may search, on our main thread: a search that matches
 * (almost) nothing must not look at every entry of a big share. Past
 * BURROW_SEARCH_MAX_VISITS entries it stops, so an entry that only a full
 * scan would reach is not found; a precise term still finds it. */
static void
test_visit_budget (void)
{
  g_autoptr(BurrowFileTree) tree = build_big_tree ();
  g_autoptr(BurrowSearchIndex) index = burrow_search_index_new (tree);

  /* a broad term, then a condition only the last entry meets */
  g_assert_cmpuint (search (index, "ANshare EXzzz"), ==, 0);
  /* no term at all: the whole share would be scanned */
  g_assert_cmpuint (search (index, "EXzzz"), ==, 0);
  /* a term that is a substring of every path, then a subtree to check */
  g_assert_cmpuint (search (index, "ANf NOf"), ==, 0);

  /* searches that need little work are answered as before */
  g_assert_cmpuint (search (index, "ANlast"), ==, 1);
  g_assert_cmpuint (search (index, "ANzz EXzzz"), ==, 1);
  g_assert_cmpuint (search (index, "EXdat"), ==, BURROW_SEARCH_MAX_RESULTS_ACTIVE);
  g_assert_cmpuint (search (index, "ANf123 EXdat"), ==, BURROW_SEARCH_MAX_RESULTS_ACTIVE);
}

/* A term may span names: "20/track" is in "/Album 20/track.mp3" although
 * no single name holds it (the index looks up "track" or "20", then checks
 * paths). */
static void
test_term_across_names (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  g_autoptr(BurrowSearchIndex) index = NULL;
  BurrowFileNode *album = burrow_file_tree_add_directory (tree, burrow_file_tree_get_root (tree),
                                                          "Album 20");
  BurrowFileNode *sub = burrow_file_tree_add_directory (tree, album, "CD1");
  guint8 tth[BURROW_TTH_SIZE] = { 1 };

  burrow_file_tree_add_file (tree, album, "track.mp3", 1, 0, tth);
  tth[0] = 2;
  burrow_file_tree_add_file (tree, sub, "x.mp3", 1, 0, tth);
  burrow_file_tree_finish (tree);
  index = burrow_search_index_new (tree);

  g_assert_cmpuint (search (index, "AN20/track"), ==, 1);    /* "track" looked up */
  g_assert_cmpuint (search (index, "AN20/"), ==, 3);         /* "20": CD1, track, x */
  g_assert_cmpuint (search (index, "ANm\\s20/cd1/x"), ==, 1); /* "cd1", then on into CD1 */
  g_assert_cmpuint (search (index, "AN20/cd2"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/burrow/share/search-index/visit-budget", test_visit_budget);
  g_test_add_func ("/burrow/share/search-index/term-across-names", test_term_across_names);

  return g_test_run ();
}
