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

#include "burrow-adc-hub-session.h"
#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (30 * 1000)

typedef struct
{
  gchar         *dir;
  BurrowTestHub *hub;
  BurrowTestFakeHub *fake;
  BurrowClient  *a;
  BurrowClient  *b;
} Fixture;

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
  g_clear_pointer (&f->fake, burrow_test_fake_hub_free);
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

  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (a_session), b_user, NULL, on_peer, &peer);
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
  if (burrow_tls_is_available ())
    g_assert_true (has_step (direct, BURROW_PUNCH_STEP_TLS_DONE));
  /* B's connection to our port: its steps on one timeline, and both ends of it */
  {
    static const BurrowPunchStepKind expected[] = {
      BURROW_PUNCH_STEP_REQUEST_SENT, BURROW_PUNCH_STEP_TCP_ESTABLISHED, BURROW_PUNCH_STEP_ACCEPTED,
      BURROW_PUNCH_STEP_PEER_INF,
    };
    g_autofree gchar *port = g_strdup_printf (":%u", burrow_nat_connector_get_port (burrow_client_get_connector (f->a)));

    g_assert_true (steps_in_order (direct, expected, G_N_ELEMENTS (expected)));
    g_assert_nonnull (burrow_punch_attempt_get_remote (direct));
    g_assert_true (g_str_has_suffix (burrow_punch_attempt_get_local (direct), port));
  }

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
  burrow_nat_connector_connect_async (burrow_client_get_connector (f->a), BURROW_HUB_SESSION (sa), old, NULL, on_peer, &peer);
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PEER_PASSIVE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_clear_error (&peer.error);
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a)), 0);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_FAILED);
  g_assert_cmpint (burrow_punch_attempt_get_error_code (attempt), ==, BURROW_NAT_ERROR_PEER_PASSIVE);
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

/* --- inbound connections: deadlines, caps, backlog, protocol -------------------------------- */

/* A CID and a keyprint nobody has (valid base32, zero padding bits). */
#define MALLORY_CID "MALLORYMALLORYMALLORYMALLORYMALLORYMALQ"
#define STRANGER_KP "SHA256/QUEERKEYQUEERKEYQUEERKEYQUEERKEYQUEERKEYQUEERKEA"

static void
set_up_fake (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("burrow-nat-XXXXXX", NULL);
  f->fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (f->fake, 0);
  f->a = burrow_test_new_client (f->dir, "alice", FALSE);
  f->b = burrow_test_new_client (f->dir, "bob", FALSE);
}

/* Alice (active or not) on the fake hub, and mallory (SID AAAC) with @features, @ip4 and @kp. */
static BurrowAdcHubSession *
join_fake (Fixture     *f,
           gboolean     active,
           const gchar *features,
           const gchar *ip4,
           const gchar *kp)
{
  g_autofree gchar *uri = burrow_test_fake_hub_dup_uri (f->fake);
  g_autofree gchar *binf = NULL;
  BurrowAdcHubSession *session;

  if (active)
    {
      burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_ACTIVE);
      g_assert_cmpint (burrow_client_get_mode (f->a), ==, BURROW_CONNECTION_MODE_ACTIVE);
    }
  session = BURROW_ADC_HUB_SESSION (burrow_test_join_hub (f->a, uri));
  binf = g_strdup_printf ("BINF AAAC ID" MALLORY_CID " NImallory SU%s I4%s%s%s\n", features, ip4,
                          kp ? " KP" : "", kp ? kp : "");
  burrow_test_fake_hub_send_raw (f->fake, binf, strlen (binf));
  wait_user (session, "mallory");
  return session;
}

typedef struct
{
  Fixture     *f;
  const gchar *prefix;
  guint        from;
  guint        found;
} Request;

static gboolean
request_arrived (gpointer data)
{
  Request *r = data;
  GPtrArray *lines = burrow_test_fake_hub_get_received (r->f->fake);

  for (guint i = r->from; i < lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (lines, i), r->prefix))
      {
        r->found = i;
        return TRUE;
      }
  return FALSE;
}

/* The next request alice sent mallory through the hub ("DCTM AAAB AAAC proto port token"),
 * split at spaces. */
