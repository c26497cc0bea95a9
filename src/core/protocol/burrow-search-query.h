/* burrow-search-query.h — a search and its answer as the protocols carry them
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

/* Most AN/NO/EX/RX terms of one search we look at; more is refused. */
#define BURROW_SEARCH_MAX_TERMS           32
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
  gchar            *udp_host;           /* an active searcher's address for UDP results, */
  guint16           udp_port;           /*   as its hub vouches for it; NULL/0: reply via the hub */
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

/* One answer to a search (ADC RES, NMDC $SR), protocol-neutral. */
typedef struct
{
  gchar    *path;        /* '/'-separated; a directory ends with '/' */
  guint64   size;
  guint     free_slots;
  gboolean  has_tth;
  guint8    tth[24];     /* when has_tth (files only) */
  gchar    *token;       /* the search's token; NULL if it had none */
} BurrowSearchReply;

#define BURROW_TYPE_SEARCH_QUERY (burrow_search_query_get_type ())
GType              burrow_search_query_get_type      (void) G_GNUC_CONST;
BurrowSearchQuery *burrow_search_query_copy          (const BurrowSearchQuery *query);
void               burrow_search_query_to_adc        (const BurrowSearchQuery *query,
                                                      BurrowAdcMessage        *message);

#define BURROW_TYPE_SEARCH_REPLY (burrow_search_reply_get_type ())
GType              burrow_search_reply_get_type      (void) G_GNUC_CONST;
BurrowSearchReply *burrow_search_reply_new           (void);
BurrowSearchReply *burrow_search_reply_copy          (const BurrowSearchReply *reply);
void               burrow_search_reply_free          (BurrowSearchReply      *reply);
BurrowSearchReply *burrow_search_reply_new_from_adc  (const BurrowAdcMessage *message,
                                                      GError                **error);
void               burrow_search_reply_to_adc        (const BurrowSearchReply *reply,
                                                      BurrowAdcMessage        *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowSearchQuery, burrow_search_query_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowSearchReply, burrow_search_reply_free)

G_END_DECLS
