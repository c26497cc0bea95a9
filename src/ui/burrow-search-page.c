/* burrow-search-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-search-hits.h"

#include "burrow-search-page.h"

/* One search at a time (a new one stops the old). Its results are grouped by TTH
 * (BurrowSearchModel), then filtered here by file type and size, sorted by the clicked
 * column, and shown in the column view. The type and size are sent to the hubs too (ADC TY,
 * GE and LE); the hub protocol has no file-type groups in our outgoing searches, so the
 * type is checked here by extension, with the same groups the share uses to answer. */

enum
{
  KIND_ANY,
  KIND_AUDIO,
  KIND_COMPRESSED,
  KIND_DOCUMENT,
  KIND_EXECUTABLE,
  KIND_PICTURE,
  KIND_VIDEO,
  KIND_FOLDER,
};

enum
{
  SIZE_ANY,
  SIZE_AT_LEAST,
  SIZE_AT_MOST,
};

struct _BurrowSearchPage
{
  GtkWidget           parent_instance;

  /* template widgets and objects */
  GtkColumnView      *column_view;
  GtkFilterListModel *filter_model;
  GtkCustomFilter    *hit_filter;
  GtkDropDown        *kind_dropdown;
  GtkBox             *message_box;
  GtkImage           *message_icon;
  GtkLabel           *message_label;
  GtkRevealer        *message_revealer;
  GtkSearchEntry     *query_entry;
  GtkSpinner         *running_spinner;
  GtkButton          *search_button;
  GtkSingleSelection *selection;
  GtkDropDown        *size_mode_dropdown;
  GtkSpinButton      *size_spin;
  GtkDropDown        *size_unit_dropdown;
  GtkColumnViewColumn *sources_column;
  GtkStack           *stack;
  GtkLabel           *status_label;
  GtkSpinner         *waiting_spinner;
  GtkLabel           *waiting_label;

  /* owned */
  BurrowClient       *client;
  BurrowSearch       *search;
  BurrowSearchModel  *hits;
  gulong              running_id;
};

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowSearchPage, burrow_search_page, GTK_TYPE_WIDGET)

/* ---------------------------------------------------------------------------------------------- */
/* Template callbacks used as closures by the cells                                               */
/* ---------------------------------------------------------------------------------------------- */

static GIcon *
hit_icon (gpointer    unused,
          const char *name,
          gboolean    is_directory)
{
  g_autofree char *type = NULL;

  if (is_directory)
    return g_themed_icon_new ("folder-symbolic");
  if (name == NULL)
    return g_themed_icon_new ("text-x-generic-symbolic");
  type = g_content_type_guess (name, NULL, 0, NULL);
  return g_content_type_get_symbolic_icon (type);
}

static char *
format_size (gpointer unused,
             guint64  size)
{
  return g_format_size (size);
}

static char *
format_count (gpointer unused,
              guint    count)
{
  return g_strdup_printf ("%u", count);
}

static char *
format_sources (gpointer    unused,
                guint       n_sources,
                const char *users)
{
  if (n_sources <= 1)
    return g_strdup (users != NULL ? users : "");
  /* Translators: how many users have a file, then their nicks: "3 · bob, carol, dave" */
  return g_strdup_printf (_("%u · %s"), n_sources, users != NULL ? users : "");
}

static char *
format_folder (gpointer    unused,
               const char *path)
{
  const char *end;

  if (path == NULL)
    return g_strdup ("");
  /* ADC paths: "/Share/Music/a.flac" or "/Share/Music/" for a folder */
  end = path + strlen (path);
  if (end > path && end[-1] == '/')
    end--;
  while (end > path && end[-1] != '/')
    end--;
  return g_strndup (path, end - path);
}

