/* burrow-adc-message.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-adc-message"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"

#include "burrow-adc-message.h"

#define CID_LEN      39 /* base32 of 24 bytes */
#define CID_BYTES    24
#define FEATURE_LEN  5  /* sign + FOURCC */

/*
 * A message keeps its parameters unescaped and NUL-terminated, one after the
 * other, in @text; @offsets[i] is where parameter i starts. A parsed message
 * gets both arrays in the same allocation as the struct (inline storage, no
 * further allocation for the common case); the first add_param on such a
 * message moves them to the heap so that they can grow.
 */
struct _BurrowAdcMessage
{
  gint      ref_count;
  gchar     type;
  gboolean  inline_storage;
  guint32   command;
  guint32   sid;
  guint32   target;
  guint     n_params;
  guint     offsets_alloc;
  guint32  *offsets;
  gchar    *text;
  gsize     text_len;   /* bytes used in @text, NULs included */
  gsize     text_alloc;
  gchar    *features;   /* F type: "+TCP4-NAT0"; owned */
  gchar     cid[CID_LEN + 1]; /* U type; "" when unset */
};

G_DEFINE_BOXED_TYPE (BurrowAdcMessage, burrow_adc_message,
                     burrow_adc_message_ref, burrow_adc_message_unref)

/* ---------------------------------------------------------------------- */
/* Small syntax helpers                                                    */

