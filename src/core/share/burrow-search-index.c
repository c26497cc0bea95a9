/* burrow-search-index.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-index"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-search-index.h"
#include "burrow-search-query.h"

/*
 * The index is built once per share snapshot (in the share's worker thread)
 * and is immutable afterwards, so searches can run on the main thread while
 * the next snapshot is being built.
 *
 * Entries are the tree's nodes in depth-first pre-order: a node's subtree is
 * the contiguous range [index, end). Each entry keeps its case-folded name.
 * The token index maps every maximal run of letters and digits of a folded
 * name to the entries whose name contains it.
 *
 * A search with AN terms takes the longest token of its terms, scans the
 * vocabulary (much smaller than the node count) for tokens containing it as a
 * substring, and visits the entries of those tokens in pre-order. An entry
 * whose full path contains that term matches together with its whole subtree
 * (the term is in every descendant's path too), so the subtree is checked
 * against every condition. Any path containing the term has such a node:
 * the term's longest run of letters and digits lies inside one run of one path
 * component. A term with a '/' may continue past that component into the names
 * below it ("20/track" in "/album 20/track.mp3"), so then the subtree of every
 * entry holding the token is checked.
 */

typedef struct
{
  BurrowFileNode *node;
  const gchar    *folded;   /* in strings */
  guint32         parent;   /* entry index; G_MAXUINT32 for the root */
  guint32         end;      /* one past the last entry of the subtree */
} Entry;

struct _BurrowSearchIndex
{
  gint            ref_count;
  BurrowFileTree *tree;      /* owned ref */
  GArray         *entries;   /* Entry */
  GStringChunk   *strings;
  GHashTable     *token_ids; /* token (in strings) → id + 1 */
  GPtrArray      *vocab;     /* token (in strings), by id */
  GPtrArray      *postings;  /* GArray of guint32 entry indexes, by id */
  GHashTable     *tth;       /* node->tth → BurrowFileNode */
};

G_DEFINE_BOXED_TYPE (BurrowSearchIndex, burrow_search_index,
                     burrow_search_index_ref, burrow_search_index_unref)

/* ---- tokens -------------------------------------------------------------------------------- */

static inline gboolean
is_token_char (const gchar *p,
               gunichar    *out_c)
{
  guchar c = (guchar) *p;

  if (c < 0x80)
    {
      *out_c = c;
      return g_ascii_isalnum (c);
    }
  *out_c = g_utf8_get_char (p);
  return g_unichar_isalnum (*out_c);
}

typedef void (*TokenFunc) (const gchar *start, gsize len, gpointer user_data);

/* Calls @func for every maximal run of letters and digits of @folded. */
static void
for_each_token (const gchar *folded,
                TokenFunc    func,
                gpointer     user_data)
{
  const gchar *p = folded;
  const gchar *start = NULL;

  while (*p != '\0')
    {
      gunichar c;
      gboolean in = is_token_char (p, &c);

      if (in && start == NULL)
        start = p;
      else if (!in && start != NULL)
        {
          func (start, (gsize) (p - start), user_data);
          start = NULL;
        }
      p = g_utf8_next_char (p);
    }
  if (start != NULL)
    func (start, (gsize) (p - start), user_data);
}

/* ---- building ------------------------------------------------------------------------------ */

static guint
tth_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, key, sizeof h);   /* a TTH is uniformly distributed */
  return h;
}

static gboolean
tth_equal (gconstpointer a,
           gconstpointer b)
{
  return memcmp (a, b, BURROW_TTH_SIZE) == 0;
}

typedef struct
{
  BurrowSearchIndex *index;
  guint32            entry;
} AddTokenData;

