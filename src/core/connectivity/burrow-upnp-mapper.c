/* burrow-upnp-mapper.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libminiupnpc blocks (SSDP, then HTTP/SOAP to the router), so every call runs in a GTask worker
 * thread and the main loop only sees the result. The IGD's root description URL is handed back
 * for the caller to cache: with it, the next mapping skips the ≥ 1 s SSDP wait (3–4 ms in the
 * lab instead of 1.06 s, ../shared measurements).
 *
 * libminiupnpc 2.2.4 (API 17) answers UPNP_GetValidIGD = 2 ("not connected") whenever the
 * router's external address is private or reserved, even when it maps fine: such an IGD is used,
 * and the caller compares the external address with what the hub sees.
 */

#define G_LOG_DOMAIN "burrow-upnp-mapper"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include "burrow-error.h"

#include "burrow-upnp-mapper.h"

/* UPnP error codes of AddPortMapping (IGD:1 and IGD:2 specifications) */
#define UPNP_ACTION_FAILED            501
#define UPNP_NOT_AUTHORIZED           606
#define UPNP_CONFLICT_IN_MAPPING      718
#define UPNP_SAME_PORT_VALUES_REQUIRED 724
#define UPNP_ONLY_PERMANENT_LEASES    725

#define DESCRIPTION "Burrow"

typedef struct
{
  gchar                  *description_url;
  BurrowPortmapTransport  transport;
  guint16                 internal_port;
  guint16                 suggested_port;
  guint32                 lifetime;
  guint                   discover_ms;
  BurrowPortMapping      *renew;   /* a pinhole: the one to renew */
  BurrowPortMapping      *unmap;   /* set for a delete */
} Request;

static void
request_free (Request *r)
{
  g_free (r->description_url);
  g_clear_pointer (&r->renew, burrow_port_mapping_free);
  g_clear_pointer (&r->unmap, burrow_port_mapping_free);
  g_free (r);
}

/* An IGD, with its URLs, the LAN address we reach it from and its root description URL. */
typedef struct
{
  struct UPNPUrls urls;
  struct IGDdatas data;
  gchar           lan_address[64];
  gboolean        valid;
} Igd;

static void
igd_clear (Igd *igd)
{
  if (igd->valid)
    FreeUPNPUrls (&igd->urls);
  igd->valid = FALSE;
}

static gboolean
igd_find (Igd          *igd,
          const gchar  *description_url,
          gboolean      ipv6,
          guint         discover_ms,
          GError      **error)
{
  struct UPNPDev *devices;
  int status = 0;
  int ssdp_error = 0;

  memset (igd, 0, sizeof *igd);
  if (description_url != NULL &&
      UPNP_GetIGDFromUrl (description_url, &igd->urls, &igd->data, igd->lan_address,
                          sizeof igd->lan_address) == 1)
    {
      igd->valid = TRUE;
      return TRUE;
    }
  if (description_url != NULL)
    FreeUPNPUrls (&igd->urls); /* a stale URL (the router moved its HTTP port): discover */
  memset (igd, 0, sizeof *igd);

  /* one ssdp:all search: upnpDiscover () asks for four device types in turn, each waiting
   * discover_ms, so a network without UPnP took four times as long to rule out. Over IPv6 the
   * search goes to ff02::c, and the router answers with a description URL on its IPv6 address:
   * what asks for a pinhole must come from the address the pinhole is for. */
  devices = upnpDiscoverAll ((int) discover_ms, NULL, NULL, UPNP_LOCAL_PORT_ANY, ipv6 ? 1 : 0, 2,
                             &ssdp_error);
  if (devices == NULL)
    {
      g_set_error_literal (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                           _("No UPnP router answered"));
      return FALSE;
    }
#if MINIUPNPC_API_VERSION >= 18
  {
    char wan_address[64];

    status = UPNP_GetValidIGD (devices, &igd->urls, &igd->data, igd->lan_address,
                               sizeof igd->lan_address, wan_address, sizeof wan_address);
  }
#else
  status = UPNP_GetValidIGD (devices, &igd->urls, &igd->data, igd->lan_address,
                             sizeof igd->lan_address);
#endif
  freeUPNPDevlist (devices);
  /* 1: a connected IGD; 2: one that says it is not connected, or (API 17) whose external
   * address is reserved; API 18 splits that into 2 (reserved) and 3 (not connected) */
  if (status == 1 || status == 2 || (MINIUPNPC_API_VERSION >= 18 && status == 3))
    {
      igd->valid = TRUE;
      return TRUE;
    }
  if (status != 0)
    FreeUPNPUrls (&igd->urls);
  g_set_error_literal (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                       _("No UPnP Internet gateway on this network"));
  return FALSE;
}

