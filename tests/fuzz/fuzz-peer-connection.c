/* fuzz-peer-connection.c — libFuzzer target for the ADC and NMDC client-client protocols
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is what a hostile peer sends to a BurrowPeerConnection over a socketpair. The
 * harness owns the connection as the engine does: it holds the only reference and drops it in
 * the callback that reports the end (a failed handshake, a finished list or download) or in
 * the ::closed handler, so a connection that touches itself after its callbacks shows here.
 *
 * Input: byte 0 chooses the scenario, the rest is the peer's bytes.
 *   bits 0-2  mode: 0 accepting, 1 connecting, 2 NAT, 3 file list after a good handshake,
 *             4 ZL1 download after a good handshake, 5 accepting with uploads served;
 *             NMDC: 6 accepting with uploads served, 7 ZL1 download after a good handshake
 *   bit 3     the peer keeps the connection open: the owner closes it once the input is
 *             read (or the handshake times out); otherwise the peer hangs up after the input
 *   bits 4-7  the download's sink closes the connection after 2^(4 * n) bytes (0: never)
 */

#define G_LOG_DOMAIN "fuzz-peer-connection"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* a valid CID: 24 zero bytes in base32 */
#define PEER_CID      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define GOOD_HELLO    "CSUP ADBASE ADTIGR ADZLIG\nCINF ID" PEER_CID " TOtok\n"
#define NMDC_HELLO    "$MyNick tok|$Lock EXTENDEDPROTOCOLABCABCABCABCABCABC Pk=fuzz|" \
                      "$Supports MiniSlots XmlBZList ADCGet TTHL TTHF ZLIG|$Direction Upload 1|$Key k|"
#define DEADLINE_US   (4 * G_USEC_PER_SEC)
#define HANDSHAKE_MS  10

enum
{
  MODE_ACCEPTING,
  MODE_CONNECTING,
  MODE_NAT,
  MODE_LIST,
  MODE_DOWNLOAD,
  MODE_UPLOADS,
  MODE_NMDC_UPLOADS,
  MODE_NMDC_DOWNLOAD,
  N_MODES
};

typedef struct
{
  BurrowPeerConnection *peer;       /* weak: tells when the connection is gone */
  gboolean              owned;      /* the harness still holds its reference */
  gboolean              handshake_done;
  gboolean              handshake_ok;
  guint64               sink_close_at;
  guint64               sunk;
  guint                 slot_calls;
} Run;

static BurrowIdentity *identity;
static GBytes         *served;

static void
drop (Run *run)
{
  if (run->owned)
    {
      run->owned = FALSE;
      g_object_unref (run->peer);
    }
}

static void
on_closed (BurrowPeerConnection *peer,
           gpointer              data)
{
  Run *run = data;

  check (burrow_peer_connection_is_closed (peer), "closed emitted by an open connection");
  drop (run);
}

static void
on_list (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = burrow_peer_connection_get_file_list_finish (BURROW_PEER_CONNECTION (source),
                                                                        result, &error);

  check ((list == NULL) != (error == NULL), "a list or an error");
  check (list == NULL || g_bytes_get_size (list) <= BURROW_PEER_MAX_LIST_BYTES, "list size");
  drop (run);
}

static gboolean
sink (BurrowPeerConnection  *connection,
      const guint8          *data,
      gsize                  len,
      GError               **error,
      gpointer               user_data)
{
  Run *run = user_data;

  run->sunk += len;
  if (run->sink_close_at > 0 && run->sunk >= run->sink_close_at)
    burrow_peer_connection_close (connection);
  return TRUE;
}

static void
on_download (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;
  guint64 received = 0;

  if (burrow_peer_connection_download_finish (BURROW_PEER_CONNECTION (source), result, &received,
                                              &error))
    check (received == run->sunk, "received what the sink got");
  drop (run);
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Run *run = data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  g_autoptr(GError) error = NULL;

  run->handshake_done = TRUE;
  run->handshake_ok = burrow_peer_connection_handshake_finish (peer, result, &error);
  check (run->handshake_ok != (error != NULL), "a result or an error");
  if (!run->handshake_ok)
    {
      check (burrow_peer_connection_is_closed (peer), "a failed handshake closes");
      drop (run); /* the engine's pattern: the connection goes with its failed handshake */
      return;
    }
  check (burrow_peer_connection_get_peer_cid (peer) != NULL ||
         burrow_peer_connection_get_peer_nick (peer) != NULL, "an identified peer");
  g_signal_connect (peer, "closed", G_CALLBACK (on_closed), run);
}

static gboolean
accept_token (BurrowPeerConnection *connection,
              const gchar          *token,
              const gchar          *cid,
              gpointer              user_data)
{
  return g_str_equal (token, "tok");
}

static BurrowPeerSource *
serve (BurrowPeerConnection  *connection,
       const gchar           *type,
       const gchar           *identifier,
       gboolean               recursive,
       GError               **error,
       gpointer               user_data)
{
  if (g_str_has_prefix (identifier, "TTH/"))
    {
      g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                           "not shared");
      return NULL;
    }
  return burrow_peer_source_new_bytes (served, g_str_equal (type, "list"));
}

static gboolean
slot (BurrowPeerConnection *connection,
      gboolean              acquire,
      gpointer              user_data)
{
  Run *run = user_data;

  return !acquire || (run->slot_calls++ % 2) == 0;
}

/* Reads (and forgets) what the connection sent, so that its writes never stall. */
static void
drain (GIOStream *theirs)
{
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (theirs));
  guint8 buf[64 * 1024];

  while (g_pollable_input_stream_read_nonblocking (in, buf, sizeof buf, NULL, NULL) > 0)
    ;
}

