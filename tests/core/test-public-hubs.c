/* test-public-hubs.c — BurrowPublicHubs: list servers setting, refresh, merge, cache, limits
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-public-hubs"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define WAIT_S 60

static const gchar good_list[] =
  "<?xml version=\"1.0\" encoding=\"utf-8\"?><Hublist><Hubs>"
  "<Hub Name=\"One\" Address=\"dchub://one.example.org\" Users=\"10\"/>"
  "<Hub Name=\"Two\" Address=\"adc://two.example.org:1511\" Users=\"20\"/>"
  "</Hubs></Hublist>";
static const gchar other_list[] =
  "Two again|ADC://Two.Example.ORG|the same hub|1\r\n"
  "Three|three.example.org:4111|an NMDC hub|30\r\n";

/* A small HTTP/1.1 server on loopback, one worker thread per connection:
 *   /good.xml   good_list (500 once `failing` is set)
 *   /other      other_list
 *   /drip       a 200 whose body comes one byte every 200 ms until the client goes
 *   /huge, /huge-announced   a body over BURROW_HUB_LIST_MAX_DOWNLOAD, the second announced */
typedef struct
{
  GSocketService *service;
  guint16         port;
  gint            failing;   /* atomic */
} Server;

static gboolean
on_connection (GThreadedSocketService *service,
               GSocketConnection      *connection,
               GObject                *source,
               gpointer                user_data)
{
  Server *server = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  gchar request[8192];
  gsize got = 0;
  g_autofree gchar *head = NULL;
  const gchar *body = NULL;

  while (got < sizeof request - 1)
    {
      gssize n = g_input_stream_read (in, request + got, sizeof request - 1 - got, NULL, NULL);

      if (n <= 0)
        return TRUE;
      got += (gsize) n;
      request[got] = '\0';
      if (strstr (request, "\r\n\r\n") != NULL)
        break;
    }

  if (g_str_has_prefix (request, "GET /drip "))
    {
      const gchar *start = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<Hublist>";

      if (!g_output_stream_write_all (out, start, strlen (start), NULL, NULL, NULL))
        return TRUE;
      for (guint i = 0; i < 5 * WAIT_S; i++)
        {
          g_usleep (200 * 1000);
          if (!g_output_stream_write_all (out, " ", 1, NULL, NULL, NULL))
            break;
        }
      return TRUE;
    }
  if (g_str_has_prefix (request, "GET /huge"))
    {
      /* more than a list may be: announced (Content-Length) or only sent */
      gsize size = BURROW_HUB_LIST_MAX_DOWNLOAD + 64 * 1024;
      g_autofree gchar *zeros = g_malloc0 (64 * 1024);

      head = g_str_has_prefix (request, "GET /huge-announced ")
             ? g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                                "Connection: close\r\n\r\n", size)
             : g_strdup ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
      if (!g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL))
        return TRUE;
      for (gsize sent = 0; sent < size; sent += 64 * 1024)
        if (!g_output_stream_write_all (out, zeros, 64 * 1024, NULL, NULL, NULL))
          break;
      return TRUE;
    }
  if (g_str_has_prefix (request, "GET /good.xml ") && !g_atomic_int_get (&server->failing))
    body = good_list;
  else if (g_str_has_prefix (request, "GET /other "))
    body = other_list;

  if (body != NULL)
    head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                            "Connection: close\r\n\r\n", strlen (body));
  else
    head = g_strdup (g_atomic_int_get (&server->failing)
                     ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                     : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  if (body != NULL)
    g_output_stream_write_all (out, body, strlen (body), NULL, NULL, NULL);
  return TRUE;
}

static void
server_start (Server *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  server->service = g_threaded_socket_service_new (8);
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (server->service, "run", G_CALLBACK (on_connection), server);
  g_socket_service_start (server->service);
}

static void
server_stop (Server *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_clear_object (&server->service);
}

static gchar *
server_url (Server      *server,
            const gchar *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
}

