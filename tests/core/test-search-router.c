/* test-search-router.c — searches, results and answers through the hub layer, without a hub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An in-memory hub session (a BurrowHubSession subclass defined here) stands
 * in for a real hub: it records what the core sends and emits what a hub
 * would relay. No uhub, no BurrowClient.
 */

#include <string.h>

#include <glib/gstdio.h>

#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-hub-list.h"
#include "burrow-hub-session-private.h"
#include "burrow-search.h"
#include "burrow-search-responder.h"
#include "burrow-test-util.h"

/* ---- an in-memory hub ----------------------------------------------------------------------- */

#define TEST_TYPE_HUB (test_hub_get_type ())
G_DECLARE_FINAL_TYPE (TestHub, test_hub, TEST, HUB, BurrowHubSession)

struct _TestHub
{
  BurrowHubSession   parent_instance;
  GPtrArray         *searches;   /* BurrowSearchQuery sent */
  GPtrArray         *replies;    /* BurrowSearchReply sent through the hub */
};

G_DEFINE_FINAL_TYPE (TestHub, test_hub, BURROW_TYPE_HUB_SESSION)

static void test_hub_start (BurrowHubSession *session) { }
static void test_hub_stop (BurrowHubSession *session, gboolean clean) { }

static gboolean
test_hub_send_search (BurrowHubSession         *session,
                      const BurrowSearchQuery  *query,
                      GError                  **error)
{
  g_ptr_array_add (TEST_HUB (session)->searches, burrow_search_query_copy (query));
  return TRUE;
}

static gboolean
test_hub_send_search_reply (BurrowHubSession         *session,
                            BurrowUser               *to,
                            const BurrowSearchReply  *reply,
                            GError                  **error)
{
  g_ptr_array_add (TEST_HUB (session)->replies, burrow_search_reply_copy (reply));
  return TRUE;
}

/* Our stand-in protocol's datagram: "RES <path>". */
static GBytes *
test_hub_format_udp_search_reply (BurrowHubSession        *session,
                                  const BurrowSearchReply *reply)
{
  g_autofree gchar *line = g_strdup_printf ("RES %s\n", reply->path);

  return g_bytes_new (line, strlen (line));
}

static void
test_hub_finalize (GObject *object)
{
  TestHub *self = TEST_HUB (object);

  g_ptr_array_unref (self->searches);
  g_ptr_array_unref (self->replies);
  G_OBJECT_CLASS (test_hub_parent_class)->finalize (object);
}

static void
test_hub_class_init (TestHubClass *klass)
{
  BurrowHubSessionClass *session_class = BURROW_HUB_SESSION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_hub_finalize;
  session_class->start = test_hub_start;
  session_class->stop = test_hub_stop;
  session_class->send_search = test_hub_send_search;
  session_class->send_search_reply = test_hub_send_search_reply;
  session_class->format_udp_search_reply = test_hub_format_udp_search_reply;
}

static void
test_hub_init (TestHub *self)
{
  self->searches = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_search_query_free);
  self->replies = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_search_reply_free);
}

static TestHub *
test_hub_new (const gchar *uri,
              gboolean     logged_in)
{
  TestHub *hub = g_object_new (TEST_TYPE_HUB, "uri", uri, NULL);

  if (logged_in)
    _burrow_hub_session_set_state (BURROW_HUB_SESSION (hub), BURROW_HUB_STATE_NORMAL);
  return hub;
}

/* A user as an ADC INF describes it. */
static BurrowUser *
test_hub_add_user (TestHub     *hub,
                   guint32      sid,
                   const gchar *inf_fields)
{
  g_autofree gchar *line = NULL;
  g_autoptr(BurrowAdcMessage) inf = NULL;
  g_autoptr(GError) error = NULL;
  gchar sid_text[5];
  BurrowUser *user;

  burrow_adc_sid_to_string (sid, sid_text);
  line = g_strdup_printf ("BINF %s %s", sid_text, inf_fields);
  inf = burrow_adc_message_parse (line, -1, &error);
  g_assert_no_error (error);
  user = _burrow_hub_session_add_user (BURROW_HUB_SESSION (hub), sid, FALSE);
  g_assert_nonnull (user);
  g_assert_true (burrow_user_apply_inf (user, inf, FALSE));
  _burrow_hub_session_flush_joins (BURROW_HUB_SESSION (hub));
  return user;
}

