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
  BurrowSearch *search;      /* search: the running search */
  guint         wait_s;      /* search: how long to collect results */
  guint         n_printed;   /* search: results printed so far */
  gint64        hash_started;
  guint64       hashed_files;
  guint64       hashed_bytes;
  guint64       failed_files;
  gchar        *last_progress;
  gboolean      interrupted;
  gboolean      unmapping;   /* on the way out: deleting our port mappings first */
  guint         unmap_deadline_id;
  GPtrArray    *get_items;   /* get: the BurrowQueueItems we wait for */
  gchar        *out_dir;     /* get: download folder */
  BurrowHubSession *source_session; /* get: the hub of the user we browse */
  BurrowUser   *source;      /* get: that user */
  guint         progress_id;
  GHashTable   *last_json;   /* get: transfer → last JSON line printed */
  gint64        last_text;   /* get: when the last text progress line went out */
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
                 "ip6", burrow_user_get_ip6 (user),
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
on_mappings_deleted (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Cli *cli = data;

  burrow_client_stop_port_mapping_finish (BURROW_CLIENT (source), result, NULL);
  if (cli->unmapping)
    {
      g_clear_handle_id (&cli->unmap_deadline_id, g_source_remove);
      g_main_loop_quit (cli->loop);
    }
}

static gboolean
on_unmap_deadline (gpointer data)
{
  Cli *cli = data;

  cli->unmap_deadline_id = 0;
  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

/* The router's answers to our deletes may take a moment; an exit never waits more than this. */
#define UNMAP_DEADLINE_S 4

static void
quit (Cli  *cli,
      gint  code)
{
  if (cli->unmapping)
    return; /* already on the way out */
  cli->exit_code = code;
  burrow_client_disconnect_all (cli->client);
  if (burrow_client_get_connectivity (cli->client) != NULL)
    {
      /* a clean exit leaves no mapping on the router, one-shot commands included */
      cli->unmapping = TRUE;
      cli->unmap_deadline_id = g_timeout_add_seconds (UNMAP_DEADLINE_S, on_unmap_deadline, cli);
      burrow_client_stop_port_mapping_async (cli->client, NULL, on_mappings_deleted, cli);
      return;
    }
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = NULL;
  g_autoptr(BurrowFileTree) tree = NULL;

  /* the list is kept only once it decompressed and parsed within the limits */
  tree = burrow_client_browse_finish (BURROW_CLIENT (source), result, &list, &error);
  if (tree == NULL)
    {
      fail (cli, error->message);
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

static gboolean
on_echo_timeout (gpointer data)
{
  Cli *cli = data;

  cli->timeout_id = 0;
  fail (cli, _("The hub did not confirm the message"));
  return G_SOURCE_REMOVE;
}

/* --- search ---------------------------------------------------------------------------- */

static void
print_result (Cli                *cli,
              BurrowSearchResult *result)
{
  const gchar *tth = burrow_search_result_get_tth (result);

  if (cli->json)
    emit_json ("search-result",
               "hub", burrow_search_result_get_hub (result),
               "nick", burrow_search_result_get_nick (result),
               "cid", burrow_search_result_get_cid (result),
               "path", burrow_search_result_get_path (result),
               "#size", (gint64) burrow_search_result_get_size (result),
               "tth", tth,
               "#slots", (gint64) burrow_search_result_get_slots (result),
               "?directory", burrow_search_result_get_is_directory (result),
               NULL);
  else
    g_print ("%-20s %s  %" G_GUINT64_FORMAT "  %s\n", burrow_search_result_get_nick (result),
             burrow_search_result_get_path (result), burrow_search_result_get_size (result),
             tth ? tth : "-");
}

static void
on_results_changed (GListModel *results,
                    guint       position,
                    guint       removed,
                    guint       added,
                    Cli        *cli)
{
  for (guint i = cli->n_printed; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(BurrowSearchResult) result = g_list_model_get_item (results, i);
      print_result (cli, result);
    }
  cli->n_printed = g_list_model_get_n_items (results);
}

static gboolean
on_search_done (gpointer data)
{
  Cli *cli = data;

  cli->timeout_id = 0;
  burrow_search_stop (cli->search);
  if (cli->json)
    emit_json ("search-done", "query", burrow_search_get_query (cli->search),
               "#results", (gint64) cli->n_printed, NULL);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "%u result\n", "%u results\n", cli->n_printed),
             cli->n_printed);
  quit (cli, EXIT_SUCCESS);
  return G_SOURCE_REMOVE;
}

static void
start_search (Cli *cli)
{
  g_autoptr(GError) error = NULL;

  cli->search = burrow_client_new_search (cli->client, cli->args[1], NULL);
  g_signal_connect (burrow_search_get_results (cli->search), "items-changed",
                    G_CALLBACK (on_results_changed), cli);
  if (!burrow_search_start (cli->search, &error))
    {
      fail (cli, error->message);
      return;
    }
  cli->timeout_id = g_timeout_add_seconds (cli->wait_s, on_search_done, cli);
}

/* --- sharing (hash, serve --share) ---------------------------------------------------------- */

static void
on_file_hashed (BurrowHasher *hasher,
                const gchar  *path,
                guint64       size,
                GBytes       *tth,
                Cli          *cli)
{
  cli->hashed_files++;
  cli->hashed_bytes += size;
}

static void
on_file_failed (BurrowHasher *hasher,
                const gchar  *path,
                const GError *error,
                Cli          *cli)
{
  cli->failed_files++;
}

static void
on_scan_problem (BurrowShare  *share,
                 const gchar  *path,
                 const GError *error,
                 Cli          *cli)
{
  if (cli->json)
    emit_json ("share-problem", "path", path, "domain", g_quark_to_string (error->domain),
               "#code", (gint64) error->code, "message", error->message, NULL);
  else
    g_printerr (_("burrow-cli: not shared: %s: %s\n"), path, error->message);
}

static gdouble
mb_per_s (guint64 bytes,
          gint64  us)
{
  return us > 0 ? bytes / 1e6 / (us / 1e6) : 0.0;
}

static gboolean
on_hash_progress (gpointer data)
{
  Cli *cli = data;
  BurrowHasher *hasher = burrow_share_get_hasher (burrow_client_get_share (cli->client));
  g_autofree gchar *line = NULL;

  if (!burrow_hasher_get_busy (hasher) || burrow_hasher_get_files_total (hasher) == 0)
    return G_SOURCE_CONTINUE;
  line = g_strdup_printf ("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          "/%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                          burrow_hasher_get_files_done (hasher), burrow_hasher_get_files_total (hasher),
                          burrow_hasher_get_bytes_done (hasher), burrow_hasher_get_bytes_total (hasher),
                          burrow_hasher_get_rate (hasher));
  if (g_strcmp0 (line, cli->last_progress) == 0)
    return G_SOURCE_CONTINUE;
  g_free (cli->last_progress);
  cli->last_progress = g_steal_pointer (&line);

  if (cli->json)
    emit_json ("hash-progress",
               "#files-done", (gint64) burrow_hasher_get_files_done (hasher),
               "#files-total", (gint64) burrow_hasher_get_files_total (hasher),
               "#bytes-done", (gint64) burrow_hasher_get_bytes_done (hasher),
               "#bytes-total", (gint64) burrow_hasher_get_bytes_total (hasher),
               "#rate", (gint64) burrow_hasher_get_rate (hasher), NULL);
  else
    {
      g_autofree gchar *done = g_format_size (burrow_hasher_get_bytes_done (hasher));
      g_autofree gchar *total = g_format_size (burrow_hasher_get_bytes_total (hasher));

      g_print (_("hashing: %llu/%llu files, %s/%s, %.1f MB/s\n"),
               (unsigned long long) burrow_hasher_get_files_done (hasher),
               (unsigned long long) burrow_hasher_get_files_total (hasher),
               done, total, burrow_hasher_get_rate (hasher) / 1e6);
    }
  return G_SOURCE_CONTINUE;
}

static void
on_share_busy (BurrowShare *share,
               GParamSpec  *pspec,
               Cli         *cli)
{
  if (!burrow_share_get_busy (share))
    g_main_loop_quit (cli->loop);
}

static void
print_hash_totals (Cli *cli)
{
  BurrowShare *share = burrow_client_get_share (cli->client);
  gint64 elapsed = g_get_monotonic_time () - cli->hash_started;

  if (cli->json)
    emit_json ("hash-done",
               "#files-hashed", (gint64) cli->hashed_files,
               "#bytes-hashed", (gint64) cli->hashed_bytes,
               "#files-failed", (gint64) cli->failed_files,
               "#ms", elapsed / 1000,
               "#rate", (gint64) (elapsed > 0 ? cli->hashed_bytes * G_USEC_PER_SEC / elapsed : 0),
               "#shared-files", (gint64) burrow_share_get_n_files (share),
               "#shared-size", (gint64) burrow_share_get_total_size (share), NULL);
  else
    {
      g_autofree gchar *bytes = g_format_size (cli->hashed_bytes);
      g_autofree gchar *total = g_format_size (burrow_share_get_total_size (share));

      g_print (_("hashed %llu files (%s) in %.2f s, %.1f MB/s; %llu failed\n"),
               (unsigned long long) cli->hashed_files, bytes, elapsed / 1e6,
               mb_per_s (cli->hashed_bytes, elapsed), (unsigned long long) cli->failed_files);
      g_print (_("sharing %u files, %s\n"), burrow_share_get_n_files (share), total);
    }
}

/* Shares exactly @dirs (the saved roots are replaced), scans and hashes what
 * is new; returns when the share is up to date. */
static gint
share_dirs (Cli          *cli,
            gchar       **dirs)
{
  BurrowShare *share = burrow_client_get_share (cli->client);
  BurrowHasher *hasher = burrow_share_get_hasher (share);
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) names = burrow_share_dup_root_names (share);
  g_autoptr(GError) error = NULL;
  guint progress_id;
  gulong busy_id;

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      if (!g_file_test (dirs[i], G_FILE_TEST_IS_DIR))
        {
          g_autofree gchar *display = g_filename_display_name (dirs[i]);
          g_printerr (_("burrow-cli: %s is not a folder\n"), display);
          return EXIT_FAILURE;
        }
      g_ptr_array_add (wanted, g_canonicalize_filename (dirs[i], NULL));
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      const gchar *path = burrow_share_get_root_path (share, names[i]);
      gboolean keep = FALSE;

      for (guint j = 0; j < wanted->len && !keep; j++)
        keep = g_strcmp0 (path, g_ptr_array_index (wanted, j)) == 0;
      if (!keep && !burrow_share_remove_root (share, names[i], &error))
        {
          g_printerr ("burrow-cli: %s\n", error->message);
          return EXIT_FAILURE;
        }
    }
  for (guint j = 0; j < wanted->len; j++)
    {
      const gchar *dir = g_ptr_array_index (wanted, j);
      gboolean have = FALSE;
      g_auto(GStrv) current = burrow_share_dup_root_names (share);

      for (guint i = 0; current[i] != NULL && !have; i++)
        have = g_strcmp0 (burrow_share_get_root_path (share, current[i]), dir) == 0;
      if (!have && !burrow_share_add_root (share, dir, NULL, &error))
        {
          g_printerr ("burrow-cli: %s\n", error->message);
          return EXIT_FAILURE;
        }
    }

  g_signal_connect (hasher, "file-hashed", G_CALLBACK (on_file_hashed), cli);
  g_signal_connect (hasher, "file-failed", G_CALLBACK (on_file_failed), cli);
  g_signal_connect (share, "scan-problem", G_CALLBACK (on_scan_problem), cli);
  cli->hash_started = g_get_monotonic_time ();
  burrow_share_refresh (share);
  busy_id = g_signal_connect (share, "notify::busy", G_CALLBACK (on_share_busy), cli);
  progress_id = g_timeout_add (250, on_hash_progress, cli);
  if (burrow_share_get_busy (share))
    g_main_loop_run (cli->loop);
  g_source_remove (progress_id);
  g_signal_handler_disconnect (share, busy_id);
  if (cli->interrupted)   /* hash did not finish; serve just stops */
    return g_str_equal (cli->command, "hash") ? EXIT_FAILURE : EXIT_SUCCESS;
  print_hash_totals (cli);
  return EXIT_SUCCESS;
}

