/* burrow-port-mapper.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A round maps TCP first: PCP (falling back to NAT-PMP) and UPnP are asked at once, the first
 * success wins. The winner then maps UDP on the same external port. A loser that succeeds after
 * all (UPnP cannot be interrupted in its thread) has its mapping deleted at once. Leases are
 * renewed at half time by a new round that repeats the mapping (PCP: the same nonce), which also
 * makes it again on a router that lost it (rebooted). A network change starts a new round.
 */

#define G_LOG_DOMAIN "burrow-port-mapper"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"
#include "burrow-pcp-mapper.h"
#include "burrow-upnp-mapper.h"

#include "burrow-port-mapper.h"

struct _BurrowPortMapper
{
  GObject                parent_instance;

  guint16                port;
  gboolean               enabled[BURROW_MAPPING_METHOD_UPNP + 1];
  GInetSocketAddress    *gateway;         /* NULL: the default route's */
  GInetSocketAddress    *gateway6;        /* the same for IPv6 (none when only gateway is set) */
  gboolean               gateway_set;
  gchar                 *description_url; /* UPnP: the IGD to ask first */
  guint                  deadline_ms;

  BurrowPortMapperState  state;
  BurrowPortMapping     *tcp;
  BurrowPortMapping     *udp;
  BurrowPortMapping     *held;            /* the TCP mapping a round in progress renews */
  BurrowPortMapping     *pinhole[2];      /* IPv6: the router's firewall opened for TCP, UDP */
  gchar                 *description_url6; /* UPnP: the IGD reached over IPv6 */
  guint                  pinhole_ask;     /* the ask in progress (older answers are stale) */
  gboolean               pinhole_renewing;
  BurrowPortMapperState  pinhole_state;   /* MAPPING while asking, FAILED with pinhole_error */
  GError                *pinhole_error;
  guint                  pinhole_renew_id;
  GError                *error;
  GCancellable          *cancellable;     /* the current round's */
  guint                  round;
  guint                  pending;         /* TCP attempts of this round still running */
  gint64                 started;
  gint64                 decided_us;
  guint                  renew_id;
  guint                  deadline_id;     /* the round's: no protocol may keep us waiting */
  gulong                 network_changed_id;

  gchar                 *route;           /* our address and the router's when the round began */
  guint16                announce_port;   /* 0: do not listen for router restarts */
  GSocket               *announcements;   /* the routers' unsolicited answers */
  GSource               *announce_source;
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowPortMapper, burrow_port_mapper, G_TYPE_OBJECT)

/* A network change asks a silent network again after this long at the earliest. */
#define BURROW_PORT_MAPPER_RETRY_SILENCE_S 60

/* What an attempt needs to find its way back: the mapper (referenced) and its round. */
typedef struct
{
  BurrowPortMapper       *self;
  guint                   round;
  BurrowPortmapTransport  transport;
} Attempt;

static Attempt *
attempt_new (BurrowPortMapper       *self,
             BurrowPortmapTransport  transport)
{
  Attempt *a = g_new0 (Attempt, 1);

  a->self = g_object_ref (self);
  a->round = self->round;
  a->transport = transport;
  return a;
}

static void
attempt_free (Attempt *a)
{
  g_object_unref (a->self);
  g_free (a);
}

static void
stop_listening (BurrowPortMapper *self)
{
  if (self->announce_source != NULL)
    g_source_destroy (self->announce_source);
  g_clear_pointer (&self->announce_source, g_source_unref);
  if (self->announcements != NULL)
    g_socket_close (self->announcements, NULL);
  g_clear_object (&self->announcements);
}

static void
burrow_port_mapper_dispose (GObject *object)
{
  BurrowPortMapper *self = BURROW_PORT_MAPPER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->renew_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_handle_id (&self->pinhole_renew_id, g_source_remove);
  if (self->network_changed_id != 0)
    g_clear_signal_handler (&self->network_changed_id, g_network_monitor_get_default ());
  stop_listening (self);

  G_OBJECT_CLASS (burrow_port_mapper_parent_class)->dispose (object);
}

static void
burrow_port_mapper_finalize (GObject *object)
{
  BurrowPortMapper *self = BURROW_PORT_MAPPER (object);

  g_clear_object (&self->gateway);
  g_clear_object (&self->gateway6);
  g_free (self->route);
  g_free (self->description_url);
  g_clear_pointer (&self->tcp, burrow_port_mapping_free);
  g_clear_pointer (&self->udp, burrow_port_mapping_free);
  g_clear_pointer (&self->held, burrow_port_mapping_free);
  g_clear_pointer (&self->pinhole[0], burrow_port_mapping_free);
  g_clear_pointer (&self->pinhole[1], burrow_port_mapping_free);
  g_free (self->description_url6);
  g_clear_error (&self->pinhole_error);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (burrow_port_mapper_parent_class)->finalize (object);
}

