/* test-ipv6.c — IPv6 in the core: INF fields, hubs over IPv6, peers over IPv6, all through the
 * real uhub on [::1]
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * uhub 0.4.1 publishes one family per user, the one of its hub connection, and fills in the
 * `I6 ::` we send (CONNECTIVITY.md §3.2). Firewalls and hop limits are tests/natlab's.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "burrow-adc-hub-session.h"
#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (30 * 1000)

typedef struct
{
  gchar         *dir;
  BurrowTestHub *hub;
  BurrowClient  *a;
  BurrowClient  *b;
} Fixture;

/* Whether this machine has ::1 (a socket can be bound to it). */
static gboolean
have_ipv6_loopback (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return socket != NULL && g_socket_bind (socket, address, FALSE, NULL);
}

/* @data: the hub's bind address ("::1", or "::" for a dual-stack hub) */
static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  BurrowTestHubOptions opts = { .bind_address = data };
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("burrow-ipv6-XXXXXX", NULL);
  if (!have_ipv6_loopback ())
    return;
  f->hub = burrow_test_hub_start (&opts, &error);
  if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);
  f->a = burrow_test_new_client (f->dir, "alice", FALSE);
  f->b = burrow_test_new_client (f->dir, "bob", FALSE);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
skipped (Fixture *f)
{
  if (!have_ipv6_loopback ())
    {
      g_test_skip ("this machine has no IPv6 loopback address (::1)");
      return TRUE;
    }
  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return TRUE;
    }
  return FALSE;
}

static BurrowUser *
wait_user (BurrowHubSession *session,
           const gchar      *nick)
{
  g_assert_true (burrow_test_wait_nick (session, nick, DEADLINE_MS));
  return burrow_hub_session_lookup_nick (session, nick);
}

/* --- INF fields ---------------------------------------------------------------------- */

static BurrowUser *
user_from_inf (const gchar *line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_parse (line, -1, &error);
  BurrowUser *user = burrow_user_new (2);

  g_assert_no_error (error);
  burrow_user_apply_inf (user, inf, FALSE);
  return user;
}

/* A peer is reachable on a family only with the feature AND the address: uhub leaves TCP4 in
 * the SU of a user it publishes only an I6 for. */
static void
test_inf_fields (void)
{
  g_autoptr(BurrowUser) v6 = user_from_inf ("BINF AAAC NIbob I62001:db8::7 U65001 SUTCP4,TCP6,UDP6");
  g_autoptr(BurrowUser) v4 = user_from_inf ("BINF AAAD NIcarol I4192.0.2.7 U45002 SUTCP4,TCP6,UDP4");
  g_autoptr(BurrowUser) passive = user_from_inf ("BINF AAAE NIdave I62001:db8::8 SUNAT0");
  g_autoptr(BurrowUser) both = user_from_inf ("BINF AAAF NIerin I4192.0.2.9 I62001:db8::9 "
                                              "SUTCP4,TCP6");
  g_autofree gchar *long_ip = g_strnfill (BURROW_USER_MAX_ADDRESS_BYTES + 1, 'a');
  g_autofree gchar *hostile = g_strdup_printf ("BINF AAAG I6%s U6999999", long_ip);
  g_autoptr(BurrowUser) bounded = user_from_inf ("BINF AAAG NIfrank I62001:db8::10 U65003");
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) update = burrow_adc_message_parse (hostile, -1, &error);
  guint over = 0;
  guint udp6 = 0;

  g_assert_cmpstr (burrow_user_get_ip6 (v6), ==, "2001:db8::7");
  g_assert_cmpuint (burrow_user_get_udp6_port (v6), ==, 5001);
  g_object_get (v6, "udp6-port", &udp6, NULL);
  g_assert_cmpuint (udp6, ==, 5001);
  g_assert_true (burrow_user_is_active_on (v6, G_SOCKET_FAMILY_IPV6));
  g_assert_false (burrow_user_is_active_on (v6, G_SOCKET_FAMILY_IPV4));
  g_assert_cmpstr (burrow_user_get_address (v6, G_SOCKET_FAMILY_IPV6), ==, "2001:db8::7");

  g_assert_cmpuint (burrow_user_get_udp4_port (v4), ==, 5002);
  g_assert_cmpuint (burrow_user_get_udp6_port (v4), ==, 0);
  g_assert_true (burrow_user_is_active_on (v4, G_SOCKET_FAMILY_IPV4));
  g_assert_false (burrow_user_is_active_on (v4, G_SOCKET_FAMILY_IPV6));

  g_assert_false (burrow_user_is_active_on (passive, G_SOCKET_FAMILY_IPV6));
  g_assert_true (burrow_user_supports_nat_traversal (passive));

  g_assert_true (burrow_user_is_active_on (both, G_SOCKET_FAMILY_IPV4));
  g_assert_true (burrow_user_is_active_on (both, G_SOCKET_FAMILY_IPV6));

  /* an over-long I6 and an out-of-range U6 leave the old values */
  g_assert_no_error (error);
  burrow_user_apply_inf_full (bounded, update, FALSE, &over);
  g_assert_cmpuint (over, ==, 1);
  g_assert_cmpstr (burrow_user_get_ip6 (bounded), ==, "2001:db8::10");
  g_assert_cmpuint (burrow_user_get_udp6_port (bounded), ==, 5003);
}

/* --- hubs over IPv6 ---------------------------------------------------------------------- */

static const gchar *
inf_field (BurrowUser  *user,
           const gchar *name)
{
  if (g_str_equal (name, "I4"))
    return burrow_user_get_ip4 (user);
  return burrow_user_get_ip6 (user);
}

/* Logged in over [::1]: the hub fills in our `I6 ::` and publishes it with TCP6/U6 when we are
 * active, NAT0 when passive; no IPv4 address goes out. Our own address as the hub echoes it is
 * what the connectivity engine's IPv6 decision reads. */