static void
add_token (const gchar *start,
           gsize        len,
           gpointer     user_data)
{
  AddTokenData *data = user_data;
  BurrowSearchIndex *index = data->index;
  gchar buf[256];
  g_autofree gchar *heap = NULL;
  const gchar *token;
  gpointer id;
  GArray *posting;

  if (len < sizeof buf)
    {
      memcpy (buf, start, len);
      buf[len] = '\0';
      token = buf;
    }
  else
    token = heap = g_strndup (start, len);

  id = g_hash_table_lookup (index->token_ids, token);
  if (id == NULL)
    {
      const gchar *stored = g_string_chunk_insert (index->strings, token);

      g_ptr_array_add (index->vocab, (gpointer) stored);
      g_ptr_array_add (index->postings, g_array_new (FALSE, FALSE, sizeof (guint32)));
      id = GUINT_TO_POINTER (index->vocab->len);
      g_hash_table_insert (index->token_ids, (gpointer) stored, id);
    }
  posting = g_ptr_array_index (index->postings, GPOINTER_TO_UINT (id) - 1);
  /* a name with the same token twice is listed once */
  if (posting->len == 0 || g_array_index (posting, guint32, posting->len - 1) != data->entry)
    g_array_append_val (posting, data->entry);
}

static void
add_subtree (BurrowSearchIndex *index,
             BurrowFileNode    *node,
             guint32            parent)
{
  Entry entry = { node, "", parent, 0 };
  guint32 self_index = index->entries->len;

  if (node->name[0] != '\0')
    {
      g_autofree gchar *folded = burrow_search_fold (node->name, -1);
      AddTokenData data = { index, self_index };

      entry.folded = g_string_chunk_insert (index->strings, folded);
      for_each_token (entry.folded, add_token, &data);
    }
  g_array_append_val (index->entries, entry);

  if (node->is_dir && node->children != NULL)
    for (guint i = 0; i < node->children->len; i++)
      add_subtree (index, g_ptr_array_index (node->children, i), self_index);
  else if (!node->is_dir && node->has_tth)
    g_hash_table_insert (index->tth, node->tth, node);

  g_array_index (index->entries, Entry, self_index).end = index->entries->len;
}

/**
 * burrow_search_index_new:
 * @tree: a finished tree
 *
 * Indexes @tree (keeping a reference). Fine in a worker thread.
 *
 * Returns: (transfer full): the index
 */
BurrowSearchIndex *
burrow_search_index_new (BurrowFileTree *tree)
{
  BurrowSearchIndex *index;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (burrow_file_tree_is_finished (tree), NULL);

  index = g_new0 (BurrowSearchIndex, 1);
  index->ref_count = 1;
  index->tree = burrow_file_tree_ref (tree);
  index->entries = g_array_sized_new (FALSE, FALSE, sizeof (Entry),
                                      burrow_file_tree_get_n_files (tree)
                                      + burrow_file_tree_get_n_directories (tree) + 1);
  index->strings = g_string_chunk_new (64 * 1024);
  index->token_ids = g_hash_table_new (g_str_hash, g_str_equal);
  index->vocab = g_ptr_array_new ();
  index->postings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  index->tth = g_hash_table_new (tth_hash, tth_equal);

  add_subtree (index, burrow_file_tree_get_root (tree), G_MAXUINT32);
  return index;
}

BurrowSearchIndex *
burrow_search_index_ref (BurrowSearchIndex *index)
{
  g_return_val_if_fail (index != NULL, NULL);
  g_atomic_int_inc (&index->ref_count);
  return index;
}

void
burrow_search_index_unref (BurrowSearchIndex *index)
{
  g_return_if_fail (index != NULL);

  if (!g_atomic_int_dec_and_test (&index->ref_count))
    return;
  g_hash_table_unref (index->tth);
  g_ptr_array_unref (index->postings);
  g_ptr_array_unref (index->vocab);
  g_hash_table_unref (index->token_ids);
  g_string_chunk_free (index->strings);
  g_array_unref (index->entries);
  burrow_file_tree_unref (index->tree);
  g_free (index);
}

/**
 * burrow_search_index_get_tree:
 *
 * Returns: (transfer none): the indexed tree
 */
BurrowFileTree *
burrow_search_index_get_tree (BurrowSearchIndex *index)
{
  g_return_val_if_fail (index != NULL, NULL);
  return index->tree;
}

