/* burrow-client.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-client"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "burrow-util-enums.h"
#include "burrow-protocol-enums.h"
#include "burrow-hub-enums.h"
#include "burrow-peer-enums.h"
#include "burrow-transfer-enums.h"
#include "burrow-error.h"
#include "burrow-hub-session-private.h"
#include "burrow-tiger.h"
#include "burrow-file-list.h"
#include "burrow-hash-store.h"
#include "burrow-tls.h"
#include "burrow-base32.h"
#include "burrow-tth.h"

#include "burrow-client.h"

struct _BurrowClient
{
  GObject               parent_instance;

  /* owned */
  gchar                *data_dir;
  BurrowDatabase       *database;
  BurrowIdentity       *identity;
  BurrowFavoriteHubs   *favorite_hubs;
  BurrowPublicHubs     *public_hubs;
  BurrowHubList        *hubs;
  BurrowSearchRouter   *search_router;
  BurrowSearchResponder *responder;
  gchar                *nick;
  gchar                *description;
  BurrowNatConnector   *connector;
  BurrowPeerPool       *pool;          /* idle peer connections */
  BurrowUploadService  *uploads;       /* what we serve, slots and caps; our file list */
  BurrowShare          *share;
  BurrowDownloadQueue  *download_queue;
  BurrowTransferManager *transfers;
  gchar                *download_dir;

  BurrowConnectionMode  mode;
  guint16               port;          /* wanted port in active mode, 0 = any */
  BurrowConnectivity   *connectivity;  /* automatic mode: decides active or passive */
  gboolean              mapping_off[BURROW_MAPPING_METHOD_UPNP + 1]; /* port mapping settings */
  gboolean              mapping_forbidden; /* BURROW_PORT_MAPPING=off: no packet, whatever they say */
};

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_IDENTITY,
  PROP_HUBS,
  PROP_NICK,
  PROP_DESCRIPTION,
  PROP_MODE,
  PROP_PORT,
  PROP_SLOTS,
  PROP_DOWNLOAD_DIR,
  PROP_CONNECTIVITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowClient, burrow_client, G_TYPE_OBJECT)

static void stop_connectivity (BurrowClient *self);

static void
burrow_client_dispose (GObject *object)
{
  BurrowClient *self = BURROW_CLIENT (object);

  stop_connectivity (self);
  g_clear_object (&self->transfers);
  g_clear_object (&self->pool);
  g_clear_object (&self->download_queue);
  g_clear_object (&self->responder);
  g_clear_object (&self->search_router);
  g_clear_object (&self->share);
  if (self->hubs != NULL)
    burrow_client_disconnect_all (self);
  g_clear_object (&self->hubs);
  g_clear_object (&self->connector);
  /* after the connector: its connections close through the service's slot function */
  g_clear_object (&self->uploads);
  g_clear_object (&self->favorite_hubs);
  g_clear_object (&self->public_hubs);
  g_clear_object (&self->identity);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (burrow_client_parent_class)->dispose (object);
}

static void
burrow_client_finalize (GObject *object)
{
  BurrowClient *self = BURROW_CLIENT (object);

  g_free (self->data_dir);
  g_free (self->nick);
  g_free (self->description);
  g_free (self->download_dir);

  G_OBJECT_CLASS (burrow_client_parent_class)->finalize (object);
}

static void
burrow_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BurrowClient *self = BURROW_CLIENT (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR: g_value_set_string (value, self->data_dir); break;
    case PROP_IDENTITY: g_value_set_object (value, self->identity); break;
    case PROP_HUBS: g_value_set_object (value, self->hubs); break;
    case PROP_NICK: g_value_set_string (value, self->nick); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_MODE: g_value_set_enum (value, self->mode); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_SLOTS: g_value_set_uint (value, burrow_client_get_slots (self)); break;
    case PROP_DOWNLOAD_DIR: g_value_set_string (value, burrow_client_get_download_dir (self)); break;
    case PROP_CONNECTIVITY: g_value_set_object (value, self->connectivity); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_client_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BurrowClient *self = BURROW_CLIENT (object);

  switch (prop_id)
    {
    case PROP_NICK: burrow_client_set_nick (self, g_value_get_string (value)); break;
    case PROP_DESCRIPTION: burrow_client_set_description (self, g_value_get_string (value)); break;
    case PROP_MODE: burrow_client_set_mode (self, g_value_get_enum (value)); break;
    case PROP_PORT:
      {
        g_autoptr(GError) error = NULL;

        if (!burrow_client_set_port (self, (guint16) g_value_get_uint (value), &error))
          g_warning ("cannot listen on port %u: %s", g_value_get_uint (value), error->message);
      }
      break;
    case PROP_SLOTS: burrow_client_set_slots (self, g_value_get_uint (value)); break;
    case PROP_DOWNLOAD_DIR: burrow_client_set_download_dir (self, g_value_get_string (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)
#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_client_class_init (BurrowClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_client_dispose;
  object_class->finalize = burrow_client_finalize;
  object_class->get_property = burrow_client_get_property;
  object_class->set_property = burrow_client_set_property;

  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL, RO);
  properties[PROP_IDENTITY] = g_param_spec_object ("identity", NULL, NULL, BURROW_TYPE_IDENTITY, RO);
  properties[PROP_HUBS] = g_param_spec_object ("hubs", NULL, NULL, G_TYPE_LIST_MODEL, RO);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, RW);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, RW);
  properties[PROP_MODE] = g_param_spec_enum ("mode", NULL, NULL, BURROW_TYPE_CONNECTION_MODE,
                                             BURROW_CONNECTION_MODE_PASSIVE, RW);
  /**
   * BurrowClient:port:
   *
   * The TCP/UDP port for active mode; 0 for any free one. Kept in the engine's database.
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, RW);
  /**
   * BurrowClient:slots:
   *
   * How many uploads may run at once (mini-slots come on top). Kept in the engine's database.
   */
  properties[PROP_SLOTS] = g_param_spec_uint ("slots", NULL, NULL, 0, 1000,
                                              BURROW_CLIENT_DEFAULT_SLOTS, RW);
  /**
   * BurrowClient:download-dir:
   *
   * Where downloads go (an absolute path). Kept in the engine's database.
   */
  properties[PROP_DOWNLOAD_DIR] = g_param_spec_string ("download-dir", NULL, NULL, NULL, RW);
  /**
   * BurrowClient:connectivity:
   *
   * Automatic mode's engine (burrow_client_get_connectivity()): a new one comes with automatic
   * mode and with a new port, none in the manual modes.
   */
  properties[PROP_CONNECTIVITY] = g_param_spec_object ("connectivity", NULL, NULL,
                                                       BURROW_TYPE_CONNECTIVITY, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_client_init (BurrowClient *self)
{
  /* for test suites and sandboxes that must not talk to a router */
  self->mapping_forbidden = g_strcmp0 (g_getenv ("BURROW_PORT_MAPPING"), "off") == 0;
}

/**
 * burrow_client_default_data_dir:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/burrow`
 */
gchar *
burrow_client_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "burrow", NULL);
}