/* ---------------------------------------------------------------------------------------------- */
/* Filter                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static guint
kind_group (guint kind)
{
  switch (kind)
    {
    case KIND_AUDIO: return BURROW_SEARCH_GROUP_AUDIO;
    case KIND_COMPRESSED: return BURROW_SEARCH_GROUP_COMPRESSED;
    case KIND_DOCUMENT: return BURROW_SEARCH_GROUP_DOCUMENT;
    case KIND_EXECUTABLE: return BURROW_SEARCH_GROUP_EXECUTABLE;
    case KIND_PICTURE: return BURROW_SEARCH_GROUP_PICTURE;
    case KIND_VIDEO: return BURROW_SEARCH_GROUP_VIDEO;
    default: return 0;
    }
}

static guint64
size_limit (BurrowSearchPage *self)
{
  static const guint64 units[] = { 1000, 1000 * 1000, 1000 * 1000 * 1000 };
  guint unit = gtk_drop_down_get_selected (self->size_unit_dropdown);

  return (guint64) gtk_spin_button_get_value (self->size_spin) * units[MIN (unit, 2)];
}

static void
get_filter (BurrowSearchPage   *self,
            BurrowSearchFilter *filter)
{
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);

  memset (filter, 0, sizeof *filter);
  if (kind == KIND_FOLDER)
    filter->type = BURROW_SEARCH_TYPE_DIRECTORY;
  else if (kind != KIND_ANY)
    filter->type = BURROW_SEARCH_TYPE_FILE;
  else
    filter->type = BURROW_SEARCH_TYPE_ANY;

  switch (gtk_drop_down_get_selected (self->size_mode_dropdown))
    {
    case SIZE_AT_LEAST:
      filter->min_size = size_limit (self);
      break;
    case SIZE_AT_MOST:
      filter->max_size = size_limit (self);
      break;
    default:
      break;
    }
}

static gboolean
hit_matches (gpointer item,
             gpointer user_data)
{
  BurrowSearchPage *self = user_data;
  BurrowSearchHit *hit = item;
  BurrowSearchFilter filter;
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);
  gboolean is_directory = burrow_search_hit_get_is_directory (hit);
  guint64 size = burrow_search_hit_get_size (hit);

  get_filter (self, &filter);
  if (kind == KIND_FOLDER)
    return is_directory;
  if (kind != KIND_ANY)
    {
      const char *name = burrow_search_hit_get_name (hit);
      const char *dot = name != NULL ? strrchr (name, '.') : NULL;
      g_autofree char *folded = NULL;

      if (is_directory || dot == NULL)
        return FALSE;
      folded = burrow_search_fold (dot + 1, -1);
      if ((burrow_search_groups_of_extension (folded) & kind_group (kind)) == 0)
        return FALSE;
    }
  if (!is_directory && filter.min_size > 0 && size < filter.min_size)
    return FALSE;
  if (!is_directory && filter.max_size > 0 && size > filter.max_size)
    return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------------------------------------- */
/* State                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static BurrowSearchHit *
selected_hit (BurrowSearchPage *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
update_actions (BurrowSearchPage *self)
{
  BurrowSearchHit *hit = selected_hit (self);
  gboolean is_file = hit != NULL && burrow_search_hit_get_tth (hit) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "search.download", is_file);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "search.copy-magnet", is_file);
}

static void
update_status (BurrowSearchPage *self)
{
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  guint n_hits = g_list_model_get_n_items (G_LIST_MODEL (self->hits));
  gboolean running = self->search != NULL && burrow_search_get_running (self->search);
  g_autofree char *files = NULL;
  g_autofree char *hubs = NULL;
  guint n_hubs;

  gtk_spinner_set_spinning (self->running_spinner, running);
  gtk_widget_set_visible (GTK_WIDGET (self->running_spinner), running);
  gtk_spinner_set_spinning (self->waiting_spinner, running);

  if (self->search == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "start");
      return;
    }

  n_hubs = burrow_search_get_n_hubs (self->search);
  hubs = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Searching %u hub", "Searching %u hubs",
                                       n_hubs),
                          n_hubs);
  if (n_hits == 0)
    {
      gtk_label_set_text (self->waiting_label, hubs);
      gtk_stack_set_visible_child_name (self->stack, "waiting");
      return;
    }

  if (n_shown == n_hits)
    files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", n_hits), n_hits);
  else
    /* Translators: search results shown after the type and size filter, of all results */
    files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u file", "%u of %u files",
                                          n_hits), n_shown, n_hits);
  if (running)
    {
      g_autofree char *text = g_strdup_printf ("%s · %s", files, hubs);

      gtk_label_set_text (self->status_label, text);
    }
  else
    {
      gtk_label_set_text (self->status_label, files);
    }
  gtk_stack_set_visible_child_name (self->stack, "results");
}