static void
test_hub_login (Fixture       *f,
                gconstpointer  data)
{
  BurrowHubSession *sa, *sb;
  BurrowUser *alice_seen, *bob_seen, *me;
  BurrowHubList *hubs;
  g_auto(GStrv) own = NULL;
  guint port;

  if (skipped (f))
    return;

  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_ACTIVE);
  port = burrow_nat_connector_get_port (burrow_client_get_connector (f->b));
  g_assert_cmpuint (port, >, 0);

  g_assert_true (g_str_has_prefix (burrow_test_hub_get_uri (f->hub), "adc://[::1]:"));
  sa = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  sb = burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  g_assert_cmpstr (burrow_hub_session_get_local_address (sa), ==, "::1");

  /* passive alice, as bob sees her: I6 filled in, NAT0, no I4 */
  alice_seen = wait_user (sb, "alice");
  g_assert_cmpstr (inf_field (alice_seen, "I6"), ==, "::1");
  g_assert_null (inf_field (alice_seen, "I4"));
  g_assert_true (burrow_user_supports_nat_traversal (alice_seen));
  g_assert_false (burrow_user_is_active (alice_seen));

  /* active bob, as alice sees him: TCP6 with I6 and U6, reachable over IPv6 only */
  bob_seen = wait_user (sa, "bob");
  g_assert_cmpstr (burrow_user_get_ip6 (bob_seen), ==, "::1");
  g_assert_true (burrow_user_has_feature (bob_seen, "TCP6"));
  g_assert_false (burrow_user_has_feature (bob_seen, "TCP4"));
  g_assert_true (burrow_user_is_active_on (bob_seen, G_SOCKET_FAMILY_IPV6));
  g_assert_cmpuint (burrow_user_get_udp6_port (bob_seen), ==, port);
  g_assert_cmpuint (burrow_user_get_udp4_port (bob_seen), ==, 0);

  /* our own echoed INF */
  me = burrow_hub_session_get_me (sa);
  g_assert_nonnull (me);
  g_assert_cmpstr (burrow_user_get_ip6 (me), ==, "::1");
  hubs = BURROW_HUB_LIST (burrow_client_get_hubs (f->a));
  own = burrow_hub_list_dup_own_addresses (hubs, NULL);
  g_assert_cmpuint (g_strv_length (own), ==, 1);
  g_assert_cmpstr (own[0], ==, "::1");
}

/* --- peers over IPv6 --------------------------------------------------------------------- */

/* A reaches B and downloads its file list, which must parse and name B; returns A's record. */
static BurrowPunchAttempt *
reach_and_fetch_list (Fixture          *f,
                      BurrowHubSession *a_session,
                      BurrowUser       *b_user)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  GListModel *attempts = burrow_nat_connector_get_attempts (connector);
  guint before = g_list_model_get_n_items (attempts);
  g_auto(BurrowTestResult) r_peer = BURROW_TEST_RESULT_INIT;
  g_auto(BurrowTestResult) r_list = BURROW_TEST_RESULT_INIT;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileListLimits limits = burrow_file_list_limits_default ();
  g_autofree gchar *cid = NULL;

  burrow_nat_connector_connect_async (connector, a_session, b_user, NULL, burrow_test_result_cb,
                                      &r_peer);
  peer = burrow_nat_connector_connect_finish (connector, burrow_test_result_wait (&r_peer, DEADLINE_MS),
                                              NULL, &error);
  g_assert_no_error (error);
  g_assert_true (BURROW_IS_PEER_CONNECTION (peer));

  burrow_peer_connection_get_file_list_async (peer, NULL, burrow_test_result_cb, &r_list);
  bytes = burrow_peer_connection_get_file_list_finish (peer, burrow_test_result_wait (&r_list, DEADLINE_MS),
                                                       &error);
  g_assert_no_error (error);
  tree = burrow_file_list_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), TRUE, &limits,
                                 &cid, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cid, ==, burrow_identity_get_cid (burrow_client_get_identity (f->b)));

  burrow_peer_connection_close (peer);

  g_assert_cmpuint (g_list_model_get_n_items (attempts), ==, before + 1);
  return g_list_model_get_item (attempts, before);
}

static gboolean
has_step_text (BurrowPunchAttempt  *attempt,
               BurrowPunchStepKind  kind,
               const gchar         *text)
{
  for (guint i = 0; i < burrow_punch_attempt_get_n_steps (attempt); i++)
    {
      const BurrowPunchStep *step = burrow_punch_attempt_get_step (attempt, i);

      if (step->kind == kind && (text == NULL || strstr (step->detail, text) != NULL))
        return TRUE;
    }
  return FALSE;
}

static gboolean
user_active_on_ipv6 (gpointer data)
{
  return burrow_user_is_active_on (data, G_SOCKET_FAMILY_IPV6);
}

/* Active ↔ passive over [::1], both directions: CTM with our I6 (the peer connects to our
 * listener over IPv6), then RCM → CTM (we connect to the peer's I6). */
static void
test_direct_and_reverse (Fixture       *f,
                         gconstpointer  data)
{
  BurrowHubSession *sa, *sb;
  g_autoptr(BurrowPunchAttempt) direct = NULL;
  g_autoptr(BurrowPunchAttempt) reverse = NULL;
  g_autofree gchar *b_port = NULL;
  BurrowUser *bob;

  if (skipped (f))
    return;

  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_ACTIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_PASSIVE);
  sa = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  sb = burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  g_assert_true (user_active_on_ipv6 (wait_user (sb, "alice")));

  /* A active: B connects to A's listener over IPv6 */
  direct = reach_and_fetch_list (f, sa, wait_user (sa, "bob"));
  g_assert_cmpint (burrow_punch_attempt_get_method (direct), ==, BURROW_PUNCH_METHOD_DIRECT);
  g_assert_cmpint (burrow_punch_attempt_get_result (direct), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_true (g_str_has_prefix (burrow_punch_attempt_get_remote (direct), "[::1]:"));
  {
    g_autofree gchar *local = g_strdup_printf ("[::1]:%u",
                                               burrow_nat_connector_get_port (burrow_client_get_connector (f->a)));
    g_assert_cmpstr (burrow_punch_attempt_get_local (direct), ==, local);
  }

  /* B active, A passive: RCM, B's CTM, A connects to B's I6 */
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_ACTIVE);
  bob = wait_user (sa, "bob");
  g_assert_true (burrow_test_wait_until (user_active_on_ipv6, bob, DEADLINE_MS));
  reverse = reach_and_fetch_list (f, sa, bob);
  g_assert_cmpint (burrow_punch_attempt_get_method (reverse), ==, BURROW_PUNCH_METHOD_REVERSE);
  g_assert_cmpint (burrow_punch_attempt_get_result (reverse), ==, BURROW_PUNCH_RESULT_CONNECTED);
  b_port = g_strdup_printf ("[::1]:%u", burrow_nat_connector_get_port (burrow_client_get_connector (f->b)));
  g_assert_cmpstr (burrow_punch_attempt_get_remote (reverse), ==, b_port);
  g_assert_true (has_step_text (reverse, BURROW_PUNCH_STEP_TCP_ESTABLISHED, b_port));
}

