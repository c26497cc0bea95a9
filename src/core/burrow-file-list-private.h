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

G_END_DECLS
