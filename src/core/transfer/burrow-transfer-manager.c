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
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "burrow-download-file.h"
#include "burrow-download-writer.h"
#include "burrow-error.h"
#include "burrow-peer-dialer.h"
#include "burrow-peer-enums.h"
#include "burrow-peer-pool.h"
#include "burrow-search.h"
#include "burrow-transfer-enums.h"
#include "burrow-transfer-private.h"

#include "burrow-transfer-manager-private.h"

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

void
_burrow_unref_later (gpointer object)
{
  /* never drop a peer connection from inside one of its own callbacks */
  if (object != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, drop_cb, object, g_object_unref);
}

/* The user with @cid online, preferring the hub @hub. */
BurrowUser *
_burrow_transfer_manager_find_user (BurrowTransferManager *self,
           const gchar           *cid,
           const gchar           *hub)
{
  return burrow_peer_dialer_lookup (self->dialer, cid, hub);
}

static gchar *
source_key (BurrowQueueItem *item,
            const gchar     *cid)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s", burrow_queue_item_get_id (item), cid);
}

void
_burrow_transfer_manager_source_rest (BurrowTransferManager *self,
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

void
_burrow_transfer_manager_cid_take (BurrowTransferManager *self,
          const gchar           *cid)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->busy_cids, cid));

  g_hash_table_replace (self->busy_cids, g_strdup (cid), GUINT_TO_POINTER (n + 1));
}

void
_burrow_transfer_manager_cid_release (BurrowTransferManager *self,
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
  g_clear_pointer (&d->pieces, burrow_block_pieces_free);
  g_free (d->part_path);
  g_clear_error (&d->last_error);
  g_object_unref (d->item);
  g_free (d);
}

/* Frees a stopped download once no thread (check or job) uses it. */
void
_burrow_download_release (Download *d)
{
  g_assert (d->stopped);
  if (!d->checking && d->n_jobs == 0)
    download_free (d);
}

/* Stops every worker, keeps the data, and leaves @d's item in @state. */
void
_burrow_download_stop (Download         *d,
               BurrowQueueState  state,
               const GError     *error)
{
  BurrowTransferManager *self = d->manager;
  g_autoptr(GPtrArray) workers = g_ptr_array_copy (d->workers, NULL, NULL);
  gint64 id = burrow_queue_item_get_id (d->item);

  if (d->stopped)
    return;
  g_debug ("%s: stopped (%d: %s)", burrow_queue_item_get_name (d->item), state,
           error ? error->message : "");
  d->stopped = TRUE;
  for (guint i = 0; i < workers->len; i++)
    _burrow_worker_abort (g_ptr_array_index (workers, i));
  if (d->state_handler != 0)
    {
      g_signal_handler_disconnect (d->item, d->state_handler);
      d->state_handler = 0;
    }
  burrow_download_queue_flush (self->queue, NULL);
  if (state != BURROW_QUEUE_STATE_DONE)
    burrow_download_queue_set_state (self->queue, d->item, state, error);
  if (state == BURROW_QUEUE_STATE_QUEUED)
    retry_later (self, d->item);
  if ((state == BURROW_QUEUE_STATE_PAUSED || state == BURROW_QUEUE_STATE_FAILED) && error != NULL)
    g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FAILED], 0, d->item, error);
  g_hash_table_remove (self->downloads, &id);
  _burrow_download_release (d);
  _burrow_transfer_manager_schedule_soon (self);
}

static void
on_item_state (BurrowQueueItem *item,
               GParamSpec      *pspec,
               Download        *d)
{
  /* paused (or resumed into another state) by the user while running */
  if (burrow_queue_item_get_state (item) != BURROW_QUEUE_STATE_RUNNING && !d->stopped && !d->finishing)
    _burrow_download_stop (d, burrow_queue_item_get_state (item),
                           burrow_queue_item_get_error (item));
}

/* Moves the part file to the first free name: never overwrites. */
/* Checks the part file on a thread: @final, the finished file's size and root; else which
 * blocks on disk already match their leaves (resuming). The manager stays alive meanwhile. */
static void
download_check (Download            *d,
                gboolean             final,
                GAsyncReadyCallback  callback)
{
  d->checking = TRUE;
  g_object_ref (d->manager);
  burrow_download_file_check_async (d->part_path, _burrow_download_tree (d), d->n_blocks, final,
                                    NULL, callback, d);
}