/* --- downloads (get, queue) ------------------------------------------------------------- */

static const gchar *
queue_state_name (BurrowQueueState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (BURROW_TYPE_QUEUE_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value ? value->value_nick : "unknown";
}

static void
print_queue (Cli *cli)
{
  GListModel *queue = G_LIST_MODEL (burrow_client_get_download_queue (cli->client));
  guint n = g_list_model_get_n_items (queue);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowQueueItem) item = g_list_model_get_item (queue, i);
      g_autoptr(GString) sources = g_string_new (NULL);
      guint64 size = burrow_queue_item_get_size (item);
      guint64 verified = burrow_queue_item_get_verified_bytes (item);

      for (guint s = 0; s < burrow_queue_item_get_n_sources (item); s++)
        {
          const BurrowQueueSource *source = burrow_queue_item_get_source (item, s);

          if (sources->len > 0)
            g_string_append (sources, ", ");
          g_string_append (sources, source->nick ? source->nick : source->cid);
          if (source->bad)
            g_string_append (sources, _(" (bad data)"));
        }
      if (cli->json)
        {
          g_autofree gchar *path = g_build_filename (burrow_queue_item_get_target_dir (item),
                                                     burrow_queue_item_get_name (item), NULL);

          emit_json ("queue-item", "#id", burrow_queue_item_get_id (item),
                     "state", queue_state_name (burrow_queue_item_get_state (item)),
                     "name", burrow_queue_item_get_name (item), "path", path,
                     "#size", (gint64) size, "#verified", (gint64) verified,
                     "tth", burrow_queue_item_get_tth (item),
                     "sources", sources->str,
                     "error", burrow_queue_item_get_error_message (item) ? burrow_queue_item_get_error_message (item) : "",
                     NULL);
        }
      else
        {
          g_autofree gchar *size_text = g_format_size (size);

          g_print ("%-8s %5.1f%%  %10s  %s  [%s]%s%s\n",
                   queue_state_name (burrow_queue_item_get_state (item)),
                   size > 0 ? 100.0 * (gdouble) verified / (gdouble) size : 100.0, size_text,
                   burrow_queue_item_get_name (item), sources->str,
                   burrow_queue_item_get_error_message (item) ? "  " : "",
                   burrow_queue_item_get_error_message (item) ? burrow_queue_item_get_error_message (item) : "");
        }
    }
  if (n == 0 && !cli->json)
    g_print (_("The download queue is empty\n"));
}