/* Passive ↔ passive over [::1]: RCM → NAT → RNT with the I6 addresses, the starting side's
 * first SYN with hop limit 2, and "[addr]:port" in the record. */
static void
test_nat_traversal (Fixture       *f,
                    gconstpointer  data)
{
  BurrowHubSession *sa, *sb;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autofree gchar *json = NULL;
  g_autofree gchar *local = NULL;
  g_autofree gchar *remote = NULL;

  if (skipped (f))
    return;

  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_PASSIVE);
  sa = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  sb = burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_user_supports_nat_traversal (wait_user (sa, "bob")));

  attempt = reach_and_fetch_list (f, sa, wait_user (sa, "bob"));
  g_assert_cmpint (burrow_punch_attempt_get_method (attempt), ==, BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_true (has_step_text (attempt, BURROW_PUNCH_STEP_NAT_RECEIVED, NULL));
  g_assert_true (has_step_text (attempt, BURROW_PUNCH_STEP_RNT_SENT, NULL));
  g_assert_true (has_step_text (attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "hop limit 2"));
  local = g_strdup_printf ("[::1]:%u", burrow_hub_session_get_local_port (sa));
  remote = g_strdup_printf ("[::1]:%u", burrow_hub_session_get_local_port (sb));
  g_assert_cmpstr (burrow_punch_attempt_get_local (attempt), ==, local);
  g_assert_cmpstr (burrow_punch_attempt_get_remote (attempt), ==, remote);

  json = burrow_punch_attempt_to_json (attempt);
  g_assert_nonnull (strstr (json, "\"method\":\"nat-traversal\""));
  g_assert_nonnull (strstr (json, "\"remote\":\"[::1]:"));
}

/* On a dual-stack hub without HBRI, a passive user on IPv6 and one on IPv4 have no family in
 * common: the attempt fails at once with no-common-family, and nothing goes to the hub. */
static void
test_no_common_family (Fixture       *f,
                       gconstpointer  data)
{
  BurrowHubSession *sa;
  g_autofree gchar *v4_uri = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autoptr(BurrowPunchAttempt) theirs = NULL;
  g_autofree gchar *json = NULL;
  BurrowNatConnector *connector;
  BurrowUser *bob;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(GError) error = NULL;

  if (skipped (f))
    return;

  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_PASSIVE);
  v4_uri = g_strdup_printf ("adc://127.0.0.1:%u", burrow_test_hub_get_port (f->hub));
  sa = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  burrow_test_join_hub (f->b, v4_uri);
  bob = wait_user (sa, "bob");
  g_assert_nonnull (burrow_user_get_ip4 (bob));
  g_assert_null (burrow_user_get_ip6 (bob));
  g_assert_true (burrow_user_supports_nat_traversal (bob));

  connector = burrow_client_get_connector (f->a);
  burrow_nat_connector_connect_async (connector, sa, bob, NULL, burrow_test_result_cb, &r);
  peer = burrow_nat_connector_connect_finish (connector, burrow_test_result_wait (&r, DEADLINE_MS),
                                              NULL, &error);
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_NO_COMMON_FAMILY);
  g_assert_null (peer);

  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (connector), 0);
  g_assert_nonnull (attempt);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_FAILED);
  g_assert_cmpint (burrow_punch_attempt_get_error_code (attempt), ==, BURROW_NAT_ERROR_NO_COMMON_FAMILY);
  g_assert_false (has_step_text (attempt, BURROW_PUNCH_STEP_REQUEST_SENT, NULL));
  json = burrow_punch_attempt_to_json (attempt);
  g_assert_nonnull (strstr (json, "\"error\":\"no-common-family\""));
  /* the peer got nothing to record */
  theirs = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->b)), 0);
  g_assert_null (theirs);
}

/* A raw ADC client's next line starting with @prefix and holding @needle, while the main loop
 * runs (the Burrow clients in this process answer meanwhile). */
static gchar *
raw_wait_for (BurrowTestAdcClient *raw,
              const gchar         *prefix,
              const gchar         *needle)
{
  gint64 deadline = g_get_monotonic_time () + burrow_test_deadline_ms (DEADLINE_MS) * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      gchar *line = burrow_test_adc_client_read_line (raw, 0, &error);

      if (line == NULL)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
          burrow_test_iterate_for (10);
          continue;
        }
      if (g_str_has_prefix (line, prefix) && (needle == NULL || strstr (line, needle) != NULL))
        return line;
      g_free (line);
    }
  return NULL;
}

/* The other side of no-common-family: a passive IPv4 peer that is not Burrow asks alice (known
 * to the hub by IPv6 only) for NAT traversal; alice records the failure and answers at once
 * with STA 142 (direct connection failed) and the request's token, instead of letting the peer
 * wait out its request. A Burrow that gets such an answer fails its attempt with "refused". */
