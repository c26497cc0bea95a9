/* public-hubs-bench.c — loading, sorting and filtering a public hub list of 20,000 hubs
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "public-hubs-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-public-hubs-page.h"
#include "burrow-test-util.h"

/* The real Public Hubs page (BurrowPublicHubs → sort → filter → selection → GtkColumnView) in
 * a presented window under Xvfb, fed by a generated hublist.xml of 20,000 hubs served on
 * loopback by a small HTTP server in a thread:
 *   - load: from the refresh (the page's first showing) until the rows are in the view
 *     (download, parse in the core's worker thread, merge, each hub's search text);
 *   - sort: a header click's equivalent, gtk_column_view_sort_by_column (), for the name (text)
 *     and the users (number) columns, both directions; GtkSortListModel sorts synchronously
 *     and tells the filter model and the view within the call; the next frame is not counted;
 *   - keystrokes: typing "n", "no", "nor", "nord" and back, each from the entry's
 *     search-changed (GtkSearchEntry's 150 ms typing delay is left out) until the filter
 *     model has settled.
 * Each is repeated for BURROW_BENCH_ROUNDS rounds (default 3).
 * Limits: sort <= 200 ms, keystroke <= 50 ms, in main-thread CPU time, the best of the rounds
 * (exit 1 otherwise); wall times and the worst round are printed too.
 * Env: BURROW_BENCH_HUBS (default 20000), BURROW_BENCH_ROUNDS. */

#define SORT_LIMIT_MS   200.0
#define FILTER_LIMIT_MS 50.0
#define LOAD_WAIT_S     120

static const char * const syllables[] = {
  "nor", "dic", "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "an", "el", "or", "is",
  "Bra", "Cle", "Dro", "Fi", "Gu", "Ha", "Jo", "Ké", "Lü", "Mø", "Ny", "Öz", "Ру", "Хаб", "Šta",
};
static const char * const countries[] = {
  "Russia", "Germany", "Sweden", "France", "Ukraine", "Netherlands", "United States", "Brazil",
  "Poland", "Romania", "Hungary", "Czech Republic", "Finland", "Spain", "Italy", "",
};
static const char * const words[] = {
  "music", "movies", "games", "software", "chat", "anime", "books", "linux", "friendly",
  "no rules", "24/7", "fast", "old school", "welcome", "мультфильмы", "Spiele",
};

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* CPU time of this (the main) thread: what the page costs, without the waits for a CPU on a
 * busy machine (this one has two cores shared by several builds). */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static char *
make_list (guint n_hubs)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261207);
  GString *xml = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Hublist><Hubs>\n");

  for (guint i = 0; i < n_hubs; i++)
    {
      g_autoptr(GString) name = g_string_new (NULL);
      g_autofree char *name_xml = NULL;
      const char *scheme;
      guint n = 2 + g_rand_int_range (rand, 0, 3);

      for (guint j = 0; j < n; j++)
        g_string_append (name, syllables[g_rand_int_range (rand, 0, G_N_ELEMENTS (syllables))]);
      g_string_append_printf (name, " %u", i);
      name_xml = g_markup_escape_text (name->str, -1);
      switch (g_rand_int_range (rand, 0, 8))
        {
        case 0: scheme = "adc"; break;
        case 1: scheme = "adcs"; break;
        case 2: scheme = "nmdcs"; break;
        default: scheme = "dchub"; break;
        }
      g_string_append_printf (xml,
                              "<Hub Name=\"%s\" Address=\"%s://hub%u.example.org:%u\" "
                              "Description=\"%s, %s\" Users=\"%u\" Shared=\"%" G_GUINT64_FORMAT "\" "
                              "Country=\"%s\" Minshare=\"%" G_GUINT64_FORMAT "\" Minslots=\"%u\" "
                              "Reliability=\"%.1f\" Encoding=\"%s\"/>\n",
                              name_xml, scheme, i, 400 + i % 2000,
                              words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                              words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                              g_rand_int_range (rand, 0, 20000),
                              (guint64) g_rand_int_range (rand, 0, 1 << 30) << 12,
                              countries[g_rand_int_range (rand, 0, G_N_ELEMENTS (countries))],
                              (guint64) g_rand_int_range (rand, 0, 64) << 30,
                              (guint) g_rand_int_range (rand, 0, 5),
                              g_rand_double_range (rand, 0, 100),
                              i % 3 == 0 ? "CP1251" : "CP1252");
    }
  g_string_append (xml, "</Hubs></Hublist>\n");
  return g_string_free (xml, FALSE);
}

/* --- the list server: any GET gets the list ------------------------------------------------- */

static char *list_body;

static gboolean
on_connection (GThreadedSocketService *service,
               GSocketConnection      *connection,
               GObject                *source,
               gpointer                user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *head = NULL;
  char request[8192];
  gsize got = 0;

  while (got < sizeof request - 1)
    {
      gssize n = g_input_stream_read (in, request + got, sizeof request - 1 - got, NULL, NULL);

      if (n <= 0)
        return TRUE;
      got += (gsize) n;
      request[got] = '\0';
      if (strstr (request, "\r\n\r\n") != NULL)
        break;
    }
  head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          strlen (list_body));
  if (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL))
    g_output_stream_write_all (out, list_body, strlen (list_body), NULL, NULL, NULL);
  return TRUE;
}

