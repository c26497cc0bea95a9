/* hash-bench.c — BurrowHasher throughput: a big file (1, 2 threads; rhash), many small files
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hash-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* Measures the hasher (threads, reads, store writes, results on the main
 * context), not the bare TTH code (that is tth-bench).
 *
 * Environment:
 *   BURROW_BENCH_DIR          directory for the temporary files (default: new dir in TMPDIR)
 *   BURROW_BENCH_HASH_MIB     size of the big file in MiB (default 2048; at least 64, the
 *                             hasher's split threshold)
 *   BURROW_BENCH_RUNS         runs per contestant on the big file, best counts (default 3)
 *   BURROW_BENCH_SMALL_FILES  number of small files, 1–64 KiB (default 100000; 0 skips)
 *
 * Targets (exit status 1 if missed): hasher with 1 thread at least as fast as
 * `rhash --tth`; 2 threads on the same file at least 1.7× 1 thread. Without
 * rhash the first target is not checked. */

#define CHUNK (1024 * 1024)

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

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len,
           const gchar  *path)
{
  while (len > 0)
    {
      gssize w = write (fd, data, len);

      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        g_error ("cannot write %s: %s", path, g_strerror (errno));
      data += w;
      len -= (gsize) w;
    }
}

static void
write_file (const gchar *path,
            guint64      size,
            guint64      seed)
{
  g_autofree guint64 *buf = g_malloc (CHUNK);
  guint64 x = seed | 1;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    g_error ("cannot create %s: %s", path, g_strerror (errno));

  for (guint64 done = 0; done < size; done += CHUNK)
    {
      gsize n = (gsize) MIN ((guint64) CHUNK, size - done);

      for (gsize i = 0; i < (n + 7) / 8; i++)
        buf[i] = xorshift (&x);
      write_all (fd, (const guint8 *) buf, n, path);
    }

  if (close (fd) != 0)
    g_error ("cannot write %s: %s", path, g_strerror (errno));
}

/* Reads the file once, so that it is in page cache. */
static void
warm (const gchar *path)
{
  g_autofree guint8 *buf = g_malloc (CHUNK);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    g_error ("cannot open %s: %s", path, g_strerror (errno));
  while (read (fd, buf, CHUNK) > 0)
    ;
  close (fd);
}

typedef struct
{
  GMainLoop *loop;
  guint      n_hashed;
  guint      n_failed;
  guint8     last_root[BURROW_TTH_SIZE];
} Run;

static void
on_file_hashed (BurrowHasher *hasher,
                const gchar  *path,
                guint64       size,
                GBytes       *tth,
                Run          *run)
{
  run->n_hashed++;
  memcpy (run->last_root, g_bytes_get_data (tth, NULL), BURROW_TTH_SIZE);
}

static void
on_file_failed (BurrowHasher *hasher,
                const gchar  *path,
                const GError *error,
                Run          *run)
{
  g_printerr ("failed: %s\n", error->message);
  run->n_failed++;
}

static void
on_idle (BurrowHasher *hasher,
         Run          *run)
{
  g_main_loop_quit (run->loop);
}

static BurrowHasher *
make_hasher (BurrowHashStore *store,
             Run             *run)
{
  BurrowHasher *hasher = burrow_hasher_new (store);

  g_signal_connect (hasher, "file-hashed", G_CALLBACK (on_file_hashed), run);
  g_signal_connect (hasher, "file-failed", G_CALLBACK (on_file_failed), run);
  g_signal_connect (hasher, "idle", G_CALLBACK (on_idle), run);
  return hasher;
}

/* Hashes the big file with the hasher; returns the wall time in µs. */
static gint64
hash_big (BurrowHashStore *store,
          const gchar     *path,
          guint64          size,
          guint            threads,
          guint8           root[BURROW_TTH_SIZE],
          guint64         *n_split)
{
  Run run = { g_main_loop_new (NULL, FALSE) };
  g_autoptr(BurrowHasher) hasher = make_hasher (store, &run);
  GStatBuf st;
  gint64 t0;
  gint64 elapsed;

  if (g_stat (path, &st) != 0)
    g_error ("cannot stat %s", path);

  burrow_hasher_set_threads (hasher, threads);
  t0 = g_get_monotonic_time ();
  burrow_hasher_add (hasher, path, size, st.st_mtime, st.st_ino);
  g_main_loop_run (run.loop);
  elapsed = g_get_monotonic_time () - t0;

  if (run.n_hashed != 1 || run.n_failed != 0)
    g_error ("hashing %s failed", path);
  memcpy (root, run.last_root, BURROW_TTH_SIZE);
  *n_split = burrow_hasher_get_n_split (hasher);
  g_main_loop_unref (run.loop);
  return elapsed;
}

