/* test-line-channel.c — bounded line framing and the write queue over a real socket pair
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

#define DEADLINE_MS 10000

typedef struct
{
  GIOStream         *near;     /* the channel's side */
  GIOStream         *far;      /* the test's side */
  BurrowLineChannel *channel;
  GPtrArray         *lines;
  guint              too_long;
  guint              batches;
  GError            *fatal;
} Fixture;

static GIOStream *
stream_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
on_line (BurrowLineChannel *channel,
         const gchar       *line,
         gsize              len,
         gpointer           data)
{
  Fixture *f = data;

  g_assert_cmpuint (strlen (line), ==, len);
  g_ptr_array_add (f->lines, g_strndup (line, len));
}

static void
on_error (BurrowLineChannel *channel,
          const GError      *error,
          gboolean           fatal,
          gpointer           data)
{
  Fixture *f = data;

  if (fatal)
    {
      g_assert_null (f->fatal);
      f->fatal = g_error_copy (error);
    }
  else
    {
      g_assert_error ((GError *) error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_TOO_LONG);
      f->too_long++;
    }
}

static void
on_batch (BurrowLineChannel *channel,
          gpointer           data)
{
  ((Fixture *) data)->batches++;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  f->near = stream_from_fd (fds[0]);
  f->far = stream_from_fd (fds[1]);
  f->lines = g_ptr_array_new_with_free_func (g_free);
  f->channel = burrow_line_channel_new (f->near, '\n', 1024, 64 * 1024);
  burrow_line_channel_set_handlers (f->channel, on_line, on_error, on_batch, f);
  burrow_line_channel_start (f->channel);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  burrow_line_channel_close (f->channel);
  g_clear_object (&f->channel);
  g_io_stream_close (f->far, NULL, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->near);
  g_clear_object (&f->far);
  g_ptr_array_unref (f->lines);
  g_clear_error (&f->fatal);
}

static void
far_write (Fixture     *f,
           const void  *data,
           gsize        len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (f->far), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

typedef struct
{
  Fixture *f;
  guint    n;
} LineWait;

static gboolean
has_lines (gpointer data)
{
  LineWait *w = data;

  return w->f->lines->len >= w->n;
}

static void
wait_lines (Fixture *f,
            guint    n)
{
  LineWait w = { f, n };

  g_assert_true (burrow_test_wait_until (has_lines, &w, DEADLINE_MS));
}

static void
test_split (Fixture       *f,
            gconstpointer  data)
{
  /* several lines in one write, one line across writes, an empty line */
  far_write (f, "one\ntwo\n\nthr", 12);
  wait_lines (f, 3);
  far_write (f, "ee\nfour", 7);
  wait_lines (f, 4);
  g_assert_cmpstr (g_ptr_array_index (f->lines, 0), ==, "one");
  g_assert_cmpstr (g_ptr_array_index (f->lines, 1), ==, "two");
  g_assert_cmpstr (g_ptr_array_index (f->lines, 2), ==, "");
  g_assert_cmpstr (g_ptr_array_index (f->lines, 3), ==, "three");
  g_assert_cmpuint (f->batches, >=, 2);
  /* "four" has no delimiter yet: not delivered */
  g_assert_cmpuint (f->lines->len, ==, 4);
  g_assert_null (f->fatal);
}

static void
test_exact_limit (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree gchar *max = g_strnfill (1024, 'a');
  g_autofree gchar *over = g_strnfill (1025, 'b');

  far_write (f, max, 1024);
  far_write (f, "\n", 1);
  far_write (f, over, 1025);
  far_write (f, "\nafter\n", 7);
  wait_lines (f, 2);
  g_assert_cmpuint (strlen (g_ptr_array_index (f->lines, 0)), ==, 1024);
  g_assert_cmpstr (g_ptr_array_index (f->lines, 1), ==, "after");
  g_assert_cmpuint (f->too_long, ==, 1);
}

static gpointer
write_junk_thread (gpointer data)
{
  Fixture *f = data;
  g_autofree gchar *junk = g_strnfill (256 * 1024, 'x');

  /* blocking writes from a thread: the channel reads on the main context */
  for (guint i = 0; i < 16; i++)
    far_write (f, junk, 256 * 1024);
  far_write (f, "\nalive\n", 7);
  return NULL;
}

static void
test_endless_line (Fixture       *f,
                   gconstpointer  data)
{
  GThread *writer;

  /* 4 MiB without a delimiter: discarded in bounded memory, reported once,
   * and the next line gets through */
  writer = g_thread_new ("writer", write_junk_thread, f);
  wait_lines (f, 1);
  g_thread_join (writer);
  g_assert_cmpstr (g_ptr_array_index (f->lines, 0), ==, "alive");
  g_assert_cmpuint (f->too_long, ==, 1);
  g_assert_null (f->fatal);
  g_assert_cmpuint (burrow_line_channel_get_bytes_read (f->channel), ==, 16 * 256 * 1024 + 7);
}

static gboolean
has_fatal (gpointer data)
{
  return ((Fixture *) data)->fatal != NULL;
}

static void
test_eof (Fixture       *f,
          gconstpointer  data)
{
  far_write (f, "last\n", 5);
  g_io_stream_close (f->far, NULL, NULL);
  g_assert_true (burrow_test_wait_until (has_fatal, f, DEADLINE_MS));
  g_assert_error (f->fatal, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (f->lines->len, ==, 1);
  g_assert_true (burrow_line_channel_is_closed (f->channel));
}

typedef struct
{
  GInputStream *in;
  GString      *got;
  gsize         want;
} Reader;

static gboolean
read_some (gpointer data)
{
  Reader *r = data;
  gchar buf[65536];
  gssize n;

  if (r->got->len >= r->want)
    return TRUE;
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (r->in), buf, sizeof buf,
                                                NULL, NULL);
  if (n > 0)
    g_string_append_len (r->got, buf, n);
  return r->got->len >= r->want;
}

static void
test_write_queue (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree gchar *chunk = g_strnfill (16 * 1024, 'q');
  Reader r = { g_io_stream_get_input_stream (f->far), g_string_new (NULL), 0 };
  guint accepted = 0;

  /* queue until the 64 KiB limit refuses more: the refused send queues nothing */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree gchar *line = g_strdup_printf ("%u:%s\n", i, chunk);

      if (!burrow_line_channel_send (f->channel, line, -1, &error))
        break;
      g_string_append (expected, line);
      accepted++;
    }
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD);
  g_assert_cmpuint (accepted, >=, 3);
  g_assert_cmpuint (accepted, <=, 4);
  g_assert_cmpuint (burrow_line_channel_get_queued (f->channel), <=, 64 * 1024);

  /* everything queued arrives, in order, and the queue drains */
  r.want = expected->len;
  g_assert_true (burrow_test_wait_until (read_some, &r, DEADLINE_MS));
  g_assert_cmpuint (r.got->len, ==, expected->len);
  g_assert_true (memcmp (r.got->str, expected->str, expected->len) == 0);
  g_string_free (r.got, TRUE);
}