static void
on_resume_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Download *d = user_data;
  g_autoptr(BurrowTransferManager) hold = d->manager;   /* download_check()'s reference */
  g_autofree guint8 *bitmap = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiting = NULL;

  d->checking = FALSE;
  if (d->stopped)
    {
      _burrow_download_release (d);
      return;
    }
  if (!burrow_download_file_check_finish (result, &bitmap, &error))
    {
      _burrow_download_stop (d, BURROW_QUEUE_STATE_PAUSED, error);
      return;
    }
  for (guint64 b = 0; b < d->n_blocks; b++)
    burrow_download_queue_set_block_verified (d->manager->queue, d->item, b,
                                              (bitmap[b / 8] & (1u << (b % 8))) != 0);
  burrow_download_queue_flush (d->manager->queue, NULL);
  d->checked = TRUE;
  g_debug ("%s: %" G_GUINT64_FORMAT " bytes on disk verified", burrow_queue_item_get_name (d->item),
           burrow_queue_item_get_verified_bytes (d->item));
  if (_burrow_download_all_verified (d))
    {
      _burrow_download_finish (d);
      return;
    }
  /* workers that waited for the check go on (or the scheduler finds new ones) */
  if (d->workers->len == 0)
    {
      _burrow_transfer_manager_schedule_soon (d->manager);
      return;
    }
  waiting = g_ptr_array_copy (d->workers, NULL, NULL);
  for (guint i = 0; i < waiting->len; i++)
    {
      Worker *w = g_ptr_array_index (waiting, i);

      if (!w->pending && w->peer != NULL)
        _burrow_worker_next (w);
    }
  _burrow_transfer_manager_schedule_soon (d->manager);
}

static void
on_final_checked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Download *d = user_data;
  BurrowTransferManager *self = d->manager;
  g_autoptr(BurrowTransferManager) hold = self;   /* download_check()'s reference */
  g_autoptr(GError) error = NULL;
  g_autofree gchar *final = NULL;
  g_autoptr(BurrowQueueItem) item = g_object_ref (d->item);
  gint64 id = burrow_queue_item_get_id (item);

  d->checking = FALSE;
  if (d->stopped)
    {
      _burrow_download_release (d);
      return;
    }
  if (!burrow_download_file_check_finish (result, NULL, &error))
    {
      g_debug ("%s: final check failed: %s", burrow_queue_item_get_name (item), error->message);
      if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT))
        {
          /* cannot happen with verified blocks unless the disk lies: start the check over */
          for (guint64 b = 0; b < d->n_blocks; b++)
            burrow_download_queue_set_block_verified (self->queue, item, b, FALSE);
          _burrow_download_stop (d, BURROW_QUEUE_STATE_QUEUED, error);
        }
      else
        _burrow_download_stop (d, BURROW_QUEUE_STATE_PAUSED, error);
      return;
    }

  if (d->fd >= 0)
    {
      close (d->fd);
      d->fd = -1;
    }
  final = burrow_download_file_move_into_place (d->part_path,
                                                burrow_queue_item_get_target_dir (item),
                                                burrow_queue_item_get_name (item), &error);
  if (final == NULL)
    {
      _burrow_download_stop (d, BURROW_QUEUE_STATE_PAUSED, error);
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
  _burrow_transfer_manager_schedule_soon (self);
}

