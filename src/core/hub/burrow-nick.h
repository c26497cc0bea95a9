/* burrow-nick.h — what makes a nick usable on both ADC and NMDC hubs
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest nick, in characters. NMDC hubs commonly refuse longer ones. */
#define BURROW_NICK_MAX_CHARS 64

gboolean burrow_nick_validate (const gchar  *nick,
                               GError      **error);

G_END_DECLS
