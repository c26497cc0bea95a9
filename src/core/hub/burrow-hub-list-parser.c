/* burrow-hub-list-parser.c — public hub lists (hublist.xml, .xml.bz2, .config): bytes in, hubs out
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hub-list"

#include "config.h"

#include <bzlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-hub-list-parser.h"

/* Pure: no I/O, no threads (DESIGN.md principle 4), so it is unit-tested
 * (tests/core/test-hub-list.c) and fuzzed (tests/fuzz/fuzz-hub-list.c);
 * burrow-public-hubs.c runs it in a worker thread over downloaded bytes.
 *
 * Two formats, as the DC clients read them:
 *  - XML: <Hublist><Hubs><Columns><Column …/></Columns><Hub Name=… Address=… …/></Hubs></Hublist>,
 *    each Hub's attributes named after the columns (Name, Address, Description, Users, Country,
 *    Shared, Minshare, Minslots, Maxhubs, Maxusers, Reliability, Rating, Encoding, Software).
 *    The charset is the XML declaration's `encoding` (lists in windows-1251 exist), UTF-8 without
 *    one. GLib's GMarkup reads the document: it knows no DTD, so no entity can expand.
 *  - `.config`: the old text format, one hub per line, `name|address|description|users|…`
 *    (lines with fewer than four fields are skipped, as DC++ did). No charset is declared: UTF-8
 *    when it is valid UTF-8, otherwise Windows-1252, the charset of the lists of that era.
 * Either may come bzip2-compressed; the magic "BZh" decides, not the URL.
 *
 * Every limit is a named constant in the header and each hit has its own error code. A hub whose
 * address is not a hub address is skipped and counted, not fatal: public lists carry a few. */

#define BZ_PIECE (256 * 1024)
#define MAX_CHARSET_NAME 64
#define XML_DECL_SCAN 512

G_DEFINE_QUARK (burrow-hub-list-error-quark, burrow_hub_list_error)

void
burrow_hub_list_entry_free (BurrowHubListEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->address);
  g_free (entry->description);
  g_free (entry->country);
  g_free (entry->encoding);
  g_free (entry->software);
  g_free (entry->rating);
  g_free (entry);
}

/* --- bytes -------------------------------------------------------------------------------- */

static gboolean
is_bzip2 (const guint8 *data,
          gsize         length)
{
  return length >= 4 && data[0] == 'B' && data[1] == 'Z' && data[2] == 'h' &&
         data[3] >= '1' && data[3] <= '9';
}

