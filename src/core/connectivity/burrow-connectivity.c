/* burrow-connectivity.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Re-decides (burrow-connectivity-decision.c) whenever an input changes: the hubs report another
 * address for us, the port mapper finishes a round, or a connection attempt shows whether peers
 * reach us. Emits ::changed when a family's decision differs. IPv4 and IPv6 are decided apart:
 * a port mapping counts for IPv4, a pinhole in the router's firewall (PCP or UPnP) for IPv6.
 */

#define G_LOG_DOMAIN "burrow-connectivity"

#include "config.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "burrow-error.h"
#include "burrow-json.h"

#include "burrow-connectivity.h"

typedef struct
{
  BurrowConnectivityDecision  decision;
  gboolean                    decided;
  guint                       reached;
  gint64                      reached_at;
  GHashTable                 *streak;   /* peer ids of the unanswered requests in a row */
} FamilyState;

struct _BurrowConnectivity
{
  GObject                     parent_instance;

  BurrowHubList              *hubs;
  BurrowPortMapper           *mapper;     /* NULL: no port mapping (manual port forwarding) */
  GPtrArray                  *locals;     /* GInetAddress; NULL: read the interfaces */
  FamilyState                 families[2]; /* [0] IPv4, [1] IPv6 */
};

#define FAMILY(self, family) (&(self)->families[(family) == G_SOCKET_FAMILY_IPV6 ? 1 : 0])

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowConnectivity, burrow_connectivity, G_TYPE_OBJECT)

static void
burrow_connectivity_dispose (GObject *object)
{
  BurrowConnectivity *self = BURROW_CONNECTIVITY (object);

  if (self->hubs != NULL)
    g_signal_handlers_disconnect_by_data (self->hubs, self);
  if (self->mapper != NULL)
    g_signal_handlers_disconnect_by_data (self->mapper, self);
  g_clear_object (&self->hubs);
  g_clear_object (&self->mapper);

  G_OBJECT_CLASS (burrow_connectivity_parent_class)->dispose (object);
}

static void
burrow_connectivity_finalize (GObject *object)
{
  BurrowConnectivity *self = BURROW_CONNECTIVITY (object);

  g_clear_pointer (&self->locals, g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (self->families); i++)
    {
      burrow_connectivity_decision_clear (&self->families[i].decision);
      g_hash_table_unref (self->families[i].streak);
    }

  G_OBJECT_CLASS (burrow_connectivity_parent_class)->finalize (object);
}

static void
burrow_connectivity_class_init (BurrowConnectivityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_connectivity_dispose;
  object_class->finalize = burrow_connectivity_finalize;

  /**
   * BurrowConnectivity::changed:
   * @family: the #GSocketFamily whose decision changed
   *
   * A family's decision (mode, method, external address or port, confirmation, reason) changed.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_SOCKET_FAMILY);
}

static void
burrow_connectivity_init (BurrowConnectivity *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->families); i++)
    self->families[i].streak = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * burrow_local_addresses:
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 *
 * Returns: (transfer full) (element-type GInetAddress): the addresses of @family on our
 *   interfaces
 */
GPtrArray *
burrow_local_addresses (GSocketFamily family)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return out;
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
    {
      if (i->ifa_addr == NULL)
        continue;
      if (i->ifa_addr->sa_family == AF_INET && family == G_SOCKET_FAMILY_IPV4)
        g_ptr_array_add (out, g_inet_address_new_from_bytes (
                                (const guint8 *) &((const struct sockaddr_in *) i->ifa_addr)->sin_addr,
                                G_SOCKET_FAMILY_IPV4));
      else if (i->ifa_addr->sa_family == AF_INET6 && family == G_SOCKET_FAMILY_IPV6)
        g_ptr_array_add (out, g_inet_address_new_from_bytes (
                                (const guint8 *) &((const struct sockaddr_in6 *) i->ifa_addr)->sin6_addr,
                                G_SOCKET_FAMILY_IPV6));
    }
  freeifaddrs (list);
  return out;
}

static gboolean
same_decision (const BurrowConnectivityDecision *a,
               const BurrowConnectivityDecision *b)
{
  if (a->mode != b->mode || a->reason != b->reason || a->method != b->method ||
      a->external_port != b->external_port || a->confirmed != b->confirmed ||
      a->confirmed_at != b->confirmed_at)
    return FALSE;
  if ((a->external_address == NULL) != (b->external_address == NULL))
    return FALSE;
  return a->external_address == NULL ||
         g_inet_address_equal (a->external_address, b->external_address);
}

