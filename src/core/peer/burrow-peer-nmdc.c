/* burrow-peer-nmdc.c — the NMDC client-client protocol of BurrowPeerConnection
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The handshake (../shared/NMDC.md §2.4, PROTOCOL.md §3.7), one state per awaited line:
 *
 *   NMDC_NICK  the peer's `$MyNick` (accepting side: the token func accepts the nick)
 *   NMDC_LOCK  its `$Lock`; the accepting side now sends `$MyNick` and `$Lock`, and every side
 *              sends `$Supports`, `$Direction` and `$Key` (the key of the peer's lock)
 *   NMDC_KEY   `$Supports` (must list ADCGet and TTHF) and `$Direction`, then `$Key`: done
 *
 * The connecting and the NAT side send `$MyNick` and `$Lock` at once. After the handshake
 * `$ADCGET`/`$ADCSND` are ADC's GET/SND with NMDC framing: they are translated to the ADC
 * messages and run through the ADC transfer code in burrow-peer-connection.c, so uploads,
 * downloads and their errors behave exactly as on ADC. `$Error`/`$MaxedOut` become STA 151/153.
 */

#define G_LOG_DOMAIN "burrow-peer-connection"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "burrow-error.h"

#include "burrow-peer-connection-private.h"

/* DC++'s client-client lock; the key of it is what a peer sends back */
#define OUR_LOCK     "EXTENDEDPROTOCOLABCABCABCABCABCABC"
#define OUR_SUPPORTS "MiniSlots XmlBZList ADCGet TTHL TTHF ZLIG"

void
_burrow_peer_nmdc_finalize (BurrowPeerConnection *self)
{
  g_clear_pointer (&self->our_nick, g_free);
  g_clear_pointer (&self->peer_nick, g_free);
  g_clear_pointer (&self->charset, burrow_nmdc_charset_free);
}

/* --- writing -------------------------------------------------------------------------------- */

static gboolean
send_raw (BurrowPeerConnection *self,
          GString              *lines)
{
  g_autoptr(GError) error = NULL;

  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("→ %s", lines->str);
  if (!burrow_line_channel_send (self->channel, lines->str, lines->len, &error))
    {
      _burrow_peer_connection_fail (self, error->domain, error->code, error->message);
      return FALSE;
    }
  return TRUE;
}

/* `$MyNick <nick>|$Lock EXTENDEDPROTOCOL… Pk=Burrow<version>|` */
static gboolean
send_hello (BurrowPeerConnection *self)
{
  g_autoptr(GString) out = g_string_new ("$MyNick ");
  g_autofree gchar *nick = NULL;
  gsize nick_len = 0;

  nick = burrow_nmdc_charset_encode (self->charset, self->our_nick, &nick_len);
  g_string_append_len (out, nick, (gssize) nick_len);
  g_string_append (out, "|$Lock " OUR_LOCK " Pk=Burrow" PACKAGE_VERSION "|");
  self->sent_lock = TRUE;
  return send_raw (self, out);
}

/* `$Supports …|$Direction …|$Key <key of @lock>|` */
static gboolean
send_supports (BurrowPeerConnection *self,
               GBytes               *lock)
{
  g_autoptr(GString) out = g_string_new ("$Supports " OUR_SUPPORTS "|");
  g_autoptr(GBytes) key = burrow_nmdc_key_from_lock (lock);
  gsize key_len;
  const gchar *key_data = g_bytes_get_data (key, &key_len);

  g_string_append_printf (out, "$Direction %s %u|", self->want_download ? "Download" : "Upload",
                          self->direction_number);
  g_string_append (out, "$Key ");
  g_string_append_len (out, key_data, (gssize) key_len);
  g_string_append_c (out, '|');
  return send_raw (self, out);
}

/* ADC escapes a space as `\s`; NMDC's $ADCGET/$ADCSND as `\ ` (eiskalt, ncdc) */
static void
append_adc_as_nmdc (GString     *out,
                    const gchar *text,
                    gsize        len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\\' && i + 1 < len)
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, text[i + 1] == 's' ? ' ' : text[i + 1]);
          i++;
        }
      else
        g_string_append_c (out, text[i]);
    }
}

