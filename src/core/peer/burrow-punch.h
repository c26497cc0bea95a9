/* burrow-punch.h — a TCP hole punch from our hub port, and the shared listener on that port
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-punch-attempt.h"

G_BEGIN_DECLS

/* Delay between connect() tries after a refusal or an unreachable. */
#define BURROW_NAT_RETRY_MIN_MS         150
#define BURROW_NAT_RETRY_MAX_MS         350

/* The first SYN's hop limit towards an IPv6 peer from the side that starts: it opens our own
 * firewall (normally the first router) and dies before the peer's, which would answer it with
 * a reset; the peer's SYN then gets in as a reply. No NAT, so no measurement: 20/20 in 54 ms
 * through firewalls that reset, 0/20 without (CONNECTIVITY.md §3.4). */
#define BURROW_PUNCH_IPV6_HOP_LIMIT     2

/* The listeners on our hub ports, one per "ip:port", shared by every punch
 * from that port. */
typedef struct _BurrowPunchListeners BurrowPunchListeners;

BurrowPunchListeners *burrow_punch_listeners_new  (void);
void                  burrow_punch_listeners_free (BurrowPunchListeners *listeners);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowPunchListeners, burrow_punch_listeners_free)

typedef struct _BurrowPunch BurrowPunch;

/**
 * BurrowPunchDoneFunc:
 * @punch: the punch
 * @socket: (transfer full) (nullable): the connected socket (non-blocking), or %NULL
 * @error: (nullable): a #BurrowNatError with the diagnosis when @socket is %NULL
 * @data: the user data
 *
 * Called once, from the main context, unless the punch is freed first. The
 * punch may be freed from inside.
 */
typedef void (*BurrowPunchDoneFunc) (BurrowPunch  *punch,
                                     GSocket      *socket,
                                     const GError *error,
                                     gpointer      data);

BurrowPunch *burrow_punch_new             (BurrowPunchListeners *listeners,
                                           GInetAddress         *local_ip,
                                           guint16               local_port,
                                           GInetAddress         *remote_ip,
                                           const gchar          *peer_name,
                                           BurrowPunchAttempt   *attempt,
                                           BurrowPunchDoneFunc   done,
                                           gpointer              data);
void         burrow_punch_set_remote_ip   (BurrowPunch          *punch,
                                           GInetAddress         *remote_ip);
void         burrow_punch_start           (BurrowPunch          *punch,
                                           guint16               remote_port,
                                           guint                 ttl,
                                           guint                 window_ms);
void         burrow_punch_free            (BurrowPunch          *punch);
guint16      burrow_punch_get_local_port  (BurrowPunch          *punch);

/* What the punch saw (the diagnosis is built from these). */
guint        burrow_punch_get_n_tries       (BurrowPunch        *punch);
guint        burrow_punch_get_n_refused     (BurrowPunch        *punch);
guint        burrow_punch_get_n_unreachable (BurrowPunch        *punch);
guint        burrow_punch_get_n_wrong_port  (BurrowPunch        *punch);

GSocket     *burrow_punch_bind_socket     (GInetAddress         *local_ip,
                                           guint16               local_port,
                                           GError              **error);
void         burrow_punch_set_nodelay     (GSocket              *socket);
const gchar *burrow_punch_error_class     (const GError         *error);

G_END_DECLS
