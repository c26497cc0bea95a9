/* burrow-file-list-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-list-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-file-item.h"
#include "burrow-file-node-list.h"

#include "burrow-file-list-page.h"

/* A file list as a browser: the folders in a GtkListView over a GtkTreeListModel (left), the
 * entries of the selected folder in a GtkColumnView (right).
 *
 * A list can hold 1,000,000 entries and one folder 100,000 files, so nothing is made per entry:
 * the models are BurrowFileNodeLists over the tree's own (already sorted) children arrays, whose
 * items are created for the rows that are shown; the folder tree creates a child model only
 * when a row is expanded (or drawn, to know whether it has an expander), and its models list
 * directories only. Sorting by name or size reorders indices inside the model (see
 * burrow-file-node-list.c); the column view's sorter is only used to learn which header was
 * clicked (the probe trick of burrow-user-list.c, since GTK 4.8 has no API for the primary sort
 * column).
 *
 * The cells use GtkSignalListItemFactory set up here rather than builder templates in the .ui:
 * opening a folder or scrolling replaces every visible cell, and parsing a template per cell
 * costs too much on GTK 4.8 (burrow-user-list.c measured 100–200 ms per screenful). Text cells
 * are GtkInscriptions (see new_cell ()). tests/bench/filelist-browse-bench.c measures all this
 * with a 1,000,000-file list. */

#define MESSAGE_TIMEOUT_S 6

typedef struct
{
  BurrowFileListPage   *self;
  BurrowFileListColumn  column;
} ColumnProbe;

struct _BurrowFileListPage
{
  GtkWidget             parent_instance;

  /* template widgets and objects */
  GtkColumnView        *column_view;
  GtkButton            *download_button;
  GtkButton            *download_folder_button;
  GtkMultiSelection    *entries_selection;
  GtkScrolledWindow    *entries_scroller;
  GtkLabel             *error_label;
  GMenuModel           *file_menu;
  GMenuModel           *folder_menu;
  GtkSingleSelection   *folder_selection;
  GtkListView          *folder_view;
  GtkLabel             *loading_label;
  GtkBox               *message_box;
  GtkImage             *message_icon;
  GtkLabel             *message_label;
  GtkRevealer          *message_revealer;
  GtkColumnViewColumn  *name_column;
  GtkBox               *path_box;
  GtkScrolledWindow    *path_scroller;
  GtkButton            *reload_button;
  GtkColumnViewColumn  *size_column;
  GtkSpinner           *spinner;
  GtkStack             *stack;
  GtkLabel             *summary_label;
  GMenuModel           *tree_menu;
  GtkColumnViewColumn  *tth_column;

  /* owned */
  BurrowClient         *client;
  GCancellable         *cancellable;     /* the load in progress */
  BurrowFileTree       *tree;
  GtkTreeListModel     *folders;
  BurrowFileNodeList   *entries;
  BurrowHubSession     *session;         /* where the user was found, for Try Again */
  char                 *cid;
  char                 *hub_uri;
  char                 *nick;
  char                 *title;
  char                 *subtitle;
  char                 *error_text;
  GHashTable           *icons;           /* file extension → GIcon */
  GtkWidget            *file_popover;    /* GtkPopoverMenus, parented to self */
  GtkWidget            *folder_popover;
  GtkWidget            *tree_popover;
  GObject              *probe_a;
  GObject              *probe_b;
  ColumnProbe           probes[BURROW_FILE_LIST_COLUMN_SIZE + 1];

  /* borrowed: our share, with a signal connected with g_signal_connect_object () */
  BurrowShare          *share;

  BurrowFileListColumn  sort_column;
  GtkSortType           sort_order;
  int                   probed_column;   /* -1: none asked */
  guint                 message_timeout_id;
  guint                 own : 1;
  guint                 loading : 1;
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_TREE,
  PROP_LOADING,
  PROP_IS_OWN,
  PROP_TITLE,
  PROP_SUBTITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowFileListPage, burrow_file_list_page, GTK_TYPE_WIDGET)

static void update_actions (BurrowFileListPage *self);
static void open_node      (BurrowFileListPage *self,
                            BurrowFileNode     *node);

/* ---------------------------------------------------------------------------------------------- */
/* Small helpers                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

static void
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

static void
set_title (BurrowFileListPage *self,
           const char         *title)
{
  if (g_strcmp0 (self->title, title) == 0)
    return;
  set_string (&self->title, title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
set_subtitle (BurrowFileListPage *self,
              const char         *subtitle)
{
  if (g_strcmp0 (self->subtitle, subtitle) == 0)
    return;
  set_string (&self->subtitle, subtitle);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

static void
set_loading (BurrowFileListPage *self,
             gboolean            loading)
{
  loading = !!loading;
  if (self->loading == loading)
    return;
  self->loading = loading;
  gtk_spinner_set_spinning (self->spinner, loading);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static char *
format_counts (guint n_folders,
               guint n_files)
{
  g_autofree char *folders = NULL;
  g_autofree char *files = NULL;

  folders = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u folder", "%u folders", n_folders),
                             n_folders);
  files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", n_files),
                           n_files);
  return g_strdup_printf ("%s · %s", folders, files);
}

static GIcon *
icon_for_name (BurrowFileListPage *self,
               const char         *name)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *ext = g_utf8_strdown (dot != NULL && dot != name ? dot + 1 : "", -1);
  GIcon *icon = g_hash_table_lookup (self->icons, ext);

  if (icon == NULL)
    {
      g_autofree char *type = NULL;

      /* One guess per extension (the shared-mime-info globs), then cached. */
      type = g_content_type_guess (name, NULL, 0, NULL);
      icon = g_content_type_get_symbolic_icon (type);
      g_hash_table_insert (self->icons, g_steal_pointer (&ext), icon);
    }
  return icon;
}

/* ---------------------------------------------------------------------------------------------- */
/* Message bar (the in-page "toast")                                                              */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
message_timeout_cb (gpointer data)
{
  BurrowFileListPage *self = data;

  self->message_timeout_id = 0;
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
  return G_SOURCE_REMOVE;
}

