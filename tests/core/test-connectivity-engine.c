/* test-connectivity-engine.c — automatic mode re-decides as its inputs change (real uhub on
 * loopback; no router here, so the mapper asks a closed loopback port)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-connectivity-engine"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-nmdc-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS 20000

typedef struct
{
  gchar              *dir;
  BurrowTestHub      *hub;
  BurrowClient       *client;
  BurrowConnectivity *engine;
  guint               changes;
} Fixture;

static void
on_changed (BurrowConnectivity *engine,
            GSocketFamily       family,
            Fixture            *f)
{
  g_autofree gchar *json = burrow_connectivity_decision_to_json (
    burrow_connectivity_get_decision (engine, family));

  g_test_message ("%s", json);
  f->changes++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const gchar *local = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GInetSocketAddress) gateway = burrow_test_closed_udp_port ();
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_object_unref);

  memset (f, 0, sizeof *f);
  f->hub = burrow_test_hub_start (NULL, &error);
  if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("burrow-connectivity-XXXXXX", &error);
  g_assert_no_error (error);
  f->client = burrow_client_new (f->dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (f->client, "alice");

  /* UPnP stays off: its SSDP would leave the machine */
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, gateway);
  f->engine = burrow_connectivity_new (BURROW_HUB_LIST (burrow_client_get_hubs (f->client)), mapper);
  g_ptr_array_add (locals, g_inet_address_new_from_string (local));
  burrow_connectivity_set_local_addresses (f->engine, locals);
  g_signal_connect (f->engine, "changed", G_CALLBACK (on_changed), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->engine != NULL)
    g_signal_handlers_disconnect_by_data (f->engine, f);
  g_clear_object (&f->engine);
  g_clear_object (&f->client);
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (f->dir != NULL)
    burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
mode_is (gpointer data)
{
  Fixture *f = data;
  const BurrowConnectivityDecision *d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);

  return d != NULL && d->reason != BURROW_CONNECTIVITY_REASON_PENDING &&
         d->reason != BURROW_CONNECTIVITY_REASON_MAPPING;
}

/* The hub sees one of our own addresses: active at once, confirmed by the first peer that
 * reaches us; unanswered requests demote only when they come from three different peers. */
static void
test_direct (Fixture       *f,
             gconstpointer  data)
{
  const BurrowConnectivityDecision *d;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  burrow_connectivity_start (f->engine);
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_PENDING);

  burrow_test_join_hub (f->client, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_test_wait_until (mode_is, f, DEADLINE_MS));
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DIRECT);
  g_assert_false (d->confirmed);

  burrow_connectivity_note_unreached (f->engine, G_SOCKET_FAMILY_IPV4, "peer-1");
  burrow_connectivity_note_unreached (f->engine, G_SOCKET_FAMILY_IPV4, "peer-1");
  burrow_connectivity_note_unreached (f->engine, G_SOCKET_FAMILY_IPV4, "peer-1");
  g_assert_cmpint (burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4)->mode, ==,
                   BURROW_CONNECTIVITY_ACTIVE);
  burrow_connectivity_note_unreached (f->engine, G_SOCKET_FAMILY_IPV4, "peer-2");
  burrow_connectivity_note_unreached (f->engine, G_SOCKET_FAMILY_IPV4, "peer-3");
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_UNREACHED);

  /* a peer that reaches us after all: active again, and confirmed */
  burrow_connectivity_note_reached (f->engine, G_SOCKET_FAMILY_IPV4);
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_true (d->confirmed);
  g_assert_cmpint (d->confirmed_at, >, 0);

  /* IPv6 is decided apart: this machine's test addresses have no public IPv6 one, and
   * nothing on IPv4 changed it */
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV6);
  g_assert_nonnull (d);
  g_assert_cmpint (d->family, ==, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_NO_ADDRESS);
  g_assert_false (d->confirmed);
}

/* Behind a NAT (the hub sees another address than ours) with no mapper on the router: passive
 * with NAT traversal, for that reason, well within the deadline; the JSON event has the fields
 * `burrow-cli --json` documents. */
