/* burrow-hub-transport.c — the connection under every hub session: resolve, a TCP socket whose
 * port NAT traversal can bind again, connect, TLS with the keyprint pin
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both protocols open their hub connection the same way, so it lives here, in the base class
 * (private API in burrow-hub-session-private.h). One open is one GTask; its cancellable stops
 * every step. The result is the stream the session speaks its protocol on.
 */

#define G_LOG_DOMAIN "burrow-hub-session"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"
#include "burrow-tls.h"

#include "burrow-hub-session-private.h"

typedef enum
{
  KP_UNCHECKED,
  KP_OK,
  KP_OK_NEW,        /* first use: pin it once the handshake is done */
  KP_MISMATCH,      /* differs from the kp= in the URL */
  KP_CHANGED,       /* differs from the pinned one */
} KeyprintVerdict;

/* The task holds no reference on the session: a session that goes away cancels the open (its
 * stop cancels the cancellable), every step checks for that before it looks at the session, and
 * the session's callback sees G_IO_ERROR_CANCELLED. */
typedef struct
{
  BurrowHubSession *session;        /* not a reference: see above */
  GList            *addresses;      /* GInetSocketAddress, still to try */
  GSocket          *socket;
  GIOStream        *stream;
  GCancellable     *cancellable;
  gulong            accept_id;      /* the TLS connection's accept-certificate handler */
  gchar            *peer_keyprint;
  KeyprintVerdict   kp_verdict;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_list_free_full (data->addresses, g_object_unref);
  g_clear_object (&data->socket);
  g_clear_object (&data->stream);
  g_clear_object (&data->cancellable);
  g_free (data->peer_keyprint);
  g_free (data);
}

static void try_next_address (GTask *task);

