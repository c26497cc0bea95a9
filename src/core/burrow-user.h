/* burrow-user.h — a user on a hub, with the fields of its INF
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_USER (burrow_user_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUser, burrow_user, BURROW, USER, GObject)

/**
 * BurrowUserMode:
 * @BURROW_USER_MODE_PASSIVE: cannot accept connections and has no NAT traversal
 * @BURROW_USER_MODE_ACTIVE: accepts incoming TCP connections
 * @BURROW_USER_MODE_NAT_TRAVERSAL: passive, but can be reached by NAT traversal
 */
typedef enum
{
  BURROW_USER_MODE_PASSIVE,
  BURROW_USER_MODE_ACTIVE,
  BURROW_USER_MODE_NAT_TRAVERSAL,
} BurrowUserMode;

BurrowUser     *burrow_user_new                (guint32           sid);
gboolean        burrow_user_apply_inf          (BurrowUser       *self,
                                                BurrowAdcMessage *inf,
                                                gboolean          notify);
guint32         burrow_user_get_sid            (BurrowUser       *self);
const gchar    *burrow_user_get_cid            (BurrowUser       *self);
const gchar    *burrow_user_get_nick           (BurrowUser       *self);
const gchar    *burrow_user_get_description    (BurrowUser       *self);
const gchar    *burrow_user_get_email          (BurrowUser       *self);
const gchar    *burrow_user_get_client         (BurrowUser       *self);
const gchar    *burrow_user_get_ip4            (BurrowUser       *self);
const gchar    *burrow_user_get_ip6            (BurrowUser       *self);
guint           burrow_user_get_udp4_port      (BurrowUser       *self);
const gchar    *burrow_user_get_features       (BurrowUser       *self);
const gchar    *burrow_user_get_keyprint       (BurrowUser       *self);
guint64         burrow_user_get_share_size     (BurrowUser       *self);
guint64         burrow_user_get_shared_files   (BurrowUser       *self);
guint           burrow_user_get_slots          (BurrowUser       *self);
guint           burrow_user_get_free_slots     (BurrowUser       *self);
guint           burrow_user_get_hubs_normal    (BurrowUser       *self);
guint           burrow_user_get_hubs_registered (BurrowUser      *self);
guint           burrow_user_get_hubs_operator  (BurrowUser       *self);
guint           burrow_user_get_client_type    (BurrowUser       *self);
guint           burrow_user_get_away           (BurrowUser       *self);
gboolean        burrow_user_is_operator        (BurrowUser       *self);
gboolean        burrow_user_is_bot             (BurrowUser       *self);
gboolean        burrow_user_is_hub             (BurrowUser       *self);
gboolean        burrow_user_has_feature        (BurrowUser       *self,
                                                const gchar      *feature);
gboolean        burrow_user_is_active          (BurrowUser       *self);
gboolean        burrow_user_supports_nat_traversal (BurrowUser   *self);
gboolean        burrow_user_supports_tls       (BurrowUser       *self);
BurrowUserMode  burrow_user_get_mode           (BurrowUser       *self);

G_END_DECLS
