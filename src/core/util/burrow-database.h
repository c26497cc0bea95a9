/* burrow-database.h — the engine's SQLite database (settings, pins; later hashes, queue)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define BURROW_TYPE_DATABASE (burrow_database_get_type ())

G_DECLARE_FINAL_TYPE (BurrowDatabase, burrow_database, BURROW, DATABASE, GObject)

BurrowDatabase *burrow_database_open              (const gchar     *path,
                                                   GError         **error);
sqlite3        *burrow_database_get_handle        (BurrowDatabase  *self);
const gchar    *burrow_database_get_path          (BurrowDatabase  *self);
gboolean        burrow_database_exec              (BurrowDatabase  *self,
                                                   const gchar     *sql,
                                                   GError         **error);
gchar          *burrow_database_dup_setting       (BurrowDatabase  *self,
                                                   const gchar     *key);
gboolean        burrow_database_set_setting       (BurrowDatabase  *self,
                                                   const gchar     *key,
                                                   const gchar     *value,
                                                   GError         **error);
gchar          *burrow_database_dup_hub_keyprint  (BurrowDatabase  *self,
                                                   const gchar     *address);
gboolean        burrow_database_set_hub_keyprint  (BurrowDatabase  *self,
                                                   const gchar     *address,
                                                   const gchar     *keyprint,
                                                   GError         **error);
void            burrow_database_set_error         (BurrowDatabase  *self,
                                                   GError         **error,
                                                   const gchar     *what);

G_END_DECLS
