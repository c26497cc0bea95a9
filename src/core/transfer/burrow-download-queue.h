/* burrow-download-queue.h — the persistent download queue (SQLite) and its items
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"
#include "burrow-file-tree.h"
#include "burrow-tth.h"

G_BEGIN_DECLS

/* Longest file name we create (bytes, like NAME_MAX). */
#define BURROW_DOWNLOAD_MAX_NAME        255
/* Deepest folder tree a folder download creates. */
#define BURROW_DOWNLOAD_MAX_DEPTH       64
/* Most files one folder download enqueues. */
#define BURROW_DOWNLOAD_MAX_FOLDER_FILES 100000
/* Verified-block state is written to the database at most this often. */
#define BURROW_DOWNLOAD_FLUSH_INTERVAL_MS 1000
/* Suffix of partial files (".<name>.<id>.burrow-part" beside the target). */
#define BURROW_DOWNLOAD_PART_SUFFIX     ".burrow-part"

/**
 * BurrowQueueState:
 * @BURROW_QUEUE_STATE_QUEUED: waiting for a source (or a slot)
 * @BURROW_QUEUE_STATE_RUNNING: being downloaded
 * @BURROW_QUEUE_STATE_PAUSED: stopped by the user, or by a local error (disk full); data kept
 * @BURROW_QUEUE_STATE_FAILED: given up (no usable source left); data kept
 * @BURROW_QUEUE_STATE_DONE: verified and moved to its final name
 */
typedef enum
{
  BURROW_QUEUE_STATE_QUEUED,
  BURROW_QUEUE_STATE_RUNNING,
  BURROW_QUEUE_STATE_PAUSED,
  BURROW_QUEUE_STATE_FAILED,
  BURROW_QUEUE_STATE_DONE,
} BurrowQueueState;

/**
 * BurrowQueuePriority:
 *
 * Higher priorities start first.
 */
typedef enum
{
  BURROW_QUEUE_PRIORITY_LOWEST,
  BURROW_QUEUE_PRIORITY_LOW,
  BURROW_QUEUE_PRIORITY_NORMAL,
  BURROW_QUEUE_PRIORITY_HIGH,
  BURROW_QUEUE_PRIORITY_HIGHEST,
} BurrowQueuePriority;

/**
 * BurrowQueueSource:
 * @cid: the user's CID (base32)
 * @hub: the hub URL where it was seen
 * @nick: the nick it had there (a hint for display)
 * @bad: it sent data that failed verification (or a tree that did not match)
 */
typedef struct
{
  gchar    *cid;
  gchar    *hub;
  gchar    *nick;
  gboolean  bad;
} BurrowQueueSource;

#define BURROW_TYPE_QUEUE_ITEM (burrow_queue_item_get_type ())

G_DECLARE_FINAL_TYPE (BurrowQueueItem, burrow_queue_item, BURROW, QUEUE_ITEM, GObject)

gint64               burrow_queue_item_get_id            (BurrowQueueItem *self);
const gchar         *burrow_queue_item_get_name          (BurrowQueueItem *self);
const gchar         *burrow_queue_item_get_target_dir    (BurrowQueueItem *self);
gchar               *burrow_queue_item_dup_part_path     (BurrowQueueItem *self);
const gchar         *burrow_queue_item_get_final_path    (BurrowQueueItem *self);
guint64              burrow_queue_item_get_size          (BurrowQueueItem *self);
const gchar         *burrow_queue_item_get_tth           (BurrowQueueItem *self);
const guint8        *burrow_queue_item_get_root          (BurrowQueueItem *self);
BurrowQueuePriority  burrow_queue_item_get_priority      (BurrowQueueItem *self);
BurrowQueueState     burrow_queue_item_get_state         (BurrowQueueItem *self);
const GError        *burrow_queue_item_get_error         (BurrowQueueItem *self);
const gchar         *burrow_queue_item_get_error_message (BurrowQueueItem *self);
gint64               burrow_queue_item_get_added         (BurrowQueueItem *self);
guint64              burrow_queue_item_get_verified_bytes (BurrowQueueItem *self);
guint                burrow_queue_item_get_n_sources     (BurrowQueueItem *self);
const BurrowQueueSource *burrow_queue_item_get_source    (BurrowQueueItem *self,
                                                          guint            index);
