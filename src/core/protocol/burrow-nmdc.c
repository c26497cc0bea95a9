/* burrow-nmdc.c — NMDC hub lines: pure codecs
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-nmdc"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-nmdc.h"

/* ---- errors ------------------------------------------------------------------------------- */

static gboolean
malformed (GError      **error,
           const gchar  *command)
{
  g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED,
               _("Malformed NMDC %s line"), command);
  return FALSE;
}

static gboolean
bad_param (GError      **error,
           const gchar  *command)
{
  g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
               _("Invalid value in NMDC %s line"), command);
  return FALSE;
}

/* Refuses arguments longer than a line may be (the session cuts lines; this is the parsers' own
 * bound) and text that is not UTF-8 (the parsers take decoded lines). */
static gboolean
check_length (const gchar  *args,
              const gchar  *command,
              GError      **error)
{
  gsize len = strnlen (args, BURROW_NMDC_MAX_LINE_LENGTH + 1);

  if (len > BURROW_NMDC_MAX_LINE_LENGTH)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG,
                   _("NMDC %s line exceeds the limit of %d bytes"), command,
                   BURROW_NMDC_MAX_LINE_LENGTH);
      return FALSE;
    }
  if (!g_utf8_validate (args, (gssize) len, NULL))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_INVALID_UTF8,
                   _("NMDC %s line is not valid UTF-8"), command);
      return FALSE;
    }
  return TRUE;
}

/* ---- commands ----------------------------------------------------------------------------- */

static const struct
{
  const gchar       *name;
  BurrowNmdcCommand  command;
} commands[] = {
  { "Lock", BURROW_NMDC_CMD_LOCK },
  { "Supports", BURROW_NMDC_CMD_SUPPORTS },
  { "Hello", BURROW_NMDC_CMD_HELLO },
  { "GetPass", BURROW_NMDC_CMD_GET_PASS },
  { "BadPass", BURROW_NMDC_CMD_BAD_PASS },
  { "LogedIn", BURROW_NMDC_CMD_LOGED_IN },
  { "ValidateDenide", BURROW_NMDC_CMD_VALIDATE_DENIDE },
  { "HubIsFull", BURROW_NMDC_CMD_HUB_IS_FULL },
  { "HubName", BURROW_NMDC_CMD_HUB_NAME },
  { "HubTopic", BURROW_NMDC_CMD_HUB_TOPIC },
  { "HubINFO", BURROW_NMDC_CMD_HUB_INFO },
  { "MyINFO", BURROW_NMDC_CMD_MY_INFO },
  { "NickList", BURROW_NMDC_CMD_NICK_LIST },
  { "OpList", BURROW_NMDC_CMD_OP_LIST },
  { "BotList", BURROW_NMDC_CMD_BOT_LIST },
  { "UserIP", BURROW_NMDC_CMD_USER_IP },
  { "Quit", BURROW_NMDC_CMD_QUIT },
  { "To:", BURROW_NMDC_CMD_TO },
  { "Search", BURROW_NMDC_CMD_SEARCH },
  { "SR", BURROW_NMDC_CMD_SR },
  { "ConnectToMe", BURROW_NMDC_CMD_CONNECT_TO_ME },
  { "RevConnectToMe", BURROW_NMDC_CMD_REV_CONNECT_TO_ME },
  { "ForceMove", BURROW_NMDC_CMD_FORCE_MOVE },
  { "UserCommand", BURROW_NMDC_CMD_USER_COMMAND },
  { "ZOn", BURROW_NMDC_CMD_ZON },
  { "MyIP", BURROW_NMDC_CMD_MY_IP },
  { "BadNick", BURROW_NMDC_CMD_BAD_NICK },
  { "NickRule", BURROW_NMDC_CMD_NICK_RULE },
  { "SearchRule", BURROW_NMDC_CMD_SEARCH_RULE },
  { "HubURL", BURROW_NMDC_CMD_HUB_URL },
  { "Kick", BURROW_NMDC_CMD_KICK },
  { "OpForceMove", BURROW_NMDC_CMD_OP_FORCE_MOVE },
  { "MyPass", BURROW_NMDC_CMD_MY_PASS },
  { "Key", BURROW_NMDC_CMD_KEY },
  { "ValidateNick", BURROW_NMDC_CMD_VALIDATE_NICK },
  { "Version", BURROW_NMDC_CMD_VERSION },
  { "GetNickList", BURROW_NMDC_CMD_GET_NICK_LIST },
  { "GetINFO", BURROW_NMDC_CMD_GET_INFO },
  { "SA", BURROW_NMDC_CMD_SA },
  { "SP", BURROW_NMDC_CMD_SP },
};

/**
 * burrow_nmdc_split_command:
 * @line: a decoded line without its '|'
 * @args: (out): the text after the command's first space, "" when none; the whole line for
 *   %BURROW_NMDC_CMD_CHAT
 *
 * Returns: the line's command
 */
BurrowNmdcCommand
burrow_nmdc_split_command (const gchar  *line,
                           const gchar **args)
{
  const gchar *space;
  gsize len;

  g_return_val_if_fail (line != NULL, BURROW_NMDC_CMD_UNKNOWN);
  g_return_val_if_fail (args != NULL, BURROW_NMDC_CMD_UNKNOWN);

  if (line[0] == '\0')
    {
      *args = line;
      return BURROW_NMDC_CMD_EMPTY;
    }
  if (line[0] == '<')
    {
      *args = line;
      return BURROW_NMDC_CMD_CHAT;
    }

  space = strchr (line, ' ');
  *args = space != NULL ? space + 1 : line + strlen (line);
  if (line[0] != '$')
    return BURROW_NMDC_CMD_UNKNOWN;

  len = (space != NULL ? (gsize) (space - line) : strlen (line)) - 1;
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strlen (commands[i].name) == len && memcmp (commands[i].name, line + 1, len) == 0)
      return commands[i].command;
  return BURROW_NMDC_CMD_UNKNOWN;
}

/* ---- lock and key ------------------------------------------------------------------------- */

/**
 * burrow_nmdc_parse_lock:
 * @args: the raw bytes after "$Lock "
 * @len: their length
 * @lock: (out): the lock bytes
 * @pk: (out) (optional) (nullable): the text after "Pk=", valid UTF-8, or %NULL
 *
 * Returns: whether the lock was usable
 */
gboolean
burrow_nmdc_parse_lock (const gchar  *args,
                        gsize         len,
                        GBytes      **lock,
                        gchar       **pk,
                        GError      **error)
{
  const gchar *end = NULL;
  const gchar *pk_start = NULL;
  gsize lock_len;

  g_return_val_if_fail (args != NULL || len == 0, FALSE);
  g_return_val_if_fail (lock != NULL, FALSE);

  for (gsize i = 0; i + 4 <= len; i++)
    if (memcmp (args + i, " Pk=", 4) == 0)
      {
        end = args + i;
        pk_start = args + i + 4;
        break;
      }
  if (end == NULL)
    {
      end = len > 0 ? memchr (args, ' ', len) : NULL;
      if (end == NULL)
        end = args + len;
    }
  lock_len = (gsize) (end - args);

  if (lock_len > BURROW_NMDC_MAX_LOCK_LENGTH)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG,
                   _("NMDC %s line exceeds the limit of %d bytes"), "$Lock",
                   BURROW_NMDC_MAX_LOCK_LENGTH);
      return FALSE;
    }
  if (lock_len < 3)
    return malformed (error, "$Lock");

  *lock = g_bytes_new (args, lock_len);
  if (pk != NULL)
    {
      if (pk_start != NULL)
        {
          gsize n = MIN ((gsize) (args + len - pk_start), BURROW_NMDC_MAX_LOCK_LENGTH);

          *pk = g_utf8_make_valid (pk_start, (gssize) n);
        }
      else
        *pk = NULL;
    }
  return TRUE;
}

