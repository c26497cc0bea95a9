/* burrow-transfer-manager.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-transfer-manager"
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "burrow-adc-hub-session.h"
#include "burrow-client.h"
#include "burrow-peer-enums.h"
#include "burrow-transfer-enums.h"
#include "burrow-error.h"
#include "burrow-identity.h"
#include "burrow-nat-connector.h"
#include "burrow-search.h"
#include "burrow-transfer-private.h"

#include "burrow-transfer-manager.h"

/* Reads of the resume check. */
#define CHECK_CHUNK (1024 * 1024)

/* Received file data is copied into jobs of at most this many bytes (whole pieces of
 * blocks); a thread writes each job to the part file and hashes it, so decrypting the next
 * bytes overlaps hashing the last ones. */
#define JOB_BYTES         (4 * 1024 * 1024)
/* Jobs one worker may have in flight; beyond that its connection stops reading. */
#define JOB_MAX_IN_FLIGHT 4
#define CACHE_LAG         (64 * 1024 * 1024)  /* written data dropped from the cache this far behind */

typedef struct _Download Download;
typedef struct _Worker   Worker;
typedef struct _Job      Job;

struct _BurrowTransferManager
{
  GObject              parent_instance;

  /* borrowed: the client owns us */
  BurrowClient        *client;

  /* owned */
  BurrowDownloadQueue *queue;
  GListStore          *transfers;
  GHashTable          *downloads;     /* gint64 item id → Download */
  GHashTable          *busy_cids;     /* cid → GUINT count of workers */
  GHashTable          *pool;          /* cid → PoolEntry (idle connections) */
  GHashTable          *borrowers;     /* cid → GQueue of GTask: waiting for a download's connection */
  GHashTable          *lent;          /* BurrowPeerConnection → Worker: lent out between segments */
  GHashTable          *retry_at;      /* gint64 item id → gint64 monotonic µs */
  GHashTable          *retry_delay;   /* gint64 item id → guint ms (current back-off) */
  GHashTable          *source_wait;   /* "id cid" → gint64 monotonic µs before which the source rests */
  GHashTable          *uploads;       /* BurrowPeerConnection → Upload */

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
  GHashTable            *pieces;        /* block → Pieces: blocks larger than a job, in parts */
  gboolean               checked;
  gboolean               finishing;
  gboolean               stopped;
  gchar                 *last_error;
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
  guint                  n_jobs;        /* in flight; the struct outlives worker_free () until 0 */
  gboolean               rx_paused;     /* the connection stopped reading for the jobs */
  gboolean               waiting;       /* nothing left to fetch; waits for its jobs' verdicts */
  gboolean               zombie;        /* freed but for the struct: jobs still point here */
  gboolean               lent;          /* its connection is borrowed (a file list); it waits */
  GError                *failure;       /* a job's verdict while a GET was in flight */
  GByteArray            *tree_buf;
};

/* A run of received bytes: whole pieces of P = MIN (block size, JOB_BYTES) bytes (the last
 * piece of the file may be shorter). The thread writes it and computes each piece's TTH; the
 * main thread compares (a piece that is a whole block) or combines pieces into the block's
 * root (burrow_tth_root_from_nodes: aligned power-of-two pieces are subtrees). */
struct _Job
{
  Download *download;      /* borrowed: d->n_jobs */
  Worker   *worker;        /* borrowed: w->n_jobs */
  gint      fd;
  guint64   offset;
  guint64   piece_size;
  guint8   *data;
  gsize     len;
  gsize     cap;
  gchar    *cid;           /* the source, for the verdict */
  gchar    *nick;
  guint8   *roots;         /* out: 24 bytes per hashed piece */
  gsize     written;       /* out: bytes written */
  gsize     n_hashed;      /* out: pieces hashed (all, or those written in full) */
  gint      saved_errno;   /* out: the write failed */
};

/* The piece roots of one block that spans several jobs. */
typedef struct
{
  guint    n_pieces;
  guint    n_done;
  guint8  *roots;
} Pieces;

typedef struct
{
  BurrowTransferManager *manager;
  gchar                 *cid;
  BurrowPeerConnection  *peer;
  guint                  timeout_id;
} PoolEntry;

enum {
  PROP_0,
  PROP_TRANSFERS,
  PROP_QUEUE,
  N_PROPS
};

enum {
  SIGNAL_DOWNLOAD_FINISHED,
  SIGNAL_DOWNLOAD_FAILED,
  SIGNAL_UPLOAD_STARTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowTransferManager, burrow_transfer_manager, G_TYPE_OBJECT)

static void schedule_soon      (BurrowTransferManager *self);
static void worker_next        (Worker *w);
static void serve_borrowers    (BurrowTransferManager *self,
                                const gchar           *cid);
static void worker_end         (Worker *w, const GError *error);
static void download_stop      (Download *d, BurrowQueueState state, const gchar *error_text);
static void download_finish    (Download *d);
static void spawn_worker       (Download *d, const gchar *cid, const gchar *hub, const gchar *nick);
static void sampler_ensure     (BurrowTransferManager *self);
static gboolean source_usable  (BurrowTransferManager *self, BurrowQueueItem *item,
                                const BurrowQueueSource *source);

/* --- helpers ------------------------------------------------------------------------------ */

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static gboolean
drop_cb (gpointer data)
{
  return G_SOURCE_REMOVE;   /* the destroy notify drops the reference */
}

static void
unref_later (gpointer object)
{
  /* never drop a peer connection from inside one of its own callbacks */
  if (object != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, drop_cb, object, g_object_unref);
}

static const gchar *
own_cid (BurrowTransferManager *self)
{
  return burrow_identity_get_cid (burrow_client_get_identity (self->client));
}

/* The user with @cid on a logged-in hub, preferring @hub. */
static BurrowUser *
find_user (BurrowTransferManager  *self,
           const gchar            *cid,
           const gchar            *hub,
           BurrowAdcHubSession   **out_session)
{
  GListModel *hubs = burrow_client_get_hubs (self->client);
  guint n = g_list_model_get_n_items (hubs);
  BurrowUser *found = NULL;

  for (guint pass = 0; pass < 2 && found == NULL; pass++)
    for (guint i = 0; i < n && found == NULL; i++)
      {
        g_autoptr(BurrowHubSession) session = g_list_model_get_item (hubs, i);
        gboolean same_hub = g_strcmp0 (burrow_hub_session_get_uri (session), hub) == 0;
        BurrowUser *user;

        if ((pass == 0) != same_hub || !BURROW_IS_ADC_HUB_SESSION (session) ||
            burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
          continue;
        user = burrow_hub_session_lookup_cid (session, cid);
        if (user != NULL)
          {
            found = user;
            *out_session = BURROW_ADC_HUB_SESSION (session);
          }
      }
  return found;
}

static gchar *
source_key (BurrowQueueItem *item,
            const gchar     *cid)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s", burrow_queue_item_get_id (item), cid);
}

static void
source_rest (BurrowTransferManager *self,
             BurrowQueueItem       *item,
             const gchar           *cid)
{
  gint64 *until = g_new (gint64, 1);

  *until = now_us () + (gint64) self->retry_ms * 1000;
  g_hash_table_replace (self->source_wait, source_key (item, cid), until);
}

static gboolean
source_resting (BurrowTransferManager *self,
                BurrowQueueItem       *item,
                const gchar           *cid)
{
  g_autofree gchar *key = source_key (item, cid);
  gint64 *until = g_hash_table_lookup (self->source_wait, key);

  return until != NULL && *until > now_us ();
}

static gboolean
cid_busy (BurrowTransferManager *self,
          const gchar           *cid)
{
  return g_hash_table_contains (self->busy_cids, cid);
}

static void
cid_take (BurrowTransferManager *self,
          const gchar           *cid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->busy_cids, cid));

  g_hash_table_replace (self->busy_cids, g_strdup (cid), GUINT_TO_POINTER (n + 1));
}

static void
cid_release (BurrowTransferManager *self,
             const gchar           *cid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->busy_cids, cid));

  if (n <= 1)
    g_hash_table_remove (self->busy_cids, cid);
  else
    g_hash_table_replace (self->busy_cids, g_strdup (cid), GUINT_TO_POINTER (n - 1));
}

static void
retry_later (BurrowTransferManager *self,
             BurrowQueueItem       *item)
{
  gint64 id = burrow_queue_item_get_id (item);
  guint delay = GPOINTER_TO_UINT (g_hash_table_lookup (self->retry_delay, &id));
  gint64 *key = g_memdup2 (&id, sizeof id);
  gint64 *at = g_new (gint64, 1);

  delay = delay == 0 ? self->retry_ms : MIN (delay * 2, MAX (self->retry_ms,
                                                             BURROW_DOWNLOAD_RETRY_MAX_MS));
  *at = now_us () + (gint64) delay * 1000;
  g_hash_table_replace (self->retry_delay, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (delay));
  g_hash_table_replace (self->retry_at, key, at);
}

typedef enum
{
  IO_CREATE,
  IO_READ,
  IO_WRITE,
  IO_MOVE,
} IoOp;

/* Whole sentences per operation, so that translators never assemble verbs. */
static GError *
io_error_from_errno (gint         saved,
                     const gchar *path,
                     IoOp         op)
{
  gint code = saved == ENOSPC || saved == EDQUOT ? BURROW_TRANSFER_ERROR_DISK_FULL
                                                 : BURROW_TRANSFER_ERROR_UNWRITABLE;
  const gchar *why = g_strerror (saved);

  if (code == BURROW_TRANSFER_ERROR_DISK_FULL)
    return g_error_new (BURROW_TRANSFER_ERROR, code,
                        _("The disk is full while writing %s; the download is paused and its data kept"),
                        path);
  switch (op)
    {
    case IO_CREATE:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot create %s: %s"), path, why);
    case IO_READ:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot read %s: %s"), path, why);
    case IO_MOVE:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot move the download to %s: %s"), path,
                          why);
    case IO_WRITE:
    default:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot write %s: %s"), path, why);
    }
}

/* Opens the part file at @path (@access: O_WRONLY or O_RDWR), creating it if it is not there.
 * The name is predictable, so whatever is planted there is refused rather than written
 * through: a symbolic link (ELOOP), or anything but a regular file of ours with one link
 * (EPERM). Returns
 * the descriptor, or -1 with errno set. */
