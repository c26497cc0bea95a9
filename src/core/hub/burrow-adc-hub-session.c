/* burrow-adc-hub-session.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hub-session"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-base32.h"
#include "burrow-cid.h"
#include "burrow-error.h"
#include "burrow-hub-session-private.h"
#include "burrow-line-channel.h"
#include "burrow-tiger.h"
#include "burrow-tls.h"

#include "burrow-adc-hub-session.h"

#define NONCE_MAX_BYTES     256
#define MALFORMED_REPORT_US G_USEC_PER_SEC
#define ADC_FEATURE_LENGTH  4

/* Flood classes, modelled on uhub's flood control with the limits Debian
 * ships (count per interval of 5 s). uhub counts in a fixed window that opens
 * with the first message and lasts up to interval + 1 s (whole seconds), so
 * we pace with the same window, slightly longer. */
typedef enum
{
  PACE_NONE = -1,
  PACE_CHAT,
  PACE_SEARCH,
  PACE_CONNECT,
  PACE_UPDATE,
  PACE_EXTRAS,
  N_PACE
} PaceClass;

static const guint pace_limits[N_PACE] = { 3, 1, 20, 2, 5 };
#define PACE_WINDOW_US ((5 + 1) * G_USEC_PER_SEC + 150 * 1000)

typedef struct
{
  gint64  window_start;
  guint   count;
  GQueue  lines;    /* GBytes */
} Pacer;

struct _BurrowAdcHubSession
{
  BurrowHubSession   parent_instance;

  /* owned */
  GCancellable      *cancellable;
  GIOStream         *stream;          /* plain connection or TLS over it */
  BurrowLineChannel *channel;
  GHashTable        *sent_inf;        /* field name → value we announced */
  GPtrArray         *hub_features;
  Pacer              pacers[N_PACE];

  guint32            sid;
  guint              pace_timer_id;
  guint              malformed_count;
  gint64             malformed_reported;
  guint              over_long_count;     /* INF fields over their limit, not yet reported */
  gint64             over_long_reported;
  guint              over_long_timer_id;  /* reports the rest of the count */
  guint              sup_lines;           /* ISUP lines before ISID */
  gboolean           too_many_users_reported;
  gboolean           hbri_running;        /* a validation connection is open */
  guint              hbri_count;          /* validations started on this connection */
};

G_DEFINE_FINAL_TYPE (BurrowAdcHubSession, burrow_adc_hub_session, BURROW_TYPE_HUB_SESSION)

static void start_protocol   (BurrowAdcHubSession *self);

/* --- helpers ---------------------------------------------------------------------------- */

static void
fail_literal (BurrowAdcHubSession *self,
              GQuark               domain,
              gint                 code,
              const gchar         *message)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, message);

  _burrow_hub_session_lost (BURROW_HUB_SESSION (self), error, 0);
}

static void
fail_with (BurrowAdcHubSession *self,
           const GError        *error)
{
  _burrow_hub_session_lost (BURROW_HUB_SESSION (self), error, 0);
}

static void
pacers_clear (BurrowAdcHubSession *self)
{
  for (guint i = 0; i < N_PACE; i++)
    {
      g_queue_clear_full (&self->pacers[i].lines, (GDestroyNotify) g_bytes_unref);
      self->pacers[i].window_start = 0;
      self->pacers[i].count = 0;
    }
  g_clear_handle_id (&self->pace_timer_id, g_source_remove);
}

/* --- object ----------------------------------------------------------------------------- */

static void
stop_connection (BurrowAdcHubSession *self,
                 gboolean             clean)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  _burrow_hub_session_arm_login_timeout (BURROW_HUB_SESSION (self), 0);
  g_clear_handle_id (&self->over_long_timer_id, g_source_remove);
  self->over_long_count = 0;
  pacers_clear (self);

  if (self->channel != NULL)
    {
      burrow_line_channel_set_handlers (self->channel, NULL, NULL, NULL, NULL);
      if (clean)
        burrow_line_channel_flush_and_close (self->channel);
      else
        burrow_line_channel_close (self->channel);
      g_clear_object (&self->channel);
    }
  else if (self->stream != NULL && !g_io_stream_is_closed (self->stream))
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  g_clear_object (&self->stream);
  g_hash_table_remove_all (self->sent_inf);
  g_ptr_array_set_size (self->hub_features, 0);
  self->sid = 0;
  self->sup_lines = 0;
  self->too_many_users_reported = FALSE;
  self->hbri_running = FALSE;
  self->hbri_count = 0;
}

static void
burrow_adc_hub_session_dispose (GObject *object)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (object);

  if (self->cancellable != NULL)
    stop_connection (self, FALSE);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (burrow_adc_hub_session_parent_class)->dispose (object);
}

static void
burrow_adc_hub_session_finalize (GObject *object)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (object);

  g_clear_pointer (&self->sent_inf, g_hash_table_unref);
  g_clear_pointer (&self->hub_features, g_ptr_array_unref);

  G_OBJECT_CLASS (burrow_adc_hub_session_parent_class)->finalize (object);
}

/* --- sending and pacing ----------------------------------------------------------------- */

static PaceClass
pace_class_of (BurrowAdcMessage *msg)
{
  gchar type = burrow_adc_message_get_type_char (msg);

  if (type == 'H')
    return PACE_NONE;

  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_MSG:
      return PACE_CHAT;
    case BURROW_ADC_CMD_SCH:
      return PACE_SEARCH;
    case BURROW_ADC_CMD_CTM:
    case BURROW_ADC_CMD_RCM:
      return PACE_CONNECT;
    case BURROW_ADC_CMD_INF:
      return PACE_UPDATE;
    case BURROW_ADC_CMD_RES:
      return PACE_NONE;
    default:
      return PACE_EXTRAS;
    }
}

static gboolean
write_line (BurrowAdcHubSession  *self,
            GBytes               *line,
            GError              **error)
{
  gsize len;
  const gchar *data = g_bytes_get_data (line, &len);

  if (self->channel == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not connected to the hub"));
      return FALSE;
    }
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("→ %.*s", (gint) (len > 0 ? len - 1 : 0), data);
  return burrow_line_channel_send (self->channel, data, len, error);
}

static gboolean pace_cb (gpointer data);

/* Sends what each class's window allows; re-arms the timer for the rest. */
static void
pace_drain (BurrowAdcHubSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;

  for (guint c = 0; c < N_PACE; c++)
    {
      Pacer *p = &self->pacers[c];

      while (!g_queue_is_empty (&p->lines))
        {
          g_autoptr(GBytes) line = NULL;
          g_autoptr(GError) error = NULL;

          if (p->window_start == 0 || now - p->window_start >= PACE_WINDOW_US)
            {
              p->window_start = now;
              p->count = 0;
            }
          if (p->count >= pace_limits[c])
            {
              next = MIN (next, p->window_start + PACE_WINDOW_US);
              break;
            }
          p->count++;
          line = g_queue_pop_head (&p->lines);
          if (!write_line (self, line, &error))
            g_debug ("dropping a paced line: %s", error->message);
        }
    }

  g_clear_handle_id (&self->pace_timer_id, g_source_remove);
  if (next != G_MAXINT64)
    self->pace_timer_id = g_timeout_add ((guint) MAX ((next - now) / 1000, 1), pace_cb, self);
}

