/* test-peer-connection.c — the ADC client-client protocol over a socketpair, with the test
 * playing the peer and the engine's ownership: the caller holds the only reference to the
 * connection and drops it in the callback that reports the handshake's or download's end
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A connection that ended must stay alive until the code that ended it has returned: these
 * cases end it from every I/O entry point (a line, a read error, the handshake timeout, a
 * failing download, close()) while the callback drops the last reference. Use-after-free
 * shows under AddressSanitizer with G_SLICE=always-malloc (every case); the download cases
 * also show in a plain build, as the g_signal_emit() critical on the freed connection
 * (G_DEBUG=fatal-warnings) or as a closed connection that reopened.
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <zlib.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (20 * 1000)
/* a valid CID: 24 zero bytes in base32 */
#define PEER_CID "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

typedef struct
{
  gchar                *dir;
  BurrowDatabase       *database;
  BurrowIdentity       *identity;
  GIOStream            *ours;    /* what the connection runs on */
  GIOStream            *theirs;  /* the test's end: it plays the peer */
  BurrowPeerConnection *peer;    /* weak once handed to the connection's owner (the callback) */

  gboolean              done;
  gboolean              handshake_ok;
  GError               *error;
  GBytes               *list;
  guint                 closed_signals;
  gboolean              closed_at_completion;
  GString              *heard;   /* what the peer has read from the connection */
  const gchar          *awaited;
} Fixture;

static GIOStream *
stream_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  int fds[2];

  f->dir = g_dir_make_tmp ("burrow-peer-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "burrow.db", NULL);
  f->database = burrow_database_open (path, &error);
  g_assert_no_error (error);
  f->identity = burrow_identity_load (f->database, f->dir, &error);
  g_assert_no_error (error);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  f->ours = stream_from_fd (fds[0]);
  f->theirs = stream_from_fd (fds[1]);
  f->heard = g_string_new (NULL);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  /* every case hands its connection to a callback that drops it */
  g_assert_null (f->peer);
  g_clear_object (&f->ours);
  g_clear_object (&f->theirs);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_error (&f->error);
  g_clear_pointer (&f->list, g_bytes_unref);
  g_string_free (f->heard, TRUE);
  g_clear_object (&f->identity);
  g_clear_object (&f->database);
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* The test's end writes as a peer would (small amounts: the socket buffer takes them). */
static void
peer_send (Fixture     *f,
           const void  *data,
           gsize        len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (f->theirs), data, len, NULL, NULL,
                             &error);
  g_assert_no_error (error);
}

static void
peer_send_text (Fixture     *f,
                const gchar *text)
{
  peer_send (f, text, strlen (text));
}

static gboolean
heard (gpointer data)
{
  Fixture *f = data;
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (f->theirs));
  gchar buf[4096];
  gssize n;

  while ((n = g_pollable_input_stream_read_nonblocking (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (f->heard, buf, n);
  return strstr (f->heard->str, f->awaited) != NULL;
}

/* Waits until the connection has sent @text (so nothing it writes is still queued). */
static void
peer_wait_for (Fixture     *f,
               const gchar *text)
{
  f->awaited = text;
  g_assert_true (burrow_test_wait_until (heard, f, DEADLINE_MS));
}

static void
peer_hang_up (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_io_stream_close (f->theirs, NULL, &error);
  g_assert_no_error (error);
}

static void
on_closed (BurrowPeerConnection *peer,
           gpointer              data)
{
  Fixture *f = data;

  f->closed_signals++;
}

static BurrowPeerConnection *
new_connection (Fixture        *f,
                BurrowPeerSide  side)
{
  BurrowPeerConnection *peer = burrow_peer_connection_new (f->ours, side, f->identity, "token");

  f->peer = peer;
  g_object_add_weak_pointer (G_OBJECT (peer), (gpointer *) &f->peer);
  g_signal_connect (peer, "closed", G_CALLBACK (on_closed), f);
  return peer;
}

static gboolean
finalized (gpointer data)
{
  Fixture *f = data;

  return f->peer == NULL;
}

/* the connection's owner: the handshake failed, so the connection goes (the last reference) */
static void on_handshake_keep (GObject *source, GAsyncResult *result, gpointer data);

static void
on_handshake_drop (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Fixture *f = data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);

  f->handshake_ok = burrow_peer_connection_handshake_finish (peer, result, &f->error);
  f->closed_at_completion = burrow_peer_connection_is_closed (peer);
  f->done = TRUE;
  g_object_unref (peer);
}

/* Starts the handshake with the connection's only reference in the hands of the callback. */
static void
handshake_and_drop (Fixture        *f,
                    BurrowPeerSide  side,
                    guint           timeout_ms)
{
  BurrowPeerConnection *peer = new_connection (f, side);

  if (timeout_ms > 0)
    burrow_peer_connection_set_handshake_timeout (peer, timeout_ms);
  burrow_peer_connection_handshake_async (peer, NULL, on_handshake_drop, f);
}

static void
assert_handshake_failed (Fixture     *f,
                         GQuark       domain,
                         gint         code)
{
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_false (f->handshake_ok);
  g_assert_error (f->error, domain, code);
  g_assert_true (f->closed_at_completion);
  g_assert_true (burrow_test_wait_until (finalized, f, DEADLINE_MS));
  g_assert_cmpuint (f->closed_signals, ==, 1);
}

static void
test_accepting_not_sup (Fixture       *f,
                        gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_ACCEPTING, 0);
  peer_send_text (f, "CGET file files.xml.bz2 0 -1\n");
  assert_handshake_failed (f, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED);
}