/* Prints @transfer as a `transfer` event unless that line is the last one printed for it. */
static void
print_transfer_json (Cli            *cli,
                     BurrowTransfer *transfer)
{
  g_autofree gchar *json = NULL;

  if (cli->last_json == NULL)
    return;
  json = burrow_transfer_to_json (transfer);
  if (g_strcmp0 (g_hash_table_lookup (cli->last_json, transfer), json) == 0)
    return;
  fputs (json, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  g_hash_table_replace (cli->last_json, g_object_ref (transfer), g_steal_pointer (&json));
}

/* State and TLS changes are printed at once, not only when the progress timer samples: a fast
 * transfer can start and end between two samples. */
static void
on_transfer_changed (BurrowTransfer *transfer,
                     GParamSpec     *pspec,
                     Cli            *cli)
{
  print_transfer_json (cli, transfer);
}

static void
on_transfers_changed (GListModel *transfers,
                      guint       position,
                      guint       removed,
                      guint       added,
                      Cli        *cli)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowTransfer) transfer = g_list_model_get_item (transfers, i);

      g_signal_connect (transfer, "notify::state", G_CALLBACK (on_transfer_changed), cli);
      g_signal_connect (transfer, "notify::tls", G_CALLBACK (on_transfer_changed), cli);
      print_transfer_json (cli, transfer);
    }
}

