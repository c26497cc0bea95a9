/* test-cli.c — burrow-cli as a user runs it: commands, JSON events, exit codes
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS (30 * 1000)

typedef struct
{
  gchar *dir;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("burrow-cli-XXXXXX", NULL);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
have_cli (void)
{
  if (g_getenv ("BURROW_CLI") == NULL)
    {
      g_test_skip ("BURROW_CLI is not set (run through meson test)");
      return FALSE;
    }
  return TRUE;
}

static BurrowTestHub *
start_hub (void)
{
  g_autoptr(GError) error = NULL;
  BurrowTestHub *hub = burrow_test_hub_start (NULL, &error);

  if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_test_skip ("uhub is not installed");
  else
    g_assert_no_error (error);
  return hub;
}

/* --json user events name both addresses: on a hub reached over IPv6 the hub fills in bob's
 * `I6 ::`, and his user-join says "ip6":"::1" (and no IPv4 address). */
static void
test_users_ipv6 (Fixture       *f,
                 gconstpointer  data)
{
  BurrowTestHubOptions opts = { .bind_address = "::1" };
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autoptr(BurrowClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (v6, 0);

  if (!have_cli ())
    return;
  if (probe == NULL || !g_socket_bind (probe, any, FALSE, NULL))
    {
      g_test_skip ("no IPv6 loopback here");
      return;
    }
  hub = burrow_test_hub_start (&opts, &error);
  if (hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  g_assert_no_error (error);
  bob = burrow_test_new_client (f->dir, "bob", FALSE);
  burrow_test_join_hub (bob, burrow_test_hub_get_uri (hub));

  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "--json", "users",
                                   burrow_test_hub_get_uri (hub), NULL };
    g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (args, DEADLINE_MS);
    g_auto(GStrv) lines = NULL;
    guint seen = 0;

    g_assert_cmpint (r->status, ==, 0);
    lines = g_strsplit (r->out, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      if (g_str_has_prefix (lines[i], "{\"event\":\"user-join\"") &&
          strstr (lines[i], "\"nick\":\"bob\"") != NULL)
        {
          g_assert_nonnull (strstr (lines[i], "\"ip6\":\"::1\""));
          g_assert_nonnull (strstr (lines[i], "\"ip4\":null"));
          seen++;
        }
    g_assert_cmpuint (seen, ==, 1);
  }
}

static guint
count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  const gchar * const no_command[] = { "--data-dir", f->dir, NULL };
  const gchar * const bad_command[] = { "--data-dir", f->dir, "dance", NULL };
  const gchar * const missing_arg[] = { "--data-dir", f->dir, "say", "adc://127.0.0.1:1", NULL };
  const gchar * const bad_mode[] = { "--data-dir", f->dir, "--mode", "sideways", "users", "adc://h", NULL };
  const gchar * const bad_uri[] = { "--data-dir", f->dir, "users", "http://example.org/", NULL };
  const gchar * const *cases[] = { no_command, bad_command, missing_arg, bad_mode, bad_uri };

  if (!have_cli ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (cases[i], DEADLINE_MS);

      g_assert_cmpint (r->status, ==, 2);
      g_assert_cmpstr (r->out, ==, "");
      g_assert_true (g_str_has_prefix (r->err, "burrow-cli: "));
    }
}

static void
test_runtime_failure (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autofree gchar *uri = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (!have_cli ())
    return;

  /* a port that refuses: bind one, then close it */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  uri = g_strdup_printf ("adc://127.0.0.1:%u", port);

  {
    const gchar * const args[] = { "--data-dir", f->dir, "users", uri, NULL };
    g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (args, DEADLINE_MS);

    g_assert_cmpint (r->status, ==, 1);
    g_assert_cmpuint (count_lines (r->err), ==, 1);
    g_assert_nonnull (strstr (r->err, uri));
  }
}