/**
 * burrow_file_list_page_show_message:
 * @text: what to tell
 * @is_error: a problem (stays until dismissed) or news (goes away after a few seconds)
 *
 * Shows @text in the bar at the top of the page.
 */
void
burrow_file_list_page_show_message (BurrowFileListPage *self,
                                    const char         *text,
                                    gboolean            is_error)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));
  g_return_if_fail (text != NULL);

  gtk_label_set_text (self->message_label, text);
  gtk_image_set_from_icon_name (self->message_icon, is_error ? "dialog-warning-symbolic"
                                                             : "dialog-information-symbolic");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_box), "burrow-info-bar-error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_box), "burrow-info-bar-error");
  gtk_revealer_set_reveal_child (self->message_revealer, TRUE);

  g_clear_handle_id (&self->message_timeout_id, g_source_remove);
  if (!is_error)
    self->message_timeout_id = g_timeout_add_seconds (MESSAGE_TIMEOUT_S, message_timeout_cb,
                                                      self);
}

/**
 * burrow_file_list_page_get_message:
 *
 * Returns: (nullable): the text of the message bar while it is shown
 */
const char *
burrow_file_list_page_get_message (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->message_revealer))
    return NULL;
  return gtk_label_get_text (self->message_label);
}

static void
on_message_close_clicked_cb (BurrowFileListPage *self,
                             GtkButton          *button)
{
  g_clear_handle_id (&self->message_timeout_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->message_revealer, FALSE);
}

/* Cells are GtkInscriptions: their size does not depend on their text, so binding a row to
 * another entry (scrolling) only redraws it. A GtkLabel would queue a resize, and on GTK 4.8
 * every resize makes the window measure the whole column view again (60 ms per scroll step
 * with the ~200 rows a list view keeps). */
static GtkWidget *
new_cell (float xalign)
{
  GtkWidget *cell = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), xalign);
  gtk_widget_set_hexpand (cell, TRUE);
  return cell;
}

static void
cell_set_text (GtkWidget  *cell,
               const char *text)
{
  gtk_inscription_set_text (GTK_INSCRIPTION (cell), text);
}

/* ---------------------------------------------------------------------------------------------- */
/* The folder tree                                                                                */
/* ---------------------------------------------------------------------------------------------- */

static GListModel *
create_folder_model_cb (gpointer item,
                        gpointer user_data)
{
  BurrowFileItem *file_item = item;
  BurrowFileNode *node = burrow_file_item_get_node (file_item);

  if (burrow_file_node_count_directories (node) == 0)
    return NULL;
  return G_LIST_MODEL (burrow_file_node_list_new (burrow_file_item_get_tree (file_item), node,
                                                  TRUE));
}

static BurrowFileNode *
selected_folder (BurrowFileListPage *self)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (self->folder_selection);
  g_autoptr(BurrowFileItem) item = NULL;

  if (row == NULL)
    return NULL;
  item = gtk_tree_list_row_get_item (row);
  /* the node lives in the tree, which the page holds */
  return item != NULL ? burrow_file_item_get_node (item) : NULL;
}

static GtkTreeListRow *
folder_row (BurrowFileListPage *self,
            BurrowFileNode     *node)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  GtkTreeListRow *row;

  for (BurrowFileNode *n = node; n->parent != NULL; n = n->parent)
    g_ptr_array_add (chain, n);

  row = gtk_tree_list_model_get_row (self->folders, 0);
  for (guint i = chain->len; row != NULL && i-- > 0;)
    {
      BurrowFileNode *next = g_ptr_array_index (chain, i);
      GtkTreeListRow *child;

      gtk_tree_list_row_set_expanded (row, TRUE);
      child = gtk_tree_list_row_get_child_row (row, burrow_file_node_get_index (next));
      g_object_unref (row);
      row = child;
    }
  return row;
}

static void
open_node (BurrowFileListPage *self,
           BurrowFileNode     *node)
{
  g_autoptr(GtkTreeListRow) row = NULL;
  guint position;

  if (self->folders == NULL || node == NULL || !node->is_dir)
    return;
  row = folder_row (self, node);
  if (row == NULL)
    return;
  /* its subfolders in view, as a file manager's tree does */
  gtk_tree_list_row_set_expanded (row, TRUE);
  position = gtk_tree_list_row_get_position (row);
  gtk_single_selection_set_selected (self->folder_selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->folder_view), "list.scroll-to-item", "u",
                              position);
}

/* Folder rows: [expander [icon name]] */

static void
setup_folder_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 BurrowFileListPage       *self)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *label = new_cell (0.0);

  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  g_object_set_data (G_OBJECT (expander), "burrow-list-item", list_item);
  gtk_list_item_set_child (list_item, expander);
}

static void
bind_folder_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                BurrowFileListPage       *self)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *expander = gtk_list_item_get_child (list_item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (icon);
  g_autoptr(BurrowFileItem) item = gtk_tree_list_row_get_item (row);
  BurrowFileNode *node = burrow_file_item_get_node (item);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  if (node->parent == NULL)
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (icon), self->own ? "user-home-symbolic"
                                                                : "folder-remote-symbolic");
      cell_set_text (label, self->title);
    }
  else
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (icon), "folder-symbolic");
      cell_set_text (label, node->name);
    }
}

static void
unbind_folder_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  BurrowFileListPage       *self)
{
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item)), NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* The entries of the current folder                                                              */
/* ---------------------------------------------------------------------------------------------- */

static void
on_path_adjustment_changed_cb (GtkAdjustment      *adjustment,
                               BurrowFileListPage *self)
{
  /* Keep the end of the path (the current folder) in view. */
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
}

