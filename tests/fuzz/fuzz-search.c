/* fuzz-search.c — libFuzzer target for search queries over a share's index
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-search"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "burrow-core.h"
#include "fuzz-common.h"

/* The same parameters read as a search result (RES): a reply that parses writes back to
 * fields that parse to the same reply. */
static void
check_reply_round_trip (const uint8_t *data,
                        size_t         size)
{
  g_autofree gchar *line = g_strdup_printf ("DRES AAAA BBBB %.*s", (gint) size, (const gchar *) data);
  g_autoptr(BurrowAdcMessage) message = NULL;
  g_autoptr(BurrowAdcMessage) again = NULL;
  g_autoptr(BurrowSearchReply) reply = NULL;
  g_autoptr(BurrowSearchReply) back = NULL;
  g_autoptr(GError) error = NULL;

  if (memchr (data, '\0', size) != NULL)
    return;
  message = burrow_adc_message_parse (line, -1, NULL);
  if (message == NULL)
    return;
  reply = burrow_search_reply_new_from_adc (message, &error);
  if (reply == NULL)
    {
      check (error != NULL && error->domain == BURROW_PROTOCOL_ERROR, "reply error domain");
      return;
    }
  again = burrow_adc_message_new_direct ('D', BURROW_ADC_CMD_RES, 1, 2);
  burrow_search_reply_to_adc (reply, again);
  back = burrow_search_reply_new_from_adc (again, NULL);
  check (back != NULL, "a written reply parses");
  check (g_strcmp0 (back->path, reply->path) == 0 && back->size == reply->size
         && back->free_slots == reply->free_slots && back->has_tth == reply->has_tth
         && (!reply->has_tth || memcmp (back->tth, reply->tth, sizeof reply->tth) == 0)
         && g_strcmp0 (back->token, reply->token) == 0, "reply round trip");
}

/* A parsed query written back as ADC fields parses to the same terms and limits. */
static void
check_query_round_trip (const BurrowSearchQuery *query)
{
  g_autoptr(BurrowAdcMessage) message = burrow_adc_message_new_broadcast (BURROW_ADC_CMD_SCH, 1);
  g_autoptr(BurrowSearchQuery) back = NULL;

  burrow_search_query_to_adc (query, message);
  back = burrow_search_query_new_from_adc (message, NULL);
  check (back != NULL, "a written query parses");
  check (back->has_tth == query->has_tth && back->type == query->type
         && g_strcmp0 (back->token, query->token) == 0, "query round trip: kind");
  if (query->has_tth)
    return;
  check (back->include->len == query->include->len && back->exclude->len == query->exclude->len
         && back->extensions->len == query->extensions->len
         && back->min_size == query->min_size && back->max_size == query->max_size
         && back->groups == query->groups, "query round trip: terms and limits");
}

/* Input: the parameters of an ADC search ("ANfoo NObar EXmkv TO1 …", as after
 * "BSCH AAAA "). If they do not parse as ADC, the input is NUL-separated
 * terms instead, each led by a kind byte (A include, N exclude, E extension),
 * added with the query API.
 *
 * The query runs over a fixed index of about 700 entries, with the
 * result caps of a real answer and with no cap. The uncapped answer must be
 * exactly what a brute-force scan finds, and each search must finish within
 * BUDGET_US: a slow query aborts, so libFuzzer reports it. With FUZZ_DEBUG
 * set in the environment, each search's time is printed. */

#define BUDGET_US   (100 * 1000)
#define MAX_QUERY_INPUT   4096

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static BurrowSearchIndex *index_;
static BurrowFileTree *tree_;

static const gchar * const words[] = {
  "Midnight", "River", "Echo", "Golden", "Ångström", "Straße", "東京", "Москва", "Ελλάδα",
  "café", "CAFÉ", "ﬁle", "Ⅻ", "a-b_c", "x.y", "  spaced ", "Live 1999", "01", "İstanbul",
};

static const gchar * const extensions[] = {
  "flac", "mp3", "MKV", "avi", "jpg", "pdf", "epub", "iso", "zip", "txt", "", "tar.gz", "ÉXT",
};

typedef struct
{
  BurrowFileNode *node;
  gchar          *folded_path;   /* "/a/b/c", each name folded on its own, as the index does */
  const gchar    *folded_name;   /* in folded_path */
} Info;

static GArray *infos_;           /* Info, every node but the root */