static void
test_users_and_chat (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  const gchar *uri;

  if (!have_cli () || (hub = start_hub ()) == NULL)
    return;
  uri = burrow_test_hub_get_uri (hub);

  bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "bob", NULL, &error);
  g_assert_no_error (error);

  /* human output lists both users */
  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "users", uri, NULL };
    g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (args, DEADLINE_MS);

    g_assert_cmpint (r->status, ==, 0);
    g_assert_nonnull (strstr (r->out, "2 users on burrow-test-hub"));
    g_assert_nonnull (strstr (r->out, "\nbob "));
    g_assert_nonnull (strstr (r->out, "\nalice "));
  }

  /* --json: one object per line, each with an "event" */
  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "--json", "users", uri, NULL };
    g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (args, DEADLINE_MS);
    g_auto(GStrv) lines = NULL;
    guint joins = 0;

    g_assert_cmpint (r->status, ==, 0);
    lines = g_strsplit (r->out, "\n", -1);
    for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
      {
        g_assert_true (g_str_has_prefix (lines[i], "{\"event\":\""));
        g_assert_true (g_str_has_suffix (lines[i], "}"));
        if (g_str_has_prefix (lines[i], "{\"event\":\"user-join\"") && strstr (lines[i], "\"nick\":\"bob\""))
          joins++;
      }
    g_assert_cmpuint (joins, ==, 1);
    g_assert_nonnull (strstr (r->out, "{\"event\":\"hub-state\",\"hub\":\"adc://127.0.0.1"));
    g_assert_nonnull (strstr (r->out, "\"state\":\"normal\""));
  }

  /* say: bob receives it */
  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "say", uri,
                                   "hello from the cli", NULL };
    g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (args, DEADLINE_MS);

    g_assert_cmpint (r->status, ==, 0);
    g_assert_true (burrow_test_adc_client_wait_for (bob, "BMSG", DEADLINE_MS, &line, &error));
    g_assert_no_error (error);
    g_assert_nonnull (strstr (line, " hello\\sfrom\\sthe\\scli"));
    g_clear_pointer (&line, g_free);
  }

  /* pm: bob receives a private message; an unknown nick is a runtime failure */
  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "pm", uri, "bob",
                                   "just for you", NULL };
    const gchar * const nobody[] = { "--data-dir", f->dir, "--nick", "alice", "pm", uri, "nobody",
                                     "hello?", NULL };
    g_autoptr(BurrowTestCliRun) r = burrow_test_run_cli (args, DEADLINE_MS);
    g_autoptr(BurrowTestCliRun) r2 = NULL;

    g_assert_cmpint (r->status, ==, 0);
    g_assert_true (burrow_test_adc_client_wait_for (bob, "EMSG", DEADLINE_MS, &line, &error));
    g_assert_no_error (error);
    g_assert_nonnull (strstr (line, " just\\sfor\\syou"));
    g_assert_nonnull (strstr (line, " PM"));

    r2 = burrow_test_run_cli (nobody, DEADLINE_MS);
    g_assert_cmpint (r2->status, ==, 1);
    g_assert_nonnull (strstr (r2->err, "nobody"));
  }
}

typedef struct
{
  GString  *out;
  gboolean  saw_chat;
  gboolean  eof;
} ServeWatch;

static void on_serve_read (GObject *source, GAsyncResult *result, gpointer data);

static void
read_next (GInputStream *in,
           ServeWatch   *w)
{
  g_input_stream_read_bytes_async (in, 4096, G_PRIORITY_DEFAULT, NULL, on_serve_read, w);
}

static void
on_serve_read (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  ServeWatch *w = data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      w->eof = TRUE;
      return;
    }
  g_string_append_len (w->out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (strstr (w->out->str, "{\"event\":\"chat\"") && strstr (w->out->str, "\"text\":\"hi serve\""))
    w->saw_chat = TRUE;
  read_next (G_INPUT_STREAM (source), w);
}

static void
test_serve_until_signal (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  ServeWatch w = { g_string_new (NULL), FALSE, FALSE };
  g_autofree gchar *line = NULL;

  if (!have_cli () || (hub = start_hub ()) == NULL)
    return;

  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "--json", "serve",
                                   burrow_test_hub_get_uri (hub), NULL };
    proc = burrow_test_spawn_cli (args);
  }
  read_next (g_subprocess_get_stdout_pipe (proc), &w);

  bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "bob", NULL, &error);
  g_assert_no_error (error);
  /* wait until alice is on the hub (bob sees her INF), then talk */
  g_assert_true (burrow_test_adc_client_wait_for (bob, "BINF", DEADLINE_MS, &line, &error));
  while (strstr (line, "NIalice") == NULL)
    {
      g_clear_pointer (&line, g_free);
      g_assert_true (burrow_test_adc_client_wait_for (bob, "BINF", DEADLINE_MS, &line, &error));
    }
  {
    g_autofree gchar *msg = g_strdup_printf ("BMSG %s hi\\sserve", burrow_test_adc_client_get_sid (bob));
    g_assert_true (burrow_test_adc_client_send_line (bob, msg, &error));
  }
  g_assert_true (burrow_test_wait_for_flag (&w.saw_chat, DEADLINE_MS));

  /* SIGTERM: clean shutdown, exit 0, alice leaves the hub */
  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (burrow_test_wait_for_flag (&w.eof, DEADLINE_MS));
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_true (burrow_test_adc_client_wait_for (bob, "IQUI", DEADLINE_MS, NULL, &error));
  g_assert_no_error (error);
  g_string_free (w.out, TRUE);
}

