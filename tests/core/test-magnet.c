/* test-magnet.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-magnet"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* TTH of the empty file */
#define TTH_EMPTY "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ"
/* another valid 24-byte value */
#define TTH_OTHER "W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36TA"
/* SHA-1 of the empty string in base32 */
#define SHA1_EMPTY "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"

typedef struct
{
  const gchar *uri;
  const gchar *tth;
  gboolean     has_size;
  guint64      size;
  const gchar *name;
  const gchar *keywords;
} GoodMagnet;

static const GoodMagnet good[] = {
  { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=1234&dn=file.txt",
    TTH_EMPTY, TRUE, 1234, "file.txt", NULL },
  { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY, TTH_EMPTY, FALSE, 0, NULL, NULL },
  { "MAGNET:?XT=URN:TREE:TIGER:" TTH_EMPTY "&XL=0", TTH_EMPTY, TRUE, 0, NULL, NULL },
  { "magnet:?xt=urn:tree:tiger:" "lwpnacqdbzryxw3vhjvcj64qbzngHOHHHZWCLNQ", TTH_EMPTY, FALSE, 0,
    NULL, NULL },
  { "magnet:?xt=urn:tree:tiger/:" TTH_EMPTY, TTH_EMPTY, FALSE, 0, NULL, NULL },
  { "magnet:?xt=urn:tree:tiger/1024:" TTH_EMPTY, TTH_EMPTY, FALSE, 0, NULL, NULL },
  { "magnet:?xt=urn:bitprint:" SHA1_EMPTY "." TTH_EMPTY "&xl=0", TTH_EMPTY, TRUE, 0, NULL, NULL },
  { "magnet:?dn=a+b%20c%2Bd&xt=urn%3Atree%3Atiger%3A" TTH_EMPTY, TTH_EMPTY, FALSE, 0, "a b c+d",
    NULL },
  /* priority xt > xs > as, whatever the order in the link */
  { "magnet:?as=urn:tree:tiger:" TTH_OTHER "&xs=urn:tree:tiger:" TTH_EMPTY, TTH_EMPTY, FALSE, 0,
    NULL, NULL },
  { "magnet:?as=urn:tree:tiger:" TTH_OTHER "&xt=urn:tree:tiger:" TTH_EMPTY
    "&xs=urn:tree:tiger:" TTH_OTHER, TTH_EMPTY, FALSE, 0, NULL, NULL },
  { "magnet:?as=urn:tree:tiger:" TTH_OTHER, TTH_OTHER, FALSE, 0, NULL, NULL },
  /* other hashes are ignored; numbered keys count */
  { "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xt.2=urn:tree:tiger:" TTH_OTHER,
    TTH_OTHER, FALSE, 0, NULL, NULL },
  { "magnet:?xs=http://example.org/file&as=urn:tree:tiger:" TTH_OTHER, TTH_OTHER, FALSE, 0, NULL,
    NULL },
  /* first occurrence wins */
  { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xt=urn:tree:tiger:" TTH_OTHER "&dn=one&dn=two"
    "&xl=5&xl=6", TTH_EMPTY, TRUE, 5, "one", NULL },
  /* search magnets */
  { "magnet:?kt=ubuntu+iso&dn=Ubuntu", NULL, FALSE, 0, "Ubuntu", "ubuntu iso" },
  { "magnet:?kt=%E6%97%A5%E6%9C%AC", NULL, FALSE, 0, NULL, "日本" },
  /* UTF-8 names, junk parameters, white space around */
  { "  magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=M%C3%BCller%20%26%20S%C3%B6hne.flac"
    "&tr=udp://x&&foo&=bar\n", TTH_EMPTY, FALSE, 0, "Müller & Söhne.flac", NULL },
  { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=18446744073709551615", TTH_EMPTY, TRUE,
    G_MAXUINT64, NULL, NULL },
  { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=", TTH_EMPTY, FALSE, 0, NULL, NULL },
};

static void
assert_magnet (const BurrowMagnet *m,
               const GoodMagnet   *want)
{
  g_assert_cmpstr (m->tth, ==, want->tth);
  g_assert_cmpint (m->has_size, ==, want->has_size);
  if (want->has_size)
    g_assert_cmpuint (m->size, ==, want->size);
  g_assert_cmpstr (m->name, ==, want->name);
  g_assert_cmpstr (m->keywords, ==, want->keywords);
}

static void
test_good (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowMagnet) m = burrow_magnet_parse (good[i].uri, &error);
      g_autoptr(BurrowMagnet) again = NULL;
      g_autoptr(BurrowMagnet) copy = NULL;
      g_autofree gchar *s = NULL;

      if (m == NULL)
        g_error ("«%s»: %s", good[i].uri, error->message);
      assert_magnet (m, &good[i]);

      s = burrow_magnet_to_string (m);
      again = burrow_magnet_parse (s, &error);
      g_assert_no_error (error);
      assert_magnet (again, &good[i]);

      copy = burrow_magnet_copy (m);
      assert_magnet (copy, &good[i]);
    }
}

static void
test_build (void)
{
  g_autofree gchar *a = burrow_magnet_build (TTH_EMPTY, 1234, "file.txt");
  g_autofree gchar *b = burrow_magnet_build (TTH_EMPTY, 0, NULL);
  g_autofree gchar *c = burrow_magnet_build (TTH_EMPTY, 0, "a b+c&d=e%f");
  g_autofree gchar *d = burrow_magnet_build ("lwpnacqdbzryxw3vhjvcj64qbzngHOHHHZWCLNQ", 1, "ü");

  g_assert_cmpstr (a, ==, "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=1234&dn=file.txt");
  g_assert_cmpstr (b, ==, "magnet:?xt=urn:tree:tiger:" TTH_EMPTY);
  g_assert_cmpstr (c, ==, "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=a+b%2Bc%26d%3De%25f");
  g_assert_cmpstr (d, ==, "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=1&dn=%C3%BC");
}

