/* burrow-hub-session.h — a connection to one hub (abstract; ADC now, NMDC later)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-chat-message.h"
#include "burrow-hub-uri.h"
#include "burrow-search-query.h"
#include "burrow-user.h"

G_BEGIN_DECLS

/**
 * BurrowHubState:
 * @BURROW_HUB_STATE_DISCONNECTED: not connected and not trying
 * @BURROW_HUB_STATE_CONNECTING: resolving, TCP connect, TLS handshake
 * @BURROW_HUB_STATE_PROTOCOL: feature negotiation (SUP/SID)
 * @BURROW_HUB_STATE_IDENTIFY: our INF sent, waiting for the hub
 * @BURROW_HUB_STATE_VERIFY: the hub asked for a password
 * @BURROW_HUB_STATE_NORMAL: logged in
 * @BURROW_HUB_STATE_WAITING: lost the connection, waiting to reconnect
 */
typedef enum
{
  BURROW_HUB_STATE_DISCONNECTED,
  BURROW_HUB_STATE_CONNECTING,
  BURROW_HUB_STATE_PROTOCOL,
  BURROW_HUB_STATE_IDENTIFY,
  BURROW_HUB_STATE_VERIFY,
  BURROW_HUB_STATE_NORMAL,
  BURROW_HUB_STATE_WAITING,
} BurrowHubState;

/**
 * BurrowConnectionMode:
 * @BURROW_CONNECTION_MODE_PASSIVE: no listening port (announces NAT0)
 * @BURROW_CONNECTION_MODE_ACTIVE: accepts incoming connections (TCP4/UDP4)
 * @BURROW_CONNECTION_MODE_AUTO: the engine decides active or passive by itself (maps a port on
 *   the router, checks what the hubs see); sessions only ever get the decided mode
 */
typedef enum
{
  BURROW_CONNECTION_MODE_PASSIVE,
  BURROW_CONNECTION_MODE_ACTIVE,
  BURROW_CONNECTION_MODE_AUTO,
} BurrowConnectionMode;

/**
 * BurrowConnectKind:
 * @BURROW_CONNECT_KIND_CONNECT: the sender listens on @port: connect to it
 *   (ADC `CTM`, NMDC `$ConnectToMe`)
 * @BURROW_CONNECT_KIND_REVERSE: the sender cannot listen and asks us to start
 *   (ADC `RCM`, NMDC `$RevConnectToMe`)
 * @BURROW_CONNECT_KIND_NAT: NAT traversal: the sender punches from its hub
 *   connection's port @port (ADC `NAT`, NMDC `$ConnectToMe … N`)
 * @BURROW_CONNECT_KIND_NAT_REPLY: the answer to a @BURROW_CONNECT_KIND_NAT:
 *   punch to @port too (ADC `RNT`, NMDC `$ConnectToMe … R`)
 * @BURROW_CONNECT_KIND_REFUSED: the peer refused the request with @token
 *   (ADC `STA` with `TO`); @reason says why
 *
 * What a connection request relayed by a hub asks for, in either protocol.
 */
typedef enum
{
  BURROW_CONNECT_KIND_CONNECT,
  BURROW_CONNECT_KIND_REVERSE,
  BURROW_CONNECT_KIND_NAT,
  BURROW_CONNECT_KIND_NAT_REPLY,
  BURROW_CONNECT_KIND_REFUSED,
} BurrowConnectKind;

/**
 * BurrowConnectRequest:
 * @kind: what is asked
 * @user: the peer: the sender of a received request, the target of a sent one
 * @protocol: the client-client protocol (ADC: `ADC/1.0` or `ADCS/0.10`)
 * @tls: whether @protocol is the TLS one
 * @port: the port to connect to (CONNECT, NAT, NAT_REPLY); 0 otherwise
 * @token: the token both sides use to match the connection (at most
 *   %BURROW_CONNECT_MAX_TOKEN bytes in a received request)
 * @reason: (nullable): why the peer refused (REFUSED only)
 * @status: REFUSED on ADC: the STA code without its severity digit (41: protocol unsupported,
 *   the default when 0; 42: direct connection failed)
 * @host: (nullable): the address a received request names (NMDC `$ConnectToMe`, as the hub
 *   relayed it: hubs rewrite it to the sender's real address); %NULL otherwise
 * @line: (nullable): the protocol line itself, for the punch record: as received (NMDC), or as
 *   sent (set by burrow_hub_session_send_connect_request() on NMDC); %NULL otherwise
 *
 * A connection request, the same for ADC and NMDC. A session validates
 * what it receives before it emits #BurrowHubSession::connect-request: the
 * sender is a known user, the port is 1–65535, the token is present and short.
 */
typedef struct
{
  BurrowConnectKind  kind;
  BurrowUser        *user;
  gchar             *protocol;
  gboolean           tls;
  guint16            port;
  gchar             *token;
  gchar             *reason;
  guint              status;
  gchar             *host;
  gchar             *line;
} BurrowConnectRequest;

