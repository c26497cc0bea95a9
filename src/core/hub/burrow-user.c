/* burrow-user.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-user"

#include "config.h"

#include <string.h>

#include "burrow-adc-message.h"
#include "burrow-base32.h"
#include "burrow-hub-enums.h"

#include "burrow-user.h"

/* Every string field is a GRefString. Values many users share (client,
 * features, empty descriptions) are interned, so a 100,000-user hub keeps
 * one copy of each. */
struct _BurrowUser
{
  GObject  parent_instance;

  guint32  sid;
  gchar   *cid;
  gchar   *id;           /* NMDC: the id given at construction (ADC users use the CID) */
  gchar   *nick;
  gchar   *description;
  gchar   *email;
  gchar   *app;          /* AP */
  gchar   *version;      /* VE */
  gchar   *client;       /* AP + VE, what we show */
  gchar   *ip4;
  gchar   *ip6;
  gchar   *features;     /* SU, comma separated */
  gchar   *keyprint;
  guint64  share_size;
  guint64  shared_files;
  guint    udp4_port;
  guint    udp6_port;
  guint    slots;
  guint    free_slots;
  guint    hubs_normal;
  guint    hubs_registered;
  guint    hubs_operator;
  guint    client_type;  /* CT bitmask */
  guint    away;

  gboolean nmdc;
  guint8   nmdc_status;  /* BURROW_NMDC_STATUS_* bits of the last $MyINFO */
  gchar    nmdc_mode;    /* 'A', 'P', '5', … or 0 */
};

enum {
  PROP_0,
  PROP_SID,
  PROP_CID,
  PROP_NICK,
  PROP_DESCRIPTION,
  PROP_EMAIL,
  PROP_CLIENT,
  PROP_IP4,
  PROP_IP6,
  PROP_UDP4_PORT,
  PROP_UDP6_PORT,
  PROP_FEATURES,
  PROP_KEYPRINT,
  PROP_SHARE_SIZE,
  PROP_SHARED_FILES,
  PROP_SLOTS,
  PROP_FREE_SLOTS,
  PROP_HUBS_NORMAL,
  PROP_HUBS_REGISTERED,
  PROP_HUBS_OPERATOR,
  PROP_CLIENT_TYPE,
  PROP_AWAY,
  PROP_IS_OPERATOR,
  PROP_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowUser, burrow_user, G_TYPE_OBJECT)

static void
burrow_user_finalize (GObject *object)
{
  BurrowUser *self = BURROW_USER (object);

  g_clear_pointer (&self->cid, g_ref_string_release);
  g_clear_pointer (&self->id, g_ref_string_release);
  g_clear_pointer (&self->nick, g_ref_string_release);
  g_clear_pointer (&self->description, g_ref_string_release);
  g_clear_pointer (&self->email, g_ref_string_release);
  g_clear_pointer (&self->app, g_ref_string_release);
  g_clear_pointer (&self->version, g_ref_string_release);
  g_clear_pointer (&self->client, g_ref_string_release);
  g_clear_pointer (&self->ip4, g_ref_string_release);
  g_clear_pointer (&self->ip6, g_ref_string_release);
  g_clear_pointer (&self->features, g_ref_string_release);
  g_clear_pointer (&self->keyprint, g_ref_string_release);

  G_OBJECT_CLASS (burrow_user_parent_class)->finalize (object);
}

