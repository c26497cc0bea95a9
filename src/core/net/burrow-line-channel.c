/* burrow-line-channel.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-line-channel"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "burrow-error.h"

#include "burrow-line-channel.h"

/* How much is read per call: big enough that a 100,000-user join is a few
 * hundred reads, small enough to keep the main loop responsive. */
#define READ_CHUNK (64 * 1024)
/* Room for one more TLS record when draining bulk data. */
#define RECORD_ROOM (16 * 1024 + 512)

struct _BurrowLineChannel
{
  GObject              parent_instance;

  /* owned */
  GIOStream           *stream;
  GCancellable        *cancellable;
  guint8              *buf;
  GQueue              *chunks;      /* GBytes queued before @pending, not yet handed to the stream */
  gsize                chunks_len;  /* their bytes */
  GByteArray          *pending;     /* queued after @chunks (small sends are copied here) */
  GBytes              *in_flight;   /* being written */
  gsize                in_flight_off; /* of which this much is written */

  /* borrowed */
  BurrowLineFunc       line_func;
  BurrowLineErrorFunc  error_func;
  BurrowLineBatchFunc  batch_func;
  gpointer             user_data;
  BurrowRawFunc        raw_func;
  gpointer             raw_data;
  guint64              raw_remaining;
  BurrowStreamFunc     stream_func;
  gpointer             stream_data;
  BurrowLineBatchFunc  drain_func;
  gpointer             drain_data;
  gsize                low_water;
  GBytes              *keepalive;   /* sent after keepalive_s seconds without a write */
  guint                keepalive_s;
  guint                keepalive_id;

  gsize                len;         /* bytes in buf */
  gsize                cap;
  gsize                max_line_length;
  gsize                max_queued_bytes;
  guint64              bytes_read;
  gint64               last_write_time;
  gchar                delimiter;
  guint                started : 1;
  guint                discarding : 1;
  guint                closed : 1;
  guint                close_after_flush : 1;
  guint                paused : 1;
  guint                reading : 1;      /* a read is in flight */
};

G_DEFINE_FINAL_TYPE (BurrowLineChannel, burrow_line_channel, G_TYPE_OBJECT)

static void read_more (BurrowLineChannel *self);
static void start_write (BurrowLineChannel *self);

static void
burrow_line_channel_dispose (GObject *object)
{
  BurrowLineChannel *self = BURROW_LINE_CHANNEL (object);

  burrow_line_channel_close (self);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (burrow_line_channel_parent_class)->dispose (object);
}

static void
burrow_line_channel_finalize (GObject *object)
{
  BurrowLineChannel *self = BURROW_LINE_CHANNEL (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->buf, g_free);
  g_clear_pointer (&self->pending, g_byte_array_unref);
  if (self->chunks != NULL)
    g_queue_free_full (g_steal_pointer (&self->chunks), (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->in_flight, g_bytes_unref);
  g_clear_pointer (&self->keepalive, g_bytes_unref);

  G_OBJECT_CLASS (burrow_line_channel_parent_class)->finalize (object);
}

static void
burrow_line_channel_class_init (BurrowLineChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_line_channel_dispose;
  object_class->finalize = burrow_line_channel_finalize;
}

static void
burrow_line_channel_init (BurrowLineChannel *self)
{
  self->cancellable = g_cancellable_new ();
  self->chunks = g_queue_new ();
  self->pending = g_byte_array_new ();
}

static gboolean
nothing_queued (BurrowLineChannel *self)
{
  return self->chunks_len == 0 && self->pending->len == 0;
}

/**
 * burrow_line_channel_new:
 * @stream: a connected stream
 * @delimiter: the line delimiter (`\n` for ADC, `|` for NMDC)
 * @max_line_length: longest line accepted; longer lines are discarded and reported
 * @max_queued_bytes: most bytes that may wait to be written
 *
 * Returns: (transfer full): a new channel; call burrow_line_channel_start() to read
 */
BurrowLineChannel *
burrow_line_channel_new (GIOStream *stream,
                         gchar      delimiter,
                         gsize      max_line_length,
                         gsize      max_queued_bytes)
{
  BurrowLineChannel *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (max_line_length > 0, NULL);

  self = g_object_new (BURROW_TYPE_LINE_CHANNEL, NULL);
  self->stream = g_object_ref (stream);
  self->delimiter = delimiter;
  self->max_line_length = max_line_length;
  self->max_queued_bytes = max_queued_bytes;
  self->cap = MAX (max_line_length + 1, (gsize) READ_CHUNK) + READ_CHUNK;
  self->buf = g_malloc (self->cap);

  return self;
}

void
burrow_line_channel_set_handlers (BurrowLineChannel   *self,
                                  BurrowLineFunc       line_func,
                                  BurrowLineErrorFunc  error_func,
                                  BurrowLineBatchFunc  batch_func,
                                  gpointer             user_data)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));

  self->line_func = line_func;
  self->error_func = error_func;
  self->batch_func = batch_func;
  self->user_data = user_data;
}

