/* burrow-search-router.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-router"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-adc-message.h"

#include "burrow-search-router.h"

/*
 * Searches go out on every hub we are logged in to. Results come back two
 * ways: relayed by a hub (its typed "search-result" signal, re-emitted by the
 * hub list) and, when we are active, as datagrams on our UDP port. The router
 * hears both and hands each result to the search that registered its token.
 * A datagram names its sender (the CID on ADC); it is taken only from the
 * address the hub gives for that user, or anyone could forge results.
 */

typedef struct
{
  BurrowSearchResultFunc func;
  gpointer               user_data;
  guint64                n_forged;
} Registration;

struct _BurrowSearchRouter
{
  GObject        parent_instance;

  BurrowHubList *hubs;
  GSocket       *socket;          /* UDP over IPv4, when active */
  GSource       *source;
  GSocket       *socket6;         /* UDP over IPv6, when active and the machine has IPv6 */
  GSource       *source6;
  GHashTable    *registrations;   /* token → Registration */
  guint64        n_forged;
};

G_DEFINE_FINAL_TYPE (BurrowSearchRouter, burrow_search_router, G_TYPE_OBJECT)

static void
deliver (BurrowSearchRouter      *self,
         BurrowHubSession        *session,
         BurrowUser              *from,
         const BurrowSearchReply *reply)
{
  Registration *r;

  if (reply->token == NULL)
    return;
  r = g_hash_table_lookup (self->registrations, reply->token);
  if (r != NULL)
    r->func (session, from, reply, r->user_data);
}

static void
on_search_result (BurrowHubList           *hubs,
                  BurrowHubSession        *session,
                  BurrowUser              *from,
                  const BurrowSearchReply *reply,
                  BurrowSearchRouter      *self)
{
  deliver (self, session, from, reply);
}

/* Whether @user's hub-known address (I4, or I6) is @from. */
static gboolean
sender_is_user (BurrowUser  *user,
                const gchar *from)
{
  const gchar *ip4 = burrow_user_get_ip4 (user);
  const gchar *ip6 = burrow_user_get_ip6 (user);

  if (from == NULL)
    return FALSE;
  if (g_str_has_prefix (from, "::ffff:") && strchr (from, '.') != NULL)
    from += 7;   /* an IPv4-mapped sender on a dual-stack socket */
  return (ip4 != NULL && g_str_equal (ip4, from)) || (ip6 != NULL && g_ascii_strcasecmp (ip6, from) == 0);
}

/* One line of a datagram that starts with '$': an NMDC $SR, which only a session can read (it is
 * in the hub's charset and names a nick, not a CID). Other NMDC lines are not for us. */
static void
dispatch_nmdc_line (BurrowSearchRouter *self,
                    const gchar        *line,
                    gsize               len,
                    const gchar        *from)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  if (len < 4 || memcmp (line, "$SR ", 4) != 0)
    return;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);
      g_autoptr(BurrowSearchReply) reply = NULL;
      BurrowUser *user = NULL;
      Registration *r;

      reply = burrow_hub_session_parse_udp_search_reply (session, line, len, &user);
      if (reply == NULL)
        continue;
      r = g_hash_table_lookup (self->registrations, reply->token);
      if (r == NULL)
        return;
      /* NMDC hubs tell a user's address only with $UserIP: check it when we have it */
      if (burrow_user_get_ip4 (user) != NULL && !sender_is_user (user, from))
        {
          g_debug ("ignoring a result for %s sent from %s, not from its address",
                   burrow_user_get_nick (user), from ? from : "?");
          self->n_forged++;
          r->n_forged++;
          return;
        }
      deliver (self, session, user, reply);
      return;
    }
}

