/* test-file-list.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-file-list"

#include "config.h"

#include <bzlib.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-file-list-private.h"
#include "burrow-test-util.h"

#define TEST_CID "Q5ZLAPQKBQFUSPL2LWIOKA7ZHIJGT5GNJIRC3OQ"

/* Helpers ----------------------------------------------------------------- */

static void
fake_tth (const gchar *name,
          guint8       tth[24])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (sum, (const guchar *) name, -1);
  g_checksum_get_digest (sum, digest, &len);
  memcpy (tth, digest, 24);
}

static BurrowFileNode *
add_file (BurrowFileTree *tree,
          BurrowFileNode *dir,
          const gchar    *name,
          guint64         size)
{
  guint8 tth[24];

  fake_tth (name, tth);
  return burrow_file_tree_add_file (tree, dir, name, size, 0, tth);
}

/* A tree with every awkward thing a name may hold. */
static BurrowFileTree *
make_tricky_tree (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *a = burrow_file_tree_add_directory (tree, root, "A & B <Music>");
  BurrowFileNode *deep = a;
  BurrowFileNode *q = burrow_file_tree_add_directory (tree, root, "\"quotes\" and 'apostrophes'");

  add_file (tree, root, "plain.txt", 12);
  add_file (tree, root, "zero size", 0);
  add_file (tree, root, "emoji 😀🎵.flac", G_GUINT64_CONSTANT (123456789012));
  add_file (tree, root, "日本語のファイル.mkv", 4 * (G_GUINT64_CONSTANT (1) << 30));
  add_file (tree, root, "  leading and trailing spaces  ", 3);
  add_file (tree, root, "max size", G_MAXUINT64 / 4);
  add_file (tree, a, "Tom & Jerry > <Cats>.avi", 700);
  add_file (tree, a, "&amp; literally.txt", 1);
  add_file (tree, q, "it's \"fine\".ogg", 5);
  burrow_file_tree_add_directory (tree, root, "Empty dir");
  burrow_file_tree_add_directory (tree, a, "Empty inside");
  /* a file without TTH is not listed */
  burrow_file_tree_add_file (tree, root, "not hashed yet.iso", 999, 0, NULL);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("level %u ÄÖÜ", i);

      deep = burrow_file_tree_add_directory (tree, deep, name);
      add_file (tree, deep, "f", i);
    }
  burrow_file_tree_finish (tree);
  return tree;
}

/* Asserts that @b equals @a; with @skip_unhashed, @a's files without a TTH
 * are not expected in @b (the writer omits them). */
static void
assert_same_node_full (const BurrowFileNode *a,
                       const BurrowFileNode *b,
                       gboolean              skip_unhashed)
{
  guint j = 0;

  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->is_dir, ==, b->is_dir);
  g_assert_cmpuint (a->size, ==, b->size);
  if (!a->is_dir)
    {
      g_assert_cmpint (a->has_tth, ==, b->has_tth);
      if (a->has_tth)
        g_assert_cmpmem (a->tth, 24, b->tth, 24);
      return;
    }
  g_assert_cmpint (a->incomplete, ==, b->incomplete);
  for (guint i = 0; i < a->children->len; i++)
    {
      const BurrowFileNode *ca = a->children->pdata[i];

      if (skip_unhashed && !ca->is_dir && !ca->has_tth)
        continue;
      g_assert_cmpuint (j, <, b->children->len);
      assert_same_node_full (ca, b->children->pdata[j], skip_unhashed);
      j++;
    }
  g_assert_cmpuint (j, ==, b->children->len);
}

/* @b is @a written out and read back */
static void
assert_same_node (const BurrowFileNode *a,
                  const BurrowFileNode *b)
{
  if (a->is_dir)
    {
      /* directory sizes differ by the omitted files: compare structure only */
      guint j = 0;

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_true (b->is_dir);
      g_assert_cmpint (a->incomplete, ==, b->incomplete);
      for (guint i = 0; i < a->children->len; i++)
        {
          const BurrowFileNode *ca = a->children->pdata[i];

          if (!ca->is_dir && !ca->has_tth)
            continue;
          g_assert_cmpuint (j, <, b->children->len);
          assert_same_node (ca, b->children->pdata[j]);
          j++;
        }
      g_assert_cmpuint (j, ==, b->children->len);
    }
  else
    assert_same_node_full (a, b, TRUE);
}

static gchar *
bytes_to_string (GBytes *bytes)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);

  return g_strndup (data, len);
}

static BurrowFileTree *
parse_xml (const gchar  *xml,
           GError      **error)
{
  return burrow_file_list_parse (xml, strlen (xml), FALSE, NULL, NULL, NULL, error);
}

static GBytes *
bzip2_of (const void *data,
          gsize       len)
{
  g_autoptr(GBytes) in = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  GBytes *out = burrow_file_list_compress (in, &error);

  g_assert_no_error (error);
  return out;
}

/* Current and peak RSS of this process in KiB, from /proc. */
static void
read_rss (guint64 *rss,
          guint64 *hwm)
{
  g_autofree gchar *status = NULL;
  gchar *p;

  *rss = *hwm = 0;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return;
  if ((p = strstr (status, "VmRSS:")) != NULL)
    *rss = g_ascii_strtoull (p + 6, NULL, 10);
  if ((p = strstr (status, "VmHWM:")) != NULL)
    *hwm = g_ascii_strtoull (p + 6, NULL, 10);
}

static gboolean
reset_peak_rss (void)
{
  return g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

/* Writing ----------------------------------------------------------------- */

static void
test_generate_format (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *dir = burrow_file_tree_add_directory (tree, root, "Dir <1>");
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  guint8 tth[24];

  for (guint i = 0; i < 24; i++)
    tth[i] = (guint8) i;
  burrow_file_tree_add_file (tree, dir, "a&b.txt", 42, 0, tth);
  burrow_file_tree_add_file (tree, root, "z\"'.bin", 0, 0, tth);
  burrow_file_tree_add_file (tree, root, "nohash", 7, 0, NULL);
  burrow_file_tree_add_directory (tree, root, "empty");
  burrow_file_tree_finish (tree);

  xml = burrow_file_list_generate (tree, TEST_CID, "Burrow test", "/", TRUE, &error);
  g_assert_no_error (error);
  text = bytes_to_string (xml);
  g_assert_cmpstr (text, ==,
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
    "<FileListing Version=\"1\" CID=\"" TEST_CID "\" Base=\"/\" Generator=\"Burrow test\">\n"
    "\t<Directory Name=\"Dir &lt;1&gt;\">\n"
    "\t\t<File Name=\"a&amp;b.txt\" Size=\"42\" TTH=\"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFY\"/>\n"
    "\t</Directory>\n"
    "\t<Directory Name=\"empty\"/>\n"
    "\t<File Name=\"z&quot;&apos;.bin\" Size=\"0\" "
    "TTH=\"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFY\"/>\n"
    "</FileListing>\n");

  /* default generator names us */
  g_clear_pointer (&xml, g_bytes_unref);
  g_clear_pointer (&text, g_free);
  xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, &error);
  g_assert_no_error (error);
  text = bytes_to_string (xml);
  g_assert_nonnull (strstr (text, "Generator=\"Burrow " PACKAGE_VERSION "\""));
}

