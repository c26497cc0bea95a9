/* burrow-punch-attempt.h — the record of one attempt to reach a peer, step by step
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * BurrowPunchMethod:
 * @BURROW_PUNCH_METHOD_DIRECT: we are active: CTM, the peer connects to us
 * @BURROW_PUNCH_METHOD_REVERSE: the peer is active: RCM, it sends CTM, we connect
 * @BURROW_PUNCH_METHOD_NAT_TRAVERSAL: both passive: RCM/NAT/RNT and a simultaneous open
 * @BURROW_PUNCH_METHOD_INCOMING: the peer asked us (its CTM, RCM or NAT)
 */
typedef enum
{
  BURROW_PUNCH_METHOD_DIRECT,
  BURROW_PUNCH_METHOD_REVERSE,
  BURROW_PUNCH_METHOD_NAT_TRAVERSAL,
  BURROW_PUNCH_METHOD_INCOMING,
} BurrowPunchMethod;

/**
 * BurrowPunchRole:
 * @BURROW_PUNCH_ROLE_INITIATOR: we wanted the connection (RCM/CTM sender, TLS client in NATT)
 * @BURROW_PUNCH_ROLE_RESPONDER: the peer wanted it
 */
typedef enum
{
  BURROW_PUNCH_ROLE_INITIATOR,
  BURROW_PUNCH_ROLE_RESPONDER,
} BurrowPunchRole;

/**
 * BurrowPunchResult:
 * @BURROW_PUNCH_RESULT_PENDING: still running
 * @BURROW_PUNCH_RESULT_CONNECTED: TCP (and TLS) up, peer identified
 * @BURROW_PUNCH_RESULT_FAILED: gave up; see the diagnosis
 * @BURROW_PUNCH_RESULT_CANCELLED: stopped by us
 */
typedef enum
{
  BURROW_PUNCH_RESULT_PENDING,
  BURROW_PUNCH_RESULT_CONNECTED,
  BURROW_PUNCH_RESULT_FAILED,
  BURROW_PUNCH_RESULT_CANCELLED,
} BurrowPunchResult;

/**
 * BurrowPunchStepKind:
 * Steps of an attempt's timeline.
 */
typedef enum
{
  BURROW_PUNCH_STEP_REQUEST_SENT,     /* CTM or RCM sent */
  BURROW_PUNCH_STEP_REQUEST_RECEIVED, /* the peer's CTM/RCM/NAT/RNT arrived */
  BURROW_PUNCH_STEP_NAT_SENT,
  BURROW_PUNCH_STEP_NAT_RECEIVED,
  BURROW_PUNCH_STEP_RNT_SENT,
  BURROW_PUNCH_STEP_RNT_RECEIVED,
  BURROW_PUNCH_STEP_PATH_PROBED,      /* hops to leave our own NAT measured */
  BURROW_PUNCH_STEP_LISTENING,        /* listening on the hub port */
  BURROW_PUNCH_STEP_CONNECT_TRY,      /* one connect(); detail has TTL, result, errno class */
  BURROW_PUNCH_STEP_ACCEPTED,         /* the peer's SYN came in on our listener */
  BURROW_PUNCH_STEP_TCP_ESTABLISHED,
  BURROW_PUNCH_STEP_TLS_DONE,
  BURROW_PUNCH_STEP_PEER_INF,         /* the peer's CINF (identity checked) */
  BURROW_PUNCH_STEP_NOTE,             /* anything else worth telling */
  BURROW_PUNCH_STEP_FAILED,
} BurrowPunchStepKind;

typedef struct
{
  BurrowPunchStepKind  kind;
  gint64               offset_us;  /* since the attempt started (monotonic) */
  gchar               *detail;     /* human-readable, not translated wire facts */
} BurrowPunchStep;

#define BURROW_TYPE_PUNCH_ATTEMPT (burrow_punch_attempt_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPunchAttempt, burrow_punch_attempt, BURROW, PUNCH_ATTEMPT, GObject)

