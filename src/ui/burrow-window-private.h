/* burrow-window-private.h — BurrowWindow's instance struct, for the window's own files and tests
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-hubs-page.h"
#include "burrow-window.h"

G_BEGIN_DECLS

struct _BurrowWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkButton            *banner_close_button;
  GtkLabel             *banner_label;
  GtkRevealer          *banner_revealer;
  BurrowHubsPage       *hubs_page;
  GtkMenuButton        *primary_menu_button;
  GtkStackSidebar      *sidebar;
  GtkStack             *stack;
};

G_END_DECLS
