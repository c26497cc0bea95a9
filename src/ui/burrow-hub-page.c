/* burrow-hub-page.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hub-page"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "burrow-chat-view.h"
#include "burrow-ui-format.h"
#include "burrow-user-list.h"

#include "burrow-hub-page.h"

struct _BurrowHubPage
{
  GtkWidget         parent_instance;

  /* template widgets */
  GtkButton        *back_button;
  GtkButton        *banner_close_button;
  GtkLabel         *banner_label;
  GtkRevealer      *banner_revealer;
  GtkStack         *chat_stack;
  GtkStackSwitcher *chat_switcher;
  GtkLabel         *encoding_label;
  GtkLabel         *keyprint_label;
  GtkMenuButton    *menu_button;
  GtkPaned         *paned;
  GtkLabel         *protocol_label;
  GtkButton        *reconnect_button;
  GtkLabel         *software_label;
  GtkLabel         *state_label;
  GtkLabel         *subtitle_label;
  GtkLabel         *title_label;
  GtkButton        *trust_button;
  BurrowUserList   *user_list;

  /* owned */
  BurrowClient     *client;
  BurrowHubSession *session;
  GSignalGroup     *session_signals;
  GSignalGroup     *users_signals;
  GSignalGroup     *favorites_signals;

  /* borrowed: a child of chat_stack */
  BurrowChatView   *main_chat;
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowHubPage, burrow_hub_page, GTK_TYPE_WIDGET)

/**
 * burrow_hub_page_new:
 * @client: the engine (favourites, pinned keyprints)
 * @session: the hub to show
 *
 * Returns: (transfer floating): the page
 */
GtkWidget *
burrow_hub_page_new (BurrowClient     *client,
                     BurrowHubSession *session)
{
  g_return_val_if_fail (BURROW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (session), NULL);

  return g_object_new (BURROW_TYPE_HUB_PAGE, "client", client, "session", session, NULL);
}

static void
update_actions (BurrowHubPage *self)
{
  BurrowHubState state = burrow_hub_session_get_state (self->session);
  BurrowFavoriteHubs *favorites = burrow_client_get_favorite_hubs (self->client);
  gboolean idle = state == BURROW_HUB_STATE_DISCONNECTED || state == BURROW_HUB_STATE_WAITING;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "hub.reconnect", idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "hub.disconnect",
                                 state != BURROW_HUB_STATE_DISCONNECTED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "hub.add-favorite",
                                 burrow_favorite_hubs_lookup_uri (
                                   favorites, burrow_hub_session_get_uri (self->session)) == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "hub.trust-certificate",
                                 burrow_hub_session_get_pending_keyprint (self->session) != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->reconnect_button),
                          state == BURROW_HUB_STATE_DISCONNECTED);
}

static const char *
protocol_name (BurrowHubProtocol protocol)
{
  /* Protocol names, the same in every language. */
  switch (protocol)
    {
    case BURROW_HUB_PROTOCOL_ADC: return "ADC";
    case BURROW_HUB_PROTOCOL_ADCS: return "ADCS";
    case BURROW_HUB_PROTOCOL_NMDC: return "NMDC";
    case BURROW_HUB_PROTOCOL_NMDCS: return "NMDCS";
    default: return "";
    }
}

/* The protocol, the hub software once the hub tells it, and an NMDC hub's encoding. */
static void
update_details (BurrowHubPage *self)
{
  BurrowHubProtocol protocol = burrow_hub_session_get_protocol (self->session);
  const char *software = burrow_hub_session_get_hub_software (self->session);
  gboolean nmdc = protocol == BURROW_HUB_PROTOCOL_NMDC || protocol == BURROW_HUB_PROTOCOL_NMDCS;

  gtk_label_set_text (self->protocol_label, protocol_name (protocol));

  if (software != NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the hub's software and version, as the hub says it:
       * “PtokaX 0.5.3.0” */
      text = g_strdup_printf (_("Hub software: %s"), software);
      gtk_label_set_text (self->software_label, text);
      /* The label gives way first when the header is narrow (the encoding beside it does not
       * ellipsize, and a private conversation's switcher takes room): the whole text on hover. */
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->software_label), text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->software_label), software != NULL);

  if (nmdc)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is an NMDC hub's character set, “CP1252” */
      text = g_strdup_printf (_("Encoding: %s"), burrow_hub_session_get_encoding (self->session));
      gtk_label_set_text (self->encoding_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->encoding_label), nmdc);
}