static void
on_hits_items_changed_cb (BurrowSearchPage *self,
                          guint             position,
                          guint             removed,
                          guint             added,
                          GListModel       *hits)
{
  update_status (self);
}

static void
on_search_running_notify_cb (BurrowSearchPage *self,
                             GParamSpec       *pspec,
                             BurrowSearch     *search)
{
  update_status (self);
}

static void
stop_search (BurrowSearchPage *self)
{
  if (self->search == NULL)
    return;
  g_clear_signal_handler (&self->running_id, self->search);
  burrow_search_stop (self->search);
  g_clear_object (&self->search);
  burrow_search_model_set_results (self->hits, NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* Callbacks                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

static void
on_query_entry_activate_cb (BurrowSearchPage *self,
                            GtkSearchEntry   *entry)
{
  burrow_search_page_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_query_entry_search_changed_cb (BurrowSearchPage *self,
                                  GtkSearchEntry   *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  gtk_widget_set_sensitive (GTK_WIDGET (self->search_button), text != NULL && *text != '\0');
}

static void
on_search_button_clicked_cb (BurrowSearchPage *self,
                             GtkButton        *button)
{
  burrow_search_page_search (self, gtk_editable_get_text (GTK_EDITABLE (self->query_entry)));
}

static void
on_filter_changed_cb (BurrowSearchPage *self)
{
  gboolean limited = gtk_drop_down_get_selected (self->size_mode_dropdown) != SIZE_ANY;

  gtk_widget_set_sensitive (GTK_WIDGET (self->size_spin), limited);
  gtk_widget_set_sensitive (GTK_WIDGET (self->size_unit_dropdown), limited);
  gtk_filter_changed (GTK_FILTER (self->hit_filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (self->hits != NULL)
    update_status (self);
}

static void
on_message_close_clicked_cb (BurrowSearchPage *self,
                             GtkButton        *button)
{
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
}

static void
on_column_view_activate_cb (BurrowSearchPage *self,
                            guint             position,
                            GtkColumnView    *view)
{
  g_autoptr(BurrowSearchHit) hit = g_list_model_get_item (G_LIST_MODEL (self->selection),
                                                          position);

  if (hit != NULL)
    burrow_search_page_download (self, hit);
}

static void
on_selection_selected_item_notify_cb (BurrowSearchPage   *self,
                                      GParamSpec         *pspec,
                                      GtkSingleSelection *selection)
{
  update_actions (self);
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  BurrowSearchPage *self = BURROW_SEARCH_PAGE (widget);
  BurrowSearchHit *hit = selected_hit (self);

  if (hit != NULL)
    burrow_search_page_download (self, hit);
}

static void
copy_magnet_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BurrowSearchPage *self = BURROW_SEARCH_PAGE (widget);
  BurrowSearchHit *hit = selected_hit (self);
  g_autofree char *magnet = NULL;

  if (hit == NULL || (magnet = burrow_search_hit_dup_magnet (hit)) == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), magnet);
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/**
 * burrow_search_page_new:
 *
 * Returns: (transfer floating): a new search page; give it a client
 */
GtkWidget *
burrow_search_page_new (void)
{
  return g_object_new (BURROW_TYPE_SEARCH_PAGE, NULL);
}

/**
 * burrow_search_page_set_client:
 * @client: (nullable): the engine that searches
 */
void
burrow_search_page_set_client (BurrowSearchPage *self,
                               BurrowClient     *client)
{
  g_return_if_fail (BURROW_IS_SEARCH_PAGE (self));
  g_return_if_fail (client == NULL || BURROW_IS_CLIENT (client));

  if (self->client == client)
    return;
  stop_search (self);
  g_set_object (&self->client, client);
  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

/**
 * burrow_search_page_get_client:
 *
 * Returns: (transfer none) (nullable): the client
 */
BurrowClient *
burrow_search_page_get_client (BurrowSearchPage *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);
  return self->client;
}

/**
 * burrow_search_page_show_message:
 * @text: what to tell
 * @is_error: whether it is a problem (or just information)
 *
 * Shows @text in the bar under the search entry until dismissed or replaced.
 */
void
burrow_search_page_show_message (BurrowSearchPage *self,
                                 const char       *text,
                                 gboolean          is_error)
{
  g_return_if_fail (BURROW_IS_SEARCH_PAGE (self));
  g_return_if_fail (text != NULL);

  gtk_label_set_text (self->message_label, text);
  gtk_image_set_from_icon_name (self->message_icon, is_error ? "dialog-warning-symbolic"
                                                             : "dialog-information-symbolic");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_box), "burrow-info-bar-error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_box), "burrow-info-bar-error");
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);
}

/**
 * burrow_search_page_get_message:
 *
 * Returns: (nullable): the text of the message bar, when it is shown
 */
const char *
burrow_search_page_get_message (BurrowSearchPage *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->message_revealer))
    return NULL;
  return gtk_label_get_text (self->message_label);
}

