/* burrow-pcp-mapper.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One request at a time on a connected UDP socket to the router's port 5351 (connected, so that
 * an ICMP port unreachable ends the wait at once instead of at the deadline). PCP first; a router
 * that answers in NAT-PMP (version 0) or says "unsupported version" gets NAT-PMP: the external
 * address request, then the mapping request. Retransmits after 250 ms, doubling, until the
 * deadline.
 */

#define G_LOG_DOMAIN "burrow-pcp-mapper"

#include "config.h"

#include <net/if.h>

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-error.h"

#include "burrow-pcp-mapper.h"

typedef enum
{
  STAGE_PCP,
  STAGE_NATPMP_ADDRESS,
  STAGE_NATPMP_MAP,
} Stage;

typedef struct
{
  GSocket           *socket;
  Stage              stage;
  gboolean           unmap;
  guint16            suggested_port;
  guint8             client[BURROW_PORTMAP_ADDRESS_SIZE];
  guint8             request[BURROW_PCP_MAP_REQUEST_SIZE];
  gsize              request_length;
  guint              retry_ms;
  gboolean           done;      /* the task has returned */
  BurrowPortMapping *mapping;   /* filled as answers come */
  /* each holds a reference on the task; all are destroyed when it returns */
  GSource           *read_source;
  GSource           *retry_source;
  GSource           *deadline_source;
  GSource           *cancel_source;
} Op;

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
op_stop_sources (Op *op)
{
  clear_source (&op->read_source);
  clear_source (&op->retry_source);
  clear_source (&op->deadline_source);
  clear_source (&op->cancel_source);
}

/* Attaches @source to the task's context, calling @func with the task (referenced). */
static void
op_attach (GTask       *task,
           GSource    **slot,
           GSource     *source,
           GSourceFunc  func)
{
  clear_source (slot);
  *slot = source;
  g_source_set_callback (source, func, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
}

static void
op_free (Op *op)
{
  op_stop_sources (op);
  if (op->socket != NULL)
    g_socket_close (op->socket, NULL);
  g_clear_object (&op->socket);
  g_clear_pointer (&op->mapping, burrow_port_mapping_free);
  g_free (op);
}

/* Ends the task (once): drops every source first, so nothing runs after. */
static void
op_return_error (GTask  *task,
                 GError *error)
{
  Op *op = g_task_get_task_data (task);

  g_return_if_fail (!op->done);
  op->done = TRUE;
  op_stop_sources (op);
  g_task_return_error (task, error);
}

static void
op_return_mapping (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_return_if_fail (!op->done);
  op->done = TRUE;
  op_stop_sources (op);
  op->mapping->obtained = g_get_monotonic_time ();
  if (op->unmap)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, g_steal_pointer (&op->mapping),
                           (GDestroyNotify) burrow_port_mapping_free);
}

/* Why the router turned down a delete: only "not yours" (another nonce holds the mapping) is a
 * refusal; the rest is a failure. A result that means "no such mapping" never gets here. */
static GError *
unmap_result_error (guint16  result,
                    gboolean pcp)
{
  if ((pcp && result == BURROW_PCP_RESULT_NOT_AUTHORIZED) ||
      (!pcp && result == BURROW_NATPMP_RESULT_NOT_AUTHORIZED))
    return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_REFUSED,
                        /* Translators: %s is PCP or NAT-PMP */
                        _("The router refused to delete the port mapping (%s result %u)"),
                        pcp ? "PCP" : "NAT-PMP", result);
  return g_error_new (BURROW_CONNECTIVITY_ERROR, BURROW_CONNECTIVITY_ERROR_FAILED,
                      /* Translators: %s is PCP or NAT-PMP */
                      _("The router did not delete the port mapping (%s result %u)"),
                      pcp ? "PCP" : "NAT-PMP", result);
}

