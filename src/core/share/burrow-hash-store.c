/* burrow-hash-store.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hash-store"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "burrow-database.h"
#include "burrow-error.h"
#include "burrow-tth.h"

#include "burrow-hash-store.h"

/*
 * The store keeps one row per completely hashed file in the `hashes` table of
 * the engine database (schema in burrow-database.c). It has its own SQLite
 * connection, guarded by a mutex, so the hasher's worker threads can write
 * while the main thread looks things up.
 *
 * Writes are batched: burrow_hash_store_put() opens a transaction (if none is
 * open) and commits it after BURROW_HASH_STORE_BATCH_ROWS rows or
 * BURROW_HASH_STORE_BATCH_MS milliseconds; a small flusher thread commits the
 * tail of a batch, so no main loop is needed and none is blocked by an fsync.
 * Other connections to the database (BurrowDatabase) wait for the batch at
 * most that long, through their busy timeout.
 * The database is in WAL mode, so a crash (kill -9, power loss with
 * synchronous = NORMAL) never corrupts it: it can only lose the rows of the
 * last uncommitted batch, whose files are simply hashed again.
 *
 * Only complete files are stored: a file whose hashing was interrupted has no
 * row, so the next share scan queues it again ("resume" = hash it again).
 */

struct _BurrowHashStore
{
  GObject       parent_instance;

  gchar        *path;
  GThread      *flusher;          /* owned; started with the first batch */

  GMutex        lock;             /* guards everything below */
  GCond         cond;             /* a batch began, or quit */
  gboolean      quit;
  sqlite3      *db;
  sqlite3_stmt *stmt_lookup;
  sqlite3_stmt *stmt_put;
  gboolean      in_txn;
  guint         txn_rows;
  gint64        txn_started;      /* monotonic µs */
};

G_DEFINE_FINAL_TYPE (BurrowHashStore, burrow_hash_store, G_TYPE_OBJECT)

static void
set_db_error (BurrowHashStore  *self,
              GError          **error,
              const gchar      *what)
{
  g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
               _("Database error while %s (%s): %s"), what, self->path,
               sqlite3_errmsg (self->db));
}

static gboolean
exec_locked (BurrowHashStore  *self,
             const gchar      *sql,
             GError          **error)
{
  gchar *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                   _("Database error (%s): %s"), self->path, msg ? msg : "?");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static gboolean