static GSocketService *
server_start (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocketService *service = g_threaded_socket_service_new (2);

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error))
    g_error ("listening on loopback: %s", error->message);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (service, "run", G_CALLBACK (on_connection), NULL);
  g_socket_service_start (service);
  return service;
}

/* --- measurements ---------------------------------------------------------------------------- */

static GtkColumnViewColumn *
column (BurrowPublicHubsPage *page,
        const char           *name)
{
  return GTK_COLUMN_VIEW_COLUMN (gtk_widget_get_template_child (GTK_WIDGET (page),
                                                                BURROW_TYPE_PUBLIC_HUBS_PAGE,
                                                                name));
}

typedef struct
{
  double wall;       /* best */
  double cpu;        /* best */
  double cpu_worst;
} Step;

static void
step_add (Step   *step,
          double  wall,
          double  cpu)
{
  if (step->cpu_worst == 0 || wall < step->wall)
    step->wall = wall;
  if (step->cpu_worst == 0 || cpu < step->cpu)
    step->cpu = cpu;
  step->cpu_worst = MAX (step->cpu_worst, cpu);
}

static double
time_sort (BurrowPublicHubsPage *page,
           const char           *name,
           GtkSortType           direction,
           double               *cpu)
{
  double c0 = cpu_ms ();
  double t0 = now_ms ();
  double t;

  gtk_column_view_sort_by_column (burrow_public_hubs_page_get_column_view (page),
                                  column (page, name), direction);
  t = now_ms () - t0;
  *cpu = cpu_ms () - c0;
  drain ();
  return t;
}

static gboolean
users_descending (GListModel *model)
{
  guint n = g_list_model_get_n_items (model);
  guint last = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowPublicHubRow) row = g_list_model_get_item (model, i);
      guint users = burrow_public_hub_get_users (burrow_public_hub_row_get_hub (row));

      if (users > last)
        return FALSE;
      last = users;
    }
  return TRUE;
}

static double
time_keystroke (BurrowPublicHubsPage *page,
                const char           *text,
                guint                *n_shown,
                double               *cpu)
{
  GtkEditable *entry = burrow_public_hubs_page_get_search_entry (page);
  double c0;
  double t0;
  double t;

  /* Setting a text starts the entry's typing delay (clearing it filters at once); the filter
   * runs on search-changed, emitted here without the delay. */
  c0 = cpu_ms ();
  t0 = now_ms ();
  gtk_editable_set_text (entry, text);
  g_signal_emit_by_name (entry, "search-changed");
  t = now_ms () - t0;
  *cpu = cpu_ms () - c0;
  *n_shown = g_list_model_get_n_items (burrow_public_hubs_page_get_shown (page));
  drain ();
  return t;
}

