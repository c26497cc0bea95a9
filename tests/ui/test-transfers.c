/* test-transfers.c — the Transfers page and the download notifications, with a real download
 * from a second in-process client through a local uhub; "Open Folder" from the page and from the
 * notification reaches the default folder handler (a test desktop file). Built a second time as
 * test-transfers-portal.c (BURROW_TEST_TRANSFERS_PORTAL), where libnotify has to use the
 * notification portal, as inside Flatpak.
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "test-transfers"
#endif

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include <gtk/gtk.h>
#include <libnotify/notify.h>

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
static GSubprocess *notify_daemon;    /* org.freedesktop.Notifications */
static char *daemon_log;
static GSubprocess *notify_portal;    /* org.freedesktop.portal.Notification, in portal mode */
static char *portal_log;
static char *notify_log;              /* where the notifications show up: one of the two logs */
static char *open_log;                /* the URIs the test folder handler was started with */
static gboolean portal_mode;          /* libnotify forced onto the portal */
static BurrowQueueItem *finished_item;   /* the finished download, for the Open Folder cases */
static char *finished_uri;               /* its folder's URI */

#define NOTIFICATIONS_NAME   "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH   "/org/freedesktop/Notifications"
#define PORTAL_NAME          "org.freedesktop.portal.Desktop"
#define PORTAL_PATH          "/org/freedesktop/portal/desktop"
#define PORTAL_IFACE         "org.freedesktop.portal.Notification"

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
on_poll_tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* The notification daemon, and in portal mode the portal too: libnotify must pick the portal
 * although a daemon is there. */
static gboolean
start_notification_daemon (void)
{
  if (notify_daemon == NULL)
    {
      /* The helper waits for the bus name in the main context: keep that one awake. */
      guint tick = g_timeout_add (25, on_poll_tick_cb, NULL);

      g_free (daemon_log);
      daemon_log = g_build_filename (data_dir, "notifications.log", NULL);
      notify_daemon = burrow_test_ui_start_notification_daemon (daemon_log, WAIT_MS);
      g_source_remove (tick);
    }
  if (portal_mode && notify_daemon != NULL && notify_portal == NULL)
    {
      g_free (portal_log);
      portal_log = g_build_filename (data_dir, "portal.log", NULL);
      notify_portal = burrow_test_ui_start_notification_portal (portal_log, WAIT_MS);
    }
  notify_log = portal_mode ? portal_log : daemon_log;
  return notify_daemon != NULL && (!portal_mode || notify_portal != NULL);
}

/* libnotify connects on first use and keeps that connection until notify_uninit (). Made here,
 * before any notification: it must pick the portal, and it warns (once) that it is confined,
 * which is expected in this run, not a failure. */
static void
connect_libnotify_to_portal (void)
{
  g_autofree char *name = NULL;
  GLogLevelFlags fatal;
  gboolean ok;

  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  ok = notify_get_server_info (&name, NULL, NULL, NULL);
  g_log_set_always_fatal (fatal);
  g_assert_true (ok);
  g_assert_cmpstr (name, ==, "Portal Notification");
}

/* In portal mode: nothing was asked of org.freedesktop.Notifications (the mock logs every
 * method call, GetServerInformation and Notify included). */
static void
assert_daemon_untouched (void)
{
  g_autofree char *log = NULL;

  if (!portal_mode)
    return;
  g_assert_true (g_file_get_contents (daemon_log, &log, NULL, NULL));
  g_assert_cmpstr (log, ==, "");
}

/* The first line of @path that contains every string of @needles (NULL-terminated), or NULL. */
static char *
dup_log_line (const char         *path,
              const char * const *needles)
{
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &log, NULL, NULL))
    return NULL;
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gboolean all = TRUE;

      for (guint j = 0; needles[j] != NULL && all; j++)
        all = strstr (lines[i], needles[j]) != NULL;
      if (all)
        return g_strdup (lines[i]);
    }
  return NULL;
}

