/* test-search.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-search"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

/* ---- the index, without a network --------------------------------------------------------- */

static void
fake_tth (guint8 tth[24],
          guint  seed)
{
  for (guint i = 0; i < 24; i++)
    tth[i] = (guint8) (seed * 31 + i * 7 + 1);
}

static BurrowFileTree *
build_tree (void)
{
  BurrowFileTree *tree = burrow_file_tree_new ();
  BurrowFileNode *root = burrow_file_tree_get_root (tree);
  BurrowFileNode *share = burrow_file_tree_add_directory (tree, root, "Share");
  BurrowFileNode *music = burrow_file_tree_add_directory (tree, share, "Music");
  BurrowFileNode *songs = burrow_file_tree_add_directory (tree, music, "Linux Songs");
  BurrowFileNode *docs = burrow_file_tree_add_directory (tree, share, "Docs");
  guint8 tth[24];

  fake_tth (tth, 1);
  burrow_file_tree_add_file (tree, share, "Ubuntu.Linux.iso", 700000, 0, tth);
  fake_tth (tth, 2);
  burrow_file_tree_add_file (tree, share, "holiday photo.jpg", 2000, 0, tth);
  fake_tth (tth, 3);
  burrow_file_tree_add_file (tree, music, "track01.flac", 30000, 0, tth);
  fake_tth (tth, 4);
  burrow_file_tree_add_file (tree, songs, "song.mp3", 5000, 0, tth);
  fake_tth (tth, 5);
  burrow_file_tree_add_file (tree, docs, "ÄRGER.txt", 10, 0, tth);
  fake_tth (tth, 6);
  burrow_file_tree_add_file (tree, docs, "readme", 1, 0, tth);
  burrow_file_tree_finish (tree);
  return tree;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* Runs @line (an SCH) against @index; returns the sorted paths, one per line. */
static gchar *
run (BurrowSearchIndex *index,
     const gchar       *line,
     guint              max)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) msg = burrow_adc_message_parse (line, -1, &error);
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  query = burrow_search_query_new_from_adc (msg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_search_index_search (index, query, max, nodes), ==, nodes->len);
  for (guint i = 0; i < nodes->len; i++)
    g_ptr_array_add (paths, burrow_file_node_dup_path (g_ptr_array_index (nodes, i)));
  g_ptr_array_sort (paths, compare_strings);
  for (guint i = 0; i < paths->len; i++)
    g_string_append_printf (out, "%s\n", (gchar *) g_ptr_array_index (paths, i));
  return g_string_free (out, FALSE);
}

#define CHECK(line, max, expected) \
  G_STMT_START { \
    g_autofree gchar *got_ = run (index, line, max); \
    g_test_message ("%s", line); \
    g_assert_cmpstr (got_, ==, expected); \
  } G_STMT_END

