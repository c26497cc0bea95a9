/* userlist-bench.c — sorting and filtering the user list of a 100,000-user hub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "userlist-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-user-list.h"

/* The real model chain of BurrowUserList (GListStore → BurrowUserModel → GtkSingleSelection →
 * GtkColumnView), in a presented window under Xvfb, fed with BurrowUser objects built from
 * parsed BINF lines:
 *   - sort by nick: a click on the header's equivalent, from the hub's (random) order until the
 *     model is sorted and has told the view (BurrowUserModel sorts synchronously; the view's
 *     items-changed handling is included, the next frame is not);
 *   - one filter keystroke: from setting the text until the filtered model is settled.
 * Limits: sort <= 300 ms, keystroke <= 100 ms (exit 1 otherwise).
 * Env: BURROW_BENCH_USERS (default 100000). */

#define SORT_LIMIT_MS   300.0
#define FILTER_LIMIT_MS 100.0

static const char * const syllables[] = {
  "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qu", "an", "el", "or", "is", "ul",
  "Bra", "Cle", "Dro", "Fi", "Gu", "Ha", "Jo", "Ké", "Lü", "Mø", "Ny", "Öz", "Pé", "Rå", "Št",
};

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static char *
make_binf (GRand *rand,
           guint  i)
{
  GString *nick = g_string_new (NULL);
  guint n = 2 + g_rand_int_range (rand, 0, 3);
  char sid[5];
  g_autofree char *escaped = NULL;
  char *line;

  for (guint k = 0; k < n; k++)
    g_string_append (nick, syllables[g_rand_int_range (rand, 0, G_N_ELEMENTS (syllables))]);
  g_string_append_printf (nick, "%u", i);
  burrow_adc_sid_to_string (i + 2, sid);
  escaped = burrow_adc_escape (nick->str);
  line = g_strdup_printf ("BINF %s NI%s SS%" G_GUINT64_FORMAT " SL%u FS%u DEuser\\s%u APBurrow "
                          "VE0.%u SU%s",
                          sid, escaped, (guint64) g_rand_int (rand) * 1024, 1 + i % 5, i % 3,
                          i % 97, i % 7, (i % 3) == 0 ? "TCP4" : "NAT0");
  g_string_free (nick, TRUE);
  return line;
}

static gboolean
is_sorted_by_nick (GListModel *model)
{
  guint n = g_list_model_get_n_items (model);
  g_autofree char *prev = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (model, i);
      char *key = g_utf8_collate_key (burrow_user_get_nick (user), -1);

      if (prev != NULL && strcmp (prev, key) > 0)
        {
          g_free (key);
          return FALSE;
        }
      g_free (prev);
      prev = key;
    }
  return TRUE;
}