static gchar *
default_nick (void)
{
  const gchar *user = g_get_user_name ();
  g_autoptr(GString) nick = g_string_new (NULL);

  /* ADC nicks may be any UTF-8 but must be unique; keep it simple and printable */
  for (const gchar *p = user; p && *p; p++)
    if (g_ascii_isalnum (*p) || *p == '_' || *p == '-')
      g_string_append_c (nick, *p);
  if (nick->len == 0)
    g_string_append (nick, "burrow");
  return g_string_free (g_steal_pointer (&nick), FALSE);
}


/**
 * burrow_client_set_file_list_bytes:
 * @compressed: a files.xml.bz2
 *
 * Serves @compressed as our file list until the share publishes its next
 * one (BurrowShare:file-list).
 */
void
burrow_client_set_file_list_bytes (BurrowClient *self,
                                   GBytes       *compressed)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (compressed != NULL);

  burrow_upload_service_set_file_list (self->uploads, compressed);
}

/**
 * burrow_client_get_share:
 *
 * Returns: (transfer none): what we share
 */
BurrowShare *
burrow_client_get_share (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->share;
}

/**
 * burrow_client_get_search_responder:
 *
 * Returns: (transfer none): what answers other users' searches from the share
 */
BurrowSearchResponder *
burrow_client_get_search_responder (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->responder;
}

static void
on_share_file_list (BurrowShare  *share,
                    GParamSpec   *pspec,
                    BurrowClient *self)
{
  burrow_client_set_file_list_bytes (self, burrow_share_get_file_list (share));
}

/* What each hub's INF says about our share and slots. */
static void
update_share_info (BurrowClient *self)
{
  guint64 size = self->share ? burrow_share_get_total_size (self->share) : 0;
  guint64 files = self->share ? burrow_share_get_n_files (self->share) : 0;
  guint slots = burrow_client_get_slots (self);
  guint slots_used = burrow_client_get_slots_used (self);
  guint free_slots = slots > slots_used ? slots - slots_used : 0;

  if (self->hubs != NULL)
    burrow_hub_list_set_share_info (self->hubs, size, files, slots, free_slots);
}

static void
on_share_changed (BurrowShare  *share,
                  BurrowClient *self)
{
  /* (the upload service makes its partial lists anew itself) */
  update_share_info (self);
}

static void
save_uint_setting (BurrowClient *self,
                   const gchar  *key,
                   guint         value)
{
  g_autofree gchar *text = g_strdup_printf ("%u", value);
  g_autoptr(GError) error = NULL;

  if (!burrow_database_set_setting (self->database, key, text, &error))
    g_warning ("cannot save the setting %s: %s", key, error->message);
}

static gboolean
load_uint_setting (BurrowClient *self,
                   const gchar  *key,
                   guint         max,
                   guint        *value)
{
  g_autofree gchar *text = burrow_database_dup_setting (self->database, key);
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

/**
 * burrow_client_set_slots:
 * @slots: how many uploads may run at once (mini-slots come on top)
 */
void
burrow_client_set_slots (BurrowClient *self,
                         guint         slots)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));

  if (burrow_upload_service_get_slots (self->uploads) == slots)
    return;
  burrow_upload_service_set_slots (self->uploads, slots);
  if (self->database != NULL)
    save_uint_setting (self, "slots", slots);
  update_share_info (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLOTS]);
}

/**
 * burrow_client_set_upload_idle_timeout:
 * @ms: an upload (or upload connection) without progress this long is closed and its slot
 *   freed; %BURROW_UPLOAD_IDLE_TIMEOUT_MS by default
 */
void
burrow_client_set_upload_idle_timeout (BurrowClient *self,
                                       guint         ms)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));
  burrow_upload_service_set_idle_timeout (self->uploads, ms);
}