static GError *
result_error (guint16  result,
              gboolean pcp,
              gboolean unmap)
{
  gint code = BURROW_CONNECTIVITY_ERROR_FAILED;

  if (unmap)
    return unmap_result_error (result, pcp);
  if (pcp)
    switch (result)
      {
      case BURROW_PCP_RESULT_NETWORK_FAILURE:
      case BURROW_PCP_RESULT_NO_RESOURCES: /* miniupnpd's answer without a public address */
        code = BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS;
        break;
      case BURROW_PCP_RESULT_NOT_AUTHORIZED:
      case BURROW_PCP_RESULT_CANNOT_PROVIDE_EXTERNAL:
      case BURROW_PCP_RESULT_USER_EX_QUOTA:
        code = BURROW_CONNECTIVITY_ERROR_REFUSED;
        break;
      default:
        break;
      }
  else
    switch (result)
      {
      case BURROW_NATPMP_RESULT_NETWORK_FAILURE:
        code = BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS;
        break;
      case BURROW_NATPMP_RESULT_NOT_AUTHORIZED:
      case BURROW_NATPMP_RESULT_OUT_OF_RESOURCES:
        code = BURROW_CONNECTIVITY_ERROR_REFUSED;
        break;
      default:
        break;
      }

  switch (code)
    {
    case BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS:
      return g_error_new (BURROW_CONNECTIVITY_ERROR, code,
                          /* Translators: %s is PCP or NAT-PMP */
                          _("The router has no public address (%s result %u)"),
                          pcp ? "PCP" : "NAT-PMP", result);
    case BURROW_CONNECTIVITY_ERROR_REFUSED:
      return g_error_new (BURROW_CONNECTIVITY_ERROR, code,
                          /* Translators: %s is PCP or NAT-PMP */
                          _("The router refused the port mapping (%s result %u)"),
                          pcp ? "PCP" : "NAT-PMP", result);
    default:
      return g_error_new (BURROW_CONNECTIVITY_ERROR, code,
                          /* Translators: %s is PCP or NAT-PMP */
                          _("The port mapping failed (%s result %u)"), pcp ? "PCP" : "NAT-PMP",
                          result);
    }
}

static GInetAddress *
address_from_bytes (const guint8 bytes[BURROW_PORTMAP_ADDRESS_SIZE])
{
  if (burrow_portmap_address_is_ipv4 (bytes))
    return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
  return g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
}

static void
build_request (Op *op)
{
  BurrowPortMapping *m = op->mapping;
  guint32 lifetime = op->unmap ? 0 : m->lifetime;

  switch (op->stage)
    {
    case STAGE_PCP:
      op->request_length = burrow_pcp_build_map_request (op->request, m->nonce, m->transport,
                                                         m->internal_port,
                                                         op->unmap ? m->external_port
                                                                   : op->suggested_port,
                                                         op->client, NULL, lifetime);
      break;
    case STAGE_NATPMP_ADDRESS:
      op->request_length = burrow_natpmp_build_address_request (op->request);
      break;
    case STAGE_NATPMP_MAP:
    default:
      op->request_length = burrow_natpmp_build_map_request (op->request, m->transport,
                                                            m->internal_port,
                                                            op->unmap ? 0 : op->suggested_port,
                                                            lifetime);
      break;
    }
}

static gboolean on_retry (gpointer data);

/* Sends the current stage's request and arms the retransmission. */
static void
send_request (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_socket_send (op->socket, (const gchar *) op->request, op->request_length,
                     g_task_get_cancellable (task), &error) < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
        op_return_error (task, g_error_new (BURROW_CONNECTIVITY_ERROR,
                                            BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                            _("No PCP or NAT-PMP on the router: %s"),
                                            error->message));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        op_return_error (task, g_steal_pointer (&error));
      else
        op_return_error (task, g_error_new (BURROW_CONNECTIVITY_ERROR,
                                            BURROW_CONNECTIVITY_ERROR_FAILED,
                                            _("Could not ask the router for a port: %s"),
                                            error->message));
      return;
    }
  op_attach (task, &op->retry_source, g_timeout_source_new (op->retry_ms), on_retry);
  op->retry_ms *= 2;
}

static gboolean
on_retry (gpointer data)
{
  /* send_request replaces this source (destroyed while it runs: GLib allows that) */
  send_request (data);
  return G_SOURCE_REMOVE;
}

static void
start_stage (GTask *task,
             Stage  stage)
{
  Op *op = g_task_get_task_data (task);

  op->stage = stage;
  op->retry_ms = BURROW_PCP_FIRST_RETRY_MS;
  build_request (op);
  send_request (task);
}