static void
fail (BurrowLineChannel *self,
      const GError      *error)
{
  if (self->closed)
    return;

  burrow_line_channel_close (self);
  if (self->error_func != NULL)
    self->error_func (self, error, TRUE, self->user_data);
}

static void
report_too_long (BurrowLineChannel *self)
{
  g_autoptr(GError) error = NULL;

  error = g_error_new (BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG,
                       _("Discarded a line longer than %zu bytes"),
                       self->max_line_length);
  if (self->error_func != NULL)
    self->error_func (self, error, FALSE, self->user_data);
}

/* Delivers every complete line in the buffer; keeps the incomplete tail. */
static void
process_buffer (BurrowLineChannel *self)
{
  gsize start = 0;

  while (start < self->len && !self->closed && !self->paused)
    {
      guint8 *p;
      gsize line_len;

      if (self->stream_func != NULL)
        {
          gboolean done = FALSE;
          BurrowStreamFunc func = self->stream_func;
          gsize n = func (self, self->buf + start, self->len - start, &done, self->stream_data);

          g_assert (n <= self->len - start);
          start += n;
          if (done)
            self->stream_func = NULL;
          else if (n == 0)
            break;
          continue;
        }

      if (self->raw_remaining > 0)
        {
          gsize n = (gsize) MIN (self->raw_remaining, (guint64) (self->len - start));
          BurrowRawFunc func = self->raw_func;

          self->raw_remaining -= n;
          if (self->raw_remaining == 0)
            self->raw_func = NULL;
          func (self, self->buf + start, n, self->raw_remaining == 0, self->raw_data);
          start += n;
          continue;
        }

      p = memchr (self->buf + start, self->delimiter, self->len - start);
      if (p == NULL)
        break;

      line_len = (gsize) (p - (self->buf + start));
      if (self->discarding)
        self->discarding = FALSE;
      else if (line_len > self->max_line_length)
        report_too_long (self);
      else
        {
          *p = '\0';
          if (self->line_func != NULL)
            self->line_func (self, (const gchar *) self->buf + start, line_len, self->user_data);
        }
      start += line_len + 1;
    }

  if (self->closed)
    return;

  if (start > 0)
    {
      memmove (self->buf, self->buf + start, self->len - start);
      self->len -= start;
    }

  /* An incomplete line that is already too long: drop it and everything up to
   * the next delimiter, so memory stays bounded whatever the peer sends. */
  if (self->raw_remaining > 0 || self->stream_func != NULL || self->paused)
    return;
  if (self->len > self->max_line_length)
    {
      if (!self->discarding)
        report_too_long (self);
      self->discarding = TRUE;
      self->len = 0;
    }
  else if (self->discarding)
    self->len = 0;
}

