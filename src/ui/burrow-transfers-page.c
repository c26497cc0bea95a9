/* burrow-transfers-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-transfers-page"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-ui-format.h"
#include "burrow-window.h"

#include "burrow-transfers-page.h"

/* Three lists on one page: the transfer manager's running transfers, the download queue without
 * its finished items, and the finished items. The two queue lists are filters over the one
 * queue model; they are refiltered when an item's state changes. Cells are made by one signal
 * factory per column: a cell listens to its item's "notify" while bound and redraws itself from
 * the item (the manager throttles transfer updates to a few per second). */

typedef enum
{
  COLUMN_DIRECTION,
  COLUMN_FILE,
  COLUMN_PEER,
  COLUMN_PROGRESS,
  COLUMN_SPEED,
  COLUMN_ETA,
  COLUMN_CONNECTION,
  COLUMN_QUEUE_NAME,
  COLUMN_QUEUE_SIZE,
  COLUMN_QUEUE_PROGRESS,
  COLUMN_QUEUE_STATE,
  COLUMN_QUEUE_SOURCES,
  COLUMN_QUEUE_PRIORITY,
  COLUMN_DONE_NAME,
  COLUMN_DONE_SIZE,
  COLUMN_DONE_FOLDER,
  COLUMN_DONE_OPEN,
} Column;

struct _BurrowTransfersPage
{
  GtkWidget           parent_instance;

  /* template widgets */
  GtkColumnView      *finished_view;
  GtkPaned           *inner_paned;
  GtkPaned           *outer_paned;
  GtkButton          *pause_button;
  GtkColumnView      *queue_view;
  GtkButton          *remove_button;
  GtkButton          *resume_button;
  GtkStack           *transfers_stack;
  GtkColumnView      *transfers_view;

  /* owned */
  BurrowClient       *client;
  GListModel         *transfers;        /* the manager's */
  GListModel         *queue;            /* the download queue */
  GtkCustomFilter    *unfinished_filter;
  GtkCustomFilter    *finished_filter;
  GtkFilterListModel *unfinished_model;
  GtkFilterListModel *finished_model;
  GtkSingleSelection *queue_selection;
  GPtrArray          *watched;          /* BurrowQueueItem whose notify::state we follow */
};

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowTransfersPage, burrow_transfers_page, GTK_TYPE_WIDGET)

/* ---------------------------------------------------------------------------------------------- */
/* Words                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

/**
 * burrow_transfers_format_method:
 *
 * Returns: how a transfer's connection was made, in words
 */
const char *
burrow_transfers_format_method (BurrowPunchMethod method)
{
  return burrow_ui_format_punch_method (method);
}

/**
 * burrow_transfers_format_queue_state:
 *
 * Returns: the translated name of a queue item's state
 */
const char *
burrow_transfers_format_queue_state (BurrowQueueState state)
{
  switch (state)
    {
    case BURROW_QUEUE_STATE_QUEUED:
      return C_("download", "Queued");
    case BURROW_QUEUE_STATE_RUNNING:
      return C_("download", "Downloading");
    case BURROW_QUEUE_STATE_PAUSED:
      return C_("download", "Paused");
    case BURROW_QUEUE_STATE_FAILED:
      return C_("download", "Failed");
    case BURROW_QUEUE_STATE_DONE:
      return C_("download", "Done");
    default:
      return C_("download", "Unknown");
    }
}

/**
 * burrow_transfers_format_priority:
 *
 * Returns: the translated name of a download priority
 */
const char *
burrow_transfers_format_priority (BurrowQueuePriority priority)
{
  switch (priority)
    {
    case BURROW_QUEUE_PRIORITY_LOWEST:
      return C_("priority", "Lowest");
    case BURROW_QUEUE_PRIORITY_LOW:
      return C_("priority", "Low");
    case BURROW_QUEUE_PRIORITY_HIGH:
      return C_("priority", "High");
    case BURROW_QUEUE_PRIORITY_HIGHEST:
      return C_("priority", "Highest");
    case BURROW_QUEUE_PRIORITY_NORMAL:
    default:
      return C_("priority", "Normal");
    }
}

/**
 * burrow_transfers_format_speed:
 *
 * Returns: (transfer full): a transfer rate, like “1.2 MB/s”
 */