static gint
open_part_file (const gchar *path,
                gint         access)
{
  struct stat st = { 0, };
  gint fd = open (path, access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  gint flags;

  if (fd >= 0 || errno != EEXIST)
    return fd;

  /* resuming: the existing file, never followed, never blocking on a FIFO */
  fd = open (path, access | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || st.st_nlink != 1)
    {
      close (fd);
      errno = EPERM;
      return -1;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

/* --- idle connection pool --------------------------------------------------------------- */

static void
pool_entry_free (PoolEntry *entry)
{
  g_clear_handle_id (&entry->timeout_id, g_source_remove);
  if (entry->peer != NULL)
    {
      g_signal_handlers_disconnect_by_data (entry->peer, entry);
      burrow_peer_connection_close (entry->peer);
      unref_later (g_steal_pointer (&entry->peer));
    }
  g_free (entry->cid);
  g_free (entry);
}

static gboolean
pool_timeout_cb (gpointer data)
{
  PoolEntry *entry = data;

  entry->timeout_id = 0;
  g_hash_table_remove (entry->manager->pool, entry->cid);
  return G_SOURCE_REMOVE;
}

static void
on_pool_peer_closed (BurrowPeerConnection *peer,
                     PoolEntry            *entry)
{
  g_hash_table_remove (entry->manager->pool, entry->cid);
}

static void
pool_put (BurrowTransferManager *self,
          const gchar           *cid,
          BurrowPeerConnection  *peer)
{
  PoolEntry *entry;

  if (self->disposed || burrow_peer_connection_is_closed (peer) ||
      g_hash_table_contains (self->pool, cid))
    {
      burrow_peer_connection_close (peer);
      unref_later (peer);
      return;
    }
  entry = g_new0 (PoolEntry, 1);
  entry->manager = self;
  entry->cid = g_strdup (cid);
  entry->peer = peer;
  entry->timeout_id = g_timeout_add (BURROW_DOWNLOAD_IDLE_KEEP_MS, pool_timeout_cb, entry);
  g_signal_connect (peer, "closed", G_CALLBACK (on_pool_peer_closed), entry);
  g_hash_table_replace (self->pool, entry->cid, entry);
  serve_borrowers (self, cid);
}

static BurrowPeerConnection *
pool_take (BurrowTransferManager *self,
           const gchar           *cid)
{
  PoolEntry *entry = g_hash_table_lookup (self->pool, cid);
  BurrowPeerConnection *peer;

  if (entry == NULL)
    return NULL;
  g_signal_handlers_disconnect_by_data (entry->peer, entry);
  peer = g_steal_pointer (&entry->peer);
  g_hash_table_remove (self->pool, cid);
  if (burrow_peer_connection_is_closed (peer))
    {
      unref_later (peer);
      return NULL;
    }
  return peer;
}

/* --- lending a download's connection ------------------------------------------------------ */

/* Between two passive users every connection is made by NAT traversal from the same two hub
 * ports: while a download from a user holds one, no other can be made to that user. A file
 * list wanted meanwhile borrows the download's connection between two of its requests. */

/* The next borrower of @cid still waiting (one cancelled meanwhile is answered so). */
static GTask *
borrower_pop (BurrowTransferManager *self,
              const gchar           *cid)
{
  for (;;)
    {
      GQueue *queue = self->borrowers ? g_hash_table_lookup (self->borrowers, cid) : NULL;
      GTask *task;

      if (queue == NULL)
        return NULL;
      task = g_queue_pop_head (queue);
      if (g_queue_is_empty (queue))
        g_hash_table_remove (self->borrowers, cid);
      if (!g_task_return_error_if_cancelled (task))
        return task;
      g_object_unref (task);
    }
}

static void
borrower_give (GTask                *task,
               BurrowPeerConnection *peer)
{
  g_task_return_pointer (task, peer, peer ? g_object_unref : NULL);
  g_object_unref (task);
}

static Worker *
find_worker (BurrowTransferManager *self,
             const gchar           *cid)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->downloads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Download *d = value;

      for (guint i = 0; i < d->workers->len; i++)
        {
          Worker *w = g_ptr_array_index (d->workers, i);

          if (g_str_equal (w->cid, cid) && !w->aborted)
            return w;
        }
    }
  return NULL;
}

static void on_lent_closed (BurrowPeerConnection *peer,
                            Worker               *w);

static void
worker_unlend (Worker *w)
{
  g_signal_handlers_disconnect_by_func (w->peer, on_lent_closed, w);
  if (w->manager->lent != NULL)
    g_hash_table_remove (w->manager->lent, w->peer);
  w->lent = FALSE;
}

/* Between two requests (or while it waits): hands the connection to the first borrower of
 * its user. TRUE when lent: the worker goes on once it is given back. */
static gboolean
worker_lend (Worker *w)
{
  BurrowTransferManager *self = w->manager;
  GTask *task;

  if (w->peer == NULL || w->lent || w->pending || burrow_peer_connection_is_closed (w->peer))
    return FALSE;
  task = borrower_pop (self, w->cid);
  if (task == NULL)
    return FALSE;
  w->lent = TRUE;
  if (w->rx_paused)
    {
      /* the borrower reads; the download's next data pauses again if its jobs are still full */
      burrow_peer_connection_set_receiving (w->peer, TRUE);
      w->rx_paused = FALSE;
    }
  g_signal_connect (w->peer, "closed", G_CALLBACK (on_lent_closed), w);
  g_hash_table_insert (self->lent, w->peer, w);
  g_debug ("connection to %s lent between two requests", w->nick);
  borrower_give (task, g_object_ref (w->peer));
  return TRUE;
}

/* The borrower closed it (or the peer did): the worker finds out with its next request. */
static void
on_lent_closed (BurrowPeerConnection *peer,
                Worker               *w)
{
  worker_unlend (w);
  worker_next (w);
}

/* Answers those waiting for @cid's connection: with an idle one, with the running worker's
 * (@lend: only where the worker is certainly between two requests: its worker_next() or an
 * idle callback; elsewhere it lends at its next step), else with nothing (no connection to
 * that user is left: they may make their own). */
static void
serve_borrowers_full (BurrowTransferManager *self,
                      const gchar           *cid,
                      gboolean               lend)
{
  Worker *w;
  GTask *task;

  if (self->disposed || self->borrowers == NULL || !g_hash_table_contains (self->borrowers, cid))
    return;
  if (g_hash_table_contains (self->pool, cid))
    {
      task = borrower_pop (self, cid);
      if (task != NULL)
        borrower_give (task, pool_take (self, cid));
      return;
    }
  w = find_worker (self, cid);
  if (w != NULL)
    {
      if (lend)
        worker_lend (w);
      return;
    }
  while ((task = borrower_pop (self, cid)) != NULL)
    borrower_give (task, NULL);
}

static void
serve_borrowers (BurrowTransferManager *self,
                 const gchar           *cid)
{
  serve_borrowers_full (self, cid, FALSE);
}

typedef struct
{
  BurrowTransferManager *manager;
  gchar                 *cid;
} ServeLater;

static void
serve_later_free (gpointer data)
{
  ServeLater *later = data;

  g_object_unref (later->manager);
  g_free (later->cid);
  g_free (later);
}

static gboolean
serve_later_cb (gpointer data)
{
  ServeLater *later = data;

  serve_borrowers_full (later->manager, later->cid, TRUE);
  return G_SOURCE_REMOVE;
}

/**
 * burrow_transfer_manager_borrow_connection_async:
 * @cid: a user's CID
 * @cancellable: (nullable): stops waiting
 *
 * Gets a connection to @cid that a download has: the idle one it left, else the running
 * download's own, between two of its requests (the download waits until it is given back with
 * burrow_transfer_manager_keep_connection()). Completes with %NULL at once when no download
 * has a connection to @cid.
 */
void
burrow_transfer_manager_borrow_connection_async (BurrowTransferManager *self,
                                                 const gchar           *cid,
                                                 GCancellable          *cancellable,
                                                 GAsyncReadyCallback    callback,
                                                 gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  GQueue *queue;

  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  g_return_if_fail (cid != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_transfer_manager_borrow_connection_async);
  if (self->disposed || (!g_hash_table_contains (self->pool, cid) && find_worker (self, cid) == NULL))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  queue = g_hash_table_lookup (self->borrowers, cid);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->borrowers, g_strdup (cid), queue);
    }
  g_queue_push_tail (queue, g_steal_pointer (&task));
  {
    /* a worker idle now (checking, or waiting for its jobs) lends at once, but not from
     * inside whatever called here */
    ServeLater *later = g_new0 (ServeLater, 1);

    later->manager = g_object_ref (self);
    later->cid = g_strdup (cid);
    g_idle_add_full (G_PRIORITY_DEFAULT, serve_later_cb, later, serve_later_free);
  }
}

/**
 * burrow_transfer_manager_borrow_connection_finish:
 *
 * Returns: (transfer full) (nullable): the connection, now the caller's until it gives it back
 *   with burrow_transfer_manager_keep_connection() (or closes it); %NULL without @error when
 *   no download had one; %NULL with %G_IO_ERROR_CANCELLED
 */
BurrowPeerConnection *
burrow_transfer_manager_borrow_connection_finish (BurrowTransferManager  *self,
                                                  GAsyncResult           *result,
                                                  GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * burrow_transfer_manager_keep_connection:
 * @cid: the CID of @peer's user
 * @peer: (transfer full): an idle connection
 *
 * Keeps @peer for the next request to @cid (closed after a while unused). A connection
 * borrowed from a running download goes back to it.
 */
void
burrow_transfer_manager_keep_connection (BurrowTransferManager *self,
                                         const gchar           *cid,
                                         BurrowPeerConnection  *peer)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  g_return_if_fail (cid != NULL);
  g_return_if_fail (BURROW_IS_PEER_CONNECTION (peer));

  if (!self->disposed && self->lent != NULL)
    {
      Worker *w = g_hash_table_lookup (self->lent, peer);

      if (w != NULL)
        {
          /* given back: the download goes on */
          worker_unlend (w);
          g_object_unref (peer);
          worker_next (w);
          return;
        }
    }
  pool_put (self, cid, peer);
}

/* --- blocks ------------------------------------------------------------------------------- */

static const BurrowTthTree *
tree_of (Download *d)
{
  return burrow_queue_item_get_tree (d->item);
}

static void
download_alloc_blocks (Download *d)
{
  d->n_blocks = burrow_queue_item_get_n_blocks (d->item);
  g_free (d->assigned);
  d->assigned = g_malloc0 (MAX (d->n_blocks, 1));
}

static gboolean
all_verified (Download *d)
{
  const BurrowTthTree *tree = tree_of (d);

  return tree != NULL && burrow_queue_item_get_verified_bytes (d->item) == tree->file_size &&
         d->n_blocks > 0 && burrow_queue_item_is_block_verified (d->item, d->n_blocks - 1);
}

static gboolean
has_free_block (Download *d)
{
  for (guint64 i = 0; i < d->n_blocks; i++)
    if (!d->assigned[i] && !burrow_queue_item_is_block_verified (d->item, i))
      return TRUE;
  return FALSE;
}

/* The next run of free, unverified blocks, at most BURROW_DOWNLOAD_SEGMENT_MAX bytes
 * (at least one block). */
