/* test-preferences.c — the preferences window: the engine's settings, shared folders
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
#define SUBPROCESS_US (120 * G_USEC_PER_SEC)

/* The mode dropdown's rows. */
enum
{
  ROW_AUTOMATIC,
  ROW_ACTIVE,
  ROW_PASSIVE,
};

/* What the engine's database holds from an earlier run, written before the app starts. */
#define SEEDED_NICK        "seeded_nick"
#define SEEDED_DESCRIPTION "from the last run"
#define SEEDED_SLOTS       9

static BurrowApplication *app;
static char *data_dir;
static char *music_dir;
static char *seeded_download_dir;
static guint16 seeded_port;
static gboolean second_start;   /* this process is a later start on the same data directory */

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

static gpointer
prefs_child (BurrowPreferencesWindow *prefs,
             const char              *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (prefs),
                                                  BURROW_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

/* A TCP port on 0.0.0.0 that nothing listens on right now. */
static guint16
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static guint
client_port (BurrowClient *client)
{
  guint port = 0;

  g_object_get (client, "port", &port, NULL);
  return port;
}

/* An earlier run of the engine on the test's data dir: it keeps its settings in its
 * database, which the app's engine then opens. */
static void
seed_engine (void)
{
  g_autoptr(GError) error = NULL;
  BurrowClient *client = burrow_client_new (data_dir, &error);

  g_assert_no_error (error);
  burrow_client_set_nick (client, SEEDED_NICK);
  burrow_client_set_description (client, SEEDED_DESCRIPTION);
  burrow_client_set_slots (client, SEEDED_SLOTS);
  burrow_client_set_download_dir (client, seeded_download_dir);
  g_assert_true (burrow_client_set_port (client, seeded_port, &error));
  g_assert_no_error (error);
  burrow_client_set_mode (client, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  /* Gone, and its port closed, before the app's engine starts. */
  g_assert_finalize_object (client);
}

/* ---------------------------------------------------------------------------------------------- */

static void
test_restored (void)
{
  BurrowPreferencesWindow *prefs = open_preferences ();
  BurrowClient *client = burrow_application_get_client (app);
  g_autofree char *shown_dir = g_filename_display_name (seeded_download_dir);

  /* The app's engine took its settings from the database an earlier run wrote… */
  g_assert_cmpstr (burrow_client_get_nick (client), ==, SEEDED_NICK);
  g_assert_cmpstr (burrow_client_get_description (client), ==, SEEDED_DESCRIPTION);
  g_assert_cmpuint (burrow_client_get_slots (client), ==, SEEDED_SLOTS);
  g_assert_cmpuint (client_port (client), ==, seeded_port);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), ==,
                    seeded_port);
  g_assert_cmpstr (burrow_client_get_download_dir (client), ==, seeded_download_dir);

  /* …and the window shows them. */
  g_assert_cmpstr (gtk_editable_get_text (burrow_preferences_window_get_nick_entry (prefs)), ==,
                   SEEDED_NICK);
  g_assert_cmpstr (gtk_editable_get_text (prefs_child (prefs, "description_entry")), ==,
                   SEEDED_DESCRIPTION);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (
                     burrow_preferences_window_get_slots_spin (prefs)), ==, SEEDED_SLOTS);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (prefs_child (prefs, "port_spin")), ==,
                   seeded_port);
  g_assert_true (gtk_widget_get_sensitive (prefs_child (prefs, "port_spin")));
  g_assert_cmpuint (gtk_drop_down_get_selected (prefs_child (prefs, "mode_dropdown")), ==,
                    ROW_ACTIVE);
  g_assert_cmpstr (gtk_label_get_text (prefs_child (prefs, "download_dir_label")), ==, shown_dir);
  g_assert_null (burrow_preferences_window_get_connection_error (prefs));

  /* Every port mapping protocol is on unless turned off; their switches show in automatic mode
   * only. */
  for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
    g_assert_true (burrow_client_get_port_mapping_enabled (client, m));
  g_assert_true (gtk_switch_get_active (prefs_child (prefs, "upnp_switch")));
  g_assert_true (gtk_switch_get_active (prefs_child (prefs, "natpmp_switch")));
  g_assert_true (gtk_switch_get_active (prefs_child (prefs, "pcp_switch")));
  g_assert_false (gtk_widget_get_visible (prefs_child (prefs, "upnp_row")));
}

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
  GtkEditable *nick_entry = burrow_preferences_window_get_nick_entry (prefs);
  GtkEditable *description_entry = prefs_child (prefs, "description_entry");
  GtkSpinButton *slots_spin = burrow_preferences_window_get_slots_spin (prefs);
  GtkSpinButton *port_spin = prefs_child (prefs, "port_spin");
  GtkDropDown *mode_dropdown = prefs_child (prefs, "mode_dropdown");
  GtkLabel *download_dir_label = prefs_child (prefs, "download_dir_label");
  g_autofree char *shown_dir = g_filename_display_name (music_dir);
  g_autofree char *busy_text = NULL;
  guint16 new_port;
  guint16 busy_port;

  /* Typing a nick changes the engine's. */
  gtk_editable_set_text (nick_entry, "prefs_nick");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "prefs_nick");
  /* Surrounding spaces are not part of it; an empty entry leaves the nick in use, which the
   * entry then shows as its placeholder. */
  gtk_editable_set_text (nick_entry, "  spaced_nick ");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "spaced_nick");
  gtk_editable_set_text (nick_entry, "");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "spaced_nick");
  g_assert_cmpstr (gtk_entry_get_placeholder_text (GTK_ENTRY (nick_entry)), ==, "spaced_nick");
  /* A nick that hubs refuse does not reach the engine either. */
  gtk_editable_set_text (nick_entry, "two words");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "spaced_nick");
  gtk_editable_set_text (nick_entry, "pipe|nick");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "spaced_nick");
  /* A nick set on the engine (burrow-cli would do it there) shows in the window. */
  burrow_client_set_nick (client, "engine_nick");
  g_assert_cmpstr (gtk_editable_get_text (nick_entry), ==, "engine_nick");
  gtk_editable_set_text (nick_entry, "prefs_nick");
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "prefs_nick");

  /* Description. */
  gtk_editable_set_text (description_entry, "ask me for FLAC");
  g_assert_cmpstr (burrow_client_get_description (client), ==, "ask me for FLAC");

  /* Upload slots, both ways. */
  gtk_spin_button_set_value (slots_spin, 7);
  g_assert_cmpuint (burrow_client_get_slots (client), ==, 7);
  g_object_set (client, "slots", 5, NULL);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (slots_spin), ==, 5);

  /* The port: in active mode (restored from the database) the engine listens on it at once. */
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  new_port = free_port ();
  gtk_spin_button_set_value (port_spin, new_port);
  g_assert_cmpuint (client_port (client), ==, new_port);
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), ==,
                    new_port);
  g_assert_null (burrow_preferences_window_get_connection_error (prefs));

  /* A port that something else holds: the window says why it cannot be used. */
  {
    g_autoptr(GSocketListener) holder = g_socket_listener_new ();
    g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
    g_autoptr(GSocketAddress) effective = NULL;
    g_autoptr(GError) error = NULL;
    const char *shown;

    g_socket_listener_add_address (holder, address, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
    g_assert_no_error (error);
    busy_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    busy_text = g_strdup_printf ("%u", busy_port);

    gtk_spin_button_set_value (port_spin, busy_port);
    shown = burrow_preferences_window_get_connection_error (prefs);
    g_assert_nonnull (shown);
    g_assert_nonnull (strstr (shown, busy_text));
    g_socket_listener_close (holder);
  }
  /* A free one again: listening, and the problem is gone. */
  new_port = free_port ();
  gtk_spin_button_set_value (port_spin, new_port);
  g_assert_cmpuint (client_port (client), ==, new_port);
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), ==,
                    new_port);
  g_assert_null (burrow_preferences_window_get_connection_error (prefs));

  /* The mode, both ways. Passive stops listening, and the port is not editable then. */
  gtk_drop_down_set_selected (mode_dropdown, ROW_PASSIVE);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_PASSIVE);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (port_spin)));
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), ==, 0);
  burrow_client_set_mode (client, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpuint (gtk_drop_down_get_selected (mode_dropdown), ==, ROW_ACTIVE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (port_spin)));
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), ==,
                    new_port);
  gtk_drop_down_set_selected (mode_dropdown, ROW_PASSIVE);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_PASSIVE);

  /* Active on a port that something else holds: the engine stays passive, and the window
   * says so and shows Passive again. */
  {
    g_autoptr(GSocketListener) holder = g_socket_listener_new ();
    g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
    g_autoptr(GSocketAddress) effective = NULL;
    g_autoptr(GError) error = NULL;
    GLogLevelFlags fatal_mask;
    const char *shown;

    g_socket_listener_add_address (holder, address, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
    g_assert_no_error (error);
    busy_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    g_clear_pointer (&busy_text, g_free);
    busy_text = g_strdup_printf ("%u", busy_port);

    /* Passive: the port is only stored. */
    gtk_spin_button_set_value (port_spin, busy_port);
    g_assert_cmpuint (client_port (client), ==, busy_port);
    g_assert_null (burrow_preferences_window_get_connection_error (prefs));

    /* The engine logs a warning here, structured, which g_test_expect_message () does not
     * see on GLib 2.74: let warnings through for this one call. */
    fatal_mask = g_log_set_always_fatal (G_LOG_FATAL_MASK);
    gtk_drop_down_set_selected (mode_dropdown, ROW_ACTIVE);
    g_log_set_always_fatal (fatal_mask);
    g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_PASSIVE);
    g_assert_cmpuint (gtk_drop_down_get_selected (mode_dropdown), ==, ROW_PASSIVE);
    g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (port_spin)));
    shown = burrow_preferences_window_get_connection_error (prefs);
    g_assert_nonnull (shown);
    g_assert_nonnull (strstr (shown, busy_text));
    if (burrow_test_ui_expect_german ())
      g_assert_nonnull (strstr (shown, "passiv"));
    g_socket_listener_close (holder);
  }
  /* Once the port is free, Active works and the problem is gone. */
  gtk_drop_down_set_selected (mode_dropdown, ROW_ACTIVE);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), ==,
                    busy_port);
  g_assert_null (burrow_preferences_window_get_connection_error (prefs));
  gtk_drop_down_set_selected (mode_dropdown, ROW_PASSIVE);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_PASSIVE);

  /* The download folder: a change to the engine's property shows in the window. */
  g_object_set (client, "download-dir", music_dir, NULL);
  g_assert_cmpstr (gtk_label_get_text (download_dir_label), ==, shown_dir);

  /* All of it is the engine's: a second engine on the same data dir reads it back. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowClient) other = burrow_client_new (data_dir, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (burrow_client_get_nick (other), ==, "prefs_nick");
    g_assert_cmpstr (burrow_client_get_description (other), ==, "ask me for FLAC");
    g_assert_cmpuint (burrow_client_get_slots (other), ==, 5);
    g_assert_cmpuint (client_port (other), ==, busy_port);
    g_assert_cmpint (burrow_client_get_mode (other), ==, BURROW_CONNECTION_MODE_PASSIVE);
    g_assert_cmpstr (burrow_client_get_download_dir (other), ==, music_dir);
  }
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
/* The connection mode and the port mapping protocols, kept across a restart                      */
/* ---------------------------------------------------------------------------------------------- */

