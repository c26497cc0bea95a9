/* burrow-encoding-entry.h — an NMDC hub's charset: a free entry plus a menu of common ones
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_ENCODING_ENTRY (burrow_encoding_entry_get_type ())

G_DECLARE_FINAL_TYPE (BurrowEncodingEntry, burrow_encoding_entry, BURROW, ENCODING_ENTRY, GtkWidget)

GtkWidget *burrow_encoding_entry_new          (void);
char      *burrow_encoding_entry_dup_encoding (BurrowEncodingEntry  *self);
void       burrow_encoding_entry_set_encoding (BurrowEncodingEntry  *self,
                                               const char           *encoding);
gboolean   burrow_encoding_entry_check        (BurrowEncodingEntry  *self,
                                               GError              **error);
GtkEntry  *burrow_encoding_entry_get_entry    (BurrowEncodingEntry  *self);

gboolean   burrow_encoding_check_name         (const char           *encoding,
                                               GError              **error);

G_END_DECLS
