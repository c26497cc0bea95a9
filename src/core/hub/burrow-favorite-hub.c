/* burrow-favorite-hub.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-favorite-hub"

#include "config.h"

#include "burrow-favorite-hub-private.h"

#include "burrow-favorite-hub.h"

struct _BurrowFavoriteHub
{
  GObject   parent_instance;

  gint64    id;
  gchar    *name;
  gchar    *uri;
  gchar    *nick;
  gchar    *password;
  gchar    *encoding;
  gboolean  auto_connect;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_URI,
  PROP_NICK,
  PROP_PASSWORD,
  PROP_AUTO_CONNECT,
  PROP_ENCODING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowFavoriteHub, burrow_favorite_hub, G_TYPE_OBJECT)

/* Empty strings are stored as NULL: "no nick" and "" mean the same. */
static gboolean
set_str (gchar       **field,
         const gchar  *value)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
burrow_favorite_hub_finalize (GObject *object)
{
  BurrowFavoriteHub *self = BURROW_FAVORITE_HUB (object);

  g_free (self->name);
  g_free (self->uri);
  g_free (self->nick);
  g_free (self->password);
  g_free (self->encoding);

  G_OBJECT_CLASS (burrow_favorite_hub_parent_class)->finalize (object);
}

static void
burrow_favorite_hub_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  BurrowFavoriteHub *self = BURROW_FAVORITE_HUB (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_URI: g_value_set_string (value, self->uri); break;
    case PROP_NICK: g_value_set_string (value, self->nick); break;
    case PROP_PASSWORD: g_value_set_string (value, self->password); break;
    case PROP_AUTO_CONNECT: g_value_set_boolean (value, self->auto_connect); break;
    case PROP_ENCODING: g_value_set_string (value, self->encoding); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_favorite_hub_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  BurrowFavoriteHub *self = BURROW_FAVORITE_HUB (object);

  switch (prop_id)
    {
    case PROP_NAME: burrow_favorite_hub_set_name (self, g_value_get_string (value)); break;
    case PROP_URI: burrow_favorite_hub_set_uri (self, g_value_get_string (value)); break;
    case PROP_NICK: burrow_favorite_hub_set_nick (self, g_value_get_string (value)); break;
    case PROP_PASSWORD: burrow_favorite_hub_set_password (self, g_value_get_string (value)); break;
    case PROP_AUTO_CONNECT:
      burrow_favorite_hub_set_auto_connect (self, g_value_get_boolean (value));
      break;
    case PROP_ENCODING: burrow_favorite_hub_set_encoding (self, g_value_get_string (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_favorite_hub_class_init (BurrowFavoriteHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_favorite_hub_finalize;
  object_class->get_property = burrow_favorite_hub_get_property;
  object_class->set_property = burrow_favorite_hub_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, RW);
  properties[PROP_URI] = g_param_spec_string ("uri", NULL, NULL, NULL, RW);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, RW);
  properties[PROP_PASSWORD] = g_param_spec_string ("password", NULL, NULL, NULL, RW);
  properties[PROP_AUTO_CONNECT] = g_param_spec_boolean ("auto-connect", NULL, NULL, FALSE, RW);
  properties[PROP_ENCODING] = g_param_spec_string ("encoding", NULL, NULL, NULL, RW);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_favorite_hub_init (BurrowFavoriteHub *self)
{
}

/**
 * burrow_favorite_hub_new:
 * @name: what the user calls the hub
 * @uri: the hub's address
 *
 * Creates a favourite that is not stored yet; add it with burrow_favorite_hubs_add().
 *
 * Returns: (transfer full): the favourite
 */
BurrowFavoriteHub *
burrow_favorite_hub_new (const gchar *name,
                         const gchar *uri)
{
  return g_object_new (BURROW_TYPE_FAVORITE_HUB, "name", name, "uri", uri, NULL);
}

gint64
_burrow_favorite_hub_get_id (BurrowFavoriteHub *self)
{
  return self->id;
}

void
_burrow_favorite_hub_set_id (BurrowFavoriteHub *self,
                             gint64             id)
{
  self->id = id;
}

const gchar *
burrow_favorite_hub_get_name (BurrowFavoriteHub *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (self), NULL);
  return self->name;
}

void
burrow_favorite_hub_set_name (BurrowFavoriteHub *self,
                              const gchar       *name)
{
  g_return_if_fail (BURROW_IS_FAVORITE_HUB (self));
  if (set_str (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const gchar *
burrow_favorite_hub_get_uri (BurrowFavoriteHub *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (self), NULL);
  return self->uri;
}

void
burrow_favorite_hub_set_uri (BurrowFavoriteHub *self,
                             const gchar       *uri)
{
  g_return_if_fail (BURROW_IS_FAVORITE_HUB (self));
  if (set_str (&self->uri, uri))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
}

/**
 * burrow_favorite_hub_get_nick:
 *
 * Returns: (nullable): the nick to use on this hub instead of the global one
 */
const gchar *
burrow_favorite_hub_get_nick (BurrowFavoriteHub *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (self), NULL);
  return self->nick;
}

void
burrow_favorite_hub_set_nick (BurrowFavoriteHub *self,
                              const gchar       *nick)
{
  g_return_if_fail (BURROW_IS_FAVORITE_HUB (self));
  if (set_str (&self->nick, nick))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NICK]);
}

/**
 * burrow_favorite_hub_get_password:
 *
 * Returns: (nullable): the password for a registered nick
 */
const gchar *
burrow_favorite_hub_get_password (BurrowFavoriteHub *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (self), NULL);
  return self->password;
}

void
burrow_favorite_hub_set_password (BurrowFavoriteHub *self,
                                  const gchar       *password)
{
  g_return_if_fail (BURROW_IS_FAVORITE_HUB (self));
  if (set_str (&self->password, password))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PASSWORD]);
}

gboolean
burrow_favorite_hub_get_auto_connect (BurrowFavoriteHub *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (self), FALSE);
  return self->auto_connect;
}

void
burrow_favorite_hub_set_auto_connect (BurrowFavoriteHub *self,
                                      gboolean           auto_connect)
{
  g_return_if_fail (BURROW_IS_FAVORITE_HUB (self));
  auto_connect = !!auto_connect;
  if (self->auto_connect == auto_connect)
    return;
  self->auto_connect = auto_connect;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_CONNECT]);
}

/**
 * burrow_favorite_hub_get_encoding:
 *
 * Returns: (nullable): an NMDC hub's charset; %NULL for the default (BURROW_NMDC_DEFAULT_CHARSET)
 */
const gchar *
burrow_favorite_hub_get_encoding (BurrowFavoriteHub *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (self), NULL);
  return self->encoding;
}

/**
 * burrow_favorite_hub_set_encoding:
 * @encoding: (nullable): an iconv charset name, or %NULL (or "") for the default
 *
 * Sets the charset to use on this hub. The name is not checked here: the session checks it when
 * the favourite is connected (burrow_hub_session_set_encoding()).
 */
void
burrow_favorite_hub_set_encoding (BurrowFavoriteHub *self,
                                  const gchar       *encoding)
{
  g_return_if_fail (BURROW_IS_FAVORITE_HUB (self));
  if (set_str (&self->encoding, encoding))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCODING]);
}