static void
test_accepting_not_client (Fixture       *f,
                           gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_ACCEPTING, 0);
  peer_send_text (f, "BINF AAAA IDxyz\n");
  assert_handshake_failed (f, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_TYPE);
}

static void
test_accepting_timeout (Fixture       *f,
                        gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_ACCEPTING, 200);
  peer_send_text (f, "C");
  assert_handshake_failed (f, BURROW_NAT_ERROR, BURROW_NAT_ERROR_TIMED_OUT);
}

static void
test_accepting_hang_up (Fixture       *f,
                        gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_ACCEPTING, 0);
  peer_send_text (f, "CSU");
  peer_hang_up (f);
  assert_handshake_failed (f, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static gboolean
accept_token (BurrowPeerConnection *connection,
              const gchar          *token,
              const gchar          *cid,
              gpointer              user_data)
{
  return g_str_equal (token, "theirs") && g_str_equal (cid, PEER_CID);
}

/* A good handshake on the accepting side: the peer's token replaces ours. */
static void
test_accepting_identified (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(BurrowPeerConnection) peer = new_connection (f, BURROW_PEER_SIDE_ACCEPTING);

  burrow_peer_connection_set_token_func (peer, accept_token, NULL);
  burrow_peer_connection_handshake_async (peer, NULL, on_handshake_keep, f);
  peer_send_text (f, "CSUP ADBASE ADTIGR\nCINF ID" PEER_CID " TOtheirs\n");
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_no_error (f->error);
  g_assert_true (f->handshake_ok);
  g_assert_cmpstr (burrow_peer_connection_get_token (peer), ==, "theirs");
  g_assert_cmpstr (burrow_peer_connection_get_peer_cid (peer), ==, PEER_CID);
  g_assert_false (burrow_peer_connection_is_closed (peer));
}

/* The owner closes a connection whose handshake runs (a cancelled connect): the handshake
 * must end, with G_IO_ERROR_CLOSED. */
static void
test_accepting_close (Fixture       *f,
                      gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_ACCEPTING, 0);
  burrow_peer_connection_close (f->peer);
  assert_handshake_failed (f, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_connecting_bad_inf (Fixture       *f,
                         gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_CONNECTING, 0);
  peer_send_text (f, "CSUP ADBASE ADTIGR\nCINF NInobody\n");
  assert_handshake_failed (f, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MISSING_PARAM);
}

static void
test_connecting_wrong_token (Fixture       *f,
                             gconstpointer  data)
{
  handshake_and_drop (f, BURROW_PEER_SIDE_NAT, 0);
  peer_send_text (f, "CSUP ADBASE ADTIGR\nCINF ID" PEER_CID " TOsomeoneelse\n");
  assert_handshake_failed (f, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED);
}

/* --- downloads ------------------------------------------------------------------------------ */

static void
on_handshake_keep (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Fixture *f = data;

  f->handshake_ok = burrow_peer_connection_handshake_finish (BURROW_PEER_CONNECTION (source), result,
                                                             &f->error);
  f->done = TRUE;
}

/* An identified outgoing connection (the caller holds its only reference). */
static BurrowPeerConnection *
connect_identified (Fixture *f)
{
  BurrowPeerConnection *peer = new_connection (f, BURROW_PEER_SIDE_CONNECTING);

  burrow_peer_connection_handshake_async (peer, NULL, on_handshake_keep, f);
  peer_send_text (f, "CSUP ADBASE ADTIGR\nCINF ID" PEER_CID "\n");
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_no_error (f->error);
  g_assert_true (f->handshake_ok);
  f->done = FALSE;
  return peer;
}

/* the browse and CLI pattern: the list arrived or not, and the connection goes */
static void
on_list_drop (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Fixture *f = data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);

  f->list = burrow_peer_connection_get_file_list_finish (peer, result, &f->error);
  f->closed_at_completion = burrow_peer_connection_is_closed (peer);
  f->done = TRUE;
  g_object_unref (peer);
}

