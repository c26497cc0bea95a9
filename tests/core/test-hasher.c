/* test-hasher.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-hasher"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define KiB ((gsize) 1024)
#define MiB (1024 * KiB)

typedef struct
{
  gchar           *dir;
  gchar           *share;
  gchar           *db_path;
  BurrowHashStore *store;
  BurrowHasher    *hasher;

  GHashTable      *hashed;     /* path → GBytes (tth) */
  GHashTable      *failed;     /* path → GError */
  guint            n_idle;
  guint            n_signals;
  guint            n_bytes_done_notify;
} Fixture;

static void
on_file_hashed (BurrowHasher *hasher,
                const gchar  *path,
                guint64       size,
                GBytes       *tth,
                Fixture      *fixture)
{
  g_assert_cmpuint (g_bytes_get_size (tth), ==, BURROW_TTH_SIZE);
  g_hash_table_insert (fixture->hashed, g_strdup (path), g_bytes_ref (tth));
  fixture->n_signals++;
}

static void
on_file_failed (BurrowHasher *hasher,
                const gchar  *path,
                const GError *error,
                Fixture      *fixture)
{
  g_assert_nonnull (error);
  g_hash_table_insert (fixture->failed, g_strdup (path), g_error_copy (error));
  fixture->n_signals++;
}

static void
on_idle (BurrowHasher *hasher,
         Fixture      *fixture)
{
  g_assert_false (burrow_hasher_get_busy (hasher));
  fixture->n_idle++;
}

static void
on_bytes_done_notify (GObject    *object,
                      GParamSpec *pspec,
                      Fixture    *fixture)
{
  fixture->n_bytes_done_notify++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("burrow-hasher-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->share = g_build_filename (fixture->dir, "share", NULL);
  g_assert_cmpint (g_mkdir (fixture->share, 0700), ==, 0);
  fixture->db_path = g_build_filename (fixture->dir, "burrow.db", NULL);
  fixture->store = burrow_hash_store_open (fixture->db_path, &error);
  g_assert_no_error (error);
  fixture->hasher = burrow_hasher_new (fixture->store);
  fixture->hashed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_bytes_unref);
  fixture->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_error_free);
  g_signal_connect (fixture->hasher, "file-hashed", G_CALLBACK (on_file_hashed), fixture);
  g_signal_connect (fixture->hasher, "file-failed", G_CALLBACK (on_file_failed), fixture);
  g_signal_connect (fixture->hasher, "idle", G_CALLBACK (on_idle), fixture);
  g_signal_connect (fixture->hasher, "notify::bytes-done", G_CALLBACK (on_bytes_done_notify),
                    fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->hasher);
  g_assert_finalize_object (fixture->store);
  g_hash_table_unref (fixture->hashed);
  g_hash_table_unref (fixture->failed);
  burrow_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->share);
  g_free (fixture->db_path);
}

typedef struct
{
  Fixture *fixture;
  guint    n_idle;
} IdleWait;

static gboolean
idle_reached (gpointer user_data)
{
  IdleWait *wait = user_data;

  return wait->fixture->n_idle >= wait->n_idle;
}

static void
wait_idle (Fixture *fixture,
           guint    n_idle,
           guint    timeout_ms)
{
  IdleWait wait = { fixture, n_idle };

  g_assert_true (burrow_test_wait_until (idle_reached, &wait, timeout_ms));
}

/* Runs the main context for @ms milliseconds. */
static void
iterate_for (guint ms)
{
  burrow_test_iterate_for (ms);
}

static void
stat_file (const gchar *path,
           GStatBuf    *st)
{
  g_assert_cmpint (g_stat (path, st), ==, 0);
}

static void
add_file (Fixture     *fixture,
          const gchar *path)
{
  GStatBuf st;

  stat_file (path, &st);
  burrow_hasher_add (fixture->hasher, path, st.st_size, st.st_mtime, st.st_ino);
}

