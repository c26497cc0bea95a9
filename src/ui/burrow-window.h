/* burrow-window.h
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

#define BURROW_TYPE_WINDOW (burrow_window_get_type ())

G_DECLARE_FINAL_TYPE (BurrowWindow, burrow_window, BURROW, WINDOW, GtkApplicationWindow)

BurrowWindow *burrow_window_new          (BurrowApplication *application);
const char   *burrow_window_get_page     (BurrowWindow      *self);
gboolean      burrow_window_set_page     (BurrowWindow      *self,
                                          const char        *name);
void          burrow_window_show_banner  (BurrowWindow      *self,
                                          const char        *text);
void          burrow_window_show_info    (BurrowWindow      *self,
                                          const char        *text);
void          burrow_window_hide_banner  (BurrowWindow      *self);
guint         burrow_window_share_files  (BurrowWindow      *self,
                                          GSList            *files);
BurrowHubPage *burrow_window_show_hub    (BurrowWindow      *self,
                                          BurrowHubSession  *session);
BurrowHubsPage *burrow_window_get_hubs_page (BurrowWindow   *self);
BurrowConnectivityPage *burrow_window_get_connectivity_page (BurrowWindow *self);
BurrowSearchPage *burrow_window_get_search_page (BurrowWindow *self);
BurrowTransfersPage *burrow_window_get_transfers_page (BurrowWindow *self);

G_END_DECLS
