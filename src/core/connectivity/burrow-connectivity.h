/* burrow-connectivity.h — automatic mode: gathers what decides it and says when it changes
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-connectivity-decision.h"
#include "burrow-hub-list.h"
#include "burrow-port-mapper.h"

G_BEGIN_DECLS

#define BURROW_TYPE_CONNECTIVITY (burrow_connectivity_get_type ())

G_DECLARE_FINAL_TYPE (BurrowConnectivity, burrow_connectivity, BURROW, CONNECTIVITY, GObject)

BurrowConnectivity               *burrow_connectivity_new           (BurrowHubList      *hubs,
                                                                     BurrowPortMapper   *mapper);
BurrowPortMapper                 *burrow_connectivity_get_mapper    (BurrowConnectivity *self);
void                              burrow_connectivity_start         (BurrowConnectivity *self);
const BurrowConnectivityDecision *burrow_connectivity_get_decision  (BurrowConnectivity *self,
                                                                     GSocketFamily       family);
void                              burrow_connectivity_set_local_addresses (BurrowConnectivity *self,
                                                                     GPtrArray          *addresses);

void                              burrow_connectivity_note_reached  (BurrowConnectivity *self,
                                                                     GSocketFamily       family);
void                              burrow_connectivity_note_unreached (BurrowConnectivity *self,
                                                                     GSocketFamily       family,
                                                                     const gchar        *peer_id);

GPtrArray                        *burrow_local_addresses            (GSocketFamily       family);
gchar                            *burrow_connectivity_decision_to_json (const BurrowConnectivityDecision *decision);

G_END_DECLS
