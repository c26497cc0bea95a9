/* burrow-file-node-list.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-node-list"

#include "config.h"

#include "burrow-file-item.h"

#include "burrow-file-node-list.h"

/* The entries of one directory of a finished BurrowFileTree, as BurrowFileItems. A directory may
 * hold 100,000 files and a list 1,000,000 entries, so:
 *  - nothing is created up front: n_items is the length of the children array;
 *  - an item is created when a row asks for it; the model remembers it (a weak pointer at its
 *    position) while something holds it, so asking again gives the same object, and an item
 *    that GTK lets go of is freed: scrolling through 100,000 rows leaves only the rows the view
 *    keeps;
 *  - sorting is an array of indices into the children (NULL for the tree's own order, which is
 *    already folders first, then by name), never a GtkSortListModel that would ask for every
 *    item. */

struct _BurrowFileNodeList
{
  GObject               parent_instance;

  BurrowFileTree       *tree;       /* owned ref */
  BurrowFileNode       *directory;  /* borrowed from tree */
  guint                 n_items;
  guint                 n_dirs;     /* the first n_dirs children (tree order) are directories */
  guint32              *order;      /* owned, n_items indices into children; NULL: tree order */
  GObject             **items;      /* owned array of n_items weak pointers; NULL until needed */
  BurrowFileListColumn  column;
  GtkSortType           sort_order;
};

static void burrow_file_node_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowFileNodeList, burrow_file_node_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      burrow_file_node_list_model_init))

/**
 * burrow_file_node_count_directories:
 * @directory: a directory of a finished tree
 *
 * Returns: how many of its children are directories (they come first)
 */
guint
burrow_file_node_count_directories (const BurrowFileNode *directory)
{
  GPtrArray *children;
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (directory != NULL, 0);

  if (!directory->is_dir || directory->children == NULL)
    return 0;
  children = directory->children;
  hi = children->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (((BurrowFileNode *) g_ptr_array_index (children, mid))->is_dir)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/**
 * burrow_file_node_get_index:
 * @node: a node of a finished tree, not the root
 *
 * Returns: the position of @node among its parent's children (for a directory, also its
 *   position in the parent's directories-only list)
 */
guint
burrow_file_node_get_index (const BurrowFileNode *node)
{
  GPtrArray *siblings;
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (node != NULL && node->parent != NULL, 0);

  siblings = node->parent->children;
  /* Directories are a prefix, files the rest: search only the right part. */
  hi = siblings->len;
  if (node->is_dir)
    hi = burrow_file_node_count_directories (node->parent);
  else
    lo = burrow_file_node_count_directories (node->parent);
  for (guint i = lo; i < hi; i++)
    if (g_ptr_array_index (siblings, i) == node)
      return i;
  g_return_val_if_reached (0);
}

static inline guint
child_index (BurrowFileNodeList *self,
             guint               position)
{
  return self->order != NULL ? self->order[position] : position;
}

static GType
burrow_file_node_list_get_item_type (GListModel *model)
{
  return BURROW_TYPE_FILE_ITEM;
}

static guint
burrow_file_node_list_get_n_items (GListModel *model)
{
  return BURROW_FILE_NODE_LIST (model)->n_items;
}

/* An item is going: forget it (@data is its slot in the items array). */
static void
on_item_finalized (gpointer  data,
                   GObject  *where_the_object_was)
{
  GObject **slot = data;

  *slot = NULL;
}

static gpointer
burrow_file_node_list_get_item (GListModel *model,
                                guint       position)
{
  BurrowFileNodeList *self = BURROW_FILE_NODE_LIST (model);
  GObject *item;

  if (position >= self->n_items)
    return NULL;
  if (self->items == NULL)
    self->items = g_new0 (GObject *, self->n_items);
  if (self->items[position] != NULL)
    return g_object_ref (self->items[position]);

  item = G_OBJECT (burrow_file_item_new (self->tree,
                                         g_ptr_array_index (self->directory->children,
                                                            child_index (self, position))));
  self->items[position] = item;
  g_object_weak_ref (item, on_item_finalized, &self->items[position]);
  return item;
}

static void
burrow_file_node_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = burrow_file_node_list_get_item_type;
  iface->get_n_items = burrow_file_node_list_get_n_items;
  iface->get_item = burrow_file_node_list_get_item;
}

