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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-adc-message.h"
#include "burrow-buffered-stream.h"
#include "burrow-error.h"
#include "burrow-listener.h"
#include "burrow-path-probe.h"
#include "burrow-tls.h"

#include "burrow-nat-connector.h"

#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif

#define PROTO_PLAIN "ADC/1.0"
#define PROTO_TLS   "ADCS/0.10"
#define TTL_CACHE_US (10 * 60 * G_USEC_PER_SEC)

/*
 * How a connection comes about (PROTOCOL.md §1.11, §2):
 *
 *   we active                → DCTM; the peer connects to our listener
 *   we passive, peer active  → DRCM; the peer answers DCTM; we connect
 *   both passive, peer NAT0  → DRCM; the peer answers DNAT <its hub port>; we
 *                              punch from our hub port and send DRNT <our hub
 *                              port>; it punches back: a simultaneous open
 *
 * Every attempt — ours or the peer's — is an Expect keyed by its token in one
 * table with a timeout, and one BurrowPunchAttempt that records each step.
 *
 * The punch (Punch) goes beyond DC++ in three ways, each measured in the lab
 * (NATLAB.md):
 *  1. it also listens on the hub port (SO_REUSEPORT on hub, listening and
 *     connecting sockets) and takes a connection from the peer's address, so
 *     full-cone routers, which deliver the first SYN to the host, work;
 *  2. the side that starts first sends its first SYN with a TTL just large
 *     enough to leave its own NAT (measured per path by BurrowPathProbe), so
 *     it opens its own mapping without provoking an RST from the peer's
 *     router; IP_MINTTL keeps the socket alive when the ICMP time-exceeded
 *     comes back, and the TTL is restored at once so retransmissions and the
 *     handshake travel normally;
 *  3. it gives up after BURROW_NAT_PUNCH_WINDOW_MS with a diagnosis built from
 *     what it saw (refusals, silence, ports), not after a silent 30 s.
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

typedef struct _Punch Punch;
typedef struct _PortListener PortListener;

typedef struct
{
  BurrowNatConnector   *connector;   /* borrowed; the connector outlives its expects */
  gchar                *token;
  BurrowAdcHubSession  *session;
  guint32               peer_sid;
  gchar                *peer_cid;
  gchar                *peer_nick;
  gchar                *peer_ip;
  gchar                *peer_keyprint;
  gchar                *protocol;
  BurrowPunchRole       role;
  ExpectState           state;
  BurrowPunchAttempt   *attempt;
  GTask                *task;         /* our own request, or NULL */
  GCancellable         *cancellable;  /* everything this expect started */
  guint                 timeout_id;
  Punch                *punch;
  BurrowPathProbe      *probe;        /* NAT traversal: the measured path, or NULL */
  gboolean              probing;
  guint16               pending_port; /* NAT arrived while the probe still ran */
  GIOStream            *stream;       /* TCP (or TLS) connection being set up */
  BurrowPeerConnection *peer;
} Expect;

struct _Punch
{
  Expect         *expect;        /* owner */
  GInetAddress   *local_ip;
  guint16         local_port;
  GSocketAddress *remote;
  guint           ttl;           /* first SYN's TTL; 0 = normal */
  GSocket        *socket;        /* the connect() in flight */
  GSource        *socket_source;
  PortListener   *listener;      /* shared listener on our hub port */
  guint           retry_id;
  guint           deadline_id;
  guint           n_tries;
  guint           n_refused;
  guint           n_unreachable;
  guint           n_other;
  guint           n_wrong_port;  /* the peer's SYN came from another port */
  guint16         seen_port;
};

struct _PortListener
{
  BurrowNatConnector *connector;
  gchar              *key;       /* "ip:port" */
  GSocket            *socket;
  GSource            *source;
  GList              *punches;   /* borrowed */
};

struct _BurrowNatConnector
{
  GObject             parent_instance;

  BurrowIdentity     *identity;
  GListStore         *attempts;
  GHashTable         *expects;        /* token → Expect */
  GHashTable         *listeners;      /* "ip:port" → PortListener */
  GHashTable         *ttl_cache;      /* peer ip → TtlCacheEntry */
  GPtrArray          *sessions;       /* BurrowAdcHubSession (ref) */
  GPtrArray          *uploads;        /* BurrowPeerConnection serving the peer */
  BurrowListener     *listener;       /* active mode */
  GPtrArray          *inbound;        /* Inbound (ref): connections to our port not yet identified */
  guint               inbound_timeout_ms;
  guint64             n_inbound_refused;
  gboolean            plain_only;     /* ask for ADC/1.0 even when TLS is possible */
  BurrowPeerSourceFunc source_func;
  BurrowPeerSlotFunc  slot_func;
  gpointer            source_data;
};

typedef struct
{
  guint  ttl;
  gint64 when;
} TtlCacheEntry;

enum {
  SIGNAL_ATTEMPT_FINISHED,
  SIGNAL_UPLOAD_CONNECTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowNatConnector, burrow_nat_connector, G_TYPE_OBJECT)

static void expect_fail        (Expect *e, gint code, const gchar *diagnosis);
static void expect_connected   (Expect *e, GSocketConnection *connection, BurrowPeerSide side,
                                gboolean tls_client);
static void punch_start        (Expect *e, guint16 remote_port);
static void punch_prepare      (Expect *e);
static void punch_free         (Punch *p);
static void port_listener_remove_punch (PortListener *l, Punch *p);
static gboolean on_peer_accept_certificate (GTlsConnection *conn, GTlsCertificate *peer_cert,
                                            GTlsCertificateFlags errors, gpointer data);

/* --- expects -------------------------------------------------------------------------- */

/* A BurrowPeerConnection completes its handshake from inside its own failure
 * handling and goes on using itself afterwards: the last reference to it must
 * not be dropped from that callback, only once the main loop is back. */
static void
unref_later (gpointer object)
{
  g_idle_add_once ((GSourceOnceFunc) g_object_unref, object);
}

static void
expect_free (Expect *e)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (e->cancellable);
  g_clear_handle_id (&e->timeout_id, g_source_remove);
  g_clear_pointer (&e->punch, punch_free);
  task = g_steal_pointer (&e->task);
  if (e->attempt != NULL)
    burrow_punch_attempt_finish (e->attempt, BURROW_PUNCH_RESULT_CANCELLED, _("Cancelled"));
  g_clear_object (&e->attempt);
  g_clear_object (&e->session);
  g_clear_object (&e->cancellable);
  /* the TLS handshake may outlive us (it holds the stream) */
  if (e->stream != NULL)
    g_signal_handlers_disconnect_matched (e->stream, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                          on_peer_accept_certificate, NULL);
  g_clear_object (&e->stream);
  if (e->peer != NULL)
    unref_later (g_steal_pointer (&e->peer));
  g_clear_pointer (&e->probe, burrow_path_probe_free);
  g_free (e->token);
  g_free (e->peer_cid);
  g_free (e->peer_nick);
  g_free (e->peer_ip);
  g_free (e->peer_keyprint);
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

static void
expect_set_task (Expect  *e,
                 GTask  **task)
{
  g_object_set_data_full (G_OBJECT (*task), "attempt", g_object_ref (e->attempt), g_object_unref);
  e->task = g_steal_pointer (task);
}

static Expect *
expect_new (BurrowNatConnector  *self,
            BurrowAdcHubSession *session,
            BurrowUser          *user,
            const gchar         *token,
            const gchar         *protocol,
            BurrowPunchRole      role,
            BurrowPunchMethod    method)
{
  Expect *e = g_new0 (Expect, 1);
  const gchar *hub = burrow_hub_session_get_uri (BURROW_HUB_SESSION (session));

  e->connector = self;
  e->token = g_strdup (token);
  e->session = g_object_ref (session);
  e->peer_sid = burrow_user_get_sid (user);
  e->peer_cid = g_strdup (burrow_user_get_cid (user));
  e->peer_nick = g_strdup (burrow_user_get_nick (user));
  e->peer_ip = g_strdup (burrow_user_get_ip4 (user));
  e->peer_keyprint = g_strdup (burrow_user_get_keyprint (user));
  e->protocol = g_strdup (protocol);
  e->role = role;
  e->cancellable = g_cancellable_new ();
  e->attempt = burrow_punch_attempt_new (method, role, hub, e->peer_nick, e->peer_cid, token, protocol);
  add_attempt (self, e->attempt);
  g_hash_table_insert (self->expects, e->token, e);
  return e;
}

