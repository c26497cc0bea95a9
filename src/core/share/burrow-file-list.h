/* burrow-file-list.h — files.xml(.bz2): writing our list, reading a peer's
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-file-tree.h"

G_BEGIN_DECLS

/* Limits applied to a peer's list; exceeding any of them rejects the whole
 * list with a BURROW_SHARE_ERROR (LIST_TOO_LARGE, LIST_TOO_DEEP,
 * TOO_MANY_ENTRIES). 0 in a field means "the default". */
typedef struct
{
  guint64  max_decompressed_bytes; /* size of the XML text */
  guint    max_depth;              /* directory nesting below the list's root */
  guint    max_entries;            /* <Directory> and <File> elements, duplicates included */
} BurrowFileListLimits;

/* Defaults. A list costs ~105 bytes of XML and ~140 bytes of tree memory per
 * entry, so 5,000,000 entries (several times the largest shares seen on
 * public hubs) is ~530 MB of XML and ~700 MB of memory at worst; 1 GiB of XML
 * leaves room for long names and deep indentation while keeping a bzip2
 * bomb's cost at a few seconds of one core. 128 levels is far beyond real
 * trees (path lengths are limited to a few hundred characters in practice). */
#define BURROW_FILE_LIST_DEFAULT_MAX_DECOMPRESSED  (G_GUINT64_CONSTANT (1) << 30)  /* 1 GiB */
#define BURROW_FILE_LIST_DEFAULT_MAX_DEPTH         128
#define BURROW_FILE_LIST_DEFAULT_MAX_ENTRIES       5000000

BurrowFileListLimits  burrow_file_list_limits_default (void);

/* Our list. @tree must be finished. @base_path is "/" for the full list or a
 * directory path "/A/B/" for a partial list (BURROW_SHARE_ERROR_NOT_FOUND if
 * it is not a directory of @tree). Not @recursive: the base directory's direct
 * content, each non-empty subdirectory written as
 * <Directory Name=".." Incomplete="1" Size=".."/>. Files without a TTH are
 * omitted. @generator may be NULL ("Burrow <version>"). Returns the UTF-8
 * XML text (no BOM). */
GBytes          *burrow_file_list_generate        (BurrowFileTree        *tree,
                                                   const gchar           *cid,
                                                   const gchar           *generator,
                                                   const gchar           *base_path,
                                                   gboolean               recursive,
                                                   GError               **error);
/* bzip2 (one stream, 900k blocks). */
GBytes          *burrow_file_list_compress        (GBytes                *xml,
                                                   GError               **error);
/* Writes the full list, bzip2-compressed, to @path atomically: a temporary
 * file in the same directory, fsync, rename. The XML is generated and
 * compressed in pieces, never held whole in memory. */
gboolean         burrow_file_list_write_file      (BurrowFileTree        *tree,
                                                   const gchar           *cid,
                                                   const gchar           *generator,
                                                   const gchar           *path,
                                                   GError               **error);

/* A peer's list, synchronously (pure: no I/O, no threads; fine in a worker
 * thread). @data is bzip2 if @compressed, else XML. @limits may be NULL for
 * the defaults. Returns a finished tree whose root is the list's Base
 * directory; *out_base gets Base ("/" for a full list), *out_cid the CID
 * attribute (NULL if absent). Duplicate names: a directory repeated in the
 * same parent is merged into the first; a repeated file, or a directory named
 * like an existing file, is dropped (with its content) and counted in
 * *out_n_duplicates. */
BurrowFileTree  *burrow_file_list_parse           (const void            *data,
                                                   gsize                  len,
                                                   gboolean               compressed,
                                                   const BurrowFileListLimits *limits,
                                                   gchar                **out_cid,
                                                   gchar                **out_base,
                                                   GError               **error);
BurrowFileTree  *burrow_file_list_parse_full      (const void            *data,
                                                   gsize                  len,
                                                   gboolean               compressed,
                                                   const BurrowFileListLimits *limits,
                                                   gchar                **out_cid,
                                                   gchar                **out_base,
                                                   guint                 *out_n_duplicates,
                                                   GError               **error);

/* The same in worker threads: with @compressed, one thread decompresses into a
 * bounded queue of chunks while another parses. Exactly one of @file and
 * @data is non-NULL. Cancelling fails with G_IO_ERROR_CANCELLED. */
void             burrow_file_list_load_async      (GFile                 *file,
                                                   GBytes                *data,
                                                   gboolean               compressed,
                                                   const BurrowFileListLimits *limits,
                                                   GCancellable          *cancellable,
                                                   GAsyncReadyCallback    callback,
                                                   gpointer               user_data);
BurrowFileTree  *burrow_file_list_load_finish     (GAsyncResult          *result,
                                                   gchar                **out_cid,
                                                   gchar                **out_base,
                                                   GError               **error);
/* After a successful load_finish on @result. */
guint            burrow_file_list_load_get_n_duplicates (GAsyncResult   *result);

G_END_DECLS
