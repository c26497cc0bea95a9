/* burrow-file-list-private.h — test hooks of the file-list parser
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-file-list.h"

G_BEGIN_DECLS

/* Parses uncompressed XML fed in pieces of @chunk_size bytes, to exercise
 * every split position of the streaming tokenizer. */
BurrowFileTree  *_burrow_file_list_parse_chunked  (const gchar           *xml,
                                                   gsize                  len,
                                                   gsize                  chunk_size,
                                                   const BurrowFileListLimits *limits,
                                                   guint                 *out_n_duplicates,
                                                   GError               **error);

/* Parses @data (bzip2 if @compressed, else XML) given to the parser, or to
 * the decompressor, in pieces that end at the offsets in @cuts (ascending;
 * others are skipped); the decompressor's output goes to the parser in
 * chunks of @out_chunk_size bytes (0: the usual size). For fuzzing. */
BurrowFileTree  *_burrow_file_list_parse_pieces   (const void            *data,
                                                   gsize                  len,
                                                   gboolean               compressed,
                                                   const gsize           *cuts,
                                                   guint                  n_cuts,
                                                   gsize                  out_chunk_size,
                                                   const BurrowFileListLimits *limits,
                                                   guint                 *out_n_duplicates,
                                                   GError               **error);

G_END_DECLS
