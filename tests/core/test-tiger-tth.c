/* test-tiger-tth.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-tiger-tth"

#include "config.h"

#include <string.h>

#include <gcrypt.h>
#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define KiB ((guint64) 1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

static guint8 *
make_data (gsize   len,
           guint32 seed)
{
  guint8 *buf = g_malloc (len ? len : 1);
  guint32 x = seed ? seed : 1;

  for (gsize i = 0; i < len; i++)
    {
      x = x * 1664525u + 1013904223u;
      buf[i] = (guint8) (x >> 24);
    }
  return buf;
}

static gchar *
hex (const guint8 *data,
     gsize         len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

static gchar *
tth_of_hasher_chunked (const guint8 *data,
                       gsize         len,
                       gsize         chunk,
                       guint64       block_size)
{
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (block_size);
  guint8 root[BURROW_TTH_SIZE];

  for (gsize off = 0; off < len; off += chunk)
    burrow_tth_hasher_update (hasher, data + off, MIN (chunk, len - off));
  g_assert_cmpuint (burrow_tth_hasher_get_size (hasher), ==, len);
  burrow_tth_hasher_finish (hasher, root);

  return burrow_tth_to_base32 (root);
}

/* ---- Tiger ---- */

static void
test_tiger_vectors (void)
{
  guint8 out[BURROW_TIGER_SIZE];
  g_autofree gchar *empty = NULL;
  g_autofree gchar *abc = NULL;

  burrow_tiger ("", 0, out);
  empty = hex (out, sizeof out);
  g_assert_cmpstr (empty, ==, "3293ac630c13f0245f92bbb1766e16167a4e58492dde73f3");

  burrow_tiger ("abc", 3, out);
  abc = hex (out, sizeof out);
  g_assert_cmpstr (abc, ==, "2aab1484e8c158f2bfb8c5ff41b57a525129131c957b5f93");
}

static void
test_tiger_leaf_node (void)
{
  g_autofree guint8 *data = make_data (1024, 7);
  guint8 buf[1025];
  guint8 a[BURROW_TIGER_SIZE], b[BURROW_TIGER_SIZE];
  guint8 node_in[1 + 2 * BURROW_TIGER_SIZE];
  guint8 left[BURROW_TIGER_SIZE], right[BURROW_TIGER_SIZE];

  /* leaf = Tiger (0x00 ‖ block), for every length a leaf can have */
  for (gsize len = 0; len <= 1024; len += (len < 130 ? 1 : 97))
    {
      buf[0] = 0x00;
      memcpy (buf + 1, data, len);
      burrow_tiger (buf, len + 1, a);
      burrow_tiger_leaf (data, len, b);
      g_assert_cmpmem (a, sizeof a, b, sizeof b);
    }
  burrow_tiger_leaf (data, 1024, b);
  buf[0] = 0x00;
  memcpy (buf + 1, data, 1024);
  burrow_tiger (buf, 1025, a);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);

  /* node = Tiger (0x01 ‖ left ‖ right), and the output may alias an input */
  burrow_tiger ("left", 4, left);
  burrow_tiger ("right", 5, right);
  node_in[0] = 0x01;
  memcpy (node_in + 1, left, 24);
  memcpy (node_in + 25, right, 24);
  burrow_tiger (node_in, sizeof node_in, a);
  burrow_tiger_node (left, right, b);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  burrow_tiger_node (left, right, right);
  g_assert_cmpmem (a, sizeof a, right, sizeof right);

  /* order matters */
  burrow_tiger ("right", 5, right);
  burrow_tiger_node (right, left, b);
  g_assert_cmpint (memcmp (a, b, sizeof a), !=, 0);
}

static gpointer
tiger_thread (gpointer data)
{
  const guint8 *expected = data;
  guint8 out[BURROW_TIGER_SIZE];

  for (guint i = 0; i < 2000; i++)
    {
      burrow_tiger ("abc", 3, out);
      if (memcmp (out, expected, sizeof out) != 0)
        return GINT_TO_POINTER (1);
    }
  return GINT_TO_POINTER (0);
}

static void
test_tiger_threads (void)
{
  guint8 expected[BURROW_TIGER_SIZE];
  GThread *threads[4];

  burrow_tiger ("abc", 3, expected);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("tiger", tiger_thread, expected);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (threads[i])), ==, 0);
}

/* ---- Burrow's Tiger core against libgcrypt, an independent implementation ---- */