commit_locked (BurrowHashStore  *self,
               GError          **error)
{
  if (!self->in_txn)
    return TRUE;

  self->in_txn = FALSE;
  self->txn_rows = 0;
  if (!exec_locked (self, "COMMIT", error))
    {
      if (!sqlite3_get_autocommit (self->db))
        exec_locked (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

/* Commits each batch when it is BURROW_HASH_STORE_BATCH_MS old. */
static gpointer
flusher_main (gpointer data)
{
  BurrowHashStore *self = data;

  g_mutex_lock (&self->lock);
  while (!self->quit)
    {
      if (!self->in_txn)
        g_cond_wait (&self->cond, &self->lock);
      else
        {
          gint64 due = self->txn_started + BURROW_HASH_STORE_BATCH_MS * 1000;
          g_autoptr(GError) error = NULL;

          if (g_get_monotonic_time () < due)
            g_cond_wait_until (&self->cond, &self->lock, due);
          else if (!commit_locked (self, &error))
            g_debug ("%s", error->message);
        }
    }
  g_mutex_unlock (&self->lock);

  return NULL;
}

static gboolean
begin_locked (BurrowHashStore  *self,
              GError          **error)
{
  if (self->in_txn)
    return TRUE;

  if (!exec_locked (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  self->in_txn = TRUE;
  self->txn_rows = 0;
  self->txn_started = g_get_monotonic_time ();

  if (self->flusher == NULL)
    self->flusher = g_thread_new ("burrow-hash-flush", flusher_main, self);
  g_cond_signal (&self->cond);
  return TRUE;
}

/* Commits the batch when it is big or old enough. */
static gboolean
row_written_locked (BurrowHashStore  *self,
                    GError          **error)
{
  self->txn_rows++;
  if (self->txn_rows >= BURROW_HASH_STORE_BATCH_ROWS
      || g_get_monotonic_time () - self->txn_started >= BURROW_HASH_STORE_BATCH_MS * 1000)
    return commit_locked (self, error);
  return TRUE;
}

static void
burrow_hash_store_dispose (GObject *object)
{
  BurrowHashStore *self = BURROW_HASH_STORE (object);
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  if (self->flusher != NULL)
    g_thread_join (g_steal_pointer (&self->flusher));

  g_mutex_lock (&self->lock);
  if (self->db != NULL && !commit_locked (self, &error))
    g_debug ("%s", error->message);
  g_mutex_unlock (&self->lock);

  G_OBJECT_CLASS (burrow_hash_store_parent_class)->dispose (object);
}

static void
burrow_hash_store_finalize (GObject *object)
{
  BurrowHashStore *self = BURROW_HASH_STORE (object);

  g_clear_pointer (&self->stmt_lookup, sqlite3_finalize);
  g_clear_pointer (&self->stmt_put, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (burrow_hash_store_parent_class)->finalize (object);
}

static void
burrow_hash_store_class_init (BurrowHashStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_hash_store_dispose;
  object_class->finalize = burrow_hash_store_finalize;
}

static void
burrow_hash_store_init (BurrowHashStore *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

/**
 * burrow_hash_store_open:
 * @db_path: the engine database (`<data dir>/burrow.db`), created if missing
 *
 * Opens the hash store on its own connection to the engine database (WAL
 * mode). The schema is migrated through burrow_database_open() first, so it
 * does not matter whether the engine's #BurrowDatabase or the store opens the
 * file first.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 *   (%BURROW_SHARE_ERROR_DATABASE)
 */
BurrowHashStore *
burrow_hash_store_open (const gchar  *db_path,
                        GError      **error)
{
  g_autoptr(BurrowHashStore) self = NULL;
  g_autoptr(BurrowDatabase) migrated = NULL;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  migrated = burrow_database_open (db_path, error);
  if (migrated == NULL)
    return NULL;
  g_clear_object (&migrated);

  self = g_object_new (BURROW_TYPE_HASH_STORE, NULL);
  self->path = g_strdup (db_path);

  if (sqlite3_open_v2 (db_path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      if (self->db != NULL)
        set_db_error (self, error, _("opening"));
      else
        g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                     _("Cannot open database %s"), db_path);
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 5000);
  /* no checkpoint (and fsync) when closing: the WAL is kept and replayed on the next open.
   * Quitting would otherwise wait for the file system to commit whatever else is being
   * written, such as the tail of a large download (1.1-1.6 s measured). */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  if (!exec_locked (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", error))
    return NULL;

  if (sqlite3_prepare_v3 (self->db,
                          "SELECT tth FROM hashes WHERE path = ?1 AND size = ?2 AND mtime = ?3",
                          -1, SQLITE_PREPARE_PERSISTENT, &self->stmt_lookup, NULL) != SQLITE_OK
      || sqlite3_prepare_v3 (self->db,
                             "INSERT OR REPLACE INTO hashes "
                             "(path, size, mtime, inode, tth, block_size, leaves) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             -1, SQLITE_PREPARE_PERSISTENT, &self->stmt_put, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("preparing a statement"));
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * burrow_hash_store_get_path:
 *
 * Returns: the database file name
 */
const gchar *
burrow_hash_store_get_path (BurrowHashStore *self)
{
  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), NULL);

  return self->path;
}

/**
 * burrow_hash_store_lookup:
 * @path: the file's local path
 * @size: its current size
 * @mtime: its current modification time (seconds since the epoch)
 * @tth_out: (out caller-allocates) (optional): the stored TTH
 *
 * Thread-safe.
 *
 * Returns: %TRUE if @path is stored with exactly this @size and @mtime
 */
gboolean
burrow_hash_store_lookup (BurrowHashStore *self,
                          const gchar     *path,
                          guint64          size,
                          gint64           mtime,
                          guint8           tth_out[24])
{
  gboolean found = FALSE;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_mutex_lock (&self->lock);
  sqlite3_bind_text (self->stmt_lookup, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (self->stmt_lookup, 2, (sqlite3_int64) size);
  sqlite3_bind_int64 (self->stmt_lookup, 3, mtime);
  if (sqlite3_step (self->stmt_lookup) == SQLITE_ROW
      && sqlite3_column_bytes (self->stmt_lookup, 0) == BURROW_TTH_SIZE)
    {
      if (tth_out != NULL)
        memcpy (tth_out, sqlite3_column_blob (self->stmt_lookup, 0), BURROW_TTH_SIZE);
      found = TRUE;
    }
  sqlite3_reset (self->stmt_lookup);
  sqlite3_clear_bindings (self->stmt_lookup);
  g_mutex_unlock (&self->lock);

  return found;
}

/**
 * burrow_hash_store_put:
 * @path: the file's local path
 * @size: the size it had while hashed
 * @mtime: the modification time it had while hashed (seconds since the epoch)
 * @inode: its inode number (informational), or 0
 * @tth: its TTH root
 * @block_size: bytes covered by one leaf of @leaves
 *   (burrow_tth_choose_block_size() of @size)
 * @leaves: the tree nodes at @block_size, 24 bytes each, in file order
 *
 * Stores (or replaces) the hash of a completely hashed file. The row is
 * committed with its batch, within BURROW_HASH_STORE_BATCH_MS milliseconds, or
 * by burrow_hash_store_flush(). Thread-safe.
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_hash_store_put (BurrowHashStore  *self,
                       const gchar      *path,
                       guint64           size,
                       gint64            mtime,
                       guint64           inode,
                       const guint8      tth[24],
                       guint64           block_size,
                       GBytes           *leaves,
                       GError          **error)
{
  const void *leaf_data;
  gsize leaf_len;
  gboolean ok;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (tth != NULL, FALSE);
  g_return_val_if_fail (leaves != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  leaf_data = g_bytes_get_data (leaves, &leaf_len);
  if (leaf_len == 0 || leaf_len % BURROW_TTH_SIZE != 0)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_TTH,
                   _("Tiger tree data of %zu bytes is not a whole number of leaves"), leaf_len);
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  ok = begin_locked (self, error);
  if (ok)
    {
      sqlite3_stmt *stmt = self->stmt_put;

      sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) size);
      sqlite3_bind_int64 (stmt, 3, mtime);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) inode);
      sqlite3_bind_blob (stmt, 5, tth, BURROW_TTH_SIZE, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, (sqlite3_int64) block_size);
      sqlite3_bind_blob (stmt, 7, leaf_data, (int) leaf_len, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          set_db_error (self, error, _("writing"));
          ok = FALSE;
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  if (ok)
    ok = row_written_locked (self, error);
  g_mutex_unlock (&self->lock);

  return ok;
}

/**
 * burrow_hash_store_flush:
 *
 * Commits the rows written so far. Thread-safe; may block on the disk, so
 * call it from a worker thread (or at shutdown).
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_hash_store_flush (BurrowHashStore  *self,
                         GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), FALSE);

  g_mutex_lock (&self->lock);
  ok = commit_locked (self, error);
  g_mutex_unlock (&self->lock);

  return ok;
}

/**
 * burrow_hash_store_dup_tree:
 * @tth: a TTH root
 *
 * Returns the stored tree of a file with this root, for `tthl`. The leaves are
 * checked against the root, so a damaged row gives %NULL.
 *
 * Returns: (transfer full) (nullable): the tree, or %NULL if unknown
 */
BurrowTthTree *
burrow_hash_store_dup_tree (BurrowHashStore *self,
                            const guint8     tth[24])
{
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GBytes) leaves = NULL;
  guint64 size = 0;
  g_autoptr(GError) error = NULL;
  BurrowTthTree *tree;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), NULL);
  g_return_val_if_fail (tth != NULL, NULL);

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db, "SELECT size, leaves FROM hashes WHERE tth = ?1 LIMIT 1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_blob (stmt, 1, tth, BURROW_TTH_SIZE, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          size = (guint64) sqlite3_column_int64 (stmt, 0);
          leaves = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
        }
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);

  if (leaves == NULL)
    return NULL;

  tree = burrow_tth_tree_new_from_leaves (size, tth, leaves, &error);
  if (tree == NULL)
    g_debug ("stored tree of size %" G_GUINT64_FORMAT " is damaged: %s", size, error->message);
  return tree;
}

/**
 * burrow_hash_store_dup_path_for_tth:
 * @tth: a TTH root
 *
 * Returns: (transfer full) (nullable): the path of a stored file with this
 *   root, or %NULL
 */
gchar *
burrow_hash_store_dup_path_for_tth (BurrowHashStore *self,
                                    const guint8     tth[24])
{
  sqlite3_stmt *stmt = NULL;
  gchar *path = NULL;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), NULL);
  g_return_val_if_fail (tth != NULL, NULL);

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db, "SELECT path FROM hashes WHERE tth = ?1 LIMIT 1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_blob (stmt, 1, tth, BURROW_TTH_SIZE, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        path = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);

  return path;
}

static gboolean
delete_paths_locked (BurrowHashStore  *self,
                     GPtrArray        *paths,
                     GError          **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;

  if (paths->len == 0)
    return TRUE;

  if (!begin_locked (self, error))
    return FALSE;
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM hashes WHERE path = ?1", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("preparing a statement"));
      ok = FALSE;
    }
  for (guint i = 0; ok && i < paths->len; i++)
    {
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (paths, i), -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          set_db_error (self, error, _("deleting"));
          ok = FALSE;
        }
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  if (ok)
    return commit_locked (self, error);

  /* Leave the rows of other writers in the batch alone: commit them. */
  commit_locked (self, NULL);
  return FALSE;
}

/**
 * burrow_hash_store_remove:
 * @path: a local path
 *
 * Forgets the hash of @path (if any) and commits.
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_hash_store_remove (BurrowHashStore  *self,
                          const gchar      *path,
                          GError          **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  gboolean ok;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_ptr_array_add (paths, (gpointer) path);
  g_mutex_lock (&self->lock);
  ok = delete_paths_locked (self, paths, error);
  g_mutex_unlock (&self->lock);

  return ok;
}

/**
 * burrow_hash_store_remove_missing:
 * @keep_paths: (element-type utf8 utf8): a set of the local paths still shared
 *   (only the keys are used; made with g_str_hash() and g_str_equal())
 *
 * Drops the rows of every file not in @keep_paths and commits.
 *
 * Returns: the number of rows dropped; 0 with @error set on failure
 */
guint
burrow_hash_store_remove_missing (BurrowHashStore  *self,
                                  GHashTable       *keep_paths,
                                  GError          **error)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  gint rc;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), 0);
  g_return_val_if_fail (keep_paths != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db, "SELECT path FROM hashes", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("reading"));
      ok = FALSE;
    }
  while (ok && (rc = sqlite3_step (stmt)) != SQLITE_DONE)
    {
      const gchar *path = (const gchar *) sqlite3_column_text (stmt, 0);

      if (rc != SQLITE_ROW)
        {
          set_db_error (self, error, _("reading"));
          ok = FALSE;
        }
      else if (path != NULL && !g_hash_table_contains (keep_paths, path))
        g_ptr_array_add (gone, g_strdup (path));
    }
  sqlite3_finalize (stmt);
  if (ok)
    ok = delete_paths_locked (self, gone, error);
  g_mutex_unlock (&self->lock);

  return ok ? gone->len : 0;
}

/**
 * burrow_hash_store_get_n_files:
 *
 * Returns: the number of stored files (including the uncommitted batch)
 */
guint
burrow_hash_store_get_n_files (BurrowHashStore *self)
{
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_return_val_if_fail (BURROW_IS_HASH_STORE (self), 0);

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM hashes", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);

  return n;
}