/* Removes @e from the table and frees it (its task is already completed). */
static void
expect_drop (Expect *e)
{
  BurrowNatConnector *self = e->connector;

  g_signal_emit (self, signals[SIGNAL_ATTEMPT_FINISHED], 0, e->attempt);
  if (!g_hash_table_remove (self->expects, e->token))
    expect_free (e);
}

static void
expect_fail (Expect      *e,
             gint         code,
             const gchar *diagnosis)
{
  g_autoptr(GTask) task = g_steal_pointer (&e->task);

  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_FAILED, "%s", diagnosis);
  burrow_punch_attempt_finish (e->attempt, BURROW_PUNCH_RESULT_FAILED, diagnosis);
  e->state = EXPECT_DONE;
  expect_drop (e);
  /* last: the callback may run now and remove the session, and with it any expect */
  if (task != NULL)
    g_task_return_new_error (task, BURROW_NAT_ERROR, code, "%s", diagnosis);
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
      why = g_strdup_printf (_("%s did not answer our connection request (no CTM within %u s)"),
                             e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      break;
    case EXPECT_NAT:
      why = g_strdup_printf (_("%s did not answer our NAT traversal request (no NAT within %u s); "
                               "its client may not support NAT traversal"),
                             e->peer_nick, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
      break;
    case EXPECT_RNT:
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

/* --- sending requests ----------------------------------------------------------------- */

static gboolean
send_direct (Expect       *e,
             guint32       command,
             const gchar  *port,
             GError      **error)
{
  g_autoptr(BurrowAdcMessage) msg = NULL;
  guint32 me = burrow_adc_hub_session_get_sid (e->session);

  msg = burrow_adc_message_new_direct ('D', command, me, e->peer_sid);
  burrow_adc_message_add_param (msg, e->protocol);
  if (port != NULL)
    burrow_adc_message_add_param (msg, port);
  burrow_adc_message_add_param (msg, e->token);
  return burrow_adc_hub_session_send (e->session, msg, error);
}

static const gchar *
choose_protocol (BurrowNatConnector *self,
                 BurrowUser         *user)
{
  /* a published keyprint means the peer has a key to prove: ask for TLS */
  if (!self->plain_only && burrow_identity_get_certificate (self->identity) != NULL &&
      (burrow_user_supports_tls (user) || burrow_user_get_keyprint (user) != NULL))
    return PROTO_TLS;
  return PROTO_PLAIN;
}

static gboolean
protocol_is_tls (const gchar *protocol)
{
  return g_str_has_prefix (protocol, "ADCS/");
}

static gboolean
protocol_supported (BurrowNatConnector *self,
                    const gchar        *protocol)
{
  if (g_strcmp0 (protocol, PROTO_PLAIN) == 0)
    return TRUE;
  return (g_strcmp0 (protocol, PROTO_TLS) == 0 || g_strcmp0 (protocol, "ADCS/1.0") == 0) &&
         burrow_identity_get_certificate (self->identity) != NULL;
}

/* The peer's I4 as an address: only a numeric IPv4 address (never a name
 * for the resolver: a hub user chooses what its INF says). */
static GInetAddress *
peer_ipv4 (const gchar *text)
{
  g_autoptr(GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;

  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    return NULL;
  return g_steal_pointer (&address);
}

static void
expect_fail_bad_address (Expect *e)
{
  g_autofree gchar *why = g_strdup_printf (_("%s's address \"%s\" is not a numeric IPv4 address: "
                                             "not connecting"), e->peer_nick, e->peer_ip ? e->peer_ip : "");
  expect_fail (e, BURROW_NAT_ERROR_BAD_ADDRESS, why);
}

/* --- the path probe (for a low-TTL first SYN) ------------------------------------------- */

static GInetAddress *
hub_local_ip (Expect *e)
{
  const gchar *ip = burrow_hub_session_get_local_address (BURROW_HUB_SESSION (e->session));

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

  peer = peer_ipv4 (e->peer_ip);
  if (peer == NULL)
    return;
  local = hub_local_ip (e);
  e->probing = TRUE;
  burrow_path_probe_async (local, peer, e->cancellable, on_probe_done, e);
}

/* --- the punch ------------------------------------------------------------------------ */

static void
punch_free (Punch *p)
{
  g_clear_handle_id (&p->retry_id, g_source_remove);
  g_clear_handle_id (&p->deadline_id, g_source_remove);
  if (p->socket_source != NULL)
    {
      g_source_destroy (p->socket_source);
      g_clear_pointer (&p->socket_source, g_source_unref);
    }
  if (p->socket != NULL)
    {
      g_socket_close (p->socket, NULL);
      g_clear_object (&p->socket);
    }
  if (p->listener != NULL)
    port_listener_remove_punch (p->listener, p);
  g_clear_object (&p->local_ip);
  g_clear_object (&p->remote);
  g_free (p);
}

static const gchar *
errno_class (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return "refused";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return "unreachable";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return "timed out";
  return "error";
}

static void punch_try (Punch *p);

/* The ADC handshake is a few small messages each way: without TCP_NODELAY,
 * Nagle and delayed ACKs add ~40 ms stalls to every round (seen in the lab). */
static void
set_nodelay (GSocket *socket)
{
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/* The punch produced a TCP connection (ours or the listener's). */
static void
punch_succeeded (Punch   *p,
                 GSocket *socket)
{
  Expect *e = p->expect;
  g_autoptr(GSocketConnection) connection = NULL;
  gboolean tls_client = e->role == BURROW_PUNCH_ROLE_INITIATOR;

  set_nodelay (socket);
  connection = g_socket_connection_factory_create_connection (socket);
  if (socket == p->socket)
    burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED,
                                   "our connect() went through (try %u)", p->n_tries);
  else
    burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED,
                                   "through our listener (after %u connect() tries)", p->n_tries);
  if (p->socket == socket)
    g_clear_object (&p->socket); /* the connection owns it now */
  g_clear_pointer (&e->punch, punch_free);
  expect_connected (e, connection, BURROW_PEER_SIDE_NAT, tls_client);
}

static gboolean
punch_retry_cb (gpointer data)
{
  Punch *p = data;

  p->retry_id = 0;
  punch_try (p);
  return G_SOURCE_REMOVE;
}

static gboolean
on_punch_writable (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      data)
{
  Punch *p = data;
  Expect *e = p->expect;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&p->socket_source, g_source_unref);
  if (g_socket_check_connect_result (socket, &error))
    {
      punch_succeeded (p, socket);
      return G_SOURCE_REMOVE;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    p->n_refused++;
  else if (g_str_equal (errno_class (error), "unreachable"))
    p->n_unreachable++;
  else
    p->n_other++;
  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: %s (%s)",
                                 p->n_tries, errno_class (error), error->message);
  g_socket_close (socket, NULL);
  g_clear_object (&p->socket);
  p->retry_id = g_timeout_add (g_random_int_range (BURROW_NAT_RETRY_MIN_MS, BURROW_NAT_RETRY_MAX_MS),
                               punch_retry_cb, p);
  return G_SOURCE_REMOVE;
}

/* A TCP socket bound to our hub connection's address and port. Not with
 * g_socket_bind(): for TCP it switches SO_REUSEPORT off, and the hub socket,
 * the listener and the punch sockets can only share the port with it on. */
static GSocket *
reusable_socket (GInetAddress  *local_ip,
                 guint16        local_port,
                 GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  struct sockaddr_storage native;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  local = g_inet_socket_address_new (local_ip, local_port);
  if (!g_socket_address_to_native (local, &native, sizeof native, error))
    return NULL;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native,
            g_socket_address_get_native_size (local)) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "bind: %s", g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&socket);
}

