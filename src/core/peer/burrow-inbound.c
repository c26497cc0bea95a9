/* burrow-inbound.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-inbound"

#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "burrow-peer-connection-private.h"
#include "burrow-peer-handshake.h"
#include "burrow-punch.h"

#include "burrow-inbound.h"

struct _BurrowInbound
{
  BurrowIdentity         *identity;
  BurrowInboundTokenFunc  token_func;
  BurrowInboundDoneFunc   done_func;
  BurrowInboundNmdcFunc   nmdc_func;    /* NULL: ADC only */
  gpointer                data;
  GPtrArray              *connections;  /* Inbound (ref) */
  guint                   timeout_ms;
  guint64                 n_refused;
};

/*
 * An inbound connection is nobody's until its CINF names an expect's token:
 * until then it is an Inbound, counted against BURROW_NAT_MAX_UNIDENTIFIED
 * (and per source address), and each stage — the first byte, the TLS
 * handshake, SUP/INF — has the owner's timeout_ms. A stage that runs out shuts
 * the socket down, which ends whatever is reading it.
 *
 * An Inbound is reference counted: the owner's list holds one reference
 * while it counts; each async step in flight holds one. A step that comes
 * back to an Inbound the owner let go of (owner NULL) only releases.
 */

typedef enum
{
  INBOUND_PEEK,   /* waiting for the first byte (0x16 = TLS, '$' = NMDC) */
  INBOUND_TLS,
  INBOUND_ADC,    /* SUP/INF (NMDC: $MyNick/$Lock) until the token is known */
} InboundStage;

typedef struct
{
  BurrowInbound        *owner;       /* NULL once let go of */
  GSocketConnection    *connection;
  gchar                *address;     /* the source address */
  InboundStage          stage;
  gboolean              identified;  /* its token named an expect: no longer counted */
  GSource              *source;      /* INBOUND_PEEK */
  GCancellable         *cancellable;
  GIOStream            *tls;         /* INBOUND_TLS and later, on TLS connections */
  guint8                first;       /* the first byte after TLS (read when both protocols may come) */
  BurrowPeerConnection *peer;        /* INBOUND_ADC */
  guint                 timeout_id;
  gint64                accepted_at;  /* monotonic */
  gint64                tls_done_at;  /* monotonic; 0 = no TLS (yet) */
} Inbound;

/* --- a TLS stream with its first byte read back in front --------------------------------------
 *
 * A TLS connection's first byte cannot be peeked at below TLS. When connections of both protocols
 * are expected over TLS, the first decrypted byte is read and handed back by this stream (reads
 * go to the TLS connection after it; writes and closing go straight to it). */

#define BURROW_TYPE_PEEKED_INPUT (burrow_peeked_input_get_type ())
G_DECLARE_FINAL_TYPE (BurrowPeekedInput, burrow_peeked_input, BURROW, PEEKED_INPUT, GInputStream)

struct _BurrowPeekedInput
{
  GInputStream  parent_instance;
  GInputStream *base;
  guint8        first;
  gboolean      pending;   /* @first not handed out yet */
};

G_DEFINE_FINAL_TYPE (BurrowPeekedInput, burrow_peeked_input, G_TYPE_INPUT_STREAM)

static gssize
peeked_read (GInputStream  *stream,
             void          *buffer,
             gsize          count,
             GCancellable  *cancellable,
             GError       **error)
{
  BurrowPeekedInput *self = BURROW_PEEKED_INPUT (stream);

  if (self->pending && count > 0)
    {
      ((guint8 *) buffer)[0] = self->first;
      self->pending = FALSE;
      return 1;
    }
  return g_input_stream_read (self->base, buffer, count, cancellable, error);
}

static void
on_peeked_base_read (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
}

static void
peeked_read_async (GInputStream        *stream,
                   void                *buffer,
                   gsize                count,
                   int                  io_priority,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  BurrowPeekedInput *self = BURROW_PEEKED_INPUT (stream);
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, peeked_read_async);
  if (self->pending && count > 0)
    {
      ((guint8 *) buffer)[0] = self->first;
      self->pending = FALSE;
      g_task_return_int (task, 1);
      return;
    }
  g_input_stream_read_async (self->base, buffer, count, io_priority, cancellable, on_peeked_base_read,
                             g_steal_pointer (&task));
}

