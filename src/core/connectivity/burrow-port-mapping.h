/* burrow-port-mapping.h — one port the router forwards to us, however it was obtained
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-portmap.h"

G_BEGIN_DECLS

typedef enum
{
  BURROW_MAPPING_METHOD_NONE,
  BURROW_MAPPING_METHOD_PCP,
  BURROW_MAPPING_METHOD_NAT_PMP,
  BURROW_MAPPING_METHOD_UPNP,
} BurrowMappingMethod;

#define BURROW_TYPE_PORT_MAPPING (burrow_port_mapping_get_type ())

typedef struct _BurrowPortMapping BurrowPortMapping;

struct _BurrowPortMapping
{
  BurrowMappingMethod     method;
  BurrowPortmapTransport  transport;
  GInetSocketAddress     *gateway;          /* where the mapper answered */
  GInetAddress           *external_address; /* what the router says it is */
  guint16                 internal_port;
  guint16                 external_port;    /* the one to announce: it may differ from ours */
  guint32                 lifetime;         /* seconds granted */
  guint32                 epoch;            /* PCP / NAT-PMP epoch of the answer */
  gint64                  obtained;         /* monotonic µs of the answer */
  guint8                  nonce[BURROW_PCP_NONCE_SIZE]; /* PCP: renew and delete repeat it */
  gchar                  *description_url;  /* UPnP: the IGD's root description (cached) */
  guint16                 pinhole_id;       /* UPnP IPv6 pinhole: its UniqueID (renew, delete) */
};

GType               burrow_port_mapping_get_type   (void) G_GNUC_CONST;
BurrowPortMapping  *burrow_port_mapping_copy       (const BurrowPortMapping *mapping);
void                burrow_port_mapping_free       (BurrowPortMapping       *mapping);
const gchar        *burrow_mapping_method_to_string (BurrowMappingMethod    method);
gboolean            burrow_port_mapping_router_lost_state (const BurrowPortMapping *previous,
                                                           const BurrowPortMapping *current);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowPortMapping, burrow_port_mapping_free)

G_END_DECLS
