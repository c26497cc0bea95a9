/* burrow-file-list-parser.c — reading a peer's file list: bytes in, a tree or an error out
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-list"

#include "config.h"

#include <bzlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-file-list-private.h"
#include "burrow-file-tree-private.h"

#include "burrow-file-list.h"

/* Pure: no I/O and no threads, so it is unit-tested and fuzzed
 * (tests/fuzz/fuzz-file-list.c) on its own; burrow-file-list.c runs it in
 * worker threads over files and streams.
 *
 * A small streaming XML tokenizer written for this schema, fed chunk by
 * chunk. It understands what XML allows in a file list (both quote styles,
 * the five named entities and numeric references, comments, processing
 * instructions, CDATA, a DOCTYPE without entity definitions, a BOM, CRLF,
 * self-closing or open/close elements, unknown elements and attributes) and
 * validates UTF-8 over the whole input. Memory stays bounded whatever the
 * input: text is skipped, not buffered, and a single tag may not exceed
 * MAX_TOKEN bytes. bzip2 input is decompressed in memory, in pieces of
 * BURROW_FILE_LIST_CHUNK_SIZE bytes fed to the tokenizer. */

#define MAX_TOKEN       (1024 * 1024)
#define EXTRA_NESTING   16   /* unknown elements allowed beyond max_depth */
#define MAX_ELEMENT_NAME 256

/**
 * burrow_file_list_limits_default:
 *
 * Returns: the default limits for peers' lists (see the header for the reasoning)
 */
BurrowFileListLimits
burrow_file_list_limits_default (void)
{
  BurrowFileListLimits limits = {
    .max_decompressed_bytes = BURROW_FILE_LIST_DEFAULT_MAX_DECOMPRESSED,
    .max_depth = BURROW_FILE_LIST_DEFAULT_MAX_DEPTH,
    .max_entries = BURROW_FILE_LIST_DEFAULT_MAX_ENTRIES,
  };

  return limits;
}

BurrowFileListLimits
_burrow_file_list_resolve_limits (const BurrowFileListLimits *limits)
{
  BurrowFileListLimits resolved = burrow_file_list_limits_default ();

  if (limits != NULL)
    {
      if (limits->max_decompressed_bytes != 0)
        resolved.max_decompressed_bytes = limits->max_decompressed_bytes;
      if (limits->max_depth != 0)
        resolved.max_depth = limits->max_depth;
      if (limits->max_entries != 0)
        resolved.max_entries = limits->max_entries;
    }
  return resolved;
}

/* A printable form of untrusted text for error messages. */
gchar *
_burrow_file_list_sanitize (const gchar *text,
                            gsize        len)
{
  g_autofree gchar *valid = g_utf8_make_valid (text, MIN (len, 64));
  GString *out = g_string_new (NULL);

  for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_unichar (out, c);
    }
  if (len > 64)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* UTF-8 ------------------------------------------------------------------- */

/* Validates data[0, len) strictly (RFC 3629: no overlongs, surrogates or
 * values above U+10FFFF). Returns the number of bytes that form complete,
 * valid sequences; *bad is set if an invalid sequence was met (rather than
 * an incomplete one at the end). */
