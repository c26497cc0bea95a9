/* burrow-transfer-manager-workers.c — the transfer manager's workers: blocks, segments, the
 * tree, and lending their connections
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-transfer-manager"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-download-file.h"
#include "burrow-error.h"
#include "burrow-peer-dialer.h"
#include "burrow-transfer-private.h"

#include "burrow-transfer-manager-private.h"

/* --- lending a download's connection ------------------------------------------------------ */

/* Between two passive users every connection is made by NAT traversal from the same two hub
 * ports: while a download from a user holds one, no other can be made to that user. A file
 * list wanted meanwhile borrows the download's connection (through the pool) between two of
 * its requests. */

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

  if (w->peer == NULL || w->lent || w->pending || burrow_peer_connection_is_closed (w->peer))
    return FALSE;
  if (!burrow_peer_pool_has_borrower (self->pool, w->cid))
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
  burrow_peer_pool_lend (self->pool, w->cid, w->peer);
  return TRUE;
}

/* The borrower closed it (or the peer did): the worker finds out with its next request. */
static void
on_lent_closed (BurrowPeerConnection *peer,
                Worker               *w)
{
  worker_unlend (w);
  _burrow_worker_next (w);
}

/* The pool asks whether a download has a connection to @cid (and, @lend_now, to lend it
 * where the worker is certainly between two requests: an idle callback; elsewhere it lends
 * at its next step). */
gboolean
_burrow_worker_lend_func (BurrowPeerPool *pool,
           const gchar    *cid,
           gboolean        lend_now,
           gpointer        user_data)
{
  BurrowTransferManager *self = user_data;
  Worker *w;

  if (self->disposed)
    return FALSE;
  w = find_worker (self, cid);
  if (w == NULL)
    return FALSE;
  if (lend_now)
    worker_lend (w);
  return TRUE;
}

/* A borrowed connection given back to the pool: the download goes on. */
gboolean
_burrow_worker_on_pool_returned (BurrowPeerPool        *pool,
                  const gchar           *cid,
                  BurrowPeerConnection  *peer,
                  BurrowTransferManager *self)
{
  Worker *w;

  if (self->disposed || self->lent == NULL)
    return FALSE;
  w = g_hash_table_lookup (self->lent, peer);
  if (w == NULL)
    return FALSE;
  worker_unlend (w);
  _burrow_worker_next (w);
  return TRUE;
}

/* --- blocks ------------------------------------------------------------------------------- */

const BurrowTthTree *
_burrow_download_tree (Download *d)
{
  return burrow_queue_item_get_tree (d->item);
}

void
_burrow_download_alloc_blocks (Download *d)
{
  d->n_blocks = burrow_queue_item_get_n_blocks (d->item);
  g_free (d->assigned);
  d->assigned = g_malloc0 (MAX (d->n_blocks, 1));
}

gboolean
_burrow_download_all_verified (Download *d)
{
  const BurrowTthTree *tree = _burrow_download_tree (d);

  return tree != NULL && burrow_queue_item_get_verified_bytes (d->item) == tree->file_size &&
         d->n_blocks > 0 && burrow_queue_item_is_block_verified (d->item, d->n_blocks - 1);
}

gboolean
_burrow_download_has_free_block (Download *d)
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
  const BurrowTthTree *tree = _burrow_download_tree (d);
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
  if (d == NULL || d->assigned == NULL || w->seg_end <= w->seg_start ||
      _burrow_download_tree (d) == NULL)
    {
      w->seg_start = w->seg_end = 0;
      return;
    }
  /* blocks already in jobs are released when their job returns */
  bs = _burrow_download_tree (d)->block_size;
  for (guint64 i = (w->dispatched + bs - 1) / bs; i * bs < w->seg_end && i < d->n_blocks; i++)
    d->assigned[i] = 0;
  /* a block partly in a job, partly not received: its pieces are useless */
  if (w->dispatched % bs != 0 && w->dispatched < w->seg_end)
    {
      guint64 block = w->dispatched / bs;

      burrow_block_pieces_forget (d->pieces, block);
      d->assigned[block] = 0;
    }
  w->seg_start = w->seg_end = 0;
}

/* --- workers ------------------------------------------------------------------------------ */