static gboolean
pace_cb (gpointer data)
{
  BurrowAdcHubSession *self = data;

  self->pace_timer_id = 0;
  pace_drain (self);
  return G_SOURCE_REMOVE;
}

static gboolean
send_message (BurrowAdcHubSession  *self,
              BurrowAdcMessage     *msg,
              gboolean              paced,
              GError              **error)
{
  g_autoptr(GString) text = g_string_sized_new (256);
  g_autoptr(GBytes) line = NULL;
  PaceClass cls = paced ? pace_class_of (msg) : PACE_NONE;

  burrow_adc_message_append_to (msg, text);
  line = g_bytes_new (text->str, text->len);

  if (cls == PACE_NONE)
    return write_line (self, line, error);

  if (self->channel == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not connected to the hub"));
      return FALSE;
    }
  if (self->pacers[cls].lines.length >= BURROW_ADC_MAX_PACED_MESSAGES)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD,
                   _("Too many messages waiting for the hub's flood limit (%u)"),
                   BURROW_ADC_MAX_PACED_MESSAGES);
      return FALSE;
    }

  g_queue_push_tail (&self->pacers[cls].lines, g_steal_pointer (&line));
  pace_drain (self);
  return TRUE;
}

/**
 * burrow_adc_hub_session_send:
 * @message: a message from us (its SID must be ours)
 *
 * Sends @message to the hub, paced by its flood class.
 */
gboolean
burrow_adc_hub_session_send (BurrowAdcHubSession  *self,
                             BurrowAdcMessage     *message,
                             GError              **error)
{
  g_return_val_if_fail (BURROW_IS_ADC_HUB_SESSION (self), FALSE);

  return send_message (self, message, TRUE, error);
}

gsize
burrow_adc_hub_session_get_n_paced (BurrowAdcHubSession *self)
{
  gsize n = 0;

  for (guint c = 0; c < N_PACE; c++)
    n += self->pacers[c].lines.length;
  return n;
}

guint32
burrow_adc_hub_session_get_sid (BurrowAdcHubSession *self)
{
  return self->sid;
}

/* --- our INF ---------------------------------------------------------------------------- */

static void
add_field (GPtrArray   *fields,
           const gchar *name,
           const gchar *value)
{
  g_ptr_array_add (fields, g_strdup (name));
  g_ptr_array_add (fields, g_strdup (value ? value : ""));
}

static gboolean has_hub_feature (BurrowAdcHubSession *self,
                                 const gchar         *feature);

/* The family of our connection to the hub: the hub publishes our address of that family only
 * (I4 or I6), so our INF speaks of that family. */
static gboolean
hub_is_ipv6 (BurrowHubSession *session)
{
  const gchar *local = burrow_hub_session_get_local_address (session);

  return local != NULL && strchr (local, ':') != NULL;
}

/* Our INF as name/value pairs, in the order DC++ sends them. The address is `0.0.0.0` or `::`:
 * the hub fills in the one it sees. */
static GPtrArray *
build_inf_fields (BurrowAdcHubSession *self)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  BurrowIdentity *identity = _burrow_hub_session_get_identity (session);
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  gboolean active = burrow_hub_session_get_mode (session) == BURROW_CONNECTION_MODE_ACTIVE;
  gboolean tls = identity != NULL && burrow_identity_get_keyprint (identity) != NULL;
  gboolean v6 = hub_is_ipv6 (session);
  /* a hub with HBRI validates the other family by a second connection, and publishes both */
  gboolean both = has_hub_feature (self, "HBRI");
  g_autoptr(GString) su = g_string_new (NULL);

  add_field (fields, "ID", burrow_identity_get_cid (identity));
  add_field (fields, "PD", burrow_identity_get_pid (identity));
  add_field (fields, "NI", burrow_hub_session_get_nick (session));
  add_field (fields, "DE", burrow_hub_session_get_description (session));
  {
    guint64 size, files;
    guint slots, free_slots;
    g_autofree gchar *sl = NULL, *fs = NULL, *ss = NULL, *sf = NULL;

    burrow_hub_session_get_share_info (session, &size, &files, &slots, &free_slots);
    sl = g_strdup_printf ("%u", slots);
    fs = g_strdup_printf ("%u", free_slots);
    ss = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
    sf = g_strdup_printf ("%" G_GUINT64_FORMAT, files);
    add_field (fields, "SL", sl);
    add_field (fields, "FS", fs);
    add_field (fields, "SS", ss);
    add_field (fields, "SF", sf);
  }
  add_field (fields, "HN", burrow_hub_session_get_password (session) ? "0" : "1");
  add_field (fields, "HR", burrow_hub_session_get_password (session) ? "1" : "0");
  add_field (fields, "HO", "0");
  add_field (fields, "AP", "Burrow");
  add_field (fields, "VE", PACKAGE_VERSION);
  if (!v6 || both)
    add_field (fields, "I4", "0.0.0.0");
  if (v6 || both)
    add_field (fields, "I6", "::");

  if (active && both)
    g_string_append (su, "TCP4,UDP4,TCP6,UDP6");
  else if (active)
    g_string_append (su, v6 ? "TCP6,UDP6" : "TCP4,UDP4");
  else
    g_string_append (su, "NAT0");
  if (tls)
    g_string_append (su, ",ADC0");
  add_field (fields, "SU", su->str);
  if (active && burrow_hub_session_get_port (session) != 0)
    {
      g_autofree gchar *port = g_strdup_printf ("%u", burrow_hub_session_get_port (session));

      if (!v6 || both)
        add_field (fields, "U4", port);
      if (v6 || both)
        add_field (fields, "U6", port);
    }
  if (tls)
    add_field (fields, "KP", burrow_identity_get_keyprint (identity));

  return fields;
}

/* Sends the whole INF at login; afterwards only the fields that changed. */
static void
send_inf (BurrowAdcHubSession *self)
{
  g_autoptr(GPtrArray) fields = build_inf_fields (self);
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_INF, self->sid);
  gboolean login = g_hash_table_size (self->sent_inf) == 0;
  gboolean any = FALSE;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < fields->len; i += 2)
    {
      const gchar *name = g_ptr_array_index (fields, i);
      const gchar *value = g_ptr_array_index (fields, i + 1);

      if (!login)
        {
          /* identity and address are fixed for the session */
          if (g_str_equal (name, "ID") || g_str_equal (name, "PD") || g_str_equal (name, "I4") ||
              g_str_equal (name, "I6"))
            continue;
          if (g_strcmp0 (g_hash_table_lookup (self->sent_inf, name), value) == 0)
            continue;
        }
      burrow_adc_message_add_named (msg, name, value);
      g_hash_table_insert (self->sent_inf, g_strdup (name), g_strdup (value));
      any = TRUE;
    }

  if (any && !send_message (self, msg, !login, &error))
    g_debug ("cannot send INF: %s", error->message);
}

static void
burrow_adc_hub_session_info_changed (BurrowHubSession *session)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);

  if (burrow_hub_session_get_state (session) == BURROW_HUB_STATE_NORMAL)
    send_inf (self);
}

/* --- incoming --------------------------------------------------------------------------- */

static void
report_unexpected (BurrowAdcHubSession *self,
                   const gchar         *line)
{
  g_autoptr(GError) error = NULL;

  error = g_error_new (BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                       _("The hub sent a message that is not allowed now: %.40s"), line);
  g_debug ("%s", error->message);
  g_signal_emit_by_name (self, "error", error, FALSE);
}

