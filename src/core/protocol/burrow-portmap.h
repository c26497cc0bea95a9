/* burrow-portmap.h — NAT-PMP (RFC 6886) and PCP (RFC 6887) messages, built and read as bytes
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both protocols talk to the router on UDP port 5351 with fixed-layout packets; PCP is NAT-PMP's
 * successor and shares its first bytes (version, opcode), so one reader tells them apart. No I/O
 * here: the connectivity layer sends and receives, this file only encodes and checks.
 *
 * Addresses are 16 bytes as PCP carries them: IPv6, or IPv4 mapped (::ffff:a.b.c.d).
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BURROW_PORTMAP_SERVER_PORT      5351
#define BURROW_PORTMAP_ADDRESS_SIZE     16
#define BURROW_PCP_NONCE_SIZE           12

#define BURROW_NATPMP_VERSION           0
#define BURROW_PCP_VERSION              2

/* Request sizes: what the builders write. */
#define BURROW_NATPMP_ADDRESS_REQUEST_SIZE 2
#define BURROW_NATPMP_MAP_REQUEST_SIZE     12
#define BURROW_PCP_ANNOUNCE_REQUEST_SIZE   24
#define BURROW_PCP_MAP_REQUEST_SIZE        60

/* RFC 6887 §7: no PCP message is longer; a longer datagram is not a PCP answer. */
#define BURROW_PCP_MAX_MESSAGE          1100

typedef enum
{
  BURROW_PORTMAP_TCP = 6,
  BURROW_PORTMAP_UDP = 17,
} BurrowPortmapTransport;

/* Opcodes, without the response bit (0x80). */
typedef enum
{
  BURROW_NATPMP_OP_ADDRESS = 0,
  BURROW_NATPMP_OP_MAP_UDP = 1,
  BURROW_NATPMP_OP_MAP_TCP = 2,
} BurrowNatpmpOpcode;

typedef enum
{
  BURROW_PCP_OP_ANNOUNCE = 0,
  BURROW_PCP_OP_MAP      = 1,
} BurrowPcpOpcode;

/* Result codes the connectivity layer acts on (both protocols number from 0 = success). */
typedef enum
{
  BURROW_NATPMP_RESULT_SUCCESS             = 0,
  BURROW_NATPMP_RESULT_UNSUPPORTED_VERSION = 1,
  BURROW_NATPMP_RESULT_NOT_AUTHORIZED      = 2,
  BURROW_NATPMP_RESULT_NETWORK_FAILURE     = 3, /* the router has no public address (yet) */
  BURROW_NATPMP_RESULT_OUT_OF_RESOURCES    = 4,
  BURROW_NATPMP_RESULT_UNSUPPORTED_OPCODE  = 5,
} BurrowNatpmpResult;

typedef enum
{
  BURROW_PCP_RESULT_SUCCESS                 = 0,
  BURROW_PCP_RESULT_UNSUPP_VERSION          = 1,
  BURROW_PCP_RESULT_NOT_AUTHORIZED          = 2,
  BURROW_PCP_RESULT_MALFORMED_REQUEST       = 3,
  BURROW_PCP_RESULT_UNSUPP_OPCODE           = 4,
  BURROW_PCP_RESULT_UNSUPP_OPTION           = 5,
  BURROW_PCP_RESULT_MALFORMED_OPTION        = 6,
  BURROW_PCP_RESULT_NETWORK_FAILURE         = 7,
  BURROW_PCP_RESULT_NO_RESOURCES            = 8, /* e.g. no public address: carrier-grade NAT */
  BURROW_PCP_RESULT_UNSUPP_PROTOCOL         = 9,
  BURROW_PCP_RESULT_USER_EX_QUOTA           = 10,
  BURROW_PCP_RESULT_CANNOT_PROVIDE_EXTERNAL = 11,
  BURROW_PCP_RESULT_ADDRESS_MISMATCH        = 12,
  BURROW_PCP_RESULT_EXCESSIVE_REMOTE_PEERS  = 13,
} BurrowPcpResult;

/* A router's answer, either protocol. Fields the answer does not carry are zero. */
typedef struct
{
  guint8                 version;          /* BURROW_NATPMP_VERSION or BURROW_PCP_VERSION */
  guint8                 opcode;           /* without the response bit */
  guint16                result;           /* BurrowNatpmpResult or BurrowPcpResult */
  guint32                epoch;            /* seconds since the router's mapping state began */
  guint32                lifetime;         /* seconds the mapping lasts (MAP answers) */
  BurrowPortmapTransport transport;        /* MAP answers; 0 otherwise */
  guint16                internal_port;
  guint16                external_port;
  gboolean               has_external_address;
  guint8                 external_address[BURROW_PORTMAP_ADDRESS_SIZE];
  guint8                 nonce[BURROW_PCP_NONCE_SIZE]; /* PCP MAP: must equal the request's */
} BurrowPortmapResponse;

gsize    burrow_natpmp_build_address_request (guint8                  out[BURROW_NATPMP_ADDRESS_REQUEST_SIZE]);
gsize    burrow_natpmp_build_map_request     (guint8                  out[BURROW_NATPMP_MAP_REQUEST_SIZE],
                                              BurrowPortmapTransport  transport,
                                              guint16                 internal_port,
                                              guint16                 suggested_external_port,
                                              guint32                 lifetime);
gsize    burrow_pcp_build_announce_request   (guint8                  out[BURROW_PCP_ANNOUNCE_REQUEST_SIZE],
                                              const guint8            client_address[BURROW_PORTMAP_ADDRESS_SIZE]);
gsize    burrow_pcp_build_map_request        (guint8                  out[BURROW_PCP_MAP_REQUEST_SIZE],
                                              const guint8            nonce[BURROW_PCP_NONCE_SIZE],
                                              BurrowPortmapTransport  transport,
                                              guint16                 internal_port,
                                              guint16                 suggested_external_port,
                                              const guint8            client_address[BURROW_PORTMAP_ADDRESS_SIZE],
                                              const guint8           *suggested_external_address,
                                              guint32                 lifetime);

gboolean burrow_portmap_parse_response       (const guint8           *data,
                                              gsize                   length,
                                              BurrowPortmapResponse  *response,
                                              GError                **error);

void     burrow_portmap_address_from_ipv4    (guint8                  out[BURROW_PORTMAP_ADDRESS_SIZE],
                                              const guint8            ipv4[4]);
gboolean burrow_portmap_address_is_ipv4      (const guint8            address[BURROW_PORTMAP_ADDRESS_SIZE]);

G_END_DECLS
