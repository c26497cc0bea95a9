/* burrow-map-port.c — asks the router for a TCP and a UDP port mapping by PCP / NAT-PMP / UPnP
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The driver of tests/natlab/test-portmap.py: it runs in the lab's LAN namespace against a real
 * router (miniupnpd) and prints one JSON object per line for each answer:
 *
 *   {"transport":"tcp","action":"map","method":"pcp","external_address":"10.77.0.2",
 *    "external_port":41234,"internal_port":41234,"lifetime":3600,"epoch":12,"ms":3.1}
 *   {"transport":"udp","action":"map","error":"no-mapper","message":"…","ms":2500.4}
 *
 * "ms" counts from the moment the request was started. --nat-pmp skips PCP; --upnp asks by
 * UPnP instead (SSDP discovery; a renewal reuses the "description_url" it printed, and UPnP
 * answers carry no "epoch"). After both answers it reads commands
 * from stdin, one per line:
 *   renew   asks again for both, repeating an earlier mapping's nonce and ports ("action":"renew",
 *           and "router_restarted": whether the epoch says the router lost its mappings since)
 *   unmap   deletes both mappings ("action":"unmap", "ok":true or "error"), then exits 0
 * End of input counts as "unmap".
 *
 * --keep hands the port to the engine's BurrowPortMapper instead (PCP/NAT-PMP, or UPnP with
 * --upnp), which renews by itself and maps again when the router announces a restart; each
 * TCP mapping it holds is printed once ("action":"kept", with "epoch"), a failure as an error.
 * With --gateway6 it also opens IPv6 pinholes, by PCP from that router or (--upnp) by UPnP IGD:2
 * AddPinhole, each printed once per transport as "action":"pinhole" with its "method".
 * "unmap" (or the end of input) stops it: it deletes the mappings ("action":"unmap", "ok":true).
 */

#include "config.h"

#include <stdio.h>

#include <gio/gunixinputstream.h>

#include "burrow-core.h"

typedef struct _Driver Driver;

typedef struct
{
  Driver                 *driver;
  BurrowPortmapTransport  transport;
  BurrowPortMapping      *mapping;  /* the last one granted, or NULL */
  const gchar            *action;   /* of the request in flight */
  gint64                  started;  /* monotonic µs */
} Slot;

struct _Driver
{
  GMainLoop          *loop;
  GInetSocketAddress *gateway;
  GDataInputStream   *input;
  guint16             port;
  guint16             suggested_port;
  guint32             lifetime;
  guint               deadline_ms;
  gboolean            nat_pmp;
  gboolean            upnp;
  Slot                slots[2];
  guint               pending;
  gboolean            unmapping;
  BurrowPortMapper   *mapper;   /* --keep */
  GInetSocketAddress *gateway6; /* --keep --gateway6: the router asked for an IPv6 pinhole */
  gint64              kept_obtained;
  gint64              pinhole_obtained[2];
  gboolean            all;      /* --keep --all: every protocol at once, as the app asks */
};

static const gchar *
transport_name (BurrowPortmapTransport transport)
{
  return transport == BURROW_PORTMAP_UDP ? "udp" : "tcp";
}

/* The stable names test-portmap.py asserts on. */
static const gchar *
error_code_name (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "cancelled";
  if (error->domain != BURROW_CONNECTIVITY_ERROR)
    return "failed";
  switch (error->code)
    {
    case BURROW_CONNECTIVITY_ERROR_NO_MAPPER: return "no-mapper";
    case BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS: return "no-public-address";
    case BURROW_CONNECTIVITY_ERROR_REFUSED: return "refused";
    case BURROW_CONNECTIVITY_ERROR_BAD_ANSWER: return "bad-answer";
    case BURROW_CONNECTIVITY_ERROR_FAILED:
    default: return "failed";
    }
}

static GString *
line_start (Slot *slot)
{
  GString *line = g_string_new ("{");

  burrow_json_append_member (line, "transport", transport_name (slot->transport));
  g_string_append_c (line, ',');
  burrow_json_append_member (line, "action", slot->action);
  return line;
}

static void
line_finish (Slot    *slot,
             GString *line)
{
  g_string_append_printf (line, ",\"ms\":%.1f}\n",
                          (g_get_monotonic_time () - slot->started) / 1000.0);
  fputs (line->str, stdout);
  fflush (stdout);
  g_string_free (line, TRUE);
}

static void
print_error (Slot         *slot,
             const GError *error)
{
  GString *line = line_start (slot);

  g_string_append_c (line, ',');
  burrow_json_append_member (line, "error", error_code_name (error));
  g_string_append_c (line, ',');
  burrow_json_append_member (line, "message", error->message);
  line_finish (slot, line);
}

static void read_command (Driver *driver);

