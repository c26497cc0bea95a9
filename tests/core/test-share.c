/* test-share.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-share"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "burrow-base32.h"
#include "burrow-database.h"
#include "burrow-error.h"
#include "burrow-file-list.h"
#include "burrow-share.h"
#include "burrow-test-util.h"

/* Interrupted hashing (kill -9 in the middle, then a restart that hashes only
 * what is missing) is covered by /burrow/share/hasher/kill9-restart in
 * test-hasher.c: the share relies on the store having no row for a file whose
 * hashing did not finish, which is what that test checks. */

/* The share is built alone: a database in a temporary data dir and a CID, no BurrowClient. */
#define TEST_CID "TESTCIDTESTCIDTESTCIDTESTCIDTESTCIDABCD"

typedef struct
{
  gchar          *dir;
  gchar          *data_dir;
  gchar          *root;       /* <dir>/Stuff, shared as "Stuff" */
  BurrowDatabase *database;
  BurrowShare    *share;
} Fixture;

/* A share on the database and files.xml.bz2 in @data_dir (created if need be). */
static BurrowShare *
open_share (const gchar     *data_dir,
            BurrowDatabase **out_database)
{
  g_autofree gchar *db_path = g_build_filename (data_dir, "burrow.db", NULL);
  g_autoptr(BurrowDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  BurrowShare *share;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  database = burrow_database_open (db_path, &error);
  g_assert_no_error (error);
  share = burrow_share_new (database, data_dir, TEST_CID, &error);
  g_assert_no_error (error);
  g_assert_nonnull (share);
  *out_database = g_steal_pointer (&database);
  return share;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
holds_only_ref (gpointer data)
{
  return g_atomic_int_get (&G_OBJECT (data)->ref_count) == 1;
}

/* A scan's worker thread drops its reference to the share a moment after the scan's result
 * reached the main context, and nothing wakes the context then: poll for it (so the share is
 * never finalized in that thread), then drop ours and check that the share is gone. */
static void
finalize_share (BurrowShare *share)
{
  guint poll_id = g_timeout_add (10, wake_up, NULL);

  g_assert_true (burrow_test_wait_until (holds_only_ref, share, 10000));
  g_source_remove (poll_id);
  g_assert_finalize_object (share);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("burrow-share-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->data_dir = g_build_filename (fixture->dir, "data", NULL);
  fixture->root = g_build_filename (fixture->dir, "Stuff", NULL);
  g_assert_cmpint (g_mkdir (fixture->root, 0755), ==, 0);
  fixture->share = open_share (fixture->data_dir, &fixture->database);
}

static void
remove_all (const gchar *dir)
{
  const gchar *argv[] = { "chmod", "-R", "u+rwx", dir, NULL };
  const gchar *rm[] = { "rm", "-rf", dir, NULL };

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
  g_spawn_sync (NULL, (gchar **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->share != NULL)
    finalize_share (fixture->share);
  if (fixture->database != NULL)
    g_assert_finalize_object (fixture->database);
  remove_all (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->data_dir);
  g_free (fixture->root);
}

static gboolean
share_idle (gpointer data)
{
  return !burrow_share_get_busy (data);
}

static void
wait_idle (BurrowShare *share)
{
  g_assert_true (burrow_share_get_busy (share));
  g_assert_true (burrow_test_wait_until (share_idle, share, 60000));
}

static void
refresh_and_wait (BurrowShare *share)
{
  burrow_share_refresh (share);
  wait_idle (share);
}

static BurrowFileNode *
lookup (BurrowShare *share,
        const gchar *path)
{
  BurrowFileTree *tree = burrow_share_get_tree (share);

  return tree ? burrow_file_tree_lookup (tree, path) : NULL;
}

static gchar *
node_tth (BurrowFileNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (node->has_tth);
  return burrow_base32_encode (node->tth, 24);
}

/* rhash's TTH of @path (upper case), or NULL if rhash is not installed. */
static gchar *
rhash_tth (const gchar *path)
{
  g_autofree gchar *rhash = g_find_program_in_path ("rhash");
  const gchar *argv[] = { rhash, "--tth", "-p", "%{tth}", path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;

  if (rhash == NULL)
    return NULL;
  out = burrow_test_run_capture (argv, &error);
  g_assert_no_error (error);
  return g_ascii_strup (g_strstrip (out), -1);
}

static gchar *
problem_codes (BurrowShare *share)
{
  g_autoptr(GPtrArray) problems = burrow_share_dup_problems (share);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < problems->len; i++)
    {
      BurrowShareProblem *p = g_ptr_array_index (problems, i);
      g_string_append_printf (out, "%s:%s:%d\n", p->path, g_quark_to_string (p->error->domain),
                              p->error->code);
    }
  return g_string_free (out, FALSE);
}

static const BurrowShareProblem *
find_problem (GPtrArray   *problems,
              const gchar *suffix)
{
  for (guint i = 0; i < problems->len; i++)
    {
      BurrowShareProblem *p = g_ptr_array_index (problems, i);

      if (g_str_has_suffix (p->path, suffix))
        return p;
    }
  return NULL;
}

static void
set_mtime (const gchar *path,
           gint64       seconds)
{
  struct timespec ts[2] = { { 0, UTIME_OMIT }, { (time_t) seconds, 0 } };

  g_assert_cmpint (utimensat (AT_FDCWD, path, ts, 0), ==, 0);
}

static gint64
get_mtime (const gchar *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mtim.tv_sec;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void
test_hash_matches_rhash (Fixture       *fixture,
                         gconstpointer  data)
{
  static const gsize sizes[] = { 0, 1, 1024, 1025, 65536 + 7, 3 * 1024 * 1024 + 11 };
  g_autofree gchar *sub = g_build_filename (fixture->root, "Sub dir", NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gboolean have_rhash = TRUE;

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *name = g_strdup_printf ("file-%u.bin", i);
      g_ptr_array_add (paths, burrow_test_write_file (i % 2 ? sub : fixture->root, name, sizes[i],
                                                      i + 1));
    }

  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  g_assert_no_error (error);
  wait_idle (fixture->share);

  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, G_N_ELEMENTS (sizes));
  g_assert_cmpuint (burrow_share_get_n_queued (fixture->share), ==, G_N_ELEMENTS (sizes));
  g_assert_cmpuint (burrow_hash_store_get_n_files (burrow_share_get_hash_store (fixture->share)),
                    ==, G_N_ELEMENTS (sizes));
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *adc = g_strdup_printf ("/Stuff/%sfile-%u.bin", i % 2 ? "Sub dir/" : "", i);
      BurrowFileNode *node = lookup (fixture->share, adc);
      g_autofree gchar *ours = node_tth (node);
      g_autofree gchar *theirs = rhash_tth (g_ptr_array_index (paths, i));

      g_assert_cmpuint (node->size, ==, sizes[i]);
      if (theirs == NULL)
        have_rhash = FALSE;
      else
        g_assert_cmpstr (ours, ==, theirs);
    }
  /* pinned: the empty file */
  {
    g_autofree gchar *empty = node_tth (lookup (fixture->share, "/Stuff/file-0.bin"));
    g_assert_cmpstr (empty, ==, "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ");
  }
  g_assert_cmpuint (burrow_share_get_total_size (fixture->share), ==,
                    0 + 1 + 1024 + 1025 + 65536 + 7 + 3 * 1024 * 1024 + 11);
  if (!have_rhash)
    g_test_message ("rhash is not installed: TTHs checked against the pinned vector only");
}

static void
test_rescan_changes (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree gchar *a = burrow_test_write_file (fixture->root, "a.bin", 5000, 1);
  g_autofree gchar *b = burrow_test_write_file (fixture->root, "b.bin", 6000, 2);
  g_autofree gchar *c = burrow_test_write_file (fixture->root, "c.bin", 7000, 3);
  g_autofree gchar *d = burrow_test_write_file (fixture->root, "d.bin", 8000, 4);
  g_autofree gchar *renamed = g_build_filename (fixture->root, "renamed.bin", NULL);
  g_autofree gchar *tth_a = NULL;
  g_autofree gchar *tth_b = NULL;
  g_autofree gchar *tth_d = NULL;
  g_autoptr(GError) error = NULL;
  BurrowHashStore *store = burrow_share_get_hash_store (fixture->share);
  guint queued;

  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  wait_idle (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 4);
  tth_a = node_tth (lookup (fixture->share, "/Stuff/a.bin"));
  tth_b = node_tth (lookup (fixture->share, "/Stuff/b.bin"));
  tth_d = node_tth (lookup (fixture->share, "/Stuff/d.bin"));
  queued = burrow_share_get_n_queued (fixture->share);
  g_assert_cmpuint (queued, ==, 4);

  /* a no-change rescan hashes nothing */
  refresh_and_wait (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_queued (fixture->share), ==, queued);

  /* touch: same content, new mtime → hashed again, same TTH */
  set_mtime (a, get_mtime (a) - 100);
  /* modify: same size, other content → new TTH (the mtime moves on, as it
   * does when a write comes a second later) */
  {
    gint64 old_mtime = get_mtime (b);
    g_autofree gchar *tmp = burrow_test_write_file (fixture->dir, "b.new", 6000, 99);

    g_assert_cmpint (g_rename (tmp, b), ==, 0);
    set_mtime (b, old_mtime + 50);
  }
  /* delete */
  g_assert_cmpint (g_unlink (c), ==, 0);
  /* rename */
  g_assert_cmpint (g_rename (d, renamed), ==, 0);

  refresh_and_wait (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_queued (fixture->share), ==, queued + 3); /* a, b, renamed */
  {
    g_autofree gchar *new_a = node_tth (lookup (fixture->share, "/Stuff/a.bin"));
    g_autofree gchar *new_b = node_tth (lookup (fixture->share, "/Stuff/b.bin"));
    g_autofree gchar *new_d = node_tth (lookup (fixture->share, "/Stuff/renamed.bin"));
    g_autofree gchar *rhash_b = rhash_tth (b);

    g_assert_cmpstr (new_a, ==, tth_a);
    g_assert_cmpstr (new_b, !=, tth_b);
    if (rhash_b != NULL)
      g_assert_cmpstr (new_b, ==, rhash_b);
    g_assert_cmpstr (new_d, ==, tth_d);
    g_assert_true (burrow_hash_store_lookup (store, a, 5000, get_mtime (a), NULL));
  }
  g_assert_null (lookup (fixture->share, "/Stuff/c.bin"));
  g_assert_null (lookup (fixture->share, "/Stuff/d.bin"));
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 3);
  /* the store follows: deleted and renamed-away paths are gone */
  g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 3);
  {
    BurrowFileNode *node = lookup (fixture->share, "/Stuff/renamed.bin");
    g_autofree gchar *by_tth = burrow_hash_store_dup_path_for_tth (store, node->tth);

    g_assert_cmpstr (by_tth, ==, renamed);
  }
}

static gboolean
has_node (gpointer data)
{
  gpointer *args = data;

  return lookup (args[0], args[1]) != NULL;
}

static void
test_monitor (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree gchar *sub = g_build_filename (fixture->root, "deep", NULL);
  g_autofree gchar *late = NULL;
  g_autoptr(GError) error = NULL;
  gpointer args[2];

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  wait_idle (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 0);

  /* no refresh: the directory monitor sees the new file */
  late = burrow_test_write_file (sub, "late.bin", 3000, 7);
  args[0] = fixture->share;
  args[1] = "/Stuff/deep/late.bin";
  g_assert_true (burrow_test_wait_until (has_node, args, 20000));
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 1);
  g_assert_true (burrow_test_wait_until (share_idle, fixture->share, 20000));
}