void
_burrow_worker_free (Worker *w)
{
  BurrowTransferManager *self = w->manager;
  g_autofree gchar *cid = g_strdup (w->cid);
  guint position;

  if (w->transfer != NULL && !self->disposed &&
      g_list_store_find (self->transfers, w->transfer, &position))
    g_list_store_remove (self->transfers, position);
  _burrow_transfer_manager_cid_release (self, w->cid);
  if (w->lent)
    worker_unlend (w);
  if (w->peer != NULL)
    {
      burrow_peer_connection_close (w->peer);
      _burrow_unref_later (g_steal_pointer (&w->peer));
    }
  g_clear_object (&w->transfer);
  g_clear_object (&w->cancellable);
  g_clear_pointer (&w->job, job_free);
  g_clear_pointer (&w->tree_buf, g_byte_array_unref);
  g_clear_error (&w->failure);
  g_clear_pointer (&w->cid, g_free);
  g_clear_pointer (&w->hub, g_free);
  g_clear_pointer (&w->nick, g_free);
  burrow_peer_pool_serve (self->pool, cid);
  if (w->n_jobs > 0)
    {
      w->zombie = TRUE;   /* the last job frees the struct */
      return;
    }
  g_free (w);
}

/* Takes @w off its download; frees it now or when its operation returns. */
void
_burrow_worker_abort (Worker *w)
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
      _burrow_worker_free (w);
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
  if (_burrow_download_all_verified (d))
    {
      _burrow_download_finish (d);
      return;
    }
  if (d->checked || _burrow_download_tree (d) == NULL)
    {
      guint n = burrow_queue_item_get_n_sources (d->item);

      for (guint s = 0; s < n && d->workers->len == 0; s++)
        {
          const BurrowQueueSource *source = burrow_queue_item_get_source (d->item, s);

          if (g_strcmp0 (source->cid, cid) != 0 &&
              _burrow_transfer_manager_source_usable (self, d->item, source))
            _burrow_worker_spawn (d, source->cid, source->hub, source->nick);
        }
    }
  if (!d->stopped && !d->finishing && d->workers->len == 0 && !_burrow_download_all_verified (d))
    {
      gboolean slots = g_error_matches (error, BURROW_TRANSFER_ERROR,
                                        BURROW_TRANSFER_ERROR_NO_SLOTS);
      g_autoptr(GError) why = slots ? g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                           BURROW_TRANSFER_ERROR_NO_SLOTS,
                                                           _("No free upload slots; waiting"))
                                    : (d->last_error ? g_error_copy (d->last_error) : NULL);

      _burrow_download_stop (d, BURROW_QUEUE_STATE_QUEUED, why);
    }
}

/* The worker is done with its download: keep the connection for the next file,
 * record the failure, and let the scheduler decide what comes next. */
void
_burrow_worker_end (Worker       *w,
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
    burrow_peer_pool_keep (self->pool, w->cid, g_steal_pointer (&w->peer));

  if (d != NULL && error != NULL)
    {
      g_clear_error (&d->last_error);
      d->last_error = g_error_copy (error);
    }
  if (d != NULL && !d->finishing && !d->stopped && d->workers->len == 0 && !d->checking)
    download_orphaned (d, w->cid, error);
  _burrow_worker_free (w);
  _burrow_transfer_manager_schedule_soon (self);
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
        _burrow_transfer_manager_source_rest (self, d->item, w->cid);

      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_DISK_FULL) ||
          g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_UNWRITABLE))
        {
          /* a local problem: pause with the reason and keep the data (this frees @w) */
          _burrow_download_stop (d, BURROW_QUEUE_STATE_PAUSED, error);
          return;
        }
    }
  _burrow_worker_end (w, error);
}

/* --- segments: received data into write-and-hash jobs, their verdicts, the tree ----------- */

