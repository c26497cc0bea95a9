/* test-adc-message.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-adc-message"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* PROTOCOL.md §1.3 test vector: PID bytes 0..23 and its CID */
#define PID "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFY"
#define CID "W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36TA"
/* made-up but valid 24-byte base32 values */
#define CID2  "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ"
#define TTH   "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ"
#define NONCE "ZDCRQ5UF2FFE6WWKNVXXE2JNFMQKB4AALLAWVTI"

static const gchar * const valid_lines[] = {
  /* PROTOCOL.md §1.5 */
  "HSUP ADBASE ADTIGR",
  "ISUP ADBASE ADTIGR ADPING ADUCMD",
  "ISID AAAB",
  "IINF CT32 VEuhub/0.4.1-release NItesthub DEtest",
  "ISTA 000 Powered\\sby\\suhub/0.4.1-release\\son\\sLinux/AMD64",
  "BINF AAAB ID" CID " PD" PID " NIalice SL1 SS0 SF0 HN1 HR0 HO0 VEtest\\s0.1 I40.0.0.0 "
  "SUSEGA,NAT0",
  "BINF AAAC ID" CID2 " NIbob SL1 SS0 SF0 HN1 HR0 HO0 VEtest\\s0.1 SUSEGA,NAT0 I4127.0.0.1",
  "HSUP ADBAS0 ADBASE ADTIGR ADUCM0 ADBLO0 ADZLIF",
  "BINF AAAB ID" CID " PD" PID " NIalice DEmy\\sshare SL3 FS3 SS1073741824 SF42 EMa@b.c HN1 HR0 "
  "HO0 AP++ VE0.868 US131072 LCen-US KPSHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQ "
  "SUTCP4,UDP4,ADC0,SEGA I40.0.0.0 U41412",
  /* PROTOCOL.md §2.6 and §6.7 */
  "DRCM AAAC AAAB ADCS/0.10 tok42",
  "DNAT AAAB AAAC ADCS/0.10 41056 tok42",
  "DRNT AAAC AAAB ADCS/0.10 48532 tok42",
  "CSUP ADBAS0 ADBASE ADTIGR ADBZIP",
  "CINF ID" CID " TOtok42",
  "DRCM AAAB AAAC ADC/1.0 tok1",
  "DNAT AAAC AAAB ADC/1.0 59212 tok1",
  "DRNT AAAB AAAC ADC/1.0 59200 tok1",
  "ENAT AAAC AAAB ADC/1.0 59212 tok1",
  "DXYZ AAAB AAAC",
  "ISTA 110 Flood\\sdetected.",
  /* §1.9 .. §1.16 */
  "CSTA 000  RFadc://hub.example.org:1511",
  "DSTA AAAB AAAC 241 Protocol\\sunsupported PRADCS/0.10 TOtok42",
  "ISTA 223 Bad\\spassword",
  "IQUI AAAB RDadcs://other.example.org:1511 MSGoodbye\\sfor\\snow",
  "IQUI AAAC IDAAAB TL-1 MSKicked DI1",
  "IGPA " NONCE,
  "HPAS " CID2,
  "EMSG AAAB AAAC hello\\sthere PMAAAB",
  "BMSG AAAB multi\\nline\\\\text ME1 TS1700000000",
  "BMSG AAAB nicé\\s✓\\s日本語\\s😀",
  "DCTM AAAB AAAC ADC/1.0 1412 tok",
  "CGET file TTH/" TTH " 0 1048576 ZL1",
  "CSND file TTH/" TTH " 0 1048576",
  "CGET file files.xml.bz2 0 -1",
  "CGET list /dir/sub\\sdir/ 0 -1 RE1",
  "CGET tthl TTH/" TTH " 0 -1",
  "CGFI file TTH/" TTH,
  "BSCH AAAB ANubuntu ANiso NOtorrent EXiso GE1000 TOsearch1",
  "FSCH AAAB +TCP4-NAT0 ANubuntu TO1",
  "FSCH AAAB +NAT0 ANfoo TO2",
  "FSCH AAAB +SEGA+TCP4-NAT0 GR32 TO3",
  "URES " CID " FN/share/file.iso SI100 SL1 TR" TTH " TO1",
  "DRES AAAC AAAB FN/a\\sb SI0 SL0 TOx",
  "ICMD Kick\\suser TTBMSG\\s%[mySID]\\s!kick\\s%[userNI]\\n CT2",
  "IGET blom / 0 1024 BK8 BH24",
  "HSND blom / 0 1024",
  "IZON",
  "IZOF",
  "HSUP",
  "BINF AAAB AW",
  "BINF AAAB NI",
  "BMSG AAAB x ",
  "HSUP  ",
  "BINF 7777 NIzz",
};