static void
burrow_port_mapper_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  BurrowPortMapper *self = BURROW_PORT_MAPPER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_port_mapper_class_init (BurrowPortMapperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_port_mapper_dispose;
  object_class->finalize = burrow_port_mapper_finalize;
  object_class->get_property = burrow_port_mapper_get_property;

  /* a BurrowPortMapperState; notified on every change of the mappings or the error too */
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, BURROW_PORT_MAPPER_IDLE,
                                             BURROW_PORT_MAPPER_FAILED, BURROW_PORT_MAPPER_IDLE,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                             G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_port_mapper_init (BurrowPortMapper *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->enabled); i++)
    self->enabled[i] = TRUE;
  self->deadline_ms = BURROW_PORT_MAPPER_DEADLINE_MS;
  self->announce_port = BURROW_PORT_MAPPER_ANNOUNCE_PORT;
}

/**
 * burrow_port_mapper_new:
 * @port: our listening port: TCP (plain and TLS on one port) and UDP
 */
BurrowPortMapper *
burrow_port_mapper_new (guint16 port)
{
  BurrowPortMapper *self;

  g_return_val_if_fail (port != 0, NULL);

  self = g_object_new (BURROW_TYPE_PORT_MAPPER, NULL);
  self->port = port;
  return self;
}

guint16
burrow_port_mapper_get_port (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), 0);

  return self->port;
}

/**
 * burrow_port_mapper_set_method_enabled:
 *
 * Turns one protocol off (or on again) for the next rounds. Off means that protocol sends no
 * packets. PCP and NAT-PMP share a client: with PCP off, NAT-PMP is asked directly.
 */
void
burrow_port_mapper_set_method_enabled (BurrowPortMapper    *self,
                                       BurrowMappingMethod  method,
                                       gboolean             enabled)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));
  g_return_if_fail (method > BURROW_MAPPING_METHOD_NONE && method <= BURROW_MAPPING_METHOD_UPNP);

  self->enabled[method] = enabled;
}

gboolean
burrow_port_mapper_get_method_enabled (BurrowPortMapper    *self,
                                       BurrowMappingMethod  method)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), FALSE);
  g_return_val_if_fail (method > BURROW_MAPPING_METHOD_NONE &&
                        method <= BURROW_MAPPING_METHOD_UPNP, FALSE);

  return self->enabled[method];
}

/**
 * burrow_port_mapper_set_gateway:
 * @gateway: (nullable): where PCP / NAT-PMP go; %NULL: the IPv4 default gateway, port 5351
 */
void
burrow_port_mapper_set_gateway (BurrowPortMapper   *self,
                                GInetSocketAddress *gateway)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  g_set_object (&self->gateway, gateway);
  self->gateway_set = TRUE;
}

/**
 * burrow_port_mapper_set_gateway6:
 * @gateway: (nullable): the router to ask for an IPv6 pinhole by PCP, instead of the IPv6
 *   default route's (tests); once burrow_port_mapper_set_gateway() was called, there is none
 *   unless set here
 */
void
burrow_port_mapper_set_gateway6 (BurrowPortMapper   *self,
                                 GInetSocketAddress *gateway)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  g_set_object (&self->gateway6, gateway);
}

/**
 * burrow_port_mapper_set_description_url:
 * @url: (nullable): a UPnP IGD description URL remembered from an earlier run
 */
void
burrow_port_mapper_set_description_url (BurrowPortMapper *self,
                                        const gchar      *url)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  g_free (self->description_url);
  self->description_url = g_strdup (url);
}

/**
 * burrow_port_mapper_get_description_url:
 *
 * Returns: (nullable): the UPnP IGD description URL to remember for the next run
 */
const gchar *
burrow_port_mapper_get_description_url (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), NULL);

  return self->description_url;
}

void
burrow_port_mapper_set_deadline (BurrowPortMapper *self,
                                 guint             deadline_ms)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  self->deadline_ms = deadline_ms ? deadline_ms : BURROW_PORT_MAPPER_DEADLINE_MS;
}

/**
 * burrow_port_mapper_set_announce_port:
 * @port: where to listen for routers announcing a restart; 0: nowhere
 *
 * The default is %BURROW_PORT_MAPPER_ANNOUNCE_PORT; tests on loopback use another.
 * Takes effect at the next burrow_port_mapper_start().
 */
void
burrow_port_mapper_set_announce_port (BurrowPortMapper *self,
                                      guint16           port)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  self->announce_port = port;
}

