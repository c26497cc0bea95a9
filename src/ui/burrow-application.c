/* burrow-application.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-application"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

#include "burrow-core.h"
#include "burrow-encoding-entry.h"
#include "burrow-file-list-window.h"
#include "burrow-notifier.h"
#include "burrow-preferences-window.h"
#include "burrow-search-page.h"
#include "burrow-welcome-dialog.h"
#include "burrow-window.h"

#include "burrow-application.h"

struct _BurrowApplication
{
  GtkApplication  parent_instance;

  /* owned refs */
  GtkCssProvider *css_provider;
  BurrowClient   *client;
  GSettings      *settings;
  BurrowNotifier *notifier;
  char           *data_dir;      /* --data-dir, if given */

  /* TRUE when this instance called notify_init (), so shutdown undoes it */
  guint           owns_notify : 1;
  /* TRUE once this run offered the first-run welcome (one offer per run) */
  guint           welcome_offered : 1;
};

G_DEFINE_FINAL_TYPE (BurrowApplication, burrow_application, GTK_TYPE_APPLICATION)

/* URI schemes that Burrow registers for (see the desktop file's MimeType). */
static const char * const handled_schemes[] = {
  "adc", "adcs", "dchub", "nmdc", "nmdcs", "magnet", NULL
};

/**
 * burrow_application_new:
 *
 * Creates the application object. Run it with g_application_run().
 *
 * Returns: (transfer full): a new #BurrowApplication
 */
BurrowApplication *
burrow_application_new (void)
{
  return g_object_new (BURROW_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", BURROW_RESOURCE_PATH,
                       NULL);
}

/**
 * burrow_application_handles_uri:
 * @uri: (nullable): a URI, as received by #GApplication::open
 *
 * Whether @uri is a Direct Connect hub address (adc://, adcs://, dchub://, nmdc://, nmdcs://) or
 * a magnet link, the schemes that the desktop file claims.
 *
 * Returns: %TRUE if Burrow handles @uri
 */
gboolean
burrow_application_handles_uri (const char *uri)
{
  const char *scheme;

  if (uri == NULL)
    return FALSE;

  /* An interned, lower-cased string, or NULL when @uri has no scheme */
  scheme = g_uri_peek_scheme (uri);

  return scheme != NULL && g_strv_contains (handled_schemes, scheme);
}

static BurrowWindow *
burrow_application_ensure_window (BurrowApplication *self)
{
  GtkWindow *window;
  BurrowWindow *new_window;

  g_assert (BURROW_IS_APPLICATION (self));

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (BURROW_IS_WINDOW (window))
    return BURROW_WINDOW (window);
  /* A file list window may be the active one: the main window is still there. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (BURROW_IS_WINDOW (l->data))
      return BURROW_WINDOW (l->data);

  new_window = burrow_window_new (self);
  /* Private messages are only notified while the window does not have the focus. */
  if (self->notifier != NULL)
    g_object_bind_property (new_window, "is-active", self->notifier, "window-focused",
                            G_BINDING_SYNC_CREATE);
  return new_window;
}

/**
 * burrow_application_get_client:
 *
 * Returns: (transfer none) (nullable): the engine, once the application has started
 */
BurrowClient *
burrow_application_get_client (BurrowApplication *self)
{
  g_return_val_if_fail (BURROW_IS_APPLICATION (self), NULL);
  return self->client;
}

/**
 * burrow_application_get_notifier:
 *
 * Returns: (transfer none) (nullable): the desktop notifier, once the application has started
 */
BurrowNotifier *
burrow_application_get_notifier (BurrowApplication *self)
{
  g_return_val_if_fail (BURROW_IS_APPLICATION (self), NULL);
  return self->notifier;
}

/**
 * burrow_application_get_settings:
 *
 * Returns: (transfer none) (nullable): the app's UI-only preferences (notifications, window
 *   size); %NULL when the schema is not installed (an uninstalled build without
 *   GSETTINGS_SCHEMA_DIR). The engine's settings are properties of the client.
 */