static void
punch_try (Punch *p)
{
  Expect *e = p->expect;
  g_autoptr(GError) error = NULL;
  gboolean low = p->ttl > 0 && p->n_tries == 0;
  gint normal_ttl = 64;

  p->n_tries++;
  p->socket = reusable_socket (p->local_ip, p->local_port, &error);
  if (p->socket == NULL)
    {
      g_autofree gchar *why = g_strdup_printf (_("Cannot use our hub connection's port %u for NAT "
                                                 "traversal: %s"), p->local_port, error->message);
      expect_fail (e, BURROW_NAT_ERROR_BIND_FAILED, why);
      return;
    }

  if (low)
    {
      /* keep the socket alive when the low-TTL SYN's ICMP time-exceeded
       * comes back (the kernel ignores errors quoting a TTL below 2) */
      g_socket_set_option (p->socket, IPPROTO_IP, IP_MINTTL, 2, NULL);
      g_socket_get_option (p->socket, IPPROTO_IP, IP_TTL, &normal_ttl, NULL);
      g_socket_set_option (p->socket, IPPROTO_IP, IP_TTL, (gint) p->ttl, NULL);
    }

  if (g_socket_connect (p->socket, p->remote, NULL, &error))
    {
      if (low)
        g_socket_set_option (p->socket, IPPROTO_IP, IP_TTL, normal_ttl, NULL);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY,
                                     "try %u: connected at once", p->n_tries);
      punch_succeeded (p, p->socket);
      return;
    }
  if (low)
    g_socket_set_option (p->socket, IPPROTO_IP, IP_TTL, normal_ttl, NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      if (low)
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY,
                                       "try %u: SYN sent with TTL %u (then back to %d)",
                                       p->n_tries, p->ttl, normal_ttl);
      else
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY,
                                       "try %u: SYN sent", p->n_tries);
      p->socket_source = g_socket_create_source (p->socket, G_IO_OUT, NULL);
      g_source_set_callback (p->socket_source, (GSourceFunc) on_punch_writable, p, NULL);
      g_source_attach (p->socket_source, g_main_context_get_thread_default ());
      return;
    }

  /* EADDRNOTAVAIL: our listener already holds this very connection */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    p->n_refused++;
  else
    p->n_other++;
  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: %s (%s)",
                                 p->n_tries, errno_class (error), error->message);
  g_socket_close (p->socket, NULL);
  g_clear_object (&p->socket);
  p->retry_id = g_timeout_add (g_random_int_range (BURROW_NAT_RETRY_MIN_MS, BURROW_NAT_RETRY_MAX_MS),
                               punch_retry_cb, p);
}

/* No technique got through in the window: say why, from what we saw. */
static gboolean
punch_deadline_cb (gpointer data)
{
  Punch *p = data;
  Expect *e = p->expect;
  g_autofree gchar *why = NULL;
  gint code = BURROW_NAT_ERROR_TIMED_OUT;

  p->deadline_id = 0;
  if (p->n_wrong_port > 0)
    {
      why = g_strdup_printf (_("%s's router changed the port: it announced %u but its packets came "
                               "from port %u. Its router gives every connection a new port "
                               "(symmetric NAT), so NAT traversal cannot connect you; one of you "
                               "needs an open port (active mode)."),
                             e->peer_nick, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (p->remote)),
                             p->seen_port);
      code = BURROW_NAT_ERROR_SYMMETRIC;
    }
  else if (p->n_refused > 0 && p->n_refused >= p->n_tries - 1)
    {
      why = g_strdup_printf (_("Every attempt was refused (%u RST answers): a router or firewall "
                               "between you and %s answers unsolicited connections with a reset "
                               "and none of our packets got through."),
                             p->n_refused, e->peer_nick);
      code = BURROW_NAT_ERROR_REFUSED;
    }
  else if (p->n_unreachable > 0 && p->n_unreachable >= p->n_tries - 1)
    {
      why = g_strdup_printf (_("%s's address %s is unreachable from here (ICMP unreachable)."),
                             e->peer_nick, e->peer_ip);
      code = BURROW_NAT_ERROR_UNREACHABLE;
    }
  else
    {
      why = g_strdup_printf (_("No packet from %s reached us and ours were neither answered nor "
                               "refused within %.1f s. The usual cause is a router that does not "
                               "keep the port it announced (symmetric or carrier-grade NAT) on "
                               "one side, or a firewall that drops everything; NAT traversal "
                               "cannot connect you; one of you needs an open port (active mode)."),
                             e->peer_nick, BURROW_NAT_PUNCH_WINDOW_MS / 1000.0);
      code = BURROW_NAT_ERROR_SYMMETRIC;
    }

  g_clear_pointer (&e->punch, punch_free);
  expect_fail (e, code, why);
  return G_SOURCE_REMOVE;
}

/* --- listening on the hub port ------------------------------------------------------- */

static void
port_listener_free (PortListener *l)
{
  if (l->source != NULL)
    {
      g_source_destroy (l->source);
      g_clear_pointer (&l->source, g_source_unref);
    }
  if (l->socket != NULL)
    g_socket_close (l->socket, NULL);
  g_clear_object (&l->socket);
  g_list_free (l->punches);
  g_free (l->key);
  g_free (l);
}

static void
port_listener_remove_punch (PortListener *l,
                            Punch        *p)
{
  l->punches = g_list_remove (l->punches, p);
  p->listener = NULL;
  if (l->punches == NULL)
    g_hash_table_remove (l->connector->listeners, l->key);
}

