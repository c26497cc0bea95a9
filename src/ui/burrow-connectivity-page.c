/* burrow-connectivity-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-connectivity-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-file-chooser.h"
#include "burrow-ui-format.h"
#include "burrow-window.h"

#include "burrow-connectivity-page.h"

/* The punch panel. The connector's attempts (a GListStore, oldest first, bounded) go through
 * a GtkSortListModel (newest first) and a GtkFilterListModel (by result) into the column
 * view. Cells bind to the attempt's properties, so a pending row updates itself when its
 * result changes; only the running duration needs a clock: the duration cells of pending
 * attempts are kept in a list and refreshed by one timer. The details pane follows the
 * selected attempt and appends a timeline row per new step instead of rebuilding. Above it all,
 * how others reach us: in automatic mode the engine's decision per address family and the port
 * mapping behind it (redrawn on its ::changed and by the summary's timer), else the mode chosen
 * in Preferences. */

/* How often running durations are redrawn, and the summary refreshed (the lease counts down,
 * the last confirmation ages): only while the page is mapped. */
#define LIVE_INTERVAL_MS     100
#define SUMMARY_INTERVAL_MS  1000
#define COPIED_VISIBLE_MS    2000

struct _BurrowConnectivityPage
{
  GtkWidget           parent_instance;

  /* template widgets and objects */
  GtkLabel           *address_detail_label;
  GtkLabel           *address_label;
  GtkLabel           *cid_value_label;
  GtkLabel           *keyprint_value_label;
  GtkColumnView      *column_view;
  GtkLabel           *confirmation_label;
  GtkLabel           *copied_label;
  GtkLabel           *count_label;
  GtkImage           *details_icon;
  GtkStack           *details_stack;
  GtkLabel           *details_subtitle_label;
  GtkLabel           *details_title_label;
  GtkLabel           *diagnosis_label;
  GtkColumnViewColumn *duration_column;
  GtkFilterListModel *filter_model;
  GtkLabel           *hub_value_label;
  GtkLabel           *ipv4_mode_label;
  GtkLabel           *ipv4_sentence_label;
  GtkLabel           *ipv6_mode_label;
  GtkLabel           *ipv6_sentence_label;
  GtkStack           *list_stack;
  GtkLabel           *local_value_label;
  GtkLabel           *mapping_address_label;
  GtkLabel           *mapping_lease_label;
  GtkLabel           *mapping_method_label;
  GtkLabel           *mode_detail_label;
  GtkLabel           *mode_label;
  GtkLabel           *natt_label;
  GtkLabel           *protocol_value_label;
  GtkLevelBar        *rate_bar;
  GtkLabel           *rate_detail_label;
  GtkLabel           *rate_label;
  GtkWidget          *reach_auto_box;
  GtkLabel           *reach_manual_label;
  GtkLabel           *remote_value_label;
  GtkCustomFilter    *result_filter;
  GtkSingleSelection *selection;
  GtkSortListModel   *sort_model;
  GtkListBox         *timeline;
  GtkLabel           *token_value_label;

  /* owned */
  BurrowClient       *client;
  GListModel         *attempts;         /* the connector's */
  BurrowConnectivity *connectivity;     /* the client's while automatic mode runs */
  GSignalGroup       *client_signals;
  GSignalGroup       *hubs_signals;
  GSignalGroup       *connectivity_signals;
  GSignalGroup       *attempts_signals;
  BurrowPunchAttempt *shown;            /* the attempt in the details pane */
  gulong              shown_notify_id;
  guint               shown_n_steps;    /* timeline rows made for it */
  GPtrArray          *live_items;       /* GtkListItem of pending attempts' duration cells */
  GCancellable       *cancellable;      /* export */
  char               *filter;           /* "all", "connected", "failed", "pending" */
  guint               live_id;
  guint               summary_id;
  guint               summary_idle_id;
  guint               copied_id;
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_FILTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowConnectivityPage, burrow_connectivity_page, GTK_TYPE_WIDGET)

static void update_live_timer (BurrowConnectivityPage *self);
static void queue_summary     (BurrowConnectivityPage *self);

/* ---------------------------------------------------------------------------------------------- */
/* Words for the core's enums                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/**
 * burrow_connectivity_format_method:
 *
 * Returns: the translated name of @method, as the punch panel shows it
 */
const char *
burrow_connectivity_format_method (BurrowPunchMethod method)
{
  return burrow_ui_format_punch_method (method);
}

/**
 * burrow_connectivity_format_result:
 *
 * Returns: the translated name of @result
 */
const char *
burrow_connectivity_format_result (BurrowPunchResult result)
{
  switch (result)
    {
    case BURROW_PUNCH_RESULT_PENDING:
      return C_("attempt", "Pending");
    case BURROW_PUNCH_RESULT_CONNECTED:
      return C_("attempt", "Connected");
    case BURROW_PUNCH_RESULT_FAILED:
      return C_("attempt", "Failed");
    case BURROW_PUNCH_RESULT_CANCELLED:
      return C_("attempt", "Cancelled");
    default:
      return C_("attempt", "Unknown");
    }
}

/**
 * burrow_connectivity_format_step_kind:
 *
 * Returns: the translated label of a timeline step
 */
const char *
burrow_connectivity_format_step_kind (BurrowPunchStepKind kind)
{
  switch (kind)
    {
    case BURROW_PUNCH_STEP_REQUEST_SENT:
      /* Translators: a step of a connection attempt: our CTM or RCM went to the hub */
      return _("Request sent");
    case BURROW_PUNCH_STEP_REQUEST_RECEIVED:
      return _("Request received");
    case BURROW_PUNCH_STEP_NAT_SENT:
      /* Translators: NAT is the name of a protocol message; keep it */
      return _("NAT sent");
    case BURROW_PUNCH_STEP_NAT_RECEIVED:
      /* Translators: NAT is the name of a protocol message; keep it */
      return _("NAT received");
    case BURROW_PUNCH_STEP_RNT_SENT:
      /* Translators: RNT is the name of a protocol message; keep it */
      return _("RNT sent");
    case BURROW_PUNCH_STEP_RNT_RECEIVED:
      /* Translators: RNT is the name of a protocol message; keep it */
      return _("RNT received");
    case BURROW_PUNCH_STEP_PATH_PROBED:
      /* Translators: a step of a connection attempt: how many hops our own NAT is away */
      return _("Path measured");
    case BURROW_PUNCH_STEP_LISTENING:
      return _("Listening");
    case BURROW_PUNCH_STEP_CONNECT_TRY:
      return _("Connection try");
    case BURROW_PUNCH_STEP_ACCEPTED:
      return _("Connection accepted");
    case BURROW_PUNCH_STEP_TCP_ESTABLISHED:
      return _("TCP connected");
    case BURROW_PUNCH_STEP_TLS_DONE:
      /* Translators: TLS is the encryption protocol; keep it */
      return _("TLS handshake done");
    case BURROW_PUNCH_STEP_PEER_INF:
      return _("Peer identified");
    case BURROW_PUNCH_STEP_NOTE:
      return _("Note");
    case BURROW_PUNCH_STEP_FAILED:
      return _("Gave up");
    default:
      return _("Step");
    }
}