void
_burrow_download_finish (Download *d)
{
  g_autoptr(GPtrArray) workers = g_ptr_array_copy (d->workers, NULL, NULL);
  if (d->finishing || d->n_jobs > 0)
    return;   /* (the last job calls again) */
  g_debug ("%s: every block verified, checking its size and root",
           burrow_queue_item_get_name (d->item));
  d->finishing = TRUE;
  for (guint i = 0; i < workers->len; i++)
    _burrow_worker_abort (g_ptr_array_index (workers, i));
  burrow_download_queue_flush (d->manager->queue, NULL);
  download_check (d, TRUE, on_final_checked);
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
      error = g_error_new_literal (BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT,
                                   _("An empty file cannot have this TTH"));
      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_FAILED, error);
      return;
    }
  if (g_mkdir_with_parents (burrow_queue_item_get_target_dir (item), 0755) != 0 ||
      (fd = burrow_download_file_open_part (part, O_WRONLY)) < 0)
    {
      g_autoptr(GError) io = burrow_download_file_io_error (errno, part, BURROW_DOWNLOAD_IO_CREATE);
      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_PAUSED, io);
      return;
    }
  close (fd);
  final = burrow_download_file_move_into_place (part, burrow_queue_item_get_target_dir (item),
                                                burrow_queue_item_get_name (item), &error);
  if (final == NULL)
    {
      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_PAUSED, error);
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
          g_strcmp0 (burrow_search_result_get_cid (r), self->own_id) == 0)
        continue;
      if (burrow_queue_item_find_source (d->item, burrow_search_result_get_cid (r)) == NULL)
        {
          g_debug ("alternate source for %s: %s", burrow_queue_item_get_name (d->item),
                   burrow_search_result_get_nick (r));
          burrow_download_queue_add_source (self->queue, d->item, burrow_search_result_get_cid (r),
                                            burrow_search_result_get_hub (r),
                                            burrow_search_result_get_nick (r), NULL);
          _burrow_transfer_manager_schedule_soon (self);
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

  if (!d->manager->auto_search || d->search != NULL || d->manager->router == NULL)
    return;
  d->search = burrow_search_new (d->manager->router, burrow_queue_item_get_tth (d->item), NULL);
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

gboolean
_burrow_transfer_manager_source_usable (BurrowTransferManager   *self,
               BurrowQueueItem         *item,
               const BurrowQueueSource *source)
{
  return !source->bad && !cid_busy (self, source->cid) && !source_resting (self, item,
                                                                           source->cid) &&
         g_strcmp0 (source->cid, self->own_id) != 0 &&
         _burrow_transfer_manager_find_user (self, source->cid, source->hub) != NULL;
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
      (d->fd = burrow_download_file_open_part (d->part_path, O_RDWR)) < 0)
    {
      gint saved = errno;
      g_autoptr(GError) error = burrow_download_file_io_error (saved, d->part_path,
                                                               BURROW_DOWNLOAD_IO_CREATE);

      burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_PAUSED, error);
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
      _burrow_download_alloc_blocks (d);
      download_check (d, FALSE, on_resume_checked);
    }
  _burrow_worker_spawn (d, source->cid, source->hub, source->nick);
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

          if (d->checked && !d->finishing && !d->stopped && _burrow_download_tree (d) != NULL)
            for (guint s = 0;
                 s < n_sources && d->workers->len < allowed && _burrow_download_has_free_block (d);
                 s++)
              {
                const BurrowQueueSource *source = burrow_queue_item_get_source (item, s);

                if (_burrow_transfer_manager_source_usable (self, item, source))
                  _burrow_worker_spawn (d, source->cid, source->hub, source->nick);
              }
          if (d->workers->len == 0 && !d->checking && !d->finishing && !d->stopped)
            {
              g_autoptr(GError) none = NULL;

              if (d->last_error == NULL)
                none = g_error_new_literal (BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SOURCE,
                                            _("No source available"));
              _burrow_download_stop (d, BURROW_QUEUE_STATE_QUEUED,
                                     d->last_error ? d->last_error : none);
            }
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
          g_autoptr(GError) error = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                         BURROW_TRANSFER_ERROR_CORRUPT,
                                                         _("Every source sent bad data"));

          burrow_download_queue_set_state (self->queue, item, BURROW_QUEUE_STATE_FAILED, error);
          g_signal_emit (self, signals[SIGNAL_DOWNLOAD_FAILED], 0, item, error);
          continue;
        }
      for (guint s = 0; s < n_sources; s++)
        {
          const BurrowQueueSource *source = burrow_queue_item_get_source (item, s);

          if (_burrow_transfer_manager_source_usable (self, item, source))
            {
              download_start (self, item, source);
              break;
            }
        }
      if (!g_hash_table_contains (self->downloads, &id) &&
          burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_QUEUED &&
          burrow_queue_item_get_error (item) == NULL)
        {
          g_autoptr(GError) none = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                        BURROW_TRANSFER_ERROR_NO_SOURCE,
                                                        _("No source available"));

          burrow_download_queue_set_error (self->queue, item, none);
        }
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

void
_burrow_transfer_manager_schedule_soon (BurrowTransferManager *self)
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

          if (w->seg_end > w->seg_start && _burrow_download_tree (d) != NULL)
            position += w->pos % _burrow_download_tree (d)->block_size;
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
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowTransfer) transfer = g_list_model_get_item (G_LIST_MODEL (self->transfers),
                                                                  i);

      /* uploads are sampled by their service */
      if (burrow_transfer_get_direction (transfer) != BURROW_TRANSFER_DIRECTION_UPLOAD)
        _burrow_transfer_sample (transfer, now);
    }
  if (n == 0)
    {
      self->sample_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
_burrow_transfer_manager_sampler_ensure (BurrowTransferManager *self)
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
    _burrow_transfer_manager_schedule_soon (data);
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
  _burrow_download_stop (d, burrow_queue_item_get_state (item), NULL);
}

