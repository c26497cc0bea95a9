/* burrow-test-ui.h — helpers for the GTK tests: waiting for frames, screenshots, finding widgets
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-test-hub.h"
#include "burrow-window.h"

G_BEGIN_DECLS

#define BURROW_TEST_UI_WAIT_MS 10000

/* TRUE when the second run expects German (BURROW_TEST_EXPECT_LANG=de). */
gboolean       burrow_test_ui_expect_german              (void);
/* Binds the text domain to BURROW_LOCALEDIR after gtk_test_init () (which forces C). */
void           burrow_test_ui_setup_locale               (void);
/* Prints a TAP skip and returns FALSE without a display; otherwise runs gtk_test_init () and
 * burrow_test_ui_setup_locale (). */
gboolean       burrow_test_ui_init                       (int            *argc,
                                                          char         ***argv);
/* Starts a test hub, or prints a TAP skip (with the reason) and returns NULL. */
BurrowTestHub *burrow_test_ui_start_hub                  (void);
/* A new temporary directory from @tmpl (g_dir_make_tmp ()), exported as BURROW_DATA_DIR. */
char          *burrow_test_ui_make_data_dir              (const char     *tmpl);

typedef void (*BurrowTestUiHook) (GApplication *app);

/* By default the apps that burrow_test_ui_run_app () starts count as set up (the welcome is
 * done), so that the first-run welcome does not cover the window that the tests drive. TRUE
 * leaves a fresh data directory's first start as a user sees it. */
void           burrow_test_ui_set_first_run              (gboolean        first_run);

/* Runs @app (made NON_UNIQUE, without the test's arguments) and, on its first activation after
 * its own handler: @before, g_test_run (), @after (either may be NULL), then destroys every
 * window. Asserts the exit status 0 and that @app is finalized; returns g_test_run ()'s result. */
int            burrow_test_ui_run_app                    (GApplication     *app,
                                                          BurrowTestUiHook  before,
                                                          BurrowTestUiHook  after);
/* One UI test program, for burrow_test_ui_main (). The pointers are the program's own globals,
 * which its cases read. */
typedef struct
{
  const char          *name;        /* "hubs": its data directory is burrow-test-hubs-XXXXXX */
  BurrowApplication  **app;         /* the application while the cases run, NULL after */
  BurrowTestHub      **hub;         /* NULL: none; else a test hub (the program skips without) */
  char               **data_dir;    /* NULL: none; else a new data directory, BURROW_DATA_DIR */
  /* Before gtk_test_init (), once the data directory exists: environment that GTK and GIO read
   * when they start. May be NULL. */
  void               (*prepare)     (void);
  /* Once GTK (and the hub) are up: registers the cases with g_test_add_func (). Returns FALSE
   * after printing a TAP skip when the program cannot run. */
  gboolean           (*add_cases)   (void);
  BurrowTestUiHook     before;      /* as in burrow_test_ui_run_app () */
  BurrowTestUiHook     after;
  /* At the end, also after a skip: frees the program's other globals. May be NULL. */
  void               (*cleanup)     (void);
} BurrowTestUiProgram;

/* The whole main () of a UI test program: the data directory, prepare (), gtk_test_init () (a
 * TAP skip without a display), the hub, add_cases (), a new BurrowApplication run with
 * burrow_test_ui_run_app (), then cleanup () and the removal of the hub and the data
 * directory. Returns the exit status for main (). */
int            burrow_test_ui_main                       (int                        argc,
                                                          char                     **argv,
                                                          const BurrowTestUiProgram *program);

/* Activates @app and returns its active window, a mapped BurrowWindow (asserted). */
BurrowWindow  *burrow_test_ui_get_window                 (GApplication   *app);

/* A few non-blocking iterations. */
void           burrow_test_ui_flush                      (void);
/* Waits until @widget is mapped. */
gboolean       burrow_test_ui_wait_mapped                (GtkWidget      *widget);
/* Until no stack or revealer animates and one more frame is painted, then saves @widget as
 * PNG named @name in $BURROW_SCREENSHOT_DIR. */
void           burrow_test_ui_screenshot                 (GtkWidget      *widget,
                                                          const char     *name);
/* @widget drawn at its current size, without waiting (asserts). */
GdkTexture    *burrow_test_ui_render                     (GtkWidget      *widget);
/* Where a screenshot named @name goes: $BURROW_SCREENSHOT_DIR, else the temporary directory. */
char          *burrow_test_ui_screenshot_path            (const char     *name);

typedef gboolean (*BurrowTestWidgetMatch) (GtkWidget *widget, gconstpointer data);

GtkWidget     *burrow_test_ui_find                       (GtkWidget             *root,
                                                          BurrowTestWidgetMatch  match,
                                                          gconstpointer          data);
/* A mapped GtkLabel whose text is @text. */
GtkWidget     *burrow_test_ui_find_label                 (GtkWidget      *root,
                                                          const char     *text);
/* Text of the clipboard of @widget's display, read back (asserts on failure). */
char          *burrow_test_ui_read_clipboard             (GtkWidget      *widget);

/* Starts python3-dbusmock's notification daemon on the session bus, logging to @log_path, and
 * waits until it owns its name; NULL when that is not possible. */
GSubprocess   *burrow_test_ui_start_notification_daemon  (const char     *log_path,
                                                          guint           timeout_ms);
/* Kills, reaps and unrefs a daemon from the above (NULL is fine). */
void           burrow_test_ui_stop_notification_daemon   (GSubprocess    *daemon);
/* Waits until the file @log_path contains @a and, unless NULL, @b. */
gboolean       burrow_test_ui_wait_log                   (const char     *log_path,
                                                          const char     *a,
                                                          const char     *b,
                                                          guint           timeout_ms);

/* Makes a desktop file under @dir the default application for folders (inode/directory); it
 * appends each URI it is started with, one a line, to @log_path. Exports XDG_DATA_HOME and
 * XDG_CONFIG_HOME (directories under @dir): call it before GTK or GIO read them. */
void           burrow_test_ui_install_folder_handler     (const char     *dir,
                                                          const char     *log_path);
/* Starts python3-dbusmock as org.freedesktop.portal.Desktop with a Notification interface
 * (AddNotification, RemoveNotification, property version 1) on the session bus, logging calls
 * to @log_path; NULL when that is not possible. Stop it with
 * burrow_test_ui_stop_notification_daemon (). */
GSubprocess   *burrow_test_ui_start_notification_portal  (const char     *log_path,
                                                          guint           timeout_ms);
/* Makes the dbusmock object @path of @bus_name emit @interface.@signal with the members of
 * @args (a tuple; a floating reference is consumed). */
gboolean       burrow_test_ui_mock_emit_signal           (const char     *bus_name,
                                                          const char     *path,
                                                          const char     *interface,
                                                          const char     *signal,
                                                          GVariant       *args);
/* How many lines of the file @log_path are exactly @line (0 without the file). */
guint          burrow_test_ui_count_log_lines            (const char     *log_path,
                                                          const char     *line);
/* Waits until the file @log_path has at least @n lines that are exactly @line. */
gboolean       burrow_test_ui_wait_log_lines             (const char     *log_path,
                                                          const char     *line,
                                                          guint           n,
                                                          guint           timeout_ms);

G_END_DECLS
