/* burrow-file-item.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-item"

#include "config.h"

#include "burrow-file-item.h"

/* A thin wrapper: the node stays in its (immutable, finished) tree, which the item keeps alive.
 * List models create items only for the rows that are asked for (see burrow-file-node-list.c),
 * never one per entry of a list up front. */

struct _BurrowFileItem
{
  GObject         parent_instance;

  BurrowFileTree *tree;   /* owned ref */
  BurrowFileNode *node;   /* borrowed from tree */
};

G_DEFINE_FINAL_TYPE (BurrowFileItem, burrow_file_item, G_TYPE_OBJECT)

static void
burrow_file_item_finalize (GObject *object)
{
  BurrowFileItem *self = BURROW_FILE_ITEM (object);

  g_clear_pointer (&self->tree, burrow_file_tree_unref);

  G_OBJECT_CLASS (burrow_file_item_parent_class)->finalize (object);
}

static void
burrow_file_item_class_init (BurrowFileItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = burrow_file_item_finalize;
}

static void
burrow_file_item_init (BurrowFileItem *self)
{
}

/**
 * burrow_file_item_new:
 * @tree: a finished tree
 * @node: a node of @tree
 *
 * Returns: (transfer full): an item for @node, holding a reference on @tree
 */
BurrowFileItem *
burrow_file_item_new (BurrowFileTree *tree,
                      BurrowFileNode *node)
{
  BurrowFileItem *self;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);

  self = g_object_new (BURROW_TYPE_FILE_ITEM, NULL);
  self->tree = burrow_file_tree_ref (tree);
  self->node = node;
  return self;
}

/**
 * burrow_file_item_get_tree:
 *
 * Returns: (transfer none): the tree of the item's node
 */
BurrowFileTree *
burrow_file_item_get_tree (BurrowFileItem *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_ITEM (self), NULL);
  return self->tree;
}

/**
 * burrow_file_item_get_node:
 *
 * Returns: (transfer none): the node, valid as long as the item (or its tree) lives
 */
BurrowFileNode *
burrow_file_item_get_node (BurrowFileItem *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_ITEM (self), NULL);
  return self->node;
}

const char *
burrow_file_item_get_name (BurrowFileItem *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_ITEM (self), NULL);
  return self->node->name;
}

/**
 * burrow_file_item_get_size:
 *
 * Returns: a file's size, or a directory's total
 */
guint64
burrow_file_item_get_size (BurrowFileItem *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_ITEM (self), 0);
  return self->node->size;
}

gboolean
burrow_file_item_is_dir (BurrowFileItem *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_ITEM (self), FALSE);
  return self->node->is_dir;
}

/**
 * burrow_file_item_dup_tth:
 *
 * Returns: (transfer full) (nullable): the base32 TTH root of a file, %NULL for a directory or
 *   a file without one
 */
char *
burrow_file_item_dup_tth (BurrowFileItem *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_ITEM (self), NULL);

  if (self->node->is_dir || !self->node->has_tth)
    return NULL;
  return burrow_tth_to_base32 (self->node->tth);
}
