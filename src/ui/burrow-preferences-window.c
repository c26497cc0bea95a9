/* burrow-preferences-window.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-preferences-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-application.h"
#include "burrow-file-chooser.h"
#include "burrow-nick.h"
#include "burrow-ui-format.h"

#include "burrow-preferences-window.h"

/* One setting, one home (DESIGN.md principle 8). The engine's settings (nick, description,
 * connection mode, port, upload slots, download folder) are properties of the client, which
 * keeps them in its database: the widgets are bound to those properties, so a change made
 * here reaches the engine at once, and a change made to the engine shows here. The port
 * mapping protocols are not properties: their switches call the client, which keeps them in
 * its database too. Shared folders are the share's roots, also in the database; this window
 * calls the share directly. Only the notifications switch is a GSettings key (a UI-only
 * preference). */

struct _BurrowPreferencesWindow
{
  GtkWindow          parent_instance;

  /* template widgets */
  GtkButton         *add_folder_button;
  GtkLabel          *connection_error_label;
  GtkEntry          *description_entry;
  GtkLabel          *download_dir_label;
  GtkProgressBar    *hash_progress;
  GtkLabel          *hash_label;
  GtkRevealer       *hash_revealer;
  GtkLabel          *keyprint_label;
  GtkDropDown       *mode_dropdown;
  GtkWidget         *natpmp_row;
  GtkSwitch         *natpmp_switch;
  GtkEntry          *nick_entry;
  GtkSwitch         *notifications_switch;
  GtkWidget         *pcp_row;
  GtkSwitch         *pcp_switch;
  GtkSpinButton     *port_spin;
  GtkListBox        *roots_list;
  GtkEntry          *server_entry;
  GtkListBox        *servers_list;
  GtkLabel          *servers_error_label;
  GtkLabel          *share_error_label;
  GtkLabel          *share_summary_label;
  GtkSpinButton     *slots_spin;
  GtkWidget         *upnp_row;
  GtkSwitch         *upnp_switch;

  /* owned */
  BurrowApplication *app;
  BurrowClient      *client;
  GSettings         *settings;
  GBindingGroup     *client_bindings;
  GCancellable      *cancellable;
  GSignalGroup      *share_signals;
  GSignalGroup      *hasher_signals;
  guint              progress_idle_id;
};

G_DEFINE_FINAL_TYPE (BurrowPreferencesWindow, burrow_preferences_window, GTK_TYPE_WINDOW)

/* ---------------------------------------------------------------------------------------------- */
/* Shared folders                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

static void
show_share_error (BurrowPreferencesWindow *self,
                  const char              *text)
{
  gtk_label_set_text (self->share_error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->share_error_label), text != NULL);
}

static void
on_remove_root_clicked_cb (GtkButton               *button,
                           BurrowPreferencesWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "burrow-root-name");

  burrow_preferences_window_remove_folder (self, name);
}

static GtkWidget *
create_root_row (BurrowPreferencesWindow *self,
                 const char              *name,
                 const char              *path)
{
  g_autofree char *display = g_filename_display_name (path != NULL ? path : "");
  g_autofree char *tooltip = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name ("folder-symbolic");
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *path_label = gtk_label_new (display);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_widget_add_css_class (box, "burrow-pref-row");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_box_append (GTK_BOX (box), icon);

  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (path_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (path_label), PANGO_ELLIPSIZE_START);
  gtk_widget_add_css_class (path_label, "dim-label");
  gtk_widget_add_css_class (path_label, "caption");
  gtk_box_append (GTK_BOX (texts), name_label);
  gtk_box_append (GTK_BOX (texts), path_label);
  gtk_box_append (GTK_BOX (box), texts);

  /* Translators: tooltip of the button that stops sharing a folder; %s is its name */
  tooltip = g_strdup_printf (_("Stop Sharing “%s”"), name);
  gtk_widget_set_tooltip_text (remove, tooltip);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data_full (G_OBJECT (remove), "burrow-root-name", g_strdup (name), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_root_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), remove);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "burrow-root-name", g_strdup (name), g_free);
  return row;
}

