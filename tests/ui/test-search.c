/* test-search.c — the search page through a real uhub: results of two users grouped by file
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-search"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-search-hits.h"
#include "burrow-search-page.h"
#include "burrow-test-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"

#include "burrow-window.h"

#define WAIT_MS (30 * 1000)

static BurrowApplication *app;
static BurrowTestHub *hub;
static BurrowClient *bob;
static BurrowClient *carol;
static char *data_dir;
static char *iso_tth;

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static BurrowSearchPage *
get_page (void)
{
  BurrowWindow *window = get_window ();

  g_assert_true (burrow_window_set_page (window, "search"));
  return burrow_window_get_search_page (window);
}

/* A second engine in this process that shares @files (name, size, seed) and joins the hub. */
static BurrowClient *
sharing_client (const char  *nick,
                const char **names,
                const guint *seeds)
{
  g_autofree char *dir = g_build_filename (data_dir, nick, NULL);
  g_autofree char *root = g_build_filename (dir, "Shared", NULL);
  g_autoptr(GError) error = NULL;
  BurrowClient *client;
  BurrowShare *share;

  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  for (guint i = 0; names[i] != NULL; i++)
    g_free (burrow_test_write_file (root, names[i], 20000 + seeds[i] * 10, seeds[i]));

  client = burrow_client_new (dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (client, nick);
  share = burrow_client_get_share (client);
  g_assert_true (burrow_share_add_root (share, root, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (share, 1, WAIT_MS));
  burrow_test_join_hub (client, burrow_test_hub_get_uri (hub));
  return client;
}

static gboolean
session_is_normal (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_NORMAL;
}

static gboolean
has_two_sources (gpointer data)
{
  BurrowSearchHit *hit = burrow_search_page_lookup_tth (data, iso_tth);

  return hit != NULL && burrow_search_hit_get_n_sources (hit) == 2 &&
         g_list_model_get_n_items (G_LIST_MODEL (burrow_search_page_get_hits (data))) == 3;
}

/* ---------------------------------------------------------------------------------------------- */

static void
test_not_connected (void)
{
  BurrowSearchPage *page = get_page ();

  /* No hub yet: the page says so instead of searching. */
  g_assert_false (burrow_search_page_search (page, "linux"));
  g_assert_nonnull (burrow_search_page_get_message (page));
  g_assert_null (burrow_search_page_get_search (page));
}

static void
test_grouped_results (void)
{
  static const char *bob_files[] = { "Debian.Linux.iso", "linux-notes.txt", NULL };
  static const guint bob_seeds[] = { 1, 2 };
  static const char *carol_files[] = { "debian-linux-copy.iso", "linux-song.mp3", NULL };
  static const guint carol_seeds[] = { 1, 3 };     /* seed 1: the same bytes as bob's ISO */
  BurrowSearchPage *page = get_page ();
  BurrowClient *client = burrow_application_get_client (app);
  BurrowHubSession *session;
  GListModel *shown;
  BurrowSearchHit *hit;
  g_autofree char *screenshot = NULL;

  burrow_client_set_nick (client, "alice");
  g_action_group_activate_action (G_ACTION_GROUP (app), "connect",
                                  g_variant_new_string (burrow_test_hub_get_uri (hub)));
  session = g_list_model_get_item (burrow_client_get_hubs (client), 0);
  g_object_unref (session);
  g_assert_true (burrow_test_wait_until (session_is_normal, session, WAIT_MS));

  bob = sharing_client ("bob", bob_files, bob_seeds);
  carol = sharing_client ("carol", carol_files, carol_seeds);
  {
    BurrowFileTree *tree = burrow_share_get_tree (burrow_client_get_share (bob));

    iso_tth = burrow_base32_encode (burrow_file_tree_lookup (tree,
                                                             "/Shared/Debian.Linux.iso")->tth, 24);
  }

  get_page ();
  gtk_editable_set_text (GTK_EDITABLE (burrow_search_page_get_entry (page)), "linux");
  g_signal_emit_by_name (burrow_search_page_get_entry (page), "activate");
  g_assert_nonnull (burrow_search_page_get_search (page));
  g_assert_true (burrow_test_wait_until (has_two_sources, page, WAIT_MS));

  /* Four results, three rows: the ISO both have is one row with two users. */
  g_assert_cmpuint (g_list_model_get_n_items (burrow_search_get_results (
                                                burrow_search_page_get_search (page))), ==, 4);
  shown = burrow_search_page_get_model (page);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);
  hit = burrow_search_page_lookup_tth (page, iso_tth);
  g_assert_cmpuint (burrow_search_hit_get_n_sources (hit), ==, 2);
  g_assert_nonnull (strstr (burrow_search_hit_get_users (hit), "bob"));
  g_assert_nonnull (strstr (burrow_search_hit_get_users (hit), "carol"));
  {
    /* Sorted by users, most first. */
    g_autoptr(BurrowSearchHit) first = g_list_model_get_item (shown, 0);

    g_assert_true (first == hit);
  }

  /* The type filter: documents keep the .txt only, audio the .mp3. */
  burrow_search_page_set_kind (page, 3);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  {
    g_autoptr(BurrowSearchHit) only = g_list_model_get_item (shown, 0);

    g_assert_cmpstr (burrow_search_hit_get_name (only), ==, "linux-notes.txt");
  }
  burrow_search_page_set_kind (page, 1);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  burrow_search_page_set_kind (page, 0);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);

  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (shown), 0);
  burrow_test_ui_flush ();
  screenshot = g_strdup_printf ("screenshot-search-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (get_window ()), screenshot);
}

