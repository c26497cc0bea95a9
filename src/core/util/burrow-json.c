/* burrow-json.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-json"

#include "config.h"

#include "burrow-json.h"

/**
 * burrow_json_append_string:
 * @value: (nullable): UTF-8 text; %NULL is written as `null`
 *
 * Appends @value as a JSON string literal.
 */
void
burrow_json_append_string (GString     *out,
                           const gchar *value)
{
  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');
  for (const gchar *p = value; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (gchar) c);
        }
    }
  g_string_append_c (out, '"');
}

/* Appends `"name":"value"` (no separator). */
void
burrow_json_append_member (GString     *out,
                           const gchar *name,
                           const gchar *value)
{
  burrow_json_append_string (out, name);
  g_string_append_c (out, ':');
  burrow_json_append_string (out, value);
}