static gsize
utf8_validate_prefix (const guchar *data,
                      gsize         len,
                      gboolean     *bad)
{
  gsize i = 0;

  *bad = FALSE;
  while (i < len)
    {
      guchar c = data[i];
      gsize need;
      gunichar min;
      gunichar u;

      if (c < 0x80)
        {
          /* ASCII fast path, 8 bytes at a time */
          while (i + 8 <= len)
            {
              guint64 word;

              memcpy (&word, data + i, 8);
              if ((word & G_GUINT64_CONSTANT (0x8080808080808080)) != 0)
                break;
              i += 8;
            }
          while (i < len && data[i] < 0x80)
            i++;
          continue;
        }

      if (c >= 0xc2 && c <= 0xdf)
        need = 1, min = 0x80, u = c & 0x1f;
      else if (c >= 0xe0 && c <= 0xef)
        need = 2, min = 0x800, u = c & 0x0f;
      else if (c >= 0xf0 && c <= 0xf4)
        need = 3, min = 0x10000, u = c & 0x07;
      else
        {
          *bad = TRUE;
          return i;
        }
      for (gsize k = 1; k <= need; k++)
        {
          if (i + k >= len)
            return i;   /* incomplete: wait for more */
          if ((data[i + k] & 0xc0) != 0x80)
            {
              *bad = TRUE;
              return i;
            }
          u = (u << 6) | (data[i + k] & 0x3f);
        }
      if (u < min || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
        {
          *bad = TRUE;
          return i;
        }
      i += need + 1;
    }
  return i;
}

/* Parser ------------------------------------------------------------------ */

typedef enum
{
  FRAME_ROOT,    /* <FileListing> */
  FRAME_DIR,     /* <Directory> added to the tree (node set) */
  FRAME_DROPPED, /* <Directory> dropped as a duplicate: content checked, not added */
  FRAME_FILE,    /* <File> written as open/close */
  FRAME_OTHER,   /* unknown element: content ignored */
} FrameKind;

typedef struct
{
  FrameKind       kind;
  guint           dir_depth;  /* directory nesting of this element's content */
  gsize           name_off;   /* FRAME_OTHER: element name in Parser.other_names */
  gsize           name_len;
  BurrowFileNode *node;
} ParseFrame;

typedef struct
{
  const gchar *name;
  gsize        name_len;
  const gchar *value;       /* raw, between the quotes */
  gsize        value_len;
} Attr;

#define MAX_ATTRS 16

typedef struct
{
  BurrowFileListLimits  limits;
  BurrowFileTree       *tree;
  GArray               *frames;       /* ParseFrame */
  GString              *other_names;
  GByteArray           *carry;        /* unconsumed input */
  gsize                 carry_valid;  /* bytes of carry already UTF-8-validated */
  guint64               offset;       /* stream offset of the first byte of carry */
  guint64               fed;          /* total bytes fed */
  guint                 n_entries;
  guint                 n_duplicates;
  gboolean              seen_root;
  gboolean              root_closed;
  gchar                *cid;
  gchar                *base;
  GString              *value;        /* scratch for decoded attribute values */
  GError               *error;
} Parser;

static void
parser_init (Parser                     *ps,
             const BurrowFileListLimits *limits)
{
  memset (ps, 0, sizeof *ps);
  ps->limits = _burrow_file_list_resolve_limits (limits);
  ps->tree = burrow_file_tree_new ();
  ps->frames = g_array_new (FALSE, FALSE, sizeof (ParseFrame));
  ps->other_names = g_string_new (NULL);
  ps->carry = g_byte_array_new ();
  ps->value = g_string_sized_new (512);
}

static void
parser_clear (Parser *ps)
{
  g_clear_pointer (&ps->tree, burrow_file_tree_unref);
  g_clear_pointer (&ps->frames, g_array_unref);
  if (ps->other_names != NULL)
    g_string_free (g_steal_pointer (&ps->other_names), TRUE);
  g_clear_pointer (&ps->carry, g_byte_array_unref);
  if (ps->value != NULL)
    g_string_free (g_steal_pointer (&ps->value), TRUE);
  g_clear_pointer (&ps->cid, g_free);
  g_clear_pointer (&ps->base, g_free);
  g_clear_error (&ps->error);
}

static gboolean G_GNUC_PRINTF (4, 5)
parse_fail (Parser      *ps,
            gint         code,
            guint64      at,
            const gchar *format,
            ...)
{
  g_autofree gchar *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (ps->error == NULL)
    ps->error = g_error_new (BURROW_SHARE_ERROR, code,
                             _("Rejected file list: %s (at byte %llu)"),
                             what, (unsigned long long) at);
  return FALSE;
}

static inline gboolean
is_space (guchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline gboolean
name_is (const gchar *name,
         gsize        len,
         const gchar *literal,
         gsize        literal_len)
{
  return len == literal_len && memcmp (name, literal, len) == 0;
}

#define NAME_IS(name, len, lit) name_is ((name), (len), (lit), sizeof (lit) - 1)

/* Decodes an attribute value (entities, whitespace normalization) into
 * ps->value, NUL-terminated. */
static gboolean
decode_value (Parser      *ps,
              guint64      at,
              const Attr  *attr)
{
  const gchar *p = attr->value;
  const gchar *end = p + attr->value_len;
  GString *v = ps->value;

  g_string_truncate (v, 0);
  while (p < end)
    {
      const gchar *run = p;

      while (p < end && *p != '&' && *p != '\t' && *p != '\n' && *p != '\r')
        p++;
      g_string_append_len (v, run, p - run);
      if (p == end)
        break;

      if (*p != '&')
        {
          /* XML attribute-value normalization; CRLF counts once */
          if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++;
          g_string_append_c (v, ' ');
          p++;
          continue;
        }
      else
        {
          const gchar *semi = memchr (p, ';', MIN ((gsize) (end - p), 12));
          gsize elen;

          if (semi == NULL)
            return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                               _("“&” without an entity in an attribute"));
          elen = semi - p - 1;
          if (NAME_IS (p + 1, elen, "amp"))
            g_string_append_c (v, '&');
          else if (NAME_IS (p + 1, elen, "lt"))
            g_string_append_c (v, '<');
          else if (NAME_IS (p + 1, elen, "gt"))
            g_string_append_c (v, '>');
          else if (NAME_IS (p + 1, elen, "quot"))
            g_string_append_c (v, '"');
          else if (NAME_IS (p + 1, elen, "apos"))
            g_string_append_c (v, '\'');
          else if (elen >= 2 && p[1] == '#')
            {
              gboolean hex = p[2] == 'x';
              const gchar *d = p + (hex ? 3 : 2);
              guint32 u = 0;

              if (d == semi)
                return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                                   _("empty character reference"));
              for (; d < semi; d++)
                {
                  gint digit = hex ? g_ascii_xdigit_value (*d) : g_ascii_digit_value (*d);

                  if (digit < 0 || u > 0x10ffff)
                    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                                       _("bad character reference"));
                  u = u * (hex ? 16 : 10) + digit;
                }
              if (u == 0 || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
                return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                                   _("character reference to an invalid character"));
              g_string_append_unichar (v, u);
            }
          else
            {
              g_autofree gchar *shown = _burrow_file_list_sanitize (p, semi - p + 1);

              return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                                 _("unknown entity “%s”"), shown);
            }
          p = semi + 1;
        }
    }
  return TRUE;
}

static const Attr *
find_attr (const Attr  *attrs,
           guint        n_attrs,
           const gchar *name,
           gsize        name_len)
{
  for (guint i = 0; i < n_attrs; i++)
    if (name_is (attrs[i].name, attrs[i].name_len, name, name_len))
      return &attrs[i];
  return NULL;
}

#define FIND_ATTR(attrs, n, lit) find_attr ((attrs), (n), (lit), sizeof (lit) - 1)

static gboolean
parse_u64 (const gchar *text,
           gsize        len,
           guint64     *out)
{
  guint64 v = 0;

  if (len == 0 || len > 20)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guint d = (guchar) text[i] - '0';

      if (d > 9 || v > (G_MAXUINT64 - d) / 10)
        return FALSE;
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}