static void
test_hostile_names (void)
{
  static const gchar * const names[] = {
    "plain.txt", "with space.mkv", "a&b=c", "100%", "%41", "+plus+", "a+b c",
    "q?x#y", "Müller – Sö/hne ✓ 日本語 😀.flac", "back\\slash", "semi;colon,comma",
    "\"quoted\" 'single'", "~tilde_under-score.dot", "   ", "&&&", "===", "%%%", "xt=urn:x&dn=evil",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *uri = burrow_magnet_build (TTH_OTHER, 42 + i, names[i]);
      g_autoptr(BurrowMagnet) m = burrow_magnet_parse (uri, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (m->tth, ==, TTH_OTHER);
      g_assert_true (m->has_size);
      g_assert_cmpuint (m->size, ==, 42 + i);
      g_assert_cmpstr (m->name, ==, names[i]);
      g_assert_null (m->keywords);
      /* the encoded link has no raw separators from the name */
      g_assert_null (strchr (uri, ' '));
      g_assert_nonnull (strstr (uri, "&dn="));
      g_assert_cmpuint (strcspn (strstr (uri, "&dn=") + 4, "&=?# "), ==,
                        strlen (strstr (uri, "&dn=") + 4));
    }
}

static void
test_random_names (void)
{
  static const gchar * const pool[] = {
    " ", "&", "=", "%", "+", "?", "#", "a", "Z", "9", ".", "/", "\\",
    "é", "✓", "😀", "%2B", "~",
  };

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(GString) name = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autofree gchar *uri = NULL;
      g_autoptr(BurrowMagnet) m = NULL;
      guint n = g_test_rand_int_range (1, 30);
      guint64 size = (guint64) g_test_rand_int () << 20 |
                     (guint) g_test_rand_int_range (0, 1 << 20);

      for (guint i = 0; i < n; i++)
        g_string_append (name, pool[g_test_rand_int_range (0, G_N_ELEMENTS (pool))]);

      uri = burrow_magnet_build (TTH_EMPTY, size, name->str);
      m = burrow_magnet_parse (uri, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (m->name, ==, name->str);
      g_assert_cmpint (m->has_size, ==, size > 0);
      g_assert_cmpuint (m->size, ==, size);
    }
}

typedef struct
{
  const gchar *uri;
} BadMagnet;

static void
test_bad (void)
{
  static const BadMagnet bad[] = {
    { "" },
    { "magnet:" },
    { "magnet:?" },
    { "magnet:xt=urn:tree:tiger:" TTH_EMPTY },
    { "http://example.org/?xt=urn:tree:tiger:" TTH_EMPTY },
    { "magnet:?dn=only-a-name&xl=5" },
    { "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a" },
    { "magnet:?kt=" },
    { "magnet:?kt=&dn=x" },
    /* broken Tiger hashes */
    { "magnet:?xt=urn:tree:tiger:" "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "A" },
    { "magnet:?xt=urn:tree:tiger:" "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN1" },
    { "magnet:?xt=urn:tree:tiger:" "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNR" },
    { "magnet:?xt=urn:tree:tiger:" "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN=" },
    { "magnet:?xt=urn:tree:tiger/512:" TTH_EMPTY },
    { "magnet:?xt=urn:bitprint:" TTH_EMPTY },
    { "magnet:?xt=urn:bitprint:" SHA1_EMPTY TTH_EMPTY },
    { "magnet:?xt=urn:bitprint:" "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBY1." TTH_EMPTY },
    { "magnet:?as=urn:tree:tiger:XYZ&xt=urn:tree:tiger:" TTH_EMPTY },
    /* sizes */
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=-1" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=12a" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&xl=18446744073709551616" },
    /* encodings */
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%4" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%zz" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%00" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%0A" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%FF" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=%C3" },
    { "magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&dn=\xff" },
    { "magnet:?kt=a%7Fb" },
    { "magnet:?xt=urn%3Atree%3Atiger%3A%" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowMagnet) m = burrow_magnet_parse (bad[i].uri, &error);

      if (m != NULL)
        g_test_message ("case %" G_GSIZE_FORMAT " «%s» parsed", i, bad[i].uri);
      g_assert_null (m);
      g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_MAGNET);
    }
}

static void
test_too_long (void)
{
  g_autoptr(GString) s = g_string_new ("magnet:?xt=urn:tree:tiger:" TTH_EMPTY "&x=");
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowMagnet) m = NULL;

  while (s->len < BURROW_MAGNET_MAX_LENGTH)
    g_string_append_c (s, 'y');
  m = burrow_magnet_parse (s->str, &error);
  g_assert_no_error (error);
  g_clear_pointer (&m, burrow_magnet_free);

  g_string_append_c (s, 'y');
  m = burrow_magnet_parse (s->str, &error);
  g_assert_null (m);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_MAGNET);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/magnet/parse-good", test_good);
  g_test_add_func ("/burrow/protocol/magnet/parse-bad", test_bad);
  g_test_add_func ("/burrow/protocol/magnet/parse-too-long", test_too_long);
  g_test_add_func ("/burrow/protocol/magnet/build/vectors", test_build);
  g_test_add_func ("/burrow/protocol/magnet/build/hostile-names", test_hostile_names);
  g_test_add_func ("/burrow/protocol/magnet/build/random-names", test_random_names);

  return g_test_run ();
}