static gboolean
on_get_progress (gpointer data)
{
  Cli *cli = data;
  GListModel *transfers = burrow_client_get_transfers (cli->client);
  guint n = g_list_model_get_n_items (transfers);
  gint64 now = g_get_monotonic_time ();
  gboolean text_due = now - cli->last_text >= G_USEC_PER_SEC;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowTransfer) transfer = g_list_model_get_item (transfers, i);

      if (cli->json)
        print_transfer_json (cli, transfer);
      else if (text_due)
        {
          g_autofree gchar *position = g_format_size (burrow_transfer_get_position (transfer));
          g_autofree gchar *size = g_format_size (burrow_transfer_get_size (transfer));
          g_autofree gchar *rate = g_format_size (burrow_transfer_get_rate (transfer));
          gint64 eta = burrow_transfer_get_eta (transfer);

          g_autofree gchar *left = eta >= 0 ? g_strdup_printf (_(", %lld s left"), (long long) eta)
                                            : g_strdup ("");

          g_print ("%s: %s / %s  %s/s  %s (%s)%s\n", burrow_transfer_get_name (transfer), position, size,
                   rate, burrow_transfer_state_to_string (burrow_transfer_get_state (transfer)),
                   burrow_transfer_get_nick (transfer), left);
        }
    }
  if (text_due)
    cli->last_text = now;

  /* forget transfers that ended */
  if (cli->json && g_hash_table_size (cli->last_json) > n)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, cli->last_json);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          guint position;

          if (!g_list_store_find (G_LIST_STORE (transfers), key, &position))
            g_hash_table_iter_remove (&iter);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
on_item_verified (BurrowQueueItem *item,
                  GParamSpec      *pspec,
                  Cli             *cli)
{
  if (cli->json)
    emit_json ("download-progress", "#id", burrow_queue_item_get_id (item),
               "name", burrow_queue_item_get_name (item),
               "#verified", (gint64) burrow_queue_item_get_verified_bytes (item),
               "#size", (gint64) burrow_queue_item_get_size (item), NULL);
}

static void
on_download_finished (BurrowTransferManager *manager,
                      BurrowQueueItem       *item,
                      Cli                   *cli)
{
  if (cli->get_items == NULL || !g_ptr_array_find (cli->get_items, item, NULL))
    return;
  if (cli->json)
    emit_json ("download-finished", "#id", burrow_queue_item_get_id (item),
               "name", burrow_queue_item_get_name (item),
               "path", burrow_queue_item_get_final_path (item),
               "#size", (gint64) burrow_queue_item_get_size (item),
               "tth", burrow_queue_item_get_tth (item), NULL);
  else
    g_print (_("Downloaded and verified: %s\n"), burrow_queue_item_get_final_path (item));
  g_signal_handlers_disconnect_by_data (item, cli);
  g_ptr_array_remove (cli->get_items, item);
  if (cli->get_items->len == 0)
    quit (cli, EXIT_SUCCESS);
}

static void
on_download_failed (BurrowTransferManager *manager,
                    BurrowQueueItem       *item,
                    const GError          *error,
                    Cli                   *cli)
{
  g_autofree gchar *msg = NULL;

  if (cli->get_items == NULL || !g_ptr_array_find (cli->get_items, item, NULL))
    return;
  msg = g_strdup_printf ("%s: %s", burrow_queue_item_get_name (item), error->message);
  fail (cli, msg);
}

