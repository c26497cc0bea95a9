/* test-nat-connector.c — reaching a peer through the real uhub on loopback: direct (CTM),
 * reverse (RCM → CTM) and NAT traversal (RCM → NAT → RNT), each proven by a file list
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The NAT matrix through real NATs lives in tests/natlab; this covers the protocol paths,
 * the punch records and hostile requests on loopback.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

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

static BurrowClient *
new_client (Fixture     *f,
            const gchar *nick)
{
  g_autofree gchar *path = g_build_filename (f->dir, nick, NULL);
  g_autoptr(GError) error = NULL;
  BurrowClient *client = burrow_client_new (path, &error);

  g_assert_no_error (error);
  burrow_client_set_nick (client, nick);
  return client;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("burrow-nat-XXXXXX", NULL);
  f->hub = burrow_test_hub_start (NULL, &error);
  if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);
  f->a = new_client (f, "alice");
  f->b = new_client (f, "bob");
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

typedef struct
{
  gboolean  done;
  GObject  *object;
  GError   *error;
} Result;

static BurrowAdcHubSession *
join (Fixture      *f,
      BurrowClient *client)
{
  return BURROW_ADC_HUB_SESSION (burrow_test_join_hub (client, burrow_test_hub_get_uri (f->hub)));
}

typedef struct
{
  BurrowHubSession *session;
  const gchar      *nick;
} Seen;

static gboolean
sees (gpointer data)
{
  Seen *s = data;

  return burrow_hub_session_lookup_nick (s->session, s->nick) != NULL;
}

static BurrowUser *
wait_user (BurrowAdcHubSession *session,
           const gchar         *nick)
{
  Seen s = { BURROW_HUB_SESSION (session), nick };

  g_assert_true (burrow_test_wait_until (sees, &s, DEADLINE_MS));
  return burrow_hub_session_lookup_nick (BURROW_HUB_SESSION (session), nick);
}

static void
on_peer (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Result *r = data;

  r->object = G_OBJECT (burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result,
                                                             NULL, &r->error));
  r->done = TRUE;
}

static void
on_list (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Result *r = data;
  GBytes *bytes = burrow_peer_connection_get_file_list_finish (BURROW_PEER_CONNECTION (source),
                                                               result, &r->error);

  r->object = bytes ? G_OBJECT (g_object_new (G_TYPE_OBJECT, NULL)) : NULL;
  if (bytes != NULL)
    g_object_set_data_full (r->object, "bytes", bytes, (GDestroyNotify) g_bytes_unref);
  r->done = TRUE;
}

/* A reaches B and downloads its list; returns A's attempt record. */
static BurrowPunchAttempt *
reach_and_fetch_list (Fixture             *f,
                      BurrowAdcHubSession *a_session,
                      BurrowUser          *b_user,
                      gboolean             expect_tls)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  GListModel *attempts = burrow_nat_connector_get_attempts (connector);
  guint before = g_list_model_get_n_items (attempts);
  Result peer = { 0, };
  Result list = { 0, };
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;
  BurrowFileListLimits limits = burrow_file_list_limits_default ();
  g_autofree gchar *cid = NULL;

  burrow_nat_connector_connect_async (connector, a_session, b_user, NULL, on_peer, &peer);
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_no_error (peer.error);
  g_assert_true (BURROW_IS_PEER_CONNECTION (peer.object));
  g_assert_cmpstr (burrow_peer_connection_get_peer_cid (BURROW_PEER_CONNECTION (peer.object)), ==,
                   burrow_identity_get_cid (burrow_client_get_identity (f->b)));
  g_assert_cmpint (burrow_peer_connection_is_tls (BURROW_PEER_CONNECTION (peer.object)), ==, expect_tls);

  /* the connection is proven by the peer's file list, which must parse */
  burrow_peer_connection_get_file_list_async (BURROW_PEER_CONNECTION (peer.object), NULL, on_list, &list);
  g_assert_true (burrow_test_wait_for_flag (&list.done, DEADLINE_MS));
  g_assert_no_error (list.error);
  bytes = g_object_get_data (list.object, "bytes");
  tree = burrow_file_list_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), TRUE, &limits,
                                 &cid, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cid, ==, burrow_identity_get_cid (burrow_client_get_identity (f->b)));

  burrow_peer_connection_close (BURROW_PEER_CONNECTION (peer.object));
  g_object_unref (peer.object);
  g_object_unref (list.object);

  g_assert_cmpuint (g_list_model_get_n_items (attempts), ==, before + 1);
  return g_list_model_get_item (attempts, before);
}