static gboolean
on_listener_readable (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      data)
{
  PortListener *l = data;

  for (;;)
    {
      g_autoptr(GSocket) accepted = g_socket_accept (socket, NULL, NULL);
      g_autoptr(GSocketAddress) from = NULL;
      GInetAddress *from_ip;
      gboolean taken = FALSE;

      if (accepted == NULL)
        break;
      from = g_socket_get_remote_address (accepted, NULL);
      if (!G_IS_INET_SOCKET_ADDRESS (from))
        continue;
      from_ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from));

      /* only a peer we are punching towards; anyone else is closed at once */
      for (GList *it = l->punches; it != NULL && !taken; it = it->next)
        {
          Punch *p = it->data;
          GInetAddress *want = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (p->remote));
          guint16 want_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (p->remote));
          guint16 got_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from));

          if (!g_inet_address_equal (want, from_ip))
            continue;
          taken = TRUE;
          if (want_port != 0 && got_port != want_port)
            {
              p->n_wrong_port++;
              p->seen_port = got_port;
            }
          burrow_punch_attempt_add_step (p->expect->attempt, BURROW_PUNCH_STEP_ACCEPTED,
                                         "the peer's SYN came in on our listener from port %u%s",
                                         got_port,
                                         want_port != 0 && got_port != want_port
                                           ? " (not the announced port)" : "");
          g_socket_set_blocking (accepted, FALSE);
          punch_succeeded (p, accepted);
          break; /* l may be gone now */
        }
      if (taken)
        return G_SOURCE_CONTINUE;
      g_socket_close (accepted, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
punch_listen (Punch *p)
{
  BurrowNatConnector *self = p->expect->connector;
  g_autofree gchar *ip = g_inet_address_to_string (p->local_ip);
  g_autofree gchar *key = g_strdup_printf ("%s:%u", ip, p->local_port);
  PortListener *l = g_hash_table_lookup (self->listeners, key);
  g_autoptr(GError) error = NULL;

  if (l == NULL)
    {
      g_autoptr(GSocket) socket = reusable_socket (p->local_ip, p->local_port, &error);

      if (socket == NULL || !g_socket_listen (socket, &error))
        {
          burrow_punch_attempt_add_step (p->expect->attempt, BURROW_PUNCH_STEP_NOTE,
                                         "cannot listen on port %u: %s", p->local_port, error->message);
          return;
        }
      l = g_new0 (PortListener, 1);
      l->connector = self;
      l->key = g_steal_pointer (&key);
      l->socket = g_steal_pointer (&socket);
      l->source = g_socket_create_source (l->socket, G_IO_IN, NULL);
      g_source_set_callback (l->source, (GSourceFunc) on_listener_readable, l, NULL);
      g_source_attach (l->source, g_main_context_get_thread_default ());
      g_hash_table_insert (self->listeners, l->key, l);
    }

  l->punches = g_list_prepend (l->punches, p);
  p->listener = l;
  burrow_punch_attempt_add_step (p->expect->attempt, BURROW_PUNCH_STEP_LISTENING,
                                 "listening on %s:%u for the peer", ip, p->local_port);
}

/* Creates the punch and listens on our hub port for the peer's address,
 * before we know its port: a responder does this as soon as it sends NAT, so
 * that a full-cone router which hands the initiator's first SYN straight to
 * us finds a listener instead of answering with RST. */
static void
punch_prepare (Expect *e)
{
  g_autoptr(GInetAddress) peer = peer_ipv4 (e->peer_ip);
  Punch *p;

  if (e->punch != NULL || peer == NULL)
    return;
  p = g_new0 (Punch, 1);
  p->expect = e;
  p->local_ip = hub_local_ip (e);
  p->local_port = burrow_hub_session_get_local_port (BURROW_HUB_SESSION (e->session));
  p->remote = g_inet_socket_address_new (peer, 0);
  e->punch = p;
  punch_listen (p);
}

static void
punch_start (Expect  *e,
             guint16  remote_port)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (e->session);
  g_autoptr(GInetAddress) peer = peer_ipv4 (e->peer_ip);
  g_autofree gchar *local_text = NULL;
  g_autofree gchar *remote_text = NULL;
  Punch *p;

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

  if (e->punch == NULL)
    punch_prepare (e);
  p = e->punch;
  g_clear_object (&p->remote);
  p->remote = g_inet_socket_address_new (peer, remote_port);

  /* Only the side that starts first (the RCM sender) sends a low-TTL first
   * SYN. The responder starts after RNT, when the initiator's SYN has already
   * opened the initiator's own mapping, so a normal SYN gets through at once;
   * a low one would only wait for its own retransmission (measured against
   * eiskaltdcpp: ~1 s instead of ~60 ms). */
  if (e->probe != NULL && e->probe->ttl > 0 && e->role == BURROW_PUNCH_ROLE_INITIATOR)
    p->ttl = e->probe->ttl;

  local_text = g_strdup_printf ("%s:%u", burrow_hub_session_get_local_address (session), p->local_port);
  remote_text = g_strdup_printf ("%s:%u", e->peer_ip, remote_port);
  burrow_punch_attempt_set_local (e->attempt, local_text);
  burrow_punch_attempt_set_remote (e->attempt, remote_text);
  e->state = EXPECT_CONNECTING;
  g_clear_handle_id (&e->timeout_id, g_source_remove);

  p->deadline_id = g_timeout_add (BURROW_NAT_PUNCH_WINDOW_MS, punch_deadline_cb, p);

  /* The initiator connects first (its first SYN opens its own NAT) and then
   * tells the peer to start (RNT), as DC++ does. punch_try() may finish the
   * expect at once, so nothing touches it afterwards unless it is still ours. */
  if (e->role == BURROW_PUNCH_ROLE_INITIATOR)
    {
      BurrowNatConnector *self = e->connector;
      g_autofree gchar *token = g_strdup (e->token);
      g_autofree gchar *our_port = g_strdup_printf ("%u", p->local_port);

      punch_try (p);
      e = g_hash_table_lookup (self->expects, token);
      if (e != NULL && e->state == EXPECT_CONNECTING &&
          send_direct (e, BURROW_ADC_CMD_RNT, our_port, NULL))
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_RNT_SENT, "RNT %s %s",
                                       e->protocol, our_port);
      return;
    }
  punch_try (p);
}

/* --- after TCP: TLS, SUP/INF ----------------------------------------------------------- */

static gboolean
keyprint_matches (const gchar     *published,
                  GTlsCertificate *peer_cert)
{
  g_autofree gchar *kp = NULL;

  if (peer_cert == NULL)
    return FALSE;
  kp = burrow_tls_certificate_keyprint (peer_cert);
  if (published == NULL)
    return TRUE; /* the peer published none: nothing to pin (as DC++ with untrusted peers) */
  return burrow_tls_keyprint_equal (kp, published);
}

static gboolean
keyprint_acceptable (Expect          *e,
                     GTlsCertificate *peer_cert)
{
  return keyprint_matches (e->peer_keyprint, peer_cert);
}

/* Runs on the handshake's thread when the main context is not running (GIO
 * invokes it there), so it may race with the expect's end: its data is its
 * own copy of the published keyprint, never the expect. */
static gboolean
on_peer_accept_certificate (GTlsConnection       *conn,
                            GTlsCertificate      *peer_cert,
                            GTlsCertificateFlags  errors,
                            gpointer              data)
{
  return keyprint_matches (data, peer_cert);
}

static void on_peer_closed (BurrowPeerConnection *peer, gpointer data);

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Expect *e = data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree gchar *why = NULL;

  if (!burrow_peer_connection_handshake_finish (peer, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      why = g_strdup_printf (_("The connection to %s was made, but the ADC handshake failed: %s"),
                             e->peer_nick, error->message);
      expect_fail (e, BURROW_NAT_ERROR_FAILED, why);
      return;
    }

  if (e->peer_cid != NULL && g_strcmp0 (burrow_peer_connection_get_peer_cid (peer), e->peer_cid) != 0)
    {
      why = g_strdup_printf (_("The peer that answered is not %s (its CID differs)"), e->peer_nick);
      expect_fail (e, BURROW_NAT_ERROR_FAILED, why);
      return;
    }

  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_PEER_INF, "peer %s identified",
                                 burrow_peer_connection_get_peer_cid (peer));
  burrow_punch_attempt_finish (e->attempt, BURROW_PUNCH_RESULT_CONNECTED, _("Connected"));
  e->state = EXPECT_DONE;

  task = g_steal_pointer (&e->task);
  if (task == NULL)
    {
      /* the peer wanted this connection: it will ask us for files */
      burrow_peer_connection_set_source_func (peer, e->connector->source_func,
                                              e->connector->slot_func, e->connector->source_data);
      g_ptr_array_add (e->connector->uploads, g_object_ref (peer));
      g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), e->connector);
      g_signal_emit (e->connector, signals[SIGNAL_UPLOAD_CONNECTION], 0, peer, e->attempt);
    }
  expect_drop (e);
  /* last: the callback may remove the session, and with it any expect */
  if (task != NULL)
    g_task_return_pointer (task, g_object_ref (peer), g_object_unref);
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
    unref_later (g_ptr_array_steal_index (self->uploads, i));
}

static gboolean
accepting_token_func (BurrowPeerConnection *peer,
                      const gchar          *token,
                      const gchar          *cid,
                      gpointer              data)
{
  Expect *e = data;

  return g_strcmp0 (token, e->token) == 0 && g_strcmp0 (cid, e->peer_cid) == 0;
}

static void
start_peer_handshake (Expect         *e,
                      BurrowPeerSide  side)
{
  e->peer = burrow_peer_connection_new (e->stream, side, e->connector->identity, e->token);
  if (side == BURROW_PEER_SIDE_ACCEPTING)
    burrow_peer_connection_set_token_func (e->peer, accepting_token_func, e);
  burrow_peer_connection_handshake_async (e->peer, e->cancellable, on_handshake_done, e);
}

typedef struct
{
  Expect         *expect;
  BurrowPeerSide  side;
} TlsStep;

static void
on_tls_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autofree TlsStep *step = data;
  Expect *e = step->expect;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *why = NULL;
  GTlsConnection *tls = G_TLS_CONNECTION (source);

  if (!g_tls_connection_handshake_finish (tls, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_signal_handlers_disconnect_matched (tls, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            on_peer_accept_certificate, NULL);
      if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        {
          why = g_strdup_printf (_("%s's certificate does not match the keyprint it published on "
                                   "the hub"), e->peer_nick);
          expect_fail (e, BURROW_NAT_ERROR_KEYPRINT_MISMATCH, why);
          return;
        }
      why = g_strdup_printf (_("TLS with %s failed: %s"), e->peer_nick, error->message);
      expect_fail (e, BURROW_NAT_ERROR_FAILED, why);
      return;
    }

  /* the key is checked once more below */
  g_signal_handlers_disconnect_matched (tls, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        on_peer_accept_certificate, NULL);

  /* accept-certificate does not run for a certificate that validates normally */
  if (!keyprint_acceptable (e, g_tls_connection_get_peer_certificate (tls)))
    {
      why = g_strdup_printf (_("%s's certificate does not match the keyprint it published on the hub"),
                             e->peer_nick);
      expect_fail (e, BURROW_NAT_ERROR_KEYPRINT_MISMATCH, why);
      return;
    }

  {
    g_autofree gchar *cipher = g_tls_connection_get_ciphersuite_name (tls);

    burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_TLS_DONE, "%s as %s, %s",
                                   g_tls_connection_get_protocol_version (tls) == G_TLS_PROTOCOL_VERSION_TLS_1_3
                                     ? "TLS 1.3" : "TLS 1.2",
                                   G_IS_TLS_CLIENT_CONNECTION (tls) ? "client" : "server",
                                   cipher ? cipher : "?");
  }
  start_peer_handshake (e, step->side);
}

