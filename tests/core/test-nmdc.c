/* test-nmdc.c — the NMDC line codec and NMDC users
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-nmdc"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* nmdc-captures/capture-hub-1.log: our hub's lock and eiskaltdcpp 2.4.2's real $Key for it (the
 * log shows the key as a Python repr of the bytes read as latin-1). */
#define CAPTURED_LOCK "EXTENDEDPROTOCOL_pyhub_1234 Pk=pyhub"
#define CAPTURED_KEY  "\x74\xd1\xc0\x11\xb0\xa0\x10\x10\x41\x20\xd1\xb1\xb1\xc0\xc0\x30\x31" \
                      "\xf2\x90\x11\xd1\x71\xd3\xe6\x30\x10\x70"

#define TTH_B32 "ETWN4RDWXOKMA4LTVEJURVCSBKXQKRIXGRTGUVA"

static void
test_split_command (void)
{
  const gchar *args = NULL;

  g_assert_cmpint (burrow_nmdc_split_command ("", &args), ==, BURROW_NMDC_CMD_EMPTY);
  g_assert_cmpint (burrow_nmdc_split_command ("<bob> hi there", &args), ==, BURROW_NMDC_CMD_CHAT);
  g_assert_cmpstr (args, ==, "<bob> hi there");
  g_assert_cmpint (burrow_nmdc_split_command ("$Hello alice", &args), ==, BURROW_NMDC_CMD_HELLO);
  g_assert_cmpstr (args, ==, "alice");
  g_assert_cmpint (burrow_nmdc_split_command ("$GetPass", &args), ==, BURROW_NMDC_CMD_GET_PASS);
  g_assert_cmpstr (args, ==, "");
  g_assert_cmpint (burrow_nmdc_split_command ("$To: bob From: alice $<alice> hi", &args), ==,
                   BURROW_NMDC_CMD_TO);
  g_assert_cmpstr (args, ==, "bob From: alice $<alice> hi");
  g_assert_cmpint (burrow_nmdc_split_command ("$SR bob x", &args), ==, BURROW_NMDC_CMD_SR);
  g_assert_cmpint (burrow_nmdc_split_command ("$Search Hub:a F?T?0?1?x", &args), ==,
                   BURROW_NMDC_CMD_SEARCH);
  g_assert_cmpint (burrow_nmdc_split_command ("$MyINFO $ALL a b$ $1\x01$$0$", &args), ==,
                   BURROW_NMDC_CMD_MY_INFO);
  g_assert_cmpstr (args, ==, "$ALL a b$ $1\x01$$0$");
  g_assert_cmpint (burrow_nmdc_split_command ("$ZOn", &args), ==, BURROW_NMDC_CMD_ZON);
  g_assert_cmpint (burrow_nmdc_split_command ("$SA x y", &args), ==, BURROW_NMDC_CMD_SA);
  g_assert_cmpint (burrow_nmdc_split_command ("$Searchy x", &args), ==, BURROW_NMDC_CMD_UNKNOWN);
  g_assert_cmpint (burrow_nmdc_split_command ("hello", &args), ==, BURROW_NMDC_CMD_UNKNOWN);
  g_assert_cmpint (burrow_nmdc_split_command ("$", &args), ==, BURROW_NMDC_CMD_UNKNOWN);
}

/* ---- lock and key ------------------------------------------------------------------------- */

