/* burrow-connector-dialer.h — the connector behind the peer-dialer interface (until it implements it)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-nat-connector.h"
#include "burrow-peer-dialer.h"

G_BEGIN_DECLS

#define BURROW_TYPE_CONNECTOR_DIALER (burrow_connector_dialer_get_type ())

G_DECLARE_FINAL_TYPE (BurrowConnectorDialer, burrow_connector_dialer, BURROW, CONNECTOR_DIALER,
                      GObject)

BurrowPeerDialer *burrow_connector_dialer_new (BurrowNatConnector *connector,
                                               GListModel         *hubs);

G_END_DECLS
