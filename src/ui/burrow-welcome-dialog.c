/* burrow-welcome-dialog.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-welcome-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-core.h"
#include "burrow-file-chooser.h"
#include "burrow-nick.h"
#include "burrow-ui-format.h"
#include "burrow-window.h"

#include "burrow-welcome-dialog.h"

/* One page, no steps (GNOME HIG): who you are, what you share, where downloads go, how peers
 * reach you. Folders are shared the moment they are added, so hashing runs while the rest is
 * filled in; the other choices reach the client when Done is pressed. Done or skipped, the
 * client remembers that the welcome is behind us. */

struct _BurrowWelcomeDialog
{
  GtkWindow          parent_instance;

  /* template widgets */
  GtkCheckButton    *active_check;
  GtkCheckButton    *automatic_check;
  GtkEntry          *description_entry;
  GtkButton         *done_button;
  GtkLabel          *download_dir_label;
  GtkLabel          *folders_label;
  GtkLabel          *hash_label;
  GtkProgressBar    *hash_progress;
  GtkRevealer       *hash_revealer;
  GtkLabel          *mode_error_label;
  GtkEntry          *nick_entry;
  GtkLabel          *nick_error_label;
  GtkCheckButton    *passive_check;
  GtkSpinButton     *port_spin;
  GtkLabel          *share_error_label;
  GtkLabel          *share_summary_label;

  /* owned */
  BurrowApplication *app;
  BurrowClient      *client;
  GCancellable      *cancellable;
  char              *download_dir;   /* the folder chosen here, NULL: unchanged */
  guint              progress_idle_id;
};

G_DEFINE_FINAL_TYPE (BurrowWelcomeDialog, burrow_welcome_dialog, GTK_TYPE_WINDOW)

static void
show_label (GtkLabel   *label,
            const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* Nick                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

static char *
dup_nick (BurrowWelcomeDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->nick_entry))));
}

/* Done stays insensitive until the nick is usable, and the reason is shown under the entry
 * (an untouched empty entry only needs its placeholder). */
static void
on_nick_changed_cb (BurrowWelcomeDialog *self)
{
  g_autofree char *nick = dup_nick (self);
  g_autoptr(GError) error = NULL;
  gboolean valid = burrow_nick_validate (nick, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->done_button), valid);
  show_label (self->nick_error_label, valid ? NULL : error->message);
  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->nick_entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->nick_entry), "error");
}

/* ---------------------------------------------------------------------------------------------- */
/* Shared folders                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

static void
update_folders (BurrowWelcomeDialog *self)
{
  BurrowShare *share = burrow_client_get_share (self->client);
  g_auto(GStrv) names = burrow_share_dup_root_names (share);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      const char *path = burrow_share_get_root_path (share, names[i]);
      g_autofree char *display = path != NULL ? g_filename_display_name (path)
                                              : g_strdup (names[i]);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, display);
    }
  gtk_label_set_text (self->folders_label,
                      text->len > 0 ? text->str : _("No folders are shared yet."));
}

static void
update_share_progress (BurrowWelcomeDialog *self)
{
  burrow_ui_show_share_progress (burrow_client_get_share (self->client), self->share_summary_label,
                                 self->hash_label, self->hash_progress, self->hash_revealer);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  BurrowWelcomeDialog *self = user_data;

  self->progress_idle_id = 0;
  update_share_progress (self);
  return G_SOURCE_REMOVE;
}

/* The hasher notifies from every file: the labels follow once per main loop turn. */
static void
on_share_notify_cb (BurrowWelcomeDialog *self)
{
  if (self->progress_idle_id == 0)
    self->progress_idle_id = g_idle_add (progress_idle_cb, self);
}

/**
 * burrow_welcome_dialog_add_folder:
 * @folder: a local folder
 *
 * Shares @folder at once (hashing starts), what the "Add Folder" chooser does with the folder
 * picked; a problem is shown in the dialog.
 *
 * Returns: %TRUE if it is now shared
 */
gboolean
burrow_welcome_dialog_add_folder (BurrowWelcomeDialog *self,
                                  GFile               *folder)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (BURROW_IS_WELCOME_DIALOG (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (folder), FALSE);

  if (!burrow_application_share_folder (self->app, folder, &error))
    {
      show_label (self->share_error_label, error->message);
      return FALSE;
    }
  show_label (self->share_error_label, NULL);
  update_folders (self);
  update_share_progress (self);
  return TRUE;
}

/**
 * burrow_welcome_dialog_share_files:
 * @files: (element-type GFile): files and folders dropped on the dialog
 *
 * Shares each folder of @files; files are not shared (Burrow shares folders), which is said
 * in the dialog.
 *
 * Returns: how many folders are now shared
 */
guint
burrow_welcome_dialog_share_files (BurrowWelcomeDialog *self,
                                   GSList              *files)
{
  g_autofree char *problems = NULL;
  guint n_shared;

  g_return_val_if_fail (BURROW_IS_WELCOME_DIALOG (self), 0);

  n_shared = burrow_application_share_files (self->app, files, NULL, &problems);
  show_label (self->share_error_label, problems);
  update_folders (self);
  update_share_progress (self);
  return n_shared;
}

