/* test-file-tree.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-file-tree"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

static void
test_names (void)
{
  static const struct
  {
    const gchar *name;
    gssize       len;
    gboolean     valid;
  } cases[] = {
    { "a", -1, TRUE },
    { "Track 01 - Intro.flac", -1, TRUE },
    { "Ünïcødé 日本語 😀", -1, TRUE },
    { ".hidden", -1, TRUE },
    { "...", -1, TRUE },
    { "a..b", -1, TRUE },
    { "", -1, FALSE },
    { ".", -1, FALSE },
    { "..", -1, FALSE },
    { "a/b", -1, FALSE },
    { "/", -1, FALSE },
    { "a\\b", -1, FALSE },
    { "a\x01" "b", -1, FALSE },
    { "tab\there", -1, FALSE },
    { "new\nline", -1, FALSE },
    { "del\x7f", -1, FALSE },
    { "c1\xc2\x85x", -1, FALSE },       /* U+0085 NEL */
    { "\xc2\xa0nbsp", -1, TRUE },       /* U+00A0 is fine */
    { "bad\xff", -1, FALSE },
    { "overlong\xc0\xaf", -1, FALSE },
    { "surrogate\xed\xa0\x80", -1, FALSE },
    { "trunc\xe2\x82", -1, FALSE },
    { "nul\0inside", 10, FALSE },
    { "abc", 2, TRUE },                 /* only "ab" is looked at */
    { "..x", 2, FALSE },                /* ".." */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %zu", i);
      g_assert_cmpint (burrow_file_name_is_valid (cases[i].name, cases[i].len), ==,
                       cases[i].valid);
    }

  {
    gchar long_name[257];

    memset (long_name, 'x', 256);
    long_name[256] = '\0';
    g_assert_false (burrow_file_name_is_valid (long_name, -1));
    g_assert_true (burrow_file_name_is_valid (long_name, 255));
  }
  g_assert_false (burrow_file_name_is_valid (NULL, -1));
}

static void
test_build_and_duplicates (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *music;
  BurrowFileNode *file;
  guint8 tth[24];

  memset (tth, 0xab, sizeof tth);
  g_assert_nonnull (root);
  g_assert_true (root->is_dir);
  g_assert_cmpstr (root->name, ==, "");
  g_assert_null (root->parent);

  music = burrow_file_tree_add_directory (tree, root, "Music");
  g_assert_nonnull (music);
  g_assert_true (music->parent == root);
  g_assert_nonnull (music->children);
  g_assert_cmpuint (music->children->len, ==, 0);

  /* case-insensitive duplicates, directory vs directory and vs file */
  g_assert_null (burrow_file_tree_add_directory (tree, root, "music"));
  g_assert_null (burrow_file_tree_add_directory (tree, root, "MUSIC"));
  g_assert_null (burrow_file_tree_add_file (tree, root, "mUsIc", 1, 0, NULL));

  file = burrow_file_tree_add_file (tree, music, "Song.MP3", 1234, 99, tth);
  g_assert_nonnull (file);
  g_assert_false (file->is_dir);
  g_assert_null (file->children);
  g_assert_true (file->has_tth);
  g_assert_cmpmem (file->tth, 24, tth, 24);
  g_assert_cmpuint (file->size, ==, 1234);
  g_assert_cmpint (file->mtime, ==, 99);
  g_assert_null (burrow_file_tree_add_file (tree, music, "song.mp3", 5, 0, NULL));
  g_assert_null (burrow_file_tree_add_directory (tree, music, "SONG.mp3"));

  /* non-ASCII case folding */
  g_assert_nonnull (burrow_file_tree_add_file (tree, music, "Ärger.ogg", 1, 0, NULL));
  g_assert_null (burrow_file_tree_add_file (tree, music, "ärger.OGG", 1, 0, NULL));
  g_assert_nonnull (burrow_file_tree_add_file (tree, music, "ΣΟΦΙΑ", 1, 0, NULL));
  g_assert_null (burrow_file_tree_add_file (tree, music, "σοφια", 1, 0, NULL));
  /* different names stay different */
  g_assert_nonnull (burrow_file_tree_add_file (tree, music, "Arger.ogg", 1, 0, NULL));
  g_assert_nonnull (burrow_file_tree_add_file (tree, music, "Song.MP3 ", 1, 0, NULL));

  /* same name in another directory is fine */
  g_assert_nonnull (burrow_file_tree_add_file (tree, root, "Song.mp3", 7, 0, NULL));

  g_assert_cmpuint (burrow_file_tree_get_n_directories (tree), ==, 1);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 6);
  g_assert_cmpuint (music->children->len, ==, 5);
  g_assert_false (burrow_file_tree_is_finished (tree));

  /* lookup works before finish too */
  g_assert_true (burrow_file_node_lookup_child (music, "SONG.mp3") == file);
  g_assert_true (burrow_file_tree_lookup (tree, "/music/song.mp3") == file);
}