static void
job_free (Job *job)
{
  burrow_download_job_clear (&job->io);
  g_free (job->cid);
  g_free (job->nick);
  g_free (job);
}

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  Download *d = job->download;
  Worker *w = job->worker;
  BurrowTransferManager *self = d->manager;
  gboolean worker_here = !w->zombie && !w->aborted && w->download == d;
  g_autoptr(GError) error = NULL;

  d->n_jobs--;
  w->n_jobs--;
  /* fresh memory costs page faults: buffers go round */
  if (self->spare_buffers->len < 2 * JOB_MAX_IN_FLIGHT)
    g_ptr_array_add (self->spare_buffers, g_steal_pointer (&job->io.data));

  if (!d->stopped && !d->finishing)
    {
      const BurrowTthTree *tree = _burrow_download_tree (d);
      guint64 bs = tree->block_size;
      guint64 n_pieces = (job->io.len + job->io.piece_size - 1) / job->io.piece_size;

      for (guint64 i = 0; i < n_pieces; i++)
        {
          guint64 offset = job->io.offset + i * job->io.piece_size;
          guint64 block = offset / bs;
          gboolean verified;

          if (i >= job->io.n_hashed)
            {
              /* not written: the block goes back, with whatever pieces it had */
              burrow_block_pieces_forget (d->pieces, block);
              d->assigned[block] = 0;
              continue;
            }
          if (!burrow_download_verify_piece (&d->pieces, tree, block,
                                             (offset % bs) / job->io.piece_size,
                                             job->io.roots + i * BURROW_TTH_SIZE, &verified))
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
      if (job->io.saved_errno != 0)
        {
          g_clear_error (&error);
          error = burrow_download_file_io_error (job->io.saved_errno, d->part_path,
                                                 BURROW_DOWNLOAD_IO_WRITE);
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
    _burrow_download_release (d);
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
        _burrow_download_stop (d, BURROW_QUEUE_STATE_PAUSED, error);
      else if (d->workers->len == 0)
        download_orphaned (d, job->cid, error);
    }
  else if (!d->finishing && d->n_jobs == 0 && _burrow_download_all_verified (d))
    {
      if (worker_here && w->waiting)
        _burrow_worker_end (w, NULL);
      if (!d->finishing && !d->stopped)
        _burrow_download_finish (d);
    }
  else if (worker_here && w->waiting && w->n_jobs == 0)
    {
      w->waiting = FALSE;
      _burrow_worker_next (w);
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

  w->dispatched = job->io.offset + job->io.len;
  w->n_jobs++;
  job->download->n_jobs++;
  /* the task holds the manager: on_job_done () may run after its last other reference went */
  burrow_download_job_run_async (&job->io, G_OBJECT (w->manager), on_job_done, job);
}

static Job *
job_new (Worker *w)
{
  Download *d = w->download;
  const BurrowTthTree *tree = _burrow_download_tree (d);
  Job *job = g_new0 (Job, 1);

  job->download = d;
  job->worker = w;
  job->io.fd = d->fd;
  job->io.offset = w->pos;
  job->io.piece_size = MIN (tree->block_size, (guint64) JOB_BYTES);
  /* whole blocks when they fit, else one piece */
  job->io.cap = (gsize) MIN (w->seg_end - w->pos,
                          MAX (job->io.piece_size,
                               (guint64) JOB_BYTES / job->io.piece_size * job->io.piece_size));
  if (w->manager->spare_buffers->len > 0)
    job->io.data = g_ptr_array_steal_index_fast (w->manager->spare_buffers,
                                              w->manager->spare_buffers->len - 1);
  else
    job->io.data = g_malloc (JOB_BYTES);
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
      n = MIN (len, w->job->io.cap - w->job->io.len);
      memcpy (w->job->io.data + w->job->io.len, data, n);
      w->job->io.len += n;
      w->pos += n;
      data += n;
      len -= n;
      if (w->job->io.len == w->job->io.cap)
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
  end = job->io.offset + job->io.len;
  if (end != _burrow_download_tree (w->download)->file_size)
    job->io.len -= (gsize) ((end - job->io.offset) % job->io.piece_size);
  if (job->io.len == 0)
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
      _burrow_worker_free (w);
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
  if (w->download != NULL && w->download->n_jobs == 0 &&
      _burrow_download_all_verified (w->download))
    {
      Download *d = w->download;

      _burrow_worker_end (w, NULL);
      if (!d->finishing && !d->stopped)
        _burrow_download_finish (d);
      return;
    }
  _burrow_worker_next (w);
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
  _burrow_download_alloc_blocks (d);
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
      _burrow_worker_free (w);
      return;
    }
  if (error != NULL && g_error_matches (error, BURROW_TRANSFER_ERROR,
                                        BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE) &&
      _burrow_download_tree (w->download) == NULL && !other_source_usable (w))
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
      _burrow_worker_next (w);
      return;
    }
  if (error != NULL)
    {
      worker_failed (w, error);
      return;
    }
  if (_burrow_download_tree (w->download) != NULL)
    {
      /* another source's tree came first */
      _burrow_worker_next (w);
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
  _burrow_transfer_manager_schedule_soon (w->manager);
  _burrow_worker_next (w);
}

void
_burrow_worker_next (Worker *w)
{
  Download *d = w->download;
  g_autoptr(GError) error = NULL;

  if (d == NULL || d->stopped || d->finishing)
    {
      _burrow_worker_end (w, NULL);
      return;
    }
  if (w->lent || worker_lend (w))
    return;

  if (_burrow_download_tree (d) == NULL)
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
      if (_burrow_download_all_verified (d))
        {
          _burrow_worker_end (w, NULL);
          if (!d->finishing && !d->stopped)
            _burrow_download_finish (d);
        }
      else if (w->n_jobs > 0)
        w->waiting = TRUE;      /* its jobs may still find a bad block to fetch again */
      else
        _burrow_worker_end (w, NULL);   /* the rest is being fetched by others */
      return;
    }
  start_segment (w);
}

