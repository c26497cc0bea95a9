/* burrow-public-hubs.c — the public hub lists: fetched, cached, merged into one list model
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-public-hubs"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "burrow-public-hubs.h"

/* A refresh downloads every list at once with libsoup (on the main loop, each download capped at
 * BURROW_HUB_LIST_MAX_DOWNLOAD bytes and BURROW_PUBLIC_HUBS_TIMEOUT_S seconds of silence), parses
 * each in a worker thread (burrow-hub-list-parser.c), keeps each good download in the database
 * (table hub_list_cache: the raw bytes and the time), and falls back to that copy when a download
 * or its parse fails. The lists are then merged in server order: each hub address (normalised by
 * the parser: lower-case scheme and host, explicit port) once, the first list's entry winning.
 *
 * The list servers are an engine setting, "hublist-servers" (one URL per line). */

#define SETTING_SERVERS "hublist-servers"
#define READ_PIECE (64 * 1024)

/* The servers current DC clients ship (read December 2026):
 *  - AirDC++ (airdcpp-web/airdcpp-webclient, airdcpp-core/airdcpp/settings/SettingsManager.cpp,
 *    HUBLIST_SERVERS): te-home.net, dchublist.org, dchublist.ru, dcnf.github.io, hublist.pwiam.com;
 *  - EiskaltDC++ (eiskaltdcpp/eiskaltdcpp, dcpp/SettingsManager.cpp, HUBLIST_SERVERS):
 *    te-home.net, dchublist.org, dchublist.biz, dchublist.ru, dcnf.github.io (and
 *    dchublist.org's ADC-only list, which its main list already covers).
 * Their union, in that order. */
static const gchar * const default_servers[] = {
  "https://www.te-home.net/?do=hublist&get=hublist.xml.bz2",
  "https://dchublist.org/hublist.xml.bz2",
  "https://dchublist.ru/hublist.xml.bz2",
  "https://dcnf.github.io/Hublist/hublist.xml.bz2",
  "https://hublist.pwiam.com/hublist.xml.bz2",
  "https://dchublist.biz/hublist.xml.bz2",
  NULL
};

struct _BurrowPublicHubs
{
  GObject         parent_instance;

  /* owned */
  BurrowDatabase *database;
  SoupSession    *session;
  GPtrArray      *hubs;       /* BurrowPublicHub, merged */
  GPtrArray      *sources;    /* BurrowPublicHubSource, last refresh */
  gboolean        refreshing;
  guint           deadline_s;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowPublicHubs, burrow_public_hubs, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return BURROW_TYPE_PUBLIC_HUB;
}

