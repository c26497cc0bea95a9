/* burrow-listener.h — active mode: accept client-client TCP connections on our port
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BURROW_TYPE_LISTENER (burrow_listener_get_type ())

G_DECLARE_FINAL_TYPE (BurrowListener, burrow_listener, BURROW, LISTENER, GObject)

/* Connections the kernel completes while we have not accepted them yet.
 * GSocketListener's default of 10 is too small: a burst of peers (a search
 * answered by many, or the connections a download queue opens) overflowed
 * it and 6-9 % of back-to-back connects waited for a 1 s SYN retransmit.
 * 128 is the classic SOMAXCONN; the kernel caps it at net.core.somaxconn.
 * Unidentified connections are bounded separately, once accepted
 * (BURROW_NAT_MAX_UNIDENTIFIED). */
#define BURROW_LISTENER_BACKLOG 128

BurrowListener *burrow_listener_new        (void);
gboolean        burrow_listener_start      (BurrowListener  *self,
                                            guint16          port,
                                            GError         **error);
void            burrow_listener_stop       (BurrowListener  *self);
guint16         burrow_listener_get_port   (BurrowListener  *self);
gboolean        burrow_listener_is_running (BurrowListener  *self);
GSocket        *burrow_listener_get_udp_socket (BurrowListener *self);
GSocket        *burrow_listener_get_udp6_socket (BurrowListener *self);

G_END_DECLS
