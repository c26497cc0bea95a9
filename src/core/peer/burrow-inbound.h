/* burrow-inbound.h — connections to our port until they say whose they are
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-identity.h"
#include "burrow-peer-connection.h"

G_BEGIN_DECLS

/* Connections to our port that have not yet said who they are (TCP accepted,
 * TLS and SUP/INF not done). Each costs a file descriptor and, once TLS
 * starts, ~180 KB: 64 bound that to ~12 MB and 6 % of the usual 1,024-fd
 * limit. 64 is twice BURROW_NAT_MAX_INCOMING (requests from peers that we
 * answer with CTM), which leaves room for our own CTMs; a legitimate peer
 * identifies itself within a round trip or two, so few are ever
 * unidentified. Several users behind one router share an address, hence 8
 * per address rather than 1 or 2. Over a cap, a new connection is closed at
 * once. */
#define BURROW_NAT_MAX_UNIDENTIFIED             64
#define BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS 8
/* Each stage of an inbound connection (first byte, TLS handshake, SUP/INF
 * until the peer is identified) must finish within this. */
#define BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS     (10 * 1000)

typedef struct _BurrowInbound BurrowInbound;

/**
 * BurrowInboundTokenFunc:
 * @token: the token the peer's INF names (NMDC: the nick of its `$MyNick`; inbound tells the two
 *   protocols apart by the first byte, '$' for NMDC, and TLS from plain by it too)
 * @cid: the CID it presents (NULL on NMDC)
 * @tls: (nullable): the TLS connection (its peer certificate), %NULL on plain ADC
 * @data: the user data
 *
 * Returns: whether a connection with @token is expected (it is then
 *   identified: no longer counted, no stage timeout)
 */
typedef gboolean (*BurrowInboundTokenFunc) (const gchar    *token,
                                            const gchar    *cid,
                                            GTlsConnection *tls,
                                            gpointer        data);

/**
 * BurrowInboundDoneFunc:
 * @peer: an identified connection whose handshake finished
 * @connection: its TCP connection (for the addresses)
 * @accepted_at: when the TCP connection was accepted (monotonic)
 * @tls: (nullable): its TLS connection, %NULL on plain ADC
 * @tls_done_at: when the TLS handshake finished (monotonic), 0 without TLS
 * @data: the user data
 *
 * The handler takes a reference to @peer if it keeps it.
 */
typedef void (*BurrowInboundDoneFunc) (BurrowPeerConnection *peer,
                                       GSocketConnection    *connection,
                                       gint64                accepted_at,
                                       GTlsConnection       *tls,
                                       gint64                tls_done_at,
                                       gpointer              data);

/**
 * BurrowInboundNmdcFunc:
 * @tls: whether the connection is TLS and nothing was read yet (its first byte, below TLS, tells
 *   nothing: it is NMDC when only NMDC connections are expected over TLS)
 * @adc_too: (out): with @tls, whether an ADC connection over TLS is expected too (then inbound
 *   reads the first decrypted byte: '$' = NMDC)
 * @our_nick: (out): our nick for the `$MyNick` answer (UTF-8)
 * @charset: (out): the hub's charset for it
 * @want_download: (out): whether we download on it
 * @data: the user data
 *
 * Asked when a connection to our port turns out to be NMDC (`$` first on plain connections).
 *
 * Returns: whether an NMDC connection (over TLS when @tls) is expected at all (else it is
 *   closed, or taken for ADC when @tls)
 */
typedef gboolean (*BurrowInboundNmdcFunc) (gboolean   tls,
                                           gboolean  *adc_too,
                                           gchar    **our_nick,
                                           gchar    **charset,
                                           gboolean  *want_download,
                                           gpointer   data);

BurrowInbound *burrow_inbound_new                (BurrowIdentity         *identity,
                                                  BurrowInboundTokenFunc  token_func,
                                                  BurrowInboundDoneFunc   done_func,
                                                  gpointer                data);
void           burrow_inbound_free               (BurrowInbound          *self);
void           burrow_inbound_take               (BurrowInbound          *self,
                                                  GSocketConnection      *connection);
void           burrow_inbound_set_nmdc_func      (BurrowInbound          *self,
                                                  BurrowInboundNmdcFunc   nmdc_func);
void           burrow_inbound_set_timeout        (BurrowInbound          *self,
                                                  guint                   ms);
guint          burrow_inbound_get_n_unidentified (BurrowInbound          *self);
guint64        burrow_inbound_get_n_refused      (BurrowInbound          *self);

G_END_DECLS