static BurrowHubError
hub_error_for_sta (guint code)
{
  switch (code % 100)
    {
    case 11: return BURROW_HUB_ERROR_HUB_FULL;
    case 12: return BURROW_HUB_ERROR_HUB_DISABLED;
    case 20: return BURROW_HUB_ERROR_ACCESS_DENIED;
    case 21: return BURROW_HUB_ERROR_NICK_INVALID;
    case 22: return BURROW_HUB_ERROR_NICK_TAKEN;
    case 23: return BURROW_HUB_ERROR_BAD_PASSWORD;
    case 24: return BURROW_HUB_ERROR_CID_TAKEN;
    case 25: return BURROW_HUB_ERROR_ACCESS_DENIED;
    case 26: return BURROW_HUB_ERROR_REGISTERED_ONLY;
    case 27: return BURROW_HUB_ERROR_INVALID_PID;
    case 30: return BURROW_HUB_ERROR_BANNED;
    case 31: return BURROW_HUB_ERROR_BANNED;
    case 32: return BURROW_HUB_ERROR_TEMP_BANNED;
    case 47: return BURROW_HUB_ERROR_NO_HASH;
    default:
      if (code % 100 >= 40 && code % 100 < 50)
        return BURROW_HUB_ERROR_PROTOCOL;
      return BURROW_HUB_ERROR_FAILED;
    }
}

/* The reconnect delay for a hub's TL (seconds; < 0: never). Saturates: a hub's TL can be any
 * 64-bit number, and milliseconds of a huge one overflow. */
static gint64
delay_ms_for_tl (gint64 tl)
{
  if (tl < 0)
    return -1;
  return MIN (tl, (gint64) BURROW_HUB_MAX_REQUESTED_DELAY_S) * 1000;
}

static void
handle_sta (BurrowAdcHubSession *self,
            BurrowAdcMessage    *msg)
{
  const gchar *code_text = burrow_adc_message_get_param (msg, 0);
  const gchar *description = burrow_adc_message_get_param (msg, 1);
  guint64 code;

  if (code_text == NULL || !g_ascii_string_to_unsigned (code_text, 10, 0, 299, &code, NULL))
    return; /* malformed status: ignore, as clients do */
  if (description == NULL)
    description = "";

  if (code < 100)
    {
      _burrow_hub_session_status (BURROW_HUB_SESSION (self), description);
    }
  else if (code < 200)
    {
      g_autoptr(GError) error = g_error_new (BURROW_HUB_ERROR, hub_error_for_sta ((guint) code),
                                             _("Hub: %s"), description);
      _burrow_hub_session_status (BURROW_HUB_SESSION (self), description);
      g_signal_emit_by_name (self, "error", error, FALSE);
    }
  else
    {
      g_autoptr(GError) error = g_error_new (BURROW_HUB_ERROR, hub_error_for_sta ((guint) code),
                                             _("Hub: %s"), description);
      gint64 delay = 0;
      gint64 tl;

      if (code % 100 == 32 && burrow_adc_message_get_named_int (msg, "TL", &tl))
        delay = delay_ms_for_tl (tl);
      _burrow_hub_session_lost (BURROW_HUB_SESSION (self), error, delay);
    }
}

static void
handle_qui (BurrowAdcHubSession *self,
            BurrowAdcMessage    *msg)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  const gchar *sid_text = burrow_adc_message_get_param (msg, 0);
  const gchar *text = burrow_adc_message_get_named (msg, "MS");
  const gchar *redirect = burrow_adc_message_get_named (msg, "RD");
  g_autoptr(GError) error = NULL;
  guint32 sid;
  gint64 tl = 0;
  gboolean has_tl;

  if (sid_text == NULL || !burrow_adc_sid_parse (sid_text, -1, &sid))
    return;

  if (sid != self->sid || self->sid == 0)
    {
      _burrow_hub_session_remove_user (session, sid);
      return;
    }

  /* The hub is putting us out. */
  has_tl = burrow_adc_message_get_named_int (msg, "TL", &tl);
  if (redirect != NULL && *redirect != '\0')
    {
      _burrow_hub_session_redirect (session, redirect);
      return;
    }

  if (has_tl && tl < 0)
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_BANNED, _("Banned from the hub: %s"),
                         text ? text : _("no reason given"));
  else if (has_tl && tl > 0)
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_TEMP_BANNED,
                         _("Banned from the hub for %lld s: %s"), (long long) tl,
                         text ? text : _("no reason given"));
  else if (burrow_adc_message_has_named (msg, "ID"))
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_KICKED, _("Kicked from the hub: %s"),
                         text ? text : _("no reason given"));
  else
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_CONNECTION_LOST,
                         _("The hub closed the connection: %s"), text ? text : _("no reason given"));

  _burrow_hub_session_lost (session, error, has_tl ? delay_ms_for_tl (tl) : 0);
}

static void
flush_over_long (BurrowAdcHubSession *self)
{
  g_autoptr(GError) error = NULL;

  error = g_error_new (BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG,
                       ngettext ("Shortened or ignored %u over-long user information field from the hub",
                                 "Shortened or ignored %u over-long user information fields from the hub",
                                 self->over_long_count),
                       self->over_long_count);
  self->over_long_reported = g_get_monotonic_time ();
  self->over_long_count = 0;
  g_signal_emit_by_name (self, "error", error, FALSE);
}

static gboolean
over_long_timer_cb (gpointer data)
{
  BurrowAdcHubSession *self = data;

  self->over_long_timer_id = 0;
  if (self->over_long_count > 0)
    flush_over_long (self);
  return G_SOURCE_REMOVE;
}

/* INF fields over their length limit were shortened or ignored (burrow_user_apply_inf_full):
 * say so at most once a second, with the count; what comes within the second is counted and
 * reported when it is over. */
static void
report_over_long (BurrowAdcHubSession *self,
                  guint                n)
{
  gint64 since = g_get_monotonic_time () - self->over_long_reported;

  self->over_long_count += n;
  if (self->over_long_timer_id != 0)
    return;
  if (since >= MALFORMED_REPORT_US)
    flush_over_long (self);
  else
    self->over_long_timer_id = g_timeout_add ((guint) ((MALFORMED_REPORT_US - since) / 1000) + 1,
                                              over_long_timer_cb, self);
}

static void
handle_inf (BurrowAdcHubSession *self,
            BurrowAdcMessage    *msg)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  gchar type = burrow_adc_message_get_type_char (msg);
  BurrowUser *user;
  guint32 sid;
  guint over_long = 0;
  gboolean is_new = FALSE;

  if (type == 'I')
    {
      _burrow_hub_session_set_hub_info (session, burrow_adc_message_get_named (msg, "NI"),
                                        burrow_adc_message_get_named (msg, "DE"));
      return;
    }
  if (type != 'B')
    return;

  sid = burrow_adc_message_get_sid (msg);
  user = burrow_hub_session_lookup_sid (session, sid);
  if (user == NULL)
    {
      user = _burrow_hub_session_add_user (session, sid, self->sid != 0 && sid == self->sid);
      if (user == NULL)
        {
          /* Once per connection: a status line and a non-fatal error; the login goes on. */
          if (!self->too_many_users_reported)
            {
              g_autoptr(GError) error = NULL;

              error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_TOO_MANY_USERS,
                                   _("The hub lists more than %u users; the rest are not shown"),
                                   _burrow_hub_session_get_max_users (session));
              _burrow_hub_session_status (session, error->message);
              g_signal_emit_by_name (self, "error", error, FALSE);
              self->too_many_users_reported = TRUE;
            }
          return;
        }
      is_new = TRUE;
    }

  /* A new user is still in the join batch: nobody watches it yet. */
  if (burrow_user_apply_inf_full (user, msg, !is_new, &over_long) && !is_new)
    _burrow_hub_session_user_updated (session, user);
  if (over_long > 0)
    report_over_long (self, over_long);

  if (sid == self->sid && burrow_hub_session_get_me (session) != user)
    {
      _burrow_hub_session_set_me (session, user);
      if (burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
        {
          _burrow_hub_session_logged_in (session);
        }
    }
}

