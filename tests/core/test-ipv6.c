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
wait_user (BurrowHubSession *session,
           const gchar      *nick)
{
  Seen s = { session, nick };

  g_assert_true (burrow_test_wait_until (sees, &s, DEADLINE_MS));
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/ipv6/inf-fields", test_inf_fields);
  g_test_add ("/burrow/ipv6/hub-login", Fixture, "::1", set_up, test_hub_login, tear_down);

  return g_test_run ();
}
