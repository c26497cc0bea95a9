/* burrow-test-util.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "burrow-portmap.h"

#include "burrow-test-util.h"

#define HUB_DEADLINE_MS (30 * 1000)

static gboolean
on_deadline_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sanitizer builds run several times slower: their test setup sets BURROW_TEST_DEADLINE_SCALE
 * (tests/meson.build), and every deadline a test waits on grows by that factor. A wait still
 * ends as soon as its event happens; only a missing event takes longer to fail. */
guint
burrow_test_deadline_ms (guint ms)
{
  const gchar *scale = g_getenv ("BURROW_TEST_DEADLINE_SCALE");
  guint64 factor;

  if (scale == NULL || !g_ascii_string_to_unsigned (scale, 10, 1, 10, &factor, NULL))
    return ms;
  return (guint) MIN ((guint64) ms * factor, G_MAXUINT);
}

static gboolean
iterate_until (BurrowTestPredicate predicate,
               gpointer            user_data,
               guint               ms)
{
  gboolean expired = FALSE;
  guint id;

  id = g_timeout_add (ms, on_deadline_cb, &expired);
  while (!predicate (user_data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);

  return predicate (user_data);
}

gboolean
burrow_test_wait_until (BurrowTestPredicate predicate,
                        gpointer            user_data,
                        guint               timeout_ms)
{
  return iterate_until (predicate, user_data, burrow_test_deadline_ms (timeout_ms));
}

static gboolean
flag_is_set (gpointer data)
{
  return *(const gboolean *) data;
}

gboolean
burrow_test_wait_for_flag (const gboolean *flag,
                           guint           timeout_ms)
{
  return burrow_test_wait_until (flag_is_set, (gpointer) flag, timeout_ms);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
burrow_test_iterate_for (guint ms)
{
  /* a span of time, not a deadline: never stretched */
  iterate_until (never, NULL, ms);
}

void
burrow_test_result_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  BurrowTestResult *self = user_data;

  g_assert_null (self->result);
  self->result = g_object_ref (result);
}

gboolean
burrow_test_result_done (BurrowTestResult *self)
{
  return self->result != NULL;
}

static gboolean
result_is_done (gpointer data)
{
  return burrow_test_result_done (data);
}

GAsyncResult *
burrow_test_result_wait (BurrowTestResult *self,
                         guint             timeout_ms)
{
  if (!burrow_test_wait_until (result_is_done, self, timeout_ms))
    g_error ("no result from the asynchronous call within %u ms", timeout_ms);
  return self->result;
}

void
burrow_test_result_clear (BurrowTestResult *self)
{
  g_clear_object (&self->result);
}

gchar *
burrow_test_write_file (const gchar *dir,
                        const gchar *name,
                        gsize        len,
                        guint32      seed)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree guint8 *buf = g_malloc (len ? len : 1);
  guint32 x = seed ? seed : 0x9e3779b9;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < len; i++)
    {
      /* xorshift32: deterministic, fast, independent of GLib's RNG */
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      buf[i] = (guint8) (x >> 24);
    }

  if (!g_file_set_contents (path, (const gchar *) buf, len, &error))
    g_error ("cannot write %s: %s", path, error->message);

  return g_steal_pointer (&path);
}

gchar *
burrow_test_run_capture (const gchar * const *argv,
                         GError             **error)
{
  g_autofree gchar *out = NULL;
  gint status;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, error))
    return NULL;

  return g_steal_pointer (&out);
}

void
burrow_test_remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree gchar *child = g_build_filename (path, name, NULL);
        burrow_test_remove_tree (child);
      }
  g_remove (path);
}

GError *
burrow_test_connect_hub (BurrowHubSession *session)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  GError *error = NULL;

  burrow_hub_session_connect_async (session, NULL, burrow_test_result_cb, &r);
  burrow_hub_session_connect_finish (session, burrow_test_result_wait (&r, HUB_DEADLINE_MS),
                                     &error);
  return error;
}

