/* burrow-file-list-window.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-list-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-file-list-page.h"

#include "burrow-file-list-window.h"

/* One window per list, so that several lists can be open side by side (one per user, and our
 * own). Each belongs to the application and goes with the main window. */

struct _BurrowFileListWindow
{
  GtkWindow           parent_instance;

  /* template widgets */
  BurrowFileListPage *page;
  GtkLabel           *subtitle_label;
  GtkLabel           *title_label;
};

G_DEFINE_FINAL_TYPE (BurrowFileListWindow, burrow_file_list_window, GTK_TYPE_WINDOW)

static void
on_page_title_notify_cb (BurrowFileListWindow *self,
                         GParamSpec           *pspec,
                         BurrowFileListPage   *page)
{
  const char *title = burrow_file_list_page_get_title (page);
  const char *subtitle = burrow_file_list_page_get_subtitle (page);
  g_autofree char *window_title = NULL;

  if (burrow_file_list_page_get_loading (page))
    subtitle = _("Getting the file list…");
  gtk_label_set_text (self->title_label, title != NULL ? title : "");
  gtk_label_set_text (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL);

  if (burrow_file_list_page_get_is_own (page) || title == NULL)
    window_title = g_strdup (title != NULL ? title : _("File List"));
  else
    /* Translators: the title of a file list window; %s is the nick of its user */
    window_title = g_strdup_printf (_("Files of %s"), title);
  gtk_window_set_title (GTK_WINDOW (self), window_title);
}

static void
burrow_file_list_window_class_init (BurrowFileListWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* No gtk_widget_dispose_template (): the page is the window's bound child (STYLE.md §3.6). */
  g_type_ensure (BURROW_TYPE_FILE_LIST_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH
                                               "/ui/burrow-file-list-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListWindow, page);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListWindow, title_label);
  gtk_widget_class_bind_template_callback (widget_class, on_page_title_notify_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close",
                                       NULL);
}

static void
burrow_file_list_window_init (BurrowFileListWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
  on_page_title_notify_cb (self, NULL, self->page);
}

/**
 * burrow_file_list_window_new:
 * @parent: (nullable): the main window: the new one belongs to its application and is
 *   destroyed with it
 * @client: the engine
 *
 * Returns: (transfer none): a new, empty window, owned by GTK's list of toplevels
 */
BurrowFileListWindow *
burrow_file_list_window_new (GtkWindow    *parent,
                             BurrowClient *client)
{
  BurrowFileListWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);

  self = g_object_new (BURROW_TYPE_FILE_LIST_WINDOW,
                       "application", parent ? gtk_window_get_application (parent) : NULL,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  burrow_file_list_page_set_client (self->page, client);
  return self;
}

/**
 * burrow_file_list_window_get_page:
 *
 * Returns: (transfer none): the browser
 */
BurrowFileListPage *
burrow_file_list_window_get_page (BurrowFileListWindow *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_WINDOW (self), NULL);
  return self->page;
}

/**
 * burrow_file_list_window_lookup:
 * @application: (nullable): the application whose windows to look at
 * @cid: (nullable): a user's CID, or %NULL for our own list
 *
 * Returns: (transfer none) (nullable): the open window with that list
 */
BurrowFileListWindow *
burrow_file_list_window_lookup (GtkApplication *application,
                                const char     *cid)
{
  if (application == NULL)
    return NULL;
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    {
      BurrowFileListPage *page;

      if (!BURROW_IS_FILE_LIST_WINDOW (l->data))
        continue;
      page = BURROW_FILE_LIST_WINDOW (l->data)->page;
      if (cid == NULL ? burrow_file_list_page_get_is_own (page)
                      : g_strcmp0 (burrow_file_list_page_get_cid (page), cid) == 0)
        return l->data;
    }
  return NULL;
}

/**
 * burrow_file_list_window_browse_user:
 * @parent: the main window
 * @session: where @user is
 * @user: whose files to show
 *
 * Presents the window with @user's list, opening one and fetching the list if there is none
 * (an open one whose list could not be fetched tries again). Our own user gives our own list.
 *
 * Returns: (transfer none): the window
 */
BurrowFileListWindow *
burrow_file_list_window_browse_user (GtkWindow        *parent,
                                     BurrowClient     *client,
                                     BurrowHubSession *session,
                                     BurrowUser       *user)
{
  BurrowFileListWindow *self;
  const char *cid;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (session), NULL);
  g_return_val_if_fail (BURROW_IS_USER (user), NULL);

  cid = burrow_user_get_id (user);
  if (user == burrow_hub_session_get_me (session) ||
      (cid != NULL && g_strcmp0 (cid, burrow_identity_get_cid (burrow_client_get_identity (client))) == 0))
    return burrow_file_list_window_browse_own (parent, client);

  /* (a user without a CID gets a window of their own each time) */
  self = cid != NULL ? burrow_file_list_window_lookup (gtk_window_get_application (parent), cid)
                     : NULL;
  if (self == NULL)
    {
      self = burrow_file_list_window_new (parent, client);
      burrow_file_list_page_browse_user (self->page, session, user);
    }
  else if (burrow_file_list_page_get_error (self->page) != NULL)
    burrow_file_list_page_browse_user (self->page, session, user);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

/**
 * burrow_file_list_window_browse_own:
 * @parent: the main window
 *
 * Presents the window with our own list (what we share), opening it if needed.
 *
 * Returns: (transfer none): the window
 */
BurrowFileListWindow *
burrow_file_list_window_browse_own (GtkWindow    *parent,
                                    BurrowClient *client)
{
  BurrowFileListWindow *self;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);

  self = burrow_file_list_window_lookup (gtk_window_get_application (parent), NULL);
  if (self == NULL)
    {
      self = burrow_file_list_window_new (parent, client);
      burrow_file_list_page_browse_own (self->page);
    }
  gtk_window_present (GTK_WINDOW (self));
  return self;
}
