/* test-test-hub.c — the test harness itself: real uhub, raw ADC client, fake hub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-test-hub"

#include "config.h"

#include <string.h>

#include "burrow-base32.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define TIMEOUT_MS 10000

static BurrowTestHub *
start_hub_or_skip (const BurrowTestHubOptions *opts)
{
  g_autoptr(GError) error = NULL;
  BurrowTestHub *hub;

  if (opts != NULL && (opts->tls || opts->redirect_to != NULL)
      && !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no GIO TLS backend (glib-networking)");
      return NULL;
    }
  hub = burrow_test_hub_start (opts, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  g_assert_nonnull (hub);

  return hub;
}

static BurrowTestAdcClient *
login (BurrowTestHub *hub,
       gboolean       tls,
       const gchar   *nick,
       const gchar   *password)
{
  g_autoptr(GError) error = NULL;
  BurrowTestAdcClient *client;

  if (tls)
    client = burrow_test_adc_client_connect_tls (burrow_test_hub_get_port (hub), nick, password,
                                                 &error);
  else
    client = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), nick, password,
                                             &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);

  return client;
}

static gchar *
wait_line (BurrowTestAdcClient *client,
           const gchar         *prefix)
{
  g_autoptr(GError) error = NULL;
  gchar *line = NULL;

  burrow_test_adc_client_wait_for (client, prefix, TIMEOUT_MS, &line, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  return line;
}

static void
send_line (BurrowTestAdcClient *client,
           const gchar         *line)
{
  g_autoptr(GError) error = NULL;

  burrow_test_adc_client_send_line (client, line, &error);
  g_assert_no_error (error);
}

/* Two clients see each other's INF (own INF last), chat arrives, hub INF carries the name. */
static void
test_uhub_plain_login_chat (void)
{
  BurrowTestHubOptions opts = { .hub_name = "Harness", .hub_description = "harness test" };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) alice = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected_uri = NULL;
  g_autofree gchar *prefix = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *msg = NULL;
  g_autofree gchar *hub_inf = NULL;

  if (hub == NULL)
    return;

  expected_uri = g_strdup_printf ("adc://127.0.0.1:%u", burrow_test_hub_get_port (hub));
  g_assert_cmpstr (burrow_test_hub_get_uri (hub), ==, expected_uri);
  g_assert_null (burrow_test_hub_get_keyprint (hub));
  g_assert_true (burrow_test_hub_is_running (hub));

  alice = login (hub, FALSE, "alice", NULL);
  bob = login (hub, FALSE, "bob", NULL);
  g_assert_cmpstr (burrow_test_adc_client_get_sid (alice), ==, "AAAB");
  g_assert_cmpstr (burrow_test_adc_client_get_sid (bob), ==, "AAAC");
  g_assert_cmpuint (strlen (burrow_test_adc_client_get_cid (alice)), ==, 39);

  /* alice sees bob join, with the CID bob computed and the address filled in by the hub. */
  prefix = g_strdup_printf ("BINF %s ", burrow_test_adc_client_get_sid (bob));
  line = wait_line (alice, prefix);
  g_assert_nonnull (strstr (line, " NIbob"));
  g_assert_nonnull (strstr (line, burrow_test_adc_client_get_cid (bob)));
  g_assert_nonnull (strstr (line, " I4127.0.0.1"));
  g_assert_null (strstr (line, " PD"));

  send_line (bob, "BMSG AAAC hello\\sworld");
  msg = wait_line (alice, "BMSG ");
  g_assert_cmpstr (msg, ==, "BMSG AAAC hello\\sworld");

  /* The raw client sees the hub's own INF before logging in. */
  raw = burrow_test_adc_client_connect_raw (burrow_test_hub_get_port (hub), FALSE, &error);
  g_assert_no_error (error);
  send_line (raw, "HSUP ADBASE ADTIGR");
  hub_inf = wait_line (raw, "IINF ");
  g_assert_nonnull (strstr (hub_inf, " NIHarness"));
  g_assert_nonnull (strstr (hub_inf, " DEharness\\stest"));
}

