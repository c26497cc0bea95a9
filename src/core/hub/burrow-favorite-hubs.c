/* burrow-favorite-hubs.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-favorite-hubs"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-error.h"
#include "burrow-favorite-hub-private.h"
#include "burrow-hub-uri.h"

#include "burrow-favorite-hubs.h"

/* Rows of the favorite_hubs table (burrow-database.c), kept in id order. Every property change
 * of a stored hub is written at once: the UI binds switches and entries straight to them. */
struct _BurrowFavoriteHubs
{
  GObject         parent_instance;

  /* owned */
  BurrowDatabase *database;
  GPtrArray      *hubs;      /* BurrowFavoriteHub */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowFavoriteHubs, burrow_favorite_hubs, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return BURROW_TYPE_FAVORITE_HUB;
}

static guint
get_n_items (GListModel *model)
{
  return BURROW_FAVORITE_HUBS (model)->hubs->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BurrowFavoriteHubs *self = BURROW_FAVORITE_HUBS (model);

  if (position >= self->hubs->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->hubs, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void on_hub_notify_cb (BurrowFavoriteHub  *hub,
                              GParamSpec         *pspec,
                              BurrowFavoriteHubs *self);

static void
burrow_favorite_hubs_dispose (GObject *object)
{
  BurrowFavoriteHubs *self = BURROW_FAVORITE_HUBS (object);

  if (self->hubs != NULL)
    for (guint i = 0; i < self->hubs->len; i++)
      g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->hubs, i),
                                            on_hub_notify_cb, self);
  g_clear_pointer (&self->hubs, g_ptr_array_unref);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (burrow_favorite_hubs_parent_class)->dispose (object);
}

static void
burrow_favorite_hubs_class_init (BurrowFavoriteHubsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = burrow_favorite_hubs_dispose;
}

static void
burrow_favorite_hubs_init (BurrowFavoriteHubs *self)
{
  self->hubs = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
save_hub (BurrowFavoriteHubs  *self,
          BurrowFavoriteHub   *hub,
          GError             **error)
{
  sqlite3 *db = burrow_database_get_handle (self->database);
  gint64 id = _burrow_favorite_hub_get_id (hub);
  sqlite3_stmt *stmt = NULL;
  const gchar *sql;
  gint rc;

  if (id == 0)
    sql = "INSERT INTO favorite_hubs (name, uri, nick, password, auto_connect, encoding) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
  else
    sql = "UPDATE favorite_hubs SET name = ?1, uri = ?2, nick = ?3, password = ?4, "
          "auto_connect = ?5, encoding = ?6 WHERE id = ?7";

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("saving a favourite hub"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, burrow_favorite_hub_get_name (hub), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, burrow_favorite_hub_get_uri (hub), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, burrow_favorite_hub_get_nick (hub), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, burrow_favorite_hub_get_password (hub), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 5, burrow_favorite_hub_get_auto_connect (hub) ? 1 : 0);
  sqlite3_bind_text (stmt, 6, burrow_favorite_hub_get_encoding (hub), -1, SQLITE_TRANSIENT);
  if (id != 0)
    sqlite3_bind_int64 (stmt, 7, id);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("saving a favourite hub"));
      return FALSE;
    }
  if (id == 0)
    _burrow_favorite_hub_set_id (hub, sqlite3_last_insert_rowid (db));
  return TRUE;
}

static void
on_hub_notify_cb (BurrowFavoriteHub  *hub,
                  GParamSpec         *pspec,
                  BurrowFavoriteHubs *self)
{
  g_autoptr(GError) error = NULL;

  /* A failing local database (full disk) is not a programming error, but nothing above us
   * listens for it either: say so in the log. */
  if (!save_hub (self, hub, &error))
    g_message ("%s", error->message);
}

static void
track (BurrowFavoriteHubs *self,
       BurrowFavoriteHub  *hub)
{
  g_ptr_array_add (self->hubs, g_object_ref (hub));
  g_signal_connect_object (hub, "notify", G_CALLBACK (on_hub_notify_cb), self, 0);
}

static gboolean
load (BurrowFavoriteHubs  *self,
      GError             **error)
{
  sqlite3 *db = burrow_database_get_handle (self->database);
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (db, "SELECT id, name, uri, nick, password, auto_connect, "
                              "encoding "
                              "FROM favorite_hubs ORDER BY id", -1, &stmt, NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("reading the favourite hubs"));
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(BurrowFavoriteHub) hub = NULL;

      hub = burrow_favorite_hub_new ((const gchar *) sqlite3_column_text (stmt, 1),
                                     (const gchar *) sqlite3_column_text (stmt, 2));
      burrow_favorite_hub_set_nick (hub, (const gchar *) sqlite3_column_text (stmt, 3));
      burrow_favorite_hub_set_password (hub, (const gchar *) sqlite3_column_text (stmt, 4));
      burrow_favorite_hub_set_auto_connect (hub, sqlite3_column_int (stmt, 5) != 0);
      burrow_favorite_hub_set_encoding (hub, (const gchar *) sqlite3_column_text (stmt, 6));
      _burrow_favorite_hub_set_id (hub, sqlite3_column_int64 (stmt, 0));
      track (self, hub);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("reading the favourite hubs"));
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_favorite_hubs_new:
 * @database: the engine's database
 *
 * Loads the favourite hubs stored in @database.
 *
 * Returns: (transfer full): the list, or %NULL with @error set
 */
