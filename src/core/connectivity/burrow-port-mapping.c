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

/**
 * burrow_port_mapping_router_lost_state:
 * @previous: an earlier answer from this router (PCP or NAT-PMP)
 * @current: a later answer from the same router
 *
 * Compares the router's epochs (seconds since its mapping state began) with the time that
 * passed here, as RFC 6887 §8.5 says: an epoch that went back by more than a second, or that
 * advanced much more or much less than our clock did, means the router restarted or lost its
 * mappings, and every mapping on it must be made again at once.
 *
 * Returns: %TRUE when @current shows the router lost its state since @previous
 */
gboolean
burrow_port_mapping_router_lost_state (const BurrowPortMapping *previous,
                                       const BurrowPortMapping *current)
{
  gint64 client_delta, server_delta;

  g_return_val_if_fail (previous != NULL && current != NULL, FALSE);

  if ((gint64) current->epoch + 1 < (gint64) previous->epoch)
    return TRUE;
  client_delta = (current->obtained - previous->obtained) / G_USEC_PER_SEC;
  server_delta = (gint64) current->epoch - (gint64) previous->epoch;
  return client_delta + 2 < server_delta - server_delta / 16 ||
         server_delta + 2 < client_delta - client_delta / 16;
}
