/* test-hubs-nmdc.c — NMDC in the app: a favourite's encoding, the connect bar's encoding, the
 * hub page's protocol, hub software and encoding, and nmdc:// links
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-hubs-nmdc"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-encoding-entry.h"
#include "burrow-favorite-dialog.h"
#include "burrow-hub-page.h"
#include "burrow-hub-session-private.h"
#include "burrow-hubs-page.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-window-private.h"

#include "burrow-window.h"

#define WAIT_MS 10000

static BurrowApplication *app;
static char *data_dir;
static guint16 closed_port;   /* nothing listens there: connecting fails at once */

/* A session of an NMDC address that never connects: the hub page only reads its properties.
 * (The real NMDC session is tested in the core; a UI test against a real NMDC hub comes later.) */
#define TEST_TYPE_NMDC_SESSION (test_nmdc_session_get_type ())
G_DECLARE_FINAL_TYPE (TestNmdcSession, test_nmdc_session, TEST, NMDC_SESSION, BurrowHubSession)

struct _TestNmdcSession
{
  BurrowHubSession parent_instance;
};

G_DEFINE_FINAL_TYPE (TestNmdcSession, test_nmdc_session, BURROW_TYPE_HUB_SESSION)

static void
test_nmdc_session_start (BurrowHubSession *session)
{
}

static void
test_nmdc_session_stop (BurrowHubSession *session,
                        gboolean          clean)
{
}

static void
test_nmdc_session_class_init (TestNmdcSessionClass *klass)
{
  BURROW_HUB_SESSION_CLASS (klass)->start = test_nmdc_session_start;
  BURROW_HUB_SESSION_CLASS (klass)->stop = test_nmdc_session_stop;
}

static void
test_nmdc_session_init (TestNmdcSession *self)
{
}

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static GtkWidget *
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GtkWidget *found = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (widget), type, name));

  g_assert_nonnull (found);
  return found;
}

static BurrowFavoriteDialog *
find_favorite_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (BURROW_IS_FAVORITE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return BURROW_FAVORITE_DIALOG (window);
    }
  return NULL;
}

/* Whether the real NMDC session is in this build (burrow_hub_session_new () takes dchub://). */
static gboolean
nmdc_sessions_supported (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowHubSession) session = burrow_hub_session_new ("dchub://127.0.0.1:411", &error);

  return session != NULL;
}

static BurrowHubSession *
find_session (const char *uri)
{
  GListModel *hubs = burrow_client_get_hubs (burrow_application_get_client (app));

  for (guint i = 0; i < g_list_model_get_n_items (hubs); i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (hubs, i);

      if (g_strcmp0 (burrow_hub_session_get_uri (session), uri) == 0)
        return session;
    }
  return NULL;
}

static char *
unknown_encoding_message (const char *name)
{
  return g_strdup_printf (_("“%s” is not a character encoding that this system knows"), name);
}

