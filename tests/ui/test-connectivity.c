/* test-connectivity.c — the punch panel, with a real NAT traversal between two clients on loopback
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-connectivity"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-connectivity-page.h"
#include "burrow-test-hub.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"

#include "burrow-window.h"

#define WAIT_MS   (30 * 1000)
#define MY_NICK   "alice"

/* One application per process; the cases share the hub, bob (a second engine in this process)
 * and carol (a raw ADC client), and run in the order they are added. */
static BurrowApplication *app;
static BurrowTestHub *hub;
static BurrowClient *bob;
static BurrowTestAdcClient *carol;
static BurrowHubSession *session;       /* alice's, borrowed from the app's client */
static char *data_dir;

static BurrowWindow *
get_window (void)
{
  return burrow_test_ui_get_window (G_APPLICATION (app));
}

static BurrowConnectivityPage *
get_page (void)
{
  BurrowWindow *window = get_window ();
  BurrowConnectivityPage *page = burrow_window_get_connectivity_page (window);

  g_assert_true (burrow_window_set_page (window, "connectivity"));
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (page)));
  return page;
}

static BurrowClient *
my_client (void)
{
  return burrow_application_get_client (app);
}

static gboolean
session_is_normal (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_NORMAL;
}

static BurrowUser *
wait_user (const char *nick)
{
  g_assert_true (burrow_test_wait_nick (session, nick, WAIT_MS));
  return burrow_hub_session_lookup_nick (session, nick);
}

static gboolean
user_lacks_nat_traversal (gpointer data)
{
  BurrowUser *user = burrow_hub_session_lookup_nick (session, data);

  return user != NULL && !burrow_user_supports_nat_traversal (user);
}

static guint
n_listed (BurrowConnectivityPage *page)
{
  return g_list_model_get_n_items (burrow_connectivity_page_get_model (page));
}

/* Starts a connection to @nick; finish it with connect_finish (). */
static void
connect_to (const char       *nick,
            BurrowTestResult *result)
{
  burrow_nat_connector_connect_async (burrow_client_get_connector (my_client ()),
                                      session, wait_user (nick), NULL,
                                      burrow_test_result_cb, result);
}

static BurrowPeerConnection *
connect_finish (BurrowTestResult  *result,
                GError           **error)
{
  return burrow_nat_connector_connect_finish (burrow_client_get_connector (my_client ()),
                                              burrow_test_result_wait (result, WAIT_MS), NULL,
                                              error);
}

/* ---------------------------------------------------------------------------------------------- */

static gpointer
page_child (BurrowConnectivityPage *page,
            const char             *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (page),
                                                  BURROW_TYPE_CONNECTIVITY_PAGE, name);

  g_assert_nonnull (child);
  return child;
}

static const char *
page_text (BurrowConnectivityPage *page,
           const char             *label)
{
  return gtk_label_get_text (page_child (page, label));
}

static void
test_empty (void)
{
  BurrowConnectivityPage *page = get_page ();
  g_autofree char *summary = NULL;
  g_autofree char *active_text = NULL;

  /* A fresh profile is in automatic mode, which decides once it is on a hub. */
  g_assert_cmpint (burrow_client_get_mode (my_client ()), ==, BURROW_CONNECTION_MODE_AUTO);
  g_assert_cmpstr (page_text (page, "reach_manual_label"), ==,
                   _("Automatic: Burrow decides once you are on a hub."));
  g_assert_true (gtk_widget_get_mapped (page_child (page, "reach_manual_label")));
  g_assert_false (gtk_widget_get_visible (page_child (page, "reach_auto_box")));

  /* alice chose Passive (in Preferences). */
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_PASSIVE);
  burrow_test_ui_flush ();

  /* Nothing tried yet: the empty state, and the summary of a passive client. */
  g_assert_cmpuint (n_listed (page), ==, 0);
  g_assert_null (burrow_connectivity_page_get_selected (page));
  summary = burrow_connectivity_page_dup_summary_text (page);
  g_test_message ("%s", summary);
  g_assert_nonnull (strstr (summary, C_("mode", "Passive")));
  g_assert_nonnull (strstr (summary, _("NAT traversal: yes")));
  if (burrow_test_ui_expect_german ())
    g_assert_nonnull (strstr (summary, "Passiv"));

  /* How others reach us says that it was the user's choice, without automatic mode's rows. */
  g_assert_cmpstr (page_text (page, "reach_manual_label"), ==,
                   _("Passive with NAT traversal (chosen in Preferences)"));
  g_assert_true (gtk_widget_get_mapped (page_child (page, "reach_manual_label")));
  g_assert_false (gtk_widget_get_visible (page_child (page, "reach_auto_box")));
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (page_text (page, "reach_manual_label"), !=,
                     "Passive with NAT traversal (chosen in Preferences)");

  /* Active on a port of the engine's choosing: the page names the port it listens on. */
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_ACTIVE);
  burrow_test_ui_flush ();
  active_text = g_strdup_printf (_("Active on port %u (chosen in Preferences)"),
                                 burrow_nat_connector_get_port (
                                   burrow_client_get_connector (my_client ())));
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (my_client ())), !=,
                    0);
  g_assert_cmpstr (page_text (page, "reach_manual_label"), ==, active_text);
  g_assert_false (gtk_widget_get_visible (page_child (page, "reach_auto_box")));

  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_PASSIVE);
}

