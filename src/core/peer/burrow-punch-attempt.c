/* burrow-punch-attempt.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-punch-attempt"

#include "config.h"

#include "burrow-peer-enums.h"
#include "burrow-error.h"
#include "burrow-json.h"

#include "burrow-punch-attempt.h"

/* A runaway attempt (a peer looping on refusals) must not grow without end. */
#define MAX_STEPS 200

struct _BurrowPunchAttempt
{
  GObject            parent_instance;

  BurrowPunchMethod  method;
  BurrowPunchRole    role;
  BurrowPunchResult  result;
  gchar             *hub;
  gchar             *peer_nick;
  gchar             *peer_cid;
  gchar             *token;
  gchar             *protocol;
  gchar             *peer_keyprint; /* "SHA256/<base32>" of the peer's TLS certificate */
  gchar             *local;
  gchar             *remote;
  gchar             *diagnosis;
  gint               error_code;   /* a BurrowNatError once failed with one, else -1 */
  gint64             started;      /* wall clock, µs */
  gint64             started_mono; /* monotonic, µs */
  gint64             duration_us;  /* set when finished */
  GArray            *steps;        /* BurrowPunchStep */
  guint              dropped_steps;
};

enum {
  PROP_0,
  PROP_METHOD,
  PROP_ROLE,
  PROP_RESULT,
  PROP_HUB,
  PROP_PEER_NICK,
  PROP_PEER_CID,
  PROP_TOKEN,
  PROP_PROTOCOL,
  PROP_PEER_KEYPRINT,
  PROP_LOCAL,
  PROP_REMOTE,
  PROP_DIAGNOSIS,
  PROP_ERROR_CODE,
  PROP_STARTED,
  PROP_DURATION,
  PROP_N_STEPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowPunchAttempt, burrow_punch_attempt, G_TYPE_OBJECT)

static void
clear_step (gpointer data)
{
  g_free (((BurrowPunchStep *) data)->detail);
}

static void
burrow_punch_attempt_finalize (GObject *object)
{
  BurrowPunchAttempt *self = BURROW_PUNCH_ATTEMPT (object);

  g_free (self->hub);
  g_free (self->peer_nick);
  g_free (self->peer_cid);
  g_free (self->token);
  g_free (self->protocol);
  g_free (self->peer_keyprint);
  g_free (self->local);
  g_free (self->remote);
  g_free (self->diagnosis);
  g_array_unref (self->steps);

  G_OBJECT_CLASS (burrow_punch_attempt_parent_class)->finalize (object);
}