static void
worker_connected (Worker               *w,
                  BurrowPeerConnection *peer,
                  BurrowPunchAttempt   *attempt)
{
  if (!burrow_peer_connection_can_download (peer))
    {
      /* NMDC: the `$Direction` exchange made us the uploader on it: no GET may go out */
      g_autoptr(GError) error = g_error_new (BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED,
                                             _("%s wants to download on this connection: it cannot "
                                               "serve us"), w->nick ? w->nick : w->cid);

      burrow_peer_connection_close (peer);
      _burrow_unref_later (peer);
      worker_failed (w, error);
      return;
    }
  w->peer = peer;
  /* a connection from the pool (a browse's, or a previous file's) says how it was made */
  if (attempt == NULL)
    attempt = burrow_peer_connection_get_attempt (peer);
  _burrow_transfer_set_method (w->transfer, burrow_peer_connection_get_protocol (peer),
                               attempt ? burrow_punch_attempt_get_method (attempt)
                                       : burrow_transfer_get_method (w->transfer),
                               burrow_peer_connection_is_tls (peer));
  _burrow_worker_next (w);
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
  peer = burrow_peer_dialer_connect_finish (BURROW_PEER_DIALER (source), result, &attempt, &error);
  if (w->aborted)
    {
      if (peer != NULL)
        {
          burrow_peer_connection_close (peer);
          _burrow_unref_later (peer);
        }
      _burrow_worker_free (w);
      return;
    }
  if (peer == NULL)
    {
      worker_failed (w, error);
      return;
    }
  worker_connected (w, peer, attempt);
}

void
_burrow_worker_spawn (Download    *d,
              const gchar *cid,
              const gchar *hub,
              const gchar *nick)
{
  BurrowTransferManager *self = d->manager;
  Worker *w = g_new0 (Worker, 1);
  BurrowUser *user;
  BurrowPeerConnection *peer;

  w->manager = self;
  w->download = d;
  w->cid = g_strdup (cid);
  w->hub = g_strdup (hub);
  w->cancellable = g_cancellable_new ();
  user = _burrow_transfer_manager_find_user (self, cid, hub);
  w->nick = g_strdup (user ? burrow_user_get_nick (user) : nick);
  w->transfer = _burrow_transfer_new (BURROW_TRANSFER_DIRECTION_DOWNLOAD, w->nick, cid, w->hub,
                                      burrow_queue_item_get_name (d->item),
                                      burrow_queue_item_get_size (d->item),
                                      burrow_queue_item_get_id (d->item));
  _burrow_transfer_manager_cid_take (self, cid);
  g_ptr_array_add (d->workers, w);
  if (!g_ptr_array_find_with_equal_func (d->tried, cid, g_str_equal, NULL))
    g_ptr_array_add (d->tried, g_strdup (cid));
  g_list_store_append (self->transfers, w->transfer);
  _burrow_transfer_manager_sampler_ensure (self);

  peer = burrow_peer_pool_take (self->pool, cid);
  if (peer != NULL)
    {
      worker_connected (w, peer, NULL);
      return;
    }
  if (user == NULL)
    {
      g_autoptr(GError) error = g_error_new (BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SOURCE,
                                             _("%s is not online"), w->nick ? w->nick : cid);
      worker_failed (w, error);
      return;
    }
  w->pending = TRUE;
  burrow_peer_dialer_connect_async (self->dialer, cid, w->hub, w->cancellable, on_connected, w);
}
