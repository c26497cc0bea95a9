/* burrow-punch.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-punch"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "burrow-error.h"

#include "burrow-punch.h"

#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

/*
 * A punch connects from our hub connection's ip:port to the peer's, again and
 * again until one connect() goes through or the window ends, while a listener
 * on the same port (SO_REUSEPORT on hub, listening and connecting sockets)
 * takes a connection from the peer's address: full-cone routers deliver the
 * first SYN to the host. The first SYN may go out with a low TTL (just enough
 * to leave our own NAT); IP_MINTTL keeps the socket alive when the ICMP
 * time-exceeded comes back, and the TTL is restored at once.
 */

typedef struct _PortListener PortListener;

struct _BurrowPunchListeners
{
  GHashTable *table;   /* "ip:port" → PortListener */
};

struct _PortListener
{
  BurrowPunchListeners *owner;
  gchar                *key;       /* "ip:port" */
  GSocket              *socket;
  GSource              *source;
  GList                *punches;   /* borrowed */
};

struct _BurrowPunch
{
  BurrowPunchListeners *listeners;
  GInetAddress         *local_ip;
  guint16               local_port;
  GSocketAddress       *remote;
  gchar                *peer_name;
  BurrowPunchAttempt   *attempt;       /* nullable */
  BurrowPunchDoneFunc   done;
  gpointer              data;
  guint                 ttl;           /* first SYN's TTL; 0 = normal */
  guint                 window_ms;
  GSocket              *socket;        /* the connect() in flight */
  GSource              *socket_source;
  PortListener         *listener;      /* shared listener on our hub port */
  guint                 retry_id;
  guint                 deadline_id;
  guint                 n_tries;
  guint                 n_refused;
  guint                 n_unreachable;
  guint                 n_other;
  guint                 n_wrong_port;  /* the peer's SYN came from another port */
  guint16               seen_port;
};

static void port_listener_remove_punch (PortListener *l, BurrowPunch *p);
static void punch_try (BurrowPunch *p);

/* A step of the record, when there is one. */
static void G_GNUC_PRINTF (3, 4)
step (BurrowPunch         *p,
      BurrowPunchStepKind  kind,
      const gchar         *format,
      ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  if (p->attempt == NULL)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  burrow_punch_attempt_add_step (p->attempt, kind, "%s", text);
}

/* --- helpers ------------------------------------------------------------------------- */

/**
 * burrow_punch_error_class:
 *
 * Returns: a word for the punch record: "refused", "unreachable", "timed out" or "error"
 */
const gchar *
burrow_punch_error_class (const GError *error)
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

/* The ADC handshake is a few small messages each way: without TCP_NODELAY,
 * Nagle and delayed ACKs add ~40 ms stalls to every round (seen in the lab). */
void
burrow_punch_set_nodelay (GSocket *socket)
{
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/**
 * burrow_punch_bind_socket:
 * @local_ip: our hub connection's address
 * @local_port: its port (0 = any)
 *
 * A non-blocking TCP socket bound to @local_ip:@local_port with SO_REUSEADDR
 * and SO_REUSEPORT. Not with g_socket_bind(): for TCP it switches
 * SO_REUSEPORT off, and the hub socket, the listener and the punch sockets can
 * only share the port with it on.
 *
 * Returns: (transfer full): the socket, or %NULL with @error set
 */
GSocket *
burrow_punch_bind_socket (GInetAddress  *local_ip,
                          guint16        local_port,
                          GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  struct sockaddr_storage native;

  socket = g_socket_new (g_inet_address_get_family (local_ip), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
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

/* --- the shared listener -------------------------------------------------------------- */

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
  for (GList *it = l->punches; it != NULL; it = it->next)
    ((BurrowPunch *) it->data)->listener = NULL;
  g_list_free (l->punches);
  g_free (l->key);
  g_free (l);
}

BurrowPunchListeners *
burrow_punch_listeners_new (void)
{
  BurrowPunchListeners *listeners = g_new0 (BurrowPunchListeners, 1);

  listeners->table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) port_listener_free);
  return listeners;
}

