/* burrow-hasher.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hasher"
#define _GNU_SOURCE   /* O_NOATIME */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "burrow-error.h"
#include "burrow-hash-store.h"
#include "burrow-tth.h"

#include "burrow-hasher.h"

/*
 * Design
 *
 * The GObject lives on the main context it was created on; everything the
 * worker threads share with it is in a separate Shared struct guarded by one
 * mutex. Workers never touch the GObject: they hand Results to the main
 * context through an idle source, and the main context turns them into
 * signals and (at most PROGRESS_HZ times a second) property notifications.
 *
 * Scheduling. burrow_hasher_add() puts a Job in the "unsorted" queue. A worker
 * stats a batch of unsorted jobs (off the main loop) to learn their disk
 * (st_dev) and moves them to that disk's queue. A worker takes a job from a
 * disk whose number of active streams is below "streams-per-disk" (1 by
 * default: one file stream per disk, small files hashed one after another).
 * A file of at least "split-threshold" bytes (with more than one thread) is
 * cut into pieces aligned to its stored block size
 * (burrow_tth_choose_block_size()); every idle worker takes pieces of it and
 * hashes them with pread() and its own BurrowTthHasher; the worker finishing
 * the last piece concatenates the pieces' leaves (whole stored-level nodes)
 * and gets the root with burrow_tth_root_from_nodes(). Pieces go first, so
 * all threads work on the big file together.
 *
 * Changes. The size, mtime (and inode, if given) seen when the file is opened
 * must match what was queued, and the size and nanosecond mtime must be the
 * same again after the last byte was read; otherwise the file fails with
 * BURROW_SHARE_ERROR_CHANGED and the share queues it again with fresh values.
 *
 * Persistence. Nothing is stored until a file is completely hashed. After a
 * crash or kill, the share's rescan finds the interrupted file missing from
 * the store (burrow_hash_store_lookup() fails) and queues it again: hashing
 * resumes file-wise, and files already stored are not hashed again.
 */

#define READ_SIZE       (2 * 1024 * 1024)
#define MAX_PIECE_SIZE  ((guint64) 64 * 1024 * 1024)
#define SORT_BATCH      256
#define PROGRESS_HZ     4

typedef struct _Shared Shared;

typedef struct
{
  gchar    *path;
  guint64   size;
  gint64    mtime;
  guint64   inode;
  guint     generation;

  /* Below: under Shared.lock, or owned by the one worker holding the job. */
  dev_t     dev;
  gboolean  has_slot;          /* counts as an active stream of its disk */
  guint64   bytes_read;        /* included in Shared.inflight */
  GError   *early_error;       /* from the sorting stat() */

  /* Split jobs */
  int       fd;
  struct stat st_open;
  guint64   block_size;
  guint64   piece_size;
  guint     n_pieces;
  guint     next_piece;
  guint     pieces_left;
  GBytes  **piece_leaves;
  GError   *error;             /* first failure of any piece */
} Job;

typedef struct
{
  Job    *job;                 /* owned ref */
  guint8  tth[BURROW_TTH_SIZE];
  GError *error;               /* owned; NULL on success */
} Result;

typedef struct
{
  GQueue  queue;               /* of Job, owned refs */
  guint   active;
} Disk;

typedef struct
{
  Shared   *shared;
  guint     index;
  GThread  *thread;
  gboolean  running;
} Worker;

struct _Shared
{
  gatomicrefcount  ref_count;

  BurrowHashStore *store;      /* owned; its methods are thread-safe */
  GMainContext    *context;    /* owned */
  BurrowHasher    *owner;      /* borrowed, main context only; NULL after dispose */

  GMutex           lock;       /* guards everything below */
  GCond            cond;       /* work available, unpaused, slot freed, quit */
  gboolean         quit;
  gboolean         paused;
  guint            generation; /* bumped by cancel_all: older jobs are stale */
  guint            threads;
  guint64          split_threshold;
  guint            streams_per_disk;
  guint64          throttle;
  GPtrArray       *workers;    /* of Worker *, owned */

  GQueue           unsorted;   /* of Job, owned refs */
  guint            sorting;    /* jobs being stat()ed by a worker */
  GHashTable      *disks;      /* dev_t (as guint64 *) → Disk, owned */
  GQueue           split_jobs; /* of Job, owned refs: split jobs with pieces left to take */
  guint            active_jobs;
  guint64          inflight;   /* bytes read of current-generation jobs not yet delivered */
  guint64          n_split;    /* files hashed in pieces, ever */

  GQueue           results;    /* of Result *, owned */
  gboolean         delivery_scheduled;
};

struct _BurrowHasher
{
  GObject       parent_instance;

  Shared       *shared;        /* owned ref */
  GMainContext *context;       /* owned */
  GHashTable   *queued;        /* path → Job (borrowed key, owned ref): current generation */
  guint         generation;
  GSource      *progress_source;   /* owned, while busy */

  /* Round counters, updated as results arrive */
  guint         outstanding;
  guint64       files_total_now;
  guint64       files_done_now;
  guint64       bytes_total_now;
  guint64       bytes_done_base;   /* sizes of delivered files */

  /* Published (property) values */
  guint64       files_total;
  guint64       files_done;
  guint64       bytes_total;
  guint64       bytes_done;
  guint64       rate;
  gint64        eta;
  gboolean      busy;

  gint64        last_sample_time;
  guint64       last_sample_bytes;
  gdouble       rate_avg;
};

G_DEFINE_FINAL_TYPE (BurrowHasher, burrow_hasher, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_FILES_TOTAL,
  PROP_FILES_DONE,
  PROP_BYTES_TOTAL,
  PROP_BYTES_DONE,
  PROP_RATE,
  PROP_ETA,
  PROP_PAUSED,
  PROP_BUSY,
  PROP_THREADS,
  PROP_SPLIT_THRESHOLD,
  PROP_STREAMS_PER_DISK,
  PROP_THROTTLE,
  N_PROPS
};

