/* hublist-bench.c — parsing a public hub list of 20,000 hubs (XML in bzip2, as servers send it)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hublist-bench"

#include "config.h"

#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "burrow-core.h"

/* Environment:
 *   BURROW_BENCH_HUBLIST_HUBS    hubs in the synthetic list (default 20000)
 *   BURROW_BENCH_RUNS            runs, the best one counts (default 5)
 *   BURROW_BENCH_HUBLIST_MAX_MS  the slowest accepted parse, in ms of CPU time (default 400)
 *   BURROW_BENCH_HUBLIST_RATIO   the largest accepted parse / `bzip2 -dc` CPU ratio (default 2.0)
 *
 * Prints the list's sizes, the best parse's CPU time (bzip2 + XML + addresses; CPU time, since
 * the test machine may be busy), `bzip2 -dc` on the same file for comparison (decompression alone
 * is most of the work), and the time to turn the entries into the model's BurrowPublicHub
 * objects. Exit status: 0 if the parse takes at most MAX_MS and at most RATIO times `bzip2 -dc`
 * (the ratio is not checked without bzip2), 1 otherwise or on any error. */

static const gchar *words[] = {
  "Elite", "Movies", "Music", "Russian", "Deutsch", "Classic", "Anime", "Games", "Linux",
  "Москва", "Café", "Übernet", "Sharing", "Power", "Nordic", "Open", "Free", "Private",
};
static const gchar *countries[] = { "RU", "DE", "US", "SE", "NL", "UA", "PL", "FR", "GB" };

static guint
env_uint (const gchar *name,
          guint        fallback)
{
  const gchar *value = g_getenv (name);

  return value != NULL && *value != '\0' ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

/* CPU time of this thread, in µs: the machine may be busy, the parse runs on one thread. */
static gint64
cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Best CPU time of `bzip2 -dc FILE > /dev/null`, in µs, or -1 without bzip2. */
static gint64
bzip2_cpu_us (const gchar *path,
              guint        runs)
{
  g_autofree gchar *bzip2 = g_find_program_in_path ("bzip2");
  gint64 best = G_MAXINT64;

  if (bzip2 == NULL)
    return -1;
  for (guint run = 0; run < runs; run++)
    {
      const gchar *argv[] = { bzip2, "-dc", path, NULL };
      struct rusage before, after;
      gint status = 0;

      getrusage (RUSAGE_CHILDREN, &before);
      if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                         NULL, NULL, &status, NULL) || !g_spawn_check_wait_status (status, NULL))
        return -1;
      getrusage (RUSAGE_CHILDREN, &after);
      best = MIN (best, (gint64) (after.ru_utime.tv_sec - before.ru_utime.tv_sec) * G_USEC_PER_SEC +
                        (after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
                        (gint64) (after.ru_stime.tv_sec - before.ru_stime.tv_sec) * G_USEC_PER_SEC +
                        (after.ru_stime.tv_usec - before.ru_stime.tv_usec));
    }
  return best;
}

static GString *
make_list (guint n_hubs)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n"
                               "<Hublist Name=\"Benchmark\" Address=\"http://127.0.0.1/\">\n<Hubs>\n"
                               "<Columns><Column Name=\"Name\" Type=\"string\"/>"
                               "<Column Name=\"Address\" Type=\"string\"/></Columns>\n");
  GRand *rand = g_rand_new_with_seed (20000);

  for (guint i = 0; i < n_hubs; i++)
    {
      const gchar *a = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];
      const gchar *b = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];
      static const gchar *schemes[] = { "dchub", "adc", "adcs", "nmdcs" };

      g_string_append_printf (xml,
                              "<Hub Name=\"%s %s &amp; hub %u\" Address=\"%s://hub%u.example.org:%u\" "
                              "Description=\"The %s %s hub, number %u, rules in the MOTD\" "
                              "Users=\"%u\" Country=\"%s\" Shared=\"%" G_GUINT64_FORMAT "\" "
                              "Minshare=\"%" G_GUINT64_FORMAT "\" Minslots=\"%u\" Maxhubs=\"%u\" "
                              "Maxusers=\"%u\" Reliability=\"%u.%u\" Rating=\"\" Encoding=\"CP1251\" "
                              "Software=\"PtokaX 0.5.3.0\"/>\n",
                              a, b, i, schemes[i % 4], i, 400 + (i % 3000), a, b, i,
                              g_rand_int_range (rand, 0, 5000),
                              countries[i % G_N_ELEMENTS (countries)],
                              (guint64) g_rand_int (rand) << 12, (guint64) (i % 50) << 30,
                              i % 5, 10 + i % 20, 1000 + i % 5000, 50 + i % 50, i % 10);
    }
  g_string_append (xml, "</Hubs>\n</Hublist>\n");
  g_rand_free (rand);
  return xml;
}