static gboolean
on_drop_target_drop_cb (GtkDropTarget       *target,
                        const GValue        *value,
                        double               x,
                        double               y,
                        BurrowWelcomeDialog *self)
{
  GSList *files = burrow_application_dropped_files (value);
  guint n;

  n = burrow_welcome_dialog_share_files (self, files);
  g_slist_free (files);
  return n > 0;
}

static void
on_folder_chosen_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(BurrowWelcomeDialog) self = user_data;
  g_autoptr(GFile) folder = burrow_file_chooser_select_folder_finish (result, NULL);

  if (folder != NULL)
    burrow_welcome_dialog_add_folder (self, folder);
}

static void
add_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  BurrowWelcomeDialog *self = BURROW_WELCOME_DIALOG (widget);

  burrow_file_chooser_select_folder_async (GTK_WINDOW (self), _("Share a Folder"), _("_Share"),
                                           self->cancellable, on_folder_chosen_cb,
                                           g_object_ref (self));
}

/* ---------------------------------------------------------------------------------------------- */
/* Downloads, connection                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void
show_download_dir (BurrowWelcomeDialog *self,
                   const char          *path)
{
  g_autofree char *display = g_filename_display_name (path);

  gtk_label_set_text (self->download_dir_label, display);
}

static void
on_download_dir_chosen_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(BurrowWelcomeDialog) self = user_data;
  g_autoptr(GFile) folder = burrow_file_chooser_select_folder_finish (result, NULL);
  char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  if (path == NULL)
    return;
  g_free (self->download_dir);
  self->download_dir = path;
  show_download_dir (self, path);
}

static void
choose_download_dir_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  BurrowWelcomeDialog *self = BURROW_WELCOME_DIALOG (widget);

  burrow_file_chooser_select_folder_async (GTK_WINDOW (self), _("Download Folder"), _("_Select"),
                                           self->cancellable, on_download_dir_chosen_cb,
                                           g_object_ref (self));
}

static void
on_mode_toggled_cb (BurrowWelcomeDialog *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin),
                            gtk_check_button_get_active (self->active_check));
  show_label (self->mode_error_label, NULL);
}

/* Active and automatic mode need a port (automatic mode keeps the one the client has): when it
 * cannot be listened on, the client falls back to passive and the dialog stays open to say so. */
static gboolean
apply_connection (BurrowWelcomeDialog *self)
{
  g_autoptr(GError) error = NULL;
  BurrowConnectionMode mode;
  guint port;

  if (gtk_check_button_get_active (self->passive_check))
    {
      burrow_client_set_mode (self->client, BURROW_CONNECTION_MODE_PASSIVE);
      return TRUE;
    }

  if (gtk_check_button_get_active (self->active_check))
    {
      mode = BURROW_CONNECTION_MODE_ACTIVE;
      port = (guint) gtk_spin_button_get_value_as_int (self->port_spin);
      if (burrow_client_set_port (self->client, (guint16) port, &error))
        burrow_client_set_mode (self->client, mode);
    }
  else
    {
      mode = BURROW_CONNECTION_MODE_AUTO;
      burrow_client_set_mode (self->client, mode);
      g_object_get (self->client, "port", &port, NULL);
    }
  if (error != NULL || burrow_client_get_mode (self->client) != mode)
    {
      g_autofree char *text = NULL;

      /* Translators: %u is a TCP port number */
      text = g_strdup_printf (_("Cannot listen on port %u: Burrow stays passive"), port);
      show_label (self->mode_error_label, text);
      return FALSE;
    }
  return TRUE;
}

static void
on_done_button_clicked_cb (BurrowWelcomeDialog *self)
{
  g_autofree char *nick = dup_nick (self);
  g_autofree char *description = NULL;
  GtkWindow *parent;

  /* Enter in an entry activates Done only while it is sensitive, but be sure. */
  if (!burrow_nick_validate (nick, NULL) || !apply_connection (self))
    return;

  description = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->description_entry)));
  g_strstrip (description);
  burrow_client_set_nick (self->client, nick);
  burrow_client_set_description (self->client, description);
  if (self->download_dir != NULL)
    burrow_client_set_download_dir (self->client, self->download_dir);

  /* Where a newcomer finds a hub. Without that page the window stays where it is. */
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (BURROW_IS_WINDOW (parent) && !burrow_window_set_page (BURROW_WINDOW (parent), "public-hubs"))
    g_debug ("No Public Hubs page: the window keeps its page");

  gtk_window_close (GTK_WINDOW (self));
}

/* Closing is skipping (the Skip button, Escape): either way it is not shown again. */
static gboolean
burrow_welcome_dialog_close_request (GtkWindow *window)
{
  BurrowWelcomeDialog *self = BURROW_WELCOME_DIALOG (window);

  burrow_client_set_welcome_done (self->client, TRUE);
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (burrow_welcome_dialog_parent_class)->close_request (window);
}