static guint
get_n_items (GListModel *model)
{
  return BURROW_PUBLIC_HUBS (model)->hubs->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BurrowPublicHubs *self = BURROW_PUBLIC_HUBS (model);

  if (position >= self->hubs->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->hubs, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
source_free (BurrowPublicHubSource *source)
{
  g_free (source->url);
  g_clear_error (&source->error);
  g_free (source);
}

static void
burrow_public_hubs_finalize (GObject *object)
{
  BurrowPublicHubs *self = BURROW_PUBLIC_HUBS (object);

  g_clear_pointer (&self->hubs, g_ptr_array_unref);
  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (burrow_public_hubs_parent_class)->finalize (object);
}

static void
burrow_public_hubs_class_init (BurrowPublicHubsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = burrow_public_hubs_finalize;
}

static void
burrow_public_hubs_init (BurrowPublicHubs *self)
{
  self->hubs = g_ptr_array_new_with_free_func (g_object_unref);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  self->deadline_s = BURROW_PUBLIC_HUBS_DEADLINE_S;
}

BurrowPublicHubs *
burrow_public_hubs_new (BurrowDatabase *database)
{
  BurrowPublicHubs *self;

  g_return_val_if_fail (BURROW_IS_DATABASE (database), NULL);

  self = g_object_new (BURROW_TYPE_PUBLIC_HUBS, NULL);
  self->database = g_object_ref (database);
  self->session = soup_session_new_with_options ("timeout", BURROW_PUBLIC_HUBS_TIMEOUT_S,
                                                 "idle-timeout", BURROW_PUBLIC_HUBS_TIMEOUT_S,
                                                 "user-agent", "Burrow/" PACKAGE_VERSION " ",
                                                 NULL);
  return self;
}

/**
 * burrow_public_hubs_set_timeouts:
 * @silence_s: seconds a list server may stay silent
 * @deadline_s: seconds a whole download may take
 *
 * Changes the two limits of a download (%BURROW_PUBLIC_HUBS_TIMEOUT_S and
 * %BURROW_PUBLIC_HUBS_DEADLINE_S by default) for the next refresh. Either hit fails the download
 * with %G_IO_ERROR_TIMED_OUT (and the cached copy is shown).
 */
void
burrow_public_hubs_set_timeouts (BurrowPublicHubs *self,
                                 guint             silence_s,
                                 guint             deadline_s)
{
  g_return_if_fail (BURROW_IS_PUBLIC_HUBS (self));
  g_return_if_fail (silence_s > 0 && deadline_s > 0);

  g_object_set (self->session, "timeout", silence_s, "idle-timeout", silence_s, NULL);
  self->deadline_s = deadline_s;
}

/* --- servers ------------------------------------------------------------------------------ */

/**
 * burrow_public_hubs_get_default_servers:
 *
 * Returns: (transfer none): the list servers used until the user sets others
 */
const gchar * const *
burrow_public_hubs_get_default_servers (void)
{
  return default_servers;
}

/**
 * burrow_public_hubs_dup_servers:
 *
 * Returns: (transfer full): the configured list servers (the defaults when none are set)
 */
GStrv
burrow_public_hubs_dup_servers (BurrowPublicHubs *self)
{
  g_autofree gchar *stored = NULL;

  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS (self), NULL);

  stored = burrow_database_dup_setting (self->database, SETTING_SERVERS);
  if (stored == NULL)
    return g_strdupv ((GStrv) default_servers);
  if (*stored == '\0')
    return g_new0 (gchar *, 1);
  return g_strsplit (stored, "\n", -1);
}

static gboolean
check_server_url (const gchar  *url,
                  GError      **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an http:// or https:// address"), url);
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_public_hubs_set_servers:
 * @servers: (nullable): http(s) URLs of hub lists; %NULL restores the defaults
 *
 * Stores the list servers. An invalid URL stores nothing and fails with
 * %G_IO_ERROR_INVALID_ARGUMENT.
 */
gboolean
burrow_public_hubs_set_servers (BurrowPublicHubs     *self,
                                const gchar * const  *servers,
                                GError              **error)
{
  g_autofree gchar *joined = NULL;
  sqlite3_stmt *stmt = NULL;
  gint rc;

  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS (self), FALSE);

  if (servers != NULL)
    {
      for (guint i = 0; servers[i] != NULL; i++)
        if (!check_server_url (servers[i], error))
          return FALSE;
      joined = g_strjoinv ("\n", (GStrv) servers);
      return burrow_database_set_setting (self->database, SETTING_SERVERS, joined, error);
    }

  if (sqlite3_prepare_v2 (burrow_database_get_handle (self->database),
                          "DELETE FROM settings WHERE key = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("saving the hub list servers"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, SETTING_SERVERS, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("saving the hub list servers"));
      return FALSE;
    }
  return TRUE;
}

/* --- cache -------------------------------------------------------------------------------- */

static void
cache_store (BurrowPublicHubs *self,
             const gchar      *url,
             gint64            fetched,
             GBytes           *data)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;
  gsize size;
  gconstpointer bytes = g_bytes_get_data (data, &size);
  gint rc;

  if (sqlite3_prepare_v2 (burrow_database_get_handle (self->database),
                          "INSERT INTO hub_list_cache (url, fetched, data) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT (url) DO UPDATE SET fetched = excluded.fetched, "
                          "data = excluded.data", -1, &stmt, NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, &error, _("saving a hub list"));
      g_warning ("%s", error->message);
      return;
    }
  sqlite3_bind_text (stmt, 1, url, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, fetched);
  sqlite3_bind_blob64 (stmt, 3, size > 0 ? bytes : "", size, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, &error, _("saving a hub list"));
      g_warning ("%s", error->message);
    }
}

