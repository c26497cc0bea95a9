/* burrow-search-result.h — one result of an outgoing search
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BURROW_TYPE_SEARCH_RESULT (burrow_search_result_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearchResult, burrow_search_result, BURROW, SEARCH_RESULT, GObject)

BurrowSearchResult *burrow_search_result_new              (const gchar        *nick,
                                                           const gchar        *hub,
                                                           const gchar        *cid,
                                                           const gchar        *path,
                                                           guint64             size,
                                                           const gchar        *tth,
                                                           guint               slots,
                                                           gboolean            is_directory);
const gchar        *burrow_search_result_get_nick         (BurrowSearchResult *self);
const gchar        *burrow_search_result_get_hub          (BurrowSearchResult *self);
const gchar        *burrow_search_result_get_cid          (BurrowSearchResult *self);
const gchar        *burrow_search_result_get_path         (BurrowSearchResult *self);
const gchar        *burrow_search_result_get_name         (BurrowSearchResult *self);
guint64             burrow_search_result_get_size         (BurrowSearchResult *self);
const gchar        *burrow_search_result_get_tth          (BurrowSearchResult *self);
guint               burrow_search_result_get_slots        (BurrowSearchResult *self);
gboolean            burrow_search_result_get_is_directory (BurrowSearchResult *self);

G_END_DECLS
