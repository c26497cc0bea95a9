/* burrow-search-hits.h — search results grouped by file (TTH), one row per file with its sources
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-search-result.h"

G_BEGIN_DECLS

#define BURROW_TYPE_SEARCH_HIT (burrow_search_hit_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearchHit, burrow_search_hit, BURROW, SEARCH_HIT, GObject)

const char  *burrow_search_hit_get_name         (BurrowSearchHit   *self);
const char  *burrow_search_hit_get_path         (BurrowSearchHit   *self);
guint64      burrow_search_hit_get_size         (BurrowSearchHit   *self);
const char  *burrow_search_hit_get_tth          (BurrowSearchHit   *self);
gboolean     burrow_search_hit_get_is_directory (BurrowSearchHit   *self);
guint        burrow_search_hit_get_n_sources    (BurrowSearchHit   *self);
guint        burrow_search_hit_get_free_slots   (BurrowSearchHit   *self);
const char  *burrow_search_hit_get_users        (BurrowSearchHit   *self);
GListModel  *burrow_search_hit_get_sources      (BurrowSearchHit   *self);
char        *burrow_search_hit_dup_magnet       (BurrowSearchHit   *self);

#define BURROW_TYPE_SEARCH_MODEL (burrow_search_model_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearchModel, burrow_search_model, BURROW, SEARCH_MODEL, GObject)

BurrowSearchModel *burrow_search_model_new         (GListModel        *results);
GListModel        *burrow_search_model_get_results (BurrowSearchModel *self);
void               burrow_search_model_set_results (BurrowSearchModel *self,
                                                    GListModel        *results);
BurrowSearchHit   *burrow_search_model_lookup_tth  (BurrowSearchModel *self,
                                                    const char        *tth);

G_END_DECLS
