/* test-public-hubs-page.c — the Public Hubs page: hubs of lists served by a local HTTP server
 * (python3 -m http.server on 127.0.0.1), filtering as you type, sorting by a column, the mark
 * of a hub whose minimum share we do not meet, Add to Favourites, the saved copy when the
 * server is gone, and from the list to chatting: activating the row of the NMDC test hub
 * (tests/nmdc/nmdc-hub.py, a CP1251 hub, as the list says) connects, lands on its hub page, and
 * a line typed in its chat comes back from the hub.
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-public-hubs-page"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-chat-view.h"
#include "burrow-hub-page.h"
#include "burrow-hubs-page.h"
#include "burrow-preferences-window.h"
#include "burrow-public-hubs-page.h"
#include "burrow-test-nmdc-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-window-private.h"

#include "burrow-window.h"

/* Generous: two cores shared with other builds, a Python hub and a Python HTTP server. */
#define WAIT_MS 30000
#define KEYPRINT "SHA256/4DRKNVXQ5ZOPXVZGXNQR5KDYQ4MDVUZKNPYQFXRNNYWRTPTBKZ2Q"
#define CHAT_LINE "Привет из списка хабов"

static BurrowApplication *app;
static char *data_dir;
static char *list_dir;
static GSubprocess *http_server;
static char *list_url;
static char *missing_url;
static BurrowTestNmdcHub *nmdc_hub;

/* --- the list server ------------------------------------------------------------------------- */

static void
write_list (void)
{
  g_autoptr(GString) xml = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_string_append (xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Hublist><Hubs>\n"
                        "<Columns><Column Name=\"Name\"/><Column Name=\"Address\"/>"
                        "<Column Name=\"Description\"/><Column Name=\"Users\"/>"
                        "<Column Name=\"Shared\"/><Column Name=\"Country\"/>"
                        "<Column Name=\"Minshare\"/><Column Name=\"Minslots\"/>"
                        "<Column Name=\"Reliability\"/><Column Name=\"Encoding\"/></Columns>\n");
  g_string_append_printf (xml,
                          "<Hub Name=\"Burrow NMDC hub\" Address=\"%s\" "
                          "Description=\"Кириллица welcome\" Users=\"3\" Shared=\"1073741824\" "
                          "Country=\"Local\" Minshare=\"0\" Minslots=\"0\" Reliability=\"99.5\" "
                          "Encoding=\"CP1251\"/>\n",
                          burrow_test_nmdc_hub_get_uri (nmdc_hub));
  g_string_append (xml,
                   "<Hub Name=\"Alpha Music\" Address=\"dchub://alpha.example.org:411\" "
                   "Description=\"tunes and more\" Users=\"1200\" Shared=\"5497558138880\" "
                   "Country=\"Germany\" Minshare=\"1099511627776\" Minslots=\"3\" "
                   "Reliability=\"97\" Encoding=\"CP1252\"/>\n"
                   "<Hub Name=\"Zeta Secure\" "
                   "Address=\"adcs://zeta.example.org:2780/?kp=" KEYPRINT "\" "
                   "Description=\"TLS only\" Users=\"800\" Shared=\"0\" Country=\"Sweden\" "
                   "Minshare=\"0\" Minslots=\"0\" Reliability=\"88\"/>\n"
                   "<Hub Name=\"Mid Point\" Address=\"adc://mid.example.org:1511\" "
                   "Description=\"general chat\" Users=\"50\" Country=\"France\" "
                   "Reliability=\"75\"/>\n"
                   "<Hub Name=\"Beta Movies\" Address=\"nmdcs://beta.example.org:411\" "
                   "Description=\"films\" Users=\"5000\" Country=\"Russia\" "
                   "Minshare=\"10737418240\" Reliability=\"99\" Encoding=\"CP1251\"/>\n");
  g_string_append (xml, "</Hubs></Hublist>\n");

  path = g_build_filename (list_dir, "hublist.xml", NULL);
  g_assert_true (g_file_set_contents (path, xml->str, (gssize) xml->len, &error));
  g_assert_no_error (error);
}