const BurrowQueueSource *burrow_queue_item_find_source   (BurrowQueueItem *self,
                                                          const gchar     *cid);
/* The Tiger tree once known (fetched with tthl, or the root alone for small files). */
const BurrowTthTree *burrow_queue_item_get_tree          (BurrowQueueItem *self);
guint64              burrow_queue_item_get_n_blocks      (BurrowQueueItem *self);
gboolean             burrow_queue_item_is_block_verified (BurrowQueueItem *self,
                                                          guint64          block);

#define BURROW_TYPE_DOWNLOAD_QUEUE (burrow_download_queue_get_type ())

G_DECLARE_FINAL_TYPE (BurrowDownloadQueue, burrow_download_queue, BURROW, DOWNLOAD_QUEUE, GObject)

BurrowDownloadQueue *burrow_download_queue_new           (BurrowDatabase       *database,
                                                          GError              **error);
BurrowQueueItem     *burrow_download_queue_add_file      (BurrowDownloadQueue  *self,
                                                          const gchar          *tth,
                                                          guint64               size,
                                                          const gchar          *name,
                                                          const gchar          *target_dir,
                                                          const gchar          *cid,
                                                          const gchar          *hub,
                                                          const gchar          *nick,
                                                          GError              **error);
GPtrArray           *burrow_download_queue_add_folder    (BurrowDownloadQueue  *self,
                                                          const BurrowFileNode *folder,
                                                          const gchar          *target_dir,
                                                          const gchar          *cid,
                                                          const gchar          *hub,
                                                          const gchar          *nick,
                                                          GError              **error);
gboolean             burrow_download_queue_add_source    (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          const gchar          *cid,
                                                          const gchar          *hub,
                                                          const gchar          *nick,
                                                          GError              **error);
gboolean             burrow_download_queue_remove        (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          gboolean              delete_data,
                                                          GError              **error);
gboolean             burrow_download_queue_pause         (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          GError              **error);
gboolean             burrow_download_queue_resume        (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          GError              **error);
gboolean             burrow_download_queue_set_priority  (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          BurrowQueuePriority   priority,
                                                          GError              **error);
BurrowQueueItem     *burrow_download_queue_lookup        (BurrowDownloadQueue  *self,
                                                          gint64                id);
BurrowQueueItem     *burrow_download_queue_lookup_tth    (BurrowDownloadQueue  *self,
                                                          const gchar          *tth);
guint                burrow_download_queue_count_unfinished (BurrowDownloadQueue *self);

/* For the transfer manager (main thread). State changes are written at once;
 * verified blocks are batched and written by burrow_download_queue_flush(). */
void                 burrow_download_queue_set_state     (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          BurrowQueueState      state,
                                                          const GError         *error);
void                 burrow_download_queue_set_error     (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          const GError         *error);
gboolean             burrow_download_queue_set_tree      (BurrowDownloadQueue  *self,
                                                          BurrowQueueItem      *item,
                                                          BurrowTthTree        *tree,
                                                          GError              **error);
void                 burrow_download_queue_set_block_verified (BurrowDownloadQueue *self,
                                                          BurrowQueueItem      *item,
                                                          guint64               block,
                                                          gboolean              verified);
void                 burrow_download_queue_mark_source_bad (BurrowDownloadQueue *self,
                                                          BurrowQueueItem      *item,
                                                          const gchar          *cid);
void                 burrow_download_queue_set_final_path (BurrowDownloadQueue *self,
                                                          BurrowQueueItem      *item,
                                                          const gchar          *path);
gboolean             burrow_download_queue_flush         (BurrowDownloadQueue  *self,
                                                          GError              **error);

/* Pure helpers (unit-tested). */
gchar               *burrow_download_sanitize_name       (const gchar          *name);
gchar               *burrow_download_build_path          (const gchar          *target_dir,
                                                          const gchar * const  *components,
                                                          GError              **error);
gchar               *burrow_download_numbered_name       (const gchar          *name,
                                                          guint                 n);

G_END_DECLS