int
main (int    argc,
      char **argv)
{
  guint n_hubs = env_uint ("BURROW_BENCH_HUBLIST_HUBS", 20000);
  guint runs = MAX (env_uint ("BURROW_BENCH_RUNS", 5), 1);
  guint max_ms = env_uint ("BURROW_BENCH_HUBLIST_MAX_MS", 400);
  const gchar *ratio_env = g_getenv ("BURROW_BENCH_HUBLIST_RATIO");
  gdouble max_ratio = ratio_env != NULL ? g_ascii_strtod (ratio_env, NULL) : 2.0;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  gint64 bzip2_us;
  gboolean ok;
  g_autoptr(GString) xml = make_list (n_hubs);
  guint packed_len = (guint) (xml->len + xml->len / 100 + 600);
  g_autofree gchar *packed = g_malloc (packed_len);
  gint64 best = G_MAXINT64;
  gint64 objects_us;
  g_autoptr(GPtrArray) hubs = NULL;
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);

  if (BZ2_bzBuffToBuffCompress (packed, &packed_len, xml->str, (guint) xml->len, 9, 0, 0) != BZ_OK)
    {
      g_printerr ("hublist-bench: cannot compress the list\n");
      return 1;
    }
  printf ("hublist-bench: %u hubs, %" G_GSIZE_FORMAT " bytes of XML, %u bytes in bzip2\n",
          n_hubs, xml->len, packed_len);

  for (guint run = 0; run < runs; run++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = cpu_us ();
      gint64 wall = g_get_monotonic_time ();
      gint64 took;

      g_clear_pointer (&hubs, g_ptr_array_unref);
      hubs = burrow_hub_list_parse ((const guint8 *) packed, packed_len, NULL, &error);
      took = cpu_us () - start;
      wall = g_get_monotonic_time () - wall;
      if (hubs == NULL)
        {
          g_printerr ("hublist-bench: %s\n", error->message);
          return 1;
        }
      if (hubs->len != n_hubs)
        {
          g_printerr ("hublist-bench: %u hubs parsed, expected %u\n", hubs->len, n_hubs);
          return 1;
        }
      best = MIN (best, took);
      printf ("hublist-bench: run %u: parse %.1f ms CPU (%.1f ms wall)\n", run + 1, took / 1000.0,
              wall / 1000.0);
    }

  objects_us = g_get_monotonic_time ();
  for (guint i = 0; i < hubs->len; i++)
    g_ptr_array_add (objects, burrow_public_hub_new_take (g_ptr_array_index (hubs, i),
                                                          "http://127.0.0.1/hublist.xml.bz2", 0));
  objects_us = g_get_monotonic_time () - objects_us;

  dir = g_dir_make_tmp ("hublist-bench-XXXXXX", NULL);
  path = dir ? g_build_filename (dir, "hublist.xml.bz2", NULL) : NULL;
  bzip2_us = path && g_file_set_contents (path, packed, packed_len, NULL)
             ? bzip2_cpu_us (path, runs) : -1;
  if (path != NULL)
    g_unlink (path);
  if (dir != NULL)
    g_rmdir (dir);

  printf ("hublist-bench: best parse %.1f ms CPU (limit %u ms); %u model objects in %.1f ms\n",
          best / 1000.0, max_ms, objects->len, objects_us / 1000.0);
  ok = best <= (gint64) max_ms * 1000;
  if (bzip2_us > 0)
    {
      gdouble ratio = (gdouble) best / (gdouble) bzip2_us;

      printf ("hublist-bench: bzip2 -dc %.1f ms CPU; parse / bzip2 = %.2f (limit %.2f)\n",
              bzip2_us / 1000.0, ratio, max_ratio);
      ok = ok && ratio <= max_ratio;
    }
  else
    printf ("hublist-bench: no bzip2, ratio not checked\n");
  return ok ? 0 : 1;
}