static void
test_no_common_family_answer (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *v4_uri = NULL;
  g_autofree gchar *inf = NULL;
  g_autofree gchar *rcm = NULL;
  g_autofree gchar *sta = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *alice_sid = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_auto(GStrv) words = NULL;
  BurrowHubSession *sb;
  BurrowNatConnector *connector;

  if (skipped (f))
    return;

  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));        /* [::1] */
  raw = burrow_test_adc_client_connect (burrow_test_hub_get_port (f->hub), "carol", NULL, &error);
  g_assert_no_error (error);                                            /* 127.0.0.1, NAT0 */
  inf = raw_wait_for (raw, "BINF ", "NIalice");
  g_assert_nonnull (inf);
  alice_sid = g_strndup (inf + 5, 4);

  rcm = g_strdup_printf ("DRCM %s %s ADC/1.0 tok142", burrow_test_adc_client_get_sid (raw), alice_sid);
  g_assert_true (burrow_test_adc_client_send_line (raw, rcm, NULL));
  sta = raw_wait_for (raw, "DSTA ", "TOtok142");
  g_assert_nonnull (sta);
  expected = g_strdup_printf ("DSTA %s %s 142 ", alice_sid, burrow_test_adc_client_get_sid (raw));
  g_assert_true (g_str_has_prefix (sta, expected));
  g_assert_nonnull (strstr (sta, " PRADC/1.0"));
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a)), 0);
  g_assert_nonnull (attempt);
  g_assert_cmpint (burrow_punch_attempt_get_error_code (attempt), ==, BURROW_NAT_ERROR_NO_COMMON_FAMILY);
  g_clear_object (&attempt);

  /* bob (IPv4) asks carol; she answers 142 as alice did: refused, long before the 15 s */
  v4_uri = g_strdup_printf ("adc://127.0.0.1:%u", burrow_test_hub_get_port (f->hub));
  sb = burrow_test_join_hub (f->b, v4_uri);
  connector = burrow_client_get_connector (f->b);
  burrow_nat_connector_connect_async (connector, sb, wait_user (sb, "carol"), NULL,
                                      burrow_test_result_cb, &r);
  g_clear_pointer (&rcm, g_free);
  rcm = raw_wait_for (raw, "DRCM ", NULL);
  g_assert_nonnull (rcm);
  words = g_strsplit (rcm, " ", -1);
  g_assert_cmpuint (g_strv_length (words), ==, 5);
  g_clear_pointer (&sta, g_free);
  sta = g_strdup_printf ("DSTA %s %s 142 No\\scommon\\sfamily TO%s PR%s", words[2], words[1],
                         words[4], words[3]);
  g_assert_true (burrow_test_adc_client_send_line (raw, sta, NULL));
  peer = burrow_nat_connector_connect_finish (connector,
                                              burrow_test_result_wait (&r, BURROW_NAT_REQUEST_TIMEOUT_MS / 2),
                                              NULL, &error);
  g_assert_null (peer);
  g_assert_error (error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_REFUSED);
}

/* --- Happy Eyeballs ---------------------------------------------------------------------- */

typedef struct
{
  GSocket        *socket;
  GSocketAddress *address;
} Listening;

/* A listener on the loopback of @family; with @blackhole its accept queue is full, so the
 * kernel drops further SYNs silently, as a firewall that drops would. */
static void
listening_init (Listening     *l,
                GSocketFamily  family,
                gboolean       blackhole,
                GSocket      **filler)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;

  l->socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (l->socket, any_port, TRUE, &error));
  g_socket_set_listen_backlog (l->socket, 0);
  g_assert_true (g_socket_listen (l->socket, &error));
  l->address = g_socket_get_local_address (l->socket, &error);
  g_assert_no_error (error);
  if (blackhole)
    {
      /* a backlog of 0 holds one connection: fill it */
      *filler = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      g_assert_true (g_socket_connect (*filler, l->address, NULL, &error));
    }
}

static void
listening_clear (Listening *l)
{
  g_socket_close (l->socket, NULL);
  g_clear_object (&l->socket);
  g_clear_object (&l->address);
}

static GSocketFamily
remote_family (GObject *connection)
{
  g_autoptr(GSocketAddress) remote =
    g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (connection), NULL);

  return g_socket_address_get_family (remote);
}

/* IPv6 first; when its SYNs vanish, IPv4 250 ms later wins and the IPv6 connect is
 * cancelled; when IPv6 answers, IPv4 is never tried. */
static void
test_happy_eyeballs (void)
{
  Listening v6 = { 0, }, v4 = { 0, }, v6_open = { 0, };
  g_autoptr(GSocket) filler = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GObject) winner = NULL;
  gint64 start, elapsed_ms;

  if (!have_ipv6_loopback ())
    {
      g_test_skip ("this machine has no IPv6 loopback address (::1)");
      return;
    }

  listening_init (&v6, G_SOCKET_FAMILY_IPV6, TRUE, &filler);
  listening_init (&v4, G_SOCKET_FAMILY_IPV4, FALSE, NULL);
  g_ptr_array_add (addresses, v6.address);
  g_ptr_array_add (addresses, v4.address);

  start = g_get_monotonic_time ();
  burrow_happy_eyeballs_connect_async (addresses, 10, NULL, burrow_test_result_cb, &r);
  winner = G_OBJECT (burrow_happy_eyeballs_connect_finish (burrow_test_result_wait (&r, DEADLINE_MS),
                                                           &error));
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_no_error (error);
  g_assert_cmpint (remote_family (winner), ==, G_SOCKET_FAMILY_IPV4);
  /* IPv4 started only after the delay, and did not wait for IPv6's 1 s SYN retransmission */
  g_assert_cmpint (elapsed_ms, >=, BURROW_HAPPY_EYEBALLS_DELAY_MS);
  g_assert_cmpint (elapsed_ms, <, 1000);
  g_clear_object (&winner);
  /* the IPv4 listener holds the winner; the IPv6 connect was cancelled: its queue still has
   * only the filler, and no callback runs late */
  burrow_test_iterate_for (100);
  burrow_test_result_clear (&r);

  /* an IPv6 address that answers wins, and IPv4 is never tried */
  listening_init (&v6_open, G_SOCKET_FAMILY_IPV6, FALSE, NULL);
  g_ptr_array_index (addresses, 0) = v6_open.address;
  burrow_happy_eyeballs_connect_async (addresses, 10, NULL, burrow_test_result_cb, &r);
  winner = G_OBJECT (burrow_happy_eyeballs_connect_finish (burrow_test_result_wait (&r, DEADLINE_MS),
                                                           &error));
  g_assert_no_error (error);
  g_assert_cmpint (remote_family (winner), ==, G_SOCKET_FAMILY_IPV6);
  g_clear_object (&winner);
  {
    g_autoptr(GSocket) first = g_socket_accept (v4.socket, NULL, &error);
    g_autoptr(GSocket) second = NULL;

    g_assert_no_error (error);     /* the winner of the first race */
    g_socket_set_blocking (v4.socket, FALSE);
    burrow_test_iterate_for (BURROW_HAPPY_EYEBALLS_DELAY_MS * 2);
    second = g_socket_accept (v4.socket, NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    g_assert_null (second);
  }

  listening_clear (&v6);
  listening_clear (&v4);
  listening_clear (&v6_open);
}

/* --- automatic mode, per family ---------------------------------------------------------- */

static gboolean
user_is_active (gpointer data)
{
  return burrow_user_is_active (data);
}

typedef struct
{
  BurrowClient  *client;
  GSocketFamily  family;
} Confirmed;

static gboolean
family_confirmed (gpointer data)
{
  Confirmed *c = data;
  BurrowConnectivity *engine = burrow_client_get_connectivity (c->client);
  const BurrowConnectivityDecision *d = engine ? burrow_connectivity_get_decision (engine, c->family)
                                               : NULL;

  return d != NULL && d->confirmed;
}