typedef struct
{
  guint    row;      /* in the mode dropdown */
  gboolean upnp;     /* the port mapping switches */
  gboolean natpmp;
  gboolean pcp;
} ConnectionChoice;

static const BurrowConnectionMode row_modes[] = {
  [ROW_AUTOMATIC] = BURROW_CONNECTION_MODE_AUTO,
  [ROW_ACTIVE] = BURROW_CONNECTION_MODE_ACTIVE,
  [ROW_PASSIVE] = BURROW_CONNECTION_MODE_PASSIVE,
};

/* Runs this test again in a new process: a second start of Burrow on the same data directory
 * (BURROW_DATA_DIR is inherited). */
static void
assert_second_start_passes (void)
{
  g_test_trap_subprocess (NULL, SUBPROCESS_US, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* What the window shows is @choice, and the engine uses it. */
static void
assert_connection_shown (BurrowPreferencesWindow *prefs,
                         const ConnectionChoice  *choice)
{
  BurrowClient *client = burrow_application_get_client (app);
  gboolean automatic = choice->row == ROW_AUTOMATIC;

  g_assert_cmpuint (gtk_drop_down_get_selected (prefs_child (prefs, "mode_dropdown")), ==,
                    choice->row);
  g_assert_cmpint (burrow_client_get_mode (client), ==, row_modes[choice->row]);
  g_assert_null (burrow_preferences_window_get_connection_error (prefs));
  /* The port is used in automatic and active mode, the protocols in automatic mode only. */
  g_assert_cmpint (gtk_widget_get_sensitive (prefs_child (prefs, "port_spin")), ==,
                   choice->row != ROW_PASSIVE);
  g_assert_cmpint (gtk_widget_get_visible (prefs_child (prefs, "upnp_row")), ==, automatic);
  g_assert_cmpint (gtk_widget_get_visible (prefs_child (prefs, "natpmp_row")), ==, automatic);
  g_assert_cmpint (gtk_widget_get_visible (prefs_child (prefs, "pcp_row")), ==, automatic);

  g_assert_cmpint (gtk_switch_get_active (prefs_child (prefs, "upnp_switch")), ==, choice->upnp);
  g_assert_cmpint (gtk_switch_get_active (prefs_child (prefs, "natpmp_switch")), ==,
                   choice->natpmp);
  g_assert_cmpint (gtk_switch_get_active (prefs_child (prefs, "pcp_switch")), ==, choice->pcp);
  g_assert_cmpint (burrow_client_get_port_mapping_enabled (client, BURROW_MAPPING_METHOD_UPNP), ==,
                   choice->upnp);
  g_assert_cmpint (burrow_client_get_port_mapping_enabled (client, BURROW_MAPPING_METHOD_NAT_PMP),
                   ==, choice->natpmp);
  g_assert_cmpint (burrow_client_get_port_mapping_enabled (client, BURROW_MAPPING_METHOD_PCP), ==,
                   choice->pcp);
}

/* Chooses @choice as a user does: the switches show under Automatic, so there first, then the
 * mode. Then restarts Burrow, which must show it again. */
static void
choose_and_restart (const ConnectionChoice *choice)
{
  BurrowPreferencesWindow *prefs = open_preferences ();
  BurrowClient *client = burrow_application_get_client (app);
  GtkDropDown *mode_dropdown = prefs_child (prefs, "mode_dropdown");

  if (second_start)
    {
      assert_connection_shown (prefs, choice);
      return;
    }

  gtk_drop_down_set_selected (mode_dropdown, ROW_AUTOMATIC);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_AUTO);
  g_assert_true (gtk_widget_get_mapped (prefs_child (prefs, "upnp_switch")));
  g_assert_true (gtk_widget_get_mapped (prefs_child (prefs, "natpmp_switch")));
  g_assert_true (gtk_widget_get_mapped (prefs_child (prefs, "pcp_switch")));
  gtk_switch_set_active (prefs_child (prefs, "upnp_switch"), choice->upnp);
  gtk_switch_set_active (prefs_child (prefs, "natpmp_switch"), choice->natpmp);
  gtk_switch_set_active (prefs_child (prefs, "pcp_switch"), choice->pcp);
  gtk_drop_down_set_selected (mode_dropdown, choice->row);
  burrow_test_ui_flush ();
  assert_connection_shown (prefs, choice);
  if (choice->row == ROW_AUTOMATIC)
    {
      g_autofree char *screenshot = NULL;

      screenshot = g_strdup_printf ("screenshot-preferences-automatic-%s.png",
                                    burrow_test_ui_expect_german () ? "de" : "C");
      /* The connection settings alone: the window scrolls. */
      burrow_test_ui_screenshot (gtk_widget_get_ancestor (GTK_WIDGET (mode_dropdown),
                                                          GTK_TYPE_LIST_BOX), screenshot);
    }

  /* The next start listens on the port itself: this one lets go of it (through the connector,
   * so the stored choice stays). */
  g_assert_true (burrow_nat_connector_set_active (burrow_client_get_connector (client), FALSE, 0,
                                                  NULL));
  assert_second_start_passes ();
  gtk_window_close (GTK_WINDOW (prefs));
}

static void
test_mode_automatic (void)
{
  /* Every protocol switched off. */
  static const ConnectionChoice choice = { ROW_AUTOMATIC, FALSE, FALSE, FALSE };

  if (!second_start)
    {
      BurrowPreferencesWindow *prefs = open_preferences ();
      GListModel *modes = gtk_drop_down_get_model (prefs_child (prefs, "mode_dropdown"));

      /* Automatic comes first, recommended; Passive says that it still connects to passive
       * users. */
      g_assert_cmpuint (g_list_model_get_n_items (modes), ==, 3);
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (modes), ROW_AUTOMATIC), ==,
                       C_("mode", "Automatic (recommended)"));
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (modes), ROW_ACTIVE), ==,
                       C_("mode", "Active"));
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (modes), ROW_PASSIVE), ==,
                       C_("mode", "Passive with NAT traversal"));
      if (burrow_test_ui_expect_german ())
        g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (modes), ROW_AUTOMATIC), !=,
                         "Automatic (recommended)");
    }
  choose_and_restart (&choice);
}

