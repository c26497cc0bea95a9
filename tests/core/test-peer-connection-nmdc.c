/* test-peer-connection-nmdc.c — the NMDC client-client protocol of BurrowPeerConnection over
 * socket pairs: against a scripted peer that sends what eiskaltdcpp 2.4.2 sent in the capture
 * (../shared/NMDC.md §2.4), between two real connections, and over TLS with two identities
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <zlib.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (20 * 1000)
#define LOCK        "EXTENDEDPROTOCOLABCABCABCABCABCABC"
#define OUR_HELLO   "$MyNick dave|$Lock " LOCK " Pk=Burrow" PACKAGE_VERSION "|"
#define OUR_SUPPORTS "$Supports MiniSlots XmlBZList ADCGet TTHL TTHF ZLIG|"
/* eiskaltdcpp 2.4.2's lines (NMDC.md §2.4): its $Supports ends in a space */
#define EK_HELLO    "$MyNick bob|$Lock " LOCK " Pk=DCPLUSPLUS2.4.2Ref=dchub://127.0.0.1:4111|"
#define EK_SUPPORTS "$Supports MiniSlots XmlBZList ADCGet TTHL TTHF ZLIG |"
#define TTH_ID      "TTH/LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ"
#define CONTENT     "0123456789abcdefghijklmnopqrstuvwxyz"

/* One socket pair: the connection runs on @ours; the test plays the peer on @theirs (or a
 * second connection does). */
typedef struct
{
  GIOStream   *ours;
  GIOStream   *theirs;
  GString     *heard;   /* what the peer has read */
  const gchar *awaited;
} Wire;

static GIOStream *
stream_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static Wire *
wire_new (void)
{
  Wire *w = g_new0 (Wire, 1);
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  w->ours = stream_from_fd (fds[0]);
  w->theirs = stream_from_fd (fds[1]);
  w->heard = g_string_new (NULL);
  return w;
}

static void
wire_free (Wire *w)
{
  g_clear_object (&w->ours);
  g_clear_object (&w->theirs);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_string_free (w->heard, TRUE);
  g_free (w);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wire, wire_free)