/* Bulk data (raw mode): reads what the stream already has without going back to the main
 * loop, while the buffer has room for a whole TLS record (a TLS stream hands out one record of
 * at most 16 KiB per read). EOF is left for the next read to report. */
static gboolean
read_available (BurrowLineChannel  *self,
                GError            **error)
{
  GInputStream *in = g_io_stream_get_input_stream (self->stream);
  GPollableInputStream *pollable;

  if (!G_IS_POLLABLE_INPUT_STREAM (in))
    return TRUE;
  pollable = G_POLLABLE_INPUT_STREAM (in);
  if (!g_pollable_input_stream_can_poll (pollable))
    return TRUE;
  while (self->raw_remaining > self->len && self->cap - self->len >= RECORD_ROOM)
    {
      g_autoptr(GError) local = NULL;
      gsize want = (gsize) MIN ((guint64) (self->cap - self->len), self->raw_remaining - self->len);
      gssize n = g_pollable_input_stream_read_nonblocking (pollable, self->buf + self->len, want,
                                                           self->cancellable, &local);

      if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n < 0)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (n == 0)
        break;
      self->len += (gsize) n;
      self->bytes_read += (guint64) n;
    }
  return TRUE;
}

static void
on_read_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(BurrowLineChannel) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  self->reading = FALSE;
  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (self->closed)
    return;

  if (n < 0)
    {
      fail (self, error);
      return;
    }
  if (n == 0)
    {
      g_autoptr(GError) eof = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                                   _("The connection was closed by the other side"));
      fail (self, eof);
      return;
    }

  self->len += (gsize) n;
  self->bytes_read += (guint64) n;
  if (!read_available (self, &error))
    {
      fail (self, error);
      return;
    }
  process_buffer (self);
  if (self->closed)
    return;

  if (self->batch_func != NULL)
    self->batch_func (self, self->user_data);
  if (self->closed || self->paused)
    return;

  read_more (self);
}

static void
read_more (BurrowLineChannel *self)
{
  GInputStream *in = g_io_stream_get_input_stream (self->stream);
  gsize room = self->cap - self->len;

  g_assert (room >= READ_CHUNK);
  g_assert (!self->reading);
  self->reading = TRUE;
  g_input_stream_read_async (in, self->buf + self->len, MIN (room, (gsize) READ_CHUNK),
                             G_PRIORITY_DEFAULT, self->cancellable, on_read_cb,
                             g_object_ref (self));
}

/**
 * burrow_line_channel_start:
 *
 * Starts reading. Lines, errors and batches are reported to the handlers set
 * with burrow_line_channel_set_handlers().
 */
void
burrow_line_channel_start (BurrowLineChannel *self)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  if (!self->closed)
    read_more (self);
}

/**
 * burrow_line_channel_receive_raw:
 * @n_bytes: length of the binary block that follows on the stream
 * @raw_func: gets the block in chunks
 *
 * Switches to binary mode for the next @n_bytes (typically called from the
 * line handler that saw the announcing line); line mode resumes afterwards.
 * A zero-length block completes at once.
 */
void
burrow_line_channel_receive_raw (BurrowLineChannel *self,
                                 guint64            n_bytes,
                                 BurrowRawFunc      raw_func,
                                 gpointer           user_data)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));
  g_return_if_fail (raw_func != NULL);
  g_return_if_fail (self->raw_remaining == 0);

  if (n_bytes == 0)
    {
      raw_func (self, NULL, 0, TRUE, user_data);
      return;
    }
  self->raw_func = raw_func;
  self->raw_data = user_data;
  self->raw_remaining = n_bytes;
}

/**
 * burrow_line_channel_receive_stream:
 * @stream_func: gets the bytes until it says the block is done
 *
 * Like burrow_line_channel_receive_raw() for a block whose length on the
 * wire is not known in advance (a zlib stream that ends by itself).
 */