static void
burrow_user_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  BurrowUser *self = BURROW_USER (object);

  switch (prop_id)
    {
    case PROP_SID: g_value_set_uint (value, self->sid); break;
    case PROP_CID: g_value_set_string (value, self->cid); break;
    case PROP_NICK: g_value_set_string (value, self->nick); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_EMAIL: g_value_set_string (value, self->email); break;
    case PROP_CLIENT: g_value_set_string (value, self->client); break;
    case PROP_IP4: g_value_set_string (value, self->ip4); break;
    case PROP_IP6: g_value_set_string (value, self->ip6); break;
    case PROP_UDP4_PORT: g_value_set_uint (value, self->udp4_port); break;
    case PROP_UDP6_PORT: g_value_set_uint (value, self->udp6_port); break;
    case PROP_FEATURES: g_value_set_string (value, self->features); break;
    case PROP_KEYPRINT: g_value_set_string (value, self->keyprint); break;
    case PROP_SHARE_SIZE: g_value_set_uint64 (value, self->share_size); break;
    case PROP_SHARED_FILES: g_value_set_uint64 (value, self->shared_files); break;
    case PROP_SLOTS: g_value_set_uint (value, self->slots); break;
    case PROP_FREE_SLOTS: g_value_set_uint (value, self->free_slots); break;
    case PROP_HUBS_NORMAL: g_value_set_uint (value, self->hubs_normal); break;
    case PROP_HUBS_REGISTERED: g_value_set_uint (value, self->hubs_registered); break;
    case PROP_HUBS_OPERATOR: g_value_set_uint (value, self->hubs_operator); break;
    case PROP_CLIENT_TYPE: g_value_set_uint (value, self->client_type); break;
    case PROP_AWAY: g_value_set_uint (value, self->away); break;
    case PROP_IS_OPERATOR: g_value_set_boolean (value, burrow_user_is_operator (self)); break;
    case PROP_MODE: g_value_set_enum (value, burrow_user_get_mode (self)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_user_class_init (BurrowUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_user_finalize;
  object_class->get_property = burrow_user_get_property;

  properties[PROP_SID] = g_param_spec_uint ("sid", NULL, NULL, 0, G_MAXUINT32, 0, RO);
  properties[PROP_CID] = g_param_spec_string ("cid", NULL, NULL, NULL, RO);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, RO);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, RO);
  properties[PROP_EMAIL] = g_param_spec_string ("email", NULL, NULL, NULL, RO);
  properties[PROP_CLIENT] = g_param_spec_string ("client", NULL, NULL, NULL, RO);
  properties[PROP_IP4] = g_param_spec_string ("ip4", NULL, NULL, NULL, RO);
  properties[PROP_IP6] = g_param_spec_string ("ip6", NULL, NULL, NULL, RO);
  properties[PROP_UDP4_PORT] = g_param_spec_uint ("udp4-port", NULL, NULL, 0, 65535, 0, RO);
  properties[PROP_UDP6_PORT] = g_param_spec_uint ("udp6-port", NULL, NULL, 0, 65535, 0, RO);
  properties[PROP_FEATURES] = g_param_spec_string ("features", NULL, NULL, NULL, RO);
  properties[PROP_KEYPRINT] = g_param_spec_string ("keyprint", NULL, NULL, NULL, RO);
  properties[PROP_SHARE_SIZE] = g_param_spec_uint64 ("share-size", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  properties[PROP_SHARED_FILES] =
    g_param_spec_uint64 ("shared-files", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  properties[PROP_SLOTS] = g_param_spec_uint ("slots", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_FREE_SLOTS] = g_param_spec_uint ("free-slots", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_HUBS_NORMAL] = g_param_spec_uint ("hubs-normal", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_HUBS_REGISTERED] =
    g_param_spec_uint ("hubs-registered", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_HUBS_OPERATOR] =
    g_param_spec_uint ("hubs-operator", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_CLIENT_TYPE] = g_param_spec_uint ("client-type", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_AWAY] = g_param_spec_uint ("away", NULL, NULL, 0, G_MAXUINT, 0, RO);
  properties[PROP_IS_OPERATOR] = g_param_spec_boolean ("is-operator", NULL, NULL, FALSE, RO);
  properties[PROP_MODE] = g_param_spec_enum ("mode", NULL, NULL, BURROW_TYPE_USER_MODE,
                                             BURROW_USER_MODE_PASSIVE, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_user_init (BurrowUser *self)
{
}

/**
 * burrow_user_new:
 * @sid: the user's session ID on its hub
 *
 * Returns: (transfer full): a user with no fields yet
 */
BurrowUser *
burrow_user_new (guint32 sid)
{
  BurrowUser *self = g_object_new (BURROW_TYPE_USER, NULL);

  self->sid = sid;
  return self;
}

static gboolean
set_string (gchar       **field,
            const gchar  *value,
            gboolean      intern)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_clear_pointer (field, g_ref_string_release);
  if (value != NULL)
    *field = intern ? g_ref_string_new_intern (value) : g_ref_string_new (value);
  return TRUE;
}

static gboolean
set_uint64 (guint64     *field,
            const gchar *value)
{
  guint64 v = 0;

  if (value != NULL && *value != '\0' && !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL))
    return FALSE; /* garbage from the network: keep the old value */
  if (*field == v)
    return FALSE;
  *field = v;
  return TRUE;
}

static gboolean
set_uint (guint       *field,
          const gchar *value,
          guint        max)
{
  guint64 v = 0;

  if (value != NULL && *value != '\0' && !g_ascii_string_to_unsigned (value, 10, 0, max, &v, NULL))
    return FALSE;
  if (*field == (guint) v)
    return FALSE;
  *field = (guint) v;
  return TRUE;
}

static gboolean
update_client (BurrowUser *self)
{
  g_autofree gchar *text = NULL;

  if (self->app != NULL && self->version != NULL)
    text = g_strconcat (self->app, " ", self->version, NULL);
  else
    text = g_strdup (self->app ? self->app : self->version);
  return set_string (&self->client, text, TRUE);
}

#define NAME(a, b) (((guint) (a) << 8) | (guint) (b))

/* Sets a text field, shortened to @max bytes at a character boundary (@value is valid UTF-8:
 * the ADC parser checks every line). Counts a shortened value in @n_over_long. */
static gboolean
set_text (gchar       **field,
          const gchar  *value,
          gsize         max,
          gboolean      intern,
          guint        *n_over_long)
{
  g_autofree gchar *shortened = NULL;
  gsize len = strlen (value);

  if (len > max)
    {
      len = max;
      while (len > 0 && ((guchar) value[len] & 0xc0) == 0x80)
        len--;
      shortened = g_strndup (value, len);
      value = shortened;
      (*n_over_long)++;
    }
  return set_string (field, value, intern);
}

/* Sets a field with a structure: a value longer than any valid one is ignored and counted. */
static gboolean
set_bounded (gchar       **field,
             const gchar  *value,
             gsize         max,
             gboolean      intern,
             guint        *n_over_long)
{
  if (strlen (value) > max)
    {
      (*n_over_long)++;
      return FALSE;
    }
  return set_string (field, value, intern);
}

/**
 * burrow_user_apply_inf:
 * @inf: a BINF (login or incremental update)
 * @notify: whether to emit property notifications (not while joining)
 *
 * Applies the fields present in @inf; fields that are absent keep their value,
 * fields present but empty are cleared. Malformed numbers are ignored. Over-long
 * fields are bounded as burrow_user_apply_inf_full() describes.
 *
 * Returns: whether anything changed
 */
gboolean
burrow_user_apply_inf (BurrowUser       *self,
                       BurrowAdcMessage *inf,
                       gboolean          notify)
{
  return burrow_user_apply_inf_full (self, inf, notify, NULL);
}

/**
 * burrow_user_apply_inf_full:
 * @inf: a BINF (login or incremental update)
 * @notify: whether to emit property notifications (not while joining)
 * @n_over_long: (out) (optional): how many fields were over their length limit
 *
 * As burrow_user_apply_inf(). A text field (NI, DE, EM, AP, VE) longer than its
 * BURROW_USER_MAX_… limit is shortened to it at a UTF-8 character boundary; a
 * longer address, keyprint or feature list is ignored (the field keeps its value).
 *
 * Returns: whether anything changed
 */
gboolean
burrow_user_apply_inf_full (BurrowUser       *self,
                            BurrowAdcMessage *inf,
                            gboolean          notify,
                            guint            *n_over_long)
{
  gboolean changed[N_PROPS] = { FALSE, };
  gboolean any = FALSE;
  gboolean client_changed = FALSE;
  guint over = 0;
  guint n;

  g_return_val_if_fail (BURROW_IS_USER (self), FALSE);

  n = burrow_adc_message_get_n_params (inf);
  for (guint i = 0; i < n; i++)
    {
      const gchar *p = burrow_adc_message_get_param (inf, i);
      const gchar *v;

      if (p[0] == '\0' || p[1] == '\0')
        continue;
      v = p + 2;

      switch (NAME (p[0], p[1]))
        {
        case NAME ('I', 'D'):
          if (burrow_base32_is_valid (v, -1, 24))
            changed[PROP_CID] |= set_string (&self->cid, v, FALSE);
          break;
        case NAME ('N', 'I'):
          changed[PROP_NICK] |= set_text (&self->nick, v, BURROW_USER_MAX_NICK_BYTES, FALSE, &over);
          break;
        case NAME ('D', 'E'):
          changed[PROP_DESCRIPTION] |= set_text (&self->description, v,
                                                 BURROW_USER_MAX_DESCRIPTION_BYTES, TRUE, &over);
          break;
        case NAME ('E', 'M'):
          changed[PROP_EMAIL] |= set_text (&self->email, v, BURROW_USER_MAX_EMAIL_BYTES, FALSE, &over);
          break;
        case NAME ('A', 'P'):
          client_changed |= set_text (&self->app, v, BURROW_USER_MAX_CLIENT_BYTES, TRUE, &over);
          break;
        case NAME ('V', 'E'):
          client_changed |= set_text (&self->version, v, BURROW_USER_MAX_CLIENT_BYTES, TRUE, &over);
          break;
        case NAME ('I', '4'):
          changed[PROP_IP4] |= set_bounded (&self->ip4, v, BURROW_USER_MAX_ADDRESS_BYTES, FALSE, &over);
          break;
        case NAME ('I', '6'):
          changed[PROP_IP6] |= set_bounded (&self->ip6, v, BURROW_USER_MAX_ADDRESS_BYTES, FALSE, &over);
          break;
        case NAME ('U', '4'): changed[PROP_UDP4_PORT] |= set_uint (&self->udp4_port, v, 65535); break;
        case NAME ('U', '6'): changed[PROP_UDP6_PORT] |= set_uint (&self->udp6_port, v, 65535); break;
        case NAME ('S', 'U'):
          if (set_bounded (&self->features, v, BURROW_USER_MAX_FEATURES_BYTES, TRUE, &over))
            changed[PROP_FEATURES] = changed[PROP_MODE] = TRUE;
          break;
        case NAME ('K', 'P'):
          changed[PROP_KEYPRINT] |= set_bounded (&self->keyprint, v, BURROW_USER_MAX_KEYPRINT_BYTES,
                                                 FALSE, &over);
          break;
        case NAME ('S', 'S'): changed[PROP_SHARE_SIZE] |= set_uint64 (&self->share_size, v); break;
        case NAME ('S', 'F'): changed[PROP_SHARED_FILES] |= set_uint64 (&self->shared_files, v); break;
        case NAME ('S', 'L'): changed[PROP_SLOTS] |= set_uint (&self->slots, v, G_MAXUINT); break;
        case NAME ('F', 'S'): changed[PROP_FREE_SLOTS] |= set_uint (&self->free_slots, v, G_MAXUINT); break;
        case NAME ('H', 'N'): changed[PROP_HUBS_NORMAL] |= set_uint (&self->hubs_normal, v, G_MAXUINT); break;
        case NAME ('H', 'R'):
          changed[PROP_HUBS_REGISTERED] |= set_uint (&self->hubs_registered, v, G_MAXUINT);
          break;
        case NAME ('H', 'O'):
          changed[PROP_HUBS_OPERATOR] |= set_uint (&self->hubs_operator, v, G_MAXUINT);
          break;
        case NAME ('C', 'T'):
          if (set_uint (&self->client_type, v, G_MAXUINT))
            changed[PROP_CLIENT_TYPE] = changed[PROP_IS_OPERATOR] = TRUE;
          break;
        case NAME ('A', 'W'): changed[PROP_AWAY] |= set_uint (&self->away, v, G_MAXUINT); break;
        default:
          break;
        }
    }

  if (client_changed)
    changed[PROP_CLIENT] = update_client (self);

  for (guint p = 1; p < N_PROPS; p++)
    any |= changed[p];

  if (notify && any)
    {
      g_object_freeze_notify (G_OBJECT (self));
      for (guint p = 1; p < N_PROPS; p++)
        if (changed[p])
          g_object_notify_by_pspec (G_OBJECT (self), properties[p]);
      g_object_thaw_notify (G_OBJECT (self));
    }

  if (n_over_long != NULL)
    *n_over_long = over;
  return any;
}

/* ---- NMDC --------------------------------------------------------------------------------- */

/**
 * burrow_user_new_nmdc:
 * @sid: the user's number on its hub session
 * @id: its protocol-neutral id (burrow_user_get_id())
 * @nick: its nick
 *
 * Returns: (transfer full): an NMDC user with no $MyINFO yet (passive, no TLS)
 */
BurrowUser *
burrow_user_new_nmdc (guint32      sid,
                      const gchar *id,
                      const gchar *nick)
{
  BurrowUser *self;
  guint over = 0;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (nick != NULL, NULL);

  self = g_object_new (BURROW_TYPE_USER, NULL);
  self->sid = sid;
  self->nmdc = TRUE;
  self->id = g_ref_string_new (id);
  set_text (&self->nick, nick, BURROW_USER_MAX_NICK_BYTES, FALSE, &over);
  return self;
}

static gboolean
set_guint (guint *field,
           guint  value)
{
  if (*field == value)
    return FALSE;
  *field = value;
  return TRUE;
}

/**
 * burrow_user_apply_nmdc_info:
 * @info: a parsed $MyINFO of this user
 * @notify: whether to emit property notifications (not while joining)
 *
 * Returns: whether anything changed
 */
gboolean
burrow_user_apply_nmdc_info (BurrowUser           *self,
                             const BurrowNmdcInfo *info,
                             gboolean              notify)
{
  gboolean changed[N_PROPS] = { FALSE, };
  gboolean any = FALSE;
  gboolean client_changed = FALSE;
  BurrowUserMode old_mode;
  gboolean old_tls;
  guint64 share;
  guint over = 0;

  g_return_val_if_fail (BURROW_IS_USER (self), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  old_mode = burrow_user_get_mode (self);
  old_tls = burrow_user_supports_tls (self);

  changed[PROP_DESCRIPTION] = set_text (&self->description,
                                        info->description ? info->description : "",
                                        BURROW_USER_MAX_DESCRIPTION_BYTES, TRUE, &over);
  changed[PROP_EMAIL] = set_text (&self->email, info->email ? info->email : "",
                                  BURROW_USER_MAX_EMAIL_BYTES, FALSE, &over);
  client_changed |= set_text (&self->app, info->client ? info->client : "",
                              BURROW_USER_MAX_CLIENT_BYTES, TRUE, &over);
  client_changed |= set_text (&self->version, info->version ? info->version : "",
                              BURROW_USER_MAX_CLIENT_BYTES, TRUE, &over);
  if (client_changed)
    changed[PROP_CLIENT] = update_client (self);

  share = info->share_valid ? info->share : 0;
  if (self->share_size != share)
    {
      self->share_size = share;
      changed[PROP_SHARE_SIZE] = TRUE;
    }
  changed[PROP_SLOTS] = set_guint (&self->slots, info->slots);
  changed[PROP_HUBS_NORMAL] = set_guint (&self->hubs_normal, info->hubs_normal);
  changed[PROP_HUBS_REGISTERED] = set_guint (&self->hubs_registered, info->hubs_registered);
  changed[PROP_HUBS_OPERATOR] = set_guint (&self->hubs_operator, info->hubs_operator);
  changed[PROP_AWAY] = set_guint (&self->away, (info->status & BURROW_NMDC_STATUS_AWAY) ? 1 : 0);

  self->nmdc_mode = info->mode;
  self->nmdc_status = info->status;
  changed[PROP_MODE] = burrow_user_get_mode (self) != old_mode;

  for (guint p = 1; p < N_PROPS; p++)
    any |= changed[p];
  /* TLS has no property of its own: it still counts as a change */
  any |= burrow_user_supports_tls (self) != old_tls;

  if (notify && any)
    {
      g_object_freeze_notify (G_OBJECT (self));
      for (guint p = 1; p < N_PROPS; p++)
        if (changed[p])
          g_object_notify_by_pspec (G_OBJECT (self), properties[p]);
      g_object_thaw_notify (G_OBJECT (self));
    }
  return any;
}

static void
set_client_type_bit (BurrowUser *self,
                     guint       bit,
                     gboolean    on)
{
  guint type = on ? (self->client_type | bit) : (self->client_type & ~bit);
  gboolean was_operator = burrow_user_is_operator (self);

  if (type == self->client_type)
    return;
  self->client_type = type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_TYPE]);
  if (burrow_user_is_operator (self) != was_operator)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_OPERATOR]);
}