#define N_LIST_HUBS 5

/* The server dies with the test, also when an assertion aborts it. */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* python3 -m http.server on 127.0.0.1, a free port, serving list_dir; it says where it listens
 * ("Serving HTTP on 127.0.0.1 port N …") on its first line. */
static gboolean
start_http_server (GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  const char *port;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no /usr/bin/python3");
      return FALSE;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  http_server = g_subprocess_launcher_spawn (launcher, error, "/usr/bin/python3", "-u", "-m",
                                             "http.server", "0", "--bind", "127.0.0.1",
                                             "--directory", list_dir, NULL);
  if (http_server == NULL)
    return FALSE;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (http_server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
  if (line == NULL || (port = strstr (line, " port ")) == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "http.server said: %s", line);
      return FALSE;
    }
  list_url = g_strdup_printf ("http://127.0.0.1:%u/hublist.xml",
                              (guint) g_ascii_strtoull (port + strlen (" port "), NULL, 10));
  missing_url = g_strdup_printf ("http://127.0.0.1:%u/missing.xml.bz2",
                                 (guint) g_ascii_strtoull (port + strlen (" port "), NULL, 10));
  return TRUE;
}

static void
stop_http_server (void)
{
  if (http_server == NULL)
    return;
  g_subprocess_force_exit (http_server);
  g_subprocess_wait (http_server, NULL, NULL);
  g_clear_object (&http_server);
}

/* --- helpers --------------------------------------------------------------------------------- */

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static BurrowPublicHubsPage *
get_page (void)
{
  BurrowWindow *window = get_window ();
  GtkWidget *page = gtk_stack_get_child_by_name (window->stack, "public-hubs");

  g_assert_true (BURROW_IS_PUBLIC_HUBS_PAGE (page));
  return BURROW_PUBLIC_HUBS_PAGE (page);
}

static GtkColumnViewColumn *
column (BurrowPublicHubsPage *page,
        const char           *name)
{
  GObject *found = gtk_widget_get_template_child (GTK_WIDGET (page),
                                                  BURROW_TYPE_PUBLIC_HUBS_PAGE, name);

  g_assert_true (GTK_IS_COLUMN_VIEW_COLUMN (found));
  return GTK_COLUMN_VIEW_COLUMN (found);
}

/* In the German run, a string the test expects must really be translated. */
static void
assert_translated (const char *translated,
                   const char *english)
{
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (translated, !=, english);
  else
    g_assert_cmpstr (translated, ==, english);
}

static gboolean
refresh_over (gpointer data)
{
  return !burrow_public_hubs_page_get_refreshing (data);
}

typedef struct
{
  GListModel *model;
  guint       n;
} CountWait;

static gboolean
has_n_items (gpointer data)
{
  CountWait *w = data;

  return g_list_model_get_n_items (w->model) == w->n;
}

static void
wait_shown (BurrowPublicHubsPage *page,
            guint                 n)
{
  CountWait w = { burrow_public_hubs_page_get_shown (page), n };

  g_assert_true (burrow_test_wait_until (has_n_items, &w, WAIT_MS));
  burrow_test_ui_flush ();
}

static BurrowPublicHub *
shown_hub (BurrowPublicHubsPage *page,
           guint                 position)
{
  g_autoptr(BurrowPublicHubRow) row = g_list_model_get_item (burrow_public_hubs_page_get_shown (page),
                                                              position);

  g_assert_nonnull (row);
  return burrow_public_hub_row_get_hub (row);   /* the model keeps it */
}

/* The position of the shown hub called @name. */
static guint
find_shown (BurrowPublicHubsPage *page,
            const char           *name)
{
  GListModel *shown = burrow_public_hubs_page_get_shown (page);

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    if (g_strcmp0 (burrow_public_hub_get_name (shown_hub (page, i)), name) == 0)
      return i;
  g_assert_not_reached ();
}

/* A shown warning icon, whose tooltip the page computes when asked. */
static gboolean
is_warning_icon (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_IMAGE (widget) && gtk_widget_get_mapped (widget) &&
         gtk_widget_get_has_tooltip (widget) &&
         g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), "dialog-warning-symbolic") == 0;
}