static gchar *
openssl_fingerprint_keyprint (const gchar *cert_path)
{
  const gchar *argv[] = { "openssl", "x509", "-in", cert_path, "-noout", "-fingerprint",
                          "-sha256", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *b32 = NULL;
  const gchar *p;
  guint8 digest[32];
  guint n = 0;

  out = burrow_test_run_capture (argv, &error);
  g_assert_no_error (error);
  p = strchr (out, '=');
  g_assert_nonnull (p);
  for (p++; n < sizeof digest && g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]); p += 3)
    digest[n++] = (guint8) (g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]));
  g_assert_cmpuint (n, ==, sizeof digest);
  b32 = burrow_base32_encode (digest, sizeof digest);

  return g_strconcat ("SHA256/", b32, NULL);
}

/* TLS hub: URIs, keyprint equals the certificate seen in the live handshake and the one from
 * `openssl x509 -fingerprint`; TLS clients log in and see each other; plain clients are refused
 * with tls_require. */
static void
test_uhub_tls (void)
{
  BurrowTestHubOptions opts = { .tls = TRUE, .tls_require = TRUE };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) alice = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(BurrowTestAdcClient) plain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected_uri = NULL;
  g_autofree gchar *expected_kp_uri = NULL;
  g_autofree gchar *kp_uri = NULL;
  g_autofree gchar *peer_kp = NULL;
  g_autofree gchar *cert_path = NULL;
  g_autofree gchar *fingerprint_kp = NULL;
  g_autofree gchar *line = NULL;
  const gchar *kp;

  if (hub == NULL)
    return;

  kp = burrow_test_hub_get_keyprint (hub);
  g_assert_nonnull (kp);
  g_assert_true (g_str_has_prefix (kp, "SHA256/"));
  g_assert_true (burrow_base32_is_valid (kp + 7, -1, 32));

  expected_uri = g_strdup_printf ("adcs://127.0.0.1:%u", burrow_test_hub_get_port (hub));
  g_assert_cmpstr (burrow_test_hub_get_uri (hub), ==, expected_uri);
  expected_kp_uri = g_strdup_printf ("%s/?kp=%s", expected_uri, kp);
  kp_uri = burrow_test_hub_dup_uri_with_kp (hub);
  g_assert_cmpstr (kp_uri, ==, expected_kp_uri);

  cert_path = g_build_filename (burrow_test_hub_get_dir (hub), "hub.crt", NULL);
  fingerprint_kp = openssl_fingerprint_keyprint (cert_path);
  g_assert_cmpstr (fingerprint_kp, ==, kp);

  alice = login (hub, TRUE, "alice", NULL);
  peer_kp = burrow_test_adc_client_dup_peer_keyprint (alice);
  g_assert_cmpstr (peer_kp, ==, kp);
  bob = login (hub, TRUE, "bob", NULL);
  line = wait_line (alice, "BINF AAAC ");
  g_assert_nonnull (strstr (line, " NIbob"));

  plain = burrow_test_adc_client_connect_raw (burrow_test_hub_get_port (hub), FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (burrow_test_adc_client_dup_peer_keyprint (plain));
  /* uhub resets a plain client on a tls_require hub without sending anything. */
  burrow_test_adc_client_send_line (plain, "HSUP ADBASE ADTIGR", NULL);
  g_assert_true (burrow_test_adc_client_wait_closed (plain, TIMEOUT_MS));
}

