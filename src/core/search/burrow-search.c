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

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-search.h"

/*
 * A search goes out on every hub we are logged in to, through the search
 * router (each session writes it in its protocol and paces it by the hub's
 * flood limit). The router hands back every result carrying our token,
 * whether a hub relayed it or it came by UDP from the address the hub gives
 * for its sender.
 */

struct _BurrowSearch
{
  GObject             parent_instance;

  BurrowSearchRouter *router;

  /* owned */
  gchar              *query;
  gchar              *token;
  GListStore         *results;
  GHashTable         *seen;         /* "cid\npath" */
  BurrowSearchFilter  filter;
  guint8              tth[BURROW_TTH_SIZE];
  gboolean            is_tth;
  gboolean            running;
  gboolean            registered;   /* with the router */
  guint               n_hubs;
  guint               n_dropped;
  guint               n_forged;     /* UDP results for a user, not from its address */
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

/* ---- results ---------------------------------------------------------------------------- */

static void
add_result (BurrowHubSession        *session,
            BurrowUser              *user,
            const BurrowSearchReply *reply,
            gpointer                 user_data)
{
  BurrowSearch *self = user_data;
  g_autoptr(BurrowSearchResult) result = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *tth = NULL;
  const gchar *cid = burrow_user_get_id (user);
  gboolean is_dir;

  if (!self->running)
    return;
  is_dir = g_str_has_suffix (reply->path, "/");
  if (self->is_tth && (!reply->has_tth || memcmp (reply->tth, self->tth, BURROW_TTH_SIZE) != 0))
    return;

  key = g_strconcat (cid ? cid : "", "\n", reply->path, NULL);
  if (g_hash_table_contains (self->seen, key))
    return;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->results)) >= BURROW_SEARCH_MAX_RESULTS)
    {
      self->n_dropped++;
      return;
    }
  g_hash_table_add (self->seen, g_steal_pointer (&key));

  if (reply->has_tth)
    tth = burrow_base32_encode (reply->tth, BURROW_TTH_SIZE);
  result = burrow_search_result_new (burrow_user_get_nick (user),
                                     burrow_hub_session_get_uri (session),
                                     cid, reply->path, reply->size, tth, reply->free_slots, is_dir);
  g_list_store_append (self->results, result);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
unregister (BurrowSearch *self)
{
  if (!self->registered)
    return;
  self->registered = FALSE;
  self->n_forged = (guint) burrow_search_router_get_n_forged (self->router, self->token);
  burrow_search_router_unregister (self->router, self->token);
}

static void
burrow_search_dispose (GObject *object)
{
  BurrowSearch *self = BURROW_SEARCH (object);

  unregister (self);
  g_clear_object (&self->router);

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
 * @router: the hubs (and UDP port) to search through
 * @query: a TTH (39 base32 characters) or keywords separated by white space
 *   (a keyword starting with '-' excludes)
 * @filter: (nullable): type and size limits
 *
 * Returns: (transfer full): a search; send it with burrow_search_start()
 */
BurrowSearch *
burrow_search_new (BurrowSearchRouter       *router,
                   const gchar              *query,
                   const BurrowSearchFilter *filter)
{
  BurrowSearch *self;

  g_return_val_if_fail (BURROW_IS_SEARCH_ROUTER (router), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  self = g_object_new (BURROW_TYPE_SEARCH, NULL);
  self->router = g_object_ref (router);
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

/* The query as it goes out: the user's words (not folded), the filter, our token. */
static BurrowSearchQuery *
build_query (BurrowSearch *self)
{
  BurrowSearchQuery *query = burrow_search_query_new ();

  if (self->is_tth)
    {
      memcpy (query->tth, self->tth, sizeof query->tth);
      query->has_tth = TRUE;
    }
  else
    {
      g_auto(GStrv) words = g_strsplit_set (self->query, " \t\n\r", -1);

      for (guint i = 0; words[i] != NULL; i++)
        {
          if (words[i][0] == '\0' || g_str_equal (words[i], "-"))
            continue;
          if (words[i][0] == '-')
            g_ptr_array_add (query->exclude, g_strdup (words[i] + 1));
          else
            g_ptr_array_add (query->include, g_strdup (words[i]));
        }
      query->min_size = self->filter.min_size;
      query->max_size = self->filter.max_size > 0 ? self->filter.max_size : G_MAXUINT64;
    }
  query->type = self->filter.type;
  query->token = g_strdup (self->token);
  return query;
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
  g_autoptr(BurrowSearchQuery) query = NULL;

  g_return_val_if_fail (BURROW_IS_SEARCH (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  if (!has_terms (self))
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MISSING_PARAM,
                           _("Nothing to search for"));
      return FALSE;
    }
  query = build_query (self);
  /* results may arrive before the last hub has taken the search */
  burrow_search_router_register (self->router, self->token, add_result, self);
  self->registered = TRUE;
  self->n_hubs = burrow_search_router_send (self->router, query, error);
  if (self->n_hubs == 0)
    {
      unregister (self);
      return FALSE;
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
  if (self->registered)
    return (guint) burrow_search_router_get_n_forged (self->router, self->token);
  return self->n_forged;
}
