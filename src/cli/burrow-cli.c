/* burrow-cli.c — Burrow's headless face: the same engine as the app, no GTK
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "burrow-core.h"

#define EXIT_USAGE 2
#define ECHO_TIMEOUT_MS (15 * 1000)

typedef struct
{
  BurrowClient *client;
  GMainLoop    *loop;
  gchar        *command;
  gchar       **args;
  gboolean      json;
  gint          exit_code;
  guint         pending;     /* sessions still logging in */
  guint         timeout_id;
  gchar        *echo_text;   /* say/pm: the line we wait to see echoed */
  gchar        *out_path;    /* get-list: where to write */
  GCancellable *cancellable;
} Cli;

/* --- output ----------------------------------------------------------------------------- */

/* Prints one JSON object per line: "event" first, then key/value pairs.
 * Keys starting with '#' are numbers, '?' booleans, others strings. */
static void
emit_json (const gchar *event,
           ...)
{
  g_autoptr(GString) out = g_string_new ("{\"event\":");
  const gchar *key;
  va_list args;

  burrow_json_append_string (out, event);
  va_start (args, event);
  while ((key = va_arg (args, const gchar *)) != NULL)
    {
      g_string_append_c (out, ',');
      if (key[0] == '#')
        {
          burrow_json_append_string (out, key + 1);
          g_string_append_printf (out, ":%" G_GINT64_FORMAT, va_arg (args, gint64));
        }
      else if (key[0] == '?')
        {
          burrow_json_append_string (out, key + 1);
          g_string_append (out, va_arg (args, gboolean) ? ":true" : ":false");
        }
      else
        {
          burrow_json_append_string (out, key);
          g_string_append_c (out, ':');
          burrow_json_append_string (out, va_arg (args, const gchar *));
        }
    }
  va_end (args);
  g_string_append (out, "}\n");
  fputs (out->str, stdout);
  fflush (stdout);
}

static const gchar *
state_name (BurrowHubState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (BURROW_TYPE_HUB_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value ? value->value_nick : "unknown";
}

static const gchar *
mode_name (BurrowUser *user)
{
  switch (burrow_user_get_mode (user))
    {
    case BURROW_USER_MODE_ACTIVE: return "active";
    case BURROW_USER_MODE_NAT_TRAVERSAL: return "nat-t";
    case BURROW_USER_MODE_PASSIVE:
    default: return "passive";
    }
}

static void
emit_user (Cli              *cli,
           const gchar      *event,
           BurrowHubSession *session,
           BurrowUser       *user)
{
  if (cli->json)
    {
      gchar sid[5];

      burrow_adc_sid_to_string (burrow_user_get_sid (user), sid);
      emit_json (event,
                 "hub", burrow_hub_session_get_uri (session),
                 "sid", sid,
                 "cid", burrow_user_get_cid (user),
                 "nick", burrow_user_get_nick (user),
                 "description", burrow_user_get_description (user),
                 "client", burrow_user_get_client (user),
                 "#share", (gint64) burrow_user_get_share_size (user),
                 "#slots", (gint64) burrow_user_get_slots (user),
                 "mode", mode_name (user),
                 "ip4", burrow_user_get_ip4 (user),
                 "?tls", burrow_user_supports_tls (user),
                 "?op", burrow_user_is_operator (user),
                 NULL);
    }
  else if (g_str_equal (event, "user-join"))
    {
      g_autofree gchar *size = g_format_size (burrow_user_get_share_size (user));

      g_print ("%-24s %10s  %-8s %s\n", burrow_user_get_nick (user), size, mode_name (user),
               burrow_user_get_client (user) ? burrow_user_get_client (user) : "");
    }
  else
    {
      g_print ("* %s %s\n", burrow_user_get_nick (user),
               g_str_equal (event, "user-part") ? _("left") : _("changed"));
    }
}

static void
print_users (Cli              *cli,
             BurrowHubSession *session)
{
  GListModel *users = burrow_hub_session_get_users (session);
  guint n = g_list_model_get_n_items (users);

  if (!cli->json)
    g_print (_("%u users on %s\n"), n, burrow_hub_session_get_hub_name (session)
                                         ? burrow_hub_session_get_hub_name (session)
                                         : burrow_hub_session_get_uri (session));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowUser) user = g_list_model_get_item (users, i);
      emit_user (cli, "user-join", session, user);
    }
}

