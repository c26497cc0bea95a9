/* burrow-portmap.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-portmap"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"

#include "burrow-portmap.h"

#define RESPONSE_BIT 0x80

/* PCP layout (RFC 6887 §7.1, §7.2, §11.1): a 24-byte header, then the MAP payload */
#define PCP_HEADER_SIZE      24
#define PCP_MAP_NONCE        24
#define PCP_MAP_PROTOCOL     36
#define PCP_MAP_INTERNAL     40
#define PCP_MAP_EXTERNAL     42
#define PCP_MAP_ADDRESS      44

/* NAT-PMP layout (RFC 6886 §3.2, §3.3): every answer starts with 8 bytes */
#define NATPMP_HEADER_SIZE   8
#define NATPMP_ADDRESS_SIZE  12
#define NATPMP_MAP_SIZE      16

static const guint8 ipv4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void
put16 (guint8  *p,
       guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put32 (guint8  *p,
       guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static gboolean
fail (GError     **error,
      gint         code,
      const gchar *message)
{
  g_set_error_literal (error, BURROW_PROTOCOL_ERROR, code, message);
  return FALSE;
}

/**
 * burrow_portmap_address_from_ipv4:
 *
 * Writes @ipv4 (4 bytes, network order) as the IPv4-mapped IPv6 address PCP carries.
 */
void
burrow_portmap_address_from_ipv4 (guint8       out[BURROW_PORTMAP_ADDRESS_SIZE],
                                  const guint8 ipv4[4])
{
  memcpy (out, ipv4_prefix, sizeof ipv4_prefix);
  memcpy (out + sizeof ipv4_prefix, ipv4, 4);
}

gboolean
burrow_portmap_address_is_ipv4 (const guint8 address[BURROW_PORTMAP_ADDRESS_SIZE])
{
  return memcmp (address, ipv4_prefix, sizeof ipv4_prefix) == 0;
}

/**
 * burrow_natpmp_build_address_request:
 *
 * The NAT-PMP "what is your external address" request.
 *
 * Returns: the number of bytes written
 */
gsize
burrow_natpmp_build_address_request (guint8 out[BURROW_NATPMP_ADDRESS_REQUEST_SIZE])
{
  out[0] = BURROW_NATPMP_VERSION;
  out[1] = BURROW_NATPMP_OP_ADDRESS;
  return BURROW_NATPMP_ADDRESS_REQUEST_SIZE;
}

/**
 * burrow_natpmp_build_map_request:
 * @lifetime: seconds; 0 together with @suggested_external_port 0 deletes the mapping
 *
 * Returns: the number of bytes written
 */
gsize
burrow_natpmp_build_map_request (guint8                 out[BURROW_NATPMP_MAP_REQUEST_SIZE],
                                 BurrowPortmapTransport transport,
                                 guint16                internal_port,
                                 guint16                suggested_external_port,
                                 guint32                lifetime)
{
  g_return_val_if_fail (transport == BURROW_PORTMAP_TCP || transport == BURROW_PORTMAP_UDP, 0);

  out[0] = BURROW_NATPMP_VERSION;
  out[1] = transport == BURROW_PORTMAP_UDP ? BURROW_NATPMP_OP_MAP_UDP : BURROW_NATPMP_OP_MAP_TCP;
  put16 (out + 2, 0);
  put16 (out + 4, internal_port);
  put16 (out + 6, suggested_external_port);
  put32 (out + 8, lifetime);
  return BURROW_NATPMP_MAP_REQUEST_SIZE;
}

static void
pcp_header (guint8       out[PCP_HEADER_SIZE],
            guint8       opcode,
            guint32      lifetime,
            const guint8 client_address[BURROW_PORTMAP_ADDRESS_SIZE])
{
  out[0] = BURROW_PCP_VERSION;
  out[1] = opcode;
  put16 (out + 2, 0);
  put32 (out + 4, lifetime);
  memcpy (out + 8, client_address, BURROW_PORTMAP_ADDRESS_SIZE);
}

/**
 * burrow_pcp_build_announce_request:
 * @client_address: the address our request leaves from (the router checks it: a NAT between
 *   us and the router makes it answer ADDRESS_MISMATCH)
 *
 * Returns: the number of bytes written
 */
gsize
burrow_pcp_build_announce_request (guint8       out[BURROW_PCP_ANNOUNCE_REQUEST_SIZE],
                                   const guint8 client_address[BURROW_PORTMAP_ADDRESS_SIZE])
{
  pcp_header (out, BURROW_PCP_OP_ANNOUNCE, 0, client_address);
  return BURROW_PCP_ANNOUNCE_REQUEST_SIZE;
}

/**
 * burrow_pcp_build_map_request:
 * @nonce: random bytes that identify this mapping; renewing and deleting it must repeat them
 * @suggested_external_address: (nullable): 16 bytes, or %NULL for "any" (the IPv4-mapped
 *   0.0.0.0 for an IPv4 client, :: for IPv6)
 * @lifetime: seconds; 0 deletes the mapping
 *
 * Returns: the number of bytes written
 */
gsize
burrow_pcp_build_map_request (guint8                 out[BURROW_PCP_MAP_REQUEST_SIZE],
                              const guint8           nonce[BURROW_PCP_NONCE_SIZE],
                              BurrowPortmapTransport transport,
                              guint16                internal_port,
                              guint16                suggested_external_port,
                              const guint8           client_address[BURROW_PORTMAP_ADDRESS_SIZE],
                              const guint8          *suggested_external_address,
                              guint32                lifetime)
{
  static const guint8 any4[4] = { 0, 0, 0, 0 };

  g_return_val_if_fail (transport == BURROW_PORTMAP_TCP || transport == BURROW_PORTMAP_UDP, 0);

  pcp_header (out, BURROW_PCP_OP_MAP, lifetime, client_address);
  memcpy (out + PCP_MAP_NONCE, nonce, BURROW_PCP_NONCE_SIZE);
  out[PCP_MAP_PROTOCOL] = transport;
  memset (out + PCP_MAP_PROTOCOL + 1, 0, 3);
  put16 (out + PCP_MAP_INTERNAL, internal_port);
  put16 (out + PCP_MAP_EXTERNAL, suggested_external_port);
  if (suggested_external_address != NULL)
    memcpy (out + PCP_MAP_ADDRESS, suggested_external_address, BURROW_PORTMAP_ADDRESS_SIZE);
  else if (burrow_portmap_address_is_ipv4 (client_address))
    burrow_portmap_address_from_ipv4 (out + PCP_MAP_ADDRESS, any4);
  else
    memset (out + PCP_MAP_ADDRESS, 0, BURROW_PORTMAP_ADDRESS_SIZE);
  return BURROW_PCP_MAP_REQUEST_SIZE;
}

static gboolean
parse_natpmp (const guint8           *data,
              gsize                   length,
              BurrowPortmapResponse  *r,
              GError                **error)
{
  if (length < NATPMP_HEADER_SIZE)
    return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, _("The router’s answer is too short"));
  r->result = get16 (data + 2);
  r->epoch = get32 (data + 4);
  /* RFC 6886 erratum 3618: "unsupported version" may come with opcode 0 instead of 128 */
  if ((data[1] & RESPONSE_BIT) == 0 &&
      !(data[1] == 0 && r->result == BURROW_NATPMP_RESULT_UNSUPPORTED_VERSION))
    return fail (error, BURROW_PROTOCOL_ERROR_MALFORMED,
                 _("The router’s answer is not a NAT-PMP or PCP answer"));
  r->opcode = data[1] & ~RESPONSE_BIT;
  if (r->result != BURROW_NATPMP_RESULT_SUCCESS)
    return TRUE; /* what follows the header is not defined for errors */

  switch (r->opcode)
    {
    case BURROW_NATPMP_OP_ADDRESS:
      if (length < NATPMP_ADDRESS_SIZE)
        return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, _("The router’s answer is too short"));
      burrow_portmap_address_from_ipv4 (r->external_address, data + 8);
      r->has_external_address = TRUE;
      return TRUE;

    case BURROW_NATPMP_OP_MAP_UDP:
    case BURROW_NATPMP_OP_MAP_TCP:
      if (length < NATPMP_MAP_SIZE)
        return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, _("The router’s answer is too short"));
      r->transport = r->opcode == BURROW_NATPMP_OP_MAP_UDP ? BURROW_PORTMAP_UDP : BURROW_PORTMAP_TCP;
      r->internal_port = get16 (data + 8);
      r->external_port = get16 (data + 10);
      r->lifetime = get32 (data + 12);
      return TRUE;

    default:
      return fail (error, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("The router answered a request Burrow never sends"));
    }
}