/* One answer: TRUE when it ended the task. Answers that fit no request are ignored (a late
 * answer to an earlier retransmission, another client's). */
static gboolean
handle_answer (GTask        *task,
               const guint8 *data,
               gsize         length)
{
  Op *op = g_task_get_task_data (task);
  BurrowPortMapping *m = op->mapping;
  BurrowPortmapResponse r;

  if (!burrow_portmap_parse_response (data, length, &r, NULL))
    return FALSE;

  switch (op->stage)
    {
    case STAGE_PCP:
      if (r.version == BURROW_NATPMP_VERSION ||
          (r.version == BURROW_PCP_VERSION && r.result == BURROW_PCP_RESULT_UNSUPP_VERSION))
        {
          /* NAT-PMP only (IPv4 only) */
          if (g_inet_address_get_family (g_inet_socket_address_get_address (m->gateway))
              != G_SOCKET_FAMILY_IPV4)
            {
              op_return_error (task, g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                          BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                                          _("The router speaks only NAT-PMP, "
                                                            "which has no IPv6")));
              return TRUE;
            }
          start_stage (task, op->unmap ? STAGE_NATPMP_MAP : STAGE_NATPMP_ADDRESS);
          return FALSE;
        }
      if (r.opcode != BURROW_PCP_OP_MAP)
        return FALSE;
      if (r.result != BURROW_PCP_RESULT_SUCCESS)
        {
          if (r.has_external_address && memcmp (r.nonce, m->nonce, sizeof r.nonce) != 0)
            return FALSE;
          /* miniupnpd answers a delete it finds no mapping for (the router restarted, or the
           * lease ran out) with NO_RESOURCES: nothing of ours is forwarded, which is what the
           * delete was for. NAT-PMP says success in that case. */
          if (op->unmap && r.result == BURROW_PCP_RESULT_NO_RESOURCES)
            {
              op_return_mapping (task);
              return TRUE;
            }
          op_return_error (task, result_error (r.result, TRUE, op->unmap));
          return TRUE;
        }
      if (memcmp (r.nonce, m->nonce, sizeof r.nonce) != 0 || r.internal_port != m->internal_port ||
          r.transport != m->transport)
        return FALSE;
      m->method = BURROW_MAPPING_METHOD_PCP;
      m->external_port = r.external_port;
      m->lifetime = r.lifetime;
      m->epoch = r.epoch;
      g_clear_object (&m->external_address);
      m->external_address = address_from_bytes (r.external_address);
      op_return_mapping (task);
      return TRUE;

    case STAGE_NATPMP_ADDRESS:
      if (r.version != BURROW_NATPMP_VERSION || r.opcode != BURROW_NATPMP_OP_ADDRESS)
        return FALSE;
      if (r.result != BURROW_NATPMP_RESULT_SUCCESS)
        {
          op_return_error (task, result_error (r.result, FALSE, FALSE));
          return TRUE;
        }
      g_clear_object (&m->external_address);
      m->external_address = address_from_bytes (r.external_address);
      start_stage (task, STAGE_NATPMP_MAP);
      return FALSE;

    case STAGE_NATPMP_MAP:
    default:
      if (r.version != BURROW_NATPMP_VERSION ||
          r.opcode != (m->transport == BURROW_PORTMAP_UDP ? BURROW_NATPMP_OP_MAP_UDP
                                                          : BURROW_NATPMP_OP_MAP_TCP))
        return FALSE;
      if (r.result != BURROW_NATPMP_RESULT_SUCCESS)
        {
          op_return_error (task, result_error (r.result, FALSE, op->unmap));
          return TRUE;
        }
      if (r.internal_port != m->internal_port)
        return FALSE;
      m->method = BURROW_MAPPING_METHOD_NAT_PMP;
      m->external_port = r.external_port;
      m->lifetime = r.lifetime;
      m->epoch = r.epoch;
      op_return_mapping (task);
      return TRUE;
    }
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  GTask *task = data;
  Op *op = g_task_get_task_data (task);
  guint8 buffer[BURROW_PCP_MAX_MESSAGE + 4];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (gchar *) buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          /* the ICMP port unreachable of a router without PCP / NAT-PMP: no need to wait on */
          op_return_error (task, g_error_new (BURROW_CONNECTIVITY_ERROR,
                                              BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                              _("No PCP or NAT-PMP on the router: %s"),
                                              error->message));
          return G_SOURCE_REMOVE;
        }
      if (handle_answer (task, buffer, n) || op->done)
        return G_SOURCE_REMOVE;
    }
}

