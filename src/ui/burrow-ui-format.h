/* burrow-ui-format.h — text for core values, shared by the pages
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"

G_BEGIN_DECLS

#define BURROW_UI_N_NICK_COLORS 8

const char *burrow_ui_format_hub_state     (BurrowHubState     state);
const char *burrow_ui_hub_state_css_class  (BurrowHubState     state);
const char *burrow_ui_format_punch_method  (BurrowPunchMethod  method);
char       *burrow_ui_format_hub_title     (const char        *hub_name,
                                            const char        *uri);
char       *burrow_ui_format_n_users       (guint              n_users);
guint       burrow_ui_nick_color           (const char        *nick);
char       *burrow_ui_linkify              (const char        *text);
void        burrow_ui_show_share_progress  (BurrowShare       *share,
                                            GtkLabel          *summary_label,
                                            GtkLabel          *hash_label,
                                            GtkProgressBar    *hash_progress,
                                            GtkRevealer       *hash_revealer);

G_END_DECLS
