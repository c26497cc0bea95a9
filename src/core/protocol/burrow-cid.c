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

/* Oldest libgcrypt we accept at run time. */
#define BURROW_GCRYPT_MIN_VERSION "1.8.0"

/* Initialises libgcrypt once per process (it is only used for its random
 * generator; Tiger is burrow-tiger.c's own). */
static void
gcrypt_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      if (gcry_check_version (BURROW_GCRYPT_MIN_VERSION) == NULL)
        g_error ("libgcrypt %s is older than the required %s",
                 gcry_check_version (NULL), BURROW_GCRYPT_MIN_VERSION);

      /* Nobody else in the process finished the initialisation: we are the
       * application as far as libgcrypt is concerned. We keep no secrets in
       * libgcrypt's memory, so no secure memory pool is needed. */
      if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
        {
          gcry_control (GCRYCTL_DISABLE_SECMEM, 0);
          gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
        }

      g_once_init_leave (&initialised, 1);
    }
}

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
  gcrypt_init ();
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