enum {
  SIGNAL_FILE_HASHED,
  SIGNAL_FILE_FAILED,
  SIGNAL_IDLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- jobs ---- */

static Job *
job_new (const gchar *path,
         guint64      size,
         gint64       mtime,
         guint64      inode,
         guint        generation)
{
  Job *job = g_atomic_rc_box_new0 (Job);

  job->path = g_strdup (path);
  job->size = size;
  job->mtime = mtime;
  job->inode = inode;
  job->generation = generation;
  job->fd = -1;
  return job;
}

static void
job_clear (gpointer data)
{
  Job *job = data;

  g_free (job->path);
  if (job->fd >= 0)
    close (job->fd);
  if (job->piece_leaves != NULL)
    {
      for (guint i = 0; i < job->n_pieces; i++)
        g_clear_pointer (&job->piece_leaves[i], g_bytes_unref);
      g_free (job->piece_leaves);
    }
  g_clear_error (&job->early_error);
  g_clear_error (&job->error);
}

static Job *
job_ref (Job *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
job_unref (gpointer job)
{
  g_atomic_rc_box_release_full (job, job_clear);
}

static void
result_free (gpointer data)
{
  Result *result = data;

  job_unref (result->job);
  g_clear_error (&result->error);
  g_free (result);
}

static void
disk_free (gpointer data)
{
  Disk *disk = data;

  g_queue_clear_full (&disk->queue, job_unref);
  g_free (disk);
}

/* ---- shared state ---- */

static Shared *
shared_ref (Shared *s)
{
  g_atomic_ref_count_inc (&s->ref_count);
  return s;
}

static void
shared_unref (Shared *s)
{
  if (!g_atomic_ref_count_dec (&s->ref_count))
    return;

  g_assert (s->workers->len == 0 || s->quit);
  g_ptr_array_unref (s->workers);
  g_queue_clear_full (&s->unsorted, job_unref);
  g_queue_clear_full (&s->split_jobs, job_unref);
  g_queue_clear_full (&s->results, result_free);
  g_hash_table_unref (s->disks);
  g_clear_object (&s->store);
  g_main_context_unref (s->context);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s);
}

static gboolean
is_stale_locked (Shared    *s,
                 const Job *job)
{
  return s->quit || job->generation != s->generation;
}

static void deliver_results (BurrowHasher *self,
                             GQueue       *results);

static gboolean
on_deliver (gpointer user_data)
{
  Shared *s = user_data;
  GQueue results = G_QUEUE_INIT;

  g_mutex_lock (&s->lock);
  results = s->results;
  g_queue_init (&s->results);
  s->delivery_scheduled = FALSE;
  g_mutex_unlock (&s->lock);

  if (s->owner != NULL)
    deliver_results (s->owner, &results);
  g_queue_clear_full (&results, result_free);

  return G_SOURCE_REMOVE;
}

static void
on_deliver_destroy (gpointer user_data)
{
  shared_unref (user_data);
}

static gboolean
all_drained_locked (Shared *s)
{
  GHashTableIter iter;
  Disk *disk;

  if (s->active_jobs > 0 || s->sorting > 0 || s->unsorted.length > 0)
    return FALSE;
  g_hash_table_iter_init (&iter, s->disks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &disk))
    if (disk->queue.length > 0)
      return FALSE;
  return TRUE;
}

/* Ends @job (taking the caller's ref): frees its stream slot and queues its
 * result for the main context. Returns TRUE if that was the last job. */
static gboolean
post_result_locked (Shared       *s,
                    Job          *job,
                    const guint8 *tth,
                    GError       *error)
{
  Result *result = g_new0 (Result, 1);

  if (job->has_slot)
    {
      Disk *disk = g_hash_table_lookup (s->disks, &(guint64) { job->dev });

      g_assert (disk != NULL && disk->active > 0);
      disk->active--;
      job->has_slot = FALSE;
      s->active_jobs--;
    }

  result->job = job;
  result->error = error;
  if (tth != NULL)
    memcpy (result->tth, tth, BURROW_TTH_SIZE);
  g_queue_push_tail (&s->results, result);

  if (!s->delivery_scheduled)
    {
      GSource *source = g_idle_source_new ();

      s->delivery_scheduled = TRUE;
      g_source_set_static_name (source, "[burrow] hasher results");
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, on_deliver, shared_ref (s), on_deliver_destroy);
      g_source_attach (source, s->context);
      g_source_unref (source);
    }

  g_cond_broadcast (&s->cond);
  return all_drained_locked (s);
}

static void
post_result (Shared       *s,
             Job          *job,
             const guint8 *tth,
             GError       *error)
{
  gboolean drained;

  g_mutex_lock (&s->lock);
  drained = post_result_locked (s, job, tth, error);
  g_mutex_unlock (&s->lock);

  /* Queue drained: commit the store's last batch now, from this thread. */
  if (drained)
    {
      g_autoptr(GError) flush_error = NULL;

      if (!burrow_hash_store_flush (s->store, &flush_error))
        g_debug ("%s", flush_error->message);
    }
}

/* ---- reading ---- */

static GError *
error_from_errno (int          saved_errno,
                  gboolean     opening,
                  const gchar *path)
{
  g_autofree gchar *display = g_filename_display_name (path);
  GIOErrorEnum code = g_io_error_from_errno (saved_errno);

  if (opening)
    return g_error_new (G_IO_ERROR, code, _("Cannot open %s: %s"), display,
                        g_strerror (saved_errno));
  return g_error_new (G_IO_ERROR, code, _("Cannot read %s: %s"), display,
                      g_strerror (saved_errno));
}

static GError *
changed_error (const gchar *path)
{
  g_autofree gchar *display = g_filename_display_name (path);

  return g_error_new (BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_CHANGED,
                      _("%s changed while it was being hashed"), display);
}

