/* test-hubs.c — the Hubs page and a hub's page, driven through the UI against a real uhub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-hubs"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-chat-row.h"
#include "burrow-chat-view.h"
#include "burrow-favorite-dialog.h"
#include "burrow-hub-page.h"
#include "burrow-hubs-page.h"
#include "burrow-notifier.h"
#include "burrow-test-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-ui-format.h"
#include "burrow-user-list.h"

#include "burrow-window.h"

#define WAIT_MS 10000
#define MY_NICK "alice"

/* One application per process (a GApplication registers once); the cases share the hub, the
 * raw clients and the session, and run in the order they are added. */
static BurrowApplication *app;
static BurrowTestHub *hub;
static BurrowTestAdcClient *bob;
static BurrowTestAdcClient *carol;
static BurrowTestAdcClient *dave;
static BurrowHubSession *session;       /* borrowed from the client */
static char *data_dir;
static char *my_sid;
static GSubprocess *notify_daemon;
static char *notify_log;

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static gboolean
is_chat_row_with_text (GtkWidget     *widget,
                       gconstpointer  text)
{
  return (BURROW_IS_CHAT_ROW (widget) && gtk_widget_get_mapped (widget) &&
          g_strcmp0 (gtk_label_get_text (burrow_chat_row_get_text_label (BURROW_CHAT_ROW (widget))),
                     text) == 0);
}

static gboolean
is_button_with_icon (GtkWidget     *widget,
                     gconstpointer  icon)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon) == 0;
}

static gboolean
is_switch (GtkWidget     *widget,
           gconstpointer  data)
{
  return GTK_IS_SWITCH (widget);
}

static BurrowHubPage *
hub_page (void)
{
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (get_window ());

  g_assert_nonnull (session);
  return burrow_hubs_page_get_hub_page (hubs, session);
}

/* Nicks of a list model of BurrowUser, in order, joined by spaces. */
static char *
nicks_of (GListModel *model)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (model, i);

      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, burrow_user_get_nick (user));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  GListModel *model;
  const char *nicks;
} NicksWait;

static gboolean
model_has_nicks (gpointer data)
{
  NicksWait *wait = data;
  g_autofree char *nicks = nicks_of (wait->model);

  return g_strcmp0 (nicks, wait->nicks) == 0;
}

static void
assert_nicks (GListModel *model,
              const char *expected)
{
  NicksWait wait = { model, expected };
  g_autofree char *nicks = NULL;

  burrow_test_wait_until (model_has_nicks, &wait, WAIT_MS);
  nicks = nicks_of (model);
  g_assert_cmpstr (nicks, ==, expected);
}

typedef struct
{
  GListModel *model;
  const char *text;
} TextWait;

static gboolean
model_has_text (gpointer data)
{
  TextWait *wait = data;
  guint n = g_list_model_get_n_items (wait->model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowChatMessage) message = g_list_model_get_item (wait->model, i);

      if (g_strcmp0 (burrow_chat_message_get_text (message), wait->text) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
row_shows_text (gpointer data)
{
  TextWait *wait = data;

  return burrow_test_ui_find (GTK_WIDGET (get_window ()), is_chat_row_with_text,
                              wait->text) != NULL;
}

static gboolean
session_is_normal (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_NORMAL;
}

static BurrowTestAdcClient *
connect_raw_client (const char *nick,
                    const char *extra_inf)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  BurrowTestAdcClient *client;

  client = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), nick, NULL, &error);
  g_assert_no_error (error);
  line = g_strdup_printf ("BINF %s %s", burrow_test_adc_client_get_sid (client), extra_inf);
  burrow_test_adc_client_send_line (client, line, &error);
  g_assert_no_error (error);
  return client;
}