static gboolean
on_deadline (gpointer data)
{
  GTask *task = data;
  Op *op = g_task_get_task_data (task);

  if (op->stage == STAGE_NATPMP_MAP && !op->unmap)
    op_return_error (task, g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                BURROW_CONNECTIVITY_ERROR_FAILED,
                                                _("The router told its address by NAT-PMP but "
                                                  "did not answer the port mapping")));
  else
    op_return_error (task, g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                                _("No answer from the router to PCP or NAT-PMP")));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancel_source (GCancellable *cancellable,
                  gpointer      data)
{
  GTask *task = data;

  op_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              _("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
start (GTask                   *task,
       GInetSocketAddress      *gateway,
       const BurrowPortMapping *template,
       gboolean                 unmap,
       guint16                  suggested_port,
       guint                    deadline_ms)
{
  Op *op = g_new0 (Op, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  GInetAddress *local_address;
  GSocketFamily family = g_inet_address_get_family (g_inet_socket_address_get_address (gateway));

  op->unmap = unmap;
  op->suggested_port = suggested_port;
  op->mapping = burrow_port_mapping_copy (template);
  g_set_object (&op->mapping->gateway, gateway);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  op->socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  if (op->socket == NULL ||
      !g_socket_connect (op->socket, G_SOCKET_ADDRESS (gateway), NULL, &error) ||
      (local = g_socket_get_local_address (op->socket, &error)) == NULL)
    {
      op_return_error (task, g_error_new (BURROW_CONNECTIVITY_ERROR,
                                          BURROW_CONNECTIVITY_ERROR_NO_MAPPER,
                                          _("Could not reach the router: %s"), error->message));
      return;
    }
  g_socket_set_blocking (op->socket, FALSE);
  local_address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  if (family == G_SOCKET_FAMILY_IPV4)
    burrow_portmap_address_from_ipv4 (op->client, g_inet_address_to_bytes (local_address));
  else
    memcpy (op->client, g_inet_address_to_bytes (local_address), BURROW_PORTMAP_ADDRESS_SIZE);

  op_attach (task, &op->read_source, g_socket_create_source (op->socket, G_IO_IN, NULL),
             G_SOURCE_FUNC (on_readable));
  op_attach (task, &op->deadline_source,
             g_timeout_source_new (deadline_ms ? deadline_ms : BURROW_PCP_DEFAULT_DEADLINE_MS),
             on_deadline);
  if (g_task_get_cancellable (task) != NULL)
    op_attach (task, &op->cancel_source, g_cancellable_source_new (g_task_get_cancellable (task)),
               G_SOURCE_FUNC (on_cancel_source));

  /* a mapping we made by NAT-PMP is renewed and deleted by NAT-PMP */
  if (template->method == BURROW_MAPPING_METHOD_NAT_PMP)
    start_stage (task, unmap ? STAGE_NATPMP_MAP : STAGE_NATPMP_ADDRESS);
  else
    start_stage (task, STAGE_PCP);
}

/**
 * burrow_pcp_mapper_map_async:
 * @gateway: the router's PCP / NAT-PMP address (port 5351 on a real network)
 * @lifetime: seconds asked for; never 0 (that would delete)
 * @renew: (nullable): an earlier mapping of ours to renew: its nonce, protocol and ports are
 *   reused, so the router extends it instead of making another
 * @deadline_ms: give up after this long (0: %BURROW_PCP_DEFAULT_DEADLINE_MS)
 *
 * Asks the router to forward @transport traffic on an external port (ideally
 * @suggested_external_port) to our @internal_port. Completes with the mapping the router
 * granted: the external port it chose, its external address, the lifetime and its epoch.
 * Errors are %BURROW_CONNECTIVITY_ERROR: %BURROW_CONNECTIVITY_ERROR_NO_MAPPER (no answer by the
 * deadline, or ICMP port unreachable at once), %BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS,
 * %BURROW_CONNECTIVITY_ERROR_REFUSED or %BURROW_CONNECTIVITY_ERROR_FAILED.
 */
void
burrow_pcp_mapper_map_async (GInetSocketAddress      *gateway,
                             BurrowPortmapTransport   transport,
                             guint16                  internal_port,
                             guint16                  suggested_external_port,
                             guint32                  lifetime,
                             const BurrowPortMapping *renew,
                             guint                    deadline_ms,
                             GCancellable            *cancellable,
                             GAsyncReadyCallback      callback,
                             gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  BurrowPortMapping template = { 0, };

  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (gateway));
  g_return_if_fail (transport == BURROW_PORTMAP_TCP || transport == BURROW_PORTMAP_UDP);
  g_return_if_fail (internal_port != 0);
  g_return_if_fail (lifetime > 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_pcp_mapper_map_async);
  if (renew != NULL)
    {
      template = *renew;
      template.gateway = NULL;
      template.external_address = renew->external_address;
    }
  else
    {
      for (guint i = 0; i < BURROW_PCP_NONCE_SIZE; i++)
        template.nonce[i] = g_random_int_range (0, 256);
    }
  template.transport = transport;
  template.internal_port = internal_port;
  template.lifetime = lifetime;
  start (task, gateway, &template, FALSE, suggested_external_port, deadline_ms);
}

BurrowPortMapping *
burrow_pcp_mapper_map_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * burrow_pcp_mapper_unmap_async:
 * @mapping: a mapping this module made (PCP: the same nonce deletes it)
 *
 * Deletes the mapping on the router (lifetime 0). A router that holds no such mapping any more
 * (it restarted, or the lease ran out) counts as success: nothing is forwarded to us. Errors
 * are %BURROW_CONNECTIVITY_ERROR: %BURROW_CONNECTIVITY_ERROR_REFUSED (the mapping is held under
 * another nonce), %BURROW_CONNECTIVITY_ERROR_NO_MAPPER (no answer) or
 * %BURROW_CONNECTIVITY_ERROR_FAILED.
 */
void
burrow_pcp_mapper_unmap_async (const BurrowPortMapping *mapping,
                               guint                    deadline_ms,
                               GCancellable            *cancellable,
                               GAsyncReadyCallback      callback,
                               gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (mapping != NULL && mapping->gateway != NULL);
  g_return_if_fail (mapping->method == BURROW_MAPPING_METHOD_PCP ||
                    mapping->method == BURROW_MAPPING_METHOD_NAT_PMP);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_pcp_mapper_unmap_async);
  start (task, mapping->gateway, mapping, TRUE, 0, deadline_ms);
}

gboolean
burrow_pcp_mapper_unmap_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * burrow_default_gateway_parse:
 * @proc_net_route: the text of Linux's /proc/net/route
 * @gateway: (out): the IPv4 default gateway, network order
 *
 * Returns: whether a default route through a gateway was found
 */
gboolean
burrow_default_gateway_parse (const gchar *proc_net_route,
                              guint8       gateway[4])
{
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (proc_net_route != NULL, FALSE);

  lines = g_strsplit (proc_net_route, "\n", 1024);
  for (guint i = 1; lines[i] != NULL; i++) /* line 0: the column names */
    {
      g_auto(GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();
      guint64 destination, via, flags, mask;
      guint32 via32;

      for (guint j = 0; f[j] != NULL; j++)
        if (*f[j] != '\0')
          g_ptr_array_add (fields, f[j]);
      /* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
      if (fields->len < 8 ||
          !g_ascii_string_to_unsigned (fields->pdata[1], 16, 0, G_MAXUINT32, &destination, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[2], 16, 0, G_MAXUINT32, &via, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[3], 16, 0, G_MAXUINT32, &flags, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[7], 16, 0, G_MAXUINT32, &mask, NULL))
        continue;
      /* RTF_UP 0x1, RTF_GATEWAY 0x2 */
      if (destination != 0 || mask != 0 || (flags & 0x3) != 0x3 || via == 0)
        continue;
      /* the kernel prints the address's bytes as one native-order word */
      via32 = (guint32) via;
      memcpy (gateway, &via32, 4);
      return TRUE;
    }
  return FALSE;
}

/**
 * burrow_default_gateway_ipv4:
 *
 * Returns: (transfer full) (nullable): the default gateway's PCP / NAT-PMP address (port
 *   5351), or %NULL without an IPv4 default route
 */
GInetSocketAddress *
burrow_default_gateway_ipv4 (void)
{
  g_autofree gchar *text = NULL;
  g_autoptr(GInetAddress) address = NULL;
  guint8 gateway[4];

  if (!g_file_get_contents ("/proc/net/route", &text, NULL, NULL) ||
      !burrow_default_gateway_parse (text, gateway))
    return NULL;
  address = g_inet_address_new_from_bytes (gateway, G_SOCKET_FAMILY_IPV4);
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, BURROW_PORTMAP_SERVER_PORT));
}

