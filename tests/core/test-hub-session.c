/* test-hub-session.c — BurrowAdcHubSession against the real uhub (and a fake hub for what
 * uhub never sends)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "burrow-core.h"
#include "burrow-hub-session-private.h"
#include "burrow-test-hub.h"
#include "burrow-adc-hub-session.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (20 * 1000)

#if defined(__SANITIZE_ADDRESS__)
#define BURROW_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BURROW_TEST_ASAN 1
#endif
#endif

typedef struct
{
  gchar        *dir;
  BurrowClient *alice;
  BurrowClient *bob;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;

  f->dir = g_dir_make_tmp ("burrow-hub-XXXXXX", &error);
  g_assert_no_error (error);
  a = g_build_filename (f->dir, "alice", NULL);
  b = g_build_filename (f->dir, "bob", NULL);
  f->alice = burrow_client_new (a, &error);
  g_assert_no_error (error);
  f->bob = burrow_client_new (b, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (f->alice, "alice");
  burrow_client_set_nick (f->bob, "bob");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  /* let closing sockets finish */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

static BurrowTestHub *
start_hub (const BurrowTestHubOptions *opts)
{
  g_autoptr(GError) error = NULL;
  BurrowTestHub *hub = burrow_test_hub_start (opts, &error);

  if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip ("uhub is not installed");
      return NULL;
    }
  g_assert_no_error (error);
  return hub;
}

static GError *
connect_and_wait (BurrowHubSession *session)
{
  return burrow_test_connect_hub (session);
}

static BurrowHubSession *
join (BurrowClient *client,
      const gchar  *uri)
{
  return burrow_test_join_hub (client, uri);
}

static gboolean
wait_nick (BurrowHubSession *session,
           const gchar      *nick,
           gboolean          present)
{
  return burrow_test_wait_nick_presence (session, nick, present, DEADLINE_MS);
}

static gboolean
user_in_model (BurrowHubSession *session,
               const gchar      *nick)
{
  GListModel *users = burrow_hub_session_get_users (session);

  for (guint i = 0; i < g_list_model_get_n_items (users); i++)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (users, i);
      if (g_strcmp0 (burrow_user_get_nick (user), nick) == 0)
        return TRUE;
    }
  return FALSE;
}

static BurrowChatMessage *
wait_message (BurrowHubSession *session,
              BurrowChatKind    kind,
              const gchar      *text)
{
  return burrow_test_wait_message (session, kind, text, DEADLINE_MS);
}

static gboolean
bob_has_new_description (gpointer data)
{
  BurrowUser *u = burrow_hub_session_lookup_nick (data, "bob");

  return u != NULL && g_strcmp0 (burrow_user_get_description (u), "new description") == 0;
}

/* --- real uhub ---------------------------------------------------------------------------- */

static void
test_two_users_chat (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = start_hub (NULL);
  BurrowHubSession *a, *b;
  BurrowUser *bob_seen;
  BurrowChatMessage *m;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;

  a = join (f->alice, burrow_test_hub_get_uri (hub));
  b = join (f->bob, burrow_test_hub_get_uri (hub));

  /* each sees the other's INF, with the fields we announce */
  g_assert_true (wait_nick (a, "bob", TRUE));
  g_assert_true (user_in_model (a, "bob"));
  g_assert_true (user_in_model (b, "alice"));
  bob_seen = burrow_hub_session_lookup_nick (a, "bob");
  g_assert_cmpstr (burrow_user_get_cid (bob_seen), ==,
                   burrow_identity_get_cid (burrow_client_get_identity (f->bob)));
  g_assert_cmpstr (burrow_user_get_client (bob_seen), ==, "Burrow " PACKAGE_VERSION);
  g_assert_cmpstr (burrow_user_get_ip4 (bob_seen), ==, "127.0.0.1");
  g_assert_cmpint (burrow_user_get_mode (bob_seen), ==, BURROW_USER_MODE_NAT_TRAVERSAL);
  g_assert_true (burrow_user_supports_tls (bob_seen));
  g_assert_cmpstr (burrow_user_get_keyprint (bob_seen), ==,
                   burrow_identity_get_keyprint (burrow_client_get_identity (f->bob)));
  g_assert_nonnull (burrow_hub_session_get_me (a));
  g_assert_cmpstr (burrow_hub_session_get_hub_name (a), ==, "burrow-test-hub");
  g_assert_cmpuint (burrow_hub_session_get_local_port (a), >, 0);

  /* main chat both ways, third person too */
  g_assert_true (burrow_hub_session_send_chat (a, "hello bob, ünïcödé \\ and spaces", &error));
  g_assert_no_error (error);
  m = wait_message (b, BURROW_CHAT_KIND_MAIN, "hello bob, ünïcödé \\ and spaces");
  g_assert_nonnull (m);
  g_assert_cmpstr (burrow_chat_message_get_nick (m), ==, "alice");
  g_assert_false (burrow_chat_message_get_outgoing (m));
  g_assert_true (burrow_hub_session_send_chat (b, "/me waves", &error));
  m = wait_message (a, BURROW_CHAT_KIND_MAIN, "waves");
  g_assert_nonnull (m);
  g_assert_true (burrow_chat_message_get_third_person (m));

  /* private message round trip */
  g_assert_true (burrow_hub_session_send_private (b, burrow_hub_session_lookup_nick (b, "alice"),
                                                  "psst, alice", &error));
  g_assert_no_error (error);
  m = wait_message (a, BURROW_CHAT_KIND_PRIVATE, "psst, alice");
  g_assert_nonnull (m);
  g_assert_cmpstr (burrow_chat_message_get_nick (m), ==, "bob");
  g_assert_cmpstr (burrow_chat_message_get_peer_nick (m), ==, "bob");
  g_assert_false (burrow_chat_message_get_outgoing (m));
  /* the sender's copy comes back from the hub (E type) */
  m = wait_message (b, BURROW_CHAT_KIND_PRIVATE, "psst, alice");
  g_assert_nonnull (m);
  g_assert_true (burrow_chat_message_get_outgoing (m));
  g_assert_cmpstr (burrow_chat_message_get_peer_nick (m), ==, "alice");
  g_assert_true (burrow_hub_session_send_private (a, burrow_hub_session_lookup_nick (a, "bob"),
                                                  "got it", &error));
  g_assert_nonnull (wait_message (b, BURROW_CHAT_KIND_PRIVATE, "got it"));

  /* an INF change reaches the other side */
  burrow_client_set_description (f->bob, "new description");
  g_assert_true (burrow_test_wait_until (bob_has_new_description, a, DEADLINE_MS));

  /* a user leaving disappears from the model */
  burrow_hub_session_disconnect (b);
  g_assert_true (wait_nick (a, "bob", FALSE));
  g_assert_false (user_in_model (a, "bob"));
  g_assert_cmpint (burrow_hub_session_get_state (b), ==, BURROW_HUB_STATE_DISCONNECTED);
}