static GError *
mapping_error (int          code,
               gboolean     no_external_address)
{
  if (code == UPNP_ACTION_FAILED && no_external_address)
    return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS,
                        _("The router has no public address (UPnP error %d)"), code);
  if (code == UPNP_ONLY_PERMANENT_LEASES)
    return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_REFUSED,
                        _("The router offers only permanent UPnP mappings, which Burrow does not "
                          "make (UPnP error %d)"), code);
  if (code == UPNP_CONFLICT_IN_MAPPING || code == UPNP_SAME_PORT_VALUES_REQUIRED ||
      code == UPNP_NOT_AUTHORIZED)
    return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_REFUSED,
                        _("The router refused the port mapping (UPnP error %d: %s)"), code,
                        strupnperror (code) ? strupnperror (code) : "?");
  return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_FAILED,
                      _("The UPnP port mapping failed (error %d: %s)"), code,
                      strupnperror (code) ? strupnperror (code) : "?");
}

/* Completes @task with what @igd granted (taking @external_address), and clears @igd. */
static void
return_mapping (GTask        *task,
                Igd          *igd,
                guint16       external_port,
                GInetAddress *external_address,
                guint16       pinhole_id)
{
  Request *r = g_task_get_task_data (task);
  BurrowPortMapping *mapping = g_new0 (BurrowPortMapping, 1);

  mapping->method = BURROW_MAPPING_METHOD_UPNP;
  mapping->transport = r->transport;
  mapping->internal_port = r->internal_port;
  mapping->external_port = external_port;
  mapping->lifetime = r->lifetime;
  mapping->external_address = external_address;
  mapping->pinhole_id = pinhole_id;
  mapping->description_url = g_strdup (igd->urls.rootdescURL);
  mapping->obtained = g_get_monotonic_time ();
  igd_clear (igd);
  g_task_return_pointer (task, mapping, (GDestroyNotify) burrow_port_mapping_free);
}

/* Runs @func in a worker thread for @r (taken). libminiupnpc cannot be interrupted: a cancelled
 * call still completes with what it made, so that the caller can delete it instead of leaving
 * it on the router. */
static void
run_request (Request             *r,
             gpointer             source_tag,
             GTaskThreadFunc      func,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, func);
}