static void
rebuild_path (BurrowFileListPage *self,
              BurrowFileNode     *folder)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->path_box))) != NULL)
    gtk_box_remove (self->path_box, child);
  if (folder == NULL)
    return;

  for (BurrowFileNode *n = folder; n != NULL; n = n->parent)
    g_ptr_array_add (chain, n);
  for (guint i = chain->len; i-- > 0;)
    {
      BurrowFileNode *node = g_ptr_array_index (chain, i);
      g_autofree char *path = burrow_file_node_dup_path (node);
      GtkWidget *button = gtk_button_new ();
      GtkWidget *label = gtk_label_new (node->parent == NULL ? self->title : node->name);

      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
      gtk_button_set_child (GTK_BUTTON (button), label);
      gtk_widget_add_css_class (button, "flat");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "filelist.open-path");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                              g_variant_new_string (path));
      if (i == 0)
        {
          /* the folder shown: bold, and not a link to itself */
          const char *text = gtk_label_get_text (GTK_LABEL (label));
          g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);

          gtk_label_set_markup (GTK_LABEL (label), markup);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), NULL);
        }
      if (i + 1 < chain->len)
        {
          GtkWidget *separator = gtk_label_new ("/");

          gtk_widget_add_css_class (separator, "dim-label");
          gtk_box_append (self->path_box, separator);
        }
      gtk_box_append (self->path_box, button);
    }
}

static void
update_summary (BurrowFileListPage *self,
                BurrowFileNode     *folder)
{
  g_autofree char *counts = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  guint n_dirs;
  guint n_all;

  if (folder == NULL)
    {
      gtk_label_set_text (self->summary_label, "");
      return;
    }
  n_dirs = burrow_file_node_count_directories (folder);
  n_all = folder->children != NULL ? folder->children->len : 0;
  counts = format_counts (n_dirs, n_all - n_dirs);
  size = g_format_size (folder->size);
  text = g_strdup_printf ("%s · %s", counts, size);
  gtk_label_set_text (self->summary_label, text);
}

static void
show_folder (BurrowFileListPage *self,
             BurrowFileNode     *folder)
{
  g_autoptr(BurrowFileNodeList) entries = NULL;

  if (folder != NULL && self->entries != NULL &&
      burrow_file_node_list_get_directory (self->entries) == folder)
    return;

  if (folder != NULL)
    {
      entries = burrow_file_node_list_new (self->tree, folder, FALSE);
      burrow_file_node_list_set_sort (entries, self->sort_column, self->sort_order);
    }
  g_set_object (&self->entries, entries);
  /* Through NULL: replacing the model in one change would make GTK 4.8's list item manager ask
   * the new model for every item (to find the rows it already has), 100,000 in a big folder.
   * A new model starts at the top. */
  gtk_multi_selection_set_model (self->entries_selection, NULL);
  gtk_multi_selection_set_model (self->entries_selection, G_LIST_MODEL (entries));
  rebuild_path (self, folder);
  update_summary (self, folder);
  update_actions (self);
}

static void
on_folder_selection_selected_notify_cb (BurrowFileListPage *self,
                                        GParamSpec         *pspec,
                                        GtkSingleSelection *selection)
{
  show_folder (self, selected_folder (self));
}

/* Entry cells: name (icon + text), size, TTH. Every cell knows its list item, for the context
 * menu (see on_column_view_pressed_cb). */

static void
setup_name_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               BurrowFileListPage       *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), new_cell (0.0));
  g_object_set_data (G_OBJECT (box), "burrow-list-item", list_item);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_name_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              BurrowFileListPage       *self)
{
  BurrowFileItem *item = gtk_list_item_get_item (list_item);
  BurrowFileNode *node = burrow_file_item_get_node (item);
  GtkWidget *icon = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *label = gtk_widget_get_next_sibling (icon);

  if (node->is_dir)
    gtk_image_set_from_icon_name (GTK_IMAGE (icon), "folder-symbolic");
  else
    gtk_image_set_from_gicon (GTK_IMAGE (icon), icon_for_name (self, node->name));
  cell_set_text (label, node->name);
}

static void
setup_size_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               BurrowFileListPage       *self)
{
  GtkWidget *cell = new_cell (1.0);

  gtk_widget_add_css_class (cell, "burrow-numeric");
  g_object_set_data (G_OBJECT (cell), "burrow-list-item", list_item);
  gtk_list_item_set_child (list_item, cell);
}

static void
bind_size_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              BurrowFileListPage       *self)
{
  BurrowFileItem *item = gtk_list_item_get_item (list_item);
  g_autofree char *text = g_format_size (burrow_file_item_get_size (item));

  cell_set_text (gtk_list_item_get_child (list_item), text);
}

static void
setup_tth_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              BurrowFileListPage       *self)
{
  GtkWidget *cell = new_cell (0.0);

  gtk_widget_add_css_class (cell, "monospace");
  gtk_widget_add_css_class (cell, "dim-label");
  g_object_set_data (G_OBJECT (cell), "burrow-list-item", list_item);
  gtk_list_item_set_child (list_item, cell);
}

static void
bind_tth_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             BurrowFileListPage       *self)
{
  BurrowFileItem *item = gtk_list_item_get_item (list_item);
  BurrowFileNode *node = burrow_file_item_get_node (item);
  g_autofree char *tth = burrow_file_item_dup_tth (item);

  /* Files without a TTH cannot be downloaded: a dash says so. */
  cell_set_text (gtk_list_item_get_child (list_item),
                 tth != NULL ? tth : node->is_dir ? "" : "—");
}

/* Sorting: each sortable column has a GtkCustomSorter that never sorts anything; when the column
 * view's sorter changes, comparing two probe objects tells which column is first (the first
 * sorter asked records itself) and the direction (the sign). */
static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  ColumnProbe *probe = data;
  BurrowFileListPage *self = probe->self;

  if (a != self->probe_a && a != self->probe_b)
    return 0;
  if (self->probed_column < 0)
    self->probed_column = probe->column;
  return a == self->probe_a ? -1 : 1;
}