GSettings *
burrow_application_get_settings (BurrowApplication *self)
{
  g_return_val_if_fail (BURROW_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * burrow_application_share_files:
 * @files: (element-type GFile): files and folders, for example dropped on a window
 * @first_name: (out) (optional): the name of the first folder shared, or %NULL
 * @problems: (out) (optional): what could not be shared, one line each, or %NULL
 *
 * Shares each folder of @files; a file is not shared (Burrow shares folders), which is said.
 *
 * Returns: how many folders are now shared
 */
guint
burrow_application_share_files (BurrowApplication  *self,
                                GSList             *files,
                                char              **first_name,
                                char              **problems)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *first = NULL;
  guint n_shared = 0;

  g_return_val_if_fail (BURROW_IS_APPLICATION (self), 0);

  for (GSList *l = files; l != NULL; l = l->next)
    {
      GFile *file = l->data;
      g_autoptr(GError) error = NULL;

      if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_DIRECTORY)
        {
          g_autofree char *name = g_file_get_parse_name (file);

          /* Translators: %s is a file that was dropped on the window */
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                       _("%s is not a folder: drop folders to share them"), name);
        }
      else if (burrow_application_share_folder (self, file, &error))
        {
          if (first == NULL)
            first = g_file_get_basename (file);
          n_shared++;
          continue;
        }
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, error->message);
    }
  if (first_name != NULL)
    *first_name = g_steal_pointer (&first);
  if (problems != NULL)
    *problems = text->len > 0 ? g_strdup (text->str) : NULL;
  return n_shared;
}

/**
 * burrow_application_dropped_files:
 * @value: what a #GtkDropTarget for files received
 *
 * Returns: (transfer container) (element-type GFile): the files (the list is the caller's, the
 *   files are not)
 */
GSList *
burrow_application_dropped_files (const GValue *value)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return gdk_file_list_get_files (g_value_get_boxed (value));
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    return g_slist_prepend (NULL, g_value_get_object (value));
  return NULL;
}

/**
 * burrow_application_share_folder:
 * @folder: a local folder
 *
 * Shares @folder under its own name (the share remembers it and starts hashing). The
 * preferences' "Add Folder" and dropping a folder on the main window both come here.
 *
 * Returns: %TRUE on success, else %FALSE with @error set (not a local folder, shared already…)
 */
gboolean
burrow_application_share_folder (BurrowApplication  *self,
                                 GFile              *folder,
                                 GError            **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (BURROW_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (folder), FALSE);

  if (self->client == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Burrow could not open its data folder"));
      return FALSE;
    }
  path = g_file_get_path (folder);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (folder);

      /* Translators: %s is the address of a folder that is not on this computer */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Only local folders can be shared, not %s"), uri);
      return FALSE;
    }
  return burrow_share_add_root (burrow_client_get_share (self->client), path, NULL, error);
}

static gboolean
same_hub (const char *a,
          const char *b)
{
  g_autoptr(BurrowHubUri) pa = burrow_hub_uri_parse (a, NULL);
  g_autoptr(BurrowHubUri) pb = burrow_hub_uri_parse (b, NULL);
  g_autofree char *sa = pa ? burrow_hub_uri_to_string (pa) : NULL;
  g_autofree char *sb = pb ? burrow_hub_uri_to_string (pb) : NULL;

  return sa != NULL && g_strcmp0 (sa, sb) == 0;
}

/**
 * burrow_application_open_hub:
 * @uri: a hub address
 *
 * Connects to @uri: reuses the open session for that address if there is one (reconnecting it
 * when it is not connected), otherwise adds one. A favourite with the same address gives its
 * nick, password and encoding.
 *
 * Returns: (transfer none): the session, or %NULL with @error set (invalid address,
 *   unsupported protocol)
 */
BurrowHubSession *
burrow_application_open_hub (BurrowApplication  *self,
                             const char         *uri,
                             GError            **error)
{
  return burrow_application_open_hub_full (self, uri, NULL, error);
}

/**
 * burrow_application_open_hub_full:
 * @uri: a hub address
 * @encoding: (nullable): the NMDC charset to use; %NULL for the favourite's, else the default
 *
 * As burrow_application_open_hub(), with the charset the user chose for an NMDC hub. It is set
 * on the session before it connects (an open, connected session uses it from its next
 * connection).
 *
 * Returns: (transfer none): the session, or %NULL with @error set (invalid address, unknown
 *   encoding for an NMDC hub, unsupported protocol)
 */