/* ---------------------------------------------------------------------------------------------- */

/**
 * burrow_welcome_dialog_new:
 * @app: the application, whose client the choices go to
 * @parent: (nullable): the main window: it is modal for it, and Done shows its Public Hubs
 *   page
 *
 * Returns: (transfer none): a new welcome dialog, owned by GTK's list of toplevels
 */
BurrowWelcomeDialog *
burrow_welcome_dialog_new (BurrowApplication *app,
                           GtkWindow         *parent)
{
  BurrowWelcomeDialog *self;
  BurrowShare *share;
  guint port = 0;

  g_return_val_if_fail (BURROW_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (burrow_application_get_client (app) != NULL, NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (BURROW_TYPE_WELCOME_DIALOG,
                       "application", app,
                       "transient-for", parent,
                       NULL);
  self->app = g_object_ref (app);
  self->client = g_object_ref (burrow_application_get_client (app));

  /* A first start proposes no nick: the login name ("root", "user") is nobody's choice.
   * Opened again later, it shows the nick in use. */
  if (burrow_client_get_welcome_done (self->client))
    gtk_editable_set_text (GTK_EDITABLE (self->nick_entry), burrow_client_get_nick (self->client));
  on_nick_changed_cb (self);
  /* Nothing typed yet is not a mistake: the placeholder says what to do. */
  show_label (self->nick_error_label, NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->nick_entry), "error");

  if (burrow_client_get_description (self->client) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->description_entry),
                           burrow_client_get_description (self->client));
  show_download_dir (self, burrow_client_get_download_dir (self->client));
  g_object_get (self->client, "port", &port, NULL);
  if (port != 0)
    gtk_spin_button_set_value (self->port_spin, port);
  /* Automatic is proposed first; opened again later, the dialog shows the mode in use. */
  if (burrow_client_get_welcome_done (self->client))
    {
      switch (burrow_client_get_mode (self->client))
        {
        case BURROW_CONNECTION_MODE_ACTIVE:
          gtk_check_button_set_active (self->active_check, TRUE);
          break;
        case BURROW_CONNECTION_MODE_PASSIVE:
          gtk_check_button_set_active (self->passive_check, TRUE);
          break;
        case BURROW_CONNECTION_MODE_AUTO:
        default:
          break;
        }
    }

  share = burrow_client_get_share (self->client);
  g_signal_connect_object (share, "notify", G_CALLBACK (on_share_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (share, "changed", G_CALLBACK (on_share_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (burrow_share_get_hasher (share), "notify",
                           G_CALLBACK (on_share_notify_cb), self, G_CONNECT_SWAPPED);
  update_folders (self);
  update_share_progress (self);

  gtk_widget_grab_focus (GTK_WIDGET (self->nick_entry));
  return self;
}

static void
burrow_welcome_dialog_dispose (GObject *object)
{
  BurrowWelcomeDialog *self = BURROW_WELCOME_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_idle_id, g_source_remove);
  if (self->client != NULL)
    {
      BurrowShare *share = burrow_client_get_share (self->client);

      g_signal_handlers_disconnect_by_data (share, self);
      g_signal_handlers_disconnect_by_data (burrow_share_get_hasher (share), self);
    }
  g_clear_object (&self->client);
  g_clear_object (&self->app);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_WELCOME_DIALOG);

  G_OBJECT_CLASS (burrow_welcome_dialog_parent_class)->dispose (object);
}

static void
burrow_welcome_dialog_finalize (GObject *object)
{
  BurrowWelcomeDialog *self = BURROW_WELCOME_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->download_dir);

  G_OBJECT_CLASS (burrow_welcome_dialog_parent_class)->finalize (object);
}

static void
burrow_welcome_dialog_class_init (BurrowWelcomeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = burrow_welcome_dialog_dispose;
  object_class->finalize = burrow_welcome_dialog_finalize;
  window_class->close_request = burrow_welcome_dialog_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-welcome-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, active_check);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, automatic_check);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, description_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, done_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, download_dir_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, folders_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, hash_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, hash_progress);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, hash_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, mode_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, nick_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, nick_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, passive_check);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, share_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWelcomeDialog, share_summary_label);
  gtk_widget_class_bind_template_callback (widget_class, on_done_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_mode_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_nick_changed_cb);

  gtk_widget_class_install_action (widget_class, "welcome.add-folder", NULL, add_folder_action);
  gtk_widget_class_install_action (widget_class, "welcome.choose-download-dir", NULL,
                                   choose_download_dir_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
burrow_welcome_dialog_init (BurrowWelcomeDialog *self)
{
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  /* GtkSpinButton has no activates-default before GTK 4.14: its text widget has. */
  g_object_set (gtk_editable_get_delegate (GTK_EDITABLE (self->port_spin)),
                "activates-default", TRUE, NULL);

  /* Dropping folders anywhere on the dialog shares them. */
  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, (GType[]) { GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}
