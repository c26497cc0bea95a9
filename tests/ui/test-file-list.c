/* test-file-list.c — the file list browser: bob's list fetched through a real uhub, browsed,
 * downloaded from (a file and a folder), and our own list
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-file-list"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-file-item.h"
#include "burrow-file-list-page.h"
#include "burrow-file-list-window.h"
#include "burrow-hub-page.h"
#include "burrow-test-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-user-list.h"
#include "burrow-user-model.h"

#include "burrow-window.h"

#define WAIT_MS (30 * 1000)

/* bob's share, below the root "Stuff" */
typedef struct
{
  const char *dir;
  const char *name;
  gsize       size;
  guint32     seed;
} SharedFile;

static const SharedFile bob_files[] = {
  { "Music/Album One", "01 Intro.flac", 150001, 1 },
  { "Music/Album One", "02 Theme.flac", 40960, 2 },
  { "Music", "readme.txt", 1234, 3 },
  { "Video", "clip.bin", 300007, 4 },
};

/* One application per process; the cases run in order and share bob, the hub and the window. */
static BurrowApplication *app;
static BurrowTestHub *hub;
static BurrowClient *bob;
static BurrowClient *carol;
static BurrowHubSession *session;       /* the app's, borrowed from its client */
static char *data_dir;
static char *bob_dir;
static char *download_dir;

/* The main window, taken once: later a file list window may be the active one. */
static BurrowWindow *
get_window (void)
{
  static BurrowWindow *main_window;

  if (main_window == NULL)
    main_window = burrow_test_ui_get_window (G_APPLICATION (app));
  return main_window;
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

static const char *
bob_cid (void)
{
  return burrow_identity_get_cid (burrow_client_get_identity (bob));
}

static char *
shared_path (const SharedFile *file)
{
  return g_build_filename (bob_dir, "Stuff", file->dir, file->name, NULL);
}

static char *
shared_tth (const SharedFile *file)
{
  g_autofree char *path = shared_path (file);
  g_autofree char *contents = NULL;
  gsize len = 0;
  guint8 root[24];

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  burrow_tth_buffer (contents, len, root);
  return burrow_tth_to_base32 (root);
}

/* ---------------------------------------------------------------------------------------------- */
/* Setup                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
misses_nick (gpointer data)
{
  return burrow_hub_session_lookup_nick (session, data) == NULL;
}

static void
start_clients (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = g_build_filename (data_dir, "mine", NULL);
  g_autofree char *carol_dir = g_build_filename (data_dir, "carol", NULL);

  /* bob shares Stuff/… */
  bob_dir = g_build_filename (data_dir, "bob", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bob_files); i++)
    {
      g_autofree char *dir = g_build_filename (bob_dir, "Stuff", bob_files[i].dir, NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_free (burrow_test_write_file (dir, bob_files[i].name, bob_files[i].size,
                                      bob_files[i].seed));
    }
  bob = burrow_client_new (bob_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (bob, "bob");
  {
    g_autofree char *root = g_build_filename (bob_dir, "Stuff", NULL);

    g_assert_true (burrow_share_add_root (burrow_client_get_share (bob), root, "Stuff", &error));
    g_assert_no_error (error);
  }
  g_assert_true (burrow_test_wait_share (burrow_client_get_share (bob), G_N_ELEMENTS (bob_files),
                                         WAIT_MS));
  g_assert_cmpuint (burrow_share_get_n_files (burrow_client_get_share (bob)), ==,
                    G_N_ELEMENTS (bob_files));

  /* we (alice) share Mine/notes.txt */
  g_assert_cmpint (g_mkdir_with_parents (mine, 0700), ==, 0);
  g_free (burrow_test_write_file (mine, "notes.txt", 777, 9));
  g_assert_true (burrow_share_add_root (burrow_client_get_share (my_client ()), mine, "Mine",
                                        &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (burrow_client_get_share (my_client ()), 1, WAIT_MS));

  download_dir = g_build_filename (data_dir, "downloads", NULL);
  g_assert_cmpint (g_mkdir_with_parents (download_dir, 0700), ==, 0);
  burrow_client_set_nick (my_client (), "alice");
  burrow_client_set_download_dir (my_client (), download_dir);
  session = burrow_test_join_hub (my_client (), burrow_test_hub_get_uri (hub));
  burrow_test_join_hub (bob, burrow_test_hub_get_uri (hub));
  g_assert_true (burrow_test_wait_nick (session, "bob", WAIT_MS));

  /* carol joins and leaves again (test_error) */
  carol = burrow_client_new (carol_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (carol, "carol");
  burrow_test_join_hub (carol, burrow_test_hub_get_uri (hub));
  g_assert_true (burrow_test_wait_nick (session, "carol", WAIT_MS));
}

/* ---------------------------------------------------------------------------------------------- */
/* Helpers                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
page_settled (gpointer data)
{
  BurrowFileListPage *page = data;

  return !burrow_file_list_page_get_loading (page) &&
         (burrow_file_list_page_get_tree (page) != NULL ||
          burrow_file_list_page_get_error (page) != NULL);
}

static BurrowFileListPage *
bob_page (void)
{
  BurrowFileListWindow *window = burrow_file_list_window_lookup (GTK_APPLICATION (app),
                                                                 bob_cid ());

  g_assert_nonnull (window);
  return burrow_file_list_window_get_page (window);
}

/* The name shown in row @position of the folder tree. */
static const char *
folder_row_name (BurrowFileListPage *page,
                 guint               position)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (burrow_file_list_page_get_folders (page),
                                                         position);
  g_autoptr(BurrowFileItem) item = NULL;

  g_assert_nonnull (row);
  item = gtk_tree_list_row_get_item (row);
  return burrow_file_item_get_name (item);
}

static guint
folder_row_depth (BurrowFileListPage *page,
                  guint               position)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (burrow_file_list_page_get_folders (page),
                                                         position);

  return gtk_tree_list_row_get_depth (row);
}

static gboolean
is_inscription_with_text (GtkWidget     *widget,
                          gconstpointer  text)
{
  return GTK_IS_INSCRIPTION (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), text) == 0;
}

