/* burrow-public-hub-model.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-public-hub-model"

#include "config.h"

#include <string.h>

#include "burrow-public-hub-model.h"

/* The Public Hubs page's rows: the hubs of BurrowPublicHubs, sorted and filtered, as one
 * GListModel. Not GtkSortListModel + GtkFilterListModel: with a 20,000-hub list on GTK 4.8 they
 * took 0.3–1.4 s to sort by a header and 0.1–0.6 s per filter keystroke (measured with
 * tests/bench/public-hubs-bench.c; the user list found the same, see burrow-user-model.c).
 * Here:
 *   - each hub gets its search text (name, description, address and country, case-folded) once,
 *     when the list arrives, and the collation keys of its name, description and country the
 *     first time the rows are sorted by them; all kept on the hub as qdata;
 *   - `entries` holds every hub with its sort value for the current column, sorted with plain
 *     comparisons (strcmp () of collation keys, integers);
 *   - `shown` is the filtered copy of `entries` that the view reads, with O(1) get_item ();
 *     a longer filter text only looks at the rows shown;
 *   - the items are rows (BurrowPublicHubRow), one per position, that stay at their position and
 *     show another hub when the order or the filter changes ("notify::hub"). The model only
 *     reports rows added or removed at the end. GTK 4.8's list views otherwise replace the
 *     widgets of every row they keep (up to 200 around the visible ones) on each keystroke, which
 *     was most of a keystroke's cost.
 * The hub lists change as a whole (a refresh): the source is read again then. */

typedef struct
{
  char *fold;                                        /* search text, case-folded */
  char *collate[BURROW_PUBLIC_HUB_N_COLUMNS];        /* name, description, country only */
} HubKeys;

typedef struct
{
  BurrowPublicHub *hub;   /* a reference in `entries`, borrowed in `shown` */
  HubKeys         *keys;  /* the hub's qdata */
  const char      *text;  /* the collation key of the sort column (a string column) */
  guint64          value; /* the sort column's value (a number column) */
} Entry;

struct _BurrowPublicHubRow
{
  GObject          parent_instance;
  BurrowPublicHub *hub;   /* owned */
};

enum
{
  ROW_PROP_0,
  ROW_PROP_HUB,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowPublicHubRow, burrow_public_hub_row, G_TYPE_OBJECT)

static void
burrow_public_hub_row_finalize (GObject *object)
{
  g_clear_object (&BURROW_PUBLIC_HUB_ROW (object)->hub);

  G_OBJECT_CLASS (burrow_public_hub_row_parent_class)->finalize (object);
}

static void
burrow_public_hub_row_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ROW_PROP_HUB:
      g_value_set_object (value, BURROW_PUBLIC_HUB_ROW (object)->hub);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_public_hub_row_class_init (BurrowPublicHubRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_public_hub_row_finalize;
  object_class->get_property = burrow_public_hub_row_get_property;

  /**
   * BurrowPublicHubRow:hub:
   *
   * The hub the row shows now.
   */
  row_properties[ROW_PROP_HUB] =
    g_param_spec_object ("hub", NULL, NULL, BURROW_TYPE_PUBLIC_HUB,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
burrow_public_hub_row_init (BurrowPublicHubRow *self)
{
}

/**
 * burrow_public_hub_row_get_hub:
 *
 * Returns: (transfer none): the hub the row shows now
 */
BurrowPublicHub *
burrow_public_hub_row_get_hub (BurrowPublicHubRow *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB_ROW (self), NULL);

  return self->hub;
}

/* --- the model ------------------------------------------------------------------------------- */

struct _BurrowPublicHubModel
{
  GObject                parent_instance;

  GListModel            *source;    /* owned */
  gulong                 source_changed_id;
  GArray                *entries;   /* Entry, sorted */
  GArray                *shown;     /* Entry, sorted and filtered */
  GPtrArray             *rows;      /* BurrowPublicHubRow by position, owned; NULL until asked */
  char                  *needle;    /* case-folded filter text; NULL shows every hub */
  BurrowPublicHubColumn  column;
  gboolean               descending;
};

static void burrow_public_hub_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowPublicHubModel, burrow_public_hub_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      burrow_public_hub_model_list_model_init))

static GQuark keys_quark;

/* --- keys ------------------------------------------------------------------------------------ */

static void
hub_keys_free (gpointer data)
{
  HubKeys *keys = data;

  g_free (keys->fold);
  for (guint i = 0; i < BURROW_PUBLIC_HUB_N_COLUMNS; i++)
    g_free (keys->collate[i]);
  g_free (keys);
}