static void
send_line (BurrowTestAdcClient *client,
           const char          *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
send_line (BurrowTestAdcClient *client,
           const char          *format,
           ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  burrow_test_adc_client_send_line (client, line, &error);
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------------------------------- */

static void
test_format (void)
{
  g_autofree char *markup = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *magnet = NULL;

  markup = burrow_ui_linkify ("<b>x</b> & see https://example.org/a?b=1&c=2. ok");
  g_assert_cmpstr (markup, ==,
                   "&lt;b&gt;x&lt;/b&gt; &amp; see "
                   "<a href=\"https://example.org/a?b=1&amp;c=2\">"
                   "https://example.org/a?b=1&amp;c=2</a>"
                   ". ok");
  plain = burrow_ui_linkify ("no links (really)");
  g_assert_cmpstr (plain, ==, "no links (really)");
  magnet = burrow_ui_linkify ("get magnet:?xt=urn:tree:tiger:AAAA&dn=a\"b or www.example.org");
  g_assert_cmpstr (magnet, ==,
                   "get <a href=\"magnet:?xt=urn:tree:tiger:AAAA&amp;dn=a\">"
                   "magnet:?xt=urn:tree:tiger:AAAA&amp;dn=a</a>&quot;b or "
                   "<a href=\"http://www.example.org\">www.example.org</a>");

  /* Stable colours, spread over the palette. */
  g_assert_cmpuint (burrow_ui_nick_color ("bob"), ==, burrow_ui_nick_color ("bob"));
  g_assert_cmpuint (burrow_ui_nick_color ("bob"), <, BURROW_UI_N_NICK_COLORS);
  {
    gboolean seen[BURROW_UI_N_NICK_COLORS] = { FALSE, };
    guint distinct = 0;

    for (guint i = 0; i < 64; i++)
      {
        g_autofree char *nick = g_strdup_printf ("user%u", i);

        seen[burrow_ui_nick_color (nick)] = TRUE;
      }
    for (guint i = 0; i < BURROW_UI_N_NICK_COLORS; i++)
      distinct += seen[i];
    g_assert_cmpuint (distinct, >=, 6);
  }
}

static void
test_connect_invalid (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (window);
  BurrowClient *client = burrow_application_get_client (app);
  GtkEntry *entry = burrow_hubs_page_get_connect_entry (hubs);

  g_assert_nonnull (client);
  g_assert_cmpstr (burrow_client_get_data_dir (client), ==, data_dir);
  burrow_window_set_page (window, "hubs");
  burrow_hubs_page_show_overview (hubs);

  gtk_editable_set_text (GTK_EDITABLE (entry), "http://not-a-hub.example.org");
  g_signal_emit_by_name (entry, "activate");
  g_assert_nonnull (burrow_hubs_page_get_connect_error (hubs));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_cmpuint (g_list_model_get_n_items (burrow_client_get_hubs (client)), ==, 0);
  g_assert_null (burrow_hubs_page_get_visible_hub (hubs));

  /* Typing clears the error. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "adc://");
  g_assert_null (burrow_hubs_page_get_connect_error (hubs));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

/* Delivers a key press to the entry's key controller (GTK 4 has no synthetic key events). */
static void
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  g_assert_true (handled);
}

static void
test_connect_and_chat (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *bob_line = NULL;
  g_autofree char *expected = NULL;
  BurrowHubPage *page;
  BurrowChatView *chat;
  GtkEntry *entry;
  TextWait text_wait;
  char sid[5];

  /* The nick is the engine's (kept in its database). */
  burrow_client_set_nick (burrow_application_get_client (app), MY_NICK);
  g_assert_cmpstr (burrow_client_get_nick (burrow_application_get_client (app)), ==, MY_NICK);

  bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "bob", NULL, &error);
  g_assert_no_error (error);

  /* Through the UI: type the address and click Connect. */
  burrow_window_set_page (window, "transfers");
  gtk_editable_set_text (GTK_EDITABLE (burrow_hubs_page_get_connect_entry (hubs)),
                         burrow_test_hub_get_uri (hub));
  g_signal_emit_by_name (gtk_widget_get_template_child (GTK_WIDGET (hubs), BURROW_TYPE_HUBS_PAGE,
                                                        "connect_button"), "clicked");
  g_assert_null (burrow_hubs_page_get_connect_error (hubs));

  page = burrow_hubs_page_get_visible_hub (hubs);
  g_assert_nonnull (page);
  session = burrow_hub_page_get_session (page);
  g_assert_true (burrow_test_wait_until (session_is_normal, session, WAIT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (burrow_hubs_page_get_connect_entry (hubs))),
                   ==, "");

  /* app.connect with the same address reuses the session and shows its page. */
  burrow_window_set_page (window, "search");
  burrow_hubs_page_show_overview (hubs);
  g_action_group_activate_action (G_ACTION_GROUP (app), "connect",
                                  g_variant_new_string (burrow_test_hub_get_uri (hub)));
  g_assert_cmpstr (burrow_window_get_page (window), ==, "hubs");
  g_assert_true (burrow_hubs_page_get_visible_hub (hubs) == page);
  g_assert_cmpuint (g_list_model_get_n_items (
                      burrow_client_get_hubs (burrow_application_get_client (app))), ==, 1);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));

  /* bob is in the user list's model (the column view's sorted, filtered chain). */
  assert_nicks (G_LIST_MODEL (burrow_user_list_get_model (burrow_hub_page_get_user_list (page))),
                MY_NICK " bob");
  g_assert_nonnull (strstr (burrow_hub_page_get_subtitle (page), "2"));

  /* A chat line from bob reaches the chat view. */
  burrow_adc_sid_to_string (burrow_user_get_sid (burrow_hub_session_get_me (session)), sid);
  my_sid = g_strdup (sid);
  send_line (bob, "BMSG %s Hello\\sfrom\\sbob", burrow_test_adc_client_get_sid (bob));
  chat = burrow_hub_page_get_main_chat (page);
  text_wait.model = burrow_chat_view_get_messages (chat);
  text_wait.text = "Hello from bob";
  g_assert_true (burrow_test_wait_until (model_has_text, &text_wait, WAIT_MS));
  g_assert_true (burrow_test_wait_until (row_shows_text, &text_wait, WAIT_MS));

  /* The entry sends to the hub: bob receives it. */
  entry = burrow_chat_view_get_entry (chat);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Hi bob, nice to see you");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  expected = g_strdup_printf ("BMSG %s Hi\\sbob,\\snice\\sto\\ssee\\syou", my_sid);
  g_assert_true (burrow_test_adc_client_wait_for (bob, expected, WAIT_MS, &bob_line, &error));
  g_assert_no_error (error);
  text_wait.text = "Hi bob, nice to see you";
  g_assert_true (burrow_test_wait_until (model_has_text, &text_wait, WAIT_MS));

  /* Up brings back the line just sent, Down returns to the (empty) new line. */
  press_key (GTK_WIDGET (entry), GDK_KEY_Up);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Hi bob, nice to see you");
  press_key (GTK_WIDGET (entry), GDK_KEY_Down);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");

  /* Sending while the text is blank does nothing. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "   ");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_open_magnet_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   char         **out)
{
  g_free (*out);
  *out = g_variant_dup_string (parameter, NULL);
}

static void
test_links (void)
{
  BurrowHubPage *page = hub_page ();
  BurrowChatView *chat = burrow_hub_page_get_main_chat (page);
  const char *magnet = "magnet:?xt=urn:tree:tiger:LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ";
  GAction *open_magnet = g_action_map_lookup_action (G_ACTION_MAP (app), "open-magnet");
  g_autofree char *received = NULL;
  TextWait text_wait;
  GtkWidget *row;
  GtkLabel *label;
  gboolean handled = FALSE;

  g_assert_nonnull (open_magnet);
  send_line (bob, "BMSG %s get\\s%s\\snow", burrow_test_adc_client_get_sid (bob), magnet);
  text_wait.model = burrow_chat_view_get_messages (chat);
  text_wait.text = "get magnet:?xt=urn:tree:tiger:LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ now";
  g_assert_true (burrow_test_wait_until (row_shows_text, &text_wait, WAIT_MS));

  row = burrow_test_ui_find (GTK_WIDGET (get_window ()), is_chat_row_with_text, text_wait.text);
  g_assert_nonnull (row);
  /* The label shows a link… */
  label = burrow_chat_row_get_text_label (BURROW_CHAT_ROW (row));
  g_assert_nonnull (strstr (gtk_label_get_label (label), "<a href=\"magnet:"));
  /* …and activating it goes to app.open-magnet, not to a browser. */
  g_signal_connect (open_magnet, "activate", G_CALLBACK (on_open_magnet_cb), &received);
  g_signal_emit_by_name (label, "activate-link", magnet, &handled);
  g_signal_handlers_disconnect_by_func (open_magnet, G_CALLBACK (on_open_magnet_cb), &received);
  g_assert_true (handled);
  g_assert_cmpstr (received, ==, magnet);
}