static void
on_column_view_sorter_changed_cb (GtkSorter          *sorter,
                                  GtkSorterChange     change,
                                  BurrowFileListPage *self)
{
  GtkOrdering ordering;

  self->probed_column = -1;
  ordering = gtk_sorter_compare (sorter, self->probe_a, self->probe_b);
  self->sort_column = self->probed_column < 0 ? BURROW_FILE_LIST_COLUMN_NAME
                                              : (BurrowFileListColumn) self->probed_column;
  self->sort_order = ordering == GTK_ORDERING_LARGER ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING;
  if (self->entries != NULL)
    {
      /* Detached while it changes order (see show_folder ()); back at the top. */
      gtk_multi_selection_set_model (self->entries_selection, NULL);
      burrow_file_node_list_set_sort (self->entries, self->sort_column, self->sort_order);
      gtk_multi_selection_set_model (self->entries_selection, G_LIST_MODEL (self->entries));
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Selection and actions                                                                          */
/* ---------------------------------------------------------------------------------------------- */

/* The selected entries' nodes, in the model's order. */
static GPtrArray *
selected_nodes (BurrowFileListPage *self)
{
  GPtrArray *nodes = g_ptr_array_new ();
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->entries == NULL)
    return nodes;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->entries_selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      BurrowFileNode *node = burrow_file_node_list_get_node (self->entries, position);

      if (node != NULL)
        g_ptr_array_add (nodes, node);
    }
  return nodes;
}

static gboolean
can_download (BurrowFileListPage *self)
{
  return !self->own && self->tree != NULL && self->client != NULL && self->cid != NULL;
}

static void
update_actions (BurrowFileListPage *self)
{
  g_autoptr(GPtrArray) nodes = selected_nodes (self);
  BurrowFileNode *folder = selected_folder (self);
  gboolean has_downloadable = FALSE;
  gboolean has_magnet = FALSE;
  gboolean has_dir = FALSE;
  GtkWidget *widget = GTK_WIDGET (self);

  for (guint i = 0; i < nodes->len; i++)
    {
      BurrowFileNode *node = g_ptr_array_index (nodes, i);

      has_dir |= node->is_dir;
      has_magnet |= !node->is_dir && node->has_tth;
      has_downloadable |= node->is_dir || node->has_tth;
    }

  gtk_widget_action_set_enabled (widget, "filelist.download",
                                 can_download (self) && has_downloadable);
  gtk_widget_action_set_enabled (widget, "filelist.download-folder",
                                 can_download (self) && folder != NULL && folder->parent != NULL);
  gtk_widget_action_set_enabled (widget, "filelist.copy-magnet", has_magnet);
  gtk_widget_action_set_enabled (widget, "filelist.open", has_dir);
  gtk_widget_action_set_enabled (widget, "filelist.go-up", folder != NULL && folder->parent);
  gtk_widget_action_set_enabled (widget, "filelist.reload",
                                 !self->own && self->session != NULL && self->cid != NULL);
}

static void
on_entries_selection_changed_cb (BurrowFileListPage *self,
                                 guint               position,
                                 guint               n_items,
                                 GtkSelectionModel  *model)
{
  update_actions (self);
}

static void
download_nodes (BurrowFileListPage *self,
                GPtrArray          *nodes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *failed_name = NULL;
  guint n_queued = 0;

  if (!can_download (self))
    return;
  for (guint i = 0; i < nodes->len && error == NULL; i++)
    {
      BurrowFileNode *node = g_ptr_array_index (nodes, i);
      g_autoptr(GPtrArray) items = NULL;

      if (!node->is_dir && !node->has_tth)
        continue;
      items = burrow_client_download_node (self->client, node, NULL, self->cid, self->hub_uri,
                                           self->nick, &error);
      if (items != NULL)
        n_queued += items->len;
      else
        failed_name = node->name;
    }

  if (error != NULL)
    {
      /* Translators: the first %s is a file name, the second why it could not be queued */
      text = g_strdup_printf (_("Could not download “%s”: %s"), failed_name, error->message);
      burrow_file_list_page_show_message (self, text, TRUE);
    }
  else if (n_queued == 0)
    burrow_file_list_page_show_message (self, _("Nothing was queued: there is no file here that "
                                                "can be downloaded."), TRUE);
  else
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Queued %u file for download",
                                           "Queued %u files for download", n_queued),
                              n_queued);
      burrow_file_list_page_show_message (self, text, FALSE);
    }
}

static void
filelist_download_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (widget);
  g_autoptr(GPtrArray) nodes = selected_nodes (self);

  download_nodes (self, nodes);
}

static void
filelist_download_folder_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (widget);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  BurrowFileNode *folder = selected_folder (self);

  if (folder == NULL || folder->parent == NULL)
    return;
  g_ptr_array_add (nodes, folder);
  download_nodes (self, nodes);
}

static void
filelist_copy_magnet_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (widget);
  g_autoptr(GPtrArray) nodes = selected_nodes (self);

  for (guint i = 0; i < nodes->len; i++)
    {
      BurrowFileNode *node = g_ptr_array_index (nodes, i);
      g_autofree char *tth = NULL;
      g_autofree char *magnet = NULL;

      if (node->is_dir || !node->has_tth)
        continue;
      tth = burrow_tth_to_base32 (node->tth);
      magnet = burrow_magnet_build (tth, node->size, node->name);
      gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), magnet);
      burrow_file_list_page_show_message (self, _("Magnet link copied"), FALSE);
      return;
    }
}

static void
filelist_open_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (widget);
  g_autoptr(GPtrArray) nodes = selected_nodes (self);

  for (guint i = 0; i < nodes->len; i++)
    {
      BurrowFileNode *node = g_ptr_array_index (nodes, i);

      if (node->is_dir)
        {
          open_node (self, node);
          return;
        }
    }
}

static void
filelist_open_path_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  burrow_file_list_page_open_path (BURROW_FILE_LIST_PAGE (widget),
                                   g_variant_get_string (parameter, NULL));
}

static void
filelist_go_up_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (widget);
  BurrowFileNode *folder = selected_folder (self);

  if (folder != NULL && folder->parent != NULL)
    open_node (self, folder->parent);
}