static GBytes *
read_file (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  gchar *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* rhash's TTH of @path; FALSE if rhash is not installed. */
static gboolean
rhash_tth (const gchar *path,
           guint8       root[BURROW_TTH_SIZE])
{
  g_autofree gchar *rhash = g_find_program_in_path ("rhash");
  const gchar *argv[] = { rhash, "--tth", path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *first = NULL;

  if (rhash == NULL)
    return FALSE;

  out = burrow_test_run_capture (argv, &error);
  g_assert_no_error (error);
  first = g_strndup (out, strcspn (out, " \t\n"));
  burrow_tth_from_base32 (first, root, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* The file hashed right: signal, independent in-memory TTH, rhash, store, tree. */
static void
check_hashed (Fixture     *fixture,
              const gchar *path)
{
  GBytes *tth = g_hash_table_lookup (fixture->hashed, path);
  g_autoptr(GBytes) content = read_file (path);
  g_autoptr(BurrowTthTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  guint8 expected[BURROW_TTH_SIZE];
  guint8 stored[BURROW_TTH_SIZE];
  guint8 rhash[BURROW_TTH_SIZE];
  guint64 size;
  GStatBuf st;

  g_assert_nonnull (tth);
  g_assert_false (g_hash_table_contains (fixture->failed, path));

  burrow_tth_buffer (g_bytes_get_data (content, NULL), g_bytes_get_size (content), expected);
  g_assert_cmpmem (g_bytes_get_data (tth, NULL), BURROW_TTH_SIZE, expected, sizeof expected);

  if (rhash_tth (path, rhash))
    g_assert_cmpmem (rhash, sizeof rhash, expected, sizeof expected);

  stat_file (path, &st);
  g_assert_true (burrow_hash_store_lookup (fixture->store, path, st.st_size, st.st_mtime,
                                           stored));
  g_assert_cmpmem (stored, sizeof stored, expected, sizeof expected);

  /* The stored leaves verify every block of the file. */
  tree = burrow_hash_store_dup_tree (fixture->store, expected);
  g_assert_nonnull (tree);
  g_assert_cmpuint (tree->file_size, ==, g_bytes_get_size (content));
  size = g_bytes_get_size (content);
  g_assert_cmpuint (burrow_tth_tree_get_n_leaves (tree), ==,
                    burrow_tth_n_leaves (size, burrow_tth_choose_block_size (size)));
  g_assert_true (burrow_tth_tree_verify_range (tree, 0, g_bytes_get_data (content, NULL),
                                               g_bytes_get_size (content), &error));
  g_assert_no_error (error);
}

static void
check_progress_complete (Fixture *fixture,
                         guint64  files,
                         guint64  bytes)
{
  guint64 files_total, files_done, bytes_total, bytes_done;
  gint64 eta;
  gboolean busy;

  g_object_get (fixture->hasher, "files-total", &files_total, "files-done", &files_done,
                "bytes-total", &bytes_total, "bytes-done", &bytes_done, "eta", &eta,
                "busy", &busy, NULL);
  g_assert_cmpuint (files_total, ==, files);
  g_assert_cmpuint (files_done, ==, files);
  g_assert_cmpuint (bytes_total, ==, bytes);
  g_assert_cmpuint (bytes_done, ==, bytes);
  g_assert_cmpint (eta, ==, 0);
  g_assert_false (busy);
}

static void
test_sizes (Fixture       *fixture,
            gconstpointer  data)
{
  static const gsize sizes[] = { 0, 1, KiB, KiB + 1, 5 * MiB + 3, 64 * KiB, 130 * KiB + 9 };
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint64 total = 0;
  gint64 started;
  gdouble elapsed;

  g_assert_cmpuint (burrow_hasher_get_threads (fixture->hasher), ==,
                    MAX (g_get_num_processors (), 1));
  g_assert_false (burrow_hasher_get_busy (fixture->hasher));

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *name = g_strdup_printf ("file-%zu.bin", sizes[i]);

      g_ptr_array_add (paths, burrow_test_write_file (fixture->share, name, sizes[i],
                                                      (guint32) i + 1));
      total += sizes[i];
    }

  started = g_get_monotonic_time ();
  for (guint i = 0; i < paths->len; i++)
    add_file (fixture, g_ptr_array_index (paths, i));
  g_assert_true (burrow_hasher_get_busy (fixture->hasher));
  g_assert_true (burrow_hasher_is_queued (fixture->hasher, g_ptr_array_index (paths, 0)));
  wait_idle (fixture, 1, 60000);
  elapsed = (gdouble) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;

  g_assert_cmpuint (fixture->n_idle, ==, 1);
  g_assert_cmpuint (g_hash_table_size (fixture->hashed), ==, paths->len);
  g_assert_cmpuint (g_hash_table_size (fixture->failed), ==, 0);
  for (guint i = 0; i < paths->len; i++)
    check_hashed (fixture, g_ptr_array_index (paths, i));
  g_assert_false (burrow_hasher_is_queued (fixture->hasher, g_ptr_array_index (paths, 0)));

  check_progress_complete (fixture, paths->len, total);
  g_assert_cmpuint (burrow_hash_store_get_n_files (fixture->store), ==, paths->len);

  /* Progress is published on a timer, not per chunk. */
  g_test_message ("%u notify::bytes-done in %.2f s", fixture->n_bytes_done_notify, elapsed);
  g_assert_cmpuint (fixture->n_bytes_done_notify, <=, 2 + (guint) (elapsed * 4 * 1.5));

  /* A second round starts from zero. */
  {
    g_autofree gchar *path = burrow_test_write_file (fixture->share, "later", 3000, 99);

    add_file (fixture, path);
    wait_idle (fixture, 2, 30000);
    check_hashed (fixture, path);
    check_progress_complete (fixture, 1, 3000);
  }
}

static void
test_split (Fixture       *fixture,
            gconstpointer  data)
{
  static const gsize sizes[] = { 20 * MiB + 5, 8 * MiB, 2 * MiB + 1 };
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint64 total = 0;

  burrow_hasher_set_threads (fixture->hasher, 4);
  burrow_hasher_set_split_threshold (fixture->hasher, 1 * MiB);
  g_assert_cmpuint (burrow_hasher_get_threads (fixture->hasher), ==, 4);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *name = g_strdup_printf ("big-%zu.bin", i);

      g_ptr_array_add (paths, burrow_test_write_file (fixture->share, name, sizes[i],
                                                      (guint32) i + 11));
      add_file (fixture, g_ptr_array_index (paths, i));
      total += sizes[i];
    }
  wait_idle (fixture, 1, 120000);

  g_assert_cmpuint (burrow_hasher_get_n_split (fixture->hasher), ==, paths->len);
  for (guint i = 0; i < paths->len; i++)
    {
      const gchar *path = g_ptr_array_index (paths, i);
      g_autoptr(GBytes) content = read_file (path);
      guint64 block_size = burrow_tth_choose_block_size (g_bytes_get_size (content));
      g_autoptr(BurrowTthHasher) streaming = burrow_tth_hasher_new (block_size);
      g_autoptr(GBytes) leaves = NULL;
      g_autoptr(BurrowTthTree) tree = NULL;
      guint8 root[BURROW_TTH_SIZE];

      check_hashed (fixture, path);

      /* The combined leaves are exactly those of one streaming hasher. */
      burrow_tth_hasher_update (streaming, g_bytes_get_data (content, NULL),
                                g_bytes_get_size (content));
      burrow_tth_hasher_finish (streaming, root);
      leaves = burrow_tth_hasher_steal_leaves (streaming);
      tree = burrow_hash_store_dup_tree (fixture->store, root);
      g_assert_nonnull (tree);
      g_assert_cmpmem (g_bytes_get_data (tree->leaves, NULL), g_bytes_get_size (tree->leaves),
                       g_bytes_get_data (leaves, NULL), g_bytes_get_size (leaves));
    }
  check_progress_complete (fixture, paths->len, total);

  /* One thread: no splitting, same result. */
  burrow_hasher_set_threads (fixture->hasher, 1);
  g_hash_table_remove_all (fixture->hashed);
  burrow_hash_store_remove (fixture->store, g_ptr_array_index (paths, 0), NULL);
  add_file (fixture, g_ptr_array_index (paths, 0));
  wait_idle (fixture, 2, 60000);
  check_hashed (fixture, g_ptr_array_index (paths, 0));
  g_assert_cmpuint (burrow_hasher_get_n_split (fixture->hasher), ==, paths->len);
}

static void
overwrite_byte (const gchar *path,
                goffset      offset)
{
  int fd = g_open (path, O_WRONLY, 0);
  guint8 byte = 0xee;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, &byte, 1, offset), ==, 1);
  close (fd);
}

static void
test_changed (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree gchar *queued = burrow_test_write_file (fixture->share, "queued", 100 * KiB, 1);
  g_autofree gchar *during = burrow_test_write_file (fixture->share, "during", 4 * MiB, 2);
  const GError *error;
  GStatBuf st;

  /* Changed while queued: appended to, so its size is not what was queued. */
  burrow_hasher_set_paused (fixture->hasher, TRUE);
  add_file (fixture, queued);
  {
    FILE *f = fopen (queued, "ab");

    g_assert_nonnull (f);
    fputs ("more", f);
    fclose (f);
  }
  burrow_hasher_set_paused (fixture->hasher, FALSE);
  wait_idle (fixture, 1, 30000);
  error = g_hash_table_lookup (fixture->failed, queued);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_CHANGED);
  g_assert_false (g_hash_table_contains (fixture->hashed, queued));
  g_assert_cmpuint (burrow_hash_store_get_n_files (fixture->store), ==, 0);
  check_progress_complete (fixture, 1, 100 * KiB);

  /* Queued again with the new size and mtime (as the share does): hashed. */
  g_hash_table_remove (fixture->failed, queued);
  add_file (fixture, queued);
  wait_idle (fixture, 2, 30000);
  check_hashed (fixture, queued);

  /* Changed while being hashed, in place (same size): caught by mtime. */
  burrow_hasher_set_throttle (fixture->hasher, 4 * MiB);
  add_file (fixture, during);
  iterate_for (400);
  g_assert_true (burrow_hasher_get_busy (fixture->hasher));
  overwrite_byte (during, 3 * MiB + 5);
  stat_file (during, &st);
  g_assert_cmpuint (st.st_size, ==, 4 * MiB);
  wait_idle (fixture, 3, 30000);
  error = g_hash_table_lookup (fixture->failed, during);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_CHANGED);
  g_assert_false (g_hash_table_contains (fixture->hashed, during));
  g_assert_false (burrow_hash_store_lookup (fixture->store, during, st.st_size, st.st_mtime,
                                            NULL));

  /* Queued again: hashed with its new content. */
  g_hash_table_remove (fixture->failed, during);
  burrow_hasher_set_throttle (fixture->hasher, 0);
  add_file (fixture, during);
  wait_idle (fixture, 4, 30000);
  check_hashed (fixture, during);
}