static void
handle_msg (BurrowAdcHubSession *self,
            BurrowAdcMessage    *msg)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  gchar type = burrow_adc_message_get_type_char (msg);
  const gchar *text = burrow_adc_message_get_param (msg, 0);
  const gchar *pm = burrow_adc_message_get_named (msg, "PM");
  gboolean third_person = g_strcmp0 (burrow_adc_message_get_named (msg, "ME"), "1") == 0;
  g_autoptr(BurrowChatMessage) message = NULL;
  const gchar *nick;
  BurrowUser *from = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 ts;
  gchar sid_text[5];
  gboolean outgoing;

  if (text == NULL)
    return;
  if (burrow_adc_message_get_named_int (msg, "TS", &ts) && ts > 0)
    now = ts;

  if (type == 'I')
    {
      message = burrow_chat_message_new (BURROW_CHAT_KIND_MAIN, now,
                                         burrow_hub_session_get_hub_name (session), NULL, text,
                                         third_person, FALSE);
      _burrow_hub_session_add_message (session, message);
      return;
    }

  from = burrow_hub_session_lookup_sid (session, burrow_adc_message_get_sid (msg));
  burrow_adc_sid_to_string (burrow_adc_message_get_sid (msg), sid_text);
  nick = from && burrow_user_get_nick (from) ? burrow_user_get_nick (from) : sid_text;
  outgoing = burrow_adc_message_get_sid (msg) == self->sid;

  if (pm != NULL && (type == 'E' || type == 'D'))
    {
      BurrowUser *peer = outgoing
        ? burrow_hub_session_lookup_sid (session, burrow_adc_message_get_target (msg))
        : from;
      const gchar *peer_nick = peer && burrow_user_get_nick (peer) ? burrow_user_get_nick (peer) : nick;

      message = burrow_chat_message_new (BURROW_CHAT_KIND_PRIVATE, now, nick, peer_nick, text,
                                         third_person, outgoing);
    }
  else
    {
      message = burrow_chat_message_new (BURROW_CHAT_KIND_MAIN, now, nick, NULL, text,
                                         third_person, outgoing);
    }
  _burrow_hub_session_add_message (session, message);
}

static void
send_password (BurrowAdcHubSession *self,
               BurrowAdcMessage    *msg)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  const gchar *password = burrow_hub_session_get_password (session);
  const gchar *nonce_text = burrow_adc_message_get_param (msg, 0);
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GByteArray) input = NULL;
  g_autoptr(BurrowAdcMessage) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint8 digest[BURROW_TIGER_SIZE];
  gchar text[BURROW_BASE32_LEN (BURROW_TIGER_SIZE) + 1];

  if (password == NULL)
    {
      fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PASSWORD_REQUIRED,
                    _("The hub asks for a password for this nick"));
      return;
    }

  nonce = nonce_text ? burrow_base32_decode_bytes (nonce_text, -1, &error) : NULL;
  if (nonce == NULL || g_bytes_get_size (nonce) == 0 || g_bytes_get_size (nonce) > NONCE_MAX_BYTES)
    {
      fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PROTOCOL,
                    _("The hub sent an invalid password challenge"));
      return;
    }

  /* Tiger (password bytes ‖ raw nonce bytes) */
  input = g_byte_array_new ();
  g_byte_array_append (input, (const guint8 *) password, strlen (password));
  g_byte_array_append (input, g_bytes_get_data (nonce, NULL), g_bytes_get_size (nonce));
  burrow_tiger (input->data, input->len, digest);
  burrow_base32_encode_into (digest, sizeof digest, text);

  reply = burrow_adc_message_new ('H', BURROW_ADC_CMD_PAS);
  burrow_adc_message_add_param (reply, text);
  if (!send_message (self, reply, FALSE, &error))
    fail_with (self, error);
}

static gboolean
has_hub_feature (BurrowAdcHubSession *self,
                 const gchar         *feature)
{
  for (guint i = 0; i < self->hub_features->len; i++)
    if (strcmp (g_ptr_array_index (self->hub_features, i), feature) == 0)
      return TRUE;
  return FALSE;
}

/* ISUP before ISID: ADxxxx adds a feature, RMxxxx removes one. Feature names have four
 * characters; anything else is not a feature we could use, and is skipped. Returns FALSE past
 * BURROW_ADC_MAX_SUP_LINES lines or BURROW_ADC_MAX_HUB_FEATURES distinct features. */
static gboolean
apply_hub_sup (BurrowAdcHubSession *self,
               BurrowAdcMessage    *msg)
{
  if (++self->sup_lines > BURROW_ADC_MAX_SUP_LINES)
    return FALSE;

  for (guint i = 0; i < burrow_adc_message_get_n_params (msg); i++)
    {
      const gchar *p = burrow_adc_message_get_param (msg, i);
      const gchar *name = p + 2;

      if (strlen (p) != 2 + ADC_FEATURE_LENGTH)
        continue;
      if (g_str_has_prefix (p, "AD") && !has_hub_feature (self, name))
        {
          if (self->hub_features->len >= BURROW_ADC_MAX_HUB_FEATURES)
            return FALSE;
          g_ptr_array_add (self->hub_features, g_strdup (name));
        }
      else if (g_str_has_prefix (p, "RM"))
        {
          for (guint j = 0; j < self->hub_features->len; j++)
            if (strcmp (g_ptr_array_index (self->hub_features, j), name) == 0)
              {
                g_ptr_array_remove_index (self->hub_features, j);
                break;
              }
        }
    }
  return TRUE;
}

/* --- HBRI: the other address family, validated by a second connection -------------------- */

/* AirDC++'s hybrid connectivity (CONNECTIVITY.md §3.1): a hub with HBRI in its SUP answers our
 * INF, which carries both families, with `ITCP I6<addr> P6<port> TO<token>` (or I4/P4): where
 * it listens over the family we are not connected by. We connect there within
 * BURROW_ADC_HBRI_TIMEOUT_MS (TLS on a TLS hub, with the same certificate), send `HTCP` with
 * that family's fields and the token, and read the hub's answer, `ISTA 000` when it took the
 * address; then the connection is closed. One validation at a time, a few per connection. */

#define BURROW_ADC_CMD_TCP BURROW_ADC_CMD ('T', 'C', 'P')

