/* test-peer-pool.c — idle connections kept per user, and borrowers, without hubs or a client
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <sys/socket.h>
#include <unistd.h>

#include "burrow-database.h"
#include "burrow-identity.h"
#include "burrow-peer-pool.h"
#include "burrow-test-util.h"

#define DEADLINE_MS 20000

static gchar *dir_;
static BurrowDatabase *database_;
static BurrowIdentity *identity_;

/* One end of a socketpair as a peer connection (no handshake: the pool never reads it). */
static BurrowPeerConnection *
new_peer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GIOStream) stream = NULL;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  close (fds[1]);
  socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  return burrow_peer_connection_new (stream, BURROW_PEER_SIDE_CONNECTING, identity_, "tok");
}

/* Kept, taken once; a second connection for a user who already has an idle one is closed;
 * an idle connection that closes leaves the pool. */
static void
test_keep_take (void)
{
  g_autoptr(BurrowPeerPool) pool = burrow_peer_pool_new ();
  g_autoptr(BurrowPeerConnection) taken = NULL;
  BurrowPeerConnection *a = new_peer ();
  BurrowPeerConnection *extra = g_object_ref (new_peer ());
  BurrowPeerConnection *b = new_peer ();

  burrow_peer_pool_keep (pool, "alice", a);            /* takes the reference */
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (pool), ==, 1);
  burrow_peer_pool_keep (pool, "alice", extra);        /* one idle connection per user */
  g_assert_true (burrow_peer_connection_is_closed (extra));
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (pool), ==, 1);
  g_object_unref (extra);

  g_assert_null (burrow_peer_pool_take (pool, "bob"));
  taken = burrow_peer_pool_take (pool, "alice");
  g_assert_true (taken == a);
  g_assert_false (burrow_peer_connection_is_closed (taken));
  g_assert_null (burrow_peer_pool_take (pool, "alice"));
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (pool), ==, 0);

  burrow_peer_pool_keep (pool, "bob", b);
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (pool), ==, 1);
  burrow_peer_connection_close (b);
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (pool), ==, 0);
}

typedef struct
{
  BurrowTestResult      result;
  BurrowPeerConnection *peer;
  GError               *error;
} Borrow;

static void
borrow_finish (BurrowPeerPool *pool,
               Borrow         *b)
{
  GAsyncResult *result = burrow_test_result_wait (&b->result, DEADLINE_MS);

  b->peer = burrow_peer_pool_borrow_finish (pool, result, &b->error);
}

static gboolean
lend_func (BurrowPeerPool *pool,
           const gchar    *user_id,
           gboolean        lend_now,
           gpointer        user_data)
{
  gboolean *downloading = user_data;

  return *downloading;   /* a download holds a connection to anyone asked about */
}

/* A borrower gets the idle connection; with none and no download holding one it gets NULL at
 * once (it may connect itself); while a download holds one it waits, and gets the
 * connection the download gives back. */
static void
test_borrow (void)
{
  g_autoptr(BurrowPeerPool) pool = burrow_peer_pool_new ();
  BurrowPeerConnection *idle = new_peer ();
  BurrowPeerConnection *returned = new_peer ();
  gboolean downloading = FALSE;
  Borrow b = { BURROW_TEST_RESULT_INIT, NULL, NULL };

  burrow_peer_pool_set_lend_func (pool, lend_func, &downloading);

  burrow_peer_pool_borrow_async (pool, "alice", NULL, burrow_test_result_cb, &b.result);
  borrow_finish (pool, &b);
  g_assert_no_error (b.error);
  g_assert_null (b.peer);
  burrow_test_result_clear (&b.result);

  burrow_peer_pool_keep (pool, "alice", idle);
  burrow_peer_pool_borrow_async (pool, "alice", NULL, burrow_test_result_cb, &b.result);
  borrow_finish (pool, &b);
  g_assert_no_error (b.error);
  g_assert_true (b.peer == idle);
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (pool), ==, 0);
  g_clear_object (&b.peer);
  burrow_test_result_clear (&b.result);

  downloading = TRUE;
  burrow_peer_pool_borrow_async (pool, "alice", NULL, burrow_test_result_cb, &b.result);
  burrow_test_iterate_for (100);
  g_assert_false (burrow_test_result_done (&b.result));
  g_assert_true (burrow_peer_pool_has_borrower (pool, "alice"));
  burrow_peer_pool_keep (pool, "alice", returned);     /* the download's connection comes back */
  borrow_finish (pool, &b);
  g_assert_no_error (b.error);
  g_assert_true (b.peer == returned);
  g_clear_object (&b.peer);
  burrow_test_result_clear (&b.result);
}

/* Borrowers still waiting when the engine shuts down are told so. */
static void
test_dispose_cancels (void)
{
  BurrowPeerPool *pool = burrow_peer_pool_new ();
  gboolean downloading = TRUE;
  Borrow b = { BURROW_TEST_RESULT_INIT, NULL, NULL };

  burrow_peer_pool_set_lend_func (pool, lend_func, &downloading);
  burrow_peer_pool_borrow_async (pool, "alice", NULL, burrow_test_result_cb, &b.result);
  g_object_run_dispose (G_OBJECT (pool));
  borrow_finish (pool, &b);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (b.peer);
  g_clear_error (&b.error);
  burrow_test_result_clear (&b.result);
  g_object_unref (pool);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *db_path = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dir_ = g_dir_make_tmp ("burrow-pool-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (dir_, "burrow.db", NULL);
  database_ = burrow_database_open (db_path, &error);
  g_assert_no_error (error);
  identity_ = burrow_identity_load (database_, dir_, &error);
  g_assert_no_error (error);

  g_test_add_func ("/burrow/peer/pool/keep-take", test_keep_take);
  g_test_add_func ("/burrow/peer/pool/borrow", test_borrow);
  g_test_add_func ("/burrow/peer/pool/dispose-cancels", test_dispose_cancels);
  status = g_test_run ();

  g_clear_object (&identity_);
  g_clear_object (&database_);
  burrow_test_remove_tree (dir_);
  g_free (dir_);
  return status;
}