/**
 * burrow_client_get_n_upload_connections:
 *
 * Returns: open upload connections (refused ones included until they close)
 */
guint
burrow_client_get_n_upload_connections (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), 0);
  return burrow_upload_service_get_n_connections (self->uploads);
}

/**
 * burrow_client_get_n_lists_generated:
 *
 * Returns: partial lists generated so far (requests served from the cache not counted)
 */
guint64
burrow_client_get_n_lists_generated (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), 0);
  return burrow_upload_service_get_n_lists_generated (self->uploads);
}

guint
burrow_client_get_slots (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), 0);
  return self->uploads ? burrow_upload_service_get_slots (self->uploads)
                       : BURROW_CLIENT_DEFAULT_SLOTS;
}

guint
burrow_client_get_slots_used (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), 0);
  return self->uploads ? burrow_upload_service_get_slots_used (self->uploads) : 0;
}

/**
 * burrow_client_get_connector:
 *
 * Returns: (transfer none): the connector that reaches peers
 */
BurrowNatConnector *
burrow_client_get_connector (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->connector;
}

/* The listening port (and UDP socket) changed: tell the hubs and the search router. */
static void
connectivity_changed (BurrowClient *self)
{
  guint16 port = burrow_nat_connector_get_advertised_port (self->connector);

  /* a mapping's external port is IPv4's: over IPv6 peers reach our own */
  burrow_hub_list_set_ports (self->hubs, port,
                             port != 0 ? burrow_nat_connector_get_port (self->connector) : 0);
  burrow_search_router_set_udp_socket (self->search_router,
                                       burrow_nat_connector_get_udp_socket (self->connector));
  burrow_search_router_set_udp6_socket (self->search_router,
                                        burrow_nat_connector_get_udp6_socket (self->connector));
}

/* --- automatic mode ---------------------------------------------------------------------- */

static const gchar * const mapping_settings[] = {
  [BURROW_MAPPING_METHOD_PCP] = "port-mapping-pcp-off",
  [BURROW_MAPPING_METHOD_NAT_PMP] = "port-mapping-nat-pmp-off",
  [BURROW_MAPPING_METHOD_UPNP] = "port-mapping-upnp-off",
};

/* The decision changed: act on it, announce it on every hub. Each family is decided apart:
 * hubs we reach over IPv6 follow the IPv6 decision, the others the IPv4 one. */
static void
apply_decision (BurrowClient *self)
{
  const BurrowConnectivityDecision *d = burrow_connectivity_get_decision (self->connectivity,
                                                                          G_SOCKET_FAMILY_IPV4);
  const BurrowConnectivityDecision *d6 = burrow_connectivity_get_decision (self->connectivity,
                                                                           G_SOCKET_FAMILY_IPV6);
  gboolean active = d != NULL && d->mode == BURROW_CONNECTIVITY_ACTIVE;
  gboolean active6 = d6 != NULL && d6->mode == BURROW_CONNECTIVITY_ACTIVE;
  BurrowPortMapper *mapper = burrow_connectivity_get_mapper (self->connectivity);

  /* the listener takes connections when either family is active; the port a mapping gives
   * is IPv4's */
  burrow_nat_connector_set_advertised (self->connector, active || active6,
                                       active ? d->external_port : 0);
  burrow_hub_list_set_modes (self->hubs,
                             active ? BURROW_CONNECTION_MODE_ACTIVE : BURROW_CONNECTION_MODE_PASSIVE,
                             active6 ? BURROW_CONNECTION_MODE_ACTIVE : BURROW_CONNECTION_MODE_PASSIVE);
  /* last: requests that waited for the decision go out now, in the mode just set */
  burrow_nat_connector_set_deciding (self->connector, G_SOCKET_FAMILY_IPV4,
                                     d != NULL && d->reason == BURROW_CONNECTIVITY_REASON_MAPPING);
  burrow_nat_connector_set_deciding (self->connector, G_SOCKET_FAMILY_IPV6,
                                     d6 != NULL && d6->reason == BURROW_CONNECTIVITY_REASON_MAPPING);
  connectivity_changed (self);
  if (mapper != NULL && burrow_port_mapper_get_description_url (mapper) != NULL)
    burrow_database_set_setting (self->database, "upnp-description-url",
                                 burrow_port_mapper_get_description_url (mapper), NULL);
}

/* The family of an attempt's connection: its remote end ("[addr]:port" for IPv6), else that of
 * our connection to its hub (the family the hub told the peer our address in). */
static GSocketFamily
attempt_family (BurrowClient       *self,
                BurrowPunchAttempt *attempt)
{
  const gchar *remote = burrow_punch_attempt_get_remote (attempt);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  if (remote != NULL)
    return remote[0] == '[' ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);
      const gchar *local = burrow_hub_session_get_local_address (session);

      if (g_strcmp0 (burrow_hub_session_get_uri (session), burrow_punch_attempt_get_hub (attempt)) == 0)
        return local != NULL && strchr (local, ':') != NULL ? G_SOCKET_FAMILY_IPV6
                                                            : G_SOCKET_FAMILY_IPV4;
    }
  return G_SOCKET_FAMILY_IPV4;
}

/* A finished attempt shows whether peers reach our port: one that connected to us after our
 * own request confirms the mode; one that never came counts toward demotion. Either counts
 * for the family of the connection. */
