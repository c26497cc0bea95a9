/* burrow-buffered-stream.h — a pollable read buffer under a TLS connection
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* gnutls reads a TLS record in two reads (its 5-byte header, then the body): over a socket
 * that is two system calls per 16 KiB. Under a TLS connection, this stream reads the socket in
 * large pieces and hands gnutls its small reads from memory. */
#define BURROW_BUFFERED_STREAM_SIZE (256 * 1024)

/* A GIOStream reading @base through a buffer of BURROW_BUFFERED_STREAM_SIZE bytes (pollable
 * when @base's input is) and writing to @base's output as it is. Closing it closes @base. */
GIOStream *burrow_buffered_io_stream_new (GIOStream *base);

G_END_DECLS
