/* test-transfers.c — the Transfers page and the download notifications, with a real download
 * from a second in-process client through a local uhub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-transfers"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-notifier.h"
#include "burrow-test-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-transfers-page.h"

#include "burrow-window.h"

#define WAIT_MS      20000
#define FILE_NAME    "holiday-video.bin"
#define FILE_SIZE    (3 * 1024 * 1024 + 17)

/* One application per process; the cases share the hub and bob (the second client). */
static BurrowApplication *app;
static BurrowTestHub *hub;
static BurrowClient *bob;
static BurrowHubSession *session;       /* the app's, borrowed from its client */
static char *data_dir;
static char *shared_dir;
static char *download_dir;
static GSubprocess *notify_daemon;
static char *notify_log;

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static BurrowTransfersPage *
get_page (void)
{
  BurrowWindow *window = get_window ();
  BurrowTransfersPage *page = burrow_window_get_transfers_page (window);

  g_assert_true (burrow_window_set_page (window, "transfers"));
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));
  return page;
}

static BurrowClient *
my_client (void)
{
  return burrow_application_get_client (app);
}

static BurrowDownloadQueue *
my_queue (void)
{
  return burrow_client_get_download_queue (my_client ());
}

static gboolean
list_has (GListModel *model,
          gpointer    item)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) other = g_list_model_get_item (model, i);

      if (other == item)
        return TRUE;
    }
  return FALSE;
}