static gboolean
parse_pcp (const guint8           *data,
           gsize                   length,
           BurrowPortmapResponse  *r,
           GError                **error)
{
  if (length < PCP_HEADER_SIZE)
    return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, _("The router’s answer is too short"));
  if (length > BURROW_PCP_MAX_MESSAGE || length % 4 != 0)
    return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH,
                 _("The router’s answer is not a NAT-PMP or PCP answer"));
  if ((data[1] & RESPONSE_BIT) == 0)
    return fail (error, BURROW_PROTOCOL_ERROR_MALFORMED,
                 _("The router’s answer is not a NAT-PMP or PCP answer"));
  r->opcode = data[1] & ~RESPONSE_BIT;
  r->result = data[3];
  r->lifetime = get32 (data + 4);
  r->epoch = get32 (data + 8);

  switch (r->opcode)
    {
    case BURROW_PCP_OP_ANNOUNCE:
      return TRUE;

    case BURROW_PCP_OP_MAP:
      if (length < BURROW_PCP_MAP_REQUEST_SIZE)
        {
          /* an error answer may stop after the header */
          if (r->result != BURROW_PCP_RESULT_SUCCESS)
            return TRUE;
          return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, _("The router’s answer is too short"));
        }
      memcpy (r->nonce, data + PCP_MAP_NONCE, BURROW_PCP_NONCE_SIZE);
      r->internal_port = get16 (data + PCP_MAP_INTERNAL);
      r->external_port = get16 (data + PCP_MAP_EXTERNAL);
      memcpy (r->external_address, data + PCP_MAP_ADDRESS, BURROW_PORTMAP_ADDRESS_SIZE);
      r->has_external_address = TRUE;
      if (data[PCP_MAP_PROTOCOL] == BURROW_PORTMAP_TCP || data[PCP_MAP_PROTOCOL] == BURROW_PORTMAP_UDP)
        r->transport = data[PCP_MAP_PROTOCOL];
      else if (r->result == BURROW_PCP_RESULT_SUCCESS)
        return fail (error, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                     _("The router answered a request Burrow never sends"));
      return TRUE;

    default:
      if (r->result != BURROW_PCP_RESULT_SUCCESS)
        return TRUE;
      return fail (error, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("The router answered a request Burrow never sends"));
    }
}

