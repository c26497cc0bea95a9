/* burrow-test-ui.h — helpers for the GTK tests: waiting for frames, screenshots, finding widgets
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BURROW_TEST_UI_WAIT_MS 10000

/* TRUE when the second run expects German (BURROW_TEST_EXPECT_LANG=de). */
gboolean   burrow_test_ui_expect_german   (void);
/* Binds the text domain to BURROW_LOCALEDIR after gtk_test_init () (which forces C). */
void       burrow_test_ui_setup_locale    (void);
/* A few non-blocking iterations. */
void       burrow_test_ui_flush           (void);
/* Waits until @widget is mapped. */
gboolean   burrow_test_ui_wait_mapped     (GtkWidget   *widget);
/* Until no stack or revealer animates and one more frame is painted, then saves @widget as
 * PNG named @name in $BURROW_SCREENSHOT_DIR. */
void       burrow_test_ui_screenshot      (GtkWidget   *widget,
                                           const char  *name);

typedef gboolean (*BurrowTestWidgetMatch) (GtkWidget *widget, gconstpointer data);

GtkWidget *burrow_test_ui_find            (GtkWidget             *root,
                                           BurrowTestWidgetMatch  match,
                                           gconstpointer          data);
/* A mapped GtkLabel whose text is @text. */
GtkWidget *burrow_test_ui_find_label      (GtkWidget   *root,
                                           const char  *text);
/* Text of the clipboard of @widget's display, read back (asserts on failure). */
char      *burrow_test_ui_read_clipboard  (GtkWidget   *widget);

G_END_DECLS
