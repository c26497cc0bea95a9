/* burrow-buffered-stream.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-buffered-stream"

#include "config.h"

#include <string.h>

#include "burrow-buffered-stream.h"

#define BURROW_TYPE_BUFFERED_INPUT (burrow_buffered_input_get_type ())

G_DECLARE_FINAL_TYPE (BurrowBufferedInput, burrow_buffered_input, BURROW, BUFFERED_INPUT,
                      GInputStream)

struct _BurrowBufferedInput
{
  GInputStream  parent_instance;

  GIOStream    *base;        /* owned */
  GInputStream *base_in;     /* borrowed from @base */
  guint8       *buf;
  gsize         start;       /* buffered bytes are buf[start, end) */
  gsize         end;
};

static void burrow_buffered_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowBufferedInput, burrow_buffered_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      burrow_buffered_input_pollable_init))

static gsize
take (BurrowBufferedInput *self,
      void                *buffer,
      gsize                count)
{
  gsize n = MIN (count, self->end - self->start);

  memcpy (buffer, self->buf + self->start, n);
  self->start += n;
  if (self->start == self->end)
    self->start = self->end = 0;
  return n;
}

static gssize
burrow_buffered_input_read (GInputStream  *stream,
                            void          *buffer,
                            gsize          count,
                            GCancellable  *cancellable,
                            GError       **error)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (stream);
  gssize n;

  if (self->end > self->start)
    return (gssize) take (self, buffer, count);
  if (count >= BURROW_BUFFERED_STREAM_SIZE)
    return g_input_stream_read (self->base_in, buffer, count, cancellable, error);
  n = g_input_stream_read (self->base_in, self->buf, BURROW_BUFFERED_STREAM_SIZE, cancellable,
                           error);
  if (n <= 0)
    return n;
  self->start = 0;
  self->end = (gsize) n;
  return (gssize) take (self, buffer, count);
}

static gboolean
burrow_buffered_input_close (GInputStream  *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (stream);

  return g_io_stream_close (self->base, cancellable, error);
}

static gboolean
burrow_buffered_input_can_poll (GPollableInputStream *stream)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (stream);

  return G_IS_POLLABLE_INPUT_STREAM (self->base_in) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base_in));
}

static gboolean
burrow_buffered_input_is_readable (GPollableInputStream *stream)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (stream);

  return self->end > self->start ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base_in));
}

static GSource *
burrow_buffered_input_create_source (GPollableInputStream *stream,
                                     GCancellable         *cancellable)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (stream);
  g_autoptr(GSource) base_source = NULL;

  /* buffered data is ready now */
  if (self->end > self->start)
    base_source = g_timeout_source_new (0);
  else
    base_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base_in),
                                                         NULL);
  return g_pollable_source_new_full (stream, base_source, cancellable);
}

static gssize
burrow_buffered_input_read_nonblocking (GPollableInputStream  *stream,
                                        void                  *buffer,
                                        gsize                  count,
                                        GError               **error)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (stream);
  gssize n;

  if (self->end > self->start)
    return (gssize) take (self, buffer, count);
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base_in),
                                                self->buf, BURROW_BUFFERED_STREAM_SIZE, NULL,
                                                error);
  if (n <= 0)
    return n;
  self->start = 0;
  self->end = (gsize) n;
  return (gssize) take (self, buffer, count);
}

static void
burrow_buffered_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = burrow_buffered_input_can_poll;
  iface->is_readable = burrow_buffered_input_is_readable;
  iface->create_source = burrow_buffered_input_create_source;
  iface->read_nonblocking = burrow_buffered_input_read_nonblocking;
}

static void
burrow_buffered_input_finalize (GObject *object)
{
  BurrowBufferedInput *self = BURROW_BUFFERED_INPUT (object);

  g_clear_object (&self->base);
  g_free (self->buf);

  G_OBJECT_CLASS (burrow_buffered_input_parent_class)->finalize (object);
}

static void
burrow_buffered_input_class_init (BurrowBufferedInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = burrow_buffered_input_finalize;
  stream_class->read_fn = burrow_buffered_input_read;
  stream_class->close_fn = burrow_buffered_input_close;
}

static void
burrow_buffered_input_init (BurrowBufferedInput *self)
{
  self->buf = g_malloc (BURROW_BUFFERED_STREAM_SIZE);
}

/**
 * burrow_buffered_io_stream_new:
 * @base: a connected stream (a #GSocketConnection)
 *
 * Returns: (transfer full): a stream to put a #GTlsConnection on
 */
GIOStream *
burrow_buffered_io_stream_new (GIOStream *base)
{
  BurrowBufferedInput *input;
  GIOStream *stream;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);

  input = g_object_new (BURROW_TYPE_BUFFERED_INPUT, NULL);
  input->base = g_object_ref (base);
  input->base_in = g_io_stream_get_input_stream (base);
  stream = g_simple_io_stream_new (G_INPUT_STREAM (input), g_io_stream_get_output_stream (base));
  g_object_unref (input);
  return stream;
}
