/* test-hub-uri.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-hub-uri"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* uhub's test certificate, PROTOCOL.md §1.15 */
#define KP "SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQ"

typedef struct
{
  const gchar       *input;
  BurrowHubProtocol  protocol;
  const gchar       *host;
  guint16            port;
  const gchar       *keyprint;
  const gchar       *canonical;
} GoodUri;

static const GoodUri good[] = {
  { "adc://hub.example.org:1511", BURROW_HUB_PROTOCOL_ADC, "hub.example.org", 1511, NULL,
    "adc://hub.example.org:1511" },
  { "adc://hub.example.org", BURROW_HUB_PROTOCOL_ADC, "hub.example.org", 1511, NULL,
    "adc://hub.example.org:1511" },
  { "adcs://hub.example.org:2780/", BURROW_HUB_PROTOCOL_ADCS, "hub.example.org", 2780, NULL,
    "adcs://hub.example.org:2780" },
  { "adcs://127.0.0.1:1511/?kp=" KP, BURROW_HUB_PROTOCOL_ADCS, "127.0.0.1", 1511, KP,
    "adcs://127.0.0.1:1511/?kp=" KP },
  { "adcs://127.0.0.1:1511?kp=" KP, BURROW_HUB_PROTOCOL_ADCS, "127.0.0.1", 1511, KP,
    "adcs://127.0.0.1:1511/?kp=" KP },
  /* lower-case keyprint, percent-encoded slash, other query parameters ignored */
  { "adcs://h:1/?x=1&kp=sha256%2Fetun3v7mtf5nb2g3bxxxi66mv4vlbdqjbnqff2gfhn7lhv72syzq&y",
    BURROW_HUB_PROTOCOL_ADCS, "h", 1, KP, "adcs://h:1/?kp=" KP },
  { "ADC://Hub.Example.ORG:411", BURROW_HUB_PROTOCOL_ADC, "hub.example.org", 411, NULL,
    "adc://hub.example.org:411" },
  { "dchub://nmdc.example.org", BURROW_HUB_PROTOCOL_NMDC, "nmdc.example.org", 411, NULL,
    "dchub://nmdc.example.org:411" },
  { "nmdc://nmdc.example.org:4111", BURROW_HUB_PROTOCOL_NMDC, "nmdc.example.org", 4111, NULL,
    "dchub://nmdc.example.org:4111" },
  { "NMDCS://nmdc.example.org", BURROW_HUB_PROTOCOL_NMDCS, "nmdc.example.org", 411, NULL,
    "nmdcs://nmdc.example.org:411" },
  { "adc://[::1]:1511", BURROW_HUB_PROTOCOL_ADC, "::1", 1511, NULL, "adc://[::1]:1511" },
  { "adcs://[2001:DB8::5]", BURROW_HUB_PROTOCOL_ADCS, "2001:db8::5", 1511, NULL,
    "adcs://[2001:db8::5]:1511" },
  { "adc://[::ffff:192.0.2.1]:65535/", BURROW_HUB_PROTOCOL_ADC, "::ffff:192.0.2.1", 65535, NULL,
    "adc://[::ffff:192.0.2.1]:65535" },
  { "  adc://localhost:1511/ \n", BURROW_HUB_PROTOCOL_ADC, "localhost", 1511, NULL,
    "adc://localhost:1511" },
  { "adc://my_hub-1.example:00080", BURROW_HUB_PROTOCOL_ADC, "my_hub-1.example", 80, NULL,
    "adc://my_hub-1.example:80" },
  /* IDN hosts become punycode */
  { "adc://bücher.example:1511", BURROW_HUB_PROTOCOL_ADC, "xn--bcher-kva.example", 1511, NULL,
    "adc://xn--bcher-kva.example:1511" },
};

