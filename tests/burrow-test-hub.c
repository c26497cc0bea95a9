/* burrow-test-hub.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-test-hub"

#include "config.h"

#include "burrow-test-hub.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gcrypt.h>
#include <glib/gstdio.h>

#include "burrow-base32.h"
#include "burrow-test-util.h"
#include "burrow-tls.h"

#define HUB_DEADLINE_MS      10000
#define CLIENT_DEADLINE_MS   10000
#define TOOL_DEADLINE_MS     60000
#define PROBE_INTERVAL_MS    20
#define FLOOD_CHUNK          (256 * 1024)
#define FAKE_CLIENT_SID      "AAAB"
#define OP_NICK              "TestOp"
#define AUTH_PLUGIN          "/usr/lib/uhub/mod_auth_simple.so"

/* ---------------------------------------------------------------------------------------------- */
/* Waiting on the thread-default main context                                                     */
/* ---------------------------------------------------------------------------------------------- */

typedef gboolean (*WaitPredicate) (gpointer data);

static GMainContext *
wait_context (void)
{
  GMainContext *context = g_main_context_get_thread_default ();

  return context != NULL ? context : g_main_context_default ();
}

static gboolean
deadline_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until @predicate holds or @timeout_ms passed; returns the predicate's last value. */
static gboolean
wait_until (WaitPredicate predicate,
            gpointer      data,
            guint         timeout_ms)
{
  GMainContext *context = wait_context ();
  gboolean expired = FALSE;
  GSource *timeout;

  if (predicate (data))
    return TRUE;

  timeout = g_timeout_source_new (burrow_test_deadline_ms (timeout_ms));
  g_source_set_callback (timeout, deadline_cb, &expired, NULL);
  g_source_attach (timeout, context);
  while (!predicate (data) && !expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);

  return predicate (data);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(const gboolean *) data;
}

static gboolean
wait_flag (const gboolean *flag,
           guint           timeout_ms)
{
  return wait_until (flag_is_set, (gpointer) flag, timeout_ms);
}

/* A poll interval between probes, not a wait for an event: the context keeps running. */
static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  wait_flag (&done, ms);
}

/* ---------------------------------------------------------------------------------------------- */
/* Small helpers                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

static void
ensure_gcrypt (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
        {
          gcry_check_version (NULL);
          gcry_control (GCRYCTL_DISABLE_SECMEM, 0);
          gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
        }
      g_once_init_leave (&initialised, 1);
    }
}

/* TODO: switch to burrow_tiger() from src/core/burrow-tiger.h once it has settled. */
static void
tiger_hash (const void *data,
            gsize       len,
            guint8      out[24])
{
  ensure_gcrypt ();
  gcry_md_hash_buffer (GCRY_MD_TIGER1, out, data, len);
}

static gchar *
adc_escape (const gchar *text)
{
  GString *out = g_string_new (NULL);

  for (const gchar *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case ' ':
          g_string_append (out, "\\s");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        default:
          g_string_append_c (out, *p);
          break;
        }
    }

  return g_string_free (out, FALSE);
}

static gchar *
adc_unescape (const gchar *text,
              gssize       len)
{
  GString *out = g_string_new (NULL);
  const gchar *end = text + (len < 0 ? (gssize) strlen (text) : len);

  for (const gchar *p = text; p < end; p++)
    {
      if (*p == '\\' && p + 1 < end)
        {
          p++;
          g_string_append_c (out, *p == 's' ? ' ' : *p == 'n' ? '\n' : *p);
        }
      else
        {
          g_string_append_c (out, *p);
        }
    }

  return g_string_free (out, FALSE);
}

/* Value of the named parameter @name (two letters) of @line, unescaped, or NULL. */
static gchar *
adc_get_param (const gchar *line,
               const gchar *name)
{
  g_auto(GStrv) tokens = g_strsplit (line, " ", -1);

  for (guint i = 1; tokens[i] != NULL; i++)
    {
      if (g_str_has_prefix (tokens[i], name))
        return adc_unescape (tokens[i] + 2, -1);
    }

  return NULL;
}

static gchar *
keyprint_of_der (const guint8 *der,
                 gsize         len)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree gchar *b32 = NULL;

  g_checksum_update (checksum, der, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  b32 = burrow_base32_encode (digest, digest_len);

  return g_strconcat ("SHA256/", b32, NULL);
}

typedef struct
{
  gboolean  done;
  gchar    *out;
  gchar    *err;
  GError   *error;
} ToolRun;

static void
tool_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  ToolRun *run = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err,
                                        &run->error);
  run->done = TRUE;
}

/* Runs @argv to completion while iterating the context; fails on a non-zero exit. */
static gboolean
run_tool (const gchar * const *argv,
          GError             **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  ToolRun run = { 0 };
  gboolean ok = FALSE;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL)
    return FALSE;

  g_subprocess_communicate_utf8_async (proc, NULL, NULL, tool_done_cb, &run);
  if (!wait_flag (&run.done, TOOL_DEADLINE_MS))
    {
      g_subprocess_force_exit (proc);
      wait_flag (&run.done, TOOL_DEADLINE_MS);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s timed out", argv[0]);
    }
  else if (run.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&run.error));
    }
  else if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s", argv[0],
                   run.err != NULL ? run.err : "");
    }
  else
    {
      ok = TRUE;
    }

  g_clear_error (&run.error);
  g_free (run.out);
  g_free (run.err);

  return ok;
}

/* ---------------------------------------------------------------------------------------------- */
/* Real uhub                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

typedef struct
{
  gint     refs;
  gboolean exited;
} ExitWatch;

struct _BurrowTestHub
{
  gchar       *uhub_path;
  gchar       *dir;
  gchar       *conf_path;
  gchar       *acl_path;
  gchar       *auth_path;
  gchar       *plugins_path;
  gchar       *cert_path;
  gchar       *key_path;
  gchar       *log_path;
  gboolean     tls_enabled;      /* TLS configured (opts->tls, or needed for the redirect) */
  gboolean     tls_uri;          /* URIs are adcs:// */
  gboolean     tls_required;     /* plain clients are refused or redirected */
  guint16      port;
  gboolean     port_fixed;
  gboolean     ipv6;             /* bound to an IPv6 address ("::1" or "::") */
  gchar       *uri;
  gchar       *keyprint;
  gchar       *op_password;
  GString     *conf_text;        /* everything but server_port */

  GSubprocess *proc;
  ExitWatch   *watch;
};

static void
exit_watch_unref (ExitWatch *watch)
{
  if (--watch->refs == 0)
    g_free (watch);
}

static void
hub_exit_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  ExitWatch *watch = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  watch->exited = TRUE;
  exit_watch_unref (watch);
}

