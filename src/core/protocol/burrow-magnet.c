/* burrow-magnet.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-magnet"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"

#include "burrow-magnet.h"

#define TTH_CHARS  39
#define TTH_BYTES  24
#define SHA1_CHARS 32
#define SHA1_BYTES 20

G_DEFINE_BOXED_TYPE (BurrowMagnet, burrow_magnet, burrow_magnet_copy, burrow_magnet_free)

typedef enum
{
  SOURCE_XT,
  SOURCE_XS,
  SOURCE_AS,
  N_SOURCES
} HashSource;

static gpointer
magnet_error (GError     **error,
              const gchar *message)
{
  g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_MAGNET, message);
  return NULL;
}

static gint
hex_value (gchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes [s, s + len), optionally turning '+' into a space. Returns
 * NULL on a broken escape, an encoded NUL, a control character or text that
 * is not UTF-8. */
static gchar *
decode_value (const gchar *s,
              gsize        len,
              gboolean     plus_is_space)
{
  g_autofree gchar *out = g_malloc (len + 1);
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      gchar c = s[i];

      if (c == '%')
        {
          gint hi, lo;

          if (i + 2 >= len)
            return NULL;
          hi = hex_value (s[i + 1]);
          lo = hex_value (s[i + 2]);
          if (hi < 0 || lo < 0)
            return NULL;
          c = (gchar) (hi << 4 | lo);
          i += 2;
        }
      else if (c == '+' && plus_is_space)
        {
          c = ' ';
        }
      if ((guchar) c < 0x20 || c == 0x7f)
        return NULL;
      out[o++] = c;
    }
  out[o] = '\0';

  if (!g_utf8_validate_len (out, o, NULL))
    return NULL;
  return g_steal_pointer (&out);
}

static gboolean
has_prefix_ascii_case (const gchar *s,
                       const gchar *prefix)
{
  return g_ascii_strncasecmp (s, prefix, strlen (prefix)) == 0;
}

/* Returns 1 and sets *tth for a valid Tiger URN, 0 for something that is not a
 * Tiger URN (ignored), -1 for a Tiger URN with a broken hash. */
static gint
tth_from_urn (const gchar *urn,
              gchar      **tth)
{
  static const gchar * const tiger_prefixes[] = {
    "urn:tree:tiger:",
    "urn:tree:tiger/:",
    "urn:tree:tiger/1024:",
  };
  const gchar *hash = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (tiger_prefixes); i++)
    if (has_prefix_ascii_case (urn, tiger_prefixes[i]))
      {
        hash = urn + strlen (tiger_prefixes[i]);
        if (strlen (hash) != TTH_CHARS)
          return -1;
        break;
      }

  if (hash == NULL && has_prefix_ascii_case (urn, "urn:bitprint:"))
    {
      const gchar *rest = urn + strlen ("urn:bitprint:");

      if (strlen (rest) != SHA1_CHARS + 1 + TTH_CHARS || rest[SHA1_CHARS] != '.' ||
          !burrow_base32_is_valid (rest, SHA1_CHARS, SHA1_BYTES))
        return -1;
      hash = rest + SHA1_CHARS + 1;
    }

  if (hash == NULL)
    return 0;
  if (!burrow_base32_is_valid (hash, TTH_CHARS, TTH_BYTES))
    return -1;

  *tth = g_ascii_strup (hash, TTH_CHARS);
  return 1;
}

/* "xt", "xt.1", "xt.2" … all name the same field. */
static gboolean
key_is (const gchar *key,
        gsize        key_len,
        const gchar *name)
{
  gsize n = strlen (name);

  if (key_len < n || g_ascii_strncasecmp (key, name, n) != 0)
    return FALSE;
  if (key_len == n)
    return TRUE;
  if (key[n] != '.' || key_len == n + 1)
    return FALSE;
  for (gsize i = n + 1; i < key_len; i++)
    if (!g_ascii_isdigit (key[i]))
      return FALSE;
  return TRUE;
}

