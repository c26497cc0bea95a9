/* test-browse.c — burrow_client_browse_async (): a peer's file list fetched and parsed through a
 * real uhub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (60 * 1000)

typedef struct
{
  gchar            *dir;
  BurrowTestHub    *hub;
  BurrowClient     *a;         /* browses */
  BurrowClient     *b;         /* shares */
  BurrowHubSession *session;   /* a's, borrowed */
  gchar            *track;     /* path of a shared file */
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *shared = NULL;
  g_autofree gchar *music = NULL;
  g_autofree gchar *a_dir = NULL;
  g_autofree gchar *b_dir = NULL;

  f->hub = burrow_test_hub_start (NULL, &error);
  if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("burrow-browse-XXXXXX", NULL);
  shared = g_build_filename (f->dir, "shared", NULL);
  music = g_build_filename (shared, "Music", NULL);
  g_assert_cmpint (g_mkdir_with_parents (music, 0700), ==, 0);
  f->track = burrow_test_write_file (music, "track01.flac", 70001, 8);
  g_free (burrow_test_write_file (shared, "notes.txt", 1000, 9));

  a_dir = g_build_filename (f->dir, "a", NULL);
  b_dir = g_build_filename (f->dir, "b", NULL);
  f->a = burrow_client_new (a_dir, &error);
  g_assert_no_error (error);
  f->b = burrow_client_new (b_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (f->a, "alice");
  burrow_client_set_nick (f->b, "bob");
  g_assert_true (burrow_share_add_root (burrow_client_get_share (f->b), shared, "Stuff", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (burrow_client_get_share (f->b), 2, DEADLINE_MS));

  f->session = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_test_wait_nick (f->session, "bob", DEADLINE_MS));
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  if (f->hub == NULL)
    return;
  burrow_client_disconnect_all (f->a);
  burrow_client_disconnect_all (f->b);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->track);
}

/* a's list of bob's files */
static BurrowFileTree *
browse (Fixture       *f,
        GCancellable  *cancellable,
        GError       **error)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  BurrowUser *bob = burrow_hub_session_lookup_nick (f->session, "bob");

  g_assert_nonnull (bob);
  burrow_client_browse_async (f->a, f->session, bob, cancellable, burrow_test_result_cb, &r);
  g_assert_false (burrow_test_result_done (&r));   /* never completes before returning */
  return burrow_client_browse_finish (f->a, burrow_test_result_wait (&r, DEADLINE_MS), NULL,
                                      error);
}

static void
test_browse (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;
  g_autofree gchar *contents = NULL;
  BurrowFileNode *track;
  BurrowFileNode *notes;
  guint8 root[24];
  gsize len = 0;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  tree = browse (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tree);
  g_assert_true (burrow_file_tree_is_finished (tree));
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 2);
  g_assert_cmpuint (burrow_file_tree_get_n_directories (tree), ==, 2);  /* Stuff, Music */
  g_assert_cmpuint (burrow_file_tree_get_total_size (tree), ==, 70001 + 1000);

  /* The file, with its size and the TTH of its bytes (computed here independently). */
  track = burrow_file_tree_lookup (tree, "/Stuff/Music/track01.flac");
  g_assert_nonnull (track);
  g_assert_false (track->is_dir);
  g_assert_cmpuint (track->size, ==, 70001);
  g_assert_true (track->has_tth);
  g_assert_true (g_file_get_contents (f->track, &contents, &len, NULL));
  burrow_tth_buffer (contents, len, root);
  g_assert_cmpmem (track->tth, 24, root, 24);
  notes = burrow_file_tree_lookup (tree, "/Stuff/notes.txt");
  g_assert_nonnull (notes);
  g_assert_cmpuint (notes->size, ==, 1000);

  burrow_file_tree_unref (tree);
}

static gboolean
item_done (gpointer data)
{
  return burrow_queue_item_get_state (data) == BURROW_QUEUE_STATE_DONE;
}

/* Browse, download a file of the list, browse again at once: between two passive users every
 * connection is made by NAT traversal from the same two hub ports, so the second and third
 * requests must go over the connection the first left open (a new one could not be made). */
static void
test_browse_download_browse (Fixture       *f,
                             gconstpointer  data)
{
  BurrowFileTree *first;
  BurrowFileTree *again;
  GListModel *attempts = burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a));
  BurrowUser *bob;
  BurrowFileNode *track;
  g_autofree gchar *tth = NULL;
  g_autofree gchar *target = NULL;
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;
  guint n_attempts;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  first = browse (f, NULL, &error);
  g_assert_no_error (error);
  n_attempts = g_list_model_get_n_items (attempts);
  g_assert_cmpuint (n_attempts, >=, 1);

  bob = burrow_hub_session_lookup_nick (f->session, "bob");
  track = burrow_file_tree_lookup (first, "/Stuff/Music/track01.flac");
  g_assert_nonnull (track);
  tth = burrow_base32_encode (track->tth, 24);
  target = g_build_filename (f->dir, "downloads", NULL);
  item = burrow_download_queue_add_file (burrow_client_get_download_queue (f->a), tth, track->size,
                                         track->name, target, burrow_user_get_cid (bob),
                                         burrow_hub_session_get_uri (f->session), "bob", &error);
  g_assert_no_error (error);
  burrow_transfer_manager_kick (burrow_client_get_transfer_manager (f->a));
  g_assert_true (burrow_test_wait_until (item_done, item, DEADLINE_MS));

  again = browse (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_file_tree_get_n_files (again), ==, 2);
  /* no new connection was needed for the download or the second list */
  g_assert_cmpuint (g_list_model_get_n_items (attempts), ==, n_attempts);

  burrow_file_tree_unref (first);
  burrow_file_tree_unref (again);
}