static void
expect_connected (Expect            *e,
                  GSocketConnection *connection,
                  BurrowPeerSide     side,
                  gboolean           tls_client)
{
  BurrowNatConnector *self = e->connector;
  g_autoptr(GError) error = NULL;
  GIOStream *tls = NULL;
  TlsStep *step;

  e->state = EXPECT_CONNECTING;
  expect_arm_timeout (e, BURROW_PEER_HANDSHAKE_TIMEOUT_MS);

  if (g_strcmp0 (e->protocol, PROTO_PLAIN) == 0)
    {
      e->stream = G_IO_STREAM (g_object_ref (connection));
      start_peer_handshake (e, side);
      return;
    }

  if (tls_client)
    {
      g_autoptr(GIOStream) buffered = burrow_buffered_io_stream_new (G_IO_STREAM (connection));

      tls = g_tls_client_connection_new (buffered, NULL, &error);
      if (tls != NULL)
        g_tls_connection_set_certificate (G_TLS_CONNECTION (tls),
                                          burrow_identity_get_certificate (self->identity));
    }
  else
    {
      g_autoptr(GIOStream) buffered = burrow_buffered_io_stream_new (G_IO_STREAM (connection));

      tls = g_tls_server_connection_new (buffered, burrow_identity_get_certificate (self->identity),
                                         &error);
      if (tls != NULL)
        g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED, NULL);
    }
  if (tls == NULL)
    {
      g_autofree gchar *why = g_strdup_printf (_("TLS is not available: %s"), error->message);
      expect_fail (e, BURROW_NAT_ERROR_FAILED, why);
      return;
    }

  e->stream = tls;
  /* peers are identified by keyprint, never by a CA: skip loading the system
   * trust store (tens of ms per handshake) */
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  g_signal_connect_data (tls, "accept-certificate", G_CALLBACK (on_peer_accept_certificate),
                         g_strdup (e->peer_keyprint), (GClosureNotify) g_free, 0);
  step = g_new0 (TlsStep, 1);
  step->expect = e;
  step->side = side;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, e->cancellable,
                                    on_tls_done, step);
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

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "%s (%s)",
                                     errno_class (error), error->message);
      why = g_strdup_printf (_("Cannot connect to %s at %s: %s"), e->peer_nick,
                             burrow_punch_attempt_get_remote (e->attempt), error->message);
      expect_fail (e, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
                        ? BURROW_NAT_ERROR_REFUSED : BURROW_NAT_ERROR_FAILED, why);
      return;
    }

  set_nodelay (g_socket_connection_get_socket (connection));
  /* the client's timeout bounded the connect; left on the socket, it would fail every read
   * of a connection that idles that long (a pooled download connection, an upload between
   * requests) with G_IO_ERROR_TIMED_OUT */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);
  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED, "connected");
  {
    g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
    if (G_IS_INET_SOCKET_ADDRESS (local))
      {
        g_autofree gchar *ip = g_inet_address_to_string (
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
        g_autofree gchar *text = g_strdup_printf ("%s:%u", ip,
          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
        burrow_punch_attempt_set_local (e->attempt, text);
      }
  }
  expect_connected (e, connection, BURROW_PEER_SIDE_CONNECTING, TRUE);
}

static void
connect_directly (Expect  *e,
                  guint16  port)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GInetAddress) peer = peer_ipv4 (e->peer_ip);
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree gchar *remote = NULL;

  if (peer == NULL)
    {
      expect_fail_bad_address (e);
      return;
    }
  client = g_socket_client_new ();
  address = g_inet_socket_address_new (peer, port);
  remote = g_strdup_printf ("%s:%u", e->peer_ip, port);
  burrow_punch_attempt_set_remote (e->attempt, remote);
  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "connecting to %s", remote);
  e->state = EXPECT_CONNECTING;
  expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
  g_socket_client_set_timeout (client, BURROW_NAT_REQUEST_TIMEOUT_MS / 1000);
  g_socket_client_set_enable_proxy (client, FALSE); /* a peer is reached directly */
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), e->cancellable,
                                 on_direct_connected, e);
}

/* --- incoming connections on our listener (active mode) --------------------------------- */

/*
 * An inbound connection is nobody's until its CINF names an expect's token:
 * until then it is an Inbound, counted against BURROW_NAT_MAX_UNIDENTIFIED
 * (and per source address), and each stage — the first byte, the TLS
 * handshake, SUP/INF — has inbound_timeout_ms. A stage that runs out shuts
 * the socket down, which ends whatever is reading it.
 *
 * An Inbound is reference counted: the connector's list holds one reference
 * while it counts; each async step in flight holds one. A step that comes
 * back to an Inbound the connector let go of (connector NULL) only releases.
 */

typedef enum
{
  INBOUND_PEEK,   /* waiting for the first byte (0x16 = TLS) */
  INBOUND_TLS,
  INBOUND_ADC,    /* SUP/INF until the token is known */
} InboundStage;

typedef struct
{
  BurrowNatConnector   *connector;   /* NULL once let go of */
  GSocketConnection    *connection;
  gchar                *address;     /* the source address */
  InboundStage          stage;
  gboolean              identified;  /* its token named an expect: no longer counted */
  GSource              *source;      /* INBOUND_PEEK */
  GCancellable         *cancellable;
  GIOStream            *tls;         /* INBOUND_TLS and later, on TLS connections */
  BurrowPeerConnection *peer;        /* INBOUND_ADC */
  guint                 timeout_id;
} Inbound;

static void
inbound_clear (gpointer data)
{
  Inbound *in = data;

  g_assert (in->source == NULL && in->timeout_id == 0);
  g_clear_object (&in->connection);
  g_clear_object (&in->cancellable);
  g_clear_object (&in->tls);
  g_clear_object (&in->peer);
  g_free (in->address);
}

static Inbound *
inbound_ref (Inbound *in)
{
  return g_rc_box_acquire (in);
}

static void
inbound_unref (Inbound *in)
{
  g_rc_box_release_full (in, inbound_clear);
}

/* From the SUP/INF callback: the peer connection may still be running its
 * own failure handling (see unref_later()). */
static void
inbound_unref_later (Inbound *in)
{
  g_idle_add_once ((GSourceOnceFunc) inbound_unref, in);
}

/* Lets @in go: not counted any more, no timer; when @kill, the socket is
 * shut down so that a TLS or SUP/INF step still reading it ends. */
static void
inbound_detach (Inbound  *in,
                gboolean  kill)
{
  BurrowNatConnector *self = in->connector;

  if (self == NULL)
    return;
  in->connector = NULL;
  g_clear_handle_id (&in->timeout_id, g_source_remove);
  if (in->source != NULL)
    {
      g_source_destroy (in->source);
      g_clear_pointer (&in->source, g_source_unref);
    }
  if (kill)
    {
      g_cancellable_cancel (in->cancellable);
      g_socket_shutdown (g_socket_connection_get_socket (in->connection), TRUE, TRUE, NULL);
    }
  if (g_ptr_array_remove (self->inbound, in))
    inbound_unref (in);
}

static const gchar *
inbound_stage_name (InboundStage stage)
{
  switch (stage)
    {
    case INBOUND_PEEK: return "first byte";
    case INBOUND_TLS:  return "TLS handshake";
    case INBOUND_ADC:
    default:           return "SUP/INF";
    }
}

