/* test-port-mapper.c — the mapper's rounds on loopback (no router here: UPnP off, because SSDP
 * would leave the machine)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mapping through a real router (miniupnpd in a namespace) is tests/natlab's.
 */

#define G_LOG_DOMAIN "test-port-mapper"

#include "config.h"

#include "burrow-core.h"
#include "burrow-test-util.h"

static gboolean
decided (gpointer data)
{
  BurrowPortMapperState state = burrow_port_mapper_get_state (data);

  return state == BURROW_PORT_MAPPER_MAPPED || state == BURROW_PORT_MAPPER_FAILED;
}

/* Every protocol off: no packet, and at once a reason. */
static void
test_all_off (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);

  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_PCP, FALSE);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_NAT_PMP, FALSE);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_start (mapper);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_TURNED_OFF);
  g_assert_null (burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP));
}

/* A router without PCP / NAT-PMP (its port 5351 closed): decided in well under the deadline. */
static void
test_no_mapper (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GInetSocketAddress) gateway = burrow_test_closed_udp_port ();
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, gateway);
  burrow_port_mapper_start (mapper);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPING);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_NO_MAPPER);
  g_test_message ("decided in %.1f ms", burrow_port_mapper_get_decided_us (mapper) / 1000.0);
  g_assert_cmpint (burrow_port_mapper_get_decided_us (mapper), <, 1000 * 1000);

  /* stopping with nothing mapped completes at once */
  burrow_port_mapper_stop_async (mapper, NULL, burrow_test_result_cb, &r);
  g_assert_true (burrow_port_mapper_stop_finish (mapper, burrow_test_result_wait (&r, 5000), &error));
  g_assert_no_error (error);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_IDLE);
}

/* Silence: the deadline decides, and a mapper dropped meanwhile leaves nothing running. */
static void
test_deadline (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GSocket) sink = NULL;
  g_autoptr(GInetSocketAddress) gateway = burrow_test_silent_udp_port (&sink);

  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, gateway);
  burrow_port_mapper_set_deadline (mapper, 600);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_NO_MAPPER);
  g_assert_cmpint (burrow_port_mapper_get_decided_us (mapper), >=, 600 * 1000);
  g_assert_cmpint (burrow_port_mapper_get_decided_us (mapper), <, 3000 * 1000);

  /* a second round, dropped while it runs */
  burrow_port_mapper_start (mapper);
  g_clear_object (&mapper);
  burrow_test_iterate_for (800);
}

typedef struct
{
  BurrowPortMapper    *mapper;
  BurrowTestPcpRouter *router;
  guint                requests_before;
} Remap;

static gboolean
mapped_again (gpointer data)
{
  Remap *r = data;

  return r->router->requests > r->requests_before &&
         burrow_port_mapper_get_state (r->mapper) == BURROW_PORT_MAPPER_MAPPED;
}

/* An ANNOUNCE answer with @epoch, as a router at @from would multicast it after a restart. */
static void
announce_from (const gchar *from,
               guint32      epoch,
               guint16      port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) source = g_inet_address_new_from_string (from);
  g_autoptr(GSocketAddress) bind_to = g_inet_socket_address_new (source, 0);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (loopback, port);
  guint8 answer[BURROW_PCP_ANNOUNCE_REQUEST_SIZE] = { BURROW_PCP_VERSION,
                                                      BURROW_PCP_OP_ANNOUNCE | 0x80, 0, 0,
                                                      0, 0, 0, 0,
                                                      epoch >> 24, epoch >> 16, epoch >> 8, epoch };

  g_assert_true (g_socket_bind (socket, bind_to, FALSE, NULL));
  g_assert_cmpint (g_socket_send_to (socket, to, (const gchar *) answer, sizeof answer, NULL, NULL),
                   ==, sizeof answer);
}

/* A PCP router that restarts says so with its new epoch (an unsolicited ANNOUNCE): our mapping is
 * made again at once, not at the next renewal half an hour later. An epoch that shows no restart
 * changes nothing, nor does a restart announced by another host than our router. */
