/* burrow-peer-handshake.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-peer-handshake"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-buffered-stream.h"
#include "burrow-error.h"
#include "burrow-tls.h"

#include "burrow-peer-handshake.h"

/*
 * On TCP success the TLS roles follow the NAT roles (or who connected), the
 * peer's certificate must carry the keyprint it published on the hub, and the
 * ADC handshake (SUP/INF) must name the CID we expect. The task completes with
 * the identified BurrowPeerConnection, or a BurrowNatError whose message is
 * the diagnosis.
 *
 * NMDC (protocol BURROW_PEER_PROTOCOL_NMDC): TLS the same way but without a
 * keyprint (NMDC has none: any certificate, or none, is taken, as eiskaltdcpp
 * does), then the NMDC handshake, where the token is the peer's nick.
 */

typedef struct
{
  BurrowIdentity       *identity;
  BurrowPeerProtocol    protocol;
  BurrowPeerSide        side;
  gchar                *token;
  gchar                *peer_cid;
  gchar                *peer_keyprint;
  gchar                *peer_name;
  gchar                *our_nick;
  gchar                *charset;
  gboolean              want_download;
  BurrowPunchAttempt   *attempt;
  GIOStream            *stream;
  BurrowPeerConnection *peer;
} Handshake;

/**
 * burrow_peer_handshake_unref_later:
 *
 * A BurrowPeerConnection completes its handshake from inside its own failure
 * handling and goes on using itself afterwards: the last reference to it must
 * not be dropped from that callback, only once the main loop is back.
 */
void
burrow_peer_handshake_unref_later (gpointer object)
{
  g_idle_add_once ((GSourceOnceFunc) g_object_unref, object);
}

static gboolean accept_certificate_cb (GTlsConnection *conn, GTlsCertificate *peer_cert,
                                       GTlsCertificateFlags errors, gpointer data);
static gboolean accept_any_certificate_cb (GTlsConnection *conn, GTlsCertificate *peer_cert,
                                           GTlsCertificateFlags errors, gpointer data);

static void
handshake_free (Handshake *hs)
{
  /* the TLS handshake may outlive us (it holds the stream) */
  if (hs->stream != NULL)
    {
      g_signal_handlers_disconnect_matched (hs->stream, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            accept_certificate_cb, NULL);
      g_signal_handlers_disconnect_matched (hs->stream, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            accept_any_certificate_cb, NULL);
    }
  g_clear_object (&hs->stream);
  if (hs->peer != NULL)
    burrow_peer_handshake_unref_later (g_steal_pointer (&hs->peer));
  g_clear_object (&hs->identity);
  g_clear_object (&hs->attempt);
  g_free (hs->token);
  g_free (hs->peer_cid);
  g_free (hs->peer_keyprint);
  g_free (hs->peer_name);
  g_free (hs->our_nick);
  g_free (hs->charset);
  g_free (hs);
}

/**
 * burrow_peer_handshake_keyprint_matches:
 * @published: (nullable): the keyprint the peer published
 * @peer_cert: (nullable): the certificate it presented
 *
 * Returns: whether @peer_cert is there and carries @published (any
 *   certificate when the peer published none: nothing to pin, as DC++ does
 *   with untrusted peers)
 */
gboolean
burrow_peer_handshake_keyprint_matches (const gchar     *published,
                                        GTlsCertificate *peer_cert)
{
  g_autofree gchar *kp = NULL;

  if (peer_cert == NULL)
    return FALSE;
  kp = burrow_tls_certificate_keyprint (peer_cert);
  if (published == NULL)
    return TRUE;
  return burrow_tls_keyprint_equal (kp, published);
}

/* Runs on the handshake's thread when the main context is not running (GIO
 * invokes it there), so it may race with the task's end: its data is its own
 * copy of the published keyprint. */
static gboolean
accept_certificate_cb (GTlsConnection       *conn,
                       GTlsCertificate      *peer_cert,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  return burrow_peer_handshake_keyprint_matches (data, peer_cert);
}

/* NMDC: no keyprints, any certificate (NMDC.md §2.5) */
static gboolean
accept_any_certificate_cb (GTlsConnection       *conn,
                           GTlsCertificate      *peer_cert,
                           GTlsCertificateFlags  errors,
                           gpointer              data)
{
  return TRUE;
}