static void
test_key_captured (void)
{
  g_autoptr(GBytes) lock = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *pk = NULL;
  gsize len;
  const gchar *data;

  g_assert_true (burrow_nmdc_parse_lock (CAPTURED_LOCK, strlen (CAPTURED_LOCK), &lock, &pk,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pk, ==, "pyhub");
  data = g_bytes_get_data (lock, &len);
  g_assert_cmpmem (data, len, "EXTENDEDPROTOCOL_pyhub_1234", 27);
  g_assert_true (burrow_nmdc_lock_is_extended (lock));

  key = burrow_nmdc_key_from_lock (lock);
  data = g_bytes_get_data (key, &len);
  g_assert_cmpmem (data, len, CAPTURED_KEY, sizeof CAPTURED_KEY - 1);
}

static void
test_key_substitutions (void)
{
  /* chosen so that the key bytes are 0x3a, 0, 5, 36, 96, 124, 126 */
  static const guint8 lock_bytes[] = { 0x41, 0x41, 0x11, 0x53, 0x55, 0x92, 0x75 };
  static const gchar expected[] = ":/%DCN000%//%DCN005%//%DCN036%//%DCN096%//%DCN124%//%DCN126%/";
  g_autoptr(GBytes) lock = g_bytes_new_static (lock_bytes, sizeof lock_bytes);
  g_autoptr(GBytes) key = burrow_nmdc_key_from_lock (lock);
  gsize len;
  const gchar *data = g_bytes_get_data (key, &len);

  g_assert_cmpmem (data, len, expected, sizeof expected - 1);
  g_assert_false (burrow_nmdc_lock_is_extended (lock));
}

static void
test_lock_forms (void)
{
  g_autoptr(GError) error = NULL;
  GBytes *lock = NULL;
  gchar *pk = NULL;
  g_autofree gchar *long_lock = NULL;
  const gchar *verlihub = "EXTENDEDPROTOCOL_NMDC_1234 Pk=Verlihub 1.7.0.0";
  gsize len;

  /* without Pk: the text before the first space */
  g_assert_true (burrow_nmdc_parse_lock ("ABCDEFG foo", 11, &lock, &pk, &error));
  g_assert_no_error (error);
  g_assert_null (pk);
  g_assert_cmpmem (g_bytes_get_data (lock, &len), len, "ABCDEFG", 7);
  g_clear_pointer (&lock, g_bytes_unref);

  g_assert_true (burrow_nmdc_parse_lock ("ABCDEFG", 7, &lock, NULL, &error));
  g_assert_cmpmem (g_bytes_get_data (lock, &len), len, "ABCDEFG", 7);
  g_clear_pointer (&lock, g_bytes_unref);

  /* Verlihub: a space inside Pk */
  g_assert_true (burrow_nmdc_parse_lock (verlihub, strlen (verlihub), &lock, &pk, &error));
  g_assert_cmpstr (pk, ==, "Verlihub 1.7.0.0");
  g_assert_true (burrow_nmdc_lock_is_extended (lock));
  g_clear_pointer (&lock, g_bytes_unref);
  g_clear_pointer (&pk, g_free);

  g_assert_false (burrow_nmdc_parse_lock ("ab Pk=x", 7, &lock, &pk, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (burrow_nmdc_parse_lock ("", 0, &lock, &pk, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  long_lock = g_strnfill (BURROW_NMDC_MAX_LOCK_LENGTH + 1, 'x');
  g_assert_false (burrow_nmdc_parse_lock (long_lock, strlen (long_lock), &lock, &pk, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG);
  g_assert_null (lock);
}

/* ---- text --------------------------------------------------------------------------------- */

static void
test_escapes (void)
{
  static const gchar * const texts[] = {
    "", "plain", "a$b|c&d", "&#36; literally", "&amp;&#124;", "$$||&&", "ünïcödé $ €",
  };
  g_autofree gchar *escaped = burrow_nmdc_escape ("a$b|c&d");
  g_autofree gchar *unknown = burrow_nmdc_unescape ("&lt;&#36;&#37;&amp");

  g_assert_cmpstr (escaped, ==, "a&#36;b&#124;c&amp;d");
  g_assert_cmpstr (unknown, ==, "&lt;$&#37;&amp");
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree gchar *e = burrow_nmdc_escape (texts[i]);
      g_autofree gchar *back = burrow_nmdc_unescape (e);

      g_assert_null (strchr (e, '$'));
      g_assert_null (strchr (e, '|'));
      g_assert_cmpstr (back, ==, texts[i]);
    }
}

static void
test_nick_valid (void)
{
  g_autofree gchar *long_nick = g_strnfill (BURROW_NMDC_MAX_NICK_BYTES + 1, 'n');

  g_assert_true (burrow_nmdc_nick_is_valid ("alice"));
  g_assert_true (burrow_nmdc_nick_is_valid ("[RU]Вася"));
  g_assert_false (burrow_nmdc_nick_is_valid (""));
  g_assert_false (burrow_nmdc_nick_is_valid (NULL));
  g_assert_false (burrow_nmdc_nick_is_valid ("a b"));
  g_assert_false (burrow_nmdc_nick_is_valid ("a$b"));
  g_assert_false (burrow_nmdc_nick_is_valid ("a|b"));
  g_assert_false (burrow_nmdc_nick_is_valid ("<ab"));
  g_assert_false (burrow_nmdc_nick_is_valid ("ab>"));
  g_assert_false (burrow_nmdc_nick_is_valid ("a\tb"));
  g_assert_false (burrow_nmdc_nick_is_valid (long_nick));
  long_nick[BURROW_NMDC_MAX_NICK_BYTES] = '\0';
  g_assert_true (burrow_nmdc_nick_is_valid (long_nick));
}

/* ---- charsets ----------------------------------------------------------------------------- */

static void
test_charset_names (void)
{
  static const struct { const gchar *name; const gchar *canonical; } names[] = {
    { NULL, "CP1252" }, { "cp1252", "CP1252" }, { "windows-1251", "CP1251" },
    { "CP1251", "CP1251" },
    { "utf8", "UTF-8" }, { "utf-8", "UTF-8" }, { "koi8-r", "KOI8-R" },
  };
  g_autoptr(GError) error = NULL;
  BurrowNmdcCharset *charset;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(BurrowNmdcCharset) c = burrow_nmdc_charset_new (names[i].name, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (burrow_nmdc_charset_get_name (c), ==, names[i].canonical);
    }
  charset = burrow_nmdc_charset_new ("no-such-charset-x", &error);
  g_assert_null (charset);
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION);
}

static void
test_charset_cp1252 (void)
{
  g_autoptr(BurrowNmdcCharset) cp1252 = burrow_nmdc_charset_new ("CP1252", NULL);
  g_autofree gchar *text = NULL;
  g_autofree gchar *bytes = NULL;
  g_autofree gchar *question = NULL;
  g_autofree gchar *literal = NULL;
  gsize len;

  /* "Café €5" plus the byte 0x81, which CP1252 does not define */
  text = burrow_nmdc_charset_decode (cp1252, "Caf\xe9 \x80" "5\x81!", -1);
  g_assert_cmpstr (text, ==, "Café €5\\x81!");
  bytes = burrow_nmdc_charset_encode (cp1252, text, &len);
  g_assert_cmpmem (bytes, len, "Caf\xe9 \x80" "5\x81!", 9);

  /* a character CP1252 cannot hold */
  question = burrow_nmdc_charset_encode (cp1252, "a Ж b", &len);
  g_assert_cmpmem (question, len, "a ? b", 5);

  /* "\x41" is below 0x80: it stays text */
  literal = burrow_nmdc_charset_encode (cp1252, "\\x41\\x9d", &len);
  g_assert_cmpmem (literal, len, "\\x41\x9d", 5);
}

static void
test_charset_cp1251 (void)
{
  g_autoptr(BurrowNmdcCharset) cp1251 = burrow_nmdc_charset_new ("windows-1251", NULL);
  const gchar nick_bytes[] = "\xc2\xe0\xf1\xff_\xcf\xf3\xef\xea\xe8\xed"; /* Вася_Пупкин */
  g_autofree gchar *nick = burrow_nmdc_charset_decode (cp1251, nick_bytes, -1);
  g_autofree gchar *back = NULL;
  g_autofree gchar *line = NULL;
  gsize len;

  g_assert_cmpstr (nick, ==, "Вася_Пупкин");
  back = burrow_nmdc_charset_encode (cp1251, nick, &len);
  g_assert_cmpmem (back, len, nick_bytes, sizeof nick_bytes - 1);

  /* 0x98 is the one byte CP1251 leaves undefined */
  line = burrow_nmdc_charset_decode (cp1251, "<\xc2> \x98", 5);
  g_assert_cmpstr (line, ==, "<В> \\x98");
}

static void
test_charset_utf8 (void)
{
  g_autoptr(BurrowNmdcCharset) utf8 = burrow_nmdc_charset_new ("UTF-8", NULL);
  const gchar input[] = "ok \xc3\xa9 bad \xc3 \xff\xfe" " end \xe2\x82";
  g_autofree gchar *text = burrow_nmdc_charset_decode (utf8, input, sizeof input - 1);
  g_autofree gchar *bytes = NULL;
  g_autofree gchar *nul = NULL;
  gsize len;

  g_assert_cmpstr (text, ==, "ok é bad \\xC3 \\xFF\\xFE end \\xE2\\x82");
  g_assert_true (g_utf8_validate (text, -1, NULL));
  bytes = burrow_nmdc_charset_encode (utf8, text, &len);
  g_assert_cmpmem (bytes, len, input, sizeof input - 1);

  /* a NUL byte is kept as text too */
  nul = burrow_nmdc_charset_decode (utf8, "a\0b", 3);
  g_assert_cmpstr (nul, ==, "a\\x00b");
}

/* ---- $MyINFO ------------------------------------------------------------------------------ */

static void
parse_info (const gchar    *line,
            BurrowNmdcInfo *info)
{
  g_autoptr(GError) error = NULL;
  const gchar *args;

  g_assert_cmpint (burrow_nmdc_split_command (line, &args), ==, BURROW_NMDC_CMD_MY_INFO);
  g_assert_true (burrow_nmdc_parse_myinfo (args, info, &error));
  g_assert_no_error (error);
}

static void
test_myinfo_eiskalt (void)
{
  BurrowNmdcInfo info;

  parse_info ("$MyINFO $ALL alice lab <EiskaltDC++ V:2.4.2,M:P,H:1/0/0,S:3>$ $20\x31$$46$", &info);
  g_assert_cmpstr (info.nick, ==, "alice");
  g_assert_cmpstr (info.description, ==, "lab");
  g_assert_true (info.has_tag);
  g_assert_cmpstr (info.client, ==, "EiskaltDC++");
  g_assert_cmpstr (info.version, ==, "2.4.2");
  g_assert_cmpint (info.mode, ==, 'P');
  g_assert_cmpuint (info.hubs_normal, ==, 1);
  g_assert_cmpuint (info.hubs_registered, ==, 0);
  g_assert_cmpuint (info.hubs_operator, ==, 0);
  g_assert_cmpuint (info.slots, ==, 3);
  g_assert_cmpuint (info.upload_limit, ==, 0);
  g_assert_cmpstr (info.connection, ==, "20");
  g_assert_true (info.has_status);
  g_assert_cmpuint (info.status, ==, 0x31);
  g_assert_cmpstr (info.email, ==, "");
  g_assert_true (info.share_valid);
  g_assert_cmpuint (info.share, ==, 46);
  burrow_nmdc_info_clear (&info);

  /* DC++-style, with O: and an escaped description */
  parse_info ("$MyINFO $ALL bob a&#36;b<++ V:0.868,M:A,H:3/2/1,S:5,O:100>$ $LAN(T3)\x01$b@x.org$"
              "1073741824$", &info);
  g_assert_cmpstr (info.description, ==, "a$b");
  g_assert_cmpstr (info.client, ==, "++");
  g_assert_cmpint (info.mode, ==, 'A');
  g_assert_cmpuint (info.hubs_normal, ==, 3);
  g_assert_cmpuint (info.hubs_registered, ==, 2);
  g_assert_cmpuint (info.hubs_operator, ==, 1);
  g_assert_cmpuint (info.upload_limit, ==, 100);
  g_assert_cmpstr (info.connection, ==, "LAN(T3)");
  g_assert_cmpuint (info.status, ==, 1);
  g_assert_cmpstr (info.email, ==, "b@x.org");
  g_assert_cmpuint (info.share, ==, 1073741824);
  burrow_nmdc_info_clear (&info);
}

static void
test_myinfo_ncdc (void)
{
  BurrowNmdcInfo info;

  parse_info ("$MyINFO $ALL ncdcuser <ncdc V:1.23.1,M:P,H:1/0/0,S:10>$ $0.005\x11$$0$", &info);
  g_assert_cmpstr (info.nick, ==, "ncdcuser");
  g_assert_cmpstr (info.description, ==, "");
  g_assert_cmpstr (info.client, ==, "ncdc");
  g_assert_cmpstr (info.version, ==, "1.23.1");
  g_assert_cmpuint (info.slots, ==, 10);
  g_assert_cmpstr (info.connection, ==, "0.005");
  g_assert_cmpuint (info.status, ==, BURROW_NMDC_STATUS_NORMAL | BURROW_NMDC_STATUS_TLS);
  g_assert_true (info.share_valid);
  g_assert_cmpuint (info.share, ==, 0);
  burrow_nmdc_info_clear (&info);

  /* a tag without M: (lab capture) */
  parse_info ("$MyINFO $ALL henry lab<BurrowLab V:0.1,H:1/0/0,S:2>$ $1001$$1234$", &info);
  g_assert_cmpint (info.mode, ==, 0);
  g_assert_cmpstr (info.client, ==, "BurrowLab");
  g_assert_cmpuint (info.status, ==, '1');
  burrow_nmdc_info_clear (&info);
}

static void
test_myinfo_ptokax (void)
{
  BurrowNmdcInfo info;

  /* the short form: no tag, the mode letter in the one-byte field, status with 0x40 */
  parse_info ("$MyINFO $ALL carol some text$A$100\x41$c@d$999$", &info);
  g_assert_cmpstr (info.description, ==, "some text");
  g_assert_false (info.has_tag);
  g_assert_null (info.client);
  g_assert_cmpint (info.mode, ==, 'A');
  g_assert_cmpstr (info.connection, ==, "100");
  g_assert_cmpuint (info.status, ==, 0x41);
  g_assert_cmpuint (info.share, ==, 999);
  burrow_nmdc_info_clear (&info);

  parse_info ("$MyINFO $ALL dave $P$100\x01$$0$", &info);
  g_assert_cmpint (info.mode, ==, 'P');
  burrow_nmdc_info_clear (&info);

  /* a status byte with 0x80 from a CP1252 hub: decoded, or kept as "\xNN" */
  parse_info ("$MyINFO $ALL erin $A$100\xc2\x81$$0$", &info);   /* U+0081 */
  g_assert_cmpuint (info.status, ==, 0x81);
  burrow_nmdc_info_clear (&info);
  parse_info ("$MyINFO $ALL erin $A$100\\x81$$0$", &info);
  g_assert_cmpuint (info.status, ==, 0x81);
  g_assert_cmpstr (info.connection, ==, "100");
  burrow_nmdc_info_clear (&info);
}

static void
test_myinfo_bot (void)
{
  BurrowNmdcInfo info;

  /* PtokaX's own bot: empty connection (no status byte) and no share */
  parse_info ("$MyINFO $ALL PtokaX $ $$$$", &info);
  g_assert_cmpstr (info.nick, ==, "PtokaX");
  g_assert_cmpstr (info.description, ==, "");
  g_assert_cmpint (info.mode, ==, 0);
  g_assert_false (info.has_status);
  g_assert_cmpuint (info.status, ==, BURROW_NMDC_STATUS_NORMAL);
  g_assert_cmpstr (info.connection, ==, "");
  g_assert_false (info.share_valid);
  burrow_nmdc_info_clear (&info);

  parse_info ("$MyINFO $ALL OpChat Hub bot$ $$$BOT$", &info);
  g_assert_false (info.share_valid);
  g_assert_cmpuint (info.share, ==, 0);
  burrow_nmdc_info_clear (&info);

  /* no trailing '$' after the share */
  parse_info ("$MyINFO $ALL x d$ $1\x01$$12", &info);
  g_assert_true (info.share_valid);
  g_assert_cmpuint (info.share, ==, 12);
  burrow_nmdc_info_clear (&info);
}

static void
test_myinfo_garbage (void)
{
  static const gchar * const bad[] = {
    "", "$ALL", "$ALL alice", "$ALL alice desc", "$ALL alice desc$ $", "$ALL alice d$ $c$e",
    "ALL alice d$ $c$e$0$", "$ALL  d$ $c\x01$e$0$", "$ALL a|b d$ $c\x01$e$0$", "$Hello",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      BurrowNmdcInfo info;

      g_assert_false (burrow_nmdc_parse_myinfo (bad[i], &info, &error));
      g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
      burrow_nmdc_info_clear (&info);
    }
  {
    g_autoptr(GError) error = NULL;
    BurrowNmdcInfo info;

    g_assert_false (burrow_nmdc_parse_myinfo ("$ALL a \xff$ $1\x01$$0$", &info, &error));
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_INVALID_UTF8);
  }
}

static BurrowNmdcInfo
our_info (const gchar *description)
{
  BurrowNmdcInfo info = { 0, };

  info.nick = g_strdup ("Вася");
  info.description = g_strdup (description);
  info.client = g_strdup ("Burrow");
  info.version = g_strdup ("0.1");
  info.mode = 'P';
  info.hubs_normal = 1;
  info.slots = 3;
  info.upload_limit = 50;
  info.connection = g_strdup ("100");
  info.status = BURROW_NMDC_STATUS_NORMAL | BURROW_NMDC_STATUS_TLS | BURROW_NMDC_STATUS_NAT;
  info.has_status = TRUE;
  info.email = g_strdup ("");
  info.share = 123456789;
  info.share_valid = TRUE;
  return info;
}

static void
test_format_myinfo (void)
{
  g_autoptr(BurrowNmdcCharset) cp1251 = burrow_nmdc_charset_new ("CP1251", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_desc = g_string_new (NULL);
  BurrowNmdcInfo info = our_info ("short $ desc");
  BurrowNmdcInfo back;
  g_autofree gchar *line = NULL;
  g_autofree gchar *text = NULL;
  gsize len;

  static const gchar expected[] =
    "$MyINFO $ALL \xc2\xe0\xf1\xff short &#36; desc <Burrow V:0.1,M:P,H:1/0/0,S:3,O:50>$ $100\x31"
    "$$123456789$";

  line = burrow_nmdc_format_myinfo (&info, cp1251, BURROW_NMDC_MAX_MYINFO_BYTES, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (line, len, expected, sizeof expected - 1);
  text = burrow_nmdc_charset_decode (cp1251, line, (gssize) len);
  parse_info (text, &back);
  g_assert_cmpstr (back.nick, ==, "Вася");
  g_assert_cmpstr (back.description, ==, "short $ desc");
  g_assert_cmpuint (back.status, ==, 0x31);
  g_assert_cmpuint (back.share, ==, 123456789);
  g_assert_cmpuint (back.upload_limit, ==, 50);
  burrow_nmdc_info_clear (&back);
  burrow_nmdc_info_clear (&info);
  g_clear_pointer (&line, g_free);
  g_clear_pointer (&text, g_free);

  /* a long Cyrillic description with escapes is shortened at a character boundary */
  for (guint i = 0; i < 100; i++)
    g_string_append (long_desc, "Привет$|&");
  info = our_info (long_desc->str);
  line = burrow_nmdc_format_myinfo (&info, cp1251, BURROW_NMDC_MAX_MYINFO_BYTES, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, <=, BURROW_NMDC_MAX_MYINFO_BYTES);
  g_assert_cmpuint (len, >, BURROW_NMDC_MAX_MYINFO_BYTES - 12);
  g_assert_cmpuint (strlen (line), ==, len);
  text = burrow_nmdc_charset_decode (cp1251, line, (gssize) len);
  parse_info (text, &back);
  g_assert_true (back.has_tag);
  g_assert_cmpstr (back.client, ==, "Burrow");
  g_assert_cmpuint (back.upload_limit, ==, 50);
  g_assert_true (g_str_has_prefix (long_desc->str, back.description));
  g_assert_cmpuint (strlen (back.description), >, 50);
  burrow_nmdc_info_clear (&back);
  g_clear_pointer (&line, g_free);

  /* an empty description; and a limit nothing fits in */
  g_clear_pointer (&info.description, g_free);
  info.description = g_strdup ("");
  line = burrow_nmdc_format_myinfo (&info, cp1251, BURROW_NMDC_MAX_MYINFO_BYTES, &len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (line, " <Burrow V:"));
  g_clear_pointer (&line, g_free);
  line = burrow_nmdc_format_myinfo (&info, cp1251, 40, &len, &error);
  g_assert_null (line);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG);
  burrow_nmdc_info_clear (&info);
}

/* ---- $Search ------------------------------------------------------------------------------ */

static BurrowSearchQuery *
parse_search (const gchar  *args,
              gchar       **nick)
{
  g_autoptr(GError) error = NULL;
  BurrowSearchQuery *query = NULL;

  g_assert_true (burrow_nmdc_parse_search (args, &query, nick, &error));
  g_assert_no_error (error);
  return query;
}

static void
test_search_captured (void)
{
  g_autoptr(BurrowSearchQuery) active = NULL;
  g_autoptr(BurrowSearchQuery) passive = NULL;
  g_autofree gchar *nick = NULL;
  g_autofree gchar *none = NULL;
  g_autofree gchar *again = NULL;

  active = parse_search ("127.0.0.1:5999 F?T?0?1?hello", &none);
  g_assert_null (none);
  g_assert_cmpstr (active->udp_host, ==, "127.0.0.1");
  g_assert_cmpuint (active->udp_port, ==, 5999);
  g_assert_cmpuint (active->include->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (active->include, 0), ==, "hello");
  g_assert_cmpuint (active->min_size, ==, 0);
  g_assert_cmpuint (active->max_size, ==, G_MAXUINT64);
  g_assert_cmpuint (active->groups, ==, 0);
  again = burrow_nmdc_format_search (active, "127.0.0.1", 5999, NULL);
  g_assert_cmpstr (again, ==, "127.0.0.1:5999 F?T?0?1?hello");
  g_clear_pointer (&again, g_free);

  passive = parse_search ("Hub:frank F?T?0?1?Hello$World&#36;", &nick);
  g_assert_cmpstr (nick, ==, "frank");
  g_assert_null (passive->udp_host);
  g_assert_cmpuint (passive->include->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (passive->include, 0), ==, "hello");
  g_assert_cmpstr (g_ptr_array_index (passive->include, 1), ==, "world$");
  again = burrow_nmdc_format_search (passive, NULL, 0, "frank");
  g_assert_cmpstr (again, ==, "Hub:frank F?T?0?1?hello$world&#36;");
}

static void
test_search_kinds (void)
{
  static const gchar * const round_trips[] = {
    "1.2.3.4:412 T?T?1000?1?small",               /* at most 1000 bytes */
    "1.2.3.4:412 T?F?1000?1?big",                 /* at least 1000 bytes */
    "1.2.3.4:412 F?T?0?2?song$live",              /* audio */
    "1.2.3.4:412 F?T?0?7?movie",                  /* video */
    "1.2.3.4:412 F?T?0?8?folder",                 /* directories */
    "Hub:me F?T?0?9?TTH:" TTH_B32,
    "[2001:db8::1]:412 F?T?0?3?zip",
  };
  g_autoptr(BurrowSearchQuery) q = NULL;
  g_autofree gchar *nick = NULL;
  guint8 tth[24];

  for (gsize i = 0; i < G_N_ELEMENTS (round_trips); i++)
    {
      g_autofree gchar *n = NULL;
      g_autoptr(BurrowSearchQuery) query = parse_search (round_trips[i], &n);
      g_autofree gchar *again =
        burrow_nmdc_format_search (query, query->udp_host, query->udp_port, n);

      g_assert_cmpstr (again, ==, round_trips[i]);
    }

  q = parse_search ("1.2.3.4:412 T?T?1000?1?small", &nick);
  g_assert_cmpuint (q->max_size, ==, 1000);
  g_assert_cmpuint (q->min_size, ==, 0);
  g_clear_pointer (&q, burrow_search_query_free);
  q = parse_search ("1.2.3.4:412 T?F?1000?1?big", &nick);
  g_assert_cmpuint (q->min_size, ==, 1000);
  g_assert_cmpuint (q->max_size, ==, G_MAXUINT64);
  g_clear_pointer (&q, burrow_search_query_free);
  q = parse_search ("1.2.3.4:412 F?T?0?2?song", &nick);
  g_assert_cmpuint (q->groups, ==, BURROW_SEARCH_GROUP_AUDIO);
  g_clear_pointer (&q, burrow_search_query_free);
  q = parse_search ("1.2.3.4:412 F?T?0?8?folder", &nick);
  g_assert_cmpint (q->type, ==, BURROW_SEARCH_TYPE_DIRECTORY);
  g_clear_pointer (&q, burrow_search_query_free);
  q = parse_search ("Hub:me F?T?0?9?TTH:" TTH_B32, &nick);
  g_assert_true (q->has_tth);
  g_assert_true (burrow_base32_decode (TTH_B32, -1, tth, sizeof tth, NULL));
  g_assert_cmpmem (q->tth, 24, tth, 24);
  g_clear_pointer (&nick, g_free);
  g_clear_pointer (&q, burrow_search_query_free);

  /* both bounds: NMDC has one, the maximum wins; no terms: nothing to send */
  q = burrow_search_query_new ();
  burrow_search_query_add_include (q, "Two Words");
  q->min_size = 10;
  q->max_size = 20;
  nick = burrow_nmdc_format_search (q, NULL, 0, "me");
  g_assert_cmpstr (nick, ==, "Hub:me T?T?20?1?two$words");
  g_clear_pointer (&nick, g_free);
  g_clear_pointer (&q, burrow_search_query_free);
  q = burrow_search_query_new ();
  g_assert_null (burrow_nmdc_format_search (q, NULL, 0, "me"));
}

static void
test_search_errors (void)
{
  static const struct { const gchar *args; gint code; } bad[] = {
    { "", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "Hub:me", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "Hub: F?T?0?1?x", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "Hub:me F?T?0", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "1.2.3.4 F?T?0?1?x", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "1.2.3.4:0 F?T?0?1?x", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "host.example:412 F?T?0?1?x", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "Hub:me X?T?0?1?x", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "Hub:me T?T?abc?1?x", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "Hub:me F?T?0?z?x", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "Hub:me F?T?0?9?TTH:short", BURROW_PROTOCOL_ERROR_BAD_PARAM },
  };
  g_autoptr(GString) many = g_string_new ("Hub:me F?T?0?1?");
  g_autoptr(BurrowSearchQuery) q = NULL;
  g_autofree gchar *nick = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      BurrowSearchQuery *query = NULL;
      gchar *n = NULL;

      g_assert_false (burrow_nmdc_parse_search (bad[i].args, &query, &n, &error));
      g_assert_error (error, BURROW_PROTOCOL_ERROR, bad[i].code);
      g_assert_null (query);
      g_assert_null (n);
    }

  /* only the first BURROW_NMDC_MAX_SEARCH_TERMS words are looked at */
  for (guint i = 0; i < 100; i++)
    g_string_append_printf (many, "w%u$", i);
  q = parse_search (many->str, &nick);
  g_assert_cmpuint (q->include->len, ==, BURROW_NMDC_MAX_SEARCH_TERMS);
}

/* ---- $SR ---------------------------------------------------------------------------------- */

static void
test_sr (void)
{
  static const gchar captured[] =
    "bob bshare\\bob.txt\x05" "44 3/3\x05TTH:" TTH_B32 " (127.0.0.1:4111)";
  g_autoptr(GError) error = NULL;
  BurrowNmdcSearchResult result;
  g_autofree gchar *again = NULL;
  guint8 tth[24];

  g_assert_true (burrow_nmdc_parse_sr (captured, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result.nick, ==, "bob");
  g_assert_cmpstr (result.reply->path, ==, "/bshare/bob.txt");
  g_assert_cmpuint (result.reply->size, ==, 44);
  g_assert_cmpuint (result.reply->free_slots, ==, 3);
  g_assert_cmpuint (result.slots, ==, 3);
  g_assert_true (result.reply->has_tth);
  g_assert_true (burrow_base32_decode (TTH_B32, -1, tth, sizeof tth, NULL));
  g_assert_cmpmem (result.reply->tth, 24, tth, 24);
  g_assert_null (result.hub_name);
  g_assert_cmpstr (result.hub_address, ==, "127.0.0.1:4111");
  g_assert_null (result.target);
  again = burrow_nmdc_format_sr (&result);
  g_assert_cmpstr (again, ==, captured);
  burrow_nmdc_search_result_clear (&result);
  g_clear_pointer (&again, g_free);

  /* a directory (one \x05 fewer, spaces in its name), old-style hub name */
  g_assert_true (burrow_nmdc_parse_sr ("carol Music\\Some Album 0/2\x05My Hub (10.0.0.1:411)",
                                       &result, &error));
  g_assert_cmpstr (result.reply->path, ==, "/Music/Some Album/");
  g_assert_false (result.reply->has_tth);
  g_assert_cmpuint (result.reply->free_slots, ==, 0);
  g_assert_cmpuint (result.slots, ==, 2);
  g_assert_cmpstr (result.hub_name, ==, "My Hub");
  g_assert_cmpstr (result.hub_address, ==, "10.0.0.1:411");
  again = burrow_nmdc_format_sr (&result);
  g_assert_cmpstr (again, ==, "carol Music\\Some Album 0/2\x05My Hub (10.0.0.1:411)");
  burrow_nmdc_search_result_clear (&result);
  g_clear_pointer (&again, g_free);

  /* ncdc 1.23.1 starts its paths with a separator (captured UDP answer): not doubled */
  g_assert_true (burrow_nmdc_parse_sr ("ncuser \\ncshare\\probencfile.txt\x05" "3000 10/10\x05TTH:"
                                       TTH_B32 " (127.0.0.1:40183)", &result, &error));
  g_assert_cmpstr (result.reply->path, ==, "/ncshare/probencfile.txt");
  again = burrow_nmdc_format_sr (&result);
  g_assert_cmpstr (again, ==, "ncuser ncshare\\probencfile.txt\x05" "3000 10/10\x05TTH:" TTH_B32
                   " (127.0.0.1:40183)");
  burrow_nmdc_search_result_clear (&result);
  g_clear_pointer (&again, g_free);
  g_assert_true (burrow_nmdc_parse_sr ("ncuser \\ncshare\\sub\\ 0/10\x05Hub (127.0.0.1:411)",
                                       &result, &error));
  g_assert_cmpstr (result.reply->path, ==, "/ncshare/sub/");
  burrow_nmdc_search_result_clear (&result);

  /* a passive answer through the hub: the target after the last \x05 */
  g_assert_true (burrow_nmdc_parse_sr ("bob a b.mkv\x05" "7 1/3\x05TTH:" TTH_B32
                                       " (127.0.0.1:4111)\x05" "alice", &result, &error));
  g_assert_cmpstr (result.reply->path, ==, "/a b.mkv");
  g_assert_cmpstr (result.target, ==, "alice");
  again = burrow_nmdc_format_sr (&result);
  g_assert_cmpstr (again, ==, "bob a b.mkv\x05" "7 1/3\x05TTH:" TTH_B32
                   " (127.0.0.1:4111)\x05" "alice");
  burrow_nmdc_search_result_clear (&result);

  {
    static const gchar * const bad[] = {
      "", "bob", "bob file", "bob file\x05" "12 3/3", "bob file\x05x 3/3\x05h (a)",
      "bob file\x05" "1 3\x05h (a)", "bob file\x05" "1 3/3\x05TTH:SHORT (a)",
      "bob dir\\\x05" "1 3/3\x05h (a)", "bob a\x05" "1\x05" "2 3/3\x05h (a)",
      "bob file\x05" "1 3/3\x05h (a)\x05not a nick",
      "bob \\\x05" "1 3/3\x05h (a)", "bob \\ 3/3\x05h (a)",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) e = NULL;

        g_assert_false (burrow_nmdc_parse_sr (bad[i], &result, &e));
        g_assert_error (e, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
        g_assert_null (result.reply);
        g_assert_null (result.nick);
      }
  }
}

/* ---- $ConnectToMe / $RevConnectToMe ------------------------------------------------------- */

static void
test_connect_to_me (void)
{
  static const struct
  {
    const gchar *args;
    const gchar *target;
    const gchar *host;
    guint16      port;
    gboolean     tls;
    gchar        nat;
    const gchar *sender;
  } good[] = {
    { "bob 127.0.0.1:4111", "bob", "127.0.0.1", 4111, FALSE, 0, NULL },
    { "bob 10.1.2.3:3001S", "bob", "10.1.2.3", 3001, TRUE, 0, NULL },
    { "carol 127.0.0.1:37073N bob", "carol", "127.0.0.1", 37073, FALSE, 'N', "bob" },
    { "dave 127.0.0.1:37073NS bob", "dave", "127.0.0.1", 37073, TRUE, 'N', "bob" },
    { "bob 127.0.0.1:43456R", "bob", "127.0.0.1", 43456, FALSE, 'R', NULL },
    { "bob 127.0.0.1:39822RS", "bob", "127.0.0.1", 39822, TRUE, 'R', NULL },
    { "bob [2001:db8::5]:412", "bob", "2001:db8::5", 412, FALSE, 0, NULL },
  };
  static const struct { const gchar *args; gint code; } bad[] = {
    { "bob", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "bob ", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "bob 127.0.0.1:4111N", BURROW_PROTOCOL_ERROR_MALFORMED },   /* N without its sender */
    { "b|ob 127.0.0.1:4111", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "bob 127.0.0.1:0", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob 127.0.0.1:65536", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob 127.0.0.1:", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob 127.0.0.1:x12", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob 127.0.0.1:4111X", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob 127.0.0.1:4111SN", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob 127.0.0.1", BURROW_PROTOCOL_ERROR_BAD_PARAM },
    { "bob example.org:4111", BURROW_PROTOCOL_ERROR_BAD_PARAM },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *again = NULL;
      BurrowNmdcConnectToMe ctm;

      g_assert_true (burrow_nmdc_parse_connect_to_me (good[i].args, &ctm, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (ctm.target, ==, good[i].target);
      g_assert_cmpstr (ctm.host, ==, good[i].host);
      g_assert_cmpuint (ctm.port, ==, good[i].port);
      g_assert_cmpint (ctm.tls, ==, good[i].tls);
      g_assert_cmpint (ctm.nat, ==, good[i].nat);
      g_assert_cmpstr (ctm.sender, ==, good[i].sender);
      again = burrow_nmdc_format_connect_to_me (&ctm);
      g_assert_cmpstr (again, ==, good[i].args);
      burrow_nmdc_connect_to_me_clear (&ctm);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      BurrowNmdcConnectToMe ctm;

      g_assert_false (burrow_nmdc_parse_connect_to_me (bad[i].args, &ctm, &error));
      g_assert_error (error, BURROW_PROTOCOL_ERROR, bad[i].code);
      g_assert_null (ctm.target);
    }
}

static void
test_rev_connect_to_me (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *sender = NULL;
  g_autofree gchar *target = NULL;

  g_assert_true (burrow_nmdc_parse_rev_connect_to_me ("carol bob", &sender, &target, &error));
  g_assert_cmpstr (sender, ==, "carol");
  g_assert_cmpstr (target, ==, "bob");
  g_assert_false (burrow_nmdc_parse_rev_connect_to_me ("carol", &sender, &target, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (burrow_nmdc_parse_rev_connect_to_me ("carol bob x", &sender, &target, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
}

/* ---- chat and PMs ------------------------------------------------------------------------- */

static void
test_chat (void)
{
  g_autoptr(GError) error = NULL;
  gchar *nick = NULL;
  gchar *text = NULL;
  gboolean me = TRUE;
  g_autofree gchar *line = NULL;

  g_assert_true (burrow_nmdc_parse_chat ("<ncdcuser> hello from ncdc", &nick, &text, &me, &error));
  g_assert_cmpstr (nick, ==, "ncdcuser");
  g_assert_cmpstr (text, ==, "hello from ncdc");
  g_assert_false (me);
  g_clear_pointer (&nick, g_free);
  g_clear_pointer (&text, g_free);

  g_assert_true (burrow_nmdc_parse_chat ("<bob> /me waves &#36;5 &amp; a &#124;", &nick, &text, &me,
                                         &error));
  g_assert_cmpstr (text, ==, "waves $5 & a |");
  g_assert_true (me);
  g_clear_pointer (&nick, g_free);
  g_clear_pointer (&text, g_free);

  /* hub bots use spaces in their chat names */
  g_assert_true (burrow_nmdc_parse_chat ("<-= Hub Bot =-> multi\nline", &nick, &text, NULL,
                                         &error));
  g_assert_cmpstr (nick, ==, "-= Hub Bot =-");
  g_assert_cmpstr (text, ==, "multi\nline");
  g_clear_pointer (&nick, g_free);
  g_clear_pointer (&text, g_free);

  line = burrow_nmdc_format_chat ("alice", "waves $5", TRUE);
  g_assert_cmpstr (line, ==, "<alice> /me waves &#36;5");
  g_clear_pointer (&line, g_free);
  line = burrow_nmdc_format_chat ("alice", "a|b", FALSE);
  g_assert_cmpstr (line, ==, "<alice> a&#124;b");

  g_assert_false (burrow_nmdc_parse_chat ("<bob>no space", &nick, &text, &me, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (burrow_nmdc_parse_chat ("<bob hi", &nick, &text, &me, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (burrow_nmdc_parse_chat ("<> hi", &nick, &text, &me, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
}

static void
test_private (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  gchar *target = NULL;
  gchar *from = NULL;
  gchar *text = NULL;
  gboolean me = FALSE;
  const gchar *args;

  line = burrow_nmdc_format_private ("bob", "alice", "hi $ there", TRUE);
  g_assert_cmpstr (line, ==, "$To: bob From: alice $<alice> /me hi &#36; there");
  g_assert_cmpint (burrow_nmdc_split_command (line, &args), ==, BURROW_NMDC_CMD_TO);
  g_assert_true (burrow_nmdc_parse_private (args, &target, &from, &text, &me, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (target, ==, "bob");
  g_assert_cmpstr (from, ==, "alice");
  g_assert_cmpstr (text, ==, "hi $ there");
  g_assert_true (me);
  g_clear_pointer (&target, g_free);
  g_clear_pointer (&from, g_free);
  g_clear_pointer (&text, g_free);

  /* an op chat relays with another display name */
  g_assert_true (burrow_nmdc_parse_private ("bob From: OpChat $<alice> x> y", &target, &from, &text,
                                            &me, &error));
  g_assert_cmpstr (from, ==, "OpChat");
  g_assert_cmpstr (text, ==, "x> y");
  g_assert_false (me);
  g_clear_pointer (&target, g_free);
  g_clear_pointer (&from, g_free);
  g_clear_pointer (&text, g_free);

  g_assert_false (burrow_nmdc_parse_private ("bob alice $<alice> x", &target, &from, &text, &me,
                                             &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (burrow_nmdc_parse_private ("bob From: alice x", &target, &from, &text, &me,
                                             &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
}

/* ---- lists -------------------------------------------------------------------------------- */

static void
test_lists (void)
{
  g_autoptr(GPtrArray) nicks = burrow_nmdc_split_nick_list ("alice$$bob$$$$bad nick$$carol$$", 100);
  g_autoptr(GPtrArray) capped = burrow_nmdc_split_nick_list ("a$$b$$c$$d$$", 2);
  g_autoptr(GPtrArray) ops = burrow_nmdc_split_nick_list ("pyhub$$", 100);
  g_autoptr(GPtrArray) ips =
    burrow_nmdc_split_user_ip ("alice 127.0.0.1$$bob 10.0.0.2$$x y$$", 100);
  g_autoptr(GPtrArray) ptokax = burrow_nmdc_split_user_ip ("carol 192.168.1.5", 100);
  g_autoptr(GPtrArray) empty = burrow_nmdc_split_nick_list ("", 100);

  g_assert_cmpuint (nicks->len, ==, 3);
  g_assert_cmpstr (nicks->pdata[0], ==, "alice");
  g_assert_cmpstr (nicks->pdata[1], ==, "bob");
  g_assert_cmpstr (nicks->pdata[2], ==, "carol");
  g_assert_cmpuint (capped->len, ==, 2);
  g_assert_cmpuint (ops->len, ==, 1);
  g_assert_cmpuint (empty->len, ==, 0);

  g_assert_cmpuint (ips->len, ==, 4);
  g_assert_cmpstr (ips->pdata[0], ==, "alice");
  g_assert_cmpstr (ips->pdata[1], ==, "127.0.0.1");
  g_assert_cmpstr (ips->pdata[2], ==, "bob");
  g_assert_cmpstr (ips->pdata[3], ==, "10.0.0.2");
  g_assert_cmpuint (ptokax->len, ==, 2);
  g_assert_cmpstr (ptokax->pdata[0], ==, "carol");
  g_assert_cmpstr (ptokax->pdata[1], ==, "192.168.1.5");
}

static void
test_hub_info (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *description = NULL;
  g_autofree gchar *software = NULL;

  g_assert_true (burrow_nmdc_parse_hub_info ("My Hub$hub.example.org:411$A &#36;hub$5000$0$1$10$"
                                             "PtokaX 0.5.2.2$owner@example.org$$$",
                                             &name, &description, &software, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "My Hub");
  g_assert_cmpstr (description, ==, "A $hub");
  g_assert_cmpstr (software, ==, "PtokaX 0.5.2.2");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&description, g_free);
  g_clear_pointer (&software, g_free);

  g_assert_true (burrow_nmdc_parse_hub_info ("Short$addr", &name, &description, &software, &error));
  g_assert_cmpstr (name, ==, "Short");
  g_assert_null (description);
  g_assert_null (software);

  g_assert_false (burrow_nmdc_parse_hub_info ("", NULL, NULL, NULL, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED);
}

/* ---- users -------------------------------------------------------------------------------- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GHashTable *seen = user_data;

  g_hash_table_add (seen, g_strdup (pspec->name));
}

static void
test_user_nmdc_info (void)
{
  g_autoptr(BurrowUser) user = burrow_user_new_nmdc (7, "nmdc:hub/alice", "alice");
  g_autoptr(BurrowUser) adc = burrow_user_new (1);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  BurrowNmdcInfo info;

  g_assert_true (burrow_user_is_nmdc (user));
  g_assert_false (burrow_user_is_nmdc (adc));
  g_assert_cmpuint (burrow_user_get_nmdc_status (adc), ==, 0);
  g_assert_cmpstr (burrow_user_get_id (user), ==, "nmdc:hub/alice");
  g_assert_null (burrow_user_get_cid (user));
  g_assert_cmpstr (burrow_user_get_nick (user), ==, "alice");
  g_assert_cmpint (burrow_user_get_mode (user), ==, BURROW_USER_MODE_PASSIVE);

  g_signal_connect (user, "notify", G_CALLBACK (count_notify), seen);

  /* passive eiskalt with TLS and NAT traversal */
  parse_info ("$MyINFO $ALL alice lab <EiskaltDC++ V:2.4.2,M:P,H:1/0/0,S:3>$ $20\x31$$46$", &info);
  g_assert_true (burrow_user_apply_nmdc_info (user, &info, TRUE));
  burrow_nmdc_info_clear (&info);
  g_assert_false (burrow_user_is_active (user));
  g_assert_true (burrow_user_supports_nat_traversal (user));
  g_assert_true (burrow_user_supports_tls (user));
  g_assert_cmpint (burrow_user_get_mode (user), ==, BURROW_USER_MODE_NAT_TRAVERSAL);
  g_assert_cmpuint (burrow_user_get_share_size (user), ==, 46);
  g_assert_cmpuint (burrow_user_get_slots (user), ==, 3);
  g_assert_cmpuint (burrow_user_get_hubs_normal (user), ==, 1);
  g_assert_cmpstr (burrow_user_get_client (user), ==, "EiskaltDC++ 2.4.2");
  g_assert_cmpstr (burrow_user_get_description (user), ==, "lab");
  g_assert_cmpuint (burrow_user_get_nmdc_status (user), ==, 0x31);
  g_assert_cmpuint (burrow_user_get_away (user), ==, 0);
  g_assert_false (burrow_user_has_feature (user, "TCP4"));
  g_assert_true (g_hash_table_contains (seen, "mode"));
  g_assert_true (g_hash_table_contains (seen, "share-size"));
  g_assert_true (g_hash_table_contains (seen, "client"));
  g_hash_table_remove_all (seen);

  /* the same line again: nothing changes */
  parse_info ("$MyINFO $ALL alice lab <EiskaltDC++ V:2.4.2,M:P,H:1/0/0,S:3>$ $20\x31$$46$", &info);
  g_assert_false (burrow_user_apply_nmdc_info (user, &info, TRUE));
  burrow_nmdc_info_clear (&info);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 0);

  /* active and away; 0x20 does not count for an active user */
  parse_info ("$MyINFO $ALL alice lab <EiskaltDC++ V:2.4.2,M:A,H:1/0/0,S:3>$ $20\x23$$46$", &info);
  g_assert_true (burrow_user_apply_nmdc_info (user, &info, TRUE));
  burrow_nmdc_info_clear (&info);
  g_assert_true (burrow_user_is_active (user));
  g_assert_false (burrow_user_supports_nat_traversal (user));
  g_assert_false (burrow_user_supports_tls (user));
  g_assert_cmpint (burrow_user_get_mode (user), ==, BURROW_USER_MODE_ACTIVE);
  g_assert_cmpuint (burrow_user_get_away (user), ==, 1);
  g_assert_true (g_hash_table_contains (seen, "mode"));
  g_assert_true (g_hash_table_contains (seen, "away"));
  g_hash_table_remove_all (seen);

  /* PtokaX's short form: the mode from the one-byte field, no tag, a bot's share */
  parse_info ("$MyINFO $ALL alice $P$$$BOT$", &info);
  g_assert_true (burrow_user_apply_nmdc_info (user, &info, FALSE));
  burrow_nmdc_info_clear (&info);
  g_assert_cmpint (burrow_user_get_mode (user), ==, BURROW_USER_MODE_PASSIVE);
  g_assert_null (burrow_user_get_client (user));
  g_assert_null (burrow_user_get_description (user));
  g_assert_cmpuint (burrow_user_get_share_size (user), ==, 0);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 0);
}

static void
test_user_nmdc_lists (void)
{
  g_autoptr(BurrowUser) user = burrow_user_new_nmdc (3, "id-3", "bob");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *long_ip = g_strnfill (BURROW_USER_MAX_ADDRESS_BYTES + 1, '1');

  g_signal_connect (user, "notify", G_CALLBACK (count_notify), seen);
  burrow_user_set_operator (user, TRUE);
  g_assert_true (burrow_user_is_operator (user));
  g_assert_true (g_hash_table_contains (seen, "is-operator"));
  burrow_user_set_bot (user, TRUE);
  g_assert_true (burrow_user_is_bot (user));
  g_assert_true (burrow_user_is_operator (user));
  burrow_user_set_operator (user, FALSE);
  g_assert_false (burrow_user_is_operator (user));
  g_assert_true (burrow_user_is_bot (user));

  burrow_user_set_ip4 (user, "10.0.0.9");
  g_assert_cmpstr (burrow_user_get_ip4 (user), ==, "10.0.0.9");
  g_assert_true (g_hash_table_contains (seen, "ip4"));
  burrow_user_set_ip4 (user, long_ip);
  g_assert_cmpstr (burrow_user_get_ip4 (user), ==, "10.0.0.9");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/nmdc/split-command", test_split_command);
  g_test_add_func ("/burrow/protocol/nmdc/key-captured", test_key_captured);
  g_test_add_func ("/burrow/protocol/nmdc/key-substitutions", test_key_substitutions);
  g_test_add_func ("/burrow/protocol/nmdc/lock-forms", test_lock_forms);
  g_test_add_func ("/burrow/protocol/nmdc/escapes", test_escapes);
  g_test_add_func ("/burrow/protocol/nmdc/nick-valid", test_nick_valid);
  g_test_add_func ("/burrow/protocol/nmdc/charset-names", test_charset_names);
  g_test_add_func ("/burrow/protocol/nmdc/charset-cp1252", test_charset_cp1252);
  g_test_add_func ("/burrow/protocol/nmdc/charset-cp1251", test_charset_cp1251);
  g_test_add_func ("/burrow/protocol/nmdc/charset-utf8", test_charset_utf8);
  g_test_add_func ("/burrow/protocol/nmdc/myinfo-eiskalt", test_myinfo_eiskalt);
  g_test_add_func ("/burrow/protocol/nmdc/myinfo-ncdc", test_myinfo_ncdc);
  g_test_add_func ("/burrow/protocol/nmdc/myinfo-ptokax", test_myinfo_ptokax);
  g_test_add_func ("/burrow/protocol/nmdc/myinfo-bot", test_myinfo_bot);
  g_test_add_func ("/burrow/protocol/nmdc/myinfo-garbage", test_myinfo_garbage);
  g_test_add_func ("/burrow/protocol/nmdc/format-myinfo", test_format_myinfo);
  g_test_add_func ("/burrow/protocol/nmdc/search-captured", test_search_captured);
  g_test_add_func ("/burrow/protocol/nmdc/search-kinds", test_search_kinds);
  g_test_add_func ("/burrow/protocol/nmdc/search-errors", test_search_errors);
  g_test_add_func ("/burrow/protocol/nmdc/sr", test_sr);
  g_test_add_func ("/burrow/protocol/nmdc/connect-to-me", test_connect_to_me);
  g_test_add_func ("/burrow/protocol/nmdc/rev-connect-to-me", test_rev_connect_to_me);
  g_test_add_func ("/burrow/protocol/nmdc/chat", test_chat);
  g_test_add_func ("/burrow/protocol/nmdc/private", test_private);
  g_test_add_func ("/burrow/protocol/nmdc/lists", test_lists);
  g_test_add_func ("/burrow/protocol/nmdc/hub-info", test_hub_info);
  g_test_add_func ("/burrow/hub/user/nmdc-info", test_user_nmdc_info);
  g_test_add_func ("/burrow/hub/user/nmdc-lists", test_user_nmdc_lists);

  return g_test_run ();
}