static void
test_mode_active (void)
{
  /* UPnP and PCP on again. */
  static const ConnectionChoice choice = { ROW_ACTIVE, TRUE, FALSE, TRUE };

  choose_and_restart (&choice);
}

static void
test_mode_passive (void)
{
  /* NAT-PMP on again, UPnP off again. */
  static const ConnectionChoice choice = { ROW_PASSIVE, FALSE, TRUE, TRUE };

  choose_and_restart (&choice);
}

/* ---------------------------------------------------------------------------------------------- */

static gboolean
add_cases (void)
{
  /* A later start (g_test_trap_subprocess ()) uses the data directory of the first one. */
  if (!second_start)
    {
      music_dir = g_build_filename (data_dir, "Music", NULL);
      g_assert_cmpint (g_mkdir_with_parents (music_dir, 0755), ==, 0);
      g_free (burrow_test_write_file (music_dir, "a.flac", 30000, 1));
      g_free (burrow_test_write_file (music_dir, "b.flac", 20000, 2));
      g_free (burrow_test_write_file (music_dir, "notes.txt", 500, 3));
      seeded_download_dir = g_build_filename (data_dir, "Downloads from before", NULL);
      seeded_port = free_port ();
      seed_engine ();
    }

  g_test_add_func ("/burrow/ui/preferences/restored", test_restored);
  g_test_add_func ("/burrow/ui/preferences/open", test_open);
  g_test_add_func ("/burrow/ui/preferences/settings-reach-client", test_settings_reach_client);
  g_test_add_func ("/burrow/ui/preferences/share-folder", test_share_folder);
  g_test_add_func ("/burrow/ui/preferences/drop-folder", test_drop_folder);
  g_test_add_func ("/burrow/ui/preferences/mode-automatic", test_mode_automatic);
  g_test_add_func ("/burrow/ui/preferences/mode-active", test_mode_active);
  g_test_add_func ("/burrow/ui/preferences/mode-passive", test_mode_passive);
  return TRUE;
}

static void
cleanup (void)
{
  g_clear_pointer (&music_dir, g_free);
  g_clear_pointer (&seeded_download_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  BurrowTestUiProgram program = {
    .name = "preferences",
    .app = &app,
    .data_dir = &data_dir,
    .add_cases = add_cases,
    .cleanup = cleanup,
  };

  /* Automatic mode here must send no port mapping packet off the machine. */
  g_setenv ("BURROW_PORT_MAPPING", "off", TRUE);
  for (int i = 1; i < argc; i++)
    if (g_strcmp0 (argv[i], "--GTestSubprocess") == 0)
      second_start = TRUE;
  if (second_start)
    program.data_dir = NULL;

  return burrow_test_ui_main (argc, argv, &program);
}
