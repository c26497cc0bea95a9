/* burrow-peer-connection.h — the ADC client-client protocol over any GIOStream
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-identity.h"
#include "burrow-punch-attempt.h"

G_BEGIN_DECLS

/**
 * BurrowPeerSide:
 * @BURROW_PEER_SIDE_CONNECTING: we connected (after the peer's CTM): we send SUP first and TO in INF
 * @BURROW_PEER_SIDE_ACCEPTING: the peer connected to our listener: it sends SUP first and TO
 * @BURROW_PEER_SIDE_NAT: a NAT-traversal connection: both send SUP first and TO (as DC++ does)
 */
/**
 * BurrowPeerProtocol:
 * @BURROW_PEER_PROTOCOL_ADC: ADC client-client (SUP, INF, GET, SND, STA)
 * @BURROW_PEER_PROTOCOL_NMDC: NMDC client-client: `$MyNick`, `$Lock`, `$Supports`, `$Direction`,
 *   `$Key`, then `$ADCGET`/`$ADCSND` (ADC's GET and SND with NMDC framing), `$Error`, `$MaxedOut`
 *   (../shared/NMDC.md §2.4)
 */
typedef enum
{
  BURROW_PEER_PROTOCOL_ADC,
  BURROW_PEER_PROTOCOL_NMDC,
} BurrowPeerProtocol;

typedef enum
{
  BURROW_PEER_SIDE_CONNECTING,
  BURROW_PEER_SIDE_ACCEPTING,
  BURROW_PEER_SIDE_NAT,
} BurrowPeerSide;

/* Most bytes of a file list we take into memory. */
#define BURROW_PEER_MAX_LIST_BYTES (256 * 1024 * 1024)
#define BURROW_PEER_HANDSHAKE_TIMEOUT_MS (30 * 1000)

#define BURROW_TYPE_PEER_CONNECTION (burrow_peer_connection_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPeerConnection, burrow_peer_connection, BURROW, PEER_CONNECTION, GObject)

/**
 * BurrowPeerTokenFunc:
 * @token: the TO the connecting peer sent
 * @cid: the ID it sent
 *
 * Accepting side: is this a connection we expect? Returning %FALSE drops it.
 */
typedef gboolean (*BurrowPeerTokenFunc) (BurrowPeerConnection *connection,
                                         const gchar          *token,
                                         const gchar          *cid,
                                         gpointer              user_data);

/**
 * BurrowPeerSource:
 * @bytes: the object in memory (file lists, partial lists, tree leaves), or %NULL
 * @path: a real file (already checked to be inside the share), or %NULL
 * @size: the object's total size in bytes
 * @mini: may be served without a free slot (lists, trees, small files)
 * @virtual_path: the shared path (for GFI/RES), or %NULL
 * @tth: the TTH root in base32 (for GFI/RES), or %NULL
 *
 * What an upload serves.
 */
typedef struct
{
  GBytes   *bytes;
  gchar    *path;
  guint64   size;
  gboolean  mini;
  gchar    *virtual_path;
  gchar    *tth;
} BurrowPeerSource;

BurrowPeerSource *burrow_peer_source_new_bytes (GBytes           *bytes,
                                                gboolean          mini);
BurrowPeerSource *burrow_peer_source_new_file  (const gchar      *path,
                                                guint64           size,
                                                gboolean          mini);
void              burrow_peer_source_free      (BurrowPeerSource *source);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowPeerSource, burrow_peer_source_free)

/**
 * BurrowPeerSourceFunc:
 * @type: "file", "list" or "tthl"
 * @identifier: "files.xml.bz2", "TTH/…", "/dir/"
 * @recursive: for "list": RE1 was given
 *
 * Uploading: what to send for a GET (or GFI), or %NULL with @error
 * (%BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE, …).
 */
typedef BurrowPeerSource *(*BurrowPeerSourceFunc) (BurrowPeerConnection  *connection,
                                                   const gchar           *type,
                                                   const gchar           *identifier,
                                                   gboolean               recursive,
                                                   GError               **error,
                                                   gpointer               user_data);

/**
 * BurrowPeerSlotFunc:
 * @acquire: %TRUE to take an upload slot, %FALSE to give it back
 *
 * Returns: (when acquiring) whether a slot was free
 */
typedef gboolean (*BurrowPeerSlotFunc) (BurrowPeerConnection *connection,
                                        gboolean              acquire,
                                        gpointer              user_data);

/**
 * BurrowPeerSinkFunc:
 *
 * Downloading: the next bytes of the requested range, in order. Return
 * %FALSE with @error to abort (bad data, disk full); the connection is
 * then dropped, since the rest of the range is already on its way.
 */
typedef gboolean (*BurrowPeerSinkFunc) (BurrowPeerConnection  *connection,
                                        const guint8          *data,
                                        gsize                  len,
                                        GError               **error,
                                        gpointer               user_data);