guint
burrow_search_index_get_n_tokens (BurrowSearchIndex *index)
{
  g_return_val_if_fail (index != NULL, 0);
  return index->vocab->len;
}

/**
 * burrow_search_index_lookup_tth:
 * @tth: 24 bytes
 *
 * Returns: (transfer none) (nullable): a file of the tree with this TTH
 */
BurrowFileNode *
burrow_search_index_lookup_tth (BurrowSearchIndex *index,
                                const guint8      *tth)
{
  g_return_val_if_fail (index != NULL, NULL);
  g_return_val_if_fail (tth != NULL, NULL);
  return g_hash_table_lookup (index->tth, tth);
}

/* ---- searching ------------------------------------------------------------------------------ */

/* The folded path of an entry: "/music/album/track.flac". */
static void
build_path (BurrowSearchIndex *index,
            guint32            i,
            GString           *out)
{
  guint32 chain[256];   /* trees are at most BURROW_FILE_LIST_DEFAULT_MAX_DEPTH deep */
  guint depth = 0;

  g_string_truncate (out, 0);
  while (i != 0 && i != G_MAXUINT32 && depth < G_N_ELEMENTS (chain))
    {
      chain[depth++] = i;
      i = g_array_index (index->entries, Entry, i).parent;
    }
  while (depth > 0)
    {
      g_string_append_c (out, '/');
      g_string_append (out, g_array_index (index->entries, Entry, chain[--depth]).folded);
    }
}

static gboolean
in_list (GPtrArray   *list,
         const gchar *value)
{
  for (guint i = 0; i < list->len; i++)
    if (g_str_equal (g_ptr_array_index (list, i), value))
      return TRUE;
  return FALSE;
}

static gboolean
matches (BurrowSearchIndex       *index,
         const BurrowSearchQuery *query,
         guint32                  i,
         GString                 *path)
{
  const Entry *entry = &g_array_index (index->entries, Entry, i);
  const BurrowFileNode *node = entry->node;

  if (i == 0)
    return FALSE;

  if (node->is_dir)
    {
      if (query->type == BURROW_SEARCH_TYPE_FILE
          || query->min_size > 0 || query->max_size != G_MAXUINT64
          || query->extensions->len > 0 || query->groups != 0)
        return FALSE;
    }
  else
    {
      const gchar *dot = strrchr (entry->folded, '.');
      const gchar *ext = dot != NULL ? dot + 1 : "";

      if (query->type == BURROW_SEARCH_TYPE_DIRECTORY || !node->has_tth)
        return FALSE;
      if (node->size < query->min_size || node->size > query->max_size)
        return FALSE;
      if (query->exclude_extensions->len > 0 && in_list (query->exclude_extensions, ext))
        return FALSE;
      if ((query->extensions->len > 0 || query->groups != 0)
          && !in_list (query->extensions, ext)
          && (query->groups == 0 || (burrow_search_groups_of_extension (ext) & query->groups) == 0))
        return FALSE;
    }

  if (query->include->len == 0 && query->exclude->len == 0)
    return TRUE;

  build_path (index, i, path);
  for (guint t = 0; t < query->include->len; t++)
    if (strstr (path->str, g_ptr_array_index (query->include, t)) == NULL)
      return FALSE;
  for (guint t = 0; t < query->exclude->len; t++)
    if (strstr (path->str, g_ptr_array_index (query->exclude, t)) != NULL)
      return FALSE;
  return TRUE;
}

typedef struct
{
  gchar *best;
  gsize  best_len;
} LongestToken;

static void
longest_token (const gchar *start,
               gsize        len,
               gpointer     user_data)
{
  LongestToken *data = user_data;

  if (len > data->best_len)
    {
      g_free (data->best);
      data->best = g_strndup (start, len);
      data->best_len = len;
    }
}

