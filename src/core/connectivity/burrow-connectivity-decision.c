/* burrow-connectivity-decision.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-connectivity"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"

#include "burrow-connectivity-decision.h"

/**
 * burrow_address_scope:
 *
 * Only RFC 1918, 100.64.0.0/10, loopback and link-local addresses (and their IPv4-mapped forms)
 * and IPv6 unique local addresses count as not public. The documentation ranges count as public on purpose: the NAT lab uses
 * them as the internet, and a user's router never hands them out.
 */
BurrowAddressScope
burrow_address_scope (GInetAddress *address)
{
  const guint8 *b;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), BURROW_ADDRESS_UNSPECIFIED);

  if (g_inet_address_get_is_any (address))
    return BURROW_ADDRESS_UNSPECIFIED;
  if (g_inet_address_get_is_loopback (address))
    return BURROW_ADDRESS_LOOPBACK;
  if (g_inet_address_get_is_link_local (address))
    return BURROW_ADDRESS_LINK_LOCAL;

  b = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, mapped, sizeof mapped) != 0)
        /* unique local addresses (fc00::/7) route no further than a site, like RFC 1918 */
        return (b[0] & 0xfe) == 0xfc ? BURROW_ADDRESS_PRIVATE : BURROW_ADDRESS_PUBLIC;
      b += sizeof mapped;
      if (b[0] == 127)
        return BURROW_ADDRESS_LOOPBACK;
      if (b[0] == 169 && b[1] == 254)
        return BURROW_ADDRESS_LINK_LOCAL;
      if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0)
        return BURROW_ADDRESS_UNSPECIFIED;
    }
  if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168))
    return BURROW_ADDRESS_PRIVATE;
  if (b[0] == 100 && (b[1] & 0xc0) == 64)
    return BURROW_ADDRESS_SHARED;
  return BURROW_ADDRESS_PUBLIC;
}

gboolean
burrow_address_is_private (GInetAddress *address)
{
  return burrow_address_scope (address) != BURROW_ADDRESS_PUBLIC;
}

static gboolean
is_local (const BurrowConnectivityInputs *in,
          GInetAddress                   *address)
{
  for (guint i = 0; in->local_addresses != NULL && i < in->local_addresses->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (in->local_addresses, i), address))
      return TRUE;
  return FALSE;
}

static gboolean
has_public (const BurrowConnectivityInputs *in)
{
  for (guint i = 0; in->local_addresses != NULL && i < in->local_addresses->len; i++)
    if (burrow_address_scope (g_ptr_array_index (in->local_addresses, i)) == BURROW_ADDRESS_PUBLIC)
      return TRUE;
  return FALSE;
}

static const gchar *
method_name (BurrowMappingMethod method)
{
  switch (method)
    {
    case BURROW_MAPPING_METHOD_PCP: return "PCP";
    case BURROW_MAPPING_METHOD_NAT_PMP: return "NAT-PMP";
    case BURROW_MAPPING_METHOD_UPNP: return "UPnP";
    case BURROW_MAPPING_METHOD_NONE:
    default: return "?";
    }
}

static gchar *
reached_suffix (const BurrowConnectivityInputs *in)
{
  if (in->reached == 0)
    return g_strdup (_("not confirmed yet"));
  return g_strdup_printf (ngettext ("%u user reached us", "%u users reached us", in->reached),
                          in->reached);
}

static void
passive (BurrowConnectivityDecision *d,
         BurrowConnectivityReason    reason,
         gchar                      *why)
{
  d->mode = BURROW_CONNECTIVITY_PASSIVE;
  d->reason = reason;
  d->method = BURROW_MAPPING_METHOD_NONE;
  /* Translators: %s says why, e.g. "no UPnP, NAT-PMP or PCP on this network" */
  d->sentence = g_strdup_printf (_("Passive with NAT traversal: %s."), why);
  g_free (why);
}

