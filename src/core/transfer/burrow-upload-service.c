/* burrow-upload-service.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-upload-service"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "burrow-error.h"
#include "burrow-file-list.h"
#include "burrow-hash-store.h"
#include "burrow-tiger.h"
#include "burrow-transfer-enums.h"
#include "burrow-transfer-private.h"
#include "burrow-tth.h"

#include "burrow-upload-service.h"

struct _BurrowUploadService
{
  GObject               parent_instance;

  /* owned */
  BurrowPeerDialer     *dialer;
  BurrowShare          *share;         /* nullable: nothing but the file list is served */
  gchar                *own_id;
  GBytes               *file_list;     /* our files.xml.bz2 */
  guint                 slots;
  guint                 slots_used;
  BurrowPeerSourceFunc  source_override;   /* replaces ours (tests) */
  BurrowPeerSlotFunc    slot_override;
  gpointer              override_data;

  /* upload limits per peer (see BURROW_UPLOAD_* in the header) */
  guint                 upload_idle_ms;
  GHashTable           *up_conns;        /* BurrowPeerConnection (borrowed) → UpConn */
  GHashTable           *up_per_cid;      /* cid → GUINT accepted upload connections */
  GHashTable           *slots_per_cid;   /* cid → GUINT normal slots held */
  GHashTable           *list_buckets;    /* cid → ListBucket */
  GHashTable           *list_cache;      /* "0/1" + identifier → GBytes (a partial list) */
  BurrowFileTree       *list_cache_tree; /* the tree list_cache was made from (a ref) */
  guint64               n_lists_generated;
  guint                 sweep_id;

  /* the transfers of the uploads */
  GHashTable           *uploads;         /* BurrowPeerConnection → Upload */
  guint                 sample_id;
};

/* An upload connection: what it holds and when it last moved. */
typedef struct
{
  BurrowUploadService  *service;
  BurrowPeerConnection *peer;            /* borrowed: removed when it closes */
  gchar                *cid;
  gboolean              refused;         /* over a connection cap: every request gets STA 153 */
  gboolean              slot;            /* holds a normal slot */
  guint64               last_sent;
  gint64                last_progress;   /* monotonic µs */
} UpConn;

typedef struct
{
  gdouble tokens;
  gint64  at;                            /* monotonic µs of the last refill */
} ListBucket;

enum {
  SIGNAL_UPLOAD_STARTED,
  SIGNAL_UPLOAD_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowUploadService, burrow_upload_service, G_TYPE_OBJECT)

static void sampler_ensure (BurrowUploadService *self);

/* --- helpers ------------------------------------------------------------------------------ */

static BurrowPeerSource *
not_available (GError **error)
{
  g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                       _("File not available"));
  return NULL;
}

/* Files up to this size go through a mini-slot, as in DC++. */
#define MINI_SLOT_SIZE (64 * 1024)
/* A connection over a cap waits this long for its first request (to answer it STA 153). */
#define REFUSED_GRACE_MS 2000
/* Set on a connection whose slot we took back when we closed it. */
#define SLOT_RETURNED_KEY "burrow-slot-returned"

static BurrowPeerSource *
slots_full (GError **error)
{
  g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS,
                       _("No free upload slots; waiting"));
  return NULL;
}

static guint
cid_count (GHashTable  *table,
           const gchar *cid)
{
  return cid != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (table, cid)) : 0;
}

static void
cid_count_add (GHashTable  *table,
               const gchar *cid,
               gint         delta)
{
  guint n = cid_count (table, cid);

  if (cid == NULL)
    return;
  if (delta < 0 && n <= (guint) -delta)
    g_hash_table_remove (table, cid);
  else
    g_hash_table_replace (table, g_strdup (cid), GUINT_TO_POINTER ((guint) ((gint) n + delta)));
}

/* --- upload connections: caps and the idle check ------------------------------------------ */

static void
up_conn_free (UpConn *conn)
{
  g_free (conn->cid);
  g_free (conn);
}

