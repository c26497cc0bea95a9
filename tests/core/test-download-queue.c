/* test-download-queue.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-download-queue"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define CID_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define CID_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define HUB   "adc://127.0.0.1:4111"

/* ---- pure helpers ------------------------------------------------------------------------ */

static void
check_safe (const gchar *name)
{
  g_assert_nonnull (name);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_cmpuint (strlen (name), >, 0);
  g_assert_cmpuint (strlen (name), <=, BURROW_DOWNLOAD_MAX_NAME);
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_cmpstr (name, !=, ".");
  g_assert_cmpstr (name, !=, "..");
  g_assert_true (name[0] != '.' && name[0] != ' ');
  g_assert_true (burrow_file_name_is_valid (name, -1));
  for (const gchar *p = name; *p; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

static void
test_sanitize (void)
{
  static const struct { const gchar *in; const gchar *out; } vectors[] = {
    { "plain.txt", "plain.txt" },
    { "a/b", "a_b" },
    { "a\\b", "a_b" },
    { "..", "_" },
    { ".", "_" },
    { "", "_" },
    { "/", "_" },
    { "../../etc/passwd", "_.._etc_passwd" },
    { "  spaced  ", "spaced" },
    { "...hidden", "hidden" },
    { "trailing. . ", "trailing" },
    { "tab\there", "tab_here" },
    { "nl\nx\r", "nl_x_" },
    { "del\x7f", "del_" },
    { "c1\xc2\x85x", "c1_x" },                      /* U+0085 NEL */
    { "evil\xe2\x80\xaetxt.exe", "evil_txt.exe" },  /* U+202E RIGHT-TO-LEFT OVERRIDE */
    { "a\xff" "b", "a\xef\xbf\xbd" "b" },           /* invalid UTF-8 → U+FFFD */
    { "CON", "_CON" },
    { "con.txt", "_con.txt" },
    { "Aux.tar.gz", "_Aux.tar.gz" },
    { "nul .txt", "_nul .txt" },
    { "LPT9", "_LPT9" },
    { "com1.log", "_com1.log" },
    { "COM0", "COM0" },
    { "CONSOLE", "CONSOLE" },
    { "LPT10", "LPT10" },
    { "prn_x", "prn_x" },
    { "Grüße – 日本.flac", "Grüße – 日本.flac" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree gchar *out = burrow_download_sanitize_name (vectors[i].in);

      g_test_message ("%u: %s", i, vectors[i].out);
      g_assert_cmpstr (out, ==, vectors[i].out);
      check_safe (out);
    }

  {
    g_autofree gchar *null_name = burrow_download_sanitize_name (NULL);
    g_assert_cmpstr (null_name, ==, "_");
  }

  /* over-long: cut at a character boundary, the extension kept */
  {
    g_autoptr(GString) ascii = g_string_new (NULL);
    g_autoptr(GString) wide = g_string_new (NULL);
    g_autoptr(GString) noext = g_string_new (NULL);
    g_autofree gchar *a = NULL;
    g_autofree gchar *w = NULL;
    g_autofree gchar *n = NULL;

    for (guint i = 0; i < 300; i++)
      g_string_append_c (ascii, 'a');
    g_string_append (ascii, ".mkv");
    a = burrow_download_sanitize_name (ascii->str);
    check_safe (a);
    g_assert_cmpuint (strlen (a), ==, 255);
    g_assert_true (g_str_has_suffix (a, "aaa.mkv"));

    for (guint i = 0; i < 200; i++)
      g_string_append (wide, "é");             /* 2 bytes each */
    g_string_append (wide, ".txt");
    w = burrow_download_sanitize_name (wide->str);
    check_safe (w);
    g_assert_true (g_str_has_suffix (w, "é.txt"));
    g_assert_cmpuint (strlen (w), >=, 250);

    for (guint i = 0; i < 100; i++)
      g_string_append (noext, "日");           /* 3 bytes each */
    n = burrow_download_sanitize_name (noext->str);
    check_safe (n);
    g_assert_cmpuint (strlen (n), ==, 255);    /* 85 whole characters */
  }

  /* shortening must not uncover a Windows device name, and the '_' added
   * for one must not push the name over 255 bytes */
  {
    g_autoptr(GString) con = g_string_new ("CON");
    g_autoptr(GString) con_ext = g_string_new ("con.");
    g_autofree gchar *c = NULL;
    g_autofree gchar *e = NULL;

    for (guint i = 0; i < 300; i++)
      g_string_append_c (con, ' ');
    g_string_append (con, "x.txt");
    c = burrow_download_sanitize_name (con->str);
    check_safe (c);
    g_assert_cmpstr (c, ==, "_CON.txt");

    for (guint i = 0; i < 251; i++)
      g_string_append_c (con_ext, 'y');
    e = burrow_download_sanitize_name (con_ext->str);
    check_safe (e);
    g_assert_cmpuint (strlen (e), ==, 255);
    g_assert_true (g_str_has_prefix (e, "_con.yyy"));
  }
}

static void
test_build_path (void)
{
  g_autoptr(GError) error = NULL;
  const gchar *escape[] = { "..", "..", "etc", NULL };
  const gchar *nested[] = { "Music", "a/b", "CON", NULL };
  const gchar *deep[BURROW_DOWNLOAD_MAX_DEPTH + 2];
  g_autofree gchar *p1 = NULL;
  g_autofree gchar *p2 = NULL;
  g_autofree gchar *p3 = NULL;
  g_autofree gchar *p4 = NULL;

  p1 = burrow_download_build_path ("/srv/dl", escape, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p1, ==, "/srv/dl/_/_/etc");

  p2 = burrow_download_build_path ("/srv/dl/", nested, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p2, ==, "/srv/dl/Music/a_b/_CON");

  p3 = burrow_download_build_path ("relative/dir", nested, &error);
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH);
  g_assert_null (p3);
  g_clear_error (&error);

  for (guint i = 0; i < BURROW_DOWNLOAD_MAX_DEPTH + 1; i++)
    deep[i] = "d";
  deep[BURROW_DOWNLOAD_MAX_DEPTH + 1] = NULL;
  p4 = burrow_download_build_path ("/srv/dl", deep, &error);
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH);
  g_assert_null (p4);
}

static void
test_numbered_name (void)
{
  static const struct { const gchar *in; guint n; const gchar *out; } vectors[] = {
    { "a.txt", 1, "a (1).txt" },
    { "noext", 2, "noext (2)" },
    { "x.tar.gz", 3, "x.tar (3).gz" },
    { "a.b.", 1, "a.b (1)." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree gchar *out = burrow_download_numbered_name (vectors[i].in, vectors[i].n);
      g_assert_cmpstr (out, ==, vectors[i].out);
    }
  {
    g_autofree gchar *long_name = g_strnfill (255, 'x');
    g_autofree gchar *out = NULL;

    long_name[250] = '.';
    out = burrow_download_numbered_name (long_name, 12);
    g_assert_cmpuint (strlen (out), <=, 255);
    g_assert_true (g_str_has_suffix (out, " (12).xxxx"));
  }
  /* A long extension used to leave no room (an unsigned underflow): the
   * numbered name went past 255 bytes, the final rename failed with
   * ENAMETOOLONG and a verified download stayed a hidden part file. */
  {
    static const gchar * const fills[] = { "x", "é", "日", "\xf0\x9f\x8e\xb5" };

    for (guint f = 0; f < G_N_ELEMENTS (fills); f++)
      for (guint ext_len = 1; ext_len < BURROW_DOWNLOAD_MAX_NAME; ext_len += 7)
        {
          g_autoptr(GString) name = g_string_new (fills[f]);
          g_autofree gchar *safe = NULL;

          g_string_append_c (name, '.');
          do
            g_string_append (name, fills[f]);
          while (name->len + strlen (fills[f]) <= 1 + 1 + ext_len);
          safe = burrow_download_sanitize_name (name->str);
          g_assert_cmpstr (safe, ==, name->str);

          for (guint n = 1; n < 100000; n *= 7)
            {
              g_autofree gchar *out = burrow_download_numbered_name (safe, n);
              g_autofree gchar *number = g_strdup_printf (" (%u)", n);

              check_safe (out);
              g_assert_nonnull (strstr (out, number));
              g_assert_cmpstr (out, !=, safe);
            }
        }
  }
  {
    /* the extension that cannot keep the number before it: "a.xxx… (1)" */
    g_autofree gchar *long_ext = g_strnfill (255, 'x');
    g_autofree gchar *out = NULL;

    long_ext[1] = '.';
    out = burrow_download_numbered_name (long_ext, 1);
    check_safe (out);
    g_assert_cmpuint (strlen (out), ==, 255);
    g_assert_true (g_str_has_prefix (out, "x.xxx"));
    g_assert_true (g_str_has_suffix (out, "x (1)"));
  }
}

/* ---- persistence --------------------------------------------------------------------------- */

typedef struct
{
  gchar               *dir;
  gchar               *db_path;
  gchar               *target;
  BurrowDatabase      *db;
  BurrowDownloadQueue *queue;
} Fixture;

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  if (f->queue != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->queue));
  if (f->db != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->db));
  f->db = burrow_database_open (f->db_path, &error);
  g_assert_no_error (error);
  f->queue = burrow_download_queue_new (f->db, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("burrow-queue-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "burrow.db", NULL);
  f->target = g_build_filename (f->dir, "Downloads", NULL);
  reopen (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const gchar *rm[] = { "rm", "-rf", f->dir, NULL };

  if (f->queue != NULL)
    g_assert_finalize_object (f->queue);
  if (f->db != NULL)
    g_assert_finalize_object (f->db);
  g_spawn_sync (NULL, (gchar **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (f->dir);
  g_free (f->db_path);
  g_free (f->target);
}

/* A tree for @len bytes of pseudo-random data at 64 KiB blocks. */
static BurrowTthTree *
make_tree (gsize    len,
           gchar  **out_tth)
{
  g_autofree guint8 *data = g_malloc (len);
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (64 * 1024);
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(GError) error = NULL;
  guint8 root[BURROW_TTH_SIZE];
  BurrowTthTree *tree;

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (i * 7 + (i >> 9));
  burrow_tth_hasher_update (hasher, data, len);
  burrow_tth_hasher_finish (hasher, root);
  leaves = burrow_tth_hasher_steal_leaves (hasher);
  tree = burrow_tth_tree_new_from_leaves (len, root, leaves, &error);
  g_assert_no_error (error);
  *out_tth = burrow_tth_to_base32 (root);
  return tree;
}

static void
test_persist (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(BurrowQueueItem) again = NULL;
  g_autofree gchar *tth = NULL;
  g_autofree gchar *part = NULL;
  BurrowTthTree *tree = make_tree (300 * 1024, &tth);
  BurrowQueueItem *loaded;
  const BurrowQueueSource *source;
  gint64 id;

  item = burrow_download_queue_add_file (f->queue, tth, 300 * 1024, "../sneaky/name.bin", f->target,
                                         CID_A, HUB, "alice", &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  id = burrow_queue_item_get_id (item);
  g_assert_cmpstr (burrow_queue_item_get_name (item), ==, "_sneaky_name.bin");
  g_assert_cmpstr (burrow_queue_item_get_target_dir (item), ==, f->target);
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_QUEUED);
  g_assert_cmpuint (burrow_queue_item_get_n_sources (item), ==, 1);
  g_assert_null (burrow_queue_item_get_tree (item));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 1);
  part = burrow_queue_item_dup_part_path (item);
  g_assert_true (g_str_has_prefix (part, f->target));
  g_assert_true (g_str_has_suffix (part, ".burrow-part"));
  g_assert_true (strstr (part, "/._sneaky_name.bin.") != NULL);

  /* the same file again: one item, one more source */
  again = burrow_download_queue_add_file (f->queue, tth, 300 * 1024, "other name", f->target,
                                          CID_B, HUB,
                                          "bob", &error);
  g_assert_no_error (error);
  g_assert_true (again == item);
  g_assert_cmpuint (burrow_queue_item_get_n_sources (item), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 1);

  /* tree, two verified blocks of five, running, a bad source */
  g_assert_true (burrow_download_queue_set_tree (f->queue, item, tree, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_queue_item_get_n_blocks (item), ==, 5);
  burrow_download_queue_set_block_verified (f->queue, item, 0, TRUE);
  burrow_download_queue_set_block_verified (f->queue, item, 4, TRUE);   /* the short last block */
  g_assert_cmpuint (burrow_queue_item_get_verified_bytes (item), ==, 64 * 1024 + 44 * 1024);
  g_assert_true (burrow_download_queue_flush (f->queue, &error));
  burrow_download_queue_set_state (f->queue, item, BURROW_QUEUE_STATE_RUNNING, NULL);
  burrow_download_queue_mark_source_bad (f->queue, item, CID_B);
  /* a block verified after the last flush is lost by a crash; it is re-checked on resume */
  burrow_download_queue_set_block_verified (f->queue, item, 2, TRUE);
  g_clear_object (&again);
  g_clear_object (&item);

  /* restart without flushing the last change (the queue's dispose flushes: simulate a crash by
   * reading the database from a second connection first) */
  {
    g_autoptr(BurrowDatabase) db2 = burrow_database_open (f->db_path, &error);
    g_autoptr(BurrowDownloadQueue) q2 = NULL;

    g_assert_no_error (error);
    q2 = burrow_download_queue_new (db2, &error);
    g_assert_no_error (error);
    loaded = burrow_download_queue_lookup (q2, id);
    g_assert_nonnull (loaded);
    g_assert_cmpint (burrow_queue_item_get_state (loaded), ==, BURROW_QUEUE_STATE_QUEUED);
    g_assert_nonnull (burrow_queue_item_get_tree (loaded));
    g_assert_true (burrow_queue_item_is_block_verified (loaded, 0));
    g_assert_false (burrow_queue_item_is_block_verified (loaded, 1));
    g_assert_false (burrow_queue_item_is_block_verified (loaded, 2));
    g_assert_true (burrow_queue_item_is_block_verified (loaded, 4));
    g_assert_cmpuint (burrow_queue_item_get_verified_bytes (loaded), ==, 108 * 1024);
  }

  reopen (f);
  loaded = burrow_download_queue_lookup (f->queue, id);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (burrow_queue_item_get_tth (loaded), ==, tth);
  g_assert_cmpuint (burrow_queue_item_get_size (loaded), ==, 300 * 1024);
  g_assert_cmpint (burrow_queue_item_get_state (loaded), ==, BURROW_QUEUE_STATE_QUEUED);
  g_assert_true (burrow_queue_item_is_block_verified (loaded, 2));
  g_assert_cmpuint (burrow_queue_item_get_verified_bytes (loaded), ==, 172 * 1024);
  g_assert_cmpuint (burrow_queue_item_get_n_sources (loaded), ==, 2);
  source = burrow_queue_item_find_source (loaded, CID_A);
  g_assert_nonnull (source);
  g_assert_false (source->bad);
  g_assert_cmpstr (source->hub, ==, HUB);
  g_assert_cmpstr (source->nick, ==, "alice");
  source = burrow_queue_item_find_source (loaded, CID_B);
  g_assert_true (source->bad);

  /* priority and pause survive a restart */
  g_assert_true (burrow_download_queue_set_priority (f->queue, loaded, BURROW_QUEUE_PRIORITY_HIGH,
                                                     &error));
  g_assert_true (burrow_download_queue_pause (f->queue, loaded, &error));
  reopen (f);
  loaded = burrow_download_queue_lookup (f->queue, id);
  g_assert_cmpint (burrow_queue_item_get_priority (loaded), ==, BURROW_QUEUE_PRIORITY_HIGH);
  g_assert_cmpint (burrow_queue_item_get_state (loaded), ==, BURROW_QUEUE_STATE_PAUSED);
  g_assert_true (burrow_download_queue_resume (f->queue, loaded, &error));
  g_assert_cmpint (burrow_queue_item_get_state (loaded), ==, BURROW_QUEUE_STATE_QUEUED);

  /* removal, with the partial file */
  g_assert_cmpint (g_mkdir_with_parents (f->target, 0755), ==, 0);
  {
    g_autofree gchar *p = burrow_queue_item_dup_part_path (loaded);
    g_assert_true (g_file_set_contents (p, "x", 1, NULL));
    g_assert_true (burrow_download_queue_remove (f->queue, loaded, TRUE, &error));
    g_assert_no_error (error);
    g_assert_false (g_file_test (p, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 0);
  reopen (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 0);
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowQueueItem) item = NULL;

  item = burrow_download_queue_add_file (f->queue, "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN1", 10,
                                         "x", f->target, CID_A, HUB, "a",
                                         &error);
  g_assert_null (item);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
  g_clear_error (&error);

  item = burrow_download_queue_add_file (f->queue, "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ", 10,
                                         "x",
                                         "not/absolute", CID_A, HUB, "a", &error);
  g_assert_null (item);
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 0);
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileNode *album = burrow_file_tree_add_directory (tree, burrow_file_tree_get_root (tree),
                                                          "Album. ");
  BurrowFileNode *disc = burrow_file_tree_add_directory (tree, album, "CON");
  guint8 tth[24];
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 24; i++)
    tth[i] = (guint8) i;
  burrow_file_tree_add_file (tree, album, "cover.jpg", 1000, 0, tth);
  tth[0] = 99;
  burrow_file_tree_add_file (tree, album, "trailing dot.", 2000, 0, tth);
  tth[0] = 98;
  burrow_file_tree_add_file (tree, disc, "01 - Track.flac", 3000, 0, tth);
  burrow_file_tree_add_file (tree, disc, "no-hash.txt", 5, 0, NULL);   /* skipped: no TTH */
  burrow_file_tree_finish (tree);

  items = burrow_download_queue_add_folder (f->queue, album, f->target, CID_A, HUB, "alice",
                                            &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 3);
  for (guint i = 0; i < items->len; i++)
    {
      BurrowQueueItem *item = g_ptr_array_index (items, i);

      g_hash_table_add (seen, g_build_filename (burrow_queue_item_get_target_dir (item),
                                                burrow_queue_item_get_name (item), NULL));
      g_assert_cmpuint (burrow_queue_item_get_n_sources (item), ==, 1);
    }
  {
    g_autofree gchar *a = g_build_filename (f->target, "Album", "cover.jpg", NULL);
    g_autofree gchar *b = g_build_filename (f->target, "Album", "trailing dot", NULL);
    g_autofree gchar *c = g_build_filename (f->target, "Album", "_CON", "01 - Track.flac", NULL);

    g_assert_true (g_hash_table_contains (seen, a));
    g_assert_true (g_hash_table_contains (seen, b));
    g_assert_true (g_hash_table_contains (seen, c));
  }
  g_hash_table_unref (seen);

  /* the whole folder persists */
  g_clear_pointer (&items, g_ptr_array_unref);
  reopen (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->queue)), ==, 3);
}

/* An item's error keeps its domain and code across a restart (the UI shows its message). */
static void
test_error_persist (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) full = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                BURROW_TRANSFER_ERROR_DISK_FULL, "disk full");
  g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "denied");
  g_autoptr(BurrowQueueItem) item = NULL;
  BurrowQueueItem *loaded;   /* (transfer none) */
  g_autofree gchar *tth = g_strnfill (39, 'A');
  gint64 id;

  item = burrow_download_queue_add_file (f->queue, tth, 1000, "a.bin", f->target, CID_A, HUB,
                                         "alice", &error);
  g_assert_no_error (error);
  id = burrow_queue_item_get_id (item);
  g_assert_null (burrow_queue_item_get_error (item));
  g_assert_null (burrow_queue_item_get_error_message (item));

  burrow_download_queue_set_state (f->queue, item, BURROW_QUEUE_STATE_PAUSED, full);
  g_assert_error ((GError *) burrow_queue_item_get_error (item), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_DISK_FULL);
  g_clear_object (&item);
  reopen (f);
  loaded = burrow_download_queue_lookup (f->queue, id);
  g_assert_nonnull (loaded);
  g_assert_cmpint (burrow_queue_item_get_state (loaded), ==, BURROW_QUEUE_STATE_PAUSED);
  g_assert_error ((GError *) burrow_queue_item_get_error (loaded), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_DISK_FULL);
  g_assert_cmpstr (burrow_queue_item_get_error_message (loaded), ==, "disk full");

  /* another domain, then none */
  burrow_download_queue_set_error (f->queue, loaded, io);
  reopen (f);
  loaded = burrow_download_queue_lookup (f->queue, id);
  g_assert_error ((GError *) burrow_queue_item_get_error (loaded), G_IO_ERROR,
                  G_IO_ERROR_PERMISSION_DENIED);
  burrow_download_queue_set_state (f->queue, loaded, BURROW_QUEUE_STATE_QUEUED, NULL);
  reopen (f);
  loaded = burrow_download_queue_lookup (f->queue, id);
  g_assert_null (burrow_queue_item_get_error (loaded));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/transfer/download-queue/sanitize", test_sanitize);
  g_test_add_func ("/burrow/transfer/download-queue/build-path", test_build_path);
  g_test_add_func ("/burrow/transfer/download-queue/numbered-name", test_numbered_name);
  g_test_add ("/burrow/transfer/download-queue/persist", Fixture, NULL, fixture_set_up, test_persist,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/download-queue/bad-input", Fixture, NULL, fixture_set_up,
              test_bad_input,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/download-queue/folder", Fixture, NULL, fixture_set_up, test_folder,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/download-queue/error-persist", Fixture, NULL, fixture_set_up,
              test_error_persist, fixture_tear_down);

  return g_test_run ();
}
