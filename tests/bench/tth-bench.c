/* tth-bench.c — TTH throughput of Burrow against `rhash --tth` on a file in page cache
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "tth-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* Environment:
 *   BURROW_BENCH_DIR       directory for the temporary file (default: a new dir in TMPDIR)
 *   BURROW_BENCH_TTH_MIB   file size in MiB (default 2048)
 *   BURROW_BENCH_RUNS      runs per contestant, best one counts (default 3)
 *   BURROW_BENCH_GCRYPT    0 to skip the informational libgcrypt-based TTH
 *
 * Exit status: 0 if Burrow's single-thread TTH is at least as fast as rhash's,
 * 1 if slower or if any root disagrees, 77 (skipped) without rhash. */

#define READ_SIZE  (1024 * 1024)
#define LEAF_SIZE  BURROW_TTH_LEAF_SIZE

typedef gboolean (*HashFileFunc) (const gchar *path,
                                  guint64      size,
                                  guint8       root[BURROW_TTH_SIZE]);

typedef struct
{
  const gchar  *name;
  HashFileFunc  func;
  gboolean      gates;   /* must be >= rhash for the benchmark to pass */
} Contestant;

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

static void
write_file (const gchar *path,
            guint64      size)
{
  g_autofree guint64 *buf = g_malloc (READ_SIZE);
  guint64 x = G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    g_error ("cannot create %s: %s", path, g_strerror (errno));

  for (guint64 done = 0; done < size; done += READ_SIZE)
    {
      gsize n = (gsize) MIN ((guint64) READ_SIZE, size - done);
      gsize off = 0;

      for (gsize i = 0; i < READ_SIZE / 8; i++)
        {
          /* xorshift64 */
          x ^= x << 13;
          x ^= x >> 7;
          x ^= x << 17;
          buf[i] = x;
        }

      while (off < n)
        {
          gssize w = write (fd, (const guint8 *) buf + off, n - off);

          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            g_error ("cannot write %s: %s", path, g_strerror (errno));
          off += (gsize) w;
        }
    }

  if (close (fd) != 0)
    g_error ("cannot write %s: %s", path, g_strerror (errno));
}

/* Calls @chunk_func on the file in 1 MiB reads. */
static gboolean
read_file (const gchar *path,
           void       (*chunk_func) (gpointer, const guint8 *, gsize),
           gpointer     user_data)
{
  g_autofree guint8 *buf = g_malloc (READ_SIZE);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      g_printerr ("cannot open %s: %s\n", path, g_strerror (errno));
      return FALSE;
    }

  for (;;)
    {
      gssize n = read (fd, buf, READ_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_printerr ("cannot read %s: %s\n", path, g_strerror (errno));
          close (fd);
          return FALSE;
        }
      if (n == 0)
        break;
      chunk_func (user_data, buf, (gsize) n);
    }

  close (fd);
  return TRUE;
}

static void
discard_chunk (gpointer      user_data,
               const guint8 *data,
               gsize         len)
{
  guint64 *sum = user_data;

  /* touch every page so nothing is optimised away */
  for (gsize i = 0; i < len; i += 4096)
    *sum += data[i];
}

/* ---- Burrow, one thread ---- */

static void
hasher_chunk (gpointer      user_data,
              const guint8 *data,
              gsize         len)
{
  burrow_tth_hasher_update (user_data, data, len);
}

static gboolean
hash_burrow_single (const gchar *path,
                    guint64      size,
                    guint8       root[BURROW_TTH_SIZE])
{
  /* Keep the leaves a share would keep: the real workload. */
  g_autoptr(BurrowTthHasher) hasher =
    burrow_tth_hasher_new (burrow_tth_choose_block_size (size));

  if (!read_file (path, hasher_chunk, hasher))
    return FALSE;
  burrow_tth_hasher_finish (hasher, root);
  return burrow_tth_hasher_get_size (hasher) == size;
}

/* ---- HOOK: Burrow, several threads ----
 * The parallel hasher adds its contestant here: a HashFileFunc that hashes
 * @path with N threads (e.g. "burrow-2t"), and an entry in contestants[]
 * below with gates = FALSE (informational) unless a target is set for it. */