/**
 * burrow_peer_handshake_new_tls:
 * @base: the TCP connection
 * @client: our TLS role
 *
 * A TLS connection over @base with our certificate, without the system trust
 * store: peers are identified by keyprint, never by a CA (and loading it costs
 * tens of ms per handshake). A server requests the client's certificate.
 *
 * Returns: (transfer full): the TLS connection, or %NULL with @error set
 */
GIOStream *
burrow_peer_handshake_new_tls (GIOStream       *base,
                               BurrowIdentity  *identity,
                               gboolean         client,
                               GError         **error)
{
  g_autoptr(GIOStream) buffered = burrow_buffered_io_stream_new (base);
  GTlsCertificate *certificate = burrow_identity_get_certificate (identity);
  GIOStream *tls;

  if (client)
    {
      tls = g_tls_client_connection_new (buffered, NULL, error);
      if (tls != NULL)
        g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), certificate);
    }
  else
    {
      tls = g_tls_server_connection_new (buffered, certificate, error);
      if (tls != NULL)
        g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED, NULL);
    }
  if (tls != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  return tls;
}

static void
on_peer_handshake_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      data)
{
  g_autoptr(GTask) task = data;
  Handshake *hs = g_task_get_task_data (task);
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  g_autoptr(GError) error = NULL;

  if (!burrow_peer_connection_handshake_finish (peer, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (hs->protocol == BURROW_PEER_PROTOCOL_NMDC)
        /* keeps PROTOCOL_MISMATCH (an old client) and TIMED_OUT apart from the rest */
        g_task_return_new_error (task, BURROW_NAT_ERROR,
                                 error->domain == BURROW_NAT_ERROR ? error->code : BURROW_NAT_ERROR_FAILED,
                                 _("The connection to %s was made, but the NMDC handshake failed: %s"),
                                 hs->peer_name, error->message);
      else
        g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                                 _("The connection to %s was made, but the ADC handshake failed: %s"),
                                 hs->peer_name, error->message);
      return;
    }

  if (hs->protocol == BURROW_PEER_PROTOCOL_ADC && hs->peer_cid != NULL &&
      g_strcmp0 (burrow_peer_connection_get_peer_cid (peer), hs->peer_cid) != 0)
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                               _("The peer that answered is not %s (its CID differs)"), hs->peer_name);
      return;
    }
  g_task_return_pointer (task, g_object_ref (peer), g_object_unref);
}

static gboolean
accepting_token_func (BurrowPeerConnection *peer,
                      const gchar          *token,
                      const gchar          *cid,
                      gpointer              data)
{
  Handshake *hs = data;

  return g_strcmp0 (token, hs->token) == 0 && g_strcmp0 (cid, hs->peer_cid) == 0;
}

/* NMDC: the nick in the peer's $MyNick is the one we expect */
static gboolean
accepting_nick_func (BurrowPeerConnection *peer,
                     const gchar          *nick,
                     const gchar          *cid,
                     gpointer              data)
{
  Handshake *hs = data;

  return g_strcmp0 (nick, hs->token) == 0;
}

static void
start_peer_handshake (GTask *task)
{
  Handshake *hs = g_task_get_task_data (task);

  if (hs->protocol == BURROW_PEER_PROTOCOL_NMDC)
    {
      hs->peer = burrow_peer_connection_new_nmdc (hs->stream, hs->side, hs->our_nick,
                                                  hs->side == BURROW_PEER_SIDE_ACCEPTING ? NULL : hs->token,
                                                  hs->charset, hs->want_download);
      if (hs->side == BURROW_PEER_SIDE_ACCEPTING)
        burrow_peer_connection_set_token_func (hs->peer, accepting_nick_func, hs);
    }
  else
    {
      hs->peer = burrow_peer_connection_new (hs->stream, hs->side, hs->identity, hs->token);
      if (hs->side == BURROW_PEER_SIDE_ACCEPTING)
        burrow_peer_connection_set_token_func (hs->peer, accepting_token_func, hs);
    }
  burrow_peer_connection_handshake_async (hs->peer, g_task_get_cancellable (task),
                                          on_peer_handshake_done, task);
}