static inline gint
sid_char_value (gchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

static inline gboolean
is_type_char (gchar c)
{
  switch (c)
    {
    case 'B': case 'C': case 'D': case 'E':
    case 'F': case 'H': case 'I': case 'U':
      return TRUE;
    default:
      return FALSE;
    }
}

static inline gboolean
is_upper_or_digit (gchar c)
{
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static inline gboolean
is_command (const gchar *s)
{
  return s[0] >= 'A' && s[0] <= 'Z' && is_upper_or_digit (s[1]) && is_upper_or_digit (s[2]);
}

static inline gboolean
command_is_valid (guint32 command)
{
  gchar s[3] = { (gchar) (command >> 16), (gchar) (command >> 8), (gchar) command };

  return command <= 0xffffff && is_command (s);
}

static gboolean
features_are_valid (const gchar *s,
                    gsize        len)
{
  if (len == 0 || len % FEATURE_LEN != 0)
    return FALSE;

  for (gsize i = 0; i < len; i += FEATURE_LEN)
    {
      if (s[i] != '+' && s[i] != '-')
        return FALSE;
      for (gsize j = 1; j < FEATURE_LEN; j++)
        if (!is_upper_or_digit (s[i + j]))
          return FALSE;
    }
  return TRUE;
}

static guint
positional_count (gchar   type,
                  guint32 command)
{
  switch (command)
    {
    case BURROW_ADC_CMD_MSG:
    case BURROW_ADC_CMD_SID:
    case BURROW_ADC_CMD_GPA:
    case BURROW_ADC_CMD_PAS:
    case BURROW_ADC_CMD_CMD:
      return 1;
    case BURROW_ADC_CMD_QUI:
      return type == 'I' ? 1 : 0;
    case BURROW_ADC_CMD_STA:
    case BURROW_ADC_CMD_RCM:
    case BURROW_ADC_CMD_GFI:
      return 2;
    case BURROW_ADC_CMD_CTM:
    case BURROW_ADC_CMD_NAT:
    case BURROW_ADC_CMD_RNT:
      return 3;
    case BURROW_ADC_CMD_GET:
    case BURROW_ADC_CMD_SND:
      return 4;
    case BURROW_ADC_CMD_INF:
    case BURROW_ADC_CMD_SUP:
    case BURROW_ADC_CMD_SCH:
    case BURROW_ADC_CMD_RES:
    default:
      /* unknown commands: every parameter may be a named one */
      return 0;
    }
}

/* ---------------------------------------------------------------------- */
/* SIDs and escaping                                                       */

/**
 * burrow_adc_sid_parse:
 * @s: four upper-case base32 characters
 * @len: length of @s, or -1 if NUL-terminated
 * @out: (out) (optional): the 20-bit SID
 *
 * Returns: whether @s is a valid SID
 */
gboolean
burrow_adc_sid_parse (const gchar *s,
                      gssize       len,
                      guint32     *out)
{
  guint32 sid = 0;
  gsize n;

  g_return_val_if_fail (s != NULL, FALSE);

  n = len < 0 ? strlen (s) : (gsize) len;
  if (n != 4)
    return FALSE;

  for (gsize i = 0; i < 4; i++)
    {
      gint v = sid_char_value (s[i]);

      if (v < 0)
        return FALSE;
      sid = (sid << 5) | (guint32) v;
    }

  if (out != NULL)
    *out = sid;
  return TRUE;
}

/**
 * burrow_adc_sid_to_string:
 * @sid: a SID (only the low 20 bits are used)
 * @out: (out caller-allocates): room for 5 characters
 *
 * Writes the four base32 characters of @sid and a NUL.
 */
void
burrow_adc_sid_to_string (guint32 sid,
                          gchar   out[5])
{
  static const gchar alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  out[0] = alphabet[(sid >> 15) & 31];
  out[1] = alphabet[(sid >> 10) & 31];
  out[2] = alphabet[(sid >> 5) & 31];
  out[3] = alphabet[sid & 31];
  out[4] = '\0';
}

static void
append_escaped (GString     *out,
                const gchar *s)
{
  while (*s != '\0')
    {
      gsize run = strcspn (s, " \n\\");

      if (run > 0)
        g_string_append_len (out, s, run);
      s += run;
      switch (*s)
        {
        case ' ':
          g_string_append_len (out, "\\s", 2);
          break;
        case '\n':
          g_string_append_len (out, "\\n", 2);
          break;
        case '\\':
          g_string_append_len (out, "\\\\", 2);
          break;
        default:
          return;
        }
      s++;
    }
}

/**
 * burrow_adc_escape:
 * @s: a parameter value
 *
 * Escapes space, newline and backslash as `\s`, `\n` and `\\`.
 *
 * Returns: (transfer full): the escaped text
 */
gchar *
burrow_adc_escape (const gchar *s)
{
  GString *out;

  g_return_val_if_fail (s != NULL, NULL);

  out = g_string_sized_new (strlen (s) + 8);
  append_escaped (out, s);
  return g_string_free (out, FALSE);
}

/* Returns the escape character's meaning, or 0 if it is not a valid escape. */
static inline gchar
unescape_char (gchar c)
{
  switch (c)
    {
    case 's':
      return ' ';
    case 'n':
      return '\n';
    case '\\':
      return '\\';
    default:
      return 0;
    }
}

static void
set_bad_escape (GError **error,
                gsize    pos)
{
  g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_ESCAPE,
               _("Invalid escape sequence at byte %zu"), pos);
}

/**
 * burrow_adc_unescape:
 * @s: escaped text
 * @len: length of @s, or -1 if NUL-terminated
 * @error: return location for a #GError
 *
 * Undoes burrow_adc_escape(). Any backslash not followed by `s`, `n` or a
 * second backslash is %BURROW_PROTOCOL_ERROR_BAD_ESCAPE.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with @error set
 */
gchar *
burrow_adc_unescape (const gchar *s,
                     gssize       len,
                     GError     **error)
{
  g_autofree gchar *out = NULL;
  gsize n, o = 0;

  g_return_val_if_fail (s != NULL, NULL);

  n = len < 0 ? strlen (s) : (gsize) len;
  out = g_malloc (n + 1);

  for (gsize i = 0; i < n; i++)
    {
      if (s[i] == '\\')
        {
          gchar c = i + 1 < n ? unescape_char (s[i + 1]) : 0;

          if (c == 0)
            {
              set_bad_escape (error, i);
              return NULL;
            }
          out[o++] = c;
          i++;
        }
      else
        {
          out[o++] = s[i];
        }
    }
  out[o] = '\0';

  return g_steal_pointer (&out);
}

/* ---------------------------------------------------------------------- */
/* Construction and lifetime                                               */

/**
 * burrow_adc_message_new:
 * @type: one of `B C D E F H I U`
 * @command: a command made with BURROW_ADC_CMD()
 *
 * Creates an empty message. Set the header fields the type needs (SID,
 * target, CID or features) before serialising it.
 *
 * Returns: (transfer full): a new message
 */
BurrowAdcMessage *
burrow_adc_message_new (gchar   type,
                        guint32 command)
{
  BurrowAdcMessage *msg;

  g_return_val_if_fail (is_type_char (type), NULL);
  g_return_val_if_fail (command_is_valid (command), NULL);

  msg = g_new0 (BurrowAdcMessage, 1);
  msg->ref_count = 1;
  msg->type = type;
  msg->command = command;
  return msg;
}

/**
 * burrow_adc_message_new_broadcast:
 *
 * Returns: (transfer full): a new `B` message from @my_sid
 */
BurrowAdcMessage *
burrow_adc_message_new_broadcast (guint32 command,
                                  guint32 my_sid)
{
  BurrowAdcMessage *msg;

  g_return_val_if_fail (my_sid <= BURROW_ADC_SID_MAX, NULL);

  msg = burrow_adc_message_new ('B', command);
  if (msg != NULL)
    msg->sid = my_sid;
  return msg;
}

/**
 * burrow_adc_message_new_direct:
 * @type: `D` or `E`
 *
 * Returns: (transfer full): a new direct or echo message
 */
BurrowAdcMessage *
burrow_adc_message_new_direct (gchar   type,
                               guint32 command,
                               guint32 my_sid,
                               guint32 target_sid)
{
  BurrowAdcMessage *msg;

  g_return_val_if_fail (type == 'D' || type == 'E', NULL);
  g_return_val_if_fail (my_sid <= BURROW_ADC_SID_MAX, NULL);
  g_return_val_if_fail (target_sid <= BURROW_ADC_SID_MAX, NULL);

  msg = burrow_adc_message_new (type, command);
  if (msg != NULL)
    {
      msg->sid = my_sid;
      msg->target = target_sid;
    }
  return msg;
}

/**
 * burrow_adc_message_ref:
 *
 * Returns: (transfer full): @msg
 */
BurrowAdcMessage *
burrow_adc_message_ref (BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (msg->ref_count > 0, NULL);

  g_atomic_int_inc (&msg->ref_count);
  return msg;
}

void
burrow_adc_message_unref (BurrowAdcMessage *msg)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (msg->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&msg->ref_count))
    return;

  if (!msg->inline_storage)
    {
      g_free (msg->offsets);
      g_free (msg->text);
    }
  g_free (msg->features);
  g_free (msg);
}