static gboolean
shares_known (gpointer data)
{
  guint known = 0;

  for (guint i = 0; i < g_list_model_get_n_items (data); i++)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (data, i);

      known += burrow_user_get_share_size (user) > 0;
    }
  return known == 3;
}

static void
test_user_list (void)
{
  BurrowHubPage *page = hub_page ();
  BurrowUserList *list = burrow_hub_page_get_user_list (page);
  GListModel *shown = G_LIST_MODEL (burrow_user_list_get_model (list));
  GtkSearchEntry *search = burrow_user_list_get_search_entry (list);

  carol = connect_raw_client ("carol", "SS5368709120 SL4 FS1 APBurrow VE0.1 "
                                       "DEmusic\\sand\\sfilms SUTCP4,ADC0");
  dave = connect_raw_client ("dave", "SS1073741824 SL2 FS2 APDC++ VE0.882 "
                                     "DEjust\\sbrowsing SUNAT0,ADC0");
  send_line (bob, "BINF %s SS214748364800 SL3 FS3 APEiskaltDC++ VE2.4 DElinux\\sISOs SUTCP4",
             burrow_test_adc_client_get_sid (bob));

  /* Default order: nick, ascending. */
  assert_nicks (shown, MY_NICK " bob carol dave");
  g_assert_true (burrow_test_wait_until (shares_known, shown, WAIT_MS));

  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_DESCENDING);
  assert_nicks (shown, "dave carol bob " MY_NICK);

  /* The share column sorts numerically (largest first with the descending sorter). */
  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_SHARE, GTK_SORT_ASCENDING);
  assert_nicks (shown, "bob carol dave " MY_NICK);

  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_MODE, GTK_SORT_ASCENDING);
  {
    g_autoptr(BurrowUser) first = g_list_model_get_item (shown, 0);
    g_autoptr(BurrowUser) last = g_list_model_get_item (shown, 3);

    g_assert_cmpint (burrow_user_get_mode (first), <=, burrow_user_get_mode (last));
    g_assert_cmpint (burrow_user_get_mode (last), ==, BURROW_USER_MODE_NAT_TRAVERSAL);
  }

  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_ASCENDING);
  assert_nicks (shown, MY_NICK " bob carol dave");

  /* The filter ignores case and keeps the order. */
  burrow_user_list_set_filter_text (list, "AR");
  assert_nicks (shown, "carol");
  burrow_user_list_set_filter_text (list, "o");
  assert_nicks (shown, "bob carol");
  burrow_user_list_set_filter_text (list, "xyz");
  assert_nicks (shown, "");
  burrow_user_list_set_filter_text (list, NULL);
  assert_nicks (shown, MY_NICK " bob carol dave");

  /* Typing in the search entry filters (after its delay). */
  gtk_editable_set_text (GTK_EDITABLE (search), "Da");
  assert_nicks (shown, "dave");
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  assert_nicks (shown, MY_NICK " bob carol dave");
}