static void
rebuild_roots (BurrowPreferencesWindow *self)
{
  BurrowShare *share = burrow_client_get_share (self->client);
  g_auto(GStrv) names = burrow_share_dup_root_names (share);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->roots_list))) != NULL)
    gtk_list_box_remove (self->roots_list, child);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    gtk_list_box_append (self->roots_list,
                         create_root_row (self, names[i],
                                          burrow_share_get_root_path (share, names[i])));
}

static void
update_share_progress (BurrowPreferencesWindow *self)
{
  burrow_ui_show_share_progress (burrow_client_get_share (self->client), self->share_summary_label,
                                 self->hash_label, self->hash_progress, self->hash_revealer);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  BurrowPreferencesWindow *self = user_data;

  self->progress_idle_id = 0;
  update_share_progress (self);
  return G_SOURCE_REMOVE;
}

static void
queue_progress (BurrowPreferencesWindow *self)
{
  if (self->progress_idle_id == 0)
    self->progress_idle_id = g_idle_add (progress_idle_cb, self);
}

static void
on_share_notify_cb (BurrowPreferencesWindow *self)
{
  queue_progress (self);
}

/**
 * burrow_preferences_window_add_folder:
 * @folder: a local folder
 *
 * Shares @folder, what the "Add Folder" chooser does with the folder picked; a problem is
 * shown in the window.
 *
 * Returns: %TRUE if it is now shared
 */
gboolean
burrow_preferences_window_add_folder (BurrowPreferencesWindow *self,
                                      GFile                   *folder)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (folder), FALSE);

  if (!burrow_application_share_folder (self->app, folder, &error))
    {
      show_share_error (self, error->message);
      return FALSE;
    }
  show_share_error (self, NULL);
  rebuild_roots (self);
  update_share_progress (self);
  return TRUE;
}

/**
 * burrow_preferences_window_remove_folder:
 * @name: the shared folder's name
 *
 * Stops sharing the folder called @name.
 *
 * Returns: %TRUE if it was shared
 */
gboolean
burrow_preferences_window_remove_folder (BurrowPreferencesWindow *self,
                                         const char              *name)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!burrow_share_remove_root (burrow_client_get_share (self->client), name, &error))
    {
      show_share_error (self, error->message);
      return FALSE;
    }
  show_share_error (self, NULL);
  rebuild_roots (self);
  update_share_progress (self);
  return TRUE;
}

static void
on_folder_chosen_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(BurrowPreferencesWindow) self = user_data;
  g_autoptr(GFile) folder = burrow_file_chooser_select_folder_finish (result, NULL);

  if (folder != NULL)
    burrow_preferences_window_add_folder (self, folder);
}

static void
add_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  BurrowPreferencesWindow *self = BURROW_PREFERENCES_WINDOW (widget);

  burrow_file_chooser_select_folder_async (GTK_WINDOW (self), _("Share a Folder"), _("_Share"),
                                           self->cancellable, on_folder_chosen_cb,
                                           g_object_ref (self));
}

/* ---------------------------------------------------------------------------------------------- */
/* Downloads, identity                                                                            */
/* ---------------------------------------------------------------------------------------------- */

static void
on_download_dir_chosen_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(BurrowPreferencesWindow) self = user_data;
  g_autoptr(GFile) folder = burrow_file_chooser_select_folder_finish (result, NULL);
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  if (path == NULL || self->client == NULL)
    return;
  /* The label follows the client's property. */
  burrow_client_set_download_dir (self->client, path);
}

static void
choose_download_dir_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  BurrowPreferencesWindow *self = BURROW_PREFERENCES_WINDOW (widget);

  burrow_file_chooser_select_folder_async (GTK_WINDOW (self), _("Download Folder"), _("_Select"),
                                           self->cancellable, on_download_dir_chosen_cb,
                                           g_object_ref (self));
}