static void
test_nat_traversal (void)
{
  BurrowConnectivityPage *page = get_page ();
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *timeline = NULL;
  g_autofree char *bob_dir = NULL;
  g_auto(BurrowTestResult) result = BURROW_TEST_RESULT_INIT;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  BurrowPunchAttempt *attempt;
  const char *method_text;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }

  /* alice is the app's engine, bob a second engine, both passive (chosen: the default,
   * automatic, finds loopback reachable). */
  burrow_client_set_nick (my_client (), MY_NICK);
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_PASSIVE);
  g_action_group_activate_action (G_ACTION_GROUP (app), "connect",
                                  g_variant_new_string (burrow_test_hub_get_uri (hub)));
  g_assert_cmpuint (g_list_model_get_n_items (burrow_client_get_hubs (my_client ())), ==, 1);
  session = g_list_model_get_item (burrow_client_get_hubs (my_client ()), 0);
  g_object_unref (session);  /* the client keeps it */
  g_assert_true (burrow_test_wait_until (session_is_normal, session, WAIT_MS));

  bob_dir = g_build_filename (data_dir, "bob", NULL);
  bob = burrow_client_new (bob_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (bob, "bob");
  burrow_client_set_mode (bob, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_test_join_hub (bob, burrow_test_hub_get_uri (hub));
  g_assert_true (burrow_user_supports_nat_traversal (wait_user ("bob")));

  /* The attempt is listed at once, as pending; the Pending filter shows it. */
  get_page ();
  connect_to ("bob", &result);
  g_assert_cmpuint (n_listed (page), ==, 1);
  burrow_connectivity_page_set_filter (page, "pending");
  g_assert_cmpstr (burrow_connectivity_page_get_filter (page), ==, "pending");
  g_assert_cmpuint (n_listed (page), ==, 1);
  attempt = burrow_connectivity_page_get_selected (page);
  g_assert_nonnull (attempt);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_PENDING);

  peer = connect_finish (&result, &error);
  g_assert_no_error (error);
  g_assert_true (BURROW_IS_PEER_CONNECTION (peer));
  burrow_peer_connection_close (peer);
  g_clear_object (&peer);

  /* Connected now: the Pending filter drops it by itself. */
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_cmpuint (n_listed (page), ==, 0);
  burrow_connectivity_page_set_filter (page, "all");
  g_assert_cmpuint (n_listed (page), ==, 1);
  g_assert_true (burrow_connectivity_page_select (page, attempt));
  burrow_test_ui_flush ();

  /* The row shows the method and the result in words (translated). */
  method_text = burrow_connectivity_format_method (BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
  if (burrow_test_ui_expect_german ())
    g_assert_cmpstr (method_text, !=, "NAT traversal");
  g_assert_nonnull (burrow_test_ui_find_label (
                      GTK_WIDGET (burrow_connectivity_page_get_column_view (page)), method_text));
  g_assert_nonnull (burrow_test_ui_find_label (
                      GTK_WIDGET (burrow_connectivity_page_get_column_view (page)),
                      burrow_connectivity_format_result (BURROW_PUNCH_RESULT_CONNECTED)));
  g_assert_nonnull (burrow_test_ui_find_label (
                      GTK_WIDGET (burrow_connectivity_page_get_column_view (page)), "bob"));

  /* The details pane: every step, RNT and the TLS handshake among them. */
  timeline = burrow_connectivity_page_dup_timeline_text (page);
  g_test_message ("timeline:\n%s", timeline);
  g_assert_nonnull (strstr (timeline, "RNT"));
  g_assert_nonnull (strstr (timeline, "TLS"));
  g_assert_nonnull (strstr (timeline, burrow_connectivity_format_step_kind (
                                        BURROW_PUNCH_STEP_NAT_RECEIVED)));
  g_assert_nonnull (strstr (timeline, "ms"));
  {
    g_auto(GStrv) lines = g_strsplit (timeline, "\n", -1);

    /* One row per step (the last split element is the empty string after the final '\n'). */
    g_assert_cmpuint (g_strv_length (lines) - 1, ==, burrow_punch_attempt_get_n_steps (attempt));
    g_assert_true (g_str_has_prefix (lines[0], "+"));
  }
  g_assert_nonnull (strstr (burrow_connectivity_page_get_diagnosis_text (page), method_text));

  /* The certificate bob presented is recorded and shown (NMDC peers have no published keyprint:
   * this is how a user compares one). */
  g_assert_true (burrow_tls_keyprint_equal (burrow_punch_attempt_get_peer_keyprint (attempt),
                                            burrow_identity_get_keyprint (
                                              burrow_client_get_identity (bob))));
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page),
                                               burrow_punch_attempt_get_peer_keyprint (attempt)));

  /* The summary: the address the hub sees, and one connected attempt of one. */
  summary = burrow_connectivity_page_dup_summary_text (page);
  g_test_message ("%s", summary);
  g_assert_nonnull (strstr (summary, "127.0.0.1"));
  g_assert_nonnull (strstr (summary, "100 %"));
}