typedef struct
{
  BurrowAdcHubSession *session;    /* a reference */
  GCancellable        *outer;       /* the hub connection's: its end ends the validation */
  gulong               outer_id;
  GCancellable        *cancellable; /* the validation's own (its timeout) */
  gchar               *line;        /* HTCP, with its newline */
  gchar               *keyprint;    /* the hub's, on a TLS hub */
  GIOStream           *stream;
  GDataInputStream    *in;
  guint                timeout_id;
} Hbri;

static void
hbri_end (Hbri        *h,
          const gchar *outcome)
{
  g_debug ("HBRI validation: %s", outcome);
  if (h->session->cancellable == h->outer)  /* still the connection it was made for */
    h->session->hbri_running = FALSE;
  g_cancellable_disconnect (h->outer, h->outer_id);
  g_clear_object (&h->outer);
  g_clear_handle_id (&h->timeout_id, g_source_remove);
  if (h->stream != NULL)
    g_io_stream_close_async (h->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&h->in);
  g_clear_object (&h->stream);
  g_clear_object (&h->cancellable);
  g_clear_object (&h->session);
  g_free (h->line);
  g_free (h->keyprint);
  g_free (h);
}

static void
hbri_cancel (GCancellable *outer,
             GCancellable *validation)
{
  g_cancellable_cancel (validation);
}

static gboolean
hbri_timeout_cb (gpointer data)
{
  Hbri *h = data;

  h->timeout_id = 0;
  /* the pending operation ends with G_IO_ERROR_CANCELLED and frees @h */
  g_cancellable_cancel (h->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_hbri_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Hbri *h = data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                       result, NULL, &error);

  if (line == NULL)
    hbri_end (h, error != NULL ? error->message : "the hub closed the connection");
  else if (g_str_has_prefix (line, "ISTA 000"))
    hbri_end (h, "the hub took our address");
  else
    hbri_end (h, "the hub refused it");
}

static void
on_hbri_sent (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Hbri *h = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      hbri_end (h, error->message);
      return;
    }
  h->in = g_data_input_stream_new (g_io_stream_get_input_stream (h->stream));
  /* one answer line, bounded like a hub line */
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (h->in), 4096);
  g_data_input_stream_set_newline_type (h->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_data_input_stream_read_line_async (h->in, G_PRIORITY_DEFAULT, h->cancellable, on_hbri_answer, h);
}

static gboolean
on_hbri_accept_certificate (GTlsConnection       *connection,
                            GTlsCertificate      *certificate,
                            GTlsCertificateFlags  errors,
                            Hbri                 *h)
{
  g_autofree gchar *keyprint = burrow_tls_certificate_keyprint (certificate);

  /* the hub's own certificate, the one its main connection showed */
  return h->keyprint != NULL && burrow_tls_keyprint_equal (keyprint, h->keyprint);
}

static void
on_hbri_event (GSocketClient      *client,
               GSocketClientEvent  event,
               GSocketConnectable *connectable,
               GIOStream          *connection,
               Hbri               *h)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (on_hbri_accept_certificate), h);
}

static void
on_hbri_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Hbri *h = data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result,
                                                                  &error);

  if (connection == NULL)
    {
      hbri_end (h, error->message);
      return;
    }
  h->stream = G_IO_STREAM (connection);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (h->stream), h->line, strlen (h->line),
                                   G_PRIORITY_DEFAULT, h->cancellable, on_hbri_sent, h);
}

/* `ITCP`: where the hub listens over the other family, and the token to show there. */
static void
handle_itcp (BurrowAdcHubSession *self,
             BurrowAdcMessage    *msg)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  gboolean v6 = !hub_is_ipv6 (session);  /* the family to validate: the other one */
  const gchar *ip = burrow_adc_message_get_named (msg, v6 ? "I6" : "I4");
  const gchar *token = burrow_adc_message_get_named (msg, "TO");
  gboolean active = burrow_hub_session_get_mode (session) == BURROW_CONNECTION_MODE_ACTIVE;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(BurrowAdcMessage) htcp = NULL;
  g_autofree gchar *text = NULL;
  gint64 port = 0;
  Hbri *h;

  /* without a socket of our own (a test's stream) the family we are connected by is unknown */
  if (burrow_adc_message_get_type_char (msg) != 'I' || !has_hub_feature (self, "HBRI") ||
      burrow_hub_session_get_local_address (session) == NULL ||
      self->hbri_running || self->hbri_count >= BURROW_ADC_MAX_HBRI_VALIDATIONS)
    return;
  /* a numeric address of the other family (never a name), a port, a token */
  address = ip != NULL ? g_inet_address_new_from_string (ip) : NULL;
  if (address == NULL ||
      g_inet_address_get_family (address) != (v6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4) ||
      g_inet_address_get_is_any (address) || g_inet_address_get_is_multicast (address) ||
      !burrow_adc_message_get_named_int (msg, v6 ? "P6" : "P4", &port) || port < 1 || port > 65535 ||
      token == NULL || token[0] == '\0' || strlen (token) > BURROW_CONNECT_MAX_TOKEN)
    {
      g_debug ("ignoring an ITCP without a usable address, port or token");
      return;
    }

  htcp = burrow_adc_message_new ('H', BURROW_ADC_CMD_TCP);
  burrow_adc_message_add_named (htcp, v6 ? "I6" : "I4", v6 ? "::" : "0.0.0.0");
  if (active && burrow_hub_session_get_port (session) != 0)
    {
      burrow_adc_message_add_named_int (htcp, v6 ? "U6" : "U4", burrow_hub_session_get_port (session));
      burrow_adc_message_add_named (htcp, "SU", v6 ? "TCP6,UDP6" : "TCP4,UDP4");
    }
  else
    burrow_adc_message_add_named (htcp, "SU", "NAT0");
  burrow_adc_message_add_named (htcp, "TO", token);
  text = burrow_adc_message_to_string (htcp);

  self->hbri_running = TRUE;
  self->hbri_count++;
  h = g_new0 (Hbri, 1);
  h->session = g_object_ref (self);
  h->outer = g_object_ref (self->cancellable);
  h->cancellable = g_cancellable_new ();
  h->outer_id = g_cancellable_connect (h->outer, G_CALLBACK (hbri_cancel), g_object_ref (h->cancellable),
                                       g_object_unref);
  h->line = g_strconcat (text, "\n", NULL);
  h->keyprint = g_strdup (burrow_hub_session_get_keyprint (session));
  h->timeout_id = g_timeout_add (BURROW_ADC_HBRI_TIMEOUT_MS, hbri_timeout_cb, h);

  client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (client, FALSE);
  if (burrow_hub_uri_is_tls (burrow_hub_session_get_hub_uri (session)))
    {
      g_socket_client_set_tls (client, TRUE);
      g_signal_connect (client, "event", G_CALLBACK (on_hbri_event), h);
    }
  target = g_inet_socket_address_new (address, (guint16) port);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (target), h->cancellable,
                                 on_hbri_connected, h);
}

/* One dispatch function per state (DESIGN.md principle 4). */