static void
filter (BurrowPublicHubsPage *page,
        const char           *text,
        guint                 expected)
{
  gtk_editable_set_text (burrow_public_hubs_page_get_search_entry (page), text);
  wait_shown (page, expected);
}

/* --- cases ----------------------------------------------------------------------------------- */

static void
test_list (void)
{
  BurrowWindow *window = get_window ();
  BurrowPublicHubsPage *page = get_page ();
  BurrowClient *client = burrow_application_get_client (app);
  BurrowPublicHubs *hubs = burrow_client_get_public_hubs (client);
  GtkColumnView *view = burrow_public_hubs_page_get_column_view (page);
  const char * const servers[] = { list_url, missing_url, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  g_autofree char *fresh = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *screenshot = NULL;
  g_auto(GStrv) lines = NULL;
  BurrowPublicHub *hub;
  GtkStackPage *stack_page;

  /* The page in the sidebar, under its name, translated. */
  stack_page = gtk_stack_get_page (window->stack, GTK_WIDGET (page));
  g_assert_cmpstr (gtk_stack_page_get_title (stack_page), ==, _("Public Hubs"));
  assert_translated (_("Public Hubs"), "Public Hubs");
  g_assert_cmpstr (C_("public hubs column", "Users"), ==,
                   gtk_column_view_column_get_title (column (page, "users_column")));
  assert_translated (C_("public hubs column", "Users"), "Users");

  /* The app's list servers point to the local one (and a list it does not have). */
  g_assert_true (burrow_public_hubs_set_servers (hubs, servers, &error));
  g_assert_no_error (error);

  /* Shown for the first time: it downloads the lists. */
  g_assert_true (burrow_window_set_page (window, "public-hubs"));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "public-hubs");
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));
  g_assert_true (burrow_test_wait_until (refresh_over, page, WAIT_MS));
  wait_shown (page, N_LIST_HUBS);
  g_assert_null (burrow_public_hubs_page_get_error (page));

  /* One status line per server: the good one with its count and age, the missing one. */
  status = burrow_public_hubs_page_dup_status_text (page);
  lines = g_strsplit (status, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  fresh = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %u hub, downloaded %s",
                                        "%s: %u hubs, downloaded %s", N_LIST_HUBS),
                           list_url, N_LIST_HUBS, _("just now"));
  g_assert_cmpstr (lines[0], ==, fresh);
  assert_translated (_("just now"), "just now");
  g_assert_true (g_str_has_prefix (lines[1], missing_url));
  g_assert_nonnull (strstr (lines[1], "404"));

  /* Sorted by users, busiest first, at the start. */
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, 0)), ==, "Beta Movies");
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, N_LIST_HUBS - 1)), ==,
                   "Burrow NMDC hub");

  /* A click on a header sorts by it: names A to Z, then Z to A. */
  gtk_column_view_sort_by_column (view, column (page, "name_column"), GTK_SORT_ASCENDING);
  burrow_test_ui_flush ();
  {
    const char * const expected[] = { "Alpha Music", "Beta Movies", "Burrow NMDC hub",
                                      "Mid Point", "Zeta Secure" };

    for (guint i = 0; i < N_LIST_HUBS; i++)
      g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, i)), ==, expected[i]);
  }
  gtk_column_view_sort_by_column (view, column (page, "name_column"), GTK_SORT_DESCENDING);
  burrow_test_ui_flush ();
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, 0)), ==, "Zeta Secure");
  /* By reliability, least reliable first. */
  gtk_column_view_sort_by_column (view, column (page, "reliability_column"), GTK_SORT_ASCENDING);
  burrow_test_ui_flush ();
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, 0)), ==, "Mid Point");
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, N_LIST_HUBS - 1)), ==,
                   "Burrow NMDC hub");

  /* Typing filters: by name, description (any case, Cyrillic too), address, country. */
  filter (page, "alpha", 1);
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, 0)), ==, "Alpha Music");
  filter (page, "КИРИЛЛ", 1);
  g_assert_cmpstr (burrow_public_hub_get_name (shown_hub (page, 0)), ==, "Burrow NMDC hub");
  filter (page, "zeta.example", 1);
  filter (page, "e", N_LIST_HUBS);
  filter (page, "sweden", 1);
  filter (page, "no such hub anywhere", 0);
  filter (page, "", N_LIST_HUBS);

  /* Alpha asks for 1 TiB and 3 slots; we share nothing and give 1 slot: marked, with both
   * reasons. */
  burrow_client_set_slots (client, 1);
  filter (page, "alpha", 1);
  hub = shown_hub (page, 0);
  reason = burrow_public_hubs_page_dup_unmet_reason (page, hub);
  {
    g_autofree char *need = g_format_size (G_GUINT64_CONSTANT (1099511627776));
    g_autofree char *have = g_format_size (0);
    g_autofree char *share_line = g_strdup_printf (_("This hub asks for a share of at least %s; "
                                                     "you share %s."), need, have);
    g_autofree char *slots_line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                "This hub asks for at least %u upload slot; you have %u.",
                                                                "This hub asks for at least %u upload slots; you have %u.",
                                                                3), 3, 1);
    g_autofree char *both = g_strconcat (share_line, "\n", slots_line, NULL);

    g_assert_cmpstr (reason, ==, both);
    g_assert_nonnull (burrow_test_ui_find (GTK_WIDGET (view), is_warning_icon, NULL));

    /* Enough slots: only the share is missing. */
    burrow_client_set_slots (client, 5);
    burrow_test_ui_flush ();
    g_clear_pointer (&reason, g_free);
    reason = burrow_public_hubs_page_dup_unmet_reason (page, hub);
    g_assert_cmpstr (reason, ==, share_line);
    g_assert_nonnull (burrow_test_ui_find (GTK_WIDGET (view), is_warning_icon, NULL));
  }
  /* A hub without a minimum: no mark. */
  filter (page, "mid point", 1);
  g_assert_null (burrow_public_hubs_page_dup_unmet_reason (page, shown_hub (page, 0)));
  g_assert_null (burrow_test_ui_find (GTK_WIDGET (view), is_warning_icon, NULL));
  filter (page, "", N_LIST_HUBS);

  gtk_column_view_sort_by_column (view, column (page, "users_column"), GTK_SORT_DESCENDING);
  burrow_test_ui_flush ();
  screenshot = g_strdup_printf ("screenshot-public-hubs-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);
}

