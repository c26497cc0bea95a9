/* burrow-peer-connection.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-peer-connection"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <zlib.h>

#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-line-channel.h"
#include "burrow-tls.h"

#include "burrow-peer-connection-private.h"

enum {
  SIGNAL_CLOSED,
  SIGNAL_UPLOAD_STARTED,
  SIGNAL_UPLOAD_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowPeerConnection, burrow_peer_connection, G_TYPE_OBJECT)

static void fail (BurrowPeerConnection *self, GQuark domain, gint code, const gchar *message);

static void
burrow_peer_connection_dispose (GObject *object)
{
  BurrowPeerConnection *self = BURROW_PEER_CONNECTION (object);

  burrow_peer_connection_close (self);
  g_clear_object (&self->channel);
  g_clear_object (&self->stream);
  g_clear_object (&self->tls);
  g_clear_object (&self->identity);
  g_clear_object (&self->attempt);

  G_OBJECT_CLASS (burrow_peer_connection_parent_class)->dispose (object);
}

static void
burrow_peer_connection_finalize (GObject *object)
{
  BurrowPeerConnection *self = BURROW_PEER_CONNECTION (object);

  g_free (self->token);
  g_free (self->peer_cid);
  g_clear_error (&self->error);
  _burrow_peer_nmdc_finalize (self);

  G_OBJECT_CLASS (burrow_peer_connection_parent_class)->finalize (object);
}

static void
burrow_peer_connection_class_init (BurrowPeerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_peer_connection_dispose;
  object_class->finalize = burrow_peer_connection_finalize;

  /**
   * BurrowPeerConnection::closed:
   *
   * The connection ended (by either side, or an error).
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * BurrowPeerConnection::upload-started:
   * @type: "file", "list" or "tthl"
   * @identifier: what the peer asked for
   * @offset: first byte
   * @length: bytes we send
   *
   * We answered a GET with SND and started sending.
   */
  signals[SIGNAL_UPLOAD_STARTED] =
    g_signal_new ("upload-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_UINT64);

  /**
   * BurrowPeerConnection::upload-done:
   * @complete: whether every byte was handed to the connection
   */
  signals[SIGNAL_UPLOAD_DONE] =
    g_signal_new ("upload-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
burrow_peer_connection_init (BurrowPeerConnection *self)
{
  self->handshake_timeout_ms = BURROW_PEER_HANDSHAKE_TIMEOUT_MS;
  self->protocol = BURROW_PEER_PROTOCOL_ADC;
  self->can_download = TRUE;
}

/**
 * burrow_peer_source_new_bytes:
 *
 * Returns: (transfer full): a source serving @bytes
 */
BurrowPeerSource *
burrow_peer_source_new_bytes (GBytes   *bytes,
                              gboolean  mini)
{
  BurrowPeerSource *source = g_new0 (BurrowPeerSource, 1);

  source->bytes = g_bytes_ref (bytes);
  source->size = g_bytes_get_size (bytes);
  source->mini = mini;
  return source;
}

/**
 * burrow_peer_source_new_file:
 *
 * Returns: (transfer full): a source serving the file at @path
 */
BurrowPeerSource *
burrow_peer_source_new_file (const gchar *path,
                             guint64      size,
                             gboolean     mini)
{
  BurrowPeerSource *source = g_new0 (BurrowPeerSource, 1);

  source->path = g_strdup (path);
  source->size = size;
  source->mini = mini;
  return source;
}

void
burrow_peer_source_free (BurrowPeerSource *source)
{
  if (source == NULL)
    return;
  g_clear_pointer (&source->bytes, g_bytes_unref);
  g_free (source->path);
  g_free (source->virtual_path);
  g_free (source->tth);
  g_free (source);
}

static gboolean
send_message (BurrowPeerConnection *self,
              BurrowAdcMessage     *msg)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  if (self->protocol == BURROW_PEER_PROTOCOL_NMDC)
    return _burrow_peer_nmdc_send_message (self, msg);
  burrow_adc_message_append_to (msg, line);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("→ %.*s", (gint) line->len - 1, line->str);
  if (!burrow_line_channel_send (self->channel, line->str, line->len, &error))
    {
      fail (self, error->domain, error->code, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
send_sup (BurrowPeerConnection *self)
{
  g_autoptr(BurrowAdcMessage) sup = burrow_adc_message_new ('C', BURROW_ADC_CMD_SUP);

  burrow_adc_message_add_named (sup, "AD", "BAS0");
  burrow_adc_message_add_named (sup, "AD", "BASE");
  burrow_adc_message_add_named (sup, "AD", "TIGR");
  burrow_adc_message_add_named (sup, "AD", "BZIP");
  self->sent_sup = TRUE;
  send_message (self, sup);
}

static void
send_inf (BurrowPeerConnection *self,
          gboolean              with_token)
{
  g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_new ('C', BURROW_ADC_CMD_INF);

  burrow_adc_message_add_named (inf, "ID", burrow_identity_get_cid (self->identity));
  if (with_token && self->token != NULL)
    burrow_adc_message_add_named (inf, "TO", self->token);
  self->sent_inf = TRUE;
  send_message (self, inf);
}

static void
complete_handshake (BurrowPeerConnection *self,
                    const GError         *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->handshake_task);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
clear_download (BurrowPeerConnection *self)
{
  g_clear_pointer (&self->dl_type, g_free);
  g_clear_pointer (&self->dl_identifier, g_free);
  if (self->dl_zstream != NULL)
    {
      inflateEnd (self->dl_zstream);
      g_clear_pointer (&self->dl_zstream, g_free);
    }
  g_clear_pointer (&self->dl_zbuf, g_free);
  self->dl_sink = NULL;
  self->dl_sink_data = NULL;
  self->dl_max = 0;
}

static void
complete_download (BurrowPeerConnection *self,
                   const GError         *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->download_task);
  guint64 received = self->dl_received;

  clear_download (self);
  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    {
      g_task_set_task_data (task, g_memdup2 (&received, sizeof received), g_free);
      g_task_return_boolean (task, TRUE);
    }
}

static void stop_upload (BurrowPeerConnection *self);

static void
fail (BurrowPeerConnection *self,
      GQuark                domain,
      gint                  code,
      const gchar          *message)
{
  if (self->state == STATE_CLOSED)
    return;
  g_debug ("peer connection failed: %s", message);
  g_clear_error (&self->error);
  self->error = g_error_new_literal (domain, code, message);
  burrow_peer_connection_close (self);
}

void
_burrow_peer_connection_fail (BurrowPeerConnection *self,
                              GQuark                domain,
                              gint                  code,
                              const gchar          *message)
{
  fail (self, domain, code, message);
}

void
_burrow_peer_connection_complete_handshake (BurrowPeerConnection *self,
                                            const GError         *error)
{
  complete_handshake (self, error);
}

void
_burrow_peer_connection_complete_download (BurrowPeerConnection *self,
                                           const GError         *error)
{
  complete_download (self, error);
}

/* --- dispatch ----------------------------------------------------------------------------- */

static void
dispatch_sup (BurrowPeerConnection *self,
              BurrowAdcMessage     *msg)
{
  if (burrow_adc_message_get_command (msg) == BURROW_ADC_CMD_STA)
    return; /* DC++ sends "CSTA 000  RF…" first; informational */
  if (burrow_adc_message_get_command (msg) != BURROW_ADC_CMD_SUP)
    {
      fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
            _("The peer did not start with SUP"));
      return;
    }

  if (!self->sent_sup)
    send_sup (self);
  self->state = STATE_INF;
  /* the connecting side (and both sides of a NAT-traversal connection) say who they are now */
  if (self->side != BURROW_PEER_SIDE_ACCEPTING)
    send_inf (self, TRUE);
}

static void
dispatch_inf (BurrowPeerConnection *self,
              BurrowAdcMessage     *msg)
{
  const gchar *cid;
  const gchar *token;

  if (burrow_adc_message_get_command (msg) == BURROW_ADC_CMD_STA)
    return;
  if (burrow_adc_message_get_command (msg) != BURROW_ADC_CMD_INF)
    {
      fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
            _("The peer did not send INF after SUP"));
      return;
    }

  cid = burrow_adc_message_get_named (msg, "ID");
  token = burrow_adc_message_get_named (msg, "TO");
  if (cid == NULL || !burrow_base32_is_valid (cid, -1, 24))
    {
      fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MISSING_PARAM,
            _("The peer's INF has no valid ID"));
      return;
    }
  self->peer_cid = g_strdup (cid);

  if (self->side == BURROW_PEER_SIDE_ACCEPTING)
    {
      if (token == NULL || self->token_func == NULL ||
          !self->token_func (self, token, cid, self->token_data))
        {
          fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                _("A peer connected with a token we did not hand out"));
          return;
        }
      g_free (self->token);
      self->token = g_strdup (token);
      send_inf (self, FALSE);
    }
  else if (self->side == BURROW_PEER_SIDE_NAT && token != NULL && self->token != NULL &&
           g_strcmp0 (token, self->token) != 0)
    {
      fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
            _("The peer answered with another connection's token"));
      return;
    }

  self->state = STATE_IDLE;
  complete_handshake (self, NULL);
}