static void
on_attempt_finished (BurrowNatConnector *connector,
                     BurrowPunchAttempt *attempt,
                     BurrowClient       *self)
{
  BurrowPunchMethod method = burrow_punch_attempt_get_method (attempt);
  gboolean sent_our_port = FALSE;

  if (self->connectivity == NULL || !burrow_nat_connector_is_active (self->connector) ||
      (method != BURROW_PUNCH_METHOD_DIRECT && method != BURROW_PUNCH_METHOD_INCOMING))
    return;
  for (guint i = 0; i < burrow_punch_attempt_get_n_steps (attempt); i++)
    if (burrow_punch_attempt_get_step (attempt, i)->kind == BURROW_PUNCH_STEP_REQUEST_SENT)
      sent_our_port = TRUE;
  if (!sent_our_port)
    return;
  if (burrow_punch_attempt_get_result (attempt) == BURROW_PUNCH_RESULT_CONNECTED)
    burrow_connectivity_note_reached (self->connectivity, attempt_family (self, attempt));
  else if (burrow_punch_attempt_get_result (attempt) == BURROW_PUNCH_RESULT_FAILED &&
           burrow_punch_attempt_get_error_code (attempt) == BURROW_NAT_ERROR_TIMED_OUT)
    {
      g_autofree gchar *peer = g_strdup_printf ("%s %s", burrow_punch_attempt_get_hub (attempt),
                                                burrow_punch_attempt_get_peer_nick (attempt));

      burrow_connectivity_note_unreached (self->connectivity, attempt_family (self, attempt), peer);
    }
}

/* Automatic mode asks the router only once we go online: a command that joins no hub sends
 * nothing to it. */
static void
on_hubs_changed (GListModel   *hubs,
                 guint         position,
                 guint         removed,
                 guint         added,
                 BurrowClient *self)
{
  if (self->connectivity == NULL || added == 0 ||
      burrow_connectivity_get_decision (self->connectivity, G_SOCKET_FAMILY_IPV4) != NULL)
    return;
  g_signal_handlers_disconnect_by_func (hubs, on_hubs_changed, self);
  burrow_connectivity_start (self->connectivity);
  apply_decision (self);
}

static void
start_connectivity (BurrowClient *self)
{
  g_autoptr(BurrowPortMapper) mapper = NULL;
  g_autofree gchar *url = burrow_database_dup_setting (self->database, "upnp-description-url");
  guint16 port = burrow_nat_connector_get_port (self->connector);

  if (self->connectivity != NULL || port == 0)
    return;
  mapper = burrow_port_mapper_new (port);
  for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
    burrow_port_mapper_set_method_enabled (mapper, m, !self->mapping_off[m] &&
                                                      !self->mapping_forbidden);
  burrow_port_mapper_set_description_url (mapper, url);
  self->connectivity = burrow_connectivity_new (self->hubs, mapper);
  g_signal_connect_object (self->connectivity, "changed", G_CALLBACK (apply_decision), self,
                           G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTIVITY]);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->hubs)) > 0)
    {
      burrow_connectivity_start (self->connectivity);
      apply_decision (self);
    }
  else
    g_signal_connect_object (self->hubs, "items-changed", G_CALLBACK (on_hubs_changed), self, 0);
}

static void
stop_connectivity (BurrowClient *self)
{
  BurrowPortMapper *mapper;

  if (self->connectivity == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->hubs, on_hubs_changed, self);
  g_signal_handlers_disconnect_by_data (self->connectivity, self);
  mapper = burrow_connectivity_get_mapper (self->connectivity);
  /* the deletes go on by themselves (the mapper keeps itself alive until they are answered) */
  if (mapper != NULL)
    burrow_port_mapper_stop_async (mapper, NULL, NULL, NULL);
  g_clear_object (&self->connectivity);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTIVITY]);
  if (self->connector != NULL)
    {
      burrow_nat_connector_set_advertised (self->connector, TRUE, 0);
      burrow_nat_connector_set_deciding (self->connector, G_SOCKET_FAMILY_IPV4, FALSE);
      burrow_nat_connector_set_deciding (self->connector, G_SOCKET_FAMILY_IPV6, FALSE);
    }
}

/**
 * burrow_client_get_connectivity:
 *
 * Returns: (transfer none) (nullable): what decides the mode in automatic mode
 */
BurrowConnectivity *
burrow_client_get_connectivity (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);

  return self->connectivity;
}

/**
 * burrow_client_set_port_mapping_enabled:
 *
 * Turns one port mapping protocol on or off (kept in the database); off means it sends no
 * packet. Takes effect at the next mapping round (a restart of automatic mode).
 */
void
burrow_client_set_port_mapping_enabled (BurrowClient        *self,
                                        BurrowMappingMethod  method,
                                        gboolean             enabled)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (method > BURROW_MAPPING_METHOD_NONE && method <= BURROW_MAPPING_METHOD_UPNP);

  self->mapping_off[method] = !enabled;
  save_uint_setting (self, mapping_settings[method], !enabled);
  if (self->connectivity != NULL)
    burrow_port_mapper_set_method_enabled (burrow_connectivity_get_mapper (self->connectivity),
                                           method, enabled && !self->mapping_forbidden);
}

gboolean
burrow_client_get_port_mapping_enabled (BurrowClient        *self,
                                        BurrowMappingMethod  method)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (method > BURROW_MAPPING_METHOD_NONE &&
                        method <= BURROW_MAPPING_METHOD_UPNP, FALSE);

  return !self->mapping_off[method];
}

