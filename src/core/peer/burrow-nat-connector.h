/* burrow-nat-connector.h — reaching a peer by any path: direct, reverse, NAT traversal
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-hub-list.h"
#include "burrow-identity.h"
#include "burrow-inbound.h"
#include "burrow-peer-connection.h"
#include "burrow-peer-dialer.h"
#include "burrow-punch-attempt.h"
#include "burrow-user.h"

G_BEGIN_DECLS

/* How long we wait for the peer's answer (CTM or NAT) to our request. */
#define BURROW_NAT_REQUEST_TIMEOUT_MS   (15 * 1000)
/* How long a hole punch keeps trying once both sides are punching. DC++ waits
 * 30 s; a pair that connects at all does so in well under a second, so we
 * give up early with a diagnosis. */
#define BURROW_NAT_PUNCH_WINDOW_MS      3500
/* Requests the peer started that may wait at once (bounded work for strangers). */
#define BURROW_NAT_MAX_INCOMING         32
#define BURROW_NAT_MAX_INCOMING_PER_PEER 4
/* Attempts kept for the punch panel. */
#define BURROW_NAT_MAX_ATTEMPTS         500
/* How long a request to a passive peer waits while automatic mode asks the router (it decides
 * within 2.75 s, mapping or not), and how many such requests may wait. */
#define BURROW_NAT_DECIDING_WAIT_MS     3000
#define BURROW_NAT_MAX_WAITING          64

#define BURROW_TYPE_NAT_CONNECTOR (burrow_nat_connector_get_type ())

G_DECLARE_FINAL_TYPE (BurrowNatConnector, burrow_nat_connector, BURROW, NAT_CONNECTOR, GObject)

BurrowNatConnector   *burrow_nat_connector_new            (BurrowIdentity        *identity,
                                                           BurrowHubList         *hubs);
gboolean              burrow_nat_connector_set_active     (BurrowNatConnector    *self,
                                                           gboolean               active,
                                                           guint16                port,
                                                           GError               **error);
guint16               burrow_nat_connector_get_port       (BurrowNatConnector    *self);
void                  burrow_nat_connector_set_advertised (BurrowNatConnector    *self,
                                                           gboolean               active,
                                                           guint16                port);
void                  burrow_nat_connector_set_deciding   (BurrowNatConnector    *self,
                                                           GSocketFamily          family,
                                                           gboolean               deciding);
gboolean              burrow_nat_connector_is_active      (BurrowNatConnector    *self);
guint16               burrow_nat_connector_get_advertised_port (BurrowNatConnector *self);
GSocket              *burrow_nat_connector_get_udp_socket (BurrowNatConnector    *self);
GSocket              *burrow_nat_connector_get_udp6_socket (BurrowNatConnector   *self);
void                  burrow_nat_connector_set_tls         (BurrowNatConnector   *self,
                                                            gboolean              tls);
void                  burrow_nat_connector_set_source_func (BurrowNatConnector   *self,
                                                           BurrowPeerSourceFunc   func,
                                                           BurrowPeerSlotFunc     slot_func,
                                                           gpointer               user_data);
GListModel           *burrow_nat_connector_get_attempts   (BurrowNatConnector    *self);
void                  burrow_nat_connector_set_inbound_timeout (BurrowNatConnector *self,
                                                                guint               ms);
guint                 burrow_nat_connector_get_n_unidentified  (BurrowNatConnector *self);
guint64               burrow_nat_connector_get_n_inbound_refused (BurrowNatConnector *self);

void                  burrow_nat_connector_connect_async  (BurrowNatConnector    *self,
                                                           BurrowHubSession      *session,
                                                           BurrowUser            *user,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
BurrowPeerConnection *burrow_nat_connector_connect_finish (BurrowNatConnector    *self,
                                                           GAsyncResult          *result,
                                                           BurrowPunchAttempt   **attempt,
                                                           GError               **error);

G_END_DECLS