/* --- downloading ------------------------------------------------------------------------ */

static gboolean
deliver (BurrowPeerConnection *self,
         const guint8         *data,
         gsize                 len)
{
  g_autoptr(GError) error = NULL;

  if (len == 0)
    return TRUE;
  if (self->dl_received + len > self->dl_expected)
    {
      fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
            _("The peer sent more data than it announced"));
      return FALSE;
    }
  self->dl_received += len;
  self->bytes_received += len;
  if (self->dl_sink != NULL && !self->dl_sink (self, data, len, &error, self->dl_sink_data))
    {
      fail (self, error->domain, error->code, error->message);
      return FALSE;
    }
  /* the sink may have closed the connection (which ended the download and freed its state) */
  return self->state == STATE_RECEIVING;
}

static void
on_raw (BurrowLineChannel *channel,
        const guint8      *data,
        gsize              len,
        gboolean           last,
        gpointer           user_data)
{
  g_autoptr(BurrowPeerConnection) self = g_object_ref (user_data);

  if (!deliver (self, data, len))
    return;
  if (last)
    {
      self->state = STATE_IDLE;
      complete_download (self, NULL);
    }
}

/* ZL1: the data is a zlib stream that inflates to exactly dl_expected bytes. */
static gsize
on_zstream (BurrowLineChannel *channel,
            const guint8      *data,
            gsize              len,
            gboolean          *done,
            gpointer           user_data)
{
  g_autoptr(BurrowPeerConnection) self = g_object_ref (user_data);
  z_stream *zs = self->dl_zstream;
  gsize consumed;
  int rc = Z_OK;

  zs->next_in = (Bytef *) data;
  zs->avail_in = (uInt) MIN (len, (gsize) G_MAXUINT32);
  while (zs->avail_in > 0 && rc != Z_STREAM_END)
    {
      gsize produced;

      zs->next_out = self->dl_zbuf;
      zs->avail_out = INFLATE_CHUNK;
      rc = inflate (zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        {
          *done = TRUE;
          fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
                _("The peer's compressed data is corrupt"));
          return len;
        }
      produced = INFLATE_CHUNK - zs->avail_out;
      if (!deliver (self, self->dl_zbuf, produced))
        {
          *done = TRUE;
          return len;
        }
      if (produced == 0 && rc == Z_BUF_ERROR)
        break;
    }
  consumed = len - zs->avail_in;

  if (rc == Z_STREAM_END)
    {
      *done = TRUE;
      if (self->dl_received != self->dl_expected)
        {
          fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
                _("The peer's compressed data is shorter than it announced"));
          return len;
        }
      self->state = STATE_IDLE;
      complete_download (self, NULL);
    }
  return consumed;
}