static const char *
format_role_text (BurrowPunchRole role)
{
  if (role == BURROW_PUNCH_ROLE_INITIATOR)
    /* Translators: role in a connection attempt: we asked for the connection */
    return C_("role", "Initiator");
  /* Translators: role in a connection attempt: the peer asked for the connection */
  return C_("role", "Responder");
}

static const char *
format_role_tooltip (BurrowPunchRole role)
{
  if (role == BURROW_PUNCH_ROLE_INITIATOR)
    return _("Initiator: we asked for this connection");
  return _("Responder: the peer asked for this connection");
}

static char *
format_duration_text (gint64 duration_us)
{
  double ms = duration_us / 1000.0;

  if (ms < 10)
    /* Translators: a duration in milliseconds */
    return g_strdup_printf (_("%.1f ms"), ms);
  if (ms < 10000)
    return g_strdup_printf (_("%.0f ms"), ms);
  /* Translators: a duration in seconds */
  return g_strdup_printf (_("%.1f s"), ms / 1000.0);
}

static char *
format_offset_text (gint64 offset_us)
{
  /* Translators: the time of a step since the attempt started, in milliseconds */
  return g_strdup_printf (_("+%.1f ms"), offset_us / 1000.0);
}

static char *
format_time_text (gint64 started_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (started_us / G_USEC_PER_SEC);

  if (time == NULL)
    return g_strdup ("");
  return g_date_time_format (time, "%H:%M:%S");
}

static const char *
result_icon (BurrowPunchResult result)
{
  switch (result)
    {
    case BURROW_PUNCH_RESULT_CONNECTED:
      return "emblem-ok-symbolic";
    case BURROW_PUNCH_RESULT_FAILED:
      return "dialog-error-symbolic";
    case BURROW_PUNCH_RESULT_CANCELLED:
      return "action-unavailable-symbolic";
    case BURROW_PUNCH_RESULT_PENDING:
    default:
      return "content-loading-symbolic";
    }
}

static const char *
result_css_class (BurrowPunchResult result)
{
  switch (result)
    {
    case BURROW_PUNCH_RESULT_CONNECTED:
      return "burrow-result-connected";
    case BURROW_PUNCH_RESULT_FAILED:
      return "burrow-result-failed";
    case BURROW_PUNCH_RESULT_CANCELLED:
      return "burrow-result-cancelled";
    case BURROW_PUNCH_RESULT_PENDING:
    default:
      return "burrow-result-pending";
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Template callbacks used as closures by the cells                                               */
/* ---------------------------------------------------------------------------------------------- */

static char *
format_time (gpointer unused,
             gint64   started)
{
  return format_time_text (started);
}

static char *
format_peer (gpointer    unused,
             const char *nick)
{
  return g_strdup (nick != NULL && *nick != '\0' ? nick : "?");
}

static char *
format_method (gpointer          unused,
               BurrowPunchMethod method)
{
  return g_strdup (burrow_connectivity_format_method (method));
}

static char *
format_role (gpointer        unused,
             BurrowPunchRole role)
{
  return g_strdup (format_role_tooltip (role));
}

static char *
format_role_arrow (gpointer        unused,
                   BurrowPunchRole role)
{
  /* Outgoing (we asked) or incoming (the peer asked); the tooltip says it in words. */
  return g_strdup (role == BURROW_PUNCH_ROLE_INITIATOR ? "→" : "←");
}

static char *
format_endpoints (gpointer    unused,
                  const char *local,
                  const char *remote)
{
  if (local == NULL && remote == NULL)
    return g_strdup ("—");
  return g_strdup_printf ("%s → %s", local ? local : "?", remote ? remote : "?");
}

static char *
format_result (gpointer          unused,
               BurrowPunchResult result)
{
  return g_strdup (burrow_connectivity_format_result (result));
}

static char *
result_icon_name (gpointer          unused,
                  BurrowPunchResult result)
{
  return g_strdup (result_icon (result));
}

static gboolean
result_is_pending (gpointer          unused,
                   BurrowPunchResult result)
{
  return result == BURROW_PUNCH_RESULT_PENDING;
}

static gboolean
result_is_finished (gpointer          unused,
                    BurrowPunchResult result)
{
  return result != BURROW_PUNCH_RESULT_PENDING;
}

static GStrv
result_css_classes (gpointer          unused,
                    BurrowPunchResult result)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv classes;

  g_strv_builder_add (builder, "burrow-result");
  g_strv_builder_add (builder, result_css_class (result));
  classes = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return classes;
}

/* ---------------------------------------------------------------------------------------------- */
/* Duration cells (live while pending)                                                            */
/* ---------------------------------------------------------------------------------------------- */

static void
update_duration_label (GtkListItem *item)
{
  BurrowPunchAttempt *attempt = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  if (attempt == NULL || label == NULL)
    return;
  text = format_duration_text (burrow_punch_attempt_get_duration_us (attempt));
  gtk_label_set_text (GTK_LABEL (label), text);
}

static void
on_duration_attempt_result_notify_cb (BurrowPunchAttempt *attempt,
                                      GParamSpec         *pspec,
                                      GtkListItem        *item)
{
  BurrowConnectivityPage *self = g_object_get_data (G_OBJECT (item), "burrow-page");

  update_duration_label (item);
  if (burrow_punch_attempt_get_result (attempt) != BURROW_PUNCH_RESULT_PENDING && self != NULL)
    {
      g_ptr_array_remove (self->live_items, item);
      update_live_timer (self);
    }
}

static void
on_duration_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      BurrowConnectivityPage   *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "burrow-numeric");
  gtk_list_item_set_child (item, label);
  g_object_set_data (G_OBJECT (item), "burrow-page", self);
}

static void
on_duration_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     BurrowConnectivityPage   *self)
{
  BurrowPunchAttempt *attempt = gtk_list_item_get_item (item);

  update_duration_label (item);
  g_signal_connect_object (attempt, "notify::result",
                           G_CALLBACK (on_duration_attempt_result_notify_cb), item, 0);
  if (burrow_punch_attempt_get_result (attempt) == BURROW_PUNCH_RESULT_PENDING)
    {
      g_ptr_array_add (self->live_items, item);
      update_live_timer (self);
    }
}

static void
on_duration_unbind_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       BurrowConnectivityPage   *self)
{
  BurrowPunchAttempt *attempt = gtk_list_item_get_item (item);

  if (attempt != NULL)
    g_signal_handlers_disconnect_by_func (attempt, on_duration_attempt_result_notify_cb, item);
  g_ptr_array_remove (self->live_items, item);
  update_live_timer (self);
}