static gboolean
same_version (const struct stat *a,
              const struct stat *b)
{
  return a->st_size == b->st_size && a->st_ino == b->st_ino
         && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Opens @job's file and checks it is still what was queued. */
static int
open_job (Job          *job,
          struct stat  *st,
          GError      **error)
{
  int fd = g_open (job->path, O_RDONLY | O_CLOEXEC | O_NOATIME, 0);

  if (fd < 0 && errno == EPERM)
    fd = g_open (job->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_propagate_error (error, error_from_errno (saved_errno, TRUE, job->path));
      return -1;
    }

  if (fstat (fd, st) != 0)
    {
      int saved_errno = errno;

      g_propagate_error (error, error_from_errno (saved_errno, FALSE, job->path));
      close (fd);
      return -1;
    }

  if (!S_ISREG (st->st_mode))
    {
      g_autofree gchar *display = g_filename_display_name (job->path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("%s is not a regular file"), display);
      close (fd);
      return -1;
    }

  if ((guint64) st->st_size != job->size || (gint64) st->st_mtime != job->mtime
      || (job->inode != 0 && (guint64) st->st_ino != job->inode))
    {
      g_propagate_error (error, changed_error (job->path));
      close (fd);
      return -1;
    }

  return fd;
}

/* Accounts @n bytes just read, waits while paused and for the throttle.
 * Returns FALSE if the job must stop (cancelled, stale or quitting). */
static gboolean
chunk_done (Shared *s,
            Job    *job,
            gsize   n,
            gint64  started,
            guint64 done_in_call)
{
  gboolean go_on;

  g_mutex_lock (&s->lock);
  if (!is_stale_locked (s, job))
    {
      job->bytes_read += n;
      s->inflight += n;
    }

  while (s->paused && !is_stale_locked (s, job))
    g_cond_wait (&s->cond, &s->lock);

  if (s->throttle > 0 && !is_stale_locked (s, job))
    {
      gint64 due = started + (gint64) (done_in_call * G_USEC_PER_SEC / s->throttle);

      while (g_get_monotonic_time () < due && !is_stale_locked (s, job))
        g_cond_wait_until (&s->cond, &s->lock, due);
    }

  go_on = !is_stale_locked (s, job);
  g_mutex_unlock (&s->lock);

  return go_on;
}

/* Hashes @len bytes at @offset of @fd into @hasher. */
static gboolean
hash_range (Shared          *s,
            Job             *job,
            int              fd,
            guint64          offset,
            guint64          len,
            BurrowTthHasher *hasher,
            guint8          *buf,
            GError         **error)
{
  gint64 started = g_get_monotonic_time ();
  guint64 done = 0;
  gsize chunk = READ_SIZE;

  g_mutex_lock (&s->lock);
  if (s->throttle > 0)
    chunk = (gsize) CLAMP (s->throttle / 8, 4096, READ_SIZE);
  g_mutex_unlock (&s->lock);

#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise (fd, (off_t) offset, (off_t) len, POSIX_FADV_SEQUENTIAL);
#endif

  while (done < len)
    {
      gsize want = (gsize) MIN ((guint64) chunk, len - done);
      gsize got = 0;

      while (got < want)
        {
          gssize n = pread (fd, buf + got, want - got, (off_t) (offset + done + got));

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              int saved_errno = errno;

              g_propagate_error (error, error_from_errno (saved_errno, FALSE, job->path));
              return FALSE;
            }
          if (n == 0)
            {
              /* Shorter than when it was opened. */
              g_propagate_error (error, changed_error (job->path));
              return FALSE;
            }
          got += (gsize) n;
        }

      burrow_tth_hasher_update (hasher, buf, got);
      done += got;

      if (!chunk_done (s, job, got, started, done))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Hashing was cancelled"));
          return FALSE;
        }
    }

  return TRUE;
}

/* After the last byte: the file must not have changed since it was opened. */
static gboolean
check_unchanged (Job               *job,
                 int                fd,
                 const struct stat *st_open,
                 GError           **error)
{
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      g_propagate_error (error, error_from_errno (saved_errno, FALSE, job->path));
      return FALSE;
    }
  if (!same_version (st_open, &st))
    {
      g_propagate_error (error, changed_error (job->path));
      return FALSE;
    }
  return TRUE;
}

static void
store_and_post (Shared            *s,
                Job               *job,
                const struct stat *st,
                const guint8       root[BURROW_TTH_SIZE],
                guint64            block_size,
                GBytes            *leaves)
{
  GError *error = NULL;

  if (!burrow_hash_store_put (s->store, job->path, job->size, job->mtime, (guint64) st->st_ino,
                              root, block_size, leaves, &error))
    post_result (s, job, NULL, error);
  else
    post_result (s, job, root, NULL);
}

static void
hash_whole_file (Shared            *s,
                 Job               *job,
                 int                fd,
                 const struct stat *st,
                 guint8            *buf)
{
  guint64 block_size = burrow_tth_choose_block_size (job->size);
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (block_size);
  g_autoptr(GBytes) leaves = NULL;
  guint8 root[BURROW_TTH_SIZE];
  GError *error = NULL;

  if (!hash_range (s, job, fd, 0, job->size, hasher, buf, &error)
      || !check_unchanged (job, fd, st, &error))
    {
      close (fd);
      post_result (s, job, NULL, error);
      return;
    }
  close (fd);

  burrow_tth_hasher_finish (hasher, root);
  leaves = burrow_tth_hasher_steal_leaves (hasher);
  store_and_post (s, job, st, root, block_size, leaves);
}