static void
test_router_restart (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GInetSocketAddress) free_port = burrow_test_closed_udp_port ();
  guint16 announce_port = g_inet_socket_address_get_port (free_port);
  g_autoptr(GSocketAddress) gateway = NULL;
  BurrowTestPcpRouter router = { 0, };
  Remap remap = { mapper, &router, 0 };

  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  gateway = g_socket_get_local_address (router.socket, NULL);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_announce_port (mapper, announce_port);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPED);
  g_assert_cmpuint (burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP)->epoch, ==, 100);
  remap.requests_before = router.requests;

  /* the same state, a moment later */
  router.epoch = 101;
  burrow_test_pcp_router_announce (&router, announce_port);
  /* another host claims a restart */
  announce_from ("127.0.0.2", 0, announce_port);
  burrow_test_iterate_for (300);
  g_assert_cmpuint (router.requests, ==, remap.requests_before);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPED);

  /* our router restarted: asked again at once, and its new epoch kept */
  router.epoch = 0;
  burrow_test_pcp_router_announce (&router, announce_port);
  g_assert_true (burrow_test_wait_until (mapped_again, &remap, 10000));
  g_assert_cmpuint (burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP)->epoch, ==, 0);

  g_clear_object (&mapper);
  burrow_test_pcp_router_stop (&router);
}

/* A renewal round keeps the mapping it renews in force (the mode does not flap to passive for
 * the moment the router takes to answer); a router that stops answering ends it at the
 * deadline, with a reason. */
static void
test_renewal_holds (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GSocketAddress) gateway = NULL;
  BurrowTestPcpRouter router = { 0, };
  const BurrowPortMapping *held;
  guint before;

  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  gateway = g_socket_get_local_address (router.socket, NULL);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_set_deadline (mapper, 600);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPED);

  router.silent = TRUE;
  before = router.requests;
  burrow_port_mapper_start (mapper); /* as a renewal or a network change does */
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPING);
  held = burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP);
  g_assert_nonnull (held);
  g_assert_cmpuint (held->external_port, ==, 41234);
  g_assert_null (burrow_port_mapper_get_error (mapper));

  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpuint (router.requests, >, before);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  g_assert_null (burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP));
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_NO_MAPPER);
  g_assert_cmpint (burrow_port_mapper_get_decided_us (mapper), <, 3000 * 1000);

  g_clear_object (&mapper);
  burrow_test_pcp_router_stop (&router);
}

static gboolean
has_pinholes (gpointer data)
{
  return burrow_port_mapper_get_pinhole (data, BURROW_PORTMAP_TCP) != NULL &&
         burrow_port_mapper_get_pinhole (data, BURROW_PORTMAP_UDP) != NULL;
}

/* IPv6: PCP opens pinholes in the router's firewall for our TCP and UDP port (their external
 * address is our own), whatever the IPv4 round comes to; stopping closes both. */
static void
test_pinhole (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GInetSocketAddress) closed = burrow_test_closed_udp_port ();
  g_autoptr(GSocketAddress) gateway6 = NULL;
  g_autoptr(GInetAddress) loopback6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  BurrowTestPcpRouter router = { .ipv6 = TRUE };
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  const BurrowPortMapping *pinhole;
  guint before;

  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  gateway6 = g_socket_get_local_address (router.socket, NULL);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, closed);
  burrow_port_mapper_set_gateway6 (mapper, G_INET_SOCKET_ADDRESS (gateway6));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (has_pinholes, mapper, 10000));
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  /* no IPv4 router, IPv6 pinholes all the same */
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  for (guint i = 0; i < 2; i++)
    {
      BurrowPortmapTransport t = i ? BURROW_PORTMAP_UDP : BURROW_PORTMAP_TCP;

      pinhole = burrow_port_mapper_get_pinhole (mapper, t);
      g_assert_cmpint (pinhole->method, ==, BURROW_MAPPING_METHOD_PCP);
      g_assert_cmpint (pinhole->transport, ==, t);
      g_assert_cmpuint (pinhole->external_port, ==, 41234);
      g_assert_true (g_inet_address_equal (pinhole->external_address, loopback6));
    }
  g_assert_cmpuint (router.last_lifetime, ==, BURROW_PORT_MAPPER_LIFETIME_S);

  before = router.requests;
  burrow_port_mapper_stop_async (mapper, NULL, burrow_test_result_cb, &r);
  g_assert_true (burrow_port_mapper_stop_finish (mapper, burrow_test_result_wait (&r, 10000), NULL));
  g_assert_cmpuint (router.requests, ==, before + 2);
  g_assert_cmpuint (router.last_lifetime, ==, 0);
  g_assert_null (burrow_port_mapper_get_pinhole (mapper, BURROW_PORTMAP_TCP));
  g_assert_null (burrow_port_mapper_get_pinhole (mapper, BURROW_PORTMAP_UDP));

  g_clear_object (&mapper);
  burrow_test_pcp_router_stop (&router);
}

