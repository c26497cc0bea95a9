/* burrow-search-responder.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-responder"

#include "config.h"

#include <string.h>

#include "burrow-adc-hub-session.h"
#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-client.h"
#include "burrow-search-index.h"
#include "burrow-share.h"
#include "burrow-tth.h"

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
 * Listens to the "command" signal of every ADC session of the client and
 * answers searches from other users with what the share's search index finds
 * (PROTOCOL.md §1.14):
 *  - a searcher that announces UDP4 with an I4 address and a U4 port is
 *    active: up to BURROW_SEARCH_MAX_RESULTS_ACTIVE results, each a datagram
 *    `URES <our CID> FN… SI… SL… [TR…] [TO…]` to I4:U4, sent from the
 *    connector's UDP socket when we are active, else from a socket of our own;
 *  - anyone else gets up to BURROW_SEARCH_MAX_RESULTS_PASSIVE results as
 *    `DRES <our SID> <their SID> …` through the hub (uhub routes only DRES).
 * Our own searches (our SID, echoed by the hub) are never answered.
 */

struct _BurrowSearchResponder
{
  GObject       parent_instance;

  /* borrowed (weak pointers) */
  BurrowClient *client;
  BurrowShare  *share;

  /* owned */
  GListModel   *hubs;
  GHashTable   *sessions;    /* BurrowAdcHubSession (ref) → "command" handler id */
  GSocket      *udp;         /* for answering while passive */

  gulong        items_changed_id;
  guint         slots;
  guint64       n_searches;
  guint64       n_results;
  guint64       n_dropped;

  GHashTable   *user_buckets; /* searcher's CID → Bucket */
  GHashTable   *udp_buckets;  /* destination IP → Bucket */
  Bucket        all;
};

G_DEFINE_FINAL_TYPE (BurrowSearchResponder, burrow_search_responder, G_TYPE_OBJECT)

static GSocket *
get_udp_socket (BurrowSearchResponder *self)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = NULL;

  if (self->client != NULL)
    socket = burrow_nat_connector_get_udp_socket (burrow_client_get_connector (self->client));
  if (socket != NULL)
    return socket;
  if (self->udp == NULL)
    {
      self->udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                G_SOCKET_PROTOCOL_UDP, &error);
      if (self->udp == NULL)
        {
          g_debug ("cannot create a UDP socket: %s", error->message);
          return NULL;
        }
      g_socket_set_blocking (self->udp, FALSE);
    }
  return self->udp;
}

static void
send_udp (BurrowSearchResponder *self,
          BurrowAdcMessage      *message,
          const gchar           *ip4,
          guint                  port)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (ip4, port);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  if (address == NULL)
    return;
  socket = get_udp_socket (self);
  if (socket == NULL)
    return;
  burrow_adc_message_append_to (message, line);   /* with its '\n', as ADC lines are */
  if (g_socket_send_to (socket, address, line->str, line->len, NULL, &error) < 0)
    g_debug ("cannot send a result to %s:%u: %s", ip4, port, error->message);
}

/* Active: UDP4 with a unicast I4 (the one the hub relays, never one from the search). */
static gboolean
is_udp_searcher (BurrowUser *user)
{
  const gchar *ip4 = burrow_user_get_ip4 (user);
  g_autoptr(GInetAddress) address = NULL;

  if (!burrow_user_has_feature (user, "UDP4") || ip4 == NULL || burrow_user_get_udp4_port (user) == 0)
    return FALSE;
  address = g_inet_address_new_from_string (ip4);
  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4
         && !g_inet_address_get_is_any (address) && !g_inet_address_get_is_multicast (address)
         && !g_str_equal (ip4, "255.255.255.255");
}

