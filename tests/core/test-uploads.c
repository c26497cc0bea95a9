/* test-uploads.c — what a peer can fetch from our share: files by TTH and path (whole and
 * ranges), Tiger tree leaves, partial and compressed lists, GFI; and what it cannot
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (60 * 1000)
#define BIG_SIZE    (3 * 1024 * 1024 + 5)

typedef struct
{
  gchar                *dir;
  gchar                *shared;
  BurrowTestHub        *hub;
  BurrowClient         *a;   /* downloads */
  BurrowClient         *b;   /* shares */
  BurrowPeerConnection *peer;
  GBytes               *big;
} Fixture;

typedef struct
{
  gboolean  done;
  gpointer  value;
  GError   *error;
} Result;

static void
on_peer (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Result *r = data;

  r->value = burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result, NULL, &r->error);
  r->done = TRUE;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a_dir = NULL;
  g_autofree gchar *b_dir = NULL;
  g_autofree gchar *sub = NULL;
  g_autofree gchar *big_path = NULL;
  g_autofree gchar *small = NULL;
  g_autofree gchar *tiny = NULL;
  BurrowHubSession *sa;
  Result r = { 0, };
  gchar *contents;
  gsize len;

  f->hub = burrow_test_hub_start (NULL, &error);
  if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("burrow-up-XXXXXX", NULL);
  f->shared = g_build_filename (f->dir, "shared", NULL);
  sub = g_build_filename (f->shared, "Music", NULL);
  g_mkdir_with_parents (sub, 0700);
  big_path = burrow_test_write_file (f->shared, "big.bin", BIG_SIZE, 7);
  small = burrow_test_write_file (sub, "track01.flac", 70000, 8);
  tiny = burrow_test_write_file (f->shared, "notes.txt", 1000, 9);
  g_assert_true (g_file_get_contents (big_path, &contents, &len, NULL));
  f->big = g_bytes_new_take (contents, len);

  a_dir = g_build_filename (f->dir, "a", NULL);
  b_dir = g_build_filename (f->dir, "b", NULL);
  f->a = burrow_client_new (a_dir, &error);
  g_assert_no_error (error);
  f->b = burrow_client_new (b_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (f->a, "alice");
  burrow_client_set_nick (f->b, "bob");

  g_assert_true (burrow_share_add_root (burrow_client_get_share (f->b), f->shared, "Stuff", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (burrow_client_get_share (f->b), 3, DEADLINE_MS));

  sa = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_test_wait_nick (sa, "bob", DEADLINE_MS));
  /* bob's INF announces what he shares */
  g_assert_cmpuint (burrow_user_get_share_size (burrow_hub_session_lookup_nick (sa, "bob")), ==,
                    burrow_share_get_total_size (burrow_client_get_share (f->b)));
  g_assert_cmpuint (burrow_user_get_shared_files (burrow_hub_session_lookup_nick (sa, "bob")), ==, 3);
  burrow_nat_connector_connect_async (burrow_client_get_connector (f->a), BURROW_ADC_HUB_SESSION (sa),
                                      burrow_hub_session_lookup_nick (sa, "bob"), NULL, on_peer, &r);
  g_assert_true (burrow_test_wait_for_flag (&r.done, DEADLINE_MS));
  g_assert_no_error (r.error);
  f->peer = r.value;
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  if (f->peer != NULL)
    burrow_peer_connection_close (f->peer);
  g_clear_object (&f->peer);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  g_clear_pointer (&f->big, g_bytes_unref);
  if (f->dir != NULL)
    burrow_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->shared);
}

static gboolean
collect (BurrowPeerConnection  *connection,
         const guint8          *data,
         gsize                  len,
         GError               **error,
         gpointer               user_data)
{
  g_byte_array_append (user_data, data, len);
  return TRUE;
}

static void
on_download (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Result *r = data;

  burrow_peer_connection_download_finish (BURROW_PEER_CONNECTION (source), result, NULL, &r->error);
  r->done = TRUE;
}