BurrowHubSession *
burrow_application_open_hub_full (BurrowApplication  *self,
                                  const char         *uri,
                                  const char         *encoding,
                                  GError            **error)
{
  g_autoptr(BurrowHubUri) parsed = NULL;
  g_autofree char *canonical = NULL;
  BurrowHubSession *session = NULL;
  BurrowFavoriteHub *favorite;
  GListModel *hubs;
  BurrowHubState state;
  guint n;

  g_return_val_if_fail (BURROW_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (self->client == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Burrow could not open its data folder"));
      return NULL;
    }

  parsed = burrow_hub_uri_parse (uri, error);
  if (parsed == NULL)
    return NULL;
  canonical = burrow_hub_uri_to_string (parsed);

  favorite = burrow_favorite_hubs_lookup_uri (burrow_client_get_favorite_hubs (self->client),
                                              canonical);
  if (encoding == NULL && favorite != NULL)
    encoding = burrow_favorite_hub_get_encoding (favorite);
  /* Checked before a session exists, so that a wrong charset leaves nothing behind. ADC is
   * always UTF-8 and ignores the setting: there a wrong one is dropped, not an error. */
  if (burrow_hub_uri_is_adc (parsed))
    {
      if (!burrow_encoding_check_name (encoding, NULL))
        encoding = NULL;
    }
  else if (!burrow_encoding_check_name (encoding, error))
    {
      return NULL;
    }

  hubs = burrow_client_get_hubs (self->client);
  n = g_list_model_get_n_items (hubs);
  for (guint i = 0; i < n && session == NULL; i++)
    {
      g_autoptr(BurrowHubSession) item = g_list_model_get_item (hubs, i);

      if (same_hub (burrow_hub_session_get_uri (item), canonical))
        session = item;
    }
  if (session == NULL)
    {
      session = burrow_client_add_hub (self->client, canonical, error);
      if (session == NULL)
        return NULL;
    }

  if (encoding != NULL && !burrow_hub_session_set_encoding (session, encoding, error))
    return NULL;
  if (favorite != NULL && burrow_favorite_hub_get_nick (favorite) != NULL)
    burrow_hub_session_set_nick (session, burrow_favorite_hub_get_nick (favorite));
  if (favorite != NULL && burrow_favorite_hub_get_password (favorite) != NULL)
    burrow_hub_session_set_password (session, burrow_favorite_hub_get_password (favorite));

  state = burrow_hub_session_get_state (session);
  if (state == BURROW_HUB_STATE_DISCONNECTED || state == BURROW_HUB_STATE_WAITING)
    burrow_hub_session_connect (session);

  return session;
}

static void
burrow_application_show_hub (BurrowApplication *self,
                             const char        *uri)
{
  g_autoptr(GError) error = NULL;
  BurrowHubSession *session;
  BurrowWindow *window;

  window = burrow_application_ensure_window (self);
  session = burrow_application_open_hub (self, uri, &error);
  if (session == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is a hub address, the second %s why it failed */
      text = g_strdup_printf (_("Cannot connect to %s: %s"), uri, error->message);
      burrow_window_show_banner (window, text);
    }
  else
    {
      burrow_window_show_hub (window, session);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
burrow_application_about_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  BurrowApplication *self = user_data;
  static const char *authors[] = { "The Burrow authors", NULL };
  GtkWindow *parent;
  GtkWidget *about;

  g_assert (BURROW_IS_APPLICATION (self));

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* GtkAboutDialog is a GtkWindow (not a GtkDialog), so it is not deprecated. */
  about = g_object_new (GTK_TYPE_ABOUT_DIALOG,
                        "transient-for", parent,
                        "modal", TRUE,
                        "destroy-with-parent", TRUE,
                        "program-name", "Burrow",
                        "version", PACKAGE_VERSION,
                        "logo-icon-name", APP_ID,
                        "comments", _("Share files on Direct Connect hubs, even behind NAT"),
                        "website", "https://github.com/burrowdc/burrow",
                        "website-label", _("Website"),
                        "copyright", "© 2026 The Burrow authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "authors", authors,
                        /* Translators: your names, one per line, for the About window */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
burrow_application_quit_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
burrow_application_shortcuts_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  BurrowApplication *self = user_data;
  BurrowWindow *window;

  g_assert (BURROW_IS_APPLICATION (self));

  window = burrow_application_ensure_window (self);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static void
burrow_application_show_page_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  BurrowApplication *self = user_data;
  BurrowWindow *window;
  const char *name;

  g_assert (BURROW_IS_APPLICATION (self));

  name = g_variant_get_string (parameter, NULL);
  window = burrow_application_ensure_window (self);

  /* The parameter may come over D-Bus: an unknown page is not a programming error. */
  if (!burrow_window_set_page (window, name))
    g_debug ("No page named “%s”", name);

  gtk_window_present (GTK_WINDOW (window));
}

static void
burrow_application_connect_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  burrow_application_show_hub (BURROW_APPLICATION (user_data),
                               g_variant_get_string (parameter, NULL));
}

static void
burrow_application_open_magnet_action (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  BurrowApplication *self = user_data;
  g_autoptr(BurrowMagnet) magnet = NULL;
  g_autoptr(GError) error = NULL;
  BurrowSearchPage *page;
  BurrowWindow *window;

  g_assert (BURROW_IS_APPLICATION (self));

  window = burrow_application_ensure_window (self);
  page = burrow_window_get_search_page (window);
  burrow_window_set_page (window, "search");
  gtk_window_present (GTK_WINDOW (window));

  /* The link may come from a chat line or over D-Bus: a bad one is shown, not a bug. */
  magnet = burrow_magnet_parse (g_variant_get_string (parameter, NULL), &error);
  if (magnet == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says what is wrong with a magnet link */
      text = g_strdup_printf (_("This magnet link cannot be used: %s"), error->message);
      burrow_search_page_show_message (page, text, TRUE);
      return;
    }

  /* A file: look for users who have it (by TTH); a keyword link: search its words. */
  burrow_search_page_search (page, magnet->tth != NULL ? magnet->tth : magnet->keywords);
}

static void
burrow_application_download_action (GSimpleAction *action,
                                    GVariant      *parameter,
                                    gpointer       user_data)
{
  BurrowApplication *self = user_data;
  g_autoptr(BurrowMagnet) magnet = NULL;
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BurrowDownloadQueue *queue;
  BurrowSearchResult *first = NULL;
  BurrowSearchHit *hit;
  BurrowSearchPage *page;
  BurrowWindow *window;
  const char *name;
  guint64 size;
  guint n_sources = 0;

  g_assert (BURROW_IS_APPLICATION (self));

  window = burrow_application_ensure_window (self);
  page = burrow_window_get_search_page (window);

  queue = self->client != NULL ? burrow_client_get_download_queue (self->client) : NULL;
  if (queue == NULL)
    {
      burrow_search_page_show_message (page, _("Downloads are not available yet"), TRUE);
      return;
    }

  magnet = burrow_magnet_parse (g_variant_get_string (parameter, NULL), &error);
  if (magnet != NULL && magnet->tth == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("The link does not name a file (it has no TTH)"));
  if (error != NULL)
    {
      /* Translators: %s says what is wrong with a magnet link */
      text = g_strdup_printf (_("This magnet link cannot be downloaded: %s"), error->message);
      burrow_search_page_show_message (page, text, TRUE);
      return;
    }

  /* The users who have it: the search results for this TTH, if the search page has them. */
  hit = burrow_search_page_lookup_tth (page, magnet->tth);
  if (hit != NULL)
    {
      n_sources = g_list_model_get_n_items (burrow_search_hit_get_sources (hit));
      first = g_list_model_get_item (burrow_search_hit_get_sources (hit), 0);
      g_object_unref (first);   /* the hit keeps it */
    }
  name = magnet->name != NULL ? magnet->name
                              : hit != NULL ? burrow_search_hit_get_name (hit) : magnet->tth;
  size = magnet->has_size ? magnet->size : hit != NULL ? burrow_search_hit_get_size (hit) : 0;

  item = burrow_download_queue_add_file (queue, magnet->tth, size, name,
                                         burrow_client_get_download_dir (self->client),
                                         first ? burrow_search_result_get_cid (first) : NULL,
                                         first ? burrow_search_result_get_hub (first) : NULL,
                                         first ? burrow_search_result_get_nick (first) : NULL,
                                         &error);
  for (guint i = 1; item != NULL && i < n_sources; i++)
    {
      GListModel *sources = burrow_search_hit_get_sources (hit);
      g_autoptr(BurrowSearchResult) result = g_list_model_get_item (sources, i);
      g_autoptr(GError) source_error = NULL;

      if (!burrow_download_queue_add_source (queue, item, burrow_search_result_get_cid (result),
                                             burrow_search_result_get_hub (result),
                                             burrow_search_result_get_nick (result),
                                             &source_error))
        g_debug ("Source %s not added: %s", burrow_search_result_get_nick (result),
                 source_error->message);
    }

  if (item == NULL)
    {
      /* Translators: the first %s is a file name, the second why it could not be queued */
      text = g_strdup_printf (_("Could not download “%s”: %s"), name, error->message);
      burrow_search_page_show_message (page, text, TRUE);
      return;
    }
  /* Translators: %s is a file name */
  text = g_strdup_printf (_("“%s” was added to the downloads."), name);
  burrow_search_page_show_message (page, text, FALSE);
}

static void
burrow_application_browse_my_files_action (GSimpleAction *action,
                                           GVariant      *parameter,
                                           gpointer       user_data)
{
  BurrowApplication *self = user_data;
  BurrowWindow *window;

  g_assert (BURROW_IS_APPLICATION (self));

  if (self->client == NULL)
    return;
  window = burrow_application_ensure_window (self);
  burrow_file_list_window_browse_own (GTK_WINDOW (window), self->client);
}

static void
burrow_application_preferences_action (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  BurrowApplication *self = user_data;
  GListModel *toplevels = gtk_window_get_toplevels ();
  BurrowWindow *window;

  g_assert (BURROW_IS_APPLICATION (self));

  if (self->client == NULL)
    return;

  /* One preferences window at a time. */
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (BURROW_IS_PREFERENCES_WINDOW (toplevel))
        {
          gtk_window_present (toplevel);
          return;
        }
    }

  window = burrow_application_ensure_window (self);
  gtk_window_present (GTK_WINDOW (burrow_preferences_window_new (self, GTK_WINDOW (window))));
}

/* The welcome: nick, shared folders, download folder, connection mode. One at a time. */
static void
burrow_application_show_welcome (BurrowApplication *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  BurrowWindow *window;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (BURROW_IS_WELCOME_DIALOG (toplevel))
        {
          gtk_window_present (toplevel);
          return;
        }
    }

  window = burrow_application_ensure_window (self);
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (burrow_welcome_dialog_new (self, GTK_WINDOW (window))));
}