static void
get_list_and_drop (Fixture *f)
{
  BurrowPeerConnection *peer = connect_identified (f);

  burrow_peer_connection_get_file_list_async (peer, NULL, on_list_drop, f);
  peer_wait_for (f, "CGET file files.xml.bz2 0 -1\n");
}

static void
assert_list_failed (Fixture *f,
                    GQuark   domain,
                    gint     code)
{
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_null (f->list);
  g_assert_error (f->error, domain, code);
  g_assert_true (f->closed_at_completion);
  g_assert_true (burrow_test_wait_until (finalized, f, DEADLINE_MS));
  g_assert_cmpuint (f->closed_signals, ==, 1);
}

static void
test_list_truncated (Fixture       *f,
                     gconstpointer  data)
{
  get_list_and_drop (f);
  peer_send_text (f, "CSND file files.xml.bz2 0 1000\nonly a part of it");
  peer_hang_up (f);
  assert_list_failed (f, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
test_list_too_large (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree gchar *snd = g_strdup_printf ("CSND file files.xml.bz2 0 %u\n",
                                           BURROW_PEER_MAX_LIST_BYTES + 1);

  get_list_and_drop (f);
  peer_send_text (f, snd);
  assert_list_failed (f, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE);
}

static void
test_list_corrupt_zl1 (Fixture       *f,
                       gconstpointer  data)
{
  get_list_and_drop (f);
  peer_send_text (f, "CSND file files.xml.bz2 0 100 ZL1\nthis is not a zlib stream at all");
  assert_list_failed (f, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER);
}

static void
test_list_unrequested_snd (Fixture       *f,
                           gconstpointer  data)
{
  get_list_and_drop (f);
  peer_send_text (f, "CSND file other.xml 0 10\n0123456789");
  assert_list_failed (f, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PEER);
}

static gboolean
close_cb (gpointer data)
{
  Fixture *f = data;

  /* the callback runs inside close() and drops the only reference */
  burrow_peer_connection_close (f->peer);
  return G_SOURCE_REMOVE;
}

/* The owner closes the connection from the main loop (a cancelled browse) while the list
 * downloads; the callback drops it. */
static void
test_list_close (Fixture       *f,
                 gconstpointer  data)
{
  get_list_and_drop (f);
  peer_send_text (f, "CSND file files.xml.bz2 0 1000\nthe first part");
  g_idle_add (close_cb, f);
  assert_list_failed (f, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* A list that arrives whole: the callback still drops the connection. */
static void
test_list_complete (Fixture       *f,
                    gconstpointer  data)
{
  get_list_and_drop (f);
  peer_send_text (f, "CSND file files.xml.bz2 0 9\nthe list!");
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_no_error (f->error);
  g_assert_nonnull (f->list);
  g_assert_cmpmem (g_bytes_get_data (f->list, NULL), g_bytes_get_size (f->list), "the list!", 9);
  g_assert_true (burrow_test_wait_until (finalized, f, DEADLINE_MS));
}

/* A sink that ends the connection (a failing disk, a cancelled transfer) on the first bytes. */
static gboolean
closing_sink (BurrowPeerConnection  *connection,
              const guint8          *data,
              gsize                  len,
              GError               **error,
              gpointer               user_data)
{
  burrow_peer_connection_close (connection);
  return TRUE;
}

static void
on_download_drop (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Fixture *f = data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);

  g_assert_false (burrow_peer_connection_download_finish (peer, result, NULL, &f->error));
  f->done = TRUE;
}

static void
download_to_closing_sink (Fixture  *f,
                          gboolean  compressed)
{
  g_autoptr(BurrowPeerConnection) peer = connect_identified (f);
  g_autofree gchar *snd = NULL;
  guint8 payload[4096];
  uLongf deflated_len = compressBound (sizeof payload);
  g_autofree guint8 *deflated = g_malloc (deflated_len);

  for (gsize i = 0; i < sizeof payload; i++)
    payload[i] = (guint8) (i * 7);
  g_assert_cmpint (compress (deflated, &deflated_len, payload, sizeof payload), ==, Z_OK);

  burrow_peer_connection_download_async (peer, "file", "TTH/X", 0, sizeof payload, compressed,
                                         closing_sink, NULL, NULL, on_download_drop, f);
  snd = g_strdup_printf ("CSND file TTH/X 0 %zu%s\n", sizeof payload, compressed ? " ZL1" : "");
  /* the whole block in one write, so that the sink's first bytes are also the last */
  {
    g_autoptr(GByteArray) wire = g_byte_array_new ();

    g_byte_array_append (wire, (const guint8 *) snd, strlen (snd));
    if (compressed)
      g_byte_array_append (wire, deflated, deflated_len);
    else
      g_byte_array_append (wire, payload, sizeof payload);
    peer_send (f, wire->data, wire->len);
  }
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  /* the download's end must not reopen what the sink closed */
  g_assert_true (burrow_peer_connection_is_closed (peer));
  g_assert_cmpuint (f->closed_signals, ==, 1);
}

static void
test_download_sink_closes (Fixture       *f,
                           gconstpointer  data)
{
  download_to_closing_sink (f, FALSE);
}

static void
test_download_sink_closes_zl1 (Fixture       *f,
                               gconstpointer  data)
{
  download_to_closing_sink (f, TRUE);
}

/* --- uploads ---------------------------------------------------------------------------------- */

#define UPLOAD_BYTES (8 * 1024 * 1024)

static BurrowPeerSource *
big_source (BurrowPeerConnection  *connection,
            const gchar           *type,
            const gchar           *identifier,
            gboolean               recursive,
            GError               **error,
            gpointer               user_data)
{
  return burrow_peer_source_new_bytes (user_data, TRUE);
}

typedef struct
{
  Fixture *f;
  gsize    received;
  gboolean eof;
} Drain;

static gboolean
drained (gpointer data)
{
  Drain *d = data;
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (d->f->theirs));
  guint8 buf[64 * 1024];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (in, buf, sizeof buf, NULL, &error);

      if (n > 0)
        {
          d->received += (gsize) n;
          continue;
        }
      if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        d->eof = TRUE;
      break;
    }
  return d->eof;
}

static void
on_upload_started (BurrowPeerConnection *peer,
                   const gchar          *type,
                   const gchar          *identifier,
                   guint64               offset,
                   guint64               length,
                   gpointer              data)
{
  Fixture *f = data;

  f->done = TRUE;
}

/* The connection fails with megabytes still queued and is dropped; its channel goes on
 * writing them and must not call back into the freed connection when the queue drains. */
static void
test_upload_dropped_while_queued (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GBytes) content = g_bytes_new_take (g_malloc0 (UPLOAD_BYTES), UPLOAD_BYTES);
  BurrowPeerConnection *peer = connect_identified (f);
  Drain d = { f, 0, FALSE };

  burrow_peer_connection_set_source_func (peer, big_source, NULL, content);
  g_signal_connect (peer, "upload-started", G_CALLBACK (on_upload_started), f);
  peer_send_text (f, "CGET file TTH/X 0 -1\n");
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_true (burrow_peer_connection_is_uploading (peer));

  /* not a client-client line: the connection fails while its queue is full */
  peer_send_text (f, "BINF AAAA\n");
  g_assert_true (burrow_test_wait_until ((BurrowTestPredicate) burrow_peer_connection_is_closed, peer,
                                         DEADLINE_MS));
  g_object_unref (peer);
  g_assert_null (f->peer);

  /* read what was queued until the channel closes the stream */
  g_assert_true (burrow_test_wait_until (drained, &d, DEADLINE_MS));
  g_assert_cmpuint (d.received, >, 0);
}

