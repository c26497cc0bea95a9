/* burrow-public-hub-model.h — the public hubs sorted by a column and filtered by a text, as one
 * GListModel for the Public Hubs page
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"

G_BEGIN_DECLS

typedef enum
{
  BURROW_PUBLIC_HUB_COLUMN_NAME,
  BURROW_PUBLIC_HUB_COLUMN_DESCRIPTION,
  BURROW_PUBLIC_HUB_COLUMN_USERS,
  BURROW_PUBLIC_HUB_COLUMN_SHARED,
  BURROW_PUBLIC_HUB_COLUMN_COUNTRY,
  BURROW_PUBLIC_HUB_COLUMN_PROTOCOL,
  BURROW_PUBLIC_HUB_COLUMN_MIN_SHARE,
  BURROW_PUBLIC_HUB_COLUMN_MIN_SLOTS,
  BURROW_PUBLIC_HUB_COLUMN_RELIABILITY,
  BURROW_PUBLIC_HUB_N_COLUMNS
} BurrowPublicHubColumn;

#define BURROW_TYPE_PUBLIC_HUB_ROW (burrow_public_hub_row_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPublicHubRow, burrow_public_hub_row, BURROW, PUBLIC_HUB_ROW, GObject)

BurrowPublicHub      *burrow_public_hub_row_get_hub      (BurrowPublicHubRow    *self);

#define BURROW_TYPE_PUBLIC_HUB_MODEL (burrow_public_hub_model_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPublicHubModel, burrow_public_hub_model, BURROW, PUBLIC_HUB_MODEL,
                      GObject)

BurrowPublicHubModel *burrow_public_hub_model_new        (void);
void                  burrow_public_hub_model_set_source (BurrowPublicHubModel  *self,
                                                          GListModel            *source);
void                  burrow_public_hub_model_set_sort   (BurrowPublicHubModel  *self,
                                                          BurrowPublicHubColumn  column,
                                                          GtkSortType            direction);
void                  burrow_public_hub_model_set_filter (BurrowPublicHubModel  *self,
                                                          const char            *text);
guint                 burrow_public_hub_model_get_n_total (BurrowPublicHubModel *self);

G_END_DECLS
