/* burrow-hub-session.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-hub-session"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "burrow-adc-hub-session.h"
#include "burrow-nmdc-hub-session.h"
#include "burrow-hub-enums.h"
#include "burrow-error.h"

#include "burrow-hub-session-private.h"

#define DEFAULT_RECONNECT_DELAY_MS 2000
#define MAX_RECONNECT_DELAY_MS     (5 * 60 * 1000)

typedef struct
{
  /* owned */
  BurrowHubUri         *hub_uri;
  gchar                *uri;
  gchar                *hub_name;
  gchar                *hub_description;
  GListStore           *users;
  GHashTable           *by_sid;          /* sid → BurrowUser (borrowed from users/pending) */
  GPtrArray            *pending_joins;   /* BurrowUser, not yet in users */
  guint                 n_pending_unindexed; /* of them, added before they had an id (ADC) */
  GHashTable           *by_id;           /* user id → BurrowUser (a ref; checked against by_sid) */
  GListStore           *messages;
  BurrowUser           *me;
  BurrowIdentity       *identity;
  BurrowDatabase       *database;
  gchar                *keyprint;
  gchar                *pending_keyprint;
  GError               *error;
  GPtrArray            *redirects;       /* URIs visited since the last login */
  GTask                *connect_task;
  gchar                *nick;
  gchar                *password;
  gchar                *description;
  gchar                *local_address;
  gchar                *tls_cipher;
  gchar                *encoding;
  gchar                *hub_software;
  guint                 login_timeout_id;
  guint                 keepalive_s;     /* seconds without sending before a keep-alive */
  BurrowHubStreamFunc   stream_func;     /* test hook: replaces resolve + connect */
  gpointer              stream_func_data;

  BurrowHubState        state;
  BurrowConnectionMode  mode;
  guint16               local_port;
  guint16               port;            /* our listening port in active mode */
  guint64               share_size;      /* what we announce (SS, SF, SL, FS) */
  guint64               shared_files;
  guint                 slots;
  guint                 free_slots;
  guint                 reconnect_id;
  guint                 reconnect_delay_ms;
  guint                 failures;        /* consecutive, for the back-off */
  guint                 planned_delay_ms; /* of the pending reconnect_id */
  guint                 max_users;
  gboolean              auto_reconnect;
} BurrowHubSessionPrivate;

enum {
  PROP_0,
  PROP_URI,
  PROP_STATE,
  PROP_HUB_NAME,
  PROP_HUB_DESCRIPTION,
  PROP_USERS,
  PROP_MESSAGES,
  PROP_LOCAL_PORT,
  PROP_KEYPRINT,
  PROP_PENDING_KEYPRINT,
  PROP_NICK,
  PROP_PASSWORD,
  PROP_DESCRIPTION,
  PROP_MODE,
  PROP_AUTO_RECONNECT,
  PROP_RECONNECT_DELAY,
  PROP_ENCODING,
  PROP_HUB_SOFTWARE,
  N_PROPS
};