static guint16
pick_free_port (GSocketFamily   family,
                GError        **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return 0;
  loopback = g_inet_address_new_loopback (family);
  address = g_inet_socket_address_new (loopback, 0);
  if (!g_socket_bind (socket, address, TRUE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_accepts (GSocketFamily family,
              guint16       port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  gboolean ok;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL)
    return FALSE;
  loopback = g_inet_address_new_loopback (family);
  address = g_inet_socket_address_new (loopback, port);
  /* A loopback connect is answered at once (accepted or refused). */
  ok = g_socket_connect (socket, address, NULL, NULL);
  g_socket_close (socket, NULL);

  return ok;
}

static gchar *
read_log_from (BurrowTestHub *hub,
               gsize          offset)
{
  g_autofree gchar *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (hub->log_path, &text, &len, NULL) || offset > len)
    return g_strdup ("");

  return g_strdup (text + offset);
}

static gsize
log_size (BurrowTestHub *hub)
{
  GStatBuf st;

  if (g_stat (hub->log_path, &st) != 0)
    return 0;

  return (gsize) st.st_size;
}

static gboolean
write_config (BurrowTestHub *hub,
              GError       **error)
{
  g_autofree gchar *text = g_strdup_printf ("server_port=%u\n%s", hub->port, hub->conf_text->str);

  return g_file_set_contents (hub->conf_path, text, -1, error);
}

/* In the child: die with the test process, even when it aborts on a failed assertion. */
static void
hub_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Spawns uhub once and waits until it listens. *bind_failed is set when it could not bind. */
static gboolean
hub_spawn (BurrowTestHub *hub,
           gboolean      *bind_failed,
           GError       **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const gchar *argv[] = { hub->uhub_path, "-c", hub->conf_path, NULL };
  gsize offset;
  gint64 deadline;
  int fd;

  *bind_failed = FALSE;
  if (!write_config (hub, error))
    return FALSE;

  offset = log_size (hub);
  fd = open (hub->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                   hub->log_path, g_strerror (errno));
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_take_stdout_fd (launcher, fd);
  g_subprocess_launcher_set_cwd (launcher, hub->dir);
  g_subprocess_launcher_set_child_setup (launcher, hub_child_setup, NULL, NULL);
  hub->proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (hub->proc == NULL)
    return FALSE;

  hub->watch = g_new0 (ExitWatch, 1);
  hub->watch->refs = 2;
  g_subprocess_wait_async (hub->proc, NULL, hub_exit_cb, hub->watch);

  deadline = g_get_monotonic_time () + HUB_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree gchar *log = NULL;

      if (hub->watch->exited)
        break;
      log = read_log_from (hub, offset);
      /* uhub logs "listening on" only once it is bound (a bind failure never logs it). */
      if (strstr (log, "listening on") != NULL
          && port_accepts (hub->ipv6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4, hub->port)
          && !hub->watch->exited)
        return TRUE;
      iterate_for (PROBE_INTERVAL_MS);
    }

  {
    g_autofree gchar *log = read_log_from (hub, offset);

    if (hub->watch->exited)
      {
        *bind_failed = strstr (log, "Unable to bind") != NULL;
        g_set_error (error, G_IO_ERROR,
                     *bind_failed ? G_IO_ERROR_ADDRESS_IN_USE : G_IO_ERROR_FAILED,
                     "uhub exited at start: %s", log);
      }
    else
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "uhub did not listen on port %u within %d ms: %s", hub->port,
                     HUB_DEADLINE_MS, log);
      }
  }
  burrow_test_hub_kill (hub);

  return FALSE;
}

/* Starts uhub, retrying while the port is busy (a new free port each time unless it is fixed). */
static gboolean
hub_launch (BurrowTestHub *hub,
            GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + HUB_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean bind_failed = FALSE;

      if (!hub->port_fixed || hub->port == 0)
        {
          hub->port = pick_free_port (hub->ipv6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4,
                                      error);
          if (hub->port == 0)
            return FALSE;
        }
      if (hub_spawn (hub, &bind_failed, &local_error))
        break;
      if (!bind_failed || g_get_monotonic_time () >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      iterate_for (PROBE_INTERVAL_MS * 5);
    }

  g_free (hub->uri);
  hub->uri = g_strdup_printf ("%s://%s:%u", hub->tls_uri ? "adcs" : "adc",
                              hub->ipv6 ? "[::1]" : "127.0.0.1", hub->port);

  return TRUE;
}

static gboolean
hub_make_certificate (BurrowTestHub *hub,
                      GError       **error)
{
  g_autofree gchar *der_path = g_build_filename (hub->dir, "hub.der", NULL);
  g_autofree gchar *der = NULL;
  gsize der_len = 0;
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  const gchar *req_argv[] = {
    openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
    "-keyout", hub->key_path, "-out", hub->cert_path, "-days", "3650",
    "-subj", "/CN=burrow-test-hub", NULL
  };
  const gchar *der_argv[] = {
    openssl, "x509", "-in", hub->cert_path, "-outform", "DER", "-out", der_path, NULL
  };

  if (openssl == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "openssl is not installed");
      return FALSE;
    }
  if (!run_tool (req_argv, error) || !run_tool (der_argv, error))
    return FALSE;
  if (!g_file_get_contents (der_path, &der, &der_len, error))
    return FALSE;

  g_free (hub->keyprint);
  hub->keyprint = keyprint_of_der ((const guint8 *) der, der_len);

  return TRUE;
}

static gboolean
split_account (const gchar  *entry,
               gchar       **nick,
               gchar       **password,
               GError      **error)
{
  const gchar *colon = strchr (entry, ':');

  if (colon == NULL || colon == entry || colon[1] == '\0'
      || strpbrk (entry, " \t\n\r") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "account \"%s\" is not nick:password without white space", entry);
      return FALSE;
    }
  *nick = g_strndup (entry, colon - entry);
  *password = g_strdup (colon + 1);

  return TRUE;
}

