/* test-punch.c — the TCP hole punch and the shared listener on loopback
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each side holds its "hub port" with a bound socket (as the hub connection does) and
 * punches from it; tests/natlab does the same through real NATs.
 */

#include "config.h"

#include "burrow-core.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (10 * 1000)

typedef struct
{
  GSocket      *holder;   /* holds the port, as a hub connection would */
  guint16       port;
  BurrowPunch  *punch;
  gboolean      done;
  GSocket      *socket;
  GError       *error;
  gint64        done_at;
} Side;

static void
side_init (Side *side)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;

  side->holder = burrow_punch_bind_socket (loopback, 0, &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (side->holder, &error);
  g_assert_no_error (error);
  side->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_assert_cmpuint (side->port, >, 0);
}

static void
side_clear (Side *side)
{
  g_clear_pointer (&side->punch, burrow_punch_free);
  g_clear_object (&side->socket);
  g_clear_error (&side->error);
  if (side->holder != NULL)
    g_socket_close (side->holder, NULL);
  g_clear_object (&side->holder);
}

static void
on_done (BurrowPunch  *punch,
         GSocket      *socket,
         const GError *error,
         gpointer      data)
{
  Side *side = data;

  g_assert_false (side->done);
  side->done = TRUE;
  side->done_at = g_get_monotonic_time ();
  side->socket = socket;
  side->error = error ? g_error_copy (error) : NULL;
  g_assert_true ((socket == NULL) != (error == NULL));
  g_clear_pointer (&side->punch, burrow_punch_free);
}

static void
side_punch (Side                 *side,
            BurrowPunchListeners *listeners,
            BurrowPunchAttempt   *attempt)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  side->punch = burrow_punch_new (listeners, loopback, side->port, loopback, "peer", attempt,
                                  on_done, side);
  g_assert_nonnull (side->punch);
}

static guint16
remote_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);

  g_assert_true (G_IS_INET_SOCKET_ADDRESS (remote));
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
}