static void
test_round_trip_corpus (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_lines); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowAdcMessage) msg = NULL;
      g_autoptr(GString) appended = g_string_new ("prefix|");
      g_autofree gchar *with_newline = g_strconcat (valid_lines[i], "\n", NULL);
      g_autofree gchar *out = NULL;
      g_autoptr(BurrowAdcMessage) again = NULL;

      msg = burrow_adc_message_parse (valid_lines[i], -1, &error);
      if (msg == NULL)
        g_error ("line %" G_GSIZE_FORMAT " «%s»: %s", i, valid_lines[i], error->message);

      out = burrow_adc_message_to_string (msg);
      g_assert_cmpstr (out, ==, valid_lines[i]);

      burrow_adc_message_append_to (msg, appended);
      g_assert_true (g_str_has_prefix (appended->str, "prefix|"));
      g_assert_cmpstr (appended->str + strlen ("prefix|"), ==, with_newline);

      /* one trailing newline is tolerated, and an explicit length is honoured */
      again = burrow_adc_message_parse (with_newline, strlen (with_newline), &error);
      g_assert_no_error (error);
      g_clear_pointer (&out, g_free);
      out = burrow_adc_message_to_string (again);
      g_assert_cmpstr (out, ==, valid_lines[i]);
    }
}

static void
test_header_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) msg = NULL;
  g_auto(GStrv) features = NULL;

  msg = burrow_adc_message_parse ("DCTM AAAB AAAC ADC/1.0 1412 tok", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_adc_message_get_type_char (msg), ==, 'D');
  g_assert_cmpuint (burrow_adc_message_get_command (msg), ==, BURROW_ADC_CMD_CTM);
  g_assert_cmpuint (burrow_adc_message_get_sid (msg), ==, 1);
  g_assert_cmpuint (burrow_adc_message_get_target (msg), ==, 2);
  g_assert_null (burrow_adc_message_get_cid (msg));
  g_assert_null (burrow_adc_message_get_features (msg));
  g_assert_null (burrow_adc_message_dup_features (msg));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_parse ("FSCH ABCD +TCP4-NAT0 ANx", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_adc_message_get_type_char (msg), ==, 'F');
  g_assert_cmpuint (burrow_adc_message_get_command (msg), ==, BURROW_ADC_CMD_SCH);
  /* A=0 B=1 C=2 D=3 */
  g_assert_cmpuint (burrow_adc_message_get_sid (msg), ==, (0u << 15) | (1u << 10) | (2u << 5) | 3u);
  g_assert_cmpstr (burrow_adc_message_get_features (msg), ==, "+TCP4-NAT0");
  features = burrow_adc_message_dup_features (msg);
  g_assert_cmpuint (g_strv_length (features), ==, 2);
  g_assert_cmpstr (features[0], ==, "+TCP4");
  g_assert_cmpstr (features[1], ==, "-NAT0");
  g_assert_cmpuint (burrow_adc_message_get_n_params (msg), ==, 1);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "ANx");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* a lower-case CID is accepted and normalised */
  msg = burrow_adc_message_parse ("URES w6aiuw3cldf6oghnve4jpddj2p74iwrcf2o36ta SI1", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_adc_message_get_type_char (msg), ==, 'U');
  g_assert_cmpstr (burrow_adc_message_get_cid (msg), ==, CID);
  g_assert_cmpuint (burrow_adc_message_get_sid (msg), ==, 0);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_parse ("ISID AAAB", -1, &error);
  g_assert_no_error (error);
  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_SID:
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpuint (burrow_adc_message_get_n_params (msg), ==, 1);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "AAAB");
  g_assert_null (burrow_adc_message_get_param (msg, 1));
  g_assert_null (burrow_adc_message_get_param (msg, G_MAXUINT));
}

