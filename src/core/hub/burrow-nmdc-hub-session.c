/* burrow-nmdc-hub-session.c — a connection to an NMDC hub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The login is one state machine (DESIGN.md principle 5), in the order real hubs use
 * (../shared/NMDC.md §1.2, §2.1):
 *
 *   LOCK      wait for $Lock, send nothing first (PtokaX sends it after about a second);
 *             answer $Supports (EXTENDEDPROTOCOL locks only, no trailing space), $Key,
 *             $ValidateNick
 *   NICK      $Hello <us> → $Version, $GetNickList, $MyINFO; $GetPass → $MyPass (PASSWORD);
 *             $ValidateDenide, $BadNick, $HubIsFull end the login
 *   PASSWORD  $Hello <us> as above; $BadPass ends it
 *   LIST      logged in: the user list arrives (NORMAL once our own $MyINFO comes back, or the
 *             $OpList that ends Verlihub's list, or a short quiet time)
 *   NORMAL    users, chat, private messages, searches, connection requests, redirects
 *
 * Lines are the bytes before '|'. $Lock is handled on the raw bytes (the key is computed from
 * bytes); every other line is decoded from the hub's charset first (burrow-nmdc.h), which never
 * loses a byte. We never send a command the hub did not echo in its $Supports (PtokaX closes on
 * unknown commands) and never send $Quit.
 */

#define G_LOG_DOMAIN "burrow-hub-session"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"
#include "burrow-line-channel.h"
#include "burrow-nmdc-hub-session.h"

#include "burrow-hub-session-private.h"

/* NORMAL once the hub has been quiet this long after our $MyINFO, when it sent nothing that marks
 * the end of its list. */
#define LIST_QUIET_MS           2000
#define REPORT_US               G_USEC_PER_SEC
/* Our $Supports (NMDC.md §5.2 item 3): no ZPipe0 (not implemented), no trailing space. */
#define OUR_SUPPORTS            "NoHello NoGetINFO UserIP2 TTHSearch TLS"
/* The hub chat lines kept to explain why the hub closed the connection. */
#define LAST_HUB_TEXT_BYTES     512
/* A reconnect ban we recognise but whose length the hub does not say (Verlihub: 60 s). */
#define DEFAULT_BAN_WAIT_MS     (61 * 1000)

typedef enum
{
  NMDC_LOCK,
  NMDC_NICK,
  NMDC_PASSWORD,
  NMDC_LIST,
  NMDC_NORMAL,
} NmdcState;

typedef struct
{
  gchar             *token;
  BurrowSearchQuery *query;
} RecentSearch;

struct _BurrowNmdcHubSession
{
  BurrowHubSession   parent_instance;

  /* owned */
  GCancellable      *cancellable;
  GIOStream         *stream;
  BurrowLineChannel *channel;
  BurrowNmdcCharset *charset;
  GHashTable        *hub_supports;     /* features the hub echoed */
  gchar             *own_ip;           /* $UserIP for us */
  gchar             *hub_address;      /* "ip:port" of the hub as we reach it (for $SR) */
  GBytes            *sent_myinfo;      /* the last $MyINFO we sent (encoded) */
  GQueue             search_queue;     /* gchar *: $Search arguments waiting their turn */
  GQueue             recent;           /* RecentSearch, newest first */
  GString           *last_hub_text;    /* the last hub/bot chat lines (ban and kick reasons) */

  NmdcState          state;
  guint32            next_sid;
  guint              list_timer_id;
  guint              myinfo_timer_id;
  guint              myinfo_interval_ms;
  gint64             myinfo_sent_at;   /* monotonic, µs */
  guint              search_timer_id;
  guint              search_interval_ms;
  gint64             search_sent_at;   /* monotonic, µs; 0 = never */
  guint              malformed_count;
  gint64             malformed_reported;
  guint              over_long_count;
  gboolean           too_many_users_reported;
};

G_DEFINE_FINAL_TYPE (BurrowNmdcHubSession, burrow_nmdc_hub_session, BURROW_TYPE_HUB_SESSION)

static void start_protocol (BurrowNmdcHubSession *self);
static void send_search_now (BurrowNmdcHubSession *self);

/* --- helpers ---------------------------------------------------------------------------- */

static void
recent_search_free (RecentSearch *r)
{
  g_free (r->token);
  burrow_search_query_free (r->query);
  g_free (r);
}

static void
fail_literal (BurrowNmdcHubSession *self,
              gint                  code,
              const gchar          *message,
              gint64                reconnect_after_ms)
{
  g_autoptr(GError) error = g_error_new_literal (BURROW_HUB_ERROR, code, message);

  _burrow_hub_session_lost (BURROW_HUB_SESSION (self), error, reconnect_after_ms);
}

gchar *
burrow_nmdc_user_id (const gchar *host,
                     guint16      port,
                     const gchar *nick)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf (BURROW_NMDC_USER_ID_PREFIX "[%s]:%u/%s", host, port, nick);
  return g_strdup_printf (BURROW_NMDC_USER_ID_PREFIX "%s:%u/%s", host, port, nick);
}

static gchar *
user_id (BurrowNmdcHubSession *self,
         const gchar          *nick)
{
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (BURROW_HUB_SESSION (self));

  return burrow_nmdc_user_id (uri->host, uri->port, nick);
}

static BurrowUser *
lookup_nick (BurrowNmdcHubSession *self,
             const gchar          *nick)
{
  g_autofree gchar *id = NULL;

  if (nick == NULL)
    return NULL;
  id = user_id (self, nick);
  return burrow_hub_session_lookup_cid (BURROW_HUB_SESSION (self), id);
}

static gboolean
is_me (BurrowNmdcHubSession *self,
       const gchar          *nick)
{
  return g_strcmp0 (nick, burrow_hub_session_get_nick (BURROW_HUB_SESSION (self))) == 0;
}

/* Encodes @line in the hub's charset and sends it with its '|'. */
static gboolean
send_line (BurrowNmdcHubSession  *self,
           const gchar           *line,
           GError               **error)
{
  g_autofree gchar *bytes = NULL;
  gsize len;

  if (self->channel == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not connected to the hub"));
      return FALSE;
    }
  bytes = burrow_nmdc_charset_encode (self->charset, line, &len);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("→ %s", line);
  bytes = g_realloc (bytes, len + 1);
  bytes[len] = '|';
  return burrow_line_channel_send (self->channel, bytes, (gssize) len + 1, error);
}

static gboolean
send_bytes (BurrowNmdcHubSession  *self,
            const gchar           *bytes,
            gsize                  len,
            GError               **error)
{
  g_autofree gchar *line = g_malloc (len + 1);

  memcpy (line, bytes, len);
  line[len] = '|';
  return burrow_line_channel_send (self->channel, line, (gssize) len + 1, error);
}

static void
report_error (BurrowNmdcHubSession *self,
              GError               *error)
{
  g_signal_emit_by_name (self, "error", error, FALSE);
}

/* Lines that break the protocol (bad syntax, or a command illegal in this state) are counted
 * and reported at most once a second; the session goes on, as other clients do. */
static void
report_malformed (BurrowNmdcHubSession *self,
                  const GError         *cause)
{
  gint64 now = g_get_monotonic_time ();

  self->malformed_count++;
  if (now - self->malformed_reported < REPORT_US)
    return;
  {
    g_autoptr(GError) error = g_error_new (cause->domain, cause->code,
                                           ngettext ("Ignored %u malformed line from the hub: %s",
                                                     "Ignored %u malformed lines from the hub: %s",
                                                     self->malformed_count),
                                           self->malformed_count, cause->message);
    report_error (self, error);
  }
  self->malformed_reported = now;
  self->malformed_count = 0;
}

static void
report_unexpected (BurrowNmdcHubSession *self,
                   const gchar          *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *head = g_utf8_substring (line, 0, MIN (g_utf8_strlen (line, -1), 40));

  error = g_error_new (BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED,
                       _("unexpected in this state: %s"), head);
  report_malformed (self, error);
}

