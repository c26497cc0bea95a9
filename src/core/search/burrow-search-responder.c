/* burrow-search-responder.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-responder"

#include "config.h"

#include <string.h>

#include "burrow-search-index.h"
#include "burrow-share.h"

#include "burrow-search-responder.h"

typedef struct
{
  gdouble tokens;
  gint64  at;      /* monotonic µs of the last refill */
} Bucket;

/* Refills @bucket and takes @n tokens if it has them. */
static gboolean
bucket_take (Bucket *bucket,
             guint   burst,
             guint   rate,
             guint   n)
{
  gint64 now = g_get_monotonic_time ();

  if (bucket->at == 0)
    bucket->tokens = burst;
  else
    bucket->tokens = MIN ((gdouble) burst,
                          bucket->tokens + (gdouble) (now - bucket->at) * rate / G_USEC_PER_SEC);
  bucket->at = now;
  if (bucket->tokens < n)
    return FALSE;
  bucket->tokens -= n;
  return TRUE;
}

static gboolean
table_take (GHashTable  *table,
            const gchar *key,
            guint        burst,
            guint        rate,
            guint        n)
{
  Bucket *bucket = g_hash_table_lookup (table, key);

  if (bucket == NULL)
    {
      if (g_hash_table_size (table) >= BURROW_SEARCH_RESPONDER_BUCKETS_MAX)
        g_hash_table_remove_all (table);
      bucket = g_new0 (Bucket, 1);
      g_hash_table_insert (table, g_strdup (key), bucket);
    }
  return bucket_take (bucket, burst, rate, n);
}

/*
 * Hears every hub's search requests (the hub list's typed "search-request")
 * and answers them with what the share's search index finds (PROTOCOL.md
 * §1.14):
 *  - a searcher whose hub vouches for a UDP address (ADC: UDP4 with an I4
 *    and a U4 port) is active: up to BURROW_SEARCH_MAX_RESULTS_ACTIVE
 *    results, each a datagram in the hub's protocol (ADC `URES <our CID> …`),
 *    sent from our UDP socket when we are active, else from one of our own;
 *  - anyone else gets up to BURROW_SEARCH_MAX_RESULTS_PASSIVE results through
 *    the hub (ADC `DRES`; uhub routes only DRES).
 * The session never reports our own searches (the hub's echo).
 */

struct _BurrowSearchResponder
{
  GObject       parent_instance;

  /* borrowed (weak pointer) */
  BurrowShare  *share;

  /* owned */
  BurrowSearchRouter *router;
  GSocket      *udp;         /* for answering while passive (IPv4) */
  GSocket      *udp6;        /* the same over IPv6 */

  guint         slots;
  guint64       n_searches;
  guint64       n_results;
  guint64       n_dropped;

  GHashTable   *user_buckets; /* searcher's CID → Bucket */
  GHashTable   *udp_buckets;  /* destination IP → Bucket */
  Bucket        all;
};

G_DEFINE_FINAL_TYPE (BurrowSearchResponder, burrow_search_responder, G_TYPE_OBJECT)

/* The socket to send results from: our listening one of @family while active, else one of
 * our own. */
static GSocket *
get_udp_socket (BurrowSearchResponder *self,
                GSocketFamily          family)
{
  g_autoptr(GError) error = NULL;
  gboolean v6 = family == G_SOCKET_FAMILY_IPV6;
  GSocket **own = v6 ? &self->udp6 : &self->udp;
  GSocket *socket = v6 ? burrow_search_router_get_udp6_socket (self->router)
                       : burrow_search_router_get_udp_socket (self->router);

  if (socket != NULL)
    return socket;
  if (*own == NULL)
    {
      *own = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
      if (*own == NULL)
        {
          g_debug ("cannot create a UDP socket: %s", error->message);
          return NULL;
        }
      g_socket_set_blocking (*own, FALSE);
    }
  return *own;
}

static void
send_udp (BurrowSearchResponder *self,
          GBytes                *datagram,
          const gchar           *host,
          guint                  port)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (host, port);
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  gsize size;
  const gchar *data = g_bytes_get_data (datagram, &size);

  if (address == NULL)
    return;
  socket = get_udp_socket (self, g_socket_address_get_family (address));
  if (socket == NULL)
    return;
  if (g_socket_send_to (socket, address, data, size, NULL, &error) < 0)
    g_debug ("cannot send a result to %s:%u: %s", host, port, error->message);
}