static void
burrow_application_welcome_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  BurrowApplication *self = user_data;

  g_assert (BURROW_IS_APPLICATION (self));

  if (self->client != NULL)
    burrow_application_show_welcome (self);
}

static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* An uninstalled build without GSETTINGS_SCHEMA_DIR: run with the defaults. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.burrowdc.Burrow", TRUE);
  if (schema == NULL)
    {
      g_debug ("GSettings schema io.github.burrowdc.Burrow is not installed");
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
burrow_application_start_engine (BurrowApplication *self)
{
  g_autoptr(GError) error = NULL;
  BurrowFavoriteHubs *favorites;
  const char *data_dir = self->data_dir;
  guint n;

  if (data_dir == NULL)
    data_dir = g_getenv ("BURROW_DATA_DIR");
  if (data_dir != NULL && *data_dir == '\0')
    data_dir = NULL;

  self->client = burrow_client_new (data_dir, &error);
  if (self->client == NULL)
    {
      g_printerr ("%s\n", error->message);
      return;
    }

  /* UI-only preferences. The engine's settings (nick, description, mode, port, slots,
   * download folder) live in its database, and the preferences window binds to the client. */
  self->settings = load_settings ();
  self->notifier = burrow_notifier_new (self->client, self->settings);

  favorites = burrow_client_get_favorite_hubs (self->client);
  n = g_list_model_get_n_items (G_LIST_MODEL (favorites));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowFavoriteHub) favorite = g_list_model_get_item (G_LIST_MODEL (favorites), i);
      g_autoptr(GError) connect_error = NULL;

      if (burrow_favorite_hub_get_auto_connect (favorite) &&
          burrow_application_open_hub (self, burrow_favorite_hub_get_uri (favorite),
                                       &connect_error) == NULL)
        g_message ("%s: %s", burrow_favorite_hub_get_uri (favorite), connect_error->message);
    }
}