static GStrv
wait_request (Fixture     *f,
              const gchar *prefix)
{
  static guint seen = 0;
  Request r = { f, prefix, 0, 0 };
  GPtrArray *lines = burrow_test_fake_hub_get_received (f->fake);

  if (seen > lines->len)
    seen = 0; /* another test's hub */
  r.from = seen;
  g_assert_true (burrow_test_wait_until (request_arrived, &r, DEADLINE_MS));
  seen = r.found + 1;
  return g_strsplit (g_ptr_array_index (lines, r.found), " ", -1);
}

/* A TCP connection to alice's port from @source_ip (any port). */
static GSocket *
connect_from (const gchar *source_ip,
              guint16      port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) local_ip = g_inet_address_new_from_string (source_ip);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (local_ip, 0);
  g_autoptr(GSocketAddress) remote = g_inet_socket_address_new (loopback, port);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, local, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_connect (socket, remote, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

static void
send_bytes (GSocket     *socket,
            const gchar *data,
            gsize        len)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send (socket, data, len, NULL, &error), ==, (gssize) len);
  g_assert_no_error (error);
}

typedef struct
{
  GString  *data;
  gboolean  closed;
} Drain;

static gboolean
on_drain_readable (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  Drain *d = user_data;
  gchar buf[4096];
  gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL);

  if (n > 0)
    {
      g_string_append_len (d->data, buf, n);
      return G_SOURCE_CONTINUE;
    }
  d->closed = TRUE; /* EOF or reset */
  return G_SOURCE_REMOVE;
}

/* Reads what the other side sends until it closes; FALSE if it did not within @timeout_ms.
 * *out (optional) gets the bytes. */
static gboolean
wait_closed (GSocket  *socket,
             guint     timeout_ms,
             GString **out)
{
  Drain d = { g_string_new (NULL), FALSE };
  GSource *source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  gboolean closed;

  g_source_set_callback (source, (GSourceFunc) on_drain_readable, &d, NULL);
  g_source_attach (source, NULL);
  closed = burrow_test_wait_for_flag (&d.closed, timeout_ms);
  g_source_destroy (source);
  g_source_unref (source);
  if (out != NULL)
    *out = g_string_new_len (d.data->str, d.data->len);
  g_string_free (d.data, TRUE);
  return closed;
}

static gboolean
still_open (GSocket *socket)
{
  gchar c;
  g_autoptr(GError) error = NULL;

  /* nothing to read and no EOF */
  return g_socket_receive (socket, &c, 1, NULL, &error) < 0 &&
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

typedef struct
{
  BurrowNatConnector *connector;
  guint               n;
} Count;

static gboolean
n_unidentified_is (gpointer data)
{
  Count *c = data;

  return burrow_nat_connector_get_n_unidentified (c->connector) == c->n;
}

static void
wait_unidentified (BurrowNatConnector *connector,
                   guint               n)
{
  Count c = { connector, n };

  g_assert_true (burrow_test_wait_until (n_unidentified_is, &c, DEADLINE_MS));
}

/* Each inbound stage has a deadline: a client that sends 0x16 (a TLS record) and stalls, one
 * that sends SUP and stalls, and one that sends nothing are all closed. */
static void
test_inbound_stalled (Fixture       *f,
                      gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  g_autoptr(GSocket) tls = NULL;
  g_autoptr(GSocket) adc = NULL;
  g_autoptr(GSocket) silent = NULL;
  guint16 port;
  gint64 start;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_ACTIVE);
  port = burrow_nat_connector_get_port (connector);
  g_assert_cmpuint (port, >, 0);
  burrow_nat_connector_set_inbound_timeout (connector, 300);

  start = g_get_monotonic_time ();
  tls = connect_from ("127.0.0.1", port);
  send_bytes (tls, "\x16", 1);
  adc = connect_from ("127.0.0.1", port);
  send_bytes (adc, "CSUP ADBASE ADTIGR\n", 19);
  silent = connect_from ("127.0.0.1", port);
  wait_unidentified (connector, 3);

  g_assert_true (wait_closed (tls, DEADLINE_MS, NULL));
  g_assert_true (wait_closed (adc, DEADLINE_MS, NULL));
  g_assert_true (wait_closed (silent, DEADLINE_MS, NULL));
  /* a stage is 300 ms here; the TLS one starts after the first byte */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  wait_unidentified (connector, 0);
}

/* More unidentified connections than the caps are closed at once; a legitimate peer from
 * another address still gets through while they stall. */
