/* burrow-port-mapper.h — keeps our one listening port mapped on the router (TCP and UDP)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-port-mapping.h"

G_BEGIN_DECLS

/* One-hour leases, renewed at half time; never permanent ones. */
#define BURROW_PORT_MAPPER_LIFETIME_S 3600
/* PCP / NAT-PMP and UPnP run at once; the first success wins, all give up by then. */
#define BURROW_PORT_MAPPER_DEADLINE_MS 2500
/* Where a PCP or NAT-PMP router announces a restart (RFC 6887 §14.1.3, RFC 6886 §3.2.1):
 * 224.0.0.1, this port. */
#define BURROW_PORT_MAPPER_ANNOUNCE_PORT 5350

typedef enum
{
  BURROW_PORT_MAPPER_IDLE,
  BURROW_PORT_MAPPER_MAPPING,
  BURROW_PORT_MAPPER_MAPPED,
  BURROW_PORT_MAPPER_FAILED,
} BurrowPortMapperState;

#define BURROW_TYPE_PORT_MAPPER (burrow_port_mapper_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPortMapper, burrow_port_mapper, BURROW, PORT_MAPPER, GObject)

BurrowPortMapper        *burrow_port_mapper_new               (guint16               port);
guint16                  burrow_port_mapper_get_port          (BurrowPortMapper     *self);
void                     burrow_port_mapper_set_method_enabled (BurrowPortMapper    *self,
                                                               BurrowMappingMethod  method,
                                                               gboolean             enabled);
gboolean                 burrow_port_mapper_get_method_enabled (BurrowPortMapper    *self,
                                                               BurrowMappingMethod  method);
void                     burrow_port_mapper_set_gateway       (BurrowPortMapper     *self,
                                                               GInetSocketAddress   *gateway);
void                     burrow_port_mapper_set_gateway6      (BurrowPortMapper     *self,
                                                               GInetSocketAddress   *gateway);
void                     burrow_port_mapper_set_description_url (BurrowPortMapper   *self,
                                                               const gchar          *url);
const gchar             *burrow_port_mapper_get_description_url (BurrowPortMapper   *self);
void                     burrow_port_mapper_set_deadline      (BurrowPortMapper     *self,
                                                               guint                 deadline_ms);
void                     burrow_port_mapper_set_announce_port (BurrowPortMapper     *self,
                                                               guint16               port);

void                     burrow_port_mapper_start             (BurrowPortMapper     *self);
void                     burrow_port_mapper_stop_async        (BurrowPortMapper     *self,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
void                     burrow_port_mapper_release           (BurrowPortMapper     *self,
                                                               const GError         *why);
gboolean                 burrow_port_mapper_stop_finish       (BurrowPortMapper     *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

BurrowPortMapperState    burrow_port_mapper_get_state         (BurrowPortMapper     *self);
const BurrowPortMapping *burrow_port_mapper_get_mapping       (BurrowPortMapper     *self,
                                                               BurrowPortmapTransport transport);
const BurrowPortMapping *burrow_port_mapper_get_pinhole       (BurrowPortMapper     *self,
                                                               BurrowPortmapTransport transport);
BurrowPortMapperState    burrow_port_mapper_get_pinhole_state (BurrowPortMapper     *self);
const GError            *burrow_port_mapper_get_pinhole_error (BurrowPortMapper     *self);
const GError            *burrow_port_mapper_get_error         (BurrowPortMapper     *self);
gint64                   burrow_port_mapper_get_decided_us    (BurrowPortMapper     *self);

G_END_DECLS