static const GActionEntry app_entries[] = {
  { "about", burrow_application_about_action, NULL, NULL, NULL, { 0 } },
  { "quit", burrow_application_quit_action, NULL, NULL, NULL, { 0 } },
  { "shortcuts", burrow_application_shortcuts_action, NULL, NULL, NULL, { 0 } },
  { "show-page", burrow_application_show_page_action, "s", NULL, NULL, { 0 } },
  { "connect", burrow_application_connect_action, "s", NULL, NULL, { 0 } },
  { "open-magnet", burrow_application_open_magnet_action, "s", NULL, NULL, { 0 } },
  { "download", burrow_application_download_action, "s", NULL, NULL, { 0 } },
  { "preferences", burrow_application_preferences_action, NULL, NULL, NULL, { 0 } },
  { "browse-my-files", burrow_application_browse_my_files_action, NULL, NULL, NULL, { 0 } },
  { "welcome", burrow_application_welcome_action, NULL, NULL, NULL, { 0 } },
};

static const struct
{
  const char *action;
  const char *accels[3];
} app_accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "app.shortcuts", { "<Control>question", NULL } },
  { "app.browse-my-files", { "<Control><Shift>m", NULL } },
  { "win.page::hubs", { "<Alt>1", NULL } },
  { "win.page::search", { "<Alt>2", NULL } },
  { "win.page::transfers", { "<Alt>3", NULL } },
  { "win.page::connectivity", { "<Alt>4", NULL } },
};