#define BURROW_CONNECT_MAX_TOKEN 64

/* BurrowConnectRequest.status of a refusal (ADC STA codes) */
#define BURROW_CONNECT_STATUS_PROTOCOL_UNSUPPORTED 41
#define BURROW_CONNECT_STATUS_DIRECT_FAILED        42

#define BURROW_TYPE_CONNECT_REQUEST (burrow_connect_request_get_type ())
GType                 burrow_connect_request_get_type (void) G_GNUC_CONST;
BurrowConnectRequest *burrow_connect_request_new      (BurrowConnectKind           kind,
                                                       BurrowUser                 *user,
                                                       const gchar                *protocol,
                                                       guint16                     port,
                                                       const gchar                *token);
BurrowConnectRequest *burrow_connect_request_copy     (const BurrowConnectRequest *request);
void                  burrow_connect_request_free     (BurrowConnectRequest       *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowConnectRequest, burrow_connect_request_free)

/* Bounds (DESIGN.md principle 7). */
#define BURROW_HUB_MAX_USERS          500000
#define BURROW_HUB_MAX_CHAT_MESSAGES  2000
#define BURROW_HUB_MAX_QUEUED_BYTES   (4 * 1024 * 1024)
#define BURROW_HUB_MAX_REDIRECTS      5
#define BURROW_HUB_KEEPALIVE_DEFAULT_S 120
/* The longest reconnect delay a hub may ask for (ADC STA 232 / QUI TL, in
 * seconds): a longer (or absurd) temporary ban is waited out in steps of a
 * day, each retry asking the hub again. */
#define BURROW_HUB_MAX_REQUESTED_DELAY_S (24 * 60 * 60)

#define BURROW_TYPE_HUB_SESSION (burrow_hub_session_get_type ())

G_DECLARE_DERIVABLE_TYPE (BurrowHubSession, burrow_hub_session, BURROW, HUB_SESSION, GObject)

struct _BurrowHubSessionClass
{
  GObjectClass parent_class;

  void     (*start)        (BurrowHubSession  *self);
  void     (*stop)         (BurrowHubSession  *self,
                            gboolean           clean);
  gboolean (*send_chat)    (BurrowHubSession  *self,
                            const gchar       *text,
                            gboolean           third_person,
                            GError           **error);
  gboolean (*send_private) (BurrowHubSession  *self,
                            BurrowUser        *user,
                            const gchar       *text,
                            gboolean           third_person,
                            GError           **error);
  void     (*info_changed) (BurrowHubSession  *self);

  /* What the rest of the core needs from a hub, protocol-neutral. */
  gboolean (*send_connect_request) (BurrowHubSession           *self,
                                    BurrowConnectRequest       *request,
                                    GError                    **error);
  gboolean (*send_search)          (BurrowHubSession           *self,
                                    const BurrowSearchQuery    *query,
                                    GError                    **error);
  gboolean (*send_search_reply)    (BurrowHubSession           *self,
                                    BurrowUser                 *to,
                                    const BurrowSearchReply    *reply,
                                    GError                    **error);
  GBytes  *(*format_udp_search_reply) (BurrowHubSession        *self,
                                    const BurrowSearchReply    *reply);
  BurrowSearchReply *(*parse_udp_search_reply) (BurrowHubSession *self,
                                    const gchar                *line,
                                    gsize                       len,
                                    BurrowUser                **from);

  gpointer padding[3];
};

BurrowHubSession *burrow_hub_session_new              (const gchar        *uri,
                                                       GError            **error);