static void
peer_send (Wire       *w,
           const void *data,
           gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (w->theirs), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
peer_send_text (Wire        *w,
                const gchar *text)
{
  peer_send (w, text, strlen (text));
}

static gboolean
heard (gpointer data)
{
  Wire *w = data;
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (w->theirs));
  gchar buf[4096];
  gssize n;

  while ((n = g_pollable_input_stream_read_nonblocking (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (w->heard, buf, n);
  return strstr (w->heard->str, w->awaited) != NULL;
}

static void
peer_wait_for (Wire        *w,
               const gchar *text)
{
  w->awaited = text;
  g_assert_true (burrow_test_wait_until (heard, w, DEADLINE_MS));
}

/* The key of our lock, as text (it has no NUL: those are written /%DCN000%/). */
static gchar *
key_of (const gchar *lock)
{
  g_autoptr(GBytes) bytes = g_bytes_new (lock, strlen (lock));
  g_autoptr(GBytes) key = burrow_nmdc_key_from_lock (bytes);
  gsize len;
  const gchar *data = g_bytes_get_data (key, &len);

  g_assert_null (memchr (data, '\0', len));
  return g_strndup (data, len);
}

static gboolean
finish_handshake (BurrowPeerConnection  *conn,
                  BurrowTestResult      *r,
                  GError               **error)
{
  return burrow_peer_connection_handshake_finish (conn, burrow_test_result_wait (r, DEADLINE_MS), error);
}

/* Plays eiskalt answering our connecting (or NAT) side: returns our $Direction number. */
static guint
script_peer_handshake (Wire        *w,
                       const gchar *peer_supports,
                       const gchar *peer_direction)
{
  g_autofree gchar *key = key_of (LOCK);
  g_autofree gchar *key_line = g_strdup_printf ("|$Key %s|", key);
  g_autofree gchar *rest = NULL;
  const gchar *after;
  guint number = 0;

  peer_wait_for (w, OUR_HELLO);
  g_assert_cmpstr (w->heard->str, ==, OUR_HELLO);
  peer_send_text (w, EK_HELLO);
  peer_wait_for (w, key_line);
  /* exactly: $Supports …|$Direction Download|Upload <n>|$Key <key of the peer's lock>| */
  after = w->heard->str + strlen (OUR_HELLO);
  g_assert_true (g_str_has_prefix (after, OUR_SUPPORTS "$Direction "));
  g_assert_true (g_str_has_suffix (after, key_line));
  g_assert_cmpint (sscanf (after + strlen (OUR_SUPPORTS "$Direction "), "%*s %u|", &number), ==, 1);
  g_assert_cmpuint (number, <=, 32767);

  rest = g_strdup_printf ("%s%s|$Key %s|", peer_supports, peer_direction, key);
  peer_send_text (w, rest);
  g_string_truncate (w->heard, 0);
  return number;
}

/* --- handshake ------------------------------------------------------------------------------ */

static void
test_wire_connecting (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_auto(BurrowTestResult) lr = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = NULL;

  conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_CONNECTING, "dave", "bob",
                                          "CP1252", TRUE);
  g_assert_cmpint (burrow_peer_connection_get_protocol (conn), ==, BURROW_PEER_PROTOCOL_NMDC);
  g_assert_null (burrow_peer_connection_get_peer_nick (conn));
  g_assert_false (burrow_peer_connection_can_download (conn));
  burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
  script_peer_handshake (w, EK_SUPPORTS, "$Direction Upload 3856");
  g_assert_true (finish_handshake (conn, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_peer_connection_get_peer_nick (conn), ==, "bob");
  g_assert_cmpstr (burrow_peer_connection_get_token (conn), ==, "bob");
  g_assert_true (burrow_peer_connection_can_download (conn));
  g_assert_false (burrow_peer_connection_is_tls (conn));
  g_assert_null (burrow_peer_connection_dup_peer_keyprint (conn));

  /* the capture's list download: $ADCGET, then $ADCSND and the raw bytes */
  burrow_peer_connection_get_file_list_async (conn, NULL, burrow_test_result_cb, &lr);
  peer_wait_for (w, "$ADCGET file files.xml.bz2 0 -1|");
  g_assert_cmpstr (w->heard->str, ==, "$ADCGET file files.xml.bz2 0 -1|");
  peer_send_text (w, "$ADCSND file files.xml.bz2 0 9|BZh9abcde");
  list = burrow_peer_connection_get_file_list_finish (conn, burrow_test_result_wait (&lr, DEADLINE_MS),
                                                      &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (list, NULL), g_bytes_get_size (list), "BZh9abcde", 9);
  burrow_peer_connection_close (conn);
}

static gboolean
accept_bob (BurrowPeerConnection *conn,
            const gchar          *token,
            const gchar          *cid,
            gpointer              data)
{
  g_assert_null (cid);
  return g_str_equal (token, "bob");
}

static BurrowPeerSource *
serve (BurrowPeerConnection  *conn,
       const gchar           *type,
       const gchar           *identifier,
       gboolean               recursive,
       GError               **error,
       gpointer               data)
{
  g_autoptr(GBytes) bytes = NULL;

  if (g_str_equal (identifier, "files.xml.bz2"))
    {
      bytes = g_bytes_new_static (CONTENT CONTENT CONTENT, 3 * strlen (CONTENT));
      return burrow_peer_source_new_bytes (bytes, TRUE);
    }
  if (g_str_equal (identifier, TTH_ID) || g_str_equal (identifier, "/my dir/a b.txt"))
    {
      if (data != NULL)
        return burrow_peer_source_new_file (data, strlen (CONTENT), FALSE);
      bytes = g_bytes_new_static (CONTENT, strlen (CONTENT));
      return burrow_peer_source_new_bytes (bytes, FALSE);
    }
  g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE, "no");
  return NULL;
}

/* Accepting: the peer speaks first; we answer $MyNick, $Lock, $Supports, $Direction, $Key. */
static BurrowPeerConnection *
accept_from_script (Wire     *w,
                    gboolean  want_download,
                    const gchar *peer_direction)
{
  g_autofree gchar *key = key_of (LOCK);
  g_autofree gchar *key_line = g_strdup_printf ("|$Key %s|", key);
  g_autofree gchar *rest = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *conn;

  conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_ACCEPTING, "dave", NULL, NULL,
                                          want_download);
  burrow_peer_connection_set_token_func (conn, accept_bob, NULL);
  burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
  burrow_test_iterate_for (50);
  g_assert_cmpstr (w->heard->str, ==, ""); /* the accepting side waits */
  peer_send_text (w, "$MyNick bob|$Lock " LOCK " Pk=DCPLUSPLUS2.4.2|");
  peer_wait_for (w, key_line);
  g_assert_true (g_str_has_prefix (w->heard->str, OUR_HELLO OUR_SUPPORTS));
  g_assert_true (g_str_has_prefix (w->heard->str + strlen (OUR_HELLO OUR_SUPPORTS),
                                   want_download ? "$Direction Download " : "$Direction Upload "));
  g_assert_true (g_str_has_suffix (w->heard->str, key_line));
  g_string_truncate (w->heard, 0);

  /* eiskalt's key is of our lock; a wrong one would be ignored, as eiskalt does */
  rest = g_strdup_printf (EK_SUPPORTS "%s|$Key %s|", peer_direction, key);
  peer_send_text (w, rest);
  g_assert_true (finish_handshake (conn, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_peer_connection_get_peer_nick (conn), ==, "bob");
  return conn;
}

static void
test_wire_accepting (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = accept_from_script (w, FALSE, "$Direction Download 31000");
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_false (burrow_peer_connection_can_download (conn));
  g_assert_cmpstr (burrow_peer_connection_get_token (conn), ==, "bob");
  burrow_peer_connection_set_source_func (conn, serve, NULL, NULL);

  /* a range by TTH */
  peer_send_text (w, "$ADCGET file " TTH_ID " 2 5|");
  peer_wait_for (w, "23456");
  g_assert_cmpstr (w->heard->str, ==, "$ADCSND file " TTH_ID " 2 5|23456");
  g_string_truncate (w->heard, 0);

  /* paths are ADC-escaped UTF-8 with `\ ` for a space; `\s` is taken too */
  peer_send_text (w, "$ADCGET file /my\\ dir/a\\sb.txt 0 3|");
  peer_wait_for (w, "012");
  g_assert_cmpstr (w->heard->str, ==, "$ADCSND file /my\\ dir/a\\ b.txt 0 3|012");

  /* the peer is the downloader: we may not GET */
  burrow_peer_connection_download_async (conn, "file", TTH_ID, 0, -1, FALSE, NULL, NULL, NULL,
                                         burrow_test_result_cb, &r);
  g_assert_false (burrow_peer_connection_download_finish (conn, burrow_test_result_wait (&r, DEADLINE_MS),
                                                          NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  burrow_peer_connection_close (conn);
}

static gboolean
refuse_all (BurrowPeerConnection *conn,
            const gchar          *token,
            const gchar          *cid,
            gpointer              data)
{
  return FALSE;
}

static gboolean
accept_nick (BurrowPeerConnection *conn,
             const gchar          *token,
             const gchar          *cid,
             gpointer              data)
{
  return g_str_equal (token, data);
}

static void
test_accepting_refused (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_ACCEPTING, "dave", NULL, NULL, TRUE);
  burrow_peer_connection_set_token_func (conn, refuse_all, NULL);
  burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
  peer_send_text (w, "$MyNick mallory|$Lock " LOCK " Pk=x|");
  g_assert_false (finish_handshake (conn, &r, &error));
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED);
  g_assert_true (burrow_peer_connection_is_closed (conn));
}

static void
test_wrong_nick (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_CONNECTING, "dave", "bob", NULL, TRUE);
  burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
  peer_send_text (w, "$MyNick mallory|$Lock " LOCK " Pk=x|");
  g_assert_false (finish_handshake (conn, &r, &error));
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED);
}