/* ---------------------------------------------------------------------------------------------- */
/* Notification daemon (python3-dbusmock)                                                         */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
start_notification_daemon (void)
{
  if (notify_daemon == NULL)
    {
      g_free (notify_log);
      notify_log = g_build_filename (data_dir, "notifications.log", NULL);
      notify_daemon = burrow_test_ui_start_notification_daemon (notify_log, WAIT_MS);
    }
  return notify_daemon != NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Setup: the app's client and bob on one hub                                                     */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
share_ready (gpointer data)
{
  BurrowShare *share = data;

  return !burrow_share_get_busy (share) && burrow_share_get_n_files (share) == 1;
}

static gboolean
sees_bob (gpointer data)
{
  return burrow_hub_session_lookup_nick (data, "bob") != NULL;
}

static void
start_bob (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bob_dir = g_build_filename (data_dir, "bob", NULL);
  g_autofree char *path = NULL;

  shared_dir = g_build_filename (data_dir, "shared", NULL);
  g_assert_cmpint (g_mkdir_with_parents (shared_dir, 0700), ==, 0);
  path = burrow_test_write_file (shared_dir, FILE_NAME, FILE_SIZE, 42);
  download_dir = g_build_filename (data_dir, "downloads", NULL);
  g_assert_cmpint (g_mkdir_with_parents (download_dir, 0700), ==, 0);

  bob = burrow_client_new (bob_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (bob, "bob");
  g_assert_true (burrow_share_add_root (burrow_client_get_share (bob), shared_dir, "Stuff",
                                        &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (share_ready, burrow_client_get_share (bob), WAIT_MS));

  burrow_client_set_nick (my_client (), "alice");
  burrow_client_set_download_dir (my_client (), download_dir);
  session = burrow_test_join_hub (my_client (), burrow_test_hub_get_uri (hub));
  burrow_test_join_hub (bob, burrow_test_hub_get_uri (hub));
  g_assert_true (burrow_test_wait_until (sees_bob, session, WAIT_MS));
}

static char *
file_tth (void)
{
  g_autofree char *path = g_build_filename (shared_dir, FILE_NAME, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  guint8 root[24];

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, FILE_SIZE);
  burrow_tth_buffer (contents, len, root);
  return burrow_tth_to_base32 (root);
}

/* ---------------------------------------------------------------------------------------------- */
/* Cases                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void
test_format (void)
{
  g_autofree char *speed = burrow_transfers_format_speed (1500000);
  g_autofree char *eta_short = burrow_transfers_format_eta (125);
  g_autofree char *eta_long = burrow_transfers_format_eta (3 * 3600 + 5);
  g_autofree char *eta_unknown = burrow_transfers_format_eta (-1);
  g_autofree char *expected_speed = NULL;
  g_autofree char *size = g_format_size (1500000);

  /* Translators' "%s/s" in both runs; the size part comes from GLib. */
  expected_speed = g_strdup_printf (_("%s/s"), size);
  g_assert_cmpstr (speed, ==, expected_speed);
  g_assert_true (g_str_has_suffix (speed, "/s"));
  g_assert_cmpstr (eta_short, ==, "2:05");
  g_assert_cmpstr (eta_long, ==, "3:00:05");
  g_assert_cmpstr (eta_unknown, ==, "—");

  if (burrow_test_ui_expect_german ())
    {
      g_assert_cmpstr (burrow_transfers_format_method (BURROW_PUNCH_METHOD_NAT_TRAVERSAL), !=,
                       "NAT traversal");
      g_assert_cmpstr (burrow_transfers_format_queue_state (BURROW_QUEUE_STATE_PAUSED), !=,
                       "Paused");
    }
  else
    {
      g_assert_cmpstr (burrow_transfers_format_method (BURROW_PUNCH_METHOD_DIRECT), ==, "Direct");
      g_assert_cmpstr (burrow_transfers_format_method (BURROW_PUNCH_METHOD_REVERSE), ==,
                       "Reverse");
      g_assert_cmpstr (burrow_transfers_format_method (BURROW_PUNCH_METHOD_NAT_TRAVERSAL), ==,
                       "NAT traversal");
      g_assert_cmpstr (burrow_transfers_format_queue_state (BURROW_QUEUE_STATE_DONE), ==, "Done");
    }
}

static gboolean
item_in_queue_list (gpointer data)
{
  return list_has (burrow_transfers_page_get_queue (get_page ()), data);
}

/* A download without sources stays in the queue: pause, resume and remove it from the page. */
static void
test_queue_actions (void)
{
  BurrowTransfersPage *page = get_page ();
  g_autofree char *magnet = NULL;
  g_autofree char *text = NULL;
  BurrowQueueItem *item;
  const char *tth = "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ";

  magnet = burrow_magnet_build (tth, 123456, "nobody-has-this.iso");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "app.download", "s", magnet));
  item = burrow_download_queue_lookup_tth (my_queue (), tth);
  g_assert_nonnull (item);
  g_assert_true (burrow_test_wait_until (item_in_queue_list, item, WAIT_MS));
  g_assert_false (list_has (burrow_transfers_page_get_finished (page), item));

  g_assert_true (burrow_transfers_page_select (page, item));
  g_assert_true (burrow_transfers_page_get_selected (page) == item);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "transfers.pause", NULL));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_PAUSED);
  text = burrow_transfers_page_dup_queue_text (page, item);
  g_assert_nonnull (strstr (text, burrow_transfers_format_queue_state (BURROW_QUEUE_STATE_PAUSED)));
  g_assert_nonnull (strstr (text, "nobody-has-this.iso"));
  if (burrow_test_ui_expect_german ())
    g_assert_null (strstr (text, "Paused"));
  g_clear_pointer (&text, g_free);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "transfers.resume", NULL));
  /* Queued again (the manager may already have picked it up: it has no source, so it stays). */
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_QUEUED);
  text = burrow_transfers_page_dup_queue_text (page, item);
  g_assert_nonnull (strstr (text, burrow_transfers_format_queue_state (BURROW_QUEUE_STATE_QUEUED)));
  g_clear_pointer (&text, g_free);

  /* Removing takes it off the list (and out of the queue). */
  g_object_ref (item);
  g_assert_true (burrow_transfers_page_select (page, item));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "transfers.remove", NULL));
  g_assert_false (list_has (burrow_transfers_page_get_queue (page), item));
  g_assert_null (burrow_download_queue_lookup_tth (my_queue (), tth));
  g_object_unref (item);
}

typedef struct
{
  BurrowTransfersPage *page;
  BurrowTransfer      *transfer;     /* the download, once seen */
  char                *running_text; /* its row text while running */
} TransferWatch;

static void
on_transfer_notify_cb (BurrowTransfer *transfer,
                       GParamSpec     *pspec,
                       TransferWatch  *watch)
{
  BurrowTransferState state = burrow_transfer_get_state (transfer);

  if (watch->running_text == NULL &&
      (state == BURROW_TRANSFER_STATE_RUNNING || state == BURROW_TRANSFER_STATE_FINISHED ||
       state == BURROW_TRANSFER_STATE_CHECKING || state == BURROW_TRANSFER_STATE_TREE))
    watch->running_text = burrow_transfers_page_dup_transfer_text (watch->page, transfer);
}

static void
on_transfers_changed_cb (GListModel    *model,
                         guint          position,
                         guint          removed,
                         guint          added,
                         TransferWatch *watch)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowTransfer) transfer = g_list_model_get_item (model, i);

      if (burrow_transfer_get_direction (transfer) != BURROW_TRANSFER_DIRECTION_DOWNLOAD ||
          watch->transfer != NULL)
        continue;
      watch->transfer = g_object_ref (transfer);
      g_signal_connect (transfer, "notify", G_CALLBACK (on_transfer_notify_cb), watch);
    }
}

