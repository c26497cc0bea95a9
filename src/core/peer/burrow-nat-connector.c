/* burrow-nat-connector.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-nat-connector"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-error.h"
#include "burrow-inbound.h"
#include "burrow-listener.h"
#include "burrow-path-probe.h"
#include "burrow-peer-dialer.h"
#include "burrow-peer-handshake.h"
#include "burrow-punch.h"

#include "burrow-nat-connector.h"

#define PROTO_PLAIN "ADC/1.0"
#define PROTO_TLS   "ADCS/0.10"
#define PROTO_NMDC  "NMDC"
#define PROTO_NMDCS "NMDCS"
#define TTL_CACHE_US (10 * 60 * G_USEC_PER_SEC)

/*
 * How a connection comes about (PROTOCOL.md §1.11, §2), in the hub layer's
 * protocol-neutral requests (ADC names in brackets):
 *
 *   we active                → CONNECT (CTM); the peer connects to our listener
 *   we passive, peer active  → REVERSE (RCM); the peer answers CONNECT; we connect
 *   both passive, peer NAT0  → REVERSE; the peer answers NAT <its hub port>; we
 *                              punch from our hub port and send NAT_REPLY (RNT)
 *                              <our hub port>; it punches back: a simultaneous open
 *
 * Every attempt — ours or the peer's — is an Expect keyed by its token in one
 * table with a timeout, and one BurrowPunchAttempt that records each step.
 *
 * The punch (burrow-punch.c) goes beyond DC++ in three ways, each measured in
 * the lab (NATLAB.md):
 *  1. it also listens on the hub port and takes a connection from the peer's
 *     address, so full-cone routers, which deliver the first SYN to the host, work;
 *  2. the side that starts first sends its first SYN with a TTL just large
 *     enough to leave its own NAT (measured per path by BurrowPathProbe), so
 *     it opens its own mapping without provoking an RST from the peer's router;
 *  3. it gives up after BURROW_NAT_PUNCH_WINDOW_MS with a diagnosis built from
 *     what it saw (refusals, silence, ports), not after a silent 30 s.
 *
 * TLS and the ADC handshake on the connection are burrow-peer-handshake.c's.
 *
 * NMDC (../shared/NMDC.md §2.4, §2.5, §3): `$ConnectToMe` and
 * `$RevConnectToMe` carry no token, so the peer's nick stands in for it, and
 * an NMDC expect is found by its hub session, its state and that nick (a plain
 * `$ConnectToMe` does not even name its sender: its answer to our
 * `$RevConnectToMe` is matched by the hub and the address). The connecting side
 * is the TLS client; we ask for TLS (`S`) when the peer's status has 0x10 and
 * we have a certificate. Two passive users whose relayed status has 0x20 use
 * NMDC NAT traversal (§3.1), the same three steps with NMDC's lines:
 *
 *   A: $RevConnectToMe A B                       (REVERSE)
 *   B: listens on its hub port, $ConnectToMe A <B ip>:<B hub port>N[S] B  (NAT)
 *   A: punches from its hub port, then $ConnectToMe B <A ip>:<A hub port>R[S]  (NAT_REPLY)
 *   B: punches from its hub port to A's
 *
 * The side that receives `N` is the TLS client, the side that sent it the TLS
 * server; both send `$MyNick`/`$Lock` at once. NMDC hubs do not tell users'
 * addresses: B listens for any address until `R` names A's (the handshake
 * checks the nick). Without 0x20 (PtokaX clears it; NMDC.md §0 facts 4–6)
 * we fail at once with the reason and never send `N` or `R`.
 */

typedef enum
{
  EXPECT_CTM,        /* we sent RCM to an active peer: waiting for its CTM */
  EXPECT_NAT,        /* we sent RCM to a NAT-capable passive peer: waiting for NAT */
  EXPECT_RNT,        /* we answered NAT: waiting for RNT */
  EXPECT_INCOMING,   /* we sent CTM: waiting for the peer on our listener */
  EXPECT_CONNECTING, /* TCP/TLS/handshake under way */
  EXPECT_DONE,
} ExpectState;

typedef struct
{
  BurrowNatConnector   *connector;   /* borrowed; the connector outlives its expects */
  gchar                *key;         /* in the table: the token (ADC), a serial (NMDC) */
  gchar                *token;       /* NMDC: the peer's nick */
  gboolean              nmdc;
  gboolean              accepted;    /* NMDC: the peer's connection to our port was matched */
  gint64                identified_at; /* when that connection named us (monotonic) */
  gboolean              nick_unknown; /* NMDC: a plain $ConnectToMe does not name its sender */
  BurrowHubSession     *session;
  BurrowUser           *user;
  gchar                *peer_cid;
  gchar                *peer_nick;
  gchar                *peer_ip;
  gchar                *peer_keyprint;
  gchar                *sent_line;      /* NMDC: the last request line the hub got from us */
  gchar                *protocol;
  BurrowPunchRole       role;
  ExpectState           state;
  BurrowPunchAttempt   *attempt;
  GTask                *task;         /* our own request, or NULL */
  GCancellable         *cancellable;  /* everything this expect started */
  guint                 timeout_id;
  BurrowPunch          *punch;
  BurrowPathProbe      *probe;        /* NAT traversal: the measured path, or NULL */
  gboolean              probing;
  guint16               pending_port; /* NAT arrived while the probe still ran */
} Expect;

struct _BurrowNatConnector
{
  GObject               parent_instance;

  BurrowIdentity       *identity;
  BurrowHubList        *hubs;
  GListStore           *attempts;
  GHashTable           *expects;        /* key → Expect (ADC: the token) */
  guint64               nmdc_serial;    /* NMDC expects' keys */
  BurrowPunchListeners *punch_listeners;
  GHashTable           *ttl_cache;      /* peer ip → TtlCacheEntry */
  GPtrArray            *uploads;        /* BurrowPeerConnection serving the peer */
  BurrowListener       *listener;       /* active mode */
  BurrowInbound        *inbound;        /* connections to our port not yet identified */
  gboolean              plain_only;     /* ask for ADC/1.0 even when TLS is possible */
  gboolean              listen_only;    /* automatic mode, undecided or passive: the listener
                                         * takes connections, we still act as a passive user */
  guint16               advertised_port; /* the router's external port of a mapping; 0: ours */
  gboolean              deciding[2];    /* automatic mode still asking the router (IPv4, IPv6) */
  GPtrArray            *waiting;        /* Waiting: requests held until it has decided */
  BurrowPeerSourceFunc  source_func;
  BurrowPeerSlotFunc    slot_func;
  gpointer              source_data;
};

typedef struct
{
  guint  ttl;
  gint64 when;
} TtlCacheEntry;

enum {
  PROP_0,
  PROP_ATTEMPTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ATTEMPT_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void burrow_nat_connector_dialer_init (BurrowPeerDialerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowNatConnector, burrow_nat_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BURROW_TYPE_PEER_DIALER,
                                                      burrow_nat_connector_dialer_init))

static void expect_fail        (Expect *e, gint code, const gchar *diagnosis);

static gboolean
protocol_is_tls (const gchar *protocol)
{
  return g_str_has_prefix (protocol, "ADCS/") || g_strcmp0 (protocol, PROTO_NMDCS) == 0;
}

static void expect_connected   (Expect *e, GSocketConnection *connection, BurrowPeerSide side,
                                gboolean tls_client);
static void punch_start        (Expect *e, guint16 remote_port);
static void on_peer_closed     (BurrowPeerConnection *peer, gpointer data);

/* --- expects -------------------------------------------------------------------------- */

static void
expect_free (Expect *e)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (e->cancellable);
  g_clear_handle_id (&e->timeout_id, g_source_remove);
  g_clear_pointer (&e->punch, burrow_punch_free);
  task = g_steal_pointer (&e->task);
  if (e->attempt != NULL)
    burrow_punch_attempt_finish (e->attempt, BURROW_PUNCH_RESULT_CANCELLED, _("Cancelled"));
  g_clear_object (&e->attempt);
  g_clear_object (&e->session);
  g_clear_object (&e->user);
  g_clear_object (&e->cancellable);
  g_clear_pointer (&e->probe, burrow_path_probe_free);
  g_free (e->key);
  g_free (e->token);
  g_free (e->peer_cid);
  g_free (e->peer_nick);
  g_free (e->peer_ip);
  g_free (e->peer_keyprint);
  g_free (e->sent_line);
  g_free (e->protocol);
  g_free (e);
  /* last: the callback may call back into the connector */
  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
}

static gchar *
new_token (void)
{
  guint8 bytes[6];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_random_int_range (0, 256);
  return g_strdup_printf ("b%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                          bytes[4], bytes[5]);
}

static void
add_attempt (BurrowNatConnector *self,
             BurrowPunchAttempt *attempt)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->attempts)) >= BURROW_NAT_MAX_ATTEMPTS)
    g_list_store_remove (self->attempts, 0);
  g_list_store_append (self->attempts, attempt);
}

/* The task's data is the attempt's record (burrow_nat_connector_connect_finish()). */
static void
task_set_attempt (GTask              *task,
                  BurrowPunchAttempt *attempt)
{
  g_task_set_task_data (task, g_object_ref (attempt), g_object_unref);
}

static void
expect_set_task (Expect  *e,
                 GTask  **task)
{
  task_set_attempt (*task, e->attempt);
  e->task = g_steal_pointer (task);
}

/* The family of our connection to @session's hub. NAT traversal punches from its port, so it
 * works only towards a peer address of this family. */
