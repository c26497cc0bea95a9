/* burrow-download-queue.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-download-queue"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "burrow-base32.h"
#include "burrow-transfer-enums.h"
#include "burrow-error.h"

#include "burrow-download-queue.h"

/* --- BurrowQueueItem ------------------------------------------------------------------------ */

struct _BurrowQueueItem
{
  GObject              parent_instance;

  gint64               id;
  gchar               *name;
  gchar               *target_dir;
  gchar               *final_path;
  gchar               *tth;
  GError              *error;         /* why it stopped or waits */
  guint8               root[BURROW_TTH_SIZE];
  guint64              size;
  BurrowQueuePriority  priority;
  BurrowQueueState     state;
  gint64               added;
  GPtrArray           *sources;   /* BurrowQueueSource *, owned */

  /* verification state */
  BurrowTthTree       *tree;      /* owned, NULL until known */
  guint8              *verified;  /* bitmap, one bit per tree block */
  guint64              n_blocks;
  guint64              n_verified;
  gboolean             dirty;     /* bitmap not yet written */
};

enum {
  ITEM_PROP_0,
  ITEM_PROP_NAME,
  ITEM_PROP_SIZE,
  ITEM_PROP_TTH,
  ITEM_PROP_PRIORITY,
  ITEM_PROP_STATE,
  ITEM_PROP_ERROR,
  ITEM_PROP_VERIFIED_BYTES,
  ITEM_PROP_N_SOURCES,
  ITEM_PROP_FINAL_PATH,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

G_DEFINE_FINAL_TYPE (BurrowQueueItem, burrow_queue_item, G_TYPE_OBJECT)

static void
source_free (BurrowQueueSource *source)
{
  g_free (source->cid);
  g_free (source->hub);
  g_free (source->nick);
  g_free (source);
}

static void
burrow_queue_item_finalize (GObject *object)
{
  BurrowQueueItem *self = BURROW_QUEUE_ITEM (object);

  g_free (self->name);
  g_free (self->target_dir);
  g_free (self->final_path);
  g_free (self->tth);
  g_clear_error (&self->error);
  g_ptr_array_unref (self->sources);
  g_clear_pointer (&self->tree, burrow_tth_tree_free);
  g_free (self->verified);

  G_OBJECT_CLASS (burrow_queue_item_parent_class)->finalize (object);
}

static void
burrow_queue_item_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BurrowQueueItem *self = BURROW_QUEUE_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_NAME: g_value_set_string (value, self->name); break;
    case ITEM_PROP_SIZE: g_value_set_uint64 (value, self->size); break;
    case ITEM_PROP_TTH: g_value_set_string (value, self->tth); break;
    case ITEM_PROP_PRIORITY: g_value_set_enum (value, self->priority); break;
    case ITEM_PROP_STATE: g_value_set_enum (value, self->state); break;
    case ITEM_PROP_ERROR:
      g_value_set_string (value, self->error ? self->error->message : NULL);
      break;
    case ITEM_PROP_VERIFIED_BYTES: g_value_set_uint64 (value,
                                                       burrow_queue_item_get_verified_bytes (self)); break;
    case ITEM_PROP_N_SOURCES: g_value_set_uint (value, self->sources->len); break;
    case ITEM_PROP_FINAL_PATH: g_value_set_string (value, self->final_path); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
burrow_queue_item_class_init (BurrowQueueItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = burrow_queue_item_finalize;
  object_class->get_property = burrow_queue_item_get_property;

  item_properties[ITEM_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, RO);
  item_properties[ITEM_PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  item_properties[ITEM_PROP_TTH] = g_param_spec_string ("tth", NULL, NULL, NULL, RO);
  item_properties[ITEM_PROP_PRIORITY] =
    g_param_spec_enum ("priority", NULL, NULL, BURROW_TYPE_QUEUE_PRIORITY,
                       BURROW_QUEUE_PRIORITY_NORMAL, RO);
  item_properties[ITEM_PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BURROW_TYPE_QUEUE_STATE, BURROW_QUEUE_STATE_QUEUED, RO);
  item_properties[ITEM_PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, RO);
  item_properties[ITEM_PROP_VERIFIED_BYTES] =
    g_param_spec_uint64 ("verified-bytes", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  item_properties[ITEM_PROP_N_SOURCES] = g_param_spec_uint ("n-sources", NULL, NULL, 0, G_MAXUINT,
                                                            0, RO);
  item_properties[ITEM_PROP_FINAL_PATH] = g_param_spec_string ("final-path", NULL, NULL, NULL, RO);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
burrow_queue_item_init (BurrowQueueItem *self)
{
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  self->priority = BURROW_QUEUE_PRIORITY_NORMAL;
}

gint64 burrow_queue_item_get_id (BurrowQueueItem *self) { return self->id; }
const gchar *burrow_queue_item_get_name (BurrowQueueItem *self) { return self->name; }
const gchar *burrow_queue_item_get_target_dir (BurrowQueueItem *self) { return self->target_dir; }
const gchar *burrow_queue_item_get_final_path (BurrowQueueItem *self) { return self->final_path; }
guint64 burrow_queue_item_get_size (BurrowQueueItem *self) { return self->size; }
const gchar *burrow_queue_item_get_tth (BurrowQueueItem *self) { return self->tth; }
const guint8 *burrow_queue_item_get_root (BurrowQueueItem *self) { return self->root; }
BurrowQueuePriority burrow_queue_item_get_priority (BurrowQueueItem *self) { return self->priority; }
BurrowQueueState burrow_queue_item_get_state (BurrowQueueItem *self) { return self->state; }
const GError *burrow_queue_item_get_error (BurrowQueueItem *self) { return self->error; }

/**
 * burrow_queue_item_get_error_message:
 *
 * Returns: (nullable): why the item stopped or waits, for the user (the
 *   message of burrow_queue_item_get_error())
 */
const gchar *
burrow_queue_item_get_error_message (BurrowQueueItem *self)
{
  return self->error ? self->error->message : NULL;
}
gint64 burrow_queue_item_get_added (BurrowQueueItem *self) { return self->added; }
guint burrow_queue_item_get_n_sources (BurrowQueueItem *self) { return self->sources->len; }
const BurrowTthTree *burrow_queue_item_get_tree (BurrowQueueItem *self) { return self->tree; }
guint64 burrow_queue_item_get_n_blocks (BurrowQueueItem *self) { return self->n_blocks; }

/**
 * burrow_queue_item_dup_part_path:
 *
 * Returns: (transfer full): where the partial data lives:
 *   `<target dir>/.<name>.<id>.burrow-part` (the name shortened to fit 255 bytes)
 */
gchar *
burrow_queue_item_dup_part_path (BurrowQueueItem *self)
{
  g_autofree gchar *id = g_strdup_printf (".%" G_GINT64_FORMAT, self->id);
  gsize room = BURROW_DOWNLOAD_MAX_NAME - 1 - strlen (id) - strlen (BURROW_DOWNLOAD_PART_SUFFIX);
  gsize len = strlen (self->name);
  g_autofree gchar *base = NULL;

  if (len > room)
    {
      len = room;
      while (len > 0 && ((guchar) self->name[len] & 0xc0) == 0x80)
        len--;
    }
  base = g_strdup_printf (".%.*s%s%s", (gint) len, self->name, id, BURROW_DOWNLOAD_PART_SUFFIX);
  return g_build_filename (self->target_dir, base, NULL);
}

guint64
burrow_queue_item_get_verified_bytes (BurrowQueueItem *self)
{
  guint64 bytes;

  if (self->tree == NULL || self->n_verified == 0)
    return 0;
  bytes = self->n_verified * self->tree->block_size;
  /* the last block is shorter */
  if (burrow_queue_item_is_block_verified (self, self->n_blocks - 1))
    bytes -= self->n_blocks * self->tree->block_size - self->size;
  return bytes;
}

gboolean
burrow_queue_item_is_block_verified (BurrowQueueItem *self,
                                     guint64          block)
{
  if (self->verified == NULL || block >= self->n_blocks)
    return FALSE;
  return (self->verified[block / 8] & (1u << (block % 8))) != 0;
}

/**
 * burrow_queue_item_get_source:
 *
 * Returns: (transfer none): the @index-th source
 */
const BurrowQueueSource *
burrow_queue_item_get_source (BurrowQueueItem *self,
                              guint            index)
{
  g_return_val_if_fail (index < self->sources->len, NULL);
  return g_ptr_array_index (self->sources, index);
}

const BurrowQueueSource *
burrow_queue_item_find_source (BurrowQueueItem *self,
                               const gchar     *cid)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      BurrowQueueSource *source = g_ptr_array_index (self->sources, i);

      if (g_strcmp0 (source->cid, cid) == 0)
        return source;
    }
  return NULL;
}

static void
item_set_tree (BurrowQueueItem *self,
               BurrowTthTree   *tree,
               const guint8    *bitmap,
               gsize            bitmap_len)
{
  g_clear_pointer (&self->tree, burrow_tth_tree_free);
  g_clear_pointer (&self->verified, g_free);
  self->n_blocks = 0;
  self->n_verified = 0;
  if (tree == NULL)
    return;
  self->tree = tree;
  self->n_blocks = burrow_tth_tree_get_n_leaves (tree);
  self->verified = g_malloc0 ((self->n_blocks + 7) / 8);
  if (bitmap != NULL && bitmap_len == (self->n_blocks + 7) / 8)
    {
      memcpy (self->verified, bitmap, bitmap_len);
      for (guint64 i = 0; i < self->n_blocks; i++)
        if (burrow_queue_item_is_block_verified (self, i))
          self->n_verified++;
    }
}

/* --- BurrowDownloadQueue ------------------------------------------------------------------ */

struct _BurrowDownloadQueue
{
  GObject          parent_instance;

  /* owned */
  BurrowDatabase  *database;
  GPtrArray       *items;       /* BurrowQueueItem *, in id order */
  GHashTable      *by_id;       /* gint64 * → item (borrowed) */
  guint            flush_id;
};

enum {
  SIGNAL_ITEM_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void burrow_download_queue_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BurrowDownloadQueue, burrow_download_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      burrow_download_queue_list_model_init))

static GType
queue_get_item_type (GListModel *model)
{
  return BURROW_TYPE_QUEUE_ITEM;
}

static guint
queue_get_n_items (GListModel *model)
{
  return BURROW_DOWNLOAD_QUEUE (model)->items->len;
}

static gpointer
queue_get_item (GListModel *model,
                guint       position)
{
  BurrowDownloadQueue *self = BURROW_DOWNLOAD_QUEUE (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
burrow_download_queue_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = queue_get_item_type;
  iface->get_n_items = queue_get_n_items;
  iface->get_item = queue_get_item;
}

static void
burrow_download_queue_dispose (GObject *object)
{
  BurrowDownloadQueue *self = BURROW_DOWNLOAD_QUEUE (object);

  if (self->database != NULL)
    burrow_download_queue_flush (self, NULL);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (burrow_download_queue_parent_class)->dispose (object);
}

static void
burrow_download_queue_class_init (BurrowDownloadQueueClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = burrow_download_queue_dispose;

  /**
   * BurrowDownloadQueue::item-removed:
   * @item: an item that left the queue (the transfer manager stops it)
   */
  signals[SIGNAL_ITEM_REMOVED] =
    g_signal_new ("item-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, BURROW_TYPE_QUEUE_ITEM);
}

static void
burrow_download_queue_init (BurrowDownloadQueue *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
}

static sqlite3 *
db (BurrowDownloadQueue *self)
{
  return burrow_database_get_handle (self->database);
}

static void
set_db_error (BurrowDownloadQueue  *self,
              GError              **error,
              const gchar          *what)
{
  g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_DATABASE,
               _("Download queue database error while %s: %s"), what, sqlite3_errmsg (db (self)));
}

static void
append_item (BurrowDownloadQueue *self,
             BurrowQueueItem     *item)
{
  g_ptr_array_add (self->items, item);
  g_hash_table_insert (self->by_id, &item->id, item);
}

static gboolean
load (BurrowDownloadQueue  *self,
      GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (db (self),
                          "SELECT id, target_dir, name, size, tth, priority, state, error, added,"
                          "       leaves, verified, final_path, error_domain, error_code"
                          "  FROM download_queue ORDER BY id",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("loading the queue"));
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BurrowQueueItem *item = g_object_new (BURROW_TYPE_QUEUE_ITEM, NULL);
      const gchar *error_text = (const gchar *) sqlite3_column_text (stmt, 7);
      const gchar *final_path = (const gchar *) sqlite3_column_text (stmt, 11);
      const gchar *error_domain = (const gchar *) sqlite3_column_text (stmt, 12);
      gint state = sqlite3_column_int (stmt, 6);
      gint priority = sqlite3_column_int (stmt, 5);

      item->id = sqlite3_column_int64 (stmt, 0);
      item->target_dir = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      item->name = g_strdup ((const gchar *) sqlite3_column_text (stmt, 2));
      item->size = (guint64) sqlite3_column_int64 (stmt, 3);
      item->tth = g_strdup ((const gchar *) sqlite3_column_text (stmt, 4));
      item->priority = CLAMP (priority, BURROW_QUEUE_PRIORITY_LOWEST,
                              BURROW_QUEUE_PRIORITY_HIGHEST);
      item->state = CLAMP (state, BURROW_QUEUE_STATE_QUEUED, BURROW_QUEUE_STATE_DONE);
      /* a download that was running when we stopped (or were killed) waits again */
      if (item->state == BURROW_QUEUE_STATE_RUNNING)
        item->state = BURROW_QUEUE_STATE_QUEUED;
      if (error_text != NULL)
        item->error = g_error_new_literal (error_domain ? g_quark_from_string (error_domain)
                                                        : BURROW_TRANSFER_ERROR,
                                           error_domain ? sqlite3_column_int (stmt, 13)
                                                        : BURROW_TRANSFER_ERROR_FAILED,
                                           error_text);
      item->added = sqlite3_column_int64 (stmt, 8);
      item->final_path = g_strdup (final_path);
      if (item->tth == NULL || !burrow_tth_from_base32 (item->tth, item->root, NULL) ||
          item->name == NULL || item->target_dir == NULL)
        {
          g_debug ("dropping unreadable queue row %" G_GINT64_FORMAT, item->id);
          g_object_unref (item);
          continue;
        }

      if (sqlite3_column_type (stmt, 9) == SQLITE_BLOB)
        {
          g_autoptr(GBytes) leaves = g_bytes_new (sqlite3_column_blob (stmt, 9),
                                                  (gsize) sqlite3_column_bytes (stmt, 9));
          g_autoptr(GError) local = NULL;
          BurrowTthTree *tree = burrow_tth_tree_new_from_leaves (item->size, item->root, leaves,
                                                                 &local);

          if (tree != NULL)
            item_set_tree (item, tree, sqlite3_column_blob (stmt, 10),
                           (gsize) sqlite3_column_bytes (stmt, 10));
          else
            g_debug ("stored tree of %s is unusable: %s", item->name, local->message);
        }
      append_item (self, item);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, _("loading the queue"));
      return FALSE;
    }

