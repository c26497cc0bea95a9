/* burrow-download-writer.h — write-and-hash jobs on a worker thread; block verification
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-tth.h"

G_BEGIN_DECLS

/* Received file data is copied into jobs of at most this many bytes (whole pieces of
 * blocks); a thread writes each job to the part file and hashes it, so decrypting the next
 * bytes overlaps hashing the last ones. */
#define BURROW_DOWNLOAD_JOB_BYTES         (4 * 1024 * 1024)
/* Jobs one worker may have in flight; beyond that its connection stops reading. */
#define BURROW_DOWNLOAD_JOB_MAX_IN_FLIGHT 4
/* Written data is dropped from the page cache this far behind. */
#define BURROW_DOWNLOAD_CACHE_LAG         (64 * 1024 * 1024)

/**
 * BurrowDownloadJob:
 * @fd: the part file (the job's own until it returns)
 * @offset: where @data goes in the file
 * @piece_size: P = MIN (block size, %BURROW_DOWNLOAD_JOB_BYTES)
 * @data: whole pieces of P bytes (the last piece of the file may be shorter)
 * @len: bytes in @data
 * @cap: room in @data
 * @roots: (out): 24 bytes per hashed piece
 * @written: (out): bytes written
 * @n_hashed: (out): pieces hashed (all, or those written in full)
 * @saved_errno: (out): the write failed with it
 *
 * A run of received bytes. The thread writes it and computes each piece's TTH; the main
 * thread compares (a piece that is a whole block) or combines pieces into the block's root
 * (burrow_tth_root_from_nodes: aligned power-of-two pieces are subtrees), with
 * burrow_download_verify_piece().
 */
typedef struct
{
  gint      fd;
  guint64   offset;
  guint64   piece_size;
  guint8   *data;
  gsize     len;
  gsize     cap;
  guint8   *roots;
  gsize     written;
  gsize     n_hashed;
  gint      saved_errno;
} BurrowDownloadJob;

/* The piece roots of the blocks that span several jobs. */
typedef struct _BurrowBlockPieces BurrowBlockPieces;

void      burrow_download_job_clear      (BurrowDownloadJob    *job);
void      burrow_download_job_run_async  (BurrowDownloadJob    *job,
                                          GObject              *source_object,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);

gboolean  burrow_download_verify_piece   (BurrowBlockPieces   **pieces,
                                          const BurrowTthTree  *tree,
                                          guint64               block,
                                          guint64               piece,
                                          const guint8         *root,
                                          gboolean             *verified);
void      burrow_block_pieces_forget     (BurrowBlockPieces    *pieces,
                                          guint64               block);
void      burrow_block_pieces_free       (BurrowBlockPieces    *pieces);

G_END_DECLS
