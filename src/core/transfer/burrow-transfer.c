/* burrow-transfer.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-transfer"

#include "config.h"

#include "burrow-peer-enums.h"
#include "burrow-transfer-enums.h"
#include "burrow-json.h"

#include "burrow-transfer-private.h"

struct _BurrowTransfer
{
  GObject                  parent_instance;

  BurrowTransferDirection  direction;
  gchar                   *nick;
  gchar                   *cid;
  gchar                   *hub;
  gchar                   *name;
  gchar                   *error;
  guint64                  size;
  guint64                  position;     /* published */
  guint64                  position_now; /* live */
  guint64                  bytes;        /* live: bytes this transfer moved */
  guint64                  rate;
  guint64                  file_rate;    /* all connections of the file (downloads) */
  gint64                   eta;
  gint64                   item_id;
  BurrowTransferState      state;
  BurrowPeerProtocol       protocol;
  BurrowPunchMethod        method;
  gboolean                 tls;

  /* rate window */
  guint64                  sample_bytes[BURROW_TRANSFER_RATE_SAMPLES];
  gint64                   sample_time[BURROW_TRANSFER_RATE_SAMPLES];
  guint                    n_samples;
  guint                    sample_next;
};

enum {
  PROP_0,
  PROP_DIRECTION,
  PROP_NICK,
  PROP_CID,
  PROP_HUB,
  PROP_NAME,
  PROP_SIZE,
  PROP_POSITION,
  PROP_RATE,
  PROP_ETA,
  PROP_STATE,
  PROP_PROTOCOL,
  PROP_METHOD,
  PROP_TLS,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowTransfer, burrow_transfer, G_TYPE_OBJECT)

static void
burrow_transfer_finalize (GObject *object)
{
  BurrowTransfer *self = BURROW_TRANSFER (object);

  g_free (self->nick);
  g_free (self->cid);
  g_free (self->hub);
  g_free (self->name);
  g_free (self->error);

  G_OBJECT_CLASS (burrow_transfer_parent_class)->finalize (object);
}

static void
burrow_transfer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BurrowTransfer *self = BURROW_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_DIRECTION: g_value_set_enum (value, self->direction); break;
    case PROP_NICK: g_value_set_string (value, self->nick); break;
    case PROP_CID: g_value_set_string (value, self->cid); break;
    case PROP_HUB: g_value_set_string (value, self->hub); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_SIZE: g_value_set_uint64 (value, self->size); break;
    case PROP_POSITION: g_value_set_uint64 (value, self->position); break;
    case PROP_RATE: g_value_set_uint64 (value, self->rate); break;
    case PROP_ETA: g_value_set_int64 (value, self->eta); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PROTOCOL: g_value_set_enum (value, self->protocol); break;
    case PROP_METHOD: g_value_set_enum (value, self->method); break;
    case PROP_TLS: g_value_set_boolean (value, self->tls); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_transfer_class_init (BurrowTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_transfer_finalize;
  object_class->get_property = burrow_transfer_get_property;

  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, BURROW_TYPE_TRANSFER_DIRECTION,
                       BURROW_TRANSFER_DIRECTION_DOWNLOAD, RO);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, RO);
  properties[PROP_CID] = g_param_spec_string ("cid", NULL, NULL, NULL, RO);
  properties[PROP_HUB] = g_param_spec_string ("hub", NULL, NULL, NULL, RO);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, RO);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  properties[PROP_POSITION] = g_param_spec_uint64 ("position", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  properties[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, RO);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BURROW_TYPE_TRANSFER_STATE,
                       BURROW_TRANSFER_STATE_CONNECTING, RO);
  properties[PROP_PROTOCOL] =
    g_param_spec_enum ("protocol", NULL, NULL, BURROW_TYPE_PEER_PROTOCOL, BURROW_PEER_PROTOCOL_ADC,
                       RO);
  properties[PROP_METHOD] =
    g_param_spec_enum ("method", NULL, NULL, BURROW_TYPE_PUNCH_METHOD, BURROW_PUNCH_METHOD_DIRECT,
                       RO);
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, RO);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_transfer_init (BurrowTransfer *self)
{
  self->eta = -1;
}

BurrowTransfer *
_burrow_transfer_new (BurrowTransferDirection  direction,
                      const gchar             *nick,
                      const gchar             *cid,
                      const gchar             *hub,
                      const gchar             *name,
                      guint64                  size,
                      gint64                   item_id)
{
  BurrowTransfer *self = g_object_new (BURROW_TYPE_TRANSFER, NULL);

  self->direction = direction;
  self->nick = g_strdup (nick);
  self->cid = g_strdup (cid);
  self->hub = g_strdup (hub);
  self->name = g_strdup (name);
  self->size = size;
  self->item_id = item_id;
  return self;
}

void
_burrow_transfer_set_state (BurrowTransfer      *self,
                            BurrowTransferState  state,
                            const gchar         *error)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      if (state != BURROW_TRANSFER_STATE_RUNNING && self->rate != 0)
        {
          self->rate = 0;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
        }
    }
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
_burrow_transfer_set_method (BurrowTransfer     *self,
                             BurrowPeerProtocol  protocol,
                             BurrowPunchMethod   method,
                             gboolean            tls)
{
  if (self->protocol != protocol)
    {
      self->protocol = protocol;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTOCOL]);
    }
  if (self->method != method)
    {
      self->method = method;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METHOD]);
    }
  if (self->tls != tls)
    {
      self->tls = tls;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS]);
    }
}