/* --- object ----------------------------------------------------------------------------- */

static void
stop_connection (BurrowNmdcHubSession *self,
                 gboolean              clean)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  _burrow_hub_session_arm_login_timeout (BURROW_HUB_SESSION (self), 0);
  g_clear_handle_id (&self->list_timer_id, g_source_remove);
  g_clear_handle_id (&self->myinfo_timer_id, g_source_remove);
  g_clear_handle_id (&self->search_timer_id, g_source_remove);

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

  g_hash_table_remove_all (self->hub_supports);
  g_clear_pointer (&self->own_ip, g_free);
  g_clear_pointer (&self->hub_address, g_free);
  g_clear_pointer (&self->sent_myinfo, g_bytes_unref);
  g_queue_clear_full (&self->search_queue, g_free);
  self->state = NMDC_LOCK;
  self->myinfo_sent_at = 0;
  self->too_many_users_reported = FALSE;
}

static void
burrow_nmdc_hub_session_dispose (GObject *object)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (object);

  if (self->cancellable != NULL)
    stop_connection (self, FALSE);
  g_clear_object (&self->cancellable);
  g_queue_clear_full (&self->recent, (GDestroyNotify) recent_search_free);

  G_OBJECT_CLASS (burrow_nmdc_hub_session_parent_class)->dispose (object);
}

static void
burrow_nmdc_hub_session_finalize (GObject *object)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (object);

  g_clear_pointer (&self->charset, burrow_nmdc_charset_free);
  g_hash_table_unref (self->hub_supports);
  g_string_free (self->last_hub_text, TRUE);

  G_OBJECT_CLASS (burrow_nmdc_hub_session_parent_class)->finalize (object);
}

/* --- our $MyINFO ------------------------------------------------------------------------ */

static void
fill_own_info (BurrowNmdcHubSession *self,
               BurrowNmdcInfo       *info)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  gboolean active = burrow_hub_session_get_mode (session) == BURROW_CONNECTION_MODE_ACTIVE
                    && burrow_hub_session_get_port (session) != 0;
  gboolean registered = burrow_hub_session_get_password (session) != NULL;
  guint64 size, files;
  guint slots, free_slots;

  burrow_hub_session_get_share_info (session, &size, &files, &slots, &free_slots);
  memset (info, 0, sizeof *info);
  info->nick = g_strdup (burrow_hub_session_get_nick (session));
  info->description = g_strdup (burrow_hub_session_get_description (session)
                                ? burrow_hub_session_get_description (session) : "");
  info->has_tag = TRUE;
  info->client = g_strdup ("Burrow");
  info->version = g_strdup (PACKAGE_VERSION);
  info->mode = active ? 'A' : 'P';
  /* PtokaX closes H:0/0/0 as a fake tag; Verlihub needs H: and S: (NMDC.md §9) */
  info->hubs_normal = registered ? 0 : 1;
  info->hubs_registered = registered ? 1 : 0;
  info->hubs_operator = 0;
  info->slots = slots;
  info->connection = g_strdup ("100");
  /* 0x20 (NAT traversal) only while passive (NMDC.md §5.2 item 7) */
  info->status = BURROW_NMDC_STATUS_NORMAL | BURROW_NMDC_STATUS_TLS
                 | (active ? 0 : BURROW_NMDC_STATUS_NAT);
  info->has_status = TRUE;
  info->email = g_strdup ("");
  info->share = size;
  info->share_valid = TRUE;
}

static gboolean
send_myinfo_now (BurrowNmdcHubSession *self)
{
  BurrowNmdcInfo info;
  g_autofree gchar *line = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  fill_own_info (self, &info);
  line = burrow_nmdc_format_myinfo (&info, self->charset, BURROW_NMDC_MAX_MYINFO_BYTES, &len, &error);
  burrow_nmdc_info_clear (&info);
  if (line == NULL)
    {
      report_error (self, error);
      return FALSE;
    }
  if (self->sent_myinfo != NULL && g_bytes_get_size (self->sent_myinfo) == len
      && memcmp (g_bytes_get_data (self->sent_myinfo, NULL), line, len) == 0)
    return TRUE;   /* unchanged: hubs ignore (PtokaX) or count (Verlihub) a repeat */
  if (!send_bytes (self, line, len, &error))
    {
      g_debug ("cannot send $MyINFO: %s", error->message);
      return FALSE;
    }
  g_clear_pointer (&self->sent_myinfo, g_bytes_unref);
  self->sent_myinfo = g_bytes_new (line, len);
  self->myinfo_sent_at = g_get_monotonic_time ();
  return TRUE;
}

static gboolean
myinfo_timer_cb (gpointer data)
{
  BurrowNmdcHubSession *self = data;

  self->myinfo_timer_id = 0;
  send_myinfo_now (self);
  return G_SOURCE_REMOVE;
}

/* Our settings changed: send $MyINFO again, but not within the hubs' windows. */
static void
burrow_nmdc_hub_session_info_changed (BurrowHubSession *session)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  gint64 since_ms;

  if (self->state != NMDC_NORMAL && self->state != NMDC_LIST)
    return;
  if (self->myinfo_timer_id != 0)
    return;   /* the timer sends what is current when it fires */
  since_ms = (g_get_monotonic_time () - self->myinfo_sent_at) / 1000;
  if (self->myinfo_sent_at == 0 || since_ms >= self->myinfo_interval_ms)
    send_myinfo_now (self);
  else
    self->myinfo_timer_id = g_timeout_add ((guint) (self->myinfo_interval_ms - since_ms),
                                           myinfo_timer_cb, self);
}

/* --- users ------------------------------------------------------------------------------ */

/* Adds @nick (whose id is @id, or NULL to compute it) to the list. */
static BurrowUser *
add_user_with_id (BurrowNmdcHubSession *self,
                  const gchar          *nick,
                  const gchar          *id)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autofree gchar *own_id = id == NULL ? user_id (self, nick) : NULL;
  BurrowUser *user;

  user = _burrow_hub_session_add_user_object (session,
                                              burrow_user_new_nmdc (++self->next_sid,
                                                                    id ? id : own_id, nick),
                                              is_me (self, nick));
  if (user == NULL && !self->too_many_users_reported)
    {
      g_autoptr(GError) error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_TOO_MANY_USERS,
                                             _("The hub lists more than %u users; the rest are not shown"),
                                             _burrow_hub_session_get_max_users (session));
      self->too_many_users_reported = TRUE;
      report_error (self, error);
    }
  return user;
}

static BurrowUser *
add_user (BurrowNmdcHubSession *self,
          const gchar          *nick)
{
  return add_user_with_id (self, nick, NULL);
}

static void check_list_done (BurrowNmdcHubSession *self);

static void
handle_myinfo (BurrowNmdcHubSession *self,
               const gchar          *args)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  BurrowNmdcInfo info;
  BurrowUser *user;
  gboolean is_new = FALSE;

  if (!burrow_nmdc_parse_myinfo (args, &info, &error))
    {
      report_malformed (self, error);
      return;
    }
  id = user_id (self, info.nick);
  user = burrow_hub_session_lookup_cid (session, id);
  if (user == NULL)
    {
      user = add_user_with_id (self, info.nick, id);
      is_new = TRUE;
    }
  if (user != NULL)
    {
      gboolean changed = burrow_user_apply_nmdc_info (user, &info, !is_new);

      if (is_me (self, info.nick))
        {
          _burrow_hub_session_set_me (session, user);
          if (self->state == NMDC_LIST)
            {
              /* our own $MyINFO comes last in PtokaX's list */
              burrow_nmdc_info_clear (&info);
              _burrow_hub_session_logged_in (session);
              self->state = NMDC_NORMAL;
              return;
            }
        }
      if (changed && !is_new)
        _burrow_hub_session_user_updated (session, user);
    }
  burrow_nmdc_info_clear (&info);
}