enum {
  SIGNAL_USER_JOINED,
  SIGNAL_USER_UPDATED,
  SIGNAL_USER_LEFT,
  SIGNAL_MESSAGE,
  SIGNAL_ERROR,
  SIGNAL_CONNECT_REQUEST,
  SIGNAL_SEARCH_REQUEST,
  SIGNAL_SEARCH_RESULT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (BurrowHubSession, burrow_hub_session, G_TYPE_OBJECT)

#define GET_PRIV(self) ((BurrowHubSessionPrivate *) burrow_hub_session_get_instance_private (self))

static void
burrow_hub_session_dispose (GObject *object)
{
  BurrowHubSession *self = BURROW_HUB_SESSION (object);
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_clear_handle_id (&priv->reconnect_id, g_source_remove);
  g_clear_handle_id (&priv->login_timeout_id, g_source_remove);
  if (priv->connect_task != NULL)
    {
      g_task_return_new_error (priv->connect_task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The hub session was closed"));
      g_clear_object (&priv->connect_task);
    }
  g_clear_object (&priv->me);
  g_clear_object (&priv->identity);
  g_clear_object (&priv->database);
  g_clear_pointer (&priv->by_id, g_hash_table_unref);
  g_clear_pointer (&priv->by_sid, g_hash_table_unref);
  g_clear_pointer (&priv->pending_joins, g_ptr_array_unref);
  g_clear_object (&priv->users);
  g_clear_object (&priv->messages);

  G_OBJECT_CLASS (burrow_hub_session_parent_class)->dispose (object);
}

static void
burrow_hub_session_finalize (GObject *object)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (BURROW_HUB_SESSION (object));

  g_clear_pointer (&priv->hub_uri, burrow_hub_uri_free);
  g_clear_pointer (&priv->uri, g_free);
  g_clear_pointer (&priv->hub_name, g_free);
  g_clear_pointer (&priv->hub_description, g_free);
  g_clear_pointer (&priv->keyprint, g_free);
  g_clear_pointer (&priv->pending_keyprint, g_free);
  g_clear_pointer (&priv->redirects, g_ptr_array_unref);
  g_clear_error (&priv->error);
  g_clear_pointer (&priv->nick, g_free);
  g_clear_pointer (&priv->password, g_free);
  g_clear_pointer (&priv->description, g_free);
  g_clear_pointer (&priv->local_address, g_free);
  g_clear_pointer (&priv->tls_cipher, g_free);
  g_clear_pointer (&priv->encoding, g_free);
  g_clear_pointer (&priv->hub_software, g_free);

  G_OBJECT_CLASS (burrow_hub_session_parent_class)->finalize (object);
}

static void
burrow_hub_session_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  BurrowHubSession *self = BURROW_HUB_SESSION (object);
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  switch (prop_id)
    {
    case PROP_URI: g_value_set_string (value, priv->uri); break;
    case PROP_STATE: g_value_set_enum (value, priv->state); break;
    case PROP_HUB_NAME: g_value_set_string (value, priv->hub_name); break;
    case PROP_HUB_DESCRIPTION: g_value_set_string (value, priv->hub_description); break;
    case PROP_USERS: g_value_set_object (value, priv->users); break;
    case PROP_MESSAGES: g_value_set_object (value, priv->messages); break;
    case PROP_LOCAL_PORT: g_value_set_uint (value, priv->local_port); break;
    case PROP_KEYPRINT: g_value_set_string (value, priv->keyprint); break;
    case PROP_PENDING_KEYPRINT: g_value_set_string (value, priv->pending_keyprint); break;
    case PROP_NICK: g_value_set_string (value, priv->nick); break;
    case PROP_PASSWORD: g_value_set_string (value, priv->password); break;
    case PROP_DESCRIPTION: g_value_set_string (value, priv->description); break;
    case PROP_MODE: g_value_set_enum (value, priv->mode); break;
    case PROP_AUTO_RECONNECT: g_value_set_boolean (value, priv->auto_reconnect); break;
    case PROP_RECONNECT_DELAY: g_value_set_uint (value, priv->reconnect_delay_ms); break;
    case PROP_ENCODING: g_value_set_string (value, priv->encoding); break;
    case PROP_HUB_SOFTWARE: g_value_set_string (value, priv->hub_software); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_hub_session_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  BurrowHubSession *self = BURROW_HUB_SESSION (object);
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  switch (prop_id)
    {
    case PROP_URI:
      /* construct-only; validated by burrow_hub_session_new() */
      priv->uri = g_value_dup_string (value);
      priv->hub_uri = priv->uri ? burrow_hub_uri_parse (priv->uri, NULL) : NULL;
      break;
    case PROP_NICK: burrow_hub_session_set_nick (self, g_value_get_string (value)); break;
    case PROP_PASSWORD: burrow_hub_session_set_password (self, g_value_get_string (value)); break;
    case PROP_DESCRIPTION:
      burrow_hub_session_set_description (self, g_value_get_string (value));
      break;
    case PROP_MODE: burrow_hub_session_set_mode (self, g_value_get_enum (value)); break;
    case PROP_AUTO_RECONNECT:
      if (priv->auto_reconnect != g_value_get_boolean (value))
        {
          priv->auto_reconnect = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_RECONNECT_DELAY:
      if (priv->reconnect_delay_ms != g_value_get_uint (value))
        {
          priv->reconnect_delay_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_ENCODING:
      {
        g_autoptr(GError) error = NULL;

        if (!burrow_hub_session_set_encoding (self, g_value_get_string (value), &error))
          g_warning ("%s", error->message);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)
#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_hub_session_class_init (BurrowHubSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_hub_session_dispose;
  object_class->finalize = burrow_hub_session_finalize;
  object_class->get_property = burrow_hub_session_get_property;
  object_class->set_property = burrow_hub_session_set_property;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BURROW_TYPE_HUB_STATE, BURROW_HUB_STATE_DISCONNECTED, RO);
  properties[PROP_HUB_NAME] = g_param_spec_string ("hub-name", NULL, NULL, NULL, RO);
  properties[PROP_HUB_DESCRIPTION] = g_param_spec_string ("hub-description", NULL, NULL, NULL, RO);
  properties[PROP_USERS] = g_param_spec_object ("users", NULL, NULL, G_TYPE_LIST_MODEL, RO);
  properties[PROP_MESSAGES] = g_param_spec_object ("messages", NULL, NULL, G_TYPE_LIST_MODEL, RO);
  properties[PROP_LOCAL_PORT] = g_param_spec_uint ("local-port", NULL, NULL, 0, 65535, 0, RO);
  properties[PROP_KEYPRINT] = g_param_spec_string ("keyprint", NULL, NULL, NULL, RO);
  properties[PROP_PENDING_KEYPRINT] = g_param_spec_string ("pending-keyprint", NULL, NULL, NULL, RO);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, RW);
  properties[PROP_PASSWORD] = g_param_spec_string ("password", NULL, NULL, NULL, RW);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, RW);
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, BURROW_TYPE_CONNECTION_MODE,
                       BURROW_CONNECTION_MODE_PASSIVE, RW);
  properties[PROP_AUTO_RECONNECT] = g_param_spec_boolean ("auto-reconnect", NULL, NULL, TRUE, RW);
  properties[PROP_RECONNECT_DELAY] =
    g_param_spec_uint ("reconnect-delay", NULL, NULL, 10, MAX_RECONNECT_DELAY_MS,
                       DEFAULT_RECONNECT_DELAY_MS, RW);
  properties[PROP_ENCODING] =
    g_param_spec_string ("encoding", NULL, NULL, BURROW_NMDC_DEFAULT_CHARSET, RW);
  properties[PROP_HUB_SOFTWARE] = g_param_spec_string ("hub-software", NULL, NULL, NULL, RO);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_USER_JOINED] =
    g_signal_new ("user-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_USER);
  signals[SIGNAL_USER_UPDATED] =
    g_signal_new ("user-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_USER);
  signals[SIGNAL_USER_LEFT] =
    g_signal_new ("user-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_USER);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_CHAT_MESSAGE);
  /**
   * BurrowHubSession::error:
   * @error: (type GError): what went wrong
   * @fatal: whether the connection was lost because of it
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_ERROR, G_TYPE_BOOLEAN);

  /**
   * BurrowHubSession::connect-request:
   * @request: a validated request from a user of this hub, addressed to us
   *
   * A peer asks for a connection (or answers or refuses ours). Emitted in
   * the logged-in state only.
   */
  signals[SIGNAL_CONNECT_REQUEST] =
    g_signal_new ("connect-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, BURROW_TYPE_CONNECT_REQUEST | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BurrowHubSession::search-request:
   * @from: the searcher (a user of this hub, never us)
   * @query: what it searches for (terms case-folded)
   */
  signals[SIGNAL_SEARCH_REQUEST] =
    g_signal_new ("search-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, BURROW_TYPE_USER,
                  BURROW_TYPE_SEARCH_QUERY | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BurrowHubSession::search-result:
   * @from: the user who answered
   * @reply: one result, relayed by the hub (UDP results go to the search router)
   */
  signals[SIGNAL_SEARCH_RESULT] =
    g_signal_new ("search-result", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, BURROW_TYPE_USER,
                  BURROW_TYPE_SEARCH_REPLY | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
burrow_hub_session_init (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  priv->users = g_list_store_new (BURROW_TYPE_USER);
  priv->messages = g_list_store_new (BURROW_TYPE_CHAT_MESSAGE);
  priv->by_sid = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  /* keys are the users' own CID strings (GRefStrings), shared, not copied: 100,000 users */
  priv->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, (GDestroyNotify) g_ref_string_release,
                                        g_object_unref);
  priv->pending_joins = g_ptr_array_new ();
  priv->redirects = g_ptr_array_new_with_free_func (g_free);
  priv->auto_reconnect = TRUE;
  priv->max_users = BURROW_HUB_MAX_USERS;
  priv->reconnect_delay_ms = DEFAULT_RECONNECT_DELAY_MS;
  priv->nick = g_strdup ("burrow");
  priv->encoding = g_strdup (BURROW_NMDC_DEFAULT_CHARSET);
  priv->keepalive_s = BURROW_HUB_KEEPALIVE_DEFAULT_S;
  priv->slots = 3;
  priv->free_slots = 3;
}

/**
 * burrow_hub_session_new:
 * @uri: a hub address such as `adcs://example.org:1511/?kp=SHA256/…`
 *
 * Creates the session that speaks the URI's protocol.
 *
 * Returns: (transfer full): the session, or %NULL with @error set
 */
BurrowHubSession *
burrow_hub_session_new (const gchar  *uri,
                        GError      **error)
{
  g_autoptr(BurrowHubUri) parsed = burrow_hub_uri_parse (uri, error);
  g_autofree gchar *canonical = NULL;

  if (parsed == NULL)
    return NULL;

  canonical = burrow_hub_uri_to_string (parsed);
  return g_object_new (burrow_hub_uri_is_adc (parsed) ? BURROW_TYPE_ADC_HUB_SESSION
                                                      : BURROW_TYPE_NMDC_HUB_SESSION,
                       "uri", canonical, NULL);
}

/* --- public API ------------------------------------------------------------------------- */

/**
 * burrow_hub_session_connect:
 *
 * Starts connecting (or reconnecting). Follow #BurrowHubSession:state.
 */
void
burrow_hub_session_connect (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  g_clear_handle_id (&priv->reconnect_id, g_source_remove);
  if (priv->state != BURROW_HUB_STATE_DISCONNECTED && priv->state != BURROW_HUB_STATE_WAITING)
    return;

  g_clear_error (&priv->error);
  _burrow_hub_session_set_state (self, BURROW_HUB_STATE_CONNECTING);
  BURROW_HUB_SESSION_GET_CLASS (self)->start (self);
}

/**
 * burrow_hub_session_connect_async:
 *
 * Connects and completes once logged in (state NORMAL), or with the error of
 * the attempt. A failed attempt started this way is not retried (a face that
 * wants retries calls burrow_hub_session_connect()); a session that logged in
 * reconnects after losing the connection, as configured.
 */
void
burrow_hub_session_connect_async (BurrowHubSession    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_hub_session_connect_async);

  if (priv->state == BURROW_HUB_STATE_NORMAL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (priv->connect_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("Already connecting to this hub"));
      return;
    }

  priv->connect_task = g_steal_pointer (&task);
  burrow_hub_session_connect (self);
}

gboolean
burrow_hub_session_connect_finish (BurrowHubSession  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
complete_connect_task (BurrowHubSession *self,
                       const GError     *error)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  g_autoptr(GTask) task = g_steal_pointer (&priv->connect_task);

  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * burrow_hub_session_disconnect:
 *
 * Leaves the hub cleanly and stops reconnecting.
 */
void
burrow_hub_session_disconnect (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowHubSession) keep = NULL;

  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  /* state and connect callbacks may drop the last reference */
  keep = g_object_ref (self);
  g_clear_handle_id (&priv->reconnect_id, g_source_remove);
  if (priv->state != BURROW_HUB_STATE_DISCONNECTED)
    BURROW_HUB_SESSION_GET_CLASS (self)->stop (self, TRUE);
  _burrow_hub_session_clear_users (self);
  _burrow_hub_session_set_state (self, BURROW_HUB_STATE_DISCONNECTED);

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Disconnected"));
  complete_connect_task (self, error);
}

gboolean
burrow_hub_session_send_chat (BurrowHubSession  *self,
                              const gchar       *text,
                              GError           **error)
{
  gboolean third_person = FALSE;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (GET_PRIV (self)->state != BURROW_HUB_STATE_NORMAL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not logged in to the hub"));
      return FALSE;
    }
  if (g_str_has_prefix (text, "/me "))
    {
      third_person = TRUE;
      text += 4;
    }
  return BURROW_HUB_SESSION_GET_CLASS (self)->send_chat (self, text, third_person, error);
}

gboolean
burrow_hub_session_send_private (BurrowHubSession  *self,
                                 BurrowUser        *user,
                                 const gchar       *text,
                                 GError           **error)
{
  gboolean third_person = FALSE;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);
  g_return_val_if_fail (BURROW_IS_USER (user), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (GET_PRIV (self)->state != BURROW_HUB_STATE_NORMAL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not logged in to the hub"));
      return FALSE;
    }
  if (g_str_has_prefix (text, "/me "))
    {
      third_person = TRUE;
      text += 4;
    }
  return BURROW_HUB_SESSION_GET_CLASS (self)->send_private (self, user, text, third_person, error);
}

/**
 * burrow_hub_session_accept_keyprint:
 *
 * The user accepts the hub's changed certificate: pin the new keyprint and
 * reconnect.
 */
gboolean
burrow_hub_session_accept_keyprint (BurrowHubSession  *self,
                                    GError           **error)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  g_autofree gchar *address = NULL;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);

  if (priv->pending_keyprint == NULL || priv->database == NULL)
    {
      g_set_error_literal (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_FAILED,
                           _("There is no changed certificate to accept"));
      return FALSE;
    }

  address = g_strdup_printf ("%s:%u", priv->hub_uri->host, priv->hub_uri->port);
  if (!burrow_database_set_hub_keyprint (priv->database, address, priv->pending_keyprint, error))
    return FALSE;

  _burrow_hub_session_set_keyprint (self, priv->pending_keyprint, NULL);
  burrow_hub_session_connect (self);
  return TRUE;
}

const gchar *
burrow_hub_session_get_uri (BurrowHubSession *self)
{
  return GET_PRIV (self)->uri;
}

const BurrowHubUri *
burrow_hub_session_get_hub_uri (BurrowHubSession *self)
{
  return GET_PRIV (self)->hub_uri;
}

BurrowHubState
burrow_hub_session_get_state (BurrowHubSession *self)
{
  return GET_PRIV (self)->state;
}

const gchar *
burrow_hub_session_get_hub_name (BurrowHubSession *self)
{
  return GET_PRIV (self)->hub_name;
}

const gchar *
burrow_hub_session_get_hub_description (BurrowHubSession *self)
{
  return GET_PRIV (self)->hub_description;
}

/**
 * burrow_hub_session_get_users:
 *
 * Returns: (transfer none): the users (#BurrowUser), ourselves included
 */
GListModel *
burrow_hub_session_get_users (BurrowHubSession *self)
{
  return G_LIST_MODEL (GET_PRIV (self)->users);
}

/**
 * burrow_hub_session_get_messages:
 *
 * Returns: (transfer none): chat, private and status lines (#BurrowChatMessage),
 *   the oldest dropped beyond %BURROW_HUB_MAX_CHAT_MESSAGES
 */
GListModel *
burrow_hub_session_get_messages (BurrowHubSession *self)
{
  return G_LIST_MODEL (GET_PRIV (self)->messages);
}

/**
 * burrow_hub_session_lookup_sid:
 *
 * Returns: (transfer none) (nullable): the user with that SID
 */
BurrowUser *
burrow_hub_session_lookup_sid (BurrowHubSession *self,
                               guint32           sid)
{
  return g_hash_table_lookup (GET_PRIV (self)->by_sid, GUINT_TO_POINTER (sid));
}

static BurrowUser *
lookup_by (BurrowHubSession *self,
           const gchar *(*getter) (BurrowUser *),
           const gchar      *value)
{
  GHashTableIter iter;
  gpointer user;

  g_hash_table_iter_init (&iter, GET_PRIV (self)->by_sid);
  while (g_hash_table_iter_next (&iter, NULL, &user))
    if (g_strcmp0 (getter (user), value) == 0)
      return user;
  return NULL;
}

/**
 * burrow_hub_session_lookup_nick:
 *
 * Returns: (transfer none) (nullable): the user with that nick
 */
BurrowUser *
burrow_hub_session_lookup_nick (BurrowHubSession *self,
                                const gchar      *nick)
{
  return lookup_by (self, burrow_user_get_nick, nick);
}

/* --- the id index (CIDs on ADC, hub and nick on NMDC) ---------------------------------------- */

/* by_id maps a user id (burrow_user_get_id(): the CID on ADC) to the user that last announced it.
 * Entries are refs and may be stale (the user changed its CID or left): a lookup checks the user
 * against by_sid. Stale entries are dropped when they outnumber the users. An ADC user is indexed
 * once its INF gave it a CID (when its join is flushed); an NMDC user as soon as it is added. */
static void
id_index_put (BurrowHubSessionPrivate *priv,
              BurrowUser              *user)
{
  const gchar *id = burrow_user_get_id (user);

  if (id == NULL)
    return;
  if (g_hash_table_size (priv->by_id) > 2 * g_hash_table_size (priv->by_sid) + 64)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_remove_all (priv->by_id);
      g_hash_table_iter_init (&iter, priv->by_sid);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (burrow_user_get_id (value) != NULL)
          g_hash_table_replace (priv->by_id, g_ref_string_acquire ((gchar *) burrow_user_get_id (value)),
                                g_object_ref (value));
    }
  g_hash_table_replace (priv->by_id, g_ref_string_acquire ((gchar *) id), g_object_ref (user));
}

static void
id_index_drop (BurrowHubSessionPrivate *priv,
               BurrowUser              *user)
{
  const gchar *cid = burrow_user_get_id (user);

  if (cid != NULL && g_hash_table_lookup (priv->by_id, cid) == user)
    g_hash_table_remove (priv->by_id, cid);
}

/**
 * burrow_hub_session_lookup_cid:
 *
 * Returns: (transfer none) (nullable): the user with that CID (ADC) or id
 */
BurrowUser *
burrow_hub_session_lookup_cid (BurrowHubSession *self,
                               const gchar      *cid)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  BurrowUser *user;

  if (cid == NULL)
    return NULL;
  user = g_hash_table_lookup (priv->by_id, cid);
  if (user != NULL && g_strcmp0 (burrow_user_get_id (user), cid) == 0
      && g_hash_table_lookup (priv->by_sid, GUINT_TO_POINTER (burrow_user_get_sid (user))) == user)
    return user;
  /* joins not flushed yet (a short batch) whose id came after they were added */
  for (guint i = 0; priv->n_pending_unindexed > 0 && i < priv->pending_joins->len; i++)
    if (g_strcmp0 (burrow_user_get_id (g_ptr_array_index (priv->pending_joins, i)), cid) == 0)
      return g_ptr_array_index (priv->pending_joins, i);
  return NULL;
}