static void
test_inbound_caps (Fixture       *f,
                   gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_autoptr(GPtrArray) stalled = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) over = NULL;
  g_autoptr(GSocket) legit = NULL;
  g_auto(GStrv) ctm = NULL;
  g_autofree gchar *hello = NULL;
  Result peer = { 0, };
  guint16 port;
  guint n_addresses;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  sa = join_fake (f, TRUE, "TCP4", "127.0.0.1", NULL);
  port = burrow_nat_connector_get_port (connector);
  /* the stalled connections must not run out of time while the test runs (slow under ASan) */
  burrow_nat_connector_set_inbound_timeout (connector, 20 * DEADLINE_MS);

  /* the per-address cap: stalled TLS starts from 127.0.0.2 */
  for (guint i = 0; i < BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS; i++)
    {
      GSocket *s = connect_from ("127.0.0.2", port);

      send_bytes (s, "\x16", 1);
      g_ptr_array_add (stalled, s);
    }
  wait_unidentified (connector, BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS);
  over = connect_from ("127.0.0.2", port);
  g_assert_true (wait_closed (over, DEADLINE_MS, NULL));
  g_assert_cmpuint (burrow_nat_connector_get_n_inbound_refused (connector), ==, 1);
  for (guint i = 0; i < stalled->len; i++)
    g_assert_true (still_open (g_ptr_array_index (stalled, i)));

  /* mallory, from 127.0.0.1, answers alice's CTM (plain: it announces no TLS) */
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
  ctm = wait_request (f, "DCTM");
  g_assert_cmpstr (ctm[3], ==, "ADC/1.0");
  legit = connect_from ("127.0.0.1", (guint16) g_ascii_strtoull (ctm[4], NULL, 10));
  hello = g_strdup_printf ("CSUP ADBASE ADTIGR\nCINF ID" MALLORY_CID " TO%s\n", ctm[5]);
  send_bytes (legit, hello, strlen (hello));
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_no_error (peer.error);
  g_assert_cmpstr (burrow_peer_connection_get_peer_cid (BURROW_PEER_CONNECTION (peer.object)), ==,
                   MALLORY_CID);
  g_clear_object (&peer.object);

  /* the global cap: more addresses until it is full, then one more is refused */
  n_addresses = (BURROW_NAT_MAX_UNIDENTIFIED - BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS) /
                BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS;
  for (guint a = 0; a < n_addresses; a++)
    {
      g_autofree gchar *ip = g_strdup_printf ("127.0.1.%u", a + 1);

      for (guint i = 0; i < BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS; i++)
        g_ptr_array_add (stalled, connect_from (ip, port));
    }
  wait_unidentified (connector, BURROW_NAT_MAX_UNIDENTIFIED);
  g_clear_object (&over);
  over = connect_from ("127.0.2.1", port);
  g_assert_true (wait_closed (over, DEADLINE_MS, NULL));
  g_assert_cmpuint (burrow_nat_connector_get_n_inbound_refused (connector), ==, 2);
  g_assert_cmpuint (burrow_nat_connector_get_n_unidentified (connector), ==, BURROW_NAT_MAX_UNIDENTIFIED);
}

/* A burst of connects all complete at once: none waits for a SYN retransmit (1 s) because
 * the accept queue (backlog) was full. Nothing is accepted meanwhile (no iteration). */
static void
test_listen_backlog (Fixture       *f,
                     gconstpointer  data)
{
  enum { N_BURST = 100 };
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  g_autofree gchar *somaxconn = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) remote = NULL;
  GSocket *sockets[N_BURST];
  guint n_connected = 0;
  gint64 deadline;

  if (g_file_get_contents ("/proc/sys/net/core/somaxconn", &somaxconn, NULL, NULL) &&
      g_ascii_strtoull (somaxconn, NULL, 10) < N_BURST)
    {
      g_test_skip ("net.core.somaxconn is below the burst size");
      return;
    }
  burrow_client_set_mode (f->a, BURROW_CONNECTION_MODE_ACTIVE);
  remote = g_inet_socket_address_new (loopback, burrow_nat_connector_get_port (connector));

  for (guint i = 0; i < N_BURST; i++)
    {
      g_autoptr(GError) error = NULL;

      sockets[i] = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      g_socket_set_blocking (sockets[i], FALSE);
      if (!g_socket_connect (sockets[i], remote, NULL, &error))
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
    }
  /* a loopback handshake takes microseconds; a dropped SYN is retried after 1 s */
  deadline = g_get_monotonic_time () + 800 * G_TIME_SPAN_MILLISECOND;
  for (guint i = 0; i < N_BURST; i++)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      g_autoptr(GError) error = NULL;

      if (left > 0 && g_socket_condition_timed_wait (sockets[i], G_IO_OUT, left, NULL, NULL) &&
          g_socket_check_connect_result (sockets[i], &error))
        n_connected++;
    }
  g_assert_cmpuint (n_connected, ==, N_BURST);
  for (guint i = 0; i < N_BURST; i++)
    g_object_unref (sockets[i]);
  /* the listener takes them all up (within the caps) and drops them as they close */
  wait_unidentified (connector, 0);
}

