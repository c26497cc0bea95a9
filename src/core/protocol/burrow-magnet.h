/* burrow-magnet.h — magnet links for files (TTH) and searches (kt)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-types.h"

G_BEGIN_DECLS

/* Longest magnet link the parser looks at. */
#define BURROW_MAGNET_MAX_LENGTH (64 * 1024)

struct _BurrowMagnet
{
  gchar    *tth;      /* 39 upper-case base32 characters, or NULL */
  guint64   size;     /* xl; meaningful when has_size */
  gboolean  has_size;
  gchar    *name;     /* dn, UTF-8, or NULL */
  gchar    *keywords; /* kt, UTF-8, or NULL */
};

#define BURROW_TYPE_MAGNET (burrow_magnet_get_type ())

GType         burrow_magnet_get_type  (void) G_GNUC_CONST;

BurrowMagnet *burrow_magnet_parse     (const gchar        *uri,
                                       GError            **error);
gchar        *burrow_magnet_build     (const gchar        *tth,
                                       guint64             size,
                                       const gchar        *name);
gchar        *burrow_magnet_to_string (const BurrowMagnet *magnet);
BurrowMagnet *burrow_magnet_copy      (const BurrowMagnet *magnet);
void          burrow_magnet_free      (BurrowMagnet       *magnet);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowMagnet, burrow_magnet_free)

G_END_DECLS