static void
on_duration_teardown_cb (GtkSignalListItemFactory *factory,
                         GtkListItem              *item,
                         BurrowConnectivityPage   *self)
{
  g_ptr_array_remove (self->live_items, item);
  g_object_set_data (G_OBJECT (item), "burrow-page", NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* Details pane                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static void
set_label_or_dash (GtkLabel   *label,
                   const char *text)
{
  gtk_label_set_text (label, text != NULL && *text != '\0' ? text : "—");
}

static GtkWidget *
create_step_row (const BurrowPunchStep *step)
{
  g_autofree char *offset = format_offset_text (step->offset_us);
  GtkWidget *row;
  GtkWidget *grid;
  GtkWidget *time_label;
  GtkWidget *kind_label;
  GtkWidget *detail_label;

  /* time | kind
   *      | detail (the wire facts, in small monospace) */
  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  gtk_widget_add_css_class (grid, "burrow-step");
  if (step->kind == BURROW_PUNCH_STEP_FAILED)
    gtk_widget_add_css_class (grid, "burrow-step-failed");
  else if (step->kind == BURROW_PUNCH_STEP_TCP_ESTABLISHED ||
           step->kind == BURROW_PUNCH_STEP_TLS_DONE ||
           step->kind == BURROW_PUNCH_STEP_PEER_INF)
    gtk_widget_add_css_class (grid, "burrow-step-good");

  time_label = gtk_label_new (offset);
  gtk_label_set_xalign (GTK_LABEL (time_label), 1);
  gtk_label_set_width_chars (GTK_LABEL (time_label), 9);
  gtk_widget_add_css_class (time_label, "burrow-numeric");
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), time_label, 0, 0, 1, 1);

  kind_label = gtk_label_new (burrow_connectivity_format_step_kind (step->kind));
  gtk_label_set_xalign (GTK_LABEL (kind_label), 0);
  gtk_widget_set_hexpand (kind_label, TRUE);
  gtk_widget_add_css_class (kind_label, "burrow-step-kind");
  gtk_grid_attach (GTK_GRID (grid), kind_label, 1, 0, 1, 1);

  detail_label = gtk_label_new (step->detail);
  gtk_label_set_xalign (GTK_LABEL (detail_label), 0);
  gtk_label_set_wrap (GTK_LABEL (detail_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (detail_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (detail_label), TRUE);
  gtk_widget_set_focusable (detail_label, FALSE);
  gtk_widget_add_css_class (detail_label, "burrow-step-detail");
  gtk_widget_set_visible (detail_label, step->detail != NULL && *step->detail != '\0');
  gtk_grid_attach (GTK_GRID (grid), detail_label, 1, 1, 1, 1);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), grid);
  return row;
}

static void
clear_timeline (BurrowConnectivityPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline))) != NULL)
    gtk_list_box_remove (self->timeline, child);
  self->shown_n_steps = 0;
}

/* Steps are only ever appended: add rows for the new ones. */
static void
append_new_steps (BurrowConnectivityPage *self)
{
  guint n = burrow_punch_attempt_get_n_steps (self->shown);

  for (; self->shown_n_steps < n; self->shown_n_steps++)
    {
      const BurrowPunchStep *step = burrow_punch_attempt_get_step (self->shown,
                                                                   self->shown_n_steps);

      gtk_list_box_append (self->timeline, create_step_row (step));
    }
}

static char *
dup_plain_diagnosis (BurrowPunchAttempt *attempt)
{
  g_autofree char *duration = format_duration_text (burrow_punch_attempt_get_duration_us (attempt));
  const char *diagnosis = burrow_punch_attempt_get_diagnosis (attempt);
  BurrowPunchMethod punch_method = burrow_punch_attempt_get_method (attempt);
  const char *method = burrow_connectivity_format_method (punch_method);

  switch (burrow_punch_attempt_get_result (attempt))
    {
    case BURROW_PUNCH_RESULT_CONNECTED:
      /* Translators: the first %s is a method (Direct, NAT traversal…), the second a duration */
      return g_strdup_printf (_("Connected (%s) in %s."), method, duration);
    case BURROW_PUNCH_RESULT_FAILED:
      if (diagnosis != NULL && *diagnosis != '\0')
        return g_strdup (diagnosis);
      return g_strdup (_("The attempt failed without a reason."));
    case BURROW_PUNCH_RESULT_CANCELLED:
      return g_strdup (_("The attempt was stopped before it finished."));
    case BURROW_PUNCH_RESULT_PENDING:
    default:
      return g_strdup (_("Still trying to reach the peer…"));
    }
}

static void
update_details_fields (BurrowConnectivityPage *self)
{
  BurrowPunchAttempt *attempt = self->shown;
  BurrowPunchResult result;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *started = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *diagnosis = NULL;
  const char *nick;

  if (attempt == NULL)
    return;

  result = burrow_punch_attempt_get_result (attempt);
  nick = burrow_punch_attempt_get_peer_nick (attempt);
  /* Translators: title of the details of a connection attempt: peer nick — method */
  title = g_strdup_printf (_("%s — %s"), nick != NULL ? nick : "?",
                           burrow_connectivity_format_method (
                             burrow_punch_attempt_get_method (attempt)));
  gtk_label_set_text (self->details_title_label, title);

  started = format_time_text (burrow_punch_attempt_get_started (attempt));
  duration = format_duration_text (burrow_punch_attempt_get_duration_us (attempt));
  /* Translators: result · role · start time · duration,
   * e.g. "Connected · Initiator · 12:03:04 · 12 ms" */
  subtitle = g_strdup_printf (_("%s · %s · %s · %s"),
                              burrow_connectivity_format_result (result),
                              format_role_text (burrow_punch_attempt_get_role (attempt)),
                              started, duration);
  gtk_label_set_text (self->details_subtitle_label, subtitle);

  gtk_image_set_from_icon_name (self->details_icon, result_icon (result));
  gtk_widget_set_css_classes (GTK_WIDGET (self->details_icon),
                              (const char *[]) { "burrow-result", result_css_class (result),
                                                 NULL });

  diagnosis = dup_plain_diagnosis (attempt);
  gtk_label_set_text (self->diagnosis_label, diagnosis);
  gtk_widget_set_css_classes (GTK_WIDGET (self->diagnosis_label),
                              (const char *[]) { "burrow-diagnosis", result_css_class (result),
                                                 NULL });

  set_label_or_dash (self->hub_value_label, burrow_punch_attempt_get_hub (attempt));
  set_label_or_dash (self->local_value_label, burrow_punch_attempt_get_local (attempt));
  set_label_or_dash (self->remote_value_label, burrow_punch_attempt_get_remote (attempt));
  set_label_or_dash (self->token_value_label, burrow_punch_attempt_get_token (attempt));
  set_label_or_dash (self->cid_value_label, burrow_punch_attempt_get_peer_cid (attempt));
  set_label_or_dash (self->keyprint_value_label, burrow_punch_attempt_get_peer_keyprint (attempt));
  {
    const char *protocol = burrow_punch_attempt_get_protocol (attempt);
    g_autofree char *text = NULL;

    /* ADCS/0.10 and NMDCS: TLS; ADC/1.0 and NMDC: plain */
    if (protocol != NULL && (g_str_has_prefix (protocol, "ADCS") || g_str_equal (protocol, "NMDCS")))
      /* Translators: %s is a protocol name such as ADCS/0.10 or NMDCS */
      text = g_strdup_printf (_("%s (encrypted with TLS)"), protocol);
    else if (protocol != NULL)
      /* Translators: %s is a protocol name such as ADC/1.0 */
      text = g_strdup_printf (_("%s (not encrypted)"), protocol);
    set_label_or_dash (self->protocol_value_label, text);
  }
}