static gboolean
is_button_for_action (GtkWidget     *widget,
                      gconstpointer  action)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static GtkWidget *
action_button (BurrowFileListPage *page,
               const char         *action)
{
  GtkWidget *button = burrow_test_ui_find (GTK_WIDGET (page), is_button_for_action, action);

  g_assert_nonnull (button);
  return button;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gboolean      *painted)
{
  *painted = TRUE;
}

/* Waits until @widget's window has painted a frame (the views have made their rows). */
static void
wait_frames (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (clock);
  for (guint i = 0; i < 2; i++)
    {
      painted = FALSE;
      id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &painted);
      gtk_widget_queue_draw (widget);
      g_assert_true (burrow_test_wait_for_flag (&painted, BURROW_TEST_UI_WAIT_MS));
      g_signal_handler_disconnect (clock, id);
    }
}

static gboolean
item_done (gpointer data)
{
  BurrowQueueState state = burrow_queue_item_get_state (data);

  return state == BURROW_QUEUE_STATE_DONE || state == BURROW_QUEUE_STATE_FAILED;
}

static void
assert_downloaded (BurrowQueueItem  *item,
                   const SharedFile *file,
                   const char       *expected_dir)
{
  g_autofree char *original_path = shared_path (file);
  g_autofree char *expected_path = g_build_filename (expected_dir, file->name, NULL);
  g_autofree char *original = NULL;
  g_autofree char *downloaded = NULL;
  gsize original_len = 0;
  gsize downloaded_len = 0;

  g_assert_true (burrow_test_wait_until (item_done, item, 60000));
  g_assert_cmpstr (burrow_queue_item_get_error_message (item), ==, NULL);
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_DONE);
  g_assert_cmpstr (burrow_queue_item_get_final_path (item), ==, expected_path);
  g_assert_true (g_file_get_contents (expected_path, &downloaded, &downloaded_len, NULL));
  g_assert_true (g_file_get_contents (original_path, &original, &original_len, NULL));
  g_assert_cmpuint (downloaded_len, ==, file->size);
  g_assert_cmpuint (downloaded_len, ==, original_len);
  g_assert_true (memcmp (downloaded, original, original_len) == 0);
}