char *
burrow_transfers_format_speed (guint64 bytes_per_second)
{
  g_autofree char *size = g_format_size (bytes_per_second);

  /* Translators: a transfer speed; %s is an amount of data such as “1.2 MB” */
  return g_strdup_printf (_("%s/s"), size);
}

/**
 * burrow_transfers_format_eta:
 * @seconds: the time left, negative when unknown
 *
 * Returns: (transfer full): “1:02:03”, “2:03”, or “—” when unknown
 */
char *
burrow_transfers_format_eta (gint64 seconds)
{
  if (seconds < 0)
    return g_strdup ("—");
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/**
 * burrow_transfers_dup_folder_uri:
 * @item: a queue item
 *
 * Returns: (transfer full) (nullable): the URI of the folder that holds (or will hold) @item
 */
char *
burrow_transfers_dup_folder_uri (BurrowQueueItem *item)
{
  const char *path;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (BURROW_IS_QUEUE_ITEM (item), NULL);

  path = burrow_queue_item_get_final_path (item);
  if (path != NULL)
    dir = g_path_get_dirname (path);
  else if (burrow_queue_item_get_target_dir (item) != NULL)
    dir = g_strdup (burrow_queue_item_get_target_dir (item));
  if (dir == NULL)
    return NULL;
  return g_filename_to_uri (dir, NULL, NULL);
}

static void
on_launch_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GtkWidget) parent = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GtkRoot *root;

  if (g_app_info_launch_default_for_uri_finish (result, &error))
    return;
  /* Translators: %s says why the folder could not be opened */
  text = g_strdup_printf (_("Could not open the folder: %s"), error->message);
  root = parent != NULL ? gtk_widget_get_root (parent) : NULL;
  if (BURROW_IS_WINDOW (root))
    burrow_window_show_banner (BURROW_WINDOW (root), text);
  else
    g_warning ("%s", text);
}

/**
 * burrow_transfers_open_folder:
 * @item: a finished queue item
 * @parent: (nullable): a widget of the window that asks, for the launch context and errors
 *
 * Opens the folder that holds @item with the default file manager.
 */
