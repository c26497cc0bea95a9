/* burrow-search-hits.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-hits"

#include "config.h"

#include "burrow-magnet.h"

#include "burrow-search-hits.h"

/* A search returns one BurrowSearchResult per user and file. The page shows one row per file:
 * results with the same TTH are one BurrowSearchHit whose sources are those results. Folders
 * have no TTH, so each folder result is a row of its own. The core's results model only
 * grows (up to BURROW_SEARCH_MAX_RESULTS), so new results are added incrementally; any other
 * change regroups everything. */

/* ---------------------------------------------------------------------------------------------- */
/* BurrowSearchHit                                                                                */
/* ---------------------------------------------------------------------------------------------- */

struct _BurrowSearchHit
{
  GObject     parent_instance;

  GListStore *sources;      /* BurrowSearchResult */
  char       *users;        /* nicks, comma-separated */
  guint       free_slots;
  guint       position;     /* in the model (rows are only appended) */
};

enum {
  HIT_PROP_0,
  HIT_PROP_NAME,
  HIT_PROP_PATH,
  HIT_PROP_SIZE,
  HIT_PROP_TTH,
  HIT_PROP_IS_DIRECTORY,
  HIT_PROP_N_SOURCES,
  HIT_PROP_FREE_SLOTS,
  HIT_PROP_USERS,
  HIT_N_PROPS
};

static GParamSpec *hit_properties[HIT_N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowSearchHit, burrow_search_hit, G_TYPE_OBJECT)

static BurrowSearchResult *
first_result (BurrowSearchHit *self)
{
  g_autoptr(BurrowSearchResult) result = g_list_model_get_item (G_LIST_MODEL (self->sources), 0);

  /* The store keeps it alive. */
  return result;
}

const char *
burrow_search_hit_get_name (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), NULL);
  return burrow_search_result_get_name (first_result (self));
}

/**
 * burrow_search_hit_get_path:
 *
 * Returns: the path at the first user who has it
 */
const char *
burrow_search_hit_get_path (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), NULL);
  return burrow_search_result_get_path (first_result (self));
}

guint64
burrow_search_hit_get_size (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), 0);
  return burrow_search_result_get_size (first_result (self));
}

/**
 * burrow_search_hit_get_tth:
 *
 * Returns: (nullable): the file's TTH; %NULL for folders
 */
const char *
burrow_search_hit_get_tth (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), NULL);
  return burrow_search_result_get_tth (first_result (self));
}

gboolean
burrow_search_hit_get_is_directory (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), FALSE);
  return burrow_search_result_get_is_directory (first_result (self));
}

guint
burrow_search_hit_get_n_sources (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->sources));
}

/**
 * burrow_search_hit_get_free_slots:
 *
 * Returns: the free upload slots of all its users together
 */
guint
burrow_search_hit_get_free_slots (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), 0);
  return self->free_slots;
}

/**
 * burrow_search_hit_get_users:
 *
 * Returns: the nicks of the users who have it, comma-separated
 */
const char *
burrow_search_hit_get_users (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), NULL);
  return self->users;
}

/**
 * burrow_search_hit_get_sources:
 *
 * Returns: (transfer none): the #BurrowSearchResult of each user who has it
 */
GListModel *
burrow_search_hit_get_sources (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), NULL);
  return G_LIST_MODEL (self->sources);
}

/**
 * burrow_search_hit_dup_magnet:
 *
 * Returns: (transfer full) (nullable): a magnet link for the file; %NULL for folders
 */
char *
burrow_search_hit_dup_magnet (BurrowSearchHit *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (self), NULL);

  if (burrow_search_hit_get_tth (self) == NULL)
    return NULL;
  return burrow_magnet_build (burrow_search_hit_get_tth (self), burrow_search_hit_get_size (self),
                              burrow_search_hit_get_name (self));
}

static BurrowSearchHit *
burrow_search_hit_new (BurrowSearchResult *result)
{
  BurrowSearchHit *self = g_object_new (BURROW_TYPE_SEARCH_HIT, NULL);

  g_list_store_append (self->sources, result);
  self->users = g_strdup (burrow_search_result_get_nick (result));
  self->free_slots = burrow_search_result_get_slots (result);
  return self;
}

