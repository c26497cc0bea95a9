/* fuzz-adc-message.c — libFuzzer target for the ADC line codec
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-adc-message"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_same (const BurrowAdcMessage *a,
            const BurrowAdcMessage *b)
{
  guint n = burrow_adc_message_get_n_params (a);

  check (burrow_adc_message_get_type_char (a) == burrow_adc_message_get_type_char (b), "type");
  check (burrow_adc_message_get_command (a) == burrow_adc_message_get_command (b), "command");
  check (burrow_adc_message_get_sid (a) == burrow_adc_message_get_sid (b), "sid");
  check (burrow_adc_message_get_target (a) == burrow_adc_message_get_target (b), "target");
  check (g_strcmp0 (burrow_adc_message_get_cid (a), burrow_adc_message_get_cid (b)) == 0, "cid");
  check (g_strcmp0 (burrow_adc_message_get_features (a),
                    burrow_adc_message_get_features (b)) == 0, "features");
  check (n == burrow_adc_message_get_n_params (b), "n_params");
  for (guint i = 0; i < n; i++)
    check (strcmp (burrow_adc_message_get_param (a, i), burrow_adc_message_get_param (b, i)) == 0,
           "param");
  check (burrow_adc_message_get_param (a, n) == NULL, "param past the end");
}

static void
exercise_accessors (const BurrowAdcMessage *msg)
{
  static const gchar * const names[] = { "NI", "AD", "SS", "TO", "RD", "I4" };
  g_auto(GStrv) features = burrow_adc_message_dup_features (msg);
  gint64 v;

  check (burrow_adc_message_get_n_positional (msg) <= burrow_adc_message_get_n_params (msg),
         "positional count");
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const gchar *value = burrow_adc_message_get_named (msg, names[i]);
      g_autoptr(GPtrArray) all = burrow_adc_message_dup_all_named (msg, names[i]);

      check ((value == NULL) == (all->len == 0), "get_named vs dup_all_named");
      check (value == NULL || strcmp (value, all->pdata[0]) == 0, "first named value");
      check (burrow_adc_message_has_named (msg, names[i]) == (value != NULL), "has_named");
      (void) burrow_adc_message_get_named_int (msg, names[i], &v);
    }
  if (features != NULL)
    check (g_strv_length (features) * 5 == strlen (burrow_adc_message_get_features (msg)),
           "feature split");
}

static void
check_message_round_trip (const gchar *line,
                          gsize        len)
{
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_parse (line, len, NULL);
  g_autoptr(BurrowAdcMessage) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) appended = NULL;
  g_autofree gchar *s1 = NULL;
  g_autofree gchar *s2 = NULL;
  gsize in_len = len;

  if (msg == NULL)
    return;

  exercise_accessors (msg);

  s1 = burrow_adc_message_to_string (msg);
  again = burrow_adc_message_parse (s1, -1, &error);
  check (again != NULL, "re-parse of serialised message");
  check_same (msg, again);
  s2 = burrow_adc_message_to_string (again);
  check (strcmp (s1, s2) == 0, "second serialisation");

  appended = g_string_new (NULL);
  burrow_adc_message_append_to (msg, appended);
  check (appended->len == strlen (s1) + 1 && memcmp (appended->str, s1, strlen (s1)) == 0 &&
         appended->str[appended->len - 1] == '\n', "append_to");

  /* Accepted lines are canonical: the serialisation is the input itself
   * (without one trailing newline), except that a U-type CID is upper-cased. */
  if (in_len > 0 && line[in_len - 1] == '\n')
    in_len--;
  check (strlen (s1) == in_len, "canonical length");
  if (burrow_adc_message_get_type_char (msg) == 'U')
    check (g_ascii_strncasecmp (s1, line, 44) == 0 && memcmp (s1 + 44, line + 44, in_len - 44) == 0,
           "canonical U line");
  else
    check (memcmp (s1, line, in_len) == 0, "canonical line");
}

static void
check_escape_round_trip (const gchar *data,
                         gsize        size)
{
  g_autofree gchar *text = g_strndup (data, size); /* stops at the first NUL */
  g_autofree gchar *escaped = burrow_adc_escape (text);
  g_autofree gchar *back = NULL;
  g_autofree gchar *unescaped = NULL;
  g_autoptr(GError) error = NULL;

  back = burrow_adc_unescape (escaped, -1, &error);
  check (back != NULL && strcmp (back, text) == 0, "unescape (escape (x)) == x");
  check (strpbrk (escaped, " \n") == NULL, "escaped text has no space or newline");

  /* Conversely, escaped text without raw separators comes back unchanged. */
  unescaped = burrow_adc_unescape (text, -1, NULL);
  if (unescaped != NULL && strpbrk (text, " \n") == NULL)
    {
      g_autofree gchar *re = burrow_adc_escape (unescaped);

      check (strcmp (re, text) == 0, "escape (unescape (x)) == x");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  check_message_round_trip ((const gchar *) data, size);
  check_escape_round_trip ((const gchar *) data, size);
  return 0;
}