static void
test_copy_json (void)
{
  BurrowConnectivityPage *page = get_page ();
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (burrow_connectivity_page_get_selected (page));
  gtk_widget_activate_action (GTK_WIDGET (page), "connectivity.copy-json", NULL);

  text = burrow_test_ui_read_clipboard (GTK_WIDGET (page));
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "{\"event\":\"punch\""));
  g_assert_nonnull (strstr (text, "\"method\":\"nat-traversal\""));
  g_assert_nonnull (strstr (text, "\"result\":\"connected\""));
  g_assert_nonnull (strstr (text, "\"step\":\"rnt-sent\""));

  /* Valid JSON, checked by an independent parser. */
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("no /usr/bin/python3: JSON syntax not checked");
      return;
    }
  path = g_build_filename (data_dir, "attempt.json", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  {
    const char *argv[] = { "/usr/bin/python3", "-c",
                           "import json,sys; d=json.load(open(sys.argv[1])); "
                           "print(d['peer'], d['method'], len(d['steps']))",
                           path, NULL };

    out = burrow_test_run_capture (argv, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (out, "bob nat-traversal "));
}

static void
test_filter (void)
{
  BurrowConnectivityPage *page = get_page ();
  g_auto(BurrowTestResult) result = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *screenshot = NULL;
  BurrowPunchAttempt *failed;

  if (bob == NULL)
    {
      g_test_skip ("needs the NAT traversal case");
      return;
    }

  /* carol is passive without NAT0: no way to reach her, the attempt fails at once. */
  carol = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "carol", NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *inf = g_strdup_printf ("BINF %s SUADC0",
                                            burrow_test_adc_client_get_sid (carol));

    g_assert_true (burrow_test_adc_client_send_line (carol, inf, &error));
    g_assert_no_error (error);
  }
  g_assert_true (burrow_test_wait_until (user_lacks_nat_traversal, (gpointer) "carol", WAIT_MS));
  connect_to ("carol", &result);
  g_assert_null (connect_finish (&result, &error));
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PEER_PASSIVE);
  g_clear_error (&error);

  burrow_connectivity_page_set_filter (page, "all");
  g_assert_cmpuint (n_listed (page), ==, 2);
  {
    /* Newest first. */
    g_autoptr(BurrowPunchAttempt) first = g_list_model_get_item (
      burrow_connectivity_page_get_model (page), 0);

    g_assert_cmpstr (burrow_punch_attempt_get_peer_nick (first), ==, "carol");
    failed = first;
  }

  /* The filter buttons drive the stateful action. */
  gtk_widget_activate_action (GTK_WIDGET (page), "connectivity.filter", "s", "failed");
  g_assert_cmpstr (burrow_connectivity_page_get_filter (page), ==, "failed");
  g_assert_cmpuint (n_listed (page), ==, 1);
  {
    g_autoptr(BurrowPunchAttempt) only = g_list_model_get_item (
      burrow_connectivity_page_get_model (page), 0);

    g_assert_true (only == failed);
  }
  burrow_connectivity_page_set_filter (page, "connected");
  g_assert_cmpuint (n_listed (page), ==, 1);
  {
    g_autoptr(BurrowPunchAttempt) only = g_list_model_get_item (
      burrow_connectivity_page_get_model (page), 0);

    g_assert_cmpstr (burrow_punch_attempt_get_peer_nick (only), ==, "bob");
  }
  burrow_connectivity_page_set_filter (page, "pending");
  g_assert_cmpuint (n_listed (page), ==, 0);
  burrow_connectivity_page_set_filter (page, "nonsense");
  g_assert_cmpstr (burrow_connectivity_page_get_filter (page), ==, "all");
  g_assert_cmpuint (n_listed (page), ==, 2);

  /* The failed attempt explains itself. */
  g_assert_true (burrow_connectivity_page_select (page, failed));
  g_assert_cmpstr (burrow_connectivity_page_get_diagnosis_text (page), ==,
                   burrow_punch_attempt_get_diagnosis (failed));
  {
    g_autofree char *summary = burrow_connectivity_page_dup_summary_text (page);

    g_assert_nonnull (strstr (summary, "50 %"));
  }

  /* Screenshot with the NAT traversal selected. */
  burrow_connectivity_page_set_filter (page, "all");
  {
    g_autoptr(BurrowPunchAttempt) natt = g_list_model_get_item (
      burrow_connectivity_page_get_model (page), 1);

    g_assert_true (burrow_connectivity_page_select (page, natt));
  }
  burrow_test_ui_flush ();
  screenshot = g_strdup_printf ("screenshot-connectivity-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (get_window ()), screenshot);
}


