/* filelist-browse-bench.c — the file list browser with a 1,000,000-file list
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "filelist-browse-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-file-list-page.h"

/* The real BurrowFileListPage in a presented window under Xvfb, given a tree built through
 * BurrowFileTree (as the list parser builds it): 900 folders of 1,000 files and one folder of
 * 100,000 files, 1,000,000 files in all. Measured, each from the call until the window has
 * painted the result (the frame clock's after-paint):
 *   - first paint: the tree handed to the page (root folder with 901 subfolders);
 *   - open a 1,000-file folder, then the 100,000-file folder (the folder tree expands and
 *     selects it, the column view shows its first rows); sort that folder by size;
 *   - scrolling the 100,000 rows: the column view's adjustment set step by step (a quarter page
 *     at a time from the top, then from top to bottom in 400 jumps that each show new rows),
 *     each step until painted: mean and max of (a) the latency from gtk_adjustment_set_value ()
 *     to after-paint, which includes waiting for the frame clock, and (b) the frame's own work,
 *     before-paint to after-paint.
 * Also printed: the items (GObjects) of the 100,000-file folder that exist after opening it and
 * after scrolling through it (rows are made lazily and freed: more than 2,000 fails).
 * Limits: first paint and each open <= 500 ms; frame max (latency) <= 50 ms. Exit 1 otherwise.
 * Env: BURROW_BENCH_BROWSE_FOLDERS (900), BURROW_BENCH_BROWSE_FILES (1000 per folder),
 * BURROW_BENCH_BROWSE_BIG (100000), BURROW_BENCH_BROWSE_STEPS (400). */

#define OPEN_LIMIT_MS   500.0
#define FRAME_LIMIT_MS  50.0

static const char * const extensions[] = {
  "flac", "mp3", "mkv", "avi", "jpg", "png", "pdf", "txt", "iso", "zip", "epub", "ogg",
};

typedef struct
{
  gboolean painted;
  double   before_ms;
  double   after_ms;
} Frame;

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static void
on_before_paint_cb (GdkFrameClock *clock,
                    Frame         *frame)
{
  if (!frame->painted)
    frame->before_ms = now_ms ();
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   Frame         *frame)
{
  if (frame->painted)
    return;
  frame->after_ms = now_ms ();
  frame->painted = TRUE;
}

/* Wakes the main loop once a second, so that wait_paint () can force a frame when nothing
 * else would (g_main_context_iteration () would block for ever). */
static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @widget's window paints; a frame is forced if nothing asks for one
 * within a second (it never happens in the measured steps, which all change what is shown). */
static Frame
wait_paint (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  Frame frame = { FALSE, 0, 0 };
  double start = now_ms ();
  gulong before_id;
  gulong after_id;
  gboolean forced = FALSE;
  guint wake_id;

  g_assert_nonnull (clock);
  before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint_cb), &frame);
  after_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &frame);
  wake_id = g_timeout_add (1000, wake_cb, NULL);
  while (!frame.painted)
    {
      g_main_context_iteration (NULL, TRUE);
      if (!forced && now_ms () - start > 1000)
        {
          forced = TRUE;
          gtk_widget_queue_draw (widget);
        }
    }
  g_source_remove (wake_id);
  g_signal_handler_disconnect (clock, before_id);
  g_signal_handler_disconnect (clock, after_id);
  return frame;
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static guint
n_entries (BurrowFileListPage *page)
{
  return g_list_model_get_n_items (G_LIST_MODEL (burrow_file_list_page_get_entries (page)));
}

