/* burrow-test-ui.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

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

void
burrow_test_ui_screenshot (GtkWidget  *widget,
                           const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkFrameClock *clock;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  gboolean painted = FALSE;
  const char *dir;
  gulong id;
  int width;
  int height;

  g_assert_true (burrow_test_wait_until (settled, widget, BURROW_TEST_UI_WAIT_MS));
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (burrow_test_wait_for_flag (&painted, BURROW_TEST_UI_WAIT_MS));
  g_signal_handler_disconnect (clock, id);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  dir = g_getenv ("BURROW_SCREENSHOT_DIR");
  path = g_build_filename (dir ? dir : g_get_tmp_dir (), name, NULL);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
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

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
on_clipboard_read_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ClipboardRead *read = user_data;
  g_autoptr(GError) error = NULL;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

char *
burrow_test_ui_read_clipboard (GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, on_clipboard_read_cb,
                                 &read);
  g_assert_true (burrow_test_wait_for_flag (&read.done, BURROW_TEST_UI_WAIT_MS));
  return read.text;
}