static void
test_commands (void)
{
  static const struct
  {
    const gchar *line;
    guint32      command;
  } cases[] = {
    { "HSUP", BURROW_ADC_CMD_SUP }, { "ISID AAAB", BURROW_ADC_CMD_SID },
    { "BINF AAAB", BURROW_ADC_CMD_INF }, { "BMSG AAAB x", BURROW_ADC_CMD_MSG },
    { "BSCH AAAB", BURROW_ADC_CMD_SCH }, { "DRES AAAB AAAC", BURROW_ADC_CMD_RES },
    { "DCTM AAAB AAAC", BURROW_ADC_CMD_CTM }, { "DRCM AAAB AAAC", BURROW_ADC_CMD_RCM },
    { "IGPA x", BURROW_ADC_CMD_GPA }, { "HPAS x", BURROW_ADC_CMD_PAS },
    { "IQUI AAAB", BURROW_ADC_CMD_QUI }, { "CGET", BURROW_ADC_CMD_GET },
    { "CGFI", BURROW_ADC_CMD_GFI }, { "CSND", BURROW_ADC_CMD_SND },
    { "ISTA 000", BURROW_ADC_CMD_STA }, { "DNAT AAAB AAAC", BURROW_ADC_CMD_NAT },
    { "DRNT AAAB AAAC", BURROW_ADC_CMD_RNT }, { "IZON", BURROW_ADC_CMD_ZON },
    { "IZOF", BURROW_ADC_CMD_ZOF }, { "ICMD x", BURROW_ADC_CMD_CMD },
    { "HA1Z", BURROW_ADC_CMD ('A', '1', 'Z') },
  };

  /* the constants are the FOURCC bytes, independent of the macro */
  g_assert_cmpuint (BURROW_ADC_CMD_INF, ==, 0x494e46);
  g_assert_cmpuint (BURROW_ADC_CMD_SUP, ==, 0x535550);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_parse (cases[i].line, -1, &error);

      g_assert_no_error (error);
      g_assert_cmphex (burrow_adc_message_get_command (msg), ==, cases[i].command);
    }
}

static void
test_named_positional (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) msg = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gint64 v = 12345;

  /* CTM: three positional parameters, "NItok" is the token, not a nick */
  msg = burrow_adc_message_parse ("DCTM AAAB AAAC ADC/1.0 1412 NItok", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_params (msg), ==, 3);
  g_assert_cmpuint (burrow_adc_message_get_n_positional (msg), ==, 3);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "ADC/1.0");
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 1), ==, "1412");
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 2), ==, "NItok");
  g_assert_null (burrow_adc_message_get_named (msg, "NI"));
  g_assert_false (burrow_adc_message_has_named (msg, "NI"));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_parse ("DCTM AAAB AAAC ADC/1.0 1412 tok", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 1), ==, "1412");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* INF: everything is named */
  msg = burrow_adc_message_parse (valid_lines[5], -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_positional (msg), ==, 0);
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "NI"), ==, "alice");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "ID"), ==, CID);
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "VE"), ==, "test 0.1");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "SU"), ==, "SEGA,NAT0");
  g_assert_true (burrow_adc_message_get_named_int (msg, "SL", &v));
  g_assert_cmpint (v, ==, 1);
  g_assert_true (burrow_adc_message_get_named_int (msg, "SS", &v));
  g_assert_cmpint (v, ==, 0);
  g_assert_false (burrow_adc_message_get_named_int (msg, "NI", &v));
  g_assert_false (burrow_adc_message_get_named_int (msg, "DE", &v));
  g_assert_cmpint (v, ==, 0);
  g_assert_null (burrow_adc_message_get_named (msg, "DE"));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* 64-bit integers and negatives */
  msg = burrow_adc_message_parse ("BINF AAAB SS9223372036854775807 TL-1 XX1x AW", -1, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_adc_message_get_named_int (msg, "SS", &v));
  g_assert_cmpint (v, ==, G_MAXINT64);
  g_assert_true (burrow_adc_message_get_named_int (msg, "TL", &v));
  g_assert_cmpint (v, ==, -1);
  g_assert_false (burrow_adc_message_get_named_int (msg, "XX", NULL));
  /* bare name: present with an empty value */
  g_assert_true (burrow_adc_message_has_named (msg, "AW"));
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "AW"), ==, "");
  g_assert_false (burrow_adc_message_get_named_int (msg, "AW", NULL));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* STA: code and description are positional */
  msg = burrow_adc_message_parse ("DSTA AAAB AAAC 241 Protocol\\sunsupported PRADCS/0.10 TOtok42",
                                  -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "241");
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 1), ==, "Protocol unsupported");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "PR"), ==, "ADCS/0.10");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "TO"), ==, "tok42");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* empty positional description is kept */
  msg = burrow_adc_message_parse ("CSTA 000  RFadc://hub.example.org:1511", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_params (msg), ==, 3);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "000");
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 1), ==, "");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "RF"), ==, "adc://hub.example.org:1511");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* STA whose description happens to look like a named parameter */
  msg = burrow_adc_message_parse ("ISTA 000 RFnot\\sa\\sflag", -1, &error);
  g_assert_no_error (error);
  g_assert_null (burrow_adc_message_get_named (msg, "RF"));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* IQUI: the SID is positional */
  msg = burrow_adc_message_parse ("IQUI AAAB RDadcs://x.example:1511 MSbye\\sbye", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_positional (msg), ==, 1);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "AAAB");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "RD"), ==, "adcs://x.example:1511");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "MS"), ==, "bye bye");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* an IQUI without parameters has no positional parameter either */
  msg = burrow_adc_message_parse ("IQUI", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_positional (msg), ==, 0);
  g_assert_null (burrow_adc_message_get_named (msg, "RD"));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* GET: four positional */
  msg = burrow_adc_message_parse ("CGET file TTH/" TTH " 0 1048576 ZL1 DB5", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_positional (msg), ==, 4);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 3), ==, "1048576");
  g_assert_true (burrow_adc_message_get_named_int (msg, "ZL", &v));
  g_assert_cmpint (v, ==, 1);
  g_assert_true (burrow_adc_message_get_named_int (msg, "DB", &v));
  g_assert_cmpint (v, ==, 5);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* unknown command: all parameters are searched */
  msg = burrow_adc_message_parse ("DXYZ AAAB AAAC ABfoo CDbar ABbaz", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "AB"), ==, "foo");
  all = burrow_adc_message_dup_all_named (msg, "AB");
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (all->pdata[0], ==, "foo");
  g_assert_cmpstr (all->pdata[1], ==, "baz");
  g_clear_pointer (&all, g_ptr_array_unref);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* SUP: several AD */
  msg = burrow_adc_message_parse ("HSUP ADBAS0 ADBASE ADTIGR RMZLIF ADUCM0", -1, &error);
  g_assert_no_error (error);
  all = burrow_adc_message_dup_all_named (msg, "AD");
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpstr (all->pdata[0], ==, "BAS0");
  g_assert_cmpstr (all->pdata[1], ==, "BASE");
  g_assert_cmpstr (all->pdata[2], ==, "TIGR");
  g_assert_cmpstr (all->pdata[3], ==, "UCM0");
  g_clear_pointer (&all, g_ptr_array_unref);
  all = burrow_adc_message_dup_all_named (msg, "XX");
  g_assert_cmpuint (all->len, ==, 0);
}