/* Called by the worker that finished the last piece. */
static void
finish_split_job (Shared *s,
                  Job    *job)
{
  g_autoptr(GByteArray) nodes = NULL;
  g_autoptr(GBytes) leaves = NULL;
  guint8 root[BURROW_TTH_SIZE];
  GError *error = NULL;

  if (job->error == NULL)
    check_unchanged (job, job->fd, &job->st_open, &job->error);
  close (job->fd);
  job->fd = -1;

  if (job->error != NULL)
    {
      error = g_steal_pointer (&job->error);
      post_result (s, job, NULL, error);
      return;
    }

  nodes = g_byte_array_new ();
  for (guint i = 0; i < job->n_pieces; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (job->piece_leaves[i], &len);

      g_byte_array_append (nodes, data, (guint) len);
    }
  burrow_tth_root_from_nodes (nodes->data, nodes->len / BURROW_TTH_SIZE, root);
  leaves = g_byte_array_free_to_bytes (g_steal_pointer (&nodes));
  store_and_post (s, job, &job->st_open, root, job->block_size, leaves);
}

static void
hash_piece (Shared *s,
            Job    *job,
            guint   piece,
            guint8 *buf)
{
  guint64 offset = (guint64) piece * job->piece_size;
  guint64 len = MIN (job->piece_size, job->size - offset);
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (job->block_size);
  GBytes *leaves = NULL;
  GError *error = NULL;
  gboolean skip;
  gboolean last;
  guint8 root[BURROW_TTH_SIZE];

  g_mutex_lock (&s->lock);
  skip = job->error != NULL || is_stale_locked (s, job);
  g_mutex_unlock (&s->lock);

  if (!skip && hash_range (s, job, job->fd, offset, len, hasher, buf, &error))
    {
      burrow_tth_hasher_finish (hasher, root);
      leaves = burrow_tth_hasher_steal_leaves (hasher);
    }
  else if (skip)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Hashing was cancelled"));

  g_mutex_lock (&s->lock);
  job->piece_leaves[piece] = leaves;
  if (error != NULL && job->error == NULL)
    job->error = g_steal_pointer (&error);
  g_clear_error (&error);
  last = --job->pieces_left == 0;
  g_mutex_unlock (&s->lock);

  if (last)
    finish_split_job (s, job);   /* takes the worker's ref */
  else
    job_unref (job);
}

/* Opens the file and either hashes it or sets it up for the piece workers. */
static void
start_job (Shared *s,
           Job    *job,
           guint8 *buf)
{
  struct stat st;
  GError *error = NULL;
  guint64 split_threshold;
  guint threads;
  int fd;

  fd = open_job (job, &st, &error);
  if (fd < 0)
    {
      post_result (s, job, NULL, error);
      return;
    }

  g_mutex_lock (&s->lock);
  split_threshold = s->split_threshold;
  threads = s->threads;
  g_mutex_unlock (&s->lock);

  if (threads > 1 && job->size >= split_threshold
      && job->size > burrow_tth_choose_block_size (job->size))
    {
      guint64 block_size = burrow_tth_choose_block_size (job->size);
      guint64 piece_size = MIN (MAX_PIECE_SIZE, job->size / threads);

      /* Pieces of whole stored blocks: their leaves are the file's leaves. */
      piece_size = MAX (block_size, piece_size / block_size * block_size);

      job->fd = fd;
      job->st_open = st;
      job->block_size = block_size;
      job->piece_size = piece_size;
      job->n_pieces = (guint) ((job->size + piece_size - 1) / piece_size);
      job->pieces_left = job->n_pieces;
      job->piece_leaves = g_new0 (GBytes *, job->n_pieces);

      g_mutex_lock (&s->lock);
      s->n_split++;
      g_queue_push_tail (&s->split_jobs, job);  /* takes the worker's ref */
      g_cond_broadcast (&s->cond);
      g_mutex_unlock (&s->lock);
      return;
    }

  hash_whole_file (s, job, fd, &st, buf);
}

/* ---- workers ---- */

/* Stats a batch of unsorted jobs (unlocking meanwhile) and files them by disk. */
static void
sort_unsorted_locked (Shared *s)
{
  GQueue batch = G_QUEUE_INIT;
  GList *l;

  while (batch.length < SORT_BATCH && s->unsorted.length > 0)
    g_queue_push_tail (&batch, g_queue_pop_head (&s->unsorted));
  s->sorting += batch.length;
  g_mutex_unlock (&s->lock);

  for (l = batch.head; l != NULL; l = l->next)
    {
      Job *job = l->data;
      GStatBuf st;

      if (g_stat (job->path, &st) == 0)
        job->dev = st.st_dev;
      else
        job->early_error = error_from_errno (errno, TRUE, job->path);
    }

  g_mutex_lock (&s->lock);
  s->sorting -= batch.length;
  while (batch.length > 0)
    {
      Job *job = g_queue_pop_head (&batch);
      Disk *disk;

      if (is_stale_locked (s, job))
        {
          job_unref (job);
          continue;
        }
      if (job->early_error != NULL)
        {
          /* Drained-ness is checked by the next result or job anyway. */
          post_result_locked (s, job, NULL, g_steal_pointer (&job->early_error));
          continue;
        }

      disk = g_hash_table_lookup (s->disks, &(guint64) { job->dev });
      if (disk == NULL)
        {
          disk = g_new0 (Disk, 1);
          g_hash_table_insert (s->disks, g_memdup2 (&(guint64) { job->dev }, sizeof (guint64)),
                               disk);
        }
      g_queue_push_tail (&disk->queue, job);
    }
  g_cond_broadcast (&s->cond);
}

static Job *
take_piece_locked (Shared *s,
                   guint  *piece)
{
  Job *job = g_queue_peek_head (&s->split_jobs);

  if (job == NULL)
    return NULL;

  *piece = job->next_piece++;
  if (job->next_piece == job->n_pieces)
    return g_queue_pop_head (&s->split_jobs);   /* the queue's ref goes to the last piece */
  return job_ref (job);
}