static void
test_timeout (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_CONNECTING, "dave", "bob", NULL, TRUE);
  burrow_peer_connection_set_handshake_timeout (conn, 200);
  burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
  peer_send_text (w, "$MyNick bob|$Lock " LOCK);
  g_assert_false (finish_handshake (conn, &r, &error));
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_TIMED_OUT);
}

/* Peers without ADCGet and TTHF (or without $Supports) are refused, as eiskaltdcpp does. */
static void
test_old_client (void)
{
  const gchar *supports[] = {
    "$Supports MiniSlots XmlBZList TTHL TTHF|",
    "$Supports MiniSlots XmlBZList ADCGet TTHL|",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (supports); i++)
    {
      g_autoptr(Wire) w = wire_new ();
      g_autoptr(BurrowPeerConnection) conn = NULL;
      g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
      g_autoptr(GError) error = NULL;

      conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_CONNECTING, "dave", "bob", NULL,
                                              TRUE);
      burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
      script_peer_handshake (w, supports[i], "$Direction Upload 1");
      g_assert_false (finish_handshake (conn, &r, &error));
      g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PROTOCOL_MISMATCH);
    }
}

/* Both want to download: the higher number does; equal numbers: closed. */
static void
test_direction_tie (void)
{
  for (gint delta = -1; delta <= 1; delta++)
    {
      g_autoptr(Wire) w = wire_new ();
      g_autoptr(BurrowPeerConnection) conn = NULL;
      g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *key = key_of (LOCK);
      g_autofree gchar *key_line = g_strdup_printf ("|$Key %s|", key);
      g_autofree gchar *rest = NULL;
      guint number = 0;
      gint theirs;
      gboolean ok;

      conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_NAT, "dave", "bob", NULL, TRUE);
      burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
      /* NAT: both send $MyNick and $Lock at once */
      peer_send_text (w, EK_HELLO);
      peer_wait_for (w, key_line);
      g_assert_true (g_str_has_prefix (w->heard->str, OUR_HELLO OUR_SUPPORTS "$Direction Download "));
      g_assert_cmpint (sscanf (w->heard->str + strlen (OUR_HELLO OUR_SUPPORTS "$Direction Download "),
                               "%u|", &number), ==, 1);
      theirs = (gint) number + delta;
      if (theirs < 0 || theirs > 32767)
        theirs = (gint) number - delta; /* at an edge: test the other side of it */
      rest = g_strdup_printf (EK_SUPPORTS "$Direction Download %d|$Key %s|", theirs, key);
      peer_send_text (w, rest);
      ok = finish_handshake (conn, &r, &error);
      if (theirs == (gint) number)
        {
          g_assert_false (ok);
          g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (burrow_peer_connection_can_download (conn), ==, (gint) number > theirs);
          burrow_peer_connection_close (conn);
        }
    }
}