static gssize
peeked_read_finish (GInputStream  *stream,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
peeked_close (GInputStream  *stream,
              GCancellable  *cancellable,
              GError       **error)
{
  return TRUE; /* the TLS connection is closed by BurrowPeekedStream */
}

static void
burrow_peeked_input_finalize (GObject *object)
{
  g_clear_object (&BURROW_PEEKED_INPUT (object)->base);
  G_OBJECT_CLASS (burrow_peeked_input_parent_class)->finalize (object);
}

static void
burrow_peeked_input_class_init (BurrowPeekedInputClass *klass)
{
  GInputStreamClass *in_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = burrow_peeked_input_finalize;
  in_class->read_fn = peeked_read;
  in_class->read_async = peeked_read_async;
  in_class->read_finish = peeked_read_finish;
  in_class->close_fn = peeked_close;
}

static void
burrow_peeked_input_init (BurrowPeekedInput *self)
{
}

#define BURROW_TYPE_PEEKED_STREAM (burrow_peeked_stream_get_type ())
G_DECLARE_FINAL_TYPE (BurrowPeekedStream, burrow_peeked_stream, BURROW, PEEKED_STREAM, GIOStream)

struct _BurrowPeekedStream
{
  GIOStream          parent_instance;
  GIOStream         *base;    /* the TLS connection */
  BurrowPeekedInput *input;
};

G_DEFINE_FINAL_TYPE (BurrowPeekedStream, burrow_peeked_stream, G_TYPE_IO_STREAM)

static GInputStream *
peeked_stream_get_input (GIOStream *stream)
{
  return G_INPUT_STREAM (BURROW_PEEKED_STREAM (stream)->input);
}

static GOutputStream *
peeked_stream_get_output (GIOStream *stream)
{
  return g_io_stream_get_output_stream (BURROW_PEEKED_STREAM (stream)->base);
}

static gboolean
peeked_stream_close (GIOStream     *stream,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return g_io_stream_close (BURROW_PEEKED_STREAM (stream)->base, cancellable, error);
}

static void
on_peeked_base_closed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
peeked_stream_close_async (GIOStream           *stream,
                           int                  io_priority,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, peeked_stream_close_async);
  g_io_stream_close_async (BURROW_PEEKED_STREAM (stream)->base, io_priority, cancellable,
                           on_peeked_base_closed, task);
}