static BurrowFileTree *
build_tree (guint n_folders,
            guint n_files,
            guint n_big)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  GRand *rand = g_rand_new_with_seed (20261125);
  BurrowFileNode *big;
  char name[64];
  guint8 tth[24];

  for (guint d = 0; d < n_folders; d++)
    {
      BurrowFileNode *dir;

      g_snprintf (name, sizeof name, "Folder %04u", d);
      dir = burrow_file_tree_add_directory (tree, root, name);
      for (guint f = 0; f < n_files; f++)
        {
          for (guint k = 0; k < G_N_ELEMENTS (tth); k++)
            tth[k] = g_rand_int (rand);
          g_snprintf (name, sizeof name, "Track %05u - some title %u.%s", f,
                      g_rand_int_range (rand, 0, 1000),
                      extensions[(d + f) % G_N_ELEMENTS (extensions)]);
          burrow_file_tree_add_file (tree, dir, name, g_rand_int (rand) + (guint64) f * 4096, 0,
                                     f % 97 == 0 ? NULL : tth);
        }
    }
  big = burrow_file_tree_add_directory (tree, root, "Big");
  for (guint f = 0; f < n_big; f++)
    {
      for (guint k = 0; k < G_N_ELEMENTS (tth); k++)
        tth[k] = g_rand_int (rand);
      g_snprintf (name, sizeof name, "photo-%06u.%s", f,
                  extensions[f % G_N_ELEMENTS (extensions)]);
      burrow_file_tree_add_file (tree, big, name, g_rand_int (rand), 0, tth);
    }
  burrow_file_tree_finish (tree);
  g_rand_free (rand);
  return tree;
}

typedef struct
{
  double latency_sum;
  double latency_max;
  double work_sum;
  double work_max;
  guint  n;
} FrameStats;

static void
scroll_step (GtkWidget     *widget,
             GtkAdjustment *adjustment,
             double         value,
             FrameStats    *stats)
{
  double t0 = now_ms ();
  double latency;
  double work;
  Frame frame;

  gtk_adjustment_set_value (adjustment, value);
  frame = wait_paint (widget);
  latency = frame.after_ms - t0;
  work = frame.after_ms - frame.before_ms;
  stats->latency_sum += latency;
  stats->latency_max = MAX (stats->latency_max, latency);
  stats->work_sum += work;
  stats->work_max = MAX (stats->work_max, work);
  stats->n++;
}

static void
print_stats (const char *what,
             FrameStats *stats)
{
  printf ("%-34s %4u steps: latency mean %6.1f ms, max %6.1f ms (limit %.0f); "
          "frame work mean %5.1f ms, max %5.1f ms\n",
          what, stats->n, stats->latency_sum / MAX (stats->n, 1), stats->latency_max,
          FRAME_LIMIT_MS, stats->work_sum / MAX (stats->n, 1), stats->work_max);
}

static gboolean
check (const char *what,
       double      ms,
       double      limit)
{
  printf ("%-34s %8.1f ms   (limit %.0f)%s\n", what, ms, limit, ms <= limit ? "" : "   MISSED");
  return ms <= limit;
}