static void
filelist_reload_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  burrow_file_list_page_reload (BURROW_FILE_LIST_PAGE (widget));
}

/* Double click (or Enter): a folder opens, a file is downloaded. */
static void
on_column_view_activate_cb (BurrowFileListPage *self,
                            guint               position,
                            GtkColumnView      *view)
{
  g_autoptr(GPtrArray) nodes = NULL;
  BurrowFileNode *node;

  if (self->entries == NULL)
    return;
  node = burrow_file_node_list_get_node (self->entries, position);
  if (node == NULL)
    return;
  if (node->is_dir)
    {
      open_node (self, node);
      return;
    }
  if (!can_download (self) || !node->has_tth)
    return;
  nodes = g_ptr_array_new ();
  g_ptr_array_add (nodes, node);
  download_nodes (self, nodes);
}

/* Right click on an entry: it joins the selection (or becomes it), then the file or folder
 * menu. One gesture on the view; the cell under the pointer knows its list item. */
static GtkListItem *
list_item_at (GtkWidget *view,
              double     x,
              double     y)
{
  GtkWidget *widget = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);

  for (; widget != NULL && widget != view; widget = gtk_widget_get_parent (widget))
    {
      GtkListItem *list_item = g_object_get_data (G_OBJECT (widget), "burrow-list-item");

      if (list_item != NULL)
        return gtk_list_item_get_item (list_item) != NULL ? list_item : NULL;
    }
  return NULL;
}

static void
popup_at (BurrowFileListPage *self,
          GtkWidget          *popover,
          GtkWidget          *view,
          double              x,
          double              y)
{
  double px = 0;
  double py = 0;

  gtk_widget_translate_coordinates (view, GTK_WIDGET (self), x, y, &px, &py);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover),
                               &(GdkRectangle) { (int) px, (int) py, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
on_column_view_pressed_cb (GtkGestureClick    *gesture,
                           int                 n_press,
                           double              x,
                           double              y,
                           BurrowFileListPage *self)
{
  GtkWidget *view = GTK_WIDGET (self->column_view);
  GtkListItem *list_item = list_item_at (view, x, y);
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (self->entries_selection);
  BurrowFileNode *node;
  guint position;

  if (list_item == NULL || self->entries == NULL)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  position = gtk_list_item_get_position (list_item);
  if (!gtk_selection_model_is_selected (selection, position))
    gtk_selection_model_select_item (selection, position, TRUE);
  node = burrow_file_node_list_get_node (self->entries, position);
  if (node == NULL)
    return;
  popup_at (self, node->is_dir ? self->folder_popover : self->file_popover, view, x, y);
}

static void
on_folder_view_pressed_cb (GtkGestureClick    *gesture,
                           int                 n_press,
                           double              x,
                           double              y,
                           BurrowFileListPage *self)
{
  GtkWidget *view = GTK_WIDGET (self->folder_view);
  GtkListItem *list_item = list_item_at (view, x, y);

  if (list_item == NULL)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_single_selection_set_selected (self->folder_selection,
                                     gtk_list_item_get_position (list_item));
  popup_at (self, self->tree_popover, view, x, y);
}

/* ---------------------------------------------------------------------------------------------- */
/* Loading                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
clear_tree (BurrowFileListPage *self)
{
  show_folder (self, NULL);
  gtk_single_selection_set_model (self->folder_selection, NULL);
  g_clear_object (&self->folders);
  g_clear_pointer (&self->tree, burrow_file_tree_unref);
}

static void
set_error (BurrowFileListPage *self,
           const char         *text)
{
  set_string (&self->error_text, text);
  if (text != NULL)
    {
      gtk_label_set_text (self->error_label, text);
      gtk_stack_set_visible_child_name (self->stack, "error");
    }
}

static void
update_subtitle (BurrowFileListPage *self)
{
  g_autofree char *counts = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;

  if (self->tree == NULL)
    {
      set_subtitle (self, NULL);
      return;
    }
  counts = format_counts (burrow_file_tree_get_n_directories (self->tree),
                          burrow_file_tree_get_n_files (self->tree));
  size = g_format_size (burrow_file_tree_get_total_size (self->tree));
  text = g_strdup_printf ("%s · %s", counts, size);
  set_subtitle (self, text);
}

/* Shows @tree; reopens the folder at @path if it still exists (a reload), else the root. */
static void
show_tree (BurrowFileListPage *self,
           BurrowFileTree     *tree,
           const char         *path)
{
  g_autoptr(GListStore) roots = NULL;
  g_autoptr(BurrowFileItem) root = NULL;
  g_autoptr(GtkTreeListRow) root_row = NULL;
  BurrowFileNode *folder = NULL;

  g_object_freeze_notify (G_OBJECT (self));
  clear_tree (self);
  set_error (self, NULL);
  if (tree == NULL)
    {
      update_subtitle (self);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
      g_object_thaw_notify (G_OBJECT (self));
      return;
    }

  self->tree = burrow_file_tree_ref (tree);
  roots = g_list_store_new (BURROW_TYPE_FILE_ITEM);
  root = burrow_file_item_new (tree, burrow_file_tree_get_root (tree));
  g_list_store_append (roots, root);
  self->folders = gtk_tree_list_model_new (G_LIST_MODEL (g_steal_pointer (&roots)), FALSE, FALSE,
                                           create_folder_model_cb, NULL, NULL);
  gtk_single_selection_set_model (self->folder_selection, G_LIST_MODEL (self->folders));
  root_row = gtk_tree_list_model_get_row (self->folders, 0);
  gtk_tree_list_row_set_expanded (root_row, TRUE);

  update_subtitle (self);
  gtk_stack_set_visible_child_name (self->stack, "browser");

  if (path != NULL)
    folder = burrow_file_tree_lookup (tree, path);
  if (folder == NULL || !folder->is_dir)
    folder = burrow_file_tree_get_root (tree);
  open_node (self, folder);
  update_actions (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static char *
dup_current_path (BurrowFileListPage *self)
{
  BurrowFileNode *folder = selected_folder (self);

  return folder != NULL ? burrow_file_node_dup_path (folder) : NULL;
}

typedef struct
{
  BurrowFileListPage *self;         /* owned ref */
  GCancellable       *cancellable;  /* owned ref: this load's */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadData, load_data_free)

static void
on_browse_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  BurrowFileListPage *self = data->self;
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  tree = burrow_client_browse_finish (BURROW_CLIENT (source), result, NULL, &error);
  /* A newer load, or the page is gone (even if this one finished before it was cancelled). */
  if (data->cancellable != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  set_loading (self, FALSE);
  if (tree == NULL)
    {
      g_debug ("File list of %s: %s", self->nick, error->message);
      clear_tree (self);
      set_error (self, error->message);
      update_actions (self);
      return;
    }
  path = dup_current_path (self);
  show_tree (self, tree, path);
}

static void
start_load (BurrowFileListPage *self)
{
  g_autofree char *text = NULL;
  BurrowUser *user = NULL;
  LoadData *data;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->session != NULL && self->cid != NULL)
    user = burrow_hub_session_lookup_cid (self->session, self->cid);
  if (self->client == NULL || user == NULL)
    {
      set_loading (self, FALSE);
      clear_tree (self);
      /* Translators: %s is a nick */
      text = g_strdup_printf (_("%s is not on the hub any more."), self->nick);
      set_error (self, text);
      update_actions (self);
      return;
    }

  set_error (self, NULL);
  /* Translators: %s is a nick */
  text = g_strdup_printf (_("Getting the file list of %s…"), self->nick);
  gtk_label_set_text (self->loading_label, text);
  if (self->tree == NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  set_loading (self, TRUE);
  update_actions (self);

  self->cancellable = g_cancellable_new ();
  data = g_new0 (LoadData, 1);
  data->self = g_object_ref (self);
  data->cancellable = g_object_ref (self->cancellable);
  burrow_client_browse_async (self->client, self->session, user, self->cancellable,
                              on_browse_done_cb, data);
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

GtkWidget *
burrow_file_list_page_new (void)
{
  return g_object_new (BURROW_TYPE_FILE_LIST_PAGE, NULL);
}

/**
 * burrow_file_list_page_set_client:
 * @client: (nullable): the engine: its connector fetches lists, its queue takes downloads
 */
void
burrow_file_list_page_set_client (BurrowFileListPage *self,
                                  BurrowClient       *client)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));
  g_return_if_fail (client == NULL || BURROW_IS_CLIENT (client));

  if (g_set_object (&self->client, client))
    {
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
    }
}

BurrowClient *
burrow_file_list_page_get_client (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->client;
}

static void
forget_source (BurrowFileListPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_loading (self, FALSE);
  if (self->share != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->share, self);
      self->share = NULL;
    }
  g_clear_object (&self->session);
  g_clear_pointer (&self->cid, g_free);
  g_clear_pointer (&self->hub_uri, g_free);
  g_clear_pointer (&self->nick, g_free);
  if (self->own)
    {
      self->own = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_OWN]);
    }
}