/**
 * burrow_hub_session_lookup_user:
 * @user_id: a protocol-neutral user id (burrow_user_get_id())
 *
 * Returns: (transfer none) (nullable): the user of this hub with that id
 */
BurrowUser *
burrow_hub_session_lookup_user (BurrowHubSession *self,
                                const gchar      *user_id)
{
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), NULL);

  if (user_id == NULL)
    return NULL;
  return burrow_hub_session_lookup_cid (self, user_id);
}

/**
 * burrow_hub_session_get_me:
 *
 * Returns: (transfer none) (nullable): our own user once logged in
 */
BurrowUser *
burrow_hub_session_get_me (BurrowHubSession *self)
{
  return GET_PRIV (self)->me;
}

guint16
burrow_hub_session_get_local_port (BurrowHubSession *self)
{
  return GET_PRIV (self)->local_port;
}

/**
 * burrow_hub_session_get_tls_cipher:
 *
 * Returns: (nullable): the TLS cipher suite of the hub connection (adcs only)
 */
const gchar *
burrow_hub_session_get_tls_cipher (BurrowHubSession *self)
{
  return GET_PRIV (self)->tls_cipher;
}


/**
 * burrow_hub_session_get_local_address:
 *
 * Returns: (nullable): the local IP address of the hub connection
 */