static void
test_symlinks (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree gchar *sub = g_build_filename (fixture->root, "sub", NULL);
  g_autofree gchar *outside = g_build_filename (fixture->dir, "outside", NULL);
  g_autofree gchar *inner = NULL;
  g_autofree gchar *secret = NULL;
  g_autofree gchar *link = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  const BurrowShareProblem *p;

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (outside, 0755), ==, 0);
  inner = burrow_test_write_file (sub, "inner.bin", 2000, 1);
  secret = burrow_test_write_file (outside, "secret.bin", 2100, 2);

#define LINK(target, name) \
  G_STMT_START { \
    g_autofree gchar *l = g_build_filename (fixture->root, name, NULL); \
    g_assert_cmpint (symlink (target, l), ==, 0); \
  } G_STMT_END
  LINK ("sub/inner.bin", "file-link.bin");        /* inside: followed */
  LINK ("sub", "dir-link");                      /* inside: followed */
  LINK (secret, "secret-link.bin");              /* outside: not followed */
  LINK (outside, "outside-dir");                 /* outside: not followed */
  LINK ("../outside/secret.bin", "sneaky.bin");  /* relative, outside */
  LINK (".", "self-loop");                       /* the root itself: a loop */
  LINK ("loop-b", "loop-a");                     /* a ↔ b: ELOOP */
  LINK ("loop-a", "loop-b");
  LINK ("missing.bin", "dangling.bin");