static void
on_mapper_stopped (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  GTask *task = data;

  burrow_port_mapper_stop_finish (BURROW_PORT_MAPPER (source), result, NULL);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/**
 * burrow_client_stop_port_mapping_async:
 *
 * Deletes our mappings on the router (clean exit) and completes when the router answered (or
 * gave up). Automatic mode stays decided as it was until the client goes away.
 */
void
burrow_client_stop_port_mapping_async (BurrowClient        *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BURROW_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_client_stop_port_mapping_async);
  if (self->connectivity == NULL || burrow_connectivity_get_mapper (self->connectivity) == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  burrow_port_mapper_stop_async (burrow_connectivity_get_mapper (self->connectivity), cancellable,
                                 on_mapper_stopped, task);
}

gboolean
burrow_client_stop_port_mapping_finish (BurrowClient  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * burrow_client_set_port:
 * @port: the TCP/UDP port for active mode, 0 for any free one
 */
gboolean
burrow_client_set_port (BurrowClient  *self,
                        guint16        port,
                        GError       **error)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), FALSE);

  if (self->port != port)
    {
      self->port = port;
      save_uint_setting (self, "port", port);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
    }
  if (self->mode == BURROW_CONNECTION_MODE_PASSIVE)
    return TRUE;
  if (!burrow_nat_connector_set_active (self->connector, TRUE, port, error))
    return FALSE;
  if (self->mode == BURROW_CONNECTION_MODE_AUTO)
    {
      /* the mapping follows the new port */
      stop_connectivity (self);
      start_connectivity (self);
    }
  connectivity_changed (self);
  return TRUE;
}

/**
 * burrow_client_new:
 * @data_dir: (nullable): where state lives; %NULL for `$XDG_DATA_HOME/burrow`
 *
 * Opens (or creates) the engine's state: database, identity, certificate.
 * Two clients with different data dirs share nothing.
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
BurrowClient *
burrow_client_new (const gchar  *data_dir,
                   GError      **error)
{
  g_autoptr(BurrowClient) self = g_object_new (BURROW_TYPE_CLIENT, NULL);
  g_autofree gchar *db_path = NULL;

  burrow_tls_init ();
  burrow_tiger_init ();

  self->data_dir = data_dir ? g_canonicalize_filename (data_dir, NULL) : burrow_client_default_data_dir ();
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the data directory %s: %s"), self->data_dir, g_strerror (saved));
      return NULL;
    }

  db_path = g_build_filename (self->data_dir, "burrow.db", NULL);
  self->database = burrow_database_open (db_path, error);
  if (self->database == NULL)
    return NULL;

  self->identity = burrow_identity_load (self->database, self->data_dir, error);
  if (self->identity == NULL)
    return NULL;

  self->favorite_hubs = burrow_favorite_hubs_new (self->database, error);
  if (self->favorite_hubs == NULL)
    return NULL;
  self->public_hubs = burrow_public_hubs_new (self->database);

  self->nick = burrow_database_dup_setting (self->database, "nick");
  if (self->nick == NULL)
    self->nick = default_nick ();
  self->description = burrow_database_dup_setting (self->database, "description");

  self->hubs = burrow_hub_list_new (self->identity, self->database);
  burrow_hub_list_set_nick (self->hubs, self->nick);
  burrow_hub_list_set_description (self->hubs, self->description);
  self->search_router = burrow_search_router_new (self->hubs);
  self->connector = burrow_nat_connector_new (self->identity, self->hubs);
  g_signal_connect_object (self->connector, "attempt-finished", G_CALLBACK (on_attempt_finished),
                           self, 0);
  self->share = burrow_share_new (self->database, self->data_dir,
                                  burrow_identity_get_cid (self->identity), error);
  if (self->share == NULL)
    return NULL;
  self->uploads = burrow_upload_service_new (BURROW_PEER_DIALER (self->connector), self->share,
                                             burrow_identity_get_cid (self->identity));
  g_signal_connect_object (self->share, "changed", G_CALLBACK (on_share_changed), self, 0);
  g_signal_connect_object (self->share, "notify::file-list", G_CALLBACK (on_share_file_list),
                           self, 0);
  on_share_file_list (self->share, NULL, self);
  self->responder = burrow_search_responder_new (self->search_router, self->share);

  self->download_dir = burrow_database_dup_setting (self->database, "download-dir");
  self->download_queue = burrow_download_queue_new (self->database, error);
  if (self->download_queue == NULL)
    return NULL;
  self->pool = burrow_peer_pool_new ();
  self->transfers = burrow_transfer_manager_new (self->download_queue,
                                                 BURROW_PEER_DIALER (self->connector), self->pool,
                                                 self->search_router,
                                                 burrow_identity_get_cid (self->identity));
  burrow_transfer_manager_show_uploads (self->transfers, self->uploads);

  /* the rest of what the last run left: slots, port and mode (which may start listening) */
  {
    guint value;

    if (load_uint_setting (self, "slots", 1000, &value))
      burrow_client_set_slots (self, value);
    if (load_uint_setting (self, "port", G_MAXUINT16, &value))
      self->port = (guint16) value;
    for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
      if (load_uint_setting (self, mapping_settings[m], 1, &value))
        self->mapping_off[m] = value != 0;
    /* automatic unless the user chose otherwise */
    burrow_client_set_mode (self, load_uint_setting (self, "mode", BURROW_CONNECTION_MODE_AUTO, &value)
                                  ? (BurrowConnectionMode) value : BURROW_CONNECTION_MODE_AUTO);
  }

  return g_steal_pointer (&self);
}

