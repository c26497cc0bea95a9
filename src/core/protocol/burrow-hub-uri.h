/* burrow-hub-uri.h — adc://, adcs://, dchub://, nmdc://, nmdcs:// addresses
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-types.h"

G_BEGIN_DECLS

/**
 * BurrowHubProtocol:
 * @BURROW_HUB_PROTOCOL_ADC: `adc://`
 * @BURROW_HUB_PROTOCOL_ADCS: `adcs://` (ADC over TLS)
 * @BURROW_HUB_PROTOCOL_NMDC: `dchub://` or `nmdc://`
 * @BURROW_HUB_PROTOCOL_NMDCS: `nmdcs://` (NMDC over TLS)
 */
typedef enum
{
  BURROW_HUB_PROTOCOL_ADC,
  BURROW_HUB_PROTOCOL_ADCS,
  BURROW_HUB_PROTOCOL_NMDC,
  BURROW_HUB_PROTOCOL_NMDCS,
} BurrowHubProtocol;

#define BURROW_HUB_URI_DEFAULT_ADC_PORT  1511
#define BURROW_HUB_URI_DEFAULT_NMDC_PORT 411

/* Longest URI the parser looks at. */
#define BURROW_HUB_URI_MAX_LENGTH 2048

struct _BurrowHubUri
{
  BurrowHubProtocol  protocol;
  gchar             *host;     /* lower case; IPv6 literals without brackets; IDN as punycode */
  guint16            port;     /* never 0 */
  gchar             *keyprint; /* "SHA256/<52 base32>" or NULL */
};

#define BURROW_TYPE_HUB_URI (burrow_hub_uri_get_type ())

GType         burrow_hub_uri_get_type  (void) G_GNUC_CONST;

BurrowHubUri *burrow_hub_uri_parse     (const gchar        *uri,
                                        GError            **error);
gchar        *burrow_hub_uri_to_string (const BurrowHubUri *uri);
BurrowHubUri *burrow_hub_uri_copy      (const BurrowHubUri *uri);
void          burrow_hub_uri_free      (BurrowHubUri       *uri);
gboolean      burrow_hub_uri_is_tls    (const BurrowHubUri *uri);
gboolean      burrow_hub_uri_is_adc    (const BurrowHubUri *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowHubUri, burrow_hub_uri_free)

G_END_DECLS
