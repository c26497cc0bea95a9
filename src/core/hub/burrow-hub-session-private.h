/* burrow-hub-session-private.h — what protocol subclasses use of BurrowHubSession
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-database.h"
#include "burrow-identity.h"
#include "burrow-hub-session.h"

G_BEGIN_DECLS

/* Engine-wide context a session needs; set by the hub list (or a test). */
void               _burrow_hub_session_set_context       (BurrowHubSession  *self,
                                                          BurrowIdentity    *identity,
                                                          BurrowDatabase    *database);
BurrowIdentity    *_burrow_hub_session_get_identity      (BurrowHubSession  *self);
BurrowDatabase    *_burrow_hub_session_get_database      (BurrowHubSession  *self);

void               _burrow_hub_session_set_state         (BurrowHubSession  *self,
                                                          BurrowHubState     state);
void               _burrow_hub_session_set_hub_info      (BurrowHubSession  *self,
                                                          const gchar       *name,
                                                          const gchar       *description);
void               _burrow_hub_session_set_local_port    (BurrowHubSession  *self,
                                                          const gchar       *address,
                                                          guint16            port);
void               _burrow_hub_session_set_keyprint      (BurrowHubSession  *self,
                                                          const gchar       *keyprint,
                                                          const gchar       *pending);
void               _burrow_hub_session_set_uri           (BurrowHubSession  *self,
                                                          const BurrowHubUri *uri);
void               _burrow_hub_session_set_hub_software  (BurrowHubSession  *self,
                                                          const gchar       *software);
void               _burrow_hub_session_set_tls_cipher    (BurrowHubSession  *self,
                                                          const gchar       *cipher);
void               _burrow_hub_session_redirect          (BurrowHubSession  *self,
                                                          const gchar       *address);
guint              _burrow_hub_session_count_redirect    (BurrowHubSession  *self,
                                                          const gchar       *target);

/* Users: joins are batched until _flush_joins (end of a read, or login).
 * _add_user returns NULL once the list holds the maximum number of users
 * (BURROW_HUB_MAX_USERS), except for our own entry (@ours): the cap must never
 * keep us from seeing our own INF, which completes the login. */
BurrowUser        *_burrow_hub_session_add_user          (BurrowHubSession  *self,
                                                          guint32            sid,
                                                          gboolean           ours);
/* The same for a user made by the session (NMDC: burrow_user_new_nmdc()); takes @user, which
 * must have a SID not in use. */
BurrowUser        *_burrow_hub_session_add_user_object   (BurrowHubSession  *self,
                                                          BurrowUser        *user,
                                                          gboolean           ours);
guint              _burrow_hub_session_get_max_users     (BurrowHubSession  *self);
void               _burrow_hub_session_flush_joins       (BurrowHubSession  *self);
void               _burrow_hub_session_user_updated      (BurrowHubSession  *self,
                                                          BurrowUser        *user);
void               _burrow_hub_session_remove_user       (BurrowHubSession  *self,
                                                          guint32            sid);
void               _burrow_hub_session_clear_users       (BurrowHubSession  *self);
void               _burrow_hub_session_set_me            (BurrowHubSession  *self,
                                                          BurrowUser        *me);
guint              _burrow_hub_session_get_n_users       (BurrowHubSession  *self);

void               _burrow_hub_session_add_message       (BurrowHubSession  *self,
                                                          BurrowChatMessage *message);
void               _burrow_hub_session_status            (BurrowHubSession  *self,
                                                          const gchar       *text);

/* The connection ended. @error says why; @reconnect_after_ms < 0 means never
 * reconnect, 0 means "use the back-off", > 0 a delay the hub asked for. */
void               _burrow_hub_session_lost              (BurrowHubSession  *self,
                                                          const GError      *error,
                                                          gint64             reconnect_after_ms);
void               _burrow_hub_session_logged_in         (BurrowHubSession  *self);
gboolean           _burrow_hub_session_channel_failed    (BurrowHubSession  *self,
                                                          const GError      *error,
                                                          gboolean           fatal);
void               _burrow_hub_session_arm_login_timeout (BurrowHubSession  *self,
                                                          guint              timeout_ms);
/* How long the session waits before its planned reconnect (ms); 0 when none is planned. */
guint              _burrow_hub_session_get_reconnect_delay (BurrowHubSession *self);
gboolean           _burrow_hub_error_is_final            (const GError      *error);

/* The typed signals, emitted by the protocol subclasses (logged in only). */
void               _burrow_hub_session_emit_connect_request (BurrowHubSession           *self,
                                                             const BurrowConnectRequest *request);
void               _burrow_hub_session_emit_search_request  (BurrowHubSession           *self,
                                                             BurrowUser                 *from,
                                                             const BurrowSearchQuery    *query);
void               _burrow_hub_session_emit_search_result   (BurrowHubSession           *self,
                                                             BurrowUser                 *from,
                                                             const BurrowSearchReply    *reply);

/* The connection under the session (burrow-hub-transport.c): resolve, connect from a port
 * bound with SO_REUSEPORT, TLS with the keyprint pin for adcs:// and nmdcs://. @cancellable is
 * the session's: cancelling it (on stop and dispose) ends the open with G_IO_ERROR_CANCELLED,
 * and the callback must then not touch the session. */
void               _burrow_hub_session_open_async        (BurrowHubSession    *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GIOStream         *_burrow_hub_session_open_finish       (BurrowHubSession    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* The same, for a protocol: @func gets the stream (transfer full) once it is open; a failure
 * ends the connection (_burrow_hub_session_lost()), a cancelled open calls nothing. */
typedef void (*BurrowHubOpenedFunc) (BurrowHubSession *self,
                                     GIOStream        *stream);
void               _burrow_hub_session_open              (BurrowHubSession    *self,
                                                          GCancellable        *cancellable,
                                                          BurrowHubOpenedFunc  func);

/* Test and fuzzing hook: makes the connection to the hub instead of resolving and connecting
 * (a socket pair, no network). */
typedef GIOStream *(*BurrowHubStreamFunc) (BurrowHubSession  *session,
                                           gpointer           user_data,
                                           GError           **error);
void               _burrow_hub_session_set_stream_func   (BurrowHubSession    *self,
                                                          BurrowHubStreamFunc  func,
                                                          gpointer             user_data);
BurrowHubStreamFunc _burrow_hub_session_get_stream_func  (BurrowHubSession    *self,
                                                          gpointer            *user_data);

/* Test hook: lowers the user cap (default BURROW_HUB_MAX_USERS) so tests reach it fast. */
void               _burrow_hub_session_set_max_users     (BurrowHubSession  *self,
                                                          guint              max_users);

G_END_DECLS