void
burrow_line_channel_receive_stream (BurrowLineChannel *self,
                                    BurrowStreamFunc   stream_func,
                                    gpointer           user_data)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));
  g_return_if_fail (stream_func != NULL);
  g_return_if_fail (self->raw_remaining == 0 && self->stream_func == NULL);

  self->stream_func = stream_func;
  self->stream_data = user_data;
}

/**
 * burrow_line_channel_set_drain_func:
 * @low_water: call @drain_func when at most this many bytes wait to be written
 *
 * Back-pressure for a sender: write more when the queue drains.
 */
void
burrow_line_channel_set_drain_func (BurrowLineChannel   *self,
                                    gsize                low_water,
                                    BurrowLineBatchFunc  drain_func,
                                    gpointer             user_data)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));

  self->low_water = low_water;
  self->drain_func = drain_func;
  self->drain_data = user_data;
}

/**
 * burrow_line_channel_pause:
 *
 * Stops delivering data (and reading more) until burrow_line_channel_resume():
 * back-pressure for a consumer that cannot keep up.
 */
void
burrow_line_channel_pause (BurrowLineChannel *self)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));

  self->paused = TRUE;
}

static gboolean
resume_cb (gpointer data)
{
  BurrowLineChannel *self = data;

  if (self->closed || self->paused)
    return G_SOURCE_REMOVE;
  process_buffer (self);
  if (!self->closed && !self->paused && !self->reading && self->started)
    read_more (self);
  return G_SOURCE_REMOVE;
}

void
burrow_line_channel_resume (BurrowLineChannel *self)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));

  if (!self->paused)
    return;
  self->paused = FALSE;
  /* not re-entrantly: the caller may be inside a handler */
  g_idle_add_full (G_PRIORITY_DEFAULT, resume_cb, g_object_ref (self), g_object_unref);
}

/* Writes what the stream takes at once (a TLS stream takes one record per write); TRUE when
 * the in-flight data is all written. */
static gboolean
write_available (BurrowLineChannel  *self,
                 GError            **error)
{
  GOutputStream *out = g_io_stream_get_output_stream (self->stream);
  GPollableOutputStream *pollable;
  const guint8 *data;
  gsize size;

  data = g_bytes_get_data (self->in_flight, &size);
  if (!G_IS_POLLABLE_OUTPUT_STREAM (out) ||
      !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (out)))
    return self->in_flight_off == size;
  pollable = G_POLLABLE_OUTPUT_STREAM (out);
  while (self->in_flight_off < size)
    {
      g_autoptr(GError) local = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (pollable,
                                                             data + self->in_flight_off,
                                                             size - self->in_flight_off,
                                                             self->cancellable, &local);

      if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      if (n < 0)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      self->in_flight_off += (gsize) n;
    }
  return TRUE;
}

static void write_rest (BurrowLineChannel *self);

static void
on_write_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BurrowLineChannel) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &error);
  if (n >= 0)
    {
      self->in_flight_off += (gsize) n;
      if (!self->closed && !write_available (self, &error) && error == NULL)
        {
          write_rest (self);
          return;
        }
    }
  if (error != NULL)
    {
      g_clear_pointer (&self->in_flight, g_bytes_unref);
      fail (self, error);
      return;
    }

  g_clear_pointer (&self->in_flight, g_bytes_unref);
  self->last_write_time = g_get_monotonic_time ();
  if (self->closed)
    return;

  if (!nothing_queued (self))
    start_write (self);
  else if (self->close_after_flush)
    {
      burrow_line_channel_close (self);
      return;
    }

  if (self->drain_func != NULL && burrow_line_channel_get_queued (self) <= self->low_water)
    self->drain_func (self, self->drain_data);
}

/* One asynchronous write of the rest of the in-flight data (it waits until the stream takes
 * some); its callback then writes what the stream takes without waiting. */
