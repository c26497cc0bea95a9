/* burrow-download-writer.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-download-writer"
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "burrow-download-writer.h"

struct _BurrowBlockPieces
{
  GHashTable *blocks;   /* guint64 block → Pieces */
};

/* The piece roots of one block that spans several jobs. */
typedef struct
{
  guint    n_pieces;
  guint    n_done;
  guint8  *roots;
} Pieces;

static void
pieces_free (gpointer data)
{
  Pieces *p = data;

  g_free (p->roots);
  g_free (p);
}

/**
 * burrow_download_job_clear:
 *
 * Frees the job's buffers (@data, @roots); the struct itself is the caller's.
 */
void
burrow_download_job_clear (BurrowDownloadJob *job)
{
  g_clear_pointer (&job->data, g_free);
  g_clear_pointer (&job->roots, g_free);
}

/* Thread. Written data goes to the disk now (asynchronously), and what was written
 * BURROW_DOWNLOAD_CACHE_LAG bytes before leaves the page cache once it is there: a large
 * download does not push out what the desktop uses, and its next writes reuse the pages just
 * freed rather than fresh ones (copying into fresh pages costs several times more; in a VM
 * whose host reclaims free memory, as much CPU as the hashing). */
static void
job_recycle_cache (BurrowDownloadJob *job)
{
#ifdef SYNC_FILE_RANGE_WRITE
  if (job->written > 0)
    sync_file_range (job->fd, (off_t) job->offset, (off_t) job->written, SYNC_FILE_RANGE_WRITE);
#endif
  if (job->offset >= BURROW_DOWNLOAD_CACHE_LAG)
    posix_fadvise (job->fd, (off_t) (job->offset - BURROW_DOWNLOAD_CACHE_LAG), (off_t) job->len,
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
  BurrowDownloadJob *job = task_data;
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

/**
 * burrow_download_job_run_async:
 * @job: (not nullable): filled up to @len; it must stay alive, untouched, until @callback
 * @source_object: (nullable): kept alive until @callback (the task's source object)
 *
 * Writes @job to its file and hashes its pieces on a worker thread; @callback finds the out
 * fields of @job set (a failed write is @saved_errno, never a task error).
 */
void
burrow_download_job_run_async (BurrowDownloadJob   *job,
                               GObject             *source_object,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, NULL, callback, user_data);

  g_task_set_source_tag (task, burrow_download_job_run_async);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, job_thread);
}

/**
 * burrow_download_verify_piece:
 * @pieces: (inout): the pieces of the blocks in parts (created when first needed)
 * @tree: the file's tree
 * @block: the block the piece belongs to
 * @piece: which piece of @block (of MIN (block size, %BURROW_DOWNLOAD_JOB_BYTES) bytes)
 * @root: the piece's TTH root
 * @verified: (out): whether the block matches its leaf (once known)
 *
 * A piece's root for @block arrived.
 *
 * Returns: %TRUE with @verified set once the block's verdict is known
 */
gboolean
burrow_download_verify_piece (BurrowBlockPieces   **pieces,
                              const BurrowTthTree  *tree,
                              guint64               block,
                              guint64               piece,
                              const guint8         *root,
                              gboolean             *verified)
{
  const guint8 *leaf = (const guint8 *) g_bytes_get_data (tree->leaves, NULL) +
                       block * BURROW_TTH_SIZE;
  guint64 piece_size = MIN (tree->block_size, (guint64) BURROW_DOWNLOAD_JOB_BYTES);
  guint64 block_len = MIN (tree->block_size, tree->file_size - block * tree->block_size);
  Pieces *p;
  guint8 combined[BURROW_TTH_SIZE];

  if (piece_size == tree->block_size)
    {
      *verified = memcmp (root, leaf, BURROW_TTH_SIZE) == 0;
      return TRUE;
    }
  if (*pieces == NULL)
    {
      *pieces = g_new0 (BurrowBlockPieces, 1);
      (*pieces)->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                 pieces_free);
    }
  p = g_hash_table_lookup ((*pieces)->blocks, &block);
  if (p == NULL)
    {
      p = g_new0 (Pieces, 1);
      p->n_pieces = (guint) ((block_len + piece_size - 1) / piece_size);
      p->roots = g_malloc0 ((gsize) p->n_pieces * BURROW_TTH_SIZE);
      g_hash_table_insert ((*pieces)->blocks, g_memdup2 (&block, sizeof block), p);
    }
  memcpy (p->roots + piece * BURROW_TTH_SIZE, root, BURROW_TTH_SIZE);
  if (++p->n_done < p->n_pieces)
    return FALSE;
  burrow_tth_root_from_nodes (p->roots, p->n_pieces, combined);
  g_hash_table_remove ((*pieces)->blocks, &block);
  *verified = memcmp (combined, leaf, BURROW_TTH_SIZE) == 0;
  return TRUE;
}

/**
 * burrow_block_pieces_forget:
 * @pieces: (nullable): the pieces
 *
 * Drops what arrived of @block (it is fetched again whole).
 */
void
burrow_block_pieces_forget (BurrowBlockPieces *pieces,
                            guint64            block)
{
  if (pieces != NULL)
    g_hash_table_remove (pieces->blocks, &block);
}

void
burrow_block_pieces_free (BurrowBlockPieces *pieces)
{
  if (pieces == NULL)
    return;
  g_hash_table_unref (pieces->blocks);
  g_free (pieces);
}