static void
test_round_trip (void)
{
  g_autoptr(BurrowFileTree) tree = make_tricky_tree ();
  g_autoptr(BurrowFileTree) parsed = NULL;
  g_autoptr(BurrowFileTree) parsed2 = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GBytes) bz = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *cid = NULL;
  g_autofree gchar *base = NULL;
  const guint8 *data;
  gsize len;

  xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml), NULL));
  bz = burrow_file_list_compress (xml, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bz, &len);
  g_assert_cmpmem (data, 3, "BZh", 3);
  g_assert_cmpuint (len, <, g_bytes_get_size (xml));

  parsed = burrow_file_list_parse (data, len, TRUE, NULL, &cid, &base, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  g_assert_true (burrow_file_tree_is_finished (parsed));
  g_assert_cmpstr (cid, ==, TEST_CID);
  g_assert_cmpstr (base, ==, "/");
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (parsed));
  /* the hashless file is the only difference */
  g_assert_cmpuint (burrow_file_tree_get_n_files (parsed), ==,
                    burrow_file_tree_get_n_files (tree) - 1);
  g_assert_cmpuint (burrow_file_tree_get_n_directories (parsed), ==,
                    burrow_file_tree_get_n_directories (tree));
  g_assert_cmpuint (burrow_file_tree_get_total_size (parsed), ==,
                    burrow_file_tree_get_total_size (tree) - 999);

  /* and the uncompressed text parses to the same */
  parsed2 = burrow_file_list_parse (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml), FALSE,
                                    NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (parsed2));
}

static void
test_chunk_boundaries (void)
{
  g_autoptr(BurrowFileTree) tree = make_tricky_tree ();
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *with_bom = NULL;
  const gchar *text;
  gsize len;

  xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, &error);
  g_assert_no_error (error);
  text = g_bytes_get_data (xml, &len);
  with_bom = g_strconcat ("\xef\xbb\xbf", text, NULL);

  /* every split position: 1-byte chunks, then a few odd sizes */
  for (gsize chunk = 1; chunk <= 64; chunk = chunk < 8 ? chunk + 1 : chunk * 2 + 1)
    {
      g_autoptr(BurrowFileTree) parsed = NULL;

      parsed = _burrow_file_list_parse_chunked (with_bom, len + 3, chunk, NULL, NULL, &error);
      g_assert_no_error (error);
      assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (parsed));
    }
}