/* --- uploading -------------------------------------------------------------------------- */

static void upload_pump (BurrowPeerConnection *self);

static void
stop_upload (BurrowPeerConnection *self)
{
  gboolean was_sending = self->up_source != NULL;
  gboolean complete = self->up_remaining == 0 && !self->up_reading;

  if (self->up_cancellable != NULL)
    g_cancellable_cancel (self->up_cancellable);
  g_clear_object (&self->up_cancellable);
  g_clear_object (&self->up_input);
  g_clear_pointer (&self->up_source, burrow_peer_source_free);
  if (self->up_slot && self->slot_func != NULL)
    self->slot_func (self, FALSE, self->source_data);
  self->up_slot = FALSE;
  self->up_reading = FALSE;
  self->up_remaining = 0;
  if (self->state == STATE_SENDING)
    self->state = STATE_IDLE;
  if (was_sending)
    g_signal_emit (self, signals[SIGNAL_UPLOAD_DONE], 0, complete);
}

static void
on_drain (BurrowLineChannel *channel,
          gpointer           user_data)
{
  g_autoptr(BurrowPeerConnection) self = g_object_ref (user_data);

  if (self->state == STATE_SENDING)
    upload_pump (self);
}

static void
on_upload_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(BurrowPeerConnection) self = user_data; /* the read's reference */
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  /* a read that completed after its upload stopped (the cancellation came too late) */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      self->state != STATE_SENDING || G_INPUT_STREAM (source) != self->up_input)
    return;
  self->up_reading = FALSE;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      /* the file shrank or vanished under us: the peer cannot get what we promised */
      g_debug ("upload read failed: %s", error ? error->message : "end of file");
      fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED,
            _("The shared file could not be read"));
      return;
    }

  self->up_remaining -= g_bytes_get_size (bytes);
  self->up_position += g_bytes_get_size (bytes);
  self->bytes_sent += g_bytes_get_size (bytes);
  burrow_line_channel_send_bytes (self->channel, bytes, NULL);
  upload_pump (self);
}

/* Keeps the write queue fed without holding more than HIGH_WATER in memory. */
static void
upload_pump (BurrowPeerConnection *self)
{
  while (self->state == STATE_SENDING && self->up_remaining > 0 && !self->up_reading &&
         burrow_line_channel_get_queued (self->channel) < HIGH_WATER)
    {
      gsize n = (gsize) MIN (self->up_remaining, (guint64) UPLOAD_CHUNK);

      if (self->up_source->bytes != NULL)
        {
          g_autoptr(GBytes) part = g_bytes_new_from_bytes (self->up_source->bytes,
                                                           (gsize) self->up_position, n);

          burrow_line_channel_send_bytes (self->channel, part, NULL);
          self->up_position += n;
          self->up_remaining -= n;
          self->bytes_sent += n;
        }
      else
        {
          self->up_reading = TRUE;
          g_input_stream_read_bytes_async (self->up_input, n, G_PRIORITY_DEFAULT, self->up_cancellable,
                                           on_upload_read, g_object_ref (self));
        }
    }

  if (self->state == STATE_SENDING && self->up_remaining == 0 && !self->up_reading)
    stop_upload (self);
}

static gboolean
start_file_input (BurrowPeerConnection *self,
                  guint64               offset)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->up_source->path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);

  if (in == NULL || (offset > 0 && !g_seekable_seek (G_SEEKABLE (in), (goffset) offset, G_SEEK_SET,
                                                     NULL, NULL)))
    return FALSE;
  self->up_input = G_INPUT_STREAM (g_steal_pointer (&in));
  return TRUE;
}

static GBytes *
deflate_range (GBytes  *bytes,
               guint64  offset,
               guint64  length)
{
  const guint8 *data = (const guint8 *) g_bytes_get_data (bytes, NULL) + offset;
  uLongf out_len = compressBound ((uLong) length);
  guint8 *out = g_malloc (out_len);

  if (compress2 (out, &out_len, data, (uLong) length, Z_DEFAULT_COMPRESSION) != Z_OK)
    {
      g_free (out);
      return NULL;
    }
  return g_bytes_new_take (out, out_len);
}

static void
send_sta_code (BurrowPeerConnection *self,
               const gchar          *code,
               const gchar          *text)
{
  g_autoptr(BurrowAdcMessage) sta = NULL;

  if (self->protocol == BURROW_PEER_PROTOCOL_NMDC)
    {
      _burrow_peer_nmdc_send_error (self, code, text);
      return;
    }
  sta = burrow_adc_message_new ('C', BURROW_ADC_CMD_STA);
  burrow_adc_message_add_param (sta, code);
  burrow_adc_message_add_param (sta, text);
  send_message (self, sta);
}

static void
refuse (BurrowPeerConnection *self,
        const GError         *error)
{
  if (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS))
    {
      /* as DC++: say so and hang up; the peer queues and comes back */
      send_sta_code (self, "153", "Slots full");
      burrow_peer_connection_close (self);
    }
  else
    send_sta_code (self, "151", "File Not Available");
}

