/* burrow-download-file.h — a download's part file: opening it, checking it, moving it into place
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-tth.h"

G_BEGIN_DECLS

/* Reads of the resume check. */
#define BURROW_DOWNLOAD_CHECK_CHUNK (1024 * 1024)

/* What was being done to the part file when an I/O call failed (one sentence each). */
typedef enum
{
  BURROW_DOWNLOAD_IO_CREATE,
  BURROW_DOWNLOAD_IO_READ,
  BURROW_DOWNLOAD_IO_WRITE,
  BURROW_DOWNLOAD_IO_MOVE,
} BurrowDownloadIoOp;

GError   *burrow_download_file_io_error        (gint                 saved_errno,
                                                const gchar         *path,
                                                BurrowDownloadIoOp   op);
gint      burrow_download_file_open_part       (const gchar         *path,
                                                gint                 access);
gchar    *burrow_download_file_move_into_place (const gchar         *part,
                                                const gchar         *dir,
                                                const gchar         *name,
                                                GError             **error);
void      burrow_download_file_check_async     (const gchar         *part,
                                                const BurrowTthTree *tree,
                                                guint64              n_blocks,
                                                gboolean             final,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean  burrow_download_file_check_finish    (GAsyncResult        *result,
                                                guint8             **bitmap,
                                                GError             **error);

G_END_DECLS
