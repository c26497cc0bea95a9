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

#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-search-index.h"

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

/* ---- folding and tokens ---------------------------------------------------------------- */

/**
 * burrow_search_fold:
 * @text: valid UTF-8
 * @len: its length in bytes, or -1 if NUL-terminated
 *
 * Case-folds and normalizes (NFKC) @text for case-insensitive matching.
 *
 * Returns: (transfer full): the folded text
 */
gchar *
burrow_search_fold (const gchar *text,
                    gssize       len)
{
  g_autofree gchar *folded = NULL;
  gchar *normal;
  gsize n;

  g_return_val_if_fail (text != NULL, NULL);

  n = len < 0 ? strlen (text) : (gsize) len;
  for (gsize i = 0; i < n; i++)
    if ((guchar) text[i] >= 0x80)
      goto unicode;
  return g_ascii_strdown (text, (gssize) n);

unicode:
  folded = g_utf8_casefold (text, (gssize) n);
  normal = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL_COMPOSE);
  return normal != NULL ? normal : g_steal_pointer (&folded);
}

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

/* ---- extension groups (ADC SEGA) -------------------------------------------------------- */

static const struct
{
  guint        group;
  const gchar *extensions;
} group_table[] = {
  { BURROW_SEARCH_GROUP_AUDIO,
    "mp3 mp2 flac ogg oga opus m4a aac wav wma ape mpc wv aif aiff mid midi" },
  { BURROW_SEARCH_GROUP_COMPRESSED,
    "zip rar 7z gz bz2 xz zst tar tgz tbz tbz2 txz lz lzma cab ace arj z" },
  { BURROW_SEARCH_GROUP_DOCUMENT,
    "txt pdf doc docx odt ods odp rtf epub mobi xls xlsx ppt pptx htm html nfo md tex djvu" },
  { BURROW_SEARCH_GROUP_EXECUTABLE,
    "exe msi com bat cmd apk appimage deb rpm run sh jar dmg" },
  { BURROW_SEARCH_GROUP_PICTURE,
    "jpg jpeg png gif bmp webp tif tiff svg heic ico psd cr2 nef" },
  { BURROW_SEARCH_GROUP_VIDEO,
    "mkv avi mp4 m4v mpg mpeg mov wmv webm flv vob ts m2ts 3gp ogv divx" },
};

/**
 * burrow_search_groups_of_extension:
 * @folded_extension: a case-folded extension without the dot
 *
 * Returns: the #BurrowSearchGroup bits the extension belongs to (0 if none)
 */
guint
burrow_search_groups_of_extension (const gchar *folded_extension)
{
  gsize len;
  guint groups = 0;

  g_return_val_if_fail (folded_extension != NULL, 0);

  len = strlen (folded_extension);
  if (len == 0)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (group_table); i++)
    {
      const gchar *p = group_table[i].extensions;

      while (p != NULL && *p != '\0')
        {
          const gchar *space = strchr (p, ' ');
          gsize n = space != NULL ? (gsize) (space - p) : strlen (p);

          if (n == len && memcmp (p, folded_extension, len) == 0)
            {
              groups |= group_table[i].group;
              break;
            }
          p = space != NULL ? space + 1 : NULL;
        }
    }
  return groups;
}

/* ---- queries ------------------------------------------------------------------------------ */

/**
 * burrow_search_query_new:
 *
 * Returns: (transfer full): an empty query (matches nothing until a term,
 *   extension, group or TTH is added)
 */
BurrowSearchQuery *
burrow_search_query_new (void)
{
  BurrowSearchQuery *query = g_new0 (BurrowSearchQuery, 1);

  query->include = g_ptr_array_new_with_free_func (g_free);
  query->exclude = g_ptr_array_new_with_free_func (g_free);
  query->extensions = g_ptr_array_new_with_free_func (g_free);
  query->exclude_extensions = g_ptr_array_new_with_free_func (g_free);
  query->max_size = G_MAXUINT64;
  return query;
}

void
burrow_search_query_free (BurrowSearchQuery *query)
{
  if (query == NULL)
    return;
  g_ptr_array_unref (query->include);
  g_ptr_array_unref (query->exclude);
  g_ptr_array_unref (query->extensions);
  g_ptr_array_unref (query->exclude_extensions);
  g_free (query->token);
  g_free (query);
}

static void
add_folded (GPtrArray   *array,
            const gchar *term)
{
  if (term == NULL || *term == '\0' || !g_utf8_validate (term, -1, NULL))
    return;
  g_ptr_array_add (array, burrow_search_fold (term, -1));
}

/**
 * burrow_search_query_add_include:
 * @term: UTF-8; must be a substring of a matching path (case-insensitively)
 */
void
burrow_search_query_add_include (BurrowSearchQuery *query,
                                 const gchar       *term)
{
  g_return_if_fail (query != NULL);
  add_folded (query->include, term);
}

