/* burrow-search-page.h — search every connected hub; results grouped by file
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-search-hits.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_SEARCH_PAGE (burrow_search_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearchPage, burrow_search_page, BURROW, SEARCH_PAGE, GtkWidget)

GtkWidget         *burrow_search_page_new          (void);
void               burrow_search_page_set_client   (BurrowSearchPage *self,
                                                    BurrowClient     *client);
BurrowClient      *burrow_search_page_get_client   (BurrowSearchPage *self);
gboolean           burrow_search_page_search       (BurrowSearchPage *self,
                                                    const char       *query);
BurrowSearch      *burrow_search_page_get_search   (BurrowSearchPage *self);
BurrowSearchModel *burrow_search_page_get_hits     (BurrowSearchPage *self);
GListModel        *burrow_search_page_get_model    (BurrowSearchPage *self);
BurrowSearchHit   *burrow_search_page_lookup_tth   (BurrowSearchPage *self,
                                                    const char       *tth);
GtkSearchEntry    *burrow_search_page_get_entry    (BurrowSearchPage *self);
void               burrow_search_page_set_kind     (BurrowSearchPage *self,
                                                    guint             kind);
gboolean           burrow_search_page_download     (BurrowSearchPage *self,
                                                    BurrowSearchHit  *hit);
void               burrow_search_page_show_message (BurrowSearchPage *self,
                                                    const char       *text,
                                                    gboolean          is_error);
const char        *burrow_search_page_get_message  (BurrowSearchPage *self);

G_END_DECLS