static void on_up_conn_closed (BurrowPeerConnection *peer, UpConn *conn);
static void slot_release      (BurrowUploadService *self, UpConn *conn);

/* NULL also once we are disposed (connections may still close after that) */
static UpConn *
up_conn_of (BurrowUploadService   *self,
            BurrowPeerConnection *connection)
{
  return self->up_conns != NULL ? g_hash_table_lookup (self->up_conns, connection) : NULL;
}

/* Forgets @conn: its slot and its place in the per-CID count. */
static void
up_conn_remove (UpConn *conn)
{
  BurrowUploadService *self = conn->service;

  g_signal_handlers_disconnect_by_func (conn->peer, on_up_conn_closed, conn);
  g_hash_table_remove (self->up_conns, conn->peer);
  if (conn->slot)
    {
      slot_release (self, conn);
      g_object_set_data (G_OBJECT (conn->peer), SLOT_RETURNED_KEY, GINT_TO_POINTER (TRUE));
    }
  if (!conn->refused)
    cid_count_add (self->up_per_cid, conn->cid, -1);
  up_conn_free (conn);
}

static void
on_up_conn_closed (BurrowPeerConnection *peer,
                   UpConn               *conn)
{
  BurrowUploadService *self = conn->service;

  up_conn_remove (conn);
  if (g_hash_table_size (self->up_conns) == 0)
    g_clear_handle_id (&self->sweep_id, g_source_remove);
}

static void
up_conns_clear (BurrowUploadService *self)
{
  if (self->up_conns != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->up_conns);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          UpConn *conn = value;

          g_signal_handlers_disconnect_by_func (conn->peer, on_up_conn_closed, conn);
          g_hash_table_iter_remove (&iter);
          up_conn_free (conn);
        }
      g_clear_pointer (&self->up_conns, g_hash_table_unref);
    }
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_pointer (&self->up_per_cid, g_hash_table_unref);
  g_clear_pointer (&self->slots_per_cid, g_hash_table_unref);
  g_clear_pointer (&self->list_buckets, g_hash_table_unref);
}

/* Closes upload connections that made no progress for upload_idle_ms (a peer that stopped
 * reading keeps no slot), and refused ones that linger. */
static gboolean
sweep_cb (gpointer data)
{
  BurrowUploadService *self = data;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->up_conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      UpConn *conn = value;
      guint64 sent = burrow_peer_connection_get_bytes_sent (conn->peer);

      if (sent != conn->last_sent)
        {
          conn->last_sent = sent;
          conn->last_progress = now;
        }
      else if (now - conn->last_progress >= (gint64) (conn->refused ? REFUSED_GRACE_MS
                                                                      : self->upload_idle_ms) * 1000)
        g_ptr_array_add (stale, g_object_ref (conn->peer));
    }

  for (guint i = 0; i < stale->len; i++)
    {
      BurrowPeerConnection *peer = g_ptr_array_index (stale, i);
      UpConn *conn = g_hash_table_lookup (self->up_conns, peer);

      if (conn == NULL)
        continue;
      g_debug ("upload: closing the connection of %s (%s)", conn->cid,
               conn->refused ? "over the connection cap" : "no progress");
      /* closing does not give the slot back: forget the connection first */
      up_conn_remove (conn);
      burrow_peer_connection_close (peer);
    }

  if (g_hash_table_size (self->up_conns) == 0)
    {
      self->sweep_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
sweep_ensure (BurrowUploadService *self)
{
  if (self->sweep_id == 0)
    {
      guint period = CLAMP (self->upload_idle_ms / 4, 50, 1000);

      self->sweep_id = g_timeout_add (period, sweep_cb, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->sweep_id),
                                "[burrow] upload idle check");
    }
}

