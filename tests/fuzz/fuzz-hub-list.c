/* fuzz-hub-list.c — libFuzzer target for public hub lists (XML, .config, either in bzip2)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-hub-list"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean
valid_text (const gchar *text)
{
  if (text == NULL)
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL) || strlen (text) > BURROW_HUB_LIST_MAX_FIELD)
    return FALSE;
  for (const gchar *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20)
      return FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hubs = NULL;
  guint skipped = 0;

  hubs = burrow_hub_list_parse (data, size, &skipped, &error);
  if (hubs == NULL)
    {
      check (error != NULL && error->domain == BURROW_HUB_LIST_ERROR, "error domain");
      check (error->code >= BURROW_HUB_LIST_ERROR_MALFORMED &&
             error->code <= BURROW_HUB_LIST_ERROR_INVALID_UTF8, "parser error code");
      return 0;
    }
  check (error == NULL, "no error on success");
  check (hubs->len <= BURROW_HUB_LIST_MAX_HUBS, "hub count bounded");

  for (guint i = 0; i < hubs->len; i++)
    {
      BurrowHubListEntry *entry = g_ptr_array_index (hubs, i);
      g_autoptr(GError) uri_error = NULL;
      g_autoptr(BurrowHubUri) uri = burrow_hub_uri_parse (entry->address, &uri_error);
      g_autofree gchar *again = NULL;

      check (uri != NULL, "address is a hub URI");
      check (uri->protocol == entry->protocol, "protocol matches the scheme");
      again = burrow_hub_uri_to_string (uri);
      check (strcmp (again, entry->address) == 0, "address is canonical");
      check (entry->name != NULL, "every hub has a name");
      check (valid_text (entry->name) && valid_text (entry->description) &&
             valid_text (entry->country) && valid_text (entry->encoding) &&
             valid_text (entry->software) && valid_text (entry->rating), "clean UTF-8 fields");
      check (entry->reliability >= 0.0 && entry->reliability <= 100.0, "reliability range");
    }
  return 0;
}
