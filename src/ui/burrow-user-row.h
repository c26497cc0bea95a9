/* burrow-user-row.h — a row of the user list: a stable object whose user changes
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_USER_ROW (burrow_user_row_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUserRow, burrow_user_row, BURROW, USER_ROW, GObject)

#define BURROW_TYPE_USER_ROWS (burrow_user_rows_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUserRows, burrow_user_rows, BURROW, USER_ROWS, GObject)

BurrowUser     *burrow_user_row_get_user   (BurrowUserRow  *self);

BurrowUserRows *burrow_user_rows_new       (GListModel     *users);

G_END_DECLS