static void
set_state (BurrowPortMapper      *self,
           BurrowPortMapperState  state)
{
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* The most telling of two failures: what the router said beats silence. */
static gint
error_rank (const GError *error)
{
  if (error == NULL)
    return -1;
  if (error->domain != BURROW_CONNECTIVITY_ERROR)
    return 0;
  switch (error->code)
    {
    case BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS: return 4;
    case BURROW_CONNECTIVITY_ERROR_REFUSED: return 3;
    case BURROW_CONNECTIVITY_ERROR_FAILED: return 2;
    case BURROW_CONNECTIVITY_ERROR_NO_MAPPER:
    default: return 1;
    }
}

static void
keep_error (BurrowPortMapper *self,
            GError           *error)
{
  if (error_rank (error) > error_rank (self->error))
    {
      g_clear_error (&self->error);
      self->error = error;
    }
  else
    g_error_free (error);
}

static void
on_unmapped (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (g_task_get_source_tag (G_TASK (result)) == burrow_upnp_mapper_unmap_async)
    burrow_upnp_mapper_unmap_finish (result, &error);
  else
    burrow_pcp_mapper_unmap_finish (result, &error);
  if (error != NULL)
    g_debug ("deleting a mapping: %s", error->message);
  if (data != NULL)
    {
      GTask *task = data;
      guint *left = g_task_get_task_data (task);

      if (--(*left) == 0)
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static void
unmap (const BurrowPortMapping *mapping,
       GTask                   *task)
{
  if (mapping->method == BURROW_MAPPING_METHOD_UPNP)
    burrow_upnp_mapper_unmap_async (mapping, NULL, on_unmapped, task ? g_object_ref (task) : NULL);
  else
    burrow_pcp_mapper_unmap_async (mapping, BURROW_PORT_MAPPER_DEADLINE_MS, NULL, on_unmapped,
                                   task ? g_object_ref (task) : NULL);
}

static gboolean on_renew (gpointer data);
static void start_round (BurrowPortMapper *self);

static void
decided (BurrowPortMapper      *self,
         BurrowPortMapperState  state)
{
  self->decided_us = g_get_monotonic_time () - self->started;
  g_clear_handle_id (&self->renew_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_pointer (&self->held, burrow_port_mapping_free);
  if (state == BURROW_PORT_MAPPER_MAPPED)
    self->renew_id = g_timeout_add_seconds (MAX (self->tcp->lifetime / 2, 30), on_renew, self);
  set_state (self, state);
}

static void map_one (BurrowPortMapper       *self,
                     BurrowMappingMethod     method,
                     BurrowPortmapTransport  transport,
                     guint16                 suggested,
                     const BurrowPortMapping *renew);

/* One attempt ended: @mapping (owned) or @error (owned). */
static void
attempt_done (Attempt           *a,
              BurrowPortMapping *mapping,
              GError            *error)
{
  BurrowPortMapper *self = a->self;

  if (a->round != self->round || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* an old round's or a cancelled attempt that mapped after all: not ours to keep */
      if (mapping != NULL)
        unmap (mapping, NULL);
      g_clear_pointer (&mapping, burrow_port_mapping_free);
      g_clear_error (&error);
      return;
    }

  if (a->transport == BURROW_PORTMAP_UDP)
    {
      /* TCP is what peers need; UDP (active search answers) is a bonus */
      g_clear_pointer (&self->udp, burrow_port_mapping_free);
      self->udp = mapping;
      if (error != NULL)
        g_debug ("UDP mapping: %s", error->message);
      g_clear_error (&error);
      decided (self, BURROW_PORT_MAPPER_MAPPED);
      return;
    }

  self->pending--;
  if (mapping != NULL && self->tcp == NULL)
    {
      if (mapping->method == BURROW_MAPPING_METHOD_UPNP && mapping->description_url != NULL)
        burrow_port_mapper_set_description_url (self, mapping->description_url);
      self->tcp = mapping;
      g_clear_error (&self->error);
      map_one (self, mapping->method, BURROW_PORTMAP_UDP, mapping->external_port, self->udp);
      return;
    }
  if (mapping != NULL)
    {
      /* another protocol won first */
      unmap (mapping, NULL);
      burrow_port_mapping_free (mapping);
      return;
    }
  keep_error (self, error);
  if (self->pending == 0 && self->tcp == NULL)
    decided (self, BURROW_PORT_MAPPER_FAILED);
}

static void
on_pcp_mapped (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Attempt *a = data;
  GError *error = NULL;
  BurrowPortMapping *mapping = burrow_pcp_mapper_map_finish (result, &error);

  attempt_done (a, mapping, error);
  attempt_free (a);
}

static void
on_upnp_mapped (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Attempt *a = data;
  GError *error = NULL;
  BurrowPortMapping *mapping = burrow_upnp_mapper_map_finish (result, &error);

  attempt_done (a, mapping, error);
  attempt_free (a);
}

static void
map_one (BurrowPortMapper        *self,
         BurrowMappingMethod      method,
         BurrowPortmapTransport   transport,
         guint16                  suggested,
         const BurrowPortMapping *renew)
{
  if (method == BURROW_MAPPING_METHOD_UPNP)
    {
      burrow_upnp_mapper_map_async (self->description_url, transport, self->port, suggested,
                                    BURROW_PORT_MAPPER_LIFETIME_S, MIN (self->deadline_ms, 1000),
                                    self->cancellable, on_upnp_mapped,
                                    attempt_new (self, transport));
    }
  else
    {
      g_autoptr(GInetSocketAddress) gateway = self->gateway ? g_object_ref (self->gateway)
                                                            : burrow_default_gateway_ipv4 ();
      BurrowPortMapping start = { 0, };

      if (renew == NULL || renew->method != method)
        {
          /* a fresh mapping; NAT-PMP straight away when PCP is off */
          start.method = self->enabled[BURROW_MAPPING_METHOD_PCP] ? BURROW_MAPPING_METHOD_NONE
                                                                  : BURROW_MAPPING_METHOD_NAT_PMP;
          for (guint i = 0; i < BURROW_PCP_NONCE_SIZE; i++)
            start.nonce[i] = g_random_int_range (0, 256);
          renew = &start;
        }
      if (gateway == NULL)
        {
          attempt_done (attempt_new (self, transport), NULL,
                        g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                             BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                             _("No default gateway: no router to ask for a port")));
          return;
        }
      burrow_pcp_mapper_map_async (gateway, transport, self->port, suggested,
                                   BURROW_PORT_MAPPER_LIFETIME_S, renew, self->deadline_ms,
                                   self->cancellable, on_pcp_mapped, attempt_new (self, transport));
    }
}

/* The router of the default route (or the one a test set), and our address towards it: what a
 * network change is judged by. */
static gchar *
dup_route (BurrowPortMapper *self)
{
  g_autoptr(GInetSocketAddress) gateway = self->gateway ? g_object_ref (self->gateway)
                                                        : burrow_default_gateway_ipv4 ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree gchar *router = NULL;
  g_autofree gchar *ours = NULL;

  if (gateway == NULL)
    return NULL;
  router = g_inet_address_to_string (g_inet_socket_address_get_address (gateway));
  /* connecting a UDP socket sends nothing: the kernel only picks the source address */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  if (socket != NULL && g_socket_connect (socket, G_SOCKET_ADDRESS (gateway), NULL, NULL) &&
      (local = g_socket_get_local_address (socket, NULL)) != NULL)
    ours = g_inet_address_to_string (g_inet_socket_address_get_address (
                                       G_INET_SOCKET_ADDRESS (local)));
  return g_strdup_printf ("%s via %s port %u", ours ? ours : "?", router,
                          g_inet_socket_address_get_port (gateway));
}

static GInetAddress *
dup_router (BurrowPortMapper *self)
{
  g_autoptr(GInetSocketAddress) gateway = self->gateway ? g_object_ref (self->gateway)
                                                        : burrow_default_gateway_ipv4 ();

  return gateway ? g_object_ref (g_inet_socket_address_get_address (gateway)) : NULL;
}

/* --- IPv6 pinholes ------------------------------------------------------------------------
 *
 * IPv6 has no NAT, but a home router's firewall drops what comes in unasked. PCP (a MAP whose
 * external address is our own, RFC 6887 §11) or UPnP IGD:2 (WANIPv6FirewallControl
 * AddPinhole) opens it for our port, TCP first, then UDP by the same protocol. Unlike the IPv4
 * mapping they are asked one after the other, PCP first: a router that speaks both keeps one
 * rule per address and port (miniupnpd answers AddPinhole with the pinhole PCP opened), so
 * deleting the slower protocol's pinhole would close the winner's. Pinholes live beside the
 * IPv4 round and decide nothing there: they have their own renewal (half the lease), which
 * repeats the holder's (PCP: its nonce; UPnP: its UniqueID) and asks afresh when the router
 * forgot it.
 */

typedef struct
{
  BurrowPortMapper       *self;
  guint                   ask;
  BurrowMappingMethod     method;
  BurrowPortmapTransport  transport;
} PinholeAttempt;

static gboolean ask_pinhole_after (BurrowPortMapper    *self,
                                   BurrowMappingMethod  tried);

static void ask_pinhole (BurrowPortMapper *self);

static gboolean
same_pinhole (const BurrowPortMapping *a,
              const BurrowPortMapping *b)
{
  if (a == NULL || b == NULL || a->method != b->method || a->transport != b->transport)
    return FALSE;
  if (a->method == BURROW_MAPPING_METHOD_UPNP)
    return a->pinhole_id == b->pinhole_id;
  return memcmp (a->nonce, b->nonce, sizeof a->nonce) == 0;
}

/* Takes @mapping (nullable) as our pinhole for its transport; one of another method or
 * nonce that it replaces is deleted on the router. */
static void
set_pinhole (BurrowPortMapper       *self,
             BurrowPortmapTransport  transport,
             BurrowPortMapping      *mapping)
{
  BurrowPortMapping **slot = &self->pinhole[transport == BURROW_PORTMAP_UDP];

  if (*slot != NULL && mapping != NULL && !same_pinhole (*slot, mapping))
    unmap (*slot, NULL);
  g_clear_pointer (slot, burrow_port_mapping_free);
  *slot = mapping;
  if (transport == BURROW_PORTMAP_TCP && mapping != NULL)
    {
      self->pinhole_state = BURROW_PORT_MAPPER_MAPPED;
      g_clear_error (&self->pinhole_error);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* No pinhole to be had: @error (owned) says why. */
static void
pinhole_failed (BurrowPortMapper *self,
                GError           *error)
{
  g_clear_pointer (&self->pinhole[1], burrow_port_mapping_free);
  g_clear_pointer (&self->pinhole[0], burrow_port_mapping_free);
  g_clear_error (&self->pinhole_error);
  self->pinhole_error = error;
  self->pinhole_state = BURROW_PORT_MAPPER_FAILED;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static gboolean
on_pinhole_renew (gpointer data)
{
  BurrowPortMapper *self = data;

  self->pinhole_renew_id = 0;
  ask_pinhole (self);
  return G_SOURCE_REMOVE;
}

static void ask_pinhole_one (BurrowPortMapper        *self,
                             BurrowMappingMethod      method,
                             BurrowPortmapTransport   transport,
                             const BurrowPortMapping *renew);

static void
pinhole_done (PinholeAttempt    *a,
              BurrowPortMapping *mapping,
              GError            *error)
{
  BurrowPortMapper *self = a->self;
  g_autoptr(GError) owned_error = error;

  if (a->ask != self->pinhole_ask)
    {
      /* an earlier ask's answer: a renewal of what we hold is ours already, anything else
       * is deleted */
      if (mapping != NULL && !same_pinhole (mapping, self->pinhole[0]) &&
          !same_pinhole (mapping, self->pinhole[1]))
        unmap (mapping, NULL);
      g_clear_pointer (&mapping, burrow_port_mapping_free);
      return;
    }

  if (a->transport == BURROW_PORTMAP_UDP)
    {
      /* TCP is what peers need; UDP (active search answers) is a bonus */
      if (mapping == NULL)
        g_debug ("no IPv6 UDP pinhole: %s", error->message);
      else
        set_pinhole (self, BURROW_PORTMAP_UDP, mapping);
      return;
    }

  if (mapping != NULL)
    {
      const BurrowPortMapping *udp = self->pinhole[1];

      if (mapping->method == BURROW_MAPPING_METHOD_UPNP && mapping->description_url != NULL)
        {
          g_free (self->description_url6);
          self->description_url6 = g_strdup (mapping->description_url);
        }
      self->pinhole_renew_id = g_timeout_add_seconds (MAX (mapping->lifetime / 2, 30),
                                                      on_pinhole_renew, self);
      set_pinhole (self, BURROW_PORTMAP_TCP, mapping);
      ask_pinhole_one (self, mapping->method, BURROW_PORTMAP_UDP,
                       udp != NULL && udp->method == mapping->method ? udp : NULL);
      return;
    }
  g_debug ("no IPv6 pinhole by %s: %s", burrow_mapping_method_to_string (a->method),
           error->message);
  if (!self->pinhole_renewing && ask_pinhole_after (self, a->method))
    return;
  /* the router no longer knows the pinhole we renewed: ask every protocol afresh */
  if (self->pinhole_renewing)
    {
      g_clear_pointer (&self->pinhole[1], burrow_port_mapping_free);
      g_clear_pointer (&self->pinhole[0], burrow_port_mapping_free);
      ask_pinhole (self);
      return;
    }
  pinhole_failed (self, g_steal_pointer (&owned_error));
}

static void
on_pinhole (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  PinholeAttempt *a = data;
  GError *error = NULL;
  BurrowPortMapping *mapping;

  if (g_task_get_source_tag (G_TASK (result)) == burrow_upnp_mapper_pinhole_async)
    mapping = burrow_upnp_mapper_pinhole_finish (result, &error);
  else
    mapping = burrow_pcp_mapper_map_finish (result, &error);
  pinhole_done (a, mapping, error);
  g_object_unref (a->self);
  g_free (a);
}

static GInetSocketAddress *
dup_gateway6 (BurrowPortMapper *self)
{
  if (self->gateway6 != NULL)
    return g_object_ref (self->gateway6);
  return self->gateway_set ? NULL : burrow_default_gateway_ipv6 ();
}

static void
ask_pinhole_one (BurrowPortMapper        *self,
                 BurrowMappingMethod      method,
                 BurrowPortmapTransport   transport,
                 const BurrowPortMapping *renew)
{
  PinholeAttempt *a = g_new0 (PinholeAttempt, 1);

  a->self = g_object_ref (self);
  a->ask = self->pinhole_ask;
  a->method = method;
  a->transport = transport;
  if (method == BURROW_MAPPING_METHOD_UPNP)
    {
      burrow_upnp_mapper_pinhole_async (self->description_url6, transport, self->port,
                                        BURROW_PORT_MAPPER_LIFETIME_S,
                                        MIN (self->deadline_ms, 1000), renew, self->cancellable,
                                        on_pinhole, a);
    }
  else
    {
      g_autoptr(GInetSocketAddress) gateway = dup_gateway6 (self);
      BurrowPortMapping start = { .method = BURROW_MAPPING_METHOD_PCP };

      if (renew == NULL)
        for (guint i = 0; i < BURROW_PCP_NONCE_SIZE; i++)
          start.nonce[i] = g_random_int_range (0, 256);
      burrow_pcp_mapper_map_async (gateway, transport, self->port, self->port,
                                   BURROW_PORT_MAPPER_LIFETIME_S, renew ? renew : &start,
                                   self->deadline_ms, self->cancellable, on_pinhole, a);
    }
}

static void
ask_pinhole (BurrowPortMapper *self)
{
  g_autoptr(GInetSocketAddress) gateway = dup_gateway6 (self);
  const BurrowPortMapping *held = self->pinhole[0];

  self->pinhole_ask++;
  self->pinhole_renewing = held != NULL;
  g_clear_handle_id (&self->pinhole_renew_id, g_source_remove);
  /* no IPv6 default route: no router to ask (the pinholes, if any, went with the route) */
  if (gateway == NULL)
    {
      pinhole_failed (self, g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                 BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                                 _("No IPv6 default route: no router to ask")));
      return;
    }
  if (held != NULL && self->enabled[held->method])
    {
      ask_pinhole_one (self, held->method, BURROW_PORTMAP_TCP, held);
      return;
    }
  self->pinhole_renewing = FALSE;
  if (self->pinhole_state != BURROW_PORT_MAPPER_MAPPING)
    {
      self->pinhole_state = BURROW_PORT_MAPPER_MAPPING;
      g_clear_error (&self->pinhole_error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (!ask_pinhole_after (self, BURROW_MAPPING_METHOD_NONE))
    pinhole_failed (self, g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                               BURROW_CONNECTIVITY_ERROR_TURNED_OFF,
                                               _("Port mapping is turned off")));
}

/* Asks the next protocol after @tried (PCP, then UPnP; NAT-PMP knows no IPv6). */
static gboolean
ask_pinhole_after (BurrowPortMapper    *self,
                   BurrowMappingMethod  tried)
{
  static const BurrowMappingMethod order[] = { BURROW_MAPPING_METHOD_PCP,
                                               BURROW_MAPPING_METHOD_UPNP };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (order[i] > tried && self->enabled[order[i]])
      {
        ask_pinhole_one (self, order[i], BURROW_PORTMAP_TCP, NULL);
        return TRUE;
      }
  return FALSE;
}

/* A protocol that has not answered by the deadline (libminiupnpc's HTTP requests have no
 * timeout of ours) does not hold the decision up: it may still win later. */
static gboolean
on_round_deadline (gpointer data)
{
  BurrowPortMapper *self = data;

  self->deadline_id = 0;
  if (self->state == BURROW_PORT_MAPPER_MAPPING && self->tcp == NULL)
    {
      keep_error (self, g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                             BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                             _("No router answered in time")));
      decided (self, BURROW_PORT_MAPPER_FAILED);
    }
  return G_SOURCE_REMOVE;
}

static void
start_round (BurrowPortMapper *self)
{
  gboolean pcp = self->enabled[BURROW_MAPPING_METHOD_PCP] ||
                 self->enabled[BURROW_MAPPING_METHOD_NAT_PMP];
  const BurrowPortMapping *old_tcp;
  guint16 suggested;

  /* the mapping being renewed stays ours (and the decision's) until the round ends */
  if (self->tcp != NULL)
    {
      g_clear_pointer (&self->held, burrow_port_mapping_free);
      self->held = g_steal_pointer (&self->tcp);
    }
  old_tcp = self->held;
  suggested = old_tcp ? old_tcp->external_port : self->port;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->round++;
  self->pending = 0;
  self->started = g_get_monotonic_time ();
  g_free (self->route);
  self->route = dup_route (self);
  g_clear_error (&self->error);
  g_clear_handle_id (&self->renew_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  set_state (self, BURROW_PORT_MAPPER_MAPPING);

  if (pcp)
    self->pending++;
  if (self->enabled[BURROW_MAPPING_METHOD_UPNP])
    self->pending++;
  ask_pinhole (self);
  if (self->pending == 0)
    {
      self->error = g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                         BURROW_CONNECTIVITY_ERROR_TURNED_OFF,
                                         _("Port mapping is turned off"));
      decided (self, BURROW_PORT_MAPPER_FAILED);
      return;
    }
  self->deadline_id = g_timeout_add (self->deadline_ms + 250, on_round_deadline, self);
  /* renewals go to the protocol that holds the mapping, with its nonce */
  if (pcp)
    map_one (self, old_tcp && old_tcp->method != BURROW_MAPPING_METHOD_UPNP
                   ? old_tcp->method : BURROW_MAPPING_METHOD_PCP,
             BURROW_PORTMAP_TCP, suggested, old_tcp);
  if (self->enabled[BURROW_MAPPING_METHOD_UPNP])
    map_one (self, BURROW_MAPPING_METHOD_UPNP, BURROW_PORTMAP_TCP, suggested, NULL);
}

static gboolean
on_renew (gpointer data)
{
  BurrowPortMapper *self = data;

  self->renew_id = 0;
  start_round (self);
  return G_SOURCE_REMOVE;
}

static void
on_network_changed (GNetworkMonitor  *monitor,
                    gboolean          available,
                    BurrowPortMapper *self)
{
  g_autofree gchar *route = dup_route (self);

  if (self->state == BURROW_PORT_MAPPER_IDLE)
    return;
  /* netlink reports every route and address; while we reach the same router from the same
   * address, a round in progress goes on, the mapping holds (a renewal would only repeat it),
   * and so does a failure: the router's answer would be the same. Only silence is asked about
   * again, at most once a minute (a router that starts later: PCP and NAT-PMP ones also
   * announce themselves). */
  if (route != NULL && g_strcmp0 (route, self->route) == 0 &&
      (self->state == BURROW_PORT_MAPPER_MAPPED || self->state == BURROW_PORT_MAPPER_MAPPING ||
       (self->state == BURROW_PORT_MAPPER_FAILED &&
        (!g_error_matches (self->error, BURROW_CONNECTIVITY_ERROR,
                           BURROW_CONNECTIVITY_ERROR_NO_MAPPER) ||
         g_get_monotonic_time () - self->started < BURROW_PORT_MAPPER_RETRY_SILENCE_S * G_USEC_PER_SEC))))
    {
      g_debug ("the network changed, not the way to the router (%s): going on", route);
      return;
    }
  g_debug ("the network changed (%s, was %s): mapping again", route ? route : "no router",
           self->route ? self->route : "none");
  start_round (self);
}

/* --- router restarts ---------------------------------------------------------------------
 *
 * A PCP router that restarts multicasts an unsolicited ANNOUNCE answer, a NAT-PMP one its
 * public address answer, each with its new epoch. When the epoch shows it lost our mapping, we
 * map again at once instead of at the next renewal (up to half an hour later). A router that
 * appears after we gave up gets asked as well.
 */

static gboolean
on_announcement (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      data)
{
  BurrowPortMapper *self = data;
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GInetAddress) router = NULL;
  guint8 buffer[BURROW_PCP_MAP_REQUEST_SIZE];
  BurrowPortmapResponse response;
  BurrowPortMapping now = { 0, };
  gssize n;

  n = g_socket_receive_from (socket, &from, (gchar *) buffer, sizeof buffer, NULL, NULL);
  if (n <= 0 || !G_IS_INET_SOCKET_ADDRESS (from) ||
      !burrow_portmap_parse_response (buffer, n, &response, NULL) ||
      response.opcode != 0 || response.result != 0)
    return G_SOURCE_CONTINUE;
  /* only our router's word counts */
  router = dup_router (self);
  if (router == NULL ||
      !g_inet_address_equal (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)),
                             router))
    return G_SOURCE_CONTINUE;

  now.epoch = response.epoch;
  now.obtained = g_get_monotonic_time ();
  if (self->state == BURROW_PORT_MAPPER_MAPPED && self->tcp != NULL &&
      self->tcp->method != BURROW_MAPPING_METHOD_UPNP &&
      burrow_port_mapping_router_lost_state (self->tcp, &now))
    {
      g_debug ("the router restarted (epoch %u, was %u): mapping again", now.epoch,
               self->tcp->epoch);
      start_round (self);
    }
  else if (self->state == BURROW_PORT_MAPPER_FAILED)
    {
      g_debug ("a router announced itself: asking it for a port");
      start_round (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_listening (BurrowPortMapper *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) all_hosts = g_inet_address_new_from_string ("224.0.0.1");
  g_autoptr(GSocketAddress) address = NULL;

  if (self->announcements != NULL || self->announce_port == 0 ||
      (!self->enabled[BURROW_MAPPING_METHOD_PCP] && !self->enabled[BURROW_MAPPING_METHOD_NAT_PMP]))
    return;
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  address = g_inet_socket_address_new (any, self->announce_port);
  /* other programs on this machine may listen too */
  if (socket == NULL || !g_socket_bind (socket, address, TRUE, &error))
    {
      g_debug ("not listening for router restarts: %s", error->message);
      return;
    }
  if (!g_socket_join_multicast_group (socket, all_hosts, FALSE, NULL, &error))
    g_debug ("joining 224.0.0.1: %s", error->message);
  g_socket_set_blocking (socket, FALSE);
  self->announce_source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (self->announce_source, G_SOURCE_FUNC (on_announcement), self, NULL);
  g_source_attach (self->announce_source, NULL);
  self->announcements = g_steal_pointer (&socket);
}

/**
 * burrow_port_mapper_start:
 *
 * Starts mapping (again, when it ran before). The state goes to MAPPING, then to MAPPED with
 * burrow_port_mapper_get_mapping() set, or FAILED with burrow_port_mapper_get_error() telling
 * why, within the deadline. Renewals and network changes start new rounds by themselves.
 */
void
burrow_port_mapper_start (BurrowPortMapper *self)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  if (self->network_changed_id == 0)
    self->network_changed_id = g_signal_connect (g_network_monitor_get_default (), "network-changed",
                                                 G_CALLBACK (on_network_changed), self);
  start_listening (self);
  start_round (self);
}

/**
 * burrow_port_mapper_stop_async:
 *
 * Stops renewing and deletes the mappings on the router; completes when the router answered
 * each delete (or gave up). Always succeeds.
 */
void
burrow_port_mapper_stop_async (BurrowPortMapper    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  guint *left = g_new0 (guint, 1);

  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_port_mapper_stop_async);
  g_task_set_task_data (task, left, g_free);
  g_cancellable_cancel (self->cancellable);
  self->round++;
  g_clear_handle_id (&self->renew_id, g_source_remove);
  if (self->network_changed_id != 0)
    g_clear_signal_handler (&self->network_changed_id, g_network_monitor_get_default ());
  stop_listening (self);

  *left = 1; /* ours, dropped below */
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  if (self->tcp == NULL && self->held != NULL)
    self->tcp = g_steal_pointer (&self->held); /* stopped while renewing */
  if (self->tcp != NULL)
    {
      (*left)++;
      unmap (self->tcp, task);
    }
  if (self->udp != NULL)
    {
      (*left)++;
      unmap (self->udp, task);
    }
  self->pinhole_ask++;
  self->pinhole_state = BURROW_PORT_MAPPER_IDLE;
  g_clear_error (&self->pinhole_error);
  g_clear_handle_id (&self->pinhole_renew_id, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (self->pinhole); i++)
    if (self->pinhole[i] != NULL)
      {
        (*left)++;
        unmap (self->pinhole[i], task);
        g_clear_pointer (&self->pinhole[i], burrow_port_mapping_free);
      }
  g_clear_pointer (&self->tcp, burrow_port_mapping_free);
  g_clear_pointer (&self->udp, burrow_port_mapping_free);
  set_state (self, BURROW_PORT_MAPPER_IDLE);
  if (--(*left) == 0)
    g_task_return_boolean (task, TRUE);
}

/**
 * burrow_port_mapper_release:
 * @why: what to report as the error (say, %BURROW_CONNECTIVITY_ERROR_DOUBLE_NAT)
 *
 * Deletes the IPv4 mappings on the router and gives up on them: the state becomes FAILED
 * with @why, nothing is renewed. A network change that leads to another router, or a router
 * that announces a restart, starts a new round. The IPv6 pinholes stay.
 */
void
burrow_port_mapper_release (BurrowPortMapper *self,
                            const GError     *why)
{
  g_return_if_fail (BURROW_IS_PORT_MAPPER (self));
  g_return_if_fail (why != NULL);

  g_cancellable_cancel (self->cancellable);
  self->round++;
  if (self->tcp == NULL && self->held != NULL)
    self->tcp = g_steal_pointer (&self->held);
  if (self->tcp != NULL)
    unmap (self->tcp, NULL);
  if (self->udp != NULL)
    unmap (self->udp, NULL);
  g_clear_pointer (&self->tcp, burrow_port_mapping_free);
  g_clear_pointer (&self->udp, burrow_port_mapping_free);
  g_clear_error (&self->error);
  self->error = g_error_copy (why);
  decided (self, BURROW_PORT_MAPPER_FAILED);
}

gboolean
burrow_port_mapper_stop_finish (BurrowPortMapper  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

BurrowPortMapperState
burrow_port_mapper_get_state (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), BURROW_PORT_MAPPER_IDLE);

  return self->state;
}

/**
 * burrow_port_mapper_get_mapping:
 *
 * Returns: (nullable): the current mapping for @transport
 */
const BurrowPortMapping *
burrow_port_mapper_get_mapping (BurrowPortMapper       *self,
                                BurrowPortmapTransport  transport)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), NULL);

  if (self->state == BURROW_PORT_MAPPER_MAPPING && self->held != NULL)
    return transport == BURROW_PORTMAP_UDP ? self->udp : self->held; /* being renewed */
  if (self->state != BURROW_PORT_MAPPER_MAPPED)
    return NULL;
  return transport == BURROW_PORTMAP_UDP ? self->udp : self->tcp;
}