gboolean
burrow_nmdc_lock_is_extended (GBytes *lock)
{
  gsize len;
  const gchar *data;

  g_return_val_if_fail (lock != NULL, FALSE);

  data = g_bytes_get_data (lock, &len);
  return len >= 16 && memcmp (data, "EXTENDEDPROTOCOL", 16) == 0;
}

/**
 * burrow_nmdc_key_from_lock:
 *
 * PROTOCOL.md §3.3.
 *
 * Returns: (transfer full): the key bytes
 */
GBytes *
burrow_nmdc_key_from_lock (GBytes *lock)
{
  const guint8 *l;
  gsize n;
  GByteArray *key;

  g_return_val_if_fail (lock != NULL, NULL);

  l = g_bytes_get_data (lock, &n);
  key = g_byte_array_sized_new ((guint) n + 16);
  for (gsize i = 0; i < n; i++)
    {
      guint8 k;

      if (i == 0)
        k = l[0] ^ (n >= 2 ? l[n - 1] ^ l[n - 2] : 0) ^ 5;
      else
        k = l[i] ^ l[i - 1];
      k = (guint8) (((k << 4) | (k >> 4)) & 0xff);
      if (k == 0 || k == 5 || k == 36 || k == 96 || k == 124 || k == 126)
        {
          gchar subst[16];

          g_snprintf (subst, sizeof subst, "/%%DCN%03u%%/", k);
          g_byte_array_append (key, (const guint8 *) subst, 10);
        }
      else
        g_byte_array_append (key, &k, 1);
    }
  return g_byte_array_free_to_bytes (key);
}

/* ---- text --------------------------------------------------------------------------------- */

gchar *
burrow_nmdc_escape (const gchar *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 8);
  for (const gchar *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '$': g_string_append (out, "&#36;"); break;
      case '|': g_string_append (out, "&#124;"); break;
      case '&': g_string_append (out, "&amp;"); break;
      default: g_string_append_c (out, *p); break;
      }
  return g_string_free (out, FALSE);
}

static gchar *
unescape_len (const gchar *text,
              gsize        len)
{
  GString *out = g_string_sized_new (len);
  gsize i = 0;

  while (i < len)
    {
      if (text[i] == '&')
        {
          if (len - i >= 5 && memcmp (text + i, "&#36;", 5) == 0)
            {
              g_string_append_c (out, '$');
              i += 5;
              continue;
            }
          if (len - i >= 6 && memcmp (text + i, "&#124;", 6) == 0)
            {
              g_string_append_c (out, '|');
              i += 6;
              continue;
            }
          if (len - i >= 5 && memcmp (text + i, "&amp;", 5) == 0)
            {
              g_string_append_c (out, '&');
              i += 5;
              continue;
            }
        }
      g_string_append_c (out, text[i]);
      i++;
    }
  return g_string_free (out, FALSE);
}

gchar *
burrow_nmdc_unescape (const gchar *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  return unescape_len (text, strlen (text));
}

static gboolean
nick_is_valid_len (const gchar *nick,
                   gsize        len)
{
  if (len == 0 || len > BURROW_NMDC_MAX_NICK_BYTES)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) nick[i];

      if (c < 32 || c == ' ' || c == '$' || c == '|' || c == '<' || c == '>')
        return FALSE;
    }
  return TRUE;
}

gboolean
burrow_nmdc_nick_is_valid (const gchar *nick)
{
  if (nick == NULL)
    return FALSE;
  return nick_is_valid_len (nick, strnlen (nick, BURROW_NMDC_MAX_NICK_BYTES + 1));
}

/* A nick field of a line: valid, and copied. */
static gchar *
dup_nick (const gchar *start,
          gsize        len)
{
  return nick_is_valid_len (start, len) ? g_strndup (start, len) : NULL;
}

/* ---- charsets ----------------------------------------------------------------------------- */

struct _BurrowNmdcCharset
{
  gchar    *name;
  gboolean  utf8;
  GIConv    to_utf8;    /* charset → UTF-8 */
  GIConv    from_utf8;  /* UTF-8 → charset */
};

static gchar *
canonical_name (const gchar *name)
{
  g_autofree gchar *upper = g_ascii_strup (name, -1);

  if (g_str_has_prefix (upper, "WINDOWS-"))
    return g_strconcat ("CP", upper + 8, NULL);
  if (g_str_equal (upper, "UTF8"))
    return g_strdup ("UTF-8");
  return g_steal_pointer (&upper);
}

/**
 * burrow_nmdc_charset_new:
 * @name: (nullable): an iconv charset name; %NULL for %BURROW_NMDC_DEFAULT_CHARSET
 *
 * Returns: (transfer full): the charset, or %NULL with @error set
 */
BurrowNmdcCharset *
burrow_nmdc_charset_new (const gchar  *name,
                         GError      **error)
{
  BurrowNmdcCharset *charset;
  g_autofree gchar *canonical = NULL;
  const gchar *open_name;

  if (name == NULL)
    name = BURROW_NMDC_DEFAULT_CHARSET;
  canonical = canonical_name (name);
  open_name = canonical;

  charset = g_new0 (BurrowNmdcCharset, 1);
  charset->to_utf8 = g_iconv_open ("UTF-8", open_name);
  if (charset->to_utf8 == (GIConv) -1)
    {
      open_name = name;
      charset->to_utf8 = g_iconv_open ("UTF-8", open_name);
    }
  if (charset->to_utf8 != (GIConv) -1)
    charset->from_utf8 = g_iconv_open (open_name, "UTF-8");
  if (charset->to_utf8 == (GIConv) -1 || charset->from_utf8 == (GIConv) -1)
    {
      if (charset->to_utf8 != (GIConv) -1)
        g_iconv_close (charset->to_utf8);
      g_free (charset);
      g_set_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION,
                   _("Unknown character set “%s”"), name);
      return NULL;
    }
  charset->name = g_steal_pointer (&canonical);
  charset->utf8 = g_str_equal (charset->name, "UTF-8");
  return charset;
}

void
burrow_nmdc_charset_free (BurrowNmdcCharset *charset)
{
  if (charset == NULL)
    return;
  g_iconv_close (charset->to_utf8);
  g_iconv_close (charset->from_utf8);
  g_free (charset->name);
  g_free (charset);
}

const gchar *
burrow_nmdc_charset_get_name (BurrowNmdcCharset *charset)
{
  g_return_val_if_fail (charset != NULL, NULL);

  return charset->name;
}

static void
append_hex_byte (GString *out,
                 guchar   byte)
{
  g_string_append_printf (out, "\\x%02X", byte);
}

/**
 * burrow_nmdc_charset_decode:
 * @bytes: text in the charset
 * @len: its length, or -1 when NUL-terminated
 *
 * Returns: (transfer full): valid UTF-8; bytes that are not valid in the charset (and NUL bytes)
 *   become "\xNN"
 */