static void
for_each_nick (BurrowNmdcHubSession *self,
               const gchar          *args,
               BurrowNmdcCommand     command)
{
  g_autoptr(GPtrArray) nicks = burrow_nmdc_split_nick_list (args, _burrow_hub_session_get_max_users (BURROW_HUB_SESSION (self)));

  for (guint i = 0; i < nicks->len; i++)
    {
      const gchar *nick = g_ptr_array_index (nicks, i);
      BurrowUser *user = lookup_nick (self, nick);

      if (command == BURROW_NMDC_CMD_NICK_LIST)
        continue;   /* users appear with their $MyINFO (we sent NoGetINFO) */
      if (user == NULL)
        user = add_user (self, nick);   /* hub bots may have no $MyINFO */
      if (user == NULL)
        continue;
      if (command == BURROW_NMDC_CMD_OP_LIST)
        burrow_user_set_operator (user, TRUE);
      else
        burrow_user_set_bot (user, TRUE);
    }
}

static void
handle_user_ip (BurrowNmdcHubSession *self,
                const gchar          *args)
{
  g_autoptr(GPtrArray) pairs = burrow_nmdc_split_user_ip (args, 2 * 1024);

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      const gchar *nick = g_ptr_array_index (pairs, i);
      const gchar *ip = g_ptr_array_index (pairs, i + 1);
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
      BurrowUser *user;

      if (address == NULL)
        continue;
      if (is_me (self, nick))
        {
          g_free (self->own_ip);
          self->own_ip = g_strdup (ip);
        }
      user = lookup_nick (self, nick);
      if (user != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4 &&
          g_strcmp0 (burrow_user_get_ip4 (user), ip) != 0)
        {
          burrow_user_set_ip4 (user, ip);
          /* for our own: automatic mode learns what the hub sees */
          _burrow_hub_session_user_updated (BURROW_HUB_SESSION (self), user);
        }
    }
}

static void
handle_quit (BurrowNmdcHubSession *self,
             const gchar          *nick)
{
  BurrowUser *user = lookup_nick (self, nick);

  if (user != NULL && !is_me (self, nick))
    _burrow_hub_session_remove_user (BURROW_HUB_SESSION (self), burrow_user_get_sid (user));
}

/* --- chat ------------------------------------------------------------------------------- */

static void
remember_hub_text (BurrowNmdcHubSession *self,
                   const gchar          *text)
{
  g_string_assign (self->last_hub_text, text);
  if (self->last_hub_text->len > LAST_HUB_TEXT_BYTES)
    {
      const gchar *end = self->last_hub_text->str + LAST_HUB_TEXT_BYTES;

      g_utf8_validate (self->last_hub_text->str, LAST_HUB_TEXT_BYTES, &end);
      g_string_truncate (self->last_hub_text, (gsize) (end - self->last_hub_text->str));
    }
}

/* The hub's refusal of our `$RevConnectToMe` to a passive user, in its own words (Verlihub: "You
 * can't download from this user, because he is also in passive mode: NICK", NMDC.md §1): it
 * becomes a REFUSED request from that user, so the attempt fails at once with the hub's reason
 * instead of waiting for an answer that never comes. Only hub, bot and operator text counts. */
#define PASSIVE_REFUSAL "also in passive mode"

static void
check_passive_refusal (BurrowNmdcHubSession *self,
                       const gchar          *text)
{
  g_autoptr(BurrowConnectRequest) request = NULL;
  g_autofree gchar *nick = NULL;
  const gchar *colon;
  BurrowUser *user;

  if (strstr (text, PASSIVE_REFUSAL) == NULL || (colon = strrchr (text, ':')) == NULL)
    return;
  nick = g_strstrip (g_strdup (colon + 1));
  if ((user = lookup_nick (self, nick)) == NULL || is_me (self, nick))
    return;
  request = burrow_connect_request_new (BURROW_CONNECT_KIND_REFUSED, user, "NMDC", 0, nick);
  request->reason = g_strdup (text);
  _burrow_hub_session_emit_connect_request (BURROW_HUB_SESSION (self), request);
}

static void
handle_chat (BurrowNmdcHubSession *self,
             const gchar          *line)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autoptr(BurrowChatMessage) message = NULL;
  g_autofree gchar *nick = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;
  gboolean third_person = FALSE;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  BurrowUser *from;

  if (!burrow_nmdc_parse_chat (line, &nick, &text, &third_person, &error))
    {
      /* hub text without a nick ("* Welcome", MOTD lines): shown as the hub's */
      g_autofree gchar *plain = burrow_nmdc_unescape (line);

      remember_hub_text (self, plain);
      check_passive_refusal (self, plain);
      message = burrow_chat_message_new (BURROW_CHAT_KIND_MAIN, now,
                                         burrow_hub_session_get_hub_name (session), NULL, plain,
                                         FALSE, FALSE);
      _burrow_hub_session_add_message (session, message);
      return;
    }
  from = lookup_nick (self, nick);
  if (from == NULL || burrow_user_is_operator (from) || burrow_user_is_bot (from))
    {
      remember_hub_text (self, text);   /* hub bots and ops say why they close or kick */
      check_passive_refusal (self, text);
    }
  message = burrow_chat_message_new (BURROW_CHAT_KIND_MAIN, now, nick, NULL, text, third_person,
                                     is_me (self, nick));
  _burrow_hub_session_add_message (session, message);
}

static void
handle_private (BurrowNmdcHubSession *self,
                const gchar          *args)
{
  g_autoptr(BurrowChatMessage) message = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *from = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;
  gboolean third_person = FALSE;

  if (!burrow_nmdc_parse_private (args, &target, &from, &text, &third_person, &error))
    {
      report_malformed (self, error);
      return;
    }
  if (!is_me (self, target))
    return;   /* not for us (hubs deliver to the target only) */
  message = burrow_chat_message_new (BURROW_CHAT_KIND_PRIVATE, g_get_real_time () / G_USEC_PER_SEC,
                                     from, from, text, third_person, FALSE);
  _burrow_hub_session_add_message (BURROW_HUB_SESSION (self), message);
}

/* --- searches --------------------------------------------------------------------------- */

static guint
search_interval_ms (BurrowNmdcHubSession *self)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  const gchar *software = burrow_hub_session_get_hub_software (session);
  gboolean passive = burrow_hub_session_get_mode (session) != BURROW_CONNECTION_MODE_ACTIVE;

  if (self->search_interval_ms > 0)
    return self->search_interval_ms;
  /* NMDC.md §0 fact 10: Verlihub one search per 32 s (48 s passive); PtokaX 5 per 60 s */
  if (software != NULL && g_str_has_prefix (software, "Verlihub"))
    return passive ? 48 * 1000 + 500 : 32 * 1000 + 500;
  if (software != NULL && g_str_has_prefix (software, "PtokaX"))
    return 12 * 1000 + 500;
  return 10 * 1000;
}

static gboolean
search_timer_cb (gpointer data)
{
  BurrowNmdcHubSession *self = data;

  self->search_timer_id = 0;
  send_search_now (self);
  return G_SOURCE_REMOVE;
}

static void
send_search_now (BurrowNmdcHubSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait_ms;
  g_autofree gchar *args = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr(GError) error = NULL;

  if (self->search_timer_id != 0 || g_queue_is_empty (&self->search_queue))
    return;
  wait_ms = self->search_sent_at == 0 ? 0
            : (gint64) search_interval_ms (self) - (now - self->search_sent_at) / 1000;
  if (wait_ms > 0)
    {
      self->search_timer_id = g_timeout_add ((guint) wait_ms, search_timer_cb, self);
      return;
    }
  args = g_queue_pop_head (&self->search_queue);
  line = g_strconcat ("$Search ", args, NULL);
  if (!send_line (self, line, &error))
    g_debug ("cannot send a search: %s", error->message);
  self->search_sent_at = now;
  if (!g_queue_is_empty (&self->search_queue))
    self->search_timer_id = g_timeout_add (search_interval_ms (self), search_timer_cb, self);
}