/* One line of a datagram: an ADC URES. */
static void
dispatch_datagram_line (BurrowSearchRouter *self,
                        const gchar        *line,
                        gsize               len,
                        const gchar        *from)
{
  g_autoptr(BurrowAdcMessage) message = NULL;
  g_autoptr(BurrowSearchReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  BurrowHubSession *session = NULL;
  Registration *r;
  BurrowUser *user;
  const gchar *cid;

  message = burrow_adc_message_parse (line, (gssize) len, &error);
  if (message == NULL)
    {
      g_debug ("ignoring a datagram: %s", error->message);
      return;
    }
  if (burrow_adc_message_get_type_char (message) != 'U'
      || burrow_adc_message_get_command (message) != BURROW_ADC_CMD_RES)
    return;
  reply = burrow_search_reply_new_from_adc (message, &error);
  cid = burrow_adc_message_get_cid (message);
  if (reply == NULL || cid == NULL)
    {
      g_debug ("ignoring a datagram: %s", error != NULL ? error->message : "no CID");
      return;
    }
  if (reply->token == NULL || !g_hash_table_contains (self->registrations, reply->token))
    return;   /* a late result, or not for a search of ours */
  r = g_hash_table_lookup (self->registrations, reply->token);
  user = burrow_hub_list_lookup_user (self->hubs, cid, NULL, &session);
  if (user == NULL)
    {
      g_debug ("ignoring a result from unknown CID %s", cid);
      return;
    }
  if (!sender_is_user (user, from))
    {
      g_debug ("ignoring a result for %s sent from %s, not from its address",
               burrow_user_get_nick (user), from ? from : "?");
      self->n_forged++;
      r->n_forged++;
      return;
    }
  deliver (self, session, user, reply);
}

static gboolean
on_udp_readable (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  BurrowSearchRouter *self = user_data;
  g_autofree gchar *buf = g_malloc (BURROW_SEARCH_ROUTER_MAX_DATAGRAM + 1);
  g_autoptr(BurrowSearchRouter) keep G_GNUC_UNUSED = g_object_ref (self);

  /* a bounded batch per wake-up; the rest waits for the next one */
  for (guint i = 0; i < 256 && (self->socket == socket || self->socket6 == socket); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) sender = NULL;
      g_autofree gchar *from = NULL;
      gssize n = g_socket_receive_from (socket, &sender, buf, BURROW_SEARCH_ROUTER_MAX_DATAGRAM,
                                        NULL, &error);
      const gchar *p;
      const gchar *end;

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          g_debug ("UDP socket: %s", error->message);
          if (g_socket_is_closed (socket))
            {
              if (socket == self->socket6)
                {
                  g_clear_pointer (&self->source6, g_source_unref);
                  g_clear_object (&self->socket6);
                }
              else
                {
                  g_clear_pointer (&self->source, g_source_unref);
                  g_clear_object (&self->socket);
                }
              return G_SOURCE_REMOVE;
            }
          return G_SOURCE_CONTINUE;
        }
      buf[n] = '\0';
      if (G_IS_INET_SOCKET_ADDRESS (sender))
        from = g_inet_address_to_string (
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sender)));
      /* one datagram may hold several lines: ADC ends them with '\n', NMDC with '|' */
      for (p = buf, end = buf + n; p < end;)
        {
          gchar terminator = *p == '$' ? '|' : '\n';
          const gchar *nl = memchr (p, terminator, (gsize) (end - p));
          gsize len = nl ? (gsize) (nl - p) : (gsize) (end - p);

          if (len > 0 && terminator == '|')
            dispatch_nmdc_line (self, p, len, from);
          else if (len > 0)
            dispatch_datagram_line (self, p, len, from);
          p += len + 1;
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
detach_socket (GSocket **socket,
               GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
  g_clear_object (socket);
}

/* Reads results from @socket into the slot @slot/@slot_source (IPv4's or IPv6's). */
static void
attach_socket (BurrowSearchRouter  *self,
               GSocket            **slot,
               GSource            **slot_source,
               GSocket             *socket)
{
  if (socket == *slot)
    return;
  detach_socket (slot, slot_source);
  if (socket == NULL)
    return;
  *slot = g_object_ref (socket);
  *slot_source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_static_name (*slot_source, "[burrow] search results (UDP)");
  g_source_set_callback (*slot_source, (GSourceFunc) G_CALLBACK (on_udp_readable), self, NULL);
  g_source_attach (*slot_source, NULL);
}

static void
burrow_search_router_dispose (GObject *object)
{
  BurrowSearchRouter *self = BURROW_SEARCH_ROUTER (object);

  detach_socket (&self->socket, &self->source);
  detach_socket (&self->socket6, &self->source6);
  if (self->hubs != NULL)
    g_signal_handlers_disconnect_by_data (self->hubs, self);
  g_clear_object (&self->hubs);
  G_OBJECT_CLASS (burrow_search_router_parent_class)->dispose (object);
}

static void
burrow_search_router_finalize (GObject *object)
{
  BurrowSearchRouter *self = BURROW_SEARCH_ROUTER (object);

  g_hash_table_unref (self->registrations);
  G_OBJECT_CLASS (burrow_search_router_parent_class)->finalize (object);
}

static void
burrow_search_router_class_init (BurrowSearchRouterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_search_router_dispose;
  object_class->finalize = burrow_search_router_finalize;
}

static void
burrow_search_router_init (BurrowSearchRouter *self)
{
  self->registrations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * burrow_search_router_new:
 * @hubs: the hubs searches go to and results come from
 */
BurrowSearchRouter *
burrow_search_router_new (BurrowHubList *hubs)
{
  BurrowSearchRouter *self;

  g_return_val_if_fail (BURROW_IS_HUB_LIST (hubs), NULL);

  self = g_object_new (BURROW_TYPE_SEARCH_ROUTER, NULL);
  self->hubs = g_object_ref (hubs);
  g_signal_connect (hubs, "search-result", G_CALLBACK (on_search_result), self);
  return self;
}

/**
 * burrow_search_router_get_hubs:
 *
 * Returns: (transfer none): the hub list
 */
BurrowHubList *
burrow_search_router_get_hubs (BurrowSearchRouter *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (self), NULL);
  return self->hubs;
}

/**
 * burrow_search_router_set_udp_socket:
 * @socket: (nullable): our UDP socket while active, %NULL while passive
 *
 * Results by UDP are read from @socket (and answers to others' searches sent from it).
 */
void
burrow_search_router_set_udp_socket (BurrowSearchRouter *self,
                                     GSocket            *socket)
{
  g_return_if_fail (BURROW_IS_SEARCH_ROUTER (self));
  g_return_if_fail (socket == NULL || G_IS_SOCKET (socket));

  attach_socket (self, &self->socket, &self->source, socket);
}

/**
 * burrow_search_router_set_udp6_socket:
 * @socket: (nullable): our IPv6 UDP socket while active, %NULL while passive or without IPv6
 *
 * As burrow_search_router_set_udp_socket(), for results sent to our I6 and U6.
 */
void
burrow_search_router_set_udp6_socket (BurrowSearchRouter *self,
                                      GSocket            *socket)
{
  g_return_if_fail (BURROW_IS_SEARCH_ROUTER (self));
  g_return_if_fail (socket == NULL || G_IS_SOCKET (socket));

  attach_socket (self, &self->socket6, &self->source6, socket);
}

/**
 * burrow_search_router_get_udp6_socket:
 *
 * Returns: (transfer none) (nullable): the IPv6 UDP socket, while active
 */
GSocket *
burrow_search_router_get_udp6_socket (BurrowSearchRouter *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (self), NULL);
  return self->socket6;
}

