/* burrow-public-hubs-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-public-hubs-page"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "burrow-application.h"
#include "burrow-encoding-entry.h"
#include "burrow-public-hub-model.h"
#include "burrow-window.h"

#include "burrow-public-hubs-page.h"

/* The rows: the client's BurrowPublicHubs, sorted and filtered by a BurrowPublicHubModel (see
 * there why not GtkSortListModel and GtkFilterListModel), in a GtkSingleSelection shown by a
 * GtkColumnView. */

#define N_COLUMNS BURROW_PUBLIC_HUB_N_COLUMNS

typedef struct
{
  BurrowPublicHubsPage  *page;
  BurrowPublicHubColumn  column;
} ColumnData;

struct _BurrowPublicHubsPage
{
  GtkWidget            parent_instance;

  /* template widgets */
  GtkColumnView       *column_view;
  GtkLabel            *count_label;
  GtkLabel            *empty_label;
  GtkLabel            *error_label;
  GtkSpinner          *refresh_spinner;
  GtkSearchEntry      *search_entry;
  GtkSingleSelection  *selection;
  GtkStack            *stack;
  GtkBox              *status_box;
  GtkColumnViewColumn *columns[N_COLUMNS];

  /* owned */
  BurrowClient        *client;
  BurrowPublicHubs    *hubs;
  BurrowPublicHubModel *model;
  BurrowPublicHub     *probe_a;        /* see on_column_view_sorter_changed_cb () */
  BurrowPublicHub     *probe_b;
  BurrowPublicHubColumn probed_column;
  GCancellable        *cancellable;
  GHashTable          *name_cells;     /* GtkListItem of the name column, while bound */
  ColumnData           column_data[N_COLUMNS];
  gboolean             refreshing;
  gboolean             refreshed;      /* a refresh was started once */
};

G_DEFINE_FINAL_TYPE (BurrowPublicHubsPage, burrow_public_hubs_page, GTK_TYPE_WIDGET)

/* --- hubs ------------------------------------------------------------------------------------ */

static gboolean
is_nmdc (BurrowPublicHub *hub)
{
  BurrowHubProtocol protocol = burrow_public_hub_get_protocol (hub);

  return protocol == BURROW_HUB_PROTOCOL_NMDC || protocol == BURROW_HUB_PROTOCOL_NMDCS;
}

/* The list's charset for an NMDC hub when this system knows it, else NULL (the default). */
static const char *
list_encoding (BurrowPublicHub *hub)
{
  const char *encoding = burrow_public_hub_get_encoding (hub);

  if (!is_nmdc (hub) || encoding == NULL || !burrow_encoding_check_name (encoding, NULL))
    return NULL;
  return encoding;
}

/* The hub a list item shows now (its item is a row of the model, see there). */
static BurrowPublicHub *
item_hub (GtkListItem *item)
{
  BurrowPublicHubRow *row = gtk_list_item_get_item (item);

  return row != NULL ? burrow_public_hub_row_get_hub (row) : NULL;
}

static const char *
display_name (BurrowPublicHub *hub)
{
  const char *name = burrow_public_hub_get_name (hub);

  return name != NULL && *name != '\0' ? name : burrow_public_hub_get_address (hub);
}

/**
 * burrow_public_hubs_page_dup_unmet_reason:
 * @hub: a hub of the list
 *
 * Returns: (transfer full) (nullable): why we may not join @hub (its minimum share or slots
 *   against ours), one reason a line; %NULL when we meet them
 */
