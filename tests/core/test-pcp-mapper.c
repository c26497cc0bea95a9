/* test-pcp-mapper.c — the PCP / NAT-PMP client's waiting rules on loopback
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A mapping against a real router (miniupnpd in a namespace) is tests/natlab's; here: a closed
 * port (the kernel's ICMP port unreachable) ends the wait at once, silence ends it at the
 * deadline, and the default gateway is read from /proc/net/route text.
 */

#define G_LOG_DOMAIN "test-pcp-mapper"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

static BurrowPortMapping *
map_and_wait (GInetSocketAddress *gateway,
              guint               deadline_ms,
              GCancellable       *cancellable,
              gint64             *took_us,
              GError            **error)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  gint64 start = g_get_monotonic_time ();
  BurrowPortMapping *mapping;

  burrow_pcp_mapper_map_async (gateway, BURROW_PORTMAP_TCP, 41234, 41234, 3600, NULL, deadline_ms,
                               cancellable, burrow_test_result_cb, &r);
  mapping = burrow_pcp_mapper_map_finish (burrow_test_result_wait (&r, 30000), error);
  *took_us = g_get_monotonic_time () - start;
  return mapping;
}

/* A port nobody listens on: the kernel answers our datagram with ICMP port unreachable. */
static void
test_closed_port (void)
{
  g_autoptr(GInetSocketAddress) gateway = burrow_test_closed_udp_port ();
  g_autoptr(BurrowPortMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  gint64 took;

  mapping = map_and_wait (gateway, 5000, NULL, &took, &error);
  g_assert_null (mapping);
  g_assert_error (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_MAPPER);
  g_test_message ("closed port: %s after %.1f ms", error->message, took / 1000.0);
  /* the first retransmission would be at 250 ms: the ICMP answer came long before */
  g_assert_cmpint (took, <, 1000 * 1000);
}

/* A router that drops the datagrams: nothing but the deadline ends the wait. */
static void
test_silence (void)
{
  g_autoptr(GSocket) sink = NULL;
  g_autoptr(GInetSocketAddress) gateway = burrow_test_silent_udp_port (&sink);
  g_autoptr(BurrowPortMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  gchar buffer[128];
  guint received = 0;
  gint64 took;

  mapping = map_and_wait (gateway, 1200, NULL, &took, &error);
  g_assert_null (mapping);
  g_assert_error (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_MAPPER);
  g_assert_cmpint (took, >=, 1200 * 1000);
  g_assert_cmpint (took, <, 5000 * 1000);

  /* PCP MAP requests, retransmitted (0, 250, 750 ms): never more than the doubling allows */
  g_socket_set_blocking (sink, FALSE);
  while (g_socket_receive (sink, buffer, sizeof buffer, NULL, NULL) > 0)
    {
      g_assert_cmpuint (buffer[0], ==, BURROW_PCP_VERSION);
      g_assert_cmpuint (buffer[1], ==, BURROW_PCP_OP_MAP);
      received++;
    }
  g_test_message ("%u requests before the 1.2 s deadline", received);
  g_assert_cmpuint (received, >=, 2);
  g_assert_cmpuint (received, <=, 3);
}

static void
test_cancel (void)
{
  g_autoptr(GSocket) sink = NULL;
  g_autoptr(GInetSocketAddress) gateway = burrow_test_silent_udp_port (&sink);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  burrow_pcp_mapper_map_async (gateway, BURROW_PORTMAP_UDP, 41234, 0, 60, NULL, 10000,
                               cancellable, burrow_test_result_cb, &r);
  g_cancellable_cancel (cancellable);
  g_assert_null (burrow_pcp_mapper_map_finish (burrow_test_result_wait (&r, 2000), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_default_gateway (void)
{
  guint8 gw[4];
  /* a laptop's table: a LAN route first, then the default route through 192.168.1.1 */
  static const gchar table[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n"
    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n";
  static const gchar no_default[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n";
  static const guint8 want[4] = { 192, 168, 1, 1 };

  g_assert_true (burrow_default_gateway_parse (table, gw));
  /* the kernel prints a native-order word: this expectation holds on little-endian machines */
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
    g_assert_cmpmem (gw, 4, want, 4);
  g_assert_false (burrow_default_gateway_parse (no_default, gw));
  g_assert_false (burrow_default_gateway_parse ("", gw));
  g_assert_false (burrow_default_gateway_parse ("Iface\nwlan0 zz yy\n", gw));
}

/* A PCP mapping of ours on @router, as map_finish would have returned it. */
static BurrowPortMapping *
mapping_on (BurrowTestPcpRouter *router)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (router->socket, NULL);
  BurrowPortMapping *mapping = g_new0 (BurrowPortMapping, 1);

  mapping->method = BURROW_MAPPING_METHOD_PCP;
  mapping->transport = BURROW_PORTMAP_TCP;
  mapping->gateway = G_INET_SOCKET_ADDRESS (g_object_ref (local));
  mapping->internal_port = 41234;
  mapping->external_port = 41234;
  mapping->lifetime = 3600;
  for (guint i = 0; i < BURROW_PCP_NONCE_SIZE; i++)
    mapping->nonce[i] = i + 1;
  return mapping;
}

/* What a delete reports for the router's answer. miniupnpd answers NO_RESOURCES when it holds
 * no such mapping (it restarted): the mapping is gone, the delete succeeded. It was reported as
 * "the router has no public address". */
static void
test_unmap_results (void)
{
  static const struct
  {
    guint8 result;
    gint   code; /* -1: success */
  } cases[] = {
    { BURROW_PCP_RESULT_SUCCESS, -1 },
    { BURROW_PCP_RESULT_NO_RESOURCES, -1 },
    { BURROW_PCP_RESULT_NOT_AUTHORIZED, BURROW_CONNECTIVITY_ERROR_REFUSED },
    { BURROW_PCP_RESULT_NETWORK_FAILURE, BURROW_CONNECTIVITY_ERROR_FAILED },
    { BURROW_PCP_RESULT_MALFORMED_REQUEST, BURROW_CONNECTIVITY_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BurrowTestPcpRouter router = { 0, };
      g_autoptr(BurrowPortMapping) mapping = NULL;
      g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      burrow_test_pcp_router_start (&router, cases[i].result);
      mapping = mapping_on (&router);
      burrow_pcp_mapper_unmap_async (mapping, 5000, NULL, burrow_test_result_cb, &r);
      ok = burrow_pcp_mapper_unmap_finish (burrow_test_result_wait (&r, 10000), &error);
      g_test_message ("PCP result %u: %s", cases[i].result, ok ? "deleted" : error->message);
      g_assert_cmpuint (router.requests, >=, 1);
      g_assert_cmpuint (router.last_lifetime, ==, 0);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, BURROW_CONNECTIVITY_ERROR, cases[i].code);
        }
      burrow_test_pcp_router_stop (&router);
    }
}

/* The same answer to a MAP still means carrier-grade NAT (what miniupnpd says without a
 * public address). */
static void
test_map_no_resources (void)
{
  BurrowTestPcpRouter router = { 0, };
  g_autoptr(BurrowPortMapping) template = NULL;
  g_autoptr(BurrowPortMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  gint64 took;

  burrow_test_pcp_router_start (&router, BURROW_PCP_RESULT_NO_RESOURCES);
  template = mapping_on (&router);
  mapping = map_and_wait (template->gateway, 5000, NULL, &took, &error);
  g_assert_null (mapping);
  g_assert_error (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS);
  g_assert_cmpuint (router.last_lifetime, ==, 3600);
  burrow_test_pcp_router_stop (&router);
}

/* RFC 6887 §8.5: the epoch tells when the router lost its mappings (rebooted) */
static void
test_router_lost_state (void)
{
  static const struct
  {
    guint32  epoch_before;
    guint32  epoch_after;
    gint64   seconds_between;
    gboolean lost;
  } cases[] = {
    { 100, 160, 60, FALSE },     /* both clocks ran a minute */
    { 100, 100, 0, FALSE },      /* two answers at once */
    { 100, 99, 0, FALSE },       /* a second of jitter backwards is tolerated */
    { 100, 101, 3, FALSE },      /* within the two seconds of slack */
    { 100, 5, 10, TRUE },        /* went backwards: rebooted */
    { 3, 0, 1, TRUE },           /* rebooted right after our first answer */
    { 10, 40, 3600, TRUE },      /* advanced 30 s in an hour: rebooted in between */
    { 0, 1000, 10, TRUE },       /* advanced far faster than time: not the same state */
    { 10000, 13600, 3600, FALSE },
    { 10000, 13600 - 300, 3600, TRUE }, /* lagging by more than 1/16 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BurrowPortMapping before = { .method = BURROW_MAPPING_METHOD_PCP };
      BurrowPortMapping after = { .method = BURROW_MAPPING_METHOD_PCP };

      before.epoch = cases[i].epoch_before;
      before.obtained = 5 * G_USEC_PER_SEC;
      after.epoch = cases[i].epoch_after;
      after.obtained = before.obtained + cases[i].seconds_between * G_USEC_PER_SEC;
      g_test_message ("epoch %u -> %u in %" G_GINT64_FORMAT " s", cases[i].epoch_before,
                      cases[i].epoch_after, cases[i].seconds_between);
      g_assert_cmpint (burrow_port_mapping_router_lost_state (&before, &after), ==, cases[i].lost);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/connectivity/pcp-mapper/closed-port", test_closed_port);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/silence", test_silence);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/cancel", test_cancel);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/default-gateway", test_default_gateway);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/router-lost-state", test_router_lost_state);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/unmap-results", test_unmap_results);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/map-no-resources", test_map_no_resources);

  return g_test_run ();
}