void
burrow_search_query_add_exclude (BurrowSearchQuery *query,
                                 const gchar       *term)
{
  g_return_if_fail (query != NULL);
  add_folded (query->exclude, term);
}

/**
 * burrow_search_query_add_extension:
 * @extension: with or without its leading dot
 */
void
burrow_search_query_add_extension (BurrowSearchQuery *query,
                                   const gchar       *extension)
{
  g_return_if_fail (query != NULL);
  if (extension != NULL && extension[0] == '.')
    extension++;
  add_folded (query->extensions, extension);
}

/**
 * burrow_search_query_is_empty:
 *
 * Returns: whether the query has nothing to look for (no AN, EX, GR or TR):
 *   such a search is not answered
 */
gboolean
burrow_search_query_is_empty (const BurrowSearchQuery *query)
{
  g_return_val_if_fail (query != NULL, TRUE);

  return !query->has_tth && query->include->len == 0 && query->extensions->len == 0
         && query->groups == 0;
}

static gboolean
parse_size (const BurrowAdcMessage  *message,
            const gchar             *name,
            guint64                 *out,
            GError                 **error)
{
  const gchar *value = burrow_adc_message_get_named (message, name);

  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, out, NULL))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("Search parameter %s is not a size: “%s”"), name, value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_all (const BurrowAdcMessage  *message,
         const gchar             *name,
         BurrowSearchQuery       *query,
         void                   (*add) (BurrowSearchQuery *, const gchar *),
         guint                   *n_terms,
         GError                 **error)
{
  g_autoptr(GPtrArray) values = burrow_adc_message_dup_all_named (message, name);

  *n_terms += values->len;
  if (*n_terms > BURROW_SEARCH_MAX_TERMS)
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD,
                   _("A search has more than %u terms"), BURROW_SEARCH_MAX_TERMS);
      return FALSE;
    }
  for (guint i = 0; i < values->len; i++)
    add (query, g_ptr_array_index (values, i));
  return TRUE;
}

static void
add_exclude_extension (BurrowSearchQuery *query,
                       const gchar       *extension)
{
  if (extension != NULL && extension[0] == '.')
    extension++;
  add_folded (query->exclude_extensions, extension);
}

/**
 * burrow_search_query_new_from_adc:
 * @message: an SCH message (any type)
 *
 * Reads the terms of an ADC search: AN NO EX LE GE EQ TO TY TR GR RX. Unknown
 * fields are ignored.
 *
 * Returns: (transfer full): the query, or %NULL with @error set
 *   (%BURROW_PROTOCOL_ERROR_BAD_PARAM, %BURROW_PROTOCOL_ERROR_FLOOD)
 */
BurrowSearchQuery *
burrow_search_query_new_from_adc (const BurrowAdcMessage  *message,
                                  GError                 **error)
{
  g_autoptr(BurrowSearchQuery) query = burrow_search_query_new ();
  const gchar *value;
  guint64 eq = 0;
  guint n_terms = 0;

  g_return_val_if_fail (message != NULL, NULL);

  if (!add_all (message, "AN", query, burrow_search_query_add_include, &n_terms, error)
      || !add_all (message, "NO", query, burrow_search_query_add_exclude, &n_terms, error)
      || !add_all (message, "EX", query, burrow_search_query_add_extension, &n_terms, error)
      || !add_all (message, "RX", query, add_exclude_extension, &n_terms, error))
    return NULL;

  if (!parse_size (message, "GE", &query->min_size, error)
      || !parse_size (message, "LE", &query->max_size, error))
    return NULL;
  if (burrow_adc_message_has_named (message, "EQ"))
    {
      if (!parse_size (message, "EQ", &eq, error))
        return NULL;
      query->min_size = query->max_size = eq;
    }

  value = burrow_adc_message_get_named (message, "TY");
  if (g_strcmp0 (value, "1") == 0)
    query->type = BURROW_SEARCH_TYPE_FILE;
  else if (g_strcmp0 (value, "2") == 0)
    query->type = BURROW_SEARCH_TYPE_DIRECTORY;

  value = burrow_adc_message_get_named (message, "GR");
  if (value != NULL)
    {
      guint64 groups;

      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &groups, NULL))
        {
          g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                       _("Search parameter GR is not a number: “%s”"), value);
          return NULL;
        }
      query->groups = (guint) groups;
    }

  value = burrow_adc_message_get_named (message, "TR");
  if (value != NULL)
    {
      if (strlen (value) != BURROW_TTH_BASE32_LEN
          || !burrow_base32_decode (value, -1, query->tth, sizeof query->tth, NULL))
        {
          g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                       _("Search parameter TR is not a TTH: “%s”"), value);
          return NULL;
        }
      query->has_tth = TRUE;
    }

  query->token = g_strdup (burrow_adc_message_get_named (message, "TO"));
  return g_steal_pointer (&query);
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