static void
test_favorites (void)
{
  BurrowPublicHubsPage *page = get_page ();
  BurrowClient *client = burrow_application_get_client (app);
  BurrowFavoriteHubs *favorites = burrow_client_get_favorite_hubs (client);
  BurrowFavoriteHub *favorite;
  GtkSelectionModel *selection;

  burrow_window_set_page (get_window (), "public-hubs");
  wait_shown (page, N_LIST_HUBS);
  selection = GTK_SELECTION_MODEL (burrow_public_hubs_page_get_shown (page));

  /* ADCS with a keyprint: the address keeps it. Through the button's action, on the selected
   * row. */
  g_assert_true (gtk_selection_model_select_item (selection, find_shown (page, "Zeta Secure"),
                                                  TRUE));
  gtk_widget_activate_action (GTK_WIDGET (page), "public-hubs.add-favorite", NULL);
  favorite = burrow_favorite_hubs_lookup_uri (favorites,
                                              "adcs://zeta.example.org:2780/?kp=" KEYPRINT);
  g_assert_nonnull (favorite);
  g_assert_cmpstr (burrow_favorite_hub_get_name (favorite), ==, "Zeta Secure");
  g_assert_null (burrow_favorite_hub_get_encoding (favorite));

  /* Twice: refused, and said so. */
  g_assert_false (burrow_public_hubs_page_add_favorite (page, find_shown (page, "Zeta Secure")));
  g_assert_nonnull (burrow_public_hubs_page_get_error (page));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (favorites)), ==, 1);

  /* NMDC over TLS with the list's charset. */
  g_assert_true (burrow_public_hubs_page_add_favorite (page, find_shown (page, "Beta Movies")));
  g_assert_null (burrow_public_hubs_page_get_error (page));
  favorite = burrow_favorite_hubs_lookup_uri (favorites, "nmdcs://beta.example.org:411");
  g_assert_nonnull (favorite);
  g_assert_cmpstr (burrow_favorite_hub_get_encoding (favorite), ==, "CP1251");

  /* Stored: a new client on the same data dir reads both back. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowClient) other = burrow_client_new (data_dir, &error);
    BurrowFavoriteHub *copy;

    g_assert_no_error (error);
    copy = burrow_favorite_hubs_lookup_uri (burrow_client_get_favorite_hubs (other),
                                            "nmdcs://beta.example.org:411");
    g_assert_nonnull (copy);
    g_assert_cmpstr (burrow_favorite_hub_get_encoding (copy), ==, "CP1251");
    g_assert_nonnull (burrow_favorite_hubs_lookup_uri (
                        burrow_client_get_favorite_hubs (other),
                        "adcs://zeta.example.org:2780/?kp=" KEYPRINT));
  }
  while (g_list_model_get_n_items (G_LIST_MODEL (favorites)) > 0)
    {
      g_autoptr(BurrowFavoriteHub) first = g_list_model_get_item (G_LIST_MODEL (favorites), 0);

      g_assert_true (burrow_favorite_hubs_remove (favorites, first, NULL));
    }
  gtk_selection_model_unselect_all (selection);
}

typedef struct
{
  GListModel *messages;
  const char *nick;
  const char *text;
} MessageWait;

static gboolean
message_arrived (gpointer data)
{
  MessageWait *w = data;

  for (guint i = 0; i < g_list_model_get_n_items (w->messages); i++)
    {
      g_autoptr(BurrowChatMessage) m = g_list_model_get_item (w->messages, i);

      if (burrow_chat_message_get_kind (m) == BURROW_CHAT_KIND_MAIN &&
          g_strcmp0 (burrow_chat_message_get_nick (m), w->nick) == 0 &&
          g_strcmp0 (burrow_chat_message_get_text (m), w->text) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
session_is_normal (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_NORMAL;
}

static void
test_connect_and_chat (void)
{
  BurrowWindow *window = get_window ();
  BurrowPublicHubsPage *page = get_page ();
  BurrowClient *client = burrow_application_get_client (app);
  BurrowHubsPage *hubs_page = burrow_window_get_hubs_page (window);
  GtkColumnView *view = burrow_public_hubs_page_get_column_view (page);
  g_autofree char *screenshot = NULL;
  BurrowHubSession *session;
  BurrowHubPage *hub_page;
  BurrowChatView *chat;
  GtkEntry *entry;
  MessageWait wait;

  burrow_client_set_nick (client, "alice");
  burrow_window_set_page (window, "public-hubs");
  wait_shown (page, N_LIST_HUBS);

  /* Find the test hub by typing, then activate its row (a double click or Enter). */
  filter (page, "burrow nmdc", 1);
  g_signal_emit_by_name (view, "activate", 0);
  g_assert_null (burrow_public_hubs_page_get_error (page));

  /* On its hub page, connected with the list's charset. */
  g_assert_cmpstr (burrow_window_get_page (window), ==, "hubs");
  hub_page = burrow_hubs_page_get_visible_hub (hubs_page);
  g_assert_nonnull (hub_page);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (hub_page)));
  session = burrow_hub_page_get_session (hub_page);
  g_assert_cmpstr (burrow_hub_session_get_uri (session), ==,
                   burrow_test_nmdc_hub_get_uri (nmdc_hub));
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "CP1251");
  g_assert_true (burrow_test_wait_until (session_is_normal, session, WAIT_MS));

  /* A line typed in the chat entry comes back from the hub (Cyrillic through CP1251). */
  chat = burrow_hub_page_get_main_chat (hub_page);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (chat)));
  entry = burrow_chat_view_get_entry (chat);
  gtk_editable_set_text (GTK_EDITABLE (entry), CHAT_LINE);
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  wait = (MessageWait) { burrow_chat_view_get_messages (chat), "alice", CHAT_LINE };
  g_assert_true (burrow_test_wait_until (message_arrived, &wait, WAIT_MS));
  screenshot = g_strdup_printf ("screenshot-public-hubs-chat-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);

  burrow_client_remove_hub (client, session);
  burrow_hubs_page_show_overview (hubs_page);
  filter (page, "", N_LIST_HUBS);
}

