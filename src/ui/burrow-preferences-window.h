/* burrow-preferences-window.h — nick, shared folders, downloads, connection, hub lists,
 * notifications
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

#define BURROW_TYPE_PREFERENCES_WINDOW (burrow_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPreferencesWindow, burrow_preferences_window, BURROW,
                      PREFERENCES_WINDOW, GtkWindow)

BurrowPreferencesWindow *burrow_preferences_window_new         (BurrowApplication       *app,
                                                                GtkWindow               *parent);
gboolean                 burrow_preferences_window_add_folder  (BurrowPreferencesWindow *self,
                                                                GFile                   *folder);
gboolean                 burrow_preferences_window_remove_folder (BurrowPreferencesWindow *self,
                                                                  const char            *name);
GtkListBox              *burrow_preferences_window_get_roots_list (BurrowPreferencesWindow *self);
char                    *burrow_preferences_window_dup_roots_text (BurrowPreferencesWindow *self);
const char              *burrow_preferences_window_get_share_summary
                                                               (BurrowPreferencesWindow *self);
const char              *burrow_preferences_window_get_error   (BurrowPreferencesWindow *self);
const char              *burrow_preferences_window_get_connection_error
                                                               (BurrowPreferencesWindow *self);
GtkEditable             *burrow_preferences_window_get_nick_entry (BurrowPreferencesWindow *self);
GtkSpinButton           *burrow_preferences_window_get_slots_spin (BurrowPreferencesWindow *self);
gboolean                 burrow_preferences_window_add_server  (BurrowPreferencesWindow *self,
                                                                const char              *url);
gboolean                 burrow_preferences_window_remove_server (BurrowPreferencesWindow *self,
                                                                  const char            *url);
void                     burrow_preferences_window_reset_servers (BurrowPreferencesWindow *self);
char                    *burrow_preferences_window_dup_servers_text
                                                               (BurrowPreferencesWindow *self);
const char              *burrow_preferences_window_get_servers_error
                                                               (BurrowPreferencesWindow *self);
const char              *burrow_preferences_window_get_keyprint (BurrowPreferencesWindow *self);

G_END_DECLS
