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
#include "burrow-transfer.h"

G_BEGIN_DECLS

typedef struct _BurrowClient BurrowClient;

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
/* How often transfers publish position, rate and ETA (≤ 4 Hz). */
#define BURROW_TRANSFER_SAMPLE_MS        250
/* An idle connection to a source is kept this long for its next file. */
#define BURROW_DOWNLOAD_IDLE_KEEP_MS     (10 * 1000)
/* Default first retry delay after "no slots" or no source online; doubles up to the max. */
#define BURROW_DOWNLOAD_RETRY_MS         (10 * 1000)
#define BURROW_DOWNLOAD_RETRY_MAX_MS     (5 * 60 * 1000)
/* Alternate-source search (by TTH) runs this long when a file starts. */
#define BURROW_DOWNLOAD_SEARCH_MS        (60 * 1000)

#define BURROW_TYPE_TRANSFER_MANAGER (burrow_transfer_manager_get_type ())

G_DECLARE_FINAL_TYPE (BurrowTransferManager, burrow_transfer_manager, BURROW, TRANSFER_MANAGER, GObject)

BurrowTransferManager *burrow_transfer_manager_new         (BurrowClient          *client,
                                                            BurrowDownloadQueue   *queue);
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
/* A connection to a user that a download has (idle, or between two requests of a running one),
 * for another request to that user: two connections between the same hub ports cannot exist
 * (NAT traversal binds them). Given back with burrow_transfer_manager_keep_connection(). */
void                 burrow_transfer_manager_borrow_connection_async  (BurrowTransferManager  *self,
                                                                       const gchar            *cid,
                                                                       GCancellable           *cancellable,
                                                                       GAsyncReadyCallback     callback,
                                                                       gpointer                user_data);
BurrowPeerConnection *burrow_transfer_manager_borrow_connection_finish (BurrowTransferManager  *self,
                                                                       GAsyncResult           *result,
                                                                       GError                **error);
/* Keeps @peer (transfer full) as the idle connection to @cid, for the next file (or gives a
 * borrowed connection back to its download). */
void                 burrow_transfer_manager_keep_connection (BurrowTransferManager *self,
                                                            const gchar           *cid,
                                                            BurrowPeerConnection  *peer);
/* Statistics (for tests and the benchmark). */
guint64              burrow_transfer_manager_get_bytes_downloaded (BurrowTransferManager *self);
guint                burrow_transfer_manager_get_n_corrupt_blocks (BurrowTransferManager *self);

G_END_DECLS
