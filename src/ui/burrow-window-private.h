/* burrow-window-private.h — BurrowWindow's instance struct, for the window's own files and tests
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-connectivity-page.h"
#include "burrow-hubs-page.h"
#include "burrow-search-page.h"
#include "burrow-transfers-page.h"
#include "burrow-window.h"

G_BEGIN_DECLS

struct _BurrowWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkButton            *banner_close_button;
  GtkImage             *banner_icon;
  GtkLabel             *banner_label;
  GtkRevealer          *banner_revealer;
  BurrowConnectivityPage *connectivity_page;
  BurrowHubsPage       *hubs_page;
  GtkMenuButton        *primary_menu_button;
  BurrowSearchPage     *search_page;
  GtkStackSidebar      *sidebar;
  GtkStack             *stack;
  BurrowTransfersPage  *transfers_page;
};

G_END_DECLS
