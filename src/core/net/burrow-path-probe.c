/* burrow-path-probe.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-path-probe"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-path-probe.h"

/* Why: a NAT-traversal SYN that opens our own NAT's mapping without reaching
 * the peer's router (which might answer with RST) must carry a TTL just big
 * enough to leave our NAT. That depends on the path (one home router, double
 * NAT, carrier-grade NAT), so we measure it: UDP datagrams towards the peer
 * with TTL 1…8, and the ICMP "time exceeded" answers read from the socket's
 * error queue (IP_RECVERR) name the router at each hop. The TTL we want is
 * the first hop whose router is outside our own networks: a public address
 * that is not on one of our interfaces' subnets and is not the peer itself. */

#define BASE_PORT 33434

typedef struct
{
  GSocket      *socket;
  GSource      *source;
  GSource      *timeout;
  GInetAddress *peer;
  GArray       *local_nets;  /* our interfaces' networks, as (address, mask) pairs */
  BurrowPathProbe *probe;
} ProbeData;

static void
probe_data_free (ProbeData *data)
{
  g_clear_object (&data->socket);
  g_clear_object (&data->peer);
  g_clear_pointer (&data->local_nets, g_array_unref);
  g_clear_pointer (&data->probe, burrow_path_probe_free);
  g_free (data);
}

void
burrow_path_probe_free (BurrowPathProbe *probe)
{
  if (probe == NULL)
    return;
  for (guint i = 0; i <= BURROW_PATH_PROBE_MAX_TTL; i++)
    g_free (probe->offenders[i]);
  g_free (probe->summary);
  g_free (probe);
}

/**
 * burrow_path_address_is_public:
 *
 * Returns: whether @address is globally routed (not private, carrier-grade
 *   NAT, loopback or link-local)
 */
gboolean
burrow_path_address_is_public (GInetAddress *address)
{
  const guint8 *b;

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    return !g_inet_address_get_is_site_local (address) && !g_inet_address_get_is_link_local (address)
           && !g_inet_address_get_is_loopback (address);

  b = g_inet_address_to_bytes (address);
  if (b[0] == 10 || b[0] == 127 || b[0] == 0)
    return FALSE;
  if (b[0] == 172 && (b[1] & 0xf0) == 16)
    return FALSE;
  if (b[0] == 192 && b[1] == 168)
    return FALSE;
  if (b[0] == 100 && (b[1] & 0xc0) == 64)   /* 100.64.0.0/10, carrier-grade NAT */
    return FALSE;
  if (b[0] == 169 && b[1] == 254)
    return FALSE;
  return TRUE;
}

