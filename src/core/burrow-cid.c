/* burrow-cid.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-cid"

#include "config.h"

#include <gcrypt.h>
#include <glib.h>

#include "burrow-tiger.h"

#include "burrow-cid.h"

G_STATIC_ASSERT (BURROW_CID_SIZE == BURROW_TIGER_SIZE);

/**
 * burrow_pid_generate:
 * @pid: (out caller-allocates): 24 bytes to fill
 *
 * Makes a new private ID from the operating system's cryptographic random
 * source (through libgcrypt's strong generator). Generate it once and keep it.
 */
void
burrow_pid_generate (guint8 pid[BURROW_PID_SIZE])
{
  burrow_tiger_init ();
  gcry_randomize (pid, BURROW_PID_SIZE, GCRY_STRONG_RANDOM);
}

/**
 * burrow_cid_from_pid:
 * @pid: the 24 raw bytes of a private ID
 * @cid: (out caller-allocates): its client ID, Tiger (@pid)
 *
 * What the hub checks at login: CID = Tiger (raw PID bytes).
 */
void
burrow_cid_from_pid (const guint8 pid[BURROW_PID_SIZE],
                     guint8       cid[BURROW_CID_SIZE])
{
  burrow_tiger (pid, BURROW_PID_SIZE, cid);
}
