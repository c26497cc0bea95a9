/* burrow-file-list-writer.c — our file list: XML generation, bzip2, the file on disk
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-list"

#include "config.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-file-list-private.h"
#include "burrow-file-tree-private.h"

#include "burrow-file-list.h"

/* The XML is produced by an iterative walk into a GString that is flushed
 * every FLUSH_BYTES to a sink (a bzip2 stream into a file for write_file), so
 * a list of millions of entries is never whole in memory. */

#define FLUSH_BYTES     (1024 * 1024)
#define BZ_LEVEL        9

/* Writer ------------------------------------------------------------------ */

typedef gboolean (*SinkFunc) (const gchar *data,
                              gsize        len,
                              gpointer     user_data,
                              GError     **error);

typedef struct
{
  GString  *out;
  SinkFunc  sink;       /* NULL: accumulate everything in out */
  gpointer  sink_data;
} Writer;

static inline void
append_escaped (GString     *out,
                const gchar *text)
{
  const gchar *p = text;
  const gchar *run = text;

  for (; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;
      const gchar *rep;

      switch (c)
        {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default:
          if (c >= 0x20)
            continue;
          rep = NULL;
          break;
        }
      g_string_append_len (out, run, p - run);
      if (rep != NULL)
        g_string_append (out, rep);
      else
        g_string_append_printf (out, "&#%u;", c);
      run = p + 1;
    }
  g_string_append_len (out, run, p - run);
}

static inline void
append_u64 (GString *out,
            guint64  value)
{
  gchar buf[24];
  gchar *p = buf + sizeof buf;

  do
    {
      *--p = (gchar) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0);
  g_string_append_len (out, p, buf + sizeof buf - p);
}

static inline void
append_indent (GString *out,
               guint    depth)
{
  static const gchar tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

  while (depth > 16)
    {
      g_string_append_len (out, tabs, 16);
      depth -= 16;
    }
  g_string_append_len (out, tabs, depth);
}

static void
write_directory_tag (GString              *out,
                     const BurrowFileNode *dir,
                     guint                 depth,
                     gboolean              open)
{
  append_indent (out, depth);
  g_string_append (out, "<Directory Name=\"");
  append_escaped (out, dir->name);
  g_string_append_c (out, '"');
  if (!open && (dir->incomplete || dir->children->len > 0))
    {
      g_string_append (out, " Incomplete=\"1\" Size=\"");
      append_u64 (out, dir->size);
      g_string_append_c (out, '"');
    }
  g_string_append (out, open ? ">\n" : "/>\n");
}

static void
write_file_tag (GString              *out,
                const BurrowFileNode *file,
                guint                 depth)
{
  gchar tth[BURROW_BASE32_LEN (24) + 1];

  burrow_base32_encode_into (file->tth, sizeof file->tth, tth);
  append_indent (out, depth);
  g_string_append (out, "<File Name=\"");
  append_escaped (out, file->name);
  g_string_append (out, "\" Size=\"");
  append_u64 (out, file->size);
  g_string_append (out, "\" TTH=\"");
  g_string_append_len (out, tth, BURROW_BASE32_LEN (24));
  g_string_append (out, "\"/>\n");
}

static gboolean
writer_maybe_flush (Writer   *w,
                    gboolean  force,
                    GError  **error)
{
  if (w->sink == NULL || (!force && w->out->len < FLUSH_BYTES))
    return TRUE;
  if (!w->sink (w->out->str, w->out->len, w->sink_data, error))
    return FALSE;
  g_string_truncate (w->out, 0);
  return TRUE;
}

typedef struct
{
  const BurrowFileNode *dir;
  guint                 index;
} WalkFrame;

static gboolean
write_list (const BurrowFileNode *base,
            const gchar          *cid,
            const gchar          *generator,
            gboolean              recursive,
            Writer               *w,
            GError              **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (WalkFrame));
  g_autofree gchar *base_path = burrow_file_node_dup_path (base);
  GString *out = w->out;
  WalkFrame frame = { base, 0 };

  g_string_append (out, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
                        "<FileListing Version=\"1\" CID=\"");
  append_escaped (out, cid);
  g_string_append (out, "\" Base=\"");
  append_escaped (out, base_path);
  g_string_append (out, "\" Generator=\"");
  append_escaped (out, generator != NULL ? generator : "Burrow " PACKAGE_VERSION);
  g_string_append (out, "\">\n");

  g_array_append_val (stack, frame);
  while (stack->len > 0)
    {
      WalkFrame *top = &g_array_index (stack, WalkFrame, stack->len - 1);
      const BurrowFileNode *child;
      guint depth = stack->len;

      if (top->index == top->dir->children->len)
        {
          g_array_set_size (stack, stack->len - 1);
          if (stack->len > 0)
            {
              append_indent (out, stack->len);
              g_string_append (out, "</Directory>\n");
            }
          continue;
        }

      child = top->dir->children->pdata[top->index++];
      if (child->is_dir)
        {
          if (recursive && child->children->len > 0)
            {
              WalkFrame next = { child, 0 };

              write_directory_tag (out, child, depth, TRUE);
              g_array_append_val (stack, next);
            }
          else
            write_directory_tag (out, child, depth, FALSE);
        }
      else if (child->has_tth)
        write_file_tag (out, child, depth);

      if (!writer_maybe_flush (w, FALSE, error))
        return FALSE;
    }

  g_string_append (out, "</FileListing>\n");
  return writer_maybe_flush (w, TRUE, error);
}