static BurrowPeerSource *
resolve (BurrowPeerConnection  *self,
         const gchar           *type,
         const gchar           *identifier,
         gboolean               recursive,
         GError               **error)
{
  if (self->source_func == NULL)
    {
      g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                           _("File not available"));
      return NULL;
    }
  return self->source_func (self, type, identifier, recursive, error, self->source_data);
}

static void
handle_get (BurrowPeerConnection *self,
            BurrowAdcMessage     *msg)
{
  const gchar *type = burrow_adc_message_get_param (msg, 0);
  const gchar *identifier = burrow_adc_message_get_param (msg, 1);
  const gchar *start_text = burrow_adc_message_get_param (msg, 2);
  const gchar *length_text = burrow_adc_message_get_param (msg, 3);
  gboolean compress = g_strcmp0 (burrow_adc_message_get_named (msg, "ZL"), "1") == 0;
  gboolean recursive = g_strcmp0 (burrow_adc_message_get_named (msg, "RE"), "1") == 0;
  g_autoptr(BurrowPeerSource) source = NULL;
  g_autoptr(BurrowAdcMessage) snd = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autofree gchar *start_out = NULL;
  g_autofree gchar *length_out = NULL;
  guint64 start;
  gint64 length;

  if (type == NULL || identifier == NULL || start_text == NULL || length_text == NULL ||
      !g_ascii_string_to_unsigned (start_text, 10, 0, G_MAXINT64, &start, NULL) ||
      !g_ascii_string_to_signed (length_text, 10, -1, G_MAXINT64, &length, NULL))
    {
      send_sta_code (self, "140", "Malformed GET");
      return;
    }

  source = resolve (self, type, identifier, recursive, &error);
  if (source == NULL)
    {
      refuse (self, error);
      return;
    }
  if (start > source->size || (length >= 0 && (guint64) length > source->size - start))
    {
      send_sta_code (self, "152", "File Part Not Available");
      return;
    }
  if (length < 0)
    length = (gint64) (source->size - start);

  if (!source->mini && self->slot_func != NULL)
    {
      if (!self->slot_func (self, TRUE, self->source_data))
        {
          g_autoptr(GError) slots = g_error_new_literal (BURROW_TRANSFER_ERROR,
                                                         BURROW_TRANSFER_ERROR_NO_SLOTS, "Slots full");
          refuse (self, slots);
          return;
        }
      self->up_slot = TRUE;
    }

  /* ZL1 only for what we hold in memory (lists); files go as they are */
  if (compress && source->bytes != NULL)
    compressed = deflate_range (source->bytes, start, (guint64) length);
  if (source->path != NULL)
    {
      self->up_source = g_steal_pointer (&source);
      if (!start_file_input (self, start))
        {
          stop_upload (self);
          send_sta_code (self, "151", "File Not Available");
          return;
        }
    }

  start_out = g_strdup_printf ("%" G_GUINT64_FORMAT, start);
  length_out = g_strdup_printf ("%" G_GINT64_FORMAT, length);
  snd = burrow_adc_message_new ('C', BURROW_ADC_CMD_SND);
  burrow_adc_message_add_param (snd, type);
  burrow_adc_message_add_param (snd, identifier);
  burrow_adc_message_add_param (snd, start_out);
  burrow_adc_message_add_param (snd, length_out);
  if (compressed != NULL)
    burrow_adc_message_add_named (snd, "ZL", "1");
  if (!send_message (self, snd))
    return;

  if (compressed != NULL)
    {
      g_clear_pointer (&self->up_source, burrow_peer_source_free);
      self->up_source = burrow_peer_source_new_bytes (compressed, TRUE);
      start = 0;
      length = (gint64) g_bytes_get_size (compressed);
    }
  else if (self->up_source == NULL)
    self->up_source = g_steal_pointer (&source);

  self->state = STATE_SENDING;
  self->up_position = start;
  self->up_remaining = (guint64) length;
  self->up_cancellable = g_cancellable_new ();
  g_signal_emit (self, signals[SIGNAL_UPLOAD_STARTED], 0, type, identifier, start, (guint64) length);
  upload_pump (self);
}

static void
handle_gfi (BurrowPeerConnection *self,
            BurrowAdcMessage     *msg)
{
  const gchar *type = burrow_adc_message_get_param (msg, 0);
  const gchar *identifier = burrow_adc_message_get_param (msg, 1);
  g_autoptr(BurrowPeerSource) source = NULL;
  g_autoptr(BurrowAdcMessage) res = NULL;
  g_autoptr(GError) error = NULL;

  if (type == NULL || identifier == NULL)
    return;
  source = resolve (self, type, identifier, FALSE, &error);
  if (source == NULL)
    {
      send_sta_code (self, "151", "File Not Available");
      return;
    }
  res = burrow_adc_message_new ('C', BURROW_ADC_CMD_RES);
  if (source->virtual_path != NULL)
    burrow_adc_message_add_named (res, "FN", source->virtual_path);
  burrow_adc_message_add_named_int (res, "SI", (gint64) source->size);
  if (source->tth != NULL)
    burrow_adc_message_add_named (res, "TR", source->tth);
  send_message (self, res);
}