static void
test_pause (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree gchar *a = burrow_test_write_file (fixture->share, "a", 3 * MiB, 1);
  g_autofree gchar *b = burrow_test_write_file (fixture->share, "b", 10 * KiB, 2);
  guint64 done1, done2, rate;
  gint64 eta;

  /* Paused before anything is queued: nothing happens. */
  burrow_hasher_set_paused (fixture->hasher, TRUE);
  g_assert_true (burrow_hasher_get_paused (fixture->hasher));
  add_file (fixture, b);
  iterate_for (400);
  g_assert_cmpuint (fixture->n_signals, ==, 0);
  g_assert_true (burrow_hasher_get_busy (fixture->hasher));
  burrow_hasher_set_paused (fixture->hasher, FALSE);
  wait_idle (fixture, 1, 30000);
  check_hashed (fixture, b);

  /* Paused in the middle of a file. */
  burrow_hasher_set_throttle (fixture->hasher, 3 * MiB);
  add_file (fixture, a);
  iterate_for (600);
  g_object_get (fixture->hasher, "rate", &rate, "eta", &eta, NULL);
  g_assert_cmpuint (rate, >, 0);
  g_assert_cmpint (eta, >=, 0);

  g_object_set (fixture->hasher, "paused", TRUE, NULL);
  iterate_for (400);
  done1 = burrow_hasher_get_bytes_done (fixture->hasher);
  g_assert_cmpuint (done1, >, 0);
  g_assert_cmpuint (done1, <, 3 * MiB);
  iterate_for (800);
  done2 = burrow_hasher_get_bytes_done (fixture->hasher);
  g_assert_cmpuint (done2, ==, done1);
  g_assert_cmpint (burrow_hasher_get_eta (fixture->hasher), ==, -1);
  g_assert_false (g_hash_table_contains (fixture->hashed, a));
  g_assert_true (burrow_hasher_get_busy (fixture->hasher));

  burrow_hasher_set_paused (fixture->hasher, FALSE);
  wait_idle (fixture, 2, 30000);
  check_hashed (fixture, a);
  check_progress_complete (fixture, 1, 3 * MiB);
}