static gboolean
inbound_timeout_cb (gpointer data)
{
  Inbound *in = data;

  in->timeout_id = 0;
  g_debug ("inbound connection from %s: no %s within %u ms, closed", in->address,
           inbound_stage_name (in->stage), in->connector->inbound_timeout_ms);
  inbound_detach (in, TRUE);
  return G_SOURCE_REMOVE;
}

static void
inbound_set_stage (Inbound      *in,
                   InboundStage  stage)
{
  in->stage = stage;
  g_clear_handle_id (&in->timeout_id, g_source_remove);
  in->timeout_id = g_timeout_add (in->connector->inbound_timeout_ms, inbound_timeout_cb, in);
}

/* Until CINF arrives we do not know which expect this is: a throwaway one
 * that the token function swaps for the real one. The connection must be
 * what the expect asked for: TLS (with the published key) for ADCS, plain
 * for ADC — never less than that, whoever knows the token and CID. */
static gboolean
incoming_token_func (BurrowPeerConnection *peer,
                     const gchar          *token,
                     const gchar          *cid,
                     gpointer              data)
{
  Inbound *in = data;
  BurrowNatConnector *self = in->connector;
  Expect *e;
  gboolean tls = in->tls != NULL;

  if (self == NULL)
    return FALSE;
  e = g_hash_table_lookup (self->expects, token);
  if (e == NULL || e->state != EXPECT_INCOMING || g_strcmp0 (cid, e->peer_cid) != 0)
    return FALSE;

  if (tls != protocol_is_tls (e->protocol))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s used %s instead of %s, the protocol we asked "
                                                 "for: connection refused"),
                                               e->peer_nick, tls ? PROTO_TLS : PROTO_PLAIN, e->protocol);
      expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
      return FALSE;
    }
  if (tls && !keyprint_acceptable (e, g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (in->tls))))
    {
      g_autofree gchar *why = g_strdup_printf (_("%s's certificate does not match the keyprint it "
                                                 "published on the hub"), e->peer_nick);
      expect_fail (e, BURROW_NAT_ERROR_KEYPRINT_MISMATCH, why);
      return FALSE;
    }

  /* identified: the expect's own timeout takes over */
  in->identified = TRUE;
  g_clear_handle_id (&in->timeout_id, g_source_remove);
  e->state = EXPECT_CONNECTING;
  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_ACCEPTED,
                                 "the peer connected to our port with our token");
  return TRUE;
}

static void
on_incoming_handshake (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  Inbound *in = data;
  BurrowNatConnector *self = in->connector;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  Expect *e;

  if (!burrow_peer_connection_handshake_finish (peer, result, &error))
    {
      g_debug ("incoming connection from %s dropped: %s", in->address, error->message);
      burrow_peer_connection_close (peer);
      inbound_detach (in, TRUE);
      inbound_unref_later (in);
      return;
    }
  if (self == NULL)
    {
      burrow_peer_connection_close (peer);
      inbound_unref_later (in);
      return;
    }
  inbound_detach (in, FALSE);

  e = g_hash_table_lookup (self->expects, burrow_peer_connection_get_token (peer));
  if (e != NULL)
    {
      GIOStream *stream = in->tls ? in->tls : G_IO_STREAM (in->connection);
      gint64 *accepted_at = g_object_get_data (G_OBJECT (in->connection), "accepted-at");
      gint64 *tls_at = in->tls ? g_object_get_data (G_OBJECT (in->tls), "tls-done-at") : NULL;

      /* the connection came to our port before we knew whose it was */
      if (accepted_at != NULL)
        burrow_punch_attempt_add_step_at (e->attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED, *accepted_at,
                                          "the peer connected to our port %u",
                                          burrow_nat_connector_get_port (self));
      if (tls_at != NULL)
        {
          g_autofree gchar *cipher = g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (stream));
          burrow_punch_attempt_add_step_at (e->attempt, BURROW_PUNCH_STEP_TLS_DONE, *tls_at,
                                            "TLS as server, %s", cipher ? cipher : "?");
        }
      g_clear_object (&e->peer);
      e->peer = g_object_ref (peer);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_PEER_INF, "peer %s identified",
                                     burrow_peer_connection_get_peer_cid (peer));
      burrow_punch_attempt_finish (e->attempt, BURROW_PUNCH_RESULT_CONNECTED, _("Connected"));
      e->state = EXPECT_DONE;
      task = g_steal_pointer (&e->task);
      if (task == NULL)
        {
          burrow_peer_connection_set_source_func (peer, self->source_func, self->slot_func,
                                                  self->source_data);
          g_ptr_array_add (self->uploads, g_object_ref (peer));
          g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), self);
          g_signal_emit (self, signals[SIGNAL_UPLOAD_CONNECTION], 0, peer, e->attempt);
        }
      expect_drop (e);
      /* last: the callback may remove the session, and with it any expect */
      if (task != NULL)
        g_task_return_pointer (task, g_object_ref (peer), g_object_unref);
    }
  else
    burrow_peer_connection_close (peer); /* its expect ended meanwhile */
  inbound_unref_later (in);
}

static void
start_incoming (Inbound   *in,
                GIOStream *stream)
{
  BurrowNatConnector *self = in->connector;

  in->peer = burrow_peer_connection_new (stream, BURROW_PEER_SIDE_ACCEPTING, self->identity, NULL);
  burrow_peer_connection_set_token_func (in->peer, incoming_token_func, in);
  inbound_set_stage (in, INBOUND_ADC);
  burrow_peer_connection_handshake_async (in->peer, NULL, on_incoming_handshake, inbound_ref (in));
}

static void
on_incoming_tls_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  Inbound *in = data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      g_debug ("incoming TLS from %s failed: %s", in->address, error->message);
      inbound_detach (in, TRUE);
    }
  else if (in->connector != NULL)
    {
      g_object_set_data_full (source, "tls-done-at",
                              g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)), g_free);
      start_incoming (in, G_IO_STREAM (source));
    }
  inbound_unref (in);
}

static gboolean
accept_any_certificate (GTlsConnection       *conn,
                        GTlsCertificate      *peer_cert,
                        GTlsCertificateFlags  errors,
                        gpointer              data)
{
  /* checked against the peer's KP once its INF names it */
  return TRUE;
}

static gboolean
on_incoming_readable (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      data)
{
  Inbound *in = data;
  BurrowNatConnector *self = in->connector;
  guint8 first = 0;
  gssize n;

  n = recv (g_socket_get_fd (socket), &first, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&in->source, g_source_unref);

  if (n == 1 && first == 0x16 && burrow_identity_get_certificate (self->identity) != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GIOStream) buffered = burrow_buffered_io_stream_new (G_IO_STREAM (in->connection));

      in->tls = g_tls_server_connection_new (buffered, burrow_identity_get_certificate (self->identity),
                                             &error);
      if (in->tls == NULL)
        {
          g_debug ("incoming TLS from %s: %s", in->address, error->message);
          inbound_detach (in, TRUE);
          return G_SOURCE_REMOVE;
        }
      g_object_set (in->tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED, NULL);
      g_tls_connection_set_database (G_TLS_CONNECTION (in->tls), NULL);
      /* connected to a stream only this Inbound holds: no expect is referenced */
      g_signal_connect (in->tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      inbound_set_stage (in, INBOUND_TLS);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (in->tls), G_PRIORITY_DEFAULT, in->cancellable,
                                        on_incoming_tls_done, inbound_ref (in));
    }
  else if (n == 1)
    start_incoming (in, G_IO_STREAM (in->connection));
  else
    inbound_detach (in, TRUE); /* closed before saying anything */
  return G_SOURCE_REMOVE;
}

static guint
count_unidentified (BurrowNatConnector *self,
                    const gchar        *address)
{
  guint n = 0;

  for (guint i = 0; i < self->inbound->len; i++)
    {
      Inbound *in = g_ptr_array_index (self->inbound, i);

      if (!in->identified && (address == NULL || g_strcmp0 (in->address, address) == 0))
        n++;
    }
  return n;
}