static void
burrow_search_hit_add (BurrowSearchHit    *self,
                       BurrowSearchResult *result)
{
  char *users;

  g_list_store_append (self->sources, result);
  users = g_strconcat (self->users, ", ", burrow_search_result_get_nick (result), NULL);
  g_free (self->users);
  self->users = users;
  self->free_slots += burrow_search_result_get_slots (result);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), hit_properties[HIT_PROP_N_SOURCES]);
  g_object_notify_by_pspec (G_OBJECT (self), hit_properties[HIT_PROP_USERS]);
  g_object_notify_by_pspec (G_OBJECT (self), hit_properties[HIT_PROP_FREE_SLOTS]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
burrow_search_hit_finalize (GObject *object)
{
  BurrowSearchHit *self = BURROW_SEARCH_HIT (object);

  g_clear_object (&self->sources);
  g_free (self->users);

  G_OBJECT_CLASS (burrow_search_hit_parent_class)->finalize (object);
}

static void
burrow_search_hit_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BurrowSearchHit *self = BURROW_SEARCH_HIT (object);

  switch (prop_id)
    {
    case HIT_PROP_NAME: g_value_set_string (value, burrow_search_hit_get_name (self)); break;
    case HIT_PROP_PATH: g_value_set_string (value, burrow_search_hit_get_path (self)); break;
    case HIT_PROP_SIZE: g_value_set_uint64 (value, burrow_search_hit_get_size (self)); break;
    case HIT_PROP_TTH: g_value_set_string (value, burrow_search_hit_get_tth (self)); break;
    case HIT_PROP_IS_DIRECTORY:
      g_value_set_boolean (value, burrow_search_hit_get_is_directory (self));
      break;
    case HIT_PROP_N_SOURCES:
      g_value_set_uint (value, burrow_search_hit_get_n_sources (self));
      break;
    case HIT_PROP_FREE_SLOTS: g_value_set_uint (value, self->free_slots); break;
    case HIT_PROP_USERS: g_value_set_string (value, self->users); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_hit_class_init (BurrowSearchHitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = burrow_search_hit_finalize;
  object_class->get_property = burrow_search_hit_get_property;

  hit_properties[HIT_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  hit_properties[HIT_PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  hit_properties[HIT_PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  hit_properties[HIT_PROP_TTH] = g_param_spec_string ("tth", NULL, NULL, NULL, ro);
  hit_properties[HIT_PROP_IS_DIRECTORY] =
    g_param_spec_boolean ("is-directory", NULL, NULL, FALSE, ro);
  hit_properties[HIT_PROP_N_SOURCES] =
    g_param_spec_uint ("n-sources", NULL, NULL, 0, G_MAXUINT, 0, ro);
  hit_properties[HIT_PROP_FREE_SLOTS] =
    g_param_spec_uint ("free-slots", NULL, NULL, 0, G_MAXUINT, 0, ro);
  hit_properties[HIT_PROP_USERS] = g_param_spec_string ("users", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, HIT_N_PROPS, hit_properties);
}

static void
burrow_search_hit_init (BurrowSearchHit *self)
{
  self->sources = g_list_store_new (BURROW_TYPE_SEARCH_RESULT);
}

/* ---------------------------------------------------------------------------------------------- */
/* BurrowSearchModel                                                                              */
/* ---------------------------------------------------------------------------------------------- */

struct _BurrowSearchModel
{
  GObject     parent_instance;

  GListModel *results;      /* the search's (ref) */
  gulong      changed_id;
  GPtrArray  *hits;         /* BurrowSearchHit, in order of first appearance */
  GHashTable *by_tth;       /* TTH → BurrowSearchHit (borrowed from hits) */
  guint       n_seen;       /* results grouped so far */
};

enum {
  PROP_0,
  PROP_RESULTS,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
burrow_search_model_get_item_type (GListModel *model)
{
  return BURROW_TYPE_SEARCH_HIT;
}

static guint
burrow_search_model_get_n_items (GListModel *model)
{
  return BURROW_SEARCH_MODEL (model)->hits->len;
}

static gpointer
burrow_search_model_get_item (GListModel *model,
                              guint       position)
{
  BurrowSearchModel *self = BURROW_SEARCH_MODEL (model);

  if (position >= self->hits->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->hits, position));
}

static void
burrow_search_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = burrow_search_model_get_item_type;
  iface->get_n_items = burrow_search_model_get_n_items;
  iface->get_item = burrow_search_model_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowSearchModel, burrow_search_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      burrow_search_model_list_model_init))

/* Groups results [n_seen, n): returns how many rows were appended, and adds the positions of
 * older rows that got one more source to @updated (if not NULL). */
static guint
group_new_results (BurrowSearchModel *self,
                   GArray            *updated)
{
  guint n = self->results != NULL ? g_list_model_get_n_items (self->results) : 0;
  guint before = self->hits->len;

  for (; self->n_seen < n; self->n_seen++)
    {
      g_autoptr(BurrowSearchResult) result = g_list_model_get_item (self->results, self->n_seen);
      const char *tth = burrow_search_result_get_tth (result);
      BurrowSearchHit *hit = NULL;

      if (tth != NULL && !burrow_search_result_get_is_directory (result))
        hit = g_hash_table_lookup (self->by_tth, tth);
      if (hit != NULL)
        {
          burrow_search_hit_add (hit, result);
          if (updated != NULL && hit->position < before)
            g_array_append_val (updated, hit->position);
          continue;
        }

      hit = burrow_search_hit_new (result);
      hit->position = self->hits->len;
      g_ptr_array_add (self->hits, hit);
      if (tth != NULL && !burrow_search_result_get_is_directory (result))
        g_hash_table_insert (self->by_tth, g_strdup (tth), hit);
    }
  return self->hits->len - before;
}

static void
regroup (BurrowSearchModel *self)
{
  guint removed = self->hits->len;
  guint added;

  g_hash_table_remove_all (self->by_tth);
  g_ptr_array_set_size (self->hits, 0);
  self->n_seen = 0;
  added = group_new_results (self, NULL);
  if (removed > 0 || added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, added);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

static void
on_results_items_changed_cb (GListModel        *results,
                             guint              position,
                             guint              removed,
                             guint              added,
                             BurrowSearchModel *self)
{
  g_autoptr(GArray) updated = NULL;
  guint before = self->hits->len;
  guint appended;
  guint last = G_MAXUINT;

  if (removed > 0 || position != self->n_seen)
    {
      regroup (self);
      return;
    }

  updated = g_array_new (FALSE, FALSE, sizeof (guint));
  appended = group_new_results (self, updated);
  if (appended > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), before, 0, appended);
  /* A row with one more source: tell the sorted and filtered views (they re-sort it). */
  for (guint i = 0; i < updated->len; i++)
    {
      guint row = g_array_index (updated, guint, i);

      if (row != last)
        g_list_model_items_changed (G_LIST_MODEL (self), row, 1, 1);
      last = row;
    }
  if (appended > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/**
 * burrow_search_model_new:
 * @results: (nullable): a #BurrowSearch's results
 *
 * Returns: (transfer full): a model of #BurrowSearchHit
 */
BurrowSearchModel *
burrow_search_model_new (GListModel *results)
{
  return g_object_new (BURROW_TYPE_SEARCH_MODEL, "results", results, NULL);
}

/**
 * burrow_search_model_get_results:
 *
 * Returns: (transfer none) (nullable): the grouped results
 */
GListModel *
burrow_search_model_get_results (BurrowSearchModel *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_MODEL (self), NULL);
  return self->results;
}

/**
 * burrow_search_model_set_results:
 * @results: (nullable): a list model of #BurrowSearchResult
 */
void
burrow_search_model_set_results (BurrowSearchModel *self,
                                 GListModel        *results)
{
  g_return_if_fail (BURROW_IS_SEARCH_MODEL (self));
  g_return_if_fail (results == NULL || G_IS_LIST_MODEL (results));

  if (self->results == results)
    return;

  if (self->results != NULL)
    g_clear_signal_handler (&self->changed_id, self->results);
  g_set_object (&self->results, results);
  if (results != NULL)
    self->changed_id = g_signal_connect (results, "items-changed",
                                         G_CALLBACK (on_results_items_changed_cb), self);
  regroup (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULTS]);
}

/**
 * burrow_search_model_lookup_tth:
 *
 * Returns: (transfer none) (nullable): the row of the file with @tth
 */
BurrowSearchHit *
burrow_search_model_lookup_tth (BurrowSearchModel *self,
                                const char        *tth)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_MODEL (self), NULL);

  if (tth == NULL)
    return NULL;
  return g_hash_table_lookup (self->by_tth, tth);
}

static void
burrow_search_model_dispose (GObject *object)
{
  BurrowSearchModel *self = BURROW_SEARCH_MODEL (object);

  if (self->results != NULL)
    g_clear_signal_handler (&self->changed_id, self->results);
  g_clear_object (&self->results);

  G_OBJECT_CLASS (burrow_search_model_parent_class)->dispose (object);
}

static void
burrow_search_model_finalize (GObject *object)
{
  BurrowSearchModel *self = BURROW_SEARCH_MODEL (object);

  g_clear_pointer (&self->by_tth, g_hash_table_unref);
  g_clear_pointer (&self->hits, g_ptr_array_unref);

  G_OBJECT_CLASS (burrow_search_model_parent_class)->finalize (object);
}

static void
burrow_search_model_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  BurrowSearchModel *self = BURROW_SEARCH_MODEL (object);

  switch (prop_id)
    {
    case PROP_RESULTS: g_value_set_object (value, self->results); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->hits->len); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_model_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  BurrowSearchModel *self = BURROW_SEARCH_MODEL (object);

  switch (prop_id)
    {
    case PROP_RESULTS: burrow_search_model_set_results (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_model_class_init (BurrowSearchModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_search_model_dispose;
  object_class->finalize = burrow_search_model_finalize;
  object_class->get_property = burrow_search_model_get_property;
  object_class->set_property = burrow_search_model_set_property;

  properties[PROP_RESULTS] =
    g_param_spec_object ("results", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_search_model_init (BurrowSearchModel *self)
{
  self->hits = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_tth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