typedef struct
{
  const gchar *line;
  gint         code;
} BadLine;

static void
test_errors (void)
{
  static const BadLine cases[] = {
    { "", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "\n", BURROW_PROTOCOL_ERROR_MALFORMED },
    { "BMSG AAAB \xff", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },
    { "BMSG AAAB \xc3\x28", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },
    { "BMSG AAAB \xed\xa0\x80", BURROW_PROTOCOL_ERROR_INVALID_UTF8 }, /* surrogate */
    { "BMSG AAAB \xc0\xaf", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },     /* overlong */
    { "BMSG AAAB a\tb", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },
    { "BMSG AAAB a\rb", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },
    { "BMSG AAAB a\nb", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },
    { "BMSG AAAB a\x7f", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },
    { "BMSG AAAB a\xc2\x85", BURROW_PROTOCOL_ERROR_INVALID_UTF8 },     /* C1 NEL */
    { "XINF AAAB", BURROW_PROTOCOL_ERROR_BAD_TYPE },
    { "binf AAAB", BURROW_PROTOCOL_ERROR_BAD_TYPE },
    { " BINF AAAB", BURROW_PROTOCOL_ERROR_BAD_TYPE },
    { "\xc3\xa9INF", BURROW_PROTOCOL_ERROR_BAD_TYPE },
    { "B", BURROW_PROTOCOL_ERROR_BAD_COMMAND },
    { "BIN", BURROW_PROTOCOL_ERROR_BAD_COMMAND },
    { "Binf AAAB", BURROW_PROTOCOL_ERROR_BAD_COMMAND },
    { "B1NF AAAB", BURROW_PROTOCOL_ERROR_BAD_COMMAND },
    { "BINFO AAAB", BURROW_PROTOCOL_ERROR_BAD_COMMAND },
    { "BIN  AAAB", BURROW_PROTOCOL_ERROR_BAD_COMMAND },
    { "BINF", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "BINF ", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "BINF  AAAB", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "BINF AAA", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "BINF AAAAB", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "BINF AAA1 NIx", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "BINF aaab NIx", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "DCTM AAAB", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "DCTM AAAB AAA ADC/1.0", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "EMSG AAAB AAA8 hi", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "FSCH AAA= +TCP4", BURROW_PROTOCOL_ERROR_BAD_SID },
    { "URES", BURROW_PROTOCOL_ERROR_BAD_CID },
    { "URES AAAB SI1", BURROW_PROTOCOL_ERROR_BAD_CID },
    { "URES W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36T SI1", BURROW_PROTOCOL_ERROR_BAD_CID },
    { "URES W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36TAA SI1", BURROW_PROTOCOL_ERROR_BAD_CID },
    { "URES W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36T1 SI1", BURROW_PROTOCOL_ERROR_BAD_CID },
    /* non-zero padding bits in the last character */
    { "URES W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36TB SI1", BURROW_PROTOCOL_ERROR_BAD_CID },
    { "FSCH AAAB", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "FSCH AAAB TCP4 ANx", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "FSCH AAAB +TCP ANx", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "FSCH AAAB +tcp4 ANx", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "FSCH AAAB +TCP4+ ANx", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "FSCH AAAB +TCP4,-NAT0", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "FSCH AAAB  +TCP4", BURROW_PROTOCOL_ERROR_BAD_FEATURES },
    { "BMSG AAAB a\\tb", BURROW_PROTOCOL_ERROR_BAD_ESCAPE },
    { "BMSG AAAB a\\", BURROW_PROTOCOL_ERROR_BAD_ESCAPE },
    { "BMSG AAAB a\\ b", BURROW_PROTOCOL_ERROR_BAD_ESCAPE },
    { "BMSG AAAB a\\S", BURROW_PROTOCOL_ERROR_BAD_ESCAPE },
    { "BMSG AAAB a\\\\\\", BURROW_PROTOCOL_ERROR_BAD_ESCAPE },
    { "ISTA 000 \\x41", BURROW_PROTOCOL_ERROR_BAD_ESCAPE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_parse (cases[i].line, -1, &error);

      if (msg != NULL || error == NULL || error->code != cases[i].code)
        g_test_message ("case %" G_GSIZE_FORMAT ": «%s» gave %s", i, cases[i].line,
                        error != NULL ? error->message : "success");
      g_assert_null (msg);
      g_assert_error (error, BURROW_PROTOCOL_ERROR, cases[i].code);
    }
}

static void
test_embedded_nul (void)
{
  static const gchar line[] = "BMSG AAAB a\0b";
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) msg = NULL;

  msg = burrow_adc_message_parse (line, sizeof line - 1, &error);
  g_assert_null (msg);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_INVALID_UTF8);
  g_clear_error (&error);

  /* only one trailing newline is stripped */
  msg = burrow_adc_message_parse ("BMSG AAAB x\n\n", -1, &error);
  g_assert_null (msg);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_INVALID_UTF8);
  g_clear_error (&error);

  /* a length shorter than the string cuts it */
  msg = burrow_adc_message_parse ("BMSG AAAB hello world", 15, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "hello");
}

