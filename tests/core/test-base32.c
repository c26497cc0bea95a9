/* test-base32.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-base32"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* RFC 4648 §10, without the padding DC never writes. */
static const struct
{
  const gchar *plain;
  const gchar *encoded;
} rfc4648_vectors[] = {
  { "", "" },
  { "f", "MY" },
  { "fo", "MZXQ" },
  { "foo", "MZXW6" },
  { "foob", "MZXW6YQ" },
  { "fooba", "MZXW6YTB" },
  { "foobar", "MZXW6YTBOI" },
};

static void
test_encode_rfc4648 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rfc4648_vectors); i++)
    {
      const gchar *plain = rfc4648_vectors[i].plain;
      g_autofree gchar *encoded = NULL;
      gchar into[32];

      encoded = burrow_base32_encode ((const guint8 *) plain, strlen (plain));
      g_assert_cmpstr (encoded, ==, rfc4648_vectors[i].encoded);
      g_assert_cmpuint (BURROW_BASE32_LEN (strlen (plain)), ==,
                        strlen (rfc4648_vectors[i].encoded));

      memset (into, 'x', sizeof into);
      burrow_base32_encode_into ((const guint8 *) plain, strlen (plain), into);
      g_assert_cmpstr (into, ==, rfc4648_vectors[i].encoded);
    }
}

static void
test_decode_rfc4648 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rfc4648_vectors); i++)
    {
      const gchar *plain = rfc4648_vectors[i].plain;
      const gchar *encoded = rfc4648_vectors[i].encoded;
      gsize plain_len = strlen (plain);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      guint8 out[8];

      memset (out, 0xaa, sizeof out);
      g_assert_true (burrow_base32_decode (encoded, -1, out, plain_len, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (out, plain_len, plain, plain_len);
      /* nothing written past the decoded size */
      g_assert_cmpuint (out[plain_len], ==, 0xaa);

      bytes = burrow_base32_decode_bytes (encoded, -1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (bytes);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), plain, plain_len);

      g_assert_true (burrow_base32_is_valid (encoded, -1, plain_len));
    }
}

