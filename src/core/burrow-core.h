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
#include "burrow-hash-store.h"
#include "burrow-hasher.h"
#include "burrow-tls.h"
#include "burrow-identity.h"
#include "burrow-user.h"
#include "burrow-chat-message.h"
#include "burrow-hub-session.h"
#include "burrow-adc-hub-session.h"
#include "burrow-client.h"
#include "burrow-file-tree.h"
#include "burrow-file-list.h"
#include "burrow-favorite-hub.h"
#include "burrow-favorite-hubs.h"
#include "burrow-json.h"
#include "burrow-punch-attempt.h"
#include "burrow-listener.h"
#include "burrow-peer-connection.h"
#include "burrow-path-probe.h"
#include "burrow-nat-connector.h"
#include "burrow-search-index.h"
#include "burrow-search-responder.h"
#include "burrow-search-result.h"
#include "burrow-search.h"
#include "burrow-share.h"
#include "burrow-download-queue.h"
#include "burrow-transfer.h"
#include "burrow-transfer-manager.h"