static BurrowSearchReply *
reply_new (const gchar *path,
           guint64      size,
           const gchar *tth,
           const gchar *token)
{
  BurrowSearchReply *reply = burrow_search_reply_new ();

  reply->path = g_strdup (path);
  reply->size = size;
  reply->free_slots = 2;
  reply->token = g_strdup (token);
  if (tth != NULL)
    reply->has_tth = burrow_base32_decode (tth, -1, reply->tth, sizeof reply->tth, NULL);
  return reply;
}

#define CID_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define CID_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA"
#define TTH_1 "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ"
#define TTH_2 "UDRJ6EGCH3CGWIIU2V6CH7VLFN4N2PCZKSPTBQA"

/* A logged-in in-memory hub with one user, alice, in a hub list with its search router. */
typedef struct
{
  BurrowHubList      *hubs;
  TestHub            *hub;
  BurrowSearchRouter *router;
  BurrowUser         *alice;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->hubs = burrow_hub_list_new (NULL, NULL);
  f->hub = test_hub_new ("adc://hub.example:1511", TRUE);
  f->router = burrow_search_router_new (f->hubs);
  burrow_hub_list_add_session (f->hubs, BURROW_HUB_SESSION (f->hub));
  f->alice = test_hub_add_user (f->hub, 2, data != NULL ? data : "ID" CID_A " NIalice");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->router);
  g_clear_object (&f->hubs);
  g_clear_object (&f->hub);
}

/* ---- cases ---------------------------------------------------------------------------------- */

/* A search goes to the logged-in hubs only, as the user typed it, and fails
 * with NOT_CONNECTED when no hub is logged in. */
