/* burrow-hash-store.h — persistent TTH roots and leaves of shared files (SQLite)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_HASH_STORE (burrow_hash_store_get_type ())

G_DECLARE_FINAL_TYPE (BurrowHashStore, burrow_hash_store, BURROW, HASH_STORE, GObject)

/* Rows written by burrow_hash_store_put() are committed in batches: after this
 * many rows or this many milliseconds, whichever comes first. */
#define BURROW_HASH_STORE_BATCH_ROWS 512
#define BURROW_HASH_STORE_BATCH_MS   250

BurrowHashStore *burrow_hash_store_open               (const gchar      *db_path,
                                                       GError          **error);
const gchar     *burrow_hash_store_get_path           (BurrowHashStore  *self);
gboolean         burrow_hash_store_lookup             (BurrowHashStore  *self,
                                                       const gchar      *path,
                                                       guint64           size,
                                                       gint64            mtime,
                                                       guint8            tth_out[24]);
gboolean         burrow_hash_store_put                (BurrowHashStore  *self,
                                                       const gchar      *path,
                                                       guint64           size,
                                                       gint64            mtime,
                                                       guint64           inode,
                                                       const guint8      tth[24],
                                                       guint64           block_size,
                                                       GBytes           *leaves,
                                                       GError          **error);
gboolean         burrow_hash_store_flush              (BurrowHashStore  *self,
                                                       GError          **error);
BurrowTthTree   *burrow_hash_store_dup_tree           (BurrowHashStore  *self,
                                                       const guint8      tth[24]);
gchar           *burrow_hash_store_dup_path_for_tth   (BurrowHashStore  *self,
                                                       const guint8      tth[24]);
gboolean         burrow_hash_store_remove             (BurrowHashStore  *self,
                                                       const gchar      *path,
                                                       GError          **error);
guint            burrow_hash_store_remove_missing     (BurrowHashStore  *self,
                                                       GHashTable       *keep_paths,
                                                       GError          **error);
guint            burrow_hash_store_get_n_files        (BurrowHashStore  *self);

G_END_DECLS