static GPtrArray *
locals_of (BurrowConnectivity *self,
           GSocketFamily       family)
{
  GPtrArray *out;

  if (self->locals == NULL)
    return burrow_local_addresses (family);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->locals->len; i++)
    if (g_inet_address_get_family (g_ptr_array_index (self->locals, i)) == family)
      g_ptr_array_add (out, g_object_ref (g_ptr_array_index (self->locals, i)));
  return out;
}

static void
decide_family (BurrowConnectivity *self,
               GSocketFamily       family)
{
  g_autoptr(GPtrArray) locals = locals_of (self, family);
  g_auto(GStrv) seen = burrow_hub_list_dup_own_addresses (self->hubs, NULL);
  g_autoptr(GInetAddress) hub_address = NULL;
  BurrowConnectivityInputs in = { 0, };
  BurrowConnectivityDecision d;
  FamilyState *f = FAMILY (self, family);
  const BurrowPortMapping *mapping;

  for (guint i = 0; seen[i] != NULL && hub_address == NULL; i++)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (seen[i]);

      if (a != NULL && g_inet_address_get_family (a) == family && !g_inet_address_get_is_any (a))
        hub_address = g_steal_pointer (&a);
    }
  in.family = family;
  in.local_addresses = locals;
  in.hub_address = hub_address;
  if (self->mapper != NULL && family == G_SOCKET_FAMILY_IPV4)
    {
      in.mapping = burrow_port_mapper_get_mapping (self->mapper, BURROW_PORTMAP_TCP);
      in.mapping_error = burrow_port_mapper_get_error (self->mapper);
    }
  else if (self->mapper != NULL)
    {
      in.mapping = burrow_port_mapper_get_pinhole (self->mapper, BURROW_PORTMAP_TCP);
      in.mapping_error = burrow_port_mapper_get_pinhole_error (self->mapper);
    }
  in.reached = f->reached;
  in.reached_at = f->reached_at;
  in.unreached = g_hash_table_size (f->streak);

  burrow_connectivity_decide (&in, &d);
  if (f->decided && same_decision (&d, &f->decision))
    {
      /* the sentence may still say more (the count of users who reached us) */
      g_free (f->decision.sentence);
      f->decision.sentence = g_steal_pointer (&d.sentence);
      burrow_connectivity_decision_clear (&d);
      return;
    }
  burrow_connectivity_decision_clear (&f->decision);
  f->decision = d;
  f->decided = TRUE;
  g_debug ("%s", f->decision.sentence);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, family);

  /* a mapping to a private address is no use to anyone (double NAT): delete it, and keep
   * saying why (the mapper reports it as its error, which decides the same) */
  if (family == G_SOCKET_FAMILY_IPV4 && self->mapper != NULL &&
      f->decision.reason == BURROW_CONNECTIVITY_REASON_DOUBLE_NAT &&
      (mapping = burrow_port_mapper_get_mapping (self->mapper, BURROW_PORTMAP_TCP)) != NULL &&
      (mapping->external_address == NULL ||
       burrow_address_is_private (mapping->external_address)))
    {
      g_autoptr(GError) why = g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                   BURROW_CONNECTIVITY_ERROR_DOUBLE_NAT,
                                                   f->decision.sentence);

      burrow_port_mapper_release (self->mapper, why);
    }
}

static void
decide (BurrowConnectivity *self)
{
  decide_family (self, G_SOCKET_FAMILY_IPV4);
  decide_family (self, G_SOCKET_FAMILY_IPV6);
}

static void
on_own_addresses_changed (BurrowHubList      *hubs,
                          BurrowConnectivity *self)
{
  decide (self);
}

static void
on_mapper_state (BurrowPortMapper   *mapper,
                 GParamSpec         *pspec,
                 BurrowConnectivity *self)
{
  decide (self);
}

/**
 * burrow_connectivity_new:
 * @hubs: where the address hubs see for us comes from
 * @mapper: (nullable): the port mapper to run and listen to
 */
BurrowConnectivity *
burrow_connectivity_new (BurrowHubList    *hubs,
                         BurrowPortMapper *mapper)
{
  BurrowConnectivity *self;

  g_return_val_if_fail (BURROW_IS_HUB_LIST (hubs), NULL);
  g_return_val_if_fail (mapper == NULL || BURROW_IS_PORT_MAPPER (mapper), NULL);

  self = g_object_new (BURROW_TYPE_CONNECTIVITY, NULL);
  self->hubs = g_object_ref (hubs);
  g_set_object (&self->mapper, mapper);
  return self;
}