const gchar *
burrow_hub_session_get_local_address (BurrowHubSession *self)
{
  return GET_PRIV (self)->local_address;
}

const gchar *
burrow_hub_session_get_keyprint (BurrowHubSession *self)
{
  return GET_PRIV (self)->keyprint;
}

const gchar *
burrow_hub_session_get_pending_keyprint (BurrowHubSession *self)
{
  return GET_PRIV (self)->pending_keyprint;
}

/**
 * burrow_hub_session_get_error:
 *
 * Returns: (transfer none) (nullable): why the last connection ended
 */
const GError *
burrow_hub_session_get_error (BurrowHubSession *self)
{
  return GET_PRIV (self)->error;
}

static gboolean
set_str (gchar       **field,
         const gchar  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
info_changed (BurrowHubSession *self)
{
  if (BURROW_HUB_SESSION_GET_CLASS (self)->info_changed != NULL)
    BURROW_HUB_SESSION_GET_CLASS (self)->info_changed (self);
}

void
burrow_hub_session_set_nick (BurrowHubSession *self,
                             const gchar      *nick)
{
  g_return_if_fail (BURROW_IS_HUB_SESSION (self));
  g_return_if_fail (nick != NULL && *nick != '\0');

  if (set_str (&GET_PRIV (self)->nick, nick))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NICK]);
      info_changed (self);
    }
}

const gchar *
burrow_hub_session_get_nick (BurrowHubSession *self)
{
  return GET_PRIV (self)->nick;
}

void
burrow_hub_session_set_password (BurrowHubSession *self,
                                 const gchar      *password)
{
  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  if (set_str (&GET_PRIV (self)->password, password))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PASSWORD]);
}

const gchar *
burrow_hub_session_get_password (BurrowHubSession *self)
{
  return GET_PRIV (self)->password;
}

void
burrow_hub_session_set_description (BurrowHubSession *self,
                                    const gchar      *description)
{
  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  if (set_str (&GET_PRIV (self)->description, description))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
      info_changed (self);
    }
}

const gchar *
burrow_hub_session_get_description (BurrowHubSession *self)
{
  return GET_PRIV (self)->description;
}

void
burrow_hub_session_set_mode (BurrowHubSession     *self,
                             BurrowConnectionMode  mode)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  if (priv->mode != mode)
    {
      priv->mode = mode;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
      info_changed (self);
    }
}

BurrowConnectionMode
burrow_hub_session_get_mode (BurrowHubSession *self)
{
  return GET_PRIV (self)->mode;
}

/**
 * burrow_hub_session_set_share_info:
 * @share_size: bytes we share (SS)
 * @shared_files: files we share (SF)
 * @slots: upload slots (SL)
 * @free_slots: free upload slots (FS)
 *
 * What our INF announces; a change while logged in sends an INF update.
 */
void
burrow_hub_session_set_share_info (BurrowHubSession *self,
                                   guint64           share_size,
                                   guint64           shared_files,
                                   guint             slots,
                                   guint             free_slots)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  if (priv->share_size == share_size && priv->shared_files == shared_files &&
      priv->slots == slots && priv->free_slots == free_slots)
    return;
  priv->share_size = share_size;
  priv->shared_files = shared_files;
  priv->slots = slots;
  priv->free_slots = free_slots;
  info_changed (self);
}

/**
 * burrow_hub_session_get_share_info:
 * @share_size: (out) (optional):
 * @shared_files: (out) (optional):
 * @slots: (out) (optional):
 * @free_slots: (out) (optional):
 */
void
burrow_hub_session_get_share_info (BurrowHubSession *self,
                                   guint64          *share_size,
                                   guint64          *shared_files,
                                   guint            *slots,
                                   guint            *free_slots)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (share_size != NULL)
    *share_size = priv->share_size;
  if (shared_files != NULL)
    *shared_files = priv->shared_files;
  if (slots != NULL)
    *slots = priv->slots;
  if (free_slots != NULL)
    *free_slots = priv->free_slots;
}

/**
 * burrow_hub_session_set_port:
 * @port: our TCP/UDP listening port in active mode
 */
