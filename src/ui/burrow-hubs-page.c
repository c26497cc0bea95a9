/* burrow-hubs-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hubs-page"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-application.h"
#include "burrow-chat-view.h"
#include "burrow-encoding-entry.h"
#include "burrow-favorite-dialog.h"
#include "burrow-hub-page.h"
#include "burrow-ui-format.h"

#include "burrow-hubs-page.h"

/* The page is a GtkStack: "overview" (connect bar, open hubs, favourites) and one
 * BurrowHubPage per session, reached by activating a hub and left with the back button, as
 * GNOME Settings does for its sub-pages. */

/* Strings of the list item templates in burrow-hubs-page.ui: xgettext does not look inside
 * their CDATA, so they are marked here; the templates' GtkBuilder translates them at run time. */
static const char * const template_strings[] G_GNUC_UNUSED = {
  N_("At start"),
  N_("Connect"),
  N_("Edit"),
  N_("Remove"),
};

struct _BurrowHubsPage
{
  GtkWidget            parent_instance;

  /* template widgets */
  GtkButton           *add_favorite_button;
  GtkButton           *connect_button;
  BurrowEncodingEntry *connect_encoding_entry;
  GtkLabel            *connect_encoding_label;
  GtkEntry            *connect_entry;
  GtkLabel            *connect_error_label;
  GtkRevealer         *connect_error_revealer;
  GtkExpander         *connect_options_expander;
  GtkStack            *favorites_stack;
  GtkListView         *favorites_view;
  GtkStack            *sessions_stack;
  GtkListView         *sessions_view;
  GtkStack            *stack;

  /* owned */
  BurrowClient        *client;
  GHashTable          *pages;           /* BurrowHubSession → BurrowHubPage (owned by stack) */
  GSignalGroup        *hubs_signals;
  GSignalGroup        *favorites_signals;
  guint                page_serial;
};

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowHubsPage, burrow_hubs_page, GTK_TYPE_WIDGET)

/* Template callbacks used as closures in the list item templates. */

static char *
hub_title (gpointer    unused,
           const char *hub_name,
           const char *uri)
{
  return burrow_ui_format_hub_title (hub_name, uri);
}

static char *
state_label (gpointer       unused,
             BurrowHubState state)
{
  return g_strdup (burrow_ui_format_hub_state (state));
}

static GStrv
state_classes (gpointer       unused,
               BurrowHubState state)
{
  const char *classes[] = { "burrow-state", burrow_ui_hub_state_css_class (state), NULL };

  return g_strdupv ((char **) classes);
}

static char *
users_label (gpointer       unused,
             BurrowHubState state,
             guint          n_users)
{
  if (state != BURROW_HUB_STATE_NORMAL)
    return g_strdup ("");
  return burrow_ui_format_n_users (n_users);
}

static void
show_connect_error (BurrowHubsPage *self,
                    const char     *message)
{
  if (message != NULL)
    {
      gtk_label_set_text (self->connect_error_label, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->connect_entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->connect_entry), "error");
    }
  gtk_revealer_set_reveal_child (self->connect_error_revealer, message != NULL);
}

static BurrowApplication *
get_application (BurrowHubsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root))
                                             : NULL;

  return BURROW_IS_APPLICATION (app) ? BURROW_APPLICATION (app) : NULL;
}

static gboolean
connect_with_encoding (BurrowHubsPage *self,
                       const char     *uri,
                       const char     *encoding)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BurrowApplication *app;
  BurrowHubSession *session;

  text = g_strstrip (g_strdup (uri));
  if (*text == '\0')
    {
      show_connect_error (self, _("Enter the address of a hub, for example "
                                  "adc://hub.example.org:1511 or dchub://hub.example.org"));
      return FALSE;
    }

  app = get_application (self);
  if (app == NULL)
    return FALSE;

  session = burrow_application_open_hub_full (app, text, encoding, &error);
  if (session == NULL)
    {
      /* (The bar's own encoding was checked by burrow_hubs_page_connect (); a favourite's
       * wrong one is named in the message.) */
      show_connect_error (self, error->message);
      return FALSE;
    }

  show_connect_error (self, NULL);
  burrow_hubs_page_show_hub (self, session);
  return TRUE;
}

/**
 * burrow_hubs_page_connect:
 * @uri: what the user typed
 *
 * Connects to @uri (or reuses its open session) and shows its page, with the encoding of the
 * connect bar's options (if set; else a favourite's, else the default). Errors, such as an
 * invalid address or an unknown encoding for an NMDC hub, are shown under the entry.
 *
 * Returns: %TRUE if a session is now open for @uri
 */