static void
test_user_list_model (void)
{
  static const char * const infs[] = {
    "BINF AAAB IDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NIzoe SS10",
    "BINF AAAC NIÉmile SS30",
    "BINF AAAD NIadam SS20",
    "BINF AAAE NIemily SS40",
  };
  g_autoptr(GListStore) store = g_list_store_new (BURROW_TYPE_USER);
  GtkWidget *widget = burrow_user_list_new ();
  BurrowUserList *list = BURROW_USER_LIST (g_object_ref_sink (widget));
  GListModel *shown = G_LIST_MODEL (burrow_user_list_get_model (list));

  for (guint i = 0; i < G_N_ELEMENTS (infs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_parse (infs[i], -1, &error);
      g_autoptr(BurrowUser) user = burrow_user_new (i + 1);

      g_assert_no_error (error);
      burrow_user_apply_inf (user, inf, FALSE);
      g_list_store_append (store, user);
    }
  burrow_user_list_set_users (list, G_LIST_MODEL (store));

  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_SHARE, GTK_SORT_ASCENDING);
  assert_nicks (shown, "emily Émile adam zoe");

  /* Case-folded filter: "ÉMI" finds both spellings' É only, "emi" the plain one. */
  burrow_user_list_set_filter_text (list, "ÉMI");
  assert_nicks (shown, "Émile");
  burrow_user_list_set_filter_text (list, "EMI");
  assert_nicks (shown, "emily");
  burrow_user_list_set_filter_text (list, "");

  /* Users joining later are sorted in and filtered too. */
  burrow_user_list_sort_by (list, BURROW_USER_LIST_COLUMN_NICK, GTK_SORT_ASCENDING);
  {
    g_autoptr(BurrowUser) user = burrow_user_new (9);
    g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_parse ("BINF AAAJ NIbeth SS5", -1, NULL);

    burrow_user_apply_inf (user, inf, FALSE);
    g_list_store_append (store, user);
  }
  {
    g_autoptr(BurrowUser) first = g_list_model_get_item (shown, 0);
    g_autoptr(BurrowUser) second = g_list_model_get_item (shown, 1);

    g_assert_cmpstr (burrow_user_get_nick (first), ==, "adam");
    g_assert_cmpstr (burrow_user_get_nick (second), ==, "beth");
  }
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 5);
  g_list_store_remove (store, 0);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 4);

  g_object_unref (list);
}

static gboolean
start_notification_daemon (void)
{
  if (notify_daemon == NULL)
    {
      g_free (notify_log);
      notify_log = g_build_filename (data_dir, "notifications.log", NULL);
      notify_daemon = burrow_test_ui_start_notification_daemon (notify_log, WAIT_MS);
    }
  return notify_daemon != NULL;
}

