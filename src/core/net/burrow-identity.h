/* burrow-identity.h — who we are: PID/CID and TLS certificate, persisted in the data dir
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"

G_BEGIN_DECLS

#define BURROW_TYPE_IDENTITY (burrow_identity_get_type ())

G_DECLARE_FINAL_TYPE (BurrowIdentity, burrow_identity, BURROW, IDENTITY, GObject)

BurrowIdentity  *burrow_identity_load             (BurrowDatabase  *database,
                                                   const gchar     *data_dir,
                                                   GError         **error);
const guint8    *burrow_identity_get_pid_bytes    (BurrowIdentity  *self);
const gchar     *burrow_identity_get_pid          (BurrowIdentity  *self);
const gchar     *burrow_identity_get_cid          (BurrowIdentity  *self);
GTlsCertificate *burrow_identity_get_certificate  (BurrowIdentity  *self);
const gchar     *burrow_identity_get_keyprint     (BurrowIdentity  *self);

G_END_DECLS