static gboolean
pick_segment (Download *d,
              guint64  *start,
              guint64  *end)
{
  const BurrowTthTree *tree = tree_of (d);
  guint64 bs = tree->block_size;
  guint64 per = MAX (1, BURROW_DOWNLOAD_SEGMENT_MAX / bs);
  guint64 first = G_MAXUINT64;
  guint64 last;

  for (guint64 i = 0; i < d->n_blocks; i++)
    if (!d->assigned[i] && !burrow_queue_item_is_block_verified (d->item, i))
      {
        first = i;
        break;
      }
  if (first == G_MAXUINT64)
    return FALSE;
  last = first;
  while (last + 1 < d->n_blocks && last + 1 - first < per && !d->assigned[last + 1] &&
         !burrow_queue_item_is_block_verified (d->item, last + 1))
    last++;
  for (guint64 i = first; i <= last; i++)
    d->assigned[i] = 1;
  *start = first * bs;
  *end = MIN ((last + 1) * bs, tree->file_size);
  return TRUE;
}

static void job_free (Job *job);

static void
release_segment (Worker *w)
{
  Download *d = w->download;
  guint64 bs;

  g_clear_pointer (&w->job, job_free);
  if (d == NULL || d->assigned == NULL || w->seg_end <= w->seg_start || tree_of (d) == NULL)
    {
      w->seg_start = w->seg_end = 0;
      return;
    }
  /* blocks already in jobs are released when their job returns */
  bs = tree_of (d)->block_size;
  for (guint64 i = (w->dispatched + bs - 1) / bs; i * bs < w->seg_end && i < d->n_blocks; i++)
    d->assigned[i] = 0;
  /* a block partly in a job, partly not received: its pieces are useless */
  if (w->dispatched % bs != 0 && w->dispatched < w->seg_end)
    {
      guint64 block = w->dispatched / bs;

      if (d->pieces != NULL)
        g_hash_table_remove (d->pieces, &block);
      d->assigned[block] = 0;
    }
  w->seg_start = w->seg_end = 0;
}

/* --- uploads ------------------------------------------------------------------------------ */

/* An upload in progress: its transfer follows the connection's byte counter. */
typedef struct
{
  BurrowTransfer     *transfer;
  BurrowPunchAttempt *attempt;
  guint64             sent_at_start;
  guint64             sent_seen;
} Upload;

static void
upload_free (Upload *u)
{
  g_clear_object (&u->transfer);
  g_clear_object (&u->attempt);
  g_free (u);
}

static void sampler_ensure (BurrowTransferManager *self);

static void
upload_account (Upload               *u,
                BurrowPeerConnection *peer)
{
  guint64 sent = burrow_peer_connection_get_bytes_sent (peer);

  if (u->transfer == NULL)
    return;
  _burrow_transfer_add_bytes (u->transfer, sent - u->sent_seen);
  _burrow_transfer_set_position_quiet (u->transfer, sent - u->sent_at_start);
  u->sent_seen = sent;
}

static void
on_upload_started (BurrowPeerConnection  *peer,
                   const gchar           *type,
                   const gchar           *identifier,
                   guint64                offset,
                   guint64                length,
                   BurrowTransferManager *self)
{
  Upload *u = g_hash_table_lookup (self->uploads, peer);
  const gchar *name = strrchr (identifier, '/');
  g_autofree gchar *shared_name = NULL;

  if (u == NULL)
    return;
  g_clear_object (&u->transfer);
  if (g_str_has_prefix (identifier, "TTH/"))
    {
      /* a request by TTH: show the shared file's name */
      BurrowShare *share = burrow_client_get_share (self->client);
      BurrowSearchIndex *index = share ? burrow_share_get_search_index (share) : NULL;
      guint8 tth[BURROW_TTH_SIZE];
      BurrowFileNode *node = NULL;

      if (index != NULL && burrow_tth_from_base32 (identifier + 4, tth, NULL))
        node = burrow_search_index_lookup_tth (index, tth);
      if (node != NULL)
        shared_name = g_strdup (node->name);
    }
  if (shared_name != NULL)
    name = shared_name;
  else
    name = (name != NULL && name[1] != '\0' && !g_str_has_prefix (identifier, "TTH/")) ? name + 1
                                                                                     : identifier;
  u->transfer = _burrow_transfer_new (BURROW_TRANSFER_DIRECTION_UPLOAD,
                                      burrow_punch_attempt_get_peer_nick (u->attempt),
                                      burrow_peer_connection_get_peer_cid (peer),
                                      burrow_punch_attempt_get_hub (u->attempt), name, length, -1);
  _burrow_transfer_set_method (u->transfer, burrow_punch_attempt_get_method (u->attempt),
                               burrow_peer_connection_is_tls (peer));
  _burrow_transfer_set_state (u->transfer, BURROW_TRANSFER_STATE_RUNNING, NULL);
  u->sent_at_start = u->sent_seen = burrow_peer_connection_get_bytes_sent (peer);
  g_list_store_append (self->transfers, u->transfer);
  sampler_ensure (self);
  g_signal_emit (self, signals[SIGNAL_UPLOAD_STARTED], 0, u->transfer);
}

static void
on_upload_done (BurrowPeerConnection  *peer,
                gboolean               complete,
                BurrowTransferManager *self)
{
  Upload *u = g_hash_table_lookup (self->uploads, peer);
  guint position;

  if (u == NULL || u->transfer == NULL)
    return;
  upload_account (u, peer);
  _burrow_transfer_sample (u->transfer, g_get_monotonic_time ());
  _burrow_transfer_set_state (u->transfer, complete ? BURROW_TRANSFER_STATE_FINISHED
                                                    : BURROW_TRANSFER_STATE_FAILED,
                              complete ? NULL : _("The upload was interrupted"));
  if (g_list_store_find (self->transfers, u->transfer, &position))
    g_list_store_remove (self->transfers, position);
  g_clear_object (&u->transfer);
}

static void
on_upload_closed (BurrowPeerConnection  *peer,
                  BurrowTransferManager *self)
{
  on_upload_done (peer, FALSE, self);
  g_signal_handlers_disconnect_by_data (peer, self);
  g_hash_table_remove (self->uploads, peer);
}

static void
on_upload_connection (BurrowNatConnector    *connector,
                      BurrowPeerConnection  *peer,
                      BurrowPunchAttempt    *attempt,
                      BurrowTransferManager *self)
{
  Upload *u = g_new0 (Upload, 1);

  u->attempt = g_object_ref (attempt);
  g_hash_table_insert (self->uploads, g_object_ref (peer), u);
  g_signal_connect (peer, "upload-started", G_CALLBACK (on_upload_started), self);
  g_signal_connect (peer, "upload-done", G_CALLBACK (on_upload_done), self);
  g_signal_connect (peer, "closed", G_CALLBACK (on_upload_closed), self);
}

/* --- workers ------------------------------------------------------------------------------ */

static void
worker_free (Worker *w)
{
  BurrowTransferManager *self = w->manager;
  g_autofree gchar *cid = g_strdup (w->cid);
  guint position;

  if (w->transfer != NULL && !self->disposed &&
      g_list_store_find (self->transfers, w->transfer, &position))
    g_list_store_remove (self->transfers, position);
  cid_release (self, w->cid);
  if (w->lent)
    worker_unlend (w);
  if (w->peer != NULL)
    {
      burrow_peer_connection_close (w->peer);
      unref_later (g_steal_pointer (&w->peer));
    }
  g_clear_object (&w->transfer);
  g_clear_object (&w->cancellable);
  g_clear_pointer (&w->job, job_free);
  g_clear_pointer (&w->tree_buf, g_byte_array_unref);
  g_clear_error (&w->failure);
  g_clear_pointer (&w->cid, g_free);
  g_clear_pointer (&w->hub, g_free);
  g_clear_pointer (&w->nick, g_free);
  serve_borrowers (self, cid);
  if (w->n_jobs > 0)
    {
      w->zombie = TRUE;   /* the last job frees the struct */
      return;
    }
  g_free (w);
}

/* Takes @w off its download; frees it now or when its operation returns. */
static void
worker_abort (Worker *w)
{
  if (w->download != NULL)
    {
      release_segment (w);
      g_ptr_array_remove (w->download->workers, w);
      w->download = NULL;
    }
  w->aborted = TRUE;
  if (!w->pending)
    {
      worker_free (w);
      return;
    }
  g_cancellable_cancel (w->cancellable);
  /* a GET in flight completes (with an error) once the connection closes */
  if (w->peer != NULL)
    burrow_peer_connection_close (w->peer);
}

/* No worker is left on @d (the last one, for @cid, ended with @error): another source at
 * once, else the item waits in the queue. */
static void
download_orphaned (Download     *d,
                   const gchar  *cid,
                   const GError *error)
{
  BurrowTransferManager *self = d->manager;

  if (d->n_jobs > 0)
    return;   /* the last job decides */
  if (all_verified (d))
    {
      download_finish (d);
      return;
    }
  if (d->checked || tree_of (d) == NULL)
    {
      guint n = burrow_queue_item_get_n_sources (d->item);

      for (guint s = 0; s < n && d->workers->len == 0; s++)
        {
          const BurrowQueueSource *source = burrow_queue_item_get_source (d->item, s);

          if (g_strcmp0 (source->cid, cid) != 0 && source_usable (self, d->item, source))
            spawn_worker (d, source->cid, source->hub, source->nick);
        }
    }
  if (!d->stopped && !d->finishing && d->workers->len == 0 && !all_verified (d))
    {
      gboolean slots = g_error_matches (error, BURROW_TRANSFER_ERROR,
                                        BURROW_TRANSFER_ERROR_NO_SLOTS);
      g_autofree gchar *why = g_strdup (slots ? _("No free upload slots; waiting")
                                              : d->last_error);

      download_stop (d, BURROW_QUEUE_STATE_QUEUED, why);
    }
}

/* The worker is done with its download: keep the connection for the next file,
 * record the failure, and let the scheduler decide what comes next. */
static void
worker_end (Worker       *w,
            const GError *error)
{
  BurrowTransferManager *self = w->manager;
  Download *d = w->download;

  release_segment (w);
  if (d != NULL)
    g_ptr_array_remove (d->workers, w);
  w->download = NULL;

  if (w->transfer != NULL)
    _burrow_transfer_set_state (w->transfer,
                                error ? BURROW_TRANSFER_STATE_FAILED : BURROW_TRANSFER_STATE_FINISHED,
                                error ? error->message : NULL);
  if (w->rx_paused && w->peer != NULL)
    burrow_peer_connection_set_receiving (w->peer, TRUE);
  w->rx_paused = FALSE;
  if (error == NULL && w->peer != NULL)
    pool_put (self, w->cid, g_steal_pointer (&w->peer));

  if (d != NULL && error != NULL)
    {
      g_free (d->last_error);
      d->last_error = g_strdup (error->message);
    }
  if (d != NULL && !d->finishing && !d->stopped && d->workers->len == 0 && !d->checking)
    download_orphaned (d, w->cid, error);
  worker_free (w);
  schedule_soon (self);
}

