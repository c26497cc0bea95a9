/* soak-ids.c — fresh ADC identities for the soak test's simulated peers
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints N lines "PID CID" (base32), each CID the Tiger hash of its PID as the
 * core computes it (uhub checks that), so the Python peers need no Tiger code.
 *
 * Usage: soak-ids N
 */

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "burrow-core.h"

#define SOAK_IDS_MAX 100000

int
main (int   argc,
      char *argv[])
{
  guint64 n = 0;

  if (argc != 2 || !g_ascii_string_to_unsigned (argv[1], 10, 1, SOAK_IDS_MAX, &n, NULL))
    {
      fprintf (stderr, "usage: soak-ids N (1..%d)\n", SOAK_IDS_MAX);
      return 2;
    }
  for (guint64 i = 0; i < n; i++)
    {
      guint8 pid[BURROW_PID_SIZE];
      guint8 cid[BURROW_CID_SIZE];
      g_autofree gchar *pid32 = NULL;
      g_autofree gchar *cid32 = NULL;

      burrow_pid_generate (pid);
      burrow_cid_from_pid (pid, cid);
      pid32 = burrow_base32_encode (pid, sizeof pid);
      cid32 = burrow_base32_encode (cid, sizeof cid);
      printf ("%s %s\n", pid32, cid32);
    }
  return fflush (stdout) == 0 ? 0 : 1;
}
