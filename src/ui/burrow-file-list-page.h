/* burrow-file-list-page.h — browsing a file list: a peer's, or our own share
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-file-node-list.h"

G_BEGIN_DECLS

#define BURROW_TYPE_FILE_LIST_PAGE (burrow_file_list_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFileListPage, burrow_file_list_page, BURROW, FILE_LIST_PAGE, GtkWidget)

GtkWidget          *burrow_file_list_page_new             (void);
void                burrow_file_list_page_set_client      (BurrowFileListPage   *self,
                                                           BurrowClient         *client);
BurrowClient       *burrow_file_list_page_get_client      (BurrowFileListPage   *self);

void                burrow_file_list_page_browse_user     (BurrowFileListPage   *self,
                                                           BurrowHubSession     *session,
                                                           BurrowUser           *user);
void                burrow_file_list_page_browse_own      (BurrowFileListPage   *self);
void                burrow_file_list_page_set_tree        (BurrowFileListPage   *self,
                                                           BurrowFileTree       *tree,
                                                           const char           *title);
void                burrow_file_list_page_reload          (BurrowFileListPage   *self);

BurrowFileTree     *burrow_file_list_page_get_tree        (BurrowFileListPage   *self);
gboolean            burrow_file_list_page_get_loading     (BurrowFileListPage   *self);
gboolean            burrow_file_list_page_get_is_own      (BurrowFileListPage   *self);
const char         *burrow_file_list_page_get_cid         (BurrowFileListPage   *self);
const char         *burrow_file_list_page_get_title       (BurrowFileListPage   *self);
const char         *burrow_file_list_page_get_subtitle    (BurrowFileListPage   *self);
const char         *burrow_file_list_page_get_error       (BurrowFileListPage   *self);
const char         *burrow_file_list_page_get_message     (BurrowFileListPage   *self);
void                burrow_file_list_page_show_message    (BurrowFileListPage   *self,
                                                           const char           *text,
                                                           gboolean              is_error);

gboolean            burrow_file_list_page_open_path       (BurrowFileListPage   *self,
                                                           const char           *path);
BurrowFileNode     *burrow_file_list_page_get_folder      (BurrowFileListPage   *self);
BurrowFileNodeList *burrow_file_list_page_get_entries     (BurrowFileListPage   *self);
GListModel         *burrow_file_list_page_get_folders     (BurrowFileListPage   *self);
gboolean            burrow_file_list_page_select          (BurrowFileListPage   *self,
                                                           const char           *name);
void                burrow_file_list_page_sort_by         (BurrowFileListPage   *self,
                                                           BurrowFileListColumn  column,
                                                           GtkSortType           order);
GtkColumnView      *burrow_file_list_page_get_column_view (BurrowFileListPage   *self);
GtkListView        *burrow_file_list_page_get_folder_view (BurrowFileListPage   *self);

G_END_DECLS