static void
count_signal (BurrowHubList *hubs,
              guint         *count)
{
  g_auto(GStrv) seen = burrow_hub_list_dup_own_addresses (hubs, NULL);
  g_autofree gchar *joined = g_strjoinv (",", seen);

  g_test_message ("own addresses now: [%s]", joined);
  (*count)++;
}

/* The hub list tells when the address hubs see for us changes: at login (uhub fills in our
 * `I4 0.0.0.0`) and when the hub goes away. Automatic connectivity decides from it. */
static void
test_own_addresses (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = start_hub (NULL);
  BurrowHubList *hubs;
  BurrowHubSession *a;
  g_auto(GStrv) seen = NULL;
  g_auto(GStrv) seen_by = NULL;
  guint changes = 0;

  if (hub == NULL)
    return;
  hubs = BURROW_HUB_LIST (burrow_client_get_hubs (f->alice));
  g_signal_connect (hubs, "own-addresses-changed", G_CALLBACK (count_signal), &changes);
  a = join (f->alice, burrow_test_hub_get_uri (hub));
  g_assert_cmpuint (changes, ==, 1);
  seen = burrow_hub_list_dup_own_addresses (hubs, &seen_by);
  g_assert_cmpuint (g_strv_length (seen), ==, 1);
  g_assert_cmpstr (seen[0], ==, "127.0.0.1");
  g_assert_cmpuint (g_strv_length (seen_by), ==, 1);

  burrow_hub_list_remove (hubs, a);
  g_assert_cmpuint (changes, ==, 2);
  g_clear_pointer (&seen, g_strfreev);
  seen = burrow_hub_list_dup_own_addresses (hubs, NULL);
  g_assert_cmpuint (g_strv_length (seen), ==, 0);
  g_signal_handlers_disconnect_by_data (hubs, &changes);
}

static void
test_tls_keyprint (Fixture       *f,
                   gconstpointer  data)
{
  BurrowTestHubOptions opts = { .tls = TRUE, .tls_require = TRUE };
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autofree gchar *with_kp = NULL;
  g_autofree gchar *wrong = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;
  gchar *p;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  hub = start_hub (&opts);
  if (hub == NULL)
    return;

  with_kp = burrow_test_hub_dup_uri_with_kp (hub);
  s = join (f->alice, with_kp);
  g_assert_cmpstr (burrow_hub_session_get_keyprint (s), ==, burrow_test_hub_get_keyprint (hub));
  /* AES-GCM is preferred (ChaCha20 is several times slower with AES-NI) */
  g_assert_nonnull (strstr (burrow_hub_session_get_tls_cipher (s), "AES"));
  g_assert_nonnull (strstr (burrow_hub_session_get_tls_cipher (s), "GCM"));
  burrow_hub_session_disconnect (s);

  /* one character of the keyprint changed: refused, and never retried */
  wrong = g_strdup (with_kp);
  p = strstr (wrong, "SHA256/") + 7;
  *p = *p == 'A' ? 'B' : 'A';
  s = burrow_client_add_hub (f->bob, wrong, &error);
  g_assert_no_error (error);
  error = connect_and_wait (s);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_KEYPRINT_MISMATCH);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_DISCONNECTED);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (s)), ==, 0);
}

static gboolean state_is_normal (gpointer data);