static void
handle_snd (BurrowPeerConnection *self,
            BurrowAdcMessage     *msg)
{
  const gchar *type = burrow_adc_message_get_param (msg, 0);
  const gchar *identifier = burrow_adc_message_get_param (msg, 1);
  const gchar *start_text = burrow_adc_message_get_param (msg, 2);
  const gchar *bytes_text = burrow_adc_message_get_param (msg, 3);
  gboolean compressed = g_strcmp0 (burrow_adc_message_get_named (msg, "ZL"), "1") == 0;
  guint64 start, n;

  /* a SND must answer exactly our GET: anything else and nothing is written */
  if (self->download_task == NULL || type == NULL || identifier == NULL || start_text == NULL ||
      bytes_text == NULL || g_strcmp0 (type, self->dl_type) != 0 ||
      g_strcmp0 (identifier, self->dl_identifier) != 0 ||
      !g_ascii_string_to_unsigned (start_text, 10, 0, G_MAXINT64, &start, NULL) ||
      start != self->dl_offset ||
      !g_ascii_string_to_unsigned (bytes_text, 10, 0, G_MAXINT64, &n, NULL) ||
      (self->dl_length >= 0 && n > (guint64) self->dl_length))
    {
      fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER,
            _("The peer answered with data we did not ask for"));
      return;
    }
  /* a file list larger than we take: refuse it now, not after receiving the limit's worth */
  if (self->dl_max > 0 && n > self->dl_max)
    {
      g_autofree gchar *message = g_strdup_printf (_("The file list is larger than %u MiB"),
                                                   BURROW_PEER_MAX_LIST_BYTES >> 20);

      fail (self, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE, message);
      return;
    }

  self->dl_expected = n;
  self->dl_received = 0;
  self->state = STATE_RECEIVING;
  if (compressed)
    {
      self->dl_zstream = g_new0 (z_stream, 1);
      self->dl_zbuf = g_malloc (INFLATE_CHUNK);
      if (inflateInit (self->dl_zstream) != Z_OK)
        {
          fail (self, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED, "zlib");
          return;
        }
      burrow_line_channel_receive_stream (self->channel, on_zstream, self);
    }
  else if (n == 0)
    {
      self->state = STATE_IDLE;
      complete_download (self, NULL);
    }
  else
    burrow_line_channel_receive_raw (self->channel, n, on_raw, self);
}

void
_burrow_peer_connection_dispatch_idle (BurrowPeerConnection *self,
                                       BurrowAdcMessage     *msg)
{
  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_GET:
      if (self->state == STATE_SENDING)
        send_sta_code (self, "150", "Already sending");
      else
        handle_get (self, msg);
      break;
    case BURROW_ADC_CMD_GFI:
      handle_gfi (self, msg);
      break;
    case BURROW_ADC_CMD_SND:
      handle_snd (self, msg);
      break;
    case BURROW_ADC_CMD_STA:
      {
        const gchar *code = burrow_adc_message_get_param (msg, 0);
        const gchar *text = burrow_adc_message_get_param (msg, 1);

        if (code != NULL && strlen (code) == 3 && code[0] != '0' && self->download_task != NULL)
          {
            g_autoptr(GError) error = NULL;
            gint err = g_str_equal (code + 1, "51") ? BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE
                     : g_str_equal (code + 1, "52") ? BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE
                     : g_str_equal (code + 1, "53") ? BURROW_TRANSFER_ERROR_NO_SLOTS
                     : BURROW_TRANSFER_ERROR_FAILED;

            error = g_error_new (BURROW_TRANSFER_ERROR, err, _("The peer refused: %s"),
                                 text ? text : code);
            complete_download (self, error);
          }
      }
      break;
    default:
      break; /* unknown C-C commands are ignored */
    }
}

static void
on_line (BurrowLineChannel *channel,
         const gchar       *line,
         gsize              len,
         gpointer           user_data)
{
  BurrowPeerConnection *self = user_data;
  g_autoptr(BurrowPeerConnection) hold = NULL;
  g_autoptr(BurrowAdcMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  if (len == 0)
    return;
  msg = burrow_adc_message_parse (line, len, &error);
  if (msg == NULL)
    {
      g_debug ("ignoring a malformed line from a peer: %s", error->message);
      return;
    }
  /* what a line starts (a failure, a completed handshake or download) runs callbacks that
   * may drop the last reference; self must live until this handler returns */
  hold = g_object_ref (self);
  if (burrow_adc_message_get_type_char (msg) != 'C')
    {
      fail (self, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TYPE,
            _("The peer sent a message that is not client-to-client"));
      return;
    }
  /* formatting costs even when debug output is off: 100,000-line joins notice */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("← %s", line);

  switch (self->state)
    {
    case STATE_SUP:
      dispatch_sup (self, msg);
      break;
    case STATE_INF:
      dispatch_inf (self, msg);
      break;
    case STATE_IDLE:
    case STATE_SENDING:
      _burrow_peer_connection_dispatch_idle (self, msg);
      break;
    case STATE_NMDC_NICK:
    case STATE_NMDC_LOCK:
    case STATE_NMDC_KEY:
    case STATE_RECEIVING:
    case STATE_CLOSED:
    default:
      break;
    }
}

static void
on_channel_error (BurrowLineChannel *channel,
                  const GError      *error,
                  gboolean           fatal,
                  gpointer           user_data)
{
  g_autoptr(BurrowPeerConnection) self = g_object_ref (user_data);

  if (fatal)
    fail (self, error->domain, error->code, error->message);
}

static gboolean
handshake_timeout_cb (gpointer data)
{
  g_autoptr(BurrowPeerConnection) self = g_object_ref (data);

  self->timeout_id = 0;
  if (self->protocol == BURROW_PEER_PROTOCOL_NMDC)
    fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_TIMED_OUT,
          _("The peer did not complete the NMDC handshake in time"));
  else
    fail (self, BURROW_NAT_ERROR, BURROW_NAT_ERROR_TIMED_OUT,
          _("The peer did not complete the SUP/INF handshake in time"));
  return G_SOURCE_REMOVE;
}

