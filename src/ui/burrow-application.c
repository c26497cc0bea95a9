/* burrow-application.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-application"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

#include "burrow-window.h"

#include "burrow-application.h"

struct _BurrowApplication
{
  GtkApplication  parent_instance;

  /* owned refs */
  GtkCssProvider *css_provider;

  /* TRUE when this instance called notify_init (), so shutdown undoes it */
  guint           owns_notify : 1;
};

G_DEFINE_FINAL_TYPE (BurrowApplication, burrow_application, GTK_TYPE_APPLICATION)

/* URI schemes that Burrow registers for (see the desktop file's MimeType). */
static const char * const handled_schemes[] = { "adc", "adcs", "dchub", "magnet", NULL };

/**
 * burrow_application_new:
 *
 * Creates the application object. Run it with g_application_run().
 *
 * Returns: (transfer full): a new #BurrowApplication
 */
BurrowApplication *
burrow_application_new (void)
{
  return g_object_new (BURROW_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", BURROW_RESOURCE_PATH,
                       NULL);
}

/**
 * burrow_application_handles_uri:
 * @uri: (nullable): a URI, as received by #GApplication::open
 *
 * Whether @uri is a Direct Connect hub address (adc://, adcs://, dchub://) or a magnet link, the
 * schemes that the desktop file claims.
 *
 * Returns: %TRUE if Burrow handles @uri
 */
gboolean
burrow_application_handles_uri (const char *uri)
{
  const char *scheme;

  if (uri == NULL)
    return FALSE;

  /* An interned, lower-cased string, or NULL when @uri has no scheme */
  scheme = g_uri_peek_scheme (uri);

  return scheme != NULL && g_strv_contains (handled_schemes, scheme);
}

static BurrowWindow *
burrow_application_ensure_window (BurrowApplication *self)
{
  GtkWindow *window;

  g_assert (BURROW_IS_APPLICATION (self));

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (BURROW_IS_WINDOW (window))
    return BURROW_WINDOW (window);

  return burrow_window_new (self);
}

static void
burrow_application_about_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  BurrowApplication *self = user_data;
  static const char *authors[] = { "The Burrow authors", NULL };
  GtkWindow *parent;
  GtkWidget *about;

  g_assert (BURROW_IS_APPLICATION (self));

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* GtkAboutDialog is a GtkWindow (not a GtkDialog), so it is not deprecated. */
  about = g_object_new (GTK_TYPE_ABOUT_DIALOG,
                        "transient-for", parent,
                        "modal", TRUE,
                        "destroy-with-parent", TRUE,
                        "program-name", "Burrow",
                        "version", PACKAGE_VERSION,
                        "logo-icon-name", APP_ID,
                        "comments", _("Share files on Direct Connect hubs, even behind NAT"),
                        "website", "https://github.com/burrowdc/burrow",
                        "website-label", _("Website"),
                        "copyright", "© 2026 The Burrow authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "authors", authors,
                        /* Translators: your names, one per line, for the About window */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
burrow_application_quit_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
burrow_application_shortcuts_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  BurrowApplication *self = user_data;
  BurrowWindow *window;

  g_assert (BURROW_IS_APPLICATION (self));

  window = burrow_application_ensure_window (self);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static void
burrow_application_show_page_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  BurrowApplication *self = user_data;
  BurrowWindow *window;
  const char *name;

  g_assert (BURROW_IS_APPLICATION (self));

  name = g_variant_get_string (parameter, NULL);
  window = burrow_application_ensure_window (self);

  /* The parameter may come over D-Bus: an unknown page is not a programming error. */
  if (!burrow_window_set_page (window, name))
    g_debug ("No page named “%s”", name);

  gtk_window_present (GTK_WINDOW (window));
}

static const GActionEntry app_entries[] = {
  { "about", burrow_application_about_action, NULL, NULL, NULL, { 0 } },
  { "quit", burrow_application_quit_action, NULL, NULL, NULL, { 0 } },
  { "shortcuts", burrow_application_shortcuts_action, NULL, NULL, NULL, { 0 } },
  { "show-page", burrow_application_show_page_action, "s", NULL, NULL, { 0 } },
};

static const struct
{
  const char *action;
  const char *accels[3];
} app_accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.shortcuts", { "<Control>question", NULL } },
  { "win.page::hubs", { "<Alt>1", NULL } },
  { "win.page::search", { "<Alt>2", NULL } },
  { "win.page::transfers", { "<Alt>3", NULL } },
  { "win.page::connectivity", { "<Alt>4", NULL } },
};

static void
burrow_application_startup (GApplication *application)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  G_APPLICATION_CLASS (burrow_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APP_ID);

  self->css_provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (self->css_provider, BURROW_RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (self->css_provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  if (!notify_is_initted ())
    {
      /* Never touches D-Bus: libnotify connects when the first notification is shown. */
      notify_init ("Burrow");
      self->owns_notify = TRUE;
    }

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_entries, G_N_ELEMENTS (app_entries),
                                   self);
  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           app_accels[i].action,
                                           app_accels[i].accels);
}

static void
burrow_application_shutdown (GApplication *application)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  if (self->css_provider != NULL)
    {
      GdkDisplay *display = gdk_display_get_default ();

      if (display != NULL)
        gtk_style_context_remove_provider_for_display (display,
                                                       GTK_STYLE_PROVIDER (self->css_provider));
      g_clear_object (&self->css_provider);
    }

  if (self->owns_notify)
    {
      notify_uninit ();
      self->owns_notify = FALSE;
    }

  G_APPLICATION_CLASS (burrow_application_parent_class)->shutdown (application);
}

static void
burrow_application_activate (GApplication *application)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (burrow_application_ensure_window (self)));
}

static void
burrow_application_open (GApplication  *application,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  BurrowApplication *self = BURROW_APPLICATION (application);

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      /* Opening hubs and magnets from links comes with the hub and download pages. */
      if (burrow_application_handles_uri (uri))
        g_debug ("Asked to open %s", uri);
      else
        g_debug ("Ignoring %s: not a Direct Connect or magnet link", uri);
    }

  gtk_window_present (GTK_WINDOW (burrow_application_ensure_window (self)));
}

static void
burrow_application_dispose (GObject *object)
{
  BurrowApplication *self = BURROW_APPLICATION (object);

  g_clear_object (&self->css_provider);

  G_OBJECT_CLASS (burrow_application_parent_class)->dispose (object);
}

static void
burrow_application_class_init (BurrowApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = burrow_application_dispose;

  app_class->activate = burrow_application_activate;
  app_class->open = burrow_application_open;
  app_class->shutdown = burrow_application_shutdown;
  app_class->startup = burrow_application_startup;
}

static void
burrow_application_init (BurrowApplication *self)
{
}