/* ---------------------------------------------------------------------- */
/* Parser                                                                  */

static BurrowAdcMessage *
parse_error (GError     **error,
             gint         code,
             const gchar *message)
{
  g_set_error_literal (error, BURROW_PROTOCOL_ERROR, code, message);
  return NULL;
}

/* Header field starting after the space at *pos; moves *pos to the end of it. */
static gboolean
next_header_field (const gchar  *line,
                   gsize         n,
                   gsize        *pos,
                   const gchar **field,
                   gsize        *field_len)
{
  const gchar *start, *space;

  if (*pos >= n)
    return FALSE;

  /* line[*pos] is the separating space */
  start = line + *pos + 1;
  space = memchr (start, ' ', n - (*pos + 1));
  *field = start;
  *field_len = space != NULL ? (gsize) (space - start) : n - (*pos + 1);
  *pos += 1 + *field_len;
  return TRUE;
}

/**
 * burrow_adc_message_parse:
 * @line: one line, without (or with a single) trailing newline
 * @len: length of @line, or -1 if NUL-terminated
 * @error: return location for a #GError
 *
 * Parses and validates one ADC message. Parameters are unescaped; empty
 * parameters (two consecutive spaces, or a trailing space) are kept as "".
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 *   in the %BURROW_PROTOCOL_ERROR domain
 */