static void
test_favorite_encoding (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (window);
  BurrowClient *client = burrow_application_get_client (app);
  BurrowFavoriteHubs *favorites = burrow_client_get_favorite_hubs (client);
  g_autofree char *message = unknown_encoding_message ("NO-SUCH-CHARSET");
  BurrowFavoriteDialog *dialog;
  BurrowEncodingEntry *encoding;
  GtkEntry *encoding_text;
  GtkWidget *encoding_error;
  GtkWidget *uri_entry;
  GMenuModel *menu;
  BurrowFavoriteHub *favorite;
  BurrowFavoriteHub *adc;
  g_autofree char *label = NULL;
  g_autofree char *screenshot = NULL;

  burrow_window_set_page (window, "hubs");
  burrow_hubs_page_show_overview (hubs);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (favorites)), ==, 0);

  gtk_widget_activate_action (GTK_WIDGET (hubs), "hubs.add-favorite", NULL);
  dialog = find_favorite_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (dialog)));
  encoding = BURROW_ENCODING_ENTRY (child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "encoding_entry"));
  encoding_text = burrow_encoding_entry_get_entry (encoding);
  encoding_error = child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "encoding_error_label");
  uri_entry = child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "uri_entry");

  /* The field the user sees: its label, empty (the default shown as placeholder). */
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (dialog),
                                               burrow_test_ui_expect_german ()
                                               ? "Zeichenkodierung" : "Encoding"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (encoding_text)), ==, "");
  g_assert_cmpstr (gtk_entry_get_placeholder_text (encoding_text), ==, "CP1252");

  /* The menu of common charsets, translated. */
  menu = gtk_menu_button_get_menu_model (
    GTK_MENU_BUTTON (child (encoding, BURROW_TYPE_ENCODING_ENTRY, "menu_button")));
  g_assert_nonnull (menu);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 1);
  menu = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 10);
  g_assert_true (g_menu_model_get_item_attribute (menu, 1, G_MENU_ATTRIBUTE_LABEL, "s", &label));
  g_assert_cmpstr (label, ==, burrow_test_ui_expect_german () ? "Kyrillisch (CP1251)"
                                                               : "Cyrillic (CP1251)");
  g_object_unref (menu);

  /* ADC is always UTF-8: the field is off for adc:// and on for dchub://. */
  gtk_editable_set_text (GTK_EDITABLE (uri_entry), "adc://adc.example.org:1511");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (encoding)));
  gtk_editable_set_text (GTK_EDITABLE (uri_entry), "dchub://nmdc.example.org");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (encoding)));

  /* An unknown charset: an inline error, nothing saved. */
  gtk_editable_set_text (GTK_EDITABLE (encoding_text), "NO-SUCH-CHARSET");
  g_assert_false (burrow_favorite_dialog_save (dialog));
  g_assert_true (gtk_widget_get_visible (encoding_error));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (encoding_error)), ==, message);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (encoding_text), "error"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (favorites)), ==, 0);
  screenshot = g_strdup_printf ("screenshot-favorite-nmdc-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (dialog), screenshot);

  /* Choosing from the menu replaces it and clears the error. */
  gtk_widget_activate_action (GTK_WIDGET (encoding), "encoding.set", "s", "CP1251");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (encoding_text)), ==, "CP1251");
  g_assert_false (gtk_widget_get_visible (encoding_error));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (encoding_text), "error"));

  g_object_ref (dialog);
  g_signal_emit_by_name (child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "save_button"), "clicked");
  g_assert_null (burrow_favorite_dialog_get_error (dialog));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_object_unref (dialog);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (favorites)), ==, 1);
  favorite = burrow_favorite_hubs_lookup_uri (favorites, "dchub://nmdc.example.org:411");
  g_assert_nonnull (favorite);
  g_assert_cmpstr (burrow_favorite_hub_get_encoding (favorite), ==, "CP1251");

  /* Edit: the dialog shows it; a typed one is kept as typed. */
  dialog = BURROW_FAVORITE_DIALOG (burrow_hubs_page_edit_favorite (hubs, favorite));
  encoding = BURROW_ENCODING_ENTRY (child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "encoding_entry"));
  encoding_text = burrow_encoding_entry_get_entry (encoding);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (encoding_text)), ==, "CP1251");
  gtk_editable_set_text (GTK_EDITABLE (encoding_text), " koi8-r ");
  g_assert_true (burrow_favorite_dialog_save (dialog));
  g_assert_cmpstr (burrow_favorite_hub_get_encoding (favorite), ==, "koi8-r");

  /* Stored: a new client on the same data dir reads it back. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowClient) other = burrow_client_new (data_dir, &error);
    BurrowFavoriteHub *copy;

    g_assert_no_error (error);
    copy = burrow_favorite_hubs_lookup_uri (burrow_client_get_favorite_hubs (other),
                                            "dchub://nmdc.example.org:411");
    g_assert_nonnull (copy);
    g_assert_cmpstr (burrow_favorite_hub_get_encoding (copy), ==, "koi8-r");
  }

  /* Emptied: back to the default (NULL). */
  dialog = BURROW_FAVORITE_DIALOG (burrow_hubs_page_edit_favorite (hubs, favorite));
  encoding = BURROW_ENCODING_ENTRY (child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "encoding_entry"));
  burrow_encoding_entry_set_encoding (encoding, NULL);
  g_assert_true (burrow_favorite_dialog_save (dialog));
  g_assert_null (burrow_favorite_hub_get_encoding (favorite));

  /* For an ADC address the field is off: a wrong charset in it is dropped, not an error. */
  dialog = BURROW_FAVORITE_DIALOG (burrow_hubs_page_edit_favorite (hubs, NULL));
  encoding = BURROW_ENCODING_ENTRY (child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "encoding_entry"));
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, BURROW_TYPE_FAVORITE_DIALOG, "uri_entry")),
                         "adc://adc.example.org:1511");
  burrow_encoding_entry_set_encoding (encoding, "NO-SUCH-CHARSET");
  g_assert_true (burrow_favorite_dialog_save (dialog));
  adc = burrow_favorite_hubs_lookup_uri (favorites, "adc://adc.example.org:1511");
  g_assert_nonnull (adc);
  g_assert_null (burrow_favorite_hub_get_encoding (adc));
  g_assert_true (burrow_favorite_hubs_remove (favorites, adc, NULL));

  g_assert_true (burrow_favorite_hubs_remove (favorites, favorite, NULL));
}

