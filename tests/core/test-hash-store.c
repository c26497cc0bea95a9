/* test-hash-store.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-hash-store"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

typedef struct
{
  gchar *dir;
  gchar *db_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("burrow-hash-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "burrow.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  burrow_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->db_path);
}

static BurrowHashStore *
open_store (const gchar *db_path)
{
  g_autoptr(GError) error = NULL;
  BurrowHashStore *store = burrow_hash_store_open (db_path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* A deterministic fake file: @n_leaves blocks of 64 KiB. */
typedef struct
{
  gchar   *path;
  guint64  size;
  gint64   mtime;
  guint64  inode;
  guint64  block_size;
  GBytes  *leaves;
  guint8   tth[BURROW_TTH_SIZE];
} FakeRow;

static void
fake_row_clear (FakeRow *row)
{
  g_free (row->path);
  g_bytes_unref (row->leaves);
}

static void
fake_row_init (FakeRow *row,
               guint64  index)
{
  guint n_leaves = 1 + (guint) (index % 7);
  GByteArray *leaves = g_byte_array_new ();

  row->path = g_strdup_printf ("/share/dir-%02u/file-%010" G_GUINT64_FORMAT,
                               (guint) (index % 13), index);
  row->block_size = 64 * 1024;
  row->size = n_leaves * row->block_size - (index % 3);
  row->mtime = 1700000000 + (gint64) index;
  row->inode = index * 17 + 1;
  for (guint i = 0; i < n_leaves; i++)
    {
      g_autofree gchar *seed = g_strdup_printf ("%s#%u", row->path, i);
      guint8 node[BURROW_TTH_SIZE];

      burrow_tiger (seed, strlen (seed), node);
      g_byte_array_append (leaves, node, BURROW_TTH_SIZE);
    }
  burrow_tth_root_from_nodes (leaves->data, n_leaves, row->tth);
  row->leaves = g_byte_array_free_to_bytes (leaves);
}

static void
put_fake_row (BurrowHashStore *store,
              guint64          index)
{
  g_autoptr(GError) error = NULL;
  FakeRow row;

  fake_row_init (&row, index);
  burrow_hash_store_put (store, row.path, row.size, row.mtime, row.inode, row.tth,
                         row.block_size, row.leaves, &error);
  g_assert_no_error (error);
  fake_row_clear (&row);
}

static void
test_put_lookup (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(BurrowHashStore) store = open_store (fixture->db_path);
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(GError) error = NULL;
  guint8 tth[BURROW_TTH_SIZE];
  guint8 other[BURROW_TTH_SIZE];
  guint8 out[BURROW_TTH_SIZE];

  burrow_tth_buffer ("hello", 5, tth);
  burrow_tth_buffer ("world", 5, other);
  leaves = g_bytes_new (tth, sizeof tth);

  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 0);
  g_assert_false (burrow_hash_store_lookup (store, "/a/b.txt", 5, 1000, out));

  g_assert_true (burrow_hash_store_put (store, "/a/b.txt", 5, 1000, 42, tth, 65536, leaves,
                                        &error));
  g_assert_no_error (error);

  memset (out, 0, sizeof out);
  g_assert_true (burrow_hash_store_lookup (store, "/a/b.txt", 5, 1000, out));
  g_assert_cmpmem (out, sizeof out, tth, sizeof tth);
  g_assert_true (burrow_hash_store_lookup (store, "/a/b.txt", 5, 1000, NULL));
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 1);

  /* A changed size or mtime is a miss; so is another path. */
  g_assert_false (burrow_hash_store_lookup (store, "/a/b.txt", 6, 1000, out));
  g_assert_false (burrow_hash_store_lookup (store, "/a/b.txt", 5, 1001, out));
  g_assert_false (burrow_hash_store_lookup (store, "/a/b.txt", 5, 999, out));
  g_assert_false (burrow_hash_store_lookup (store, "/a/B.txt", 5, 1000, out));
  g_assert_false (burrow_hash_store_lookup (store, "/a/b.tx", 5, 1000, out));

  /* Re-hashed after a change: the row is replaced. */
  g_clear_pointer (&leaves, g_bytes_unref);
  leaves = g_bytes_new (other, sizeof other);
  g_assert_true (burrow_hash_store_put (store, "/a/b.txt", 5, 2000, 42, other, 65536, leaves,
                                        &error));
  g_assert_no_error (error);
  g_assert_false (burrow_hash_store_lookup (store, "/a/b.txt", 5, 1000, out));
  g_assert_true (burrow_hash_store_lookup (store, "/a/b.txt", 5, 2000, out));
  g_assert_cmpmem (out, sizeof out, other, sizeof other);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 1);
  g_assert_null (burrow_hash_store_dup_path_for_tth (store, tth));

  /* Leaves that are not whole nodes are refused. */
  g_clear_pointer (&leaves, g_bytes_unref);
  leaves = g_bytes_new (other, 23);
  g_assert_false (burrow_hash_store_put (store, "/a/c.txt", 5, 1, 0, other, 65536, leaves,
                                         &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_TTH);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 1);

  g_assert_finalize_object (g_steal_pointer (&store));
}