static void
test_index (void)
{
  g_autoptr(BurrowFileTree) tree = build_tree ();
  g_autoptr(BurrowSearchIndex) index = burrow_search_index_new (tree);
  g_autofree gchar *tth3 = NULL;
  g_autofree gchar *line = NULL;
  guint8 tth[24];

  g_assert_cmpuint (burrow_search_index_get_n_tokens (index), >, 10);

  /* AN: substring of the whole path, case-insensitive; a matching directory
   * comes with its content, before it (pre-order) */
  CHECK ("BSCH AAAB ANlinux", 10,
         "/Share/Music/Linux Songs/\n/Share/Music/Linux Songs/song.mp3\n/Share/Ubuntu.Linux.iso\n");
  CHECK ("BSCH AAAB ANLINUX TY1", 10,
         "/Share/Music/Linux Songs/song.mp3\n/Share/Ubuntu.Linux.iso\n");
  CHECK ("BSCH AAAB ANlinux TY2", 10, "/Share/Music/Linux Songs/\n");
  CHECK ("BSCH AAAB ANlinux NOsongs", 10, "/Share/Ubuntu.Linux.iso\n");
  CHECK ("BSCH AAAB ANlinux ANmusic", 10,
         "/Share/Music/Linux Songs/\n/Share/Music/Linux Songs/song.mp3\n");
  CHECK ("BSCH AAAB ANmusic TY2", 10, "/Share/Music/\n/Share/Music/Linux Songs/\n");
  /* substrings inside and across tokens */
  CHECK ("BSCH AAAB ANbuntu.lin", 10, "/Share/Ubuntu.Linux.iso\n");
  CHECK ("BSCH AAAB ANday\\sph", 10, "/Share/holiday photo.jpg\n");
  CHECK ("BSCH AAAB ANnux\\ss", 10,
         "/Share/Music/Linux Songs/\n/Share/Music/Linux Songs/song.mp3\n");
  /* Unicode case folding */
  CHECK ("BSCH AAAB ANärger", 10, "/Share/Docs/ÄRGER.txt\n");
  CHECK ("BSCH AAAB ANÄRGER", 10, "/Share/Docs/ÄRGER.txt\n");
  /* extensions and groups (files only) */
  CHECK ("BSCH AAAB EXjpg", 10, "/Share/holiday photo.jpg\n");
  CHECK ("BSCH AAAB EX.JPG ANphoto", 10, "/Share/holiday photo.jpg\n");
  CHECK ("BSCH AAAB EXjpg EXtxt", 10, "/Share/Docs/ÄRGER.txt\n/Share/holiday photo.jpg\n");
  CHECK ("BSCH AAAB ANshare GR1", 10,
         "/Share/Music/Linux Songs/song.mp3\n/Share/Music/track01.flac\n");
  CHECK ("BSCH AAAB ANshare GR1 RXmp3", 10, "/Share/Music/track01.flac\n");
  CHECK ("BSCH AAAB GR16", 10, "/Share/holiday photo.jpg\n");
  /* sizes (files only) */
  CHECK ("BSCH AAAB ANshare GE20000", 10, "/Share/Music/track01.flac\n/Share/Ubuntu.Linux.iso\n");
  CHECK ("BSCH AAAB ANshare LE10", 10, "/Share/Docs/readme\n/Share/Docs/ÄRGER.txt\n");
  CHECK ("BSCH AAAB ANshare GE2000 LE5000", 10,
         "/Share/Music/Linux Songs/song.mp3\n/Share/holiday photo.jpg\n");
  CHECK ("BSCH AAAB ANshare EQ5000", 10, "/Share/Music/Linux Songs/song.mp3\n");
  /* only punctuation: everything is looked at */
  CHECK ("BSCH AAAB AN.", 10,
         "/Share/Docs/ÄRGER.txt\n/Share/Music/Linux Songs/song.mp3\n/Share/Music/track01.flac\n"
         "/Share/Ubuntu.Linux.iso\n/Share/holiday photo.jpg\n");
  /* the limit */
  {
    g_autofree gchar *got = run (index, "BSCH AAAB ANshare", 3);
    guint lines = 0;

    for (const gchar *p = got; *p != '\0'; p++)
      lines += *p == '\n';
    g_assert_cmpuint (lines, ==, 3);
  }
  /* nothing to look for, nothing matches */
  CHECK ("BSCH AAAB GE1", 10, "");
  CHECK ("BSCH AAAB ANzzz", 10, "");
  CHECK ("BSCH AAAB ANshare TY2 EXjpg", 10, "");

  /* TR: exactly that file, other terms ignored */
  fake_tth (tth, 3);
  tth3 = burrow_base32_encode (tth, 24);
  line = g_strdup_printf ("BSCH AAAB TR%s ANnothing TOx", tth3);
  CHECK (line, 10, "/Share/Music/track01.flac\n");
  g_free (line);
  line = g_strdup_printf ("BSCH AAAB TR%s TY2", tth3);
  CHECK (line, 10, "");
  CHECK ("BSCH AAAB TRAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 10, "");
  g_assert_nonnull (burrow_search_index_lookup_tth (index, tth));
}

static void
test_query_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowAdcMessage) msg = NULL;
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autoptr(GString) many = g_string_new ("BSCH AAAB");
  static const gchar *bad[] = {
    "BSCH AAAB ANx GEabc", "BSCH AAAB ANx LE-1", "BSCH AAAB ANx EQ1.5", "BSCH AAAB TRshort",
    "BSCH AAAB TR1111111111111111111111111111111111111111", "BSCH AAAB ANx GRlots",
  };

  msg = burrow_adc_message_parse ("DSCH AAAB AAAC ANFoo ANbar NObaz EX.MP3 GE10 LE20 TY1 GR3 "
                                  "RXwav TOtok\\s1", -1, &error);
  g_assert_no_error (error);
  query = burrow_search_query_new_from_adc (msg, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (query->include->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (query->include, 0), ==, "foo");
  g_assert_cmpstr (g_ptr_array_index (query->include, 1), ==, "bar");
  g_assert_cmpstr (g_ptr_array_index (query->exclude, 0), ==, "baz");
  g_assert_cmpstr (g_ptr_array_index (query->extensions, 0), ==, "mp3");
  g_assert_cmpstr (g_ptr_array_index (query->exclude_extensions, 0), ==, "wav");
  g_assert_cmpuint (query->min_size, ==, 10);
  g_assert_cmpuint (query->max_size, ==, 20);
  g_assert_cmpint (query->type, ==, BURROW_SEARCH_TYPE_FILE);
  g_assert_cmpuint (query->groups, ==, 3);
  g_assert_false (query->has_tth);
  g_assert_cmpstr (query->token, ==, "tok 1");
  g_assert_false (burrow_search_query_is_empty (query));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(BurrowAdcMessage) m = burrow_adc_message_parse (bad[i], -1, &error);
      g_autoptr(BurrowSearchQuery) q = NULL;

      g_assert_no_error (error);
      q = burrow_search_query_new_from_adc (m, &error);
      g_test_message ("%s", bad[i]);
      g_assert_null (q);
      g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM);
      g_clear_error (&error);
    }

  for (guint i = 0; i <= BURROW_SEARCH_MAX_TERMS; i++)
    g_string_append_printf (many, " ANt%u", i);
  g_clear_pointer (&msg, burrow_adc_message_unref);
  msg = burrow_adc_message_parse (many->str, -1, &error);
  g_assert_no_error (error);
  g_assert_null (burrow_search_query_new_from_adc (msg, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD);
  g_clear_error (&error);

  g_assert_true (burrow_search_query_is_tth ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ"));
  g_assert_true (burrow_search_query_is_tth (" lwpnacqdbzryxw3vhjvcj64qbznghohhhzwclnq "));
  g_assert_false (burrow_search_query_is_tth ("LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLN"));
  g_assert_false (burrow_search_query_is_tth ("linux iso"));
}

/* ---- through a real hub -------------------------------------------------------------------- */

typedef struct
{
  BurrowTestHub *hub;
  gchar         *dir;
  BurrowClient  *alice;        /* shares */
  BurrowHubSession *alice_session;
  gchar         *tth_iso;
  gchar         *tth_flac;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  gboolean alice_active = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *root = NULL;
  g_autofree gchar *music = NULL;
  BurrowShare *share;
  BurrowFileTree *tree;

  fixture->hub = burrow_test_hub_start (NULL, &error);
  if (fixture->hub == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      return;
    }
  fixture->dir = g_dir_make_tmp ("burrow-search-XXXXXX", &error);
  g_assert_no_error (error);
  root = g_build_filename (fixture->dir, "Stuff", NULL);
  music = g_build_filename (root, "Music", NULL);
  g_assert_cmpint (g_mkdir_with_parents (music, 0755), ==, 0);
  g_free (burrow_test_write_file (root, "Ubuntu.Linux.iso", 20000, 1));
  g_free (burrow_test_write_file (root, "holiday photo.jpg", 3000, 2));
  g_free (burrow_test_write_file (music, "track01.flac", 40000, 3));
  for (guint i = 1; i <= 7; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("notes-%u.txt", i);
      g_free (burrow_test_write_file (root, name, 100, 10 + i));
    }

  fixture->alice = burrow_test_new_client (fixture->dir, "alice", alice_active);
  share = burrow_client_get_share (fixture->alice);
  g_assert_true (burrow_share_add_root (share, root, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (share, 10, 30000));
  g_assert_cmpuint (burrow_share_get_n_files (share), ==, 10);
  tree = burrow_share_get_tree (share);
  fixture->tth_iso = burrow_base32_encode (
    burrow_file_tree_lookup (tree, "/Stuff/Ubuntu.Linux.iso")->tth, 24);
  fixture->tth_flac = burrow_base32_encode (
    burrow_file_tree_lookup (tree, "/Stuff/Music/track01.flac")->tth, 24);
  fixture->alice_session = burrow_test_join_hub (fixture->alice,
                                                 burrow_test_hub_get_uri (fixture->hub));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->alice != NULL)
    {
      burrow_client_disconnect_all (fixture->alice);
      g_assert_finalize_object (fixture->alice);
    }
  if (fixture->dir != NULL)
    {
      const gchar *rm[] = { "rm", "-rf", fixture->dir, NULL };
      g_spawn_sync (NULL, (gchar **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  g_clear_pointer (&fixture->hub, burrow_test_hub_free);
  g_free (fixture->dir);
  g_free (fixture->tth_iso);
  g_free (fixture->tth_flac);
}

/* alice's SID as the raw client saw it in her BINF */
static gchar *
find_sid (BurrowTestAdcClient *client,
          const gchar         *nick)
{
  g_autofree gchar *needle = g_strdup_printf (" NI%s", nick);

  for (;;)
    {
      g_autofree gchar *line = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (burrow_test_adc_client_wait_for (client, "BINF ", 10000, &line, &error));
      if (strstr (line, needle) != NULL)
        return g_strndup (line + 5, 4);
    }
}

/* Sends @sch and reads DRES lines with @token for @window_ms after the last
 * one (10 s for the first, when @expected > 0). */
static GPtrArray *
search_raw (BurrowTestAdcClient *client,
            const gchar         *sch,
            const gchar         *token,
            guint                expected)
{
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_adc_message_unref);
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  g_assert_true (burrow_test_adc_client_send_line (client, sch, &error));
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + (expected > 0 ? 10 : 1) * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      g_autofree gchar *line = burrow_test_adc_client_read_line (client, (guint) MAX (left, 1),
                                                                 NULL);
      g_autoptr(BurrowAdcMessage) msg = NULL;

      if (line == NULL || !g_str_has_prefix (line, "DRES "))
        continue;
      msg = burrow_adc_message_parse (line, -1, &error);
      g_assert_no_error (error);
      if (g_strcmp0 (burrow_adc_message_get_named (msg, "TO"), token) != 0)
        continue;
      g_ptr_array_add (results, g_steal_pointer (&msg));
      if (results->len == expected)   /* a little longer, to catch extras */
        deadline = MIN (deadline, g_get_monotonic_time () + 500 * 1000);
    }
  return results;
}

static void
assert_result (BurrowAdcMessage *msg,
               const gchar      *fn,
               const gchar      *si,
               const gchar      *tr)
{
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "FN"), ==, fn);
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "SI"), ==, si);
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "SL"), ==, "3");
  g_assert_cmpstr (burrow_adc_message_get_named (msg, "TR"), ==, tr);
}

