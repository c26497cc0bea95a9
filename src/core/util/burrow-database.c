/* burrow-database.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-database"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-error.h"

#include "burrow-database.h"

struct _BurrowDatabase
{
  GObject  parent_instance;

  sqlite3 *db;
  gchar   *path;
};

G_DEFINE_FINAL_TYPE (BurrowDatabase, burrow_database, G_TYPE_OBJECT)

/* Schema migrations: entry i brings user_version i to i + 1. Append only. */
static const gchar * const migrations[] = {
  "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
  "CREATE TABLE hub_keyprints (address TEXT PRIMARY KEY NOT NULL, keyprint TEXT NOT NULL,"
  "                            first_seen INTEGER NOT NULL);",
  /* BurrowHashStore: one row per hashed file; leaves at block_size (tthl). */
  "CREATE TABLE hashes (path TEXT PRIMARY KEY NOT NULL, size INTEGER NOT NULL,"
  "                     mtime INTEGER NOT NULL, inode INTEGER NOT NULL DEFAULT 0,"
  "                     tth BLOB NOT NULL, block_size INTEGER NOT NULL, leaves BLOB NOT NULL);"
  "CREATE INDEX hashes_tth ON hashes (tth);",
  /* BurrowFavoriteHubs: the saved hubs, in the order they were added. */
  "CREATE TABLE favorite_hubs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, uri TEXT NOT NULL,"
  "                            nick TEXT, password TEXT, auto_connect INTEGER NOT NULL DEFAULT 0);",
  /* BurrowShare: shared folders, their virtual names (top-level directories of our list). */
  "CREATE TABLE share_roots (name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,"
  "                          path TEXT NOT NULL UNIQUE);",
  /* BurrowDownloadQueue: queued files, their sources, tree leaves and verified blocks. */
  "CREATE TABLE download_queue (id INTEGER PRIMARY KEY, target_dir TEXT NOT NULL, name TEXT NOT NULL,"
  "                             size INTEGER NOT NULL, tth TEXT NOT NULL,"
  "                             priority INTEGER NOT NULL DEFAULT 2, state INTEGER NOT NULL DEFAULT 0,"
  "                             error TEXT, added INTEGER NOT NULL, block_size INTEGER NOT NULL DEFAULT 0,"
  "                             leaves BLOB, verified BLOB, final_path TEXT);"
  "CREATE INDEX download_queue_tth ON download_queue (tth);"
  "CREATE TABLE download_sources (item INTEGER NOT NULL REFERENCES download_queue (id) ON DELETE CASCADE,"
  "                               cid TEXT NOT NULL, hub TEXT NOT NULL, nick TEXT,"
  "                               bad INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (item, cid));",
  /* BurrowDownloadQueue: why an item stopped, as a GError (domain quark string + code). */
  "ALTER TABLE download_queue ADD COLUMN error_domain TEXT;"
  "ALTER TABLE download_queue ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;",
  /* BurrowFavoriteHubs: an NMDC hub's charset (NULL: the default). */
  "ALTER TABLE favorite_hubs ADD COLUMN encoding TEXT;",
  /* BurrowPublicHubs: each public hub list as downloaded (raw bytes) and when (Unix time). */
  "CREATE TABLE IF NOT EXISTS hub_list_cache (url TEXT PRIMARY KEY NOT NULL, fetched INTEGER NOT NULL,"
  "                             data BLOB NOT NULL);",
};

static void
burrow_database_finalize (GObject *object)
{
  BurrowDatabase *self = BURROW_DATABASE (object);

  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (burrow_database_parent_class)->finalize (object);
}

static void
burrow_database_class_init (BurrowDatabaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = burrow_database_finalize;
}

static void
burrow_database_init (BurrowDatabase *self)
{
}

/**
 * burrow_database_set_error:
 * @what: what was being done, for the message
 *
 * Sets @error from SQLite's last error on this connection. Full disks and
 * read-only databases keep distinct messages from SQLite.
 */
void
burrow_database_set_error (BurrowDatabase  *self,
                           GError         **error,
                           const gchar     *what)
{
  g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
               _("Database error while %s (%s): %s"), what, self->path,
               sqlite3_errmsg (self->db));
}

