/* test-hub-nmdc.c — the app against the NMDC test hub (tests/nmdc/nmdc-hub.py), through the UI:
 * the connect bar with a dchub:// address, then what the hub page shows once logged in (protocol,
 * hub software, encoding, the user list with a second user, main chat both ways, a private
 * message)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "bob" is a second BurrowClient in this process, logged in to the same hub as the core's
 * test-nmdc-hub-session.c does it; the app logs in as "alice". One case per hub profile.
 */

#define G_LOG_DOMAIN "test-hub-nmdc"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-chat-row.h"
#include "burrow-chat-view.h"
#include "burrow-encoding-entry.h"
#include "burrow-hub-page.h"
#include "burrow-hubs-page.h"
#include "burrow-test-nmdc-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-user-list.h"

#include "burrow-window.h"

/* Generous: two cores shared with other builds and a Python hub. */
#define WAIT_MS 30000
#define MY_NICK "alice"
#define HUB_NAME "Burrow NMDC hub"
#define BOB_SHARE G_GUINT64_CONSTANT (5368709120)   /* 5 GiB, as bob's $MyINFO says */

static BurrowApplication *app;
static char *data_dir;

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static GtkWidget *
template_child (gpointer    widget,
                GType       type,
                const char *name)
{
  GtkWidget *found = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (widget), type, name));

  g_assert_nonnull (found);
  return found;
}

/* In the German run, a string the test expects must really be translated (else the check
 * would pass on English text). */
static void
assert_translated (const char *translated,
                   const char *english)
{
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (translated, !=, english);
  else
    g_assert_cmpstr (translated, ==, english);
}

/* --- waiting ------------------------------------------------------------------------------- */

static gboolean
session_is_normal (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_NORMAL;
}

static gboolean
session_has_software (gpointer data)
{
  return burrow_hub_session_get_hub_software (data) != NULL;
}

typedef struct
{
  BurrowHubSession *session;
  const char       *nick;
} NickWait;

static gboolean
nick_is_present (gpointer data)
{
  NickWait *w = data;

  return burrow_hub_session_lookup_nick (w->session, w->nick) != NULL;
}

/* Messages of @model (a chat view's or a session's) of @kind (or any, with -1) with @text. */
static guint
count_messages (GListModel  *model,
                int          kind,
                const char  *text)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BurrowChatMessage) m = g_list_model_get_item (model, i);

      if ((kind < 0 || (int) burrow_chat_message_get_kind (m) == kind) &&
          g_strcmp0 (burrow_chat_message_get_text (m), text) == 0)
        n++;
    }
  return n;
}

typedef struct
{
  GListModel *model;
  int         kind;
  const char *text;
} MessageWait;

static gboolean
message_arrived (gpointer data)
{
  MessageWait *w = data;

  return count_messages (w->model, w->kind, w->text) > 0;
}

static gboolean
wait_message (GListModel *model,
              int         kind,
              const char *text)
{
  MessageWait w = { model, kind, text };

  return burrow_test_wait_until (message_arrived, &w, WAIT_MS);
}

/* --- chat rows, as drawn ------------------------------------------------------------------- */

typedef struct
{
  const char *text;
  GPtrArray  *found;
} RowSearch;