static GSocketFamily
hub_family (BurrowHubSession *session)
{
  const gchar *local = burrow_hub_session_get_local_address (session);

  return local != NULL && strchr (local, ':') != NULL ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

static GSocketFamily
other_family (GSocketFamily family)
{
  return family == G_SOCKET_FAMILY_IPV6 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6;
}

/* The peer's address to use: the one of our hub connection's family when the hub published
 * it, else the other one (uhub publishes one family per user). NMDC users have I4 only. */
static const gchar *
peer_address (BurrowHubSession *session,
              BurrowUser       *user)
{
  GSocketFamily family = hub_family (session);
  const gchar *ip;

  if (burrow_user_is_nmdc (user))
    return burrow_user_get_ip4 (user);
  ip = burrow_user_get_address (user, family);
  return ip != NULL ? ip : burrow_user_get_address (user, other_family (family));
}

/* Whether an active peer can be reached: NMDC by its mode; ADC on a family whose feature and
 * address it has (TCP4 and I4, or TCP6 and I6). */
static gboolean
peer_takes_connections (BurrowUser *user)
{
  if (burrow_user_is_nmdc (user))
    return burrow_user_is_active (user);
  return burrow_user_is_active_on (user, G_SOCKET_FAMILY_IPV4) ||
         burrow_user_is_active_on (user, G_SOCKET_FAMILY_IPV6);
}

/* "ip:port", "[ip]:port" for IPv6 */
static gchar *
endpoint_string (const gchar *ip,
                 guint        port)
{
  if (ip != NULL && strchr (ip, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip, port);
}

static Expect *
expect_new (BurrowNatConnector *self,
            BurrowHubSession   *session,
            BurrowUser         *user,
            const gchar        *token,
            const gchar        *protocol,
            BurrowPunchRole     role,
            BurrowPunchMethod   method)
{
  Expect *e = g_new0 (Expect, 1);
  const gchar *hub = burrow_hub_session_get_uri (session);

  e->connector = self;
  e->token = g_strdup (token);
  e->nmdc = burrow_user_is_nmdc (user);
  /* NMDC tokens are nicks: several expects may name the same one */
  e->key = e->nmdc ? g_strdup_printf ("nmdc#%" G_GUINT64_FORMAT, ++self->nmdc_serial) : g_strdup (token);
  e->session = g_object_ref (session);
  e->user = g_object_ref (user);
  e->peer_cid = g_strdup (burrow_user_get_cid (user));
  e->peer_nick = g_strdup (burrow_user_get_nick (user));
  e->peer_ip = g_strdup (peer_address (session, user));
  e->peer_keyprint = g_strdup (burrow_user_get_keyprint (user));
  e->protocol = g_strdup (protocol);
  e->role = role;
  e->cancellable = g_cancellable_new ();
  e->attempt = burrow_punch_attempt_new (method, role, hub, e->peer_nick, e->peer_cid, token, protocol);
  add_attempt (self, e->attempt);
  g_hash_table_insert (self->expects, e->key, e);
  return e;
}

/* Removes @e from the table and frees it (its task is already completed). */
static void
expect_drop (Expect *e)
{
  BurrowNatConnector *self = e->connector;

  g_signal_emit (self, signals[SIGNAL_ATTEMPT_FINISHED], 0, e->attempt);
  if (!g_hash_table_remove (self->expects, e->key))
    expect_free (e);
}

static void
expect_fail (Expect      *e,
             gint         code,
             const gchar *diagnosis)
{
  g_autoptr(GTask) task = g_steal_pointer (&e->task);

  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_FAILED, "%s", diagnosis);
  burrow_punch_attempt_fail (e->attempt, code, diagnosis);
  e->state = EXPECT_DONE;
  expect_drop (e);
  /* last: the callback may run now and remove the session, and with it any expect */
  if (task != NULL)
    g_task_return_new_error (task, BURROW_NAT_ERROR, code, "%s", diagnosis);
}

/* The peer is identified: the record ends, and the connection goes to whoever
 * wanted it: our own request's task or, when the peer asked for it (it will
 * request files), the upload side through BurrowPeerDialer::upload-connection. */
static void
expect_deliver (Expect               *e,
                BurrowPeerConnection *peer)
{
  BurrowNatConnector *self = e->connector;
  g_autoptr(GTask) task = g_steal_pointer (&e->task);
  g_autofree gchar *nick = g_strdup (e->peer_nick);
  g_autofree gchar *keyprint = NULL;
  gboolean serve;

  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_PEER_INF, "peer %s identified",
                                 e->nmdc ? burrow_peer_connection_get_peer_nick (peer)
                                         : burrow_peer_connection_get_peer_cid (peer));
  if (e->nick_unknown && burrow_peer_connection_get_peer_nick (peer) != NULL)
    {
      /* a plain $ConnectToMe named no sender: its $MyNick did */
      g_free (e->peer_nick);
      e->peer_nick = g_strdup (burrow_peer_connection_get_peer_nick (peer));
      burrow_punch_attempt_set_peer_nick (e->attempt, e->peer_nick);
    }
  keyprint = burrow_peer_connection_dup_peer_keyprint (peer);
  burrow_punch_attempt_set_peer_keyprint (e->attempt, keyprint);
  burrow_punch_attempt_finish (e->attempt, BURROW_PUNCH_RESULT_CONNECTED, _("Connected"));
  burrow_peer_connection_set_attempt (peer, e->attempt);
  e->state = EXPECT_DONE;
  /* NMDC: when both sides want to download, `$Direction` decides; the loser serves */
  serve = task == NULL || !burrow_peer_connection_can_download (peer);
  if (serve && task != NULL)
    burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_NOTE,
                                   "the peer downloads on this connection ($Direction)");
  if (serve)
    {
      burrow_peer_connection_set_source_func (peer, self->source_func, self->slot_func,
                                              self->source_data);
      g_ptr_array_add (self->uploads, g_object_ref (peer));
      g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), self);
      g_signal_emit_by_name (self, "upload-connection", peer, e->attempt);
    }
  expect_drop (e);
  /* last: the callback may remove the session, and with it any expect */
  if (task != NULL && serve)
    g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                             _("%s wanted to download from us at the same time and won the draw "
                               "for this connection; try again when its download ends"), nick);
  else if (task != NULL)
    g_task_return_pointer (task, g_object_ref (peer), g_object_unref);
}