static GBytes *
cache_load (BurrowPublicHubs *self,
            const gchar      *url,
            gint64           *fetched)
{
  sqlite3_stmt *stmt = NULL;
  GBytes *data = NULL;

  if (sqlite3_prepare_v2 (burrow_database_get_handle (self->database),
                          "SELECT fetched, data FROM hub_list_cache WHERE url = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, url, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *fetched = sqlite3_column_int64 (stmt, 0);
      data = g_bytes_new (sqlite3_column_blob (stmt, 1), (gsize) sqlite3_column_bytes (stmt, 1));
    }
  sqlite3_finalize (stmt);
  return data;
}

/* --- one list ----------------------------------------------------------------------------- */

typedef struct
{
  GTask        *refresh;     /* the refresh it belongs to (a reference, dropped by fetch_done) */
  gchar        *url;
  GCancellable *cancellable; /* the download's: the refresh's, or the deadline */
  gulong        chain_id;    /* the refresh's cancellable → ours */
  guint         deadline_id;
  gboolean      timed_out;
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *buf;
  GBytes       *raw;         /* what is being parsed */
  GPtrArray    *entries;     /* BurrowHubListEntry once read */
  guint         n_skipped;
  gint64        fetched;
  gboolean      from_cache;
  GError       *error;       /* why the download failed */
} Fetch;

typedef struct
{
  GPtrArray *fetches;        /* Fetch */
  guint      pending;
} Refresh;

typedef struct
{
  GPtrArray *entries;
  guint      n_skipped;
} Parsed;

/* The download is over (done, failed, or cancelled): its deadline and cancellable go. */
static void
download_over (Fetch *fetch)
{
  GCancellable *parent = g_task_get_cancellable (fetch->refresh);

  g_clear_handle_id (&fetch->deadline_id, g_source_remove);
  if (fetch->chain_id != 0)
    g_cancellable_disconnect (parent, fetch->chain_id);
  fetch->chain_id = 0;
}

static void
fetch_free (Fetch *fetch)
{
  g_clear_handle_id (&fetch->deadline_id, g_source_remove);
  g_clear_object (&fetch->cancellable);
  g_free (fetch->url);
  g_clear_object (&fetch->msg);
  g_clear_object (&fetch->stream);
  g_clear_pointer (&fetch->buf, g_byte_array_unref);
  g_clear_pointer (&fetch->raw, g_bytes_unref);
  g_clear_pointer (&fetch->entries, g_ptr_array_unref);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

static void
refresh_free (Refresh *refresh)
{
  g_ptr_array_unref (refresh->fetches);
  g_free (refresh);
}

static void
parsed_free (Parsed *parsed)
{
  g_clear_pointer (&parsed->entries, g_ptr_array_unref);
  g_free (parsed);
}

static void merge (GTask *task);

static void
fetch_done (Fetch *fetch)
{
  GTask *task = fetch->refresh;
  Refresh *refresh = g_task_get_task_data (task);

  download_over (fetch);
  g_clear_object (&fetch->stream);
  g_clear_pointer (&fetch->buf, g_byte_array_unref);
  g_clear_pointer (&fetch->raw, g_bytes_unref);
  if (--refresh->pending == 0)
    merge (task);
  g_object_unref (task);   /* the fetch's reference; it may free the fetch */
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GBytes *raw = task_data;
  Parsed *parsed = g_new0 (Parsed, 1);
  GError *error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (raw, &size);

  parsed->entries = burrow_hub_list_parse (data, size, &parsed->n_skipped, &error);
  if (parsed->entries == NULL)
    {
      parsed_free (parsed);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, parsed, (GDestroyNotify) parsed_free);
}

static void parse_start (Fetch *fetch);

/* The download failed (@error): show the cached copy, if there is one. */
static void
fetch_failed (Fetch  *fetch,
              GError *error)
{
  BurrowPublicHubs *self = g_task_get_source_object (fetch->refresh);
  GBytes *cached;
  gint64 fetched = 0;

  download_over (fetch);
  if (fetch->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("The list server did not send the list within %u seconds"),
                           self->deadline_s);
    }
  g_debug ("%s: %s", fetch->url, error->message);
  g_clear_error (&fetch->error);
  fetch->error = error;
  if (g_cancellable_is_cancelled (g_task_get_cancellable (fetch->refresh)) ||
      (cached = cache_load (self, fetch->url, &fetched)) == NULL)
    {
      fetch_done (fetch);
      return;
    }
  g_clear_pointer (&fetch->raw, g_bytes_unref);
  fetch->raw = cached;
  fetch->fetched = fetched;
  fetch->from_cache = TRUE;
  parse_start (fetch);
}

static void
on_parsed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fetch *fetch = user_data;
  BurrowPublicHubs *self = g_task_get_source_object (fetch->refresh);
  g_autoptr(GError) error = NULL;
  Parsed *parsed = g_task_propagate_pointer (G_TASK (result), &error);

  if (parsed == NULL)
    {
      if (fetch->from_cache)
        fetch_done (fetch);          /* keep the download's error: the copy is no better */
      else
        fetch_failed (fetch, g_steal_pointer (&error));
      return;
    }
  fetch->entries = g_steal_pointer (&parsed->entries);
  fetch->n_skipped = parsed->n_skipped;
  parsed_free (parsed);
  if (!fetch->from_cache)
    {
      fetch->fetched = g_get_real_time () / G_USEC_PER_SEC;
      cache_store (self, fetch->url, fetch->fetched, fetch->raw);
    }
  fetch_done (fetch);
}

