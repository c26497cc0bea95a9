/* burrow-favorite-dialog.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-favorite-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-encoding-entry.h"

#include "burrow-favorite-dialog.h"

struct _BurrowFavoriteDialog
{
  GtkWindow            parent_instance;

  /* template widgets */
  GtkSwitch           *auto_connect_switch;
  GtkButton           *cancel_button;
  BurrowEncodingEntry *encoding_entry;
  GtkLabel            *encoding_error_label;
  GtkLabel            *encoding_label;
  GtkLabel            *error_label;
  GtkEntry            *name_entry;
  GtkEntry            *nick_entry;
  GtkPasswordEntry    *password_entry;
  GtkButton           *save_button;
  GtkEntry            *uri_entry;

  /* owned */
  BurrowFavoriteHubs  *favorites;
  BurrowFavoriteHub   *favorite;   /* NULL when adding */
};

G_DEFINE_FINAL_TYPE (BurrowFavoriteDialog, burrow_favorite_dialog, GTK_TYPE_WINDOW)

static void
show_error (BurrowFavoriteDialog *self,
            const char           *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->uri_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->uri_entry), "error");
}

static void
show_encoding_error (BurrowFavoriteDialog *self,
                     const char           *message)
{
  gtk_label_set_text (self->encoding_error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->encoding_error_label), message != NULL);
}

static const char *
entry_text (gpointer entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  return *text != '\0' ? text : NULL;
}

/**
 * burrow_favorite_dialog_save:
 *
 * What the Save button does: checks the address, stores the favourite and closes the window.
 *
 * Returns: %TRUE if saved; otherwise the error is shown in the window
 */
gboolean
burrow_favorite_dialog_save (BurrowFavoriteDialog *self)
{
  g_autoptr(BurrowHubUri) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *encoding = NULL;
  BurrowFavoriteHub *existing;

  g_return_val_if_fail (BURROW_IS_FAVORITE_DIALOG (self), FALSE);

  uri = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->uri_entry))));
  parsed = burrow_hub_uri_parse (uri, &error);
  if (parsed == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  canonical = burrow_hub_uri_to_string (parsed);

  /* ADC is always UTF-8: the field is insensitive then, so a wrong charset in it is no error
   * (it is dropped); a known one is kept for when the address changes back. */
  encoding = burrow_encoding_entry_dup_encoding (self->encoding_entry);
  if (burrow_hub_uri_is_adc (parsed))
    {
      if (!burrow_encoding_check_name (encoding, NULL))
        g_clear_pointer (&encoding, g_free);
    }
  else if (!burrow_encoding_entry_check (self->encoding_entry, &error))
    {
      show_encoding_error (self, error->message);
      return FALSE;
    }

  existing = burrow_favorite_hubs_lookup_uri (self->favorites, canonical);
  if (existing != NULL && existing != self->favorite)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("%s is already a favourite hub"), canonical);
      show_error (self, message);
      return FALSE;
    }

  if (self->favorite == NULL)
    {
      g_autoptr(BurrowFavoriteHub) favorite = NULL;

      favorite = burrow_favorite_hub_new (entry_text (self->name_entry), canonical);

      burrow_favorite_hub_set_nick (favorite, entry_text (self->nick_entry));
      burrow_favorite_hub_set_password (favorite, entry_text (self->password_entry));
      burrow_favorite_hub_set_encoding (favorite, encoding);
      burrow_favorite_hub_set_auto_connect (favorite,
                                            gtk_switch_get_active (self->auto_connect_switch));
      if (!burrow_favorite_hubs_add (self->favorites, favorite, &error))
        {
          show_error (self, error->message);
          return FALSE;
        }
      self->favorite = g_steal_pointer (&favorite);
    }
  else
    {
      /* Each change is written by the store as it happens. */
      burrow_favorite_hub_set_name (self->favorite, entry_text (self->name_entry) ?: parsed->host);
      burrow_favorite_hub_set_uri (self->favorite, canonical);
      burrow_favorite_hub_set_nick (self->favorite, entry_text (self->nick_entry));
      burrow_favorite_hub_set_password (self->favorite, entry_text (self->password_entry));
      burrow_favorite_hub_set_encoding (self->favorite, encoding);
      burrow_favorite_hub_set_auto_connect (self->favorite,
                                            gtk_switch_get_active (self->auto_connect_switch));
    }

  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

/**
 * burrow_favorite_dialog_get_error:
 *
 * Returns: (nullable): the error shown in the window
 */