/* The caps and the idle check of a new upload connection. */
static void
up_conn_add (BurrowUploadService  *self,
             BurrowPeerConnection *peer)
{
  const gchar *peer_cid = burrow_peer_connection_get_peer_cid (peer);
  const gchar *nick = burrow_peer_connection_get_peer_nick (peer);
  /* NMDC peers have no CID: their caps count by nick */
  g_autofree gchar *cid = peer_cid != NULL ? g_strdup (peer_cid)
                        : nick != NULL ? g_strconcat ("nmdc/", nick, NULL) : NULL;
  UpConn *conn;

  if (self->up_conns == NULL || g_hash_table_contains (self->up_conns, peer) || burrow_peer_connection_is_closed (peer))
    return;
  if (g_hash_table_size (self->up_conns) >= 2 * BURROW_UPLOAD_CONNECTIONS_MAX)
    {
      /* refused ones are not even kept */
      g_debug ("upload: too many connections, dropping one from %s", cid);
      burrow_peer_connection_close (peer);
      return;
    }

  conn = g_new0 (UpConn, 1);
  conn->service = self;
  conn->peer = peer;
  conn->cid = g_strdup (cid != NULL ? cid : "");
  conn->last_sent = burrow_peer_connection_get_bytes_sent (peer);
  conn->last_progress = g_get_monotonic_time ();
  if (cid_count (self->up_per_cid, conn->cid) >= BURROW_UPLOAD_CONNECTIONS_PER_USER
      || g_hash_table_size (self->up_conns) >= BURROW_UPLOAD_CONNECTIONS_MAX)
    {
      /* its first request gets STA 153 and the connection closes; the idle check closes it
       * if it asks nothing */
      g_debug ("upload: refusing a connection from %s (connection cap)", conn->cid);
      conn->refused = TRUE;
    }
  else
    cid_count_add (self->up_per_cid, conn->cid, 1);
  g_hash_table_insert (self->up_conns, peer, conn);
  g_signal_connect (peer, "closed", G_CALLBACK (on_up_conn_closed), conn);
  sweep_ensure (self);
}

/* --- partial lists ------------------------------------------------------------------------ */

/* Takes a token from @cid's bucket of list requests; FALSE when it is empty. */
static gboolean
list_bucket_take (BurrowUploadService *self,
                  const gchar         *cid)
{
  gint64 now = g_get_monotonic_time ();
  ListBucket *bucket;

  if (cid == NULL || self->list_buckets == NULL)
    return TRUE;
  bucket = g_hash_table_lookup (self->list_buckets, cid);
  if (bucket == NULL)
    {
      if (g_hash_table_size (self->list_buckets) >= 4 * BURROW_UPLOAD_CONNECTIONS_MAX)
        g_hash_table_remove_all (self->list_buckets);   /* bounded; only resets the budgets */
      bucket = g_new0 (ListBucket, 1);
      bucket->tokens = BURROW_UPLOAD_LIST_BURST;
      bucket->at = now;
      g_hash_table_insert (self->list_buckets, g_strdup (cid), bucket);
    }
  bucket->tokens = MIN ((gdouble) BURROW_UPLOAD_LIST_BURST,
                        bucket->tokens + (gdouble) (now - bucket->at) /
                                         (BURROW_UPLOAD_LIST_REFILL_MS * 1000.0));
  bucket->at = now;
  if (bucket->tokens < 1.0)
    {
      g_debug ("upload: %s asks for partial lists too often; refused", cid);
      return FALSE;
    }
  bucket->tokens -= 1.0;
  return TRUE;
}

/* The partial list of @identifier, generated once per share tree (a bounded cache). */
static GBytes *
partial_list (BurrowUploadService *self,
              BurrowFileTree      *tree,
              const gchar         *identifier,
              gboolean             recursive)
{
  g_autofree gchar *generator = NULL;
  g_autofree gchar *key = g_strconcat (recursive ? "1" : "0", identifier, NULL);
  GBytes *xml;

  if (self->list_cache_tree != tree)
    {
      g_hash_table_remove_all (self->list_cache);
      g_clear_pointer (&self->list_cache_tree, burrow_file_tree_unref);
      self->list_cache_tree = burrow_file_tree_ref (tree);
    }
  xml = g_hash_table_lookup (self->list_cache, key);
  if (xml != NULL)
    return g_bytes_ref (xml);

  generator = g_strdup_printf ("Burrow %s", PACKAGE_VERSION);
  xml = burrow_file_list_generate (tree, self->own_id, generator,
                                   identifier, recursive, NULL);
  if (xml == NULL)
    return NULL;
  self->n_lists_generated++;
  if (g_hash_table_size (self->list_cache) >= BURROW_UPLOAD_LIST_CACHE_MAX)
    g_hash_table_remove_all (self->list_cache);
  g_hash_table_insert (self->list_cache, g_steal_pointer (&key), g_bytes_ref (xml));
  return xml;
}