/* The address other users send UDP results to (active) and the one they answer through. */
static const gchar *
own_ip (BurrowNmdcHubSession *self)
{
  if (self->own_ip != NULL)
    return self->own_ip;
  return burrow_hub_session_get_local_address (BURROW_HUB_SESSION (self));
}

static gboolean
burrow_nmdc_hub_session_send_search (BurrowHubSession         *session,
                                     const BurrowSearchQuery  *query,
                                     GError                  **error)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  gboolean active = burrow_hub_session_get_mode (session) == BURROW_CONNECTION_MODE_ACTIVE
                    && burrow_hub_session_get_port (session) != 0 && own_ip (self) != NULL;
  g_autofree gchar *args = NULL;
  RecentSearch *recent;

  args = burrow_nmdc_format_search (query, active ? own_ip (self) : NULL,
                                    active ? burrow_hub_session_get_port (session) : 0,
                                    burrow_hub_session_get_nick (session));
  if (args == NULL)
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                           _("NMDC hubs cannot search for this (it needs a word or a TTH)"));
      return FALSE;
    }
  /* the same search twice in a row is dropped by both hubsofts: one is enough */
  for (GList *l = self->search_queue.head; l != NULL; l = l->next)
    if (g_str_equal (l->data, args))
      goto remember;
  if (g_queue_get_length (&self->search_queue) >= BURROW_NMDC_MAX_QUEUED_SEARCHES)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD,
                   _("Too many searches are waiting for this hub (%u)"),
                   BURROW_NMDC_MAX_QUEUED_SEARCHES);
      return FALSE;
    }
  g_queue_push_tail (&self->search_queue, g_steal_pointer (&args));
  send_search_now (self);

remember:
  /* NMDC results carry no token: remember what we asked, to hand each result to its search */
  recent = g_new0 (RecentSearch, 1);
  recent->token = g_strdup (query->token);
  recent->query = burrow_search_query_copy (query);
  g_queue_push_head (&self->recent, recent);
  while (g_queue_get_length (&self->recent) > BURROW_NMDC_MAX_RECENT_SEARCHES)
    recent_search_free (g_queue_pop_tail (&self->recent));
  return TRUE;
}

/* Whether @reply answers @query: the TTH, or every word in the path. */
static gboolean
reply_matches (const BurrowSearchQuery *query,
               const BurrowSearchReply *reply)
{
  g_autofree gchar *folded = NULL;

  if (query->has_tth)
    return reply->has_tth && memcmp (query->tth, reply->tth, sizeof query->tth) == 0;
  folded = burrow_search_fold (reply->path, -1);
  for (guint i = 0; query->include != NULL && i < query->include->len; i++)
    if (strstr (folded, g_ptr_array_index (query->include, i)) == NULL)
      return FALSE;
  return TRUE;
}

/* Gives @reply the token of the newest of our searches it answers; FALSE when it answers none. */
static gboolean
assign_token (BurrowNmdcHubSession *self,
              BurrowSearchReply    *reply)
{
  for (GList *l = self->recent.head; l != NULL; l = l->next)
    {
      RecentSearch *r = l->data;

      if (r->token != NULL && reply_matches (r->query, reply))
        {
          g_free (reply->token);
          reply->token = g_strdup (r->token);
          return TRUE;
        }
    }
  return FALSE;
}

static void
handle_sr (BurrowNmdcHubSession *self,
           const gchar          *args)
{
  BurrowNmdcSearchResult result = { 0 };
  g_autoptr(GError) error = NULL;
  BurrowUser *from;

  if (!burrow_nmdc_parse_sr (args, &result, &error))
    {
      report_malformed (self, error);
      return;
    }
  from = lookup_nick (self, result.nick);
  if (from != NULL && assign_token (self, result.reply))
    _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (self), from, result.reply);
  burrow_nmdc_search_result_clear (&result);
}

/* A searcher we only know by address (an active NMDC search names no user): a stand-in user,
 * not in the list, whose id is its address on this hub. */
static BurrowUser *
address_user (BurrowNmdcHubSession *self,
              const gchar          *host,
              guint16               port)
{
  g_autofree gchar *name = g_strdup_printf ("%s:%u", host, port);
  g_autofree gchar *id = user_id (self, name);
  BurrowUser *user = burrow_user_new_nmdc (0, id, name);

  burrow_user_set_ip4 (user, host);
  return user;
}

static void
handle_search (BurrowNmdcHubSession *self,
               const gchar          *args)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autofree gchar *passive_nick = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowUser) stand_in = NULL;
  BurrowUser *from;

  if (!burrow_nmdc_parse_search (args, &query, &passive_nick, &error))
    {
      report_malformed (self, error);
      return;
    }
  if (passive_nick != NULL)
    {
      if (is_me (self, passive_nick))
        return;   /* our own search, relayed back */
      from = lookup_nick (self, passive_nick);
      if (from == NULL)
        return;
      /* a passive searcher reaches us only when we are active, or by NAT traversal */
      if (burrow_hub_session_get_mode (session) != BURROW_CONNECTION_MODE_ACTIVE
          && !burrow_user_supports_nat_traversal (from))
        return;
    }
  else
    {
      if (own_ip (self) != NULL && g_strcmp0 (query->udp_host, own_ip (self)) == 0
          && query->udp_port == burrow_hub_session_get_port (session))
        return;   /* our own */
      from = stand_in = address_user (self, query->udp_host, query->udp_port);
    }
  _burrow_hub_session_emit_search_request (session, from, query);
}

static gboolean
burrow_nmdc_hub_session_send_search_reply (BurrowHubSession         *session,
                                           BurrowUser               *to,
                                           const BurrowSearchReply  *reply,
                                           GError                  **error)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  BurrowNmdcSearchResult result = { 0 };
  g_autofree gchar *args = NULL;
  g_autofree gchar *line = NULL;
  guint slots;

  burrow_hub_session_get_share_info (session, NULL, NULL, &slots, NULL);
  result.nick = (gchar *) burrow_hub_session_get_nick (session);
  result.reply = (BurrowSearchReply *) reply;
  result.slots = slots;
  result.hub_address = self->hub_address;
  result.target = (gchar *) burrow_user_get_nick (to);
  args = burrow_nmdc_format_sr (&result);
  line = g_strconcat ("$SR ", args, NULL);
  return send_line (self, line, error);
}

static GBytes *
burrow_nmdc_hub_session_format_udp_search_reply (BurrowHubSession        *session,
                                                 const BurrowSearchReply *reply)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  BurrowNmdcSearchResult result = { 0 };
  g_autofree gchar *args = NULL;
  g_autofree gchar *line = NULL;
  gchar *bytes;
  gsize len;
  guint slots;

  burrow_hub_session_get_share_info (session, NULL, NULL, &slots, NULL);
  result.nick = (gchar *) burrow_hub_session_get_nick (session);
  result.reply = (BurrowSearchReply *) reply;
  result.slots = slots;
  result.hub_address = self->hub_address;
  args = burrow_nmdc_format_sr (&result);
  line = g_strconcat ("$SR ", args, NULL);
  bytes = burrow_nmdc_charset_encode (self->charset, line, &len);
  bytes = g_realloc (bytes, len + 1);
  bytes[len] = '|';
  return g_bytes_new_take (bytes, len + 1);
}

static BurrowSearchReply *
burrow_nmdc_hub_session_parse_udp_search_reply (BurrowHubSession  *session,
                                                const gchar       *line,
                                                gsize              len,
                                                BurrowUser       **from)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  BurrowNmdcSearchResult result = { 0 };
  g_autofree gchar *text = NULL;
  BurrowSearchReply *reply = NULL;
  BurrowUser *user;
  const gchar *args;

  if (self->state != NMDC_NORMAL || self->charset == NULL)
    return NULL;
  text = burrow_nmdc_charset_decode (self->charset, line, (gssize) len);
  if (burrow_nmdc_split_command (text, &args) != BURROW_NMDC_CMD_SR
      || !burrow_nmdc_parse_sr (args, &result, NULL))
    return NULL;
  /* "(hub ip:port)" names the hub as the answering client reaches it, which need not be how we
   * reach it (a name, NAT): the nick, known on this hub, decides (as eiskaltdcpp does) */
  user = lookup_nick (self, result.nick);
  if (user == NULL || !assign_token (self, result.reply))
    goto out;
  *from = user;
  reply = g_steal_pointer (&result.reply);
