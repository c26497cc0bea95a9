/* test-hub-list.c — the public hub list parser: XML, XML in bzip2, .config, charsets, limits
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-hub-list"

#include "config.h"

#include <bzlib.h>
#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define KP "SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQ"

/* As list servers write it: a DOCTYPE-less document with a Columns header, attributes in mixed
 * order, one hub whose address is no hub address. */
static const gchar xml_list[] =
  "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n"
  "<Hublist Name=\"Test list\" Address=\"https://list.example\">\r\n"
  "  <Hubs>\r\n"
  "    <Columns>\r\n"
  "      <Column Name=\"Name\" Type=\"string\"/>\r\n"
  "      <Column Name=\"Address\" Type=\"string\"/>\r\n"
  "      <Column Name=\"Users\" Type=\"int\"/>\r\n"
  "    </Columns>\r\n"
  "    <Hub Name=\"Alpha &amp; Co\" Address=\"dchub://Alpha.Example.ORG\" Description=\"First\tline\"\r\n"
  "         Users=\"120\" Country=\"DE\" Shared=\"1099511627776\" Minshare=\"5368709120\"\r\n"
  "         Minslots=\"2\" Maxhubs=\"10\" Maxusers=\"500\" Reliability=\"99.5%\" Rating=\"High\"\r\n"
  "         Encoding=\"CP1252\" Software=\"PtokaX 0.5\"/>\r\n"
  "    <Hub Address=\"adcs://beta.example.org:2780/?kp=" KP "\" Name=\"Beta\" Users=\"5\"/>\r\n"
  "    <Hub Name=\"Gamma\" Address=\"gamma.example.org:4111\" Users=\"junk\"/>\r\n"
  "    <Hub Name=\"Web page\" Address=\"http://www.example.org\" Users=\"7\"/>\r\n"
  "    <Hub Name=\"No address\" Users=\"7\"/>\r\n"
  "  </Hubs>\r\n"
  "</Hublist>\r\n";

static GBytes *
bzip2_compress (const gchar *data,
                gsize        length)
{
  guint out_len = (guint) (length + length / 100 + 600);
  gchar *out = g_malloc (out_len);

  g_assert_cmpint (BZ2_bzBuffToBuffCompress (out, &out_len, (char *) data, (guint) length, 9, 0, 0),
                   ==, BZ_OK);
  return g_bytes_new_take (out, out_len);
}

static GPtrArray *
parse_text (const gchar  *text,
            gsize         length,
            guint        *n_skipped,
            GError      **error)
{
  return burrow_hub_list_parse ((const guint8 *) text, length, n_skipped, error);
}

static void
assert_fails (const gchar *text,
              gsize        length,
              gint         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hubs = parse_text (text, length, NULL, &error);

  g_assert_null (hubs);
  g_assert_error (error, BURROW_HUB_LIST_ERROR, code);
}

static void
check_xml_hubs (GPtrArray *hubs)
{
  BurrowHubListEntry *alpha, *beta, *gamma;

  g_assert_cmpuint (hubs->len, ==, 3);
  alpha = g_ptr_array_index (hubs, 0);
  beta = g_ptr_array_index (hubs, 1);
  gamma = g_ptr_array_index (hubs, 2);

  g_assert_cmpstr (alpha->name, ==, "Alpha & Co");
  g_assert_cmpstr (alpha->address, ==, "dchub://alpha.example.org:411");
  g_assert_cmpint (alpha->protocol, ==, BURROW_HUB_PROTOCOL_NMDC);
  g_assert_cmpstr (alpha->description, ==, "First line");   /* the tab is shown as a space */
  g_assert_cmpuint (alpha->users, ==, 120);
  g_assert_cmpstr (alpha->country, ==, "DE");
  g_assert_cmpuint (alpha->shared, ==, G_GUINT64_CONSTANT (1099511627776));
  g_assert_cmpuint (alpha->min_share, ==, G_GUINT64_CONSTANT (5368709120));
  g_assert_cmpuint (alpha->min_slots, ==, 2);
  g_assert_cmpuint (alpha->max_hubs, ==, 10);
  g_assert_cmpuint (alpha->max_users, ==, 500);
  g_assert_cmpfloat_with_epsilon (alpha->reliability, 99.5, 1e-9);
  g_assert_cmpstr (alpha->rating, ==, "High");
  g_assert_cmpstr (alpha->encoding, ==, "CP1252");
  g_assert_cmpstr (alpha->software, ==, "PtokaX 0.5");

  g_assert_cmpstr (beta->name, ==, "Beta");
  g_assert_cmpstr (beta->address, ==, "adcs://beta.example.org:2780/?kp=" KP);
  g_assert_cmpint (beta->protocol, ==, BURROW_HUB_PROTOCOL_ADCS);
  g_assert_null (beta->encoding);

  /* a bare host:port is NMDC; an unreadable number is 0 */
  g_assert_cmpstr (gamma->address, ==, "dchub://gamma.example.org:4111");
  g_assert_cmpint (gamma->protocol, ==, BURROW_HUB_PROTOCOL_NMDC);
  g_assert_cmpuint (gamma->users, ==, 0);
}