static void
test_big_directory (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *dir = burrow_file_tree_add_directory (tree, root, "big");
  const guint n = 5000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("File %05u.BIN", i);

      g_assert_nonnull (burrow_file_tree_add_file (tree, dir, name, i, 0, NULL));
    }
  /* every duplicate is caught, whatever the directory size */
  for (guint i = 0; i < n; i += 7)
    {
      g_autofree gchar *name = g_strdup_printf ("file %05u.bin", i);

      g_assert_null (burrow_file_tree_add_file (tree, dir, name, 0, 0, NULL));
      g_assert_null (burrow_file_tree_add_directory (tree, dir, name));
      g_assert_nonnull (burrow_file_node_lookup_child (dir, name));
    }
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, n);

  burrow_file_tree_finish (tree);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("FILE %05u.bin", i);
      BurrowFileNode *node = burrow_file_node_lookup_child (dir, name);

      g_assert_nonnull (node);
      g_assert_cmpuint (node->size, ==, i);
    }
  g_assert_null (burrow_file_node_lookup_child (dir, "File 99999.BIN"));
  g_assert_cmpuint (burrow_file_tree_get_total_size (tree), ==, (guint64) n * (n - 1) / 2);
}

static BurrowFileTree *
make_sample_tree (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *a = burrow_file_tree_add_directory (tree, root, "Alpha");
  BurrowFileNode *b = burrow_file_tree_add_directory (tree, a, "beta");
  BurrowFileNode *z = burrow_file_tree_add_directory (tree, root, "zeta");
  BurrowFileNode *inc = burrow_file_tree_add_directory (tree, root, "Later");

  burrow_file_tree_add_file (tree, root, "b.txt", 10, 0, NULL);
  burrow_file_tree_add_file (tree, root, "A.txt", 20, 0, NULL);
  burrow_file_tree_add_file (tree, root, "c.TXT", 30, 0, NULL);
  burrow_file_tree_add_file (tree, a, "one", 100, 0, NULL);
  burrow_file_tree_add_file (tree, b, "two", 1000, 0, NULL);
  burrow_file_tree_add_file (tree, b, "three", 10000, 0, NULL);
  burrow_file_tree_add_directory (tree, z, "empty");
  inc->incomplete = TRUE;
  inc->size = 555;
  return tree;
}