static gboolean
item_done (gpointer data)
{
  BurrowQueueState state = burrow_queue_item_get_state (data);

  return state == BURROW_QUEUE_STATE_DONE || state == BURROW_QUEUE_STATE_FAILED;
}

static void
test_download (void)
{
  BurrowTransfersPage *page = get_page ();
  TransferWatch watch = { page, NULL, NULL };
  g_autofree char *tth = file_tth ();
  g_autofree char *magnet = NULL;
  g_autofree char *screenshot = NULL;
  g_autofree char *downloaded = NULL;
  g_autofree char *original = NULL;
  g_autofree char *original_path = NULL;
  g_autofree char *folder_uri = NULL;
  g_autofree char *expected_uri = NULL;
  g_autofree char *waiting_magnet = NULL;
  g_autoptr(GError) error = NULL;
  gsize downloaded_len = 0;
  gsize original_len = 0;
  const char *finished;
  BurrowQueueItem *waiting;
  BurrowQueueItem *item;
  gboolean have_daemon;
  gulong id;

  have_daemon = start_notification_daemon ();
  if (!have_daemon)
    g_test_message ("no session bus or python3-dbusmock: the notification is not checked");

  id = g_signal_connect (burrow_transfers_page_get_transfers (page), "items-changed",
                         G_CALLBACK (on_transfers_changed_cb), &watch);

  /* The same path as the search page: app.download with the magnet; then bob as source. */
  magnet = burrow_magnet_build (tth, FILE_SIZE, FILE_NAME);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "app.download", "s", magnet));
  item = burrow_download_queue_lookup_tth (my_queue (), tth);
  g_assert_nonnull (item);
  g_assert_true (burrow_download_queue_add_source (my_queue (), item,
                                                   burrow_identity_get_cid (
                                                     burrow_client_get_identity (bob)),
                                                   burrow_hub_session_get_uri (session), "bob",
                                                   &error));
  g_assert_no_error (error);
  burrow_transfer_manager_kick (burrow_client_get_transfer_manager (my_client ()));

  g_assert_true (burrow_test_wait_until (item_done, item, 60000));
  g_assert_cmpstr (burrow_queue_item_get_error (item), ==, NULL);
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_DONE);
  g_signal_handler_disconnect (burrow_transfers_page_get_transfers (page), id);

  /* The transfer row: bob, the file, and how the connection was made. */
  g_assert_nonnull (watch.transfer);
  g_signal_handlers_disconnect_by_data (watch.transfer, &watch);
  g_assert_nonnull (watch.running_text);
  g_test_message ("transfer row: %s", watch.running_text);
  g_assert_nonnull (strstr (watch.running_text, " | bob | "));
  g_assert_nonnull (strstr (watch.running_text, FILE_NAME));
  g_assert_nonnull (strstr (watch.running_text,
                            burrow_transfers_format_method (
                              burrow_transfer_get_method (watch.transfer))));
  g_assert_cmpint (burrow_transfer_get_method (watch.transfer), !=, BURROW_PUNCH_METHOD_INCOMING);

  /* Done: out of the queue list, in the finished list, with the right bytes on disk. */
  g_assert_false (list_has (burrow_transfers_page_get_queue (page), item));
  g_assert_true (list_has (burrow_transfers_page_get_finished (page), item));
  g_assert_nonnull (burrow_queue_item_get_final_path (item));
  g_assert_true (g_file_get_contents (burrow_queue_item_get_final_path (item), &downloaded,
                                      &downloaded_len, NULL));
  original_path = g_build_filename (shared_dir, FILE_NAME, NULL);
  g_assert_true (g_file_get_contents (original_path, &original, &original_len, NULL));
  g_assert_cmpuint (downloaded_len, ==, original_len);
  g_assert_true (memcmp (downloaded, original, original_len) == 0);
  folder_uri = burrow_transfers_dup_folder_uri (item);
  expected_uri = g_filename_to_uri (download_dir, NULL, NULL);
  g_assert_cmpstr (folder_uri, ==, expected_uri);

  /* The finished list shows it, with an Open Folder button. */
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), FILE_NAME));
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), download_dir));

  /* The desktop was told, with the file name as the body (translated summary in German). */
  if (have_daemon)
    {
      finished = _("Download finished");
      if (burrow_test_ui_expect_german ())
        g_assert_cmpstr (finished, !=, "Download finished");
      g_assert_true (burrow_test_ui_wait_log (notify_log, finished, FILE_NAME, WAIT_MS));
    }

  /* For the screenshot: a waiting download too, with a changed priority and paused. */
  waiting_magnet = burrow_magnet_build ("QBMHXPBKB7FYQYQIWUYZXUM4OEFWIJ7MKFTBGQQ", 734003200,
                                        "distro-25.10-amd64.iso");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "app.download", "s",
                                             waiting_magnet));
  waiting = burrow_download_queue_lookup_tth (my_queue (),
                                              "QBMHXPBKB7FYQYQIWUYZXUM4OEFWIJ7MKFTBGQQ");
  g_assert_nonnull (waiting);
  g_assert_true (burrow_download_queue_set_priority (my_queue (), waiting,
                                                     BURROW_QUEUE_PRIORITY_HIGH, NULL));
  g_assert_true (burrow_transfers_page_select (page, waiting));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "transfers.pause", NULL));
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), "distro-25.10-amd64.iso"));

  screenshot = g_strdup_printf ("screenshot-transfers-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (get_window ()), screenshot);
  g_assert_true (burrow_download_queue_remove (my_queue (), waiting, TRUE, NULL));

  g_clear_object (&watch.transfer);
  g_free (watch.running_text);
}

