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
gboolean           burrow_line_channel_send           (BurrowLineChannel   *self,
                                                       const gchar         *data,
                                                       gssize               len,
                                                       GError             **error);
void               burrow_line_channel_flush_and_close (BurrowLineChannel  *self);
void               burrow_line_channel_close          (BurrowLineChannel   *self);
gboolean           burrow_line_channel_is_closed      (BurrowLineChannel   *self);
gsize              burrow_line_channel_get_queued     (BurrowLineChannel   *self);
GIOStream         *burrow_line_channel_get_stream     (BurrowLineChannel   *self);
guint64            burrow_line_channel_get_bytes_read (BurrowLineChannel   *self);
gint64             burrow_line_channel_get_last_write_time (BurrowLineChannel *self);

G_END_DECLS