static Job *
take_job_locked (Shared *s)
{
  GHashTableIter iter;
  gpointer key;
  Disk *disk;

  g_hash_table_iter_init (&iter, s->disks);
  while (g_hash_table_iter_next (&iter, &key, (gpointer *) &disk))
    {
      Job *job;

      if (disk->active >= s->streams_per_disk || disk->queue.length == 0)
        continue;

      job = g_queue_pop_head (&disk->queue);
      disk->active++;
      job->has_slot = TRUE;
      s->active_jobs++;
      return job;
    }
  return NULL;
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  Shared *s = worker->shared;
  g_autofree guint8 *buf = g_malloc (READ_SIZE);

  g_mutex_lock (&s->lock);
  for (;;)
    {
      Job *job;
      guint piece;

      if (s->quit || worker->index >= s->threads)
        break;

      if (s->paused)
        {
          g_cond_wait (&s->cond, &s->lock);
          continue;
        }

      if ((job = take_piece_locked (s, &piece)) != NULL)
        {
          g_mutex_unlock (&s->lock);
          hash_piece (s, job, piece, buf);
          g_mutex_lock (&s->lock);
          continue;
        }

      if (s->unsorted.length > 0)
        {
          sort_unsorted_locked (s);
          continue;
        }

      if ((job = take_job_locked (s)) != NULL)
        {
          g_mutex_unlock (&s->lock);
          start_job (s, job, buf);
          g_mutex_lock (&s->lock);
          continue;
        }

      g_cond_wait (&s->cond, &s->lock);
    }
  worker->running = FALSE;
  g_mutex_unlock (&s->lock);

  return NULL;
}

/* Main context. Starts the missing workers up to the "threads" property. */
static void
ensure_workers (Shared *s)
{
  guint threads;

  g_mutex_lock (&s->lock);
  threads = s->threads;
  g_mutex_unlock (&s->lock);

  for (guint i = 0; i < threads; i++)
    {
      Worker *worker = i < s->workers->len ? g_ptr_array_index (s->workers, i) : NULL;
      gboolean running = FALSE;
      g_autofree gchar *name = NULL;

      if (worker != NULL)
        {
          g_mutex_lock (&s->lock);
          running = worker->running;
          g_mutex_unlock (&s->lock);
          if (running)
            continue;
          /* It left when "threads" was lower: reap it and start it again. */
          g_thread_join (g_steal_pointer (&worker->thread));
        }
      else
        {
          worker = g_new0 (Worker, 1);
          worker->shared = s;
          worker->index = i;
          g_ptr_array_add (s->workers, worker);
        }

      worker->running = TRUE;
      name = g_strdup_printf ("burrow-hash-%u", i);
      worker->thread = g_thread_new (name, worker_main, worker);
    }
}

static void
worker_free (gpointer data)
{
  Worker *worker = data;

  if (worker->thread != NULL)
    g_thread_join (worker->thread);
  g_free (worker);
}

/* ---- main context: progress and results ---- */

