/* burrow-search-router.h — where search results arrive: the hubs and our UDP port
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-hub-list.h"
#include "burrow-search-query.h"

G_BEGIN_DECLS

/* Largest datagram we read (one UDP result, or a few). */
#define BURROW_SEARCH_ROUTER_MAX_DATAGRAM (64 * 1024)

#define BURROW_TYPE_SEARCH_ROUTER (burrow_search_router_get_type ())
G_DECLARE_FINAL_TYPE (BurrowSearchRouter, burrow_search_router, BURROW, SEARCH_ROUTER, GObject)

/**
 * BurrowSearchResultFunc:
 * @session: the hub the answering user is on
 * @from: the user who answered
 * @reply: the result
 * @user_data: what was registered
 *
 * Gets each result whose token a search registered.
 */
typedef void (*BurrowSearchResultFunc) (BurrowHubSession        *session,
                                        BurrowUser              *from,
                                        const BurrowSearchReply *reply,
                                        gpointer                 user_data);

BurrowSearchRouter *burrow_search_router_new            (BurrowHubList          *hubs);
BurrowHubList      *burrow_search_router_get_hubs       (BurrowSearchRouter     *self);
void                burrow_search_router_set_udp_socket (BurrowSearchRouter     *self,
                                                         GSocket                *socket);
GSocket            *burrow_search_router_get_udp_socket (BurrowSearchRouter     *self);
void                burrow_search_router_set_udp6_socket (BurrowSearchRouter    *self,
                                                         GSocket               *socket);
GSocket            *burrow_search_router_get_udp6_socket (BurrowSearchRouter    *self);
gboolean            burrow_search_router_get_active     (BurrowSearchRouter     *self);
void                burrow_search_router_register       (BurrowSearchRouter     *self,
                                                         const gchar            *token,
                                                         BurrowSearchResultFunc  func,
                                                         gpointer                user_data);
void                burrow_search_router_unregister     (BurrowSearchRouter     *self,
                                                         const gchar            *token);
guint               burrow_search_router_send           (BurrowSearchRouter     *self,
                                                         const BurrowSearchQuery *query,
                                                         GError                **error);
guint64             burrow_search_router_get_n_forged   (BurrowSearchRouter     *self,
                                                         const gchar            *token);

G_END_DECLS