static void
test_connect_encoding (void)
{
  BurrowWindow *window = get_window ();
  BurrowHubsPage *hubs = burrow_window_get_hubs_page (window);
  BurrowClient *client = burrow_application_get_client (app);
  BurrowFavoriteHubs *favorites = burrow_client_get_favorite_hubs (client);
  GListModel *sessions = burrow_client_get_hubs (client);
  GtkEntry *entry = burrow_hubs_page_get_connect_entry (hubs);
  BurrowEncodingEntry *encoding = burrow_hubs_page_get_connect_encoding_entry (hubs);
  GtkExpander *expander;
  gboolean nmdc = nmdc_sessions_supported ();
  g_autofree char *nmdc_uri = NULL;
  g_autofree char *adc_uri = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *message = unknown_encoding_message ("NO-SUCH-CHARSET");
  g_autofree char *screenshot = NULL;
  BurrowHubSession *session;
  BurrowHubPage *page;
  BurrowFavoriteHub *favorite;

  /* Until the NMDC session is in the build, an ADC address carries the encoding (ADC ignores
   * it); the path through the connect bar is the same. */
  nmdc_uri = g_strdup_printf ("dchub://127.0.0.1:%u", closed_port);
  adc_uri = g_strdup_printf ("adc://127.0.0.1:%u", closed_port);
  uri = g_strdup (nmdc ? nmdc_uri : adc_uri);
  if (!nmdc)
    g_test_message ("NMDC sessions are not in this build: connecting %s instead", uri);

  burrow_window_set_page (window, "hubs");
  burrow_hubs_page_show_overview (hubs);
  g_assert_cmpuint (g_list_model_get_n_items (sessions), ==, 0);
  expander = GTK_EXPANDER (child (hubs, BURROW_TYPE_HUBS_PAGE, "connect_options_expander"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (expander)));
  g_assert_cmpstr (gtk_expander_get_label (expander), ==,
                   burrow_test_ui_expect_german () ? "Verbindungs_optionen"
                                                   : "Connection _Options");
  g_assert_false (gtk_expander_get_expanded (expander));
  g_assert_cmpstr (gtk_entry_get_placeholder_text (entry), ==,
                   _("adc://hub.example.org:1511 or dchub://hub.example.org"));

  /* The field is for NMDC addresses. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "adcs://hub.example.org:2780");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (encoding)));
  gtk_editable_set_text (GTK_EDITABLE (entry), "nmdcs://hub.example.org");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (encoding)));

  /* An unknown charset for an NMDC hub: shown under the bar, the options open, no session. */
  gtk_editable_set_text (GTK_EDITABLE (entry), nmdc_uri);
  burrow_encoding_entry_set_encoding (encoding, "NO-SUCH-CHARSET");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (burrow_hubs_page_get_connect_error (hubs), ==, message);
  g_assert_true (gtk_expander_get_expanded (expander));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (burrow_encoding_entry_get_entry (encoding)),
                                           "error"));
  g_assert_cmpuint (g_list_model_get_n_items (sessions), ==, 0);
  screenshot = g_strdup_printf ("screenshot-hubs-nmdc-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (window), screenshot);

  /* For an ADC address the (insensitive) field cannot stop the connection: it is dropped. */
  gtk_editable_set_text (GTK_EDITABLE (entry), adc_uri);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (encoding)));
  g_signal_emit_by_name (entry, "activate");
  g_assert_null (burrow_hubs_page_get_connect_error (hubs));
  session = find_session (adc_uri);
  g_assert_nonnull (session);
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "CP1252");
  burrow_client_remove_hub (client, session);
  burrow_hubs_page_show_overview (hubs);

  /* CP1251 from the menu: the new session has it before it connects. */
  gtk_editable_set_text (GTK_EDITABLE (entry), uri);
  gtk_widget_activate_action (GTK_WIDGET (encoding), "encoding.set", "s", "CP1251");
  g_assert_null (burrow_hubs_page_get_connect_error (hubs));
  g_signal_emit_by_name (entry, "activate");
  g_assert_null (burrow_hubs_page_get_connect_error (hubs));
  g_assert_cmpuint (g_list_model_get_n_items (sessions), ==, 1);
  session = find_session (uri);
  g_assert_nonnull (session);
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "CP1251");
  page = burrow_hubs_page_get_visible_hub (hubs);
  g_assert_nonnull (page);
  g_assert_true (burrow_hub_page_get_session (page) == session);
  g_assert_cmpstr (gtk_label_get_text (burrow_hub_page_get_protocol_label (page)), ==,
                   nmdc ? "NMDC" : "ADC");

  /* Add to Favourites keeps an NMDC hub's encoding. */
  gtk_widget_activate_action (GTK_WIDGET (page), "hub.add-favorite", NULL);
  favorite = burrow_favorite_hubs_lookup_uri (favorites, uri);
  g_assert_nonnull (favorite);
  if (nmdc)
    {
      g_autofree char *text = g_strdup_printf (_("Encoding: %s"), "CP1251");

      g_assert_cmpstr (burrow_favorite_hub_get_encoding (favorite), ==, "CP1251");
      g_assert_cmpstr (gtk_label_get_text (burrow_hub_page_get_encoding_label (page)), ==, text);
    }
  else
    {
      g_assert_null (burrow_favorite_hub_get_encoding (favorite));
    }

  /* A favourite connects with its own encoding when the bar's is empty. */
  burrow_client_remove_hub (client, session);
  g_assert_cmpuint (g_list_model_get_n_items (sessions), ==, 0);
  burrow_hubs_page_show_overview (hubs);
  burrow_favorite_hub_set_encoding (favorite, "KOI8-R");
  burrow_encoding_entry_set_encoding (encoding, NULL);
  gtk_editable_set_text (GTK_EDITABLE (entry), uri);
  g_signal_emit_by_name (entry, "activate");
  session = find_session (uri);
  g_assert_nonnull (session);
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "KOI8-R");
  burrow_client_remove_hub (client, session);

  /* The bar's own encoding wins over the favourite's. */
  burrow_hubs_page_show_overview (hubs);
  burrow_encoding_entry_set_encoding (encoding, "UTF-8");
  gtk_editable_set_text (GTK_EDITABLE (entry), uri);
  g_signal_emit_by_name (entry, "activate");
  session = find_session (uri);
  g_assert_nonnull (session);
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "UTF-8");
  burrow_client_remove_hub (client, session);

  /* The favourite's row (its Connect button) also uses the favourite's encoding. */
  burrow_hubs_page_show_overview (hubs);
  g_assert_nonnull (burrow_application_open_hub (app, uri, NULL));
  session = find_session (uri);
  g_assert_cmpstr (burrow_hub_session_get_encoding (session), ==, "KOI8-R");
  burrow_client_remove_hub (client, session);

  burrow_encoding_entry_set_encoding (encoding, NULL);
  gtk_expander_set_expanded (expander, FALSE);
  g_assert_true (burrow_favorite_hubs_remove (favorites, favorite, NULL));

  /* A favourite NMDC hub with a charset this system does not know: refused, no session. */
  {
    g_autoptr(BurrowFavoriteHub) bad = burrow_favorite_hub_new ("Bad", nmdc_uri);
    g_autoptr(GError) error = NULL;

    burrow_favorite_hub_set_encoding (bad, "NO-SUCH-CHARSET");
    g_assert_true (burrow_favorite_hubs_add (favorites, bad, NULL));
    g_assert_null (burrow_application_open_hub (app, nmdc_uri, &error));
    g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION);
    g_assert_null (find_session (nmdc_uri));
    g_assert_true (burrow_favorite_hubs_remove (favorites, bad, NULL));
  }
  burrow_hubs_page_show_overview (hubs);
}