static void
get_enqueued (Cli       *cli,
              GPtrArray *items)
{
  BurrowTransferManager *manager = burrow_client_get_transfer_manager (cli->client);

  cli->get_items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < items->len; i++)
    {
      BurrowQueueItem *item = g_ptr_array_index (items, i);

      if (burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_DONE)
        continue;
      /* a paused or failed item the user asks for again gets another try */
      burrow_download_queue_resume (burrow_client_get_download_queue (cli->client), item, NULL);
      g_signal_connect (item, "notify::verified-bytes", G_CALLBACK (on_item_verified), cli);
      g_ptr_array_add (cli->get_items, g_object_ref (item));
    }
  if (cli->json)
    for (guint i = 0; i < cli->get_items->len; i++)
      {
        BurrowQueueItem *item = g_ptr_array_index (cli->get_items, i);

        emit_json ("queued", "#id", burrow_queue_item_get_id (item),
                   "name", burrow_queue_item_get_name (item),
                   "dir", burrow_queue_item_get_target_dir (item),
                   "#size", (gint64) burrow_queue_item_get_size (item),
                   "#verified", (gint64) burrow_queue_item_get_verified_bytes (item),
                   "tth", burrow_queue_item_get_tth (item), NULL);
      }
  if (cli->get_items->len == 0)
    {
      if (!cli->json)
        g_print (_("Nothing to download\n"));
      quit (cli, EXIT_SUCCESS);
      return;
    }
  g_signal_connect (manager, "download-finished", G_CALLBACK (on_download_finished), cli);
  g_signal_connect (manager, "download-failed", G_CALLBACK (on_download_failed), cli);
  cli->progress_id = g_timeout_add (BURROW_TRANSFER_SAMPLE_MS, on_get_progress, cli);
  burrow_transfer_manager_kick (manager);
}

static void
on_get_list_received (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  Cli *cli = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GPtrArray) items = NULL;
  BurrowFileNode *node;

  /* the connection that brought the list stays with the transfer manager for the download */
  tree = burrow_client_browse_finish (BURROW_CLIENT (source), result, NULL, &error);
  if (tree == NULL)
    {
      fail (cli, error->message);
      return;
    }
  node = burrow_file_tree_lookup (tree, cli->args[2]);
  if (node == NULL && !g_str_has_suffix (cli->args[2], "/"))
    {
      g_autofree gchar *dir = g_strconcat (cli->args[2], "/", NULL);
      node = burrow_file_tree_lookup (tree, dir);
    }
  if (node == NULL)
    {
      g_autofree gchar *msg = g_strdup_printf (_("%s has no “%s”"), cli->args[1], cli->args[2]);
      fail (cli, msg);
      return;
    }
  items = burrow_client_download_node (cli->client, node, cli->out_dir,
                                       burrow_user_get_id (cli->source),
                                       burrow_hub_session_get_uri (cli->source_session),
                                       cli->args[1], &error);
  if (items == NULL)
    {
      fail (cli, error->message);
      return;
    }
  get_enqueued (cli, items);
}

static void
start_get (Cli              *cli,
           BurrowHubSession *session)
{
  BurrowUser *user = burrow_hub_session_lookup_nick (session, cli->args[1]);
  const gchar *what = cli->args[2];
  g_autoptr(GError) error = NULL;

  if (user == NULL)
    {
      g_autofree gchar *msg = g_strdup_printf (_("No user called “%s” on this hub"), cli->args[1]);
      fail (cli, msg);
      return;
    }
  if (g_str_has_prefix (what, "magnet:"))
    {
      g_autoptr(BurrowMagnet) magnet = burrow_magnet_parse (what, &error);
      g_autoptr(GPtrArray) items = NULL;
      BurrowQueueItem *item;

      if (magnet == NULL)
        {
          fail (cli, error->message);
          return;
        }
      if (magnet->tth == NULL || !magnet->has_size)
        {
          fail (cli, _("The magnet link needs a TTH (xt) and a size (xl)"));
          return;
        }
      item = burrow_download_queue_add_file (burrow_client_get_download_queue (cli->client), magnet->tth,
                                             magnet->size, magnet->name ? magnet->name : magnet->tth,
                                             cli->out_dir, burrow_user_get_id (user),
                                             burrow_hub_session_get_uri (session), cli->args[1], &error);
      if (item == NULL)
        {
          fail (cli, error->message);
          return;
        }
      items = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (items, item);
      get_enqueued (cli, items);
      return;
    }
  /* a path: resolve it in the user's file list first (one connection for both) */
  g_set_object (&cli->source_session, session);
  g_set_object (&cli->source, user);
  burrow_client_browse_async (cli->client, session, user, cli->cancellable,
                              on_get_list_received, cli);
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
  else if (g_str_equal (cli->command, "search"))
    start_search (cli);
  else if (g_str_equal (cli->command, "get"))
    start_get (cli, session);
  else if (g_str_equal (cli->command, "get-list"))
    {
      BurrowUser *user = burrow_hub_session_lookup_nick (session, cli->args[1]);

      if (user == NULL)
        {
          g_autofree gchar *msg = g_strdup_printf (_("No user called “%s” on this hub"), cli->args[1]);
          fail (cli, msg);
          return;
        }
      burrow_client_browse_async (cli->client, session, user, cli->cancellable,
                                  on_list_received, cli);
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
      /* set first: NMDC hubs do not echo private messages, the session keeps its own copy at
       * once (ADC hubs echo them later) */
      cli->echo_text = g_strdup (g_str_has_prefix (cli->args[2], "/me ") ? cli->args[2] + 4
                                                                          : cli->args[2]);
      if (!burrow_hub_session_send_private (session, user, cli->args[2], &error))
        {
          fail (cli, error->message);
          return;
        }
      if (cli->echo_text == NULL)
        return;   /* done already */
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

/* --- hublist ---------------------------------------------------------------------------- */

static gchar *
format_age (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup (_("less than a minute"));
  if (seconds < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", seconds / 60),
                            (guint) (seconds / 60));
  if (seconds < 2 * 86400)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", seconds / 3600),
                            (guint) (seconds / 3600));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day", "%u days", seconds / 86400),
                          (guint) (seconds / 86400));
}