static void
on_shown_attempt_notify_cb (BurrowConnectivityPage *self,
                            GParamSpec             *pspec,
                            BurrowPunchAttempt     *attempt)
{
  g_assert (BURROW_IS_CONNECTIVITY_PAGE (self));

  if (g_strcmp0 (pspec->name, "n-steps") == 0)
    append_new_steps (self);
  update_details_fields (self);
  if (g_strcmp0 (pspec->name, "result") == 0)
    update_live_timer (self);
}

static void
show_attempt (BurrowConnectivityPage *self,
              BurrowPunchAttempt     *attempt)
{
  if (self->shown == attempt)
    return;

  if (self->shown != NULL)
    g_clear_signal_handler (&self->shown_notify_id, self->shown);
  g_set_object (&self->shown, attempt);
  clear_timeline (self);

  if (attempt == NULL)
    {
      gtk_stack_set_visible_child_name (self->details_stack, "none");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "connectivity.copy-json", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "connectivity.export-json", FALSE);
      update_live_timer (self);
      return;
    }

  self->shown_notify_id = g_signal_connect_object (attempt, "notify",
                                                   G_CALLBACK (on_shown_attempt_notify_cb), self,
                                                   G_CONNECT_SWAPPED);
  append_new_steps (self);
  update_details_fields (self);
  gtk_widget_set_visible (GTK_WIDGET (self->copied_label), FALSE);
  gtk_stack_set_visible_child_name (self->details_stack, "details");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connectivity.copy-json", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connectivity.export-json", TRUE);
  update_live_timer (self);
}

static void
on_selection_selected_item_notify_cb (BurrowConnectivityPage *self,
                                      GParamSpec             *pspec,
                                      GtkSingleSelection     *selection)
{
  g_assert (BURROW_IS_CONNECTIVITY_PAGE (self));

  show_attempt (self, gtk_single_selection_get_selected_item (selection));
}

/* ---------------------------------------------------------------------------------------------- */
/* Live clock                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
live_tick_cb (gpointer user_data)
{
  BurrowConnectivityPage *self = user_data;

  for (guint i = 0; i < self->live_items->len; i++)
    update_duration_label (g_ptr_array_index (self->live_items, i));
  if (self->shown != NULL &&
      burrow_punch_attempt_get_result (self->shown) == BURROW_PUNCH_RESULT_PENDING)
    update_details_fields (self);
  return G_SOURCE_CONTINUE;
}

static void
update_live_timer (BurrowConnectivityPage *self)
{
  gboolean needed;

  needed = gtk_widget_get_mapped (GTK_WIDGET (self)) &&
           (self->live_items->len > 0 ||
            (self->shown != NULL &&
             burrow_punch_attempt_get_result (self->shown) == BURROW_PUNCH_RESULT_PENDING));

  if (needed && self->live_id == 0)
    self->live_id = g_timeout_add (LIVE_INTERVAL_MS, live_tick_cb, self);
  else if (!needed)
    g_clear_handle_id (&self->live_id, g_source_remove);
}

/* ---------------------------------------------------------------------------------------------- */
/* How others reach us: automatic mode's decisions, or the mode chosen in Preferences             */
/* ---------------------------------------------------------------------------------------------- */

static const char *
format_decision_mode (const BurrowConnectivityDecision *decision)
{
  if (decision == NULL)
    return "—";
  if (decision->mode == BURROW_CONNECTIVITY_ACTIVE)
    return C_("mode", "Active");
  return C_("mode", "Passive");
}

static const char *
format_mapping_method (BurrowMappingMethod method)
{
  /* Protocol names, the same in every language. */
  switch (method)
    {
    case BURROW_MAPPING_METHOD_PCP:
      return "PCP";
    case BURROW_MAPPING_METHOD_NAT_PMP:
      return "NAT-PMP";
    case BURROW_MAPPING_METHOD_UPNP:
      return "UPnP";
    case BURROW_MAPPING_METHOD_NONE:
    default:
      /* Translators: no port mapping on the router */
      return C_("port mapping", "none");
    }
}

static char *
format_endpoint (GInetAddress *address,
                 guint         port)
{
  g_autofree char *text = g_inet_address_to_string (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", text, port);
  return g_strdup_printf ("%s:%u", text, port);
}

/* The time a lease has left, counting down each second. */
static char *
format_lease_left (gint64 left_us)
{
  gint64 left_s = MAX (left_us, 0) / G_USEC_PER_SEC;

  if (left_s >= 3600)
    /* Translators: the time a port mapping has left, e.g. "1 h 05 min left" */
    return g_strdup_printf (_("%u h %02u min left"), (guint) (left_s / 3600),
                            (guint) (left_s % 3600 / 60));
  /* Translators: the time a port mapping has left, e.g. "52 min 07 s left" */
  return g_strdup_printf (_("%u min %02u s left"), (guint) (left_s / 60), (guint) (left_s % 60));
}

/* How long ago @then_us (wall-clock µs) was, in words. */
static char *
format_time_ago (gint64 then_us,
                 gint64 now_us)
{
  guint64 ago_s = now_us > then_us ? (guint64) (now_us - then_us) / G_USEC_PER_SEC : 0;
  guint n;

  if (ago_s < 60)
    {
      n = (guint) ago_s;
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second ago", "%u seconds ago", n),
                              n);
    }
  if (ago_s < 3600)
    {
      n = (guint) (ago_s / 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute ago", "%u minutes ago", n),
                              n);
    }
  if (ago_s < 86400)
    {
      n = (guint) (ago_s / 3600);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour ago", "%u hours ago", n), n);
    }
  n = (guint) MIN (ago_s / 86400, G_MAXUINT);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day ago", "%u days ago", n), n);
}

static void
show_decision (GtkLabel                         *mode_label,
               GtkLabel                         *sentence_label,
               const BurrowConnectivityDecision *decision)
{
  gtk_label_set_text (mode_label, format_decision_mode (decision));
  gtk_label_set_text (sentence_label, decision != NULL && decision->sentence != NULL
                                      ? decision->sentence : "");
}

/* The client starts automatic mode's engine when it needs it (and a new one when the port
 * changes): follow whichever it has now. */
static void
track_connectivity (BurrowConnectivityPage *self)
{
  BurrowConnectivity *connectivity = NULL;

  if (self->client != NULL && burrow_client_get_mode (self->client) == BURROW_CONNECTION_MODE_AUTO)
    connectivity = burrow_client_get_connectivity (self->client);
  if (g_set_object (&self->connectivity, connectivity))
    g_signal_group_set_target (self->connectivity_signals, connectivity);
}

