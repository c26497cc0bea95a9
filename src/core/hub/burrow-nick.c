/* burrow-nick.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-nick"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"

#include "burrow-nick.h"

/* NMDC frames commands with '$' and '|' and quotes chat as "<nick> text": a nick with any of
 * these breaks the protocol. ADC escapes everything, so the NMDC rule is the stricter one. */
static const gchar nmdc_reserved[] = "$|<>";

/**
 * burrow_nick_validate:
 * @nick: (nullable): a nick the user typed
 *
 * Checks that @nick can be used on ADC and NMDC hubs alike: not empty, valid UTF-8, at most
 * %BURROW_NICK_MAX_CHARS characters, no white space or control characters, and none of the
 * characters that NMDC reserves (`$`, `|`, `<`, `>`).
 *
 * Returns: %TRUE if @nick is usable, else %FALSE with @error set to
 *   %BURROW_HUB_ERROR_NICK_INVALID and a message that says why
 */
gboolean
burrow_nick_validate (const gchar  *nick,
                      GError      **error)
{
  glong n_chars;

  if (nick == NULL || *nick == '\0')
    {
      g_set_error_literal (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID,
                           _("Choose a nick"));
      return FALSE;
    }
  if (!g_utf8_validate (nick, -1, NULL))
    {
      g_set_error_literal (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID,
                           _("The nick is not valid text"));
      return FALSE;
    }

  n_chars = g_utf8_strlen (nick, -1);
  if (n_chars > BURROW_NICK_MAX_CHARS)
    {
      g_set_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID,
                   /* Translators: %d is the largest number of characters in a nick */
                   g_dngettext (GETTEXT_PACKAGE,
                                "A nick has at most %d character",
                                "A nick has at most %d characters",
                                BURROW_NICK_MAX_CHARS),
                   BURROW_NICK_MAX_CHARS);
      return FALSE;
    }

  for (const gchar *p = nick; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          g_set_error_literal (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID,
                               _("A nick cannot contain spaces"));
          return FALSE;
        }
      if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        {
          g_set_error_literal (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID,
                               _("A nick cannot contain control characters"));
          return FALSE;
        }
      if (c < 0x80 && strchr (nmdc_reserved, (int) c) != NULL)
        {
          g_set_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID,
                       /* Translators: %c is the character, one of $ | < > */
                       _("A nick cannot contain “%c”"), (int) c);
          return FALSE;
        }
    }
  return TRUE;
}
