/* burrow-search-responder.h — answering other users' searches (SCH → RES) from our share
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-search-router.h"
#include "burrow-share.h"

G_BEGIN_DECLS


/* Free slots we announce in results (SL) until the upload side counts them. */
#define BURROW_SEARCH_RESPONDER_DEFAULT_SLOTS 3

/* Searches we look at (token buckets): per searcher (its CID), and in all. Past them a search
 * is dropped unanswered. */
#define BURROW_SEARCH_RESPONDER_USER_BURST    10
#define BURROW_SEARCH_RESPONDER_USER_RATE     2     /* per second */
#define BURROW_SEARCH_RESPONDER_ALL_BURST     200
#define BURROW_SEARCH_RESPONDER_ALL_RATE      100   /* per second */
/* UDP results to one address (the searcher's I4 as the hub relays it): at most this many at
 * once, this many more per second. Past that the results go through the hub, as to a passive
 * searcher: a search cannot aim a stream of datagrams at an address. */
#define BURROW_SEARCH_RESPONDER_UDP_BURST     10
#define BURROW_SEARCH_RESPONDER_UDP_RATE      5     /* datagrams per second */
/* Searchers and addresses remembered; past this the budgets start anew. */
#define BURROW_SEARCH_RESPONDER_BUCKETS_MAX   4096

#define BURROW_TYPE_SEARCH_RESPONDER (burrow_search_responder_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearchResponder, burrow_search_responder, BURROW, SEARCH_RESPONDER,
                      GObject)

BurrowSearchResponder *burrow_search_responder_new            (BurrowSearchRouter    *router,
                                                               BurrowShare           *share);
guint                  burrow_search_responder_get_free_slots (BurrowSearchResponder *self);
void                   burrow_search_responder_set_free_slots (BurrowSearchResponder *self,
                                                               guint                  slots);
guint64                burrow_search_responder_get_n_searches (BurrowSearchResponder *self);
guint64                burrow_search_responder_get_n_results  (BurrowSearchResponder *self);
guint64                burrow_search_responder_get_n_dropped  (BurrowSearchResponder *self);

G_END_DECLS