char *
burrow_public_hubs_page_dup_unmet_reason (BurrowPublicHubsPage *self,
                                          BurrowPublicHub      *hub)
{
  g_autoptr(GString) reason = NULL;
  guint64 min_share;
  guint min_slots;

  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), NULL);
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (hub), NULL);

  if (self->client == NULL)
    return NULL;

  min_share = burrow_public_hub_get_min_share (hub);
  min_slots = burrow_public_hub_get_min_slots (hub);
  reason = g_string_new (NULL);
  if (min_share > 0)
    {
      guint64 ours = burrow_share_get_total_size (burrow_client_get_share (self->client));

      if (ours < min_share)
        {
          g_autofree char *need = g_format_size (min_share);
          g_autofree char *have = g_format_size (ours);

          /* Translators: a public hub's minimum share; the sizes are like "10.0 GB" */
          g_string_append_printf (reason, _("This hub asks for a share of at least %s; you share %s."),
                                  need, have);
        }
    }
  if (min_slots > 0)
    {
      guint ours = burrow_client_get_slots (self->client);

      if (ours < min_slots)
        {
          if (reason->len > 0)
            g_string_append_c (reason, '\n');
          g_string_append_printf (reason,
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "This hub asks for at least %u upload slot; you have %u.",
                                               "This hub asks for at least %u upload slots; you have %u.",
                                               min_slots),
                                  min_slots, ours);
        }
    }
  return reason->len > 0 ? g_string_free (g_steal_pointer (&reason), FALSE) : NULL;
}

/* --- cells ----------------------------------------------------------------------------------- */

static void
update_name_cell (BurrowPublicHubsPage *self,
                  GtkListItem          *item)
{
  BurrowPublicHub *hub = item_hub (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  g_autofree char *reason = NULL;

  if (hub == NULL)
    return;
  reason = burrow_public_hubs_page_dup_unmet_reason (self, hub);
  gtk_widget_set_visible (icon, reason != NULL);
  /* The tooltip is computed when shown (on_cell_query_tooltip_cb ()): setting one asks the
   * display where the pointer is, a round trip on X11 for each row bound while scrolling or
   * filtering. The accessible label is set when it changes. */
  if (g_strcmp0 (g_object_get_data (G_OBJECT (icon), "burrow-reason"), reason) != 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, reason ?: "",
                                      -1);
      g_object_set_data_full (G_OBJECT (icon), "burrow-reason", g_steal_pointer (&reason),
                              g_free);
    }
}

/* The tooltips of the cells, computed when shown rather than set at each bind (see
 * update_name_cell ()): the unmet minimum of the warning icon, the address of the name, the
 * whole description. */
static gboolean
on_cell_query_tooltip_cb (GtkWidget  *widget,
                          int         x,
                          int         y,
                          gboolean    keyboard,
                          GtkTooltip *tooltip,
                          ColumnData *data)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (widget), "burrow-list-item");
  BurrowPublicHub *hub = item != NULL ? item_hub (item) : NULL;
  const char *text;

  if (hub == NULL)
    return FALSE;
  if (GTK_IS_IMAGE (widget))
    text = g_object_get_data (G_OBJECT (widget), "burrow-reason");
  else if (data->column == BURROW_PUBLIC_HUB_COLUMN_NAME)
    text = burrow_public_hub_get_address (hub);
  else
    text = burrow_public_hub_get_description (hub);
  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_cell_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  ColumnData               *data)
{
  /* GtkInscription rather than GtkLabel: it is measured without laying out its text, which
   * matters when many rows are made at once (a new list, a jump in the scrollbar). */
  GtkWidget *text = gtk_inscription_new (NULL);

  g_object_set_data (G_OBJECT (item), "burrow-column", data);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (text),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  if (data->column == BURROW_PUBLIC_HUB_COLUMN_NAME ||
      data->column == BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION)
    {
      g_object_set_data (G_OBJECT (text), "burrow-list-item", item);
      gtk_widget_set_has_tooltip (text, TRUE);
      g_signal_connect (text, "query-tooltip", G_CALLBACK (on_cell_query_tooltip_cb), data);
    }
  switch (data->column)
    {
    case BURROW_PUBLIC_HUB_COLUMN_NAME:
      {
        GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
        GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

        gtk_widget_add_css_class (icon, "warning");
        gtk_widget_set_visible (icon, FALSE);
        g_object_set_data (G_OBJECT (icon), "burrow-list-item", item);
        gtk_widget_set_has_tooltip (icon, TRUE);
        g_signal_connect (icon, "query-tooltip", G_CALLBACK (on_cell_query_tooltip_cb), data);
        gtk_widget_set_hexpand (text, TRUE);
        gtk_box_append (GTK_BOX (box), icon);
        gtk_box_append (GTK_BOX (box), text);
        gtk_list_item_set_child (item, box);
        return;
      }
    case BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION:
    case BURROW_PUBLIC_HUB_COLUMN_COUNTRY:
    case BURROW_PUBLIC_HUB_COLUMN_PROTOCOL:
      break;
    case BURROW_PUBLIC_HUB_COLUMN_USERS:
    case BURROW_PUBLIC_HUB_COLUMN_SHARED:
    case BURROW_PUBLIC_HUB_COLUMN_MIN_SHARE:
    case BURROW_PUBLIC_HUB_COLUMN_MIN_SLOTS:
    case BURROW_PUBLIC_HUB_COLUMN_RELIABILITY:
    case N_COLUMNS:
    default:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (text), 1);
      gtk_widget_add_css_class (text, "numeric");
      break;
    }
  gtk_list_item_set_child (item, text);
}

