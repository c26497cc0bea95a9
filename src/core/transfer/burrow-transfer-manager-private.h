/* burrow-transfer-manager-private.h — what the manager's two files share
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-download-writer.h"
#include "burrow-peer-pool.h"
#include "burrow-search.h"
#include "burrow-transfer-manager.h"

G_BEGIN_DECLS

/* burrow-transfer-manager.c: the queue, the downloads, scheduling, sampling, the object.
 * burrow-transfer-manager-workers.c: the workers (one per source of a running download), the
 * blocks they fetch, the segments and tree they request, and the connections they lend. */

#define JOB_BYTES         BURROW_DOWNLOAD_JOB_BYTES
#define JOB_MAX_IN_FLIGHT BURROW_DOWNLOAD_JOB_MAX_IN_FLIGHT

typedef struct _Download Download;
typedef struct _Worker   Worker;
typedef struct _Job      Job;

struct _BurrowTransferManager
{
  GObject              parent_instance;

  /* owned */
  BurrowPeerDialer    *dialer;
  BurrowPeerPool      *pool;
  BurrowUploadService *uploads;       /* nullable: its transfers are listed too */
  BurrowSearchRouter  *router;        /* nullable */
  gchar               *own_id;
  BurrowDownloadQueue *queue;
  GListStore          *transfers;
  GHashTable          *downloads;     /* gint64 item id → Download */
  GHashTable          *busy_cids;     /* cid → GUINT count of workers */
  GHashTable          *lent;          /* BurrowPeerConnection → Worker: lent out between segments */
  GHashTable          *retry_at;      /* gint64 item id → gint64 monotonic µs */
  GHashTable          *retry_delay;   /* gint64 item id → guint ms (current back-off) */
  GHashTable          *source_wait;   /* "id cid" → gint64 monotonic µs before which the source rests */

  guint                schedule_id;
  guint                tick_id;
  guint                sample_id;
  guint                retry_ms;
  guint                max_downloads;
  gboolean             auto_search;
  gboolean             running;
  gboolean             disposed;
  guint64              bytes_downloaded;
  guint                n_corrupt;
  GPtrArray           *spare_buffers; /* JOB_BYTES each, for the next jobs */
};

struct _Download
{
  BurrowTransferManager *manager;
  BurrowQueueItem       *item;          /* owned */
  gint                   fd;
  gchar                 *part_path;
  guint8                *assigned;      /* per block: a worker fetches it */
  guint64                n_blocks;
  GPtrArray             *workers;       /* Worker *, borrowed (a worker frees itself) */
  GPtrArray             *tried;         /* cids started in this run */
  gboolean               checking;      /* a check thread holds a reference */
  guint                  n_jobs;        /* write-and-hash jobs in flight (each holds @d and @fd) */
  BurrowBlockPieces     *pieces;        /* blocks larger than a job, in parts */
  gboolean               checked;
  gboolean               finishing;
  gboolean               stopped;
  GError                *last_error;
  BurrowSearch          *search;
  guint                  search_stop_id;
  gulong                 state_handler;
};

struct _Worker
{
  BurrowTransferManager *manager;
  Download              *download;      /* NULL once detached */
  gchar                 *cid;
  gchar                 *hub;
  gchar                 *nick;
  BurrowPeerConnection  *peer;          /* owned */
  BurrowTransfer        *transfer;      /* owned */
  GCancellable          *cancellable;
  gboolean               pending;       /* a connect or GET is in flight */
  gboolean               aborted;
  gboolean               tree_request;
  guint64                seg_start;
  guint64                seg_end;
  guint64                pos;
  guint64                dispatched;    /* data before this offset went into jobs */
  Job                   *job;           /* being filled */
  guint                  n_jobs;        /* in flight; the struct outlives its free until 0 */
  gboolean               rx_paused;     /* the connection stopped reading for the jobs */
  gboolean               waiting;       /* nothing left to fetch; waits for its jobs' verdicts */
  gboolean               zombie;        /* freed but for the struct: jobs still point here */
  gboolean               lent;          /* its connection is borrowed (a file list); it waits */
  GError                *failure;       /* a job's verdict while a GET was in flight */
  GByteArray            *tree_buf;
};

/* A write-and-hash job (burrow-download-writer.h) and whose data it is. */
struct _Job
{
  BurrowDownloadJob  io;
  Download          *download;      /* borrowed: d->n_jobs */
  Worker            *worker;        /* borrowed: w->n_jobs */
  gchar             *cid;           /* the source, for the verdict */
  gchar             *nick;
};

/* burrow-transfer-manager.c */
void        _burrow_unref_later                     (gpointer                  object);
BurrowUser *_burrow_transfer_manager_find_user      (BurrowTransferManager    *self,
                                                     const gchar              *cid,
                                                     const gchar              *hub);
void        _burrow_transfer_manager_source_rest    (BurrowTransferManager    *self,
                                                     BurrowQueueItem          *item,
                                                     const gchar              *cid);
void        _burrow_transfer_manager_cid_take       (BurrowTransferManager    *self,
                                                     const gchar              *cid);
void        _burrow_transfer_manager_cid_release    (BurrowTransferManager    *self,
                                                     const gchar              *cid);
void        _burrow_download_release                (Download                 *d);
void        _burrow_download_stop                   (Download                 *d,
                                                     BurrowQueueState          state,
                                                     const GError             *error);
void        _burrow_download_finish                 (Download                 *d);
gboolean    _burrow_transfer_manager_source_usable  (BurrowTransferManager    *self,
                                                     BurrowQueueItem          *item,
                                                     const BurrowQueueSource  *source);
void        _burrow_transfer_manager_schedule_soon  (BurrowTransferManager    *self);
void        _burrow_transfer_manager_sampler_ensure (BurrowTransferManager    *self);

/* burrow-transfer-manager-workers.c */
gboolean             _burrow_worker_lend_func        (BurrowPeerPool         *pool,
                                                      const gchar            *cid,
                                                      gboolean                lend_now,
                                                      gpointer                user_data);
gboolean             _burrow_worker_on_pool_returned (BurrowPeerPool         *pool,
                                                      const gchar            *cid,
                                                      BurrowPeerConnection   *peer,
                                                      BurrowTransferManager  *self);
const BurrowTthTree *_burrow_download_tree           (Download               *d);
void                 _burrow_download_alloc_blocks   (Download               *d);
gboolean             _burrow_download_all_verified   (Download               *d);
gboolean             _burrow_download_has_free_block (Download               *d);
void                 _burrow_worker_free             (Worker                 *w);
void                 _burrow_worker_abort            (Worker                 *w);
void                 _burrow_worker_end              (Worker                 *w,
                                                      const GError           *error);
void                 _burrow_worker_next             (Worker                 *w);
void                 _burrow_worker_spawn            (Download               *d,
                                                      const gchar            *cid,
                                                      const gchar            *hub,
                                                      const gchar            *nick);

G_END_DECLS