gboolean
burrow_database_exec (BurrowDatabase  *self,
                      const gchar     *sql,
                      GError         **error)
{
  gchar *msg = NULL;

  g_return_val_if_fail (BURROW_IS_DATABASE (self), FALSE);

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                   _("Database error (%s): %s"), self->path, msg ? msg : "?");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static gint
get_user_version (BurrowDatabase *self)
{
  sqlite3_stmt *stmt = NULL;
  gint version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
migrate (BurrowDatabase  *self,
         GError         **error)
{
  gint version = get_user_version (self);

  if (version < 0)
    {
      burrow_database_set_error (self, error, _("reading the schema version"));
      return FALSE;
    }
  if ((gsize) version > G_N_ELEMENTS (migrations))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                   _("Database %s was written by a newer Burrow (schema %d)"), self->path, version);
      return FALSE;
    }

  for (gsize i = version; i < G_N_ELEMENTS (migrations); i++)
    {
      g_autofree gchar *sql = g_strdup_printf ("BEGIN IMMEDIATE; %s PRAGMA user_version = %u; COMMIT;",
                                               migrations[i], (guint) i + 1);
      if (!burrow_database_exec (self, sql, error))
        {
          burrow_database_exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * burrow_database_open:
 * @path: file name of the database (created if missing)
 *
 * Opens the database in WAL mode and brings its schema up to date.
 *
 * Returns: (transfer full): the database, or %NULL with @error set
 */
BurrowDatabase *
burrow_database_open (const gchar  *path,
                      GError      **error)
{
  g_autoptr(BurrowDatabase) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (BURROW_TYPE_DATABASE, NULL);
  self->path = g_strdup (path);

  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      if (self->db != NULL)
        burrow_database_set_error (self, error, _("opening"));
      else
        g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                     _("Cannot open database %s"), path);
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 5000);
  /* no checkpoint (and fsync) when closing: the WAL is kept and replayed on the next open.
   * Quitting would otherwise wait for the file system to commit whatever else is being
   * written, such as the tail of a large download (1.1-1.6 s measured). */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  if (!burrow_database_exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                                   "PRAGMA foreign_keys = ON;", error))
    return NULL;
  if (!migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

sqlite3 *
burrow_database_get_handle (BurrowDatabase *self)
{
  g_return_val_if_fail (BURROW_IS_DATABASE (self), NULL);

  return self->db;
}

const gchar *
burrow_database_get_path (BurrowDatabase *self)
{
  g_return_val_if_fail (BURROW_IS_DATABASE (self), NULL);

  return self->path;
}

static gchar *
query_text (BurrowDatabase *self,
            const gchar    *sql,
            const gchar    *arg)
{
  sqlite3_stmt *stmt = NULL;
  gchar *value = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
upsert (BurrowDatabase  *self,
        const gchar     *sql,
        const gchar     *a,
        const gchar     *b,
        gboolean         with_time,
        GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self, error, _("preparing a statement"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  if (with_time)
    sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self, error, _("writing"));
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_database_dup_setting:
 *
 * Returns: (transfer full) (nullable): the stored value of @key
 */
gchar *
burrow_database_dup_setting (BurrowDatabase *self,
                             const gchar    *key)
{
  g_return_val_if_fail (BURROW_IS_DATABASE (self), NULL);

  return query_text (self, "SELECT value FROM settings WHERE key = ?1", key);
}

gboolean
burrow_database_set_setting (BurrowDatabase  *self,
                             const gchar     *key,
                             const gchar     *value,
                             GError         **error)
{
  g_return_val_if_fail (BURROW_IS_DATABASE (self), FALSE);

  return upsert (self, "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 key, value, FALSE, error);
}

/**
 * burrow_database_dup_hub_keyprint:
 * @address: "host:port" of the hub
 *
 * Returns: (transfer full) (nullable): the pinned keyprint (trust on first use)
 */
gchar *
burrow_database_dup_hub_keyprint (BurrowDatabase *self,
                                  const gchar    *address)
{
  g_return_val_if_fail (BURROW_IS_DATABASE (self), NULL);

  return query_text (self, "SELECT keyprint FROM hub_keyprints WHERE address = ?1", address);
}

gboolean
burrow_database_set_hub_keyprint (BurrowDatabase  *self,
                                  const gchar     *address,
                                  const gchar     *keyprint,
                                  GError         **error)
{
  g_return_val_if_fail (BURROW_IS_DATABASE (self), FALSE);

  return upsert (self, "INSERT INTO hub_keyprints (address, keyprint, first_seen) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (address) DO UPDATE SET keyprint = excluded.keyprint, "
                       "first_seen = excluded.first_seen",
                 address, keyprint, TRUE, error);
}