static void
copy_keyprint_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BurrowPreferencesWindow *self = BURROW_PREFERENCES_WINDOW (widget);
  const char *keyprint = burrow_preferences_window_get_keyprint (self);

  if (keyprint != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), keyprint);
}

/* ---------------------------------------------------------------------------------------------- */
/* Engine settings: bindings to the client's properties                                           */
/* ---------------------------------------------------------------------------------------------- */

/* A nullable string property to an entry's text, which must not be NULL. */
static gboolean
string_to_text (GBinding     *binding,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  const char *text = g_value_get_string (from_value);

  g_value_set_string (to_value, text != NULL ? text : "");
  return TRUE;
}

/* The nick entry to the client: surrounding spaces are dropped, and an empty nick or one that
 * ADC or NMDC hubs refuse (burrow_nick_validate ()) is not applied (the client keeps the one it
 * uses, which the entry shows as its placeholder). */
static gboolean
text_to_nick (GBinding     *binding,
              const GValue *from_value,
              GValue       *to_value,
              gpointer      user_data)
{
  g_autofree char *nick = g_strdup (g_value_get_string (from_value));

  if (nick == NULL)
    return FALSE;
  g_strstrip (nick);
  if (!burrow_nick_validate (nick, NULL))
    return FALSE;
  g_value_take_string (to_value, g_steal_pointer (&nick));
  return TRUE;
}

/* A spin button's value (double) and a uint property. */
static gboolean
uint_to_double (GBinding     *binding,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  g_value_set_double (to_value, g_value_get_uint (from_value));
  return TRUE;
}

static gboolean
double_to_uint (GBinding     *binding,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  double value = g_value_get_double (from_value);

  if (value < 0 || value > G_MAXUINT)
    return FALSE;
  g_value_set_uint (to_value, (guint) (value + 0.5));
  return TRUE;
}

/* The mode dropdown lists Automatic, Active, then Passive (burrow-preferences-window.ui). */
static const BurrowConnectionMode dropdown_modes[] = {
  BURROW_CONNECTION_MODE_AUTO,
  BURROW_CONNECTION_MODE_ACTIVE,
  BURROW_CONNECTION_MODE_PASSIVE,
};

static guint
mode_position (BurrowConnectionMode mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (dropdown_modes); i++)
    if (dropdown_modes[i] == mode)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static gboolean
mode_to_selected (GBinding     *binding,
                  const GValue *from_value,
                  GValue       *to_value,
                  gpointer      user_data)
{
  guint position = mode_position (g_value_get_enum (from_value));

  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_uint (to_value, position);
  return TRUE;
}

static gboolean
selected_to_mode (GBinding     *binding,
                  const GValue *from_value,
                  GValue       *to_value,
                  gpointer      user_data)
{
  guint position = g_value_get_uint (from_value);

  if (position >= G_N_ELEMENTS (dropdown_modes))
    return FALSE;   /* nothing selected */
  g_value_set_enum (to_value, dropdown_modes[position]);
  return TRUE;
}

static BurrowConnectionMode
selected_mode (BurrowPreferencesWindow *self)
{
  guint position = gtk_drop_down_get_selected (self->mode_dropdown);

  if (position >= G_N_ELEMENTS (dropdown_modes))
    return BURROW_CONNECTION_MODE_PASSIVE;
  return dropdown_modes[position];
}

/* The download folder as shown: its display name. */
static gboolean
dir_to_label (GBinding     *binding,
              const GValue *from_value,
              GValue       *to_value,
              gpointer      user_data)
{
  const char *dir = g_value_get_string (from_value);

  g_value_take_string (to_value, g_filename_display_name (dir != NULL ? dir : ""));
  return TRUE;
}

static void
show_connection_error (BurrowPreferencesWindow *self,
                       const char              *text)
{
  gtk_label_set_text (self->connection_error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->connection_error_label), text != NULL);
}

