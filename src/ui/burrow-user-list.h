/* burrow-user-list.h — the users of a hub: sortable, filterable GtkColumnView
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"
#include "burrow-user-model.h"

G_BEGIN_DECLS

#define BURROW_TYPE_USER_LIST (burrow_user_list_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUserList, burrow_user_list, BURROW, USER_LIST, GtkWidget)

GtkWidget          *burrow_user_list_new              (void);
void                burrow_user_list_set_session      (BurrowUserList       *self,
                                                       BurrowHubSession     *session);
BurrowHubSession   *burrow_user_list_get_session      (BurrowUserList       *self);
void                burrow_user_list_set_users        (BurrowUserList       *self,
                                                       GListModel           *users);
GListModel         *burrow_user_list_get_users        (BurrowUserList       *self);
void                burrow_user_list_set_filter_text  (BurrowUserList       *self,
                                                       const char           *text);
void                burrow_user_list_sort_by          (BurrowUserList       *self,
                                                       BurrowUserListColumn  column,
                                                       GtkSortType           order);
GtkColumnView      *burrow_user_list_get_column_view  (BurrowUserList       *self);
BurrowUserModel    *burrow_user_list_get_model        (BurrowUserList       *self);
GtkSearchEntry     *burrow_user_list_get_search_entry (BurrowUserList       *self);

G_END_DECLS
