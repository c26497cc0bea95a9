/* burrow-peer-pool.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-peer-pool"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-peer-pool.h"

/* Between two passive users every connection is made by NAT traversal from the same two hub
 * ports: while a download from a user holds one, no other can be made to that user. A file
 * list wanted meanwhile borrows the download's connection between two of its requests, or the
 * idle one a download left here. */

struct _BurrowPeerPool
{
  GObject             parent_instance;

  GHashTable         *idle;        /* user id → Entry */
  GHashTable         *borrowers;   /* user id → GQueue of GTask */
  BurrowPeerLendFunc  lend_func;
  gpointer            lend_data;
  gboolean            disposed;
};

typedef struct
{
  BurrowPeerPool       *pool;
  gchar                *user_id;
  BurrowPeerConnection *peer;
  guint                 timeout_id;
} Entry;

enum {
  SIGNAL_RETURNED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowPeerPool, burrow_peer_pool, G_TYPE_OBJECT)

static gboolean
drop_cb (gpointer data)
{
  return G_SOURCE_REMOVE;   /* the destroy notify drops the reference */
}

static void
unref_later (gpointer object)
{
  /* never drop a peer connection from inside one of its own callbacks */
  if (object != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, drop_cb, object, g_object_unref);
}

static void
entry_free (Entry *entry)
{
  g_clear_handle_id (&entry->timeout_id, g_source_remove);
  if (entry->peer != NULL)
    {
      g_signal_handlers_disconnect_by_data (entry->peer, entry);
      burrow_peer_connection_close (entry->peer);
      unref_later (g_steal_pointer (&entry->peer));
    }
  g_free (entry->user_id);
  g_free (entry);
}

static gboolean
entry_timeout_cb (gpointer data)
{
  Entry *entry = data;

  entry->timeout_id = 0;
  g_hash_table_remove (entry->pool->idle, entry->user_id);
  return G_SOURCE_REMOVE;
}

static void
on_idle_peer_closed (BurrowPeerConnection *peer,
                     Entry                *entry)
{
  g_hash_table_remove (entry->pool->idle, entry->user_id);
}

/* The next borrower of @user_id still waiting (one cancelled meanwhile is answered so). */
static GTask *
borrower_pop (BurrowPeerPool *self,
              const gchar    *user_id)
{
  for (;;)
    {
      GQueue *queue = self->borrowers ? g_hash_table_lookup (self->borrowers, user_id) : NULL;
      GTask *task;

      if (queue == NULL)
        return NULL;
      task = g_queue_pop_head (queue);
      if (g_queue_is_empty (queue))
        g_hash_table_remove (self->borrowers, user_id);
      if (!g_task_return_error_if_cancelled (task))
        return task;
      g_object_unref (task);
    }
}

static void
borrower_give (GTask                *task,
               BurrowPeerConnection *peer)
{
  g_task_return_pointer (task, peer, peer ? g_object_unref : NULL);
  g_object_unref (task);
}

static gboolean
lender_has (BurrowPeerPool *self,
            const gchar    *user_id,
            gboolean        lend_now)
{
  return self->lend_func != NULL && self->lend_func (self, user_id, lend_now, self->lend_data);
}

/* Answers those waiting for @user_id's connection: with an idle one, with a lender's (@lend:
 * only where the lender is certainly between two requests: an idle callback; elsewhere it
 * lends at its next step), else with nothing (no connection to that user is left: they may
 * make their own). */
static void
serve_full (BurrowPeerPool *self,
            const gchar    *user_id,
            gboolean        lend)
{
  GTask *task;

  if (self->disposed || self->borrowers == NULL ||
      !g_hash_table_contains (self->borrowers, user_id))
    return;
  if (g_hash_table_contains (self->idle, user_id))
    {
      task = borrower_pop (self, user_id);
      if (task != NULL)
        borrower_give (task, burrow_peer_pool_take (self, user_id));
      return;
    }
  if (lender_has (self, user_id, lend))
    return;
  while ((task = borrower_pop (self, user_id)) != NULL)
    borrower_give (task, NULL);
}

typedef struct
{
  BurrowPeerPool *pool;
  gchar          *user_id;
} ServeLater;

static void
serve_later_free (gpointer data)
{
  ServeLater *later = data;

  g_object_unref (later->pool);
  g_free (later->user_id);
  g_free (later);
}

static gboolean
serve_later_cb (gpointer data)
{
  ServeLater *later = data;

  serve_full (later->pool, later->user_id, TRUE);
  return G_SOURCE_REMOVE;
}