/* Sorts out what a failed request means for the source and the item. */
static void
worker_failed (Worker *w,
               GError *error)
{
  BurrowTransferManager *self = w->manager;
  Download *d = w->download;

  g_debug ("%s from %s: %s", d ? burrow_queue_item_get_name (d->item) : "?", w->nick,
           error->message);
  if (d != NULL)
    {
      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT) ||
          g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER) ||
          g_error_matches (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE) ||
          g_error_matches (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH))
        burrow_download_queue_mark_source_bad (self->queue, d->item, w->cid);
      else
        source_rest (self, d->item, w->cid);

      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_DISK_FULL) ||
          g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_UNWRITABLE))
        {
          /* a local problem: pause with the reason and keep the data (this frees @w) */
          download_stop (d, BURROW_QUEUE_STATE_PAUSED, error->message);
          return;
        }
    }
  worker_end (w, error);
}

/* --- write-and-hash jobs ------------------------------------------------------------------ */

static void download_release (Download *d);

static void
job_free (Job *job)
{
  g_free (job->data);
  g_free (job->roots);
  g_free (job->cid);
  g_free (job->nick);
  g_free (job);
}

static void
pieces_free (gpointer data)
{
  Pieces *p = data;

  g_free (p->roots);
  g_free (p);
}

/* Thread. Written data goes to the disk now (asynchronously), and what was written
 * CACHE_LAG bytes before leaves the page cache once it is there: a large download does not
 * push out what the desktop uses, and its next writes reuse the pages just freed rather
 * than fresh ones (copying into fresh pages costs several times more; in a VM whose host
 * reclaims free memory, as much CPU as the hashing). */
static void
job_recycle_cache (Job *job)
{
#ifdef SYNC_FILE_RANGE_WRITE
  if (job->written > 0)
    sync_file_range (job->fd, (off_t) job->offset, (off_t) job->written, SYNC_FILE_RANGE_WRITE);
#endif
  if (job->offset >= CACHE_LAG)
    posix_fadvise (job->fd, (off_t) (job->offset - CACHE_LAG), (off_t) job->len,
                   POSIX_FADV_DONTNEED);
}

/* Thread: the job's data and fd are its own until it returns. Pieces written in full are
 * hashed even when a later write failed (disk full): what fitted can still verify. */
static void
job_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  gsize n_pieces;

  while (job->written < job->len)
    {
      ssize_t n = pwrite (job->fd, job->data + job->written, job->len - job->written,
                          (off_t) (job->offset + job->written));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          job->saved_errno = n < 0 ? errno : ENOSPC;
          break;
        }
      job->written += (gsize) n;
    }
  job_recycle_cache (job);
  n_pieces = job->written == job->len ? (job->len + job->piece_size - 1) / job->piece_size
                                      : job->written / job->piece_size;
  job->roots = g_malloc (MAX (n_pieces, 1) * BURROW_TTH_SIZE);
  for (gsize i = 0; i < n_pieces; i++)
    {
      gsize start = i * job->piece_size;

      burrow_tth_buffer (job->data + start, MIN (job->piece_size, job->len - start),
                         job->roots + i * BURROW_TTH_SIZE);
    }
  job->n_hashed = n_pieces;
  g_task_return_boolean (task, TRUE);
}

/* A piece's root for @block arrived; TRUE with @done set once the block's verdict is known. */
static gboolean
block_piece_done (Download     *d,
                  guint64       block,
                  guint64       piece,
                  const guint8 *root,
                  gboolean     *verified)
{
  const BurrowTthTree *tree = tree_of (d);
  const guint8 *leaf = (const guint8 *) g_bytes_get_data (tree->leaves, NULL) +
                       block * BURROW_TTH_SIZE;
  guint64 piece_size = MIN (tree->block_size, (guint64) JOB_BYTES);
  guint64 block_len = MIN (tree->block_size, tree->file_size - block * tree->block_size);
  Pieces *p;
  guint8 combined[BURROW_TTH_SIZE];

  if (piece_size == tree->block_size)
    {
      *verified = memcmp (root, leaf, BURROW_TTH_SIZE) == 0;
      return TRUE;
    }
  if (d->pieces == NULL)
    d->pieces = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, pieces_free);
  p = g_hash_table_lookup (d->pieces, &block);
  if (p == NULL)
    {
      p = g_new0 (Pieces, 1);
      p->n_pieces = (guint) ((block_len + piece_size - 1) / piece_size);
      p->roots = g_malloc0 ((gsize) p->n_pieces * BURROW_TTH_SIZE);
      g_hash_table_insert (d->pieces, g_memdup2 (&block, sizeof block), p);
    }
  memcpy (p->roots + piece * BURROW_TTH_SIZE, root, BURROW_TTH_SIZE);
  if (++p->n_done < p->n_pieces)
    return FALSE;
  burrow_tth_root_from_nodes (p->roots, p->n_pieces, combined);
  g_hash_table_remove (d->pieces, &block);
  *verified = memcmp (combined, leaf, BURROW_TTH_SIZE) == 0;
  return TRUE;
}

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  Download *d = job->download;
  Worker *w = job->worker;
  BurrowTransferManager *self = d->manager;
  gboolean worker_here = !w->zombie && !w->aborted && w->download == d;
  g_autoptr(GError) error = NULL;

  d->n_jobs--;
  w->n_jobs--;
  /* fresh memory costs page faults: buffers go round */
  if (self->spare_buffers->len < 2 * JOB_MAX_IN_FLIGHT)
    g_ptr_array_add (self->spare_buffers, g_steal_pointer (&job->data));

  if (!d->stopped && !d->finishing)
    {
      const BurrowTthTree *tree = tree_of (d);
      guint64 bs = tree->block_size;
      guint64 n_pieces = (job->len + job->piece_size - 1) / job->piece_size;

      for (guint64 i = 0; i < n_pieces; i++)
        {
          guint64 offset = job->offset + i * job->piece_size;
          guint64 block = offset / bs;
          gboolean verified;

          if (i >= job->n_hashed)
            {
              /* not written: the block goes back, with whatever pieces it had */
              if (d->pieces != NULL)
                g_hash_table_remove (d->pieces, &block);
              d->assigned[block] = 0;
              continue;
            }
          if (!block_piece_done (d, block, (offset % bs) / job->piece_size,
                                 job->roots + i * BURROW_TTH_SIZE, &verified))
            continue;
          d->assigned[block] = 0;
          if (verified)
            burrow_download_queue_set_block_verified (self->queue, d->item, block, TRUE);
          else
            {
              self->n_corrupt++;
              if (error == NULL)
                error = g_error_new (BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT,
                                     _("%s sent data for block %llu of %s that does not match "
                                       "its Tiger tree"),
                                     job->nick, (unsigned long long) block,
                                     burrow_queue_item_get_name (d->item));
            }
        }
      /* a local write error outweighs a bad block */
      if (job->saved_errno != 0)
        {
          g_clear_error (&error);
          error = io_error_from_errno (job->saved_errno, d->part_path, IO_WRITE);
        }
    }

  if (w->zombie && w->n_jobs == 0)
    g_free (w);
  else if (w->rx_paused && w->n_jobs < JOB_MAX_IN_FLIGHT && w->peer != NULL)
    {
      w->rx_paused = FALSE;
      burrow_peer_connection_set_receiving (w->peer, TRUE);
    }

  if (d->stopped)
    download_release (d);
  else if (error != NULL && worker_here && w->pending)
    {
      /* its GET ends with this error */
      if (w->failure == NULL)
        w->failure = g_steal_pointer (&error);
      burrow_peer_connection_close (w->peer);
    }
  else if (error != NULL && worker_here)
    worker_failed (w, error);
  else if (error != NULL)
    {
      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT))
        burrow_download_queue_mark_source_bad (self->queue, d->item, job->cid);
      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_DISK_FULL) ||
          g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_UNWRITABLE))
        download_stop (d, BURROW_QUEUE_STATE_PAUSED, error->message);
      else if (d->workers->len == 0)
        download_orphaned (d, job->cid, error);
    }
  else if (!d->finishing && d->n_jobs == 0 && all_verified (d))
    {
      if (worker_here && w->waiting)
        worker_end (w, NULL);
      if (!d->finishing && !d->stopped)
        download_finish (d);
    }
  else if (worker_here && w->waiting && w->n_jobs == 0)
    {
      w->waiting = FALSE;
      worker_next (w);
    }
  else if (!d->finishing && d->workers->len == 0 && d->n_jobs == 0)
    download_orphaned (d, job->cid, NULL);   /* its workers ended while this job ran */
  job_free (job);
}

/* Hands the filled part of the worker's job to a thread. */
static void
job_dispatch (Worker *w)
{
  Job *job = g_steal_pointer (&w->job);
  /* the task holds the manager: on_job_done () may run after its last other reference went */
  g_autoptr(GTask) task = g_task_new (w->manager, NULL, on_job_done, NULL);

  w->dispatched = job->offset + job->len;
  w->n_jobs++;
  job->download->n_jobs++;
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, job_thread);
}

static Job *
job_new (Worker *w)
{
  Download *d = w->download;
  const BurrowTthTree *tree = tree_of (d);
  Job *job = g_new0 (Job, 1);

  job->download = d;
  job->worker = w;
  job->fd = d->fd;
  job->offset = w->pos;
  job->piece_size = MIN (tree->block_size, (guint64) JOB_BYTES);
  /* whole blocks when they fit, else one piece */
  job->cap = (gsize) MIN (w->seg_end - w->pos,
                          MAX (job->piece_size,
                               (guint64) JOB_BYTES / job->piece_size * job->piece_size));
  if (w->manager->spare_buffers->len > 0)
    job->data = g_ptr_array_steal_index_fast (w->manager->spare_buffers,
                                              w->manager->spare_buffers->len - 1);
  else
    job->data = g_malloc (JOB_BYTES);
  job->cid = g_strdup (w->cid);
  job->nick = g_strdup (w->nick);
  return job;
}

/* GET data arrives here in order. It is copied into jobs; a job goes to a thread (written,
 * hashed) when full or at the end of the segment. */
static gboolean
file_sink (BurrowPeerConnection  *connection,
           const guint8          *data,
           gsize                  len,
           GError               **error,
           gpointer               user_data)
{
  Worker *w = user_data;
  Download *d = w->download;

  if (w->aborted || w->failure != NULL || d == NULL || d->fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
      return FALSE;
    }
  if (w->pos + len > w->seg_end)
    {
      g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
                           _("The peer sent more data than asked"));
      return FALSE;
    }
  w->manager->bytes_downloaded += len;
  _burrow_transfer_add_bytes (w->transfer, len);

  while (len > 0)
    {
      gsize n;

      if (w->job == NULL)
        w->job = job_new (w);
      n = MIN (len, w->job->cap - w->job->len);
      memcpy (w->job->data + w->job->len, data, n);
      w->job->len += n;
      w->pos += n;
      data += n;
      len -= n;
      if (w->job->len == w->job->cap)
        job_dispatch (w);
    }
  if (w->n_jobs >= JOB_MAX_IN_FLIGHT && !w->rx_paused)
    {
      w->rx_paused = TRUE;
      burrow_peer_connection_set_receiving (connection, FALSE);
    }
  return TRUE;
}

