/* test-buffered-stream.c — the read buffer under TLS connections
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-buffered-stream.h"

#define DATA_SIZE (3 * 1024 * 1024 + 17)

typedef struct
{
  GIOStream *near;      /* what the test reads through */
  GSocket   *far;       /* the writer's end */
  GBytes    *data;
} Pair;

static void
pair_init (Pair *p)
{
  int fds[2];
  g_autoptr(GSocket) near_socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint8 *buf = g_malloc (DATA_SIZE);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  near_socket = g_socket_new_from_fd (fds[0], NULL);
  p->far = g_socket_new_from_fd (fds[1], NULL);
  g_assert_nonnull (near_socket);
  g_assert_nonnull (p->far);
  connection = g_socket_connection_factory_create_connection (near_socket);
  p->near = burrow_buffered_io_stream_new (G_IO_STREAM (connection));
  for (gsize i = 0; i < DATA_SIZE; i++)
    buf[i] = (guint8) g_rand_int (rand);
  p->data = g_bytes_new_take (buf, DATA_SIZE);
}

static void
pair_clear (Pair *p)
{
  g_clear_object (&p->near);
  g_clear_object (&p->far);
  g_clear_pointer (&p->data, g_bytes_unref);
}

static gpointer
writer_thread (gpointer data)
{
  Pair *p = data;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (p->data, &size);
  gsize off = 0;

  /* odd pieces, so reads see every kind of boundary */
  while (off < size)
    {
      gssize n = g_socket_send (p->far, (const gchar *) bytes + off,
                                MIN (size - off, 7777 + off % 5000), NULL, NULL);

      g_assert_cmpint (n, >, 0);
      off += (gsize) n;
    }
  g_socket_shutdown (p->far, FALSE, TRUE, NULL);
  return NULL;
}

/* Blocking reads of random sizes (some larger than the buffer) give back the exact bytes,
 * then end of stream. */
static void
test_blocking (void)
{
  Pair p = { 0 };
  g_autoptr(GThread) writer = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  GInputStream *in;
  guint8 *got = g_malloc (DATA_SIZE + 1);
  gsize off = 0;

  pair_init (&p);
  in = g_io_stream_get_input_stream (p.near);
  writer = g_thread_new ("writer", writer_thread, &p);
  for (;;)
    {
      gsize want = g_rand_int_range (rand, 0, 4) == 0 ? 300 * 1024
                                                     : (gsize) g_rand_int_range (rand, 1, 20000);
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (in, got + off, MIN (want, DATA_SIZE + 1 - off), NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      off += (gsize) n;
    }
  g_thread_join (g_steal_pointer (&writer));
  g_assert_cmpuint (off, ==, DATA_SIZE);
  g_assert_true (memcmp (got, g_bytes_get_data (p.data, NULL), DATA_SIZE) == 0);
  g_free (got);
  pair_clear (&p);
}

typedef struct
{
  GMainLoop *loop;
  guint8    *got;
  gsize      off;
  GRand     *rand;
  guint      n_would_block;
} Reader;

static gboolean
on_readable (GObject  *stream,
             gpointer  data)
{
  Reader *r = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize want = (gsize) g_rand_int_range (r->rand, 1, 6000);
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream),
                                                           r->got + r->off,
                                                           MIN (want, DATA_SIZE + 1 - r->off),
                                                           NULL, &error);

      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          r->n_would_block++;
          return G_SOURCE_CONTINUE;
        }
      if (n == 0)
        {
          g_main_loop_quit (r->loop);
          return G_SOURCE_REMOVE;
        }
      r->off += (gsize) n;
      /* return to the loop now and then with data still buffered: the source must fire */
      if (g_rand_int_range (r->rand, 0, 3) == 0)
        return G_SOURCE_CONTINUE;
    }
}

/* Non-blocking reads driven by the stream's source: nothing lost when the loop is left with
 * bytes in the buffer, and "would block" only when there is nothing. */
static void
test_pollable (void)
{
  Pair p = { 0 };
  g_autoptr(GThread) writer = NULL;
  g_autoptr(GSource) source = NULL;
  Reader r = { 0 };
  GInputStream *in;

  pair_init (&p);
  in = g_io_stream_get_input_stream (p.near);
  g_assert_true (G_IS_POLLABLE_INPUT_STREAM (in));
  g_assert_true (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)));
  r.loop = g_main_loop_new (NULL, FALSE);
  r.got = g_malloc (DATA_SIZE + 1);
  r.rand = g_rand_new_with_seed (13);
  source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (in), NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (on_readable), &r, NULL);
  g_source_attach (source, NULL);
  writer = g_thread_new ("writer", writer_thread, &p);
  g_main_loop_run (r.loop);
  g_source_destroy (source);
  g_thread_join (g_steal_pointer (&writer));
  g_assert_cmpuint (r.off, ==, DATA_SIZE);
  g_assert_true (memcmp (r.got, g_bytes_get_data (p.data, NULL), DATA_SIZE) == 0);
  g_main_loop_unref (r.loop);
  g_rand_free (r.rand);
  g_free (r.got);
  pair_clear (&p);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/util/buffered-stream/blocking", test_blocking);
  g_test_add_func ("/burrow/util/buffered-stream/pollable", test_pollable);

  return g_test_run ();
}