static void
test_write_file (void)
{
  g_autoptr(BurrowFileTree) tree = make_tricky_tree ();
  g_autoptr(BurrowFileTree) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-flist-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "files.xml.bz2", NULL);
  g_autofree gchar *missing = g_build_filename (dir, "no", "such", "files.xml.bz2", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr(GDir) listing = NULL;
  gsize len;
  guint n_files = 0;

  /* over an existing file */
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (burrow_file_list_write_file (tree, TEST_CID, NULL, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  parsed = burrow_file_list_parse (contents, len, TRUE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (parsed));

  /* the stream is exactly what compress() makes of generate() */
  {
    g_autoptr(GBytes) xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, &error);
    g_autoptr(GBytes) bz = burrow_file_list_compress (xml, &error);
    g_autoptr(GBytes) file_bytes = g_bytes_new (contents, len);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (bz, file_bytes));
  }

  /* no temporary file left behind */
  listing = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (listing) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 1);

  g_assert_false (burrow_file_list_write_file (tree, TEST_CID, NULL, missing, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_unlink (path);
  g_rmdir (dir);
}

/* Partial lists ----------------------------------------------------------- */

static BurrowFileTree *
make_partial_tree (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *a = burrow_file_tree_add_directory (tree, root, "A");
  BurrowFileNode *sub = burrow_file_tree_add_directory (tree, a, "Sub");
  BurrowFileNode *subsub = burrow_file_tree_add_directory (tree, sub, "Deeper");

  add_file (tree, root, "top.txt", 1);
  add_file (tree, a, "a1.txt", 10);
  add_file (tree, a, "a2.txt", 20);
  add_file (tree, sub, "s.txt", 100);
  add_file (tree, subsub, "d.txt", 1000);
  burrow_file_tree_add_directory (tree, a, "Nothing");
  burrow_file_tree_finish (tree);
  return tree;
}

static void
test_partial (void)
{
  g_autoptr(BurrowFileTree) tree = make_partial_tree ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) flat = NULL;
  g_autoptr(GBytes) recursive = NULL;
  g_autoptr(BurrowFileTree) parsed = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *base = NULL;
  BurrowFileNode *node;
  static const gchar *missing[] = { "/B/", "/A", "A/", "/A/a1.txt/", "/A/a1.txt", "", "//",
                                    "/A//", "/../" };

  flat = burrow_file_list_generate (tree, TEST_CID, "g", "/a/", FALSE, &error);
  g_assert_no_error (error);
  text = bytes_to_string (flat);
  g_assert_nonnull (strstr (text, " Base=\"/A/\" "));
  g_assert_nonnull (strstr (text, "<Directory Name=\"Sub\" Incomplete=\"1\" Size=\"1100\"/>"));
  /* an empty directory is complete, not Incomplete */
  g_assert_nonnull (strstr (text, "<Directory Name=\"Nothing\"/>"));
  g_assert_null (strstr (text, "s.txt"));
  g_assert_null (strstr (text, "top.txt"));

  parsed = burrow_file_list_parse (text, strlen (text), FALSE, NULL, NULL, &base, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (base, ==, "/A/");
  node = burrow_file_tree_lookup (parsed, "/Sub/");
  g_assert_nonnull (node);
  g_assert_true (node->incomplete);
  g_assert_cmpuint (node->size, ==, 1100);
  g_assert_cmpuint (node->children->len, ==, 0);
  node = burrow_file_tree_lookup (parsed, "/Nothing/");
  g_assert_nonnull (node);
  g_assert_false (node->incomplete);
  g_assert_nonnull (burrow_file_tree_lookup (parsed, "/a2.txt"));
  g_assert_cmpuint (burrow_file_tree_get_total_size (parsed), ==, 1130);
  g_clear_pointer (&parsed, burrow_file_tree_unref);
  g_clear_pointer (&base, g_free);

  recursive = burrow_file_list_generate (tree, TEST_CID, "g", "/A/", TRUE, &error);
  g_assert_no_error (error);
  parsed = burrow_file_list_parse (g_bytes_get_data (recursive, NULL),
                                   g_bytes_get_size (recursive), FALSE, NULL, NULL, &base, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (base, ==, "/A/");
  assert_same_node (burrow_file_tree_lookup (tree, "/A/")->children->pdata[0],
                    burrow_file_tree_get_root (parsed)->children->pdata[0]);
  node = burrow_file_tree_lookup (parsed, "/Sub/Deeper/d.txt");
  g_assert_nonnull (node);
  g_assert_cmpuint (node->size, ==, 1000);
  g_assert_false (burrow_file_tree_lookup (parsed, "/Sub/")->incomplete);
  g_assert_cmpuint (burrow_file_tree_get_total_size (parsed), ==, 1130);
  g_clear_pointer (&parsed, burrow_file_tree_unref);

  /* the root, not recursive: the top level only */
  g_clear_pointer (&flat, g_bytes_unref);
  flat = burrow_file_list_generate (tree, TEST_CID, "g", "/", FALSE, &error);
  g_assert_no_error (error);
  parsed = burrow_file_list_parse (g_bytes_get_data (flat, NULL), g_bytes_get_size (flat), FALSE,
                                   NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_file_tree_lookup (parsed, "/A/")->incomplete);
  g_assert_cmpuint (burrow_file_tree_get_n_files (parsed), ==, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr(GBytes) none = NULL;

      g_test_message ("base %s", missing[i]);
      none = burrow_file_list_generate (tree, TEST_CID, "g", missing[i], FALSE, &error);
      g_assert_null (none);
      g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }
}

/* Reading peers' lists ---------------------------------------------------- */

static const gchar real_world_list[] =
  "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n"
  "<!DOCTYPE FileListing [ <!ELEMENT FileListing ANY> ]>\r\n"
  "<!-- generated by a client with opinions > & < -->\r\n"
  "<FileListing Version=\"1\" CID=\"" TEST_CID "\" Base=\"/\" Generator=\"DC++ 0.868\" "
  "IncludeSelf=\"1\">\r\n"
  "\t<Directory Name=\"Share\" Date=\"1700000000\" Children=\"1\">\r\n"
  "\t\t<File Name=\"caf&#233; &amp; cr&#xE8;me.mp3\" Size=\"1024\" "
  "TTH=\"aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfy\" Date=\"1699999999\" Bitrate=\"320\"/>\r\n"
  "\t\t<File Name='single &apos;quoted&apos;.txt' Size='5' "
  "TTH='LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ'></File>\r\n"
  "\t\t<File\tName = \"spaced \x3e out.txt\"\r\n\t\t\tSize=\"7\"\r\n"
  "\t\t\tTTH=\"LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ\" />\r\n"
  "\t\t<?some processing instruction?>\r\n"
  "\t\t<Extra Kind=\"unknown\"><Directory Name=\"ignored inside unknown\"/>"
  "<![CDATA[ <File> ]]></Extra>\r\n"
  "\t\t<File Name=\"&#x1F600;.png\" Size=\"1\"/>\r\n"
  "\t\t<Directory Name=\"Sub\"></Directory>\r\n"
  "\t</Directory>\r\n"
  "\t<Directory Name=\"Partial\" Incomplete=\"1\" Size=\"9999\"/>\r\n"
  "</FileListing>\r\n"
  "<!-- trailing comment -->\r\n"
  "<!---->";

static void
test_real_world (void)
{
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *cid = NULL;
  g_autofree gchar *base = NULL;
  BurrowFileNode *node;
  guint8 expect_tth[24];

  for (guint i = 0; i < 24; i++)
    expect_tth[i] = (guint8) i;

  tree = burrow_file_list_parse (real_world_list, strlen (real_world_list), FALSE, NULL,
                                 &cid, &base, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cid, ==, TEST_CID);
  g_assert_cmpstr (base, ==, "/");

  node = burrow_file_tree_lookup (tree, "/Share/café & crème.mp3");
  g_assert_nonnull (node);
  g_assert_cmpuint (node->size, ==, 1024);
  g_assert_true (node->has_tth);
  g_assert_cmpmem (node->tth, 24, expect_tth, 24);
  node = burrow_file_tree_lookup (tree, "/Share/single 'quoted'.txt");
  g_assert_nonnull (node);
  g_assert_cmpuint (node->size, ==, 5);
  node = burrow_file_tree_lookup (tree, "/Share/spaced > out.txt");
  g_assert_nonnull (node);
  g_assert_cmpuint (node->size, ==, 7);
  node = burrow_file_tree_lookup (tree, "/Share/😀.png");
  g_assert_nonnull (node);
  g_assert_false (node->has_tth);
  g_assert_nonnull (burrow_file_tree_lookup (tree, "/Share/Sub/"));
  g_assert_null (burrow_file_tree_lookup (tree, "/Share/ignored inside unknown/"));
  node = burrow_file_tree_lookup (tree, "/Partial/");
  g_assert_nonnull (node);
  g_assert_true (node->incomplete);
  g_assert_cmpuint (node->size, ==, 9999);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 4);
  g_assert_cmpuint (burrow_file_tree_get_n_directories (tree), ==, 3);
  g_assert_cmpuint (burrow_file_tree_get_total_size (tree), ==, 1024 + 5 + 7 + 1 + 9999);

  /* the same text split anywhere gives the same tree */
  for (gsize chunk = 1; chunk < 12; chunk++)
    {
      g_autoptr(BurrowFileTree) again = NULL;

      again = _burrow_file_list_parse_chunked (real_world_list, strlen (real_world_list), chunk,
                                               NULL, NULL, &error);
      g_assert_no_error (error);
      assert_same_node_full (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (again),
                             FALSE);
    }
}

static void
test_duplicates (void)
{
  static const gchar xml[] =
    "<FileListing Version=\"1\" Base=\"/\">"
    "<Directory Name=\"Dir\"><File Name=\"a\" Size=\"1\"/></Directory>"
    "<Directory Name=\"DIR\" Incomplete=\"1\"><File Name=\"b\" Size=\"2\"/>"
    "<File Name=\"A\" Size=\"100\"/><File Name=\"0 first\" Size=\"4000\"/></Directory>"
    "<File Name=\"x.TXT\" Size=\"3\"/>"
    "<File Name=\"X.txt\" Size=\"300\"/>"
    "<Directory Name=\"x.txt\"><File Name=\"lost\" Size=\"1000\"/>"
    "<Directory Name=\"lost dir\"/></Directory>"
    "</FileListing>";
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileNode *node;
  guint n_dups = 0;

  tree = burrow_file_list_parse_full (xml, strlen (xml), FALSE, NULL, NULL, NULL, &n_dups,
                                      &error);
  g_assert_no_error (error);
  /* merged directory, first file kept, directory shadowed by a file dropped */
  g_assert_cmpuint (n_dups, ==, 3);
  node = burrow_file_tree_lookup (tree, "/dir/");
  g_assert_nonnull (node);
  g_assert_cmpstr (node->name, ==, "Dir");
  g_assert_false (node->incomplete);
  g_assert_cmpuint (node->children->len, ==, 3);
  /* sorted again after the merge added an entry */
  g_assert_cmpstr (((BurrowFileNode *) node->children->pdata[0])->name, ==, "0 first");
  g_assert_cmpstr (((BurrowFileNode *) node->children->pdata[1])->name, ==, "a");
  g_assert_cmpstr (((BurrowFileNode *) node->children->pdata[2])->name, ==, "b");
  g_assert_cmpuint (burrow_file_tree_lookup (tree, "/Dir/a")->size, ==, 1);
  g_assert_cmpuint (burrow_file_tree_lookup (tree, "/Dir/b")->size, ==, 2);
  node = burrow_file_tree_lookup (tree, "/X.TXT");
  g_assert_false (node->is_dir);
  g_assert_cmpuint (node->size, ==, 3);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 4);
  g_assert_cmpuint (burrow_file_tree_get_n_directories (tree), ==, 1);
  g_assert_cmpuint (burrow_file_tree_get_total_size (tree), ==, 4006);
}

