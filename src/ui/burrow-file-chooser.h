/* burrow-file-chooser.h — the one place that picks files and folders (GtkFileChooserNative)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void   burrow_file_chooser_select_folder_async  (GtkWindow           *parent,
                                                 const char          *title,
                                                 const char          *accept_label,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GFile *burrow_file_chooser_select_folder_finish (GAsyncResult        *result,
                                                 GError             **error);
void   burrow_file_chooser_save_async           (GtkWindow           *parent,
                                                 const char          *title,
                                                 const char          *suggested_name,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GFile *burrow_file_chooser_save_finish          (GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