static void
burrow_punch_attempt_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  BurrowPunchAttempt *self = BURROW_PUNCH_ATTEMPT (object);

  switch (prop_id)
    {
    case PROP_METHOD: g_value_set_enum (value, self->method); break;
    case PROP_ROLE: g_value_set_enum (value, self->role); break;
    case PROP_RESULT: g_value_set_enum (value, self->result); break;
    case PROP_HUB: g_value_set_string (value, self->hub); break;
    case PROP_PEER_NICK: g_value_set_string (value, self->peer_nick); break;
    case PROP_PEER_CID: g_value_set_string (value, self->peer_cid); break;
    case PROP_TOKEN: g_value_set_string (value, self->token); break;
    case PROP_PROTOCOL: g_value_set_string (value, self->protocol); break;
    case PROP_PEER_KEYPRINT: g_value_set_string (value, self->peer_keyprint); break;
    case PROP_LOCAL: g_value_set_string (value, self->local); break;
    case PROP_REMOTE: g_value_set_string (value, self->remote); break;
    case PROP_DIAGNOSIS: g_value_set_string (value, self->diagnosis); break;
    case PROP_ERROR_CODE: g_value_set_int (value, self->error_code); break;
    case PROP_STARTED: g_value_set_int64 (value, self->started); break;
    case PROP_DURATION: g_value_set_int64 (value, burrow_punch_attempt_get_duration_us (self)); break;
    case PROP_N_STEPS: g_value_set_uint (value, self->steps->len); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_punch_attempt_class_init (BurrowPunchAttemptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_punch_attempt_finalize;
  object_class->get_property = burrow_punch_attempt_get_property;

  properties[PROP_METHOD] = g_param_spec_enum ("method", NULL, NULL, BURROW_TYPE_PUNCH_METHOD,
                                               BURROW_PUNCH_METHOD_DIRECT, RO);
  properties[PROP_ROLE] = g_param_spec_enum ("role", NULL, NULL, BURROW_TYPE_PUNCH_ROLE,
                                             BURROW_PUNCH_ROLE_INITIATOR, RO);
  properties[PROP_RESULT] = g_param_spec_enum ("result", NULL, NULL, BURROW_TYPE_PUNCH_RESULT,
                                               BURROW_PUNCH_RESULT_PENDING, RO);
  properties[PROP_HUB] = g_param_spec_string ("hub", NULL, NULL, NULL, RO);
  properties[PROP_PEER_NICK] = g_param_spec_string ("peer-nick", NULL, NULL, NULL, RO);
  properties[PROP_PEER_CID] = g_param_spec_string ("peer-cid", NULL, NULL, NULL, RO);
  properties[PROP_TOKEN] = g_param_spec_string ("token", NULL, NULL, NULL, RO);
  properties[PROP_PROTOCOL] = g_param_spec_string ("protocol", NULL, NULL, NULL, RO);
  properties[PROP_PEER_KEYPRINT] = g_param_spec_string ("peer-keyprint", NULL, NULL, NULL, RO);
  properties[PROP_LOCAL] = g_param_spec_string ("local", NULL, NULL, NULL, RO);
  properties[PROP_REMOTE] = g_param_spec_string ("remote", NULL, NULL, NULL, RO);
  properties[PROP_DIAGNOSIS] = g_param_spec_string ("diagnosis", NULL, NULL, NULL, RO);
  properties[PROP_ERROR_CODE] = g_param_spec_int ("error-code", NULL, NULL, -1, G_MAXINT, -1, RO);
  properties[PROP_STARTED] = g_param_spec_int64 ("started", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_DURATION] = g_param_spec_int64 ("duration", NULL, NULL, 0, G_MAXINT64, 0, RO);
  properties[PROP_N_STEPS] = g_param_spec_uint ("n-steps", NULL, NULL, 0, G_MAXUINT, 0, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_punch_attempt_init (BurrowPunchAttempt *self)
{
  self->steps = g_array_new (FALSE, TRUE, sizeof (BurrowPunchStep));
  g_array_set_clear_func (self->steps, clear_step);
  self->started = g_get_real_time ();
  self->started_mono = g_get_monotonic_time ();
  self->duration_us = -1;
  self->error_code = -1;
}

/**
 * burrow_punch_attempt_new:
 *
 * Returns: (transfer full): a pending attempt, started now
 */
BurrowPunchAttempt *
burrow_punch_attempt_new (BurrowPunchMethod  method,
                          BurrowPunchRole    role,
                          const gchar       *hub,
                          const gchar       *peer_nick,
                          const gchar       *peer_cid,
                          const gchar       *token,
                          const gchar       *protocol)
{
  BurrowPunchAttempt *self = g_object_new (BURROW_TYPE_PUNCH_ATTEMPT, NULL);

  self->method = method;
  self->role = role;
  self->hub = g_strdup (hub);
  self->peer_nick = g_strdup (peer_nick);
  self->peer_cid = g_strdup (peer_cid);
  self->token = g_strdup (token);
  self->protocol = g_strdup (protocol);
  return self;
}

static void
add_step_valist (BurrowPunchAttempt  *self,
                 BurrowPunchStepKind  kind,
                 gint64               when,
                 const gchar         *format,
                 va_list              args)
{
  BurrowPunchStep step;

  if (self->steps->len >= MAX_STEPS)
    {
      self->dropped_steps++;
      return;
    }

  step.kind = kind;
  step.offset_us = MAX (when - self->started_mono, 0);
  step.detail = format ? g_strdup_vprintf (format, args) : NULL;
  g_array_append_val (self->steps, step);

  g_debug ("punch %s %s +%.1f ms %s %s", self->token, self->peer_nick ? self->peer_nick : "?",
           step.offset_us / 1000.0, burrow_punch_step_kind_to_string (kind),
           step.detail ? step.detail : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
}

/**
 * burrow_punch_attempt_add_step:
 * @format: printf-style detail
 *
 * Appends a step stamped with the monotonic time since the start.
 */
void
burrow_punch_attempt_add_step (BurrowPunchAttempt  *self,
                               BurrowPunchStepKind  kind,
                               const gchar         *format,
                               ...)
{
  va_list args;

  g_return_if_fail (BURROW_IS_PUNCH_ATTEMPT (self));

  va_start (args, format);
  add_step_valist (self, kind, g_get_monotonic_time (), format, args);
  va_end (args);
}

/**
 * burrow_punch_attempt_add_step_at:
 * @monotonic_us: when it happened (g_get_monotonic_time()), for steps
 *   learned about later
 */
void
burrow_punch_attempt_add_step_at (BurrowPunchAttempt  *self,
                                  BurrowPunchStepKind  kind,
                                  gint64               monotonic_us,
                                  const gchar         *format,
                                  ...)
{
  va_list args;

  g_return_if_fail (BURROW_IS_PUNCH_ATTEMPT (self));

  va_start (args, format);
  add_step_valist (self, kind, monotonic_us, format, args);
  va_end (args);
}

static void
set_string (BurrowPunchAttempt  *self,
            gchar              **field,
            const gchar         *value,
            guint                prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
burrow_punch_attempt_set_method (BurrowPunchAttempt *self,
                                 BurrowPunchMethod   method)
{
  g_return_if_fail (BURROW_IS_PUNCH_ATTEMPT (self));

  if (self->method != method)
    {
      self->method = method;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METHOD]);
    }
}

void
burrow_punch_attempt_set_local (BurrowPunchAttempt *self,
                                const gchar        *endpoint)
{
  set_string (self, &self->local, endpoint, PROP_LOCAL);
}

void
burrow_punch_attempt_set_remote (BurrowPunchAttempt *self,
                                 const gchar        *endpoint)
{
  set_string (self, &self->remote, endpoint, PROP_REMOTE);
}

void
burrow_punch_attempt_set_protocol (BurrowPunchAttempt *self,
                                   const gchar        *protocol)
{
  set_string (self, &self->protocol, protocol, PROP_PROTOCOL);
}

/**
 * burrow_punch_attempt_set_peer_keyprint:
 * @keyprint: (nullable): "SHA256/<base32>" of the certificate the peer presented. On ADC it was
 *   checked against the keyprint the peer published; NMDC has none, so the record is the only
 *   place a user can compare it.
 */
void
burrow_punch_attempt_set_peer_keyprint (BurrowPunchAttempt *self,
                                        const gchar        *keyprint)
{
  set_string (self, &self->peer_keyprint, keyprint, PROP_PEER_KEYPRINT);
}

/**
 * burrow_punch_attempt_set_peer_nick:
 * @peer_nick: who the peer turned out to be (NMDC: a plain `$ConnectToMe` names no sender; its
 *   `$MyNick` does)
 */
void
burrow_punch_attempt_set_peer_nick (BurrowPunchAttempt *self,
                                    const gchar        *peer_nick)
{
  set_string (self, &self->peer_nick, peer_nick, PROP_PEER_NICK);
}

/**
 * burrow_punch_attempt_finish:
 * @diagnosis: (nullable): what happened, in plain words
 *
 * Ends the attempt. Later calls are ignored: the first outcome stands.
 */
void
burrow_punch_attempt_finish (BurrowPunchAttempt *self,
                             BurrowPunchResult   result,
                             const gchar        *diagnosis)
{
  g_return_if_fail (BURROW_IS_PUNCH_ATTEMPT (self));
  g_return_if_fail (result != BURROW_PUNCH_RESULT_PENDING);

  if (self->result != BURROW_PUNCH_RESULT_PENDING)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  self->duration_us = g_get_monotonic_time () - self->started_mono;
  set_string (self, &self->diagnosis, diagnosis, PROP_DIAGNOSIS);
  self->result = result;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURATION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * burrow_punch_attempt_fail:
 * @code: the #BurrowNatError the attempt failed with
 * @diagnosis: what happened, in plain words
 *
 * Ends the attempt as failed, keeping @code: a stable name for the cause that
 * burrow_punch_attempt_to_json() exports next to the (translated) diagnosis.
 * Ignored when the attempt has already ended.
 */
void
burrow_punch_attempt_fail (BurrowPunchAttempt *self,
                           gint                code,
                           const gchar        *diagnosis)
{
  g_return_if_fail (BURROW_IS_PUNCH_ATTEMPT (self));
  g_return_if_fail (code >= 0);

  if (self->result != BURROW_PUNCH_RESULT_PENDING)
    return;

  self->error_code = code;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_CODE]);
  burrow_punch_attempt_finish (self, BURROW_PUNCH_RESULT_FAILED, diagnosis);
}

BurrowPunchMethod burrow_punch_attempt_get_method (BurrowPunchAttempt *self) { return self->method; }
BurrowPunchRole burrow_punch_attempt_get_role (BurrowPunchAttempt *self) { return self->role; }
BurrowPunchResult burrow_punch_attempt_get_result (BurrowPunchAttempt *self) { return self->result; }
const gchar *burrow_punch_attempt_get_hub (BurrowPunchAttempt *self) { return self->hub; }
const gchar *burrow_punch_attempt_get_peer_nick (BurrowPunchAttempt *self) { return self->peer_nick; }
const gchar *burrow_punch_attempt_get_peer_cid (BurrowPunchAttempt *self) { return self->peer_cid; }
const gchar *burrow_punch_attempt_get_token (BurrowPunchAttempt *self) { return self->token; }
const gchar *burrow_punch_attempt_get_protocol (BurrowPunchAttempt *self) { return self->protocol; }
const gchar *burrow_punch_attempt_get_peer_keyprint (BurrowPunchAttempt *self) { return self->peer_keyprint; }
const gchar *burrow_punch_attempt_get_local (BurrowPunchAttempt *self) { return self->local; }
const gchar *burrow_punch_attempt_get_remote (BurrowPunchAttempt *self) { return self->remote; }
const gchar *burrow_punch_attempt_get_diagnosis (BurrowPunchAttempt *self) { return self->diagnosis; }
gint burrow_punch_attempt_get_error_code (BurrowPunchAttempt *self) { return self->error_code; }
gint64 burrow_punch_attempt_get_started (BurrowPunchAttempt *self) { return self->started; }
guint burrow_punch_attempt_get_n_steps (BurrowPunchAttempt *self) { return self->steps->len; }

/* Running attempts report the time so far. */
gint64
burrow_punch_attempt_get_duration_us (BurrowPunchAttempt *self)
{
  if (self->duration_us >= 0)
    return self->duration_us;
  return g_get_monotonic_time () - self->started_mono;
}

/**
 * burrow_punch_attempt_get_step:
 *
 * Returns: (transfer none) (nullable): step @i
 */
const BurrowPunchStep *
burrow_punch_attempt_get_step (BurrowPunchAttempt *self,
                               guint               i)
{
  if (i >= self->steps->len)
    return NULL;
  return &g_array_index (self->steps, BurrowPunchStep, i);
}

static const gchar *
enum_nick (GType type,
           gint  value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const gchar *nick = v ? v->value_nick : "unknown";

  g_type_class_unref (klass); /* static types: the class stays alive */
  return nick;
}

const gchar *
burrow_punch_method_to_string (BurrowPunchMethod method)
{
  return enum_nick (BURROW_TYPE_PUNCH_METHOD, method);
}

const gchar *
burrow_punch_result_to_string (BurrowPunchResult result)
{
  return enum_nick (BURROW_TYPE_PUNCH_RESULT, result);
}

const gchar *
burrow_punch_step_kind_to_string (BurrowPunchStepKind kind)
{
  return enum_nick (BURROW_TYPE_PUNCH_STEP_KIND, kind);
}

/* Stable names of the BurrowNatError codes, for records read by programs. */
static const gchar *const nat_error_names[] = {
  [BURROW_NAT_ERROR_FAILED] = "failed",
  [BURROW_NAT_ERROR_TIMED_OUT] = "timed-out",
  [BURROW_NAT_ERROR_REFUSED] = "refused",
  [BURROW_NAT_ERROR_UNREACHABLE] = "unreachable",
  [BURROW_NAT_ERROR_PEER_PASSIVE] = "peer-passive",
  [BURROW_NAT_ERROR_UNSUPPORTED] = "unsupported",
  [BURROW_NAT_ERROR_SYMMETRIC] = "symmetric",
  [BURROW_NAT_ERROR_BIND_FAILED] = "bind-failed",
  [BURROW_NAT_ERROR_KEYPRINT_MISMATCH] = "keyprint-mismatch",
  [BURROW_NAT_ERROR_TOO_MANY] = "too-many",
  [BURROW_NAT_ERROR_PROTOCOL_MISMATCH] = "protocol-mismatch",
  [BURROW_NAT_ERROR_BAD_ADDRESS] = "bad-address",
  [BURROW_NAT_ERROR_OFFLINE] = "offline",
  [BURROW_NAT_ERROR_NO_COMMON_FAMILY] = "no-common-family",
};
G_STATIC_ASSERT (G_N_ELEMENTS (nat_error_names) == BURROW_NAT_ERROR_NO_COMMON_FAMILY + 1);

/**
 * burrow_punch_attempt_to_json:
 *
 * The attempt as one JSON object (no newline): what `burrow-cli --json`
 * prints as a `punch` event and what the punch panel exports.
 *
 * Returns: (transfer full): the JSON text
 */
gchar *
burrow_punch_attempt_to_json (BurrowPunchAttempt *self)
{
  g_autoptr(GString) out = g_string_new ("{");
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_utc (self->started / G_USEC_PER_SEC);
  g_autofree gchar *when = g_date_time_format_iso8601 (started);

  burrow_json_append_member (out, "event", "punch");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "started", when);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "hub", self->hub);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "peer", self->peer_nick);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "cid", self->peer_cid);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "token", self->token);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "method", burrow_punch_method_to_string (self->method));
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "role", self->role == BURROW_PUNCH_ROLE_INITIATOR ? "initiator"
                                                                                       : "responder");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "protocol", self->protocol);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "peer_keyprint", self->peer_keyprint);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "local", self->local);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "remote", self->remote);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "result", burrow_punch_result_to_string (self->result));
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "diagnosis", self->diagnosis);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "error",
                             self->error_code >= 0 && self->error_code < (gint) G_N_ELEMENTS (nat_error_names)
                               ? nat_error_names[self->error_code] : NULL);
  g_string_append_printf (out, ",\"duration_ms\":%.1f,\"steps\":[",
                          burrow_punch_attempt_get_duration_us (self) / 1000.0);
  for (guint i = 0; i < self->steps->len; i++)
    {
      const BurrowPunchStep *step = &g_array_index (self->steps, BurrowPunchStep, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "{\"ms\":%.1f,", step->offset_us / 1000.0);
      burrow_json_append_member (out, "step", burrow_punch_step_kind_to_string (step->kind));
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "detail", step->detail);
      g_string_append_c (out, '}');
    }
  g_string_append_printf (out, "],\"dropped_steps\":%u}", self->dropped_steps);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * burrow_punch_attempts_tally:
 * @attempts: a #GListModel of #BurrowPunchAttempt
 * @tally: (out caller-allocates): how many connected, failed (or were cancelled) and still run
 */