static void
update_header (BurrowHubPage *self)
{
  BurrowHubState state = burrow_hub_session_get_state (self->session);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *classes[3] = { "burrow-state", burrow_ui_hub_state_css_class (state), NULL };
  const char *keyprint = burrow_hub_session_get_keyprint (self->session);
  const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (self->session);

  title = burrow_ui_format_hub_title (burrow_hub_session_get_hub_name (self->session),
                                      burrow_hub_session_get_uri (self->session));
  gtk_label_set_text (self->title_label, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label),
                               burrow_hub_session_get_hub_description (self->session));

  gtk_label_set_text (self->state_label, burrow_ui_format_hub_state (state));
  gtk_widget_set_css_classes (GTK_WIDGET (self->state_label), classes);

  if (state == BURROW_HUB_STATE_NORMAL)
    {
      g_autofree char *users = NULL;

      users = burrow_ui_format_n_users (
        g_list_model_get_n_items (burrow_hub_session_get_users (self->session)));
      /* Translators: “3 users · adcs://hub.example.org:1511” under the hub's name */
      subtitle = g_strdup_printf (_("%s · %s"), users, burrow_hub_session_get_uri (self->session));
    }
  else
    {
      subtitle = g_strdup (burrow_hub_session_get_uri (self->session));
    }
  gtk_label_set_text (self->subtitle_label, subtitle);

  if (keyprint != NULL && uri != NULL && burrow_hub_uri_is_tls (uri))
    {
      g_autofree char *text = NULL;

      /* Translators: the TLS keyprint of the hub's certificate, “SHA256/…” */
      text = g_strdup_printf (_("Certificate %s"), keyprint);
      gtk_label_set_text (self->keyprint_label, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->keyprint_label), keyprint);
      gtk_widget_set_visible (GTK_WIDGET (self->keyprint_label), TRUE);
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->keyprint_label), FALSE);
    }

  update_details (self);
  update_actions (self);
}

static void
show_banner (BurrowHubPage *self,
             const char    *text,
             gboolean       offer_trust)
{
  gtk_label_set_text (self->banner_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), offer_trust);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
hide_banner (BurrowHubPage *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
}

static void
on_banner_close_button_clicked_cb (BurrowHubPage *self,
                                   GtkButton     *button)
{
  hide_banner (self);
}

static void
on_session_state_notify_cb (BurrowHubPage    *self,
                            GParamSpec       *pspec,
                            BurrowHubSession *session)
{
  if (burrow_hub_session_get_state (session) == BURROW_HUB_STATE_NORMAL)
    hide_banner (self);
  update_header (self);
}

static void
on_session_info_notify_cb (BurrowHubPage    *self,
                           GParamSpec       *pspec,
                           BurrowHubSession *session)
{
  update_header (self);
}

static void
on_session_error_cb (BurrowHubPage    *self,
                     const GError     *error,
                     gboolean          fatal,
                     BurrowHubSession *session)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_KEYPRINT_CHANGED))
    {
      const BurrowHubUri *uri = burrow_hub_session_get_hub_uri (session);
      const char *pending = burrow_hub_session_get_pending_keyprint (session);
      g_autofree char *address = g_strdup_printf ("%s:%u", uri->host, uri->port);
      g_autofree char *old = burrow_database_dup_hub_keyprint (
        burrow_client_get_database (self->client), address);

      text = g_strdup_printf (_("The hub’s certificate has changed.\n"
                                "Trusted before: %s\n"
                                "Presented now: %s\n"
                                "Hubs sometimes get a new certificate, but this can also mean "
                                "that someone is intercepting the connection. Trust the new "
                                "certificate only if the hub’s operators announced the change."),
                              old ? old : _("unknown"), pending ? pending : _("unknown"));
      show_banner (self, text, pending != NULL);
    }
  else
    {
      /* Translators: a hub connection ended; %s says why */
      text = fatal ? g_strdup_printf (_("Disconnected: %s"), error->message)
                   : g_strdup (error->message);
      show_banner (self, text, FALSE);
    }
  update_actions (self);
}