static void
test_passive_dres (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *alice_sid = NULL;
  g_autofree gchar *sch = NULL;
  const gchar *sid;
  BurrowSearchResponder *responder;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  responder = burrow_client_get_search_responder (fixture->alice);
  bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (fixture->hub), "bob", NULL,
                                        &error);
  g_assert_no_error (error);
  sid = burrow_test_adc_client_get_sid (bob);
  alice_sid = find_sid (bob, "alice");

#define SEARCH(expected, token, ...) \
  g_autoptr(GPtrArray) G_PASTE (r_, token) = NULL; \
  g_free (sch); \
  sch = g_strdup_printf ("BSCH %s " __VA_ARGS__); \
  G_PASTE (r_, token) = search_raw (bob, sch, G_STRINGIFY (token), expected); \
  g_assert_cmpuint (G_PASTE (r_, token)->len, ==, expected)

  {
    SEARCH (1, t1, "ANlinux TOt1", sid);
    assert_result (r_t1->pdata[0], "/Stuff/Ubuntu.Linux.iso", "20000", fixture->tth_iso);
    /* DRES <alice> <bob>: routed by the hub to us only */
    g_assert_cmpint (burrow_adc_message_get_type_char (r_t1->pdata[0]), ==, 'D');
    {
      gchar s[5];
      burrow_adc_sid_to_string (burrow_adc_message_get_sid (r_t1->pdata[0]), s);
      g_assert_cmpstr (s, ==, alice_sid);
    }
  }
  {
    SEARCH (1, t2, "TR%s TOt2", sid, fixture->tth_flac);
    assert_result (r_t2->pdata[0], "/Stuff/Music/track01.flac", "40000", fixture->tth_flac);
  }
  {
    SEARCH (1, t3, "ANmusic TY2 TOt3", sid);
    assert_result (r_t3->pdata[0], "/Stuff/Music/", "40000", NULL);
  }
  {
    SEARCH (1, t4, "EXjpg TOt4", sid);
    {
      BurrowAdcMessage *m = r_t4->pdata[0];

      g_assert_cmpstr (burrow_adc_message_get_named (m, "FN"), ==, "/Stuff/holiday photo.jpg");
      g_assert_cmpstr (burrow_adc_message_get_named (m, "SI"), ==, "3000");
      g_assert_true (burrow_base32_is_valid (burrow_adc_message_get_named (m, "TR"), -1, 24));
    }
  }
  {
    SEARCH (1, t5, "ANstuff GE10000 LE30000 TY1 TOt5", sid);
    assert_result (r_t5->pdata[0], "/Stuff/Ubuntu.Linux.iso", "20000", fixture->tth_iso);
  }
  {
    /* passive searchers get at most 5 (of 12) */
    SEARCH (5, t6, "ANstuff TOt6", sid);
  }
  {
    SEARCH (0, t7, "ANnothing\\slike\\sthis TOt7", sid);
  }