gchar *
burrow_nmdc_charset_decode (BurrowNmdcCharset *charset,
                            const gchar       *bytes,
                            gssize             len)
{
  GString *out;
  gsize n;
  gsize i = 0;
  gssize next_nul = -1;   /* the first NUL at or after i; -1: not looked for yet */

  g_return_val_if_fail (charset != NULL, NULL);
  g_return_val_if_fail (bytes != NULL || len <= 0, NULL);

  n = len < 0 ? strlen (bytes) : (gsize) len;
  out = g_string_sized_new (n + 16);

  if (charset->utf8)
    {
      while (i < n)
        {
          const gchar *end;

          if (bytes[i] == '\0')
            {
              append_hex_byte (out, 0);
              i++;
              continue;
            }
          if (g_utf8_validate (bytes + i, (gssize) (n - i), &end))
            end = bytes + n;
          if (end > bytes + i)
            {
              g_string_append_len (out, bytes + i, end - (bytes + i));
              i = (gsize) (end - bytes);
            }
          else
            {
              append_hex_byte (out, (guchar) bytes[i]);
              i++;
            }
        }
      return g_string_free (out, FALSE);
    }

  g_iconv (charset->to_utf8, NULL, NULL, NULL, NULL);
  while (i < n)
    {
      gchar buffer[1024];
      gchar *inbuf = (gchar *) bytes + i;
      gsize inleft;
      gchar *outbuf = buffer;
      gsize outleft = sizeof buffer;
      gsize r;

      if (bytes[i] == '\0')
        {
          append_hex_byte (out, 0);
          i++;
          continue;
        }
      /* Stop at a NUL: iconv would turn it into U+0000. */
      if (next_nul < (gssize) i)
        {
          const gchar *nul = memchr (bytes + i, '\0', n - i);

          next_nul = nul != NULL ? nul - bytes : (gssize) n;
        }
      inleft = (gsize) next_nul - i;
      r = g_iconv (charset->to_utf8, &inbuf, &inleft, &outbuf, &outleft);
      g_string_append_len (out, buffer, outbuf - buffer);
      i = (gsize) (inbuf - bytes);
      if (r == (gsize) -1 && errno != E2BIG)
        {
          /* EILSEQ or EINVAL (a sequence cut at the end): keep the byte as text. */
          append_hex_byte (out, (guchar) bytes[i]);
          i++;
          g_iconv (charset->to_utf8, NULL, NULL, NULL, NULL);
        }
    }
  return g_string_free (out, FALSE);
}

static gint
hex_value (gchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* "\xNN" with NN >= 0x80 at @p: the byte, else -1. */
static gint
escaped_byte (const gchar *p,
              gsize        left)
{
  gint hi, lo;

  if (left < 4 || p[0] != '\\' || p[1] != 'x')
    return -1;
  hi = hex_value (p[2]);
  lo = hex_value (p[3]);
  if (hi < 8 || lo < 0)
    return -1;
  return hi * 16 + lo;
}

static void
encode_run (BurrowNmdcCharset *charset,
            const gchar       *text,
            gsize              len,
            GString           *out)
{
  gchar *inbuf = (gchar *) text;
  gsize inleft = len;

  if (charset->utf8)
    {
      g_string_append_len (out, text, (gssize) len);
      return;
    }
  g_iconv (charset->from_utf8, NULL, NULL, NULL, NULL);
  while (inleft > 0)
    {
      gchar buffer[1024];
      gchar *outbuf = buffer;
      gsize outleft = sizeof buffer;
      gsize r = g_iconv (charset->from_utf8, &inbuf, &inleft, &outbuf, &outleft);

      g_string_append_len (out, buffer, outbuf - buffer);
      if (r == (gsize) -1 && errno != E2BIG)
        {
          /* A character the charset cannot hold (or a cut sequence): '?' for the character. */
          const gchar *next = g_utf8_find_next_char (inbuf, inbuf + inleft);
          gsize skip = next != NULL ? (gsize) (next - inbuf) : inleft;

          g_string_append_c (out, '?');
          inbuf += skip;
          inleft -= skip;
          g_iconv (charset->from_utf8, NULL, NULL, NULL, NULL);
        }
    }
  /* Flush any shift state. */
  {
    gchar buffer[64];
    gchar *outbuf = buffer;
    gsize outleft = sizeof buffer;

    g_iconv (charset->from_utf8, NULL, NULL, &outbuf, &outleft);
    g_string_append_len (out, buffer, outbuf - buffer);
  }
}

/**
 * burrow_nmdc_charset_encode:
 * @utf8: text (invalid UTF-8 is made valid first)
 * @out_len: (out) (optional): the length of the result without its NUL
 *
 * Returns: (transfer full): the bytes in the charset; "\xNN" (NN >= 80) becomes that byte, a
 *   character the charset cannot hold becomes '?'
 */
gchar *
burrow_nmdc_charset_encode (BurrowNmdcCharset *charset,
                            const gchar       *utf8,
                            gsize             *out_len)
{
  g_autofree gchar *valid = NULL;
  GString *out;
  gsize n;
  gsize start = 0;
  gsize i = 0;

  g_return_val_if_fail (charset != NULL, NULL);
  g_return_val_if_fail (utf8 != NULL, NULL);

  if (!g_utf8_validate (utf8, -1, NULL))
    utf8 = valid = g_utf8_make_valid (utf8, -1);
  n = strlen (utf8);
  out = g_string_sized_new (n + 1);
  while (i < n)
    {
      gint byte = utf8[i] == '\\' ? escaped_byte (utf8 + i, n - i) : -1;

      if (byte < 0)
        {
          i++;
          continue;
        }
      encode_run (charset, utf8 + start, i - start, out);
      g_string_append_c (out, (gchar) byte);
      i += 4;
      start = i;
    }
  encode_run (charset, utf8 + start, n - start, out);
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* ---- $MyINFO ------------------------------------------------------------------------------ */

void
burrow_nmdc_info_clear (BurrowNmdcInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->nick);
  g_free (info->description);
  g_free (info->client);
  g_free (info->version);
  g_free (info->connection);
  g_free (info->email);
  memset (info, 0, sizeof *info);
}

static guint
parse_uint (const gchar *text,
            gsize        len)
{
  guint64 v = 0;
  gsize i;

  for (i = 0; i < len && g_ascii_isdigit (text[i]); i++)
    {
      v = v * 10 + (guint64) (text[i] - '0');
      if (v > G_MAXUINT)
        return G_MAXUINT;
    }
  return (guint) v;
}

/* The tag's content (between '<' and '>'), known to contain " V:". */
static void
parse_tag (const gchar    *tag,
           gsize           len,
           BurrowNmdcInfo *info)
{
  const gchar *v = g_strstr_len (tag, (gssize) len, " V:");
  const gchar *end = tag + len;
  const gchar *p;

  info->has_tag = TRUE;
  info->client = g_strndup (tag, (gsize) (v - tag));

  for (p = v + 1; p < end;)
    {
      const gchar *comma = memchr (p, ',', (gsize) (end - p));
      const gchar *item_end = comma != NULL ? comma : end;
      gsize item_len = (gsize) (item_end - p);

      if (item_len >= 2 && p[1] == ':')
        {
          const gchar *value = p + 2;
          gsize value_len = item_len - 2;

          switch (p[0])
            {
            case 'V':
              g_free (info->version);
              info->version = g_strndup (value, value_len);
              break;
            case 'M':
              /* a letter or digit; anything else is no mode we know */
              info->mode = value_len > 0 && g_ascii_isalnum (value[0]) ? value[0] : 0;
              break;
            case 'H':
              {
                const gchar *slash1 = memchr (value, '/', value_len);
                const gchar *slash2 = slash1 != NULL
                                      ? memchr (slash1 + 1, '/', (gsize) (item_end - slash1 - 1))
                                      : NULL;

                info->hubs_normal = parse_uint (value, value_len);
                info->hubs_registered = slash1 != NULL
                                        ? parse_uint (slash1 + 1, (gsize) (item_end - slash1 - 1))
                                        : 0;
                info->hubs_operator = slash2 != NULL
                                      ? parse_uint (slash2 + 1, (gsize) (item_end - slash2 - 1))
                                      : 0;
              }
              break;
            case 'S':
              info->slots = parse_uint (value, value_len);
              break;
            case 'O':
            case 'L':
              info->upload_limit = parse_uint (value, value_len);
              break;
            default:
              break;
            }
        }
      p = item_end + 1;
    }
}

/* The status from the last character of the decoded connection field: "\xNN" is the byte a
 * charset could not decode; a character above U+00FF comes from a byte of the hub's charset
 * (CP1251, CP1252's 0x80–0x9F), recovered through those two. Returns the start of the status. */
static const gchar *
parse_status (const gchar *conn,
              gsize        len,
              guint8      *status)
{
  const gchar *last;
  gunichar c;

  if (len >= 4 && conn[len - 4] == '\\' && conn[len - 3] == 'x' && hex_value (conn[len - 2]) >= 0
      && hex_value (conn[len - 1]) >= 0)
    {
      *status = (guint8) (hex_value (conn[len - 2]) * 16 + hex_value (conn[len - 1]));
      return conn + len - 4;
    }
  last = g_utf8_find_prev_char (conn, conn + len);
  if (last == NULL)
    last = conn;
  c = g_utf8_get_char_validated (last, (gssize) (conn + len - last));
  if (c == (gunichar) -1 || c == (gunichar) -2)
    {
      *status = (guint8) conn[len - 1];
      return conn + len - 1;
    }
  if (c <= 0xff)
    *status = (guint8) c;
  else
    {
      static const gchar * const charsets[] = { "CP1252", "CP1251" };

      *status = BURROW_NMDC_STATUS_NORMAL;
      for (gsize i = 0; i < G_N_ELEMENTS (charsets); i++)
        {
          gsize written = 0;
          g_autofree gchar *byte = g_convert (last, (gssize) (conn + len - last), charsets[i],
                                              "UTF-8", NULL, &written, NULL);

          if (byte != NULL && written == 1)
            {
              *status = (guint8) byte[0];
              break;
            }
        }
    }
  return last;
}

/**
 * burrow_nmdc_parse_myinfo:
 * @args: the decoded text after "$MyINFO "
 * @info: (out caller-allocates): filled on success; clear it with burrow_nmdc_info_clear()
 *
 * Returns: whether the line parsed
 */
gboolean
burrow_nmdc_parse_myinfo (const gchar     *args,
                          BurrowNmdcInfo  *info,
                          GError         **error)
{
  const gchar *nick;
  const gchar *space;
  const gchar *fields[5];
  gsize lens[5];
  const gchar *p;
  const gchar *desc;
  gsize desc_len;
  guint64 share;

  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  memset (info, 0, sizeof *info);
  if (!check_length (args, "$MyINFO", error))
    return FALSE;
  if (!g_str_has_prefix (args, "$ALL "))
    return malformed (error, "$MyINFO");
  nick = args + 5;
  space = strchr (nick, ' ');
  if (space == NULL || !nick_is_valid_len (nick, (gsize) (space - nick)))
    return malformed (error, "$MyINFO");

  /* description $ mode $ connection+status $ email $ share [$] */
  p = space + 1;
  for (guint i = 0; i < 5; i++)
    {
      const gchar *dollar = strchr (p, '$');

      if (dollar == NULL && i < 4)
        return malformed (error, "$MyINFO");
      fields[i] = p;
      lens[i] = dollar != NULL ? (gsize) (dollar - p) : strlen (p);
      p = dollar != NULL ? dollar + 1 : p + lens[i];
    }

  info->nick = g_strndup (nick, (gsize) (space - nick));

  /* the tag: the last <…> at the end of the description, with " V:" in it */
  desc = fields[0];
  desc_len = lens[0];
  if (desc_len >= 2 && desc[desc_len - 1] == '>')
    {
      const gchar *open = NULL;

      for (gsize i = desc_len - 1; i > 0; i--)
        if (desc[i - 1] == '<')
          {
            open = desc + i - 1;
            break;
          }
      if (open != NULL
          && g_strstr_len (open + 1, (gssize) (desc + desc_len - 1 - (open + 1)), " V:") != NULL)
        {
          parse_tag (open + 1, (gsize) (desc + desc_len - 1 - (open + 1)), info);
          desc_len = (gsize) (open - desc);
          /* eiskaltdcpp writes "description <tag>": that one space belongs to the tag */
          if (desc_len > 0 && desc[desc_len - 1] == ' ')
            desc_len--;
        }
    }
  info->description = unescape_len (desc, desc_len);

  /* the one-byte field: PtokaX's short form has the mode letter there */
  if (info->mode == 0 && lens[1] == 1 && g_ascii_isalpha (fields[1][0]))
    info->mode = fields[1][0];

  info->status = BURROW_NMDC_STATUS_NORMAL;
  if (lens[2] > 0)
    {
      const gchar *status_start = parse_status (fields[2], lens[2], &info->status);

      info->has_status = TRUE;
      info->connection = unescape_len (fields[2], (gsize) (status_start - fields[2]));
    }
  else
    info->connection = g_strdup ("");

  info->email = unescape_len (fields[3], lens[3]);
  info->share_valid = lens[4] > 0 && lens[4] <= 20;
  for (gsize i = 0; i < lens[4] && info->share_valid; i++)
    info->share_valid = g_ascii_isdigit (fields[4][i]);
  if (info->share_valid)
    {
      g_autofree gchar *text = g_strndup (fields[4], lens[4]);

      info->share_valid = g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &share, NULL);
      info->share = info->share_valid ? share : 0;
    }
  return TRUE;
}