typedef struct
{
  GString  *data;
  gboolean  closed;
  gboolean  done;
  GError   *error;
  GCancellable *cancellable;
} TlsPeer;

static gboolean
accept_anything (GTlsConnection       *conn,
                 GTlsCertificate      *cert,
                 GTlsCertificateFlags  errors,
                 gpointer              data)
{
  return TRUE;
}

static void
on_tls_handshake (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  TlsPeer *t = data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &t->error);
  t->done = TRUE;
}

/* the one read in flight at a time */
static gchar tls_buf[4096];

static void
on_tls_read (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  TlsPeer *t = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      t->closed = TRUE;
      return;
    }
  g_string_append_len (t->data, tls_buf, n);
  g_input_stream_read_async (G_INPUT_STREAM (source), tls_buf, sizeof tls_buf, G_PRIORITY_DEFAULT,
                             t->cancellable, on_tls_read, t);
}

/* Mallory connects to alice's port over TLS with @certificate and says who it is (as it
 * would after alice's CTM); returns the TLS stream after the handshake. Takes @socket. */
static GIOStream *
tls_hello (GSocket         *socket,
           GTlsCertificate *certificate,
           const gchar     *token,
           TlsPeer         *t)
{
  g_autoptr(GSocket) owned = socket;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = g_socket_connection_factory_create_connection (owned);
  GIOStream *tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);
  g_autofree gchar *hello = g_strdup_printf ("CSUP ADBASE ADTIGR\nCINF ID" MALLORY_CID " TO%s\n", token);

  g_assert_no_error (error);
  g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), certificate);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_anything), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, on_tls_handshake, t);
  g_assert_true (burrow_test_wait_for_flag (&t->done, DEADLINE_MS));
  g_assert_no_error (t->error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (tls), hello, strlen (hello),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  t->data = g_string_new (NULL);
  t->cancellable = g_cancellable_new ();
  g_input_stream_read_async (g_io_stream_get_input_stream (tls), tls_buf, sizeof tls_buf, G_PRIORITY_DEFAULT,
                             t->cancellable, on_tls_read, t);
  return tls;
}

/* Alice asked mallory (who published a keyprint) for ADCS: a plain connection with the right
 * CID and token is refused, nothing is sent in clear, and the attempt says why. */
static void
test_inbound_plain_refused (Fixture       *f,
                            gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_auto(GStrv) ctm = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GString) received = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autofree gchar *hello = NULL;
  Result peer = { 0, };

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  sa = join_fake (f, TRUE, "TCP4,ADC0", "127.0.0.1", STRANGER_KP);
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
  ctm = wait_request (f, "DCTM");
  g_assert_cmpstr (ctm[3], ==, "ADCS/0.10");

  socket = connect_from ("127.0.0.1", (guint16) g_ascii_strtoull (ctm[4], NULL, 10));
  hello = g_strdup_printf ("CSUP ADBASE ADTIGR\nCINF ID" MALLORY_CID " TO%s\n", ctm[5]);
  send_bytes (socket, hello, strlen (hello));
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PROTOCOL_MISMATCH);
  g_assert_null (peer.object);
  g_clear_error (&peer.error);

  g_assert_true (wait_closed (socket, DEADLINE_MS, &received));
  g_assert_null (strstr (received->str, "CGET"));
  g_assert_null (strstr (received->str, "CINF")); /* alice did not even say who she is */
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (connector), 0);
  g_assert_cmpint (burrow_punch_attempt_get_result (attempt), ==, BURROW_PUNCH_RESULT_FAILED);
  g_assert_nonnull (burrow_punch_attempt_get_diagnosis (attempt));
}