static gboolean
queue_empty (gpointer data)
{
  return burrow_line_channel_get_queued (data) == 0;
}

/* Bulk bytes queued without a copy keep their place among lines sent before and after, count
 * against the queue's limit, and a refused send queues nothing. */
static void
test_write_bytes (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree gchar *big = g_strnfill (20 * 1024, 'b');
  g_autofree gchar *small = g_strnfill (100, 's');
  g_autoptr(GBytes) big_bytes = g_bytes_new (big, 20 * 1024);
  g_autoptr(GBytes) small_bytes = g_bytes_new (small, 100);
  Reader r = { g_io_stream_get_input_stream (f->far), g_string_new (NULL), 0 };
  guint accepted = 0;

  g_assert_true (burrow_line_channel_send (f->channel, "head\n", -1, NULL));
  g_string_append (expected, "head\n");
  for (guint i = 0; i < 10; i++)
    {
      g_autofree gchar *line = g_strdup_printf ("line %u\n", i);

      if (!burrow_line_channel_send_bytes (f->channel, big_bytes, &error))
        break;
      g_string_append_len (expected, big, 20 * 1024);
      accepted++;
      g_assert_true (burrow_line_channel_send_bytes (f->channel, small_bytes, NULL));
      g_string_append_len (expected, small, 100);
      g_assert_true (burrow_line_channel_send (f->channel, line, -1, NULL));
      g_string_append (expected, line);
    }
  /* 64 KiB limit: three big chunks fit (the first may already be with the kernel) */
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_FLOOD);
  g_assert_cmpuint (accepted, >=, 3);
  g_assert_cmpuint (accepted, <=, 4);
  g_assert_cmpuint (burrow_line_channel_get_queued (f->channel), <=, 64 * 1024);
  g_assert_true (burrow_line_channel_send (f->channel, "tail\n", -1, NULL));
  g_string_append (expected, "tail\n");

  r.want = expected->len;
  g_assert_true (burrow_test_wait_until (read_some, &r, DEADLINE_MS));
  g_assert_cmpuint (r.got->len, ==, expected->len);
  g_assert_true (memcmp (r.got->str, expected->str, expected->len) == 0);
  /* the last write's completion comes after its bytes */
  g_assert_true (burrow_test_wait_until (queue_empty, f->channel, DEADLINE_MS));
  g_string_free (r.got, TRUE);
}

static gboolean
channel_closed (gpointer data)
{
  return burrow_line_channel_is_closed (data);
}

static void
test_flush_and_close (Fixture       *f,
                      gconstpointer  data)
{
  Reader r = { g_io_stream_get_input_stream (f->far), g_string_new (NULL), 10 };

  g_assert_true (burrow_line_channel_send (f->channel, "bye\n", -1, NULL));
  g_assert_true (burrow_line_channel_send (f->channel, "later\n", -1, NULL));
  burrow_line_channel_flush_and_close (f->channel);
  g_assert_false (burrow_line_channel_send (f->channel, "too late\n", -1, NULL));
  g_assert_true (burrow_test_wait_until (read_some, &r, DEADLINE_MS));
  g_assert_cmpstr (r.got->str, ==, "bye\nlater\n");
  g_assert_true (burrow_test_wait_until (channel_closed, f->channel, DEADLINE_MS));
  g_string_free (r.got, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/net/line-channel/split", Fixture, NULL, set_up, test_split, tear_down);
  g_test_add ("/burrow/net/line-channel/exact-limit", Fixture, NULL, set_up, test_exact_limit, tear_down);
  g_test_add ("/burrow/net/line-channel/endless-line", Fixture, NULL, set_up, test_endless_line, tear_down);
  g_test_add ("/burrow/net/line-channel/eof", Fixture, NULL, set_up, test_eof, tear_down);
  g_test_add ("/burrow/net/line-channel/write-queue", Fixture, NULL, set_up, test_write_queue, tear_down);
  g_test_add ("/burrow/net/line-channel/write-bytes", Fixture, NULL, set_up, test_write_bytes, tear_down);
  g_test_add ("/burrow/net/line-channel/flush-and-close", Fixture, NULL, set_up, test_flush_and_close, tear_down);

  return g_test_run ();
}
