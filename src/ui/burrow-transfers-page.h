/* burrow-transfers-page.h — active transfers, the download queue and finished downloads
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

#define BURROW_TYPE_TRANSFERS_PAGE (burrow_transfers_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowTransfersPage, burrow_transfers_page, BURROW, TRANSFERS_PAGE, GtkWidget)

GtkWidget       *burrow_transfers_page_new                 (void);
void             burrow_transfers_page_set_client          (BurrowTransfersPage *self,
                                                            BurrowClient        *client);
BurrowClient    *burrow_transfers_page_get_client          (BurrowTransfersPage *self);
GListModel      *burrow_transfers_page_get_transfers       (BurrowTransfersPage *self);
GListModel      *burrow_transfers_page_get_queue           (BurrowTransfersPage *self);
GListModel      *burrow_transfers_page_get_finished        (BurrowTransfersPage *self);
BurrowQueueItem *burrow_transfers_page_get_selected        (BurrowTransfersPage *self);
gboolean         burrow_transfers_page_select              (BurrowTransfersPage *self,
                                                            BurrowQueueItem     *item);
char            *burrow_transfers_page_dup_transfer_text   (BurrowTransfersPage *self,
                                                            BurrowTransfer      *transfer);
char            *burrow_transfers_page_dup_queue_text      (BurrowTransfersPage *self,
                                                            BurrowQueueItem     *item);

const char      *burrow_transfers_format_method            (BurrowPunchMethod    method);
const char      *burrow_transfers_format_queue_state       (BurrowQueueState     state);
const char      *burrow_transfers_format_priority          (BurrowQueuePriority  priority);
char            *burrow_transfers_format_speed             (guint64              bytes_per_second);
char            *burrow_transfers_format_eta               (gint64               seconds);
char            *burrow_transfers_dup_folder_uri           (BurrowQueueItem     *item);
void             burrow_transfers_open_folder              (BurrowQueueItem     *item,
                                                            GtkWidget           *parent);

G_END_DECLS