void
burrow_punch_attempts_tally (GListModel       *attempts,
                             BurrowPunchTally *tally)
{
  guint n;

  g_return_if_fail (G_IS_LIST_MODEL (attempts));
  g_return_if_fail (tally != NULL);

  *tally = (BurrowPunchTally) { 0 };
  n = g_list_model_get_n_items (attempts);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowPunchAttempt) attempt = g_list_model_get_item (attempts, i);

      switch (burrow_punch_attempt_get_result (attempt))
        {
        case BURROW_PUNCH_RESULT_CONNECTED: tally->connected++; break;
        case BURROW_PUNCH_RESULT_PENDING: tally->pending++; break;
        case BURROW_PUNCH_RESULT_FAILED:
        case BURROW_PUNCH_RESULT_CANCELLED:
        default:
          tally->failed++;
          break;
        }
    }
}

/**
 * burrow_punch_tally_get_percent:
 *
 * Returns: the share of finished attempts that connected, rounded, 0–100; -1 when none finished
 */
gint
burrow_punch_tally_get_percent (const BurrowPunchTally *tally)
{
  guint finished;

  g_return_val_if_fail (tally != NULL, -1);

  finished = tally->connected + tally->failed;
  if (finished == 0)
    return -1;
  return (gint) ((tally->connected * 100 + finished / 2) / finished);
}
