/* fuzz-magnet.c — libFuzzer target for magnet links
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-magnet"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_same (const BurrowMagnet *a,
            const BurrowMagnet *b)
{
  check (g_strcmp0 (a->tth, b->tth) == 0, "tth");
  check (a->has_size == b->has_size, "has_size");
  check (!a->has_size || a->size == b->size, "size");
  check (g_strcmp0 (a->name, b->name) == 0, "name");
  check (g_strcmp0 (a->keywords, b->keywords) == 0, "keywords");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowMagnet) magnet = burrow_magnet_parse (text, &error);
  g_autoptr(BurrowMagnet) again = NULL;
  g_autoptr(BurrowMagnet) copy = NULL;
  g_autofree gchar *s1 = NULL;
  g_autofree gchar *s2 = NULL;

  if (magnet == NULL)
    {
      check (g_error_matches (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_MAGNET),
             "error code");
      return 0;
    }

  check (magnet->tth != NULL || magnet->keywords != NULL, "tth or keywords");
  check (magnet->tth == NULL || strlen (magnet->tth) == 39, "tth length");
  check (magnet->name == NULL || g_utf8_validate (magnet->name, -1, NULL), "name is UTF-8");

  s1 = burrow_magnet_to_string (magnet);
  again = burrow_magnet_parse (s1, &error);
  check (again != NULL, "re-parse of to_string");
  check_same (magnet, again);
  s2 = burrow_magnet_to_string (again);
  check (strcmp (s1, s2) == 0, "to_string is stable");

  copy = burrow_magnet_copy (magnet);
  check_same (magnet, copy);

  if (magnet->tth != NULL)
    {
      g_autofree gchar *built = burrow_magnet_build (magnet->tth, magnet->size, magnet->name);
      g_autoptr(BurrowMagnet) from_build = burrow_magnet_parse (built, &error);

      check (from_build != NULL, "re-parse of build");
      check (strcmp (from_build->tth, magnet->tth) == 0, "build tth");
      check (g_strcmp0 (from_build->name, magnet->name) == 0, "build name");
      check (from_build->has_size == (magnet->size > 0), "build has_size");
      check (from_build->size == (from_build->has_size ? magnet->size : 0), "build size");
      check (from_build->keywords == NULL, "build keywords");
    }
  return 0;
}
