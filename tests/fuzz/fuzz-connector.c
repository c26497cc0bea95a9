/* fuzz-connector.c — libFuzzer target for the connector's handling of CTM, RCM, NAT, RNT and
 * direct STA relayed by a hub
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A hub list with one session logs in to a scripted hub on 127.0.0.1 (in this process) that
 * knows five other users with assorted INFs (numeric and non-numeric I4, TLS or not, active,
 * NAT0). Each input is a few connection commands from those users to us; the hub relays them
 * as ADC lines, the session turns them into typed connect requests, and a connector made for
 * the input handles them exactly as from a real hub. A sentinel request after them (a refusal
 * with a token of its own, seen on the hub list's connect-request) tells when all were
 * handled. Then the connector is disposed, which ends every attempt, so inputs do not pile
 * up; when the session's pacing queue (our RCM/CTM/NAT answers) grows, it logs in anew.
 *
 * Input: byte 0 bit 0: first ask for a connection to user (byte 1 % 5) ourselves; a
 * parameter ending in "$T" (such as "TO$T") then ends in that request's token. The rest:
 * up to MAX_LINES lines, each <command byte> <user byte> <type byte (D/E)> <parameters,
 * space-separated, in wire form (\s for a space)>.
 *
 * No network beyond loopback: the only numeric address a user announces is 127.0.0.1, and
 * every port a CTM/NAT/RNT names is replaced by a port this process holds bound without
 * listening (connects to it are refused at once). The punch binds and listens on the hub
 * connection's address, 127.0.0.1.
 */

#define G_LOG_DOMAIN "fuzz-connector"

#include "config.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-adc-hub-session.h"
#include "burrow-core.h"

int LLVMFuzzerInitialize     (int     *argc,
                              char  ***argv);
int LLVMFuzzerTestOneInput   (const uint8_t *data,
                              size_t         size);

#define MAX_LINES        16
#define MAX_PARAMS       8
#define WAIT_MS          5000
#define N_USERS          5
#define MAX_PACED        32

static const gchar * const user_sids[N_USERS] = { "AAAC", "AAAD", "AAAE", "AAAF", "AAAG" };
static const gchar * const user_infs[N_USERS] = {
  /* active, TLS, a keyprint */
  ("BINF AAAC IDBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NIactive SUTCP4,ADC0 I4127.0.0.1 "
   "KPSHA256/QUEERKEYQUEERKEYQUEERKEYQUEERKEYQUEERKEYQUEERKEA"),
  /* passive, NAT traversal */
  "BINF AAAD IDCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NInatted SUNAT0,ADC0 I4127.0.0.1",
  /* a host name where an address belongs */
  "BINF AAAE IDDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NInamed SUTCP4,NAT0 I4localhost",
  /* no address at all */
  "BINF AAAF IDEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NInowhere SUNAT0",
  /* not an address */
  "BINF AAAG IDFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NIbogus SUTCP4,NAT0 I4999.1.2.3",
};
static const gchar * const commands[] = { "CTM", "RCM", "NAT", "RNT", "STA", "CTM", "NAT" };

typedef struct
{
  GSocket          *listener;     /* the hub's port */
  GSocket          *hub;          /* the hub's end of the client's connection */
  GSource          *hub_source;
  GString          *in;           /* what the client sent, not yet split into lines */
  gchar            *last_token;   /* of our own request in this input */
  BurrowDatabase   *database;
  BurrowIdentity   *identity;
  BurrowHubList    *hubs;
  BurrowHubSession *session;
  GSocket          *dead;         /* bound, not listening */
  guint16           dead_port;
  guint             sentinel_seq;
  gboolean          sentinel_seen;
  gchar            *dir;
} Harness;

static Harness h;

static void
die (const gchar *what)
{
  g_printerr ("fuzz-connector: %s\n", what);
  abort ();
}

static BurrowUser *
lookup_user (guint index)
{
  guint32 sid = 0;

  if (!burrow_adc_sid_parse (user_sids[index], -1, &sid))
    die ("bad SID");
  return burrow_hub_session_lookup_sid (h.session, sid);
}

static void
hub_send (const gchar *line)
{
  gsize len = strlen (line);
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (h.hub, line + done, len - done, NULL, NULL);

      if (n <= 0)
        {
          /* the client's buffer is full: let it read */
          if (!g_main_context_iteration (NULL, FALSE))
            g_usleep (100);
          continue;
        }
      done += n;
    }
}

/* What the client sent the hub: the login is scripted here; requests give "$T". */
static void
hub_line (const gchar *line)
{
  g_debug ("client: %s", line);
  if (g_str_has_prefix (line, "HSUP"))
    hub_send ("ISUP ADBASE ADTIGR\nISID AAAB\nIINF CT32 NIhub\n");
  else if (g_str_has_prefix (line, "BINF AAAB") && h.session != NULL &&
           burrow_hub_session_get_state (h.session) != BURROW_HUB_STATE_NORMAL)
    {
      for (guint i = 0; i < N_USERS; i++)
        {
          g_autofree gchar *inf = g_strconcat (user_infs[i], "\n", NULL);
          hub_send (inf);
        }
      {
        g_autofree gchar *echo = g_strconcat (line, "\n", NULL);
        hub_send (echo);
      }
    }
}

