/* burrow-notifier.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-notifier"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

#include "burrow-ui-format.h"

#include "burrow-notifier.h"

/* Notifications with an action kept alive at most (oldest dropped first). */
#define MAX_SHOWN 32

/* Listens to the client's hub sessions and posts:
 *   - a private message that arrives while no Burrow window has the focus;
 *   - a hub connection lost unexpectedly (a fatal error while logged in);
 *   - a download finished (with an "Open Folder" action) or failed.
 * Nothing is shown when the `notifications` setting is off. The application tells the notifier
 * whether its window is focused (the `window-focused` property); the notifier knows no widget. */

struct _BurrowNotifier
{
  GObject       parent_instance;

  /* owned */
  BurrowClient *client;
  GSettings    *settings;
  GPtrArray    *sessions;       /* BurrowHubSession we are connected to */
  GPtrArray    *shown;          /* NotifyNotification with actions, until closed */

  guint         n_sent;
  guint         window_focused : 1;
};

enum {
  PROP_0,
  PROP_WINDOW_FOCUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowNotifier, burrow_notifier, G_TYPE_OBJECT)

static gboolean
enabled (BurrowNotifier *self)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, "notifications");
}

static void
on_notification_closed_cb (NotifyNotification *notification,
                           BurrowNotifier     *self)
{
  g_signal_handlers_disconnect_by_data (notification, self);
  g_ptr_array_remove (self->shown, notification);
}

static void
on_launch_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_warning ("Could not open the folder: %s", error->message);
}

static void
on_open_folder_action_cb (NotifyNotification *notification,
                          char               *action,
                          gpointer            user_data)
{
  const char *uri = user_data;

  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_launch_done_cb, NULL);
}

/* @folder_uri: when set, the notification gets an "Open Folder" action that opens it. */
static void
post_with_folder (BurrowNotifier *self,
                  const char     *summary,
                  const char     *body,
                  const char     *category,
                  const char     *folder_uri)
{
  NotifyNotification *notification;
  g_autoptr(GError) error = NULL;

  if (!notify_is_initted ())
    return;

  notification = notify_notification_new (summary, body, APP_ID);
  notify_notification_set_category (notification, category);
  notify_notification_set_hint_string (notification, "desktop-entry", APP_ID);
  if (folder_uri != NULL)
    notify_notification_add_action (notification, "open-folder", _("Open Folder"),
                                    on_open_folder_action_cb, g_strdup (folder_uri), g_free);
  if (notify_notification_show (notification, &error))
    {
      self->n_sent++;
      /* An action only works while the notification object lives: keep it until closed (the
       * portal never says so: the oldest go first past MAX_SHOWN). */
      if (folder_uri != NULL)
        {
          if (self->shown->len >= MAX_SHOWN)
            {
              g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->shown, 0), self);
              g_ptr_array_remove_index (self->shown, 0);
            }
          g_ptr_array_add (self->shown, g_object_ref (notification));
          g_signal_connect (notification, "closed", G_CALLBACK (on_notification_closed_cb), self);
        }
    }
  else
    /* No notification server (a bare session): not worth more than a debug line. */
    g_debug ("Cannot show a notification: %s", error->message);
  g_object_unref (notification);
}

static void
post (BurrowNotifier *self,
      const char     *summary,
      const char     *body,
      const char     *category)
{
  post_with_folder (self, summary, body, category, NULL);
}

static char *
dup_folder_uri (BurrowQueueItem *item)
{
  const char *path = burrow_queue_item_get_final_path (item);
  g_autofree char *dir = NULL;

  if (path != NULL)
    dir = g_path_get_dirname (path);
  else if (burrow_queue_item_get_target_dir (item) != NULL)
    dir = g_strdup (burrow_queue_item_get_target_dir (item));
  return dir != NULL ? g_filename_to_uri (dir, NULL, NULL) : NULL;
}