/* Our interfaces' IPv4 networks, as pairs of host-order guint32 (address, mask). */
static GArray *
local_networks (void)
{
  GArray *nets = g_array_new (FALSE, FALSE, sizeof (guint32));
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return nets;
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
    {
      guint32 addr, mask;

      if (i->ifa_addr == NULL || i->ifa_netmask == NULL || i->ifa_addr->sa_family != AF_INET)
        continue;
      addr = ntohl (((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr);
      mask = ntohl (((struct sockaddr_in *) i->ifa_netmask)->sin_addr.s_addr);
      g_array_append_val (nets, addr);
      g_array_append_val (nets, mask);
    }
  freeifaddrs (list);
  return nets;
}

static gboolean
on_our_networks (GArray       *nets,
                 GInetAddress *address)
{
  guint32 a;

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  memcpy (&a, g_inet_address_to_bytes (address), 4);
  a = ntohl (a);
  for (guint i = 0; i + 1 < nets->len; i += 2)
    {
      guint32 net = g_array_index (nets, guint32, i);
      guint32 mask = g_array_index (nets, guint32, i + 1);

      if ((a & mask) == (net & mask))
        return TRUE;
    }
  return FALSE;
}

/* Decides as soon as the answers allow it (or at the deadline). */
static gboolean
decide (ProbeData *data,
        gboolean   final)
{
  BurrowPathProbe *probe = data->probe;
  g_autoptr(GString) summary = g_string_new (NULL);

  for (guint ttl = 1; ttl <= BURROW_PATH_PROBE_MAX_TTL; ttl++)
    {
      g_autoptr(GInetAddress) hop = NULL;

      if (probe->offenders[ttl] == NULL)
        {
          if (!final)
            return FALSE; /* an earlier hop may still answer */
          g_string_append_printf (summary, "%s%u *", summary->len ? ", " : "", ttl);
          continue;
        }
      g_string_append_printf (summary, "%s%u %s", summary->len ? ", " : "", ttl, probe->offenders[ttl]);
      hop = g_inet_address_new_from_string (probe->offenders[ttl]);
      if (hop == NULL)
        continue;
      if (g_inet_address_equal (hop, data->peer))
        {
          /* the peer's router is the very next hop: no TTL avoids it */
          probe->ttl = 0;
          g_string_append (summary, " (the peer's router) → no low TTL");
          break;
        }
      if (burrow_path_address_is_public (hop) && !on_our_networks (data->local_nets, hop))
        {
          probe->ttl = ttl;
          g_string_append_printf (summary, " → TTL %u", ttl);
          break;
        }
    }
  if (probe->ttl == 0 && !g_str_has_suffix (summary->str, "no low TTL"))
    g_string_append (summary, " → no hop outside our networks answered");
  probe->summary = g_string_free (g_steal_pointer (&summary), FALSE);
  return TRUE;
}

static void
drop_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
finish (GTask *task)
{
  ProbeData *data = g_task_get_task_data (task);

  /* the sources hold references to the task: break the cycle */
  g_object_ref (task);
  drop_source (&data->source);
  drop_source (&data->timeout);
  g_task_return_pointer (task, g_steal_pointer (&data->probe), (GDestroyNotify) burrow_path_probe_free);
  g_object_unref (task);
}

static gboolean
on_error_queue (GSocket      *socket,
                GIOCondition  condition,
                gpointer      user_data)
{
  GTask *task = user_data;
  ProbeData *data = g_task_get_task_data (task);
  gint fd = g_socket_get_fd (socket);

  for (;;)
    {
      guint8 payload[64];
      guint8 control[512];
      struct sockaddr_in from;
      struct iovec iov = { payload, sizeof payload };
      struct msghdr msg = { 0, };
      struct cmsghdr *cmsg;
      ssize_t n;

      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;

      n = recvmsg (fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (n < 0)
        break;
      /* the payload is our datagram: its single byte is the TTL it left with */
      if (n < 1 || payload[0] == 0 || payload[0] > BURROW_PATH_PROBE_MAX_TTL)
        continue;

      for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
        {
          struct sock_extended_err *ee;
          struct sockaddr_in *offender;
          gchar text[INET_ADDRSTRLEN];

          if (cmsg->cmsg_level != IPPROTO_IP || cmsg->cmsg_type != IP_RECVERR)
            continue;
          ee = (struct sock_extended_err *) CMSG_DATA (cmsg);
          if (ee->ee_origin != SO_EE_ORIGIN_ICMP)
            continue;
          offender = (struct sockaddr_in *) SO_EE_OFFENDER (ee);
          if (offender->sin_family != AF_INET)
            continue;
          if (inet_ntop (AF_INET, &offender->sin_addr, text, sizeof text) == NULL)
            continue;
          g_free (data->probe->offenders[payload[0]]);
          data->probe->offenders[payload[0]] = g_strdup (text);
        }
    }

  if (decide (data, FALSE))
    finish (task); /* destroys this source */
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  ProbeData *data = g_task_get_task_data (task);

  if (data->probe != NULL)
    {
      decide (data, TRUE);
      finish (task); /* destroys this source */
    }
  return G_SOURCE_CONTINUE;
}

/**
 * burrow_path_probe_async:
 * @local: the address our NAT-traversal socket binds (the hub connection's)
 * @peer: the peer's public address
 *
 * Measures the TTL a first SYN needs to leave our own NAT. Takes at most
 * %BURROW_PATH_PROBE_WAIT_MS; a path without ICMP answers yields TTL 0.
 */
void
burrow_path_probe_async (GInetAddress        *local,
                         GInetAddress        *peer,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GError) error = NULL;
  ProbeData *data;
  gint fd;
  int one = 1;

  g_task_set_source_tag (task, burrow_path_probe_async);
  data = g_new0 (ProbeData, 1);
  data->peer = g_object_ref (peer);
  data->probe = g_new0 (BurrowPathProbe, 1);
  data->local_nets = local_networks ();
  g_task_set_task_data (task, data, (GDestroyNotify) probe_data_free);

  if (g_inet_address_get_family (peer) != G_SOCKET_FAMILY_IPV4 || g_inet_address_get_is_loopback (peer))
    {
      decide (data, TRUE);
      finish (task);
      return;
    }

  data->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                               &error);
  if (data->socket == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fd = g_socket_get_fd (data->socket);
  setsockopt (fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
  bind_address = g_inet_socket_address_new (local, 0);
  g_socket_bind (data->socket, bind_address, TRUE, NULL);

  for (guint8 ttl = 1; ttl <= BURROW_PATH_PROBE_MAX_TTL; ttl++)
    {
      g_autoptr(GSocketAddress) to = g_inet_socket_address_new (peer, BASE_PORT + ttl);
      int t = ttl;
      int pending = 0;
      socklen_t pending_len = sizeof pending;

      /* An ICMP error for an earlier datagram becomes the socket's pending
       * error and would make this send fail (EHOSTUNREACH) without sending:
       * read it away first (the error queue keeps the details). */
      getsockopt (fd, SOL_SOCKET, SO_ERROR, &pending, &pending_len);
      setsockopt (fd, IPPROTO_IP, IP_TTL, &t, sizeof t);
      if (!g_socket_send_to (data->socket, to, (const gchar *) &ttl, 1, NULL, NULL))
        {
          getsockopt (fd, SOL_SOCKET, SO_ERROR, &pending, &pending_len);
          g_socket_send_to (data->socket, to, (const gchar *) &ttl, 1, NULL, NULL);
        }
    }

  /* errors on the error queue show up as G_IO_ERR */
  data->source = g_socket_create_source (data->socket, G_IO_ERR, cancellable);
  g_source_set_callback (data->source, (GSourceFunc) on_error_queue, g_object_ref (task), g_object_unref);
  g_source_attach (data->source, g_main_context_get_thread_default ());

  data->timeout = g_timeout_source_new (BURROW_PATH_PROBE_WAIT_MS);
  g_source_set_callback (data->timeout, on_timeout, g_object_ref (task), g_object_unref);
  g_source_attach (data->timeout, g_main_context_get_thread_default ());
}

/**
 * burrow_path_probe_finish:
 *
 * Returns: (transfer full): what the probe found
 */
BurrowPathProbe *
burrow_path_probe_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
