/* burrow-user-model.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-user-model"

#include "config.h"

#include <string.h>

#include "burrow-user-model.h"

/* The user list's model: the session's users, sorted and filtered, as one GListModel.
 *
 * Why not GtkSortListModel + GtkFilterListModel: measured on GTK 4.8 with 100,000 users, a
 * GtkStringSorter needed ~4.7 s to sort by nick; a GtkCustomSorter over precomputed collation
 * keys still needed ~0.5–1 s, because every comparison goes through the column view sorter's
 * chain of GtkSorter calls and type checks, and each filter keystroke cost 0.2–0.6 s in the
 * filter model's bitset and the GListStore's O(log n) get_item (). Here:
 *   - each user gets its keys once, as qdata: a collation key (g_utf8_collate_key) and a
 *     case-folded, normalized nick for the filter;
 *   - `entries` holds every user with pointers to its keys, sorted in place with strcmp ();
 *   - `shown` is the filtered copy of `entries` that the list view reads, with O(1) get_item ();
 *   - joins and leaves of a few users are inserted or removed at their place (binary search);
 *     bigger batches (a hub's initial user list) are appended and sorted once.
 * The column view keeps its header sorter; BurrowUserList turns its state into set_sort (). */

#define BULK_CHANGE 256

typedef struct
{
  char  *nick;       /* what the keys were made from */
  char  *nick_key;   /* g_utf8_collate_key () */
  char  *nick_fold;  /* case-folded, NFKD */
  guint  seq;        /* arrival order, for the unsorted (hub) order */
} UserKeys;

typedef struct
{
  BurrowUser *user;  /* a reference in `entries`, borrowed in `shown` */
  UserKeys   *keys;  /* the user's qdata */
  const char *aux;   /* collation key of the client or description, when sorting by them */
} Entry;

struct _BurrowUserModel
{
  GObject               parent_instance;