static gboolean
notifier_sent (gpointer data)
{
  BurrowNotifier *notifier = burrow_application_get_notifier (app);

  return burrow_notifier_get_n_sent (notifier) >= GPOINTER_TO_UINT (data);
}

static gboolean
has_conversation_with_bob (gpointer data)
{
  return burrow_hub_page_get_conversation (data, "bob") != NULL;
}

static void
test_private_message (void)
{
  BurrowHubPage *page = hub_page ();
  BurrowNotifier *notifier = burrow_application_get_notifier (app);
  g_autofree char *summary = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  BurrowChatView *pm;
  TextWait text_wait;
  guint sent;

  if (!start_notification_daemon ())
    {
      g_test_skip ("no session bus or python3-dbusmock");
      return;
    }
  summary = g_strdup (burrow_test_ui_expect_german () ? "Private Nachricht von bob"
                                                    : "Private message from bob");

  /* While the window has the focus: the PM shows up, but nothing is notified. */
  burrow_notifier_set_window_focused (notifier, TRUE);
  sent = burrow_notifier_get_n_sent (notifier);
  send_line (bob, "EMSG %s %s I\\swill\\snot\\sdisturb PM%s", burrow_test_adc_client_get_sid (bob),
             my_sid, burrow_test_adc_client_get_sid (bob));
  g_assert_true (burrow_test_wait_until (has_conversation_with_bob, page, WAIT_MS));
  pm = burrow_hub_page_get_conversation (page, "bob");
  text_wait.model = burrow_chat_view_get_messages (pm);
  text_wait.text = "I will not disturb";
  g_assert_true (burrow_test_wait_until (model_has_text, &text_wait, WAIT_MS));
  /* The main chat does not show private messages. */
  text_wait.model = burrow_chat_view_get_messages (burrow_hub_page_get_main_chat (page));
  g_assert_false (model_has_text (&text_wait));
  burrow_test_ui_flush ();
  g_assert_cmpuint (burrow_notifier_get_n_sent (notifier), ==, sent);

  /* Not focused: notified, with the nick in the title and the text as the body. */
  burrow_notifier_set_window_focused (notifier, FALSE);
  send_line (bob, "EMSG %s %s Are\\syou\\sthere? PM%s", burrow_test_adc_client_get_sid (bob),
             my_sid, burrow_test_adc_client_get_sid (bob));
  g_assert_true (burrow_test_wait_until (notifier_sent, GUINT_TO_POINTER (sent + 1), WAIT_MS));
  g_assert_true (burrow_test_ui_wait_log (notify_log, summary, "Are you there?", WAIT_MS));

  /* The notifications setting switches them off. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.burrowdc.Burrow");

    g_settings_set_boolean (settings, "notifications", FALSE);
    send_line (bob, "EMSG %s %s quiet\\splease PM%s", burrow_test_adc_client_get_sid (bob),
               my_sid, burrow_test_adc_client_get_sid (bob));
    text_wait.model = burrow_chat_view_get_messages (pm);
    text_wait.text = "quiet please";
    g_assert_true (burrow_test_wait_until (model_has_text, &text_wait, WAIT_MS));
    burrow_test_ui_flush ();
    g_assert_cmpuint (burrow_notifier_get_n_sent (notifier), ==, sent + 1);
    g_settings_set_boolean (settings, "notifications", TRUE);
  }
  burrow_notifier_set_window_focused (notifier, TRUE);

  /* Replying from the conversation's entry sends a private message to bob. */
  burrow_hub_page_open_conversation (page, "bob", TRUE);
  gtk_editable_set_text (GTK_EDITABLE (burrow_chat_view_get_entry (pm)), "Yes, here");
  g_signal_emit_by_name (burrow_chat_view_get_entry (pm), "activate");
  expected = g_strdup_printf ("EMSG %s %s Yes,\\shere", my_sid,
                              burrow_test_adc_client_get_sid (bob));
  g_assert_true (burrow_test_adc_client_wait_for (bob, expected, WAIT_MS, NULL, &error));
  g_assert_no_error (error);

  /* The user list's context action opens (or shows) the conversation too. */
  burrow_hub_page_open_conversation (page, "bob", FALSE);
  gtk_widget_activate_action (GTK_WIDGET (burrow_hub_page_get_user_list (page)),
                              "hub.private-message", "s", "carol");
  g_assert_nonnull (burrow_hub_page_get_conversation (page, "carol"));
  gtk_widget_activate_action (GTK_WIDGET (page), "hub.close-conversation", "s", "carol");
  g_assert_null (burrow_hub_page_get_conversation (page, "carol"));
  gtk_widget_activate_action (GTK_WIDGET (page), "hub.private-message", "s", "bob");
}