static void
write_rest (BurrowLineChannel *self)
{
  GOutputStream *out = g_io_stream_get_output_stream (self->stream);
  const guint8 *data;
  gsize size;

  data = g_bytes_get_data (self->in_flight, &size);
  g_output_stream_write_async (out, data + self->in_flight_off, size - self->in_flight_off,
                               G_PRIORITY_DEFAULT, self->cancellable, on_write_cb,
                               g_object_ref (self));
}

static void
start_write (BurrowLineChannel *self)
{
  g_assert (self->in_flight == NULL);

  if (self->chunks_len > 0)
    {
      self->in_flight = g_queue_pop_head (self->chunks);
      self->chunks_len -= g_bytes_get_size (self->in_flight);
    }
  else
    {
      self->in_flight = g_byte_array_free_to_bytes (g_steal_pointer (&self->pending));
      self->pending = g_byte_array_new ();
    }
  self->in_flight_off = 0;
  write_rest (self);
}

/* Whether @n more bytes may be queued (open, and within the limit). */
static gboolean
may_queue (BurrowLineChannel  *self,
           gsize               n,
           GError            **error)
{
  if (self->closed || self->close_after_flush)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The connection is closed"));
      return FALSE;
    }
  if (burrow_line_channel_get_queued (self) + n > self->max_queued_bytes)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD,
                   _("Outgoing queue is full (%zu bytes waiting)"),
                   burrow_line_channel_get_queued (self));
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_line_channel_send:
 * @data: bytes to send (a complete line including its delimiter, or several)
 * @len: length of @data, or -1 if NUL-terminated
 *
 * Queues @data. At most one write is in flight; later sends are coalesced.
 *
 * Returns: %FALSE with %BURROW_PROTOCOL_ERROR_FLOOD if the queue would exceed
 *   its limit (nothing is queued then), or %G_IO_ERROR_CLOSED after close.
 */
gboolean
burrow_line_channel_send (BurrowLineChannel  *self,
                          const gchar        *data,
                          gssize              len,
                          GError            **error)
{
  gsize n;

  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  n = len < 0 ? strlen (data) : (gsize) len;
  if (!may_queue (self, n, error))
    return FALSE;

  g_byte_array_append (self->pending, (const guint8 *) data, n);
  if (self->in_flight == NULL)
    start_write (self);

  return TRUE;
}

/**
 * burrow_line_channel_send_bytes:
 * @bytes: bytes to send (bulk data: kept and written as they are, not copied)
 *
 * Like burrow_line_channel_send().
 */
gboolean
burrow_line_channel_send_bytes (BurrowLineChannel  *self,
                                GBytes             *bytes,
                                GError            **error)
{
  gsize n;

  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  n = g_bytes_get_size (bytes);
  if (n < 4096)
    return burrow_line_channel_send (self, g_bytes_get_data (bytes, NULL), (gssize) n, error);
  if (!may_queue (self, n, error))
    return FALSE;

  /* what was queued before goes first */
  if (self->pending->len > 0)
    {
      self->chunks_len += self->pending->len;
      g_queue_push_tail (self->chunks, g_byte_array_free_to_bytes (g_steal_pointer (&self->pending)));
      self->pending = g_byte_array_new ();
    }
  g_queue_push_tail (self->chunks, g_bytes_ref (bytes));
  self->chunks_len += n;
  if (self->in_flight == NULL)
    start_write (self);

  return TRUE;
}

/**
 * burrow_line_channel_flush_and_close:
 *
 * Stops reading, writes what is queued, then closes the stream. The line,
 * batch and drain functions are not called any more.
 */
void
burrow_line_channel_flush_and_close (BurrowLineChannel *self)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));

  if (self->closed)
    return;

  self->close_after_flush = TRUE;
  self->line_func = NULL;
  self->batch_func = NULL;
  /* nothing more may be queued, and the sender may be gone before the queue is written */
  self->drain_func = NULL;
  self->drain_data = NULL;
  if (self->in_flight == NULL && nothing_queued (self))
    burrow_line_channel_close (self);
}

