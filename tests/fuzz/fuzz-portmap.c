/* fuzz-portmap.c — libFuzzer target for NAT-PMP and PCP answers (datagrams from the router)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-portmap"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* a copy of exactly @size bytes, so ASan sees any read past the datagram */
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(GError) error = NULL;
  BurrowPortmapResponse r;

  if (!burrow_portmap_parse_response (copy, size, &r, &error))
    {
      check (error != NULL && error->domain == BURROW_PROTOCOL_ERROR, "error domain");
      check (error->code == BURROW_PROTOCOL_ERROR_BAD_LENGTH ||
             error->code == BURROW_PROTOCOL_ERROR_MALFORMED ||
             error->code == BURROW_PROTOCOL_ERROR_BAD_PARAM, "error code");
      return 0;
    }
  check (error == NULL, "no error on success");
  check (r.version == BURROW_NATPMP_VERSION || r.version == BURROW_PCP_VERSION, "version");
  check (r.opcode < 0x80, "opcode without the response bit");
  check (r.version == BURROW_PCP_VERSION ? size >= 24 && size <= BURROW_PCP_MAX_MESSAGE : size >= 8,
         "length");
  check (r.transport == 0 || r.transport == BURROW_PORTMAP_TCP || r.transport == BURROW_PORTMAP_UDP,
         "transport");
  /* a successful mapping always says where it points */
  if (r.result == 0 && (r.version == BURROW_PCP_VERSION ? r.opcode == BURROW_PCP_OP_MAP
                                                        : r.opcode != BURROW_NATPMP_OP_ADDRESS))
    check (r.transport != 0, "success map has a transport");
  if (r.version == BURROW_NATPMP_VERSION && r.has_external_address)
    check (burrow_portmap_address_is_ipv4 (r.external_address), "NAT-PMP addresses are IPv4");
  return 0;
}
