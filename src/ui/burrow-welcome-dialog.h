/* burrow-welcome-dialog.h — the first start: nick, shared folders, downloads, connection
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-application.h"

G_BEGIN_DECLS

#define BURROW_TYPE_WELCOME_DIALOG (burrow_welcome_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BurrowWelcomeDialog, burrow_welcome_dialog, BURROW, WELCOME_DIALOG, GtkWindow)

BurrowWelcomeDialog *burrow_welcome_dialog_new          (BurrowApplication   *app,
                                                         GtkWindow           *parent);
gboolean             burrow_welcome_dialog_add_folder   (BurrowWelcomeDialog *self,
                                                         GFile               *folder);
guint                burrow_welcome_dialog_share_files  (BurrowWelcomeDialog *self,
                                                         GSList              *files);

G_END_DECLS