typedef struct
{
  const char         *path;
  const char * const *needles;
  char               *line;
} LineWait;

static gboolean
line_found (gpointer data)
{
  LineWait *wait = data;

  g_free (wait->line);
  wait->line = dup_log_line (wait->path, wait->needles);
  return wait->line != NULL;
}

/* Waits until a line of @path contains all of @needles; returns it (asserts it comes). */
static char *
wait_log_line (const char         *path,
               const char * const *needles)
{
  LineWait wait = { path, needles, NULL };
  guint tick = g_timeout_add (25, on_poll_tick_cb, NULL);

  if (!burrow_test_wait_until (line_found, &wait, WAIT_MS))
    {
      g_autofree char *log = NULL;

      g_file_get_contents (path, &log, NULL, NULL);
      g_test_message ("%s holds:\n%s", path, log != NULL ? log : "(nothing)");
      for (guint j = 0; needles[j] != NULL; j++)
        g_test_message ("looked for: %s", needles[j]);
    }
  g_source_remove (tick);
  g_assert_nonnull (wait.line);
  return wait.line;
}

/* The daemon's log line of the "Download finished" notification, with its Open Folder action. */
static char *
wait_finished_notify (void)
{
  g_autofree char *header = g_strdup_printf ("\"%s\" \"%s\"", _("Download finished"), FILE_NAME);
  g_autofree char *action = g_strdup_printf ("[\"open-folder\", \"%s\"]", _("Open Folder"));
  const char *needles[] = { " Notify ", header, action, NULL };

  return wait_log_line (daemon_log, needles);
}

/* The portal's log line of the "Download finished" notification, with its Open Folder button. */
static char *
wait_finished_portal (void)
{
  g_autofree char *title = g_strdup_printf ("\"title\": \"%s\"", _("Download finished"));
  g_autofree char *body = g_strdup_printf ("\"body\": \"%s\"", FILE_NAME);
  g_autofree char *button = NULL;
  const char *needles[] = { " AddNotification \"", title, body, NULL, NULL };

  button = g_strdup_printf ("\"buttons\": [{\"action\": \"open-folder\", \"label\": \"%s\"}]",
                            _("Open Folder"));
  needles[3] = button;
  return wait_log_line (portal_log, needles);
}

/* The id the notification_daemon template gave the "Download finished" notification: it numbers
 * the calls to Notify from 1 on, except that a call with a replaces_id keeps that id. */
static guint32
finished_notify_id (void)
{
  g_autofree char *line = wait_finished_notify ();
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GRegex) regex = NULL;
  guint32 next_id = 1;

  regex = g_regex_new ("^\\S+ Notify \"[^\"]*\" ([0-9]+) ", 0, 0, NULL);
  g_assert_nonnull (regex);
  g_assert_true (g_file_get_contents (daemon_log, &log, NULL, NULL));
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *replaces = NULL;
      guint32 id;

      if (!g_regex_match (regex, lines[i], 0, &match))
        continue;
      replaces = g_match_info_fetch (match, 1);
      id = (guint32) g_ascii_strtoull (replaces, NULL, 10);
      if (id == 0)
        id = next_id++;
      if (g_strcmp0 (lines[i], line) == 0)
        return id;
    }
  g_assert_not_reached ();
  return 0;
}

/* The id libnotify gave the portal for the "Download finished" notification (AddNotification's
 * first argument). */
static char *
finished_portal_id (void)
{
  g_autofree char *line = wait_finished_portal ();
  const char *start = strstr (line, " AddNotification \"");
  const char *end;

  g_assert_nonnull (start);
  start += strlen (" AddNotification \"");
  end = strchr (start, '"');
  g_assert_nonnull (end);
  g_assert_cmpint (end - start, >, 0);
  return g_strndup (start, end - start);
}