static gchar *
format_tag (const BurrowNmdcInfo *info)
{
  GString *tag = g_string_new ("<");

  g_string_append_printf (tag, "%s V:%s,M:%c,H:%u/%u/%u,S:%u",
                          info->client != NULL ? info->client : "++",
                          info->version != NULL ? info->version : "",
                          info->mode != 0 ? info->mode : 'P',
                          info->hubs_normal, info->hubs_registered, info->hubs_operator,
                          info->slots);
  if (info->upload_limit > 0)
    g_string_append_printf (tag, ",O:%u", info->upload_limit);
  g_string_append_c (tag, '>');
  return g_string_free (tag, FALSE);
}

/* The whole line with @desc (already shortened, unescaped) in @charset. */
static GString *
build_myinfo (const BurrowNmdcInfo *info,
              BurrowNmdcCharset    *charset,
              const gchar          *desc,
              const gchar          *tag)
{
  g_autofree gchar *escaped_desc = burrow_nmdc_escape (desc);
  g_autofree gchar *escaped_conn =
    burrow_nmdc_escape (info->connection != NULL ? info->connection : "");
  g_autofree gchar *escaped_email = burrow_nmdc_escape (info->email != NULL ? info->email : "");
  g_autofree gchar *head = NULL;
  g_autofree gchar *tail = NULL;
  g_autofree gchar *head_bytes = NULL;
  g_autofree gchar *tail_bytes = NULL;
  gsize head_len, tail_len;
  guint8 status = info->status != 0 ? info->status : BURROW_NMDC_STATUS_NORMAL;
  GString *line;

  /* a status byte must not end the field or the line */
  if (status == '$' || status == '|')
    status |= BURROW_NMDC_STATUS_NORMAL;
  head = g_strdup_printf ("$MyINFO $ALL %s %s%s%s$ $%s", info->nick, escaped_desc,
                          escaped_desc[0] != '\0' ? " " : "", tag, escaped_conn);
  tail = g_strdup_printf ("$%s$%" G_GUINT64_FORMAT "$", escaped_email,
                          info->share_valid ? info->share : 0);
  head_bytes = burrow_nmdc_charset_encode (charset, head, &head_len);
  tail_bytes = burrow_nmdc_charset_encode (charset, tail, &tail_len);
  line = g_string_sized_new (head_len + tail_len + 2);
  g_string_append_len (line, head_bytes, (gssize) head_len);
  g_string_append_c (line, (gchar) status);
  g_string_append_len (line, tail_bytes, (gssize) tail_len);
  return line;
}

/**
 * burrow_nmdc_format_myinfo:
 * @info: our own fields (nick, description, client, version, mode, hubs, slots, upload_limit,
 *   connection, status, email, share)
 * @charset: the hub's charset
 * @max_bytes: the longest line allowed (e.g. %BURROW_NMDC_MAX_MYINFO_BYTES)
 * @out_len: (out) (optional): the length of the result
 *
 * Returns: (transfer full): the line's bytes (NUL-terminated), or %NULL with @error set
 */
