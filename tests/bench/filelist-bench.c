/* filelist-bench.c — a 1,000,000-entry file list: generation, and loading against `bzip2 -dc`
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "filelist-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "burrow-core.h"

/* Environment:
 *   BURROW_BENCH_DIR              directory for files.xml.bz2 (default: a new dir in TMPDIR)
 *   BURROW_BENCH_FILELIST_ENTRIES entries in the synthetic share (default 1000000)
 *   BURROW_BENCH_RUNS             runs per contestant, best one counts (default 3)
 *   BURROW_BENCH_FILELIST_RATIO   the largest accepted load/bzip2 ratio (default 1.3)
 *   BURROW_BENCH_KEEP             if set, keep files.xml.bz2
 *
 * Exit status: 0 if loading (decompress + parse into a tree, via
 * burrow_file_list_load_async) takes at most RATIO times as long as
 * `bzip2 -dc FILE >/dev/null`, 1 otherwise or on any error, 77 without bzip2. */

#define CID "Q5ZLAPQKBQFUSPL2LWIOKA7ZHIJGT5GNJIRC3OQ"

static const gchar *words[] = {
  "Midnight", "River", "Echo", "Golden", "Silent", "Electric", "Blue", "Summer", "Winter",
  "Dream", "Shadow", "Light", "Fire", "Ocean", "Mountain", "City", "Love", "Night", "Morning",
  "Road", "Star", "Heart", "Glass", "Stone", "Wild", "Broken", "Secret", "Lost", "Young",
  "Paper", "Velvet", "Thunder", "Silver", "Northern", "Crystal", "Black", "Garden", "Rain",
  "Highway", "Machine", "Über", "Café", "Niño", "Ångström", "Œuvre", "Straße", "Łódź",
  "東京", "Москва", "Ελλάδα", "& Friends", "Live", "Remastered", "Part II", "Deluxe",
};

static const gchar *extensions[] = {
  "flac", "mp3", "mkv", "avi", "mp4", "jpg", "png", "pdf", "epub", "iso", "zip", "ogg", "nfo",
  "txt", "srt",
};

static const gchar *top_names[] = {
  "Music", "Movies", "Series", "Books", "Software", "Games", "Pictures", "Audiobooks",
  "Podcasts", "Comics", "Documentaries", "Misc",
};

typedef struct
{
  GRand          *rand;
  BurrowFileTree *tree;
  guint           entries;
  guint           target;
} Builder;

static guint
env_uint (const gchar *name,
          guint        fallback)
{
  const gchar *value = g_getenv (name);
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &n, NULL))
    return fallback;
  return (guint) n;
}

static gdouble
env_double (const gchar *name,
            gdouble      fallback)
{
  const gchar *value = g_getenv (name);

  return value != NULL ? g_ascii_strtod (value, NULL) : fallback;
}

static const gchar *
word (Builder *b)
{
  return words[g_rand_int_range (b->rand, 0, G_N_ELEMENTS (words))];
}

static void
add_file (Builder        *b,
          BurrowFileNode *dir,
          guint           index)
{
  gchar name[256];
  guint8 tth[24];

  g_snprintf (name, sizeof name, "%02u - %s %s %s.%s", index + 1, word (b), word (b), word (b),
              extensions[g_rand_int_range (b->rand, 0, G_N_ELEMENTS (extensions))]);
  for (guint i = 0; i < 24; i += 4)
    {
      guint32 r = g_rand_int (b->rand);

      memcpy (tth + i, &r, 4);
    }
  if (burrow_file_tree_add_file (b->tree, dir, name,
                                 g_rand_int_range (b->rand, 1, 60 * 1024 * 1024), 0, tth) != NULL)
    b->entries++;
}

static BurrowFileNode *
add_dir (Builder        *b,
         BurrowFileNode *parent,
         const gchar    *name)
{
  BurrowFileNode *dir = burrow_file_tree_add_directory (b->tree, parent, name);

  if (dir != NULL)
    b->entries++;
  return dir;
}