void
burrow_hub_session_set_port (BurrowHubSession *self,
                             guint16           port)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_return_if_fail (BURROW_IS_HUB_SESSION (self));

  if (priv->port != port)
    {
      priv->port = port;
      info_changed (self);
    }
}

guint16
burrow_hub_session_get_port (BurrowHubSession *self)
{
  return GET_PRIV (self)->port;
}

/* --- for subclasses --------------------------------------------------------------------- */

void
_burrow_hub_session_set_context (BurrowHubSession *self,
                                 BurrowIdentity   *identity,
                                 BurrowDatabase   *database)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_set_object (&priv->identity, identity);
  g_set_object (&priv->database, database);
}

BurrowIdentity *
_burrow_hub_session_get_identity (BurrowHubSession *self)
{
  return GET_PRIV (self)->identity;
}

BurrowDatabase *
_burrow_hub_session_get_database (BurrowHubSession *self)
{
  return GET_PRIV (self)->database;
}

void
_burrow_hub_session_set_state (BurrowHubSession *self,
                               BurrowHubState    state)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (priv->state == state)
    return;

  g_debug ("%s: state %d → %d", priv->uri, priv->state, state);
  priv->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_burrow_hub_session_set_tls_cipher (BurrowHubSession *self,
                                    const gchar      *cipher)
{
  set_str (&GET_PRIV (self)->tls_cipher, cipher);
}

void
_burrow_hub_session_set_hub_info (BurrowHubSession *self,
                                  const gchar      *name,
                                  const gchar      *description)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (name != NULL && set_str (&priv->hub_name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_NAME]);
  if (description != NULL && set_str (&priv->hub_description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_DESCRIPTION]);
}

void
_burrow_hub_session_set_local_port (BurrowHubSession *self,
                                    const gchar      *address,
                                    guint16           port)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  set_str (&priv->local_address, address);

  if (priv->local_port != port)
    {
      priv->local_port = port;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_PORT]);
    }
}

void
_burrow_hub_session_set_keyprint (BurrowHubSession *self,
                                  const gchar      *keyprint,
                                  const gchar      *pending)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (set_str (&priv->keyprint, keyprint))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYPRINT]);
  if (set_str (&priv->pending_keyprint, pending))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_KEYPRINT]);
}

void
_burrow_hub_session_set_uri (BurrowHubSession   *self,
                             const BurrowHubUri *uri)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_clear_pointer (&priv->hub_uri, burrow_hub_uri_free);
  priv->hub_uri = burrow_hub_uri_copy (uri);
  g_free (priv->uri);
  priv->uri = burrow_hub_uri_to_string (uri);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
}

/**
 * _burrow_hub_session_count_redirect:
 * @target: where the hub sends us
 *
 * Returns: how many redirects were followed since the last login, counting
 *   this one; G_MAXUINT if @target was visited already (a loop)
 */
guint
_burrow_hub_session_count_redirect (BurrowHubSession *self,
                                    const gchar      *target)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (priv->redirects->len == 0)
    g_ptr_array_add (priv->redirects, g_strdup (priv->uri));
  for (guint i = 0; i < priv->redirects->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (priv->redirects, i), target) == 0)
      return G_MAXUINT;
  g_ptr_array_add (priv->redirects, g_strdup (target));
  return priv->redirects->len - 1;
}

BurrowUser *
_burrow_hub_session_add_user (BurrowHubSession *self,
                              guint32           sid,
                              gboolean          ours)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  /* Our own entry is always admitted, even with the list full. */
  if (!ours && g_hash_table_size (priv->by_sid) >= priv->max_users)
    return NULL;

  return _burrow_hub_session_add_user_object (self, burrow_user_new (sid), ours);
}

BurrowUser *
_burrow_hub_session_add_user_object (BurrowHubSession *self,
                                     BurrowUser       *user,
                                     gboolean          ours)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  guint32 sid = burrow_user_get_sid (user);

  g_assert (!g_hash_table_contains (priv->by_sid, GUINT_TO_POINTER (sid)));

  if (!ours && g_hash_table_size (priv->by_sid) >= priv->max_users)
    {
      g_object_unref (user);
      return NULL;
    }
  g_hash_table_insert (priv->by_sid, GUINT_TO_POINTER (sid), user);
  g_ptr_array_add (priv->pending_joins, user);
  /* an NMDC user's id (hub and nick) is known from the start: index it now, a 100,000-user
   * list must not be looked up by scanning the pending joins */
  if (burrow_user_get_id (user) != NULL)
    id_index_put (priv, user);
  else
    priv->n_pending_unindexed++;
  return user;
}

guint
_burrow_hub_session_get_max_users (BurrowHubSession *self)
{
  return GET_PRIV (self)->max_users;
}

void
_burrow_hub_session_set_max_users (BurrowHubSession *self,
                                   guint             max_users)
{
  g_return_if_fail (max_users > 0 && max_users <= BURROW_HUB_MAX_USERS);

  GET_PRIV (self)->max_users = max_users;
}

guint
_burrow_hub_session_get_n_users (BurrowHubSession *self)
{
  return g_hash_table_size (GET_PRIV (self)->by_sid);
}

/* Moves the batched joins into the model with one splice. */
void
_burrow_hub_session_flush_joins (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  g_autoptr(GPtrArray) batch = NULL;

  if (priv->pending_joins->len == 0)
    return;

  batch = g_steal_pointer (&priv->pending_joins);
  priv->pending_joins = g_ptr_array_new ();
  priv->n_pending_unindexed = 0;
  for (guint i = 0; i < batch->len; i++)
    id_index_put (priv, g_ptr_array_index (batch, i));

  g_list_store_splice (priv->users, g_list_model_get_n_items (G_LIST_MODEL (priv->users)), 0,
                       batch->pdata, batch->len);

  if (g_signal_has_handler_pending (self, signals[SIGNAL_USER_JOINED], 0, TRUE))
    for (guint i = 0; i < batch->len; i++)
      g_signal_emit (self, signals[SIGNAL_USER_JOINED], 0, g_ptr_array_index (batch, i));
}

void
_burrow_hub_session_user_updated (BurrowHubSession *self,
                                  BurrowUser       *user)
{
  if (!g_ptr_array_find (GET_PRIV (self)->pending_joins, user, NULL))
    id_index_put (GET_PRIV (self), user);   /* its id may be new */
  g_signal_emit (self, signals[SIGNAL_USER_UPDATED], 0, user);
}

void
_burrow_hub_session_remove_user (BurrowHubSession *self,
                                 guint32           sid)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  g_autoptr(BurrowUser) user = NULL;
  guint position;

  user = g_hash_table_lookup (priv->by_sid, GUINT_TO_POINTER (sid));
  if (user == NULL)
    return;
  g_object_ref (user);
  id_index_drop (priv, user);

  if (g_ptr_array_remove (priv->pending_joins, user))
    {
      g_hash_table_remove (priv->by_sid, GUINT_TO_POINTER (sid));
      return;
    }

  g_signal_emit (self, signals[SIGNAL_USER_LEFT], 0, user);
  if (g_list_store_find (priv->users, user, &position))
    g_list_store_remove (priv->users, position);
  g_hash_table_remove (priv->by_sid, GUINT_TO_POINTER (sid));
  if (priv->me == user)
    g_clear_object (&priv->me);
}