/* Two real connections, both on the NAT side, both wanting to download: exactly one may. */
static void
test_nat_pair (void)
{
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(Wire) w = wire_new ();
      g_autoptr(BurrowPeerConnection) a = NULL;
      g_autoptr(BurrowPeerConnection) b = NULL;
      g_auto(BurrowTestResult) ra = BURROW_TEST_RESULT_INIT;
      g_auto(BurrowTestResult) rb = BURROW_TEST_RESULT_INIT;
      g_autoptr(GError) ea = NULL;
      g_autoptr(GError) eb = NULL;
      gboolean oka, okb;

      a = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_NAT, "dave", "bob", "CP1251", TRUE);
      b = burrow_peer_connection_new_nmdc (w->theirs, BURROW_PEER_SIDE_NAT, "bob", "dave", "CP1251", TRUE);
      burrow_peer_connection_handshake_async (a, NULL, burrow_test_result_cb, &ra);
      burrow_peer_connection_handshake_async (b, NULL, burrow_test_result_cb, &rb);
      oka = finish_handshake (a, &ra, &ea);
      okb = finish_handshake (b, &rb, &eb);
      if (!oka && g_error_matches (ea, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_UNEXPECTED))
        continue; /* both drew the same number (1 in 32768): again */
      g_assert_no_error (ea);
      g_assert_no_error (eb);
      g_assert_true (oka && okb);
      g_assert_cmpstr (burrow_peer_connection_get_peer_nick (a), ==, "bob");
      g_assert_cmpstr (burrow_peer_connection_get_peer_nick (b), ==, "dave");
      g_assert_true (burrow_peer_connection_can_download (a) != burrow_peer_connection_can_download (b));
      burrow_peer_connection_close (a);
      burrow_peer_connection_close (b);
      return;
    }
  g_assert_not_reached ();
}

/* --- transfers between two real connections ---------------------------------------------- */

static gboolean
collect (BurrowPeerConnection  *conn,
         const guint8          *data,
         gsize                  len,
         GError               **error,
         gpointer               user_data)
{
  g_byte_array_append (user_data, data, len);
  return TRUE;
}

