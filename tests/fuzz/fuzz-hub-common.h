/* fuzz-hub-common.h — what the hub session fuzz targets (ADC and NMDC) share: a session fed the
 * input as its hub's side of a socket pair, state by state
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Include once, in the target's .c file (the functions are static).
 */

#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "burrow-core.h"
#include "burrow-hub-session-private.h"
#include "burrow-tls.h"
#include "fuzz-common.h"

/* Bounds per input: main-loop iterations and wall-clock time. */
#define MAX_ITERATIONS 200000
#define MAX_TIME_US    (3 * G_USEC_PER_SEC)
#define FUZZ_MAX_USERS 50

typedef struct
{
  gint     hub_fd;      /* our end of the socket pair; -1 when none */
  gboolean connected;   /* the session had its one connection */
} Run;

static BurrowDatabase *database;
static BurrowIdentity *identity;

static void
init_once (void)
{
  static gboolean done;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *db_path = NULL;
  g_autoptr(GError) error = NULL;

  if (done)
    return;
  done = TRUE;

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  burrow_tls_init ();
  dir = g_dir_make_tmp ("burrow-fuzz-hub-XXXXXX", &error);
  check (dir != NULL, "temporary directory");
  db_path = g_build_filename (dir, "burrow.db", NULL);
  database = burrow_database_open (db_path, &error);
  check (database != NULL, "database");
  identity = burrow_identity_load (database, dir, &error);
  check (identity != NULL, "identity");
}

static GIOStream *
make_stream (BurrowHubSession     *session,
             gpointer              user_data,
             GError              **error)
{
  Run *run = user_data;
  g_autoptr(GSocket) socket = NULL;
  gint fds[2];

  if (run->connected)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "no network here");
      return NULL;
    }
  check (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) == 0,
         "socketpair");
  socket = g_socket_new_from_fd (fds[0], error);
  check (socket != NULL, "socket from fd");
  run->hub_fd = fds[1];
  run->connected = TRUE;
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* Reads and drops what the session sent. */
static void
drain (Run *run)
{
  gchar buf[16384];

  while (run->hub_fd >= 0 && read (run->hub_fd, buf, sizeof buf) > 0)
    ;
}

static gboolean
out_of_time (gint64 start,
             guint  iterations)
{
  return iterations >= MAX_ITERATIONS || g_get_monotonic_time () - start >= MAX_TIME_US;
}

/* Connects @session over a socket pair, feeds it @input as its hub, reading what it says, then
 * closes the hub's side: the session must end up disconnected, with its user cap kept, no users
 * left and an error that says why. */
static void
fuzz_hub_session_run (BurrowHubSession *session,
                      GByteArray       *input)
{
  Run run = { -1, FALSE };
  gsize written = 0;
  gint64 start;
  guint iterations = 0;

  _burrow_hub_session_set_context (session, identity, database);
  _burrow_hub_session_set_stream_func (session, make_stream, &run);
  g_object_set (session, "auto-reconnect", FALSE, NULL);

  burrow_hub_session_connect (session);
  check (run.connected, "connected over the socket pair");

  /* Feed the hub's side, reading what the session says, then close it. */
  start = g_get_monotonic_time ();
  while (written < input->len && !out_of_time (start, iterations))
    {
      gssize n = send (run.hub_fd, input->data + written, input->len - written, MSG_NOSIGNAL);

      if (n > 0)
        written += n;
      else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        break;    /* the session closed its end */
      drain (&run);
      g_main_context_iteration (NULL, FALSE);
      iterations++;
      check (g_list_model_get_n_items (burrow_hub_session_get_users (session)) <=
             _burrow_hub_session_get_max_users (session) + 1, "user cap (and us)");
      check (burrow_hub_session_get_state (session) != BURROW_HUB_STATE_NORMAL ||
             burrow_hub_session_get_me (session) != NULL, "logged in means we are listed");
    }
  shutdown (run.hub_fd, SHUT_WR);

  while (burrow_hub_session_get_state (session) != BURROW_HUB_STATE_DISCONNECTED &&
         !out_of_time (start, iterations))
    {
      drain (&run);
      g_main_context_iteration (NULL, FALSE);
      iterations++;
    }

  if (!out_of_time (start, iterations))
    {
      check (burrow_hub_session_get_state (session) == BURROW_HUB_STATE_DISCONNECTED,
             "disconnected after the hub closed");
      check (g_list_model_get_n_items (burrow_hub_session_get_users (session)) == 0,
             "no users after the connection ended");
      check (burrow_hub_session_get_error (session) != NULL, "an error says why");
    }

  burrow_hub_session_disconnect (session);
  close (run.hub_fd);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}
