/* burrow-search-result.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-search-result"

#include "config.h"

#include <string.h>

#include "burrow-search-result.h"

/* Immutable once created: all properties are construct-only. */
struct _BurrowSearchResult
{
  GObject   parent_instance;

  gchar    *nick;
  gchar    *hub;
  gchar    *cid;
  gchar    *path;
  gchar    *name;          /* last component of path */
  guint64   size;
  gchar    *tth;
  guint     slots;
  gboolean  is_directory;
};

enum
{
  PROP_0,
  PROP_NICK,
  PROP_HUB,
  PROP_CID,
  PROP_PATH,
  PROP_NAME,
  PROP_SIZE,
  PROP_TTH,
  PROP_SLOTS,
  PROP_IS_DIRECTORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowSearchResult, burrow_search_result, G_TYPE_OBJECT)

static void
burrow_search_result_finalize (GObject *object)
{
  BurrowSearchResult *self = BURROW_SEARCH_RESULT (object);

  g_free (self->nick);
  g_free (self->hub);
  g_free (self->cid);
  g_free (self->path);
  g_free (self->name);
  g_free (self->tth);

  G_OBJECT_CLASS (burrow_search_result_parent_class)->finalize (object);
}

static void
burrow_search_result_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  BurrowSearchResult *self = BURROW_SEARCH_RESULT (object);

  switch (prop_id)
    {
    case PROP_NICK: g_value_set_string (value, self->nick); break;
    case PROP_HUB: g_value_set_string (value, self->hub); break;
    case PROP_CID: g_value_set_string (value, self->cid); break;
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_SIZE: g_value_set_uint64 (value, self->size); break;
    case PROP_TTH: g_value_set_string (value, self->tth); break;
    case PROP_SLOTS: g_value_set_uint (value, self->slots); break;
    case PROP_IS_DIRECTORY: g_value_set_boolean (value, self->is_directory); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_result_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  BurrowSearchResult *self = BURROW_SEARCH_RESULT (object);

  switch (prop_id)
    {
    case PROP_NICK: self->nick = g_value_dup_string (value); break;
    case PROP_HUB: self->hub = g_value_dup_string (value); break;
    case PROP_CID: self->cid = g_value_dup_string (value); break;
    case PROP_PATH: self->path = g_value_dup_string (value); break;
    case PROP_SIZE: self->size = g_value_get_uint64 (value); break;
    case PROP_TTH: self->tth = g_value_dup_string (value); break;
    case PROP_SLOTS: self->slots = g_value_get_uint (value); break;
    case PROP_IS_DIRECTORY: self->is_directory = g_value_get_boolean (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_search_result_constructed (GObject *object)
{
  BurrowSearchResult *self = BURROW_SEARCH_RESULT (object);
  const gchar *path = self->path ? self->path : "";
  gsize len = strlen (path);
  const gchar *start;

  G_OBJECT_CLASS (burrow_search_result_parent_class)->constructed (object);

  /* "/A/b.txt" → "b.txt"; "/A/B/" → "B" */
  if (len > 0 && path[len - 1] == '/')
    len--;
  start = g_strrstr_len (path, (gssize) len, "/");
  start = start ? start + 1 : path;
  self->name = g_strndup (start, len - (gsize) (start - path));
}

static void
burrow_search_result_class_init (BurrowSearchResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = burrow_search_result_finalize;
  object_class->get_property = burrow_search_result_get_property;
  object_class->set_property = burrow_search_result_set_property;
  object_class->constructed = burrow_search_result_constructed;

  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, co);
  /**
   * BurrowSearchResult:hub:
   *
   * The URI of the hub the result came through (or whose user sent it by UDP).
   */
  properties[PROP_HUB] = g_param_spec_string ("hub", NULL, NULL, NULL, co);
  properties[PROP_CID] = g_param_spec_string ("cid", NULL, NULL, NULL, co);
  /**
   * BurrowSearchResult:path:
   *
   * The full ADC path in the user's share; directories end with '/'.
   */
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, co);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, co);
  /**
   * BurrowSearchResult:tth:
   *
   * The file's TTH (39 base32 characters); %NULL for directories.
   */
  properties[PROP_TTH] = g_param_spec_string ("tth", NULL, NULL, NULL, co);
  properties[PROP_SLOTS] = g_param_spec_uint ("slots", NULL, NULL, 0, G_MAXUINT, 0, co);
  properties[PROP_IS_DIRECTORY] = g_param_spec_boolean ("is-directory", NULL, NULL, FALSE, co);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_search_result_init (BurrowSearchResult *self)
{
}

/**
 * burrow_search_result_new:
 * @tth: (nullable): base32 TTH
 *
 * Returns: (transfer full): a result
 */
BurrowSearchResult *
burrow_search_result_new (const gchar *nick,
                          const gchar *hub,
                          const gchar *cid,
                          const gchar *path,
                          guint64      size,
                          const gchar *tth,
                          guint        slots,
                          gboolean     is_directory)
{
  return g_object_new (BURROW_TYPE_SEARCH_RESULT, "nick", nick, "hub", hub, "cid", cid,
                       "path", path, "size", size, "tth", tth, "slots", slots,
                       "is-directory", is_directory, NULL);
}

const gchar *
burrow_search_result_get_nick (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), NULL);
  return self->nick;
}

const gchar *
burrow_search_result_get_hub (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), NULL);
  return self->hub;
}

const gchar *
burrow_search_result_get_cid (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), NULL);
  return self->cid;
}

const gchar *
burrow_search_result_get_path (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), NULL);
  return self->path;
}

const gchar *
burrow_search_result_get_name (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), NULL);
  return self->name;
}

guint64
burrow_search_result_get_size (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), 0);
  return self->size;
}

const gchar *
burrow_search_result_get_tth (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), NULL);
  return self->tth;
}

guint
burrow_search_result_get_slots (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), 0);
  return self->slots;
}

gboolean
burrow_search_result_get_is_directory (BurrowSearchResult *self)
{
  g_return_val_if_fail (BURROW_IS_SEARCH_RESULT (self), FALSE);
  return self->is_directory;
}