static gint
compare_guint32 (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/**
 * burrow_search_index_search:
 * @query: what to look for
 * @max_results: stop after this many
 * @results: (element-type BurrowFileNode): matching nodes are appended
 *   (borrowed from the index's tree)
 *
 * A TTH query (TR) matches the file with that TTH and ignores the other
 * terms. Otherwise every AN term must be a substring of the node's full
 * virtual path and no NO term may be (case-insensitively); EX/GR restrict to
 * files with those extensions, size limits to files; directories come before
 * their content. Empty queries (burrow_search_query_is_empty()) match nothing.
 * A search looks at no more than %BURROW_SEARCH_MAX_VISITS entries (candidate
 * entries and the entries checked), and answers with what it found by then.
 *
 * Returns: the number of nodes appended
 */
guint
burrow_search_index_search (BurrowSearchIndex       *index,
                            const BurrowSearchQuery *query,
                            guint                    max_results,
                            GPtrArray               *results)
{
  g_autoptr(GString) path = g_string_new (NULL);
  g_autoptr(GArray) candidates = NULL;
  LongestToken longest = { NULL, 0 };
  const gchar *best_term = NULL;
  guint32 covered_until = 0;
  guint budget = BURROW_SEARCH_MAX_VISITS;
  gboolean term_crosses;
  guint n = 0;

  g_return_val_if_fail (index != NULL, 0);
  g_return_val_if_fail (query != NULL, 0);
  g_return_val_if_fail (results != NULL, 0);

  if (max_results == 0 || burrow_search_query_is_empty (query))
    return 0;

  if (query->has_tth)
    {
      BurrowFileNode *node = g_hash_table_lookup (index->tth, query->tth);

      if (node == NULL || query->type == BURROW_SEARCH_TYPE_DIRECTORY)
        return 0;
      g_ptr_array_add (results, node);
      return 1;
    }

  for (guint t = 0; t < query->include->len; t++)
    {
      gsize before = longest.best_len;

      for_each_token (g_ptr_array_index (query->include, t), longest_token, &longest);
      if (longest.best_len > before)
        best_term = g_ptr_array_index (query->include, t);
    }

  if (best_term == NULL)
    {
      /* nothing to look up (no AN, or only punctuation): look at everything */
      guint32 last = MIN (index->entries->len, (guint32) BURROW_SEARCH_MAX_VISITS + 1);

      for (guint32 i = 1; i < last && n < max_results; i++)
        if (matches (index, query, i, path))
          {
            g_ptr_array_add (results, g_array_index (index->entries, Entry, i).node);
            n++;
          }
      return n;
    }

  term_crosses = strchr (best_term, '/') != NULL;

  /* The budget counts candidates gathered and entries checked. The
   * candidates kept are a subset, still in tree order once sorted. */
  candidates = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint v = 0; v < index->vocab->len && budget > 0; v++)
    if (strstr (g_ptr_array_index (index->vocab, v), longest.best) != NULL)
      {
        GArray *posting = g_ptr_array_index (index->postings, v);
        guint take = MIN (posting->len, budget);

        g_array_append_vals (candidates, posting->data, take);
        budget -= take;
      }
  g_free (longest.best);
  g_array_sort (candidates, compare_guint32);
  budget = BURROW_SEARCH_MAX_VISITS;

  for (guint c = 0; c < candidates->len && n < max_results && budget > 0; c++)
    {
      guint32 i = g_array_index (candidates, guint32, c);
      guint32 end;

      if (i < covered_until)
        continue;   /* inside a subtree already looked at (or a repeat) */
      budget--;
      build_path (index, i, path);
      /* a term with a '/' may go on into the names below: then the
       * subtree is checked even though the path itself lacks the term */
      if (!term_crosses && strstr (path->str, best_term) == NULL)
        continue;
      end = g_array_index (index->entries, Entry, i).end;
      if (end - i > budget)
        end = i + budget;
      budget -= end - i;
      for (guint32 j = i; j < end && n < max_results; j++)
        if (matches (index, query, j, path))
          {
            g_ptr_array_add (results, g_array_index (index->entries, Entry, j).node);
            n++;
          }
      covered_until = end;
    }
  return n;
}
