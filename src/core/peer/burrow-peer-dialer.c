/* burrow-peer-dialer.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "burrow-peer-dialer.h"

G_DEFINE_INTERFACE (BurrowPeerDialer, burrow_peer_dialer, G_TYPE_OBJECT)

static void
burrow_peer_dialer_default_init (BurrowPeerDialerInterface *iface)
{
  /**
   * BurrowPeerDialer::upload-connection:
   * @connection: an identified connection a peer opened to download from us
   * @attempt: (nullable): the record of how it came about
   *
   * The handler takes a reference if it keeps the connection.
   */
  g_signal_new ("upload-connection", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                NULL, NULL, NULL, G_TYPE_NONE, 2, BURROW_TYPE_PEER_CONNECTION,
                BURROW_TYPE_PUNCH_ATTEMPT);
}

/**
 * burrow_peer_dialer_lookup:
 * @user_id: a protocol-neutral user id (burrow_user_get_id())
 * @hub_uri: (nullable): the hub to prefer
 *
 * Returns: (transfer none) (nullable): the user, when online
 */
BurrowUser *
burrow_peer_dialer_lookup (BurrowPeerDialer *self,
                           const gchar      *user_id,
                           const gchar      *hub_uri)
{
  g_return_val_if_fail (BURROW_IS_PEER_DIALER (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  return BURROW_PEER_DIALER_GET_IFACE (self)->lookup (self, user_id, hub_uri);
}

void
burrow_peer_dialer_connect_async (BurrowPeerDialer    *self,
                                  const gchar         *user_id,
                                  const gchar         *hub_uri,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (BURROW_IS_PEER_DIALER (self));
  g_return_if_fail (user_id != NULL);

  BURROW_PEER_DIALER_GET_IFACE (self)->connect_async (self, user_id, hub_uri, cancellable,
                                                      callback, user_data);
}

/**
 * burrow_peer_dialer_connect_finish:
 * @attempt: (out) (optional) (transfer full) (nullable): the attempt's record
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
BurrowPeerConnection *
burrow_peer_dialer_connect_finish (BurrowPeerDialer    *self,
                                   GAsyncResult        *result,
                                   BurrowPunchAttempt **attempt,
                                   GError             **error)
{
  g_return_val_if_fail (BURROW_IS_PEER_DIALER (self), NULL);

  if (attempt != NULL)
    *attempt = NULL;
  return BURROW_PEER_DIALER_GET_IFACE (self)->connect_finish (self, result, attempt, error);
}