void
_burrow_transfer_set_name (BurrowTransfer *self,
                           const gchar    *name,
                           guint64         size)
{
  if (g_strcmp0 (self->name, name) != 0)
    {
      g_free (self->name);
      self->name = g_strdup (name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
  if (self->size != size)
    {
      self->size = size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
    }
}

void
_burrow_transfer_add_bytes (BurrowTransfer *self,
                            guint64         n)
{
  self->bytes += n;
}

void
_burrow_transfer_set_position_quiet (BurrowTransfer *self,
                                     guint64         position)
{
  self->position_now = position;
}

void
_burrow_transfer_set_eta_rate (BurrowTransfer *self,
                               guint64         file_rate)
{
  self->file_rate = file_rate;
}

/* Rate over the window of the last samples (about one second at 4 Hz). */
void
_burrow_transfer_sample (BurrowTransfer *self,
                         gint64          now_us)
{
  guint oldest;
  guint64 rate = 0;
  gint64 eta = -1;
  guint64 remaining;

  self->sample_bytes[self->sample_next] = self->bytes;
  self->sample_time[self->sample_next] = now_us;
  self->sample_next = (self->sample_next + 1) % BURROW_TRANSFER_RATE_SAMPLES;
  if (self->n_samples < BURROW_TRANSFER_RATE_SAMPLES)
    self->n_samples++;
  oldest = self->n_samples < BURROW_TRANSFER_RATE_SAMPLES ? 0 : self->sample_next;
  if (self->n_samples > 1 && now_us > self->sample_time[oldest])
    rate = (self->bytes - self->sample_bytes[oldest]) * G_USEC_PER_SEC /
           (guint64) (now_us - self->sample_time[oldest]);
  if (self->state != BURROW_TRANSFER_STATE_RUNNING)
    rate = 0;

  remaining = self->size > self->position_now ? self->size - self->position_now : 0;
  if (remaining == 0 && self->state == BURROW_TRANSFER_STATE_RUNNING)
    eta = 0;
  else if ((self->file_rate ? self->file_rate : rate) > 0)
    eta = (gint64) (remaining / (self->file_rate ? self->file_rate : rate));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->position != self->position_now)
    {
      self->position = self->position_now;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
    }
  if (self->rate != rate)
    {
      self->rate = rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
    }
  if (self->eta != eta)
    {
      self->eta = eta;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

BurrowTransferDirection burrow_transfer_get_direction (BurrowTransfer *self) { return self->direction; }
const gchar *burrow_transfer_get_nick (BurrowTransfer *self) { return self->nick; }
const gchar *burrow_transfer_get_cid (BurrowTransfer *self) { return self->cid; }
const gchar *burrow_transfer_get_hub (BurrowTransfer *self) { return self->hub; }
const gchar *burrow_transfer_get_name (BurrowTransfer *self) { return self->name; }
guint64 burrow_transfer_get_size (BurrowTransfer *self) { return self->size; }
guint64 burrow_transfer_get_position (BurrowTransfer *self) { return self->position; }
guint64 burrow_transfer_get_bytes (BurrowTransfer *self) { return self->bytes; }
guint64 burrow_transfer_get_rate (BurrowTransfer *self) { return self->rate; }
gint64 burrow_transfer_get_eta (BurrowTransfer *self) { return self->eta; }
BurrowTransferState burrow_transfer_get_state (BurrowTransfer *self) { return self->state; }
BurrowPunchMethod burrow_transfer_get_method (BurrowTransfer *self) { return self->method; }
gboolean burrow_transfer_get_tls (BurrowTransfer *self) { return self->tls; }
BurrowPeerProtocol burrow_transfer_get_protocol (BurrowTransfer *self) { return self->protocol; }
const gchar *burrow_transfer_get_error (BurrowTransfer *self) { return self->error; }
gint64 burrow_transfer_get_item_id (BurrowTransfer *self) { return self->item_id; }

const gchar *
burrow_transfer_state_to_string (BurrowTransferState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (BURROW_TYPE_TRANSFER_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value ? value->value_nick : "unknown";
}

/**
 * burrow_transfer_to_json:
 *
 * The transfer as one JSON object (no newline), a `transfer` event of
 * `burrow-cli --json`.
 *
 * Returns: (transfer full): the JSON text
 */
gchar *
burrow_transfer_to_json (BurrowTransfer *self)
{
  g_autoptr(GString) out = g_string_new ("{");

  burrow_json_append_member (out, "event", "transfer");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "direction", self->direction == BURROW_TRANSFER_DIRECTION_DOWNLOAD
                                               ? "download" : "upload");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "peer", self->nick);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "cid", self->cid);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "hub", self->hub);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "name", self->name);
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "state", burrow_transfer_state_to_string (self->state));
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "protocol", self->protocol == BURROW_PEER_PROTOCOL_NMDC ? "nmdc"
                                                                                      : "adc");
  g_string_append_c (out, ',');
  burrow_json_append_member (out, "method", burrow_punch_method_to_string (self->method));
  g_string_append_printf (out, ",\"tls\":%s,\"size\":%" G_GUINT64_FORMAT ",\"position\":%"
                          G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT ",\"rate\":%"
                          G_GUINT64_FORMAT ",\"eta\":%" G_GINT64_FORMAT ",\"item\":%" G_GINT64_FORMAT,
                          self->tls ? "true" : "false", self->size, self->position, self->bytes,
                          self->rate, self->eta, self->item_id);
  if (self->error != NULL)
    {
      g_string_append_c (out, ',');
      burrow_json_append_member (out, "error", self->error);
    }
  g_string_append_c (out, '}');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