static gboolean
peeked_stream_close_finish (GIOStream     *stream,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
burrow_peeked_stream_finalize (GObject *object)
{
  BurrowPeekedStream *self = BURROW_PEEKED_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (burrow_peeked_stream_parent_class)->finalize (object);
}

static void
burrow_peeked_stream_class_init (BurrowPeekedStreamClass *klass)
{
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = burrow_peeked_stream_finalize;
  io_class->get_input_stream = peeked_stream_get_input;
  io_class->get_output_stream = peeked_stream_get_output;
  io_class->close_fn = peeked_stream_close;
  io_class->close_async = peeked_stream_close_async;
  io_class->close_finish = peeked_stream_close_finish;
}

static void
burrow_peeked_stream_init (BurrowPeekedStream *self)
{
}

/* @base with @first in front of what it reads */
static GIOStream *
peeked_stream_new (GIOStream *base,
                   guint8     first)
{
  BurrowPeekedStream *self = g_object_new (BURROW_TYPE_PEEKED_STREAM, NULL);

  self->base = g_object_ref (base);
  self->input = g_object_new (BURROW_TYPE_PEEKED_INPUT, NULL);
  self->input->base = g_object_ref (g_io_stream_get_input_stream (base));
  self->input->first = first;
  self->input->pending = TRUE;
  return G_IO_STREAM (self);
}

/* --- inbound connections --------------------------------------------------------------------- */

static void
inbound_clear (gpointer data)
{
  Inbound *in = data;

  g_assert (in->source == NULL && in->timeout_id == 0);
  g_clear_object (&in->connection);
  g_clear_object (&in->cancellable);
  g_clear_object (&in->tls);
  g_clear_object (&in->peer);
  g_free (in->address);
}

static Inbound *
inbound_ref (Inbound *in)
{
  return g_rc_box_acquire (in);
}

static void
inbound_unref (Inbound *in)
{
  g_rc_box_release_full (in, inbound_clear);
}

/* From the SUP/INF callback: the peer connection may still be running its
 * own failure handling (see burrow_peer_handshake_unref_later()). */
static void
inbound_unref_later (Inbound *in)
{
  g_idle_add_once ((GSourceOnceFunc) inbound_unref, in);
}

/* Lets @in go: not counted any more, no timer; when @kill, the socket is
 * shut down so that a TLS or SUP/INF step still reading it ends. */
static void
inbound_detach (Inbound  *in,
                gboolean  kill)
{
  BurrowInbound *self = in->owner;

  if (self == NULL)
    return;
  in->owner = NULL;
  g_clear_handle_id (&in->timeout_id, g_source_remove);
  if (in->source != NULL)
    {
      g_source_destroy (in->source);
      g_clear_pointer (&in->source, g_source_unref);
    }
  if (kill)
    {
      g_cancellable_cancel (in->cancellable);
      g_socket_shutdown (g_socket_connection_get_socket (in->connection), TRUE, TRUE, NULL);
    }
  if (g_ptr_array_remove (self->connections, in))
    inbound_unref (in);
}

static const gchar *
inbound_stage_name (InboundStage stage)
{
  switch (stage)
    {
    case INBOUND_PEEK: return "first byte";
    case INBOUND_TLS:  return "TLS handshake";
    case INBOUND_ADC:
    default:           return "SUP/INF or $MyNick";
    }
}

static gboolean
inbound_timeout_cb (gpointer data)
{
  Inbound *in = data;

  in->timeout_id = 0;
  g_debug ("inbound connection from %s: no %s within %u ms, closed", in->address,
           inbound_stage_name (in->stage), in->owner->timeout_ms);
  inbound_detach (in, TRUE);
  return G_SOURCE_REMOVE;
}

static void
inbound_set_stage (Inbound      *in,
                   InboundStage  stage)
{
  in->stage = stage;
  g_clear_handle_id (&in->timeout_id, g_source_remove);
  in->timeout_id = g_timeout_add (in->owner->timeout_ms, inbound_timeout_cb, in);
}

/* Until CINF arrives we do not know which expected connection this is: the
 * owner's token function decides, and the connection is identified (no
 * longer counted, no stage timeout) when it says yes. */
static gboolean
incoming_token_func (BurrowPeerConnection *peer,
                     const gchar          *token,
                     const gchar          *cid,
                     gpointer              data)
{
  Inbound *in = data;
  BurrowInbound *self = in->owner;

  if (self == NULL || !self->token_func (token, cid, in->tls ? G_TLS_CONNECTION (in->tls) : NULL,
                                         self->data))
    return FALSE;
  in->identified = TRUE;
  g_clear_handle_id (&in->timeout_id, g_source_remove);
  return TRUE;
}

static void
on_incoming_handshake (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  Inbound *in = data;
  BurrowInbound *self = in->owner;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  g_autoptr(GError) error = NULL;

  if (!burrow_peer_connection_handshake_finish (peer, result, &error))
    {
      g_debug ("incoming connection from %s dropped: %s", in->address, error->message);
      burrow_peer_connection_close (peer);
      inbound_detach (in, TRUE);
      inbound_unref_later (in);
      return;
    }
  if (self == NULL)
    {
      burrow_peer_connection_close (peer);
      inbound_unref_later (in);
      return;
    }
  inbound_detach (in, FALSE);
  self->done_func (peer, in->connection, in->accepted_at, in->tls ? G_TLS_CONNECTION (in->tls) : NULL,
                   in->tls_done_at, self->data);
  inbound_unref_later (in);
}

static void start_incoming (Inbound *in, GIOStream *stream, gboolean nmdc, gboolean peeked);

static void
on_first_tls_byte (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Inbound *in = data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n != 1)
    {
      g_debug ("inbound TLS connection from %s: %s before its first line", in->address,
               n == 0 ? "closed" : error->message);
      inbound_detach (in, TRUE);
    }
  else if (in->owner != NULL)
    {
      g_autoptr(GIOStream) stream = peeked_stream_new (in->tls, in->first);

      start_incoming (in, stream, in->first == '$', TRUE);
    }
  inbound_unref (in);
}