static gboolean
has_step (BurrowPunchAttempt  *attempt,
          BurrowPunchStepKind  kind)
{
  for (guint i = 0; i < burrow_punch_attempt_get_n_steps (attempt); i++)
    if (burrow_punch_attempt_get_step (attempt, i)->kind == kind)
      return TRUE;
  return FALSE;
}

static gboolean
steps_in_order (BurrowPunchAttempt        *attempt,
                const BurrowPunchStepKind *kinds,
                guint                      n)
{
  guint k = 0;
  gint64 last = -1;

  for (guint i = 0; i < burrow_punch_attempt_get_n_steps (attempt) && k < n; i++)
    {
      const BurrowPunchStep *step = burrow_punch_attempt_get_step (attempt, i);

      g_assert_cmpint (step->offset_us, >=, last); /* monotonic timeline */
      last = step->offset_us;
      if (step->kind == kinds[k])
        k++;
    }
  return k == n;
}

static void
test_nat_traversal (Fixture       *f,
                    gconstpointer  data)
{
  BurrowAdcHubSession *sa, *sb;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autoptr(BurrowPunchAttempt) theirs = NULL;
  g_autofree gchar *json = NULL;
  static const BurrowPunchStepKind expected[] = {
    BURROW_PUNCH_STEP_REQUEST_SENT, BURROW_PUNCH_STEP_NAT_RECEIVED, BURROW_PUNCH_STEP_CONNECT_TRY,
    BURROW_PUNCH_STEP_TCP_ESTABLISHED, BURROW_PUNCH_STEP_TLS_DONE, BURROW_PUNCH_STEP_PEER_INF,
  };
  static const BurrowPunchStepKind expected_theirs[] = {
    /* the responder listens from the moment it sends NAT: on loopback the
     * initiator's first SYN reaches that listener, often before RNT does */
    BURROW_PUNCH_STEP_REQUEST_RECEIVED, BURROW_PUNCH_STEP_LISTENING, BURROW_PUNCH_STEP_NAT_SENT,
    BURROW_PUNCH_STEP_TCP_ESTABLISHED, BURROW_PUNCH_STEP_TLS_DONE, BURROW_PUNCH_STEP_PEER_INF,
  };

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }

  /* both passive (the default): NAT0 in both INFs, so RCM → NAT → RNT */
  sa = join (f, f->a);
  sb = join (f, f->b);
  g_assert_true (burrow_user_supports_nat_traversal (wait_user (sa, "bob")));

  attempt = reach_and_fetch_list (f, sa, wait_user (sa, "bob"), TRUE);
  g_assert_cmpint (burrow_punch_attempt_get_method (attempt), ==, BURROW_PUNCH_METHOD_NAT_TRAVERSAL);
  g_assert_cmpint (burrow_punch_attempt_get_role (attempt), ==, BURROW_PUNCH_ROLE_INITIATOR);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_cmpstr (burrow_punch_attempt_get_protocol (attempt), ==, "ADCS/0.10");
  g_assert_true (steps_in_order (attempt, expected, G_N_ELEMENTS (expected)));
  g_assert_true (has_step (attempt, BURROW_PUNCH_STEP_RNT_SENT));
  /* both ends bind their hub connection's port */
  {
    g_autofree gchar *local = g_strdup_printf ("127.0.0.1:%u",
                                               burrow_hub_session_get_local_port (BURROW_HUB_SESSION (sa)));
    g_autofree gchar *remote = g_strdup_printf ("127.0.0.1:%u",
                                                burrow_hub_session_get_local_port (BURROW_HUB_SESSION (sb)));
    g_assert_cmpstr (burrow_punch_attempt_get_local (attempt), ==, local);
    g_assert_cmpstr (burrow_punch_attempt_get_remote (attempt), ==, remote);
  }

  /* the peer recorded its side too, as responder (TLS server) */
  theirs = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->b)), 0);
  g_assert_nonnull (theirs);
  g_assert_cmpint (burrow_punch_attempt_get_role (theirs), ==, BURROW_PUNCH_ROLE_RESPONDER);
  g_assert_cmpint (burrow_punch_attempt_get_result (theirs), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_true (steps_in_order (theirs, expected_theirs, G_N_ELEMENTS (expected_theirs)));

  /* the record serialises for the CLI and the punch panel */
  json = burrow_punch_attempt_to_json (attempt);
  g_assert_true (g_str_has_prefix (json, "{\"event\":\"punch\""));
  g_assert_nonnull (strstr (json, "\"method\":\"nat-traversal\""));
  g_assert_nonnull (strstr (json, "\"result\":\"connected\""));
  g_assert_nonnull (strstr (json, "\"step\":\"rnt-sent\""));
}