/**
 * burrow_search_page_search:
 * @query: words, or a TTH
 *
 * Starts a search on every connected hub with the page's type and size filter (and shows
 * @query in the entry). Problems (no hub, an empty query) are shown in the page.
 *
 * Returns: %TRUE if the search was sent
 */
gboolean
burrow_search_page_search (BurrowSearchPage *self,
                           const char       *query)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BurrowSearchFilter filter;

  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), FALSE);

  text = g_strstrip (g_strdup (query != NULL ? query : ""));
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->query_entry)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->query_entry), text);
  if (*text == '\0' || self->client == NULL)
    return FALSE;

  stop_search (self);
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);

  get_filter (self, &filter);
  self->search = burrow_client_new_search (self->client, text, &filter);
  if (!burrow_search_start (self->search, &error))
    {
      g_autofree char *message = NULL;

      g_clear_object (&self->search);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
        message = g_strdup (_("Connect to a hub first: searches go to the users of the hubs "
                              "you are on."));
      else
        /* Translators: %s says why a search could not be sent */
        message = g_strdup_printf (_("Could not search: %s"), error->message);
      burrow_search_page_show_message (self, message, TRUE);
      update_status (self);
      return FALSE;
    }

  self->running_id = g_signal_connect_object (self->search, "notify::running",
                                              G_CALLBACK (on_search_running_notify_cb), self,
                                              G_CONNECT_SWAPPED);
  burrow_search_model_set_results (self->hits, burrow_search_get_results (self->search));
  update_status (self);
  update_actions (self);
  return TRUE;
}

/**
 * burrow_search_page_get_search:
 *
 * Returns: (transfer none) (nullable): the running or last search
 */
BurrowSearch *
burrow_search_page_get_search (BurrowSearchPage *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);
  return self->search;
}

/**
 * burrow_search_page_get_hits:
 *
 * Returns: (transfer none): all results grouped by file, unfiltered, in order of arrival
 */
BurrowSearchModel *
burrow_search_page_get_hits (BurrowSearchPage *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);
  return self->hits;
}

/**
 * burrow_search_page_get_model:
 *
 * Returns: (transfer none): the rows as shown: filtered and sorted
 */
GListModel *
burrow_search_page_get_model (BurrowSearchPage *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);
  return G_LIST_MODEL (self->selection);
}

/**
 * burrow_search_page_lookup_tth:
 *
 * Returns: (transfer none) (nullable): the row of the file with @tth in the current results
 */
BurrowSearchHit *
burrow_search_page_lookup_tth (BurrowSearchPage *self,
                               const char       *tth)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);
  return burrow_search_model_lookup_tth (self->hits, tth);
}

/**
 * burrow_search_page_get_entry:
 *
 * Returns: (transfer none): the query entry
 */