static gboolean
expect_timeout_cb (gpointer data)
{
  Expect *e = data;
  g_autofree gchar *why = NULL;

  e->timeout_id = 0;
  switch (e->state)
    {
    case EXPECT_CTM:
      if (e->nmdc)
        why = g_strdup_printf (_("%s did not answer our connection request (no $ConnectToMe within "
                                 "%u s)"), e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      else
        why = g_strdup_printf (_("%s did not answer our connection request (no CTM within %u s)"),
                               e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      break;
    case EXPECT_NAT:
      if (e->nmdc)
        {
          why = g_strdup_printf (_("%s did not answer our NAT traversal request (no $ConnectToMe "
                                   "…N within %u s)"), e->peer_nick,
                                 BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
          break;
        }
      why = g_strdup_printf (_("%s did not answer our NAT traversal request (no NAT within %u s); "
                               "its client may not support NAT traversal"),
                             e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      break;
    case EXPECT_RNT:
      if (e->nmdc)
        {
          why = g_strdup_printf (_("%s did not go on with NAT traversal (no $ConnectToMe …R within "
                                   "%u s)"), e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
          break;
        }
      why = g_strdup_printf (_("%s did not go on with NAT traversal (no RNT within %u s)"),
                             e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      break;
    case EXPECT_INCOMING:
      why = g_strdup_printf (_("%s did not connect to our port %u within %u s: our port may not be "
                               "reachable from the Internet (firewall or router without port "
                               "forwarding)"),
                             e->peer_nick, burrow_nat_connector_get_port (e->connector),
                             BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      break;
    case EXPECT_CONNECTING:
    case EXPECT_DONE:
    default:
      why = g_strdup_printf (_("The connection to %s was not set up in time"), e->peer_nick);
      break;
    }
  expect_fail (e, BURROW_NAT_ERROR_TIMED_OUT, why);
  return G_SOURCE_REMOVE;
}

static void
expect_arm_timeout (Expect *e,
                    guint   ms)
{
  g_clear_handle_id (&e->timeout_id, g_source_remove);
  e->timeout_id = g_timeout_add (ms, expect_timeout_cb, e);
}

/* Ends every expect @keep does not want (all of them without @keep): their
 * tasks complete as cancelled, and a callback may start new ones meanwhile. */
static void
drop_expects (BurrowNatConnector *self,
              gboolean          (*keep) (BurrowNatConnector *self, Expect *e))
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  if (self->expects == NULL)
    return;
  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (keep == NULL || !keep (self, value))
      g_ptr_array_add (tokens, g_strdup (((Expect *) value)->key));
  for (guint i = 0; i < tokens->len && self->expects != NULL; i++)
    g_hash_table_remove (self->expects, g_ptr_array_index (tokens, i));
}

/* --- sending requests ----------------------------------------------------------------- */

/* "ip:port" of an IP socket address, %NULL for anything else */
static gchar *
endpoint_text (GSocketAddress *address)
{
  g_autofree gchar *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return endpoint_string (ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static gboolean
send_request (Expect             *e,
              BurrowConnectKind   kind,
              guint16             port,
              GError            **error)
{
  g_autoptr(BurrowConnectRequest) request = burrow_connect_request_new (kind, e->user, e->protocol,
                                                                        port, e->token);

  request->tls = protocol_is_tls (e->protocol);
  if (!burrow_hub_session_send_connect_request (e->session, request, error))
    return FALSE;
  g_free (e->sent_line);
  e->sent_line = g_steal_pointer (&request->line);
  return TRUE;
}

/* A step for the request send_request() just sent: on NMDC the line itself, as the hub got it
 * (the record shows the protocol's own words); else @format's text. */
static void G_GNUC_PRINTF (3, 4)
add_sent_step (Expect              *e,
               BurrowPunchStepKind  kind,
               const gchar         *format,
               ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  if (e->nmdc && e->sent_line != NULL)
    {
      burrow_punch_attempt_add_step (e->attempt, kind, "%s", e->sent_line);
      return;
    }
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  burrow_punch_attempt_add_step (e->attempt, kind, "%s", text);
}

/* A step for a request we received: its line as the hub relayed it (NMDC), else @format's. */
static void G_GNUC_PRINTF (4, 5)
add_received_step (BurrowPunchAttempt         *attempt,
                   BurrowPunchStepKind         kind,
                   const BurrowConnectRequest *request,
                   const gchar                *format,
                   ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  if (request->line != NULL)
    {
      burrow_punch_attempt_add_step (attempt, kind, "%s", request->line);
      return;
    }
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  burrow_punch_attempt_add_step (attempt, kind, "%s", text);
}

static const gchar *
choose_protocol (BurrowNatConnector *self,
                 BurrowUser         *user)
{
  /* NMDC: `S` when the peer's status has 0x10 and we have a certificate (NMDC.md §2.5); NMDC
   * has no keyprints */
  if (burrow_user_is_nmdc (user))
    return !self->plain_only && burrow_identity_get_certificate (self->identity) != NULL &&
           burrow_user_supports_tls (user) ? PROTO_NMDCS : PROTO_NMDC;
  /* a published keyprint means the peer has a key to prove: ask for TLS */
  if (!self->plain_only && burrow_identity_get_certificate (self->identity) != NULL &&
      (burrow_user_supports_tls (user) || burrow_user_get_keyprint (user) != NULL))
    return PROTO_TLS;
  return PROTO_PLAIN;
}

/* Whether we act as an active user: our port takes connections and we announce it. */
static gboolean
is_active (BurrowNatConnector *self)
{
  return self->listener != NULL && burrow_listener_is_running (self->listener) && !self->listen_only;
}

/* The port we tell peers to connect to: the router's external port when it maps ours. */
static guint16
port_to_announce (BurrowNatConnector *self)
{
  return self->advertised_port != 0 ? self->advertised_port : burrow_listener_get_port (self->listener);
}

/* Whether we act as an active user towards the users of @session: automatic mode decides each
 * address family apart, and the hub list gives each session its family's mode. */
static gboolean
is_active_on (BurrowNatConnector *self,
              BurrowHubSession   *session)
{
  return is_active (self) && burrow_hub_session_get_mode (session) == BURROW_CONNECTION_MODE_ACTIVE;
}

/* The port for a request on @session: a mapping is IPv4's, an IPv6 peer reaches our own port. */
static guint16
port_to_announce_on (BurrowNatConnector *self,
                     BurrowHubSession   *session)
{
  if (hub_family (session) == G_SOCKET_FAMILY_IPV6)
    return burrow_listener_get_port (self->listener);
  return port_to_announce (self);
}

/* @nmdc: whether the request came from an NMDC hub (NMDC, NMDCS), else ADC's */
static gboolean
protocol_supported_on (BurrowNatConnector *self,
                       const gchar        *protocol,
                       gboolean            nmdc)
{
  if (g_strcmp0 (protocol, nmdc ? PROTO_NMDC : PROTO_PLAIN) == 0)
    return TRUE;
  if (nmdc)
    return g_strcmp0 (protocol, PROTO_NMDCS) == 0 &&
           burrow_identity_get_certificate (self->identity) != NULL;
  return (g_strcmp0 (protocol, PROTO_TLS) == 0 || g_strcmp0 (protocol, "ADCS/1.0") == 0) &&
         burrow_identity_get_certificate (self->identity) != NULL;
}

#define protocol_supported(self, protocol) protocol_supported_on ((self), (protocol), FALSE)

/* The peer's I4 or I6 as an address: only a numeric address (never a name for the resolver: a
 * hub user chooses what its INF says), and for NMDC, whose hubs speak of IPv4, only IPv4. */
static GInetAddress *
peer_inet (Expect      *e,
           const gchar *text)
{
  g_autoptr(GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;

  if (address == NULL || (e->nmdc && g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4))
    return NULL;
  return g_steal_pointer (&address);
}

static void
expect_fail_bad_address (Expect *e)
{
  g_autofree gchar *why = g_strdup_printf (_("%s's address \"%s\" is not a numeric IP address: "
                                             "not connecting"), e->peer_nick, e->peer_ip ? e->peer_ip : "");
  expect_fail (e, BURROW_NAT_ERROR_BAD_ADDRESS, why);
}

/* --- the path probe (for a low-TTL first SYN) ------------------------------------------- */

static GInetAddress *
hub_local_ip (Expect *e)
{
  const gchar *ip = burrow_hub_session_get_local_address (e->session);

  return ip ? g_inet_address_new_from_string (ip) : g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
}


static void
on_probe_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Expect *e = data;
  g_autoptr(GError) error = NULL;
  BurrowPathProbe *probe = burrow_path_probe_finish (result, &error);

  if (probe == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* e is gone */
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_PATH_PROBED,
                                     "probe failed: %s", error->message);
    }
  else
    {
      TtlCacheEntry *entry = g_new0 (TtlCacheEntry, 1);

      entry->ttl = probe->ttl;
      entry->when = g_get_monotonic_time ();
      g_hash_table_replace (e->connector->ttl_cache, g_strdup (e->peer_ip), entry);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_PATH_PROBED, "%s", probe->summary);
      e->probe = probe;
    }
  e->probing = FALSE;

  /* the peer's NAT arrived while we measured: punch now */
  if (e->pending_port != 0)
    {
      guint16 port = e->pending_port;

      e->pending_port = 0;
      punch_start (e, port);
    }
}

/* Starts measuring the path to the peer unless a recent result is cached. */
static void
probe_path (Expect *e)
{
  TtlCacheEntry *cached = g_hash_table_lookup (e->connector->ttl_cache, e->peer_ip);
  g_autoptr(GInetAddress) local = NULL;
  g_autoptr(GInetAddress) peer = NULL;

  if (cached != NULL && g_get_monotonic_time () - cached->when < TTL_CACHE_US)
    {
      e->probe = g_new0 (BurrowPathProbe, 1);
      e->probe->ttl = cached->ttl;
      e->probe->summary = g_strdup_printf ("TTL %u (measured earlier for this address)", cached->ttl);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_PATH_PROBED, "%s", e->probe->summary);
      return;
    }

  peer = peer_inet (e, e->peer_ip);
  /* IPv6 needs no measurement: no NAT, the first SYN goes out with hop limit 2 */
  if (peer == NULL || g_inet_address_get_family (peer) != G_SOCKET_FAMILY_IPV4)
    return;
  local = hub_local_ip (e);
  e->probing = TRUE;
  burrow_path_probe_async (local, peer, e->cancellable, on_probe_done, e);
}

/* --- the punch (burrow-punch.c) -------------------------------------------------------- */

static void
on_punch_done (BurrowPunch  *punch,
               GSocket      *socket,
               const GError *error,
               gpointer      data)
{
  Expect *e = data;
  g_autoptr(GSocketConnection) connection = NULL;

  g_clear_pointer (&e->punch, burrow_punch_free);
  if (socket == NULL)
    {
      expect_fail (e, error->code, error->message);
      return;
    }
  connection = g_socket_connection_factory_create_connection (socket);
  g_object_unref (socket);
  expect_connected (e, connection, BURROW_PEER_SIDE_NAT, e->role == BURROW_PUNCH_ROLE_INITIATOR);
}

/* Creates the punch, which listens on our hub port for the peer's address
 * before we know its port: a responder does this as soon as it sends NAT, so
 * that a full-cone router which hands the initiator's first SYN straight to
 * us finds a listener instead of answering with RST. */
static void
punch_prepare (Expect *e)
{
  g_autoptr(GInetAddress) peer = peer_inet (e, e->peer_ip);
  g_autoptr(GInetAddress) local = NULL;

  /* NMDC: the address may come only with the peer's `$ConnectToMe` (listen for anyone) */
  if (e->punch != NULL || (peer == NULL && !e->nmdc))
    return;
  local = hub_local_ip (e);
  e->punch = burrow_punch_new (e->connector->punch_listeners, local,
                               burrow_hub_session_get_local_port (e->session), peer, e->peer_nick,
                               e->attempt, on_punch_done, e);
}

static void
punch_start (Expect  *e,
             guint16  remote_port)
{
  g_autoptr(GInetAddress) peer = peer_inet (e, e->peer_ip);
  g_autofree gchar *local_text = NULL;
  g_autofree gchar *remote_text = NULL;
  guint16 local_port;
  guint ttl = 0;

  if (peer == NULL)
    {
      expect_fail_bad_address (e);
      return;
    }
  if (e->probing)
    {
      /* the path measurement finishes within BURROW_PATH_PROBE_WAIT_MS */
      e->pending_port = remote_port;
      return;
    }

  punch_prepare (e);
  if (e->punch == NULL)
    {
      expect_fail_bad_address (e);
      return;
    }
  burrow_punch_set_remote_ip (e->punch, peer);
  local_port = burrow_punch_get_local_port (e->punch);

  /* Only the side that starts first (the RCM sender) sends a low-TTL first
   * SYN. The responder starts after RNT, when the initiator's SYN has already
   * opened the initiator's own mapping, so a normal SYN gets through at once;
   * a low one would only wait for its own retransmission (measured against
   * eiskaltdcpp: ~1 s instead of ~60 ms). */
  if (e->role == BURROW_PUNCH_ROLE_INITIATOR && g_inet_address_get_family (peer) == G_SOCKET_FAMILY_IPV6)
    ttl = BURROW_PUNCH_IPV6_HOP_LIMIT;
  else if (e->probe != NULL && e->probe->ttl > 0 && e->role == BURROW_PUNCH_ROLE_INITIATOR)
    ttl = e->probe->ttl;

  local_text = endpoint_string (burrow_hub_session_get_local_address (e->session), local_port);
  remote_text = endpoint_string (e->peer_ip, remote_port);
  burrow_punch_attempt_set_local (e->attempt, local_text);
  burrow_punch_attempt_set_remote (e->attempt, remote_text);
  e->state = EXPECT_CONNECTING;
  g_clear_handle_id (&e->timeout_id, g_source_remove);

  /* The initiator connects first (its first SYN opens its own NAT) and then
   * tells the peer to start (RNT), as DC++ does. The punch may finish the
   * expect at once, so nothing touches it afterwards unless it is still ours. */
  if (e->role == BURROW_PUNCH_ROLE_INITIATOR)
    {
      BurrowNatConnector *self = e->connector;
      g_autofree gchar *key = g_strdup (e->key);

      burrow_punch_start (e->punch, remote_port, ttl, BURROW_NAT_PUNCH_WINDOW_MS);
      e = g_hash_table_lookup (self->expects, key);
      if (e != NULL && e->state == EXPECT_CONNECTING &&
          send_request (e, BURROW_CONNECT_KIND_NAT_REPLY, local_port, NULL))
        add_sent_step (e, BURROW_PUNCH_STEP_RNT_SENT, "%s %s %u",
                       e->nmdc ? "$ConnectToMe …R" : "RNT", e->protocol, local_port);
      return;
    }
  burrow_punch_start (e->punch, remote_port, ttl, BURROW_NAT_PUNCH_WINDOW_MS);
}

/* --- after TCP: TLS, SUP/INF (burrow-peer-handshake.c) ----------------------------------- */

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Expect *e = data;
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *peer = burrow_peer_handshake_finish (result, &error);

  if (peer == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) /* else e is gone */
        expect_fail (e, error->code, error->message);
      return;
    }
  expect_deliver (e, peer);
  burrow_peer_handshake_unref_later (peer);
}

static void
expect_connected (Expect            *e,
                  GSocketConnection *connection,
                  BurrowPeerSide     side,
                  gboolean           tls_client)
{
  BurrowPeerHandshake handshake = {
    .identity = e->connector->identity,
    .side = side,
    .tls = protocol_is_tls (e->protocol),
    .tls_client = tls_client,
    /* NMDC: the nick we expect in the peer's $MyNick, unknown for a $ConnectToMe we did not ask for */
    .token = e->nick_unknown ? NULL : e->token,
    .peer_cid = e->nmdc ? NULL : e->peer_cid,
    .peer_keyprint = e->nmdc ? NULL : e->peer_keyprint,
    .peer_name = e->peer_nick,
    .protocol = e->nmdc ? BURROW_PEER_PROTOCOL_NMDC : BURROW_PEER_PROTOCOL_ADC,
    .our_nick = burrow_hub_session_get_nick (e->session),
    .charset = burrow_hub_session_get_encoding (e->session),
    /* our own request: we download; the peer's: it does */
    .want_download = e->task != NULL,
    .attempt = e->attempt,
  };

  e->state = EXPECT_CONNECTING;
  expect_arm_timeout (e, BURROW_PEER_HANDSHAKE_TIMEOUT_MS);
  burrow_peer_handshake_async (connection, &handshake, e->cancellable, on_handshake_done, e);
}

static void
on_peer_closed (BurrowPeerConnection *peer,
                gpointer              data)
{
  BurrowNatConnector *self = data;
  guint i;

  g_signal_handlers_disconnect_by_func (peer, on_peer_closed, self);
  /* "closed" is emitted from inside the connection's own failure handling */
  if (g_ptr_array_find (self->uploads, peer, &i))
    burrow_peer_handshake_unref_later (g_ptr_array_steal_index (self->uploads, i));
}

/* --- plain connects (the peer is active) ------------------------------------------------ */

static void
on_direct_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Expect *e = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree gchar *why = NULL;

  connection = burrow_happy_eyeballs_connect_finish (result, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "%s (%s)",
                                     burrow_punch_error_class (error), error->message);
      why = g_strdup_printf (_("Cannot connect to %s at %s: %s"), e->peer_nick,
                             burrow_punch_attempt_get_remote (e->attempt), error->message);
      expect_fail (e, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
                        ? BURROW_NAT_ERROR_REFUSED : BURROW_NAT_ERROR_FAILED, why);
      return;
    }

  burrow_punch_set_nodelay (g_socket_connection_get_socket (connection));
  /* the client's timeout bounded the connect; left on the socket, it would fail every read
   * of a connection that idles that long (a pooled download connection, an upload between
   * requests) with G_IO_ERROR_TIMED_OUT */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
  {
    g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
    g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
    g_autofree gchar *local_text = endpoint_text (local);
    g_autofree gchar *remote_text = endpoint_text (remote);

    burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED, "connected to %s",
                                   remote_text ? remote_text : "?");
    if (local_text != NULL)
      burrow_punch_attempt_set_local (e->attempt, local_text);
    if (remote_text != NULL)
      burrow_punch_attempt_set_remote (e->attempt, remote_text);
  }
  expect_connected (e, connection, BURROW_PEER_SIDE_CONNECTING, TRUE);
}