static void
on_listener_incoming (BurrowListener    *listener,
                      GSocketConnection *connection,
                      BurrowNatConnector *self)
{
  g_autoptr(GSocketAddress) from = g_socket_connection_get_remote_address (connection, NULL);
  g_autofree gchar *address = NULL;
  Inbound *in;

  if (G_IS_INET_SOCKET_ADDRESS (from))
    address = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)));
  else
    address = g_strdup ("?");

  if (count_unidentified (self, NULL) >= BURROW_NAT_MAX_UNIDENTIFIED ||
      count_unidentified (self, address) >= BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS)
    {
      self->n_inbound_refused++;
      g_debug ("inbound connection from %s refused: %u connections not yet identified (%u from "
               "there); %" G_GUINT64_FORMAT " refused so far",
               address, count_unidentified (self, NULL), count_unidentified (self, address),
               self->n_inbound_refused);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  /* wait for the first byte to tell TLS (0x16) from plain ADC */
  in = g_rc_box_new0 (Inbound);
  in->connector = self;
  in->connection = g_object_ref (connection);
  in->address = g_steal_pointer (&address);
  in->cancellable = g_cancellable_new ();
  g_ptr_array_add (self->inbound, in);
  set_nodelay (g_socket_connection_get_socket (connection));
  g_object_set_data_full (G_OBJECT (connection), "accepted-at",
                          g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)), g_free);
  in->source = g_socket_create_source (g_socket_connection_get_socket (connection), G_IO_IN, NULL);
  g_source_set_callback (in->source, (GSourceFunc) on_incoming_readable, in, NULL);
  g_source_attach (in->source, g_main_context_get_thread_default ());
  inbound_set_stage (in, INBOUND_PEEK);
}
/* --- requests from peers (via the hub) --------------------------------------------------- */

static guint
count_incoming (BurrowNatConnector *self,
                const gchar        *cid)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Expect *e = value;
      if (e->role == BURROW_PUNCH_ROLE_RESPONDER && (cid == NULL || g_strcmp0 (e->peer_cid, cid) == 0))
        n++;
    }
  return n;
}

static void
send_protocol_unsupported (BurrowAdcHubSession *session,
                           BurrowUser          *user,
                           const gchar         *protocol,
                           const gchar         *token)
{
  g_autoptr(BurrowAdcMessage) sta = NULL;

  sta = burrow_adc_message_new_direct ('D', BURROW_ADC_CMD_STA, burrow_adc_hub_session_get_sid (session),
                                       burrow_user_get_sid (user));
  burrow_adc_message_add_param (sta, "141");
  burrow_adc_message_add_param (sta, "Protocol unknown");
  burrow_adc_message_add_named (sta, "PR", protocol);
  burrow_adc_message_add_named (sta, "TO", token);
  burrow_adc_hub_session_send (session, sta, NULL);
}

static void
on_session_command (BurrowAdcHubSession *session,
                    BurrowAdcMessage    *msg,
                    BurrowNatConnector  *self)
{
  guint32 cmd = burrow_adc_message_get_command (msg);
  BurrowUser *user;
  const gchar *protocol;
  const gchar *token;
  const gchar *port_text;
  guint64 port = 0;
  Expect *e;
  gboolean active = self->listener != NULL && burrow_listener_is_running (self->listener);

  if (burrow_adc_message_get_type_char (msg) != 'D' && burrow_adc_message_get_type_char (msg) != 'E')
    return;
  if (burrow_adc_message_get_target (msg) != burrow_adc_hub_session_get_sid (session))
    return;
  user = burrow_hub_session_lookup_sid (BURROW_HUB_SESSION (session), burrow_adc_message_get_sid (msg));
  if (user == NULL || burrow_user_get_cid (user) == NULL)
    return;

  switch (cmd)
    {
    case BURROW_ADC_CMD_CTM:   /* proto port token */
    case BURROW_ADC_CMD_NAT:   /* proto port token */
    case BURROW_ADC_CMD_RNT:   /* proto port token */
      protocol = burrow_adc_message_get_param (msg, 0);
      port_text = burrow_adc_message_get_param (msg, 1);
      token = burrow_adc_message_get_param (msg, 2);
      if (protocol == NULL || token == NULL || port_text == NULL ||
          !g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
        return;
      break;
    case BURROW_ADC_CMD_RCM:   /* proto token */
      protocol = burrow_adc_message_get_param (msg, 0);
      token = burrow_adc_message_get_param (msg, 1);
      if (protocol == NULL || token == NULL)
        return;
      break;
    case BURROW_ADC_CMD_STA:
      token = burrow_adc_message_get_named (msg, "TO");
      e = token ? g_hash_table_lookup (self->expects, token) : NULL;
      if (e != NULL && e->state != EXPECT_CONNECTING && e->state != EXPECT_DONE &&
          g_strcmp0 (e->peer_cid, burrow_user_get_cid (user)) == 0)
        {
          g_autofree gchar *why = g_strdup_printf (_("%s refused the connection: %s"), e->peer_nick,
                                                   burrow_adc_message_get_param (msg, 1));
          expect_fail (e, BURROW_NAT_ERROR_UNSUPPORTED, why);
        }
      return;
    default:
      return;
    }

  if (strlen (token) > 64)
    return;
  e = g_hash_table_lookup (self->expects, token);

  if (e != NULL)
    {
      gboolean answer = (cmd == BURROW_ADC_CMD_CTM && e->state == EXPECT_CTM) ||
                        (cmd == BURROW_ADC_CMD_NAT && e->state == EXPECT_NAT) ||
                        (cmd == BURROW_ADC_CMD_RNT && e->state == EXPECT_RNT);

      /* an answer to something we (or the peer) started */
      if (g_strcmp0 (e->peer_cid, burrow_user_get_cid (user)) != 0 || !answer)
        return;

      burrow_punch_attempt_add_step (e->attempt,
                                     cmd == BURROW_ADC_CMD_CTM ? BURROW_PUNCH_STEP_REQUEST_RECEIVED :
                                     cmd == BURROW_ADC_CMD_NAT ? BURROW_PUNCH_STEP_NAT_RECEIVED :
                                                                 BURROW_PUNCH_STEP_RNT_RECEIVED,
                                     "%s %s %" G_GUINT64_FORMAT,
                                     cmd == BURROW_ADC_CMD_CTM ? "CTM" :
                                     cmd == BURROW_ADC_CMD_NAT ? "NAT" : "RNT", protocol, port);
      /* the protocol asked for is the protocol required: an answer must not
       * switch ADCS to plain ADC (nor the other way round) */
      if (!protocol_supported (self, protocol) || protocol_is_tls (protocol) != protocol_is_tls (e->protocol))
        {
          g_autofree gchar *why = g_strdup_printf (_("%s used %s instead of %s, the protocol we asked "
                                                     "for: connection refused"),
                                                   e->peer_nick, protocol, e->protocol);
          expect_fail (e, BURROW_NAT_ERROR_PROTOCOL_MISMATCH, why);
          return;
        }
      if (cmd == BURROW_ADC_CMD_CTM)
        connect_directly (e, (guint16) port);
      else
        punch_start (e, (guint16) port);
      return;
    }

  /* a new request from the peer */
  if (cmd != BURROW_ADC_CMD_CTM && cmd != BURROW_ADC_CMD_RCM)
    return;
  if (!protocol_supported (self, protocol))
    {
      send_protocol_unsupported (session, user, protocol, token);
      return;
    }
  if (count_incoming (self, NULL) >= BURROW_NAT_MAX_INCOMING ||
      count_incoming (self, burrow_user_get_cid (user)) >= BURROW_NAT_MAX_INCOMING_PER_PEER)
    return;

  if (cmd == BURROW_ADC_CMD_CTM)
    {
      /* the peer is active: connect to it */
      if (burrow_user_get_ip4 (user) == NULL)
        return;
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_INCOMING);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED,
                                     "CTM %s %" G_GUINT64_FORMAT, protocol, port);
      connect_directly (e, (guint16) port);
      return;
    }

  /* RCM */
  if (active)
    {
      g_autofree gchar *our_port = g_strdup_printf ("%u", burrow_listener_get_port (self->listener));

      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_INCOMING);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, "RCM %s", protocol);
      e->state = EXPECT_INCOMING;
      expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
      if (send_direct (e, BURROW_ADC_CMD_CTM, our_port, NULL))
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_SENT, "CTM %s %s",
                                       protocol, our_port);
    }
  else if (burrow_user_supports_nat_traversal (user) && burrow_user_get_ip4 (user) != NULL)
    {
      g_autofree gchar *our_port =
        g_strdup_printf ("%u", burrow_hub_session_get_local_port (BURROW_HUB_SESSION (session)));

      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_RESPONDER,
                      BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_RECEIVED, "RCM %s", protocol);
      e->state = EXPECT_RNT;
      expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
      punch_prepare (e);
      if (send_direct (e, BURROW_ADC_CMD_NAT, our_port, NULL))
        burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_NAT_SENT, "NAT %s %s",
                                       protocol, our_port);
    }
  /* else: both passive and the peer cannot do NAT traversal: ignore, as DC++ does */
}