/**
 * burrow_search_router_get_udp_socket:
 *
 * Returns: (transfer none) (nullable): the UDP socket, while active
 */
GSocket *
burrow_search_router_get_udp_socket (BurrowSearchRouter *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (self), NULL);
  return self->socket;
}

gboolean
burrow_search_router_get_active (BurrowSearchRouter *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (self), FALSE);
  return self->socket != NULL || self->socket6 != NULL;
}

/**
 * burrow_search_router_register:
 * @token: a search's token
 * @func: gets the search's results, relayed or by UDP
 *
 * Replaces any registration of @token.
 */
void
burrow_search_router_register (BurrowSearchRouter     *self,
                               const gchar            *token,
                               BurrowSearchResultFunc  func,
                               gpointer                user_data)
{
  Registration *r;

  g_return_if_fail (BURROW_IS_SEARCH_ROUTER (self));
  g_return_if_fail (token != NULL && func != NULL);

  r = g_new0 (Registration, 1);
  r->func = func;
  r->user_data = user_data;
  g_hash_table_replace (self->registrations, g_strdup (token), r);
}

void
burrow_search_router_unregister (BurrowSearchRouter *self,
                                 const gchar        *token)
{
  g_return_if_fail (BURROW_IS_SEARCH_ROUTER (self));
  g_return_if_fail (token != NULL);

  g_hash_table_remove (self->registrations, token);
}

/**
 * burrow_search_router_send:
 *
 * Sends @query to every hub we are logged in to.
 *
 * Returns: how many hubs took it; 0 with @error set (%G_IO_ERROR_NOT_CONNECTED)
 *   when none did
 */
guint
burrow_search_router_send (BurrowSearchRouter       *self,
                           const BurrowSearchQuery  *query,
                           GError                  **error)
{
  guint n_sent = 0;
  guint n;

  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (self), 0);
  g_return_val_if_fail (query != NULL, 0);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);
      g_autoptr(GError) local_error = NULL;

      if (burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
        continue;
      if (burrow_hub_session_send_search (session, query, &local_error))
        n_sent++;
      else
        g_debug ("cannot search on %s: %s", burrow_hub_session_get_uri (session),
                 local_error->message);
    }
  if (n_sent == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not connected to a hub"));
  return n_sent;
}

/**
 * burrow_search_router_get_n_forged:
 * @token: (nullable): a registered search's token, or %NULL for all
 *
 * Returns: UDP results ignored because they did not come from the address the
 *   hub gives for the user they name
 */
guint64
burrow_search_router_get_n_forged (BurrowSearchRouter *self,
                                   const gchar        *token)
{
  Registration *r;

  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (self), 0);

  if (token == NULL)
    return self->n_forged;
  r = g_hash_table_lookup (self->registrations, token);
  return r != NULL ? r->n_forged : 0;
}
