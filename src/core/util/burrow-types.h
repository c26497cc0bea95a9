/* burrow-types.h — forward declarations of the core's types
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BurrowAdcMessage BurrowAdcMessage;
typedef struct _BurrowHubUri     BurrowHubUri;
typedef struct _BurrowMagnet     BurrowMagnet;
typedef struct _BurrowTthHasher  BurrowTthHasher;
typedef struct _BurrowTthTree    BurrowTthTree;

G_END_DECLS