/* Decompresses one bzip2 stream, never more than BURROW_HUB_LIST_MAX_SIZE bytes. */
static GByteArray *
bunzip (const guint8  *data,
        gsize          length,
        GError       **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  bz_stream bz = { 0, };
  int ret = BZ_OK;

  if (length > G_MAXUINT)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_LARGE,
                   _("The hub list is too large"));
      return NULL;
    }
  if (BZ2_bzDecompressInit (&bz, 0, 0) != BZ_OK)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_BAD_COMPRESSION,
                   _("Cannot start bzip2 decompression"));
      return NULL;
    }
  bz.next_in = (char *) data;
  bz.avail_in = (guint) length;
  while (ret == BZ_OK)
    {
      gsize used = out->len;
      gsize room = MIN ((gsize) BZ_PIECE, (gsize) BURROW_HUB_LIST_MAX_SIZE + 1 - used);
      guint avail_in = bz.avail_in;

      if (room == 0)
        {
          BZ2_bzDecompressEnd (&bz);
          g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_LARGE,
                       _("The hub list is larger than %u MiB once decompressed"),
                       (guint) (BURROW_HUB_LIST_MAX_SIZE / (1024 * 1024)));
          return NULL;
        }
      g_byte_array_set_size (out, (guint) (used + room));
      bz.next_out = (char *) out->data + used;
      bz.avail_out = (guint) room;
      ret = BZ2_bzDecompress (&bz);
      g_byte_array_set_size (out, (guint) (used + room - bz.avail_out));
      if (ret == BZ_OK && bz.avail_in == 0 && avail_in == 0 && out->len == used)
        ret = BZ_UNEXPECTED_EOF;
    }
  BZ2_bzDecompressEnd (&bz);
  if (ret != BZ_STREAM_END)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_BAD_COMPRESSION,
                   ret == BZ_UNEXPECTED_EOF ? _("The compressed hub list is truncated")
                                            : _("The compressed hub list is corrupt"));
      return NULL;
    }
  if (out->len > BURROW_HUB_LIST_MAX_SIZE)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_LARGE,
                   _("The hub list is larger than %u MiB once decompressed"),
                   (guint) (BURROW_HUB_LIST_MAX_SIZE / (1024 * 1024)));
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* The `encoding` of an XML declaration at the start of @text, or NULL. */
static gchar *
xml_declared_charset (const gchar *text,
                      gsize        length)
{
  gsize scan = MIN (length, (gsize) XML_DECL_SCAN);
  const gchar *end;
  const gchar *p;
  const gchar *close;

  if (scan < 5 || strncmp (text, "<?xml", 5) != 0)
    return NULL;
  end = g_strstr_len (text, (gssize) scan, "?>");
  if (end == NULL)
    return NULL;
  p = g_strstr_len (text, end - text, "encoding");
  if (p == NULL)
    return NULL;
  p += strlen ("encoding");
  while (p < end && g_ascii_isspace (*p))
    p++;
  if (p >= end || *p != '=')
    return NULL;
  p++;
  while (p < end && g_ascii_isspace (*p))
    p++;
  if (p >= end || (*p != '"' && *p != '\''))
    return NULL;
  close = memchr (p + 1, *p, end - (p + 1));
  if (close == NULL || close == p + 1)
    return NULL;
  return g_strndup (p + 1, close - (p + 1));
}

static gboolean
is_utf8_name (const gchar *charset)
{
  return g_ascii_strcasecmp (charset, "UTF-8") == 0 || g_ascii_strcasecmp (charset, "UTF8") == 0;
}

static gchar *
to_utf8 (const gchar  *text,
         gsize         length,
         const gchar  *charset,
         gsize        *out_length,
         GError      **error)
{
  g_autoptr(GError) local = NULL;
  gchar *converted;

  converted = g_convert (text, (gssize) length, "UTF-8", charset, NULL, out_length, &local);
  if (converted == NULL)
    {
      if (g_error_matches (local, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION))
        g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_BAD_ENCODING,
                     _("The hub list is in an unknown character set “%s”"), charset);
      else
        g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_BAD_ENCODING,
                     _("The hub list is not valid %s"), charset);
      return NULL;
    }
  if (*out_length > BURROW_HUB_LIST_MAX_SIZE)
    {
      g_free (converted);
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_LARGE,
                   _("The hub list is larger than %u MiB once decompressed"),
                   (guint) (BURROW_HUB_LIST_MAX_SIZE / (1024 * 1024)));
      return NULL;
    }
  return converted;
}

static gboolean
check_utf8 (const gchar  *text,
            gsize         length,
            GError      **error)
{
  const gchar *bad = NULL;

  if (g_utf8_validate_len (text, length, &bad))
    return TRUE;
  g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_INVALID_UTF8,
               _("The hub list is not valid UTF-8 (at byte %lu)"), (gulong) (bad - text));
  return FALSE;
}

/* --- fields ------------------------------------------------------------------------------- */

