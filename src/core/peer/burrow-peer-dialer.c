/* burrow-peer-dialer.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "burrow-peer-dialer.h"

G_DEFINE_INTERFACE (BurrowPeerDialer, burrow_peer_dialer, G_TYPE_OBJECT)

static void
burrow_peer_dialer_default_init (BurrowPeerDialerInterface *iface)
{
  /**
   * BurrowPeerDialer::upload-connection:
   * @connection: an identified connection a peer opened to download from us
   * @attempt: (nullable): the record of how it came about
   *
   * The handler takes a reference if it keeps the connection.
   */
  g_signal_new ("upload-connection", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0,
                NULL, NULL, NULL, G_TYPE_NONE, 2, BURROW_TYPE_PEER_CONNECTION,
                BURROW_TYPE_PUNCH_ATTEMPT);
}

/**
 * burrow_peer_dialer_lookup:
 * @user_id: a protocol-neutral user id (burrow_user_get_id())
 * @hub_uri: (nullable): the hub to prefer
 *
 * Returns: (transfer none) (nullable): the user, when online
 */
BurrowUser *
burrow_peer_dialer_lookup (BurrowPeerDialer *self,
                           const gchar      *user_id,
                           const gchar      *hub_uri)
{
  g_return_val_if_fail (BURROW_IS_PEER_DIALER (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  return BURROW_PEER_DIALER_GET_IFACE (self)->lookup (self, user_id, hub_uri);
}

void
burrow_peer_dialer_connect_async (BurrowPeerDialer    *self,
                                  const gchar         *user_id,
                                  const gchar         *hub_uri,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (BURROW_IS_PEER_DIALER (self));
  g_return_if_fail (user_id != NULL);

  BURROW_PEER_DIALER_GET_IFACE (self)->connect_async (self, user_id, hub_uri, cancellable,
                                                      callback, user_data);
}

/**
 * burrow_peer_dialer_connect_finish:
 * @attempt: (out) (optional) (transfer full) (nullable): the attempt's record
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
BurrowPeerConnection *
burrow_peer_dialer_connect_finish (BurrowPeerDialer    *self,
                                   GAsyncResult        *result,
                                   BurrowPunchAttempt **attempt,
                                   GError             **error)
{
  g_return_val_if_fail (BURROW_IS_PEER_DIALER (self), NULL);

  if (attempt != NULL)
    *attempt = NULL;
  return BURROW_PEER_DIALER_GET_IFACE (self)->connect_finish (self, result, attempt, error);
}

/* --- Happy Eyeballs ------------------------------------------------------------------------- */

/* RFC 8305 for a peer whose IPv6 and IPv4 addresses are both known: IPv6 first, IPv4 once the
 * IPv6 connect has had BURROW_HAPPY_EYEBALLS_DELAY_MS (or at once when it failed sooner); the
 * first connection wins and the other connect is cancelled. */
typedef struct
{
  GPtrArray    *addresses;     /* GSocketAddress, in the order to try */
  guint         next;          /* the next one to start */
  guint         running;       /* connects under way */
  guint         timeout_s;
  GCancellable *cancellable;   /* the racers', cancelled with the task's */
  GCancellable *outer;         /* the task's */
  gulong        cancel_id;
  guint         delay_id;
  gboolean      returned;
  GError       *last_error;
} Race;

static void
race_free (Race *race)
{
  g_clear_handle_id (&race->delay_id, g_source_remove);
  if (race->outer != NULL)
    g_cancellable_disconnect (race->outer, race->cancel_id);
  g_clear_object (&race->outer);
  g_ptr_array_unref (race->addresses);
  g_clear_object (&race->cancellable);
  g_clear_error (&race->last_error);
  g_free (race);
}

static void race_start_next (GTask *task);

static void
on_racer_connected (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  Race *race = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  race->running--;
  if (race->returned)
    return;
  if (connection != NULL)
    {
      /* the winner: stop the other racer and the timer */
      race->returned = TRUE;
      g_clear_handle_id (&race->delay_id, g_source_remove);
      g_cancellable_cancel (race->cancellable);
      g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      race->returned = TRUE;
      g_clear_handle_id (&race->delay_id, g_source_remove);
      return;
    }
  g_clear_error (&race->last_error);
  race->last_error = g_steal_pointer (&error);
  /* a failure before the delay starts the next address at once */
  if (race->next < race->addresses->len)
    {
      g_clear_handle_id (&race->delay_id, g_source_remove);
      race_start_next (task);
      return;
    }
  if (race->running == 0)
    {
      race->returned = TRUE;
      g_task_return_error (task, g_steal_pointer (&race->last_error));
    }
}

static gboolean
race_delay_cb (gpointer data)
{
  GTask *task = data;
  Race *race = g_task_get_task_data (task);

  race->delay_id = 0;
  race_start_next (task);
  return G_SOURCE_REMOVE;
}

static void
race_start_next (GTask *task)
{
  Race *race = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GSocketAddress *address = g_ptr_array_index (race->addresses, race->next++);

  g_socket_client_set_timeout (client, race->timeout_s);
  g_socket_client_set_enable_proxy (client, FALSE); /* a peer is reached directly */
  race->running++;
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), race->cancellable,
                                 on_racer_connected, g_object_ref (task));
  if (race->next < race->addresses->len)
    race->delay_id = g_timeout_add_full (G_PRIORITY_DEFAULT, BURROW_HAPPY_EYEBALLS_DELAY_MS,
                                         race_delay_cb, g_object_ref (task), g_object_unref);
}

static void
cancel_racers (GCancellable *outer,
               GCancellable *racers)
{
  g_cancellable_cancel (racers);
}

/**
 * burrow_happy_eyeballs_connect_async:
 * @addresses: (element-type GSocketAddress): where the peer listens, the preferred first
 *   (IPv6 before IPv4)
 * @timeout_s: each connect's timeout in seconds (0: none)
 *
 * Connects to the first of @addresses that answers: each next address starts
 * BURROW_HAPPY_EYEBALLS_DELAY_MS after the one before, or as soon as that one failed; the
 * first connection wins and the other connects are cancelled.
 */
void
burrow_happy_eyeballs_connect_async (GPtrArray           *addresses,
                                     guint                timeout_s,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Race *race = g_new0 (Race, 1);

  g_return_if_fail (addresses != NULL && addresses->len > 0);

  g_task_set_source_tag (task, burrow_happy_eyeballs_connect_async);
  race->addresses = g_ptr_array_ref (addresses);
  race->timeout_s = timeout_s;
  race->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, race, (GDestroyNotify) race_free);
  if (cancellable != NULL)
    {
      race->outer = g_object_ref (cancellable);
      race->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_racers),
                                               g_object_ref (race->cancellable), g_object_unref);
    }
  race_start_next (task);
}

/**
 * burrow_happy_eyeballs_connect_finish:
 *
 * Returns: (transfer full): the winning connection, or %NULL with the last connect's error
 */
GSocketConnection *
burrow_happy_eyeballs_connect_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
