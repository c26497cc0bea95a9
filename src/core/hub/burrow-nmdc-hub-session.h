/* burrow-nmdc-hub-session.h — a connection to an NMDC hub (dchub://, nmdc://, nmdcs://)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-hub-session.h"
#include "burrow-nmdc.h"

G_BEGIN_DECLS

#define BURROW_TYPE_NMDC_HUB_SESSION (burrow_nmdc_hub_session_get_type ())

G_DECLARE_FINAL_TYPE (BurrowNmdcHubSession, burrow_nmdc_hub_session, BURROW, NMDC_HUB_SESSION,
                      BurrowHubSession)

#define BURROW_NMDC_LOGIN_TIMEOUT_MS     (60 * 1000)
/* Our $MyINFO goes out again only when it changed, and at most this often: Verlihub drops a
 * change within 60 s of the last one, PtokaX relays one every 30 min anyway (NMDC.md §1.4). */
#define BURROW_NMDC_MYINFO_INTERVAL_MS   (61 * 1000)
/* Searches wait in a per-hub queue of at most this many, one sent per interval. */
#define BURROW_NMDC_MAX_QUEUED_SEARCHES  32
/* Our recent searches, remembered to match $SR results (NMDC results carry no token). */
#define BURROW_NMDC_MAX_RECENT_SEARCHES  16
/* A user listed only in $NickList/$OpList/$BotList: at most this many without $MyINFO. */
#define BURROW_NMDC_USER_ID_PREFIX       "nmdc:"

/* The protocol-neutral id of NMDC user @nick on the hub at @host:@port
 * ("nmdc:<host>:<port>/<nick>"; an IPv6 host in brackets). */
gchar    *burrow_nmdc_user_id                          (const gchar          *host,
                                                        guint16               port,
                                                        const gchar          *nick);

/* The minimum time between two searches sent to this hub, in ms. 0 (the default) means "as the
 * hub software allows" (Verlihub 32 s, or 48 s passive; PtokaX 12 s; others 10 s). Tests with a
 * relaxed hub set it lower. */
void      burrow_nmdc_hub_session_set_search_interval  (BurrowNmdcHubSession *self,
                                                        guint                 interval_ms);
guint     burrow_nmdc_hub_session_get_search_interval  (BurrowNmdcHubSession *self);
/* Searches waiting for their turn. */
guint     burrow_nmdc_hub_session_get_n_queued_searches (BurrowNmdcHubSession *self);
/* Test hook: the minimum time between two $MyINFO updates (default
 * BURROW_NMDC_MYINFO_INTERVAL_MS). */
void      burrow_nmdc_hub_session_set_myinfo_interval  (BurrowNmdcHubSession *self,
                                                        guint                 interval_ms);
/* Whether the hub echoed @feature in its $Supports. */
gboolean  burrow_nmdc_hub_session_hub_supports         (BurrowNmdcHubSession *self,
                                                        const gchar          *feature);
/* The address the hub reports for us ($UserIP), or NULL. */
const gchar *burrow_nmdc_hub_session_get_own_ip        (BurrowNmdcHubSession *self);

G_END_DECLS