/**
 * burrow_magnet_parse:
 * @uri: a `magnet:?` link
 * @error: return location for a #GError
 *
 * Understands `xt`, `xs` and `as` hash sources in the forms
 * `urn:tree:tiger:`, `urn:tree:tiger/:`, `urn:tree:tiger/1024:` and
 * `urn:bitprint:<sha1>.<tth>` (priority xt > xs > as; other URNs are
 * ignored), `xl` (size), `dn` (name) and `kt` (search keywords). Values are
 * percent-decoded, `dn` and `kt` with `+` as space, and must be UTF-8 without
 * control characters. The first occurrence of a field wins.
 *
 * Returns: (transfer full) (nullable): the magnet, or %NULL with @error set to
 *   %BURROW_PROTOCOL_ERROR_BAD_MAGNET
 */
BurrowMagnet *
burrow_magnet_parse (const gchar  *uri,
                     GError      **error)
{
  g_autoptr(BurrowMagnet) magnet = NULL;
  g_autofree gchar *tth_xt = NULL;
  g_autofree gchar *tth_xs = NULL;
  g_autofree gchar *tth_as = NULL;
  gchar **tth[N_SOURCES] = { &tth_xt, &tth_xs, &tth_as };
  const gchar *p, *end;
  gsize n;

  g_return_val_if_fail (uri != NULL, NULL);

  n = strlen (uri);
  if (n > BURROW_MAGNET_MAX_LENGTH)
    return magnet_error (error, _("Magnet link is too long"));

  p = uri;
  end = uri + n;
  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;

  if ((gsize) (end - p) < 8 || g_ascii_strncasecmp (p, "magnet:?", 8) != 0)
    return magnet_error (error, _("Not a magnet link"));
  p += 8;

  magnet = g_new0 (BurrowMagnet, 1);

  while (p < end)
    {
      const gchar *amp = memchr (p, '&', end - p);
      const gchar *item_end = amp != NULL ? amp : end;
      const gchar *eq = memchr (p, '=', item_end - p);
      const gchar *key = p;
      gsize key_len;
      const gchar *raw;
      gsize raw_len;
      HashSource source = N_SOURCES;

      p = item_end + (amp != NULL ? 1 : 0);
      if (eq == NULL)
        continue;

      key_len = eq - key;
      raw = eq + 1;
      raw_len = item_end - raw;

      if (key_is (key, key_len, "xt"))
        source = SOURCE_XT;
      else if (key_is (key, key_len, "xs"))
        source = SOURCE_XS;
      else if (key_is (key, key_len, "as"))
        source = SOURCE_AS;

      if (source != N_SOURCES)
        {
          g_autofree gchar *urn = decode_value (raw, raw_len, FALSE);
          g_autofree gchar *hash = NULL;
          gint found;

          if (urn == NULL)
            return magnet_error (error, _("Magnet link has a badly encoded hash"));
          found = tth_from_urn (urn, &hash);
          if (found < 0)
            return magnet_error (error, _("Magnet link has an invalid Tiger tree hash"));
          if (found > 0 && *tth[source] == NULL)
            *tth[source] = g_steal_pointer (&hash);
        }
      else if (key_is (key, key_len, "xl"))
        {
          g_autofree gchar *value = decode_value (raw, raw_len, FALSE);
          guint64 size;

          if (value == NULL ||
              !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &size, NULL))
            return magnet_error (error, _("Magnet link has an invalid size"));
          if (!magnet->has_size)
            {
              magnet->size = size;
              magnet->has_size = TRUE;
            }
        }
      else if (key_is (key, key_len, "dn") || key_is (key, key_len, "kt"))
        {
          gboolean is_name = g_ascii_tolower (key[0]) == 'd';
          gchar **target = is_name ? &magnet->name : &magnet->keywords;
          g_autofree gchar *value = decode_value (raw, raw_len, TRUE);

          if (value == NULL)
            return magnet_error (error, is_name ? _("Magnet link has an invalid name")
                                                : _("Magnet link has invalid keywords"));
          if (*target == NULL && value[0] != '\0')
            *target = g_steal_pointer (&value);
        }
      /* anything else is ignored */
    }

  for (gsize i = 0; i < N_SOURCES && magnet->tth == NULL; i++)
    magnet->tth = g_steal_pointer (tth[i]);

  if (magnet->tth == NULL && magnet->keywords == NULL)
    return magnet_error (error, _("Magnet link has neither a Tiger tree hash nor keywords"));

  return g_steal_pointer (&magnet);
}

