/* burrow-search-responder.h — answering other users' searches (SCH → RES) from our share
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _BurrowClient BurrowClient;
typedef struct _BurrowShare  BurrowShare;

/* Free slots we announce in results (SL) until the upload side counts them. */
#define BURROW_SEARCH_RESPONDER_DEFAULT_SLOTS 3

#define BURROW_TYPE_SEARCH_RESPONDER (burrow_search_responder_get_type ())

G_DECLARE_FINAL_TYPE (BurrowSearchResponder, burrow_search_responder, BURROW, SEARCH_RESPONDER,
                      GObject)

BurrowSearchResponder *burrow_search_responder_new            (BurrowClient          *client,
                                                               BurrowShare           *share);
guint                  burrow_search_responder_get_free_slots (BurrowSearchResponder *self);
void                   burrow_search_responder_set_free_slots (BurrowSearchResponder *self,
                                                               guint                  slots);
guint64                burrow_search_responder_get_n_searches (BurrowSearchResponder *self);
guint64                burrow_search_responder_get_n_results  (BurrowSearchResponder *self);

G_END_DECLS
