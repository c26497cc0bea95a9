/* test-nmdc-hub-session.c — NMDC hub sessions against the NMDC test hub (tests/nmdc/nmdc-hub.py)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hub behaves as PtokaX or Verlihub do (profile), with their flood and reconnect limits
 * relaxed (preset "tests") except in the "-real" cases, which run at the hubsofts' defaults.
 */

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-hub-session-private.h"
#include "burrow-nmdc-hub-session.h"
#include "burrow-test-nmdc-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (30 * 1000)

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

  f->dir = g_dir_make_tmp ("burrow-nmdc-XXXXXX", &error);
  g_assert_no_error (error);
  a = g_build_filename (f->dir, "alice", NULL);
  b = g_build_filename (f->dir, "bob", NULL);
  f->alice = burrow_client_new (a, &error);
  g_assert_no_error (error);
  f->bob = burrow_client_new (b, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (f->alice, "alice");
  burrow_client_set_nick (f->bob, "bob");
  /* passive unless a test says otherwise: automatic mode would turn active on $UserIP */
  burrow_client_set_mode (f->alice, BURROW_CONNECTION_MODE_PASSIVE);
  burrow_client_set_mode (f->bob, BURROW_CONNECTION_MODE_PASSIVE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

static BurrowTestNmdcHub *
start_hub (const BurrowTestNmdcHubOptions *opts)
{
  g_autoptr(GError) error = NULL;
  BurrowTestNmdcHub *hub = burrow_test_nmdc_hub_start (opts, &error);

  if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return hub;
}

static BurrowHubSession *
add (BurrowClient *client,
     const gchar  *uri)
{
  g_autoptr(GError) error = NULL;
  BurrowHubSession *session = burrow_client_add_hub (client, uri, &error);

  g_assert_no_error (error);
  g_assert_true (BURROW_IS_NMDC_HUB_SESSION (session));
  return session;
}

static BurrowHubSession *
join (BurrowClient *client,
      const gchar  *uri)
{
  BurrowHubSession *session = add (client, uri);
  g_autoptr(GError) error = burrow_test_connect_hub (session);

  g_assert_no_error (error);
  g_assert_cmpint (burrow_hub_session_get_state (session), ==, BURROW_HUB_STATE_NORMAL);
  return session;
}

static gboolean
wait_nick (BurrowHubSession *session,
           const gchar      *nick,
           gboolean          present)
{
  return burrow_test_wait_nick_presence (session, nick, present, DEADLINE_MS);
}

static BurrowChatMessage *
wait_message (BurrowHubSession *session,
              BurrowChatKind    kind,
              const gchar      *text)
{
  return burrow_test_wait_message (session, kind, text, DEADLINE_MS);
}

typedef struct
{
  BurrowHubSession *session;
  BurrowHubState    state;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;

  return burrow_hub_session_get_state (w->session) == w->state;
}

static gboolean
wait_state (BurrowHubSession *session,
            BurrowHubState    state)
{
  StateWait w = { session, state };

  return burrow_test_wait_until (state_is, &w, DEADLINE_MS);
}

static gboolean
has_error (gpointer data)
{
  return burrow_hub_session_get_error (data) != NULL;
}

static gboolean
password_required (gpointer data)
{
  const GError *error = burrow_hub_session_get_error (data);

  return g_error_matches (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PASSWORD_REQUIRED);
}

static gboolean
temp_banned (gpointer data)
{
  const GError *error = burrow_hub_session_get_error (data);

  return g_error_matches (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_TEMP_BANNED);
}

static guint
count_of (BurrowTestNmdcHub *hub,
          const gchar       *command)
{
  g_autofree gchar *q = g_strconcat ("count ", command, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *n = burrow_test_nmdc_hub_control (hub, q, &error);

  g_assert_no_error (error);
  return (guint) g_ascii_strtoull (n, NULL, 10);
}

/* --- login ---------------------------------------------------------------------------------- */

/* Both profiles, and both with the hubsofts' real defaults (PtokaX's lock after a second). */
static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  const gchar *spec = data;   /* "ptokax", "verlihub-real", … */
  g_auto(GStrv) parts = g_strsplit (spec, "-", 2);
  BurrowTestNmdcHubOptions opts = { .profile = parts[0], .preset = parts[1] ? parts[1] : "tests",
                                    .name = "Burrow test hub" };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  BurrowUser *seen;
  g_autofree gchar *log = NULL;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  b = join (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_cmpint (burrow_hub_session_get_protocol (a), ==, BURROW_HUB_PROTOCOL_NMDC);
  g_assert_cmpstr (burrow_hub_session_get_hub_name (a), ==, "Burrow test hub");
  g_assert_nonnull (burrow_hub_session_get_hub_software (a));
  g_assert_true (g_str_has_prefix (burrow_hub_session_get_hub_software (a),
                                   g_str_equal (parts[0], "ptokax") ? "PtokaX" : "Verlihub"));
  g_assert_nonnull (burrow_hub_session_get_me (a));
  g_assert_cmpstr (burrow_user_get_nick (burrow_hub_session_get_me (a)), ==, "alice");

  /* each sees the other, keyed by hub and nick, with what the hub relays */
  g_assert_true (wait_nick (a, "bob", TRUE));
  g_assert_true (wait_nick (b, "alice", TRUE));
  seen = burrow_hub_session_lookup_nick (b, "alice");
  g_assert_true (burrow_user_is_nmdc (seen));
  g_assert_true (g_str_has_prefix (burrow_user_get_id (seen), "nmdc:127.0.0.1:"));
  g_assert_true (burrow_hub_session_lookup_user (b, burrow_user_get_id (seen)) == seen);
  g_assert_cmpint (burrow_user_get_mode (seen), !=, BURROW_USER_MODE_ACTIVE);
  if (g_str_equal (parts[0], "ptokax"))
    {
      /* PtokaX relays the short form (no tag) with 0x10 and 0x20 cleared (NMDC.md §0 fact 4) */
      g_assert_cmpint (burrow_user_get_nmdc_status (seen) & (BURROW_NMDC_STATUS_TLS | BURROW_NMDC_STATUS_NAT), ==, 0);
      g_assert_cmpint (burrow_user_get_mode (seen), ==, BURROW_USER_MODE_PASSIVE);
    }
  else
    {
      /* Verlihub keeps the tag and the status byte: NAT traversal and TLS are visible */
      g_assert_cmpint (burrow_user_get_mode (seen), ==, BURROW_USER_MODE_NAT_TRAVERSAL);
      g_assert_true (burrow_user_supports_tls (seen));
      g_assert_true (g_str_has_prefix (burrow_user_get_client (seen), "Burrow"));
    }

  /* the login went in the order real clients use: nothing before the lock, no trailing space */
  log = burrow_test_nmdc_hub_dup_log (hub);
  g_assert_nonnull (strstr (log, "$Supports NoHello NoGetINFO UserIP2 TTHSearch TLS\n"));
  g_assert_null (strstr (log, "$Quit"));

  /* the other one leaves: gone from the list */
  burrow_hub_session_disconnect (b);
  g_assert_true (wait_nick (a, "bob", FALSE));
}

static void
test_registered (Fixture       *f,
                 gconstpointer  data)
{
  const gchar * const registered[] = { "alice:secret", "bob:right:op", NULL };
  BurrowTestNmdcHubOptions opts = { .profile = data, .registered = registered };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  a = add (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  burrow_hub_session_set_password (a, "secret");
  error = burrow_test_connect_hub (a);
  g_assert_no_error (error);

  /* a wrong password: BAD_PASSWORD, and no reconnect */
  b = add (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  burrow_hub_session_set_password (b, "wrong");
  error = burrow_test_connect_hub (b);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_BAD_PASSWORD);
  g_assert_cmpint (burrow_hub_session_get_state (b), ==, BURROW_HUB_STATE_DISCONNECTED);
  g_clear_error (&error);

  /* without one: PASSWORD_REQUIRED; Verlihub first bans the address for a while after a wrong
   * password: the session says so, waits, and then gets its answer */
  burrow_hub_session_set_password (b, NULL);
  if (g_str_equal (data, "verlihub"))
    {
      /* a session that reconnects by itself (the app's) */
      burrow_hub_session_connect (b);
      g_assert_true (burrow_test_wait_until (temp_banned, b, DEADLINE_MS));
      g_assert_cmpint (burrow_hub_session_get_state (b), ==, BURROW_HUB_STATE_WAITING);
      g_assert_cmpuint (_burrow_hub_session_get_reconnect_delay (b), >=, 1000);
      g_assert_true (burrow_test_wait_until (password_required, b, DEADLINE_MS));
      /* the hub holds the nick until it saw the connection close */
      g_assert_true (burrow_test_nmdc_hub_wait_log_count (hub, " -- bob EOF", 1, DEADLINE_MS));
    }
  else
    {
      error = burrow_test_connect_hub (b);
      g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_PASSWORD_REQUIRED);
      g_clear_error (&error);
    }

  /* the operator is marked as such in the others' lists */
  burrow_hub_session_set_password (b, "right");
  error = burrow_test_connect_hub (b);
  g_assert_no_error (error);
  g_assert_true (wait_nick (a, "bob", TRUE));
  g_assert_true (burrow_user_is_operator (burrow_hub_session_lookup_nick (a, "bob")));
}

static void
test_nick_taken (Fixture       *f,
                 gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *b;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  burrow_client_set_nick (f->bob, "alice");
  b = add (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  error = burrow_test_connect_hub (b);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_TAKEN);
  g_assert_cmpint (burrow_hub_session_get_state (b), ==, BURROW_HUB_STATE_DISCONNECTED);

  /* a nick NMDC cannot carry is refused before connecting */
  burrow_client_set_nick (f->bob, "two words");
  g_clear_error (&error);
  error = burrow_test_connect_hub (b);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID);
}

static void
test_hub_full (Fixture       *f,
               gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data, .max_users = 1 };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *b;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  b = add (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  g_object_set (b, "auto-reconnect", FALSE, NULL);
  error = burrow_test_connect_hub (b);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_HUB_FULL);
}

/* --- hub control ------------------------------------------------------------------------------ */

static void
test_redirect (Fixture       *f,
               gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  g_autoptr(BurrowTestNmdcHub) other = NULL;
  BurrowHubSession *a;
  g_autofree gchar *command = NULL;
  g_autofree gchar *target = NULL;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  other = start_hub (&opts);
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  /* $ForceMove carries a bare address: dchub:// is implied */
  command = g_strdup_printf ("redirect alice 127.0.0.1:%u", burrow_test_nmdc_hub_get_port (other));
  g_free (burrow_test_nmdc_hub_control (hub, command, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_nmdc_hub_wait_user (other, "alice", TRUE, DEADLINE_MS));
  g_assert_true (wait_state (a, BURROW_HUB_STATE_NORMAL));
  target = g_strdup_printf ("dchub://127.0.0.1:%u", burrow_test_nmdc_hub_get_port (other));
  g_assert_cmpstr (burrow_hub_session_get_uri (a), ==, target);
}

static void
test_kick (Fixture       *f,
           gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  g_object_set (a, "auto-reconnect", FALSE, NULL);
  g_free (burrow_test_nmdc_hub_control (hub, "kick alice spamming", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (has_error, a, DEADLINE_MS));
  g_assert_error ((GError *) burrow_hub_session_get_error (a), BURROW_HUB_ERROR, BURROW_HUB_ERROR_KICKED);
}

/* NMDC has no reason field: the hub's bot says why before it closes. A ban is final. */
static void
test_banned (Fixture       *f,
             gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  g_object_set (a, "reconnect-delay", 100, NULL);
  g_free (burrow_test_nmdc_hub_control (hub, "say You are banned from this hub. Reason: testing", &error));
  g_assert_no_error (error);
  g_assert_nonnull (wait_message (a, BURROW_CHAT_KIND_MAIN, "You are banned from this hub. Reason: testing"));
  g_free (burrow_test_nmdc_hub_control (hub, "drop alice", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (has_error, a, DEADLINE_MS));
  g_assert_error ((GError *) burrow_hub_session_get_error (a), BURROW_HUB_ERROR, BURROW_HUB_ERROR_BANNED);
  g_assert_cmpint (burrow_hub_session_get_state (a), ==, BURROW_HUB_STATE_DISCONNECTED);
}

static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  g_object_set (a, "reconnect-delay", 100, NULL);
  g_free (burrow_test_nmdc_hub_control (hub, "drop alice", &error));
  g_assert_no_error (error);
  g_assert_true (wait_state (a, BURROW_HUB_STATE_WAITING) || wait_state (a, BURROW_HUB_STATE_CONNECTING));
  g_assert_true (wait_state (a, BURROW_HUB_STATE_NORMAL));
  g_assert_true (burrow_test_nmdc_hub_wait_user (hub, "alice", TRUE, DEADLINE_MS));
}

/* Verlihub bans a nick for 60 s after every login ("Reconnecting too fast"): the session says so
 * and waits, it does not hammer the hub. */
static void
test_reconnect_ban (Fixture       *f,
                    gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = "verlihub", .preset = "real" };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a;
  g_autoptr(GError) error = NULL;
  guint logins;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  g_object_set (a, "reconnect-delay", 100, NULL);
  burrow_hub_session_disconnect (a);
  g_assert_true (burrow_test_nmdc_hub_wait_user (hub, "alice", FALSE, DEADLINE_MS));
  logins = count_of (hub, "$ValidateNick");
  /* a one-shot connect (the CLI's) fails at once with the code */
  error = burrow_test_connect_hub (a);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_TEMP_BANNED);
  /* a session that reconnects by itself waits for the ban to end: no more logins meanwhile */
  burrow_hub_session_connect (a);
  g_assert_true (burrow_test_wait_until (temp_banned, a, DEADLINE_MS));
  g_assert_cmpint (burrow_hub_session_get_state (a), ==, BURROW_HUB_STATE_WAITING);
  g_assert_cmpuint (_burrow_hub_session_get_reconnect_delay (a), >=, 30 * 1000);
  burrow_test_iterate_for (1500);
  logins += 2;
  g_assert_cmpuint (count_of (hub, "$ValidateNick"), ==, logins);
}

/* --- chat ------------------------------------------------------------------------------------- */

static void
test_chat (Fixture       *f,
           gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  BurrowChatMessage *m;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  b = join (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_true (wait_nick (a, "bob", TRUE));

  /* escapes survive: $ | & */
  g_assert_true (burrow_hub_session_send_chat (a, "costs $5 | cheap & good", &error));
  g_assert_no_error (error);
  m = wait_message (b, BURROW_CHAT_KIND_MAIN, "costs $5 | cheap & good");
  g_assert_nonnull (m);
  g_assert_cmpstr (burrow_chat_message_get_nick (m), ==, "alice");
  /* the hub echoes main chat to the sender too */
  m = wait_message (a, BURROW_CHAT_KIND_MAIN, "costs $5 | cheap & good");
  g_assert_nonnull (m);
  g_assert_true (burrow_chat_message_get_outgoing (m));

  /* /me, the NMDC way */
  g_assert_true (burrow_hub_session_send_chat (a, "/me waves", &error));
  m = wait_message (b, BURROW_CHAT_KIND_MAIN, "waves");
  g_assert_nonnull (m);
  g_assert_true (burrow_chat_message_get_third_person (m));

  /* private messages, both ways */
  g_assert_true (burrow_hub_session_send_private (a, burrow_hub_session_lookup_nick (a, "bob"),
                                                  "psst | $secret", &error));
  g_assert_no_error (error);
  m = wait_message (b, BURROW_CHAT_KIND_PRIVATE, "psst | $secret");
  g_assert_nonnull (m);
  g_assert_cmpstr (burrow_chat_message_get_nick (m), ==, "alice");
  g_assert_true (burrow_hub_session_send_private (b, burrow_hub_session_lookup_nick (b, "alice"),
                                                  "back", &error));
  g_assert_nonnull (wait_message (a, BURROW_CHAT_KIND_PRIVATE, "back"));
  /* our own copy is kept (the hub does not echo private messages) */
  g_assert_nonnull (burrow_test_find_message (burrow_hub_session_get_messages (a), BURROW_CHAT_KIND_PRIVATE,
                                  "psst | $secret"));

  /* the hub's own chat */
  g_free (burrow_test_nmdc_hub_control (hub, "say Welcome everyone", &error));
  g_assert_no_error (error);
  g_assert_nonnull (wait_message (a, BURROW_CHAT_KIND_MAIN, "Welcome everyone"));
}

/* A Russian hub: CP1251 nick and Cyrillic chat both ways. */
static void
test_cp1251 (Fixture       *f,
             gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data, .charset = "cp1251" };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  BurrowChatMessage *m;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;

  if (hub == NULL)
    return;
  burrow_client_set_nick (f->alice, "Вася");
  a = add (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_true (burrow_hub_session_set_encoding (a, "cp1251", &error));
  g_assert_cmpstr (burrow_hub_session_get_encoding (a), ==, "CP1251");
  error = burrow_test_connect_hub (a);
  g_assert_no_error (error);
  b = add (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_true (burrow_hub_session_set_encoding (b, "CP1251", &error));
  error = burrow_test_connect_hub (b);
  g_assert_no_error (error);

  g_assert_true (wait_nick (b, "Вася", TRUE));
  g_assert_true (burrow_hub_session_send_chat (a, "Привет, мир", &error));
  m = wait_message (b, BURROW_CHAT_KIND_MAIN, "Привет, мир");
  g_assert_nonnull (m);
  g_assert_cmpstr (burrow_chat_message_get_nick (m), ==, "Вася");
  g_assert_true (burrow_hub_session_send_private (b, burrow_hub_session_lookup_nick (b, "Вася"),
                                                  "Здравствуй", &error));
  g_assert_nonnull (wait_message (a, BURROW_CHAT_KIND_PRIVATE, "Здравствуй"));
  /* on the wire: CP1251 bytes, one per letter (the hub logs bytes >= 0x7f as \xNN) */
  log = burrow_test_nmdc_hub_dup_log (hub);
  g_assert_nonnull (strstr (log, "$ValidateNick \\xc2\\xe0\\xf1\\xff"));

  /* an unknown charset is refused with a code */
  g_assert_false (burrow_hub_session_set_encoding (a, "NO-SUCH-CHARSET", &error));
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION);
}

/* --- $MyINFO ---------------------------------------------------------------------------------- */

static void
test_myinfo (Fixture       *f,
             gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *info = NULL;
  g_autofree gchar *description = NULL;
  guint before;

  if (hub == NULL)
    return;
  /* a description far over PtokaX's 256 bytes: shortened, the tag kept whole */
  description = g_strnfill (600, 'd');
  burrow_client_set_description (f->alice, description);
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  burrow_nmdc_hub_session_set_myinfo_interval (BURROW_NMDC_HUB_SESSION (a), 1500);
  b = join (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_true (wait_nick (b, "alice", TRUE));
  info = burrow_test_nmdc_hub_control (hub, "myinfo alice", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (info), <=, BURROW_NMDC_MAX_MYINFO_BYTES);
  g_assert_nonnull (strstr (info, "$MyINFO $ALL alice "));
  if (g_str_equal (data, "verlihub"))
    g_assert_nonnull (strstr (info, ",M:P,H:1/0/0,S:"));

  /* two changes in a row: one $MyINFO now, the second after the hubs' window, never more */
  before = count_of (hub, "$MyINFO");
  burrow_client_set_description (f->alice, "first");
  burrow_client_set_description (f->alice, "second");
  burrow_test_iterate_for (300);
  g_assert_cmpuint (count_of (hub, "$MyINFO"), <=, before + 1);
  g_assert_true (burrow_test_nmdc_hub_wait_log (hub, "alice second", DEADLINE_MS));
  burrow_test_iterate_for (300);
  g_assert_cmpuint (count_of (hub, "$MyINFO"), <=, before + 2);
}

/* 100,000 users in one burst, as a big hub sends them. */
static void
test_big_list (Fixture       *f,
               gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data, .fake_users = 100000 };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a;

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  g_assert_cmpuint (g_list_model_get_n_items (burrow_hub_session_get_users (a)), >=, 100001);
  g_assert_nonnull (burrow_hub_session_lookup_nick (a, "user000001"));
  g_assert_nonnull (burrow_hub_session_lookup_nick (a, "user100000"));
}

/* --- searches --------------------------------------------------------------------------------- */

typedef struct
{
  BurrowSearchQuery *query;
  BurrowUser        *from;
  BurrowSearchReply *reply;
  guint              n;
} Seen;

static void
on_search_request (BurrowHubSession        *session,
                   BurrowUser              *from,
                   const BurrowSearchQuery *query,
                   Seen                    *seen)
{
  g_clear_pointer (&seen->query, burrow_search_query_free);
  seen->query = burrow_search_query_copy (query);
  g_set_object (&seen->from, from);
  seen->n++;
}

static void
on_search_result (BurrowHubSession        *session,
                  BurrowUser              *from,
                  const BurrowSearchReply *reply,
                  Seen                    *seen)
{
  g_clear_pointer (&seen->reply, burrow_search_reply_free);
  seen->reply = burrow_search_reply_copy (reply);
  g_set_object (&seen->from, from);
  seen->n++;
}

static gboolean
seen_some (gpointer data)
{
  return ((Seen *) data)->n > 0;
}

static void
seen_clear (Seen *seen)
{
  g_clear_pointer (&seen->query, burrow_search_query_free);
  g_clear_pointer (&seen->reply, burrow_search_reply_free);
  g_clear_object (&seen->from);
  seen->n = 0;
}

/* Passive searches through the hub, words and TTH, answered with $SR through the hub (the
 * \x05target suffix), and each result handed to its search by what it answers. */
static void
test_search_passive (Fixture       *f,
                     gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a, *b;
  g_autoptr(BurrowSearchQuery) query = burrow_search_query_new ();
  g_autoptr(BurrowSearchReply) reply = burrow_search_reply_new ();
  Seen asked = { 0 }, answered = { 0 };
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  /* PtokaX and Verlihub send passive searches only to active users with a share */
  burrow_client_set_mode (f->bob, BURROW_CONNECTION_MODE_ACTIVE);
  a = add (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  b = add (f->bob, burrow_test_nmdc_hub_get_uri (hub));
  burrow_hub_session_set_share_info (a, 1 << 20, 1, 3, 3);
  burrow_hub_session_set_share_info (b, 1 << 20, 1, 3, 3);
  error = burrow_test_connect_hub (a);
  g_assert_no_error (error);
  error = burrow_test_connect_hub (b);
  g_assert_no_error (error);
  burrow_nmdc_hub_session_set_search_interval (BURROW_NMDC_HUB_SESSION (a), 100);
  g_signal_connect (b, "search-request", G_CALLBACK (on_search_request), &asked);
  g_signal_connect (a, "search-result", G_CALLBACK (on_search_result), &answered);
  g_assert_true (wait_nick (a, "bob", TRUE));
  g_assert_true (burrow_user_is_active (burrow_hub_session_lookup_nick (a, "bob")));

  burrow_search_query_add_include (query, "holiday");
  burrow_search_query_add_include (query, "beach");
  query->token = g_strdup ("tok1");
  g_assert_true (burrow_hub_session_send_search (a, query, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (seen_some, &asked, DEADLINE_MS));
  g_assert_cmpstr (burrow_user_get_nick (asked.from), ==, "alice");
  g_assert_cmpuint (asked.query->include->len, ==, 2);
  g_assert_null (asked.query->udp_host);

  reply->path = g_strdup ("/share/Holiday Beach 2026.jpg");
  reply->size = 123456;
  reply->free_slots = 2;
  reply->has_tth = TRUE;
  memset (reply->tth, 7, sizeof reply->tth);
  g_assert_true (burrow_hub_session_send_search_reply (b, asked.from, reply, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (seen_some, &answered, DEADLINE_MS));
  g_assert_cmpstr (answered.reply->path, ==, "/share/Holiday Beach 2026.jpg");
  g_assert_cmpuint (answered.reply->size, ==, 123456);
  g_assert_cmpstr (answered.reply->token, ==, "tok1");
  g_assert_cmpstr (burrow_user_get_nick (answered.from), ==, "bob");

  /* a TTH search (type 9) */
  seen_clear (&asked);
  seen_clear (&answered);
  g_clear_pointer (&query, burrow_search_query_free);
  query = burrow_search_query_new ();
  query->has_tth = TRUE;
  memset (query->tth, 7, sizeof query->tth);
  query->token = g_strdup ("tok2");
  g_assert_true (burrow_hub_session_send_search (a, query, &error));
  g_assert_true (burrow_test_wait_until (seen_some, &asked, DEADLINE_MS));
  g_assert_true (asked.query->has_tth);
  g_assert_cmpmem (asked.query->tth, 24, query->tth, 24);
  g_assert_true (burrow_hub_session_send_search_reply (b, asked.from, reply, &error));
  g_assert_true (burrow_test_wait_until (seen_some, &answered, DEADLINE_MS));
  g_assert_cmpstr (answered.reply->token, ==, "tok2");

  seen_clear (&asked);
  seen_clear (&answered);
}

/* Searches wait their turn in a per-hub queue rather than being dropped by the hub. */
static void
test_search_queue (Fixture       *f,
                   gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = data };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  BurrowHubSession *a;
  BurrowNmdcHubSession *nmdc;
  g_autoptr(GError) error = NULL;
  const gchar *words[] = { "one", "two", "three" };

  if (hub == NULL)
    return;
  a = join (f->alice, burrow_test_nmdc_hub_get_uri (hub));
  nmdc = BURROW_NMDC_HUB_SESSION (a);
  /* the interval comes from the hub software when not set */
  g_assert_cmpuint (burrow_nmdc_hub_session_get_search_interval (nmdc), >=,
                    g_str_equal (data, "verlihub") ? 48000 : 12000);
  burrow_nmdc_hub_session_set_search_interval (nmdc, 700);
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autoptr(BurrowSearchQuery) query = burrow_search_query_new ();

      burrow_search_query_add_include (query, words[i]);
      query->token = g_strdup (words[i]);
      g_assert_true (burrow_hub_session_send_search (a, query, &error));
      g_assert_no_error (error);
    }
  /* one went out at once, two wait */
  g_assert_cmpuint (burrow_nmdc_hub_session_get_n_queued_searches (nmdc), ==, 2);
  g_assert_true (burrow_test_nmdc_hub_wait_log (hub, "three", DEADLINE_MS));
  g_assert_cmpuint (burrow_nmdc_hub_session_get_n_queued_searches (nmdc), ==, 0);
  g_assert_cmpuint (count_of (hub, "$Search"), ==, 3);
}

/* --- nmdcs:// ---------------------------------------------------------------------------------- */

static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = "verlihub", .tls = TRUE };
  g_autoptr(BurrowTestNmdcHub) hub = start_hub (&opts);
  g_autofree gchar *pinned = NULL;
  g_autofree gchar *wrong = NULL;
  BurrowHubSession *a, *b;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;
  pinned = g_strdup_printf ("%s/?kp=%s", burrow_test_nmdc_hub_get_uri (hub),
                            burrow_test_nmdc_hub_get_keyprint (hub));
  a = join (f->alice, pinned);
  g_assert_cmpint (burrow_hub_session_get_protocol (a), ==, BURROW_HUB_PROTOCOL_NMDCS);
  g_assert_cmpstr (burrow_hub_session_get_keyprint (a), ==, burrow_hub_session_get_keyprint (a));
  g_assert_nonnull (burrow_hub_session_get_tls_cipher (a));

  wrong = g_strdup_printf ("%s/?kp=SHA256/%s", burrow_test_nmdc_hub_get_uri (hub),
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  b = add (f->bob, wrong);
  error = burrow_test_connect_hub (b);
  g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_KEYPRINT_MISMATCH);
}

int
main (int   argc,
      char *argv[])
{
  static const gchar *profiles[] = { "ptokax", "verlihub" };

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/burrow/hub/nmdc/login/ptokax", Fixture, "ptokax", fixture_set_up, test_login, fixture_tear_down);
  g_test_add ("/burrow/hub/nmdc/login/verlihub", Fixture, "verlihub", fixture_set_up, test_login, fixture_tear_down);
  g_test_add ("/burrow/hub/nmdc/login/ptokax-real", Fixture, "ptokax-real", fixture_set_up, test_login, fixture_tear_down);
  g_test_add ("/burrow/hub/nmdc/login/verlihub-real", Fixture, "verlihub-real", fixture_set_up, test_login, fixture_tear_down);
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      const gchar *p = profiles[i];
      g_autofree gchar *registered = g_strdup_printf ("/burrow/hub/nmdc/registered/%s", p);
      g_autofree gchar *taken = g_strdup_printf ("/burrow/hub/nmdc/nick-taken/%s", p);
      g_autofree gchar *full = g_strdup_printf ("/burrow/hub/nmdc/hub-full/%s", p);
      g_autofree gchar *redirect = g_strdup_printf ("/burrow/hub/nmdc/redirect/%s", p);
      g_autofree gchar *kick = g_strdup_printf ("/burrow/hub/nmdc/kick/%s", p);
      g_autofree gchar *reconnect = g_strdup_printf ("/burrow/hub/nmdc/reconnect/%s", p);
      g_autofree gchar *banned = g_strdup_printf ("/burrow/hub/nmdc/banned/%s", p);
      g_autofree gchar *chat = g_strdup_printf ("/burrow/hub/nmdc/chat/%s", p);
      g_autofree gchar *cp1251 = g_strdup_printf ("/burrow/hub/nmdc/cp1251/%s", p);
      g_autofree gchar *myinfo = g_strdup_printf ("/burrow/hub/nmdc/myinfo/%s", p);
      g_autofree gchar *passive = g_strdup_printf ("/burrow/hub/nmdc/search-passive/%s", p);
      g_autofree gchar *queue = g_strdup_printf ("/burrow/hub/nmdc/search-queue/%s", p);

      g_test_add (registered, Fixture, p, fixture_set_up, test_registered, fixture_tear_down);
      g_test_add (taken, Fixture, p, fixture_set_up, test_nick_taken, fixture_tear_down);
      g_test_add (full, Fixture, p, fixture_set_up, test_hub_full, fixture_tear_down);
      g_test_add (redirect, Fixture, p, fixture_set_up, test_redirect, fixture_tear_down);
      g_test_add (kick, Fixture, p, fixture_set_up, test_kick, fixture_tear_down);
      g_test_add (reconnect, Fixture, p, fixture_set_up, test_reconnect, fixture_tear_down);
      g_test_add (banned, Fixture, p, fixture_set_up, test_banned, fixture_tear_down);
      g_test_add (chat, Fixture, p, fixture_set_up, test_chat, fixture_tear_down);
      g_test_add (cp1251, Fixture, p, fixture_set_up, test_cp1251, fixture_tear_down);
      g_test_add (myinfo, Fixture, p, fixture_set_up, test_myinfo, fixture_tear_down);
      g_test_add (passive, Fixture, p, fixture_set_up, test_search_passive, fixture_tear_down);
      g_test_add (queue, Fixture, p, fixture_set_up, test_search_queue, fixture_tear_down);
    }
  g_test_add ("/burrow/hub/nmdc/reconnect-ban/verlihub-real", Fixture, NULL, fixture_set_up,
              test_reconnect_ban, fixture_tear_down);
  g_test_add ("/burrow/hub/nmdc/big-list/ptokax", Fixture, "ptokax", fixture_set_up, test_big_list,
              fixture_tear_down);
  g_test_add ("/burrow/hub/nmdc/tls/verlihub", Fixture, NULL, fixture_set_up, test_tls, fixture_tear_down);

  return g_test_run ();
}