static void
update_reach (BurrowConnectivityPage *self)
{
  const BurrowConnectivityDecision *v4;
  const BurrowConnectivityDecision *v6;
  const BurrowPortMapping *mapping = NULL;
  BurrowPortMapper *mapper;
  BurrowNatConnector *connector = burrow_client_get_connector (self->client);
  g_autofree char *address = NULL;
  g_autofree char *lease = NULL;
  g_autofree char *confirmed = NULL;
  gint64 confirmed_at;

  track_connectivity (self);
  if (self->connectivity != NULL)
    {
      v4 = burrow_connectivity_get_decision (self->connectivity, G_SOCKET_FAMILY_IPV4);
      v6 = burrow_connectivity_get_decision (self->connectivity, G_SOCKET_FAMILY_IPV6);
    }
  else
    {
      v4 = v6 = NULL;
    }
  /* The engine decides once it is on a hub. */
  if (v4 == NULL && v6 == NULL)
    {
      g_autofree char *text = NULL;

      switch (burrow_client_get_mode (self->client))
        {
        case BURROW_CONNECTION_MODE_ACTIVE:
          /* Translators: %u is a TCP port number */
          text = g_strdup_printf (_("Active on port %u (chosen in Preferences)"),
                                  burrow_nat_connector_get_port (connector));
          break;
        case BURROW_CONNECTION_MODE_AUTO:
          text = g_strdup (_("Automatic: Burrow decides once you are on a hub."));
          break;
        case BURROW_CONNECTION_MODE_PASSIVE:
        default:
          text = g_strdup (_("Passive with NAT traversal (chosen in Preferences)"));
          break;
        }
      gtk_label_set_text (self->reach_manual_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->reach_manual_label), TRUE);
      gtk_widget_set_visible (self->reach_auto_box, FALSE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->reach_manual_label), FALSE);
  gtk_widget_set_visible (self->reach_auto_box, TRUE);

  show_decision (self->ipv4_mode_label, self->ipv4_sentence_label, v4);
  show_decision (self->ipv6_mode_label, self->ipv6_sentence_label, v6);

  mapper = burrow_connectivity_get_mapper (self->connectivity);
  if (mapper != NULL)
    mapping = burrow_port_mapper_get_mapping (mapper, BURROW_PORTMAP_TCP);
  gtk_label_set_text (self->mapping_method_label,
                      format_mapping_method (mapping != NULL ? mapping->method
                                                             : BURROW_MAPPING_METHOD_NONE));

  /* What we announce (an external port of 0 is our own listening port); else what the
   * router says, though the decision did not take it (double NAT). */
  if (v4 != NULL && v4->external_address != NULL)
    address = format_endpoint (v4->external_address, v4->external_port != 0
                                                     ? v4->external_port
                                                     : burrow_nat_connector_get_port (connector));
  else if (v6 != NULL && v6->external_address != NULL)
    address = format_endpoint (v6->external_address, v6->external_port != 0
                                                     ? v6->external_port
                                                     : burrow_nat_connector_get_port (connector));
  else if (mapping != NULL && mapping->external_address != NULL)
    address = format_endpoint (mapping->external_address, mapping->external_port);
  gtk_label_set_text (self->mapping_address_label, address != NULL ? address : "—");

  if (mapping != NULL)
    lease = format_lease_left (mapping->obtained + (gint64) mapping->lifetime * G_USEC_PER_SEC -
                               g_get_monotonic_time ());
  gtk_label_set_text (self->mapping_lease_label, lease != NULL ? lease : "—");

  confirmed_at = MAX (v4 != NULL ? v4->confirmed_at : 0, v6 != NULL ? v6->confirmed_at : 0);
  if (confirmed_at > 0)
    confirmed = format_time_ago (confirmed_at, g_get_real_time ());
  /* Translators: no other user has reached us yet */
  gtk_label_set_text (self->confirmation_label,
                      confirmed != NULL ? confirmed : C_("confirmation", "never"));
}

/* ---------------------------------------------------------------------------------------------- */
/* Summary                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
update_summary (BurrowConnectivityPage *self)
{
  BurrowNatConnector *connector;
  g_auto(GStrv) addresses = NULL;
  g_auto(GStrv) seen_by = NULL;
  g_autofree char *rate_detail = NULL;
  g_autofree char *count = NULL;
  BurrowPunchTally tally = { 0 };
  GListModel *hubs;
  gboolean passive;
  guint connected;
  guint pending;
  guint finished;
  gint percent;
  guint n_hubs_connected = 0;
  guint n_shown;
  guint n;

  if (self->client == NULL)
    return;

  update_reach (self);

  connector = burrow_client_get_connector (self->client);
  /* automatic mode may have decided either way: what we act as is the connector's */
  passive = !burrow_nat_connector_is_active (connector);

  /* How others reach us */
  if (passive)
    {
      gtk_label_set_text (self->mode_label, C_("mode", "Passive"));
      gtk_label_set_text (self->mode_detail_label,
                          _("No listening port: other users cannot connect to you directly."));
      gtk_label_set_text (self->natt_label, _("NAT traversal: yes"));
      gtk_widget_set_css_classes (GTK_WIDGET (self->natt_label),
                                  (const char *[]) { "burrow-badge", "burrow-result-connected",
                                                     NULL });
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->natt_label),
                                   _("Burrow announces NAT0: another passive user with NAT "
                                     "traversal can still reach you by a simultaneous open."));
    }
  else
    {
      g_autofree char *detail = NULL;

      gtk_label_set_text (self->mode_label, C_("mode", "Active"));
      /* Translators: %u is a port number */
      detail = g_strdup_printf (_("Listening on port %u (TCP and UDP)."),
                                burrow_nat_connector_get_port (connector));
      gtk_label_set_text (self->mode_detail_label, detail);
      gtk_label_set_text (self->natt_label, _("NAT traversal: not needed"));
      gtk_widget_set_css_classes (GTK_WIDGET (self->natt_label),
                                  (const char *[]) { "burrow-badge", NULL });
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->natt_label),
                                   _("Other users connect to your port directly."));
    }

  /* What the hubs see */
  hubs = burrow_client_get_hubs (self->client);
  addresses = burrow_hub_list_dup_own_addresses (BURROW_HUB_LIST (hubs), &seen_by);
  n_hubs_connected = burrow_hub_list_get_n_logged_in (BURROW_HUB_LIST (hubs));
  if (addresses[0] != NULL)
    {
      g_autofree char *detail = NULL;
      g_autofree char *address_text = g_strjoinv (", ", addresses);
      g_autofree char *hub_text = g_strjoinv (", ", seen_by);

      gtk_label_set_text (self->address_label, address_text);
      /* Translators: %s is a list of hub names */
      detail = g_strdup_printf (_("As seen by %s."), hub_text);
      gtk_label_set_text (self->address_detail_label, detail);
    }
  else if (n_hubs_connected > 0)
    {
      gtk_label_set_text (self->address_label, _("Unknown"));
      gtk_label_set_text (self->address_detail_label,
                          _("The hubs you are on do not tell you your address."));
    }
  else
    {
      gtk_label_set_text (self->address_label, _("Unknown"));
      gtk_label_set_text (self->address_detail_label,
                          _("Connect to a hub to learn the address others see."));
    }

  /* How well it works */
  n = self->attempts != NULL ? g_list_model_get_n_items (self->attempts) : 0;
  if (self->attempts != NULL)
    burrow_punch_attempts_tally (self->attempts, &tally);
  connected = tally.connected;
  pending = tally.pending;
  finished = tally.connected + tally.failed;
  percent = burrow_punch_tally_get_percent (&tally);
  if (percent >= 0)
    {
      g_autofree char *rate = g_strdup_printf ("%d %%", percent);

      gtk_label_set_text (self->rate_label, rate);
      gtk_level_bar_set_value (self->rate_bar, (double) connected / finished);
    }
  else
    {
      gtk_label_set_text (self->rate_label, "—");
      gtk_level_bar_set_value (self->rate_bar, 0);
    }
  /* Translators: "3 of 4 finished attempts connected", then how many are still running */
  rate_detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%u of %u finished attempt connected",
                                              "%u of %u finished attempts connected", finished),
                                 connected, finished);
  if (pending > 0)
    {
      g_autofree char *running = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%u running", "%u running",
                                                               pending),
                                                  pending);
      g_autofree char *both = g_strdup_printf ("%s · %s", rate_detail, running);

      g_free (rate_detail);
      rate_detail = g_steal_pointer (&both);
    }
  gtk_label_set_text (self->rate_detail_label, rate_detail);

  /* The list's header */
  n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shown of %u", "%u shown of %u",
                                        n_shown),
                           n_shown, n);
  gtk_label_set_text (self->count_label, count);
  gtk_stack_set_visible_child_name (self->list_stack, n > 0 ? "list" : "empty");
}