/* Registered user: right password logs in (CT2), wrong one gets ISTA 223. */
static void
test_uhub_password (void)
{
  const gchar * const registered[] = { "alice:s3cret", "carol:pw2", NULL };
  BurrowTestHubOptions opts = { .registered = registered };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) alice = NULL;
  g_autoptr(BurrowTestAdcClient) wrong = NULL;
  g_autoptr(BurrowTestAdcClient) none = NULL;
  g_autoptr(BurrowTestAdcClient) guest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *prefix = NULL;
  guint16 port;

  if (hub == NULL)
    return;
  port = burrow_test_hub_get_port (hub);

  wrong = burrow_test_adc_client_connect (port, "alice", "s3cret-not", &error);
  g_assert_error (error, BURROW_TEST_ADC_ERROR, 223);
  g_assert_null (wrong);
  g_clear_error (&error);

  none = burrow_test_adc_client_connect (port, "carol", NULL, &error);
  g_assert_error (error, BURROW_TEST_ADC_ERROR, BURROW_TEST_ADC_ERROR_PASSWORD);
  g_assert_null (none);
  g_clear_error (&error);

  alice = login (hub, FALSE, "alice", "s3cret");
  /* A guest (no account) needs no password and sees alice as registered (CT2). */
  guest = login (hub, FALSE, "guest", "ignored");
  prefix = g_strdup_printf ("BINF %s ", burrow_test_adc_client_get_sid (alice));
  line = wait_line (guest, prefix);
  g_assert_nonnull (strstr (line, " CT2"));
}

/* PROTOCOL §6.1: DNAT/DRNT and even unknown D-type commands reach the target verbatim. */
static void
test_uhub_dnat_forwarded (void)
{
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (NULL);
  g_autoptr(BurrowTestAdcClient) alice = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autofree gchar *nat = NULL;
  g_autofree gchar *rnt = NULL;
  g_autofree gchar *xyz = NULL;

  if (hub == NULL)
    return;

  alice = login (hub, FALSE, "alice", NULL);
  bob = login (hub, FALSE, "bob", NULL);
  send_line (alice, "DNAT AAAB AAAC ADC/1.0 59212 tok1");
  nat = wait_line (bob, "DNAT ");
  g_assert_cmpstr (nat, ==, "DNAT AAAB AAAC ADC/1.0 59212 tok1");
  send_line (bob, "DRNT AAAC AAAB ADCS/0.10 40000 tok1");
  rnt = wait_line (alice, "DRNT ");
  g_assert_cmpstr (rnt, ==, "DRNT AAAC AAAB ADCS/0.10 40000 tok1");
  send_line (alice, "DXYZ AAAB AAAC anything");
  xyz = wait_line (bob, "DXYZ ");
  g_assert_cmpstr (xyz, ==, "DXYZ AAAB AAAC anything");
}