static void
test_offline (void)
{
  BurrowWindow *window = get_window ();
  BurrowPublicHubsPage *page = get_page ();
  g_autofree char *status = NULL;
  g_autofree char *from_cache = NULL;
  g_autofree char *screenshot = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *age = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day ago",
                                                       "%u days ago", 3), 3);

  /* The server is gone, and the saved copy is three days old: Refresh shows the copy, how old
   * it is, and why. */
  stop_http_server ();
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (burrow_database_exec (
                     burrow_client_get_database (burrow_application_get_client (app)),
                     "UPDATE hub_list_cache SET fetched = fetched - 3 * 86400", &error));
    g_assert_no_error (error);
  }
  burrow_window_set_page (window, "public-hubs");
  gtk_widget_activate_action (GTK_WIDGET (page), "public-hubs.refresh", NULL);
  g_assert_true (burrow_public_hubs_page_get_refreshing (page));
  g_assert_true (burrow_test_wait_until (refresh_over, page, WAIT_MS));
  wait_shown (page, N_LIST_HUBS);
  g_assert_null (burrow_public_hubs_page_get_error (page));

  status = burrow_public_hubs_page_dup_status_text (page);
  lines = g_strsplit (status, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  from_cache = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%s: %u hub from the saved copy of %s (download failed: %s)",
                                             "%s: %u hubs from the saved copy of %s (download failed: %s)",
                                             N_LIST_HUBS),
                                list_url, N_LIST_HUBS, age, "");
  /* Everything but the download's error message (libsoup's or GIO's) and the ")" after it. */
  g_assert_true (g_str_has_suffix (from_cache, ")"));
  from_cache[strlen (from_cache) - 1] = '\0';
  g_assert_true (g_str_has_prefix (lines[0], from_cache));
  g_assert_true (g_str_has_suffix (lines[0], ")"));
  g_assert_cmpuint (strlen (lines[0]), >, strlen (from_cache) + 1);
  /* The other server has no copy: still an error line. */
  g_assert_true (g_str_has_prefix (lines[1], missing_url));
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (age, ==, "vor 3 Tagen");
  screenshot = g_strdup_printf ("screenshot-public-hubs-offline-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);
}