static void
test_tls_tofu (Fixture       *f,
               gconstpointer  data)
{
  BurrowTestHubOptions opts = { .tls = TRUE, .tls_require = TRUE };
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autofree gchar *pinned = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *old_kp = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  hub = start_hub (&opts);
  if (hub == NULL)
    return;

  /* first use: accepted and pinned */
  s = join (f->alice, burrow_test_hub_get_uri (hub));
  address = g_strdup_printf ("127.0.0.1:%u", burrow_test_hub_get_port (hub));
  pinned = burrow_database_dup_hub_keyprint (burrow_client_get_database (f->alice), address);
  g_assert_cmpstr (pinned, ==, burrow_test_hub_get_keyprint (hub));
  burrow_hub_session_disconnect (s);

  /* same certificate again: fine */
  error = connect_and_wait (s);
  g_assert_no_error (error);
  burrow_hub_session_disconnect (s);

  /* the hub's certificate changes: refused until the user accepts it */
  old_kp = g_strdup (burrow_test_hub_get_keyprint (hub));
  burrow_test_hub_regenerate_certificate (hub);
  g_assert_cmpstr (old_kp, !=, burrow_test_hub_get_keyprint (hub));
  error = connect_and_wait (s);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_KEYPRINT_CHANGED);
  g_clear_error (&error);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_DISCONNECTED);
  g_assert_cmpstr (burrow_hub_session_get_pending_keyprint (s), ==, burrow_test_hub_get_keyprint (hub));
  g_free (pinned);
  pinned = burrow_database_dup_hub_keyprint (burrow_client_get_database (f->alice), address);
  g_assert_cmpstr (pinned, ==, old_kp);

  g_assert_true (burrow_hub_session_accept_keyprint (s, &error));
  g_assert_no_error (error);
  g_free (pinned);
  pinned = burrow_database_dup_hub_keyprint (burrow_client_get_database (f->alice), address);
  g_assert_cmpstr (pinned, ==, burrow_test_hub_get_keyprint (hub));
  g_assert_true (burrow_test_wait_until (state_is_normal, s, DEADLINE_MS));
}

typedef struct
{
  guint waiting;
  guint connecting;
} StateCount;

static void
count_states (BurrowHubSession *s,
              GParamSpec       *pspec,
              StateCount       *c)
{
  if (burrow_hub_session_get_state (s) == BURROW_HUB_STATE_WAITING)
    c->waiting++;
  if (burrow_hub_session_get_state (s) == BURROW_HUB_STATE_CONNECTING)
    c->connecting++;
}

static gboolean
state_is_disconnected (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_DISCONNECTED;
}

static gboolean
state_is_normal (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_NORMAL;
}

static gboolean
state_is_waiting (gpointer data)
{
  return burrow_hub_session_get_state (data) == BURROW_HUB_STATE_WAITING;
}

static void
test_password (Fixture       *f,
               gconstpointer  data)
{
  const gchar * const registered[] = { "alice:s3cret", "bob:hunter2", NULL };
  BurrowTestHubOptions opts = { .registered = registered };
  g_autoptr(BurrowTestHub) hub = start_hub (&opts);
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;
  StateCount count = { 0, };

  if (hub == NULL)
    return;

  /* right password: logged in, and the hub marks us registered */
  s = burrow_client_add_hub (f->alice, burrow_test_hub_get_uri (hub), &error);
  burrow_hub_session_set_password (s, "s3cret");
  error = connect_and_wait (s);
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_user_get_client_type (burrow_hub_session_get_me (s)) & 2, ==, 2);

  /* wrong password: BAD_PASSWORD, and no reconnect loop even with auto-reconnect */
  s = burrow_client_add_hub (f->bob, burrow_test_hub_get_uri (hub), &error);
  burrow_hub_session_set_password (s, "wrong");
  g_object_set (s, "reconnect-delay", 50, NULL);
  g_signal_connect (s, "notify::state", G_CALLBACK (count_states), &count);
  burrow_hub_session_connect (s);
  g_assert_true (burrow_test_wait_until (state_is_disconnected, s, DEADLINE_MS));
  g_assert_error (burrow_hub_session_get_error (s), BURROW_HUB_ERROR, BURROW_HUB_ERROR_BAD_PASSWORD);
  /* give a (wrong) 50 ms reconnect timer ample time to fire: it must not */
  g_assert_false (burrow_test_wait_until (state_is_waiting, s, 1000));
  g_assert_cmpuint (count.waiting, ==, 0);
  g_assert_cmpuint (count.connecting, ==, 1);
  g_signal_handlers_disconnect_by_data (s, &count);

  /* registered nick without a password: a clear error */
  burrow_hub_session_set_password (s, NULL);
  error = connect_and_wait (s);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PASSWORD_REQUIRED);
}

static void
test_nick_taken (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = start_hub (NULL);
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;

  join (f->alice, burrow_test_hub_get_uri (hub));
  burrow_client_set_nick (f->bob, "alice");
  s = burrow_client_add_hub (f->bob, burrow_test_hub_get_uri (hub), &error);
  error = connect_and_wait (s);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_TAKEN);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_DISCONNECTED);
}

static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = start_hub (NULL);
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;

  s = join (f->alice, burrow_test_hub_get_uri (hub));
  g_object_set (s, "reconnect-delay", 100, NULL);

  burrow_test_hub_kill (hub);
  g_assert_true (burrow_test_wait_until (state_is_waiting, s, DEADLINE_MS));
  g_assert_error (burrow_hub_session_get_error (s), BURROW_HUB_ERROR, BURROW_HUB_ERROR_CONNECTION_LOST);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (s)), ==, 0);

  g_assert_true (burrow_test_hub_restart (hub, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (state_is_normal, s, 60 * 1000));
  g_assert_true (user_in_model (s, "alice"));
}