static gboolean
hub_write_files (BurrowTestHub              *hub,
                 const BurrowTestHubOptions *opts,
                 GError                    **error)
{
  g_autoptr(GString) auth = g_string_new (NULL);
  g_autoptr(GString) acl = g_string_new (NULL);
  g_autofree gchar *plugins = NULL;
  GString *conf = hub->conf_text;
  const gchar *redirect = opts->redirect_to;

  /* Accounts for mod_auth_simple: "<cred> <nick> <password>" per line. */
  for (guint i = 0; opts->registered != NULL && opts->registered[i] != NULL; i++)
    {
      g_autofree gchar *nick = NULL;
      g_autofree gchar *password = NULL;

      if (!split_account (opts->registered[i], &nick, &password, error))
        return FALSE;
      g_string_append_printf (auth, "reg %s %s\n", nick, password);
    }
  for (guint i = 0; opts->operators != NULL && opts->operators[i] != NULL; i++)
    {
      g_autofree gchar *nick = NULL;
      g_autofree gchar *password = NULL;

      if (!split_account (opts->operators[i], &nick, &password, error))
        return FALSE;
      g_string_append_printf (auth, "op %s %s\n", nick, password);
    }
  g_string_append_printf (auth, "op %s %s\n", OP_NICK, hub->op_password);

  for (guint i = 0; opts->banned_nicks != NULL && opts->banned_nicks[i] != NULL; i++)
    g_string_append_printf (acl, "ban_nick %s\n", opts->banned_nicks[i]);

  if (!g_file_test (AUTH_PLUGIN, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is not installed", AUTH_PLUGIN);
      return FALSE;
    }
  plugins = g_strdup_printf ("plugin %s \"file=%s\"\n", AUTH_PLUGIN, hub->auth_path);

  if (!g_file_set_contents (hub->auth_path, auth->str, -1, error)
      || !g_file_set_contents (hub->acl_path, acl->str, -1, error)
      || !g_file_set_contents (hub->plugins_path, plugins, -1, error))
    return FALSE;

  g_string_append_printf (conf, "server_bind_addr=%s\n",
                          opts->bind_address != NULL ? opts->bind_address : "127.0.0.1");
  g_string_append_printf (conf, "hub_name=%s\n",
                          opts->hub_name != NULL ? opts->hub_name : "burrow-test-hub");
  g_string_append_printf (conf, "hub_description=%s\n",
                          opts->hub_description != NULL ? opts->hub_description
                                                        : "Burrow test hub");
  if (opts->max_users > 0)
    g_string_append_printf (conf, "max_users=%u\n", opts->max_users);
  g_string_append (conf, "registered_users_only=no\n");
  g_string_append_printf (conf, "file_acl=%s\n", hub->acl_path);
  g_string_append_printf (conf, "file_plugins=%s\n", hub->plugins_path);
  /* As Debian's uhub.conf: no limit on the clients' HN/HR/HO counts. */
  g_string_append (conf, "limit_max_hubs_user=0\nlimit_max_hubs_reg=0\n"
                         "limit_max_hubs_op=0\nlimit_max_hubs=0\n");
  if (opts->debian_flood_control)
    g_string_append (conf, "flood_ctl_interval=5\nflood_ctl_chat=3\nflood_ctl_connect=20\n"
                           "flood_ctl_search=1\nflood_ctl_update=2\nflood_ctl_extras=5\n");
  if (hub->tls_enabled)
    {
      g_string_append (conf, "tls_enable=yes\n");
      g_string_append_printf (conf, "tls_require=%s\n", hub->tls_required ? "yes" : "no");
      g_string_append_printf (conf, "tls_certificate=%s\n", hub->cert_path);
      g_string_append_printf (conf, "tls_private_key=%s\n", hub->key_path);
    }
  if (redirect != NULL)
    {
      g_string_append_printf (conf, "tls_require_redirect_addr=%s\n", redirect);
      g_string_append_printf (conf, "redirect_addr=%s\n", redirect);
    }

  return TRUE;
}

BurrowTestHub *
burrow_test_hub_start (const BurrowTestHubOptions *opts,
                       GError                    **error)
{
  static const BurrowTestHubOptions defaults = { 0 };
  g_autoptr(BurrowTestHub) hub = NULL;
  const gchar *override = g_getenv ("BURROW_TEST_UHUB");
  guint8 random[12];

  if (opts == NULL)
    opts = &defaults;

  hub = g_new0 (BurrowTestHub, 1);
  hub->uhub_path = override != NULL && *override != '\0' ? g_strdup (override)
                                                         : g_find_program_in_path ("uhub");
  if (hub->uhub_path == NULL || !g_file_test (hub->uhub_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "uhub is not installed");
      return NULL;
    }

  hub->dir = g_dir_make_tmp ("burrow-test-hub-XXXXXX", error);
  if (hub->dir == NULL)
    return NULL;
  hub->conf_path = g_build_filename (hub->dir, "uhub.conf", NULL);
  hub->acl_path = g_build_filename (hub->dir, "acl.conf", NULL);
  hub->auth_path = g_build_filename (hub->dir, "auth.conf", NULL);
  hub->plugins_path = g_build_filename (hub->dir, "plugins.conf", NULL);
  hub->cert_path = g_build_filename (hub->dir, "hub.crt", NULL);
  hub->key_path = g_build_filename (hub->dir, "hub.key", NULL);
  hub->log_path = g_build_filename (hub->dir, "uhub.log", NULL);
  hub->conf_text = g_string_new (NULL);
  hub->port = opts->port;
  hub->port_fixed = opts->port != 0;
  hub->tls_uri = opts->tls;
  hub->ipv6 = opts->bind_address != NULL && strchr (opts->bind_address, ':') != NULL;
  hub->tls_required = opts->tls_require || opts->redirect_to != NULL;
  hub->tls_enabled = opts->tls || hub->tls_required;

  for (guint i = 0; i < sizeof random; i++)
    random[i] = (guint8) g_random_int ();
  hub->op_password = burrow_base32_encode (random, sizeof random);

  if (!hub_write_files (hub, opts, error))
    return NULL;
  if (hub->tls_enabled && !hub_make_certificate (hub, error))
    return NULL;
  if (!hub_launch (hub, error))
    return NULL;

  return g_steal_pointer (&hub);
}

guint16
burrow_test_hub_get_port (BurrowTestHub *hub)
{
  return hub->port;
}

const gchar *
burrow_test_hub_get_uri (BurrowTestHub *hub)
{
  return hub->uri;
}

gchar *
burrow_test_hub_dup_uri_with_kp (BurrowTestHub *hub)
{
  if (hub->keyprint == NULL || !hub->tls_uri)
    return g_strdup (hub->uri);

  return g_strdup_printf ("%s/?kp=%s", hub->uri, hub->keyprint);
}

const gchar *
burrow_test_hub_get_keyprint (BurrowTestHub *hub)
{
  return hub->keyprint;
}

const gchar *
burrow_test_hub_get_dir (BurrowTestHub *hub)
{
  return hub->dir;
}

gboolean
burrow_test_hub_is_running (BurrowTestHub *hub)
{
  return hub->proc != NULL && !hub->watch->exited;
}

static gboolean
hub_watch_exited (gpointer data)
{
  BurrowTestHub *hub = data;

  return hub->watch->exited;
}

static void
hub_reap (BurrowTestHub *hub)
{
  if (hub->proc == NULL)
    return;
  if (!wait_until (hub_watch_exited, hub, HUB_DEADLINE_MS))
    {
      g_subprocess_force_exit (hub->proc);
      if (!wait_until (hub_watch_exited, hub, HUB_DEADLINE_MS))
        g_warning ("uhub (pid %s) did not exit", g_subprocess_get_identifier (hub->proc));
    }
  exit_watch_unref (hub->watch);
  hub->watch = NULL;
  g_clear_object (&hub->proc);
}

void
burrow_test_hub_stop (BurrowTestHub *hub)
{
  if (hub->proc == NULL)
    return;
  if (!hub->watch->exited)
    g_subprocess_send_signal (hub->proc, SIGTERM);
  hub_reap (hub);
}

void
burrow_test_hub_kill (BurrowTestHub *hub)
{
  if (hub->proc == NULL)
    return;
  if (!hub->watch->exited)
    g_subprocess_force_exit (hub->proc);
  hub_reap (hub);
}

gboolean
burrow_test_hub_restart (BurrowTestHub *hub,
                         GError       **error)
{
  burrow_test_hub_stop (hub);
  hub->port_fixed = TRUE;

  return hub_launch (hub, error);
}

void
burrow_test_hub_regenerate_certificate (BurrowTestHub *hub)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hub->tls_enabled);
  burrow_test_hub_stop (hub);
  hub_make_certificate (hub, &error);
  g_assert_no_error (error);
  burrow_test_hub_restart (hub, &error);
  g_assert_no_error (error);
}