static char *
format_size_or_empty (guint64 size)
{
  return size > 0 ? g_format_size (size) : g_strdup ("");
}

static void
fill_cell (ColumnData  *data,
           GtkListItem *item)
{
  BurrowPublicHub *hub = item_hub (item);
  g_autofree char *text = NULL;
  GtkWidget *cell;

  if (hub == NULL)
    return;

  cell = gtk_list_item_get_child (item);
  switch (data->column)
    {
    case BURROW_PUBLIC_HUB_COLUMN_NAME:
      gtk_inscription_set_text (GTK_INSCRIPTION (gtk_widget_get_last_child (cell)),
                                display_name (hub));
      g_hash_table_add (data->page->name_cells, item);
      update_name_cell (data->page, item);
      return;
    case BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION:
      gtk_inscription_set_text (GTK_INSCRIPTION (cell), burrow_public_hub_get_description (hub));
      return;
    case BURROW_PUBLIC_HUB_COLUMN_USERS:
      text = g_strdup_printf ("%u", burrow_public_hub_get_users (hub));
      break;
    case BURROW_PUBLIC_HUB_COLUMN_SHARED:
      text = format_size_or_empty (burrow_public_hub_get_shared (hub));
      break;
    case BURROW_PUBLIC_HUB_COLUMN_COUNTRY:
      text = g_strdup (burrow_public_hub_get_country (hub) ?: "");
      break;
    case BURROW_PUBLIC_HUB_COLUMN_PROTOCOL:
      text = g_strdup (burrow_public_hub_protocol_name (burrow_public_hub_get_protocol (hub)));
      break;
    case BURROW_PUBLIC_HUB_COLUMN_MIN_SHARE:
      text = format_size_or_empty (burrow_public_hub_get_min_share (hub));
      break;
    case BURROW_PUBLIC_HUB_COLUMN_MIN_SLOTS:
      text = burrow_public_hub_get_min_slots (hub) > 0
             ? g_strdup_printf ("%u", burrow_public_hub_get_min_slots (hub))
             : g_strdup ("");
      break;
    case BURROW_PUBLIC_HUB_COLUMN_RELIABILITY:
      /* Translators: a hub's reliability (the share of the list server's checks it answered) */
      text = burrow_public_hub_get_reliability (hub) > 0
             ? g_strdup_printf (_("%.0f %%"), burrow_public_hub_get_reliability (hub))
             : g_strdup ("");
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
  gtk_inscription_set_text (GTK_INSCRIPTION (cell), text);
}

/* The row shows another hub (a new order or filter). */
static void
on_row_hub_notify_cb (BurrowPublicHubRow *row,
                      GParamSpec         *pspec,
                      GtkListItem        *item)
{
  fill_cell (g_object_get_data (G_OBJECT (item), "burrow-column"), item);
}

static void
on_cell_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 ColumnData               *data)
{
  g_signal_connect (gtk_list_item_get_item (item), "notify::hub",
                    G_CALLBACK (on_row_hub_notify_cb), item);
  fill_cell (data, item);
}

