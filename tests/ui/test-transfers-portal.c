/* test-transfers-portal.c — test-transfers.c once more, with libnotify forced onto the
 * notification portal (org.freedesktop.portal.Notification, served by python3-dbusmock) as it
 * is inside Flatpak, while a notification daemon is there too
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-transfers-portal"

#define BURROW_TEST_TRANSFERS_PORTAL 1

#include "test-transfers.c"