/* Restart on the same port: old connections end, new ones log in; stop refuses connections. */
static void
test_uhub_restart (void)
{
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (NULL);
  g_autoptr(BurrowTestAdcClient) alice = NULL;
  g_autoptr(BurrowTestAdcClient) again = NULL;
  g_autoptr(BurrowTestAdcClient) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;
  guint16 port;

  if (hub == NULL)
    return;
  port = burrow_test_hub_get_port (hub);

  alice = login (hub, FALSE, "alice", NULL);
  g_assert_true (burrow_test_hub_restart (hub, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (burrow_test_hub_get_port (hub), ==, port);
  g_assert_true (burrow_test_adc_client_wait_closed (alice, TIMEOUT_MS));
  g_clear_pointer (&alice, burrow_test_adc_client_free);
  again = login (hub, FALSE, "alice", NULL);
  g_assert_cmpstr (burrow_test_adc_client_get_sid (again), ==, "AAAB");

  /* Twice more, with a client still connected each time (TIME_WAIT on the port). */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (burrow_test_hub_restart (hub, &error));
      g_assert_no_error (error);
      g_assert_true (burrow_test_adc_client_wait_closed (again, TIMEOUT_MS));
      g_clear_pointer (&again, burrow_test_adc_client_free);
      again = login (hub, FALSE, "alice", NULL);
    }

  burrow_test_hub_kill (hub);
  g_assert_false (burrow_test_hub_is_running (hub));
  g_assert_true (burrow_test_adc_client_wait_closed (again, TIMEOUT_MS));
  refused = burrow_test_adc_client_connect_raw (port, FALSE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (refused);
  g_clear_error (&error);

  g_assert_true (burrow_test_hub_restart (hub, &error));
  g_assert_no_error (error);
  burrow_test_hub_stop (hub);
  log = burrow_test_hub_dup_log (hub);
  g_assert_nonnull (strstr (log, "Terminated"));
}

/* redirect_to: plain clients get IQUI with RD right after HSUP; TLS clients log in. */
static void
test_uhub_redirect (void)
{
  const gchar *target = "adcs://127.0.0.1:1512";
  BurrowTestHubOptions opts = { .redirect_to = target };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autoptr(BurrowTestAdcClient) redirected = NULL;
  g_autoptr(BurrowTestAdcClient) tls = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *qui = NULL;
  g_autofree gchar *expected = NULL;
  guint16 port;

  if (hub == NULL)
    return;
  port = burrow_test_hub_get_port (hub);
  g_assert_true (g_str_has_prefix (burrow_test_hub_get_uri (hub), "adc://"));

  raw = burrow_test_adc_client_connect_raw (port, FALSE, &error);
  g_assert_no_error (error);
  send_line (raw, "HSUP ADBASE ADTIGR");
  qui = wait_line (raw, "IQUI ");
  expected = g_strdup_printf ("IQUI AAAB RD%s", target);
  g_assert_cmpstr (qui, ==, expected);
  g_assert_true (burrow_test_adc_client_wait_closed (raw, TIMEOUT_MS));

  redirected = burrow_test_adc_client_connect (port, "alice", NULL, &error);
  g_assert_error (error, BURROW_TEST_ADC_ERROR, BURROW_TEST_ADC_ERROR_REDIRECT);
  g_assert_cmpstr (error->message, ==, target);
  g_assert_null (redirected);
  g_clear_error (&error);

  tls = login (hub, TRUE, "alice", NULL);
}

/* max_users reached: ISTA 211 (hub full). */
static void
test_uhub_full (void)
{
  BurrowTestHubOptions opts = { .max_users = 1 };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) first = NULL;
  g_autoptr(BurrowTestAdcClient) second = NULL;
  g_autoptr(GError) error = NULL;

  if (hub == NULL)
    return;

  first = login (hub, FALSE, "first", NULL);
  second = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "second", NULL, &error);
  g_assert_error (error, BURROW_TEST_ADC_ERROR, 211);
  g_assert_null (second);
}

/* Kick through the built-in operator; banned nick gets ISTA 231. */
static void
test_uhub_kick_ban (void)
{
  const gchar * const banned[] = { "Enemy", NULL };
  BurrowTestHubOptions opts = { .banned_nicks = banned };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) alice = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(BurrowTestAdcClient) enemy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *qui = NULL;
  g_autofree gchar *bob_line = NULL;

  if (hub == NULL)
    return;

  alice = login (hub, FALSE, "alice", NULL);
  bob = login (hub, FALSE, "bob", NULL);
  g_assert_true (burrow_test_hub_kick (hub, "bob", &error));
  g_assert_no_error (error);

  /* bob's connection ends; what he got after his login is logged for the record. */
  g_free (wait_line (bob, "BINF AAAC "));
  while ((bob_line = burrow_test_adc_client_read_line (bob, TIMEOUT_MS, &error)) != NULL)
    {
      g_test_message ("kicked user got: %s", bob_line);
      g_clear_pointer (&bob_line, g_free);
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);
  qui = wait_line (alice, "IQUI AAAC");
  g_test_message ("others got: %s", qui);

  g_assert_false (burrow_test_hub_kick (hub, "nobody-here", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  enemy = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "Enemy", NULL, &error);
  g_assert_error (error, BURROW_TEST_ADC_ERROR, 231);
  g_assert_null (enemy);
}