/* Where an active peer listens: its addresses of the families it takes connections on, IPv6
 * first (Happy Eyeballs races them); else the one address the expect has. */
static GPtrArray *
direct_addresses (Expect  *e,
                  guint16  port)
{
  static const GSocketFamily order[] = { G_SOCKET_FAMILY_IPV6, G_SOCKET_FAMILY_IPV4 };
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_object_unref);

  /* NMDC: the address comes with the request; ADC: from the peer's INF */
  for (guint i = 0; !e->nmdc && i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(GInetAddress) ip = NULL;

      if (!burrow_user_is_active_on (e->user, order[i]))
        continue;
      ip = peer_inet (e, burrow_user_get_address (e->user, order[i]));
      if (ip != NULL)
        g_ptr_array_add (addresses, g_inet_socket_address_new (ip, port));
    }
  if (addresses->len == 0)
    {
      g_autoptr(GInetAddress) ip = peer_inet (e, e->peer_ip);

      if (ip != NULL)
        g_ptr_array_add (addresses, g_inet_socket_address_new (ip, port));
    }
  return addresses;
}

static void
connect_directly (Expect  *e,
                  guint16  port)
{
  g_autoptr(GPtrArray) addresses = direct_addresses (e, port);
  g_autofree gchar *remote = NULL;

  if (addresses->len == 0)
    {
      expect_fail_bad_address (e);
      return;
    }
  remote = endpoint_text (g_ptr_array_index (addresses, 0));
  burrow_punch_attempt_set_remote (e->attempt, remote);
  if (addresses->len > 1)
    {
      g_autofree gchar *second = endpoint_text (g_ptr_array_index (addresses, 1));

      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY,
                                     "connecting to %s, and to %s %u ms later (Happy Eyeballs)",
                                     remote, second, BURROW_HAPPY_EYEBALLS_DELAY_MS);
    }
  else
    burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "connecting to %s",
                                   remote);
  e->state = EXPECT_CONNECTING;
  expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
  burrow_happy_eyeballs_connect_async (addresses, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000,
                                       e->cancellable, on_direct_connected, e);
}

/* --- incoming connections on our listener (active mode; burrow-inbound.c) ---------------- */

/* The token an inbound connection names must be an expect's that waits for
 * the peer on our port. The connection must be what the expect asked for:
 * TLS (with the published key) for ADCS, plain for ADC — never less than
 * that, whoever knows the token and CID. */
/* Whether NMDC expect @a was made before @b (its serial key is lower). */
static gboolean
nmdc_expect_older (const Expect *a,
                   const Expect *b)
{
  gsize la = strlen (a->key), lb = strlen (b->key);

  return la < lb || (la == lb && strcmp (a->key, b->key) < 0);
}

/* The NMDC expect that waits in @state for the peer @nick (any hub when @session is NULL), the
 * oldest first (the lowest serial). */
static Expect *
find_nmdc_expect (BurrowNatConnector *self,
                  BurrowHubSession   *session,
                  const gchar        *nick,
                  ExpectState         state,
                  gboolean            accepted)
{
  GHashTableIter iter;
  gpointer value;
  Expect *found = NULL;

  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Expect *e = value;

      if (!e->nmdc || e->state != state || (accepted && !e->accepted) ||
          (session != NULL && e->session != session) ||
          (nick != NULL && g_strcmp0 (e->token, nick) != 0))
        continue;
      if (found == NULL || nmdc_expect_older (e, found))
        found = e;
    }
  return found;
}

static gboolean
inbound_token_func (const gchar    *token,
                    const gchar    *cid,
                    GTlsConnection *tls,
                    gpointer        data)
{
  BurrowNatConnector *self = data;
  Expect *e;

  if (cid == NULL)
    e = find_nmdc_expect (self, NULL, token, EXPECT_INCOMING, FALSE); /* NMDC: token = the nick */
  else
    e = g_hash_table_lookup (self->expects, token);
  if (e == NULL || e->state != EXPECT_INCOMING || (!e->nmdc && g_strcmp0 (cid, e->peer_cid) != 0))
    return FALSE;

  if ((tls != NULL) != protocol_is_tls (e->protocol))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s used %s instead of %s, the protocol we asked "
                                                 "for: connection refused"),
                                               e->peer_nick,
                                               e->nmdc ? (tls ? PROTO_NMDCS : PROTO_NMDC)
                                                       : (tls ? PROTO_TLS : PROTO_PLAIN),
                                               e->protocol);
      expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
      return FALSE;
    }
  if (tls != NULL && !e->nmdc && !burrow_peer_handshake_keyprint_matches (e->peer_keyprint,
                                                              g_tls_connection_get_peer_certificate (tls)))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s's certificate does not match the keyprint it "
                                                 "published on the hub"), e->peer_nick);
      expect_fail (e, BURROW_NAT_ERROR_KEYPRINT_MISMATCH, why);
      return FALSE;
    }

  /* identified: the expect's own timeout takes over; the step comes after the TCP and TLS
   * steps inbound_done_func() records, which happened before */
  e->state = EXPECT_CONNECTING;
  e->accepted = TRUE;
  e->identified_at = g_get_monotonic_time ();
  return TRUE;
}

static void
inbound_done_func (BurrowPeerConnection *peer,
                   GSocketConnection    *connection,
                   gint64                accepted_at,
                   GTlsConnection       *tls,
                   gint64                tls_done_at,
                   gpointer              data)
{
  BurrowNatConnector *self = data;
  Expect *e;

  if (burrow_peer_connection_get_protocol (peer) == BURROW_PEER_PROTOCOL_NMDC)
    e = find_nmdc_expect (self, NULL, burrow_peer_connection_get_peer_nick (peer), EXPECT_CONNECTING,
                          TRUE);
  else
    e = g_hash_table_lookup (self->expects, burrow_peer_connection_get_token (peer));
  if (e == NULL)
    {
      burrow_peer_connection_close (peer); /* its expect ended meanwhile */
      return;
    }
  /* the connection came to our port before we knew whose it was: its steps, in the order
   * they happened */
  {
    g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
    g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
    g_autofree gchar *local_text = endpoint_text (local);
    g_autofree gchar *remote_text = endpoint_text (remote);

    burrow_punch_attempt_set_local (e->attempt, local_text);
    burrow_punch_attempt_set_remote (e->attempt, remote_text);
  }
  burrow_punch_attempt_add_step_at (e->attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED, accepted_at,
                                    "the peer connected to our port %u",
                                    burrow_nat_connector_get_port (self));
  if (tls != NULL)
    {
      g_autofree gchar *cipher = g_tls_connection_get_ciphersuite_name (tls);
      burrow_punch_attempt_add_step_at (e->attempt, BURROW_PUNCH_STEP_TLS_DONE, tls_done_at,
                                        "TLS as server, %s", cipher ? cipher : "?");
    }
  burrow_punch_attempt_add_step_at (e->attempt, BURROW_PUNCH_STEP_ACCEPTED, e->identified_at,
                                    "the peer connected to our port with our token");
  expect_deliver (e, peer);
}

/* An NMDC connection came to our port: its `$MyNick` answer needs our nick on the hub that
 * brokered it and whether we download on it, before its `$MyNick` says who it is. Both come
 * from the NMDC expects that wait for a peer on our port (our nick is the same on every hub
 * unless a hub renamed us); none: it is not expected and closed at once. A TLS connection
 * cannot be told by its first byte: it is NMDC when only NMDC ones are expected, and inbound
 * reads its first line when ADC ones are expected too. */
static gboolean
inbound_nmdc_func (gboolean   tls,
                   gboolean  *adc_too,
                   gchar    **our_nick,
                   gchar    **charset,
                   gboolean  *want_download,
                   gpointer   data)
{
  BurrowNatConnector *self = data;
  Expect *first = NULL;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Expect *e = value;

      if (e->state != EXPECT_INCOMING || (tls && !protocol_is_tls (e->protocol)))
        continue;
      if (!e->nmdc)
        {
          if (tls)
            *adc_too = TRUE;
          continue;
        }
      if (first == NULL || nmdc_expect_older (e, first))
        first = e;
    }
  if (first == NULL)
    return FALSE;
  *our_nick = g_strdup (burrow_hub_session_get_nick (first->session));
  *charset = g_strdup (burrow_hub_session_get_encoding (first->session));
  *want_download = FALSE;
  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Expect *e = value;

      if (e->nmdc && e->state == EXPECT_INCOMING && e->task != NULL)
        *want_download = TRUE;
    }
  return TRUE;
}