static gboolean
output_has (gpointer data)
{
  gpointer *pair = data;
  ServeWatch *w = pair[0];

  return strstr (w->out->str, pair[1]) != NULL;
}

/* `--mode auto`: a `connectivity` event at once (passive until a hub tells our address), then,
 * when the hub sees one of our own addresses, active and direct; bob sees alice announce TCP4.
 * SIGTERM still exits 0 promptly. Port mapping off: no packet to a router. */
static void
test_serve_auto (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(BurrowTestHub) hub = NULL;
  g_autoptr(BurrowTestAdcClient) bob = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  ServeWatch w = { g_string_new (NULL), FALSE, FALSE };
  g_autofree gchar *line = NULL;
  gpointer pending[2] = { &w, "\"why\":\"pending\"" };
  gpointer direct[2] = { &w, "\"mode\":\"active\",\"method\":\"direct\"" };
  gint64 signalled;

  if (!have_cli () || (hub = start_hub ()) == NULL)
    return;

  {
    const gchar * const args[] = { "--data-dir", f->dir, "--nick", "alice", "--json",
                                   "--mode", "auto", "--no-port-mapping", "serve",
                                   burrow_test_hub_get_uri (hub), NULL };
    proc = burrow_test_spawn_cli (args);
  }
  read_next (g_subprocess_get_stdout_pipe (proc), &w);
  g_assert_true (burrow_test_wait_until (output_has, pending, DEADLINE_MS));
  g_assert_true (burrow_test_wait_until (output_has, direct, DEADLINE_MS));
  g_assert_nonnull (strstr (w.out->str, "\"external_address\":\"127.0.0.1\""));
  g_assert_nonnull (strstr (w.out->str, "\"family\":\"ipv4\""));
  g_assert_nonnull (strstr (w.out->str, "\"confirmed\":false"));

  bob = burrow_test_adc_client_connect (burrow_test_hub_get_port (hub), "bob", NULL, &error);
  g_assert_no_error (error);
  /* alice's INF, as the hub relays it, says she takes connections */
  do
    {
      g_clear_pointer (&line, g_free);
      g_assert_true (burrow_test_adc_client_wait_for (bob, "BINF", DEADLINE_MS, &line, &error));
    }
  while (strstr (line, "NIalice") == NULL && strstr (line, "TCP4") == NULL);
  while (strstr (line, "TCP4") == NULL)
    {
      g_clear_pointer (&line, g_free);
      g_assert_true (burrow_test_adc_client_wait_for (bob, "BINF", DEADLINE_MS, &line, &error));
    }

  signalled = g_get_monotonic_time ();
  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (burrow_test_wait_for_flag (&w.eof, DEADLINE_MS));
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - signalled, <, 5 * G_USEC_PER_SEC);
  g_string_free (w.out, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/cli/commands/usage-errors", Fixture, NULL, set_up, test_usage_errors, tear_down);
  g_test_add ("/burrow/cli/commands/runtime-failure", Fixture, NULL, set_up, test_runtime_failure, tear_down);
  g_test_add ("/burrow/cli/commands/users-and-chat", Fixture, NULL, set_up, test_users_and_chat, tear_down);
  g_test_add ("/burrow/cli/commands/users-ipv6", Fixture, NULL, set_up, test_users_ipv6, tear_down);
  g_test_add ("/burrow/cli/commands/serve-until-signal", Fixture, NULL, set_up, test_serve_until_signal, tear_down);
  g_test_add ("/burrow/cli/commands/serve-auto", Fixture, NULL, set_up, test_serve_auto, tear_down);

  return g_test_run ();
}