void
burrow_transfers_open_folder (BurrowQueueItem *item,
                              GtkWidget       *parent)
{
  g_autofree char *uri = NULL;
  g_autoptr(GdkAppLaunchContext) context = NULL;

  g_return_if_fail (BURROW_IS_QUEUE_ITEM (item));
  g_return_if_fail (parent == NULL || GTK_IS_WIDGET (parent));

  uri = burrow_transfers_dup_folder_uri (item);
  if (uri == NULL)
    return;
  if (parent != NULL)
    context = gdk_display_get_app_launch_context (gtk_widget_get_display (parent));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           on_launch_done_cb,
                                           parent != NULL ? g_object_ref (parent) : NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* Row texts                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

static double
fraction (guint64 done,
          guint64 total)
{
  if (total == 0)
    return 0.0;
  return CLAMP ((double) done / (double) total, 0.0, 1.0);
}

static char *
format_percent (double value)
{
  /* Translators: a progress in percent */
  return g_strdup_printf (_("%.0f %%"), value * 100.0);
}

static char *
format_connection (BurrowTransfer *transfer)
{
  const char *method = burrow_transfers_format_method (burrow_transfer_get_method (transfer));

  if (burrow_transfer_get_state (transfer) == BURROW_TRANSFER_STATE_CONNECTING)
    /* Translators: the connection column while the peer is being reached */
    return g_strdup (C_("connection", "Connecting…"));
  if (burrow_transfer_get_tls (transfer))
    /* Translators: a connection method and that it is encrypted; TLS is a protocol name */
    return g_strdup_printf (_("%s, TLS"), method);
  return g_strdup (method);
}

static const char *
format_peer (BurrowTransfer *transfer)
{
  const char *nick = burrow_transfer_get_nick (transfer);

  return nick != NULL && *nick != '\0' ? nick : "?";
}

/**
 * burrow_transfers_page_dup_transfer_text:
 *
 * Returns: (transfer full): the cells of @transfer's row as the page shows them, separated
 *   by “ | ”: direction, file, peer, progress, speed, time left, connection
 */
char *
burrow_transfers_page_dup_transfer_text (BurrowTransfersPage *self,
                                         BurrowTransfer      *transfer)
{
  g_autofree char *percent = NULL;
  g_autofree char *speed = NULL;
  g_autofree char *eta = NULL;
  g_autofree char *connection = NULL;
  gboolean up;

  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  g_return_val_if_fail (BURROW_IS_TRANSFER (transfer), NULL);

  up = burrow_transfer_get_direction (transfer) == BURROW_TRANSFER_DIRECTION_UPLOAD;
  percent = format_percent (fraction (burrow_transfer_get_position (transfer),
                                      burrow_transfer_get_size (transfer)));
  speed = burrow_transfers_format_speed (burrow_transfer_get_rate (transfer));
  eta = burrow_transfers_format_eta (burrow_transfer_get_eta (transfer));
  connection = format_connection (transfer);
  return g_strdup_printf ("%s | %s | %s | %s | %s | %s | %s",
                          up ? _("Upload") : _("Download"),
                          burrow_transfer_get_name (transfer) ? burrow_transfer_get_name (transfer)
                                                              : "",
                          format_peer (transfer), percent, speed, eta, connection);
}

/**
 * burrow_transfers_page_dup_queue_text:
 *
 * Returns: (transfer full): the cells of @item's queue row: name, size, progress, state,
 *   sources, priority, separated by “ | ”
 */
char *
burrow_transfers_page_dup_queue_text (BurrowTransfersPage *self,
                                      BurrowQueueItem     *item)
{
  g_autofree char *size = NULL;
  g_autofree char *percent = NULL;

  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  g_return_val_if_fail (BURROW_IS_QUEUE_ITEM (item), NULL);

  size = g_format_size (burrow_queue_item_get_size (item));
  percent = format_percent (fraction (burrow_queue_item_get_verified_bytes (item),
                                      burrow_queue_item_get_size (item)));
  return g_strdup_printf ("%s | %s | %s | %s | %u | %s", burrow_queue_item_get_name (item), size,
                          percent,
                          burrow_transfers_format_queue_state (burrow_queue_item_get_state (item)),
                          burrow_queue_item_get_n_sources (item),
                          burrow_transfers_format_priority (burrow_queue_item_get_priority (item)));
}

/* ---------------------------------------------------------------------------------------------- */
/* Cells                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static GtkWidget *
new_label (double xalign)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  return label;
}

static void
set_label (GtkWidget  *widget,
           const char *text)
{
  gtk_label_set_text (GTK_LABEL (widget), text != NULL ? text : "");
}

static void
update_transfer_cell (Column          column,
                      GtkWidget      *widget,
                      BurrowTransfer *transfer)
{
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_DIRECTION:
      if (burrow_transfer_get_direction (transfer) == BURROW_TRANSFER_DIRECTION_UPLOAD)
        {
          gtk_image_set_from_icon_name (GTK_IMAGE (widget), "go-up-symbolic");
          gtk_widget_set_tooltip_text (widget, _("Upload"));
        }
      else
        {
          gtk_image_set_from_icon_name (GTK_IMAGE (widget), "go-down-symbolic");
          gtk_widget_set_tooltip_text (widget, _("Download"));
        }
      break;
    case COLUMN_FILE:
      set_label (widget, burrow_transfer_get_name (transfer));
      gtk_widget_set_tooltip_text (widget, burrow_transfer_get_error (transfer));
      break;
    case COLUMN_PEER:
      set_label (widget, format_peer (transfer));
      break;
    case COLUMN_PROGRESS:
      {
        double value = fraction (burrow_transfer_get_position (transfer),
                                 burrow_transfer_get_size (transfer));

        text = format_percent (value);
        gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (widget), value);
        gtk_progress_bar_set_text (GTK_PROGRESS_BAR (widget), text);
      }
      break;
    case COLUMN_SPEED:
      text = burrow_transfers_format_speed (burrow_transfer_get_rate (transfer));
      set_label (widget, text);
      break;
    case COLUMN_ETA:
      text = burrow_transfers_format_eta (burrow_transfer_get_eta (transfer));
      set_label (widget, text);
      break;
    case COLUMN_CONNECTION:
      {
        GtkWidget *icon = gtk_widget_get_first_child (widget);
        GtkWidget *label = gtk_widget_get_next_sibling (icon);
        gboolean tls = burrow_transfer_get_tls (transfer);

        text = format_connection (transfer);
        set_label (label, text);
        gtk_widget_set_visible (icon, tls);
        gtk_widget_set_tooltip_text (widget, tls ? _("Encrypted with TLS") : _("Not encrypted"));
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
update_queue_cell (Column           column,
                   GtkWidget       *widget,
                   BurrowQueueItem *item)
{
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_QUEUE_NAME:
    case COLUMN_DONE_NAME:
      set_label (widget, burrow_queue_item_get_name (item));
      gtk_widget_set_tooltip_text (widget, burrow_queue_item_get_final_path (item));
      break;
    case COLUMN_QUEUE_SIZE:
    case COLUMN_DONE_SIZE:
      text = g_format_size (burrow_queue_item_get_size (item));
      set_label (widget, text);
      break;
    case COLUMN_QUEUE_PROGRESS:
      {
        double value = fraction (burrow_queue_item_get_verified_bytes (item),
                                 burrow_queue_item_get_size (item));

        text = format_percent (value);
        gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (widget), value);
        gtk_progress_bar_set_text (GTK_PROGRESS_BAR (widget), text);
      }
      break;
    case COLUMN_QUEUE_STATE:
      set_label (widget, burrow_transfers_format_queue_state (burrow_queue_item_get_state (item)));
      gtk_widget_set_tooltip_text (widget, burrow_queue_item_get_error_message (item));
      break;
    case COLUMN_QUEUE_SOURCES:
      text = g_strdup_printf ("%u", burrow_queue_item_get_n_sources (item));
      set_label (widget, text);
      break;
    case COLUMN_QUEUE_PRIORITY:
      g_object_set_data (G_OBJECT (widget), "burrow-updating", GINT_TO_POINTER (TRUE));
      gtk_drop_down_set_selected (GTK_DROP_DOWN (widget), burrow_queue_item_get_priority (item));
      g_object_set_data (G_OBJECT (widget), "burrow-updating", NULL);
      break;
    case COLUMN_DONE_FOLDER:
      {
        const char *path = burrow_queue_item_get_final_path (item);
        g_autofree char *dir = path != NULL ? g_path_get_dirname (path) : NULL;

        set_label (widget, dir != NULL ? dir : burrow_queue_item_get_target_dir (item));
      }
      break;
    case COLUMN_DONE_OPEN:
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
update_cell (GtkListItem *list_item)
{
  gpointer item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (list_item), "burrow-column"));

  if (item == NULL || child == NULL)
    return;
  if (BURROW_IS_TRANSFER (item))
    update_transfer_cell (column, child, item);
  else if (BURROW_IS_QUEUE_ITEM (item))
    update_queue_cell (column, child, item);
}

static void
on_cell_item_notify_cb (GObject     *object,
                        GParamSpec  *pspec,
                        GtkListItem *list_item)
{
  update_cell (list_item);
}

static void
on_priority_selected_notify_cb (GtkDropDown *drop_down,
                                GParamSpec  *pspec,
                                GtkListItem *list_item)
{
  BurrowQueueItem *item = gtk_list_item_get_item (list_item);
  BurrowTransfersPage *self;
  g_autoptr(GError) error = NULL;
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (item == NULL || g_object_get_data (G_OBJECT (drop_down), "burrow-updating") != NULL ||
      selected == GTK_INVALID_LIST_POSITION ||
      selected == (guint) burrow_queue_item_get_priority (item))
    return;
  self = BURROW_TRANSFERS_PAGE (gtk_widget_get_ancestor (GTK_WIDGET (drop_down),
                                                         BURROW_TYPE_TRANSFERS_PAGE));
  if (self == NULL || self->client == NULL)
    return;
  if (!burrow_download_queue_set_priority (burrow_client_get_download_queue (self->client), item,
                                           selected, &error))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      if (BURROW_IS_WINDOW (root))
        burrow_window_show_banner (BURROW_WINDOW (root), error->message);
    }
}

static void
on_open_clicked_cb (GtkButton   *button,
                    GtkListItem *list_item)
{
  BurrowQueueItem *item = gtk_list_item_get_item (list_item);

  if (item != NULL)
    burrow_transfers_open_folder (item, GTK_WIDGET (button));
}

static void
on_factory_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *list_item,
                     gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *child;

  g_object_set_data (G_OBJECT (list_item), "burrow-column", user_data);
  switch (column)
    {
    case COLUMN_DIRECTION:
      child = gtk_image_new ();
      break;
    case COLUMN_PROGRESS:
    case COLUMN_QUEUE_PROGRESS:
      child = gtk_progress_bar_new ();
      gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (child), TRUE);
      gtk_widget_set_valign (child, GTK_ALIGN_CENTER);
      break;
    case COLUMN_CONNECTION:
      child = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (child), gtk_image_new_from_icon_name ("channel-secure-symbolic"));
      gtk_box_append (GTK_BOX (child), new_label (0));
      break;
    case COLUMN_SPEED:
    case COLUMN_ETA:
    case COLUMN_QUEUE_SIZE:
    case COLUMN_QUEUE_SOURCES:
    case COLUMN_DONE_SIZE:
      child = new_label (1);
      gtk_widget_add_css_class (child, "numeric");
      break;
    case COLUMN_QUEUE_PRIORITY:
      {
        const char *names[BURROW_QUEUE_PRIORITY_HIGHEST + 2] = { NULL, };

        for (guint i = 0; i <= BURROW_QUEUE_PRIORITY_HIGHEST; i++)
          names[i] = burrow_transfers_format_priority (i);
        child = gtk_drop_down_new_from_strings (names);
        gtk_widget_set_tooltip_text (child, _("Priority"));
        g_signal_connect (child, "notify::selected", G_CALLBACK (on_priority_selected_notify_cb),
                          list_item);
      }
      break;
    case COLUMN_DONE_OPEN:
      child = gtk_button_new_with_label (_("Open Folder"));
      gtk_widget_set_halign (child, GTK_ALIGN_START);
      g_signal_connect (child, "clicked", G_CALLBACK (on_open_clicked_cb), list_item);
      break;
    case COLUMN_FILE:
    case COLUMN_PEER:
    case COLUMN_QUEUE_NAME:
    case COLUMN_QUEUE_STATE:
    case COLUMN_DONE_NAME:
    case COLUMN_DONE_FOLDER:
    default:
      child = new_label (0);
      break;
    }
  gtk_list_item_set_child (list_item, child);
}

static void
on_factory_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  user_data)
{
  GObject *item = gtk_list_item_get_item (list_item);
  gulong id;

  id = g_signal_connect (item, "notify", G_CALLBACK (on_cell_item_notify_cb), list_item);
  g_object_set_data (G_OBJECT (list_item), "burrow-notify-id", GSIZE_TO_POINTER (id));
  update_cell (list_item);
}

static void
on_factory_unbind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *list_item,
                      gpointer                  user_data)
{
  GObject *item = gtk_list_item_get_item (list_item);
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (list_item), "burrow-notify-id"));

  if (item != NULL && id != 0)
    g_signal_handler_disconnect (item, id);
  g_object_set_data (G_OBJECT (list_item), "burrow-notify-id", NULL);
}

static void
add_column (GtkColumnView *view,
            const char    *title,
            Column         column,
            gboolean       expand,
            int            fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *view_column;

  g_signal_connect (factory, "setup", G_CALLBACK (on_factory_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (on_factory_bind_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (on_factory_unbind_cb),
                    GINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_append_column (view, view_column);
  g_object_unref (view_column);
}

/* ---------------------------------------------------------------------------------------------- */
/* Models                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
unfinished_match (gpointer item,
                  gpointer user_data)
{
  return burrow_queue_item_get_state (item) != BURROW_QUEUE_STATE_DONE;
}

static gboolean
finished_match (gpointer item,
                gpointer user_data)
{
  return burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_DONE;
}

static void
update_actions (BurrowTransfersPage *self)
{
  BurrowQueueItem *item = burrow_transfers_page_get_selected (self);
  BurrowQueueState state = item != NULL ? burrow_queue_item_get_state (item)
                                        : BURROW_QUEUE_STATE_DONE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "transfers.pause",
                                 item != NULL && (state == BURROW_QUEUE_STATE_QUEUED ||
                                                  state == BURROW_QUEUE_STATE_RUNNING));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "transfers.resume",
                                 item != NULL && (state == BURROW_QUEUE_STATE_PAUSED ||
                                                  state == BURROW_QUEUE_STATE_FAILED));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "transfers.remove", item != NULL);
}

static void
on_queue_item_state_notify_cb (BurrowQueueItem     *item,
                               GParamSpec          *pspec,
                               BurrowTransfersPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->unfinished_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_filter_changed (GTK_FILTER (self->finished_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_actions (self);
}

static void
unwatch_all (BurrowTransfersPage *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->watched, i),
                                          on_queue_item_state_notify_cb, self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
on_queue_items_changed_cb (GListModel          *queue,
                           guint                position,
                           guint                removed,
                           guint                added,
                           BurrowTransfersPage *self)
{
  guint n = g_list_model_get_n_items (queue);

  /* Follow exactly the items in the queue: forget those that left, watch the new ones. */
  for (guint i = self->watched->len; i > 0; i--)
    {
      BurrowQueueItem *item = g_ptr_array_index (self->watched, i - 1);
      gboolean found = FALSE;

      for (guint j = 0; j < n && !found; j++)
        {
          g_autoptr(GObject) other = g_list_model_get_item (queue, j);

          found = other == (GObject *) item;
        }
      if (!found)
        {
          g_signal_handlers_disconnect_by_func (item, on_queue_item_state_notify_cb, self);
          g_ptr_array_remove_index (self->watched, i - 1);
        }
    }
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowQueueItem) item = g_list_model_get_item (queue, i);

      if (g_ptr_array_find (self->watched, item, NULL))
        continue;
      g_signal_connect (item, "notify::state", G_CALLBACK (on_queue_item_state_notify_cb), self);
      g_ptr_array_add (self->watched, g_object_ref (item));
    }
  update_actions (self);
}