static void
dispatch_protocol (BurrowAdcHubSession *self,
                   BurrowAdcMessage    *msg,
                   const gchar         *line)
{
  guint32 cmd = burrow_adc_message_get_command (msg);

  if (burrow_adc_message_get_type_char (msg) != 'I')
    {
      report_unexpected (self, line);
      return;
    }

  switch (cmd)
    {
    case BURROW_ADC_CMD_SUP:
      if (!apply_hub_sup (self, msg))
        fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PROTOCOL,
                      _("The hub announced too many features"));
      break;
    case BURROW_ADC_CMD_SID:
      {
        const gchar *sid_text = burrow_adc_message_get_param (msg, 0);
        gboolean tiger;

        if (sid_text == NULL || !burrow_adc_sid_parse (sid_text, -1, &self->sid))
          {
            fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PROTOCOL,
                          _("The hub assigned an invalid session ID"));
            return;
          }
        tiger = has_hub_feature (self, "TIGR") || has_hub_feature (self, "BAS0");
        if (!tiger)
          {
            fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NO_HASH,
                          _("The hub does not support the Tiger hash"));
            return;
          }
        _burrow_hub_session_set_state (BURROW_HUB_SESSION (self), BURROW_HUB_STATE_IDENTIFY);
        send_inf (self);
      }
      break;
    case BURROW_ADC_CMD_STA:
      handle_sta (self, msg);
      break;
    case BURROW_ADC_CMD_INF:
      handle_inf (self, msg);
      break;
    case BURROW_ADC_CMD_QUI:
      handle_qui (self, msg);
      break;
    default:
      report_unexpected (self, line);
    }
}

static void
dispatch_identify (BurrowAdcHubSession *self,
                   BurrowAdcMessage    *msg,
                   const gchar         *line)
{
  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_INF:
      handle_inf (self, msg);
      break;
    case BURROW_ADC_CMD_GPA:
      _burrow_hub_session_set_state (BURROW_HUB_SESSION (self), BURROW_HUB_STATE_VERIFY);
      send_password (self, msg);
      break;
    case BURROW_ADC_CMD_TCP:
      handle_itcp (self, msg);
      break;
    case BURROW_ADC_CMD_STA:
      handle_sta (self, msg);
      break;
    case BURROW_ADC_CMD_QUI:
      handle_qui (self, msg);
      break;
    case BURROW_ADC_CMD_MSG:
      /* some hubs greet before login completes */
      if (burrow_adc_message_get_type_char (msg) == 'I')
        handle_msg (self, msg);
      else
        report_unexpected (self, line);
      break;
    default:
      report_unexpected (self, line);
    }
}

static void
dispatch_verify (BurrowAdcHubSession *self,
                 BurrowAdcMessage    *msg,
                 const gchar         *line)
{
  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_INF:
      handle_inf (self, msg);
      break;
    case BURROW_ADC_CMD_STA:
      handle_sta (self, msg);
      break;
    case BURROW_ADC_CMD_QUI:
      handle_qui (self, msg);
      break;
    case BURROW_ADC_CMD_GPA:
      fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_BAD_PASSWORD,
                    _("The hub asked for the password again"));
      break;
    case BURROW_ADC_CMD_TCP:
      handle_itcp (self, msg);
      break;
    case BURROW_ADC_CMD_MSG:
      if (burrow_adc_message_get_type_char (msg) == 'I')
        handle_msg (self, msg);
      else
        report_unexpected (self, line);
      break;
    default:
      report_unexpected (self, line);
    }
}

/* ---- the typed hub services (BurrowHubSession vfuncs and signals) -------------------------- */

static const guint32 connect_commands[] = {
  [BURROW_CONNECT_KIND_CONNECT] = BURROW_ADC_CMD_CTM,
  [BURROW_CONNECT_KIND_REVERSE] = BURROW_ADC_CMD_RCM,
  [BURROW_CONNECT_KIND_NAT] = BURROW_ADC_CMD_NAT,
  [BURROW_CONNECT_KIND_NAT_REPLY] = BURROW_ADC_CMD_RNT,
};

/* A client-client message addressed to us by a known, identified user. */
static BurrowUser *
direct_sender (BurrowAdcHubSession *self,
               BurrowAdcMessage    *msg)
{
  gchar type = burrow_adc_message_get_type_char (msg);
  BurrowUser *user;

  if ((type != 'D' && type != 'E') || self->sid == 0 || burrow_adc_message_get_target (msg) != self->sid)
    return NULL;
  user = burrow_hub_session_lookup_sid (BURROW_HUB_SESSION (self), burrow_adc_message_get_sid (msg));
  if (user == NULL || burrow_user_get_cid (user) == NULL)
    return NULL;
  return user;
}

