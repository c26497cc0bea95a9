/* burrow-search-index.h — answering searches over a file tree: TTH and name-token indexes
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-file-tree.h"
#include "burrow-search-query.h"
#include "burrow-types.h"

G_BEGIN_DECLS

/* Most results per incoming search (ADC RES): by UDP to an active searcher,
 * through the hub to a passive one. */
#define BURROW_SEARCH_MAX_RESULTS_ACTIVE  10
#define BURROW_SEARCH_MAX_RESULTS_PASSIVE 5
/* Most entries one search looks at. Anyone on a hub may search, and a search
 * that matches almost nothing ("ANshare NOshare", a rare extension alone)
 * would otherwise check every entry of the share, on the main thread; this
 * bounds it to tens of milliseconds. Entries past it are not found. */
#define BURROW_SEARCH_MAX_VISITS          250000

typedef struct _BurrowSearchIndex BurrowSearchIndex;

#define BURROW_TYPE_SEARCH_INDEX (burrow_search_index_get_type ())

GType              burrow_search_index_get_type      (void) G_GNUC_CONST;
BurrowSearchIndex *burrow_search_index_new           (BurrowFileTree         *tree);
BurrowSearchIndex *burrow_search_index_ref           (BurrowSearchIndex      *index);
void               burrow_search_index_unref         (BurrowSearchIndex      *index);
BurrowFileTree    *burrow_search_index_get_tree      (BurrowSearchIndex      *index);
guint              burrow_search_index_get_n_tokens  (BurrowSearchIndex      *index);
BurrowFileNode    *burrow_search_index_lookup_tth    (BurrowSearchIndex      *index,
                                                      const guint8           *tth);
guint              burrow_search_index_search        (BurrowSearchIndex      *index,
                                                      const BurrowSearchQuery *query,
                                                      guint                   max_results,
                                                      GPtrArray              *results);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowSearchIndex, burrow_search_index_unref)

G_END_DECLS