static void
download_and_compare (BurrowPeerConnection *conn,
                      const gchar          *identifier,
                      guint64               offset,
                      gint64                length,
                      gboolean              compressed,
                      const gchar          *expected,
                      gsize                 expected_len)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) got = g_byte_array_new ();
  guint64 received = 0;

  burrow_peer_connection_download_async (conn, "file", identifier, offset, length, compressed, collect, got,
                                         NULL, burrow_test_result_cb, &r);
  g_assert_true (burrow_peer_connection_download_finish (conn, burrow_test_result_wait (&r, DEADLINE_MS),
                                                         &received, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (received, ==, expected_len);
  g_assert_cmpmem (got->data, got->len, expected, expected_len);
}

static void
handshake_pair (BurrowPeerConnection *a,
                BurrowPeerConnection *b)
{
  g_auto(BurrowTestResult) ra = BURROW_TEST_RESULT_INIT;
  g_auto(BurrowTestResult) rb = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;

  burrow_peer_connection_handshake_async (a, NULL, burrow_test_result_cb, &ra);
  burrow_peer_connection_handshake_async (b, NULL, burrow_test_result_cb, &rb);
  g_assert_true (finish_handshake (a, &ra, &error));
  g_assert_no_error (error);
  g_assert_true (finish_handshake (b, &rb, &error));
  g_assert_no_error (error);
}

static void
test_pair_transfers (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) dave = NULL;
  g_autoptr(BurrowPeerConnection) bob = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-nmdc-peer-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "content", NULL);
  g_auto(BurrowTestResult) lr = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = NULL;

  g_assert_true (g_file_set_contents (path, CONTENT, -1, NULL));
  dave = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_CONNECTING, "dave", "bob", NULL, TRUE);
  bob = burrow_peer_connection_new_nmdc (w->theirs, BURROW_PEER_SIDE_ACCEPTING, "bob", NULL, NULL, FALSE);
  burrow_peer_connection_set_token_func (bob, accept_nick, (gpointer) "dave");
  burrow_peer_connection_set_source_func (bob, serve, NULL, path);
  handshake_pair (dave, bob);
  g_assert_true (burrow_peer_connection_can_download (dave));
  g_assert_false (burrow_peer_connection_can_download (bob));
  g_assert_cmpstr (burrow_peer_connection_get_peer_nick (bob), ==, "dave");

  /* the file list, plain and with ZL1 (bob listed ZLIG) */
  burrow_peer_connection_get_file_list_async (dave, NULL, burrow_test_result_cb, &lr);
  list = burrow_peer_connection_get_file_list_finish (dave, burrow_test_result_wait (&lr, DEADLINE_MS), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (list, NULL), g_bytes_get_size (list),
                   CONTENT CONTENT CONTENT, 3 * strlen (CONTENT));
  download_and_compare (dave, "files.xml.bz2", 0, -1, TRUE, CONTENT CONTENT CONTENT, 3 * strlen (CONTENT));
  /* a range of a real file, by TTH and by a path with spaces */
  download_and_compare (dave, TTH_ID, 3, 10, FALSE, CONTENT + 3, 10);
  download_and_compare (dave, "/my dir/a b.txt", 0, -1, FALSE, CONTENT, strlen (CONTENT));

  burrow_peer_connection_close (dave);
  burrow_peer_connection_close (bob);
  burrow_test_remove_tree (dir);
}

/* --- against a scripted peer: ZL1, errors, slots ----------------------------------------- */

static BurrowPeerConnection *
connect_to_script (Wire        *w,
                   const gchar *peer_supports)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  BurrowPeerConnection *conn;

  conn = burrow_peer_connection_new_nmdc (w->ours, BURROW_PEER_SIDE_CONNECTING, "dave", "bob", NULL, TRUE);
  burrow_peer_connection_handshake_async (conn, NULL, burrow_test_result_cb, &r);
  script_peer_handshake (w, peer_supports, "$Direction Upload 3856");
  g_assert_true (finish_handshake (conn, &r, &error));
  g_assert_no_error (error);
  return conn;
}