static void
on_transfers_items_changed_cb (GListModel          *transfers,
                               guint                position,
                               guint                removed,
                               guint                added,
                               BurrowTransfersPage *self)
{
  gtk_stack_set_visible_child_name (self->transfers_stack,
                                    g_list_model_get_n_items (transfers) > 0 ? "list" : "empty");
}

/* ---------------------------------------------------------------------------------------------- */
/* Actions                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
report (BurrowTransfersPage *self,
        GError              *error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (BURROW_IS_WINDOW (root))
    burrow_window_show_banner (BURROW_WINDOW (root), error->message);
  else
    g_warning ("%s", error->message);
}

static void
queue_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  BurrowTransfersPage *self = BURROW_TRANSFERS_PAGE (widget);
  BurrowQueueItem *item = burrow_transfers_page_get_selected (self);
  g_autoptr(GError) error = NULL;
  BurrowDownloadQueue *queue;
  gboolean ok = FALSE;

  if (item == NULL || self->client == NULL)
    return;
  queue = burrow_client_get_download_queue (self->client);
  if (g_str_equal (action_name, "transfers.pause"))
    ok = burrow_download_queue_pause (queue, item, &error);
  else if (g_str_equal (action_name, "transfers.resume"))
    ok = burrow_download_queue_resume (queue, item, &error);
  else if (g_str_equal (action_name, "transfers.remove"))
    ok = burrow_download_queue_remove (queue, item, TRUE, &error);
  if (!ok && error != NULL)
    report (self, error);
  if (ok && !g_str_equal (action_name, "transfers.pause"))
    burrow_transfer_manager_kick (burrow_client_get_transfer_manager (self->client));
  update_actions (self);
}

static void
on_selection_changed_cb (GtkSelectionModel   *selection,
                         guint                position,
                         guint                n_items,
                         BurrowTransfersPage *self)
{
  update_actions (self);
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

GtkWidget *
burrow_transfers_page_new (void)
{
  return g_object_new (BURROW_TYPE_TRANSFERS_PAGE, NULL);
}

/**
 * burrow_transfers_page_set_client:
 * @client: (nullable): whose transfers and queue to show
 */