static void
test_kick_reconnects (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = start_hub (NULL);
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;
  StateCount count = { 0, };

  if (hub == NULL)
    return;

  s = join (f->alice, burrow_test_hub_get_uri (hub));
  g_object_set (s, "reconnect-delay", 100, NULL);
  g_signal_connect (s, "notify::state", G_CALLBACK (count_states), &count);

  g_assert_true (burrow_test_hub_kick (hub, "alice", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (state_is_waiting, s, DEADLINE_MS));
  g_assert_true (burrow_test_wait_until (state_is_normal, s, DEADLINE_MS));
  g_assert_cmpuint (count.waiting, >=, 1);
  g_signal_handlers_disconnect_by_data (s, &count);
}

static void
test_redirect (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(BurrowTestHub) target = start_hub (NULL);
  g_autoptr(BurrowTestHub) hub = NULL;
  BurrowTestHubOptions opts = { 0, };
  BurrowHubSession *s;

  if (target == NULL)
    return;

  opts.redirect_to = burrow_test_hub_get_uri (target);
  hub = start_hub (&opts);

  s = join (f->alice, burrow_test_hub_get_uri (hub));
  g_assert_cmpstr (burrow_hub_session_get_uri (s), ==, burrow_test_hub_get_uri (target));
  g_assert_true (user_in_model (s, "alice"));
}

static void
test_redirect_loop (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *reply = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  uri = burrow_test_fake_hub_dup_uri (fake);
  /* the hub redirects to itself, forever */
  reply = g_strdup_printf ("ISUP ADBASE ADTIGR\nISID AAAB\nIQUI AAAB RD%s\n", uri);
  burrow_test_fake_hub_on_line (fake, "HSUP", reply);

  s = burrow_client_add_hub (f->alice, uri, &error);
  error = connect_and_wait (s);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_REDIRECT_LOOP);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_DISCONNECTED);
}

static void
on_error_count (BurrowHubSession *s,
                const GError     *error,
                gboolean          fatal,
                guint            *n_hub_errors)
{
  if (error->domain == BURROW_HUB_ERROR && !fatal)
    (*n_hub_errors)++;
}

static void
test_pacing (Fixture       *f,
             gconstpointer  data)
{
  BurrowTestHubOptions opts = { .debian_flood_control = TRUE };
  g_autoptr(BurrowTestHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  guint n_hub_errors = 0;
  const guint n = 7;

  if (hub == NULL)
    return;

  a = join (f->alice, burrow_test_hub_get_uri (hub));
  b = join (f->bob, burrow_test_hub_get_uri (hub));
  g_signal_connect (a, "error", G_CALLBACK (on_error_count), &n_hub_errors);

  /* Debian's uhub allows 3 chat messages per 5 s window: a burst of 7 must
   * be paced out, not dropped with "Flood detected". */
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *text = g_strdup_printf ("burst %u", i);
      g_autoptr(GError) error = NULL;

      g_assert_true (burrow_hub_session_send_chat (a, text, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *text = g_strdup_printf ("burst %u", i);
      g_assert_nonnull (wait_message (b, BURROW_CHAT_KIND_MAIN, text));
    }
  g_assert_cmpuint (n_hub_errors, ==, 0);
  g_assert_null (burrow_test_find_message (burrow_hub_session_get_messages (a), BURROW_CHAT_KIND_STATUS,
                               "Flood detected."));
}

/* --- fake hub: what uhub never sends ------------------------------------------------------ */

typedef struct
{
  guint protocol_errors;
  guint too_long;
  guint fatal;
} ErrorCount;

static void
on_error_classify (BurrowHubSession *s,
                   const GError     *error,
                   gboolean          fatal,
                   ErrorCount       *c)
{
  if (fatal)
    c->fatal++;
  else if (g_error_matches (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG))
    c->too_long++;
  else if (error->domain == BURROW_PROTOCOL_ERROR)
    c->protocol_errors++;
}

static gsize
rss_kib (void)
{
  g_autofree gchar *status = NULL;
  const gchar *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  p = strstr (status, "VmRSS:");
  return p ? (gsize) g_ascii_strtoull (p + 6, NULL, 10) : 0;
}

static void
test_hostile_hub (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *junk = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;
  ErrorCount c = { 0, };
  const gsize junk_len = 8 * 1024 * 1024;
  gsize rss_before, rss_after;
  static const gchar bad_lines[] =
    "BINF AAAC IDnot-base32 NIbad\n"          /* invalid ID: ignored field */
    "BMSG AAAC bad\\xescape\n"                 /* bad escape */
    "XMSG AAAC unknown\\stype\n"               /* unknown type */
    "BMSG AAA short\\ssid\n"                   /* bad SID */
    "bmsg AAAC lower\\scase\n"                 /* bad command */
    "BMSG AAAC invalid\xff\xfe utf8\n"         /* invalid UTF-8 */
    "HSUP ADBASE\n"                           /* client-only type from a hub */
    "IGPA AAAA\n";                            /* illegal in NORMAL */

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, 0);
  uri = burrow_test_fake_hub_dup_uri (fake);

  s = burrow_client_add_hub (f->alice, uri, &error);
  g_signal_connect (s, "error", G_CALLBACK (on_error_classify), &c);
  error = connect_and_wait (s);
  g_assert_no_error (error);

  burrow_test_fake_hub_send_raw (fake, bad_lines, sizeof bad_lines - 1);
  burrow_test_fake_hub_send_raw (fake, "IMSG after\\sbad\\slines\n", 23);
  g_assert_nonnull (wait_message (s, BURROW_CHAT_KIND_MAIN, "after bad lines"));
  g_assert_cmpuint (c.protocol_errors, >=, 2);   /* malformed (rate limited) + unexpected */
  g_assert_cmpuint (c.fatal, ==, 0);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_NORMAL);

  /* 8 MiB without a newline, then a normal line: the long line is dropped,
   * memory stays bounded, and the session goes on */
  rss_before = rss_kib ();
  junk = g_malloc (junk_len);
  memset (junk, 'x', junk_len);
  burrow_test_fake_hub_send_raw (fake, "IMSG ", 5);
  burrow_test_fake_hub_send_raw (fake, junk, junk_len);
  burrow_test_fake_hub_send_raw (fake, "\nIMSG still\\salive\n", 19);
  g_assert_nonnull (wait_message (s, BURROW_CHAT_KIND_MAIN, "still alive"));
  rss_after = rss_kib ();
  g_assert_cmpuint (c.too_long, ==, 1);
  g_assert_cmpuint (c.fatal, ==, 0);
  /* the junk itself (in the fake hub, same process) is 8 MiB; the session must not hold another
   * copy. (AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.) */
#ifndef BURROW_TEST_ASAN
  g_assert_cmpuint (rss_after, <, rss_before + 8 * 1024 + 4 * 1024);
#else
  (void) rss_before;
  (void) rss_after;
#endif
}