out:
  burrow_nmdc_search_result_clear (&result);
  return reply;
}

/* --- connection requests ($ConnectToMe, $RevConnectToMe) ------------------------------------ */

/* What a connection request needs from the hub; the client-client side of NMDC comes with the
 * NMDC peer connection. Requests name no token: the peer's nick stands in for it. */
static void
handle_connect_to_me (BurrowNmdcHubSession *self,
                      const gchar          *args)
{
  BurrowNmdcConnectToMe ctm = { 0 };
  g_autoptr(BurrowConnectRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowUser) stand_in = NULL;
  BurrowUser *user = NULL;
  BurrowConnectKind kind;

  if (!burrow_nmdc_parse_connect_to_me (args, &ctm, &error))
    {
      report_malformed (self, error);
      return;
    }
  if (!is_me (self, ctm.target))
    goto out;
  kind = ctm.nat == 'N' ? BURROW_CONNECT_KIND_NAT
       : ctm.nat == 'R' ? BURROW_CONNECT_KIND_NAT_REPLY : BURROW_CONNECT_KIND_CONNECT;
  if (ctm.sender != NULL)
    user = lookup_nick (self, ctm.sender);
  else
    {
      /* a plain $ConnectToMe does not name its sender: the user with that address */
      guint n = g_list_model_get_n_items (burrow_hub_session_get_users (BURROW_HUB_SESSION (self)));

      for (guint i = 0; i < n && user == NULL; i++)
        {
          g_autoptr(BurrowUser) u = g_list_model_get_item (burrow_hub_session_get_users (BURROW_HUB_SESSION (self)), i);

          if (g_strcmp0 (burrow_user_get_ip4 (u), ctm.host) == 0 &&
              !is_me (self, burrow_user_get_nick (u)))
            user = u;
        }
      /* hubs tell only ops the users' addresses: most senders are known by the address alone
       * (the connector matches it to the $RevConnectToMe it answers; the peer's $MyNick says
       * who it is) */
      if (user == NULL)
        user = stand_in = address_user (self, ctm.host, ctm.port);
    }
  if (user == NULL)
    goto out;
  request = burrow_connect_request_new (kind, user, ctm.tls ? "NMDCS" : "NMDC", ctm.port,
                                        burrow_user_get_nick (user));
  request->tls = ctm.tls;
  request->host = g_strdup (ctm.host);
  request->line = g_strconcat ("$ConnectToMe ", args, NULL);
  _burrow_hub_session_emit_connect_request (BURROW_HUB_SESSION (self), request);
out:
  burrow_nmdc_connect_to_me_clear (&ctm);
}

static void
handle_rev_connect_to_me (BurrowNmdcHubSession *self,
                          const gchar          *args)
{
  g_autofree gchar *sender = NULL;
  g_autofree gchar *target = NULL;
  g_autoptr(BurrowConnectRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  BurrowUser *user;

  if (!burrow_nmdc_parse_rev_connect_to_me (args, &sender, &target, &error))
    {
      report_malformed (self, error);
      return;
    }
  if (!is_me (self, target) || (user = lookup_nick (self, sender)) == NULL)
    return;
  request = burrow_connect_request_new (BURROW_CONNECT_KIND_REVERSE, user, "NMDC", 0, sender);
  request->line = g_strconcat ("$RevConnectToMe ", args, NULL);
  _burrow_hub_session_emit_connect_request (BURROW_HUB_SESSION (self), request);
}

static gboolean
burrow_nmdc_hub_session_send_connect_request (BurrowHubSession            *session,
                                              BurrowConnectRequest        *request,
                                              GError                     **error)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  const gchar *software = burrow_hub_session_get_hub_software (session);
  const gchar *nick = burrow_user_get_nick (request->user);
  BurrowNmdcConnectToMe ctm = { 0 };
  g_autofree gchar *args = NULL;
  g_autofree gchar *line = NULL;

  if (g_strcmp0 (request->protocol, "NMDC") != 0 && g_strcmp0 (request->protocol, "NMDCS") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Users of NMDC hubs do not speak %s"), request->protocol);
      return FALSE;
    }
  switch (request->kind)
    {
    case BURROW_CONNECT_KIND_REVERSE:
      line = g_strdup_printf ("$RevConnectToMe %s %s", burrow_hub_session_get_nick (session), nick);
      break;
    case BURROW_CONNECT_KIND_NAT:
    case BURROW_CONNECT_KIND_NAT_REPLY:
      /* PtokaX closes anyone who sends N or R; others relay it only between 0x20 users
       * (NMDC.md §0 facts 5 and 6) */
      if ((software != NULL && g_str_has_prefix (software, "PtokaX"))
          || !(burrow_user_get_nmdc_status (request->user) & BURROW_NMDC_STATUS_NAT))
        {
          g_set_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_UNSUPPORTED,
                       _("This hub does not let passive users connect to each other"));
          return FALSE;
        }
      ctm.nat = request->kind == BURROW_CONNECT_KIND_NAT ? 'N' : 'R';
      if (request->kind == BURROW_CONNECT_KIND_NAT)
        ctm.sender = (gchar *) burrow_hub_session_get_nick (session);
      G_GNUC_FALLTHROUGH;
    case BURROW_CONNECT_KIND_CONNECT:
      if (own_ip (self) == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not connected to the hub"));
          return FALSE;
        }
      ctm.target = (gchar *) nick;
      ctm.host = (gchar *) own_ip (self);
      ctm.port = request->port;
      ctm.tls = request->tls;
      args = burrow_nmdc_format_connect_to_me (&ctm);
      line = g_strconcat ("$ConnectToMe ", args, NULL);
      break;
    case BURROW_CONNECT_KIND_REFUSED:
    default:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("NMDC has no way to refuse a connection request"));
      return FALSE;
    }
  if (!send_line (self, line, error))
    return FALSE;
  g_free (request->line);
  request->line = g_steal_pointer (&line);
  return TRUE;
}

/* --- the login ---------------------------------------------------------------------------- */

static void
handle_lock (BurrowNmdcHubSession *self,
             const gchar          *args,
             gsize                 len)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autoptr(GBytes) lock = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree gchar *pk = NULL;
  g_autofree gchar *validate = NULL;
  g_autoptr(GString) key_line = NULL;
  g_autoptr(GError) error = NULL;
  gsize key_len;
  const gchar *key_data;

  if (!burrow_nmdc_parse_lock (args, len, &lock, &pk, &error))
    {
      g_autoptr(GError) lost = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_PROTOCOL,
                                            _("The hub sent a lock we cannot answer: %s"),
                                            error->message);
      _burrow_hub_session_lost (session, lost, 0);
      return;
    }
  if (pk != NULL)
    {
      g_autofree gchar *software = burrow_nmdc_charset_decode (self->charset, pk, -1);

      _burrow_hub_session_set_hub_software (session, software);
    }
  if (burrow_nmdc_lock_is_extended (lock) && !send_line (self, "$Supports " OUR_SUPPORTS, &error))
    goto failed;
  key = burrow_nmdc_key_from_lock (lock);
  key_data = g_bytes_get_data (key, &key_len);
  key_line = g_string_new ("$Key ");
  g_string_append_len (key_line, key_data, (gssize) key_len);
  if (!send_bytes (self, key_line->str, key_line->len, &error))
    goto failed;
  validate = g_strconcat ("$ValidateNick ", burrow_hub_session_get_nick (session), NULL);
  if (!send_line (self, validate, &error))
    goto failed;
  self->state = NMDC_NICK;
  _burrow_hub_session_set_state (session, BURROW_HUB_STATE_IDENTIFY);
  return;