static void
test_good (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowHubUri) uri = burrow_hub_uri_parse (good[i].input, &error);
      g_autoptr(BurrowHubUri) again = NULL;
      g_autoptr(BurrowHubUri) copy = NULL;
      g_autofree gchar *s = NULL;
      g_autofree gchar *s2 = NULL;

      if (uri == NULL)
        g_error ("«%s»: %s", good[i].input, error->message);
      g_assert_cmpint (uri->protocol, ==, good[i].protocol);
      g_assert_cmpstr (uri->host, ==, good[i].host);
      g_assert_cmpuint (uri->port, ==, good[i].port);
      g_assert_cmpstr (uri->keyprint, ==, good[i].keyprint);

      s = burrow_hub_uri_to_string (uri);
      g_assert_cmpstr (s, ==, good[i].canonical);

      again = burrow_hub_uri_parse (s, &error);
      g_assert_no_error (error);
      g_assert_cmpint (again->protocol, ==, uri->protocol);
      g_assert_cmpstr (again->host, ==, uri->host);
      g_assert_cmpuint (again->port, ==, uri->port);
      g_assert_cmpstr (again->keyprint, ==, uri->keyprint);

      copy = burrow_hub_uri_copy (uri);
      g_assert_true (copy->host != uri->host);
      s2 = burrow_hub_uri_to_string (copy);
      g_assert_cmpstr (s2, ==, s);
    }
}

static void
test_flags (void)
{
  static const struct
  {
    const gchar *uri;
    gboolean     tls;
    gboolean     adc;
  } cases[] = {
    { "adc://h", FALSE, TRUE },
    { "adcs://h", TRUE, TRUE },
    { "dchub://h", FALSE, FALSE },
    { "nmdc://h", FALSE, FALSE },
    { "nmdcs://h", TRUE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowHubUri) uri = burrow_hub_uri_parse (cases[i].uri, &error);

      g_assert_no_error (error);
      g_assert_cmpint (burrow_hub_uri_is_tls (uri), ==, cases[i].tls);
      g_assert_cmpint (burrow_hub_uri_is_adc (uri), ==, cases[i].adc);
    }
}

typedef struct
{
  const gchar *input;
  gint         code;
} BadUri;