/* The port goes to the client by a call, not through the binding: setting the "port"
 * property cannot report that the port could not be listened on, and the reason is shown
 * here. */
static void
on_port_value_changed_cb (BurrowPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  guint port = (guint) gtk_spin_button_get_value_as_int (self->port_spin);
  guint current = 0;

  if (self->client == NULL)
    return;
  g_object_get (self->client, "port", &current, NULL);
  /* The binding showing the client's port; setting it again would restart the listener. */
  if (port == current)
    return;
  if (!burrow_client_set_port (self->client, (guint16) port, &error))
    {
      g_message ("Cannot listen on the chosen port: %s", error->message);
      show_connection_error (self, error->message);
      return;
    }
  show_connection_error (self, NULL);
}

/* The port is listened on in automatic and active mode; the port mapping protocols matter in
 * automatic mode only. */
static void
on_mode_selected_notify_cb (BurrowPreferencesWindow *self)
{
  BurrowConnectionMode mode = selected_mode (self);
  gboolean automatic = mode == BURROW_CONNECTION_MODE_AUTO;

  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), mode != BURROW_CONNECTION_MODE_PASSIVE);
  gtk_widget_set_visible (self->upnp_row, automatic);
  gtk_widget_set_visible (self->natpmp_row, automatic);
  gtk_widget_set_visible (self->pcp_row, automatic);
}

/* Runs after the binding handed the choice to the client. The engine falls back to passive
 * when it cannot listen on its port (and only logs why): say so, and show the mode it uses. */
static void
on_mode_chosen_cb (BurrowPreferencesWindow *self)
{
  g_autofree char *text = NULL;
  BurrowConnectionMode mode = selected_mode (self);
  guint port = 0;

  if (self->client == NULL || mode == BURROW_CONNECTION_MODE_PASSIVE ||
      burrow_client_get_mode (self->client) == mode)
    return;

  g_object_get (self->client, "port", &port, NULL);
  /* Translators: %u is a TCP port number */
  text = g_strdup_printf (_("Cannot listen on port %u: Burrow stays passive"), port);
  show_connection_error (self, text);
  gtk_drop_down_set_selected (self->mode_dropdown,
                              mode_position (BURROW_CONNECTION_MODE_PASSIVE));
}

/* The port mapping switches and the protocol each stands for. */
static GtkSwitch *
mapping_switch (BurrowPreferencesWindow *self,
                BurrowMappingMethod      method)
{
  switch (method)
    {
    case BURROW_MAPPING_METHOD_PCP:
      return self->pcp_switch;
    case BURROW_MAPPING_METHOD_NAT_PMP:
      return self->natpmp_switch;
    case BURROW_MAPPING_METHOD_UPNP:
      return self->upnp_switch;
    case BURROW_MAPPING_METHOD_NONE:
    default:
      g_assert_not_reached ();
    }
}

static void
on_mapping_switch_active_notify_cb (GtkSwitch               *toggle,
                                    GParamSpec              *pspec,
                                    BurrowPreferencesWindow *self)
{
  BurrowMappingMethod method = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (toggle),
                                                                    "burrow-mapping-method"));

  if (self->client != NULL)
    burrow_client_set_port_mapping_enabled (self->client, method, gtk_switch_get_active (toggle));
}

static void
on_client_mode_notify_cb (BurrowPreferencesWindow *self)
{
  /* A new mode: a port problem shown for the old one no longer applies. */
  show_connection_error (self, NULL);
}