/* ZL1 goes only to a peer that listed ZLIG. */
static void
test_zl1_only_with_zlig (void)
{
  g_autoptr(Wire) plain = wire_new ();
  g_autoptr(Wire) zlig = wire_new ();
  g_autoptr(BurrowPeerConnection) a = connect_to_script (plain, "$Supports MiniSlots XmlBZList ADCGet TTHL TTHF|");
  g_autoptr(BurrowPeerConnection) b = connect_to_script (zlig, EK_SUPPORTS);
  g_auto(BurrowTestResult) ra = BURROW_TEST_RESULT_INIT;
  g_auto(BurrowTestResult) rb = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) got = g_byte_array_new ();
  uLongf zlen = compressBound (strlen (CONTENT));
  g_autofree guint8 *z = g_malloc (zlen);
  g_autofree gchar *snd = NULL;

  burrow_peer_connection_download_async (a, "file", TTH_ID, 0, 10, TRUE, collect, got, NULL,
                                         burrow_test_result_cb, &ra);
  peer_wait_for (plain, "|");
  g_assert_cmpstr (plain->heard->str, ==, "$ADCGET file " TTH_ID " 0 10|");
  peer_send_text (plain, "$ADCSND file " TTH_ID " 0 10|0123456789");
  g_assert_true (burrow_peer_connection_download_finish (a, burrow_test_result_wait (&ra, DEADLINE_MS),
                                                         NULL, &error));
  g_assert_no_error (error);

  g_byte_array_set_size (got, 0);
  burrow_peer_connection_download_async (b, "file", TTH_ID, 0, -1, TRUE, collect, got, NULL,
                                         burrow_test_result_cb, &rb);
  peer_wait_for (zlig, "|");
  g_assert_cmpstr (zlig->heard->str, ==, "$ADCGET file " TTH_ID " 0 -1 ZL1|");
  g_assert_cmpint (compress2 (z, &zlen, (const Bytef *) CONTENT, strlen (CONTENT), 9), ==, Z_OK);
  snd = g_strdup_printf ("$ADCSND file " TTH_ID " 0 %zu ZL1|", strlen (CONTENT));
  peer_send_text (zlig, snd);
  peer_send (zlig, z, zlen);
  g_assert_true (burrow_peer_connection_download_finish (b, burrow_test_result_wait (&rb, DEADLINE_MS),
                                                         NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, got->len, CONTENT, strlen (CONTENT));
  burrow_peer_connection_close (a);
  burrow_peer_connection_close (b);
}

/* $Error File Not Available and $MaxedOut end a download with the codes ADC's STA 151 and 153
 * give (burrow-peer-connection.c, dispatch of STA), so the transfer manager treats both alike. */
static void
test_errors (void)
{
  struct { const gchar *line; gint code; } cases[] = {
    { "$Error File Not Available|", BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE },
    { "$Error File Part Not Available|", BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE },
    { "$MaxedOut|", BURROW_TRANSFER_ERROR_NO_SLOTS },
    { "$MaxedOut 3|", BURROW_TRANSFER_ERROR_NO_SLOTS },
    { "$Error Secure connection required!|", BURROW_TRANSFER_ERROR_FAILED },
  };
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = connect_to_script (w, EK_SUPPORTS);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
      g_autoptr(GError) error = NULL;

      burrow_peer_connection_download_async (conn, "file", TTH_ID, 0, -1, FALSE, collect, NULL, NULL,
                                             burrow_test_result_cb, &r);
      peer_wait_for (w, "|");
      g_string_truncate (w->heard, 0);
      peer_send_text (w, cases[i].line);
      g_assert_false (burrow_peer_connection_download_finish (conn, burrow_test_result_wait (&r, DEADLINE_MS),
                                                              NULL, &error));
      g_assert_error (error, BURROW_TRANSFER_ERROR, cases[i].code);
    }
  burrow_peer_connection_close (conn);
}

static guint slots_taken;
static guint slots_max;

static gboolean
slot (BurrowPeerConnection *conn,
      gboolean              acquire,
      gpointer              data)
{
  if (!acquire)
    {
      g_assert_cmpuint (slots_taken, >, 0);
      slots_taken--;
      return TRUE;
    }
  if (slots_taken >= slots_max)
    return FALSE;
  slots_taken++;
  return TRUE;
}

/* What we send as uploader: data within the slot limit, $MaxedOut beyond it (and hang up, as
 * DC++), `$Error File Not Available` for what we do not share; lists need no slot. */
