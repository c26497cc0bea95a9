/* burrow-adc-hub-session-private.h — test hooks of the ADC hub session
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-adc-hub-session.h"

G_BEGIN_DECLS

/* Returns the connection to the hub (transfer full), or NULL with @error set. */
typedef GIOStream *(*BurrowAdcStreamFunc) (BurrowAdcHubSession  *session,
                                           gpointer              user_data,
                                           GError              **error);

void _burrow_adc_hub_session_set_stream_func (BurrowAdcHubSession *self,
                                              BurrowAdcStreamFunc  func,
                                              gpointer             user_data);

G_END_DECLS