/* What one side writes, the other reads: both hold the same connection. */
static void
assert_connected (Side *a,
                  Side *b)
{
  g_autoptr(GError) error = NULL;
  gchar byte = 0;

  g_assert_no_error (a->error);
  g_assert_no_error (b->error);
  g_assert_nonnull (a->socket);
  g_assert_nonnull (b->socket);
  g_assert_cmpuint (remote_port (a->socket), ==, b->port);
  g_assert_cmpuint (remote_port (b->socket), ==, a->port);

  g_assert_cmpint (g_socket_send (a->socket, "!", 1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_true (g_socket_condition_timed_wait (b->socket, G_IO_IN, DEADLINE_MS * G_TIME_SPAN_MILLISECOND,
                                                NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_receive (b->socket, &byte, 1, NULL, &error), ==, 1);
  g_assert_cmpint (byte, ==, '!');
}

static gboolean
both_done (gpointer data)
{
  Side *sides = data;

  return sides[0].done && sides[1].done;
}

static void
test_simultaneous (void)
{
  g_autoptr(BurrowPunchListeners) listeners = burrow_punch_listeners_new ();
  g_autoptr(BurrowPunchAttempt) attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_NAT_TRAVERSAL,
                                                                    BURROW_PUNCH_ROLE_INITIATOR, "adc://hub",
                                                                    "peer", NULL, "token", "ADC/1.0");
  Side sides[2] = { { 0, }, { 0, } };

  side_init (&sides[0]);
  side_init (&sides[1]);
  /* both listen on their port, then both connect to the other's */
  side_punch (&sides[0], listeners, attempt);
  side_punch (&sides[1], listeners, NULL);
  burrow_punch_start (sides[0].punch, sides[1].port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  if (!sides[1].done)
    burrow_punch_start (sides[1].punch, sides[0].port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  g_assert_true (burrow_test_wait_until (both_done, sides, DEADLINE_MS));
  assert_connected (&sides[0], &sides[1]);
  g_assert_cmpuint (burrow_punch_attempt_get_n_steps (attempt), >, 0);

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_one_side_listening (void)
{
  g_autoptr(BurrowPunchListeners) listeners_a = burrow_punch_listeners_new ();
  g_autoptr(BurrowPunchListeners) listeners_b = burrow_punch_listeners_new ();
  Side sides[2] = { { 0, }, { 0, } };

  side_init (&sides[0]);
  side_init (&sides[1]);
  /* B only listens (a responder before it knows the peer's port); A punches towards it */
  side_punch (&sides[1], listeners_b, NULL);
  side_punch (&sides[0], listeners_a, NULL);
  burrow_punch_start (sides[0].punch, sides[1].port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  g_assert_true (burrow_test_wait_until (both_done, sides, DEADLINE_MS));
  assert_connected (&sides[0], &sides[1]);

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_no_peer (void)
{
  g_autoptr(BurrowPunchListeners) listeners = burrow_punch_listeners_new ();
  const guint window_ms = 1000;
  Side side = { 0, };
  Side nobody = { 0, };
  gint64 started;

  side_init (&side);
  side_init (&nobody); /* bound, never listening: every SYN is answered with RST */
  side_punch (&side, listeners, NULL);
  started = g_get_monotonic_time ();
  burrow_punch_start (side.punch, nobody.port, 0, window_ms);
  g_assert_true (burrow_test_wait_for_flag (&side.done, DEADLINE_MS));
  g_assert_null (side.socket);
  g_assert_error (side.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_REFUSED);
  /* it gave up when the window ended, not before and not much later */
  g_assert_cmpint (side.done_at - started, >=, (gint64) window_ms * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (side.done_at - started, <, (gint64) (window_ms + 2000) * G_TIME_SPAN_MILLISECOND);

  side_clear (&side);
  side_clear (&nobody);
}

/* A port nobody else may share (no SO_REUSEPORT on the holder): BIND_FAILED at once. */
static void
test_port_taken (void)
{
  g_autoptr(BurrowPunchListeners) listeners = burrow_punch_listeners_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) exclusive = NULL;
  g_autoptr(GError) error = NULL;
  Side side = { 0, };
  Side nobody = { 0, };

  exclusive = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (exclusive, any, FALSE, &error));
  g_assert_true (g_socket_listen (exclusive, &error));
  local = g_socket_get_local_address (exclusive, &error);
  g_assert_no_error (error);
  side.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  side_init (&nobody);

  side_punch (&side, listeners, NULL);
  burrow_punch_start (side.punch, nobody.port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  g_assert_true (burrow_test_wait_for_flag (&side.done, DEADLINE_MS));
  g_assert_error (side.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_BIND_FAILED);

  side_clear (&side);
  side_clear (&nobody);
}

/* NMDC: the side that sends N listens before it knows the peer's address. A punch without one
 * takes a connection from anyone, but only after the punches that know their peer's address. */
static void
test_address_unknown (void)
{
  g_autoptr(BurrowPunchListeners) listeners_a = burrow_punch_listeners_new ();
  g_autoptr(BurrowPunchListeners) listeners_b = burrow_punch_listeners_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  Side a = { 0, }, b = { 0, }, known = { 0, }, later = { 0, };
  Side pair[2];

  side_init (&a);
  side_init (&b);
  side_init (&later);
  b.punch = burrow_punch_new (listeners_b, loopback, b.port, NULL, "anyone", NULL, on_done, &b);
  known.port = b.port; /* a second punch on B's port that knows its peer's address */
  side_punch (&known, listeners_b, NULL);
  side_punch (&a, listeners_a, NULL);
  burrow_punch_start (a.punch, b.port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  while (!a.done || !known.done)
    g_main_context_iteration (NULL, TRUE);
  assert_connected (&a, &known);
  g_assert_false (b.done);

  /* alone, it takes the next one, and burrow_punch_set_remote_ip() names the peer */
  side_punch (&later, listeners_a, NULL);
  burrow_punch_start (later.punch, b.port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  g_assert_true (burrow_test_wait_for_flag (&b.done, DEADLINE_MS));
  while (!later.done)
    g_main_context_iteration (NULL, TRUE);
  assert_connected (&later, &b);

  /* an address set before the start is where it connects */
  pair[0] = (Side) { 0, };
  pair[1] = (Side) { 0, };
  side_init (&pair[0]);
  side_init (&pair[1]);
  pair[1].punch = burrow_punch_new (listeners_b, loopback, pair[1].port, NULL, "anyone", NULL,
                                    on_done, &pair[1]);
  burrow_punch_set_remote_ip (pair[1].punch, loopback);
  side_punch (&pair[0], listeners_a, NULL);
  burrow_punch_start (pair[1].punch, pair[0].port, 0, BURROW_NAT_PUNCH_WINDOW_MS);
  g_assert_true (burrow_test_wait_until (both_done, pair, DEADLINE_MS));
  assert_connected (&pair[1], &pair[0]);

  side_clear (&a);
  side_clear (&b);
  side_clear (&known);
  side_clear (&later);
  side_clear (&pair[0]);
  side_clear (&pair[1]);
}

/* A failed attempt keeps its error code; the JSON record names it, a stable field beside the
 * translated diagnosis; the first outcome stands. */
static void
test_attempt_error_code (void)
{
  g_autoptr(BurrowPunchAttempt) failed = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_NAT_TRAVERSAL,
                                                                   BURROW_PUNCH_ROLE_INITIATOR,
                                                                   "dchub://hub", "bob", NULL, "bob",
                                                                   "NMDC");
  g_autoptr(BurrowPunchAttempt) connected = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_DIRECT,
                                                                      BURROW_PUNCH_ROLE_INITIATOR,
                                                                      "adc://hub", "carol", NULL,
                                                                      "token", "ADCS/0.10");
  g_autofree gchar *failed_json = NULL;
  g_autofree gchar *connected_json = NULL;

  g_assert_cmpint (burrow_punch_attempt_get_error_code (failed), ==, -1);
  burrow_punch_attempt_fail (failed, BURROW_NAT_ERROR_UNSUPPORTED, "the hub forbids it");
  burrow_punch_attempt_fail (failed, BURROW_NAT_ERROR_TIMED_OUT, "later");
  burrow_punch_attempt_finish (failed, BURROW_PUNCH_RESULT_CONNECTED, "later");
  g_assert_cmpint (burrow_punch_attempt_get_result (failed), ==, BURROW_PUNCH_RESULT_FAILED);
  g_assert_cmpint (burrow_punch_attempt_get_error_code (failed), ==, BURROW_NAT_ERROR_UNSUPPORTED);
  failed_json = burrow_punch_attempt_to_json (failed);
  g_assert_nonnull (strstr (failed_json, "\"error\":\"unsupported\""));

  burrow_punch_attempt_finish (connected, BURROW_PUNCH_RESULT_CONNECTED, "Connected");
  burrow_punch_attempt_fail (connected, BURROW_NAT_ERROR_FAILED, "later");
  g_assert_cmpint (burrow_punch_attempt_get_result (connected), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_cmpint (burrow_punch_attempt_get_error_code (connected), ==, -1);
  connected_json = burrow_punch_attempt_to_json (connected);
  g_assert_nonnull (strstr (connected_json, "\"error\":null"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/peer/punch/simultaneous", test_simultaneous);
  g_test_add_func ("/burrow/peer/punch/one-side-listening", test_one_side_listening);
  g_test_add_func ("/burrow/peer/punch/no-peer", test_no_peer);
  g_test_add_func ("/burrow/peer/punch/port-taken", test_port_taken);
  g_test_add_func ("/burrow/peer/punch/address-unknown", test_address_unknown);
  g_test_add_func ("/burrow/peer/punch/attempt-error-code", test_attempt_error_code);

  return g_test_run ();
}
