/* burrow-pcp-mapper.h — a port mapping from the router by PCP, or NAT-PMP when that is all it knows
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-port-mapping.h"

G_BEGIN_DECLS

/* RFC 6887 §8.1.1 starts retransmitting after 3-5 s; a user waits for this decision, so we ask
 * sooner (the lab routers answer in 2-21 ms) and give up by the deadline. */
#define BURROW_PCP_FIRST_RETRY_MS   250
#define BURROW_PCP_DEFAULT_DEADLINE_MS 2500

void               burrow_pcp_mapper_map_async    (GInetSocketAddress      *gateway,
                                                   BurrowPortmapTransport   transport,
                                                   guint16                  internal_port,
                                                   guint16                  suggested_external_port,
                                                   guint32                  lifetime,
                                                   const BurrowPortMapping *renew,
                                                   guint                    deadline_ms,
                                                   GCancellable            *cancellable,
                                                   GAsyncReadyCallback      callback,
                                                   gpointer                 user_data);
BurrowPortMapping *burrow_pcp_mapper_map_finish   (GAsyncResult            *result,
                                                   GError                 **error);

void               burrow_pcp_mapper_unmap_async  (const BurrowPortMapping *mapping,
                                                   guint                    deadline_ms,
                                                   GCancellable            *cancellable,
                                                   GAsyncReadyCallback      callback,
                                                   gpointer                 user_data);
gboolean           burrow_pcp_mapper_unmap_finish (GAsyncResult            *result,
                                                   GError                 **error);

gboolean           burrow_default_gateway_parse   (const gchar             *proc_net_route,
                                                   guint8                   gateway[4]);
GInetSocketAddress *burrow_default_gateway_ipv4   (void);
gboolean           burrow_default_gateway6_parse  (const gchar             *proc_net_ipv6_route,
                                                   guint8                   gateway[16],
                                                   gchar                    interface[16]);
GInetSocketAddress *burrow_default_gateway_ipv6   (void);

G_END_DECLS