static void
on_listener_incoming (BurrowListener     *listener,
                      GSocketConnection  *connection,
                      BurrowNatConnector *self)
{
  burrow_inbound_take (self->inbound, connection);
}

/* --- requests from peers (via the hub list) ---------------------------------------------- */

static guint
count_incoming (BurrowNatConnector *self,
                const gchar        *user_id)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Expect *e = value;
      if (e->role == BURROW_PUNCH_ROLE_RESPONDER &&
          (user_id == NULL || g_strcmp0 (burrow_user_get_id (e->user), user_id) == 0))
        n++;
    }
  return n;
}

/* The ADC names the punch records use. */
static const gchar * const kind_names[] = {
  [BURROW_CONNECT_KIND_CONNECT] = "CTM",
  [BURROW_CONNECT_KIND_REVERSE] = "RCM",
  [BURROW_CONNECT_KIND_NAT] = "NAT",
  [BURROW_CONNECT_KIND_NAT_REPLY] = "RNT",
  [BURROW_CONNECT_KIND_REFUSED] = "STA",
};

/* The peer answered a request of ours (or went on with one of its own). */
static void
handle_answer (BurrowNatConnector         *self,
               Expect                     *e,
               const BurrowConnectRequest *request)
{
  gboolean answer = (request->kind == BURROW_CONNECT_KIND_CONNECT && e->state == EXPECT_CTM) ||
                    (request->kind == BURROW_CONNECT_KIND_NAT && e->state == EXPECT_NAT) ||
                    (request->kind == BURROW_CONNECT_KIND_NAT_REPLY && e->state == EXPECT_RNT);

  if (!e->nmdc && g_strcmp0 (e->peer_cid, burrow_user_get_cid (request->user)) != 0)
    return;
  if (request->kind == BURROW_CONNECT_KIND_REFUSED)
    {
      if (e->state != EXPECT_CONNECTING && e->state != EXPECT_DONE)
        {
          g_autofree gchar *why = g_strdup_printf (_("%s refused the connection: %s"), e->peer_nick,
                                                   request->reason ? request->reason : "");

          /* STA 141: our protocol; 142: the peer cannot make the connection (say, no address
           * family in common) */
          expect_fail (e, request->status == BURROW_CONNECT_STATUS_DIRECT_FAILED
                          ? BURROW_NAT_ERROR_REFUSED : BURROW_NAT_ERROR_UNSUPPORTED, why);
        }
      return;
    }
  if (!answer)
    return;

  burrow_punch_attempt_add_step (e->attempt,
                                 request->kind == BURROW_CONNECT_KIND_CONNECT ? BURROW_PUNCH_STEP_REQUEST_RECEIVED :
                                 request->kind == BURROW_CONNECT_KIND_NAT ? BURROW_PUNCH_STEP_NAT_RECEIVED :
                                                                            BURROW_PUNCH_STEP_RNT_RECEIVED,
                                 "%s %s %u", kind_names[request->kind], request->protocol, request->port);
  /* the protocol asked for is the protocol required: an answer must not
   * switch ADCS to plain ADC (nor the other way round) */
  if (!protocol_supported (self, request->protocol) ||
      protocol_is_tls (request->protocol) != protocol_is_tls (e->protocol))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s used %s instead of %s, the protocol we asked "
                                                 "for: connection refused"),
                                               e->peer_nick, request->protocol, e->protocol);
      expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
      return;
    }
  if (request->kind == BURROW_CONNECT_KIND_CONNECT)
    connect_directly (e, request->port);
  else
    punch_start (e, request->port);
}

/* Whether NAT traversal with @user can work from our connection to @session's hub: the punch
 * leaves from that connection's port, so the hub must know the peer by the same family. */
static gboolean
nat_family_shared (BurrowHubSession *session,
                   BurrowUser       *user)
{
  if (burrow_user_is_nmdc (user))
    return TRUE;
  return burrow_user_get_address (user, hub_family (session)) != NULL;
}

static void attempt_fail_now (BurrowNatConnector *self,
                              BurrowPunchAttempt *attempt,
                              gint                code,
                              const gchar        *why);

/* Both passive, but the hub knows @user only by the other family than our connection to it
 * (a hub without HBRI publishes one family per user): fails at once, nothing is sent. */
static BurrowPunchAttempt *
fail_no_common_family (BurrowNatConnector *self,
                       BurrowHubSession   *session,
                       BurrowUser         *user,
                       const gchar        *token,
                       const gchar        *protocol,
                       BurrowPunchRole     role)
{
  gboolean we_v6 = hub_family (session) == G_SOCKET_FAMILY_IPV6;
  BurrowPunchAttempt *attempt;
  g_autofree gchar *why = NULL;

  why = g_strdup_printf (we_v6 ? _("Both you and %s are passive, and this hub knows you by your "
                                   "IPv6 address but %s only by an IPv4 address: NAT traversal "
                                   "needs one address family for both of you; one of you needs "
                                   "an open port")
                               : _("Both you and %s are passive, and this hub knows you by your "
                                   "IPv4 address but %s only by an IPv6 address: NAT traversal "
                                   "needs one address family for both of you; one of you needs "
                                   "an open port"),
                         burrow_user_get_nick (user), burrow_user_get_nick (user));
  attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_NAT_TRAVERSAL, role,
                                      burrow_hub_session_get_uri (session), burrow_user_get_nick (user),
                                      burrow_user_get_cid (user), token, protocol);
  attempt_fail_now (self, attempt, BURROW_NAT_ERROR_NO_COMMON_FAMILY, why);
  return attempt;
}

/* Fails @attempt at once with @why (nothing was sent) and records it. */
static void
attempt_fail_now (BurrowNatConnector *self,
                  BurrowPunchAttempt *attempt,
                  gint                code,
                  const gchar        *why)
{
  add_attempt (self, attempt);
  burrow_punch_attempt_add_step (attempt, BURROW_PUNCH_STEP_FAILED, "%s", why);
  burrow_punch_attempt_fail (attempt, code, why);
  g_signal_emit (self, signals[SIGNAL_ATTEMPT_FINISHED], 0, attempt);
}

/* Why two passive NMDC users cannot connect on @session, or %NULL when NAT traversal can
 * (NMDC.md §3.4, §3.5): PtokaX disconnects whoever sends `N` or `R` and clears 0x20 in what it
 * relays, so a peer's status without 0x20 is either the hub's doing or its client's. @code
 * tells which: %BURROW_NAT_ERROR_UNSUPPORTED (the hub), %BURROW_NAT_ERROR_PEER_PASSIVE (the
 * peer). */
static gchar *
nmdc_both_passive (BurrowHubSession *session,
                   BurrowUser       *user,
                   gint             *code)
{
  const gchar *software = burrow_hub_session_get_hub_software (session);

  *code = BURROW_NAT_ERROR_UNSUPPORTED;
  if (software != NULL && g_str_has_prefix (software, "PtokaX"))
    return g_strdup_printf (_("Both you and %s are passive, and this hub does not let passive users "
                              "connect to each other: one of you needs an open port"),
                            burrow_user_get_nick (user));
  *code = BURROW_NAT_ERROR_PEER_PASSIVE;
  if (!burrow_user_supports_nat_traversal (user))
    return g_strdup_printf (_("Both you and %s are passive, and the other user cannot do NAT "
                              "traversal (no 0x20 in its status on this hub): one of you needs "
                              "an open port"), burrow_user_get_nick (user));
  return NULL;
}

/* The expect our `N` line started that the peer's `R` answers: `R` names no sender, so the
 * nick the session found for the address, else the address, else the oldest on this hub. */
static Expect *
find_nmdc_rnt_expect (BurrowNatConnector         *self,
                      BurrowHubSession           *session,
                      const BurrowConnectRequest *request)
{
  Expect *e = find_nmdc_expect (self, session, request->token, EXPECT_RNT, FALSE);
  GHashTableIter iter;
  gpointer value;

  if (e != NULL || request->host == NULL)
    return e != NULL ? e : find_nmdc_expect (self, session, NULL, EXPECT_RNT, FALSE);
  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Expect *x = value;

      if (x->nmdc && x->state == EXPECT_RNT && x->session == session &&
          g_strcmp0 (x->peer_ip, request->host) == 0 && (e == NULL || nmdc_expect_older (x, e)))
        e = x;
    }
  return e != NULL ? e : find_nmdc_expect (self, session, NULL, EXPECT_RNT, FALSE);
}

/* NMDC NAT traversal (NMDC.md §3.1): the peer's `N` answers our `$RevConnectToMe` (we punch,
 * then send `R`); its `R` answers our `N` (we punch). */
static void
on_nmdc_nat (BurrowNatConnector         *self,
             BurrowHubSession           *session,
             const BurrowConnectRequest *request)
{
  gboolean nat = request->kind == BURROW_CONNECT_KIND_NAT;
  const gchar *ip = request->host != NULL ? request->host : burrow_user_get_ip4 (request->user);
  Expect *e = nat ? find_nmdc_expect (self, session, request->token, EXPECT_NAT, FALSE)
                  : find_nmdc_rnt_expect (self, session, request);

  if (e == NULL)
    return; /* not asked for: nothing is sent unasked */
  add_received_step (e->attempt,
                     nat ? BURROW_PUNCH_STEP_NAT_RECEIVED : BURROW_PUNCH_STEP_RNT_RECEIVED, request,
                     "$ConnectToMe %s:%u%s%s", ip ? ip : "?", request->port,
                     nat ? "N" : "R", request->tls ? "S" : "");
  if (!protocol_supported_on (self, request->protocol, TRUE))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s asked for TLS, but we have no "
                                                 "certificate: connection refused"), e->peer_nick);
      expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
      return;
    }
  if (nat)
    {
      /* $RevConnectToMe cannot ask for TLS: the side that sends `N` decides (NMDC.md §3.2) */
      if (g_strcmp0 (request->protocol, e->protocol) != 0)
        {
          g_free (e->protocol);
          e->protocol = g_strdup (request->protocol);
          burrow_punch_attempt_set_protocol (e->attempt, e->protocol);
        }
    }
  else if (protocol_is_tls (request->protocol) != protocol_is_tls (e->protocol))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s used %s instead of %s, the protocol we asked "
                                                 "for: connection refused"),
                                               e->peer_nick, request->protocol, e->protocol);
      expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
      return;
    }
  /* the address the hub relays is the one to use (it rewrites a wrong one) */
  if (ip != NULL && g_strcmp0 (ip, e->peer_ip) != 0)
    {
      g_free (e->peer_ip);
      e->peer_ip = g_strdup (ip);
    }
  if (nat && e->probe == NULL && !e->probing)
    probe_path (e); /* the address came only now: measure for the low-TTL first SYN */
  punch_start (e, request->port);
}