/* The reverse: `\ ` becomes `\s`; `\s` (which ncdc and eiskalt accept too) stays */
static void
append_nmdc_as_adc (GString     *out,
                    const gchar *text,
                    gsize        len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\\' && i + 1 < len)
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, text[i + 1] == ' ' ? 's' : text[i + 1]);
          i++;
        }
      else
        g_string_append_c (out, text[i]);
    }
}

gboolean
_burrow_peer_nmdc_send_message (BurrowPeerConnection *self,
                                BurrowAdcMessage     *msg)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new ("$ADC");
  guint32 command = burrow_adc_message_get_command (msg);

  /* only transfers cross over; STA goes through _burrow_peer_nmdc_send_error() */
  if (command != BURROW_ADC_CMD_GET && command != BURROW_ADC_CMD_SND)
    {
      g_debug ("not sending an ADC message that NMDC has no form for");
      return TRUE;
    }
  burrow_adc_message_append_to (msg, line);
  /* "CGET …\n" → "$ADCGET …|" */
  g_assert (line->len >= 2 && line->str[line->len - 1] == '\n');
  append_adc_as_nmdc (out, line->str + 1, line->len - 2);
  if (strchr (out->str, '|') != NULL)
    {
      _burrow_peer_connection_fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH,
                                    _("An NMDC peer cannot be asked for a path with '|'"));
      return FALSE;
    }
  g_string_append_c (out, '|');
  return send_raw (self, out);
}

void
_burrow_peer_nmdc_send_error (BurrowPeerConnection *self,
                              const gchar          *code,
                              const gchar          *text)
{
  g_autoptr(GString) out = NULL;

  if (g_str_equal (code, "153"))
    out = g_string_new ("$MaxedOut|");
  else if (g_str_equal (code, "151"))
    out = g_string_new ("$Error File Not Available|");
  else
    {
      out = g_string_new ("$Error ");
      g_string_append_printf (out, "%s|", text);
    }
  send_raw (self, out);
}

/* --- reading -------------------------------------------------------------------------------- */

/* Whether @line is `@command` or `@command <args>`; @args and @args_len get what follows. */
static gboolean
is_command (const gchar  *line,
            gsize         len,
            const gchar  *command,
            const gchar **args,
            gsize        *args_len)
{
  gsize n = strlen (command);

  if (len < n || memcmp (line, command, n) != 0 || (len > n && line[n] != ' '))
    return FALSE;
  *args = len > n ? line + n + 1 : line + len;
  *args_len = len > n ? len - n - 1 : 0;
  return TRUE;
}

static void
refuse_old_client (BurrowPeerConnection *self)
{
  _burrow_peer_connection_fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PROTOCOL_MISMATCH,
                                _("The NMDC peer does not support ADCGet and TTHF (an old client)"));
}

static void
handle_my_nick (BurrowPeerConnection *self,
                const gchar          *line,
                gsize                 len)
{
  const gchar *args;
  gsize args_len;
  g_autofree gchar *nick = NULL;

  if (!is_command (line, len, "$MyNick", &args, &args_len))
    {
      _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                                    _("The NMDC peer did not start with $MyNick"));
      return;
    }
  nick = burrow_nmdc_charset_decode (self->charset, args, (gssize) args_len);
  if (!burrow_nmdc_nick_is_valid (nick))
    {
      _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                                    _("The NMDC peer's $MyNick is not a valid nick"));
      return;
    }

  if (self->side == BURROW_PEER_SIDE_ACCEPTING)
    {
      if (self->token_func == NULL || !self->token_func (self, nick, NULL, self->token_data))
        {
          _burrow_peer_connection_fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                                        _("An NMDC peer connected that we did not expect"));
          return;
        }
    }
  else if (self->token != NULL && !g_str_equal (self->token, nick))
    {
      _burrow_peer_connection_fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                                    _("The NMDC user who answered is not the one we expected"));
      return;
    }
  g_free (self->token);
  self->token = g_strdup (nick);
  self->peer_nick = g_steal_pointer (&nick);
  self->state = STATE_NMDC_LOCK;
}