static void
on_tls_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GTask *task = data;
  Handshake *hs = g_task_get_task_data (task);
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *cipher = NULL;

  /* the key is checked once more below */
  g_signal_handlers_disconnect_matched (tls, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        accept_certificate_cb, NULL);
  g_signal_handlers_disconnect_matched (tls, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        accept_any_certificate_cb, NULL);
  if (!g_tls_connection_handshake_finish (tls, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_KEYPRINT_MISMATCH,
                                 _("%s's certificate does not match the keyprint it published on "
                                   "the hub"), hs->peer_name);
      else
        g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                                 _("TLS with %s failed: %s"), hs->peer_name, error->message);
      g_object_unref (task);
      return;
    }

  /* accept-certificate does not run for a certificate that validates normally */
  if (hs->protocol == BURROW_PEER_PROTOCOL_ADC &&
      !burrow_peer_handshake_keyprint_matches (hs->peer_keyprint,
                                               g_tls_connection_get_peer_certificate (tls)))
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_KEYPRINT_MISMATCH,
                               _("%s's certificate does not match the keyprint it published on the hub"),
                               hs->peer_name);
      g_object_unref (task);
      return;
    }

  cipher = g_tls_connection_get_ciphersuite_name (tls);
  if (hs->attempt != NULL)
    burrow_punch_attempt_add_step (hs->attempt, BURROW_PUNCH_STEP_TLS_DONE, "%s as %s, %s",
                                   g_tls_connection_get_protocol_version (tls) == G_TLS_PROTOCOL_VERSION_TLS_1_3
                                     ? "TLS 1.3" : "TLS 1.2",
                                   G_IS_TLS_CLIENT_CONNECTION (tls) ? "client" : "server",
                                   cipher ? cipher : "?");
  start_peer_handshake (task);
}

/**
 * burrow_peer_handshake_async:
 * @connection: a connected TCP connection to the peer
 * @handshake: what to check and present
 *
 * Runs TLS (when @handshake asks for it) and the ADC handshake on
 * @connection, and completes with the identified peer connection or a
 * #BurrowNatError (%BURROW_NAT_ERROR_KEYPRINT_MISMATCH for a certificate that
 * does not match the published keyprint, %BURROW_NAT_ERROR_FAILED otherwise).
 */
void
burrow_peer_handshake_async (GSocketConnection         *connection,
                             const BurrowPeerHandshake *handshake,
                             GCancellable              *cancellable,
                             GAsyncReadyCallback        callback,
                             gpointer                   user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Handshake *hs = g_new0 (Handshake, 1);

  g_return_if_fail (G_IS_SOCKET_CONNECTION (connection));
  g_return_if_fail (BURROW_IS_IDENTITY (handshake->identity));
  g_return_if_fail (handshake->protocol != BURROW_PEER_PROTOCOL_NMDC || handshake->our_nick != NULL);

  g_task_set_source_tag (task, burrow_peer_handshake_async);
  hs->identity = g_object_ref (handshake->identity);
  hs->protocol = handshake->protocol;
  hs->side = handshake->side;
  hs->token = g_strdup (handshake->token);
  hs->peer_cid = g_strdup (handshake->peer_cid);
  hs->peer_keyprint = g_strdup (handshake->peer_keyprint);
  hs->peer_name = g_strdup (handshake->peer_name);
  hs->our_nick = g_strdup (handshake->our_nick);
  hs->charset = g_strdup (handshake->charset);
  hs->want_download = handshake->want_download;
  hs->attempt = handshake->attempt ? g_object_ref (handshake->attempt) : NULL;
  g_task_set_task_data (task, hs, (GDestroyNotify) handshake_free);

  if (!handshake->tls)
    {
      hs->stream = G_IO_STREAM (g_object_ref (connection));
      start_peer_handshake (g_steal_pointer (&task));
      return;
    }

  hs->stream = burrow_peer_handshake_new_tls (G_IO_STREAM (connection), hs->identity,
                                              handshake->tls_client, &error);
  if (hs->stream == NULL)
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED,
                               _("TLS is not available: %s"), error->message);
      return;
    }
  if (hs->protocol == BURROW_PEER_PROTOCOL_NMDC)
    g_signal_connect (hs->stream, "accept-certificate", G_CALLBACK (accept_any_certificate_cb), NULL);
  else
    g_signal_connect_data (hs->stream, "accept-certificate", G_CALLBACK (accept_certificate_cb),
                           g_strdup (hs->peer_keyprint), (GClosureNotify) g_free, 0);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (hs->stream), G_PRIORITY_DEFAULT, cancellable,
                                    on_tls_done, g_steal_pointer (&task));
}

/**
 * burrow_peer_handshake_finish:
 *
 * Returns: (transfer full): the identified connection, or %NULL with @error set
 */
BurrowPeerConnection *
burrow_peer_handshake_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