/**
 * burrow_peer_connection_new:
 * @stream: a connected stream (TLS or not)
 * @token: (nullable): the token we send in INF (connecting and NAT sides)
 *
 * Returns: (transfer full): a connection; start it with
 *   burrow_peer_connection_handshake_async()
 */
BurrowPeerConnection *
burrow_peer_connection_new (GIOStream      *stream,
                            BurrowPeerSide  side,
                            BurrowIdentity *identity,
                            const gchar    *token)
{
  BurrowPeerConnection *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (BURROW_IS_IDENTITY (identity), NULL);

  self = g_object_new (BURROW_TYPE_PEER_CONNECTION, NULL);
  self->stream = g_object_ref (stream);
  self->side = side;
  self->identity = g_object_ref (identity);
  self->token = g_strdup (token);
  self->channel = burrow_line_channel_new (stream, '\n', BURROW_ADC_MAX_LINE_LENGTH, MAX_QUEUED_BYTES);
  burrow_line_channel_set_handlers (self->channel, on_line, on_channel_error, NULL, self);
  burrow_line_channel_set_drain_func (self->channel, LOW_WATER, on_drain, self);
  return self;
}

/**
 * burrow_peer_connection_new_nmdc:
 * @stream: a connected stream (TLS or not)
 * @our_nick: our nick on the hub that brokered the connection (UTF-8)
 * @peer_nick: (nullable): the nick we expect (connecting and NAT sides)
 * @charset: (nullable): the hub's charset (NULL: %BURROW_NMDC_DEFAULT_CHARSET)
 * @want_download: whether we say `$Direction Download`
 *
 * See burrow-peer-connection.h. Its token is the peer's nick.
 *
 * Returns: (transfer full): a connection; start it with
 *   burrow_peer_connection_handshake_async()
 */
BurrowPeerConnection *
burrow_peer_connection_new_nmdc (GIOStream      *stream,
                                 BurrowPeerSide  side,
                                 const gchar    *our_nick,
                                 const gchar    *peer_nick,
                                 const gchar    *charset,
                                 gboolean        want_download)
{
  BurrowPeerConnection *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (our_nick != NULL, NULL);

  self = g_object_new (BURROW_TYPE_PEER_CONNECTION, NULL);
  self->protocol = BURROW_PEER_PROTOCOL_NMDC;
  self->state = STATE_NMDC_NICK;
  self->can_download = FALSE;
  self->stream = g_object_ref (stream);
  self->side = side;
  self->our_nick = g_strdup (our_nick);
  self->token = g_strdup (peer_nick);
  self->want_download = want_download;
  self->charset = burrow_nmdc_charset_new (charset, &error);
  if (self->charset == NULL)
    {
      g_debug ("charset %s unknown (%s): using %s", charset, error->message, BURROW_NMDC_DEFAULT_CHARSET);
      self->charset = burrow_nmdc_charset_new (NULL, NULL);
    }
  self->channel = burrow_line_channel_new (stream, '|', BURROW_NMDC_MAX_LINE_LENGTH, MAX_QUEUED_BYTES);
  burrow_line_channel_set_handlers (self->channel, _burrow_peer_nmdc_on_line, on_channel_error, NULL, self);
  burrow_line_channel_set_drain_func (self->channel, LOW_WATER, on_drain, self);
  return self;
}

void
burrow_peer_connection_set_token_func (BurrowPeerConnection *self,
                                       BurrowPeerTokenFunc   func,
                                       gpointer              user_data)
{
  self->token_func = func;
  self->token_data = user_data;
}

/**
 * burrow_peer_connection_set_source_func:
 * @func: resolves GETs (uploading)
 * @slot_func: (nullable): hands out upload slots; %NULL: unlimited
 */
void
burrow_peer_connection_set_source_func (BurrowPeerConnection *self,
                                        BurrowPeerSourceFunc  func,
                                        BurrowPeerSlotFunc    slot_func,
                                        gpointer              user_data)
{
  self->source_func = func;
  self->slot_func = slot_func;
  self->source_data = user_data;
}

/**
 * burrow_peer_connection_handshake_async:
 *
 * Runs SUP and INF. Completes once the peer is identified (its CID known and,
 * on the accepting side, its token accepted). NMDC: runs `$MyNick` … `$Key`
 * (burrow-peer-nmdc.c) and completes once the peer's nick is known (and, on the
 * accepting side, accepted by the token func) and `$Direction` decided who
 * downloads; a peer without ADCGet and TTHF fails with
 * %BURROW_NAT_ERROR_PROTOCOL_MISMATCH.
 */
void
burrow_peer_connection_handshake_async (BurrowPeerConnection *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, burrow_peer_connection_handshake_async);
  if (self->handshake_task != NULL ||
      self->state != (self->protocol == BURROW_PEER_PROTOCOL_NMDC ? STATE_NMDC_NICK : STATE_SUP))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, _("Handshake already started"));
      return;
    }

  self->handshake_task = g_steal_pointer (&task);
  self->timeout_id = g_timeout_add (self->handshake_timeout_ms,
                                    handshake_timeout_cb, self);
  if (self->protocol == BURROW_PEER_PROTOCOL_NMDC)
    _burrow_peer_nmdc_start (self);
  else if (self->side != BURROW_PEER_SIDE_ACCEPTING)
    send_sup (self);
  burrow_line_channel_start (self->channel);
}