static void
fill (BurrowFileTree *tree,
      BurrowFileNode *dir,
      guint           depth,
      guint          *counter)
{
  for (guint i = 0; i < 8; i++)
    {
      guint n = (*counter)++;
      g_autofree gchar *name = NULL;

      if (depth < 3 && i < 4)
        {
          BurrowFileNode *sub;

          name = g_strdup_printf ("%s %s %u", words[n % G_N_ELEMENTS (words)],
                                  words[(n / 7) % G_N_ELEMENTS (words)], n);
          sub = burrow_file_tree_add_directory (tree, dir, name);
          if (sub != NULL)
            fill (tree, sub, depth + 1, counter);
        }
      else if (i < 4 || depth == 3)
        {
          const gchar *ext = extensions[n % G_N_ELEMENTS (extensions)];
          guint8 tth[BURROW_TTH_SIZE];

          name = g_strdup_printf ("%s - %s %u%s%s", words[(n * 3) % G_N_ELEMENTS (words)],
                                  words[(n / 5) % G_N_ELEMENTS (words)], n,
                                  ext[0] ? "." : "", ext);
          for (guint b = 0; b < sizeof tth; b++)
            tth[b] = (guint8) (b < 4 ? n >> (8 * b) : n * 31 + b);   /* unique */
          burrow_file_tree_add_file (tree, dir, name, (guint64) n * n * 1000, 0,
                                     n % 11 == 0 ? NULL : tth);
        }
    }
}

static void
collect (BurrowFileNode *node,
         const gchar    *parent_path)
{
  for (guint i = 0; i < node->children->len; i++)
    {
      BurrowFileNode *child = node->children->pdata[i];
      g_autofree gchar *folded = burrow_search_fold (child->name, -1);
      Info info = { child, g_strconcat (parent_path, "/", folded, NULL), NULL };

      info.folded_name = info.folded_path + strlen (parent_path) + 1;
      g_array_append_val (infos_, info);
      if (child->is_dir)
        collect (child, info.folded_path);
    }
}

static void
init (void)
{
  guint counter = 0;

  tree_ = burrow_file_tree_new ();
  fill (tree_, burrow_file_tree_get_root (tree_), 0, &counter);
  burrow_file_tree_finish (tree_);
  index_ = burrow_search_index_new (tree_);
  infos_ = g_array_new (FALSE, FALSE, sizeof (Info));
  collect (burrow_file_tree_get_root (tree_), "");
}

static gboolean
in_list (GPtrArray   *list,
         const gchar *value)
{
  for (guint i = 0; i < list->len; i++)
    if (strcmp (list->pdata[i], value) == 0)
      return TRUE;
  return FALSE;
}

/* What burrow_search_index_search() promises, by brute force. */
static gboolean
satisfies (const BurrowSearchQuery *query,
           const Info              *info)
{
  const BurrowFileNode *node = info->node;

  if (query->has_tth)
    return query->type != BURROW_SEARCH_TYPE_DIRECTORY &&
           !node->is_dir && node->has_tth && memcmp (node->tth, query->tth, BURROW_TTH_SIZE) == 0;
  if (node->is_dir)
    {
      if (query->type == BURROW_SEARCH_TYPE_FILE || query->min_size > 0 ||
          query->max_size != G_MAXUINT64 || query->extensions->len > 0 || query->groups != 0)
        return FALSE;
    }
  else
    {
      const gchar *dot = strrchr (info->folded_name, '.');
      const gchar *ext = dot != NULL ? dot + 1 : "";

      if (query->type == BURROW_SEARCH_TYPE_DIRECTORY || !node->has_tth ||
          node->size < query->min_size || node->size > query->max_size)
        return FALSE;
      if (in_list (query->exclude_extensions, ext))
        return FALSE;
      if ((query->extensions->len > 0 || query->groups != 0) && !in_list (query->extensions, ext) &&
          (burrow_search_groups_of_extension (ext) & query->groups) == 0)
        return FALSE;
    }
  for (guint t = 0; t < query->include->len; t++)
    if (strstr (info->folded_path, g_ptr_array_index (query->include, t)) == NULL)
      return FALSE;
  for (guint t = 0; t < query->exclude->len; t++)
    if (strstr (info->folded_path, g_ptr_array_index (query->exclude, t)) != NULL)
      return FALSE;
  return TRUE;
}

