/* test-favorite-hubs.c — BurrowFavoriteHubs: add, edit, remove, persistence, validation
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-favorite-hubs"

#include "config.h"

#include <glib/gstdio.h>

#include "burrow-core.h"

typedef struct
{
  char *dir;
  char *db_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("burrow-favorites-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "burrow.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (fixture->db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (fixture->db_path, "-shm", NULL);

  g_unlink (fixture->db_path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->dir);
}

static BurrowFavoriteHubs *
open_store (Fixture         *fixture,
            BurrowDatabase **out_db)
{
  g_autoptr(GError) error = NULL;
  BurrowDatabase *db = burrow_database_open (fixture->db_path, &error);
  BurrowFavoriteHubs *store;

  g_assert_no_error (error);
  store = burrow_favorite_hubs_new (db, &error);
  g_assert_no_error (error);
  *out_db = db;
  return store;
}

static guint items_changed;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  items_changed++;
}

static void
test_persist (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BurrowDatabase *db = NULL;
  BurrowFavoriteHubs *store = open_store (fixture, &db);
  g_autoptr(BurrowFavoriteHub) first = burrow_favorite_hub_new ("First", "adc://Example.org:1511");
  g_autoptr(BurrowFavoriteHub) second = NULL;
  g_autoptr(BurrowFavoriteHub) loaded = NULL;

  second = burrow_favorite_hub_new (NULL, "adcs://tls.example.org:2780");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == BURROW_TYPE_FAVORITE_HUB);
  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed_cb), NULL);
  items_changed = 0;

  burrow_favorite_hub_set_nick (first, "alice");
  burrow_favorite_hub_set_password (first, "pw");
  g_assert_true (burrow_favorite_hubs_add (store, first, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_favorite_hubs_add (store, second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (items_changed, ==, 2);
  /* Canonical address, and the host as the name when there is none. */
  g_assert_cmpstr (burrow_favorite_hub_get_uri (first), ==, "adc://example.org:1511");
  g_assert_cmpstr (burrow_favorite_hub_get_name (second), ==, "tls.example.org");
  g_assert_true (burrow_favorite_hubs_lookup_uri (store, "ADC://example.org:1511") == first);
  g_assert_null (burrow_favorite_hubs_lookup_uri (store, "adc://example.org:1512"));
  g_assert_null (burrow_favorite_hubs_lookup_uri (store, "not a uri"));

  /* Edits are written as they happen; empty strings mean "none". */
  burrow_favorite_hub_set_auto_connect (second, TRUE);
  burrow_favorite_hub_set_name (first, "Renamed");
  burrow_favorite_hub_set_password (first, "");
  g_assert_null (burrow_favorite_hub_get_password (first));

  g_object_unref (store);
  g_object_unref (db);

  store = open_store (fixture, &db);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpstr (burrow_favorite_hub_get_name (loaded), ==, "Renamed");
  g_assert_cmpstr (burrow_favorite_hub_get_uri (loaded), ==, "adc://example.org:1511");
  g_assert_cmpstr (burrow_favorite_hub_get_nick (loaded), ==, "alice");
  g_assert_null (burrow_favorite_hub_get_password (loaded));
  g_assert_false (burrow_favorite_hub_get_auto_connect (loaded));
  g_clear_object (&loaded);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 1);
  g_assert_true (burrow_favorite_hub_get_auto_connect (loaded));

  /* Remove: gone now and after reopening. */
  g_assert_true (burrow_favorite_hubs_remove (store, loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_false (burrow_favorite_hubs_remove (store, loaded, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A removed favourite no longer writes to the database. */
  burrow_favorite_hub_set_name (loaded, "ghost");

  g_object_unref (store);
  g_object_unref (db);
  store = open_store (fixture, &db);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_null (burrow_favorite_hubs_lookup_uri (store, "adcs://tls.example.org:2780"));

  g_assert_finalize_object (store);
  g_assert_finalize_object (db);
}

static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BurrowDatabase *db = NULL;
  BurrowFavoriteHubs *store = open_store (fixture, &db);
  g_autoptr(BurrowFavoriteHub) bad = burrow_favorite_hub_new ("Bad", "http://example.org");
  g_autoptr(BurrowFavoriteHub) none = burrow_favorite_hub_new ("None", NULL);
  g_autoptr(BurrowFavoriteHub) one = burrow_favorite_hub_new ("One", "adc://example.org:1511");
  g_autoptr(BurrowFavoriteHub) twin = burrow_favorite_hub_new ("Twin", "adc://EXAMPLE.org:1511");

  g_assert_false (burrow_favorite_hubs_add (store, bad, &error));
  g_assert_true (error != NULL && error->domain == BURROW_PROTOCOL_ERROR);
  g_clear_error (&error);
  g_assert_false (burrow_favorite_hubs_add (store, none, &error));
  g_assert_error (error, BURROW_PROTOCOL_ERROR, BURROW_PROTOCOL_ERROR_BAD_URI);
  g_clear_error (&error);

  g_assert_true (burrow_favorite_hubs_add (store, one, &error));
  g_assert_false (burrow_favorite_hubs_add (store, twin, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  g_assert_finalize_object (store);
  g_assert_finalize_object (db);
}

static gint
user_version (BurrowDatabase *db)
{
  sqlite3_stmt *stmt = NULL;
  gint version;

  g_assert_cmpint (sqlite3_prepare_v2 (burrow_database_get_handle (db), "PRAGMA user_version", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static void
test_encoding (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BurrowDatabase *db = NULL;
  BurrowFavoriteHubs *store = open_store (fixture, &db);
  g_autoptr(BurrowFavoriteHub) nmdc = burrow_favorite_hub_new ("Russian", "dchub://ru.example.org");
  g_autoptr(BurrowFavoriteHub) plain = burrow_favorite_hub_new ("Plain", "nmdc://example.org:4111");
  g_autoptr(BurrowFavoriteHub) adc = burrow_favorite_hub_new ("ADC", "adc://example.org:1511");
  g_autoptr(BurrowFavoriteHub) loaded = NULL;
  g_autofree gchar *encoding = NULL;
  gint version;

  /* NULL means the default charset; "" is the same as NULL. */
  g_assert_null (burrow_favorite_hub_get_encoding (nmdc));
  burrow_favorite_hub_set_encoding (nmdc, "CP1251");
  g_object_get (nmdc, "encoding", &encoding, NULL);
  g_assert_cmpstr (encoding, ==, "CP1251");
  burrow_favorite_hub_set_encoding (plain, "");
  g_assert_null (burrow_favorite_hub_get_encoding (plain));

  g_assert_true (burrow_favorite_hubs_add (store, nmdc, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_favorite_hubs_add (store, plain, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_favorite_hubs_add (store, adc, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_favorite_hub_get_uri (nmdc), ==, "dchub://ru.example.org:411");
  /* An edit of a stored favourite is written at once. */
  burrow_favorite_hub_set_encoding (plain, "UTF-8");

  g_object_unref (store);
  g_object_unref (db);
  store = open_store (fixture, &db);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpstr (burrow_favorite_hub_get_encoding (loaded), ==, "CP1251");
  g_clear_object (&loaded);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 1);
  g_assert_cmpstr (burrow_favorite_hub_get_encoding (loaded), ==, "UTF-8");
  /* Back to the default: stored as NULL. */
  burrow_favorite_hub_set_encoding (loaded, NULL);
  g_clear_object (&loaded);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 2);
  g_assert_null (burrow_favorite_hub_get_encoding (loaded));
  g_clear_object (&loaded);

  g_object_unref (store);
  g_object_unref (db);
  store = open_store (fixture, &db);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 1);
  g_assert_null (burrow_favorite_hub_get_encoding (loaded));
  g_clear_object (&loaded);
  g_object_unref (store);

  /* A database from before the column (schema version 6; migration 7 adds it, later ones run
   * again): the migration adds it, old rows read as the default. */
  version = user_version (db);
  g_assert_true (burrow_database_exec (db, "ALTER TABLE favorite_hubs DROP COLUMN encoding;",
                                       &error));
  g_assert_no_error (error);
  g_assert_true (burrow_database_exec (db, "PRAGMA user_version = 6;", &error));
  g_assert_no_error (error);
  g_object_unref (db);
  store = open_store (fixture, &db);
  g_assert_cmpint (user_version (db), ==, version);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  loaded = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_null (burrow_favorite_hub_get_encoding (loaded));
  burrow_favorite_hub_set_encoding (loaded, "KOI8-R");
  g_clear_object (&loaded);

  g_assert_finalize_object (store);
  g_assert_finalize_object (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/hub/favorite-hubs/persist", Fixture, NULL, fixture_set_up, test_persist,
              fixture_tear_down);
  g_test_add ("/burrow/hub/favorite-hubs/encoding", Fixture, NULL, fixture_set_up, test_encoding,
              fixture_tear_down);
  g_test_add ("/burrow/hub/favorite-hubs/invalid", Fixture, NULL, fixture_set_up, test_invalid,
              fixture_tear_down);

  return g_test_run ();
}