static void
on_cell_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   ColumnData               *data)
{
  gpointer row = gtk_list_item_get_item (item);

  if (row != NULL)
    g_signal_handlers_disconnect_by_func (row, on_row_hub_notify_cb, item);
  if (data->column == BURROW_PUBLIC_HUB_COLUMN_NAME)
    g_hash_table_remove (data->page->name_cells, item);
}

/* Our share or slots changed: the marks of the rows on screen follow. */
static void
on_requirements_changed_cb (BurrowPublicHubsPage *self)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->name_cells);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    update_name_cell (self, item);
}

/* --- sorting and filtering ------------------------------------------------------------------- */

/* Each column has a GtkCustomSorter, so that its header can be clicked and shows the arrow, but
 * the column view's sorter sorts nothing itself (GTK 4.8 has no API for its primary column
 * either): when it changes, it compares two probe hubs; the first column sorter it asks records
 * its column, and the sign of the result gives the direction. */
static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  ColumnData *data = user_data;
  BurrowPublicHubsPage *self = data->page;

  if (a != self->probe_a && a != self->probe_b)
    return GTK_ORDERING_EQUAL;
  if (self->probed_column == N_COLUMNS)
    self->probed_column = data->column;
  return a == self->probe_a ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
}

static void
on_column_view_sorter_changed_cb (BurrowPublicHubsPage *self)
{
  GtkOrdering ordering;

  /* (The columns go in dispose: the sorter changes then too.) */
  if (self->column_view == NULL || self->model == NULL)
    return;
  self->probed_column = N_COLUMNS;
  ordering = gtk_sorter_compare (gtk_column_view_get_sorter (self->column_view),
                                 self->probe_a, self->probe_b);
  /* The rows stay and show other hubs: the selection would move to another hub. */
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  /* No column: the list's own order is users, busiest first. */
  if (self->probed_column == N_COLUMNS)
    burrow_public_hub_model_set_sort (self->model, BURROW_PUBLIC_HUB_COLUMN_USERS,
                                      GTK_SORT_DESCENDING);
  else
    burrow_public_hub_model_set_sort (self->model, self->probed_column,
                                      ordering == GTK_ORDERING_LARGER ? GTK_SORT_DESCENDING
                                                                      : GTK_SORT_ASCENDING);
}

static void
on_search_entry_search_changed_cb (BurrowPublicHubsPage *self,
                                   GtkSearchEntry       *entry)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->column_view),
                                                 GTK_TYPE_SCROLLED_WINDOW);

  /* Other hubs: from the top, nothing selected (the selected row would show another hub). */
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                            0);
  burrow_public_hub_model_set_filter (self->model, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

/* --- status ---------------------------------------------------------------------------------- */

static char *
format_age (gint64 fetched)
{
  gint64 age = MAX (0, g_get_real_time () / G_USEC_PER_SEC - fetched);
  guint n;

  if (age < 60)
    return g_strdup (_("just now"));
  if (age < 3600)
    {
      n = (guint) (age / 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute ago", "%u minutes ago", n),
                              n);
    }
  if (age < 86400)
    {
      n = (guint) (age / 3600);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour ago", "%u hours ago", n), n);
    }
  n = (guint) MIN (age / 86400, G_MAXUINT);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day ago", "%u days ago", n), n);
}

static char *
format_source (const BurrowPublicHubSource *source)
{
  g_autofree char *age = NULL;

  if (source->fetched == 0)
    /* Translators: a hub list server (its address) and why its list could not be read */
    return g_strdup_printf (_("%s: no list (%s)"), source->url,
                            source->error != NULL ? source->error->message : "");

  age = format_age (source->fetched);
  if (source->from_cache)
    /* Translators: a list server's address, hubs in its saved copy, the copy's age ("3 days
     * ago"), and why the download failed */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%s: %u hub from the saved copy of %s (download failed: %s)",
                                         "%s: %u hubs from the saved copy of %s (download failed: %s)",
                                         source->n_hubs),
                            source->url, source->n_hubs, age,
                            source->error != NULL ? source->error->message : "");

  /* Translators: a list server's address, its hubs, and when they were downloaded ("just now") */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %u hub, downloaded %s",
                                       "%s: %u hubs, downloaded %s", source->n_hubs),
                          source->url, source->n_hubs, age);
}