void
_burrow_hub_session_clear_users (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_ptr_array_set_size (priv->pending_joins, 0);
  priv->n_pending_unindexed = 0;
  g_hash_table_remove_all (priv->by_id);
  g_list_store_remove_all (priv->users);
  g_hash_table_remove_all (priv->by_sid);
  g_clear_object (&priv->me);
}

void
_burrow_hub_session_set_me (BurrowHubSession *self,
                            BurrowUser       *me)
{
  g_set_object (&GET_PRIV (self)->me, me);
}

void
_burrow_hub_session_add_message (BurrowHubSession  *self,
                                 BurrowChatMessage *message)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (g_list_model_get_n_items (G_LIST_MODEL (priv->messages)) >= BURROW_HUB_MAX_CHAT_MESSAGES)
    g_list_store_remove (priv->messages, 0);
  g_list_store_append (priv->messages, message);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

/* A status line from the hub or about the connection, shown in the chat. */
void
_burrow_hub_session_status (BurrowHubSession *self,
                            const gchar      *text)
{
  g_autoptr(BurrowChatMessage) message = NULL;

  message = burrow_chat_message_new (BURROW_CHAT_KIND_STATUS, g_get_real_time () / G_USEC_PER_SEC,
                                     NULL, NULL, text, FALSE, FALSE);
  _burrow_hub_session_add_message (self, message);
}

/**
 * _burrow_hub_error_is_final:
 *
 * Returns: whether reconnecting after @error would only repeat it (bad
 *   password, ban, keyprint, nick problems, redirect loop)
 */
gboolean
_burrow_hub_error_is_final (const GError *error)
{
  if (error == NULL || error->domain != BURROW_HUB_ERROR)
    return FALSE;

  switch ((BurrowHubError) error->code)
    {
    case BURROW_HUB_ERROR_BAD_PASSWORD:
    case BURROW_HUB_ERROR_PASSWORD_REQUIRED:
    case BURROW_HUB_ERROR_BANNED:
    case BURROW_HUB_ERROR_KEYPRINT_MISMATCH:
    case BURROW_HUB_ERROR_KEYPRINT_CHANGED:
    case BURROW_HUB_ERROR_NICK_INVALID:
    case BURROW_HUB_ERROR_NICK_TAKEN:
    case BURROW_HUB_ERROR_CID_TAKEN:
    case BURROW_HUB_ERROR_INVALID_PID:
    case BURROW_HUB_ERROR_REGISTERED_ONLY:
    case BURROW_HUB_ERROR_ACCESS_DENIED:
    case BURROW_HUB_ERROR_REDIRECT_LOOP:
    case BURROW_HUB_ERROR_INSECURE_REDIRECT:
    case BURROW_HUB_ERROR_NO_HASH:
      return TRUE;
    case BURROW_HUB_ERROR_FAILED:
    case BURROW_HUB_ERROR_CONNECTION_LOST:
    case BURROW_HUB_ERROR_TIMED_OUT:
    case BURROW_HUB_ERROR_PROTOCOL:
    case BURROW_HUB_ERROR_HUB_FULL:
    case BURROW_HUB_ERROR_HUB_DISABLED:
    case BURROW_HUB_ERROR_KICKED:
    case BURROW_HUB_ERROR_TEMP_BANNED:
    case BURROW_HUB_ERROR_TLS:
    case BURROW_HUB_ERROR_TOO_MANY_USERS:
    default:
      return FALSE;
    }
}

static gboolean
reconnect_cb (gpointer data)
{
  BurrowHubSession *self = data;

  GET_PRIV (self)->reconnect_id = 0;
  GET_PRIV (self)->planned_delay_ms = 0;
  burrow_hub_session_connect (self);
  return G_SOURCE_REMOVE;
}

/* Exponential back-off with ±25 % jitter, so that many clients thrown off
 * one hub do not come back in lockstep. */
static guint
next_delay_ms (BurrowHubSessionPrivate *priv)
{
  guint64 delay = priv->reconnect_delay_ms;
  guint shift = MIN (priv->failures, 16u);

  delay = MIN (delay << shift, (guint64) MAX_RECONNECT_DELAY_MS);
  return (guint) (delay * g_random_double_range (0.75, 1.25));
}

void
_burrow_hub_session_lost (BurrowHubSession *self,
                          const GError     *error,
                          gint64            reconnect_after_ms)
{
  /* the "error" handlers may drop the last reference (a face closing the hub) */
  g_autoptr(BurrowHubSession) keep G_GNUC_UNUSED = g_object_ref (self);
  BurrowHubSessionPrivate *priv = GET_PRIV (self);
  gboolean was_logged_in = priv->state == BURROW_HUB_STATE_NORMAL;

  g_clear_handle_id (&priv->login_timeout_id, g_source_remove);
  g_clear_error (&priv->error);
  priv->error = g_error_copy (error);
  g_debug ("%s: lost: %s", priv->uri, error->message);

  BURROW_HUB_SESSION_GET_CLASS (self)->stop (self, FALSE);
  _burrow_hub_session_clear_users (self);
  _burrow_hub_session_status (self, error->message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error, TRUE);

  if (!was_logged_in)
    priv->failures++;

  if (reconnect_after_ms < 0 || !priv->auto_reconnect || _burrow_hub_error_is_final (error) ||
      priv->connect_task != NULL)
    {
      _burrow_hub_session_set_state (self, BURROW_HUB_STATE_DISCONNECTED);
    }
  else
    {
      const gint64 max_requested = (gint64) BURROW_HUB_MAX_REQUESTED_DELAY_S * 1000;
      guint delay = reconnect_after_ms > 0 ? (guint) MIN (reconnect_after_ms, max_requested)
                                           : next_delay_ms (priv);

      g_debug ("%s: reconnecting in %u ms", priv->uri, delay);
      _burrow_hub_session_set_state (self, BURROW_HUB_STATE_WAITING);
      g_clear_handle_id (&priv->reconnect_id, g_source_remove);
      priv->reconnect_id = g_timeout_add (delay, reconnect_cb, self);
      priv->planned_delay_ms = delay;
    }

  complete_connect_task (self, error);
}

guint
_burrow_hub_session_get_reconnect_delay (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  return priv->reconnect_id != 0 ? priv->planned_delay_ms : 0;
}

void
_burrow_hub_session_logged_in (BurrowHubSession *self)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_clear_handle_id (&priv->login_timeout_id, g_source_remove);
  priv->failures = 0;
  g_ptr_array_set_size (priv->redirects, 0);
  _burrow_hub_session_flush_joins (self);
  _burrow_hub_session_set_state (self, BURROW_HUB_STATE_NORMAL);
  complete_connect_task (self, NULL);
}

/* ---- typed hub services -------------------------------------------------------------------- */

BurrowConnectRequest *
burrow_connect_request_new (BurrowConnectKind  kind,
                            BurrowUser        *user,
                            const gchar       *protocol,
                            guint16            port,
                            const gchar       *token)
{
  BurrowConnectRequest *request = g_new0 (BurrowConnectRequest, 1);

  request->kind = kind;
  request->user = user != NULL ? g_object_ref (user) : NULL;
  request->protocol = g_strdup (protocol);
  request->port = port;
  request->token = g_strdup (token);
  return request;
}