static void
update_switcher (BurrowHubPage *self)
{
  g_autoptr(GListModel) pages = G_LIST_MODEL (gtk_stack_get_pages (self->chat_stack));

  gtk_widget_set_visible (GTK_WIDGET (self->chat_switcher), g_list_model_get_n_items (pages) > 1);
}

BurrowChatView *
burrow_hub_page_get_conversation (BurrowHubPage *self,
                                  const char    *peer_nick)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  g_return_val_if_fail (peer_nick != NULL, NULL);

  name = g_strconcat ("pm:", peer_nick, NULL);
  return (BurrowChatView *) gtk_stack_get_child_by_name (self->chat_stack, name);
}

/**
 * burrow_hub_page_open_conversation:
 * @peer_nick: the other user
 * @show: whether to switch to it
 *
 * Returns: (transfer none): the private conversation with @peer_nick (created if needed)
 */
BurrowChatView *
burrow_hub_page_open_conversation (BurrowHubPage *self,
                                   const char    *peer_nick,
                                   gboolean       show)
{
  BurrowChatView *view;

  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  g_return_val_if_fail (peer_nick != NULL, NULL);

  view = burrow_hub_page_get_conversation (self, peer_nick);
  if (view == NULL)
    {
      g_autofree char *name = g_strconcat ("pm:", peer_nick, NULL);

      view = BURROW_CHAT_VIEW (burrow_chat_view_new (self->session, peer_nick));
      gtk_stack_add_titled (self->chat_stack, GTK_WIDGET (view), name, peer_nick);
      update_switcher (self);
    }
  if (show)
    {
      gtk_stack_set_visible_child (self->chat_stack, GTK_WIDGET (view));
      burrow_chat_view_focus_entry (view);
    }
  return view;
}

static void
on_session_message_cb (BurrowHubPage     *self,
                       BurrowChatMessage *message,
                       BurrowHubSession  *session)
{
  const char *peer = burrow_chat_message_get_peer_nick (message);
  BurrowChatView *view;

  if (burrow_chat_message_get_kind (message) != BURROW_CHAT_KIND_PRIVATE || peer == NULL)
    return;

  view = burrow_hub_page_open_conversation (self, peer, FALSE);
  if (gtk_stack_get_visible_child (self->chat_stack) != GTK_WIDGET (view))
    gtk_stack_page_set_needs_attention (gtk_stack_get_page (self->chat_stack, GTK_WIDGET (view)),
                                        TRUE);
}

static void
on_chat_stack_visible_child_notify_cb (BurrowHubPage *self,
                                       GParamSpec    *pspec,
                                       GtkStack      *stack)
{
  GtkWidget *child = gtk_stack_get_visible_child (stack);

  if (child != NULL)
    gtk_stack_page_set_needs_attention (gtk_stack_get_page (stack, child), FALSE);
}

static void
on_users_items_changed_cb (BurrowHubPage *self,
                           guint          position,
                           guint          removed,
                           guint          added,
                           GListModel    *users)
{
  update_header (self);
}

static void
on_favorites_items_changed_cb (BurrowHubPage *self,
                               guint          position,
                               guint          removed,
                               guint          added,
                               GListModel    *favorites)
{
  update_actions (self);
}

static void
hub_reconnect_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (widget);

  hide_banner (self);
  burrow_hub_session_connect (self->session);
}

static void
hub_disconnect_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  burrow_hub_session_disconnect (BURROW_HUB_PAGE (widget)->session);
}

static void
hub_close_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (widget);
  g_autoptr(BurrowHubSession) session = g_object_ref (self->session);

  /* The hubs page drops this page when the client drops the session. */
  burrow_client_remove_hub (self->client, session);
}

