/* burrow-hub-uri.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hub-uri"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"

#include "burrow-hub-uri.h"

#define KEYPRINT_PREFIX     "SHA256/"
#define KEYPRINT_PREFIX_LEN 7
#define KEYPRINT_BYTES      32
#define KEYPRINT_CHARS      52 /* BURROW_BASE32_LEN (32) */
#define MAX_HOST_LENGTH     253
#define MAX_LABEL_LENGTH    63

G_DEFINE_BOXED_TYPE (BurrowHubUri, burrow_hub_uri, burrow_hub_uri_copy, burrow_hub_uri_free)

static const struct
{
  const gchar       *name;
  BurrowHubProtocol  protocol;
} schemes[] = {
  { "adc", BURROW_HUB_PROTOCOL_ADC },
  { "adcs", BURROW_HUB_PROTOCOL_ADCS },
  { "dchub", BURROW_HUB_PROTOCOL_NMDC },
  { "nmdc", BURROW_HUB_PROTOCOL_NMDC },
  { "nmdcs", BURROW_HUB_PROTOCOL_NMDCS },
};

static const gchar *
canonical_scheme (BurrowHubProtocol protocol)
{
  switch (protocol)
    {
    case BURROW_HUB_PROTOCOL_ADC:
      return "adc";
    case BURROW_HUB_PROTOCOL_ADCS:
      return "adcs";
    case BURROW_HUB_PROTOCOL_NMDC:
      return "dchub";
    case BURROW_HUB_PROTOCOL_NMDCS:
      return "nmdcs";
    default:
      g_return_val_if_reached ("adc");
    }
}

static gpointer
uri_error (GError     **error,
           gint         code,
           const gchar *message)
{
  g_set_error_literal (error, BURROW_PROTOCOL_ERROR, code, message);
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

/* Percent-decodes [s, s + len); NULL on a broken escape or an encoded NUL. */
static gchar *
percent_decode (const gchar *s,
                gsize        len)
{
  g_autofree gchar *out = g_malloc (len + 1);
  gsize o = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%')
        {
          gint hi, lo;

          if (i + 2 >= len)
            return NULL;
          hi = hex_value (s[i + 1]);
          lo = hex_value (s[i + 2]);
          if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return NULL;
          out[o++] = (gchar) (hi << 4 | lo);
          i += 2;
        }
      else
        {
          out[o++] = s[i];
        }
    }
  out[o] = '\0';
  return g_steal_pointer (&out);
}

static gboolean
host_label_char (gchar c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Checks and normalises a host name (not an IPv6 literal). */
static gchar *
normalize_host (const gchar  *s,
                gsize         len,
                GError      **error)
{
  g_autofree gchar *raw = g_strndup (s, len);
  g_autofree gchar *host = NULL;
  gboolean numeric = TRUE;
  gsize label = 0;
  gsize n;

  if (len == 0)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI, _("Hub address has no host name"));

  if (g_hostname_is_non_ascii (raw))
    {
      host = g_hostname_to_ascii (raw);
      if (host == NULL)
        return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                          _("Hub address has an invalid host name"));
    }
  else
    {
      host = g_steal_pointer (&raw);
    }

  n = strlen (host);
  for (gsize i = 0; i < n; i++)
    host[i] = g_ascii_tolower (host[i]);

  if (n == 0 || n > MAX_HOST_LENGTH)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address has an invalid host name"));

  for (gsize i = 0; i <= n; i++)
    {
      gchar c = host[i];

      if (c == '.' || c == '\0')
        {
          if (label == 0 || label > MAX_LABEL_LENGTH || host[i - 1] == '-' ||
              host[i - label] == '-')
            return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                              _("Hub address has an invalid host name"));
          label = 0;
          continue;
        }
      if (!host_label_char (c))
        return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                          _("Hub address has an invalid host name"));
      if (!g_ascii_isdigit (c))
        numeric = FALSE;
      label++;
    }

  /* "999.1.2.3" and "12" are neither names nor addresses */
  if (numeric && !g_hostname_is_ip_address (host))
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address has an invalid IPv4 address"));

  return g_steal_pointer (&host);
}

static gchar *
normalize_ipv6 (const gchar  *s,
                gsize         len,
                GError      **error)
{
  g_autofree gchar *host = g_strndup (s, len);

  for (gsize i = 0; i < len; i++)
    {
      gchar c = host[i];

      if (!g_ascii_isxdigit (c) && c != ':' && c != '.')
        return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                          _("Hub address has an invalid IPv6 address"));
      host[i] = g_ascii_tolower (c);
    }

  if (memchr (host, ':', len) == NULL || !g_hostname_is_ip_address (host))
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address has an invalid IPv6 address"));

  return g_steal_pointer (&host);
}

static gboolean
parse_port (const gchar  *s,
            gsize         len,
            guint16      *out,
            GError      **error)
{
  guint value = 0;

  if (len == 0 || len > 5)
    goto bad;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        goto bad;
      value = value * 10 + (guint) (s[i] - '0');
    }
  if (value == 0 || value > G_MAXUINT16)
    goto bad;

  *out = (guint16) value;
  return TRUE;