static void
test_screenshot_hub (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubPage *page = hub_page ();
  BurrowChatView *chat = burrow_hub_page_get_main_chat (page);
  g_autofree char *name = NULL;
  g_autofree char *mention = NULL;
  TextWait text_wait;

  send_line (bob, "BMSG %s waves\\sat\\severyone ME1", burrow_test_adc_client_get_sid (bob));
  send_line (carol, "BMSG %s New\\srelease\\snotes:\\shttps://example.org/burrow/news",
             burrow_test_adc_client_get_sid (carol));
  mention = g_strdup_printf ("BMSG %s %s:\\sdo\\syou\\shave\\sthe\\sDebian\\sISO?",
                             burrow_test_adc_client_get_sid (dave), MY_NICK);
  send_line (dave, "%s", mention);
  text_wait.model = burrow_chat_view_get_messages (chat);
  text_wait.text = MY_NICK ": do you have the Debian ISO?";
  g_assert_true (burrow_test_wait_until (model_has_text, &text_wait, WAIT_MS));

  burrow_window_show_hub (window, session);
  gtk_widget_activate_action (GTK_WIDGET (page), "hub.private-message", "s", "bob");
  gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_parent (GTK_WIDGET (chat))), "main");
  g_assert_true (burrow_test_wait_until (row_shows_text, &text_wait, WAIT_MS));
  {
    GtkWidget *row = burrow_test_ui_find (GTK_WIDGET (window), is_chat_row_with_text,
                                          text_wait.text);

    g_assert_true (burrow_chat_row_get_mention (BURROW_CHAT_ROW (row)));
  }
  burrow_test_ui_flush ();

  name = g_strdup_printf ("screenshot-hub-page-%s.png",
                          burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), name);
}

