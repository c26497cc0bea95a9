/* burrow-test-ui.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "burrow-test-util.h"

#include "burrow-test-ui.h"

gboolean
burrow_test_ui_expect_german (void)
{
  return g_strcmp0 (g_getenv ("BURROW_TEST_EXPECT_LANG"), "de") == 0;
}

void
burrow_test_ui_setup_locale (void)
{
  const char *localedir = g_getenv ("BURROW_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

void
burrow_test_ui_flush (void)
{
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

gboolean
burrow_test_ui_wait_mapped (GtkWidget *widget)
{
  return burrow_test_wait_until (is_mapped, widget, BURROW_TEST_UI_WAIT_MS);
}

static gboolean
any_transition_running (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget) && gtk_stack_get_transition_running (GTK_STACK (widget)))
    return TRUE;
  if (GTK_IS_REVEALER (widget) &&
      gtk_revealer_get_child_revealed (GTK_REVEALER (widget)) !=
      gtk_revealer_get_reveal_child (GTK_REVEALER (widget)))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (any_transition_running (child))
      return TRUE;
  return FALSE;
}

static gboolean
settled (gpointer data)
{
  return !any_transition_running (GTK_WIDGET (data));
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gboolean      *painted)
{
  *painted = TRUE;
}

GdkTexture *
burrow_test_ui_render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

char *
burrow_test_ui_screenshot_path (const char *name)
{
  const char *dir = g_getenv ("BURROW_SCREENSHOT_DIR");

  return g_build_filename (dir ? dir : g_get_tmp_dir (), name, NULL);
}

void
burrow_test_ui_screenshot (GtkWidget  *widget,
                           const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong id;

  g_assert_true (burrow_test_wait_until (settled, widget, BURROW_TEST_UI_WAIT_MS));
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (burrow_test_wait_for_flag (&painted, BURROW_TEST_UI_WAIT_MS));
  g_signal_handler_disconnect (clock, id);

  texture = burrow_test_ui_render (widget);
  path = burrow_test_ui_screenshot_path (name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

GtkWidget *
burrow_test_ui_find (GtkWidget             *root,
                     BurrowTestWidgetMatch  match,
                     gconstpointer          data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = burrow_test_ui_find (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_label_with_text (GtkWidget     *widget,
                    gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

GtkWidget *
burrow_test_ui_find_label (GtkWidget  *root,
                           const char *text)
{
  return burrow_test_ui_find (root, is_label_with_text, text);
}

char *
burrow_test_ui_read_clipboard (GtkWidget *widget)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  char *text;

  gdk_clipboard_read_text_async (clipboard, NULL, burrow_test_result_cb, &r);
  text = gdk_clipboard_read_text_finish (clipboard,
                                         burrow_test_result_wait (&r, BURROW_TEST_UI_WAIT_MS),
                                         &error);
  g_assert_no_error (error);
  return text;
}

gboolean
burrow_test_ui_init (int    *argc,
                     char ***argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      printf ("1..0 # SKIP no display\n");
      return FALSE;
    }

  gtk_test_init (argc, argv, NULL);
  burrow_test_ui_setup_locale ();
  return TRUE;
}

BurrowTestHub *
burrow_test_ui_start_hub (void)
{
  g_autoptr(GError) error = NULL;
  BurrowTestHub *hub = burrow_test_hub_start (NULL, &error);

  if (hub == NULL)
    printf ("1..0 # SKIP %s\n", error->message);
  return hub;
}

char *
burrow_test_ui_make_data_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir;

  dir = g_dir_make_tmp (tmpl, &error);
  g_assert_no_error (error);
  g_setenv ("BURROW_DATA_DIR", dir, TRUE);
  return dir;
}

static gboolean first_run;

void
burrow_test_ui_set_first_run (gboolean value)
{
  first_run = value;
}

/* After the application's own startup, which opened the client. */
static void
on_app_startup_cb (GApplication *application)
{
  BurrowClient *client = burrow_application_get_client (BURROW_APPLICATION (application));

  if (!first_run && client != NULL)
    burrow_client_set_welcome_done (client, TRUE);
}

typedef struct
{
  BurrowTestUiHook before;
  BurrowTestUiHook after;
  gboolean         started;
  int              status;
} AppRun;

/* Runs the test cases once the application is up (after its own activate handler). */
static void
on_app_activate_cb (GApplication *application,
                    gpointer      user_data)
{
  AppRun *run = user_data;
  GList *windows;

  /* Test cases call g_application_activate () themselves. */
  if (run->started)
    return;
  run->started = TRUE;

  if (run->before != NULL)
    run->before (application);
  run->status = g_test_run ();
  if (run->after != NULL)
    run->after (application);

  /* Closing every window ends g_application_run () through the normal shutdown path. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (application)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free (windows);
}

int
burrow_test_ui_run_app (GApplication     *app,
                        BurrowTestUiHook  before,
                        BurrowTestUiHook  after)
{
  char *app_argv[] = { (char *) g_get_prgname (), NULL };
  AppRun run = { before, after, FALSE, 1 };
  int app_status;

  /* NON_UNIQUE: a Burrow that is already running (or a parallel test) must not receive our
   * activation. */
  g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_app_activate_cb), &run);
  if (BURROW_IS_APPLICATION (app))
    g_signal_connect (app, "startup", G_CALLBACK (on_app_startup_cb), NULL);

  app_status = g_application_run (app, 1, app_argv);
  g_assert_cmpint (app_status, ==, 0);
  g_assert_finalize_object (app);

  return run.status;
}