static void
parse_start (Fetch *fetch)
{
  g_autoptr(GTask) task = g_task_new (NULL, g_task_get_cancellable (fetch->refresh),
                                      on_parsed, fetch);

  g_task_set_source_tag (task, parse_start);
  g_task_set_task_data (task, g_bytes_ref (fetch->raw), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, parse_thread);
}

static void read_more (Fetch *fetch);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) piece = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);

  if (piece == NULL)
    {
      fetch_failed (fetch, error);
      return;
    }
  if (g_bytes_get_size (piece) == 0)
    {
      download_over (fetch);
      g_clear_object (&fetch->stream);
      fetch->raw = g_byte_array_free_to_bytes (g_steal_pointer (&fetch->buf));
      parse_start (fetch);
      return;
    }
  if (fetch->buf->len + g_bytes_get_size (piece) > BURROW_HUB_LIST_MAX_DOWNLOAD)
    {
      fetch_failed (fetch, g_error_new (BURROW_HUB_LIST_ERROR,
                                        BURROW_HUB_LIST_ERROR_DOWNLOAD_TOO_LARGE,
                                        _("The hub list is larger than %u MiB"),
                                        (guint) (BURROW_HUB_LIST_MAX_DOWNLOAD / (1024 * 1024))));
      return;
    }
  g_byte_array_append (fetch->buf, g_bytes_get_data (piece, NULL), (guint) g_bytes_get_size (piece));
  read_more (fetch);
}

static void
read_more (Fetch *fetch)
{
  g_input_stream_read_bytes_async (fetch->stream, READ_PIECE, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, on_read, fetch);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetch *fetch = user_data;
  GError *error = NULL;
  guint status;
  goffset length;

  fetch->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (fetch->stream == NULL)
    {
      fetch_failed (fetch, error);
      return;
    }
  status = soup_message_get_status (fetch->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fetch_failed (fetch, g_error_new (BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_HTTP,
                                        _("The server answered HTTP %u %s"), status,
                                        soup_message_get_reason_phrase (fetch->msg)
                                        ? soup_message_get_reason_phrase (fetch->msg) : ""));
      return;
    }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (fetch->msg));
  if (length > BURROW_HUB_LIST_MAX_DOWNLOAD)
    {
      fetch_failed (fetch, g_error_new (BURROW_HUB_LIST_ERROR,
                                        BURROW_HUB_LIST_ERROR_DOWNLOAD_TOO_LARGE,
                                        _("The hub list is larger than %u MiB"),
                                        (guint) (BURROW_HUB_LIST_MAX_DOWNLOAD / (1024 * 1024))));
      return;
    }
  fetch->buf = g_byte_array_new ();
  read_more (fetch);
}