static void
test_download (void)
{
  BurrowSearchPage *page = get_page ();
  BurrowClient *client = burrow_application_get_client (app);
  BurrowDownloadQueue *queue = burrow_client_get_download_queue (client);
  BurrowSearchHit *hit = burrow_search_page_lookup_tth (page, iso_tth);
  BurrowQueueItem *item;
  g_autofree char *expected = NULL;

  if (hit == NULL)
    {
      g_test_skip ("needs the grouped results");
      return;
    }
  g_assert_nonnull (queue);

  /* Download goes through app.download (a magnet link); both users become sources. */
  g_assert_true (burrow_search_page_download (page, hit));
  item = burrow_download_queue_lookup_tth (queue, iso_tth);
  g_assert_nonnull (item);
  g_assert_cmpuint (burrow_queue_item_get_n_sources (item), ==, 2);
  g_assert_cmpuint (burrow_queue_item_get_size (item), ==, burrow_search_hit_get_size (hit));
  g_assert_nonnull (burrow_queue_item_find_source (item, burrow_identity_get_cid (
                                                             burrow_client_get_identity (bob))));
  g_assert_nonnull (burrow_queue_item_find_source (item, burrow_identity_get_cid (
                                                             burrow_client_get_identity (carol))));
  expected = g_strdup_printf (_("“%s” was added to the downloads."),
                              burrow_search_hit_get_name (hit));
  g_assert_cmpstr (burrow_search_page_get_message (page), ==, expected);

  /* Folders cannot be downloaded from a search; a bad magnet is explained, not queued. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "download",
                                  g_variant_new_string ("magnet:?dn=nothing"));
  g_assert_nonnull (burrow_search_page_get_message (page));
  g_assert_cmpstr (burrow_search_page_get_message (page), !=, expected);
}

static void
test_open_magnet (void)
{
  BurrowWindow *window = get_window ();
  BurrowSearchPage *page = burrow_window_get_search_page (window);
  g_autofree char *magnet = NULL;

  if (iso_tth == NULL)
    {
      g_test_skip ("needs the grouped results");
      return;
    }

  /* A magnet link searches for its TTH and shows the search page. */
  burrow_window_set_page (window, "hubs");
  magnet = burrow_magnet_build (iso_tth, 20010, "Debian.Linux.iso");
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-magnet",
                                  g_variant_new_string (magnet));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "search");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (burrow_search_page_get_entry (page))), ==,
                   iso_tth);
  g_assert_nonnull (burrow_search_page_get_search (page));
  g_assert_true (burrow_search_is_tth (burrow_search_page_get_search (page)));
  g_assert_true (burrow_test_wait_until (has_two_sources, page, WAIT_MS) ||
                 burrow_search_page_lookup_tth (page, iso_tth) != NULL);
}

/* ---------------------------------------------------------------------------------------------- */

static void
before_tests (GApplication *application)
{
  gtk_window_set_default_size (GTK_WINDOW (get_window ()), 1100, 700);
}

static void
after_tests (GApplication *application)
{
  if (bob != NULL)
    burrow_client_disconnect_all (bob);
  if (carol != NULL)
    burrow_client_disconnect_all (carol);
  g_clear_object (&bob);
  g_clear_object (&carol);
}

static gboolean
add_cases (void)
{
  g_test_add_func ("/burrow/ui/search/not-connected", test_not_connected);
  g_test_add_func ("/burrow/ui/search/grouped-results", test_grouped_results);
  g_test_add_func ("/burrow/ui/search/download", test_download);
  g_test_add_func ("/burrow/ui/search/open-magnet", test_open_magnet);
  return TRUE;
}

static void
cleanup (void)
{
  g_clear_pointer (&iso_tth, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "search",
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