/* How each list server fared: JSON events on stdout, or lines on stderr. */
static void
print_hublist_sources (Cli *cli)
{
  GPtrArray *sources = burrow_public_hubs_get_sources (burrow_client_get_public_hubs (cli->client));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < sources->len; i++)
    {
      BurrowPublicHubSource *source = g_ptr_array_index (sources, i);
      gint64 age = source->fetched > 0 ? MAX (now - source->fetched, 0) : 0;

      if (cli->json)
        {
          g_autoptr(GString) out = g_string_new ("{\"event\":\"hublist-source\",");

          burrow_json_append_member (out, "url", source->url);
          g_string_append_printf (out, ",\"hubs\":%u,\"skipped\":%u,\"cached\":%s,"
                                  "\"fetched\":%" G_GINT64_FORMAT ",\"age\":%" G_GINT64_FORMAT ",",
                                  source->n_hubs, source->n_skipped,
                                  source->from_cache ? "true" : "false", source->fetched, age);
          burrow_json_append_member (out, "error", source->error ? source->error->message : NULL);
          g_string_append (out, ",\"error-domain\":");
          burrow_json_append_string (out, source->error ? g_quark_to_string (source->error->domain)
                                                        : NULL);
          g_string_append_printf (out, ",\"error-code\":%d}\n",
                                  source->error ? source->error->code : 0);
          fputs (out->str, stdout);
        }
      else if (source->fetched == 0)
        g_printerr ("%s: %s\n", source->url, source->error ? source->error->message : "");
      else if (source->from_cache)
        {
          g_autofree gchar *age_text = format_age (age);

          g_printerr (g_dngettext (GETTEXT_PACKAGE,
                                   "%s: %u hub from the cached copy, %s old (%s)\n",
                                   "%s: %u hubs from the cached copy, %s old (%s)\n",
                                   source->n_hubs),
                      source->url, source->n_hubs, age_text,
                      source->error ? source->error->message : "");
        }
      else
        g_printerr (g_dngettext (GETTEXT_PACKAGE, "%s: %u hub\n", "%s: %u hubs\n", source->n_hubs),
                    source->url, source->n_hubs);
    }
  fflush (stdout);
}