static gchar *
hub_address (BurrowHubSession *session)
{
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (session);

  if (strchr (uri->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", uri->host, uri->port);
  return g_strdup_printf ("%s:%u", uri->host, uri->port);
}

static void return_error (GTask       *task,
                          gint         code,
                          const gchar *format,
                          ...) G_GNUC_PRINTF (3, 4);

static void
return_error (GTask       *task,
              gint         code,
              const gchar *format,
              ...)
{
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_task_return_error (task, g_error_new_literal (BURROW_HUB_ERROR, code, message));
  g_object_unref (task);
}

/* The session stopped (or went away): finish with G_IO_ERROR_CANCELLED. */
static gboolean
gone (GTask *task)
{
  if (!g_task_return_error_if_cancelled (task))
    return FALSE;
  g_object_unref (task);
  return TRUE;
}

static void
opened (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);

  g_task_return_pointer (task, g_steal_pointer (&data->stream), g_object_unref);
  g_object_unref (task);
}

/* --- TLS and keyprints ------------------------------------------------------------------ */

static KeyprintVerdict
judge_keyprint (BurrowHubSession *session,
                const gchar      *keyprint)
{
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (session);
  BurrowDatabase *db = _burrow_hub_session_get_database (session);
  g_autofree gchar *address = NULL;
  g_autofree gchar *pinned = NULL;

  if (uri->keyprint != NULL)
    return burrow_tls_keyprint_equal (uri->keyprint, keyprint) ? KP_OK : KP_MISMATCH;

  if (db == NULL)
    return KP_OK;

  address = hub_address (session);
  pinned = burrow_database_dup_hub_keyprint (db, address);
  if (pinned == NULL)
    return KP_OK_NEW;
  return burrow_tls_keyprint_equal (pinned, keyprint) ? KP_OK : KP_CHANGED;
}

static gboolean
on_accept_certificate (GTlsConnection       *conn,
                       GTlsCertificate      *peer_cert,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  OpenData *data = user_data;

  if (g_cancellable_is_cancelled (data->cancellable))
    return FALSE;
  g_free (data->peer_keyprint);
  data->peer_keyprint = burrow_tls_certificate_keyprint (peer_cert);
  data->kp_verdict = judge_keyprint (data->session, data->peer_keyprint);

  return data->kp_verdict == KP_OK || data->kp_verdict == KP_OK_NEW;
}

static void
fail_keyprint (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (data->session);

  if (data->kp_verdict == KP_MISMATCH)
    {
      _burrow_hub_session_set_keyprint (data->session, NULL, NULL);
      g_task_return_new_error (task, BURROW_HUB_ERROR, BURROW_HUB_ERROR_KEYPRINT_MISMATCH,
                               _("The hub's certificate (%s) does not match the keyprint in its address (%s)"),
                               data->peer_keyprint, uri->keyprint);
    }
  else
    {
      _burrow_hub_session_set_keyprint (data->session, NULL, data->peer_keyprint);
      g_task_return_new_error (task, BURROW_HUB_ERROR, BURROW_HUB_ERROR_KEYPRINT_CHANGED,
                               _("The hub's certificate changed (now %s); accept it only if you trust "
                                 "the change"), data->peer_keyprint);
    }
  g_object_unref (task);
}

static void
on_handshake_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *cipher = NULL;
  GTlsCertificate *peer;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  /* the handler points at the task data, which ends with the task: the session keeps the stream */
  g_clear_signal_handler (&data->accept_id, source);
  if (gone (task))
    return;
  if (error != NULL)
    {
      if (data->kp_verdict == KP_MISMATCH || data->kp_verdict == KP_CHANGED)
        fail_keyprint (task);
      else
        return_error (task, BURROW_HUB_ERROR_TLS, _("TLS handshake with the hub failed: %s"),
                      error->message);
      return;
    }

  /* accept-certificate only runs for certificates that fail ordinary
   * validation; a CA-signed hub certificate must match the pin too. */
  peer = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (source));
  if (data->kp_verdict == KP_UNCHECKED && peer != NULL)
    {
      g_free (data->peer_keyprint);
      data->peer_keyprint = burrow_tls_certificate_keyprint (peer);
      data->kp_verdict = judge_keyprint (data->session, data->peer_keyprint);
    }
  if (data->kp_verdict == KP_MISMATCH || data->kp_verdict == KP_CHANGED)
    {
      fail_keyprint (task);
      return;
    }
  if (data->kp_verdict == KP_OK_NEW)
    {
      g_autofree gchar *address = hub_address (data->session);
      g_autoptr(GError) db_error = NULL;

      if (!burrow_database_set_hub_keyprint (_burrow_hub_session_get_database (data->session),
                                             address, data->peer_keyprint, &db_error))
        g_signal_emit_by_name (data->session, "error", db_error, FALSE);
    }
  _burrow_hub_session_set_keyprint (data->session, data->peer_keyprint, NULL);
  cipher = g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (source));
  _burrow_hub_session_set_tls_cipher (data->session, cipher);
  opened (task);
}

static void
start_tls (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (data->session);
  BurrowIdentity *identity = _burrow_hub_session_get_identity (data->session);
  g_autoptr(GSocketConnectable) server = g_network_address_new (uri->host, uri->port);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  tls = g_tls_client_connection_new (data->stream, server, &error);
  if (tls == NULL)
    {
      return_error (task, BURROW_HUB_ERROR_TLS, _("TLS is not available: %s"), error->message);
      return;
    }

  if (identity != NULL && burrow_identity_get_certificate (identity) != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls),
                                      burrow_identity_get_certificate (identity));
  /* the task data lives as long as the task, and the task until the handshake ends */
  data->accept_id = g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate),
                                      data);

  g_set_object (&data->stream, tls);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), on_handshake_cb, task);
}

static void
stream_ready (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);

  if (burrow_hub_uri_is_tls (burrow_hub_session_get_hub_uri (data->session)))
    start_tls (task);
  else
    opened (task);
}

/* --- TCP -------------------------------------------------------------------------------- */

