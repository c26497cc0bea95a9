/* burrow-share-roots.c — the shared folders and their rows in the database
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-share"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "burrow-database.h"
#include "burrow-error.h"
#include "burrow-file-tree-private.h"

#include "burrow-share-private.h"

void
_burrow_share_root_free (gpointer data)
{
  BurrowShareRoot *root = data;

  g_free (root->name);
  g_free (root->path);
  g_free (root);
}

BurrowShareRoot *
_burrow_share_root_new (const gchar *name,
                        const gchar *path)
{
  BurrowShareRoot *root = g_new0 (BurrowShareRoot, 1);

  root->name = g_strdup (name);
  root->path = g_strdup (path);
  return root;
}

BurrowShareRoot *
_burrow_share_find_root (BurrowShare *self,
                         const gchar *name)
{
  for (guint i = 0; i < self->roots->len; i++)
    {
      BurrowShareRoot *root = g_ptr_array_index (self->roots, i);

      if (_burrow_file_name_compare (root->name, name) == 0)
        return root;
    }
  return NULL;
}

gboolean
_burrow_share_load_roots (BurrowShare  *self,
                          GError      **error)
{
  sqlite3 *db = burrow_database_get_handle (self->database);
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (db, "SELECT name, path FROM share_roots ORDER BY rowid", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("reading the shared folders"));
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (self->roots,
                     _burrow_share_root_new ((const gchar *) sqlite3_column_text (stmt, 0),
                                             (const gchar *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("reading the shared folders"));
      return FALSE;
    }
  return TRUE;
}

/* ---- roots ----------------------------------------------------------------------------------- */