const gchar *
burrow_client_get_data_dir (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->data_dir;
}

/**
 * burrow_client_get_identity:
 *
 * Returns: (transfer none): our identity
 */
BurrowIdentity *
burrow_client_get_identity (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->identity;
}

/**
 * burrow_client_get_database:
 *
 * Returns: (transfer none): the engine's database
 */
BurrowDatabase *
burrow_client_get_database (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->database;
}

/**
 * burrow_client_get_favorite_hubs:
 *
 * Returns: (transfer none): the saved hubs (a #GListModel of #BurrowFavoriteHub)
 */
BurrowFavoriteHubs *
burrow_client_get_favorite_hubs (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->favorite_hubs;
}

/**
 * burrow_client_get_public_hubs:
 *
 * Returns: (transfer none): the public hub lists (a #GListModel of #BurrowPublicHub), empty
 *   until refreshed
 */
BurrowPublicHubs *
burrow_client_get_public_hubs (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->public_hubs;
}

/**
 * burrow_client_get_hubs:
 *
 * Returns: (transfer none): the hub sessions (#BurrowHubSession)
 */
GListModel *
burrow_client_get_hubs (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return G_LIST_MODEL (self->hubs);
}

/**
 * burrow_client_add_hub:
 * @uri: the hub's address
 *
 * Creates a session for @uri with our identity and settings; connect it with
 * burrow_hub_session_connect().
 *
 * Returns: (transfer none): the session, or %NULL with @error set
 */
BurrowHubSession *
burrow_client_add_hub (BurrowClient  *self,
                       const gchar   *uri,
                       GError       **error)
{
  BurrowHubSession *session;

  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  session = burrow_hub_list_add (self->hubs, uri, error);
  return session;
}

void
burrow_client_remove_hub (BurrowClient     *self,
                          BurrowHubSession *session)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));

  burrow_hub_list_remove (self->hubs, session);
}

void
burrow_client_disconnect_all (BurrowClient *self)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));

  burrow_hub_list_disconnect_all (self->hubs);
}

void
burrow_client_set_nick (BurrowClient *self,
                        const gchar  *nick)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (nick != NULL && *nick != '\0');

  if (g_strcmp0 (self->nick, nick) == 0)
    return;
  g_free (self->nick);
  self->nick = g_strdup (nick);
  burrow_database_set_setting (self->database, "nick", nick, NULL);
  burrow_hub_list_set_nick (self->hubs, nick);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NICK]);
}

const gchar *
burrow_client_get_nick (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->nick;
}

void
burrow_client_set_description (BurrowClient *self,
                               const gchar  *description)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));

  if (g_strcmp0 (self->description, description) == 0)
    return;
  g_free (self->description);
  self->description = g_strdup (description);
  burrow_database_set_setting (self->database, "description", description ? description : "", NULL);
  burrow_hub_list_set_description (self->hubs, description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

const gchar *
burrow_client_get_description (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->description;
}

void
burrow_client_set_mode (BurrowClient         *self,
                        BurrowConnectionMode  mode)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (BURROW_IS_CLIENT (self));

  /* the user's choice is kept even when the port cannot be had right now (and a
   * choice of Passive after such a failure is kept too) */
  save_uint_setting (self, "mode", mode);
  if (self->mode == mode)
    return;
  stop_connectivity (self);
  if (!burrow_nat_connector_set_active (self->connector, mode != BURROW_CONNECTION_MODE_PASSIVE,
                                        self->port, &error) &&
      mode == BURROW_CONNECTION_MODE_AUTO && self->port != 0 &&
      burrow_nat_connector_set_active (self->connector, TRUE, 0, NULL))
    {
      /* the port is nobody's choice in automatic mode: another one (kept from now on) will do */
      g_debug ("port %u is taken (%s): automatic mode takes another", self->port, error->message);
      g_clear_error (&error);
      self->port = 0;
    }
  if (error != NULL)
    {
      g_warning ("cannot listen on port %u: %s", self->port, error->message);
      mode = BURROW_CONNECTION_MODE_PASSIVE;
      if (self->mode == mode)
        return;
    }
  self->mode = mode;
  if (mode == BURROW_CONNECTION_MODE_AUTO)
    {
      /* one port for good: a mapping on the router stays valid across runs */
      if (self->port == 0)
        {
          self->port = burrow_nat_connector_get_port (self->connector);
          save_uint_setting (self, "port", self->port);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
        }
      burrow_nat_connector_set_advertised (self->connector, FALSE, 0);
      start_connectivity (self);
    }
  else
    {
      connectivity_changed (self);
      burrow_hub_list_set_mode (self->hubs, mode);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

BurrowConnectionMode
burrow_client_get_mode (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), BURROW_CONNECTION_MODE_PASSIVE);
  return self->mode;
}

/**
 * burrow_client_get_download_queue:
 *
 * Returns: (transfer none): the persistent download queue (a #GListModel of #BurrowQueueItem)
 */
BurrowDownloadQueue *
burrow_client_get_download_queue (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->download_queue;
}

/**
 * burrow_client_get_transfer_manager:
 *
 * Returns: (transfer none): what runs the queue (signals for finished and failed downloads)
 */
BurrowTransferManager *
burrow_client_get_transfer_manager (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->transfers;
}

/**
 * burrow_client_get_upload_service:
 *
 * Returns: (transfer none): what serves uploads (slots, caps, the file list)
 */
BurrowUploadService *
burrow_client_get_upload_service (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->uploads;
}