BurrowAdcMessage *
burrow_adc_message_parse (const gchar *line,
                          gssize       len,
                          GError     **error)
{
  BurrowAdcMessage *msg;
  gsize n, pos;
  guint n_spaces = 0, header_spaces, n_params;
  gboolean non_ascii = FALSE;
  gchar type;
  guint32 command, sid = 0, target = 0;
  const gchar *field;
  gsize field_len;
  const gchar *features = NULL;
  gsize features_len = 0;
  const gchar *cid = NULL;
  gsize text_size;
  guint32 *offsets;
  gchar *text;
  gsize o;
  guint idx;

  g_return_val_if_fail (line != NULL || len == 0, NULL);

  n = len < 0 ? strlen (line) : (gsize) len;
  if (n > 0 && line[n - 1] == '\n')
    n--;

  if (n > BURROW_ADC_MAX_LINE_LENGTH)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG,
                   _("ADC line of %zu bytes exceeds the limit of %d bytes"),
                   n, BURROW_ADC_MAX_LINE_LENGTH);
      return NULL;
    }
  if (n == 0)
    return parse_error (error, BURROW_PROTOCOL_ERROR_MALFORMED, _("Empty ADC line"));

  /* One pass for control characters and separators; full UTF-8 validation
   * only when there is something beyond ASCII. */
  for (gsize i = 0; i < n; i++)
    {
      guchar c = (guchar) line[i];

      if (c == ' ')
        {
          n_spaces++;
        }
      else if (c < 0x20 || c == 0x7f)
        {
          return parse_error (error, BURROW_PROTOCOL_ERROR_INVALID_UTF8,
                              _("ADC line contains a control character"));
        }
      else if (c >= 0x80)
        {
          non_ascii = TRUE;
          /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */
          if (c == 0xc2 && i + 1 < n && (guchar) line[i + 1] <= 0x9f)
            return parse_error (error, BURROW_PROTOCOL_ERROR_INVALID_UTF8,
                                _("ADC line contains a control character"));
        }
    }
  if (non_ascii && !g_utf8_validate_len (line, n, NULL))
    return parse_error (error, BURROW_PROTOCOL_ERROR_INVALID_UTF8,
                        _("ADC line is not valid UTF-8"));

  /* Header: type letter and command */
  type = line[0];
  if (!is_type_char (type))
    return parse_error (error, BURROW_PROTOCOL_ERROR_BAD_TYPE,
                        _("Unknown ADC message type"));
  if (n < 4 || !is_command (line + 1) || (n > 4 && line[4] != ' '))
    return parse_error (error, BURROW_PROTOCOL_ERROR_BAD_COMMAND,
                        _("Invalid ADC command name"));
  command = BURROW_ADC_CMD (line[1], line[2], line[3]);

  pos = 4;
  header_spaces = 0;
  switch (type)
    {
    case 'B':
    case 'D':
    case 'E':
    case 'F':
      if (!next_header_field (line, n, &pos, &field, &field_len) ||
          !burrow_adc_sid_parse (field, field_len, &sid))
        return parse_error (error, BURROW_PROTOCOL_ERROR_BAD_SID,
                            _("Missing or invalid source SID"));
      header_spaces++;

      if (type == 'D' || type == 'E')
        {
          if (!next_header_field (line, n, &pos, &field, &field_len) ||
              !burrow_adc_sid_parse (field, field_len, &target))
            return parse_error (error, BURROW_PROTOCOL_ERROR_BAD_SID,
                                _("Missing or invalid target SID"));
          header_spaces++;
        }
      else if (type == 'F')
        {
          if (!next_header_field (line, n, &pos, &field, &field_len) ||
              !features_are_valid (field, field_len))
            return parse_error (error, BURROW_PROTOCOL_ERROR_BAD_FEATURES,
                                _("Missing or invalid feature selection"));
          features = field;
          features_len = field_len;
          header_spaces++;
        }
      break;

    case 'U':
      if (!next_header_field (line, n, &pos, &field, &field_len) ||
          field_len != CID_LEN || !burrow_base32_is_valid (field, field_len, CID_BYTES))
        return parse_error (error, BURROW_PROTOCOL_ERROR_BAD_CID,
                            _("Missing or invalid CID"));
      cid = field;
      header_spaces++;
      break;

    default:
      break;
    }

  /* Parameters: everything after the space following the header */
  if (pos < n)
    {
      n_params = n_spaces - header_spaces; /* spaces after pos, plus one */
      if (n_params > BURROW_ADC_MAX_PARAMS)
        {
          g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_MANY_PARAMS,
                       _("ADC message has %u parameters, the limit is %d"),
                       n_params, BURROW_ADC_MAX_PARAMS);
          return NULL;
        }
      text_size = n - pos; /* unescaped values + one NUL each never exceed this */
    }
  else
    {
      n_params = 0;
      text_size = 0;
    }

  msg = g_malloc (sizeof (BurrowAdcMessage) + n_params * sizeof (guint32) + text_size);
  offsets = (guint32 *) (gpointer) ((guint8 *) msg + sizeof (BurrowAdcMessage));
  text = (gchar *) (offsets + n_params);

  o = 0;
  idx = 0;
  if (n_params > 0)
    {
      offsets[0] = 0;
      for (gsize i = pos + 1; i < n; i++)
        {
          gchar c = line[i];

          if (c == ' ')
            {
              text[o++] = '\0';
              offsets[++idx] = (guint32) o;
            }
          else if (c == '\\')
            {
              gchar u = i + 1 < n ? unescape_char (line[i + 1]) : 0;

              if (u == 0)
                {
                  g_free (msg);
                  set_bad_escape (error, i);
                  return NULL;
                }
              text[o++] = u;
              i++;
            }
          else
            {
              text[o++] = c;
            }
        }
      text[o++] = '\0';
      g_assert (idx + 1 == n_params && o <= text_size);
    }

  msg->ref_count = 1;
  msg->type = type;
  msg->inline_storage = TRUE;
  msg->command = command;
  msg->sid = sid;
  msg->target = target;
  msg->n_params = n_params;
  msg->offsets_alloc = n_params;
  msg->offsets = offsets;
  msg->text = text;
  msg->text_len = o;
  msg->text_alloc = text_size;
  msg->features = features != NULL ? g_strndup (features, features_len) : NULL;
  if (cid != NULL)
    {
      for (gsize i = 0; i < CID_LEN; i++)
        msg->cid[i] = g_ascii_toupper (cid[i]);
      msg->cid[CID_LEN] = '\0';
    }
  else
    {
      msg->cid[0] = '\0';
    }

  return msg;
}