gboolean
burrow_hubs_page_connect (BurrowHubsPage *self,
                          const char     *uri)
{
  g_autoptr(BurrowHubUri) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *encoding = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  /* For an ADC address the field is insensitive: what it holds cannot be an error there. A
   * wrong address is reported first (by connect_with_encoding). */
  text = g_strstrip (g_strdup (uri));
  parsed = burrow_hub_uri_parse (text, NULL);
  if (parsed != NULL && !burrow_hub_uri_is_adc (parsed) &&
      !burrow_encoding_entry_check (self->connect_encoding_entry, &error))
    {
      show_connect_error (self, error->message);
      gtk_widget_remove_css_class (GTK_WIDGET (self->connect_entry), "error");
      gtk_expander_set_expanded (self->connect_options_expander, TRUE);
      return FALSE;
    }
  encoding = burrow_encoding_entry_dup_encoding (self->connect_encoding_entry);

  return connect_with_encoding (self, uri, encoding);
}

static void
on_connect_entry_activate_cb (BurrowHubsPage *self,
                              GtkEntry       *entry)
{
  if (burrow_hubs_page_connect (self, gtk_editable_get_text (GTK_EDITABLE (entry))))
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_connect_button_clicked_cb (BurrowHubsPage *self,
                              GtkButton      *button)
{
  on_connect_entry_activate_cb (self, self->connect_entry);
}

static void
on_connect_entry_changed_cb (BurrowHubsPage *self,
                             GtkEntry       *entry)
{
  g_autoptr(BurrowHubUri) parsed = NULL;
  gboolean adc;

  show_connect_error (self, NULL);

  /* The encoding is for NMDC hubs only; while the address is incomplete, keep it open. */
  parsed = burrow_hub_uri_parse (gtk_editable_get_text (GTK_EDITABLE (entry)), NULL);
  adc = parsed != NULL && burrow_hub_uri_is_adc (parsed);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_encoding_label), !adc);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_encoding_entry), !adc);
}

static void
on_connect_encoding_entry_changed_cb (BurrowHubsPage      *self,
                                      BurrowEncodingEntry *entry)
{
  show_connect_error (self, NULL);
}

static void
on_sessions_view_activate_cb (BurrowHubsPage *self,
                              guint           position,
                              GtkListView    *view)
{
  g_autoptr(BurrowHubSession) session = NULL;

  session = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (view)), position);
  if (session != NULL)
    burrow_hubs_page_show_hub (self, session);
}

static void
connect_favorite (BurrowHubsPage    *self,
                  BurrowFavoriteHub *favorite)
{
  /* The favourite's own encoding, not the connect bar's. */
  connect_with_encoding (self, burrow_favorite_hub_get_uri (favorite), NULL);
}

static void
on_favorites_view_activate_cb (BurrowHubsPage *self,
                               guint           position,
                               GtkListView    *view)
{
  g_autoptr(BurrowFavoriteHub) favorite = NULL;

  favorite = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (view)), position);
  if (favorite != NULL)
    connect_favorite (self, favorite);
}

static BurrowHubsPage *
page_of_list_item_widget (GtkWidget *widget)
{
  return BURROW_HUBS_PAGE (gtk_widget_get_ancestor (widget, BURROW_TYPE_HUBS_PAGE));
}

/* Row buttons: the signals in the list item template pass their GtkListItem (swapped). */

static void
on_favorite_connect_clicked_cb (GtkListItem *list_item,
                                GtkButton   *button)
{
  BurrowFavoriteHub *favorite = gtk_list_item_get_item (list_item);

  if (favorite != NULL)
    connect_favorite (page_of_list_item_widget (GTK_WIDGET (button)), favorite);
}

static void
on_favorite_edit_clicked_cb (GtkListItem *list_item,
                             GtkButton   *button)
{
  BurrowFavoriteHub *favorite = gtk_list_item_get_item (list_item);

  if (favorite != NULL)
    burrow_hubs_page_edit_favorite (page_of_list_item_widget (GTK_WIDGET (button)), favorite);
}

static void
on_favorite_remove_clicked_cb (GtkListItem *list_item,
                               GtkButton   *button)
{
  BurrowHubsPage *self = page_of_list_item_widget (GTK_WIDGET (button));
  BurrowFavoriteHub *favorite = gtk_list_item_get_item (list_item);
  g_autoptr(GError) error = NULL;

  if (favorite == NULL || self->client == NULL)
    return;
  if (!burrow_favorite_hubs_remove (burrow_client_get_favorite_hubs (self->client), favorite,
                                    &error))
    show_connect_error (self, error->message);
}

static void
on_favorite_switch_active_notify_cb (GtkListItem *list_item,
                                     GParamSpec  *pspec,
                                     GtkSwitch   *widget)
{
  BurrowFavoriteHub *favorite = gtk_list_item_get_item (list_item);

  /* The binding shows the stored value; this writes the user's change back (and the store
   * saves it). */
  if (favorite != NULL)
    burrow_favorite_hub_set_auto_connect (favorite, gtk_switch_get_active (widget));
}

