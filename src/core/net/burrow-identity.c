/* burrow-identity.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-identity"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-cid.h"
#include "burrow-error.h"
#include "burrow-tls.h"

#include "burrow-identity.h"

struct _BurrowIdentity
{
  GObject          parent_instance;

  guint8           pid[BURROW_CID_SIZE];
  gchar            pid_b32[BURROW_BASE32_LEN (BURROW_CID_SIZE) + 1];
  gchar            cid_b32[BURROW_BASE32_LEN (BURROW_CID_SIZE) + 1];
  GTlsCertificate *certificate;  /* owned, NULL when TLS is unavailable */
  gchar           *keyprint;
};

enum {
  PROP_0,
  PROP_CID,
  PROP_KEYPRINT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowIdentity, burrow_identity, G_TYPE_OBJECT)

static void
burrow_identity_finalize (GObject *object)
{
  BurrowIdentity *self = BURROW_IDENTITY (object);

  g_clear_object (&self->certificate);
  g_clear_pointer (&self->keyprint, g_free);

  G_OBJECT_CLASS (burrow_identity_parent_class)->finalize (object);
}

static void
burrow_identity_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BurrowIdentity *self = BURROW_IDENTITY (object);

  switch (prop_id)
    {
    case PROP_CID:
      g_value_set_string (value, self->cid_b32);
      break;
    case PROP_KEYPRINT:
      g_value_set_string (value, self->keyprint);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_identity_class_init (BurrowIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_identity_finalize;
  object_class->get_property = burrow_identity_get_property;

  properties[PROP_CID] =
    g_param_spec_string ("cid", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_KEYPRINT] =
    g_param_spec_string ("keyprint", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
burrow_identity_init (BurrowIdentity *self)
{
}

/**
 * burrow_identity_load:
 * @database: the engine's database (holds the PID)
 * @data_dir: where the certificate lives
 *
 * Loads our identity, creating the PID and certificate on first run. A
 * missing TLS backend is not an error: the identity then has no certificate.
 *
 * Returns: (transfer full): the identity
 */
BurrowIdentity *
burrow_identity_load (BurrowDatabase  *database,
                      const gchar     *data_dir,
                      GError         **error)
{
  g_autoptr(BurrowIdentity) self = g_object_new (BURROW_TYPE_IDENTITY, NULL);
  g_autofree gchar *stored = burrow_database_dup_setting (database, "pid");
  guint8 cid[BURROW_CID_SIZE];

  if (stored == NULL || !burrow_base32_decode (stored, -1, self->pid, sizeof self->pid, NULL))
    {
      g_autofree gchar *text = NULL;

      burrow_pid_generate (self->pid);
      text = burrow_base32_encode (self->pid, sizeof self->pid);
      if (!burrow_database_set_setting (database, "pid", text, error))
        return NULL;
    }

  burrow_base32_encode_into (self->pid, sizeof self->pid, self->pid_b32);
  burrow_cid_from_pid (self->pid, cid);
  burrow_base32_encode_into (cid, sizeof cid, self->cid_b32);

  if (burrow_tls_is_available ())
    {
      self->certificate = burrow_tls_load_or_create (data_dir, error);
      if (self->certificate == NULL)
        return NULL;
      self->keyprint = burrow_tls_certificate_keyprint (self->certificate);
    }

  return g_steal_pointer (&self);
}

const guint8 *
burrow_identity_get_pid_bytes (BurrowIdentity *self)
{
  g_return_val_if_fail (BURROW_IS_IDENTITY (self), NULL);
  return self->pid;
}

const gchar *
burrow_identity_get_pid (BurrowIdentity *self)
{
  g_return_val_if_fail (BURROW_IS_IDENTITY (self), NULL);
  return self->pid_b32;
}

const gchar *
burrow_identity_get_cid (BurrowIdentity *self)
{
  g_return_val_if_fail (BURROW_IS_IDENTITY (self), NULL);
  return self->cid_b32;
}

/**
 * burrow_identity_get_certificate:
 *
 * Returns: (transfer none) (nullable): our certificate with its key
 */
GTlsCertificate *
burrow_identity_get_certificate (BurrowIdentity *self)
{
  g_return_val_if_fail (BURROW_IS_IDENTITY (self), NULL);
  return self->certificate;
}

const gchar *
burrow_identity_get_keyprint (BurrowIdentity *self)
{
  g_return_val_if_fail (BURROW_IS_IDENTITY (self), NULL);
  return self->keyprint;
}