static void
burrow_peer_pool_dispose (GObject *object)
{
  BurrowPeerPool *self = BURROW_PEER_POOL (object);

  if (self->borrowers != NULL)
    {
      /* nobody is left to lend them a connection */
      GList *ids = g_hash_table_get_keys (self->borrowers);

      for (GList *l = ids; l != NULL; l = l->next)
        {
          g_autofree gchar *user_id = g_strdup (l->data);
          GTask *task;

          while ((task = borrower_pop (self, user_id)) != NULL)
            {
              g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                       _("Burrow is shutting down"));
              g_object_unref (task);
            }
        }
      g_list_free (ids);
    }
  self->disposed = TRUE;
  self->lend_func = NULL;
  self->lend_data = NULL;
  g_clear_pointer (&self->borrowers, g_hash_table_unref);
  g_clear_pointer (&self->idle, g_hash_table_unref);

  G_OBJECT_CLASS (burrow_peer_pool_parent_class)->dispose (object);
}

static void
burrow_peer_pool_class_init (BurrowPeerPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_peer_pool_dispose;

  /**
   * BurrowPeerPool::returned:
   * @user_id: the user of @peer
   * @peer: a connection given back with burrow_peer_pool_keep()
   *
   * A handler that lent @peer (burrow_peer_pool_lend()) takes it back and returns %TRUE
   * (it keeps its own reference); otherwise the pool keeps @peer as idle.
   */
  signals[SIGNAL_RETURNED] =
    g_signal_new ("returned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 2,
                  G_TYPE_STRING, BURROW_TYPE_PEER_CONNECTION);
}

static void
burrow_peer_pool_init (BurrowPeerPool *self)
{
  self->idle = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  self->borrowers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_queue_free);
}

/**
 * burrow_peer_pool_new:
 *
 * Returns: (transfer full): an empty pool
 */
BurrowPeerPool *
burrow_peer_pool_new (void)
{
  return g_object_new (BURROW_TYPE_PEER_POOL, NULL);
}

/**
 * burrow_peer_pool_set_lend_func:
 * @func: (nullable): asked about connections held elsewhere (%NULL: none are)
 * @user_data: (nullable): for @func; it must live until unset
 */
void
burrow_peer_pool_set_lend_func (BurrowPeerPool     *self,
                                BurrowPeerLendFunc  func,
                                gpointer            user_data)
{
  g_return_if_fail (BURROW_IS_PEER_POOL (self));

  self->lend_func = func;
  self->lend_data = user_data;
}

/**
 * burrow_peer_pool_keep:
 * @user_id: the id of @peer's user
 * @peer: (transfer full): an idle connection
 *
 * Keeps @peer for the next request to @user_id (closed after
 * %BURROW_PEER_POOL_IDLE_KEEP_MS unused). A connection lent out goes back to its lender
 * (#BurrowPeerPool::returned). A closed one, or a second one to the same user, is dropped.
 */
void
burrow_peer_pool_keep (BurrowPeerPool       *self,
                       const gchar          *user_id,
                       BurrowPeerConnection *peer)
{
  gboolean handled = FALSE;
  Entry *entry;

  g_return_if_fail (BURROW_IS_PEER_POOL (self));
  g_return_if_fail (user_id != NULL);
  g_return_if_fail (BURROW_IS_PEER_CONNECTION (peer));

  if (!self->disposed)
    g_signal_emit (self, signals[SIGNAL_RETURNED], 0, user_id, peer, &handled);
  if (handled)
    {
      g_object_unref (peer);
      return;
    }
  if (self->disposed || burrow_peer_connection_is_closed (peer) ||
      g_hash_table_contains (self->idle, user_id))
    {
      burrow_peer_connection_close (peer);
      unref_later (peer);
      return;
    }
  entry = g_new0 (Entry, 1);
  entry->pool = self;
  entry->user_id = g_strdup (user_id);
  entry->peer = peer;
  entry->timeout_id = g_timeout_add (BURROW_PEER_POOL_IDLE_KEEP_MS, entry_timeout_cb, entry);
  g_signal_connect (peer, "closed", G_CALLBACK (on_idle_peer_closed), entry);
  g_hash_table_replace (self->idle, entry->user_id, entry);
  serve_full (self, user_id, FALSE);
}

/**
 * burrow_peer_pool_take:
 *
 * Returns: (transfer full) (nullable): the idle connection to @user_id, now the caller's
 */