/* CTM/NAT/RNT: protocol port token; RCM: protocol token; STA with TO: a refusal. */
static void
handle_connect_request (BurrowAdcHubSession *self,
                        BurrowAdcMessage    *msg,
                        BurrowConnectKind    kind)
{
  g_autoptr(BurrowConnectRequest) request = NULL;
  BurrowUser *user = direct_sender (self, msg);
  const gchar *protocol;
  const gchar *token;
  guint64 port = 0;

  if (user == NULL)
    return;
  if (kind == BURROW_CONNECT_KIND_REFUSED)
    {
      token = burrow_adc_message_get_named (msg, "TO");
      protocol = burrow_adc_message_get_named (msg, "PR");
    }
  else if (kind == BURROW_CONNECT_KIND_REVERSE)
    {
      protocol = burrow_adc_message_get_param (msg, 0);
      token = burrow_adc_message_get_param (msg, 1);
    }
  else
    {
      const gchar *port_text = burrow_adc_message_get_param (msg, 1);

      protocol = burrow_adc_message_get_param (msg, 0);
      token = burrow_adc_message_get_param (msg, 2);
      if (port_text == NULL || !g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
        return;
    }
  if (token == NULL || token[0] == '\0' || strlen (token) > BURROW_CONNECT_MAX_TOKEN
      || (protocol == NULL && kind != BURROW_CONNECT_KIND_REFUSED))
    return;

  request = burrow_connect_request_new (kind, user, protocol, (guint16) port, token);
  request->tls = protocol != NULL && g_str_has_prefix (protocol, "ADCS/");
  if (kind == BURROW_CONNECT_KIND_REFUSED)
    {
      const gchar *code = burrow_adc_message_get_param (msg, 0);
      guint64 status = 0;

      /* "xyy": severity x, code yy */
      if (code != NULL && strlen (code) == 3 &&
          g_ascii_string_to_unsigned (code, 10, 0, 299, &status, NULL))
        request->status = status % 100;
      request->reason = g_strdup (burrow_adc_message_get_param (msg, 1));
    }
  _burrow_hub_session_emit_connect_request (BURROW_HUB_SESSION (self), request);
}

/* Active searchers (UDP4 with a unicast I4, or UDP6 with a unicast I6, as the hub relays them)
 * get results by UDP; IPv4 first when both are there. */
static void
set_udp_reply_address (BurrowUser        *user,
                       BurrowSearchQuery *query)
{
  static const struct { const gchar *feature; GSocketFamily family; } families[] = {
    { "UDP4", G_SOCKET_FAMILY_IPV4 },
    { "UDP6", G_SOCKET_FAMILY_IPV6 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      gboolean v6 = families[i].family == G_SOCKET_FAMILY_IPV6;
      const gchar *ip = burrow_user_get_address (user, families[i].family);
      guint port = v6 ? burrow_user_get_udp6_port (user) : burrow_user_get_udp4_port (user);
      g_autoptr(GInetAddress) address = NULL;

      if (!burrow_user_has_feature (user, families[i].feature) || ip == NULL || port == 0)
        continue;
      address = g_inet_address_new_from_string (ip);
      if (address == NULL || g_inet_address_get_family (address) != families[i].family
          || g_inet_address_get_is_any (address) || g_inet_address_get_is_multicast (address)
          || g_str_equal (ip, "255.255.255.255"))
        continue;
      query->udp_host = g_strdup (ip);
      query->udp_port = (guint16) port;
      return;
    }
}

static void
handle_sch (BurrowAdcHubSession *self,
            BurrowAdcMessage    *msg)
{
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autoptr(GError) error = NULL;
  gchar type = burrow_adc_message_get_type_char (msg);
  guint32 sid = burrow_adc_message_get_sid (msg);
  BurrowUser *user;

  if ((type != 'B' && type != 'D' && type != 'F' && type != 'E') || sid == self->sid)
    return;
  user = burrow_hub_session_lookup_sid (BURROW_HUB_SESSION (self), sid);
  if (user == NULL)
    return;
  query = burrow_search_query_new_from_adc (msg, &error);
  if (query == NULL)
    {
      g_debug ("ignoring a search from %s: %s", burrow_user_get_nick (user), error->message);
      return;
    }
  set_udp_reply_address (user, query);
  _burrow_hub_session_emit_search_request (BURROW_HUB_SESSION (self), user, query);
}

static void
handle_res (BurrowAdcHubSession *self,
            BurrowAdcMessage    *msg)
{
  g_autoptr(BurrowSearchReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  BurrowUser *user = burrow_hub_session_lookup_sid (BURROW_HUB_SESSION (self),
                                                    burrow_adc_message_get_sid (msg));

  if (user == NULL)
    return;
  reply = burrow_search_reply_new_from_adc (msg, &error);
  if (reply == NULL)
    {
      g_debug ("ignoring a result from %s: %s", burrow_user_get_nick (user), error->message);
      return;
    }
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (self), user, reply);
}

/* What other clients send us through the hub. */
static void
dispatch_relayed (BurrowAdcHubSession *self,
                  BurrowAdcMessage    *msg)
{
  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_CTM: handle_connect_request (self, msg, BURROW_CONNECT_KIND_CONNECT); break;
    case BURROW_ADC_CMD_RCM: handle_connect_request (self, msg, BURROW_CONNECT_KIND_REVERSE); break;
    case BURROW_ADC_CMD_NAT: handle_connect_request (self, msg, BURROW_CONNECT_KIND_NAT); break;
    case BURROW_ADC_CMD_RNT: handle_connect_request (self, msg, BURROW_CONNECT_KIND_NAT_REPLY); break;
    case BURROW_ADC_CMD_STA:
      if (burrow_adc_message_has_named (msg, "TO"))
        handle_connect_request (self, msg, BURROW_CONNECT_KIND_REFUSED);
      break;
    case BURROW_ADC_CMD_SCH: handle_sch (self, msg); break;
    case BURROW_ADC_CMD_RES: handle_res (self, msg); break;
    default: break;
    }
}

static gboolean
adc_send_connect_request (BurrowHubSession           *session,
                          BurrowConnectRequest       *request,
                          GError                    **error)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);
  g_autoptr(BurrowAdcMessage) msg = NULL;
  guint32 to = burrow_user_get_sid (request->user);

  if (request->kind == BURROW_CONNECT_KIND_REFUSED)
    {
      gchar code[4];

      /* recoverable (1), 41 protocol unsupported or 42 direct connection failed: ADC's answers
       * to a request we cannot take */
      g_snprintf (code, sizeof code, "1%02u", request->status != 0 ? request->status % 100 : 41);
      msg = burrow_adc_message_new_direct ('D', BURROW_ADC_CMD_STA, self->sid, to);
      burrow_adc_message_add_param (msg, code);
      burrow_adc_message_add_param (msg, request->reason != NULL ? request->reason : "Protocol unknown");
      if (request->protocol != NULL)
        burrow_adc_message_add_named (msg, "PR", request->protocol);
      burrow_adc_message_add_named (msg, "TO", request->token);
      return send_message (self, msg, TRUE, error);
    }

  msg = burrow_adc_message_new_direct ('D', connect_commands[request->kind], self->sid, to);
  burrow_adc_message_add_param (msg, request->protocol);
  if (request->kind != BURROW_CONNECT_KIND_REVERSE)
    {
      gchar port[8];

      g_snprintf (port, sizeof port, "%u", request->port);
      burrow_adc_message_add_param (msg, port);
    }
  burrow_adc_message_add_param (msg, request->token);
  return send_message (self, msg, TRUE, error);
}

static gboolean
adc_send_search (BurrowHubSession         *session,
                 const BurrowSearchQuery  *query,
                 GError                  **error)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_SCH, self->sid);

  burrow_search_query_to_adc (query, msg);
  return send_message (self, msg, TRUE, error);
}

static gboolean
adc_send_search_reply (BurrowHubSession         *session,
                       BurrowUser               *to,
                       const BurrowSearchReply  *reply,
                       GError                  **error)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);
  g_autoptr(BurrowAdcMessage) msg = NULL;

  msg = burrow_adc_message_new_direct ('D', BURROW_ADC_CMD_RES, self->sid, burrow_user_get_sid (to));
  burrow_search_reply_to_adc (reply, msg);
  return send_message (self, msg, TRUE, error);
}

static GBytes *
adc_format_udp_search_reply (BurrowHubSession        *session,
                             const BurrowSearchReply *reply)
{
  BurrowIdentity *identity = _burrow_hub_session_get_identity (session);
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_new ('U', BURROW_ADC_CMD_RES);
  GString *line = g_string_new (NULL);

  if (identity != NULL)
    burrow_adc_message_set_cid (msg, burrow_identity_get_cid (identity));
  burrow_search_reply_to_adc (reply, msg);
  burrow_adc_message_append_to (msg, line);   /* with its '\n', as ADC lines are */
  return g_string_free_to_bytes (line);
}

static void
dispatch_normal (BurrowAdcHubSession *self,
                 BurrowAdcMessage    *msg,
                 const gchar         *line)
{
  gchar type = burrow_adc_message_get_type_char (msg);

  switch (burrow_adc_message_get_command (msg))
    {
    case BURROW_ADC_CMD_INF:
      handle_inf (self, msg);
      break;
    case BURROW_ADC_CMD_QUI:
      handle_qui (self, msg);
      break;
    case BURROW_ADC_CMD_MSG:
      handle_msg (self, msg);
      break;
    case BURROW_ADC_CMD_STA:
      if (type == 'I')
        handle_sta (self, msg);
      else
        dispatch_relayed (self, msg);
      break;
    case BURROW_ADC_CMD_SUP:
      break;
    case BURROW_ADC_CMD_TCP:
      handle_itcp (self, msg);
      break;
    case BURROW_ADC_CMD_SID:
    case BURROW_ADC_CMD_GPA:
      report_unexpected (self, line);
      break;
    default:
      /* searches, results, connection requests (CTM RCM NAT RNT), direct
       * STAs: the typed hub services (connect-request, search-request,
       * search-result). Anything else is ignored, as ADC says. */
      dispatch_relayed (self, msg);
      break;
    }
}