static gboolean
summary_idle_cb (gpointer user_data)
{
  BurrowConnectivityPage *self = user_data;

  self->summary_idle_id = 0;
  update_summary (self);
  return G_SOURCE_REMOVE;
}

static void
queue_summary (BurrowConnectivityPage *self)
{
  if (self->summary_idle_id == 0)
    self->summary_idle_id = g_idle_add (summary_idle_cb, self);
}

static gboolean
summary_tick_cb (gpointer user_data)
{
  update_summary (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------- */
/* Model and filter                                                                               */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
filter_match (gpointer item,
              gpointer user_data)
{
  BurrowConnectivityPage *self = user_data;
  BurrowPunchResult result = burrow_punch_attempt_get_result (item);

  if (g_strcmp0 (self->filter, "connected") == 0)
    return result == BURROW_PUNCH_RESULT_CONNECTED;
  if (g_strcmp0 (self->filter, "failed") == 0)
    return result == BURROW_PUNCH_RESULT_FAILED || result == BURROW_PUNCH_RESULT_CANCELLED;
  if (g_strcmp0 (self->filter, "pending") == 0)
    return result == BURROW_PUNCH_RESULT_PENDING;
  return TRUE;
}

static void
on_attempt_result_notify_cb (BurrowConnectivityPage *self,
                             GParamSpec             *pspec,
                             BurrowPunchAttempt     *attempt)
{
  /* The filter list model does not watch properties: re-filter when a result changes. */
  if (g_strcmp0 (self->filter, "all") != 0)
    gtk_filter_changed (GTK_FILTER (self->result_filter), GTK_FILTER_CHANGE_DIFFERENT);
  queue_summary (self);
}

static void
on_attempts_items_changed_cb (BurrowConnectivityPage *self,
                              guint                   position,
                              guint                   removed,
                              guint                   added,
                              GListModel             *attempts)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BurrowPunchAttempt) attempt = g_list_model_get_item (attempts, i);

      g_signal_connect_object (attempt, "notify::result",
                               G_CALLBACK (on_attempt_result_notify_cb), self,
                               G_CONNECT_SWAPPED);
    }
  queue_summary (self);
}

static void
on_client_mode_notify_cb (BurrowConnectivityPage *self,
                          GParamSpec             *pspec,
                          BurrowClient           *client)
{
  queue_summary (self);
}

static void
on_hubs_items_changed_cb (BurrowConnectivityPage *self,
                          guint                   position,
                          guint                   removed,
                          guint                   added,
                          GListModel             *hubs)
{
  /* Automatic mode's engine may start with the first hub. */
  queue_summary (self);
}

static void
on_connectivity_changed_cb (BurrowConnectivityPage *self,
                            GSocketFamily           family,
                            BurrowConnectivity     *connectivity)
{
  queue_summary (self);
}

/* ---------------------------------------------------------------------------------------------- */
/* Actions                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static gboolean
hide_copied_cb (gpointer user_data)
{
  BurrowConnectivityPage *self = user_data;

  self->copied_id = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->copied_label), FALSE);
  return G_SOURCE_REMOVE;
}

/**
 * burrow_connectivity_page_copy_json:
 *
 * Puts the selected attempt, as JSON (burrow_punch_attempt_to_json()), on the clipboard.
 */
void
burrow_connectivity_page_copy_json (BurrowConnectivityPage *self)
{
  g_autofree char *json = NULL;

  g_return_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self));

  if (self->shown == NULL)
    return;
  json = burrow_punch_attempt_to_json (self->shown);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), json);

  gtk_widget_set_visible (GTK_WIDGET (self->copied_label), TRUE);
  g_clear_handle_id (&self->copied_id, g_source_remove);
  self->copied_id = g_timeout_add (COPIED_VISIBLE_MS, hide_copied_cb, self);
}

static void
copy_json_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  burrow_connectivity_page_copy_json (BURROW_CONNECTIVITY_PAGE (widget));
}

static void
show_error (BurrowConnectivityPage *self,
            const char             *text)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), BURROW_TYPE_WINDOW);

  if (window != NULL)
    burrow_window_show_banner (BURROW_WINDOW (window), text);
  else
    g_message ("%s", text);
}

static void
on_export_written_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(BurrowConnectivityPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is why the file could not be written */
      text = g_strdup_printf (_("Could not export the attempt: %s"), error->message);
      show_error (self, text);
    }
}

static void
on_export_chosen_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(BurrowConnectivityPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  BurrowPunchAttempt *attempt;
  char *json;

  file = burrow_file_chooser_save_finish (result, &error);
  attempt = g_object_get_data (G_OBJECT (self), "export-attempt");
  if (file == NULL || attempt == NULL)
    return;

  json = g_strconcat (burrow_punch_attempt_to_json (attempt), "\n", NULL);
  bytes = g_bytes_new_take (json, strlen (json));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, on_export_written_cb,
                                       g_object_ref (self));
}