/* Forgets every item (they stay valid for whoever holds them). */
static void
clear_items (BurrowFileNodeList *self)
{
  if (self->items == NULL)
    return;
  for (guint i = 0; i < self->n_items; i++)
    if (self->items[i] != NULL)
      g_object_weak_unref (self->items[i], on_item_finalized, &self->items[i]);
  g_clear_pointer (&self->items, g_free);
}

static void
burrow_file_node_list_finalize (GObject *object)
{
  BurrowFileNodeList *self = BURROW_FILE_NODE_LIST (object);

  clear_items (self);
  g_clear_pointer (&self->order, g_free);
  g_clear_pointer (&self->tree, burrow_file_tree_unref);

  G_OBJECT_CLASS (burrow_file_node_list_parent_class)->finalize (object);
}

static void
burrow_file_node_list_class_init (BurrowFileNodeListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = burrow_file_node_list_finalize;
}

static void
burrow_file_node_list_init (BurrowFileNodeList *self)
{
  self->column = BURROW_FILE_LIST_COLUMN_NAME;
  self->sort_order = GTK_SORT_ASCENDING;
}

/**
 * burrow_file_node_list_new:
 * @tree: a finished tree
 * @directory: a directory of @tree
 * @directories_only: list only the subdirectories (for the folder tree)
 *
 * Returns: (transfer full): the entries of @directory in the tree's order (folders first, then
 *   by name), holding a reference on @tree
 */
BurrowFileNodeList *
burrow_file_node_list_new (BurrowFileTree *tree,
                           BurrowFileNode *directory,
                           gboolean        directories_only)
{
  BurrowFileNodeList *self;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (burrow_file_tree_is_finished (tree), NULL);
  g_return_val_if_fail (directory != NULL && directory->is_dir, NULL);

  self = g_object_new (BURROW_TYPE_FILE_NODE_LIST, NULL);
  self->tree = burrow_file_tree_ref (tree);
  self->directory = directory;
  self->n_dirs = burrow_file_node_count_directories (directory);
  self->n_items = directories_only ? self->n_dirs
                                   : (directory->children ? directory->children->len : 0);
  if (self->n_dirs > self->n_items)
    self->n_dirs = self->n_items;
  return self;
}

/**
 * burrow_file_node_list_get_tree:
 *
 * Returns: (transfer none): the tree
 */
BurrowFileTree *
burrow_file_node_list_get_tree (BurrowFileNodeList *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), NULL);
  return self->tree;
}

/**
 * burrow_file_node_list_get_directory:
 *
 * Returns: (transfer none): the directory whose entries are listed
 */
BurrowFileNode *
burrow_file_node_list_get_directory (BurrowFileNodeList *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), NULL);
  return self->directory;
}

/**
 * burrow_file_node_list_get_node:
 * @position: a position in the model
 *
 * The node at @position, without creating an item (for walking a large selection).
 *
 * Returns: (transfer none) (nullable): the node, %NULL past the end
 */
BurrowFileNode *
burrow_file_node_list_get_node (BurrowFileNodeList *self,
                                guint               position)
{
  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), NULL);

  if (position >= self->n_items)
    return NULL;
  return g_ptr_array_index (self->directory->children, child_index (self, position));
}

/**
 * burrow_file_node_list_find:
 * @node: a child of the model's directory
 *
 * Returns: the position of @node, or %GTK_INVALID_LIST_POSITION
 */