static char *
queued_text (guint n)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Queued %u file for download",
                                       "Queued %u files for download", n), n);
}

/* ---------------------------------------------------------------------------------------------- */
/* Cases                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

/* Right click on bob → Browse Files (the user list's action, on the selected user). */
static void
test_browse_user (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubPage *hub_page = burrow_window_show_hub (window, session);
  BurrowUserList *user_list;
  GtkSingleSelection *selection;
  GListModel *users;
  BurrowFileListWindow *list_window;
  BurrowFileListPage *page;
  guint n;
  guint bob_position = GTK_INVALID_LIST_POSITION;

  g_assert_nonnull (hub_page);
  user_list = burrow_hub_page_get_user_list (hub_page);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (user_list)));
  users = G_LIST_MODEL (burrow_user_list_get_model (user_list));
  n = g_list_model_get_n_items (users);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (users, i);

      if (g_strcmp0 (burrow_user_get_nick (user), "bob") == 0)
        bob_position = i;
    }
  g_assert_cmpuint (bob_position, !=, GTK_INVALID_LIST_POSITION);
  selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (
                                      burrow_user_list_get_column_view (user_list)));
  gtk_single_selection_set_selected (selection, bob_position);

  g_assert_null (burrow_file_list_window_lookup (GTK_APPLICATION (app), bob_cid ()));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (user_list), "user.browse-files", NULL));

  /* A window for bob's list, loading, then the list. */
  list_window = burrow_file_list_window_lookup (GTK_APPLICATION (app), bob_cid ());
  g_assert_nonnull (list_window);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (list_window)) == GTK_WINDOW (window));
  page = burrow_file_list_window_get_page (list_window);
  g_assert_cmpstr (burrow_file_list_page_get_title (page), ==, "bob");
  g_assert_false (burrow_file_list_page_get_is_own (page));
  g_assert_true (burrow_file_list_page_get_loading (page) ||
                 burrow_file_list_page_get_tree (page) != NULL);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));
  g_assert_true (burrow_test_wait_until (page_settled, page, WAIT_MS));
  g_assert_cmpstr (burrow_file_list_page_get_error (page), ==, NULL);
  g_assert_nonnull (burrow_file_list_page_get_tree (page));
  g_assert_cmpuint (burrow_file_tree_get_n_files (burrow_file_list_page_get_tree (page)), ==,
                    G_N_ELEMENTS (bob_files));

  /* The header: nick and totals (4 folders: Stuff, Music, Album One, Video). */
  {
    g_autofree char *folders = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u folder",
                                                             "%u folders", 4), 4);
    g_autofree char *files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file",
                                                           "%u files", 4), 4);
    g_autofree char *size = g_format_size (150001 + 40960 + 1234 + 300007);
    g_autofree char *expected = g_strdup_printf ("%s · %s · %s", folders, files, size);

    g_assert_cmpstr (burrow_file_list_page_get_subtitle (page), ==, expected);
    g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (list_window), expected));
    g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (list_window), "bob"));
  }
  if (burrow_test_ui_expect_german ())
    {
      g_autofree char *title = NULL;

      g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", 4), !=, "%u files");
      title = g_strdup_printf (_("Files of %s"), "bob");
      g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (list_window)), ==, title);
      g_assert_cmpstr (title, !=, "Files of bob");
    }
  else
    g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (list_window)), ==, "Files of bob");

  /* Opening it again presents the same window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (user_list), "user.browse-files", NULL));
  g_assert_true (burrow_file_list_window_lookup (GTK_APPLICATION (app), bob_cid ()) ==
                 list_window);
  g_assert_false (burrow_file_list_page_get_loading (page));
}

/* The folder tree holds the shared folders (lazily expanded), only folders. */
static void
test_tree (void)
{
  BurrowFileListPage *page = bob_page ();
  GListModel *folders = burrow_file_list_page_get_folders (page);
  BurrowFileNode *folder;

  /* root (bob) expanded: its one folder Stuff, not expanded yet */
  g_assert_cmpuint (g_list_model_get_n_items (folders), ==, 2);
  g_assert_cmpstr (folder_row_name (page, 0), ==, "");
  g_assert_cmpstr (folder_row_name (page, 1), ==, "Stuff");
  g_assert_cmpuint (folder_row_depth (page, 1), ==, 1);
  folder = burrow_file_list_page_get_folder (page);
  g_assert_nonnull (folder);
  g_assert_null (folder->parent);

  /* the root shows its folder; the tree row carries the nick */
  wait_frames (GTK_WIDGET (page));
  g_assert_nonnull (burrow_test_ui_find (GTK_WIDGET (burrow_file_list_page_get_folder_view (page)),
                                         is_inscription_with_text, "bob"));
  g_assert_nonnull (burrow_test_ui_find (GTK_WIDGET (burrow_file_list_page_get_column_view (page)),
                                         is_inscription_with_text, "Stuff"));

  /* Double click on Stuff in the entries (activate) enters it and expands the tree. */
  g_signal_emit_by_name (burrow_file_list_page_get_column_view (page), "activate", 0);
  folder = burrow_file_list_page_get_folder (page);
  g_assert_cmpstr (folder->name, ==, "Stuff");
  g_assert_cmpuint (g_list_model_get_n_items (folders), ==, 4);
  g_assert_cmpstr (folder_row_name (page, 2), ==, "Music");
  g_assert_cmpstr (folder_row_name (page, 3), ==, "Video");
  g_assert_cmpuint (folder_row_depth (page, 3), ==, 2);

  /* Up goes back to the root. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.go-up", NULL));
  g_assert_null (burrow_file_list_page_get_folder (page)->parent);
  g_assert_false (burrow_file_list_page_open_path (page, "/Stuff/Nothing/"));
}

/* A folder's files with their sizes; sorting by size. */
static void
test_folder (void)
{
  BurrowFileListPage *page = bob_page ();
  BurrowFileNodeList *entries;
  GtkWidget *view = GTK_WIDGET (burrow_file_list_page_get_column_view (page));
  g_autofree char *size_1 = g_format_size (bob_files[0].size);
  g_autofree char *size_2 = g_format_size (bob_files[1].size);
  g_autofree char *tth_1 = shared_tth (&bob_files[0]);
  BurrowFileNode *node;

  g_assert_true (burrow_file_list_page_open_path (page, "/Stuff/Music/album one/"));
  g_assert_cmpstr (burrow_file_list_page_get_folder (page)->name, ==, "Album One");
  entries = burrow_file_list_page_get_entries (page);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (entries)), ==, 2);

  node = burrow_file_node_list_get_node (entries, 0);
  g_assert_cmpstr (node->name, ==, "01 Intro.flac");
  g_assert_cmpuint (node->size, ==, bob_files[0].size);
  node = burrow_file_node_list_get_node (entries, 1);
  g_assert_cmpstr (node->name, ==, "02 Theme.flac");
  g_assert_cmpuint (node->size, ==, bob_files[1].size);

  /* What the view shows: names, sizes and the TTH. */
  wait_frames (GTK_WIDGET (page));
  g_assert_nonnull (burrow_test_ui_find (view, is_inscription_with_text, "01 Intro.flac"));
  g_assert_nonnull (burrow_test_ui_find (view, is_inscription_with_text, size_1));
  g_assert_nonnull (burrow_test_ui_find (view, is_inscription_with_text, size_2));
  g_assert_nonnull (burrow_test_ui_find (view, is_inscription_with_text, tth_1));
  /* the path bar: bob / Stuff / Music / Album One */
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), "Music"));

  /* By size: the smaller file first; descending: the larger. */
  burrow_file_list_page_sort_by (page, BURROW_FILE_LIST_COLUMN_SIZE, GTK_SORT_ASCENDING);
  g_assert_cmpstr (burrow_file_node_list_get_node (entries, 0)->name, ==, "02 Theme.flac");
  burrow_file_list_page_sort_by (page, BURROW_FILE_LIST_COLUMN_SIZE, GTK_SORT_DESCENDING);
  g_assert_cmpstr (burrow_file_node_list_get_node (entries, 0)->name, ==, "01 Intro.flac");
  burrow_file_list_page_sort_by (page, BURROW_FILE_LIST_COLUMN_NAME, GTK_SORT_DESCENDING);
  g_assert_cmpstr (burrow_file_node_list_get_node (entries, 0)->name, ==, "02 Theme.flac");
  burrow_file_list_page_sort_by (page, BURROW_FILE_LIST_COLUMN_NAME, GTK_SORT_ASCENDING);
  g_assert_cmpstr (burrow_file_node_list_get_node (entries, 0)->name, ==, "01 Intro.flac");

  /* Items exist for the rows shown only (here both). */
  g_assert_cmpuint (burrow_file_node_list_get_n_alive (entries), <=, 2);
}