static void
update_sources (BurrowPublicHubsPage *self)
{
  GPtrArray *sources = self->hubs != NULL ? burrow_public_hubs_get_sources (self->hubs) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->status_box))) != NULL)
    gtk_box_remove (self->status_box, child);

  for (guint i = 0; sources != NULL && i < sources->len; i++)
    {
      const BurrowPublicHubSource *source = g_ptr_array_index (sources, i);
      g_autofree char *text = format_source (source);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_widget_add_css_class (label, "caption");
      if (source->fetched == 0)
        gtk_widget_add_css_class (label, "error");
      else if (source->from_cache)
        gtk_widget_add_css_class (label, "warning");
      else
        gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (self->status_box, label);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->status_box), sources != NULL && sources->len > 0);
}

static void
update_count (BurrowPublicHubsPage *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint total = burrow_public_hub_model_get_n_total (self->model);
  g_autofree char *text = NULL;

  if (shown == 0)
    {
      if (self->refreshing && total == 0)
        gtk_label_set_text (self->empty_label, _("Downloading the hub lists…"));
      else if (total == 0)
        gtk_label_set_text (self->empty_label, _("No public hubs yet. Refresh to download the hub lists."));
      else
        gtk_label_set_text (self->empty_label, _("No hub matches the filter."));
    }
  gtk_stack_set_visible_child_name (self->stack, shown > 0 ? "hubs" : "empty");

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u hub shown",
                                       "%u of %u hubs shown", total),
                          shown, total);
  gtk_label_set_text (self->count_label, text);
}

static void
show_error (BurrowPublicHubsPage *self,
            const char           *message)
{
  gtk_label_set_text (self->error_label, message ?: "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_actions (BurrowPublicHubsPage *self)
{
  gboolean selected = gtk_single_selection_get_selected_item (self->selection) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "public-hubs.connect",
                                 selected && self->client != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "public-hubs.add-favorite",
                                 selected && self->client != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "public-hubs.refresh",
                                 self->hubs != NULL && !self->refreshing);
  gtk_spinner_set_spinning (self->refresh_spinner, self->refreshing);
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_spinner), self->refreshing);
}

static void
on_selection_selected_notify_cb (BurrowPublicHubsPage *self)
{
  update_actions (self);
}

/* --- refresh --------------------------------------------------------------------------------- */

static void
on_refresh_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BurrowPublicHubsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_public_hubs_refresh_finish (BURROW_PUBLIC_HUBS (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->refreshing = FALSE;
  show_error (self, error != NULL ? error->message : NULL);
  update_sources (self);
  update_count (self);
  update_actions (self);
}

/**
 * burrow_public_hubs_page_refresh:
 *
 * Downloads the configured hub lists again (each falls back to its saved copy). The page
 * refreshes by itself the first time it is shown.
 */
void
burrow_public_hubs_page_refresh (BurrowPublicHubsPage *self)
{
  g_return_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self));

  if (self->hubs == NULL || self->refreshing)
    return;

  self->refreshing = TRUE;
  self->refreshed = TRUE;
  show_error (self, NULL);
  burrow_public_hubs_refresh_async (self->hubs, NULL, self->cancellable, on_refresh_done_cb,
                                    g_object_ref (self));
  update_count (self);
  update_actions (self);
}

/**
 * burrow_public_hubs_page_get_refreshing:
 *
 * Returns: whether a refresh started by the page runs
 */
gboolean
burrow_public_hubs_page_get_refreshing (BurrowPublicHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), FALSE);

  return self->refreshing;
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  burrow_public_hubs_page_refresh (BURROW_PUBLIC_HUBS_PAGE (widget));
}