BurrowFavoriteHubs *
burrow_favorite_hubs_new (BurrowDatabase  *database,
                          GError         **error)
{
  g_autoptr(BurrowFavoriteHubs) self = NULL;

  g_return_val_if_fail (BURROW_IS_DATABASE (database), NULL);

  self = g_object_new (BURROW_TYPE_FAVORITE_HUBS, NULL);
  self->database = g_object_ref (database);
  if (!load (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static gchar *
normalize_uri (const gchar  *uri,
               GError      **error)
{
  g_autoptr(BurrowHubUri) parsed = NULL;

  if (uri == NULL)
    {
      g_set_error_literal (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_URI,
                           _("The hub has no address"));
      return NULL;
    }
  parsed = burrow_hub_uri_parse (uri, error);
  if (parsed == NULL)
    return NULL;
  return burrow_hub_uri_to_string (parsed);
}

/**
 * burrow_favorite_hubs_lookup_uri:
 * @uri: a hub address
 *
 * Returns: (transfer none) (nullable): the favourite with the same address
 */
BurrowFavoriteHub *
burrow_favorite_hubs_lookup_uri (BurrowFavoriteHubs *self,
                                 const gchar        *uri)
{
  g_autofree gchar *wanted = NULL;

  g_return_val_if_fail (BURROW_IS_FAVORITE_HUBS (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  wanted = normalize_uri (uri, NULL);
  if (wanted == NULL)
    return NULL;

  for (guint i = 0; i < self->hubs->len; i++)
    {
      BurrowFavoriteHub *hub = g_ptr_array_index (self->hubs, i);
      g_autofree gchar *have = normalize_uri (burrow_favorite_hub_get_uri (hub), NULL);

      if (g_strcmp0 (have, wanted) == 0)
        return hub;
    }
  return NULL;
}

/**
 * burrow_favorite_hubs_add:
 * @hub: a new favourite (not in any list yet)
 *
 * Stores @hub and appends it. Its address is checked and written in canonical form; an empty
 * name becomes the host name.
 *
 * Returns: %TRUE on success; %FALSE with @error set for an invalid address
 *   (%BURROW_PROTOCOL_ERROR), a hub that is a favourite already (%G_IO_ERROR_EXISTS) or a
 *   database error
 */
gboolean
burrow_favorite_hubs_add (BurrowFavoriteHubs  *self,
                          BurrowFavoriteHub   *hub,
                          GError             **error)
{
  g_autoptr(BurrowHubUri) parsed = NULL;
  g_autofree gchar *canonical = NULL;

  g_return_val_if_fail (BURROW_IS_FAVORITE_HUBS (self), FALSE);
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (hub), FALSE);
  g_return_val_if_fail (_burrow_favorite_hub_get_id (hub) == 0, FALSE);

  canonical = normalize_uri (burrow_favorite_hub_get_uri (hub), error);
  if (canonical == NULL)
    return FALSE;
  if (burrow_favorite_hubs_lookup_uri (self, canonical) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("%s is already a favourite hub"), canonical);
      return FALSE;
    }

  burrow_favorite_hub_set_uri (hub, canonical);
  if (burrow_favorite_hub_get_name (hub) == NULL)
    {
      parsed = burrow_hub_uri_parse (canonical, NULL);
      burrow_favorite_hub_set_name (hub, parsed->host);
    }

  if (!save_hub (self, hub, error))
    return FALSE;

  track (self, hub);
  g_list_model_items_changed (G_LIST_MODEL (self), self->hubs->len - 1, 0, 1);
  return TRUE;
}

/**
 * burrow_favorite_hubs_remove:
 * @hub: a favourite of this list
 *
 * Deletes @hub from the database and the list.
 *
 * Returns: %TRUE on success; %FALSE with @error set (%G_IO_ERROR_NOT_FOUND when @hub is not in
 *   the list, or a database error)
 */
gboolean
burrow_favorite_hubs_remove (BurrowFavoriteHubs  *self,
                             BurrowFavoriteHub   *hub,
                             GError             **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  guint position;
  gint rc;

  g_return_val_if_fail (BURROW_IS_FAVORITE_HUBS (self), FALSE);
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUB (hub), FALSE);

  if (!g_ptr_array_find (self->hubs, hub, &position))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The hub is not a favourite"));
      return FALSE;
    }

  db = burrow_database_get_handle (self->database);
  if (sqlite3_prepare_v2 (db, "DELETE FROM favorite_hubs WHERE id = ?1", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("removing a favourite hub"));
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, _burrow_favorite_hub_get_id (hub));
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("removing a favourite hub"));
      return FALSE;
    }

  g_signal_handlers_disconnect_by_func (hub, on_hub_notify_cb, self);
  _burrow_favorite_hub_set_id (hub, 0);
  g_ptr_array_remove_index (self->hubs, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}