static void
append_encoded (GString     *out,
                const gchar *s)
{
  static const gchar hex[] = "0123456789ABCDEF";

  for (; *s != '\0'; s++)
    {
      guchar c = (guchar) *s;

      if (g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~')
        {
          g_string_append_c (out, (gchar) c);
        }
      else if (c == ' ')
        {
          g_string_append_c (out, '+');
        }
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 15]);
        }
    }
}

static gchar *
build (const gchar *tth,
       gboolean     has_size,
       guint64      size,
       const gchar *name,
       const gchar *keywords)
{
  GString *out = g_string_new ("magnet:?");
  gboolean first = TRUE;

  if (tth != NULL)
    {
      g_string_append (out, "xt=urn:tree:tiger:");
      for (gsize i = 0; i < TTH_CHARS; i++)
        g_string_append_c (out, g_ascii_toupper (tth[i]));
      first = FALSE;
    }
  if (has_size)
    {
      g_string_append_printf (out, "%sxl=%" G_GUINT64_FORMAT, first ? "" : "&", size);
      first = FALSE;
    }
  if (name != NULL && name[0] != '\0')
    {
      g_string_append (out, first ? "dn=" : "&dn=");
      append_encoded (out, name);
      first = FALSE;
    }
  if (keywords != NULL && keywords[0] != '\0')
    {
      g_string_append (out, first ? "kt=" : "&kt=");
      append_encoded (out, keywords);
    }
  return g_string_free (out, FALSE);
}

/**
 * burrow_magnet_build:
 * @tth: the file's Tiger tree root (39 base32 characters)
 * @size: the file size; 0 leaves `xl` out
 * @name: (nullable): the file name
 *
 * Returns: (transfer full): `magnet:?xt=urn:tree:tiger:<TTH>&xl=<size>&dn=<name>`
 */
gchar *
burrow_magnet_build (const gchar *tth,
                     guint64      size,
                     const gchar *name)
{
  g_return_val_if_fail (tth != NULL && strlen (tth) == TTH_CHARS &&
                        burrow_base32_is_valid (tth, TTH_CHARS, TTH_BYTES), NULL);
  g_return_val_if_fail (name == NULL || g_utf8_validate (name, -1, NULL), NULL);

  return build (tth, size > 0, size, name, NULL);
}

/**
 * burrow_magnet_to_string:
 *
 * Like burrow_magnet_build(), but writes every field that is set, including
 * `xl=0` when @magnet has a size of 0 and `kt` for search magnets.
 *
 * Returns: (transfer full): the magnet link
 */
gchar *
burrow_magnet_to_string (const BurrowMagnet *magnet)
{
  g_return_val_if_fail (magnet != NULL, NULL);
  g_return_val_if_fail (magnet->tth == NULL || strlen (magnet->tth) == TTH_CHARS, NULL);

  return build (magnet->tth, magnet->has_size, magnet->size, magnet->name, magnet->keywords);
}

/**
 * burrow_magnet_copy:
 *
 * Returns: (transfer full): a deep copy of @magnet
 */
BurrowMagnet *
burrow_magnet_copy (const BurrowMagnet *magnet)
{
  BurrowMagnet *copy;

  g_return_val_if_fail (magnet != NULL, NULL);

  copy = g_new0 (BurrowMagnet, 1);
  copy->tth = g_strdup (magnet->tth);
  copy->size = magnet->size;
  copy->has_size = magnet->has_size;
  copy->name = g_strdup (magnet->name);
  copy->keywords = g_strdup (magnet->keywords);
  return copy;
}

void
burrow_magnet_free (BurrowMagnet *magnet)
{
  if (magnet == NULL)
    return;

  g_free (magnet->tth);
  g_free (magnet->name);
  g_free (magnet->keywords);
  g_free (magnet);
}