static void
on_download_finished_cb (BurrowTransferManager *manager,
                         BurrowQueueItem       *item,
                         BurrowNotifier        *self)
{
  g_autofree char *folder_uri = NULL;

  if (!enabled (self))
    return;
  folder_uri = dup_folder_uri (item);
  /* Translators: notification title; the body is the file name */
  post_with_folder (self, _("Download finished"), burrow_queue_item_get_name (item),
                    "transfer.complete", folder_uri);
}

static void
on_download_failed_cb (BurrowTransferManager *manager,
                       BurrowQueueItem       *item,
                       const GError          *error,
                       BurrowNotifier        *self)
{
  g_autofree char *body = NULL;

  if (!enabled (self))
    return;
  /* Translators: notification body: a file name and why its download failed */
  body = g_strdup_printf (_("%s: %s"), burrow_queue_item_get_name (item),
                          error != NULL ? error->message : "?");
  /* Translators: notification title */
  post (self, _("Download failed"), body, "transfer.error");
}

static void
on_session_message_cb (BurrowHubSession  *session,
                       BurrowChatMessage *message,
                       BurrowNotifier    *self)
{
  g_autofree char *summary = NULL;
  const char *nick;

  if (burrow_chat_message_get_kind (message) != BURROW_CHAT_KIND_PRIVATE ||
      burrow_chat_message_get_outgoing (message) || self->window_focused || !enabled (self))
    return;

  nick = burrow_chat_message_get_peer_nick (message);
  if (nick == NULL)
    nick = burrow_chat_message_get_nick (message);
  /* Translators: notification title; %s is a nick */
  summary = g_strdup_printf (_("Private message from %s"), nick ? nick : "?");
  post (self, summary, burrow_chat_message_get_text (message), "im.received");
}

static void
on_session_error_cb (BurrowHubSession *session,
                     const GError     *error,
                     gboolean          fatal,
                     BurrowNotifier   *self)
{
  g_autofree char *title = NULL;
  g_autofree char *summary = NULL;

  /* The core reports a lost connection while the state is still NORMAL. */
  if (!fatal || burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL ||
      !enabled (self))
    return;

  title = burrow_ui_format_hub_title (burrow_hub_session_get_hub_name (session),
                                      burrow_hub_session_get_uri (session));
  /* Translators: notification title; %s is the hub's name */
  summary = g_strdup_printf (_("Connection to %s lost"), title);
  post (self, summary, error->message, "network.disconnected");
}

static void
watch (BurrowNotifier   *self,
       BurrowHubSession *session)
{
  g_ptr_array_add (self->sessions, g_object_ref (session));
  g_signal_connect_object (session, "message", G_CALLBACK (on_session_message_cb), self, 0);
  g_signal_connect_object (session, "error", G_CALLBACK (on_session_error_cb), self, 0);
}

static void
unwatch (BurrowNotifier   *self,
         BurrowHubSession *session)
{
  g_signal_handlers_disconnect_by_data (session, self);
  g_ptr_array_remove (self->sessions, session);
}

static void
on_hubs_items_changed_cb (GListModel     *hubs,
                          guint           position,
                          guint           removed,
                          guint           added,
                          BurrowNotifier *self)
{
  guint n = g_list_model_get_n_items (hubs);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->sessions->len; i++)
    {
      gpointer session = g_ptr_array_index (self->sessions, i);
      gboolean found = FALSE;

      for (guint j = 0; j < n && !found; j++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (hubs, j);

          found = item == session;
        }
      if (!found)
        g_ptr_array_add (gone, g_object_ref (session));
    }
  for (guint i = 0; i < gone->len; i++)
    unwatch (self, g_ptr_array_index (gone, i));

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (hubs, i);

      if (!g_ptr_array_find (self->sessions, session, NULL))
        watch (self, session);
    }
}