/* What we hand out for GETs: our file list (full and partial), Tiger tree
 * leaves, and shared files by TTH or share path. Every file is resolved by
 * the share, which only answers for files inside its roots. */
static BurrowPeerSource *
source_func (BurrowPeerConnection  *connection,
             const gchar           *type,
             const gchar           *identifier,
             gboolean               recursive,
             GError               **error,
             gpointer               user_data)
{
  BurrowUploadService *self = user_data;
  BurrowFileTree *tree = self->share ? burrow_share_get_tree (self->share) : NULL;
  UpConn *conn = up_conn_of (self, connection);

  if (conn != NULL)
    {
      /* a request is progress; a connection over a cap gets nothing */
      conn->last_progress = g_get_monotonic_time ();
      if (conn->refused)
        return slots_full (error);
    }

  if (g_str_equal (type, "file") && g_str_equal (identifier, "files.xml.bz2"))
    {
      if (self->file_list == NULL)
        return not_available (error);
      return burrow_peer_source_new_bytes (self->file_list, TRUE);
    }

  if (g_str_equal (type, "list"))
    {
      g_autoptr(GBytes) xml = NULL;

      if (tree == NULL || self->list_cache == NULL)
        return not_available (error);
      if (!list_bucket_take (self, conn != NULL ? conn->cid : NULL))
        return slots_full (error);
      xml = partial_list (self, tree, identifier, recursive);
      if (xml == NULL)
        return not_available (error);
      return burrow_peer_source_new_bytes (xml, TRUE);
    }

  if (g_str_equal (type, "tthl") && g_str_has_prefix (identifier, "TTH/"))
    {
      guint8 root[BURROW_TIGER_SIZE];
      g_autoptr(BurrowTthTree) tth_tree = NULL;

      if (self->share == NULL || !burrow_tth_from_base32 (identifier + 4, root, NULL))
        return not_available (error);
      tth_tree = burrow_hash_store_dup_tree (burrow_share_get_hash_store (self->share), root);
      if (tth_tree == NULL || tth_tree->leaves == NULL)
        return not_available (error);
      return burrow_peer_source_new_bytes (tth_tree->leaves, TRUE);
    }

  if (g_str_equal (type, "file") && self->share != NULL)
    {
      g_autofree gchar *path = burrow_share_resolve (self->share, identifier, NULL);
      BurrowPeerSource *source;
      GStatBuf st;

      if (path == NULL || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        return not_available (error);
      source = burrow_peer_source_new_file (path, (guint64) st.st_size,
                                            (guint64) st.st_size <= MINI_SLOT_SIZE);
      if (g_str_has_prefix (identifier, "TTH/"))
        source->tth = g_strdup (identifier + 4);
      else
        source->virtual_path = g_strdup (identifier);
      return source;
    }

  return not_available (error);
}

static void
slot_release (BurrowUploadService *self,
              UpConn              *conn)
{
  g_return_if_fail (self->slots_used > 0);
  self->slots_used--;
  if (conn != NULL)
    {
      conn->slot = FALSE;
      cid_count_add (self->slots_per_cid, conn->cid, -1);
    }
}

/* Upload slots: a fixed number, at most BURROW_UPLOAD_SLOTS_PER_USER of them for one CID;
 * lists, trees and small files use mini-slots. */
static gboolean
slot_func (BurrowPeerConnection *connection,
           gboolean              acquire,
           gpointer              user_data)
{
  BurrowUploadService *self = user_data;
  UpConn *conn = up_conn_of (self, connection);

  if (!acquire)
    {
      /* a connection closed by the idle check gave its slot back already */
      if (conn != NULL ? conn->slot
                       : g_object_get_data (G_OBJECT (connection), SLOT_RETURNED_KEY) == NULL)
        slot_release (self, conn);
      return TRUE;
    }
  if (self->slots_used >= self->slots)
    return FALSE;
  if (conn != NULL)
    {
      if (conn->slot || cid_count (self->slots_per_cid, conn->cid) >= BURROW_UPLOAD_SLOTS_PER_USER)
        {
          g_debug ("upload: %s already holds its %u slot(s)", conn->cid, BURROW_UPLOAD_SLOTS_PER_USER);
          return FALSE;
        }
      conn->slot = TRUE;
      conn->last_sent = burrow_peer_connection_get_bytes_sent (connection);
      conn->last_progress = g_get_monotonic_time ();
      cid_count_add (self->slots_per_cid, conn->cid, 1);
    }
  self->slots_used++;
  return TRUE;
}

/* --- upload transfers ----------------------------------------------------------------------- */

/* An upload in progress: its transfer follows the connection's byte counter. */
typedef struct
{
  BurrowTransfer     *transfer;
  BurrowPunchAttempt *attempt;
  guint64             sent_at_start;
  guint64             sent_seen;
} Upload;

static void
upload_free (Upload *u)
{
  g_clear_object (&u->transfer);
  g_clear_object (&u->attempt);
  g_free (u);
}

static void
upload_account (Upload               *u,
                BurrowPeerConnection *peer)
{
  guint64 sent = burrow_peer_connection_get_bytes_sent (peer);

  if (u->transfer == NULL)
    return;
  _burrow_transfer_add_bytes (u->transfer, sent - u->sent_seen);
  _burrow_transfer_set_position_quiet (u->transfer, sent - u->sent_at_start);
  u->sent_seen = sent;
}

static void
on_upload_started (BurrowPeerConnection  *peer,
                   const gchar           *type,
                   const gchar           *identifier,
                   guint64                offset,
                   guint64                length,
                   BurrowUploadService   *self)
{
  Upload *u = g_hash_table_lookup (self->uploads, peer);
  const gchar *name = strrchr (identifier, '/');
  g_autofree gchar *shared_name = NULL;

  if (u == NULL)
    return;
  g_clear_object (&u->transfer);
  if (g_str_has_prefix (identifier, "TTH/"))
    {
      /* a request by TTH: show the shared file's name */
      BurrowSearchIndex *index = self->share ? burrow_share_get_search_index (self->share) : NULL;
      guint8 tth[BURROW_TTH_SIZE];
      BurrowFileNode *node = NULL;

      if (index != NULL && burrow_tth_from_base32 (identifier + 4, tth, NULL))
        node = burrow_search_index_lookup_tth (index, tth);
      if (node != NULL)
        shared_name = g_strdup (node->name);
    }
  if (shared_name != NULL)
    name = shared_name;
  else
    name = (name != NULL && name[1] != '\0' && !g_str_has_prefix (identifier, "TTH/")) ? name + 1
                                                                                     : identifier;
  u->transfer = _burrow_transfer_new (BURROW_TRANSFER_DIRECTION_UPLOAD,
                                      u->attempt ? burrow_punch_attempt_get_peer_nick (u->attempt)
                                                 : NULL,
                                      burrow_peer_connection_get_peer_cid (peer),
                                      u->attempt ? burrow_punch_attempt_get_hub (u->attempt) : NULL,
                                      name, length, -1);
  _burrow_transfer_set_method (u->transfer, burrow_peer_connection_get_protocol (peer),
                               u->attempt ? burrow_punch_attempt_get_method (u->attempt)
                                          : BURROW_PUNCH_METHOD_DIRECT,
                               burrow_peer_connection_is_tls (peer));
  _burrow_transfer_set_state (u->transfer, BURROW_TRANSFER_STATE_RUNNING, NULL);
  u->sent_at_start = u->sent_seen = burrow_peer_connection_get_bytes_sent (peer);
  sampler_ensure (self);
  g_signal_emit (self, signals[SIGNAL_UPLOAD_STARTED], 0, u->transfer);
}

static void
on_upload_done (BurrowPeerConnection  *peer,
                gboolean               complete,
                BurrowUploadService   *self)
{
  Upload *u = g_hash_table_lookup (self->uploads, peer);
  g_autoptr(BurrowTransfer) transfer = NULL;

  if (u == NULL || u->transfer == NULL)
    return;
  upload_account (u, peer);
  _burrow_transfer_sample (u->transfer, g_get_monotonic_time ());
  _burrow_transfer_set_state (u->transfer, complete ? BURROW_TRANSFER_STATE_FINISHED
                                                    : BURROW_TRANSFER_STATE_FAILED,
                              complete ? NULL : _("The upload was interrupted"));
  transfer = g_steal_pointer (&u->transfer);
  g_signal_emit (self, signals[SIGNAL_UPLOAD_ENDED], 0, transfer);
}

static void
on_upload_closed (BurrowPeerConnection  *peer,
                  BurrowUploadService   *self)
{
  on_upload_done (peer, FALSE, self);
  g_signal_handlers_disconnect_by_data (peer, self);
  g_hash_table_remove (self->uploads, peer);
}

static void
on_upload_connection (BurrowPeerDialer      *dialer,
                      BurrowPeerConnection  *peer,
                      BurrowPunchAttempt    *attempt,
                      BurrowUploadService   *self)
{
  Upload *u;

  /* what we serve, and under which caps */
  if (self->source_override != NULL)
    burrow_peer_connection_set_source_func (peer, self->source_override, self->slot_override,
                                            self->override_data);
  else
    burrow_peer_connection_set_source_func (peer, source_func, slot_func, self);
  up_conn_add (self, peer);

  /* its transfers, for the list */
  u = g_new0 (Upload, 1);
  u->attempt = attempt ? g_object_ref (attempt) : NULL;
  g_hash_table_insert (self->uploads, g_object_ref (peer), u);
  g_signal_connect (peer, "upload-started", G_CALLBACK (on_upload_started), self);
  g_signal_connect (peer, "upload-done", G_CALLBACK (on_upload_done), self);
  g_signal_connect (peer, "closed", G_CALLBACK (on_upload_closed), self);
}

/* --- sampling ----------------------------------------------------------------------------- */

static gboolean
sample_cb (gpointer data)
{
  BurrowUploadService *self = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer peer, value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, &peer, &value))
    {
      Upload *u = value;

      if (u->transfer == NULL)
        continue;
      upload_account (u, peer);
      _burrow_transfer_sample (u->transfer, now);
      n++;
    }
  if (n == 0)
    {
      self->sample_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
sampler_ensure (BurrowUploadService *self)
{
  if (self->sample_id == 0)
    self->sample_id = g_timeout_add (BURROW_TRANSFER_SAMPLE_MS, sample_cb, self);
}

/* --- object ------------------------------------------------------------------------------- */

static void
on_share_changed (BurrowShare         *share,
                  BurrowUploadService *self)
{
  /* hashes may have been filled in: lists are made anew */
  burrow_upload_service_forget_lists (self);
}

static void
burrow_upload_service_dispose (GObject *object)
{
  BurrowUploadService *self = BURROW_UPLOAD_SERVICE (object);

  if (self->up_conns != NULL)
    {
      GHashTableIter iter;
      gpointer peer;

      /* connections that close after us (with the connector) call nothing of ours */
      g_hash_table_iter_init (&iter, self->up_conns);
      while (g_hash_table_iter_next (&iter, &peer, NULL))
        burrow_peer_connection_set_source_func (peer, NULL, NULL, NULL);
    }
  if (self->uploads != NULL)
    {
      GHashTableIter iter;
      gpointer peer;

      g_hash_table_iter_init (&iter, self->uploads);
      while (g_hash_table_iter_next (&iter, &peer, NULL))
        {
          burrow_peer_connection_set_source_func (peer, NULL, NULL, NULL);
          g_signal_handlers_disconnect_by_data (peer, self);
        }
      g_clear_pointer (&self->uploads, g_hash_table_unref);
    }
  up_conns_clear (self);
  g_clear_handle_id (&self->sample_id, g_source_remove);
  if (self->dialer != NULL)
    g_signal_handlers_disconnect_by_data (self->dialer, self);
  if (self->share != NULL)
    g_signal_handlers_disconnect_by_data (self->share, self);
  g_clear_object (&self->dialer);
  g_clear_object (&self->share);
  g_clear_pointer (&self->list_cache, g_hash_table_unref);
  g_clear_pointer (&self->list_cache_tree, burrow_file_tree_unref);
  g_clear_pointer (&self->file_list, g_bytes_unref);

  G_OBJECT_CLASS (burrow_upload_service_parent_class)->dispose (object);
}

static void
burrow_upload_service_finalize (GObject *object)
{
  BurrowUploadService *self = BURROW_UPLOAD_SERVICE (object);

  g_free (self->own_id);

  G_OBJECT_CLASS (burrow_upload_service_parent_class)->finalize (object);
}

static void
burrow_upload_service_class_init (BurrowUploadServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_upload_service_dispose;
  object_class->finalize = burrow_upload_service_finalize;

  /**
   * BurrowUploadService::upload-started:
   * @transfer: a new upload
   */
  signals[SIGNAL_UPLOAD_STARTED] =
    g_signal_new ("upload-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_TRANSFER);
  /**
   * BurrowUploadService::upload-ended:
   * @transfer: an upload that finished or was interrupted (its state says which)
   */
  signals[SIGNAL_UPLOAD_ENDED] =
    g_signal_new ("upload-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_TRANSFER);
}

static void
burrow_upload_service_init (BurrowUploadService *self)
{
  self->slots = BURROW_UPLOAD_DEFAULT_SLOTS;
  self->upload_idle_ms = BURROW_UPLOAD_IDLE_TIMEOUT_MS;
  self->up_conns = g_hash_table_new (NULL, NULL);
  self->up_per_cid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->slots_per_cid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->list_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->list_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_bytes_unref);
  self->uploads = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) upload_free);
}