/* A copy for display: trimmed, control characters (tabs, line breaks) as spaces, NULL if empty. */
static gchar *
clean_text (const gchar *value,
            gsize        length)
{
  gchar *copy = g_strndup (value, length);

  for (gchar *p = copy; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  g_strstrip (copy);
  if (*copy == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

static guint64
parse_count (const gchar *value)
{
  while (g_ascii_isspace (*value))
    value++;
  if (!g_ascii_isdigit (*value))
    return 0;
  return g_ascii_strtoull (value, NULL, 10);
}

static gdouble
parse_percent (const gchar *value)
{
  gdouble v = g_ascii_strtod (value, NULL);

  if (!(v > 0.0))   /* also NaN */
    return 0.0;
  return MIN (v, 100.0);
}

/**
 * burrow_hub_list_normalize_address:
 * @address: a hub address from a list: a URI, or a bare `host[:port]` (NMDC, as old lists write)
 *
 * Returns: (transfer full): the canonical address (lower-case scheme and host, explicit port,
 *   `?kp=` kept), or %NULL with a %BURROW_PROTOCOL_ERROR
 */
gchar *
burrow_hub_list_normalize_address (const gchar  *address,
                                   GError      **error)
{
  g_autofree gchar *trimmed = g_strstrip (g_strdup (address));
  g_autofree gchar *with_scheme = NULL;
  g_autoptr(BurrowHubUri) uri = NULL;

  with_scheme = strstr (trimmed, "://") != NULL ? g_strdup (trimmed)
                                                : g_strconcat ("dchub://", trimmed, NULL);
  uri = burrow_hub_uri_parse (with_scheme, error);
  if (uri == NULL)
    return NULL;
  return burrow_hub_uri_to_string (uri);
}

typedef struct
{
  GPtrArray *hubs;
  guint      n_skipped;
} Collector;

static gboolean
add_hub (Collector           *c,
         BurrowHubListEntry  *entry,
         const gchar         *address,
         GError             **error)
{
  g_autoptr(BurrowHubListEntry) owned = entry;
  g_autoptr(BurrowHubUri) uri = NULL;
  g_autofree gchar *canonical = NULL;

  if (address == NULL || (canonical = burrow_hub_list_normalize_address (address, NULL)) == NULL)
    {
      c->n_skipped++;
      return TRUE;
    }
  if (c->hubs->len >= BURROW_HUB_LIST_MAX_HUBS)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_MANY_HUBS,
                   _("The hub list has more than %u hubs"), (guint) BURROW_HUB_LIST_MAX_HUBS);
      return FALSE;
    }
  uri = burrow_hub_uri_parse (canonical, NULL);
  g_assert (uri != NULL);
  entry->protocol = uri->protocol;
  entry->address = g_steal_pointer (&canonical);
  if (entry->name == NULL)
    entry->name = g_strdup (entry->address);
  g_ptr_array_add (c->hubs, g_steal_pointer (&owned));
  return TRUE;
}

static gboolean
field_too_long (gsize    length,
                GError **error)
{
  if (length <= BURROW_HUB_LIST_MAX_FIELD)
    return FALSE;
  g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_FIELD_TOO_LONG,
               _("A field of the hub list is longer than %u bytes"),
               (guint) BURROW_HUB_LIST_MAX_FIELD);
  return TRUE;
}

/* --- XML ---------------------------------------------------------------------------------- */

typedef struct
{
  Collector *collector;
  guint      depth;
  gboolean   seen_root;
  gboolean   in_hubs;     /* inside Hublist > Hubs */
  guint      hubs_depth;
} XmlState;

static void
set_text (gchar       **field,
          const gchar  *value)
{
  g_free (*field);
  *field = clean_text (value, strlen (value));
}

static void
xml_hub (XmlState     *st,
         const gchar **names,
         const gchar **values,
         GError      **error)
{
  BurrowHubListEntry *entry = g_new0 (BurrowHubListEntry, 1);
  const gchar *address = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const gchar *n = names[i];
      const gchar *v = values[i];

      if (g_ascii_strcasecmp (n, "Name") == 0)
        set_text (&entry->name, v);
      else if (g_ascii_strcasecmp (n, "Address") == 0)
        address = v;
      else if (g_ascii_strcasecmp (n, "Description") == 0)
        set_text (&entry->description, v);
      else if (g_ascii_strcasecmp (n, "Country") == 0)
        set_text (&entry->country, v);
      else if (g_ascii_strcasecmp (n, "Encoding") == 0)
        set_text (&entry->encoding, v);
      else if (g_ascii_strcasecmp (n, "Software") == 0)
        set_text (&entry->software, v);
      else if (g_ascii_strcasecmp (n, "Rating") == 0)
        set_text (&entry->rating, v);
      else if (g_ascii_strcasecmp (n, "Users") == 0)
        entry->users = (guint) MIN (parse_count (v), (guint64) G_MAXUINT);
      else if (g_ascii_strcasecmp (n, "Shared") == 0)
        entry->shared = parse_count (v);
      else if (g_ascii_strcasecmp (n, "Minshare") == 0)
        entry->min_share = parse_count (v);
      else if (g_ascii_strcasecmp (n, "Minslots") == 0)
        entry->min_slots = (guint) MIN (parse_count (v), (guint64) G_MAXUINT);
      else if (g_ascii_strcasecmp (n, "Maxhubs") == 0)
        entry->max_hubs = (guint) MIN (parse_count (v), (guint64) G_MAXUINT);
      else if (g_ascii_strcasecmp (n, "Maxusers") == 0)
        entry->max_users = (guint) MIN (parse_count (v), (guint64) G_MAXUINT);
      else if (g_ascii_strcasecmp (n, "Reliability") == 0)
        entry->reliability = parse_percent (v);
    }
  add_hub (st->collector, entry, address, error);
}