static void
test_vanished (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree gchar *missing = g_build_filename (fixture->share, "never-there", NULL);
  g_autofree gchar *removed = burrow_test_write_file (fixture->share, "removed", 5000, 3);
  g_autofree gchar *kept = burrow_test_write_file (fixture->share, "kept", 5000, 4);

  burrow_hasher_add (fixture->hasher, missing, 10, 1000, 0);
  burrow_hasher_set_paused (fixture->hasher, TRUE);
  add_file (fixture, removed);
  add_file (fixture, kept);
  g_assert_cmpint (g_unlink (removed), ==, 0);
  burrow_hasher_set_paused (fixture->hasher, FALSE);
  wait_idle (fixture, 1, 30000);

  g_assert_error ((GError *) g_hash_table_lookup (fixture->failed, missing),
                  G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_error ((GError *) g_hash_table_lookup (fixture->failed, removed),
                  G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  check_hashed (fixture, kept);
  check_progress_complete (fixture, 3, 10 + 5000 + 5000);
  g_assert_cmpuint (burrow_hash_store_get_n_files (fixture->store), ==, 1);
}

static void
test_duplicates (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree gchar *path = burrow_test_write_file (fixture->share, "dup", 70 * KiB, 5);

  burrow_hasher_set_paused (fixture->hasher, TRUE);
  add_file (fixture, path);
  add_file (fixture, path);
  add_file (fixture, path);
  burrow_hasher_set_paused (fixture->hasher, FALSE);
  wait_idle (fixture, 1, 30000);
  iterate_for (300);

  g_assert_cmpuint (fixture->n_signals, ==, 1);
  check_hashed (fixture, path);
  check_progress_complete (fixture, 1, 70 * KiB);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("c%u", i);

      g_ptr_array_add (paths, burrow_test_write_file (fixture->share, name, MiB, i + 20));
    }

  burrow_hasher_set_throttle (fixture->hasher, MiB);
  for (guint i = 0; i < paths->len; i++)
    add_file (fixture, g_ptr_array_index (paths, i));
  iterate_for (300);
  burrow_hasher_cancel_all (fixture->hasher);
  g_assert_false (burrow_hasher_get_busy (fixture->hasher));
  g_assert_false (burrow_hasher_is_queued (fixture->hasher, g_ptr_array_index (paths, 0)));
  iterate_for (1500);
  g_assert_cmpuint (fixture->n_signals, ==, 0);
  g_assert_cmpuint (fixture->n_idle, ==, 0);
  g_assert_cmpuint (burrow_hash_store_get_n_files (fixture->store), ==, 0);

  burrow_hasher_set_throttle (fixture->hasher, 0);
  for (guint i = 0; i < paths->len; i++)
    add_file (fixture, g_ptr_array_index (paths, i));
  wait_idle (fixture, 1, 30000);
  for (guint i = 0; i < paths->len; i++)
    check_hashed (fixture, g_ptr_array_index (paths, i));
  check_progress_complete (fixture, paths->len, paths->len * MiB);
}

/* ---- kill -9 mid-hash, then restart ---- */

#define KILL_FILES       12
#define KILL_FILE_SIZE   (256 * KiB)
/* For each wait on a child: generous, a loaded machine is slow. */
#define CHILD_DEADLINE_MS (60 * 1000)

typedef struct
{
  GMainLoop *loop;
} ChildData;

static void
child_on_hashed (BurrowHasher *hasher,
                 const gchar  *path,
                 guint64       size,
                 GBytes       *tth,
                 gpointer      user_data)
{
  g_autofree gchar *name = g_path_get_basename (path);

  printf ("hashed %s\n", name);
  fflush (stdout);
}

static void
child_on_failed (BurrowHasher *hasher,
                 const gchar  *path,
                 const GError *error,
                 gpointer      user_data)
{
  printf ("failed %s\n", error->message);
  fflush (stdout);
}

static void
child_on_idle (BurrowHasher *hasher,
               ChildData    *child)
{
  g_main_loop_quit (child->loop);
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* Child mode: what the share does at startup. Looks every file of @share_dir
 * up in the store and hashes the missing ones, slowly. */
static int
run_hash_child (const gchar *share_dir,
                const gchar *db_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowHashStore) store = burrow_hash_store_open (db_path, &error);
  g_autoptr(BurrowHasher) hasher = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  ChildData child = { g_main_loop_new (NULL, FALSE) };
  const gchar *name;

  g_assert_no_error (error);
  hasher = burrow_hasher_new (store);
  burrow_hasher_set_throttle (hasher, MiB);
  g_signal_connect (hasher, "file-hashed", G_CALLBACK (child_on_hashed), NULL);
  g_signal_connect (hasher, "file-failed", G_CALLBACK (child_on_failed), NULL);
  g_signal_connect (hasher, "idle", G_CALLBACK (child_on_idle), &child);

  dir = g_dir_open (share_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree gchar *path = g_build_filename (share_dir, names->pdata[i], NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      if (burrow_hash_store_lookup (store, path, st.st_size, st.st_mtime, NULL))
        printf ("skip %s\n", (const gchar *) names->pdata[i]);
      else
        burrow_hasher_add (hasher, path, st.st_size, st.st_mtime, st.st_ino);
    }
  fflush (stdout);

  if (burrow_hasher_get_busy (hasher))
    g_main_loop_run (child.loop);
  g_main_loop_unref (child.loop);
  printf ("done\n");
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
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* The next line the child writes (NULL at its end); fails the test after CHILD_DEADLINE_MS. */
static gchar *
read_child_line (GDataInputStream *lines)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  gchar *line;

  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, burrow_test_result_cb, &r);
  line = g_data_input_stream_read_line_finish (lines, burrow_test_result_wait (&r, CHILD_DEADLINE_MS),
                                               NULL, &error);
  g_assert_no_error (error);
  return line;
}

/* Waits for @child to end (fails the test after CHILD_DEADLINE_MS). */
static void
wait_child (GSubprocess *child)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_async (child, NULL, burrow_test_result_cb, &r);
  g_subprocess_wait_finish (child, burrow_test_result_wait (&r, CHILD_DEADLINE_MS), &error);
  g_assert_no_error (error);
}