static gboolean
drain_cb (GObject  *stream,
          gpointer  data)
{
  drain (data);
  return G_SOURCE_CONTINUE;
}

static void
peer_send (GIOStream   *theirs,
           const void  *data,
           gsize        len)
{
  GOutputStream *out = g_io_stream_get_output_stream (theirs);

  /* the connection may have hung up already: that is an outcome, not a failure */
  g_output_stream_write_all (out, data, len, NULL, NULL, NULL);
}

static gboolean
expire_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @done says so or the deadline passes; FALSE on the deadline. */
static gboolean
iterate_until (gboolean (*done) (Run *run),
               Run       *run,
               gint64     deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();
  gboolean expired = FALSE;
  guint id = g_timeout_add (left > 0 ? (guint) (left / 1000) : 0, expire_cb, &expired);

  while (!done (run) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return done (run);
}

static gboolean
handshake_done (Run *run)
{
  return run->handshake_done || run->peer == NULL;
}

static gboolean
gone (Run *run)
{
  return run->peer == NULL;
}

static GIOStream *
stream_from_fd (int fd)
{
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, NULL);

  check (socket != NULL, "a socket");
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
init_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowDatabase) database = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;

  if (identity != NULL)
    return;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  dir = g_dir_make_tmp ("fuzz-peer-connection-XXXXXX", &error);
  check (dir != NULL, "a scratch directory");
  path = g_build_filename (dir, "burrow.db", NULL);
  database = burrow_database_open (path, &error);
  check (database != NULL, "a database");
  identity = burrow_identity_load (database, dir, &error);
  check (identity != NULL, "an identity");
  served = g_bytes_new_take (g_malloc0 (100 * 1000), 100 * 1000);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const BurrowPeerSide sides[N_MODES] = {
    BURROW_PEER_SIDE_ACCEPTING, BURROW_PEER_SIDE_CONNECTING, BURROW_PEER_SIDE_NAT,
    BURROW_PEER_SIDE_CONNECTING, BURROW_PEER_SIDE_CONNECTING, BURROW_PEER_SIDE_ACCEPTING,
    BURROW_PEER_SIDE_ACCEPTING, BURROW_PEER_SIDE_CONNECTING,
  };
  gboolean nmdc;
  g_autoptr(GIOStream) ours = NULL;
  g_autoptr(GIOStream) theirs = NULL;
  g_autoptr(GSource) drainer = NULL;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  Run run = { 0 };
  guint mode;
  gboolean keep_open;
  guint sink_shift;
  int fds[2];

  if (size < 1)
    return 0;
  init_once ();
  mode = (data[0] & 7) % N_MODES;
  keep_open = (data[0] & 8) != 0;
  sink_shift = data[0] >> 4;
  run.sink_close_at = sink_shift == 0 ? 0 : G_GUINT64_CONSTANT (1) << MIN (4 * sink_shift, 32);
  data++;
  size--;

  check (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) == 0, "a socketpair");
  ours = stream_from_fd (fds[0]);
  theirs = stream_from_fd (fds[1]);
  /* whatever the connection writes is read at once, so that its writes never stall */
  drainer = g_pollable_input_stream_create_source (
    G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (theirs)), NULL);
  g_source_set_callback (drainer, G_SOURCE_FUNC (drain_cb), theirs, NULL);
  g_source_attach (drainer, NULL);

  nmdc = mode == MODE_NMDC_UPLOADS || mode == MODE_NMDC_DOWNLOAD;
  if (nmdc)
    run.peer = burrow_peer_connection_new_nmdc (ours, sides[mode], "me", "tok", "CP1251",
                                                mode == MODE_NMDC_DOWNLOAD);
  else
    run.peer = burrow_peer_connection_new (ours, sides[mode], identity, "tok");
  run.owned = TRUE;
  g_object_add_weak_pointer (G_OBJECT (run.peer), (gpointer *) &run.peer);
  burrow_peer_connection_set_handshake_timeout (run.peer, HANDSHAKE_MS);
  burrow_peer_connection_set_token_func (run.peer, accept_token, NULL);
  if (mode == MODE_UPLOADS || mode == MODE_NMDC_UPLOADS)
    burrow_peer_connection_set_source_func (run.peer, serve, slot, &run);
  burrow_peer_connection_handshake_async (run.peer, NULL, on_handshake, &run);

  if (mode == MODE_LIST || mode == MODE_DOWNLOAD || mode == MODE_NMDC_DOWNLOAD)
    {
      const gchar *hello = nmdc ? NMDC_HELLO : GOOD_HELLO;

      /* a good handshake first: the input is what arrives while the download runs */
      peer_send (theirs, hello, strlen (hello));
      check (iterate_until (handshake_done, &run, deadline), "the handshake ends");
      if (run.peer != NULL && run.handshake_ok)
        {
          if (mode == MODE_LIST)
            burrow_peer_connection_get_file_list_async (run.peer, NULL, on_list, &run);
          else
            burrow_peer_connection_download_async (run.peer, "file", "TTH/X", 0, -1, TRUE, sink,
                                                   &run, NULL, on_download, &run);
        }
    }

  peer_send (theirs, data, size);
  if (!keep_open)
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (theirs)), FALSE, TRUE,
                       NULL);
  else
    {
      /* let the connection read everything, then its owner ends it */
      while (g_main_context_iteration (NULL, FALSE) && g_get_monotonic_time () < deadline)
        ;
      if (run.peer != NULL && run.handshake_done)
        burrow_peer_connection_close (run.peer);
    }

  check (iterate_until (gone, &run, deadline), "the connection ends and is freed");
  g_source_destroy (drainer);
  return 0;
}
