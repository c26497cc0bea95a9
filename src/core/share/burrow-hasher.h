/* burrow-hasher.h — TTH hashing of shared files in worker threads
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-hash-store.h"

G_BEGIN_DECLS

/* Files at least this big are split into block-aligned pieces hashed by
 * several threads at once (property "split-threshold"). */
#define BURROW_HASHER_DEFAULT_SPLIT_THRESHOLD (64 * 1024 * 1024)

#define BURROW_TYPE_HASHER (burrow_hasher_get_type ())

G_DECLARE_FINAL_TYPE (BurrowHasher, burrow_hasher, BURROW, HASHER, GObject)

BurrowHasher    *burrow_hasher_new                  (BurrowHashStore *store);
BurrowHashStore *burrow_hasher_get_store            (BurrowHasher    *self);
void             burrow_hasher_add                  (BurrowHasher    *self,
                                                     const gchar     *path,
                                                     guint64          size,
                                                     gint64           mtime,
                                                     guint64          inode);
gboolean         burrow_hasher_is_queued            (BurrowHasher    *self,
                                                     const gchar     *path);
void             burrow_hasher_set_paused           (BurrowHasher    *self,
                                                     gboolean         paused);
gboolean         burrow_hasher_get_paused           (BurrowHasher    *self);
void             burrow_hasher_cancel_all           (BurrowHasher    *self);
gboolean         burrow_hasher_get_busy             (BurrowHasher    *self);
guint            burrow_hasher_get_threads          (BurrowHasher    *self);
void             burrow_hasher_set_threads          (BurrowHasher    *self,
                                                     guint            threads);
guint64          burrow_hasher_get_split_threshold  (BurrowHasher    *self);
void             burrow_hasher_set_split_threshold  (BurrowHasher    *self,
                                                     guint64          split_threshold);
guint            burrow_hasher_get_streams_per_disk (BurrowHasher    *self);
void             burrow_hasher_set_streams_per_disk (BurrowHasher    *self,
                                                     guint            streams);
guint64          burrow_hasher_get_throttle         (BurrowHasher    *self);
void             burrow_hasher_set_throttle         (BurrowHasher    *self,
                                                     guint64          bytes_per_second);
guint64          burrow_hasher_get_files_total      (BurrowHasher    *self);
guint64          burrow_hasher_get_files_done       (BurrowHasher    *self);
guint64          burrow_hasher_get_bytes_total      (BurrowHasher    *self);
guint64          burrow_hasher_get_bytes_done       (BurrowHasher    *self);
guint64          burrow_hasher_get_rate             (BurrowHasher    *self);
gint64           burrow_hasher_get_eta              (BurrowHasher    *self);
guint64          burrow_hasher_get_n_split          (BurrowHasher    *self);

G_END_DECLS