typedef struct
{
  gpointer     object;
  const gchar *nick;
  guint        min_files;
} Wait;

static gboolean
sees_nick (gpointer data)
{
  Wait *wait = data;

  return burrow_hub_session_lookup_nick (wait->object, wait->nick) != NULL;
}

gboolean
burrow_test_wait_nick (BurrowHubSession *session,
                       const gchar      *nick,
                       guint             timeout_ms)
{
  Wait wait = { session, nick, 0 };

  return burrow_test_wait_until (sees_nick, &wait, timeout_ms);
}

static gboolean
share_ready (gpointer data)
{
  Wait *wait = data;

  return !burrow_share_get_busy (wait->object) && burrow_share_get_tree (wait->object) != NULL &&
         burrow_share_get_n_files (wait->object) >= wait->min_files;
}

gboolean
burrow_test_wait_share (BurrowShare *share,
                        guint        min_files,
                        guint        timeout_ms)
{
  Wait wait = { share, NULL, min_files };

  return burrow_test_wait_until (share_ready, &wait, timeout_ms);
}

BurrowHubSession *
burrow_test_join_hub (BurrowClient *client,
                      const gchar  *uri)
{
  g_autoptr(GError) error = NULL;
  BurrowHubSession *session = burrow_client_add_hub (client, uri, &error);

  g_assert_no_error (error);
  error = burrow_test_connect_hub (session);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_hub_session_get_state (session), ==, BURROW_HUB_STATE_NORMAL);
  return session;
}

BurrowClient *
burrow_test_new_client (const gchar *parent_dir,
                        const gchar *nick,
                        gboolean     active)
{
  g_autofree gchar *data_dir = g_build_filename (parent_dir, nick, NULL);
  g_autoptr(GError) error = NULL;
  BurrowClient *client = burrow_client_new (data_dir, &error);

  g_assert_no_error (error);
  burrow_client_set_nick (client, nick);
  /* a fixed mode: automatic (the default) would follow what the hub says */
  burrow_client_set_mode (client, active ? BURROW_CONNECTION_MODE_ACTIVE
                                         : BURROW_CONNECTION_MODE_PASSIVE);
  g_assert_cmpint (burrow_client_get_mode (client), ==, active ? BURROW_CONNECTION_MODE_ACTIVE
                                                               : BURROW_CONNECTION_MODE_PASSIVE);
  return client;
}

gchar *
burrow_test_self_exe (void)
{
  g_autoptr(GError) error = NULL;
  gchar *exe = g_file_read_link ("/proc/self/exe", &error);

  g_assert_no_error (error);
  return exe;
}

