/* burrow-file-list.c — loading a peer's file list in worker threads
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-list"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"
#include "burrow-file-list-private.h"

#include "burrow-file-list.h"

/* The loader runs the parser (burrow-file-list-parser.c) in a GTask thread
 * over a file or bytes in memory. For bzip2 input, one more thread
 * decompresses into a bounded queue of MAX_CHUNKS chunks of
 * BURROW_FILE_LIST_CHUNK_SIZE bytes while the task thread parses. The writer
 * (our own list) is burrow-file-list-writer.c. */

#define MAX_CHUNKS      16

/* Async load -------------------------------------------------------------- */

typedef struct
{
  gsize len;
  gchar data[BURROW_FILE_LIST_CHUNK_SIZE];
} Chunk;

typedef struct
{
  GMutex                mutex;
  GCond                 cond;
  GQueue                ready;     /* Chunk *, filled */
  GQueue                spare;     /* Chunk *, empty */
  guint                 n_chunks;
  gboolean              eof;       /* producer finished (error or not) */
  GError               *error;     /* producer's error */
  gboolean              abort;     /* consumer gave up */
  BurrowFileListBunzip *d;
  GCancellable         *cancellable;
  guint64               max_bytes;
} Pipe;

typedef struct
{
  GFile                     *file;
  GBytes                    *data;
  gboolean                   compressed;
  BurrowFileListLimits       limits;
  gchar                     *cid;
  gchar                     *base;
  guint                      n_duplicates;
  /* input from a file */
  GInputStream              *stream;
  gchar                     *read_buf;
  BurrowFileListMemoryInput  memory;
} LoadData;

static void
load_data_free (LoadData *ld)
{
  g_clear_object (&ld->file);
  g_clear_pointer (&ld->data, g_bytes_unref);
  g_clear_pointer (&ld->cid, g_free);
  g_clear_pointer (&ld->base, g_free);
  g_clear_object (&ld->stream);
  g_clear_pointer (&ld->read_buf, g_free);
  g_free (ld);
}

static gboolean
stream_input (gpointer      user_data,
              const gchar **data,
              gsize        *len,
              GError      **error)
{
  LoadData *ld = user_data;
  gssize n = g_input_stream_read (ld->stream, ld->read_buf, BURROW_FILE_LIST_CHUNK_SIZE, NULL,
                                  error);

  if (n < 0)
    return FALSE;
  *data = ld->read_buf;
  *len = n;
  return TRUE;
}

static gpointer
producer_thread (gpointer user_data)
{
  Pipe *pipe = user_data;
  GError *error = NULL;
  gboolean done = FALSE;

  while (!done)
    {
      Chunk *chunk;

      g_mutex_lock (&pipe->mutex);
      while (!pipe->abort && g_queue_is_empty (&pipe->spare) && pipe->n_chunks >= MAX_CHUNKS)
        g_cond_wait (&pipe->cond, &pipe->mutex);
      if (pipe->abort)
        {
          g_mutex_unlock (&pipe->mutex);
          break;
        }
      chunk = g_queue_pop_head (&pipe->spare);
      if (chunk == NULL)
        pipe->n_chunks++;
      g_mutex_unlock (&pipe->mutex);
      if (chunk == NULL)
        chunk = g_new (Chunk, 1);

      if (g_cancellable_set_error_if_cancelled (pipe->cancellable, &error) ||
          !_burrow_file_list_bunzip_fill (pipe->d, chunk->data, BURROW_FILE_LIST_CHUNK_SIZE,
                                          &chunk->len, &done, &error))
        {
          g_free (chunk);
          break;
        }
      if (_burrow_file_list_bunzip_get_produced (pipe->d) > pipe->max_bytes)
        {
          g_set_error (&error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE,
                       _("Rejected file list: larger than %llu bytes uncompressed"),
                       (unsigned long long) pipe->max_bytes);
          g_free (chunk);
          break;
        }

      g_mutex_lock (&pipe->mutex);
      g_queue_push_tail (&pipe->ready, chunk);
      g_cond_broadcast (&pipe->cond);
      g_mutex_unlock (&pipe->mutex);
    }

  g_mutex_lock (&pipe->mutex);
  pipe->eof = TRUE;
  pipe->error = error;
  g_cond_broadcast (&pipe->cond);
  g_mutex_unlock (&pipe->mutex);
  return NULL;
}

/* Runs the parser over a decompressing producer thread. */
static gboolean
load_compressed (BurrowFileListParser    *parser,
                 guint64                  max_bytes,
                 BurrowFileListInputFunc  input,
                 gpointer                 input_data,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  Pipe pipe;
  GThread *thread;
  gboolean ok = TRUE;
  Chunk *chunk;

  memset (&pipe, 0, sizeof pipe);
  g_mutex_init (&pipe.mutex);
  g_cond_init (&pipe.cond);
  pipe.d = _burrow_file_list_bunzip_new (input, input_data);
  pipe.cancellable = cancellable;
  pipe.max_bytes = max_bytes;

  thread = g_thread_try_new ("burrow-bunzip", producer_thread, &pipe, error);
  if (thread == NULL)
    {
      ok = FALSE;
      goto out;
    }

  for (;;)
    {
      g_mutex_lock (&pipe.mutex);
      while (g_queue_is_empty (&pipe.ready) && !pipe.eof)
        g_cond_wait (&pipe.cond, &pipe.mutex);
      chunk = g_queue_pop_head (&pipe.ready);
      g_mutex_unlock (&pipe.mutex);
      if (chunk == NULL)
        break;   /* eof */

      ok = !g_cancellable_set_error_if_cancelled (cancellable, error);
      if (ok)
        ok = _burrow_file_list_parser_feed (parser, chunk->data, chunk->len, error);

      g_mutex_lock (&pipe.mutex);
      g_queue_push_tail (&pipe.spare, chunk);
      if (!ok)
        pipe.abort = TRUE;
      g_cond_broadcast (&pipe.cond);
      g_mutex_unlock (&pipe.mutex);
      if (!ok)
        break;
    }

  g_thread_join (thread);
  if (ok && pipe.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&pipe.error));
      ok = FALSE;
    }

