/* burrow-connectivity.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Re-decides (burrow-connectivity-decision.c) whenever an input changes: the hubs report another
 * address for us, the port mapper finishes a round, or a connection attempt shows whether peers
 * reach us. Emits ::changed when the decision differs. IPv4 for now.
 */

#define G_LOG_DOMAIN "burrow-connectivity"

#include "config.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "burrow-json.h"

#include "burrow-connectivity.h"

struct _BurrowConnectivity
{
  GObject                     parent_instance;

  BurrowHubList              *hubs;
  BurrowPortMapper           *mapper;     /* NULL: no port mapping (manual port forwarding) */
  GPtrArray                  *locals;     /* GInetAddress; NULL: read the interfaces */
  BurrowConnectivityDecision  decision;
  gboolean                    decided;
  guint                       reached;
  GHashTable                 *streak;     /* peer ids of the unanswered requests in a row */
};

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
  burrow_connectivity_decision_clear (&self->decision);
  g_hash_table_unref (self->streak);

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
   *
   * The decision (mode, method, external address or port, confirmation, reason) changed.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
burrow_connectivity_init (BurrowConnectivity *self)
{
  self->streak = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * burrow_local_addresses_ipv4:
 *
 * Returns: (transfer full) (element-type GInetAddress): the IPv4 addresses of our interfaces
 */
GPtrArray *
burrow_local_addresses_ipv4 (void)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return out;
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
    if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET)
      {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) i->ifa_addr;

        g_ptr_array_add (out, g_inet_address_new_from_bytes ((const guint8 *) &sin->sin_addr,
                                                             G_SOCKET_FAMILY_IPV4));
      }
  freeifaddrs (list);
  return out;
}

static gboolean
same_decision (const BurrowConnectivityDecision *a,
               const BurrowConnectivityDecision *b)
{
  if (a->mode != b->mode || a->reason != b->reason || a->method != b->method ||
      a->external_port != b->external_port || a->confirmed != b->confirmed)
    return FALSE;
  if ((a->external_address == NULL) != (b->external_address == NULL))
    return FALSE;
  return a->external_address == NULL ||
         g_inet_address_equal (a->external_address, b->external_address);
}

static void
decide (BurrowConnectivity *self)
{
  g_autoptr(GPtrArray) locals = self->locals ? g_ptr_array_ref (self->locals)
                                             : burrow_local_addresses_ipv4 ();
  g_auto(GStrv) seen = burrow_hub_list_dup_own_addresses (self->hubs, NULL);
  g_autoptr(GInetAddress) hub_address = NULL;
  BurrowConnectivityInputs in = { 0, };
  BurrowConnectivityDecision d;

  for (guint i = 0; seen[i] != NULL && hub_address == NULL; i++)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (seen[i]);

      if (a != NULL && g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV4 &&
          !g_inet_address_get_is_any (a))
        hub_address = g_steal_pointer (&a);
    }
  in.local_addresses = locals;
  in.hub_address = hub_address;
  if (self->mapper != NULL)
    {
      in.mapping = burrow_port_mapper_get_mapping (self->mapper, BURROW_PORTMAP_TCP);
      in.mapping_error = burrow_port_mapper_get_error (self->mapper);
    }
  else
    in.mapping_error = NULL;
  in.reached = self->reached;
  in.unreached = g_hash_table_size (self->streak);

  burrow_connectivity_decide (&in, &d);
  if (self->decided && same_decision (&d, &self->decision))
    {
      /* the sentence may still say more (the count of users who reached us) */
      g_free (self->decision.sentence);
      self->decision.sentence = g_steal_pointer (&d.sentence);
      burrow_connectivity_decision_clear (&d);
      return;
    }
  burrow_connectivity_decision_clear (&self->decision);
  self->decision = d;
  self->decided = TRUE;
  g_debug ("%s", self->decision.sentence);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
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

const BurrowConnectivityDecision *
burrow_connectivity_get_decision (BurrowConnectivity *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY (self), NULL);

  return self->decided ? &self->decision : NULL;
}

/**
 * burrow_connectivity_note_reached:
 *
 * A peer connected to our port with the token of a request we sent: the mode is confirmed,
 * and the streak of unanswered requests ends.
 */
void
burrow_connectivity_note_reached (BurrowConnectivity *self)
{
  g_return_if_fail (BURROW_IS_CONNECTIVITY (self));

  self->reached++;
  g_hash_table_remove_all (self->streak);
  decide (self);
}

/**
 * burrow_connectivity_note_unreached:
 * @peer_id: who never connected after our request
 *
 * Counts toward demotion only once per peer: one broken peer cannot make us passive.
 */
void
burrow_connectivity_note_unreached (BurrowConnectivity *self,
                                    const gchar        *peer_id)
{
  g_return_if_fail (BURROW_IS_CONNECTIVITY (self));
  g_return_if_fail (peer_id != NULL);

  if (g_hash_table_add (self->streak, g_strdup (peer_id)))
    decide (self);
}

/**
 * burrow_connectivity_decision_to_json:
 *
 * Returns: the `connectivity` event of `burrow-cli --json` (one line, no newline)
 */
gchar *
burrow_connectivity_decision_to_json (const BurrowConnectivityDecision *d)
{
  GString *out = g_string_new ("{\"event\":\"connectivity\",\"family\":\"ipv4\",");
  g_autofree gchar *address = d->external_address ? g_inet_address_to_string (d->external_address)
                                                  : NULL;
  const gchar *method = d->reason == BURROW_CONNECTIVITY_REASON_DIRECT
                        ? "direct" : burrow_mapping_method_to_string (d->method);

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
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