static void
bind_client (BurrowPreferencesWindow *self)
{
  GBindingFlags both = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_binding_group_bind_full (self->client_bindings, "nick", self->nick_entry, "text", both,
                             string_to_text, text_to_nick, NULL, NULL);
  /* An emptied entry shows the nick still in use. */
  g_binding_group_bind (self->client_bindings, "nick", self->nick_entry, "placeholder-text",
                        G_BINDING_SYNC_CREATE);
  g_binding_group_bind_full (self->client_bindings, "description", self->description_entry,
                             "text", both, string_to_text, NULL, NULL, NULL);
  g_binding_group_bind_full (self->client_bindings, "mode", self->mode_dropdown, "selected",
                             both, mode_to_selected, selected_to_mode, NULL, NULL);
  g_binding_group_bind_full (self->client_bindings, "port", self->port_spin, "value",
                             G_BINDING_SYNC_CREATE, uint_to_double, NULL, NULL, NULL);
  g_binding_group_bind_full (self->client_bindings, "slots", self->slots_spin, "value", both,
                             uint_to_double, double_to_uint, NULL, NULL);
  g_binding_group_bind_full (self->client_bindings, "download-dir", self->download_dir_label,
                             "label", G_BINDING_SYNC_CREATE, dir_to_label, NULL, NULL, NULL);
  g_binding_group_set_source (self->client_bindings, self->client);

  for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
    {
      GtkSwitch *toggle = mapping_switch (self, m);

      gtk_switch_set_active (toggle, burrow_client_get_port_mapping_enabled (self->client, m));
      g_object_set_data (G_OBJECT (toggle), "burrow-mapping-method", GUINT_TO_POINTER (m));
      g_signal_connect (toggle, "notify::active",
                        G_CALLBACK (on_mapping_switch_active_notify_cb), self);
    }

  g_signal_connect_object (self->client, "notify::mode", G_CALLBACK (on_client_mode_notify_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->port_spin, "value-changed",
                            G_CALLBACK (on_port_value_changed_cb), self);
  /* After the binding's own handler (connected when the source was set). */
  g_signal_connect_swapped (self->mode_dropdown, "notify::selected",
                            G_CALLBACK (on_mode_chosen_cb), self);

  /* The one UI-only preference here. */
  if (self->settings != NULL)
    g_settings_bind (self->settings, "notifications", self->notifications_switch, "active",
                     G_SETTINGS_BIND_DEFAULT);
  else
    gtk_widget_set_sensitive (GTK_WIDGET (self->notifications_switch), FALSE);
}

/* ---------------------------------------------------------------------------------------------- */
/* Public hub lists                                                                               */
/* ---------------------------------------------------------------------------------------------- */

static void
show_servers_error (BurrowPreferencesWindow *self,
                    const char              *text)
{
  gtk_label_set_text (self->servers_error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->servers_error_label), text != NULL);
}

static void
on_remove_server_clicked_cb (GtkButton               *button,
                             BurrowPreferencesWindow *self)
{
  burrow_preferences_window_remove_server (self,
                                           g_object_get_data (G_OBJECT (button),
                                                              "burrow-server-url"));
}

static GtkWidget *
create_server_row (BurrowPreferencesWindow *self,
                   const char              *url)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (url);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *tooltip = NULL;

  gtk_widget_add_css_class (box, "burrow-pref-row");
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_box_append (GTK_BOX (box), label);

  /* Translators: tooltip of the button that removes a hub list server; %s is its address */
  tooltip = g_strdup_printf (_("Remove “%s”"), url);
  gtk_widget_set_tooltip_text (remove, tooltip);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data_full (G_OBJECT (remove), "burrow-server-url", g_strdup (url), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_server_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), remove);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "burrow-server-url", g_strdup (url), g_free);
  return row;
}

static void
rebuild_servers (BurrowPreferencesWindow *self)
{
  g_auto(GStrv) servers = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->servers_list))) != NULL)
    gtk_list_box_remove (self->servers_list, child);
  if (self->client == NULL)
    return;

  servers = burrow_public_hubs_dup_servers (burrow_client_get_public_hubs (self->client));
  for (guint i = 0; servers[i] != NULL; i++)
    gtk_list_box_append (self->servers_list, create_server_row (self, servers[i]));
}