typedef struct
{
  guint    acquired;
  guint    released;
  guint    done;
  gboolean complete;
} Slots;

static BurrowPeerSource *
slotted_source (BurrowPeerConnection  *connection,
                const gchar           *type,
                const gchar           *identifier,
                gboolean               recursive,
                GError               **error,
                gpointer               user_data)
{
  return burrow_peer_source_new_bytes (g_object_get_data (G_OBJECT (connection), "content"), FALSE);
}

static gboolean
count_slot (BurrowPeerConnection *connection,
            gboolean              acquire,
            gpointer              user_data)
{
  Slots *slots = user_data;

  if (acquire)
    slots->acquired++;
  else
    slots->released++;
  return TRUE;
}

static void
on_upload_done (BurrowPeerConnection *peer,
                gboolean              complete,
                gpointer              data)
{
  Slots *slots = data;

  slots->done++;
  slots->complete = complete;
}

/* The owner closes a connection that uploads: the upload ends and gives its slot back. */
static void
test_upload_close (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(BurrowPeerConnection) peer = connect_identified (f);
  Slots slots = { 0 };

  g_object_set_data_full (G_OBJECT (peer), "content",
                          g_bytes_new_take (g_malloc0 (UPLOAD_BYTES), UPLOAD_BYTES),
                          (GDestroyNotify) g_bytes_unref);
  burrow_peer_connection_set_source_func (peer, slotted_source, count_slot, &slots);
  g_signal_connect (peer, "upload-started", G_CALLBACK (on_upload_started), f);
  g_signal_connect (peer, "upload-done", G_CALLBACK (on_upload_done), &slots);
  peer_send_text (f, "CGET file TTH/X 0 -1\n");
  g_assert_true (burrow_test_wait_for_flag (&f->done, DEADLINE_MS));
  g_assert_cmpuint (slots.acquired, ==, 1);

  burrow_peer_connection_close (peer);
  g_assert_true (burrow_peer_connection_is_closed (peer));
  g_assert_false (burrow_peer_connection_is_uploading (peer));
  g_assert_cmpuint (slots.done, ==, 1);
  g_assert_false (slots.complete);
  g_assert_cmpuint (slots.released, ==, 1);
  g_assert_cmpuint (f->closed_signals, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/burrow/peer-connection/" path, Fixture, NULL, set_up, func, tear_down)

  ADD ("accepting/not-sup", test_accepting_not_sup);
  ADD ("accepting/not-client", test_accepting_not_client);
  ADD ("accepting/timeout", test_accepting_timeout);
  ADD ("accepting/hang-up", test_accepting_hang_up);
  ADD ("accepting/identified", test_accepting_identified);
  ADD ("accepting/close", test_accepting_close);
  ADD ("connecting/bad-inf", test_connecting_bad_inf);
  ADD ("connecting/wrong-token", test_connecting_wrong_token);
  ADD ("list/truncated", test_list_truncated);
  ADD ("list/too-large", test_list_too_large);
  ADD ("list/corrupt-zl1", test_list_corrupt_zl1);
  ADD ("list/unrequested-snd", test_list_unrequested_snd);
  ADD ("list/close", test_list_close);
  ADD ("list/complete", test_list_complete);
  ADD ("download/sink-closes", test_download_sink_closes);
  ADD ("download/sink-closes-zl1", test_download_sink_closes_zl1);
  ADD ("upload/dropped-while-queued", test_upload_dropped_while_queued);
  ADD ("upload/close", test_upload_close);

#undef ADD

  return g_test_run ();
}