/* --- our requests ----------------------------------------------------------------------- */

/**
 * burrow_nat_connector_connect_async:
 * @session: the hub both of us are on
 * @user: the peer
 *
 * Reaches @user by whatever path our and its connectivity allow, and
 * completes with an identified #BurrowPeerConnection (or a #BurrowNatError
 * whose message is the diagnosis). The attempt appears in
 * burrow_nat_connector_get_attempts() at once.
 */
void
burrow_nat_connector_connect_async (BurrowNatConnector  *self,
                                    BurrowAdcHubSession *session,
                                    BurrowUser          *user,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree gchar *token = new_token ();
  gboolean active = self->listener != NULL && burrow_listener_is_running (self->listener);
  const gchar *protocol = choose_protocol (self, user);
  g_autoptr(GError) error = NULL;
  Expect *e;

  g_task_set_source_tag (task, burrow_nat_connector_connect_async);

  if (burrow_hub_session_get_state (BURROW_HUB_SESSION (session)) != BURROW_HUB_STATE_NORMAL)
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                               _("Not logged in to the hub"));
      return;
    }

  if (active)
    {
      g_autofree gchar *port = g_strdup_printf ("%u", burrow_listener_get_port (self->listener));

      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_DIRECT);
      expect_set_task (e, &task);
      e->state = EXPECT_INCOMING;
      expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
      if (!send_direct (e, BURROW_ADC_CMD_CTM, port, &error))
        {
          expect_fail (e, BURROW_NAT_ERROR_FAILED, error->message);
          return;
        }
      burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_SENT, "CTM %s %s", protocol, port);
      return;
    }

  if (burrow_user_is_active (user))
    {
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_REVERSE);
      expect_set_task (e, &task);
      e->state = EXPECT_CTM;
    }
  else if (burrow_user_supports_nat_traversal (user) && burrow_user_get_ip4 (user) != NULL)
    {
      e = expect_new (self, session, user, token, protocol, BURROW_PUNCH_ROLE_INITIATOR,
                      BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
      expect_set_task (e, &task);
      e->state = EXPECT_NAT;
      probe_path (e);
    }
  else
    {
      BurrowPunchAttempt *attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_REVERSE,
                                                              BURROW_PUNCH_ROLE_INITIATOR,
                                                              burrow_hub_session_get_uri (BURROW_HUB_SESSION (session)),
                                                              burrow_user_get_nick (user),
                                                              burrow_user_get_cid (user), token, protocol);
      g_autofree gchar *why = g_strdup_printf (_("Both you and %s are passive and %s's client does "
                                                 "not announce NAT traversal (NAT0): no connection "
                                                 "is possible; one of you needs an open port"),
                                               burrow_user_get_nick (user), burrow_user_get_nick (user));

      add_attempt (self, attempt);
      burrow_punch_attempt_add_step (attempt, BURROW_PUNCH_STEP_FAILED, "%s", why);
      burrow_punch_attempt_finish (attempt, BURROW_PUNCH_RESULT_FAILED, why);
      g_signal_emit (self, signals[SIGNAL_ATTEMPT_FINISHED], 0, attempt);
      g_object_set_data_full (G_OBJECT (task), "attempt", attempt, g_object_unref);
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PEER_PASSIVE, "%s", why);
      return;
    }

  expect_arm_timeout (e, BURROW_NAT_REQUEST_TIMEOUT_MS);
  if (!send_direct (e, BURROW_ADC_CMD_RCM, NULL, &error))
    {
      expect_fail (e, BURROW_NAT_ERROR_FAILED, error->message);
      return;
    }
  burrow_punch_attempt_add_step (e->attempt, BURROW_PUNCH_STEP_REQUEST_SENT, "RCM %s", protocol);
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
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (attempt != NULL)
    *attempt = g_object_get_data (G_OBJECT (result), "attempt")
               ? g_object_ref (g_object_get_data (G_OBJECT (result), "attempt")) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- object ----------------------------------------------------------------------------- */

static void
burrow_nat_connector_dispose (GObject *object)
{
  BurrowNatConnector *self = BURROW_NAT_CONNECTOR (object);

  if (self->sessions != NULL)
    while (self->sessions->len > 0)
      burrow_nat_connector_remove_session (self, g_ptr_array_index (self->sessions, 0));
  if (self->inbound != NULL)
    {
      while (self->inbound->len > 0)
        inbound_detach (g_ptr_array_index (self->inbound, 0), TRUE);
      g_clear_pointer (&self->inbound, g_ptr_array_unref);
    }
  g_clear_pointer (&self->expects, g_hash_table_unref);
  g_clear_pointer (&self->listeners, g_hash_table_unref);
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
  g_clear_object (&self->attempts);
  g_clear_pointer (&self->ttl_cache, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_ptr_array_unref);

  G_OBJECT_CLASS (burrow_nat_connector_parent_class)->dispose (object);
}

static void
burrow_nat_connector_class_init (BurrowNatConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = burrow_nat_connector_dispose;

  /**
   * BurrowNatConnector::attempt-finished:
   * @attempt: an attempt that just ended (connected, failed or cancelled)
   */
  signals[SIGNAL_ATTEMPT_FINISHED] =
    g_signal_new ("attempt-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_PUNCH_ATTEMPT);

  /**
   * BurrowNatConnector::upload-connection:
   * @connection: a connection the peer asked for (it will request files)
   * @attempt: how it was made
   */
  signals[SIGNAL_UPLOAD_CONNECTION] =
    g_signal_new ("upload-connection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, BURROW_TYPE_PEER_CONNECTION, BURROW_TYPE_PUNCH_ATTEMPT);
}

static void
burrow_nat_connector_init (BurrowNatConnector *self)
{
  self->attempts = g_list_store_new (BURROW_TYPE_PUNCH_ATTEMPT);
  self->expects = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) expect_free);
  self->listeners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) port_listener_free);
  self->ttl_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->sessions = g_ptr_array_new_with_free_func (g_object_unref);
  self->uploads = g_ptr_array_new_with_free_func (g_object_unref);
  self->inbound = g_ptr_array_new ();
  self->inbound_timeout_ms = BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS;
}

BurrowNatConnector *
burrow_nat_connector_new (BurrowIdentity *identity)
{
  BurrowNatConnector *self = g_object_new (BURROW_TYPE_NAT_CONNECTOR, NULL);

  self->identity = g_object_ref (identity);
  return self;
}

void
burrow_nat_connector_add_session (BurrowNatConnector  *self,
                                  BurrowAdcHubSession *session)
{
  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));

  if (g_ptr_array_find (self->sessions, session, NULL))
    return;
  g_ptr_array_add (self->sessions, g_object_ref (session));
  g_signal_connect (session, "command", G_CALLBACK (on_session_command), self);
}

void
burrow_nat_connector_remove_session (BurrowNatConnector  *self,
                                     BurrowAdcHubSession *session)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (BURROW_IS_NAT_CONNECTOR (self));

  g_signal_handlers_disconnect_by_func (session, on_session_command, self);
  /* attempts through that hub cannot go on */
  g_hash_table_iter_init (&iter, self->expects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Expect *) value)->session == session)
      g_hash_table_iter_remove (&iter);
  g_ptr_array_remove (self->sessions, session);
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

guint16
burrow_nat_connector_get_port (BurrowNatConnector *self)
{
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

  self->inbound_timeout_ms = ms > 0 ? ms : BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS;
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

  return count_unidentified (self, NULL);
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

  return self->n_inbound_refused;
}
