/* burrow-public-hub.h — one hub of the public hub lists (read-only; see burrow-public-hubs.h)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-hub-list-parser.h"

G_BEGIN_DECLS

#define BURROW_TYPE_PUBLIC_HUB (burrow_public_hub_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPublicHub, burrow_public_hub, BURROW, PUBLIC_HUB, GObject)

/* Takes the strings of @entry (left empty); @source is the list's URL, @fetched when it was
 * downloaded (Unix time). Properties: the getters' names, all read-only. */
BurrowPublicHub   *burrow_public_hub_new_take        (BurrowHubListEntry *entry,
                                                      const gchar        *source,
                                                      gint64              fetched);
const gchar       *burrow_public_hub_get_name        (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_description (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_address     (BurrowPublicHub *self);
BurrowHubProtocol  burrow_public_hub_get_protocol    (BurrowPublicHub *self);
guint              burrow_public_hub_get_users       (BurrowPublicHub *self);
guint64            burrow_public_hub_get_shared      (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_country     (BurrowPublicHub *self);
guint64            burrow_public_hub_get_min_share   (BurrowPublicHub *self);
guint              burrow_public_hub_get_min_slots   (BurrowPublicHub *self);
guint              burrow_public_hub_get_max_hubs    (BurrowPublicHub *self);
guint              burrow_public_hub_get_max_users   (BurrowPublicHub *self);
gdouble            burrow_public_hub_get_reliability (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_rating      (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_encoding    (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_software    (BurrowPublicHub *self);
const gchar       *burrow_public_hub_get_source      (BurrowPublicHub *self);
gint64             burrow_public_hub_get_fetched     (BurrowPublicHub *self);
const gchar       *burrow_public_hub_protocol_name   (BurrowHubProtocol protocol);

G_END_DECLS
