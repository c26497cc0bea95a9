/* burrow-upload-service.h — serving uploads: what we hand out, slots and caps, upload transfers
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-peer-dialer.h"
#include "burrow-share.h"
#include "burrow-transfer.h"

G_BEGIN_DECLS

#define BURROW_UPLOAD_DEFAULT_SLOTS 3

/* What one peer (CID) may make us do as an uploader. A request over a limit is refused with
 * ADC STA 153 (slots full) and the connection closed: the peer queues and comes back. */
#define BURROW_UPLOAD_SLOTS_PER_USER          1   /* normal slots; mini-slots are not counted */
#define BURROW_UPLOAD_CONNECTIONS_PER_USER    4   /* open upload connections of one CID */
#define BURROW_UPLOAD_CONNECTIONS_MAX         64  /* open upload connections in all */
/* An upload (or an idle upload connection) without progress this long is closed, its slot
 * freed. Progress is counted as data handed to the connection, which takes up to a megabyte
 * at a time (and holds a few): this is long enough for a downloader at a few KiB/s. */
#define BURROW_UPLOAD_IDLE_TIMEOUT_MS         (5 * 60 * 1000)
/* Partial lists (GET list): a token bucket per CID, this many at once, one more per interval. */
#define BURROW_UPLOAD_LIST_BURST              10
#define BURROW_UPLOAD_LIST_REFILL_MS          2000
/* Generated partial lists kept for the current share tree. */
#define BURROW_UPLOAD_LIST_CACHE_MAX          16

#define BURROW_TYPE_UPLOAD_SERVICE (burrow_upload_service_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUploadService, burrow_upload_service, BURROW, UPLOAD_SERVICE, GObject)

BurrowUploadService *burrow_upload_service_new                 (BurrowPeerDialer    *dialer,
                                                                BurrowShare         *share,
                                                                const gchar         *own_id);
void                 burrow_upload_service_set_source_func     (BurrowUploadService *self,
                                                                BurrowPeerSourceFunc func,
                                                                BurrowPeerSlotFunc   slot_func,
                                                                gpointer             user_data);
void                 burrow_upload_service_set_file_list       (BurrowUploadService *self,
                                                                GBytes              *compressed);
GBytes              *burrow_upload_service_get_file_list       (BurrowUploadService *self);
void                 burrow_upload_service_set_slots           (BurrowUploadService *self,
                                                                guint                slots);
guint                burrow_upload_service_get_slots           (BurrowUploadService *self);
guint                burrow_upload_service_get_slots_used      (BurrowUploadService *self);
void                 burrow_upload_service_set_idle_timeout    (BurrowUploadService *self,
                                                                guint                ms);
guint                burrow_upload_service_get_n_connections   (BurrowUploadService *self);
guint64              burrow_upload_service_get_n_lists_generated (BurrowUploadService *self);
void                 burrow_upload_service_forget_lists        (BurrowUploadService *self);

G_END_DECLS