static void
test_finish (void)
{
  g_autoptr(BurrowFileTree) tree = make_sample_tree ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *alpha;
  static const gchar *order[] = { "Alpha", "Later", "zeta", "A.txt", "b.txt", "c.TXT" };

  g_assert_cmpuint (burrow_file_tree_get_total_size (tree), ==, 0);
  burrow_file_tree_finish (tree);
  g_assert_true (burrow_file_tree_is_finished (tree));
  burrow_file_tree_finish (tree); /* idempotent */

  g_assert_cmpuint (root->children->len, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (((BurrowFileNode *) root->children->pdata[i])->name, ==, order[i]);

  alpha = root->children->pdata[0];
  g_assert_cmpuint (alpha->size, ==, 11100);
  g_assert_cmpstr (((BurrowFileNode *) alpha->children->pdata[0])->name, ==, "beta");
  g_assert_cmpuint (((BurrowFileNode *) alpha->children->pdata[0])->size, ==, 11000);
  /* incomplete directories keep their declared size */
  g_assert_cmpuint (((BurrowFileNode *) root->children->pdata[1])->size, ==, 555);
  g_assert_cmpuint (((BurrowFileNode *) root->children->pdata[2])->size, ==, 0);
  g_assert_cmpuint (root->size, ==, 11100 + 555 + 60);
  g_assert_cmpuint (burrow_file_tree_get_total_size (tree), ==, 11100 + 555 + 60);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 6);
  g_assert_cmpuint (burrow_file_tree_get_n_directories (tree), ==, 5);

  /* immutable afterwards */
  g_test_expect_message ("burrow-file-tree", G_LOG_LEVEL_CRITICAL, "*finished*");
  g_assert_null (burrow_file_tree_add_file (tree, root, "new", 1, 0, NULL));
  g_test_assert_expected_messages ();
}

static void
test_lookup_and_paths (void)
{
  g_autoptr(BurrowFileTree) tree = make_sample_tree ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *node;
  static const struct
  {
    const gchar *path;
    const gchar *canonical; /* NULL: no match */
    guint        depth;
  } cases[] = {
    { "/", "/", 0 },
    { "/Alpha/", "/Alpha/", 1 },
    { "/alpha/", "/Alpha/", 1 },
    { "/ALPHA", "/Alpha/", 1 },
    { "/Alpha/beta/", "/Alpha/beta/", 2 },
    { "/alpha/BETA/TWO", "/Alpha/beta/two", 3 },
    { "/a.TXT", "/A.txt", 1 },
    { "/zeta/empty/", "/zeta/empty/", 2 },
    { "/a.txt/", NULL, 0 },            /* a file is not a directory */
    { "/a.txt/x", NULL, 0 },
    { "Alpha/", NULL, 0 },
    { "", NULL, 0 },
    { "//", NULL, 0 },
    { "/Alpha//beta/", NULL, 0 },
    { "/missing/", NULL, 0 },
    { "/Alpha/../", NULL, 0 },
    { "/Alpha/./", NULL, 0 },
  };

  for (gint pass = 0; pass < 2; pass++)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          g_test_message ("pass %d path %s", pass, cases[i].path);
          node = burrow_file_tree_lookup (tree, cases[i].path);
          if (cases[i].canonical == NULL)
            g_assert_null (node);
          else
            {
              g_autofree gchar *path = NULL;

              g_assert_nonnull (node);
              path = burrow_file_node_dup_path (node);
              g_assert_cmpstr (path, ==, cases[i].canonical);
              g_assert_cmpuint (burrow_file_node_get_depth (node), ==, cases[i].depth);
            }
        }
      burrow_file_tree_finish (tree);
    }

  g_assert_null (burrow_file_node_lookup_child (root, "nope"));
  node = burrow_file_node_lookup_child (root, "C.txt");
  g_assert_nonnull (node);
  g_assert_null (burrow_file_node_lookup_child (node, "x"));   /* files have no children */
  g_assert_null (burrow_file_node_lookup_child (root, "bad\xff"));
}

static void
test_unicode_path (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *d = burrow_file_tree_add_directory (tree, root, "Ölmühle & Söhne");
  BurrowFileNode *f = burrow_file_tree_add_file (tree, d, "😀 <x> \"q\".txt", 1, 0, NULL);
  g_autofree gchar *path = NULL;

  burrow_file_tree_finish (tree);
  path = burrow_file_node_dup_path (f);
  g_assert_cmpstr (path, ==, "/Ölmühle & Söhne/😀 <x> \"q\".txt");
  g_assert_true (burrow_file_tree_lookup (tree, "/ölMÜHLE & söhne/😀 <X> \"Q\".TXT") == f);
}

