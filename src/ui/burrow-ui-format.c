/* burrow-ui-format.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-ui-format"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-ui-format.h"

/**
 * burrow_ui_format_punch_method:
 *
 * Returns: (transfer none): how a connection to a peer was made, translated (the punch panel
 *   and the transfers list show the same words)
 */
const char *
burrow_ui_format_punch_method (BurrowPunchMethod method)
{
  switch (method)
    {
    case BURROW_PUNCH_METHOD_DIRECT:
      /* Translators: how a connection to a peer was made: we listen, the peer connects */
      return C_("method", "Direct");
    case BURROW_PUNCH_METHOD_REVERSE:
      /* Translators: how a connection to a peer was made: we ask, the peer connects to us */
      return C_("method", "Reverse");
    case BURROW_PUNCH_METHOD_NAT_TRAVERSAL:
      /* Translators: how a connection to a peer was made: both behind NAT, simultaneous open */
      return C_("method", "NAT traversal");
    case BURROW_PUNCH_METHOD_INCOMING:
      /* Translators: how a connection to a peer was made: the peer asked for it */
      return C_("method", "Incoming");
    default:
      return C_("method", "Unknown");
    }
}

/**
 * burrow_ui_format_hub_state:
 *
 * Returns: (transfer none): a short, translated description of @state
 */
const char *
burrow_ui_format_hub_state (BurrowHubState state)
{
  switch (state)
    {
    case BURROW_HUB_STATE_CONNECTING:
      return _("Connecting…");
    case BURROW_HUB_STATE_PROTOCOL:
    case BURROW_HUB_STATE_IDENTIFY:
      return _("Logging in…");
    case BURROW_HUB_STATE_VERIFY:
      return _("Checking password…");
    case BURROW_HUB_STATE_NORMAL:
      return _("Connected");
    case BURROW_HUB_STATE_WAITING:
      return _("Waiting to reconnect");
    case BURROW_HUB_STATE_DISCONNECTED:
    default:
      return _("Disconnected");
    }
}

/**
 * burrow_ui_hub_state_css_class:
 *
 * Returns: (transfer none): the style class of a state badge (see style.css)
 */
const char *
burrow_ui_hub_state_css_class (BurrowHubState state)
{
  switch (state)
    {
    case BURROW_HUB_STATE_NORMAL:
      return "burrow-state-connected";
    case BURROW_HUB_STATE_DISCONNECTED:
      return "burrow-state-disconnected";
    case BURROW_HUB_STATE_CONNECTING:
    case BURROW_HUB_STATE_PROTOCOL:
    case BURROW_HUB_STATE_IDENTIFY:
    case BURROW_HUB_STATE_VERIFY:
    case BURROW_HUB_STATE_WAITING:
    default:
      return "burrow-state-busy";
    }
}

/**
 * burrow_ui_format_hub_title:
 * @hub_name: (nullable): the name the hub announces
 * @uri: (nullable): its address
 *
 * Returns: (transfer full): the hub's name, or its host and port before it sent one
 */
char *
burrow_ui_format_hub_title (const char *hub_name,
                            const char *uri)
{
  g_autoptr(BurrowHubUri) parsed = NULL;

  if (hub_name != NULL && *hub_name != '\0')
    return g_strdup (hub_name);
  if (uri != NULL)
    parsed = burrow_hub_uri_parse (uri, NULL);
  if (parsed != NULL)
    return g_strdup_printf ("%s:%u", parsed->host, parsed->port);
  return g_strdup (uri ? uri : "");
}

/**
 * burrow_ui_format_n_users:
 *
 * Returns: (transfer full): "1 user", "5 users", …
 */
char *
burrow_ui_format_n_users (guint n_users)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u user", "%u users", n_users), n_users);
}

/**
 * burrow_ui_nick_color:
 * @nick: (nullable): a nick
 *
 * The same nick always gets the same colour: style classes `burrow-nick-0` … `-7` in style.css,
 * mixed with the theme's text colour so that they stay readable on light and dark themes.
 *
 * Returns: a number below %BURROW_UI_N_NICK_COLORS
 */
guint
burrow_ui_nick_color (const char *nick)
{
  guint32 h = 2166136261u;  /* FNV-1a: stable across runs and GLib versions */

  for (const guchar *p = (const guchar *) (nick ? nick : ""); *p != '\0'; p++)
    {
      h ^= *p;
      h *= 16777619u;
    }
  return h % BURROW_UI_N_NICK_COLORS;
}

static GRegex *
link_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("(?:(?:https?|ftp|adcs?|dchub|nmdcs?)://|magnet:\\?|www\\.)"
                               "[^\\s<>\"]+",
                               G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&regex, r);
    }
  return regex;
}

/* Trailing punctuation usually ends the sentence, not the link. */
static gsize
trim_link (const char *link,
           gsize       len)
{
  while (len > 0 && strchr (".,;:!?'", link[len - 1]) != NULL)
    len--;
  if (len > 0 && link[len - 1] == ')' && memchr (link, '(', len) == NULL)
    len--;
  return len;
}