/* --- --keep: the engine's port mapper ---------------------------------------------------- */

static void
on_mapper_state (BurrowPortMapper *mapper,
                 GParamSpec       *pspec,
                 Driver           *driver)
{
  const BurrowPortMapping *mapping = burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP);
  Slot *slot = &driver->slots[0];
  GString *line;

  for (guint i = 0; i < G_N_ELEMENTS (driver->slots); i++)
    {
      const BurrowPortMapping *pinhole = burrow_port_mapper_get_pinhole (mapper,
                                                                         driver->slots[i].transport);
      g_autofree gchar *address = NULL;

      if (pinhole == NULL || pinhole->obtained == driver->pinhole_obtained[i])
        continue;
      address = pinhole->external_address ? g_inet_address_to_string (pinhole->external_address)
                                          : NULL;
      driver->pinhole_obtained[i] = pinhole->obtained;
      driver->slots[i].action = "pinhole";
      line = line_start (&driver->slots[i]);
      g_string_append_c (line, ',');
      burrow_json_append_member (line, "method", burrow_mapping_method_to_string (pinhole->method));
      g_string_append_c (line, ',');
      burrow_json_append_member (line, "external_address", address);
      g_string_append_printf (line, ",\"external_port\":%u", pinhole->external_port);
      line_finish (&driver->slots[i], line);
    }
  slot->action = "kept";
  if (burrow_port_mapper_get_state (mapper) == BURROW_PORT_MAPPER_FAILED)
    {
      print_error (slot, burrow_port_mapper_get_error (mapper));
      return;
    }
  if (burrow_port_mapper_get_state (mapper) != BURROW_PORT_MAPPER_MAPPED || mapping == NULL ||
      mapping->obtained == driver->kept_obtained)
    return;
  driver->kept_obtained = mapping->obtained;
  line = line_start (slot);
  g_string_append_c (line, ',');
  burrow_json_append_member (line, "method", burrow_mapping_method_to_string (mapping->method));
  g_string_append_printf (line, ",\"external_port\":%u,\"epoch\":%" G_GUINT32_FORMAT,
                          mapping->external_port, mapping->epoch);
  line_finish (slot, line);
}

static void
on_mapper_stopped (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Driver *driver = data;
  Slot *slot = &driver->slots[0];
  GString *line;

  burrow_port_mapper_stop_finish (driver->mapper, result, NULL);
  slot->action = "unmap";
  line = line_start (slot);
  g_string_append (line, ",\"ok\":true");
  line_finish (slot, line);
  g_main_loop_quit (driver->loop);
}

static void
keep (Driver *driver)
{
  driver->mapper = burrow_port_mapper_new (driver->port);
  burrow_port_mapper_set_gateway (driver->mapper, driver->gateway);
  if (driver->gateway6 != NULL)
    burrow_port_mapper_set_gateway6 (driver->mapper, driver->gateway6);
  if (driver->deadline_ms > 0)
    burrow_port_mapper_set_deadline (driver->mapper, driver->deadline_ms);
  burrow_port_mapper_set_method_enabled (driver->mapper, BURROW_MAPPING_METHOD_PCP,
                                         driver->all || (!driver->upnp && !driver->nat_pmp));
  burrow_port_mapper_set_method_enabled (driver->mapper, BURROW_MAPPING_METHOD_NAT_PMP,
                                         driver->all || !driver->upnp);
  burrow_port_mapper_set_method_enabled (driver->mapper, BURROW_MAPPING_METHOD_UPNP,
                                         driver->all || driver->upnp);
  g_signal_connect (driver->mapper, "notify::state", G_CALLBACK (on_mapper_state), driver);
  driver->slots[0].started = driver->slots[1].started = g_get_monotonic_time ();
  burrow_port_mapper_start (driver->mapper);
  read_command (driver);
}

static void
request_done (Driver *driver)
{
  g_assert (driver->pending > 0);
  if (--driver->pending > 0)
    return;
  if (driver->unmapping)
    g_main_loop_quit (driver->loop);
  else
    read_command (driver);
}

