/* burrow-download-file.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-download-file"
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "burrow-download-queue.h"
#include "burrow-error.h"

#include "burrow-download-file.h"

/* Whole sentences per operation, so that translators never assemble verbs. */
GError *
burrow_download_file_io_error (gint                saved,
                               const gchar        *path,
                               BurrowDownloadIoOp  op)
{
  gint code = saved == ENOSPC || saved == EDQUOT ? BURROW_TRANSFER_ERROR_DISK_FULL
                                                 : BURROW_TRANSFER_ERROR_UNWRITABLE;
  const gchar *why = g_strerror (saved);

  if (code == BURROW_TRANSFER_ERROR_DISK_FULL)
    return g_error_new (BURROW_TRANSFER_ERROR, code,
                        _("The disk is full while writing %s; the download is paused and its data kept"),
                        path);
  switch (op)
    {
    case BURROW_DOWNLOAD_IO_CREATE:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot create %s: %s"), path, why);
    case BURROW_DOWNLOAD_IO_READ:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot read %s: %s"), path, why);
    case BURROW_DOWNLOAD_IO_MOVE:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot move the download to %s: %s"), path,
                          why);
    case BURROW_DOWNLOAD_IO_WRITE:
    default:
      return g_error_new (BURROW_TRANSFER_ERROR, code, _("Cannot write %s: %s"), path, why);
    }
}

/* Opens the part file at @path (@access: O_WRONLY or O_RDWR), creating it if it is not there.
 * The name is predictable, so whatever is planted there is refused rather than written
 * through: a symbolic link (ELOOP), or anything but a regular file of ours with one link
 * (EPERM). Returns
 * the descriptor, or -1 with errno set. */
