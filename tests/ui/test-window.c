/* test-window.c — the application shell: window, pages, banner, actions, About, translations
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-window-private.h"

#include "burrow-window.h"

#define WAIT_MS 5000

/* One application per process: a GApplication registers once. */
static BurrowApplication *app;

/* Expected page titles; BURROW_TEST_EXPECT_LANG=de switches to German (LANGUAGE=de). */
typedef struct
{
  const char *name;
  const char *title_c;
  const char *title_de;
} PageInfo;

static const PageInfo pages[] = {
  { "hubs", "Hubs", "Hubs" },
  { "public-hubs", "Public Hubs", "Öffentliche Hubs" },
  { "search", "Search", "Suche" },
  { "transfers", "Transfers", "Übertragungen" },
  { "connectivity", "Connectivity", "Konnektivität" },
};

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
revealer_is_settled (gpointer data)
{
  GtkRevealer *revealer = data;

  return gtk_revealer_get_child_revealed (revealer) == gtk_revealer_get_reveal_child (revealer);
}

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      /* Returned borrowed: GTK's list of toplevels keeps the window alive. */
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gboolean
about_is_shown (gpointer data)
{
  GtkWindow *about = find_toplevel (GTK_TYPE_ABOUT_DIALOG);

  return about != NULL && gtk_widget_get_mapped (GTK_WIDGET (about));
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = burrow_test_ui_screenshot_path (name);
  int width;
  int height;

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >=, 640);
  g_assert_cmpint (height, >=, 480);

  texture = burrow_test_ui_render (widget);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_test_message ("screenshot: %s", path);
}

static void
test_window_basics (void)
{
  BurrowWindow *window = get_window ();
  int width;
  int height;

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Burrow");
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1000);
  g_assert_cmpint (height, ==, 700);

  g_assert_true (GTK_IS_HEADER_BAR (gtk_window_get_titlebar (GTK_WINDOW (window))));
  g_assert_true (G_IS_MENU_MODEL (gtk_menu_button_get_menu_model (window->primary_menu_button)));
  g_assert_cmpint (g_menu_model_get_n_items (gtk_menu_button_get_menu_model (
                     window->primary_menu_button)), >, 0);
  g_assert_true (gtk_stack_sidebar_get_stack (window->sidebar) == window->stack);
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (
                   gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window))));

  /* The app icon comes from the resource (GtkApplication's <resource-base-path>/icons). */
  g_assert_true (gtk_icon_theme_has_icon (
                   gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (window))),
                   "io.github.burrowdc.Burrow"));

  /* Activating again reuses the window. */
  g_assert_true (get_window () == window);
}

static void
test_window_pages (void)
{
  BurrowWindow *window = get_window ();
  g_autoptr(GListModel) stack_pages = G_LIST_MODEL (gtk_stack_get_pages (window->stack));
  gboolean german = burrow_test_ui_expect_german ();
  /* Public Hubs downloads its lists when first shown: here from loopback, where nothing
   * listens on port 1. */
  const char * const servers[] = { "http://127.0.0.1:1/hublist.xml", NULL };

  g_assert_true (burrow_public_hubs_set_servers (
                   burrow_client_get_public_hubs (burrow_application_get_client (app)),
                   servers, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (stack_pages), ==, G_N_ELEMENTS (pages));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      GtkWidget *child = gtk_stack_get_child_by_name (window->stack, pages[i].name);
      GtkStackPage *page;

      g_assert_nonnull (child);
      page = gtk_stack_get_page (window->stack, child);
      g_assert_cmpstr (gtk_stack_page_get_title (page), ==,
                       (german ? pages[i].title_de : pages[i].title_c));

      g_assert_true (burrow_window_set_page (window, pages[i].name));
      g_assert_cmpstr (burrow_window_get_page (window), ==, pages[i].name);
      g_assert_true (gtk_stack_get_visible_child (window->stack) == child);
      g_assert_true (burrow_test_wait_until (widget_is_mapped, child, WAIT_MS));
    }

  /* Unknown names change nothing. */
  g_assert_false (burrow_window_set_page (window, "no-such-page"));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "connectivity");

  /* The stateful win.page action (used by the Alt+N accelerators) and app.show-page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "search"));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "search");
  g_action_group_activate_action (G_ACTION_GROUP (app), "show-page",
                                  g_variant_new_string ("transfers"));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "transfers");
  g_action_group_activate_action (G_ACTION_GROUP (app), "show-page",
                                  g_variant_new_string ("bogus"));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "transfers");
}

static void
test_window_banner (void)
{
  BurrowWindow *window = get_window ();
  const char *text = "hub example.org:411: connection refused";

  g_assert_false (gtk_revealer_get_reveal_child (window->banner_revealer));

  burrow_window_show_banner (window, text);
  g_assert_true (gtk_revealer_get_reveal_child (window->banner_revealer));
  g_assert_cmpstr (gtk_label_get_text (window->banner_label), ==, text);
  g_assert_true (burrow_test_wait_until (revealer_is_settled, window->banner_revealer, WAIT_MS));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->banner_label)));

  /* A newer message replaces the older one. */
  burrow_window_show_banner (window, "second");
  g_assert_cmpstr (gtk_label_get_text (window->banner_label), ==, "second");

  /* The close button dismisses it. */
  g_signal_emit_by_name (window->banner_close_button, "clicked");
  g_assert_false (gtk_revealer_get_reveal_child (window->banner_revealer));
  g_assert_true (burrow_test_wait_until (revealer_is_settled, window->banner_revealer, WAIT_MS));
  g_assert_false (gtk_revealer_get_child_revealed (window->banner_revealer));
}