static void
test_preferences_servers (void)
{
  BurrowWindow *window = get_window ();
  BurrowPublicHubs *hubs = burrow_client_get_public_hubs (burrow_application_get_client (app));
  BurrowPreferencesWindow *prefs = burrow_preferences_window_new (app, GTK_WINDOW (window));
  GtkWidget *entry = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (prefs),
                                                                BURROW_TYPE_PREFERENCES_WINDOW,
                                                                "server_entry"));
  const char *other = "https://lists.example.org/hublist.config";
  g_autofree char *listed = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *defaults = NULL;
  g_autofree char *screenshot = NULL;
  g_auto(GStrv) servers = NULL;

  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (prefs)));

  /* The configured servers, one row each. */
  listed = burrow_preferences_window_dup_servers_text (prefs);
  expected = g_strdup_printf ("%s\n%s\n", list_url, missing_url);
  g_assert_cmpstr (listed, ==, expected);
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (prefs), _("Public Hub Lists")));
  assert_translated (_("Public Hub Lists"), "Public Hub Lists");

  /* Typed and added with the Add List button (its action): stored after the others. */
  gtk_editable_set_text (GTK_EDITABLE (entry), other);
  gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.add-server", NULL);
  g_assert_null (burrow_preferences_window_get_servers_error (prefs));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  servers = burrow_public_hubs_dup_servers (hubs);
  g_assert_cmpuint (g_strv_length (servers), ==, 3);
  g_assert_cmpstr (servers[2], ==, other);
  g_clear_pointer (&servers, g_strfreev);

  /* Not an http(s) address: said so, nothing stored, the text stays to be fixed. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "ftp://lists.example.org/hublist.xml");
  g_signal_emit_by_name (entry, "activate");
  g_assert_nonnull (burrow_preferences_window_get_servers_error (prefs));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==,
                   "ftp://lists.example.org/hublist.xml");
  servers = burrow_public_hubs_dup_servers (hubs);
  g_assert_cmpuint (g_strv_length (servers), ==, 3);
  g_clear_pointer (&servers, g_strfreev);
  gtk_widget_grab_focus (entry);
  screenshot = g_strdup_printf ("screenshot-preferences-hub-lists-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (prefs), screenshot);

  /* Removed with its row's button. */
  g_assert_true (burrow_preferences_window_remove_server (prefs, other));
  g_assert_null (burrow_preferences_window_get_servers_error (prefs));
  g_clear_pointer (&listed, g_free);
  listed = burrow_preferences_window_dup_servers_text (prefs);
  g_assert_cmpstr (listed, ==, expected);

  /* Reset to the defaults (never used by the test: nothing is downloaded here). */
  gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.reset-servers", NULL);
  servers = burrow_public_hubs_dup_servers (hubs);
  g_assert_true (g_strv_equal ((const char * const *) servers,
                               burrow_public_hubs_get_default_servers ()));
  defaults = g_strjoinv ("\n", servers);
  g_clear_pointer (&listed, g_free);
  listed = burrow_preferences_window_dup_servers_text (prefs);
  g_assert_true (g_str_has_prefix (listed, defaults));

  /* Back to the local server for the cases after this one. */
  {
    const char * const local[] = { list_url, missing_url, NULL };

    g_assert_true (burrow_public_hubs_set_servers (hubs, local, NULL));
  }
  gtk_window_destroy (GTK_WINDOW (prefs));
  burrow_test_ui_flush ();
}