/* ---------------------------------------------------------------------- */
/* Header accessors                                                        */

/**
 * burrow_adc_message_get_type_char:
 *
 * Returns: the message type letter (`B`, `C`, `D`, `E`, `F`, `H`, `I` or `U`)
 */
gchar
burrow_adc_message_get_type_char (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->type;
}

guint32
burrow_adc_message_get_command (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->command;
}

/**
 * burrow_adc_message_get_sid:
 *
 * Returns: the source SID of a `B`, `D`, `E` or `F` message (0 otherwise)
 */
guint32
burrow_adc_message_get_sid (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->sid;
}

/**
 * burrow_adc_message_get_target:
 *
 * Returns: the target SID of a `D` or `E` message (0 otherwise)
 */
guint32
burrow_adc_message_get_target (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->target;
}

/**
 * burrow_adc_message_get_cid:
 *
 * Returns: (nullable): the CID of a `U` message, upper case
 */
const gchar *
burrow_adc_message_get_cid (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->cid[0] != '\0' ? msg->cid : NULL;
}

/**
 * burrow_adc_message_get_features:
 *
 * Returns: (nullable): the feature selection of an `F` message as on the
 *   wire, e.g. `+TCP4-NAT0`
 */
const gchar *
burrow_adc_message_get_features (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->features;
}