static void
on_refresh_cancelled (GCancellable *parent,
                      GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static gboolean
on_deadline (gpointer data)
{
  Fetch *fetch = data;

  fetch->deadline_id = 0;
  fetch->timed_out = TRUE;
  g_cancellable_cancel (fetch->cancellable);
  return G_SOURCE_REMOVE;
}

static void
fetch_start (BurrowPublicHubs *self,
             Fetch            *fetch)
{
  GCancellable *parent = g_task_get_cancellable (fetch->refresh);
  GError *error = NULL;

  if (!check_server_url (fetch->url, &error) ||
      (fetch->msg = soup_message_new ("GET", fetch->url)) == NULL)
    {
      if (error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("“%s” is not an http:// or https:// address"), fetch->url);
      fetch_failed (fetch, error);
      return;
    }
  fetch->cancellable = g_cancellable_new ();
  if (parent != NULL)
    fetch->chain_id = g_cancellable_connect (parent, G_CALLBACK (on_refresh_cancelled),
                                             fetch->cancellable, NULL);
  fetch->deadline_id = g_timeout_add_seconds (self->deadline_s, on_deadline, fetch);
  soup_session_send_async (self->session, fetch->msg, G_PRIORITY_DEFAULT, fetch->cancellable,
                           on_sent, fetch);
}

/* --- the refresh -------------------------------------------------------------------------- */

static void
merge (GTask *task)
{
  BurrowPublicHubs *self = g_task_get_source_object (task);
  Refresh *refresh = g_task_get_task_data (task);
  g_autoptr(GPtrArray) hubs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const Fetch *first_failure = NULL;
  guint n_read = 0;
  guint old_len;

  self->refreshing = FALSE;
  if (g_task_return_error_if_cancelled (task))
    return;

  for (guint i = 0; i < refresh->fetches->len; i++)
    {
      Fetch *fetch = g_ptr_array_index (refresh->fetches, i);
      BurrowPublicHubSource *source = g_new0 (BurrowPublicHubSource, 1);

      source->url = g_strdup (fetch->url);
      source->error = fetch->error ? g_error_copy (fetch->error) : NULL;
      source->from_cache = fetch->from_cache && fetch->entries != NULL;
      source->fetched = fetch->entries != NULL ? fetch->fetched : 0;
      source->n_skipped = fetch->n_skipped;
      g_ptr_array_add (sources, source);
      if (fetch->entries == NULL)
        {
          if (first_failure == NULL)
            first_failure = fetch;
          continue;
        }
      n_read++;
      source->n_hubs = fetch->entries->len;
      for (guint j = 0; j < fetch->entries->len; j++)
        {
          BurrowHubListEntry *entry = g_ptr_array_index (fetch->entries, j);
          BurrowPublicHub *hub;

          if (g_hash_table_contains (seen, entry->address))
            continue;
          hub = burrow_public_hub_new_take (entry, fetch->url, fetch->fetched);
          g_hash_table_add (seen, (gpointer) burrow_public_hub_get_address (hub));
          g_ptr_array_add (hubs, hub);
        }
    }

  g_clear_pointer (&self->sources, g_ptr_array_unref);
  self->sources = g_steal_pointer (&sources);
  if (n_read == 0)
    {
      if (first_failure == NULL)
        g_task_return_new_error (task, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_NO_LIST,
                                 _("No hub list servers are configured"));
      else
        g_task_return_new_error (task, BURROW_HUB_LIST_ERROR, BURROW_HUB_LIST_ERROR_NO_LIST,
                                 _("No hub list could be read: %s: %s"), first_failure->url,
                                 first_failure->error ? first_failure->error->message : "");
      return;
    }

  old_len = self->hubs->len;
  g_clear_pointer (&self->hubs, g_ptr_array_unref);
  self->hubs = g_steal_pointer (&hubs);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->hubs->len);
  g_task_return_boolean (task, TRUE);
}

/**
 * burrow_public_hubs_refresh_async:
 * @urls: (nullable): the lists to read; %NULL reads the configured servers
 *
 * Downloads the lists (each falling back to its cached copy) and replaces the model's hubs with
 * their merge. Fails with %BURROW_HUB_LIST_ERROR_NO_LIST when no list could be read (the model
 * keeps its hubs then), %G_IO_ERROR_PENDING while another refresh runs. Either way
 * burrow_public_hubs_get_sources() tells how each server fared.
 */
void
burrow_public_hubs_refresh_async (BurrowPublicHubs     *self,
                                  const gchar * const  *urls,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) configured = NULL;
  Refresh *refresh;

  g_return_if_fail (BURROW_IS_PUBLIC_HUBS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, burrow_public_hubs_refresh_async);
  if (self->refreshing)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The hub lists are being refreshed already"));
      return;
    }
  if (urls == NULL)
    urls = (const gchar * const *) (configured = burrow_public_hubs_dup_servers (self));

  refresh = g_new0 (Refresh, 1);
  refresh->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) fetch_free);
  for (guint i = 0; urls[i] != NULL; i++)
    {
      Fetch *fetch = g_new0 (Fetch, 1);

      fetch->refresh = task;
      fetch->url = g_strdup (urls[i]);
      g_ptr_array_add (refresh->fetches, fetch);
    }
  g_task_set_task_data (task, refresh, (GDestroyNotify) refresh_free);
  self->refreshing = TRUE;
  if (refresh->fetches->len == 0)
    {
      merge (task);
      return;
    }
  /* the task lives until merge() returns it: each fetch holds a reference */
  refresh->pending = refresh->fetches->len;
  for (guint i = 0; i < refresh->fetches->len; i++)
    {
      g_object_ref (task);
      fetch_start (self, g_ptr_array_index (refresh->fetches, i));
    }
}

gboolean
burrow_public_hubs_refresh_finish (BurrowPublicHubs  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * burrow_public_hubs_get_sources:
 *
 * Returns: (transfer none) (element-type BurrowPublicHubSource): how each list server fared in
 *   the last refresh, in server order
 */
GPtrArray *
burrow_public_hubs_get_sources (BurrowPublicHubs *self)
{
  g_return_val_if_fail (BURROW_IS_PUBLIC_HUBS (self), NULL);

  return self->sources;
}
