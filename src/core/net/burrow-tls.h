/* burrow-tls.h — our TLS identity (self-signed certificate made with gnutls) and keyprints
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void             burrow_tls_init                   (void);
gboolean         burrow_tls_is_available           (void);
GTlsCertificate *burrow_tls_load_or_create         (const gchar      *dir,
                                                    GError          **error);
gchar           *burrow_tls_certificate_keyprint   (GTlsCertificate  *certificate);
gboolean         burrow_tls_keyprint_equal         (const gchar      *a,
                                                    const gchar      *b);

G_END_DECLS
