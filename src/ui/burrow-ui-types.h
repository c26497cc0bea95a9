/* burrow-ui-types.h
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Forward declarations of every UI type, so headers need not include each other. */
typedef struct _BurrowApplication    BurrowApplication;
typedef struct _BurrowChatRow        BurrowChatRow;
typedef struct _BurrowChatView       BurrowChatView;
typedef struct _BurrowConnectivityPage BurrowConnectivityPage;
typedef struct _BurrowEncodingEntry  BurrowEncodingEntry;
typedef struct _BurrowFavoriteDialog BurrowFavoriteDialog;
typedef struct _BurrowHubPage        BurrowHubPage;
typedef struct _BurrowHubsPage       BurrowHubsPage;
typedef struct _BurrowNotifier       BurrowNotifier;
typedef struct _BurrowPreferencesWindow BurrowPreferencesWindow;
typedef struct _BurrowSearchPage     BurrowSearchPage;
typedef struct _BurrowTransfersPage  BurrowTransfersPage;
typedef struct _BurrowUserList       BurrowUserList;
typedef struct _BurrowWindow         BurrowWindow;

G_END_DECLS