static void
print_public_hub (Cli             *cli,
                  BurrowPublicHub *hub)
{
  const gchar *protocol = burrow_public_hub_protocol_name (burrow_public_hub_get_protocol (hub));

  if (cli->json)
    {
      g_autoptr(GString) out = g_string_new ("{\"event\":\"hub\",");
      gchar reliability[G_ASCII_DTOSTR_BUF_SIZE];

      burrow_json_append_member (out, "name", burrow_public_hub_get_name (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "address", burrow_public_hub_get_address (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "protocol", protocol);
      g_string_append_printf (out, ",\"users\":%u,\"shared\":%" G_GUINT64_FORMAT ","
                              "\"min-share\":%" G_GUINT64_FORMAT ",\"min-slots\":%u,"
                              "\"max-hubs\":%u,\"max-users\":%u,\"reliability\":%s,",
                              burrow_public_hub_get_users (hub), burrow_public_hub_get_shared (hub),
                              burrow_public_hub_get_min_share (hub),
                              burrow_public_hub_get_min_slots (hub),
                              burrow_public_hub_get_max_hubs (hub),
                              burrow_public_hub_get_max_users (hub),
                              g_ascii_dtostr (reliability, sizeof reliability,
                                              burrow_public_hub_get_reliability (hub)));
      burrow_json_append_member (out, "description", burrow_public_hub_get_description (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "country", burrow_public_hub_get_country (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "encoding", burrow_public_hub_get_encoding (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "software", burrow_public_hub_get_software (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "rating", burrow_public_hub_get_rating (hub));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "source", burrow_public_hub_get_source (hub));
      g_string_append_printf (out, ",\"fetched\":%" G_GINT64_FORMAT "}\n",
                              burrow_public_hub_get_fetched (hub));
      fputs (out->str, stdout);
    }
  else
    {
      g_autofree gchar *share = g_format_size (burrow_public_hub_get_shared (hub));

      /* name, address, users, share, protocol: tab-separated (the parser keeps tabs out) */
      printf ("%s\t%s\t%u\t%s\t%s\n", burrow_public_hub_get_name (hub),
              burrow_public_hub_get_address (hub), burrow_public_hub_get_users (hub), share,
              protocol);
    }
}

static void
on_hublist_refreshed (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  BurrowPublicHubs *hubs = BURROW_PUBLIC_HUBS (source);
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  guint n;

  if (!burrow_public_hubs_refresh_finish (hubs, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (cli->json)
        print_hublist_sources (cli);
      fail (cli, error->message);
      return;
    }
  print_hublist_sources (cli);
  n = g_list_model_get_n_items (G_LIST_MODEL (hubs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowPublicHub) hub = g_list_model_get_item (G_LIST_MODEL (hubs), i);

      print_public_hub (cli, hub);
    }
  fflush (stdout);
  quit (cli, EXIT_SUCCESS);
}

static gboolean
on_signal (gpointer data)
{
  Cli *cli = data;

  cli->interrupted = TRUE;
  quit (cli, EXIT_SUCCESS);
  return G_SOURCE_REMOVE;
}

static void
print_connectivity (BurrowConnectivity *connectivity,
                    GSocketFamily       family,
                    Cli                *cli)
{
  const BurrowConnectivityDecision *d = burrow_connectivity_get_decision (connectivity, family);
  g_autofree gchar *json = NULL;

  if (d == NULL)
    return;
  if (!cli->json)
    {
      g_print ("%s\n", d->sentence);
      return;
    }
  json = burrow_connectivity_decision_to_json (d);
  g_print ("%s\n", json);
  fflush (stdout);
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
  { "search", 2, 2, "search URL QUERY [--wait N]" },
  { "hash", 0, 0, "hash --share DIR [--share DIR…]" },
  { "get", 3, 3, "get URL NICK PATH|MAGNET [--out DIR]" },
  { "queue", 0, 0, "queue" },
  { "hublist", 0, G_MAXUINT, "hublist [URL...]" },
};

static gint
usage_error (GOptionContext *context,
             const gchar    *message)
{
  g_autofree gchar *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("burrow-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

/* Frees what main() set up in @cli, whichever way it returns. */
static void
cli_clear (Cli *cli)
{
  g_clear_handle_id (&cli->timeout_id, g_source_remove);
  g_clear_handle_id (&cli->progress_id, g_source_remove);
  if (cli->cancellable != NULL)
    g_cancellable_cancel (cli->cancellable);
  g_clear_object (&cli->cancellable);
  if (cli->search != NULL)
    g_signal_handlers_disconnect_by_data (burrow_search_get_results (cli->search), cli);
  g_clear_object (&cli->search);
  g_clear_object (&cli->source_session);
  g_clear_object (&cli->source);
  g_clear_pointer (&cli->last_progress, g_free);
  if (cli->get_items != NULL)
    {
      for (guint i = 0; i < cli->get_items->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (cli->get_items, i), cli);
      g_clear_pointer (&cli->get_items, g_ptr_array_unref);
    }
  if (cli->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (burrow_client_get_transfer_manager (cli->client), cli);
      g_signal_handlers_disconnect_by_data (burrow_client_get_transfers (cli->client), cli);
    }
  g_clear_pointer (&cli->last_json, g_hash_table_unref);
  g_clear_pointer (&cli->out_dir, g_free);
  g_clear_pointer (&cli->echo_text, g_free);
  g_clear_pointer (&cli->out_path, g_free);
  g_clear_pointer (&cli->loop, g_main_loop_unref);
  g_clear_object (&cli->client);
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
  g_autofree gchar *encoding = NULL;
  g_auto(GStrv) shares = NULL;
  g_autofree gchar *out = NULL;
  gint port = 0;
  gint wait_s = 5;
  gboolean json = FALSE;
  gboolean no_peer_tls = FALSE;
  gboolean no_port_mapping = FALSE;
  guint n_args;
  gint command_index = -1;
  Cli cli = { 0, };
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("State directory (default: $XDG_DATA_HOME/burrow)"), N_("DIR") },
    { "nick", 0, 0, G_OPTION_ARG_STRING, &nick, N_("Nick to use on hubs"), N_("NICK") },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("Password for registered nicks"), N_("PW") },
    { "share", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &shares, N_("Share a folder (repeatable)"), N_("DIR") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("Connectivity: auto (the default: map a port on the router and find out), active or passive; kept for the next run"), N_("MODE") },
    { "no-port-mapping", 0, 0, G_OPTION_ARG_NONE, &no_port_mapping, N_("Never ask the router for a port (no UPnP, NAT-PMP or PCP); kept in the data directory"), NULL },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("TCP/UDP port in active mode (0: random)"), N_("N") },
    { "encoding", 0, 0, G_OPTION_ARG_STRING, &encoding, N_("Character set of NMDC hubs (default CP1252)"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON event per line on stdout"), NULL },
    { "no-peer-tls", 0, 0, G_OPTION_ARG_NONE, &no_peer_tls, N_("Ask peers for plain (unencrypted) connections"), NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("get-list: where to save the list; get: download folder"), N_("PATH") },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait_s, N_("search: seconds to wait for results (default 5)"), N_("N") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BURROW_LOCALEDIR") ? g_getenv ("BURROW_LOCALEDIR")
                                                                   : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND ARGS — users URL | say URL TEXT | pm URL NICK TEXT | get-list URL NICK | get URL NICK PATH|MAGNET | queue | search URL QUERY | hash | serve URL... | hublist [URL...]"));
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
  if (mode != NULL && !g_str_equal (mode, "active") && !g_str_equal (mode, "passive") &&
      !g_str_equal (mode, "auto"))
    return usage_error (context, _("--mode must be auto, active or passive"));
  if (port < 0 || port > 65535)
    return usage_error (context, _("--port must be between 0 and 65535"));
  if (nick != NULL && *nick == '\0')
    return usage_error (context, _("--nick must not be empty"));
  if (wait_s < 1 || wait_s > 3600)
    return usage_error (context, _("--wait must be between 1 and 3600 seconds"));
  if (g_str_equal (argv[1], "hash") && (shares == NULL || shares[0] == NULL))
    return usage_error (context, _("hash needs at least one --share DIR"));

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
      cli_clear (&cli);
      return EXIT_FAILURE;
    }
  if (no_port_mapping)
    for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
      burrow_client_set_port_mapping_enabled (cli.client, m, FALSE);
  cli.json = json;
  if (mode != NULL)
    {
      burrow_client_set_mode (cli.client, g_str_equal (mode, "active") ? BURROW_CONNECTION_MODE_ACTIVE
                                          : g_str_equal (mode, "auto") ? BURROW_CONNECTION_MODE_AUTO
                                                                       : BURROW_CONNECTION_MODE_PASSIVE);

      if (g_str_equal (mode, "active") &&
          burrow_client_get_mode (cli.client) != BURROW_CONNECTION_MODE_ACTIVE)
        {
          g_printerr ("burrow-cli: %s\n", _("Cannot listen for incoming connections"));
          cli_clear (&cli);
          return EXIT_FAILURE;
        }
    }

  /* automatic mode (asked for now, or kept from an earlier run): say what it decides */
  if (burrow_client_get_connectivity (cli.client) != NULL)
    {
      g_signal_connect (burrow_client_get_connectivity (cli.client), "changed",
                        G_CALLBACK (print_connectivity), &cli);
      print_connectivity (burrow_client_get_connectivity (cli.client), G_SOCKET_FAMILY_IPV4, &cli);
      print_connectivity (burrow_client_get_connectivity (cli.client), G_SOCKET_FAMILY_IPV6, &cli);
    }
  if (no_peer_tls)
    burrow_nat_connector_set_tls (burrow_client_get_connector (cli.client), FALSE);

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
  if (g_str_equal (argv[1], "get"))
    cli.out_dir = g_canonicalize_filename (out ? out : burrow_client_get_download_dir (cli.client), NULL);
  if (g_str_equal (argv[1], "queue"))
    {
      cli.json = json;
      print_queue (&cli);
      cli_clear (&cli);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (argv[1], "hublist"))
    {
      cli.json = json;
      cli.exit_code = EXIT_SUCCESS;
      g_unix_signal_add (SIGINT, on_signal, &cli);
      g_unix_signal_add (SIGTERM, on_signal, &cli);
      burrow_public_hubs_refresh_async (burrow_client_get_public_hubs (cli.client),
                                        n_args > 0 ? (const gchar * const *) argv + 2 : NULL,
                                        cli.cancellable, on_hublist_refreshed, &cli);
      g_main_loop_run (cli.loop);
      cli_clear (&cli);
      return cli.exit_code;
    }
  g_signal_connect (burrow_client_get_connector (cli.client), "attempt-finished",
                    G_CALLBACK (on_attempt_finished), &cli);
  cli.command = argv[1];
  cli.args = argv + 2;
  cli.json = json;
  cli.exit_code = EXIT_SUCCESS;
  cli.last_json = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  cli.wait_s = (guint) wait_s;
  if (json && (g_str_equal (cli.command, "get") || g_str_equal (cli.command, "serve")))
    g_signal_connect (burrow_client_get_transfers (cli.client), "items-changed",
                      G_CALLBACK (on_transfers_changed), &cli);
  if (json && g_str_equal (cli.command, "serve"))
    cli.progress_id = g_timeout_add (BURROW_TRANSFER_SAMPLE_MS, on_get_progress, &cli);

  g_unix_signal_add (SIGINT, on_signal, &cli);
  g_unix_signal_add (SIGTERM, on_signal, &cli);

  /* hash, serve --share: bring the share up to date first */
  if (shares != NULL && shares[0] != NULL
      && (g_str_equal (cli.command, "hash") || g_str_equal (cli.command, "serve")))
    {
      gint code = share_dirs (&cli, shares);

      if (code != EXIT_SUCCESS || cli.interrupted || g_str_equal (cli.command, "hash"))
        {
          cli_clear (&cli);
          return code;
        }
    }

  for (guint i = 0; i < (g_str_equal (cli.command, "serve") ? n_args : MIN (n_args, 1)); i++)
    {
      BurrowHubSession *session = burrow_client_add_hub (cli.client, cli.args[i], &error);

      if (session == NULL)
        {
          g_printerr ("burrow-cli: %s\n", error->message);
          cli_clear (&cli);
          return EXIT_USAGE;
        }
      if (password != NULL)
        burrow_hub_session_set_password (session, password);
      if (encoding != NULL && !burrow_hub_session_set_encoding (session, encoding, &error))
        {
          g_printerr ("burrow-cli: %s\n", error->message);
          cli_clear (&cli);
          return EXIT_USAGE;
        }

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

  g_main_loop_run (cli.loop);

  /* let the clean disconnects flush */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  cli_clear (&cli);
  return cli.exit_code;
}
