/* share-bench.c — BurrowShare: full scan + hash of many small files, then a no-change rescan
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "share-bench"

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "burrow-core.h"

/* A share of many small files (1–64 KiB, random sizes, 1000 per directory):
 *  1. add the root and wait until the share is idle: scan, hash everything,
 *     rebuild the tree and write files.xml.bz2 (files per second);
 *  2. a rescan without changes (the periodic rescan's cost): the walk, the
 *     store read and the digest comparison;
 *  3. the same with a new client on the same data dir (nothing re-hashed).
 *
 * Environment:
 *   BURROW_BENCH_DIR          directory for the temporary files (default: new dir in TMPDIR)
 *   BURROW_BENCH_SHARE_FILES  number of files (default 100000)
 *   BURROW_BENCH_RESCAN_MS    target for the no-change rescan (default 2000)
 *
 * Exit status 1 if a no-change rescan takes longer than the target, if
 * anything is re-hashed, or if files are missing. */

static guint
env_uint (const gchar *name,
          guint        fallback)
{
  const gchar *value = g_getenv (name);
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &n, NULL))
    return fallback;
  return (guint) n;
}

static guint64
xorshift (guint64 *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static gboolean
wait_idle (BurrowShare *share,
           guint        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (burrow_share_get_busy (share))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static void
remove_all (const gchar *dir)
{
  const gchar *rm[] = { "rm", "-rf", dir, NULL };

  g_spawn_sync (NULL, (gchar **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Refreshes and waits; returns the wall time in µs. */
static gint64
rescan (BurrowShare *share)
{
  gint64 t = g_get_monotonic_time ();

  burrow_share_refresh (share);
  if (!wait_idle (share, 600))
    return -1;
  return g_get_monotonic_time () - t;
}

int
main (int   argc,
      char *argv[])
{
  guint n_files = env_uint ("BURROW_BENCH_SHARE_FILES", 100000);
  guint target_ms = env_uint ("BURROW_BENCH_RESCAN_MS", 2000);
  const gchar *base = g_getenv ("BURROW_BENCH_DIR");
  g_autofree gchar *dir = NULL;
  g_autofree gchar *root = NULL;
  g_autofree gchar *data_dir = NULL;
  g_autofree gchar *buf = g_malloc (64 * 1024);
  g_autoptr(GError) error = NULL;
  BurrowClient *client;
  BurrowShare *share;
  guint64 seed = 0x9e3779b97f4a7c15ull;
  guint64 bytes = 0;
  gint64 t, full_us, rescan_us, rescan2_us, restart_us;
  gboolean ok = TRUE;

  if (base != NULL)
    dir = g_build_filename (base, "burrow-share-bench", NULL);
  else
    dir = g_dir_make_tmp ("burrow-share-bench-XXXXXX", &error);
  g_assert_no_error (error);
  root = g_build_filename (dir, "Share", NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  g_mkdir_with_parents (root, 0755);

  for (guint i = 0; i < 64 * 1024; i++)
    buf[i] = (gchar) xorshift (&seed);

  g_print ("dir: %s; %u files of 1-64 KiB; %u processors\n", dir, n_files, g_get_num_processors ());
  t = g_get_monotonic_time ();
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree gchar *sub = g_strdup_printf ("%s/d%03u", root, i / 1000);
      g_autofree gchar *path = g_strdup_printf ("%s/file-%06u.bin", sub, i);
      gsize len = 1024 + xorshift (&seed) % (63 * 1024 + 1);
      int fd;

      if (i % 1000 == 0)
        g_mkdir (sub, 0755);
      /* make every file distinct */
      memcpy (buf, &i, sizeof i);
      fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0 || write (fd, buf, len) != (gssize) len)
        g_error ("cannot write %s", path);
      close (fd);
      bytes += len;
    }
  g_print ("written %" G_GUINT64_FORMAT " MiB in %.1f s\n", bytes >> 20,
           (g_get_monotonic_time () - t) / 1e6);

  client = burrow_client_new (data_dir, &error);
  g_assert_no_error (error);
  share = burrow_client_get_share (client);

  /* 1. full scan + hash + list */
  t = g_get_monotonic_time ();
  if (!burrow_share_add_root (share, root, NULL, &error))
    g_error ("%s", error->message);
  if (!wait_idle (share, 3600))
    g_error ("the share did not finish");
  full_us = g_get_monotonic_time () - t;
  g_print ("full scan + hash: %u files, %" G_GUINT64_FORMAT " MiB in %.2f s: %.0f files/s, "
           "%.1f MB/s\n",
           burrow_share_get_n_files (share), bytes >> 20, full_us / 1e6,
           burrow_share_get_n_files (share) / (full_us / 1e6), bytes / 1e6 / (full_us / 1e6));
  if (burrow_share_get_n_files (share) != n_files)
    {
      g_print ("FAIL: %u files shared, %u expected\n", burrow_share_get_n_files (share), n_files);
      ok = FALSE;
    }

  /* 2. no-change rescans (the second one has a warm page cache for sure) */
  rescan_us = rescan (share);
  rescan2_us = rescan (share);
  g_print ("no-change rescan: %.3f s, again %.3f s (scan itself: %.3f s; target %.3f s)\n",
           rescan_us / 1e6, rescan2_us / 1e6, burrow_share_get_last_scan_us (share) / 1e6,
           target_ms / 1e3);
  if (rescan_us < 0 || rescan2_us < 0 || MIN (rescan_us, rescan2_us) > (gint64) target_ms * 1000)
    {
      g_print ("FAIL: the no-change rescan is slower than %u ms\n", target_ms);
      ok = FALSE;
    }
  if (burrow_share_get_n_queued (share) != n_files)
    {
      g_print ("FAIL: %u files queued for hashing, %u expected\n",
               burrow_share_get_n_queued (share), n_files);
      ok = FALSE;
    }
  g_object_unref (client);

  /* 3. restart: a new engine on the same data dir */
  client = burrow_client_new (data_dir, &error);
  g_assert_no_error (error);
  share = burrow_client_get_share (client);
  restart_us = rescan (share);
  g_print ("after restart: first scan %.3f s, %u files, %u re-hashed\n", restart_us / 1e6,
           burrow_share_get_n_files (share), burrow_share_get_n_queued (share));
  if (burrow_share_get_n_queued (share) != 0 || burrow_share_get_n_files (share) != n_files)
    {
      g_print ("FAIL: files were hashed again after a restart\n");
      ok = FALSE;
    }
  g_object_unref (client);

  remove_all (dir);
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