static void
on_attempt_finished (BurrowNatConnector *connector,
                     BurrowPunchAttempt *attempt,
                     Cli                *cli)
{
  if (cli->json)
    {
      g_autofree gchar *json = burrow_punch_attempt_to_json (attempt);

      fputs (json, stdout);
      fputc ('\n', stdout);
      fflush (stdout);
    }
  else if (g_str_equal (cli->command, "serve") || g_str_equal (cli->command, "get-list"))
    g_print (_("-- connection %s with %s (%s, %.0f ms): %s\n"),
             burrow_punch_result_to_string (burrow_punch_attempt_get_result (attempt)),
             burrow_punch_attempt_get_peer_nick (attempt),
             burrow_punch_method_to_string (burrow_punch_attempt_get_method (attempt)),
             burrow_punch_attempt_get_duration_us (attempt) / 1000.0,
             burrow_punch_attempt_get_diagnosis (attempt));
}

/* --- session events --------------------------------------------------------------------- */

static void
quit (Cli  *cli,
      gint  code)
{
  cli->exit_code = code;
  burrow_client_disconnect_all (cli->client);
  g_main_loop_quit (cli->loop);
}

static void
fail (Cli         *cli,
      const gchar *message)
{
  if (cli->json)
    emit_json ("error", "message", message, "?fatal", TRUE, NULL);
  g_printerr ("burrow-cli: %s\n", message);
  quit (cli, EXIT_FAILURE);
}

static void
on_state_changed (BurrowHubSession *session,
                  GParamSpec       *pspec,
                  Cli              *cli)
{
  if (cli->json)
    emit_json ("hub-state", "hub", burrow_hub_session_get_uri (session),
               "state", state_name (burrow_hub_session_get_state (session)),
               "hub-name", burrow_hub_session_get_hub_name (session), NULL);
}

static void
on_user_joined (BurrowHubSession *session,
                BurrowUser       *user,
                Cli              *cli)
{
  emit_user (cli, "user-join", session, user);
}

static void
on_user_updated (BurrowHubSession *session,
                 BurrowUser       *user,
                 Cli              *cli)
{
  emit_user (cli, "user-update", session, user);
}

static void
on_user_left (BurrowHubSession *session,
              BurrowUser       *user,
              Cli              *cli)
{
  emit_user (cli, "user-part", session, user);
}

static void
on_message (BurrowHubSession  *session,
            BurrowChatMessage *message,
            Cli               *cli)
{
  const gchar *hub = burrow_hub_session_get_uri (session);
  const gchar *nick = burrow_chat_message_get_nick (message);
  const gchar *text = burrow_chat_message_get_text (message);
  gboolean me = burrow_chat_message_get_third_person (message);

  switch (burrow_chat_message_get_kind (message))
    {
    case BURROW_CHAT_KIND_MAIN:
      if (cli->json)
        emit_json ("chat", "hub", hub, "nick", nick, "text", text, "?me", me,
                   "?outgoing", burrow_chat_message_get_outgoing (message), NULL);
      else
        g_print (me ? "* %s %s\n" : "<%s> %s\n", nick, text);
      break;
    case BURROW_CHAT_KIND_PRIVATE:
      if (cli->json)
        emit_json ("pm", "hub", hub, "nick", nick,
                   "peer", burrow_chat_message_get_peer_nick (message), "text", text, "?me", me,
                   "?outgoing", burrow_chat_message_get_outgoing (message), NULL);
      else
        g_print ("[PM %s] <%s> %s\n", burrow_chat_message_get_peer_nick (message), nick, text);
      break;
    case BURROW_CHAT_KIND_STATUS:
    default:
      if (cli->json)
        emit_json ("status", "hub", hub, "text", text, NULL);
      else if (g_str_equal (cli->command, "serve"))
        g_print ("-- %s\n", text);
      break;
    }

  /* say / pm: done when the hub echoes our line back */
  if (cli->echo_text != NULL && burrow_chat_message_get_outgoing (message) &&
      g_strcmp0 (text, cli->echo_text) == 0)
    {
      g_clear_pointer (&cli->echo_text, g_free);
      quit (cli, EXIT_SUCCESS);
    }
}