static void
burrow_transfer_manager_dispose (GObject *object)
{
  BurrowTransferManager *self = BURROW_TRANSFER_MANAGER (object);

  if (!self->disposed && self->downloads != NULL)
    {
      GList *downloads = g_hash_table_get_values (self->downloads);

      for (GList *l = downloads; l != NULL; l = l->next)
        {
          Download *d = l->data;

          /* running items are queued again next time; the data stays */
          if (!d->finishing)
            _burrow_download_stop (d, BURROW_QUEUE_STATE_QUEUED, NULL);
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
  if (self->pool != NULL)
    {
      burrow_peer_pool_set_lend_func (self->pool, NULL, NULL);
      g_signal_handlers_disconnect_by_data (self->pool, self);
    }
  if (self->dialer != NULL)
    g_signal_handlers_disconnect_by_data (self->dialer, self);
  g_clear_pointer (&self->lent, g_hash_table_unref);
  g_clear_object (&self->pool);
  g_clear_object (&self->dialer);
  if (self->uploads != NULL)
    g_signal_handlers_disconnect_by_data (self->uploads, self);
  g_clear_object (&self->uploads);
  g_clear_object (&self->router);
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
  g_clear_pointer (&self->own_id, g_free);

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
  self->downloads = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->busy_cids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
 * @queue: the download queue to run
 * @dialer: reaches the sources
 * @pool: where idle connections wait for the next file (and file lists borrow them)
 * @router: (nullable): where alternate-source searches go (%NULL: none)
 * @own_id: our user id (never a source of ours)
 *
 * Returns: (transfer full): the manager; it starts queued items whose
 *   sources are online and keeps trying every couple of seconds
 */
BurrowTransferManager *
burrow_transfer_manager_new (BurrowDownloadQueue *queue,
                             BurrowPeerDialer    *dialer,
                             BurrowPeerPool      *pool,
                             BurrowSearchRouter  *router,
                             const gchar         *own_id)
{
  BurrowTransferManager *self;

  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (queue), NULL);
  g_return_val_if_fail (BURROW_IS_PEER_DIALER (dialer), NULL);
  g_return_val_if_fail (BURROW_IS_PEER_POOL (pool), NULL);
  g_return_val_if_fail (own_id != NULL, NULL);

  self = g_object_new (BURROW_TYPE_TRANSFER_MANAGER, NULL);
  self->queue = g_object_ref (queue);
  self->dialer = g_object_ref (dialer);
  self->pool = g_object_ref (pool);
  self->router = router ? g_object_ref (router) : NULL;
  self->own_id = g_strdup (own_id);
  g_signal_connect (queue, "items-changed", G_CALLBACK (on_queue_items_changed), self);
  g_signal_connect (queue, "item-removed", G_CALLBACK (on_item_removed), self);
  g_signal_connect (pool, "returned", G_CALLBACK (_burrow_worker_on_pool_returned), self);
  burrow_peer_pool_set_lend_func (pool, _burrow_worker_lend_func, self);
  self->tick_id = g_timeout_add (1000, tick_cb, self);
  _burrow_transfer_manager_schedule_soon (self);
  return self;
}

static void
on_upload_started (BurrowUploadService   *uploads,
                   BurrowTransfer        *transfer,
                   BurrowTransferManager *self)
{
  g_list_store_append (self->transfers, transfer);
  _burrow_transfer_manager_sampler_ensure (self);
  g_signal_emit (self, signals[SIGNAL_UPLOAD_STARTED], 0, transfer);
}

static void
on_upload_ended (BurrowUploadService   *uploads,
                 BurrowTransfer        *transfer,
                 BurrowTransferManager *self)
{
  guint position;

  if (g_list_store_find (self->transfers, transfer, &position))
    g_list_store_remove (self->transfers, position);
}

/**
 * burrow_transfer_manager_show_uploads:
 * @uploads: the service whose upload transfers #BurrowTransferManager:transfers lists too
 *
 * Lists @uploads' transfers next to the downloads (and re-emits
 * #BurrowTransferManager::upload-started).
 */
void
burrow_transfer_manager_show_uploads (BurrowTransferManager *self,
                                      BurrowUploadService   *uploads)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  g_return_if_fail (BURROW_IS_UPLOAD_SERVICE (uploads));
  g_return_if_fail (self->uploads == NULL);

  self->uploads = g_object_ref (uploads);
  g_signal_connect (uploads, "upload-started", G_CALLBACK (on_upload_started), self);
  g_signal_connect (uploads, "upload-ended", G_CALLBACK (on_upload_ended), self);
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
  _burrow_transfer_manager_schedule_soon (self);
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
  _burrow_transfer_manager_schedule_soon (self);
}

void
burrow_transfer_manager_kick (BurrowTransferManager *self)
{
  g_return_if_fail (BURROW_IS_TRANSFER_MANAGER (self));
  g_hash_table_remove_all (self->retry_at);
  g_hash_table_remove_all (self->source_wait);
  _burrow_transfer_manager_schedule_soon (self);
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