static void
gcrypt_init (void)
{
  g_assert_nonnull (gcry_check_version ("1.8.0"));
  if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
    {
      gcry_control (GCRYCTL_DISABLE_SECMEM, 0);
      gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
}

/* libgcrypt's Tiger of @a ‖ @b. */
static void
gcrypt_tiger2 (const guint8 *a,
               gsize         a_len,
               const guint8 *b,
               gsize         b_len,
               guint8        out[BURROW_TIGER_SIZE])
{
  gcry_md_hd_t hd;

  g_assert_cmpint (gcry_md_open (&hd, GCRY_MD_TIGER1, 0), ==, 0);
  gcry_md_write (hd, a, a_len);
  gcry_md_write (hd, b, b_len);
  memcpy (out, gcry_md_read (hd, GCRY_MD_TIGER1), BURROW_TIGER_SIZE);
  gcry_md_close (hd);
}

static void
fill_random (guint8 *buf,
             gsize   len)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) g_test_rand_int_range (0, 256);
}

static void
assert_same_digest (const guint8 *expected,
                    const guint8 *actual,
                    const gchar  *what,
                    gsize         len)
{
  if (memcmp (expected, actual, BURROW_TIGER_SIZE) != 0)
    {
      g_autofree gchar *e = hex (expected, BURROW_TIGER_SIZE);
      g_autofree gchar *a = hex (actual, BURROW_TIGER_SIZE);

      g_test_message ("%s of %" G_GSIZE_FORMAT " bytes: libgcrypt %s, ours %s", what, len, e, a);
      g_assert_cmpmem (expected, BURROW_TIGER_SIZE, actual, BURROW_TIGER_SIZE);
    }
}

static void
test_tiger_gcrypt (void)
{
  static const gsize big[] = { 64 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 13, 3 * 1024 * 1024 + 55,
                               5 * 1024 * 1024 - 7 };
  /* room for every length below at every misalignment */
  g_autofree guint8 *buf = g_malloc (5 * 1024 * 1024 + 16);
  guint8 expected[BURROW_TIGER_SIZE], actual[BURROW_TIGER_SIZE];
  g_autofree gchar *abc = NULL;

  gcrypt_init ();

  /* the reference is the Tiger DC uses (0x01 padding) */
  gcry_md_hash_buffer (GCRY_MD_TIGER1, expected, "abc", 3);
  abc = hex (expected, sizeof expected);
  g_assert_cmpstr (abc, ==, "2aab1484e8c158f2bfb8c5ff41b57a525129131c957b5f93");

  /* every length across the first 32 blocks, each with fresh random content
   * and its own misalignment */
  for (gsize len = 0; len <= 2100; len++)
    {
      guint8 *data = buf + (len % 8);

      fill_random (data, len);
      gcry_md_hash_buffer (GCRY_MD_TIGER1, expected, data, len);
      burrow_tiger (data, len, actual);
      assert_same_digest (expected, actual, "Tiger", len);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (big); i++)
    {
      guint8 *data = buf + i;

      fill_random (data, big[i]);
      gcry_md_hash_buffer (GCRY_MD_TIGER1, expected, data, big[i]);
      burrow_tiger (data, big[i], actual);
      assert_same_digest (expected, actual, "Tiger", big[i]);
    }

  /* a low-entropy input too: all zero bytes, all 0xff bytes */
  for (guint v = 0; v < 2; v++)
    {
      memset (buf, v ? 0xff : 0x00, 4096);
      for (gsize len = 4000; len <= 4096; len++)
        {
          gcry_md_hash_buffer (GCRY_MD_TIGER1, expected, buf, len);
          burrow_tiger (buf, len, actual);
          assert_same_digest (expected, actual, "Tiger", len);
        }
    }
}

