/* test-uploads.c — what a peer can fetch from our share: files by TTH and path (whole and
 * ranges), Tiger tree leaves, partial and compressed lists, GFI; and what it cannot
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-nmdc-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (60 * 1000)
#define BIG_SIZE    (3 * 1024 * 1024 + 5)
/* More than the socket buffers and the uploader's write queue hold: an upload of it stalls
 * when the downloader stops reading. */
#define HUGE_SIZE   ((gsize) 96 * 1024 * 1024)

typedef struct
{
  gchar                *dir;
  gchar                *shared;
  BurrowTestHub        *hub;
  BurrowTestNmdcHub    *nmdc_hub;
  const gchar          *uri;    /* the hub both are on (NULL: no hub program, skip) */
  BurrowClient         *a;   /* downloads */
  BurrowClient         *b;   /* shares */
  BurrowPeerConnection *peer;
  GBytes               *big;
  BurrowHubSession     *sa;     /* alice's session */
  BurrowClient         *c;      /* carol, when a test needs a third user */
  GPtrArray            *more;   /* further connections (BurrowPeerConnection) */
  gboolean              paused; /* stalled_download: the first bytes came, reading stopped */
  gboolean              stalled_done;
  GError               *stalled_error;
} Fixture;

/* set_up options */
typedef struct
{
  gboolean huge;   /* also share huge.bin (HUGE_SIZE bytes, sparse) */
  gboolean active; /* both in active mode: any number of connections between them */
  gboolean nmdc;   /* on the NMDC test hub (verlihub profile) instead of uhub */
} Options;