static void
hub_add_favorite_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (widget);
  g_autoptr(BurrowFavoriteHub) favorite = NULL;
  g_autoptr(GError) error = NULL;

  favorite = burrow_favorite_hub_new (burrow_hub_session_get_hub_name (self->session),
                                      burrow_hub_session_get_uri (self->session));
  /* An NMDC hub keeps the encoding it was opened with (NULL stays the default). */
  if (!burrow_hub_uri_is_adc (burrow_hub_session_get_hub_uri (self->session)) &&
      g_strcmp0 (burrow_hub_session_get_encoding (self->session),
                 BURROW_NMDC_DEFAULT_CHARSET) != 0)
    burrow_favorite_hub_set_encoding (favorite, burrow_hub_session_get_encoding (self->session));
  if (!burrow_favorite_hubs_add (burrow_client_get_favorite_hubs (self->client), favorite, &error))
    show_banner (self, error->message, FALSE);
  update_actions (self);
}

static void
hub_trust_certificate_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (!burrow_hub_session_accept_keyprint (self->session, &error))
    {
      show_banner (self, error->message, FALSE);
      return;
    }
  hide_banner (self);
  update_header (self);
}

static void
hub_private_message_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  burrow_hub_page_open_conversation (BURROW_HUB_PAGE (widget),
                                     g_variant_get_string (parameter, NULL), TRUE);
}

static void
hub_close_conversation_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (widget);
  BurrowChatView *view;

  view = burrow_hub_page_get_conversation (self, g_variant_get_string (parameter, NULL));
  if (view == NULL)
    return;
  if (gtk_stack_get_visible_child (self->chat_stack) == GTK_WIDGET (view))
    gtk_stack_set_visible_child (self->chat_stack, GTK_WIDGET (self->main_chat));
  gtk_stack_remove (self->chat_stack, GTK_WIDGET (view));
  update_switcher (self);
}

BurrowHubSession *
burrow_hub_page_get_session (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->session;
}

BurrowChatView *
burrow_hub_page_get_main_chat (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->main_chat;
}

BurrowUserList *
burrow_hub_page_get_user_list (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->user_list;
}

GtkRevealer *
burrow_hub_page_get_banner (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->banner_revealer;
}

const char *
burrow_hub_page_get_banner_text (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return gtk_label_get_text (self->banner_label);
}

GtkButton *
burrow_hub_page_get_trust_button (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->trust_button;
}

const char *
burrow_hub_page_get_title (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return gtk_label_get_text (self->title_label);
}

/**
 * burrow_hub_page_get_protocol_label:
 *
 * Returns: (transfer none): the label with the hub's protocol (ADC, ADCS, NMDC, NMDCS)
 */
GtkLabel *
burrow_hub_page_get_protocol_label (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->protocol_label;
}

/**
 * burrow_hub_page_get_software_label:
 *
 * Returns: (transfer none): the label with the hub software; hidden while it is unknown
 */
GtkLabel *
burrow_hub_page_get_software_label (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->software_label;
}

/**
 * burrow_hub_page_get_encoding_label:
 *
 * Returns: (transfer none): the label with an NMDC hub's encoding; hidden for ADC
 */
GtkLabel *
burrow_hub_page_get_encoding_label (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return self->encoding_label;
}

const char *
burrow_hub_page_get_subtitle (BurrowHubPage *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_PAGE (self), NULL);
  return gtk_label_get_text (self->subtitle_label);
}

static void
burrow_hub_page_constructed (GObject *object)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (object);

  G_OBJECT_CLASS (burrow_hub_page_parent_class)->constructed (object);

  g_assert (self->client != NULL);
  g_assert (self->session != NULL);

  self->main_chat = BURROW_CHAT_VIEW (burrow_chat_view_new (self->session, NULL));
  gtk_stack_add_titled (self->chat_stack, GTK_WIDGET (self->main_chat), "main", _("Main Chat"));
  burrow_user_list_set_session (self->user_list, self->session);

  g_signal_group_set_target (self->session_signals, self->session);
  g_signal_group_set_target (self->users_signals, burrow_hub_session_get_users (self->session));
  g_signal_group_set_target (self->favorites_signals,
                             burrow_client_get_favorite_hubs (self->client));

  /* Private conversations that started before the page existed. */
  {
    GListModel *messages = burrow_hub_session_get_messages (self->session);
    guint n = g_list_model_get_n_items (messages);

    for (guint i = 0; i < n; i++)
      {
        g_autoptr(BurrowChatMessage) message = g_list_model_get_item (messages, i);

        if (burrow_chat_message_get_kind (message) == BURROW_CHAT_KIND_PRIVATE &&
            burrow_chat_message_get_peer_nick (message) != NULL)
          burrow_hub_page_open_conversation (self, burrow_chat_message_get_peer_nick (message),
                                             FALSE);
      }
  }

  update_header (self);
  update_switcher (self);
}