static void
on_mapped (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Slot *slot = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPortMapping) mapping = NULL;

  if (g_async_result_is_tagged (result, burrow_upnp_mapper_map_async))
    mapping = burrow_upnp_mapper_map_finish (result, &error);
  else
    mapping = burrow_pcp_mapper_map_finish (result, &error);

  if (mapping == NULL)
    print_error (slot, error);
  else
    {
      GString *line = line_start (slot);

      g_string_append_c (line, ',');
      burrow_json_append_member (line, "method", burrow_mapping_method_to_string (mapping->method));
      /* UPnP: null when the router told no external address */
      if (mapping->external_address != NULL)
        {
          g_autofree gchar *address = g_inet_address_to_string (mapping->external_address);

          g_string_append_c (line, ',');
          burrow_json_append_member (line, "external_address", address);
        }
      else
        g_string_append (line, ",\"external_address\":null");
      g_string_append_printf (line, ",\"external_port\":%u,\"internal_port\":%u"
                              ",\"lifetime\":%" G_GUINT32_FORMAT,
                              mapping->external_port, mapping->internal_port, mapping->lifetime);
      if (mapping->method == BURROW_MAPPING_METHOD_UPNP)
        {
          g_string_append_c (line, ',');
          burrow_json_append_member (line, "description_url", mapping->description_url);
        }
      else
        g_string_append_printf (line, ",\"epoch\":%" G_GUINT32_FORMAT, mapping->epoch);
      if (slot->mapping != NULL && mapping->method != BURROW_MAPPING_METHOD_UPNP)
        g_string_append_printf (line, ",\"router_restarted\":%s",
                                burrow_port_mapping_router_lost_state (slot->mapping, mapping)
                                ? "true" : "false");
      line_finish (slot, line);
      g_clear_pointer (&slot->mapping, burrow_port_mapping_free);
      slot->mapping = g_steal_pointer (&mapping);
    }
  request_done (slot->driver);
}

static void
on_unmapped (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Slot *slot = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_async_result_is_tagged (result, burrow_upnp_mapper_unmap_async))
    ok = burrow_upnp_mapper_unmap_finish (result, &error);
  else
    ok = burrow_pcp_mapper_unmap_finish (result, &error);
  if (!ok)
    print_error (slot, error);
  else
    {
      GString *line = line_start (slot);

      g_string_append (line, ",\"ok\":true");
      line_finish (slot, line);
      g_clear_pointer (&slot->mapping, burrow_port_mapping_free);
    }
  request_done (slot->driver);
}

static void
map_all (Driver      *driver,
         const gchar *action)
{
  driver->pending = G_N_ELEMENTS (driver->slots);
  for (guint i = 0; i < G_N_ELEMENTS (driver->slots); i++)
    {
      Slot *slot = &driver->slots[i];
      /* a NAT-PMP mapping is renewed by NAT-PMP: how the mapper is told to skip PCP */
      BurrowPortMapping nat_pmp = { .method = BURROW_MAPPING_METHOD_NAT_PMP };
      const BurrowPortMapping *renew = slot->mapping;

      if (renew == NULL && driver->nat_pmp)
        renew = &nat_pmp;
      slot->action = action;
      slot->started = g_get_monotonic_time ();
      if (driver->upnp)
        {
          /* a renewal reuses the cached description URL: no SSDP */
          burrow_upnp_mapper_map_async (slot->mapping != NULL ? slot->mapping->description_url
                                                              : NULL,
                                        slot->transport, driver->port,
                                        slot->mapping != NULL ? slot->mapping->external_port
                                                              : driver->suggested_port,
                                        driver->lifetime, 0, NULL, on_mapped, slot);
          continue;
        }
      burrow_pcp_mapper_map_async (driver->gateway, slot->transport, driver->port,
                                   slot->mapping != NULL ? slot->mapping->external_port
                                                         : driver->suggested_port,
                                   driver->lifetime, renew, driver->deadline_ms, NULL,
                                   on_mapped, slot);
    }
}

static void
unmap_all (Driver *driver)
{
  driver->unmapping = TRUE;
  driver->pending = 1; /* held until every request is out */
  for (guint i = 0; i < G_N_ELEMENTS (driver->slots); i++)
    {
      Slot *slot = &driver->slots[i];

      if (slot->mapping == NULL)
        continue;
      driver->pending++;
      slot->action = "unmap";
      slot->started = g_get_monotonic_time ();
      if (slot->mapping->method == BURROW_MAPPING_METHOD_UPNP)
        burrow_upnp_mapper_unmap_async (slot->mapping, NULL, on_unmapped, slot);
      else
        burrow_pcp_mapper_unmap_async (slot->mapping, driver->deadline_ms, NULL, on_unmapped,
                                       slot);
    }
  request_done (driver);
}

static void
on_command (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Driver *driver = data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *command = g_data_input_stream_read_line_finish (driver->input, result, NULL,
                                                                    &error);

  if (command == NULL || (driver->mapper != NULL && g_str_equal (g_strstrip (command), "unmap")))
    {
      if (error != NULL)
        g_printerr ("burrow-map-port: stdin: %s\n", error->message);
      if (driver->mapper != NULL)
        burrow_port_mapper_stop_async (driver->mapper, NULL, on_mapper_stopped, driver);
      else
        unmap_all (driver);
      return;
    }
  g_strstrip (command);
  if (driver->mapper != NULL)
    {
      read_command (driver);
      return;
    }
  if (g_str_equal (command, "unmap"))
    unmap_all (driver);
  else if (g_str_equal (command, "renew"))
    map_all (driver, "renew");
  else
    {
      if (*command != '\0')
        g_printerr ("burrow-map-port: unknown command “%s” (renew, unmap)\n", command);
      read_command (driver);
    }
}