static void
publish_progress (BurrowHasher *self,
                  gboolean      final)
{
  Shared *s = self->shared;
  guint64 inflight;
  gboolean paused;
  guint64 bytes_done;
  gint64 now = g_get_monotonic_time ();
  guint64 rate;
  gint64 eta;

  g_mutex_lock (&s->lock);
  inflight = s->inflight;
  paused = s->paused;
  g_mutex_unlock (&s->lock);

  bytes_done = MIN (self->bytes_done_base + inflight, self->bytes_total_now);

  if (self->last_sample_time > 0 && now > self->last_sample_time)
    {
      gdouble dt = (gdouble) (now - self->last_sample_time) / G_USEC_PER_SEC;
      gdouble inst = bytes_done >= self->last_sample_bytes
                     ? (gdouble) (bytes_done - self->last_sample_bytes) / dt : 0.0;

      /* Exponential smoothing over about two seconds. */
      self->rate_avg = self->rate_avg <= 0.0 ? inst : 0.8 * self->rate_avg + 0.2 * inst;
    }
  self->last_sample_time = now;
  self->last_sample_bytes = bytes_done;

  rate = (guint64) self->rate_avg;
  if (final)
    eta = 0;
  else if (paused || rate == 0)
    eta = -1;
  else
    eta = (gint64) ((self->bytes_total_now - bytes_done + rate - 1) / rate);

  g_object_freeze_notify (G_OBJECT (self));
#define SET(field, value, prop) \
  if (self->field != (value)) \
    { \
      self->field = (value); \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
    }
  SET (files_total, self->files_total_now, PROP_FILES_TOTAL);
  SET (files_done, self->files_done_now, PROP_FILES_DONE);
  SET (bytes_total, self->bytes_total_now, PROP_BYTES_TOTAL);
  SET (bytes_done, bytes_done, PROP_BYTES_DONE);
  SET (rate, rate, PROP_RATE);
  SET (eta, eta, PROP_ETA);
#undef SET
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
on_progress_tick (gpointer user_data)
{
  publish_progress (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

static void
set_busy (BurrowHasher *self,
          gboolean      busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;
  if (busy)
    {
      self->last_sample_time = g_get_monotonic_time ();
      self->last_sample_bytes = 0;
      self->rate_avg = 0.0;
      self->progress_source = g_timeout_source_new (1000 / PROGRESS_HZ);
      g_source_set_static_name (self->progress_source, "[burrow] hasher progress");
      g_source_set_callback (self->progress_source, on_progress_tick, self, NULL);
      g_source_attach (self->progress_source, self->context);
    }
  else if (self->progress_source != NULL)
    {
      g_source_destroy (self->progress_source);
      g_clear_pointer (&self->progress_source, g_source_unref);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
deliver_results (BurrowHasher *self,
                 GQueue       *results)
{
  g_autoptr(BurrowHasher) keep G_GNUC_UNUSED = g_object_ref (self); /* results may end the last ref */
  Result *result;

  while ((result = g_queue_pop_head (results)) != NULL)
    {
      Job *job = result->job;
      gboolean stale;

      g_mutex_lock (&self->shared->lock);
      stale = job->generation != self->shared->generation;
      if (!stale)
        self->shared->inflight -= MIN (self->shared->inflight, job->bytes_read);
      g_mutex_unlock (&self->shared->lock);

      if (stale || g_hash_table_lookup (self->queued, job->path) != job)
        {
          result_free (result);
          continue;
        }

      /* Out of the table first, so a handler may queue the path again. The
       * table's ref goes; @result still holds one. */
      g_hash_table_remove (self->queued, job->path);
      self->outstanding--;
      self->files_done_now++;
      self->bytes_done_base += job->size;

      if (result->error == NULL)
        {
          g_autoptr(GBytes) tth = g_bytes_new (result->tth, BURROW_TTH_SIZE);

          g_signal_emit (self, signals[SIGNAL_FILE_HASHED], 0, job->path, job->size, tth);
        }
      else
        {
          g_debug ("%s", result->error->message);
          g_signal_emit (self, signals[SIGNAL_FILE_FAILED], 0, job->path, result->error);
        }

      result_free (result);
    }

  if (self->busy && self->outstanding == 0)
    {
      publish_progress (self, TRUE);
      set_busy (self, FALSE);
      g_signal_emit (self, signals[SIGNAL_IDLE], 0);
    }
}

/* ---- GObject ---- */

static void
burrow_hasher_dispose (GObject *object)
{
  BurrowHasher *self = BURROW_HASHER (object);
  Shared *s = self->shared;

  if (s != NULL)
    {
      g_mutex_lock (&s->lock);
      s->quit = TRUE;
      g_cond_broadcast (&s->cond);
      g_mutex_unlock (&s->lock);

      /* Workers stop between two chunks; joining them is quick. */
      g_ptr_array_set_size (s->workers, 0);
      s->owner = NULL;
      /* No worker uses it any more; results still queued need only the jobs. */
      g_clear_object (&s->store);
      g_clear_pointer (&self->shared, shared_unref);
    }

  if (self->progress_source != NULL)
    {
      g_source_destroy (self->progress_source);
      g_clear_pointer (&self->progress_source, g_source_unref);
    }
  g_clear_pointer (&self->queued, g_hash_table_unref);

  G_OBJECT_CLASS (burrow_hasher_parent_class)->dispose (object);
}

static void
burrow_hasher_finalize (GObject *object)
{
  BurrowHasher *self = BURROW_HASHER (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (burrow_hasher_parent_class)->finalize (object);
}

static void
burrow_hasher_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BurrowHasher *self = BURROW_HASHER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, burrow_hasher_get_store (self));
      break;
    case PROP_FILES_TOTAL:
      g_value_set_uint64 (value, self->files_total);
      break;
    case PROP_FILES_DONE:
      g_value_set_uint64 (value, self->files_done);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->bytes_done);
      break;
    case PROP_RATE:
      g_value_set_uint64 (value, self->rate);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, burrow_hasher_get_paused (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, burrow_hasher_get_threads (self));
      break;
    case PROP_SPLIT_THRESHOLD:
      g_value_set_uint64 (value, burrow_hasher_get_split_threshold (self));
      break;
    case PROP_STREAMS_PER_DISK:
      g_value_set_uint (value, burrow_hasher_get_streams_per_disk (self));
      break;
    case PROP_THROTTLE:
      g_value_set_uint64 (value, burrow_hasher_get_throttle (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hasher_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BurrowHasher *self = BURROW_HASHER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->shared->store = g_value_dup_object (value);
      break;
    case PROP_PAUSED:
      burrow_hasher_set_paused (self, g_value_get_boolean (value));
      break;
    case PROP_THREADS:
      burrow_hasher_set_threads (self, g_value_get_uint (value));
      break;
    case PROP_SPLIT_THRESHOLD:
      burrow_hasher_set_split_threshold (self, g_value_get_uint64 (value));
      break;
    case PROP_STREAMS_PER_DISK:
      burrow_hasher_set_streams_per_disk (self, g_value_get_uint (value));
      break;
    case PROP_THROTTLE:
      burrow_hasher_set_throttle (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hasher_constructed (GObject *object)
{
  BurrowHasher *self = BURROW_HASHER (object);

  G_OBJECT_CLASS (burrow_hasher_parent_class)->constructed (object);

  g_assert (BURROW_IS_HASH_STORE (self->shared->store));
}

static void
burrow_hasher_class_init (BurrowHasherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = burrow_hasher_constructed;
  object_class->dispose = burrow_hasher_dispose;
  object_class->finalize = burrow_hasher_finalize;
  object_class->get_property = burrow_hasher_get_property;
  object_class->set_property = burrow_hasher_set_property;

  /**
   * BurrowHasher:store:
   *
   * Where completely hashed files are stored (from the worker threads).
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, BURROW_TYPE_HASH_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * BurrowHasher:files-total:
   *
   * Files queued in the current round (since the hasher was last idle).
   */
  properties[PROP_FILES_TOTAL] =
    g_param_spec_uint64 ("files-total", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  /**
   * BurrowHasher:files-done:
   *
   * Files of the current round hashed or failed.
   */
  properties[PROP_FILES_DONE] =
    g_param_spec_uint64 ("files-done", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  /**
   * BurrowHasher:bytes-done:
   *
   * Bytes of the current round read so far; a failed file counts as done.
   */
  properties[PROP_BYTES_DONE] =
    g_param_spec_uint64 ("bytes-done", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  /**
   * BurrowHasher:rate:
   *
   * Smoothed hashing speed in bytes per second.
   */
  properties[PROP_RATE] =
    g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  /**
   * BurrowHasher:eta:
   *
   * Seconds until the current round is done, or -1 if unknown (paused).
   */
  properties[PROP_ETA] =
    g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE, rw);
  /**
   * BurrowHasher:busy:
   *
   * Whether files are queued or being hashed.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  /**
   * BurrowHasher:threads:
   *
   * Worker threads; default: the number of processors.
   */
  properties[PROP_THREADS] =
    g_param_spec_uint ("threads", NULL, NULL, 1, 256, 1, rw);
  /**
   * BurrowHasher:split-threshold:
   *
   * Files of at least this size are hashed by all threads at once.
   */
  properties[PROP_SPLIT_THRESHOLD] =
    g_param_spec_uint64 ("split-threshold", NULL, NULL, 1, G_MAXUINT64,
                         BURROW_HASHER_DEFAULT_SPLIT_THRESHOLD, rw);
  /**
   * BurrowHasher:streams-per-disk:
   *
   * Files read at the same time from one device (st_dev); a split file
   * counts as one.
   */
  properties[PROP_STREAMS_PER_DISK] =
    g_param_spec_uint ("streams-per-disk", NULL, NULL, 1, 256, 1, rw);
  /**
   * BurrowHasher:throttle:
   *
   * Speed limit per stream in bytes per second, 0 for none (for tests).
   */
  properties[PROP_THROTTLE] =
    g_param_spec_uint64 ("throttle", NULL, NULL, 0, G_MAXUINT64, 0, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BurrowHasher::file-hashed:
   * @path: the local path
   * @size: its size
   * @tth: 24 bytes: its TTH root
   *
   * The file is hashed and its row written to the store.
   */
  signals[SIGNAL_FILE_HASHED] =
    g_signal_new ("file-hashed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_BYTES);
  /**
   * BurrowHasher::file-failed:
   * @path: the local path
   * @error: %G_IO_ERROR (%G_IO_ERROR_NOT_FOUND if it vanished, …),
   *   %BURROW_SHARE_ERROR_CHANGED if it changed since it was queued or while
   *   it was hashed, %BURROW_SHARE_ERROR_DATABASE if it could not be stored
   */
  signals[SIGNAL_FILE_FAILED] =
    g_signal_new ("file-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_ERROR);
  /**
   * BurrowHasher::idle:
   *
   * Every queued file was hashed or failed (not emitted by
   * burrow_hasher_cancel_all()).
   */
  signals[SIGNAL_IDLE] =
    g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
burrow_hasher_init (BurrowHasher *self)
{
  Shared *s = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&s->ref_count);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->context = g_main_context_ref_thread_default ();
  s->owner = self;
  s->threads = MAX (g_get_num_processors (), 1);
  s->split_threshold = BURROW_HASHER_DEFAULT_SPLIT_THRESHOLD;
  s->streams_per_disk = 1;
  s->workers = g_ptr_array_new_with_free_func (worker_free);
  s->disks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, disk_free);
  g_queue_init (&s->unsorted);
  g_queue_init (&s->split_jobs);
  g_queue_init (&s->results);

  self->shared = s;
  self->context = g_main_context_ref (s->context);
  self->queued = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, job_unref);
  self->eta = -1;
}

/**
 * burrow_hasher_new:
 * @store: where hashed files go
 *
 * Creates a hasher. Its signals and notifications are emitted on the
 * thread-default main context of the caller.
 *
 * Returns: (transfer full): a new hasher
 */
BurrowHasher *
burrow_hasher_new (BurrowHashStore *store)
{
  g_return_val_if_fail (BURROW_IS_HASH_STORE (store), NULL);

  return g_object_new (BURROW_TYPE_HASHER, "store", store, NULL);
}

/**
 * burrow_hasher_get_store:
 *
 * Returns: (transfer none): the store
 */
BurrowHashStore *
burrow_hasher_get_store (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), NULL);

  return self->shared != NULL ? self->shared->store : NULL;
}

/**
 * burrow_hasher_add:
 * @path: local path of a regular file
 * @size: its size, as the share saw it
 * @mtime: its modification time (seconds since the epoch), as the share saw it
 * @inode: its inode number, or 0 not to check it
 *
 * Queues @path for hashing; ignored if it is already queued or being hashed.
 * The result comes as #BurrowHasher::file-hashed (the row is then in the
 * store) or #BurrowHasher::file-failed. Callers look the file up in the store
 * first (burrow_hash_store_lookup()): the hasher hashes whatever it is given.
 */
void
burrow_hasher_add (BurrowHasher *self,
                   const gchar  *path,
                   guint64       size,
                   gint64        mtime,
                   guint64       inode)
{
  Shared *s;
  Job *job;

  g_return_if_fail (BURROW_IS_HASHER (self));
  g_return_if_fail (path != NULL);

  s = self->shared;
  if (g_hash_table_contains (self->queued, path))
    return;

  if (!self->busy)
    {
      /* A new round. */
      self->files_total_now = 0;
      self->files_done_now = 0;
      self->bytes_total_now = 0;
      self->bytes_done_base = 0;
    }

  job = job_new (path, size, mtime, inode, self->generation);
  g_hash_table_insert (self->queued, job->path, job_ref (job));
  self->outstanding++;
  self->files_total_now++;
  self->bytes_total_now += size;

  g_mutex_lock (&s->lock);
  g_queue_push_tail (&s->unsorted, job);
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);

  ensure_workers (s);
  set_busy (self, TRUE);
}

/**
 * burrow_hasher_is_queued:
 *
 * Returns: whether @path is queued or being hashed
 */
gboolean
burrow_hasher_is_queued (BurrowHasher *self,
                         const gchar  *path)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), FALSE);

  return g_hash_table_contains (self->queued, path);
}

/**
 * burrow_hasher_set_paused:
 *
 * Pauses or resumes hashing. Workers stop between two reads; nothing is lost.
 */
void
burrow_hasher_set_paused (BurrowHasher *self,
                          gboolean      paused)
{
  Shared *s;
  gboolean changed;

  g_return_if_fail (BURROW_IS_HASHER (self));

  s = self->shared;
  paused = !!paused;
  g_mutex_lock (&s->lock);
  changed = s->paused != paused;
  s->paused = paused;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

gboolean
burrow_hasher_get_paused (BurrowHasher *self)
{
  gboolean paused;

  g_return_val_if_fail (BURROW_IS_HASHER (self), FALSE);

  g_mutex_lock (&self->shared->lock);
  paused = self->shared->paused;
  g_mutex_unlock (&self->shared->lock);
  return paused;
}

/**
 * burrow_hasher_cancel_all:
 *
 * Forgets every queued file and stops the ones being hashed (nothing of them
 * is stored). No signals are emitted for them; the hasher is no longer busy.
 */
void
burrow_hasher_cancel_all (BurrowHasher *self)
{
  Shared *s;
  GHashTableIter iter;
  Disk *disk;

  g_return_if_fail (BURROW_IS_HASHER (self));

  s = self->shared;
  g_mutex_lock (&s->lock);
  s->generation++;
  self->generation = s->generation;
  g_queue_clear_full (&s->unsorted, job_unref);
  g_queue_init (&s->unsorted);
  g_hash_table_iter_init (&iter, s->disks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &disk))
    {
      g_queue_clear_full (&disk->queue, job_unref);
      g_queue_init (&disk->queue);
    }
  s->inflight = 0;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);

  g_hash_table_remove_all (self->queued);
  self->outstanding = 0;
  self->files_total_now = 0;
  self->files_done_now = 0;
  self->bytes_total_now = 0;
  self->bytes_done_base = 0;
  self->rate_avg = 0.0;
  publish_progress (self, TRUE);
  set_busy (self, FALSE);
}

gboolean
burrow_hasher_get_busy (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), FALSE);

  return self->busy;
}

guint
burrow_hasher_get_threads (BurrowHasher *self)
{
  guint threads;

  g_return_val_if_fail (BURROW_IS_HASHER (self), 1);

  g_mutex_lock (&self->shared->lock);
  threads = self->shared->threads;
  g_mutex_unlock (&self->shared->lock);
  return threads;
}

/**
 * burrow_hasher_set_threads:
 * @threads: worker threads (at least 1)
 */
void
burrow_hasher_set_threads (BurrowHasher *self,
                           guint         threads)
{
  Shared *s;
  gboolean changed;

  g_return_if_fail (BURROW_IS_HASHER (self));

  s = self->shared;
  threads = MAX (threads, 1);
  g_mutex_lock (&s->lock);
  changed = s->threads != threads;
  s->threads = threads;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);

  if (!changed)
    return;
  if (s->workers->len > 0)
    ensure_workers (s);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREADS]);
}