failed:
  {
    g_autoptr(GError) lost = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_CONNECTION_LOST,
                                          _("Lost the connection to the hub: %s"), error->message);
    _burrow_hub_session_lost (session, lost, 0);
  }
}

static void
handle_supports (BurrowNmdcHubSession *self,
                 const gchar          *args)
{
  g_auto(GStrv) features = g_strsplit (args, " ", 64);

  for (guint i = 0; features[i] != NULL; i++)
    if (*features[i] != '\0' && g_hash_table_size (self->hub_supports) < 64)
      g_hash_table_add (self->hub_supports, g_strndup (features[i], 64));
}

static gboolean
list_timer_cb (gpointer data)
{
  BurrowNmdcHubSession *self = data;

  self->list_timer_id = 0;
  if (self->state == NMDC_LIST)
    {
      self->state = NMDC_NORMAL;
      _burrow_hub_session_logged_in (BURROW_HUB_SESSION (self));
    }
  return G_SOURCE_REMOVE;
}

/* Verlihub ends its list with $OpList and never echoes our own $MyINFO. */
static void
check_list_done (BurrowNmdcHubSession *self)
{
  if (self->state != NMDC_LIST)
    return;
  g_clear_handle_id (&self->list_timer_id, g_source_remove);
  self->state = NMDC_NORMAL;
  _burrow_hub_session_logged_in (BURROW_HUB_SESSION (self));
}

static void
handle_hello (BurrowNmdcHubSession *self,
              const gchar          *nick)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  g_autoptr(GError) error = NULL;
  BurrowNmdcInfo info;
  BurrowUser *me;

  if (!is_me (self, nick))
    return;   /* another user's $Hello (hubs send them to clients without NoHello) */
  if (self->state != NMDC_NICK && self->state != NMDC_PASSWORD)
    return;   /* ncdc ignores a repeated $Hello too (NMDC.md §2.1) */

  /* the list may be long: the login gets its time again from here */
  _burrow_hub_session_arm_login_timeout (session, BURROW_NMDC_LOGIN_TIMEOUT_MS);
  self->state = NMDC_LIST;
  if (!send_line (self, "$Version 1,0091", &error) || !send_line (self, "$GetNickList", &error))
    {
      g_autoptr(GError) lost = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_CONNECTION_LOST,
                                            _("Lost the connection to the hub: %s"), error->message);
      _burrow_hub_session_lost (session, lost, 0);
      return;
    }
  send_myinfo_now (self);

  /* Verlihub never sends our own $MyINFO back: we are in the list from our own */
  me = add_user (self, nick);
  if (me != NULL)
    {
      fill_own_info (self, &info);
      burrow_user_apply_nmdc_info (me, &info, FALSE);
      burrow_nmdc_info_clear (&info);
      _burrow_hub_session_set_me (session, me);
    }
  self->list_timer_id = g_timeout_add (LIST_QUIET_MS, list_timer_cb, self);
}

/* How long a ban lasts, from the hub's text ("for 60 seconds", "2 min"); -1 when it does not
 * say. */
static gint64
ban_wait_ms (const gchar *text)
{
  const gchar *p;

  for (p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      {
        gchar *end;
        guint64 n = g_ascii_strtoull (p, &end, 10);

        while (*end == ' ')
          end++;
        if (g_ascii_strncasecmp (end, "sec", 3) == 0 || g_ascii_strncasecmp (end, "s ", 2) == 0)
          return (gint64) MIN (n, 24 * 3600) * 1000 + 1000;
        if (g_ascii_strncasecmp (end, "min", 3) == 0)
          return (gint64) MIN (n, 24 * 60) * 60 * 1000 + 1000;
        p = end - 1;
      }
  return -1;
}

/* Why the hub closed the connection, from what its bot said last (NMDC has no reason field). */
static void
lost_with_hub_reason (BurrowNmdcHubSession *self,
                      const gchar          *fallback)
{
  const gchar *text = self->last_hub_text->len > 0 ? self->last_hub_text->str : NULL;
  g_autofree gchar *folded = text ? g_utf8_strdown (text, -1) : NULL;
  g_autoptr(GError) error = NULL;
  gint64 reconnect = 0;

  if (folded != NULL && (strstr (folded, "too fast") != NULL || strstr (folded, "wait") != NULL
                         || strstr (folded, "temporar") != NULL
                         || (strstr (folded, "banned") != NULL && ban_wait_ms (text) > 0)))
    {
      /* a reconnect ban or a temporary one: wait it out, do not hammer the hub */
      reconnect = ban_wait_ms (text);
      if (reconnect < 0)
        reconnect = DEFAULT_BAN_WAIT_MS;
      error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_TEMP_BANNED,
                           _("The hub asks us to wait %lld s before reconnecting: %s"),
                           (long long) (reconnect / 1000), text);
    }
  else if (folded != NULL && strstr (folded, "banned") != NULL)
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_BANNED, _("Banned from the hub: %s"), text);
  else if (folded != NULL && strstr (folded, "kick") != NULL)
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_KICKED, _("Kicked from the hub: %s"), text);
  else
    error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_CONNECTION_LOST,
                         _("The hub closed the connection: %s"), text ? text : fallback);
  _burrow_hub_session_lost (BURROW_HUB_SESSION (self), error, reconnect);
}

static void
send_password (BurrowNmdcHubSession *self)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);
  const gchar *password = burrow_hub_session_get_password (session);
  g_autofree gchar *line = NULL;
  g_autoptr(GError) error = NULL;

  if (password == NULL)
    {
      fail_literal (self, BURROW_HUB_ERROR_PASSWORD_REQUIRED,
                    _("The hub asks for a password for this nick"), -1);
      return;
    }
  line = g_strconcat ("$MyPass ", password, NULL);
  if (!send_line (self, line, &error))
    return;
  self->state = NMDC_PASSWORD;
  _burrow_hub_session_set_state (session, BURROW_HUB_STATE_VERIFY);
}

/* --- dispatch ----------------------------------------------------------------------------- */

