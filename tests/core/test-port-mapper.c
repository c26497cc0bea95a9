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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/connectivity/port-mapper/all-off", test_all_off);
  g_test_add_func ("/burrow/connectivity/port-mapper/no-mapper", test_no_mapper);
  g_test_add_func ("/burrow/connectivity/port-mapper/deadline", test_deadline);

  return g_test_run ();
}