/* ---- the libgcrypt Tiger core under the same tree (Burrow before its own core) ---- */

typedef struct
{
  gcry_md_hd_t hd;
  guint        n;
  guint8       level[64];
  guint8       node[64][BURROW_TTH_SIZE];
  guint8       buffer[LEAF_SIZE];
  gsize        buffered;
  guint64      size;
} GcryptTth;

static void
gcrypt_tiger (GcryptTth    *t,
              guint8        prefix,
              const guint8 *a,
              gsize         a_len,
              const guint8 *b,
              gsize         b_len,
              guint8        out[BURROW_TTH_SIZE])
{
  gcry_md_reset (t->hd);
  gcry_md_putc (t->hd, prefix);
  gcry_md_write (t->hd, a, a_len);
  if (b_len > 0)
    gcry_md_write (t->hd, b, b_len);
  memcpy (out, gcry_md_read (t->hd, GCRY_MD_TIGER1), BURROW_TTH_SIZE);
}

static void
gcrypt_tth_leaf (GcryptTth    *t,
                 const guint8 *data,
                 gsize         len)
{
  guint8 acc[BURROW_TTH_SIZE];
  guint level = 0;

  gcrypt_tiger (t, 0x00, data, len, NULL, 0, acc);
  while (t->n > 0 && t->level[t->n - 1] == level)
    {
      t->n--;
      gcrypt_tiger (t, 0x01, t->node[t->n], BURROW_TTH_SIZE, acc, BURROW_TTH_SIZE, acc);
      level++;
    }
  memcpy (t->node[t->n], acc, BURROW_TTH_SIZE);
  t->level[t->n] = (guint8) level;
  t->n++;
}

static void
gcrypt_chunk (gpointer      user_data,
              const guint8 *data,
              gsize         len)
{
  GcryptTth *t = user_data;

  t->size += len;
  while (len > 0)
    {
      if (t->buffered == 0 && len >= LEAF_SIZE)
        {
          gcrypt_tth_leaf (t, data, LEAF_SIZE);
          data += LEAF_SIZE;
          len -= LEAF_SIZE;
        }
      else
        {
          gsize take = MIN (LEAF_SIZE - t->buffered, len);

          memcpy (t->buffer + t->buffered, data, take);
          t->buffered += take;
          data += take;
          len -= take;
          if (t->buffered == LEAF_SIZE)
            {
              gcrypt_tth_leaf (t, t->buffer, LEAF_SIZE);
              t->buffered = 0;
            }
        }
    }
}

static gboolean
hash_gcrypt_single (const gchar *path,
                    guint64      size,
                    guint8       root[BURROW_TTH_SIZE])
{
  g_autofree GcryptTth *t = g_new0 (GcryptTth, 1);
  guint8 acc[BURROW_TTH_SIZE];
  gboolean ok;

  if (gcry_md_open (&t->hd, GCRY_MD_TIGER1, 0) != 0)
    return FALSE;

  ok = read_file (path, gcrypt_chunk, t);
  if (ok)
    {
      if (t->buffered > 0 || t->size == 0)
        gcrypt_tth_leaf (t, t->buffer, t->buffered);

      /* fold the pending subtrees from the right edge */
      memcpy (acc, t->node[t->n - 1], BURROW_TTH_SIZE);
      for (guint i = t->n - 1; i > 0; i--)
        gcrypt_tiger (t, 0x01, t->node[i - 1], BURROW_TTH_SIZE, acc, BURROW_TTH_SIZE, acc);
      memcpy (root, acc, BURROW_TTH_SIZE);
    }

  gcry_md_close (t->hd);
  return ok && t->size == size;
}

/* ---- rhash ---- */

static double
mb_per_s (guint64 size,
          gint64  usec)
{
  return usec > 0 ? (double) size / (double) usec : 0.0;   /* bytes/µs = MB/s */
}

