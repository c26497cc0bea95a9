/* burrow-file-chooser.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-chooser"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-file-chooser.h"

/* GTK 4.8 has no GtkFileDialog (4.10), so this file is the only user of GtkFileChooserNative
 * (STYLE.md §3.6, §5.2): it uses the file chooser portal inside Flatpak and GTK's own dialog
 * elsewhere. Callers get a GTask-shaped pair; a dismissed chooser finishes with
 * G_IO_ERROR_CANCELLED, as does cancelling @cancellable (which hides the chooser). */

typedef struct
{
  GtkNativeDialog *dialog;
  gulong           cancelled_id;
} ChooserData;

static void
chooser_data_free (ChooserData *data)
{
  if (data->dialog != NULL)
    gtk_native_dialog_destroy (data->dialog);
  g_clear_object (&data->dialog);
  g_free (data);
}

static void
on_dialog_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         user_data)
{
  g_autoptr(GTask) task = user_data;
  ChooserData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GFile) file = NULL;

  if (data->cancelled_id != 0)
    {
      g_cancellable_disconnect (cancellable, data->cancelled_id);
      data->cancelled_id = 0;
    }
  g_signal_handlers_disconnect_by_func (dialog, on_dialog_response_cb, user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

  if (file != NULL)
    g_task_return_pointer (task, g_steal_pointer (&file), g_object_unref);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                             _("No file was chosen"));
}

static gboolean
respond_cancelled_cb (gpointer user_data)
{
  GtkNativeDialog *dialog = user_data;

  gtk_native_dialog_hide (dialog);
  g_signal_emit_by_name (dialog, "response", GTK_RESPONSE_CANCEL);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  /* Hiding emits no response: answer it ourselves, from the main loop (disconnecting from
   * the cancellable inside its own handler would deadlock). */
  g_idle_add_full (G_PRIORITY_DEFAULT, respond_cancelled_cb, g_object_ref (user_data),
                   g_object_unref);
}

static void
run_chooser (GtkWindow            *parent,
             GtkFileChooserAction  action,
             const char           *title,
             const char           *accept_label,
             const char           *suggested_name,
             gpointer              source_tag,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  GtkFileChooserNative *native;
  ChooserData *data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  native = gtk_file_chooser_native_new (title, parent, action, accept_label, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested_name);

  data = g_new0 (ChooserData, 1);
  data->dialog = GTK_NATIVE_DIALOG (native);
  g_task_set_task_data (task, data, (GDestroyNotify) chooser_data_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_signal_connect (native, "response", G_CALLBACK (on_dialog_response_cb), g_object_ref (task));
  if (cancellable != NULL)
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled_cb),
                                                native, NULL);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/**
 * burrow_file_chooser_select_folder_async:
 * @parent: (nullable): the window the chooser is modal for
 * @title: the chooser's title
 * @accept_label: (nullable): the label of the accept button, with a mnemonic
 *
 * Asks for a folder.
 */
void
burrow_file_chooser_select_folder_async (GtkWindow           *parent,
                                         const char          *title,
                                         const char          *accept_label,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (title != NULL);

  run_chooser (parent, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, title, accept_label, NULL,
               burrow_file_chooser_select_folder_async, cancellable, callback, user_data);
}

/**
 * burrow_file_chooser_select_folder_finish:
 *
 * Returns: (transfer full): the chosen folder, or %NULL with @error set
 *   (G_IO_ERROR_CANCELLED when the user dismissed the chooser)
 */
GFile *
burrow_file_chooser_select_folder_finish (GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        burrow_file_chooser_select_folder_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * burrow_file_chooser_save_async:
 * @parent: (nullable): the window the chooser is modal for
 * @title: the chooser's title
 * @suggested_name: (nullable): the file name proposed
 *
 * Asks where to save a file.
 */
void
burrow_file_chooser_save_async (GtkWindow           *parent,
                                const char          *title,
                                const char          *suggested_name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (title != NULL);

  run_chooser (parent, GTK_FILE_CHOOSER_ACTION_SAVE, title, _("_Save"), suggested_name,
               burrow_file_chooser_save_async, cancellable, callback, user_data);
}

/**
 * burrow_file_chooser_save_finish:
 *
 * Returns: (transfer full): the chosen file, or %NULL with @error set
 */
GFile *
burrow_file_chooser_save_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        burrow_file_chooser_save_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