/* IPv6 with our own address and no pinhole: passive, while the routers are asked and after. */
static void
no_pinhole (BurrowConnectivityDecision     *d,
            const BurrowConnectivityInputs *in)
{
  const GError *error = in->mapping_error;

  if (error == NULL)
    {
      d->reason = BURROW_CONNECTIVITY_REASON_MAPPING;
      d->sentence = g_strdup (_("Passive with NAT traversal for now: asking the router to open "
                                "its firewall."));
    }
  else if (g_error_matches (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_TURNED_OFF))
    passive (d, BURROW_CONNECTIVITY_REASON_MAPPING_OFF, g_strdup (_("port mapping is turned off")));
  else if (g_error_matches (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_MAPPER))
    passive (d, BURROW_CONNECTIVITY_REASON_NO_MAPPER,
             g_strdup (_("no router opens its IPv6 firewall for us (no PCP or UPnP IGD:2 on "
                         "this network)")));
  else if (g_error_matches (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_REFUSED))
    passive (d, BURROW_CONNECTIVITY_REASON_REFUSED,
             g_strdup (_("the router refused to open its IPv6 firewall")));
  else
    /* Translators: %s is an error message */
    passive (d, BURROW_CONNECTIVITY_REASON_FAILED,
             g_strdup_printf (_("opening the router’s IPv6 firewall failed: %s"), error->message));
}

/**
 * burrow_connectivity_decide:
 * @decision: (out caller-allocates): cleared with burrow_connectivity_decision_clear()
 *
 * Decides one address family's mode from @inputs (CONNECTIVITY.md §4.2, §3.5): over IPv6, no
 * public address of our own → passive; the hub sees one of our own addresses → over IPv4
 * active, direct; over IPv6 active only through a pinhole in the router's firewall (PCP or
 * UPnP), passive while it is asked for and when none is had (IPv6 has no NAT to map: an
 * address that is not ours is passive too); otherwise a mapping counts only when its external
 * address is public and equals what the hub sees (a private one is double NAT); no mapping →
 * passive with the mapper's reason. An active mode that three peers in a row could not reach is
 * demoted. Passive always means passive with NAT traversal.
 */