static guint8 *
make_data (gsize   len,
           guint32 seed)
{
  guint8 *buf = g_malloc (len ? len : 1);
  guint32 x = seed ? seed : 1;

  for (gsize i = 0; i < len; i++)
    {
      x = x * 1664525u + 1013904223u;
      buf[i] = (guint8) (x >> 24);
    }
  return buf;
}

static void
test_tree (Fixture       *fixture,
           gconstpointer  data)
{
  static const gsize sizes[] = { 0, 1, 1024, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024 + 7 };
  g_autoptr(BurrowHashStore) store = open_store (fixture->db_path);
  g_autoptr(GError) error = NULL;

  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      gsize len = sizes[k];
      g_autofree guint8 *buf = make_data (len, (guint32) k + 7);
      guint64 block_size = burrow_tth_choose_block_size (len);
      g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (block_size);
      g_autoptr(GBytes) leaves = NULL;
      g_autoptr(BurrowTthTree) tree = NULL;
      g_autofree gchar *path = g_strdup_printf ("/data/file-%zu", len);
      g_autofree gchar *found = NULL;
      guint8 root[BURROW_TTH_SIZE];
      guint8 expected[BURROW_TTH_SIZE];

      burrow_tth_hasher_update (hasher, buf, len);
      burrow_tth_hasher_finish (hasher, root);
      leaves = burrow_tth_hasher_steal_leaves (hasher);
      burrow_tth_buffer (buf, len, expected);
      g_assert_cmpmem (root, sizeof root, expected, sizeof expected);

      g_assert_null (burrow_hash_store_dup_tree (store, root));
      g_assert_true (burrow_hash_store_put (store, path, len, 5, 0, root, block_size, leaves,
                                            &error));
      g_assert_no_error (error);

      tree = burrow_hash_store_dup_tree (store, root);
      g_assert_nonnull (tree);
      g_assert_cmpuint (tree->file_size, ==, len);
      g_assert_cmpmem (tree->root, sizeof tree->root, root, sizeof root);
      g_assert_cmpuint (burrow_tth_tree_get_n_leaves (tree), ==,
                        burrow_tth_n_leaves (len, block_size));
      g_assert_true (burrow_tth_tree_verify_range (tree, 0, buf, len, &error));
      g_assert_no_error (error);

      /* A corrupted block is caught by the stored tree. */
      if (len > 0)
        {
          buf[len / 2] ^= 0x40;
          g_assert_false (burrow_tth_tree_verify_range (tree, 0, buf, len, &error));
          g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE);
          g_clear_error (&error);
        }

      found = burrow_hash_store_dup_path_for_tth (store, root);
      g_assert_cmpstr (found, ==, path);
    }

  /* A row whose leaves do not rebuild its root gives no tree. */
  {
    guint8 root[BURROW_TTH_SIZE];
    guint8 wrong[2 * BURROW_TTH_SIZE];
    g_autoptr(GBytes) leaves = NULL;

    burrow_tth_buffer ("root", 4, root);
    memset (wrong, 0x5a, sizeof wrong);
    leaves = g_bytes_new (wrong, sizeof wrong);
    g_assert_true (burrow_hash_store_put (store, "/bad", 100000, 5, 0, root, 65536, leaves,
                                          &error));
    g_assert_no_error (error);
    g_assert_null (burrow_hash_store_dup_tree (store, root));
  }

  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_remove_missing (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(BurrowHashStore) store = open_store (fixture->db_path);
  g_autoptr(GHashTable) keep = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  guint removed;

  for (guint i = 0; i < 10; i++)
    put_fake_row (store, i);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 10);

  for (guint i = 0; i < 10; i += 3)
    {
      FakeRow row;

      fake_row_init (&row, i);
      g_hash_table_add (keep, g_strdup (row.path));
      fake_row_clear (&row);
    }
  g_hash_table_add (keep, g_strdup ("/not/stored"));

  removed = burrow_hash_store_remove_missing (store, keep, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 6);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 4);

  for (guint i = 0; i < 10; i++)
    {
      FakeRow row;

      fake_row_init (&row, i);
      g_assert_cmpint (burrow_hash_store_lookup (store, row.path, row.size, row.mtime, NULL), ==,
                       i % 3 == 0);
      if (i % 3 != 0)
        g_assert_null (burrow_hash_store_dup_path_for_tth (store, row.tth));
      fake_row_clear (&row);
    }

  removed = burrow_hash_store_remove_missing (store, keep, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 0);

  {
    FakeRow row;

    fake_row_init (&row, 3);
    g_assert_true (burrow_hash_store_remove (store, row.path, &error));
    g_assert_no_error (error);
    g_assert_false (burrow_hash_store_lookup (store, row.path, row.size, row.mtime, NULL));
    fake_row_clear (&row);
  }
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 3);

  g_hash_table_remove_all (keep);
  removed = burrow_hash_store_remove_missing (store, keep, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 3);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&store));
}