static gboolean
store_servers (BurrowPreferencesWindow *self,
               const char * const      *servers)
{
  g_autoptr(GError) error = NULL;

  if (!burrow_public_hubs_set_servers (burrow_client_get_public_hubs (self->client), servers,
                                       &error))
    {
      show_servers_error (self, error->message);
      return FALSE;
    }
  show_servers_error (self, NULL);
  rebuild_servers (self);
  return TRUE;
}

/**
 * burrow_preferences_window_add_server:
 * @url: the address of a hub list (http:// or https://)
 *
 * Adds a hub list server after the others, as the Add List button does.
 *
 * Returns: whether it was stored; otherwise the window shows why not
 */
gboolean
burrow_preferences_window_add_server (BurrowPreferencesWindow *self,
                                      const char              *url)
{
  g_autofree char *text = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) servers = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  text = g_strstrip (g_strdup (url));
  if (*text == '\0')
    {
      show_servers_error (self, _("Enter the address of a hub list, for example "
                                  "https://hublist.example.org/hublist.xml.bz2"));
      return FALSE;
    }
  servers = burrow_public_hubs_dup_servers (burrow_client_get_public_hubs (self->client));
  if (g_strv_contains ((const char * const *) servers, text))
    {
      g_autofree char *message = g_strdup_printf (_("%s is in the list already"), text);

      show_servers_error (self, message);
      return FALSE;
    }
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) servers);
  g_strv_builder_add (builder, text);
  updated = g_strv_builder_end (builder);
  if (!store_servers (self, (const char * const *) updated))
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->server_entry), "");
  return TRUE;
}

/**
 * burrow_preferences_window_remove_server:
 * @url: a configured hub list server
 *
 * Returns: whether it was removed
 */
gboolean
burrow_preferences_window_remove_server (BurrowPreferencesWindow *self,
                                         const char              *url)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) servers = NULL;
  g_auto(GStrv) updated = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  servers = burrow_public_hubs_dup_servers (burrow_client_get_public_hubs (self->client));
  builder = g_strv_builder_new ();
  for (guint i = 0; servers[i] != NULL; i++)
    {
      if (g_str_equal (servers[i], url))
        found = TRUE;
      else
        g_strv_builder_add (builder, servers[i]);
    }
  if (!found)
    return FALSE;
  updated = g_strv_builder_end (builder);
  return store_servers (self, (const char * const *) updated);
}

/**
 * burrow_preferences_window_reset_servers:
 *
 * Goes back to the default hub list servers.
 */
void
burrow_preferences_window_reset_servers (BurrowPreferencesWindow *self)
{
  g_return_if_fail (BURROW_IS_PREFERENCES_WINDOW (self));

  store_servers (self, NULL);
}

