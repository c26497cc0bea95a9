/* burrow-listener.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-listener"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-listener.h"

/* One TCP port serves both plain ADC and ADCS: the accepting side peeks at
 * the first byte (0x16 starts a TLS handshake), as uhub does. The UDP socket
 * on the same port number receives search results (URES). */
struct _BurrowListener
{
  GObject          parent_instance;

  GSocketService  *service;
  GSocket         *udp;
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

/**
 * burrow_listener_start:
 * @port: TCP and UDP port, or 0 for a free one
 *
 * Listens on all IPv4 addresses.
 */
gboolean
burrow_listener_start (BurrowListener  *self,
                       guint16          port,
                       GError         **error)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GSocketAddress) udp_address = NULL;

  g_return_val_if_fail (BURROW_IS_LISTENER (self), FALSE);

  burrow_listener_stop (self);

  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), BURROW_LISTENER_BACKLOG);
  address = g_inet_socket_address_new (any, port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    {
      g_prefix_error (error, _("Cannot listen on TCP port %u: "), port);
      return FALSE;
    }
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (udp == NULL)
    return FALSE;
  udp_address = g_inet_socket_address_new (any, port);
  if (!g_socket_bind (udp, udp_address, TRUE, error))
    {
      g_prefix_error (error, _("Cannot listen on UDP port %u: "), port);
      return FALSE;
    }
  g_socket_set_blocking (udp, FALSE);

  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (service);

  self->service = g_steal_pointer (&service);
  self->udp = g_steal_pointer (&udp);
  self->port = port;
  g_debug ("listening on port %u", port);
  return TRUE;
}

void
burrow_listener_stop (BurrowListener *self)
{
  g_return_if_fail (BURROW_IS_LISTENER (self));

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  if (self->udp != NULL)
    {
      g_socket_close (self->udp, NULL);
      g_clear_object (&self->udp);
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
 * Returns: (transfer none) (nullable): the UDP socket on our port
 */
GSocket *
burrow_listener_get_udp_socket (BurrowListener *self)
{
  g_return_val_if_fail (BURROW_IS_LISTENER (self), NULL);
  return self->udp;
}
