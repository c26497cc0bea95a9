/* burrow-core.h — umbrella header of the Burrow engine (no GTK)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-types.h"
#include "burrow-enums.h"
#include "burrow-error.h"
#include "burrow-base32.h"
#include "burrow-tiger.h"
#include "burrow-tth.h"
#include "burrow-cid.h"
#include "burrow-adc-message.h"
#include "burrow-hub-uri.h"
#include "burrow-magnet.h"
#include "burrow-line-channel.h"
#include "burrow-database.h"
#include "burrow-tls.h"
#include "burrow-identity.h"
#include "burrow-user.h"
#include "burrow-chat-message.h"
#include "burrow-hub-session.h"
#include "burrow-adc-hub-session.h"
#include "burrow-client.h"