static void
on_server_entry_activate_cb (BurrowPreferencesWindow *self,
                             GtkEntry                *entry)
{
  burrow_preferences_window_add_server (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
add_server_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  BurrowPreferencesWindow *self = BURROW_PREFERENCES_WINDOW (widget);

  on_server_entry_activate_cb (self, self->server_entry);
}

static void
reset_servers_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  burrow_preferences_window_reset_servers (BURROW_PREFERENCES_WINDOW (widget));
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/**
 * burrow_preferences_window_new:
 * @app: the application (its client, whose settings the window shows and changes, and its
 *   UI-only preferences)
 * @parent: (nullable): the window it is modal for
 *
 * Returns: (transfer none): a new preferences window, owned by GTK's list of toplevels
 */
BurrowPreferencesWindow *
burrow_preferences_window_new (BurrowApplication *app,
                               GtkWindow         *parent)
{
  BurrowPreferencesWindow *self;
  BurrowShare *share;

  g_return_val_if_fail (BURROW_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (burrow_application_get_client (app) != NULL, NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (BURROW_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->app = g_object_ref (app);
  self->client = g_object_ref (burrow_application_get_client (app));
  if (burrow_application_get_settings (app) != NULL)
    self->settings = g_object_ref (burrow_application_get_settings (app));

  bind_client (self);
  on_mode_selected_notify_cb (self);
  gtk_label_set_text (self->keyprint_label, burrow_preferences_window_get_keyprint (self));

  share = burrow_client_get_share (self->client);
  g_signal_group_set_target (self->share_signals, share);
  g_signal_group_set_target (self->hasher_signals, burrow_share_get_hasher (share));
  rebuild_roots (self);
  update_share_progress (self);
  rebuild_servers (self);

  return self;
}

/**
 * burrow_preferences_window_get_roots_list:
 *
 * Returns: (transfer none): the list of shared folders (one row per folder)
 */
GtkListBox *
burrow_preferences_window_get_roots_list (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);
  return self->roots_list;
}

/**
 * burrow_preferences_window_dup_roots_text:
 *
 * Returns: (transfer full): the shared folders as listed, "name  path" a line, read back from
 *   the rows
 */
char *
burrow_preferences_window_dup_roots_text (BurrowPreferencesWindow *self)
{
  GString *out;

  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  out = g_string_new (NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->roots_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *box;
      GtkWidget *texts;

      if (!GTK_IS_LIST_BOX_ROW (row) ||
          g_object_get_data (G_OBJECT (row), "burrow-root-name") == NULL)
        continue;
      box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      texts = gtk_widget_get_next_sibling (gtk_widget_get_first_child (box));
      g_string_append_printf (out, "%s  %s\n",
                              gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (texts))),
                              gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (texts))));
    }
  return g_string_free (out, FALSE);
}

/**
 * burrow_preferences_window_dup_servers_text:
 *
 * Returns: (transfer full): the hub list servers as listed, one a line, read back from the rows
 */
char *
burrow_preferences_window_dup_servers_text (BurrowPreferencesWindow *self)
{
  GString *out;

  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  out = g_string_new (NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->servers_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *box;

      if (!GTK_IS_LIST_BOX_ROW (row) ||
          g_object_get_data (G_OBJECT (row), "burrow-server-url") == NULL)
        continue;
      box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      g_string_append_printf (out, "%s\n",
                              gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (box))));
    }
  return g_string_free (out, FALSE);
}

/**
 * burrow_preferences_window_get_servers_error:
 *
 * Returns: (nullable): the problem shown with the hub list servers (an invalid address), if any
 */
const char *
burrow_preferences_window_get_servers_error (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->servers_error_label)))
    return NULL;
  return gtk_label_get_text (self->servers_error_label);
}

/**
 * burrow_preferences_window_get_share_summary:
 *
 * Returns: the totals shown for the shared folders ("3 files, 12.0 kB")
 */
const char *
burrow_preferences_window_get_share_summary (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  update_share_progress (self);
  return gtk_label_get_text (self->share_summary_label);
}

/**
 * burrow_preferences_window_get_error:
 *
 * Returns: (nullable): the problem shown with the shared folders, if any
 */
const char *
burrow_preferences_window_get_error (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->share_error_label)))
    return NULL;
  return gtk_label_get_text (self->share_error_label);
}

/**
 * burrow_preferences_window_get_connection_error:
 *
 * Returns: (nullable): the problem shown with the connection settings (a port that cannot
 *   be listened on), if any
 */
const char *
burrow_preferences_window_get_connection_error (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->connection_error_label)))
    return NULL;
  return gtk_label_get_text (self->connection_error_label);
}

/**
 * burrow_preferences_window_get_nick_entry:
 *
 * Returns: (transfer none): the nick entry
 */
GtkEditable *
burrow_preferences_window_get_nick_entry (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);
  return GTK_EDITABLE (self->nick_entry);
}

/**
 * burrow_preferences_window_get_slots_spin:
 *
 * Returns: (transfer none): the upload slots spin button
 */
GtkSpinButton *
burrow_preferences_window_get_slots_spin (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);
  return self->slots_spin;
}

/**
 * burrow_preferences_window_get_keyprint:
 *
 * Returns: (nullable): our TLS certificate's keyprint ("SHA256/…")
 */