static gboolean
ipv4_decided_active (gpointer data)
{
  BurrowConnectivityPage *page = data;

  return g_strcmp0 (page_text (page, "ipv4_mode_label"), C_("mode", "Active")) == 0 &&
         strstr (page_text (page, "ipv4_sentence_label"), "127.0.0.1") != NULL;
}

static gboolean
alice_active_on_hub (gpointer data)
{
  BurrowUser *alice = burrow_hub_session_lookup_nick (data, MY_NICK);

  return alice != NULL && burrow_user_is_active (alice);
}

static gboolean
confirmation_not_never (gpointer data)
{
  return g_strcmp0 (page_text (data, "confirmation_label"), C_("confirmation", "never")) != 0;
}

static gboolean
mapping_shown (gpointer data)
{
  return g_strcmp0 (page_text (data, "mapping_method_label"), "PCP") == 0;
}

typedef struct
{
  BurrowConnectivityPage *page;
  char                   *before;
} LabelChange;

static gboolean
lease_label_changed (gpointer data)
{
  LabelChange *change = data;

  return g_strcmp0 (page_text (change->page, "mapping_lease_label"), change->before) != 0;
}

/* The lease shown is the time @mapping has left (the page redraws it each second). */
static void
assert_lease_shown (BurrowConnectivityPage  *page,
                    const BurrowPortMapping *mapping)
{
  gint64 left_s = (mapping->obtained + (gint64) mapping->lifetime * G_USEC_PER_SEC -
                   g_get_monotonic_time ()) / G_USEC_PER_SEC;
  const char *shown = page_text (page, "mapping_lease_label");
  gboolean found = FALSE;

  g_assert_cmpint (left_s, <, 3600);
  for (gint64 s = left_s; s <= left_s + 2 && !found; s++)
    {
      g_autofree char *text = g_strdup_printf (_("%u min %02u s left"), (guint) (s / 60),
                                               (guint) (s % 60));

      found = g_str_equal (shown, text);
    }
  g_test_message ("lease: %s", shown);
  g_assert_true (found);
}

/* Automatic mode on loopback (no port mapping packet leaves the machine): the hub sees one of
 * alice's own addresses, so over IPv4 she is active with no mapping; a passive peer that
 * comes in after her request confirms it. */