/* A list asked for while a download from the same user runs. Between two passive users the
 * download's connection is the only one possible: the list borrows it between two of the
 * download's requests (here, right after the Tiger tree), and the download goes on after. */
typedef struct
{
  Fixture         *f;
  BurrowQueueItem *item;
  GPtrArray       *watched;      /* BurrowTransfer: notify::state connected */
  BurrowTestResult result;
  gboolean         asked;
  BurrowQueueState item_state;   /* when the list was asked for */
} DuringDownload;

static void
on_download_state (BurrowTransfer *transfer,
                   GParamSpec     *pspec,
                   gpointer        data)
{
  DuringDownload *dd = data;
  BurrowUser *bob;

  /* the tthl request was just sent: the download is certainly not done */
  if (dd->asked || burrow_transfer_get_state (transfer) != BURROW_TRANSFER_STATE_TREE)
    return;
  dd->asked = TRUE;
  dd->item_state = burrow_queue_item_get_state (dd->item);
  bob = burrow_hub_session_lookup_nick (dd->f->session, "bob");
  g_assert_nonnull (bob);
  burrow_client_browse_async (dd->f->a, dd->f->session, bob, NULL, burrow_test_result_cb,
                              &dd->result);
}

static void
on_transfers_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    data)
{
  DuringDownload *dd = data;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowTransfer) t = g_list_model_get_item (model, i);

      if (burrow_transfer_get_direction (t) != BURROW_TRANSFER_DIRECTION_DOWNLOAD)
        continue;
      g_signal_connect (t, "notify::state", G_CALLBACK (on_download_state), dd);
      g_ptr_array_add (dd->watched, g_object_ref (t));
    }
}

static void
test_browse_during_download (Fixture       *f,
                             gconstpointer  data)
{
  GListModel *attempts = burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a));
  GListModel *transfers = burrow_transfer_manager_get_transfers (burrow_client_get_transfer_manager (f->a));
  DuringDownload dd = { f, NULL, NULL, BURROW_TEST_RESULT_INIT, FALSE, 0 };
  g_autofree gchar *contents = NULL;
  g_autofree gchar *got = NULL;
  g_autofree gchar *tth = NULL;
  g_autofree gchar *target = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;
  BurrowUser *bob;
  guint8 root[24];
  gsize len = 0, got_len = 0;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  bob = burrow_hub_session_lookup_nick (f->session, "bob");
  g_assert_true (g_file_get_contents (f->track, &contents, &len, NULL));
  g_assert_cmpuint (len, >, BURROW_DOWNLOAD_TREE_MIN_SIZE);   /* its leaves are fetched */
  burrow_tth_buffer (contents, len, root);
  tth = burrow_base32_encode (root, 24);
  target = g_build_filename (f->dir, "downloads", NULL);

  dd.watched = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (transfers, "items-changed", G_CALLBACK (on_transfers_changed), &dd);
  dd.item = burrow_download_queue_add_file (burrow_client_get_download_queue (f->a), tth, len,
                                            "track01.flac", target, burrow_user_get_cid (bob),
                                            burrow_hub_session_get_uri (f->session), "bob", &error);
  g_assert_no_error (error);
  burrow_transfer_manager_kick (burrow_client_get_transfer_manager (f->a));

  tree = burrow_client_browse_finish (f->a, burrow_test_result_wait (&dd.result, DEADLINE_MS),
                                      NULL, &error);
  g_assert_true (dd.asked);
  g_assert_cmpint (dd.item_state, ==, BURROW_QUEUE_STATE_RUNNING);
  g_assert_no_error (error);
  g_assert_nonnull (tree);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 2);

  /* the download finished after it got its connection back, and no other was made */
  g_assert_true (burrow_test_wait_until (item_done, dd.item, DEADLINE_MS));
  g_assert_true (g_file_get_contents (burrow_queue_item_get_final_path (dd.item), &got, &got_len,
                                      NULL));
  g_assert_cmpmem (got, got_len, contents, len);
  g_assert_cmpuint (g_list_model_get_n_items (attempts), ==, 1);

  g_signal_handlers_disconnect_by_data (transfers, &dd);
  for (guint i = 0; i < dd.watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (dd.watched, i), &dd);
  g_ptr_array_unref (dd.watched);
  g_clear_object (&dd.item);
  burrow_test_result_clear (&dd.result);
  burrow_file_tree_unref (tree);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  g_cancellable_cancel (cancellable);
  g_assert_null (browse (f, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* bob serves a list that is not a file list: an error, not a tree. */
static void
test_bad_list (Fixture       *f,
               gconstpointer  data)
{
  static const char not_a_list[] = "<?xml version=\"1.0\"?>\n<Nope/>\n";
  g_autoptr(GBytes) plain = g_bytes_new_static (not_a_list, strlen (not_a_list));
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GError) error = NULL;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  compressed = burrow_file_list_compress (plain, &error);
  g_assert_no_error (error);
  burrow_client_set_file_list_bytes (f->b, compressed);

  g_assert_null (browse (f, NULL, &error));
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/client/browse/browse", Fixture, NULL, set_up, test_browse, tear_down);
  g_test_add ("/burrow/client/browse/browse-download-browse", Fixture, NULL, set_up,
              test_browse_download_browse, tear_down);
  g_test_add ("/burrow/client/browse/browse-during-download", Fixture, NULL, set_up,
              test_browse_during_download, tear_down);
  g_test_add ("/burrow/client/browse/browse-cancelled", Fixture, NULL, set_up, test_cancelled,
              tear_down);
  g_test_add ("/burrow/client/browse/browse-bad-list", Fixture, NULL, set_up, test_bad_list,
              tear_down);

  return g_test_run ();
}
