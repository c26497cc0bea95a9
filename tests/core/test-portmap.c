/* test-portmap.c — NAT-PMP and PCP packets against the layouts of RFC 6886 and RFC 6887
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected bytes are written out by hand from the RFCs' diagrams, not produced by the code
 * under test.
 */

#define G_LOG_DOMAIN "test-portmap"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

static const guint8 client4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 77, 1, 2 };
static const guint8 nonce[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static void
test_natpmp_requests (void)
{
  guint8 out[BURROW_NATPMP_MAP_REQUEST_SIZE];
  /* version 0, opcode 2 (TCP), reserved, internal 5000, suggested 5001, lifetime 3600 */
  static const guint8 map_tcp[] = { 0, 2, 0, 0, 0x13, 0x88, 0x13, 0x89, 0, 0, 0x0e, 0x10 };
  /* deleting: UDP, external port 0, lifetime 0 */
  static const guint8 delete_udp[] = { 0, 1, 0, 0, 0x13, 0x88, 0, 0, 0, 0, 0, 0 };

  g_assert_cmpuint (burrow_natpmp_build_address_request (out), ==, 2);
  g_assert_cmpmem (out, 2, "\0\0", 2);
  g_assert_cmpuint (burrow_natpmp_build_map_request (out, BURROW_PORTMAP_TCP, 5000, 5001, 3600),
                    ==, sizeof map_tcp);
  g_assert_cmpmem (out, sizeof map_tcp, map_tcp, sizeof map_tcp);
  g_assert_cmpuint (burrow_natpmp_build_map_request (out, BURROW_PORTMAP_UDP, 5000, 0, 0),
                    ==, sizeof delete_udp);
  g_assert_cmpmem (out, sizeof delete_udp, delete_udp, sizeof delete_udp);
}

static void
test_pcp_requests (void)
{
  guint8 out[BURROW_PCP_MAP_REQUEST_SIZE];
  guint8 want[BURROW_PCP_MAP_REQUEST_SIZE] = {
    2, 1, 0, 0, 0, 0, 0x0e, 0x10,                           /* version 2, MAP, lifetime 3600 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 77, 1, 2, /* client ::ffff:10.77.1.2 */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,                  /* nonce */
    6, 0, 0, 0,                                             /* TCP, reserved */
    0x1f, 0x40, 0x1f, 0x41,                                 /* internal 8000, suggested 8001 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0,   /* any IPv4 external address */
  };
  guint8 announce[BURROW_PCP_ANNOUNCE_REQUEST_SIZE];
  static const guint8 client6[16] = { 0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

  g_assert_cmpuint (burrow_pcp_build_map_request (out, nonce, BURROW_PORTMAP_TCP, 8000, 8001,
                                                  client4, NULL, 3600), ==, sizeof want);
  g_assert_cmpmem (out, sizeof out, want, sizeof want);

  /* IPv6 client: "any" external address is all zeroes; UDP; a delete has lifetime 0 */
  burrow_pcp_build_map_request (out, nonce, BURROW_PORTMAP_UDP, 8000, 0, client6, NULL, 0);
  g_assert_cmpmem (out + 4, 4, "\0\0\0\0", 4);
  g_assert_cmpmem (out + 8, 16, client6, 16);
  g_assert_cmpuint (out[36], ==, 17);
  for (guint i = 44; i < 60; i++)
    g_assert_cmpuint (out[i], ==, 0);

  g_assert_cmpuint (burrow_pcp_build_announce_request (announce, client4), ==, 24);
  g_assert_cmpuint (announce[0], ==, 2);
  g_assert_cmpuint (announce[1], ==, 0);
  g_assert_cmpmem (announce + 8, 16, client4, 16);
}

static void
test_natpmp_answers (void)
{
  BurrowPortmapResponse r;
  g_autoptr(GError) error = NULL;
  /* address answer: opcode 128, result 0, epoch 42, external 10.77.0.2 */
  static const guint8 address[] = { 0, 128, 0, 0, 0, 0, 0, 42, 10, 77, 0, 2 };
  /* TCP map answer: opcode 130, epoch 43, internal 5000, external 61000, lifetime 3600 */
  static const guint8 map[] = { 0, 130, 0, 0, 0, 0, 0, 43, 0x13, 0x88, 0xee, 0x48, 0, 0, 0x0e, 0x10 };
  /* a router without a public address (CONNECTIVITY.md §1.4): result 3 */
  static const guint8 cgnat[] = { 0, 128, 0, 3, 0, 0, 0, 7, 0, 0, 0, 0 };
  /* a NAT-PMP-only router answering our PCP request, in both forms (RFC 6886 erratum 3618) */
  static const guint8 old_version_a[] = { 0, 128, 0, 1, 0, 0, 1, 0 };
  static const guint8 old_version_b[] = { 0, 0, 0, 1, 0, 0, 1, 0 };
  guint8 mapped[16];

  g_assert_true (burrow_portmap_parse_response (address, sizeof address, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.version, ==, BURROW_NATPMP_VERSION);
  g_assert_cmpuint (r.opcode, ==, BURROW_NATPMP_OP_ADDRESS);
  g_assert_cmpuint (r.result, ==, BURROW_NATPMP_RESULT_SUCCESS);
  g_assert_cmpuint (r.epoch, ==, 42);
  g_assert_true (r.has_external_address);
  burrow_portmap_address_from_ipv4 (mapped, (const guint8 []) { 10, 77, 0, 2 });
  g_assert_cmpmem (r.external_address, 16, mapped, 16);
  g_assert_true (burrow_portmap_address_is_ipv4 (r.external_address));

  g_assert_true (burrow_portmap_parse_response (map, sizeof map, &r, &error));
  g_assert_cmpuint (r.opcode, ==, BURROW_NATPMP_OP_MAP_TCP);
  g_assert_cmpuint (r.transport, ==, BURROW_PORTMAP_TCP);
  g_assert_cmpuint (r.internal_port, ==, 5000);
  g_assert_cmpuint (r.external_port, ==, 61000); /* not the one asked for: it is the one to use */
  g_assert_cmpuint (r.lifetime, ==, 3600);
  g_assert_cmpuint (r.epoch, ==, 43);

  g_assert_true (burrow_portmap_parse_response (cgnat, sizeof cgnat, &r, &error));
  g_assert_cmpuint (r.result, ==, BURROW_NATPMP_RESULT_NETWORK_FAILURE);
  g_assert_false (r.has_external_address);

  g_assert_true (burrow_portmap_parse_response (old_version_a, sizeof old_version_a, &r, &error));
  g_assert_cmpuint (r.result, ==, BURROW_NATPMP_RESULT_UNSUPPORTED_VERSION);
  g_assert_cmpuint (r.epoch, ==, 256);
  g_assert_true (burrow_portmap_parse_response (old_version_b, sizeof old_version_b, &r, &error));
  g_assert_cmpuint (r.result, ==, BURROW_NATPMP_RESULT_UNSUPPORTED_VERSION);
}

static void
test_pcp_answers (void)
{
  BurrowPortmapResponse r;
  g_autoptr(GError) error = NULL;
  guint8 ok[60] = {
    2, 0x81, 0, 0, 0, 0, 0x0e, 0x10, 0, 0, 0x01, 0x2c,      /* MAP answer, lifetime 3600, epoch 300 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                     /* reserved */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,                  /* nonce */
    6, 0, 0, 0, 0x1f, 0x40, 0xa4, 0x10,                     /* TCP, internal 8000, external 42000 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 77, 0, 2, /* external 10.77.0.2 */
  };
  guint8 no_resources[24] = { 2, 0x81, 0, 8, 0, 0, 0, 30, 0, 0, 0, 5 };
  guint8 announce[24] = { 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };

  g_assert_true (burrow_portmap_parse_response (ok, sizeof ok, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.version, ==, BURROW_PCP_VERSION);
  g_assert_cmpuint (r.opcode, ==, BURROW_PCP_OP_MAP);
  g_assert_cmpuint (r.result, ==, BURROW_PCP_RESULT_SUCCESS);
  g_assert_cmpuint (r.lifetime, ==, 3600);
  g_assert_cmpuint (r.epoch, ==, 300);
  g_assert_cmpmem (r.nonce, 12, nonce, 12);
  g_assert_cmpuint (r.transport, ==, BURROW_PORTMAP_TCP);
  g_assert_cmpuint (r.internal_port, ==, 8000);
  g_assert_cmpuint (r.external_port, ==, 42000);
  g_assert_true (r.has_external_address);
  g_assert_cmpmem (r.external_address + 12, 4, "\x0a\x4d\x00\x02", 4);

  /* carrier-grade NAT: NO_RESOURCES, here with the header only */
  g_assert_true (burrow_portmap_parse_response (no_resources, sizeof no_resources, &r, &error));
  g_assert_cmpuint (r.result, ==, BURROW_PCP_RESULT_NO_RESOURCES);
  g_assert_cmpuint (r.epoch, ==, 5);
  g_assert_false (r.has_external_address);

  g_assert_true (burrow_portmap_parse_response (announce, sizeof announce, &r, &error));
  g_assert_cmpuint (r.opcode, ==, BURROW_PCP_OP_ANNOUNCE);
  g_assert_cmpuint (r.epoch, ==, 9);
}

static void
expect_error (const guint8 *data,
              gsize         length,
              gint          code)
{
  BurrowPortmapResponse r;
  g_autoptr(GError) error = NULL;

  g_assert_false (burrow_portmap_parse_response (data, length, &r, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, code);
}

static void
test_bad_answers (void)
{
  guint8 pcp[64] = { 2, 0x81, 0, 0 };
  guint8 big[BURROW_PCP_MAX_MESSAGE + 4] = { 2, 0x80 };
  static const guint8 request[] = { 0, 2, 0, 0, 0x13, 0x88, 0x13, 0x89, 0, 0, 0x0e, 0x10 };
  static const guint8 short_map[] = { 0, 130, 0, 0, 0, 0, 0, 43, 0x13, 0x88, 0xee, 0x48 };
  static const guint8 unknown_op[] = { 0, 133, 0, 0, 0, 0, 0, 43, 0, 0, 0, 0, 0, 0, 0, 0 };

  expect_error ((const guint8 *) "", 0, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  expect_error ((const guint8 *) "\0", 1, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  expect_error ((const guint8 *) "\1\x80\0\0\0\0\0\0", 8, BURROW_PROTOCOL_ERROR_MALFORMED);
  /* our own request echoed (no response bit) is no answer */
  expect_error (request, sizeof request, BURROW_PROTOCOL_ERROR_MALFORMED);
  expect_error (short_map, sizeof short_map, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  expect_error (unknown_op, sizeof unknown_op, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  /* PCP: not a multiple of 4, too long, a success MAP cut short, an unknown transport */
  expect_error (pcp, 26, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  expect_error (big, sizeof big, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  expect_error (pcp, 40, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  pcp[36] = 99;
  expect_error (pcp, 60, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  pcp[1] = 0x01; /* a request */
  expect_error (pcp, 60, BURROW_PROTOCOL_ERROR_MALFORMED);
  /* trailing options after a MAP answer are allowed */
  pcp[1] = 0x81;
  pcp[36] = 17;
  {
    BurrowPortmapResponse r;
    g_assert_true (burrow_portmap_parse_response (pcp, 64, &r, NULL));
    g_assert_cmpuint (r.transport, ==, BURROW_PORTMAP_UDP);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/portmap/natpmp-requests", test_natpmp_requests);
  g_test_add_func ("/burrow/protocol/portmap/pcp-requests", test_pcp_requests);
  g_test_add_func ("/burrow/protocol/portmap/natpmp-answers", test_natpmp_answers);
  g_test_add_func ("/burrow/protocol/portmap/pcp-answers", test_pcp_answers);
  g_test_add_func ("/burrow/protocol/portmap/bad-answers", test_bad_answers);

  return g_test_run ();
}