/* NMDC's $OpList: client type bit 4, as ADC's CT. */
void
burrow_user_set_operator (BurrowUser *self,
                          gboolean    operator)
{
  g_return_if_fail (BURROW_IS_USER (self));

  set_client_type_bit (self, 4, operator);
}

/* NMDC's $BotList: client type bit 1. */
void
burrow_user_set_bot (BurrowUser *self,
                     gboolean    bot)
{
  g_return_if_fail (BURROW_IS_USER (self));

  set_client_type_bit (self, 1, bot);
}

/* NMDC's $UserIP. An over-long value is ignored. */
void
burrow_user_set_ip4 (BurrowUser  *self,
                     const gchar *ip4)
{
  guint over = 0;

  g_return_if_fail (BURROW_IS_USER (self));

  if (set_bounded (&self->ip4, ip4 != NULL ? ip4 : "", BURROW_USER_MAX_ADDRESS_BYTES, FALSE, &over))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IP4]);
}

gboolean burrow_user_is_nmdc (BurrowUser *self) { return self->nmdc; }
guint burrow_user_get_nmdc_status (BurrowUser *self) { return self->nmdc ? self->nmdc_status : 0; }

guint32 burrow_user_get_sid (BurrowUser *self) { return self->sid; }
const gchar *burrow_user_get_cid (BurrowUser *self) { return self->cid; }