static void
burrow_public_hubs_page_map (GtkWidget *widget)
{
  BurrowPublicHubsPage *self = BURROW_PUBLIC_HUBS_PAGE (widget);

  GTK_WIDGET_CLASS (burrow_public_hubs_page_parent_class)->map (widget);

  /* The lists are downloaded when the user first looks at them, not at every start. */
  if (!self->refreshed)
    burrow_public_hubs_page_refresh (self);
}

/* --- connecting, favourites ------------------------------------------------------------------ */

static BurrowPublicHub *
get_hub (BurrowPublicHubsPage *self,
         guint                 position)
{
  g_autoptr(BurrowPublicHubRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection),
                                                             position);

  return row != NULL ? g_object_ref (burrow_public_hub_row_get_hub (row)) : NULL;
}

/**
 * burrow_public_hubs_page_connect:
 * @position: a row of burrow_public_hubs_page_get_shown()
 *
 * Connects to the hub of the row (an NMDC hub with the list's charset, unless the user made it
 * a favourite with a charset of their own) and shows its page.
 *
 * Returns: whether a session was opened; otherwise the page shows why not
 */
gboolean
burrow_public_hubs_page_connect (BurrowPublicHubsPage *self,
                                 guint                 position)
{
  g_autoptr(BurrowPublicHub) hub = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFavoriteHub *favorite;
  const char *encoding;
  GtkRoot *root;
  GtkApplication *app;
  BurrowHubSession *session;

  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), FALSE);

  hub = get_hub (self, position);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  app = BURROW_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  if (hub == NULL || self->client == NULL || !BURROW_IS_APPLICATION (app))
    return FALSE;

  encoding = list_encoding (hub);
  favorite = burrow_favorite_hubs_lookup_uri (burrow_client_get_favorite_hubs (self->client),
                                              burrow_public_hub_get_address (hub));
  if (favorite != NULL && burrow_favorite_hub_get_encoding (favorite) != NULL)
    encoding = NULL;

  session = burrow_application_open_hub_full (BURROW_APPLICATION (app),
                                              burrow_public_hub_get_address (hub), encoding,
                                              &error);
  if (session == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  show_error (self, NULL);
  burrow_window_show_hub (BURROW_WINDOW (root), session);
  return TRUE;
}

static void
on_column_view_activate_cb (BurrowPublicHubsPage *self,
                            guint                 position,
                            GtkColumnView        *view)
{
  burrow_public_hubs_page_connect (self, position);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  BurrowPublicHubsPage *self = BURROW_PUBLIC_HUBS_PAGE (widget);
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position != GTK_INVALID_LIST_POSITION)
    burrow_public_hubs_page_connect (self, position);
}

/**
 * burrow_public_hubs_page_add_favorite:
 * @position: a row of burrow_public_hubs_page_get_shown()
 *
 * Adds the hub of the row to the favourites: its name, its address with the list's `kp=`
 * keyprint, and for NMDC the list's charset.
 *
 * Returns: whether it was added; otherwise the page shows why not (such as being a favourite
 *   already)
 */
gboolean
burrow_public_hubs_page_add_favorite (BurrowPublicHubsPage *self,
                                      guint                 position)
{
  g_autoptr(BurrowPublicHub) hub = NULL;
  g_autoptr(BurrowHubUri) parsed = NULL;
  g_autoptr(BurrowFavoriteHub) favorite = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *message = NULL;
  BurrowFavoriteHubs *favorites;
  GtkRoot *root;

  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), FALSE);

  hub = get_hub (self, position);
  if (hub == NULL || self->client == NULL)
    return FALSE;

  parsed = burrow_hub_uri_parse (burrow_public_hub_get_address (hub), &error);
  if (parsed == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  canonical = burrow_hub_uri_to_string (parsed);
  favorites = burrow_client_get_favorite_hubs (self->client);
  if (burrow_favorite_hubs_lookup_uri (favorites, canonical) != NULL)
    {
      message = g_strdup_printf (_("%s is already a favourite hub"), canonical);
      show_error (self, message);
      return FALSE;
    }

  favorite = burrow_favorite_hub_new (display_name (hub), canonical);
  burrow_favorite_hub_set_encoding (favorite, list_encoding (hub));
  if (!burrow_favorite_hubs_add (favorites, favorite, &error))
    {
      show_error (self, error->message);
      return FALSE;
    }

  show_error (self, NULL);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (BURROW_IS_WINDOW (root))
    {
      message = g_strdup_printf (_("“%s” is now a favourite hub"), display_name (hub));
      burrow_window_show_info (BURROW_WINDOW (root), message);
    }
  return TRUE;
}

