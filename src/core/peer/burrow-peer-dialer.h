/* burrow-peer-dialer.h — what the transfer side needs to reach a peer (an interface)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-peer-connection.h"
#include "burrow-punch-attempt.h"
#include "burrow-user.h"

G_BEGIN_DECLS

#define BURROW_TYPE_PEER_DIALER (burrow_peer_dialer_get_type ())
G_DECLARE_INTERFACE (BurrowPeerDialer, burrow_peer_dialer, BURROW, PEER_DIALER, GObject)

/**
 * BurrowPeerDialerInterface:
 * @lookup: the online user with a protocol-neutral id (burrow_user_get_id()),
 *   preferring the hub @hub_uri when it is there; %NULL when offline
 * @connect_async: reaches the user by any path and completes with an
 *   identified #BurrowPeerConnection (we download on it)
 * @connect_finish: the connection, or %NULL with a #BurrowNatError; @attempt
 *   gets the record of the attempt when there was one
 *
 * The connector implements it over hubs; a test can implement it over a
 * loopback pair. An implementation emits #BurrowPeerDialer::upload-connection
 * for a connection a peer opened to download from us.
 */
struct _BurrowPeerDialerInterface
{
  GTypeInterface g_iface;

  BurrowUser           *(*lookup)         (BurrowPeerDialer     *self,
                                           const gchar          *user_id,
                                           const gchar          *hub_uri);
  void                  (*connect_async)  (BurrowPeerDialer     *self,
                                           const gchar          *user_id,
                                           const gchar          *hub_uri,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
  BurrowPeerConnection *(*connect_finish) (BurrowPeerDialer     *self,
                                           GAsyncResult         *result,
                                           BurrowPunchAttempt  **attempt,
                                           GError              **error);
};

BurrowUser           *burrow_peer_dialer_lookup         (BurrowPeerDialer     *self,
                                                         const gchar          *user_id,
                                                         const gchar          *hub_uri);
void                  burrow_peer_dialer_connect_async  (BurrowPeerDialer     *self,
                                                         const gchar          *user_id,
                                                         const gchar          *hub_uri,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
BurrowPeerConnection *burrow_peer_dialer_connect_finish (BurrowPeerDialer     *self,
                                                         GAsyncResult         *result,
                                                         BurrowPunchAttempt  **attempt,
                                                         GError              **error);

/* RFC 8305's recommended Connection Attempt Delay */
#define BURROW_HAPPY_EYEBALLS_DELAY_MS 250

void               burrow_happy_eyeballs_connect_async  (GPtrArray            *addresses,
                                                         guint                 timeout_s,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
GSocketConnection *burrow_happy_eyeballs_connect_finish (GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
