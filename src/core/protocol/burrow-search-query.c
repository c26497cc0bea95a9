/* burrow-search-query.c — a search as the protocols carry it: terms, filters, a TTH, a token
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-query"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-search-query.h"

/* ---- folding ------------------------------------------------------------------------------- */


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
  g_free (query->udp_host);
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

static GPtrArray *
copy_terms (GPtrArray *terms)
{
  GPtrArray *copy = g_ptr_array_new_full (terms->len, g_free);

  for (guint i = 0; i < terms->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (terms, i)));
  return copy;
}

/**
 * burrow_search_query_copy:
 *
 * Returns: (transfer full): a deep copy of @query
 */
BurrowSearchQuery *
burrow_search_query_copy (const BurrowSearchQuery *query)
{
  BurrowSearchQuery *copy;

  g_return_val_if_fail (query != NULL, NULL);

  copy = g_memdup2 (query, sizeof *query);
  copy->include = copy_terms (query->include);
  copy->exclude = copy_terms (query->exclude);
  copy->extensions = copy_terms (query->extensions);
  copy->exclude_extensions = copy_terms (query->exclude_extensions);
  copy->token = g_strdup (query->token);
  copy->udp_host = g_strdup (query->udp_host);
  return copy;
}

G_DEFINE_BOXED_TYPE (BurrowSearchQuery, burrow_search_query,
                     burrow_search_query_copy, burrow_search_query_free)

/* Sizes are unsigned 64-bit: beyond G_MAXINT64 too. */
static void
add_size (BurrowAdcMessage *message,
          const gchar      *name,
          guint64           value)
{
  gchar text[24];

  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, value);
  burrow_adc_message_add_named (message, name, text);
}

static void
add_terms (BurrowAdcMessage *message,
           const gchar      *name,
           GPtrArray        *terms)
{
  for (guint i = 0; i < terms->len; i++)
    burrow_adc_message_add_named (message, name, g_ptr_array_index (terms, i));
}

/**
 * burrow_search_query_to_adc:
 * @message: an SCH message to fill
 *
 * Writes @query as ADC search fields (the inverse of
 * burrow_search_query_new_from_adc()). A TTH search carries only TR.
 */
void
burrow_search_query_to_adc (const BurrowSearchQuery *query,
                            BurrowAdcMessage        *message)
{
  g_return_if_fail (query != NULL);
  g_return_if_fail (message != NULL);

  if (query->has_tth)
    {
      g_autofree gchar *tth = burrow_base32_encode (query->tth, sizeof query->tth);

      burrow_adc_message_add_named (message, "TR", tth);
    }
  else
    {
      add_terms (message, "AN", query->include);
      add_terms (message, "NO", query->exclude);
      add_terms (message, "EX", query->extensions);
      add_terms (message, "RX", query->exclude_extensions);
      if (query->groups != 0)
        burrow_adc_message_add_named_int (message, "GR", (gint64) query->groups);
      if (query->min_size > 0)
        add_size (message, "GE", query->min_size);
      if (query->max_size != G_MAXUINT64)
        add_size (message, "LE", query->max_size);
    }
  if (query->type == BURROW_SEARCH_TYPE_FILE)
    burrow_adc_message_add_named (message, "TY", "1");
  else if (query->type == BURROW_SEARCH_TYPE_DIRECTORY)
    burrow_adc_message_add_named (message, "TY", "2");
  if (query->token != NULL)
    burrow_adc_message_add_named (message, "TO", query->token);
}

/* ---- replies ------------------------------------------------------------------------------- */

BurrowSearchReply *
burrow_search_reply_new (void)
{
  return g_new0 (BurrowSearchReply, 1);
}

BurrowSearchReply *
burrow_search_reply_copy (const BurrowSearchReply *reply)
{
  BurrowSearchReply *copy;

  g_return_val_if_fail (reply != NULL, NULL);

  copy = g_memdup2 (reply, sizeof *reply);
  copy->path = g_strdup (reply->path);
  copy->token = g_strdup (reply->token);
  return copy;
}

void
burrow_search_reply_free (BurrowSearchReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->path);
  g_free (reply->token);
  g_free (reply);
}

G_DEFINE_BOXED_TYPE (BurrowSearchReply, burrow_search_reply,
                     burrow_search_reply_copy, burrow_search_reply_free)

/**
 * burrow_search_reply_new_from_adc:
 * @message: a RES message (any type)
 *
 * Reads FN, SI, SL, TR and TO. A TR on a directory, or one that is not a
 * TTH, is dropped (the result stays, without a TTH).
 *
 * Returns: (transfer full): the reply, or %NULL with @error set
 *   (%BURROW_PROTOCOL_ERROR_MISSING_PARAM without FN or SI,
 *   %BURROW_PROTOCOL_ERROR_BAD_PARAM when SI is not a size)
 */
BurrowSearchReply *
burrow_search_reply_new_from_adc (const BurrowAdcMessage  *message,
                                  GError                 **error)
{
  g_autoptr(BurrowSearchReply) reply = NULL;
  const gchar *path = burrow_adc_message_get_named (message, "FN");
  const gchar *size = burrow_adc_message_get_named (message, "SI");
  const gchar *slots = burrow_adc_message_get_named (message, "SL");
  const gchar *tth = burrow_adc_message_get_named (message, "TR");
  guint64 value = 0;

  g_return_val_if_fail (message != NULL, NULL);

  if (path == NULL || path[0] == '\0' || size == NULL)
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_MISSING_PARAM,
                           _("A search result without a name or a size"));
      return NULL;
    }
  reply = burrow_search_reply_new ();
  if (!g_ascii_string_to_unsigned (size, 10, 0, G_MAXUINT64, &reply->size, NULL))
    {
      g_set_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_PARAM,
                   _("Search parameter %s is not a size: “%s”"), "SI", size);
      return NULL;
    }
  if (slots != NULL && g_ascii_string_to_unsigned (slots, 10, 0, G_MAXUINT, &value, NULL))
    reply->free_slots = (guint) value;
  reply->path = g_strdup (path);
  if (tth != NULL && !g_str_has_suffix (path, "/") && strlen (tth) == BURROW_TTH_BASE32_LEN
      && burrow_base32_decode (tth, -1, reply->tth, sizeof reply->tth, NULL))
    reply->has_tth = TRUE;
  reply->token = g_strdup (burrow_adc_message_get_named (message, "TO"));
  return g_steal_pointer (&reply);
}

/**
 * burrow_search_reply_to_adc:
 * @message: a RES message to fill
 *
 * Writes FN, SI, SL, TR (files with a TTH) and TO.
 */
void
burrow_search_reply_to_adc (const BurrowSearchReply *reply,
                            BurrowAdcMessage        *message)
{
  gchar slots[16];

  g_return_if_fail (reply != NULL);
  g_return_if_fail (message != NULL);

  g_snprintf (slots, sizeof slots, "%u", reply->free_slots);
  burrow_adc_message_add_named (message, "FN", reply->path);
  add_size (message, "SI", reply->size);
  burrow_adc_message_add_named (message, "SL", slots);
  if (reply->has_tth && !g_str_has_suffix (reply->path, "/"))
    {
      g_autofree gchar *tth = burrow_base32_encode (reply->tth, sizeof reply->tth);

      burrow_adc_message_add_named (message, "TR", tth);
    }
  if (reply->token != NULL)
    burrow_adc_message_add_named (message, "TO", reply->token);
}