gboolean
burrow_peer_connection_handshake_finish (BurrowPeerConnection  *self,
                                         GAsyncResult          *result,
                                         GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * burrow_peer_connection_set_handshake_timeout:
 * @timeout_ms: how long the peer has for SUP and INF (NMDC: the whole handshake), in
 *   milliseconds (> 0)
 *
 * Overrides %BURROW_PEER_HANDSHAKE_TIMEOUT_MS; takes effect at the next
 * burrow_peer_connection_handshake_async().
 */
void
burrow_peer_connection_set_handshake_timeout (BurrowPeerConnection *self,
                                              guint                 timeout_ms)
{
  g_return_if_fail (BURROW_IS_PEER_CONNECTION (self));
  g_return_if_fail (timeout_ms > 0);

  self->handshake_timeout_ms = timeout_ms;
}

/**
 * burrow_peer_connection_download_async:
 * @type: "file", "list" or "tthl"
 * @identifier: "TTH/…", "files.xml.bz2", "/dir/"
 * @offset: first byte
 * @length: bytes wanted, or -1 for the rest
 * @compressed: ask for ZL1 (the peer may still send it plain)
 * @sink: gets the bytes in order
 *
 * Sends one GET and feeds what the SND announces to @sink. Completes when
 * the range has arrived (or the peer refused with STA).
 *
 * NMDC: the GET goes as `$ADCGET` (with ZL1 only when the peer listed ZLIG),
 * `$Error …`/`$MaxedOut` end it with the codes of STA 151/153. Fails at once
 * with %G_IO_ERROR_NOT_SUPPORTED when `$Direction` made the peer the
 * downloader, and with %BURROW_TRANSFER_ERROR_BAD_PATH for an identifier
 * with '|' (it would end the line).
 */
void
burrow_peer_connection_download_async (BurrowPeerConnection *self,
                                       const gchar          *type,
                                       const gchar          *identifier,
                                       guint64               offset,
                                       gint64                length,
                                       gboolean              compressed,
                                       BurrowPeerSinkFunc    sink,
                                       gpointer              sink_data,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(BurrowAdcMessage) get = NULL;
  g_autofree gchar *offset_text = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  g_autofree gchar *length_text = g_strdup_printf ("%" G_GINT64_FORMAT, length);

  g_task_set_source_tag (task, burrow_peer_connection_download_async);
  if ((self->state != STATE_IDLE && self->state != STATE_SENDING) || self->download_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The connection is not ready for a download"));
      return;
    }

  if (self->protocol == BURROW_PEER_PROTOCOL_NMDC)
    {
      if (!self->can_download)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   _("The peer is the downloader on this NMDC connection"));
          return;
        }
      /* '|' ends an NMDC line: such a path cannot be asked for */
      if (strchr (identifier, '|') != NULL)
        {
          g_task_return_new_error (task, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH,
                                   _("An NMDC peer cannot be asked for a path with '|'"));
          return;
        }
      /* ZL1 only to a peer that listed ZLIG */
      compressed = compressed && self->peer_zlig;
    }

  self->download_task = g_steal_pointer (&task);
  self->dl_type = g_strdup (type);
  self->dl_identifier = g_strdup (identifier);
  self->dl_offset = offset;
  self->dl_length = length;
  self->dl_sink = sink;
  self->dl_sink_data = sink_data;

  get = burrow_adc_message_new ('C', BURROW_ADC_CMD_GET);
  burrow_adc_message_add_param (get, type);
  burrow_adc_message_add_param (get, identifier);
  burrow_adc_message_add_param (get, offset_text);
  burrow_adc_message_add_param (get, length_text);
  if (compressed)
    burrow_adc_message_add_named (get, "ZL", "1");
  send_message (self, get);
}

/**
 * burrow_peer_connection_download_finish:
 * @received: (out) (optional): bytes delivered to the sink
 */
gboolean
burrow_peer_connection_download_finish (BurrowPeerConnection  *self,
                                        GAsyncResult          *result,
                                        guint64               *received,
                                        GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (received != NULL)
    *received = *(guint64 *) g_task_get_task_data (G_TASK (result));
  return TRUE;
}

static gboolean
collect_sink (BurrowPeerConnection  *connection,
              const guint8          *data,
              gsize                  len,
              GError               **error,
              gpointer               user_data)
{
  GByteArray *buffer = g_task_get_task_data (user_data);

  if (buffer->len + len > BURROW_PEER_MAX_LIST_BYTES)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE,
                   _("The file list is larger than %u MiB"), BURROW_PEER_MAX_LIST_BYTES >> 20);
      return FALSE;
    }
  g_byte_array_append (buffer, data, len);
  return TRUE;
}

static void
on_list_downloaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GByteArray *buffer = g_task_get_task_data (task);

  if (!burrow_peer_connection_download_finish (BURROW_PEER_CONNECTION (source), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_bytes_new (buffer->data, buffer->len),
                           (GDestroyNotify) g_bytes_unref);
}

/**
 * burrow_peer_connection_get_file_list_async:
 *
 * Downloads the peer's full file list (files.xml.bz2) into memory.
 */
void
burrow_peer_connection_get_file_list_async (BurrowPeerConnection *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, burrow_peer_connection_get_file_list_async);
  g_task_set_task_data (task, g_byte_array_new (), (GDestroyNotify) g_byte_array_unref);
  burrow_peer_connection_download_async (self, "file", "files.xml.bz2", 0, -1, FALSE, collect_sink,
                                         task, cancellable, on_list_downloaded, task);
  /* the GET is out; its SND is read from the main loop, after this */
  if (self->download_task != NULL && self->dl_sink_data == task)
    self->dl_max = BURROW_PEER_MAX_LIST_BYTES;
}

/**
 * burrow_peer_connection_get_file_list_finish:
 *
 * Returns: (transfer full): the bzip2-compressed list as sent
 */