BurrowPeerConnection *
burrow_peer_pool_take (BurrowPeerPool *self,
                       const gchar    *user_id)
{
  Entry *entry;
  BurrowPeerConnection *peer;

  g_return_val_if_fail (BURROW_IS_PEER_POOL (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  entry = self->idle ? g_hash_table_lookup (self->idle, user_id) : NULL;
  if (entry == NULL)
    return NULL;
  g_signal_handlers_disconnect_by_data (entry->peer, entry);
  peer = g_steal_pointer (&entry->peer);
  g_hash_table_remove (self->idle, user_id);
  if (burrow_peer_connection_is_closed (peer))
    {
      unref_later (peer);
      return NULL;
    }
  return peer;
}

/**
 * burrow_peer_pool_has_borrower:
 *
 * Returns: %TRUE when someone waits to borrow a connection to @user_id
 */
gboolean
burrow_peer_pool_has_borrower (BurrowPeerPool *self,
                               const gchar    *user_id)
{
  GTask *task;
  GQueue *queue;

  g_return_val_if_fail (BURROW_IS_PEER_POOL (self), FALSE);

  /* the cancelled ones are answered and dropped; the first live one goes back in front */
  task = borrower_pop (self, user_id);
  if (task == NULL)
    return FALSE;
  queue = g_hash_table_lookup (self->borrowers, user_id);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->borrowers, g_strdup (user_id), queue);
    }
  g_queue_push_head (queue, task);
  return TRUE;
}

/**
 * burrow_peer_pool_lend:
 * @peer: a busy connection to @user_id, between two requests
 *
 * Hands @peer to the first borrower of @user_id; it comes back through
 * #BurrowPeerPool::returned (or is closed).
 *
 * Returns: %TRUE when lent
 */
gboolean
burrow_peer_pool_lend (BurrowPeerPool       *self,
                       const gchar          *user_id,
                       BurrowPeerConnection *peer)
{
  GTask *task;

  g_return_val_if_fail (BURROW_IS_PEER_POOL (self), FALSE);
  g_return_val_if_fail (BURROW_IS_PEER_CONNECTION (peer), FALSE);

  task = borrower_pop (self, user_id);
  if (task == NULL)
    return FALSE;
  borrower_give (task, g_object_ref (peer));
  return TRUE;
}

/**
 * burrow_peer_pool_serve:
 *
 * Answers those waiting for a connection to @user_id now that a lender may have let go of
 * its own: with the idle one, else they go on waiting while the lender still has one, else
 * they get %NULL (they may make their own).
 */
void
burrow_peer_pool_serve (BurrowPeerPool *self,
                        const gchar    *user_id)
{
  g_return_if_fail (BURROW_IS_PEER_POOL (self));
  g_return_if_fail (user_id != NULL);

  serve_full (self, user_id, FALSE);
}

guint
burrow_peer_pool_get_n_idle (BurrowPeerPool *self)
{
  g_return_val_if_fail (BURROW_IS_PEER_POOL (self), 0);

  return self->idle ? g_hash_table_size (self->idle) : 0;
}

/**
 * burrow_peer_pool_borrow_async:
 * @user_id: a user's id (burrow_user_get_id())
 * @cancellable: (nullable): stops waiting
 *
 * Gets a connection to @user_id: the idle one, else a lender's, between two of its requests
 * (the lender waits until it is given back with burrow_peer_pool_keep()). Completes with
 * %NULL at once when nobody has a connection to @user_id.
 */
void
burrow_peer_pool_borrow_async (BurrowPeerPool      *self,
                               const gchar         *user_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ServeLater *later;
  GQueue *queue;

  g_return_if_fail (BURROW_IS_PEER_POOL (self));
  g_return_if_fail (user_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_peer_pool_borrow_async);
  if (self->disposed ||
      (!g_hash_table_contains (self->idle, user_id) && !lender_has (self, user_id, FALSE)))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  queue = g_hash_table_lookup (self->borrowers, user_id);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->borrowers, g_strdup (user_id), queue);
    }
  g_queue_push_tail (queue, g_steal_pointer (&task));

  /* a lender idle now lends at once, but not from inside whatever called here */
  later = g_new0 (ServeLater, 1);
  later->pool = g_object_ref (self);
  later->user_id = g_strdup (user_id);
  g_idle_add_full (G_PRIORITY_DEFAULT, serve_later_cb, later, serve_later_free);
}

/**
 * burrow_peer_pool_borrow_finish:
 *
 * Returns: (transfer full) (nullable): the connection, now the caller's until it gives it back
 *   with burrow_peer_pool_keep() (or closes it); %NULL without @error when nobody had one;
 *   %NULL with %G_IO_ERROR_CANCELLED
 */
BurrowPeerConnection *
burrow_peer_pool_borrow_finish (BurrowPeerPool  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
