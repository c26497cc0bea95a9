/* burrow-hub-list.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hub-list"

#include "config.h"

#include <string.h>

#include "burrow-hub-session-private.h"

#include "burrow-hub-list.h"

/*
 * The hub list owns the sessions the engine is on (a GListModel of
 * BurrowHubSession, in the order they were added). The client creates it;
 * the connector, the search router and the transfer side use it to find a
 * user by its protocol-neutral id and to hear what hubs relay, through one
 * set of typed signals re-emitted with the session first.
 */

struct _BurrowHubList
{
  GObject               parent_instance;

  BurrowIdentity       *identity;
  BurrowDatabase       *database;
  GPtrArray            *sessions;   /* BurrowHubSession (ref) */

  gchar                *nick;
  gchar                *description;
  BurrowConnectionMode  mode;          /* hubs we reach over IPv4 (and before we know) */
  BurrowConnectionMode  mode6;         /* hubs we reach over IPv6 */
  guint16               port;          /* what we announce to hubs over IPv4 (a mapping's) */
  guint16               port6;         /* … over IPv6 (our own: there is no NAT) */
  guint64               share_size;
  guint64               shared_files;
  guint                 slots;
  guint                 free_slots;
  gchar                *own_addresses; /* the last dup_own_addresses (), joined: for changes */
};

enum {
  SIGNAL_CONNECT_REQUEST,
  SIGNAL_SEARCH_REQUEST,
  SIGNAL_SEARCH_RESULT,
  SIGNAL_OWN_ADDRESSES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void burrow_hub_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowHubList, burrow_hub_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, burrow_hub_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return BURROW_TYPE_HUB_SESSION;
}

static guint
get_n_items (GListModel *model)
{
  return BURROW_HUB_LIST (model)->sessions->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BurrowHubList *self = BURROW_HUB_LIST (model);

  if (position >= self->sessions->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->sessions, position));
}

static void
burrow_hub_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
on_connect_request (BurrowHubSession           *session,
                    const BurrowConnectRequest *request,
                    BurrowHubList              *self)
{
  g_signal_emit (self, signals[SIGNAL_CONNECT_REQUEST], 0, session, request);
}

static void
on_search_request (BurrowHubSession        *session,
                   BurrowUser              *from,
                   const BurrowSearchQuery *query,
                   BurrowHubList           *self)
{
  g_signal_emit (self, signals[SIGNAL_SEARCH_REQUEST], 0, session, from, query);
}

static void
on_search_result (BurrowHubSession        *session,
                  BurrowUser              *from,
                  const BurrowSearchReply *reply,
                  BurrowHubList           *self)
{
  g_signal_emit (self, signals[SIGNAL_SEARCH_RESULT], 0, session, from, reply);
}

/* A hub logged in or out, or told us our address anew: the set may have changed. */
static void
check_own_addresses (BurrowHubList *self)
{
  g_auto(GStrv) addresses = burrow_hub_list_dup_own_addresses (self, NULL);
  g_autofree gchar *joined = g_strjoinv (" ", addresses);

  if (g_strcmp0 (joined, self->own_addresses) == 0)
    return;
  g_free (self->own_addresses);
  self->own_addresses = g_steal_pointer (&joined);
  g_signal_emit (self, signals[SIGNAL_OWN_ADDRESSES_CHANGED], 0);
}

static void
on_session_state (BurrowHubSession *session,
                  GParamSpec       *pspec,
                  BurrowHubList    *self)
{
  check_own_addresses (self);
}

static void
on_user_updated (BurrowHubSession *session,
                 BurrowUser       *user,
                 BurrowHubList    *self)
{
  if (user == burrow_hub_session_get_me (session))
    check_own_addresses (self);
}

static void
detach (BurrowHubList    *self,
        BurrowHubSession *session)
{
  g_signal_handlers_disconnect_by_data (session, self);
}

static void
burrow_hub_list_dispose (GObject *object)
{
  BurrowHubList *self = BURROW_HUB_LIST (object);

  if (self->sessions != NULL)
    for (guint i = 0; i < self->sessions->len; i++)
      detach (self, g_ptr_array_index (self->sessions, i));
  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_clear_object (&self->identity);
  g_clear_object (&self->database);
  G_OBJECT_CLASS (burrow_hub_list_parent_class)->dispose (object);
}

static void
burrow_hub_list_finalize (GObject *object)
{
  BurrowHubList *self = BURROW_HUB_LIST (object);

  g_free (self->nick);
  g_free (self->description);
  g_free (self->own_addresses);
  G_OBJECT_CLASS (burrow_hub_list_parent_class)->finalize (object);
}