BurrowConnectRequest *
burrow_connect_request_copy (const BurrowConnectRequest *request)
{
  BurrowConnectRequest *copy;

  g_return_val_if_fail (request != NULL, NULL);

  copy = burrow_connect_request_new (request->kind, request->user, request->protocol,
                                     request->port, request->token);
  copy->tls = request->tls;
  copy->reason = g_strdup (request->reason);
  copy->status = request->status;
  copy->host = g_strdup (request->host);
  copy->line = g_strdup (request->line);
  return copy;
}

void
burrow_connect_request_free (BurrowConnectRequest *request)
{
  if (request == NULL)
    return;
  g_clear_object (&request->user);
  g_free (request->protocol);
  g_free (request->token);
  g_free (request->reason);
  g_free (request->host);
  g_free (request->line);
  g_free (request);
}

G_DEFINE_BOXED_TYPE (BurrowConnectRequest, burrow_connect_request,
                     burrow_connect_request_copy, burrow_connect_request_free)

/* Whether a typed service can be used now: logged in, and the protocol has it. */
static gboolean
service_ready (BurrowHubSession  *self,
               gboolean           implemented,
               const gchar       *missing,
               GError           **error)
{
  if (GET_PRIV (self)->state != BURROW_HUB_STATE_NORMAL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Not logged in to the hub"));
      return FALSE;
    }
  if (!implemented)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, missing);
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_hub_session_send_connect_request:
 * @request: what to send; @request->user is the peer
 *
 * Sends a connection request (or its answer, or a refusal) to a user of
 * this hub, in the hub's protocol. An NMDC session sets @request->line to the line it sent.
 *
 * Returns: whether it was queued
 */
gboolean
burrow_hub_session_send_connect_request (BurrowHubSession           *self,
                                         BurrowConnectRequest       *request,
                                         GError                    **error)
{
  BurrowHubSessionClass *klass;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);
  g_return_val_if_fail (request != NULL && BURROW_IS_USER (request->user), FALSE);

  klass = BURROW_HUB_SESSION_GET_CLASS (self);
  if (!service_ready (self, klass->send_connect_request != NULL,
                      _("This hub cannot carry connection requests"), error))
    return FALSE;
  return klass->send_connect_request (self, request, error);
}

/**
 * burrow_hub_session_send_search:
 *
 * Sends @query to every user of the hub.
 */
gboolean
burrow_hub_session_send_search (BurrowHubSession        *self,
                                const BurrowSearchQuery *query,
                                GError                 **error)
{
  BurrowHubSessionClass *klass;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);

  klass = BURROW_HUB_SESSION_GET_CLASS (self);
  if (!service_ready (self, klass->send_search != NULL, _("This hub cannot carry searches"), error))
    return FALSE;
  return klass->send_search (self, query, error);
}

/**
 * burrow_hub_session_send_search_reply:
 * @to: the searcher
 *
 * Answers a search through the hub.
 */
gboolean
burrow_hub_session_send_search_reply (BurrowHubSession        *self,
                                      BurrowUser              *to,
                                      const BurrowSearchReply *reply,
                                      GError                 **error)
{
  BurrowHubSessionClass *klass;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);
  g_return_val_if_fail (BURROW_IS_USER (to), FALSE);
  g_return_val_if_fail (reply != NULL, FALSE);

  klass = BURROW_HUB_SESSION_GET_CLASS (self);
  if (!service_ready (self, klass->send_search_reply != NULL, _("This hub cannot carry searches"),
                      error))
    return FALSE;
  return klass->send_search_reply (self, to, reply, error);
}

/**
 * burrow_hub_session_format_udp_search_reply:
 *
 * Returns: (transfer full) (nullable): @reply as the datagram this hub's
 *   protocol sends to an active searcher, or %NULL when it has none
 */
GBytes *
burrow_hub_session_format_udp_search_reply (BurrowHubSession        *self,
                                            const BurrowSearchReply *reply)
{
  BurrowHubSessionClass *klass;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), NULL);
  g_return_val_if_fail (reply != NULL, NULL);

  klass = BURROW_HUB_SESSION_GET_CLASS (self);
  if (klass->format_udp_search_reply == NULL)
    return NULL;
  return klass->format_udp_search_reply (self, reply);
}

void
_burrow_hub_session_emit_connect_request (BurrowHubSession           *self,
                                          const BurrowConnectRequest *request)
{
  g_signal_emit (self, signals[SIGNAL_CONNECT_REQUEST], 0, request);
}

void
_burrow_hub_session_emit_search_request (BurrowHubSession        *self,
                                         BurrowUser              *from,
                                         const BurrowSearchQuery *query)
{
  g_signal_emit (self, signals[SIGNAL_SEARCH_REQUEST], 0, from, query);
}

void
_burrow_hub_session_emit_search_result (BurrowHubSession        *self,
                                        BurrowUser              *from,
                                        const BurrowSearchReply *reply)
{
  g_signal_emit (self, signals[SIGNAL_SEARCH_RESULT], 0, from, reply);
}

/**
 * burrow_hub_session_set_encoding:
 * @encoding: (nullable): an iconv charset name; %NULL for %BURROW_NMDC_DEFAULT_CHARSET
 *
 * Sets the charset of an NMDC hub (ADC is always UTF-8 and ignores it). Takes
 * effect on the next connect.
 *
 * Returns: %FALSE with @error (G_CONVERT_ERROR_NO_CONVERSION) for a charset
 *   iconv does not know
 */
gboolean
burrow_hub_session_set_encoding (BurrowHubSession  *self,
                                 const gchar       *encoding,
                                 GError           **error)
{
  BurrowHubSessionPrivate *priv;
  g_autofree gchar *name = NULL;
  GIConv probe;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), FALSE);

  priv = GET_PRIV (self);
  name = g_ascii_strup (encoding != NULL && *encoding != '\0' ? encoding : BURROW_NMDC_DEFAULT_CHARSET, -1);
  probe = g_iconv_open ("UTF-8", name);
  if (probe == (GIConv) -1)
    {
      g_set_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION,
                   _("Unknown character encoding: %s"), name);
      return FALSE;
    }
  g_iconv_close (probe);
  if (g_strcmp0 (priv->encoding, name) != 0)
    {
      g_free (priv->encoding);
      priv->encoding = g_steal_pointer (&name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCODING]);
    }
  return TRUE;
}

const gchar *
burrow_hub_session_get_encoding (BurrowHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), NULL);
  return GET_PRIV (self)->encoding;
}

const gchar *
burrow_hub_session_get_hub_software (BurrowHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), NULL);
  return GET_PRIV (self)->hub_software;
}

void
_burrow_hub_session_set_hub_software (BurrowHubSession *self,
                                      const gchar      *software)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  if (software != NULL && *software == '\0')
    software = NULL;
  if (g_strcmp0 (priv->hub_software, software) == 0)
    return;
  g_free (priv->hub_software);
  priv->hub_software = g_strdup (software);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_SOFTWARE]);
}

BurrowHubProtocol
burrow_hub_session_get_protocol (BurrowHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), BURROW_HUB_PROTOCOL_ADC);
  return GET_PRIV (self)->hub_uri != NULL ? GET_PRIV (self)->hub_uri->protocol
                                          : BURROW_HUB_PROTOCOL_ADC;
}

