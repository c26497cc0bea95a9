/* burrow-hub-list-parser.h — public hub lists (hublist.xml, .xml.bz2, .config): bytes in, hubs out
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "burrow-hub-uri.h"

G_BEGIN_DECLS

#define BURROW_HUB_LIST_ERROR (burrow_hub_list_error_quark ())

/**
 * BurrowHubListError:
 * @BURROW_HUB_LIST_ERROR_MALFORMED: not a hub list (bad XML, no `<Hublist>`, no hub line)
 * @BURROW_HUB_LIST_ERROR_BAD_COMPRESSION: corrupt or truncated bzip2 data
 * @BURROW_HUB_LIST_ERROR_TOO_LARGE: over %BURROW_HUB_LIST_MAX_SIZE bytes once decompressed
 * @BURROW_HUB_LIST_ERROR_TOO_MANY_HUBS: more than %BURROW_HUB_LIST_MAX_HUBS hubs
 * @BURROW_HUB_LIST_ERROR_TOO_DEEP: elements nested deeper than %BURROW_HUB_LIST_MAX_DEPTH
 * @BURROW_HUB_LIST_ERROR_FIELD_TOO_LONG: an attribute or `.config` field over
 *   %BURROW_HUB_LIST_MAX_FIELD bytes
 * @BURROW_HUB_LIST_ERROR_BAD_ENCODING: the declared character set is unknown, or the bytes are
 *   not valid in it
 * @BURROW_HUB_LIST_ERROR_INVALID_UTF8: a UTF-8 list with bytes that are not UTF-8
 * @BURROW_HUB_LIST_ERROR_HTTP: the list server answered with an HTTP error status
 * @BURROW_HUB_LIST_ERROR_DOWNLOAD_TOO_LARGE: the download exceeded
 *   %BURROW_HUB_LIST_MAX_DOWNLOAD bytes
 * @BURROW_HUB_LIST_ERROR_NO_LIST: none of the list servers gave a list, and none was cached
 */
typedef enum
{
  BURROW_HUB_LIST_ERROR_MALFORMED,
  BURROW_HUB_LIST_ERROR_BAD_COMPRESSION,
  BURROW_HUB_LIST_ERROR_TOO_LARGE,
  BURROW_HUB_LIST_ERROR_TOO_MANY_HUBS,
  BURROW_HUB_LIST_ERROR_TOO_DEEP,
  BURROW_HUB_LIST_ERROR_FIELD_TOO_LONG,
  BURROW_HUB_LIST_ERROR_BAD_ENCODING,
  BURROW_HUB_LIST_ERROR_INVALID_UTF8,
  BURROW_HUB_LIST_ERROR_HTTP,
  BURROW_HUB_LIST_ERROR_DOWNLOAD_TOO_LARGE,
  BURROW_HUB_LIST_ERROR_NO_LIST,
} BurrowHubListError;

/* The list once decompressed and converted to UTF-8 (a bzip2 bomb stops here). */
#define BURROW_HUB_LIST_MAX_SIZE     (32 * 1024 * 1024)
/* Hubs in one list (the big public lists carry a few thousand). */
#define BURROW_HUB_LIST_MAX_HUBS     100000
/* Element nesting: Hublist > Hubs > Hub is 3, Columns > Column 4. */
#define BURROW_HUB_LIST_MAX_DEPTH    8
/* One attribute value or one `.config` field, in bytes. */
#define BURROW_HUB_LIST_MAX_FIELD    4096
/* What a list server may send before we stop reading (the compressed download). */
#define BURROW_HUB_LIST_MAX_DOWNLOAD (16 * 1024 * 1024)

typedef struct
{
  gchar             *name;
  gchar             *address;      /* canonical hub URI, with ?kp= when the list gives one */
  BurrowHubProtocol  protocol;
  gchar             *description;
  gchar             *country;
  gchar             *encoding;     /* the hub's NMDC charset as the list gives it, or NULL */
  gchar             *software;
  gchar             *rating;
  guint              users;
  guint64            shared;       /* bytes */
  guint64            min_share;    /* bytes */
  guint              min_slots;
  guint              max_hubs;
  guint              max_users;
  gdouble            reliability;  /* percent, 0 when not given */
} BurrowHubListEntry;

GQuark              burrow_hub_list_error_quark  (void);

GPtrArray          *burrow_hub_list_parse        (const guint8 *data,
                                                  gsize         length,
                                                  guint        *n_skipped,
                                                  GError      **error);
void                burrow_hub_list_entry_free   (BurrowHubListEntry *entry);
gchar              *burrow_hub_list_normalize_address (const gchar *address,
                                                       GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowHubListEntry, burrow_hub_list_entry_free)

G_END_DECLS