void
burrow_punch_listeners_free (BurrowPunchListeners *listeners)
{
  if (listeners == NULL)
    return;
  g_hash_table_unref (listeners->table);
  g_free (listeners);
}

static void
port_listener_remove_punch (PortListener *l,
                            BurrowPunch  *p)
{
  l->punches = g_list_remove (l->punches, p);
  p->listener = NULL;
  if (l->punches == NULL)
    g_hash_table_remove (l->owner->table, l->key);
}

/* Stops every try, timer and the listening: the punch is over. */
static void
punch_stop (BurrowPunch *p)
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
}

/* The punch produced a TCP connection (ours or the listener's). */
static void
punch_succeeded (BurrowPunch *p,
                 GSocket     *socket)
{
  g_autoptr(GSocket) connected = g_object_ref (socket);

  burrow_punch_set_nodelay (socket);
  if (socket == p->socket)
    {
      step (p, BURROW_PUNCH_STEP_TCP_ESTABLISHED, "our connect() went through (try %u)",
            p->n_tries);
      g_clear_object (&p->socket); /* the caller owns it now */
    }
  else
    step (p, BURROW_PUNCH_STEP_TCP_ESTABLISHED, "through our listener (after %u connect() tries)",
          p->n_tries);
  punch_stop (p);
  p->done (p, g_steal_pointer (&connected), NULL, p->data);
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

      if (accepted == NULL)
        break;
      from = g_socket_get_remote_address (accepted, NULL);
      if (!G_IS_INET_SOCKET_ADDRESS (from))
        continue;
      from_ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from));

      /* only a peer we are punching towards; anyone else is closed at once. A punch whose peer
       * address is not known yet (NMDC) takes anyone, after those that know theirs: the
       * handshake checks the nick */
      for (guint pass = 0; pass < 2; pass++)
        for (GList *it = l->punches; it != NULL; it = it->next)
          {
            BurrowPunch *p = it->data;
            GInetAddress *want = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (p->remote));
            guint16 want_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (p->remote));
            guint16 got_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from));

            if (pass == 0 ? !g_inet_address_equal (want, from_ip) : !g_inet_address_get_is_any (want))
              continue;
            if (want_port != 0 && got_port != want_port)
              {
                p->n_wrong_port++;
                p->seen_port = got_port;
              }
            step (p, BURROW_PUNCH_STEP_ACCEPTED, "the peer's SYN came in on our listener from port %u%s",
                  got_port, want_port != 0 && got_port != want_port ? " (not the announced port)" : "");
            g_socket_set_blocking (accepted, FALSE);
            punch_succeeded (p, accepted);
            return G_SOURCE_CONTINUE; /* l may be gone now */
          }
      g_socket_close (accepted, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
punch_listen (BurrowPunch *p)
{
  g_autofree gchar *ip = g_inet_address_to_string (p->local_ip);
  g_autofree gchar *key = g_strdup_printf ("%s:%u", ip, p->local_port);
  PortListener *l = g_hash_table_lookup (p->listeners->table, key);
  g_autoptr(GError) error = NULL;

  if (l == NULL)
    {
      g_autoptr(GSocket) socket = burrow_punch_bind_socket (p->local_ip, p->local_port, &error);

      if (socket == NULL || !g_socket_listen (socket, &error))
        {
          step (p, BURROW_PUNCH_STEP_NOTE, "cannot listen on port %u: %s", p->local_port,
                error->message);
          return;
        }
      l = g_new0 (PortListener, 1);
      l->owner = p->listeners;
      l->key = g_steal_pointer (&key);
      l->socket = g_steal_pointer (&socket);
      l->source = g_socket_create_source (l->socket, G_IO_IN, NULL);
      g_source_set_callback (l->source, (GSourceFunc) on_listener_readable, l, NULL);
      g_source_attach (l->source, g_main_context_get_thread_default ());
      g_hash_table_insert (p->listeners->table, l->key, l);
    }

  l->punches = g_list_prepend (l->punches, p);
  p->listener = l;
  step (p, BURROW_PUNCH_STEP_LISTENING, "listening on %s:%u for the peer", ip, p->local_port);
}

/* --- the punch ------------------------------------------------------------------------ */

/**
 * burrow_punch_new:
 * @listeners: the shared listeners (outlive the punch)
 * @local_ip: our hub connection's address
 * @local_port: its port
 * @remote_ip: (nullable): the peer's address (IPv4); %NULL when it is not known
 *   yet (NMDC hubs do not tell users' addresses): the listener then takes a
 *   connection from any address until burrow_punch_set_remote_ip()
 * @peer_name: how the diagnosis names the peer
 * @attempt: (nullable): where each step is recorded
 * @done: called with the result
 *
 * Listens on @local_ip:@local_port for @remote_ip at once, before the peer's
 * port is known: a full-cone router that hands the peer's first SYN straight
 * to us then finds a listener instead of answering with RST. A connection from
 * @remote_ip completes the punch even before burrow_punch_start().
 *
 * Returns: (transfer full): the punch; free it with burrow_punch_free()
 */
BurrowPunch *
burrow_punch_new (BurrowPunchListeners *listeners,
                  GInetAddress         *local_ip,
                  guint16               local_port,
                  GInetAddress         *remote_ip,
                  const gchar          *peer_name,
                  BurrowPunchAttempt   *attempt,
                  BurrowPunchDoneFunc   done,
                  gpointer              data)
{
  BurrowPunch *p = g_new0 (BurrowPunch, 1);

  g_return_val_if_fail (listeners != NULL, NULL);
  g_return_val_if_fail (G_IS_INET_ADDRESS (local_ip), NULL);
  g_return_val_if_fail (remote_ip == NULL || G_IS_INET_ADDRESS (remote_ip), NULL);
  g_return_val_if_fail (done != NULL, NULL);

  p->listeners = listeners;
  p->local_ip = g_object_ref (local_ip);
  p->local_port = local_port;
  if (remote_ip != NULL)
    p->remote = g_inet_socket_address_new (remote_ip, 0);
  else
    {
      g_autoptr(GInetAddress) any = g_inet_address_new_any (g_inet_address_get_family (local_ip));

      p->remote = g_inet_socket_address_new (any, 0);
    }
  p->peer_name = g_strdup (peer_name);
  p->attempt = attempt ? g_object_ref (attempt) : NULL;
  p->done = done;
  p->data = data;
  punch_listen (p);
  return p;
}

void
burrow_punch_free (BurrowPunch *p)
{
  if (p == NULL)
    return;
  punch_stop (p);
  g_clear_object (&p->local_ip);
  g_clear_object (&p->remote);
  g_clear_object (&p->attempt);
  g_free (p->peer_name);
  g_free (p);
}

static void
punch_fail (BurrowPunch *p,
            gint         code,
            const gchar *why)
{
  g_autoptr(GError) error = g_error_new_literal (BURROW_NAT_ERROR, code, why);

  punch_stop (p);
  p->done (p, NULL, error, p->data);
}

static gboolean
punch_retry_cb (gpointer data)
{
  BurrowPunch *p = data;

  p->retry_id = 0;
  punch_try (p);
  return G_SOURCE_REMOVE;
}

static void
punch_retry_later (BurrowPunch *p)
{
  g_socket_close (p->socket, NULL);
  g_clear_object (&p->socket);
  p->retry_id = g_timeout_add (g_random_int_range (BURROW_NAT_RETRY_MIN_MS, BURROW_NAT_RETRY_MAX_MS),
                               punch_retry_cb, p);
}

static gboolean
on_punch_writable (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      data)
{
  BurrowPunch *p = data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&p->socket_source, g_source_unref);
  if (g_socket_check_connect_result (socket, &error))
    {
      punch_succeeded (p, socket);
      return G_SOURCE_REMOVE;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    p->n_refused++;
  else if (g_str_equal (burrow_punch_error_class (error), "unreachable"))
    p->n_unreachable++;
  else
    p->n_other++;
  step (p, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: %s (%s)", p->n_tries,
        burrow_punch_error_class (error), error->message);
  punch_retry_later (p);
  return G_SOURCE_REMOVE;
}

/* The TTL (IPv4) or hop limit (IPv6) of the packets @socket sends. */
static void
set_hops (BurrowPunch *p,
          gint         hops)
{
  if (g_inet_address_get_family (p->local_ip) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (p->socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops, NULL);
  else
    g_socket_set_option (p->socket, IPPROTO_IP, IP_TTL, hops, NULL);
}

static void
punch_try (BurrowPunch *p)
{
  g_autoptr(GError) error = NULL;
  gboolean low = p->ttl > 0 && p->n_tries == 0;
  gboolean v6 = g_inet_address_get_family (p->local_ip) == G_SOCKET_FAMILY_IPV6;
  gint normal_ttl = 64;

  p->n_tries++;
  p->socket = burrow_punch_bind_socket (p->local_ip, p->local_port, &error);
  if (p->socket == NULL)
    {
      g_autofree gchar *why = g_strdup_printf (_("Cannot use our hub connection's port %u for NAT "
                                                 "traversal: %s"), p->local_port, error->message);
      punch_fail (p, BURROW_NAT_ERROR_BIND_FAILED, why);
      return;
    }

  if (low && v6)
    {
      /* Linux keeps an IPv6 SYN_SENT socket on ICMPv6 time exceeded anyway; the minimum hop
       * count protects against other stacks (CONNECTIVITY.md §3.4) */
      g_socket_set_option (p->socket, IPPROTO_IPV6, IPV6_MINHOPCOUNT, 2, NULL);
      g_socket_get_option (p->socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &normal_ttl, NULL);
      if (normal_ttl < 0)
        normal_ttl = 64; /* -1: the route's default; set explicitly when restored */
      set_hops (p, (gint) p->ttl);
    }
  else if (low)
    {
      /* keep the socket alive when the low-TTL SYN's ICMP time-exceeded
       * comes back (the kernel ignores errors quoting a TTL below 2) */
      g_socket_set_option (p->socket, IPPROTO_IP, IP_MINTTL, 2, NULL);
      g_socket_get_option (p->socket, IPPROTO_IP, IP_TTL, &normal_ttl, NULL);
      set_hops (p, (gint) p->ttl);
    }

  if (g_socket_connect (p->socket, p->remote, NULL, &error))
    {
      if (low)
        set_hops (p, normal_ttl);
      step (p, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: connected at once", p->n_tries);
      punch_succeeded (p, p->socket);
      return;
    }
  if (low)
    set_hops (p, normal_ttl);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      if (low)
        step (p, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: SYN sent with %s %u (then back to %d)",
              p->n_tries, v6 ? "hop limit" : "TTL", p->ttl, normal_ttl);
      else
        step (p, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: SYN sent", p->n_tries);
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
  step (p, BURROW_PUNCH_STEP_CONNECT_TRY, "try %u: %s (%s)", p->n_tries,
        burrow_punch_error_class (error), error->message);
  punch_retry_later (p);
}

/* No technique got through in the window: say why, from what we saw. */
static gboolean
punch_deadline_cb (gpointer data)
{
  BurrowPunch *p = data;
  g_autofree gchar *why = NULL;
  g_autofree gchar *peer_ip = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (p->remote)));
  gint code;

  p->deadline_id = 0;
  if (g_inet_address_get_family (p->local_ip) == G_SOCKET_FAMILY_IPV6 &&
      !(p->n_refused > 0 && p->n_refused >= p->n_tries - 1) &&
      !(p->n_unreachable > 0 && p->n_unreachable >= p->n_tries - 1))
    {
      /* no NAT on IPv6, so no port that changes: a firewall dropped everything */
      why = g_strdup_printf (_("No packet from %s reached us over IPv6 and ours were neither "
                               "answered nor refused within %.1f s: a firewall on one side drops "
                               "connections it did not see go out, and NAT traversal cannot "
                               "connect you; one of you needs an open port (active mode)."),
                             p->peer_name, p->window_ms / 1000.0);
      code = BURROW_NAT_ERROR_TIMED_OUT;
    }
  else if (p->n_wrong_port > 0)
    {
      why = g_strdup_printf (_("%s's router changed the port: it announced %u but its packets came "
                               "from port %u. Its router gives every connection a new port "
                               "(symmetric NAT), so NAT traversal cannot connect you; one of you "
                               "needs an open port (active mode)."),
                             p->peer_name, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (p->remote)),
                             p->seen_port);
      code = BURROW_NAT_ERROR_SYMMETRIC;
    }
  else if (p->n_refused > 0 && p->n_refused >= p->n_tries - 1)
    {
      why = g_strdup_printf (_("Every attempt was refused (%u RST answers): a router or firewall "
                               "between you and %s answers unsolicited connections with a reset "
                               "and none of our packets got through."),
                             p->n_refused, p->peer_name);
      code = BURROW_NAT_ERROR_REFUSED;
    }
  else if (p->n_unreachable > 0 && p->n_unreachable >= p->n_tries - 1)
    {
      why = g_strdup_printf (_("%s's address %s is unreachable from here (ICMP unreachable)."),
                             p->peer_name, peer_ip);
      code = BURROW_NAT_ERROR_UNREACHABLE;
    }
  else
    {
      why = g_strdup_printf (_("No packet from %s reached us and ours were neither answered nor "
                               "refused within %.1f s. The usual cause is a router that does not "
                               "keep the port it announced (symmetric or carrier-grade NAT) on "
                               "one side, or a firewall that drops everything; NAT traversal "
                               "cannot connect you; one of you needs an open port (active mode)."),
                             p->peer_name, p->window_ms / 1000.0);
      code = BURROW_NAT_ERROR_SYMMETRIC;
    }
  punch_fail (p, code, why);
  return G_SOURCE_REMOVE;
}

/**
 * burrow_punch_start:
 * @remote_port: the peer's port
 * @ttl: the first SYN's TTL (just enough to leave our own NAT); 0 for normal
 * @window_ms: how long to keep trying
 *
 * Starts connecting to the peer. The done function may run before this
 * returns (a connect() that goes through at once, a port we cannot bind).
 */
void
burrow_punch_start (BurrowPunch *p,
                    guint16      remote_port,
                    guint        ttl,
                    guint        window_ms)
{
  g_autoptr(GSocketAddress) prepared = NULL;
  GInetAddress *peer;

  g_return_if_fail (p != NULL);
  g_return_if_fail (p->deadline_id == 0);

  prepared = g_steal_pointer (&p->remote);
  peer = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (prepared));
  p->remote = g_inet_socket_address_new (peer, remote_port);
  p->ttl = ttl;
  p->window_ms = window_ms;
  p->deadline_id = g_timeout_add (window_ms, punch_deadline_cb, p);
  punch_try (p);
}

/**
 * burrow_punch_set_remote_ip:
 * @remote_ip: the peer's address, once known (before burrow_punch_start())
 */
void
burrow_punch_set_remote_ip (BurrowPunch  *p,
                            GInetAddress *remote_ip)
{
  guint16 port;

  g_return_if_fail (p != NULL);
  g_return_if_fail (G_IS_INET_ADDRESS (remote_ip));

  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (p->remote));
  g_clear_object (&p->remote);
  p->remote = g_inet_socket_address_new (remote_ip, port);
}

guint16 burrow_punch_get_local_port (BurrowPunch *p) { return p->local_port; }
guint burrow_punch_get_n_tries (BurrowPunch *p) { return p->n_tries; }
guint burrow_punch_get_n_refused (BurrowPunch *p) { return p->n_refused; }
guint burrow_punch_get_n_unreachable (BurrowPunch *p) { return p->n_unreachable; }
guint burrow_punch_get_n_wrong_port (BurrowPunch *p) { return p->n_wrong_port; }
