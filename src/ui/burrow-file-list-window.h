/* burrow-file-list-window.h — a window holding one file list browser
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-file-list-page.h"

G_BEGIN_DECLS

#define BURROW_TYPE_FILE_LIST_WINDOW (burrow_file_list_window_get_type ())

G_DECLARE_FINAL_TYPE (BurrowFileListWindow, burrow_file_list_window, BURROW, FILE_LIST_WINDOW,
                      GtkWindow)

BurrowFileListWindow *burrow_file_list_window_new         (GtkWindow            *parent,
                                                           BurrowClient         *client);
BurrowFileListPage   *burrow_file_list_window_get_page    (BurrowFileListWindow *self);
BurrowFileListWindow *burrow_file_list_window_lookup      (GtkApplication       *application,
                                                           const char           *cid);
BurrowFileListWindow *burrow_file_list_window_browse_user (GtkWindow            *parent,
                                                           BurrowClient         *client,
                                                           BurrowHubSession     *session,
                                                           BurrowUser           *user);
BurrowFileListWindow *burrow_file_list_window_browse_own  (GtkWindow            *parent,
                                                           BurrowClient         *client);

G_END_DECLS