/* burrow_user_get_id: a protocol-neutral key for the user across hubs: the CID
 * on ADC, the id given to burrow_user_new_nmdc() on NMDC. NULL before an ADC
 * user is identified. */
const gchar *burrow_user_get_id (BurrowUser *self) { return self->nmdc ? self->id : self->cid; }
const gchar *burrow_user_get_nick (BurrowUser *self) { return self->nick; }
const gchar *burrow_user_get_description (BurrowUser *self) { return self->description; }
const gchar *burrow_user_get_email (BurrowUser *self) { return self->email; }
const gchar *burrow_user_get_client (BurrowUser *self) { return self->client; }
const gchar *burrow_user_get_ip4 (BurrowUser *self) { return self->ip4; }
const gchar *burrow_user_get_ip6 (BurrowUser *self) { return self->ip6; }
guint burrow_user_get_udp4_port (BurrowUser *self) { return self->udp4_port; }
guint burrow_user_get_udp6_port (BurrowUser *self) { return self->udp6_port; }
const gchar *burrow_user_get_features (BurrowUser *self) { return self->features; }
const gchar *burrow_user_get_keyprint (BurrowUser *self) { return self->keyprint; }
guint64 burrow_user_get_share_size (BurrowUser *self) { return self->share_size; }
guint64 burrow_user_get_shared_files (BurrowUser *self) { return self->shared_files; }
guint burrow_user_get_slots (BurrowUser *self) { return self->slots; }
guint burrow_user_get_free_slots (BurrowUser *self) { return self->free_slots; }
guint burrow_user_get_hubs_normal (BurrowUser *self) { return self->hubs_normal; }
guint burrow_user_get_hubs_registered (BurrowUser *self) { return self->hubs_registered; }
guint burrow_user_get_hubs_operator (BurrowUser *self) { return self->hubs_operator; }
guint burrow_user_get_client_type (BurrowUser *self) { return self->client_type; }
guint burrow_user_get_away (BurrowUser *self) { return self->away; }