static GPtrArray *
run (const BurrowSearchQuery *query,
     guint                    max_results,
     gint64                  *elapsed)
{
  GPtrArray *results = g_ptr_array_new ();
  gint64 start = g_get_monotonic_time ();
  guint n = burrow_search_index_search (index_, query, max_results, results);

  *elapsed = g_get_monotonic_time () - start;
  check (n == results->len, "count == results appended");
  check (n <= max_results, "at most max_results");
  return results;
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static GPtrArray *
search_timed (const BurrowSearchQuery *query,
              guint                    max_results)
{
  gint64 elapsed;
  GPtrArray *results = run (query, max_results, &elapsed);

  if (g_getenv ("FUZZ_DEBUG") != NULL)
    g_printerr ("search (max %u): %" G_GINT64_FORMAT " us, %u results\n", max_results, elapsed,
                results->len);
  if (elapsed > BUDGET_US)
    {
      /* On a busy machine the wall clock also counts time spent waiting for
       * a CPU: run it again and flag it only if it also used that much CPU. */
      gint64 cpu = thread_cpu_us ();

      g_ptr_array_unref (results);
      results = run (query, max_results, &elapsed);
      cpu = thread_cpu_us () - cpu;
      if (elapsed > BUDGET_US && cpu > BUDGET_US)
        {
          g_printerr ("fuzz-search: query took %" G_GINT64_FORMAT " us (%" G_GINT64_FORMAT
                      " us of CPU; budget %d us)\n", elapsed, cpu, BUDGET_US);
          abort ();
        }
    }
  return results;
}

/* The uncapped answer is exactly the brute-force one; a capped one is a
 * prefix of it (the index answers in tree order). */
static void
check_answers (const BurrowSearchQuery *query)
{
  g_autoptr(GPtrArray) all = search_timed (query, G_MAXUINT);
  g_autoptr(GPtrArray) active = search_timed (query, BURROW_SEARCH_MAX_RESULTS_ACTIVE);
  g_autoptr(GPtrArray) passive = search_timed (query, BURROW_SEARCH_MAX_RESULTS_PASSIVE);
  g_autoptr(GHashTable) found = g_hash_table_new (NULL, NULL);
  guint expected = 0;
  gboolean empty = burrow_search_query_is_empty (query);

  for (guint i = 0; i < all->len; i++)
    check (g_hash_table_add (found, all->pdata[i]), "no result twice");
  for (guint i = 0; i < infos_->len; i++)
    {
      const Info *info = &g_array_index (infos_, Info, i);
      gboolean ok = !empty && satisfies (query, info);

      check (ok == g_hash_table_contains (found, info->node), "results == brute force");
      expected += ok;
    }
  check (expected == all->len, "result count");
  check (active->len == MIN (all->len, BURROW_SEARCH_MAX_RESULTS_ACTIVE), "active cap");
  check (passive->len == MIN (all->len, BURROW_SEARCH_MAX_RESULTS_PASSIVE), "passive cap");
  for (guint i = 0; i < active->len; i++)
    check (g_hash_table_contains (found, active->pdata[i]), "capped result is a result");
  for (guint i = 0; i < passive->len; i++)
    check (g_hash_table_contains (found, passive->pdata[i]), "capped result is a result");
}

static BurrowSearchQuery *
query_from_terms (const gchar *text,
                  gsize        len)
{
  BurrowSearchQuery *query = burrow_search_query_new ();
  const gchar *p = text;
  const gchar *end = text + len;

  while (p < end)
    {
      gsize n = strnlen (p, end - p);
      g_autofree gchar *term = g_utf8_make_valid (p + 1, n > 0 ? (gssize) n - 1 : 0);

      if (n > 0)
        switch (p[0])
          {
          case 'A': burrow_search_query_add_include (query, term); break;
          case 'N': burrow_search_query_add_exclude (query, term); break;
          case 'E': burrow_search_query_add_extension (query, term); break;
          default: break;
          }
      p += n + 1;
    }
  return query;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr(BurrowAdcMessage) message = NULL;

  if (index_ == NULL)
    init ();
  if (size > MAX_QUERY_INPUT)
    return 0;

  check_reply_round_trip (data, size);
  line = g_strdup_printf ("BSCH AAAA %.*s", (gint) size, (const gchar *) data);
  if (memchr (data, '\0', size) == NULL)
    message = burrow_adc_message_parse (line, -1, NULL);
  if (message != NULL)
    {
      g_autoptr(GError) error = NULL;

      query = burrow_search_query_new_from_adc (message, &error);
      if (query == NULL)
        {
          check (error != NULL && error->domain == BURROW_PROTOCOL_ERROR, "query error domain");
          return 0;
        }
      check_query_round_trip (query);
    }
  else
    query = query_from_terms ((const gchar *) data, size);

  check_answers (query);
  return 0;
}
