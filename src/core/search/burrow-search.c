/* burrow-search.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-adc-hub-session.h"
#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-client.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-search.h"

/*
 * A search goes out as `BSCH <our SID> … TO<token>` on every hub we are
 * logged in to (the session paces SCH by the hub's flood limit). Results come
 * back as DRES through a hub's "command" signal, and, when we are active, as
 * URES datagrams on the connector's UDP socket. One UdpRouter per client
 * reads that socket and hands each URES to the running search with its token;
 * the sender's CID must be a user on one of our hubs.
 */

#define UDP_ROUTER_KEY "burrow-search-udp-router"
#define MAX_DATAGRAM   (64 * 1024)

typedef struct
{
  BurrowClient *client;     /* the owner (the router is its object data) */
  GSocket      *socket;     /* ref */
  GSource      *source;
  GHashTable   *searches;   /* token → BurrowSearch (not a ref: a search unregisters itself) */
} UdpRouter;

struct _BurrowSearch
{
  GObject             parent_instance;

  /* borrowed (weak pointer) */
  BurrowClient       *client;

  /* owned */
  gchar              *query;
  gchar              *token;
  GListStore         *results;
  GHashTable         *seen;         /* "cid\npath" */
  GPtrArray          *sessions;     /* BurrowAdcHubSession we listen to (refs) */
  BurrowSearchFilter  filter;
  guint8              tth[BURROW_TTH_SIZE];
  gboolean            is_tth;
  gboolean            running;
  gboolean            registered;   /* in the UDP router */
  guint               n_hubs;
  guint               n_dropped;
  guint               n_forged;     /* URES for a user, not from its address */
};

enum
{
  PROP_0,
  PROP_QUERY,
  PROP_TOKEN,
  PROP_RESULTS,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowSearch, burrow_search, G_TYPE_OBJECT)

static void add_result (BurrowSearch     *self,
                        BurrowHubSession *session,
                        BurrowUser       *user,
                        BurrowAdcMessage *message);

/* ---- UDP router ------------------------------------------------------------------------- */

static void
udp_router_detach (UdpRouter *router)
{
  if (router->source != NULL)
    {
      g_source_destroy (router->source);
      g_clear_pointer (&router->source, g_source_unref);
    }
  g_clear_object (&router->socket);
}

static void
udp_router_free (gpointer data)
{
  UdpRouter *router = data;

  udp_router_detach (router);
  g_hash_table_unref (router->searches);
  g_free (router);
}

/* Whether @user's hub-known address (I4, or I6) is @from: a result datagram is only taken
 * from the address the hub vouches for, or anyone could forge results for any online CID. */
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

static void
udp_router_dispatch (UdpRouter   *router,
                     const gchar *line,
                     gsize        len,
                     const gchar *from)
{
  g_autoptr(BurrowAdcMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *hubs;
  BurrowSearch *search;
  const gchar *token;
  const gchar *cid;
  guint n;

  message = burrow_adc_message_parse (line, (gssize) len, &error);
  if (message == NULL)
    {
      g_debug ("ignoring a datagram: %s", error->message);
      return;
    }
  if (burrow_adc_message_get_type_char (message) != 'U'
      || burrow_adc_message_get_command (message) != BURROW_ADC_CMD_RES)
    return;
  token = burrow_adc_message_get_named (message, "TO");
  search = token ? g_hash_table_lookup (router->searches, token) : NULL;
  cid = burrow_adc_message_get_cid (message);
  if (search == NULL || cid == NULL)
    return;

  hubs = burrow_client_get_hubs (router->client);
  n = g_list_model_get_n_items (hubs);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (hubs, i);
      BurrowUser *user = burrow_hub_session_lookup_cid (session, cid);

      if (user != NULL && sender_is_user (user, from))
        {
          add_result (search, session, user, message);
          return;
        }
      if (user != NULL)
        {
          g_debug ("ignoring a result for %s sent from %s, not from its address",
                   burrow_user_get_nick (user), from ? from : "?");
          search->n_forged++;
          return;
        }
    }
  g_debug ("ignoring a result from unknown CID %s", cid);
}

static gboolean
on_udp_readable (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  UdpRouter *router = user_data;
  g_autofree gchar *buf = g_malloc (MAX_DATAGRAM + 1);

  for (guint i = 0; i < 256; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) sender = NULL;
      g_autofree gchar *from = NULL;
      gssize n = g_socket_receive_from (socket, &sender, buf, MAX_DATAGRAM, NULL, &error);
      const gchar *p;
      const gchar *end;

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          g_debug ("UDP socket: %s", error->message);
          if (g_socket_is_closed (socket))
            {
              g_clear_pointer (&router->source, g_source_unref);
              g_clear_object (&router->socket);
              return G_SOURCE_REMOVE;
            }
          return G_SOURCE_CONTINUE;
        }
      buf[n] = '\0';
      if (G_IS_INET_SOCKET_ADDRESS (sender))
        from = g_inet_address_to_string (
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sender)));
      /* one datagram may hold several lines */
      for (p = buf, end = buf + n; p < end;)
        {
          const gchar *nl = memchr (p, '\n', (gsize) (end - p));
          gsize len = nl ? (gsize) (nl - p) : (gsize) (end - p);

          if (len > 0)
            udp_router_dispatch (router, p, len, from);
          p += len + 1;
        }
    }
  return G_SOURCE_CONTINUE;
}