static double
time_filter (BurrowUserList *list,
             const char     *text,
             guint          *n_shown)
{
  GListModel *model = G_LIST_MODEL (burrow_user_list_get_model (list));
  double t0 = now_ms ();
  double t;

  burrow_user_list_set_filter_text (list, text);
  t = now_ms () - t0;
  *n_shown = g_list_model_get_n_items (model);
  drain ();  /* the next frame, outside the measurement */
  return t;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GListStore) store = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  const char *env = g_getenv ("BURROW_BENCH_USERS");
  guint n_users = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 100000;
  GListModel *model;
  BurrowUserList *list;
  GtkWidget *window;
  double t0;
  double t_build;
  double t_keys;
  double t_join;
  double t_sort;
  double t_sort_desc;
  double t_filter[3];
  const char *keystrokes[3] = { "k", "ka", "kal" };
  guint shown[3];
  gboolean ok = TRUE;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      printf ("userlist-bench: no display (run under xvfb-run)\n");
      return 77;
    }
  gtk_init ();
  setlocale (LC_ALL, "");

  /* 100,000 users as the hub session makes them: BINF parsed, applied to a BurrowUser. */
  t0 = now_ms ();
  users = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_users; i++)
    {
      g_autofree char *line = make_binf (rand, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_parse (line, -1, &error);
      BurrowUser *user = burrow_user_new (i + 2);

      g_assert_no_error (error);
      burrow_user_apply_inf (user, inf, FALSE);
      g_ptr_array_add (users, user);
    }
  store = g_list_store_new (BURROW_TYPE_USER);
  g_list_store_splice (store, 0, 0, users->pdata, users->len);
  t_build = now_ms () - t0;

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  list = BURROW_USER_LIST (burrow_user_list_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (list));
  gtk_window_present (GTK_WINDOW (window));
  drain ();

  /* Unsorted first: the hub's order. */
  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NONE, GTK_SORT_ASCENDING);
  model = G_LIST_MODEL (burrow_user_list_get_model (list));

  /* Joining: the model computes each user's keys once (collation key, folded nick). */
  t0 = now_ms ();
  burrow_user_list_set_users (list, G_LIST_MODEL (store));
  t_join = now_ms () - t0;
  drain ();
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_users);


  /* Sort by nick (what a click on the Nick header does). */
  t0 = now_ms ();
  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_ASCENDING);
  t_sort = now_ms () - t0;
  drain ();
  if (!is_sorted_by_nick (model))
    {
      printf ("userlist-bench: the model is not sorted by nick\n");
      ok = FALSE;
    }

  t0 = now_ms ();
  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_DESCENDING);
  t_sort_desc = now_ms () - t0;
  drain ();
  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_ASCENDING);
  drain ();

  /* Users joining one by one (sorted by nick): each is inserted at its place. */
  t0 = now_ms ();
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *line = make_binf (rand, n_users + i);
      g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_parse (line, -1, NULL);
      g_autoptr(BurrowUser) user = burrow_user_new (n_users + i + 2);

      burrow_user_apply_inf (user, inf, FALSE);
      g_list_store_append (store, user);
    }
  t_keys = (now_ms () - t0) / 100;
  drain ();

  /* Keystrokes in the filter entry: "k", "ka", "kal". */
  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    t_filter[i] = time_filter (list, keystrokes[i], &shown[i]);
  if (!(shown[0] >= shown[1] && shown[1] >= shown[2] && shown[2] > 0 && shown[0] < n_users + 100))
    {
      printf ("userlist-bench: unexpected filter results %u %u %u\n", shown[0], shown[1], shown[2]);
      ok = FALSE;
    }

  /* The same model without a view, to tell the model's share from GTK's. */
  {
    g_autoptr(BurrowUserModel) bare = burrow_user_model_new ();
    double t_bare_sort;
    double t_bare_filter;

    burrow_user_model_set_sort (bare, BURROW_USER_LIST_COLUMN_NONE, GTK_SORT_ASCENDING);
    burrow_user_model_set_source (bare, G_LIST_MODEL (store));
    t0 = now_ms ();
    burrow_user_model_set_sort (bare, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_ASCENDING);
    t_bare_sort = now_ms () - t0;
    t0 = now_ms ();
    burrow_user_model_set_filter (bare, "k");
    burrow_user_model_set_filter (bare, "ka");
    burrow_user_model_set_filter (bare, "kal");
    t_bare_filter = (now_ms () - t0) / 3;
    printf ("model only: sort %.1f ms, keystroke %.1f ms\n", t_bare_sort, t_bare_filter);
  }

  printf ("users:                    %u\n", n_users);
  printf ("build users (BINF):       %8.1f ms\n", t_build);
  printf ("join (keys, hub order):   %8.1f ms\n", t_join);
  printf ("one more user joins:      %8.3f ms\n", t_keys);
  printf ("sort by nick:             %8.1f ms   (limit %.0f)\n", t_sort, SORT_LIMIT_MS);
  printf ("sort by nick, descending: %8.1f ms\n", t_sort_desc);
  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    printf ("filter \"%s\":%*s%8.1f ms   (limit %.0f, %u shown)\n", keystrokes[i],
            (int) (16 - strlen (keystrokes[i])), "", t_filter[i], FILTER_LIMIT_MS, shown[i]);

  if (t_sort > SORT_LIMIT_MS || t_sort_desc > SORT_LIMIT_MS)
    ok = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    if (t_filter[i] > FILTER_LIMIT_MS)
      ok = FALSE;

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();

  printf ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