static void
read_command (Driver *driver)
{
  g_data_input_stream_read_line_async (driver->input, G_PRIORITY_DEFAULT, NULL, on_command,
                                       driver);
}

int
main (int   argc,
      char *argv[])
{
  gint port = 0, suggested_port = -1, lifetime = 3600, deadline_ms = 0;
  gboolean nat_pmp = FALSE, upnp = FALSE, keep_mapped = FALSE, all = FALSE;
  g_autofree gchar *gateway = NULL;
  g_autofree gchar *gateway6 = NULL;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Internal port to map (TCP and UDP)", "PORT" },
    { "external-port", 0, 0, G_OPTION_ARG_INT, &suggested_port,
      "External port to ask for (default: PORT; 0: any)", "PORT" },
    { "gateway", 0, 0, G_OPTION_ARG_STRING, &gateway,
      "The router's address (default: the IPv4 default gateway)", "IP" },
    { "gateway6", 0, 0, G_OPTION_ARG_STRING, &gateway6,
      "With --keep: the IPv6 router (PCP), or only allow IPv6 (--upnp): open a pinhole", "IP" },
    { "lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "Seconds to ask for (default 3600)", "S" },
    { "nat-pmp", 0, 0, G_OPTION_ARG_NONE, &nat_pmp, "Ask by NAT-PMP instead of PCP", NULL },
    { "upnp", 0, 0, G_OPTION_ARG_NONE, &upnp, "Ask by UPnP (libminiupnpc) instead of PCP", NULL },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep_mapped,
      "Let the engine's port mapper keep the mapping (renewals, router restarts)", NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all,
      "With --keep: PCP, NAT-PMP and UPnP at once, as the app asks", NULL },
    { "deadline", 0, 0, G_OPTION_ARG_INT, &deadline_ms,
      "Give up on a request after this many ms (default: the mapper's own)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— map a port on the router");
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  Driver driver = { 0, };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("burrow-map-port: %s\n", error->message);
      return 2;
    }
  if (port <= 0 || port > G_MAXUINT16 || suggested_port > G_MAXUINT16 || lifetime <= 0 ||
      deadline_ms < 0)
    {
      g_printerr ("burrow-map-port: --port 1-65535 is needed; --external-port at most 65535; "
                  "--lifetime above 0\n");
      return 2;
    }

  if (gateway != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (gateway);

      if (address == NULL)
        {
          g_printerr ("burrow-map-port: “%s” is no IP address\n", gateway);
          return 2;
        }
      driver.gateway = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address,
                                                                         BURROW_PORTMAP_SERVER_PORT));
    }
  else if ((driver.gateway = burrow_default_gateway_ipv4 ()) == NULL)
    {
      g_printerr ("burrow-map-port: no IPv4 default gateway; pass --gateway\n");
      return 2;
    }

  if (gateway6 != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (gateway6);

      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
        {
          g_printerr ("burrow-map-port: “%s” is no IPv6 address\n", gateway6);
          return 2;
        }
      driver.gateway6 = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address,
                                                                          BURROW_PORTMAP_SERVER_PORT));
    }

  driver.loop = g_main_loop_new (NULL, FALSE);
  stdin_stream = g_unix_input_stream_new (0, FALSE);
  driver.input = g_data_input_stream_new (stdin_stream);
  driver.port = port;
  driver.suggested_port = suggested_port >= 0 ? suggested_port : port;
  driver.lifetime = lifetime;
  driver.deadline_ms = deadline_ms;
  driver.nat_pmp = nat_pmp;
  driver.upnp = upnp;
  driver.all = all;
  driver.slots[0] = (Slot) { .driver = &driver, .transport = BURROW_PORTMAP_TCP };
  driver.slots[1] = (Slot) { .driver = &driver, .transport = BURROW_PORTMAP_UDP };

  if (keep_mapped)
    keep (&driver);
  else
    map_all (&driver, "map");
  g_main_loop_run (driver.loop);

  g_clear_object (&driver.mapper);
  g_clear_object (&driver.gateway6);
  for (guint i = 0; i < G_N_ELEMENTS (driver.slots); i++)
    g_clear_pointer (&driver.slots[i].mapping, burrow_port_mapping_free);
  g_clear_object (&driver.input);
  g_clear_object (&driver.gateway);
  g_main_loop_unref (driver.loop);
  return 0;
}