/* Lines any logged-in-or-not state may see. Returns FALSE when @command is not one of them. */
static gboolean
dispatch_any (BurrowNmdcHubSession *self,
              BurrowNmdcCommand     command,
              const gchar          *line,
              const gchar          *args)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);

  switch (command)
    {
    case BURROW_NMDC_CMD_EMPTY:
      return TRUE;
    case BURROW_NMDC_CMD_CHAT:
      handle_chat (self, line);
      return TRUE;
    case BURROW_NMDC_CMD_HUB_NAME:
      {
        g_autofree gchar *name = burrow_nmdc_unescape (args);
        /* "<name> - <topic>" (both hubsofts) */
        gchar *dash = strstr (name, " - ");

        if (dash != NULL)
          {
            *dash = '\0';
            _burrow_hub_session_set_hub_info (session, name, dash + 3);
          }
        else
          _burrow_hub_session_set_hub_info (session, name,
                                            burrow_hub_session_get_hub_description (session));
      }
      return TRUE;
    case BURROW_NMDC_CMD_HUB_TOPIC:
      {
        g_autofree gchar *topic = burrow_nmdc_unescape (args);

        _burrow_hub_session_set_hub_info (session, burrow_hub_session_get_hub_name (session), topic);
      }
      return TRUE;
    case BURROW_NMDC_CMD_HUB_INFO:
      {
        g_autofree gchar *name = NULL, *description = NULL, *software = NULL;

        if (burrow_nmdc_parse_hub_info (args, &name, &description, &software, NULL)
            && software != NULL)
          _burrow_hub_session_set_hub_software (session, software);
      }
      return TRUE;
    case BURROW_NMDC_CMD_SUPPORTS:
      handle_supports (self, args);
      return TRUE;
    case BURROW_NMDC_CMD_FORCE_MOVE:
      if (*args != '\0')
        _burrow_hub_session_redirect (session, args);
      return TRUE;
    case BURROW_NMDC_CMD_HUB_IS_FULL:
      fail_literal (self, BURROW_HUB_ERROR_HUB_FULL, _("The hub is full"), 0);
      return TRUE;
    case BURROW_NMDC_CMD_MY_IP:          /* Verlihub's TLS proxy, to the hub */
    case BURROW_NMDC_CMD_USER_COMMAND:   /* right-click menus: not shown */
    case BURROW_NMDC_CMD_NICK_RULE:
    case BURROW_NMDC_CMD_SEARCH_RULE:
    case BURROW_NMDC_CMD_HUB_URL:
      return TRUE;
    case BURROW_NMDC_CMD_UNKNOWN:
    case BURROW_NMDC_CMD_LOCK:
    case BURROW_NMDC_CMD_HELLO:
    case BURROW_NMDC_CMD_GET_PASS:
    case BURROW_NMDC_CMD_BAD_PASS:
    case BURROW_NMDC_CMD_LOGED_IN:
    case BURROW_NMDC_CMD_VALIDATE_DENIDE:
    case BURROW_NMDC_CMD_MY_INFO:
    case BURROW_NMDC_CMD_NICK_LIST:
    case BURROW_NMDC_CMD_OP_LIST:
    case BURROW_NMDC_CMD_BOT_LIST:
    case BURROW_NMDC_CMD_USER_IP:
    case BURROW_NMDC_CMD_QUIT:
    case BURROW_NMDC_CMD_TO:
    case BURROW_NMDC_CMD_SEARCH:
    case BURROW_NMDC_CMD_SR:
    case BURROW_NMDC_CMD_CONNECT_TO_ME:
    case BURROW_NMDC_CMD_REV_CONNECT_TO_ME:
    case BURROW_NMDC_CMD_ZON:
    case BURROW_NMDC_CMD_BAD_NICK:
    case BURROW_NMDC_CMD_KICK:
    case BURROW_NMDC_CMD_OP_FORCE_MOVE:
    case BURROW_NMDC_CMD_MY_PASS:
    case BURROW_NMDC_CMD_KEY:
    case BURROW_NMDC_CMD_VALIDATE_NICK:
    case BURROW_NMDC_CMD_VERSION:
    case BURROW_NMDC_CMD_GET_NICK_LIST:
    case BURROW_NMDC_CMD_GET_INFO:
    case BURROW_NMDC_CMD_SA:
    case BURROW_NMDC_CMD_SP:
    default:
      return FALSE;
    }
}

static void
dispatch_nick (BurrowNmdcHubSession *self,
               BurrowNmdcCommand     command,
               const gchar          *line,
               const gchar          *args)
{
  switch (command)
    {
    case BURROW_NMDC_CMD_HELLO:
      handle_hello (self, args);
      break;
    case BURROW_NMDC_CMD_GET_PASS:
      if (self->state == NMDC_NICK)
        send_password (self);
      else
        report_unexpected (self, line);
      break;
    case BURROW_NMDC_CMD_BAD_PASS:
      fail_literal (self, BURROW_HUB_ERROR_BAD_PASSWORD, _("The hub refused the password"), -1);
      break;
    case BURROW_NMDC_CMD_VALIDATE_DENIDE:
      fail_literal (self, BURROW_HUB_ERROR_NICK_TAKEN,
                    _("The hub refused the nick: it is taken or not allowed"), -1);
      break;
    case BURROW_NMDC_CMD_BAD_NICK:
      fail_literal (self, BURROW_HUB_ERROR_NICK_INVALID,
                    _("The hub does not allow this nick"), -1);
      break;
    case BURROW_NMDC_CMD_LOGED_IN:
      break;   /* we are an operator; the $Hello follows */
    default:
      if (!dispatch_any (self, command, line, args))
        report_unexpected (self, line);
    }
}

static void
dispatch_normal (BurrowNmdcHubSession *self,
                 BurrowNmdcCommand     command,
                 const gchar          *line,
                 const gchar          *args)
{
  switch (command)
    {
    case BURROW_NMDC_CMD_MY_INFO:
      handle_myinfo (self, args);
      break;
    case BURROW_NMDC_CMD_HELLO:
      break;   /* another user, or a repeat of ours: users appear with $MyINFO */
    case BURROW_NMDC_CMD_NICK_LIST:
    case BURROW_NMDC_CMD_BOT_LIST:
      for_each_nick (self, args, command);
      break;
    case BURROW_NMDC_CMD_OP_LIST:
      for_each_nick (self, args, command);
      if (self->sent_myinfo != NULL)
        check_list_done (self);
      break;
    case BURROW_NMDC_CMD_USER_IP:
      handle_user_ip (self, args);
      break;
    case BURROW_NMDC_CMD_QUIT:
      handle_quit (self, args);
      break;
    case BURROW_NMDC_CMD_TO:
      handle_private (self, args);
      break;
    case BURROW_NMDC_CMD_SEARCH:
      handle_search (self, args);
      break;
    case BURROW_NMDC_CMD_SA:
    case BURROW_NMDC_CMD_SP:
      break;   /* TTHS short searches: we never ask for them */
    case BURROW_NMDC_CMD_SR:
      handle_sr (self, args);
      break;
    case BURROW_NMDC_CMD_CONNECT_TO_ME:
      handle_connect_to_me (self, args);
      break;
    case BURROW_NMDC_CMD_REV_CONNECT_TO_ME:
      handle_rev_connect_to_me (self, args);
      break;
    case BURROW_NMDC_CMD_LOGED_IN:
    case BURROW_NMDC_CMD_GET_PASS:
      break;
    case BURROW_NMDC_CMD_BAD_PASS:
      fail_literal (self, BURROW_HUB_ERROR_BAD_PASSWORD, _("The hub refused the password"), -1);
      break;
    default:
      if (!dispatch_any (self, command, line, args))
        report_unexpected (self, line);
    }
}

static void
on_line (BurrowLineChannel *channel,
         const gchar       *line,
         gsize              len,
         gpointer           user_data)
{
  BurrowNmdcHubSession *self = user_data;
  /* what a line makes us emit may drop the last reference */
  g_autoptr(BurrowNmdcHubSession) keep G_GNUC_UNUSED = g_object_ref (self);
  g_autofree gchar *text = NULL;
  BurrowNmdcCommand command;
  const gchar *args;

  if (len == 0)
    return;   /* keep-alive */

  /* the lock is bytes, not text: its key is computed from them */
  if (len >= 6 && memcmp (line, "$Lock ", 6) == 0)
    {
      if (self->state == NMDC_LOCK)
        handle_lock (self, line + 6, len - 6);
      else
        report_unexpected (self, "$Lock");
      return;
    }

  text = burrow_nmdc_charset_decode (self->charset, line, (gssize) len);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("← %s", text);
  command = burrow_nmdc_split_command (text, &args);

  switch (self->state)
    {
    case NMDC_LOCK:
      if (!dispatch_any (self, command, text, args))
        report_unexpected (self, text);
      break;
    case NMDC_NICK:
    case NMDC_PASSWORD:
      dispatch_nick (self, command, text, args);
      break;
    case NMDC_LIST:
    case NMDC_NORMAL:
    default:
      dispatch_normal (self, command, text, args);
      break;
    }
}

static void
on_channel_error (BurrowLineChannel *channel,
                  const GError      *error,
                  gboolean           fatal,
                  gpointer           user_data)
{
  BurrowNmdcHubSession *self = user_data;
  /* what an error makes us emit may drop the last reference */
  g_autoptr(BurrowNmdcHubSession) keep G_GNUC_UNUSED = g_object_ref (self);

  if (!_burrow_hub_session_channel_failed (BURROW_HUB_SESSION (self), error, fatal))
    return;
  {
    g_autofree gchar *reason = g_strdup_printf (_("Lost the connection to the hub: %s"), error->message);

    lost_with_hub_reason (self, reason);
  }
}