/* Everything the run made goes: the window, the client, the server, the data directory. */
static void
finish (GtkWidget       *window,
        BurrowClient   **client,
        GSocketService  *server,
        const char      *dir)
{
  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_clear_object (client);
  g_socket_service_stop (server);
  g_socket_listener_close (G_SOCKET_LISTENER (server));
  burrow_test_remove_tree (dir);
  g_clear_pointer (&list_body, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketService) server = NULL;
  g_autoptr(BurrowClient) client = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *url = NULL;
  g_autofree char *loadavg = NULL;
  const char *env = g_getenv ("BURROW_BENCH_HUBS");
  guint n_hubs = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 20000;
  const char *keystrokes[] = { "n", "no", "nor", "nord", "nor", "no", "n", "", "ger", "хаб" };
  const struct { const char *column; GtkSortType direction; const char *label; } sorts[] = {
    { "name_column", GTK_SORT_ASCENDING, "name" },
    { "name_column", GTK_SORT_DESCENDING, "name, reversed" },
    { "users_column", GTK_SORT_ASCENDING, "users" },
    { "users_column", GTK_SORT_DESCENDING, "users, reversed" },
  };
  const char *rounds_env = g_getenv ("BURROW_BENCH_ROUNDS");
  guint n_rounds = rounds_env ? MAX (1, (guint) g_ascii_strtoull (rounds_env, NULL, 10)) : 3;
  Step key_steps[G_N_ELEMENTS (keystrokes)] = { { 0 } };
  Step sort_steps[G_N_ELEMENTS (sorts)] = { { 0 } };
  guint shown[G_N_ELEMENTS (keystrokes)];
  double sort_max = 0;
  double key_max = 0;
  double t0;
  double t_load;
  double t_list;
  BurrowPublicHubsPage *page;
  GListModel *rows;
  GtkWidget *window;
  guint16 port;
  gboolean ok = TRUE;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      printf ("public-hubs-bench: no display (run under xvfb-run)\n");
      return 77;
    }
  gtk_init ();
  setlocale (LC_ALL, "");
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  t0 = now_ms ();
  list_body = make_list (n_hubs);
  t_list = now_ms () - t0;
  server = server_start (&port);
  url = g_strdup_printf ("http://127.0.0.1:%u/hublist.xml", port);

  dir = g_dir_make_tmp ("burrow-public-hubs-bench-XXXXXX", &error);
  g_assert_no_error (error);
  client = burrow_client_new (dir, &error);
  g_assert_no_error (error);
  {
    const char * const servers[] = { url, NULL };

    g_assert_true (burrow_public_hubs_set_servers (burrow_client_get_public_hubs (client),
                                                   servers, &error));
    g_assert_no_error (error);
  }

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  page = g_object_new (BURROW_TYPE_PUBLIC_HUBS_PAGE, NULL);
  burrow_public_hubs_page_set_client (page, client);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  rows = burrow_public_hubs_page_get_shown (page);

  /* Load: presenting maps the page, which refreshes. */
  t0 = now_ms ();
  gtk_window_present (GTK_WINDOW (window));
  while (burrow_public_hubs_page_get_refreshing (page) || !gtk_widget_get_mapped (GTK_WIDGET (page)))
    {
      g_main_context_iteration (NULL, TRUE);
      if (now_ms () - t0 > LOAD_WAIT_S * 1000.0)
        {
          printf ("public-hubs-bench: the list did not load in %d s\n", LOAD_WAIT_S);
          finish (window, &client, server, dir);
          return 1;
        }
    }
  t_load = now_ms () - t0;
  drain ();
  if (g_list_model_get_n_items (rows) != n_hubs)
    {
      printf ("public-hubs-bench: %u hubs shown, %u expected (%s)\n",
              g_list_model_get_n_items (rows), n_hubs,
              burrow_public_hubs_page_get_error (page) ?: "");
      finish (window, &client, server, dir);
      return 1;
    }

  /* Each round: sorting, as header clicks (name up and down, users up and down), then typing
   * in the filter entry and deleting again. Every step keeps its best and worst time over the
   * rounds. */
  for (guint r = 0; r < n_rounds; r++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
        {
          double c;
          double t = time_sort (page, sorts[i].column, sorts[i].direction, &c);

          step_add (&sort_steps[i], t, c);
        }
      if (!users_descending (rows))
        {
          printf ("public-hubs-bench: the rows are not sorted by users\n");
          ok = FALSE;
        }
      for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
        {
          double c;
          double t = time_keystroke (page, keystrokes[i], &shown[i], &c);

          step_add (&key_steps[i], t, c);
        }
      if (!(shown[0] < n_hubs && shown[3] <= shown[2] && shown[2] <= shown[1] &&
            shown[1] <= shown[0] && shown[3] > 0 && shown[7] == n_hubs && shown[9] > 0))
        {
          printf ("public-hubs-bench: unexpected filter results %u %u %u %u … %u\n",
                  shown[0], shown[1], shown[2], shown[3], shown[7]);
          ok = FALSE;
        }
      if (!users_descending (rows))
        {
          printf ("public-hubs-bench: the filter lost the order\n");
          ok = FALSE;
        }
      gtk_editable_set_text (burrow_public_hubs_page_get_search_entry (page), "");
      drain ();
    }

  printf ("hubs: %u (list of %.1f MB generated in %.0f ms), %u rounds\n", n_hubs,
          strlen (list_body) / 1e6, t_list, n_rounds);
  printf ("load (download, parse, merge, view): %.0f ms\n", t_load);
  printf ("step: best wall / best main-thread CPU / worst main-thread CPU\n");
  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    {
      printf ("  sort by %s: %.1f / %.1f / %.1f ms\n", sorts[i].label, sort_steps[i].wall,
              sort_steps[i].cpu, sort_steps[i].cpu_worst);
      sort_max = MAX (sort_max, sort_steps[i].cpu);
    }
  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    {
      printf ("  keystroke to \"%s\" (%u rows): %.1f / %.1f / %.1f ms\n", keystrokes[i], shown[i],
              key_steps[i].wall, key_steps[i].cpu, key_steps[i].cpu_worst);
      key_max = MAX (key_max, key_steps[i].cpu);
    }
  printf ("slowest sort: %.1f ms (limit %.0f ms); slowest keystroke: %.1f ms (limit %.0f ms)\n",
          sort_max, SORT_LIMIT_MS, key_max, FILTER_LIMIT_MS);
  printf ("load average: %s", g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL)
                               ? loadavg : "?\n");

  /* The limits hold for the work the page does: the main thread's CPU time, the best of the
   * rounds. On this machine (two cores shared by several builds) the wall time mostly measures
   * waiting for a core, and even the CPU time of one run varies by a factor of two; the worst
   * is printed too. */
  if (sort_max > SORT_LIMIT_MS)
    {
      printf ("FAIL: sorting took %.1f ms > %.0f ms\n", sort_max, SORT_LIMIT_MS);
      ok = FALSE;
    }
  if (key_max > FILTER_LIMIT_MS)
    {
      printf ("FAIL: a keystroke took %.1f ms > %.0f ms\n", key_max, FILTER_LIMIT_MS);
      ok = FALSE;
    }
  if (ok)
    printf ("PASS\n");

  finish (window, &client, server, dir);
  return ok ? 0 : 1;
}