/**
 * burrow_client_get_transfers:
 *
 * Returns: (transfer none): the running transfers (a #GListModel of #BurrowTransfer)
 */
GListModel *
burrow_client_get_transfers (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return burrow_transfer_manager_get_transfers (self->transfers);
}

/**
 * burrow_client_get_download_dir:
 *
 * Returns: where downloads go: the stored setting, else the XDG download
 *   folder (else ~/Downloads)
 */
const gchar *
burrow_client_get_download_dir (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);

  if (self->download_dir == NULL || *self->download_dir == '\0')
    {
      const gchar *xdg = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

      g_free (self->download_dir);
      self->download_dir = xdg ? g_strdup (xdg) : g_build_filename (g_get_home_dir (), "Downloads", NULL);
    }
  return self->download_dir;
}

/**
 * burrow_client_set_download_dir:
 * @dir: (nullable): an absolute folder; %NULL for the default
 */
void
burrow_client_set_download_dir (BurrowClient *self,
                                const gchar  *dir)
{
  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (dir == NULL || g_path_is_absolute (dir));

  if (g_strcmp0 (self->download_dir, dir) == 0)
    return;
  g_free (self->download_dir);
  self->download_dir = g_strdup (dir);
  burrow_database_set_setting (self->database, "download-dir", dir ? dir : "", NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_DIR]);
}

/**
 * burrow_client_get_welcome_done:
 *
 * Returns: %TRUE once the user finished or skipped the welcome of the first start with this
 *   data directory
 */
gboolean
burrow_client_get_welcome_done (BurrowClient *self)
{
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (BURROW_IS_CLIENT (self), FALSE);

  text = burrow_database_dup_setting (self->database, "welcome-done");
  return g_strcmp0 (text, "1") == 0;
}

/**
 * burrow_client_set_welcome_done:
 * @done: whether the welcome was finished or skipped
 *
 * Remembers in the database whether the welcome is behind us, so that the next start with
 * the same data directory does not show it again.
 */
void
burrow_client_set_welcome_done (BurrowClient *self,
                                gboolean      done)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (BURROW_IS_CLIENT (self));

  if (!burrow_database_set_setting (self->database, "welcome-done", done ? "1" : "0", &error))
    g_warning ("cannot save the setting welcome-done: %s", error->message);
}

/* ---- browsing a peer's file list ------------------------------------------------------------ */


/* A file list being fetched. */
typedef struct
{
  BurrowHubSession     *session;
  BurrowUser           *user;
  BurrowPeerConnection *peer;    /* kept alive until the list is in */
  GBytes               *list;    /* as received (files.xml.bz2) */
} BrowseData;

static BrowseData *
browse_data_new (BurrowHubSession *session,
                 BurrowUser       *user)
{
  BrowseData *b = g_new0 (BrowseData, 1);

  b->session = g_object_ref (session);
  b->user = g_object_ref (user);
  return b;
}

static void
browse_data_free (gpointer data)
{
  BrowseData *b = data;

  g_clear_object (&b->session);
  g_clear_object (&b->user);
  g_clear_object (&b->peer);
  g_clear_pointer (&b->list, g_bytes_unref);
  g_free (b);
}

static void
on_browse_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  BurrowFileTree *tree;

  tree = burrow_file_list_load_finish (result, NULL, NULL, &error);
  if (tree == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, error->domain, error->code,
                                 _("The file list is not valid: %s"), error->message);
      return;
    }
  g_task_return_pointer (task, tree, (GDestroyNotify) burrow_file_tree_unref);
}

static void
on_browse_list_received (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  BurrowFileListLimits limits = burrow_file_list_limits_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  list = burrow_peer_connection_get_file_list_finish (peer, result, &error);
  if (list != NULL && !burrow_peer_connection_is_closed (peer))
    {
      /* kept for a download from this user: a second connection between the same hub ports
       * could not be made while this one lives */
      BurrowClient *self = g_task_get_source_object (task);
      BrowseData *b = g_task_get_task_data (task);

      /* by the user's id: NMDC peers have no CID */
      burrow_peer_pool_keep (self->pool, burrow_user_get_id (b->user), g_object_ref (peer));
    }
  else
    burrow_peer_connection_close (peer);
  if (list == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  ((BrowseData *) g_task_get_task_data (task))->list = g_bytes_ref (list);
  /* Decompressing and parsing (up to millions of entries) run in worker threads. */
  burrow_file_list_load_async (NULL, list, TRUE, &limits, cancellable, on_browse_loaded,
                               g_steal_pointer (&task));
}

static void
on_browse_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  peer = burrow_nat_connector_connect_finish (BURROW_NAT_CONNECTOR (source), result, NULL, &error);
  if (peer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      burrow_peer_connection_close (peer);
      return;
    }
  if (!burrow_peer_connection_can_download (peer))
    {
      /* NMDC: the `$Direction` exchange made us the uploader on it */
      burrow_peer_connection_close (peer);
      g_task_return_new_error (task, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED,
                               _("%s wants to download on this connection: it cannot serve us"),
                               burrow_user_get_nick (((BrowseData *) g_task_get_task_data (task))->user));
      return;
    }
  /* The task keeps the connection alive until the list is in. */
  ((BrowseData *) g_task_get_task_data (task))->peer = g_object_ref (peer);
  burrow_peer_connection_get_file_list_async (peer, cancellable, on_browse_list_received,
                                              g_steal_pointer (&task));
}