typedef struct
{
  const gchar *what;
  const gchar *body;   /* inside <FileListing Base="/"> … </FileListing> unless full */
  gboolean     full;
  gint         code;
} Bad;

static const Bad bad_lists[] = {
  /* names */
  { "dotdot", "<File Name=\"..\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "dot dir", "<Directory Name=\".\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "slash", "<Directory Name=\"a/b\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "slash entity", "<File Name=\"a&#47;b\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "dotdot-slash", "<File Name=\"../etc/passwd\" Size=\"1\"/>", FALSE,
    BURROW_SHARE_ERROR_BAD_NAME },
  { "backslash", "<File Name=\"..\\x\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "control raw", "<File Name=\"a\x01\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "control ref", "<File Name=\"a&#x1;\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "tab ref", "<File Name=\"a&#9;b\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "C1 control", "<File Name=\"a&#x85;\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "empty name", "<File Name=\"\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "deep bad name", "<Directory Name=\"ok\"><Directory Name=\"fine\"><File Name=\"..\" "
    "Size=\"1\"/></Directory></Directory>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  { "bad name in dropped dir", "<File Name=\"d\" Size=\"1\"/><Directory Name=\"D\">"
    "<File Name=\"..\" Size=\"1\"/></Directory>", FALSE, BURROW_SHARE_ERROR_BAD_NAME },
  /* UTF-8 */
  { "invalid utf-8 name", "<File Name=\"a\xff\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "overlong utf-8", "<File Name=\"\xc0\xaf\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "surrogate utf-8", "<File Name=\"\xed\xa0\x80\" Size=\"1\"/>", FALSE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "surrogate ref", "<File Name=\"&#xD800;\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "invalid utf-8 in text", "<Directory Name=\"x\">\xfe</Directory>", FALSE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "latin-1 list", "<File Name=\"caf\xe9\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  /* structure */
  { "empty", "", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "only prolog", "<?xml version=\"1.0\"?>\n", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "wrong root", "<Listing Base=\"/\"></Listing>", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "html", "<html><body>404</body></html>", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "zeros", "\0\0\0\0", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "text before root", "garbage<FileListing/>", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "second root", "<FileListing/><FileListing/>", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "truncated", "<FileListing Base=\"/\"><Directory Name=\"a\">", TRUE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "truncated in tag", "<FileListing Base=\"/\"><File Name=\"a\" Si", TRUE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "mismatched end", "<Directory Name=\"a\"></File>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "stray end", "</Directory>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "file in file", "<File Name=\"a\" Size=\"1\"><File Name=\"b\" Size=\"1\"/></File>", FALSE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "unquoted", "<File Name=a Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "unknown entity", "<File Name=\"&nbsp;\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "bare ampersand", "<File Name=\"a & b\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "nul ref", "<File Name=\"a&#0;\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "huge ref", "<File Name=\"&#x110000;\" Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "duplicate attribute", "<File Name=\"a\" Name=\"b\" Size=\"1\"/>", FALSE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "no name", "<File Size=\"1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "no size", "<File Name=\"a\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "negative size", "<File Name=\"a\" Size=\"-1\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "size with text", "<File Name=\"a\" Size=\"12a\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "size overflow", "<File Name=\"a\" Size=\"18446744073709551616\"/>", FALSE,
    BURROW_SHARE_ERROR_BAD_LIST },
  { "empty size", "<File Name=\"a\" Size=\"\"/>", FALSE, BURROW_SHARE_ERROR_BAD_LIST },
  { "bad base", "<FileListing Base=\"/../\"></FileListing>", TRUE, BURROW_SHARE_ERROR_BAD_LIST },
  { "relative base", "<FileListing Base=\"x/\"></FileListing>", TRUE,
    BURROW_SHARE_ERROR_BAD_LIST },
  /* TTH */
  { "short tth", "<File Name=\"a\" Size=\"1\" TTH=\"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMF\"/>",
    FALSE, BURROW_SHARE_ERROR_BAD_TTH },
  { "long tth", "<File Name=\"a\" Size=\"1\" TTH=\"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYA\"/>",
    FALSE, BURROW_SHARE_ERROR_BAD_TTH },
  { "tth alphabet", "<File Name=\"a\" Size=\"1\" TTH=\"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMF1\"/>",
    FALSE, BURROW_SHARE_ERROR_BAD_TTH },
  { "tth padding bits", "<File Name=\"a\" Size=\"1\" "
    "TTH=\"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFZ\"/>", FALSE, BURROW_SHARE_ERROR_BAD_TTH },
};

static void
test_bad_lists (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_lists); i++)
    {
      const Bad *bad = &bad_lists[i];
      g_autofree gchar *xml = NULL;
      g_autoptr(GBytes) bz = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) error_bz = NULL;
      g_autoptr(BurrowFileTree) tree = NULL;
      g_autoptr(BurrowFileTree) tree_bz = NULL;
      gsize len;

      g_test_message ("case: %s", bad->what);
      if (bad->full)
        {
          /* "zeros" holds NULs: take its length from the literal */
          len = strcmp (bad->what, "zeros") == 0 ? 4 : strlen (bad->body);
          xml = g_memdup2 (bad->body, len + 1);
        }
      else
        {
          xml = g_strconcat ("<FileListing Version=\"1\" Base=\"/\">", bad->body,
                             "</FileListing>", NULL);
          len = strlen (xml);
        }

      tree = burrow_file_list_parse (xml, len, FALSE, NULL, NULL, NULL, &error);
      g_assert_null (tree);
      g_assert_error (error, BURROW_SHARE_ERROR, bad->code);
      g_test_message ("  -> %s", error->message);

      /* the same through bzip2 */
      bz = bzip2_of (xml, len);
      tree_bz = burrow_file_list_parse (g_bytes_get_data (bz, NULL), g_bytes_get_size (bz), TRUE,
                                        NULL, NULL, NULL, &error_bz);
      g_assert_null (tree_bz);
      g_assert_error (error_bz, BURROW_SHARE_ERROR, bad->code);
    }

  /* element names are bounded (unknown ones are kept on a stack) */
  {
    g_autofree gchar *name = g_strnfill (300, 'X');
    g_autofree gchar *xml = g_strdup_printf ("<FileListing Base=\"/\"><%s></%s></FileListing>",
                                             name, name);
    g_autoptr(GError) error = NULL;
    BurrowFileTree *tree = parse_xml (xml, &error);

    g_assert_null (tree);
    g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  }
}