/* The Name attribute, decoded and validated, in ps->value. */
static gboolean
entry_name (Parser      *ps,
            guint64      at,
            const Attr  *attrs,
            guint        n_attrs,
            const gchar *element)
{
  const Attr *name = FIND_ATTR (attrs, n_attrs, "Name");

  if (name == NULL)
    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                       _("<%s> without a Name"), element);
  if (!decode_value (ps, at, name))
    return FALSE;
  if (!burrow_file_name_is_valid (ps->value->str, ps->value->len))
    {
      g_autofree gchar *shown = _burrow_file_list_sanitize (ps->value->str, ps->value->len);

      return parse_fail (ps, BURROW_SHARE_ERROR_BAD_NAME, at,
                         _("invalid name “%s”"), shown);
    }
  return TRUE;
}

static gboolean
count_entry (Parser  *ps,
             guint64  at)
{
  if (++ps->n_entries > ps->limits.max_entries)
    return parse_fail (ps, BURROW_SHARE_ERROR_TOO_MANY_ENTRIES, at,
                       _("more than %u entries"), ps->limits.max_entries);
  return TRUE;
}

static gboolean
base_is_valid (const gchar *base,
               gsize        len)
{
  const gchar *p;

  if (len == 0 || base[0] != '/' || strlen (base) != len)
    return FALSE;
  for (p = base + 1; *p != '\0';)
    {
      const gchar *slash = strchr (p, '/');
      gsize n = slash != NULL ? (gsize) (slash - p) : strlen (p);

      if (!burrow_file_name_is_valid (p, n))
        return FALSE;
      p += n;
      if (*p == '/')
        p++;
    }
  return TRUE;
}

static gboolean
start_root (Parser      *ps,
            guint64      at,
            const gchar *element,
            gsize        element_len,
            const Attr  *attrs,
            guint        n_attrs,
            gboolean     self_closing)
{
  const Attr *base;
  const Attr *cid;
  ParseFrame frame = { FRAME_ROOT, 0, 0, 0, NULL };

  if (ps->root_closed)
    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                       _("an element after </FileListing>"));
  if (!NAME_IS (element, element_len, "FileListing"))
    {
      g_autofree gchar *shown = _burrow_file_list_sanitize (element, element_len);

      return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                         _("the root element is <%s>, not <FileListing>"), shown);
    }
  ps->seen_root = TRUE;
  frame.node = burrow_file_tree_get_root (ps->tree);

  cid = FIND_ATTR (attrs, n_attrs, "CID");
  if (cid != NULL)
    {
      if (!decode_value (ps, at, cid))
        return FALSE;
      ps->cid = g_strdup (ps->value->str);
    }

  base = FIND_ATTR (attrs, n_attrs, "Base");
  if (base != NULL)
    {
      if (!decode_value (ps, at, base))
        return FALSE;
      if (!base_is_valid (ps->value->str, ps->value->len))
        {
          g_autofree gchar *shown = _burrow_file_list_sanitize (ps->value->str, ps->value->len);

          return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("bad Base “%s”"), shown);
        }
      if (ps->value->str[ps->value->len - 1] != '/')
        g_string_append_c (ps->value, '/');
      ps->base = g_strdup (ps->value->str);
    }
  else
    ps->base = g_strdup ("/");

  if (self_closing)
    ps->root_closed = TRUE;
  else
    g_array_append_val (ps->frames, frame);
  return TRUE;
}

static gboolean
start_directory (Parser           *ps,
                 guint64           at,
                 const ParseFrame *top,
                 const Attr       *attrs,
                 guint             n_attrs,
                 gboolean          self_closing)
{
  ParseFrame frame = { FRAME_DIR, top->dir_depth + 1, 0, 0, NULL };
  const Attr *incomplete_attr;
  const Attr *size_attr;
  gboolean incomplete;
  guint64 size = 0;

  if (!count_entry (ps, at))
    return FALSE;
  if (frame.dir_depth > ps->limits.max_depth)
    return parse_fail (ps, BURROW_SHARE_ERROR_LIST_TOO_DEEP, at,
                       _("directories nested deeper than %u levels"), ps->limits.max_depth);

  incomplete_attr = FIND_ATTR (attrs, n_attrs, "Incomplete");
  incomplete = incomplete_attr != NULL && incomplete_attr->value_len == 1 &&
               incomplete_attr->value[0] == '1';
  size_attr = FIND_ATTR (attrs, n_attrs, "Size");
  if (size_attr != NULL && !parse_u64 (size_attr->value, size_attr->value_len, &size))
    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("bad directory Size"));
  if (!entry_name (ps, at, attrs, n_attrs, "Directory"))
    return FALSE;

  if (top->kind == FRAME_DROPPED)
    frame.kind = FRAME_DROPPED;
  else
    {
      BurrowFileNode *existing = NULL;
      BurrowFileNode *node = _burrow_file_tree_insert (ps->tree, top->node, ps->value->str,
                                                       ps->value->len, TRUE, &existing);

      if (node != NULL)
        {
          node->incomplete = incomplete;
          if (incomplete)
            node->size = size;
          frame.node = node;
        }
      else if (existing->is_dir)
        {
          /* the same directory twice: merge into the first */
          existing->incomplete = existing->incomplete && incomplete;
          frame.node = existing;
        }
      else
        {
          ps->n_duplicates++;
          g_debug ("dropping directory “%s”: a file of that name precedes it", ps->value->str);
          frame.kind = FRAME_DROPPED;
        }
    }

  if (!self_closing)
    g_array_append_val (ps->frames, frame);
  return TRUE;
}