/**
 * burrow_hubs_page_edit_favorite:
 * @favorite: (nullable): the favourite to edit, or %NULL to add one
 *
 * Opens the favourite hub dialog.
 *
 * Returns: (transfer none): the dialog
 */
GtkWidget *
burrow_hubs_page_edit_favorite (BurrowHubsPage    *self,
                                BurrowFavoriteHub *favorite)
{
  GtkRoot *root;
  GtkWidget *dialog;

  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  g_return_val_if_fail (self->client != NULL, NULL);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = burrow_favorite_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                       burrow_client_get_favorite_hubs (self->client), favorite);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
hubs_add_favorite_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  burrow_hubs_page_edit_favorite (BURROW_HUBS_PAGE (widget), NULL);
}

static void
hubs_show_overview_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  burrow_hubs_page_show_overview (BURROW_HUBS_PAGE (widget));
}

static void
update_empty_states (BurrowHubsPage *self)
{
  guint n_sessions = 0;
  guint n_favorites = 0;

  if (self->client != NULL)
    {
      n_sessions = g_list_model_get_n_items (burrow_client_get_hubs (self->client));
      n_favorites = g_list_model_get_n_items (G_LIST_MODEL (
                                                burrow_client_get_favorite_hubs (self->client)));
    }
  gtk_stack_set_visible_child_name (self->sessions_stack, n_sessions > 0 ? "list" : "empty");
  gtk_stack_set_visible_child_name (self->favorites_stack, n_favorites > 0 ? "list" : "empty");
}

static void
sync_pages (BurrowHubsPage *self)
{
  GListModel *hubs = self->client ? burrow_client_get_hubs (self->client) : NULL;
  guint n = hubs ? g_list_model_get_n_items (hubs) : 0;
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (hubs, i);

      g_hash_table_add (present, session);
      if (!g_hash_table_contains (self->pages, session))
        {
          g_autofree char *name = g_strdup_printf ("hub-%u", ++self->page_serial);
          GtkWidget *page = burrow_hub_page_new (self->client, session);

          gtk_stack_add_named (self->stack, page, name);
          g_hash_table_insert (self->pages, g_object_ref (session), page);
        }
    }

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GtkWidget *page = value;

      if (g_hash_table_contains (present, key))
        continue;
      if (gtk_stack_get_visible_child (self->stack) == page)
        gtk_stack_set_visible_child_name (self->stack, "overview");
      gtk_stack_remove (self->stack, page);
      g_hash_table_iter_remove (&iter);
    }

  update_empty_states (self);
}

static void
on_hubs_items_changed_cb (BurrowHubsPage *self,
                          guint           position,
                          guint           removed,
                          guint           added,
                          GListModel     *hubs)
{
  sync_pages (self);
}

static void
on_favorites_items_changed_cb (BurrowHubsPage *self,
                               guint           position,
                               guint           removed,
                               guint           added,
                               GListModel     *favorites)
{
  update_empty_states (self);
}

void
burrow_hubs_page_set_client (BurrowHubsPage *self,
                             BurrowClient   *client)
{
  g_autoptr(GtkSelectionModel) sessions = NULL;
  g_autoptr(GtkSelectionModel) favorites = NULL;

  g_return_if_fail (BURROW_IS_HUBS_PAGE (self));
  g_return_if_fail (client == NULL || BURROW_IS_CLIENT (client));

  if (!g_set_object (&self->client, client))
    return;

  if (client != NULL)
    {
      GListModel *hubs = burrow_client_get_hubs (client);
      GListModel *saved = G_LIST_MODEL (burrow_client_get_favorite_hubs (client));

      sessions = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (hubs)));
      favorites = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (saved)));
    }
  gtk_list_view_set_model (self->sessions_view, sessions);
  gtk_list_view_set_model (self->favorites_view, favorites);
  g_signal_group_set_target (self->hubs_signals, client ? burrow_client_get_hubs (client) : NULL);
  g_signal_group_set_target (self->favorites_signals,
                             client ? burrow_client_get_favorite_hubs (client) : NULL);

  sync_pages (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

BurrowClient *
burrow_hubs_page_get_client (BurrowHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  return self->client;
}

/**
 * burrow_hubs_page_get_hub_page:
 *
 * Returns: (transfer none) (nullable): the page of @session
 */
BurrowHubPage *
burrow_hubs_page_get_hub_page (BurrowHubsPage   *self,
                               BurrowHubSession *session)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  return g_hash_table_lookup (self->pages, session);
}

/**
 * burrow_hubs_page_show_hub:
 *
 * Returns: (transfer none) (nullable): the page of @session, now visible
 */
