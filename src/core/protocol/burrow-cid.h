/* burrow-cid.h — ADC private and client identities (PID, CID)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BURROW_CID_SIZE        24
#define BURROW_PID_SIZE        BURROW_CID_SIZE
#define BURROW_CID_BASE32_LEN  39

void  burrow_pid_generate  (guint8        pid[BURROW_PID_SIZE]);
void  burrow_cid_from_pid  (const guint8  pid[BURROW_PID_SIZE],
                            guint8        cid[BURROW_CID_SIZE]);

G_END_DECLS