guint64
burrow_hasher_get_split_threshold (BurrowHasher *self)
{
  guint64 value;

  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);

  g_mutex_lock (&self->shared->lock);
  value = self->shared->split_threshold;
  g_mutex_unlock (&self->shared->lock);
  return value;
}

void
burrow_hasher_set_split_threshold (BurrowHasher *self,
                                   guint64       split_threshold)
{
  gboolean changed;

  g_return_if_fail (BURROW_IS_HASHER (self));

  split_threshold = MAX (split_threshold, 1);
  g_mutex_lock (&self->shared->lock);
  changed = self->shared->split_threshold != split_threshold;
  self->shared->split_threshold = split_threshold;
  g_mutex_unlock (&self->shared->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPLIT_THRESHOLD]);
}

guint
burrow_hasher_get_streams_per_disk (BurrowHasher *self)
{
  guint value;

  g_return_val_if_fail (BURROW_IS_HASHER (self), 1);

  g_mutex_lock (&self->shared->lock);
  value = self->shared->streams_per_disk;
  g_mutex_unlock (&self->shared->lock);
  return value;
}

void
burrow_hasher_set_streams_per_disk (BurrowHasher *self,
                                    guint         streams)
{
  gboolean changed;

  g_return_if_fail (BURROW_IS_HASHER (self));

  streams = MAX (streams, 1);
  g_mutex_lock (&self->shared->lock);
  changed = self->shared->streams_per_disk != streams;
  self->shared->streams_per_disk = streams;
  g_cond_broadcast (&self->shared->cond);
  g_mutex_unlock (&self->shared->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STREAMS_PER_DISK]);
}