/* NMDC requests (NMDC.md §3.4): `$ConnectToMe` (we connect; the answer to our `$RevConnectToMe`
 * or a peer that wants to download from us) and `$RevConnectToMe` (active: our `$ConnectToMe`;
 * passive: nothing is possible without NAT traversal, which NMDC does not get from us). */
static void
on_nmdc_request (BurrowNatConnector         *self,
                 BurrowHubSession           *session,
                 const BurrowConnectRequest *request)
{
  BurrowUser *user = request->user;
  const gchar *protocol = request->protocol;
  gboolean active = is_active_on (self, session);
  const gchar *ip = burrow_user_get_ip4 (user);
  Expect *e;

  if (request->kind == BURROW_CONNECT_KIND_REFUSED)
    {
      /* the hub refused our $RevConnectToMe to this user (the session read its text) */
      e = find_nmdc_expect (self, session, request->token, EXPECT_CTM, FALSE);
      if (e == NULL)
        e = find_nmdc_expect (self, session, request->token, EXPECT_NAT, FALSE);
      if (e != NULL)
        {
          g_autofree gchar *why = g_strdup_printf (_("This hub does not let passive users connect "
                                                     "to each other (it said: “%s”)"),
                                                   request->reason ? request->reason : "");

          burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_NOTE, "hub: %s",
                                         request->reason ? request->reason : "");
          expect_fail (e, BURROW_NAT_ERROR_UNSUPPORTED, why);
        }
      return;
    }

  if (request->kind == BURROW_CONNECT_KIND_CONNECT)
    {
      /* the answer to our $RevConnectToMe: the nick the session found for the address, else the
       * address, else the oldest one waiting on this hub (a plain $ConnectToMe names no sender,
       * and the hub rewrites its address) */
      e = find_nmdc_expect (self, session, request->token, EXPECT_CTM, FALSE);
      if (e == NULL && ip != NULL)
        {
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, self->expects);
          while (e == NULL && g_hash_table_iter_next (&iter, NULL, &value))
            {
              Expect *x = value;

              if (x->nmdc && x->state == EXPECT_CTM && x->session == session &&
                  g_strcmp0 (x->peer_ip, ip) == 0)
                e = x;
            }
        }
      if (e == NULL)
        e = find_nmdc_expect (self, session, NULL, EXPECT_CTM, FALSE);
      if (e != NULL)
        {
          add_received_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, request,
                             "$ConnectToMe %s %s:%u", protocol, ip ? ip : "?", request->port);
          if (!protocol_supported_on (self, protocol, TRUE))
            {
              g_autofree gchar *why = g_strdup_printf (_("%s asked for TLS, but we have no "
                                                         "certificate: connection refused"),
                                                       e->peer_nick);
              expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
              return;
            }
          /* $RevConnectToMe cannot ask for TLS: the active side decides (NMDC.md §2.5) */
          if (g_strcmp0 (protocol, e->protocol) != 0)
            {
              g_free (e->protocol);
              e->protocol = g_strdup (protocol);
              burrow_punch_attempt_set_protocol (e->attempt, protocol);
            }
          /* the address the hub gives is the one to use (it rewrites a wrong one) */
          if (ip != NULL)
            {
              g_free (e->peer_ip);
              e->peer_ip = g_strdup (ip);
            }
          connect_directly (e, request->port);
          return;
        }

      /* the peer is active and wants to download from us: connect to it */
      if (!protocol_supported_on (self, protocol, TRUE) || ip == NULL ||
          count_incoming (self, NULL) >= BURROW_NAT_MAX_INCOMING ||
          count_incoming (self, burrow_user_get_id (user)) >= BURROW_NAT_MAX_INCOMING_PER_PEER)
        return;
      e = expect_new (self, session, user, request->token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_INCOMING);
      e->nick_unknown = TRUE;
      add_received_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, request,
                         "$ConnectToMe %s %s:%u", protocol, ip, request->port);
      connect_directly (e, request->port);
      return;
    }

  if (request->kind == BURROW_CONNECT_KIND_NAT || request->kind == BURROW_CONNECT_KIND_NAT_REPLY)
    {
      on_nmdc_nat (self, session, request);
      return;
    }
  if (request->kind != BURROW_CONNECT_KIND_REVERSE)
    return;
  if (count_incoming (self, NULL) >= BURROW_NAT_MAX_INCOMING ||
      count_incoming (self, burrow_user_get_id (user)) >= BURROW_NAT_MAX_INCOMING_PER_PEER)
    return;
  if (!active)
    {
      gint code;
      g_autofree gchar *why = nmdc_both_passive (session, user, &code);
      guint16 our_port = burrow_hub_session_get_local_port (session);
      g_autoptr(GError) error = NULL;

      if (why != NULL)
        {
          g_autoptr(BurrowPunchAttempt) attempt = NULL;

          /* recorded, never answered: no N line where the hub or the peer cannot take it */
          attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_NAT_TRAVERSAL,
                                              BURROW_PUNCH_ROLE_RESPONDER,
                                              burrow_hub_session_get_uri (session),
                                              burrow_user_get_nick (user), NULL, request->token, protocol);
          add_received_step (attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, request, "$RevConnectToMe");
          attempt_fail_now (self, attempt, code, why);
          return;
        }
      /* NAT traversal: listen on our hub port first, then `N` (NMDC.md §5.2 item 8) */
      protocol = choose_protocol (self, user);
      e = expect_new (self, session, user, request->token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
      add_received_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, request, "$RevConnectToMe");
      e->state = EXPECT_RNT;
      expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
      punch_prepare (e);
      if (send_request (e, BURROW_CONNECT_KIND_NAT, our_port, &error))
        add_sent_step (e, BURROW_PUNCH_STEP_NAT_SENT, "$ConnectToMe …N %s %u", protocol, our_port);
      else
        expect_fail (e, BURROW_NAT_ERROR_UNSUPPORTED, error->message);
      return;
    }
  /* we are active: $ConnectToMe, with `S` when the peer can do TLS and we can */
  protocol = choose_protocol (self, user);
  e = expect_new (self, session, user, request->token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                  BURROW_PUNCH_METHOD_INCOMING);
  add_received_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, request, "$RevConnectToMe");
  e->state = EXPECT_INCOMING;
  expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
  {
    guint16 our_port = port_to_announce_on (self, session);
    g_autoptr(GError) error = NULL;

    if (send_request (e, BURROW_CONNECT_KIND_CONNECT, our_port, &error))
      add_sent_step (e, BURROW_PUNCH_STEP_REQUEST_SENT, "$ConnectToMe %s %u", protocol, our_port);
    else
      expect_fail (e, BURROW_NAT_ERROR_FAILED, error->message);
  }
}

static void
on_connect_request (BurrowHubList              *hubs,
                    BurrowHubSession           *session,
                    const BurrowConnectRequest *request,
                    BurrowNatConnector         *self)
{
  BurrowUser *user = request->user;
  const gchar *protocol = request->protocol;
  gboolean active = is_active_on (self, session);
  Expect *e;

  if (burrow_user_is_nmdc (user))
    {
      on_nmdc_request (self, session, request);
      return;
    }
  e = g_hash_table_lookup (self->expects, request->token);

  if (e != NULL)
    {
      handle_answer (self, e, request);
      return;
    }

  /* a new request from the peer */
  if (request->kind != BURROW_CONNECT_KIND_CONNECT && request->kind != BURROW_CONNECT_KIND_REVERSE)
    return;
  if (!protocol_supported (self, protocol))
    {
      g_autoptr(BurrowConnectRequest) refusal =
        burrow_connect_request_new (BURROW_CONNECT_KIND_REFUSED, user, protocol, 0, request->token);

      refusal->status = BURROW_CONNECT_STATUS_PROTOCOL_UNSUPPORTED;
      refusal->reason = g_strdup ("Protocol unknown");
      burrow_hub_session_send_connect_request (session, refusal, NULL);
      return;
    }
  if (count_incoming (self, NULL) >= BURROW_NAT_MAX_INCOMING ||
      count_incoming (self, burrow_user_get_id (user)) >= BURROW_NAT_MAX_INCOMING_PER_PEER)
    return;

  if (request->kind == BURROW_CONNECT_KIND_CONNECT)
    {
      /* the peer is active: connect to it */
      if (peer_address (session, user) == NULL)
        return;
      e = expect_new (self, session, user, request->token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_INCOMING);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, "CTM %s %u",
                                     protocol, request->port);
      connect_directly (e, request->port);
      return;
    }

  /* REVERSE (RCM) */
  if (active)
    {
      guint16 our_port = port_to_announce_on (self, session);

      e = expect_new (self, session, user, request->token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_INCOMING);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, "RCM %s", protocol);
      e->state = EXPECT_INCOMING;
      expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
      if (send_request (e, BURROW_CONNECT_KIND_CONNECT, our_port, NULL))
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_SENT, "CTM %s %u",
                                       protocol, our_port);
    }
  else if (burrow_user_supports_nat_traversal (user) && !nat_family_shared (session, user) &&
           peer_address (session, user) != NULL)
    {
      g_autoptr(BurrowConnectRequest) refusal =
        burrow_connect_request_new (BURROW_CONNECT_KIND_REFUSED, user, protocol, 0, request->token);

      /* recorded, and the peer told at once (STA 142) instead of waiting out its request; the
       * reason goes over the wire, untranslated */
      g_object_unref (fail_no_common_family (self, session, user, request->token, protocol,
                                             BURROW_PUNCH_ROLE_RESPONDER));
      refusal->status = BURROW_CONNECT_STATUS_DIRECT_FAILED;
      refusal->reason = g_strdup ("NAT traversal impossible: the hub knows us by another IP "
                                  "version (IPv4/IPv6) than you");
      burrow_hub_session_send_connect_request (session, refusal, NULL);
    }
  else if (burrow_user_supports_nat_traversal (user) && peer_address (session, user) != NULL)
    {
      guint16 our_port = burrow_hub_session_get_local_port (session);

      e = expect_new (self, session, user, request->token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, "RCM %s", protocol);
      e->state = EXPECT_RNT;
      expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
      punch_prepare (e);
      if (send_request (e, BURROW_CONNECT_KIND_NAT, our_port, NULL))
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_NAT_SENT, "NAT %s %u",
                                       protocol, our_port);
    }
  /* else: both passive and the peer cannot do NAT traversal: ignore, as DC++ does */
}

static gboolean
session_listed (BurrowNatConnector *self,
                Expect             *e)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);

      if (session == e->session)
        return TRUE;
    }
  return FALSE;
}

static void
on_hubs_changed (GListModel         *hubs,
                 guint               position,
                 guint               removed,
                 guint               added,
                 BurrowNatConnector *self)
{
  /* attempts through a hub that left the list cannot go on */
  if (removed > 0)
    drop_expects (self, session_listed);
}