static void
collect_chat_rows (GtkWidget *widget,
                   RowSearch *search)
{
  if (BURROW_IS_CHAT_ROW (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (burrow_chat_row_get_text_label (BURROW_CHAT_ROW (widget))),
                 search->text) == 0)
    g_ptr_array_add (search->found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_chat_rows (child, search);
}

/* The mapped chat rows under @root that show @text. */
static GPtrArray *
chat_rows (GtkWidget  *root,
           const char *text)
{
  RowSearch search = { text, g_ptr_array_new () };

  collect_chat_rows (root, &search);
  return search.found;
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} RowWait;

static gboolean
row_is_shown (gpointer data)
{
  RowWait *w = data;
  g_autoptr(GPtrArray) rows = chat_rows (w->root, w->text);

  return rows->len > 0;
}

/* Waits until a chat row under @view shows @text; asserts that exactly one does and that its
 * nick label says @nick. */
static void
assert_one_chat_row (BurrowChatView *view,
                     const char     *nick,
                     const char     *text)
{
  RowWait w = { GTK_WIDGET (view), text };
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_true (burrow_test_wait_until (row_is_shown, &w, WAIT_MS));
  rows = chat_rows (GTK_WIDGET (view), text);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (gtk_label_get_text (burrow_chat_row_get_nick_label (rows->pdata[0])), ==,
                   nick);
}

/* --- the user list, as drawn --------------------------------------------------------------- */

static gboolean
is_nick_cell (GtkWidget     *widget,
              gconstpointer  nick)
{
  return GTK_IS_INSCRIPTION (widget) && gtk_widget_get_mapped (widget) &&
         gtk_widget_has_css_class (widget, "burrow-user-nick") &&
         g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), nick) == 0;
}

typedef struct
{
  BurrowUserList *list;
  const char     *nick;
} CellWait;

static gboolean
nick_row_is_shown (gpointer data)
{
  CellWait *w = data;

  return burrow_test_ui_find (GTK_WIDGET (burrow_user_list_get_column_view (w->list)),
                              is_nick_cell, w->nick) != NULL;
}

/* Where the column titled @title is among the column view's columns. */
static guint
column_index (GtkColumnView *view,
              const char    *title)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        {
          g_assert_true (gtk_column_view_column_get_visible (column));
          return i;
        }
    }
  g_assert_not_reached ();
}

/* The text of the cell in @nick's row under the column titled @title. A cell is a list item
 * widget (one per column, in the columns' order) in the row's widget. */
static const char *
cell_text (BurrowUserList *list,
           const char     *nick,
           const char     *title)
{
  GtkColumnView *view = burrow_user_list_get_column_view (list);
  GtkWidget *nick_cell = burrow_test_ui_find (GTK_WIDGET (view), is_nick_cell, nick);
  GtkWidget *row;
  GtkWidget *cell;
  guint index = column_index (view, title);

  g_assert_nonnull (nick_cell);
  row = gtk_widget_get_parent (gtk_widget_get_parent (nick_cell));
  cell = gtk_widget_get_first_child (row);
  for (guint i = 0; i < index && cell != NULL; i++)
    cell = gtk_widget_get_next_sibling (cell);
  g_assert_nonnull (cell);
  g_assert_true (GTK_IS_INSCRIPTION (gtk_widget_get_first_child (cell)));
  return gtk_inscription_get_text (GTK_INSCRIPTION (gtk_widget_get_first_child (cell)));
}

/* --- the case ------------------------------------------------------------------------------ */

/* The share size in a $MyINFO line: "$MyINFO $ALL nick desc$ $conn\x01$email$SHARE$". */
static char *
myinfo_share (const char *myinfo)
{
  g_auto(GStrv) fields = g_strsplit (myinfo, "$", -1);
  guint n = g_strv_length (fields);

  g_assert_cmpuint (n, >=, 3);
  return g_strdup (fields[n - 2]);
}

static void
control (BurrowTestNmdcHub *hub,
         const char        *command)
{
  g_autoptr(GError) error = NULL;

  g_free (burrow_test_nmdc_hub_control (hub, command, &error));
  g_assert_no_error (error);
}