static void
test_boxed (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileTree *copy;
  GValue value = G_VALUE_INIT;

  g_assert_true (G_TYPE_IS_BOXED (BURROW_TYPE_FILE_TREE));
  copy = g_boxed_copy (BURROW_TYPE_FILE_TREE, tree);
  g_assert_true (copy == tree);
  g_value_init (&value, BURROW_TYPE_FILE_TREE);
  g_value_set_boxed (&value, tree);
  g_boxed_free (BURROW_TYPE_FILE_TREE, copy);
  burrow_file_tree_unref (tree);
  /* still alive through the GValue */
  g_assert_true (burrow_file_tree_get_root (g_value_get_boxed (&value))->is_dir);
  g_value_unset (&value);
}

static gpointer
reader_thread (gpointer data)
{
  BurrowFileTree *tree = data;

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/d%u/f%u", i % 50, i % 40);
      BurrowFileNode *node = burrow_file_tree_lookup (tree, path);

      g_assert_nonnull (node);
      g_assert_cmpuint (node->size, ==, i % 40);
      burrow_file_tree_ref (tree);
      burrow_file_tree_unref (tree);
    }
  burrow_file_tree_unref (tree);
  return NULL;
}

static void
test_threads (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  GThread *threads[4];

  for (guint d = 0; d < 50; d++)
    {
      g_autofree gchar *dname = g_strdup_printf ("D%u", d);
      BurrowFileNode *dir = burrow_file_tree_add_directory (tree, root, dname);

      for (guint f = 0; f < 40; f++)
        {
          g_autofree gchar *fname = g_strdup_printf ("F%u", f);

          burrow_file_tree_add_file (tree, dir, fname, f, 0, NULL);
        }
    }
  burrow_file_tree_finish (tree);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", reader_thread, burrow_file_tree_ref (tree));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  burrow_file_tree_unref (tree);
}

static void
test_many_entries_fast (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  gint64 start = g_get_monotonic_time ();
  gdouble seconds;
  guint n = 0;

  /* 200,000 entries, ~10 per directory: building must stay cheap */
  for (guint a = 0; a < 200 && n < 200000; a++)
    {
      g_autofree gchar *aname = g_strdup_printf ("Artist %u", a);
      BurrowFileNode *adir = burrow_file_tree_add_directory (tree, root, aname);

      n++;
      for (guint b = 0; b < 90; b++)
        {
          g_autofree gchar *bname = g_strdup_printf ("Album %u (%u)", b, 1990 + b % 30);
          BurrowFileNode *bdir = burrow_file_tree_add_directory (tree, adir, bname);

          n++;
          for (guint t = 0; t < 10; t++)
            {
              gchar tname[64];

              g_snprintf (tname, sizeof tname, "%02u - Track Title %u.flac", t + 1, t);
              g_assert_nonnull (burrow_file_tree_add_file (tree, bdir, tname, t, 0, NULL));
              n++;
            }
        }
    }
  burrow_file_tree_finish (tree);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("%u entries built and finished in %.3f s", n, seconds);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree) + burrow_file_tree_get_n_directories (tree),
                    ==, n);
  g_assert_cmpfloat (seconds, <, 5.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/share/file-tree/names", test_names);
  g_test_add_func ("/burrow/share/file-tree/build-duplicates", test_build_and_duplicates);
  g_test_add_func ("/burrow/share/file-tree/big-directory", test_big_directory);
  g_test_add_func ("/burrow/share/file-tree/finish", test_finish);
  g_test_add_func ("/burrow/share/file-tree/lookup-paths", test_lookup_and_paths);
  g_test_add_func ("/burrow/share/file-tree/unicode-path", test_unicode_path);
  g_test_add_func ("/burrow/share/file-tree/boxed", test_boxed);
  g_test_add_func ("/burrow/share/file-tree/threads", test_threads);
  g_test_add_func ("/burrow/share/file-tree/many-entries", test_many_entries_fast);

  return g_test_run ();
}