guint
burrow_file_node_list_find (BurrowFileNodeList   *self,
                            const BurrowFileNode *node)
{
  guint index;

  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), GTK_INVALID_LIST_POSITION);

  if (node == NULL || node->parent != self->directory)
    return GTK_INVALID_LIST_POSITION;
  index = burrow_file_node_get_index (node);
  if (index >= self->n_items)
    return GTK_INVALID_LIST_POSITION;
  if (self->order == NULL)
    return index;
  for (guint i = 0; i < self->n_items; i++)
    if (self->order[i] == index)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

typedef struct
{
  GPtrArray   *children;
  gboolean     descending;
} SortContext;

static gint
compare_by_size (gconstpointer a,
                 gconstpointer b,
                 gpointer      data)
{
  const SortContext *ctx = data;
  guint32 ia = *(const guint32 *) a;
  guint32 ib = *(const guint32 *) b;
  const BurrowFileNode *na = g_ptr_array_index (ctx->children, ia);
  const BurrowFileNode *nb = g_ptr_array_index (ctx->children, ib);

  if (na->size != nb->size)
    {
      gint r = na->size < nb->size ? -1 : 1;

      return ctx->descending ? -r : r;
    }
  /* equal sizes: by name, always ascending */
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

static void
sort_range (guint32              *order,
            guint                 start,
            guint                 end,
            BurrowFileListColumn  column,
            GtkSortType           sort_order,
            GPtrArray            *children)
{
  SortContext ctx = { children, sort_order == GTK_SORT_DESCENDING };

  for (guint i = start; i < end; i++)
    order[i] = i;
  if (column == BURROW_FILE_LIST_COLUMN_SIZE)
    g_qsort_with_data (order + start, end - start, sizeof (guint32), compare_by_size, &ctx);
  else if (ctx.descending)
    for (guint i = start; i < end; i++)
      order[i] = start + (end - 1 - i);
}

/**
 * burrow_file_node_list_set_sort:
 * @column: what to sort by
 * @order: the direction
 *
 * Sorts the entries; folders stay before files. Emits #GListModel::items-changed for the whole
 * model when the order changes (the created items are dropped). A view should be detached
 * while this happens (see burrow-file-list-page.c): GTK 4.8's list views handle a change of
 * every row badly (they ask for every added item to find rows they can keep).
 */
void
burrow_file_node_list_set_sort (BurrowFileNodeList   *self,
                                BurrowFileListColumn  column,
                                GtkSortType           order)
{
  g_return_if_fail (BURROW_IS_FILE_NODE_LIST (self));

  if (self->column == column && self->sort_order == order)
    return;
  self->column = column;
  self->sort_order = order;

  g_clear_pointer (&self->order, g_free);
  if (column != BURROW_FILE_LIST_COLUMN_NAME || order != GTK_SORT_ASCENDING)
    {
      self->order = g_new (guint32, MAX (self->n_items, 1));
      sort_range (self->order, 0, self->n_dirs, column, order, self->directory->children);
      sort_range (self->order, self->n_dirs, self->n_items, column, order,
                  self->directory->children);
    }
  clear_items (self);
  if (self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, self->n_items, self->n_items);
}

BurrowFileListColumn
burrow_file_node_list_get_sort_column (BurrowFileNodeList *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), BURROW_FILE_LIST_COLUMN_NAME);
  return self->column;
}

GtkSortType
burrow_file_node_list_get_sort_order (BurrowFileNodeList *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), GTK_SORT_ASCENDING);
  return self->sort_order;
}

/**
 * burrow_file_node_list_get_n_alive:
 *
 * Returns: how many of the model's items exist now (tests and benchmarks: items are created
 *   for the rows asked for, and freed when nothing holds them)
 */
guint
burrow_file_node_list_get_n_alive (BurrowFileNodeList *self)
{
  guint n = 0;

  g_return_val_if_fail (BURROW_IS_FILE_NODE_LIST (self), 0);

  for (guint i = 0; self->items != NULL && i < self->n_items; i++)
    n += self->items[i] != NULL;
  return n;
}
