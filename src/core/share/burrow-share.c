/* burrow-share.c — the share object: properties, publishing, resolving
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-share"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#include "burrow-base32.h"
#include "burrow-error.h"
#include "burrow-file-list.h"
#include "burrow-tth.h"

#include "burrow-share-private.h"

/*
 * The share is split in three files: this one (the object, its properties,
 * publishing a scan's result, resolving requests), burrow-share-scan.c (the
 * walker in a worker thread, directory monitors, the periodic rescan and the
 * hasher's results) and burrow-share-roots.c (the shared folders and their
 * rows in the database). burrow-share-private.h holds the instance struct.
 */

enum
{
  PROP_0,
  PROP_TREE,
  PROP_FILE_LIST,
  PROP_N_FILES,
  PROP_TOTAL_SIZE,
  PROP_SCANNING,
  PROP_BUSY,
  PROP_HASHER,
  PROP_RESCAN_INTERVAL,
  N_PROPS
};

enum
{
  SIGNAL_SCAN_PROBLEM,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BurrowShare, burrow_share, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (BurrowShareProblem, burrow_share_problem,
                     burrow_share_problem_copy, burrow_share_problem_free)

/* ---- small helpers ------------------------------------------------------------------------ */

BurrowShareProblem *
burrow_share_problem_copy (const BurrowShareProblem *problem)
{
  BurrowShareProblem *copy = g_new0 (BurrowShareProblem, 1);

  copy->path = g_strdup (problem->path);
  copy->error = problem->error ? g_error_copy (problem->error) : NULL;
  return copy;
}

void
burrow_share_problem_free (BurrowShareProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->path);
  g_clear_error (&problem->error);
  g_free (problem);
}

/* ---- state and publishing -------------------------------------------------------------------- */

void
_burrow_share_update_busy (BurrowShare *self)
{
  gboolean busy = self->scanning || self->scan_pending || self->debounce_id != 0
                  || (self->hasher != NULL && burrow_hasher_get_busy (self->hasher));

  if (busy == self->busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
_burrow_share_set_scanning (BurrowShare *self,
                            gboolean     scanning)
{
  if (self->scanning == scanning)
    return;
  self->scanning = scanning;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCANNING]);
}

/* The full list of @tree (%NULL: an empty one), compressed. */
static GBytes *
generate_file_list (BurrowFileTree  *tree,
                    const gchar     *cid,
                    GError         **error)
{
  g_autoptr(BurrowFileTree) empty = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autofree gchar *generator = g_strdup_printf ("Burrow %s", PACKAGE_VERSION);

  if (tree == NULL)
    {
      tree = empty = burrow_file_tree_new ();
      burrow_file_tree_finish (empty);
    }
  xml = burrow_file_list_generate (tree, cid, generator, "/", TRUE, error);
  if (xml == NULL)
    return NULL;
  return burrow_file_list_compress (xml, error);
}

/* Called with a scan's result when the tree changed; takes @tree, @index and
 * @list (the compressed list the worker wrote, or %NULL after @list_error). */
void
_burrow_share_publish (BurrowShare       *self,
                       BurrowFileTree    *tree,
                       BurrowSearchIndex *index,
                       GBytes            *list,
                       const GError      *list_error,
                       guint64            digest)
{
  g_autoptr(GError) error = NULL;
  guint old_files = self->tree ? burrow_file_tree_get_n_files (self->tree) : 0;
  guint64 old_size = self->tree ? burrow_file_tree_get_total_size (self->tree) : 0;

  g_clear_pointer (&self->tree, burrow_file_tree_unref);
  g_clear_pointer (&self->index, burrow_search_index_unref);
  self->tree = tree;
  self->index = index;
  self->digest = digest;
  self->has_digest = TRUE;

  if (list == NULL)
    {
      g_debug ("cannot write the file list: %s", list_error ? list_error->message : "?");
      list = generate_file_list (self->tree, self->cid, &error);
      if (list == NULL)
        g_debug ("cannot generate the file list: %s", error->message);
    }

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
  if (list != NULL)
    {
      g_clear_pointer (&self->file_list, g_bytes_unref);
      self->file_list = g_steal_pointer (&list);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE_LIST]);
    }
  if (old_files != burrow_file_tree_get_n_files (self->tree))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FILES]);
  if (old_size != burrow_file_tree_get_total_size (self->tree))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_SIZE]);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