/**
 * burrow_adc_message_dup_features:
 *
 * Returns: (transfer full) (nullable): the features of an `F` message split
 *   into signed FOURCCs (`+TCP4`, `-NAT0`), or %NULL
 */
GStrv
burrow_adc_message_dup_features (const BurrowAdcMessage *msg)
{
  GStrv out;
  gsize n;

  g_return_val_if_fail (msg != NULL, NULL);

  if (msg->features == NULL)
    return NULL;

  n = strlen (msg->features) / FEATURE_LEN;
  out = g_new (gchar *, n + 1);
  for (gsize i = 0; i < n; i++)
    out[i] = g_strndup (msg->features + i * FEATURE_LEN, FEATURE_LEN);
  out[n] = NULL;
  return out;
}

void
burrow_adc_message_set_sid (BurrowAdcMessage *msg,
                            guint32           sid)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (sid <= BURROW_ADC_SID_MAX);
  msg->sid = sid;
}

void
burrow_adc_message_set_target (BurrowAdcMessage *msg,
                               guint32           target_sid)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (target_sid <= BURROW_ADC_SID_MAX);
  msg->target = target_sid;
}

/**
 * burrow_adc_message_set_cid:
 * @cid: 39 base32 characters (24 bytes)
 */
void
burrow_adc_message_set_cid (BurrowAdcMessage *msg,
                            const gchar      *cid)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (cid != NULL);
  g_return_if_fail (strlen (cid) == CID_LEN && burrow_base32_is_valid (cid, CID_LEN, CID_BYTES));

  for (gsize i = 0; i < CID_LEN; i++)
    msg->cid[i] = g_ascii_toupper (cid[i]);
  msg->cid[CID_LEN] = '\0';
}

/**
 * burrow_adc_message_set_features:
 * @features: one or more signed FOURCCs without spaces, e.g. `+TCP4-NAT0`
 */
void
burrow_adc_message_set_features (BurrowAdcMessage *msg,
                                 const gchar      *features)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (features != NULL && features_are_valid (features, strlen (features)));

  g_free (msg->features);
  msg->features = g_strdup (features);
}

/* ---------------------------------------------------------------------- */
/* Parameters                                                              */

static void
ensure_room (BurrowAdcMessage *msg,
             gsize             extra_text)
{
  if (msg->inline_storage)
    {
      guint32 *offsets = g_new (guint32, MAX (msg->n_params * 2, 8));
      gsize alloc = MAX (msg->text_len * 2, 64);
      gchar *text;

      alloc = MAX (alloc, msg->text_len + extra_text);
      text = g_malloc (alloc);
      if (msg->n_params > 0)
        memcpy (offsets, msg->offsets, msg->n_params * sizeof (guint32));
      if (msg->text_len > 0)
        memcpy (text, msg->text, msg->text_len);
      msg->offsets = offsets;
      msg->offsets_alloc = MAX (msg->n_params * 2, 8);
      msg->text = text;
      msg->text_alloc = alloc;
      msg->inline_storage = FALSE;
    }

  if (msg->n_params == msg->offsets_alloc)
    {
      msg->offsets_alloc = MAX (msg->offsets_alloc * 2, 8);
      msg->offsets = g_renew (guint32, msg->offsets, msg->offsets_alloc);
    }
  if (msg->text_len + extra_text > msg->text_alloc)
    {
      msg->text_alloc = MAX (msg->text_alloc * 2, msg->text_len + extra_text);
      msg->text_alloc = MAX (msg->text_alloc, 64);
      msg->text = g_realloc (msg->text, msg->text_alloc);
    }
}