/**
 * burrow_file_list_page_browse_user:
 * @session: the hub where @user is
 * @user: whose list to show
 *
 * Fetches @user's file list (burrow_client_browse_async()) and shows it; until then a spinner,
 * and a problem in the page if it fails. Downloads from the list name @user (CID, hub, nick) as
 * their source. Needs a client (burrow_file_list_page_set_client()).
 */
void
burrow_file_list_page_browse_user (BurrowFileListPage *self,
                                   BurrowHubSession   *session,
                                   BurrowUser         *user)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));
  g_return_if_fail (BURROW_IS_USER (user));

  forget_source (self);
  clear_tree (self);
  self->session = g_object_ref (session);
  self->cid = g_strdup (burrow_user_get_id (user));
  self->hub_uri = g_strdup (burrow_hub_session_get_uri (session));
  self->nick = g_strdup (burrow_user_get_nick (user));
  gtk_widget_set_visible (GTK_WIDGET (self->reload_button), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->download_button), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->download_folder_button), TRUE);
  set_title (self, self->nick);
  update_subtitle (self);
  start_load (self);
}

static void
on_share_tree_notify_cb (BurrowShare        *share,
                         GParamSpec         *pspec,
                         BurrowFileListPage *self)
{
  g_autofree char *path = dup_current_path (self);

  show_tree (self, burrow_share_get_tree (share), path);
}

/**
 * burrow_file_list_page_browse_own:
 *
 * Shows what we share (the client's #BurrowShare), following its rescans. Nothing can be
 * downloaded from it.
 */
void
burrow_file_list_page_browse_own (BurrowFileListPage *self)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));
  g_return_if_fail (self->client != NULL);

  forget_source (self);
  self->own = TRUE;
  self->share = burrow_client_get_share (self->client);
  gtk_widget_set_visible (GTK_WIDGET (self->reload_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->download_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->download_folder_button), FALSE);
  set_title (self, _("My Files"));
  if (self->share != NULL)
    g_signal_connect_object (self->share, "notify::tree", G_CALLBACK (on_share_tree_notify_cb),
                             self, 0);
  show_tree (self, self->share != NULL ? burrow_share_get_tree (self->share) : NULL, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_OWN]);
}

/**
 * burrow_file_list_page_set_tree:
 * @tree: (nullable): a finished tree
 * @title: (nullable): whose list it is
 *
 * Shows @tree as it is, without a source: nothing can be downloaded or reloaded (tests and
 * benchmarks).
 */
void
burrow_file_list_page_set_tree (BurrowFileListPage *self,
                                BurrowFileTree     *tree,
                                const char         *title)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));
  g_return_if_fail (tree == NULL || burrow_file_tree_is_finished (tree));

  forget_source (self);
  set_title (self, title);
  show_tree (self, tree, NULL);
}

/**
 * burrow_file_list_page_reload:
 *
 * Fetches the user's list again (the folder shown stays open if it is still there).
 */