static void
export_json_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (widget);
  g_autofree char *name = NULL;
  GtkRoot *root;

  if (self->shown == NULL)
    return;

  name = g_strdup_printf ("burrow-punch-%s.json", burrow_punch_attempt_get_token (self->shown)
                                                  ? burrow_punch_attempt_get_token (self->shown)
                                                  : "attempt");
  g_strdelimit (name, "/\\", '_');
  root = gtk_widget_get_root (widget);
  g_object_set_data_full (G_OBJECT (self), "export-attempt", g_object_ref (self->shown),
                          g_object_unref);
  burrow_file_chooser_save_async (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                  _("Export Connection Attempt"), name, self->cancellable,
                                  on_export_chosen_cb, g_object_ref (self));
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/**
 * burrow_connectivity_page_new:
 *
 * Returns: (transfer floating): a new, empty punch panel; give it a client
 */
GtkWidget *
burrow_connectivity_page_new (void)
{
  return g_object_new (BURROW_TYPE_CONNECTIVITY_PAGE, NULL);
}

/**
 * burrow_connectivity_page_set_client:
 * @client: (nullable): the engine whose connector's attempts are shown
 */
void
burrow_connectivity_page_set_client (BurrowConnectivityPage *self,
                                     BurrowClient           *client)
{
  GListModel *attempts = NULL;

  g_return_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self));
  g_return_if_fail (client == NULL || BURROW_IS_CLIENT (client));

  if (!g_set_object (&self->client, client))
    return;

  if (client != NULL)
    attempts = burrow_nat_connector_get_attempts (burrow_client_get_connector (client));
  g_set_object (&self->attempts, attempts);

  g_signal_group_set_target (self->client_signals, client);
  g_signal_group_set_target (self->hubs_signals,
                             client != NULL ? burrow_client_get_hubs (client) : NULL);
  g_signal_group_set_target (self->attempts_signals, attempts);
  if (attempts != NULL)
    on_attempts_items_changed_cb (self, 0, 0, g_list_model_get_n_items (attempts), attempts);
  gtk_sort_list_model_set_model (self->sort_model, attempts);

  update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

/**
 * burrow_connectivity_page_get_client:
 *
 * Returns: (transfer none) (nullable): the client
 */
BurrowClient *
burrow_connectivity_page_get_client (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return self->client;
}

/**
 * burrow_connectivity_page_get_filter:
 *
 * Returns: which attempts are listed: "all", "connected", "failed" (and cancelled) or
 *   "pending"
 */
const char *
burrow_connectivity_page_get_filter (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return self->filter;
}

/**
 * burrow_connectivity_page_set_filter:
 * @filter: (nullable): "all", "connected", "failed" or "pending"; %NULL or anything else
 *   means "all"
 */
void
burrow_connectivity_page_set_filter (BurrowConnectivityPage *self,
                                     const char             *filter)
{
  static const char * const known[] = { "all", "connected", "failed", "pending", NULL };

  g_return_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self));

  if (filter == NULL || !g_strv_contains (known, filter))
    filter = "all";
  if (g_strcmp0 (self->filter, filter) == 0)
    return;

  g_free (self->filter);
  self->filter = g_strdup (filter);
  gtk_filter_changed (GTK_FILTER (self->result_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

/**
 * burrow_connectivity_page_get_model:
 *
 * Returns: (transfer none): the listed attempts, newest first, filtered
 */
GListModel *
burrow_connectivity_page_get_model (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return G_LIST_MODEL (self->selection);
}

/**
 * burrow_connectivity_page_get_column_view:
 *
 * Returns: (transfer none): the list of attempts
 */
GtkColumnView *
burrow_connectivity_page_get_column_view (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return self->column_view;
}

/**
 * burrow_connectivity_page_get_selected:
 *
 * Returns: (transfer none) (nullable): the attempt shown in the details pane
 */
BurrowPunchAttempt *
burrow_connectivity_page_get_selected (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return self->shown;
}

/**
 * burrow_connectivity_page_select:
 *
 * Selects @attempt if it is listed (the filter may hide it).
 *
 * Returns: %TRUE if it is now selected
 */
gboolean
burrow_connectivity_page_select (BurrowConnectivityPage *self,
                                 BurrowPunchAttempt     *attempt)
{
  GListModel *model;
  guint n;

  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), FALSE);
  g_return_val_if_fail (BURROW_IS_PUNCH_ATTEMPT (attempt), FALSE);

  model = G_LIST_MODEL (self->selection);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BurrowPunchAttempt) item = g_list_model_get_item (model, i);

      if (item == attempt)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * burrow_connectivity_page_get_timeline:
 *
 * Returns: (transfer none): the list of the selected attempt's steps
 */
GtkListBox *
burrow_connectivity_page_get_timeline (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return self->timeline;
}

/**
 * burrow_connectivity_page_dup_timeline_text:
 *
 * The timeline as shown, one step a line ("+12.3 ms  NAT received  NAT ADCS/0.10 41056"),
 * read back from the row widgets.
 *
 * Returns: (transfer full): the text
 */
char *
burrow_connectivity_page_dup_timeline_text (BurrowConnectivityPage *self)
{
  GString *out;

  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);

  out = g_string_new (NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->timeline)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *box;
      gboolean first = TRUE;

      if (!GTK_IS_LIST_BOX_ROW (row))
        continue;
      box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      for (GtkWidget *label = gtk_widget_get_first_child (box); label != NULL;
           label = gtk_widget_get_next_sibling (label))
        {
          if (!GTK_IS_LABEL (label) || !gtk_widget_get_visible (label))
            continue;
          if (!first)
            g_string_append (out, "  ");
          g_string_append (out, gtk_label_get_text (GTK_LABEL (label)));
          first = FALSE;
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/**
 * burrow_connectivity_page_get_diagnosis_text:
 *
 * Returns: the plain-words diagnosis shown for the selected attempt
 */
const char *
burrow_connectivity_page_get_diagnosis_text (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);
  return gtk_label_get_text (self->diagnosis_label);
}

/**
 * burrow_connectivity_page_dup_summary_text:
 *
 * The summary cards' text (mode, NAT traversal, public address, success rate), one a line.
 *
 * Returns: (transfer full): the text
 */
char *
burrow_connectivity_page_dup_summary_text (BurrowConnectivityPage *self)
{
  g_return_val_if_fail (BURROW_IS_CONNECTIVITY_PAGE (self), NULL);

  update_summary (self);
  return g_strjoin ("\n",
                    gtk_label_get_text (self->mode_label),
                    gtk_label_get_text (self->mode_detail_label),
                    gtk_label_get_text (self->natt_label),
                    gtk_label_get_text (self->address_label),
                    gtk_label_get_text (self->address_detail_label),
                    gtk_label_get_text (self->rate_label),
                    gtk_label_get_text (self->rate_detail_label),
                    NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void
burrow_connectivity_page_map (GtkWidget *widget)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (widget);

  GTK_WIDGET_CLASS (burrow_connectivity_page_parent_class)->map (widget);

  update_summary (self);
  if (self->summary_id == 0)
    self->summary_id = g_timeout_add (SUMMARY_INTERVAL_MS, summary_tick_cb, self);
  update_live_timer (self);
}

static void
burrow_connectivity_page_unmap (GtkWidget *widget)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (widget);

  g_clear_handle_id (&self->summary_id, g_source_remove);
  g_clear_handle_id (&self->live_id, g_source_remove);

  GTK_WIDGET_CLASS (burrow_connectivity_page_parent_class)->unmap (widget);
}

