/* burrow-line-channel.h — bounded line framing and a write queue over a GIOStream
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BURROW_TYPE_LINE_CHANNEL (burrow_line_channel_get_type ())

G_DECLARE_FINAL_TYPE (BurrowLineChannel, burrow_line_channel, BURROW, LINE_CHANNEL, GObject)

/**
 * BurrowLineFunc:
 * @line: the line without its delimiter, NUL-terminated (valid only during the call)
 * @len: its length in bytes
 *
 * Called on the main context for every complete line.
 */
typedef void (*BurrowLineFunc)   (BurrowLineChannel *channel,
                                  const gchar       *line,
                                  gsize              len,
                                  gpointer           user_data);
/**
 * BurrowLineErrorFunc:
 * @error: what happened
 * @fatal: %TRUE when the channel is closed (end of stream, I/O error, write queue
 *   overflow); %FALSE for a line over the length limit, which was discarded
 *   while the channel goes on with the next line
 */
typedef void (*BurrowLineErrorFunc) (BurrowLineChannel *channel,
                                     const GError      *error,
                                     gboolean           fatal,
                                     gpointer           user_data);
/* Called after all lines of one read have been delivered (for batching). */
typedef void (*BurrowLineBatchFunc) (BurrowLineChannel *channel,
                                     gpointer           user_data);

/**
 * BurrowRawFunc:
 * @data: the next bytes of a binary block
 * @len: how many
 * @last: whether this completes the block
 *
 * Receives a binary block (ADC SND data) announced with
 * burrow_line_channel_receive_raw(), in order, in chunks.
 */
typedef void (*BurrowRawFunc)      (BurrowLineChannel *channel,
                                    const guint8      *data,
                                    gsize              len,
                                    gboolean           last,
                                    gpointer           user_data);

BurrowLineChannel *burrow_line_channel_new            (GIOStream           *stream,
                                                       gchar                delimiter,
                                                       gsize                max_line_length,
                                                       gsize                max_queued_bytes);
void               burrow_line_channel_set_handlers   (BurrowLineChannel   *self,
                                                       BurrowLineFunc       line_func,
                                                       BurrowLineErrorFunc  error_func,
                                                       BurrowLineBatchFunc  batch_func,
                                                       gpointer             user_data);
void               burrow_line_channel_start          (BurrowLineChannel   *self);
void               burrow_line_channel_receive_raw    (BurrowLineChannel   *self,
                                                       guint64              n_bytes,
                                                       BurrowRawFunc        raw_func,
                                                       gpointer             user_data);
/**
 * BurrowStreamFunc:
 * @data: bytes that follow on the stream
 * @len: how many
 * @done: (out): set to %TRUE when the stream block is complete
 *
 * Receives a binary block of unknown wire length (a zlib stream).
 *
 * Returns: how many of the bytes it consumed (the rest are lines again when
 *   @done is set)
 */
typedef gsize (*BurrowStreamFunc)  (BurrowLineChannel *channel,
                                    const guint8      *data,
                                    gsize              len,
                                    gboolean          *done,
                                    gpointer           user_data);

void               burrow_line_channel_receive_stream (BurrowLineChannel   *self,
                                                       BurrowStreamFunc     stream_func,
                                                       gpointer             user_data);
void               burrow_line_channel_set_drain_func (BurrowLineChannel   *self,
                                                       gsize                low_water,
                                                       BurrowLineBatchFunc  drain_func,
                                                       gpointer             user_data);
void               burrow_line_channel_pause          (BurrowLineChannel   *self);
void               burrow_line_channel_resume         (BurrowLineChannel   *self);
gboolean           burrow_line_channel_send           (BurrowLineChannel   *self,
                                                       const gchar         *data,
                                                       gssize               len,
                                                       GError             **error);
gboolean           burrow_line_channel_send_bytes     (BurrowLineChannel   *self,
                                                       GBytes              *bytes,
                                                       GError             **error);
void               burrow_line_channel_flush_and_close (BurrowLineChannel  *self);
void               burrow_line_channel_close          (BurrowLineChannel   *self);
gboolean           burrow_line_channel_is_closed      (BurrowLineChannel   *self);
gsize              burrow_line_channel_get_queued     (BurrowLineChannel   *self);
GIOStream         *burrow_line_channel_get_stream     (BurrowLineChannel   *self);
guint64            burrow_line_channel_get_bytes_read (BurrowLineChannel   *self);
gint64             burrow_line_channel_get_last_write_time (BurrowLineChannel *self);
void               burrow_line_channel_set_keepalive  (BurrowLineChannel   *self,
                                                       guint                idle_s,
                                                       GBytes              *bytes);

G_END_DECLS