void
burrow_file_list_page_reload (BurrowFileListPage *self)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));

  if (self->own && self->share != NULL)
    on_share_tree_notify_cb (self->share, NULL, self);
  else if (self->cid != NULL)
    start_load (self);
}

/**
 * burrow_file_list_page_get_tree:
 *
 * Returns: (transfer none) (nullable): the list shown
 */
BurrowFileTree *
burrow_file_list_page_get_tree (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->tree;
}

gboolean
burrow_file_list_page_get_loading (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), FALSE);
  return self->loading;
}

gboolean
burrow_file_list_page_get_is_own (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), FALSE);
  return self->own;
}

/**
 * burrow_file_list_page_get_cid:
 *
 * Returns: (nullable): the CID of the user whose list this is (%NULL for our own)
 */
const char *
burrow_file_list_page_get_cid (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->cid;
}

/**
 * burrow_file_list_page_get_title:
 *
 * Returns: (nullable): the user's nick, or "My Files"
 */
const char *
burrow_file_list_page_get_title (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->title;
}

/**
 * burrow_file_list_page_get_subtitle:
 *
 * Returns: (nullable): the list's totals ("12 folders · 340 files · 4.2 GB"), once loaded
 */
const char *
burrow_file_list_page_get_subtitle (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->subtitle;
}

/**
 * burrow_file_list_page_get_error:
 *
 * Returns: (nullable): why the list could not be shown, while the page says so
 */
const char *
burrow_file_list_page_get_error (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->error_text;
}

/**
 * burrow_file_list_page_open_path:
 * @path: an ADC path: "/" or "/Music/Album/" (matched case-insensitively)
 *
 * Selects that folder in the tree (expanding its parents) and shows its entries.
 *
 * Returns: %TRUE if the folder exists
 */
gboolean
burrow_file_list_page_open_path (BurrowFileListPage *self,
                                 const char         *path)
{
  BurrowFileNode *node;

  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->tree == NULL)
    return FALSE;
  node = burrow_file_tree_lookup (self->tree, path);
  if (node == NULL || !node->is_dir)
    return FALSE;
  open_node (self, node);
  return selected_folder (self) == node;
}

/**
 * burrow_file_list_page_get_folder:
 *
 * Returns: (transfer none) (nullable): the folder selected in the tree
 */
BurrowFileNode *
burrow_file_list_page_get_folder (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return selected_folder (self);
}

/**
 * burrow_file_list_page_get_entries:
 *
 * Returns: (transfer none) (nullable): the entries of the folder shown, in the view's order
 */
BurrowFileNodeList *
burrow_file_list_page_get_entries (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->entries;
}

/**
 * burrow_file_list_page_get_folders:
 *
 * Returns: (transfer none) (nullable): the folder tree's rows (a #GtkTreeListModel of
 *   #GtkTreeListRow)
 */
GListModel *
burrow_file_list_page_get_folders (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return G_LIST_MODEL (self->folders);
}

/**
 * burrow_file_list_page_select:
 * @name: an entry of the folder shown (case-insensitive)
 *
 * Makes that entry the selection and scrolls to it.
 *
 * Returns: %TRUE if it exists
 */
gboolean
burrow_file_list_page_select (BurrowFileListPage *self,
                              const char         *name)
{
  BurrowFileNode *node;
  guint position;

  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->entries == NULL)
    return FALSE;
  node = burrow_file_node_lookup_child (burrow_file_node_list_get_directory (self->entries),
                                        name);
  position = burrow_file_node_list_find (self->entries, node);
  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->entries_selection), position,
                                   TRUE);
  gtk_widget_activate_action (GTK_WIDGET (self->column_view), "list.scroll-to-item", "u",
                              position);
  return TRUE;
}

/**
 * burrow_file_list_page_sort_by:
 *
 * Sorts the entries as a click on the column's header does.
 */
void
burrow_file_list_page_sort_by (BurrowFileListPage   *self,
                               BurrowFileListColumn  column,
                               GtkSortType           order)
{
  g_return_if_fail (BURROW_IS_FILE_LIST_PAGE (self));

  gtk_column_view_sort_by_column (self->column_view,
                                  column == BURROW_FILE_LIST_COLUMN_SIZE ? self->size_column
                                                                         : self->name_column,
                                  order);
}

GtkColumnView *
burrow_file_list_page_get_column_view (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->column_view;
}

GtkListView *
burrow_file_list_page_get_folder_view (BurrowFileListPage *self)
{
  g_return_val_if_fail (BURROW_IS_FILE_LIST_PAGE (self), NULL);
  return self->folder_view;
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
burrow_file_list_page_dispose (GObject *object)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (object);
  GtkWidget *child;

  forget_source (self);
  g_clear_handle_id (&self->message_timeout_id, g_source_remove);
  if (self->column_view != NULL)
    g_signal_handlers_disconnect_by_func (gtk_column_view_get_sorter (self->column_view),
                                          on_column_view_sorter_changed_cb, self);
  if (self->folder_selection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->folder_selection, self);
      gtk_single_selection_set_model (self->folder_selection, NULL);
    }
  if (self->entries_selection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->entries_selection, self);
      gtk_multi_selection_set_model (self->entries_selection, NULL);
    }
  g_clear_object (&self->entries);
  g_clear_object (&self->folders);
  g_clear_pointer (&self->tree, burrow_file_tree_unref);
  g_clear_pointer (&self->file_popover, gtk_widget_unparent);
  g_clear_pointer (&self->folder_popover, gtk_widget_unparent);
  g_clear_pointer (&self->tree_popover, gtk_widget_unparent);
  g_clear_object (&self->client);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_FILE_LIST_PAGE);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (burrow_file_list_page_parent_class)->dispose (object);
}

static void
burrow_file_list_page_finalize (GObject *object)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (object);

  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->error_text);
  g_clear_pointer (&self->icons, g_hash_table_unref);
  g_clear_object (&self->probe_a);
  g_clear_object (&self->probe_b);

  G_OBJECT_CLASS (burrow_file_list_page_parent_class)->finalize (object);
}