static void
test_hub (gconstpointer data)
{
  const char *profile = data;
  gboolean ptokax = g_str_equal (profile, "ptokax");
  BurrowTestNmdcHubOptions opts = { .profile = profile, .name = HUB_NAME };
  g_autoptr(BurrowTestNmdcHub) hub = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowClient) bob = NULL;
  g_autofree char *bob_dir = NULL;
  g_autofree char *relayed = NULL;
  g_autofree char *share = NULL;
  g_autofree char *text = NULL;
  g_autofree char *screenshot = NULL;
  BurrowClient *client = burrow_application_get_client (app);
  BurrowWindow *window = get_window ();
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (window);
  BurrowEncodingEntry *encoding = burrow_hubs_page_get_connect_encoding_entry (hubs);
  BurrowHubSession *bob_session;
  BurrowHubSession *session;
  BurrowHubPage *page;
  BurrowUserList *list;
  BurrowChatView *chat;
  BurrowChatView *pm;
  GtkStack *chat_stack;
  GtkLabel *label;
  NickWait nick_wait;
  CellWait cell_wait;
  const char *software_prefix = ptokax ? "PtokaX" : "Verlihub";
  const char *bot = ptokax ? "PtokaX" : "Verlihub";

  hub = burrow_test_nmdc_hub_start (&opts, &error);
  if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  /* bob, a second client, logs in first, with a share to show. */
  bob_dir = g_strdup_printf ("%s/bob-%s", data_dir, profile);
  bob = burrow_client_new (bob_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (bob, "bob");
  bob_session = burrow_client_add_hub (bob, burrow_test_nmdc_hub_get_uri (hub), &error);
  g_assert_no_error (error);
  burrow_hub_session_set_share_info (bob_session, BOB_SHARE, 42, 3, 2);
  g_clear_error (&error);
  error = burrow_test_connect_hub (bob_session);
  g_assert_no_error (error);

  /* Through the UI: the address in the connect bar, the Connection Options' encoding left
   * empty (the CP1252 default, shown as its placeholder), then Connect. */
  burrow_client_set_nick (client, MY_NICK);
  burrow_window_set_page (window, "hubs");
  burrow_hubs_page_show_overview (hubs);
  g_assert_cmpstr (gtk_editable_get_text (
                     GTK_EDITABLE (burrow_encoding_entry_get_entry (encoding))), ==, "");
  g_assert_cmpstr (gtk_entry_get_placeholder_text (burrow_encoding_entry_get_entry (encoding)), ==,
                   "CP1252");
  gtk_editable_set_text (GTK_EDITABLE (burrow_hubs_page_get_connect_entry (hubs)),
                         burrow_test_nmdc_hub_get_uri (hub));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (encoding)));
  g_signal_emit_by_name (template_child (hubs, BURROW_TYPE_HUBS_PAGE, "connect_button"), "clicked");
  g_assert_null (burrow_hubs_page_get_connect_error (hubs));

  page = burrow_hubs_page_get_visible_hub (hubs);
  g_assert_nonnull (page);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));
  session = burrow_hub_page_get_session (page);
  g_assert_cmpstr (burrow_hub_session_get_uri (session), ==, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "CP1252");
  g_assert_true (burrow_test_wait_until (session_is_normal, session, WAIT_MS));
  g_assert_true (burrow_test_wait_until (session_has_software, session, WAIT_MS));
  burrow_test_ui_flush ();

  /* The header: the hub's name, "Connected", NMDC, the hub software, the encoding. */
  g_assert_cmpstr (burrow_hub_page_get_title (page), ==, HUB_NAME);
  label = GTK_LABEL (template_child (page, BURROW_TYPE_HUB_PAGE, "state_label"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, _("Connected"));
  assert_translated (_("Connected"), "Connected");
  label = burrow_hub_page_get_protocol_label (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, "NMDC");
  label = burrow_hub_page_get_software_label (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  text = g_strdup_printf (_("Hub software: %s"), burrow_hub_session_get_hub_software (session));
  g_assert_cmpstr (gtk_label_get_text (label), ==, text);
  assert_translated (_("Hub software: %s"), "Hub software: %s");
  g_assert_true (g_str_has_prefix (burrow_hub_session_get_hub_software (session), software_prefix));
  g_test_message ("%s: %s", profile, gtk_label_get_text (label));
  g_clear_pointer (&text, g_free);
  label = burrow_hub_page_get_encoding_label (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  text = g_strdup_printf (_("Encoding: %s"), "CP1252");
  g_assert_cmpstr (gtk_label_get_text (label), ==, text);
  assert_translated (_("Encoding: %s"), "Encoding: %s");
  g_clear_pointer (&text, g_free);

  /* The user list: bob and us, drawn; bob's share and mode as the hub relays them (PtokaX
   * relays the short $MyINFO, passive; Verlihub keeps the tag: NAT traversal). */
  list = burrow_hub_page_get_user_list (page);
  nick_wait = (NickWait) { session, "bob" };
  g_assert_true (burrow_test_wait_until (nick_is_present, &nick_wait, WAIT_MS));
  cell_wait = (CellWait) { list, "bob" };
  g_assert_true (burrow_test_wait_until (nick_row_is_shown, &cell_wait, WAIT_MS));
  cell_wait.nick = MY_NICK;
  g_assert_true (burrow_test_wait_until (nick_row_is_shown, &cell_wait, WAIT_MS));
  relayed = burrow_test_nmdc_hub_control (hub, "myinfo bob", &error);
  g_assert_no_error (error);
  share = myinfo_share (relayed);
  g_assert_cmpuint (g_ascii_strtoull (share, NULL, 10), ==, BOB_SHARE);
  text = g_format_size (BOB_SHARE);
  g_assert_cmpstr (cell_text (list, "bob", C_("column", "Share")), ==, text);
  g_clear_pointer (&text, g_free);
  g_assert_cmpstr (cell_text (list, "bob", C_("column", "Mode")), ==,
                   ptokax ? C_("mode", "Passive") : C_("mode", "NAT-T"));
  assert_translated (C_("column", "Share"), "Share");
  assert_translated (C_("column", "Mode"), "Mode");
  /* (German keeps "NAT-T" as it is.) */
  if (ptokax)
    assert_translated (C_("mode", "Passive"), "Passive");
  g_assert_cmpstr (cell_text (list, MY_NICK, C_("column", "Nick")), ==, MY_NICK);

  /* Main chat: the hub's own line and bob's line reach the chat view. */
  chat = burrow_hub_page_get_main_chat (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (chat)));
  control (hub, "say Welcome to the test hub");
  g_assert_true (wait_message (burrow_chat_view_get_messages (chat), BURROW_CHAT_KIND_MAIN,
                               "Welcome to the test hub"));
  assert_one_chat_row (chat, bot, "Welcome to the test hub");
  g_assert_true (burrow_hub_session_send_chat (bob_session, "Hello from bob & co", &error));
  g_assert_no_error (error);
  g_assert_true (wait_message (burrow_chat_view_get_messages (chat), BURROW_CHAT_KIND_MAIN,
                               "Hello from bob & co"));
  assert_one_chat_row (chat, "bob", "Hello from bob & co");

  /* The chat entry: bob gets the line; the app shows it once (the hub's echo, no local copy). */
  {
    GtkEntry *entry = burrow_chat_view_get_entry (chat);
    GListModel *bob_messages = burrow_hub_session_get_messages (bob_session);

    gtk_editable_set_text (GTK_EDITABLE (entry), "Hi bob, costs $5 | cheap");
    g_signal_emit_by_name (entry, "activate");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
    g_assert_true (wait_message (bob_messages, BURROW_CHAT_KIND_MAIN, "Hi bob, costs $5 | cheap"));
    for (guint i = 0; i < g_list_model_get_n_items (bob_messages); i++)
      {
        g_autoptr(BurrowChatMessage) m = g_list_model_get_item (bob_messages, i);

        if (g_strcmp0 (burrow_chat_message_get_text (m), "Hi bob, costs $5 | cheap") == 0)
          g_assert_cmpstr (burrow_chat_message_get_nick (m), ==, MY_NICK);
      }
    /* Anything the hub sent before this line (a second echo) has arrived once it shows. */
    control (hub, "say end of echo check");
    g_assert_true (wait_message (burrow_chat_view_get_messages (chat), BURROW_CHAT_KIND_MAIN,
                                 "end of echo check"));
    assert_one_chat_row (chat, "bob", "Hello from bob & co");
    g_assert_cmpuint (count_messages (burrow_chat_view_get_messages (chat), -1,
                                      "Hi bob, costs $5 | cheap"), ==, 1);
    assert_one_chat_row (chat, MY_NICK, "Hi bob, costs $5 | cheap");
    assert_one_chat_row (chat, bot, "end of echo check");
  }
  screenshot = g_strdup_printf ("screenshot-hub-nmdc-chat-%s-%s.png", profile,
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);
  g_clear_pointer (&screenshot, g_free);

  /* A private message from bob: a conversation with bob opens (marked until looked at), its
   * row shows the text, and the main chat does not. */
  {
    BurrowUser *alice = burrow_hub_session_lookup_nick (bob_session, MY_NICK);
    RowWait row_wait;

    g_assert_nonnull (alice);
    g_assert_true (burrow_hub_session_send_private (bob_session, alice, "psst, alice | $secret",
                                                    &error));
    g_assert_no_error (error);
    g_assert_true (wait_message (burrow_hub_session_get_messages (session),
                                 BURROW_CHAT_KIND_PRIVATE, "psst, alice | $secret"));
    burrow_test_ui_flush ();
    pm = burrow_hub_page_get_conversation (page, "bob");
    g_assert_nonnull (pm);
    g_assert_true (wait_message (burrow_chat_view_get_messages (pm), BURROW_CHAT_KIND_PRIVATE,
                                 "psst, alice | $secret"));
    g_assert_cmpuint (count_messages (burrow_chat_view_get_messages (chat), -1,
                                      "psst, alice | $secret"), ==, 0);
    chat_stack = GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (pm)));
    g_assert_true (gtk_stack_get_visible_child (chat_stack) == GTK_WIDGET (chat));
    g_assert_true (gtk_stack_page_get_needs_attention (gtk_stack_get_page (chat_stack,
                                                                           GTK_WIDGET (pm))));
    g_assert_cmpstr (gtk_stack_page_get_title (gtk_stack_get_page (chat_stack, GTK_WIDGET (pm))),
                     ==, "bob");
    g_assert_true (gtk_widget_get_mapped (template_child (page, BURROW_TYPE_HUB_PAGE,
                                                          "chat_switcher")));
    /* With the switcher the header is narrower and the hub software may be cut short (it is in
     * German at the default size): its tooltip still says all of it. */
    text = g_strdup_printf (_("Hub software: %s"), burrow_hub_session_get_hub_software (session));
    label = burrow_hub_page_get_software_label (page);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (label)), ==, text);
    g_clear_pointer (&text, g_free);

    /* The user opens it (as clicking its tab does). */
    gtk_stack_set_visible_child (chat_stack, GTK_WIDGET (pm));
    g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (pm)));
    g_assert_false (gtk_stack_page_get_needs_attention (gtk_stack_get_page (chat_stack,
                                                                            GTK_WIDGET (pm))));
    text = g_strdup_printf (_("Private conversation with %s"), "bob");
    g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (pm), text));
    assert_translated (_("Private conversation with %s"), "Private conversation with %s");
    g_clear_pointer (&text, g_free);
    row_wait = (RowWait) { GTK_WIDGET (pm), "psst, alice | $secret" };
    g_assert_true (burrow_test_wait_until (row_is_shown, &row_wait, WAIT_MS));
    assert_one_chat_row (pm, "bob", "psst, alice | $secret");
  }

  screenshot = g_strdup_printf ("screenshot-hub-nmdc-pm-%s-%s.png", profile,
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);

  /* Back to the main chat; close the hub's page (its session ends) and let bob go. */
  gtk_stack_set_visible_child (chat_stack, GTK_WIDGET (chat));
  gtk_widget_activate_action (GTK_WIDGET (page), "hub.close", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_client_get_hubs (client)), ==, 0);
  burrow_hubs_page_show_overview (hubs);
  burrow_hub_session_disconnect (bob_session);
  burrow_test_ui_flush ();
}

static gboolean
add_cases (void)
{
  g_test_add_data_func ("/burrow/ui/hub-nmdc/verlihub", "verlihub", test_hub);
  g_test_add_data_func ("/burrow/ui/hub-nmdc/ptokax", "ptokax", test_hub);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "hub-nmdc",
    .app = &app,
    .data_dir = &data_dir,
    .add_cases = add_cases,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