  GListModel           *source;          /* owned */
  gulong                source_changed_id;
  GPtrArray            *source_items;    /* owned refs: the source's items, to know removals */
  GArray               *entries;         /* Entry, sorted */
  GArray               *shown;           /* Entry, sorted and filtered */
  GHashTable           *collate_keys;    /* client/description → collation key */
  char                 *needle;          /* folded filter text; NULL shows everyone */
  BurrowUserListColumn  column;
  gboolean              descending;
  guint                 seq;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowUserModel, burrow_user_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GQuark user_keys_quark;

static GType
get_item_type (GListModel *model)
{
  return BURROW_TYPE_USER;
}

static guint
get_n_items (GListModel *model)
{
  return BURROW_USER_MODEL (model)->shown->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BurrowUserModel *self = BURROW_USER_MODEL (model);

  if (position >= self->shown->len)
    return NULL;
  return g_object_ref (g_array_index (self->shown, Entry, position).user);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static char *
fold (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
}

static void
user_keys_free (gpointer data)
{
  UserKeys *keys = data;

  g_free (keys->nick);
  g_free (keys->nick_key);
  g_free (keys->nick_fold);
  g_free (keys);
}

/* (Re)computes the keys when the nick changed; the struct itself stays where it is. */
static UserKeys *
ensure_keys (BurrowUserModel *self,
             BurrowUser      *user)
{
  UserKeys *keys = g_object_get_qdata (G_OBJECT (user), user_keys_quark);
  const char *nick = burrow_user_get_nick (user);

  if (nick == NULL)
    nick = "";
  if (keys == NULL)
    {
      keys = g_new0 (UserKeys, 1);
      keys->seq = self->seq++;
      g_object_set_qdata_full (G_OBJECT (user), user_keys_quark, keys, user_keys_free);
    }
  else if (keys->nick != NULL && strcmp (keys->nick, nick) == 0)
    {
      return keys;
    }
  g_free (keys->nick);
  g_free (keys->nick_key);
  g_free (keys->nick_fold);
  keys->nick = g_strdup (nick);
  keys->nick_key = g_utf8_collate_key (nick, -1);
  keys->nick_fold = fold (nick);
  return keys;
}

static const char *
collate_key (BurrowUserModel *self,
             const char      *text)
{
  char *key;

  if (text == NULL)
    return "";
  key = g_hash_table_lookup (self->collate_keys, text);
  if (key == NULL)
    {
      key = g_utf8_collate_key (text, -1);
      g_hash_table_insert (self->collate_keys, g_strdup (text), key);
    }
  return key;
}

static void
update_aux (BurrowUserModel *self,
            Entry           *entry)
{
  if (self->column == BURROW_USER_LIST_COLUMN_CLIENT)
    entry->aux = collate_key (self, burrow_user_get_client (entry->user));
  else if (self->column == BURROW_USER_LIST_COLUMN_DESCRIPTION)
    entry->aux = collate_key (self, burrow_user_get_description (entry->user));
  else
    entry->aux = NULL;
}

static Entry
make_entry (BurrowUserModel *self,
            BurrowUser      *user)
{
  Entry entry = { g_object_ref (user), ensure_keys (self, user), NULL };

  update_aux (self, &entry);
  return entry;
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int
compare_entries (gconstpointer pa,
                 gconstpointer pb,
                 gpointer      data)
{
  const Entry *a = pa;
  const Entry *b = pb;
  BurrowUserModel *self = data;
  int r = 0;

  switch (self->column)
    {
    case BURROW_USER_LIST_COLUMN_NONE:
      return CMP (a->keys->seq, b->keys->seq);
    case BURROW_USER_LIST_COLUMN_SHARE:
      /* Largest first: the natural first click on a size. */
      r = CMP (burrow_user_get_share_size (b->user), burrow_user_get_share_size (a->user));
      break;
    case BURROW_USER_LIST_COLUMN_SLOTS:
      r = CMP (burrow_user_get_free_slots (b->user), burrow_user_get_free_slots (a->user));
      if (r == 0)
        r = CMP (burrow_user_get_slots (b->user), burrow_user_get_slots (a->user));
      break;
    case BURROW_USER_LIST_COLUMN_MODE:
      r = CMP ((int) burrow_user_get_mode (a->user), (int) burrow_user_get_mode (b->user));
      break;
    case BURROW_USER_LIST_COLUMN_CLIENT:
    case BURROW_USER_LIST_COLUMN_DESCRIPTION:
      r = strcmp (a->aux, b->aux);
      break;
    case BURROW_USER_LIST_COLUMN_NICK:
    default:
      break;
    }
  if (r == 0)
    r = strcmp (a->keys->nick_key, b->keys->nick_key);
  if (r == 0)
    r = CMP (a->keys->seq, b->keys->seq);
  return self->descending ? -r : r;
}

static gboolean
matches (BurrowUserModel *self,
         const Entry     *entry)
{
  return self->needle == NULL || strstr (entry->keys->nick_fold, self->needle) != NULL;
}

/* First index whose entry sorts after @entry. */
static guint
upper_bound (BurrowUserModel *self,
             GArray          *array,
             const Entry     *entry)
{
  guint lo = 0;
  guint hi = array->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (compare_entries (&g_array_index (array, Entry, mid), entry, self) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Recomputes `shown`; @old is the length the view knows. */
static void
rebuild_shown_full (BurrowUserModel *self,
                    gboolean         from_shown,
                    guint            old)
{
  GArray *from = from_shown ? self->shown : self->entries;
  GArray *shown = g_array_sized_new (FALSE, FALSE, sizeof (Entry),
                                     self->needle ? from->len / 4 + 16 : from->len);

  for (guint i = 0; i < from->len; i++)
    {
      const Entry *entry = &g_array_index (from, Entry, i);

      if (matches (self, entry))
        g_array_append_vals (shown, entry, 1);
    }

  g_array_unref (self->shown);
  self->shown = shown;
  if (old > 0 || shown->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, shown->len);
}

static void
rebuild_shown (BurrowUserModel *self,
               gboolean         from_shown)
{
  rebuild_shown_full (self, from_shown, self->shown->len);
}

static void
sort_entries (BurrowUserModel *self)
{
  if (self->column == BURROW_USER_LIST_COLUMN_CLIENT ||
      self->column == BURROW_USER_LIST_COLUMN_DESCRIPTION)
    for (guint i = 0; i < self->entries->len; i++)
      update_aux (self, &g_array_index (self->entries, Entry, i));
  g_array_sort_with_data (self->entries, compare_entries, self);
}

static void
clear_entry (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->user);
}

static gint
find_in (GArray     *array,
         BurrowUser *user)
{
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, Entry, i).user == user)
      return i;
  return -1;
}

static void
remove_user (BurrowUserModel *self,
             BurrowUser      *user)
{
  gint shown_index = find_in (self->shown, user);
  gint index = find_in (self->entries, user);

  if (shown_index >= 0)
    g_array_remove_index (self->shown, shown_index);
  if (index >= 0)
    g_array_remove_index (self->entries, index);  /* drops the reference */
  if (shown_index >= 0)
    g_list_model_items_changed (G_LIST_MODEL (self), shown_index, 1, 0);
}

static void
add_user (BurrowUserModel *self,
          BurrowUser      *user)
{
  Entry entry = make_entry (self, user);

  g_array_insert_val (self->entries, upper_bound (self, self->entries, &entry), entry);
  if (matches (self, &entry))
    {
      guint position = upper_bound (self, self->shown, &entry);

      g_array_insert_val (self->shown, position, entry);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
    }
}

static void
on_source_items_changed_cb (GListModel      *source,
                            guint            position,
                            guint            removed,
                            guint            added,
                            BurrowUserModel *self)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  guint old;

  for (guint i = 0; i < removed; i++)
    g_ptr_array_add (gone, g_object_ref (g_ptr_array_index (self->source_items, position + i)));
  g_ptr_array_remove_range (self->source_items, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_add (fresh, g_list_model_get_item (source, position + i));
  g_ptr_array_set_size (self->source_items, self->source_items->len + added);
  memmove (self->source_items->pdata + position + added, self->source_items->pdata + position,
           (self->source_items->len - added - position) * sizeof (gpointer));
  for (guint i = 0; i < added; i++)
    self->source_items->pdata[position + i] = g_object_ref (g_ptr_array_index (fresh, i));

  if (removed + added < BULK_CHANGE)
    {
      for (guint i = 0; i < gone->len; i++)
        remove_user (self, g_ptr_array_index (gone, i));
      for (guint i = 0; i < fresh->len; i++)
        add_user (self, g_ptr_array_index (fresh, i));
      return;
    }

  /* A hub's user list arriving, or a session clearing its users: one pass, one sort. */
  old = self->shown->len;
  if (gone->len > 0)
    {
      g_autoptr(GHashTable) set = g_hash_table_new (NULL, NULL);
      guint kept = 0;

      for (guint i = 0; i < gone->len; i++)
        g_hash_table_add (set, g_ptr_array_index (gone, i));
      g_array_set_size (self->shown, 0);  /* rebuilt below; it only borrows */
      for (guint i = 0; i < self->entries->len; i++)
        {
          Entry *entry = &g_array_index (self->entries, Entry, i);

          if (g_hash_table_contains (set, entry->user))
            g_clear_object (&entry->user);
          else
            g_array_index (self->entries, Entry, kept++) = *entry;
        }
      /* Shrink without running the clear function on the moved entries. */
      g_array_set_clear_func (self->entries, NULL);
      g_array_set_size (self->entries, kept);
      g_array_set_clear_func (self->entries, clear_entry);
    }
  for (guint i = 0; i < fresh->len; i++)
    {
      Entry entry = make_entry (self, g_ptr_array_index (fresh, i));

      g_array_append_val (self->entries, entry);
    }
  sort_entries (self);
  rebuild_shown_full (self, FALSE, old);
}

void
burrow_user_model_set_source (BurrowUserModel *self,
                              GListModel      *users)
{
  guint old;

  g_return_if_fail (BURROW_IS_USER_MODEL (self));
  g_return_if_fail (users == NULL || G_IS_LIST_MODEL (users));

  if (self->source == users)
    return;

  if (self->source != NULL)
    g_clear_signal_handler (&self->source_changed_id, self->source);
  g_set_object (&self->source, users);

  old = self->shown->len;
  g_array_set_size (self->shown, 0);
  g_array_set_size (self->entries, 0);
  g_ptr_array_set_size (self->source_items, 0);

  if (users != NULL)
    {
      guint n = g_list_model_get_n_items (users);

      for (guint i = 0; i < n; i++)
        {
          BurrowUser *user = g_list_model_get_item (users, i);
          Entry entry = make_entry (self, user);

          g_ptr_array_add (self->source_items, user);
          g_array_append_val (self->entries, entry);
        }
      sort_entries (self);
      self->source_changed_id = g_signal_connect (users, "items-changed",
                                                  G_CALLBACK (on_source_items_changed_cb), self);
    }

  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = &g_array_index (self->entries, Entry, i);

      if (matches (self, entry))
        g_array_append_vals (self->shown, entry, 1);
    }
  if (old > 0 || self->shown->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, self->shown->len);
}

GListModel *
burrow_user_model_get_source (BurrowUserModel *self)
{
  g_return_val_if_fail (BURROW_IS_USER_MODEL (self), NULL);
  return self->source;
}

/**
 * burrow_user_model_set_sort:
 * @column: what to sort by; %BURROW_USER_LIST_COLUMN_NONE keeps the hub's order
 * @order: %GTK_SORT_ASCENDING is A–Z for text and the largest first for sizes and slots
 */
void
burrow_user_model_set_sort (BurrowUserModel      *self,
                            BurrowUserListColumn  column,
                            GtkSortType           order)
{
  g_return_if_fail (BURROW_IS_USER_MODEL (self));

  self->column = column;
  self->descending = column != BURROW_USER_LIST_COLUMN_NONE && order == GTK_SORT_DESCENDING;
  sort_entries (self);
  rebuild_shown (self, FALSE);
}

BurrowUserListColumn
burrow_user_model_get_sort_column (BurrowUserModel *self)
{
  g_return_val_if_fail (BURROW_IS_USER_MODEL (self), BURROW_USER_LIST_COLUMN_NONE);
  return self->column;
}

GtkSortType
burrow_user_model_get_sort_order (BurrowUserModel *self)
{
  g_return_val_if_fail (BURROW_IS_USER_MODEL (self), GTK_SORT_ASCENDING);
  return self->descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING;
}

/**
 * burrow_user_model_resort:
 *
 * Sorts again, after user updates changed what the order depends on.
 */
void
burrow_user_model_resort (BurrowUserModel *self)
{
  g_autoptr(GArray) before = NULL;
  guint first = 0;
  guint last;

  g_return_if_fail (BURROW_IS_USER_MODEL (self));

  /* After INF updates only a few users move: keep the view (and its scroll position) and
   * report just the span that changed. */
  before = g_array_copy (self->shown);
  sort_entries (self);
  g_array_set_size (self->shown, 0);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = &g_array_index (self->entries, Entry, i);

      if (matches (self, entry))
        g_array_append_vals (self->shown, entry, 1);
    }
  g_assert (before->len == self->shown->len);

