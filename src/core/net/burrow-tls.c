/* burrow-tls.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-tls"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <time.h>

#include "burrow-base32.h"
#include "burrow-error.h"

#include "burrow-tls.h"

#define CERT_FILE "certificate.pem"
#define KEY_FILE "private-key.pem"
#define CERT_DAYS 3650

/* AES-GCM first: with AES-NI it is several times faster than ChaCha20, and
 * the peer (or hub) picks from our order when it has no strong preference.
 * TLS 1.2 is the minimum, as in DC++. */
#define BURROW_TLS_PRIORITY \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
  "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AES-256-CBC:+AES-128-CBC:%COMPAT"

/**
 * burrow_tls_init:
 *
 * Sets the cipher priority for GIO's gnutls backend. Call once, early, before
 * any thread exists and before the first TLS connection; an explicit
 * `G_TLS_GNUTLS_PRIORITY` in the environment wins.
 */
void
burrow_tls_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_setenv ("G_TLS_GNUTLS_PRIORITY", BURROW_TLS_PRIORITY, FALSE);
}

gboolean
burrow_tls_is_available (void)
{
  return g_tls_backend_supports_tls (g_tls_backend_get_default ());
}

static gboolean
gnutls_check (gint          rc,
              const gchar  *what,
              GError      **error)
{
  if (rc >= 0)
    return TRUE;
  g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_MISC, _("Cannot create a certificate (%s): %s"),
               what, gnutls_strerror (rc));
  return FALSE;
}

static gboolean
generate (const gchar  *cert_path,
          const gchar  *key_path,
          GError      **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t cert_pem = { NULL, 0 };
  gnutls_datum_t key_pem = { NULL, 0 };
  guint8 serial[16];
  time_t now = time (NULL);
  gboolean ok = FALSE;

  if (!gnutls_check (gnutls_x509_privkey_init (&key), "key", error) ||
      !gnutls_check (gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 2048, 0), "RSA key", error) ||
      !gnutls_check (gnutls_x509_crt_init (&crt), "certificate", error))
    goto out;

  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f; /* positive */
  serial[0] |= 0x01; /* never zero */

  /* The subject carries no identity: KEYP advises against putting the CID in
   * a certificate that travels in the clear during a TLS 1.2 handshake. */
  if (!gnutls_check (gnutls_x509_crt_set_version (crt, 3), "version", error) ||
      !gnutls_check (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error) ||
      !gnutls_check (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                    "Burrow", 6), "name", error) ||
      !gnutls_check (gnutls_x509_crt_set_activation_time (crt, now - 24 * 3600), "start", error) ||
      !gnutls_check (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) CERT_DAYS * 24 * 3600),
                     "expiry", error) ||
      !gnutls_check (gnutls_x509_crt_set_key (crt, key), "key", error) ||
      !gnutls_check (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                                          GNUTLS_KEY_KEY_ENCIPHERMENT), "usage", error) ||
      !gnutls_check (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signing", error) ||
      !gnutls_check (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem), "export", error) ||
      !gnutls_check (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &key_pem), "export", error))
    goto out;

  /* Key first, readable by us only; g_file_set_contents writes atomically. */
  if (!g_file_set_contents_full (key_path, (const gchar *) key_pem.data, key_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) ||
      !g_file_set_contents_full (cert_path, (const gchar *) cert_pem.data, cert_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    goto out;

  ok = TRUE;

out:
  gnutls_free (cert_pem.data);
  gnutls_free (key_pem.data);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  return ok;
}

/**
 * burrow_tls_load_or_create:
 * @dir: the data directory
 *
 * Loads our certificate and key from @dir, creating them on first use.
 *
 * Returns: (transfer full): the certificate (with its private key)
 */
GTlsCertificate *
burrow_tls_load_or_create (const gchar  *dir,
                           GError      **error)
{
  g_autofree gchar *cert_path = g_build_filename (dir, CERT_FILE, NULL);
  g_autofree gchar *key_path = g_build_filename (dir, KEY_FILE, NULL);

  if (!g_file_test (cert_path, G_FILE_TEST_EXISTS) || !g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      g_debug ("creating a new certificate in %s", dir);
      if (!generate (cert_path, key_path, error))
        return NULL;
    }

  return g_tls_certificate_new_from_files (cert_path, key_path, error);
}

/**
 * burrow_tls_certificate_keyprint:
 *
 * Returns: (transfer full): "SHA256/" + base32 of the SHA-256 of the DER certificate
 */
gchar *
burrow_tls_certificate_keyprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gchar b32[BURROW_BASE32_LEN (32) + 1];

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  g_checksum_update (sum, der->data, der->len);
  g_checksum_get_digest (sum, digest, &digest_len);
  burrow_base32_encode_into (digest, digest_len, b32);

  return g_strconcat ("SHA256/", b32, NULL);
}

gboolean
burrow_tls_keyprint_equal (const gchar *a,
                           const gchar *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  return g_ascii_strcasecmp (a, b) == 0;
}
