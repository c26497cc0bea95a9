/* burrow-listener.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-listener"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "burrow-listener.h"

/* One TCP port serves both plain ADC and ADCS: the accepting side peeks at
 * the first byte (0x16 starts a TLS handshake), as uhub does. The UDP socket
 * on the same port number receives search results (URES).
 *
 * Both families listen on the same port number, each on a socket of its own
 * (IPV6_V6ONLY on the IPv6 ones): an IPv4 peer then appears with its IPv4
 * address, never as ::ffff:a.b.c.d. A machine without IPv6 listens on IPv4
 * alone. */
struct _BurrowListener
{
  GObject          parent_instance;

  GSocketService  *service;
  GSocketService  *service6;   /* a service of its own: GLib 2.74's GSocketListener lost
                                * connections in a burst when it watched two sockets */
  GSocket         *udp;
  GSocket         *udp6;
  guint16          port;
};

enum {
  SIGNAL_INCOMING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowListener, burrow_listener, G_TYPE_OBJECT)

static void
burrow_listener_dispose (GObject *object)
{
  burrow_listener_stop (BURROW_LISTENER (object));

  G_OBJECT_CLASS (burrow_listener_parent_class)->dispose (object);
}

static void
burrow_listener_class_init (BurrowListenerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = burrow_listener_dispose;

  /**
   * BurrowListener::incoming:
   * @connection: an accepted TCP connection
   *
   * A peer connected to our port. The handler takes a reference.
   */
  signals[SIGNAL_INCOMING] =
    g_signal_new ("incoming", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_SOCKET_CONNECTION);
}

static void
burrow_listener_init (BurrowListener *self)
{
}

BurrowListener *
burrow_listener_new (void)
{
  return g_object_new (BURROW_TYPE_LISTENER, NULL);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  BurrowListener *self = user_data;

  g_socket_set_keepalive (g_socket_connection_get_socket (connection), TRUE);
  g_signal_emit (self, signals[SIGNAL_INCOMING], 0, connection);
  return TRUE;
}

/* A socket of @family bound to any address and @port; IPv6 sockets take IPv6 only. */
static GSocket *
bound_socket (GSocketFamily    family,
              GSocketType      type,
              guint16          port,
              GError         **error)
{
  g_autoptr(GInetAddress) any = g_inet_address_new_any (family);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, port);
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (family, type,
                         type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP,
                         error);
  if (socket == NULL)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return NULL;
  if (!g_socket_bind (socket, address, TRUE, error))
    return NULL;
  /* GSocketListener accepts on a blocking socket, as it makes them itself */
  if (type == G_SOCKET_TYPE_DATAGRAM)
    g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

static GSocket *
listening_socket (GSocketFamily   family,
                  guint16         port,
                  GError        **error)
{
  g_autoptr(GSocket) socket = bound_socket (family, G_SOCKET_TYPE_STREAM, port, error);

  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, BURROW_LISTENER_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* The IPv6 half on @port (TCP and UDP), or %FALSE when IPv6 cannot be had here. */
static gboolean
add_ipv6 (BurrowListener *self,
          guint16         port)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) tcp = listening_socket (G_SOCKET_FAMILY_IPV6, port, &error);
  g_autoptr(GSocket) udp = NULL;

  if (tcp != NULL)
    udp = bound_socket (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM, port, &error);
  if (udp == NULL || !g_socket_listener_add_socket (G_SOCKET_LISTENER (service), tcp, NULL, &error))
    {
      g_debug ("no IPv6 on port %u: %s", port, error->message);
      return FALSE;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (service);
  self->service6 = g_steal_pointer (&service);
  self->udp6 = g_steal_pointer (&udp);
  return TRUE;
}

/**
 * burrow_listener_start:
 * @port: TCP and UDP port, or 0 for a free one
 *
 * Listens on all IPv4 addresses and, where the machine has IPv6, on all IPv6 addresses, with
 * the same port number for both.
 */
gboolean
burrow_listener_start (BurrowListener  *self,
                       guint16          port,
                       GError         **error)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GSocket) tcp = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) udp = NULL;

  g_return_val_if_fail (BURROW_IS_LISTENER (self), FALSE);

  burrow_listener_stop (self);

  tcp = listening_socket (G_SOCKET_FAMILY_IPV4, port, error);
  if (tcp == NULL || !g_socket_listener_add_socket (G_SOCKET_LISTENER (service), tcp, NULL, error))
    {
      g_prefix_error (error, _("Cannot listen on TCP port %u: "), port);
      return FALSE;
    }
  effective = g_socket_get_local_address (tcp, error);
  if (effective == NULL)
    return FALSE;
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  udp = bound_socket (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, port, error);
  if (udp == NULL)
    {
      g_prefix_error (error, _("Cannot listen on UDP port %u: "), port);
      return FALSE;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (service);
  self->service = g_steal_pointer (&service);
  add_ipv6 (self, port);

  self->udp = g_steal_pointer (&udp);
  self->port = port;
  g_debug ("listening on port %u%s", port, self->udp6 != NULL ? " (IPv4 and IPv6)" : "");
  return TRUE;
}

static void
stop_service (BurrowListener  *self,
              GSocketService **service)
{
  if (*service == NULL)
    return;
  g_socket_service_stop (*service);
  g_socket_listener_close (G_SOCKET_LISTENER (*service));
  g_signal_handlers_disconnect_by_data (*service, self);
  g_clear_object (service);
}

void
burrow_listener_stop (BurrowListener *self)
{
  g_return_if_fail (BURROW_IS_LISTENER (self));

  stop_service (self, &self->service);
  stop_service (self, &self->service6);
  if (self->udp != NULL)
    {
      g_socket_close (self->udp, NULL);
      g_clear_object (&self->udp);
    }
  if (self->udp6 != NULL)
    {
      g_socket_close (self->udp6, NULL);
      g_clear_object (&self->udp6);
    }
  self->port = 0;
}

guint16
burrow_listener_get_port (BurrowListener *self)
{
  g_return_val_if_fail (BURROW_IS_LISTENER (self), 0);
  return self->port;
}

gboolean
burrow_listener_is_running (BurrowListener *self)
{
  g_return_val_if_fail (BURROW_IS_LISTENER (self), FALSE);
  return self->service != NULL;
}

/**
 * burrow_listener_get_udp_socket:
 *
 * Returns: (transfer none) (nullable): the IPv4 UDP socket on our port
 */
GSocket *
burrow_listener_get_udp_socket (BurrowListener *self)
{
  g_return_val_if_fail (BURROW_IS_LISTENER (self), NULL);
  return self->udp;
}

/**
 * burrow_listener_get_udp6_socket:
 *
 * Returns: (transfer none) (nullable): the IPv6 UDP socket on our port; %NULL without IPv6
 */
GSocket *
burrow_listener_get_udp6_socket (BurrowListener *self)
{
  g_return_val_if_fail (BURROW_IS_LISTENER (self), NULL);
  return self->udp6;
}