static void
on_line (BurrowLineChannel *channel,
         const gchar       *line,
         gsize              len,
         gpointer           user_data)
{
  BurrowAdcHubSession *self = user_data;
  g_autoptr(BurrowAdcMessage) msg = NULL;
  /* what a line makes us emit may drop the last reference */
  g_autoptr(BurrowAdcHubSession) keep G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GError) error = NULL;
  gchar type;

  if (len == 0)
    return; /* keep-alive */

  msg = burrow_adc_message_parse (line, len, &error);
  if (msg == NULL)
    {
      gint64 now = g_get_monotonic_time ();

      /* ADC: clients ignore malformed lines. Say so, at most once a second. */
      self->malformed_count++;
      if (now - self->malformed_reported >= MALFORMED_REPORT_US)
        {
          g_prefix_error (&error, ngettext ("Ignored %u malformed line from the hub: ",
                                            "Ignored %u malformed lines from the hub: ",
                                            self->malformed_count),
                          self->malformed_count);
          g_signal_emit_by_name (self, "error", error, FALSE);
          self->malformed_reported = now;
          self->malformed_count = 0;
        }
      return;
    }

  /* formatting costs even when debug output is off: 100,000-line joins notice */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("← %s", line);
  type = burrow_adc_message_get_type_char (msg);
  if (type == 'H' || type == 'C' || type == 'U')
    {
      report_unexpected (self, line);
      return;
    }

  switch (burrow_hub_session_get_state (BURROW_HUB_SESSION (self)))
    {
    case BURROW_HUB_STATE_PROTOCOL:
      dispatch_protocol (self, msg, line);
      break;
    case BURROW_HUB_STATE_IDENTIFY:
      dispatch_identify (self, msg, line);
      break;
    case BURROW_HUB_STATE_VERIFY:
      dispatch_verify (self, msg, line);
      break;
    case BURROW_HUB_STATE_NORMAL:
      dispatch_normal (self, msg, line);
      break;
    case BURROW_HUB_STATE_DISCONNECTED:
    case BURROW_HUB_STATE_CONNECTING:
    case BURROW_HUB_STATE_WAITING:
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
  BurrowAdcHubSession *self = user_data;
  /* what an error makes us emit may drop the last reference */
  g_autoptr(BurrowAdcHubSession) keep G_GNUC_UNUSED = g_object_ref (self);

  if (!_burrow_hub_session_channel_failed (BURROW_HUB_SESSION (self), error, fatal))
    return;
  {
    g_autoptr(GError) lost = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_CONNECTION_LOST,
                                          _("Lost the connection to the hub: %s"), error->message);
    fail_with (self, lost);
  }
}

static void
on_batch (BurrowLineChannel *channel,
          gpointer           user_data)
{
  BurrowAdcHubSession *self = user_data;

  /* During login the joins wait for our own INF (one splice for the whole
   * list); afterwards each read's joins go out together. */
  if (burrow_hub_session_get_state (BURROW_HUB_SESSION (self)) == BURROW_HUB_STATE_NORMAL)
    _burrow_hub_session_flush_joins (BURROW_HUB_SESSION (self));
}

static void
start_protocol (BurrowAdcHubSession *self)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autoptr(BurrowAdcMessage) sup = NULL;
  g_autoptr(GError) error = NULL;

  self->channel = burrow_line_channel_new (self->stream, '\n', BURROW_ADC_MAX_LINE_LENGTH,
                                           BURROW_HUB_MAX_QUEUED_BYTES);
  burrow_line_channel_set_handlers (self->channel, on_line, on_channel_error, on_batch, self);
  _burrow_hub_session_set_state (session, BURROW_HUB_STATE_PROTOCOL);
  {
    g_autoptr(GBytes) empty_line = g_bytes_new_static ("\n", 1);

    burrow_line_channel_set_keepalive (self->channel, burrow_hub_session_get_keepalive_interval (session),
                                       empty_line);
  }

  sup = burrow_adc_message_new ('H', BURROW_ADC_CMD_SUP);
  burrow_adc_message_add_named (sup, "AD", "BASE");
  burrow_adc_message_add_named (sup, "AD", "TIGR");
  burrow_adc_message_add_named (sup, "AD", "HBRI");
  if (!send_message (self, sup, FALSE, &error))
    {
      fail_with (self, error);
      return;
    }
  burrow_line_channel_start (self->channel);
}

/* --- connecting -------------------------------------------------------------------------- */

static void
stream_opened (BurrowHubSession *session,
               GIOStream        *stream)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);

  self->stream = stream;
  start_protocol (self);
}

static void
burrow_adc_hub_session_start (BurrowHubSession *session)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);

  stop_connection (self, FALSE);

  if (_burrow_hub_session_get_identity (session) == NULL)
    {
      fail_literal (self, BURROW_HUB_ERROR, BURROW_HUB_ERROR_FAILED,
                    _("The session has no identity (internal error)"));
      return;
    }

  _burrow_hub_session_arm_login_timeout (session, BURROW_ADC_LOGIN_TIMEOUT_MS);
  _burrow_hub_session_open (session, self->cancellable, stream_opened);
}

static void
burrow_adc_hub_session_stop (BurrowHubSession *session,
                             gboolean          clean)
{
  stop_connection (BURROW_ADC_HUB_SESSION (session), clean);
}

static gboolean
burrow_adc_hub_session_send_chat (BurrowHubSession  *session,
                                  const gchar       *text,
                                  gboolean           third_person,
                                  GError           **error)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_MSG, self->sid);

  burrow_adc_message_add_param (msg, text);
  if (third_person)
    burrow_adc_message_add_named (msg, "ME", "1");
  return send_message (self, msg, TRUE, error);
}

static gboolean
burrow_adc_hub_session_send_private (BurrowHubSession  *session,
                                     BurrowUser        *user,
                                     const gchar       *text,
                                     gboolean           third_person,
                                     GError           **error)
{
  BurrowAdcHubSession *self = BURROW_ADC_HUB_SESSION (session);
  g_autoptr(BurrowAdcMessage) msg = NULL;
  gchar sid_text[5];

  /* E type: the hub echoes it back, which is how it enters our own log. */
  msg = burrow_adc_message_new_direct ('E', BURROW_ADC_CMD_MSG, self->sid, burrow_user_get_sid (user));
  burrow_adc_message_add_param (msg, text);
  burrow_adc_sid_to_string (self->sid, sid_text);
  burrow_adc_message_add_named (msg, "PM", sid_text);
  if (third_person)
    burrow_adc_message_add_named (msg, "ME", "1");
  return send_message (self, msg, TRUE, error);
}

static void
burrow_adc_hub_session_class_init (BurrowAdcHubSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  BurrowHubSessionClass *session_class = BURROW_HUB_SESSION_CLASS (klass);

  object_class->dispose = burrow_adc_hub_session_dispose;
  object_class->finalize = burrow_adc_hub_session_finalize;

  session_class->start = burrow_adc_hub_session_start;
  session_class->stop = burrow_adc_hub_session_stop;
  session_class->send_chat = burrow_adc_hub_session_send_chat;
  session_class->send_private = burrow_adc_hub_session_send_private;
  session_class->info_changed = burrow_adc_hub_session_info_changed;
  session_class->send_connect_request = adc_send_connect_request;
  session_class->send_search = adc_send_search;
  session_class->send_search_reply = adc_send_search_reply;
  session_class->format_udp_search_reply = adc_format_udp_search_reply;
}

static void
burrow_adc_hub_session_init (BurrowAdcHubSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->sent_inf = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->hub_features = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < N_PACE; i++)
    g_queue_init (&self->pacers[i].lines);
}