  if (sqlite3_prepare_v2 (db (self), "SELECT item, cid, hub, nick, bad FROM download_sources "
                                     "ORDER BY rowid", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("loading the queue"));
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      BurrowQueueItem *item = g_hash_table_lookup (self->by_id, &id);
      BurrowQueueSource *source;

      if (item == NULL || sqlite3_column_text (stmt, 1) == NULL)
        continue;
      source = g_new0 (BurrowQueueSource, 1);
      source->cid = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
      source->hub = g_strdup ((const gchar *) sqlite3_column_text (stmt, 2));
      source->nick = g_strdup ((const gchar *) sqlite3_column_text (stmt, 3));
      source->bad = sqlite3_column_int (stmt, 4) != 0;
      g_ptr_array_add (item->sources, source);
    }
  sqlite3_finalize (stmt);

  /* remember that running items went back to queued */
  burrow_database_exec (self->database,
                        "UPDATE download_queue SET state = 0 WHERE state = 1", NULL);
  return rc == SQLITE_DONE;
}

/**
 * burrow_download_queue_new:
 * @database: the engine's database (its schema has the queue tables)
 *
 * Loads the queue. Items that were running are queued again; their verified
 * blocks are kept (the transfer manager checks the partial file before it
 * resumes).
 *
 * Returns: (transfer full): the queue, or %NULL with @error set
 */