static void
test_tiger_leaf_node_gcrypt (void)
{
  static const guint8 zero = 0x00, one = 0x01;
  const gsize max_leaves = 9;
  g_autofree guint8 *buf = g_malloc (max_leaves * 1024 + 8);
  g_autofree guint8 *outs = g_malloc (max_leaves * BURROW_TIGER_SIZE + 1);
  guint8 expected[BURROW_TIGER_SIZE], actual[BURROW_TIGER_SIZE];

  gcrypt_init ();

  /* leaf = Tiger (0x00 ‖ block), every length a leaf can have, misaligned */
  for (gsize len = 0; len <= 1024; len++)
    {
      guint8 *block = buf + (len % 8);

      fill_random (block, len);
      gcrypt_tiger2 (&zero, 1, block, len, expected);
      burrow_tiger_leaf (block, len, actual);
      assert_same_digest (expected, actual, "leaf", len);
    }

  /* burrow_tiger_leaves (): n full leaves in a row, odd and even n, at every
   * misalignment; each digest lands at its place and nowhere else */
  for (gsize n = 0; n <= max_leaves; n++)
    for (gsize align = 0; align < 8; align++)
      {
        guint8 *blocks = buf + align;
        guint8 *out = outs + (align & 1);

        fill_random (blocks, n * 1024);
        memset (outs, 0xA5, max_leaves * BURROW_TIGER_SIZE + 1);
        burrow_tiger_leaves (blocks, n, out);
        for (gsize i = 0; i < n; i++)
          {
            gcrypt_tiger2 (&zero, 1, blocks + i * 1024, 1024, expected);
            assert_same_digest (expected, out + i * BURROW_TIGER_SIZE, "leaves[i]", 1024);
          }
        if (align & 1)
          g_assert_cmpuint (outs[0], ==, 0xA5);
        for (gsize i = (align & 1) + n * BURROW_TIGER_SIZE;
             i < max_leaves * BURROW_TIGER_SIZE + 1; i++)
          g_assert_cmpuint (outs[i], ==, 0xA5);
      }

  /* node = Tiger (0x01 ‖ left ‖ right), with the output aliasing either input */
  for (guint i = 0; i < 200; i++)
    {
      guint8 lr[2 * BURROW_TIGER_SIZE];
      guint8 left[BURROW_TIGER_SIZE], right[BURROW_TIGER_SIZE];

      fill_random (lr, sizeof lr);
      gcrypt_tiger2 (&one, 1, lr, sizeof lr, expected);

      burrow_tiger_node (lr, lr + BURROW_TIGER_SIZE, actual);
      assert_same_digest (expected, actual, "node", sizeof lr);

      memcpy (left, lr, BURROW_TIGER_SIZE);
      memcpy (right, lr + BURROW_TIGER_SIZE, BURROW_TIGER_SIZE);
      burrow_tiger_node (left, right, left);
      assert_same_digest (expected, left, "node into left", sizeof lr);

      memcpy (left, lr, BURROW_TIGER_SIZE);
      burrow_tiger_node (left, right, right);
      assert_same_digest (expected, right, "node into right", sizeof lr);
    }
}

/* The S-boxes are made at first use: threads that all start hashing at once
 * (in a fresh process, where nothing has hashed yet) get the right digests. */
static gpointer
first_use_thread (gpointer data)
{
  const guint8 *block = data;
  guint8 leaf[BURROW_TIGER_SIZE];
  guint8 expected[BURROW_TIGER_SIZE];
  static const guint8 zero = 0x00;

  burrow_tiger_leaf (block, 1024, leaf);
  gcrypt_tiger2 (&zero, 1, block, 1024, expected);
  return GINT_TO_POINTER (memcmp (leaf, expected, sizeof leaf) == 0);
}