static void
test_direct_and_reverse (Fixture       *f,
                         gconstpointer  data)
{
  BurrowAdcHubSession *sa, *sb;
  g_autoptr(BurrowPunchAttempt) direct = NULL;
  g_autoptr(BurrowPunchAttempt) reverse = NULL;
  g_autoptr(GError) error = NULL;
  BurrowUser *bob;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  /* A active: CTM, and B connects to A's port */
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpint (burrow_client_get_mode (f->a), ==, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (f->a)), >, 0);
  sa = join (f, f->a);
  sb = join (f, f->b);
  bob = wait_user (sa, "bob");
  {
    BurrowUser *alice = wait_user (sb, "alice");
    g_assert_true (burrow_user_is_active (alice));
    g_assert_cmpuint (burrow_user_get_udp4_port (alice), ==,
                      burrow_nat_connector_get_port (burrow_client_get_connector (f->a)));
  }

  direct = reach_and_fetch_list (f, sa, bob, burrow_tls_is_available ());
  g_assert_cmpint (burrow_punch_attempt_get_method (direct), ==, BURROW_PUNCH_METHOD_DIRECT);
  g_assert_cmpint (burrow_punch_attempt_get_result (direct), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_true (has_step (direct, BURROW_PUNCH_STEP_ACCEPTED));
  g_assert_true (has_step (direct, BURROW_PUNCH_STEP_TCP_ESTABLISHED));
  if (burrow_tls_is_available ())
    g_assert_true (has_step (direct, BURROW_PUNCH_STEP_TLS_DONE));

  /* B active and A passive: RCM, B answers CTM, A connects */
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->b, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpint (burrow_client_get_mode (f->b), ==, BURROW_CONNECTION_MODE_ACTIVE);
  bob = wait_user (sa, "bob");
  while (!burrow_user_is_active (bob))
    g_main_context_iteration (NULL, TRUE);
  reverse = reach_and_fetch_list (f, sa, bob, burrow_tls_is_available ());
  g_assert_cmpint (burrow_punch_attempt_get_method (reverse), ==, BURROW_PUNCH_METHOD_REVERSE);
  g_assert_cmpint (burrow_punch_attempt_get_result (reverse), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_true (has_step (reverse, BURROW_PUNCH_STEP_REQUEST_RECEIVED)); /* B's CTM */
}

static void
test_passive_peer_without_nat0 (Fixture       *f,
                                gconstpointer  data)
{
  BurrowAdcHubSession *sa;
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *update = NULL;
  Result peer = { 0, };
  BurrowUser *old;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  gint64 start;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  sa = join (f, f->a);
  raw = burrow_test_adc_client_connect (burrow_test_hub_get_port (f->hub), "oldclient", NULL, &error);
  g_assert_no_error (error);
  /* a passive client that cannot do NAT traversal (SU without NAT0) */
  update = g_strdup_printf ("BINF %s SUSEGA", burrow_test_adc_client_get_sid (raw));
  g_assert_true (burrow_test_adc_client_send_line (raw, update, &error));
  old = wait_user (sa, "oldclient");
  while (burrow_user_supports_nat_traversal (old))
    g_main_context_iteration (NULL, TRUE);

  /* no 30 s wait: the diagnosis comes at once */
  start = g_get_monotonic_time ();
  burrow_nat_connector_connect_async (burrow_client_get_connector (f->a), sa, old, NULL, on_peer, &peer);
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PEER_PASSIVE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_clear_error (&peer.error);
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a)), 0);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_FAILED);
  g_assert_nonnull (strstr (burrow_punch_attempt_get_diagnosis (attempt), "NAT0"));
}