/* With notifications off, a failed download is not notified. */
static void
test_notifications_setting (void)
{
  BurrowNotifier *notifier = burrow_application_get_notifier (app);
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowQueueItem) item = NULL;
  guint sent;

  if (!start_notification_daemon ())
    {
      g_test_skip ("no session bus or python3-dbusmock");
      return;
    }
  item = burrow_download_queue_add_file (my_queue (), "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA", 10,
                                         "broken.bin", download_dir, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);

  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "notifications", FALSE);
  sent = burrow_notifier_get_n_sent (notifier);
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Disk full");
  g_signal_emit_by_name (burrow_client_get_transfer_manager (my_client ()), "download-failed",
                         item, error);
  g_assert_cmpuint (burrow_notifier_get_n_sent (notifier), ==, sent);

  g_settings_set_boolean (settings, "notifications", TRUE);
  g_signal_emit_by_name (burrow_client_get_transfer_manager (my_client ()), "download-failed",
                         item, error);
  g_assert_cmpuint (burrow_notifier_get_n_sent (notifier), ==, sent + 1);
  g_assert_true (burrow_test_ui_wait_log (notify_log, _("Download failed"), "Disk full", WAIT_MS));
  g_assert_true (burrow_download_queue_remove (my_queue (), item, TRUE, NULL));
}

static void
test_empty_page (void)
{
  BurrowTransfersPage *page = get_page ();

  g_assert_true (burrow_transfers_page_get_client (page) == my_client ());
  g_assert_cmpuint (g_list_model_get_n_items (burrow_transfers_page_get_transfers (page)), ==, 0);
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page),
                                               _("No downloads or uploads are running.")));
  g_assert_null (burrow_transfers_page_get_selected (page));
}

/* ---------------------------------------------------------------------------------------------- */

static void
before_tests (GApplication *application)
{
  gtk_window_set_default_size (GTK_WINDOW (get_window ()), 1280, 760);
  start_bob ();
}

static void
after_tests (GApplication *application)
{
  if (bob != NULL)
    {
      burrow_client_disconnect_all (bob);
      g_clear_object (&bob);
    }
}

int
main (int   argc,
      char *argv[])
{
  int test_status;

  if (!burrow_test_ui_init (&argc, &argv))
    return 0;

  hub = burrow_test_ui_start_hub ();
  if (hub == NULL)
    return 0;

  data_dir = burrow_test_ui_make_data_dir ("burrow-test-transfers-XXXXXX");

  g_test_add_func ("/burrow/ui/transfers/format", test_format);
  g_test_add_func ("/burrow/ui/transfers/empty", test_empty_page);
  g_test_add_func ("/burrow/ui/transfers/queue-actions", test_queue_actions);
  g_test_add_func ("/burrow/ui/transfers/download", test_download);
  g_test_add_func ("/burrow/ui/transfers/notifications-setting", test_notifications_setting);

  app = burrow_application_new ();
  test_status = burrow_test_ui_run_app (G_APPLICATION (app), before_tests, after_tests);

  burrow_test_ui_stop_notification_daemon (g_steal_pointer (&notify_daemon));
  burrow_test_hub_free (hub);
  burrow_test_remove_tree (data_dir);
  g_free (notify_log);
  g_free (shared_dir);
  g_free (download_dir);
  g_free (data_dir);

  return test_status;
}