/* IPv6 is active only through a pinhole: @router (a PCP router on [::1], started here) opens
 * one for @engine's mapper. The client itself may ask no router in tests: its mapper is told
 * where this one is, and IPv4 requests go to a closed port. */
static void
use_pinhole_router (BurrowConnectivity  *engine,
                    BurrowTestPcpRouter *router)
{
  BurrowPortMapper *mapper = burrow_connectivity_get_mapper (engine);
  g_autoptr(GSocketAddress) gateway6 = NULL;
  g_autoptr(GInetSocketAddress) closed = burrow_test_closed_udp_port ();

  burrow_test_pcp_router_start (router, BURROW_PCP_RESULT_SUCCESS);
  gateway6 = g_socket_get_local_address (router->socket, NULL);
  burrow_port_mapper_set_gateway (mapper, closed);
  burrow_port_mapper_set_gateway6 (mapper, G_INET_SOCKET_ADDRESS (gateway6));
  burrow_port_mapper_set_announce_port (mapper, 0);
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_PCP, TRUE);
}

/* Automatic mode with IPv6 decided active (a pinhole) and IPv4 passive: the hub we reach over
 * IPv6 hears TCP6, the one over IPv4 hears NAT0, and a peer that comes in over IPv6 confirms
 * the IPv6 decision only. No packet goes to a real router (BURROW_PORT_MAPPING=off in the test
 * setup; the pinhole comes from a PCP router on [::1]). */
static void
test_auto_per_family (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub4 = NULL;
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  BurrowConnectivity *engine;
  BurrowHubSession *b6, *b4;
  BurrowUser *alice6, *alice4;
  const BurrowConnectivityDecision *d4, *d6;
  Confirmed confirmed6 = { f->a, G_SOCKET_FAMILY_IPV6 };
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  BurrowTestPcpRouter router6 = { .ipv6 = TRUE };

  if (skipped (f))
    return;
  g_assert_cmpstr (g_getenv ("BURROW_PORT_MAPPING"), ==, "off");
  hub4 = burrow_test_hub_start (NULL, &error);
  g_assert_no_error (error);

  /* alice has a public IPv6 address (documentation ranges count as public) and ::1, which the
   * IPv6 hub sees (direct, active); the IPv4 hub sees 127.0.0.1, none of hers (passive) */
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_AUTO);
  engine = burrow_client_get_connectivity (f->a);
  g_assert_nonnull (engine);
  g_ptr_array_add (locals, g_inet_address_new_from_string ("2001:db8::5"));
  g_ptr_array_add (locals, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));
  burrow_connectivity_set_local_addresses (engine, locals);
  use_pinhole_router (engine, &router6);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_PASSIVE);

  burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  burrow_test_join_hub (f->a, burrow_test_hub_get_uri (hub4));
  b6 = burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  b4 = burrow_test_join_hub (f->b, burrow_test_hub_get_uri (hub4));

  alice6 = wait_user (b6, "alice");
  g_assert_true (burrow_test_wait_until (user_is_active, alice6, DEADLINE_MS));
  g_assert_true (burrow_user_is_active_on (alice6, G_SOCKET_FAMILY_IPV6));
  d6 = burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV6);
  d4 = burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (d6->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (d6->reason, ==, BURROW_CONNECTIVITY_REASON_MAPPED);
  g_assert_cmpint (d6->method, ==, BURROW_MAPPING_METHOD_PCP);
  g_assert_cmpint (d4->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  alice4 = wait_user (b4, "alice");
  g_assert_false (burrow_user_is_active (alice4));
  g_assert_true (burrow_user_supports_nat_traversal (alice4));

  /* bob comes in over IPv6 after alice's CTM: that confirms IPv6, not IPv4 */
  burrow_nat_connector_connect_async (burrow_client_get_connector (f->b), b6, alice6, NULL,
                                      burrow_test_result_cb, &r);
  peer = burrow_nat_connector_connect_finish (burrow_client_get_connector (f->b),
                                              burrow_test_result_wait (&r, DEADLINE_MS), NULL, &error);
  g_assert_no_error (error);
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->b)), 0);
  g_assert_cmpint (burrow_punch_attempt_get_method (attempt), ==, BURROW_PUNCH_METHOD_REVERSE);
  g_assert_true (burrow_test_wait_until (family_confirmed, &confirmed6, DEADLINE_MS));
  g_assert_false (burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV4)->confirmed);
  burrow_peer_connection_close (peer);

  /* back to manual before hub4 goes */
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_test_pcp_router_stop (&router6);
}

/* A request made while the router is asked for a pinhole waits for the answer, and goes out in
 * the mode the answer gives: the pinhole (a PCP router on [::1] answering after a second) makes
 * alice active over IPv6, so her request to passive bob is a CTM he answers by connecting to
 * her ("direct"), not NAT traversal. */