static void
test_send (void)
{
  g_autoptr(BurrowHubList) hubs = burrow_hub_list_new (NULL, NULL);
  g_autoptr(TestHub) up = test_hub_new ("adc://up.example:1511", TRUE);
  g_autoptr(TestHub) down = test_hub_new ("adc://down.example:1511", FALSE);
  g_autoptr(BurrowSearchRouter) router = burrow_search_router_new (hubs);
  g_autoptr(BurrowSearch) early = NULL;
  g_autoptr(BurrowSearch) search = NULL;
  g_autoptr(GError) error = NULL;
  BurrowSearchFilter filter = { BURROW_SEARCH_TYPE_FILE, 1000, 0 };
  BurrowSearchQuery *sent;

  burrow_hub_list_add_session (hubs, BURROW_HUB_SESSION (down));
  early = burrow_search_new (router, "linux", NULL);
  g_assert_false (burrow_search_start (early, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  burrow_hub_list_add_session (hubs, BURROW_HUB_SESSION (up));
  search = burrow_search_new (router, "Debian  -testing iso", &filter);
  g_assert_true (burrow_search_start (search, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_search_get_n_hubs (search), ==, 1);
  g_assert_cmpuint (up->searches->len, ==, 1);
  g_assert_cmpuint (down->searches->len, ==, 0);

  sent = g_ptr_array_index (up->searches, 0);
  g_assert_cmpuint (sent->include->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (sent->include, 0), ==, "Debian");
  g_assert_cmpstr (g_ptr_array_index (sent->include, 1), ==, "iso");
  g_assert_cmpuint (sent->exclude->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sent->exclude, 0), ==, "testing");
  g_assert_cmpint (sent->type, ==, BURROW_SEARCH_TYPE_FILE);
  g_assert_cmpuint (sent->min_size, ==, 1000);
  g_assert_cmpstr (sent->token, ==, burrow_search_get_token (search));

  /* nothing but exclusions is nothing to search for */
  g_clear_object (&search);
  search = burrow_search_new (router, "-foo", NULL);
  g_assert_false (burrow_search_start (search, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MISSING_PARAM);
}

/* Results a hub relays reach the search with their token, once per user and
 * path; others' results and results after stop() do not. */
static void
test_relayed_results (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BurrowSearch) search = NULL;
  g_autoptr(BurrowSearchReply) mine = NULL;
  g_autoptr(BurrowSearchReply) other = NULL;
  g_autoptr(BurrowSearchReply) dir = NULL;
  g_autoptr(BurrowSearchResult) result = NULL;
  GListModel *results;

  search = burrow_search_new (f->router, "linux", NULL);
  g_assert_true (burrow_search_start (search, NULL));
  results = burrow_search_get_results (search);

  mine = reply_new ("/iso/linux.iso", 4096, TTH_1, burrow_search_get_token (search));
  other = reply_new ("/iso/other.iso", 1, NULL, "NOTOURS");
  dir = reply_new ("/iso/", 4096, NULL, burrow_search_get_token (search));
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, mine);
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, mine);
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, other);
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, dir);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 2);

  result = g_list_model_get_item (results, 0);
  g_assert_cmpstr (burrow_search_result_get_nick (result), ==, "alice");
  g_assert_cmpstr (burrow_search_result_get_cid (result), ==, CID_A);
  g_assert_cmpstr (burrow_search_result_get_hub (result), ==, "adc://hub.example:1511");
  g_assert_cmpstr (burrow_search_result_get_tth (result), ==, TTH_1);
  g_assert_cmpuint (burrow_search_result_get_size (result), ==, 4096);
  g_clear_object (&result);
  result = g_list_model_get_item (results, 1);
  g_assert_true (burrow_search_result_get_is_directory (result));

  burrow_search_stop (search);
  g_free (mine->path);
  mine->path = g_strdup ("/iso/late.iso");
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, mine);
  g_assert_cmpuint (g_list_model_get_n_items (results), ==, 2);
}

/* A TTH search keeps only results with that TTH. */
static void
test_tth_results (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(BurrowSearch) search = NULL;
  g_autoptr(BurrowSearchReply) right = NULL;
  g_autoptr(BurrowSearchReply) wrong = NULL;
  BurrowSearchQuery *sent;

  search = burrow_search_new (f->router, "  " TTH_1 " ", NULL);
  g_assert_true (burrow_search_is_tth (search));
  g_assert_true (burrow_search_start (search, NULL));
  sent = g_ptr_array_index (f->hub->searches, 0);
  g_assert_true (sent->has_tth);
  g_assert_cmpuint (sent->include->len, ==, 0);

  right = reply_new ("/a.bin", 10, TTH_1, burrow_search_get_token (search));
  wrong = reply_new ("/b.bin", 10, TTH_2, burrow_search_get_token (search));
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, wrong);
  _burrow_hub_session_emit_search_result (BURROW_HUB_SESSION (f->hub), f->alice, right);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_search_get_results (search)), ==, 1);
}

typedef struct
{
  GSocket        *socket;
  GSocketAddress *address;
} Udp;

static void
udp_open (Udp *udp)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;

  udp->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                              &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (udp->socket, any, FALSE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (udp->socket, FALSE);
  udp->address = g_socket_get_local_address (udp->socket, &error);
  g_assert_no_error (error);
}

static void
udp_close (Udp *udp)
{
  g_clear_object (&udp->socket);
  g_clear_object (&udp->address);
}

static void
udp_send (Udp          *from,
          Udp          *to,
          const gchar  *line)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send_to (from->socket, to->address, line, strlen (line), NULL, &error),
                   ==, (gssize) strlen (line));
  g_assert_no_error (error);
}

typedef struct
{
  BurrowSearch       *search;
  BurrowSearchRouter *router;
  guint               n;
  guint64             forged;
} Expect;

