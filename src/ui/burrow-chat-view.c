/* burrow-chat-view.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-chat-view"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-chat-row.h"

#include "burrow-chat-view.h"

#define MAX_HISTORY 100

/* A GtkListView over the session's messages, filtered to one conversation. A list view (not a
 * GtkTextView) because every line is a core object: rows are recycled (the hub keeps 2,000
 * lines), each nick gets its own style class, links are GtkLabel markup with activate-link,
 * and tests can read the model. The rows need our current nick (mentions), so the factory is a
 * GtkSignalListItemFactory set up here rather than a .ui template. */

struct _BurrowChatView
{
  GtkWidget          parent_instance;

  /* template widgets */
  GtkButton         *close_button;
  GtkEntry          *entry;
  GtkCustomFilter   *filter;
  GtkFilterListModel *filter_model;
  GtkListView       *list_view;
  GtkBox            *peer_bar;
  GtkLabel          *peer_label;
  GtkScrolledWindow *scrolled_window;
  GtkButton         *send_button;

  /* owned */
  BurrowHubSession  *session;
  char              *peer_nick;
  GPtrArray         *history;        /* sent lines, oldest first */
  guint              history_pos;    /* == history->len: editing a new line */
  char              *draft;          /* the new line while browsing the history */
  gulong             nick_notify_id;

  guint              stick_to_bottom : 1;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_PEER_NICK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowChatView, burrow_chat_view, GTK_TYPE_WIDGET)

/**
 * burrow_chat_view_new:
 * @session: the hub
 * @peer_nick: (nullable): the other user of a private conversation; %NULL for the main chat
 *
 * Returns: (transfer floating): the view
 */
GtkWidget *
burrow_chat_view_new (BurrowHubSession *session,
                      const char       *peer_nick)
{
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (session), NULL);

  return g_object_new (BURROW_TYPE_CHAT_VIEW, "session", session, "peer-nick", peer_nick, NULL);
}

static gboolean
filter_message (gpointer item,
                gpointer user_data)
{
  BurrowChatView *self = user_data;
  BurrowChatMessage *message = item;
  BurrowChatKind kind = burrow_chat_message_get_kind (message);

  if (self->peer_nick == NULL)
    return kind != BURROW_CHAT_KIND_PRIVATE;
  return (kind == BURROW_CHAT_KIND_PRIVATE &&
          g_strcmp0 (burrow_chat_message_get_peer_nick (message), self->peer_nick) == 0);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              BurrowChatView           *self)
{
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
  gtk_list_item_set_child (list_item, burrow_chat_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             BurrowChatView           *self)
{
  BurrowChatRow *row = BURROW_CHAT_ROW (gtk_list_item_get_child (list_item));

  burrow_chat_row_set_my_nick (row, self->session ? burrow_hub_session_get_nick (self->session)
                                                  : NULL);
  burrow_chat_row_set_message (row, gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               BurrowChatView           *self)
{
  burrow_chat_row_set_message (BURROW_CHAT_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* Follow new lines while the view is scrolled to the end; stay put when the user scrolled up. */
static void
on_vadjustment_changed_cb (GtkAdjustment  *adjustment,
                           BurrowChatView *self)
{
  if (self->stick_to_bottom)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                          gtk_adjustment_get_page_size (adjustment));
}

static void
on_vadjustment_value_changed_cb (GtkAdjustment  *adjustment,
                                 BurrowChatView *self)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  self->stick_to_bottom = gtk_adjustment_get_value (adjustment) >= bottom - 2;
}

static void
set_error (BurrowChatView *self,
           const char     *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->entry), message);
      gtk_widget_error_bell (GTK_WIDGET (self->entry));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->entry), NULL);
    }
}

/**
 * burrow_chat_view_send:
 * @text: a line; "/me waves" is sent as an action
 *
 * Sends @text to this conversation (what Enter in the entry does).
 *
 * Returns: %TRUE if the line was sent
 */
gboolean
burrow_chat_view_send (BurrowChatView  *self,
                       const char      *text,
                       GError         **error)
{
  BurrowUser *peer;

  g_return_val_if_fail (BURROW_IS_CHAT_VIEW (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (self->peer_nick == NULL)
    return burrow_hub_session_send_chat (self->session, text, error);

  peer = burrow_hub_session_lookup_nick (self->session, self->peer_nick);
  if (peer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s is not on the hub"),
                   self->peer_nick);
      return FALSE;
    }
  return burrow_hub_session_send_private (self->session, peer, text, error);
}

static void
send_entry (BurrowChatView *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
  g_autoptr(GError) error = NULL;

  if (g_strstrip (text)[0] == '\0')
    return;

  if (!burrow_chat_view_send (self, text, &error))
    {
      set_error (self, error->message);
      return;
    }

  if (self->history->len == 0 ||
      g_strcmp0 (g_ptr_array_index (self->history, self->history->len - 1), text) != 0)
    g_ptr_array_add (self->history, g_strdup (text));
  if (self->history->len > MAX_HISTORY)
    g_ptr_array_remove_index (self->history, 0);
  self->history_pos = self->history->len;
  g_clear_pointer (&self->draft, g_free);

  self->stick_to_bottom = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
}

static void
on_entry_activate_cb (BurrowChatView *self,
                      GtkEntry       *entry)
{
  send_entry (self);
}

static void
on_send_button_clicked_cb (BurrowChatView *self,
                           GtkButton      *button)
{
  send_entry (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
on_entry_changed_cb (BurrowChatView *self,
                     GtkEntry       *entry)
{
  set_error (self, NULL);
}

static void
show_history (BurrowChatView *self,
              guint           pos)
{
  const char *text;

  if (self->history_pos == self->history->len)
    {
      g_free (self->draft);
      self->draft = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));
    }
  self->history_pos = pos;
  text = pos < self->history->len ? g_ptr_array_index (self->history, pos) : self->draft;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text ? text : "");
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
}