static void
test_inf_flood (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  g_autofree gchar *uri = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;
  const guint n = 20000;

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, n);
  uri = burrow_test_fake_hub_dup_uri (fake);

  s = burrow_client_add_hub (f->alice, uri, &error);
  error = connect_and_wait (s);
  g_assert_no_error (error);
  /* the whole list arrives before our own INF, in one splice */
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (s)), ==, n + 1);

  /* the same INFs again (updates) and QUIs for half of them */
  for (guint i = 0; i < n; i += 2)
    {
      g_autofree gchar *line = burrow_test_fake_hub_dup_flood_line (fake, i);
      g_autofree gchar *qui = g_strdup_printf ("IQUI %.4s\n", line + 5);
      burrow_test_fake_hub_send_raw (fake, qui, strlen (qui));
    }
  burrow_test_fake_hub_send_raw (fake, "IMSG done\n", 10);
  g_assert_nonnull (wait_message (s, BURROW_CHAT_KIND_MAIN, "done"));
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (s)), ==, n / 2 + 1);
}

static gboolean
got_empty_line (gpointer data)
{
  GPtrArray *received = burrow_test_fake_hub_get_received (data);

  for (guint i = 0; i < received->len; i++)
    if (*(const gchar *) g_ptr_array_index (received, i) == '\0')
      return TRUE;
  return FALSE;
}

static void
test_keepalive (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  g_autofree gchar *uri = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, 0);
  uri = burrow_test_fake_hub_dup_uri (fake);

  /* an idle logged-in session sends an empty line (the ADC keep-alive) */
  s = burrow_client_add_hub (f->alice, uri, &error);
  burrow_hub_session_set_keepalive_interval (s, 1);
  error = connect_and_wait (s);
  g_assert_no_error (error);
  g_assert_false (got_empty_line (fake));
  g_assert_true (burrow_test_wait_until (got_empty_line, fake, DEADLINE_MS));
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_NORMAL);
}

static void
test_ban (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  g_autofree gchar *uri = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, 3);
  uri = burrow_test_fake_hub_dup_uri (fake);

  s = burrow_client_add_hub (f->alice, uri, &error);
  g_object_set (s, "reconnect-delay", 50, NULL);
  burrow_hub_session_connect (s);
  g_assert_true (burrow_test_wait_until (state_is_normal, s, DEADLINE_MS));
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (fake), ==, 1);

  burrow_test_fake_hub_send_raw (fake, "IQUI AAAB TL-1 MSgo\\saway\n", 26);
  g_assert_true (burrow_test_wait_until (state_is_disconnected, s, DEADLINE_MS));
  g_assert_error (burrow_hub_session_get_error (s), BURROW_HUB_ERROR, BURROW_HUB_ERROR_BANNED);
  g_assert_false (burrow_test_wait_until (state_is_waiting, s, 1000));
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (fake), ==, 1);
}

/* --- redirects and the password --------------------------------------------------------- */

static gboolean
received_line_starting (BurrowTestFakeHub *fake,
                        const gchar       *prefix)
{
  GPtrArray *received = burrow_test_fake_hub_get_received (fake);

  for (guint i = 0; i < received->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (received, i), prefix))
      return TRUE;
  return FALSE;
}

/* A hub that asks for the password, and logs the client in once it answers. */
static BurrowTestFakeHub *
new_password_hub (void)
{
  g_autoptr(GError) error = NULL;
  BurrowTestFakeHub *fake = burrow_test_fake_hub_new (&error);

  g_assert_no_error (error);
  burrow_test_fake_hub_on_line (fake, "HSUP", "ISUP ADBASE ADTIGR\nISID AAAB\n");
  burrow_test_fake_hub_on_line (fake, "BINF", "IGPA ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\n");
  burrow_test_fake_hub_on_line (fake, "HPAS", "BINF AAAB NIalice\n");
  return fake;
}

static BurrowTestFakeHub *
new_redirecting_hub (const gchar *target)
{
  g_autoptr(GError) error = NULL;
  BurrowTestFakeHub *fake = burrow_test_fake_hub_new (&error);
  g_autofree gchar *reply = NULL;

  g_assert_no_error (error);
  reply = g_strdup_printf ("ISUP ADBASE ADTIGR\nISID AAAB\nIQUI AAAB RD%s\n", target);
  burrow_test_fake_hub_on_line (fake, "HSUP", reply);
  return fake;
}

static void
test_redirect_other_host_forgets_password (Fixture       *f,
                                           gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) target = new_password_hub ();
  g_autoptr(BurrowTestFakeHub) origin = NULL;
  g_autofree gchar *target_uri = NULL;
  g_autofree gchar *origin_uri = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  /* the same machine, under another name: a different host as far as the password goes */
  target_uri = g_strdup_printf ("adc://localhost:%u", burrow_test_fake_hub_get_port (target));
  origin = new_redirecting_hub (target_uri);
  origin_uri = burrow_test_fake_hub_dup_uri (origin);

  s = burrow_client_add_hub (f->alice, origin_uri, &error);
  g_assert_no_error (error);
  burrow_hub_session_set_password (s, "s3cret");
  error = connect_and_wait (s);
  /* the target got our INF, asked for a password, and got no answer to guess from */
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PASSWORD_REQUIRED);
  g_assert_cmpstr (burrow_hub_session_get_uri (s), ==, target_uri);
  g_assert_true (received_line_starting (target, "BINF"));
  g_assert_false (received_line_starting (target, "HPAS"));
  g_assert_null (burrow_hub_session_get_password (s));
}