/* The peer sent less than asked: the whole pieces received still go to a thread. */
static void
job_flush_pieces (Worker *w)
{
  Job *job = w->job;
  guint64 end;

  if (job == NULL)
    return;
  end = job->offset + job->len;
  if (end != tree_of (w->download)->file_size)
    job->len -= (gsize) ((end - job->offset) % job->piece_size);
  if (job->len == 0)
    g_clear_pointer (&w->job, job_free);
  else
    job_dispatch (w);
}

static void
on_segment_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Worker *w = user_data;
  g_autoptr(GError) error = NULL;
  guint64 received = 0;

  w->pending = FALSE;
  burrow_peer_connection_download_finish (BURROW_PEER_CONNECTION (source), result, &received,
                                          &error);
  if (w->aborted)
    {
      worker_free (w);
      return;
    }
  if (w->failure != NULL)
    {
      g_clear_error (&error);
      error = g_steal_pointer (&w->failure);
    }
  if (error != NULL)
    {
      worker_failed (w, error);
      return;
    }
  /* a peer may send less than asked: the rest of the segment goes back */
  job_flush_pieces (w);
  if (w->dispatched == w->seg_start && w->seg_end > w->seg_start)
    {
      /* nothing usable (a zero-length SND, or less than one piece): asking again would get the
       * same, as fast as the peer answers; the source is bad for this file */
      g_autoptr(GError) empty = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                     BURROW_TRANSFER_ERROR_BAD_PEER,
                                                     _("The peer answered a request with no data"));

      worker_failed (w, empty);
      return;
    }
  release_segment (w);
  if (w->download != NULL && w->download->n_jobs == 0 && all_verified (w->download))
    {
      Download *d = w->download;

      worker_end (w, NULL);
      if (!d->finishing && !d->stopped)
        download_finish (d);
      return;
    }
  worker_next (w);
}

static void
start_segment (Worker *w)
{
  Download *d = w->download;
  g_autofree gchar *identifier = g_strdup_printf ("TTH/%s", burrow_queue_item_get_tth (d->item));

  w->pos = w->dispatched = w->seg_start;
  g_clear_pointer (&w->job, job_free);
  _burrow_transfer_set_state (w->transfer, BURROW_TRANSFER_STATE_RUNNING, NULL);
  w->pending = TRUE;
  burrow_peer_connection_download_async (w->peer, "file", identifier, w->seg_start,
                                         (gint64) (w->seg_end - w->seg_start), FALSE, file_sink, w,
                                         w->cancellable, on_segment_done, w);
}

static gboolean
tree_sink (BurrowPeerConnection  *connection,
           const guint8          *data,
           gsize                  len,
           GError               **error,
           gpointer               user_data)
{
  Worker *w = user_data;
  guint64 size = w->download ? burrow_queue_item_get_size (w->download->item) : 0;
  guint64 max = MIN ((guint64) BURROW_DOWNLOAD_MAX_TREE_BYTES,
                     ((size + BURROW_TTH_LEAF_SIZE - 1) / BURROW_TTH_LEAF_SIZE + 1) * BURROW_TTH_SIZE);

  if (w->aborted || w->tree_buf->len + len > max)
    {
      g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
                           _("The peer's Tiger tree is larger than the file allows"));
      return FALSE;
    }
  g_byte_array_append (w->tree_buf, data, (guint) len);
  return TRUE;
}

/* Is there a source for @w's download other than @w's own that could serve it now? */
static gboolean
other_source_usable (Worker *w)
{
  BurrowQueueItem *item = w->download->item;
  guint n = burrow_queue_item_get_n_sources (item);

  for (guint i = 0; i < n; i++)
    {
      const BurrowQueueSource *source = burrow_queue_item_get_source (item, i);

      if (g_strcmp0 (source->cid, w->cid) != 0 && !source->bad)
        return TRUE;
    }
  return FALSE;
}

static gboolean
accept_tree (Worker         *w,
             BurrowTthTree  *tree,
             GError        **error)
{
  Download *d = w->download;

  if (!burrow_download_queue_set_tree (w->manager->queue, d->item, tree, error))
    return FALSE;
  download_alloc_blocks (d);
  /* a fresh tree: whatever the part file held is not verified */
  d->checked = TRUE;
  return TRUE;
}

static void
on_tree_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Worker *w = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) leaves = NULL;
  BurrowTthTree *tree;

  w->pending = FALSE;
  burrow_peer_connection_download_finish (BURROW_PEER_CONNECTION (source), result, NULL, &error);
  if (w->aborted)
    {
      worker_free (w);
      return;
    }
  if (error != NULL && g_error_matches (error, BURROW_TRANSFER_ERROR,
                                        BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE) &&
      tree_of (w->download) == NULL && !other_source_usable (w))
    {
      /* No leaves from the only source we have (some clients keep no tree for some files):
       * the root is the only check, so the whole file is one block, verified when it is
       * complete (and fetched again if it does not match). */
      g_autoptr(GBytes) root = g_bytes_new (burrow_queue_item_get_root (w->download->item),
                                            BURROW_TTH_SIZE);

      g_clear_error (&error);
      g_debug ("%s: %s has no tthl; verifying by the root only",
               burrow_queue_item_get_name (w->download->item), w->nick);
      tree = burrow_tth_tree_new_from_leaves (burrow_queue_item_get_size (w->download->item),
                                              burrow_queue_item_get_root (w->download->item),
                                              root, &error);
      if (tree == NULL || !accept_tree (w, tree, &error))
        {
          worker_failed (w, error);
          return;
        }
      worker_next (w);
      return;
    }
  if (error != NULL)
    {
      worker_failed (w, error);
      return;
    }
  if (tree_of (w->download) != NULL)
    {
      /* another source's tree came first */
      worker_next (w);
      return;
    }
  leaves = g_byte_array_free_to_bytes (g_steal_pointer (&w->tree_buf));
  tree = burrow_tth_tree_new_from_leaves (burrow_queue_item_get_size (w->download->item),
                                          burrow_queue_item_get_root (w->download->item), leaves, &error);
  if (tree == NULL)
    {
      g_prefix_error (&error, _("Bad Tiger tree from %s: "), w->nick);
      worker_failed (w, error);
      return;
    }
  if (!accept_tree (w, tree, &error))
    {
      worker_failed (w, error);
      return;
    }
  schedule_soon (w->manager);
  worker_next (w);
}

static void
worker_next (Worker *w)
{
  Download *d = w->download;
  g_autoptr(GError) error = NULL;

  if (d == NULL || d->stopped || d->finishing)
    {
      worker_end (w, NULL);
      return;
    }
  if (w->lent || worker_lend (w))
    return;

  if (tree_of (d) == NULL)
    {
      guint64 size = burrow_queue_item_get_size (d->item);

      if (size <= BURROW_DOWNLOAD_TREE_MIN_SIZE)
        {
          /* small files: the root is the only leaf */
          g_autoptr(GBytes) root = g_bytes_new (burrow_queue_item_get_root (d->item),
                                                BURROW_TTH_SIZE);
          BurrowTthTree *tree = burrow_tth_tree_new_from_leaves (size,
                                                                 burrow_queue_item_get_root (d->item),
                                                                 root, &error);

          if (tree == NULL || !accept_tree (w, tree, &error))
            {
              worker_failed (w, error);
              return;
            }
        }
      else
        {
          g_autofree gchar *identifier = g_strdup_printf ("TTH/%s",
                                                          burrow_queue_item_get_tth (d->item));

          _burrow_transfer_set_state (w->transfer, BURROW_TRANSFER_STATE_TREE, NULL);
          w->tree_buf = g_byte_array_new ();
          w->pending = TRUE;
          burrow_peer_connection_download_async (w->peer, "tthl", identifier, 0, -1, FALSE,
                                                 tree_sink, w,
                                                 w->cancellable, on_tree_done, w);
          return;
        }
    }

  if (!d->checked)
    {
      /* the resume check runs; this worker waits for it */
      _burrow_transfer_set_state (w->transfer, BURROW_TRANSFER_STATE_CHECKING, NULL);
      return;
    }

  if (!pick_segment (d, &w->seg_start, &w->seg_end))
    {
      if (all_verified (d))
        {
          worker_end (w, NULL);
          if (!d->finishing && !d->stopped)
            download_finish (d);
        }
      else if (w->n_jobs > 0)
        w->waiting = TRUE;      /* its jobs may still find a bad block to fetch again */
      else
        worker_end (w, NULL);   /* the rest is being fetched by others */
      return;
    }
  start_segment (w);
}

static void
worker_connected (Worker               *w,
                  BurrowPeerConnection *peer,
                  BurrowPunchAttempt   *attempt)
{
  w->peer = peer;
  _burrow_transfer_set_method (w->transfer,
                               attempt ? burrow_punch_attempt_get_method (attempt)
                                       : burrow_transfer_get_method (w->transfer),
                               burrow_peer_connection_is_tls (peer));
  worker_next (w);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Worker *w = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  BurrowPeerConnection *peer;

  w->pending = FALSE;
  peer = burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result, &attempt,
                                              &error);
  if (w->aborted)
    {
      if (peer != NULL)
        {
          burrow_peer_connection_close (peer);
          unref_later (peer);
        }
      worker_free (w);
      return;
    }
  if (peer == NULL)
    {
      worker_failed (w, error);
      return;
    }
  worker_connected (w, peer, attempt);
}

static void
spawn_worker (Download    *d,
              const gchar *cid,
              const gchar *hub,
              const gchar *nick)
{
  BurrowTransferManager *self = d->manager;
  Worker *w = g_new0 (Worker, 1);
  BurrowAdcHubSession *session = NULL;
  BurrowUser *user;
  BurrowPeerConnection *peer;

  w->manager = self;
  w->download = d;
  w->cid = g_strdup (cid);
  w->hub = g_strdup (hub);
  w->cancellable = g_cancellable_new ();
  user = find_user (self, cid, hub, &session);
  w->nick = g_strdup (user ? burrow_user_get_nick (user) : nick);
  if (session != NULL)
    {
      g_free (w->hub);
      w->hub = g_strdup (burrow_hub_session_get_uri (BURROW_HUB_SESSION (session)));
    }
  w->transfer = _burrow_transfer_new (BURROW_TRANSFER_DIRECTION_DOWNLOAD, w->nick, cid, w->hub,
                                      burrow_queue_item_get_name (d->item),
                                      burrow_queue_item_get_size (d->item),
                                      burrow_queue_item_get_id (d->item));
  cid_take (self, cid);
  g_ptr_array_add (d->workers, w);
  if (!g_ptr_array_find_with_equal_func (d->tried, cid, g_str_equal, NULL))
    g_ptr_array_add (d->tried, g_strdup (cid));
  g_list_store_append (self->transfers, w->transfer);
  sampler_ensure (self);

  peer = pool_take (self, cid);
  if (peer != NULL)
    {
      worker_connected (w, peer, NULL);
      return;
    }
  if (user == NULL)
    {
      g_autoptr(GError) error = g_error_new (BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED,
                                             _("%s is not online"), w->nick ? w->nick : cid);
      worker_failed (w, error);
      return;
    }
  w->pending = TRUE;
  burrow_nat_connector_connect_async (burrow_client_get_connector (self->client),
                                      BURROW_HUB_SESSION (session), user,
                                      w->cancellable, on_connected, w);
}

