/* burrow-user-list.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-user-list"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-application.h"
#include "burrow-file-list-window.h"
#include "burrow-user-model.h"
#include "burrow-user-row.h"

#include "burrow-user-list.h"

/* The session's users go through a BurrowUserModel (sorted and filtered with precomputed keys,
 * see burrow-user-model.c for the measurements behind it) into a GtkSingleSelection and the
 * GtkColumnView. */

typedef struct
{
  BurrowUserList       *self;
  BurrowUserListColumn  column;
} ColumnProbe;

struct _BurrowUserList
{
  GtkWidget           parent_instance;

  /* template widgets and objects */
  GtkColumnViewColumn *client_column;
  GtkColumnView       *column_view;
  GtkLabel            *count_label;
  GtkColumnViewColumn *description_column;
  GtkColumnViewColumn *mode_column;
  GtkColumnViewColumn *nick_column;
  GtkSearchEntry      *search_entry;
  GtkSingleSelection  *selection;
  GtkColumnViewColumn *share_column;
  GtkColumnViewColumn *slots_column;
  GMenuModel          *user_menu;

  /* owned */
  GtkWidget           *context_menu;    /* GtkPopoverMenu, parented to self */
  BurrowHubSession    *session;
  GListModel          *users;
  BurrowUserModel     *model;
  BurrowUserRows      *rows;
  BurrowUser          *probe_a;
  BurrowUser          *probe_b;
  ColumnProbe          probes[BURROW_USER_LIST_COLUMN_DESCRIPTION + 1];
  BurrowUserListColumn probed_column;
  BurrowUser          *context_user;    /* the user the context menu is about */
  gulong               user_updated_id;
  guint                resort_id;       /* pending re-sort after INF updates */
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_USERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowUserList, burrow_user_list, GTK_TYPE_WIDGET)

/* Each column has a GtkCustomSorter, so the headers can be clicked and show the sort arrow,
 * but the column view's sorter never sorts anything itself (GTK 4.8 has no API for its
 * primary column either). When it changes, it compares two probe users: the first column
 * sorter it asks records its column, and the sign of the result gives the direction. */
static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  ColumnProbe *probe = data;
  BurrowUserList *self = probe->self;

  if (a != self->probe_a && a != self->probe_b)
    return 0;
  if (self->probed_column == BURROW_USER_LIST_COLUMN_NONE)
    self->probed_column = probe->column;
  return a == self->probe_a ? -1 : 1;
}

/* A new order or filter: the rows stay, their users change; start again at the top. */
static void
reset_view (BurrowUserList *self)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->column_view),
                                                 GTK_TYPE_SCROLLED_WINDOW);

  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  if (scrolled != NULL)
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                              0);
}

static void
on_column_view_sorter_changed_cb (GtkSorter       *sorter,
                                  GtkSorterChange  change,
                                  BurrowUserList  *self)
{
  GtkOrdering ordering;

  self->probed_column = BURROW_USER_LIST_COLUMN_NONE;
  ordering = gtk_sorter_compare (sorter, self->probe_a, self->probe_b);
  reset_view (self);
  burrow_user_model_set_sort (self->model, self->probed_column,
                              ordering == GTK_ORDERING_LARGER ? GTK_SORT_DESCENDING
                                                              : GTK_SORT_ASCENDING);
}

/* Sorting follows INF updates (share size, slots, …) at most every RESORT_DELAY_MS: a full sort
 * of 100,000 users costs tens of milliseconds. */
#define RESORT_DELAY_MS 2000

static gboolean
resort_cb (gpointer data)
{
  BurrowUserList *self = data;

  self->resort_id = 0;
  burrow_user_model_resort (self->model);
  return G_SOURCE_REMOVE;
}

static void
on_session_user_updated_cb (BurrowHubSession *session,
                            BurrowUser       *user,
                            BurrowUserList   *self)
{
  burrow_user_model_user_updated (self->model, user);
  if (self->resort_id == 0)
    self->resort_id = g_timeout_add (RESORT_DELAY_MS, resort_cb, self);
}