static void
xml_start (GMarkupParseContext  *context,
           const gchar          *element,
           const gchar         **names,
           const gchar         **values,
           gpointer              user_data,
           GError              **error)
{
  XmlState *st = user_data;

  st->depth++;
  if (st->depth > BURROW_HUB_LIST_MAX_DEPTH)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_DEEP,
                   _("The hub list nests elements deeper than %u"),
                   (guint) BURROW_HUB_LIST_MAX_DEPTH);
      return;
    }
  for (guint i = 0; names[i] != NULL; i++)
    if (field_too_long (strlen (values[i]), error))
      return;

  if (st->depth == 1)
    {
      if (g_ascii_strcasecmp (element, "Hublist") != 0)
        {
          g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_MALFORMED,
                       _("Not a hub list: the document is <%s>, not <Hublist>"), element);
          return;
        }
      st->seen_root = TRUE;
    }
  else if (st->depth == 2 && g_ascii_strcasecmp (element, "Hubs") == 0)
    st->in_hubs = TRUE;
  else if (st->depth == 3 && st->in_hubs && g_ascii_strcasecmp (element, "Hub") == 0)
    xml_hub (st, names, values, error);
}

static void
xml_end (GMarkupParseContext  *context,
         const gchar          *element,
         gpointer              user_data,
         GError              **error)
{
  XmlState *st = user_data;

  if (st->depth == 2)
    st->in_hubs = FALSE;
  st->depth--;
}

static const GMarkupParser xml_parser = {
  .start_element = xml_start,
  .end_element = xml_end,
};

static gboolean
parse_xml (Collector    *c,
           const gchar  *text,
           gsize         length,
           GError      **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) local = NULL;
  XmlState st = { .collector = c };

  context = g_markup_parse_context_new (&xml_parser, G_MARKUP_PREFIX_ERROR_POSITION, &st, NULL);
  if (!g_markup_parse_context_parse (context, text, (gssize) length, &local) ||
      !g_markup_parse_context_end_parse (context, &local))
    {
      if (local->domain == BURROW_HUB_LIST_ERROR)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_MALFORMED,
                     _("The hub list is not well-formed XML: %s"), local->message);
      return FALSE;
    }
  if (!st.seen_root)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_MALFORMED,
                   _("Not a hub list: no <Hublist> element"));
      return FALSE;
    }
  return TRUE;
}

/* --- .config ------------------------------------------------------------------------------ */