/* Over TLS, only the key mallory published is accepted. */
static void
test_inbound_wrong_key (Fixture       *f,
                        gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  GTlsCertificate *bobs = NULL;
  BurrowAdcHubSession *sa;
  g_autofree gchar *bobs_kp = NULL;
  g_autofree gchar *update = NULL;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  bobs = burrow_identity_get_certificate (burrow_client_get_identity (f->b));
  bobs_kp = burrow_tls_certificate_keyprint (bobs);
  sa = join_fake (f, TRUE, "TCP4,ADC0", "127.0.0.1", STRANGER_KP);

  for (guint round = 0; round < 2; round++)
    {
      g_auto(GStrv) ctm = NULL;
      g_autoptr(GIOStream) tls = NULL;
      TlsPeer t = { 0, };
      Result peer = { 0, };

      /* round 0: mallory published another key than bob's certificate; round 1: bob's */
      burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
      ctm = wait_request (f, "DCTM");
      g_assert_cmpstr (ctm[3], ==, "ADCS/0.10");
      tls = tls_hello (connect_from ("127.0.0.1", (guint16) g_ascii_strtoull (ctm[4], NULL, 10)),
                       bobs, ctm[5], &t);
      g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
      if (round == 0)
        {
          g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_KEYPRINT_MISMATCH);
          g_clear_error (&peer.error);
          g_assert_true (burrow_test_wait_for_flag (&t.closed, DEADLINE_MS));
          g_assert_null (strstr (t.data->str, "CGET"));

          update = g_strdup_printf ("BINF AAAC KP%s\n", bobs_kp);
          burrow_test_fake_hub_send_raw (f->fake, update, strlen (update));
          while (g_strcmp0 (burrow_user_get_keyprint (wait_user (sa, "mallory")), bobs_kp) != 0)
            g_main_context_iteration (NULL, TRUE);
        }
      else
        {
          g_assert_no_error (peer.error);
          g_assert_true (burrow_peer_connection_is_tls (BURROW_PEER_CONNECTION (peer.object)));
          burrow_peer_connection_close (BURROW_PEER_CONNECTION (peer.object));
          g_clear_object (&peer.object);
        }
      /* the read in flight ends before @t goes out of scope */
      g_cancellable_cancel (t.cancellable);
      g_assert_true (burrow_test_wait_for_flag (&t.closed, DEADLINE_MS));
      g_io_stream_close (tls, NULL, NULL);
      g_string_free (t.data, TRUE);
      g_object_unref (t.cancellable);
    }
}

/* Alice asked for ADCS (RCM); a NAT answer for ADC/1.0 cannot switch her to plain. */
static void
test_nat_no_downgrade (Fixture       *f,
                       gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_auto(GStrv) rcm = NULL;
  g_autofree gchar *nat = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  Result peer = { 0, };

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  sa = join_fake (f, FALSE, "NAT0,ADC0", "127.0.0.1", STRANGER_KP);
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
  rcm = wait_request (f, "DRCM");
  g_assert_cmpstr (rcm[3], ==, "ADCS/0.10");
  nat = g_strdup_printf ("DNAT AAAC AAAB ADC/1.0 9 %s\n", rcm[4]);
  burrow_test_fake_hub_send_raw (f->fake, nat, strlen (nat));
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_PROTOCOL_MISMATCH);
  g_clear_error (&peer.error);
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (connector), 0);
  g_assert_cmpstr (burrow_punch_attempt_get_protocol (attempt), ==, "ADCS/0.10");
  g_assert_false (has_step (attempt, BURROW_PUNCH_STEP_CONNECT_TRY));
}

/* A peer's I4 that is a host name is never resolved nor connected to. */
static void
test_ip4_host_name (Fixture       *f,
                    gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_auto(GStrv) rcm = NULL;
  g_autofree gchar *ctm = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autoptr(GSocket) bait = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  Result peer = { 0, };

  /* "localhost" resolves to 127.0.0.1, where this socket listens */
  bait = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (bait, any_port, FALSE, &error));
  g_assert_true (g_socket_listen (bait, &error));
  g_socket_set_blocking (bait, FALSE);
  bound = g_socket_get_local_address (bait, &error);
  g_assert_no_error (error);

  sa = join_fake (f, FALSE, "TCP4", "localhost", NULL);
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
  rcm = wait_request (f, "DRCM");
  ctm = g_strdup_printf ("DCTM AAAC AAAB %s %u %s\n", rcm[3],
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), rcm[4]);
  burrow_test_fake_hub_send_raw (f->fake, ctm, strlen (ctm));
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_BAD_ADDRESS);
  g_clear_error (&peer.error);
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (connector), 0);
  g_assert_false (has_step (attempt, BURROW_PUNCH_STEP_CONNECT_TRY));
  /* nothing came to the bait (a connect to it would be queued there already) */
  g_assert_null (g_socket_accept (bait, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

/* The same over NAT traversal: a NAT answer from a peer whose I4 is a name fails cleanly. */
static void
test_ip4_host_name_nat (Fixture       *f,
                        gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_auto(GStrv) rcm = NULL;
  g_autofree gchar *nat = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  Result peer = { 0, };

  sa = join_fake (f, FALSE, "NAT0", "localhost", NULL);
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
  rcm = wait_request (f, "DRCM");
  nat = g_strdup_printf ("DNAT AAAC AAAB %s 9 %s\n", rcm[3], rcm[4]);
  burrow_test_fake_hub_send_raw (f->fake, nat, strlen (nat));
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_BAD_ADDRESS);
  g_clear_error (&peer.error);
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (connector), 0);
  g_assert_false (has_step (attempt, BURROW_PUNCH_STEP_CONNECT_TRY));
}