static void
on_browse_borrowed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BurrowClient *self = g_task_get_source_object (task);
  BrowseData *b = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;

  b->peer = burrow_peer_pool_borrow_finish (BURROW_PEER_POOL (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (b->peer != NULL)
    {
      burrow_peer_connection_get_file_list_async (b->peer, cancellable, on_browse_list_received,
                                                  g_steal_pointer (&task));
      return;
    }
  burrow_nat_connector_connect_async (self->connector, b->session,
                                      b->user, cancellable, on_browse_connected,
                                      g_steal_pointer (&task));
}

/**
 * burrow_client_browse_async:
 * @session: the hub where @user is
 * @user: a user of @session
 * @cancellable: (nullable): cancels the connection, the transfer and the parsing
 *
 * Gets @user's full file list: over a connection a download has to @user (idle, or borrowed
 * between two requests of a running download: between two passive users it is the only one
 * possible), else connects through the client's #BurrowNatConnector (direct, reverse or NAT
 * traversal); downloads files.xml.bz2, then decompresses and parses it in worker threads with
 * burrow_file_list_limits_default(). The main context is never blocked by the parsing,
 * whatever the size of the list.
 */
void
burrow_client_browse_async (BurrowClient        *self,
                            BurrowHubSession    *session,
                            BurrowUser          *user,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));
  g_return_if_fail (BURROW_IS_USER (user));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_client_browse_async);
  g_task_set_task_data (task, browse_data_new (session, user), browse_data_free);

  /* a download's connection to the user, if any (idle, or between two of its requests) */
  burrow_peer_pool_borrow_async (self->pool, burrow_user_get_id (user), cancellable,
                                 on_browse_borrowed, g_steal_pointer (&task));
}

/**
 * burrow_client_browse_finish:
 * @list: (out) (optional) (transfer full): the list as received (files.xml.bz2), when it
 *   parsed
 *
 * Returns: (transfer full): the user's list, a finished tree whose root is the list's root,
 *   or %NULL with @error set (the connector's, the peer connection's, a #BURROW_SHARE_ERROR
 *   for a list that is not valid or over the limits, or %G_IO_ERROR_CANCELLED)
 */
BurrowFileTree *
burrow_client_browse_finish (BurrowClient  *self,
                             GAsyncResult  *result,
                             GBytes       **list,
                             GError       **error)
{
  BurrowFileTree *tree;

  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (list != NULL)
    *list = NULL;
  tree = g_task_propagate_pointer (G_TASK (result), error);
  if (tree != NULL && list != NULL)
    {
      BrowseData *b = g_task_get_task_data (G_TASK (result));

      *list = b->list != NULL ? g_bytes_ref (b->list) : NULL;
    }
  return tree;
}

/**
 * burrow_client_download_node:
 * @node: a file or folder of a user's file list (burrow_client_browse_finish())
 * @target_dir: (nullable): where to save; %NULL for the download folder
 * @user_id: the source (burrow_user_get_id())
 * @hub_uri: the hub the source is on
 * @nick: the source's nick, for display
 *
 * Queues @node (a file, or every file under a folder, keeping the folder's layout) from
 * @user_id and wakes the transfer manager: what "Download" does in a file list, the same
 * for the app and burrow-cli. A connection the browse left to @user_id is used first.
 *
 * Returns: (transfer container) (element-type BurrowQueueItem): the items queued (empty
 *   for an empty folder), or %NULL with @error set (%BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE
 *   for a file the list gives without a TTH, or the queue's error)
 */
GPtrArray *
burrow_client_download_node (BurrowClient          *self,
                             const BurrowFileNode  *node,
                             const gchar           *target_dir,
                             const gchar           *user_id,
                             const gchar           *hub_uri,
                             const gchar           *nick,
                             GError               **error)
{
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (target_dir == NULL)
    target_dir = burrow_client_get_download_dir (self);
  if (node->is_dir)
    items = burrow_download_queue_add_folder (self->download_queue, node, target_dir, user_id,
                                              hub_uri, nick, error);
  else if (!node->has_tth)
    {
      g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                   _("%s's list has no TTH for “%s”"), nick, node->name);
      return NULL;
    }
  else
    {
      g_autofree gchar *tth = burrow_base32_encode (node->tth, BURROW_TTH_SIZE);
      BurrowQueueItem *item = burrow_download_queue_add_file (self->download_queue, tth, node->size,
                                                              node->name, target_dir, user_id,
                                                              hub_uri, nick, error);
      if (item != NULL)
        {
          items = g_ptr_array_new_with_free_func (g_object_unref);
          g_ptr_array_add (items, item);
        }
    }
  if (items != NULL && items->len > 0)
    burrow_transfer_manager_kick (self->transfers);
  return g_steal_pointer (&items);
}

/**
 * burrow_client_new_search:
 * @query: a TTH (39 base32 characters) or keywords separated by white space
 *   (a keyword starting with '-' excludes)
 * @filter: (nullable): type and size limits
 *
 * A search on the engine's hubs; send it with burrow_search_start().
 *
 * Returns: (transfer full): the search
 */
BurrowSearch *
burrow_client_new_search (BurrowClient             *self,
                          const gchar              *query,
                          const BurrowSearchFilter *filter)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return burrow_search_new (self->search_router, query, filter);
}

/**
 * burrow_client_get_search_router:
 *
 * Returns: (transfer none): where searches go out and results come in
 */
BurrowSearchRouter *
burrow_client_get_search_router (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  return self->search_router;
}