static void
burrow_file_list_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    case PROP_TREE: g_value_set_boxed (value, self->tree); break;
    case PROP_LOADING: g_value_set_boolean (value, self->loading); break;
    case PROP_IS_OWN: g_value_set_boolean (value, self->own); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_SUBTITLE: g_value_set_string (value, self->subtitle); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_file_list_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  BurrowFileListPage *self = BURROW_FILE_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: burrow_file_list_page_set_client (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_file_list_page_class_init (BurrowFileListPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_file_list_page_dispose;
  object_class->finalize = burrow_file_list_page_finalize;
  object_class->get_property = burrow_file_list_page_get_property;
  object_class->set_property = burrow_file_list_page_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, BURROW_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TREE] =
    g_param_spec_boxed ("tree", NULL, NULL, BURROW_TYPE_FILE_TREE,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_OWN] =
    g_param_spec_boolean ("is-own", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH
                                               "/ui/burrow-file-list-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, download_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, download_folder_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, entries_selection);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, entries_scroller);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, file_menu);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, folder_menu);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, folder_selection);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, folder_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, loading_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, message_box);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, message_icon);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, name_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, path_box);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, path_scroller);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, reload_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, size_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, tree_menu);
  gtk_widget_class_bind_template_child (widget_class, BurrowFileListPage, tth_column);
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entries_selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_folder_selection_selected_notify_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_message_close_clicked_cb);

  gtk_widget_class_install_action (widget_class, "filelist.download", NULL,
                                   filelist_download_action);
  gtk_widget_class_install_action (widget_class, "filelist.download-folder", NULL,
                                   filelist_download_folder_action);
  gtk_widget_class_install_action (widget_class, "filelist.copy-magnet", NULL,
                                   filelist_copy_magnet_action);
  gtk_widget_class_install_action (widget_class, "filelist.open", NULL, filelist_open_action);
  gtk_widget_class_install_action (widget_class, "filelist.open-path", "s",
                                   filelist_open_path_action);
  gtk_widget_class_install_action (widget_class, "filelist.go-up", NULL, filelist_go_up_action);
  gtk_widget_class_install_action (widget_class, "filelist.reload", NULL, filelist_reload_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK,
                                       "filelist.go-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "filelist.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "filelist.reload", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static GtkListItemFactory *
signal_factory (GCallback           setup,
                GCallback           bind,
                GCallback           unbind,
                BurrowFileListPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, self);
  g_signal_connect (factory, "bind", bind, self);
  if (unbind != NULL)
    g_signal_connect (factory, "unbind", unbind, self);
  return factory;
}

static GtkWidget *
new_popover (BurrowFileListPage *self,
             GMenuModel         *menu)
{
  GtkWidget *popover = gtk_popover_menu_new_from_model (menu);

  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  gtk_widget_set_parent (popover, GTK_WIDGET (self));
  return popover;
}

static void
burrow_file_list_page_init (BurrowFileListPage *self)
{
  GtkColumnViewColumn *sortable[] = { NULL, NULL };
  g_autoptr(GtkListItemFactory) folder_factory = NULL;
  g_autoptr(GtkListItemFactory) name_factory = NULL;
  g_autoptr(GtkListItemFactory) size_factory = NULL;
  g_autoptr(GtkListItemFactory) tth_factory = NULL;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->icons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->probe_a = g_object_new (G_TYPE_OBJECT, NULL);
  self->probe_b = g_object_new (G_TYPE_OBJECT, NULL);
  self->probed_column = -1;
  self->sort_column = BURROW_FILE_LIST_COLUMN_NAME;
  self->sort_order = GTK_SORT_ASCENDING;

  folder_factory = signal_factory (G_CALLBACK (setup_folder_cb), G_CALLBACK (bind_folder_cb),
                                   G_CALLBACK (unbind_folder_cb), self);
  gtk_list_view_set_factory (self->folder_view, folder_factory);
  name_factory = signal_factory (G_CALLBACK (setup_name_cb), G_CALLBACK (bind_name_cb), NULL,
                                 self);
  gtk_column_view_column_set_factory (self->name_column, name_factory);
  size_factory = signal_factory (G_CALLBACK (setup_size_cb), G_CALLBACK (bind_size_cb), NULL,
                                 self);
  gtk_column_view_column_set_factory (self->size_column, size_factory);
  tth_factory = signal_factory (G_CALLBACK (setup_tth_cb), G_CALLBACK (bind_tth_cb), NULL, self);
  gtk_column_view_column_set_factory (self->tth_column, tth_factory);

  sortable[BURROW_FILE_LIST_COLUMN_NAME] = self->name_column;
  sortable[BURROW_FILE_LIST_COLUMN_SIZE] = self->size_column;
  for (guint i = 0; i < G_N_ELEMENTS (sortable); i++)
    {
      g_autoptr(GtkSorter) sorter = NULL;

      self->probes[i].self = self;
      self->probes[i].column = i;
      sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare, &self->probes[i], NULL));
      gtk_column_view_column_set_sorter (sortable[i], sorter);
    }
  g_signal_connect (gtk_column_view_get_sorter (self->column_view), "changed",
                    G_CALLBACK (on_column_view_sorter_changed_cb), self);
  gtk_column_view_sort_by_column (self->column_view, self->name_column, GTK_SORT_ASCENDING);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_column_view_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (click));
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_folder_view_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->folder_view), GTK_EVENT_CONTROLLER (click));

  self->file_popover = new_popover (self, self->file_menu);
  self->folder_popover = new_popover (self, self->folder_menu);
  self->tree_popover = new_popover (self, self->tree_menu);

  g_signal_connect (gtk_scrolled_window_get_hadjustment (self->path_scroller), "changed",
                    G_CALLBACK (on_path_adjustment_changed_cb), self);

  gtk_stack_set_visible_child_name (self->stack, "loading");
  update_actions (self);
}
