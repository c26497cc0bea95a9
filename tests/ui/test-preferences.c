/* test-preferences.c — the preferences window: settings reach the engine, shared folders
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-preferences"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-preferences-window.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"

#include "burrow-window.h"

#define WAIT_MS (30 * 1000)

static BurrowApplication *app;
static char *data_dir;
static char *music_dir;

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static BurrowPreferencesWindow *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (BURROW_IS_PREFERENCES_WINDOW (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return BURROW_PREFERENCES_WINDOW (window);
    }
  return NULL;
}

static BurrowPreferencesWindow *
open_preferences (void)
{
  BurrowPreferencesWindow *prefs;

  get_window ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  prefs = find_preferences ();
  g_assert_nonnull (prefs);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (prefs)));
  return prefs;
}

/* ---------------------------------------------------------------------------------------------- */

static void
test_open (void)
{
  BurrowPreferencesWindow *prefs = open_preferences ();
  BurrowClient *client = burrow_application_get_client (app);
  const char * const *accels = NULL;
  g_auto(GStrv) accel_list = NULL;

  /* <Control>comma opens it; a second activation presents the same window. */
  accel_list = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.preferences");
  accels = (const char * const *) accel_list;
  g_assert_true (g_strv_contains (accels, "<Control>comma"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (find_preferences () == prefs);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (prefs)) == GTK_WINDOW (get_window ()));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (prefs)));

  /* Our keyprint, and nothing shared yet. */
  g_assert_nonnull (burrow_preferences_window_get_keyprint (prefs));
  g_assert_cmpstr (burrow_preferences_window_get_keyprint (prefs), ==,
                   burrow_identity_get_keyprint (burrow_client_get_identity (client)));
  g_assert_true (g_str_has_prefix (burrow_preferences_window_get_keyprint (prefs), "SHA256/"));
  {
    g_autofree char *roots = burrow_preferences_window_dup_roots_text (prefs);

    g_assert_cmpstr (roots, ==, "");
  }
}

static void
test_settings_reach_client (void)
{
  BurrowPreferencesWindow *prefs = open_preferences ();
  BurrowClient *client = burrow_application_get_client (app);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.burrowdc.Burrow");

  /* Typing a nick: GSettings, then the engine. */
  gtk_editable_set_text (burrow_preferences_window_get_nick_entry (prefs), "prefs_nick");
  g_assert_cmpstr (g_settings_get_string (settings, "nick"), ==, "prefs_nick");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "prefs_nick");

  /* Upload slots. */
  g_assert_cmpuint (burrow_client_get_slots (client), ==, 3);
  gtk_spin_button_set_value (burrow_preferences_window_get_slots_spin (prefs), 7);
  g_assert_cmpuint (g_settings_get_uint (settings, "upload-slots"), ==, 7);
  g_assert_cmpuint (burrow_client_get_slots (client), ==, 7);

  /* And the other way: a change made elsewhere shows in the window. */
  g_settings_set_uint (settings, "upload-slots", 5);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (
                     burrow_preferences_window_get_slots_spin (prefs)), ==, 5);
  g_assert_cmpuint (burrow_client_get_slots (client), ==, 5);

  /* The download folder setting reaches the engine. */
  g_settings_set_string (settings, "download-dir", music_dir);
  g_assert_cmpstr (burrow_client_get_download_dir (client), ==, music_dir);
}