  last = self->shown->len;
  while (first < last &&
         g_array_index (before, Entry, first).user ==
         g_array_index (self->shown, Entry, first).user)
    first++;
  while (last > first &&
         g_array_index (before, Entry, last - 1).user ==
         g_array_index (self->shown, Entry, last - 1).user)
    last--;
  if (first < last)
    g_list_model_items_changed (G_LIST_MODEL (self), first, last - first, last - first);
}

/**
 * burrow_user_model_set_filter:
 * @text: (nullable): part of a nick, any case; %NULL or "" shows everyone
 */
void
burrow_user_model_set_filter (BurrowUserModel *self,
                              const char      *text)
{
  g_autofree char *needle = NULL;
  gboolean narrower;

  g_return_if_fail (BURROW_IS_USER_MODEL (self));

  if (text != NULL && *text != '\0')
    needle = fold (text);
  if (g_strcmp0 (needle, self->needle) == 0)
    return;

  /* Typing one more letter only narrows: filter what is shown, not everyone. */
  narrower = needle != NULL && (self->needle == NULL || strstr (needle, self->needle) != NULL);
  g_free (self->needle);
  self->needle = g_steal_pointer (&needle);
  rebuild_shown (self, narrower);
}

/**
 * burrow_user_model_user_updated:
 * @user: a user whose INF changed
 *
 * Updates the user's keys if the nick changed. The order is not touched: call
 * burrow_user_model_resort() (BurrowUserList does, at most every few seconds).
 */