static void
on_error (BurrowHubSession *session,
          const GError     *error,
          gboolean          fatal,
          Cli              *cli)
{
  if (cli->json)
    emit_json ("error", "hub", burrow_hub_session_get_uri (session),
               "domain", g_quark_to_string (error->domain), "#code", (gint64) error->code,
               "message", error->message, "?fatal", fatal, NULL);
  else if (!fatal || g_str_equal (cli->command, "serve"))
    g_printerr ("%s: %s\n", burrow_hub_session_get_uri (session), error->message);
}

static void
on_list_received (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Cli *cli = data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = burrow_peer_connection_get_file_list_finish (peer, result, &error);
  g_autoptr(BurrowFileTree) tree = NULL;
  BurrowFileListLimits limits = burrow_file_list_limits_default ();

  burrow_peer_connection_close (peer);
  if (list == NULL)
    {
      fail (cli, error->message);
      return;
    }
  /* verify before keeping: it must decompress and parse within the limits */
  tree = burrow_file_list_parse (g_bytes_get_data (list, NULL), g_bytes_get_size (list), TRUE,
                                 &limits, NULL, NULL, &error);
  if (tree == NULL)
    {
      g_autofree gchar *msg = g_strdup_printf (_("The file list is not valid: %s"), error->message);
      fail (cli, msg);
      return;
    }
  if (!g_file_set_contents (cli->out_path, g_bytes_get_data (list, NULL), g_bytes_get_size (list),
                            &error))
    {
      fail (cli, error->message);
      return;
    }
  if (cli->json)
    emit_json ("file-list", "path", cli->out_path,
               "#bytes", (gint64) g_bytes_get_size (list),
               "#files", (gint64) burrow_file_tree_get_n_files (tree),
               "#directories", (gint64) burrow_file_tree_get_n_directories (tree),
               "#size", (gint64) burrow_file_tree_get_total_size (tree), NULL);
  else
    g_print (_("File list saved to %s (%u files, %u folders)\n"), cli->out_path,
             burrow_file_tree_get_n_files (tree), burrow_file_tree_get_n_directories (tree));
  quit (cli, EXIT_SUCCESS);
}

static void
on_peer_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Cli *cli = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPeerConnection) peer = NULL;

  peer = burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result, NULL, &error);
  if (peer == NULL)
    {
      fail (cli, error->message);
      return;
    }
  burrow_peer_connection_get_file_list_async (peer, cli->cancellable, on_list_received, cli);
}

static gboolean
on_echo_timeout (gpointer data)
{
  Cli *cli = data;

  cli->timeout_id = 0;
  fail (cli, _("The hub did not confirm the message"));
  return G_SOURCE_REMOVE;
}