BurrowDownloadQueue *
burrow_download_queue_new (BurrowDatabase  *database,
                           GError         **error)
{
  g_autoptr(BurrowDownloadQueue) self = NULL;

  g_return_val_if_fail (BURROW_IS_DATABASE (database), NULL);

  self = g_object_new (BURROW_TYPE_DOWNLOAD_QUEUE, NULL);
  self->database = g_object_ref (database);
  if (!load (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* --- pure helpers ----------------------------------------------------------------------- */

static gboolean
is_bidi_control (gunichar c)
{
  return c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static gboolean
is_reserved (const gchar *name)
{
  static const gchar * const reserved[] = { "CON", "PRN", "AUX", "NUL" };
  const gchar *dot = strchr (name, '.');
  gsize len = dot ? (gsize) (dot - name) : strlen (name);

  while (len > 0 && name[len - 1] == ' ')
    len--;
  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (len == 3 && g_ascii_strncasecmp (name, reserved[i], 3) == 0)
      return TRUE;
  if (len == 4 && (g_ascii_strncasecmp (name, "COM", 3) == 0 || g_ascii_strncasecmp (name, "LPT",
                                                                                     3) == 0) &&
      name[3] >= '1' && name[3] <= '9')
    return TRUE;
  return FALSE;
}

static void
strip_ends (GString *s)
{
  gsize start = 0;

  while (start < s->len && (s->str[start] == ' ' || s->str[start] == '.'))
    start++;
  g_string_erase (s, 0, (gssize) start);
  while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '.'))
    g_string_truncate (s, s->len - 1);
}

/* Shortens @s to at most @max bytes at a UTF-8 boundary, keeping a short extension. */
static void
truncate_keeping_extension (GString *s,
                            gsize    max)
{
  const gchar *dot;
  g_autofree gchar *ext = NULL;
  gsize keep;

  if (s->len <= max)
    return;
  dot = strrchr (s->str, '.');
  if (dot != NULL && dot != s->str && strlen (dot) <= 32)
    ext = g_strdup (dot);
  keep = max - (ext ? strlen (ext) : 0);
  while (keep > 0 && ((guchar) s->str[keep] & 0xc0) == 0x80)
    keep--;
  g_string_truncate (s, keep);
  while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == '.'))
    g_string_truncate (s, s->len - 1);
  if (s->len == 0)
    g_string_append_c (s, '_');
  if (ext != NULL)
    g_string_append (s, ext);
}

