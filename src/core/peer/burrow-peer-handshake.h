/* burrow-peer-handshake.h — from a TCP connection to an identified peer: TLS, then SUP/INF
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-identity.h"
#include "burrow-peer-connection.h"
#include "burrow-punch-attempt.h"

G_BEGIN_DECLS

/**
 * BurrowPeerHandshake:
 * @identity: our identity (certificate, CID)
 * @side: who sends SUP first (see #BurrowPeerSide)
 * @tls: whether to run TLS first (the ADCS protocol)
 * @tls_client: our TLS role (the NAT roles on a punched connection)
 * @token: the token of the request
 * @peer_cid: (nullable): the CID the peer must present
 * @peer_keyprint: (nullable): the keyprint the peer published (checked when set)
 * @peer_name: how error messages name the peer
 * @attempt: (nullable): where the TLS step is recorded
 *
 * What burrow_peer_handshake_async() needs; the strings are copied.
 */
typedef struct
{
  BurrowIdentity     *identity;
  BurrowPeerSide      side;
  gboolean            tls;
  gboolean            tls_client;
  const gchar        *token;
  const gchar        *peer_cid;
  const gchar        *peer_keyprint;
  const gchar        *peer_name;
  /* NMDC (protocol BURROW_PEER_PROTOCOL_NMDC): token = the peer's nick; peer_cid and
   * peer_keyprint unused */
  BurrowPeerProtocol  protocol;
  const gchar        *our_nick;
  const gchar        *charset;
  gboolean            want_download;
  BurrowPunchAttempt *attempt;
} BurrowPeerHandshake;

void                  burrow_peer_handshake_async      (GSocketConnection         *connection,
                                                        const BurrowPeerHandshake *handshake,
                                                        GCancellable              *cancellable,
                                                        GAsyncReadyCallback        callback,
                                                        gpointer                   user_data);
BurrowPeerConnection *burrow_peer_handshake_finish     (GAsyncResult              *result,
                                                        GError                   **error);

GIOStream            *burrow_peer_handshake_new_tls    (GIOStream                 *base,
                                                        BurrowIdentity            *identity,
                                                        gboolean                   client,
                                                        GError                   **error);
gboolean              burrow_peer_handshake_keyprint_matches (const gchar         *published,
                                                        GTlsCertificate           *peer_cert);
void                  burrow_peer_handshake_unref_later (gpointer                 object);

G_END_DECLS