/**
 * burrow_portmap_parse_response:
 * @data: a datagram from the router's port 5351
 * @response: (out caller-allocates): filled in on success
 *
 * Reads a NAT-PMP or PCP answer (told apart by the version byte). A router's refusal is not an
 * error here: it is a successful parse with a non-zero @response->result. The caller checks
 * that the answer fits its request (opcode, nonce, ports).
 *
 * Returns: %FALSE with a %BURROW_PROTOCOL_ERROR (%BURROW_PROTOCOL_ERROR_BAD_LENGTH,
 *   %BURROW_PROTOCOL_ERROR_MALFORMED, %BURROW_PROTOCOL_ERROR_BAD_PARAM) for anything that is no
 *   answer of either protocol
 */
gboolean
burrow_portmap_parse_response (const guint8           *data,
                               gsize                   length,
                               BurrowPortmapResponse  *response,
                               GError                **error)
{
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (response != NULL, FALSE);

  memset (response, 0, sizeof *response);
  if (length < 2)
    return fail (error, BURROW_PROTOCOL_ERROR_BAD_LENGTH, _("The router’s answer is too short"));
  response->version = data[0];
  switch (data[0])
    {
    case BURROW_NATPMP_VERSION:
      return parse_natpmp (data, length, response, error);
    case BURROW_PCP_VERSION:
      return parse_pcp (data, length, response, error);
    default:
      return fail (error, BURROW_PROTOCOL_ERROR_MALFORMED,
                   _("The router’s answer is not a NAT-PMP or PCP answer"));
    }
}