/**
 * burrow_download_sanitize_name:
 * @name: (nullable): a file or folder name from a peer's list or a magnet
 *
 * Makes @name safe to create in a download folder: invalid UTF-8, '/', '\\',
 * control and bidi-override characters become '_'; leading and trailing
 * spaces and dots go (so "." and ".." cannot survive, nor hidden files);
 * Windows device names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with or without
 * an extension) get a leading '_'; names over 255 bytes are shortened at a
 * character boundary, keeping the extension. Never returns an empty name.
 *
 * Returns: (transfer full): the safe name
 */
gchar *
burrow_download_sanitize_name (const gchar *name)
{
  g_autofree gchar *valid = g_utf8_make_valid (name ? name : "", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
          is_bidi_control (c))
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  strip_ends (out);
  if (out->len == 0)
    g_string_append_c (out, '_');
  /* shortening can uncover a device name ("CON" + spaces + more), so check
   * after it; the '_' may make the name too long again, but then a name that
   * starts with '_' is shortened, which no device name does */
  truncate_keeping_extension (out, BURROW_DOWNLOAD_MAX_NAME);
  if (is_reserved (out->str))
    {
      g_string_prepend_c (out, '_');
      truncate_keeping_extension (out, BURROW_DOWNLOAD_MAX_NAME);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * burrow_download_build_path:
 * @target_dir: an absolute directory
 * @components: (array zero-terminated=1): names below it (sanitised here)
 *
 * Joins sanitised @components below @target_dir and checks that the result
 * stays inside it.
 *
 * Returns: (transfer full): the path, or %NULL with %BURROW_TRANSFER_ERROR_BAD_PATH
 */
gchar *
burrow_download_build_path (const gchar         *target_dir,
                            const gchar * const *components,
                            GError             **error)
{
  g_autofree gchar *base = NULL;
  g_autofree gchar *prefix = NULL;
  g_autoptr(GString) path = NULL;
  g_autofree gchar *canonical = NULL;

  g_return_val_if_fail (target_dir != NULL, NULL);

  if (!g_path_is_absolute (target_dir))
    {
      g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH,
                   _("The download folder “%s” is not an absolute path"), target_dir);
      return NULL;
    }
  base = g_canonicalize_filename (target_dir, NULL);
  path = g_string_new (base);
  for (guint i = 0; components != NULL && components[i] != NULL; i++)
    {
      g_autofree gchar *safe = burrow_download_sanitize_name (components[i]);

      if (i >= BURROW_DOWNLOAD_MAX_DEPTH)
        {
          g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH,
                       _("The folder is nested deeper than %u levels"), BURROW_DOWNLOAD_MAX_DEPTH);
          return NULL;
        }
      if (path->len == 0 || path->str[path->len - 1] != G_DIR_SEPARATOR)
        g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, safe);
    }

  /* belt and braces: the joined path must not leave the target */
  canonical = g_canonicalize_filename (path->str, NULL);
  prefix = g_str_has_suffix (base, G_DIR_SEPARATOR_S) ? g_strdup (base)
                                                      : g_strconcat (base, G_DIR_SEPARATOR_S, NULL);
  if (g_strcmp0 (canonical, base) != 0 && !g_str_has_prefix (canonical, prefix))
    {
      g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH,
                   _("The path “%s” leaves the download folder"), path->str);
      return NULL;
    }
  return g_steal_pointer (&canonical);
}

/* Shortens @s to at most @max bytes without splitting a UTF-8 character. */
static void
truncate_utf8 (GString *s,
               gsize    max)
{
  gsize keep = max;

  if (s->len <= max)
    return;
  while (keep > 0 && ((guchar) s->str[keep] & 0xc0) == 0x80)
    keep--;
  g_string_truncate (s, keep);
}