static void
handle_lock (BurrowPeerConnection *self,
             const gchar          *line,
             gsize                 len)
{
  const gchar *args;
  gsize args_len;
  g_autoptr(GBytes) lock = NULL;
  g_autofree gchar *pk = NULL;
  g_autoptr(GError) error = NULL;

  if (!is_command (line, len, "$Lock", &args, &args_len))
    {
      _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                                    _("The NMDC peer did not send $Lock after $MyNick"));
      return;
    }
  if (!burrow_nmdc_parse_lock (args, args_len, &lock, &pk, &error))
    {
      _burrow_peer_connection_fail (self, error->domain, error->code, error->message);
      return;
    }
  g_debug ("the peer's client: %s", pk != NULL ? pk : "(no Pk)");

  if (!self->sent_lock && !send_hello (self))
    return;
  if (!send_supports (self, lock))
    return;
  self->state = STATE_NMDC_KEY;
}

static gboolean
parse_supports (BurrowPeerConnection *self,
                const gchar          *args,
                gsize                 args_len)
{
  g_autofree gchar *text = g_strndup (args, args_len);
  g_auto(GStrv) features = g_strsplit (text, " ", -1);
  gboolean adcget = FALSE, tthf = FALSE;

  for (guint i = 0; features[i] != NULL; i++)
    {
      if (g_str_equal (features[i], "ADCGet"))
        adcget = TRUE;
      else if (g_str_equal (features[i], "TTHF"))
        tthf = TRUE;
      else if (g_str_equal (features[i], "ZLIG"))
        self->peer_zlig = TRUE;
    }
  self->got_supports = TRUE;
  return adcget && tthf;
}

static gboolean
parse_direction (BurrowPeerConnection *self,
                 const gchar          *args,
                 gsize                 args_len)
{
  g_autofree gchar *text = g_strndup (args, args_len);
  const gchar *number = strchr (text, ' ');
  guint64 value;

  if (number == NULL ||
      !g_ascii_string_to_unsigned (number + 1, 10, 0, G_MAXUINT16, &value, NULL))
    return FALSE;
  if (g_str_has_prefix (text, "Download "))
    self->peer_wants_download = TRUE;
  else if (g_str_has_prefix (text, "Upload "))
    self->peer_wants_download = FALSE;
  else
    return FALSE;
  self->peer_direction_number = (guint) value;
  self->got_direction = TRUE;
  return TRUE;
}

/* Who downloads: whoever wants to; both: the higher number (NMDC.md §2.4, DC++'s rule). */
static void
resolve_direction (BurrowPeerConnection *self)
{
  if (!self->want_download && !self->peer_wants_download)
    {
      _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                                    _("Neither side wants to download on this NMDC connection"));
      return;
    }
  if (self->want_download && self->peer_wants_download &&
      self->direction_number == self->peer_direction_number)
    {
      _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                                    _("Both NMDC peers want to download and drew the same number"));
      return;
    }
  if (self->want_download && self->peer_wants_download)
    self->can_download = self->direction_number > self->peer_direction_number;
  else
    self->can_download = self->want_download;

  self->state = STATE_IDLE;
  _burrow_peer_connection_complete_handshake (self, NULL);
}

static void
handle_key_state (BurrowPeerConnection *self,
                  const gchar          *line,
                  gsize                 len)
{
  const gchar *args;
  gsize args_len;

  if (is_command (line, len, "$Supports", &args, &args_len))
    {
      if (!parse_supports (self, args, args_len))
        refuse_old_client (self);
    }
  else if (is_command (line, len, "$Direction", &args, &args_len))
    {
      if (!parse_direction (self, args, args_len))
        _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MALFORMED,
                                      _("The NMDC peer's $Direction is malformed"));
    }
  else if (is_command (line, len, "$Key", &args, &args_len))
    {
      g_autoptr(GBytes) ours = g_bytes_new_static (OUR_LOCK, strlen (OUR_LOCK));
      g_autoptr(GBytes) expected = burrow_nmdc_key_from_lock (ours);
      g_autoptr(GBytes) key = g_bytes_new (args, args_len);

      /* a client without $Supports is an old one; $Key comes last */
      if (!self->got_supports)
        {
          refuse_old_client (self);
          return;
        }
      if (!self->got_direction)
        {
          _burrow_peer_connection_fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                                        _("The NMDC peer sent $Key without $Direction"));
          return;
        }
      /* as eiskaltdcpp: a wrong key is no reason to hang up */
      if (!g_bytes_equal (key, expected))
        g_debug ("the peer's $Key does not match our lock (ignored)");
      resolve_direction (self);
    }
  else
    g_debug ("ignoring an NMDC line during the handshake");
}