static void
add_param_parts (BurrowAdcMessage *msg,
                 const gchar      *a,
                 gsize             a_len,
                 const gchar      *b,
                 gsize             b_len)
{
  gsize total = a_len + b_len + 1;

  g_return_if_fail (msg->text_len + total <= G_MAXUINT32);

  ensure_room (msg, total);
  msg->offsets[msg->n_params++] = (guint32) msg->text_len;
  if (a_len > 0)
    memcpy (msg->text + msg->text_len, a, a_len);
  if (b_len > 0)
    memcpy (msg->text + msg->text_len + a_len, b, b_len);
  msg->text[msg->text_len + a_len + b_len] = '\0';
  msg->text_len += total;
}

/**
 * burrow_adc_message_add_param:
 * @value: an unescaped value (UTF-8; it is escaped on output)
 *
 * Appends a positional parameter. The parser rejects control characters,
 * so don't put any in a value you mean to send.
 */
void
burrow_adc_message_add_param (BurrowAdcMessage *msg,
                              const gchar      *value)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (value != NULL);

  add_param_parts (msg, value, strlen (value), NULL, 0);
}

static gboolean
name_is_valid (const gchar *name)
{
  return name != NULL && name[0] >= 'A' && name[0] <= 'Z' &&
         is_upper_or_digit (name[1]) && name[2] == '\0';
}

/**
 * burrow_adc_message_add_named:
 * @name: two characters, `[A-Z][A-Z0-9]`
 * @value: (nullable): the unescaped value; %NULL or "" adds the bare name
 */
void
burrow_adc_message_add_named (BurrowAdcMessage *msg,
                              const gchar      *name,
                              const gchar      *value)
{
  g_return_if_fail (msg != NULL);
  g_return_if_fail (name_is_valid (name));

  add_param_parts (msg, name, 2, value, value != NULL ? strlen (value) : 0);
}

void
burrow_adc_message_add_named_int (BurrowAdcMessage *msg,
                                  const gchar      *name,
                                  gint64            value)
{
  gchar buf[32];
  gint len;

  g_return_if_fail (msg != NULL);
  g_return_if_fail (name_is_valid (name));

  len = g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, value);
  add_param_parts (msg, name, 2, buf, (gsize) len);
}

guint
burrow_adc_message_get_n_params (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->n_params;
}

/**
 * burrow_adc_message_get_param:
 * @i: index among all parameters after the header fields, in wire order
 *
 * Returns: (nullable): the unescaped parameter, or %NULL if out of range
 */
const gchar *
burrow_adc_message_get_param (const BurrowAdcMessage *msg,
                              guint                   i)
{
  g_return_val_if_fail (msg != NULL, NULL);

  if (i >= msg->n_params)
    return NULL;
  return msg->text + msg->offsets[i];
}

/**
 * burrow_adc_message_get_n_positional:
 *
 * Returns: how many leading parameters the command defines as positional
 *   (for instance 3 for CTM), at most the number of parameters; 0 for
 *   commands this table does not know
 */
guint
burrow_adc_message_get_n_positional (const BurrowAdcMessage *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return MIN (positional_count (msg->type, msg->command), msg->n_params);
}

static const gchar *
find_named (const BurrowAdcMessage *msg,
            const gchar            *name,
            guint                  *index)
{
  for (guint i = *index; i < msg->n_params; i++)
    {
      const gchar *p = msg->text + msg->offsets[i];

      if (p[0] == name[0] && p[0] != '\0' && p[1] == name[1])
        {
          *index = i + 1;
          return p + 2;
        }
    }
  *index = msg->n_params;
  return NULL;
}

/**
 * burrow_adc_message_get_named:
 * @name: a two-character parameter name
 *
 * Looks at the parameters after the command's positional ones.
 *
 * Returns: (nullable): the first value of @name ("" for a bare name), or %NULL
 */
