/* burrow-connector-dialer.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-connector-dialer"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-adc-hub-session.h"
#include "burrow-error.h"

#include "burrow-connector-dialer.h"

/* A private adapter of the composition root: reaches users of the logged-in ADC hubs through
 * the connector. It goes once the connector implements #BurrowPeerDialer itself. */

struct _BurrowConnectorDialer
{
  GObject             parent_instance;

  BurrowNatConnector *connector;   /* owned */
  GListModel         *hubs;        /* owned: BurrowHubSession */
};

typedef struct
{
  BurrowPunchAttempt *attempt;
} ConnectData;

static void dialer_iface_init (BurrowPeerDialerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowConnectorDialer, burrow_connector_dialer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BURROW_TYPE_PEER_DIALER, dialer_iface_init))

static void
connect_data_free (ConnectData *data)
{
  g_clear_object (&data->attempt);
  g_free (data);
}

/* The user with @cid on a logged-in ADC hub, preferring @hub. */
static BurrowUser *
find_user (BurrowConnectorDialer  *self,
           const gchar            *cid,
           const gchar            *hub,
           BurrowAdcHubSession   **out_session)
{
  guint n = g_list_model_get_n_items (self->hubs);
  BurrowUser *found = NULL;

  for (guint pass = 0; pass < 2 && found == NULL; pass++)
    for (guint i = 0; i < n && found == NULL; i++)
      {
        g_autoptr(BurrowHubSession) session = g_list_model_get_item (self->hubs, i);
        gboolean same_hub = g_strcmp0 (burrow_hub_session_get_uri (session), hub) == 0;
        BurrowUser *user;

        if ((pass == 0) != same_hub || !BURROW_IS_ADC_HUB_SESSION (session) ||
            burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL)
          continue;
        user = burrow_hub_session_lookup_cid (session, cid);
        if (user != NULL)
          {
            found = user;
            if (out_session != NULL)
              *out_session = BURROW_ADC_HUB_SESSION (session);
          }
      }
  return found;
}

static BurrowUser *
dialer_lookup (BurrowPeerDialer *dialer,
               const gchar      *user_id,
               const gchar      *hub_uri)
{
  return find_user (BURROW_CONNECTOR_DIALER (dialer), user_id, hub_uri, NULL);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *peer;

  peer = burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result,
                                              &data->attempt, &error);
  if (peer == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, peer, g_object_unref);
}

static void
dialer_connect_async (BurrowPeerDialer    *dialer,
                      const gchar         *user_id,
                      const gchar         *hub_uri,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  BurrowConnectorDialer *self = BURROW_CONNECTOR_DIALER (dialer);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  BurrowAdcHubSession *session = NULL;
  BurrowUser *user;

  g_task_set_source_tag (task, dialer_connect_async);
  g_task_set_task_data (task, g_new0 (ConnectData, 1), (GDestroyNotify) connect_data_free);
  user = find_user (self, user_id, hub_uri, &session);
  if (user == NULL)
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                               _("%s is not online"), user_id);
      return;
    }
  burrow_nat_connector_connect_async (self->connector, session, user, cancellable, on_connected,
                                      g_steal_pointer (&task));
}

static BurrowPeerConnection *
dialer_connect_finish (BurrowPeerDialer    *dialer,
                       GAsyncResult        *result,
                       BurrowPunchAttempt **attempt,
                       GError             **error)
{
  ConnectData *data;

  g_return_val_if_fail (g_task_is_valid (result, dialer), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (attempt != NULL && data != NULL)
    *attempt = g_steal_pointer (&data->attempt);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dialer_iface_init (BurrowPeerDialerInterface *iface)
{
  iface->lookup = dialer_lookup;
  iface->connect_async = dialer_connect_async;
  iface->connect_finish = dialer_connect_finish;
}

static void
on_upload_connection (BurrowNatConnector    *connector,
                      BurrowPeerConnection  *peer,
                      BurrowPunchAttempt    *attempt,
                      BurrowConnectorDialer *self)
{
  g_signal_emit_by_name (self, "upload-connection", peer, attempt);
}

static void
burrow_connector_dialer_dispose (GObject *object)
{
  BurrowConnectorDialer *self = BURROW_CONNECTOR_DIALER (object);

  if (self->connector != NULL)
    g_signal_handlers_disconnect_by_data (self->connector, self);
  g_clear_object (&self->connector);
  g_clear_object (&self->hubs);

  G_OBJECT_CLASS (burrow_connector_dialer_parent_class)->dispose (object);
}

static void
burrow_connector_dialer_class_init (BurrowConnectorDialerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = burrow_connector_dialer_dispose;
}

static void
burrow_connector_dialer_init (BurrowConnectorDialer *self)
{
}

/**
 * burrow_connector_dialer_new:
 * @connector: reaches the users
 * @hubs: the hub sessions (#BurrowHubSession) whose users may be reached
 *
 * Returns: (transfer full): a dialer over @connector
 */
BurrowPeerDialer *
burrow_connector_dialer_new (BurrowNatConnector *connector,
                             GListModel         *hubs)
{
  BurrowConnectorDialer *self;

  g_return_val_if_fail (BURROW_IS_NAT_CONNECTOR (connector), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (hubs), NULL);

  self = g_object_new (BURROW_TYPE_CONNECTOR_DIALER, NULL);
  self->connector = g_object_ref (connector);
  self->hubs = g_object_ref (hubs);
  g_signal_connect (connector, "upload-connection", G_CALLBACK (on_upload_connection), self);
  return BURROW_PEER_DIALER (self);
}