static gboolean
start_file (Parser           *ps,
            guint64           at,
            const ParseFrame *top,
            const Attr       *attrs,
            guint             n_attrs,
            gboolean          self_closing)
{
  ParseFrame frame = { FRAME_FILE, top->dir_depth, 0, 0, NULL };
  const Attr *size_attr;
  const Attr *tth_attr;
  guint8 tth[24];
  guint64 size;
  BurrowFileNode *node;

  if (!count_entry (ps, at))
    return FALSE;

  size_attr = FIND_ATTR (attrs, n_attrs, "Size");
  if (size_attr == NULL || !parse_u64 (size_attr->value, size_attr->value_len, &size))
    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                       size_attr == NULL ? _("<File> without a Size") : _("bad file Size"));
  tth_attr = FIND_ATTR (attrs, n_attrs, "TTH");
  if (tth_attr != NULL &&
      (tth_attr->value_len != BURROW_BASE32_LEN (24) ||
       !burrow_base32_decode (tth_attr->value, tth_attr->value_len, tth, sizeof tth, NULL)))
    {
      g_autofree gchar *shown = _burrow_file_list_sanitize (tth_attr->value, tth_attr->value_len);

      return parse_fail (ps, BURROW_SHARE_ERROR_BAD_TTH, at, _("bad TTH “%s”"), shown);
    }
  if (!entry_name (ps, at, attrs, n_attrs, "File"))
    return FALSE;

  if (top->kind != FRAME_DROPPED)
    {
      node = _burrow_file_tree_insert (ps->tree, top->node, ps->value->str, ps->value->len,
                                       FALSE, NULL);
      if (node != NULL)
        {
          node->size = size;
          if (tth_attr != NULL)
            {
              memcpy (node->tth, tth, sizeof tth);
              node->has_tth = TRUE;
            }
        }
      else
        {
          ps->n_duplicates++;
          g_debug ("dropping duplicate file “%s”", ps->value->str);
        }
    }

  if (!self_closing)
    g_array_append_val (ps->frames, frame);
  return TRUE;
}

static gboolean
start_element (Parser      *ps,
               guint64      at,
               const gchar *element,
               gsize        element_len,
               const Attr  *attrs,
               guint        n_attrs,
               gboolean     self_closing)
{
  ParseFrame *top;
  ParseFrame other = { FRAME_OTHER, 0, 0, element_len, NULL };

  if (ps->frames->len == 0)
    return start_root (ps, at, element, element_len, attrs, n_attrs, self_closing);

  if (ps->frames->len >= ps->limits.max_depth + EXTRA_NESTING)
    return parse_fail (ps, BURROW_SHARE_ERROR_LIST_TOO_DEEP, at,
                       _("elements nested deeper than %u levels"),
                       ps->limits.max_depth + EXTRA_NESTING);

  top = &g_array_index (ps->frames, ParseFrame, ps->frames->len - 1);
  if (top->kind != FRAME_OTHER)
    {
      gboolean is_dir = NAME_IS (element, element_len, "Directory");
      gboolean is_file = !is_dir && NAME_IS (element, element_len, "File");

      if (top->kind == FRAME_FILE && (is_dir || is_file))
        return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                           _("<%s> inside <File>"), is_dir ? "Directory" : "File");
      if (is_dir)
        return start_directory (ps, at, top, attrs, n_attrs, self_closing);
      if (is_file)
        return start_file (ps, at, top, attrs, n_attrs, self_closing);
    }

  if (!self_closing)
    {
      other.dir_depth = top->dir_depth;
      other.name_off = ps->other_names->len;
      g_string_append_len (ps->other_names, element, element_len);
      g_array_append_val (ps->frames, other);
    }
  return TRUE;
}

static gboolean
end_element (Parser      *ps,
             guint64      at,
             const gchar *element,
             gsize        element_len)
{
  ParseFrame *top;
  gboolean match;

  if (ps->frames->len == 0)
    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("an end tag without a start tag"));
  top = &g_array_index (ps->frames, ParseFrame, ps->frames->len - 1);
  switch (top->kind)
    {
    case FRAME_ROOT:
      match = NAME_IS (element, element_len, "FileListing");
      break;
    case FRAME_DIR:
    case FRAME_DROPPED:
      match = NAME_IS (element, element_len, "Directory");
      break;
    case FRAME_FILE:
      match = NAME_IS (element, element_len, "File");
      break;
    case FRAME_OTHER:
    default:
      match = name_is (element, element_len, ps->other_names->str + top->name_off,
                       top->name_len);
      break;
    }
  if (!match)
    {
      g_autofree gchar *shown = _burrow_file_list_sanitize (element, element_len);

      return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                         _("mismatched end tag </%s>"), shown);
    }
  if (top->kind == FRAME_DIR || top->kind == FRAME_ROOT)
    _burrow_file_node_sort_children (top->node);
  if (top->kind == FRAME_OTHER)
    g_string_truncate (ps->other_names, top->name_off);
  if (top->kind == FRAME_ROOT)
    ps->root_closed = TRUE;
  g_array_set_size (ps->frames, ps->frames->len - 1);
  return TRUE;
}

static inline gboolean
is_name_end (guchar c)
{
  return is_space (c) || c == '/' || c == '>' || c == '=';
}

/* Finds @needle in [p, end); returns a pointer past it, or NULL. */
static const gchar *
find_after (const gchar *p,
            const gchar *end,
            const gchar *needle)
{
  gsize nlen = strlen (needle);

  while ((gsize) (end - p) >= nlen)
    {
      const gchar *hit = memchr (p, needle[0], end - p - nlen + 1);

      if (hit == NULL)
        return NULL;
      if (memcmp (hit, needle, nlen) == 0)
        return hit + nlen;
      p = hit + 1;
    }
  return NULL;
}