int
main (int    argc,
      char **argv)
{
  static const Contestant contestants[] = {
    { "burrow-1t", hash_burrow_single, TRUE },
    /* HOOK: { "burrow-2t", hash_burrow_parallel, FALSE }, */
    { "gcrypt-1t", hash_gcrypt_single, FALSE },
  };
  guint64 size = (guint64) env_uint ("BURROW_BENCH_TTH_MIB", 2048) * 1024 * 1024;
  guint runs = MAX (env_uint ("BURROW_BENCH_RUNS", 3), 1);
  gboolean with_gcrypt = env_uint ("BURROW_BENCH_GCRYPT", 1) != 0;
  g_autofree gchar *rhash = g_find_program_in_path ("rhash");
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;
  guint8 rhash_root[BURROW_TTH_SIZE];
  g_autofree gchar *rhash_b32 = NULL;
  gint64 rhash_best = G_MAXINT64;
  guint64 sum = 0;
  gboolean ok = TRUE;

  (void) argc;
  (void) argv;

  setvbuf (stdout, NULL, _IOLBF, 0);

  if (rhash == NULL)
    {
      g_print ("rhash is not installed: skipping\n");
      return 77;
    }

  if (gcry_check_version ("1.8.0") == NULL)
    g_error ("libgcrypt is too old");
  if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
    {
      gcry_control (GCRYCTL_DISABLE_SECMEM, 0);
      gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
  burrow_tiger_init ();

  if (g_getenv ("BURROW_BENCH_DIR") != NULL)
    {
      dir = g_strdup (g_getenv ("BURROW_BENCH_DIR"));
      path = g_build_filename (dir, "burrow-tth-bench.bin", NULL);
    }
  else
    {
      dir = g_dir_make_tmp ("burrow-tth-bench-XXXXXX", &error);
      if (dir == NULL)
        g_error ("cannot make a temporary directory: %s", error->message);
      path = g_build_filename (dir, "data.bin", NULL);
    }

  g_print ("file: %s, %" G_GUINT64_FORMAT " MiB, best of %u runs\n",
           path, size / (1024 * 1024), runs);
  write_file (path, size);

  /* Once through, to have it all in page cache. */
  if (!read_file (path, discard_chunk, &sum))
    ok = FALSE;

  for (guint r = 0; ok && r < runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();

      if (!burrow_test_rhash_tth (rhash, path, rhash_root))
        ok = FALSE;
      rhash_best = MIN (rhash_best, g_get_monotonic_time () - t0);
    }

  if (ok)
    {
      rhash_b32 = burrow_tth_to_base32 (rhash_root);
      g_print ("%-10s %8.1f MB/s  (%.3f s)  %s\n", "rhash", mb_per_s (size, rhash_best),
               rhash_best / 1e6, rhash_b32);
    }

  for (gsize c = 0; ok && c < G_N_ELEMENTS (contestants); c++)
    {
      const Contestant *who = &contestants[c];
      gint64 best = G_MAXINT64;
      guint8 root[BURROW_TTH_SIZE];
      g_autofree gchar *b32 = NULL;
      double ratio;

      if (who->func == hash_gcrypt_single && !with_gcrypt)
        continue;

      for (guint r = 0; ok && r < runs; r++)
        {
          gint64 t0 = g_get_monotonic_time ();

          if (!who->func (path, size, root))
            {
              g_printerr ("%s failed\n", who->name);
              ok = FALSE;
            }
          best = MIN (best, g_get_monotonic_time () - t0);
        }
      if (!ok)
        break;

      b32 = burrow_tth_to_base32 (root);
      ratio = (double) rhash_best / (double) best;
      g_print ("%-10s %8.1f MB/s  (%.3f s)  %s  ratio %s/rhash %.3f%s\n", who->name,
               mb_per_s (size, best), best / 1e6, b32, who->name, ratio,
               who->gates ? (ratio >= 1.0 ? "  [>= 1.0: ok]" : "  [< 1.0: FAIL]") : "");

      if (memcmp (root, rhash_root, BURROW_TTH_SIZE) != 0)
        {
          g_print ("%s: root differs from rhash's\n", who->name);
          ok = FALSE;
        }
      if (who->gates && ratio < 1.0)
        ok = FALSE;
    }

  if (g_unlink (path) != 0)
    g_printerr ("cannot delete %s: %s\n", path, g_strerror (errno));
  if (g_getenv ("BURROW_BENCH_DIR") == NULL)
    g_rmdir (dir);

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