static void
test_redirect_same_host_keeps_password (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) target = new_password_hub ();
  g_autoptr(BurrowTestFakeHub) origin = NULL;
  g_autofree gchar *target_uri = NULL;
  g_autofree gchar *origin_uri = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  /* another port of the same host */
  target_uri = burrow_test_fake_hub_dup_uri (target);
  origin = new_redirecting_hub (target_uri);
  origin_uri = burrow_test_fake_hub_dup_uri (origin);

  s = burrow_client_add_hub (f->alice, origin_uri, &error);
  g_assert_no_error (error);
  burrow_hub_session_set_password (s, "s3cret");
  error = connect_and_wait (s);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_hub_session_get_uri (s), ==, target_uri);
  g_assert_true (received_line_starting (target, "HPAS"));
  g_assert_cmpstr (burrow_hub_session_get_password (s), ==, "s3cret");
}

static void
test_redirect_tls_to_plain (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) plain = NULL;
  g_autoptr(BurrowTestFakeHub) tls = NULL;
  g_autofree gchar *plain_uri = NULL;
  g_autofree gchar *tls_uri = NULL;
  g_autofree gchar *reply = NULL;
  BurrowHubSession *s;
  g_autoptr(GError) error = NULL;

  if (!burrow_tls_is_available ())
    {
      g_test_skip ("no TLS backend");
      return;
    }
  plain = new_password_hub ();
  plain_uri = burrow_test_fake_hub_dup_uri (plain);
  tls = burrow_test_fake_hub_new_tls (&error);
  g_assert_no_error (error);
  tls_uri = burrow_test_fake_hub_dup_uri (tls);
  g_assert_true (g_str_has_prefix (tls_uri, "adcs://"));
  reply = g_strdup_printf ("ISUP ADBASE ADTIGR\nISID AAAB\nIQUI AAAB RD%s\n", plain_uri);
  burrow_test_fake_hub_on_line (tls, "HSUP", reply);

  /* an adcs:// hub sends us to a plain adc:// address (same host): refused, not followed */
  s = burrow_client_add_hub (f->alice, tls_uri, &error);
  g_assert_no_error (error);
  burrow_hub_session_set_password (s, "s3cret");
  g_object_set (s, "reconnect-delay", 50, NULL);
  error = connect_and_wait (s);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_INSECURE_REDIRECT);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_DISCONNECTED);
  g_assert_cmpstr (burrow_hub_session_get_uri (s), ==, tls_uri);
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (tls), ==, 1);
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (plain), ==, 0);
}

/* --- what a hub asks for, bounded --------------------------------------------------------- */

static BurrowHubSession *
login_to_fake (Fixture            *f,
               BurrowTestFakeHub **fake_out,
               guint               n_flood_users)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *uri = NULL;
  BurrowTestFakeHub *fake;
  BurrowHubSession *s;

  fake = burrow_test_fake_hub_new (&error);
  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, n_flood_users);
  uri = burrow_test_fake_hub_dup_uri (fake);
  s = burrow_client_add_hub (f->alice, uri, &error);
  g_assert_no_error (error);
  *fake_out = fake;
  return s;
}

static void
send_line (BurrowTestFakeHub *fake,
           const gchar       *line)
{
  burrow_test_fake_hub_send_raw (fake, line, strlen (line));
}

static void
test_huge_tl (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  BurrowHubSession *s = login_to_fake (f, &fake, 0);
  const guint max_ms = BURROW_HUB_MAX_REQUESTED_DELAY_S * 1000u;
  g_autoptr(GError) error = NULL;

  error = connect_and_wait (s);
  g_assert_no_error (error);

  /* QUI with a TL whose milliseconds do not fit in 64 bits: a temporary ban,
   * retried after the longest delay we accept */
  send_line (fake, "IQUI AAAB TL9223372036854775807 MSgo\\saway\n");
  g_assert_true (burrow_test_wait_until (state_is_waiting, s, DEADLINE_MS));
  g_assert_error (burrow_hub_session_get_error (s), BURROW_HUB_ERROR, BURROW_HUB_ERROR_TEMP_BANNED);
  g_assert_cmpuint (_burrow_hub_session_get_reconnect_delay (s), ==, max_ms);

  /* the same through STA 232 */
  g_clear_error (&error);
  error = connect_and_wait (s);
  g_assert_no_error (error);
  send_line (fake, "ISTA 232 banned TL9223372036854775807\n");
  g_assert_true (burrow_test_wait_until (state_is_waiting, s, DEADLINE_MS));
  g_assert_error (burrow_hub_session_get_error (s), BURROW_HUB_ERROR, BURROW_HUB_ERROR_TEMP_BANNED);
  g_assert_cmpuint (_burrow_hub_session_get_reconnect_delay (s), ==, max_ms);

  /* a sane TL is kept as it is */
  g_clear_error (&error);
  error = connect_and_wait (s);
  g_assert_no_error (error);
  send_line (fake, "ISTA 232 banned TL90\n");
  g_assert_true (burrow_test_wait_until (state_is_waiting, s, DEADLINE_MS));
  g_assert_cmpuint (_burrow_hub_session_get_reconnect_delay (s), ==, 90 * 1000);
}