/**
 * burrow_default_gateway6_parse:
 * @proc_net_ipv6_route: the text of Linux's /proc/net/ipv6_route
 * @gateway: (out): the IPv6 default gateway (often link-local)
 * @interface: (out): the interface the route leaves by (for a link-local gateway's scope)
 *
 * Returns: whether a default route through a gateway was found (the lowest metric wins)
 */
gboolean
burrow_default_gateway6_parse (const gchar *proc_net_ipv6_route,
                               guint8       gateway[16],
                               gchar        interface[16])
{
  g_auto(GStrv) lines = NULL;
  guint64 best = G_MAXUINT64;

  g_return_val_if_fail (proc_net_ipv6_route != NULL, FALSE);

  lines = g_strsplit (proc_net_ipv6_route, "\n", 1024);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();
      guint64 prefix, metric, flags;
      guint8 via[16];
      gboolean any = FALSE;

      for (guint j = 0; f[j] != NULL; j++)
        if (*f[j] != '\0')
          g_ptr_array_add (fields, f[j]);
      /* destination prefix-length source prefix-length next-hop metric refcnt use flags iface */
      if (fields->len < 10 || strlen (fields->pdata[4]) != 32 || strlen (fields->pdata[9]) >= 16 ||
          strspn (fields->pdata[0], "0") != 32 ||
          !g_ascii_string_to_unsigned (fields->pdata[1], 16, 0, 128, &prefix, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[5], 16, 0, G_MAXUINT32, &metric, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[8], 16, 0, G_MAXUINT32, &flags, NULL))
        continue;
      for (guint b = 0; b < 16; b++)
        {
          const gchar *hex = (const gchar *) fields->pdata[4] + 2 * b;
          gint hi = g_ascii_xdigit_value (hex[0]), lo = g_ascii_xdigit_value (hex[1]);

          if (hi < 0 || lo < 0)
            break;
          via[b] = (guint8) (hi << 4 | lo);
          any |= via[b] != 0;
        }
      /* RTF_UP 0x1, RTF_GATEWAY 0x2; "lo" carries the unreachable default */
      if (prefix != 0 || (flags & 0x3) != 0x3 || !any || metric >= best ||
          g_str_equal (fields->pdata[9], "lo"))
        continue;
      best = metric;
      memcpy (gateway, via, 16);
      g_strlcpy (interface, fields->pdata[9], 16);
    }
  return best != G_MAXUINT64;
}

/**
 * burrow_default_gateway_ipv6:
 *
 * Returns: (transfer full) (nullable): the IPv6 default gateway's PCP address (port 5351, with
 *   the interface as scope for a link-local one), or %NULL without an IPv6 default route
 */
GInetSocketAddress *
burrow_default_gateway_ipv6 (void)
{
  g_autofree gchar *text = NULL;
  g_autoptr(GInetAddress) address = NULL;
  guint8 gateway[16];
  gchar interface[16];

  if (!g_file_get_contents ("/proc/net/ipv6_route", &text, NULL, NULL) ||
      !burrow_default_gateway6_parse (text, gateway, interface))
    return NULL;
  address = g_inet_address_new_from_bytes (gateway, G_SOCKET_FAMILY_IPV6);
  return g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", address,
                       "port", BURROW_PORTMAP_SERVER_PORT,
                       "scope-id", g_inet_address_get_is_link_local (address)
                                   ? if_nametoindex (interface) : 0,
                       NULL);
}