/* CT: 4 operator, 8 super user, 16 owner */
gboolean burrow_user_is_operator (BurrowUser *self) { return (self->client_type & (4 | 8 | 16)) != 0; }
gboolean burrow_user_is_bot (BurrowUser *self) { return (self->client_type & 1) != 0; }
gboolean burrow_user_is_hub (BurrowUser *self) { return (self->client_type & 32) != 0; }

/**
 * burrow_user_has_feature:
 * @feature: a four-letter feature name such as "TCP4"
 *
 * Returns: whether the user's INF `SU` lists @feature
 */
gboolean
burrow_user_has_feature (BurrowUser  *self,
                         const gchar *feature)
{
  const gchar *p;
  gsize n;

  g_return_val_if_fail (BURROW_IS_USER (self), FALSE);

  if (self->features == NULL)
    return FALSE;

  n = strlen (feature);
  for (p = self->features; *p != '\0';)
    {
      const gchar *end = strchr (p, ',');
      gsize len = end ? (gsize) (end - p) : strlen (p);

      if (len == n && strncmp (p, feature, n) == 0)
        return TRUE;
      if (end == NULL)
        break;
      p = end + 1;
    }
  return FALSE;
}

/* NMDC: the mode letter of the $MyINFO ('A' active, anything else passive). */
gboolean
burrow_user_is_active (BurrowUser *self)
{
  if (self->nmdc)
    return self->nmdc_mode == 'A';
  return burrow_user_has_feature (self, "TCP4") || burrow_user_has_feature (self, "TCP6");
}