int
main (int   argc,
      char *argv[])
{
  guint n_folders = env_uint ("BURROW_BENCH_BROWSE_FOLDERS", 900);
  guint n_files = env_uint ("BURROW_BENCH_BROWSE_FILES", 1000);
  guint n_big = env_uint ("BURROW_BENCH_BROWSE_BIG", 100000);
  guint n_steps = MAX (env_uint ("BURROW_BENCH_BROWSE_STEPS", 400), 1);
  g_autoptr(BurrowFileTree) tree = NULL;
  BurrowFileListPage *page;
  BurrowFileNodeList *entries;
  GtkAdjustment *adjustment;
  GtkWidget *window;
  GtkWidget *view;
  FrameStats small = { 0 };
  FrameStats jumps = { 0 };
  Frame frame;
  double t0;
  double t_build;
  double t_first;
  double t_open_folder;
  double t_open_big;
  double t_sort_big;
  double t_open_back;
  guint n_alive_open;
  guint n_alive_scrolled;
  long rss_before;
  long rss_tree;
  gboolean ok = TRUE;
  char path[64];

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      printf ("filelist-browse-bench: no display (run under xvfb-run)\n");
      return 77;
    }
  gtk_init ();
  setlocale (LC_ALL, "");

  rss_before = rss_kib ();
  t0 = now_ms ();
  tree = build_tree (n_folders, n_files, n_big);
  t_build = now_ms () - t0;
  rss_tree = rss_kib ();

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  page = BURROW_FILE_LIST_PAGE (burrow_file_list_page_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (page)))
    g_main_context_iteration (NULL, TRUE);
  wait_paint (window);
  drain ();
  view = GTK_WIDGET (burrow_file_list_page_get_column_view (page));

  /* First paint: the tree is ready; hand it over. */
  t0 = now_ms ();
  burrow_file_list_page_set_tree (page, tree, "bench");
  frame = wait_paint (window);
  t_first = frame.after_ms - t0;
  g_assert_cmpuint (n_entries (page), ==, n_folders + 1);
  drain ();

  /* A 1,000-file folder in the middle. */
  g_snprintf (path, sizeof path, "/Folder %04u/", n_folders / 2);
  t0 = now_ms ();
  g_assert_true (burrow_file_list_page_open_path (page, path));
  frame = wait_paint (window);
  t_open_folder = frame.after_ms - t0;
  g_assert_cmpuint (n_entries (page), ==, n_files);
  drain ();

  /* The 100,000-file folder. */
  t0 = now_ms ();
  g_assert_true (burrow_file_list_page_open_path (page, "/Big/"));
  frame = wait_paint (window);
  t_open_big = frame.after_ms - t0;
  entries = burrow_file_list_page_get_entries (page);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (entries)), ==, n_big);
  drain ();
  n_alive_open = burrow_file_node_list_get_n_alive (entries);
  /* Let the view settle its size estimate before scrolling. */
  wait_paint (window);
  drain ();

  /* Scrolling: a quarter page at a time from the top… */
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  for (guint i = 1; i <= 200; i++)
    scroll_step (window, adjustment, gtk_adjustment_get_page_size (adjustment) * i / 4, &small);
  /* …then top to bottom in jumps that show only new rows each time. */
  for (guint i = 0; i <= n_steps; i++)
    {
      double range = gtk_adjustment_get_upper (adjustment) -
                     gtk_adjustment_get_page_size (adjustment);

      scroll_step (window, adjustment, range * i / n_steps, &jumps);
    }
  drain ();
  n_alive_scrolled = burrow_file_node_list_get_n_alive (entries);

  /* Sort that folder by size (a click on the Size header). */
  t0 = now_ms ();
  burrow_file_list_page_sort_by (page, BURROW_FILE_LIST_COLUMN_SIZE, GTK_SORT_DESCENDING);
  frame = wait_paint (window);
  t_sort_big = frame.after_ms - t0;
  {
    BurrowFileNode *first = burrow_file_node_list_get_node (entries, 0);
    BurrowFileNode *second = burrow_file_node_list_get_node (entries, 1);

    g_assert_true (first->size >= second->size);
  }
  drain ();

  /* Back to a small folder (the big one's rows go). */
  t0 = now_ms ();
  g_assert_true (burrow_file_list_page_open_path (page, "/Folder 0000/"));
  frame = wait_paint (window);
  t_open_back = frame.after_ms - t0;

  printf ("tree:                              %u folders x %u files + 1 folder of %u files = "
          "%u files, %u folders\n",
          n_folders, n_files, n_big, burrow_file_tree_get_n_files (tree),
          burrow_file_tree_get_n_directories (tree));
  printf ("build tree (BurrowFileTree):       %8.1f ms, RSS +%ld MiB\n", t_build,
          (rss_tree - rss_before) / 1024);
  ok &= check ("first paint after the tree is ready", t_first, OPEN_LIMIT_MS);
  ok &= check ("open a 1,000-file folder", t_open_folder, OPEN_LIMIT_MS);
  ok &= check ("open the 100,000-file folder", t_open_big, OPEN_LIMIT_MS);
  printf ("%-34s %8.1f ms\n", "sort 100,000 files by size", t_sort_big);
  printf ("%-34s %8.1f ms\n", "open a 1,000-file folder again", t_open_back);
  printf ("items (GObjects) alive in the 100,000-file folder: %u after opening, %u after "
          "scrolling through it\n", n_alive_open, n_alive_scrolled);
  if (n_alive_scrolled > 2000)
    {
      printf ("filelist-browse-bench: items are not freed\n");
      ok = FALSE;
    }
  print_stats ("scroll 100,000 rows, 1/4 page", &small);
  print_stats ("scroll 100,000 rows, top to bottom", &jumps);
  ok &= small.latency_max <= FRAME_LIMIT_MS && jumps.latency_max <= FRAME_LIMIT_MS;
  if (small.latency_max > FRAME_LIMIT_MS || jumps.latency_max > FRAME_LIMIT_MS)
    printf ("frame max over %.0f ms: MISSED\n", FRAME_LIMIT_MS);
  printf ("RSS at the end: %ld MiB\n", rss_kib () / 1024);

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();

  printf ("%s\n", ok ? "filelist-browse-bench: all targets met"
                     : "filelist-browse-bench: a target was missed");
  return ok ? 0 : 1;
}