/* Parses one markup construct at p[0] == '<'. Returns the bytes consumed,
 * 0 if the construct is incomplete, -1 on error. */
static gssize
parse_markup (Parser      *ps,
              guint64      at,
              const gchar *p,
              const gchar *end)
{
  const gchar *start = p;
  const gchar *q;
  const gchar *name;
  gsize name_len;
  Attr attrs[MAX_ATTRS];
  guint n_attrs = 0;

  if (end - p < 2)
    return 0;

  if (p[1] == '?')
    {
      q = find_after (p + 2, end, "?>");
      return q != NULL ? q - start : 0;
    }

  if (p[1] == '!')
    {
      if (end - p < 4)
        return 0;
      if (memcmp (p, "<!--", 4) == 0)
        q = find_after (p + 4, end, "-->");
      else if (end - p < 9)
        return 0;
      else if (memcmp (p, "<![CDATA[", 9) == 0)
        q = find_after (p + 9, end, "]]>");
      else
        {
          /* <!DOCTYPE …> possibly with an internal subset in brackets */
          guint brackets = 0;
          gchar quote = 0;

          for (q = p + 2; q < end; q++)
            {
              if (quote != 0)
                {
                  if (*q == quote)
                    quote = 0;
                }
              else if (*q == '"' || *q == '\'')
                quote = *q;
              else if (*q == '[')
                brackets++;
              else if (*q == ']' && brackets > 0)
                brackets--;
              else if (*q == '>' && brackets == 0)
                break;
            }
          q = q < end ? q + 1 : NULL;
        }
      return q != NULL ? q - start : 0;
    }

  if (p[1] == '/')
    {
      name = p + 2;
      for (q = name; q < end && !is_name_end (*q); q++)
        ;
      name_len = q - name;
      while (q < end && is_space (*q))
        q++;
      if (q == end)
        return 0;
      if (*q != '>' || name_len == 0)
        return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("malformed end tag")), -1);
      return end_element (ps, at, name, name_len) ? q + 1 - start : -1;
    }

  /* start tag */
  name = p + 1;
  for (q = name; q < end && !is_name_end (*q); q++)
    ;
  if (q == end)
    return 0;
  name_len = q - name;
  if (name_len == 0)
    return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("malformed tag")), -1);
  if (name_len > MAX_ELEMENT_NAME)
    return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("element name too long")), -1);

  for (;;)
    {
      const gchar *attr_name;
      gsize attr_name_len;
      gchar quote;
      const gchar *close;

      while (q < end && is_space (*q))
        q++;
      if (q == end)
        return 0;
      if (*q == '>')
        return start_element (ps, at, name, name_len, attrs, n_attrs, FALSE) ? q + 1 - start : -1;
      if (*q == '/')
        {
          if (q + 1 == end)
            return 0;
          if (q[1] != '>')
            return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at, _("malformed tag")), -1);
          return start_element (ps, at, name, name_len, attrs, n_attrs, TRUE) ? q + 2 - start : -1;
        }

      attr_name = q;
      while (q < end && !is_name_end (*q))
        q++;
      attr_name_len = q - attr_name;
      while (q < end && is_space (*q))
        q++;
      if (q == end)
        return 0;
      if (attr_name_len == 0 || *q != '=')
        return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                           _("malformed attribute")), -1);
      q++;
      while (q < end && is_space (*q))
        q++;
      if (q == end)
        return 0;
      quote = *q;
      if (quote != '"' && quote != '\'')
        return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                           _("unquoted attribute value")), -1);
      close = memchr (q + 1, quote, end - q - 1);
      if (close == NULL)
        return 0;

      if (find_attr (attrs, n_attrs, attr_name, attr_name_len) != NULL)
        {
          g_autofree gchar *shown = _burrow_file_list_sanitize (attr_name, attr_name_len);

          return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                             _("attribute “%s” given twice"), shown), -1);
        }
      if (n_attrs < MAX_ATTRS)
        {
          attrs[n_attrs].name = attr_name;
          attrs[n_attrs].name_len = attr_name_len;
          attrs[n_attrs].value = q + 1;
          attrs[n_attrs].value_len = close - q - 1;
          n_attrs++;
        }
      q = close + 1;
      if (q < end && !is_space (*q) && *q != '/' && *q != '>')
        return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, at,
                           _("malformed attribute")), -1);
    }
}

/* Parses the complete constructs in buf[0, len). Returns the bytes consumed
 * (the rest is an incomplete construct to retry with more input), or -1. */
static gssize
parse_buffer (Parser      *ps,
              const gchar *buf,
              gsize        len,
              gboolean     final)
{
  const gchar *p = buf;
  const gchar *end = buf + len;

  while (p < end)
    {
      guint64 at = ps->offset + (p - buf);
      gssize r;

      if (*p != '<')
        {
          const gchar *lt;

          /* a BOM may open the document */
          if (at == 0 && (guchar) *p == 0xef)
            {
              if (end - p < 3 && !final)
                break;
              if (end - p >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
                {
                  p += 3;
                  continue;
                }
            }
          lt = memchr (p, '<', end - p);
          if (lt == NULL)
            lt = end;
          if (ps->frames->len == 0)
            {
              /* outside the root element only whitespace may appear */
              for (const gchar *t = p; t < lt; t++)
                if (!is_space (*t))
                  return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->offset + (t - buf),
                                     _("text outside the root element")), -1);
            }
          p = lt;
          continue;
        }

      r = parse_markup (ps, at, p, end);
      if (r < 0)
        return -1;
      if (r == 0)
        {
          if (ps->error != NULL)
            return -1;
          break;
        }
      p += r;
    }

  if (end - p > MAX_TOKEN)
    return (parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->offset + (p - buf),
                       _("a tag longer than %u bytes"), (guint) MAX_TOKEN), -1);
  return p - buf;
}