static void
before_tests (GApplication *application)
{
  /* Room for every column (also for the screenshot in data/screenshots). */
  gtk_window_set_default_size (GTK_WINDOW (get_window ()), 1280, 760);
}

static gboolean
add_cases (void)
{
  BurrowTestNmdcHubOptions opts = { .profile = "ptokax", .charset = "cp1251",
                                    .name = "Burrow NMDC hub" };
  g_autoptr(GError) error = NULL;

  nmdc_hub = burrow_test_nmdc_hub_start (&opts, &error);
  if (nmdc_hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_print ("1..0 # SKIP %s\n", error->message);
      return FALSE;
    }
  g_assert_no_error (error);

  list_dir = g_build_filename (data_dir, "lists", NULL);
  g_assert_cmpint (g_mkdir_with_parents (list_dir, 0700), ==, 0);
  write_list ();
  if (!start_http_server (&error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_print ("1..0 # SKIP %s\n", error->message);
          return FALSE;
        }
      g_assert_no_error (error);
    }

  g_test_add_func ("/burrow/ui/public-hubs/list", test_list);
  g_test_add_func ("/burrow/ui/public-hubs/favorites", test_favorites);
  g_test_add_func ("/burrow/ui/public-hubs/connect-and-chat", test_connect_and_chat);
  g_test_add_func ("/burrow/ui/public-hubs/preferences", test_preferences_servers);
  g_test_add_func ("/burrow/ui/public-hubs/offline", test_offline);
  return TRUE;
}

static void
cleanup (void)
{
  stop_http_server ();
  g_clear_pointer (&nmdc_hub, burrow_test_nmdc_hub_free);
  g_clear_pointer (&list_url, g_free);
  g_clear_pointer (&missing_url, g_free);
  g_clear_pointer (&list_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "public-hubs",
    .app = &app,
    .data_dir = &data_dir,
    .add_cases = add_cases,
    .before = before_tests,
    .cleanup = cleanup,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
