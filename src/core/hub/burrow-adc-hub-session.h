/* burrow-adc-hub-session.h — the ADC (and ADCS) hub protocol
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-adc-message.h"
#include "burrow-hub-session.h"

G_BEGIN_DECLS

#define BURROW_TYPE_ADC_HUB_SESSION (burrow_adc_hub_session_get_type ())

G_DECLARE_FINAL_TYPE (BurrowAdcHubSession, burrow_adc_hub_session, BURROW, ADC_HUB_SESSION,
                      BurrowHubSession)

/* Login must complete within this time after the TCP connection is up. */
#define BURROW_ADC_LOGIN_TIMEOUT_MS   (30 * 1000)
/* What a hub may announce before ISID (PROTOCOL state): distinct features (a
 * hub has a dozen; ADC defines fewer than 30) and ISUP lines (uhub sends one).
 * Beyond either the login fails with BURROW_HUB_ERROR_PROTOCOL. */
#define BURROW_ADC_MAX_HUB_FEATURES   64
#define BURROW_ADC_MAX_SUP_LINES      16
/* HBRI (AirDC++): validations of our other address family per hub connection (a hub asks
 * once; a second covers a retry), and how long one may take (AirDC++ allows 10 s) */
#define BURROW_ADC_MAX_HBRI_VALIDATIONS 2
#define BURROW_ADC_HBRI_TIMEOUT_MS      10000
/* Most messages of one flood class waiting to be paced out. */
#define BURROW_ADC_MAX_PACED_MESSAGES 256

guint32   burrow_adc_hub_session_get_sid  (BurrowAdcHubSession  *self);
gboolean  burrow_adc_hub_session_send     (BurrowAdcHubSession  *self,
                                           BurrowAdcMessage     *message,
                                           GError              **error);
gsize     burrow_adc_hub_session_get_n_paced (BurrowAdcHubSession *self);

G_END_DECLS