/**
 * burrow_notifier_new:
 * @client: whose hubs to watch
 * @settings: (nullable): the app's settings (the `notifications` key); %NULL = always on
 *
 * Returns: (transfer full): the notifier
 */
BurrowNotifier *
burrow_notifier_new (BurrowClient *client,
                     GSettings    *settings)
{
  BurrowNotifier *self;
  GListModel *hubs;

  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BURROW_TYPE_NOTIFIER, NULL);
  self->client = g_object_ref (client);
  self->settings = settings ? g_object_ref (settings) : NULL;

  hubs = burrow_client_get_hubs (client);
  g_signal_connect_object (hubs, "items-changed", G_CALLBACK (on_hubs_items_changed_cb), self, 0);
  on_hubs_items_changed_cb (hubs, 0, 0, g_list_model_get_n_items (hubs), self);
  g_signal_connect_object (burrow_client_get_transfer_manager (client), "download-finished",
                           G_CALLBACK (on_download_finished_cb), self, 0);
  g_signal_connect_object (burrow_client_get_transfer_manager (client), "download-failed",
                           G_CALLBACK (on_download_failed_cb), self, 0);

  return self;
}

void
burrow_notifier_set_window_focused (BurrowNotifier *self,
                                    gboolean        focused)
{
  g_return_if_fail (BURROW_IS_NOTIFIER (self));

  focused = !!focused;
  if (self->window_focused == focused)
    return;
  self->window_focused = focused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_FOCUSED]);
}

gboolean
burrow_notifier_get_window_focused (BurrowNotifier *self)
{
  g_return_val_if_fail (BURROW_IS_NOTIFIER (self), FALSE);
  return self->window_focused;
}

/**
 * burrow_notifier_get_n_sent:
 *
 * Returns: how many notifications the server accepted
 */
guint
burrow_notifier_get_n_sent (BurrowNotifier *self)
{
  g_return_val_if_fail (BURROW_IS_NOTIFIER (self), 0);
  return self->n_sent;
}

static void
burrow_notifier_dispose (GObject *object)
{
  BurrowNotifier *self = BURROW_NOTIFIER (object);

  while (self->sessions != NULL && self->sessions->len > 0)
    unwatch (self, g_ptr_array_index (self->sessions, self->sessions->len - 1));
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (burrow_client_get_hubs (self->client), self);
      g_signal_handlers_disconnect_by_data (burrow_client_get_transfer_manager (self->client),
                                            self);
    }
  for (guint i = 0; self->shown != NULL && i < self->shown->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->shown, i), self);
  if (self->shown != NULL)
    g_ptr_array_set_size (self->shown, 0);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (burrow_notifier_parent_class)->dispose (object);
}

static void
burrow_notifier_finalize (GObject *object)
{
  BurrowNotifier *self = BURROW_NOTIFIER (object);

  g_ptr_array_unref (self->sessions);
  g_ptr_array_unref (self->shown);

  G_OBJECT_CLASS (burrow_notifier_parent_class)->finalize (object);
}

static void
burrow_notifier_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BurrowNotifier *self = BURROW_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_WINDOW_FOCUSED: g_value_set_boolean (value, self->window_focused); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_notifier_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  BurrowNotifier *self = BURROW_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_WINDOW_FOCUSED:
      burrow_notifier_set_window_focused (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_notifier_class_init (BurrowNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_notifier_dispose;
  object_class->finalize = burrow_notifier_finalize;
  object_class->get_property = burrow_notifier_get_property;
  object_class->set_property = burrow_notifier_set_property;

  /**
   * BurrowNotifier:window-focused:
   *
   * Whether a Burrow window has the focus; private messages are then not notified.
   */
  properties[PROP_WINDOW_FOCUSED] =
    g_param_spec_boolean ("window-focused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_notifier_init (BurrowNotifier *self)
{
  self->sessions = g_ptr_array_new_with_free_func (g_object_unref);
  self->shown = g_ptr_array_new_with_free_func (g_object_unref);
}