gchar *
burrow_test_hub_dup_log (BurrowTestHub *hub)
{
  return read_log_from (hub, 0);
}

gboolean
burrow_test_hub_kick (BurrowTestHub *hub,
                      const gchar   *nick,
                      GError       **error)
{
  g_autoptr(BurrowTestAdcClient) op = NULL;
  g_autofree gchar *escaped = adc_escape (nick);
  g_autofree gchar *command = NULL;
  gint64 deadline;

  if (hub->tls_enabled)
    op = burrow_test_adc_client_connect_tls (hub->port, OP_NICK, hub->op_password, error);
  else
    op = burrow_test_adc_client_connect (hub->port, OP_NICK, hub->op_password, error);
  if (op == NULL)
    return FALSE;

  command = g_strdup_printf ("BMSG %s !kick\\s%s", burrow_test_adc_client_get_sid (op), escaped);
  if (!burrow_test_adc_client_send_line (op, command, error))
    return FALSE;

  deadline = g_get_monotonic_time () + CLIENT_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      g_autofree gchar *line = NULL;

      line = burrow_test_adc_client_read_line (op, MAX (left, 1), error);
      if (line == NULL)
        return FALSE;
      if (g_str_has_prefix (line, "IQUI "))
        return TRUE;
      if (g_str_has_prefix (line, "IMSG ") && strstr (line, "Kicking") == NULL)
        {
          g_autofree gchar *text = adc_unescape (line + 5, -1);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "kick refused: %s", text);
          return FALSE;
        }
    }
}

void
burrow_test_hub_free (BurrowTestHub *hub)
{
  if (hub == NULL)
    return;

  burrow_test_hub_stop (hub);
  if (hub->dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (hub->dir);
      g_autoptr(GFileEnumerator) children = NULL;

      children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                            G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
      while (children != NULL)
        {
          GFileInfo *info = NULL;
          GFile *child = NULL;

          if (!g_file_enumerator_iterate (children, &info, &child, NULL, NULL) || info == NULL)
            break;
          g_file_delete (child, NULL, NULL);
        }
      g_file_delete (dir, NULL, NULL);
    }

  g_free (hub->uhub_path);
  g_free (hub->dir);
  g_free (hub->conf_path);
  g_free (hub->acl_path);
  g_free (hub->auth_path);
  g_free (hub->plugins_path);
  g_free (hub->cert_path);
  g_free (hub->key_path);
  g_free (hub->log_path);
  g_free (hub->uri);
  g_free (hub->keyprint);
  g_free (hub->op_password);
  if (hub->conf_text != NULL)
    g_string_free (hub->conf_text, TRUE);
  g_free (hub);
}

/* ---------------------------------------------------------------------------------------------- */
/* Raw ADC client                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

G_DEFINE_QUARK (burrow-test-adc-error-quark, burrow_test_adc_error)

struct _BurrowTestAdcClient
{
  GSocketConnection *tcp;
  GIOStream         *stream;  /* tcp, or the TLS connection over it */
  GByteArray        *buf;
  GQueue             backlog;  /* lines seen during login, returned first by read_line */
  gboolean           eof;
  gchar             *sid;
  gchar             *cid;
  gchar             *nick;
};

typedef struct
{
  gboolean  done;
  GObject  *result;
  GError   *error;
} AsyncOp;

static void
connect_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  AsyncOp *op = data;

  op->result = G_OBJECT (g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result,
                                                         &op->error));
  op->done = TRUE;
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  AsyncOp *op = data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &op->error);
  op->done = TRUE;
}

static gboolean
accept_any_certificate_cb (GTlsConnection       *conn,
                           GTlsCertificate      *peer_cert,
                           GTlsCertificateFlags  errors,
                           gpointer              data)
{
  return TRUE;
}

/* Runs until op->done; on timeout cancels and still waits for the callback. */
static gboolean
finish_async_op (AsyncOp       *op,
                 GCancellable  *cancellable,
                 const gchar   *what,
                 GError       **error)
{
  if (!wait_flag (&op->done, CLIENT_DEADLINE_MS))
    {
      g_cancellable_cancel (cancellable);
      wait_flag (&op->done, CLIENT_DEADLINE_MS);
      g_clear_error (&op->error);
      g_clear_object (&op->result);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s timed out", what);
      return FALSE;
    }
  if (op->error != NULL)
    {
      g_propagate_error (error, op->error);
      op->error = NULL;
      return FALSE;
    }

  return TRUE;
}

BurrowTestAdcClient *
burrow_test_adc_client_connect_raw (guint16    port,
                                    gboolean   tls,
                                    GError   **error)
{
  g_autoptr(BurrowTestAdcClient) client = g_new0 (BurrowTestAdcClient, 1);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSocketAddress) address = NULL;
  AsyncOp op = { 0 };

  client->buf = g_byte_array_new ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  /* No socket-level timeout: reads have their own deadlines (a GSocket timeout would cut a
   * longer read_line() short). */
  /* Loopback only: no proxy lookup (it would need GSettings schemas). */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  g_socket_client_connect_async (socket_client, G_SOCKET_CONNECTABLE (address), cancellable,
                                 connect_done_cb, &op);
  if (!finish_async_op (&op, cancellable, "connect", error))
    return NULL;
  client->tcp = G_SOCKET_CONNECTION (op.result);

  if (tls)
    {
      g_autoptr(GIOStream) tls_conn = NULL;
      AsyncOp hs = { 0 };

      tls_conn = g_tls_client_connection_new (G_IO_STREAM (client->tcp), NULL, error);
      if (tls_conn == NULL)
        return NULL;
      g_signal_connect (tls_conn, "accept-certificate", G_CALLBACK (accept_any_certificate_cb),
                        NULL);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls_conn), G_PRIORITY_DEFAULT,
                                        cancellable, handshake_done_cb, &hs);
      if (!finish_async_op (&hs, cancellable, "TLS handshake", error))
        return NULL;
      client->stream = g_steal_pointer (&tls_conn);
    }
  else
    {
      client->stream = g_object_ref (G_IO_STREAM (client->tcp));
    }

  return g_steal_pointer (&client);
}

static gchar *client_read_wire_line (BurrowTestAdcClient *client,
                                     guint                timeout_ms,
                                     GError             **error);