static void
burrow_connectivity_page_dispose (GObject *object)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->live_id, g_source_remove);
  g_clear_handle_id (&self->summary_id, g_source_remove);
  g_clear_handle_id (&self->summary_idle_id, g_source_remove);
  g_clear_handle_id (&self->copied_id, g_source_remove);

  if (self->shown != NULL)
    g_clear_signal_handler (&self->shown_notify_id, self->shown);
  g_clear_object (&self->shown);

  if (self->client_signals != NULL)
    g_signal_group_set_target (self->client_signals, NULL);
  if (self->hubs_signals != NULL)
    g_signal_group_set_target (self->hubs_signals, NULL);
  if (self->connectivity_signals != NULL)
    g_signal_group_set_target (self->connectivity_signals, NULL);
  if (self->attempts_signals != NULL)
    g_signal_group_set_target (self->attempts_signals, NULL);
  g_clear_object (&self->client_signals);
  g_clear_object (&self->hubs_signals);
  g_clear_object (&self->connectivity_signals);
  g_clear_object (&self->attempts_signals);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_CONNECTIVITY_PAGE);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  if (self->live_items != NULL)
    g_ptr_array_set_size (self->live_items, 0);
  g_clear_object (&self->attempts);
  g_clear_object (&self->connectivity);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (burrow_connectivity_page_parent_class)->dispose (object);
}

static void
burrow_connectivity_page_finalize (GObject *object)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (object);

  g_clear_pointer (&self->live_items, g_ptr_array_unref);
  g_free (self->filter);

  G_OBJECT_CLASS (burrow_connectivity_page_parent_class)->finalize (object);
}

static void
burrow_connectivity_page_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    case PROP_FILTER: g_value_set_string (value, self->filter); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_connectivity_page_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  BurrowConnectivityPage *self = BURROW_CONNECTIVITY_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      burrow_connectivity_page_set_client (self, g_value_get_object (value));
      break;
    case PROP_FILTER:
      burrow_connectivity_page_set_filter (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_connectivity_page_class_init (BurrowConnectivityPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_connectivity_page_dispose;
  object_class->finalize = burrow_connectivity_page_finalize;
  object_class->get_property = burrow_connectivity_page_get_property;
  object_class->set_property = burrow_connectivity_page_set_property;

  widget_class->map = burrow_connectivity_page_map;
  widget_class->unmap = burrow_connectivity_page_unmap;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         BURROW_TYPE_CLIENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * BurrowConnectivityPage:filter:
   *
   * Which attempts are listed: "all", "connected", "failed" or "pending". The stateful
   * `connectivity.filter` action changes it.
   */
  properties[PROP_FILTER] =
    g_param_spec_string ("filter", NULL, NULL,
                         "all",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BURROW_TYPE_PUNCH_ATTEMPT);

  gtk_widget_class_set_template_from_resource (widget_class, BURROW_RESOURCE_PATH
                                               "/ui/burrow-connectivity-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, address_detail_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, address_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, cid_value_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, keyprint_value_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, confirmation_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, copied_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, details_icon);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, details_stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage,
                                        details_subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, details_title_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, diagnosis_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, duration_column);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, filter_model);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, hub_value_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, ipv4_mode_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, ipv4_sentence_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, ipv6_mode_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, ipv6_sentence_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, local_value_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage,
                                        mapping_address_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, mapping_lease_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, mapping_method_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, mode_detail_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, mode_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, natt_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, protocol_value_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, rate_bar);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, rate_detail_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, rate_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, reach_auto_box);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, reach_manual_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, remote_value_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, result_filter);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, selection);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, sort_model);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, timeline);
  gtk_widget_class_bind_template_child (widget_class, BurrowConnectivityPage, token_value_label);
  gtk_widget_class_bind_template_callback (widget_class, format_endpoints);
  gtk_widget_class_bind_template_callback (widget_class, format_method);
  gtk_widget_class_bind_template_callback (widget_class, format_peer);
  gtk_widget_class_bind_template_callback (widget_class, format_result);
  gtk_widget_class_bind_template_callback (widget_class, format_role);
  gtk_widget_class_bind_template_callback (widget_class, format_role_arrow);
  gtk_widget_class_bind_template_callback (widget_class, format_time);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_selected_item_notify_cb);
  gtk_widget_class_bind_template_callback (widget_class, result_css_classes);
  gtk_widget_class_bind_template_callback (widget_class, result_icon_name);
  gtk_widget_class_bind_template_callback (widget_class, result_is_finished);
  gtk_widget_class_bind_template_callback (widget_class, result_is_pending);

  gtk_widget_class_install_property_action (widget_class, "connectivity.filter", "filter");
  gtk_widget_class_install_action (widget_class, "connectivity.copy-json", NULL, copy_json_action);
  gtk_widget_class_install_action (widget_class, "connectivity.export-json", NULL,
                                   export_json_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "burrowconnectivitypage");
}

static void
burrow_connectivity_page_init (BurrowConnectivityPage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;

  self->filter = g_strdup ("all");
  self->live_items = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_custom_filter_set_filter_func (self->result_filter, filter_match, self, NULL);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_duration_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_duration_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_duration_unbind_cb), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (on_duration_teardown_cb), self);
  gtk_column_view_column_set_factory (self->duration_column, factory);

  self->client_signals = g_signal_group_new (BURROW_TYPE_CLIENT);
  g_signal_group_connect_object (self->client_signals, "notify::mode",
                                 G_CALLBACK (on_client_mode_notify_cb), self, G_CONNECT_SWAPPED);
  /* automatic mode's engine comes and goes (a new one with a new port) */
  g_signal_group_connect_object (self->client_signals, "notify::connectivity",
                                 G_CALLBACK (on_client_mode_notify_cb), self, G_CONNECT_SWAPPED);
  self->hubs_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->hubs_signals, "items-changed",
                                 G_CALLBACK (on_hubs_items_changed_cb), self, G_CONNECT_SWAPPED);
  self->connectivity_signals = g_signal_group_new (BURROW_TYPE_CONNECTIVITY);
  g_signal_group_connect_object (self->connectivity_signals, "changed",
                                 G_CALLBACK (on_connectivity_changed_cb), self, G_CONNECT_SWAPPED);
  self->attempts_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->attempts_signals, "items-changed",
                                 G_CALLBACK (on_attempts_items_changed_cb), self,
                                 G_CONNECT_SWAPPED);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connectivity.copy-json", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connectivity.export-json", FALSE);
  update_summary (self);
}