void              burrow_hub_session_connect          (BurrowHubSession   *self);
void              burrow_hub_session_connect_async    (BurrowHubSession   *self,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean          burrow_hub_session_connect_finish   (BurrowHubSession   *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);
void              burrow_hub_session_disconnect       (BurrowHubSession   *self);
gboolean          burrow_hub_session_send_chat        (BurrowHubSession   *self,
                                                       const gchar        *text,
                                                       GError            **error);
gboolean          burrow_hub_session_send_private     (BurrowHubSession   *self,
                                                       BurrowUser         *user,
                                                       const gchar        *text,
                                                       GError            **error);
gboolean          burrow_hub_session_accept_keyprint  (BurrowHubSession   *self,
                                                       GError            **error);

const gchar      *burrow_hub_session_get_uri          (BurrowHubSession   *self);
const BurrowHubUri *burrow_hub_session_get_hub_uri    (BurrowHubSession   *self);
BurrowHubState    burrow_hub_session_get_state        (BurrowHubSession   *self);
const gchar      *burrow_hub_session_get_hub_name     (BurrowHubSession   *self);
const gchar      *burrow_hub_session_get_hub_description (BurrowHubSession *self);
GListModel       *burrow_hub_session_get_users        (BurrowHubSession   *self);
GListModel       *burrow_hub_session_get_messages     (BurrowHubSession   *self);
BurrowUser       *burrow_hub_session_lookup_sid       (BurrowHubSession   *self,
                                                       guint32             sid);
BurrowUser       *burrow_hub_session_lookup_nick      (BurrowHubSession   *self,
                                                       const gchar        *nick);
BurrowUser       *burrow_hub_session_lookup_cid       (BurrowHubSession   *self,
                                                       const gchar        *cid);
BurrowUser       *burrow_hub_session_get_me           (BurrowHubSession   *self);
BurrowUser       *burrow_hub_session_lookup_user      (BurrowHubSession   *self,
                                                       const gchar        *user_id);

/* The typed hub services (see the class vfuncs). Each fails with
 * G_IO_ERROR_NOT_CONNECTED when the session is not logged in. */
gboolean          burrow_hub_session_send_connect_request (BurrowHubSession           *self,
                                                       BurrowConnectRequest       *request,
                                                       GError                    **error);
gboolean          burrow_hub_session_send_search      (BurrowHubSession        *self,
                                                       const BurrowSearchQuery *query,
                                                       GError                 **error);
gboolean          burrow_hub_session_send_search_reply (BurrowHubSession       *self,
                                                       BurrowUser              *to,
                                                       const BurrowSearchReply *reply,
                                                       GError                 **error);
GBytes           *burrow_hub_session_format_udp_search_reply (BurrowHubSession *self,
                                                       const BurrowSearchReply *reply);
/* A UDP datagram line in this hub's protocol that answers one of our searches (NMDC `$SR`;
 * ADC's URES names a CID and goes to the search router directly). Returns the reply, with the
 * token of the search it answers, and its sender, or NULL when it is not for this hub. */
BurrowSearchReply *burrow_hub_session_parse_udp_search_reply (BurrowHubSession *self,
                                                       const gchar        *line,
                                                       gsize               len,
                                                       BurrowUser        **from);
guint16           burrow_hub_session_get_local_port   (BurrowHubSession   *self);
const gchar      *burrow_hub_session_get_local_address (BurrowHubSession  *self);
const gchar      *burrow_hub_session_get_tls_cipher   (BurrowHubSession   *self);
const gchar      *burrow_hub_session_get_keyprint     (BurrowHubSession   *self);
const gchar      *burrow_hub_session_get_pending_keyprint (BurrowHubSession *self);
const GError     *burrow_hub_session_get_error        (BurrowHubSession   *self);

/* Settings: what we announce. Changing one while logged in sends an INF update. */
void              burrow_hub_session_set_nick         (BurrowHubSession   *self,
                                                       const gchar        *nick);
const gchar      *burrow_hub_session_get_nick         (BurrowHubSession   *self);
void              burrow_hub_session_set_password     (BurrowHubSession   *self,
                                                       const gchar        *password);
const gchar      *burrow_hub_session_get_password     (BurrowHubSession   *self);
void              burrow_hub_session_set_description  (BurrowHubSession   *self,
                                                       const gchar        *description);
const gchar      *burrow_hub_session_get_description  (BurrowHubSession   *self);
void              burrow_hub_session_set_mode         (BurrowHubSession   *self,
                                                       BurrowConnectionMode mode);
BurrowConnectionMode burrow_hub_session_get_mode      (BurrowHubSession   *self);
void              burrow_hub_session_set_share_info   (BurrowHubSession   *self,
                                                       guint64             share_size,
                                                       guint64             shared_files,
                                                       guint               slots,
                                                       guint               free_slots);
void              burrow_hub_session_get_share_info   (BurrowHubSession   *self,
                                                       guint64            *share_size,
                                                       guint64            *shared_files,
                                                       guint              *slots,
                                                       guint              *free_slots);
void              burrow_hub_session_set_port         (BurrowHubSession   *self,
                                                       guint16             port);
guint16           burrow_hub_session_get_port         (BurrowHubSession   *self);
void              burrow_hub_session_set_keepalive_interval (BurrowHubSession *self,
                                                       guint               seconds);
guint             burrow_hub_session_get_keepalive_interval (BurrowHubSession *self);
/* NMDC has no charset negotiation: each hub has its own ("encoding" property, default
 * BURROW_NMDC_DEFAULT_CHARSET; an iconv name such as "CP1251" or "UTF-8"). ADC is always UTF-8
 * and ignores it. Fails with G_CONVERT_ERROR_NO_CONVERSION for a charset iconv does not know.
 * Takes effect on the next connect. */
gboolean          burrow_hub_session_set_encoding     (BurrowHubSession   *self,
                                                       const gchar        *encoding,
                                                       GError            **error);
const gchar      *burrow_hub_session_get_encoding     (BurrowHubSession   *self);
/* The hub software when the hub says it (NMDC: the lock's Pk=, or $HubINFO; ADC: the hub's INF
 * AP and VE); NULL when unknown. Property "hub-software". */
const gchar      *burrow_hub_session_get_hub_software (BurrowHubSession   *self);
/* ADC, ADCS, NMDC or NMDCS (from the URI). */
BurrowHubProtocol burrow_hub_session_get_protocol     (BurrowHubSession   *self);

G_END_DECLS
