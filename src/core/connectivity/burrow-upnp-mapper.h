/* burrow-upnp-mapper.h — a port mapping from a UPnP Internet Gateway Device (libminiupnpc)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-port-mapping.h"

G_BEGIN_DECLS

/* libminiupnpc waits at least a second for SSDP answers (it raises anything shorter to 1000 ms),
 * DC++ waits 2 s, EiskaltDC++ 5 s; with a cached description URL there is no SSDP at all. */
#define BURROW_UPNP_DISCOVER_MS 1000

void               burrow_upnp_mapper_map_async    (const gchar             *description_url,
                                                    BurrowPortmapTransport   transport,
                                                    guint16                  internal_port,
                                                    guint16                  suggested_external_port,
                                                    guint32                  lifetime,
                                                    guint                    discover_ms,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
BurrowPortMapping *burrow_upnp_mapper_map_finish   (GAsyncResult            *result,
                                                    GError                 **error);

void               burrow_upnp_mapper_pinhole_async (const gchar             *description_url,
                                                     BurrowPortmapTransport   transport,
                                                     guint16                  port,
                                                     guint32                  lifetime,
                                                     guint                    discover_ms,
                                                     const BurrowPortMapping *renew,
                                                     GCancellable            *cancellable,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data);
BurrowPortMapping *burrow_upnp_mapper_pinhole_finish (GAsyncResult           *result,
                                                     GError                 **error);

void               burrow_upnp_mapper_unmap_async  (const BurrowPortMapping *mapping,
                                                    GCancellable            *cancellable,
                                                    GAsyncReadyCallback      callback,
                                                    gpointer                 user_data);
gboolean           burrow_upnp_mapper_unmap_finish (GAsyncResult            *result,
                                                    GError                 **error);

G_END_DECLS