static void
update_count (BurrowUserList *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint total = burrow_user_model_get_n_total (self->model);
  g_autofree char *text = NULL;

  if (shown == total)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u user", "%u users", total), total);
  else
    /* Translators: shown users of all users, when the list is filtered */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u user", "%u of %u users",
                                         total),
                            shown, total);
  gtk_label_set_text (self->count_label, text);
}

static void
on_model_items_changed_cb (GListModel     *model,
                                  guint           position,
                                  guint           removed,
                                  guint           added,
                                  BurrowUserList *self)
{
  update_count (self);
}

/**
 * burrow_user_list_set_users:
 * @users: (nullable): a model of #BurrowUser
 *
 * Shows @users; set by burrow_user_list_set_session(), or directly (tests, benchmarks).
 */
void
burrow_user_list_set_users (BurrowUserList *self,
                            GListModel     *users)
{
  g_return_if_fail (BURROW_IS_USER_LIST (self));
  g_return_if_fail (users == NULL || G_IS_LIST_MODEL (users));

  if (self->users == users)
    return;

  g_set_object (&self->users, users);
  burrow_user_model_set_source (self->model, users);
  update_count (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERS]);
}

GListModel *
burrow_user_list_get_users (BurrowUserList *self)
{
  g_return_val_if_fail (BURROW_IS_USER_LIST (self), NULL);
  return self->users;
}

void
burrow_user_list_set_session (BurrowUserList   *self,
                              BurrowHubSession *session)
{
  g_return_if_fail (BURROW_IS_USER_LIST (self));
  g_return_if_fail (session == NULL || BURROW_IS_HUB_SESSION (session));

  if (self->session == session)
    return;

  if (self->session != NULL)
    g_clear_signal_handler (&self->user_updated_id, self->session);
  g_set_object (&self->session, session);
  if (session != NULL)
    self->user_updated_id = g_signal_connect (session, "user-updated",
                                              G_CALLBACK (on_session_user_updated_cb), self);
  burrow_user_list_set_users (self, session ? burrow_hub_session_get_users (session) : NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

BurrowHubSession *
burrow_user_list_get_session (BurrowUserList *self)
{
  g_return_val_if_fail (BURROW_IS_USER_LIST (self), NULL);
  return self->session;
}

/**
 * burrow_user_list_set_filter_text:
 * @text: (nullable): part of a nick; %NULL or "" shows everyone
 *
 * Filters by nick, ignoring case. The search entry calls this.
 */
void
burrow_user_list_set_filter_text (BurrowUserList *self,
                                  const char     *text)
{
  g_return_if_fail (BURROW_IS_USER_LIST (self));

  reset_view (self);
  burrow_user_model_set_filter (self->model, text);
  update_count (self);
}

/**
 * burrow_user_list_sort_by:
 * @column: what to sort by; %BURROW_USER_LIST_COLUMN_NONE for the hub's order
 *
 * Sorts as if the user clicked the column's header.
 */
void
burrow_user_list_sort_by (BurrowUserList       *self,
                          BurrowUserListColumn  column,
                          GtkSortType           order)
{
  GtkColumnViewColumn *columns[] = {
    NULL, self->nick_column, self->share_column, self->slots_column, self->mode_column,
    self->client_column, self->description_column,
  };

  g_return_if_fail (BURROW_IS_USER_LIST (self));
  g_return_if_fail ((guint) column < G_N_ELEMENTS (columns));

  gtk_column_view_sort_by_column (self->column_view, columns[column], order);
}

GtkColumnView *
burrow_user_list_get_column_view (BurrowUserList *self)
{
  g_return_val_if_fail (BURROW_IS_USER_LIST (self), NULL);
  return self->column_view;
}

/**
 * burrow_user_list_get_model:
 *
 * Returns: (transfer none): what the column view shows: the users, sorted and filtered
 */
BurrowUserModel *
burrow_user_list_get_model (BurrowUserList *self)
{
  g_return_val_if_fail (BURROW_IS_USER_LIST (self), NULL);
  return self->model;
}

GtkSearchEntry *
burrow_user_list_get_search_entry (BurrowUserList *self)
{
  g_return_val_if_fail (BURROW_IS_USER_LIST (self), NULL);
  return self->search_entry;
}

GtkWidget *
burrow_user_list_new (void)
{
  return g_object_new (BURROW_TYPE_USER_LIST, NULL);
}

/* Cells. The factories are GtkSignalListItemFactory set up here, not GtkBuilderListItemFactory
 * templates: a filter keystroke replaces the rows on screen, and parsing a builder template for
 * each of ~150 new cells cost 100–200 ms per keystroke on GTK 4.8. */

static char *
format_cell (BurrowUser           *user,
             BurrowUserListColumn  column)
{
  switch (column)
    {
    case BURROW_USER_LIST_COLUMN_SHARE:
      return g_format_size (burrow_user_get_share_size (user));
    case BURROW_USER_LIST_COLUMN_SLOTS:
      /* Translators: free upload slots / all upload slots of a user */
      return g_strdup_printf (_("%u/%u"), burrow_user_get_free_slots (user),
                              burrow_user_get_slots (user));
    case BURROW_USER_LIST_COLUMN_MODE:
      switch (burrow_user_get_mode (user))
        {
        case BURROW_USER_MODE_ACTIVE:
          /* Translators: a user's connection mode */
          return g_strdup (C_("mode", "Active"));
        case BURROW_USER_MODE_NAT_TRAVERSAL:
          /* Translators: a passive user who can be reached by NAT traversal (short) */
          return g_strdup (C_("mode", "NAT-T"));
        case BURROW_USER_MODE_PASSIVE:
        default:
          return g_strdup (C_("mode", "Passive"));
        }
    case BURROW_USER_LIST_COLUMN_CLIENT:
      return g_strdup (burrow_user_get_client (user));
    case BURROW_USER_LIST_COLUMN_DESCRIPTION:
      return g_strdup (burrow_user_get_description (user));
    case BURROW_USER_LIST_COLUMN_NICK:
    case BURROW_USER_LIST_COLUMN_NONE:
    default:
      return g_strdup (burrow_user_get_nick (user));
    }
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ColumnProbe              *column)
{
  GtkWidget *cell = gtk_inscription_new (NULL);
  gboolean numeric = (column->column == BURROW_USER_LIST_COLUMN_SHARE ||
                      column->column == BURROW_USER_LIST_COLUMN_SLOTS);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), numeric ? 1.0 : 0.0);
  if (numeric)
    gtk_widget_add_css_class (cell, "numeric");
  if (column->column == BURROW_USER_LIST_COLUMN_NICK)
    gtk_widget_add_css_class (cell, "burrow-user-nick");

  /* For the context menu: which row a right click hit (see on_column_view_pressed_cb). */
  g_object_set_data (G_OBJECT (cell), "burrow-list-item", list_item);

  gtk_list_item_set_child (list_item, cell);
}