/* Count of DNAT lines bob gets from a burst of 12, and whether alice got ISTA 110. */
static void
dnat_burst (BurrowTestHub *hub,
            guint         *delivered,
            gboolean      *warned)
{
  g_autoptr(BurrowTestAdcClient) alice = login (hub, FALSE, "alice", NULL);
  g_autoptr(BurrowTestAdcClient) bob = login (hub, FALSE, "bob", NULL);
  g_autoptr(GError) error = NULL;

  *delivered = 0;
  *warned = FALSE;
  for (guint i = 0; i < 12; i++)
    {
      g_autofree gchar *line = g_strdup_printf ("DNAT AAAB AAAC ADC/1.0 5921%u tok%u", i % 10, i);

      send_line (alice, line);
    }
  send_line (alice, "BMSG AAAB done");

  for (;;)
    {
      g_autofree gchar *line = burrow_test_adc_client_read_line (bob, TIMEOUT_MS, &error);

      g_assert_no_error (error);
      if (g_str_has_prefix (line, "DNAT AAAB AAAC "))
        (*delivered)++;
      if (g_str_has_prefix (line, "BMSG AAAB done"))
        break;
    }
  for (;;)
    {
      g_autofree gchar *line = burrow_test_adc_client_read_line (alice, TIMEOUT_MS, &error);

      g_assert_no_error (error);
      if (g_str_has_prefix (line, "ISTA 110"))
        *warned = TRUE;
      if (g_str_has_prefix (line, "BMSG AAAB done"))
        break;
    }
}

static void
test_uhub_flood_control (void)
{
  BurrowTestHubOptions debian = { .debian_flood_control = TRUE };
  g_autoptr(BurrowTestHub) off = start_hub_or_skip (NULL);
  g_autoptr(BurrowTestHub) on = NULL;
  guint delivered;
  gboolean warned;

  if (off == NULL)
    return;

  dnat_burst (off, &delivered, &warned);
  g_assert_cmpuint (delivered, ==, 12);
  g_assert_false (warned);

  on = start_hub_or_skip (&debian);
  dnat_burst (on, &delivered, &warned);
  g_test_message ("Debian flood control: %u of 12 DNAT delivered", delivered);
  g_assert_cmpuint (delivered, >=, 1);
  g_assert_cmpuint (delivered, <, 12);
  g_assert_true (warned);
}

/* New certificate on the same port: the keyprint and the live certificate change together. */
static void
test_uhub_regenerate_certificate (void)
{
  BurrowTestHubOptions opts = { .tls = TRUE };
  g_autoptr(BurrowTestHub) hub = start_hub_or_skip (&opts);
  g_autoptr(BurrowTestAdcClient) before = NULL;
  g_autoptr(BurrowTestAdcClient) after = NULL;
  g_autofree gchar *old_kp = NULL;
  g_autofree gchar *peer_kp = NULL;
  guint16 port;

  if (hub == NULL)
    return;
  port = burrow_test_hub_get_port (hub);
  old_kp = g_strdup (burrow_test_hub_get_keyprint (hub));
  before = login (hub, TRUE, "alice", NULL);

  burrow_test_hub_regenerate_certificate (hub);
  g_assert_cmpuint (burrow_test_hub_get_port (hub), ==, port);
  g_assert_cmpstr (burrow_test_hub_get_keyprint (hub), !=, old_kp);
  g_assert_true (burrow_test_adc_client_wait_closed (before, TIMEOUT_MS));

  after = login (hub, TRUE, "alice", NULL);
  peer_kp = burrow_test_adc_client_dup_peer_keyprint (after);
  g_assert_cmpstr (peer_kp, ==, burrow_test_hub_get_keyprint (hub));
}