static void
test_app_actions (void)
{
  BurrowWindow *window = get_window ();
  g_auto(GStrv) quit_accels = NULL;
  g_auto(GStrv) shortcut_accels = NULL;
  GtkWidget *overlay;

  for (guint i = 0; i < 4; i++)
    {
      const char *names[] = { "about", "quit", "shortcuts", "show-page" };

      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), names[i]));
    }

  quit_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_true (g_strv_contains ((const char * const *) quit_accels, "<Control>q"));
  shortcut_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                           "app.shortcuts");
  g_assert_true (g_strv_contains ((const char * const *) shortcut_accels, "<Control>question"));

  /* app.shortcuts shows the window's help overlay. */
  overlay = GTK_WIDGET (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  g_assert_false (gtk_widget_get_visible (overlay));
  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  g_assert_true (gtk_widget_get_visible (overlay));
  g_assert_true (burrow_test_wait_until (widget_is_mapped, overlay, WAIT_MS));
  gtk_window_close (GTK_WINDOW (overlay));
  g_assert_false (gtk_widget_get_visible (overlay));
}

static void
test_app_about (void)
{
  BurrowWindow *window = get_window ();
  GtkAboutDialog *about;

  g_assert_null (find_toplevel (GTK_TYPE_ABOUT_DIALOG));

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_assert_true (burrow_test_wait_until (about_is_shown, NULL, WAIT_MS));

  about = GTK_ABOUT_DIALOG (find_toplevel (GTK_TYPE_ABOUT_DIALOG));
  g_assert_cmpstr (gtk_about_dialog_get_program_name (about), ==, "Burrow");
  g_assert_cmpstr (gtk_about_dialog_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpstr (gtk_about_dialog_get_logo_icon_name (about), ==, APP_ID);
  g_assert_cmpstr (gtk_about_dialog_get_website (about), ==, "https://github.com/burrowdc/burrow");
  g_assert_cmpint (gtk_about_dialog_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (window));
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (gtk_about_dialog_get_comments (about), ==,
                     "Dateien in Direct-Connect-Hubs teilen, auch hinter NAT");

  gtk_window_destroy (GTK_WINDOW (about));
  g_assert_null (find_toplevel (GTK_TYPE_ABOUT_DIALOG));
}

static void
test_app_open (void)
{
  g_autoptr(GFile) hub = g_file_new_for_uri ("adcs://hub.example.org:2780");
  g_autoptr(GFile) magnet = g_file_new_for_uri ("magnet:?xt=urn:tree:tiger:"
                                                "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ");
  GFile *files[2];
  BurrowWindow *window = get_window ();

  g_assert_true (burrow_application_handles_uri ("adc://hub.example.org:411"));
  g_assert_true (burrow_application_handles_uri ("ADCS://hub.example.org:2780/?kp=SHA256/X"));
  g_assert_true (burrow_application_handles_uri ("dchub://hub.example.org"));
  g_assert_true (burrow_application_handles_uri ("magnet:?xt=urn:tree:tiger:AAAA"));
  g_assert_false (burrow_application_handles_uri ("https://example.org/"));
  g_assert_false (burrow_application_handles_uri ("file:///etc/passwd"));
  g_assert_false (burrow_application_handles_uri ("no scheme at all"));
  g_assert_false (burrow_application_handles_uri (""));
  g_assert_false (burrow_application_handles_uri (NULL));

  /* Opening links presents the existing window (and does not open another one). */
  files[0] = hub;
  files[1] = magnet;
  g_application_open (G_APPLICATION (app), files, G_N_ELEMENTS (files), "");
  g_assert_true (gtk_application_get_active_window (GTK_APPLICATION (app)) ==
                 GTK_WINDOW (window));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);
}

static void
test_window_screenshot (void)
{
  BurrowWindow *window = get_window ();
  g_autofree char *name = NULL;

  name = g_strdup_printf ("screenshot-window-%s.png",
                          burrow_test_ui_expect_german () ? "de" : "C");
  burrow_window_set_page (window, "hubs");
  burrow_window_show_banner (window,
                             burrow_test_ui_expect_german ()
                             ? "Beispiel: Hub example.org:411 hat die Verbindung abgelehnt"
                             : "Example: hub example.org:411 refused the connection");
  g_assert_true (burrow_test_wait_until (revealer_is_settled, window->banner_revealer, WAIT_MS));
  /* Let a frame with the final layout be drawn. */
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);

  save_screenshot (GTK_WIDGET (window), name);
  burrow_window_hide_banner (window);
}

static gboolean
add_cases (void)
{
  g_test_add_func ("/burrow/ui/window/basics", test_window_basics);
  g_test_add_func ("/burrow/ui/window/pages", test_window_pages);
  g_test_add_func ("/burrow/ui/window/banner", test_window_banner);
  g_test_add_func ("/burrow/ui/window/screenshot", test_window_screenshot);
  g_test_add_func ("/burrow/ui/application/actions", test_app_actions);
  g_test_add_func ("/burrow/ui/application/about", test_app_about);
  g_test_add_func ("/burrow/ui/application/open", test_app_open);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "window",
    .app = &app,
    .add_cases = add_cases,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
