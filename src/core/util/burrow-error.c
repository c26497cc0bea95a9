/* burrow-error.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "burrow-error.h"

G_DEFINE_QUARK (burrow-protocol-error-quark, burrow_protocol_error)
G_DEFINE_QUARK (burrow-hub-error-quark, burrow_hub_error)
G_DEFINE_QUARK (burrow-nat-error-quark, burrow_nat_error)
G_DEFINE_QUARK (burrow-share-error-quark, burrow_share_error)
G_DEFINE_QUARK (burrow-transfer-error-quark, burrow_transfer_error)
G_DEFINE_QUARK (burrow-connectivity-error-quark, burrow_connectivity_error)