/* A tiny-client-independent check of the fake hub: HSUP gets the scripted reply. */
static void
test_fake_script (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowTestFakeHub) fake = burrow_test_fake_hub_new (&error);
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autofree gchar *l1 = NULL;
  g_autofree gchar *l2 = NULL;
  g_autofree gchar *l3 = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *expected_uri = NULL;
  GPtrArray *received;

  g_assert_no_error (error);
  g_assert_cmpuint (burrow_test_fake_hub_get_port (fake), >, 0);
  uri = burrow_test_fake_hub_dup_uri (fake);
  expected_uri = g_strdup_printf ("adc://127.0.0.1:%u", burrow_test_fake_hub_get_port (fake));
  g_assert_cmpstr (uri, ==, expected_uri);
  g_assert_false (burrow_test_fake_hub_has_client (fake));

  burrow_test_fake_hub_on_line (fake, "HSUP", "ISUP ADBASE ADTIGR\nISID AAAB\n");
  burrow_test_fake_hub_on_line (fake, "HSUP", "IINF CT32 NIfake\n");
  burrow_test_fake_hub_on_line (fake, "PING", "");

  raw = burrow_test_adc_client_connect_raw (burrow_test_fake_hub_get_port (fake), FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_fake_hub_wait_for_client (fake, TIMEOUT_MS));
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (fake), ==, 1);

  send_line (raw, "HSUP ADBASE ADTIGR");
  l1 = burrow_test_adc_client_read_line (raw, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  l2 = burrow_test_adc_client_read_line (raw, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  l3 = burrow_test_adc_client_read_line (raw, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (l1, ==, "ISUP ADBASE ADTIGR");
  g_assert_cmpstr (l2, ==, "ISID AAAB");
  g_assert_cmpstr (l3, ==, "IINF CT32 NIfake");

  received = burrow_test_fake_hub_get_received (fake);
  g_assert_cmpuint (received->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (received, 0), ==, "HSUP ADBASE ADTIGR");

  /* Raw bytes go out exactly as given: invalid UTF-8, an embedded NUL, no trailing newline. */
  burrow_test_fake_hub_send_raw (fake, "\xff\xfe\x00x\nBINF", 9);
  {
    g_autofree gchar *bad = burrow_test_adc_client_read_line (raw, TIMEOUT_MS, &error);

    g_assert_no_error (error);
    g_assert_cmpmem (bad, 4, "\xff\xfe\x00x", 4);
  }
  g_assert_true (burrow_test_fake_hub_wait_sent (fake, TIMEOUT_MS));
  burrow_test_fake_hub_close_client (fake);
  g_assert_false (burrow_test_fake_hub_has_client (fake));
  g_assert_true (burrow_test_adc_client_wait_closed (raw, TIMEOUT_MS));

  /* The client's lines without the '\n' are recorded even when they are not valid UTF-8. */
  g_clear_pointer (&raw, burrow_test_adc_client_free);
  raw = burrow_test_adc_client_connect_raw (burrow_test_fake_hub_get_port (fake), FALSE, &error);
  g_assert_no_error (error);
  send_line (raw, "BXYZ \xc3\x28");
  g_assert_true (burrow_test_fake_hub_wait_for_line (fake, "BXYZ ", TIMEOUT_MS));
  g_assert_cmpstr (g_ptr_array_index (received, received->len - 1), ==, "BXYZ \xc3\x28");
  g_assert_cmpuint (burrow_test_fake_hub_get_n_connections (fake), ==, 2);

  /* The peer closing is noticed. */
  g_clear_pointer (&raw, burrow_test_adc_client_free);
  g_assert_true (burrow_test_fake_hub_wait_no_client (fake, TIMEOUT_MS));
}

/* Login script with a BINF flood: the raw client logs in after N other users, own INF last. */
static void
test_fake_login_flood (void)
{
  const guint n_users = 3000;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowTestFakeHub) fake = burrow_test_fake_hub_new (&error);
  g_autoptr(BurrowTestAdcClient) raw = NULL;
  g_autoptr(GHashTable) sids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) cids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *first = NULL;
  g_autofree gchar *expected_first = NULL;
  gsize total_len = 0;
  guint n_lines = 0;
  gboolean own_seen = FALSE;

  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, n_users);

  raw = burrow_test_adc_client_connect_raw (burrow_test_fake_hub_get_port (fake), FALSE, &error);
  g_assert_no_error (error);
  send_line (raw, "HSUP ADBASE ADTIGR");
  g_free (wait_line (raw, "IINF "));
  send_line (raw, "BINF AAAB IDCID PDPID NImyself SL1");

  while (!own_seen)
    {
      g_autofree gchar *line = burrow_test_adc_client_read_line (raw, TIMEOUT_MS, &error);
      g_auto(GStrv) tokens = NULL;

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (line, "BINF "));
      g_assert_true (g_utf8_validate (line, -1, NULL));
      if (g_str_has_prefix (line, "BINF AAAB "))
        {
          /* The echo drops PD like a hub. */
          g_assert_cmpstr (line, ==, "BINF AAAB IDCID NImyself SL1");
          own_seen = TRUE;
          break;
        }
      if (first == NULL)
        first = g_strdup (line);
      tokens = g_strsplit (line, " ", -1);
      g_assert_cmpuint (strlen (tokens[1]), ==, 4);
      g_assert_true (g_str_has_prefix (tokens[2], "ID"));
      g_assert_true (burrow_base32_is_valid (tokens[2] + 2, -1, 24));
      g_assert_true (g_hash_table_add (sids, g_strdup (tokens[1])));
      g_assert_true (g_hash_table_add (cids, g_strdup (tokens[2])));
      total_len += strlen (line) + 1;
      n_lines++;
    }

  g_assert_cmpuint (n_lines, ==, n_users);
  expected_first = burrow_test_fake_hub_dup_flood_line (fake, 0);
  g_assert_cmpstr (first, ==, expected_first);
  g_assert_true (g_str_has_prefix (first, "BINF AAAC ID"));
  g_assert_nonnull (strstr (first, " NIuser000000 "));
  g_assert_cmpuint (total_len / n_users, >=, 180);
  g_assert_cmpuint (total_len / n_users, <=, 240);

  /* A later BINF (an update) is echoed without a new flood. */
  send_line (raw, "BINF AAAB SL2");
  {
    g_autofree gchar *echo = burrow_test_adc_client_read_line (raw, TIMEOUT_MS, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (echo, ==, "BINF AAAB SL2");
  }
  g_assert_true (burrow_test_fake_hub_wait_sent (fake, TIMEOUT_MS));
  g_assert_cmpuint (burrow_test_fake_hub_get_bytes_sent (fake), >, total_len);
}