static gboolean
on_hub_readable (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      data)
{
  gchar buf[8192];
  gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL);
  gchar *nl;

  if (n <= 0)
    return G_SOURCE_REMOVE;
  g_string_append_len (h.in, buf, n);
  while ((nl = memchr (h.in->str, '\n', h.in->len)) != NULL)
    {
      g_autofree gchar *line = g_strndup (h.in->str, nl - h.in->str);

      g_string_erase (h.in, 0, nl - h.in->str + 1);
      hub_line (line);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_listener_readable (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      data)
{
  GSocket *accepted = g_socket_accept (socket, NULL, NULL);

  if (accepted == NULL)
    return G_SOURCE_CONTINUE;
  if (h.hub_source != NULL)
    {
      g_source_destroy (h.hub_source);
      g_clear_pointer (&h.hub_source, g_source_unref);
    }
  if (h.hub != NULL)
    g_socket_close (h.hub, NULL);
  g_clear_object (&h.hub);
  g_string_truncate (h.in, 0);
  h.hub = accepted;
  g_socket_set_blocking (h.hub, FALSE);
  /* each input ends with a small sentinel write: no Nagle wait behind it */
  g_socket_set_option (h.hub, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  h.hub_source = g_socket_create_source (h.hub, G_IO_IN, NULL);
  g_source_set_callback (h.hub_source, (GSourceFunc) on_hub_readable, NULL, NULL);
  g_source_attach (h.hub_source, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (void);

/* Iterates until @cond holds; FALSE after WAIT_MS. */
static gboolean
wait_for (Condition cond)
{
  gboolean late = FALSE;
  guint id = g_timeout_add (WAIT_MS, on_deadline, &late);

  while (!cond () && !late)
    g_main_context_iteration (NULL, TRUE);
  if (!late)
    g_source_remove (id);
  return !late;
}

static gboolean
logged_in (void)
{
  return burrow_hub_session_get_state (h.session) == BURROW_HUB_STATE_NORMAL &&
         lookup_user (N_USERS - 1) != NULL;
}

static gboolean
sentinel_seen (void)
{
  return h.sentinel_seen;
}

static void
on_connect_request (BurrowHubList              *hubs,
                    BurrowHubSession           *session,
                    const BurrowConnectRequest *request,
                    gpointer                    data)
{
  g_autofree gchar *token = g_strdup_printf ("sentinel%u", h.sentinel_seq);

  if (request->kind == BURROW_CONNECT_KIND_REFUSED && g_strcmp0 (request->token, token) == 0)
    h.sentinel_seen = TRUE;
}

static void
remove_dir (void)
{
  g_clear_object (&h.hubs);
  g_clear_object (&h.identity);
  g_clear_object (&h.database);
  if (h.dir != NULL)
    {
      g_autofree gchar *argv0 = g_find_program_in_path ("rm");
      const gchar *argv[] = { argv0, "-rf", h.dir, NULL };

      if (argv0 != NULL)
        g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, NULL, NULL);
    }
}

int
LLVMFuzzerInitialize (int     *argc,
                      char  ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) hub_address = NULL;
  g_autoptr(GSocketAddress) dead_address = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *db_path = NULL;
  GSource *source;

  h.in = g_string_new (NULL);
  h.dir = g_dir_make_tmp ("burrow-fuzz-connector-XXXXXX", &error);
  if (h.dir == NULL)
    die ("no temporary directory");
  atexit (remove_dir);

  h.dead = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (h.dead == NULL || !g_socket_bind (h.dead, any_port, FALSE, &error))
    die ("cannot bind the dead port");
  dead_address = g_socket_get_local_address (h.dead, NULL);
  h.dead_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (dead_address));

  h.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (h.listener == NULL || !g_socket_bind (h.listener, any_port, FALSE, &error) ||
      !g_socket_listen (h.listener, &error))
    die ("cannot listen");
  g_socket_set_blocking (h.listener, FALSE);
  hub_address = g_socket_get_local_address (h.listener, NULL);
  source = g_socket_create_source (h.listener, G_IO_IN, NULL);
  g_source_set_callback (source, (GSourceFunc) on_listener_readable, NULL, NULL);
  g_source_attach (source, NULL);
  g_source_unref (source);

  db_path = g_build_filename (h.dir, "burrow.db", NULL);
  h.database = burrow_database_open (db_path, &error);
  if (h.database == NULL)
    die ("no database");
  h.identity = burrow_identity_load (h.database, h.dir, &error);
  if (h.identity == NULL)
    die ("no identity");
  h.hubs = burrow_hub_list_new (h.identity, h.database);
  burrow_hub_list_set_nick (h.hubs, "fuzzer");
  uri = g_strdup_printf ("adc://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (hub_address)));
  h.session = burrow_hub_list_add (h.hubs, uri, &error);
  if (h.session == NULL)
    die ("no session");
  g_signal_connect_after (h.hubs, "connect-request", G_CALLBACK (on_connect_request), NULL);
  burrow_hub_session_connect (h.session);
  if (!wait_for (logged_in))
    die ("login to the scripted hub failed");
  return 0;
}

/* One parameter, with a "$T" at its end meaning our last request's token and a valid port (as the
 * connector reads it) replaced by the dead port. */
static gchar *
param (const gchar *text,
       guint        index,
       gboolean     port_slot)
{
  guint64 port;

  g_autofree gchar *unescaped = burrow_adc_unescape (text, -1, NULL);

  /* the input is in the wire form (\s for a space); raw if it is not valid there */
  if (unescaped != NULL)
    text = unescaped;
  if (g_str_has_suffix (text, "$T") && h.last_token != NULL)
    return g_strdup_printf ("%.*s%s", (int) (strlen (text) - 2), text, h.last_token);
  if (port_slot && index == 1 && g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    return g_strdup_printf ("%u", h.dead_port);
  return g_strdup (text);
}

static void
feed_line (const gchar *line,
           gsize        len)
{
  const gchar *command;
  const gchar *sid;
  gchar type;
  g_autofree gchar *rest = NULL;
  g_auto(GStrv) parts = NULL;
  GString *out;
  gboolean port_slot;

  if (len < 3)
    return;
  command = commands[(guint8) line[0] % G_N_ELEMENTS (commands)];
  sid = user_sids[(guint8) line[1] % N_USERS];
  type = ((guint8) line[2] & 1) ? 'E' : 'D';
  port_slot = !g_str_equal (command, "RCM") && !g_str_equal (command, "STA");
  rest = g_utf8_make_valid (line + 3, len - 3);
  parts = g_strsplit (rest, " ", MAX_PARAMS);

  out = g_string_new (NULL);
  g_string_append_printf (out, "%c%s %s AAAB", type, command, sid);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree gchar *p = param (parts[i], i, port_slot);
      g_autofree gchar *escaped = burrow_adc_escape (p);

      if (*escaped == '\0')
        continue;
      g_string_append_c (out, ' ');
      g_string_append (out, escaped);
    }
  g_debug ("hub: %s", out->str);
  g_string_append_c (out, '\n');
  hub_send (out->str);
  g_string_free (out, TRUE);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPeerConnection) peer = NULL;

  peer = burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result, NULL, &error);
  /* nothing listens anywhere: no request can have reached a peer */
  if (peer != NULL)
    die ("a connection came about");
  *(gboolean *) data = TRUE;
}