static void
add_favorite_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BurrowPublicHubsPage *self = BURROW_PUBLIC_HUBS_PAGE (widget);
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position != GTK_INVALID_LIST_POSITION)
    burrow_public_hubs_page_add_favorite (self, position);
}

/* --- the client ------------------------------------------------------------------------------ */

static void
on_model_items_changed_cb (BurrowPublicHubsPage *self)
{
  update_count (self);
}

/**
 * burrow_public_hubs_page_set_client:
 *
 * Shows the public hubs of @client (its burrow_client_get_public_hubs()).
 */
void
burrow_public_hubs_page_set_client (BurrowPublicHubsPage *self,
                                    BurrowClient         *client)
{
  g_return_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self));
  g_return_if_fail (client == NULL || BURROW_IS_CLIENT (client));

  if (self->client == client)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->refreshing = FALSE;
  self->refreshed = FALSE;
  burrow_public_hub_model_set_source (self->model, NULL);
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_signal_handlers_disconnect_by_data (burrow_client_get_share (self->client), self);
    }
  g_clear_object (&self->hubs);
  g_set_object (&self->client, client);

  if (client != NULL)
    {
      self->hubs = g_object_ref (burrow_client_get_public_hubs (client));
      burrow_public_hub_model_set_source (self->model, G_LIST_MODEL (self->hubs));
      g_signal_connect_object (client, "notify::slots",
                               G_CALLBACK (on_requirements_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (burrow_client_get_share (client), "notify::total-size",
                               G_CALLBACK (on_requirements_changed_cb), self, G_CONNECT_SWAPPED);
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        burrow_public_hubs_page_refresh (self);
    }
  update_sources (self);
  update_count (self);
  update_actions (self);
}

/* --- getters for tests and the window -------------------------------------------------------- */

/**
 * burrow_public_hubs_page_get_shown:
 *
 * Returns: (transfer none): the rows as shown, sorted and filtered: a #GtkSelectionModel of
 *   #BurrowPublicHubRow
 */
GListModel *
burrow_public_hubs_page_get_shown (BurrowPublicHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), NULL);

  return G_LIST_MODEL (self->selection);
}

GtkColumnView *
burrow_public_hubs_page_get_column_view (BurrowPublicHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), NULL);

  return self->column_view;
}

GtkEditable *
burrow_public_hubs_page_get_search_entry (BurrowPublicHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), NULL);

  return GTK_EDITABLE (self->search_entry);
}

/**
 * burrow_public_hubs_page_dup_status_text:
 *
 * Returns: (transfer full): the status lines of the list servers, as shown, one a line
 */
char *
burrow_public_hubs_page_dup_status_text (BurrowPublicHubsPage *self)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->status_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, gtk_label_get_text (GTK_LABEL (child)));
    }
  return g_string_free (text, FALSE);
}

/**
 * burrow_public_hubs_page_get_error:
 *
 * Returns: (nullable): the error shown above the list (a refresh or a connection that failed)
 */
const char *
burrow_public_hubs_page_get_error (BurrowPublicHubsPage *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_text (self->error_label) : NULL;
}

/* --- GObject --------------------------------------------------------------------------------- */

