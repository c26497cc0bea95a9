/* burrow-transfer-private.h — what the transfer manager changes on a BurrowTransfer
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-transfer.h"

G_BEGIN_DECLS

/* Rate window: samples kept (one per sampler tick). */
#define BURROW_TRANSFER_RATE_SAMPLES 5

BurrowTransfer *_burrow_transfer_new          (BurrowTransferDirection direction,
                                               const gchar            *nick,
                                               const gchar            *cid,
                                               const gchar            *hub,
                                               const gchar            *name,
                                               guint64                 size,
                                               gint64                  item_id);
void            _burrow_transfer_set_state    (BurrowTransfer         *self,
                                               BurrowTransferState     state,
                                               const gchar            *error);
/* How its connection was made, and what runs on it. */
void            _burrow_transfer_set_method   (BurrowTransfer         *self,
                                               BurrowPeerProtocol      protocol,
                                               BurrowPunchMethod       method,
                                               gboolean                tls);
void            _burrow_transfer_set_name     (BurrowTransfer         *self,
                                               const gchar            *name,
                                               guint64                 size);
/* Counters change per chunk without notifications; _sample publishes them. */
void            _burrow_transfer_add_bytes    (BurrowTransfer         *self,
                                               guint64                 n);
void            _burrow_transfer_set_position_quiet (BurrowTransfer   *self,
                                               guint64                 position);
/* Called by the sampler (≤ 4 Hz): computes the rate over the last second and
 * the ETA from @remaining_rate (the whole file's rate; 0: use this one's). */
void            _burrow_transfer_sample       (BurrowTransfer         *self,
                                               gint64                  now_us);
void            _burrow_transfer_set_eta_rate (BurrowTransfer         *self,
                                               guint64                 file_rate);

G_END_DECLS