typedef struct
{
  GSocket         *listening;
  GTlsCertificate *certificate;
  gint             finished;   /* atomic */
} TlsServer;

/* A TLS server in its own thread: one connection, a blocking handshake (it fails when the
 * client gives up). */
static gpointer
tls_server_thread (gpointer data)
{
  TlsServer *server = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;

  g_main_context_push_thread_default (context);
  accepted = g_socket_accept (server->listening, NULL, NULL);
  if (accepted != NULL)
    {
      connection = g_socket_connection_factory_create_connection (accepted);
      tls = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, NULL);
      if (tls != NULL)
        g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL);
    }
  g_main_context_pop_thread_default (context);
  g_atomic_int_set (&server->finished, 1);
  return NULL;
}

static gboolean
tls_server_finished (gpointer data)
{
  return g_atomic_int_get (&((TlsServer *) data)->finished);
}

/* Alice connects to mallory over TLS (answering its CTM). Her handshake thread hands the
 * peer's certificate to the main loop ("accept-certificate") and waits; before the main loop
 * runs, the attempt ends. The handler must not touch the freed attempt. */
static void
test_accept_certificate_after_end (Fixture       *f,
                                   gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_auto(GStrv) rcm = NULL;
  g_autofree gchar *ctm = NULL;
  g_autoptr(BurrowPunchAttempt) attempt = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  TlsServer server = { 0, };
  GThread *thread;
  Result peer = { 0, };
  gint64 deadline;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  server.certificate = burrow_identity_get_certificate (burrow_client_get_identity (f->b));
  server.listening = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                   &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (server.listening, any_port, FALSE, &error));
  g_assert_true (g_socket_listen (server.listening, &error));
  bound = g_socket_get_local_address (server.listening, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("tls-server", tls_server_thread, &server);

  sa = join_fake (f, FALSE, "TCP4,ADC0", "127.0.0.1", STRANGER_KP);
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL, on_peer, &peer);
  rcm = wait_request (f, "DRCM");
  g_assert_cmpstr (rcm[3], ==, "ADCS/0.10");
  ctm = g_strdup_printf ("DCTM AAAC AAAB ADCS/0.10 %u %s\n",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), rcm[4]);
  burrow_test_fake_hub_send_raw (f->fake, ctm, strlen (ctm));

  /* until the TCP connection is there and the TLS handshake has started */
  attempt = g_list_model_get_item (burrow_nat_connector_get_attempts (burrow_client_get_connector (f->a)), 0);
  deadline = g_get_monotonic_time () + DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  while (!has_step (attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (has_step (attempt, BURROW_PUNCH_STEP_TCP_ESTABLISHED));
  /* holding the main context without running it, until the handshake thread asks it about
   * the certificate (GIO would ask on its own thread if nobody held the context) */
  g_assert_true (g_main_context_acquire (NULL));
  while (!g_main_context_pending (NULL) && g_get_monotonic_time () < deadline)
    g_usleep (G_TIME_SPAN_MILLISECOND);
  g_assert_true (g_main_context_pending (NULL));

  /* the attempt ends (its hub goes away) before the question is answered */
  burrow_client_remove_hub (f->a, BURROW_HUB_SESSION (sa));
  g_main_context_release (NULL);
  g_assert_true (burrow_test_wait_for_flag (&peer.done, DEADLINE_MS));
  g_assert_error (peer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&peer.error);
  g_assert_true (burrow_test_wait_until (tls_server_finished, &server, DEADLINE_MS));
  g_thread_join (thread);
  g_object_unref (server.listening);
}

/* A connect callback may remove the hub (and with it every expect of that session) when the
 * attempt fails from a hub message. The connector must not touch the expect after the
 * callback: before, this was a heap-use-after-free in expect_fail () under ASan. */
typedef struct
{
  Fixture          *f;
  BurrowHubSession *session;
  Result            r;
} RemoveOnFail;

static void
on_peer_remove_hub (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  RemoveOnFail *rf = data;

  on_peer (source, result, &rf->r);
  if (rf->r.error != NULL)
    burrow_client_remove_hub (rf->f->a, rf->session);
}

static void
test_callback_removes_session (Fixture       *f,
                               gconstpointer  data)
{
  BurrowNatConnector *connector = burrow_client_get_connector (f->a);
  BurrowAdcHubSession *sa;
  g_auto(GStrv) rcm = NULL;
  g_autofree gchar *ctm = NULL;
  RemoveOnFail rf = { f, NULL, { 0, } };

  /* mallory's I4 is a name: its CTM fails the attempt from the hub's line handler */
  sa = join_fake (f, FALSE, "TCP4", "localhost", NULL);
  rf.session = BURROW_HUB_SESSION (sa);
  burrow_nat_connector_connect_async (connector, BURROW_HUB_SESSION (sa), wait_user (sa, "mallory"), NULL,
                                      on_peer_remove_hub, &rf);
  rcm = wait_request (f, "DRCM");
  ctm = g_strdup_printf ("DCTM AAAC AAAB %s 9 %s\n", rcm[3], rcm[4]);
  burrow_test_fake_hub_send_raw (f->fake, ctm, strlen (ctm));
  g_assert_true (burrow_test_wait_for_flag (&rf.r.done, DEADLINE_MS));
  g_assert_error (rf.r.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_BAD_ADDRESS);
  g_clear_error (&rf.r.error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (burrow_client_get_hubs (f->a)), ==, 0);
  /* the record of the attempt is kept */
  g_assert_cmpuint (g_list_model_get_n_items (burrow_nat_connector_get_attempts (connector)), ==, 1);
}

/* The connector as the transfer side sees it: a BurrowPeerDialer that finds users by their
 * protocol-neutral id on the hub list, and whose upload-connection tells the peer's side. */
typedef struct
{
  gboolean  seen;
  guint     n;
  gchar    *cid;
} Uploads;

static void
on_upload_connection (BurrowPeerDialer     *dialer,
                      BurrowPeerConnection *peer,
                      BurrowPunchAttempt   *attempt,
                      Uploads              *u)
{
  g_assert_true (BURROW_IS_PUNCH_ATTEMPT (attempt));
  g_assert_cmpint (burrow_punch_attempt_get_role (attempt), ==, BURROW_PUNCH_ROLE_RESPONDER);
  u->seen = TRUE;
  u->n++;
  g_free (u->cid);
  u->cid = g_strdup (burrow_peer_connection_get_peer_cid (peer));
}

typedef struct
{
  gboolean              done;
  BurrowPeerConnection *peer;
  BurrowPunchAttempt   *attempt;
  GError               *error;
} DialResult;

static void
on_dialed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  DialResult *r = data;

  r->peer = burrow_peer_dialer_connect_finish (BURROW_PEER_DIALER (source), result, &r->attempt,
                                               &r->error);
  r->done = TRUE;
}

