/* burrow-search-index.h — answering searches over a file tree: TTH and name-token indexes
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-file-tree.h"
#include "burrow-types.h"

G_BEGIN_DECLS

/**
 * BurrowSearchType:
 * @BURROW_SEARCH_TYPE_ANY: files and directories
 * @BURROW_SEARCH_TYPE_FILE: files only (ADC `TY1`)
 * @BURROW_SEARCH_TYPE_DIRECTORY: directories only (ADC `TY2`)
 */
typedef enum
{
  BURROW_SEARCH_TYPE_ANY,
  BURROW_SEARCH_TYPE_FILE,
  BURROW_SEARCH_TYPE_DIRECTORY,
} BurrowSearchType;

/**
 * BurrowSearchGroup:
 * @BURROW_SEARCH_GROUP_AUDIO: audio extensions (ADC SEGA `GR` bit 1)
 * @BURROW_SEARCH_GROUP_COMPRESSED: archives
 * @BURROW_SEARCH_GROUP_DOCUMENT: documents
 * @BURROW_SEARCH_GROUP_EXECUTABLE: programs and installers
 * @BURROW_SEARCH_GROUP_PICTURE: pictures
 * @BURROW_SEARCH_GROUP_VIDEO: video
 */
typedef enum /*< flags >*/
{
  BURROW_SEARCH_GROUP_AUDIO      = 1 << 0,
  BURROW_SEARCH_GROUP_COMPRESSED = 1 << 1,
  BURROW_SEARCH_GROUP_DOCUMENT   = 1 << 2,
  BURROW_SEARCH_GROUP_EXECUTABLE = 1 << 3,
  BURROW_SEARCH_GROUP_PICTURE    = 1 << 4,
  BURROW_SEARCH_GROUP_VIDEO      = 1 << 5,
} BurrowSearchGroup;

/* Most results per incoming search (ADC RES): by UDP to an active searcher,
 * through the hub to a passive one. */
#define BURROW_SEARCH_MAX_RESULTS_ACTIVE  10
#define BURROW_SEARCH_MAX_RESULTS_PASSIVE 5
/* Most AN/NO/EX/RX terms of one search we look at; more is refused. */
#define BURROW_SEARCH_MAX_TERMS           32
/* Most entries one search looks at. Anyone on a hub may search, and a search
 * that matches almost nothing ("ANshare NOshare", a rare extension alone)
 * would otherwise check every entry of the share, on the main thread; this
 * bounds it to tens of milliseconds. Entries past it are not found. */
#define BURROW_SEARCH_MAX_VISITS          250000

/* A parsed search. Terms are case-folded (burrow_search_fold()). */
typedef struct
{
  GPtrArray        *include;            /* AN: each must be a substring of the path */
  GPtrArray        *exclude;            /* NO: none may be */
  GPtrArray        *extensions;         /* EX: files whose extension is one of these (no dot) */
  GPtrArray        *exclude_extensions; /* RX: never these extensions */
  guint             groups;             /* GR: BurrowSearchGroup bits; 0 = any */
  guint64           min_size;           /* GE (files only); 0 = no limit */
  guint64           max_size;           /* LE (files only); G_MAXUINT64 = no limit */
  BurrowSearchType  type;
  gboolean          has_tth;
  guint8            tth[24];            /* TR, when has_tth */
  gchar            *token;              /* TO, copied into each result; NULL if absent */
} BurrowSearchQuery;

BurrowSearchQuery *burrow_search_query_new           (void);
BurrowSearchQuery *burrow_search_query_new_from_adc  (const BurrowAdcMessage *message,
                                                      GError                **error);
void               burrow_search_query_add_include   (BurrowSearchQuery      *query,
                                                      const gchar            *term);
void               burrow_search_query_add_exclude   (BurrowSearchQuery      *query,
                                                      const gchar            *term);
void               burrow_search_query_add_extension (BurrowSearchQuery      *query,
                                                      const gchar            *extension);
gboolean           burrow_search_query_is_empty      (const BurrowSearchQuery *query);
void               burrow_search_query_free          (BurrowSearchQuery      *query);

gchar             *burrow_search_fold                (const gchar            *text,
                                                      gssize                  len);
guint              burrow_search_groups_of_extension (const gchar            *folded_extension);

typedef struct _BurrowSearchIndex BurrowSearchIndex;

#define BURROW_TYPE_SEARCH_INDEX (burrow_search_index_get_type ())

GType              burrow_search_index_get_type      (void) G_GNUC_CONST;
BurrowSearchIndex *burrow_search_index_new           (BurrowFileTree         *tree);
BurrowSearchIndex *burrow_search_index_ref           (BurrowSearchIndex      *index);
void               burrow_search_index_unref         (BurrowSearchIndex      *index);
BurrowFileTree    *burrow_search_index_get_tree      (BurrowSearchIndex      *index);
guint              burrow_search_index_get_n_tokens  (BurrowSearchIndex      *index);
BurrowFileNode    *burrow_search_index_lookup_tth    (BurrowSearchIndex      *index,
                                                      const guint8           *tth);
guint              burrow_search_index_search        (BurrowSearchIndex      *index,
                                                      const BurrowSearchQuery *query,
                                                      guint                   max_results,
                                                      GPtrArray              *results);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowSearchQuery, burrow_search_query_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowSearchIndex, burrow_search_index_unref)

G_END_DECLS