static gchar *
line_of_length (const gchar *header,
                gsize        total)
{
  GString *s = g_string_new (header);

  while (s->len < total)
    g_string_append_c (s, 'x');
  return g_string_free (s, FALSE);
}

static void
test_max_length (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *max = line_of_length ("BMSG AAAB ", BURROW_ADC_MAX_LINE_LENGTH);
  g_autofree gchar *over = line_of_length ("BMSG AAAB ", BURROW_ADC_MAX_LINE_LENGTH + 1);
  g_autofree gchar *max_nl = g_strconcat (max, "\n", NULL);
  g_autoptr(BurrowAdcMessage) msg = NULL;

  msg = burrow_adc_message_parse (max, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (burrow_adc_message_get_param (msg, 0)), ==,
                    BURROW_ADC_MAX_LINE_LENGTH - strlen ("BMSG AAAB "));
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* the newline does not count */
  msg = burrow_adc_message_parse (max_nl, -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_parse (over, -1, &error);
  g_assert_null (msg);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG);
}

static gchar *
line_with_params (guint n)
{
  GString *s = g_string_new ("BINF AAAB");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, " X%u", i % 10);
  return g_string_free (s, FALSE);
}

static void
test_max_params (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *max = line_with_params (BURROW_ADC_MAX_PARAMS);
  g_autofree gchar *over = line_with_params (BURROW_ADC_MAX_PARAMS + 1);
  g_autofree gchar *empties = NULL;
  g_autoptr(BurrowAdcMessage) msg = NULL;

  msg = burrow_adc_message_parse (max, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_adc_message_get_n_params (msg), ==, BURROW_ADC_MAX_PARAMS);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, BURROW_ADC_MAX_PARAMS - 1), ==, "X5");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_parse (over, -1, &error);
  g_assert_null (msg);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_MANY_PARAMS);
  g_clear_error (&error);

  /* empty parameters count too: "HSUP" + 257 spaces */
  empties = line_of_length ("HSUP", 4);
  {
    GString *s = g_string_new (empties);

    for (guint i = 0; i < BURROW_ADC_MAX_PARAMS + 1; i++)
      g_string_append_c (s, ' ');
    msg = burrow_adc_message_parse (s->str, s->len, &error);
    g_assert_null (msg);
    g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_MANY_PARAMS);
    g_clear_error (&error);

    g_string_truncate (s, s->len - 1);
    msg = burrow_adc_message_parse (s->str, s->len, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (burrow_adc_message_get_n_params (msg), ==, BURROW_ADC_MAX_PARAMS);
    g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "");
    g_string_free (s, TRUE);
  }
}

