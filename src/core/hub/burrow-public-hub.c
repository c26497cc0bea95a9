/* burrow-public-hub.c — one hub of the public hub lists
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-public-hubs"

#include "config.h"

#include <string.h>

#include "burrow-protocol-enums.h"

#include "burrow-public-hub.h"

/* Immutable once made: a refresh replaces the hubs, it does not edit them. */
struct _BurrowPublicHub
{
  GObject             parent_instance;

  BurrowHubListEntry  entry;
  gchar              *source;
  gint64              fetched;
};

G_DEFINE_FINAL_TYPE (BurrowPublicHub, burrow_public_hub, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_ADDRESS,
  PROP_PROTOCOL,
  PROP_USERS,
  PROP_SHARED,
  PROP_COUNTRY,
  PROP_MIN_SHARE,
  PROP_MIN_SLOTS,
  PROP_MAX_HUBS,
  PROP_MAX_USERS,
  PROP_RELIABILITY,
  PROP_RATING,
  PROP_ENCODING,
  PROP_SOFTWARE,
  PROP_SOURCE,
  PROP_FETCHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
burrow_public_hub_finalize (GObject *object)
{
  BurrowPublicHub *self = BURROW_PUBLIC_HUB (object);

  g_free (self->entry.name);
  g_free (self->entry.address);
  g_free (self->entry.description);
  g_free (self->entry.country);
  g_free (self->entry.encoding);
  g_free (self->entry.software);
  g_free (self->entry.rating);
  g_free (self->source);

  G_OBJECT_CLASS (burrow_public_hub_parent_class)->finalize (object);
}

static void
burrow_public_hub_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BurrowPublicHub *self = BURROW_PUBLIC_HUB (object);
  const BurrowHubListEntry *e = &self->entry;

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, e->name); break;
    case PROP_DESCRIPTION: g_value_set_string (value, e->description); break;
    case PROP_ADDRESS: g_value_set_string (value, e->address); break;
    case PROP_PROTOCOL: g_value_set_enum (value, e->protocol); break;
    case PROP_USERS: g_value_set_uint (value, e->users); break;
    case PROP_SHARED: g_value_set_uint64 (value, e->shared); break;
    case PROP_COUNTRY: g_value_set_string (value, e->country); break;
    case PROP_MIN_SHARE: g_value_set_uint64 (value, e->min_share); break;
    case PROP_MIN_SLOTS: g_value_set_uint (value, e->min_slots); break;
    case PROP_MAX_HUBS: g_value_set_uint (value, e->max_hubs); break;
    case PROP_MAX_USERS: g_value_set_uint (value, e->max_users); break;
    case PROP_RELIABILITY: g_value_set_double (value, e->reliability); break;
    case PROP_RATING: g_value_set_string (value, e->rating); break;
    case PROP_ENCODING: g_value_set_string (value, e->encoding); break;
    case PROP_SOFTWARE: g_value_set_string (value, e->software); break;
    case PROP_SOURCE: g_value_set_string (value, self->source); break;
    case PROP_FETCHED: g_value_set_int64 (value, self->fetched); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_prop (const gchar *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
uint_prop (const gchar *name)
{
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
uint64_prop (const gchar *name)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
burrow_public_hub_class_init (BurrowPublicHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_public_hub_finalize;
  object_class->get_property = burrow_public_hub_get_property;

  properties[PROP_NAME] = string_prop ("name");
  properties[PROP_DESCRIPTION] = string_prop ("description");
  properties[PROP_ADDRESS] = string_prop ("address");
  properties[PROP_PROTOCOL] =
    g_param_spec_enum ("protocol", NULL, NULL, BURROW_TYPE_HUB_PROTOCOL, BURROW_HUB_PROTOCOL_NMDC,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERS] = uint_prop ("users");
  properties[PROP_SHARED] = uint64_prop ("shared");
  properties[PROP_COUNTRY] = string_prop ("country");
  properties[PROP_MIN_SHARE] = uint64_prop ("min-share");
  properties[PROP_MIN_SLOTS] = uint_prop ("min-slots");
  properties[PROP_MAX_HUBS] = uint_prop ("max-hubs");
  properties[PROP_MAX_USERS] = uint_prop ("max-users");
  properties[PROP_RELIABILITY] =
    g_param_spec_double ("reliability", NULL, NULL, 0.0, 100.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RATING] = string_prop ("rating");
  properties[PROP_ENCODING] = string_prop ("encoding");
  properties[PROP_SOFTWARE] = string_prop ("software");
  properties[PROP_SOURCE] = string_prop ("source");
  properties[PROP_FETCHED] =
    g_param_spec_int64 ("fetched", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_public_hub_init (BurrowPublicHub *self)
{
}

BurrowPublicHub *
burrow_public_hub_new_take (BurrowHubListEntry *entry,
                            const gchar        *source,
                            gint64              fetched)
{
  BurrowPublicHub *self = g_object_new (BURROW_TYPE_PUBLIC_HUB, NULL);

  self->entry = *entry;
  memset (entry, 0, sizeof *entry);
  self->source = g_strdup (source);
  self->fetched = fetched;
  return self;
}

const gchar *
burrow_public_hub_get_name (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.name;
}

const gchar *
burrow_public_hub_get_description (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.description;
}

const gchar *
burrow_public_hub_get_address (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.address;
}

BurrowHubProtocol
burrow_public_hub_get_protocol (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), BURROW_HUB_PROTOCOL_NMDC);
  return self->entry.protocol;
}

guint
burrow_public_hub_get_users (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->entry.users;
}

guint64
burrow_public_hub_get_shared (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->entry.shared;
}

const gchar *
burrow_public_hub_get_country (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.country;
}

guint64
burrow_public_hub_get_min_share (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->entry.min_share;
}

guint
burrow_public_hub_get_min_slots (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->entry.min_slots;
}

guint
burrow_public_hub_get_max_hubs (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->entry.max_hubs;
}

guint
burrow_public_hub_get_max_users (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->entry.max_users;
}

gdouble
burrow_public_hub_get_reliability (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0.0);
  return self->entry.reliability;
}

const gchar *
burrow_public_hub_get_rating (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.rating;
}

const gchar *
burrow_public_hub_get_encoding (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.encoding;
}

const gchar *
burrow_public_hub_get_software (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->entry.software;
}

const gchar *
burrow_public_hub_get_source (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), NULL);
  return self->source;
}

gint64
burrow_public_hub_get_fetched (BurrowPublicHub *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUB (self), 0);
  return self->fetched;
}

/* The protocol as lists and the UI name it: ADC, ADCS, NMDC, NMDCS. */
const gchar *
burrow_public_hub_protocol_name (BurrowHubProtocol protocol)
{
  switch (protocol)
    {
    case BURROW_HUB_PROTOCOL_ADC: return "ADC";
    case BURROW_HUB_PROTOCOL_ADCS: return "ADCS";
    case BURROW_HUB_PROTOCOL_NMDCS: return "NMDCS";
    case BURROW_HUB_PROTOCOL_NMDC:
    default: return "NMDC";
    }
}