static void
connected (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (data->socket, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (local))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (local);
      g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));

      _burrow_hub_session_set_local_port (data->session, ip, g_inet_socket_address_get_port (inet));
    }
  g_list_free_full (g_steal_pointer (&data->addresses), g_object_unref);

  data->stream = G_IO_STREAM (g_socket_connection_factory_create_connection (data->socket));
  stream_ready (task);
}

static gboolean
on_socket_writable (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  GTask *task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (gone (task))
    return G_SOURCE_REMOVE;
  if (!g_socket_check_connect_result (socket, &error))
    {
      g_debug ("connect failed: %s", error->message);
      g_clear_object (&data->socket);
      if (data->addresses == NULL)
        return_error (task, BURROW_HUB_ERROR_CONNECTION_LOST, _("Cannot connect to the hub: %s"),
                      error->message);
      else
        try_next_address (task);
      return G_SOURCE_REMOVE;
    }

  connected (task);
  return G_SOURCE_REMOVE;
}

/* An explicit bind (to any address, port 0) before connect(): the kernel then picks a port no
 * other socket uses, and no other program's connect() will share it later. A port chosen by
 * connect() alone can be shared with other programs' connections to other hosts, and NAT
 * traversal's bind to it would then fail with EADDRINUSE. bind(2), not g_socket_bind (), which
 * clears SO_REUSEPORT on TCP sockets. */
static gboolean
bind_any_port (GSocket        *socket,
               GSocketFamily   family,
               GError        **error)
{
  struct sockaddr_storage storage;
  socklen_t len;

  memset (&storage, 0, sizeof storage);
  if (family == G_SOCKET_FAMILY_IPV6)
    {
      ((struct sockaddr_in6 *) &storage)->sin6_family = AF_INET6;
      len = sizeof (struct sockaddr_in6);
    }
  else
    {
      ((struct sockaddr_in *) &storage)->sin_family = AF_INET;
      len = sizeof (struct sockaddr_in);
    }
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &storage, len) != 0)
    {
      gint saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "bind: %s",
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* The hub socket is made by hand (not GSocketClient) so that SO_REUSEADDR and
 * SO_REUSEPORT are set, and its port bound, before connect(): NAT traversal later binds a
 * second socket to this same local port (PROTOCOL.md §2.3, §2.9; NMDC.md §3.3). */
static void
try_next_address (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  GSocketFamily family;

  g_assert (data->addresses != NULL);
  address = data->addresses->data;
  data->addresses = g_list_delete_link (data->addresses, data->addresses);

  family = g_socket_address_get_family (address);
  data->socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (data->socket == NULL ||
      !g_socket_set_option (data->socket, SOL_SOCKET, SO_REUSEADDR, 1, &error) ||
      !g_socket_set_option (data->socket, SOL_SOCKET, SO_REUSEPORT, 1, &error) ||
      !bind_any_port (data->socket, family, &error))
    {
      return_error (task, BURROW_HUB_ERROR_FAILED, _("Cannot create a socket: %s"), error->message);
      return;
    }
  g_socket_set_keepalive (data->socket, TRUE);
  g_socket_set_blocking (data->socket, FALSE);

  if (g_socket_connect (data->socket, address, g_task_get_cancellable (task), &error))
    {
      connected (task);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_autoptr(GSource) source = g_socket_create_source (data->socket, G_IO_OUT,
                                                          g_task_get_cancellable (task));

      g_source_set_callback (source, (GSourceFunc) on_socket_writable, task, NULL);
      g_source_attach (source, g_task_get_context (task));
      return;
    }

  g_clear_object (&data->socket);
  if (data->addresses != NULL)
    {
      try_next_address (task);
      return;
    }
  return_error (task, BURROW_HUB_ERROR_CONNECTION_LOST, _("Cannot connect to the hub: %s"),
                error->message);
}

static void
on_resolved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *list;
  guint16 port;

  list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (gone (task))
    {
      g_resolver_free_addresses (list);
      return;
    }
  if (list == NULL)
    {
      return_error (task, BURROW_HUB_ERROR_CONNECTION_LOST, _("Cannot find the hub: %s"),
                    error->message);
      return;
    }

  port = burrow_hub_session_get_hub_uri (data->session)->port;
  /* IPv4 first: without HBRI a hub publishes one family per user, the one of its connection,
   * and most users and NAT traversal are IPv4 (CONNECTIVITY.md §3.5) */
  for (GList *l = list; l != NULL; l = l->next)
    if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
      data->addresses = g_list_append (data->addresses, g_inet_socket_address_new (l->data, port));
  for (GList *l = list; l != NULL; l = l->next)
    if (g_inet_address_get_family (l->data) != G_SOCKET_FAMILY_IPV4)
      data->addresses = g_list_append (data->addresses, g_inet_socket_address_new (l->data, port));
  g_resolver_free_addresses (list);

  try_next_address (task);
}