/* A cell follows its row's user (notify::user on the BurrowUserRow) and that user's INF
 * updates (notify on the BurrowUser). */
typedef struct
{
  GtkInscription       *cell;
  BurrowUserListColumn  column;
  BurrowUserRow        *row;
  BurrowUser           *user;
} CellUpdate;

static void
on_user_notify_cb (BurrowUser *user,
                   GParamSpec *pspec,
                   CellUpdate *update)
{
  g_autofree char *text = format_cell (user, update->column);

  gtk_inscription_set_text (update->cell, text);
}

static void
cell_set_user (CellUpdate *update,
               BurrowUser *user)
{
  if (update->user != NULL)
    g_signal_handlers_disconnect_by_func (update->user, on_user_notify_cb, update);
  g_set_object (&update->user, user);
  if (user != NULL)
    {
      on_user_notify_cb (user, NULL, update);
      g_signal_connect (user, "notify", G_CALLBACK (on_user_notify_cb), update);
    }
  else
    {
      gtk_inscription_set_text (update->cell, NULL);
    }
}

static void
on_row_user_notify_cb (BurrowUserRow *row,
                       GParamSpec    *pspec,
                       CellUpdate    *update)
{
  cell_set_user (update, burrow_user_row_get_user (row));
}

static void
cell_update_free (gpointer data)
{
  CellUpdate *update = data;

  if (update->row != NULL)
    g_signal_handlers_disconnect_by_func (update->row, on_row_user_notify_cb, update);
  cell_set_user (update, NULL);
  g_clear_object (&update->row);
  g_free (update);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              ColumnProbe              *column)
{
  BurrowUserRow *row = gtk_list_item_get_item (list_item);
  CellUpdate *update = g_new0 (CellUpdate, 1);

  update->cell = GTK_INSCRIPTION (gtk_list_item_get_child (list_item));
  update->column = column->column;
  update->row = g_object_ref (row);
  g_signal_connect (row, "notify::user", G_CALLBACK (on_row_user_notify_cb), update);
  cell_set_user (update, burrow_user_row_get_user (row));
  g_object_set_data_full (G_OBJECT (list_item), "burrow-cell-update", update, cell_update_free);
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                ColumnProbe              *column)
{
  g_object_set_data (G_OBJECT (list_item), "burrow-cell-update", NULL);
}