/* Feeds XML text; returns FALSE with ps->error set on error. */
static gboolean
parser_feed (Parser      *ps,
             const gchar *data,
             gsize        len)
{
  const gchar *buf;
  gsize buf_len;
  gsize valid_from;
  gsize valid;
  gboolean bad;
  gssize consumed;

  if (len == 0)
    return TRUE;
  ps->fed += len;
  if (ps->fed > ps->limits.max_decompressed_bytes)
    {
      if (ps->error == NULL)
        ps->error = g_error_new (BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_LARGE,
                                 _("Rejected file list: larger than %llu bytes uncompressed"),
                                 (unsigned long long) ps->limits.max_decompressed_bytes);
      return FALSE;
    }

  if (ps->carry->len == 0)
    {
      buf = data;
      buf_len = len;
      valid_from = 0;
    }
  else
    {
      g_byte_array_append (ps->carry, (const guint8 *) data, len);
      buf = (const gchar *) ps->carry->data;
      buf_len = ps->carry->len;
      valid_from = ps->carry_valid;
    }

  valid = valid_from + utf8_validate_prefix ((const guchar *) buf + valid_from,
                                             buf_len - valid_from, &bad);
  if (bad)
    return parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->offset + valid,
                       _("invalid UTF-8"));

  consumed = parse_buffer (ps, buf, valid, FALSE);
  if (consumed < 0)
    return FALSE;

  if (buf == data)
    {
      g_byte_array_append (ps->carry, (const guint8 *) data + consumed, len - consumed);
    }
  else if (consumed > 0)
    {
      g_byte_array_remove_range (ps->carry, 0, consumed);
    }
  ps->carry_valid = valid - consumed;
  ps->offset += consumed;
  return TRUE;
}

/* Ends the input; on success returns the finished tree. */
static BurrowFileTree *
parser_end (Parser *ps)
{
  if (ps->carry->len > 0)
    {
      gboolean bad;
      gsize valid = utf8_validate_prefix (ps->carry->data, ps->carry->len, &bad);
      gssize consumed;

      if (bad || valid != ps->carry->len)
        {
          parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->offset + valid, _("invalid UTF-8"));
          return NULL;
        }
      consumed = parse_buffer (ps, (const gchar *) ps->carry->data, ps->carry->len, TRUE);
      if (consumed < 0)
        return NULL;
      if ((gsize) consumed != ps->carry->len)
        {
          parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->offset + consumed,
                      _("truncated inside a tag"));
          return NULL;
        }
    }
  if (!ps->seen_root)
    {
      parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->fed, _("no <FileListing> element"));
      return NULL;
    }
  if (ps->frames->len > 0)
    {
      parse_fail (ps, BURROW_SHARE_ERROR_BAD_LIST, ps->fed,
                  _("truncated: %u elements not closed"), ps->frames->len);
      return NULL;
    }
  burrow_file_tree_finish (ps->tree);
  return g_steal_pointer (&ps->tree);
}

/* bzip2 in ---------------------------------------------------------------- */

struct _BurrowFileListBunzip
{
  bz_stream                bz;
  gboolean                 in_stream;
  gboolean                 input_eof;
  guint                    n_streams;
  BurrowFileListInputFunc  input;
  gpointer                 input_data;
  const gchar             *pending;   /* input not yet given to bz (memory input over 4 GiB) */
  gsize                    pending_len;
  guint64                  produced;
};

typedef BurrowFileListBunzip Decompressor;

static void
decompressor_init (Decompressor            *d,
                   BurrowFileListInputFunc  input,
                   gpointer                 input_data)
{
  memset (d, 0, sizeof *d);
  d->input = input;
  d->input_data = input_data;
}

static void
decompressor_clear (Decompressor *d)
{
  if (d->in_stream)
    BZ2_bzDecompressEnd (&d->bz);
  d->in_stream = FALSE;
}

static gboolean
bad_bzip2 (GError     **error,
           const gchar *why)
{
  g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_LIST,
               _("Rejected file list: %s"), why);
  return FALSE;
}

/* Decompresses into out[0, cap). *out_len is what was produced; *done is set
 * at the clean end of the input. */