/**
 * burrow_download_numbered_name:
 * @name: a sanitised name
 * @n: the number, from 1
 *
 * The number goes before the extension ("name (n).ext") when the extension
 * leaves room for at least one character of the stem; after a longer one it
 * goes at the end ("name.very-long-ext (n)"). The stem, or the whole name, is
 * shortened at a character boundary so that the result never exceeds
 * %BURROW_DOWNLOAD_MAX_NAME bytes.
 *
 * Returns: (transfer full): the numbered name, at most 255 bytes
 */
gchar *
burrow_download_numbered_name (const gchar *name,
                               guint        n)
{
  g_autofree gchar *number = g_strdup_printf (" (%u)", n);
  const gchar *dot = strrchr (name, '.');
  const gchar *ext;
  g_autoptr(GString) stem = NULL;

  /* room for the stem's first character, whatever its length */
  if (dot == NULL || dot == name ||
      strlen (number) + strlen (dot) + 4 > BURROW_DOWNLOAD_MAX_NAME)
    dot = name + strlen (name);
  ext = dot;
  stem = g_string_new_len (name, dot - name);
  truncate_utf8 (stem, BURROW_DOWNLOAD_MAX_NAME - strlen (number) - strlen (ext));
  g_string_append (stem, number);
  g_string_append (stem, ext);
  return g_string_free (g_steal_pointer (&stem), FALSE);
}

/* --- editing ---------------------------------------------------------------------------- */

static gboolean
insert_source (BurrowDownloadQueue  *self,
               BurrowQueueItem      *item,
               const gchar          *cid,
               const gchar          *hub,
               const gchar          *nick,
               GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  BurrowQueueSource *source;
  gint rc;

  if (burrow_queue_item_find_source (item, cid) != NULL)
    return TRUE;
  if (sqlite3_prepare_v2 (db (self),
                          "INSERT OR IGNORE INTO download_sources (item, cid, hub, nick) "
                                     "VALUES (?1, ?2, ?3, ?4)", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("adding a source"));
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, item->id);
  sqlite3_bind_text (stmt, 2, cid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, hub ? hub : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, nick, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, _("adding a source"));
      return FALSE;
    }
  source = g_new0 (BurrowQueueSource, 1);
  source->cid = g_strdup (cid);
  source->hub = g_strdup (hub ? hub : "");
  source->nick = g_strdup (nick);
  g_ptr_array_add (item->sources, source);
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_N_SOURCES]);
  return TRUE;
}

/**
 * burrow_download_queue_add_source:
 *
 * Adds a user who has @item's file (an alternate source). Known sources are
 * left as they are.
 */
gboolean
burrow_download_queue_add_source (BurrowDownloadQueue  *self,
                                  BurrowQueueItem      *item,
                                  const gchar          *cid,
                                  const gchar          *hub,
                                  const gchar          *nick,
                                  GError              **error)
{
  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);
  g_return_val_if_fail (BURROW_IS_QUEUE_ITEM (item), FALSE);
  g_return_val_if_fail (cid != NULL, FALSE);

  return insert_source (self, item, cid, hub, nick, error);
}

static BurrowQueueItem *
add_file (BurrowDownloadQueue  *self,
          const gchar          *tth,
          guint64               size,
          const gchar          *name,
          const gchar          *dir,
          const gchar          *cid,
          const gchar          *hub,
          const gchar          *nick,
          gboolean             *added,
          GError              **error)
{
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autofree gchar *safe = burrow_download_sanitize_name (name);
  g_autofree gchar *upper = g_ascii_strup (tth, -1);
  sqlite3_stmt *stmt = NULL;
  BurrowQueueItem *existing;
  gint rc;

  *added = FALSE;
  item = g_object_new (BURROW_TYPE_QUEUE_ITEM, NULL);
  if (!burrow_tth_from_base32 (upper, item->root, error))
    return NULL;
  if (size > (guint64) G_MAXINT64)
    {
      g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED,
                   _("The file size %llu is not valid"), (unsigned long long) size);
      return NULL;
    }

  /* the same file queued again: one more source for the unfinished item */
  existing = burrow_download_queue_lookup_tth (self, upper);
  if (existing != NULL && existing->size == size && existing->state != BURROW_QUEUE_STATE_DONE)
    {
      if (cid != NULL && !insert_source (self, existing, cid, hub, nick, error))
        return NULL;
      return g_object_ref (existing);
    }

  item->name = g_steal_pointer (&safe);
  item->target_dir = g_strdup (dir);
  item->tth = g_steal_pointer (&upper);
  item->size = size;
  item->added = g_get_real_time () / G_USEC_PER_SEC;

  if (sqlite3_prepare_v2 (db (self),
                          "INSERT INTO download_queue (target_dir, name, size, tth, priority,"
                                     " state, added) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("adding a download"));
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, item->target_dir, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, item->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) size);
  sqlite3_bind_text (stmt, 4, item->tth, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, item->priority);
  sqlite3_bind_int64 (stmt, 6, item->added);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, _("adding a download"));
      return NULL;
    }
  item->id = sqlite3_last_insert_rowid (db (self));
  if (cid != NULL && !insert_source (self, item, cid, hub, nick, error))
    return NULL;

  append_item (self, g_object_ref (item));
  *added = TRUE;
  return g_steal_pointer (&item);
}

/**
 * burrow_download_queue_add_file:
 * @tth: the file's TTH (base32)
 * @size: its size
 * @name: the name to save it as (sanitised here)
 * @target_dir: an absolute folder
 * @cid: (nullable): a user who has it
 * @hub: (nullable): the hub where that user is
 * @nick: (nullable): the user's nick there
 *
 * Queues one file. If the same file (TTH and size) is already queued and
 * unfinished, @cid becomes one more source of that item instead.
 *
 * Returns: (transfer full): the item, or %NULL with @error set
 */