/**
 * burrow_upload_service_new:
 * @dialer: its #BurrowPeerDialer::upload-connection are the connections we serve
 * @share: (nullable): what we serve (files by TTH or path, trees, partial lists); %NULL: only
 *   the file list
 * @own_id: our user id (named in the partial lists we generate)
 *
 * Returns: (transfer full): the service; it serves our file list once set
 *   (burrow_upload_service_set_file_list()), and @share's files and trees
 */
BurrowUploadService *
burrow_upload_service_new (BurrowPeerDialer *dialer,
                           BurrowShare      *share,
                           const gchar      *own_id)
{
  BurrowUploadService *self;

  g_return_val_if_fail (BURROW_IS_PEER_DIALER (dialer), NULL);
  g_return_val_if_fail (share == NULL || BURROW_IS_SHARE (share), NULL);
  g_return_val_if_fail (own_id != NULL, NULL);

  self = g_object_new (BURROW_TYPE_UPLOAD_SERVICE, NULL);
  self->dialer = g_object_ref (dialer);
  self->share = share ? g_object_ref (share) : NULL;
  self->own_id = g_strdup (own_id);
  g_signal_connect (dialer, "upload-connection", G_CALLBACK (on_upload_connection), self);
  if (share != NULL)
    g_signal_connect (share, "changed", G_CALLBACK (on_share_changed), self);
  return self;
}