GtkSearchEntry *
burrow_search_page_get_entry (BurrowSearchPage *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), NULL);
  return self->query_entry;
}

/**
 * burrow_search_page_set_kind:
 * @kind: 0 any, 1 audio, 2 archives, 3 documents, 4 programs, 5 pictures, 6 video, 7 folders
 */
void
burrow_search_page_set_kind (BurrowSearchPage *self,
                             guint             kind)
{
  g_return_if_fail (BURROW_IS_SEARCH_PAGE (self));
  g_return_if_fail (kind <= KIND_FOLDER);

  gtk_drop_down_set_selected (self->kind_dropdown, kind);
}

/**
 * burrow_search_page_download:
 * @hit: a row of the results
 *
 * Asks the application to download @hit (`app.download` with its magnet link); the
 * application takes the sources from this page.
 *
 * Returns: %TRUE if the action was activated (folders cannot be downloaded from a search)
 */
gboolean
burrow_search_page_download (BurrowSearchPage *self,
                             BurrowSearchHit  *hit)
{
  g_autofree char *magnet = NULL;

  g_return_val_if_fail (BURROW_IS_SEARCH_PAGE (self), FALSE);
  g_return_val_if_fail (BURROW_IS_SEARCH_HIT (hit), FALSE);

  magnet = burrow_search_hit_dup_magnet (hit);
  if (magnet == NULL)
    {
      burrow_search_page_show_message (self, _("Folders are downloaded from the user’s file "
                                               "list: browse the user’s files instead."), TRUE);
      return FALSE;
    }
  return gtk_widget_activate_action (GTK_WIDGET (self), "app.download", "s", magnet);
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
burrow_search_page_dispose (GObject *object)
{
  BurrowSearchPage *self = BURROW_SEARCH_PAGE (object);
  GtkWidget *child;

  stop_search (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_SEARCH_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  if (self->hits != NULL)
    g_signal_handlers_disconnect_by_func (self->hits, on_hits_items_changed_cb, self);
  g_clear_object (&self->hits);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (burrow_search_page_parent_class)->dispose (object);
}

static void
burrow_search_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  BurrowSearchPage *self = BURROW_SEARCH_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  BurrowSearchPage *self = BURROW_SEARCH_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: burrow_search_page_set_client (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_page_class_init (BurrowSearchPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_search_page_dispose;
  object_class->get_property = burrow_search_page_get_property;
  object_class->set_property = burrow_search_page_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         BURROW_TYPE_CLIENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BURROW_TYPE_SEARCH_HIT);

  gtk_widget_class_set_template_from_resource (widget_class, BURROW_RESOURCE_PATH
                                               "/ui/burrow-search-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, filter_model);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, hit_filter);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, message_box);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, message_icon);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, query_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, running_spinner);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, search_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, selection);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, size_mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, size_spin);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, size_unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, sources_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowSearchPage, waiting_spinner);
  gtk_widget_class_bind_template_callback (widget_class, format_count);
  gtk_widget_class_bind_template_callback (widget_class, format_folder);
  gtk_widget_class_bind_template_callback (widget_class, format_size);
  gtk_widget_class_bind_template_callback (widget_class, format_sources);
  gtk_widget_class_bind_template_callback (widget_class, hit_icon);
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_message_close_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_query_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_query_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_selected_item_notify_cb);

  gtk_widget_class_install_action (widget_class, "search.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "search.copy-magnet", NULL, copy_magnet_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_search_page_init (BurrowSearchPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->hits = burrow_search_model_new (NULL);
  g_signal_connect_swapped (self->hits, "items-changed", G_CALLBACK (on_hits_items_changed_cb),
                            self);
  gtk_custom_filter_set_filter_func (self->hit_filter, hit_matches, self, NULL);
  gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (self->hits));
  /* Files most users have first. */
  gtk_column_view_sort_by_column (self->column_view, self->sources_column, GTK_SORT_DESCENDING);

  on_query_entry_search_changed_cb (self, self->query_entry);
  update_actions (self);
  update_status (self);
}