/* --- our requests ----------------------------------------------------------------------- */

/* A request to a passive peer while automatic mode is still asking the router waits for the
 * answer (at most BURROW_NAT_DECIDING_WAIT_MS): a mapping makes us active, and a peer that no
 * hole punching reaches (behind a symmetric NAT) can then connect to us. */
typedef struct
{
  BurrowNatConnector  *self;
  BurrowHubSession    *session;
  BurrowUser          *user;
  GCancellable        *cancellable;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  guint                timeout_id;
  guint                idle_id;
  gulong               cancelled_id;
} Waiting;

static void connect_start (BurrowNatConnector  *self,
                           BurrowHubSession    *session,
                           BurrowUser          *user,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data);

static void
waiting_free (Waiting *w)
{
  g_clear_handle_id (&w->timeout_id, g_source_remove);
  if (w->cancelled_id != 0)
    g_cancellable_disconnect (w->cancellable, w->cancelled_id);
  g_clear_handle_id (&w->idle_id, g_source_remove);
  g_clear_object (&w->cancellable);
  g_object_unref (w->session);
  g_object_unref (w->user);
  g_object_unref (w->self);
  g_free (w);
}

/* Sends the request now, whatever the decision came to (it stays within the limit). */
static void
waiting_go (Waiting *w)
{
  BurrowNatConnector *self = g_object_ref (w->self);

  if (g_ptr_array_remove (self->waiting, w))
    {
      g_clear_handle_id (&w->timeout_id, g_source_remove);
      if (w->cancellable != NULL && g_cancellable_is_cancelled (w->cancellable))
        g_task_report_new_error (self, w->callback, w->user_data,
                                 burrow_nat_connector_connect_async, G_IO_ERROR,
                                 G_IO_ERROR_CANCELLED, "%s", _("The request was cancelled"));
      else
        connect_start (self, w->session, w->user, w->cancellable, w->callback, w->user_data);
      waiting_free (w);
    }
  g_object_unref (self);
}

static gboolean
on_waiting_timeout (gpointer data)
{
  Waiting *w = data;

  w->timeout_id = 0;
  waiting_go (w);
  return G_SOURCE_REMOVE;
}

static gboolean
waiting_go_idle (gpointer data)
{
  Waiting *w = data;

  w->idle_id = 0;
  waiting_go (w);
  return G_SOURCE_REMOVE;
}

static void
on_waiting_cancelled (GCancellable *cancellable,
                      Waiting      *w)
{
  /* maybe from inside g_cancellable_cancel (): the request fails from the main loop */
  if (w->idle_id == 0)
    w->idle_id = g_idle_add (waiting_go_idle, w);
}

static gboolean
must_wait (BurrowNatConnector *self,
           BurrowHubSession   *session,
           BurrowUser         *user)
{
  return self->deciding[hub_family (session) == G_SOCKET_FAMILY_IPV6] &&
         !is_active_on (self, session) && !peer_takes_connections (user) &&
         self->waiting->len < BURROW_NAT_MAX_WAITING &&
         burrow_hub_session_get_state (session) == BURROW_HUB_STATE_NORMAL;
}

/**
 * burrow_nat_connector_set_deciding:
 * @family: the family of hub connections it concerns
 * @deciding: whether automatic mode is still asking the router for a mapping
 *
 * While it is, requests to passive peers on hubs of @family wait (at most
 * %BURROW_NAT_DECIDING_WAIT_MS) for the decision instead of going to NAT traversal at once.
 */
void
burrow_nat_connector_set_deciding (BurrowNatConnector *self,
                                   GSocketFamily       family,
                                   gboolean            deciding)
{
  g_autoptr(GPtrArray) go = NULL;
  guint i = family == G_SOCKET_FAMILY_IPV6;

  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));

  self->deciding[i] = deciding;
  if (deciding || self->waiting->len == 0)
    return;
  go = g_ptr_array_new ();
  for (guint k = 0; k < self->waiting->len; k++)
    {
      Waiting *w = g_ptr_array_index (self->waiting, k);

      if ((hub_family (w->session) == G_SOCKET_FAMILY_IPV6) == i)
        g_ptr_array_add (go, w);
    }
  for (guint k = 0; k < go->len; k++)
    waiting_go (g_ptr_array_index (go, k));
}

/**
 * burrow_nat_connector_connect_async:
 * @session: the hub both of us are on
 * @user: the peer
 *
 * Reaches @user by whatever path our and its connectivity allow, and
 * completes with an identified #BurrowPeerConnection (or a #BurrowNatError
 * whose message is the diagnosis). The attempt appears in
 * burrow_nat_connector_get_attempts() at once, or, while automatic mode is
 * deciding (burrow_nat_connector_set_deciding()), once it has.
 */
void
burrow_nat_connector_connect_async (BurrowNatConnector  *self,
                                    BurrowHubSession    *session,
                                    BurrowUser          *user,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Waiting *w;

  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));
  g_return_if_fail (BURROW_IS_USER (user));

  if (!must_wait (self, session, user) ||
      (cancellable != NULL && g_cancellable_is_cancelled (cancellable)))
    {
      connect_start (self, session, user, cancellable, callback, user_data);
      return;
    }
  w = g_new0 (Waiting, 1);
  w->self = g_object_ref (self);
  w->session = g_object_ref (session);
  w->user = g_object_ref (user);
  w->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  w->callback = callback;
  w->user_data = user_data;
  g_ptr_array_add (self->waiting, w);
  g_debug ("%s: waiting for automatic mode to decide before asking", burrow_user_get_nick (user));
  w->timeout_id = g_timeout_add (BURROW_NAT_DECIDING_WAIT_MS, on_waiting_timeout, w);
  if (cancellable != NULL)
    w->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_waiting_cancelled), w,
                                             NULL);
}

static void
connect_start (BurrowNatConnector  *self,
               BurrowHubSession    *session,
               BurrowUser          *user,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree gchar *token = new_token ();
  gboolean active;
  const gchar *protocol;
  g_autoptr(GError) error = NULL;
  BurrowConnectKind kind = BURROW_CONNECT_KIND_REVERSE;
  guint16 port = 0;
  Expect *e;

  active = is_active_on (self, session);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_nat_connector_connect_async);
  protocol = choose_protocol (self, user);
  if (burrow_user_is_nmdc (user))
    {
      /* NMDC requests carry no token: the peer's nick stands in for it */
      g_free (token);
      token = g_strdup (burrow_user_get_nick (user));
      if (!active)
        protocol = PROTO_NMDC; /* $RevConnectToMe cannot ask for TLS: the peer decides */
    }

  if (burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                               _("Not logged in to the hub"));
      return;
    }

  if (active)
    {
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_DIRECT);
      e->state = EXPECT_INCOMING;
      kind = BURROW_CONNECT_KIND_CONNECT;
      port = port_to_announce_on (self, session);
    }
  else if (peer_takes_connections (user))
    {
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_REVERSE);
      e->state = EXPECT_CTM;
    }
  else if (burrow_user_is_nmdc (user))
    {
      gint code;
      g_autofree gchar *why = nmdc_both_passive (session, user, &code);

      if (why != NULL)
        {
          g_autoptr(BurrowPunchAttempt) attempt = NULL;

          /* nothing sent: an N/R line would get us disconnected or refused (NMDC.md §3.5) */
          attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_NAT_TRAVERSAL,
                                              BURROW_PUNCH_ROLE_INITIATOR,
                                              burrow_hub_session_get_uri (session),
                                              burrow_user_get_nick (user), NULL,
                                              burrow_user_get_nick (user), protocol);
          attempt_fail_now (self, attempt, code, why);
          task_set_attempt (task, attempt);
          g_task_return_new_error (task, BURROW_NAT_ERROR, code, "%s", why);
          return;
        }
      /* NAT traversal (NMDC.md §3.1): $RevConnectToMe, the peer answers `N`; we listen on our
       * hub port meanwhile */
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
      e->state = EXPECT_NAT;
      punch_prepare (e);
      if (e->peer_ip != NULL)
        probe_path (e);
    }
  else if (burrow_user_supports_nat_traversal (user) && !nat_family_shared (session, user) &&
           peer_address (session, user) != NULL)
    {
      g_autoptr(BurrowPunchAttempt) attempt =
        fail_no_common_family (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR);

      task_set_attempt (task, attempt);
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_NO_COMMON_FAMILY, "%s",
                               burrow_punch_attempt_get_diagnosis (attempt));
      return;
    }
  else if (burrow_user_supports_nat_traversal (user) && peer_address (session, user) != NULL)
    {
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
      e->state = EXPECT_NAT;
      probe_path (e);
    }
  else
    {
      g_autoptr(BurrowPunchAttempt) attempt = NULL;
      g_autofree gchar *why = g_strdup_printf (_("Both you and %s are passive and %s's client does "
                                                 "not announce NAT traversal (NAT0): no connection "
                                                 "is possible; one of you needs an open port"),
                                               burrow_user_get_nick (user), burrow_user_get_nick (user));

      attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_REVERSE, BURROW_PUNCH_ROLE_INITIATOR,
                                          burrow_hub_session_get_uri (session), burrow_user_get_nick (user),
                                          burrow_user_get_cid (user), token, protocol);
      add_attempt (self, attempt);
      burrow_punch_attempt_add_step (attempt, BURROW_PUNCH_STEP_FAILED, "%s", why);
      burrow_punch_attempt_fail (attempt, BURROW_NAT_ERROR_PEER_PASSIVE, why);
      g_signal_emit (self, signals[SIGNAL_ATTEMPT_FINISHED], 0, attempt);
      task_set_attempt (task, attempt);
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PEER_PASSIVE, "%s", why);
      return;
    }

  expect_set_task (e, &task);
  expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
  if (!send_request (e, kind, port, &error))
    {
      expect_fail (e, BURROW_NAT_ERROR_FAILED, error->message);
      return;
    }
  if (kind == BURROW_CONNECT_KIND_CONNECT)
    add_sent_step (e, BURROW_PUNCH_STEP_REQUEST_SENT, "%s %s %u",
                   e->nmdc ? "$ConnectToMe" : "CTM", protocol, port);
  else
    add_sent_step (e, BURROW_PUNCH_STEP_REQUEST_SENT, "%s %s",
                   e->nmdc ? "$RevConnectToMe" : "RCM", protocol);
}

/**
 * burrow_nat_connector_connect_finish:
 * @attempt: (out) (optional) (transfer full): the attempt's record
 *
 * Returns: (transfer full): the connection
 */