static void
map_in_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Request *r = data;
  g_autoptr(GError) error = NULL;
  Igd igd;
  char external_ip[40] = "";
  char internal_port[8], external_port[8], lease[16];
  const char *proto = r->transport == BURROW_PORTMAP_UDP ? "UDP" : "TCP";
  int code;
  guint16 granted;

  if (!igd_find (&igd, r->description_url, FALSE, r->discover_ms, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (UPNP_GetExternalIPAddress (igd.urls.controlURL, igd.data.first.servicetype,
                                 external_ip) != UPNPCOMMAND_SUCCESS)
    external_ip[0] = '\0';

  g_snprintf (internal_port, sizeof internal_port, "%u", r->internal_port);
  g_snprintf (external_port, sizeof external_port, "%u",
              r->suggested_port ? r->suggested_port : r->internal_port);
  g_snprintf (lease, sizeof lease, "%u", r->lifetime);
  code = UPNP_AddPortMapping (igd.urls.controlURL, igd.data.first.servicetype, external_port,
                              internal_port, igd.lan_address, DESCRIPTION, proto, NULL, lease);
  granted = (guint16) g_ascii_strtoull (external_port, NULL, 10);
  if (code == UPNP_CONFLICT_IN_MAPPING || code == UPNP_NOT_AUTHORIZED)
    {
      /* the port is someone else's, or the router's rules keep it: IGD:2 picks one that is
       * free and allowed (NAT-PMP and PCP do that by themselves). An IGD:1 router does not
       * know the action: its refusal of our port is the answer. */
      char reserved[8] = "";
      int any = UPNP_AddAnyPortMapping (igd.urls.controlURL, igd.data.first.servicetype,
                                        external_port, internal_port, igd.lan_address,
                                        DESCRIPTION, proto, NULL, lease, reserved);

      if (any == UPNPCOMMAND_SUCCESS)
        {
          code = any;
          granted = (guint16) g_ascii_strtoull (reserved, NULL, 10);
        }
    }
  if (code != UPNPCOMMAND_SUCCESS || granted == 0)
    {
      g_task_return_error (task, mapping_error (code, external_ip[0] == '\0'));
      igd_clear (&igd);
      return;
    }

  return_mapping (task, &igd, granted,
                  external_ip[0] ? g_inet_address_new_from_string (external_ip) : NULL, 0);
}

/**
 * burrow_upnp_mapper_map_async:
 * @description_url: (nullable): the IGD's root description URL from an earlier mapping; when it
 *   still answers, SSDP discovery is skipped
 * @lifetime: lease seconds; never 0 (a permanent mapping would outlive us)
 * @discover_ms: how long to wait for SSDP answers (libminiupnpc waits at least 1000 ms)
 *
 * Asks a UPnP IGD to forward @transport traffic on @suggested_external_port (or another one the
 * router picks when that one is taken) to @internal_port on our LAN address. Completes with the
 * mapping: method UPnP, the external port granted, the router's external address (%NULL when
 * it reported none), and the description URL to cache. Errors are %BURROW_CONNECTIVITY_ERROR.
 * Cancelling does not stop the call (see above): check the cancellable in the callback.
 */
void
burrow_upnp_mapper_map_async (const gchar            *description_url,
                              BurrowPortmapTransport  transport,
                              guint16                 internal_port,
                              guint16                 suggested_external_port,
                              guint32                 lifetime,
                              guint                   discover_ms,
                              GCancellable           *cancellable,
                              GAsyncReadyCallback     callback,
                              gpointer                user_data)
{
  Request *r;

  g_return_if_fail (transport == BURROW_PORTMAP_TCP || transport == BURROW_PORTMAP_UDP);
  g_return_if_fail (internal_port != 0);
  g_return_if_fail (lifetime > 0);

  r = g_new0 (Request, 1);
  r->description_url = g_strdup (description_url);
  r->transport = transport;
  r->internal_port = internal_port;
  r->suggested_port = suggested_external_port;
  r->lifetime = lifetime;
  r->discover_ms = discover_ms ? discover_ms : BURROW_UPNP_DISCOVER_MS;
  run_request (r, burrow_upnp_mapper_map_async, map_in_thread, cancellable, callback, user_data);
}

BurrowPortMapping *
burrow_upnp_mapper_map_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* WANIPv6FirewallControl error codes (IGD:2) */
#define UPNP_PINHOLE_SPACE_EXHAUSTED  701
#define UPNP_FIREWALL_DISABLED        702
#define UPNP_INBOUND_NOT_ALLOWED      703
#define UPNP_NO_SUCH_ENTRY            704

static GError *
pinhole_error (int code)
{
  if (code == UPNP_NOT_AUTHORIZED || code == UPNP_PINHOLE_SPACE_EXHAUSTED ||
      code == UPNP_INBOUND_NOT_ALLOWED || code == UPNP_FIREWALL_DISABLED)
    return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_REFUSED,
                        _("The router refused to open its IPv6 firewall (UPnP error %d: %s)"),
                        code, strupnperror (code) ? strupnperror (code) : "?");
  return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_FAILED,
                      _("The UPnP IPv6 pinhole failed (error %d: %s)"), code,
                      strupnperror (code) ? strupnperror (code) : "?");
}