gchar *
burrow_nmdc_format_myinfo (const BurrowNmdcInfo  *info,
                           BurrowNmdcCharset     *charset,
                           gsize                  max_bytes,
                           gsize                 *out_len,
                           GError               **error)
{
  g_autofree gchar *tag = NULL;
  g_autofree gchar *desc = NULL;
  GString *line;
  glong n_chars;

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (charset != NULL, NULL);
  g_return_val_if_fail (burrow_nmdc_nick_is_valid (info->nick), NULL);

  tag = format_tag (info);

  /* the line without a description must fit */
  line = build_myinfo (info, charset, "", tag);
  if (line->len > max_bytes)
    {
      g_string_free (line, TRUE);
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG,
                   _("NMDC %s line exceeds the limit of %d bytes"), "$MyINFO",
                   (gint) MIN (max_bytes, G_MAXINT));
      return NULL;
    }
  g_string_free (line, TRUE);

  desc = info->description != NULL ? g_utf8_make_valid (info->description, -1) : g_strdup ("");

  /* every character takes at least one byte: no more characters than bytes can fit */
  n_chars = g_utf8_strlen (desc, -1);
  if ((gsize) n_chars > max_bytes)
    {
      gchar *end = g_utf8_offset_to_pointer (desc, (glong) max_bytes);

      *end = '\0';
      n_chars = (glong) max_bytes;
    }
  for (;;)
    {
      line = build_myinfo (info, charset, desc, tag);
      /* it fits at the latest with an empty description */
      if (line->len <= max_bytes || n_chars == 0)
        break;
      g_string_free (line, TRUE);
      n_chars--;
      *g_utf8_offset_to_pointer (desc, n_chars) = '\0';
    }
  if (out_len != NULL)
    *out_len = line->len;
  return g_string_free (line, FALSE);
}

/* ---- $Search ------------------------------------------------------------------------------ */

static const guint type_groups[] = {
  0, 0,                                 /* -, 1 any */
  BURROW_SEARCH_GROUP_AUDIO,            /* 2 */
  BURROW_SEARCH_GROUP_COMPRESSED,       /* 3 */
  BURROW_SEARCH_GROUP_DOCUMENT,         /* 4 */
  BURROW_SEARCH_GROUP_EXECUTABLE,       /* 5 */
  BURROW_SEARCH_GROUP_PICTURE,          /* 6 */
  BURROW_SEARCH_GROUP_VIDEO,            /* 7 */
};

static gboolean
parse_port (const gchar *text,
            gsize        len,
            guint16     *port)
{
  guint64 v = 0;

  if (len == 0 || len > 5)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      v = v * 10 + (guint64) (text[i] - '0');
    }
  if (v == 0 || v > 65535)
    return FALSE;
  *port = (guint16) v;
  return TRUE;
}

/* "host:port" or "[v6]:port": the host without brackets, NULL when it is not an IP address. */
static gchar *
split_address (const gchar *text,
               gsize        len,
               const gchar **port_start)
{
  const gchar *colon;
  g_autofree gchar *host = NULL;

  if (len > 0 && text[0] == '[')
    {
      const gchar *close = memchr (text, ']', len);

      if (close == NULL || close + 1 >= text + len || close[1] != ':')
        return NULL;
      host = g_strndup (text + 1, (gsize) (close - text - 1));
      colon = close + 1;
    }
  else
    {
      colon = memchr (text, ':', len);
      if (colon == NULL)
        return NULL;
      host = g_strndup (text, (gsize) (colon - text));
    }
  if (host[0] == '\0' || !g_hostname_is_ip_address (host))
    return NULL;
  *port_start = colon + 1;
  return g_steal_pointer (&host);
}

/**
 * burrow_nmdc_parse_search:
 * @args: the decoded text after "$Search "
 * @query: (out): the query
 * @passive_nick: (out): the searcher's nick for a passive search, else %NULL
 *
 * Returns: whether the search parsed
 */
gboolean
burrow_nmdc_parse_search (const gchar         *args,
                          BurrowSearchQuery  **query,
                          gchar              **passive_nick,
                          GError             **error)
{
  g_autoptr(BurrowSearchQuery) q = NULL;
  g_autofree gchar *nick = NULL;
  const gchar *space;
  const gchar *f[4];
  const gchar *p;
  const gchar *terms;
  guint64 size = 0;
  guint type;
  guint n_terms = 0;

  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (passive_nick != NULL, FALSE);

  if (!check_length (args, "$Search", error))
    return FALSE;
  space = strchr (args, ' ');
  if (space == NULL)
    return malformed (error, "$Search");

  q = burrow_search_query_new ();
  if (g_str_has_prefix (args, "Hub:"))
    {
      nick = dup_nick (args + 4, (gsize) (space - args - 4));
      if (nick == NULL)
        return malformed (error, "$Search");
    }
  else
    {
      const gchar *port_start = NULL;

      q->udp_host = split_address (args, (gsize) (space - args), &port_start);
      if (q->udp_host == NULL
          || !parse_port (port_start, (gsize) (space - port_start), &q->udp_port))
        return bad_param (error, "$Search");
    }

  /* <F|T>?<F|T>?<size>?<type>?<terms> */
  p = space + 1;
  for (guint i = 0; i < 4; i++)
    {
      const gchar *question = strchr (p, '?');

      if (question == NULL)
        return malformed (error, "$Search");
      f[i] = p;
      p = question + 1;
    }
  terms = p;
  if ((f[0][0] != 'T' && f[0][0] != 'F') || f[0][1] != '?'
      || (f[1][0] != 'T' && f[1][0] != 'F') || f[1][1] != '?')
    return bad_param (error, "$Search");
  if (f[3] - f[2] > 1)
    {
      g_autofree gchar *text = g_strndup (f[2], (gsize) (f[3] - f[2] - 1));

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &size, NULL))
        return bad_param (error, "$Search");
    }
  {
    g_autofree gchar *text = g_strndup (f[3], (gsize) (terms - f[3] - 1));
    guint64 v;

    if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &v, NULL))
      return bad_param (error, "$Search");
    type = (guint) v;
  }

  if (f[0][0] == 'T')
    {
      if (f[1][0] == 'T')
        q->max_size = size;
      else
        q->min_size = size;
    }

  if (type == 9)
    {
      if (!g_str_has_prefix (terms, "TTH:") || strlen (terms + 4) != BURROW_TTH_BASE32_LEN
          || !burrow_base32_decode (terms + 4, -1, q->tth, sizeof q->tth, NULL))
        return bad_param (error, "$Search");
      q->has_tth = TRUE;
    }
  else
    {
      if (type < G_N_ELEMENTS (type_groups))
        q->groups = type_groups[type];
      else if (type == 8)
        q->type = BURROW_SEARCH_TYPE_DIRECTORY;

      /* words: '$' (and, as DC++ reads them, spaces) separate them */
      for (p = terms; *p != '\0';)
        {
          gsize n = strcspn (p, "$ ");

          if (n > 0)
            {
              g_autofree gchar *word = unescape_len (p, n);

              /* the first BURROW_NMDC_MAX_SEARCH_TERMS words are looked at */
              if (n_terms++ < BURROW_NMDC_MAX_SEARCH_TERMS)
                burrow_search_query_add_include (q, word);
            }
          p += n;
          if (*p != '\0')
            p++;
        }
    }

  *query = g_steal_pointer (&q);
  *passive_nick = g_steal_pointer (&nick);
  return TRUE;
}

static gint
type_of_groups (guint groups)
{
  for (guint t = 2; t < G_N_ELEMENTS (type_groups); t++)
    if (groups == type_groups[t])
      return (gint) t;
  return 1;
}