/* Rows visible to another connection, i.e. committed. */
static gint64
count_committed (const gchar *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM hashes", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static gboolean
committed_at_least (gpointer user_data)
{
  gpointer *args = user_data;

  return count_committed (args[0]) >= GPOINTER_TO_INT (args[1]);
}

static void
test_persistence (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(BurrowHashStore) store = NULL;
  g_autoptr(BurrowDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *value = NULL;
  gpointer args[2];

  /* The engine's database first, then the store on the same file. */
  database = burrow_database_open (fixture->db_path, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_database_set_setting (database, "nick", "alice", &error));
  g_assert_no_error (error);

  store = open_store (fixture->db_path);
  for (guint i = 0; i < 3; i++)
    put_fake_row (store, i);

  /* The open batch is committed by the store's flusher thread. */
  args[0] = fixture->db_path;
  args[1] = GINT_TO_POINTER (3);
  g_assert_true (burrow_test_wait_until (committed_at_least, args, 5000));

  /* Both connections write the same file. */
  put_fake_row (store, 3);
  g_assert_true (burrow_database_set_setting (database, "nick", "bob", &error));
  g_assert_no_error (error);

  /* Many rows: batches commit by size too. */
  for (guint i = 4; i < 2000; i++)
    put_fake_row (store, i);
  g_assert_cmpint (count_committed (fixture->db_path), >=, 2000 - BURROW_HASH_STORE_BATCH_ROWS);

  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&database));

  /* Disposing the store committed the rest. */
  g_assert_cmpint (count_committed (fixture->db_path), ==, 2000);

  /* Reopen: the store first this time, then the database. */
  store = open_store (fixture->db_path);
  database = burrow_database_open (fixture->db_path, &error);
  g_assert_no_error (error);
  value = burrow_database_dup_setting (database, "nick");
  g_assert_cmpstr (value, ==, "bob");

  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 2000);
  for (guint i = 0; i < 2000; i += 97)
    {
      FakeRow row;
      guint8 out[BURROW_TTH_SIZE];
      g_autoptr(BurrowTthTree) tree = NULL;

      fake_row_init (&row, i);
      g_assert_true (burrow_hash_store_lookup (store, row.path, row.size, row.mtime, out));
      g_assert_cmpmem (out, sizeof out, row.tth, sizeof row.tth);
      tree = burrow_hash_store_dup_tree (store, row.tth);
      g_assert_nonnull (tree);
      g_assert_cmpmem (g_bytes_get_data (tree->leaves, NULL), g_bytes_get_size (tree->leaves),
                       g_bytes_get_data (row.leaves, NULL), g_bytes_get_size (row.leaves));
      fake_row_clear (&row);
    }

  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_finalize_object (g_steal_pointer (&database));

  /* A store opened first creates the schema for the database. */
  {
    g_autofree gchar *fresh = g_build_filename (fixture->dir, "fresh.db", NULL);

    store = open_store (fresh);
    database = burrow_database_open (fresh, &error);
    g_assert_no_error (error);
    g_assert_true (burrow_database_set_setting (database, "k", "v", &error));
    g_assert_no_error (error);
    g_assert_finalize_object (g_steal_pointer (&store));
    g_assert_finalize_object (g_steal_pointer (&database));
  }
}

/* ---- kill -9 ---- */

/* For each wait on a writer child: generous, a loaded machine is slow. */
#define WRITER_DEADLINE_MS (60 * 1000)

/* Child mode: writes rows from @start on, forever, until killed. The first one is committed at
 * once, then "started" is printed: every round commits something. */
static int
run_writer (const gchar *db_path,
            guint64      start)
{
  g_autoptr(BurrowHashStore) store = open_store (db_path);
  g_autoptr(GError) error = NULL;

  put_fake_row (store, start);
  g_assert_true (burrow_hash_store_flush (store, &error));
  g_assert_no_error (error);
  printf ("started\n");
  fflush (stdout);

  for (guint64 i = start + 1;; i++)
    {
      put_fake_row (store, i);
      /* Pauses, so the flusher thread's commits get killed too. */
      if (i % 64 == 0)
        g_usleep (500);
    }
  return 0;
}

