/* test-upnp-mapper.c — what the UPnP mapper makes of an IGD's refusals, against a fake IGD
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small HTTP server on loopback serves a root description with one WANIPConnection service
 * and answers its SOAP actions as the test says; the mapper is handed the description URL (no
 * SSDP). The mapper against a real router (miniupnpd) is tests/natlab/test-portmap.py's.
 */

#define G_LOG_DOMAIN "test-upnp-mapper"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define EXTERNAL_IP "198.51.100.2"

typedef struct
{
  GSocketService *service;
  guint16         port;
  const gchar    *service_type;   /* WANIPConnection:1 or :2 */
  gint            add_error;      /* AddPortMapping's UPnP error, 0: success */
  gint            add_any_error;  /* AddAnyPortMapping's (401 when the IGD has no such action) */
  guint16         add_any_port;   /* the port AddAnyPortMapping reserves */
  GMutex          lock;
  GPtrArray      *actions;        /* the SOAP actions asked for, in order */
} FakeIgd;

static gchar *
root_description (FakeIgd *igd)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\"?>\r\n"
    "<root xmlns=\"urn:schemas-upnp-org:device-1-0\"><specVersion><major>1</major>"
    "<minor>0</minor></specVersion><device>"
    "<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>"
    "<friendlyName>test IGD</friendlyName><deviceList><device>"
    "<deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType><deviceList><device>"
    "<deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:2</deviceType><serviceList>"
    "<service><serviceType>urn:schemas-upnp-org:service:%s</serviceType>"
    "<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>"
    "<controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL>"
    "<SCPDURL>/WANIPCn.xml</SCPDURL></service>"
    "</serviceList></device></deviceList></device></deviceList></device></root>\r\n",
    igd->service_type);
}

static gchar *
soap_body (const gchar *inner)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\r\n"
                          "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                          "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">"
                          "<s:Body>%s</s:Body></s:Envelope>\r\n", inner);
}

static gchar *
soap_fault (gint code)
{
  g_autofree gchar *inner = g_strdup_printf (
    "<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
    "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>%d</errorCode>"
    "<errorDescription>test</errorDescription></UPnPError></detail></s:Fault>", code);

  return soap_body (inner);
}

/* The answer to one SOAP action; *status is the HTTP status. */
static gchar *
soap_answer (FakeIgd     *igd,
             const gchar *action,
             guint       *status)
{
  g_autofree gchar *inner = NULL;
  gint error = 0;

  *status = 200;
  if (g_str_equal (action, "GetExternalIPAddress"))
    inner = g_strdup_printf ("<u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:"
                             "service:%s\"><NewExternalIPAddress>" EXTERNAL_IP
                             "</NewExternalIPAddress></u:GetExternalIPAddressResponse>",
                             igd->service_type);
  else if (g_str_equal (action, "AddPortMapping"))
    {
      error = igd->add_error;
      inner = g_strdup_printf ("<u:AddPortMappingResponse xmlns:u=\"urn:schemas-upnp-org:"
                               "service:%s\"/>", igd->service_type);
    }
  else if (g_str_equal (action, "AddAnyPortMapping"))
    {
      error = igd->add_any_error;
      inner = g_strdup_printf ("<u:AddAnyPortMappingResponse xmlns:u=\"urn:schemas-upnp-org:"
                               "service:%s\"><NewReservedPort>%u</NewReservedPort>"
                               "</u:AddAnyPortMappingResponse>",
                               igd->service_type, igd->add_any_port);
    }
  else
    error = 401; /* Invalid Action */

  if (error != 0)
    {
      *status = 500;
      return soap_fault (error);
    }
  return soap_body (inner);
}

static gboolean
on_connection (GThreadedSocketService *service,
               GSocketConnection      *connection,
               GObject                *source,
               gpointer                data)
{
  FakeIgd *igd = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new (in);
  g_autofree gchar *request = NULL;
  g_autofree gchar *action = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *answer = NULL;
  guint64 content_length = 0;
  guint status = 200;

  g_data_input_stream_set_newline_type (lines, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  request = g_data_input_stream_read_line (lines, NULL, NULL, NULL);
  if (request == NULL)
    return TRUE;
  for (;;)
    {
      g_autofree gchar *header = g_data_input_stream_read_line (lines, NULL, NULL, NULL);

      if (header == NULL || *header == '\0')
        break;
      if (g_ascii_strncasecmp (header, "Content-Length:", 15) == 0)
        content_length = g_ascii_strtoull (header + 15, NULL, 10);
      else if (g_ascii_strncasecmp (header, "SOAPAction:", 11) == 0)
        {
          /* SOAPAction: "urn:…:WANIPConnection:2#AddPortMapping" */
          const gchar *hash = strrchr (header, '#');

          if (hash != NULL)
            action = g_strndup (hash + 1, strcspn (hash + 1, "\""));
        }
    }
  if (content_length > 0 && content_length < 65536)
    {
      g_autofree gchar *skip = g_malloc (content_length);

      g_input_stream_read_all (G_INPUT_STREAM (lines), skip, content_length, NULL, NULL, NULL);
    }

  if (action != NULL)
    {
      g_mutex_lock (&igd->lock);
      g_ptr_array_add (igd->actions, g_strdup (action));
      g_mutex_unlock (&igd->lock);
      body = soap_answer (igd, action, &status);
    }
  else
    body = root_description (igd);
  answer = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/xml; charset=\"utf-8\"\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                            status, status == 200 ? "OK" : "Internal Server Error",
                            strlen (body), body);
  g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
fake_igd_start (FakeIgd *igd)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_mutex_init (&igd->lock);
  igd->actions = g_ptr_array_new_with_free_func (g_free);
  igd->service = g_threaded_socket_service_new (4);
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (igd->service), any,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, NULL));
  igd->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (igd->service, "run", G_CALLBACK (on_connection), igd);
  g_socket_service_start (igd->service);
}