static void
test_escape (void)
{
  static const struct
  {
    const gchar *plain;
    const gchar *escaped;
  } vectors[] = {
    { "", "" },
    { "plain", "plain" },
    { "a b", "a\\sb" },
    { "a\nb", "a\\nb" },
    { "a\\b", "a\\\\b" },
    { "\\s", "\\\\s" },
    { " \n\\", "\\s\\n\\\\" },
    { "  ", "\\s\\s" },
    { "é ✓", "é\\s✓" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *bad = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree gchar *esc = burrow_adc_escape (vectors[i].plain);
      g_autofree gchar *plain = burrow_adc_unescape (vectors[i].escaped, -1, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (esc, ==, vectors[i].escaped);
      g_assert_cmpstr (plain, ==, vectors[i].plain);
    }

  bad = burrow_adc_unescape ("a\\xb", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_ESCAPE);
  g_clear_error (&error);

  bad = burrow_adc_unescape ("a\\", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_ESCAPE);
  g_clear_error (&error);

  /* the length limits what is looked at: "a\\" of "a\\s" is a dangling escape */
  bad = burrow_adc_unescape ("a\\s", 2, &error);
  g_assert_null (bad);
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_ESCAPE);
}

static gchar *
random_utf8 (guint max_chars)
{
  static const gchar * const pool[] = {
    " ", "\n", "\\", "s", "n", "a", "Z", "0", "/", "%", "+", "=", "&", "é", "ß", "✓",
    "日本", "😀", "\\s", "\\n", "\\\\", "\xe2\x80\x8b", "\xef\xbb\xbf",
  };
  GString *s = g_string_new (NULL);
  guint n = g_test_rand_int_range (0, max_chars + 1);

  for (guint i = 0; i < n; i++)
    g_string_append (s, pool[g_test_rand_int_range (0, G_N_ELEMENTS (pool))]);
  return g_string_free (s, FALSE);
}

static void
test_escape_random (void)
{
  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *plain = random_utf8 (40);
      g_autofree gchar *esc = burrow_adc_escape (plain);
      g_autofree gchar *back = burrow_adc_unescape (esc, -1, &error);
      g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_MSG, 7);
      g_autoptr(BurrowAdcMessage) parsed = NULL;
      g_autofree gchar *line = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (back, ==, plain);
      g_assert_null (strchr (esc, ' '));
      g_assert_null (strchr (esc, '\n'));
      g_assert_true (g_utf8_validate (esc, -1, NULL));

      /* and through a whole message, with the value in two places */
      burrow_adc_message_add_param (msg, plain);
      burrow_adc_message_add_named (msg, "PM", plain);
      line = burrow_adc_message_to_string (msg);
      parsed = burrow_adc_message_parse (line, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (burrow_adc_message_get_n_params (parsed), ==, 2);
      g_assert_cmpstr (burrow_adc_message_get_param (parsed, 0), ==, plain);
      g_assert_cmpstr (burrow_adc_message_get_named (parsed, "PM"), ==, plain);
    }
}