static void
test_request_waits_pinhole (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  BurrowTestPcpRouter router6 = { .ipv6 = TRUE, .delay_ms = 1000 };
  BurrowConnectivity *engine;
  BurrowNatConnector *connector;
  BurrowHubSession *sa;
  const BurrowConnectivityDecision *d6;

  if (skipped (f))
    return;
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_AUTO);
  engine = burrow_client_get_connectivity (f->a);
  g_ptr_array_add (locals, g_inet_address_new_from_string ("2001:db8::5"));
  g_ptr_array_add (locals, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));
  burrow_connectivity_set_local_addresses (engine, locals);
  use_pinhole_router (engine, &router6);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_PASSIVE);

  burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  sa = burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  wait_user (sa, "bob");
  d6 = burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (d6->reason, ==, BURROW_CONNECTIVITY_REASON_MAPPING);

  connector = burrow_client_get_connector (f->a);
  burrow_nat_connector_connect_async (connector, sa, wait_user (sa, "bob"), NULL,
                                      burrow_test_result_cb, &r);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_nat_connector_get_attempts (connector)), ==, 0);
  peer = burrow_nat_connector_connect_finish (connector, burrow_test_result_wait (&r, DEADLINE_MS),
                                              &attempt, &error);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_punch_attempt_get_method (attempt), ==, BURROW_PUNCH_METHOD_DIRECT);
  d6 = burrow_connectivity_get_decision (engine, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (d6->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (d6->reason, ==, BURROW_CONNECTIVITY_REASON_MAPPED);
  burrow_peer_connection_close (peer);

  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_test_pcp_router_stop (&router6);
}

/* --- search results over UDP6 ------------------------------------------------------------ */

typedef struct
{
  gchar   *udp_host;
  guint16  udp_port;
  gboolean seen;
} SeenSearch;

static void
on_search_request (BurrowHubList           *hubs,
                   BurrowHubSession        *session,
                   BurrowUser              *user,
                   const BurrowSearchQuery *query,
                   SeenSearch              *seen)
{
  g_free (seen->udp_host);
  seen->udp_host = g_strdup (query->udp_host);
  seen->udp_port = query->udp_port;
  seen->seen = TRUE;
}

static gboolean
has_a_result (gpointer data)
{
  return g_list_model_get_n_items (burrow_search_get_results (data)) > 0;
}

/* An active searcher on an IPv6 hub (UDP6, I6, U6) gets the results by UDP over IPv6: the
 * sharer reads the reply address from the hub's INF, and the result reaches the searcher's
 * IPv6 UDP socket. */
static void
test_search_udp6 (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *root = NULL;
  g_autofree gchar *file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowSearch) search = NULL;
  g_autoptr(BurrowSearchResult) result = NULL;
  BurrowShare *share;
  SeenSearch seen = { 0, };

  if (skipped (f))
    return;

  root = g_build_filename (f->dir, "shared", NULL);
  file = g_build_filename (root, "ipv6.testfile.bin", NULL);
  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "over IPv6 by UDP", -1, &error));
  share = burrow_client_get_share (f->a);
  g_assert_true (burrow_share_add_root (share, root, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (share, 1, DEADLINE_MS));

  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_ACTIVE);
  g_signal_connect (burrow_client_get_hubs (f->a), "search-request", G_CALLBACK (on_search_request),
                    &seen);
  burrow_test_join_hub (f->a, burrow_test_hub_get_uri (f->hub));
  burrow_test_join_hub (f->b, burrow_test_hub_get_uri (f->hub));
  g_assert_nonnull (burrow_nat_connector_get_udp6_socket (burrow_client_get_connector (f->b)));

  search = burrow_client_new_search (f->b, "testfile", NULL);
  g_assert_true (burrow_search_start (search, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_for_flag (&seen.seen, DEADLINE_MS));
  /* the sharer answers by UDP to bob's I6 and U6 (the hub path would need no address) */
  g_assert_cmpstr (seen.udp_host, ==, "::1");
  g_assert_cmpuint (seen.udp_port, ==, burrow_nat_connector_get_port (burrow_client_get_connector (f->b)));
  g_assert_true (burrow_test_wait_until (has_a_result, search, DEADLINE_MS));
  result = g_list_model_get_item (burrow_search_get_results (search), 0);
  g_assert_cmpstr (burrow_search_result_get_name (result), ==, "ipv6.testfile.bin");
  g_assert_cmpstr (burrow_search_result_get_nick (result), ==, "alice");

  g_signal_handlers_disconnect_by_data (burrow_client_get_hubs (f->a), &seen);
  g_free (seen.udp_host);
}

/* --- a hub name with addresses of both families ------------------------------------------ */

/* A resolver that knows one name, "dual.invalid", with ::1 listed before 127.0.0.1. */
typedef GResolver DualResolver;
typedef GResolverClass DualResolverClass;

static GType dual_resolver_get_type (void);
G_DEFINE_TYPE (DualResolver, dual_resolver, G_TYPE_RESOLVER)

static GList *
dual_addresses (const gchar  *hostname,
                GError      **error)
{
  GList *list = NULL;

  if (g_strcmp0 (hostname, "dual.invalid") != 0)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no such name: %s", hostname);
      return NULL;
    }
  list = g_list_append (list, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));
  list = g_list_append (list, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
  return list;
}

static GList *
dual_lookup_by_name (GResolver     *resolver,
                     const gchar   *hostname,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return dual_addresses (hostname, error);
}

static void
dual_lookup_by_name_async (GResolver           *resolver,
                           const gchar         *hostname,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *list = dual_addresses (hostname, &error);

  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
dual_lookup_by_name_finish (GResolver     *resolver,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dual_resolver_class_init (DualResolverClass *klass)
{
  klass->lookup_by_name = dual_lookup_by_name;
  klass->lookup_by_name_async = dual_lookup_by_name_async;
  klass->lookup_by_name_finish = dual_lookup_by_name_finish;
}

static void
dual_resolver_init (DualResolver *self)
{
}

/* A hub name with both families, on a hub without HBRI: we connect over IPv4 (the hub would
 * publish only one family for us, and IPv4 is what most users and NAT traversal have). */
static void
test_hub_name_prefers_ipv4 (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GResolver) saved = g_resolver_get_default ();
  g_autoptr(GResolver) dual = g_object_new (dual_resolver_get_type (), NULL);
  g_autofree gchar *uri = NULL;
  BurrowHubSession *session;
  BurrowUser *me;

  if (skipped (f))
    return;

  g_resolver_set_default (dual);
  uri = g_strdup_printf ("adc://dual.invalid:%u", burrow_test_hub_get_port (f->hub));
  session = burrow_test_join_hub (f->a, uri);
  g_resolver_set_default (saved);

  g_assert_cmpstr (burrow_hub_session_get_local_address (session), ==, "127.0.0.1");
  me = burrow_hub_session_get_me (session);
  g_assert_cmpstr (burrow_user_get_ip4 (me), ==, "127.0.0.1");
  g_assert_null (burrow_user_get_ip6 (me));
}

/* --- the punch over IPv6 ----------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  GError   *error;
  gint64    done_at;
} PunchResult;

static void
on_punch_done (BurrowPunch  *punch,
               GSocket      *socket,
               const GError *error,
               gpointer      data)
{
  PunchResult *r = data;

  g_assert_null (socket);
  r->error = g_error_copy (error);
  r->done_at = g_get_monotonic_time ();
  r->done = TRUE;
}

/* A peer whose firewall drops everything over IPv6: the first SYN goes out with hop limit 2,
 * and when the window ends the diagnosis is a timeout, never a symmetric NAT (IPv6 has no NAT). */
static void
test_punch_dropped (void)
{
  g_autoptr(BurrowPunchListeners) listeners = burrow_punch_listeners_new ();
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocket) filler = NULL;
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) any_port = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  Listening peer = { 0, };
  PunchResult r = { 0, };
  BurrowPunch *punch;
  const guint window_ms = 1000;
  gint64 started;
  guint16 local_port;

  if (!have_ipv6_loopback ())
    {
      g_test_skip ("this machine has no IPv6 loopback address (::1)");
      return;
    }
  listening_init (&peer, G_SOCKET_FAMILY_IPV6, TRUE, &filler);

  /* a free port on ::1 for our side */
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  any_port = g_inet_socket_address_new (loopback, 0);
  probe = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (probe, any_port, FALSE, &error));
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (probe, NULL);

  attempt = burrow_punch_attempt_new (BURROW_PUNCH_METHOD_NAT_TRAVERSAL, BURROW_PUNCH_ROLE_INITIATOR,
                                      "adc://[::1]:1511", "bob", NULL, "token", "ADC/1.0");
  punch = burrow_punch_new (listeners, loopback, local_port, loopback, "bob", attempt, on_punch_done, &r);
  started = g_get_monotonic_time ();
  burrow_punch_start (punch, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (peer.address)),
                      BURROW_PUNCH_IPV6_HOP_LIMIT, window_ms);
  g_assert_true (burrow_test_wait_for_flag (&r.done, DEADLINE_MS));
  g_assert_error (r.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_TIMED_OUT);
  g_assert_cmpint (r.done_at - started, >=, (gint64) window_ms * G_TIME_SPAN_MILLISECOND);
  g_assert_true (has_step_text (attempt, BURROW_PUNCH_STEP_CONNECT_TRY, "SYN sent with hop limit 2"));

  burrow_punch_free (punch);
  g_clear_error (&r.error);
  listening_clear (&peer);
}