/* One GET; returns what arrived, or NULL with @error. */
static GBytes *
fetch (Fixture      *f,
       const gchar  *type,
       const gchar  *identifier,
       guint64       offset,
       gint64        length,
       gboolean      compressed,
       GError      **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  Result r = { 0, };

  burrow_peer_connection_download_async (f->peer, type, identifier, offset, length, compressed, collect,
                                         data, NULL, on_download, &r);
  g_assert_true (burrow_test_wait_for_flag (&r.done, DEADLINE_MS));
  if (r.error != NULL)
    {
      g_propagate_error (error, r.error);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static gchar *
big_tth (Fixture *f)
{
  guint8 root[24];

  burrow_tth_buffer (g_bytes_get_data (f->big, NULL), g_bytes_get_size (f->big), root);
  return burrow_tth_to_base32 (root);
}

static void
on_upload_started (BurrowTransferManager *manager,
                   BurrowTransfer        *transfer,
                   BurrowTransfer       **out)
{
  g_set_object (out, transfer);
}

static void
test_files (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(BurrowTransfer) upload = NULL;
  g_autofree gchar *tth = NULL;
  g_autofree gchar *id = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) range = NULL;
  g_autoptr(GBytes) by_path = NULL;
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(BurrowTthTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  guint8 root[24];

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  tth = big_tth (f);
  id = g_strconcat ("TTH/", tth, NULL);

  /* the whole file by TTH, streamed from disk; the uploader shows it as a transfer */
  g_signal_connect (burrow_client_get_transfer_manager (f->b), "upload-started",
                    G_CALLBACK (on_upload_started), &upload);
  whole = fetch (f, "file", id, 0, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (whole, f->big));
  g_assert_nonnull (upload);
  g_assert_cmpint (burrow_transfer_get_direction (upload), ==, BURROW_TRANSFER_DIRECTION_UPLOAD);
  g_assert_cmpuint (burrow_transfer_get_size (upload), ==, BIG_SIZE);
  g_assert_cmpstr (burrow_transfer_get_nick (upload), ==, "alice");
  /* asked for by TTH, shown by the shared file's name */
  g_assert_cmpstr (burrow_transfer_get_name (upload), ==, "big.bin");
  g_assert_cmpint (burrow_transfer_get_state (upload), ==, BURROW_TRANSFER_STATE_FINISHED);
  g_signal_handlers_disconnect_by_data (burrow_client_get_transfer_manager (f->b), &upload);

  /* a range in the middle */
  range = fetch (f, "file", id, 1000000, 123457, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (range), ==, 123457);
  g_assert_true (memcmp (g_bytes_get_data (range, NULL),
                         (const guint8 *) g_bytes_get_data (f->big, NULL) + 1000000, 123457) == 0);

  /* by share path */
  by_path = fetch (f, "file", "/Stuff/big.bin", BIG_SIZE - 10, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (by_path), ==, 10);

  /* the tree's leaves rebuild the root and verify every block */
  leaves = fetch (f, "tthl", id, 0, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_tth_from_base32 (tth, root, NULL));
  tree = burrow_tth_tree_new_from_leaves (BIG_SIZE, root, leaves, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_tth_tree_verify_range (tree, 0, g_bytes_get_data (whole, NULL), BIG_SIZE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_peer_connection_get_bytes_received (f->peer), >=, BIG_SIZE + 123457 + 10);
}

static void
test_lists (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) full = NULL;
  g_autoptr(GBytes) partial = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(BurrowFileTree) sub = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileListLimits limits = burrow_file_list_limits_default ();
  g_autofree gchar *base = NULL;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  /* the full list, with the shared files in it */
  full = fetch (f, "file", "files.xml.bz2", 0, -1, FALSE, &error);
  g_assert_no_error (error);
  tree = burrow_file_list_parse (g_bytes_get_data (full, NULL), g_bytes_get_size (full), TRUE, &limits,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 3);
  g_assert_nonnull (burrow_file_tree_lookup (tree, "/Stuff/Music/track01.flac"));

  /* a partial list of one folder */
  partial = fetch (f, "list", "/Stuff/Music/", 0, -1, FALSE, &error);
  g_assert_no_error (error);
  sub = burrow_file_list_parse (g_bytes_get_data (partial, NULL), g_bytes_get_size (partial), FALSE, &limits,
                                NULL, &base, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (base, ==, "/Stuff/Music/");
  g_assert_cmpuint (burrow_file_tree_get_n_files (sub), ==, 1);

  /* ZL1: zlib on the wire, the same bytes out */
  compressed = fetch (f, "list", "/Stuff/Music/", 0, -1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (compressed, partial));
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  const gchar *forbidden[] = { "/Stuff/../../../../etc/passwd", "/etc/passwd", "/Stuff/nothere.bin",
                               "TTH/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "TTH/not-base32" };

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  /* nothing outside the share, nothing unknown: refused, and the connection stays usable */
  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) got = fetch (f, "file", forbidden[i], 0, -1, FALSE, &error);

      g_assert_null (got);
      g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = fetch (f, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (got), ==, 1000);
  }
  /* a range past the end */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = fetch (f, "file", "/Stuff/notes.txt", 900, 500, FALSE, &error);

    g_assert_null (got);
    g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE);
  }
}

static void
test_slots (Fixture       *f,
            gconstpointer  data)
{
  g_autofree gchar *tth = NULL;
  g_autofree gchar *id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) small = NULL;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  /* no free slot: small files and lists still go (mini-slots), big files are refused */
  burrow_client_set_slots (f->b, 0);
  small = fetch (f, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (small), ==, 1000);

  tth = big_tth (f);
  id = g_strconcat ("TTH/", tth, NULL);
  g_assert_null (fetch (f, "file", id, 0, -1, FALSE, &error));
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS);
  g_assert_cmpuint (burrow_client_get_slots_used (f->b), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/uploads/files", Fixture, NULL, set_up, test_files, tear_down);
  g_test_add ("/burrow/uploads/lists", Fixture, NULL, set_up, test_lists, tear_down);
  g_test_add ("/burrow/uploads/refusals", Fixture, NULL, set_up, test_refusals, tear_down);
  g_test_add ("/burrow/uploads/slots", Fixture, NULL, set_up, test_slots, tear_down);

  return g_test_run ();
}