gint
burrow_download_file_open_part (const gchar *path,
                                gint         access)
{
  struct stat st = { 0, };
  gint fd = open (path, access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  gint flags;

  if (fd >= 0 || errno != EEXIST)
    return fd;

  /* resuming: the existing file, never followed, never blocking on a FIFO */
  fd = open (path, access | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || st.st_nlink != 1)
    {
      close (fd);
      errno = EPERM;
      return -1;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

gchar *
burrow_download_file_move_into_place (const gchar  *part,
                                      const gchar  *dir,
                                      const gchar  *name,
                                      GError      **error)
{
  for (guint n = 0; n < 10000; n++)
    {
      g_autofree gchar *candidate = n == 0 ? g_strdup (name) : burrow_download_numbered_name (name,
                                                                                              n);
      g_autofree gchar *path = g_build_filename (dir, candidate, NULL);
      gint saved;

      if (renameat2 (AT_FDCWD, part, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return g_steal_pointer (&path);
      saved = errno;
      if (saved == EEXIST)
        continue;
      if (saved == EINVAL || saved == ENOSYS)
        {
          /* no RENAME_NOREPLACE here: link() fails on an existing name just as well */
          if (link (part, path) == 0)
            {
              g_unlink (part);
              return g_steal_pointer (&path);
            }
          saved = errno;
          if (saved == EEXIST)
            continue;
        }
      g_propagate_error (error, burrow_download_file_io_error (saved, path, BURROW_DOWNLOAD_IO_MOVE));
      return NULL;
    }
  g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_UNWRITABLE,
               _("No free name for %s in %s"), name, dir);
  return NULL;
}

typedef struct
{
  gchar          *path;
  guint64         file_size;
  guint64         block_size;
  guint8          root[BURROW_TTH_SIZE];
  GBytes         *leaves;
  gboolean        final;       /* whole-root check (else per-block resume check) */
  guint8         *bitmap;      /* result of the resume check */
  guint64         n_blocks;
} CheckData;

static void
check_data_free (CheckData *c)
{
  g_free (c->path);
  g_bytes_unref (c->leaves);
  g_free (c->bitmap);
  g_free (c);
}

/* Worker thread: immutable input, result through the task. */
static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *c = task_data;
  g_autofree guint8 *buffer = NULL;
  const guint8 *leaves = g_bytes_get_data (c->leaves, NULL);
  struct stat st;
  gint fd = open (c->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      gint saved = errno;

      if (fd >= 0)
        close (fd);
      if (!c->final && saved == ENOENT)
        {
          g_task_return_boolean (task, TRUE);   /* nothing on disk: nothing verified */
          return;
        }
      g_task_return_error (task, burrow_download_file_io_error (saved, c->path, BURROW_DOWNLOAD_IO_READ));
      return;
    }

  g_debug ("check thread for %s (final %d)", c->path, c->final);
  if (c->final)
    {
      guint8 root[BURROW_TTH_SIZE];

      /* Every block was hashed as it arrived (or on disk by the resume check) and matched its
       * leaf; the leaves must still make the root, and the file must have its size. Reading
       * the whole file back would only hash it a second time. */
      close (fd);
      burrow_tth_root_from_nodes (leaves, g_bytes_get_size (c->leaves) / BURROW_TTH_SIZE, root);
      if ((guint64) st.st_size != c->file_size || memcmp (root, c->root, BURROW_TTH_SIZE) != 0)
        g_task_return_new_error (task, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_CORRUPT,
                                 _("The finished file does not match its TTH"));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }

  /* resume: which blocks on disk match their leaves (data written before a kill counts too) */
  buffer = g_malloc (BURROW_DOWNLOAD_CHECK_CHUNK);
  for (guint64 b = 0; b < c->n_blocks; b++)
    {
      guint64 start = b * c->block_size;
      guint64 end = MIN (start + c->block_size, c->file_size);
      BurrowTthHasher *hasher;
      guint8 node[BURROW_TTH_SIZE];
      guint64 offset = start;
      gboolean complete = TRUE;
      off_t data;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (end > (guint64) st.st_size)
        break;
      /* holes (never written) cannot verify: skip them without reading */
      data = lseek (fd, (off_t) start, SEEK_DATA);
      if (data < 0 || (guint64) data >= end)
        continue;
      hasher = burrow_tth_hasher_new (c->block_size);
      while (offset < end)
        {
          ssize_t n = pread (fd, buffer, (gsize) MIN (end - offset, (guint64) BURROW_DOWNLOAD_CHECK_CHUNK),
                             (off_t) offset);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              complete = FALSE;
              break;
            }
          burrow_tth_hasher_update (hasher, buffer, (gsize) n);
          offset += (guint64) n;
        }
      burrow_tth_hasher_finish (hasher, node);
      burrow_tth_hasher_free (hasher);
      if (complete && memcmp (node, leaves + b * BURROW_TTH_SIZE, BURROW_TTH_SIZE) == 0)
        c->bitmap[b / 8] |= (guint8) (1u << (b % 8));
    }
  close (fd);
  g_task_return_boolean (task, TRUE);
}

/**
 * burrow_download_file_check_async:
 * @part: the part file
 * @tree: the file's tree (copied: the check runs on a thread)
 * @n_blocks: blocks of @tree (its leaves)
 * @final: check the finished file (its size, and that the leaves make the root); else which
 *   blocks on disk already match their leaves (resuming)
 *
 * Runs the check on a worker thread.
 */
void
burrow_download_file_check_async (const gchar         *part,
                                  const BurrowTthTree *tree,
                                  guint64              n_blocks,
                                  gboolean             final,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CheckData *c = g_new0 (CheckData, 1);

  g_task_set_source_tag (task, burrow_download_file_check_async);
  c->path = g_strdup (part);
  c->file_size = tree->file_size;
  c->block_size = tree->block_size;
  memcpy (c->root, tree->root, BURROW_TTH_SIZE);
  c->leaves = g_bytes_ref (tree->leaves);
  c->final = final;
  c->n_blocks = n_blocks;
  c->bitmap = g_malloc0 ((n_blocks + 7) / 8 + 1);
  g_task_set_task_data (task, c, (GDestroyNotify) check_data_free);
  g_task_run_in_thread (task, check_thread);
}

/**
 * burrow_download_file_check_finish:
 * @bitmap: (out) (optional) (transfer full): resuming: one bit per block, set when the block on
 *   disk matches its leaf
 *
 * Returns: %TRUE when the check ran (and, @final, the file is whole); %FALSE with a
 *   #BURROW_TRANSFER_ERROR (%BURROW_TRANSFER_ERROR_CORRUPT: the finished file does not match)
 */
gboolean
burrow_download_file_check_finish (GAsyncResult  *result,
                                   guint8       **bitmap,
                                   GError       **error)
{
  CheckData *c;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  c = g_task_get_task_data (G_TASK (result));
  if (bitmap != NULL)
    *bitmap = g_steal_pointer (&c->bitmap);
  return TRUE;
}