BurrowPeerConnection *
burrow_nat_connector_connect_finish (BurrowNatConnector  *self,
                                     GAsyncResult        *result,
                                     BurrowPunchAttempt **attempt,
                                     GError             **error)
{
  BurrowPunchAttempt *record;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  record = g_task_get_task_data (G_TASK (result));
  if (attempt != NULL)
    *attempt = record ? g_object_ref (record) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the peer dialer ------------------------------------------------------------------------ */

static BurrowUser *
dialer_lookup (BurrowPeerDialer *dialer,
               const gchar      *user_id,
               const gchar      *hub_uri)
{
  return burrow_hub_list_lookup_user (BURROW_NAT_CONNECTOR (dialer)->hubs, user_id, hub_uri, NULL);
}

static void
dialer_connect_async (BurrowPeerDialer    *dialer,
                      const gchar         *user_id,
                      const gchar         *hub_uri,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  BurrowNatConnector *self = BURROW_NAT_CONNECTOR (dialer);
  BurrowHubSession *session = NULL;
  BurrowUser *user = burrow_hub_list_lookup_user (self->hubs, user_id, hub_uri, &session);

  if (user == NULL || session == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, burrow_nat_connector_connect_async);
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_OFFLINE,
                               _("%s is not online"), user_id);
      return;
    }
  burrow_nat_connector_connect_async (self, session, user, cancellable, callback, user_data);
}

static BurrowPeerConnection *
dialer_connect_finish (BurrowPeerDialer    *dialer,
                       GAsyncResult        *result,
                       BurrowPunchAttempt **attempt,
                       GError             **error)
{
  return burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (dialer), result, attempt, error);
}

static void
burrow_nat_connector_dialer_init (BurrowPeerDialerInterface *iface)
{
  iface->lookup = dialer_lookup;
  iface->connect_async = dialer_connect_async;
  iface->connect_finish = dialer_connect_finish;
}

/* --- object ----------------------------------------------------------------------------- */

static void
burrow_nat_connector_dispose (GObject *object)
{
  BurrowNatConnector *self = BURROW_NAT_CONNECTOR (object);

  if (self->hubs != NULL)
    g_signal_handlers_disconnect_by_data (self->hubs, self);
  drop_expects (self, NULL);
  while (self->waiting != NULL && self->waiting->len > 0)
    {
      Waiting *w = g_ptr_array_steal_index (self->waiting, 0);

      g_task_report_new_error (self, w->callback, w->user_data, burrow_nat_connector_connect_async,
                               BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED, _("Burrow is closing"));
      waiting_free (w);
    }
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->inbound, burrow_inbound_free);
  g_clear_pointer (&self->expects, g_hash_table_unref);
  g_clear_pointer (&self->punch_listeners, burrow_punch_listeners_free);
  if (self->uploads != NULL)
    {
      for (guint i = 0; i < self->uploads->len; i++)
        g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->uploads, i), on_peer_closed, self);
      g_clear_pointer (&self->uploads, g_ptr_array_unref);
    }
  if (self->listener != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->listener, self);
      g_clear_object (&self->listener);
    }
  g_clear_object (&self->identity);
  g_clear_object (&self->hubs);
  g_clear_object (&self->attempts);
  g_clear_pointer (&self->ttl_cache, g_hash_table_unref);

  G_OBJECT_CLASS (burrow_nat_connector_parent_class)->dispose (object);
}

static void
burrow_nat_connector_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  BurrowNatConnector *self = BURROW_NAT_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_ATTEMPTS: g_value_set_object (value, self->attempts); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_nat_connector_class_init (BurrowNatConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_nat_connector_dispose;
  object_class->get_property = burrow_nat_connector_get_property;

  /**
   * BurrowNatConnector:attempts:
   *
   * Every attempt (#BurrowPunchAttempt), oldest first, the oldest dropped
   * beyond %BURROW_NAT_MAX_ATTEMPTS.
   */
  properties[PROP_ATTEMPTS] =
    g_param_spec_object ("attempts", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BurrowNatConnector::attempt-finished:
   * @attempt: an attempt that just ended (connected, failed or cancelled)
   */
  signals[SIGNAL_ATTEMPT_FINISHED] =
    g_signal_new ("attempt-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_PUNCH_ATTEMPT);
  /* upload-connection is BurrowPeerDialer's */
}

static void
burrow_nat_connector_init (BurrowNatConnector *self)
{
  self->attempts = g_list_store_new (BURROW_TYPE_PUNCH_ATTEMPT);
  self->expects = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) expect_free);
  self->punch_listeners = burrow_punch_listeners_new ();
  self->ttl_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->uploads = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiting = g_ptr_array_new ();
}

/**
 * burrow_nat_connector_new:
 * @identity: ours (certificate, CID)
 * @hubs: the hubs whose requests we answer and through which we ask
 *
 * Returns: (transfer full): a connector that answers the requests @hubs relay
 */
BurrowNatConnector *
burrow_nat_connector_new (BurrowIdentity *identity,
                          BurrowHubList  *hubs)
{
  BurrowNatConnector *self;

  g_return_val_if_fail (BURROW_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (BURROW_IS_HUB_LIST (hubs), NULL);

  self = g_object_new (BURROW_TYPE_NAT_CONNECTOR, NULL);
  self->identity = g_object_ref (identity);
  self->hubs = g_object_ref (hubs);
  self->inbound = burrow_inbound_new (identity, inbound_token_func, inbound_done_func, self);
  burrow_inbound_set_nmdc_func (self->inbound, inbound_nmdc_func);
  g_signal_connect_object (hubs, "connect-request", G_CALLBACK (on_connect_request), self, 0);
  g_signal_connect_object (hubs, "items-changed", G_CALLBACK (on_hubs_changed), self, 0);
  return self;
}

/**
 * burrow_nat_connector_set_tls:
 * @tls: %FALSE to ask peers for plain ADC/1.0 connections (TLS stays on by default)
 *
 * For measurements and peers whose TLS is broken; we still accept TLS when a peer asks.
 */
void
burrow_nat_connector_set_tls (BurrowNatConnector *self,
                              gboolean            tls)
{
  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));

  self->plain_only = !tls;
}

/**
 * burrow_nat_connector_set_active:
 * @active: whether to accept incoming connections
 * @port: the port (0 = random)
 */
gboolean
burrow_nat_connector_set_active (BurrowNatConnector  *self,
                                 gboolean             active,
                                 guint16              port,
                                 GError             **error)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), FALSE);

  if (!active)
    {
      if (self->listener != NULL)
        burrow_listener_stop (self->listener);
      return TRUE;
    }
  if (self->listener == NULL)
    {
      self->listener = burrow_listener_new ();
      g_signal_connect (self->listener, "incoming", G_CALLBACK (on_listener_incoming), self);
    }
  return burrow_listener_start (self->listener, port, error);
}

/**
 * burrow_nat_connector_set_advertised:
 * @active: %FALSE: keep the listener but act as a passive user (automatic mode before it
 *   decided, or when it decided passive)
 * @port: the port to announce in our requests (a mapping's external port), 0 for ours
 *
 * Automatic connectivity listens from the start and decides later whether we are reachable.
 */
void
burrow_nat_connector_set_advertised (BurrowNatConnector *self,
                                     gboolean            active,
                                     guint16             port)
{
  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));

  self->listen_only = !active;
  self->advertised_port = port;
}

/**
 * burrow_nat_connector_is_active:
 *
 * Returns: whether we act as an active user (listening, and announcing it)
 */
gboolean
burrow_nat_connector_is_active (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), FALSE);

  return is_active (self);
}

/**
 * burrow_nat_connector_get_advertised_port:
 *
 * Returns: the port peers are told to connect to (0 when passive)
 */
guint16
burrow_nat_connector_get_advertised_port (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), 0);

  return is_active (self) ? port_to_announce (self) : 0;
}

guint16
burrow_nat_connector_get_port (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), 0);

  return self->listener ? burrow_listener_get_port (self->listener) : 0;
}

/**
 * burrow_nat_connector_get_udp_socket:
 *
 * Returns: (transfer none) (nullable): the UDP socket on our port in active
 *   mode (search results, URES), %NULL when passive
 */
GSocket *
burrow_nat_connector_get_udp_socket (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), NULL);

  if (self->listener == NULL || !burrow_listener_is_running (self->listener))
    return NULL;
  return burrow_listener_get_udp_socket (self->listener);
}

/**
 * burrow_nat_connector_get_udp6_socket:
 *
 * Returns: (transfer none) (nullable): the IPv6 UDP socket on our port in active mode, %NULL
 *   when passive or without IPv6
 */
GSocket *
burrow_nat_connector_get_udp6_socket (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), NULL);

  if (self->listener == NULL || !burrow_listener_is_running (self->listener))
    return NULL;
  return burrow_listener_get_udp6_socket (self->listener);
}

/**
 * burrow_nat_connector_set_source_func:
 *
 * What connections the peers asked for serve (uploads), and their slots.
 */
void
burrow_nat_connector_set_source_func (BurrowNatConnector   *self,
                                      BurrowPeerSourceFunc  func,
                                      BurrowPeerSlotFunc    slot_func,
                                      gpointer              user_data)
{
  self->source_func = func;
  self->slot_func = slot_func;
  self->source_data = user_data;
}

/**
 * burrow_nat_connector_get_attempts:
 *
 * Returns: (transfer none): every attempt (#BurrowPunchAttempt), oldest first,
 *   the oldest dropped beyond %BURROW_NAT_MAX_ATTEMPTS
 */
GListModel *
burrow_nat_connector_get_attempts (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), NULL);

  return G_LIST_MODEL (self->attempts);
}

/**
 * burrow_nat_connector_set_inbound_timeout:
 * @ms: how long each stage of a connection to our port (first byte, TLS
 *   handshake, SUP/INF until identified) may take; 0 = the default
 *   (%BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS). Tests shorten it.
 *
 * Applies to stages that start afterwards.
 */
void
burrow_nat_connector_set_inbound_timeout (BurrowNatConnector *self,
                                          guint               ms)
{
  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));

  burrow_inbound_set_timeout (self->inbound, ms);
}

/**
 * burrow_nat_connector_get_n_unidentified:
 *
 * Returns: connections to our port that have not said who they are yet
 *   (at most %BURROW_NAT_MAX_UNIDENTIFIED)
 */
guint
burrow_nat_connector_get_n_unidentified (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), 0);

  return burrow_inbound_get_n_unidentified (self->inbound);
}

/**
 * burrow_nat_connector_get_n_inbound_refused:
 *
 * Returns: connections to our port closed at once because a cap
 *   (%BURROW_NAT_MAX_UNIDENTIFIED, %BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS) was reached
 */
guint64
burrow_nat_connector_get_n_inbound_refused (BurrowNatConnector *self)
{
  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (self), 0);

  return burrow_inbound_get_n_refused (self->inbound);
}