/**
 * burrow_nmdc_format_search:
 *
 * Returns: (transfer full) (nullable): the arguments of "$Search ", or %NULL when NMDC cannot
 *   express @query
 */
gchar *
burrow_nmdc_format_search (const BurrowSearchQuery *query,
                           const gchar             *udp_host,
                           guint16                  udp_port,
                           const gchar             *nick)
{
  GString *out;
  guint type;

  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (udp_host != NULL || nick != NULL, NULL);

  if (!query->has_tth && query->include->len == 0)
    return NULL;

  out = g_string_new (NULL);
  if (udp_host != NULL)
    {
      if (strchr (udp_host, ':') != NULL)
        g_string_append_printf (out, "[%s]:%u ", udp_host, udp_port);
      else
        g_string_append_printf (out, "%s:%u ", udp_host, udp_port);
    }
  else
    g_string_append_printf (out, "Hub:%s ", nick);

  if (query->has_tth)
    {
      g_autofree gchar *tth = burrow_base32_encode (query->tth, sizeof query->tth);

      g_string_append_printf (out, "F?T?0?9?TTH:%s", tth);
      return g_string_free (out, FALSE);
    }

  if (query->max_size != G_MAXUINT64)
    g_string_append_printf (out, "T?T?%" G_GUINT64_FORMAT "?", query->max_size);
  else if (query->min_size > 0)
    g_string_append_printf (out, "T?F?%" G_GUINT64_FORMAT "?", query->min_size);
  else
    g_string_append (out, "F?T?0?");

  if (query->type == BURROW_SEARCH_TYPE_DIRECTORY)
    type = 8;
  else
    type = (guint) type_of_groups (query->groups);
  g_string_append_printf (out, "%u?", type);

  for (guint i = 0; i < query->include->len && i < BURROW_NMDC_MAX_SEARCH_TERMS; i++)
    {
      g_autofree gchar *escaped = burrow_nmdc_escape (g_ptr_array_index (query->include, i));

      /* a space inside a term would split it: NMDC has no way to say it, so it separates */
      g_strdelimit (escaped, " ", '$');
      if (i > 0)
        g_string_append_c (out, '$');
      g_string_append (out, escaped);
    }
  return g_string_free (out, FALSE);
}

/* ---- $SR ---------------------------------------------------------------------------------- */

void
burrow_nmdc_search_result_clear (BurrowNmdcSearchResult *result)
{
  if (result == NULL)
    return;
  g_free (result->nick);
  g_clear_pointer (&result->reply, burrow_search_reply_free);
  g_free (result->hub_name);
  g_free (result->hub_address);
  g_free (result->target);
  memset (result, 0, sizeof *result);
}

/* "a\\b" → "/a/b" ("/a/b/" for a directory: burrow_nmdc_format_sr() writes exactly @path back).
 * ncdc starts its paths with a separator ("\\share\\file", captured from ncdc 1.23.1): leading
 * separators, and a directory's trailing ones, are dropped, not doubled. NULL when nothing is
 * left. */
static gchar *
path_from_nmdc (const gchar *path,
                gsize        len,
                gboolean     directory)
{
  GString *out;

  while (len > 0 && (path[0] == '\\' || path[0] == '/'))
    {
      path++;
      len--;
    }
  while (directory && len > 0 && (path[len - 1] == '\\' || path[len - 1] == '/'))
    len--;
  if (len == 0)
    return NULL;
  out = g_string_sized_new (len + 2);
  g_string_append_c (out, '/');
  g_string_append_len (out, path, (gssize) len);
  g_strdelimit (out->str, "\\", '/');
  if (directory)
    g_string_append_c (out, '/');
  return g_string_free (out, FALSE);
}