BurrowQueueItem *
burrow_download_queue_add_file (BurrowDownloadQueue  *self,
                                const gchar          *tth,
                                guint64               size,
                                const gchar          *name,
                                const gchar          *target_dir,
                                const gchar          *cid,
                                const gchar          *hub,
                                const gchar          *nick,
                                GError              **error)
{
  g_autofree gchar *dir = NULL;
  BurrowQueueItem *item;
  gboolean added;
  guint position;

  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), NULL);
  g_return_val_if_fail (tth != NULL, NULL);
  g_return_val_if_fail (target_dir != NULL, NULL);

  dir = burrow_download_build_path (target_dir, NULL, error);
  if (dir == NULL)
    return NULL;
  position = self->items->len;
  item = add_file (self, tth, size, name, dir, cid, hub, nick, &added, error);
  if (item != NULL && added)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  return item;
}

static gboolean
collect_folder (BurrowDownloadQueue  *self,
                const BurrowFileNode *node,
                GPtrArray            *components,
                const gchar          *target_dir,
                const gchar          *cid,
                const gchar          *hub,
                const gchar          *nick,
                GPtrArray            *out,
                GError              **error)
{
  gboolean ok = TRUE;
  gboolean named = node->name != NULL && node->name[0] != '\0';

  if (components->len >= BURROW_DOWNLOAD_MAX_DEPTH)
    {
      g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_BAD_PATH,
                   _("The folder is nested deeper than %u levels"), BURROW_DOWNLOAD_MAX_DEPTH);
      return FALSE;
    }
  if (named)
    g_ptr_array_add (components, (gpointer) node->name);
  for (guint i = 0; ok && node->children != NULL && i < node->children->len; i++)
    {
      const BurrowFileNode *child = g_ptr_array_index (node->children, i);

      if (child->is_dir)
        ok = collect_folder (self, child, components, target_dir, cid, hub, nick, out, error);
      else if (child->has_tth)
        {
          g_autofree gchar *tth = NULL;
          g_autofree gchar *dir = NULL;
          BurrowQueueItem *item;
          gboolean added;

          if (out->len >= BURROW_DOWNLOAD_MAX_FOLDER_FILES)
            {
              g_set_error (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FAILED,
                           _("The folder holds more than %u files"), BURROW_DOWNLOAD_MAX_FOLDER_FILES);
              ok = FALSE;
              break;
            }
          g_ptr_array_add (components, NULL);
          dir = burrow_download_build_path (target_dir, (const gchar * const *) components->pdata,
                                            error);
          g_ptr_array_remove_index (components, components->len - 1);
          if (dir == NULL)
            {
              ok = FALSE;
              break;
            }
          tth = burrow_base32_encode (child->tth, BURROW_TTH_SIZE);
          item = add_file (self, tth, child->size, child->name, dir, cid, hub, nick, &added, error);
          if (item == NULL)
            {
              ok = FALSE;
              break;
            }
          g_ptr_array_add (out, item);
        }
    }
  if (named)
    g_ptr_array_remove_index (components, components->len - 1);
  return ok;
}

/**
 * burrow_download_queue_add_folder:
 * @folder: a directory of a peer's file list
 * @target_dir: an absolute folder; @folder's content goes to
 *   `target_dir/<folder name>/…` (every name sanitised)
 *
 * Queues every file below @folder in one transaction.
 *
 * Returns: (transfer full) (element-type BurrowQueueItem): the items, or
 *   %NULL with @error set (then nothing was added)
 */
GPtrArray *
burrow_download_queue_add_folder (BurrowDownloadQueue  *self,
                                  const BurrowFileNode *folder,
                                  const gchar          *target_dir,
                                  const gchar          *cid,
                                  const gchar          *hub,
                                  const gchar          *nick,
                                  GError              **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) components = g_ptr_array_new ();
  g_autofree gchar *dir = NULL;
  guint before;

  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), NULL);
  g_return_val_if_fail (folder != NULL && folder->is_dir, NULL);

  dir = burrow_download_build_path (target_dir, NULL, error);
  if (dir == NULL)
    return NULL;
  before = self->items->len;
  if (!burrow_database_exec (self->database, "BEGIN IMMEDIATE", error))
    return NULL;
  if (!collect_folder (self, folder, components, dir, cid, hub, nick, items, error))
    {
      burrow_database_exec (self->database, "ROLLBACK", NULL);
      /* forget what the rolled-back transaction added */
      while (self->items->len > before)
        {
          BurrowQueueItem *item = g_ptr_array_index (self->items, self->items->len - 1);

          g_hash_table_remove (self->by_id, &item->id);
          g_ptr_array_remove_index (self->items, self->items->len - 1);
        }
      return NULL;
    }
  if (!burrow_database_exec (self->database, "COMMIT", error))
    {
      burrow_database_exec (self->database, "ROLLBACK", NULL);
      return NULL;
    }
  if (self->items->len > before)
    g_list_model_items_changed (G_LIST_MODEL (self), before, 0, self->items->len - before);
  return g_steal_pointer (&items);
}