/* The router of @client, reading the connector's UDP socket if there is one. */
static UdpRouter *
udp_router_get (BurrowClient *client)
{
  UdpRouter *router = g_object_get_data (G_OBJECT (client), UDP_ROUTER_KEY);
  GSocket *socket = burrow_nat_connector_get_udp_socket (burrow_client_get_connector (client));

  if (router == NULL)
    {
      router = g_new0 (UdpRouter, 1);
      router->client = client;
      router->searches = g_hash_table_new (g_str_hash, g_str_equal);
      g_object_set_data_full (G_OBJECT (client), UDP_ROUTER_KEY, router, udp_router_free);
    }
  if (socket != router->socket)
    {
      udp_router_detach (router);
      if (socket != NULL)
        {
          router->socket = g_object_ref (socket);
          router->source = g_socket_create_source (socket, G_IO_IN, NULL);
          g_source_set_static_name (router->source, "[burrow] search results (UDP)");
          g_source_set_callback (router->source, (GSourceFunc) G_CALLBACK (on_udp_readable),
                                 router, NULL);
          g_source_attach (router->source, NULL);
        }
    }
  return router;
}

/* ---- results ---------------------------------------------------------------------------- */

static void
add_result (BurrowSearch     *self,
            BurrowHubSession *session,
            BurrowUser       *user,
            BurrowAdcMessage *message)
{
  g_autoptr(BurrowSearchResult) result = NULL;
  const gchar *path = burrow_adc_message_get_named (message, "FN");
  const gchar *size_text = burrow_adc_message_get_named (message, "SI");
  const gchar *slots_text = burrow_adc_message_get_named (message, "SL");
  const gchar *tth = burrow_adc_message_get_named (message, "TR");
  const gchar *cid = burrow_user_get_cid (user);
  g_autofree gchar *key = NULL;
  guint64 size = 0;
  guint64 slots = 0;
  gboolean is_dir;

  if (!self->running)
    return;
  if (path == NULL || path[0] == '\0' || size_text == NULL
      || !g_ascii_string_to_unsigned (size_text, 10, 0, G_MAXUINT64, &size, NULL))
    {
      g_debug ("ignoring a malformed result from %s", burrow_user_get_nick (user));
      return;
    }
  if (slots_text != NULL
      && !g_ascii_string_to_unsigned (slots_text, 10, 0, G_MAXUINT, &slots, NULL))
    slots = 0;
  is_dir = g_str_has_suffix (path, "/");
  if (tth != NULL && (is_dir || !burrow_base32_is_valid (tth, -1, BURROW_TTH_SIZE)))
    tth = NULL;
  if (self->is_tth)
    {
      guint8 got[BURROW_TTH_SIZE];

      if (tth == NULL || !burrow_base32_decode (tth, -1, got, sizeof got, NULL)
          || memcmp (got, self->tth, BURROW_TTH_SIZE) != 0)
        return;
    }

  key = g_strconcat (cid ? cid : "", "\n", path, NULL);
  if (g_hash_table_contains (self->seen, key))
    return;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->results)) >= BURROW_SEARCH_MAX_RESULTS)
    {
      self->n_dropped++;
      return;
    }
  g_hash_table_add (self->seen, g_steal_pointer (&key));

  result = burrow_search_result_new (burrow_user_get_nick (user),
                                     burrow_hub_session_get_uri (session),
                                     cid, path, size, tth, (guint) slots, is_dir);
  g_list_store_append (self->results, result);
}

static void
on_command (BurrowAdcHubSession *session,
            BurrowAdcMessage    *message,
            BurrowSearch        *self)
{
  BurrowUser *user;

  if (burrow_adc_message_get_command (message) != BURROW_ADC_CMD_RES
      || g_strcmp0 (burrow_adc_message_get_named (message, "TO"), self->token) != 0)
    return;
  user = burrow_hub_session_lookup_sid (BURROW_HUB_SESSION (session),
                                        burrow_adc_message_get_sid (message));
  if (user != NULL)
    add_result (self, BURROW_HUB_SESSION (session), user, message);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
unregister (BurrowSearch *self)
{
  UdpRouter *router;

  if (!self->registered)
    return;
  self->registered = FALSE;
  router = self->client ? g_object_get_data (G_OBJECT (self->client), UDP_ROUTER_KEY) : NULL;
  if (router != NULL && g_hash_table_lookup (router->searches, self->token) == self)
    g_hash_table_remove (router->searches, self->token);
}

static void
disconnect_sessions (BurrowSearch *self)
{
  for (guint i = 0; i < self->sessions->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->sessions, i), on_command, self);
  g_ptr_array_set_size (self->sessions, 0);
}