/* `$ADCGET …` / `$ADCSND …` → the ADC message "CGET …" / "CSND …" */
static BurrowAdcMessage *
translate (const gchar *command,
           const gchar *args,
           gsize        args_len)
{
  g_autoptr(GString) adc = g_string_new (command);
  g_autoptr(GError) error = NULL;
  BurrowAdcMessage *msg;

  g_string_append_c (adc, ' ');
  append_nmdc_as_adc (adc, args, args_len);
  msg = burrow_adc_message_parse (adc->str, (gssize) adc->len, &error);
  if (msg == NULL)
    g_debug ("malformed NMDC transfer line: %s", error->message);
  return msg;
}

static void
dispatch_status (BurrowPeerConnection *self,
                 const gchar          *code,
                 const gchar          *text)
{
  g_autoptr(BurrowAdcMessage) sta = burrow_adc_message_new ('C', BURROW_ADC_CMD_STA);

  burrow_adc_message_add_param (sta, code);
  burrow_adc_message_add_param (sta, text);
  _burrow_peer_connection_dispatch_idle (self, sta);
}

static void
handle_idle (BurrowPeerConnection *self,
             const gchar          *line,
             gsize                 len)
{
  const gchar *args;
  gsize args_len;

  if (is_command (line, len, "$ADCGET", &args, &args_len))
    {
      g_autoptr(BurrowAdcMessage) msg = translate ("CGET", args, args_len);

      if (msg == NULL)
        _burrow_peer_nmdc_send_error (self, "140", "Malformed request");
      else
        _burrow_peer_connection_dispatch_idle (self, msg);
    }
  else if (is_command (line, len, "$ADCSND", &args, &args_len))
    {
      g_autoptr(BurrowAdcMessage) msg = translate ("CSND", args, args_len);

      if (msg == NULL)
        _burrow_peer_connection_fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
                                      _("The peer answered with data we did not ask for"));
      else
        _burrow_peer_connection_dispatch_idle (self, msg);
    }
  else if (is_command (line, len, "$Error", &args, &args_len))
    {
      g_autofree gchar *text = burrow_nmdc_charset_decode (self->charset, args, (gssize) args_len);
      g_autofree gchar *folded = g_ascii_strdown (text, -1);

      /* "File Not Available" (DC++, eiskalt), "File Part Not Available": ADC's 151/152 */
      dispatch_status (self, strstr (folded, "not available") != NULL ? "151" : "100", text);
    }
  else if (is_command (line, len, "$MaxedOut", &args, &args_len))
    dispatch_status (self, "153", "Slots full");
  else if (is_command (line, len, "$Get", &args, &args_len) ||
           is_command (line, len, "$UGetBlock", &args, &args_len) ||
           is_command (line, len, "$GetZBlock", &args, &args_len))
    _burrow_peer_nmdc_send_error (self, "140", "Only $ADCGET is supported");
  else
    g_debug ("ignoring an NMDC line");
}

void
_burrow_peer_nmdc_on_line (BurrowLineChannel *channel,
                           const gchar       *line,
                           gsize              len,
                           gpointer           user_data)
{
  BurrowPeerConnection *self = user_data;
  g_autoptr(BurrowPeerConnection) hold = NULL;

  if (len == 0)
    return; /* a bare '|': keep-alive */
  /* what a line starts may drop the last reference; self must live until we return */
  hold = g_object_ref (self);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("← %.*s", (gint) len, line);

  switch (self->state)
    {
    case STATE_NMDC_NICK:
      handle_my_nick (self, line, len);
      break;
    case STATE_NMDC_LOCK:
      handle_lock (self, line, len);
      break;
    case STATE_NMDC_KEY:
      handle_key_state (self, line, len);
      break;
    case STATE_IDLE:
    case STATE_SENDING:
      handle_idle (self, line, len);
      break;
    case STATE_SUP:
    case STATE_INF:
    case STATE_RECEIVING:
    case STATE_CLOSED:
    default:
      break;
    }
}

void
_burrow_peer_nmdc_start (BurrowPeerConnection *self)
{
  self->direction_number = (guint) g_random_int_range (0, 32768);
  /* the connecting side speaks first; on a NAT connection both do */
  if (self->side != BURROW_PEER_SIDE_ACCEPTING)
    send_hello (self);
}