static BurrowFileNode *
lookup_base (BurrowFileTree *tree,
             const gchar    *base_path,
             GError        **error)
{
  gsize len = strlen (base_path);
  BurrowFileNode *base = NULL;

  if (len > 0 && base_path[0] == '/' && base_path[len - 1] == '/')
    base = burrow_file_tree_lookup (tree, base_path);
  if (base == NULL || !base->is_dir)
    {
      g_autofree gchar *shown = _burrow_file_list_sanitize (base_path, len);

      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("No shared directory “%s”"), shown);
      return NULL;
    }
  return base;
}

/**
 * burrow_file_list_generate:
 * @tree: a finished tree
 * @cid: our CID (base32)
 * @generator: (nullable): the Generator attribute, or %NULL for "Burrow <version>"
 * @base_path: "/" for the full list, or "/A/B/" for a partial list
 * @recursive: for a partial list, whether to include everything below
 *   @base_path (ADC `RE1`) or only its direct content
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the XML text, or %NULL with
 *   BURROW_SHARE_ERROR_NOT_FOUND if @base_path is not a directory of @tree
 */
GBytes *
burrow_file_list_generate (BurrowFileTree *tree,
                           const gchar    *cid,
                           const gchar    *generator,
                           const gchar    *base_path,
                           gboolean        recursive,
                           GError        **error)
{
  BurrowFileNode *base;
  Writer w = { NULL, NULL, NULL };
  gsize estimate;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (burrow_file_tree_is_finished (tree), NULL);
  g_return_val_if_fail (cid != NULL, NULL);
  g_return_val_if_fail (base_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base = lookup_base (tree, base_path, error);
  if (base == NULL)
    return NULL;

  /* Full list: about 110 bytes per entry; partial: whatever the base holds. */
  if (base->parent == NULL && recursive)
    estimate = ((gsize) burrow_file_tree_get_n_files (tree)
                + burrow_file_tree_get_n_directories (tree)) * 110 + 512;
  else
    estimate = (gsize) base->children->len * 110 + 512;
  w.out = g_string_sized_new (MIN (estimate, (gsize) 1 << 30));

  if (!write_list (base, cid, generator, recursive, &w, error))
    {
      g_string_free (w.out, TRUE);
      return NULL;
    }
  return g_string_free_to_bytes (w.out);
}

/* bzip2 out --------------------------------------------------------------- */

typedef struct
{
  bz_stream   bz;
  guint8     *buf;        /* BURROW_FILE_LIST_CHUNK_SIZE */
  SinkFunc    out;
  gpointer    out_data;
} Compressor;

static gboolean
compressor_init (Compressor *c,
                 SinkFunc    out,
                 gpointer    out_data,
                 GError    **error)
{
  memset (c, 0, sizeof *c);
  if (BZ2_bzCompressInit (&c->bz, BZ_LEVEL, 0, 0) != BZ_OK)
    {
      g_set_error_literal (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_FAILED,
                           _("Cannot start bzip2 compression"));
      return FALSE;
    }
  c->buf = g_malloc (BURROW_FILE_LIST_CHUNK_SIZE);
  c->out = out;
  c->out_data = out_data;
  return TRUE;
}

static void
compressor_clear (Compressor *c)
{
  if (c->buf != NULL)
    {
      BZ2_bzCompressEnd (&c->bz);
      g_clear_pointer (&c->buf, g_free);
    }
}

static gboolean
compressor_feed (Compressor  *c,
                 const gchar *data,
                 gsize        len,
                 gboolean     finish,
                 GError     **error)
{
  for (;;)
    {
      guint piece = (guint) MIN (len, (gsize) 1 << 30);
      int ret;

      c->bz.next_in = (char *) data;
      c->bz.avail_in = piece;
      c->bz.next_out = (char *) c->buf;
      c->bz.avail_out = BURROW_FILE_LIST_CHUNK_SIZE;
      ret = BZ2_bzCompress (&c->bz, finish && piece == len ? BZ_FINISH : BZ_RUN);
      if (ret != BZ_RUN_OK && ret != BZ_FINISH_OK && ret != BZ_STREAM_END)
        {
          g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_FAILED,
                       _("bzip2 compression failed (%d)"), ret);
          return FALSE;
        }
      if (BURROW_FILE_LIST_CHUNK_SIZE - c->bz.avail_out > 0 &&
          !c->out ((const gchar *) c->buf, BURROW_FILE_LIST_CHUNK_SIZE - c->bz.avail_out,
                   c->out_data, error))
        return FALSE;
      data += piece - c->bz.avail_in;
      len -= piece - c->bz.avail_in;
      if (ret == BZ_STREAM_END)
        return TRUE;
      if (len == 0 && !finish && c->bz.avail_out > 0)
        return TRUE;
    }
}

