/* burrow-user-model.h — a hub's users, sorted and filtered for the user list, at scale
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

/**
 * BurrowUserListColumn:
 * @BURROW_USER_LIST_COLUMN_NONE: no sorting (the hub's order)
 *
 * What the user list can be sorted by.
 */
typedef enum
{
  BURROW_USER_LIST_COLUMN_NONE,
  BURROW_USER_LIST_COLUMN_NICK,
  BURROW_USER_LIST_COLUMN_SHARE,
  BURROW_USER_LIST_COLUMN_SLOTS,
  BURROW_USER_LIST_COLUMN_MODE,
  BURROW_USER_LIST_COLUMN_CLIENT,
  BURROW_USER_LIST_COLUMN_DESCRIPTION,
} BurrowUserListColumn;

#define BURROW_TYPE_USER_MODEL (burrow_user_model_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUserModel, burrow_user_model, BURROW, USER_MODEL, GObject)

BurrowUserModel *burrow_user_model_new           (void);
void             burrow_user_model_set_source    (BurrowUserModel      *self,
                                                  GListModel           *users);
GListModel      *burrow_user_model_get_source    (BurrowUserModel      *self);
void             burrow_user_model_set_sort      (BurrowUserModel      *self,
                                                  BurrowUserListColumn  column,
                                                  GtkSortType           order);
BurrowUserListColumn burrow_user_model_get_sort_column (BurrowUserModel *self);
GtkSortType      burrow_user_model_get_sort_order (BurrowUserModel     *self);
void             burrow_user_model_set_filter    (BurrowUserModel      *self,
                                                  const char           *text);
void             burrow_user_model_user_updated  (BurrowUserModel      *self,
                                                  BurrowUser           *user);
void             burrow_user_model_resort        (BurrowUserModel      *self);
guint            burrow_user_model_get_n_total   (BurrowUserModel      *self);

G_END_DECLS