#undef SEARCH
  g_assert_cmpuint (burrow_search_responder_get_n_searches (responder), ==, 7);
  g_assert_cmpuint (burrow_search_responder_get_n_results (responder), ==, 10);
}

static gboolean
user_has_udp (gpointer data)
{
  BurrowUser *user = data;

  return burrow_user_get_udp4_port (user) != 0 && burrow_user_has_feature (user, "UDP4");
}

/* Datagrams that arrive on a UDP socket while the main context runs. */
typedef struct
{
  GSocket        *socket;
  GSource        *source;
  GPtrArray      *datagrams;   /* GBytes */
  GSocketAddress *first_from;
} UdpCollector;

static gboolean
on_udp_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      data)
{
  UdpCollector *c = data;
  gchar buf[2048];
  gssize n;

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;

      n = g_socket_receive_from (socket, &from, buf, sizeof buf, NULL, NULL);
      if (n < 0)
        break;
      if (c->first_from == NULL)
        c->first_from = g_steal_pointer (&from);
      g_ptr_array_add (c->datagrams, g_bytes_new (buf, n));
    }
  return G_SOURCE_CONTINUE;
}

static void
udp_collector_start (UdpCollector *c,
                     GSocket      *socket)
{
  g_socket_set_blocking (socket, FALSE);
  c->socket = g_object_ref (socket);
  c->datagrams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->first_from = NULL;
  c->source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (c->source, G_SOURCE_FUNC (on_udp_readable_cb), c, NULL);
  g_source_attach (c->source, NULL);
}

static void
udp_collector_clear (UdpCollector *c)
{
  g_source_destroy (c->source);
  g_clear_pointer (&c->source, g_source_unref);
  g_clear_pointer (&c->datagrams, g_ptr_array_unref);
  g_clear_object (&c->first_from);
  g_clear_object (&c->socket);
}

typedef struct
{
  UdpCollector *collector;
  guint         n;
} UdpWait;

static gboolean
udp_has_datagrams (gpointer data)
{
  UdpWait *wait = data;

  return wait->collector->datagrams->len >= wait->n;
}

/* Waits until @c got @n datagrams (at most @timeout_ms), then runs the main context for
 * @quiet_ms more to catch any extra: a late one can only make the test pass wrongly, never
 * fail wrongly. */
static void
udp_collector_wait (UdpCollector *c,
                    guint         n,
                    guint         timeout_ms,
                    guint         quiet_ms)
{
  UdpWait wait = { c, n };

  burrow_test_wait_until (udp_has_datagrams, &wait, timeout_ms);
  burrow_test_iterate_for (quiet_ms);
}

static gboolean
session_has_bob (gpointer data)
{
  return burrow_hub_session_lookup_nick (data, "bob") != NULL;
}