BurrowPeerConnection *burrow_peer_connection_new          (GIOStream            *stream,
                                                           BurrowPeerSide        side,
                                                           BurrowIdentity       *identity,
                                                           const gchar          *token);
/* An NMDC connection. Its token is the peer's nick.
 * @our_nick: our nick on the hub that brokered it (UTF-8; @charset, the hub's, encodes it in
 *   `$MyNick`; `$ADCGET` paths are always UTF-8)
 * @peer_nick: (nullable): the nick we expect (connecting and NAT sides); NULL on the accepting
 *   side, where the token func gets the nick of the peer's `$MyNick` (and a NULL cid)
 * @want_download: whether we mean to download on it (`$Direction Download`); when both sides
 *   want to, the higher random number downloads and the other serves (equal numbers: closed).
 * On the NAT side both send `$MyNick` and `$Lock` at once. A peer without `ADCGet` and `TTHF` in
 * its `$Supports` is refused with a clear error, as eiskaltdcpp does. */
BurrowPeerConnection *burrow_peer_connection_new_nmdc     (GIOStream            *stream,
                                                           BurrowPeerSide        side,
                                                           const gchar          *our_nick,
                                                           const gchar          *peer_nick,
                                                           const gchar          *charset,
                                                           gboolean              want_download);
BurrowPeerProtocol    burrow_peer_connection_get_protocol (BurrowPeerConnection *self);
/* NMDC: the peer's nick from its `$MyNick` (NULL before the handshake); ADC: NULL. */
const gchar          *burrow_peer_connection_get_peer_nick (BurrowPeerConnection *self);
/* Whether this side downloads: always on ADC; on NMDC once the `$Direction` exchange made us the
 * downloader. */
gboolean              burrow_peer_connection_can_download (BurrowPeerConnection *self);
/* "SHA256/<base32>" of the peer's TLS certificate, NULL on plain connections (NMDC has no
 * keyprints: it is recorded and shown, not checked). */
gchar                *burrow_peer_connection_dup_peer_keyprint (BurrowPeerConnection *self);
void                  burrow_peer_connection_set_token_func (BurrowPeerConnection *self,
                                                           BurrowPeerTokenFunc   func,
                                                           gpointer              user_data);
void                  burrow_peer_connection_set_source_func (BurrowPeerConnection *self,
                                                           BurrowPeerSourceFunc  func,
                                                           BurrowPeerSlotFunc    slot_func,
                                                           gpointer              user_data);
void                  burrow_peer_connection_set_handshake_timeout (BurrowPeerConnection *self,
                                                                    guint                 timeout_ms);
void                  burrow_peer_connection_handshake_async  (BurrowPeerConnection *self,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
gboolean              burrow_peer_connection_handshake_finish (BurrowPeerConnection *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
void                  burrow_peer_connection_get_file_list_async  (BurrowPeerConnection *self,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
GBytes               *burrow_peer_connection_get_file_list_finish (BurrowPeerConnection *self,
                                                                   GAsyncResult         *result,
                                                                   GError              **error);
void                  burrow_peer_connection_download_async  (BurrowPeerConnection *self,
                                                              const gchar          *type,
                                                              const gchar          *identifier,
                                                              guint64               offset,
                                                              gint64                length,
                                                              gboolean              compressed,
                                                              BurrowPeerSinkFunc    sink,
                                                              gpointer              sink_data,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
gboolean              burrow_peer_connection_download_finish (BurrowPeerConnection *self,
                                                              GAsyncResult         *result,
                                                              guint64              *received,
                                                              GError              **error);
void                  burrow_peer_connection_close        (BurrowPeerConnection *self);
void                  burrow_peer_connection_set_receiving (BurrowPeerConnection *self,
                                                            gboolean              receiving);
guint64               burrow_peer_connection_get_bytes_sent     (BurrowPeerConnection *self);
guint64               burrow_peer_connection_get_bytes_received (BurrowPeerConnection *self);
gboolean              burrow_peer_connection_is_uploading (BurrowPeerConnection *self);

const gchar          *burrow_peer_connection_get_peer_cid (BurrowPeerConnection *self);
const gchar          *burrow_peer_connection_get_token    (BurrowPeerConnection *self);
BurrowPeerSide        burrow_peer_connection_get_side     (BurrowPeerConnection *self);
gboolean              burrow_peer_connection_is_tls       (BurrowPeerConnection *self);
void                  burrow_peer_connection_set_attempt  (BurrowPeerConnection *self,
                                                           BurrowPunchAttempt   *attempt);
BurrowPunchAttempt   *burrow_peer_connection_get_attempt  (BurrowPeerConnection *self);
gboolean              burrow_peer_connection_is_closed    (BurrowPeerConnection *self);

G_END_DECLS