/* --- downloads ---------------------------------------------------------------------------- */

static void
download_free (Download *d)
{
  if (d->state_handler != 0)
    g_signal_handler_disconnect (d->item, d->state_handler);
  if (d->fd >= 0)
    close (d->fd);
  g_clear_handle_id (&d->search_stop_id, g_source_remove);
  if (d->search != NULL)
    {
      g_signal_handlers_disconnect_by_data (burrow_search_get_results (d->search), d);
      burrow_search_stop (d->search);
      g_clear_object (&d->search);
    }
  g_ptr_array_unref (d->workers);
  g_ptr_array_unref (d->tried);
  g_free (d->assigned);
  g_clear_pointer (&d->pieces, g_hash_table_unref);
  g_free (d->part_path);
  g_free (d->last_error);
  g_object_unref (d->item);
  g_free (d);
}

/* Frees a stopped download once no thread (check or job) uses it. */
static void
download_release (Download *d)
{
  g_assert (d->stopped);
  if (!d->checking && d->n_jobs == 0)
    download_free (d);
}

/* Stops every worker, keeps the data, and leaves @d's item in @state. */
static void
download_stop (Download         *d,
               BurrowQueueState  state,
               const gchar      *error_text)
{
  BurrowTransferManager *self = d->manager;
  g_autoptr(GPtrArray) workers = g_ptr_array_copy (d->workers, NULL, NULL);
  gint64 id = burrow_queue_item_get_id (d->item);

  if (d->stopped)
    return;
  g_debug ("%s: stopped (%d: %s)", burrow_queue_item_get_name (d->item), state, error_text);
  d->stopped = TRUE;
  for (guint i = 0; i < workers->len; i++)
    worker_abort (g_ptr_array_index (workers, i));
  if (d->state_handler != 0)
    {
      g_signal_handler_disconnect (d->item, d->state_handler);
      d->state_handler = 0;
    }
  burrow_download_queue_flush (self->queue, NULL);
  if (state != BURROW_QUEUE_STATE_DONE)
    burrow_download_queue_set_state (self->queue, d->item, state, error_text);
  if (state == BURROW_QUEUE_STATE_QUEUED)
    retry_later (self, d->item);
  if (state == BURROW_QUEUE_STATE_PAUSED || state == BURROW_QUEUE_STATE_FAILED)
    {
      g_autoptr(GError) error = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                     BURROW_TRANSFER_ERROR_FAILED,
                                                     error_text ? error_text : "");
      if (error_text != NULL)
        g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FAILED], 0, d->item, error);
    }
  g_hash_table_remove (self->downloads, &id);
  download_release (d);
  schedule_soon (self);
}

static void
on_item_state (BurrowQueueItem *item,
               GParamSpec      *pspec,
               Download        *d)
{
  /* paused (or resumed into another state) by the user while running */
  if (burrow_queue_item_get_state (item) != BURROW_QUEUE_STATE_RUNNING && !d->stopped && !d->finishing)
    download_stop (d, burrow_queue_item_get_state (item), burrow_queue_item_get_error (item));
}

/* Moves the part file to the first free name: never overwrites. */
static gchar *
move_into_place (const gchar  *part,
                 const gchar  *dir,
                 const gchar  *name,
                 GError      **error)
{
  for (guint n = 0; n < 10000; n++)
    {
      g_autofree gchar *candidate = n == 0 ? g_strdup (name) : burrow_download_numbered_name (name,
                                                                                              n);
      g_autofree gchar *path = g_build_filename (dir, candidate, NULL);
      gint saved;

      if (renameat2 (AT_FDCWD, part, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return g_steal_pointer (&path);
      saved = errno;
      if (saved == EEXIST)
        continue;
      if (saved == EINVAL || saved == ENOSYS)
        {
          /* no RENAME_NOREPLACE here: link() fails on an existing name just as well */
          if (link (part, path) == 0)
            {
              g_unlink (part);
              return g_steal_pointer (&path);
            }
          saved = errno;
          if (saved == EEXIST)
            continue;
        }
      g_propagate_error (error, io_error_from_errno (saved, path, IO_MOVE));
      return NULL;
    }
  g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_UNWRITABLE,
               _("No free name for %s in %s"), name, dir);
  return NULL;
}

typedef struct
{
  gchar          *path;
  guint64         file_size;
  guint64         block_size;
  guint8          root[BURROW_TTH_SIZE];
  GBytes         *leaves;
  gboolean        final;       /* whole-root check (else per-block resume check) */
  guint8         *bitmap;      /* result of the resume check */
  guint64         n_blocks;
} CheckData;

static void
check_data_free (CheckData *c)
{
  g_free (c->path);
  g_bytes_unref (c->leaves);
  g_free (c->bitmap);
  g_free (c);
}

/* Worker thread: immutable input, result through the task. */
static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *c = task_data;
  g_autofree guint8 *buffer = NULL;
  const guint8 *leaves = g_bytes_get_data (c->leaves, NULL);
  struct stat st;
  gint fd = open (c->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      gint saved = errno;

      if (fd >= 0)
        close (fd);
      if (!c->final && saved == ENOENT)
        {
          g_task_return_boolean (task, TRUE);   /* nothing on disk: nothing verified */
          return;
        }
      g_task_return_error (task, io_error_from_errno (saved, c->path, IO_READ));
      return;
    }

  g_debug ("check thread for %s (final %d)", c->path, c->final);
  if (c->final)
    {
      guint8 root[BURROW_TTH_SIZE];

      /* Every block was hashed as it arrived (or on disk by the resume check) and matched its
       * leaf; the leaves must still make the root, and the file must have its size. Reading
       * the whole file back would only hash it a second time. */
      close (fd);
      burrow_tth_root_from_nodes (leaves, g_bytes_get_size (c->leaves) / BURROW_TTH_SIZE, root);
      if ((guint64) st.st_size != c->file_size || memcmp (root, c->root, BURROW_TTH_SIZE) != 0)
        g_task_return_new_error (task, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT,
                                 _("The finished file does not match its TTH"));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }

  /* resume: which blocks on disk match their leaves (data written before a kill counts too) */
  buffer = g_malloc (CHECK_CHUNK);
  for (guint64 b = 0; b < c->n_blocks; b++)
    {
      guint64 start = b * c->block_size;
      guint64 end = MIN (start + c->block_size, c->file_size);
      BurrowTthHasher *hasher;
      guint8 node[BURROW_TTH_SIZE];
      guint64 offset = start;
      gboolean complete = TRUE;
      off_t data;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (end > (guint64) st.st_size)
        break;
      /* holes (never written) cannot verify: skip them without reading */
      data = lseek (fd, (off_t) start, SEEK_DATA);
      if (data < 0 || (guint64) data >= end)
        continue;
      hasher = burrow_tth_hasher_new (c->block_size);
      while (offset < end)
        {
          ssize_t n = pread (fd, buffer, (gsize) MIN (end - offset, (guint64) CHECK_CHUNK),
                             (off_t) offset);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              complete = FALSE;
              break;
            }
          burrow_tth_hasher_update (hasher, buffer, (gsize) n);
          offset += (guint64) n;
        }
      burrow_tth_hasher_finish (hasher, node);
      burrow_tth_hasher_free (hasher);
      if (complete && memcmp (node, leaves + b * BURROW_TTH_SIZE, BURROW_TTH_SIZE) == 0)
        c->bitmap[b / 8] |= (guint8) (1u << (b % 8));
    }
  close (fd);
  g_task_return_boolean (task, TRUE);
}

static GTask *
check_task_new (Download            *d,
                gboolean             final,
                GAsyncReadyCallback  callback)
{
  const BurrowTthTree *tree = tree_of (d);
  CheckData *c = g_new0 (CheckData, 1);
  GTask *task = g_task_new (d->manager, NULL, callback, d);

  c->path = g_strdup (d->part_path);
  c->file_size = tree->file_size;
  c->block_size = tree->block_size;
  memcpy (c->root, tree->root, BURROW_TTH_SIZE);
  c->leaves = g_bytes_ref (tree->leaves);
  c->final = final;
  c->n_blocks = d->n_blocks;
  c->bitmap = g_malloc0 ((d->n_blocks + 7) / 8 + 1);
  g_task_set_task_data (task, c, (GDestroyNotify) check_data_free);
  d->checking = TRUE;
  return task;
}

static void
on_resume_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Download *d = user_data;
  CheckData *c = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiting = NULL;

  d->checking = FALSE;
  if (d->stopped)
    {
      download_release (d);
      return;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      download_stop (d, BURROW_QUEUE_STATE_PAUSED, error->message);
      return;
    }
  for (guint64 b = 0; b < d->n_blocks; b++)
    burrow_download_queue_set_block_verified (d->manager->queue, d->item, b,
                                              (c->bitmap[b / 8] & (1u << (b % 8))) != 0);
  burrow_download_queue_flush (d->manager->queue, NULL);
  d->checked = TRUE;
  g_debug ("%s: %" G_GUINT64_FORMAT " bytes on disk verified", burrow_queue_item_get_name (d->item),
           burrow_queue_item_get_verified_bytes (d->item));
  if (all_verified (d))
    {
      download_finish (d);
      return;
    }
  /* workers that waited for the check go on (or the scheduler finds new ones) */
  if (d->workers->len == 0)
    {
      schedule_soon (d->manager);
      return;
    }
  waiting = g_ptr_array_copy (d->workers, NULL, NULL);
  for (guint i = 0; i < waiting->len; i++)
    {
      Worker *w = g_ptr_array_index (waiting, i);

      if (!w->pending && w->peer != NULL)
        worker_next (w);
    }
  schedule_soon (d->manager);
}

static void
on_final_checked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Download *d = user_data;
  BurrowTransferManager *self = d->manager;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *final = NULL;
  g_autoptr(BurrowQueueItem) item = g_object_ref (d->item);
  gint64 id = burrow_queue_item_get_id (item);

  d->checking = FALSE;
  if (d->stopped)
    {
      download_release (d);
      return;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("%s: final check failed: %s", burrow_queue_item_get_name (item), error->message);
      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT))
        {
          /* cannot happen with verified blocks unless the disk lies: start the check over */
          for (guint64 b = 0; b < d->n_blocks; b++)
            burrow_download_queue_set_block_verified (self->queue, item, b, FALSE);
          download_stop (d, BURROW_QUEUE_STATE_QUEUED, error->message);
        }
      else
        download_stop (d, BURROW_QUEUE_STATE_PAUSED, error->message);
      return;
    }

  if (d->fd >= 0)
    {
      close (d->fd);
      d->fd = -1;
    }
  final = move_into_place (d->part_path, burrow_queue_item_get_target_dir (item),
                           burrow_queue_item_get_name (item), &error);
  if (final == NULL)
    {
      download_stop (d, BURROW_QUEUE_STATE_PAUSED, error->message);
      return;
    }
  d->stopped = TRUE;
  if (d->state_handler != 0)
    {
      g_signal_handler_disconnect (item, d->state_handler);
      d->state_handler = 0;
    }
  burrow_download_queue_set_final_path (self->queue, item, final);
  burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_DONE, NULL);
  g_hash_table_remove (self->retry_delay, &id);
  g_hash_table_remove (self->downloads, &id);
  download_free (d);
  g_debug ("%s finished: %s", burrow_queue_item_get_name (item), final);
  g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FINISHED], 0, item);
  schedule_soon (self);
}