static void
test_favorites (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (window);
  BurrowClient *client = burrow_application_get_client (app);
  GListModel *favorites = G_LIST_MODEL (burrow_client_get_favorite_hubs (client));
  g_autofree char *screenshot = NULL;
  BurrowFavoriteDialog *dialog;
  BurrowFavoriteHub *favorite;
  GtkWidget *remove;

  burrow_window_set_page (window, "hubs");
  burrow_hubs_page_show_overview (hubs);
  g_assert_cmpuint (g_list_model_get_n_items (favorites), ==, 0);

  /* Add: the "+" button's action opens the dialog. */
  gtk_widget_activate_action (GTK_WIDGET (hubs), "hubs.add-favorite", NULL);
  dialog = NULL;
  {
    GListModel *toplevels = gtk_window_get_toplevels ();

    for (guint i = 0; i < g_list_model_get_n_items (toplevels) && dialog == NULL; i++)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

        if (BURROW_IS_FAVORITE_DIALOG (w))
          dialog = BURROW_FAVORITE_DIALOG (w);
      }
  }
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));

  /* An invalid address is refused in the dialog. */
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "uri_entry")),
                         "ftp://example.org");
  g_assert_false (burrow_favorite_dialog_save (dialog));
  g_assert_nonnull (burrow_favorite_dialog_get_error (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (favorites), ==, 0);

  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "name_entry")),
                         "Test hub");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "uri_entry")),
                         burrow_test_hub_get_uri (hub));
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "nick_entry")),
                         "alice_fav");
  g_object_ref (dialog);
  g_signal_emit_by_name (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                        BURROW_TYPE_FAVORITE_DIALOG,
                                                        "save_button"), "clicked");
  g_assert_null (burrow_favorite_dialog_get_error (dialog));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_object_unref (dialog);
  g_assert_cmpuint (g_list_model_get_n_items (favorites), ==, 1);
  favorite = g_list_model_get_item (favorites, 0);
  g_object_unref (favorite);  /* the list keeps it */
  g_assert_cmpstr (burrow_favorite_hub_get_name (favorite), ==, "Test hub");
  g_assert_cmpstr (burrow_favorite_hub_get_nick (favorite), ==, "alice_fav");
  g_assert_false (burrow_favorite_hub_get_auto_connect (favorite));

  /* The same address twice is refused. */
  dialog = BURROW_FAVORITE_DIALOG (burrow_hubs_page_edit_favorite (hubs, NULL));
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "uri_entry")),
                         burrow_test_hub_get_uri (hub));
  g_assert_false (burrow_favorite_dialog_save (dialog));
  g_assert_nonnull (burrow_favorite_dialog_get_error (dialog));
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (favorites), ==, 1);

  /* Edit: name, password, auto-connect. */
  dialog = BURROW_FAVORITE_DIALOG (burrow_hubs_page_edit_favorite (hubs, favorite));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gtk_widget_get_template_child (
                                                           GTK_WIDGET (dialog),
                                                           BURROW_TYPE_FAVORITE_DIALOG,
                                                           "name_entry"))), ==, "Test hub");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "name_entry")),
                         "Burrow Test Hub");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                      BURROW_TYPE_FAVORITE_DIALOG,
                                                                      "password_entry")),
                         "s3cret");
  gtk_switch_set_active (GTK_SWITCH (gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                                    BURROW_TYPE_FAVORITE_DIALOG,
                                                                    "auto_connect_switch")),
                         TRUE);
  g_assert_true (burrow_favorite_dialog_save (dialog));
  g_assert_cmpstr (burrow_favorite_hub_get_name (favorite), ==, "Burrow Test Hub");

  /* Persisted: a new client on the same data dir sees the edit. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowClient) other = burrow_client_new (data_dir, &error);
    GListModel *stored;
    g_autoptr(BurrowFavoriteHub) copy = NULL;

    g_assert_no_error (error);
    stored = G_LIST_MODEL (burrow_client_get_favorite_hubs (other));
    g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 1);
    copy = g_list_model_get_item (stored, 0);
    g_assert_cmpstr (burrow_favorite_hub_get_name (copy), ==, "Burrow Test Hub");
    g_assert_cmpstr (burrow_favorite_hub_get_nick (copy), ==, "alice_fav");
    g_assert_cmpstr (burrow_favorite_hub_get_password (copy), ==, "s3cret");
    g_assert_true (burrow_favorite_hub_get_auto_connect (copy));
    g_assert_nonnull (burrow_favorite_hubs_lookup_uri (burrow_client_get_favorite_hubs (other),
                                                       burrow_test_hub_get_uri (hub)));
  }

  /* The hub page's "Add to Favourites" is now disabled for this hub: nothing is added. */
  gtk_widget_activate_action (GTK_WIDGET (hub_page ()), "hub.add-favorite", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (favorites), ==, 1);
  g_assert_false (gtk_revealer_get_reveal_child (burrow_hub_page_get_banner (hub_page ())));

  /* Screenshot of the Hubs page: the open hub and the favourite. */
  burrow_hubs_page_show_overview (hubs);
  g_assert_true (burrow_test_ui_wait_mapped (
                   GTK_WIDGET (burrow_hubs_page_get_favorites_view (hubs))));
  burrow_test_ui_flush ();
  screenshot = g_strdup_printf ("screenshot-hubs-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);

  /* The switch in the row writes auto-connect back. */
  {
    GtkWidget *sw = burrow_test_ui_find (GTK_WIDGET (burrow_hubs_page_get_favorites_view (hubs)),
                                 is_switch, NULL);

    g_assert_nonnull (sw);
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (sw)));
    gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
    g_assert_false (burrow_favorite_hub_get_auto_connect (favorite));
  }

  /* Remove with the row's button; gone after a restart too. */
  remove = burrow_test_ui_find (GTK_WIDGET (burrow_hubs_page_get_favorites_view (hubs)),
                        is_button_with_icon, "user-trash-symbolic");
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (favorites), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowClient) other = burrow_client_new (data_dir, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (
                        G_LIST_MODEL (burrow_client_get_favorite_hubs (other))), ==, 0);
  }
}

static gboolean
banner_offers_trust (gpointer data)
{
  BurrowHubPage *page = data;

  return gtk_revealer_get_reveal_child (burrow_hub_page_get_banner (page)) &&
         gtk_widget_get_visible (GTK_WIDGET (burrow_hub_page_get_trust_button (page)));
}