#undef LINK

  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  g_assert_no_error (error);
  wait_idle (fixture->share);

  g_assert_nonnull (lookup (fixture->share, "/Stuff/sub/inner.bin"));
  g_assert_nonnull (lookup (fixture->share, "/Stuff/file-link.bin"));
  g_assert_nonnull (lookup (fixture->share, "/Stuff/dir-link/inner.bin"));
  {
    g_autofree gchar *t1 = node_tth (lookup (fixture->share, "/Stuff/sub/inner.bin"));
    g_autofree gchar *t2 = node_tth (lookup (fixture->share, "/Stuff/file-link.bin"));
    g_assert_cmpstr (t1, ==, t2);
  }
  g_assert_null (lookup (fixture->share, "/Stuff/secret-link.bin"));
  g_assert_null (lookup (fixture->share, "/Stuff/outside-dir"));
  g_assert_null (lookup (fixture->share, "/Stuff/sneaky.bin"));
  g_assert_null (lookup (fixture->share, "/Stuff/self-loop"));
  g_assert_null (lookup (fixture->share, "/Stuff/loop-a"));
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 3);

  /* nothing outside was hashed */
  {
    g_autoptr(BurrowHashStore) store = g_object_ref (burrow_share_get_hash_store (fixture->share));
    g_assert_false (burrow_hash_store_lookup (store, secret, 2100, get_mtime (secret), NULL));
    g_assert_cmpuint (burrow_hash_store_get_n_files (store), ==, 3);
  }

  problems = burrow_share_dup_problems (fixture->share);
  p = find_problem (problems, "/secret-link.bin");
  g_assert_nonnull (p);
  g_assert_error (p->error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_OUTSIDE_ROOT);
  p = find_problem (problems, "/outside-dir");
  g_assert_nonnull (p);
  g_assert_error (p->error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_OUTSIDE_ROOT);
  p = find_problem (problems, "/sneaky.bin");
  g_assert_nonnull (p);
  g_assert_error (p->error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_OUTSIDE_ROOT);
  p = find_problem (problems, "/self-loop");
  g_assert_nonnull (p);
  g_assert_error (p->error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS);
  p = find_problem (problems, "/loop-a");
  g_assert_nonnull (p);
  g_assert_error (p->error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS);
  p = find_problem (problems, "/dangling.bin");
  g_assert_nonnull (p);
  g_assert_error (p->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
on_scan_problem (BurrowShare  *share,
                 const gchar  *path,
                 const GError *error,
                 guint        *count)
{
  (*count)++;
}

static void
test_problems (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree gchar *fifo = g_build_filename (fixture->root, "a-fifo", NULL);
  g_autofree gchar *locked = burrow_test_write_file (fixture->root, "locked.bin", 100, 1);
  g_autofree gchar *good = burrow_test_write_file (fixture->root, "good.bin", 100, 2);
  g_autofree gchar *dup1 = burrow_test_write_file (fixture->root, "Dup.txt", 10, 3);
  g_autofree gchar *dup2 = burrow_test_write_file (fixture->root, "dup.txt", 11, 4);
  g_autofree gchar *bad = g_build_filename (fixture->root, "bad-\xff\xfe.bin", NULL);
  g_autofree gchar *closed = g_build_filename (fixture->root, "closed", NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *codes = NULL;
  const BurrowShareProblem *p;
  guint signalled = 0;

  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_true (g_file_set_contents (bad, "x", 1, NULL));
  g_assert_cmpint (g_chmod (locked, 0), ==, 0);
  g_assert_cmpint (g_mkdir (closed, 0), ==, 0);

  g_signal_connect (fixture->share, "scan-problem", G_CALLBACK (on_scan_problem), &signalled);
  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  wait_idle (fixture->share);

  problems = burrow_share_dup_problems (fixture->share);
  codes = problem_codes (fixture->share);
  g_test_message ("problems:\n%s", codes);
  g_assert_cmpuint (signalled, >=, problems->len);

  p = find_problem (problems, "/a-fifo");
  g_assert_nonnull (p);
  g_assert_error (p->error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_assert_null (lookup (fixture->share, "/Stuff/a-fifo"));

  g_assert_nonnull (lookup (fixture->share, "/Stuff/good.bin"));
  p = NULL;
  for (guint i = 0; i < problems->len; i++)
    {
      BurrowShareProblem *q = g_ptr_array_index (problems, i);
      if (strstr (q->path, "bad-") != NULL)
        p = q;
    }
  g_assert_nonnull (p);
  g_assert_error (p->error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME);

  /* case-insensitive duplicates: one is shared, the other reported */
  g_assert_true ((lookup (fixture->share, "/Stuff/Dup.txt") != NULL));
  p = find_problem (problems, "/dup.txt");
  if (p == NULL)
    p = find_problem (problems, "/Dup.txt");
  g_assert_nonnull (p);
  g_assert_error (p->error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE);

  if (geteuid () == 0)
    {
      /* root reads files and folders whatever their mode: they are shared */
      g_test_message ("running as root: chmod 000 does not block reading; check skipped");
      g_assert_nonnull (lookup (fixture->share, "/Stuff/locked.bin"));
    }
  else
    {
      p = find_problem (problems, "/locked.bin");
      g_assert_nonnull (p);
      g_assert_error (p->error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_null (lookup (fixture->share, "/Stuff/locked.bin"));
      p = find_problem (problems, "/closed");
      g_assert_nonnull (p);
      g_assert_error (p->error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
    }
}

static void
test_persistence (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree gchar *sub = g_build_filename (fixture->root, "x", NULL);
  g_autofree gchar *list_path = g_build_filename (fixture->data_dir, "files.xml.bz2", NULL);
  g_autofree gchar *last_list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowDatabase) database = NULL;
  g_autoptr(BurrowShare) share = NULL;
  g_auto(GStrv) names = NULL;
  BurrowHasher *hasher;
  gsize last_len;

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("f%02u.bin", i);
      g_autofree gchar *path = burrow_test_write_file (i % 2 ? sub : fixture->root, name,
                                                       1000 + i * 97, i);
    }
  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, "Renamed", &error));
  wait_idle (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 20);
  finalize_share (g_steal_pointer (&fixture->share));
  g_assert_finalize_object (g_steal_pointer (&fixture->database));
  g_assert_true (g_file_get_contents (list_path, &last_list, &last_len, &error));
  g_assert_no_error (error);

  share = open_share (fixture->data_dir, &database);
  /* until its first scan, it serves the list the last run left */
  g_assert_cmpmem (g_bytes_get_data (burrow_share_get_file_list (share), NULL),
                   g_bytes_get_size (burrow_share_get_file_list (share)), last_list, last_len);
  hasher = burrow_share_get_hasher (share);
  names = burrow_share_dup_root_names (share);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_cmpstr (names[0], ==, "Renamed");
  g_assert_cmpstr (burrow_share_get_root_path (share, "renamed"), ==, fixture->root);

  refresh_and_wait (share);
  g_assert_cmpuint (burrow_share_get_n_files (share), ==, 20);
  g_assert_cmpuint (burrow_share_get_n_queued (share), ==, 0);
  g_assert_cmpuint (burrow_hasher_get_files_total (hasher), ==, 0);
  g_assert_nonnull (lookup (share, "/Renamed/x/f01.bin"));
  finalize_share (g_steal_pointer (&share));
  g_assert_finalize_object (g_steal_pointer (&database));
}

static gboolean
trees_equal (BurrowFileNode *a,
             BurrowFileNode *b)
{
  if (a->is_dir != b->is_dir || g_strcmp0 (a->name, b->name) != 0 || a->size != b->size)
    return FALSE;
  if (!a->is_dir)
    return a->has_tth == b->has_tth && memcmp (a->tth, b->tth, 24) == 0;
  if ((a->children ? a->children->len : 0) != (b->children ? b->children->len : 0))
    return FALSE;
  for (guint i = 0; a->children != NULL && i < a->children->len; i++)
    if (!trees_equal (g_ptr_array_index (a->children, i), g_ptr_array_index (b->children, i)))
      return FALSE;
  return TRUE;
}

static void
test_file_list_round_trip (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree gchar *music = g_build_filename (fixture->root, "Music", NULL);
  g_autofree gchar *album = g_build_filename (music, "Älbum ★", NULL);
  g_autofree gchar *list_path = g_build_filename (fixture->data_dir, "files.xml.bz2", NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *cid = NULL;
  g_autoptr(BurrowFileTree) parsed = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir (music, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (album, 0755), ==, 0);
  g_free (burrow_test_write_file (album, "01 <Track> & \"more\".flac", 4000, 1));
  g_free (burrow_test_write_file (music, "cover.jpg", 3000, 2));
  g_free (burrow_test_write_file (fixture->root, "readme.txt", 10, 3));
  {
    g_autofree gchar *empty = g_build_filename (fixture->root, "empty", NULL);
    g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  }

  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  wait_idle (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 3);

  g_assert_true (g_file_get_contents (list_path, &contents, &len, &error));
  g_assert_no_error (error);
  parsed = burrow_file_list_parse (contents, len, TRUE, NULL, &cid, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cid, ==, TEST_CID);
  g_assert_true (trees_equal (burrow_file_tree_get_root (parsed),
                              burrow_file_tree_get_root (burrow_share_get_tree (fixture->share))));
  g_assert_nonnull (burrow_file_tree_lookup (parsed, "/Stuff/empty/"));
  g_assert_nonnull (burrow_file_tree_lookup (parsed,
                                             "/Stuff/Music/Älbum ★/01 <Track> & \"more\".flac"));

  /* a change regenerates it */
  g_free (burrow_test_write_file (fixture->root, "new.txt", 20, 4));
  refresh_and_wait (fixture->share);
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&parsed, burrow_file_tree_unref);
  g_assert_true (g_file_get_contents (list_path, &contents, &len, &error));
  parsed = burrow_file_list_parse (contents, len, TRUE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (burrow_file_tree_lookup (parsed, "/Stuff/new.txt"));
  g_assert_true (trees_equal (burrow_file_tree_get_root (parsed),
                              burrow_file_tree_get_root (burrow_share_get_tree (fixture->share))));
}

static void
test_resolve (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree gchar *file = burrow_test_write_file (fixture->root, "real.bin", 1234, 1);
  g_autofree gchar *victim = burrow_test_write_file (fixture->root, "victim.bin", 999, 2);
  g_autofree gchar *outside = burrow_test_write_file (fixture->dir, "outside.bin", 999, 3);
  g_autofree gchar *expected = realpath (file, NULL);
  g_autofree gchar *tth = NULL;
  g_autofree gchar *by_tth = NULL;
  g_autofree gchar *resolved = NULL;
  g_autoptr(GError) error = NULL;
  static const gchar *bad_paths[] = {
    "/Stuff/../outside.bin", "/Stuff/./real.bin", "/Stuff/", "/Stuff", "/", "", "Stuff/real.bin",
    "/Other/real.bin", "/Stuff/nope.bin", "/Stuff//real.bin", "/../../etc/passwd",
  };

  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  wait_idle (fixture->share);

  resolved = burrow_share_resolve (fixture->share, "/Stuff/real.bin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, expected);
  g_clear_pointer (&resolved, g_free);
  /* names are case-insensitive in ADC */
  resolved = burrow_share_resolve (fixture->share, "/stuff/REAL.bin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, expected);

  tth = node_tth (lookup (fixture->share, "/Stuff/real.bin"));
  by_tth = g_strconcat ("TTH/", tth, NULL);
  g_clear_pointer (&resolved, g_free);
  resolved = burrow_share_resolve (fixture->share, by_tth, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==, expected);

  for (guint i = 0; i < G_N_ELEMENTS (bad_paths); i++)
    {
      g_autofree gchar *r = burrow_share_resolve (fixture->share, bad_paths[i], &error);

      g_test_message ("resolve %s", bad_paths[i]);
      g_assert_null (r);
      g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }

  g_assert_null (burrow_share_resolve (fixture->share,
                                       "TTH/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (burrow_share_resolve (fixture->share, "TTH/not-a-tth", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_TTH);
  g_clear_error (&error);

  /* a shared file replaced by a symlink to the outside after the scan */
  g_assert_cmpint (g_unlink (victim), ==, 0);
  g_assert_cmpint (symlink (outside, victim), ==, 0);
  g_assert_null (burrow_share_resolve (fixture->share, "/Stuff/victim.bin", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_OUTSIDE_ROOT);
  g_clear_error (&error);

  /* a removed root is refused at once, before any rescan */
  g_assert_true (burrow_share_remove_root (fixture->share, "Stuff", &error));
  g_assert_no_error (error);
  g_assert_null (burrow_share_resolve (fixture->share, "/Stuff/real.bin", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  wait_idle (fixture->share);
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 0);
  g_assert_cmpuint (burrow_hash_store_get_n_files (burrow_share_get_hash_store (fixture->share)),
                    ==, 0);
}

static void
test_roots (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree gchar *other = g_build_filename (fixture->dir, "Other", NULL);
  g_autofree gchar *missing = g_build_filename (fixture->dir, "missing", NULL);
  g_autofree gchar *file = burrow_test_write_file (fixture->dir, "plain.txt", 3, 1);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_free (burrow_test_write_file (other, "o.bin", 10, 2));
  g_free (burrow_test_write_file (fixture->root, "s.bin", 10, 3));

  g_assert_false (burrow_share_add_root (fixture->share, missing, NULL, &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (burrow_share_add_root (fixture->share, file, NULL, &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (burrow_share_add_root (fixture->share, other, "a/b", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_assert_false (burrow_share_add_root (fixture->share, other, "..", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME);
  g_clear_error (&error);

  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (burrow_share_add_root (fixture->share, other, "STUFF", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_false (burrow_share_add_root (fixture->share, fixture->root, "Again", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_true (burrow_share_add_root (fixture->share, other, NULL, &error));
  g_assert_no_error (error);
  wait_idle (fixture->share);
  g_assert_nonnull (lookup (fixture->share, "/Stuff/s.bin"));
  g_assert_nonnull (lookup (fixture->share, "/Other/o.bin"));

  g_assert_false (burrow_share_rename_root (fixture->share, "Nope", "X", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (burrow_share_rename_root (fixture->share, "Other", "stuff", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_true (burrow_share_rename_root (fixture->share, "other", "Elsewhere", &error));
  g_assert_no_error (error);
  wait_idle (fixture->share);
  g_assert_null (lookup (fixture->share, "/Other/o.bin"));
  g_assert_nonnull (lookup (fixture->share, "/Elsewhere/o.bin"));
  /* renaming does not rehash */
  g_assert_cmpuint (burrow_share_get_n_queued (fixture->share), ==, 2);

  g_assert_false (burrow_share_remove_root (fixture->share, "Other", &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (burrow_share_remove_root (fixture->share, "Stuff", &error));
  wait_idle (fixture->share);
  g_assert_null (lookup (fixture->share, "/Stuff/s.bin"));
  g_assert_cmpuint (burrow_share_get_n_files (fixture->share), ==, 1);
  g_assert_cmpuint (burrow_hash_store_get_n_files (burrow_share_get_hash_store (fixture->share)),
                    ==, 1);

  names = burrow_share_dup_root_names (fixture->share);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_cmpstr (names[0], ==, "Elsewhere");
}

/* ---- the published file list (BurrowShare:file-list) ---------------------------------- */

typedef struct
{
  BurrowShare    *share;
  guint           n_notify;
  guint           n_parsed;     /* n_notify when tree was parsed */
  BurrowFileTree *tree;         /* the last published list, parsed */
  gchar          *cid;
} ListWatch;

static void
on_file_list_notify (BurrowShare *share,
                     GParamSpec  *pspec,
                     ListWatch   *watch)
{
  watch->n_notify++;
}

static void
list_watch_init (ListWatch   *watch,
                 BurrowShare *share)
{
  memset (watch, 0, sizeof *watch);
  watch->share = share;
  g_signal_connect (share, "notify::file-list", G_CALLBACK (on_file_list_notify), watch);
}

static void
list_watch_clear (ListWatch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->share, watch);
  g_clear_pointer (&watch->tree, burrow_file_tree_unref);
  g_clear_pointer (&watch->cid, g_free);
}

/* Parses the share's current list, as a peer would after downloading it. */
static BurrowFileTree *
parse_published (BurrowShare  *share,
                 gchar       **out_cid)
{
  GBytes *list = burrow_share_get_file_list (share);
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;
  gsize len;
  const void *data;

  g_assert_nonnull (list);
  data = g_bytes_get_data (list, &len);
  tree = burrow_file_list_parse (data, len, TRUE, NULL, out_cid, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tree);
  return tree;
}

typedef struct
{
  ListWatch   *watch;
  const gchar *path;
  gboolean     present;
} ListWait;

/* A list was published since the wait began, the share is done, and @path is in it (or not). */
static gboolean
list_has_path (gpointer data)
{
  ListWait *wait = data;
  ListWatch *watch = wait->watch;

  if (watch->n_notify == 0 || burrow_share_get_busy (watch->share))
    return FALSE;
  if (watch->n_parsed != watch->n_notify)
    {
      g_clear_pointer (&watch->tree, burrow_file_tree_unref);
      g_clear_pointer (&watch->cid, g_free);
      watch->tree = parse_published (watch->share, &watch->cid);
      watch->n_parsed = watch->n_notify;
    }
  return (burrow_file_tree_lookup (watch->tree, wait->path) != NULL) == wait->present;
}

/* Waits until the share notifies a new file list in which @path is present (or absent). */
static void
wait_list_path (ListWatch   *watch,
                const gchar *path,
                gboolean     present)
{
  ListWait wait = { watch, path, present };

  watch->n_notify = 0;
  watch->n_parsed = 0;
  g_assert_true (burrow_test_wait_until (list_has_path, &wait, 60000));
}

static void
test_file_list_initial (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GBytes) by_property = NULL;
  g_autofree gchar *cid = NULL;

  /* a new share serves an empty list with our CID before anything is scanned */
  tree = parse_published (fixture->share, &cid);
  g_assert_cmpstr (cid, ==, TEST_CID);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 0);
  g_assert_cmpuint (burrow_file_tree_get_root (tree)->children->len, ==, 0);

  g_object_get (fixture->share, "file-list", &by_property, NULL);
  g_assert_true (by_property == burrow_share_get_file_list (fixture->share));
}

static void
test_file_list_add_root (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree gchar *sub = g_build_filename (fixture->root, "Sub", NULL);
  g_autoptr(GBytes) before = g_bytes_ref (burrow_share_get_file_list (fixture->share));
  g_autoptr(GBytes) by_property = NULL;
  g_autoptr(GError) error = NULL;
  ListWatch watch;
  BurrowFileTree *shared;

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_free (burrow_test_write_file (fixture->root, "one.bin", 5000, 1));
  g_free (burrow_test_write_file (sub, "two.bin", 70000, 2));

  list_watch_init (&watch, fixture->share);
  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  g_assert_no_error (error);
  wait_list_path (&watch, "/Stuff/Sub/two.bin", TRUE);

  g_assert_false (g_bytes_equal (before, burrow_share_get_file_list (fixture->share)));
  g_object_get (fixture->share, "file-list", &by_property, NULL);
  g_assert_true (by_property == burrow_share_get_file_list (fixture->share));
  g_assert_cmpstr (watch.cid, ==, TEST_CID);

  /* the list holds what the share holds: both files, with their TTHs */
  shared = burrow_share_get_tree (fixture->share);
  g_assert_cmpuint (burrow_file_tree_get_n_files (watch.tree), ==, 2);
  g_assert_cmpuint (burrow_file_tree_get_total_size (watch.tree), ==, 75000);
  for (guint i = 0; i < 2; i++)
    {
      const gchar *path = i == 0 ? "/Stuff/one.bin" : "/Stuff/Sub/two.bin";
      BurrowFileNode *in_list = burrow_file_tree_lookup (watch.tree, path);
      BurrowFileNode *in_share = burrow_file_tree_lookup (shared, path);

      g_assert_nonnull (in_list);
      g_assert_nonnull (in_share);
      g_assert_true (in_list->has_tth);
      g_assert_cmpmem (in_list->tth, sizeof in_list->tth, in_share->tth, sizeof in_share->tth);
      g_assert_cmpuint (in_list->size, ==, in_share->size);
    }

  /* a rescan that finds nothing new keeps the list: no notification */
  watch.n_notify = 0;
  refresh_and_wait (fixture->share);
  g_assert_cmpuint (watch.n_notify, ==, 0);
  list_watch_clear (&watch);
}

static void
test_file_list_rename_root (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ListWatch watch;

  g_free (burrow_test_write_file (fixture->root, "kept.bin", 3000, 1));
  list_watch_init (&watch, fixture->share);
  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  g_assert_no_error (error);
  wait_list_path (&watch, "/Stuff/kept.bin", TRUE);

  g_assert_true (burrow_share_rename_root (fixture->share, "Stuff", "Things", &error));
  g_assert_no_error (error);
  wait_list_path (&watch, "/Things/kept.bin", TRUE);
  g_assert_null (burrow_file_tree_lookup (watch.tree, "/Stuff/"));
  g_assert_cmpuint (burrow_file_tree_get_n_files (watch.tree), ==, 1);
  list_watch_clear (&watch);
}

static void
test_file_list_remove_root (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree gchar *other = g_build_filename (fixture->dir, "Other", NULL);
  g_autoptr(GError) error = NULL;
  ListWatch watch;

  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_free (burrow_test_write_file (fixture->root, "s.bin", 3000, 1));
  g_free (burrow_test_write_file (other, "o.bin", 4000, 2));
  list_watch_init (&watch, fixture->share);
  g_assert_true (burrow_share_add_root (fixture->share, fixture->root, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_share_add_root (fixture->share, other, NULL, &error));
  g_assert_no_error (error);
  wait_list_path (&watch, "/Other/o.bin", TRUE);
  g_assert_nonnull (burrow_file_tree_lookup (watch.tree, "/Stuff/s.bin"));

  g_assert_true (burrow_share_remove_root (fixture->share, "Stuff", &error));
  g_assert_no_error (error);
  wait_list_path (&watch, "/Stuff/", FALSE);
  g_assert_nonnull (burrow_file_tree_lookup (watch.tree, "/Other/o.bin"));
  g_assert_cmpuint (burrow_file_tree_get_n_files (watch.tree), ==, 1);

  /* the last root gone: an empty list */
  g_assert_true (burrow_share_remove_root (fixture->share, "Other", &error));
  g_assert_no_error (error);
  wait_list_path (&watch, "/Other/", FALSE);
  g_assert_cmpuint (burrow_file_tree_get_n_files (watch.tree), ==, 0);
  g_assert_cmpuint (burrow_file_tree_get_root (watch.tree)->children->len, ==, 0);
  list_watch_clear (&watch);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/burrow/share/share/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("hash-matches-rhash", test_hash_matches_rhash);
  ADD ("rescan-changes", test_rescan_changes);
  ADD ("monitor", test_monitor);
  ADD ("symlinks", test_symlinks);
  ADD ("problems", test_problems);
  ADD ("persistence", test_persistence);
  ADD ("file-list-round-trip", test_file_list_round_trip);
  ADD ("resolve", test_resolve);
  ADD ("roots", test_roots);
  ADD ("publishes-empty-list", test_file_list_initial);
  ADD ("add-root-publishes", test_file_list_add_root);
  ADD ("rename-root-republishes", test_file_list_rename_root);
  ADD ("remove-root-republishes", test_file_list_remove_root);
#undef ADD

  return g_test_run ();
}