static gboolean
got_results_or_forged (gpointer data)
{
  Expect *e = data;

  return g_list_model_get_n_items (burrow_search_get_results (e->search)) >= e->n
         && burrow_search_router_get_n_forged (e->router, NULL) >= e->forged;
}

/* A UDP result is taken from the address the hub gives for the CID it names,
 * and counted as forged from anywhere else. */
static void
test_udp_results (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(BurrowSearch) search = NULL;
  g_autofree gchar *good = NULL;
  g_autofree gchar *forged = NULL;
  g_autofree gchar *unknown = NULL;
  Udp ours = { 0 }, theirs = { 0 };
  Expect e;

  udp_open (&ours);
  udp_open (&theirs);
  burrow_search_router_set_udp_socket (f->router, ours.socket);
  g_assert_true (burrow_search_router_get_active (f->router));
  test_hub_add_user (f->hub, 3, "ID" CID_B " NIbob I4192.0.2.7 U41234 SUADC0,UDP4");
  search = burrow_search_new (f->router, "linux", NULL);
  g_assert_true (burrow_search_start (search, NULL));

  good = g_strdup_printf ("URES " CID_A " FN/linux.iso SI4096 SL1 TO%s\n",
                          burrow_search_get_token (search));
  forged = g_strdup_printf ("URES " CID_B " FN/evil.iso SI1 SL1 TO%s\n",
                            burrow_search_get_token (search));
  unknown = g_strdup_printf ("URES CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA FN/x SI1 TO%s\n",
                             burrow_search_get_token (search));
  udp_send (&theirs, &ours, forged);
  udp_send (&theirs, &ours, unknown);
  udp_send (&theirs, &ours, "not an ADC line at all\n");
  udp_send (&theirs, &ours, good);

  e = (Expect) { search, f->router, 1, 1 };
  g_assert_true (burrow_test_wait_until (got_results_or_forged, &e, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (burrow_search_get_results (search)), ==, 1);
  g_assert_cmpuint (burrow_search_get_n_forged (search), ==, 1);

  g_clear_object (&search);
  burrow_search_router_set_udp_socket (f->router, NULL);
  g_assert_false (burrow_search_router_get_active (f->router));
  udp_close (&ours);
  udp_close (&theirs);
}

/* An ADC search reads back folded, with its type and token, and no UDP
 * address of its own (only the session sets one, from the hub's INF). */
static void
test_search_request (void)
{
  g_autoptr(BurrowHubList) hubs = burrow_hub_list_new (NULL, NULL);
  g_autoptr(BurrowAdcMessage) sch = NULL;
  BurrowSearchQuery *q;

  sch = burrow_adc_message_parse ("BSCH AAAB ANLinux ANIso TOtok TY1", -1, NULL);
  q = burrow_search_query_new_from_adc (sch, NULL);
  g_assert_nonnull (q);
  g_assert_cmpstr (g_ptr_array_index (q->include, 0), ==, "linux");
  g_assert_cmpint (q->type, ==, BURROW_SEARCH_TYPE_FILE);
  g_assert_cmpstr (q->token, ==, "tok");
  g_assert_null (q->udp_host);
  burrow_search_query_free (q);
}

typedef struct
{
  gchar          *dir;
  BurrowDatabase *database;
  BurrowShare    *share;
} ShareFixture;

/* A real share of two files in a temporary folder, without a client. */
static void
share_fixture_init (ShareFixture *f)
{
  g_autofree gchar *root = NULL;
  g_autofree gchar *db_path = NULL;
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("burrow-responder-XXXXXX", &error);
  g_assert_no_error (error);
  root = g_build_filename (f->dir, "music", NULL);
  g_assert_cmpint (g_mkdir (root, 0755), ==, 0);
  a = burrow_test_write_file (root, "linux talk.ogg", 70000, 1);
  b = burrow_test_write_file (root, "other.txt", 100, 2);
  db_path = g_build_filename (f->dir, "burrow.db", NULL);
  f->database = burrow_database_open (db_path, &error);
  g_assert_no_error (error);
  f->share = burrow_share_new (f->database, f->dir, CID_B, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_share_add_root (f->share, root, "Music", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (f->share, 2, 30000));
}

static void
share_fixture_clear (ShareFixture *f)
{
  g_clear_object (&f->share);
  g_clear_object (&f->database);
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

typedef struct
{
  GSocket *socket;
  GString *received;
} Listener;

static gboolean
got_datagram (gpointer data)
{
  Listener *l = data;
  gchar buf[2048];
  gssize n;

  while ((n = g_socket_receive (l->socket, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (l->received, buf, n);
  return l->received->len > 0;
}

/* The responder answers a passive searcher through its hub and an active one by UDP to the
 * address the hub vouched for, from the share's index; what does not match gets nothing. */
static void
test_responder (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BurrowSearchResponder) responder = NULL;
  g_autoptr(BurrowSearchQuery) query = burrow_search_query_new ();
  g_autoptr(BurrowSearchQuery) nothing = burrow_search_query_new ();
  g_autoptr(GString) received = g_string_new (NULL);
  ShareFixture sf = { 0 };
  Udp searcher = { 0 };
  BurrowSearchReply *reply;
  Listener l;

  share_fixture_init (&sf);
  responder = burrow_search_responder_new (f->router, sf.share);
  burrow_search_query_add_include (query, "Linux");
  query->token = g_strdup ("tok1");
  burrow_search_query_add_include (nothing, "absent");

  /* passive: through the f->hub, with the file's TTH and our token */
  _burrow_hub_session_emit_search_request (BURROW_HUB_SESSION (f->hub), f->alice, nothing);
  g_assert_cmpuint (f->hub->replies->len, ==, 0);
  _burrow_hub_session_emit_search_request (BURROW_HUB_SESSION (f->hub), f->alice, query);
  g_assert_cmpuint (f->hub->replies->len, ==, 1);
  reply = g_ptr_array_index (f->hub->replies, 0);
  g_assert_cmpstr (reply->path, ==, "/Music/linux talk.ogg");
  g_assert_cmpuint (reply->size, ==, 70000);
  g_assert_true (reply->has_tth);
  g_assert_cmpstr (reply->token, ==, "tok1");
  g_assert_cmpuint (burrow_search_responder_get_n_results (responder), ==, 1);

  /* active: a datagram to the address in the query, none through the f->hub */
  udp_open (&searcher);
  query->udp_host = g_strdup ("127.0.0.1");
  query->udp_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (searcher.address));
  _burrow_hub_session_emit_search_request (BURROW_HUB_SESSION (f->hub), f->alice, query);
  l = (Listener) { searcher.socket, received };
  g_assert_true (burrow_test_wait_until (got_datagram, &l, 10000));
  g_assert_cmpstr (received->str, ==, "RES /Music/linux talk.ogg\n");
  g_assert_cmpuint (f->hub->replies->len, ==, 1);

  udp_close (&searcher);
  g_clear_object (&responder);
  share_fixture_clear (&sf);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/search/router/send", test_send);
  g_test_add ("/burrow/search/router/relayed-results", Fixture, NULL,
              fixture_set_up, test_relayed_results, fixture_tear_down);
  g_test_add ("/burrow/search/router/tth-results", Fixture, NULL,
              fixture_set_up, test_tth_results, fixture_tear_down);
  g_test_add ("/burrow/search/router/udp-results", Fixture,
              "ID" CID_A " NIalice I4127.0.0.1 U41234 SUADC0,UDP4",
              fixture_set_up, test_udp_results, fixture_tear_down);
  g_test_add_func ("/burrow/protocol/search-query/from-adc", test_search_request);
  g_test_add ("/burrow/search/responder/answers", Fixture, NULL,
              fixture_set_up, test_responder, fixture_tear_down);
  return g_test_run ();
}