static void
test_active_ures (Fixture       *fixture,
                  gconstpointer  data)
{
  gboolean alice_active = GPOINTER_TO_INT (data);
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autofree gchar *inf = NULL;
  g_autofree gchar *sch = NULL;
  GInetAddress *loopback;
  BurrowUser *bob_user;
  UdpCollector collector;
  guint16 port;
  guint16 from_port = 0;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_adc_message_unref);
  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  bind_address = g_inet_socket_address_new (loopback, 0);
  g_object_unref (loopback);
  g_assert_true (g_socket_bind (udp, bind_address, FALSE, &error));
  local = g_socket_get_local_address (udp, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_socket_set_blocking (udp, FALSE);

  bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (fixture->hub), "bob", NULL,
                                        &error);
  g_assert_no_error (error);
  /* bob turns active: UDP4 with our port (the hub keeps the I4 it saw, 127.0.0.1) */
  inf = g_strdup_printf ("BINF %s SUSEGA,TCP4,UDP4 U4%u", burrow_test_adc_client_get_sid (bob),
                         port);
  g_assert_true (burrow_test_adc_client_send_line (bob, inf, &error));
  g_assert_true (burrow_test_wait_until (session_has_bob, fixture->alice_session, 10000));
  bob_user = burrow_hub_session_lookup_nick (fixture->alice_session, "bob");
  g_assert_nonnull (bob_user);
  g_assert_true (burrow_test_wait_until (user_has_udp, bob_user, 10000));
  g_assert_cmpstr (burrow_user_get_ip4 (bob_user), ==, "127.0.0.1");

  udp_collector_start (&collector, udp);
  sch = g_strdup_printf ("BSCH %s ANstuff TOu1", burrow_test_adc_client_get_sid (bob));
  g_assert_true (burrow_test_adc_client_send_line (bob, sch, &error));

  /* active searchers get up to 10 (of 12) */
  udp_collector_wait (&collector, BURROW_SEARCH_MAX_RESULTS_ACTIVE, 10000, 1500);
  for (guint i = 0; i < collector.datagrams->len; i++)
    {
      gsize len;
      const gchar *buf = g_bytes_get_data (collector.datagrams->pdata[i], &len);
      g_autofree gchar *line = NULL;

      g_assert_cmpuint (len, >, 0);
      g_assert_cmpint (buf[len - 1], ==, '\n');
      line = g_strndup (buf, len - 1);
      g_ptr_array_add (results, burrow_adc_message_parse (line, -1, &error));
      g_assert_no_error (error);
    }
  if (collector.first_from != NULL)
    from_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (collector.first_from));
  udp_collector_clear (&collector);
  g_assert_cmpuint (results->len, ==, BURROW_SEARCH_MAX_RESULTS_ACTIVE);
  for (guint i = 0; i < results->len; i++)
    {
      BurrowAdcMessage *msg = results->pdata[i];
      const gchar *fn = burrow_adc_message_get_named (msg, "FN");

      g_assert_cmpint (burrow_adc_message_get_type_char (msg), ==, 'U');
      g_assert_cmpuint (burrow_adc_message_get_command (msg), ==, BURROW_ADC_CMD_RES);
      g_assert_cmpstr (burrow_adc_message_get_cid (msg), ==,
                       burrow_identity_get_cid (burrow_client_get_identity (fixture->alice)));
      g_assert_cmpstr (burrow_adc_message_get_named (msg, "TO"), ==, "u1");
      if (g_str_equal (fn, "/Stuff/Ubuntu.Linux.iso"))
        assert_result (msg, fn, "20000", fixture->tth_iso);
      else if (g_str_equal (fn, "/Stuff/Music/"))
        assert_result (msg, fn, "40000", NULL);
      else
        g_assert_true (g_str_equal (fn, "/Stuff/") || g_str_equal (fn, "/Stuff/Music/track01.flac")
                       || g_str_equal (fn, "/Stuff/holiday photo.jpg")
                       || g_str_has_prefix (fn, "/Stuff/notes-"));
    }
  /* nothing went through the hub */
  {
    g_autofree gchar *line = NULL;
    g_assert_false (burrow_test_adc_client_wait_for (bob, "DRES ", 500, &line, NULL));
  }
  if (alice_active)
    g_assert_cmpuint (from_port, ==,
                      burrow_nat_connector_get_port (burrow_client_get_connector (fixture->alice)));
  else
    g_assert_cmpuint (from_port, !=, 0);
}

static gboolean
has_results (gpointer data)
{
  gpointer *args = data;

  GListModel *results = burrow_search_get_results (args[0]);

  return g_list_model_get_n_items (results) >= GPOINTER_TO_UINT (args[1]);
}

static BurrowSearchResult *
wait_result (BurrowSearch *search,
             guint         n)
{
  gpointer args[2] = { search, GUINT_TO_POINTER (n) };

  g_assert_true (burrow_test_wait_until (has_results, args, 20000));
  return g_list_model_get_item (burrow_search_get_results (search), 0);
}