BurrowHubPage *
burrow_hubs_page_show_hub (BurrowHubsPage   *self,
                           BurrowHubSession *session)
{
  BurrowHubPage *page;

  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (session), NULL);

  page = g_hash_table_lookup (self->pages, session);
  if (page == NULL)
    {
      sync_pages (self);
      page = g_hash_table_lookup (self->pages, session);
    }
  if (page != NULL)
    {
      gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
      burrow_chat_view_focus_entry (burrow_hub_page_get_main_chat (page));
    }
  return page;
}

/**
 * burrow_hubs_page_get_visible_hub:
 *
 * Returns: (transfer none) (nullable): the hub page on screen, %NULL on the overview
 */
BurrowHubPage *
burrow_hubs_page_get_visible_hub (BurrowHubsPage *self)
{
  GtkWidget *child;

  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);

  child = gtk_stack_get_visible_child (self->stack);
  return BURROW_IS_HUB_PAGE (child) ? BURROW_HUB_PAGE (child) : NULL;
}

void
burrow_hubs_page_show_overview (BurrowHubsPage *self)
{
  g_return_if_fail (BURROW_IS_HUBS_PAGE (self));
  gtk_stack_set_visible_child_name (self->stack, "overview");
}

GtkEntry *
burrow_hubs_page_get_connect_entry (BurrowHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  return self->connect_entry;
}

/**
 * burrow_hubs_page_get_connect_encoding_entry:
 *
 * Returns: (transfer none): the connect bar's encoding, under its options expander
 */
BurrowEncodingEntry *
burrow_hubs_page_get_connect_encoding_entry (BurrowHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  return self->connect_encoding_entry;
}

/**
 * burrow_hubs_page_get_connect_error:
 *
 * Returns: (nullable): the error shown under the connect entry, %NULL when there is none
 */
const char *
burrow_hubs_page_get_connect_error (BurrowHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->connect_error_revealer))
    return NULL;
  return gtk_label_get_text (self->connect_error_label);
}

GtkListView *
burrow_hubs_page_get_favorites_view (BurrowHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  return self->favorites_view;
}

GtkListView *
burrow_hubs_page_get_sessions_view (BurrowHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUBS_PAGE (self), NULL);
  return self->sessions_view;
}

static void
burrow_hubs_page_dispose (GObject *object)
{
  BurrowHubsPage *self = BURROW_HUBS_PAGE (object);
  GtkWidget *child;

  if (self->hubs_signals != NULL)
    g_signal_group_set_target (self->hubs_signals, NULL);
  if (self->favorites_signals != NULL)
    g_signal_group_set_target (self->favorites_signals, NULL);
  g_clear_object (&self->hubs_signals);
  g_clear_object (&self->favorites_signals);
  if (self->pages != NULL)
    g_hash_table_remove_all (self->pages);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_HUBS_PAGE);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (burrow_hubs_page_parent_class)->dispose (object);
}

static void
burrow_hubs_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BurrowHubsPage *self = BURROW_HUBS_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hubs_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  BurrowHubsPage *self = BURROW_HUBS_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: burrow_hubs_page_set_client (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hubs_page_class_init (BurrowHubsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_hubs_page_dispose;
  object_class->get_property = burrow_hubs_page_get_property;
  object_class->set_property = burrow_hubs_page_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, BURROW_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BURROW_TYPE_HUB_SESSION);
  g_type_ensure (BURROW_TYPE_FAVORITE_HUB);
  g_type_ensure (BURROW_TYPE_ENCODING_ENTRY);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-hubs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, add_favorite_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_encoding_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_encoding_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_error_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, connect_options_expander);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, favorites_stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, favorites_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, sessions_stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, sessions_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubsPage, stack);
  gtk_widget_class_bind_template_callback (widget_class, hub_title);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_encoding_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_favorite_connect_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_favorite_edit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_favorite_remove_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_favorite_switch_active_notify_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_favorites_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_sessions_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, state_classes);
  gtk_widget_class_bind_template_callback (widget_class, state_label);
  gtk_widget_class_bind_template_callback (widget_class, users_label);

  gtk_widget_class_install_action (widget_class, "hubs.add-favorite", NULL,
                                   hubs_add_favorite_action);
  gtk_widget_class_install_action (widget_class, "hubs.show-overview", NULL,
                                   hubs_show_overview_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_hubs_page_init (BurrowHubsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->pages = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  self->hubs_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->hubs_signals, "items-changed",
                                 G_CALLBACK (on_hubs_items_changed_cb), self, G_CONNECT_SWAPPED);
  self->favorites_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->favorites_signals, "items-changed",
                                 G_CALLBACK (on_favorites_items_changed_cb), self,
                                 G_CONNECT_SWAPPED);
  update_empty_states (self);
}