/* --- HBRI -------------------------------------------------------------------------------- */

typedef struct
{
  GSocket *listening;
  GSocket *accepted;
  GString *received;
  gboolean closed;
} Validator;

/* accepts (non-blocking) and reads until a whole line is there */
static gboolean
validator_has_line (gpointer data)
{
  Validator *v = data;
  gchar buf[512];
  gssize n;

  if (v->accepted == NULL)
    {
      v->accepted = g_socket_accept (v->listening, NULL, NULL);
      if (v->accepted == NULL)
        return FALSE;
      g_socket_set_blocking (v->accepted, FALSE);
    }
  n = g_socket_receive (v->accepted, buf, sizeof buf, NULL, NULL);
  if (n > 0)
    g_string_append_len (v->received, buf, n);
  return strchr (v->received->str, '\n') != NULL;
}

static gboolean
validator_closed (gpointer data)
{
  Validator *v = data;
  gchar buf[64];
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive (v->accepted, buf, sizeof buf, NULL, &error);

  return n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
}

static gboolean
received_line_with (BurrowTestFakeHub *hub,
                    const gchar       *prefix,
                    const gchar       *part)
{
  GPtrArray *lines = burrow_test_fake_hub_get_received (hub);

  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (lines, i), prefix) &&
        strstr (g_ptr_array_index (lines, i), part) != NULL)
      return TRUE;
  return FALSE;
}

/* A hub with HBRI (AirDC++'s hybrid connectivity): we offer it in HSUP, our INF carries both
 * families, and its ITCP sends us to its IPv6 address with a token; we connect there, send HTCP
 * with the IPv6 fields and the token, read ISTA 000 and close. An ITCP for the family we are
 * already connected by is ignored. */
static void
test_hbri (void)
{
  g_autoptr(BurrowTestFakeHub) hub = NULL;
  g_autoptr(BurrowClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback6 = NULL;
  g_autoptr(GSocketAddress) any6 = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *itcp = NULL;
  Validator v = { 0, };

  if (!have_ipv6_loopback ())
    {
      g_test_skip ("this machine has no IPv6 loopback address (::1)");
      return;
    }
  loopback6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  any6 = g_inet_socket_address_new (loopback6, 0);
  v.listening = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (v.listening, any6, TRUE, &error));
  g_assert_true (g_socket_listen (v.listening, &error));
  g_socket_set_blocking (v.listening, FALSE);
  bound = g_socket_get_local_address (v.listening, &error);
  g_assert_no_error (error);
  v.received = g_string_new (NULL);

  hub = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_on_line (hub, "HSUP", "ISUP ADBASE ADTIGR ADHBRI\nISID AAAB\nIINF CT32 NIfake\n");
  /* the same family first (ignored), then the other one */
  itcp = g_strdup_printf ("ITCP I4127.0.0.1 P4%u TOsamefamily\nITCP I6::1 P6%u TOhbritoken\n",
                          burrow_test_fake_hub_get_port (hub),
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  burrow_test_fake_hub_on_line_echo (hub, "BINF", itcp);

  dir = g_dir_make_tmp ("burrow-hbri-XXXXXX", NULL);
  client = burrow_test_new_client (dir, "alice", FALSE);
  uri = burrow_test_fake_hub_dup_uri (hub);
  burrow_test_join_hub (client, uri);

  g_assert_true (received_line_with (hub, "HSUP", "ADHBRI"));
  g_assert_true (received_line_with (hub, "BINF", " I40.0.0.0"));
  g_assert_true (received_line_with (hub, "BINF", " I6::"));
  g_assert_true (received_line_with (hub, "BINF", " SUNAT0"));

  g_assert_true (burrow_test_wait_until (validator_has_line, &v, DEADLINE_MS));
  g_assert_true (g_str_has_prefix (v.received->str, "HTCP "));
  g_assert_nonnull (strstr (v.received->str, " I6::"));
  g_assert_nonnull (strstr (v.received->str, " SUNAT0"));
  g_assert_nonnull (strstr (v.received->str, " TOhbritoken"));
  g_assert_null (strstr (v.received->str, "samefamily"));
  g_assert_cmpint (g_socket_send (v.accepted, "ISTA 000\n", 9, NULL, &error), ==, 9);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (validator_closed, &v, DEADLINE_MS));
  /* the hub connection counts one client only: the IPv4 ITCP did not connect to it again */
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (hub), ==, 1);

  burrow_client_disconnect_all (client);
  g_clear_object (&client);
  g_socket_close (v.accepted, NULL);
  g_clear_object (&v.accepted);
  g_socket_close (v.listening, NULL);
  g_clear_object (&v.listening);
  g_string_free (v.received, TRUE);
  burrow_test_remove_tree (dir);
}

