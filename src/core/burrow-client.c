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
#include "burrow-tth.h"

#include "burrow-client.h"
#include "burrow-connector-dialer.h"

struct _BurrowClient
{
  GObject               parent_instance;

  /* owned */
  gchar                *data_dir;
  BurrowDatabase       *database;
  BurrowIdentity       *identity;
  BurrowFavoriteHubs   *favorite_hubs;
  GListStore           *hubs;
  gchar                *nick;
  gchar                *description;
  BurrowNatConnector   *connector;
  BurrowPeerDialer     *dialer;        /* over the connector */
  BurrowPeerPool       *pool;          /* idle peer connections */
  BurrowUploadService  *uploads;       /* what we serve, slots and caps */
  BurrowShare          *share;
  BurrowDownloadQueue  *download_queue;
  BurrowTransferManager *transfers;
  gchar                *download_dir;

  BurrowConnectionMode  mode;
  guint16               port;          /* wanted port in active mode, 0 = any */
};

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_IDENTITY,
  PROP_HUBS,
  PROP_NICK,
  PROP_DESCRIPTION,
  PROP_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowClient, burrow_client, G_TYPE_OBJECT)

static void
burrow_client_dispose (GObject *object)
{
  BurrowClient *self = BURROW_CLIENT (object);

  g_clear_object (&self->transfers);
  g_clear_object (&self->pool);
  g_clear_object (&self->download_queue);
  g_clear_object (&self->share);
  if (self->hubs != NULL)
    burrow_client_disconnect_all (self);
  g_clear_object (&self->hubs);
  g_clear_object (&self->dialer);
  g_clear_object (&self->connector);
  /* after the connector: its connections close through the service's slot function */
  g_clear_object (&self->uploads);
  g_clear_object (&self->favorite_hubs);
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
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_client_init (BurrowClient *self)
{
  self->hubs = g_list_store_new (BURROW_TYPE_HUB_SESSION);
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

typedef void (*SessionSetter) (BurrowHubSession *session, gconstpointer value);
static void for_each_session (BurrowClient *self, SessionSetter setter, gconstpointer value);
static void set_session_port (BurrowHubSession *session, gconstpointer value);

/**
 * burrow_client_set_file_list:
 * @tree: (nullable): what we share; %NULL for nothing
 *
 * Generates the file list peers download from us.
 */
gboolean
burrow_client_set_file_list (BurrowClient    *self,
                             BurrowFileTree  *tree,
                             GError         **error)
{
  g_autoptr(BurrowFileTree) empty = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autofree gchar *generator = g_strdup_printf ("Burrow %s", PACKAGE_VERSION);

  g_return_val_if_fail (BURROW_IS_CLIENT (self), FALSE);

  if (tree == NULL)
    {
      tree = empty = burrow_file_tree_new ();
      burrow_file_tree_finish (empty);
    }
  xml = burrow_file_list_generate (tree, burrow_identity_get_cid (self->identity), generator, "/",
                                   TRUE, error);
  if (xml == NULL)
    return FALSE;
  compressed = burrow_file_list_compress (xml, error);
  if (compressed == NULL)
    return FALSE;
  burrow_upload_service_set_file_list (self->uploads, compressed);
  return TRUE;
}

/**
 * burrow_client_set_file_list_bytes:
 * @compressed: a files.xml.bz2 generated elsewhere (the share's worker thread)
 *
 * Serves @compressed as our file list.
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

/* What each hub's INF says about our share and slots. */
static void
update_share_info (BurrowClient     *self,
                   BurrowHubSession *only)
{
  guint64 size = self->share ? burrow_share_get_total_size (self->share) : 0;
  guint64 files = self->share ? burrow_share_get_n_files (self->share) : 0;
  guint slots = burrow_upload_service_get_slots (self->uploads);
  guint slots_used = burrow_upload_service_get_slots_used (self->uploads);
  guint free_slots = slots > slots_used ? slots - slots_used : 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  if (only != NULL)
    {
      burrow_hub_session_set_share_info (only, size, files, slots, free_slots);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);
      burrow_hub_session_set_share_info (session, size, files, slots, free_slots);
    }
}

static void
on_share_changed (BurrowShare  *share,
                  BurrowClient *self)
{
  /* (the upload service makes its partial lists anew itself) */
  update_share_info (self, NULL);
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
  burrow_upload_service_set_slots (self->uploads, slots);
  update_share_info (self, NULL);
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
  return burrow_upload_service_get_slots (self->uploads);
}

guint
burrow_client_get_slots_used (BurrowClient *self)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), 0);
  return burrow_upload_service_get_slots_used (self->uploads);
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

  self->port = port;
  if (self->mode != BURROW_CONNECTION_MODE_ACTIVE)
    return TRUE;
  if (!burrow_nat_connector_set_active (self->connector, TRUE, port, error))
    return FALSE;
  for_each_session (self, set_session_port,
                    GUINT_TO_POINTER (burrow_nat_connector_get_port (self->connector)));
  return TRUE;
}