/* @nmdc: the connection spoke NMDC (plain: '$' first) or, on TLS, may (the owner decides, and
 * when it expects both protocols over TLS the first byte is read: @peeked then) */
static void
start_incoming (Inbound   *in,
                GIOStream *stream,
                gboolean   nmdc,
                gboolean   peeked)
{
  BurrowInbound *self = in->owner;
  g_autofree gchar *our_nick = NULL;
  g_autofree gchar *charset = NULL;
  gboolean want_download = FALSE;
  gboolean adc_too = FALSE;
  gboolean tls = in->tls != NULL;

  if (nmdc && (self->nmdc_func == NULL ||
               !self->nmdc_func (tls && !peeked, &adc_too, &our_nick, &charset, &want_download,
                                 self->data)))
    {
      if (!tls || peeked)
        {
          g_debug ("inbound NMDC connection from %s: none is expected, closed", in->address);
          inbound_detach (in, TRUE);
          return;
        }
      nmdc = FALSE; /* TLS: ADC unless an NMDC connection is expected */
    }
  if (nmdc && tls && !peeked && adc_too)
    {
      /* both may come over TLS: the first byte tells ('$' = NMDC), within the stage deadline */
      inbound_set_stage (in, INBOUND_ADC);
      g_input_stream_read_async (g_io_stream_get_input_stream (in->tls), &in->first, 1,
                                 G_PRIORITY_DEFAULT, in->cancellable, on_first_tls_byte,
                                 inbound_ref (in));
      return;
    }
  if (nmdc)
    in->peer = burrow_peer_connection_new_nmdc (stream, BURROW_PEER_SIDE_ACCEPTING, our_nick, NULL,
                                                charset, want_download);
  else
    in->peer = burrow_peer_connection_new (stream, BURROW_PEER_SIDE_ACCEPTING, self->identity, NULL);
  if (peeked)
    _burrow_peer_connection_set_tls (in->peer, G_TLS_CONNECTION (in->tls));
  burrow_peer_connection_set_token_func (in->peer, incoming_token_func, in);
  inbound_set_stage (in, INBOUND_ADC);
  burrow_peer_connection_handshake_async (in->peer, NULL, on_incoming_handshake, inbound_ref (in));
}

static void
on_incoming_tls_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  Inbound *in = data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      g_debug ("incoming TLS from %s failed: %s", in->address, error->message);
      inbound_detach (in, TRUE);
    }
  else if (in->owner != NULL)
    {
      in->tls_done_at = g_get_monotonic_time ();
      start_incoming (in, G_IO_STREAM (source), TRUE, FALSE);
    }
  inbound_unref (in);
}

static gboolean
accept_any_certificate (GTlsConnection       *conn,
                        GTlsCertificate      *peer_cert,
                        GTlsCertificateFlags  errors,
                        gpointer              data)
{
  /* checked against the peer's KP once its INF names it */
  return TRUE;
}

static gboolean
on_incoming_readable (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      data)
{
  Inbound *in = data;
  BurrowInbound *self = in->owner;
  guint8 first = 0;
  gssize n;

  n = recv (g_socket_get_fd (socket), &first, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&in->source, g_source_unref);

  if (n == 1 && first == 0x16 && burrow_identity_get_certificate (self->identity) != NULL)
    {
      g_autoptr(GError) error = NULL;

      in->tls = burrow_peer_handshake_new_tls (G_IO_STREAM (in->connection), self->identity, FALSE,
                                               &error);
      if (in->tls == NULL)
        {
          g_debug ("incoming TLS from %s: %s", in->address, error->message);
          inbound_detach (in, TRUE);
          return G_SOURCE_REMOVE;
        }
      /* connected to a stream only this Inbound holds: no expect is referenced */
      g_signal_connect (in->tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      inbound_set_stage (in, INBOUND_TLS);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (in->tls), G_PRIORITY_DEFAULT, in->cancellable,
                                        on_incoming_tls_done, inbound_ref (in));
    }
  else if (n == 1)
    start_incoming (in, G_IO_STREAM (in->connection), first == '$', FALSE);
  else
    inbound_detach (in, TRUE); /* closed before saying anything */
  return G_SOURCE_REMOVE;
}