static gboolean
exec_item (BurrowDownloadQueue  *self,
           const gchar          *sql,
           BurrowQueueItem      *item,
           gint64                value,
           GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (db (self), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("updating the queue"));
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, item->id);
  sqlite3_bind_int64 (stmt, 2, value);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, _("updating the queue"));
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_download_queue_remove:
 * @delete_data: also delete the partial file
 *
 * Takes @item off the queue (the transfer manager stops it first, on
 * #BurrowDownloadQueue::item-removed).
 */
gboolean
burrow_download_queue_remove (BurrowDownloadQueue  *self,
                              BurrowQueueItem      *item,
                              gboolean              delete_data,
                              GError              **error)
{
  g_autoptr(BurrowQueueItem) keep = NULL;
  guint position;

  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);
  g_return_val_if_fail (BURROW_IS_QUEUE_ITEM (item), FALSE);

  if (!g_ptr_array_find (self->items, item, &position))
    return TRUE;
  if (!exec_item (self, "DELETE FROM download_sources WHERE item = ?1 AND ?2 = ?2", item, 0,
                  error) ||
      !exec_item (self, "DELETE FROM download_queue WHERE id = ?1 AND ?2 = ?2", item, 0, error))
    return FALSE;
  keep = g_object_ref (item);
  g_signal_emit (self, signals[SIGNAL_ITEM_REMOVED], 0, item);
  g_hash_table_remove (self->by_id, &item->id);
  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  if (delete_data && item->state != BURROW_QUEUE_STATE_DONE)
    {
      g_autofree gchar *part = burrow_queue_item_dup_part_path (item);
      g_unlink (part);
    }
  return TRUE;
}

static gboolean
error_equal (const GError *a,
             const GError *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->domain == b->domain && a->code == b->code && g_strcmp0 (a->message, b->message) == 0;
}

static void
item_set_state (BurrowQueueItem  *item,
                BurrowQueueState  state,
                const GError     *error)
{
  g_object_freeze_notify (G_OBJECT (item));
  if (item->state != state)
    {
      item->state = state;
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_STATE]);
    }
  if (!error_equal (item->error, error))
    {
      g_clear_error (&item->error);
      item->error = error ? g_error_copy (error) : NULL;
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_ERROR]);
    }
  g_object_thaw_notify (G_OBJECT (item));
}

static void
write_state (BurrowDownloadQueue *self,
             BurrowQueueItem     *item)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db (self),
                          "UPDATE download_queue SET state = ?2, error = ?3, priority = ?4,"
                          "       error_domain = ?5, error_code = ?6 WHERE id = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_int64 (stmt, 1, item->id);
  sqlite3_bind_int (stmt, 2, item->state);
  sqlite3_bind_text (stmt, 3, item->error ? item->error->message : NULL, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, item->priority);
  sqlite3_bind_text (stmt, 5, item->error ? g_quark_to_string (item->error->domain) : NULL, -1,
                     SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, item->error ? item->error->code : 0);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_debug ("cannot store the state of %s: %s", item->name, sqlite3_errmsg (db (self)));
  sqlite3_finalize (stmt);
}

/**
 * burrow_download_queue_set_state:
 * @error: (nullable): why (its message is shown to the user), or %NULL
 */
void
burrow_download_queue_set_state (BurrowDownloadQueue *self,
                                 BurrowQueueItem     *item,
                                 BurrowQueueState     state,
                                 const GError        *error)
{
  g_return_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self));
  g_return_if_fail (BURROW_IS_QUEUE_ITEM (item));

  if (item->state == state && error_equal (item->error, error))
    return;
  item_set_state (item, state, error);
  /* "running" is not worth a disk write on its own; it reads as queued after a restart anyway */
  write_state (self, item);
}

/**
 * burrow_download_queue_set_error:
 *
 * Updates the error without changing the state ("No slots", …).
 */
void
burrow_download_queue_set_error (BurrowDownloadQueue *self,
                                 BurrowQueueItem     *item,
                                 const GError        *error)
{
  burrow_download_queue_set_state (self, item, item->state, error);
}

gboolean
burrow_download_queue_pause (BurrowDownloadQueue  *self,
                             BurrowQueueItem      *item,
                             GError              **error)
{
  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);

  if (item->state == BURROW_QUEUE_STATE_DONE)
    return TRUE;
  burrow_download_queue_set_state (self, item, BURROW_QUEUE_STATE_PAUSED, NULL);
  return TRUE;
}

gboolean
burrow_download_queue_resume (BurrowDownloadQueue  *self,
                              BurrowQueueItem      *item,
                              GError              **error)
{
  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);

  if (item->state != BURROW_QUEUE_STATE_PAUSED && item->state != BURROW_QUEUE_STATE_FAILED)
    return TRUE;
  burrow_download_queue_set_state (self, item, BURROW_QUEUE_STATE_QUEUED, NULL);
  return TRUE;
}

gboolean
burrow_download_queue_set_priority (BurrowDownloadQueue  *self,
                                    BurrowQueueItem      *item,
                                    BurrowQueuePriority   priority,
                                    GError              **error)
{
  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);
  g_return_val_if_fail (priority <= BURROW_QUEUE_PRIORITY_HIGHEST, FALSE);

  if (item->priority == priority)
    return TRUE;
  if (!exec_item (self, "UPDATE download_queue SET priority = ?2 WHERE id = ?1", item, priority,
                  error))
    return FALSE;
  item->priority = priority;
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_PRIORITY]);
  return TRUE;
}

/**
 * burrow_download_queue_lookup:
 *
 * Returns: (transfer none) (nullable): the item with @id
 */
BurrowQueueItem *
burrow_download_queue_lookup (BurrowDownloadQueue *self,
                              gint64               id)
{
  return g_hash_table_lookup (self->by_id, &id);
}

/**
 * burrow_download_queue_lookup_tth:
 *
 * Returns: (transfer none) (nullable): an unfinished item for @tth, else any
 */
BurrowQueueItem *
burrow_download_queue_lookup_tth (BurrowDownloadQueue *self,
                                  const gchar         *tth)
{
  BurrowQueueItem *found = NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      BurrowQueueItem *item = g_ptr_array_index (self->items, i);

      if (g_ascii_strcasecmp (item->tth, tth) != 0)
        continue;
      if (item->state != BURROW_QUEUE_STATE_DONE)
        return item;
      found = item;
    }
  return found;
}

