/* burrow-tiger.h — the Tiger hash as DC uses it (same digests as libgcrypt's GCRY_MD_TIGER1)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BURROW_TIGER_SIZE 24

void  burrow_tiger_init    (void);
void  burrow_tiger         (const void   *data,
                            gsize         len,
                            guint8        out[BURROW_TIGER_SIZE]);
void  burrow_tiger_leaf    (const guint8 *block,
                            gsize         len,
                            guint8        out[BURROW_TIGER_SIZE]);
void  burrow_tiger_leaves  (const guint8 *blocks,
                            gsize         n_leaves,
                            guint8       *out);
void  burrow_tiger_node    (const guint8  left[BURROW_TIGER_SIZE],
                            const guint8  right[BURROW_TIGER_SIZE],
                            guint8        out[BURROW_TIGER_SIZE]);

G_END_DECLS
