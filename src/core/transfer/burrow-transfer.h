/* burrow-transfer.h — one running upload or download, as the transfers view shows it
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-peer-connection.h"
#include "burrow-punch-attempt.h"

G_BEGIN_DECLS

/* How often transfers publish position, rate and ETA (≤ 4 Hz). */
#define BURROW_TRANSFER_SAMPLE_MS        250

/**
 * BurrowTransferDirection:
 * @BURROW_TRANSFER_DIRECTION_DOWNLOAD: we receive
 * @BURROW_TRANSFER_DIRECTION_UPLOAD: we send
 */
typedef enum
{
  BURROW_TRANSFER_DIRECTION_DOWNLOAD,
  BURROW_TRANSFER_DIRECTION_UPLOAD,
} BurrowTransferDirection;

/**
 * BurrowTransferState:
 * @BURROW_TRANSFER_STATE_CONNECTING: reaching the peer
 * @BURROW_TRANSFER_STATE_TREE: fetching the Tiger tree leaves
 * @BURROW_TRANSFER_STATE_CHECKING: verifying data already on disk
 * @BURROW_TRANSFER_STATE_RUNNING: data flows
 * @BURROW_TRANSFER_STATE_FINISHED: done (this connection's part)
 * @BURROW_TRANSFER_STATE_FAILED: ended with an error (see #BurrowTransfer:error)
 */
typedef enum
{
  BURROW_TRANSFER_STATE_CONNECTING,
  BURROW_TRANSFER_STATE_TREE,
  BURROW_TRANSFER_STATE_CHECKING,
  BURROW_TRANSFER_STATE_RUNNING,
  BURROW_TRANSFER_STATE_FINISHED,
  BURROW_TRANSFER_STATE_FAILED,
} BurrowTransferState;

#define BURROW_TYPE_TRANSFER (burrow_transfer_get_type ())

G_DECLARE_FINAL_TYPE (BurrowTransfer, burrow_transfer, BURROW, TRANSFER, GObject)

BurrowTransferDirection burrow_transfer_get_direction (BurrowTransfer *self);
const gchar         *burrow_transfer_get_nick        (BurrowTransfer *self);
const gchar         *burrow_transfer_get_cid         (BurrowTransfer *self);
const gchar         *burrow_transfer_get_hub         (BurrowTransfer *self);
const gchar         *burrow_transfer_get_name        (BurrowTransfer *self);
guint64              burrow_transfer_get_size        (BurrowTransfer *self);
guint64              burrow_transfer_get_position    (BurrowTransfer *self);
guint64              burrow_transfer_get_bytes       (BurrowTransfer *self);
guint64              burrow_transfer_get_rate        (BurrowTransfer *self);
gint64               burrow_transfer_get_eta         (BurrowTransfer *self);
BurrowTransferState  burrow_transfer_get_state       (BurrowTransfer *self);
BurrowPunchMethod    burrow_transfer_get_method      (BurrowTransfer *self);
gboolean             burrow_transfer_get_tls         (BurrowTransfer *self);
/* ADC or NMDC: the client-client protocol of its connection (ADC until connected). */
BurrowPeerProtocol   burrow_transfer_get_protocol    (BurrowTransfer *self);
const gchar         *burrow_transfer_get_error       (BurrowTransfer *self);
gint64               burrow_transfer_get_item_id     (BurrowTransfer *self);
gchar               *burrow_transfer_to_json         (BurrowTransfer *self);

const gchar         *burrow_transfer_state_to_string (BurrowTransferState state);

G_END_DECLS