void
burrow_connectivity_decide (const BurrowConnectivityInputs *in,
                            BurrowConnectivityDecision     *d)
{
  g_autofree gchar *hub = NULL;
  g_autofree gchar *suffix = NULL;

  g_return_if_fail (in != NULL && d != NULL);

  memset (d, 0, sizeof *d);
  d->family = in->family == G_SOCKET_FAMILY_IPV6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
  d->confirmed = in->reached > 0;
  d->confirmed_at = in->reached > 0 ? in->reached_at : 0;
  if (d->family == G_SOCKET_FAMILY_IPV6 && !has_public (in))
    {
      /* behind IPv4 NAT, a public address is normal; over IPv6 without one there is nothing to do */
      d->mode = BURROW_CONNECTIVITY_PASSIVE;
      d->reason = BURROW_CONNECTIVITY_REASON_NO_ADDRESS;
      d->sentence = g_strdup (_("No IPv6: this computer has no public IPv6 address."));
      return;
    }
  if (in->hub_address == NULL)
    {
      d->mode = BURROW_CONNECTIVITY_PASSIVE;
      d->reason = BURROW_CONNECTIVITY_REASON_PENDING;
      d->sentence = g_strdup (_("Passive until a hub tells us our address."));
      return;
    }
  hub = g_inet_address_to_string (in->hub_address);

  if (is_local (in, in->hub_address))
    {
      d->external_address = g_object_ref (in->hub_address);
      if (in->unreached >= BURROW_CONNECTIVITY_DEMOTE_AFTER && in->reached == 0)
        {
          /* Translators: %u is a number of users, %s our address */
          passive (d, BURROW_CONNECTIVITY_REASON_UNREACHED,
                   g_strdup_printf (ngettext ("%u user in a row could not connect to %s (a firewall?)",
                                              "%u users in a row could not connect to %s (a firewall?)",
                                              in->unreached), in->unreached, hub));
          return;
        }
      d->mode = BURROW_CONNECTIVITY_ACTIVE;
      suffix = reached_suffix (in);
      if (d->family == G_SOCKET_FAMILY_IPV6 && in->mapping != NULL &&
          in->mapping->external_address != NULL &&
          g_inet_address_equal (in->mapping->external_address, in->hub_address))
        {
          /* no NAT, but the router's firewall holds a pinhole for us */
          d->reason = BURROW_CONNECTIVITY_REASON_MAPPED;
          d->method = in->mapping->method;
          d->external_port = in->mapping->external_port;
          /* Translators: "Active: PCP opened the router’s firewall for 2001:db8::2 port 41234; 4 users reached us." */
          d->sentence = g_strdup_printf (_("Active: %s opened the router’s firewall for %s port %u; %s."),
                                         method_name (d->method), hub, d->external_port, suffix);
          return;
        }
      if (d->family == G_SOCKET_FAMILY_IPV6)
        {
          /* our own address, but a home router's firewall drops what comes in unasked: active
           * only through a pinhole (CONNECTIVITY.md §3.5); passive IPv6 punches through */
          d->mode = BURROW_CONNECTIVITY_PASSIVE;
          g_clear_object (&d->external_address);
          no_pinhole (d, in);
          return;
        }
      d->reason = BURROW_CONNECTIVITY_REASON_DIRECT;
      /* Translators: the first %s is an address, the second "4 users reached us" or "not confirmed yet" */
      d->sentence = g_strdup_printf (_("Active: hubs see our own address %s; %s."), hub, suffix);
      return;
    }

  if (d->family == G_SOCKET_FAMILY_IPV6)
    {
      /* no NAT66 mapping: an address that is not ours means a translator we cannot open */
      passive (d, BURROW_CONNECTIVITY_REASON_TRANSLATED,
               /* Translators: %s is an IPv6 address */
               g_strdup_printf (_("hubs see us as %s, which is none of our addresses (a translator "
                                  "is in between)"), hub));
      return;
    }

  if (in->mapping != NULL)
    {
      GInetAddress *external = in->mapping->external_address;
      g_autofree gchar *ext = external ? g_inet_address_to_string (external) : NULL;

      if (external == NULL || burrow_address_is_private (external))
        {
          passive (d, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT,
                   ext ? g_strdup_printf (_("the router’s own address %s is private: it is behind "
                                            "another NAT (double NAT)"), ext)
                       : g_strdup (_("the router does not know its public address (double NAT?)")));
          return;
        }
      if (!g_inet_address_equal (external, in->hub_address))
        {
          passive (d, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT,
                   g_strdup_printf (_("the router maps to %s but hubs see us as %s (double NAT)"),
                                    ext, hub));
          return;
        }
      d->external_address = g_object_ref (external);
      d->external_port = in->mapping->external_port;
      if (in->unreached >= BURROW_CONNECTIVITY_DEMOTE_AFTER && in->reached == 0)
        {
          passive (d, BURROW_CONNECTIVITY_REASON_UNREACHED,
                   g_strdup_printf (ngettext ("%u user in a row could not connect through the %s "
                                              "mapping %s:%u",
                                              "%u users in a row could not connect through the %s "
                                              "mapping %s:%u", in->unreached),
                                    in->unreached, method_name (in->mapping->method), ext,
                                    in->mapping->external_port));
          return;
        }
      d->mode = BURROW_CONNECTIVITY_ACTIVE;
      d->reason = BURROW_CONNECTIVITY_REASON_MAPPED;
      d->method = in->mapping->method;
      suffix = reached_suffix (in);
      /* Translators: "Active: UPnP mapped 203.0.113.7:41234; 4 users reached us." */
      d->sentence = g_strdup_printf (_("Active: %s mapped %s:%u; %s."), method_name (d->method), ext,
                                     in->mapping->external_port, suffix);
      return;
    }

  if (in->mapping_error == NULL)
    {
      d->mode = BURROW_CONNECTIVITY_PASSIVE;
      d->reason = BURROW_CONNECTIVITY_REASON_MAPPING;
      d->sentence = g_strdup (_("Passive with NAT traversal for now: asking the router for a port."));
      return;
    }
  if (g_error_matches (in->mapping_error, BURROW_CONNECTIVITY_ERROR,
                       BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS))
    passive (d, BURROW_CONNECTIVITY_REASON_CGNAT,
             g_strdup (_("the router has no public address (carrier-grade NAT)")));
  else if (g_error_matches (in->mapping_error, BURROW_CONNECTIVITY_ERROR,
                            BURROW_CONNECTIVITY_ERROR_NO_MAPPER))
    passive (d, BURROW_CONNECTIVITY_REASON_NO_MAPPER,
             g_strdup (_("no UPnP, NAT-PMP or PCP on this network")));
  else if (g_error_matches (in->mapping_error, BURROW_CONNECTIVITY_ERROR,
                            BURROW_CONNECTIVITY_ERROR_DOUBLE_NAT))
    {
      /* the engine deleted the mapping; its error holds the sentence it decided then */
      d->mode = BURROW_CONNECTIVITY_PASSIVE;
      d->reason = BURROW_CONNECTIVITY_REASON_DOUBLE_NAT;
      d->sentence = g_strdup (in->mapping_error->message);
    }
  else if (g_error_matches (in->mapping_error, BURROW_CONNECTIVITY_ERROR,
                            BURROW_CONNECTIVITY_ERROR_TURNED_OFF))
    passive (d, BURROW_CONNECTIVITY_REASON_MAPPING_OFF,
             g_strdup (_("port mapping is turned off")));
  else if (g_error_matches (in->mapping_error, BURROW_CONNECTIVITY_ERROR,
                            BURROW_CONNECTIVITY_ERROR_REFUSED))
    passive (d, BURROW_CONNECTIVITY_REASON_REFUSED,
             g_strdup (_("the router refused to open a port")));
  else
    passive (d, BURROW_CONNECTIVITY_REASON_FAILED,
             g_strdup_printf (_("the port mapping failed: %s"), in->mapping_error->message));
}