_burrow_share_emit_problem (BurrowShare              *self,
                            const BurrowShareProblem *problem)
{
  g_signal_emit (self, signals[SIGNAL_SCAN_PROBLEM], 0, problem->path, problem->error);
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
burrow_share_dispose (GObject *object)
{
  BurrowShare *self = BURROW_SHARE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_handle_id (&self->periodic_id, g_source_remove);
  g_clear_pointer (&self->monitors, g_hash_table_unref);
  if (self->hasher != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->hasher, self);
      burrow_hasher_cancel_all (self->hasher);
    }
  g_clear_object (&self->hasher);
  g_clear_object (&self->store);
  g_clear_object (&self->database);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tree, burrow_file_tree_unref);
  g_clear_pointer (&self->index, burrow_search_index_unref);
  g_clear_pointer (&self->file_list, g_bytes_unref);

  G_OBJECT_CLASS (burrow_share_parent_class)->dispose (object);
}

static void
burrow_share_finalize (GObject *object)
{
  BurrowShare *self = BURROW_SHARE (object);

  g_ptr_array_unref (self->roots);
  g_ptr_array_unref (self->problems);
  g_hash_table_unref (self->failed);
  g_hash_table_unref (self->queued);
  g_hash_table_unref (self->recent);
  g_free (self->list_path);
  g_free (self->cid);

  G_OBJECT_CLASS (burrow_share_parent_class)->finalize (object);
}

