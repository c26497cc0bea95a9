/* burrow-transfer-manager.h — runs the download queue; the list of transfers
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-download-queue.h"
#include "burrow-peer-connection.h"
#include "burrow-peer-dialer.h"
#include "burrow-peer-pool.h"
#include "burrow-search.h"
#include "burrow-search-router.h"
#include "burrow-transfer.h"
#include "burrow-upload-service.h"

G_BEGIN_DECLS

/* One GET asks for at most this much (whole tree blocks). */
#define BURROW_DOWNLOAD_SEGMENT_MAX      (8 * 1024 * 1024)
/* Files above this size are fetched from several sources at once. */
#define BURROW_DOWNLOAD_SEGMENTED_MIN    (16 * 1024 * 1024)
/* Most connections (sources) one file uses at once. */
#define BURROW_DOWNLOAD_MAX_SOURCES      4
/* Files up to this size need no `tthl`: the root is the only check (as DC++). */
#define BURROW_DOWNLOAD_TREE_MIN_SIZE    (64 * 1024)
/* Largest `tthl` answer we take (24 bytes per leaf). */
#define BURROW_DOWNLOAD_MAX_TREE_BYTES   (24 * 1024 * 1024)
/* An idle connection to a source is kept this long for its next file (by the pool). */
#define BURROW_DOWNLOAD_IDLE_KEEP_MS     BURROW_PEER_POOL_IDLE_KEEP_MS
/* Default first retry delay after "no slots" or no source online; doubles up to the max. */
#define BURROW_DOWNLOAD_RETRY_MS         (10 * 1000)
#define BURROW_DOWNLOAD_RETRY_MAX_MS     (5 * 60 * 1000)
/* Alternate-source search (by TTH) runs this long when a file starts. */
#define BURROW_DOWNLOAD_SEARCH_MS        (60 * 1000)

#define BURROW_TYPE_TRANSFER_MANAGER (burrow_transfer_manager_get_type ())

G_DECLARE_FINAL_TYPE (BurrowTransferManager, burrow_transfer_manager, BURROW, TRANSFER_MANAGER, GObject)

BurrowTransferManager *burrow_transfer_manager_new         (BurrowDownloadQueue   *queue,
                                                            BurrowPeerDialer      *dialer,
                                                            BurrowPeerPool        *pool,
                                                            BurrowSearchRouter    *router,
                                                            const gchar           *own_id);
void                 burrow_transfer_manager_show_uploads  (BurrowTransferManager *self,
                                                            BurrowUploadService   *uploads);
GListModel          *burrow_transfer_manager_get_transfers (BurrowTransferManager *self);
BurrowDownloadQueue *burrow_transfer_manager_get_queue     (BurrowTransferManager *self);
void                 burrow_transfer_manager_set_retry_delay (BurrowTransferManager *self,
                                                            guint                  ms);
void                 burrow_transfer_manager_set_max_downloads (BurrowTransferManager *self,
                                                            guint                  n);
void                 burrow_transfer_manager_set_auto_search (BurrowTransferManager *self,
                                                            gboolean               enabled);
void                 burrow_transfer_manager_set_running   (BurrowTransferManager *self,
                                                            gboolean               running);
/* Wakes the scheduler now (after adding items or sources). */
void                 burrow_transfer_manager_kick          (BurrowTransferManager *self);
/* Statistics (for tests and the benchmark). */
guint64              burrow_transfer_manager_get_bytes_downloaded (BurrowTransferManager *self);
guint                burrow_transfer_manager_get_n_corrupt_blocks (BurrowTransferManager *self);

G_END_DECLS
