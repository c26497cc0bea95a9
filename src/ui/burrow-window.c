/* burrow-window.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-application.h"
#include "burrow-connectivity-page.h"
#include "burrow-public-hubs-page.h"
#include "burrow-hubs-page.h"
#include "burrow-search-page.h"
#include "burrow-transfers-page.h"
#include "burrow-window-private.h"

#include "burrow-window.h"

G_DEFINE_FINAL_TYPE (BurrowWindow, burrow_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * burrow_window_new:
 * @application: the application the window belongs to
 *
 * Returns: (transfer none): a new main window, owned by GTK's list of toplevels
 */
BurrowWindow *
burrow_window_new (BurrowApplication *application)
{
  g_return_val_if_fail (BURROW_IS_APPLICATION (application), NULL);

  return g_object_new (BURROW_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * burrow_window_get_page:
 * @self: a #BurrowWindow
 *
 * Returns: (nullable): the name of the visible page: "hubs", "public-hubs", "search",
 *   "transfers" or "connectivity"
 */
const char *
burrow_window_get_page (BurrowWindow *self)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * burrow_window_set_page:
 * @self: a #BurrowWindow
 * @name: a page name
 *
 * Shows the page called @name. Unknown names are ignored, because they may come from outside
 * (the `app.show-page` action is exported on D-Bus).
 *
 * Returns: %TRUE if the page exists and is now visible
 */
gboolean
burrow_window_set_page (BurrowWindow *self,
                        const char   *name)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), FALSE);

  if (name == NULL || gtk_stack_get_child_by_name (self->stack, name) == NULL)
    return FALSE;

  gtk_stack_set_visible_child_name (self->stack, name);

  return TRUE;
}

/**
 * burrow_window_show_banner:
 * @self: a #BurrowWindow
 * @text: the message, for example an error from the core
 *
 * Shows @text in the banner at the top of the window until the user dismisses it or
 * burrow_window_hide_banner() is called. A newer message replaces an older one.
 */
void
burrow_window_show_banner (BurrowWindow *self,
                           const char   *text)
{
  g_return_if_fail (BURROW_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  gtk_label_set_text (self->banner_label, text);
  gtk_widget_remove_css_class (gtk_revealer_get_child (self->banner_revealer),
                               "burrow-banner-info");
  gtk_image_set_from_icon_name (self->banner_icon, "dialog-warning-symbolic");
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

/**
 * burrow_window_show_info:
 * @self: a #BurrowWindow
 * @text: the message
 *
 * Like burrow_window_show_banner(), for news that is not a problem.
 */
void
burrow_window_show_info (BurrowWindow *self,
                         const char   *text)
{
  g_return_if_fail (BURROW_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  burrow_window_show_banner (self, text);
  gtk_widget_add_css_class (gtk_revealer_get_child (self->banner_revealer), "burrow-banner-info");
  gtk_image_set_from_icon_name (self->banner_icon, "dialog-information-symbolic");
}

/**
 * burrow_window_share_files:
 * @files: (element-type GFile): files and folders, for example dropped on the window
 *
 * Shares each folder of @files (files are skipped: Burrow shares folders). Problems and the
 * outcome are shown in the banner.
 *
 * Returns: how many folders are now shared
 */
guint
burrow_window_share_files (BurrowWindow *self,
                           GSList       *files)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *problems = NULL;
  g_autofree char *first_name = NULL;
  guint n_shared;

  g_return_val_if_fail (BURROW_IS_WINDOW (self), 0);

  if (!BURROW_IS_APPLICATION (app))
    return 0;
  n_shared = burrow_application_share_files (BURROW_APPLICATION (app), files, &first_name,
                                             &problems);
  if (problems != NULL)
    burrow_window_show_banner (self, problems);
  else if (n_shared == 1)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the name of a folder */
      text = g_strdup_printf (_("“%s” is now shared. Burrow is hashing its files."), first_name);
      burrow_window_show_info (self, text);
    }
  else if (n_shared > 1)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u folder is now shared. "
                                           "Burrow is hashing its files.",
                                           "%u folders are now shared. "
                                           "Burrow is hashing their files.",
                                           n_shared), n_shared);
      burrow_window_show_info (self, text);
    }
  return n_shared;
}

static gboolean
on_drop_target_drop_cb (GtkDropTarget *target,
                        const GValue  *value,
                        double         x,
                        double         y,
                        BurrowWindow  *self)
{
  GSList *files = burrow_application_dropped_files (value);
  guint n;

  n = burrow_window_share_files (self, files);
  g_slist_free (files);
  return n > 0;
}

/**
 * burrow_window_hide_banner:
 * @self: a #BurrowWindow
 *
 * Hides the banner.
 */
void
burrow_window_hide_banner (BurrowWindow *self)
{
  g_return_if_fail (BURROW_IS_WINDOW (self));

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

/**
 * burrow_window_show_hub:
 * @session: a session of the application's client
 *
 * Shows the Hubs page with the page of @session.
 *
 * Returns: (transfer none) (nullable): the hub's page
 */
BurrowHubPage *
burrow_window_show_hub (BurrowWindow     *self,
                        BurrowHubSession *session)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), NULL);
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (session), NULL);

  burrow_window_set_page (self, "hubs");
  return burrow_hubs_page_show_hub (self->hubs_page, session);
}