static HubKeys *
hub_keys (BurrowPublicHub *hub)
{
  HubKeys *keys = g_object_get_qdata (G_OBJECT (hub), keys_quark);

  if (keys == NULL)
    {
      g_autofree char *joined = NULL;

      joined = g_strjoin ("\n",
                          burrow_public_hub_get_name (hub) ?: "",
                          burrow_public_hub_get_description (hub) ?: "",
                          burrow_public_hub_get_address (hub) ?: "",
                          burrow_public_hub_get_country (hub) ?: "",
                          NULL);
      keys = g_new0 (HubKeys, 1);
      keys->fold = g_utf8_casefold (joined, -1);
      g_object_set_qdata_full (G_OBJECT (hub), keys_quark, keys, hub_keys_free);
    }
  return keys;
}

static const char *
collate_key (Entry                 *entry,
             BurrowPublicHubColumn  column)
{
  if (entry->keys->collate[column] == NULL)
    {
      const char *text;

      switch (column)
        {
        case BURROW_PUBLIC_HUB_COLUMN_NAME:
          text = burrow_public_hub_get_name (entry->hub);
          break;
        case BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION:
          text = burrow_public_hub_get_description (entry->hub);
          break;
        case BURROW_PUBLIC_HUB_COLUMN_COUNTRY:
          text = burrow_public_hub_get_country (entry->hub);
          break;
        case BURROW_PUBLIC_HUB_COLUMN_USERS:
        case BURROW_PUBLIC_HUB_COLUMN_SHARED:
        case BURROW_PUBLIC_HUB_COLUMN_PROTOCOL:
        case BURROW_PUBLIC_HUB_COLUMN_MIN_SHARE:
        case BURROW_PUBLIC_HUB_COLUMN_MIN_SLOTS:
        case BURROW_PUBLIC_HUB_COLUMN_RELIABILITY:
        case BURROW_PUBLIC_HUB_N_COLUMNS:
        default:
          g_assert_not_reached ();
        }
      entry->keys->collate[column] = g_utf8_collate_key (text ?: "", -1);
    }
  return entry->keys->collate[column];
}

/* --- sorting --------------------------------------------------------------------------------- */

static gboolean
is_text_column (BurrowPublicHubColumn column)
{
  return column == BURROW_PUBLIC_HUB_COLUMN_NAME ||
         column == BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION ||
         column == BURROW_PUBLIC_HUB_COLUMN_COUNTRY;
}