static void
test_no_mapper (Fixture       *f,
                gconstpointer  data)
{
  const BurrowConnectivityDecision *d;
  g_autofree gchar *json = NULL;
  guint before;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  burrow_connectivity_start (f->engine);
  burrow_test_join_hub (f->client, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_test_wait_until (mode_is, f, DEADLINE_MS));
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_NO_MAPPER);
  g_assert_cmpint (burrow_port_mapper_get_decided_us (burrow_connectivity_get_mapper (f->engine)),
                   <, 2600 * 1000);

  json = burrow_connectivity_decision_to_json (d);
  g_assert_nonnull (strstr (json, "\"event\":\"connectivity\""));
  g_assert_nonnull (strstr (json, "\"family\":\"ipv4\""));
  g_assert_nonnull (strstr (json, "\"mode\":\"passive\""));
  g_assert_nonnull (strstr (json, "\"method\":\"none\""));
  g_assert_nonnull (strstr (json, "\"confirmed\":false"));
  g_assert_nonnull (strstr (json, "\"why\":\"no-mapper\""));

  /* nothing new: no event */
  before = f->changes;
  burrow_connectivity_note_unreached (f->engine, G_SOCKET_FAMILY_IPV4, "peer-1");
  g_assert_cmpuint (f->changes, ==, before);
}

static gboolean
alice_confirmed (gpointer data)
{
  BurrowConnectivity *c = burrow_client_get_connectivity (data);
  const BurrowConnectivityDecision *d = c ? burrow_connectivity_get_decision (c, G_SOCKET_FAMILY_IPV4) : NULL;

  return d != NULL && d->confirmed;
}

static gboolean
alice_active_on_hub (gpointer data)
{
  BurrowUser *alice = burrow_hub_session_lookup_nick (data, "alice");

  return alice != NULL && burrow_user_is_active (alice);
}

/* A router behind another NAT maps at its own, private, address (miniupnpd does so when its
 * STUN check passes inside the carrier's network): double NAT. The mapping is deleted on the
 * router, and the decision keeps saying why. */
static gboolean
router_saw_four (gpointer data)
{
  return ((BurrowTestPcpRouter *) data)->requests >= 4;
}

static gboolean
mapper_failed (gpointer data)
{
  return burrow_port_mapper_get_state (data) == BURROW_PORT_MAPPER_FAILED;
}

static void
test_double_nat (Fixture       *f,
                 gconstpointer  data)
{
  BurrowTestPcpRouter router = { .external = "10.0.0.9" };
  g_autoptr(GSocketAddress) gateway = NULL;
  BurrowPortMapper *mapper;
  const BurrowConnectivityDecision *d;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  gateway = g_socket_get_local_address (router.socket, NULL);
  mapper = burrow_connectivity_get_mapper (f->engine);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_client_set_mode (f->client, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_connectivity_start (f->engine);
  burrow_test_join_hub (f->client, burrow_test_hub_get_uri (f->hub));

  g_assert_true (burrow_test_wait_until (mode_is, f, DEADLINE_MS));
  g_assert_true (burrow_test_wait_until (mapper_failed, mapper, DEADLINE_MS));
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
  g_assert_nonnull (strstr (d->sentence, "10.0.0.9"));
  g_assert_null (burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP));
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_DOUBLE_NAT);
  /* TCP and UDP mapped (2), then both deleted (2, lifetime 0) */
  g_assert_true (burrow_test_wait_until (router_saw_four, &router, DEADLINE_MS));
  g_assert_cmpuint (router.last_lifetime, ==, 0);
  /* nothing is renewed behind our back, and the decision stays */
  burrow_test_iterate_for (300);
  g_assert_cmpuint (router.requests, ==, 4);
  d = burrow_connectivity_get_decision (f->engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);

  burrow_test_pcp_router_stop (&router);
}

static void
count_notify (guint *count)
{
  (*count)++;
}

/* The client in automatic mode, end to end on loopback: the hub sees one of our addresses, so
 * alice becomes active by herself and announces it; passive bob reaches her port after her
 * $CTM-answer to his RCM, and that inbound connection confirms her mode. No packet goes to a
 * router: port mapping is off. */