/**
 * burrow_upload_service_set_source_func:
 * @func: (nullable): what to serve instead of the share and the file list (%NULL: ours again)
 * @slot_func: (nullable): hands out the slots then (%NULL: unlimited)
 * @user_data: (nullable): for both; it must outlive the connections served
 *
 * For tests and benchmarks: new upload connections serve through @func; the connection caps
 * and the idle check still apply.
 */
void
burrow_upload_service_set_source_func (BurrowUploadService  *self,
                                       BurrowPeerSourceFunc  func,
                                       BurrowPeerSlotFunc    slot_func,
                                       gpointer              user_data)
{
  g_return_if_fail (BURROW_IS_UPLOAD_SERVICE (self));

  self->source_override = func;
  self->slot_override = func ? slot_func : NULL;
  self->override_data = func ? user_data : NULL;
}

/**
 * burrow_upload_service_set_file_list:
 * @compressed: (nullable): our files.xml.bz2
 */
void
burrow_upload_service_set_file_list (BurrowUploadService *self,
                                     GBytes              *compressed)
{
  g_return_if_fail (BURROW_IS_UPLOAD_SERVICE (self));

  g_clear_pointer (&self->file_list, g_bytes_unref);
  self->file_list = compressed ? g_bytes_ref (compressed) : NULL;
}