/**
 * burrow_port_mapper_get_error:
 *
 * Returns: (nullable): why the last round failed (the most telling of the protocols' answers)
 */
const GError *
burrow_port_mapper_get_error (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), NULL);

  return self->state == BURROW_PORT_MAPPER_FAILED ? self->error : NULL;
}

/**
 * burrow_port_mapper_get_decided_us:
 *
 * Returns: how long the last round took from its start to MAPPED or FAILED
 */
gint64
burrow_port_mapper_get_decided_us (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), 0);

  return self->decided_us;
}

/**
 * burrow_port_mapper_get_pinhole:
 *
 * Returns: (nullable): the IPv6 pinhole PCP or UPnP opened for our port and @transport,
 *   whatever the IPv4 round came to
 */
const BurrowPortMapping *
burrow_port_mapper_get_pinhole (BurrowPortMapper       *self,
                                BurrowPortmapTransport  transport)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), NULL);

  return self->pinhole[transport == BURROW_PORTMAP_UDP];
}

/**
 * burrow_port_mapper_get_pinhole_state:
 *
 * Returns: where the IPv6 pinholes stand: MAPPING while the routers are asked, MAPPED with a
 *   TCP pinhole (kept while it is renewed), FAILED (see burrow_port_mapper_get_pinhole_error())
 */
BurrowPortMapperState
burrow_port_mapper_get_pinhole_state (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), BURROW_PORT_MAPPER_IDLE);

  return self->pinhole_state;
}

/**
 * burrow_port_mapper_get_pinhole_error:
 *
 * Returns: (nullable): why no router opened its IPv6 firewall for us
 */
const GError *
burrow_port_mapper_get_pinhole_error (BurrowPortMapper *self)
{
  g_return_val_if_fail (BURROW_IS_PORT_MAPPER (self), NULL);

  return self->pinhole_state == BURROW_PORT_MAPPER_FAILED ? self->pinhole_error : NULL;
}