static void
test_dialer (Fixture       *f,
             gconstpointer  data)
{
  BurrowNatConnector *connector;
  BurrowPeerDialer *dialer;
  BurrowAdcHubSession *sa;
  const gchar *bob_id;
  const gchar *alice_id;
  g_autoptr(GListModel) attempts = NULL;
  DialResult offline = { 0, };
  DialResult reached = { 0, };
  Uploads uploads = { 0, };
  gulong handler;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  connector = burrow_client_get_connector (f->a);
  g_assert_true (BURROW_IS_PEER_DIALER (connector));
  dialer = BURROW_PEER_DIALER (connector);
  g_object_get (connector, "attempts", &attempts, NULL);
  g_assert_true (attempts == burrow_nat_connector_get_attempts (connector));

  sa = join (f, f->a);
  join (f, f->b);
  bob_id = burrow_user_get_id (wait_user (sa, "bob"));
  alice_id = burrow_identity_get_cid (burrow_client_get_identity (f->a));
  g_assert_nonnull (bob_id);

  g_assert_true (burrow_peer_dialer_lookup (dialer, bob_id, NULL) == wait_user (sa, "bob"));
  g_assert_true (burrow_peer_dialer_lookup (dialer, bob_id, burrow_test_hub_get_uri (f->hub)) ==
                 wait_user (sa, "bob"));
  g_assert_null (burrow_peer_dialer_lookup (dialer, "NOBODYNOBODYNOBODYNOBODYNOBODYNOBODYNOB", NULL));

  /* a user on none of our hubs */
  burrow_peer_dialer_connect_async (dialer, "NOBODYNOBODYNOBODYNOBODYNOBODYNOBODYNOB", NULL, NULL,
                                    on_dialed, &offline);
  g_assert_true (burrow_test_wait_for_flag (&offline.done, DEADLINE_MS));
  g_assert_null (offline.peer);
  g_assert_null (offline.attempt);
  g_assert_error (offline.error, BURROW_NAT_ERROR, BURROW_NAT_ERROR_OFFLINE);
  g_clear_error (&offline.error);

  /* bob by his id: the same path as burrow_nat_connector_connect_async(); bob's side hears
   * of the connection through its own dialer's upload-connection */
  handler = g_signal_connect (burrow_client_get_connector (f->b), "upload-connection",
                              G_CALLBACK (on_upload_connection), &uploads);
  burrow_peer_dialer_connect_async (dialer, bob_id, NULL, NULL, on_dialed, &reached);
  g_assert_true (burrow_test_wait_for_flag (&reached.done, DEADLINE_MS));
  g_assert_no_error (reached.error);
  g_assert_true (BURROW_IS_PEER_CONNECTION (reached.peer));
  g_assert_cmpstr (burrow_peer_connection_get_peer_cid (reached.peer), ==, bob_id);
  g_assert_true (BURROW_IS_PUNCH_ATTEMPT (reached.attempt));
  g_assert_cmpint (burrow_punch_attempt_get_result (reached.attempt), ==, BURROW_PUNCH_RESULT_CONNECTED);
  g_assert_cmpuint (g_list_model_get_n_items (attempts), ==, 1);
  g_assert_true (burrow_test_wait_for_flag (&uploads.seen, DEADLINE_MS));
  g_assert_cmpuint (uploads.n, ==, 1);
  g_assert_cmpstr (uploads.cid, ==, alice_id);

  g_signal_handler_disconnect (burrow_client_get_connector (f->b), handler);
  burrow_peer_connection_close (reached.peer);
  g_clear_object (&reached.peer);
  g_clear_object (&reached.attempt);
  g_free (uploads.cid);
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

  g_test_add ("/burrow/nat/inbound/stalled-stages-closed", Fixture, NULL, set_up_fake,
              test_inbound_stalled, tear_down);
  g_test_add ("/burrow/nat/inbound/unidentified-caps", Fixture, NULL, set_up_fake, test_inbound_caps,
              tear_down);
  g_test_add ("/burrow/nat/inbound/listen-backlog", Fixture, NULL, set_up_fake, test_listen_backlog,
              tear_down);
  g_test_add ("/burrow/nat/inbound/plain-refused-when-tls-asked", Fixture, NULL, set_up_fake,
              test_inbound_plain_refused, tear_down);
  g_test_add ("/burrow/nat/inbound/wrong-key-refused", Fixture, NULL, set_up_fake,
              test_inbound_wrong_key, tear_down);
  g_test_add ("/burrow/nat/nat-answer-cannot-downgrade", Fixture, NULL, set_up_fake,
              test_nat_no_downgrade, tear_down);
  g_test_add ("/burrow/nat/ip4-host-name-not-resolved", Fixture, NULL, set_up_fake,
              test_ip4_host_name, tear_down);
  g_test_add ("/burrow/nat/accept-certificate-after-attempt-ended", Fixture, NULL, set_up_fake,
              test_accept_certificate_after_end, tear_down);
  g_test_add ("/burrow/nat/callback-removes-session", Fixture, NULL, set_up_fake,
              test_callback_removes_session, tear_down);
  g_test_add ("/burrow/nat/ip4-host-name-nat-answer", Fixture, NULL, set_up_fake,
              test_ip4_host_name_nat, tear_down);
  g_test_add ("/burrow/peer/nat-connector/dialer", Fixture, NULL, set_up, test_dialer, tear_down);

  return g_test_run ();
}