static gboolean
parse_slots (const gchar *text,
             gsize        len,
             guint       *free_slots,
             guint       *slots)
{
  const gchar *slash = memchr (text, '/', len);
  guint64 v;
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;

  if (slash == NULL)
    return FALSE;
  a = g_strndup (text, (gsize) (slash - text));
  b = g_strndup (slash + 1, (gsize) (text + len - slash - 1));
  if (!g_ascii_string_to_unsigned (a, 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *free_slots = (guint) v;
  if (!g_ascii_string_to_unsigned (b, 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *slots = (guint) v;
  return TRUE;
}

/**
 * burrow_nmdc_parse_sr:
 * @args: the decoded text after "$SR "
 * @result: (out caller-allocates): clear with burrow_nmdc_search_result_clear()
 *
 * Returns: whether the result parsed
 */
gboolean
burrow_nmdc_parse_sr (const gchar             *args,
                      BurrowNmdcSearchResult  *result,
                      GError                 **error)
{
  g_autoptr(BurrowSearchReply) reply = NULL;
  const gchar *space;
  const gchar *end;
  const gchar *p;
  const gchar *first05;
  const gchar *slots_start;
  const gchar *slots_end;
  const gchar *last_paren;
  const gchar *close;
  const gchar *hub_start;
  guint n05 = 0;
  gchar *target = NULL;

  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  memset (result, 0, sizeof *result);
  if (!check_length (args, "$SR", error))
    return FALSE;

  space = strchr (args, ' ');
  if (space == NULL || !nick_is_valid_len (args, (gsize) (space - args)))
    return malformed (error, "$SR");
  end = args + strlen (args);

  /* a relayed passive result: "…)\x05target" */
  close = strrchr (space, ')');
  {
    const gchar *last05 = strrchr (space, '\x05');

    if (last05 != NULL && (close == NULL || last05 > close))
      {
        if (!nick_is_valid_len (last05 + 1, (gsize) (end - last05 - 1)))
          return malformed (error, "$SR");
        target = g_strndup (last05 + 1, (gsize) (end - last05 - 1));
        end = last05;
      }
  }

  p = space + 1;
  for (const gchar *q = p; q < end; q++)
    n05 += *q == '\x05';
  if (n05 != 1 && n05 != 2)
    {
      g_free (target);
      return malformed (error, "$SR");
    }

  reply = burrow_search_reply_new ();
  first05 = memchr (p, '\x05', (gsize) (end - p));
  if (n05 == 2)
    {
      const gchar *size_end;
      g_autofree gchar *size = NULL;

      size_end = memchr (first05 + 1, ' ', (gsize) (end - first05 - 1));
      /* a file's name does not end in a separator (that is a directory) */
      if (first05 == p || size_end == NULL || first05[-1] == '\\' || first05[-1] == '/')
        goto fail;
      size = g_strndup (first05 + 1, (gsize) (size_end - first05 - 1));
      if (!g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &reply->size, NULL))
        goto fail;
      reply->path = path_from_nmdc (p, (gsize) (first05 - p), FALSE);
      if (reply->path == NULL)
        goto fail;
      slots_start = size_end + 1;
    }
  else
    {
      const gchar *dir_end = NULL;

      for (const gchar *q = first05; q > p; q--)
        if (q[-1] == ' ')
          {
            dir_end = q - 1;
            break;
          }
      if (dir_end == NULL || dir_end == p)
        goto fail;
      reply->path = path_from_nmdc (p, (gsize) (dir_end - p), TRUE);
      if (reply->path == NULL)
        goto fail;
      slots_start = dir_end + 1;
    }
  slots_end = memchr (slots_start, '\x05', (gsize) (end - slots_start));
  if (slots_end == NULL
      || !parse_slots (slots_start, (gsize) (slots_end - slots_start), &reply->free_slots,
                       &result->slots))
    goto fail;

  /* hub name or TTH, then " (address)" */
  hub_start = slots_end + 1;
  last_paren = NULL;
  for (const gchar *q = hub_start; q + 1 < end; q++)
    if (q[0] == ' ' && q[1] == '(')
      last_paren = q;
  {
    const gchar *hub_end = last_paren != NULL ? last_paren : end;
    gsize hub_len = (gsize) (hub_end - hub_start);

    if (hub_len >= 4 && memcmp (hub_start, "TTH:", 4) == 0)
      {
        g_autofree gchar *tth = g_strndup (hub_start + 4, hub_len - 4);
        guint8 root[24];

        if (strlen (tth) != BURROW_TTH_BASE32_LEN
            || !burrow_base32_decode (tth, -1, root, sizeof root, NULL))
          goto fail;
        if (n05 == 2)
          {
            memcpy (reply->tth, root, sizeof root);
            reply->has_tth = TRUE;
          }
      }
    else if (hub_len > 0)
      result->hub_name = g_strndup (hub_start, hub_len);

    if (last_paren != NULL)
      {
        const gchar *addr = last_paren + 2;
        const gchar *addr_end = close != NULL && close >= addr && close < end ? close : end;

        if (addr_end > addr)
          result->hub_address = g_strndup (addr, (gsize) (addr_end - addr));
      }
  }

  result->nick = g_strndup (args, (gsize) (space - args));
  result->reply = g_steal_pointer (&reply);
  result->target = target;
  return TRUE;

fail:
  g_free (target);
  burrow_nmdc_search_result_clear (result);
  return malformed (error, "$SR");
}

/**
 * burrow_nmdc_format_sr:
 *
 * Returns: (transfer full): the arguments of "$SR "
 */
gchar *
burrow_nmdc_format_sr (const BurrowNmdcSearchResult *result)
{
  GString *out;
  const BurrowSearchReply *reply;
  const gchar *path;
  gsize path_len;
  gboolean directory;

  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (result->nick != NULL && result->reply != NULL, NULL);

  reply = result->reply;
  path = reply->path != NULL ? reply->path : "";
  if (path[0] == '/')
    path++;
  path_len = strlen (path);
  directory = path_len > 0 && path[path_len - 1] == '/';
  if (directory)
    path_len--;

  out = g_string_new (result->nick);
  g_string_append_c (out, ' ');
  {
    gsize start = out->len;

    g_string_append_len (out, path, (gssize) path_len);
    for (gsize i = start; i < out->len; i++)
      if (out->str[i] == '/')
        out->str[i] = '\\';
  }
  if (!directory)
    g_string_append_printf (out, "\x05%" G_GUINT64_FORMAT, reply->size);
  g_string_append_printf (out, " %u/%u\x05", reply->free_slots, result->slots);
  if (!directory && reply->has_tth)
    {
      g_autofree gchar *tth = burrow_base32_encode (reply->tth, sizeof reply->tth);

      g_string_append_printf (out, "TTH:%s", tth);
    }
  else if (result->hub_name != NULL)
    g_string_append (out, result->hub_name);
  g_string_append_printf (out, " (%s)", result->hub_address != NULL ? result->hub_address : "");
  if (result->target != NULL)
    g_string_append_printf (out, "\x05%s", result->target);
  return g_string_free (out, FALSE);
}

/* ---- $ConnectToMe, $RevConnectToMe -------------------------------------------------------- */

void
burrow_nmdc_connect_to_me_clear (BurrowNmdcConnectToMe *ctm)
{
  if (ctm == NULL)
    return;
  g_free (ctm->target);
  g_free (ctm->host);
  g_free (ctm->sender);
  memset (ctm, 0, sizeof *ctm);
}

/**
 * burrow_nmdc_parse_connect_to_me:
 * @args: the decoded text after "$ConnectToMe "
 * @ctm: (out caller-allocates): clear with burrow_nmdc_connect_to_me_clear()
 *
 * Returns: whether the request parsed
 */
gboolean
burrow_nmdc_parse_connect_to_me (const gchar            *args,
                                 BurrowNmdcConnectToMe  *ctm,
                                 GError                **error)
{
  const gchar *space;
  const gchar *address;
  const gchar *address_end;
  const gchar *port_start = NULL;
  const gchar *port_end;
  const gchar *suffix;
  g_autofree gchar *host = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *sender = NULL;
  gsize suffix_len;
  guint16 port;
  gboolean tls = FALSE;
  gchar nat = 0;

  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (ctm != NULL, FALSE);

  memset (ctm, 0, sizeof *ctm);
  if (!check_length (args, "$ConnectToMe", error))
    return FALSE;
  space = strchr (args, ' ');
  if (space == NULL)
    return malformed (error, "$ConnectToMe");
  target = dup_nick (args, (gsize) (space - args));
  if (target == NULL)
    return malformed (error, "$ConnectToMe");

  address = space + 1;
  address_end = strchr (address, ' ');
  if (address_end != NULL)
    {
      sender = dup_nick (address_end + 1, strlen (address_end + 1));
      if (sender == NULL)
        return malformed (error, "$ConnectToMe");
    }
  else
    address_end = address + strlen (address);
  if (address_end == address)
    return malformed (error, "$ConnectToMe");

  host = split_address (address, (gsize) (address_end - address), &port_start);
  if (host == NULL)
    return bad_param (error, "$ConnectToMe");
  for (port_end = port_start; port_end < address_end && g_ascii_isdigit (*port_end); port_end++)
    ;
  if (!parse_port (port_start, (gsize) (port_end - port_start), &port))
    return bad_param (error, "$ConnectToMe");

  suffix = port_end;
  suffix_len = (gsize) (address_end - suffix);
  if (suffix_len > 0 && (suffix[0] == 'N' || suffix[0] == 'R'))
    {
      nat = suffix[0];
      suffix++;
      suffix_len--;
    }
  if (suffix_len == 1 && suffix[0] == 'S')
    tls = TRUE;
  else if (suffix_len != 0)
    return bad_param (error, "$ConnectToMe");
  /* the N form names its sender: the reply goes to that nick */
  if (nat == 'N' && sender == NULL)
    return malformed (error, "$ConnectToMe");

  ctm->target = g_steal_pointer (&target);
  ctm->host = g_steal_pointer (&host);
  ctm->port = port;
  ctm->tls = tls;
  ctm->nat = nat;
  ctm->sender = g_steal_pointer (&sender);
  return TRUE;
}

/**
 * burrow_nmdc_format_connect_to_me:
 *
 * Returns: (transfer full): the arguments of "$ConnectToMe "
 */
gchar *
burrow_nmdc_format_connect_to_me (const BurrowNmdcConnectToMe *ctm)
{
  GString *out;

  g_return_val_if_fail (ctm != NULL, NULL);
  g_return_val_if_fail (ctm->target != NULL && ctm->host != NULL, NULL);

  out = g_string_new (ctm->target);
  if (strchr (ctm->host, ':') != NULL)
    g_string_append_printf (out, " [%s]:%u", ctm->host, ctm->port);
  else
    g_string_append_printf (out, " %s:%u", ctm->host, ctm->port);
  if (ctm->nat == 'N' || ctm->nat == 'R')
    g_string_append_c (out, ctm->nat);
  if (ctm->tls)
    g_string_append_c (out, 'S');
  if (ctm->sender != NULL)
    g_string_append_printf (out, " %s", ctm->sender);
  return g_string_free (out, FALSE);
}

gboolean
burrow_nmdc_parse_rev_connect_to_me (const gchar  *args,
                                     gchar       **sender,
                                     gchar       **target,
                                     GError      **error)
{
  const gchar *space;
  g_autofree gchar *s = NULL;
  g_autofree gchar *t = NULL;

  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (sender != NULL && target != NULL, FALSE);

  if (!check_length (args, "$RevConnectToMe", error))
    return FALSE;
  space = strchr (args, ' ');
  if (space == NULL)
    return malformed (error, "$RevConnectToMe");
  s = dup_nick (args, (gsize) (space - args));
  t = dup_nick (space + 1, strlen (space + 1));
  if (s == NULL || t == NULL)
    return malformed (error, "$RevConnectToMe");
  *sender = g_steal_pointer (&s);
  *target = g_steal_pointer (&t);
  return TRUE;
}

/* ---- chat and private messages ------------------------------------------------------------ */

static gchar *
unescape_message (const gchar *text,
                  gboolean    *third_person)
{
  gboolean me = g_str_has_prefix (text, "/me ");

  if (third_person != NULL)
    *third_person = me;
  return burrow_nmdc_unescape (me ? text + 4 : text);
}

static gchar *
escape_message (const gchar *text,
                gboolean     third_person)
{
  g_autofree gchar *escaped = burrow_nmdc_escape (text);

  return third_person ? g_strconcat ("/me ", escaped, NULL) : g_steal_pointer (&escaped);
}

/**
 * burrow_nmdc_parse_chat:
 * @line: the whole line "<nick> text"
 *
 * The nick of a chat line is what stands between '<' and '>': hub bots use spaces there, so
 * only '<', '>', '|', '$' and control bytes are refused.
 *
 * Returns: whether the line parsed
 */
gboolean
burrow_nmdc_parse_chat (const gchar  *line,
                        gchar       **nick,
                        gchar       **text,
                        gboolean     *third_person,
                        GError      **error)
{
  const gchar *close;
  gsize nick_len;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (nick != NULL && text != NULL, FALSE);

  if (!check_length (line, "chat", error))
    return FALSE;
  if (line[0] != '<')
    return malformed (error, "chat");
  close = strchr (line + 1, '>');
  if (close == NULL || close[1] != ' ')
    return malformed (error, "chat");
  nick_len = (gsize) (close - line - 1);
  if (nick_len == 0 || nick_len > BURROW_NMDC_MAX_NICK_BYTES)
    return malformed (error, "chat");
  for (gsize i = 0; i < nick_len; i++)
    {
      guchar c = (guchar) line[1 + i];

      if (c < 32 || c == '<' || c == '$' || c == '|')
        return malformed (error, "chat");
    }
  *nick = g_strndup (line + 1, nick_len);
  *text = unescape_message (close + 2, third_person);
  return TRUE;
}

gchar *
burrow_nmdc_format_chat (const gchar *nick,
                         const gchar *text,
                         gboolean     third_person)
{
  g_autofree gchar *escaped = NULL;

  g_return_val_if_fail (nick != NULL && text != NULL, NULL);

  escaped = escape_message (text, third_person);
  return g_strdup_printf ("<%s> %s", nick, escaped);
}

/**
 * burrow_nmdc_parse_private:
 * @args: the decoded text after "$To: "
 *
 * Returns: whether the message parsed
 */
gboolean
burrow_nmdc_parse_private (const gchar  *args,
                           gchar       **target,
                           gchar       **from,
                           gchar       **text,
                           gboolean     *third_person,
                           GError      **error)
{
  const gchar *from_start;
  const gchar *from_end;
  const gchar *display_end;
  g_autofree gchar *t = NULL;
  g_autofree gchar *f = NULL;

  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (target != NULL && from != NULL && text != NULL, FALSE);

  if (!check_length (args, "$To:", error))
    return FALSE;
  from_start = strstr (args, " From: ");
  if (from_start == NULL)
    return malformed (error, "$To:");
  t = dup_nick (args, (gsize) (from_start - args));
  from_start += 7;
  from_end = strstr (from_start, " $<");
  if (t == NULL || from_end == NULL)
    return malformed (error, "$To:");
  f = dup_nick (from_start, (gsize) (from_end - from_start));
  display_end = strstr (from_end + 3, "> ");
  if (f == NULL || display_end == NULL)
    return malformed (error, "$To:");

  *target = g_steal_pointer (&t);
  *from = g_steal_pointer (&f);
  *text = unescape_message (display_end + 2, third_person);
  return TRUE;
}

gchar *
burrow_nmdc_format_private (const gchar *target,
                            const gchar *from,
                            const gchar *text,
                            gboolean     third_person)
{
  g_autofree gchar *escaped = NULL;

  g_return_val_if_fail (target != NULL && from != NULL && text != NULL, NULL);

  escaped = escape_message (text, third_person);
  return g_strdup_printf ("$To: %s From: %s $<%s> %s", target, from, from, escaped);
}

/* ---- lists -------------------------------------------------------------------------------- */

/* Calls @item for each "$$"-separated non-empty item, at most @max times it returns TRUE. */
static void
foreach_item (const gchar *args,
              guint        max,
              gboolean   (*item) (const gchar *, gsize, GPtrArray *),
              GPtrArray   *out)
{
  const gchar *p = args;
  guint n = 0;

  while (*p != '\0' && n < max)
    {
      const gchar *sep = strstr (p, "$$");
      gsize len = sep != NULL ? (gsize) (sep - p) : strlen (p);

      if (len > 0 && item (p, len, out))
        n++;
      if (sep == NULL)
        break;
      p = sep + 2;
    }
}

static gboolean
add_nick (const gchar *text,
          gsize        len,
          GPtrArray   *out)
{
  gchar *nick = dup_nick (text, len);

  if (nick == NULL)
    return FALSE;
  g_ptr_array_add (out, nick);
  return TRUE;
}

/**
 * burrow_nmdc_split_nick_list:
 *
 * Returns: (transfer full) (element-type utf8): the nicks
 */
GPtrArray *
burrow_nmdc_split_nick_list (const gchar *args,
                             guint        max)
{
  GPtrArray *nicks = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (args != NULL, nicks);

  foreach_item (args, max, add_nick, nicks);
  return nicks;
}

static gboolean
add_user_ip (const gchar *text,
             gsize        len,
             GPtrArray   *out)
{
  const gchar *space = memchr (text, ' ', len);
  g_autofree gchar *nick = NULL;
  g_autofree gchar *ip = NULL;

  if (space == NULL)
    return FALSE;
  nick = dup_nick (text, (gsize) (space - text));
  ip = g_strndup (space + 1, (gsize) (text + len - space - 1));
  if (nick == NULL || !g_hostname_is_ip_address (ip))
    return FALSE;
  g_ptr_array_add (out, g_steal_pointer (&nick));
  g_ptr_array_add (out, g_steal_pointer (&ip));
  return TRUE;
}

/**
 * burrow_nmdc_split_user_ip:
 * @max: the most pairs returned
 *
 * Pairs whose nick is invalid or whose address is not an IP address are skipped.
 *
 * Returns: (transfer full) (element-type utf8): nick, ip, nick, ip, …
 */
GPtrArray *
burrow_nmdc_split_user_ip (const gchar *args,
                           guint        max)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (args != NULL, pairs);

  foreach_item (args, max, add_user_ip, pairs);
  return pairs;
}

static gchar *
hub_info_field (gchar **fields,
                guint   n,
                guint   i)
{
  if (i >= n || fields[i][0] == '\0')
    return NULL;
  return burrow_nmdc_unescape (fields[i]);
}

gboolean
burrow_nmdc_parse_hub_info (const gchar  *args,
                            gchar       **name,
                            gchar       **description,
                            gchar       **software,
                            GError      **error)
{
  g_auto(GStrv) fields = NULL;
  guint n;

  g_return_val_if_fail (args != NULL, FALSE);

  if (!check_length (args, "$HubINFO", error))
    return FALSE;
  if (args[0] == '\0' || args[0] == '$')
    return malformed (error, "$HubINFO");
  fields = g_strsplit (args, "$", 16);
  n = g_strv_length (fields);
  if (name != NULL)
    *name = hub_info_field (fields, n, 0);
  if (description != NULL)
    *description = hub_info_field (fields, n, 2);
  if (software != NULL)
    *software = hub_info_field (fields, n, 7);
  return TRUE;
}