/**
 * _burrow_hub_session_open_async:
 *
 * Opens the connection to the session's hub: through the test hook when one is set, else
 * resolve, connect (from a port bound with SO_REUSEPORT) and, for adcs:// and nmdcs://, the TLS
 * handshake with the keyprint check. Sets the session's local port, keyprint and cipher.
 */
void
_burrow_hub_session_open_async (BurrowHubSession    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (self);
  BurrowHubStreamFunc func;
  gpointer func_data;
  GTask *task;
  OpenData *data;

  g_return_if_fail (G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _burrow_hub_session_open_async);
  data = g_new0 (OpenData, 1);
  data->session = self;
  data->cancellable = g_object_ref (cancellable);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  func = _burrow_hub_session_get_stream_func (self, &func_data);
  if (func != NULL)
    {
      g_autoptr(GError) error = NULL;

      data->stream = func (self, func_data, &error);
      if (data->stream == NULL)
        return_error (task, BURROW_HUB_ERROR_CONNECTION_LOST, _("Cannot connect to the hub: %s"),
                      error->message);
      else
        stream_ready (task);
      return;
    }

  {
    g_autoptr(GResolver) resolver = g_resolver_get_default ();

    g_resolver_lookup_by_name_async (resolver, uri->host, cancellable, on_resolved_cb, task);
  }
}

/**
 * _burrow_hub_session_open_finish:
 *
 * Returns: (transfer full): the stream (plain, or TLS over it), or %NULL with @error: a
 *   BURROW_HUB_ERROR (CONNECTION_LOST, TLS, KEYPRINT_MISMATCH, KEYPRINT_CHANGED, FAILED) or
 *   G_IO_ERROR_CANCELLED
 */
GIOStream *
_burrow_hub_session_open_finish (BurrowHubSession  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  BurrowHubSession    *session;   /* not a reference (see OpenData) */
  BurrowHubOpenedFunc  func;
} Opening;

static void
on_opened_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree Opening *opening = user_data;
  g_autoptr(GError) error = NULL;
  GIOStream *stream;

  stream = _burrow_hub_session_open_finish (opening->session, result, &error);
  if (stream == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopped or gone: do not touch the session */
  if (stream == NULL)
    {
      /* a certificate that does not match its pin is final: its error code says so */
      _burrow_hub_session_lost (opening->session, error, 0);
      return;
    }
  opening->func (opening->session, stream);
}

/**
 * _burrow_hub_session_open:
 * @func: called with the stream (transfer full) once it is open
 *
 * _burrow_hub_session_open_async() for a session's protocol: a failure ends the connection
 * (_burrow_hub_session_lost()); a cancelled open calls nothing.
 */
void
_burrow_hub_session_open (BurrowHubSession    *self,
                          GCancellable        *cancellable,
                          BurrowHubOpenedFunc  func)
{
  Opening *opening = g_new0 (Opening, 1);

  opening->session = self;
  opening->func = func;
  _burrow_hub_session_open_async (self, cancellable, on_opened_cb, opening);
}