static void
on_batch (BurrowLineChannel *channel,
          gpointer           user_data)
{
  BurrowNmdcHubSession *self = user_data;

  /* during the login the joins wait for the end of the list (one splice); the list is over
   * when the hub has been quiet for a while, if nothing else marked its end */
  if (self->state == NMDC_NORMAL)
    _burrow_hub_session_flush_joins (BURROW_HUB_SESSION (self));
  else if (self->state == NMDC_LIST)
    {
      g_clear_handle_id (&self->list_timer_id, g_source_remove);
      self->list_timer_id = g_timeout_add (LIST_QUIET_MS, list_timer_cb, self);
    }
}

/* The remote address of the hub as "ip:port", for our $SR lines. */
static gchar *
remote_address (GIOStream *stream)
{
  g_autoptr(GSocketAddress) remote = NULL;
  GIOStream *base = stream;

  if (G_IS_TLS_CONNECTION (stream))
    g_object_get (stream, "base-io-stream", &base, NULL);
  else
    g_object_ref (base);
  if (G_IS_SOCKET_CONNECTION (base))
    remote = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (base), NULL);
  g_object_unref (base);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (remote);
      g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));

      return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (inet));
    }
  return NULL;
}

static void
start_protocol (BurrowNmdcHubSession *self)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (self);

  self->channel = burrow_line_channel_new (self->stream, '|', BURROW_NMDC_MAX_LINE_LENGTH,
                                           BURROW_HUB_MAX_QUEUED_BYTES);
  burrow_line_channel_set_handlers (self->channel, on_line, on_channel_error, on_batch, self);
  self->hub_address = remote_address (self->stream);
  if (self->hub_address == NULL)
    {
      const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (session);

      self->hub_address = g_strdup_printf ("%s:%u", uri->host, uri->port);
    }
  self->state = NMDC_LOCK;
  g_string_truncate (self->last_hub_text, 0);
  _burrow_hub_session_set_state (session, BURROW_HUB_STATE_PROTOCOL);
  {
    /* a bare '|' is NMDC's keep-alive (PtokaX, Verlihub) */
    g_autoptr(GBytes) bar = g_bytes_new_static ("|", 1);

    burrow_line_channel_set_keepalive (self->channel, burrow_hub_session_get_keepalive_interval (session),
                                       bar);
  }
  /* nothing goes out before the hub's $Lock */
  burrow_line_channel_start (self->channel);
}

static void
stream_opened (BurrowHubSession *session,
               GIOStream        *stream)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);

  self->stream = stream;
  start_protocol (self);
}

static void
burrow_nmdc_hub_session_start (BurrowHubSession *session)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  g_autoptr(GError) error = NULL;

  stop_connection (self, FALSE);

  g_clear_pointer (&self->charset, burrow_nmdc_charset_free);
  self->charset = burrow_nmdc_charset_new (burrow_hub_session_get_encoding (session), &error);
  if (self->charset == NULL)
    {
      g_autoptr(GError) e = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_FAILED, "%s", error->message);

      _burrow_hub_session_lost (session, e, -1);
      return;
    }
  if (!burrow_nmdc_nick_is_valid (burrow_hub_session_get_nick (session)))
    {
      fail_literal (self, BURROW_HUB_ERROR_NICK_INVALID,
                    _("NMDC nicks cannot contain spaces or the characters $ | < >"), -1);
      return;
    }

  _burrow_hub_session_arm_login_timeout (session, BURROW_NMDC_LOGIN_TIMEOUT_MS);
  _burrow_hub_session_open (session, self->cancellable, stream_opened);
}

static void
burrow_nmdc_hub_session_stop (BurrowHubSession *session,
                              gboolean          clean)
{
  stop_connection (BURROW_NMDC_HUB_SESSION (session), clean);
}

static gboolean
burrow_nmdc_hub_session_send_chat (BurrowHubSession  *session,
                                   const gchar       *text,
                                   gboolean           third_person,
                                   GError           **error)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  g_autofree gchar *line = burrow_nmdc_format_chat (burrow_hub_session_get_nick (session), text,
                                                    third_person);

  /* the hub echoes main chat to everyone, us included: no local copy */
  return send_line (self, line, error);
}

static gboolean
burrow_nmdc_hub_session_send_private (BurrowHubSession  *session,
                                      BurrowUser        *user,
                                      const gchar       *text,
                                      gboolean           third_person,
                                      GError           **error)
{
  BurrowNmdcHubSession *self = BURROW_NMDC_HUB_SESSION (session);
  const gchar *nick = burrow_hub_session_get_nick (session);
  g_autofree gchar *line = burrow_nmdc_format_private (burrow_user_get_nick (user), nick, text,
                                                       third_person);
  g_autoptr(BurrowChatMessage) message = NULL;

  if (!send_line (self, line, error))
    return FALSE;
  /* private messages are not echoed: keep our own copy */
  message = burrow_chat_message_new (BURROW_CHAT_KIND_PRIVATE, g_get_real_time () / G_USEC_PER_SEC,
                                     nick, burrow_user_get_nick (user), text, third_person, TRUE);
  _burrow_hub_session_add_message (session, message);
  return TRUE;
}

static void
burrow_nmdc_hub_session_class_init (BurrowNmdcHubSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  BurrowHubSessionClass *session_class = BURROW_HUB_SESSION_CLASS (klass);

  object_class->dispose = burrow_nmdc_hub_session_dispose;
  object_class->finalize = burrow_nmdc_hub_session_finalize;

  session_class->start = burrow_nmdc_hub_session_start;
  session_class->stop = burrow_nmdc_hub_session_stop;
  session_class->send_chat = burrow_nmdc_hub_session_send_chat;
  session_class->send_private = burrow_nmdc_hub_session_send_private;
  session_class->info_changed = burrow_nmdc_hub_session_info_changed;
  session_class->send_connect_request = burrow_nmdc_hub_session_send_connect_request;
  session_class->send_search = burrow_nmdc_hub_session_send_search;
  session_class->send_search_reply = burrow_nmdc_hub_session_send_search_reply;
  session_class->format_udp_search_reply = burrow_nmdc_hub_session_format_udp_search_reply;
  session_class->parse_udp_search_reply = burrow_nmdc_hub_session_parse_udp_search_reply;
}

static void
burrow_nmdc_hub_session_init (BurrowNmdcHubSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->hub_supports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->last_hub_text = g_string_new (NULL);
  self->myinfo_interval_ms = BURROW_NMDC_MYINFO_INTERVAL_MS;
  g_queue_init (&self->search_queue);
  g_queue_init (&self->recent);
}

/* --- public ------------------------------------------------------------------------------- */

void
burrow_nmdc_hub_session_set_search_interval (BurrowNmdcHubSession *self,
                                             guint                 interval_ms)
{
  g_return_if_fail (BURROW_IS_NMDC_HUB_SESSION (self));
  self->search_interval_ms = interval_ms;
}

guint
burrow_nmdc_hub_session_get_search_interval (BurrowNmdcHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_NMDC_HUB_SESSION (self), 0);
  return search_interval_ms (self);
}

guint
burrow_nmdc_hub_session_get_n_queued_searches (BurrowNmdcHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_NMDC_HUB_SESSION (self), 0);
  return g_queue_get_length (&self->search_queue);
}

void
burrow_nmdc_hub_session_set_myinfo_interval (BurrowNmdcHubSession *self,
                                             guint                 interval_ms)
{
  g_return_if_fail (BURROW_IS_NMDC_HUB_SESSION (self));
  self->myinfo_interval_ms = interval_ms;
}

gboolean
burrow_nmdc_hub_session_hub_supports (BurrowNmdcHubSession *self,
                                      const gchar          *feature)
{
  g_return_val_if_fail (BURROW_IS_NMDC_HUB_SESSION (self), FALSE);
  return g_hash_table_contains (self->hub_supports, feature);
}

const gchar *
burrow_nmdc_hub_session_get_own_ip (BurrowNmdcHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_NMDC_HUB_SESSION (self), NULL);
  return self->own_ip;
}