bad:
  g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_URI,
                       _("Hub address has an invalid port (must be 1–65535)"));
  return FALSE;
}

static gchar *
normalize_keyprint (const gchar  *value,
                    GError      **error)
{
  guint8 digest[KEYPRINT_BYTES];
  gsize len = strlen (value);
  gchar *out;

  if (len != KEYPRINT_PREFIX_LEN + KEYPRINT_CHARS ||
      g_ascii_strncasecmp (value, KEYPRINT_PREFIX, KEYPRINT_PREFIX_LEN) != 0 ||
      !burrow_base32_decode (value + KEYPRINT_PREFIX_LEN, KEYPRINT_CHARS,
                             digest, sizeof digest, NULL))
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address has an invalid keyprint (expected kp=SHA256/ and 52 "
                        "base32 characters)"));

  out = g_malloc (KEYPRINT_PREFIX_LEN + KEYPRINT_CHARS + 1);
  memcpy (out, KEYPRINT_PREFIX, KEYPRINT_PREFIX_LEN);
  burrow_base32_encode_into (digest, sizeof digest, out + KEYPRINT_PREFIX_LEN);
  return out;
}

static gboolean
parse_query (const gchar   *s,
             gsize          len,
             gchar        **keyprint,
             GError       **error)
{
  const gchar *end = s + len;

  while (s < end)
    {
      const gchar *amp = memchr (s, '&', end - s);
      const gchar *item_end = amp != NULL ? amp : end;
      const gchar *eq = memchr (s, '=', item_end - s);

      if (eq != NULL && eq - s == 2 && g_ascii_strncasecmp (s, "kp", 2) == 0)
        {
          g_autofree gchar *value = percent_decode (eq + 1, item_end - (eq + 1));

          if (*keyprint != NULL)
            {
              uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                         _("Hub address has more than one keyprint"));
              return FALSE;
            }
          if (value == NULL)
            {
              uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                         _("Hub address has an invalid keyprint (expected kp=SHA256/ and 52 "
                           "base32 characters)"));
              return FALSE;
            }
          *keyprint = normalize_keyprint (value, error);
          if (*keyprint == NULL)
            return FALSE;
        }
      /* other query parameters are ignored */
      s = item_end + (amp != NULL ? 1 : 0);
    }
  return TRUE;
}

/**
 * burrow_hub_uri_parse:
 * @uri: a hub address such as `adcs://hub.example.org:1511/?kp=SHA256/…`
 * @error: return location for a #GError
 *
 * Parses a hub address. The scheme is required (`adc`, `adcs`, `dchub`,
 * `nmdc`, `nmdcs`, any case); the port defaults to 1511 for ADC and 411 for
 * NMDC. The path may only be empty or `/`. The query may carry
 * `kp=SHA256/<base32>`; other query parameters are ignored. Leading and
 * trailing white space is ignored. User info, fragments and unbracketed IPv6
 * addresses are rejected.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL with @error set
 *   to %BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME for an unknown scheme and
 *   %BURROW_PROTOCOL_ERROR_BAD_URI otherwise
 */