/* A new connection from @from (logged in with @session) to bob, for fetching. */
static BurrowPeerConnection *
connect_to_bob (BurrowClient     *from,
                BurrowHubSession *session)
{
  BurrowNatConnector *connector = burrow_client_get_connector (from);
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *peer;

  burrow_nat_connector_connect_async (connector, session,
                                      burrow_hub_session_lookup_nick (session, "bob"), NULL,
                                      burrow_test_result_cb, &r);
  peer = burrow_nat_connector_connect_finish (connector, burrow_test_result_wait (&r, DEADLINE_MS),
                                              NULL, &error);
  g_assert_no_error (error);
  return peer;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  const Options *options = data;
  guint n_files = options != NULL && options->huge ? 4 : 3;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a_dir = NULL;
  g_autofree gchar *b_dir = NULL;
  g_autofree gchar *sub = NULL;
  g_autofree gchar *big_path = NULL;
  g_autofree gchar *small = NULL;
  g_autofree gchar *tiny = NULL;
  BurrowHubSession *sa;
  gchar *contents;
  gsize len;

  if (options != NULL && options->nmdc)
    {
      BurrowTestNmdcHubOptions nmdc_opts = { .profile = "verlihub" };

      f->nmdc_hub = burrow_test_nmdc_hub_start (&nmdc_opts, &error);
      if (f->nmdc_hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return;
      g_assert_no_error (error);
      f->uri = burrow_test_nmdc_hub_get_uri (f->nmdc_hub);
    }
  else
    {
      f->hub = burrow_test_hub_start (NULL, &error);
      if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return;
      g_assert_no_error (error);
      f->uri = burrow_test_hub_get_uri (f->hub);
    }

  f->dir = g_dir_make_tmp ("burrow-up-XXXXXX", NULL);
  f->shared = g_build_filename (f->dir, "shared", NULL);
  sub = g_build_filename (f->shared, "Music", NULL);
  g_mkdir_with_parents (sub, 0700);
  big_path = burrow_test_write_file (f->shared, "big.bin", BIG_SIZE, 7);
  small = burrow_test_write_file (sub, "track01.flac", 70000, 8);
  tiny = burrow_test_write_file (f->shared, "notes.txt", 1000, 9);
  if (options != NULL && options->huge)
    {
      g_autofree gchar *huge = g_build_filename (f->shared, "huge.bin", NULL);
      FILE *file = fopen (huge, "w");

      g_assert_nonnull (file);
      g_assert_cmpint (ftruncate (fileno (file), (off_t) HUGE_SIZE), ==, 0);
      fclose (file);
    }
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
  if (options != NULL && options->active)
    {
      burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_ACTIVE);
      burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_ACTIVE);
    }

  g_assert_true (burrow_share_add_root (burrow_client_get_share (f->b), f->shared, "Stuff", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (burrow_client_get_share (f->b), n_files, DEADLINE_MS));

  sa = burrow_test_join_hub (f->a, f->uri);
  burrow_test_join_hub (f->b, f->uri);
  g_assert_true (burrow_test_wait_nick (sa, "bob", DEADLINE_MS));
  /* bob's INF announces what he shares */
  g_assert_cmpuint (burrow_user_get_share_size (burrow_hub_session_lookup_nick (sa, "bob")), ==,
                    burrow_share_get_total_size (burrow_client_get_share (f->b)));
  if (f->nmdc_hub == NULL) /* NMDC's $MyINFO has a share size, no file count */
    g_assert_cmpuint (burrow_user_get_shared_files (burrow_hub_session_lookup_nick (sa, "bob")), ==,
                      n_files);
  f->sa = sa;
  f->peer = connect_to_bob (f->a, sa);
  g_assert_cmpint (burrow_peer_connection_get_protocol (f->peer), ==,
                   f->nmdc_hub != NULL ? BURROW_PEER_PROTOCOL_NMDC : BURROW_PEER_PROTOCOL_ADC);
  f->more = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  if (f->peer != NULL)
    burrow_peer_connection_close (f->peer);
  g_clear_object (&f->peer);
  if (f->more != NULL)
    for (guint i = 0; i < f->more->len; i++)
      burrow_peer_connection_close (g_ptr_array_index (f->more, i));
  g_clear_pointer (&f->more, g_ptr_array_unref);
  /* a stalled download ends with the closed connection: let its callback run */
  if (f->paused)
    g_assert_true (burrow_test_wait_for_flag (&f->stalled_done, DEADLINE_MS));
  g_clear_error (&f->stalled_error);
  g_clear_object (&f->c);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  g_clear_pointer (&f->nmdc_hub, burrow_test_nmdc_hub_free);
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

/* One GET on @peer; returns what arrived, or NULL with @error. */
static GBytes *
fetch_on (BurrowPeerConnection  *peer,
          const gchar           *type,
          const gchar           *identifier,
          guint64                offset,
          gint64                 length,
          gboolean               compressed,
          GError               **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;

  burrow_peer_connection_download_async (peer, type, identifier, offset, length, compressed, collect,
                                         data, NULL, burrow_test_result_cb, &r);
  if (!burrow_peer_connection_download_finish (peer, burrow_test_result_wait (&r, DEADLINE_MS), NULL,
                                               error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static GBytes *
fetch (Fixture      *f,
       const gchar  *type,
       const gchar  *identifier,
       guint64       offset,
       gint64        length,
       gboolean      compressed,
       GError      **error)
{
  return fetch_on (f->peer, type, identifier, offset, length, compressed, error);
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

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
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

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
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

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
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

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
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

/* --- limits per peer ------------------------------------------------------------------------ */

static gboolean
stop_reading (BurrowPeerConnection  *connection,
              const guint8          *data,
              gsize                  len,
              GError               **error,
              gpointer               user_data)
{
  Fixture *f = user_data;

  /* a peer that takes a slot and then reads nothing more */
  burrow_peer_connection_set_receiving (connection, FALSE);
  f->paused = TRUE;
  return TRUE;
}

static void
on_stalled_download (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Fixture *f = data;

  burrow_peer_connection_download_finish (BURROW_PEER_CONNECTION (source), result, NULL,
                                          &f->stalled_error);
  f->stalled_done = TRUE;
}

/* alice asks for huge.bin on f->peer and stops reading at its first bytes: she holds a slot. */
static void
stalled_download (Fixture *f)
{
  burrow_peer_connection_download_async (f->peer, "file", "/Stuff/huge.bin", 0, -1, FALSE,
                                         stop_reading, f, NULL, on_stalled_download, f);
  g_assert_true (burrow_test_wait_for_flag (&f->paused, DEADLINE_MS));
  g_assert_cmpuint (burrow_client_get_slots_used (f->b), ==, 1);
}

static gboolean
slots_free (gpointer data)
{
  return burrow_client_get_slots_used (data) == 0;
}

/* carol joins and connects to bob */
static BurrowPeerConnection *
carol_connects (Fixture *f)
{
  BurrowHubSession *sc;

  f->c = burrow_test_new_client (f->dir, "carol", TRUE);
  sc = burrow_test_join_hub (f->c, f->uri);
  g_assert_true (burrow_test_wait_nick (sc, "bob", DEADLINE_MS));
  return connect_to_bob (f->c, sc);
}

static void
test_idle_upload (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(BurrowPeerConnection) carol = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
      return;
    }

  /* one slot, taken by a peer that stops reading */
  burrow_client_set_slots (f->b, 1);
  burrow_client_set_upload_idle_timeout (f->b, 1000);
  stalled_download (f);

  /* the stalled upload loses its slot within the deadline ... */
  g_assert_true (burrow_test_wait_until (slots_free, f->b, DEADLINE_MS));
  g_assert_cmpuint (burrow_client_get_n_upload_connections (f->b), ==, 0);

  /* ... and another peer gets it */
  carol = carol_connects (f);
  got = fetch_on (carol, "file", "/Stuff/big.bin", 0, 200000, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 200000);
  g_assert_cmpuint (burrow_client_get_slots_used (f->b), ==, 0);
}

static void
test_slots_per_user (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(BurrowPeerConnection) carol = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *second;

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
      return;
    }

  g_assert_cmpuint (burrow_client_get_slots (f->b), >, 2);
  stalled_download (f);

  /* alice holds one slot; a second one is refused although two are free */
  second = connect_to_bob (f->a, f->sa);
  g_ptr_array_add (f->more, second);
  g_assert_null (fetch_on (second, "file", "/Stuff/big.bin", 0, 200000, FALSE, &error));
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS);
  g_clear_error (&error);
  g_assert_cmpuint (burrow_client_get_slots_used (f->b), ==, 1);

  /* lists and small files still go to her (mini-slots) */
  g_ptr_array_add (f->more, connect_to_bob (f->a, f->sa));
  got = fetch_on (g_ptr_array_index (f->more, 1), "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 1000);
  g_clear_pointer (&got, g_bytes_unref);

  /* another user gets a free slot */
  carol = carol_connects (f);
  got = fetch_on (carol, "file", "/Stuff/big.bin", 0, 200000, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 200000);
}

/* bob closed the refused connection: the allowed ones are left */
static gboolean
cap_reached (gpointer data)
{
  return burrow_client_get_n_upload_connections (data) == BURROW_UPLOAD_CONNECTIONS_PER_USER;
}

static gboolean
cap_passed (gpointer data)
{
  return burrow_client_get_n_upload_connections (data) == BURROW_UPLOAD_CONNECTIONS_PER_USER + 1;
}

static gboolean
no_uploads (gpointer data)
{
  return burrow_client_get_n_upload_connections (data) == 0;
}

static void
test_connection_cap (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *extra;

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
      return;
    }

  /* f->peer and three more: all served */
  for (guint i = 1; i < BURROW_UPLOAD_CONNECTIONS_PER_USER; i++)
    {
      g_autoptr(GBytes) got = NULL;
      BurrowPeerConnection *peer = connect_to_bob (f->a, f->sa);

      g_ptr_array_add (f->more, peer);
      got = fetch_on (peer, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (got), ==, 1000);
    }
  g_assert_cmpuint (burrow_client_get_n_upload_connections (f->b), ==,
                    BURROW_UPLOAD_CONNECTIONS_PER_USER);

  /* one more from the same CID: refused with STA 153 and closed */
  extra = connect_to_bob (f->a, f->sa);
  g_ptr_array_add (f->more, extra);
  g_assert_null (fetch_on (extra, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error));
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS);
  g_assert_true (burrow_test_wait_until (cap_reached, f->b, DEADLINE_MS));

  /* one more that asks for nothing: held briefly, then closed all the same */
  g_ptr_array_add (f->more, connect_to_bob (f->a, f->sa));
  g_assert_true (burrow_test_wait_until (cap_passed, f->b, DEADLINE_MS));
  g_assert_true (burrow_test_wait_until (cap_reached, f->b, DEADLINE_MS));

  /* the others still work */
  {
    g_autoptr(GBytes) got = NULL;

    g_clear_error (&error);
    got = fetch (f, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (got), ==, 1000);
  }
}

/* A connection that bob made to an active alice (bob's side is the connecting one) and that
 * idles longer than the connect timeout stays open: the socket client's timeout bounded the
 * connect only, not every later read. It used to fail bob's read with "Socket I/O timed out"
 * after 15 s, closing an idle upload connection (or an idle pooled download connection). */
static gboolean
peer_closed (gpointer data)
{
  return burrow_peer_connection_is_closed (data);
}

static void
test_idle_connection_kept (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;
  BurrowPeerConnection *peer;

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
      return;
    }
  peer = connect_to_bob (f->a, f->sa);
  g_ptr_array_add (f->more, peer);
  /* alice is active: bob connected to her */
  g_assert_cmpint (burrow_peer_connection_get_side (peer), ==, BURROW_PEER_SIDE_ACCEPTING);
  got = fetch_on (peer, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&got, g_bytes_unref);

  /* nothing to read for longer than BURROW_NAT_REQUEST_TIMEOUT_MS */
  g_assert_false (burrow_test_wait_until (peer_closed, peer, BURROW_NAT_REQUEST_TIMEOUT_MS + 3000));
  g_assert_cmpuint (burrow_client_get_n_upload_connections (f->b), ==, 2);
  got = fetch_on (peer, "file", "/Stuff/notes.txt", 0, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 1000);
}