static guint64
number_value (BurrowPublicHub       *hub,
              BurrowPublicHubColumn  column)
{
  switch (column)
    {
    case BURROW_PUBLIC_HUB_COLUMN_USERS:
      return burrow_public_hub_get_users (hub);
    case BURROW_PUBLIC_HUB_COLUMN_SHARED:
      return burrow_public_hub_get_shared (hub);
    case BURROW_PUBLIC_HUB_COLUMN_PROTOCOL:
      /* by name: ADC, ADCS, NMDC, NMDCS */
      switch (burrow_public_hub_get_protocol (hub))
        {
        case BURROW_HUB_PROTOCOL_ADC: return 0;
        case BURROW_HUB_PROTOCOL_ADCS: return 1;
        case BURROW_HUB_PROTOCOL_NMDC: return 2;
        case BURROW_HUB_PROTOCOL_NMDCS:
        default: return 3;
        }
    case BURROW_PUBLIC_HUB_COLUMN_MIN_SHARE:
      return burrow_public_hub_get_min_share (hub);
    case BURROW_PUBLIC_HUB_COLUMN_MIN_SLOTS:
      return burrow_public_hub_get_min_slots (hub);
    case BURROW_PUBLIC_HUB_COLUMN_RELIABILITY:
      /* 0–100 %, to a thousandth */
      return (guint64) (burrow_public_hub_get_reliability (hub) * 1000.0);
    case BURROW_PUBLIC_HUB_COLUMN_NAME:
    case BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION:
    case BURROW_PUBLIC_HUB_COLUMN_COUNTRY:
    case BURROW_PUBLIC_HUB_N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

/* Ties keep the hubs in name order (then by address, which is unique), whatever the
 * direction: the order of equal rows does not jump when the direction changes. */
static int
compare_ties (Entry *a,
              Entry *b)
{
  int cmp = strcmp (a->keys->collate[BURROW_PUBLIC_HUB_COLUMN_NAME],
                    b->keys->collate[BURROW_PUBLIC_HUB_COLUMN_NAME]);

  if (cmp != 0)
    return cmp;
  return g_strcmp0 (burrow_public_hub_get_address (a->hub), burrow_public_hub_get_address (b->hub));
}

static int
compare_entries (gconstpointer pa,
                 gconstpointer pb,
                 gpointer      user_data)
{
  BurrowPublicHubModel *self = user_data;
  Entry *a = (Entry *) pa;
  Entry *b = (Entry *) pb;
  int cmp;

  if (is_text_column (self->column))
    cmp = strcmp (a->text, b->text);
  else
    cmp = a->value < b->value ? -1 : a->value > b->value ? 1 : 0;
  if (self->descending)
    cmp = -cmp;
  return cmp != 0 ? cmp : compare_ties (a, b);
}

static void
sort_entries (BurrowPublicHubModel *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = &g_array_index (self->entries, Entry, i);

      collate_key (entry, BURROW_PUBLIC_HUB_COLUMN_NAME);
      if (is_text_column (self->column))
        entry->text = collate_key (entry, self->column);
      else
        entry->value = number_value (entry->hub, self->column);
    }
  g_array_sort_with_data (self->entries, compare_entries, self);
}

/* --- filtering ------------------------------------------------------------------------------- */

static gboolean
entry_matches (BurrowPublicHubModel *self,
               const Entry          *entry)
{
  return self->needle == NULL || strstr (entry->keys->fold, self->needle) != NULL;
}

/* Rebuilds `shown` from @from (`entries`, or the old `shown` when the filter only narrows): the
 * rows that exist show their new hub, and the view hears of the rows added or removed at the
 * end. */
static void
refilter (BurrowPublicHubModel *self,
          GArray               *from)
{
  guint old = self->shown->len;
  GArray *shown = g_array_sized_new (FALSE, FALSE, sizeof (Entry), from->len);

  for (guint i = 0; i < from->len; i++)
    {
      const Entry *entry = &g_array_index (from, Entry, i);

      if (entry_matches (self, entry))
        g_array_append_vals (shown, entry, 1);
    }
  g_array_unref (self->shown);
  self->shown = shown;

  for (guint i = 0; i < MIN (shown->len, self->rows->len); i++)
    {
      BurrowPublicHubRow *row = g_ptr_array_index (self->rows, i);
      BurrowPublicHub *hub = g_array_index (shown, Entry, i).hub;

      if (row != NULL && row->hub != hub)
        {
          g_set_object (&row->hub, hub);
          g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_HUB]);
        }
    }
  if (old > shown->len)
    g_list_model_items_changed (G_LIST_MODEL (self), shown->len, old - shown->len, 0);
  else if (shown->len > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, shown->len - old);
}

/* --- the source ------------------------------------------------------------------------------ */

static void
clear_entries (GArray *entries)
{
  for (guint i = 0; i < entries->len; i++)
    g_object_unref (g_array_index (entries, Entry, i).hub);
  g_array_set_size (entries, 0);
}

static void
read_source (BurrowPublicHubModel *self)
{
  guint n = self->source != NULL ? g_list_model_get_n_items (self->source) : 0;

  clear_entries (self->entries);
  for (guint i = 0; i < n; i++)
    {
      Entry entry = { 0 };

      entry.hub = g_list_model_get_item (self->source, i);
      entry.keys = hub_keys (entry.hub);
      g_array_append_val (self->entries, entry);
    }
  sort_entries (self);
  refilter (self, self->entries);
}

static void
on_source_items_changed_cb (GListModel           *source,
                            guint                 position,
                            guint                 removed,
                            guint                 added,
                            BurrowPublicHubModel *self)
{
  read_source (self);
}

/**
 * burrow_public_hub_model_set_source:
 * @source: (nullable): a list of #BurrowPublicHub
 *
 * Shows the hubs of @source, read again whenever it changes.
 */
void
burrow_public_hub_model_set_source (BurrowPublicHubModel *self,
                                    GListModel           *source)
{
  g_return_if_fail (BURROW_IS_PUBLIC_HUB_MODEL (self));
  g_return_if_fail (source == NULL || G_IS_LIST_MODEL (source));

  if (self->source == source)
    return;
  g_clear_signal_handler (&self->source_changed_id, self->source);
  g_set_object (&self->source, source);
  if (source != NULL)
    self->source_changed_id = g_signal_connect (source, "items-changed",
                                                G_CALLBACK (on_source_items_changed_cb), self);
  read_source (self);
}

/**
 * burrow_public_hub_model_set_sort:
 *
 * Sorts the rows by @column in @direction (ties by name).
 */
