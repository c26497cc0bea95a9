/* fuzz-hub-uri.c — libFuzzer target for hub addresses
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-hub-uri"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowHubUri) uri = burrow_hub_uri_parse (text, &error);
  g_autoptr(BurrowHubUri) again = NULL;
  g_autoptr(BurrowHubUri) copy = NULL;
  g_autofree gchar *s1 = NULL;
  g_autofree gchar *s2 = NULL;

  if (uri == NULL)
    {
      check (error != NULL && error->domain == BURROW_PROTOCOL_ERROR &&
             (error->code == BURROW_PROTOCOL_ERROR_BAD_URI ||
              error->code == BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME), "error code");
      return 0;
    }

  check (uri->host != NULL && uri->host[0] != '\0', "host");
  check (uri->port != 0, "port");
  check (uri->keyprint == NULL || strlen (uri->keyprint) == 7 + 52, "keyprint length");

  s1 = burrow_hub_uri_to_string (uri);
  again = burrow_hub_uri_parse (s1, &error);
  check (again != NULL, "re-parse of the canonical form");
  check (again->protocol == uri->protocol, "protocol");
  check (strcmp (again->host, uri->host) == 0, "host round trip");
  check (again->port == uri->port, "port round trip");
  check (g_strcmp0 (again->keyprint, uri->keyprint) == 0, "keyprint round trip");
  s2 = burrow_hub_uri_to_string (again);
  check (strcmp (s1, s2) == 0, "canonical form is stable");

  copy = burrow_hub_uri_copy (uri);
  check (strcmp (copy->host, uri->host) == 0, "copy");
  (void) burrow_hub_uri_is_tls (uri);
  (void) burrow_hub_uri_is_adc (uri);
  return 0;
}