/* The validation connection of a TLS hub is TLS too, and must show the hub's own certificate:
 * a thread plays the hub's IPv6 side with the hub's certificate (HTCP arrives, ISTA 000 ends
 * it), then with another one (the handshake is refused, no HTCP is sent: the address is not
 * given to a stranger). */
typedef struct
{
  GSocket         *listening;
  GTlsCertificate *certificate;
  gchar           *line;        /* what came after the handshake, NULL: nothing */
  gboolean         handshaken;
  gint             finished;    /* atomic: the thread is done */
} TlsValidator;

static void tls_validate (TlsValidator *v);

/* Every wait has the sockets' 20 s timeout: the thread ends whatever the client does. */
static gpointer
tls_validator_thread (gpointer data)
{
  TlsValidator *v = data;

  tls_validate (v);
  g_atomic_int_set (&v->finished, 1);
  return NULL;
}

static void
tls_validate (TlsValidator *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) accepted = g_socket_accept (v->listening, NULL, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  GOutputStream *out;

  if (accepted == NULL)
    return;
  g_socket_set_timeout (accepted, 20);
  connection = g_socket_connection_factory_create_connection (accepted);
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), v->certificate, &error);
  if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error))
    {
      g_test_message ("validator: %s", error->message);
      return;
    }
  v->handshaken = TRUE;
  in = g_data_input_stream_new (g_io_stream_get_input_stream (tls));
  v->line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  if (v->line != NULL)
    {
      out = g_io_stream_get_output_stream (tls);
      g_output_stream_write_all (out, "ISTA 000\n", 9, NULL, NULL, NULL);
      /* until the client closes */
      g_free (g_data_input_stream_read_line (in, NULL, NULL, NULL));
    }
  g_io_stream_close (tls, NULL, NULL);
}

static void
run_hbri_tls (gboolean same_certificate)
{
  g_autoptr(BurrowTestFakeHub) hub = NULL;
  g_autoptr(BurrowClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) any6 = g_inet_socket_address_new (loopback6, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GTlsCertificate) stranger = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-hbri-XXXXXX", NULL);
  g_autofree gchar *uri = NULL;
  g_autofree gchar *itcp = NULL;
  g_autofree gchar *other_dir = NULL;
  TlsValidator v = { 0, };
  GThread *thread;

  v.listening = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                              &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (v.listening, any6, TRUE, &error));
  g_assert_true (g_socket_listen (v.listening, &error));
  g_socket_set_timeout (v.listening, 20);
  bound = g_socket_get_local_address (v.listening, &error);
  g_assert_no_error (error);

  hub = burrow_test_fake_hub_new_tls (&error);
  g_assert_no_error (error);
  if (same_certificate)
    v.certificate = burrow_test_fake_hub_get_certificate (hub);
  else
    {
      other_dir = g_build_filename (dir, "stranger", NULL);
      g_assert_cmpint (g_mkdir (other_dir, 0700), ==, 0);
      stranger = burrow_tls_load_or_create (other_dir, &error);
      g_assert_no_error (error);
      v.certificate = stranger;
    }
  thread = g_thread_new ("hbri-validator", tls_validator_thread, &v);

  burrow_test_fake_hub_on_line (hub, "HSUP", "ISUP ADBASE ADTIGR ADHBRI\nISID AAAB\nIINF CT32 NIfake\n");
  itcp = g_strdup_printf ("ITCP I6::1 P6%u TOhbritoken\n",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  burrow_test_fake_hub_on_line_echo (hub, "BINF", itcp);
  client = burrow_test_new_client (dir, "alice", FALSE);
  uri = burrow_test_fake_hub_dup_uri (hub);
  g_assert_true (g_str_has_prefix (uri, "adcs://"));
  burrow_test_join_hub (client, uri);

  /* the thread ends when the validation connection does */
  while (!g_atomic_int_get (&v.finished))
    burrow_test_iterate_for (20);
  g_thread_join (thread);
  if (same_certificate)
    {
      g_assert_true (v.handshaken);
      g_assert_nonnull (v.line);
      g_assert_true (g_str_has_prefix (v.line, "HTCP "));
      g_assert_nonnull (strstr (v.line, " TOhbritoken"));
    }
  else
    g_assert_null (v.line);  /* the client refused the certificate in the handshake */

  burrow_client_disconnect_all (client);
  g_clear_object (&client);
  g_free (v.line);
  g_socket_close (v.listening, NULL);
  g_clear_object (&v.listening);
  burrow_test_remove_tree (dir);
}

static void
test_hbri_tls (void)
{
  if (!have_ipv6_loopback ())
    {
      g_test_skip ("this machine has no IPv6 loopback address (::1)");
      return;
    }
  run_hbri_tls (TRUE);
  run_hbri_tls (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/ipv6/inf-fields", test_inf_fields);
  g_test_add_func ("/burrow/ipv6/happy-eyeballs", test_happy_eyeballs);
  g_test_add_func ("/burrow/ipv6/punch-dropped", test_punch_dropped);
  g_test_add_func ("/burrow/ipv6/hbri", test_hbri);
  g_test_add_func ("/burrow/ipv6/hbri-tls", test_hbri_tls);
  g_test_add ("/burrow/ipv6/hub-login", Fixture, "::1", set_up, test_hub_login, tear_down);
  g_test_add ("/burrow/ipv6/direct-and-reverse", Fixture, "::1", set_up, test_direct_and_reverse,
              tear_down);
  g_test_add ("/burrow/ipv6/nat-traversal", Fixture, "::1", set_up, test_nat_traversal, tear_down);
  g_test_add ("/burrow/ipv6/request-waits-pinhole", Fixture, "::1", set_up,
              test_request_waits_pinhole, tear_down);
  g_test_add ("/burrow/ipv6/auto-per-family", Fixture, "::1", set_up, test_auto_per_family,
              tear_down);
  g_test_add ("/burrow/ipv6/search-udp6", Fixture, "::1", set_up, test_search_udp6, tear_down);
  g_test_add ("/burrow/ipv6/hub-name-prefers-ipv4", Fixture, "::", set_up, test_hub_name_prefers_ipv4,
              tear_down);
  g_test_add ("/burrow/ipv6/no-common-family-answer", Fixture, "::", set_up,
              test_no_common_family_answer, tear_down);
  g_test_add ("/burrow/ipv6/no-common-family", Fixture, "::", set_up, test_no_common_family,
              tear_down);

  return g_test_run ();
}