static gboolean
client_login (BurrowTestAdcClient  *client,
              const gchar          *nick,
              const gchar          *password,
              GError              **error)
{
  gint64 deadline = g_get_monotonic_time () + CLIENT_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  guint8 pid[24];
  guint8 cid[24];
  g_autofree gchar *pid_b32 = NULL;
  g_autofree gchar *escaped_nick = adc_escape (nick);

  for (guint i = 0; i < sizeof pid; i++)
    pid[i] = (guint8) g_random_int ();
  tiger_hash (pid, sizeof pid, cid);
  pid_b32 = burrow_base32_encode (pid, sizeof pid);
  client->cid = burrow_base32_encode (cid, sizeof cid);
  client->nick = g_strdup (nick);

  if (!burrow_test_adc_client_send_line (client, "HSUP ADBASE ADTIGR", error))
    return FALSE;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      g_autofree gchar *line = NULL;

      line = client_read_wire_line (client, MAX (left, 1), error);
      if (line == NULL)
        return FALSE;
      g_queue_push_tail (&client->backlog, g_strdup (line));

      if (g_str_has_prefix (line, "ISID ") && client->sid == NULL)
        {
          g_autofree gchar *binf = NULL;

          client->sid = g_strndup (line + 5, 4);
          binf = g_strdup_printf ("BINF %s ID%s PD%s NI%s SL1 SS0 SF0 HN1 HR0 HO0 "
                                  "VEBurrowTestClient\\s0.1 I40.0.0.0 SUSEGA,NAT0",
                                  client->sid, client->cid, pid_b32, escaped_nick);
          /* A write error is not final: a redirecting hub has already sent its QUI and reset
           * the connection; the reads below report what it said. */
          burrow_test_adc_client_send_line (client, binf, NULL);
        }
      else if (g_str_has_prefix (line, "IGPA "))
        {
          g_autoptr(GBytes) nonce = NULL;
          g_autoptr(GByteArray) input = g_byte_array_new ();
          g_autofree gchar *hash_b32 = NULL;
          g_autofree gchar *hpas = NULL;
          guint8 hash[24];

          nonce = burrow_base32_decode_bytes (line + 5, -1, error);
          if (nonce == NULL)
            return FALSE;
          if (password == NULL)
            {
              g_set_error (error, BURROW_TEST_ADC_ERROR, BURROW_TEST_ADC_ERROR_PASSWORD,
                           "the hub asks for a password and none was given");
              return FALSE;
            }
          g_byte_array_append (input, (const guint8 *) password, strlen (password));
          g_byte_array_append (input, g_bytes_get_data (nonce, NULL), g_bytes_get_size (nonce));
          tiger_hash (input->data, input->len, hash);
          hash_b32 = burrow_base32_encode (hash, sizeof hash);
          hpas = g_strconcat ("HPAS ", hash_b32, NULL);
          if (!burrow_test_adc_client_send_line (client, hpas, error))
            return FALSE;
        }
      else if (g_str_has_prefix (line, "ISTA ") && strlen (line) >= 8 && line[5] == '2')
        {
          const gchar *text = line[8] == ' ' ? line + 9 : "";
          const gchar *end = strchr (text, ' ');
          g_autofree gchar *message = adc_unescape (text, end != NULL ? end - text : -1);

          g_set_error (error, BURROW_TEST_ADC_ERROR,
                       (line[5] - '0') * 100 + (line[6] - '0') * 10 + (line[7] - '0'),
                       "hub refused the login: %s", message);
          return FALSE;
        }
      else if (g_str_has_prefix (line, "IQUI ")
               && (client->sid == NULL || strncmp (line + 5, client->sid, 4) == 0))
        {
          g_autofree gchar *redirect = adc_get_param (line, "RD");

          if (redirect != NULL)
            g_set_error (error, BURROW_TEST_ADC_ERROR, BURROW_TEST_ADC_ERROR_REDIRECT, "%s",
                         redirect);
          else
            g_set_error (error, BURROW_TEST_ADC_ERROR, BURROW_TEST_ADC_ERROR_QUIT,
                         "hub sent QUI: %s", line);
          return FALSE;
        }
      else if (client->sid != NULL && g_str_has_prefix (line, "BINF ")
               && strncmp (line + 5, client->sid, 4) == 0 && line[9] == ' ')
        {
          return TRUE;
        }
    }
}

static BurrowTestAdcClient *
client_connect_login (guint16       port,
                      gboolean      tls,
                      const gchar  *nick,
                      const gchar  *password,
                      GError      **error)
{
  g_autoptr(BurrowTestAdcClient) client = NULL;

  client = burrow_test_adc_client_connect_raw (port, tls, error);
  if (client == NULL || !client_login (client, nick, password, error))
    return NULL;

  return g_steal_pointer (&client);
}

BurrowTestAdcClient *
burrow_test_adc_client_connect (guint16       port,
                                const gchar  *nick,
                                const gchar  *password,
                                GError      **error)
{
  return client_connect_login (port, FALSE, nick, password, error);
}

BurrowTestAdcClient *
burrow_test_adc_client_connect_tls (guint16       port,
                                    const gchar  *nick,
                                    const gchar  *password,
                                    GError      **error)
{
  return client_connect_login (port, TRUE, nick, password, error);
}

static gboolean
readable_cb (GObject  *stream,
             gpointer  data)
{
  gboolean *ready = data;

  *ready = TRUE;
  return G_SOURCE_REMOVE;
}

static gchar *
client_read_wire_line (BurrowTestAdcClient *client,
                       guint                timeout_ms,
                       GError             **error)
{
  GInputStream *stream = g_io_stream_get_input_stream (client->stream);
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (stream);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      /* an empty GByteArray may have no data pointer, which memchr () must not get */
      const guint8 *nl = client->buf->len > 0 ? memchr (client->buf->data, '\n', client->buf->len)
                                              : NULL;
      g_autoptr(GError) local_error = NULL;
      guint8 chunk[16384];
      gssize n;

      if (nl != NULL)
        {
          gsize len = nl - client->buf->data;
          gchar *line = g_malloc (len + 1);

          memcpy (line, client->buf->data, len);
          line[len] = '\0';
          g_byte_array_remove_range (client->buf, 0, len + 1);
          return line;
        }
      if (client->eof)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed");
          return NULL;
        }

      n = g_pollable_input_stream_read_nonblocking (in, chunk, sizeof chunk, NULL, &local_error);
      if (n > 0)
        {
          g_byte_array_append (client->buf, chunk, n);
        }
      else if (n == 0)
        {
          client->eof = TRUE;
        }
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          gint64 left = deadline - g_get_monotonic_time ();
          gboolean ready = FALSE;
          GSource *source;

          if (left <= 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "no complete line within %u ms", timeout_ms);
              return NULL;
            }
          source = g_pollable_input_stream_create_source (in, NULL);
          g_source_set_callback (source, (GSourceFunc) readable_cb, &ready, NULL);
          g_source_attach (source, wait_context ());
          wait_flag (&ready, (guint) MAX (left / G_TIME_SPAN_MILLISECOND, 1));
          g_source_destroy (source);
          g_source_unref (source);
        }
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      else
        {
          /* A reset counts as closed (uhub resets after its redirect). */
          client->eof = TRUE;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection lost: %s",
                       local_error->message);
          return NULL;
        }
    }
}

gchar *
burrow_test_adc_client_read_line (BurrowTestAdcClient *client,
                                  guint                timeout_ms,
                                  GError             **error)
{
  if (!g_queue_is_empty (&client->backlog))
    return g_queue_pop_head (&client->backlog);

  return client_read_wire_line (client, timeout_ms, error);
}

gboolean
burrow_test_adc_client_send_line (BurrowTestAdcClient *client,
                                  const gchar         *line,
                                  GError             **error)
{
  g_autofree gchar *data = g_strconcat (line, "\n", NULL);
  GOutputStream *out = g_io_stream_get_output_stream (client->stream);

  return g_output_stream_write_all (out, data, strlen (data), NULL, NULL, error);
}