static void
test_share_folder (void)
{
  BurrowPreferencesWindow *prefs = open_preferences ();
  BurrowClient *client = burrow_application_get_client (app);
  BurrowShare *share = burrow_client_get_share (client);
  g_autoptr(GFile) folder = g_file_new_for_path (music_dir);
  g_autoptr(GFile) missing = NULL;
  g_autofree char *roots = NULL;
  g_autofree char *expected_summary = NULL;
  g_autofree char *size = NULL;
  g_autofree char *screenshot = NULL;
  g_autofree char *missing_path = NULL;

  /* What the folder chooser does with the folder picked. */
  g_assert_true (burrow_preferences_window_add_folder (prefs, folder));
  g_assert_null (burrow_preferences_window_get_error (prefs));
  roots = burrow_preferences_window_dup_roots_text (prefs);
  g_assert_true (g_str_has_prefix (roots, "Music  "));
  g_assert_nonnull (strstr (roots, music_dir));

  /* Hashed: the totals show the three files. */
  g_assert_true (burrow_test_wait_share (share, 1, WAIT_MS));
  g_assert_cmpuint (burrow_share_get_n_files (share), ==, 3);
  size = g_format_size (burrow_share_get_total_size (share));
  expected_summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file, %s", "%u files, %s",
                                                   3), 3, size);
  g_assert_cmpstr (burrow_preferences_window_get_share_summary (prefs), ==, expected_summary);
  if (burrow_test_ui_expect_german ())
    g_assert_nonnull (strstr (expected_summary, "Dateien"));

  /* The same folder twice is refused, with the reason shown. */
  g_assert_false (burrow_preferences_window_add_folder (prefs, folder));
  g_assert_nonnull (burrow_preferences_window_get_error (prefs));
  missing_path = g_build_filename (data_dir, "does-not-exist", NULL);
  missing = g_file_new_for_path (missing_path);
  g_assert_false (burrow_preferences_window_add_folder (prefs, missing));
  g_assert_nonnull (burrow_preferences_window_get_error (prefs));

  /* The share remembers it: a second engine on the same data dir lists it. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowClient) other = burrow_client_new (data_dir, &error);
    g_auto(GStrv) names = NULL;

    g_assert_no_error (error);
    names = burrow_share_dup_root_names (burrow_client_get_share (other));
    g_assert_cmpuint (g_strv_length (names), ==, 1);
    g_assert_cmpstr (names[0], ==, "Music");
  }

  burrow_test_ui_flush ();
  screenshot = g_strdup_printf ("screenshot-preferences-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (prefs), screenshot);

  /* Remove with the row's button. */
  g_assert_true (burrow_preferences_window_remove_folder (prefs, "Music"));
  g_clear_pointer (&roots, g_free);
  roots = burrow_preferences_window_dup_roots_text (prefs);
  g_assert_cmpstr (roots, ==, "");
  gtk_window_close (GTK_WINDOW (prefs));
}

static void
test_drop_folder (void)
{
  BurrowWindow *window = get_window ();
  BurrowShare *share = burrow_client_get_share (burrow_application_get_client (app));
  g_autoptr(GFile) folder = g_file_new_for_path (music_dir);
  g_autofree char *file_path = g_build_filename (music_dir, "a.flac", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (file_path);
  g_auto(GStrv) names = NULL;
  GSList *files;

  /* Dropping a file is refused (only folders are shared)… */
  files = g_slist_prepend (NULL, file);
  g_assert_cmpuint (burrow_window_share_files (window, files), ==, 0);
  g_slist_free (files);
  names = burrow_share_dup_root_names (share);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
  g_clear_pointer (&names, g_strfreev);

  /* …a folder is shared. */
  files = g_slist_prepend (NULL, folder);
  g_assert_cmpuint (burrow_window_share_files (window, files), ==, 1);
  g_slist_free (files);
  names = burrow_share_dup_root_names (share);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_cmpstr (names[0], ==, "Music");
}

/* ---------------------------------------------------------------------------------------------- */

static gboolean
add_cases (void)
{
  music_dir = g_build_filename (data_dir, "Music", NULL);
  g_assert_cmpint (g_mkdir_with_parents (music_dir, 0755), ==, 0);
  g_free (burrow_test_write_file (music_dir, "a.flac", 30000, 1));
  g_free (burrow_test_write_file (music_dir, "b.flac", 20000, 2));
  g_free (burrow_test_write_file (music_dir, "notes.txt", 500, 3));

  g_test_add_func ("/burrow/ui/preferences/open", test_open);
  g_test_add_func ("/burrow/ui/preferences/settings-reach-client", test_settings_reach_client);
  g_test_add_func ("/burrow/ui/preferences/share-folder", test_share_folder);
  g_test_add_func ("/burrow/ui/preferences/drop-folder", test_drop_folder);
  return TRUE;
}

static void
cleanup (void)
{
  g_clear_pointer (&music_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "preferences",
    .app = &app,
    .data_dir = &data_dir,
    .add_cases = add_cases,
    .cleanup = cleanup,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