/* Download on a file: queued with bob as the source, then it arrives, verified. */
static void
test_download_file (void)
{
  BurrowFileListPage *page = bob_page ();
  g_autofree char *tth = shared_tth (&bob_files[0]);
  g_autofree char *expected = queued_text (1);
  GtkWidget *download = action_button (page, "filelist.download");
  const BurrowQueueSource *source;
  BurrowQueueItem *item;

  g_assert_true (burrow_file_list_page_open_path (page, "/Stuff/Music/Album One/"));
  gtk_selection_model_unselect_all (gtk_column_view_get_model (
                                      burrow_file_list_page_get_column_view (page)));
  g_assert_false (gtk_widget_is_sensitive (download));
  g_assert_true (burrow_file_list_page_select (page, "01 Intro.flac"));
  g_assert_true (gtk_widget_is_sensitive (download));
  g_assert_true (gtk_widget_get_visible (download));

  g_assert_null (burrow_download_queue_lookup_tth (my_queue (), tth));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.download", NULL));
  g_assert_cmpstr (burrow_file_list_page_get_message (page), ==, expected);
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (expected, !=, "Queued 1 file for download");

  item = burrow_download_queue_lookup_tth (my_queue (), tth);
  g_assert_nonnull (item);
  g_assert_cmpstr (burrow_queue_item_get_name (item), ==, "01 Intro.flac");
  g_assert_cmpuint (burrow_queue_item_get_size (item), ==, bob_files[0].size);
  g_assert_cmpstr (burrow_queue_item_get_target_dir (item), ==, download_dir);
  source = burrow_queue_item_find_source (item, bob_cid ());
  g_assert_nonnull (source);
  g_assert_cmpstr (source->nick, ==, "bob");
  g_assert_cmpstr (source->hub, ==, burrow_hub_session_get_uri (session));

  assert_downloaded (item, &bob_files[0], download_dir);
}