/* The address the pinhole is for: the one we reached the router from (the router only opens
 * its firewall for the address that asks), when it is a global one. */
static GInetAddress *
pinhole_address (const gchar *lan_address)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (lan_address);

  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6 ||
      g_inet_address_get_is_link_local (address) || g_inet_address_get_is_loopback (address) ||
      g_inet_address_get_is_any (address))
    return NULL;
  return g_steal_pointer (&address);
}

static void
pinhole_in_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  Request *r = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) ours = NULL;
  char port[8], lease[16], id[8] = "";
  const char *proto = r->transport == BURROW_PORTMAP_UDP ? "17" : "6"; /* IANA numbers */
  int enabled = 0, allowed = 0;
  int code = UPNPCOMMAND_UNKNOWN_ERROR;
  Igd igd;

  if (!igd_find (&igd, r->description_url, TRUE, r->discover_ms, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (igd.urls.controlURL_6FC == NULL || igd.urls.controlURL_6FC[0] == '\0' ||
      igd.data.IPv6FC.servicetype[0] == '\0')
    {
      igd_clear (&igd);
      g_task_return_new_error (task, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                               _("The UPnP router has no IPv6 firewall control"));
      return;
    }
  if ((ours = pinhole_address (igd.lan_address)) == NULL)
    {
      igd_clear (&igd);
      g_task_return_new_error (task, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_FAILED,
                               _("No global IPv6 address towards the UPnP router"));
      return;
    }
  /* a firewall that is off needs no pinhole; one that allows none cannot give us one */
  if (UPNP_GetFirewallStatus (igd.urls.controlURL_6FC, igd.data.IPv6FC.servicetype, &enabled,
                              &allowed) == UPNPCOMMAND_SUCCESS && enabled && !allowed)
    {
      igd_clear (&igd);
      g_task_return_error (task, pinhole_error (UPNP_INBOUND_NOT_ALLOWED));
      return;
    }

  g_snprintf (port, sizeof port, "%u", r->internal_port);
  g_snprintf (lease, sizeof lease, "%u", r->lifetime);
  /* a renewal keeps the UniqueID; one the router forgot (it restarted) is opened again */
  if (r->renew != NULL && r->renew->pinhole_id != 0)
    {
      g_snprintf (id, sizeof id, "%u", r->renew->pinhole_id);
      code = UPNP_UpdatePinhole (igd.urls.controlURL_6FC, igd.data.IPv6FC.servicetype, id, lease);
    }
  if (code != UPNPCOMMAND_SUCCESS)
    {
      /* any remote host and port ("" and 0), to our address and port */
      id[0] = '\0';
      code = UPNP_AddPinhole (igd.urls.controlURL_6FC, igd.data.IPv6FC.servicetype, "", "0",
                              igd.lan_address, port, proto, lease, id);
    }
  if (code != UPNPCOMMAND_SUCCESS || g_ascii_strtoull (id, NULL, 10) == 0 ||
      g_ascii_strtoull (id, NULL, 10) > G_MAXUINT16)
    {
      g_task_return_error (task, pinhole_error (code));
      igd_clear (&igd);
      return;
    }

  /* no NAT: the port is ours */
  return_mapping (task, &igd, r->internal_port, g_steal_pointer (&ours),
                  (guint16) g_ascii_strtoull (id, NULL, 10));
}

/**
 * burrow_upnp_mapper_pinhole_async:
 * @description_url: (nullable): the IPv6 IGD's root description URL from an earlier pinhole
 * @renew: (nullable): a pinhole from an earlier call, renewed by its UniqueID
 * @lifetime: lease seconds (never 0)
 *
 * Asks a UPnP IGD:2 over IPv6 (WANIPv6FirewallControl `AddPinhole`) to let inbound @transport
 * traffic from anywhere reach @port on the address we reach it from. Completes with a mapping:
 * method UPnP, our own IPv6 address as the external address, @port as the external port, the
 * pinhole's UniqueID. Errors are %BURROW_CONNECTIVITY_ERROR. Delete it with
 * burrow_upnp_mapper_unmap_async(). Cancelling does not stop the call.
 */
void
burrow_upnp_mapper_pinhole_async (const gchar             *description_url,
                                  BurrowPortmapTransport   transport,
                                  guint16                  port,
                                  guint32                  lifetime,
                                  guint                    discover_ms,
                                  const BurrowPortMapping *renew,
                                  GCancellable            *cancellable,
                                  GAsyncReadyCallback      callback,
                                  gpointer                 user_data)
{
  Request *r;

  g_return_if_fail (transport == BURROW_PORTMAP_TCP || transport == BURROW_PORTMAP_UDP);
  g_return_if_fail (port != 0);
  g_return_if_fail (lifetime > 0);

  r = g_new0 (Request, 1);
  r->description_url = g_strdup (renew && renew->description_url ? renew->description_url
                                                                 : description_url);
  r->transport = transport;
  r->internal_port = port;
  r->lifetime = lifetime;
  r->discover_ms = discover_ms ? discover_ms : BURROW_UPNP_DISCOVER_MS;
  r->renew = renew ? burrow_port_mapping_copy (renew) : NULL;
  run_request (r, burrow_upnp_mapper_pinhole_async, pinhole_in_thread, cancellable, callback,
               user_data);
}

BurrowPortMapping *
burrow_upnp_mapper_pinhole_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
unmap_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  Request *r = data;
  g_autoptr(GError) error = NULL;
  char external_port[8];
  Igd igd;
  int code;

  if (!igd_find (&igd, r->unmap->description_url, r->unmap->pinhole_id != 0,
                 BURROW_UPNP_DISCOVER_MS, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (r->unmap->pinhole_id != 0)
    {
      char id[8];

      g_snprintf (id, sizeof id, "%u", r->unmap->pinhole_id);
      code = UPNP_DeletePinhole (igd.urls.controlURL_6FC, igd.data.IPv6FC.servicetype, id);
      igd_clear (&igd);
      if (code != UPNPCOMMAND_SUCCESS)
        g_task_return_error (task, pinhole_error (code));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  g_snprintf (external_port, sizeof external_port, "%u", r->unmap->external_port);
  code = UPNP_DeletePortMapping (igd.urls.controlURL, igd.data.first.servicetype, external_port,
                                 r->unmap->transport == BURROW_PORTMAP_UDP ? "UDP" : "TCP", NULL);
  igd_clear (&igd);
  if (code != UPNPCOMMAND_SUCCESS)
    g_task_return_error (task, mapping_error (code, FALSE));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * burrow_upnp_mapper_unmap_async:
 * @mapping: a mapping made by burrow_upnp_mapper_map_async()
 *
 * Deletes the mapping on the router, or the pinhole (burrow_upnp_mapper_pinhole_async()).
 */
void
burrow_upnp_mapper_unmap_async (const BurrowPortMapping *mapping,
                                GCancellable            *cancellable,
                                GAsyncReadyCallback      callback,
                                gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *r;

  g_return_if_fail (mapping != NULL && mapping->method == BURROW_MAPPING_METHOD_UPNP);

  r = g_new0 (Request, 1);
  r->unmap = burrow_port_mapping_copy (mapping);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_upnp_mapper_unmap_async);
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, unmap_in_thread);
}

gboolean
burrow_upnp_mapper_unmap_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