static void
test_sup_flood (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GString) many_lines = g_string_new (NULL);
  g_autoptr(GString) many_features = g_string_new ("ISUP ADBASE ADTIGR");
  g_autoptr(GString) repeated = g_string_new (NULL);
  const gchar *replies[3];

  /* 2,000 ISUP lines of 200 distinct features each before ISID */
  for (guint line = 0; line < 2000; line++)
    {
      g_string_append (many_lines, "ISUP");
      for (guint i = 0; i < 200; i++)
        {
          guint n = line * 200 + i;

          g_string_append_printf (many_lines, " AD%c%c%c%c", 'A' + n % 26, 'A' + n / 26 % 26,
                                  'A' + n / 676 % 26, 'A' + n / 17576 % 26);
        }
      g_string_append_c (many_lines, '\n');
    }
  g_string_append (many_lines, "ISID AAAB\n");
  /* one line with more distinct features than a hub may announce */
  for (guint i = 0; i < BURROW_ADC_MAX_HUB_FEATURES; i++)
    g_string_append_printf (many_features, " ADX%c%c%c", 'A' + i % 26, 'A' + i / 26, 'Z');
  g_string_append (many_features, "\nISID AAAB\n");
  /* the same two features, on one ISUP line too many */
  for (guint i = 0; i <= BURROW_ADC_MAX_SUP_LINES; i++)
    g_string_append (repeated, "ISUP ADBASE ADTIGR\n");
  g_string_append (repeated, "ISID AAAB\n");
  replies[0] = many_lines->str;
  replies[1] = many_features->str;
  replies[2] = repeated->str;

  for (guint r = 0; r < G_N_ELEMENTS (replies); r++)
    {
      g_autoptr(BurrowTestFakeHub) fake = NULL;
      g_autofree gchar *uri = NULL;
      BurrowHubSession *s;
      g_autoptr(GError) error = NULL;

      fake = burrow_test_fake_hub_new (&error);
      g_assert_no_error (error);
      burrow_test_fake_hub_on_line (fake, "HSUP", replies[r]);
      burrow_test_fake_hub_on_line_echo (fake, "BINF", NULL);
      uri = burrow_test_fake_hub_dup_uri (fake);

      s = burrow_client_add_hub (f->alice, uri, &error);
      g_assert_no_error (error);
      error = connect_and_wait (s);
      g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PROTOCOL);
      g_assert_false (received_line_starting (fake, "BINF"));
      burrow_client_remove_hub (f->alice, s);
    }
}

typedef struct
{
  guint too_many_users;
  guint too_long;
  guint fatal;
} HubErrorCount;

static void
on_hub_error (BurrowHubSession *s,
              const GError     *error,
              gboolean          fatal,
              HubErrorCount    *c)
{
  if (fatal)
    c->fatal++;
  else if (g_error_matches (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_TOO_MANY_USERS))
    c->too_many_users++;
  else if (g_error_matches (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG))
    c->too_long++;
}

static guint
count_status_lines (BurrowHubSession *s)
{
  GListModel *messages = burrow_hub_session_get_messages (s);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(BurrowChatMessage) m = g_list_model_get_item (messages, i);
      n += burrow_chat_message_get_kind (m) == BURROW_CHAT_KIND_STATUS;
    }
  return n;
}

static void
test_user_cap_keeps_us (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  /* the cap is reached before our own INF, which comes last */
  BurrowHubSession *s = login_to_fake (f, &fake, 20);
  g_autoptr(GError) error = NULL;
  HubErrorCount c = { 0, };

  _burrow_hub_session_set_max_users (s, 5);
  g_signal_connect (s, "error", G_CALLBACK (on_hub_error), &c);
  error = connect_and_wait (s);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_NORMAL);
  g_assert_nonnull (burrow_hub_session_get_me (s));
  g_assert_cmpuint (burrow_user_get_sid (burrow_hub_session_get_me (s)), ==,
                    burrow_adc_hub_session_get_sid (BURROW_ADC_HUB_SESSION (s)));
  /* five others, and us */
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (s)), ==, 6);
  /* the users beyond the cap: one error, one status line */
  g_assert_cmpuint (c.too_many_users, ==, 1);
  g_assert_cmpuint (c.fatal, ==, 0);
  g_assert_cmpuint (count_status_lines (s), ==, 1);
  g_signal_handlers_disconnect_by_data (s, &c);
}

static gboolean
too_long_reported_twice (gpointer data)
{
  return ((HubErrorCount *) data)->too_long >= 2;
}

