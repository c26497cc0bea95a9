/* burrow-test-nmdc-hub.c — run the NMDC test hub from C tests
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include "burrow-test-nmdc-hub.h"
#include "burrow-test-util.h"
#include "burrow-tls.h"

#define START_TIMEOUT_MS   30000
#define CONTROL_TIMEOUT_MS 10000

struct _BurrowTestNmdcHub
{
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GCancellable     *cancellable;
  GQueue            lines;        /* gchar *: stdout lines not consumed yet */
  gchar            *dir;
  gchar            *log_path;
  gchar            *uri;
  gchar            *keyprint;
  guint16           port;
  gboolean          eof;
  gboolean          reading;
};

static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void read_next (BurrowTestNmdcHub *hub);

static void
on_line_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  BurrowTestNmdcHub *hub = user_data;
  g_autoptr(GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  hub->reading = FALSE;
  if (line == NULL)
    {
      hub->eof = TRUE;
      return;
    }
  g_queue_push_tail (&hub->lines, line);
  read_next (hub);
}

static void
read_next (BurrowTestNmdcHub *hub)
{
  if (hub->reading || hub->eof)
    return;
  hub->reading = TRUE;
  g_data_input_stream_read_line_async (hub->out, G_PRIORITY_DEFAULT, hub->cancellable, on_line_cb, hub);
}

static gboolean
has_line (gpointer data)
{
  BurrowTestNmdcHub *hub = data;

  return !g_queue_is_empty (&hub->lines) || hub->eof;
}

/* The next stdout line, or NULL on EOF or timeout. */
static gchar *
next_line (BurrowTestNmdcHub *hub,
           guint              timeout_ms)
{
  burrow_test_wait_until (has_line, hub, timeout_ms);
  return g_queue_pop_head (&hub->lines);
}

static gboolean
make_certificate (BurrowTestNmdcHub  *hub,
                  gchar             **cert_path,
                  gchar             **key_path,
                  GError            **error)
{
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GTlsCertificate) certificate = NULL;
  gint status = 0;

  if (openssl == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "openssl is not installed");
      return FALSE;
    }
  *cert_path = g_build_filename (hub->dir, "hub.crt", NULL);
  *key_path = g_build_filename (hub->dir, "hub.key", NULL);
  {
    const gchar *argv[] = {
      openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
      "-subj", "/CN=burrow-nmdc-test-hub", "-keyout", *key_path, "-out", *cert_path, NULL
    };

    if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, error)
        || !g_spawn_check_wait_status (status, error))
      return FALSE;
  }
  certificate = g_tls_certificate_new_from_file (*cert_path, error);
  if (certificate == NULL)
    return FALSE;
  hub->keyprint = burrow_tls_certificate_keyprint (certificate);
  return TRUE;
}

BurrowTestNmdcHub *
burrow_test_nmdc_hub_start (const BurrowTestNmdcHubOptions *opts,
                            GError                        **error)
{
  static const BurrowTestNmdcHubOptions defaults = { 0 };
  const gchar *script = g_getenv ("BURROW_NMDC_HUB");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BurrowTestNmdcHub) hub = g_new0 (BurrowTestNmdcHub, 1);
  g_autofree gchar *ready = NULL;
  g_autofree gchar *cert = NULL;
  g_autofree gchar *key = NULL;

  if (opts == NULL)
    opts = &defaults;
  g_queue_init (&hub->lines);
  hub->cancellable = g_cancellable_new ();
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) || script == NULL
      || !g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "the NMDC test hub needs /usr/bin/python3 and $BURROW_NMDC_HUB (%s)",
                   script ? script : "unset");
      return NULL;
    }
  hub->dir = g_dir_make_tmp ("burrow-nmdc-hub-XXXXXX", error);
  if (hub->dir == NULL)
    return NULL;
  hub->log_path = g_build_filename (hub->dir, "hub.log", NULL);

  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_strdup (script));
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup ("0"));
  g_ptr_array_add (argv, g_strdup ("--profile"));
  g_ptr_array_add (argv, g_strdup (opts->profile ? opts->profile : "lenient"));
  g_ptr_array_add (argv, g_strdup ("--preset"));
  g_ptr_array_add (argv, g_strdup (opts->preset ? opts->preset : "tests"));
  g_ptr_array_add (argv, g_strdup ("--log"));
  g_ptr_array_add (argv, g_strdup (hub->log_path));
  if (opts->charset != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--charset"));
      g_ptr_array_add (argv, g_strdup (opts->charset));
    }
  for (guint i = 0; opts->registered != NULL && opts->registered[i] != NULL; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--register"));
      g_ptr_array_add (argv, g_strdup (opts->registered[i]));
    }
  if (opts->max_users > 0)
    {
      g_ptr_array_add (argv, g_strdup ("--max-users"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", opts->max_users));
    }
  if (opts->fake_users > 0)
    {
      g_ptr_array_add (argv, g_strdup ("--fake-users"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", opts->fake_users));
    }
  if (opts->name != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--name"));
      g_ptr_array_add (argv, g_strdup (opts->name));
    }
  if (opts->topic != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--topic"));
      g_ptr_array_add (argv, g_strdup (opts->topic));
    }
  if (opts->tls)
    {
      if (!make_certificate (hub, &cert, &key, error))
        return NULL;
      g_ptr_array_add (argv, g_strdup ("--tls"));
      g_ptr_array_add (argv, g_strdup (cert));
      g_ptr_array_add (argv, g_strdup (key));
    }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  hub->process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, error);
  if (hub->process == NULL)
    return NULL;
  hub->in = g_object_ref (g_subprocess_get_stdin_pipe (hub->process));
  hub->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (hub->process));
  read_next (hub);

  ready = next_line (hub, START_TIMEOUT_MS);
  if (ready == NULL || !g_str_has_prefix (ready, "READY "))
    {
      g_autofree gchar *log = burrow_test_nmdc_hub_dup_log (hub);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the NMDC test hub did not start (%s): %s",
                   ready ? ready : "no READY line", log ? log : "");
      return NULL;
    }
  hub->port = (guint16) g_ascii_strtoull (ready + 6, NULL, 10);
  hub->uri = g_strdup_printf ("%s://127.0.0.1:%u", opts->tls ? "nmdcs" : "dchub", hub->port);
  return g_steal_pointer (&hub);
}