/* ---------------------------------------------------------------------------------------------- */
/* Setup: the app's client and bob on one hub                                                     */
/* ---------------------------------------------------------------------------------------------- */

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
  g_assert_true (burrow_test_wait_share (burrow_client_get_share (bob), 1, WAIT_MS));

  burrow_client_set_nick (my_client (), "alice");
  burrow_client_set_download_dir (my_client (), download_dir);
  session = burrow_test_join_hub (my_client (), burrow_test_hub_get_uri (hub));
  burrow_test_join_hub (bob, burrow_test_hub_get_uri (hub));
  g_assert_true (burrow_test_wait_nick (session, "bob", WAIT_MS));
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
  g_assert_cmpstr (burrow_queue_item_get_error_message (item), ==, NULL);
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

  /* The desktop was told, with the file name as the body (translated summary in German) and
   * an Open Folder action; in portal mode through the portal only. */
  if (have_daemon)
    {
      g_autofree char *line = NULL;

      finished = _("Download finished");
      if (burrow_test_ui_expect_german ())
        {
          g_assert_cmpstr (finished, !=, "Download finished");
          g_assert_cmpstr (_("Open Folder"), !=, "Open Folder");
        }
      g_assert_true (burrow_test_ui_wait_log (notify_log, finished, FILE_NAME, WAIT_MS));
      line = portal_mode ? wait_finished_portal () : wait_finished_notify ();
      g_test_message ("notification: %s", line);
      assert_daemon_untouched ();
    }
  g_set_object (&finished_item, item);
  g_free (finished_uri);
  finished_uri = g_strdup (expected_uri);

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
  assert_daemon_untouched ();
  g_assert_true (burrow_download_queue_remove (my_queue (), item, TRUE, NULL));
}

typedef struct
{
  const char *label;
  GPtrArray  *found;
} ButtonSearch;

/* Collects every mapped button labelled search->label (returns FALSE to visit the whole tree). */
static gboolean
collect_button (GtkWidget     *widget,
                gconstpointer  data)
{
  const ButtonSearch *search = data;

  if (GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), search->label) == 0)
    g_ptr_array_add (search->found, widget);
  return FALSE;
}

/* The finished download's Open Folder button, activated as a click would: the default folder
 * handler is started with the folder's URI. */
static void
test_open_folder_button (void)
{
  BurrowTransfersPage *page = get_page ();
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  ButtonSearch search = { _("Open Folder"), buttons };
  g_autoptr(GAppInfo) handler = g_app_info_get_default_for_type ("inode/directory", FALSE);
  guint opened;

  /* GIO sees the test's folder handler (XDG_DATA_HOME, XDG_CONFIG_HOME set before it looked). */
  g_assert_nonnull (handler);
  g_assert_cmpstr (g_app_info_get_id (handler), ==, "burrow-test-open-folder.desktop");
  g_assert_nonnull (finished_item);
  g_assert_nonnull (finished_uri);
  /* The one finished item has the one button. */
  g_assert_cmpuint (g_list_model_get_n_items (burrow_transfers_page_get_finished (page)), ==, 1);
  g_assert_true (list_has (burrow_transfers_page_get_finished (page), finished_item));
  burrow_test_ui_find (GTK_WIDGET (page), collect_button, &search);
  g_assert_cmpuint (buttons->len, ==, 1);

  opened = burrow_test_ui_count_log_lines (open_log, finished_uri);
  g_assert_true (gtk_widget_activate (g_ptr_array_index (buttons, 0)));
  g_assert_true (burrow_test_ui_wait_log_lines (open_log, finished_uri, opened + 1, WAIT_MS));
}

/* The notification server reports a click on the notification's Open Folder button: the folder
 * handler is started with the folder's URI. */
