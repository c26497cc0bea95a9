/* burrow-port-mapping.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-port-mapping"

#include "config.h"

#include "burrow-port-mapping.h"

G_DEFINE_BOXED_TYPE (BurrowPortMapping, burrow_port_mapping, burrow_port_mapping_copy,
                     burrow_port_mapping_free)

BurrowPortMapping *
burrow_port_mapping_copy (const BurrowPortMapping *mapping)
{
  BurrowPortMapping *copy;

  g_return_val_if_fail (mapping != NULL, NULL);

  copy = g_memdup2 (mapping, sizeof *mapping);
  if (copy->gateway != NULL)
    g_object_ref (copy->gateway);
  if (copy->external_address != NULL)
    g_object_ref (copy->external_address);
  copy->description_url = g_strdup (mapping->description_url);
  return copy;
}

void
burrow_port_mapping_free (BurrowPortMapping *mapping)
{
  if (mapping == NULL)
    return;
  g_clear_object (&mapping->gateway);
  g_clear_object (&mapping->external_address);
  g_free (mapping->description_url);
  g_free (mapping);
}

/**
 * burrow_mapping_method_to_string:
 *
 * Returns: the name used in `--json` events: "pcp", "nat-pmp", "upnp" or "none"
 */
const gchar *
burrow_mapping_method_to_string (BurrowMappingMethod method)
{
  switch (method)
    {
    case BURROW_MAPPING_METHOD_PCP: return "pcp";
    case BURROW_MAPPING_METHOD_NAT_PMP: return "nat-pmp";
    case BURROW_MAPPING_METHOD_UPNP: return "upnp";
    case BURROW_MAPPING_METHOD_NONE:
    default: return "none";
    }
}