const char *
burrow_favorite_dialog_get_error (BurrowFavoriteDialog *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

/**
 * burrow_favorite_dialog_get_favorite:
 *
 * Returns: (transfer none) (nullable): the favourite being edited, or the one just added
 */
BurrowFavoriteHub *
burrow_favorite_dialog_get_favorite (BurrowFavoriteDialog *self)
{
  g_return_val_if_fail (BURROW_IS_FAVORITE_DIALOG (self), NULL);
  return self->favorite;
}

static void
on_save_button_clicked_cb (BurrowFavoriteDialog *self,
                           GtkButton            *button)
{
  burrow_favorite_dialog_save (self);
}

static void
on_uri_entry_changed_cb (BurrowFavoriteDialog *self,
                         GtkEntry             *entry)
{
  g_autoptr(BurrowHubUri) parsed = NULL;
  const char *text = entry_text (entry);
  gboolean adc;

  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), text != NULL);

  /* The encoding is for NMDC hubs only; while the address is incomplete, keep it open. */
  parsed = text != NULL ? burrow_hub_uri_parse (text, NULL) : NULL;
  adc = parsed != NULL && burrow_hub_uri_is_adc (parsed);
  gtk_widget_set_sensitive (GTK_WIDGET (self->encoding_label), !adc);
  gtk_widget_set_sensitive (GTK_WIDGET (self->encoding_entry), !adc);
}

static void
on_encoding_entry_changed_cb (BurrowFavoriteDialog *self,
                              BurrowEncodingEntry  *entry)
{
  show_encoding_error (self, NULL);
}

/**
 * burrow_favorite_dialog_new:
 * @parent: (nullable): the window to stay on top of
 * @favorites: where the favourite is stored
 * @favorite: (nullable): the favourite to edit; %NULL to add a new one
 *
 * Returns: (transfer none): the dialog, owned by GTK's list of toplevels; present it
 */
GtkWidget *
burrow_favorite_dialog_new (GtkWindow          *parent,
                            BurrowFavoriteHubs *favorites,
                            BurrowFavoriteHub  *favorite)
{
  BurrowFavoriteDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (BURROW_IS_FAVORITE_HUBS (favorites), NULL);
  g_return_val_if_fail (favorite == NULL || BURROW_IS_FAVORITE_HUB (favorite), NULL);

  self = g_object_new (BURROW_TYPE_FAVORITE_DIALOG, "transient-for", parent, NULL);
  self->favorites = g_object_ref (favorites);

  if (favorite != NULL)
    {
      self->favorite = g_object_ref (favorite);
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Favourite Hub"));
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry),
                             burrow_favorite_hub_get_name (favorite) ?: "");
      gtk_editable_set_text (GTK_EDITABLE (self->uri_entry),
                             burrow_favorite_hub_get_uri (favorite) ?: "");
      gtk_editable_set_text (GTK_EDITABLE (self->nick_entry),
                             burrow_favorite_hub_get_nick (favorite) ?: "");
      gtk_editable_set_text (GTK_EDITABLE (self->password_entry),
                             burrow_favorite_hub_get_password (favorite) ?: "");
      gtk_switch_set_active (self->auto_connect_switch,
                             burrow_favorite_hub_get_auto_connect (favorite));
      burrow_encoding_entry_set_encoding (self->encoding_entry,
                                          burrow_favorite_hub_get_encoding (favorite));
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Add Favourite Hub"));
    }
  on_uri_entry_changed_cb (self, self->uri_entry);

  return GTK_WIDGET (self);
}

static void
burrow_favorite_dialog_dispose (GObject *object)
{
  BurrowFavoriteDialog *self = BURROW_FAVORITE_DIALOG (object);

  g_clear_object (&self->favorite);
  g_clear_object (&self->favorites);

  G_OBJECT_CLASS (burrow_favorite_dialog_parent_class)->dispose (object);
}

static void
burrow_favorite_dialog_class_init (BurrowFavoriteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_favorite_dialog_dispose;

  g_type_ensure (BURROW_TYPE_ENCODING_ENTRY);

  gtk_widget_class_set_template_from_resource (
    widget_class, BURROW_RESOURCE_PATH "/ui/burrow-favorite-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, auto_connect_switch);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, encoding_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, encoding_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, encoding_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, nick_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, password_entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowFavoriteDialog, uri_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_encoding_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_save_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_uri_entry_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
burrow_favorite_dialog_init (BurrowFavoriteDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->save_button));
}