static void
on_command (BurrowAdcHubSession   *session,
            BurrowAdcMessage      *message,
            BurrowSearchResponder *self)
{
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(GError) error = NULL;
  BurrowSearchIndex *index;
  BurrowUser *user;
  gchar type = burrow_adc_message_get_type_char (message);
  guint32 sid;
  guint32 my_sid;
  gboolean udp;
  const gchar *cid;
  gchar slots[16];

  if (burrow_adc_message_get_command (message) != BURROW_ADC_CMD_SCH
      || (type != 'B' && type != 'D' && type != 'F' && type != 'E'))
    return;
  sid = burrow_adc_message_get_sid (message);
  my_sid = burrow_adc_hub_session_get_sid (session);
  if (sid == my_sid || self->share == NULL || self->client == NULL)
    return;
  index = burrow_share_get_search_index (self->share);
  user = burrow_hub_session_lookup_sid (BURROW_HUB_SESSION (session), sid);
  if (index == NULL || user == NULL)
    return;

  /* each search costs a walk of the index: a budget per searcher and one for all */
  {
    const gchar *who = burrow_user_get_cid (user);
    g_autofree gchar *key = who != NULL ? NULL : g_strdup_printf ("%p/%u", session, sid);

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
  query = burrow_search_query_new_from_adc (message, &error);
  if (query == NULL)
    {
      g_debug ("ignoring a search from %s: %s", burrow_user_get_nick (user), error->message);
      return;
    }

  udp = is_udp_searcher (user);
  nodes = g_ptr_array_new ();
  burrow_search_index_search (index, query,
                              udp ? BURROW_SEARCH_MAX_RESULTS_ACTIVE
                                  : BURROW_SEARCH_MAX_RESULTS_PASSIVE,
                              nodes);
  /* a stream of datagrams to one address goes through the hub instead */
  if (udp && nodes->len > 0
      && !table_take (self->udp_buckets, burrow_user_get_ip4 (user), BURROW_SEARCH_RESPONDER_UDP_BURST,
                      BURROW_SEARCH_RESPONDER_UDP_RATE, nodes->len))
    {
      g_debug ("answering %s through the hub: its address had its share of datagrams",
               burrow_user_get_nick (user));
      udp = FALSE;
      if (nodes->len > BURROW_SEARCH_MAX_RESULTS_PASSIVE)
        g_ptr_array_set_size (nodes, BURROW_SEARCH_MAX_RESULTS_PASSIVE);
    }
  g_snprintf (slots, sizeof slots, "%u", self->slots);
  cid = burrow_identity_get_cid (burrow_client_get_identity (self->client));

  for (guint i = 0; i < nodes->len; i++)
    {
      BurrowFileNode *node = g_ptr_array_index (nodes, i);
      g_autoptr(BurrowAdcMessage) res = NULL;
      g_autofree gchar *path = burrow_file_node_dup_path (node);

      if (udp)
        {
          res = burrow_adc_message_new ('U', BURROW_ADC_CMD_RES);
          burrow_adc_message_set_cid (res, cid);
        }
      else
        res = burrow_adc_message_new_direct ('D', BURROW_ADC_CMD_RES, my_sid, sid);

      burrow_adc_message_add_named (res, "FN", path);
      burrow_adc_message_add_named_int (res, "SI", (gint64) node->size);
      burrow_adc_message_add_named (res, "SL", slots);
      if (!node->is_dir && node->has_tth)
        {
          gchar tth[BURROW_TTH_BASE32_LEN + 1];

          burrow_base32_encode_into (node->tth, BURROW_TTH_SIZE, tth);
          tth[BURROW_TTH_BASE32_LEN] = '\0';
          burrow_adc_message_add_named (res, "TR", tth);
        }
      if (query->token != NULL)
        burrow_adc_message_add_named (res, "TO", query->token);

      if (udp)
        send_udp (self, res, burrow_user_get_ip4 (user), burrow_user_get_udp4_port (user));
      else if (!burrow_adc_hub_session_send (session, res, &error))
        {
          g_debug ("cannot send a result: %s", error->message);
          break;
        }
      self->n_results++;
    }
}

static void
sync_sessions (BurrowSearchResponder *self)
{
  g_autoptr(GHashTable) current = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint n = g_list_model_get_n_items (self->hubs);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) session = g_list_model_get_item (self->hubs, i);

      if (!BURROW_IS_ADC_HUB_SESSION (session))
        continue;
      g_hash_table_add (current, session);
      if (!g_hash_table_contains (self->sessions, session))
        {
          gulong id = g_signal_connect (session, "command", G_CALLBACK (on_command), self);

          g_hash_table_insert (self->sessions, g_object_ref (session), GSIZE_TO_POINTER (id));
        }
    }

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (current, key))
      {
        g_signal_handler_disconnect (key, GPOINTER_TO_SIZE (value));
        g_hash_table_iter_remove (&iter);
      }
}

static void
on_hubs_changed (GListModel            *hubs,
                 guint                  position,
                 guint                  removed,
                 guint                  added,
                 BurrowSearchResponder *self)
{
  sync_sessions (self);
}

static void
burrow_search_responder_dispose (GObject *object)
{
  BurrowSearchResponder *self = BURROW_SEARCH_RESPONDER (object);
  GHashTableIter iter;
  gpointer key, value;

  if (self->sessions != NULL)
    {
      g_hash_table_iter_init (&iter, self->sessions);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_signal_handler_disconnect (key, GPOINTER_TO_SIZE (value));
      g_clear_pointer (&self->sessions, g_hash_table_unref);
    }
  if (self->hubs != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->hubs);
  g_clear_object (&self->hubs);
  g_clear_object (&self->udp);
  g_clear_pointer (&self->user_buckets, g_hash_table_unref);
  g_clear_pointer (&self->udp_buckets, g_hash_table_unref);
  g_clear_weak_pointer (&self->client);
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
  self->sessions = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->user_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->udp_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * burrow_search_responder_new:
 * @client: whose hubs to listen on
 * @share: what to answer from
 *
 * Returns: (transfer full): a responder, answering until it is disposed
 */
BurrowSearchResponder *
burrow_search_responder_new (BurrowClient *client,
                             BurrowShare  *share)
{
  BurrowSearchResponder *self;

  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (BURROW_IS_SHARE (share), NULL);

  self = g_object_new (BURROW_TYPE_SEARCH_RESPONDER, NULL);
  g_set_weak_pointer (&self->client, client);
  g_set_weak_pointer (&self->share, share);
  self->hubs = g_object_ref (burrow_client_get_hubs (client));
  self->items_changed_id = g_signal_connect (self->hubs, "items-changed",
                                             G_CALLBACK (on_hubs_changed), self);
  sync_sessions (self);
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