void
_burrow_hub_session_set_stream_func (BurrowHubSession    *self,
                                     BurrowHubStreamFunc  func,
                                     gpointer             user_data)
{
  GET_PRIV (self)->stream_func = func;
  GET_PRIV (self)->stream_func_data = user_data;
}

BurrowHubStreamFunc
_burrow_hub_session_get_stream_func (BurrowHubSession *self,
                                     gpointer         *user_data)
{
  *user_data = GET_PRIV (self)->stream_func_data;
  return GET_PRIV (self)->stream_func;
}

/**
 * _burrow_hub_session_redirect:
 * @address: where the hub sends us (ADC `QUI RD`, NMDC `$ForceMove`); an NMDC address without
 *   a scheme is taken as `dchub://`
 *
 * Follows a redirect: to the same protocol family only, never from TLS to plain, at most
 * %BURROW_HUB_MAX_REDIRECTS times and never in a loop. Otherwise the session stops with an error
 * (no reconnect).
 */
void
_burrow_hub_session_redirect (BurrowHubSession *self,
                              const gchar      *address)
{
  BurrowHubSession *session = self;
  const BurrowHubUri *current = burrow_hub_session_get_hub_uri (self);
  g_autoptr(BurrowHubUri) target = NULL;
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *with_scheme = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  if (!burrow_hub_uri_is_adc (current) && strstr (address, "://") == NULL)
    address = with_scheme = g_strconcat ("dchub://", address, NULL);
  target = burrow_hub_uri_parse (address, &error);
  if (target == NULL || burrow_hub_uri_is_adc (target) != burrow_hub_uri_is_adc (current))
    {
      g_clear_error (&error);
      error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_FAILED,
                           _("The hub redirected us to an address we cannot use: %s"), address);
      _burrow_hub_session_lost (session, error, -1);
      return;
    }

  canonical = burrow_hub_uri_to_string (target);

  /* From TLS to plain: everything after it, the password included, would be readable (and
   * changeable) on the way. */
  if (burrow_hub_uri_is_tls (current) && !burrow_hub_uri_is_tls (target))
    {
      error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_INSECURE_REDIRECT,
                           _("The hub redirected us to an unencrypted address: %s"), canonical);
      _burrow_hub_session_lost (session, error, -1);
      return;
    }

  n = _burrow_hub_session_count_redirect (session, canonical);
  if (n == G_MAXUINT || n > BURROW_HUB_MAX_REDIRECTS)
    {
      error = g_error_new (BURROW_HUB_ERROR, BURROW_HUB_ERROR_REDIRECT_LOOP,
                           _("Stopped following redirects at %s (a loop, or more than %u)"),
                           canonical, BURROW_HUB_MAX_REDIRECTS);
      _burrow_hub_session_lost (session, error, -1);
      return;
    }

  g_debug ("redirected to %s", canonical);
  {
    g_autofree gchar *status = g_strdup_printf (_("Redirected to %s"), canonical);
    _burrow_hub_session_status (session, status);
  }
  BURROW_HUB_SESSION_GET_CLASS (self)->stop (session, FALSE);
  _burrow_hub_session_clear_users (session);
  /* The password is for this hub: another host would get it (NMDC sends it in clear, ADC a hash
   * of it with a nonce, enough to guess it offline). It then asks for a password we do not have,
   * and the login fails with BURROW_HUB_ERROR_PASSWORD_REQUIRED. */
  if (g_ascii_strcasecmp (target->host, current->host) != 0)
    burrow_hub_session_set_password (session, NULL);
  _burrow_hub_session_set_uri (session, target);
  _burrow_hub_session_set_state (session, BURROW_HUB_STATE_CONNECTING);
  BURROW_HUB_SESSION_GET_CLASS (self)->start (session);
}

/**
 * burrow_hub_session_parse_udp_search_reply:
 * @line: one line of a datagram (without its terminator)
 * @from: (out) (transfer none): the user who answered
 *
 * Returns: (transfer full) (nullable): the reply, its token set to the search it answers, or
 *   %NULL when the line is not an answer to one of our searches on this hub
 */
BurrowSearchReply *
burrow_hub_session_parse_udp_search_reply (BurrowHubSession  *self,
                                           const gchar       *line,
                                           gsize              len,
                                           BurrowUser       **from)
{
  BurrowHubSessionClass *klass;

  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), NULL);
  g_return_val_if_fail (from != NULL, NULL);

  klass = BURROW_HUB_SESSION_GET_CLASS (self);
  *from = NULL;
  if (klass->parse_udp_search_reply == NULL)
    return NULL;
  return klass->parse_udp_search_reply (self, line, len, from);
}

static gboolean
login_timeout_cb (gpointer data)
{
  BurrowHubSession *self = data;
  /* the "error" handlers of the failed login may drop the last reference */
  g_autoptr(BurrowHubSession) keep G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GError) error = NULL;

  GET_PRIV (self)->login_timeout_id = 0;
  error = g_error_new_literal (BURROW_HUB_ERROR, BURROW_HUB_ERROR_TIMED_OUT,
                               _("The hub did not complete the login in time"));
  _burrow_hub_session_lost (self, error, 0);
  return G_SOURCE_REMOVE;
}

/**
 * _burrow_hub_session_arm_login_timeout:
 * @timeout_ms: how long the login may take; 0 disarms
 *
 * The login fails with BURROW_HUB_ERROR_TIMED_OUT unless it completes
 * (_burrow_hub_session_logged_in(), which disarms it) or the connection is lost first.
 */
void
_burrow_hub_session_arm_login_timeout (BurrowHubSession *self,
                                       guint             timeout_ms)
{
  BurrowHubSessionPrivate *priv = GET_PRIV (self);

  g_clear_handle_id (&priv->login_timeout_id, g_source_remove);
  if (timeout_ms > 0)
    priv->login_timeout_id = g_timeout_add (timeout_ms, login_timeout_cb, self);
}

/**
 * burrow_hub_session_set_keepalive_interval:
 * @seconds: seconds without sending anything before the session sends a keep-alive (ADC: an
 *   empty line; NMDC: a bare '|'); applies from the next connection
 */
void
burrow_hub_session_set_keepalive_interval (BurrowHubSession *self,
                                           guint             seconds)
{
  g_return_if_fail (BURROW_IS_HUB_SESSION (self));
  g_return_if_fail (seconds > 0);

  GET_PRIV (self)->keepalive_s = seconds;
}

guint
burrow_hub_session_get_keepalive_interval (BurrowHubSession *self)
{
  g_return_val_if_fail (BURROW_IS_HUB_SESSION (self), 0);
  return GET_PRIV (self)->keepalive_s;
}

/**
 * _burrow_hub_session_channel_failed:
 *
 * What a hub session does with its line channel's error: a non-fatal one is reported (the
 * "error" signal) and a cancellation ignored, both returning %FALSE; a fatal one returns %TRUE,
 * and the caller ends the connection with its protocol's reason.
 */
gboolean
_burrow_hub_session_channel_failed (BurrowHubSession *self,
                                    const GError     *error,
                                    gboolean          fatal)
{
  if (!fatal)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error, FALSE);
      return FALSE;
    }
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
