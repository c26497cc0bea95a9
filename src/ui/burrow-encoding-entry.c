/* burrow-encoding-entry.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-encoding-entry"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-encoding-entry.h"

/* An entry for any iconv name (NMDC hubs use many), with a menu of the usual ones next to it.
 * Empty means the default, BURROW_NMDC_DEFAULT_CHARSET, which the placeholder shows. */
struct _BurrowEncodingEntry
{
  GtkWidget      parent_instance;

  /* template widgets */
  GtkEntry      *entry;
  GtkMenuButton *menu_button;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowEncodingEntry, burrow_encoding_entry, GTK_TYPE_WIDGET)

/**
 * burrow_encoding_check_name:
 * @encoding: (nullable): a charset name; %NULL or "" is the default
 *
 * Whether iconv on this system can convert from @encoding to UTF-8.
 *
 * Returns: %TRUE if it can; %FALSE with G_CONVERT_ERROR_NO_CONVERSION
 */
gboolean
burrow_encoding_check_name (const char  *encoding,
                            GError     **error)
{
  g_autofree char *name = NULL;
  GIConv conv;

  if (encoding == NULL)
    return TRUE;
  name = g_strstrip (g_strdup (encoding));
  if (*name == '\0')
    return TRUE;

  conv = g_iconv_open ("UTF-8", name);
  if (conv == (GIConv) -1)
    {
      /* Translators: %s is what the user typed as a hub's character encoding */
      g_set_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION,
                   _("“%s” is not a character encoding that this system knows"), name);
      return FALSE;
    }
  g_iconv_close (conv);
  return TRUE;
}

/**
 * burrow_encoding_entry_new:
 *
 * Returns: (transfer floating): a new, empty entry (the default encoding)
 */
GtkWidget *
burrow_encoding_entry_new (void)
{
  return g_object_new (BURROW_TYPE_ENCODING_ENTRY, NULL);
}

/**
 * burrow_encoding_entry_dup_encoding:
 *
 * Returns: (transfer full) (nullable): the charset typed or chosen, trimmed; %NULL when empty
 *   (the default)
 */
char *
burrow_encoding_entry_dup_encoding (BurrowEncodingEntry *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (BURROW_IS_ENCODING_ENTRY (self), NULL);

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  if (*text == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

/**
 * burrow_encoding_entry_set_encoding:
 * @encoding: (nullable): a charset name; %NULL for the default
 */
void
burrow_encoding_entry_set_encoding (BurrowEncodingEntry *self,
                                    const char          *encoding)
{
  g_return_if_fail (BURROW_IS_ENCODING_ENTRY (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), encoding ? encoding : "");
}

/**
 * burrow_encoding_entry_check:
 *
 * Checks the charset; an unknown one marks the entry as wrong until it changes.
 *
 * Returns: %TRUE if the charset is empty or known; %FALSE with @error set
 */
gboolean
burrow_encoding_entry_check (BurrowEncodingEntry  *self,
                             GError              **error)
{
  g_autofree char *encoding = NULL;

  g_return_val_if_fail (BURROW_IS_ENCODING_ENTRY (self), FALSE);

  encoding = burrow_encoding_entry_dup_encoding (self);
  if (!burrow_encoding_check_name (encoding, error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_encoding_entry_get_entry:
 *
 * Returns: (transfer none): the text entry
 */
GtkEntry *
burrow_encoding_entry_get_entry (BurrowEncodingEntry *self)
{
  g_return_val_if_fail (BURROW_IS_ENCODING_ENTRY (self), NULL);
  return self->entry;
}

static void
on_entry_changed_cb (BurrowEncodingEntry *self,
                     GtkEntry            *entry)
{
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
encoding_set_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BurrowEncodingEntry *self = BURROW_ENCODING_ENTRY (widget);

  burrow_encoding_entry_set_encoding (self, g_variant_get_string (parameter, NULL));
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static gboolean
burrow_encoding_entry_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (BURROW_ENCODING_ENTRY (widget)->entry));
}

static void
burrow_encoding_entry_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BURROW_TYPE_ENCODING_ENTRY);

  G_OBJECT_CLASS (burrow_encoding_entry_parent_class)->dispose (object);
}

static void
burrow_encoding_entry_class_init (BurrowEncodingEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_encoding_entry_dispose;
  widget_class->grab_focus = burrow_encoding_entry_grab_focus;

  /**
   * BurrowEncodingEntry::changed:
   *
   * The text changed (typed, or chosen from the menu).
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
    widget_class, BURROW_RESOURCE_PATH "/ui/burrow-encoding-entry.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowEncodingEntry, entry);
  gtk_widget_class_bind_template_child (widget_class, BurrowEncodingEntry, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed_cb);

  gtk_widget_class_install_action (widget_class, "encoding.set", "s", encoding_set_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "burrowencodingentry");
}

static void
burrow_encoding_entry_init (BurrowEncodingEntry *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