static void
test_client_auto (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *bob_dir = NULL;
  g_autoptr(BurrowClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  BurrowHubSession *bob_session;
  const BurrowConnectivityDecision *d;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  /* a fresh profile is in automatic mode, and asks nothing of the router before it goes online */
  g_assert_cmpint (burrow_client_get_mode (f->client), ==, BURROW_CONNECTION_MODE_AUTO);
  g_assert_nonnull (burrow_client_get_connectivity (f->client));
  g_assert_null (burrow_connectivity_get_decision (burrow_client_get_connectivity (f->client),
                                                   G_SOCKET_FAMILY_IPV4));
  g_assert_cmpint (burrow_port_mapper_get_state (burrow_connectivity_get_mapper (
                     burrow_client_get_connectivity (f->client))), ==, BURROW_PORT_MAPPER_IDLE);

  for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
    burrow_client_set_port_mapping_enabled (f->client, m, FALSE);
  burrow_client_set_mode (f->client, BURROW_CONNECTION_MODE_AUTO);
  g_assert_cmpint (burrow_client_get_mode (f->client), ==, BURROW_CONNECTION_MODE_AUTO);
  g_assert_nonnull (burrow_client_get_connectivity (f->client));
  /* one port for good */
  {
    guint port = 0;

    g_object_get (f->client, "port", &port, NULL);
    g_assert_cmpuint (port, !=, 0);
  }
  /* undecided: passive, though listening */
  g_assert_false (burrow_nat_connector_is_active (burrow_client_get_connector (f->client)));

  burrow_test_join_hub (f->client, burrow_test_hub_get_uri (f->hub));
  bob_dir = g_build_filename (f->dir, "bob", NULL);
  bob = burrow_client_new (bob_dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (bob, "bob");
  burrow_client_set_mode (bob, BURROW_CONNECTION_MODE_PASSIVE);
  bob_session = burrow_test_join_hub (bob, burrow_test_hub_get_uri (f->hub));

  /* decided active (direct); bob sees her as active through the hub */
  g_assert_true (burrow_test_wait_until (alice_active_on_hub, bob_session, DEADLINE_MS));
  d = burrow_connectivity_get_decision (burrow_client_get_connectivity (f->client), G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DIRECT);
  g_assert_false (d->confirmed);
  g_assert_true (burrow_nat_connector_is_active (burrow_client_get_connector (f->client)));

  /* bob (passive) connects: alice answers his RCM with her port, and he comes in */
  burrow_nat_connector_connect_async (burrow_client_get_connector (bob), bob_session,
                                      burrow_hub_session_lookup_nick (bob_session, "alice"), NULL,
                                      burrow_test_result_cb, &r);
  peer = burrow_nat_connector_connect_finish (burrow_client_get_connector (bob),
                                              burrow_test_result_wait (&r, DEADLINE_MS), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (alice_confirmed, f->client, DEADLINE_MS));
  burrow_peer_connection_close (peer);

  /* back to manual: no engine left, and the UI hears of it */
  {
    guint notified = 0;
    g_autoptr(BurrowConnectivity) engine = NULL;

    g_signal_connect_swapped (f->client, "notify::connectivity", G_CALLBACK (count_notify),
                              &notified);
    burrow_client_set_mode (f->client, BURROW_CONNECTION_MODE_PASSIVE);
    g_assert_null (burrow_client_get_connectivity (f->client));
    g_assert_cmpuint (notified, ==, 1);
    g_object_get (f->client, "connectivity", &engine, NULL);
    g_assert_null (engine);
    burrow_client_set_mode (f->client, BURROW_CONNECTION_MODE_AUTO);
    g_assert_cmpuint (notified, ==, 2);
    g_object_get (f->client, "connectivity", &engine, NULL);
    g_assert_true (engine == burrow_client_get_connectivity (f->client) && engine != NULL);
    g_signal_handlers_disconnect_by_data (f->client, &notified);
  }
}

/* A request made while automatic mode is still asking the router waits for the answer, and
 * goes out as soon as the mode is decided: here the router (on loopback, answering after a
 * second) maps at 127.0.0.1, which is not a public address (double NAT), so we stay passive and
 * the pair punches. In the NAT lab a real mapping makes the request a CTM that a peer behind a
 * symmetric NAT can answer (natlab-bench --mapper, the *-upnp+sym cells). */
typedef struct
{
  BurrowConnectivity *engine;
  gint                reason_when_sent;  /* -1: nothing sent yet */
} FirstAttempt;

static void
on_attempts_changed (GListModel   *attempts,
                     guint         position,
                     guint         removed,
                     guint         added,
                     FirstAttempt *first)
{
  if (added > 0 && first->reason_when_sent < 0)
    first->reason_when_sent =
      burrow_connectivity_get_decision (first->engine, G_SOCKET_FAMILY_IPV4)->reason;
}

static void
test_request_waits (void)
{
  g_autofree gchar *dir = NULL;
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autoptr(BurrowClient) alice = NULL;
  g_autoptr(BurrowClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) gateway = NULL;
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  BurrowTestPcpRouter router = { .external = "127.0.0.1", .delay_ms = 1000 };
  BurrowConnectivity *engine;
  BurrowPortMapper *mapper;
  BurrowHubSession *session;
  BurrowNatConnector *connector;
  const BurrowConnectivityDecision *d;
  FirstAttempt first = { NULL, -1 };

  hub = burrow_test_hub_start (NULL, &error);
  if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("burrow-connectivity-XXXXXX", &error);
  g_assert_no_error (error);
  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  gateway = g_socket_get_local_address (router.socket, NULL);

  bob = burrow_test_new_client (dir, "bob", FALSE);
  burrow_test_join_hub (bob, burrow_test_hub_get_uri (hub));

  alice = burrow_test_new_client (dir, "alice", FALSE);
  burrow_client_set_mode (alice, BURROW_CONNECTION_MODE_AUTO);
  engine = burrow_client_get_connectivity (alice);
  /* behind NAT: the address the hub sees is none of ours */
  g_ptr_array_add (locals, g_inet_address_new_from_string ("10.0.0.5"));
  burrow_connectivity_set_local_addresses (engine, locals);
  /* PCP only, to the loopback router (the test environment forbids the real one) */
  mapper = burrow_connectivity_get_mapper (engine);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_PCP, TRUE);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_NAT_PMP, FALSE);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);

  connector = burrow_client_get_connector (alice);
  first.engine = engine;
  g_signal_connect (burrow_nat_connector_get_attempts (connector), "items-changed",
                    G_CALLBACK (on_attempts_changed), &first);
  session = burrow_test_join_hub (alice, burrow_test_hub_get_uri (hub));
  g_assert_true (burrow_test_wait_nick (session, "bob", DEADLINE_MS));
  d = burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV4);
  g_assert_nonnull (d);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_MAPPING);

  burrow_nat_connector_connect_async (connector, session,
                                      burrow_hub_session_lookup_nick (session, "bob"), NULL,
                                      burrow_test_result_cb, &r);
  /* nothing sent yet */
  g_assert_cmpuint (g_list_model_get_n_items (burrow_nat_connector_get_attempts (connector)), ==, 0);
  peer = burrow_nat_connector_connect_finish (connector, burrow_test_result_wait (&r, DEADLINE_MS),
                                              &attempt, &error);
  g_assert_no_error (error);
  g_assert_nonnull (peer);
  /* sent only once decided (the router answered), then the pair punched */
  g_assert_cmpint (first.reason_when_sent, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
  g_assert_cmpint (burrow_punch_attempt_get_method (attempt), ==, BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
  d = burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
  g_assert_cmpuint (router.requests, >, 0);
  g_signal_handlers_disconnect_by_data (burrow_nat_connector_get_attempts (connector), &first);
  burrow_peer_connection_close (peer);

  /* a request that is cancelled while it waits ends at once */
  burrow_client_set_mode (alice, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_nat_connector_set_deciding (connector, G_SOCKET_FAMILY_IPV4, TRUE);
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_auto(BurrowTestResult) r2 = BURROW_TEST_RESULT_INIT;
    g_autoptr(GError) cancelled = NULL;
    guint before = g_list_model_get_n_items (burrow_nat_connector_get_attempts (connector));

    burrow_nat_connector_connect_async (connector, session,
                                        burrow_hub_session_lookup_nick (session, "bob"),
                                        cancellable, burrow_test_result_cb, &r2);
    burrow_test_iterate_for (100);
    g_assert_false (burrow_test_result_done (&r2));
    g_assert_cmpuint (g_list_model_get_n_items (burrow_nat_connector_get_attempts (connector)),
                      ==, before);
    g_cancellable_cancel (cancellable);
    g_assert_null (burrow_nat_connector_connect_finish (connector,
                                                        burrow_test_result_wait (&r2, 1000),
                                                        NULL, &cancelled));
    g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    burrow_nat_connector_set_deciding (connector, G_SOCKET_FAMILY_IPV4, FALSE);
  }

  g_clear_object (&alice);
  g_clear_object (&bob);
  burrow_test_pcp_router_stop (&router);
  burrow_test_remove_tree (dir);
}

static gboolean
ipv4_decided (gpointer data)
{
  const BurrowConnectivityDecision *d =
    burrow_connectivity_get_decision (burrow_client_get_connectivity (data), G_SOCKET_FAMILY_IPV4);

  return d != NULL && d->reason != BURROW_CONNECTIVITY_REASON_PENDING;
}

/* On NMDC the hub-observed address is our own `$UserIP`, which PtokaX sends (to UserIP2
 * clients) and Verlihub by default does not: automatic mode decides on the first, and waits,
 * passive, on the second. */
static void
test_nmdc_user_ip (void)
{
  const gchar *profiles[] = { "ptokax", "verlihub" };

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      BurrowTestNmdcHubOptions opts = { .profile = profiles[i] };
      g_autoptr(GError) error = NULL;
      g_autofree gchar *dir = g_dir_make_tmp ("burrow-connectivity-XXXXXX", &error);
      g_autoptr(BurrowClient) client = NULL;
      BurrowTestNmdcHub *hub = burrow_test_nmdc_hub_start (&opts, &error);
      const BurrowConnectivityDecision *d;

      if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_test_skip (error->message);
          burrow_test_remove_tree (dir);
          return;
        }
      g_assert_no_error (error);
      client = burrow_client_new (dir, &error);
      g_assert_no_error (error);
      burrow_client_set_nick (client, "alice");
      g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_AUTO);
      burrow_test_join_hub (client, burrow_test_nmdc_hub_get_uri (hub));
      g_test_message ("%s", profiles[i]);
      if (g_str_equal (profiles[i], "ptokax"))
        {
          g_assert_true (burrow_test_wait_until (ipv4_decided, client, DEADLINE_MS));
          d = burrow_connectivity_get_decision (burrow_client_get_connectivity (client),
                                                G_SOCKET_FAMILY_IPV4);
          g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
          g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DIRECT);
          g_assert_true (burrow_nat_connector_is_active (burrow_client_get_connector (client)));
        }
      else
        {
          /* the login is over (we are on the hub) and no address came */
          burrow_test_iterate_for (300);
          d = burrow_connectivity_get_decision (burrow_client_get_connectivity (client),
                                                G_SOCKET_FAMILY_IPV4);
          g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
          g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_PENDING);
        }
      g_clear_object (&client);
      burrow_test_nmdc_hub_free (hub);
      burrow_test_remove_tree (dir);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/connectivity/engine/direct", Fixture, "127.0.0.1", fixture_set_up,
              test_direct, fixture_tear_down);
  g_test_add ("/burrow/connectivity/engine/no-mapper", Fixture, "10.0.0.5", fixture_set_up,
              test_no_mapper, fixture_tear_down);
  g_test_add_func ("/burrow/connectivity/engine/nmdc-user-ip", test_nmdc_user_ip);
  g_test_add_func ("/burrow/connectivity/engine/request-waits", test_request_waits);
  g_test_add ("/burrow/connectivity/engine/double-nat", Fixture, "10.0.0.5", fixture_set_up,
              test_double_nat, fixture_tear_down);
  g_test_add ("/burrow/connectivity/engine/client-auto", Fixture, "127.0.0.1", fixture_set_up,
              test_client_auto, fixture_tear_down);

  return g_test_run ();
}