static gboolean
sink_append (const gchar *data,
             gsize        len,
             gpointer     user_data,
             GError     **error)
{
  g_byte_array_append (user_data, (const guint8 *) data, len);
  return TRUE;
}

/**
 * burrow_file_list_compress:
 * @xml: the list's XML text
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): @xml as one bzip2 stream
 */
GBytes *
burrow_file_list_compress (GBytes  *xml,
                           GError **error)
{
  g_autoptr(GByteArray) out = NULL;
  Compressor c;
  gsize len;
  const gchar *data;
  gboolean ok;

  g_return_val_if_fail (xml != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (xml, &len);
  out = g_byte_array_sized_new (len / 4 + 1024);
  if (!compressor_init (&c, sink_append, out, error))
    return NULL;
  ok = compressor_feed (&c, data != NULL ? data : "", len, TRUE, error);
  compressor_clear (&c);
  if (!ok)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

typedef struct
{
  gint         fd;
  const gchar *path;
  Compressor   c;
} FileSink;

static gboolean
sink_fd (const gchar *data,
         gsize        len,
         gpointer     user_data,
         GError     **error)
{
  FileSink *fs = user_data;

  while (len > 0)
    {
      gssize n = write (fs->fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot write “%s”: %s"), fs->path, g_strerror (saved));
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
sink_compress (const gchar *data,
               gsize        len,
               gpointer     user_data,
               GError     **error)
{
  FileSink *fs = user_data;

  return compressor_feed (&fs->c, data, len, FALSE, error);
}

static void
fsync_directory_of (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);

  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
}

/**
 * burrow_file_list_write_file:
 * @tree: a finished tree (our share)
 * @cid: our CID
 * @generator: (nullable): as for burrow_file_list_generate()
 * @path: where to write files.xml.bz2
 * @error: return location for an error
 *
 * Generates the full list and writes it bzip2-compressed to @path: to a
 * temporary file next to it first, fsync()ed, then renamed over @path, so
 * readers see either the old or the new list, never a partial one.
 *
 * Returns: %TRUE on success
 */
gboolean
burrow_file_list_write_file (BurrowFileTree *tree,
                             const gchar    *cid,
                             const gchar    *generator,
                             const gchar    *path,
                             GError        **error)
{
  g_autofree gchar *tmp_path = NULL;
  FileSink fs = { -1, NULL, { { 0 } } };
  Writer w;
  gboolean ok = FALSE;

  g_return_val_if_fail (tree != NULL, FALSE);
  g_return_val_if_fail (burrow_file_tree_is_finished (tree), FALSE);
  g_return_val_if_fail (cid != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  fs.fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (fs.fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create a temporary file for “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  fs.path = tmp_path;

  if (!compressor_init (&fs.c, sink_fd, &fs, error))
    goto out;
  w.out = g_string_sized_new (FLUSH_BYTES + 64 * 1024);
  w.sink = sink_compress;
  w.sink_data = &fs;
  ok = write_list (burrow_file_tree_get_root (tree), cid, generator, TRUE, &w, error) &&
       compressor_feed (&fs.c, "", 0, TRUE, error);
  g_string_free (w.out, TRUE);
  compressor_clear (&fs.c);
  if (!ok)
    goto out;

  if (fsync (fs.fd) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot write “%s”: %s"), tmp_path, g_strerror (saved));
      ok = FALSE;
      goto out;
    }
  if (close (fs.fd) != 0)
    {
      int saved = errno;

      fs.fd = -1;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot write “%s”: %s"), tmp_path, g_strerror (saved));
      ok = FALSE;
      goto out;
    }
  fs.fd = -1;
  if (g_rename (tmp_path, path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot rename “%s” to “%s”: %s"), tmp_path, path, g_strerror (saved));
      ok = FALSE;
      goto out;
    }
  fsync_directory_of (path);

out:
  if (fs.fd >= 0)
    close (fs.fd);
  if (!ok)
    g_unlink (tmp_path);
  return ok;
}