static void
burrow_share_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BurrowShare *self = BURROW_SHARE (object);

  switch (prop_id)
    {
    case PROP_TREE: g_value_set_boxed (value, self->tree); break;
    case PROP_FILE_LIST: g_value_set_boxed (value, self->file_list); break;
    case PROP_N_FILES: g_value_set_uint (value, burrow_share_get_n_files (self)); break;
    case PROP_TOTAL_SIZE: g_value_set_uint64 (value, burrow_share_get_total_size (self)); break;
    case PROP_SCANNING: g_value_set_boolean (value, self->scanning); break;
    case PROP_BUSY: g_value_set_boolean (value, self->busy); break;
    case PROP_HASHER: g_value_set_object (value, self->hasher); break;
    case PROP_RESCAN_INTERVAL: g_value_set_uint (value, self->rescan_interval); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_share_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  BurrowShare *self = BURROW_SHARE (object);

  switch (prop_id)
    {
    case PROP_RESCAN_INTERVAL:
      burrow_share_set_rescan_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
burrow_share_class_init (BurrowShareClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = burrow_share_dispose;
  object_class->finalize = burrow_share_finalize;
  object_class->get_property = burrow_share_get_property;
  object_class->set_property = burrow_share_set_property;

  /**
   * BurrowShare:tree:
   *
   * What we share now: a finished #BurrowFileTree whose top-level
   * directories are the roots' virtual names; only hashed files are in it.
   */
  properties[PROP_TREE] =
    g_param_spec_boxed ("tree", NULL, NULL, BURROW_TYPE_FILE_TREE, ro);
  /**
   * BurrowShare:file-list:
   *
   * Our full file list as peers download it (files.xml.bz2): a #GBytes of
   * bzip2-compressed XML, never %NULL. Until the first scan it is the list the
   * last run left in the data dir, or an empty list. Replaced (and notified)
   * whenever a scan publishes a new tree.
   */
  properties[PROP_FILE_LIST] =
    g_param_spec_boxed ("file-list", NULL, NULL, G_TYPE_BYTES, ro);
  properties[PROP_N_FILES] =
    g_param_spec_uint ("n-files", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_TOTAL_SIZE] =
    g_param_spec_uint64 ("total-size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  /**
   * BurrowShare:scanning:
   *
   * Whether a scan of the roots is running.
   */
  properties[PROP_SCANNING] =
    g_param_spec_boolean ("scanning", NULL, NULL, FALSE, ro);
  /**
   * BurrowShare:busy:
   *
   * Whether a scan is running or waiting, or files are being hashed: FALSE
   * again once the tree and the file list hold everything there is.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  /**
   * BurrowShare:hasher:
   *
   * The hasher, for progress (files/bytes done and total, rate, eta).
   */
  properties[PROP_HASHER] =
    g_param_spec_object ("hasher", NULL, NULL, BURROW_TYPE_HASHER, ro);
  /**
   * BurrowShare:rescan-interval:
   *
   * Seconds between periodic rescans (0: none), which find what the
   * directory monitors missed.
   */
  properties[PROP_RESCAN_INTERVAL] =
    g_param_spec_uint ("rescan-interval", NULL, NULL, 0, G_MAXUINT, BURROW_SHARE_RESCAN_INTERVAL_S,
                       rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BurrowShare::scan-problem:
   * @path: the local path (display form)
   * @error: why it is not shared
   *
   * Emitted for every entry a scan skipped, and for files that could not be
   * hashed.
   */
  signals[SIGNAL_SCAN_PROBLEM] =
    g_signal_new ("scan-problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
  /**
   * BurrowShare::changed:
   *
   * A new tree, search index and file list are in place.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
burrow_share_init (BurrowShare *self)
{
  self->roots = g_ptr_array_new_with_free_func (_burrow_share_root_free);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_share_problem_free);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, _burrow_share_failed_free);
  self->queued = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        _burrow_share_hash_item_free);
  self->recent = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        _burrow_share_hash_item_free);
  self->cancellable = g_cancellable_new ();
  self->rescan_interval = BURROW_SHARE_RESCAN_INTERVAL_S;
}

/* The list the last run wrote (atomically, so whole or absent), if any. */
static GBytes *
load_cached_file_list (const gchar *path)
{
  g_autofree gchar *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL) || len == 0)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

/**
 * burrow_share_new:
 * @database: the engine's database (hash store and shared folders)
 * @data_dir: where files.xml.bz2 is kept
 * @cid: our CID (base32), written into the file list
 * @error: return location for an error
 *
 * Opens the hash store, loads the roots and publishes a first file list
 * (the one the last run left in @data_dir, or an empty one). Nothing is
 * scanned until burrow_share_refresh() or a root is added, removed or
 * renamed.
 *
 * Returns: (transfer full): the share, or %NULL with @error set
 */
BurrowShare *
burrow_share_new (BurrowDatabase  *database,
                  const gchar     *data_dir,
                  const gchar     *cid,
                  GError         **error)
{
  g_autoptr(BurrowShare) self = NULL;

  g_return_val_if_fail (BURROW_IS_DATABASE (database), NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (cid != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (BURROW_TYPE_SHARE, NULL);
  self->database = g_object_ref (database);
  self->cid = g_strdup (cid);
  self->store = burrow_hash_store_open (burrow_database_get_path (self->database), error);
  if (self->store == NULL)
    return NULL;
  self->hasher = burrow_hasher_new (self->store);
  _burrow_share_watch_hasher (self);
  self->list_path = g_build_filename (data_dir, "files.xml.bz2", NULL);
  self->file_list = load_cached_file_list (self->list_path);
  if (self->file_list == NULL)
    {
      self->file_list = generate_file_list (NULL, self->cid, error);
      if (self->file_list == NULL)
        return NULL;
    }
  if (!_burrow_share_load_roots (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* ---- getters --------------------------------------------------------------------------------- */

/**
 * burrow_share_get_tree:
 *
 * Returns: (transfer none) (nullable): what we share now (%NULL before the
 *   first scan)
 */
BurrowFileTree *
burrow_share_get_tree (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  return self->tree;
}

/**
 * burrow_share_get_file_list:
 *
 * Returns: (transfer none): our full file list, bzip2-compressed
 *   (files.xml.bz2); see BurrowShare:file-list
 */
GBytes *
burrow_share_get_file_list (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  return self->file_list;
}

/**
 * burrow_share_get_search_index:
 *
 * Returns: (transfer none) (nullable): the index of burrow_share_get_tree()
 */
BurrowSearchIndex *
burrow_share_get_search_index (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  return self->index;
}

guint
burrow_share_get_n_files (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), 0);
  return self->tree ? burrow_file_tree_get_n_files (self->tree) : 0;
}

guint64
burrow_share_get_total_size (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), 0);
  return self->tree ? burrow_file_tree_get_total_size (self->tree) : 0;
}

gboolean
burrow_share_get_scanning (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  return self->scanning;
}

gboolean
burrow_share_get_busy (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  return self->busy;
}

/**
 * burrow_share_get_hasher:
 *
 * Returns: (transfer none): the hasher (progress properties)
 */
BurrowHasher *
burrow_share_get_hasher (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  return self->hasher;
}

/**
 * burrow_share_get_hash_store:
 *
 * Returns: (transfer none): the hash store (TTH trees for `tthl`)
 */
BurrowHashStore *
burrow_share_get_hash_store (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  return self->store;
}

/**
 * burrow_share_dup_problems:
 *
 * Returns: (transfer container) (element-type BurrowShareProblem): what the
 *   last scan skipped, and files that failed to hash since
 */
GPtrArray *
burrow_share_dup_problems (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  return g_ptr_array_ref (self->problems);
}

guint
burrow_share_get_rescan_interval (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), 0);
  return self->rescan_interval;
}

void
burrow_share_set_rescan_interval (BurrowShare *self,
                                  guint        seconds)
{
  g_return_if_fail (BURROW_IS_SHARE (self));

  if (self->rescan_interval == seconds)
    return;
  self->rescan_interval = seconds;
  _burrow_share_restart_periodic (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESCAN_INTERVAL]);
}

/**
 * burrow_share_get_n_scans:
 *
 * Returns: scans completed since the share was created
 */
guint
burrow_share_get_n_scans (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), 0);
  return self->n_scans;
}

/**
 * burrow_share_get_n_queued:
 *
 * Returns: files handed to the hasher since the share was created
 */
guint
burrow_share_get_n_queued (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), 0);
  return self->n_queued;
}