static void
test_automatic (void)
{
  BurrowConnectivityPage *page = get_page ();
  g_auto(BurrowTestResult) result = BURROW_TEST_RESULT_INIT;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(BurrowHubSession) bob_session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *screenshot = NULL;
  g_autoptr(GSocketAddress) gateway = NULL;
  BurrowTestPcpRouter router = { 0, };
  LabelChange change = { 0, };
  BurrowConnectivity *connectivity;
  BurrowPortMapper *mapper;
  const BurrowPortMapping *mapping;
  const BurrowConnectivityDecision *v4;
  const BurrowConnectivityDecision *v6;
  guint16 port;

  if (bob == NULL)
    {
      g_test_skip ("needs the NAT traversal case");
      return;
    }

  /* No packet to a router, whatever the environment says. */
  for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
    burrow_client_set_port_mapping_enabled (my_client (), m, FALSE);
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_AUTO);
  g_assert_true (burrow_test_wait_until (ipv4_decided_active, page, WAIT_MS));
  connectivity = burrow_client_get_connectivity (my_client ());
  g_assert_nonnull (connectivity);
  v4 = burrow_connectivity_get_decision (connectivity, G_SOCKET_FAMILY_IPV4);
  v6 = burrow_connectivity_get_decision (connectivity, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (v4->reason, ==, BURROW_CONNECTIVITY_REASON_DIRECT);
  g_assert_false (gtk_widget_get_visible (page_child (page, "reach_manual_label")));
  g_assert_true (gtk_widget_get_mapped (page_child (page, "reach_auto_box")));

  /* One sentence per family, each the engine's. */
  g_assert_cmpstr (page_text (page, "ipv4_sentence_label"), ==, v4->sentence);
  g_assert_cmpstr (page_text (page, "ipv6_sentence_label"), ==, v6->sentence);
  g_assert_cmpstr (v6->sentence, !=, "");
  g_assert_cmpstr (v6->sentence, !=, v4->sentence);
  g_assert_cmpstr (page_text (page, "ipv6_mode_label"), ==,
                   v6->mode == BURROW_CONNECTIVITY_ACTIVE ? C_("mode", "Active")
                                                           : C_("mode", "Passive"));

  /* No mapping: none, no lease; others connect to the address the hub sees, on our port. */
  port = burrow_nat_connector_get_port (burrow_client_get_connector (my_client ()));
  endpoint = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (page_text (page, "mapping_method_label"), ==, C_("port mapping", "none"));
  g_assert_cmpstr (page_text (page, "mapping_address_label"), ==, endpoint);
  g_assert_cmpstr (page_text (page, "mapping_lease_label"), ==, "—");
  g_assert_cmpstr (page_text (page, "confirmation_label"), ==, C_("confirmation", "never"));
  if (burrow_test_ui_expect_german ())
    {
      g_assert_cmpstr (page_text (page, "ipv4_mode_label"), !=, "Active");
      g_assert_cmpstr (page_text (page, "mapping_method_label"), !=, "none");
      g_assert_cmpstr (page_text (page, "confirmation_label"), !=, "never");
      g_assert_false (g_str_has_prefix (page_text (page, "ipv4_sentence_label"), "Active:"));
      g_assert_null (burrow_test_ui_find_label (GTK_WIDGET (page), "How Others Reach You"));
      g_assert_null (burrow_test_ui_find_label (GTK_WIDGET (page), "Last Confirmation"));
    }
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), _("How Others Reach You")));
  g_assert_nonnull (burrow_test_ui_find_label (GTK_WIDGET (page), _("Last Confirmation")));

  /* bob (passive) sees alice active, and comes in after her answer to his request. */
  bob_session = g_list_model_get_item (burrow_client_get_hubs (bob), 0);
  g_assert_true (burrow_test_wait_until (alice_active_on_hub, bob_session, WAIT_MS));
  burrow_nat_connector_connect_async (burrow_client_get_connector (bob), bob_session,
                                      burrow_hub_session_lookup_nick (bob_session, MY_NICK), NULL,
                                      burrow_test_result_cb, &result);
  peer = burrow_nat_connector_connect_finish (burrow_client_get_connector (bob),
                                              burrow_test_result_wait (&result, WAIT_MS), NULL,
                                              &error);
  g_assert_no_error (error);

  /* The confirmation shows, as a time just past. */
  g_assert_true (burrow_test_wait_until (confirmation_not_never, page, WAIT_MS));
  g_test_message ("last confirmation: %s", page_text (page, "confirmation_label"));
  v4 = burrow_connectivity_get_decision (connectivity, G_SOCKET_FAMILY_IPV4);
  g_assert_true (v4->confirmed);
  g_assert_cmpstr (page_text (page, "ipv4_sentence_label"), ==, v4->sentence);
  {
    /* "N seconds ago", N no more than the seconds since the engine's confirmation (the page
     * redraws it each second). */
    gint64 elapsed_s = (g_get_real_time () - v4->confirmed_at) / G_USEC_PER_SEC;
    const char *shown = page_text (page, "confirmation_label");
    gint64 n = -1;

    for (guint i = 0; i < 60 && n < 0; i++)
      {
        g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second ago",
                                                              "%u seconds ago", i), i);

        if (g_str_equal (shown, text))
          n = i;
      }
    g_assert_cmpint (n, >=, 0);
    g_assert_cmpint (n, <=, elapsed_s);
  }
  burrow_peer_connection_close (peer);

  /* A router that maps (PCP on a loopback port, the only mapping packets this test lets out):
   * the protocol, and the lease counting down. The engine starts with the first hub, so the
   * router is set before alice joins again. */
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_remove_hub (my_client (), session);
  session = NULL;
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_AUTO);
  burrow_test_ui_flush ();
  g_assert_cmpstr (page_text (page, "reach_manual_label"), ==,
                   _("Automatic: Burrow decides once you are on a hub."));
  connectivity = burrow_client_get_connectivity (my_client ());
  g_assert_nonnull (connectivity);
  mapper = burrow_connectivity_get_mapper (connectivity);
  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  gateway = g_socket_get_local_address (router.socket, NULL);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_PCP, TRUE);
  g_action_group_activate_action (G_ACTION_GROUP (app), "connect",
                                  g_variant_new_string (burrow_test_hub_get_uri (hub)));
  /* (connecting shows the hub: back to this page, whose clock runs only while it is shown) */
  g_assert_true (get_page () == page);
  g_assert_true (burrow_test_wait_until (mapping_shown, page, WAIT_MS));
  mapping = burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP);
  g_assert_nonnull (mapping);
  g_assert_cmpint (mapping->method, ==, BURROW_MAPPING_METHOD_PCP);
  assert_lease_shown (page, mapping);
  change.page = page;
  change.before = g_strdup (page_text (page, "mapping_lease_label"));
  g_assert_true (burrow_test_wait_until (lease_label_changed, &change, WAIT_MS));
  assert_lease_shown (page, mapping);
  g_free (change.before);
  if (burrow_test_ui_expect_german ())
    g_assert_false (g_str_has_suffix (page_text (page, "mapping_lease_label"), "left"));
  screenshot = g_strdup_printf ("screenshot-connectivity-automatic-%s.png",
                                burrow_test_ui_expect_german () ? "de" : "C");
  burrow_test_ui_screenshot (GTK_WIDGET (get_window ()), screenshot);

  /* Back to a manual choice: the page says so (and the mapping is deleted). */
  burrow_client_set_mode (my_client (), BURROW_CONNECTION_MODE_PASSIVE);
  burrow_test_ui_flush ();
  g_assert_cmpstr (page_text (page, "reach_manual_label"), ==,
                   _("Passive with NAT traversal (chosen in Preferences)"));
  g_assert_false (gtk_widget_get_visible (page_child (page, "reach_auto_box")));
  burrow_test_pcp_router_stop (&router);
}