static void
on_search_entry_search_changed_cb (BurrowUserList *self,
                                   GtkSearchEntry *entry)
{
  burrow_user_list_set_filter_text (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_search_entry_stop_search_cb (BurrowUserList *self,
                                GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
request_private_message (BurrowUserList *self,
                         BurrowUser     *user)
{
  const char *nick = burrow_user_get_nick (user);

  if (nick != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "hub.private-message", "s", nick);
}

static void
on_column_view_activate_cb (BurrowUserList *self,
                            guint           position,
                            GtkColumnView  *view)
{
  g_autoptr(BurrowUser) user = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (user != NULL)
    request_private_message (self, user);
}

/* Right click anywhere on a row: one gesture on the column view (not one per cell: rows are
 * recreated on every filter keystroke); the cell under the pointer knows its list item. */
static void
on_column_view_pressed_cb (GtkGestureClick *gesture,
                           int              n_press,
                           double           x,
                           double           y,
                           BurrowUserList  *self)
{
  GtkWidget *view = GTK_WIDGET (self->column_view);
  GtkWidget *widget = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);
  GtkListItem *list_item = NULL;
  BurrowUser *user;
  double lx = 0;
  double ly = 0;

  for (; widget != NULL && widget != view; widget = gtk_widget_get_parent (widget))
    {
      list_item = g_object_get_data (G_OBJECT (widget), "burrow-list-item");
      if (list_item != NULL)
        break;
    }
  if (list_item == NULL || gtk_list_item_get_item (list_item) == NULL)
    return;
  user = burrow_user_row_get_user (gtk_list_item_get_item (list_item));
  if (user == NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_single_selection_set_selected (self->selection, gtk_list_item_get_position (list_item));
  g_set_object (&self->context_user, user);

  gtk_widget_translate_coordinates (view, GTK_WIDGET (self), x, y, &lx, &ly);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) lx, (int) ly, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
user_private_message_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  BurrowUserList *self = BURROW_USER_LIST (widget);

  if (self->context_user != NULL)
    request_private_message (self, self->context_user);
}

static void
user_copy_nick_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BurrowUserList *self = BURROW_USER_LIST (widget);
  const char *nick;

  if (self->context_user == NULL)
    return;
  nick = burrow_user_get_nick (self->context_user);
  if (nick != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), nick);
}

/* The user the context menu was opened on, else the selected one. */
static void
user_browse_files_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  BurrowUserList *self = BURROW_USER_LIST (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root))
                                             : NULL;
  g_autoptr(BurrowUserRow) row = NULL;
  BurrowUser *user = self->context_user;

  if (user == NULL)
    {
      row = gtk_single_selection_get_selected_item (self->selection);
      if (row != NULL)
        g_object_ref (row);
      user = row != NULL ? burrow_user_row_get_user (row) : NULL;
    }
  if (user == NULL || self->session == NULL || !BURROW_IS_APPLICATION (app) ||
      burrow_application_get_client (BURROW_APPLICATION (app)) == NULL)
    return;
  burrow_file_list_window_browse_user (GTK_WINDOW (root),
                                       burrow_application_get_client (BURROW_APPLICATION (app)),
                                       self->session, user);
}

