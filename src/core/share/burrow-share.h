/* burrow-share.h — what we share: roots, scanning, hashing, our file list and search index
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-database.h"
#include "burrow-file-tree.h"
#include "burrow-hash-store.h"
#include "burrow-hasher.h"
#include "burrow-search-index.h"

G_BEGIN_DECLS

/* After a change seen by a directory monitor, rescan this long after the last
 * event, but at most BURROW_SHARE_DEBOUNCE_MAX_MS after the first. */
#define BURROW_SHARE_DEBOUNCE_MS           1000
#define BURROW_SHARE_DEBOUNCE_MAX_MS       10000
/* Default of the "rescan-interval" property (seconds; 0 = never). */
#define BURROW_SHARE_RESCAN_INTERVAL_S     (5 * 60)
/* Directories watched with a GFileMonitor (one inotify watch each); changes
 * deeper than this are found by the periodic rescan. */
#define BURROW_SHARE_MAX_MONITORED_DIRS    4096
/* Directory entries one scan looks at before it stops with a problem. */
#define BURROW_SHARE_MAX_ENTRIES           5000000

/**
 * BurrowShareProblem:
 * @path: the local path (display form)
 * @error: why it is not shared
 *
 * A file or directory below a root that the scan skipped.
 */
typedef struct
{
  gchar  *path;
  GError *error;
} BurrowShareProblem;

#define BURROW_TYPE_SHARE_PROBLEM (burrow_share_problem_get_type ())
GType               burrow_share_problem_get_type  (void) G_GNUC_CONST;
BurrowShareProblem *burrow_share_problem_copy      (const BurrowShareProblem *problem);
void                burrow_share_problem_free      (BurrowShareProblem       *problem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowShareProblem, burrow_share_problem_free)

#define BURROW_TYPE_SHARE (burrow_share_get_type ())

G_DECLARE_FINAL_TYPE (BurrowShare, burrow_share, BURROW, SHARE, GObject)

BurrowShare       *burrow_share_new                 (BurrowDatabase  *database,
                                                     const gchar     *data_dir,
                                                     const gchar     *cid,
                                                     GError         **error);

gboolean           burrow_share_add_root            (BurrowShare   *self,
                                                     const gchar   *path,
                                                     const gchar   *virtual_name,
                                                     GError       **error);
gboolean           burrow_share_remove_root         (BurrowShare   *self,
                                                     const gchar   *virtual_name,
                                                     GError       **error);
gboolean           burrow_share_rename_root         (BurrowShare   *self,
                                                     const gchar   *virtual_name,
                                                     const gchar   *new_name,
                                                     GError       **error);
GStrv              burrow_share_dup_root_names      (BurrowShare   *self);
const gchar       *burrow_share_get_root_path       (BurrowShare   *self,
                                                     const gchar   *virtual_name);

void               burrow_share_refresh             (BurrowShare   *self);

BurrowFileTree    *burrow_share_get_tree            (BurrowShare   *self);
GBytes            *burrow_share_get_file_list       (BurrowShare   *self);
BurrowSearchIndex *burrow_share_get_search_index    (BurrowShare   *self);
guint              burrow_share_get_n_files         (BurrowShare   *self);
guint64            burrow_share_get_total_size      (BurrowShare   *self);
gboolean           burrow_share_get_scanning        (BurrowShare   *self);
gboolean           burrow_share_get_busy            (BurrowShare   *self);
BurrowHasher      *burrow_share_get_hasher          (BurrowShare   *self);
BurrowHashStore   *burrow_share_get_hash_store      (BurrowShare   *self);
GPtrArray         *burrow_share_dup_problems        (BurrowShare   *self);
guint              burrow_share_get_rescan_interval (BurrowShare   *self);
void               burrow_share_set_rescan_interval (BurrowShare   *self,
                                                     guint          seconds);
guint              burrow_share_get_n_scans         (BurrowShare   *self);
guint              burrow_share_get_n_queued        (BurrowShare   *self);
gint64             burrow_share_get_last_scan_us    (BurrowShare   *self);

gchar             *burrow_share_resolve             (BurrowShare   *self,
                                                     const gchar   *adc_path_or_tth,
                                                     GError       **error);

G_END_DECLS