void
burrow_connectivity_decision_clear (BurrowConnectivityDecision *decision)
{
  g_clear_object (&decision->external_address);
  g_clear_pointer (&decision->sentence, g_free);
}

/**
 * burrow_connectivity_reason_to_string:
 *
 * Returns: a stable name for `--json` ("direct", "mapped", "cgnat", …)
 */
const gchar *
burrow_connectivity_reason_to_string (BurrowConnectivityReason reason)
{
  switch (reason)
    {
    case BURROW_CONNECTIVITY_REASON_PENDING: return "pending";
    case BURROW_CONNECTIVITY_REASON_MAPPING: return "mapping";
    case BURROW_CONNECTIVITY_REASON_DIRECT: return "direct";
    case BURROW_CONNECTIVITY_REASON_MAPPED: return "mapped";
    case BURROW_CONNECTIVITY_REASON_CGNAT: return "cgnat";
    case BURROW_CONNECTIVITY_REASON_DOUBLE_NAT: return "double-nat";
    case BURROW_CONNECTIVITY_REASON_NO_MAPPER: return "no-mapper";
    case BURROW_CONNECTIVITY_REASON_REFUSED: return "refused";
    case BURROW_CONNECTIVITY_REASON_UNREACHED: return "unreached";
    case BURROW_CONNECTIVITY_REASON_NO_ADDRESS: return "no-address";
    case BURROW_CONNECTIVITY_REASON_TRANSLATED: return "translated";
    case BURROW_CONNECTIVITY_REASON_MAPPING_OFF: return "mapping-off";
    case BURROW_CONNECTIVITY_REASON_FAILED:
    default: return "failed";
    }
}