static void
test_build (void)
{
  g_autoptr(BurrowAdcMessage) msg = NULL;
  g_autoptr(BurrowAdcMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autofree gchar *s = NULL;
  guint32 sid;

  msg = burrow_adc_message_new ('H', BURROW_ADC_CMD_SUP);
  burrow_adc_message_add_named (msg, "AD", "BASE");
  burrow_adc_message_add_named (msg, "AD", "TIGR");
  s = burrow_adc_message_to_string (msg);
  g_assert_cmpstr (s, ==, "HSUP ADBASE ADTIGR");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  g_assert_true (burrow_adc_sid_parse ("AAAC", -1, &sid));
  msg = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_INF, sid);
  burrow_adc_message_add_named (msg, "ID", CID);
  burrow_adc_message_add_named (msg, "NI", "alice smith");
  burrow_adc_message_add_named_int (msg, "SS", G_GINT64_CONSTANT (1099511627776));
  burrow_adc_message_add_named_int (msg, "TL", -1);
  burrow_adc_message_add_named (msg, "AW", NULL);
  burrow_adc_message_add_named (msg, "DE", "");
  burrow_adc_message_add_named (msg, "VE", "x\\y\nz");
  s = burrow_adc_message_to_string (msg);
  g_assert_cmpstr (s, ==, "BINF AAAC ID" CID " NIalice\\ssmith SS1099511627776 TL-1 AW DE "
                   "VEx\\\\y\\nz");
  g_clear_pointer (&s, g_free);

  /* append_to adds a newline and keeps what is already there */
  g_string_append (buffer, "HSUP\n");
  burrow_adc_message_append_to (msg, buffer);
  g_assert_cmpstr (buffer->str, ==, "HSUP\nBINF AAAC ID" CID " NIalice\\ssmith SS1099511627776 "
                   "TL-1 AW DE VEx\\\\y\\nz\n");
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_new_direct ('E', BURROW_ADC_CMD_MSG, 1, BURROW_ADC_SID_MAX);
  burrow_adc_message_add_param (msg, "hi there");
  burrow_adc_message_add_named (msg, "PM", "AAAB");
  s = burrow_adc_message_to_string (msg);
  g_assert_cmpstr (s, ==, "EMSG AAAB 7777 hi\\sthere PMAAAB");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_new ('F', BURROW_ADC_CMD_SCH);
  burrow_adc_message_set_sid (msg, 2);
  burrow_adc_message_set_features (msg, "+TCP4-NAT0");
  burrow_adc_message_add_named (msg, "AN", "foo");
  s = burrow_adc_message_to_string (msg);
  g_assert_cmpstr (s, ==, "FSCH AAAC +TCP4-NAT0 ANfoo");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_new ('U', BURROW_ADC_CMD_RES);
  burrow_adc_message_set_cid (msg, "w6aiuw3cldf6oghnve4jpddj2p74iwrcf2o36ta");
  burrow_adc_message_add_named (msg, "SI", "1");
  s = burrow_adc_message_to_string (msg);
  g_assert_cmpstr (s, ==, "URES " CID " SI1");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  msg = burrow_adc_message_new_direct ('D', BURROW_ADC_CMD_CTM, 1, 2);
  burrow_adc_message_set_sid (msg, 3);
  burrow_adc_message_set_target (msg, 4);
  burrow_adc_message_add_param (msg, "ADC/1.0");
  s = burrow_adc_message_to_string (msg);
  g_assert_cmpstr (s, ==, "DCTM AAAD AAAE ADC/1.0");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&msg, burrow_adc_message_unref);

  /* adding to a parsed message (inline storage moves to the heap) */
  parsed = burrow_adc_message_parse ("BINF AAAB NIx DEy", -1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 100; i++)
    burrow_adc_message_add_named_int (parsed, "XX", i);
  g_assert_cmpuint (burrow_adc_message_get_n_params (parsed), ==, 102);
  g_assert_cmpstr (burrow_adc_message_get_named (parsed, "NI"), ==, "x");
  g_assert_cmpstr (burrow_adc_message_get_param (parsed, 101), ==, "XX99");
  s = burrow_adc_message_to_string (parsed);
  g_assert_true (g_str_has_prefix (s, "BINF AAAB NIx DEy XX0 XX1 "));
  g_assert_true (g_str_has_suffix (s, " XX98 XX99"));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&parsed, burrow_adc_message_unref);

  /* a message without parameters grows from nothing */
  parsed = burrow_adc_message_parse ("HSUP", -1, &error);
  g_assert_no_error (error);
  burrow_adc_message_add_param (parsed, "");
  burrow_adc_message_add_param (parsed, "z");
  s = burrow_adc_message_to_string (parsed);
  g_assert_cmpstr (s, ==, "HSUP  z");
}

static void
test_sid (void)
{
  static const struct
  {
    const gchar *text;
    guint32      sid;
  } vectors[] = {
    { "AAAA", 0 }, { "AAAB", 1 }, { "AAAC", 2 }, { "AAA7", 31 }, { "AABA", 32 },
    { "BAAA", 1u << 15 }, { "7777", 0xfffff }, { "ABCD", 0x443 },
  };
  static const gchar * const bad[] = { "", "AAA", "AAAAA", "aaab", "AAA1", "AAA8", "AA=A", "AA A" };
  guint32 sid = 99;

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      gchar out[5];

      g_assert_true (burrow_adc_sid_parse (vectors[i].text, -1, &sid));
      g_assert_cmphex (sid, ==, vectors[i].sid);
      burrow_adc_sid_to_string (vectors[i].sid, out);
      g_assert_cmpstr (out, ==, vectors[i].text);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (burrow_adc_sid_parse (bad[i], -1, NULL));

  /* explicit length */
  g_assert_true (burrow_adc_sid_parse ("AAABxyz", 4, &sid));
  g_assert_cmpuint (sid, ==, 1);

  for (guint32 v = 0; v <= BURROW_ADC_SID_MAX; v += 997)
    {
      gchar out[5];

      burrow_adc_sid_to_string (v, out);
      g_assert_true (burrow_adc_sid_parse (out, -1, &sid));
      g_assert_cmpuint (sid, ==, v);
    }
}

