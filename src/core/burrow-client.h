/* burrow-client.h — the engine root: data dir, identity, settings, hub sessions
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"
#include "burrow-download-queue.h"
#include "burrow-file-tree.h"
#include "burrow-nat-connector.h"
#include "burrow-favorite-hubs.h"
#include "burrow-hub-list.h"
#include "burrow-hub-session.h"
#include "burrow-identity.h"
#include "burrow-public-hubs.h"
#include "burrow-search.h"
#include "burrow-search-responder.h"
#include "burrow-search-router.h"
#include "burrow-share.h"
#include "burrow-transfer-manager.h"

G_BEGIN_DECLS

#define BURROW_TYPE_CLIENT (burrow_client_get_type ())

#define BURROW_CLIENT_DEFAULT_SLOTS BURROW_UPLOAD_DEFAULT_SLOTS

/* The limits of what peers may make us do as an uploader (BURROW_UPLOAD_*) are in
 * burrow-upload-service.h. */

G_DECLARE_FINAL_TYPE (BurrowClient, burrow_client, BURROW, CLIENT, GObject)

BurrowClient     *burrow_client_new             (const gchar          *data_dir,
                                                 GError              **error);
const gchar      *burrow_client_get_data_dir    (BurrowClient         *self);
BurrowIdentity   *burrow_client_get_identity    (BurrowClient         *self);
BurrowDatabase   *burrow_client_get_database    (BurrowClient         *self);
BurrowFavoriteHubs *burrow_client_get_favorite_hubs (BurrowClient       *self);
BurrowPublicHubs *burrow_client_get_public_hubs (BurrowClient         *self);
GListModel       *burrow_client_get_hubs        (BurrowClient         *self);
BurrowHubSession *burrow_client_add_hub         (BurrowClient         *self,
                                                 const gchar          *uri,
                                                 GError              **error);
void              burrow_client_remove_hub      (BurrowClient         *self,
                                                 BurrowHubSession     *session);
void              burrow_client_disconnect_all  (BurrowClient         *self);

void              burrow_client_set_nick        (BurrowClient         *self,
                                                 const gchar          *nick);
const gchar      *burrow_client_get_nick        (BurrowClient         *self);
void              burrow_client_set_description (BurrowClient         *self,
                                                 const gchar          *description);
const gchar      *burrow_client_get_description (BurrowClient         *self);
void              burrow_client_set_mode        (BurrowClient         *self,
                                                 BurrowConnectionMode  mode);
BurrowConnectionMode burrow_client_get_mode     (BurrowClient         *self);

gboolean          burrow_client_set_port        (BurrowClient         *self,
                                                 guint16               port,
                                                 GError              **error);
BurrowNatConnector *burrow_client_get_connector (BurrowClient         *self);
void              burrow_client_set_file_list_bytes (BurrowClient     *self,
                                                 GBytes               *compressed);
BurrowShare      *burrow_client_get_share       (BurrowClient         *self);
BurrowSearchResponder *burrow_client_get_search_responder (BurrowClient *self);
void              burrow_client_set_slots       (BurrowClient         *self,
                                                 guint                 slots);
guint             burrow_client_get_slots       (BurrowClient         *self);
guint             burrow_client_get_slots_used  (BurrowClient         *self);
void              burrow_client_set_upload_idle_timeout (BurrowClient *self,
                                                 guint                 ms);
guint             burrow_client_get_n_upload_connections (BurrowClient *self);
guint64           burrow_client_get_n_lists_generated (BurrowClient   *self);

BurrowDownloadQueue *burrow_client_get_download_queue (BurrowClient   *self);
BurrowTransferManager *burrow_client_get_transfer_manager (BurrowClient *self);
BurrowUploadService *burrow_client_get_upload_service (BurrowClient   *self);
GListModel       *burrow_client_get_transfers   (BurrowClient         *self);
const gchar      *burrow_client_get_download_dir (BurrowClient        *self);
void              burrow_client_set_download_dir (BurrowClient        *self,
                                                 const gchar          *dir);
/* Whether the first-run welcome was completed or skipped (kept in the database). */
gboolean          burrow_client_get_welcome_done (BurrowClient        *self);
void              burrow_client_set_welcome_done (BurrowClient        *self,
                                                 gboolean              done);

/* A peer's full file list: connect (any path the connector knows), fetch files.xml.bz2, parse it
 * in worker threads with the default limits. */
void              burrow_client_browse_async    (BurrowClient         *self,
                                                 BurrowHubSession     *session,
                                                 BurrowUser           *user,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
BurrowFileTree   *burrow_client_browse_finish   (BurrowClient         *self,
                                                 GAsyncResult         *result,
                                                 GBytes              **list,
                                                 GError              **error);
GPtrArray        *burrow_client_download_node   (BurrowClient         *self,
                                                 const BurrowFileNode *node,
                                                 const gchar          *target_dir,
                                                 const gchar          *user_id,
                                                 const gchar          *hub_uri,
                                                 const gchar          *nick,
                                                 GError              **error);

BurrowSearch     *burrow_client_new_search      (BurrowClient         *self,
                                                 const gchar          *query,
                                                 const BurrowSearchFilter *filter);
BurrowSearchRouter *burrow_client_get_search_router (BurrowClient     *self);

gchar            *burrow_client_default_data_dir (void);

G_END_DECLS
