/* burrow-peer-pool.h — idle connections to peers, kept for the next request, and borrowers
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-peer-connection.h"

G_BEGIN_DECLS

/* An idle connection to a peer is kept this long for its next request. */
#define BURROW_PEER_POOL_IDLE_KEEP_MS (10 * 1000)

#define BURROW_TYPE_PEER_POOL (burrow_peer_pool_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPeerPool, burrow_peer_pool, BURROW, PEER_POOL, GObject)

/**
 * BurrowPeerLendFunc:
 * @pool: the pool
 * @user_id: a user someone wants to borrow a connection to
 * @lend_now: %TRUE: lend it now with burrow_peer_pool_lend() if it can be lent at once
 * @user_data: the data given to burrow_peer_pool_set_lend_func()
 *
 * Asks whoever holds busy connections (the downloads) about @user_id.
 *
 * Returns: %TRUE when the lender holds a connection to @user_id (a borrower waits for it)
 */
typedef gboolean (*BurrowPeerLendFunc) (BurrowPeerPool *pool,
                                        const gchar    *user_id,
                                        gboolean        lend_now,
                                        gpointer        user_data);

BurrowPeerPool       *burrow_peer_pool_new            (void);
void                  burrow_peer_pool_set_lend_func  (BurrowPeerPool       *self,
                                                       BurrowPeerLendFunc    func,
                                                       gpointer              user_data);
void                  burrow_peer_pool_keep           (BurrowPeerPool       *self,
                                                       const gchar          *user_id,
                                                       BurrowPeerConnection *peer);
BurrowPeerConnection *burrow_peer_pool_take           (BurrowPeerPool       *self,
                                                       const gchar          *user_id);
gboolean              burrow_peer_pool_has_borrower   (BurrowPeerPool       *self,
                                                       const gchar          *user_id);
gboolean              burrow_peer_pool_lend           (BurrowPeerPool       *self,
                                                       const gchar          *user_id,
                                                       BurrowPeerConnection *peer);
void                  burrow_peer_pool_serve          (BurrowPeerPool       *self,
                                                       const gchar          *user_id);
guint                 burrow_peer_pool_get_n_idle     (BurrowPeerPool       *self);
/* A connection to a user: the idle one, else one a lender has (between two of its requests).
 * Given back with burrow_peer_pool_keep(). */
void                  burrow_peer_pool_borrow_async   (BurrowPeerPool       *self,
                                                       const gchar          *user_id,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
BurrowPeerConnection *burrow_peer_pool_borrow_finish  (BurrowPeerPool       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