/* Music/Artist/Album (Year)/CD n/10 tracks, and the like: ~10 files per directory. */
static BurrowFileTree *
build_tree (guint target)
{
  Builder b = { g_rand_new_with_seed (20261125), burrow_file_tree_new (), 0, target };
  BurrowFileNode *root = burrow_file_tree_get_root (b.tree);

  for (guint t = 0; b.entries < target; t++)
    {
      gchar name[256];
      BurrowFileNode *top;

      if (t < G_N_ELEMENTS (top_names))
        g_snprintf (name, sizeof name, "%s", top_names[t]);
      else
        g_snprintf (name, sizeof name, "%s %u", top_names[t % G_N_ELEMENTS (top_names)], t);
      top = add_dir (&b, root, name);

      for (guint a = 0; a < 60 && b.entries < target; a++)
        {
          BurrowFileNode *artist;

          g_snprintf (name, sizeof name, "%s %s %u", word (&b), word (&b), a);
          artist = add_dir (&b, top, name);
          if (artist == NULL)
            continue;
          for (guint al = 0; al < 12 && b.entries < target; al++)
            {
              BurrowFileNode *album;
              guint discs = g_rand_int_range (b.rand, 1, 12);

              g_snprintf (name, sizeof name, "%s %s (%u) [%s]", word (&b), word (&b),
                          1960 + g_rand_int_range (b.rand, 0, 66),
                          extensions[g_rand_int_range (b.rand, 0, 4)]);
              album = add_dir (&b, artist, name);
              if (album == NULL)
                continue;
              add_file (&b, album, 98);
              for (guint d = 0; d < discs && b.entries < target; d++)
                {
                  BurrowFileNode *disc;
                  guint n_files = g_rand_int_range (b.rand, 6, 15);

                  g_snprintf (name, sizeof name, "CD %u", d + 1);
                  disc = add_dir (&b, album, name);
                  for (guint f = 0; f < n_files && b.entries < target; f++)
                    add_file (&b, disc, f);
                }
            }
        }
    }

  g_rand_free (b.rand);
  burrow_file_tree_finish (b.tree);
  return b.tree;
}

static void
read_rss (guint64 *rss_kib,
          guint64 *hwm_kib)
{
  g_autofree gchar *status = NULL;
  gchar *p;

  *rss_kib = *hwm_kib = 0;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return;
  if ((p = strstr (status, "VmRSS:")) != NULL)
    *rss_kib = g_ascii_strtoull (p + 6, NULL, 10);
  if ((p = strstr (status, "VmHWM:")) != NULL)
    *hwm_kib = g_ascii_strtoull (p + 6, NULL, 10);
}

typedef struct
{
  GMainLoop      *loop;
  BurrowFileTree *tree;
  GError         *error;
} Load;

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Load *load = user_data;

  load->tree = burrow_file_list_load_finish (result, NULL, NULL, &load->error);
  g_main_loop_quit (load->loop);
}

static BurrowFileTree *
load_async (const gchar *path,
            GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Load load = { g_main_loop_new (NULL, FALSE), NULL, NULL };

  burrow_file_list_load_async (file, NULL, TRUE, NULL, NULL, load_done, &load);
  g_main_loop_run (load.loop);
  g_main_loop_unref (load.loop);
  if (load.error != NULL)
    g_propagate_error (error, load.error);
  return load.tree;
}