typedef struct
{
  GtkWidget        *window;
  BurrowHubPage    *page;
  BurrowHubSession *session;
} PageWindow;

static void
page_window_open (PageWindow       *pw,
                  BurrowHubSession *session)
{
  pw->session = session;
  pw->page = BURROW_HUB_PAGE (burrow_hub_page_new (burrow_application_get_client (app), session));
  pw->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (pw->window), 900, 500);
  gtk_window_set_child (GTK_WINDOW (pw->window), GTK_WIDGET (pw->page));
  gtk_window_present (GTK_WINDOW (pw->window));
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (pw->page)));
}

static void
page_window_close (PageWindow *pw)
{
  gtk_window_destroy (GTK_WINDOW (pw->window));
  burrow_test_ui_flush ();
  g_clear_object (&pw->session);
}

static gboolean
is_shown (GtkLabel *label)
{
  return gtk_widget_get_visible (GTK_WIDGET (label));
}

static void
assert_label (GtkLabel   *label,
              const char *text)
{
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, text);
}

static void
test_hub_page (void)
{
  PageWindow pw = { 0 };
  g_autofree char *software = NULL;
  g_autofree char *encoding = NULL;
  g_autofree char *screenshot = NULL;
  g_autoptr(GError) error = NULL;
  BurrowHubSession *session;

  /* An NMDC session: protocol, encoding; the software once the hub says it. */
  session = g_object_new (TEST_TYPE_NMDC_SESSION, "uri", "dchub://nmdc.example.org:411", NULL);
  g_assert_cmpint (burrow_hub_session_get_protocol (session), ==, BURROW_HUB_PROTOCOL_NMDC);
  g_assert_null (burrow_hub_session_get_hub_software (session));
  page_window_open (&pw, session);

  assert_label (burrow_hub_page_get_protocol_label (pw.page), "NMDC");
  g_assert_false (is_shown (burrow_hub_page_get_software_label (pw.page)));
  encoding = g_strdup_printf (_("Encoding: %s"), "CP1252");
  assert_label (burrow_hub_page_get_encoding_label (pw.page), encoding);
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (encoding, ==, "Zeichenkodierung: CP1252");

  _burrow_hub_session_set_hub_software (session, "PtokaX 0.5.3.0");
  burrow_test_ui_flush ();
  software = g_strdup_printf (_("Hub software: %s"), "PtokaX 0.5.3.0");
  assert_label (burrow_hub_page_get_software_label (pw.page), software);
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (software, ==, "Hub-Software: PtokaX 0.5.3.0");

  g_assert_true (burrow_hub_session_set_encoding (session, "cp1251", &error));
  g_assert_no_error (error);
  burrow_test_ui_flush ();
  g_clear_pointer (&encoding, g_free);
  encoding = g_strdup_printf (_("Encoding: %s"), "CP1251");
  assert_label (burrow_hub_page_get_encoding_label (pw.page), encoding);

  /* A charset iconv does not know is refused; the page keeps the last one. */
  g_assert_false (burrow_hub_session_set_encoding (session, "NO-SUCH-CHARSET", &error));
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION);
  g_clear_error (&error);
  assert_label (burrow_hub_page_get_encoding_label (pw.page), encoding);

  screenshot = g_strdup_printf ("screenshot-hub-nmdc-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (pw.window, screenshot);

  /* The hub stops saying it: hidden again. */
  _burrow_hub_session_set_hub_software (session, NULL);
  burrow_test_ui_flush ();
  g_assert_false (is_shown (burrow_hub_page_get_software_label (pw.page)));
  page_window_close (&pw);

  /* NMDC over TLS. */
  session = g_object_new (TEST_TYPE_NMDC_SESSION, "uri", "nmdcs://nmdc.example.org:411", NULL);
  page_window_open (&pw, session);
  assert_label (burrow_hub_page_get_protocol_label (pw.page), "NMDCS");
  g_assert_true (is_shown (burrow_hub_page_get_encoding_label (pw.page)));
  page_window_close (&pw);

  /* ADC: the protocol, no encoding. */
  session = burrow_hub_session_new ("adcs://adc.example.org:2780", &error);
  g_assert_no_error (error);
  page_window_open (&pw, session);
  assert_label (burrow_hub_page_get_protocol_label (pw.page), "ADCS");
  g_assert_false (is_shown (burrow_hub_page_get_encoding_label (pw.page)));
  _burrow_hub_session_set_hub_software (session, "uhub 0.5.0");
  burrow_test_ui_flush ();
  g_clear_pointer (&software, g_free);
  software = g_strdup_printf (_("Hub software: %s"), "uhub 0.5.0");
  assert_label (burrow_hub_page_get_software_label (pw.page), software);
  page_window_close (&pw);

  session = burrow_hub_session_new ("adc://adc.example.org:1511", &error);
  g_assert_no_error (error);
  page_window_open (&pw, session);
  assert_label (burrow_hub_page_get_protocol_label (pw.page), "ADC");
  page_window_close (&pw);
}