typedef struct
{
  gchar            *dir;
  BurrowDatabase   *db;
  BurrowPublicHubs *hubs;
  Server            server;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  fixture->dir = g_dir_make_tmp ("burrow-public-hubs-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "burrow.db", NULL);
  fixture->db = burrow_database_open (path, &error);
  g_assert_no_error (error);
  fixture->hubs = burrow_public_hubs_new (fixture->db);
  server_start (&fixture->server);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  server_stop (&fixture->server);
  g_assert_finalize_object (fixture->hubs);
  g_assert_finalize_object (fixture->db);
  burrow_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Result;

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Result *r = user_data;

  r->ok = burrow_public_hubs_refresh_finish (BURROW_PUBLIC_HUBS (source), result, &r->error);
  r->done = TRUE;
}

static void
wait_result (Result *r)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (!r->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (r->done);
}

static gboolean
refresh (BurrowPublicHubs     *hubs,
         const gchar * const  *urls,
         GError              **error)
{
  Result r = { 0, };

  burrow_public_hubs_refresh_async (hubs, urls, NULL, on_refreshed, &r);
  wait_result (&r);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.ok;
}

static BurrowPublicHubSource *
source_at (BurrowPublicHubs *hubs,
           guint             i)
{
  GPtrArray *sources = burrow_public_hubs_get_sources (hubs);

  g_assert_cmpuint (i, <, sources->len);
  return g_ptr_array_index (sources, i);
}

static void
test_servers (Fixture       *fixture,
              gconstpointer  data)
{
  g_auto(GStrv) servers = burrow_public_hubs_dup_servers (fixture->hubs);
  g_auto(GStrv) after = NULL;
  g_auto(GStrv) empty = NULL;
  g_autoptr(GError) error = NULL;
  const gchar * const mine[] = { "http://127.0.0.1:1/a.xml.bz2", "https://lists.example/b", NULL };
  const gchar * const bad[] = { "http://127.0.0.1:1/a.xml", "ftp://lists.example/b", NULL };
  const gchar * const none[] = { NULL };

  /* the defaults: the lists current DC clients ship, all https */
  g_assert_true (g_strv_equal ((const gchar * const *) servers,
                               burrow_public_hubs_get_default_servers ()));
  g_assert_cmpuint (g_strv_length (servers), >=, 3);
  for (guint i = 0; servers[i] != NULL; i++)
    g_assert_true (g_str_has_prefix (servers[i], "https://"));

  g_assert_true (burrow_public_hubs_set_servers (fixture->hubs, mine, &error));
  g_assert_no_error (error);
  after = burrow_public_hubs_dup_servers (fixture->hubs);
  g_assert_true (g_strv_equal ((const gchar * const *) after, mine));

  /* an invalid URL stores nothing */
  g_assert_false (burrow_public_hubs_set_servers (fixture->hubs, bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_pointer (&after, g_strfreev);
  after = burrow_public_hubs_dup_servers (fixture->hubs);
  g_assert_true (g_strv_equal ((const gchar * const *) after, mine));

  /* none: a refresh reads no list */
  g_assert_true (burrow_public_hubs_set_servers (fixture->hubs, none, &error));
  empty = burrow_public_hubs_dup_servers (fixture->hubs);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);
  g_assert_false (refresh (fixture->hubs, NULL, &error));
  g_assert_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_NO_LIST);
  g_clear_error (&error);

  /* NULL: back to the defaults */
  g_assert_true (burrow_public_hubs_set_servers (fixture->hubs, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, g_strfreev);
  after = burrow_public_hubs_dup_servers (fixture->hubs);
  g_assert_true (g_strv_equal ((const gchar * const *) after,
                               burrow_public_hubs_get_default_servers ()));
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *n_signals)
{
  (*n_signals)++;
}

static void
test_refresh_merge_cache (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree gchar *good = server_url (&fixture->server, "/good.xml");
  g_autofree gchar *other = server_url (&fixture->server, "/other");
  g_autofree gchar *missing = server_url (&fixture->server, "/missing");
  const gchar * const urls[] = { good, other, missing, NULL };
  const gchar * const only_good[] = { good, NULL };
  g_autoptr(GError) error = NULL;
  GListModel *model = G_LIST_MODEL (fixture->hubs);
  guint n_signals = 0;
  gint64 fetched;
  g_autoptr(BurrowPublicHub) two = NULL;
  const gchar *addresses[] = { "dchub://one.example.org:411", "adc://two.example.org:1511",
                               "dchub://three.example.org:4111" };

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &n_signals);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_true (refresh (fixture->hubs, urls, &error));
  g_assert_no_error (error);

  /* merged: 4 entries, "two" once (the first list's), in server order */
  g_assert_cmpuint (n_signals, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(BurrowPublicHub) hub = g_list_model_get_item (model, i);

      g_assert_cmpstr (burrow_public_hub_get_address (hub), ==, addresses[i]);
    }
  two = g_list_model_get_item (model, 1);
  g_assert_cmpstr (burrow_public_hub_get_name (two), ==, "Two");
  g_assert_cmpstr (burrow_public_hub_get_source (two), ==, good);
  g_assert_cmpint (burrow_public_hub_get_protocol (two), ==, BURROW_HUB_PROTOCOL_ADC);
  g_assert_cmpuint (burrow_public_hub_get_users (two), ==, 20);

  /* how each server fared */
  g_assert_cmpuint (burrow_public_hubs_get_sources (fixture->hubs)->len, ==, 3);
  g_assert_null (source_at (fixture->hubs, 0)->error);
  g_assert_false (source_at (fixture->hubs, 0)->from_cache);
  g_assert_cmpuint (source_at (fixture->hubs, 1)->n_hubs, ==, 2);
  g_assert_error (source_at (fixture->hubs, 2)->error, BURROW_HUB_LIST_ERROR,
                  BURROW_HUB_LIST_ERROR_HTTP);
  g_assert_cmpint (source_at (fixture->hubs, 2)->fetched, ==, 0);
  fetched = source_at (fixture->hubs, 0)->fetched;
  g_assert_cmpint (fetched, >, 0);

  /* the server fails now: the cached copy, with its date and the failure */
  g_atomic_int_set (&fixture->server.failing, 1);
  g_assert_true (refresh (fixture->hubs, only_good, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_true (source_at (fixture->hubs, 0)->from_cache);
  g_assert_cmpint (source_at (fixture->hubs, 0)->fetched, ==, fetched);
  g_assert_error (source_at (fixture->hubs, 0)->error, BURROW_HUB_LIST_ERROR,
                  BURROW_HUB_LIST_ERROR_HTTP);

  /* no list at all: an error, and the model keeps what it had */
  {
    const gchar * const failing[] = { missing, NULL };

    g_assert_false (refresh (fixture->hubs, failing, &error));
    g_assert_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_NO_LIST);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  }
  g_signal_handlers_disconnect_by_func (model, on_items_changed, &n_signals);
}

static void
test_download_cap (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree gchar *huge = server_url (&fixture->server, "/huge");
  g_autofree gchar *announced = server_url (&fixture->server, "/huge-announced");
  const gchar * const urls[] = { huge, announced, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (refresh (fixture->hubs, urls, &error));
  g_assert_error (error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_NO_LIST);
  for (guint i = 0; i < 2; i++)
    g_assert_error (source_at (fixture->hubs, i)->error, BURROW_HUB_LIST_ERROR,
                    BURROW_HUB_LIST_ERROR_DOWNLOAD_TOO_LARGE);
}

static void
test_deadline_pending_cancel (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree gchar *drip = server_url (&fixture->server, "/drip");
  const gchar * const urls[] = { drip, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result first = { 0, };
  Result second = { 0, };
  gint64 start;

  /* a server that never finishes: stopped at the deadline */
  burrow_public_hubs_set_timeouts (fixture->hubs, 10, 1);
  start = g_get_monotonic_time ();
  burrow_public_hubs_refresh_async (fixture->hubs, urls, NULL, on_refreshed, &first);
  /* one refresh at a time */
  burrow_public_hubs_refresh_async (fixture->hubs, urls, NULL, on_refreshed, &second);
  wait_result (&second);
  g_assert_false (second.ok);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&second.error);
  wait_result (&first);
  g_assert_false (first.ok);
  g_assert_error (first.error, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_NO_LIST);
  g_clear_error (&first.error);
  g_assert_error (source_at (fixture->hubs, 0)->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 9 * G_USEC_PER_SEC);

  /* cancelled by the caller */
  burrow_public_hubs_set_timeouts (fixture->hubs, 30, 30);
  memset (&first, 0, sizeof first);
  burrow_public_hubs_refresh_async (fixture->hubs, urls, cancellable, on_refreshed, &first);
  g_cancellable_cancel (cancellable);
  wait_result (&first);
  g_assert_false (first.ok);
  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&first.error);
}

int
main (int    argc,
      char **argv)
{
  /* loopback only: no system proxy settings (their GSettings schema is not in the test run) */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/hub/public-hubs/servers", Fixture, NULL,
              fixture_set_up, test_servers, fixture_tear_down);
  g_test_add ("/burrow/hub/public-hubs/refresh-merge-cache", Fixture, NULL,
              fixture_set_up, test_refresh_merge_cache, fixture_tear_down);
  g_test_add ("/burrow/hub/public-hubs/download-cap", Fixture, NULL,
              fixture_set_up, test_download_cap, fixture_tear_down);
  g_test_add ("/burrow/hub/public-hubs/deadline-pending-cancel", Fixture, NULL,
              fixture_set_up, test_deadline_pending_cancel, fixture_tear_down);

  return g_test_run ();
}