void
burrow_public_hub_model_set_sort (BurrowPublicHubModel  *self,
                                  BurrowPublicHubColumn  column,
                                  GtkSortType            direction)
{
  g_return_if_fail (BURROW_IS_PUBLIC_HUB_MODEL (self));
  g_return_if_fail (column < BURROW_PUBLIC_HUB_N_COLUMNS);

  if (self->column == column && self->descending == (direction == GTK_SORT_DESCENDING))
    return;
  self->column = column;
  self->descending = direction == GTK_SORT_DESCENDING;
  sort_entries (self);
  refilter (self, self->entries);
}

/**
 * burrow_public_hub_model_set_filter:
 * @text: (nullable): what the name, description, address or country must contain (any case);
 *   %NULL or blank shows every hub
 */
void
burrow_public_hub_model_set_filter (BurrowPublicHubModel *self,
                                    const char           *text)
{
  g_autofree char *stripped = NULL;
  g_autofree char *old = NULL;
  gboolean narrower;

  g_return_if_fail (BURROW_IS_PUBLIC_HUB_MODEL (self));

  stripped = g_strstrip (g_strdup (text ?: ""));
  old = g_steal_pointer (&self->needle);
  self->needle = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;
  if (g_strcmp0 (old, self->needle) == 0)
    return;

  /* A text containing the old one only hides rows: look at the rows shown. */
  narrower = self->needle != NULL && (old == NULL || strstr (self->needle, old) != NULL);
  refilter (self, narrower ? self->shown : self->entries);
}

/**
 * burrow_public_hub_model_get_n_total:
 *
 * Returns: the hubs before filtering
 */
guint
burrow_public_hub_model_get_n_total (BurrowPublicHubModel *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB_MODEL (self), 0);

  return self->entries->len;
}

/* --- GListModel ------------------------------------------------------------------------------ */

static GType
get_item_type (GListModel *model)
{
  return BURROW_TYPE_PUBLIC_HUB_ROW;
}

static guint
get_n_items (GListModel *model)
{
  return BURROW_PUBLIC_HUB_MODEL (model)->shown->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BurrowPublicHubModel *self = BURROW_PUBLIC_HUB_MODEL (model);

  BurrowPublicHubRow *row;
  BurrowPublicHub *hub;

  if (position >= self->shown->len)
    return NULL;
  hub = g_array_index (self->shown, Entry, position).hub;
  if (position >= self->rows->len)
    g_ptr_array_set_size (self->rows, position + 1);
  row = g_ptr_array_index (self->rows, position);
  if (row == NULL)
    {
      row = g_object_new (BURROW_TYPE_PUBLIC_HUB_ROW, NULL);
      self->rows->pdata[position] = row;
    }
  /* A row past the end while fewer hubs were shown shows its new hub quietly: it is new to the
   * view. */
  g_set_object (&row->hub, hub);
  return g_object_ref (row);
}

static void
burrow_public_hub_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* --- GObject --------------------------------------------------------------------------------- */

static void
burrow_public_hub_model_dispose (GObject *object)
{
  BurrowPublicHubModel *self = BURROW_PUBLIC_HUB_MODEL (object);

  g_clear_signal_handler (&self->source_changed_id, self->source);
  g_clear_object (&self->source);
  g_array_set_size (self->shown, 0);
  g_ptr_array_set_size (self->rows, 0);
  clear_entries (self->entries);

  G_OBJECT_CLASS (burrow_public_hub_model_parent_class)->dispose (object);
}

static void
burrow_public_hub_model_finalize (GObject *object)
{
  BurrowPublicHubModel *self = BURROW_PUBLIC_HUB_MODEL (object);

  g_array_unref (self->shown);
  g_ptr_array_unref (self->rows);
  g_array_unref (self->entries);
  g_free (self->needle);

  G_OBJECT_CLASS (burrow_public_hub_model_parent_class)->finalize (object);
}

/* (`rows` has holes: positions the view never asked for.) */
static void
row_free (gpointer row)
{
  if (row != NULL)
    g_object_unref (row);
}

static void
burrow_public_hub_model_class_init (BurrowPublicHubModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_public_hub_model_dispose;
  object_class->finalize = burrow_public_hub_model_finalize;

  keys_quark = g_quark_from_static_string ("burrow-public-hub-model-keys");
}

static void
burrow_public_hub_model_init (BurrowPublicHubModel *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  self->shown = g_array_new (FALSE, TRUE, sizeof (Entry));
  self->rows = g_ptr_array_new_with_free_func (row_free);
  self->column = BURROW_PUBLIC_HUB_COLUMN_USERS;
  self->descending = TRUE;
}

BurrowPublicHubModel *
burrow_public_hub_model_new (void)
{
  return g_object_new (BURROW_TYPE_PUBLIC_HUB_MODEL, NULL);
}