void
burrow_transfers_page_set_client (BurrowTransfersPage *self,
                                  BurrowClient        *client)
{
  g_return_if_fail (BURROW_IS_TRANSFERS_PAGE (self));
  g_return_if_fail (client == NULL || BURROW_IS_CLIENT (client));

  if (self->client == client)
    return;

  if (self->transfers != NULL)
    g_signal_handlers_disconnect_by_data (self->transfers, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  unwatch_all (self);
  g_clear_object (&self->transfers);
  g_clear_object (&self->queue);
  g_set_object (&self->client, client);

  if (client != NULL)
    {
      self->transfers = g_object_ref (burrow_client_get_transfers (client));
      self->queue = g_object_ref (G_LIST_MODEL (burrow_client_get_download_queue (client)));
      g_signal_connect (self->transfers, "items-changed",
                        G_CALLBACK (on_transfers_items_changed_cb), self);
      g_signal_connect (self->queue, "items-changed", G_CALLBACK (on_queue_items_changed_cb), self);
      on_queue_items_changed_cb (self->queue, 0, 0, g_list_model_get_n_items (self->queue), self);
    }

  {
    g_autoptr(GtkNoSelection) transfers_selection =
      gtk_no_selection_new (self->transfers ? g_object_ref (self->transfers) : NULL);

    gtk_column_view_set_model (self->transfers_view, GTK_SELECTION_MODEL (transfers_selection));
  }
  gtk_filter_list_model_set_model (self->unfinished_model, self->queue);
  gtk_filter_list_model_set_model (self->finished_model, self->queue);
  if (self->transfers != NULL)
    on_transfers_items_changed_cb (self->transfers, 0, 0, 0, self);
  else
    gtk_stack_set_visible_child_name (self->transfers_stack, "empty");
  update_actions (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

BurrowClient *
burrow_transfers_page_get_client (BurrowTransfersPage *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  return self->client;
}

/**
 * burrow_transfers_page_get_transfers:
 *
 * Returns: (transfer none) (nullable): the model of the active transfers list
 */
GListModel *
burrow_transfers_page_get_transfers (BurrowTransfersPage *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  return self->transfers;
}

/**
 * burrow_transfers_page_get_queue:
 *
 * Returns: (transfer none): the queue list's model: the items not done yet
 */
GListModel *
burrow_transfers_page_get_queue (BurrowTransfersPage *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  return G_LIST_MODEL (self->unfinished_model);
}

/**
 * burrow_transfers_page_get_finished:
 *
 * Returns: (transfer none): the finished list's model
 */
GListModel *
burrow_transfers_page_get_finished (BurrowTransfersPage *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  return G_LIST_MODEL (self->finished_model);
}

/**
 * burrow_transfers_page_get_selected:
 *
 * Returns: (transfer none) (nullable): the selected queue item
 */
BurrowQueueItem *
burrow_transfers_page_get_selected (BurrowTransfersPage *self)
{
  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), NULL);
  return gtk_single_selection_get_selected_item (self->queue_selection);
}

/**
 * burrow_transfers_page_select:
 *
 * Selects @item in the queue list.
 *
 * Returns: %TRUE if @item is in the queue list
 */
gboolean
burrow_transfers_page_select (BurrowTransfersPage *self,
                              BurrowQueueItem     *item)
{
  GListModel *model;
  guint n;

  g_return_val_if_fail (BURROW_IS_TRANSFERS_PAGE (self), FALSE);
  g_return_val_if_fail (BURROW_IS_QUEUE_ITEM (item), FALSE);

  model = G_LIST_MODEL (self->queue_selection);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) other = g_list_model_get_item (model, i);

      if (other == (GObject *) item)
        {
          gtk_single_selection_set_selected (self->queue_selection, i);
          update_actions (self);
          return TRUE;
        }
    }
  return FALSE;
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
burrow_transfers_page_dispose (GObject *object)
{
  BurrowTransfersPage *self = BURROW_TRANSFERS_PAGE (object);

  burrow_transfers_page_set_client (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_TRANSFERS_PAGE);
  g_clear_object (&self->queue_selection);
  g_clear_object (&self->unfinished_model);
  g_clear_object (&self->finished_model);
  g_clear_object (&self->unfinished_filter);
  g_clear_object (&self->finished_filter);

  G_OBJECT_CLASS (burrow_transfers_page_parent_class)->dispose (object);
}