void
burrow_user_model_user_updated (BurrowUserModel *self,
                                BurrowUser      *user)
{
  g_return_if_fail (BURROW_IS_USER_MODEL (self));
  g_return_if_fail (BURROW_IS_USER (user));

  if (g_object_get_qdata (G_OBJECT (user), user_keys_quark) != NULL)
    ensure_keys (self, user);
}

/**
 * burrow_user_model_get_n_total:
 *
 * Returns: how many users there are, shown or not
 */
guint
burrow_user_model_get_n_total (BurrowUserModel *self)
{
  g_return_val_if_fail (BURROW_IS_USER_MODEL (self), 0);
  return self->entries->len;
}

BurrowUserModel *
burrow_user_model_new (void)
{
  return g_object_new (BURROW_TYPE_USER_MODEL, NULL);
}

static void
burrow_user_model_dispose (GObject *object)
{
  BurrowUserModel *self = BURROW_USER_MODEL (object);

  if (self->source != NULL)
    g_clear_signal_handler (&self->source_changed_id, self->source);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (burrow_user_model_parent_class)->dispose (object);
}

static void
burrow_user_model_finalize (GObject *object)
{
  BurrowUserModel *self = BURROW_USER_MODEL (object);

  g_array_unref (self->shown);
  g_array_unref (self->entries);
  g_ptr_array_unref (self->source_items);
  g_hash_table_unref (self->collate_keys);
  g_free (self->needle);

  G_OBJECT_CLASS (burrow_user_model_parent_class)->finalize (object);
}

static void
burrow_user_model_class_init (BurrowUserModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_user_model_dispose;
  object_class->finalize = burrow_user_model_finalize;

  user_keys_quark = g_quark_from_static_string ("burrow-user-model-keys");
}

static void
burrow_user_model_init (BurrowUserModel *self)
{
  self->source_items = g_ptr_array_new_with_free_func (g_object_unref);
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (self->entries, clear_entry);
  self->shown = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->collate_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->column = BURROW_USER_LIST_COLUMN_NICK;
}