static gboolean
run_bzip2 (const gchar *bzip2,
           const gchar *path)
{
  const gchar *argv[] = { bzip2, "-dc", path, NULL };
  g_autoptr(GError) error = NULL;
  gint status;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("bzip2 -dc failed: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

/* user + system CPU seconds of this process (all threads) or of its waited-for children */
static gdouble
cpu_seconds (int who)
{
  struct rusage ru;

  if (getrusage (who, &ru) != 0)
    return 0.0;
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static gboolean
same_stats (BurrowFileTree *a,
            BurrowFileTree *b)
{
  return burrow_file_tree_get_n_files (a) == burrow_file_tree_get_n_files (b) &&
         burrow_file_tree_get_n_directories (a) == burrow_file_tree_get_n_directories (b) &&
         burrow_file_tree_get_total_size (a) == burrow_file_tree_get_total_size (b);
}

int
main (int   argc,
      char *argv[])
{
  guint target = env_uint ("BURROW_BENCH_FILELIST_ENTRIES", 1000000);
  guint runs = env_uint ("BURROW_BENCH_RUNS", 3);
  gdouble max_ratio = env_double ("BURROW_BENCH_FILELIST_RATIO", 1.3);
  g_autofree gchar *bzip2 = g_find_program_in_path ("bzip2");
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GBytes) bz = NULL;
  gint64 t0;
  gint64 build_us;
  gint64 generate_best = G_MAXINT64;
  gint64 compress_us;
  gint64 write_us;
  gint64 parse_sync_us;
  gint64 parse_xml_us;
  gint64 load_best = G_MAXINT64;
  gint64 bzip2_best = G_MAXINT64;
  gdouble load_cpu_best = G_MAXDOUBLE;
  gdouble bzip2_cpu_best = G_MAXDOUBLE;
  guint64 rss_before;
  guint64 hwm;
  guint64 rss_loaded;
  guint64 peak_loaded = 0;
  gsize xml_size;
  gsize bz_size;
  guint entries;
  gdouble ratio;
  gboolean ok = TRUE;

  (void) argc;
  (void) argv;
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (bzip2 == NULL)
    {
      g_print ("bzip2 is not installed: skipping\n");
      return 77;
    }

  if (g_getenv ("BURROW_BENCH_DIR") != NULL)
    dir = g_strdup (g_getenv ("BURROW_BENCH_DIR"));
  else if ((dir = g_dir_make_tmp ("burrow-filelist-bench-XXXXXX", &error)) == NULL)
    g_error ("cannot make a temporary directory: %s", error->message);
  path = g_build_filename (dir, "files.xml.bz2", NULL);

  /* The share */
  t0 = g_get_monotonic_time ();
  tree = build_tree (target);
  build_us = g_get_monotonic_time () - t0;
  entries = burrow_file_tree_get_n_files (tree) + burrow_file_tree_get_n_directories (tree);
  g_print ("share: %u entries (%u files, %u directories), built and finished in %.3f s\n",
           entries, burrow_file_tree_get_n_files (tree),
           burrow_file_tree_get_n_directories (tree), build_us / 1e6);

  /* Generation */
  for (guint r = 0; r < runs; r++)
    {
      g_clear_pointer (&xml, g_bytes_unref);
      t0 = g_get_monotonic_time ();
      xml = burrow_file_list_generate (tree, CID, NULL, "/", TRUE, &error);
      generate_best = MIN (generate_best, g_get_monotonic_time () - t0);
      if (xml == NULL)
        g_error ("generate: %s", error->message);
    }
  xml_size = g_bytes_get_size (xml);

  t0 = g_get_monotonic_time ();
  bz = burrow_file_list_compress (xml, &error);
  compress_us = g_get_monotonic_time () - t0;
  if (bz == NULL)
    g_error ("compress: %s", error->message);
  bz_size = g_bytes_get_size (bz);

  t0 = g_get_monotonic_time ();
  if (!burrow_file_list_write_file (tree, CID, NULL, path, &error))
    g_error ("write_file: %s", error->message);
  write_us = g_get_monotonic_time () - t0;

  /* For reference: one thread decompressing then parsing, and parsing alone. */
  {
    g_autoptr(BurrowFileTree) parsed = NULL;

    t0 = g_get_monotonic_time ();
    parsed = burrow_file_list_parse (g_bytes_get_data (bz, NULL), bz_size, TRUE, NULL, NULL,
                                     NULL, &error);
    parse_sync_us = g_get_monotonic_time () - t0;
    if (parsed == NULL || !same_stats (tree, parsed))
      g_error ("sync parse failed or differs: %s", error != NULL ? error->message : "stats");
    g_clear_pointer (&parsed, burrow_file_tree_unref);

    t0 = g_get_monotonic_time ();
    parsed = burrow_file_list_parse (g_bytes_get_data (xml, NULL), xml_size, FALSE, NULL, NULL,
                                     NULL, &error);
    parse_xml_us = g_get_monotonic_time () - t0;
    if (parsed == NULL)
      g_error ("XML parse failed: %s", error->message);
  }
  g_clear_pointer (&xml, g_bytes_unref);
  g_clear_pointer (&bz, g_bytes_unref);

  /* Loading, alternating with bzip2 so both see the same machine load */
  if (!run_bzip2 (bzip2, path))   /* warm the page cache */
    ok = FALSE;
  read_rss (&rss_before, &hwm);
  rss_loaded = rss_before;
  for (guint r = 0; ok && r < runs; r++)
    {
      g_autoptr(BurrowFileTree) loaded = NULL;
      guint64 rss;
      gint64 us;
      gdouble cpu0;

      cpu0 = cpu_seconds (RUSAGE_CHILDREN);
      t0 = g_get_monotonic_time ();
      if (!run_bzip2 (bzip2, path))
        {
          ok = FALSE;
          break;
        }
      bzip2_best = MIN (bzip2_best, g_get_monotonic_time () - t0);
      bzip2_cpu_best = MIN (bzip2_cpu_best, cpu_seconds (RUSAGE_CHILDREN) - cpu0);

      g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);  /* reset VmHWM */
      cpu0 = cpu_seconds (RUSAGE_SELF);
      t0 = g_get_monotonic_time ();
      loaded = load_async (path, &error);
      us = g_get_monotonic_time () - t0;
      load_cpu_best = MIN (load_cpu_best, cpu_seconds (RUSAGE_SELF) - cpu0);
      if (loaded == NULL)
        {
          g_printerr ("load failed: %s\n", error->message);
          ok = FALSE;
          break;
        }
      if (!same_stats (tree, loaded))
        {
          g_printerr ("the loaded tree differs from the share\n");
          ok = FALSE;
        }
      load_best = MIN (load_best, us);
      read_rss (&rss, &hwm);
      if (r == 0)
        rss_loaded = rss;   /* later runs reuse memory the first one freed */
      peak_loaded = MAX (peak_loaded, hwm);
    }

  if (g_getenv ("BURROW_BENCH_KEEP") != NULL)
    g_print ("kept %s\n", path);
  else
    {
      if (g_unlink (path) != 0)
        g_printerr ("cannot delete %s\n", path);
      if (g_getenv ("BURROW_BENCH_DIR") == NULL)
        g_rmdir (dir);
    }
  if (!ok)
    return EXIT_FAILURE;

  ratio = (gdouble) load_best / (gdouble) bzip2_best;
  g_print ("\nfiles.xml: %.1f MB XML, %.1f MB bzip2 (%.1f bytes/entry XML)\n",
           xml_size / 1e6, bz_size / 1e6, (gdouble) xml_size / entries);
  g_print ("%-44s %9s\n", "step (best of runs where repeated)", "seconds");
  g_print ("%-44s %9.3f\n", "build + finish the share tree", build_us / 1e6);
  g_print ("%-44s %9.3f\n", "generate XML (best)", generate_best / 1e6);
  g_print ("%-44s %9.3f\n", "compress (bzip2 -9)", compress_us / 1e6);
  g_print ("%-44s %9.3f\n", "write_file (generate+compress+fsync+rename)", write_us / 1e6);
  g_print ("%-44s %9.3f\n", "parse XML only (sync, no bzip2)", parse_xml_us / 1e6);
  g_print ("%-44s %9.3f\n", "parse bz2 sync (one thread)", parse_sync_us / 1e6);
  g_print ("%-44s %9.3f\n", "bzip2 -dc FILE >/dev/null (best)", bzip2_best / 1e6);
  g_print ("%-44s %9.3f\n", "load_async (2 threads, best)", load_best / 1e6);
  g_print ("%-44s %9.3f  [%s %.2f]\n", "ratio load/bzip2", ratio,
           ratio <= max_ratio ? "ok <=" : "FAIL >", max_ratio);
  g_print ("%-44s %9.3f (bzip2 -dc %.3f, ratio %.3f; informational)\n",
           "CPU seconds of load_async, both threads", load_cpu_best, bzip2_cpu_best,
           load_cpu_best / bzip2_cpu_best);
  g_print ("%-44s %9.1f MiB (%.0f bytes/entry); peak during load %.1f MiB\n",
           "RSS of the loaded tree", (gdouble) (rss_loaded - rss_before) / 1024.0,
           (gdouble) (rss_loaded - rss_before) * 1024.0 / entries,
           (gdouble) (peak_loaded - rss_before) / 1024.0);

  g_print ("{\"benchmark\":\"filelist\",\"entries\":%u,\"xml_bytes\":%zu,\"bz2_bytes\":%zu,"
           "\"build_s\":%.3f,\"generate_s\":%.3f,\"compress_s\":%.3f,\"write_file_s\":%.3f,"
           "\"parse_xml_s\":%.3f,\"parse_sync_s\":%.3f,\"bzip2_dc_s\":%.3f,\"load_s\":%.3f,"
           "\"ratio\":%.3f,\"max_ratio\":%.2f,\"load_cpu_s\":%.3f,\"bzip2_cpu_s\":%.3f,"
           "\"tree_rss_kib\":%" G_GUINT64_FORMAT ",\"load_peak_rss_kib\":%" G_GUINT64_FORMAT
           ",\"ok\":%s}\n",
           entries, xml_size, bz_size, build_us / 1e6, generate_best / 1e6, compress_us / 1e6,
           write_us / 1e6, parse_xml_us / 1e6, parse_sync_us / 1e6, bzip2_best / 1e6,
           load_best / 1e6, ratio, max_ratio, load_cpu_best, bzip2_cpu_best,
           rss_loaded - rss_before, peak_loaded - rss_before,
           ratio <= max_ratio ? "true" : "false");

  return ratio <= max_ratio ? EXIT_SUCCESS : EXIT_FAILURE;
}