gboolean
burrow_test_adc_client_wait_for (BurrowTestAdcClient *client,
                                 const gchar         *prefix,
                                 guint                timeout_ms,
                                 gchar              **out_line,
                                 GError             **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      gchar *line;

      line = burrow_test_adc_client_read_line (client, MAX (left, 0), error);
      if (line == NULL)
        return FALSE;
      if (g_str_has_prefix (line, prefix))
        {
          if (out_line != NULL)
            *out_line = line;
          else
            g_free (line);
          return TRUE;
        }
      g_free (line);
    }
}

gboolean
burrow_test_adc_client_wait_closed (BurrowTestAdcClient *client,
                                    guint                timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *line = NULL;

      line = burrow_test_adc_client_read_line (client, MAX (left, 0), &error);
      if (line == NULL)
        return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    }
}

const gchar *
burrow_test_adc_client_get_sid (BurrowTestAdcClient *client)
{
  return client->sid;
}

const gchar *
burrow_test_adc_client_get_cid (BurrowTestAdcClient *client)
{
  return client->cid;
}

const gchar *
burrow_test_adc_client_get_nick (BurrowTestAdcClient *client)
{
  return client->nick;
}

gchar *
burrow_test_adc_client_dup_peer_keyprint (BurrowTestAdcClient *client)
{
  GTlsCertificate *cert;
  g_autoptr(GByteArray) der = NULL;

  if (!G_IS_TLS_CONNECTION (client->stream))
    return NULL;
  cert = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (client->stream));
  if (cert == NULL)
    return NULL;
  g_object_get (cert, "certificate", &der, NULL);

  return keyprint_of_der (der->data, der->len);
}

void
burrow_test_adc_client_free (BurrowTestAdcClient *client)
{
  if (client == NULL)
    return;

  if (client->stream != NULL)
    g_io_stream_close (client->stream, NULL, NULL);
  g_clear_object (&client->stream);
  g_clear_object (&client->tcp);
  if (client->buf != NULL)
    g_byte_array_unref (client->buf);
  g_queue_clear_full (&client->backlog, g_free);
  g_free (client->sid);
  g_free (client->cid);
  g_free (client->nick);
  g_free (client);
}

/* ---------------------------------------------------------------------------------------------- */
/* Fake hub                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

typedef struct
{
  gchar  *prefix;
  GBytes *reply;        /* nullable */
  gboolean echo;        /* echo the line (minus PD) after the reply */
  guint   n_flood;      /* BINF flood on the first match of each connection */
} FakeRule;

typedef struct
{
  GBytes *bytes;        /* or a flood: */
  guint   flood_next;
  guint   flood_total;
} OutItem;

typedef struct _FakeConn FakeConn;

struct _BurrowTestFakeHub
{
  GMainContext    *context;
  GSocketListener *listener;
  GCancellable    *cancellable;
  guint16          port;
  FakeConn        *current;
  GPtrArray       *received;
  GPtrArray       *rules;
  guint            n_connections;
  guint64          bytes_sent;
  GTlsCertificate *certificate;   /* TLS hubs (adcs://) only */
  gchar           *tls_dir;
};

struct _FakeConn
{
  gint               refs;
  BurrowTestFakeHub *hub;          /* NULL once detached */
  GSocketConnection *conn;
  GIOStream         *stream;       /* conn, or TLS over it */
  GCancellable      *cancellable;
  GByteArray        *inbuf;
  guint8             readbuf[65536];
  GQueue             out;          /* OutItem * */
  GBytes            *writing;      /* in flight */
  GHashTable        *flooded;      /* FakeRule * set: rules whose flood ran on this connection */
};

static void fake_conn_kick_write (FakeConn *fc);
static void fake_conn_start_read (FakeConn *fc);

static void
out_item_free (gpointer data)
{
  OutItem *item = data;

  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_free (item);
}

static FakeConn *
fake_conn_ref (FakeConn *fc)
{
  fc->refs++;
  return fc;
}

static void
fake_conn_unref (FakeConn *fc)
{
  if (--fc->refs > 0)
    return;

  g_io_stream_close (fc->stream, NULL, NULL);
  g_object_unref (fc->stream);
  g_object_unref (fc->conn);
  g_object_unref (fc->cancellable);
  g_byte_array_unref (fc->inbuf);
  g_queue_clear_full (&fc->out, out_item_free);
  g_clear_pointer (&fc->writing, g_bytes_unref);
  g_hash_table_unref (fc->flooded);
  g_free (fc);
}

/* Drops the connection from its hub: FIN to the peer, pending operations end. */
static void
fake_conn_detach (FakeConn *fc)
{
  BurrowTestFakeHub *hub = fc->hub;

  if (hub == NULL)
    return;
  fc->hub = NULL;
  if (hub->current == fc)
    hub->current = NULL;
  g_socket_shutdown (g_socket_connection_get_socket (fc->conn), TRUE, TRUE, NULL);
  g_cancellable_cancel (fc->cancellable);
  g_queue_clear_full (&fc->out, out_item_free);
  fake_conn_unref (fc);  /* the hub's reference */
}

static void
encode_sid (guint32 value,
            gchar   out[5])
{
  static const gchar alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  out[0] = alphabet[(value >> 15) & 31];
  out[1] = alphabet[(value >> 10) & 31];
  out[2] = alphabet[(value >> 5) & 31];
  out[3] = alphabet[value & 31];
  out[4] = '\0';
}

static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

/* Appends flood line @index (with '\n'). SIDs start at AAAC (value 2): never AAAB. */
static void
append_flood_line (GString *out,
                   guint    index)
{
  gchar sid[5];
  guint8 cid[24];
  gchar cid_b32[BURROW_BASE32_LEN (24) + 1];
  guint64 r = splitmix64 (G_GUINT64_CONSTANT (0x5eed0000) + index);

  for (guint k = 0; k < 3; k++)
    {
      guint64 word = splitmix64 ((guint64) index * 3 + k);

      for (guint b = 0; b < 8; b++)
        cid[k * 8 + b] = (guint8) (word >> (8 * b));
    }
  burrow_base32_encode_into (cid, sizeof cid, cid_b32);
  cid_b32[BURROW_BASE32_LEN (24)] = '\0';
  encode_sid (index + 2, sid);

  g_string_append_printf (out,
                          "BINF %s ID%s NIuser%06u DEBurrow\\stest\\suser\\s%06u SL%u "
                          "SS%" G_GUINT64_FORMAT " SF%u HN%u HR0 HO0 VEBurrowTest\\s0.1 "
                          "US%u I410.%u.%u.%u U4%u SUSEGA,ADC0,TCP4,UDP4\n",
                          sid, cid_b32, index, index, (guint) (r % 10) + 1,
                          (r >> 8) % G_GUINT64_CONSTANT (5000000000000),
                          (guint) ((r >> 20) % 100000), (guint) ((r >> 40) % 5) + 1,
                          (guint) ((r >> 12) % 1000) * 1024,
                          (index >> 16) & 255, (index >> 8) & 255, index & 255,
                          1024 + (guint) ((r >> 24) % 60000));
}