static void
burrow_hub_page_dispose (GObject *object)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (object);
  GtkWidget *child;

  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  if (self->users_signals != NULL)
    g_signal_group_set_target (self->users_signals, NULL);
  if (self->favorites_signals != NULL)
    g_signal_group_set_target (self->favorites_signals, NULL);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->users_signals);
  g_clear_object (&self->favorites_signals);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_HUB_PAGE);
  /* The template's top-level box has no id, so dispose_template () leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->main_chat = NULL;

  g_clear_object (&self->session);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (burrow_hub_page_parent_class)->dispose (object);
}

static void
burrow_hub_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hub_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  BurrowHubPage *self = BURROW_HUB_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT: self->client = g_value_dup_object (value); break;
    case PROP_SESSION: self->session = g_value_dup_object (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hub_page_class_init (BurrowHubPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = burrow_hub_page_constructed;
  object_class->dispose = burrow_hub_page_dispose;
  object_class->get_property = burrow_hub_page_get_property;
  object_class->set_property = burrow_hub_page_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, BURROW_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BURROW_TYPE_HUB_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BURROW_TYPE_USER_LIST);
  g_type_ensure (BURROW_TYPE_CHAT_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               BURROW_RESOURCE_PATH "/ui/burrow-hub-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, banner_close_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, chat_stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, chat_switcher);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, encoding_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, keyprint_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, menu_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, paned);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, protocol_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, software_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, trust_button);
  gtk_widget_class_bind_template_child (widget_class, BurrowHubPage, user_list);
  gtk_widget_class_bind_template_callback (widget_class, on_banner_close_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_stack_visible_child_notify_cb);

  gtk_widget_class_install_action (widget_class, "hub.reconnect", NULL, hub_reconnect_action);
  gtk_widget_class_install_action (widget_class, "hub.disconnect", NULL, hub_disconnect_action);
  gtk_widget_class_install_action (widget_class, "hub.close", NULL, hub_close_action);
  gtk_widget_class_install_action (widget_class, "hub.add-favorite", NULL,
                                   hub_add_favorite_action);
  gtk_widget_class_install_action (widget_class, "hub.trust-certificate", NULL,
                                   hub_trust_certificate_action);
  gtk_widget_class_install_action (widget_class, "hub.private-message", "s",
                                   hub_private_message_action);
  gtk_widget_class_install_action (widget_class, "hub.close-conversation", "s",
                                   hub_close_conversation_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
burrow_hub_page_init (BurrowHubPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->session_signals = g_signal_group_new (BURROW_TYPE_HUB_SESSION);
  g_signal_group_connect_object (self->session_signals, "notify::state",
                                 G_CALLBACK (on_session_state_notify_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::hub-name",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::hub-description",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::keyprint",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::pending-keyprint",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::uri",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::hub-software",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::encoding",
                                 G_CALLBACK (on_session_info_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "error",
                                 G_CALLBACK (on_session_error_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "message",
                                 G_CALLBACK (on_session_message_cb), self, G_CONNECT_SWAPPED);

  self->users_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->users_signals, "items-changed",
                                 G_CALLBACK (on_users_items_changed_cb), self, G_CONNECT_SWAPPED);

  self->favorites_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->favorites_signals, "items-changed",
                                 G_CALLBACK (on_favorites_items_changed_cb), self,
                                 G_CONNECT_SWAPPED);
}