static void
test_keyprint_changed (void)
{
  BurrowTestHubOptions opts = { .tls = TRUE, .hub_name = "TLS hub" };
  g_autoptr(BurrowTestHub) tls_hub = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_kp = NULL;
  BurrowWindow *window = get_window ();
  BurrowHubSession *tls_session;
  BurrowHubPage *page;
  const char *text;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no TLS backend");
      return;
    }
  tls_hub = burrow_test_hub_start (&opts, &error);
  if (tls_hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  old_kp = g_strdup (burrow_test_hub_get_keyprint (tls_hub));

  /* First connection: trusted on first use; the page shows the certificate's keyprint. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "connect",
                                  g_variant_new_string (burrow_test_hub_get_uri (tls_hub)));
  page = burrow_hubs_page_get_visible_hub (burrow_window_get_hubs_page (window));
  g_assert_nonnull (page);
  tls_session = burrow_hub_page_get_session (page);
  g_object_set (tls_session, "reconnect-delay", 50, NULL);
  g_assert_true (burrow_test_wait_until (session_is_normal, tls_session, WAIT_MS));
  g_assert_cmpstr (burrow_hub_session_get_keyprint (tls_session), ==, old_kp);
  g_assert_cmpstr (burrow_hub_page_get_title (page), ==, "TLS hub");

  /* The hub gets a new certificate: the banner explains, offers trust, shows both keyprints. */
  burrow_test_hub_regenerate_certificate (tls_hub);
  g_assert_true (burrow_test_wait_until (banner_offers_trust, page, WAIT_MS));
  text = burrow_hub_page_get_banner_text (page);
  g_assert_nonnull (strstr (text, old_kp));
  g_assert_nonnull (strstr (text, burrow_test_hub_get_keyprint (tls_hub)));
  g_assert_cmpint (burrow_hub_session_get_state (tls_session), ==, BURROW_HUB_STATE_DISCONNECTED);

  /* Trusting it reconnects. */
  g_signal_emit_by_name (burrow_hub_page_get_trust_button (page), "clicked");
  g_assert_true (burrow_test_wait_until (session_is_normal, tls_session, WAIT_MS));
  g_assert_cmpstr (burrow_hub_session_get_keyprint (tls_session), ==,
                   burrow_test_hub_get_keyprint (tls_hub));
  g_assert_false (gtk_revealer_get_reveal_child (burrow_hub_page_get_banner (page)));

  /* Closing the hub removes its page. */
  gtk_widget_activate_action (GTK_WIDGET (page), "hub.close", NULL);
  g_assert_null (burrow_hubs_page_get_hub_page (burrow_window_get_hubs_page (window), tls_session));
  g_assert_cmpuint (g_list_model_get_n_items (
                      burrow_client_get_hubs (burrow_application_get_client (app))), ==, 1);
}

static void
test_connection_lost (void)
{
  BurrowNotifier *notifier = burrow_application_get_notifier (app);
  guint sent;

  if (!start_notification_daemon ())
    {
      g_test_skip ("no session bus or python3-dbusmock");
      return;
    }
  g_assert_true (burrow_test_wait_until (session_is_normal, session, WAIT_MS));
  sent = burrow_notifier_get_n_sent (notifier);

  /* Connection lost while logged in: one notification, even with the window focused. */
  burrow_test_hub_kill (hub);
  g_assert_true (burrow_test_wait_until (notifier_sent, GUINT_TO_POINTER (sent + 1), WAIT_MS));
  g_assert_true (burrow_test_ui_wait_log (notify_log, "burrow-test-hub",
                                          burrow_test_ui_expect_german () ? "Verbindung zu"
                                                                          : "Connection to",
                                          WAIT_MS));
  g_assert_cmpint (burrow_hub_session_get_state (session), !=, BURROW_HUB_STATE_NORMAL);
}

static void
after_tests (GApplication *application)
{
  g_clear_pointer (&bob, burrow_test_adc_client_free);
  g_clear_pointer (&carol, burrow_test_adc_client_free);
  g_clear_pointer (&dave, burrow_test_adc_client_free);
}

static gboolean
add_cases (void)
{
  g_test_add_func ("/burrow/ui/hubs/format", test_format);
  g_test_add_func ("/burrow/ui/hubs/connect-invalid", test_connect_invalid);
  g_test_add_func ("/burrow/ui/hubs/connect-and-chat", test_connect_and_chat);
  g_test_add_func ("/burrow/ui/hubs/links", test_links);
  g_test_add_func ("/burrow/ui/hubs/user-list", test_user_list);
  g_test_add_func ("/burrow/ui/hubs/user-list-model", test_user_list_model);
  g_test_add_func ("/burrow/ui/hubs/private-message", test_private_message);
  g_test_add_func ("/burrow/ui/hubs/screenshot-hub", test_screenshot_hub);
  g_test_add_func ("/burrow/ui/hubs/favorites", test_favorites);
  g_test_add_func ("/burrow/ui/hubs/keyprint-changed", test_keyprint_changed);
  g_test_add_func ("/burrow/ui/hubs/connection-lost", test_connection_lost);
  return TRUE;
}

static void
cleanup (void)
{
  burrow_test_ui_stop_notification_daemon (g_steal_pointer (&notify_daemon));
  g_clear_pointer (&notify_log, g_free);
  g_clear_pointer (&my_sid, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "hubs",
    .app = &app,
    .hub = &hub,
    .data_dir = &data_dir,
    .add_cases = add_cases,
    .after = after_tests,
    .cleanup = cleanup,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