static void
logged_in (Cli              *cli,
           BurrowHubSession *session)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (cli->command, "users"))
    {
      print_users (cli, session);
      quit (cli, EXIT_SUCCESS);
    }
  else if (g_str_equal (cli->command, "say"))
    {
      if (!burrow_hub_session_send_chat (session, cli->args[1], &error))
        {
          fail (cli, error->message);
          return;
        }
      cli->echo_text = g_strdup (g_str_has_prefix (cli->args[1], "/me ") ? cli->args[1] + 4
                                                                          : cli->args[1]);
      cli->timeout_id = g_timeout_add (ECHO_TIMEOUT_MS, on_echo_timeout, cli);
    }
  else if (g_str_equal (cli->command, "get-list"))
    {
      BurrowUser *user = burrow_hub_session_lookup_nick (session, cli->args[1]);

      if (user == NULL)
        {
          g_autofree gchar *msg = g_strdup_printf (_("No user called “%s” on this hub"), cli->args[1]);
          fail (cli, msg);
          return;
        }
      burrow_nat_connector_connect_async (burrow_client_get_connector (cli->client),
                                          BURROW_ADC_HUB_SESSION (session), user, cli->cancellable,
                                          on_peer_connected, cli);
    }
  else if (g_str_equal (cli->command, "pm"))
    {
      BurrowUser *user = burrow_hub_session_lookup_nick (session, cli->args[1]);

      if (user == NULL)
        {
          g_autofree gchar *msg = g_strdup_printf (_("No user called “%s” on this hub"), cli->args[1]);
          fail (cli, msg);
          return;
        }
      if (!burrow_hub_session_send_private (session, user, cli->args[2], &error))
        {
          fail (cli, error->message);
          return;
        }
      cli->echo_text = g_strdup (g_str_has_prefix (cli->args[2], "/me ") ? cli->args[2] + 4
                                                                          : cli->args[2]);
      cli->timeout_id = g_timeout_add (ECHO_TIMEOUT_MS, on_echo_timeout, cli);
    }
}

static void
on_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  BurrowHubSession *session = BURROW_HUB_SESSION (source);
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_hub_session_connect_finish (session, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree gchar *msg = g_strdup_printf ("%s: %s", burrow_hub_session_get_uri (session),
                                                   error->message);
          fail (cli, msg);
        }
      return;
    }
  logged_in (cli, session);
}

static gboolean
on_signal (gpointer data)
{
  Cli *cli = data;

  quit (cli, EXIT_SUCCESS);
  return G_SOURCE_REMOVE;
}

/* --- main ------------------------------------------------------------------------------- */

static const struct
{
  const gchar *name;
  guint        min_args;
  guint        max_args;
  const gchar *usage;
} commands[] = {
  { "users", 1, 1, "users URL" },
  { "say", 2, 2, "say URL TEXT" },
  { "pm", 3, 3, "pm URL NICK TEXT" },
  { "serve", 1, G_MAXUINT, "serve URL..." },
  { "get-list", 2, 2, "get-list URL NICK [--out FILE]" },
};