static void
on_search_request (BurrowHubList           *hubs,
                   BurrowHubSession        *session,
                   BurrowUser              *user,
                   const BurrowSearchQuery *query,
                   BurrowSearchResponder   *self)
{
  g_autoptr(GPtrArray) nodes = NULL;
  BurrowSearchIndex *index;
  gboolean udp;

  if (self->share == NULL)
    return;
  index = burrow_share_get_search_index (self->share);
  if (index == NULL)
    return;

  /* each search costs a walk of the index: a budget per searcher and one for all */
  {
    const gchar *who = burrow_user_get_id (user);
    g_autofree gchar *key = who != NULL ? NULL : g_strdup_printf ("%p/%p", session, user);

    if (!bucket_take (&self->all, BURROW_SEARCH_RESPONDER_ALL_BURST, BURROW_SEARCH_RESPONDER_ALL_RATE, 1)
        || !table_take (self->user_buckets, who != NULL ? who : key,
                        BURROW_SEARCH_RESPONDER_USER_BURST, BURROW_SEARCH_RESPONDER_USER_RATE, 1))
      {
        self->n_dropped++;
        g_debug ("dropping a search from %s: too many searches (%" G_GUINT64_FORMAT " dropped)",
                 burrow_user_get_nick (user), self->n_dropped);
        return;
      }
  }

  self->n_searches++;
  udp = query->udp_host != NULL && query->udp_port != 0;
  nodes = g_ptr_array_new ();
  burrow_search_index_search (index, query,
                              udp ? BURROW_SEARCH_MAX_RESULTS_ACTIVE
                                  : BURROW_SEARCH_MAX_RESULTS_PASSIVE,
                              nodes);
  /* a stream of datagrams to one address goes through the hub instead */
  if (udp && nodes->len > 0
      && !table_take (self->udp_buckets, query->udp_host, BURROW_SEARCH_RESPONDER_UDP_BURST,
                      BURROW_SEARCH_RESPONDER_UDP_RATE, nodes->len))
    {
      g_debug ("answering %s through the hub: its address had its share of datagrams",
               burrow_user_get_nick (user));
      udp = FALSE;
      if (nodes->len > BURROW_SEARCH_MAX_RESULTS_PASSIVE)
        g_ptr_array_set_size (nodes, BURROW_SEARCH_MAX_RESULTS_PASSIVE);
    }

  for (guint i = 0; i < nodes->len; i++)
    {
      BurrowFileNode *node = g_ptr_array_index (nodes, i);
      g_autoptr(GError) error = NULL;
      BurrowSearchReply reply = {
        .path = burrow_file_node_dup_path (node),
        .size = node->size,
        .free_slots = self->slots,
        .has_tth = !node->is_dir && node->has_tth,
        .token = query->token,
      };

      if (reply.has_tth)
        memcpy (reply.tth, node->tth, sizeof reply.tth);
      if (udp)
        {
          g_autoptr(GBytes) datagram = burrow_hub_session_format_udp_search_reply (session, &reply);

          if (datagram != NULL)
            send_udp (self, datagram, query->udp_host, query->udp_port);
        }
      else if (!burrow_hub_session_send_search_reply (session, user, &reply, &error))
        {
          g_debug ("cannot send a result: %s", error->message);
          g_free (reply.path);
          break;
        }
      g_free (reply.path);
      self->n_results++;
    }
}

static void
burrow_search_responder_dispose (GObject *object)
{
  BurrowSearchResponder *self = BURROW_SEARCH_RESPONDER (object);

  if (self->router != NULL)
    g_signal_handlers_disconnect_by_data (burrow_search_router_get_hubs (self->router), self);
  g_clear_object (&self->router);
  g_clear_object (&self->udp);
  g_clear_object (&self->udp6);
  g_clear_pointer (&self->user_buckets, g_hash_table_unref);
  g_clear_pointer (&self->udp_buckets, g_hash_table_unref);
  g_clear_weak_pointer (&self->share);

  G_OBJECT_CLASS (burrow_search_responder_parent_class)->dispose (object);
}

static void
burrow_search_responder_class_init (BurrowSearchResponderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = burrow_search_responder_dispose;
}

static void
burrow_search_responder_init (BurrowSearchResponder *self)
{
  self->slots = BURROW_SEARCH_RESPONDER_DEFAULT_SLOTS;
  self->user_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->udp_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * burrow_search_responder_new:
 * @router: the hubs to listen on, and the UDP socket to answer from
 * @share: what to answer from
 *
 * Returns: (transfer full): a responder, answering until it is disposed
 */
BurrowSearchResponder *
burrow_search_responder_new (BurrowSearchRouter *router,
                             BurrowShare        *share)
{
  BurrowSearchResponder *self;

  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (router), NULL);
  g_return_val_if_fail (BURROW_IS_SHARE (share), NULL);

  self = g_object_new (BURROW_TYPE_SEARCH_RESPONDER, NULL);
  self->router = g_object_ref (router);
  g_set_weak_pointer (&self->share, share);
  g_signal_connect (burrow_search_router_get_hubs (router), "search-request",
                    G_CALLBACK (on_search_request), self);
  return self;
}

guint
burrow_search_responder_get_free_slots (BurrowSearchResponder *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESPONDER (self), 0);
  return self->slots;
}

/**
 * burrow_search_responder_set_free_slots:
 * @slots: what results announce as SL
 */
void
burrow_search_responder_set_free_slots (BurrowSearchResponder *self,
                                        guint                  slots)
{
  g_return_if_fail (BURROW_IS_SEARCH_RESPONDER (self));
  self->slots = slots;
}

/**
 * burrow_search_responder_get_n_searches:
 *
 * Returns: searches from other users looked at (while we had an index)
 */
guint64
burrow_search_responder_get_n_searches (BurrowSearchResponder *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESPONDER (self), 0);
  return self->n_searches;
}

/**
 * burrow_search_responder_get_n_results:
 *
 * Returns: results sent
 */
guint64
burrow_search_responder_get_n_results (BurrowSearchResponder *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESPONDER (self), 0);
  return self->n_results;
}

/**
 * burrow_search_responder_get_n_dropped:
 *
 * Returns: searches dropped unanswered because their searcher (or everyone) searched too often
 */
guint64
burrow_search_responder_get_n_dropped (BurrowSearchResponder *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESPONDER (self), 0);
  return self->n_dropped;
}