/**
 * burrow_window_get_connectivity_page:
 *
 * Returns: (transfer none): the Connectivity page (the punch panel)
 */
BurrowConnectivityPage *
burrow_window_get_connectivity_page (BurrowWindow *self)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), NULL);
  return self->connectivity_page;
}

/**
 * burrow_window_get_search_page:
 *
 * Returns: (transfer none): the Search page
 */
BurrowSearchPage *
burrow_window_get_search_page (BurrowWindow *self)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), NULL);
  return self->search_page;
}

/**
 * burrow_window_get_transfers_page:
 *
 * Returns: (transfer none): the Transfers page
 */
BurrowTransfersPage *
burrow_window_get_transfers_page (BurrowWindow *self)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), NULL);
  return self->transfers_page;
}

/**
 * burrow_window_get_hubs_page:
 *
 * Returns: (transfer none): the Hubs page
 */
BurrowHubsPage *
burrow_window_get_hubs_page (BurrowWindow *self)
{
  g_return_val_if_fail (BURROW_IS_WINDOW (self), NULL);
  return self->hubs_page;
}

static void
on_banner_close_button_clicked_cb (BurrowWindow *self,
                                   GtkButton    *button)
{
  g_assert (BURROW_IS_WINDOW (self));

  burrow_window_hide_banner (self);
}

static void
on_stack_visible_child_name_notify_cb (BurrowWindow *self,
                                       GParamSpec   *pspec,
                                       GtkStack     *stack)
{
  g_assert (BURROW_IS_WINDOW (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
}

static void
burrow_window_load_help_overlay (BurrowWindow *self)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GObject *overlay;

  builder = gtk_builder_new_from_resource (BURROW_RESOURCE_PATH "/ui/help-overlay.ui");
  overlay = gtk_builder_get_object (builder, "help_overlay");
  g_assert (GTK_IS_SHORTCUTS_WINDOW (overlay));

  /* The window keeps the overlay and provides the win.show-help-overlay action. */
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (overlay));
}

/* GtkWindow:application is set after construction: hand the client to the pages then. */
static void
on_application_notify_cb (BurrowWindow *self,
                          GParamSpec   *pspec,
                          gpointer      user_data)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  BurrowClient *client;

  if (!BURROW_IS_APPLICATION (app))
    return;

  client = burrow_application_get_client (BURROW_APPLICATION (app));
  burrow_hubs_page_set_client (self->hubs_page, client);
  burrow_public_hubs_page_set_client (
    BURROW_PUBLIC_HUBS_PAGE (gtk_stack_get_child_by_name (self->stack, "public-hubs")), client);
  burrow_connectivity_page_set_client (self->connectivity_page, client);
  burrow_search_page_set_client (self->search_page, client);
  burrow_transfers_page_set_client (self->transfers_page, client);
}

static void
burrow_window_dispose (GObject *object)
{
  /* No gtk_widget_dispose_template () on a window (STYLE.md §3.6): GtkWindow's own dispose
   * destroys the child and the titlebar, and the template's references go with it. Owned
   * references (a GCancellable, core bindings) are cleared here once pages have them. */
  G_OBJECT_CLASS (burrow_window_parent_class)->dispose (object);
}

static void
burrow_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BurrowWindow *self = BURROW_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PAGE:
      g_value_set_string (value, burrow_window_get_page (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BurrowWindow *self = BURROW_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PAGE:
      if (!burrow_window_set_page (self, g_value_get_string (value)))
        g_debug ("No page named “%s”", g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_window_class_init (BurrowWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_window_dispose;
  object_class->get_property = burrow_window_get_property;
  object_class->set_property = burrow_window_set_property;

  /**
   * BurrowWindow:page:
   *
   * The name of the visible page. The stateful `win.page` action changes it.
   */
  properties[PROP_PAGE] =
    g_param_spec_string ("page", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BURROW_TYPE_CONNECTIVITY_PAGE);
  g_type_ensure (BURROW_TYPE_HUBS_PAGE);
  g_type_ensure (BURROW_TYPE_PUBLIC_HUBS_PAGE);
  g_type_ensure (BURROW_TYPE_SEARCH_PAGE);
  g_type_ensure (BURROW_TYPE_TRANSFERS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, banner_close_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, banner_icon);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, connectivity_page);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, hubs_page);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, search_page);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, transfers_page);
  gtk_widget_class_bind_template_callback (widget_class, on_banner_close_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stack_visible_child_name_notify_cb);

  gtk_widget_class_install_property_action (widget_class, "win.page", "page");
}

static void
burrow_window_init (BurrowWindow *self)
{
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Dropping folders on the window shares them. */
  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, (GType[]) { GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  burrow_window_load_help_overlay (self);

  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_notify_cb), NULL);
}