int
burrow_test_ui_main (int                        argc,
                     char                     **argv,
                     const BurrowTestUiProgram *program)
{
  int status = 0;

  if (program->data_dir != NULL)
    {
      g_autofree char *tmpl = g_strdup_printf ("burrow-test-%s-XXXXXX", program->name);

      *program->data_dir = burrow_test_ui_make_data_dir (tmpl);
    }
  if (program->prepare != NULL)
    program->prepare ();

  if (!burrow_test_ui_init (&argc, &argv))
    goto out;
  if (program->hub != NULL)
    {
      *program->hub = burrow_test_ui_start_hub ();
      if (*program->hub == NULL)
        goto out;
    }
  if (!program->add_cases ())
    goto out;

  *program->app = burrow_application_new ();
  status = burrow_test_ui_run_app (G_APPLICATION (*program->app), program->before,
                                   program->after);
  *program->app = NULL;   /* finalized (asserted) */

out:
  if (program->cleanup != NULL)
    program->cleanup ();
  if (program->hub != NULL)
    g_clear_pointer (program->hub, burrow_test_hub_free);
  if (program->data_dir != NULL && *program->data_dir != NULL)
    {
      burrow_test_remove_tree (*program->data_dir);
      g_clear_pointer (program->data_dir, g_free);
    }
  return status;
}

BurrowWindow *
burrow_test_ui_get_window (GApplication *app)
{
  GtkWindow *window;

  g_application_activate (app);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (BURROW_IS_WINDOW (window));
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (window)));
  return BURROW_WINDOW (window);
}

static void
on_name_appeared_cb (GDBusConnection *bus,
                     const char      *name,
                     const char      *owner,
                     gpointer         user_data)
{
  gboolean *appeared = user_data;

  *appeared = TRUE;
}

/* Waits until @name has an owner on @bus (told by the bus, no polling). */
static gboolean
wait_bus_name (GDBusConnection *bus,
               const char      *name,
               guint            timeout_ms)
{
  gboolean appeared = FALSE;
  guint watch;

  watch = g_bus_watch_name_on_connection (bus, name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          on_name_appeared_cb, NULL, &appeared, NULL);
  burrow_test_wait_for_flag (&appeared, timeout_ms);
  g_bus_unwatch_name (watch);
  return appeared;
}

GSubprocess *
burrow_test_ui_start_notification_daemon (const char *log_path,
                                          guint       timeout_ms)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GSubprocess) daemon = NULL;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      !g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  daemon = g_subprocess_launcher_spawn (launcher, NULL, "/usr/bin/python3", "-m", "dbusmock",
                                        "--template", "notification_daemon", "-l", log_path,
                                        NULL);
  if (daemon == NULL)
    return NULL;
  if (!wait_bus_name (bus, "org.freedesktop.Notifications", timeout_ms))
    {
      burrow_test_ui_stop_notification_daemon (g_steal_pointer (&daemon));
      return NULL;
    }
  return g_steal_pointer (&daemon);
}

void
burrow_test_ui_stop_notification_daemon (GSubprocess *daemon)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;

  if (daemon == NULL)
    return;
  g_subprocess_force_exit (daemon);
  g_subprocess_wait_async (daemon, NULL, burrow_test_result_cb, &r);
  g_subprocess_wait_finish (daemon, burrow_test_result_wait (&r, BURROW_TEST_UI_WAIT_MS), NULL);
  g_object_unref (daemon);
}

typedef struct
{
  const char *path;
  const char *a;
  const char *b;
} LogWait;

static gboolean
log_has (gpointer data)
{
  LogWait *wait = data;
  g_autofree char *log = NULL;

  if (!g_file_get_contents (wait->path, &log, NULL, NULL))
    return FALSE;
  return strstr (log, wait->a) != NULL && (wait->b == NULL || strstr (log, wait->b) != NULL);
}

gboolean
burrow_test_ui_wait_log (const char *log_path,
                         const char *a,
                         const char *b,
                         guint       timeout_ms)
{
  LogWait wait = { log_path, a, b };

  return burrow_test_wait_until (log_has, &wait, timeout_ms);
}

/* ---------------------------------------------------------------------------------------------- */
/* A folder handler, the notification portal and signals from dbusmock                            */
/* ---------------------------------------------------------------------------------------------- */