static gboolean connect_done;

static gboolean
connect_finished (void)
{
  return connect_done;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(BurrowNatConnector) connector = NULL;
  const gchar *text = (const gchar *) data;
  gsize pos = 2;
  guint n_lines = 0;
  g_autofree gchar *sentinel = NULL;

  if (size < 2)
    return 0;

  g_clear_pointer (&h.last_token, g_free);
  connector = burrow_nat_connector_new (h.identity, h.hubs);
  connect_done = TRUE;
  if (data[0] & 1)
    {
      BurrowUser *user = lookup_user (data[1] % N_USERS);

      GListModel *attempts = burrow_nat_connector_get_attempts (connector);
      g_autoptr(BurrowPunchAttempt) attempt = NULL;

      connect_done = FALSE;
      burrow_nat_connector_connect_async (connector, h.session, user, NULL, on_connected,
                                          &connect_done);
      /* its token (the request itself may wait in the session's pacing queue) */
      attempt = g_list_model_get_item (attempts, g_list_model_get_n_items (attempts) - 1);
      h.last_token = g_strdup (burrow_punch_attempt_get_token (attempt));
    }

  while (pos < size && n_lines < MAX_LINES)
    {
      const gchar *nl = memchr (text + pos, '\n', size - pos);
      gsize len = nl ? (gsize) (nl - (text + pos)) : size - pos;

      feed_line (text + pos, MIN (len, BURROW_ADC_MAX_LINE_LENGTH / 2));
      pos += len + 1;
      n_lines++;
    }

  h.sentinel_seen = FALSE;
  h.sentinel_seq++;
  sentinel = g_strdup_printf ("DSTA AAAC AAAB 141 Sentinel TOsentinel%u\n", h.sentinel_seq);
  hub_send (sentinel);
  if (!wait_for (sentinel_seen))
    die ("the client stopped handling the hub's lines");
  if (burrow_hub_session_get_state (h.session) != BURROW_HUB_STATE_NORMAL)
    die ("the session left the hub");

  /* every attempt of this input ends (ours completes as cancelled) */
  g_object_run_dispose (G_OBJECT (connector));
  if (!wait_for (connect_finished))
    die ("our request never completed");
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* requests wait in the session's pacing queue (20 per 6 s, as hubs demand): log in anew
   * before it grows */
  if (burrow_adc_hub_session_get_n_paced (BURROW_ADC_HUB_SESSION (h.session)) > MAX_PACED)
    {
      burrow_hub_session_disconnect (h.session);
      burrow_hub_session_connect (h.session);
      if (!wait_for (logged_in))
        die ("login to the scripted hub failed");
    }
  return 0;
}