/**
 * burrow_upload_service_get_file_list:
 *
 * Returns: (transfer none) (nullable): our files.xml.bz2
 */
GBytes *
burrow_upload_service_get_file_list (BurrowUploadService *self)
{
  g_return_val_if_fail (BURROW_IS_UPLOAD_SERVICE (self), NULL);
  return self->file_list;
}

/**
 * burrow_upload_service_set_slots:
 * @slots: how many uploads may run at once (mini-slots come on top)
 */
void
burrow_upload_service_set_slots (BurrowUploadService *self,
                                 guint                slots)
{
  g_return_if_fail (BURROW_IS_UPLOAD_SERVICE (self));
  self->slots = slots;
}

guint
burrow_upload_service_get_slots (BurrowUploadService *self)
{
  g_return_val_if_fail (BURROW_IS_UPLOAD_SERVICE (self), 0);
  return self->slots;
}

guint
burrow_upload_service_get_slots_used (BurrowUploadService *self)
{
  g_return_val_if_fail (BURROW_IS_UPLOAD_SERVICE (self), 0);
  return self->slots_used;
}

/**
 * burrow_upload_service_set_idle_timeout:
 * @ms: an upload (or upload connection) without progress this long is closed and its slot
 *   freed; %BURROW_UPLOAD_IDLE_TIMEOUT_MS by default
 */