/* The transfer manager's alternate-source searches (until searches take the router). */
static BurrowSearch *
client_search_func (const gchar *tth,
                    gpointer     user_data)
{
  return burrow_search_new (user_data, tth, NULL);
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

  self->nick = burrow_database_dup_setting (self->database, "nick");
  if (self->nick == NULL)
    self->nick = default_nick ();
  self->description = burrow_database_dup_setting (self->database, "description");

  self->connector = burrow_nat_connector_new (self->identity);
  self->dialer = burrow_connector_dialer_new (self->connector, G_LIST_MODEL (self->hubs));
  self->uploads = burrow_upload_service_new (self->dialer,
                                             burrow_identity_get_cid (self->identity));
  if (!burrow_client_set_file_list (self, NULL, error))
    return NULL;

  /* Until the first scan finishes, serve the list the last run left behind
   * (written atomically by the share, so it is whole or absent). */
  {
    g_autofree gchar *cached_path = g_build_filename (self->data_dir, "files.xml.bz2", NULL);
    g_autofree gchar *cached = NULL;
    gsize cached_len = 0;

    if (g_file_get_contents (cached_path, &cached, &cached_len, NULL) && cached_len > 0)
      {
        g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&cached), cached_len);
        burrow_client_set_file_list_bytes (self, bytes);
      }
  }

  self->share = burrow_share_new (self, error);
  if (self->share == NULL)
    return NULL;
  g_signal_connect_object (self->share, "changed", G_CALLBACK (on_share_changed), self, 0);
  burrow_upload_service_set_share (self->uploads, self->share);

  self->download_dir = burrow_database_dup_setting (self->database, "download-dir");
  self->download_queue = burrow_download_queue_new (self->database, error);
  if (self->download_queue == NULL)
    return NULL;
  self->pool = burrow_peer_pool_new ();
  self->transfers = burrow_transfer_manager_new (self->download_queue, self->dialer, self->pool,
                                                 NULL, burrow_identity_get_cid (self->identity));
  burrow_transfer_manager_show_uploads (self->transfers, self->uploads);
  burrow_transfer_manager_set_search_func (self->transfers, client_search_func, self);

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
  g_autoptr(BurrowHubSession) session = NULL;

  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  session = burrow_hub_session_new (uri, error);
  if (session == NULL)
    return NULL;

  _burrow_hub_session_set_context (session, self->identity, self->database);
  burrow_hub_session_set_nick (session, self->nick);
  burrow_hub_session_set_description (session, self->description);
  burrow_hub_session_set_mode (session, self->mode);
  burrow_hub_session_set_port (session, burrow_nat_connector_get_port (self->connector));
  update_share_info (self, session);
  if (BURROW_IS_ADC_HUB_SESSION (session))
    burrow_nat_connector_add_session (self->connector, BURROW_ADC_HUB_SESSION (session));
  g_list_store_append (self->hubs, session);

  return session;
}