typedef struct
{
  BurrowHashStore *store;
  const gchar     *dir;
  GHashTable      *names;
} CommittedWait;

/* Whether another process committed every file of @names (in @dir) to the database: this
 * connection reads the latest committed state. */
static gboolean
all_committed (gpointer data)
{
  CommittedWait *wait = data;
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, wait->names);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      g_autofree gchar *path = g_build_filename (wait->dir, name, NULL);
      GStatBuf st;

      stat_file (path, &st);
      if (!burrow_hash_store_lookup (wait->store, path, st.st_size, st.st_mtime, NULL))
        return FALSE;
    }
  return TRUE;
}

static gboolean
on_tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Names listed in @out after @prefix ("hashed ", "skip "). */
static GHashTable *
names_with_prefix (const gchar *out,
                   const gchar *prefix)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      g_hash_table_add (set, g_strdup (lines[i] + strlen (prefix)));
  return set;
}

static void
test_kill9_restart (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree gchar *exe = burrow_test_self_exe ();
  const gchar *argv[] = { exe, "--hash-child", fixture->share, fixture->db_path, NULL };
  g_autoptr(GHashTable) first_hashed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              NULL);
  g_autoptr(GHashTable) stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) skipped = NULL;
  g_autoptr(GHashTable) hashed = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  CommittedWait committed;
  GHashTableIter iter;
  gpointer key;
  guint tick;

  /* The fixture's own store and hasher stay idle; the children do the work. */
  for (guint i = 0; i < KILL_FILES; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("f%02u", i);
      g_autofree gchar *path = burrow_test_write_file (fixture->share, name, KILL_FILE_SIZE,
                                                       i + 100);
    }

  /* First run: killed after three files were reported hashed. */
  child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  while (g_hash_table_size (first_hashed) < 3)
    {
      g_autofree gchar *line = read_child_line (lines);

      g_assert_nonnull (line);
      g_assert_false (g_str_has_prefix (line, "failed"));
      g_assert_false (g_str_has_prefix (line, "done"));
      if (g_str_has_prefix (line, "hashed "))
        g_hash_table_add (first_hashed, g_strdup (line + 7));
    }
  /* Until the child's batch with those three is committed (BURROW_HASH_STORE_BATCH_MS): the
   * database is looked at again on every tick, as a commit wakes nothing up here. */
  committed = (CommittedWait) { fixture->store, fixture->share, first_hashed };
  tick = g_timeout_add (20, on_tick_cb, NULL);
  g_assert_true (burrow_test_wait_until (all_committed, &committed, CHILD_DEADLINE_MS));
  g_source_remove (tick);
  kill (atoi (g_subprocess_get_identifier (child)), SIGKILL);
  wait_child (child);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_clear_object (&lines);
  g_clear_object (&child);

  check_integrity (fixture->db_path);

  /* What survived: at least the three reported, not all twelve. */
  for (guint i = 0; i < KILL_FILES; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("f%02u", i);
      g_autofree gchar *path = g_build_filename (fixture->share, name, NULL);
      GStatBuf st;

      stat_file (path, &st);
      if (burrow_hash_store_lookup (fixture->store, path, st.st_size, st.st_mtime, NULL))
        g_hash_table_add (stored, g_steal_pointer (&name));
    }
  g_test_message ("%u files stored before the kill", g_hash_table_size (stored));
  g_hash_table_iter_init (&iter, first_hashed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (stored, key));
  g_assert_cmpuint (g_hash_table_size (stored), <, KILL_FILES);

  /* Restart: the stored files are skipped, only the others are hashed. */
  child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (child, NULL, NULL, burrow_test_result_cb, &r);
  g_subprocess_communicate_utf8_finish (child, burrow_test_result_wait (&r, CHILD_DEADLINE_MS),
                                        &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  g_assert_nonnull (strstr (out, "done\n"));
  g_assert_null (strstr (out, "failed"));

  skipped = names_with_prefix (out, "skip ");
  hashed = names_with_prefix (out, "hashed ");
  g_assert_cmpuint (g_hash_table_size (skipped), ==, g_hash_table_size (stored));
  g_assert_cmpuint (g_hash_table_size (skipped) + g_hash_table_size (hashed), ==, KILL_FILES);
  g_hash_table_iter_init (&iter, stored);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_assert_true (g_hash_table_contains (skipped, key));
      g_assert_false (g_hash_table_contains (hashed, key));
    }

  /* Everything is stored now, correctly. */
  check_integrity (fixture->db_path);
  g_assert_cmpuint (burrow_hash_store_get_n_files (fixture->store), ==, KILL_FILES);
  for (guint i = 0; i < KILL_FILES; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("f%02u", i);
      g_autofree gchar *path = g_build_filename (fixture->share, name, NULL);
      g_autoptr(GBytes) content = read_file (path);
      guint8 expected[BURROW_TTH_SIZE];
      guint8 stored_tth[BURROW_TTH_SIZE];
      g_autoptr(BurrowTthTree) tree = NULL;
      GStatBuf st;

      stat_file (path, &st);
      burrow_tth_buffer (g_bytes_get_data (content, NULL), g_bytes_get_size (content), expected);
      g_assert_true (burrow_hash_store_lookup (fixture->store, path, st.st_size, st.st_mtime,
                                               stored_tth));
      g_assert_cmpmem (stored_tth, sizeof stored_tth, expected, sizeof expected);
      tree = burrow_hash_store_dup_tree (fixture->store, expected);
      g_assert_nonnull (tree);
      g_assert_true (burrow_tth_tree_verify_range (tree, 0, g_bytes_get_data (content, NULL),
                                                   g_bytes_get_size (content), NULL));
    }
}

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--hash-child"))
    return run_hash_child (argv[2], argv[3]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/burrow/share/hasher/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("sizes", test_sizes);
  ADD ("split", test_split);
  ADD ("changed", test_changed);
  ADD ("pause", test_pause);
  ADD ("vanished", test_vanished);
  ADD ("duplicates", test_duplicates);
  ADD ("cancel", test_cancel);
  ADD ("kill9-restart", test_kill9_restart);
#undef ADD

  return g_test_run ();
}
