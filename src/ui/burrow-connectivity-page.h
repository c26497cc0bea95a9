/* burrow-connectivity-page.h — the punch panel: how we reach peers, every attempt step by step
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_CONNECTIVITY_PAGE (burrow_connectivity_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowConnectivityPage, burrow_connectivity_page, BURROW, CONNECTIVITY_PAGE,
                      GtkWidget)

GtkWidget          *burrow_connectivity_page_new                (void);
void                burrow_connectivity_page_set_client         (BurrowConnectivityPage *self,
                                                                 BurrowClient           *client);
BurrowClient       *burrow_connectivity_page_get_client         (BurrowConnectivityPage *self);
const char         *burrow_connectivity_page_get_filter         (BurrowConnectivityPage *self);
void                burrow_connectivity_page_set_filter         (BurrowConnectivityPage *self,
                                                                 const char             *filter);
GListModel         *burrow_connectivity_page_get_model          (BurrowConnectivityPage *self);
GtkColumnView      *burrow_connectivity_page_get_column_view    (BurrowConnectivityPage *self);
BurrowPunchAttempt *burrow_connectivity_page_get_selected       (BurrowConnectivityPage *self);
gboolean            burrow_connectivity_page_select             (BurrowConnectivityPage *self,
                                                                 BurrowPunchAttempt     *attempt);
GtkListBox         *burrow_connectivity_page_get_timeline       (BurrowConnectivityPage *self);
char               *burrow_connectivity_page_dup_timeline_text  (BurrowConnectivityPage *self);
const char         *burrow_connectivity_page_get_diagnosis_text (BurrowConnectivityPage *self);
char               *burrow_connectivity_page_dup_summary_text   (BurrowConnectivityPage *self);
void                burrow_connectivity_page_copy_json          (BurrowConnectivityPage *self);

const char         *burrow_connectivity_format_method           (BurrowPunchMethod       method);
const char         *burrow_connectivity_format_result           (BurrowPunchResult       result);
const char         *burrow_connectivity_format_step_kind        (BurrowPunchStepKind     kind);

G_END_DECLS