static void
download_finish (Download *d)
{
  g_autoptr(GPtrArray) workers = g_ptr_array_copy (d->workers, NULL, NULL);
  g_autoptr(GTask) task = NULL;

  if (d->finishing || d->n_jobs > 0)
    return;   /* (the last job calls again) */
  g_debug ("%s: every block verified, checking its size and root",
           burrow_queue_item_get_name (d->item));
  d->finishing = TRUE;
  for (guint i = 0; i < workers->len; i++)
    worker_abort (g_ptr_array_index (workers, i));
  burrow_download_queue_flush (d->manager->queue, NULL);
  task = check_task_new (d, TRUE, on_final_checked);
  g_task_run_in_thread (task, check_thread);
}

/* Creates the empty file of a zero-byte item (its TTH must be the empty file's). */
static void
finish_empty (BurrowTransferManager *self,
              BurrowQueueItem       *item)
{
  guint8 root[BURROW_TTH_SIZE];
  g_autoptr(GError) error = NULL;
  g_autofree gchar *final = NULL;
  g_autofree gchar *part = burrow_queue_item_dup_part_path (item);
  gint fd;

  burrow_tth_buffer ("", 0, root);
  if (memcmp (root, burrow_queue_item_get_root (item), BURROW_TTH_SIZE) != 0)
    {
      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_FAILED,
                                       _("An empty file cannot have this TTH"));
      return;
    }
  if (g_mkdir_with_parents (burrow_queue_item_get_target_dir (item), 0755) != 0 ||
      (fd = open_part_file (part, O_WRONLY)) < 0)
    {
      g_autoptr(GError) io = io_error_from_errno (errno, part, IO_CREATE);
      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_PAUSED, io->message);
      return;
    }
  close (fd);
  final = move_into_place (part, burrow_queue_item_get_target_dir (item),
                           burrow_queue_item_get_name (item),
                           &error);
  if (final == NULL)
    {
      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_PAUSED,
                                       error->message);
      return;
    }
  burrow_download_queue_set_final_path (self->queue, item, final);
  burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_DONE, NULL);
  g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FINISHED], 0, item);
}

/* --- alternate sources ---------------------------------------------------------------- */

static void
on_search_results (GListModel *results,
                   guint       position,
                   guint       removed,
                   guint       added,
                   Download   *d)
{
  BurrowTransferManager *self = d->manager;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowSearchResult) r = g_list_model_get_item (results, i);
      const gchar *tth = burrow_search_result_get_tth (r);

      if (burrow_search_result_get_is_directory (r) || tth == NULL ||
          g_ascii_strcasecmp (tth, burrow_queue_item_get_tth (d->item)) != 0 ||
          burrow_search_result_get_size (r) != burrow_queue_item_get_size (d->item) ||
          burrow_search_result_get_cid (r) == NULL ||
          g_strcmp0 (burrow_search_result_get_cid (r), own_cid (self)) == 0)
        continue;
      if (burrow_queue_item_find_source (d->item, burrow_search_result_get_cid (r)) == NULL)
        {
          g_debug ("alternate source for %s: %s", burrow_queue_item_get_name (d->item),
                   burrow_search_result_get_nick (r));
          burrow_download_queue_add_source (self->queue, d->item, burrow_search_result_get_cid (r),
                                            burrow_search_result_get_hub (r),
                                            burrow_search_result_get_nick (r), NULL);
          schedule_soon (self);
        }
    }
}

static gboolean
search_stop_cb (gpointer data)
{
  Download *d = data;

  d->search_stop_id = 0;
  if (d->search != NULL)
    burrow_search_stop (d->search);
  return G_SOURCE_REMOVE;
}

static void
download_search_sources (Download *d)
{
  g_autoptr(GError) error = NULL;

  if (!d->manager->auto_search || d->search != NULL)
    return;
  d->search = burrow_client_new_search (d->manager->client, burrow_queue_item_get_tth (d->item), NULL);
  g_signal_connect (burrow_search_get_results (d->search), "items-changed",
                    G_CALLBACK (on_search_results), d);
  if (!burrow_search_start (d->search, &error))
    {
      g_debug ("no alternate-source search: %s", error->message);
      return;
    }
  d->search_stop_id = g_timeout_add (BURROW_DOWNLOAD_SEARCH_MS, search_stop_cb, d);
}

/* --- scheduling ------------------------------------------------------------------------- */

static gboolean
source_usable (BurrowTransferManager   *self,
               BurrowQueueItem         *item,
               const BurrowQueueSource *source)
{
  BurrowAdcHubSession *session = NULL;

  return !source->bad && !cid_busy (self, source->cid) && !source_resting (self, item,
                                                                           source->cid) &&
         g_strcmp0 (source->cid, own_cid (self)) != 0 &&
         find_user (self, source->cid, source->hub, &session) != NULL;
}

static gboolean
all_sources_bad (BurrowQueueItem *item)
{
  guint n = burrow_queue_item_get_n_sources (item);

  for (guint i = 0; i < n; i++)
    if (!burrow_queue_item_get_source (item, i)->bad)
      return FALSE;
  return n > 0;
}

static void
download_start (BurrowTransferManager   *self,
                BurrowQueueItem         *item,
                const BurrowQueueSource *source)
{
  Download *d;
  gint64 id = burrow_queue_item_get_id (item);

  if (burrow_queue_item_get_size (item) == 0)
    {
      finish_empty (self, item);
      return;
    }
  d = g_new0 (Download, 1);
  d->manager = self;
  d->item = g_object_ref (item);
  d->workers = g_ptr_array_new ();
  d->tried = g_ptr_array_new_with_free_func (g_free);
  d->part_path = burrow_queue_item_dup_part_path (item);
  d->fd = -1;

  if (g_mkdir_with_parents (burrow_queue_item_get_target_dir (item), 0755) != 0 ||
      (d->fd = open_part_file (d->part_path, O_RDWR)) < 0)
    {
      gint saved = errno;
      g_autoptr(GError) error = io_error_from_errno (saved, d->part_path, IO_CREATE);

      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_PAUSED,
                                       error->message);
      g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FAILED], 0, item, error);
      download_free (d);
      return;
    }

  g_hash_table_insert (self->downloads, g_memdup2 (&id, sizeof id), d);
  burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_RUNNING, NULL);
  d->state_handler = g_signal_connect (item, "notify::state", G_CALLBACK (on_item_state), d);
  download_search_sources (d);

  if (burrow_queue_item_get_tree (item) != NULL)
    {
      g_autoptr(GTask) task = NULL;

      download_alloc_blocks (d);
      task = check_task_new (d, FALSE, on_resume_checked);
      g_task_run_in_thread (task, check_thread);
    }
  spawn_worker (d, source->cid, source->hub, source->nick);
}

static gint
compare_items (gconstpointer a,
               gconstpointer b)
{
  BurrowQueueItem *x = *(BurrowQueueItem **) a;
  BurrowQueueItem *y = *(BurrowQueueItem **) b;

  if (burrow_queue_item_get_priority (x) != burrow_queue_item_get_priority (y))
    return (gint) burrow_queue_item_get_priority (y) - (gint) burrow_queue_item_get_priority (x);
  return burrow_queue_item_get_id (x) < burrow_queue_item_get_id (y) ? -1 : 1;
}

static void
schedule (BurrowTransferManager *self)
{
  GListModel *model = G_LIST_MODEL (self->queue);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  if (!self->running || self->disposed)
    return;
  for (guint i = 0; i < n; i++)
    {
      BurrowQueueItem *item = g_list_model_get_item (model, i);
      BurrowQueueState state = burrow_queue_item_get_state (item);

      if (state == BURROW_QUEUE_STATE_QUEUED || state == BURROW_QUEUE_STATE_RUNNING)
        g_ptr_array_add (items, item);
      else
        g_object_unref (item);
    }
  g_ptr_array_sort (items, compare_items);

  for (guint i = 0; i < items->len; i++)
    {
      BurrowQueueItem *item = g_ptr_array_index (items, i);
      gint64 id = burrow_queue_item_get_id (item);
      Download *d = g_hash_table_lookup (self->downloads, &id);
      guint n_sources = burrow_queue_item_get_n_sources (item);

      if (d != NULL)
        {
          /* big files take several sources at once (segmented); others one */
          guint allowed = burrow_queue_item_get_size (item) >= BURROW_DOWNLOAD_SEGMENTED_MIN
                          ? BURROW_DOWNLOAD_MAX_SOURCES : 1;

          if (d->checked && !d->finishing && !d->stopped && tree_of (d) != NULL)
            for (guint s = 0; s < n_sources && d->workers->len < allowed && has_free_block (d); s++)
              {
                const BurrowQueueSource *source = burrow_queue_item_get_source (item, s);

                if (source_usable (self, item, source))
                  spawn_worker (d, source->cid, source->hub, source->nick);
              }
          if (d->workers->len == 0 && !d->checking && !d->finishing && !d->stopped)
            download_stop (d, BURROW_QUEUE_STATE_QUEUED,
                           d->last_error ? d->last_error : _("No source available"));
          continue;
        }

      if (burrow_queue_item_get_state (item) != BURROW_QUEUE_STATE_QUEUED)
        continue;
      if (g_hash_table_size (self->downloads) >= self->max_downloads)
        continue;
      {
        gint64 *at = g_hash_table_lookup (self->retry_at, &id);

        if (at != NULL && *at > now_us ())
          continue;
      }
      if (all_sources_bad (item))
        {
          burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_FAILED,
                                           _("Every source sent bad data"));
          {
            g_autoptr(GError) error = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                           BURROW_TRANSFER_ERROR_CORRUPT,
                                                           _("Every source sent bad data"));
            g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FAILED], 0, item, error);
          }
          continue;
        }
      for (guint s = 0; s < n_sources; s++)
        {
          const BurrowQueueSource *source = burrow_queue_item_get_source (item, s);

          if (source_usable (self, item, source))
            {
              download_start (self, item, source);
              break;
            }
        }
      if (!g_hash_table_contains (self->downloads, &id) &&
          burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_QUEUED &&
          burrow_queue_item_get_error (item) == NULL)
        burrow_download_queue_set_error (self->queue, item, _("No source available"));
    }
}