static gboolean
decompressor_fill (Decompressor *d,
                   gchar        *out,
                   gsize         cap,
                   gsize        *out_len,
                   gboolean     *done,
                   GError      **error)
{
  gsize produced = 0;

  *done = FALSE;
  while (produced < cap)
    {
      int ret;
      gsize before = produced;
      guint avail_before;

      if (d->bz.avail_in == 0 && d->pending_len == 0 && !d->input_eof)
        {
          if (!d->input (d->input_data, &d->pending, &d->pending_len, error))
            return FALSE;
          if (d->pending_len == 0)
            d->input_eof = TRUE;
        }
      if (d->bz.avail_in == 0 && d->pending_len > 0)
        {
          guint piece = (guint) MIN (d->pending_len, (gsize) 1 << 30);

          d->bz.next_in = (char *) d->pending;
          d->bz.avail_in = piece;
          d->pending += piece;
          d->pending_len -= piece;
        }

      if (!d->in_stream)
        {
          if (d->bz.avail_in == 0 && d->input_eof)
            {
              if (d->n_streams == 0)
                return bad_bzip2 (error, _("empty bzip2 data"));
              *done = TRUE;
              break;
            }
          if (BZ2_bzDecompressInit (&d->bz, 0, 0) != BZ_OK)
            return bad_bzip2 (error, _("cannot start bzip2 decompression"));
          d->in_stream = TRUE;
        }

      avail_before = d->bz.avail_in;
      d->bz.next_out = out + produced;
      d->bz.avail_out = (guint) (cap - produced);
      ret = BZ2_bzDecompress (&d->bz);
      produced = (gsize) (d->bz.next_out - out);

      if (ret == BZ_STREAM_END)
        {
          BZ2_bzDecompressEnd (&d->bz);
          d->in_stream = FALSE;
          d->n_streams++;
          continue;
        }
      if (ret != BZ_OK)
        {
          if (ret == BZ_DATA_ERROR_MAGIC)
            return bad_bzip2 (error, d->n_streams == 0 ? _("not bzip2 data")
                                                       : _("garbage after the bzip2 data"));
          return bad_bzip2 (error, _("corrupt bzip2 data"));
        }
      if (produced == before && d->bz.avail_in == avail_before && d->bz.avail_in == 0 &&
          d->pending_len == 0 && d->input_eof)
        return bad_bzip2 (error, _("truncated bzip2 data"));
    }
  d->produced += produced;
  *out_len = produced;
  return TRUE;
}

gboolean
_burrow_file_list_memory_input (gpointer      user_data,
                                const gchar **data,
                                gsize        *len,
                                GError      **error)
{
  BurrowFileListMemoryInput *in = user_data;

  *data = in->data;
  *len = in->len;
  in->data = NULL;
  in->len = 0;
  return TRUE;
}

/* Feeds @ps what @input gives, bzip2-decompressed in pieces of @chunk_size. */
static gboolean
parse_decompressed (Parser                  *ps,
                    BurrowFileListInputFunc  input,
                    gpointer                 input_data,
                    gsize                    chunk_size)
{
  Decompressor d;
  g_autofree gchar *chunk = g_malloc (chunk_size);
  gboolean done = FALSE;
  gboolean ok = TRUE;

  decompressor_init (&d, input, input_data);
  while (ok && !done)
    {
      gsize produced;

      ok = decompressor_fill (&d, chunk, chunk_size, &produced, &done, &ps->error) &&
           parser_feed (ps, chunk, produced);
    }
  decompressor_clear (&d);
  return ok;
}

static BurrowFileTree *
parse_internal (const void                 *data,
                gsize                       len,
                gboolean                    compressed,
                const BurrowFileListLimits *limits,
                gchar                     **out_cid,
                gchar                     **out_base,
                guint                      *out_n_duplicates,
                GError                    **error)
{
  Parser ps;
  BurrowFileTree *tree = NULL;

  parser_init (&ps, limits);
  if (!compressed)
    {
      if (parser_feed (&ps, data, len))
        tree = parser_end (&ps);
    }
  else
    {
      BurrowFileListMemoryInput in = { data, len };

      if (parse_decompressed (&ps, _burrow_file_list_memory_input, &in,
                              BURROW_FILE_LIST_CHUNK_SIZE))
        tree = parser_end (&ps);
    }

  if (tree != NULL)
    {
      if (out_cid != NULL)
        *out_cid = g_steal_pointer (&ps.cid);
      if (out_base != NULL)
        *out_base = g_steal_pointer (&ps.base);
      if (out_n_duplicates != NULL)
        *out_n_duplicates = ps.n_duplicates;
    }
  else
    g_propagate_error (error, g_steal_pointer (&ps.error));
  parser_clear (&ps);
  return tree;
}

/**
 * burrow_file_list_parse_full:
 * @data: (array length=len): the list
 * @len: its length
 * @compressed: whether @data is bzip2 (files.xml.bz2) or XML
 * @limits: (nullable): limits, or %NULL for the defaults
 * @out_cid: (out) (optional) (nullable): the CID attribute
 * @out_base: (out) (optional): the Base attribute ("/" if absent)
 * @out_n_duplicates: (out) (optional): entries dropped as duplicates
 * @error: return location for an error
 *
 * Parses a peer's list synchronously. Errors are BURROW_SHARE_ERROR:
 * LIST_TOO_LARGE, LIST_TOO_DEEP, TOO_MANY_ENTRIES (limits), BAD_NAME (a name
 * burrow_file_name_is_valid() refuses), BAD_TTH, BAD_LIST (malformed bzip2 or
 * XML, invalid UTF-8, wrong root element, bad Size). Any error rejects the
 * whole list.
 *
 * Returns: (transfer full) (nullable): a finished tree rooted at the list's
 *   Base directory
 */
BurrowFileTree *
burrow_file_list_parse_full (const void                 *data,
                             gsize                       len,
                             gboolean                    compressed,
                             const BurrowFileListLimits *limits,
                             gchar                     **out_cid,
                             gchar                     **out_base,
                             guint                      *out_n_duplicates,
                             GError                    **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_internal (data != NULL ? data : "", len, compressed, limits,
                         out_cid, out_base, out_n_duplicates, error);
}

/**
 * burrow_file_list_parse:
 *
 * burrow_file_list_parse_full() without the duplicate count.
 *
 * Returns: (transfer full) (nullable): a finished tree
 */
BurrowFileTree *
burrow_file_list_parse (const void                 *data,
                        gsize                       len,
                        gboolean                    compressed,
                        const BurrowFileListLimits *limits,
                        gchar                     **out_cid,
                        gchar                     **out_base,
                        GError                    **error)
{
  return burrow_file_list_parse_full (data, len, compressed, limits, out_cid, out_base,
                                      NULL, error);
}

