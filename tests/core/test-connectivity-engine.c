/* test-connectivity-engine.c — automatic mode re-decides as its inputs change (real uhub on
 * loopback; no router here, so the mapper asks a closed loopback port)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-connectivity-engine"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-util.h"

#define DEADLINE_MS 20000

typedef struct
{
  gchar              *dir;
  BurrowTestHub      *hub;
  BurrowClient       *client;
  BurrowConnectivity *engine;
  guint               changes;
} Fixture;

static void
on_changed (BurrowConnectivity *engine,
            Fixture            *f)
{
  g_autofree gchar *json = burrow_connectivity_decision_to_json (
    burrow_connectivity_get_decision (engine));

  g_test_message ("%s", json);
  f->changes++;
}

static GInetSocketAddress *
closed_loopback_port (void)
{
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (probe, any, FALSE, NULL));
  bound = g_socket_get_local_address (probe, NULL);
  g_socket_close (probe, NULL);
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (
    lo, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound))));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const gchar *local = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowPortMapper) mapper = burrow_port_mapper_new (41234);
  g_autoptr(GInetSocketAddress) gateway = closed_loopback_port ();
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_object_unref);

  memset (f, 0, sizeof *f);
  f->hub = burrow_test_hub_start (NULL, &error);
  if (f->hub == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("burrow-connectivity-XXXXXX", &error);
  g_assert_no_error (error);
  f->client = burrow_client_new (f->dir, &error);
  g_assert_no_error (error);
  burrow_client_set_nick (f->client, "alice");

  /* UPnP stays off: its SSDP would leave the machine */
  burrow_port_mapper_set_method_enabled (mapper, BURROW_MAPPING_METHOD_UPNP, FALSE);
  burrow_port_mapper_set_gateway (mapper, gateway);
  f->engine = burrow_connectivity_new (BURROW_HUB_LIST (burrow_client_get_hubs (f->client)), mapper);
  g_ptr_array_add (locals, g_inet_address_new_from_string (local));
  burrow_connectivity_set_local_addresses (f->engine, locals);
  g_signal_connect (f->engine, "changed", G_CALLBACK (on_changed), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->engine != NULL)
    g_signal_handlers_disconnect_by_data (f->engine, f);
  g_clear_object (&f->engine);
  g_clear_object (&f->client);
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (f->dir != NULL)
    burrow_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
mode_is (gpointer data)
{
  Fixture *f = data;
  const BurrowConnectivityDecision *d = burrow_connectivity_get_decision (f->engine);

  return d != NULL && d->reason != BURROW_CONNECTIVITY_REASON_PENDING &&
         d->reason != BURROW_CONNECTIVITY_REASON_MAPPING;
}

/* The hub sees one of our own addresses: active at once, confirmed by the first peer that
 * reaches us; unanswered requests demote only when they come from three different peers. */
static void
test_direct (Fixture       *f,
             gconstpointer  data)
{
  const BurrowConnectivityDecision *d;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  burrow_connectivity_start (f->engine);
  d = burrow_connectivity_get_decision (f->engine);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_PENDING);

  burrow_test_join_hub (f->client, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_test_wait_until (mode_is, f, DEADLINE_MS));
  d = burrow_connectivity_get_decision (f->engine);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_DIRECT);
  g_assert_false (d->confirmed);

  burrow_connectivity_note_unreached (f->engine, "peer-1");
  burrow_connectivity_note_unreached (f->engine, "peer-1");
  burrow_connectivity_note_unreached (f->engine, "peer-1");
  g_assert_cmpint (burrow_connectivity_get_decision (f->engine)->mode, ==,
                   BURROW_CONNECTIVITY_ACTIVE);
  burrow_connectivity_note_unreached (f->engine, "peer-2");
  burrow_connectivity_note_unreached (f->engine, "peer-3");
  d = burrow_connectivity_get_decision (f->engine);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_UNREACHED);

  /* a peer that reaches us after all: active again, and confirmed */
  burrow_connectivity_note_reached (f->engine);
  d = burrow_connectivity_get_decision (f->engine);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_true (d->confirmed);
}

/* Behind a NAT (the hub sees another address than ours) with no mapper on the router: passive
 * with NAT traversal, for that reason, well within the deadline; the JSON event has the fields
 * `burrow-cli --json` documents. */
static void
test_no_mapper (Fixture       *f,
                gconstpointer  data)
{
  const BurrowConnectivityDecision *d;
  g_autofree gchar *json = NULL;
  guint before;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  burrow_connectivity_start (f->engine);
  burrow_test_join_hub (f->client, burrow_test_hub_get_uri (f->hub));
  g_assert_true (burrow_test_wait_until (mode_is, f, DEADLINE_MS));
  d = burrow_connectivity_get_decision (f->engine);
  g_assert_cmpint (d->mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (d->reason, ==, BURROW_CONNECTIVITY_REASON_NO_MAPPER);
  g_assert_cmpint (burrow_port_mapper_get_decided_us (burrow_connectivity_get_mapper (f->engine)),
                   <, 2600 * 1000);

  json = burrow_connectivity_decision_to_json (d);
  g_assert_nonnull (strstr (json, "\"event\":\"connectivity\""));
  g_assert_nonnull (strstr (json, "\"family\":\"ipv4\""));
  g_assert_nonnull (strstr (json, "\"mode\":\"passive\""));
  g_assert_nonnull (strstr (json, "\"method\":\"none\""));
  g_assert_nonnull (strstr (json, "\"confirmed\":false"));
  g_assert_nonnull (strstr (json, "\"why\":\"no-mapper\""));

  /* nothing new: no event */
  before = f->changes;
  burrow_connectivity_note_unreached (f->engine, "peer-1");
  g_assert_cmpuint (f->changes, ==, before);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/connectivity/engine/direct", Fixture, "127.0.0.1", fixture_set_up,
              test_direct, fixture_tear_down);
  g_test_add ("/burrow/connectivity/engine/no-mapper", Fixture, "10.0.0.5", fixture_set_up,
              test_no_mapper, fixture_tear_down);

  return g_test_run ();
}
