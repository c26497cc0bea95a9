/* test-client.c — the engine root: its settings live in its database, one home each
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "burrow-client.h"
#include "burrow-test-util.h"

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  GHashTable *seen = user_data;

  g_hash_table_add (seen, g_strdup (pspec->name));
}

/* What the app's preferences bind to survives a restart of the engine, and each
 * change notifies (the preferences window binds to these properties). */
static void
test_settings_persist (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("burrow-client-XXXXXX", NULL);
  g_autofree gchar *downloads = g_build_filename (dir, "dl", NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  BurrowClient *client;
  guint port;

  client = burrow_client_new (dir, &error);
  g_assert_no_error (error);
  g_signal_connect (client, "notify", G_CALLBACK (on_notify), seen);
  g_object_set (client,
                "nick", "mole",
                "description", "digging",
                "download-dir", downloads,
                "slots", 7,
                "mode", BURROW_CONNECTION_MODE_ACTIVE,
                NULL);
  for (const gchar *const *p = (const gchar *const[]) { "nick", "description", "download-dir",
                                                         "slots", "mode", NULL }; *p; p++)
    g_assert_true (g_hash_table_contains (seen, *p));
  port = burrow_nat_connector_get_port (burrow_client_get_connector (client));
  g_assert_cmpuint (port, >, 0);
  g_object_unref (client);

  client = burrow_client_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (burrow_client_get_nick (client), ==, "mole");
  g_assert_cmpstr (burrow_client_get_description (client), ==, "digging");
  g_assert_cmpstr (burrow_client_get_download_dir (client), ==, downloads);
  g_assert_cmpuint (burrow_client_get_slots (client), ==, 7);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  g_assert_cmpuint (burrow_nat_connector_get_port (burrow_client_get_connector (client)), >, 0);

  /* a fixed port is kept too, and passive mode */
  g_object_set (client, "mode", BURROW_CONNECTION_MODE_PASSIVE, "port", 41999, NULL);
  g_object_unref (client);
  client = burrow_client_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_PASSIVE);
  g_object_get (client, "port", &port, NULL);
  g_assert_cmpuint (port, ==, 41999);
  g_object_unref (client);

  burrow_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/client/settings/persist", test_settings_persist);
  return g_test_run ();
}