/**
 * burrow_share_add_root:
 * @path: a local directory
 * @virtual_name: (nullable): its name in the file list; %NULL for the
 *   directory's own name
 *
 * Shares @path (remembered in the database) and rescans.
 *
 * Returns: %TRUE on success, else %FALSE with @error set:
 *   %BURROW_SHARE_ERROR_NOT_FOUND (not an existing directory),
 *   %BURROW_SHARE_ERROR_BAD_NAME, %BURROW_SHARE_ERROR_DUPLICATE (the name or
 *   the path is shared already), %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_share_add_root (BurrowShare  *self,
                       const gchar  *path,
                       const gchar  *virtual_name,
                       GError      **error)
{
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *base = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gint rc;

  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  canonical = g_canonicalize_filename (path, NULL);
  if (!g_file_test (canonical, G_FILE_TEST_IS_DIR))
    {
      g_autofree gchar *display = g_filename_display_name (canonical);

      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("%s is not a folder"), display);
      return FALSE;
    }
  if (virtual_name == NULL)
    {
      g_autofree gchar *raw = g_path_get_basename (canonical);

      base = g_filename_to_utf8 (raw, -1, NULL, NULL, NULL);
      virtual_name = base;
    }
  if (virtual_name == NULL || !burrow_file_name_is_valid (virtual_name, -1))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME,
                   _("“%s” cannot be the name of a shared folder"),
                   virtual_name && g_utf8_validate (virtual_name, -1, NULL) ? virtual_name : "?");
      return FALSE;
    }
  for (guint i = 0; i < self->roots->len; i++)
    {
      BurrowShareRoot *root = g_ptr_array_index (self->roots, i);

      if (_burrow_file_name_compare (root->name, virtual_name) == 0)
        {
          g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                       _("A shared folder is already called “%s”"), root->name);
          return FALSE;
        }
      if (g_str_equal (root->path, canonical))
        {
          g_autofree gchar *display = g_filename_display_name (canonical);

          g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                       _("%s is already shared as “%s”"), display, root->name);
          return FALSE;
        }
    }

  db = burrow_database_get_handle (self->database);
  if (sqlite3_prepare_v2 (db, "INSERT INTO share_roots (name, path) VALUES (?1, ?2)", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("saving a shared folder"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, virtual_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, canonical, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("saving a shared folder"));
      return FALSE;
    }

  g_ptr_array_add (self->roots, _burrow_share_root_new (virtual_name, canonical));
  _burrow_share_start (self);
  return TRUE;
}

static gboolean
exec_root_statement (BurrowShare  *self,
                     const gchar  *sql,
                     const gchar  *a,
                     const gchar  *b,
                     GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (burrow_database_get_handle (self->database), sql, -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("saving the shared folders"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("saving the shared folders"));
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_share_remove_root:
 * @virtual_name: the root's name (case-insensitive)
 *
 * Stops sharing a root at once (burrow_share_resolve() refuses its files) and
 * rescans; the hashes of its files are dropped by that scan.
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_NOT_FOUND
 *   or %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_share_remove_root (BurrowShare  *self,
                          const gchar  *virtual_name,
                          GError      **error)
{
  BurrowShareRoot *root;

  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  g_return_val_if_fail (virtual_name != NULL, FALSE);

  root = _burrow_share_find_root (self, virtual_name);
  if (root == NULL)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("No shared folder is called “%s”"), virtual_name);
      return FALSE;
    }
  if (!exec_root_statement (self, "DELETE FROM share_roots WHERE name = ?1", root->name, NULL,
                            error))
    return FALSE;
  g_ptr_array_remove (self->roots, root);
  _burrow_share_start (self);
  return TRUE;
}

/**
 * burrow_share_rename_root:
 * @virtual_name: the root's current name (case-insensitive)
 * @new_name: its new name in the file list
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_NOT_FOUND,
 *   %BURROW_SHARE_ERROR_BAD_NAME, %BURROW_SHARE_ERROR_DUPLICATE or
 *   %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_share_rename_root (BurrowShare  *self,
                          const gchar  *virtual_name,
                          const gchar  *new_name,
                          GError      **error)
{
  BurrowShareRoot *root;
  BurrowShareRoot *other;

  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  g_return_val_if_fail (virtual_name != NULL, FALSE);
  g_return_val_if_fail (new_name != NULL, FALSE);

  root = _burrow_share_find_root (self, virtual_name);
  if (root == NULL)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("No shared folder is called “%s”"), virtual_name);
      return FALSE;
    }
  if (!burrow_file_name_is_valid (new_name, -1))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME,
                   _("“%s” cannot be the name of a shared folder"),
                   g_utf8_validate (new_name, -1, NULL) ? new_name : "?");
      return FALSE;
    }
  other = _burrow_share_find_root (self, new_name);
  if (other != NULL && other != root)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                   _("A shared folder is already called “%s”"), other->name);
      return FALSE;
    }
  if (g_str_equal (root->name, new_name))
    return TRUE;
  if (!exec_root_statement (self, "UPDATE share_roots SET name = ?2 WHERE name = ?1", root->name,
                            new_name, error))
    return FALSE;
  g_free (root->name);
  root->name = g_strdup (new_name);
  _burrow_share_start (self);
  return TRUE;
}

/**
 * burrow_share_dup_root_names:
 *
 * Returns: (transfer full): the roots' virtual names, in the order they were added
 */
GStrv
burrow_share_dup_root_names (BurrowShare *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);

  for (guint i = 0; i < self->roots->len; i++)
    g_strv_builder_add (builder, ((BurrowShareRoot *) g_ptr_array_index (self->roots, i))->name);
  return g_strv_builder_end (builder);
}

/**
 * burrow_share_get_root_path:
 * @virtual_name: a root's name (case-insensitive)
 *
 * Returns: (nullable): its local path
 */
const gchar *
burrow_share_get_root_path (BurrowShare *self,
                            const gchar *virtual_name)
{
  BurrowShareRoot *root;

  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  g_return_val_if_fail (virtual_name != NULL, NULL);

  root = _burrow_share_find_root (self, virtual_name);
  return root ? root->path : NULL;
}