/* Download Folder: everything below Music, in download_dir/Music/…, from bob. */
static void
test_download_folder (void)
{
  BurrowFileListPage *page = bob_page ();
  g_autofree char *expected = queued_text (3);
  g_autofree char *music = g_build_filename (download_dir, "Music", NULL);
  g_autofree char *album = g_build_filename (download_dir, "Music", "Album One", NULL);
  g_autofree char *screenshot = NULL;
  GListModel *queue = G_LIST_MODEL (my_queue ());
  guint before = g_list_model_get_n_items (queue);
  GtkWidget *button = action_button (page, "filelist.download-folder");

  /* The root is not a folder one can download. */
  g_assert_true (burrow_file_list_page_open_path (page, "/"));
  g_assert_false (gtk_widget_is_sensitive (button));

  g_assert_true (burrow_file_list_page_open_path (page, "/Stuff/Music/"));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.download-folder",
                                             NULL));
  g_assert_cmpstr (burrow_file_list_page_get_message (page), ==, expected);
  g_assert_cmpuint (g_list_model_get_n_items (queue), ==, before + 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(BurrowQueueItem) item = g_list_model_get_item (queue, before + i);
      const SharedFile *file = NULL;

      for (guint k = 0; k < 3; k++)
        if (g_str_equal (bob_files[k].name, burrow_queue_item_get_name (item)))
          file = &bob_files[k];
      g_assert_nonnull (file);
      g_assert_nonnull (burrow_queue_item_find_source (item, bob_cid ()));
      assert_downloaded (item, file, g_str_equal (file->dir, "Music") ? music : album);
    }

  /* A folder in the entries: its context menu's Download Folder (the selection). */
  g_assert_true (burrow_file_list_page_open_path (page, "/Stuff/"));
  g_assert_true (burrow_file_list_page_select (page, "Video"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.download", NULL));
  g_clear_pointer (&expected, g_free);
  expected = queued_text (1);
  g_assert_cmpstr (burrow_file_list_page_get_message (page), ==, expected);
  g_assert_cmpuint (g_list_model_get_n_items (queue), ==, before + 4);

  /* For the screenshot: the album, its files selected. */
  g_assert_true (burrow_file_list_page_open_path (page, "/Stuff/Music/Album One/"));
  g_assert_true (burrow_file_list_page_select (page, "02 Theme.flac"));
  burrow_file_list_page_show_message (page, expected, FALSE);
  screenshot = g_strdup_printf ("screenshot-file-list-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (page))), screenshot);
}

/* A list with a file that has no TTH (other clients send such lists): bob serves a hand-written
 * one; Get the File List Again fetches it. That file cannot be downloaded. */
static void
test_file_without_tth (void)
{
  BurrowFileListPage *page = bob_page ();
  g_autofree char *tth = shared_tth (&bob_files[1]);
  g_autofree char *xml = NULL;
  g_autofree char *expected = queued_text (1);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GError) error = NULL;
  GtkSelectionModel *selection;
  GtkWidget *download = action_button (page, "filelist.download");
  BurrowFileNodeList *entries;
  guint unhashed;

  xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
                         "<FileListing Version=\"1\" CID=\"%s\" Base=\"/\" "
                         "Generator=\"test\">\n"
                         "<Directory Name=\"Odd\">\n"
                         "<File Name=\"hashed.bin\" Size=\"%u\" TTH=\"%s\"/>\n"
                         "<File Name=\"unhashed.bin\" Size=\"1000\"/>\n"
                         "</Directory>\n"
                         "</FileListing>\n",
                         bob_cid (), (guint) bob_files[1].size, tth);
  plain = g_bytes_new (xml, strlen (xml));
  compressed = burrow_file_list_compress (plain, &error);
  g_assert_no_error (error);
  burrow_client_set_file_list_bytes (bob, compressed);

  g_assert_true (gtk_widget_is_sensitive (action_button (page, "filelist.reload")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.reload", NULL));
  g_assert_true (burrow_file_list_page_get_loading (page));
  g_assert_true (burrow_test_wait_until (page_settled, page, WAIT_MS));
  g_assert_cmpstr (burrow_file_list_page_get_error (page), ==, NULL);
  g_assert_cmpuint (burrow_file_tree_get_n_files (burrow_file_list_page_get_tree (page)), ==, 2);

  g_assert_true (burrow_file_list_page_open_path (page, "/Odd/"));
  entries = burrow_file_list_page_get_entries (page);
  selection = gtk_column_view_get_model (burrow_file_list_page_get_column_view (page));
  g_assert_true (burrow_file_list_page_select (page, "unhashed.bin"));
  unhashed = burrow_file_node_list_find (entries, burrow_file_node_lookup_child (
                                                    burrow_file_list_page_get_folder (page),
                                                    "unhashed.bin"));
  g_assert_false (burrow_file_node_list_get_node (entries, unhashed)->has_tth);
  g_assert_false (gtk_widget_is_sensitive (download));
  /* its TTH cell says there is none */
  wait_frames (GTK_WIDGET (page));
  g_assert_nonnull (burrow_test_ui_find (GTK_WIDGET (burrow_file_list_page_get_column_view (page)),
                                         is_inscription_with_text, "—"));
  /* double click does nothing either */
  g_signal_emit_by_name (burrow_file_list_page_get_column_view (page), "activate", unhashed);
  g_assert_null (burrow_file_list_page_get_message (page));

  /* Both selected: only the hashed one is queued (not started: this case checks what is
   * queued; the downloads are the next cases). */
  burrow_transfer_manager_set_running (burrow_client_get_transfer_manager (my_client ()), FALSE);
  g_assert_true (gtk_selection_model_select_item (selection, unhashed == 0 ? 1 : 0, FALSE));
  g_assert_true (gtk_widget_is_sensitive (download));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.download", NULL));
  g_assert_cmpstr (burrow_file_list_page_get_message (page), ==, expected);
  g_assert_nonnull (burrow_download_queue_lookup_tth (my_queue (), tth));
  g_assert_true (burrow_download_queue_remove (my_queue (),
                                               burrow_download_queue_lookup_tth (my_queue (), tth),
                                               TRUE, &error));
  g_assert_no_error (error);
  burrow_transfer_manager_set_running (burrow_client_get_transfer_manager (my_client ()), TRUE);

  /* bob's real list again, and the folder shown stays open across the reload */
  g_assert_true (burrow_file_list_page_open_path (page, "/"));
  burrow_client_set_file_list_bytes (bob,
                                     burrow_share_get_file_list (burrow_client_get_share (bob)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.reload", NULL));
  g_assert_true (burrow_test_wait_until (page_settled, page, WAIT_MS));
  g_assert_cmpstr (burrow_file_list_page_get_error (page), ==, NULL);
  g_assert_cmpuint (burrow_file_tree_get_n_files (burrow_file_list_page_get_tree (page)), ==,
                    G_N_ELEMENTS (bob_files));
  g_assert_true (burrow_file_list_page_open_path (page, "/Stuff/Music/"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "filelist.reload", NULL));
  g_assert_true (burrow_test_wait_until (page_settled, page, WAIT_MS));
  g_assert_cmpstr (burrow_file_list_page_get_error (page), ==, NULL);
  g_assert_nonnull (burrow_file_list_page_get_folder (page));
  g_assert_cmpstr (burrow_file_list_page_get_folder (page)->name, ==, "Music");
}

/* Browse My Files: our share, nothing to download. */
static void
test_own (void)
{
  BurrowFileListWindow *window;
  BurrowFileListPage *page;
  BurrowFileNode *mine;

  g_assert_null (burrow_file_list_window_lookup (GTK_APPLICATION (app), NULL));
  g_action_group_activate_action (G_ACTION_GROUP (app), "browse-my-files", NULL);
  window = burrow_file_list_window_lookup (GTK_APPLICATION (app), NULL);
  g_assert_nonnull (window);
  page = burrow_file_list_window_get_page (window);
  g_assert_true (burrow_file_list_page_get_is_own (page));
  g_assert_cmpstr (burrow_file_list_page_get_title (page), ==, _("My Files"));
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (_("My Files"), !=, "My Files");
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));

  g_assert_nonnull (burrow_file_list_page_get_tree (page));
  g_assert_true (burrow_file_list_page_get_tree (page) ==
                 burrow_share_get_tree (burrow_client_get_share (my_client ())));
  g_assert_cmpstr (folder_row_name (page, 1), ==, "Mine");
  g_assert_true (burrow_file_list_page_open_path (page, "/Mine/"));
  mine = burrow_file_list_page_get_folder (page);
  g_assert_cmpstr (mine->name, ==, "Mine");
  g_assert_true (burrow_file_list_page_select (page, "notes.txt"));
  g_assert_cmpuint (burrow_file_node_list_get_node (burrow_file_list_page_get_entries (page),
                                                    0)->size, ==, 777);
  wait_frames (GTK_WIDGET (page));
  g_assert_nonnull (burrow_test_ui_find (GTK_WIDGET (page), is_inscription_with_text,
                                         "notes.txt"));

  /* No downloads from ourselves: the buttons are hidden and the actions do nothing. */
  g_assert_false (gtk_widget_get_visible (action_button (page, "filelist.download")));
  g_assert_false (gtk_widget_is_sensitive (action_button (page, "filelist.download")));
  g_assert_false (gtk_widget_is_sensitive (action_button (page, "filelist.download-folder")));
  gtk_widget_activate_action (GTK_WIDGET (page), "filelist.download", NULL);
  g_assert_null (burrow_file_list_page_get_message (page));

  /* The same window again. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "browse-my-files", NULL);
  g_assert_true (burrow_file_list_window_lookup (GTK_APPLICATION (app), NULL) == window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A user who left: the problem is told in the page, with Try Again. */
static void
test_error (void)
{
  g_autoptr(BurrowUser) user = NULL;
  BurrowFileListWindow *window;
  BurrowFileListPage *page;
  g_autofree char *expected = NULL;

  user = g_object_ref (burrow_hub_session_lookup_nick (session, "carol"));
  burrow_client_disconnect_all (carol);
  g_assert_true (burrow_test_wait_until (misses_nick, "carol", WAIT_MS));

  window = burrow_file_list_window_browse_user (GTK_WINDOW (get_window ()), my_client (), session,
                                                user);
  page = burrow_file_list_window_get_page (window);
  g_assert_true (burrow_test_wait_until (page_settled, page, WAIT_MS));
  g_assert_null (burrow_file_list_page_get_tree (page));
  expected = g_strdup_printf (_("%s is not on the hub any more."), "carol");
  g_assert_cmpstr (burrow_file_list_page_get_error (page), ==, expected);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), expected));
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page),
                                               _("Could not get the file list")));
  g_assert_true (gtk_widget_is_sensitive (action_button (page, "filelist.reload")));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---------------------------------------------------------------------------------------------- */