static void
burrow_public_hubs_page_dispose (GObject *object)
{
  BurrowPublicHubsPage *self = BURROW_PUBLIC_HUBS_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  if (self->client != NULL)
    burrow_public_hubs_page_set_client (self, NULL);
  g_clear_object (&self->cancellable);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  g_clear_object (&self->probe_a);
  g_clear_object (&self->probe_b);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_PUBLIC_HUBS_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (burrow_public_hubs_page_parent_class)->dispose (object);
}

static void
burrow_public_hubs_page_finalize (GObject *object)
{
  BurrowPublicHubsPage *self = BURROW_PUBLIC_HUBS_PAGE (object);

  g_hash_table_unref (self->name_cells);

  G_OBJECT_CLASS (burrow_public_hubs_page_parent_class)->finalize (object);
}

static void
burrow_public_hubs_page_class_init (BurrowPublicHubsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_public_hubs_page_dispose;
  object_class->finalize = burrow_public_hubs_page_finalize;
  widget_class->map = burrow_public_hubs_page_map;

  gtk_widget_class_set_template_from_resource (widget_class, BURROW_RESOURCE_PATH
                                               "/ui/burrow-public-hubs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, refresh_spinner);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, selection);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowPublicHubsPage, status_box);
  gtk_widget_class_bind_template_child_full (widget_class, "name_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_NAME]));
  gtk_widget_class_bind_template_child_full (widget_class, "description_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION]));
  gtk_widget_class_bind_template_child_full (widget_class, "users_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_USERS]));
  gtk_widget_class_bind_template_child_full (widget_class, "shared_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_SHARED]));
  gtk_widget_class_bind_template_child_full (widget_class, "country_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_COUNTRY]));
  gtk_widget_class_bind_template_child_full (widget_class, "protocol_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_PROTOCOL]));
  gtk_widget_class_bind_template_child_full (widget_class, "min_share_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_MIN_SHARE]));
  gtk_widget_class_bind_template_child_full (widget_class, "min_slots_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_MIN_SLOTS]));
  gtk_widget_class_bind_template_child_full (widget_class, "reliability_column", FALSE,
    G_STRUCT_OFFSET (BurrowPublicHubsPage, columns[BURROW_PUBLIC_HUB_COLUMN_RELIABILITY]));
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_selected_notify_cb);

  gtk_widget_class_install_action (widget_class, "public-hubs.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "public-hubs.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "public-hubs.add-favorite", NULL,
                                   add_favorite_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_public_hubs_page_init (BurrowPublicHubsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->name_cells = g_hash_table_new (NULL, NULL);
  self->cancellable = g_cancellable_new ();

  self->model = burrow_public_hub_model_new ();
  g_signal_connect_swapped (self->model, "items-changed", G_CALLBACK (on_model_items_changed_cb),
                            self);
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->model));

  self->probe_a = burrow_public_hub_new_take (&(BurrowHubListEntry) { 0 }, NULL, 0);
  self->probe_b = burrow_public_hub_new_take (&(BurrowHubListEntry) { 0 }, NULL, 0);
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkSorter) sorter = NULL;

      self->column_data[i] = (ColumnData) { self, i };
      g_signal_connect (factory, "setup", G_CALLBACK (on_cell_setup_cb), &self->column_data[i]);
      g_signal_connect (factory, "bind", G_CALLBACK (on_cell_bind_cb), &self->column_data[i]);
      g_signal_connect (factory, "unbind", G_CALLBACK (on_cell_unbind_cb),
                        &self->column_data[i]);
      gtk_column_view_column_set_factory (self->columns[i], factory);
      sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare, &self->column_data[i], NULL));
      gtk_column_view_column_set_sorter (self->columns[i], sorter);
    }
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_column_view_sorter_changed_cb), self,
                           G_CONNECT_SWAPPED);

  /* The busiest hubs first. */
  gtk_column_view_sort_by_column (self->column_view, self->columns[BURROW_PUBLIC_HUB_COLUMN_USERS],
                                  GTK_SORT_DESCENDING);

  update_sources (self);
  update_count (self);
  update_actions (self);
}