static gboolean
close_stream_cb (gpointer data)
{
  GIOStream *stream = data;

  if (g_io_stream_has_pending (stream) ||
      g_input_stream_has_pending (g_io_stream_get_input_stream (stream)) ||
      g_output_stream_has_pending (g_io_stream_get_output_stream (stream)))
    return G_SOURCE_CONTINUE;

  if (!g_io_stream_is_closed (stream))
    g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * burrow_line_channel_close:
 *
 * Closes at once, dropping whatever is queued. No handler is called afterwards.
 */
void
burrow_line_channel_close (BurrowLineChannel *self)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));

  if (self->closed)
    return;

  self->closed = TRUE;
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_byte_array_set_size (self->pending, 0);
  while (!g_queue_is_empty (self->chunks))
    g_bytes_unref (g_queue_pop_head (self->chunks));
  self->chunks_len = 0;
  if (self->stream != NULL && !g_io_stream_is_closed (self->stream))
    {
      /* Let the cancelled read and write finish first: a stream with an
       * operation pending refuses to close. */
      GSource *source = g_timeout_source_new (5);

      g_source_set_callback (source, close_stream_cb, g_object_ref (self->stream), g_object_unref);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_source_unref (source);
    }
}

gboolean
burrow_line_channel_is_closed (BurrowLineChannel *self)
{
  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), TRUE);

  return self->closed;
}

gsize
burrow_line_channel_get_queued (BurrowLineChannel *self)
{
  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), 0);

  return self->chunks_len + self->pending->len +
         (self->in_flight ? g_bytes_get_size (self->in_flight) - self->in_flight_off : 0);
}

/**
 * burrow_line_channel_get_stream:
 *
 * Returns: (transfer none): the underlying stream
 */
GIOStream *
burrow_line_channel_get_stream (BurrowLineChannel *self)
{
  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), NULL);

  return self->stream;
}

guint64
burrow_line_channel_get_bytes_read (BurrowLineChannel *self)
{
  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), 0);

  return self->bytes_read;
}

gint64
burrow_line_channel_get_last_write_time (BurrowLineChannel *self)
{
  g_return_val_if_fail (BURROW_IS_LINE_CHANNEL (self), 0);

  return self->last_write_time;
}

/* A keep-alive check runs at least this often. */
#define KEEPALIVE_CHECK_MAX_MS (30 * 1000)

static gboolean
keepalive_cb (gpointer data)
{
  BurrowLineChannel *self = data;

  if (g_get_monotonic_time () - self->last_write_time >= (gint64) self->keepalive_s * G_USEC_PER_SEC)
    burrow_line_channel_send_bytes (self, self->keepalive, NULL);
  return G_SOURCE_CONTINUE;
}

/**
 * burrow_line_channel_set_keepalive:
 * @idle_s: seconds without a write before @bytes go out; 0 turns it off
 * @bytes: (nullable): what to send (ADC: an empty line, NMDC: a bare '|')
 *
 * Keeps an idle connection alive (hubs and NATs drop silent ones). Stops when the channel
 * closes.
 */
void
burrow_line_channel_set_keepalive (BurrowLineChannel *self,
                                   guint              idle_s,
                                   GBytes            *bytes)
{
  g_return_if_fail (BURROW_IS_LINE_CHANNEL (self));
  g_return_if_fail (idle_s == 0 || bytes != NULL);

  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_pointer (&self->keepalive, g_bytes_unref);
  self->keepalive_s = idle_s;
  if (idle_s == 0 || self->closed)
    return;
  self->keepalive = g_bytes_ref (bytes);
  self->keepalive_id = g_timeout_add (MIN (KEEPALIVE_CHECK_MAX_MS, idle_s * 250u), keepalive_cb, self);
}