static void
fake_write_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  FakeConn *fc = data;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error);
  g_clear_pointer (&fc->writing, g_bytes_unref);
  if (fc->hub != NULL)
    {
      fc->hub->bytes_sent += written;
      if (error != NULL)
        fake_conn_detach (fc);
      else
        fake_conn_kick_write (fc);
    }
  fake_conn_unref (fc);
}

static void
fake_conn_kick_write (FakeConn *fc)
{
  OutItem *item;
  GOutputStream *out;

  if (fc->hub == NULL || fc->writing != NULL)
    return;
  item = g_queue_peek_head (&fc->out);
  if (item == NULL)
    return;

  if (item->bytes != NULL)
    {
      fc->writing = g_steal_pointer (&item->bytes);
      out_item_free (g_queue_pop_head (&fc->out));
    }
  else
    {
      GString *chunk = g_string_sized_new (FLOOD_CHUNK + 512);

      while (item->flood_next < item->flood_total && chunk->len < FLOOD_CHUNK)
        append_flood_line (chunk, item->flood_next++);
      if (item->flood_next >= item->flood_total)
        out_item_free (g_queue_pop_head (&fc->out));
      fc->writing = g_string_free_to_bytes (chunk);
    }

  if (g_bytes_get_size (fc->writing) == 0)
    {
      g_clear_pointer (&fc->writing, g_bytes_unref);
      fake_conn_kick_write (fc);
      return;
    }

  out = g_io_stream_get_output_stream (fc->stream);
  g_output_stream_write_all_async (out, g_bytes_get_data (fc->writing, NULL),
                                   g_bytes_get_size (fc->writing), G_PRIORITY_DEFAULT,
                                   fc->cancellable, fake_write_cb, fake_conn_ref (fc));
}

static void
fake_conn_enqueue (FakeConn *fc,
                   GBytes   *bytes,
                   guint     n_flood)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->bytes = bytes;
  item->flood_total = n_flood;
  g_queue_push_tail (&fc->out, item);
  fake_conn_kick_write (fc);
}

static gchar *
echo_without_pd (const gchar *line)
{
  g_auto(GStrv) tokens = g_strsplit (line, " ", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      if (i >= 2 && g_str_has_prefix (tokens[i], "PD"))
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, tokens[i]);
    }
  g_string_append_c (out, '\n');

  return g_string_free (out, FALSE);
}

static void
fake_conn_handle_line (FakeConn    *fc,
                       const gchar *line)
{
  BurrowTestFakeHub *hub = fc->hub;

  g_ptr_array_add (hub->received, g_strdup (line));

  for (guint i = 0; i < hub->rules->len && fc->hub != NULL; i++)
    {
      FakeRule *rule = g_ptr_array_index (hub->rules, i);

      if (!g_str_has_prefix (line, rule->prefix))
        continue;
      if (rule->reply != NULL)
        fake_conn_enqueue (fc, g_bytes_ref (rule->reply), 0);
      if (rule->n_flood > 0 && g_hash_table_add (fc->flooded, rule))
        fake_conn_enqueue (fc, NULL, rule->n_flood);
      if (rule->echo)
        {
          gchar *echo = echo_without_pd (line);

          fake_conn_enqueue (fc, g_bytes_new_take (echo, strlen (echo)), 0);
        }
    }
}

static void
fake_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  FakeConn *fc = data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (fc->hub == NULL)
    {
      fake_conn_unref (fc);
      return;
    }
  if (n <= 0)
    {
      fake_conn_detach (fc);
      fake_conn_unref (fc);
      return;
    }

  g_byte_array_append (fc->inbuf, fc->readbuf, n);
  for (;;)
    {
      const guint8 *nl = fc->inbuf->len > 0 ? memchr (fc->inbuf->data, '\n', fc->inbuf->len) : NULL;
      gsize len;
      gchar *line;

      if (nl == NULL || fc->hub == NULL)
        break;
      len = nl - fc->inbuf->data;
      line = g_malloc (len + 1);
      memcpy (line, fc->inbuf->data, len);
      line[len] = '\0';
      g_byte_array_remove_range (fc->inbuf, 0, len + 1);
      fake_conn_handle_line (fc, line);
      g_free (line);
    }

  if (fc->hub != NULL)
    fake_conn_start_read (fc);
  fake_conn_unref (fc);
}

static void
fake_conn_start_read (FakeConn *fc)
{
  GInputStream *in = g_io_stream_get_input_stream (fc->stream);

  g_input_stream_read_async (in, fc->readbuf, sizeof fc->readbuf, G_PRIORITY_DEFAULT,
                             fc->cancellable, fake_read_cb, fake_conn_ref (fc));
}

static void fake_hub_accept (BurrowTestFakeHub *hub);

static void
fake_accept_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  BurrowTestFakeHub *hub = data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;
  FakeConn *fc;

  conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (conn == NULL)
    {
      /* Cancelled means the hub is being freed: don't touch it. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message ("fake hub: accept failed: %s", error->message);
          fake_hub_accept (hub);
        }
      return;
    }

  if (hub->current != NULL)
    fake_conn_detach (hub->current);

  fc = g_new0 (FakeConn, 1);
  fc->refs = 1;
  fc->hub = hub;
  fc->conn = conn;
  /* TLS: the handshake happens with the first read */
  if (hub->certificate != NULL)
    fc->stream = g_tls_server_connection_new (G_IO_STREAM (conn), hub->certificate, &error);
  else
    fc->stream = g_object_ref (G_IO_STREAM (conn));
  if (fc->stream == NULL)
    g_error ("fake hub: no TLS: %s", error->message);
  fc->cancellable = g_cancellable_new ();
  fc->inbuf = g_byte_array_new ();
  fc->flooded = g_hash_table_new (NULL, NULL);
  g_queue_init (&fc->out);
  hub->current = fc;
  hub->n_connections++;
  fake_conn_start_read (fc);
  fake_hub_accept (hub);
}

static void
fake_hub_accept (BurrowTestFakeHub *hub)
{
  g_socket_listener_accept_async (hub->listener, hub->cancellable, fake_accept_cb, hub);
}

static void
fake_rule_free (gpointer data)
{
  FakeRule *rule = data;

  g_free (rule->prefix);
  g_clear_pointer (&rule->reply, g_bytes_unref);
  g_free (rule);
}