static gboolean
parse_config (Collector    *c,
              const gchar  *text,
              gsize         length,
              GError      **error)
{
  const gchar *p = text;
  const gchar *end = text + length;
  guint n_lines = 0;

  while (p < end)
    {
      const gchar *eol = memchr (p, '\n', end - p);
      const gchar *line_end = eol ? eol : end;
      const gchar *fields[4];
      gsize lengths[4];
      guint n = 0;
      const gchar *f = p;
      BurrowHubListEntry *entry;
      g_autofree gchar *address = NULL;
      g_autofree gchar *users = NULL;

      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      while (f <= line_end && n < 4)
        {
          const gchar *bar = memchr (f, '|', line_end - f);
          const gchar *fend = bar ? bar : line_end;

          if (field_too_long (fend - f, error))
            return FALSE;
          fields[n] = f;
          lengths[n] = fend - f;
          n++;
          if (bar == NULL)
            break;
          f = bar + 1;
        }
      if (line_end > p)
        n_lines++;
      p = eol ? eol + 1 : end;
      if (n < 4)
        continue;

      entry = g_new0 (BurrowHubListEntry, 1);
      entry->name = clean_text (fields[0], lengths[0]);
      address = g_strndup (fields[1], lengths[1]);
      entry->description = clean_text (fields[2], lengths[2]);
      users = g_strndup (fields[3], lengths[3]);
      entry->users = (guint) MIN (parse_count (users), (guint64) G_MAXUINT);
      if (!add_hub (c, entry, address, error))
        return FALSE;
    }
  if (c->hubs->len == 0 && c->n_skipped == 0)
    {
      g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_MALFORMED,
                   n_lines == 0 ? _("The hub list is empty")
                                : _("Not a hub list: no line of the form name|address|description|users"));
      return FALSE;
    }
  return TRUE;
}

/* --- entry point -------------------------------------------------------------------------- */

/**
 * burrow_hub_list_parse:
 * @data: a hub list as downloaded: XML or `.config`, plain or bzip2
 * @length: its size in bytes
 * @n_skipped: (out) (optional): hubs left out because their address is not a hub address
 * @error: a %BURROW_HUB_LIST_ERROR
 *
 * Returns: (transfer full) (element-type BurrowHubListEntry): the hubs in list order (an XML
 *   list may have none), or %NULL with @error set
 */
GPtrArray *
burrow_hub_list_parse (const guint8  *data,
                       gsize          length,
                       guint         *n_skipped,
                       GError       **error)
{
  g_autoptr(GByteArray) inflated = NULL;
  g_autoptr(GPtrArray) hubs = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_hub_list_entry_free);
  g_autofree gchar *converted = NULL;
  g_autofree gchar *charset = NULL;
  Collector c = { .hubs = hubs };
  const gchar *text;
  gsize text_length;
  gsize lead = 0;
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (is_bzip2 (data, length))
    {
      inflated = bunzip (data, length, error);
      if (inflated == NULL)
        return NULL;
      text = (const gchar *) inflated->data;
      text_length = inflated->len;
    }
  else
    {
      if (length > BURROW_HUB_LIST_MAX_SIZE)
        {
          g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_TOO_LARGE,
                       _("The hub list is larger than %u MiB once decompressed"),
                       (guint) (BURROW_HUB_LIST_MAX_SIZE / (1024 * 1024)));
          return NULL;
        }
      text = (const gchar *) data;
      text_length = length;
    }

  if (text_length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    text += 3, text_length -= 3;
  while (lead < text_length && g_ascii_isspace (text[lead]))
    lead++;

  if (lead < text_length && text[lead] == '<')
    {
      text += lead;
      text_length -= lead;
      charset = xml_declared_charset (text, text_length);
      if (charset != NULL && strlen (charset) > MAX_CHARSET_NAME)
        {
          g_set_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_BAD_ENCODING,
                       _("The hub list declares an invalid character set"));
          return NULL;
        }
      if (charset != NULL && !is_utf8_name (charset))
        {
          converted = to_utf8 (text, text_length, charset, &text_length, error);
          if (converted == NULL)
            return NULL;
          text = converted;
        }
      if (!check_utf8 (text, text_length, error))
        return NULL;
      ok = parse_xml (&c, text, text_length, error);
    }
  else
    {
      if (!g_utf8_validate_len (text, text_length, NULL))
        {
          converted = to_utf8 (text, text_length, "WINDOWS-1252", &text_length, error);
          if (converted == NULL)
            return NULL;
          text = converted;
          if (!check_utf8 (text, text_length, error))
            return NULL;
        }
      ok = parse_config (&c, text, text_length, error);
    }
  if (!ok)
    return NULL;
  if (n_skipped != NULL)
    *n_skipped = c.n_skipped;
  return g_steal_pointer (&hubs);
}