const char *
burrow_preferences_window_get_keyprint (BurrowPreferencesWindow *self)
{
  g_return_val_if_fail (BURROW_IS_PREFERENCES_WINDOW (self), NULL);

  if (self->client == NULL)
    return NULL;
  return burrow_identity_get_keyprint (burrow_client_get_identity (self->client));
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
burrow_preferences_window_dispose (GObject *object)
{
  BurrowPreferencesWindow *self = BURROW_PREFERENCES_WINDOW (object);

  /* No gtk_widget_dispose_template () on a window (STYLE.md §3.6). */
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_idle_id, g_source_remove);
  if (self->share_signals != NULL)
    g_signal_group_set_target (self->share_signals, NULL);
  if (self->hasher_signals != NULL)
    g_signal_group_set_target (self->hasher_signals, NULL);
  g_clear_object (&self->share_signals);
  g_clear_object (&self->hasher_signals);
  if (self->client_bindings != NULL)
    g_binding_group_set_source (self->client_bindings, NULL);
  g_clear_object (&self->client_bindings);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_func (self->client, on_client_mode_notify_cb, self);
  if (self->settings != NULL)
    g_settings_unbind (self->notifications_switch, "active");
  g_clear_object (&self->settings);
  g_clear_object (&self->client);
  g_clear_object (&self->app);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (burrow_preferences_window_parent_class)->dispose (object);
}

static void
burrow_preferences_window_class_init (BurrowPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, BURROW_RESOURCE_PATH
                                               "/ui/burrow-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, add_folder_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow,
                                        connection_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, description_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, download_dir_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, hash_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, hash_progress);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, hash_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, keyprint_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, natpmp_row);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, natpmp_switch);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, nick_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow,
                                        notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, pcp_row);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, pcp_switch);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, roots_list);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, server_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, servers_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, servers_list);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, share_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, share_summary_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, slots_spin);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, upnp_row);
  gtk_widget_class_bind_template_child (widget_class, BurrowPreferencesWindow, upnp_switch);

  gtk_widget_class_install_action (widget_class, "prefs.add-folder", NULL, add_folder_action);
  gtk_widget_class_install_action (widget_class, "prefs.choose-download-dir", NULL,
                                   choose_download_dir_action);
  gtk_widget_class_install_action (widget_class, "prefs.copy-keyprint", NULL,
                                   copy_keyprint_action);
  gtk_widget_class_install_action (widget_class, "prefs.add-server", NULL, add_server_action);
  gtk_widget_class_install_action (widget_class, "prefs.reset-servers", NULL,
                                   reset_servers_action);
  gtk_widget_class_bind_template_callback (widget_class, on_server_entry_activate_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
burrow_preferences_window_init (BurrowPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->client_bindings = g_binding_group_new ();

  gtk_label_set_selectable (self->keyprint_label, TRUE);
  gtk_label_set_wrap_mode (self->keyprint_label, PANGO_WRAP_CHAR);
  gtk_widget_add_css_class (GTK_WIDGET (self->keyprint_label), "monospace");
  gtk_label_set_ellipsize (self->download_dir_label, PANGO_ELLIPSIZE_START);
  gtk_label_set_wrap (self->download_dir_label, FALSE);

  g_signal_connect_swapped (self->mode_dropdown, "notify::selected",
                            G_CALLBACK (on_mode_selected_notify_cb), self);

  self->share_signals = g_signal_group_new (BURROW_TYPE_SHARE);
  g_signal_group_connect_swapped (self->share_signals, "notify", G_CALLBACK (on_share_notify_cb),
                                  self);
  g_signal_group_connect_swapped (self->share_signals, "changed", G_CALLBACK (on_share_notify_cb),
                                  self);
  self->hasher_signals = g_signal_group_new (BURROW_TYPE_HASHER);
  g_signal_group_connect_swapped (self->hasher_signals, "notify", G_CALLBACK (on_share_notify_cb),
                                  self);
}