static void
test_hostile_requests (Fixture       *f,
                       gconstpointer  data)
{
  BurrowAdcHubSession *sa;
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *me;
  const gchar *alice_sid_text;
  gchar alice_sid[5];
  GListModel *attempts;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  sa = join (f, f->a);
  raw = burrow_test_adc_client_connect (burrow_test_hub_get_port (f->hub), "mallory", NULL, &error);
  g_assert_no_error (error);
  wait_user (sa, "mallory");
  me = burrow_test_adc_client_get_sid (raw);
  burrow_adc_sid_to_string (burrow_adc_hub_session_get_sid (sa), alice_sid);
  alice_sid_text = alice_sid;
  attempts = burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a));

  /* answers to requests nobody made, and garbage, are ignored */
  {
    const gchar *tails[] = { "DNAT|ADC/1.0 1234 notours", "DRNT|ADC/1.0 1234 notours",
                             "DCTM|ADC/1.0 0 zeroport", "DCTM|ADC/1.0 99999 bigport",
                             "DNAT|ADC/1.0 notanumber tok", "DRCM|" };
    for (guint i = 0; i < G_N_ELEMENTS (tails); i++)
      {
        g_auto(GStrv) parts = g_strsplit (tails[i], "|", 2);
        g_autofree gchar *line = g_strdup_printf ("%s %s %s %s", parts[0], me, alice_sid_text, parts[1]);
        g_assert_true (burrow_test_adc_client_send_line (raw, g_strchomp (line), &error));
      }
  }
  /* a flood of connection requests: only a bounded number are taken up */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree gchar *line = g_strdup_printf ("DRCM %s %s ADC/1.0 flood%u", me, alice_sid_text, i);
      g_assert_true (burrow_test_adc_client_send_line (raw, line, &error));
    }
  /* an unsupported protocol gets a STA 141 back */
  {
    g_autofree gchar *line = g_strdup_printf ("DRCM %s %s FTP/9.9 weird", me, alice_sid_text);
    g_autofree gchar *sta = NULL;

    g_assert_true (burrow_test_adc_client_send_line (raw, line, &error));
    g_assert_true (burrow_test_adc_client_wait_for (raw, "DSTA", DEADLINE_MS, &sta, &error));
    g_assert_nonnull (strstr (sta, " 141 "));
    g_assert_nonnull (strstr (sta, "TOweird"));
  }
  g_assert_cmpuint (g_list_model_get_n_items (attempts), <=, BURROW_NAT_MAX_INCOMING_PER_PEER);
  g_assert_cmpint (burrow_hub_session_get_state (BURROW_HUB_SESSION (sa)), ==, BURROW_HUB_STATE_NORMAL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/nat/nat-traversal-loopback", Fixture, NULL, set_up, test_nat_traversal, tear_down);
  g_test_add ("/burrow/nat/direct-and-reverse", Fixture, NULL, set_up, test_direct_and_reverse, tear_down);
  g_test_add ("/burrow/nat/passive-peer-without-nat0", Fixture, NULL, set_up,
              test_passive_peer_without_nat0, tear_down);
  g_test_add ("/burrow/nat/hostile-requests", Fixture, NULL, set_up, test_hostile_requests, tear_down);

  return g_test_run ();
}