GSubprocess *
burrow_test_spawn_cli (const gchar * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_ptr_array_add (argv, (gpointer) g_getenv ("BURROW_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const gchar * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  return proc;
}

BurrowTestCliRun *
burrow_test_run_cli (const gchar * const *args,
                     guint                timeout_ms)
{
  g_autoptr(GSubprocess) proc = burrow_test_spawn_cli (args);
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(GError) error = NULL;
  BurrowTestCliRun *run = g_new0 (BurrowTestCliRun, 1);

  g_subprocess_communicate_utf8_async (proc, NULL, NULL, burrow_test_result_cb, &r);
  g_subprocess_communicate_utf8_finish (proc, burrow_test_result_wait (&r, timeout_ms), &run->out,
                                        &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (proc);
  return run;
}

void
burrow_test_cli_run_free (BurrowTestCliRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

gboolean
burrow_test_rhash_tth (const gchar *rhash,
                       const gchar *path,
                       guint8       root[24])
{
  const gchar *argv[] = { rhash, "--tth", path, NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *first = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("rhash failed: %s\n", error->message);
      return FALSE;
    }

  first = g_strndup (out, strcspn (out, " \t\n"));
  if (!burrow_tth_from_base32 (first, root, &error))
    {
      g_printerr ("cannot parse rhash output '%s': %s\n", out, error->message);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  BurrowHubSession *session;
  const gchar      *nick;
  gboolean          present;
} NickWait;

static gboolean
nick_presence_is (gpointer data)
{
  NickWait *w = data;

  return (burrow_hub_session_lookup_nick (w->session, w->nick) != NULL) == w->present;
}

gboolean
burrow_test_wait_nick_presence (BurrowHubSession *session,
                                const gchar      *nick,
                                gboolean          present,
                                guint             timeout_ms)
{
  NickWait w = { session, nick, present };

  return burrow_test_wait_until (nick_presence_is, &w, timeout_ms);
}

BurrowChatMessage *
burrow_test_find_message (GListModel     *messages,
                          BurrowChatKind  kind,
                          const gchar    *text)
{
  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(BurrowChatMessage) m = g_list_model_get_item (messages, i);

      if (burrow_chat_message_get_kind (m) == kind && g_strcmp0 (burrow_chat_message_get_text (m), text) == 0)
        return m;   /* the model keeps it */
    }
  return NULL;
}

typedef struct
{
  GListModel     *messages;
  BurrowChatKind  kind;
  const gchar    *text;
} MessageWait;

static gboolean
message_arrived (gpointer data)
{
  MessageWait *w = data;

  return burrow_test_find_message (w->messages, w->kind, w->text) != NULL;
}

BurrowChatMessage *
burrow_test_wait_message (BurrowHubSession *session,
                          BurrowChatKind    kind,
                          const gchar      *text,
                          guint             timeout_ms)
{
  MessageWait w = { burrow_hub_session_get_messages (session), kind, text };

  if (!burrow_test_wait_until (message_arrived, &w, timeout_ms))
    return NULL;
  return burrow_test_find_message (w.messages, kind, text);
}

static GSocket *
bound_loopback_udp (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  return g_steal_pointer (&socket);
}

GInetSocketAddress *
burrow_test_closed_udp_port (void)
{
  g_autoptr(GSocket) probe = bound_loopback_udp ();
  GSocketAddress *address = g_socket_get_local_address (probe, NULL);

  /* the port was free a moment ago; now nobody listens on it */
  g_socket_close (probe, NULL);
  return G_INET_SOCKET_ADDRESS (address);
}

GInetSocketAddress *
burrow_test_silent_udp_port (GSocket **sink)
{
  g_autoptr(GSocket) socket = bound_loopback_udp ();
  GSocketAddress *address = g_socket_get_local_address (socket, NULL);

  *sink = g_steal_pointer (&socket);
  return G_INET_SOCKET_ADDRESS (address);
}

typedef struct
{
  GSocket        *socket;
  GSocketAddress *to;
  guint8          answer[BURROW_PCP_MAP_REQUEST_SIZE];
} DelayedAnswer;

static void
delayed_answer_free (gpointer data)
{
  DelayedAnswer *later = data;

  g_object_unref (later->socket);
  g_object_unref (later->to);
  g_free (later);
}

static gboolean
send_later (gpointer data)
{
  DelayedAnswer *later = data;

  /* the router may have stopped meanwhile */
  if (!g_socket_is_closed (later->socket))
    g_socket_send_to (later->socket, later->to, (const gchar *) later->answer,
                      sizeof later->answer, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
pcp_router_answer (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      data)
{
  BurrowTestPcpRouter *router = data;
  g_autoptr(GSocketAddress) peer = NULL;
  guint8 request[BURROW_PCP_MAP_REQUEST_SIZE + 4];
  guint8 answer[BURROW_PCP_MAP_REQUEST_SIZE];
  gssize n = g_socket_receive_from (socket, &peer, (gchar *) request, sizeof request, NULL, NULL);

  if (n != BURROW_PCP_MAP_REQUEST_SIZE || request[0] != BURROW_PCP_VERSION ||
      request[1] != BURROW_PCP_OP_MAP)
    return G_SOURCE_CONTINUE;
  router->requests++;
  router->last_lifetime = ((guint32) request[4] << 24) | (request[5] << 16) | (request[6] << 8) |
                          request[7];
  if (router->silent)
    return G_SOURCE_CONTINUE;
  memcpy (answer, request, sizeof answer);
  /* an IPv6 client gets a pinhole: its own address as the external one */
  if (!burrow_portmap_address_is_ipv4 (request + 8))
    memcpy (answer + 44, request + 8, BURROW_PORTMAP_ADDRESS_SIZE);
  answer[1] = BURROW_PCP_OP_MAP | 0x80;
  answer[2] = 0;
  answer[3] = router->result;
  /* the epoch; then 12 reserved bytes where the request had the client address */
  memset (answer + 8, 0, 16);
  answer[8] = router->epoch >> 24;
  answer[9] = router->epoch >> 16;
  answer[10] = router->epoch >> 8;
  answer[11] = router->epoch;
  if (router->external != NULL)
    {
      g_autoptr(GInetAddress) external = g_inet_address_new_from_string (router->external);

      g_assert_true (external != NULL &&
                     g_inet_address_get_family (external) == G_SOCKET_FAMILY_IPV4);
      burrow_portmap_address_from_ipv4 (answer + 44, g_inet_address_to_bytes (external));
    }
  if (router->delay_ms > 0)
    {
      DelayedAnswer *later = g_new0 (DelayedAnswer, 1);

      later->socket = g_object_ref (socket);
      later->to = g_steal_pointer (&peer);
      memcpy (later->answer, answer, sizeof answer);
      g_timeout_add_full (G_PRIORITY_DEFAULT, router->delay_ms, send_later, later,
                          delayed_answer_free);
      return G_SOURCE_CONTINUE;
    }
  g_assert_cmpint (g_socket_send_to (socket, peer, (const gchar *) answer, sizeof answer, NULL,
                                     NULL), ==, sizeof answer);
  return G_SOURCE_CONTINUE;
}

void
burrow_test_pcp_router_start (BurrowTestPcpRouter *router,
                              guint8               result)
{
  /* the tests ask for the address later, from the socket */
  if (router->ipv6)
    {
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);

      router->socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM,
                                     G_SOCKET_PROTOCOL_UDP, NULL);
      g_assert_nonnull (router->socket);
      g_assert_true (g_socket_bind (router->socket, any, FALSE, NULL));
    }
  else
    g_object_unref (burrow_test_silent_udp_port (&router->socket));
  router->result = result;
  router->epoch = 100;
  g_socket_set_blocking (router->socket, FALSE);
  router->source = g_socket_create_source (router->socket, G_IO_IN, NULL);
  g_source_set_callback (router->source, G_SOURCE_FUNC (pcp_router_answer), router, NULL);
  g_source_attach (router->source, NULL);
}

void
burrow_test_pcp_router_stop (BurrowTestPcpRouter *router)
{
  g_source_destroy (router->source);
  g_clear_pointer (&router->source, g_source_unref);
  g_socket_close (router->socket, NULL);
  g_clear_object (&router->socket);
}

void
burrow_test_pcp_router_announce (BurrowTestPcpRouter *router,
                                 guint16              port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (loopback, port);
  guint8 answer[BURROW_PCP_ANNOUNCE_REQUEST_SIZE] = { BURROW_PCP_VERSION,
                                                      BURROW_PCP_OP_ANNOUNCE | 0x80, 0, 0 };

  answer[8] = router->epoch >> 24;
  answer[9] = router->epoch >> 16;
  answer[10] = router->epoch >> 8;
  answer[11] = router->epoch;
  g_assert_cmpint (g_socket_send_to (router->socket, to, (const gchar *) answer, sizeof answer,
                                     NULL, NULL), ==, sizeof answer);
}