static void
test_outgoing (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(BurrowClient) carol = NULL;
  g_autoptr(BurrowClient) dave = NULL;
  g_autoptr(BurrowSearch) s1 = NULL;
  g_autoptr(BurrowSearch) s2 = NULL;
  g_autoptr(BurrowSearch) s3 = NULL;
  g_autoptr(BurrowSearch) own = NULL;
  g_autoptr(BurrowSearchResult) r = NULL;
  g_autoptr(GError) error = NULL;
  BurrowSearchFilter dirs = { BURROW_SEARCH_TYPE_DIRECTORY, 0, 0 };
  BurrowSearchResponder *responder;
  guint64 answered;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  responder = burrow_client_get_search_responder (fixture->alice);

  /* carol is passive: results come through the hub (DRES) */
  carol = burrow_test_new_client (fixture->dir, "carol", FALSE);
  s1 = burrow_client_new_search (carol, "linux", NULL);
  g_assert_false (burrow_search_start (s1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_clear_object (&s1);
  burrow_test_join_hub (carol, burrow_test_hub_get_uri (fixture->hub));

  s1 = burrow_client_new_search (carol, "  Linux  ", NULL);
  g_assert_false (burrow_search_is_tth (s1));
  g_assert_true (burrow_search_start (s1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_search_get_n_hubs (s1), ==, 1);
  r = wait_result (s1, 1);
  g_assert_cmpstr (burrow_search_result_get_nick (r), ==, "alice");
  g_assert_cmpstr (burrow_search_result_get_path (r), ==, "/Stuff/Ubuntu.Linux.iso");
  g_assert_cmpstr (burrow_search_result_get_name (r), ==, "Ubuntu.Linux.iso");
  g_assert_cmpuint (burrow_search_result_get_size (r), ==, 20000);
  g_assert_cmpstr (burrow_search_result_get_tth (r), ==, fixture->tth_iso);
  g_assert_cmpuint (burrow_search_result_get_slots (r), ==, 3);
  g_assert_false (burrow_search_result_get_is_directory (r));
  g_assert_cmpstr (burrow_search_result_get_hub (r), ==, burrow_test_hub_get_uri (fixture->hub));
  g_assert_cmpstr (burrow_search_result_get_cid (r), ==,
                   burrow_identity_get_cid (burrow_client_get_identity (fixture->alice)));
  g_clear_object (&r);
  burrow_search_stop (s1);
  g_assert_false (burrow_search_get_running (s1));

  /* by TTH (the session paces SCH: this one waits for the flood window) */
  s2 = burrow_client_new_search (carol, fixture->tth_flac, NULL);
  g_assert_true (burrow_search_is_tth (s2));
  g_assert_true (burrow_search_start (s2, &error));
  r = wait_result (s2, 1);
  g_assert_cmpstr (burrow_search_result_get_path (r), ==, "/Stuff/Music/track01.flac");
  g_assert_cmpstr (burrow_search_result_get_tth (r), ==, fixture->tth_flac);
  g_clear_object (&r);

  /* dave is active: results come by UDP (URES) to the connector's socket */
  dave = burrow_test_new_client (fixture->dir, "dave", TRUE);
  burrow_test_join_hub (dave, burrow_test_hub_get_uri (fixture->hub));
  answered = burrow_search_responder_get_n_results (responder);
  s3 = burrow_client_new_search (dave, "music", &dirs);
  g_assert_true (burrow_search_start (s3, &error));
  r = wait_result (s3, 1);
  g_assert_cmpstr (burrow_search_result_get_path (r), ==, "/Stuff/Music/");
  g_assert_cmpstr (burrow_search_result_get_name (r), ==, "Music");
  g_assert_true (burrow_search_result_get_is_directory (r));
  g_assert_null (burrow_search_result_get_tth (r));
  g_assert_cmpuint (burrow_search_result_get_size (r), ==, 40000);
  g_assert_cmpuint (burrow_search_responder_get_n_results (responder), ==, answered + 1);
  g_clear_object (&r);

  /* alice never answers herself */
  answered = burrow_search_responder_get_n_searches (responder);
  own = burrow_client_new_search (fixture->alice, "linux", NULL);
  g_assert_true (burrow_search_start (own, &error));
  burrow_test_iterate_for (1500);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_search_get_results (own)), ==, 0);
  g_assert_cmpuint (burrow_search_responder_get_n_searches (responder), ==, answered);

  g_clear_object (&s1);
  g_clear_object (&s2);
  g_clear_object (&s3);
  g_clear_object (&own);
  burrow_client_disconnect_all (carol);
  burrow_client_disconnect_all (dave);
  g_assert_finalize_object (g_steal_pointer (&carol));
  g_assert_finalize_object (g_steal_pointer (&dave));
}



/* ---- limits on answering: searches per searcher, datagrams per address -------------------- */

/* bob, a raw client logged in to uhub; with @udp_port, active (UDP4, U4) */
static BurrowTestAdcClient *
raw_searcher (Fixture *fixture,
              guint16  udp_port)
{
  g_autoptr(GError) error = NULL;
  BurrowTestAdcClient *bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (fixture->hub),
                                                             "bob", NULL, &error);
  BurrowUser *bob_user;

  g_assert_no_error (error);
  if (udp_port != 0)
    {
      g_autofree gchar *inf = g_strdup_printf ("BINF %s SUSEGA,TCP4,UDP4 U4%u",
                                               burrow_test_adc_client_get_sid (bob), udp_port);

      g_assert_true (burrow_test_adc_client_send_line (bob, inf, &error));
    }
  g_assert_true (burrow_test_wait_until (session_has_bob, fixture->alice_session, 10000));
  bob_user = burrow_hub_session_lookup_nick (fixture->alice_session, "bob");
  g_assert_nonnull (bob_user);
  if (udp_port != 0)
    g_assert_true (burrow_test_wait_until (user_has_udp, bob_user, 10000));
  return bob;
}

static void
test_udp_budget (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) via_hub = NULL;
  g_autofree gchar *sch = NULL;
  UdpCollector collector;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  bind_address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_bind (udp, bind_address, FALSE, &error));
  local = g_socket_get_local_address (udp, &error);
  udp_collector_start (&collector, udp);
  bob = raw_searcher (fixture, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  /* two searches with 12 matches each, at once: the address gets one answer's worth of
   * datagrams; the second answer comes through the hub, as to a passive searcher */
  sch = g_strdup_printf ("BSCH %s ANstuff TOv1", burrow_test_adc_client_get_sid (bob));
  g_assert_true (burrow_test_adc_client_send_line (bob, sch, &error));
  g_free (sch);
  sch = g_strdup_printf ("BSCH %s ANstuff TOv2", burrow_test_adc_client_get_sid (bob));
  via_hub = search_raw (bob, sch, "v2", BURROW_SEARCH_MAX_RESULTS_PASSIVE);
  g_assert_cmpuint (via_hub->len, ==, BURROW_SEARCH_MAX_RESULTS_PASSIVE);

  udp_collector_wait (&collector, BURROW_SEARCH_RESPONDER_UDP_BURST, 10000, 1500);
  g_assert_cmpuint (collector.datagrams->len, ==, BURROW_SEARCH_RESPONDER_UDP_BURST);
  for (guint i = 0; i < collector.datagrams->len; i++)
    {
      gsize len;
      const gchar *buf = g_bytes_get_data (collector.datagrams->pdata[i], &len);

      g_assert_nonnull (g_strstr_len (buf, len, "TOv1"));
    }
  udp_collector_clear (&collector);
}

typedef struct
{
  BurrowSearchResponder *responder;
  guint64                total;
} SeenWait;

static gboolean
all_seen (gpointer data)
{
  SeenWait *w = data;

  return burrow_search_responder_get_n_searches (w->responder)
         + burrow_search_responder_get_n_dropped (w->responder) >= w->total;
}