/* The raw client's full login works against the fake hub's script too. */
static void
test_fake_client_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowTestFakeHub) fake = burrow_test_fake_hub_new (&error);
  g_autoptr(BurrowTestAdcClient) client = NULL;
  GPtrArray *received;
  const gchar *binf;
  g_autofree gchar *cid_param = NULL;

  g_assert_no_error (error);
  burrow_test_fake_hub_script_login (fake, 10);
  client = burrow_test_adc_client_connect (burrow_test_fake_hub_get_port (fake), "me", NULL,
                                           &error);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_test_adc_client_get_sid (client), ==,
                   burrow_test_fake_hub_get_client_sid (fake));

  received = burrow_test_fake_hub_get_received (fake);
  g_assert_cmpuint (received->len, ==, 2);
  binf = g_ptr_array_index (received, 1);
  g_assert_true (g_str_has_prefix (binf, "BINF AAAB ID"));
  cid_param = g_strdup_printf (" ID%s ", burrow_test_adc_client_get_cid (client));
  g_assert_nonnull (strstr (binf, cid_param));
  g_assert_nonnull (strstr (binf, " PD"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/test-hub/uhub/plain-login-chat", test_uhub_plain_login_chat);
  g_test_add_func ("/burrow/test-hub/uhub/tls", test_uhub_tls);
  g_test_add_func ("/burrow/test-hub/uhub/password", test_uhub_password);
  g_test_add_func ("/burrow/test-hub/uhub/dnat-forwarded", test_uhub_dnat_forwarded);
  g_test_add_func ("/burrow/test-hub/uhub/restart", test_uhub_restart);
  g_test_add_func ("/burrow/test-hub/uhub/redirect", test_uhub_redirect);
  g_test_add_func ("/burrow/test-hub/uhub/hub-full", test_uhub_full);
  g_test_add_func ("/burrow/test-hub/uhub/kick-ban", test_uhub_kick_ban);
  g_test_add_func ("/burrow/test-hub/uhub/flood-control", test_uhub_flood_control);
  g_test_add_func ("/burrow/test-hub/uhub/regenerate-certificate",
                   test_uhub_regenerate_certificate);
  g_test_add_func ("/burrow/test-hub/fake/script", test_fake_script);
  g_test_add_func ("/burrow/test-hub/fake/login-flood", test_fake_login_flood);
  g_test_add_func ("/burrow/test-hub/fake/client-login", test_fake_client_login);

  return g_test_run ();
}