BurrowTestFakeHub *
burrow_test_fake_hub_new (GError **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  BurrowTestFakeHub *hub;

  hub = g_new0 (BurrowTestFakeHub, 1);
  hub->context = g_main_context_ref (wait_context ());
  hub->listener = g_socket_listener_new ();
  hub->cancellable = g_cancellable_new ();
  hub->received = g_ptr_array_new_with_free_func (g_free);
  hub->rules = g_ptr_array_new_with_free_func (fake_rule_free);

  if (!g_socket_listener_add_address (hub->listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    {
      burrow_test_fake_hub_free (hub);
      return NULL;
    }
  hub->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  fake_hub_accept (hub);

  return hub;
}

BurrowTestFakeHub *
burrow_test_fake_hub_new_tls (GError **error)
{
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-fake-hub-XXXXXX", error);
  g_autoptr(GTlsCertificate) certificate = NULL;
  BurrowTestFakeHub *hub;

  if (dir == NULL)
    return NULL;
  certificate = burrow_tls_load_or_create (dir, error);
  if (certificate == NULL)
    {
      burrow_test_remove_tree (dir);
      return NULL;
    }
  hub = burrow_test_fake_hub_new (error);
  if (hub == NULL)
    {
      burrow_test_remove_tree (dir);
      return NULL;
    }
  hub->certificate = g_steal_pointer (&certificate);
  hub->tls_dir = g_steal_pointer (&dir);
  return hub;
}

GTlsCertificate *
burrow_test_fake_hub_get_certificate (BurrowTestFakeHub *hub)
{
  return hub->certificate;
}

guint16
burrow_test_fake_hub_get_port (BurrowTestFakeHub *hub)
{
  return hub->port;
}

gchar *
burrow_test_fake_hub_dup_uri (BurrowTestFakeHub *hub)
{
  return g_strdup_printf ("%s://127.0.0.1:%u", hub->certificate != NULL ? "adcs" : "adc", hub->port);
}

static void
fake_hub_add_rule (BurrowTestFakeHub *hub,
                   const gchar       *prefix,
                   const gchar       *reply,
                   gboolean           echo,
                   guint              n_flood)
{
  FakeRule *rule = g_new0 (FakeRule, 1);

  rule->prefix = g_strdup (prefix);
  if (reply != NULL && *reply != '\0')
    rule->reply = g_bytes_new (reply, strlen (reply));
  rule->echo = echo;
  rule->n_flood = n_flood;
  g_ptr_array_add (hub->rules, rule);
}

void
burrow_test_fake_hub_on_line (BurrowTestFakeHub *hub,
                              const gchar       *prefix,
                              const gchar       *reply)
{
  fake_hub_add_rule (hub, prefix, reply, FALSE, 0);
}

void
burrow_test_fake_hub_on_line_echo (BurrowTestFakeHub *hub,
                                   const gchar       *prefix,
                                   const gchar       *before)
{
  fake_hub_add_rule (hub, prefix, before, TRUE, 0);
}

void
burrow_test_fake_hub_script_login (BurrowTestFakeHub *hub,
                                   guint              n_flood_users)
{
  fake_hub_add_rule (hub, "HSUP",
                     "ISUP ADBASE ADTIGR\nISID " FAKE_CLIENT_SID "\nIINF CT32 NIfake\n",
                     FALSE, 0);
  fake_hub_add_rule (hub, "BINF", NULL, TRUE, n_flood_users);
}

const gchar *
burrow_test_fake_hub_get_client_sid (BurrowTestFakeHub *hub)
{
  return FAKE_CLIENT_SID;
}

void
burrow_test_fake_hub_send_raw (BurrowTestFakeHub *hub,
                               const void        *data,
                               gsize              len)
{
  if (hub->current == NULL)
    {
      g_message ("fake hub: no client, %" G_GSIZE_FORMAT " bytes dropped", len);
      return;
    }
  fake_conn_enqueue (hub->current, g_bytes_new (data, len), 0);
}

void
burrow_test_fake_hub_send_file (BurrowTestFakeHub *hub,
                                const gchar       *path)
{
  g_autoptr(GError) error = NULL;
  gchar *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  if (hub->current == NULL)
    {
      g_free (data);
      return;
    }
  fake_conn_enqueue (hub->current, g_bytes_new_take (data, len), 0);
}

void
burrow_test_fake_hub_send_binf_flood (BurrowTestFakeHub *hub,
                                      guint              n_users)
{
  g_return_if_fail (n_users < (1u << 20) - 2);

  if (hub->current == NULL || n_users == 0)
    return;
  fake_conn_enqueue (hub->current, NULL, n_users);
}

gchar *
burrow_test_fake_hub_dup_flood_line (BurrowTestFakeHub *hub,
                                     guint              index)
{
  GString *line = g_string_new (NULL);

  append_flood_line (line, index);
  g_string_truncate (line, line->len - 1);

  return g_string_free (line, FALSE);
}

GPtrArray *
burrow_test_fake_hub_get_received (BurrowTestFakeHub *hub)
{
  return hub->received;
}

gboolean
burrow_test_fake_hub_has_client (BurrowTestFakeHub *hub)
{
  return hub->current != NULL;
}

guint
burrow_test_fake_hub_get_n_connections (BurrowTestFakeHub *hub)
{
  return hub->n_connections;
}

guint64
burrow_test_fake_hub_get_bytes_sent (BurrowTestFakeHub *hub)
{
  return hub->bytes_sent;
}

static gboolean
fake_has_client (gpointer data)
{
  return burrow_test_fake_hub_has_client (data);
}

static gboolean
fake_has_no_client (gpointer data)
{
  return !burrow_test_fake_hub_has_client (data);
}

static gboolean
fake_sent_all (gpointer data)
{
  BurrowTestFakeHub *hub = data;

  return hub->current == NULL
         || (hub->current->writing == NULL && g_queue_is_empty (&hub->current->out));
}

typedef struct
{
  BurrowTestFakeHub *hub;
  const gchar       *prefix;
} LineWait;

static gboolean
fake_has_line (gpointer data)
{
  LineWait *wait = data;

  for (guint i = 0; i < wait->hub->received->len; i++)
    {
      if (g_str_has_prefix (g_ptr_array_index (wait->hub->received, i), wait->prefix))
        return TRUE;
    }

  return FALSE;
}

gboolean
burrow_test_fake_hub_wait_for_client (BurrowTestFakeHub *hub,
                                      guint              timeout_ms)
{
  return wait_until (fake_has_client, hub, timeout_ms);
}

gboolean
burrow_test_fake_hub_wait_for_line (BurrowTestFakeHub *hub,
                                    const gchar       *prefix,
                                    guint              timeout_ms)
{
  LineWait wait = { hub, prefix };

  return wait_until (fake_has_line, &wait, timeout_ms);
}

gboolean
burrow_test_fake_hub_wait_sent (BurrowTestFakeHub *hub,
                                guint              timeout_ms)
{
  return wait_until (fake_sent_all, hub, timeout_ms);
}

gboolean
burrow_test_fake_hub_wait_no_client (BurrowTestFakeHub *hub,
                                     guint              timeout_ms)
{
  return wait_until (fake_has_no_client, hub, timeout_ms);
}

void
burrow_test_fake_hub_close_client (BurrowTestFakeHub *hub)
{
  if (hub->current != NULL)
    fake_conn_detach (hub->current);
}

void
burrow_test_fake_hub_free (BurrowTestFakeHub *hub)
{
  if (hub == NULL)
    return;

  burrow_test_fake_hub_close_client (hub);
  g_cancellable_cancel (hub->cancellable);
  g_socket_listener_close (hub->listener);
  g_object_unref (hub->listener);
  g_object_unref (hub->cancellable);
  g_ptr_array_unref (hub->received);
  g_ptr_array_unref (hub->rules);
  g_main_context_unref (hub->context);
  g_clear_object (&hub->certificate);
  if (hub->tls_dir != NULL)
    burrow_test_remove_tree (hub->tls_dir);
  g_free (hub->tls_dir);
  g_free (hub);
}
