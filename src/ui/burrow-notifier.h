/* burrow-notifier.h — desktop notifications for core events (libnotify), no widgets involved
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_NOTIFIER (burrow_notifier_get_type ())

G_DECLARE_FINAL_TYPE (BurrowNotifier, burrow_notifier, BURROW, NOTIFIER, GObject)

BurrowNotifier *burrow_notifier_new                (BurrowClient   *client,
                                                    GSettings      *settings);
void            burrow_notifier_set_window_focused (BurrowNotifier *self,
                                                    gboolean        focused);
gboolean        burrow_notifier_get_window_focused (BurrowNotifier *self);
guint           burrow_notifier_get_n_sent         (BurrowNotifier *self);

G_END_DECLS