static void
test_upload_slots (void)
{
  g_autoptr(Wire) w = wire_new ();
  g_autoptr(Wire) w2 = wire_new ();
  g_autoptr(BurrowPeerConnection) conn = accept_from_script (w, FALSE, "$Direction Download 31000");
  g_autoptr(BurrowPeerConnection) conn2 = accept_from_script (w2, FALSE, "$Direction Download 31000");

  slots_taken = 0;
  slots_max = 1;
  burrow_peer_connection_set_source_func (conn, serve, slot, NULL);
  burrow_peer_connection_set_source_func (conn2, serve, slot, NULL);

  peer_send_text (w, "$ADCGET file TTH/AAAA 0 -1|");
  peer_wait_for (w, "$Error File Not Available|");
  g_string_truncate (w->heard, 0);

  /* one slot: the first upload takes it and gives it back */
  peer_send_text (w, "$ADCGET file " TTH_ID " 0 4|");
  peer_wait_for (w, "0123");
  g_assert_cmpstr (w->heard->str, ==, "$ADCSND file " TTH_ID " 0 4|0123");
  burrow_test_iterate_for (50);
  g_assert_cmpuint (slots_taken, ==, 0);
  g_string_truncate (w->heard, 0);

  /* all slots taken: $MaxedOut, then the connection closes; a list still goes (mini) */
  slots_max = 0;
  peer_send_text (w2, "$ADCGET file files.xml.bz2 0 3|");
  peer_wait_for (w2, "012");
  g_assert_cmpstr (w2->heard->str, ==, "$ADCSND file files.xml.bz2 0 3|012");
  peer_send_text (w, "$ADCGET file " TTH_ID " 0 4|");
  peer_wait_for (w, "$MaxedOut|");
  g_assert_cmpstr (w->heard->str, ==, "$MaxedOut|");
  g_assert_true (burrow_peer_connection_is_closed (conn));
  g_assert_cmpuint (slots_taken, ==, 0);
  burrow_peer_connection_close (conn2);
}

/* --- TLS and burrow_peer_handshake_async() ------------------------------------------------- */

typedef struct
{
  gchar          *dir;
  BurrowDatabase *database;
  BurrowIdentity *identity;
} Id;

static void
id_init (Id *id)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  id->dir = g_dir_make_tmp ("burrow-nmdc-id-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (id->dir, "burrow.db", NULL);
  id->database = burrow_database_open (path, &error);
  g_assert_no_error (error);
  id->identity = burrow_identity_load (id->database, id->dir, &error);
  g_assert_no_error (error);
}

static void
id_clear (Id *id)
{
  g_clear_object (&id->identity);
  g_clear_object (&id->database);
  burrow_test_remove_tree (id->dir);
  g_free (id->dir);
}

static void
test_tls (void)
{
  g_autoptr(Wire) w = wire_new ();
  Id a = { 0 }, b = { 0 };
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_auto(BurrowTestResult) ra = BURROW_TEST_RESULT_INIT;
  g_auto(BurrowTestResult) rb = BURROW_TEST_RESULT_INIT;
  g_auto(BurrowTestResult) lr = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPeerConnection) dave = NULL;
  g_autoptr(BurrowPeerConnection) bob = NULL;
  g_autoptr(GBytes) list = NULL;
  g_autofree gchar *kp_a = NULL, *kp_b = NULL, *seen_by_a = NULL, *seen_by_b = NULL;
  BurrowPeerHandshake ha = { 0 }, hb = { 0 };
  gboolean tls_step = FALSE;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  id_init (&a);
  id_init (&b);
  attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_DIRECT, BURROW_PUNCH_ROLE_INITIATOR, "hub",
                                      "bob", NULL, "bob", "NMDC");

  ha.identity = a.identity;
  ha.side = BURROW_PEER_SIDE_CONNECTING;
  ha.tls = TRUE;
  ha.tls_client = TRUE;
  ha.token = "bob";
  ha.peer_keyprint = "SHA256/AAAA"; /* unused on NMDC: nothing to check */
  ha.peer_name = "bob";
  ha.protocol = BURROW_PEER_PROTOCOL_NMDC;
  ha.our_nick = "dave";
  ha.charset = "CP1252";
  ha.want_download = TRUE;
  ha.attempt = attempt;
  hb = ha;
  hb.identity = b.identity;
  hb.side = BURROW_PEER_SIDE_ACCEPTING;
  hb.tls_client = FALSE;
  hb.token = "dave";
  hb.peer_name = "dave";
  hb.our_nick = "bob";
  hb.want_download = FALSE;
  hb.attempt = NULL;

  burrow_peer_handshake_async (G_SOCKET_CONNECTION (w->ours), &ha, NULL, burrow_test_result_cb, &ra);
  burrow_peer_handshake_async (G_SOCKET_CONNECTION (w->theirs), &hb, NULL, burrow_test_result_cb, &rb);
  dave = burrow_peer_handshake_finish (burrow_test_result_wait (&ra, DEADLINE_MS), &error);
  g_assert_no_error (error);
  bob = burrow_peer_handshake_finish (burrow_test_result_wait (&rb, DEADLINE_MS), &error);
  g_assert_no_error (error);

  g_assert_cmpint (burrow_peer_connection_get_protocol (dave), ==, BURROW_PEER_PROTOCOL_NMDC);
  g_assert_true (burrow_peer_connection_is_tls (dave));
  g_assert_true (burrow_peer_connection_can_download (dave));
  g_assert_false (burrow_peer_connection_can_download (bob));
  g_assert_cmpstr (burrow_peer_connection_get_peer_nick (dave), ==, "bob");
  g_assert_cmpstr (burrow_peer_connection_get_peer_nick (bob), ==, "dave");
  kp_a = burrow_tls_certificate_keyprint (burrow_identity_get_certificate (a.identity));
  kp_b = burrow_tls_certificate_keyprint (burrow_identity_get_certificate (b.identity));
  seen_by_a = burrow_peer_connection_dup_peer_keyprint (dave);
  seen_by_b = burrow_peer_connection_dup_peer_keyprint (bob);
  g_assert_cmpstr (seen_by_a, ==, kp_b);
  g_assert_cmpstr (seen_by_b, ==, kp_a);
  for (guint i = 0; i < burrow_punch_attempt_get_n_steps (attempt); i++)
    tls_step |= burrow_punch_attempt_get_step (attempt, i)->kind == BURROW_PUNCH_STEP_TLS_DONE;
  g_assert_true (tls_step);

  burrow_peer_connection_set_source_func (bob, serve, NULL, NULL);
  burrow_peer_connection_get_file_list_async (dave, NULL, burrow_test_result_cb, &lr);
  list = burrow_peer_connection_get_file_list_finish (dave, burrow_test_result_wait (&lr, DEADLINE_MS), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (list, NULL), g_bytes_get_size (list),
                   CONTENT CONTENT CONTENT, 3 * strlen (CONTENT));

  burrow_peer_connection_close (dave);
  burrow_peer_connection_close (bob);
  g_clear_object (&dave);
  g_clear_object (&bob);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  id_clear (&a);
  id_clear (&b);
}