static double
mb_per_s (guint64 bytes,
          gint64  usec)
{
  return usec > 0 ? (double) bytes / (double) usec : 0.0;   /* bytes/µs = MB/s */
}

/* 1-minute load average: the figures mean little on a busy machine. */
static double
load_average (void)
{
  g_autofree gchar *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return -1.0;
  return g_ascii_strtod (text, NULL);
}

typedef struct
{
  gchar   *path;
  guint64  size;
  gint64   mtime;
  guint64  inode;
} SmallFile;

int
main (int    argc,
      char **argv)
{
  guint64 size = (guint64) env_uint ("BURROW_BENCH_HASH_MIB", 2048) * 1024 * 1024;
  guint runs = MAX (env_uint ("BURROW_BENCH_RUNS", 3), 1);
  guint n_small = env_uint ("BURROW_BENCH_SMALL_FILES", 100000);
  g_autofree gchar *rhash = g_find_program_in_path ("rhash");
  g_autofree gchar *dir = NULL;
  g_autofree gchar *big = NULL;
  g_autofree gchar *db_path = NULL;
  g_autoptr(BurrowHashStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint8 rhash_root[BURROW_TTH_SIZE];
  guint8 root1[BURROW_TTH_SIZE];
  guint8 root2[BURROW_TTH_SIZE];
  gint64 rhash_best = G_MAXINT64;
  gint64 t1_best = G_MAXINT64;
  gint64 t2_best = G_MAXINT64;
  guint64 n_split = 0;
  double rhash_mbs = 0, t1_mbs, t2_mbs, ratio_rhash = 0, ratio_2t;
  double small_fps = 0, small_mbs = 0, multi_fps = 0, multi_mbs = 0;
  guint64 small_bytes = 0;
  gint64 small_usec = 0;
  gint64 multi_usec = 0;
  gboolean ok = TRUE;
  double load_start = load_average ();

  (void) argc;
  (void) argv;
  setvbuf (stdout, NULL, _IOLBF, 0);
  burrow_tiger_init ();

  if (g_getenv ("BURROW_BENCH_DIR") != NULL)
    {
      dir = g_build_filename (g_getenv ("BURROW_BENCH_DIR"), "burrow-hash-bench", NULL);
      g_mkdir_with_parents (dir, 0700);
    }
  else
    {
      dir = g_dir_make_tmp ("burrow-hash-bench-XXXXXX", &error);
      if (dir == NULL)
        g_error ("cannot make a temporary directory: %s", error->message);
    }
  big = g_build_filename (dir, "big.bin", NULL);
  db_path = g_build_filename (dir, "burrow.db", NULL);
  store = burrow_hash_store_open (db_path, &error);
  if (store == NULL)
    g_error ("%s", error->message);

  g_print ("dir: %s; big file %" G_GUINT64_FORMAT " MiB, best of %u runs; %u small files; "
           "%u processors\n", dir, size / (1024 * 1024), runs, n_small, g_get_num_processors ());

  /* ---- one big file in page cache ---- */
  write_file (big, size, G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  warm (big);

  for (guint r = 0; r < runs; r++)
    {
      gint64 t;

      if (rhash != NULL)
        {
          t = g_get_monotonic_time ();
          if (!burrow_test_rhash_tth (rhash, big, rhash_root))
            ok = FALSE;
          rhash_best = MIN (rhash_best, g_get_monotonic_time () - t);
        }
      t1_best = MIN (t1_best, hash_big (store, big, size, 1, root1, &n_split));
      if (n_split != 0)
        g_error ("one thread split the file");
      t2_best = MIN (t2_best, hash_big (store, big, size, 2, root2, &n_split));
      if (n_split != 1)
        g_error ("two threads did not split the file");
    }

  if (memcmp (root1, root2, BURROW_TTH_SIZE) != 0)
    {
      g_print ("ROOTS DIFFER between 1 and 2 threads\n");
      ok = FALSE;
    }
  if (rhash != NULL && memcmp (root1, rhash_root, BURROW_TTH_SIZE) != 0)
    {
      g_print ("ROOTS DIFFER between Burrow and rhash\n");
      ok = FALSE;
    }

  t1_mbs = mb_per_s (size, t1_best);
  t2_mbs = mb_per_s (size, t2_best);
  ratio_2t = t1_mbs > 0 ? t2_mbs / t1_mbs : 0;
  if (rhash != NULL)
    {
      rhash_mbs = mb_per_s (size, rhash_best);
      ratio_rhash = rhash_mbs > 0 ? t1_mbs / rhash_mbs : 0;
    }
  g_unlink (big);

  /* ---- many small files ---- */
  if (n_small > 0)
    {
      g_autofree gchar *small_dir = g_build_filename (dir, "small", NULL);
      g_autofree guint8 *buf = g_malloc (64 * 1024);
      GArray *files = g_array_sized_new (FALSE, FALSE, sizeof (SmallFile), n_small);
      Run run = { g_main_loop_new (NULL, FALSE) };
      g_autoptr(BurrowHasher) hasher = make_hasher (store, &run);
      guint64 x = 12345;
      gint64 t;

      g_print ("writing %u small files...\n", n_small);
      for (guint i = 0; i < n_small; i++)
        {
          g_autofree gchar *sub = g_strdup_printf ("%s/d%03u", small_dir, i / 1000);
          g_autofree gchar *name = g_strdup_printf ("f%06u.bin", i);
          SmallFile f;
          GStatBuf st;
          gsize len = 1024 + (gsize) (xorshift (&x) % (63 * 1024 + 1));
          int fd;

          if (i % 1000 == 0)
            g_mkdir_with_parents (sub, 0700);
          f.path = g_build_filename (sub, name, NULL);
          for (gsize k = 0; k < len; k += 8)
            {
              guint64 v = xorshift (&x);

              memcpy (buf + k, &v, MIN ((gsize) 8, len - k));
            }
          fd = g_open (f.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
          if (fd < 0)
            g_error ("cannot create %s: %s", f.path, g_strerror (errno));
          write_all (fd, buf, len, f.path);
          close (fd);
          if (g_stat (f.path, &st) != 0)
            g_error ("cannot stat %s", f.path);
          f.size = len;
          f.mtime = st.st_mtime;
          f.inode = st.st_ino;
          g_array_append_val (files, f);
          small_bytes += len;
        }
      /* Written just now, so in page cache (sync the dirty pages first). */
      sync ();

      t = g_get_monotonic_time ();
      for (guint i = 0; i < n_small; i++)
        {
          SmallFile *f = &g_array_index (files, SmallFile, i);

          burrow_hasher_add (hasher, f->path, f->size, f->mtime, f->inode);
        }
      g_main_loop_run (run.loop);
      small_usec = g_get_monotonic_time () - t;

      if (run.n_hashed != n_small || run.n_failed != 0)
        {
          g_print ("small files: %u hashed, %u failed of %u\n", run.n_hashed, run.n_failed,
                   n_small);
          ok = FALSE;
        }
      /* Spot check against the in-memory TTH. */
      for (guint i = 0; i < n_small; i += n_small / 10 + 1)
        {
          SmallFile *f = &g_array_index (files, SmallFile, i);
          g_autofree gchar *data = NULL;
          gsize len;
          guint8 expected[BURROW_TTH_SIZE];
          guint8 stored[BURROW_TTH_SIZE];

          if (!g_file_get_contents (f->path, &data, &len, NULL))
            g_error ("cannot read %s", f->path);
          burrow_tth_buffer (data, len, expected);
          if (!burrow_hash_store_lookup (store, f->path, f->size, f->mtime, stored)
              || memcmp (stored, expected, BURROW_TTH_SIZE) != 0)
            {
              g_print ("small file %s: wrong or missing TTH\n", f->path);
              ok = FALSE;
            }
        }

      small_fps = small_usec > 0 ? (double) n_small * G_USEC_PER_SEC / (double) small_usec : 0;
      small_mbs = mb_per_s (small_bytes, small_usec);

      /* Informational: as many streams on the disk as threads (SSD, page cache). */
      burrow_hasher_set_streams_per_disk (hasher, g_get_num_processors ());
      run.n_hashed = 0;
      t = g_get_monotonic_time ();
      for (guint i = 0; i < n_small; i++)
        {
          SmallFile *f = &g_array_index (files, SmallFile, i);

          burrow_hasher_add (hasher, f->path, f->size, f->mtime, f->inode);
        }
      g_main_loop_run (run.loop);
      multi_usec = g_get_monotonic_time () - t;
      if (run.n_hashed != n_small || run.n_failed != 0)
        ok = FALSE;
      multi_fps = multi_usec > 0 ? (double) n_small * G_USEC_PER_SEC / (double) multi_usec : 0;
      multi_mbs = mb_per_s (small_bytes, multi_usec);

      for (guint i = 0; i < files->len; i++)
        g_free (g_array_index (files, SmallFile, i).path);
      g_array_unref (files);
      g_main_loop_unref (run.loop);
      g_clear_object (&hasher);
      burrow_test_remove_tree (small_dir);
    }

  /* ---- report ---- */
  g_print ("\nload average: %.2f at start, %.2f at end (%u processors)\n",
           load_start, load_average (), g_get_num_processors ());
  g_print ("%-28s %10s %10s\n", "contestant (big file)", "MB/s", "seconds");
  if (rhash != NULL)
    g_print ("%-28s %10.1f %10.3f\n", "rhash --tth", rhash_mbs, rhash_best / 1e6);
  g_print ("%-28s %10.1f %10.3f\n", "BurrowHasher threads=1", t1_mbs, t1_best / 1e6);
  g_print ("%-28s %10.1f %10.3f\n", "BurrowHasher threads=2", t2_mbs, t2_best / 1e6);
  if (rhash != NULL)
    g_print ("ratio 1 thread / rhash:      %.3f (target >= 1.0)%s\n", ratio_rhash,
             ratio_rhash >= 1.0 ? "" : "  MISSED");
  g_print ("ratio 2 threads / 1 thread:  %.3f (target >= 1.7)%s\n", ratio_2t,
           ratio_2t >= 1.7 ? "" : "  MISSED");
  if (n_small > 0)
    g_print ("small files: %u files, %.1f MiB in %.3f s: %.0f files/s, %.1f MB/s "
             "(threads=%u, streams-per-disk=1)\n",
             n_small, small_bytes / 1048576.0, small_usec / 1e6, small_fps, small_mbs,
             g_get_num_processors ());
  if (n_small > 0)
    g_print ("small files, streams-per-disk=%u (informational): %.3f s: %.0f files/s, "
             "%.1f MB/s\n", g_get_num_processors (), multi_usec / 1e6, multi_fps, multi_mbs);

  g_print ("JSON {\"bench\":\"hash\",\"big_mib\":%" G_GUINT64_FORMAT ",\"runs\":%u,"
           "\"rhash_mbs\":%.1f,\"burrow_1t_mbs\":%.1f,\"burrow_2t_mbs\":%.1f,"
           "\"ratio_1t_rhash\":%.3f,\"ratio_2t_1t\":%.3f,\"small_files\":%u,"
           "\"small_bytes\":%" G_GUINT64_FORMAT ",\"small_files_per_s\":%.0f,"
           "\"small_mbs\":%.1f,\"small_multi_stream_files_per_s\":%.0f,\"load_start\":%.2f,"
           "\"load_end\":%.2f,\"roots_ok\":%s}\n",
           size / (1024 * 1024), runs, rhash_mbs, t1_mbs, t2_mbs, ratio_rhash, ratio_2t,
           n_small, small_bytes, small_fps, small_mbs, multi_fps, load_start, load_average (),
           ok ? "true" : "false");

  g_clear_object (&store);
  burrow_test_remove_tree (dir);

  if (!ok)
    return 1;
  if (ratio_2t < 1.7 || (rhash != NULL && ratio_rhash < 1.0))
    return 1;
  return 0;
}