static gboolean
opened_or_refused (gpointer data)
{
  const char *uri = data;
  BurrowWindow *window = get_window ();

  return find_session (uri) != NULL ||
         (gtk_revealer_get_reveal_child (window->banner_revealer) &&
          strstr (gtk_label_get_text (window->banner_label), uri) != NULL);
}

static void
test_open_links (void)
{
  g_autoptr(GKeyFile) desktop = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *desktop_path = NULL;
  g_auto(GStrv) mime_types = NULL;
  const char *schemes[] = { "dchub", "nmdc", "nmdcs" };
  BurrowClient *client = burrow_application_get_client (app);
  BurrowWindow *window = get_window ();

  /* The desktop file claims the three NMDC schemes, and the app takes every scheme it claims. */
  desktop_path = g_test_build_filename (G_TEST_DIST, "..", "data",
                                        "io.github.burrowdc.Burrow.desktop.in.in", NULL);
  g_assert_true (g_key_file_load_from_file (desktop, desktop_path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  mime_types = g_key_file_get_string_list (desktop, "Desktop Entry", "MimeType", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; mime_types[i] != NULL; i++)
    {
      g_autofree char *uri = NULL;

      g_assert_true (g_str_has_prefix (mime_types[i], "x-scheme-handler/"));
      uri = g_strdup_printf ("%s://hub.example.org", mime_types[i] + strlen ("x-scheme-handler/"));
      g_assert_true (burrow_application_handles_uri (uri));
    }
  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      g_autofree char *mime = g_strconcat ("x-scheme-handler/", schemes[i], NULL);

      g_assert_true (g_strv_contains ((const char * const *) mime_types, mime));
    }

  /* `burrow dchub://…` (and nmdc://, nmdcs://): the open handler takes the hub address to the
   * same place as adc:// — a session, or (in a build without NMDC sessions) the window's banner
   * naming the address. */
  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      g_autofree char *arg = g_strdup_printf ("%s://127.0.0.1:%u", schemes[i], closed_port);
      g_autofree char *canonical = NULL;
      g_autoptr(BurrowHubUri) parsed = burrow_hub_uri_parse (arg, &error);
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (arg);
      BurrowHubSession *session;

      g_assert_no_error (error);
      canonical = burrow_hub_uri_to_string (parsed);
      burrow_window_hide_banner (window);
      g_application_open (G_APPLICATION (app), &file, 1, "");
      g_assert_true (burrow_test_wait_until (opened_or_refused, canonical, WAIT_MS) ||
                     burrow_test_wait_until (opened_or_refused, arg, WAIT_MS));
      session = find_session (canonical);
      if (session != NULL)
        burrow_client_remove_hub (client, session);
      else
        g_test_message ("%s: %s", arg, gtk_label_get_text (window->banner_label));
    }
  burrow_window_hide_banner (window);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);
}

static gboolean
add_cases (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;

  /* A port where nothing listens: take a free one and give it back. */
  closed_port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  g_test_add_func ("/burrow/ui/hubs-nmdc/favorite-encoding", test_favorite_encoding);
  g_test_add_func ("/burrow/ui/hubs-nmdc/connect-encoding", test_connect_encoding);
  g_test_add_func ("/burrow/ui/hubs-nmdc/hub-page", test_hub_page);
  g_test_add_func ("/burrow/ui/hubs-nmdc/open-links", test_open_links);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "hubs-nmdc",
    .app = &app,
    .data_dir = &data_dir,
    .add_cases = add_cases,
  };

  return burrow_test_ui_main (argc, argv, &program);
}