static void
fake_igd_stop (FakeIgd *igd)
{
  g_socket_service_stop (igd->service);
  g_socket_listener_close (G_SOCKET_LISTENER (igd->service));
  g_clear_object (&igd->service);
  g_clear_pointer (&igd->actions, g_ptr_array_unref);
  g_mutex_clear (&igd->lock);
}

static BurrowPortMapping *
map_on (FakeIgd  *igd,
        guint16   suggested_port,
        GError  **error)
{
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u/rootDesc.xml", igd->port);

  burrow_upnp_mapper_map_async (url, BURROW_PORTMAP_TCP, 41234, suggested_port, 3600, 0, NULL,
                                burrow_test_result_cb, &r);
  return burrow_upnp_mapper_map_finish (burrow_test_result_wait (&r, 20000), error);
}

static gboolean
asked (FakeIgd     *igd,
       const gchar *action)
{
  gboolean found = FALSE;

  g_mutex_lock (&igd->lock);
  for (guint i = 0; i < igd->actions->len; i++)
    found |= g_str_equal (igd->actions->pdata[i], action);
  g_mutex_unlock (&igd->lock);
  return found;
}

static void
test_mapped (void)
{
  FakeIgd igd = { .service_type = "WANIPConnection:2" };
  g_autoptr(BurrowPortMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;

  fake_igd_start (&igd);
  mapping = map_on (&igd, 41234, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mapping->method, ==, BURROW_MAPPING_METHOD_UPNP);
  g_assert_cmpuint (mapping->external_port, ==, 41234);
  address = g_inet_address_to_string (mapping->external_address);
  g_assert_cmpstr (address, ==, EXTERNAL_IP);
  g_assert_nonnull (strstr (mapping->description_url, "/rootDesc.xml"));
  g_assert_false (asked (&igd, "AddAnyPortMapping"));
  fake_igd_stop (&igd);
}

/* A port the router's rules keep (606) or someone else's (718): IGD:2 picks another */
static void
test_other_port (void)
{
  static const gint refusals[] = { 606, 718 };

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      FakeIgd igd = { .service_type = "WANIPConnection:2", .add_error = refusals[i],
                      .add_any_port = 1024 };
      g_autoptr(BurrowPortMapping) mapping = NULL;
      g_autoptr(GError) error = NULL;

      fake_igd_start (&igd);
      mapping = map_on (&igd, 80, &error);
      g_assert_no_error (error);
      g_assert_true (asked (&igd, "AddAnyPortMapping"));
      g_assert_cmpuint (mapping->external_port, ==, 1024);
      g_assert_cmpuint (mapping->internal_port, ==, 41234);
      fake_igd_stop (&igd);
    }
}

/* An IGD:1 router has no AddAnyPortMapping (401): its refusal of our port is what counts */
static void
test_igd1_refusal (void)
{
  static const gint refusals[] = { 606, 718 };

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      FakeIgd igd = { .service_type = "WANIPConnection:1", .add_error = refusals[i],
                      .add_any_error = 401 };
      g_autoptr(BurrowPortMapping) mapping = NULL;
      g_autoptr(GError) error = NULL;

      fake_igd_start (&igd);
      mapping = map_on (&igd, 41234, &error);
      g_assert_null (mapping);
      g_test_message ("IGD:1, %d: %s", refusals[i], error->message);
      g_assert_error (error, BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_REFUSED);
      fake_igd_stop (&igd);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/connectivity/upnp-mapper/mapped", test_mapped);
  g_test_add_func ("/burrow/connectivity/upnp-mapper/other-port", test_other_port);
  g_test_add_func ("/burrow/connectivity/upnp-mapper/igd1-refusal", test_igd1_refusal);

  return g_test_run ();
}
