/* burrow-connectivity-decision.h — active or passive, and why: the rules of automatic mode
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: from what Burrow already knows (its local addresses, the address a hub sees, the port
 * mapping result and inbound confirmations) to a mode and one sentence, per address family
 * (../shared/CONNECTIVITY.md §4.2). The object that gathers those inputs and re-decides on
 * changes sits on top of this.
 */

#pragma once

#include <gio/gio.h>

#include "burrow-port-mapping.h"

G_BEGIN_DECLS

typedef enum
{
  BURROW_ADDRESS_PUBLIC,      /* includes the documentation ranges (the lab's "internet") */
  BURROW_ADDRESS_PRIVATE,     /* RFC 1918 */
  BURROW_ADDRESS_SHARED,      /* 100.64.0.0/10: carrier-grade NAT */
  BURROW_ADDRESS_LOOPBACK,
  BURROW_ADDRESS_LINK_LOCAL,
  BURROW_ADDRESS_UNSPECIFIED,
} BurrowAddressScope;

typedef enum
{
  BURROW_CONNECTIVITY_PASSIVE,
  BURROW_CONNECTIVITY_ACTIVE,
} BurrowConnectivityMode;

typedef enum
{
  BURROW_CONNECTIVITY_REASON_PENDING,      /* the hub has not told us our address yet */
  BURROW_CONNECTIVITY_REASON_MAPPING,      /* behind NAT, the mappers are still asking */
  BURROW_CONNECTIVITY_REASON_DIRECT,       /* the hub sees one of our own addresses */
  BURROW_CONNECTIVITY_REASON_MAPPED,       /* a mapping whose address is the one the hub sees */
  BURROW_CONNECTIVITY_REASON_CGNAT,        /* the router has no public address */
  BURROW_CONNECTIVITY_REASON_DOUBLE_NAT,   /* a mapping, but to a private or another address */
  BURROW_CONNECTIVITY_REASON_NO_MAPPER,    /* no UPnP, NAT-PMP or PCP answered */
  BURROW_CONNECTIVITY_REASON_REFUSED,      /* the router refused to map */
  BURROW_CONNECTIVITY_REASON_FAILED,       /* mapping failed otherwise */
  BURROW_CONNECTIVITY_REASON_UNREACHED,    /* active, but three peers in a row never reached us */
  BURROW_CONNECTIVITY_REASON_NO_ADDRESS,   /* no global address of this family on any interface */
  BURROW_CONNECTIVITY_REASON_TRANSLATED,   /* IPv6: hubs see an address that is not one of ours */
  BURROW_CONNECTIVITY_REASON_MAPPING_OFF,  /* every mapping protocol is switched off */
} BurrowConnectivityReason;

/* After this many connection requests in a row, to as many different peers, with no inbound
 * connection, an active mode is demoted to passive with NAT traversal. */
#define BURROW_CONNECTIVITY_DEMOTE_AFTER 3

typedef struct
{
  GSocketFamily            family;           /* IPV4 or IPV6 */
  GPtrArray               *local_addresses;  /* GInetAddress of this family on our interfaces */
  GInetAddress            *hub_address;      /* what a hub sees, or NULL */
  const BurrowPortMapping *mapping;          /* the mapping that won, or NULL */
  const GError            *mapping_error;    /* why none, or NULL while mapping goes on */
  guint                    unreached;        /* requests in a row, to different peers, unanswered */
  guint                    reached;          /* inbound connections that confirmed the mode */
  gint64                   reached_at;       /* wall-clock µs of the last one, 0: never */
} BurrowConnectivityInputs;

typedef struct
{
  GSocketFamily             family;          /* IPV4 or IPV6 */
  BurrowConnectivityMode    mode;
  BurrowConnectivityReason  reason;
  BurrowMappingMethod       method;          /* NONE for direct and passive */
  GInetAddress             *external_address; /* owned; NULL when unknown */
  guint16                   external_port;   /* 0: our own listening port */
  gboolean                  confirmed;       /* an inbound connection presented our token */
  gint64                    confirmed_at;    /* wall-clock µs of the last such connection, 0: never */
  gchar                    *sentence;        /* the Connectivity page's one sentence */
} BurrowConnectivityDecision;

BurrowAddressScope burrow_address_scope               (GInetAddress                   *address);
gboolean           burrow_address_is_private          (GInetAddress                   *address);

void               burrow_connectivity_decide         (const BurrowConnectivityInputs *inputs,
                                                       BurrowConnectivityDecision     *decision);
void               burrow_connectivity_decision_clear (BurrowConnectivityDecision     *decision);
const gchar       *burrow_connectivity_reason_to_string (BurrowConnectivityReason     reason);

G_END_DECLS