BurrowPunchAttempt *burrow_punch_attempt_new            (BurrowPunchMethod    method,
                                                         BurrowPunchRole      role,
                                                         const gchar         *hub,
                                                         const gchar         *peer_nick,
                                                         const gchar         *peer_cid,
                                                         const gchar         *token,
                                                         const gchar         *protocol);
void                burrow_punch_attempt_add_step       (BurrowPunchAttempt  *self,
                                                         BurrowPunchStepKind  kind,
                                                         const gchar         *format,
                                                         ...) G_GNUC_PRINTF (3, 4);
void                burrow_punch_attempt_add_step_at    (BurrowPunchAttempt  *self,
                                                         BurrowPunchStepKind  kind,
                                                         gint64               monotonic_us,
                                                         const gchar         *format,
                                                         ...) G_GNUC_PRINTF (4, 5);
void                burrow_punch_attempt_set_method     (BurrowPunchAttempt  *self,
                                                         BurrowPunchMethod    method);
void                burrow_punch_attempt_set_local      (BurrowPunchAttempt  *self,
                                                         const gchar         *endpoint);
void                burrow_punch_attempt_set_remote     (BurrowPunchAttempt  *self,
                                                         const gchar         *endpoint);
void                burrow_punch_attempt_set_peer_nick  (BurrowPunchAttempt  *self,
                                                         const gchar         *peer_nick);
void                burrow_punch_attempt_set_protocol   (BurrowPunchAttempt  *self,
                                                         const gchar         *protocol);
void                burrow_punch_attempt_set_peer_keyprint (BurrowPunchAttempt *self,
                                                         const gchar         *keyprint);
void                burrow_punch_attempt_finish         (BurrowPunchAttempt  *self,
                                                         BurrowPunchResult    result,
                                                         const gchar         *diagnosis);
void                burrow_punch_attempt_fail           (BurrowPunchAttempt  *self,
                                                         gint                 code,
                                                         const gchar         *diagnosis);

BurrowPunchMethod   burrow_punch_attempt_get_method     (BurrowPunchAttempt  *self);
BurrowPunchRole     burrow_punch_attempt_get_role       (BurrowPunchAttempt  *self);
BurrowPunchResult   burrow_punch_attempt_get_result     (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_hub        (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_peer_nick  (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_peer_cid   (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_token      (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_protocol   (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_peer_keyprint (BurrowPunchAttempt *self);
const gchar        *burrow_punch_attempt_get_local      (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_remote     (BurrowPunchAttempt  *self);
const gchar        *burrow_punch_attempt_get_diagnosis  (BurrowPunchAttempt  *self);
gint                burrow_punch_attempt_get_error_code (BurrowPunchAttempt  *self);
gint64              burrow_punch_attempt_get_started    (BurrowPunchAttempt  *self);
gint64              burrow_punch_attempt_get_duration_us (BurrowPunchAttempt *self);
guint               burrow_punch_attempt_get_n_steps    (BurrowPunchAttempt  *self);
const BurrowPunchStep *burrow_punch_attempt_get_step    (BurrowPunchAttempt  *self,
                                                         guint                i);
gchar              *burrow_punch_attempt_to_json        (BurrowPunchAttempt  *self);

const gchar        *burrow_punch_method_to_string       (BurrowPunchMethod    method);
const gchar        *burrow_punch_result_to_string       (BurrowPunchResult    result);
const gchar        *burrow_punch_step_kind_to_string    (BurrowPunchStepKind  kind);

/* How a list of attempts went: what the Connectivity page and burrow-cli summarise. */
typedef struct
{
  guint connected;
  guint failed;      /* failed or cancelled */
  guint pending;
} BurrowPunchTally;

void                burrow_punch_attempts_tally         (GListModel          *attempts,
                                                         BurrowPunchTally    *tally);
gint                burrow_punch_tally_get_percent      (const BurrowPunchTally *tally);

G_END_DECLS