guint
burrow_download_queue_count_unfinished (BurrowDownloadQueue *self)
{
  guint n = 0;

  for (guint i = 0; i < self->items->len; i++)
    if (((BurrowQueueItem *) g_ptr_array_index (self->items, i))->state != BURROW_QUEUE_STATE_DONE)
      n++;
  return n;
}

/**
 * burrow_download_queue_set_tree:
 * @tree: (transfer full): @item's tree, already checked against its root
 *
 * Stores the leaves (so a resume needs no new `tthl`) and starts an empty
 * verified-block map.
 */
gboolean
burrow_download_queue_set_tree (BurrowDownloadQueue  *self,
                                BurrowQueueItem      *item,
                                BurrowTthTree        *tree,
                                GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  gsize leaves_len;
  const void *leaves = g_bytes_get_data (tree->leaves, &leaves_len);
  guint64 n_blocks = burrow_tth_tree_get_n_leaves (tree);
  gint rc;

  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);

  if (sqlite3_prepare_v2 (db (self), "UPDATE download_queue SET block_size = ?2, leaves = ?3,"
                                     " verified = zeroblob(?4) WHERE id = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      burrow_tth_tree_free (tree);
      set_db_error (self, error, _("storing a Tiger tree"));
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, item->id);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) tree->block_size);
  sqlite3_bind_blob (stmt, 3, leaves, (gint) leaves_len, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) ((n_blocks + 7) / 8));
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_tth_tree_free (tree);
      set_db_error (self, error, _("storing a Tiger tree"));
      return FALSE;
    }
  item_set_tree (item, tree, NULL, 0);
  item->dirty = FALSE;
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_VERIFIED_BYTES]);
  return TRUE;
}

static gboolean
flush_cb (gpointer data)
{
  BurrowDownloadQueue *self = data;
  g_autoptr(GError) error = NULL;

  self->flush_id = 0;
  if (!burrow_download_queue_flush (self, &error))
    g_debug ("%s", error->message);
  return G_SOURCE_REMOVE;
}

/**
 * burrow_download_queue_set_block_verified:
 *
 * Records (in memory) that @block of @item's part file holds verified data;
 * written to the database within %BURROW_DOWNLOAD_FLUSH_INTERVAL_MS.
 */
void
burrow_download_queue_set_block_verified (BurrowDownloadQueue *self,
                                          BurrowQueueItem     *item,
                                          guint64              block,
                                          gboolean             verified)
{
  guint8 bit;

  g_return_if_fail (item->verified != NULL && block < item->n_blocks);

  bit = (guint8) (1u << (block % 8));
  if (((item->verified[block / 8] & bit) != 0) == (verified != FALSE))
    return;
  if (verified)
    {
      item->verified[block / 8] |= bit;
      item->n_verified++;
    }
  else
    {
      item->verified[block / 8] &= (guint8) ~bit;
      item->n_verified--;
    }
  item->dirty = TRUE;
  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (BURROW_DOWNLOAD_FLUSH_INTERVAL_MS, flush_cb, self);
}

/**
 * burrow_download_queue_flush:
 *
 * Writes every changed verified-block map in one transaction.
 */
gboolean
burrow_download_queue_flush (BurrowDownloadQueue  *self,
                             GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean any = FALSE;
  gboolean ok = TRUE;

  g_return_val_if_fail (BURROW_IS_DOWNLOAD_QUEUE (self), FALSE);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  for (guint i = 0; i < self->items->len && !any; i++)
    any = ((BurrowQueueItem *) g_ptr_array_index (self->items, i))->dirty;
  if (!any)
    return TRUE;

  if (!burrow_database_exec (self->database, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2 (db (self), "UPDATE download_queue SET verified = ?2 WHERE id = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, _("saving download progress"));
      burrow_database_exec (self->database, "ROLLBACK", NULL);
      return FALSE;
    }
  for (guint i = 0; i < self->items->len && ok; i++)
    {
      BurrowQueueItem *item = g_ptr_array_index (self->items, i);

      if (!item->dirty || item->verified == NULL)
        continue;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, item->id);
      sqlite3_bind_blob (stmt, 2, item->verified, (gint) ((item->n_blocks + 7) / 8),
                         SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          set_db_error (self, error, _("saving download progress"));
          ok = FALSE;
          break;
        }
      item->dirty = FALSE;
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_VERIFIED_BYTES]);
    }
  sqlite3_finalize (stmt);
  if (!ok)
    {
      burrow_database_exec (self->database, "ROLLBACK", NULL);
      return FALSE;
    }
  return burrow_database_exec (self->database, "COMMIT", error);
}

void
burrow_download_queue_mark_source_bad (BurrowDownloadQueue *self,
                                       BurrowQueueItem     *item,
                                       const gchar         *cid)
{
  BurrowQueueSource *source = (BurrowQueueSource *) burrow_queue_item_find_source (item, cid);
  sqlite3_stmt *stmt = NULL;

  if (source == NULL || source->bad)
    return;
  source->bad = TRUE;
  if (sqlite3_prepare_v2 (db (self),
                          "UPDATE download_sources SET bad = 1 WHERE item = ?1 AND cid = ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_int64 (stmt, 1, item->id);
  sqlite3_bind_text (stmt, 2, cid, -1, SQLITE_STATIC);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_N_SOURCES]);
}

void
burrow_download_queue_set_final_path (BurrowDownloadQueue *self,
                                      BurrowQueueItem     *item,
                                      const gchar         *path)
{
  sqlite3_stmt *stmt = NULL;

  g_free (item->final_path);
  item->final_path = g_strdup (path);
  if (sqlite3_prepare_v2 (db (self), "UPDATE download_queue SET final_path = ?2 WHERE id = ?1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, item->id);
      sqlite3_bind_text (stmt, 2, path, -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_finalize (stmt);
    }
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_FINAL_PATH]);
}