/**
 * burrow_ui_linkify:
 * @text: chat text as received
 *
 * Escapes @text for Pango markup and turns web, hub and magnet links into `<a href>`.
 *
 * Returns: (transfer full): markup for a #GtkLabel
 */
char *
burrow_ui_linkify (const char *text)
{
  g_autoptr(GMatchInfo) match = NULL;
  GString *out = g_string_new (NULL);
  gsize done = 0;

  g_return_val_if_fail (text != NULL, NULL);

  g_regex_match (link_regex (), text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start;
      int end;
      gsize len;
      g_autofree char *before = NULL;
      g_autofree char *link = NULL;
      g_autofree char *href = NULL;
      g_autofree char *escaped_link = NULL;
      g_autofree char *escaped_href = NULL;

      g_match_info_fetch_pos (match, 0, &start, &end);
      len = trim_link (text + start, end - start);
      if (len > 0)
        {
          before = g_markup_escape_text (text + done, start - done);
          link = g_strndup (text + start, len);
          href = g_ascii_strncasecmp (link, "www.", 4) == 0 ? g_strconcat ("http://", link, NULL)
                                                              : g_strdup (link);
          escaped_link = g_markup_escape_text (link, -1);
          escaped_href = g_markup_escape_text (href, -1);
          g_string_append_printf (out, "%s<a href=\"%s\">%s</a>", before, escaped_href,
                                  escaped_link);
          done = start + len;
        }
      g_match_info_next (match, NULL);
    }
  if (text[done] != '\0')
    {
      g_autofree char *rest = g_markup_escape_text (text + done, -1);

      g_string_append (out, rest);
    }
  return g_string_free (out, FALSE);
}

static char *
format_eta (gint64 seconds)
{
  if (seconds < 60)
    /* Translators: time left, in seconds */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second left", "%u seconds left",
                                         (guint) seconds), (guint) seconds);
  if (seconds < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute left", "%u minutes left",
                                         (guint) (seconds / 60)), (guint) (seconds / 60));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour left", "%u hours left",
                                       (guint) (seconds / 3600)), (guint) (seconds / 3600));
}

/**
 * burrow_ui_show_share_progress:
 *
 * What the share holds ("1,204 files, 3.4 GB", and whether it is looking for changes) in
 * @summary_label, and while the hasher works, how far it is (files, bytes, rate, time left) in
 * @hash_label and @hash_progress, inside @hash_revealer, shown only then. The Preferences window
 * and the welcome dialog show the same.
 */
void
burrow_ui_show_share_progress (BurrowShare    *share,
                               GtkLabel       *summary_label,
                               GtkLabel       *hash_label,
                               GtkProgressBar *hash_progress,
                               GtkRevealer    *hash_revealer)
{
  BurrowHasher *hasher = burrow_share_get_hasher (share);
  g_autofree char *size = g_format_size (burrow_share_get_total_size (share));
  g_autofree char *summary = NULL;
  guint n_files = burrow_share_get_n_files (share);
  guint64 files_total = burrow_hasher_get_files_total (hasher);
  guint64 files_done = burrow_hasher_get_files_done (hasher);
  gboolean hashing = burrow_hasher_get_busy (hasher) && files_total > files_done;

  /* Translators: the totals of the shared folders: "1,204 files, 3.4 GB" */
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file, %s", "%u files, %s", n_files),
                             n_files, size);
  if (burrow_share_get_scanning (share))
    {
      g_autofree char *scanning = g_strdup_printf (_("%s (looking for changes…)"), summary);

      g_free (summary);
      summary = g_steal_pointer (&scanning);
    }
  gtk_label_set_text (summary_label, summary);

  if (hashing)
    {
      guint64 bytes_total = burrow_hasher_get_bytes_total (hasher);
      guint64 bytes_done = burrow_hasher_get_bytes_done (hasher);
      guint64 rate = burrow_hasher_get_rate (hasher);
      gint64 eta = burrow_hasher_get_eta (hasher);
      g_autofree char *text = NULL;
      g_autofree char *done = g_format_size (bytes_done);
      g_autofree char *total = g_format_size (bytes_total);

      /* Translators: "Hashing 3 of 10 files (12.0 MB of 40.0 MB)" */
      text = g_strdup_printf (_("Hashing %u of %u files (%s of %s)"),
                              (guint) files_done, (guint) files_total, done, total);
      if (rate > 0)
        {
          g_autofree char *rate_text = g_format_size (rate);
          g_autofree char *more = g_strdup_printf (_("%s · %s/s"), text, rate_text);

          g_free (text);
          text = g_steal_pointer (&more);
        }
      if (eta >= 0)
        {
          g_autofree char *eta_text = format_eta (eta);
          g_autofree char *more = g_strdup_printf ("%s · %s", text, eta_text);

          g_free (text);
          text = g_steal_pointer (&more);
        }
      gtk_label_set_text (hash_label, text);
      gtk_progress_bar_set_fraction (hash_progress,
                                     bytes_total > 0 ? (double) bytes_done / bytes_total : 0);
    }
  gtk_revealer_set_reveal_child (hash_revealer, hashing);
}