static void
burrow_transfers_page_finalize (GObject *object)
{
  BurrowTransfersPage *self = BURROW_TRANSFERS_PAGE (object);

  g_ptr_array_unref (self->watched);

  G_OBJECT_CLASS (burrow_transfers_page_parent_class)->finalize (object);
}

static void
burrow_transfers_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  BurrowTransfersPage *self = BURROW_TRANSFERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_transfers_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  BurrowTransfersPage *self = BURROW_TRANSFERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      burrow_transfers_page_set_client (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_transfers_page_class_init (BurrowTransfersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_transfers_page_dispose;
  object_class->finalize = burrow_transfers_page_finalize;
  object_class->get_property = burrow_transfers_page_get_property;
  object_class->set_property = burrow_transfers_page_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, BURROW_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrowdc/Burrow/ui/"
                                               "burrow-transfers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, finished_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, inner_paned);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, outer_paned);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, queue_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, remove_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, resume_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, transfers_stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowTransfersPage, transfers_view);

  gtk_widget_class_install_action (widget_class, "transfers.pause", NULL, queue_action);
  gtk_widget_class_install_action (widget_class, "transfers.resume", NULL, queue_action);
  gtk_widget_class_install_action (widget_class, "transfers.remove", NULL, queue_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "burrow-transfers-page");
}

static void
burrow_transfers_page_init (BurrowTransfersPage *self)
{
  g_autoptr(GtkNoSelection) finished_selection = NULL;

  self->watched = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->unfinished_filter = gtk_custom_filter_new (unfinished_match, NULL, NULL);
  self->finished_filter = gtk_custom_filter_new (finished_match, NULL, NULL);
  self->unfinished_model =
    gtk_filter_list_model_new (NULL, g_object_ref (GTK_FILTER (self->unfinished_filter)));
  self->finished_model =
    gtk_filter_list_model_new (NULL, g_object_ref (GTK_FILTER (self->finished_filter)));
  self->queue_selection =
    gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->unfinished_model)));
  gtk_single_selection_set_autoselect (self->queue_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->queue_selection, TRUE);
  g_signal_connect (self->queue_selection, "selection-changed",
                    G_CALLBACK (on_selection_changed_cb), self);
  gtk_column_view_set_model (self->queue_view, GTK_SELECTION_MODEL (self->queue_selection));
  finished_selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->finished_model)));
  gtk_column_view_set_model (self->finished_view, GTK_SELECTION_MODEL (finished_selection));

  add_column (self->transfers_view, "", COLUMN_DIRECTION, FALSE, 40);
  add_column (self->transfers_view, _("File"), COLUMN_FILE, TRUE, -1);
  add_column (self->transfers_view, _("User"), COLUMN_PEER, FALSE, 120);
  add_column (self->transfers_view, _("Progress"), COLUMN_PROGRESS, FALSE, 140);
  add_column (self->transfers_view, _("Speed"), COLUMN_SPEED, FALSE, 100);
  add_column (self->transfers_view, _("Time Left"), COLUMN_ETA, FALSE, 90);
  add_column (self->transfers_view, _("Connection"), COLUMN_CONNECTION, FALSE, 150);

  add_column (self->queue_view, _("Name"), COLUMN_QUEUE_NAME, TRUE, -1);
  add_column (self->queue_view, _("Size"), COLUMN_QUEUE_SIZE, FALSE, 90);
  add_column (self->queue_view, _("Progress"), COLUMN_QUEUE_PROGRESS, FALSE, 140);
  add_column (self->queue_view, _("State"), COLUMN_QUEUE_STATE, FALSE, 110);
  add_column (self->queue_view, _("Sources"), COLUMN_QUEUE_SOURCES, FALSE, 80);
  add_column (self->queue_view, _("Priority"), COLUMN_QUEUE_PRIORITY, FALSE, 130);

  add_column (self->finished_view, _("Name"), COLUMN_DONE_NAME, TRUE, -1);
  add_column (self->finished_view, _("Size"), COLUMN_DONE_SIZE, FALSE, 90);
  add_column (self->finished_view, _("Folder"), COLUMN_DONE_FOLDER, TRUE, -1);
  add_column (self->finished_view, "", COLUMN_DONE_OPEN, FALSE, 140);

  gtk_stack_set_visible_child_name (self->transfers_stack, "empty");
  update_actions (self);
}