static void
write_file_or_die (const char *path,
                   const char *contents,
                   int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

void
burrow_test_ui_install_folder_handler (const char *dir,
                                       const char *log_path)
{
  g_autofree char *data_home = g_build_filename (dir, "xdg-data", NULL);
  g_autofree char *config_home = g_build_filename (dir, "xdg-config", NULL);
  g_autofree char *apps = g_build_filename (data_home, "applications", NULL);
  g_autofree char *script = g_build_filename (dir, "open-folder.sh", NULL);
  g_autofree char *desktop = g_build_filename (apps, "burrow-test-open-folder.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (config_home, "mimeapps.list", NULL);
  g_autofree char *quoted_log = g_shell_quote (log_path);
  g_autofree char *script_text = NULL;
  g_autofree char *desktop_text = NULL;

  /* The Exec line takes the script's path unquoted: keep it simple. */
  g_assert_null (strpbrk (script, " \t\n\"'\\$`%"));

  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config_home, 0700), ==, 0);

  script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$@\" >> %s\n", quoted_log);
  write_file_or_die (script, script_text, 0755);

  /* X-GIO-NoFuse: GIO passes the URI for %u as it is (not the local path). */
  desktop_text = g_strdup_printf ("[Desktop Entry]\n"
                                  "Type=Application\n"
                                  "Name=Burrow test folder opener\n"
                                  "Exec=%s %%u\n"
                                  "MimeType=inode/directory;\n"
                                  "NoDisplay=true\n"
                                  "X-GIO-NoFuse=true\n",
                                  script);
  write_file_or_die (desktop, desktop_text, 0644);
  write_file_or_die (mimeapps,
                     "[Default Applications]\n"
                     "inode/directory=burrow-test-open-folder.desktop\n",
                     0644);

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
}

static gboolean
on_poll_tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
mock_call (GDBusConnection *bus,
           const char      *bus_name,
           const char      *path,
           const char      *method,
           GVariant        *args)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (bus, bus_name, path, "org.freedesktop.DBus.Mock", method,
                                       args, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  if (reply == NULL)
    g_test_message ("dbusmock %s failed: %s", method, error->message);
  return reply != NULL;
}

GSubprocess *
burrow_test_ui_start_notification_portal (const char *log_path,
                                          guint       timeout_ms)
{
  const char *name = "org.freedesktop.portal.Desktop";
  const char *path = "/org/freedesktop/portal/desktop";
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GSubprocess) portal = NULL;
  gboolean ready;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      !g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  portal = g_subprocess_launcher_spawn (launcher, NULL, "/usr/bin/python3", "-m", "dbusmock",
                                        "--session", name, path,
                                        "org.freedesktop.portal.Notification", "-l", log_path,
                                        NULL);
  if (portal == NULL)
    return NULL;
  ready = wait_bus_name (bus, name, timeout_ms);
  /* libnotify reads the version property when it makes its proxy: all of it before that. */
  if (!ready ||
      !mock_call (bus, name, path, "AddMethod",
                  g_variant_new ("(sssss)", "", "AddNotification", "sa{sv}", "", "")) ||
      !mock_call (bus, name, path, "AddMethod",
                  g_variant_new ("(sssss)", "", "RemoveNotification", "s", "", "")) ||
      !mock_call (bus, name, path, "AddProperty",
                  g_variant_new ("(ssv)", "", "version", g_variant_new_uint32 (1))))
    {
      burrow_test_ui_stop_notification_daemon (g_steal_pointer (&portal));
      return NULL;
    }
  return g_steal_pointer (&portal);
}

gboolean
burrow_test_ui_mock_emit_signal (const char *bus_name,
                                 const char *path,
                                 const char *interface,
                                 const char *signal,
                                 GVariant   *args)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned_args = g_variant_ref_sink (args);
  g_autofree char *signature = NULL;
  const char *type = g_variant_get_type_string (owned_args);
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *child;

  g_return_val_if_fail (g_variant_is_of_type (owned_args, G_VARIANT_TYPE_TUPLE), FALSE);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return FALSE;
  signature = g_strndup (type + 1, strlen (type) - 2);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  g_variant_iter_init (&iter, owned_args);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_variant_builder_add (&builder, "v", child);
      g_variant_unref (child);
    }
  return mock_call (bus, bus_name, path, "EmitSignal",
                    g_variant_new ("(sssav)", interface, signal, signature, &builder));
}

guint
burrow_test_ui_count_log_lines (const char *log_path,
                                const char *line)
{
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (log_path, &log, NULL, NULL))
    return 0;
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_strcmp0 (lines[i], line) == 0)
      n++;
  return n;
}

typedef struct
{
  const char *path;
  const char *line;
  guint       n;
} LogLinesWait;

static gboolean
log_has_lines (gpointer data)
{
  LogLinesWait *wait = data;

  return burrow_test_ui_count_log_lines (wait->path, wait->line) >= wait->n;
}

gboolean
burrow_test_ui_wait_log_lines (const char *log_path,
                               const char *line,
                               guint       n,
                               guint       timeout_ms)
{
  LogLinesWait wait = { log_path, line, n };
  gboolean found;
  guint tick;

  /* The file changes without a main-loop event: wake up now and then to look. */
  tick = g_timeout_add (25, on_poll_tick_cb, NULL);
  found = burrow_test_wait_until (log_has_lines, &wait, timeout_ms);
  g_source_remove (tick);
  return found;
}