static void
test_open_folder_notification (void)
{
  guint opened;

  if (!start_notification_daemon ())
    {
      g_test_skip ("no session bus or python3-dbusmock");
      return;
    }
  g_assert_nonnull (finished_uri);
  opened = burrow_test_ui_count_log_lines (open_log, finished_uri);

  if (portal_mode)
    {
      g_autofree char *id = finished_portal_id ();
      GVariant *no_parameter = g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0);

      /* The portal's ActionInvoked: notification id, action, parameter (none). */
      g_test_message ("portal notification id: %s", id);
      g_assert_true (burrow_test_ui_mock_emit_signal (PORTAL_NAME, PORTAL_PATH, PORTAL_IFACE,
                                                      "ActionInvoked",
                                                      g_variant_new ("(ss@av)", id, "open-folder",
                                                                     no_parameter)));
    }
  else
    {
      guint32 id = finished_notify_id ();

      /* The notification server's ActionInvoked: notification id, action key. */
      g_test_message ("notification id: %u", id);
      g_assert_true (burrow_test_ui_mock_emit_signal (NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                                      NOTIFICATIONS_NAME, "ActionInvoked",
                                                      g_variant_new ("(us)", id, "open-folder")));
    }
  g_assert_true (burrow_test_ui_wait_log_lines (open_log, finished_uri, opened + 1, WAIT_MS));
  assert_daemon_untouched ();
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
  g_clear_object (&finished_item);
  if (bob != NULL)
    {
      burrow_client_disconnect_all (bob);
      g_clear_object (&bob);
    }
}

static void
add_case (const char *name,
          GTestFunc   func)
{
  g_autofree char *path = g_strdup_printf ("/burrow/ui/%s/%s",
                                           portal_mode ? "transfers-portal" : "transfers", name);

  g_test_add_func (path, func);
}

/* Before GTK and GIO read the environment. */
static void
prepare (void)
{
#ifdef BURROW_TEST_TRANSFERS_PORTAL
  portal_mode = TRUE;
#else
  portal_mode = g_getenv ("NOTIFY_FORCE_PORTAL") != NULL;
#endif
  /* libnotify reads it when it first connects. */
  if (portal_mode)
    g_setenv ("NOTIFY_FORCE_PORTAL", "1", TRUE);

  /* XDG_DATA_HOME and XDG_CONFIG_HOME: the folder handler. */
  open_log = g_build_filename (data_dir, "opened-folders.log", NULL);
  burrow_test_ui_install_folder_handler (data_dir, open_log);
}

static gboolean
add_cases (void)
{
  /* Without the mocks the portal run would check nothing of its own. */
  if (portal_mode && !start_notification_daemon ())
    {
      printf ("1..0 # SKIP no session bus or python3-dbusmock for the notification portal\n");
      return FALSE;
    }
  if (portal_mode)
    connect_libnotify_to_portal ();

  add_case ("format", test_format);
  add_case ("empty", test_empty_page);
  add_case ("queue-actions", test_queue_actions);
  add_case ("download", test_download);
  add_case ("open-folder-button", test_open_folder_button);
  add_case ("open-folder-notification", test_open_folder_notification);
  add_case ("notifications-setting", test_notifications_setting);
  return TRUE;
}

static void
cleanup (void)
{
  burrow_test_ui_stop_notification_daemon (g_steal_pointer (&notify_portal));
  burrow_test_ui_stop_notification_daemon (g_steal_pointer (&notify_daemon));
  g_clear_object (&finished_item);
  g_clear_pointer (&finished_uri, g_free);
  g_clear_pointer (&daemon_log, g_free);
  g_clear_pointer (&portal_log, g_free);
  g_clear_pointer (&open_log, g_free);
  g_clear_pointer (&shared_dir, g_free);
  g_clear_pointer (&download_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "transfers",
    .app = &app,
    .hub = &hub,
    .data_dir = &data_dir,
    .prepare = prepare,
    .add_cases = add_cases,
    .before = before_tests,
    .after = after_tests,
    .cleanup = cleanup,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