static void
test_search_flood (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  const guint n = 3 * BURROW_SEARCH_RESPONDER_USER_BURST;
  SeenWait w;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  w.responder = burrow_client_get_search_responder (fixture->alice);
  w.total = n;
  bob = raw_searcher (fixture, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *sch = g_strdup_printf ("BSCH %s ANlinux TOf%u",
                                               burrow_test_adc_client_get_sid (bob), i);

      g_assert_true (burrow_test_adc_client_send_line (bob, sch, &error));
    }
  g_assert_true (burrow_test_wait_until (all_seen, &w, 20000));
  /* the burst, and what trickled in meanwhile; the rest dropped unanswered */
  g_assert_cmpuint (burrow_search_responder_get_n_searches (w.responder), >=,
                    BURROW_SEARCH_RESPONDER_USER_BURST);
  g_assert_cmpuint (burrow_search_responder_get_n_searches (w.responder), <=,
                    BURROW_SEARCH_RESPONDER_USER_BURST + 2);
  g_assert_cmpuint (burrow_search_responder_get_n_dropped (w.responder), >=,
                    n - BURROW_SEARCH_RESPONDER_USER_BURST - 2);
  g_assert_cmpuint (burrow_search_responder_get_n_results (w.responder), ==,
                    burrow_search_responder_get_n_searches (w.responder));
}

/* ---- UDP results: only from the sender's hub-known address; CID look-ups ----------------- */

static gboolean
has_results_at_all (gpointer data)
{
  return g_list_model_get_n_items (burrow_search_get_results (data)) > 0;
}

static void
send_datagram_from (const gchar *from_ip,
                    guint16      to_port,
                    const gchar *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                         G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (from_ip, 0);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new_from_string ("127.0.0.1", to_port);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (udp, local, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send_to (udp, to, text, strlen (text), NULL, &error), ==,
                   (gssize) strlen (text));
}

static void
test_forged_ures (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(BurrowClient) dave = NULL;
  g_autoptr(BurrowSearch) search = NULL;
  g_autoptr(BurrowSearchResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) dave_udp = NULL;
  g_autofree gchar *forged = NULL;
  g_autofree gchar *real = NULL;
  BurrowHubSession *session;
  guint16 port;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }

  /* dave is active and searches for something alice does not have */
  dave = burrow_test_new_client (fixture->dir, "dave", TRUE);
  session = burrow_test_join_hub (dave, burrow_test_hub_get_uri (fixture->hub));
  g_assert_true (burrow_test_wait_nick (session, "alice", 10000));
  g_assert_cmpstr (burrow_user_get_ip4 (burrow_hub_session_lookup_nick (session, "alice")), ==,
                   "127.0.0.1");
  search = burrow_client_new_search (dave, "qqzzqq", NULL);
  g_assert_true (burrow_search_start (search, &error));
  g_assert_no_error (error);
  dave_udp = g_socket_get_local_address (
    burrow_nat_connector_get_udp_socket (burrow_client_get_connector (dave)), &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (dave_udp));

  /* a result in alice's name from another address (127.0.0.2), then one from her address
   * (127.0.0.1): the datagrams queue in this order on dave's socket; only the second counts */
  forged = g_strdup_printf ("URES %s FN/Stuff/forged.bin SI100 SL3 TO%s\n",
                            burrow_identity_get_cid (burrow_client_get_identity (fixture->alice)),
                            burrow_search_get_token (search));
  real = g_strdup_printf ("URES %s FN/Stuff/real.bin SI200 SL3 TO%s\n",
                          burrow_identity_get_cid (burrow_client_get_identity (fixture->alice)),
                          burrow_search_get_token (search));
  send_datagram_from ("127.0.0.2", port, forged);
  send_datagram_from ("127.0.0.1", port, real);
  g_assert_true (burrow_test_wait_until (has_results_at_all, search, 10000));
  r = g_list_model_get_item (burrow_search_get_results (search), 0);
  g_assert_cmpstr (burrow_search_result_get_path (r), ==, "/Stuff/real.bin");
  g_assert_cmpstr (burrow_search_result_get_nick (r), ==, "alice");
  g_assert_cmpuint (g_list_model_get_n_items (burrow_search_get_results (search)), ==, 1);
  g_assert_cmpuint (burrow_search_get_n_forged (search), ==, 1);

  g_clear_object (&search);
  burrow_client_disconnect_all (dave);
}

typedef struct
{
  BurrowHubSession *session;
  const gchar      *cid;
  gboolean          present;
} CidWait;

static gboolean
cid_state (gpointer data)
{
  CidWait *w = data;

  return (burrow_hub_session_lookup_cid (w->session, w->cid) != NULL) == w->present;
}

/* Every user of a large hub is found by CID through the index, which follows CID changes and
 * departures. */