BurrowHubUri *
burrow_hub_uri_parse (const gchar  *uri,
                      GError      **error)
{
  g_autoptr(BurrowHubUri) result = NULL;
  const gchar *p, *end, *sep, *auth, *auth_end, *port_start = NULL, *port_end = NULL;
  gsize n;
  gboolean found = FALSE;

  g_return_val_if_fail (uri != NULL, NULL);

  n = strlen (uri);
  if (n > BURROW_HUB_URI_MAX_LENGTH)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI, _("Hub address is too long"));

  p = uri;
  end = uri + n;
  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;
  if (p == end)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI, _("Hub address is empty"));

  for (const gchar *q = p; q < end; q++)
    if ((guchar) *q <= 0x20 || *q == 0x7f)
      return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                        _("Hub address contains white space or control characters"));
  if (!g_utf8_validate_len (p, end - p, NULL))
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI, _("Hub address is not valid UTF-8"));

  /* Scheme */
  sep = g_strstr_len (p, end - p, "://");
  if (sep == NULL || sep == p)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address needs a scheme, such as adc://, adcs:// or dchub://"));
  if (!g_ascii_isalpha (*p))
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI, _("Hub address has an invalid scheme"));
  for (const gchar *q = p; q < sep; q++)
    if (!g_ascii_isalnum (*q) && *q != '+' && *q != '-' && *q != '.')
      return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                        _("Hub address needs a scheme, such as adc://, adcs:// or dchub://"));

  result = g_new0 (BurrowHubUri, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (schemes); i++)
    if ((gsize) (sep - p) == strlen (schemes[i].name) &&
        g_ascii_strncasecmp (p, schemes[i].name, sep - p) == 0)
      {
        result->protocol = schemes[i].protocol;
        found = TRUE;
        break;
      }
  if (!found)
    return uri_error (error, BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME,
                      _("Unsupported hub address scheme (use adc, adcs, dchub, nmdc or nmdcs)"));

  /* Authority */
  auth = sep + 3;
  auth_end = auth;
  while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
    auth_end++;

  if (auth == auth_end)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI, _("Hub address has no host name"));
  if (memchr (auth, '@', auth_end - auth) != NULL)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address must not contain a user name or password"));

  if (*auth == '[')
    {
      const gchar *close = memchr (auth, ']', auth_end - auth);

      if (close == NULL)
        return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                          _("Hub address has an unterminated IPv6 address"));
      result->host = normalize_ipv6 (auth + 1, close - (auth + 1), error);
      if (result->host == NULL)
        return NULL;
      if (close + 1 < auth_end)
        {
          if (close[1] != ':')
            return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                              _("Hub address has junk after the IPv6 address"));
          port_start = close + 2;
          port_end = auth_end;
        }
    }
  else
    {
      const gchar *colon = memchr (auth, ':', auth_end - auth);
      const gchar *host_end = colon != NULL ? colon : auth_end;

      if (colon != NULL)
        {
          if (memchr (colon + 1, ':', auth_end - (colon + 1)) != NULL)
            return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                              _("IPv6 addresses in hub addresses must be put in brackets"));
          port_start = colon + 1;
          port_end = auth_end;
        }
      result->host = normalize_host (auth, host_end - auth, error);
      if (result->host == NULL)
        return NULL;
    }

  if (port_start != NULL)
    {
      if (!parse_port (port_start, port_end - port_start, &result->port, error))
        return NULL;
    }
  else
    {
      result->port = burrow_hub_uri_is_adc (result) ? BURROW_HUB_URI_DEFAULT_ADC_PORT
                                                    : BURROW_HUB_URI_DEFAULT_NMDC_PORT;
    }

  /* Path, query, fragment */
  p = auth_end;
  if (p < end && *p == '/')
    {
      p++;
      if (p < end && *p != '?' && *p != '#')
        return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                          _("Hub address must not have a path"));
    }
  if (p < end && *p == '?')
    {
      const gchar *query = p + 1;
      const gchar *hash = memchr (query, '#', end - query);
      const gchar *query_end = hash != NULL ? hash : end;

      if (!parse_query (query, query_end - query, &result->keyprint, error))
        return NULL;
      p = query_end;
    }
  if (p < end)
    return uri_error (error, BURROW_PROTOCOL_ERROR_BAD_URI,
                      _("Hub address must not have a fragment"));

  return g_steal_pointer (&result);
}

/**
 * burrow_hub_uri_to_string:
 *
 * Returns: (transfer full): the canonical form, e.g. `adcs://[::1]:1511/?kp=SHA256/…`
 */
gchar *
burrow_hub_uri_to_string (const BurrowHubUri *uri)
{
  gboolean ipv6;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (uri->host != NULL, NULL);

  ipv6 = strchr (uri->host, ':') != NULL;
  return g_strdup_printf ("%s://%s%s%s:%u%s%s",
                          canonical_scheme (uri->protocol),
                          ipv6 ? "[" : "", uri->host, ipv6 ? "]" : "",
                          (guint) uri->port,
                          uri->keyprint != NULL ? "/?kp=" : "",
                          uri->keyprint != NULL ? uri->keyprint : "");
}

/**
 * burrow_hub_uri_copy:
 *
 * Returns: (transfer full): a deep copy of @uri
 */
BurrowHubUri *
burrow_hub_uri_copy (const BurrowHubUri *uri)
{
  BurrowHubUri *copy;

  g_return_val_if_fail (uri != NULL, NULL);

  copy = g_new0 (BurrowHubUri, 1);
  copy->protocol = uri->protocol;
  copy->host = g_strdup (uri->host);
  copy->port = uri->port;
  copy->keyprint = g_strdup (uri->keyprint);
  return copy;
}

void
burrow_hub_uri_free (BurrowHubUri *uri)
{
  if (uri == NULL)
    return;

  g_free (uri->host);
  g_free (uri->keyprint);
  g_free (uri);
}

/**
 * burrow_hub_uri_is_tls:
 *
 * Returns: whether the connection starts with a TLS handshake (adcs, nmdcs)
 */
gboolean
burrow_hub_uri_is_tls (const BurrowHubUri *uri)
{
  g_return_val_if_fail (uri != NULL, FALSE);
  return uri->protocol == BURROW_HUB_PROTOCOL_ADCS || uri->protocol == BURROW_HUB_PROTOCOL_NMDCS;
}

/**
 * burrow_hub_uri_is_adc:
 *
 * Returns: whether the hub speaks ADC (adc, adcs) rather than NMDC
 */
gboolean
burrow_hub_uri_is_adc (const BurrowHubUri *uri)
{
  g_return_val_if_fail (uri != NULL, FALSE);
  return uri->protocol == BURROW_HUB_PROTOCOL_ADC || uri->protocol == BURROW_HUB_PROTOCOL_ADCS;
}