void
burrow_client_remove_hub (BurrowClient     *self,
                          BurrowHubSession *session)
{
  guint position;

  g_return_if_fail (BURROW_IS_CLIENT (self));
  g_return_if_fail (BURROW_IS_HUB_SESSION (session));

  burrow_hub_session_disconnect (session);
  if (BURROW_IS_ADC_HUB_SESSION (session))
    burrow_nat_connector_remove_session (self->connector, BURROW_ADC_HUB_SESSION (session));
  if (g_list_store_find (self->hubs, session, &position))
    g_list_store_remove (self->hubs, position);
}

void
burrow_client_disconnect_all (BurrowClient *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);
      burrow_hub_session_disconnect (session);
    }
}

static void
for_each_session (BurrowClient  *self,
                  SessionSetter  setter,
                  gconstpointer  value)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->hubs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowHubSession) session = g_list_model_get_item (G_LIST_MODEL (self->hubs), i);
      setter (session, value);
    }
}

static void
set_session_nick (BurrowHubSession *session, gconstpointer value)
{
  burrow_hub_session_set_nick (session, value);
}

static void
set_session_description (BurrowHubSession *session, gconstpointer value)
{
  burrow_hub_session_set_description (session, value);
}

static void
set_session_mode (BurrowHubSession *session, gconstpointer value)
{
  burrow_hub_session_set_mode (session, GPOINTER_TO_INT (value));
}

static void
set_session_port (BurrowHubSession *session, gconstpointer value)
{
  burrow_hub_session_set_port (session, (guint16) GPOINTER_TO_UINT (value));
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
  for_each_session (self, set_session_nick, nick);
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
  for_each_session (self, set_session_description, description);
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

  if (self->mode == mode)
    return;
  if (!burrow_nat_connector_set_active (self->connector, mode == BURROW_CONNECTION_MODE_ACTIVE,
                                        self->port, &error))
    {
      g_warning ("cannot switch to active mode: %s", error->message);
      mode = BURROW_CONNECTION_MODE_PASSIVE;
      if (self->mode == mode)
        return;
    }
  self->mode = mode;
  for_each_session (self, set_session_port,
                    GUINT_TO_POINTER (burrow_nat_connector_get_port (self->connector)));
  for_each_session (self, set_session_mode, GINT_TO_POINTER (mode));
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

  g_free (self->download_dir);
  self->download_dir = g_strdup (dir);
  burrow_database_set_setting (self->database, "download-dir", dir ? dir : "", NULL);
}

/* ---- browsing a peer's file list ------------------------------------------------------------ */


/* A file list being fetched. */
typedef struct
{
  BurrowHubSession     *session;
  BurrowUser           *user;
  BurrowPeerConnection *peer;    /* kept alive until the list is in */
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

      burrow_peer_pool_keep (self->pool, burrow_peer_connection_get_peer_cid (peer),
                             g_object_ref (peer));
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
  if (!BURROW_IS_ADC_HUB_SESSION (b->session))
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_UNSUPPORTED,
                               _("File lists can only be fetched from users of ADC hubs"));
      return;
    }
  burrow_nat_connector_connect_async (self->connector, BURROW_ADC_HUB_SESSION (b->session),
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
  burrow_peer_pool_borrow_async (self->pool, burrow_user_get_cid (user), cancellable,
                                 on_browse_borrowed, g_steal_pointer (&task));
}

/**
 * burrow_client_browse_finish:
 *
 * Returns: (transfer full): the user's list, a finished tree whose root is the list's root,
 *   or %NULL with @error set (the connector's, the peer connection's, a #BURROW_SHARE_ERROR
 *   for a list that is not valid or over the limits, or %G_IO_ERROR_CANCELLED)
 */
BurrowFileTree *
burrow_client_browse_finish (BurrowClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