/* ---------------------------------------------------------------------------------------------- */

static void
before_tests (GApplication *application)
{
  gtk_window_set_default_size (GTK_WINDOW (get_window ()), 1280, 760);
}

static void
after_tests (GApplication *application)
{
  g_clear_pointer (&carol, burrow_test_adc_client_free);
  if (bob != NULL)
    {
      burrow_client_disconnect_all (bob);
      g_clear_object (&bob);
    }
}

static gboolean
add_cases (void)
{
  g_test_add_func ("/burrow/ui/connectivity/empty", test_empty);
  g_test_add_func ("/burrow/ui/connectivity/nat-traversal", test_nat_traversal);
  g_test_add_func ("/burrow/ui/connectivity/copy-json", test_copy_json);
  g_test_add_func ("/burrow/ui/connectivity/filter", test_filter);
  g_test_add_func ("/burrow/ui/connectivity/automatic", test_automatic);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const BurrowTestUiProgram program = {
    .name = "connectivity",
    .app = &app,
    .hub = &hub,
    .data_dir = &data_dir,
    .add_cases = add_cases,
    .before = before_tests,
    .after = after_tests,
  };

  /* Automatic mode here must send no port mapping packet off the machine. */
  g_setenv ("BURROW_PORT_MAPPING", "off", TRUE);
  return burrow_test_ui_main (argc, argv, &program);
}