static void
burrow_application_startup (GApplication *application)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  G_APPLICATION_CLASS (burrow_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APP_ID);

  self->css_provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (self->css_provider, BURROW_RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (self->css_provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  if (!notify_is_initted ())
    {
      /* Never touches D-Bus: libnotify connects when the first notification is shown. */
      notify_init ("Burrow");
      self->owns_notify = TRUE;
    }

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_entries, G_N_ELEMENTS (app_entries),
                                   self);
  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           app_accels[i].action,
                                           app_accels[i].accels);

  burrow_application_start_engine (self);
}

static void
burrow_application_shutdown (GApplication *application)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  if (self->css_provider != NULL)
    {
      GdkDisplay *display = gdk_display_get_default ();

      if (display != NULL)
        gtk_style_context_remove_provider_for_display (display,
                                                       GTK_STYLE_PROVIDER (self->css_provider));
      g_clear_object (&self->css_provider);
    }

  if (self->client != NULL)
    burrow_client_disconnect_all (self->client);
  g_clear_object (&self->notifier);

  if (self->owns_notify)
    {
      notify_uninit ();
      self->owns_notify = FALSE;
    }

  G_APPLICATION_CLASS (burrow_application_parent_class)->shutdown (application);
}

static void
burrow_application_activate (GApplication *application)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  if (self->client == NULL)
    {
      /* burrow_application_start_engine () printed why. */
      g_application_quit (application);
      return;
    }

  gtk_window_present (GTK_WINDOW (burrow_application_ensure_window (self)));

  /* The first start with this data directory: until the welcome is done or skipped. */
  if (!self->welcome_offered && !burrow_client_get_welcome_done (self->client))
    {
      self->welcome_offered = TRUE;
      burrow_application_show_welcome (self);
    }
}

static void
burrow_application_open (GApplication  *application,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      const char *scheme = g_uri_peek_scheme (uri);

      if (!burrow_application_handles_uri (uri))
        g_debug ("Ignoring %s: not a Direct Connect or magnet link", uri);
      else if (g_strcmp0 (scheme, "magnet") == 0)
        g_action_group_activate_action (G_ACTION_GROUP (self), "open-magnet",
                                        g_variant_new_string (uri));
      else
        {
          burrow_application_show_hub (self, uri);
          continue;
        }
      gtk_window_present (GTK_WINDOW (burrow_application_ensure_window (self)));
    }

  if (n_files == 0)
    gtk_window_present (GTK_WINDOW (burrow_application_ensure_window (self)));
}

static void
burrow_application_dispose (GObject *object)
{
  BurrowApplication *self = BURROW_APPLICATION (object);

  g_clear_object (&self->css_provider);
  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (burrow_application_parent_class)->dispose (object);
}

static void
burrow_application_finalize (GObject *object)
{
  BurrowApplication *self = BURROW_APPLICATION (object);

  g_free (self->data_dir);

  G_OBJECT_CLASS (burrow_application_parent_class)->finalize (object);
}

static int
burrow_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  BurrowApplication *self = BURROW_APPLICATION (application);
  const char *data_dir = NULL;

  if (g_variant_dict_lookup (options, "data-dir", "^&ay", &data_dir))
    {
      g_free (self->data_dir);
      self->data_dir = g_strdup (data_dir);
    }

  return G_APPLICATION_CLASS (burrow_application_parent_class)->handle_local_options (application,
                                                                                      options);
}

static void
burrow_application_class_init (BurrowApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = burrow_application_dispose;
  object_class->finalize = burrow_application_finalize;

  app_class->activate = burrow_application_activate;
  app_class->handle_local_options = burrow_application_handle_local_options;
  app_class->open = burrow_application_open;
  app_class->shutdown = burrow_application_shutdown;
  app_class->startup = burrow_application_startup;
}

static void
burrow_application_init (BurrowApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "data-dir", 0, 0, G_OPTION_ARG_FILENAME,
                                 _("Keep Burrow’s state (database, certificate) in DIR"),
                                 _("DIR"));
}
