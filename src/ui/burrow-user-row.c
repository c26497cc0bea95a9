/* burrow-user-row.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-user-row"

#include "config.h"

#include "burrow-user-row.h"

/* Why rows, not users, in the column view: GTK 4.8's list item manager keeps a row widget only
 * while the same item stays at its place. A filter keystroke or a new sort order puts other
 * users on screen, so GTK destroyed and rebuilt every visible row (a row widget and six cells),
 * and when the item under its scroll anchor had gone it searched every new item for it: 0.1–0.3 s
 * per keystroke with 100,000 users. BurrowUserRows gives the view one BurrowUserRow per
 * position instead, created when GTK first asks for it; when the users change, the existing rows
 * get their new user (cells follow notify::user) and the view is only told that rows were added
 * or removed at the end. The two types share this file: a row exists only for its list. */

struct _BurrowUserRow
{
  GObject     parent_instance;

  BurrowUser *user;
};

enum {
  ROW_PROP_0,
  ROW_PROP_USER,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowUserRow, burrow_user_row, G_TYPE_OBJECT)

static void
burrow_user_row_dispose (GObject *object)
{
  g_clear_object (&BURROW_USER_ROW (object)->user);

  G_OBJECT_CLASS (burrow_user_row_parent_class)->dispose (object);
}

static void
burrow_user_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ROW_PROP_USER: g_value_set_object (value, BURROW_USER_ROW (object)->user); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_user_row_class_init (BurrowUserRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_user_row_dispose;
  object_class->get_property = burrow_user_row_get_property;

  row_properties[ROW_PROP_USER] =
    g_param_spec_object ("user", NULL, NULL, BURROW_TYPE_USER,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
burrow_user_row_init (BurrowUserRow *self)
{
}

/**
 * burrow_user_row_get_user:
 *
 * Returns: (transfer none) (nullable): the user shown in this row now
 */
BurrowUser *
burrow_user_row_get_user (BurrowUserRow *self)
{
  g_return_val_if_fail (BURROW_IS_USER_ROW (self), NULL);
  return self->user;
}

static void
row_set_user (BurrowUserRow *self,
              BurrowUser    *user)
{
  if (g_set_object (&self->user, user))
    g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_USER]);
}

/* ---------------------------------------------------------------------------------------------- */

struct _BurrowUserRows
{
  GObject     parent_instance;

  GListModel *users;     /* owned */
  GPtrArray  *rows;      /* BurrowUserRow or NULL (not asked for yet), one per position */
  guint       n_rows;    /* what the view knows */
};

static void rows_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowUserRows, burrow_user_rows, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      rows_list_model_iface_init))

static GType
rows_get_item_type (GListModel *model)
{
  return BURROW_TYPE_USER_ROW;
}

static guint
rows_get_n_items (GListModel *model)
{
  return BURROW_USER_ROWS (model)->n_rows;
}

static gpointer
rows_get_item (GListModel *model,
               guint       position)
{
  BurrowUserRows *self = BURROW_USER_ROWS (model);
  BurrowUserRow *row;

  if (position >= self->n_rows)
    return NULL;

  if (position >= self->rows->len)
    g_ptr_array_set_size (self->rows, position + 1);
  row = g_ptr_array_index (self->rows, position);
  if (row == NULL)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (self->users, position);

      row = g_object_new (BURROW_TYPE_USER_ROW, NULL);
      row->user = g_steal_pointer (&user);
      self->rows->pdata[position] = row;
    }
  return g_object_ref (row);
}

static void
rows_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = rows_get_item_type;
  iface->get_n_items = rows_get_n_items;
  iface->get_item = rows_get_item;
}

static void
on_users_items_changed_cb (GListModel     *users,
                           guint           position,
                           guint           removed,
                           guint           added,
                           BurrowUserRows *self)
{
  guint n = g_list_model_get_n_items (users);
  guint old = self->n_rows;

  /* Rows past the end go away; the others show whoever is at their position now. */
  if (self->rows->len > n)
    g_ptr_array_set_size (self->rows, n);
  for (guint i = position; i < self->rows->len; i++)
    {
      BurrowUserRow *row = g_ptr_array_index (self->rows, i);

      if (row != NULL)
        {
          g_autoptr(BurrowUser) user = g_list_model_get_item (users, i);

          row_set_user (row, user);
        }
    }

  self->n_rows = n;
  if (n < old)
    g_list_model_items_changed (G_LIST_MODEL (self), n, old - n, 0);
  else if (n > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, n - old);
}

/**
 * burrow_user_rows_new:
 * @users: a model of #BurrowUser
 *
 * Returns: (transfer full): one #BurrowUserRow per user of @users
 */
BurrowUserRows *
burrow_user_rows_new (GListModel *users)
{
  BurrowUserRows *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (users), NULL);

  self = g_object_new (BURROW_TYPE_USER_ROWS, NULL);
  self->users = g_object_ref (users);
  self->n_rows = g_list_model_get_n_items (users);
  g_signal_connect_object (users, "items-changed", G_CALLBACK (on_users_items_changed_cb), self,
                           0);
  return self;
}

static void
burrow_user_rows_dispose (GObject *object)
{
  BurrowUserRows *self = BURROW_USER_ROWS (object);

  if (self->users != NULL)
    g_signal_handlers_disconnect_by_func (self->users, on_users_items_changed_cb, self);
  g_clear_object (&self->users);
  if (self->rows != NULL)
    g_ptr_array_set_size (self->rows, 0);

  G_OBJECT_CLASS (burrow_user_rows_parent_class)->dispose (object);
}

static void
burrow_user_rows_finalize (GObject *object)
{
  g_ptr_array_unref (BURROW_USER_ROWS (object)->rows);

  G_OBJECT_CLASS (burrow_user_rows_parent_class)->finalize (object);
}

static void
burrow_user_rows_class_init (BurrowUserRowsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_user_rows_dispose;
  object_class->finalize = burrow_user_rows_finalize;
}

static void
unref_row (gpointer row)
{
  if (row != NULL)
    g_object_unref (row);
}

static void
burrow_user_rows_init (BurrowUserRows *self)
{
  self->rows = g_ptr_array_new_with_free_func (unref_row);
}