/**
 * burrow_share_get_last_scan_us:
 *
 * Returns: how long the last completed scan took, in microseconds
 */
gint64
burrow_share_get_last_scan_us (BurrowShare *self)
{
  g_return_val_if_fail (BURROW_IS_SHARE (self), 0);
  return self->last_scan_us;
}

/* ---- resolving requests ---------------------------------------------------------------------- */

/**
 * burrow_share_resolve:
 * @adc_path_or_tth: an ADC path of a shared file ("/Virtual/dir/file") or
 *   "TTH/<39 base32 characters>"
 *
 * Finds the local file behind a request, for uploads. Only files of the
 * current tree are found, under a root that is still shared, and the
 * result's realpath must lie inside that root's realpath: nothing outside
 * the roots is ever served, even if a symlink changed since the scan.
 *
 * Returns: (transfer full): the real path of a regular file, or %NULL with
 *   @error set: %BURROW_SHARE_ERROR_NOT_FOUND, %BURROW_SHARE_ERROR_BAD_TTH,
 *   %BURROW_SHARE_ERROR_OUTSIDE_ROOT
 */
gchar *
burrow_share_resolve (BurrowShare  *self,
                      const gchar  *adc_path_or_tth,
                      GError      **error)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  g_autoptr(GString) local = NULL;
  g_autofree gchar *real = NULL;
  g_autofree gchar *root_real = NULL;
  BurrowFileNode *node = NULL;
  BurrowFileNode *top;
  BurrowShareRoot *root;
  gsize root_len;
  struct stat st;

  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  g_return_val_if_fail (adc_path_or_tth != NULL, NULL);

  if (g_str_has_prefix (adc_path_or_tth, "TTH/"))
    {
      guint8 tth[BURROW_TTH_SIZE];
      const gchar *b32 = adc_path_or_tth + 4;

      if (strlen (b32) != BURROW_TTH_BASE32_LEN
          || !burrow_base32_decode (b32, -1, tth, sizeof tth, NULL))
        {
          g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_TTH,
                       _("“%s” is not a TTH"), b32);
          return NULL;
        }
      if (self->index != NULL)
        node = burrow_search_index_lookup_tth (self->index, tth);
    }
  else if (self->tree != NULL && g_utf8_validate (adc_path_or_tth, -1, NULL))
    node = burrow_file_tree_lookup (self->tree, adc_path_or_tth);

  if (node == NULL || node->is_dir)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("File not available"));
      return NULL;
    }

  for (top = node; top->parent != NULL && top->parent->parent != NULL; top = top->parent)
    g_ptr_array_add (chain, (gpointer) top->name);
  root = top->parent != NULL ? _burrow_share_find_root (self, top->name) : NULL;
  if (root == NULL || !g_str_equal (root->name, top->name))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("File not available"));
      return NULL;
    }

  local = g_string_new (root->path);
  for (guint i = chain->len; i > 0; i--)
    {
      if (local->len == 0 || local->str[local->len - 1] != '/')
        g_string_append_c (local, '/');
      g_string_append (local, g_ptr_array_index (chain, i - 1));
    }

  real = realpath (local->str, NULL);
  root_real = realpath (root->path, NULL);
  if (real == NULL || root_real == NULL || stat (real, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("File not available"));
      return NULL;
    }
  root_len = strlen (root_real);
  if (strncmp (real, root_real, root_len) != 0
      || (real[root_len] != '/' && !(root_len == 1 && root_real[0] == '/')))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_OUTSIDE_ROOT,
                   _("The file is outside the shared folder"));
      return NULL;
    }
  return g_steal_pointer (&real);
}