BurrowFileTree *
_burrow_file_list_parse_chunked (const gchar                *xml,
                                 gsize                       len,
                                 gsize                       chunk_size,
                                 const BurrowFileListLimits *limits,
                                 guint                      *out_n_duplicates,
                                 GError                    **error)
{
  Parser ps;
  BurrowFileTree *tree = NULL;
  gsize off = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (chunk_size > 0, NULL);

  parser_init (&ps, limits);
  while (ok && off < len)
    {
      gsize n = MIN (chunk_size, len - off);

      ok = parser_feed (&ps, xml + off, n);
      off += n;
    }
  if (ok)
    tree = parser_end (&ps);
  if (tree != NULL && out_n_duplicates != NULL)
    *out_n_duplicates = ps.n_duplicates;
  if (tree == NULL)
    g_propagate_error (error, g_steal_pointer (&ps.error));
  parser_clear (&ps);
  return tree;
}

typedef struct
{
  const gchar *data;
  gsize        len;
  gsize        off;
  const gsize *cuts;
  guint        n_cuts;
  guint        next_cut;
} PiecesInput;

/* The next piece of the input: up to the next cut point past the offset. */
static void
pieces_next (PiecesInput  *in,
             const gchar **data,
             gsize        *len)
{
  gsize end = in->len;

  while (in->next_cut < in->n_cuts && in->cuts[in->next_cut] <= in->off)
    in->next_cut++;
  if (in->next_cut < in->n_cuts && in->cuts[in->next_cut] < in->len)
    end = in->cuts[in->next_cut];
  *data = in->data + in->off;
  *len = end - in->off;
  in->off = end;
}

static gboolean
pieces_input (gpointer      user_data,
              const gchar **data,
              gsize        *len,
              GError      **error)
{
  pieces_next (user_data, data, len);
  return TRUE;
}

BurrowFileTree *
_burrow_file_list_parse_pieces (const void                 *data,
                                gsize                       len,
                                gboolean                    compressed,
                                const gsize                *cuts,
                                guint                       n_cuts,
                                gsize                       out_chunk_size,
                                const BurrowFileListLimits *limits,
                                guint                      *out_n_duplicates,
                                GError                    **error)
{
  PiecesInput in = { data, len, 0, cuts, n_cuts, 0 };
  Parser ps;
  BurrowFileTree *tree = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (cuts != NULL || n_cuts == 0, NULL);

  if (out_chunk_size == 0 || out_chunk_size > BURROW_FILE_LIST_CHUNK_SIZE)
    out_chunk_size = BURROW_FILE_LIST_CHUNK_SIZE;
  parser_init (&ps, limits);
  if (!compressed)
    {
      while (ok && in.off < len)
        {
          const gchar *piece;
          gsize n;

          pieces_next (&in, &piece, &n);
          ok = parser_feed (&ps, piece, n);
        }
    }
  else
    ok = parse_decompressed (&ps, pieces_input, &in, out_chunk_size);
  if (ok)
    tree = parser_end (&ps);
  if (tree != NULL && out_n_duplicates != NULL)
    *out_n_duplicates = ps.n_duplicates;
  if (tree == NULL)
    g_propagate_error (error, g_steal_pointer (&ps.error));
  parser_clear (&ps);
  return tree;
}

/* For the loader (burrow-file-list.c) ------------------------------------- */

struct _BurrowFileListParser
{
  Parser ps;
};

BurrowFileListParser *
_burrow_file_list_parser_new (const BurrowFileListLimits *limits)
{
  BurrowFileListParser *parser = g_new0 (BurrowFileListParser, 1);

  parser_init (&parser->ps, limits);
  return parser;
}

void
_burrow_file_list_parser_free (BurrowFileListParser *parser)
{
  if (parser == NULL)
    return;
  parser_clear (&parser->ps);
  g_free (parser);
}

gboolean
_burrow_file_list_parser_feed (BurrowFileListParser  *parser,
                               const gchar           *data,
                               gsize                  len,
                               GError               **error)
{
  if (parser_feed (&parser->ps, data, len))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&parser->ps.error));
  return FALSE;
}

BurrowFileTree *
_burrow_file_list_parser_end (BurrowFileListParser  *parser,
                              gchar                **out_cid,
                              gchar                **out_base,
                              guint                 *out_n_duplicates,
                              GError               **error)
{
  BurrowFileTree *tree = parser_end (&parser->ps);

  if (tree == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&parser->ps.error));
      return NULL;
    }
  *out_cid = g_steal_pointer (&parser->ps.cid);
  *out_base = g_steal_pointer (&parser->ps.base);
  *out_n_duplicates = parser->ps.n_duplicates;
  return tree;
}

BurrowFileListBunzip *
_burrow_file_list_bunzip_new (BurrowFileListInputFunc input,
                              gpointer                input_data)
{
  BurrowFileListBunzip *bunzip = g_new (BurrowFileListBunzip, 1);

  decompressor_init (bunzip, input, input_data);
  return bunzip;
}

void
_burrow_file_list_bunzip_free (BurrowFileListBunzip *bunzip)
{
  if (bunzip == NULL)
    return;
  decompressor_clear (bunzip);
  g_free (bunzip);
}

gboolean
_burrow_file_list_bunzip_fill (BurrowFileListBunzip  *bunzip,
                               gchar                 *out,
                               gsize                  cap,
                               gsize                 *out_len,
                               gboolean              *done,
                               GError               **error)
{
  return decompressor_fill (bunzip, out, cap, out_len, done, error);
}

guint64
_burrow_file_list_bunzip_get_produced (BurrowFileListBunzip *bunzip)
{
  return bunzip->produced;
}