void
burrow_upload_service_set_idle_timeout (BurrowUploadService *self,
                                        guint                ms)
{
  g_return_if_fail (BURROW_IS_UPLOAD_SERVICE (self));
  self->upload_idle_ms = MAX (ms, 1);
  if (self->sweep_id != 0)
    {
      g_clear_handle_id (&self->sweep_id, g_source_remove);
      sweep_ensure (self);
    }
}

/**
 * burrow_upload_service_get_n_connections:
 *
 * Returns: open upload connections (refused ones included until they close)
 */
guint
burrow_upload_service_get_n_connections (BurrowUploadService *self)
{
  g_return_val_if_fail (BURROW_IS_UPLOAD_SERVICE (self), 0);
  return self->up_conns ? g_hash_table_size (self->up_conns) : 0;
}

/**
 * burrow_upload_service_get_n_lists_generated:
 *
 * Returns: partial lists generated so far (requests served from the cache not counted)
 */
guint64
burrow_upload_service_get_n_lists_generated (BurrowUploadService *self)
{
  g_return_val_if_fail (BURROW_IS_UPLOAD_SERVICE (self), 0);
  return self->n_lists_generated;
}

/**
 * burrow_upload_service_forget_lists:
 *
 * Drops the cached partial lists (the share changed: they are made anew).
 */
void
burrow_upload_service_forget_lists (BurrowUploadService *self)
{
  g_return_if_fail (BURROW_IS_UPLOAD_SERVICE (self));

  if (self->list_cache != NULL)
    g_hash_table_remove_all (self->list_cache);
  g_clear_pointer (&self->list_cache_tree, burrow_file_tree_unref);
}