/* An old client through burrow_peer_handshake_async(): the code survives the wrapping. */
static void
test_handshake_old_client (void)
{
  g_autoptr(Wire) w = wire_new ();
  Id a = { 0 };
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPeerConnection) conn = NULL;
  BurrowPeerHandshake h = { 0 };

  id_init (&a);
  h.identity = a.identity;
  h.side = BURROW_PEER_SIDE_CONNECTING;
  h.token = "bob";
  h.peer_name = "bob";
  h.protocol = BURROW_PEER_PROTOCOL_NMDC;
  h.our_nick = "dave";
  h.want_download = TRUE;
  burrow_peer_handshake_async (G_SOCKET_CONNECTION (w->ours), &h, NULL, burrow_test_result_cb, &r);
  script_peer_handshake (w, "$Supports MiniSlots XmlBZList|", "$Direction Upload 1");
  conn = burrow_peer_handshake_finish (burrow_test_result_wait (&r, DEADLINE_MS), &error);
  g_assert_null (conn);
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PROTOCOL_MISMATCH);
  burrow_test_iterate_for (10);
  id_clear (&a);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/burrow/peer/nmdc/wire-connecting", test_wire_connecting);
  g_test_add_func ("/burrow/peer/nmdc/wire-accepting", test_wire_accepting);
  g_test_add_func ("/burrow/peer/nmdc/accepting-refused", test_accepting_refused);
  g_test_add_func ("/burrow/peer/nmdc/wrong-nick", test_wrong_nick);
  g_test_add_func ("/burrow/peer/nmdc/timeout", test_timeout);
  g_test_add_func ("/burrow/peer/nmdc/old-client", test_old_client);
  g_test_add_func ("/burrow/peer/nmdc/direction-tie", test_direction_tie);
  g_test_add_func ("/burrow/peer/nmdc/nat-pair", test_nat_pair);
  g_test_add_func ("/burrow/peer/nmdc/pair-transfers", test_pair_transfers);
  g_test_add_func ("/burrow/peer/nmdc/zl1-only-with-zlig", test_zl1_only_with_zlig);
  g_test_add_func ("/burrow/peer/nmdc/errors", test_errors);
  g_test_add_func ("/burrow/peer/nmdc/upload-slots", test_upload_slots);
  g_test_add_func ("/burrow/peer/nmdc/tls", test_tls);
  g_test_add_func ("/burrow/peer/nmdc/handshake-old-client", test_handshake_old_client);

  return g_test_run ();
}
