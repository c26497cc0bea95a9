/* main.c — the Burrow application
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "burrow-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BurrowApplication) app = NULL;
  const char *localedir;

  /* BURROW_LOCALEDIR points at <build>/po for uninstalled runs and tests. */
  localedir = g_getenv ("BURROW_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name ("Burrow");

  app = burrow_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