static gchar *
nested_xml (guint        depth,
            const gchar *element,
            const gchar *attrs)
{
  GString *s = g_string_new ("<FileListing Version=\"1\" Base=\"/\">");

  for (guint i = 0; i < depth; i++)
    g_string_append_printf (s, "<%s %s>", element, attrs);
  for (guint i = 0; i < depth; i++)
    g_string_append_printf (s, "</%s>", element);
  g_string_append (s, "</FileListing>");
  return g_string_free (s, FALSE);
}

static void
test_deep (void)
{
  g_autofree gchar *deep = nested_xml (10000, "Directory", "Name=\"d\"");
  g_autofree gchar *deep_unknown = nested_xml (10000, "Group", "Kind=\"x\"");
  g_autofree gchar *ok = nested_xml (BURROW_FILE_LIST_DEFAULT_MAX_DEPTH, "Directory",
                                     "Name=\"d\"");
  g_autofree gchar *one_more = nested_xml (BURROW_FILE_LIST_DEFAULT_MAX_DEPTH + 1, "Directory",
                                           "Name=\"d\"");
  BurrowFileListLimits limits = { 0, 5, 0 };
  g_autofree gchar *six = nested_xml (6, "Directory", "Name=\"d\"");
  g_autoptr(GBytes) bz = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;

  tree = parse_xml (deep, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  bz = bzip2_of (deep, strlen (deep));
  tree = burrow_file_list_parse (g_bytes_get_data (bz, NULL), g_bytes_get_size (bz), TRUE, NULL,
                                 NULL, NULL, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
  g_clear_error (&error);

  tree = parse_xml (deep_unknown, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
  g_clear_error (&error);

  tree = parse_xml (one_more, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
  g_clear_error (&error);

  /* exactly at the limit is fine */
  tree = parse_xml (ok, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_file_tree_get_n_directories (tree), ==,
                    BURROW_FILE_LIST_DEFAULT_MAX_DEPTH);
  burrow_file_tree_unref (tree);

  /* a custom limit */
  tree = burrow_file_list_parse (six, strlen (six), FALSE, &limits, NULL, NULL, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
}

static void
test_too_many_entries (void)
{
  BurrowFileListLimits limits = { 0, 0, 10 };
  GString *s = g_string_new ("<FileListing Version=\"1\" Base=\"/\"><Directory Name=\"d\">");
  g_autofree gchar *ten = NULL;
  g_autofree gchar *eleven = NULL;
  g_autofree gchar *dups = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;

  for (guint i = 0; i < 9; i++)
    g_string_append_printf (s, "<File Name=\"f%u\" Size=\"1\"/>", i);
  ten = g_strconcat (s->str, "</Directory></FileListing>", NULL);
  eleven = g_strconcat (s->str, "<File Name=\"one more\" Size=\"1\"/></Directory></FileListing>",
                        NULL);
  /* duplicates count too */
  dups = g_strconcat (s->str, "<File Name=\"F0\" Size=\"1\"/></Directory></FileListing>", NULL);
  g_string_free (s, TRUE);

  tree = burrow_file_list_parse (ten, strlen (ten), FALSE, &limits, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), ==, 9);
  burrow_file_tree_unref (tree);

  tree = burrow_file_list_parse (eleven, strlen (eleven), FALSE, &limits, NULL, NULL, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_TOO_MANY_ENTRIES);
  g_clear_error (&error);

  tree = burrow_file_list_parse (dups, strlen (dups), FALSE, &limits, NULL, NULL, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_TOO_MANY_ENTRIES);
}

/* Names that all collide under the former unkeyed duplicate-detection hash
 * (h = h * 33 + lower (c), from 5381): "a[" and "b:" add the same value to
 * the hash (97·33 + 91 == 98·33 + 58) and case-folding leaves both alone, so
 * the 2^k names built from k such blocks share one hash. */
#define COLLIDING_BLOCKS 13

static gchar *
sibling_list_xml (gboolean colliding,
                  GRand   *rand)
{
  GString *s = g_string_new ("<FileListing Version=\"1\" Base=\"/\"><Directory Name=\"d\">");

  for (guint i = 0; i < 1u << COLLIDING_BLOCKS; i++)
    {
      g_string_append (s, "<File Name=\"");
      for (guint b = 0; b < COLLIDING_BLOCKS; b++)
        {
          if (colliding)
            g_string_append (s, (i >> b) & 1 ? "b:" : "a[");
          else
            {
              g_string_append_c (s, 'a' + g_rand_int_range (rand, 0, 26));
              g_string_append_c (s, 'a' + g_rand_int_range (rand, 0, 26));
            }
        }
      g_string_append (s, "\" Size=\"1\"/>");
    }
  g_string_append (s, "</Directory></FileListing>");
  return g_string_free (s, FALSE);
}

/* Parse time in µs; every name must come out as a distinct file. */
static gint64
time_parse (const gchar *xml)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  BurrowFileTree *tree = parse_xml (xml, &error);
  gint64 elapsed = g_get_monotonic_time () - start;

  g_assert_no_error (error);
  /* random names may repeat (rarely): those are duplicates, dropped */
  g_assert_cmpuint (burrow_file_tree_get_n_files (tree), >, (1u << COLLIDING_BLOCKS) - 8);
  burrow_file_tree_unref (tree);
  return MAX (elapsed, 1);
}

static void
test_hash_collisions (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_autofree gchar *colliding = sibling_list_xml (TRUE, rand);
  g_autofree gchar *random = sibling_list_xml (FALSE, rand);
  gint64 t_colliding = G_MAXINT64;
  gint64 t_random = G_MAXINT64;

  /* Timings on a loaded machine are noisy: the best of up to three
   * interleaved runs of each counts. Quadratic behaviour is hundreds of
   * times slower here, far beyond the factor allowed. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      t_random = MIN (t_random, time_parse (random));
      t_colliding = MIN (t_colliding, time_parse (colliding));
      g_test_message ("%u names: colliding %" G_GINT64_FORMAT " us, random %" G_GINT64_FORMAT " us",
                      1u << COLLIDING_BLOCKS, t_colliding, t_random);
      if (t_colliding <= 5 * t_random)
        break;
    }
  g_assert_cmpint (t_colliding, <=, 5 * t_random);
}

static void
test_bad_bzip2 (void)
{
  g_autoptr(BurrowFileTree) tree = make_tricky_tree ();
  g_autoptr(GBytes) xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, NULL);
  g_autoptr(GBytes) bz = burrow_file_list_compress (xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  g_autofree guint8 *twice = NULL;
  BurrowFileTree *parsed;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (bz, &len);
  g_assert_cmpuint (len, >, 100);

  /* truncated at several places */
  for (gsize cut = 0; cut < len; cut += len / 7 + 1)
    {
      parsed = burrow_file_list_parse (data, cut, TRUE, NULL, NULL, NULL, &error);
      g_assert_null (parsed);
      g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
      g_clear_error (&error);
    }
  parsed = burrow_file_list_parse (data, len - 1, TRUE, NULL, NULL, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  g_test_message ("truncated: %s", error->message);
  g_clear_error (&error);

  /* corrupted: bzip2's block CRC catches it */
  copy = g_memdup2 (data, len);
  copy[len / 2] ^= 0x55;
  parsed = burrow_file_list_parse (copy, len, TRUE, NULL, NULL, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  g_clear_error (&error);

  /* not bzip2 at all */
  parsed = burrow_file_list_parse (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml), TRUE,
                                   NULL, NULL, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  g_clear_error (&error);

  /* trailing garbage after the stream */
  g_clear_pointer (&copy, g_free);
  copy = g_malloc (len + 4);
  memcpy (copy, data, len);
  memcpy (copy + len, "JUNK", 4);
  parsed = burrow_file_list_parse (copy, len + 4, TRUE, NULL, NULL, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  g_clear_error (&error);

  /* two concatenated streams (as pbzip2 writes) are one list split in two */
  {
    const gchar *text;
    gsize xml_len;
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    gsize l1;
    gsize l2;

    text = g_bytes_get_data (xml, &xml_len);
    first = bzip2_of (text, xml_len / 2);
    second = bzip2_of (text + xml_len / 2, xml_len - xml_len / 2);
    l1 = g_bytes_get_size (first);
    l2 = g_bytes_get_size (second);
    twice = g_malloc (l1 + l2);
    memcpy (twice, g_bytes_get_data (first, NULL), l1);
    memcpy (twice + l1, g_bytes_get_data (second, NULL), l2);
    parsed = burrow_file_list_parse (twice, l1 + l2, TRUE, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (parsed));
    burrow_file_tree_unref (parsed);
  }

  parsed = burrow_file_list_parse ("", 0, TRUE, NULL, NULL, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
}

/* Bombs ------------------------------------------------------------------- */

static const gchar bomb_header[] =
  "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
  "<FileListing Version=\"1\" CID=\"" TEST_CID "\" Base=\"/\" Generator=\"bomb\">\n";

/* One bzip2 stream: optional header, then @mib MiB of @fill. */
static GBytes *
make_bomb_stream (const gchar *header,
                  guint        mib,
                  gchar        fill)
{
  g_autofree gchar *block = g_malloc (1024 * 1024);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buf[64 * 1024];
  bz_stream bz;

  memset (block, fill, 1024 * 1024);
  memset (&bz, 0, sizeof bz);
  g_assert_cmpint (BZ2_bzCompressInit (&bz, 9, 0, 0), ==, BZ_OK);
  for (guint i = 0; i <= mib; i++)
    {
      gboolean last = i == mib;

      if (i == 0 && header == NULL)
        continue;
      if (i == 0)
        {
          bz.next_in = (char *) header;
          bz.avail_in = strlen (header);
        }
      else
        {
          bz.next_in = block;
          bz.avail_in = 1024 * 1024;
        }
      for (;;)
        {
          int ret;

          bz.next_out = (char *) buf;
          bz.avail_out = sizeof buf;
          ret = BZ2_bzCompress (&bz, last ? BZ_FINISH : BZ_RUN);
          g_assert_true (ret == BZ_RUN_OK || ret == BZ_FINISH_OK || ret == BZ_STREAM_END);
          g_byte_array_append (out, buf, sizeof buf - bz.avail_out);
          if (ret == BZ_STREAM_END || (!last && bz.avail_in == 0))
            break;
        }
    }
  BZ2_bzCompressEnd (&bz);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
test_bomb (void)
{
  BurrowFileListLimits limits = { 64 * 1024 * 1024, 0, 0 };
  g_autoptr(GBytes) bomb = make_bomb_stream (bomb_header, 80, ' ');
  g_autoptr(GBytes) zeros = make_bomb_stream (NULL, 80, '\0');
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;
  guint64 rss_before;
  guint64 hwm_before;
  guint64 rss_after;
  guint64 hwm_after;
  gint64 start;
  gdouble seconds;

  g_test_message ("80 MiB of spaces after a header: %zu bytes of bzip2", g_bytes_get_size (bomb));
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 4096);

  read_rss (&rss_before, &hwm_before);
  reset_peak_rss ();
  start = g_get_monotonic_time ();
  tree = burrow_file_list_parse (g_bytes_get_data (bomb, NULL), g_bytes_get_size (bomb), TRUE,
                                 &limits, NULL, NULL, &error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  read_rss (&rss_after, &hwm_after);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE);
  g_test_message ("%s; %.2f s; RSS %" G_GUINT64_FORMAT " KiB -> peak %" G_GUINT64_FORMAT " KiB",
                  error->message, seconds, rss_before, hwm_after);
  g_assert_cmpfloat (seconds, <, 10.0);
  if (hwm_after > 0 && reset_peak_rss ())
    g_assert_cmpuint (hwm_after, <, rss_before + 16 * 1024);
  g_clear_error (&error);

  /* a bomb of zeros without any XML is refused at once */
  start = g_get_monotonic_time ();
  tree = burrow_file_list_parse (g_bytes_get_data (zeros, NULL), g_bytes_get_size (zeros), TRUE,
                                 NULL, NULL, NULL, &error);
  g_assert_null (tree);
  g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / 1e6, <, 1.0);
  g_clear_error (&error);

  /* the uncompressed size counts for plain XML too */
  {
    g_autofree gchar *big = g_malloc (1024 * 1024 + 1);
    BurrowFileListLimits small = { 512 * 1024, 0, 0 };
    gsize hlen = strlen (bomb_header);

    memset (big, ' ', 1024 * 1024);
    memcpy (big, bomb_header, hlen);
    tree = burrow_file_list_parse (big, 1024 * 1024, FALSE, &small, NULL, NULL, &error);
    g_assert_null (tree);
    g_assert_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE);
  }
}

/* The classic bomb with the default limits (1 GiB): 4 GiB of spaces as a
 * header stream plus 4096 concatenated 1 MiB streams, loaded asynchronously. */
typedef struct
{
  GMainLoop      *loop;
  BurrowFileTree *tree;
  GError         *error;
  gchar          *cid;
  gchar          *base;
  guint           n_duplicates;
} LoadResult;

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LoadResult *r = user_data;

  r->tree = burrow_file_list_load_finish (result, &r->cid, &r->base, &r->error);
  if (r->tree != NULL)
    r->n_duplicates = burrow_file_list_load_get_n_duplicates (result);
  g_main_loop_quit (r->loop);
}

static void
load_result_clear (LoadResult *r)
{
  g_clear_pointer (&r->loop, g_main_loop_unref);
  g_clear_pointer (&r->tree, burrow_file_tree_unref);
  g_clear_error (&r->error);
  g_clear_pointer (&r->cid, g_free);
  g_clear_pointer (&r->base, g_free);
}

static void
run_load (GFile                      *file,
          GBytes                     *data,
          gboolean                    compressed,
          const BurrowFileListLimits *limits,
          GCancellable               *cancellable,
          LoadResult                 *r)
{
  memset (r, 0, sizeof *r);
  r->loop = g_main_loop_new (NULL, FALSE);
  burrow_file_list_load_async (file, data, compressed, limits, cancellable, load_done, r);
  g_main_loop_run (r->loop);
}

static GBytes *
make_multistream_bomb (guint gib)
{
  g_autoptr(GBytes) head = make_bomb_stream (bomb_header, 1, ' ');
  g_autoptr(GBytes) body = make_bomb_stream (NULL, 1, ' ');
  g_autoptr(GByteArray) all = g_byte_array_new ();

  g_byte_array_append (all, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
  for (guint i = 1; i < gib * 1024; i++)
    g_byte_array_append (all, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
test_bomb_default_limits (void)
{
  g_autoptr(GBytes) bomb = make_multistream_bomb (4);
  LoadResult r;
  guint64 rss_before;
  guint64 hwm_before;
  guint64 rss_after;
  guint64 hwm_after;
  gint64 start;
  gdouble seconds;

  g_test_message ("4 GiB bomb: %zu bytes", g_bytes_get_size (bomb));
  read_rss (&rss_before, &hwm_before);
  reset_peak_rss ();
  start = g_get_monotonic_time ();
  run_load (NULL, bomb, TRUE, NULL, NULL, &r);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  read_rss (&rss_after, &hwm_after);
  g_assert_null (r.tree);
  g_assert_error (r.error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE);
  g_test_message ("%s; %.2f s; RSS %" G_GUINT64_FORMAT " KiB -> peak %" G_GUINT64_FORMAT " KiB",
                  r.error->message, seconds, rss_before, hwm_after);
  if (hwm_after > 0 && reset_peak_rss ())
    g_assert_cmpuint (hwm_after, <, rss_before + 32 * 1024);
  g_assert_cmpfloat (seconds, <, 60.0);
  load_result_clear (&r);
}

/* Async ------------------------------------------------------------------- */

static void
test_async (void)
{
  g_autoptr(BurrowFileTree) tree = make_tricky_tree ();
  g_autoptr(GBytes) xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, NULL);
  g_autoptr(GBytes) bz = burrow_file_list_compress (xml, NULL);
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-flist-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "files.xml.bz2", NULL);
  g_autofree gchar *plain_path = g_build_filename (dir, "files.xml", NULL);
  g_autofree gchar *missing_path = g_build_filename (dir, "missing.bz2", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) plain_file = g_file_new_for_path (plain_path);
  g_autoptr(GFile) missing = g_file_new_for_path (missing_path);
  g_autofree gchar *deep = nested_xml (10000, "Directory", "Name=\"d\"");
  g_autoptr(GBytes) deep_bytes = g_bytes_new (deep, strlen (deep));
  g_autoptr(GBytes) deep_bz = bzip2_of (deep, strlen (deep));
  LoadResult r;

  g_assert_true (burrow_file_list_write_file (tree, TEST_CID, NULL, path, NULL));
  g_assert_true (g_file_set_contents (plain_path, g_bytes_get_data (xml, NULL),
                                      g_bytes_get_size (xml), NULL));

  run_load (file, NULL, TRUE, NULL, NULL, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.cid, ==, TEST_CID);
  g_assert_cmpstr (r.base, ==, "/");
  g_assert_cmpuint (r.n_duplicates, ==, 0);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (r.tree));
  load_result_clear (&r);

  run_load (plain_file, NULL, FALSE, NULL, NULL, &r);
  g_assert_no_error (r.error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (r.tree));
  load_result_clear (&r);

  run_load (NULL, bz, TRUE, NULL, NULL, &r);
  g_assert_no_error (r.error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (r.tree));
  load_result_clear (&r);

  run_load (NULL, xml, FALSE, NULL, NULL, &r);
  g_assert_no_error (r.error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (r.tree));
  load_result_clear (&r);

  /* errors come through */
  run_load (missing, NULL, TRUE, NULL, NULL, &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  load_result_clear (&r);

  run_load (NULL, deep_bytes, FALSE, NULL, NULL, &r);
  g_assert_error (r.error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
  load_result_clear (&r);

  run_load (NULL, deep_bz, TRUE, NULL, NULL, &r);
  g_assert_error (r.error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP);
  load_result_clear (&r);

  run_load (NULL, xml, TRUE, NULL, NULL, &r);  /* XML given as bzip2 */
  g_assert_error (r.error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST);
  load_result_clear (&r);

  g_unlink (path);
  g_unlink (plain_path);
  g_rmdir (dir);
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* The pure parser (bytes in memory) and the loader (worker threads, the
 * bzip2 producer thread) give the same tree, CID, Base and duplicate count. */
static void
test_parser_and_loader_agree (void)
{
  static const gchar xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
    "<FileListing Version=\"1\" CID=\"" TEST_CID "\" Base=\"/Share/\">"
    "<Directory Name=\"Dir\"><File Name=\"a\" Size=\"1\"/></Directory>"
    "<Directory Name=\"DIR\"><File Name=\"b\" Size=\"2\"/><File Name=\"A\" Size=\"9\"/>"
    "</Directory>"
    "<File Name=\"x.txt\" Size=\"3\"/><File Name=\"X.TXT\" Size=\"4\"/>"
    "</FileListing>\n";
  g_autoptr(GBytes) plain = g_bytes_new_static (xml, strlen (xml));
  g_autoptr(GBytes) bz = bzip2_of (xml, strlen (xml));

  for (guint compressed = 0; compressed < 2; compressed++)
    {
      GBytes *input = compressed ? bz : plain;
      g_autoptr(BurrowFileTree) parsed = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *cid = NULL;
      g_autofree gchar *base = NULL;
      guint n_dups = 0;
      LoadResult r;

      parsed = burrow_file_list_parse_full (g_bytes_get_data (input, NULL),
                                            g_bytes_get_size (input), compressed, NULL, &cid,
                                            &base, &n_dups, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (cid, ==, TEST_CID);
      g_assert_cmpstr (base, ==, "/Share/");
      g_assert_cmpuint (n_dups, ==, 2);
      g_assert_cmpuint (burrow_file_tree_get_n_files (parsed), ==, 3);

      run_load (NULL, input, compressed, NULL, NULL, &r);
      g_assert_no_error (r.error);
      g_assert_cmpstr (r.cid, ==, cid);
      g_assert_cmpstr (r.base, ==, base);
      g_assert_cmpuint (r.n_duplicates, ==, n_dups);
      assert_same_node_full (burrow_file_tree_get_root (parsed), burrow_file_tree_get_root (r.tree),
                             FALSE);
      load_result_clear (&r);
    }
}

static void
test_async_cancel (void)
{
  g_autoptr(GBytes) bomb = make_multistream_bomb (8);
  BurrowFileListLimits unlimited = { G_MAXUINT64, 0, 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) pre = g_cancellable_new ();
  LoadResult r;
  gint64 start;
  gdouble seconds;

  /* cancelled before it starts */
  g_cancellable_cancel (pre);
  run_load (NULL, bomb, TRUE, &unlimited, pre, &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  load_result_clear (&r);

  /* cancelled while decompressing 8 GiB: returns promptly */
  start = g_get_monotonic_time ();
  g_timeout_add (100, cancel_soon, cancellable);
  run_load (NULL, bomb, TRUE, &unlimited, cancellable, &r);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("cancelled after %.3f s", seconds);
  g_assert_cmpfloat (seconds, <, 3.0);
  load_result_clear (&r);
}

static void
test_large_round_trip (void)
{
  g_autoptr(BurrowFileTree) tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GBytes) bz = NULL;
  g_autoptr(GError) error = NULL;
  LoadResult r;

  /* ~60,000 entries: many 256 KiB chunk boundaries fall inside tags and
   * inside multi-byte characters */
  for (guint a = 0; a < 50; a++)
    {
      g_autofree gchar *aname = g_strdup_printf ("Künstler №%u", a);
      BurrowFileNode *adir = burrow_file_tree_add_directory (tree, root, aname);

      for (guint b = 0; b < 100; b++)
        {
          g_autofree gchar *bname = g_strdup_printf ("Альбом %u & <%u>", b, a);
          BurrowFileNode *bdir = burrow_file_tree_add_directory (tree, adir, bname);

          for (guint t = 0; t < 11; t++)
            {
              g_autofree gchar *tname = g_strdup_printf ("%02u — 曲 \"%u\".flac", t, a * b);

              add_file (tree, bdir, tname, (guint64) a * b * t);
            }
        }
    }
  burrow_file_tree_finish (tree);

  xml = burrow_file_list_generate (tree, TEST_CID, NULL, "/", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (xml), >, 4 * 256 * 1024);
  bz = burrow_file_list_compress (xml, &error);
  g_assert_no_error (error);

  run_load (NULL, bz, TRUE, NULL, NULL, &r);
  g_assert_no_error (r.error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (r.tree));
  g_assert_cmpuint (burrow_file_tree_get_total_size (r.tree), ==,
                    burrow_file_tree_get_total_size (tree));
  load_result_clear (&r);

  run_load (NULL, xml, FALSE, NULL, NULL, &r);
  g_assert_no_error (r.error);
  assert_same_node (burrow_file_tree_get_root (tree), burrow_file_tree_get_root (r.tree));
  load_result_clear (&r);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/share/file-list/generate-format", test_generate_format);
  g_test_add_func ("/burrow/share/file-list/round-trip", test_round_trip);
  g_test_add_func ("/burrow/share/file-list/chunk-boundaries", test_chunk_boundaries);
  g_test_add_func ("/burrow/share/file-list/write-file", test_write_file);
  g_test_add_func ("/burrow/share/file-list/partial", test_partial);
  g_test_add_func ("/burrow/share/file-list/real-world", test_real_world);
  g_test_add_func ("/burrow/share/file-list/duplicates", test_duplicates);
  g_test_add_func ("/burrow/share/file-list/hostile/bad-lists", test_bad_lists);
  g_test_add_func ("/burrow/share/file-list/hostile/deep", test_deep);
  g_test_add_func ("/burrow/share/file-list/hostile/too-many-entries", test_too_many_entries);
  g_test_add_func ("/burrow/share/file-list/hostile/hash-collisions", test_hash_collisions);
  g_test_add_func ("/burrow/share/file-list/hostile/bad-bzip2", test_bad_bzip2);
  g_test_add_func ("/burrow/share/file-list/hostile/bomb", test_bomb);
  g_test_add_func ("/burrow/share/file-list/hostile/bomb-default-limits",
                   test_bomb_default_limits);
  g_test_add_func ("/burrow/share/file-list/async", test_async);
  g_test_add_func ("/burrow/share/file-list/async-cancel", test_async_cancel);
  g_test_add_func ("/burrow/share/file-list/parser-and-loader-agree",
                   test_parser_and_loader_agree);
  g_test_add_func ("/burrow/share/file-list/large-round-trip", test_large_round_trip);

  return g_test_run ();
}