static void
test_bad (void)
{
  g_autofree gchar *long_uri = NULL;
  const BadUri bad[] = {
    /* no scheme */
    { "", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "   ", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "hub.example.org", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "hub.example.org:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "://hub.example.org", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc:hub.example.org", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc:/hub.example.org", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "1adc://h", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "h:1511/x://y", BURROW_PROTOCOL_ERROR_BAD_URI },
    /* unsupported schemes */
    { "http://hub.example.org", BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME },
    { "adcx://hub.example.org", BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME },
    { "ad://hub.example.org", BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME },
    { "magnet://x", BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME },
    /* host */
    { "adc://", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc:///", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub..example", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://.hub", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub.", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://-hub.example", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub-.example", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub%20x", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub x", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub\tx", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hu\x01" "b", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub\xff", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://999.1.2.3", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://12", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://a.b$c", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://0123456789012345678901234567890123456789012345678901234567890123.x",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    /* IPv6 */
    { "adc://::1:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[::1", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[::1]x", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[::1]:", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[]:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[::g]:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[1.2.3.4]:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[fe80::1%25eth0]:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://[1:2:3:4:5:6:7:8:9]", BURROW_PROTOCOL_ERROR_BAD_URI },
    /* port */
    { "adc://hub:", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:0", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:65536", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:99999", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:4294967297", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:-1", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:+80", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:15x1", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:1511:1512", BURROW_PROTOCOL_ERROR_BAD_URI },
    /* userinfo, path, fragment */
    { "adc://user@hub:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://user:pass@hub:1511", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:1511/path", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:1511//", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:1511#frag", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:1511/#", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adc://hub:1511/?a=b#c", BURROW_PROTOCOL_ERROR_BAD_URI },
    /* keyprint */
    { "adcs://hub/?kp=", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=SHA1/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQ",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZ",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQA",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZ1",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    /* non-zero trailing bits */
    { "adcs://hub/?kp=SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZR",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=SHA256:ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQ",
      BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=" KP "&kp=" KP, BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=%zz", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=%00", BURROW_PROTOCOL_ERROR_BAD_URI },
    { "adcs://hub/?kp=%4", BURROW_PROTOCOL_ERROR_BAD_URI },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowHubUri) uri = burrow_hub_uri_parse (bad[i].input, &error);

      if (uri != NULL || error == NULL || error->code != bad[i].code)
        g_test_message ("case %" G_GSIZE_FORMAT " «%s» gave %s", i, bad[i].input,
                        error != NULL ? error->message : "success");
      g_assert_null (uri);
      g_assert_error (error, BURROW_PROTOCOL_ERROR, bad[i].code);
    }

  /* over the length limit, otherwise fine */
  {
    GString *s = g_string_new ("adc://h:1/?x=");
    g_autoptr(GError) error = NULL;
    g_autoptr(BurrowHubUri) uri = NULL;

    while (s->len < BURROW_HUB_URI_MAX_LENGTH)
      g_string_append_c (s, 'y');
    uri = burrow_hub_uri_parse (s->str, &error);
    g_assert_no_error (error);
    g_clear_pointer (&uri, burrow_hub_uri_free);

    g_string_append_c (s, 'y');
    long_uri = g_string_free (s, FALSE);
    uri = burrow_hub_uri_parse (long_uri, &error);
    g_assert_null (uri);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_URI);
  }
}

/* Random mutations of good URIs must never crash, and whatever parses must
 * round-trip through the canonical form. */
static void
test_hostile (void)
{
  static const gchar alphabet[] = ":/[]@?#&=%.-_ \\aZ09\xc3\xa9\xff";

  for (guint round = 0; round < 5000; round++)
    {
      const GoodUri *base = &good[g_test_rand_int_range (0, G_N_ELEMENTS (good))];
      g_autoptr(GString) s = g_string_new (base->input);
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowHubUri) uri = NULL;
      guint n_edits = g_test_rand_int_range (1, 4);

      for (guint e = 0; e < n_edits && s->len > 0; e++)
        {
          guint pos = g_test_rand_int_range (0, s->len);
          gchar c = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];

          switch (g_test_rand_int_range (0, 3))
            {
            case 0:
              s->str[pos] = c;
              break;
            case 1:
              g_string_insert_c (s, pos, c);
              break;
            default:
              g_string_erase (s, pos, 1);
              break;
            }
        }

      uri = burrow_hub_uri_parse (s->str, &error);
      if (uri == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == BURROW_PROTOCOL_ERROR);
          g_assert_true (error->code == BURROW_PROTOCOL_ERROR_BAD_URI ||
                         error->code == BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME);
        }
      else
        {
          g_autofree gchar *canonical = burrow_hub_uri_to_string (uri);
          g_autoptr(BurrowHubUri) again = burrow_hub_uri_parse (canonical, &error);
          g_autofree gchar *canonical2 = NULL;

          g_assert_no_error (error);
          canonical2 = burrow_hub_uri_to_string (again);
          g_assert_cmpstr (canonical, ==, canonical2);
          g_assert_cmpuint (uri->port, !=, 0);
        }
    }
}

static void
test_enum_type (void)
{
  GEnumClass *klass = g_type_class_ref (BURROW_TYPE_HUB_PROTOCOL);
  GEnumValue *value = g_enum_get_value (klass, BURROW_HUB_PROTOCOL_NMDCS);

  g_assert_nonnull (value);
  g_assert_cmpstr (value->value_name, ==, "BURROW_HUB_PROTOCOL_NMDCS");
  g_type_class_unref (klass);
  g_assert_true (G_TYPE_IS_BOXED (BURROW_TYPE_HUB_URI));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/hub-uri/parse-good", test_good);
  g_test_add_func ("/burrow/protocol/hub-uri/parse-flags", test_flags);
  g_test_add_func ("/burrow/protocol/hub-uri/parse-bad", test_bad);
  g_test_add_func ("/burrow/protocol/hub-uri/parse-hostile", test_hostile);
  g_test_add_func ("/burrow/protocol/hub-uri/types", test_enum_type);

  return g_test_run ();
}
