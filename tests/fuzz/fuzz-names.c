/* fuzz-names.c — libFuzzer target for turning peer-supplied names into local paths
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-names"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

/* Input: one byte choosing the download folder and the copy number, then
 * path components separated by NUL bytes (each may hold '/', "..", invalid
 * UTF-8, anything). Checks on burrow_download_sanitize_name(),
 * burrow_download_build_path() and burrow_download_numbered_name():
 *  - every name is valid UTF-8, 1..255 bytes, a valid file-tree name, without
 *    '/', '\\', control or bidi characters, not hidden, not "." or "..", not a
 *    Windows device name, and sanitising it again changes nothing;
 *  - the path is the folder plus exactly the sanitised components, inside it;
 *  - a numbered name is a valid name of at most 255 bytes, and numbers n and
 *    n + 1 give different names.
 * The components are also looked up as an ADC path in a small file tree
 * (burrow_file_tree_lookup): no crash, and a found node's path finds it. */

#define MAX_COMPONENTS (BURROW_DOWNLOAD_MAX_DEPTH + 4)

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static BurrowFileTree *tree_;

static gboolean
is_device_name (const gchar *name)
{
  static const gchar * const devices[] = { "CON", "PRN", "AUX", "NUL" };
  const gchar *dot = strchr (name, '.');
  gsize len = dot != NULL ? (gsize) (dot - name) : strlen (name);

  while (len > 0 && name[len - 1] == ' ')
    len--;
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    if (len == 3 && g_ascii_strncasecmp (name, devices[i], 3) == 0)
      return TRUE;
  return len == 4 && (g_ascii_strncasecmp (name, "COM", 3) == 0 ||
                      g_ascii_strncasecmp (name, "LPT", 3) == 0) &&
         name[3] >= '1' && name[3] <= '9';
}

static void
check_safe_name (const gchar *name)
{
  gsize len = strlen (name);

  check (g_utf8_validate (name, -1, NULL), "valid UTF-8");
  check (len >= 1 && len <= BURROW_DOWNLOAD_MAX_NAME, "1..255 bytes");
  check (burrow_file_name_is_valid (name, -1), "valid file-tree name");
  check (strcmp (name, ".") != 0 && strcmp (name, "..") != 0, "not . or ..");
  check (name[0] != '.' && name[0] != ' ', "not hidden, no leading space");
  check (name[len - 1] != '.' && name[len - 1] != ' ', "no trailing dot or space");
  check (!is_device_name (name), "not a device name");
  for (const gchar *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      check (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0), "no control character");
      check (c != '/' && c != '\\', "no separator");
      check (!(c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
               (c >= 0x2066 && c <= 0x2069)), "no bidi control");
    }
}

static void
check_numbered (const gchar *safe,
                guint        n)
{
  g_autofree gchar *numbered = burrow_download_numbered_name (safe, n);
  g_autofree gchar *next = burrow_download_numbered_name (safe, n + 1);
  g_autofree gchar *number = g_strdup_printf (" (%u)", n);

  check (g_utf8_validate (numbered, -1, NULL), "numbered: valid UTF-8");
  check (strlen (numbered) <= BURROW_DOWNLOAD_MAX_NAME, "numbered: at most 255 bytes");
  check (burrow_file_name_is_valid (numbered, -1), "numbered: valid name");
  check (strstr (numbered, number) != NULL, "numbered: has its number");
  /* "x… (1)" numbered 1 may be itself, when shortened; the next number
   * must give another name, so that trying numbers in turn finds a free one */
  check (strcmp (numbered, next) != 0, "numbered: n and n + 1 differ");
  check (numbered[0] == safe[0], "numbered: starts like the name");
}

static void
init (void)
{
  static const gchar * const paths[][3] = {
    { "Music", "Album", "track.flac" }, { "Music", "ÅNGSTRÖM", "ﬁle" },
    { "a", "b", "c" }, { "Ω", "日本", "x.y.z" },
  };

  tree_ = burrow_file_tree_new ();
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      BurrowFileNode *dir = burrow_file_tree_get_root (tree_);

      for (guint j = 0; j < 2; j++)
        {
          BurrowFileNode *sub = burrow_file_tree_add_directory (tree_, dir, paths[i][j]);

          dir = sub != NULL ? sub : burrow_file_node_lookup_child (dir, paths[i][j]);
        }
      burrow_file_tree_add_file (tree_, dir, paths[i][2], i, 0, NULL);
    }
  burrow_file_tree_finish (tree_);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const gchar * const folders[] = { "/srv/dl", "/srv/dl/", "/", "/srv/../srv/./dl//x" };
  const gchar *folder;
  guint n;
  g_autoptr(GPtrArray) components = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) safe = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *base = NULL;
  g_autoptr(GString) adc_path = g_string_new ("/");
  const gchar *p;
  const gchar *end;

  if (tree_ == NULL)
    init ();
  if (size < 1)
    return 0;
  folder = folders[data[0] % G_N_ELEMENTS (folders)];
  n = 1 + (data[0] >> 2) * 1009u * (data[0] & 0x80 ? 65521u : 1u);

  p = (const gchar *) data + 1;
  end = (const gchar *) data + size;
  while (p <= end && components->len < MAX_COMPONENTS)
    {
      gsize len = strnlen (p, end - p);

      g_ptr_array_add (components, g_strndup (p, len));
      p += len + 1;
    }

  for (guint i = 0; i < components->len; i++)
    {
      const gchar *raw = components->pdata[i];
      gchar *s = burrow_download_sanitize_name (raw);
      g_autofree gchar *again = burrow_download_sanitize_name (s);

      check_safe_name (s);
      check (strcmp (s, again) == 0, "sanitising is idempotent");
      check_numbered (s, n);
      g_ptr_array_add (safe, s);

      if (i > 0)
        g_string_append_c (adc_path, '/');
      g_string_append (adc_path, raw);
    }
  g_ptr_array_add (components, NULL);

  path = burrow_download_build_path (folder, (const gchar * const *) components->pdata, &error);
  base = g_canonicalize_filename (folder, NULL);
  if (components->len - 1 > BURROW_DOWNLOAD_MAX_DEPTH)
    {
      check (path == NULL, "too deep is refused");
      check (g_error_matches (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH),
             "too deep: BAD_PATH");
    }
  else
    {
      g_autoptr(GString) expected = g_string_new (base);

      check (path != NULL && error == NULL, "a path for sanitised names");
      for (guint i = 0; i < safe->len; i++)
        {
          if (expected->str[expected->len - 1] != '/')
            g_string_append_c (expected, '/');
          g_string_append (expected, safe->pdata[i]);
        }
      check (strcmp (path, expected->str) == 0, "path == folder + sanitised components");
      check (strcmp (path, base) == 0 ||
             (g_str_has_prefix (path, base) &&
              (base[strlen (base) - 1] == '/' || path[strlen (base)] == '/')),
             "the path stays inside the folder");
      check (strstr (path, "/../") == NULL && strstr (path, "/./") == NULL &&
             !g_str_has_suffix (path, "/..") && !g_str_has_suffix (path, "/."),
             "no . or .. component");
    }

  /* the same components as a request for a path in our share */
  {
    BurrowFileNode *node = burrow_file_tree_lookup (tree_, adc_path->str);

    if (node != NULL)
      {
        g_autofree gchar *found = burrow_file_node_dup_path (node);

        check (burrow_file_tree_lookup (tree_, found) == node, "lookup (dup_path) == node");
      }
  }
  return 0;
}