static void
test_refcount_boxed (void)
{
  g_autoptr(GError) error = NULL;
  BurrowAdcMessage *msg = burrow_adc_message_parse ("ISID AAAB", -1, &error);
  BurrowAdcMessage *copy;

  g_assert_no_error (error);
  g_assert_true (G_TYPE_IS_BOXED (BURROW_TYPE_ADC_MESSAGE));
  copy = g_boxed_copy (BURROW_TYPE_ADC_MESSAGE, msg);
  g_assert_true (copy == msg);
  g_assert_true (burrow_adc_message_ref (msg) == msg);
  burrow_adc_message_unref (msg);
  g_boxed_free (BURROW_TYPE_ADC_MESSAGE, copy);
  g_assert_cmpstr (burrow_adc_message_get_param (msg, 0), ==, "AAAB");
  burrow_adc_message_unref (msg);
}

static void
test_throughput (void)
{
  const guint n_lines = 100000;
  g_autofree gchar *line = NULL;
  g_autoptr(GString) out = g_string_sized_new (n_lines * 220);
  gint64 start, parse_us, total_us;
  gsize len;

  line = g_strdup ("BINF AAAB ID" CID " NIsome\\suser\\s[1234] DEmy\\sshare SL3 FS3 SS1073741824 "
                   "SF4242 HN1 HR0 HO0 AP++ VE0.868 US131072 EMuser@example.org "
                   "SUTCP4,UDP4,ADC0,SEGA I4192.0.2.44 U41412");
  len = strlen (line);
  g_test_message ("line is %" G_GSIZE_FORMAT " bytes", len);
  g_assert_cmpuint (len, >=, 200);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_lines; i++)
    {
      BurrowAdcMessage *msg = burrow_adc_message_parse (line, len, NULL);

      g_assert_nonnull (msg);
      burrow_adc_message_unref (msg);
    }
  parse_us = MAX (g_get_monotonic_time () - start, 1);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_lines; i++)
    {
      BurrowAdcMessage *msg = burrow_adc_message_parse (line, len, NULL);

      g_assert_cmpstr (burrow_adc_message_get_named (msg, "NI"), ==, "some user [1234]");
      burrow_adc_message_append_to (msg, out);
      burrow_adc_message_unref (msg);
    }
  total_us = MAX (g_get_monotonic_time () - start, 1);
  g_assert_cmpuint (out->len, ==, (len + 1) * n_lines);

  g_test_message ("parse: %u lines in %.1f ms = %.0f lines/s (%.0f MB/s)", n_lines,
                  parse_us / 1000.0, n_lines * 1e6 / parse_us, n_lines * (gdouble) len / parse_us);
  g_test_message ("parse + get_named + append_to: %u lines in %.1f ms = %.0f lines/s", n_lines,
                  total_us / 1000.0, n_lines * 1e6 / total_us);
  if (g_test_perf ())
    g_test_minimized_result (parse_us / 1e6, "parse %u BINF lines", n_lines);
  /* No time bound here: a unit test is no benchmark (it failed under ASan on a loaded
   * machine). The hub join of 100,000 users is measured by tests/bench/hub-join. */
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/adc-message/round-trip-corpus", test_round_trip_corpus);
  g_test_add_func ("/burrow/protocol/adc-message/header-fields", test_header_fields);
  g_test_add_func ("/burrow/protocol/adc-message/commands", test_commands);
  g_test_add_func ("/burrow/protocol/adc-message/named-positional", test_named_positional);
  g_test_add_func ("/burrow/protocol/adc-message/errors", test_errors);
  g_test_add_func ("/burrow/protocol/adc-message/embedded-nul", test_embedded_nul);
  g_test_add_func ("/burrow/protocol/adc-message/max-length", test_max_length);
  g_test_add_func ("/burrow/protocol/adc-message/max-params", test_max_params);
  g_test_add_func ("/burrow/protocol/adc-message/build", test_build);
  g_test_add_func ("/burrow/protocol/adc-message/refcount-boxed", test_refcount_boxed);
  g_test_add_func ("/burrow/protocol/adc-message/throughput", test_throughput);
  g_test_add_func ("/burrow/protocol/adc-escape/vectors", test_escape);
  g_test_add_func ("/burrow/protocol/adc-escape/random-round-trip", test_escape_random);
  g_test_add_func ("/burrow/protocol/adc-sid/parse-format", test_sid);

  return g_test_run ();
}