static void
burrow_search_dispose (GObject *object)
{
  BurrowSearch *self = BURROW_SEARCH (object);

  unregister (self);
  if (self->sessions != NULL)
    disconnect_sessions (self);
  g_clear_weak_pointer (&self->client);

  G_OBJECT_CLASS (burrow_search_parent_class)->dispose (object);
}

static void
burrow_search_finalize (GObject *object)
{
  BurrowSearch *self = BURROW_SEARCH (object);

  g_free (self->query);
  g_free (self->token);
  g_clear_object (&self->results);
  g_hash_table_unref (self->seen);
  g_ptr_array_unref (self->sessions);

  G_OBJECT_CLASS (burrow_search_parent_class)->finalize (object);
}

static void
burrow_search_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BurrowSearch *self = BURROW_SEARCH (object);

  switch (prop_id)
    {
    case PROP_QUERY: g_value_set_string (value, self->query); break;
    case PROP_TOKEN: g_value_set_string (value, self->token); break;
    case PROP_RESULTS: g_value_set_object (value, self->results); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_class_init (BurrowSearchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = burrow_search_dispose;
  object_class->finalize = burrow_search_finalize;
  object_class->get_property = burrow_search_get_property;

  properties[PROP_QUERY] = g_param_spec_string ("query", NULL, NULL, NULL, ro);
  properties[PROP_TOKEN] = g_param_spec_string ("token", NULL, NULL, NULL, ro);
  /**
   * BurrowSearch:results:
   *
   * A #GListModel of #BurrowSearchResult in arrival order, one per (user,
   * path), at most %BURROW_SEARCH_MAX_RESULTS.
   */
  properties[PROP_RESULTS] = g_param_spec_object ("results", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_search_init (BurrowSearch *self)
{
  guint8 random[5];

  self->results = g_list_store_new (BURROW_TYPE_SEARCH_RESULT);
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sessions = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < sizeof random; i++)
    random[i] = (guint8) g_random_int_range (0, 256);
  self->token = burrow_base32_encode (random, sizeof random);
}

/**
 * burrow_search_query_is_tth:
 * @query: what the user typed
 *
 * Returns: whether @query (surrounding white space ignored) is a TTH:
 *   39 base32 characters
 */
gboolean
burrow_search_query_is_tth (const gchar *query)
{
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (query != NULL, FALSE);

  text = g_strstrip (g_ascii_strup (query, -1));
  return strlen (text) == BURROW_TTH_BASE32_LEN
         && burrow_base32_is_valid (text, -1, BURROW_TTH_SIZE);
}

/**
 * burrow_search_new:
 * @client: whose hubs to search
 * @query: a TTH (39 base32 characters) or keywords separated by white space
 *   (a keyword starting with '-' excludes)
 * @filter: (nullable): type and size limits
 *
 * Returns: (transfer full): a search; send it with burrow_search_start()
 */
BurrowSearch *
burrow_search_new (BurrowClient             *client,
                   const gchar              *query,
                   const BurrowSearchFilter *filter)
{
  BurrowSearch *self;

  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  self = g_object_new (BURROW_TYPE_SEARCH, NULL);
  g_set_weak_pointer (&self->client, client);
  self->query = g_strstrip (g_strdup (query));
  if (filter != NULL)
    self->filter = *filter;
  if (burrow_search_query_is_tth (self->query))
    {
      g_autofree gchar *upper = g_ascii_strup (self->query, -1);

      self->is_tth = burrow_base32_decode (upper, -1, self->tth, sizeof self->tth, NULL);
    }
  return self;
}

static BurrowAdcMessage *
build_sch (BurrowSearch *self,
           guint32       sid)
{
  BurrowAdcMessage *message = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_SCH, sid);

  if (self->is_tth)
    {
      g_autofree gchar *tth = burrow_base32_encode (self->tth, sizeof self->tth);

      burrow_adc_message_add_named (message, "TR", tth);
    }
  else
    {
      g_auto(GStrv) words = g_strsplit_set (self->query, " \t\n\r", -1);

      for (guint i = 0; words[i] != NULL; i++)
        {
          if (words[i][0] == '\0' || g_str_equal (words[i], "-"))
            continue;
          if (words[i][0] == '-')
            burrow_adc_message_add_named (message, "NO", words[i] + 1);
          else
            burrow_adc_message_add_named (message, "AN", words[i]);
        }
      if (self->filter.min_size > 0)
        burrow_adc_message_add_named_int (message, "GE", (gint64) self->filter.min_size);
      if (self->filter.max_size > 0)
        burrow_adc_message_add_named_int (message, "LE", (gint64) self->filter.max_size);
    }
  if (self->filter.type == BURROW_SEARCH_TYPE_FILE)
    burrow_adc_message_add_named (message, "TY", "1");
  else if (self->filter.type == BURROW_SEARCH_TYPE_DIRECTORY)
    burrow_adc_message_add_named (message, "TY", "2");
  burrow_adc_message_add_named (message, "TO", self->token);
  return message;
}

static gboolean
has_terms (BurrowSearch *self)
{
  g_auto(GStrv) words = NULL;

  if (self->is_tth)
    return TRUE;
  words = g_strsplit_set (self->query, " \t\n\r", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0' && words[i][0] != '-')
      return TRUE;
  return FALSE;
}

/**
 * burrow_search_start:
 *
 * Sends the search to every hub we are logged in to and collects results
 * until burrow_search_stop() (or the search is dropped).
 *
 * Returns: %TRUE if it went to at least one hub, else %FALSE with @error
 *   (%BURROW_PROTOCOL_ERROR_MISSING_PARAM: nothing to search for;
 *   %G_IO_ERROR_NOT_CONNECTED: no hub)
 */
gboolean
burrow_search_start (BurrowSearch  *self,
                     GError       **error)
{
  GListModel *hubs;
  guint n;

  g_return_val_if_fail (BURROW_IS_SEARCH (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  if (!has_terms (self))
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MISSING_PARAM,
                           _("Nothing to search for"));
      return FALSE;
    }
  if (self->client == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("Not connected to a hub"));
      return FALSE;
    }

  hubs = burrow_client_get_hubs (self->client);
  n = g_list_model_get_n_items (hubs);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (hubs, i);
      g_autoptr(BurrowAdcMessage) message = NULL;
      g_autoptr(GError) local_error = NULL;
      BurrowAdcHubSession *adc;

      if (!BURROW_IS_ADC_HUB_SESSION (session)
          || burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
        continue;
      adc = BURROW_ADC_HUB_SESSION (session);
      g_signal_connect (adc, "command", G_CALLBACK (on_command), self);
      g_ptr_array_add (self->sessions, g_object_ref (adc));
      message = build_sch (self, burrow_adc_hub_session_get_sid (adc));
      if (!burrow_adc_hub_session_send (adc, message, &local_error))
        g_debug ("cannot search on %s: %s", burrow_hub_session_get_uri (session),
                 local_error->message);
    }
  if (self->sessions->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("Not connected to a hub"));
      return FALSE;
    }
  self->n_hubs = self->sessions->len;

  if (burrow_client_get_mode (self->client) == BURROW_CONNECTION_MODE_ACTIVE)
    {
      UdpRouter *router = udp_router_get (self->client);

      g_hash_table_insert (router->searches, self->token, self);
      self->registered = TRUE;
    }
  self->running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

/**
 * burrow_search_stop:
 *
 * Stops taking results; the results model stays.
 */
void
burrow_search_stop (BurrowSearch *self)
{
  g_return_if_fail (BURROW_IS_SEARCH (self));

  if (!self->running)
    return;
  self->running = FALSE;
  unregister (self);
  disconnect_sessions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/**
 * burrow_search_get_results:
 *
 * Returns: (transfer none): the results (#BurrowSearchResult)
 */
GListModel *
burrow_search_get_results (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), NULL);
  return G_LIST_MODEL (self->results);
}

const gchar *
burrow_search_get_query (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), NULL);
  return self->query;
}

/**
 * burrow_search_get_token:
 *
 * Returns: the TO token of this search's SCH and its results
 */
const gchar *
burrow_search_get_token (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), NULL);
  return self->token;
}

gboolean
burrow_search_is_tth (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), FALSE);
  return self->is_tth;
}

gboolean
burrow_search_get_running (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), FALSE);
  return self->running;
}

/**
 * burrow_search_get_n_hubs:
 *
 * Returns: hubs the search was sent to
 */
guint
burrow_search_get_n_hubs (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), 0);
  return self->n_hubs;
}

/**
 * burrow_search_get_n_dropped:
 *
 * Returns: results dropped because the model was full
 */
guint
burrow_search_get_n_dropped (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), 0);
  return self->n_dropped;
}

/**
 * burrow_search_get_n_forged:
 *
 * Returns: UDP results ignored because they did not come from the address the hub gives for
 *   the user they name
 */
guint
burrow_search_get_n_forged (BurrowSearch *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH (self), 0);
  return self->n_forged;
}