static void
check_integrity (const gchar *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "ok");
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_kill9 (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree gchar *exe = burrow_test_self_exe ();
  g_autoptr(BurrowHashStore) store = NULL;
  gint64 previous = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n_rows = 0;
  guint rounds = 6;

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree gchar *start = g_strdup_printf ("%u", round * 1000000);
      const gchar *argv[] = { exe, "--writer", fixture->db_path, start, NULL };
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GDataInputStream) out = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *line = NULL;
      g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
      gint64 committed;

      child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
      g_assert_no_error (error);
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, burrow_test_result_cb,
                                           &r);
      line = g_data_input_stream_read_line_finish (out,
                                                   burrow_test_result_wait (&r, WRITER_DEADLINE_MS),
                                                   NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (line, ==, "started");
      burrow_test_result_clear (&r);

      /* Deliberate: a random kill point within 150-900 ms of writing (nothing below depends on
       * how much was written in that time). */
      g_usleep (g_test_rand_int_range (150, 900) * 1000);
      kill (atoi (g_subprocess_get_identifier (child)), SIGKILL);
      g_subprocess_wait_async (child, NULL, burrow_test_result_cb, &r);
      g_subprocess_wait_finish (child, burrow_test_result_wait (&r, WRITER_DEADLINE_MS), &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

      check_integrity (fixture->db_path);
      committed = count_committed (fixture->db_path);
      g_test_message ("round %u: %" G_GINT64_FORMAT " rows committed", round, committed);
      g_assert_cmpint (committed, >=, previous);
      previous = committed;
    }

  /* Something was committed, and every committed row is whole. */
  g_assert_cmpint (previous, >, 0);

  store = open_store (fixture->db_path);
  g_assert_cmpint (sqlite3_open_v2 (fixture->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT path, size, mtime, inode, tth, block_size, "
                                       "leaves FROM hashes", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const gchar *path = (const gchar *) sqlite3_column_text (stmt, 0);
      const gchar *dash = strrchr (path, '-');
      guint64 index;
      FakeRow row;
      g_autoptr(BurrowTthTree) tree = NULL;

      g_assert_nonnull (dash);
      g_assert_true (g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXUINT64, &index, NULL));
      fake_row_init (&row, index);
      g_assert_cmpstr (path, ==, row.path);
      g_assert_cmpuint ((guint64) sqlite3_column_int64 (stmt, 1), ==, row.size);
      g_assert_cmpint (sqlite3_column_int64 (stmt, 2), ==, row.mtime);
      g_assert_cmpuint ((guint64) sqlite3_column_int64 (stmt, 3), ==, row.inode);
      g_assert_cmpmem (sqlite3_column_blob (stmt, 4), sqlite3_column_bytes (stmt, 4),
                       row.tth, sizeof row.tth);
      g_assert_cmpuint ((guint64) sqlite3_column_int64 (stmt, 5), ==, row.block_size);
      g_assert_cmpmem (sqlite3_column_blob (stmt, 6), sqlite3_column_bytes (stmt, 6),
                       g_bytes_get_data (row.leaves, NULL), g_bytes_get_size (row.leaves));
      tree = burrow_hash_store_dup_tree (store, row.tth);
      g_assert_nonnull (tree);
      fake_row_clear (&row);
      n_rows++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  g_assert_cmpuint (n_rows, ==, previous);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, n_rows);

  /* The store still works after all this. */
  put_fake_row (store, 99999999);
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, n_rows + 1);
  g_assert_finalize_object (g_steal_pointer (&store));
  check_integrity (fixture->db_path);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--writer"))
    return run_writer (argv[2], g_ascii_strtoull (argv[3], NULL, 10));

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/share/hash-store/put-lookup", Fixture, NULL,
              fixture_set_up, test_put_lookup, fixture_tear_down);
  g_test_add ("/burrow/share/hash-store/tree", Fixture, NULL,
              fixture_set_up, test_tree, fixture_tear_down);
  g_test_add ("/burrow/share/hash-store/remove-missing", Fixture, NULL,
              fixture_set_up, test_remove_missing, fixture_tear_down);
  g_test_add ("/burrow/share/hash-store/persistence", Fixture, NULL,
              fixture_set_up, test_persistence, fixture_tear_down);
  g_test_add ("/burrow/share/hash-store/kill9", Fixture, NULL,
              fixture_set_up, test_kill9, fixture_tear_down);

  return g_test_run ();
}
