/* burrow-hub-list.h — the hubs we are on: owns the sessions, finds users, fans out settings
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"
#include "burrow-hub-session.h"
#include "burrow-identity.h"

G_BEGIN_DECLS

#define BURROW_TYPE_HUB_LIST (burrow_hub_list_get_type ())
G_DECLARE_FINAL_TYPE (BurrowHubList, burrow_hub_list, BURROW, HUB_LIST, GObject)

BurrowHubList    *burrow_hub_list_new              (BurrowIdentity       *identity,
                                                    BurrowDatabase       *database);
BurrowHubSession *burrow_hub_list_add              (BurrowHubList        *self,
                                                    const gchar          *uri,
                                                    GError              **error);
void              burrow_hub_list_add_session      (BurrowHubList        *self,
                                                    BurrowHubSession     *session);
void              burrow_hub_list_remove           (BurrowHubList        *self,
                                                    BurrowHubSession     *session);
void              burrow_hub_list_disconnect_all   (BurrowHubList        *self);
BurrowUser       *burrow_hub_list_lookup_user      (BurrowHubList        *self,
                                                    const gchar          *user_id,
                                                    const gchar          *hub_uri,
                                                    BurrowHubSession    **session);
guint             burrow_hub_list_get_n_logged_in  (BurrowHubList        *self);
GStrv             burrow_hub_list_dup_own_addresses (BurrowHubList       *self,
                                                    GStrv               *seen_by);

/* What we announce on every hub; a change goes to each session (and the
 * sessions added later start with it). */
void              burrow_hub_list_set_nick         (BurrowHubList        *self,
                                                    const gchar          *nick);
void              burrow_hub_list_set_description  (BurrowHubList        *self,
                                                    const gchar          *description);
void              burrow_hub_list_set_mode         (BurrowHubList        *self,
                                                    BurrowConnectionMode  mode);
void              burrow_hub_list_set_modes        (BurrowHubList        *self,
                                                    BurrowConnectionMode  mode4,
                                                    BurrowConnectionMode  mode6);
BurrowConnectionMode burrow_hub_list_get_mode      (BurrowHubList        *self);
void              burrow_hub_list_set_ports        (BurrowHubList        *self,
                                                    guint16               port4,
                                                    guint16               port6);
void              burrow_hub_list_set_share_info   (BurrowHubList        *self,
                                                    guint64               share_size,
                                                    guint64               shared_files,
                                                    guint                 slots,
                                                    guint                 free_slots);

G_END_DECLS