static gint
usage_error (GOptionContext *context,
             const gchar    *message)
{
  g_autofree gchar *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("burrow-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *data_dir = NULL;
  g_autofree gchar *nick = NULL;
  g_autofree gchar *password = NULL;
  g_autofree gchar *mode = NULL;
  g_auto(GStrv) shares = NULL;
  g_autofree gchar *out = NULL;
  gint port = 0;
  gboolean json = FALSE;
  guint n_args;
  gint command_index = -1;
  Cli cli = { 0, };
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("State directory (default: $XDG_DATA_HOME/burrow)"), N_("DIR") },
    { "nick", 0, 0, G_OPTION_ARG_STRING, &nick, N_("Nick to use on hubs"), N_("NICK") },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("Password for registered nicks"), N_("PW") },
    { "share", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &shares, N_("Share a folder (repeatable)"), N_("DIR") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("Connectivity: active or passive (default)"), N_("MODE") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("TCP/UDP port in active mode (0: random)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON event per line on stdout"), NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("get-list: where to save the list"), N_("FILE") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BURROW_LOCALEDIR") ? g_getenv ("BURROW_LOCALEDIR")
                                                                   : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND ARGS — users URL | say URL TEXT | pm URL NICK TEXT | get-list URL NICK | serve URL..."));
  g_option_context_set_summary (context, _("Burrow's headless Direct Connect client."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);

  if (argc < 2)
    return usage_error (context, _("No command given"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      command_index = (gint) i;
  if (command_index < 0)
    {
      g_autofree gchar *msg = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
      return usage_error (context, msg);
    }
  n_args = (guint) argc - 2;
  if (n_args < commands[command_index].min_args || n_args > commands[command_index].max_args)
    {
      g_autofree gchar *msg = g_strdup_printf (_("Usage: burrow-cli [OPTIONS] %s"),
                                               commands[command_index].usage);
      return usage_error (context, msg);
    }
  if (mode != NULL && !g_str_equal (mode, "active") && !g_str_equal (mode, "passive"))
    return usage_error (context, _("--mode must be active or passive"));
  if (port < 0 || port > 65535)
    return usage_error (context, _("--port must be between 0 and 65535"));
  if (nick != NULL && *nick == '\0')
    return usage_error (context, _("--nick must not be empty"));

  cli.client = burrow_client_new (data_dir, &error);
  if (cli.client == NULL)
    {
      g_printerr ("burrow-cli: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (nick != NULL)
    burrow_client_set_nick (cli.client, nick);
  if (port != 0 && !burrow_client_set_port (cli.client, (guint16) port, &error))
    {
      g_printerr ("burrow-cli: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (mode != NULL)
    {
      burrow_client_set_mode (cli.client, g_str_equal (mode, "active") ? BURROW_CONNECTION_MODE_ACTIVE
                                                                       : BURROW_CONNECTION_MODE_PASSIVE);
      if (g_str_equal (mode, "active") &&
          burrow_client_get_mode (cli.client) != BURROW_CONNECTION_MODE_ACTIVE)
        {
          g_printerr ("burrow-cli: %s\n", _("Cannot listen for incoming connections"));
          return EXIT_FAILURE;
        }
    }

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.cancellable = g_cancellable_new ();
  if (g_str_equal (argv[1], "get-list"))
    {
      g_autofree gchar *lists = g_build_filename (burrow_client_get_data_dir (cli.client), "lists", NULL);
      g_autofree gchar *safe = g_strdelimit (g_strdup (argv[3]), "/\\", '_');

      g_mkdir_with_parents (lists, 0700);

      cli.out_path = out ? g_strdup (out)
                         : g_strdup_printf ("%s/%s.files.xml.bz2", lists, safe);
    }
  g_signal_connect (burrow_client_get_connector (cli.client), "attempt-finished",
                    G_CALLBACK (on_attempt_finished), &cli);
  cli.command = argv[1];
  cli.args = argv + 2;
  cli.json = json;
  cli.exit_code = EXIT_SUCCESS;

  for (guint i = 0; i < (g_str_equal (cli.command, "serve") ? n_args : 1); i++)
    {
      BurrowHubSession *session = burrow_client_add_hub (cli.client, cli.args[i], &error);

      if (session == NULL)
        {
          g_printerr ("burrow-cli: %s\n", error->message);
          return EXIT_USAGE;
        }
      if (password != NULL)
        burrow_hub_session_set_password (session, password);

      g_signal_connect (session, "notify::state", G_CALLBACK (on_state_changed), &cli);
      g_signal_connect (session, "message", G_CALLBACK (on_message), &cli);
      g_signal_connect (session, "error", G_CALLBACK (on_error), &cli);
      if (g_str_equal (cli.command, "serve"))
        {
          g_signal_connect (session, "user-joined", G_CALLBACK (on_user_joined), &cli);
          g_signal_connect (session, "user-updated", G_CALLBACK (on_user_updated), &cli);
          g_signal_connect (session, "user-left", G_CALLBACK (on_user_left), &cli);
          burrow_hub_session_connect (session);
        }
      else
        burrow_hub_session_connect_async (session, NULL, on_connected_cb, &cli);
    }

  g_unix_signal_add (SIGINT, on_signal, &cli);
  g_unix_signal_add (SIGTERM, on_signal, &cli);

  g_main_loop_run (cli.loop);

  /* let the clean disconnects flush */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_handle_id (&cli.timeout_id, g_source_remove);
  g_cancellable_cancel (cli.cancellable);
  g_clear_object (&cli.cancellable);
  g_free (cli.echo_text);
  g_free (cli.out_path);
  g_main_loop_unref (cli.loop);
  g_object_unref (cli.client);
  return cli.exit_code;
}
