/* burrow-file-list-private.h — test hooks of the file-list parser, and what the writer, the
 * parser and the loader share
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

/* Internal: shared by burrow-file-list-writer.c, burrow-file-list-parser.c and
 * burrow-file-list.c (the loader). */

/* Pieces of text or bzip2 data handled at once (bzip2 output buffer, decompressed chunks, file
 * reads). */
#define BURROW_FILE_LIST_CHUNK_SIZE (256 * 1024)

BurrowFileListLimits  _burrow_file_list_resolve_limits (const BurrowFileListLimits *limits);
gchar                *_burrow_file_list_sanitize       (const gchar                *text,
                                                        gsize                       len);

/* Fills (data, len) with more compressed input; len 0 at the end. */
typedef gboolean (*BurrowFileListInputFunc) (gpointer      user_data,
                                             const gchar **data,
                                             gsize        *len,
                                             GError      **error);

/* Input from memory: all of it at once, then the end. */
typedef struct
{
  const gchar *data;
  gsize        len;
} BurrowFileListMemoryInput;

gboolean         _burrow_file_list_memory_input  (gpointer                     user_data,
                                                  const gchar                **data,
                                                  gsize                       *len,
                                                  GError                     **error);

/* The streaming parser, fed XML text in pieces; errors are those of
 * burrow_file_list_parse_full(). */
typedef struct _BurrowFileListParser BurrowFileListParser;

BurrowFileListParser *_burrow_file_list_parser_new  (const BurrowFileListLimits *limits);
void                  _burrow_file_list_parser_free (BurrowFileListParser       *parser);
gboolean              _burrow_file_list_parser_feed (BurrowFileListParser       *parser,
                                                     const gchar                *data,
                                                     gsize                       len,
                                                     GError                    **error);
BurrowFileTree       *_burrow_file_list_parser_end  (BurrowFileListParser       *parser,
                                                     gchar                     **out_cid,
                                                     gchar                     **out_base,
                                                     guint                      *out_n_duplicates,
                                                     GError                    **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowFileListParser, _burrow_file_list_parser_free)

/* bzip2 decompression of what an input function gives (one or more streams). */
typedef struct _BurrowFileListBunzip BurrowFileListBunzip;

BurrowFileListBunzip *_burrow_file_list_bunzip_new          (BurrowFileListInputFunc   input,
                                                             gpointer                  input_data);
void                  _burrow_file_list_bunzip_free         (BurrowFileListBunzip     *bunzip);
/* Decompresses into out[0, cap): *out_len gets what was produced, *done is set at the clean end
 * of the input. */
gboolean              _burrow_file_list_bunzip_fill         (BurrowFileListBunzip     *bunzip,
                                                             gchar                    *out,
                                                             gsize                     cap,
                                                             gsize                    *out_len,
                                                             gboolean                 *done,
                                                             GError                  **error);
guint64               _burrow_file_list_bunzip_get_produced (BurrowFileListBunzip     *bunzip);

G_END_DECLS
