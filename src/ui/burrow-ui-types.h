/* burrow-ui-types.h
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Forward declarations of every UI type, so headers need not include each other. */
typedef struct _BurrowApplication BurrowApplication;
typedef struct _BurrowWindow      BurrowWindow;

G_END_DECLS