static gboolean
on_entry_key_pressed_cb (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         BurrowChatView        *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (self->history_pos > 0)
        show_history (self, self->history_pos - 1);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (self->history_pos < self->history->len)
        show_history (self, self->history_pos + 1);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_session_nick_notify_cb (BurrowChatView   *self,
                           GParamSpec       *pspec,
                           BurrowHubSession *session)
{
  /* Rows pick the nick up when they are bound again. */
  gtk_widget_queue_draw (GTK_WIDGET (self->list_view));
}

static void
burrow_chat_view_constructed (GObject *object)
{
  BurrowChatView *self = BURROW_CHAT_VIEW (object);
  g_autofree char *placeholder = NULL;
  g_autofree char *peer_text = NULL;

  G_OBJECT_CLASS (burrow_chat_view_parent_class)->constructed (object);

  g_assert (self->session != NULL);

  gtk_custom_filter_set_filter_func (self->filter, filter_message, self, NULL);
  gtk_filter_list_model_set_model (self->filter_model,
                                   burrow_hub_session_get_messages (self->session));
  self->nick_notify_id = g_signal_connect_swapped (self->session, "notify::nick",
                                                   G_CALLBACK (on_session_nick_notify_cb), self);

  if (self->peer_nick != NULL)
    {
      /* Translators: the placeholder of the message entry of a private conversation */
      placeholder = g_strdup_printf (_("Message to %s"), self->peer_nick);
      /* Translators: the bar above a private conversation */
      peer_text = g_strdup_printf (_("Private conversation with %s"), self->peer_nick);
      gtk_label_set_text (self->peer_label, peer_text);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->close_button), "s", self->peer_nick);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->close_button),
                                      "hub.close-conversation");
      gtk_widget_set_visible (GTK_WIDGET (self->peer_bar), TRUE);
    }
  else
    {
      placeholder = g_strdup (_("Message to everyone on the hub"));
    }
  gtk_entry_set_placeholder_text (self->entry, placeholder);
}

GListModel *
burrow_chat_view_get_messages (BurrowChatView *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_VIEW (self), NULL);
  return G_LIST_MODEL (self->filter_model);
}

BurrowHubSession *
burrow_chat_view_get_session (BurrowChatView *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_VIEW (self), NULL);
  return self->session;
}

const char *
burrow_chat_view_get_peer_nick (BurrowChatView *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_VIEW (self), NULL);
  return self->peer_nick;
}

GtkListView *
burrow_chat_view_get_list_view (BurrowChatView *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_VIEW (self), NULL);
  return self->list_view;
}

GtkEntry *
burrow_chat_view_get_entry (BurrowChatView *self)
{
  g_return_val_if_fail (BURROW_IS_CHAT_VIEW (self), NULL);
  return self->entry;
}

void
burrow_chat_view_focus_entry (BurrowChatView *self)
{
  g_return_if_fail (BURROW_IS_CHAT_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static gboolean
burrow_chat_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (BURROW_CHAT_VIEW (widget)->entry));
}

static void
burrow_chat_view_dispose (GObject *object)
{
  BurrowChatView *self = BURROW_CHAT_VIEW (object);
  GtkWidget *child;

  if (self->session != NULL)
    g_clear_signal_handler (&self->nick_notify_id, self->session);
  if (self->filter_model != NULL)
    gtk_filter_list_model_set_model (self->filter_model, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_CHAT_VIEW);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (burrow_chat_view_parent_class)->dispose (object);
}

static void
burrow_chat_view_finalize (GObject *object)
{
  BurrowChatView *self = BURROW_CHAT_VIEW (object);

  g_free (self->peer_nick);
  g_free (self->draft);
  g_ptr_array_unref (self->history);

  G_OBJECT_CLASS (burrow_chat_view_parent_class)->finalize (object);
}

static void
burrow_chat_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  BurrowChatView *self = BURROW_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    case PROP_PEER_NICK: g_value_set_string (value, self->peer_nick); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_chat_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  BurrowChatView *self = BURROW_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION: self->session = g_value_dup_object (value); break;
    case PROP_PEER_NICK: self->peer_nick = g_value_dup_string (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_chat_view_class_init (BurrowChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = burrow_chat_view_constructed;
  object_class->dispose = burrow_chat_view_dispose;
  object_class->finalize = burrow_chat_view_finalize;
  object_class->get_property = burrow_chat_view_get_property;
  object_class->set_property = burrow_chat_view_set_property;

  widget_class->grab_focus = burrow_chat_view_grab_focus;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BURROW_TYPE_HUB_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PEER_NICK] =
    g_param_spec_string ("peer-nick", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, close_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, filter);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, filter_model);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, list_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, peer_bar);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, peer_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, BurrowChatView, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_send_button_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_chat_view_init (BurrowChatView *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkEventController *keys;
  GtkAdjustment *vadjustment;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->history = g_ptr_array_new_with_free_func (g_free);
  self->stick_to_bottom = TRUE;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);

  vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  g_signal_connect_object (vadjustment, "changed", G_CALLBACK (on_vadjustment_changed_cb), self, 0);
  g_signal_connect_object (vadjustment, "value-changed",
                           G_CALLBACK (on_vadjustment_value_changed_cb), self, 0);
}
