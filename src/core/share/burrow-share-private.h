/* burrow-share-private.h — the share's instance struct and what its three files share
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "burrow-share.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *name;   /* virtual name, top-level directory of the list */
  gchar *path;   /* absolute local path, as added */
} BurrowShareRoot;

typedef struct
{
  guint64  size;
  gint64   mtime;
  GError  *error;
} BurrowShareFailed;

typedef struct
{
  gchar   *path;
  guint64  size;
  gint64   mtime;
  guint64  inode;
} BurrowShareHashItem;

struct _BurrowShare
{
  GObject             parent_instance;

  /* owned */
  BurrowDatabase     *database;
  BurrowHashStore    *store;
  BurrowHasher       *hasher;
  GCancellable       *cancellable;
  GPtrArray          *roots;        /* BurrowShareRoot */
  BurrowFileTree     *tree;
  BurrowSearchIndex  *index;
  GPtrArray          *problems;     /* BurrowShareProblem */
  GHashTable         *failed;       /* path → BurrowShareFailed */
  GHashTable         *queued;       /* path → BurrowShareHashItem (on the hasher) */
  GHashTable         *recent;       /* path → BurrowShareHashItem hashed while a scan ran
                                     * (inode = scan seq) */
  GHashTable         *monitors;     /* directory path → GFileMonitor */
  GBytes             *file_list;    /* our files.xml.bz2, as published */
  gchar              *list_path;
  gchar              *cid;          /* ours, for the list's CID attribute */

  guint64             digest;
  gboolean            has_digest;
  gboolean            started;
  gboolean            scanning;
  gboolean            scan_pending;
  gboolean            scan_pending_queue;
  gboolean            busy;
  guint               debounce_id;
  gint64              debounce_first;
  guint               periodic_id;
  guint               rescan_interval;
  guint               scan_seq;     /* scans started */
  guint               n_scans;
  guint               n_queued;
  gint64              last_scan_us;
};


/* burrow-share.c */
void             _burrow_share_update_busy       (BurrowShare              *self);
void             _burrow_share_set_scanning      (BurrowShare              *self,
                                                  gboolean                  scanning);
void             _burrow_share_publish           (BurrowShare              *self,
                                                  BurrowFileTree           *tree,
                                                  BurrowSearchIndex        *index,
                                                  GBytes                   *list,
                                                  const GError             *list_error,
                                                  guint64                   digest);
void             _burrow_share_emit_problem      (BurrowShare              *self,
                                                  const BurrowShareProblem *problem);

/* burrow-share-scan.c */
void             _burrow_share_failed_free       (gpointer                  data);
void             _burrow_share_hash_item_free    (gpointer                  data);
void             _burrow_share_watch_hasher      (BurrowShare              *self);
void             _burrow_share_start             (BurrowShare              *self);
void             _burrow_share_restart_periodic  (BurrowShare              *self);

/* burrow-share-roots.c */
BurrowShareRoot *_burrow_share_root_new          (const gchar              *name,
                                                  const gchar              *path);
void             _burrow_share_root_free         (gpointer                  data);
BurrowShareRoot *_burrow_share_find_root         (BurrowShare              *self,
                                                  const gchar              *name);
gboolean         _burrow_share_load_roots        (BurrowShare              *self,
                                                  GError                  **error);

G_END_DECLS