static void
test_xml (void)
{
  g_autoptr(GError) error = NULL;
  guint skipped = 0;
  g_autoptr(GPtrArray) hubs = parse_text (xml_list, strlen (xml_list), &skipped, &error);

  g_assert_no_error (error);
  check_xml_hubs (hubs);
  g_assert_cmpuint (skipped, ==, 2);
}

static void
test_xml_bz2 (void)
{
  g_autoptr(GBytes) packed = bzip2_compress (xml_list, strlen (xml_list));
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (packed, &size);
  g_autoptr(GPtrArray) hubs = burrow_hub_list_parse (data, size, NULL, &error);

  g_assert_no_error (error);
  check_xml_hubs (hubs);
}

static void
test_config (void)
{
  /* CRLF and LF, extra fields, a line too short, a Latin-1 (Windows-1252) name */
  static const gchar list[] =
    "Delta|delta.example.org|Old style|33|extra|fields\r\n"
    "short|line\r\n"
    "\r\n"
    "Caf\xe9|dchub://cafe.example.org:1411|Bistro|8\n"
    "Secure|adcs://secure.example.org:1511/?kp=" KP "||12\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hubs = parse_text (list, sizeof list - 1, NULL, &error);
  BurrowHubListEntry *e;

  g_assert_no_error (error);
  g_assert_cmpuint (hubs->len, ==, 3);
  e = g_ptr_array_index (hubs, 0);
  g_assert_cmpstr (e->name, ==, "Delta");
  g_assert_cmpstr (e->address, ==, "dchub://delta.example.org:411");
  g_assert_cmpstr (e->description, ==, "Old style");
  g_assert_cmpuint (e->users, ==, 33);
  e = g_ptr_array_index (hubs, 1);
  g_assert_cmpstr (e->name, ==, "Caf\xc3\xa9");
  g_assert_cmpuint (e->users, ==, 8);
  e = g_ptr_array_index (hubs, 2);
  g_assert_cmpint (e->protocol, ==, BURROW_HUB_PROTOCOL_ADCS);
  g_assert_cmpstr (e->address, ==, "adcs://secure.example.org:1511/?kp=" KP);
  g_assert_null (e->description);

  /* the same in bzip2 */
  {
    g_autoptr(GBytes) packed = bzip2_compress (list, sizeof list - 1);
    g_autoptr(GPtrArray) again = burrow_hub_list_parse (g_bytes_get_data (packed, NULL),
                                                        g_bytes_get_size (packed), NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (again->len, ==, 3);
  }
}

static void
test_cp1251 (void)
{
  /* "Привет" and "Москва" in windows-1251, as Russian lists send them */
  static const gchar list[] =
    "<?xml version=\"1.0\" encoding=\"windows-1251\"?>"
    "<Hublist><Hubs>"
    "<Hub Name=\"\xcf\xf0\xe8\xe2\xe5\xf2\" Address=\"dchub://ru.example.org\" "
    "Description=\"\xcc\xee\xf1\xea\xe2\xe0\" Encoding=\"CP1251\" Users=\"9\"/>"
    "</Hubs></Hublist>";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hubs = parse_text (list, sizeof list - 1, NULL, &error);
  BurrowHubListEntry *e;

  g_assert_no_error (error);
  g_assert_cmpuint (hubs->len, ==, 1);
  e = g_ptr_array_index (hubs, 0);
  g_assert_cmpstr (e->name, ==, "Привет");
  g_assert_cmpstr (e->description, ==, "Москва");
  g_assert_cmpstr (e->encoding, ==, "CP1251");
}

static void
test_bad_encoding (void)
{
  static const gchar unknown[] =
    "<?xml version=\"1.0\" encoding=\"x-no-such-charset\"?><Hublist><Hubs/></Hublist>";
  static const gchar not_utf8[] =
    "<Hublist><Hubs><Hub Name=\"\xcf\xf0\" Address=\"dchub://a.example\"/></Hubs></Hublist>";
  /* 0x98 is the one byte windows-1251 leaves undefined */
  static const gchar bad_1251[] =
    "<?xml version=\"1.0\" encoding=\"windows-1251\"?><Hublist><Hubs>"
    "<Hub Name=\"\x98\" Address=\"dchub://a.example\"/></Hubs></Hublist>";

  assert_fails (unknown, sizeof unknown - 1, BURROW_HUB_LIST_ERROR_BAD_ENCODING);
  assert_fails (not_utf8, sizeof not_utf8 - 1, BURROW_HUB_LIST_ERROR_INVALID_UTF8);
  assert_fails (bad_1251, sizeof bad_1251 - 1, BURROW_HUB_LIST_ERROR_BAD_ENCODING);
}

static void
test_malformed (void)
{
  static const gchar unclosed[] = "<Hublist><Hubs><Hub Name=\"x\" Address=\"dchub://a\"/>";
  static const gchar html[] = "<!DOCTYPE html><html><body>Not found</body></html>";
  static const gchar config_junk[] = "this is not a hub list\nnor is this\n";
  static const gchar empty_xml[] = "<?xml version=\"1.0\"?><Hublist><Hubs></Hubs></Hublist>";
  g_autoptr(GBytes) packed = bzip2_compress (xml_list, strlen (xml_list));
  gsize size;
  const gchar *data = g_bytes_get_data (packed, &size);
  g_autofree gchar *corrupt = g_memdup2 (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = NULL;

  assert_fails (unclosed, sizeof unclosed - 1, BURROW_HUB_LIST_ERROR_MALFORMED);
  assert_fails (html, sizeof html - 1, BURROW_HUB_LIST_ERROR_MALFORMED);
  assert_fails (config_junk, sizeof config_junk - 1, BURROW_HUB_LIST_ERROR_MALFORMED);
  assert_fails ("", 0, BURROW_HUB_LIST_ERROR_MALFORMED);
  assert_fails ("\r\n\r\n", 4, BURROW_HUB_LIST_ERROR_MALFORMED);

  /* truncated and corrupt bzip2 */
  assert_fails (data, size / 2, BURROW_HUB_LIST_ERROR_BAD_COMPRESSION);
  for (gsize i = 10; i < size - 10; i += 7)
    corrupt[i] ^= 0x5a;
  assert_fails (corrupt, size, BURROW_HUB_LIST_ERROR_BAD_COMPRESSION);

  /* a well-formed list without hubs is a list */
  none = parse_text (empty_xml, sizeof empty_xml - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_limit_depth (void)
{
  g_autoptr(GString) doc = g_string_new ("<Hublist><Hubs>");

  for (guint i = 0; i < BURROW_HUB_LIST_MAX_DEPTH; i++)
    g_string_append (doc, "<x>");
  for (guint i = 0; i < BURROW_HUB_LIST_MAX_DEPTH; i++)
    g_string_append (doc, "</x>");
  g_string_append (doc, "</Hubs></Hublist>");
  assert_fails (doc->str, doc->len, BURROW_HUB_LIST_ERROR_TOO_DEEP);
}

static void
test_limit_field (void)
{
  g_autofree gchar *name = g_strnfill (BURROW_HUB_LIST_MAX_FIELD + 1, 'n');
  g_autofree gchar *ok_name = g_strnfill (BURROW_HUB_LIST_MAX_FIELD, 'n');
  g_autofree gchar *xml = g_strdup_printf ("<Hublist><Hubs><Hub Name=\"%s\" "
                                           "Address=\"dchub://a.example\"/></Hubs></Hublist>",
                                           name);
  g_autofree gchar *xml_ok = g_strdup_printf ("<Hublist><Hubs><Hub Name=\"%s\" "
                                              "Address=\"dchub://a.example\"/></Hubs></Hublist>",
                                              ok_name);
  g_autofree gchar *config = g_strdup_printf ("%s|a.example|d|1\n", name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hubs = NULL;

  assert_fails (xml, strlen (xml), BURROW_HUB_LIST_ERROR_FIELD_TOO_LONG);
  assert_fails (config, strlen (config), BURROW_HUB_LIST_ERROR_FIELD_TOO_LONG);
  hubs = parse_text (xml_ok, strlen (xml_ok), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hubs->len, ==, 1);
}

static void
test_limit_hubs (void)
{
  g_autoptr(GString) doc = g_string_new ("<Hublist><Hubs>");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hubs = NULL;

  for (guint i = 0; i < BURROW_HUB_LIST_MAX_HUBS; i++)
    g_string_append_printf (doc, "<Hub Address=\"h%u.example\"/>", i);
  g_string_append (doc, "</Hubs></Hublist>");
  hubs = parse_text (doc->str, doc->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hubs->len, ==, BURROW_HUB_LIST_MAX_HUBS);

  g_string_truncate (doc, doc->len - strlen ("</Hubs></Hublist>"));
  g_string_append (doc, "<Hub Address=\"one-more.example\"/></Hubs></Hublist>");
  assert_fails (doc->str, doc->len, BURROW_HUB_LIST_ERROR_TOO_MANY_HUBS);
}

static void
test_limit_size (void)
{
  gsize size = BURROW_HUB_LIST_MAX_SIZE + 1;
  g_autofree gchar *big = g_malloc (size);

  memset (big, ' ', size);
  big[size - 1] = '\n';
  assert_fails (big, size, BURROW_HUB_LIST_ERROR_TOO_LARGE);
}

/* A few hundred bytes that unpack to more than the limit: stopped at the limit, with its code. */
static void
test_bz2_bomb (void)
{
  gsize size = BURROW_HUB_LIST_MAX_SIZE + 1024 * 1024;
  g_autofree gchar *spaces = g_malloc (size);
  g_autoptr(GBytes) bomb = NULL;

  memset (spaces, ' ', size);
  bomb = bzip2_compress (spaces, size);
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 100 * 1024);
  assert_fails (g_bytes_get_data (bomb, NULL), g_bytes_get_size (bomb),
                BURROW_HUB_LIST_ERROR_TOO_LARGE);
}

static void
test_normalize (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = burrow_hub_list_normalize_address (" Hub.Example.ORG ", &error);
  g_autofree gchar *b = burrow_hub_list_normalize_address ("NMDC://hub.example.org:411", &error);
  g_autofree gchar *c = burrow_hub_list_normalize_address ("ADC://Hub.Example.org", &error);
  g_autofree gchar *d = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "dchub://hub.example.org:411");
  g_assert_cmpstr (b, ==, a);
  g_assert_cmpstr (c, ==, "adc://hub.example.org:1511");
  d = burrow_hub_list_normalize_address ("http://www.example.org", &error);
  g_assert_null (d);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/hub/hub-list/xml", test_xml);
  g_test_add_func ("/burrow/hub/hub-list/xml-bz2", test_xml_bz2);
  g_test_add_func ("/burrow/hub/hub-list/config", test_config);
  g_test_add_func ("/burrow/hub/hub-list/cp1251", test_cp1251);
  g_test_add_func ("/burrow/hub/hub-list/bad-encoding", test_bad_encoding);
  g_test_add_func ("/burrow/hub/hub-list/malformed", test_malformed);
  g_test_add_func ("/burrow/hub/hub-list/limit-depth", test_limit_depth);
  g_test_add_func ("/burrow/hub/hub-list/limit-field", test_limit_field);
  g_test_add_func ("/burrow/hub/hub-list/limit-hubs", test_limit_hubs);
  g_test_add_func ("/burrow/hub/hub-list/limit-size", test_limit_size);
  g_test_add_func ("/burrow/hub/hub-list/bz2-bomb", test_bz2_bomb);
  g_test_add_func ("/burrow/hub/hub-list/normalize", test_normalize);

  return g_test_run ();
}
