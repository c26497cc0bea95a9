/* test-nick.c — the nick rule shared by ADC and NMDC
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-nick"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-nick.h"
#include "burrow-test-util.h"

static void
test_good (void)
{
  static const char * const good[] = {
    "badger", "Badger_2", "[DE]Dachs", "Барсук", "穴熊", "a", "x-y.z", "o'neil", "#hash&co",
  };
  g_autoptr(GString) longest = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", good[i]);
      g_assert_true (burrow_nick_validate (good[i], &error));
      g_assert_no_error (error);
    }

  /* The limit counts characters, not bytes: 64 Cyrillic letters are 128 bytes. */
  for (guint i = 0; i < BURROW_NICK_MAX_CHARS; i++)
    g_string_append (longest, "ж");
  g_assert_true (burrow_nick_validate (longest->str, NULL));
}

static void
test_bad (void)
{
  static const char * const bad[] = {
    "", "two words", " lead", "trail ", "tab\there", "new\nline", "nbsp\xc2\xa0space",
    "ideographic\xe3\x80\x80space", "dollar$", "pipe|", "<angle", "angle>", "$MyINFO",
    "bell\a", "del\x7f", "zero\xe2\x80\x8bwidth", "bad\xffutf8", "\xc3",
  };
  g_autoptr(GString) too_long = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;

      g_test_message ("bad nick %u", i);
      g_assert_false (burrow_nick_validate (bad[i], &bad_error));
      g_assert_error (bad_error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID);
      g_assert_nonnull (bad_error->message);
      g_assert_cmpstr (bad_error->message, !=, "");
    }

  g_assert_false (burrow_nick_validate (NULL, &error));
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID);
  g_clear_error (&error);

  for (guint i = 0; i <= BURROW_NICK_MAX_CHARS; i++)
    g_string_append_c (too_long, 'n');
  g_assert_false (burrow_nick_validate (too_long->str, &error));
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID);
  g_clear_error (&error);
  /* One less is fine. */
  g_string_truncate (too_long, BURROW_NICK_MAX_CHARS);
  g_assert_true (burrow_nick_validate (too_long->str, NULL));
}

/* What NMDC needs (its separators must not be in a nick) is also stricter than ADC needs:
 * every nick accepted here survives the NMDC $ValidateNick framing unchanged. */
static void
test_nmdc_framing (void)
{
  for (guint c = 1; c < 0x80; c++)
    {
      char nick[] = { 'a', (char) c, 'b', '\0' };
      gboolean ok = burrow_nick_validate (nick, NULL);

      if (c == '$' || c == '|' || c == '<' || c == '>' || c == ' ' || g_ascii_iscntrl (c) ||
          g_ascii_isspace (c))
        g_assert_false (ok);
      else
        g_assert_true (ok);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/hub/nick/good", test_good);
  g_test_add_func ("/burrow/hub/nick/bad", test_bad);
  g_test_add_func ("/burrow/hub/nick/nmdc-framing", test_nmdc_framing);

  return g_test_run ();
}