/**
 * burrow_user_is_active_on:
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 *
 * Whether the user takes TCP connections on @family: `TCP4` and an `I4`, or `TCP6` and an `I6`.
 * A feature alone is not enough: uhub 0.4.1 passes SU through unchanged and publishes only the
 * address of the family the user's hub connection uses (CONNECTIVITY.md §3.2). NMDC users are
 * IPv4 only.
 */
gboolean
burrow_user_is_active_on (BurrowUser    *self,
                          GSocketFamily  family)
{
  g_return_val_if_fail (BURROW_IS_USER (self), FALSE);

  if (self->nmdc)
    return family == G_SOCKET_FAMILY_IPV4 && burrow_user_is_active (self);
  if (family == G_SOCKET_FAMILY_IPV6)
    return self->ip6 != NULL && burrow_user_has_feature (self, "TCP6");
  return self->ip4 != NULL && burrow_user_has_feature (self, "TCP4");
}

/**
 * burrow_user_get_address:
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 *
 * Returns: (nullable): the user's I4 or I6 as the hub gave it (unchecked text)
 */
const gchar *
burrow_user_get_address (BurrowUser    *self,
                         GSocketFamily  family)
{
  g_return_val_if_fail (BURROW_IS_USER (self), NULL);

  return family == G_SOCKET_FAMILY_IPV6 ? self->ip6 : self->ip4;
}

/* Every NATT implementation says NAT0; the spec says NATT. Accept both. NMDC: status byte 0x20,
 * which counts only for passive users (NMDC.md §2.2). */
gboolean
burrow_user_supports_nat_traversal (BurrowUser *self)
{
  if (self->nmdc)
    return !burrow_user_is_active (self) && (self->nmdc_status & BURROW_NMDC_STATUS_NAT) != 0;
  return burrow_user_has_feature (self, "NAT0") || burrow_user_has_feature (self, "NATT");
}

/* DC++ announces ADC0; the spec says ADCS. NMDC: status byte 0x10. */
gboolean
burrow_user_supports_tls (BurrowUser *self)
{
  if (self->nmdc)
    return (self->nmdc_status & BURROW_NMDC_STATUS_TLS) != 0;
  return burrow_user_has_feature (self, "ADC0") || burrow_user_has_feature (self, "ADCS");
}

BurrowUserMode
burrow_user_get_mode (BurrowUser *self)
{
  if (burrow_user_is_active (self))
    return BURROW_USER_MODE_ACTIVE;
  if (burrow_user_supports_nat_traversal (self))
    return BURROW_USER_MODE_NAT_TRAVERSAL;
  return BURROW_USER_MODE_PASSIVE;
}
