/* burrow-base32.h — RFC 4648 base32 as DC uses it (upper case, never padded)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Number of characters base32 needs for @n_bytes bytes without padding. */
#define BURROW_BASE32_LEN(n_bytes) (((n_bytes) * 8 + 4) / 5)

gchar    *burrow_base32_encode        (const guint8 *data,
                                       gsize         len);
void      burrow_base32_encode_into   (const guint8 *data,
                                       gsize         len,
                                       gchar        *out);
gboolean  burrow_base32_decode        (const gchar  *text,
                                       gssize        text_len,
                                       guint8       *out,
                                       gsize         out_len,
                                       GError      **error);
GBytes   *burrow_base32_decode_bytes  (const gchar  *text,
                                       gssize        text_len,
                                       GError      **error);
gboolean  burrow_base32_is_valid      (const gchar  *text,
                                       gssize        text_len,
                                       gsize         n_bytes);

G_END_DECLS