static void
test_list_flood (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GError) error = NULL;

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
      return;
    }

  /* the same partial list again and again: generated once */
  g_assert_cmpuint (burrow_client_get_n_lists_generated (f->b), ==, 0);
  for (guint i = 0; i < BURROW_UPLOAD_LIST_BURST; i++)
    {
      g_autoptr(GBytes) got = fetch (f, "list", "/", 0, -1, i % 2 == 1, &error);

      g_assert_no_error (error);
      if (first == NULL)
        first = g_bytes_ref (got);
      else
        g_assert_true (g_bytes_equal (got, first));
    }
  g_assert_cmpuint (burrow_client_get_n_lists_generated (f->b), ==, 1);

  /* past the burst: refused (STA 153) and the connection closed */
  g_assert_null (fetch (f, "list", "/", 0, -1, FALSE, &error));
  g_assert_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS);
  g_assert_true (burrow_test_wait_until (no_uploads, f->b, DEADLINE_MS));
}


/* the cached partial list follows the share */
static void
test_list_cache_refresh (Fixture       *f,
                         gconstpointer  data)
{
  BurrowFileListLimits limits = burrow_file_list_limits_default ();
  BurrowShare *share;
  g_autofree gchar *added = NULL;
  g_autoptr(GError) error = NULL;

  if (f->uri == NULL)
    {
      g_test_skip ("the hub program is not installed");
      return;
    }
  share = burrow_client_get_share (f->b);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GBytes) xml = fetch (f, "list", "/Stuff/", 0, -1, FALSE, &error);
      g_autoptr(BurrowFileTree) tree = NULL;

      g_assert_no_error (error);
      tree = burrow_file_list_parse (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml), FALSE,
                                     &limits, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 2 + round);   /* not recursive */
      g_assert_cmpuint (burrow_client_get_n_lists_generated (f->b), ==, 1 + round);
      if (round == 0)
        {
          added = burrow_test_write_file (f->shared, "added.txt", 500, 10);
          burrow_share_refresh (share);
          g_assert_true (burrow_test_wait_share (share, 4, DEADLINE_MS));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  static const Options huge = { .huge = TRUE, .active = TRUE };
  static const Options active = { .active = TRUE };
  static const Options nmdc = { .nmdc = TRUE };
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/transfer/uploads/files", Fixture, NULL, set_up, test_files, tear_down);
  /* the same upload service behind NMDC's $ADCGET: files, lists, mini-slots */
  g_test_add ("/burrow/transfer/uploads/nmdc/files", Fixture, &nmdc, set_up, test_files, tear_down);
  g_test_add ("/burrow/transfer/uploads/nmdc/lists", Fixture, &nmdc, set_up, test_lists, tear_down);
  g_test_add ("/burrow/transfer/uploads/nmdc/slots", Fixture, &nmdc, set_up, test_slots, tear_down);
  g_test_add ("/burrow/transfer/uploads/nmdc/refusals", Fixture, &nmdc, set_up, test_refusals,
              tear_down);
  g_test_add ("/burrow/transfer/uploads/lists", Fixture, NULL, set_up, test_lists, tear_down);
  g_test_add ("/burrow/transfer/uploads/refusals", Fixture, NULL, set_up, test_refusals, tear_down);
  g_test_add ("/burrow/transfer/uploads/slots", Fixture, NULL, set_up, test_slots, tear_down);
  g_test_add ("/burrow/transfer/uploads/idle-upload", Fixture, &huge, set_up, test_idle_upload, tear_down);
  g_test_add ("/burrow/transfer/uploads/slots-per-user", Fixture, &huge, set_up, test_slots_per_user, tear_down);
  g_test_add ("/burrow/transfer/uploads/connection-cap", Fixture, &active, set_up, test_connection_cap, tear_down);
  g_test_add ("/burrow/transfer/uploads/idle-connection-kept", Fixture, &active, set_up, test_idle_connection_kept,
              tear_down);
  g_test_add ("/burrow/transfer/uploads/list-cache-refresh", Fixture, NULL, set_up, test_list_cache_refresh,
              tear_down);
  g_test_add ("/burrow/transfer/uploads/list-flood", Fixture, &active, set_up, test_list_flood, tear_down);

  return g_test_run ();
}