guint64
burrow_hasher_get_throttle (BurrowHasher *self)
{
  guint64 value;

  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);

  g_mutex_lock (&self->shared->lock);
  value = self->shared->throttle;
  g_mutex_unlock (&self->shared->lock);
  return value;
}

/**
 * burrow_hasher_set_throttle:
 * @bytes_per_second: speed limit of each stream, or 0 for none
 *
 * Slows hashing down, for tests and benchmarks of the machinery around it.
 */
void
burrow_hasher_set_throttle (BurrowHasher *self,
                            guint64       bytes_per_second)
{
  gboolean changed;

  g_return_if_fail (BURROW_IS_HASHER (self));

  g_mutex_lock (&self->shared->lock);
  changed = self->shared->throttle != bytes_per_second;
  self->shared->throttle = bytes_per_second;
  g_cond_broadcast (&self->shared->cond);
  g_mutex_unlock (&self->shared->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THROTTLE]);
}

guint64
burrow_hasher_get_files_total (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);
  return self->files_total;
}

guint64
burrow_hasher_get_files_done (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);
  return self->files_done;
}

guint64
burrow_hasher_get_bytes_total (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);
  return self->bytes_total;
}

guint64
burrow_hasher_get_bytes_done (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);
  return self->bytes_done;
}

guint64
burrow_hasher_get_rate (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);
  return self->rate;
}

gint64
burrow_hasher_get_eta (BurrowHasher *self)
{
  g_return_val_if_fail (BURROW_IS_HASHER (self), -1);
  return self->eta;
}

/**
 * burrow_hasher_get_n_split:
 *
 * For tests and benchmarks.
 *
 * Returns: how many files were hashed in pieces by several threads so far
 */
guint64
burrow_hasher_get_n_split (BurrowHasher *self)
{
  guint64 n;

  g_return_val_if_fail (BURROW_IS_HASHER (self), 0);

  g_mutex_lock (&self->shared->lock);
  n = self->shared->n_split;
  g_mutex_unlock (&self->shared->lock);
  return n;
}