static guint
count_unidentified (BurrowInbound *self,
                    const gchar   *address)
{
  guint n = 0;

  for (guint i = 0; i < self->connections->len; i++)
    {
      Inbound *in = g_ptr_array_index (self->connections, i);

      if (!in->identified && (address == NULL || g_strcmp0 (in->address, address) == 0))
        n++;
    }
  return n;
}

/**
 * burrow_inbound_take:
 * @connection: a connection to our port
 *
 * Keeps @connection until it names a token (or closes it at once when a cap
 * is reached).
 */
void
burrow_inbound_take (BurrowInbound     *self,
                     GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) from = g_socket_connection_get_remote_address (connection, NULL);
  g_autofree gchar *address = NULL;
  Inbound *in;

  if (G_IS_INET_SOCKET_ADDRESS (from))
    address = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)));
  else
    address = g_strdup ("?");

  if (count_unidentified (self, NULL) >= BURROW_NAT_MAX_UNIDENTIFIED ||
      count_unidentified (self, address) >= BURROW_NAT_MAX_UNIDENTIFIED_PER_ADDRESS)
    {
      self->n_refused++;
      g_debug ("inbound connection from %s refused: %u connections not yet identified (%u from "
               "there); %" G_GUINT64_FORMAT " refused so far",
               address, count_unidentified (self, NULL), count_unidentified (self, address),
               self->n_refused);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  /* wait for the first byte to tell TLS (0x16) from plain ADC */
  in = g_rc_box_new0 (Inbound);
  in->owner = self;
  in->connection = g_object_ref (connection);
  in->address = g_steal_pointer (&address);
  in->cancellable = g_cancellable_new ();
  g_ptr_array_add (self->connections, in);
  burrow_punch_set_nodelay (g_socket_connection_get_socket (connection));
  in->accepted_at = g_get_monotonic_time ();
  in->source = g_socket_create_source (g_socket_connection_get_socket (connection), G_IO_IN, NULL);
  g_source_set_callback (in->source, (GSourceFunc) on_incoming_readable, in, NULL);
  g_source_attach (in->source, g_main_context_get_thread_default ());
  inbound_set_stage (in, INBOUND_PEEK);
}

/**
 * burrow_inbound_new:
 * @identity: ours (the TLS certificate)
 * @token_func: decides whether a token is expected
 * @done_func: gets each identified connection
 *
 * Returns: (transfer full): an empty set of inbound connections
 */
BurrowInbound *
burrow_inbound_new (BurrowIdentity         *identity,
                    BurrowInboundTokenFunc  token_func,
                    BurrowInboundDoneFunc   done_func,
                    gpointer                data)
{
  BurrowInbound *self = g_new0 (BurrowInbound, 1);

  self->identity = g_object_ref (identity);
  self->token_func = token_func;
  self->done_func = done_func;
  self->data = data;
  self->connections = g_ptr_array_new ();
  self->timeout_ms = BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS;
  return self;
}

/* Closes every connection not yet identified; steps still in flight only release. */
void
burrow_inbound_free (BurrowInbound *self)
{
  if (self == NULL)
    return;
  while (self->connections->len > 0)
    inbound_detach (g_ptr_array_index (self->connections, 0), TRUE);
  g_ptr_array_unref (self->connections);
  g_object_unref (self->identity);
  g_free (self);
}

/* @nmdc_func: (nullable): how NMDC connections are answered; NULL: every connection is ADC */
void
burrow_inbound_set_nmdc_func (BurrowInbound         *self,
                              BurrowInboundNmdcFunc  nmdc_func)
{
  self->nmdc_func = nmdc_func;
}

/* @ms: 0 = the default (%BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS); applies to stages that start afterwards */
void
burrow_inbound_set_timeout (BurrowInbound *self,
                            guint          ms)
{
  self->timeout_ms = ms > 0 ? ms : BURROW_NAT_INBOUND_STAGE_TIMEOUT_MS;
}

guint
burrow_inbound_get_n_unidentified (BurrowInbound *self)
{
  return count_unidentified (self, NULL);
}

guint64
burrow_inbound_get_n_refused (BurrowInbound *self)
{
  return self->n_refused;
}