static void
test_cid_lookup (void)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  g_autoptr(BurrowClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-cid-XXXXXX", NULL);
  g_autofree gchar *uri = NULL;
  g_autofree gchar *first_cid = NULL;
  g_autofree gchar *first_nick = NULL;
  g_autofree gchar *change = NULL;
  g_autofree gchar *quit = NULL;
  const gchar *new_cid = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const guint n = 5000;
  BurrowHubSession *session;
  CidWait w;

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, n);
  uri = burrow_test_fake_hub_dup_uri (fake);
  client = burrow_test_new_client (dir, "looker", FALSE);
  session = burrow_client_add_hub (client, uri, &error);
  g_assert_no_error (error);
  error = burrow_test_connect_hub (session);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (session)), ==, n + 1);

  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *line = burrow_test_fake_hub_dup_flood_line (fake, i);
      g_autoptr(BurrowAdcMessage) inf = burrow_adc_message_parse (line, -1, &error);
      BurrowUser *user;

      g_assert_no_error (error);
      user = burrow_hub_session_lookup_cid (session, burrow_adc_message_get_named (inf, "ID"));
      g_assert_nonnull (user);
      g_assert_cmpstr (burrow_user_get_nick (user), ==, burrow_adc_message_get_named (inf, "NI"));
      if (i == 0)
        {
          first_cid = g_strdup (burrow_adc_message_get_named (inf, "ID"));
          first_nick = g_strdup (burrow_adc_message_get_named (inf, "NI"));
          change = g_strdup_printf ("BINF %.4s ID%s\n", line + 5, new_cid);
          quit = g_strdup_printf ("IQUI %.4s\n", line + 5);
        }
    }
  g_assert_null (burrow_hub_session_lookup_cid (session, new_cid));

  /* the first user takes another CID: found by the new one only */
  burrow_test_fake_hub_send_raw (fake, change, strlen (change));
  w = (CidWait) { session, new_cid, TRUE };
  g_assert_true (burrow_test_wait_until (cid_state, &w, 10000));
  g_assert_cmpstr (burrow_user_get_nick (burrow_hub_session_lookup_cid (session, new_cid)), ==,
                   first_nick);
  g_assert_null (burrow_hub_session_lookup_cid (session, first_cid));

  /* and leaves */
  burrow_test_fake_hub_send_raw (fake, quit, strlen (quit));
  w = (CidWait) { session, new_cid, FALSE };
  g_assert_true (burrow_test_wait_until (cid_state, &w, 10000));
  g_assert_null (burrow_hub_session_lookup_cid (session, first_cid));
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (session)), ==, n);

  burrow_client_disconnect_all (client);
  g_clear_object (&client);
  burrow_test_remove_tree (dir);
}

/* ---- burrow-cli hash / serve --share / search ------------------------------------------------ */

static void
test_cli (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree gchar *root = NULL;
  g_autofree gchar *server_dir = NULL;
  g_autofree gchar *searcher_dir = NULL;
  g_autoptr(GSubprocess) serve = NULL;
  g_autoptr(BurrowTestAdcClient) watcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowTestCliRun) hash = NULL;
  g_autoptr(BurrowTestCliRun) search = NULL;
  g_autoptr(BurrowTestCliRun) by_tth = NULL;

  if (fixture->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  if (g_getenv ("BURROW_CLI") == NULL)
    {
      g_test_skip ("BURROW_CLI is not set (run through meson test)");
      return;
    }
  root = g_build_filename (fixture->dir, "Stuff", NULL);
  server_dir = g_build_filename (fixture->dir, "cli-server", NULL);
  searcher_dir = g_build_filename (fixture->dir, "cli-searcher", NULL);

  /* hash: everything is new */
  {
    const gchar * const args[] = { "--data-dir", server_dir, "--json", "hash", "--share", root,
                                   NULL };
    hash = burrow_test_run_cli (args, 60000);
  }
  g_test_message ("hash: %s", hash->out);
  g_assert_cmpint (hash->status, ==, 0);
  g_assert_nonnull (strstr (hash->out, "\"event\":\"hash-done\",\"files-hashed\":10,"));
  g_assert_nonnull (strstr (hash->out, "\"shared-files\":10,"));

  /* serve --share: the same data dir, nothing to hash, then online */
  {
    const gchar * const args[] = { "--data-dir", server_dir, "--nick", "cli-alice", "--share", root,
                                   "serve", burrow_test_hub_get_uri (fixture->hub), NULL };
    serve = burrow_test_spawn_cli (args);
  }
  watcher = burrow_test_adc_client_connect (burrow_test_hub_get_port (fixture->hub), "watcher",
                                            NULL, &error);
  g_assert_no_error (error);
  g_free (find_sid (watcher, "cli-alice"));

  {
    const gchar * const args[] = { "--data-dir", searcher_dir, "--nick", "carol", "--json",
                                   "--wait", "3", "search", burrow_test_hub_get_uri (fixture->hub),
                                   "ubuntu linux", NULL };
    search = burrow_test_run_cli (args, 60000);
  }
  g_test_message ("search: %s", search->out);
  g_assert_cmpint (search->status, ==, 0);
  g_assert_nonnull (strstr (search->out, "\"event\":\"search-result\""));
  g_assert_nonnull (strstr (search->out, "\"nick\":\"cli-alice\""));
  g_assert_nonnull (strstr (search->out, "\"path\":\"/Stuff/Ubuntu.Linux.iso\",\"size\":20000"));
  g_assert_nonnull (strstr (search->out, fixture->tth_iso));

  {
    const gchar * const args[] = { "--data-dir", searcher_dir, "--nick", "carol", "--wait", "3",
                                   "search", burrow_test_hub_get_uri (fixture->hub),
                                   fixture->tth_flac, NULL };
    by_tth = burrow_test_run_cli (args, 60000);
  }
  g_test_message ("search by TTH: %s", by_tth->out);
  g_assert_cmpint (by_tth->status, ==, 0);
  g_assert_nonnull (strstr (by_tth->out, "cli-alice"));
  g_assert_nonnull (strstr (by_tth->out, "/Stuff/Music/track01.flac  40000  "));
  g_assert_null (strstr (by_tth->out, "Ubuntu"));

  g_subprocess_send_signal (serve, SIGTERM);
  g_assert_true (g_subprocess_wait (serve, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (serve), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/search/uhub/index", test_index);
  g_test_add_func ("/burrow/search/uhub/query-parse", test_query_parse);
  g_test_add_func ("/burrow/search/uhub/cid-lookup", test_cid_lookup);
  g_test_add ("/burrow/search/uhub/hub/udp-budget", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_udp_budget, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/search-flood", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_search_flood, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/forged-ures", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_forged_ures, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/passive-dres", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_passive_dres, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/ures-from-active", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_active_ures, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/ures-from-passive", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_active_ures, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/outgoing", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_outgoing, fixture_tear_down);
  g_test_add ("/burrow/search/uhub/hub/cli", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_cli, fixture_tear_down);

  return g_test_run ();
}