static void
test_tiger_first_use (void)
{
  if (g_test_subprocess ())
    {
      g_autofree guint8 *block = make_data (1024, 99);
      GThread *threads[4];

      gcrypt_init ();
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        threads[i] = g_thread_new ("tiger", first_use_thread, block);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- TTH vectors (PROTOCOL §4.2) ---- */

static const struct
{
  gsize        len;
  guint8       byte;
  const gchar *tth;
} tth_vectors[] = {
  { 0, 0, "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ" },
  { 1, 0x00, "VK54ZIEEVTWNAUI5D5RDFIL37LX2IQNSTAXFKSA" },
  { 1024, 'A', "L66Q4YVNAFWVS23X2HJIRA5ZJ7WXR3F26RSASFA" },
  { 1025, 'A', "PZMRYHGY6LTBEH63ZWAHDORHSYTLO4LEFUIKHWY" },
  { 3073, 'A', "MNZXBITJXA7FB3IBAR4D7WMLKBHAXE5JNNQ22XA" },
};

static void
test_tth_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tth_vectors); i++)
    {
      g_autofree guint8 *data = g_malloc (tth_vectors[i].len + 1);
      g_autofree gchar *text = NULL;
      g_autofree gchar *chunked = NULL;
      g_autofree gchar *with_leaves = NULL;
      g_autoptr(GError) error = NULL;
      guint8 root[BURROW_TTH_SIZE];
      guint8 decoded[BURROW_TTH_SIZE];

      memset (data, tth_vectors[i].byte, tth_vectors[i].len);
      burrow_tth_buffer (data, tth_vectors[i].len, root);
      text = burrow_tth_to_base32 (root);
      g_assert_cmpuint (strlen (text), ==, BURROW_TTH_BASE32_LEN);
      g_assert_cmpstr (text, ==, tth_vectors[i].tth);

      chunked = tth_of_hasher_chunked (data, tth_vectors[i].len, 1, 0);
      g_assert_cmpstr (chunked, ==, tth_vectors[i].tth);
      with_leaves = tth_of_hasher_chunked (data, tth_vectors[i].len, 7, 2048);
      g_assert_cmpstr (with_leaves, ==, tth_vectors[i].tth);

      g_assert_true (burrow_tth_from_base32 (tth_vectors[i].tth, decoded, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (decoded, sizeof decoded, root, sizeof root);
    }
}

/* The tree shapes by hand from Tiger alone: independent of the hasher's stack. */
static void
test_tth_manual_shape (void)
{
  guint8 data[3073];
  guint8 l[4][BURROW_TIGER_SIZE];
  guint8 a[BURROW_TIGER_SIZE], b[BURROW_TIGER_SIZE], expected[BURROW_TIGER_SIZE];
  guint8 root[BURROW_TTH_SIZE];
  g_autofree guint8 *five = make_data (5 * 1024, 3);
  guint8 m[5][BURROW_TIGER_SIZE];

  memset (data, 'A', sizeof data);

  /* 1025 bytes: two leaves */
  burrow_tiger_leaf (data, 1024, l[0]);
  burrow_tiger_leaf (data + 1024, 1, l[1]);
  burrow_tiger_node (l[0], l[1], expected);
  burrow_tth_buffer (data, 1025, root);
  g_assert_cmpmem (root, sizeof root, expected, sizeof expected);

  /* 3073 bytes: four leaves, a balanced tree */
  burrow_tiger_leaf (data + 2048, 1024, l[2]);
  burrow_tiger_leaf (data + 3072, 1, l[3]);
  burrow_tiger_leaf (data + 1024, 1024, l[1]);
  burrow_tiger_node (l[0], l[1], a);
  burrow_tiger_node (l[2], l[3], b);
  burrow_tiger_node (a, b, expected);
  burrow_tth_buffer (data, 3073, root);
  g_assert_cmpmem (root, sizeof root, expected, sizeof expected);

  /* 5 leaves: the fifth is promoted twice, root = H (H (H (0,1), H (2,3)), 4) */
  for (guint i = 0; i < 5; i++)
    burrow_tiger_leaf (five + i * 1024, 1024, m[i]);
  burrow_tiger_node (m[0], m[1], a);
  burrow_tiger_node (m[2], m[3], b);
  burrow_tiger_node (a, b, a);
  burrow_tiger_node (a, m[4], expected);
  burrow_tth_buffer (five, 5 * 1024, root);
  g_assert_cmpmem (root, sizeof root, expected, sizeof expected);

  /* empty: the single leaf Tiger (0x00) is the root */
  burrow_tiger ("", 1, expected);
  burrow_tth_buffer (NULL, 0, root);
  g_assert_cmpmem (root, sizeof root, expected, sizeof expected);
}

static void
test_tth_base32_errors (void)
{
  g_autoptr(GError) error = NULL;
  guint8 root[BURROW_TTH_SIZE];

  g_assert_true (burrow_tth_from_base32 ("lwpnacqdbzryxw3vhjvcj64qbznghohhhzwclnq", root, &error));
  g_assert_no_error (error);

  g_assert_false (burrow_tth_from_base32 ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN", root, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
  g_clear_error (&error);

  g_assert_false (burrow_tth_from_base32 ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN1", root, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_BASE32);
}

/* ---- against rhash, an independent implementation ---- */

static void
test_tth_rhash (void)
{
  static const gsize sizes[] = { 0, 1, 1024, 1025, 2 * MiB + 7, 7 * MiB + 3 };
  static const gsize chunks[] = { 1, 1000, 65537 };
  g_autofree gchar *rhash = g_find_program_in_path ("rhash");
  g_autofree gchar *dir = NULL;
  g_autoptr(GError) error = NULL;

  if (rhash == NULL)
    {
      g_test_skip ("rhash is not installed");
      return;
    }

  dir = g_dir_make_tmp ("burrow-tth-XXXXXX", &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *name = g_strdup_printf ("file-%" G_GSIZE_FORMAT, sizes[i]);
      g_autofree gchar *path = burrow_test_write_file (dir, name, sizes[i], 1000 + (guint32) i);
      const gchar *argv[] = { "rhash", "--tth", path, NULL };
      g_autofree gchar *out = NULL;
      g_autofree gchar *contents = NULL;
      g_auto(GStrv) fields = NULL;
      gsize len;

      out = burrow_test_run_capture (argv, &error);
      g_assert_no_error (error);
      g_assert_nonnull (out);
      fields = g_strsplit_set (g_strstrip (out), " \t", 2);
      g_assert_cmpuint (strlen (fields[0]), ==, BURROW_TTH_BASE32_LEN);

      g_file_get_contents (path, &contents, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (len, ==, sizes[i]);

      for (gsize c = 0; c < G_N_ELEMENTS (chunks); c++)
        {
          g_autofree gchar *ours = NULL;

          ours = tth_of_hasher_chunked ((const guint8 *) contents, len, chunks[c],
                                        burrow_tth_choose_block_size (len));
          g_test_message ("size %" G_GSIZE_FORMAT " chunk %" G_GSIZE_FORMAT ": rhash %s, ours %s",
                          len, chunks[c], fields[0], ours);
          g_assert_cmpint (g_ascii_strcasecmp (ours, fields[0]), ==, 0);
        }

      g_assert_cmpint (g_remove (path), ==, 0);
    }

  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- leaves and trees ---- */

static const gsize leaf_sizes[] = {
  0, 1, 1023, 1024, 1025, 2048, 3073, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1,
  3 * 64 * KiB + 5, MiB + 1000, 2 * MiB,
};

static const guint64 leaf_block_sizes[] = { 1024, 2048, 8 * KiB, 64 * KiB, 128 * KiB };

static GBytes *
hash_with_leaves (const guint8 *data,
                  gsize         len,
                  guint64       block_size,
                  guint8        root[BURROW_TTH_SIZE])
{
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (block_size);

  g_assert_cmpuint (burrow_tth_hasher_get_block_size (hasher), ==, block_size);
  /* odd chunks that straddle leaves and blocks */
  for (gsize off = 0; off < len; off += 4099)
    burrow_tth_hasher_update (hasher, data + off, MIN ((gsize) 4099, len - off));
  burrow_tth_hasher_finish (hasher, root);

  return burrow_tth_hasher_steal_leaves (hasher);
}

static void
check_tree (const guint8 *data,
            gsize         size,
            guint64       block_size)
{
  g_autoptr(BurrowTthTree) tree = NULL;
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *leaf_data;
  guint8 root[BURROW_TTH_SIZE];
  guint8 expected_root[BURROW_TTH_SIZE];
  guint8 rebuilt[BURROW_TTH_SIZE];
  guint64 n_leaves;
  gsize n_bytes;

  burrow_tth_buffer (data, size, expected_root);
  leaves = hash_with_leaves (data, size, block_size, root);
  g_assert_cmpmem (root, sizeof root, expected_root, sizeof expected_root);
  g_assert_nonnull (leaves);

  leaf_data = g_bytes_get_data (leaves, &n_bytes);
  n_leaves = burrow_tth_n_leaves (size, block_size);
  g_assert_cmpuint (n_bytes, ==, n_leaves * BURROW_TTH_SIZE);

  /* each leaf is the TTH of its block taken as a file of its own */
  for (guint64 i = 0; i < n_leaves; i++)
    {
      guint64 off = i * block_size;
      guint8 block_root[BURROW_TTH_SIZE];

      burrow_tth_buffer (data + off, (gsize) MIN (block_size, size - off), block_root);
      g_assert_cmpmem (leaf_data + i * BURROW_TTH_SIZE, BURROW_TTH_SIZE,
                       block_root, sizeof block_root);
    }

  burrow_tth_root_from_nodes (leaf_data, n_leaves, rebuilt);
  g_assert_cmpmem (rebuilt, sizeof rebuilt, root, sizeof root);

  tree = burrow_tth_tree_new_from_leaves (size, root, leaves, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tree);
  g_assert_cmpuint (tree->file_size, ==, size);
  g_assert_cmpmem (tree->root, sizeof tree->root, root, sizeof root);
  g_assert_cmpuint (burrow_tth_tree_get_n_leaves (tree), ==, n_leaves);
  if (n_leaves > 1)
    g_assert_cmpuint (tree->block_size, ==, block_size);
  else
    g_assert_cmpuint (tree->block_size, ==, burrow_tth_block_size_for_leaves (size, 1));

  /* every real block verifies; a flipped byte in it does not */
  for (guint64 off = 0; off < size || (size == 0 && off == 0); off += tree->block_size)
    {
      gsize len = (gsize) MIN (tree->block_size, size - off);
      g_autofree guint8 *copy = g_memdup2 (data + off, len ? len : 1);

      g_assert_true (burrow_tth_tree_verify_block (tree, off, data + off, len, &error));
      g_assert_no_error (error);

      if (len > 0)
        {
          copy[len / 2] ^= 0x20;
          g_assert_false (burrow_tth_tree_verify_block (tree, off, copy, len, &error));
          g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE);
          g_clear_error (&error);
        }
      if (size == 0)
        break;
    }

  /* the whole file as one range */
  g_assert_true (burrow_tth_tree_verify_range (tree, 0, data, size, &error));
  g_assert_no_error (error);
}

static void
test_tth_leaves_and_trees (void)
{
  g_autofree guint8 *data = make_data (2 * MiB, 42);

  for (gsize s = 0; s < G_N_ELEMENTS (leaf_sizes); s++)
    {
      for (gsize b = 0; b < G_N_ELEMENTS (leaf_block_sizes); b++)
        check_tree (data, leaf_sizes[s], leaf_block_sizes[b]);
      check_tree (data, leaf_sizes[s], burrow_tth_choose_block_size (leaf_sizes[s]));
    }
}

static void
test_tth_tree_rejects (void)
{
  gsize size = 5 * 64 * KiB + 100;
  g_autofree guint8 *data = make_data (size, 9);
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(GError) error = NULL;
  guint8 root[BURROW_TTH_SIZE];
  const guint8 *leaf_data;
  gsize n_bytes;

  leaves = hash_with_leaves (data, size, 64 * KiB, root);
  leaf_data = g_bytes_get_data (leaves, &n_bytes);
  g_assert_cmpuint (n_bytes, ==, 6 * BURROW_TTH_SIZE);

  /* one corrupt byte anywhere in the leaf data */
  for (gsize i = 0; i < n_bytes; i += 13)
    {
      g_autofree guint8 *bad = g_memdup2 (leaf_data, n_bytes);
      g_autoptr(GBytes) bad_bytes = NULL;
      g_autoptr(BurrowTthTree) tree = NULL;

      bad[i] ^= 0x01;
      bad_bytes = g_bytes_new (bad, n_bytes);
      tree = burrow_tth_tree_new_from_leaves (size, root, bad_bytes, &error);
      g_assert_null (tree);
      g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE);
      g_clear_error (&error);
    }

  /* the right leaves for another root */
  {
    g_autoptr(BurrowTthTree) tree = NULL;
    guint8 other[BURROW_TTH_SIZE];

    memcpy (other, root, sizeof other);
    other[23] ^= 0x80;
    tree = burrow_tth_tree_new_from_leaves (size, other, leaves, &error);
    g_assert_null (tree);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE);
    g_clear_error (&error);
  }

  /* lengths: empty, not a multiple of 24, too many leaves for the size */
  {
    g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr(GBytes) odd = g_bytes_new (leaf_data, n_bytes - 1);
    g_autoptr(GBytes) seven = NULL;
    g_autoptr(GBytes) two = NULL;
    g_autofree guint8 *more = g_malloc0 (n_bytes + BURROW_TTH_SIZE);
    BurrowTthTree *tree;

    tree = burrow_tth_tree_new_from_leaves (size, root, empty, &error);
    g_assert_null (tree);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
    g_clear_error (&error);

    tree = burrow_tth_tree_new_from_leaves (size, root, odd, &error);
    g_assert_null (tree);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
    g_clear_error (&error);

    /* 7 leaves for 3073 bytes: 1024-byte blocks give 4, not 7 */
    memcpy (more, leaf_data, n_bytes);
    seven = g_bytes_new (more, 7 * BURROW_TTH_SIZE);
    tree = burrow_tth_tree_new_from_leaves (3073, root, seven, &error);
    g_assert_null (tree);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
    g_clear_error (&error);

    /* an empty file has exactly one leaf */
    two = g_bytes_new (leaf_data, 2 * BURROW_TTH_SIZE);
    tree = burrow_tth_tree_new_from_leaves (0, root, two, &error);
    g_assert_null (tree);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_LENGTH);
    g_clear_error (&error);
  }

  /* a single leaf is the root itself */
  {
    g_autoptr(GBytes) one = g_bytes_new (root, sizeof root);
    g_autoptr(BurrowTthTree) tree = NULL;

    tree = burrow_tth_tree_new_from_leaves (size, root, one, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (tree->block_size, ==, 512 * KiB);
    g_assert_true (burrow_tth_tree_verify_block (tree, 0, data, size, &error));
    g_assert_no_error (error);
  }
}

static void
test_tth_verify_params (void)
{
  gsize size = 3 * 64 * KiB + 5;
  g_autofree guint8 *data = make_data (size, 11);
  g_autoptr(GBytes) leaves = NULL;
  g_autoptr(BurrowTthTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = g_memdup2 (data, size);
  guint8 root[BURROW_TTH_SIZE];
  guint64 bs = 64 * KiB;

  leaves = hash_with_leaves (data, size, bs, root);
  tree = burrow_tth_tree_new_from_leaves (size, root, leaves, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tree->block_size, ==, bs);

  /* misaligned offset */
  g_assert_false (burrow_tth_tree_verify_block (tree, 1024, data + 1024, bs, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);

  /* short and long block */
  g_assert_false (burrow_tth_tree_verify_block (tree, 0, data, bs - 1, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);
  g_assert_false (burrow_tth_tree_verify_block (tree, 0, data, bs + 1, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);

  /* the last block is exactly the remainder */
  g_assert_true (burrow_tth_tree_verify_block (tree, 3 * bs, data + 3 * bs, 5, &error));
  g_assert_no_error (error);
  g_assert_false (burrow_tth_tree_verify_block (tree, 3 * bs, data + 3 * bs, 4, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);

  /* past the end */
  g_assert_false (burrow_tth_tree_verify_block (tree, 4 * bs, data, 0, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);

  /* a block verified at the wrong index */
  g_assert_false (burrow_tth_tree_verify_block (tree, bs, data, bs, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE);
  g_clear_error (&error);

  /* ranges: two middle blocks, the last two, not ending on a block, misaligned */
  g_assert_true (burrow_tth_tree_verify_range (tree, bs, data + bs, 2 * bs, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_tth_tree_verify_range (tree, 2 * bs, data + 2 * bs, bs + 5, &error));
  g_assert_no_error (error);
  g_assert_false (burrow_tth_tree_verify_range (tree, 0, data, bs + 1, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);
  g_assert_false (burrow_tth_tree_verify_range (tree, 1024, data + 1024, bs, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);
  g_assert_false (burrow_tth_tree_verify_range (tree, 2 * bs, data + 2 * bs, bs + 6, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
  g_clear_error (&error);

  /* a corrupt byte in the second block of a range */
  copy[bs + bs / 2 + 2] ^= 0x04;
  g_assert_false (burrow_tth_tree_verify_range (tree, 0, copy, 2 * bs, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TREE);
  g_clear_error (&error);
  g_assert_true (burrow_tth_tree_verify_block (tree, 0, copy, bs, &error));
  g_assert_no_error (error);
}

/* ---- hashing block-aligned pieces separately, then combining ---- */

static void
check_parallel (const guint8 *data,
                gsize         size,
                guint64       block_size,
                GRand        *rand)
{
  g_autoptr(GBytes) streamed = NULL;
  g_autoptr(GByteArray) combined = g_byte_array_new ();
  guint8 root[BURROW_TTH_SIZE];
  guint8 combined_root[BURROW_TTH_SIZE];
  guint64 n_blocks = burrow_tth_n_leaves (size, block_size);
  guint64 wanted = (guint64) g_rand_int_range (rand, 1, 9);
  guint n_pieces = (guint) MIN (n_blocks, wanted);
  guint64 *cuts = g_new0 (guint64, n_pieces + 1);

  streamed = hash_with_leaves (data, size, block_size, root);

  /* n_pieces non-empty runs of whole blocks; the last may end with a partial block */
  cuts[0] = 0;
  cuts[n_pieces] = n_blocks;
  for (guint i = 1; i < n_pieces; i++)
    cuts[i] = cuts[i - 1] + 1
              + (guint64) g_rand_int_range (rand, 0,
                                            (gint32) (n_blocks - cuts[i - 1] - (n_pieces - i)));

  for (guint i = 0; i < n_pieces; i++)
    {
      g_autoptr(BurrowTthHasher) piece = burrow_tth_hasher_new (block_size);
      g_autoptr(GBytes) leaves = NULL;
      guint64 start = cuts[i] * block_size;
      guint64 end = MIN (cuts[i + 1] * block_size, (guint64) size);
      guint8 piece_root[BURROW_TTH_SIZE];

      g_assert_cmpuint (cuts[i], <, cuts[i + 1]);
      for (guint64 off = start; off < end; off += 10007)
        burrow_tth_hasher_update (piece, data + off, (gsize) MIN ((guint64) 10007, end - off));
      burrow_tth_hasher_finish (piece, piece_root);
      leaves = burrow_tth_hasher_steal_leaves (piece);
      g_assert_cmpuint (g_bytes_get_size (leaves), ==,
                        (cuts[i + 1] - cuts[i]) * BURROW_TTH_SIZE);
      g_byte_array_append (combined, g_bytes_get_data (leaves, NULL), g_bytes_get_size (leaves));
    }

  g_assert_cmpmem (combined->data, combined->len,
                   g_bytes_get_data (streamed, NULL), g_bytes_get_size (streamed));
  burrow_tth_root_from_nodes (combined->data, combined->len / BURROW_TTH_SIZE, combined_root);
  g_assert_cmpmem (combined_root, sizeof combined_root, root, sizeof root);

  g_free (cuts);
}

static void
test_tth_parallel_combine (void)
{
  static const gsize sizes[] = {
    1, 1024, 1025, 5 * 1024, 64 * KiB, 64 * KiB + 1, 7 * 64 * KiB, 7 * 64 * KiB + 3,
    MiB - 1, MiB, 3 * MiB + 12345,
  };
  static const guint64 block_sizes[] = { 1024, 4096, 64 * KiB, 256 * KiB };
  g_autofree guint8 *data = make_data (4 * MiB, 77);
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize b = 0; b < G_N_ELEMENTS (block_sizes); b++)
      for (guint rep = 0; rep < 3; rep++)
        check_parallel (data, sizes[s], block_sizes[b], rand);
}

static void
test_tth_empty_hasher (void)
{
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (64 * KiB);
  g_autoptr(BurrowTthHasher) plain = burrow_tth_hasher_new (0);
  g_autoptr(GBytes) leaves = NULL;
  guint8 root[BURROW_TTH_SIZE], again[BURROW_TTH_SIZE], expected[BURROW_TTH_SIZE];

  burrow_tiger ("", 1, expected);
  burrow_tth_hasher_update (hasher, NULL, 0);
  burrow_tth_hasher_finish (hasher, root);
  g_assert_cmpmem (root, sizeof root, expected, sizeof expected);
  burrow_tth_hasher_finish (hasher, again);
  g_assert_cmpmem (again, sizeof again, expected, sizeof expected);
  g_assert_cmpuint (burrow_tth_hasher_get_size (hasher), ==, 0);

  leaves = burrow_tth_hasher_steal_leaves (hasher);
  g_assert_cmpmem (g_bytes_get_data (leaves, NULL), g_bytes_get_size (leaves),
                   expected, sizeof expected);
  g_assert_null (burrow_tth_hasher_steal_leaves (hasher));

  burrow_tth_hasher_finish (plain, root);
  g_assert_cmpmem (root, sizeof root, expected, sizeof expected);
  g_assert_null (burrow_tth_hasher_steal_leaves (plain));
}

/* ---- block sizes ---- */

static void
test_tth_block_sizes (void)
{
  /* what a receiver derives from the number of leaves */
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (0, 1), ==, 1024);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (1, 1), ==, 1024);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (1024, 1), ==, 1024);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (1025, 1), ==, 2048);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (1025, 2), ==, 1024);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (64 * KiB * 512, 512), ==, 64 * KiB);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (64 * KiB * 512 + 1, 512), ==, 128 * KiB);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (GiB, 512), ==, 2 * MiB);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (GiB, 1), ==, GiB);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (100 * KiB, 2), ==, 64 * KiB);
  g_assert_cmpuint (burrow_tth_block_size_for_leaves (16 * GiB, 513), ==, 32 * MiB);

  /* what we store */
  g_assert_cmpuint (burrow_tth_choose_block_size (0), ==, 64 * KiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (1), ==, 64 * KiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (64 * KiB), ==, 64 * KiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (64 * KiB * 512), ==, 64 * KiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (64 * KiB * 512 + 1), ==, 128 * KiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (GiB), ==, 2 * MiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (GiB + 1), ==, 4 * MiB);
  g_assert_cmpuint (burrow_tth_choose_block_size (G_GUINT64_CONSTANT (1) << 40), ==, 2 * GiB);

  /* leaves */
  g_assert_cmpuint (burrow_tth_n_leaves (0, 1024), ==, 1);
  g_assert_cmpuint (burrow_tth_n_leaves (0, 64 * KiB), ==, 1);
  g_assert_cmpuint (burrow_tth_n_leaves (1, 1024), ==, 1);
  g_assert_cmpuint (burrow_tth_n_leaves (1024, 1024), ==, 1);
  g_assert_cmpuint (burrow_tth_n_leaves (1025, 1024), ==, 2);
  g_assert_cmpuint (burrow_tth_n_leaves (64 * KiB * 512, 64 * KiB), ==, 512);
  g_assert_cmpuint (burrow_tth_n_leaves (64 * KiB * 512 + 1, 128 * KiB), ==, 257);
  g_assert_cmpuint (burrow_tth_n_leaves (GiB, 2 * MiB), ==, 512);

  /* what we store never exceeds 512 leaves and always round-trips through tthl */
  for (guint64 size = 0; size < 4 * GiB; size = size * 3 + 1)
    {
      guint64 bs = burrow_tth_choose_block_size (size);
      guint64 n = burrow_tth_n_leaves (size, bs);

      g_assert_cmpuint (n, <=, 512);
      g_assert_cmpuint (burrow_tth_n_leaves (size, burrow_tth_block_size_for_leaves (size, n)),
                        ==, n);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/tiger/vectors", test_tiger_vectors);
  g_test_add_func ("/burrow/protocol/tiger/leaf-node", test_tiger_leaf_node);
  g_test_add_func ("/burrow/protocol/tiger/threads", test_tiger_threads);
  g_test_add_func ("/burrow/protocol/tiger/gcrypt", test_tiger_gcrypt);
  g_test_add_func ("/burrow/protocol/tiger/leaf-node-gcrypt", test_tiger_leaf_node_gcrypt);
  g_test_add_func ("/burrow/protocol/tiger/first-use", test_tiger_first_use);
  g_test_add_func ("/burrow/protocol/tth/vectors", test_tth_vectors);
  g_test_add_func ("/burrow/protocol/tth/manual-shape", test_tth_manual_shape);
  g_test_add_func ("/burrow/protocol/tth/base32-errors", test_tth_base32_errors);
  g_test_add_func ("/burrow/protocol/tth/rhash", test_tth_rhash);
  g_test_add_func ("/burrow/protocol/tth/empty-hasher", test_tth_empty_hasher);
  g_test_add_func ("/burrow/protocol/tth/leaves-and-trees", test_tth_leaves_and_trees);
  g_test_add_func ("/burrow/protocol/tth/tree-rejects", test_tth_tree_rejects);
  g_test_add_func ("/burrow/protocol/tth/verify-params", test_tth_verify_params);
  g_test_add_func ("/burrow/protocol/tth/parallel-combine", test_tth_parallel_combine);
  g_test_add_func ("/burrow/protocol/tth/block-sizes", test_tth_block_sizes);

  return g_test_run ();
}