static void
test_inf_field_limits (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(BurrowTestFakeHub) fake = NULL;
  BurrowHubSession *s = login_to_fake (f, &fake, 0);
  g_autoptr(GString) line = g_string_new ("BINF AAAC NI");
  g_autoptr(GError) error = NULL;
  HubErrorCount c = { 0, };
  BurrowUser *u;
  const gchar *de;

  g_signal_connect (s, "error", G_CALLBACK (on_hub_error), &c);
  error = connect_and_wait (s);
  g_assert_no_error (error);

  /* a 300-byte nick, a 60 KB description of 2- and 3-byte characters, an over-long address */
  for (guint i = 0; i < 300; i++)
    g_string_append_c (line, 'n');
  g_string_append (line, " DE");
  for (guint i = 0; i < 12000; i++)
    g_string_append (line, "ä€");
  g_string_append (line, " I4");
  for (guint i = 0; i < 100; i++)
    g_string_append_c (line, '1');
  g_string_append (line, " SL3\n");
  burrow_test_fake_hub_send_raw (fake, line->str, line->len);
  burrow_test_fake_hub_send_raw (fake, "IMSG done\n", 10);
  g_assert_nonnull (wait_message (s, BURROW_CHAT_KIND_MAIN, "done"));

  u = burrow_hub_session_lookup_sid (s, 2);   /* AAAC */
  g_assert_nonnull (u);
  g_assert_cmpuint (strlen (burrow_user_get_nick (u)), ==, BURROW_USER_MAX_NICK_BYTES);
  de = burrow_user_get_description (u);
  /* shortened at a character boundary: ä€ is 5 bytes, 1024 = 204 × 5 + 4 → "ä" more */
  g_assert_true (g_utf8_validate (de, -1, NULL));
  g_assert_cmpuint (strlen (de), ==, 204 * 5 + 2);
  g_assert_true (g_str_has_prefix (line->str + strlen ("BINF AAAC NI") + 300 + 3, de));
  g_assert_null (burrow_user_get_ip4 (u));
  g_assert_cmpuint (burrow_user_get_slots (u), ==, 3);
  g_assert_cmpuint (c.too_long, ==, 1);
  g_assert_cmpuint (c.fatal, ==, 0);
  g_assert_cmpint (burrow_hub_session_get_state (s), ==, BURROW_HUB_STATE_NORMAL);

  /* more of them right after: reported too (within a second, so a little later), not dropped */
  burrow_test_fake_hub_send_raw (fake, line->str, line->len);
  g_assert_true (burrow_test_wait_until (too_long_reported_twice, &c, DEADLINE_MS));
  g_assert_cmpuint (c.fatal, ==, 0);
  g_signal_handlers_disconnect_by_data (s, &c);
}

/* A handler of the fatal "error" signal may drop the last reference of the session that
 * emits it (here: the app closes the hub's page, which removes it from the client). The
 * session must not touch itself after that: under ASan this was a heap-use-after-free in
 * _burrow_hub_session_lost (). */
typedef struct
{
  BurrowClient *client;
  gboolean      removed;
  GError       *error;
} RemoveOnError;

static void
remove_on_error (BurrowHubSession *session,
                 const GError     *error,
                 gboolean          fatal,
                 RemoveOnError    *r)
{
  if (!fatal || r->removed)
    return;
  r->removed = TRUE;
  r->error = g_error_copy (error);
  burrow_client_remove_hub (r->client, session);
}

static void
test_error_handler_drops_session (Fixture       *f,
                                  gconstpointer  data)
{
  const gchar * const registered[] = { "bob:hunter2", NULL };
  BurrowTestHubOptions opts = { .registered = registered };
  g_autoptr(BurrowTestHub) hub = start_hub (&opts);
  g_autoptr(GError) error = NULL;
  RemoveOnError r = { f->bob, FALSE, NULL };
  GWeakRef weak;
  BurrowHubSession *s;

  if (hub == NULL)
    return;

  s = burrow_client_add_hub (f->bob, burrow_test_hub_get_uri (hub), &error);
  g_assert_no_error (error);
  burrow_hub_session_set_password (s, "wrong");
  g_signal_connect (s, "error", G_CALLBACK (remove_on_error), &r);
  g_weak_ref_init (&weak, s);
  burrow_hub_session_connect (s);
  g_assert_true (burrow_test_wait_for_flag (&r.removed, DEADLINE_MS));
  g_assert_error (r.error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_BAD_PASSWORD);
  g_clear_error (&r.error);
  /* the client held the only reference: the session is gone */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  g_assert_cmpuint (g_list_model_get_n_items (burrow_client_get_hubs (f->bob)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/burrow/hub/adc/two-users-chat", test_two_users_chat);
  ADD ("/burrow/hub/adc/own-addresses", test_own_addresses);
  ADD ("/burrow/hub/adc/tls-keyprint", test_tls_keyprint);
  ADD ("/burrow/hub/adc/tls-tofu", test_tls_tofu);
  ADD ("/burrow/hub/adc/password", test_password);
  ADD ("/burrow/hub/adc/nick-taken", test_nick_taken);
  ADD ("/burrow/hub/adc/reconnect", test_reconnect);
  ADD ("/burrow/hub/adc/kick-reconnects", test_kick_reconnects);
  ADD ("/burrow/hub/adc/redirect", test_redirect);
  ADD ("/burrow/hub/adc/redirect-loop", test_redirect_loop);
  ADD ("/burrow/hub/adc/pacing", test_pacing);
  ADD ("/burrow/hub/adc/hostile-hub", test_hostile_hub);
  ADD ("/burrow/hub/adc/inf-flood", test_inf_flood);
  ADD ("/burrow/hub/adc/ban", test_ban);
  ADD ("/burrow/hub/adc/keepalive", test_keepalive);
  ADD ("/burrow/hub/adc/redirect-other-host-forgets-password", test_redirect_other_host_forgets_password);
  ADD ("/burrow/hub/adc/redirect-same-host-keeps-password", test_redirect_same_host_keeps_password);
  ADD ("/burrow/hub/adc/redirect-tls-to-plain", test_redirect_tls_to_plain);
  ADD ("/burrow/hub/adc/huge-tl", test_huge_tl);
  ADD ("/burrow/hub/adc/sup-flood", test_sup_flood);
  ADD ("/burrow/hub/adc/user-cap-keeps-us", test_user_cap_keeps_us);
  ADD ("/burrow/hub/adc/inf-field-limits", test_inf_field_limits);
  ADD ("/burrow/hub/adc/error-handler-drops-session", test_error_handler_drops_session);
#undef ADD

  return g_test_run ();
}
