/* burrow-base32.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-base32"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "burrow-error.h"

#include "burrow-base32.h"

static const gchar alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static inline gint
decode_char (gchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

/**
 * burrow_base32_encode_into:
 * @data: bytes to encode
 * @len: number of bytes
 * @out: (out caller-allocates): room for BURROW_BASE32_LEN (@len) + 1 characters
 *
 * Encodes without padding and NUL-terminates @out.
 */
void
burrow_base32_encode_into (const guint8 *data,
                           gsize         len,
                           gchar        *out)
{
  guint32 buffer = 0;
  guint bits = 0;
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          out[o++] = alphabet[(buffer >> (bits - 5)) & 31];
          bits -= 5;
        }
    }
  if (bits > 0)
    out[o++] = alphabet[(buffer << (5 - bits)) & 31];
  out[o] = '\0';
}

/**
 * burrow_base32_encode:
 *
 * Returns: (transfer full): the unpadded upper-case base32 text of @data
 */
gchar *
burrow_base32_encode (const guint8 *data,
                      gsize         len)
{
  gchar *out = g_malloc (BURROW_BASE32_LEN (len) + 1);

  burrow_base32_encode_into (data, len, out);
  return out;
}

static gboolean
valid_text_length (gsize n_chars)
{
  /* 1, 3 and 6 trailing characters can never come out of an encoder */
  switch (n_chars % 8)
    {
    case 1:
    case 3:
    case 6:
      return FALSE;
    default:
      return TRUE;
    }
}

/**
 * burrow_base32_decode:
 * @text: base32 text (either case, no padding)
 * @text_len: length of @text, or -1 if NUL-terminated
 * @out: buffer of exactly the decoded size
 * @out_len: the expected decoded size
 *
 * Strict decoding: any character outside the alphabet (padding included), a
 * length that does not match @out_len, or non-zero bits after the last byte is
 * an error.
 */
gboolean
burrow_base32_decode (const gchar  *text,
                      gssize        text_len,
                      guint8       *out,
                      gsize         out_len,
                      GError      **error)
{
  guint32 buffer = 0;
  guint bits = 0;
  gsize o = 0;
  gsize n;

  g_return_val_if_fail (text != NULL, FALSE);

  n = text_len < 0 ? strlen (text) : (gsize) text_len;
  if (n != BURROW_BASE32_LEN (out_len))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH,
                   _("Base32 value has %zu characters, expected %zu"),
                   n, (gsize) BURROW_BASE32_LEN (out_len));
      return FALSE;
    }

  for (gsize i = 0; i < n; i++)
    {
      gint v = decode_char (text[i]);

      if (v < 0)
        {
          g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32,
                       _("Invalid base32 character at position %zu"), i);
          return FALSE;
        }
      buffer = (buffer << 5) | (guint32) v;
      bits += 5;
      if (bits >= 8)
        {
          out[o++] = (guint8) (buffer >> (bits - 8));
          bits -= 8;
        }
    }

  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0)
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32,
                           _("Base32 value has non-zero padding bits"));
      return FALSE;
    }

  g_assert (o == out_len);
  return TRUE;
}

/**
 * burrow_base32_decode_bytes:
 *
 * Decodes text of any valid length.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL with @error set
 */
GBytes *
burrow_base32_decode_bytes (const gchar  *text,
                            gssize        text_len,
                            GError      **error)
{
  gsize n = text_len < 0 ? strlen (text) : (gsize) text_len;
  gsize out_len = n * 5 / 8;
  g_autofree guint8 *out = NULL;

  if (!valid_text_length (n))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH,
                   _("Base32 value has an impossible length of %zu characters"), n);
      return NULL;
    }

  out = g_malloc (out_len ? out_len : 1);
  if (!burrow_base32_decode (text, n, out, out_len, error))
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&out), out_len);
}

/**
 * burrow_base32_is_valid:
 *
 * Returns: whether @text strictly decodes to exactly @n_bytes bytes
 */
gboolean
burrow_base32_is_valid (const gchar *text,
                        gssize       text_len,
                        gsize        n_bytes)
{
  guint8 stack[64];
  g_autofree guint8 *heap = NULL;
  guint8 *out = stack;

  if (n_bytes > sizeof stack)
    out = heap = g_malloc (n_bytes);

  return burrow_base32_decode (text, text_len, out, n_bytes, NULL);
}
