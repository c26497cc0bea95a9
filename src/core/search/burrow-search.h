/* burrow-search.h — an outgoing search on every connected hub, with its results
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-search-index.h"
#include "burrow-search-result.h"
#include "burrow-search-router.h"

G_BEGIN_DECLS


/* Results kept per search; later ones are dropped. */
#define BURROW_SEARCH_MAX_RESULTS 1000

/**
 * BurrowSearchFilter:
 * @type: files, directories or both
 * @min_size: smallest size in bytes (GE), 0 for no limit
 * @max_size: largest size in bytes (LE), 0 for no limit
 */
typedef struct
{
  BurrowSearchType type;
  guint64          min_size;
  guint64          max_size;
} BurrowSearchFilter;

#define BURROW_TYPE_SEARCH (burrow_search_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearch, burrow_search, BURROW, SEARCH, GObject)

BurrowSearch *burrow_search_new          (BurrowSearchRouter       *router,
                                          const gchar              *query,
                                          const BurrowSearchFilter *filter);
gboolean      burrow_search_start        (BurrowSearch             *self,
                                          GError                  **error);
void          burrow_search_stop         (BurrowSearch             *self);
GListModel   *burrow_search_get_results  (BurrowSearch             *self);
const gchar  *burrow_search_get_query    (BurrowSearch             *self);
const gchar  *burrow_search_get_token    (BurrowSearch             *self);
gboolean      burrow_search_is_tth       (BurrowSearch             *self);
gboolean      burrow_search_get_running  (BurrowSearch             *self);
guint         burrow_search_get_n_hubs   (BurrowSearch             *self);
guint         burrow_search_get_n_dropped (BurrowSearch            *self);
guint         burrow_search_get_n_forged  (BurrowSearch            *self);

gboolean      burrow_search_query_is_tth (const gchar              *query);

G_END_DECLS