out:
  g_clear_error (&pipe.error);
  g_clear_pointer (&pipe.d, _burrow_file_list_bunzip_free);
  while ((chunk = g_queue_pop_head (&pipe.ready)) != NULL)
    g_free (chunk);
  while ((chunk = g_queue_pop_head (&pipe.spare)) != NULL)
    g_free (chunk);
  g_mutex_clear (&pipe.mutex);
  g_cond_clear (&pipe.cond);
  return ok;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *ld = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowFileListParser) parser = _burrow_file_list_parser_new (&ld->limits);
  BurrowFileTree *tree = NULL;
  gboolean ok = TRUE;


  if (ld->file != NULL)
    {
      ld->stream = G_INPUT_STREAM (g_file_read (ld->file, cancellable, &error));
      ok = ld->stream != NULL;
      ld->read_buf = g_malloc (BURROW_FILE_LIST_CHUNK_SIZE);
    }
  else
    {
      ld->memory.data = g_bytes_get_data (ld->data, &ld->memory.len);
      if (ld->memory.data == NULL)
        ld->memory.data = "";
    }

  if (ok && ld->compressed)
    ok = load_compressed (parser, ld->limits.max_decompressed_bytes,
                          ld->file != NULL ? stream_input : _burrow_file_list_memory_input,
                          ld->file != NULL ? (gpointer) ld : &ld->memory, cancellable, &error);
  else if (ok)
    {
      for (;;)
        {
          const gchar *data;
          gsize len;

          if (g_cancellable_set_error_if_cancelled (cancellable, &error))
            {
              ok = FALSE;
              break;
            }
          if (ld->file != NULL)
            ok = stream_input (ld, &data, &len, &error);
          else
            {
              /* feed memory in chunks so cancellation stays responsive */
              len = MIN (ld->memory.len, (gsize) BURROW_FILE_LIST_CHUNK_SIZE);
              data = ld->memory.data;
              ld->memory.data += len;
              ld->memory.len -= len;
            }
          if (!ok || len == 0)
            break;
          if (!_burrow_file_list_parser_feed (parser, data, len, &error))
            {
              ok = FALSE;
              break;
            }
        }
    }

  if (ok)
    tree = _burrow_file_list_parser_end (parser, &ld->cid, &ld->base, &ld->n_duplicates, &error);
  g_clear_pointer (&parser, _burrow_file_list_parser_free);
  g_clear_object (&ld->stream);

  if (tree != NULL)
    g_task_return_pointer (task, tree, (GDestroyNotify) burrow_file_tree_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * burrow_file_list_load_async:
 * @file: (nullable): the list on disk, or %NULL
 * @data: (nullable): the list in memory, or %NULL
 * @compressed: whether the input is bzip2
 * @limits: (nullable): limits, or %NULL for the defaults (copied)
 * @cancellable: (nullable): a cancellable
 * @callback: called on the thread-default main context of the caller
 * @user_data: for @callback
 *
 * Loads a peer's list in worker threads: the decompression of bzip2 input
 * runs in its own thread, overlapped with the parsing.
 */
void
burrow_file_list_load_async (GFile                      *file,
                             GBytes                     *data,
                             gboolean                    compressed,
                             const BurrowFileListLimits *limits,
                             GCancellable               *cancellable,
                             GAsyncReadyCallback         callback,
                             gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *ld;

  g_return_if_fail ((file == NULL) != (data == NULL));
  g_return_if_fail (file == NULL || G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  ld = g_new0 (LoadData, 1);
  ld->file = file != NULL ? g_object_ref (file) : NULL;
  ld->data = data != NULL ? g_bytes_ref (data) : NULL;
  ld->compressed = compressed;
  ld->limits = _burrow_file_list_resolve_limits (limits);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_file_list_load_async);
  g_task_set_task_data (task, ld, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

/**
 * burrow_file_list_load_finish:
 * @result: the result given to the callback
 * @out_cid: (out) (optional) (nullable): the CID attribute
 * @out_base: (out) (optional): the Base attribute
 * @error: return location for an error (see burrow_file_list_parse_full())
 *
 * Returns: (transfer full) (nullable): a finished tree
 */
BurrowFileTree *
burrow_file_list_load_finish (GAsyncResult  *result,
                              gchar        **out_cid,
                              gchar        **out_base,
                              GError       **error)
{
  BurrowFileTree *tree;
  LoadData *ld;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == burrow_file_list_load_async,
                        NULL);

  tree = g_task_propagate_pointer (G_TASK (result), error);
  if (tree == NULL)
    return NULL;
  ld = g_task_get_task_data (G_TASK (result));
  if (out_cid != NULL)
    *out_cid = g_strdup (ld->cid);
  if (out_base != NULL)
    *out_base = g_strdup (ld->base);
  return tree;
}

/**
 * burrow_file_list_load_get_n_duplicates:
 * @result: a result for which burrow_file_list_load_finish() succeeded
 *
 * Returns: how many entries were dropped as duplicates
 */
guint
burrow_file_list_load_get_n_duplicates (GAsyncResult *result)
{
  LoadData *ld;

  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);

  ld = g_task_get_task_data (G_TASK (result));
  return ld->n_duplicates;
}
