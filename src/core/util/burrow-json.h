/* burrow-json.h — the few JSON helpers the engine and burrow-cli need (output only)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void burrow_json_append_string (GString     *out,
                                const gchar *value);
void burrow_json_append_member (GString     *out,
                                const gchar *name,
                                const gchar *value);

G_END_DECLS