static void
test_decode_lower_case (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 out[6];

  g_assert_true (burrow_base32_decode ("mzxw6ytboi", -1, out, 6, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, 6, "foobar", 6);

  g_assert_true (burrow_base32_decode ("MzXw6YtBoI", -1, out, 6, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, 6, "foobar", 6);

  bytes = burrow_base32_decode_bytes ("mzxw6yq", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "foob", 4);
}

static void
test_decode_explicit_length (void)
{
  g_autoptr(GError) error = NULL;
  guint8 out[3];

  /* only the first 5 characters count; the rest is not even valid base32 */
  g_assert_true (burrow_base32_decode ("MZXW6!!!", 5, out, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, 3, "foo", 3);
}

static void
test_decode_invalid_char (void)
{
  static const gchar *bad[] = {
    "MZXW1", "MZXW8", "MZXW0", "MZ W6", "MZXW-", "MZ\xc3\xa9W", "MZXW@",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      guint8 out[3];

      if (strlen (bad[i]) == 5)
        {
          g_assert_false (burrow_base32_decode (bad[i], -1, out, 3, &error));
          g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
          g_clear_error (&error);
          g_assert_false (burrow_base32_is_valid (bad[i], -1, 3));
        }

      bytes = burrow_base32_decode_bytes (bad[i], -1, &error);
      g_assert_null (bytes);
      g_assert_nonnull (error);
      g_assert_true (error->domain == BURROW_PROTOCOL_ERROR);
    }
}

static void
test_decode_padding_rejected (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 out[8];

  /* padded "f" is 8 characters: wrong length for one byte */
  g_assert_false (burrow_base32_decode ("MY======", -1, out, 1, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  g_clear_error (&error);

  /* '=' where a character of the right length is expected */
  g_assert_false (burrow_base32_decode ("MZXW6YQ=", -1, out, 5, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
  g_clear_error (&error);

  /* padded text of a valid length for decode_bytes: '=' is not in the alphabet */
  bytes = burrow_base32_decode_bytes ("MZXW6YQ=", -1, &error);
  g_assert_null (bytes);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
  g_clear_error (&error);

  bytes = burrow_base32_decode_bytes ("MY======", -1, &error);
  g_assert_null (bytes);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
}

static void
test_decode_wrong_length (void)
{
  g_autoptr(GError) error = NULL;
  guint8 out[8];

  /* one character short and one too many for 3 bytes */
  g_assert_false (burrow_base32_decode ("MZXW", -1, out, 3, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  g_clear_error (&error);
  g_assert_false (burrow_base32_decode ("MZXW6Y", -1, out, 3, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  g_clear_error (&error);
  g_assert_false (burrow_base32_decode ("", -1, out, 1, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  g_clear_error (&error);
  g_assert_false (burrow_base32_is_valid ("MZXW6", -1, 4));

  /* lengths no encoder produces: 1, 3 and 6 characters modulo 8 */
  for (guint n = 1; n <= 16; n++)
    {
      g_autofree gchar *text = g_strnfill (n, 'A');
      g_autoptr(GBytes) bytes = NULL;
      gboolean possible = (n % 8 != 1 && n % 8 != 3 && n % 8 != 6);

      bytes = burrow_base32_decode_bytes (text, -1, &error);
      if (possible)
        {
          g_assert_no_error (error);
          g_assert_nonnull (bytes);
          g_assert_cmpuint (g_bytes_get_size (bytes), ==, n * 5 / 8);
        }
      else
        {
          g_assert_null (bytes);
          g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
          g_clear_error (&error);
        }
    }
}

static void
test_decode_trailing_bits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 out[24];

  /* "MY" is 'f' with 2 zero bits; "MZ" sets the last of them */
  g_assert_false (burrow_base32_decode ("MZ", -1, out, 1, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
  g_clear_error (&error);

  bytes = burrow_base32_decode_bytes ("MZXW6YR", -1, &error);
  g_assert_null (bytes);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
  g_clear_error (&error);

  /* a 39-character TTH carries 3 zero bits in its last character */
  g_assert_true (burrow_base32_decode ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ", -1, out, 24,
                                       &error));
  g_assert_no_error (error);
  g_assert_false (burrow_base32_decode ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNR", -1, out, 24,
                                        &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
  g_clear_error (&error);
  g_assert_false (burrow_base32_is_valid ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNR", -1, 24));
}

static void
test_random_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);

  for (guint iter = 0; iter < 2000; iter++)
    {
      gsize len = g_rand_int_range (rand, 0, 80);
      g_autofree guint8 *data = g_malloc (len + 1);
      g_autofree guint8 *back = g_malloc (len + 1);
      g_autofree gchar *text = NULL;
      g_autofree gchar *lower = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_rand_int_range (rand, 0, 256);

      text = burrow_base32_encode (data, len);
      g_assert_cmpuint (strlen (text), ==, BURROW_BASE32_LEN (len));
      for (const gchar *c = text; *c; c++)
        g_assert_true ((*c >= 'A' && *c <= 'Z') || (*c >= '2' && *c <= '7'));

      g_assert_true (burrow_base32_decode (text, -1, back, len, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (back, len, data, len);

      lower = g_ascii_strdown (text, -1);
      bytes = burrow_base32_decode_bytes (lower, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), data, len);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/base32/encode-rfc4648", test_encode_rfc4648);
  g_test_add_func ("/burrow/protocol/base32/decode-rfc4648", test_decode_rfc4648);
  g_test_add_func ("/burrow/protocol/base32/decode-lower-case", test_decode_lower_case);
  g_test_add_func ("/burrow/protocol/base32/decode-explicit-length", test_decode_explicit_length);
  g_test_add_func ("/burrow/protocol/base32/invalid-char", test_decode_invalid_char);
  g_test_add_func ("/burrow/protocol/base32/padding-rejected", test_decode_padding_rejected);
  g_test_add_func ("/burrow/protocol/base32/wrong-length", test_decode_wrong_length);
  g_test_add_func ("/burrow/protocol/base32/trailing-bits", test_decode_trailing_bits);
  g_test_add_func ("/burrow/protocol/base32/random-round-trip", test_random_round_trip);

  return g_test_run ();
}
