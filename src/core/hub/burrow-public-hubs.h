/* burrow-public-hubs.h — the public hub lists: fetched, cached, merged into one list model
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"
#include "burrow-public-hub.h"

G_BEGIN_DECLS

/* Seconds a list server may stay silent before its download fails. */
#define BURROW_PUBLIC_HUBS_TIMEOUT_S 30
/* Seconds a whole download may take (a server dripping bytes is stopped here). */
#define BURROW_PUBLIC_HUBS_DEADLINE_S 120

/**
 * BurrowPublicHubSource:
 * @url: the list's address
 * @n_hubs: hubs it gave (before merging)
 * @n_skipped: entries left out (not a hub address)
 * @fetched: when the list shown was downloaded (Unix time), 0 if there is none
 * @from_cache: the download failed and the cached copy is shown
 * @error: (nullable): why the download failed (with or without a cached copy)
 *
 * How one list server fared in the last refresh.
 */
typedef struct
{
  gchar    *url;
  guint     n_hubs;
  guint     n_skipped;
  gint64    fetched;
  gboolean  from_cache;
  GError   *error;
} BurrowPublicHubSource;

#define BURROW_TYPE_PUBLIC_HUBS (burrow_public_hubs_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPublicHubs, burrow_public_hubs, BURROW, PUBLIC_HUBS, GObject)

BurrowPublicHubs    *burrow_public_hubs_new                  (BurrowDatabase       *database);
const gchar * const *burrow_public_hubs_get_default_servers  (void);
void                 burrow_public_hubs_set_timeouts         (BurrowPublicHubs     *self,
                                                              guint                 silence_s,
                                                              guint                 deadline_s);
GStrv                burrow_public_hubs_dup_servers          (BurrowPublicHubs     *self);
gboolean             burrow_public_hubs_set_servers          (BurrowPublicHubs     *self,
                                                              const gchar * const  *servers,
                                                              GError              **error);
void                 burrow_public_hubs_refresh_async        (BurrowPublicHubs     *self,
                                                              const gchar * const  *urls,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
gboolean             burrow_public_hubs_refresh_finish       (BurrowPublicHubs     *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
GPtrArray           *burrow_public_hubs_get_sources          (BurrowPublicHubs     *self);

G_END_DECLS