static void
burrow_hub_list_class_init (BurrowHubListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_hub_list_dispose;
  object_class->finalize = burrow_hub_list_finalize;

  /**
   * BurrowHubList::connect-request:
   * @session: the hub that relayed it
   * @request: as #BurrowHubSession::connect-request
   */
  signals[SIGNAL_CONNECT_REQUEST] =
    g_signal_new ("connect-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, BURROW_TYPE_HUB_SESSION,
                  BURROW_TYPE_CONNECT_REQUEST | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BurrowHubList::search-request:
   * @session: the hub that relayed it
   * @from: the searcher
   * @query: what it searches for
   */
  signals[SIGNAL_SEARCH_REQUEST] =
    g_signal_new ("search-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, BURROW_TYPE_HUB_SESSION, BURROW_TYPE_USER,
                  BURROW_TYPE_SEARCH_QUERY | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BurrowHubList::search-result:
   * @session: the hub that relayed it
   * @from: the user who answered
   * @reply: the result
   */
  signals[SIGNAL_SEARCH_RESULT] =
    g_signal_new ("search-result", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, BURROW_TYPE_HUB_SESSION, BURROW_TYPE_USER,
                  BURROW_TYPE_SEARCH_REPLY | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BurrowHubList::own-addresses-changed:
   *
   * What burrow_hub_list_dup_own_addresses() returns changed: a hub logged in or out, or
   * reported another address for us. Automatic connectivity decides from it.
   */
  signals[SIGNAL_OWN_ADDRESSES_CHANGED] =
    g_signal_new ("own-addresses-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
}

static void
burrow_hub_list_init (BurrowHubList *self)
{
  self->sessions = g_ptr_array_new_with_free_func (g_object_unref);
  self->mode = BURROW_CONNECTION_MODE_PASSIVE;
  self->mode6 = BURROW_CONNECTION_MODE_PASSIVE;
  self->own_addresses = g_strdup ("");
}

/**
 * burrow_hub_list_new:
 * @identity: (nullable): our identity, given to every session (PID/CID, certificate)
 * @database: (nullable): where sessions keep pinned keyprints
 *
 * Both may be %NULL in a test that adds ready-made sessions.
 */
BurrowHubList *
burrow_hub_list_new (BurrowIdentity *identity,
                     BurrowDatabase *database)
{
  BurrowHubList *self = g_object_new (BURROW_TYPE_HUB_LIST, NULL);

  g_set_object (&self->identity, identity);
  g_set_object (&self->database, database);
  return self;
}

/* The mode and port of @session's address family: a hub publishes our address of the family we
 * reach it over, so what it announces for us is that family's. */
static void
apply_mode (BurrowHubList    *self,
            BurrowHubSession *session)
{
  const gchar *local = burrow_hub_session_get_local_address (session);
  gboolean v6 = local != NULL && strchr (local, ':') != NULL;

  burrow_hub_session_set_mode (session, v6 ? self->mode6 : self->mode);
  burrow_hub_session_set_port (session, v6 ? self->port6 : self->port);
}

/* The connection's local address is known (before the login INF goes out). */
static void
on_session_local_port (BurrowHubSession *session,
                       GParamSpec       *pspec,
                       BurrowHubList    *self)
{
  apply_mode (self, session);
}

/**
 * burrow_hub_list_add_session:
 * @session: a session (not yet in the list)
 *
 * Takes a reference to @session, applies what we announce (nick, description,
 * mode, port, share) and appends it.
 */
void
burrow_hub_list_add_session (BurrowHubList    *self,
                             BurrowHubSession *session)
{
  g_return_if_fail (BURROW_IS_HUB_LIST (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));
  g_return_if_fail (!g_ptr_array_find (self->sessions, session, NULL));

  if (self->identity != NULL)
    _burrow_hub_session_set_context (session, self->identity, self->database);
  if (self->nick != NULL)
    burrow_hub_session_set_nick (session, self->nick);
  burrow_hub_session_set_description (session, self->description);
  apply_mode (self, session);
  burrow_hub_session_set_share_info (session, self->share_size, self->shared_files, self->slots,
                                     self->free_slots);
  g_signal_connect_object (session, "connect-request", G_CALLBACK (on_connect_request), self, 0);
  g_signal_connect_object (session, "search-request", G_CALLBACK (on_search_request), self, 0);
  g_signal_connect_object (session, "search-result", G_CALLBACK (on_search_result), self, 0);
  /* not user-joined: a hub's joins come in batches of thousands, and ours is not among them
   * once logged in (our own INF arrives before the state is normal) */
  g_signal_connect_object (session, "notify::state", G_CALLBACK (on_session_state), self, 0);
  g_signal_connect_object (session, "user-updated", G_CALLBACK (on_user_updated), self, 0);
  g_signal_connect_object (session, "notify::local-port", G_CALLBACK (on_session_local_port), self, 0);
  g_ptr_array_add (self->sessions, g_object_ref (session));
  g_list_model_items_changed (G_LIST_MODEL (self), self->sessions->len - 1, 0, 1);
}

/**
 * burrow_hub_list_add:
 * @uri: the hub's address
 *
 * Creates a session for @uri with our identity and settings; connect it with
 * burrow_hub_session_connect().
 *
 * Returns: (transfer none): the session, or %NULL with @error set
 */
BurrowHubSession *
burrow_hub_list_add (BurrowHubList  *self,
                     const gchar    *uri,
                     GError        **error)
{
  g_autoptr(BurrowHubSession) session = NULL;

  g_return_val_if_fail (BURROW_IS_HUB_LIST (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  session = burrow_hub_session_new (uri, error);
  if (session == NULL)
    return NULL;
  burrow_hub_list_add_session (self, session);
  return session;
}

/**
 * burrow_hub_list_remove:
 *
 * Disconnects @session and drops it from the list.
 */
void
burrow_hub_list_remove (BurrowHubList    *self,
                        BurrowHubSession *session)
{
  g_autoptr(BurrowHubSession) keep = NULL;
  guint position;

  g_return_if_fail (BURROW_IS_HUB_LIST (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));

  if (!g_ptr_array_find (self->sessions, session, &position))
    return;
  keep = g_object_ref (session);
  burrow_hub_session_disconnect (session);
  detach (self, session);
  /* the disconnect's handlers may have removed it already */
  if (g_ptr_array_find (self->sessions, session, &position))
    {
      g_ptr_array_remove_index (self->sessions, position);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
    }
  check_own_addresses (self);
}

void
burrow_hub_list_disconnect_all (BurrowHubList *self)
{
  g_autoptr(GPtrArray) sessions = NULL;

  g_return_if_fail (BURROW_IS_HUB_LIST (self));

  sessions = g_ptr_array_copy (self->sessions, (GCopyFunc) g_object_ref, NULL);
  g_ptr_array_set_free_func (sessions, g_object_unref);
  for (guint i = 0; i < sessions->len; i++)
    burrow_hub_session_disconnect (g_ptr_array_index (sessions, i));
}

/**
 * burrow_hub_list_lookup_user:
 * @user_id: a protocol-neutral user id (burrow_user_get_id())
 * @hub_uri: (nullable): the hub to look on first
 * @session: (out) (optional) (transfer none): the hub the user was found on
 *
 * Finds an online user on a logged-in hub: on @hub_uri first, then on any.
 *
 * Returns: (transfer none) (nullable): the user
 */
BurrowUser *
burrow_hub_list_lookup_user (BurrowHubList     *self,
                             const gchar       *user_id,
                             const gchar       *hub_uri,
                             BurrowHubSession **session)
{
  g_return_val_if_fail (BURROW_IS_HUB_LIST (self), NULL);

  if (session != NULL)
    *session = NULL;
  if (user_id == NULL)
    return NULL;
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->sessions->len; i++)
      {
        BurrowHubSession *s = g_ptr_array_index (self->sessions, i);
        gboolean preferred = hub_uri != NULL && g_strcmp0 (burrow_hub_session_get_uri (s), hub_uri) == 0;
        BurrowUser *user;

        if ((pass == 0) != preferred || burrow_hub_session_get_state (s) != BURROW_HUB_STATE_NORMAL)
          continue;
        user = burrow_hub_session_lookup_user (s, user_id);
        if (user != NULL)
          {
            if (session != NULL)
              *session = s;
            return user;
          }
      }
  return NULL;
}

/**
 * burrow_hub_list_get_n_logged_in:
 *
 * Returns: how many sessions are logged in
 */
guint
burrow_hub_list_get_n_logged_in (BurrowHubList *self)
{
  guint n = 0;

  g_return_val_if_fail (BURROW_IS_HUB_LIST (self), 0);

  for (guint i = 0; i < self->sessions->len; i++)
    if (burrow_hub_session_get_state (g_ptr_array_index (self->sessions, i)) == BURROW_HUB_STATE_NORMAL)
      n++;
  return n;
}

/**
 * burrow_hub_list_dup_own_addresses:
 * @seen_by: (out) (optional) (transfer full): the names of the logged-in hubs that report
 *   an address for us (the hub's name, or its address when it has none)
 *
 * The addresses the logged-in hubs see for us (our own INF's I4 and I6), each once.
 *
 * Returns: (transfer full): the addresses, possibly none
 */
GStrv
burrow_hub_list_dup_own_addresses (BurrowHubList *self,
                                   GStrv         *seen_by)
{
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) hubs = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (BURROW_IS_HUB_LIST (self), NULL);

  for (guint i = 0; i < self->sessions->len; i++)
    {
      BurrowHubSession *session = g_ptr_array_index (self->sessions, i);
      BurrowUser *me;
      const gchar *ips[2];
      const gchar *name;

      if (burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
        continue;
      me = burrow_hub_session_get_me (session);
      if (me == NULL)
        continue;
      ips[0] = burrow_user_get_ip4 (me);
      ips[1] = burrow_user_get_ip6 (me);
      if ((ips[0] == NULL || *ips[0] == '\0') && (ips[1] == NULL || *ips[1] == '\0'))
        continue;
      name = burrow_hub_session_get_hub_name (session);
      if (name == NULL || *name == '\0')
        name = burrow_hub_session_get_uri (session);
      g_strv_builder_add (hubs, name);
      for (guint f = 0; f < G_N_ELEMENTS (ips); f++)
        if (ips[f] != NULL && *ips[f] != '\0' && g_hash_table_add (seen, (gpointer) ips[f]))
          g_strv_builder_add (addresses, ips[f]);
    }
  if (seen_by != NULL)
    *seen_by = g_strv_builder_end (hubs);
  return g_strv_builder_end (addresses);
}

#define FOR_EACH_SESSION(self, session) \
  for (guint i_ = 0; i_ < (self)->sessions->len; i_++) \
    for (BurrowHubSession *session = g_ptr_array_index ((self)->sessions, i_); session != NULL; session = NULL)

void
burrow_hub_list_set_nick (BurrowHubList *self,
                          const gchar   *nick)
{
  g_return_if_fail (BURROW_IS_HUB_LIST (self));

  g_free (self->nick);
  self->nick = g_strdup (nick);
  FOR_EACH_SESSION (self, session)
    burrow_hub_session_set_nick (session, nick);
}

void
burrow_hub_list_set_description (BurrowHubList *self,
                                 const gchar   *description)
{
  g_return_if_fail (BURROW_IS_HUB_LIST (self));

  g_free (self->description);
  self->description = g_strdup (description);
  FOR_EACH_SESSION (self, session)
    burrow_hub_session_set_description (session, description);
}

/* The same mode for hubs over either family (a manual mode). */
void
burrow_hub_list_set_mode (BurrowHubList        *self,
                          BurrowConnectionMode  mode)
{
  burrow_hub_list_set_modes (self, mode, mode);
}

/**
 * burrow_hub_list_set_modes:
 * @mode4: the mode for hubs we are connected to over IPv4, and those not connected yet
 * @mode6: the mode for hubs we are connected to over IPv6
 *
 * Automatic mode decides each family apart: a hub hears the mode of the family it knows us by.
 */
void
burrow_hub_list_set_modes (BurrowHubList        *self,
                           BurrowConnectionMode  mode4,
                           BurrowConnectionMode  mode6)
{
  g_return_if_fail (BURROW_IS_HUB_LIST (self));

  self->mode = mode4;
  self->mode6 = mode6;
  FOR_EACH_SESSION (self, session)
    apply_mode (self, session);
}

BurrowConnectionMode
burrow_hub_list_get_mode (BurrowHubList *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_LIST (self), BURROW_CONNECTION_MODE_PASSIVE);

  return self->mode;
}

/**
 * burrow_hub_list_set_ports:
 * @port4: the port to announce to hubs over IPv4 (a mapping's external port), 0 for none
 * @port6: the port to announce to hubs over IPv6, 0 for none
 */
void
burrow_hub_list_set_ports (BurrowHubList *self,
                           guint16        port4,
                           guint16        port6)
{
  g_return_if_fail (BURROW_IS_HUB_LIST (self));

  self->port = port4;
  self->port6 = port6;
  FOR_EACH_SESSION (self, session)
    apply_mode (self, session);
}

void
burrow_hub_list_set_share_info (BurrowHubList *self,
                                guint64        share_size,
                                guint64        shared_files,
                                guint          slots,
                                guint          free_slots)
{
  g_return_if_fail (BURROW_IS_HUB_LIST (self));

  self->share_size = share_size;
  self->shared_files = shared_files;
  self->slots = slots;
  self->free_slots = free_slots;
  FOR_EACH_SESSION (self, session)
    burrow_hub_session_set_share_info (session, share_size, shared_files, slots, free_slots);
}