const gchar *
burrow_adc_message_get_named (const BurrowAdcMessage *msg,
                              const gchar            *name)
{
  guint i;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (name_is_valid (name), NULL);

  i = burrow_adc_message_get_n_positional (msg);
  return find_named (msg, name, &i);
}

/**
 * burrow_adc_message_get_named_int:
 * @out: (out) (optional): the value
 *
 * Returns: whether @name is present and its value is a decimal 64-bit integer
 */
gboolean
burrow_adc_message_get_named_int (const BurrowAdcMessage *msg,
                                  const gchar            *name,
                                  gint64                 *out)
{
  const gchar *value = burrow_adc_message_get_named (msg, name);
  gint64 v;

  if (value == NULL ||
      !g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &v, NULL))
    return FALSE;
  if (out != NULL)
    *out = v;
  return TRUE;
}

gboolean
burrow_adc_message_has_named (const BurrowAdcMessage *msg,
                              const gchar            *name)
{
  return burrow_adc_message_get_named (msg, name) != NULL;
}

/**
 * burrow_adc_message_dup_all_named:
 *
 * Returns: (transfer full) (element-type utf8): every value of @name in wire
 *   order (possibly none)
 */
GPtrArray *
burrow_adc_message_dup_all_named (const BurrowAdcMessage *msg,
                                  const gchar            *name)
{
  GPtrArray *out;
  const gchar *value;
  guint i;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (name_is_valid (name), NULL);

  out = g_ptr_array_new_with_free_func (g_free);
  i = burrow_adc_message_get_n_positional (msg);
  while ((value = find_named (msg, name, &i)) != NULL)
    g_ptr_array_add (out, g_strdup (value));
  return out;
}

/* ---------------------------------------------------------------------- */
/* Serialisation                                                           */

/**
 * burrow_adc_message_append_to:
 * @out: the string to append to
 *
 * Appends the escaped line and its terminating newline.
 */
void
burrow_adc_message_append_to (const BurrowAdcMessage *msg,
                              GString                *out)
{
  gchar header[4];
  gchar sid[5];

  g_return_if_fail (msg != NULL);
  g_return_if_fail (out != NULL);

  header[0] = msg->type;
  header[1] = (gchar) (msg->command >> 16);
  header[2] = (gchar) (msg->command >> 8);
  header[3] = (gchar) msg->command;
  g_string_append_len (out, header, 4);

  switch (msg->type)
    {
    case 'B':
    case 'D':
    case 'E':
    case 'F':
      burrow_adc_sid_to_string (msg->sid, sid);
      g_string_append_c (out, ' ');
      g_string_append_len (out, sid, 4);
      if (msg->type == 'D' || msg->type == 'E')
        {
          burrow_adc_sid_to_string (msg->target, sid);
          g_string_append_c (out, ' ');
          g_string_append_len (out, sid, 4);
        }
      else if (msg->type == 'F')
        {
          g_string_append_c (out, ' ');
          if (msg->features != NULL)
            g_string_append (out, msg->features);
        }
      break;
    case 'U':
      g_string_append_c (out, ' ');
      g_string_append (out, msg->cid);
      break;
    default:
      break;
    }

  for (guint i = 0; i < msg->n_params; i++)
    {
      g_string_append_c (out, ' ');
      append_escaped (out, msg->text + msg->offsets[i]);
    }
  g_string_append_c (out, '\n');
}

/**
 * burrow_adc_message_to_string:
 *
 * Returns: (transfer full): the escaped line, without the trailing newline
 */
gchar *
burrow_adc_message_to_string (const BurrowAdcMessage *msg)
{
  GString *out;

  g_return_val_if_fail (msg != NULL, NULL);

  out = g_string_sized_new (64 + msg->text_len + msg->text_len / 8);
  burrow_adc_message_append_to (msg, out);
  g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