static void
burrow_user_list_dispose (GObject *object)
{
  BurrowUserList *self = BURROW_USER_LIST (object);
  GtkWidget *child;

  if (self->session != NULL)
    g_clear_signal_handler (&self->user_updated_id, self->session);
  g_clear_handle_id (&self->resort_id, g_source_remove);
  if (self->column_view != NULL)
    g_signal_handlers_disconnect_by_func (gtk_column_view_get_sorter (self->column_view),
                                          on_column_view_sorter_changed_cb, self);
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->model, on_model_items_changed_cb, self);
      burrow_user_model_set_source (self->model, NULL);
    }
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  g_clear_object (&self->context_user);
  g_clear_object (&self->users);
  g_clear_object (&self->session);
  g_clear_object (&self->probe_a);
  g_clear_object (&self->probe_b);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_USER_LIST);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (burrow_user_list_parent_class)->dispose (object);
}

static void
burrow_user_list_finalize (GObject *object)
{
  BurrowUserList *self = BURROW_USER_LIST (object);

  g_clear_object (&self->rows);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (burrow_user_list_parent_class)->finalize (object);
}

static void
burrow_user_list_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BurrowUserList *self = BURROW_USER_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    case PROP_USERS: g_value_set_object (value, self->users); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_user_list_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  BurrowUserList *self = BURROW_USER_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION: burrow_user_list_set_session (self, g_value_get_object (value)); break;
    case PROP_USERS: burrow_user_list_set_users (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_user_list_class_init (BurrowUserListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_user_list_dispose;
  object_class->finalize = burrow_user_list_finalize;
  object_class->get_property = burrow_user_list_get_property;
  object_class->set_property = burrow_user_list_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BURROW_TYPE_HUB_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERS] =
    g_param_spec_object ("users", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BURROW_TYPE_USER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-user-list.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, client_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, column_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, count_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, description_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, mode_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, nick_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, selection);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, share_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, slots_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowUserList, user_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_stop_search_cb);

  gtk_widget_class_install_action (widget_class, "user.private-message", NULL,
                                   user_private_message_action);
  gtk_widget_class_install_action (widget_class, "user.copy-nick", NULL, user_copy_nick_action);
  gtk_widget_class_install_action (widget_class, "user.browse-files", NULL,
                                   user_browse_files_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_user_list_init (BurrowUserList *self)
{
  GtkColumnViewColumn *columns[BURROW_USER_LIST_COLUMN_DESCRIPTION + 1];
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  columns[BURROW_USER_LIST_COLUMN_NONE] = NULL;
  columns[BURROW_USER_LIST_COLUMN_NICK] = self->nick_column;
  columns[BURROW_USER_LIST_COLUMN_SHARE] = self->share_column;
  columns[BURROW_USER_LIST_COLUMN_SLOTS] = self->slots_column;
  columns[BURROW_USER_LIST_COLUMN_MODE] = self->mode_column;
  columns[BURROW_USER_LIST_COLUMN_CLIENT] = self->client_column;
  columns[BURROW_USER_LIST_COLUMN_DESCRIPTION] = self->description_column;

  self->model = burrow_user_model_new ();
  self->probe_a = burrow_user_new (0);
  self->probe_b = burrow_user_new (1);
  for (guint i = BURROW_USER_LIST_COLUMN_NICK; i < G_N_ELEMENTS (columns); i++)
    {
      g_autoptr(GtkSorter) sorter = NULL;
      g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

      self->probes[i].self = self;
      self->probes[i].column = i;
      sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare, &self->probes[i], NULL));
      gtk_column_view_column_set_sorter (columns[i], sorter);
      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), &self->probes[i]);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), &self->probes[i]);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell_cb), &self->probes[i]);
      gtk_column_view_column_set_factory (columns[i], factory);
    }
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_column_view_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (click));

  g_signal_connect (gtk_column_view_get_sorter (self->column_view), "changed",
                    G_CALLBACK (on_column_view_sorter_changed_cb), self);
  self->rows = burrow_user_rows_new (G_LIST_MODEL (self->model));
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
  g_signal_connect (self->model, "items-changed", G_CALLBACK (on_model_items_changed_cb), self);

  self->context_menu = gtk_popover_menu_new_from_model (self->user_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));

  /* Sorted by nick unless the user picks another column. */
  gtk_column_view_sort_by_column (self->column_view, self->nick_column, GTK_SORT_ASCENDING);
  update_count (self);
}
