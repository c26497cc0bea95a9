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

static GInetSocketAddress *
loopback (guint16 port)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (lo, port));
}

/* A port nobody listens on: the kernel answers our datagram with ICMP port unreachable. */
static void
test_closed_port (void)
{
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetSocketAddress) any = loopback (0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetSocketAddress) gateway = NULL;
  g_autoptr(BurrowPortMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  gint64 took;

  /* find a free port, then free it */
  g_assert_true (g_socket_bind (probe, G_SOCKET_ADDRESS (any), FALSE, NULL));
  bound = g_socket_get_local_address (probe, NULL);
  gateway = loopback (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (probe, NULL);

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
  g_autoptr(GSocket) sink = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetSocketAddress) any = loopback (0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetSocketAddress) gateway = NULL;
  g_autoptr(BurrowPortMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  gchar buffer[128];
  guint received = 0;
  gint64 took;

  g_assert_true (g_socket_bind (sink, G_SOCKET_ADDRESS (any), FALSE, NULL));
  bound = g_socket_get_local_address (sink, NULL);
  gateway = loopback (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

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
  g_autoptr(GSocket) sink = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetSocketAddress) any = loopback (0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetSocketAddress) gateway = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (sink, G_SOCKET_ADDRESS (any), FALSE, NULL));
  bound = g_socket_get_local_address (sink, NULL);
  gateway = loopback (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/connectivity/pcp-mapper/closed-port", test_closed_port);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/silence", test_silence);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/cancel", test_cancel);
  g_test_add_func ("/burrow/connectivity/pcp-mapper/default-gateway", test_default_gateway);

  return g_test_run ();
}