static void
before_tests (GApplication *application)
{
  gtk_window_set_default_size (GTK_WINDOW (get_window ()), 1280, 760);
  start_clients ();
}

static void
after_tests (GApplication *application)
{
  if (bob != NULL)
    {
      burrow_client_disconnect_all (bob);
      g_clear_object (&bob);
    }
  g_clear_object (&carol);
}

static gboolean
add_cases (void)
{
  g_test_add_func ("/burrow/ui/file-list/browse-user", test_browse_user);
  g_test_add_func ("/burrow/ui/file-list/tree", test_tree);
  g_test_add_func ("/burrow/ui/file-list/folder", test_folder);
  /* (browsing after a download reuses the download's idle connection: test-browse.c) */
  g_test_add_func ("/burrow/ui/file-list/file-without-tth", test_file_without_tth);
  g_test_add_func ("/burrow/ui/file-list/download-file", test_download_file);
  g_test_add_func ("/burrow/ui/file-list/download-folder", test_download_folder);
  g_test_add_func ("/burrow/ui/file-list/own", test_own);
  g_test_add_func ("/burrow/ui/file-list/error", test_error);
  return TRUE;
}

static void
cleanup (void)
{
  g_clear_pointer (&bob_dir, g_free);
  g_clear_pointer (&download_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "file-list",
    .app = &app,
    .hub = &hub,
    .data_dir = &data_dir,
    .add_cases = add_cases,
    .before = before_tests,
    .after = after_tests,
    .cleanup = cleanup,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
