/* burrow-peer-connection-private.h — what burrow-peer-connection.c (ADC, transfers) and
 * burrow-peer-nmdc.c (the NMDC handshake and framing) share of BurrowPeerConnection
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <zlib.h>

#include "burrow-adc-message.h"
#include "burrow-line-channel.h"
#include "burrow-nmdc.h"
#include "burrow-peer-connection.h"

G_BEGIN_DECLS

#define MAX_QUEUED_BYTES (8 * 1024 * 1024)
/* Uploads: read this much per step, and keep at most HIGH_WATER queued. */
#define UPLOAD_CHUNK     (1024 * 1024)
#define HIGH_WATER       (4 * 1024 * 1024)
#define LOW_WATER        (1024 * 1024)
#define INFLATE_CHUNK    (256 * 1024)

/* One state enum, one dispatch per state (DESIGN.md principle 4). */
typedef enum
{
  STATE_SUP,       /* ADC: waiting for the peer's SUP */
  STATE_INF,       /* ADC: waiting for the peer's INF */
  STATE_NMDC_NICK, /* NMDC: waiting for the peer's $MyNick */
  STATE_NMDC_LOCK, /* NMDC: waiting for the peer's $Lock */
  STATE_NMDC_KEY,  /* NMDC: collecting $Supports and $Direction until $Key */
  STATE_IDLE,      /* identified: requests may flow */
  STATE_RECEIVING, /* a SND announced binary data that is arriving */
  STATE_SENDING,   /* we answered a GET and are sending its data */
  STATE_CLOSED,
} State;

struct _BurrowPeerConnection
{
  GObject              parent_instance;

  /* owned */
  GIOStream           *stream;
  GTlsConnection      *tls;          /* when @stream wraps the TLS layer (see _set_tls); else NULL */
  BurrowLineChannel   *channel;
  BurrowIdentity      *identity;     /* ADC only */
  BurrowPunchAttempt  *attempt;      /* how the connection came about, or NULL */
  gchar               *token;        /* ADC: TO; NMDC: the peer's nick */
  gchar               *peer_cid;
  GTask               *handshake_task;
  GTask               *download_task;
  GError              *error;

  /* the download in flight */
  gchar               *dl_type;
  gchar               *dl_identifier;
  guint64              dl_offset;
  gint64               dl_length;
  guint64              dl_expected;
  guint64              dl_max;      /* most bytes the SND may announce; 0: any */
  guint64              dl_received;
  BurrowPeerSinkFunc   dl_sink;
  gpointer             dl_sink_data;
  z_stream            *dl_zstream;
  guint8              *dl_zbuf;

  /* the upload in flight */
  BurrowPeerSource    *up_source;
  GInputStream        *up_input;
  GCancellable        *up_cancellable;
  guint64              up_remaining;
  guint64              up_position;
  gboolean             up_reading;
  gboolean             up_slot;

  guint64              bytes_sent;
  guint64              bytes_received;

  /* borrowed / callbacks */
  BurrowPeerTokenFunc  token_func;
  gpointer             token_data;
  BurrowPeerSourceFunc source_func;
  BurrowPeerSlotFunc   slot_func;
  gpointer             source_data;

  BurrowPeerProtocol   protocol;
  BurrowPeerSide       side;
  State                state;
  guint                timeout_id;
  guint                handshake_timeout_ms;
  guint64              download_expected;
  gboolean             sent_sup;
  gboolean             sent_inf;
  gboolean             can_download;  /* ADC: always; NMDC: after $Direction */

  /* NMDC (burrow-peer-nmdc.c) */
  gchar               *our_nick;
  gchar               *peer_nick;     /* from its $MyNick */
  BurrowNmdcCharset   *charset;       /* the hub's, for $MyNick */
  gboolean             want_download;
  guint                direction_number; /* ours, 0..32767 */
  gboolean             sent_lock;
  gboolean             got_supports;
  gboolean             got_direction;
  gboolean             peer_wants_download;
  guint                peer_direction_number;
  gboolean             peer_zlig;
};

/* The TLS connection under a stream that wraps it (an inbound one whose first byte was read):
 * TLS state and the peer's certificate come from it. */
void     _burrow_peer_connection_set_tls            (BurrowPeerConnection *self,
                                                     GTlsConnection       *tls);
void     _burrow_peer_connection_fail               (BurrowPeerConnection *self,
                                                     GQuark                domain,
                                                     gint                  code,
                                                     const gchar          *message);
void     _burrow_peer_connection_complete_handshake (BurrowPeerConnection *self,
                                                     const GError         *error);
void     _burrow_peer_connection_complete_download  (BurrowPeerConnection *self,
                                                     const GError         *error);
/* An ADC C-C message in the identified states (GET, SND, STA, GFI). */
void     _burrow_peer_connection_dispatch_idle      (BurrowPeerConnection *self,
                                                     BurrowAdcMessage     *msg);

/* burrow-peer-nmdc.c */
void     _burrow_peer_nmdc_start                    (BurrowPeerConnection *self);
void     _burrow_peer_nmdc_on_line                  (BurrowLineChannel    *channel,
                                                     const gchar          *line,
                                                     gsize                 len,
                                                     gpointer              user_data);
/* Writes an ADC GET or SND as `$ADCGET …|` / `$ADCSND …|`. */
gboolean _burrow_peer_nmdc_send_message             (BurrowPeerConnection *self,
                                                     BurrowAdcMessage     *msg);
/* What ADC says with STA @code: `$MaxedOut|` (153), `$Error File Not Available|` (151),
 * `$Error <text>|` otherwise. */
void     _burrow_peer_nmdc_send_error               (BurrowPeerConnection *self,
                                                     const gchar          *code,
                                                     const gchar          *text);
void     _burrow_peer_nmdc_finalize                 (BurrowPeerConnection *self);

G_END_DECLS