BurrowPortMapper *
burrow_connectivity_get_mapper (BurrowConnectivity *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY (self), NULL);

  return self->mapper;
}

/**
 * burrow_connectivity_set_local_addresses:
 * @addresses: (nullable) (element-type GInetAddress): our addresses, instead of the
 *   interfaces' (tests); %NULL: read the interfaces again at each decision
 */
void
burrow_connectivity_set_local_addresses (BurrowConnectivity *self,
                                         GPtrArray          *addresses)
{
  g_return_if_fail (BURROW_IS_CONNECTIVITY (self));

  g_clear_pointer (&self->locals, g_ptr_array_unref);
  if (addresses != NULL)
    self->locals = g_ptr_array_ref (addresses);
}

/**
 * burrow_connectivity_start:
 *
 * Starts the port mapper and decides at once (passive until a hub tells our address), then
 * again on every change.
 */
void
burrow_connectivity_start (BurrowConnectivity *self)
{
  g_return_if_fail (BURROW_IS_CONNECTIVITY (self));

  g_signal_connect_object (self->hubs, "own-addresses-changed",
                           G_CALLBACK (on_own_addresses_changed), self, 0);
  if (self->mapper != NULL)
    {
      g_signal_connect_object (self->mapper, "notify::state", G_CALLBACK (on_mapper_state), self, 0);
      burrow_port_mapper_start (self->mapper);
    }
  decide (self);
}

/**
 * burrow_connectivity_get_decision:
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 *
 * Returns: (nullable): the decision for @family, %NULL before burrow_connectivity_start()
 */
const BurrowConnectivityDecision *
burrow_connectivity_get_decision (BurrowConnectivity *self,
                                  GSocketFamily       family)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY (self), NULL);

  return FAMILY (self, family)->decided ? &FAMILY (self, family)->decision : NULL;
}

/**
 * burrow_connectivity_note_reached:
 * @family: the family of the connection
 *
 * A peer connected to our port with the token of a request we sent: the mode is confirmed,
 * and the streak of unanswered requests ends.
 */
void
burrow_connectivity_note_reached (BurrowConnectivity *self,
                                  GSocketFamily       family)
{
  g_return_if_fail (BURROW_IS_CONNECTIVITY (self));

  FAMILY (self, family)->reached++;
  FAMILY (self, family)->reached_at = g_get_real_time ();
  g_hash_table_remove_all (FAMILY (self, family)->streak);
  decide_family (self, family);
}

/**
 * burrow_connectivity_note_unreached:
 * @family: the family of the address we asked the peer to connect to
 * @peer_id: who never connected after our request
 *
 * Counts toward demotion only once per peer: one broken peer cannot make us passive.
 */
void
burrow_connectivity_note_unreached (BurrowConnectivity *self,
                                    GSocketFamily       family,
                                    const gchar        *peer_id)
{
  g_return_if_fail (BURROW_IS_CONNECTIVITY (self));
  g_return_if_fail (peer_id != NULL);

  if (g_hash_table_add (FAMILY (self, family)->streak, g_strdup (peer_id)))
    decide_family (self, family);
}

/**
 * burrow_connectivity_decision_to_json:
 *
 * Returns: the `connectivity` event of `burrow-cli --json` (one line, no newline)
 */
gchar *
burrow_connectivity_decision_to_json (const BurrowConnectivityDecision *d)
{
  GString *out = g_string_new ("{\"event\":\"connectivity\",");
  g_autofree gchar *address = d->external_address ? g_inet_address_to_string (d->external_address)
                                                  : NULL;
  const gchar *method = d->reason == BURROW_CONNECTIVITY_REASON_DIRECT
                        ? "direct" : burrow_mapping_method_to_string (d->method);

  burrow_json_append_member (out, "family", d->family == G_SOCKET_FAMILY_IPV6 ? "ipv6" : "ipv4");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "mode", d->mode == BURROW_CONNECTIVITY_ACTIVE ? "active"
                                                                                : "passive");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "method", d->mode == BURROW_CONNECTIVITY_ACTIVE ? method : "none");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "external_address", address);
  g_string_append_printf (out, ",\"external_port\":%u,\"confirmed\":%s,", d->external_port,
                          d->confirmed ? "true" : "false");
  burrow_json_append_member (out, "reason", d->sentence);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "why", burrow_connectivity_reason_to_string (d->reason));
  if (d->confirmed_at != 0)
    g_string_append_printf (out, ",\"confirmed_at\":%" G_GINT64_FORMAT, d->confirmed_at / G_USEC_PER_SEC);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