GBytes *
burrow_peer_connection_get_file_list_finish (BurrowPeerConnection  *self,
                                             GAsyncResult          *result,
                                             GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * burrow_peer_connection_set_receiving:
 * @receiving: %FALSE to stop reading from the peer (and delivering to a download's sink)
 *
 * Back-pressure for a download whose data cannot be written as fast as it arrives.
 */
void
burrow_peer_connection_set_receiving (BurrowPeerConnection *self,
                                      gboolean              receiving)
{
  g_return_if_fail (BURROW_IS_PEER_CONNECTION (self));

  if (self->channel == NULL || self->state == STATE_CLOSED)
    return;
  if (receiving)
    burrow_line_channel_resume (self->channel);
  else
    burrow_line_channel_pause (self->channel);
}

/**
 * burrow_peer_connection_close:
 *
 * Ends the connection: what is queued is still written. A handshake or
 * download in flight completes with the reason (%G_IO_ERROR_CLOSED, or the
 * error that ended the connection), an upload in flight ends (::upload-done,
 * its slot given back), then ::closed is emitted. Callers may drop their
 * reference from any of these.
 */
void
burrow_peer_connection_close (BurrowPeerConnection *self)
{
  g_autoptr(BurrowPeerConnection) hold = NULL;

  g_return_if_fail (BURROW_IS_PEER_CONNECTION (self));

  if (self->state == STATE_CLOSED)
    return;
  /* the callbacks below may drop the last reference */
  hold = g_object_ref (self);
  self->state = STATE_CLOSED;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->channel != NULL)
    {
      /* the channel may outlive us while it flushes: nothing of it may call back into us */
      burrow_line_channel_set_handlers (self->channel, NULL, NULL, NULL, NULL);
      burrow_line_channel_set_drain_func (self->channel, 0, NULL, NULL);
      burrow_line_channel_flush_and_close (self->channel);
    }
  /* a handshake or GET in flight cannot complete any more: say so (with fail()'s reason if any) */
  if (self->handshake_task != NULL || self->download_task != NULL)
    {
      g_autoptr(GError) closed = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                      _("The connection was closed"));
      g_autoptr(GError) reason = g_error_copy (self->error ? self->error : closed);

      complete_handshake (self, reason);
      complete_download (self, reason);
    }
  stop_upload (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

const gchar *burrow_peer_connection_get_peer_cid (BurrowPeerConnection *self) { return self->peer_cid; }
BurrowPeerProtocol burrow_peer_connection_get_protocol (BurrowPeerConnection *self) { return self->protocol; }
const gchar *burrow_peer_connection_get_peer_nick (BurrowPeerConnection *self) { return self->peer_nick; }
gboolean burrow_peer_connection_can_download (BurrowPeerConnection *self) { return self->can_download; }
guint64 burrow_peer_connection_get_bytes_sent (BurrowPeerConnection *self) { return self->bytes_sent; }
guint64 burrow_peer_connection_get_bytes_received (BurrowPeerConnection *self) { return self->bytes_received; }
gboolean burrow_peer_connection_is_uploading (BurrowPeerConnection *self) { return self->state == STATE_SENDING; }
const gchar *burrow_peer_connection_get_token (BurrowPeerConnection *self) { return self->token; }
BurrowPeerSide burrow_peer_connection_get_side (BurrowPeerConnection *self) { return self->side; }
gboolean burrow_peer_connection_is_closed (BurrowPeerConnection *self) { return self->state == STATE_CLOSED; }

void
_burrow_peer_connection_set_tls (BurrowPeerConnection *self,
                                 GTlsConnection       *tls)
{
  g_set_object (&self->tls, tls);
}

static GTlsConnection *
tls_layer (BurrowPeerConnection *self)
{
  return G_IS_TLS_CONNECTION (self->stream) ? G_TLS_CONNECTION (self->stream) : self->tls;
}

gboolean
burrow_peer_connection_is_tls (BurrowPeerConnection *self)
{
  return tls_layer (self) != NULL;
}

/**
 * burrow_peer_connection_dup_peer_keyprint:
 *
 * Returns: (transfer full) (nullable): "SHA256/<base32>" of the certificate the peer presented,
 *   or %NULL (a plain connection, or a TLS peer without a certificate)
 */
gchar *
burrow_peer_connection_dup_peer_keyprint (BurrowPeerConnection *self)
{
  GTlsCertificate *certificate;

  g_return_val_if_fail (BURROW_IS_PEER_CONNECTION (self), NULL);

  if (tls_layer (self) == NULL)
    return NULL;
  certificate = g_tls_connection_get_peer_certificate (tls_layer (self));
  return certificate != NULL ? burrow_tls_certificate_keyprint (certificate) : NULL;
}

/**
 * burrow_peer_connection_set_attempt:
 * @attempt: (nullable): the record of how the connection came about
 *
 * Set by the connector when it hands the connection over, so whoever uses the
 * connection later (a download after a browse) can show how it was made.
 */
void
burrow_peer_connection_set_attempt (BurrowPeerConnection *self,
                                    BurrowPunchAttempt   *attempt)
{
  g_return_if_fail (BURROW_IS_PEER_CONNECTION (self));
  g_return_if_fail (attempt == NULL || BURROW_IS_PUNCH_ATTEMPT (attempt));

  g_set_object (&self->attempt, attempt);
}

/**
 * burrow_peer_connection_get_attempt:
 *
 * Returns: (transfer none) (nullable): the record of how the connection came about
 */
BurrowPunchAttempt *
burrow_peer_connection_get_attempt (BurrowPeerConnection *self)
{
  g_return_val_if_fail (BURROW_IS_PEER_CONNECTION (self), NULL);

  return self->attempt;
}