/* A network change re-maps only when the way to the router changed: netlink reports every
 * address and route (an IPv6 link-local address appearing), and a round for each made the mode
 * flap. Another router: mapped there at once. */
static void
test_network_change (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GSocketAddress) first = NULL;
  g_autoptr(GSocketAddress) second = NULL;
  BurrowTestPcpRouter router = { 0, };
  BurrowTestPcpRouter other = { 0, };
  Remap remap = { mapper, &other, 0 };
  guint before;

  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_SUCCESS);
  burrow_test_pcp_router_start (&other, BURROW_PCP_RESULT_SUCCESS);
  first = g_socket_get_local_address (router.socket, NULL);
  second = g_socket_get_local_address (other.socket, NULL);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (first));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPED);

  before = router.requests;
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  burrow_test_iterate_for (200);
  g_assert_cmpuint (router.requests, ==, before);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPED);

  /* the default route now leads to another router (on another port here) */
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (second));
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  g_assert_true (burrow_test_wait_until (mapped_again, &remap, 10000));
  g_assert_cmpuint (router.requests, ==, before);

  g_clear_object (&mapper);
  burrow_test_pcp_router_stop (&router);
  burrow_test_pcp_router_stop (&other);
}

/* A failure holds as well while the way to the router stays: asking again would get the same
 * answer (and a double-NAT mapping the engine deleted would be made again at every netlink
 * event); a round in progress goes on. Silence (no mapper) is asked about again, but not within
 * a minute. */
static void
test_network_change_failed (void)
{
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GSocketAddress) gateway = NULL;
  BurrowTestPcpRouter router = { 0, };
  guint before;

  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_NOT_AUTHORIZED);
  gateway = g_socket_get_local_address (router.socket, NULL);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_REFUSED);

  before = router.requests;
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  burrow_test_iterate_for (200);
  g_assert_cmpuint (router.requests, ==, before);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
  g_clear_object (&mapper);
  burrow_test_pcp_router_stop (&router);

  /* a round in progress goes on: a router that answers late still maps at its first request */
  {
    BurrowTestPcpRouter slow = { .delay_ms = 100 };  /* within the first retry (250 ms) */

    mapper = burrow_port_mapper_new (41234);
    burrow_test_pcp_router_start (&slow, BURROW_PCP_RESULT_SUCCESS);
    g_clear_object (&gateway);
    gateway = g_socket_get_local_address (slow.socket, NULL);
    burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
    burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
    burrow_port_mapper_set_announce_port (mapper, 0);
    burrow_port_mapper_start (mapper);
    g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
    g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
    g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_MAPPED);
    /* one TCP request, one UDP: the round was not started again */
    g_assert_cmpuint (slow.requests, ==, 2);
    g_clear_object (&mapper);
    burrow_test_pcp_router_stop (&slow);
  }

  /* silence: a closed port (ICMP unreachable) on the same route, just asked */
  mapper = burrow_port_mapper_new (41234);
  g_clear_object (&gateway);
  gateway = G_SOCKET_ADDRESS (burrow_test_closed_udp_port ());
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, G_INET_SOCKET_ADDRESS (gateway));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_start (mapper);
  g_assert_true (burrow_test_wait_until (decided, mapper, 10000));
  g_assert_error ((GError *) burrow_port_mapper_get_error (mapper), BURROW_CONNECTIVITY_ERROR,
                  BURROW_CONNECTIVITY_ERROR_NO_MAPPER);
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  g_assert_cmpint (burrow_port_mapper_get_state (mapper), ==, BURROW_PORT_MAPPER_FAILED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/connectivity/port-mapper/all-off", test_all_off);
  g_test_add_func ("/burrow/connectivity/port-mapper/no-mapper", test_no_mapper);
  g_test_add_func ("/burrow/connectivity/port-mapper/deadline", test_deadline);
  g_test_add_func ("/burrow/connectivity/port-mapper/router-restart", test_router_restart);
  g_test_add_func ("/burrow/connectivity/port-mapper/renewal-holds", test_renewal_holds);
  g_test_add_func ("/burrow/connectivity/port-mapper/pinhole", test_pinhole);
  g_test_add_func ("/burrow/connectivity/port-mapper/network-change", test_network_change);
  g_test_add_func ("/burrow/connectivity/port-mapper/network-change-failed",
                   test_network_change_failed);

  return g_test_run ();
}