guint16
burrow_test_nmdc_hub_get_port (BurrowTestNmdcHub *hub)
{
  return hub->port;
}

const gchar *
burrow_test_nmdc_hub_get_uri (BurrowTestNmdcHub *hub)
{
  return hub->uri;
}

const gchar *
burrow_test_nmdc_hub_get_keyprint (BurrowTestNmdcHub *hub)
{
  return hub->keyprint;
}

gchar *
burrow_test_nmdc_hub_control (BurrowTestNmdcHub  *hub,
                              const gchar        *command,
                              GError            **error)
{
  g_autofree gchar *line = g_strconcat (command, "\n", NULL);
  g_autofree gchar *answer = NULL;

  if (!g_output_stream_write_all (hub->in, line, strlen (line), NULL, NULL, error)
      || !g_output_stream_flush (hub->in, NULL, error))
    return NULL;
  answer = next_line (hub, CONTROL_TIMEOUT_MS);
  if (answer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the hub did not answer %s", command);
      return NULL;
    }
  if (g_str_has_prefix (answer, "OK"))
    return g_strdup (g_strstrip (answer + 2));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", command, answer);
  return NULL;
}

static gboolean
nick_in (const gchar *users,
         const gchar *nick)
{
  g_auto(GStrv) nicks = g_strsplit (users, " ", -1);

  return g_strv_contains ((const gchar * const *) nicks, nick);
}

gboolean
burrow_test_nmdc_hub_wait_user (BurrowTestNmdcHub *hub,
                                const gchar       *nick,
                                gboolean           present,
                                guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree gchar *users = burrow_test_nmdc_hub_control (hub, "users", NULL);

      if (users != NULL && nick_in (users, nick) == present)
        return TRUE;
      burrow_test_iterate_for (20);
    }
  return FALSE;
}

gchar *
burrow_test_nmdc_hub_dup_log (BurrowTestNmdcHub *hub)
{
  gchar *text = NULL;

  if (!g_file_get_contents (hub->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

gboolean
burrow_test_nmdc_hub_wait_log (BurrowTestNmdcHub *hub,
                               const gchar       *text,
                               guint              timeout_ms)
{
  return burrow_test_nmdc_hub_wait_log_count (hub, text, 1, timeout_ms);
}

gboolean
burrow_test_nmdc_hub_wait_log_count (BurrowTestNmdcHub *hub,
                                     const gchar       *text,
                                     guint              n,
                                     guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree gchar *log = burrow_test_nmdc_hub_dup_log (hub);
      guint found = 0;

      for (const gchar *p = strstr (log, text); p != NULL; p = strstr (p + 1, text))
        found++;
      if (found >= n)
        return TRUE;
      burrow_test_iterate_for (20);
    }
  return FALSE;
}

void
burrow_test_nmdc_hub_free (BurrowTestNmdcHub *hub)
{
  if (hub->process != NULL)
    {
      g_subprocess_force_exit (hub->process);
      g_subprocess_wait (hub->process, NULL, NULL);
    }
  g_cancellable_cancel (hub->cancellable);
  g_clear_object (&hub->cancellable);
  g_clear_object (&hub->out);
  g_clear_object (&hub->in);
  g_clear_object (&hub->process);
  g_queue_clear_full (&hub->lines, g_free);
  if (hub->dir != NULL)
    burrow_test_remove_tree (hub->dir);
  g_free (hub->dir);
  g_free (hub->log_path);
  g_free (hub->uri);
  g_free (hub->keyprint);
  g_free (hub);
}