static gboolean
schedule_cb (gpointer data)
{
  BurrowTransferManager *self = data;

  self->schedule_id = 0;
  schedule (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_soon (BurrowTransferManager *self)
{
  if (self->schedule_id == 0 && !self->disposed)
    self->schedule_id = g_idle_add (schedule_cb, self);
}

static gboolean
tick_cb (gpointer data)
{
  schedule (data);
  return G_SOURCE_CONTINUE;
}

/* --- sampling ----------------------------------------------------------------------------- */

static gboolean
sample_cb (gpointer data)
{
  BurrowTransferManager *self = data;
  GHashTableIter iter;
  Download *d;
  gint64 now = now_us ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->transfers));

  g_hash_table_iter_init (&iter, self->downloads);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    {
      guint64 position = burrow_queue_item_get_verified_bytes (d->item);
      guint64 file_rate = 0;

      /* verified blocks, plus what arrived of the blocks being fetched */
      for (guint i = 0; i < d->workers->len; i++)
        {
          Worker *w = g_ptr_array_index (d->workers, i);

          if (w->seg_end > w->seg_start && tree_of (d) != NULL)
            position += w->pos % tree_of (d)->block_size;
          file_rate += burrow_transfer_get_rate (w->transfer);
        }
      position = MIN (position, burrow_queue_item_get_size (d->item));
      for (guint i = 0; i < d->workers->len; i++)
        {
          Worker *w = g_ptr_array_index (d->workers, i);

          _burrow_transfer_set_position_quiet (w->transfer, position);
          _burrow_transfer_set_eta_rate (w->transfer, file_rate);
        }
    }
  {
    GHashTableIter up_iter;
    gpointer peer, upload;

    g_hash_table_iter_init (&up_iter, self->uploads);
    while (g_hash_table_iter_next (&up_iter, &peer, &upload))
      upload_account (upload, peer);
  }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowTransfer) transfer = g_list_model_get_item (G_LIST_MODEL (self->transfers),
                                                                  i);
      _burrow_transfer_sample (transfer, now);
    }
  if (n == 0)
    {
      self->sample_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
sampler_ensure (BurrowTransferManager *self)
{
  if (self->sample_id == 0)
    self->sample_id = g_timeout_add (BURROW_TRANSFER_SAMPLE_MS, sample_cb, self);
}

/* --- object ------------------------------------------------------------------------------- */

static void
on_queue_items_changed (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        gpointer    data)
{
  if (added > 0)
    schedule_soon (data);
}

static void
on_item_removed (BurrowDownloadQueue   *queue,
                 BurrowQueueItem       *item,
                 BurrowTransferManager *self)
{
  gint64 id = burrow_queue_item_get_id (item);
  Download *d = g_hash_table_lookup (self->downloads, &id);

  if (d == NULL)
    return;
  if (d->state_handler != 0)
    {
      g_signal_handler_disconnect (d->item, d->state_handler);
      d->state_handler = 0;
    }
  download_stop (d, burrow_queue_item_get_state (item), NULL);
}

static void
burrow_transfer_manager_dispose (GObject *object)
{
  BurrowTransferManager *self = BURROW_TRANSFER_MANAGER (object);

  if (self->borrowers != NULL)
    {
      /* nobody is left to lend them a connection */
      GList *cids = g_hash_table_get_keys (self->borrowers);

      for (GList *l = cids; l != NULL; l = l->next)
        {
          g_autofree gchar *cid = g_strdup (l->data);
          GTask *task;

          while ((task = borrower_pop (self, cid)) != NULL)
            {
              g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                       _("Burrow is shutting down"));
              g_object_unref (task);
            }
        }
      g_list_free (cids);
    }
  if (!self->disposed && self->downloads != NULL)
    {
      GList *downloads = g_hash_table_get_values (self->downloads);

      for (GList *l = downloads; l != NULL; l = l->next)
        {
          Download *d = l->data;

          /* running items are queued again next time; the data stays */
          if (!d->finishing)
            download_stop (d, BURROW_QUEUE_STATE_QUEUED, NULL);
        }
      g_list_free (downloads);
    }
  self->disposed = TRUE;
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->sample_id, g_source_remove);
  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      burrow_download_queue_flush (self->queue, NULL);
    }
  g_clear_pointer (&self->borrowers, g_hash_table_unref);
  g_clear_pointer (&self->lent, g_hash_table_unref);
  g_clear_pointer (&self->pool, g_hash_table_unref);
  g_clear_object (&self->queue);
  g_clear_object (&self->transfers);

  G_OBJECT_CLASS (burrow_transfer_manager_parent_class)->dispose (object);
}

static void
burrow_transfer_manager_finalize (GObject *object)
{
  BurrowTransferManager *self = BURROW_TRANSFER_MANAGER (object);

  g_clear_pointer (&self->downloads, g_hash_table_unref);
  g_clear_pointer (&self->busy_cids, g_hash_table_unref);
  g_clear_pointer (&self->retry_at, g_hash_table_unref);
  g_clear_pointer (&self->retry_delay, g_hash_table_unref);
  g_clear_pointer (&self->source_wait, g_hash_table_unref);
  g_clear_pointer (&self->spare_buffers, g_ptr_array_unref);
  if (self->uploads != NULL)
    {
      GHashTableIter iter;
      gpointer peer;

      g_hash_table_iter_init (&iter, self->uploads);
      while (g_hash_table_iter_next (&iter, &peer, NULL))
        g_signal_handlers_disconnect_by_data (peer, self);
      g_clear_pointer (&self->uploads, g_hash_table_unref);
    }

  G_OBJECT_CLASS (burrow_transfer_manager_parent_class)->finalize (object);
}

static void
burrow_transfer_manager_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  BurrowTransferManager *self = BURROW_TRANSFER_MANAGER (object);

  switch (prop_id)
    {
    case PROP_TRANSFERS: g_value_set_object (value, self->transfers); break;
    case PROP_QUEUE: g_value_set_object (value, self->queue); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_transfer_manager_class_init (BurrowTransferManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_transfer_manager_dispose;
  object_class->finalize = burrow_transfer_manager_finalize;
  object_class->get_property = burrow_transfer_manager_get_property;

  properties[PROP_TRANSFERS] =
    g_param_spec_object ("transfers", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_QUEUE] =
    g_param_spec_object ("queue", NULL, NULL, BURROW_TYPE_DOWNLOAD_QUEUE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BurrowTransferManager::download-finished:
   * @item: a verified file, moved to its final name (#BurrowQueueItem:final-path)
   */
  signals[SIGNAL_DOWNLOAD_FINISHED] =
    g_signal_new ("download-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_QUEUE_ITEM);
  /**
   * BurrowTransferManager::download-failed:
   * @item: an item that stopped (paused by a local error, or failed)
   * @error: why
   */
  signals[SIGNAL_DOWNLOAD_FAILED] =
    g_signal_new ("download-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, BURROW_TYPE_QUEUE_ITEM, G_TYPE_ERROR);
  /**
   * BurrowTransferManager::upload-started:
   * @transfer: a new upload
   */
  signals[SIGNAL_UPLOAD_STARTED] =
    g_signal_new ("upload-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_TRANSFER);
}

static void
burrow_transfer_manager_init (BurrowTransferManager *self)
{
  self->transfers = g_list_store_new (BURROW_TYPE_TRANSFER);
  self->uploads = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) upload_free);
  self->downloads = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->busy_cids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pool = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) pool_entry_free);
  self->borrowers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_queue_free);
  self->lent = g_hash_table_new (NULL, NULL);
  self->retry_at = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->retry_delay = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->source_wait = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->spare_buffers = g_ptr_array_new_with_free_func (g_free);
  self->retry_ms = BURROW_DOWNLOAD_RETRY_MS;
  self->max_downloads = 3;
  self->auto_search = TRUE;
  self->running = TRUE;
}

/**
 * burrow_transfer_manager_new:
 * @client: the engine (borrowed: it owns the manager)
 * @queue: the download queue to run
 *
 * Returns: (transfer full): the manager; it starts queued items whose
 *   sources are online and keeps trying every couple of seconds
 */
BurrowTransferManager *
burrow_transfer_manager_new (BurrowClient        *client,
                             BurrowDownloadQueue *queue)
{
  BurrowTransferManager *self = g_object_new (BURROW_TYPE_TRANSFER_MANAGER, NULL);

  self->client = client;
  self->queue = g_object_ref (queue);
  g_signal_connect (queue, "items-changed", G_CALLBACK (on_queue_items_changed), self);
  g_signal_connect (queue, "item-removed", G_CALLBACK (on_item_removed), self);
  g_signal_connect_object (burrow_client_get_connector (client), "upload-connection",
                           G_CALLBACK (on_upload_connection), self, 0);
  self->tick_id = g_timeout_add (1000, tick_cb, self);
  schedule_soon (self);
  return self;
}

/**
 * burrow_transfer_manager_get_transfers:
 *
 * Returns: (transfer none): the running transfers (#BurrowTransfer)
 */
GListModel *
burrow_transfer_manager_get_transfers (BurrowTransferManager *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFER_MANAGER (self), NULL);
  return G_LIST_MODEL (self->transfers);
}

/**
 * burrow_transfer_manager_get_queue:
 *
 * Returns: (transfer none): the queue it runs
 */
BurrowDownloadQueue *
burrow_transfer_manager_get_queue (BurrowTransferManager *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFER_MANAGER (self), NULL);
  return self->queue;
}

/**
 * burrow_transfer_manager_set_retry_delay:
 * @ms: first delay before an item (or a source) that found no slot or was
 *   offline is tried again; it doubles on each failure
 */
void
burrow_transfer_manager_set_retry_delay (BurrowTransferManager *self,
                                         guint                  ms)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  self->retry_ms = MAX (ms, 10);
}

void
burrow_transfer_manager_set_max_downloads (BurrowTransferManager *self,
                                           guint                  n)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  self->max_downloads = MAX (n, 1);
  schedule_soon (self);
}

void
burrow_transfer_manager_set_auto_search (BurrowTransferManager *self,
                                         gboolean               enabled)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  self->auto_search = enabled;
}

/**
 * burrow_transfer_manager_set_running:
 * @running: %FALSE: start nothing new (running downloads go on)
 */
void
burrow_transfer_manager_set_running (BurrowTransferManager *self,
                                     gboolean               running)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  self->running = running;
  schedule_soon (self);
}

void
burrow_transfer_manager_kick (BurrowTransferManager *self)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  g_hash_table_remove_all (self->retry_at);
  g_hash_table_remove_all (self->source_wait);
  schedule_soon (self);
}

guint64
burrow_transfer_manager_get_bytes_downloaded (BurrowTransferManager *self)
{
  return self->bytes_downloaded;
}

guint
burrow_transfer_manager_get_n_corrupt_blocks (BurrowTransferManager *self)
{
  return self->n_corrupt;
}
