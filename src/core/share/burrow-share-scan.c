/* burrow-share-scan.c — the share's scans: walker, directory monitors, hasher results
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-share"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "burrow-error.h"
#include "burrow-file-list.h"
#include "burrow-file-tree-private.h"
#include "burrow-tth.h"

#include "burrow-share-private.h"

/*
 * Scanning
 *
 * A scan runs in a worker thread (GTask) on an immutable copy of the roots.
 * It loads the hash store's rows once (path → size, mtime, TTH) on its own
 * read-only SQLite connection, walks each root with openat()/fstatat()
 * without following symlinks, and follows a symlink only when its target
 * (realpath) is inside the same root and is not a directory already walked
 * (a loop, or a second path to the same directory). Files whose size and
 * mtime match their row go into the new BurrowFileTree with their TTH; the
 * others are returned to be queued on the hasher; nothing else is shared.
 * Special files, unreadable entries, bad names (invalid UTF-8, not
 * burrow_file_name_is_valid(), case-insensitive duplicates) and symlinks
 * leaving the root become problems.
 *
 * The tree is finished in the worker and compared with the previous one
 * through a digest of everything in it: an unchanged share keeps its tree,
 * index and list. A changed one gets a new search index and a new
 * files.xml.bz2, written atomically to the data dir (temporary file, fsync,
 * rename) and published as BurrowShare:file-list for the client to serve.
 *
 * When the hasher goes idle, a scan without queueing rebuilds the tree from
 * the store (files that failed wait for the next change or periodic rescan,
 * so a file that cannot be read is not retried in a loop). Directory monitors
 * (one per directory, up to BURROW_SHARE_MAX_MONITORED_DIRS) and the periodic
 * rescan request queueing scans; events are coalesced.
 */

void
_burrow_share_failed_free (gpointer data)
{
  BurrowShareFailed *failed = data;

  g_clear_error (&failed->error);
  g_free (failed);
}

void
_burrow_share_hash_item_free (gpointer data)
{
  BurrowShareHashItem *item = data;

  g_free (item->path);
  g_free (item);
}

static void request_scan   (BurrowShare *self,
                            gboolean     queue);

/* ---- the scan (worker thread) --------------------------------------------------------------- */

typedef struct
{
  GPtrArray       *roots;        /* BurrowShareRoot copies */
  BurrowHashStore *store;        /* thread-safe */
  gchar           *db_path;
  GHashTable      *failed;       /* path → BurrowShareFailed (copies; error unused) */
  gboolean         queue;
  gchar           *cid;
  gchar           *list_path;
  guint64          prev_digest;
  gboolean         has_prev;
  guint            seq;
} ScanData;

typedef struct
{
  BurrowFileTree    *tree;       /* NULL: unchanged */
  BurrowSearchIndex *index;
  GBytes            *list;       /* compressed list, written to list_path */
  GError            *list_error;
  GPtrArray         *to_hash;    /* BurrowShareHashItem */
  GPtrArray         *problems;   /* BurrowShareProblem */
  GPtrArray         *dirs;       /* local directory paths, for monitors */
  guint64            digest;
  guint              n_removed;
  guint              seq;
  gboolean           queue;
} ScanResult;

static void
scan_data_free (gpointer data)
{
  ScanData *d = data;

  g_ptr_array_unref (d->roots);
  g_clear_object (&d->store);
  g_free (d->db_path);
  g_hash_table_unref (d->failed);
  g_free (d->cid);
  g_free (d->list_path);
  g_free (d);
}

static void
scan_result_free (gpointer data)
{
  ScanResult *r = data;

  g_clear_pointer (&r->tree, burrow_file_tree_unref);
  g_clear_pointer (&r->index, burrow_search_index_unref);
  g_clear_pointer (&r->list, g_bytes_unref);
  g_clear_error (&r->list_error);
  g_ptr_array_unref (r->to_hash);
  g_ptr_array_unref (r->problems);
  g_ptr_array_unref (r->dirs);
  g_free (r);
}

typedef struct
{
  guint64  size;
  gint64   mtime;
  guint64  inode;     /* 0 if unknown */
  guint8   tth[BURROW_TTH_SIZE];
  gboolean seen;
} Known;

typedef struct
{
  dev_t dev;
  ino_t ino;
} DevIno;

static guint
dev_ino_hash (gconstpointer key)
{
  const DevIno *k = key;

  return (guint) k->ino ^ ((guint) k->dev * 2654435761u);
}

static gboolean
dev_ino_equal (gconstpointer a,
               gconstpointer b)
{
  const DevIno *x = a;
  const DevIno *y = b;

  return x->dev == y->dev && x->ino == y->ino;
}

typedef struct
{
  ScanData     *data;
  ScanResult   *result;
  GCancellable *cancellable;

  GStringChunk *strings;
  GArray       *known;          /* Known */
  GHashTable   *known_index;    /* path (in strings) → index + 1 */
  GHashTable   *keep;           /* paths of every regular file seen (in strings) */
  GHashTable   *visited;        /* DevIno (owned) of directories entered through symlinks */
  GArray       *ancestors;      /* DevIno of the directories being walked */
  BurrowFileTree *tree;
  GString      *path;           /* local path of the current entry */
  gchar        *root_real;      /* realpath of the current root */
  gsize         root_real_len;
  guint64       digest;
  guint         n_entries;
  guint         n_known_seen;
  gboolean      incomplete;     /* a root failed or the walk stopped early */
} Walk;

#define FNV_OFFSET G_GUINT64_CONSTANT (0xcbf29ce484222325)
#define FNV_PRIME  G_GUINT64_CONSTANT (0x100000001b3)

static void
digest_add (Walk       *w,
            const void *data,
            gsize       len)
{
  const guint8 *p = data;

  for (gsize i = 0; i < len; i++)
    w->digest = (w->digest ^ p[i]) * FNV_PRIME;
}

static void
add_problem (Walk        *w,
             const gchar *path,
             GQuark       domain,
             gint         code,
             const gchar *format,
             ...) G_GNUC_PRINTF (5, 6);

static void
add_problem (Walk        *w,
             const gchar *path,
             GQuark       domain,
             gint         code,
             const gchar *format,
             ...)
{
  BurrowShareProblem *problem = g_new0 (BurrowShareProblem, 1);
  va_list args;

  problem->path = g_filename_display_name (path);
  va_start (args, format);
  problem->error = g_error_new_valist (domain, code, format, args);
  va_end (args);
  g_ptr_array_add (w->result->problems, problem);
}

static void
add_errno_problem (Walk        *w,
                   const gchar *path,
                   int          saved_errno,
                   const gchar *what)
{
  add_problem (w, path, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", what,
               g_strerror (saved_errno));
}

static gboolean
load_known (Walk    *w,
            GError **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_open_v2 (w->data->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                   _("Cannot open database %s: %s"), w->data->db_path,
                   db ? sqlite3_errmsg (db) : "?");
      sqlite3_close_v2 (db);
      return FALSE;
    }
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_prepare_v2 (db, "SELECT path, size, mtime, tth, inode FROM hashes", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                   _("Database error while %s (%s): %s"), _("reading"), w->data->db_path,
                   sqlite3_errmsg (db));
      sqlite3_close_v2 (db);
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const gchar *path = (const gchar *) sqlite3_column_text (stmt, 0);
      Known known = { 0, };
      const gchar *stored;

      if (path == NULL || sqlite3_column_bytes (stmt, 3) != BURROW_TTH_SIZE)
        continue;
      known.size = (guint64) sqlite3_column_int64 (stmt, 1);
      known.mtime = sqlite3_column_int64 (stmt, 2);
      known.inode = (guint64) sqlite3_column_int64 (stmt, 4);
      memcpy (known.tth, sqlite3_column_blob (stmt, 3), BURROW_TTH_SIZE);
      stored = g_string_chunk_insert (w->strings, path);
      g_array_append_val (w->known, known);
      g_hash_table_insert (w->known_index, (gpointer) stored, GUINT_TO_POINTER (w->known->len));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DATABASE,
                   _("Database error while %s (%s): %s"), _("reading"), w->data->db_path,
                   sqlite3_errmsg (db));
      sqlite3_close_v2 (db);
      return FALSE;
    }
  sqlite3_close_v2 (db);
  return TRUE;
}

static gboolean
inside_root (Walk        *w,
             const gchar *real)
{
  return strncmp (real, w->root_real, w->root_real_len) == 0
         && (real[w->root_real_len] == '/' || real[w->root_real_len] == '\0'
             || (w->root_real_len == 1 && w->root_real[0] == '/'));
}

static gboolean
is_ancestor (Walk         *w,
             const DevIno *key)
{
  for (guint i = 0; i < w->ancestors->len; i++)
    if (dev_ino_equal (&g_array_index (w->ancestors, DevIno, i), key))
      return TRUE;
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

static void walk_dir (Walk *w, int dirfd, BurrowFileNode *node, guint depth);

static void
walk_file (Walk           *w,
           int             dirfd,
           const gchar    *name,
           const struct stat *st,
           BurrowFileNode *node)
{
  const gchar *path = w->path->str;
  const gchar *stored = g_string_chunk_insert (w->strings, path);
  gpointer known_id = g_hash_table_lookup (w->known_index, path);
  Known *known = NULL;
  BurrowShareFailed *failed;

  g_hash_table_add (w->keep, (gpointer) stored);
  if (known_id != NULL)
    {
      known = &g_array_index (w->known, Known, GPOINTER_TO_UINT (known_id) - 1);
      if (!known->seen)
        w->n_known_seen++;
      known->seen = TRUE;
    }

  if (faccessat (dirfd, name, R_OK, 0) != 0)
    {
      add_errno_problem (w, path, errno, _("Cannot read the file"));
      return;
    }

  /* same size and mtime (seconds, as stored); a file replaced by another one
   * (rename over it) within the same second has another inode */
  if (known != NULL && known->size == (guint64) st->st_size && known->mtime == st->st_mtim.tv_sec
      && (known->inode == 0 || known->inode == (guint64) st->st_ino))
    {
      gint64 mtime = st->st_mtim.tv_sec;
      guint64 size = (guint64) st->st_size;

      if (burrow_file_tree_add_file (w->tree, node, name, size, mtime, known->tth) == NULL)
        {
          add_problem (w, path, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                       _("Another file in this folder has the same name except for case"));
          return;
        }
      digest_add (w, "F", 1);
      digest_add (w, path, strlen (path) + 1);
      digest_add (w, &size, sizeof size);
      digest_add (w, &mtime, sizeof mtime);
      digest_add (w, known->tth, BURROW_TTH_SIZE);
      return;
    }

  failed = g_hash_table_lookup (w->data->failed, path);
  if (failed != NULL && failed->size == (guint64) st->st_size
      && failed->mtime == st->st_mtim.tv_sec)
    {
      add_problem (w, path, failed->error->domain, failed->error->code, "%s",
                   failed->error->message);
      return;
    }

  if (w->data->queue)
    {
      BurrowShareHashItem *item = g_new0 (BurrowShareHashItem, 1);

      item->path = g_strdup (path);
      item->size = (guint64) st->st_size;
      item->mtime = st->st_mtim.tv_sec;
      item->inode = (guint64) st->st_ino;
      g_ptr_array_add (w->result->to_hash, item);
    }
}

/* @st: of the directory itself (of the target if @via_link).
 *
 * A directory inside the root reached through a symlink is listed under the
 * link's name too (it is "followed"), but each directory is entered through
 * symlinks at most once per scan, which bounds the work whatever the links
 * do; a link to a directory being walked (an ancestor) is a loop. */
static void
walk_subdir (Walk              *w,
             int                fd,
             const gchar       *name,
             const struct stat *st,
             gboolean           via_link,
             BurrowFileNode    *parent,
             guint              depth)
{
  DevIno key = { st->st_dev, st->st_ino };
  BurrowFileNode *node;

  if (is_ancestor (w, &key))
    {
      add_problem (w, w->path->str, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS,
                   _("Symbolic link loop: the folder contains itself"));
      close (fd);
      return;
    }
  if (via_link && g_hash_table_contains (w->visited, &key))
    {
      add_problem (w, w->path->str, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                   _("This folder is already shared through another symbolic link"));
      close (fd);
      return;
    }
  if (depth >= BURROW_FILE_LIST_DEFAULT_MAX_DEPTH - 1)
    {
      add_problem (w, w->path->str, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_LIST_TOO_DEEP,
                   _("Folders are nested too deeply"));
      close (fd);
      return;
    }
  node = burrow_file_tree_add_directory (w->tree, parent, name);
  if (node == NULL)
    {
      add_problem (w, w->path->str, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                   _("Another entry in this folder has the same name except for case"));
      close (fd);
      return;
    }

  if (via_link)
    g_hash_table_add (w->visited, g_memdup2 (&key, sizeof key));
  g_array_append_val (w->ancestors, key);
  digest_add (w, "D", 1);
  digest_add (w, w->path->str, w->path->len + 1);
  if (w->result->dirs->len < BURROW_SHARE_MAX_MONITORED_DIRS)
    g_ptr_array_add (w->result->dirs, g_strdup (w->path->str));

  walk_dir (w, fd, node, depth + 1);

  g_array_set_size (w->ancestors, w->ancestors->len - 1);
  close (fd);
}

static void
walk_entry (Walk           *w,
            int             dirfd,
            const gchar    *name,
            BurrowFileNode *node,
            guint           depth)
{
  struct stat st;
  gboolean is_link;
  int fd;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    {
      add_errno_problem (w, w->path->str, errno, _("Cannot read the file information"));
      return;
    }

  is_link = S_ISLNK (st.st_mode);
  if (is_link)
    {
      g_autofree gchar *real = realpath (w->path->str, NULL);

      if (real == NULL)
        {
          int saved = errno;

          if (saved == ELOOP)
            add_problem (w, w->path->str, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS,
                         _("Symbolic link loop"));
          else
            add_errno_problem (w, w->path->str, saved, _("Broken symbolic link"));
          return;
        }
      if (!inside_root (w, real))
        {
          add_problem (w, w->path->str, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_OUTSIDE_ROOT,
                       _("Symbolic link to a place outside the shared folder"));
          return;
        }
      if (stat (real, &st) != 0)
        {
          add_errno_problem (w, w->path->str, errno, _("Cannot read the file information"));
          return;
        }
      if (S_ISDIR (st.st_mode))
        {
          fd = open (real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (fd < 0)
            {
              add_errno_problem (w, w->path->str, errno, _("Cannot open the folder"));
              return;
            }
          walk_subdir (w, fd, name, &st, TRUE, node, depth);
          return;
        }
    }
  else if (S_ISDIR (st.st_mode))
    {
      fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          add_errno_problem (w, w->path->str, errno, _("Cannot open the folder"));
          return;
        }
      walk_subdir (w, fd, name, &st, FALSE, node, depth);
      return;
    }

  if (S_ISREG (st.st_mode))
    walk_file (w, dirfd, name, &st, node);
  else
    add_problem (w, w->path->str, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                 _("Not a regular file (a device, pipe or socket)"));
}

static void
walk_dir (Walk           *w,
          int             dirfd,
          BurrowFileNode *node,
          guint           depth)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *de;
  DIR *dir;
  int fd;
  gsize base_len = w->path->len;

  fd = dup (dirfd);
  dir = fd >= 0 ? fdopendir (fd) : NULL;
  if (dir == NULL)
    {
      add_errno_problem (w, w->path->str, errno, _("Cannot list the folder"));
      if (fd >= 0)
        close (fd);
      return;
    }
  errno = 0;
  while ((de = readdir (dir)) != NULL)
    {
      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      g_ptr_array_add (names, g_strdup (de->d_name));
    }
  if (errno != 0)
    add_errno_problem (w, w->path->str, errno, _("Cannot list the folder"));
  closedir (dir);
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const gchar *name = g_ptr_array_index (names, i);

      if (w->incomplete && w->n_entries > BURROW_SHARE_MAX_ENTRIES)
        return;
      if ((w->n_entries & 1023) == 0 && g_cancellable_is_cancelled (w->cancellable))
        return;
      if (++w->n_entries > BURROW_SHARE_MAX_ENTRIES)
        {
          add_problem (w, w->path->str, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_TOO_MANY_ENTRIES,
                       _("More than %u files and folders: the rest is not shared"),
                       BURROW_SHARE_MAX_ENTRIES);
          w->incomplete = TRUE;
          return;
        }

      g_string_truncate (w->path, base_len);
      if (base_len == 0 || w->path->str[base_len - 1] != '/')
        g_string_append_c (w->path, '/');
      g_string_append (w->path, name);

      if (!g_utf8_validate (name, -1, NULL) || !burrow_file_name_is_valid (name, -1))
        add_problem (w, w->path->str, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME,
                     _("The name is not valid UTF-8 or has characters a file list cannot hold"));
      else
        walk_entry (w, dirfd, name, node, depth);
    }
  g_string_truncate (w->path, base_len);
}

static void
walk_root (Walk       *w,
           const BurrowShareRoot *root)
{
  g_autofree gchar *real = realpath (root->path, NULL);
  BurrowFileNode *node;
  struct stat st;
  DevIno key;
  int fd;

  if (real == NULL)
    {
      add_errno_problem (w, root->path, errno, _("Cannot open the shared folder"));
      w->incomplete = TRUE;
      return;
    }
  fd = open (real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      add_errno_problem (w, root->path, errno, _("Cannot open the shared folder"));
      w->incomplete = TRUE;
      if (fd >= 0)
        close (fd);
      return;
    }
  node = burrow_file_tree_add_directory (w->tree, burrow_file_tree_get_root (w->tree), root->name);
  if (node == NULL)
    {
      add_problem (w, root->path, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                   _("Another shared folder has the same name"));
      close (fd);
      return;
    }

  g_free (w->root_real);
  w->root_real = g_steal_pointer (&real);
  w->root_real_len = strlen (w->root_real);
  key.dev = st.st_dev;
  key.ino = st.st_ino;
  g_array_set_size (w->ancestors, 0);
  g_array_append_val (w->ancestors, key);

  digest_add (w, "R", 1);
  digest_add (w, root->name, strlen (root->name) + 1);
  digest_add (w, root->path, strlen (root->path) + 1);
  if (w->result->dirs->len < BURROW_SHARE_MAX_MONITORED_DIRS)
    g_ptr_array_add (w->result->dirs, g_strdup (root->path));

  g_string_assign (w->path, root->path);
  walk_dir (w, fd, node, 1);
  close (fd);
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ScanData *data = task_data;
  ScanResult *result = g_new0 (ScanResult, 1);
  g_autoptr(GError) error = NULL;
  Walk w = { 0, };
  g_autofree gchar *generator = g_strdup_printf ("Burrow %s", PACKAGE_VERSION);

  result->to_hash = g_ptr_array_new_with_free_func (_burrow_share_hash_item_free);
  result->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_share_problem_free);
  result->dirs = g_ptr_array_new_with_free_func (g_free);
  result->queue = data->queue;
  result->seq = data->seq;

  w.data = data;
  w.result = result;
  w.cancellable = cancellable;
  w.strings = g_string_chunk_new (256 * 1024);
  w.known = g_array_new (FALSE, FALSE, sizeof (Known));
  w.known_index = g_hash_table_new (g_str_hash, g_str_equal);
  w.keep = g_hash_table_new (g_str_hash, g_str_equal);
  w.visited = g_hash_table_new_full (dev_ino_hash, dev_ino_equal, g_free, NULL);
  w.ancestors = g_array_new (FALSE, FALSE, sizeof (DevIno));
  w.path = g_string_new (NULL);
  w.tree = burrow_file_tree_new ();
  w.digest = FNV_OFFSET;

  /* rows the hasher wrote but did not commit yet must be visible to us */
  if (!burrow_hash_store_flush (data->store, &error))
    g_debug ("%s", error->message);
  g_clear_error (&error);

  if (!load_known (&w, &error))
    {
      add_problem (&w, data->db_path, error->domain, error->code, "%s", error->message);
      w.incomplete = TRUE;   /* never drop rows on a partial picture */
      g_clear_error (&error);
    }

  for (guint i = 0; i < data->roots->len && !g_cancellable_is_cancelled (cancellable); i++)
    walk_root (&w, g_ptr_array_index (data->roots, i));

  if (g_task_return_error_if_cancelled (task))
    goto out;

  /* forget the hashes of files no longer shared (only from a complete walk) */
  if (!w.incomplete && w.n_known_seen < w.known->len)
    {
      result->n_removed = burrow_hash_store_remove_missing (data->store, w.keep, &error);
      if (error != NULL)
        {
          g_debug ("%s", error->message);
          g_clear_error (&error);
        }
    }

  burrow_file_tree_finish (w.tree);
  result->digest = w.digest;
  if (!data->has_prev || data->prev_digest != w.digest
      || !g_file_test (data->list_path, G_FILE_TEST_EXISTS))
    {
      result->tree = burrow_file_tree_ref (w.tree);
      result->index = burrow_search_index_new (w.tree);
      if (burrow_file_list_write_file (w.tree, data->cid, generator, data->list_path,
                                       &result->list_error))
        {
          gchar *contents = NULL;
          gsize len = 0;

          if (g_file_get_contents (data->list_path, &contents, &len, &result->list_error))
            result->list = g_bytes_new_take (contents, len);
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&result), scan_result_free);

out:
  g_clear_pointer (&result, scan_result_free);
  g_string_free (w.path, TRUE);
  g_free (w.root_real);
  g_array_unref (w.ancestors);
  g_hash_table_unref (w.visited);
  g_hash_table_unref (w.keep);
  g_hash_table_unref (w.known_index);
  g_array_unref (w.known);
  g_string_chunk_free (w.strings);
  burrow_file_tree_unref (w.tree);
}

/* ---- monitors -------------------------------------------------------------------------------- */

static gboolean
on_debounce (gpointer user_data)
{
  BurrowShare *self = user_data;

  self->debounce_id = 0;
  self->debounce_first = 0;
  request_scan (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* Coalesces changes: one queueing scan BURROW_SHARE_DEBOUNCE_MS after the
 * last request, at most BURROW_SHARE_DEBOUNCE_MAX_MS after the first. */
static void
schedule_rescan (BurrowShare *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->debounce_id != 0)
    {
      gint64 limit = (BURROW_SHARE_DEBOUNCE_MAX_MS - BURROW_SHARE_DEBOUNCE_MS) * 1000;

      if (now - self->debounce_first >= limit)
        return;
      g_source_remove (self->debounce_id);
    }
  else
    self->debounce_first = now;
  self->debounce_id = g_timeout_add (BURROW_SHARE_DEBOUNCE_MS, on_debounce, self);
  _burrow_share_update_busy (self);
}

static void
on_monitor_changed (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event,
                    gpointer           user_data)
{
  BurrowShare *self = user_data;

  if (event == G_FILE_MONITOR_EVENT_PRE_UNMOUNT)
    return;
  schedule_rescan (self);
}

static void
monitor_free (gpointer data)
{
  GFileMonitor *monitor = data;

  g_signal_handlers_disconnect_by_func (monitor, on_monitor_changed, NULL);
  g_file_monitor_cancel (monitor);
  g_object_unref (monitor);
}

static void
update_monitors (BurrowShare *self,
                 GPtrArray   *dirs)
{
  GHashTable *monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, monitor_free);

  for (guint i = 0; i < dirs->len; i++)
    {
      const gchar *dir = g_ptr_array_index (dirs, i);
      gpointer key = NULL;
      gpointer monitor = NULL;

      if (g_hash_table_contains (monitors, dir))
        continue;
      if (self->monitors != NULL
          && g_hash_table_steal_extended (self->monitors, dir, &key, &monitor))
        {
          g_hash_table_insert (monitors, key, monitor);
          continue;
        }
      else
        {
          g_autoptr(GFile) file = g_file_new_for_path (dir);
          g_autoptr(GError) error = NULL;

          monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
          if (monitor == NULL)
            {
              g_debug ("cannot watch %s: %s", dir, error->message);
              continue;
            }
          g_signal_connect (monitor, "changed", G_CALLBACK (on_monitor_changed), self);
          g_hash_table_insert (monitors, g_strdup (dir), monitor);
        }
    }
  g_clear_pointer (&self->monitors, g_hash_table_unref);
  self->monitors = monitors;
}

/* ---- main-thread side of a scan -------------------------------------------------------------- */


static void
on_scan_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  BurrowShare *self = BURROW_SHARE (source);
  g_autoptr(GError) error = NULL;
  ScanResult *result = g_task_propagate_pointer (G_TASK (res), &error);
  gint64 started = GPOINTER_TO_SIZE (user_data);

  if (result == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("scan failed: %s", error->message);
      if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
        return;
      _burrow_share_set_scanning (self, FALSE);
      _burrow_share_update_busy (self);
      return;
    }

  self->n_scans++;
  self->last_scan_us = g_get_monotonic_time () - started;
  g_debug ("scan %u: %u to hash, %u problems, %u rows removed, %s, %.3f s", self->n_scans,
           result->to_hash->len, result->problems->len, result->n_removed,
           result->tree ? "changed" : "unchanged", self->last_scan_us / 1e6);

  g_ptr_array_unref (self->problems);
  self->problems = g_ptr_array_ref (result->problems);
  for (guint i = 0; i < result->problems->len; i++)
    {
      BurrowShareProblem *problem = g_ptr_array_index (result->problems, i);

      _burrow_share_emit_problem (self, problem);
    }

  if (result->tree != NULL)
    _burrow_share_publish (self, g_steal_pointer (&result->tree),
                           g_steal_pointer (&result->index), g_steal_pointer (&result->list),
                           result->list_error, result->digest);

  for (guint i = 0; i < result->to_hash->len; i++)
    {
      BurrowShareHashItem *item = g_ptr_array_index (result->to_hash, i);
      BurrowShareHashItem *done = g_hash_table_lookup (self->recent, item->path);
      BurrowShareHashItem *copy;

      /* hashed after this scan read the store */
      if (done != NULL && done->size == item->size && done->mtime == item->mtime)
        continue;

      if (burrow_hasher_is_queued (self->hasher, item->path))
        {
          BurrowShareHashItem *old = g_hash_table_lookup (self->queued, item->path);

          /* queued with other values: it fails as changed and is queued again */
          if (old == NULL || (old->size == item->size && old->mtime == item->mtime))
            continue;
        }
      copy = g_memdup2 (item, sizeof *item);
      copy->path = g_strdup (item->path);
      g_hash_table_replace (self->queued, copy->path, copy);
      self->n_queued++;
      burrow_hasher_add (self->hasher, item->path, item->size, item->mtime, item->inode);
    }

  /* what was hashed before this scan started is in the store now */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->recent);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      if (((BurrowShareHashItem *) value)->inode <= result->seq)
        g_hash_table_iter_remove (&iter);
  }

  update_monitors (self, result->dirs);
  scan_result_free (result);

  _burrow_share_set_scanning (self, FALSE);
  if (self->scan_pending)
    {
      gboolean queue = self->scan_pending_queue;

      self->scan_pending = FALSE;
      self->scan_pending_queue = FALSE;
      request_scan (self, queue);
    }
  _burrow_share_update_busy (self);
}

static void
start_scan (BurrowShare *self,
            gboolean     queue)
{
  g_autoptr(GTask) task = NULL;
  ScanData *data = g_new0 (ScanData, 1);
  GHashTableIter iter;
  gpointer key, value;

  data->roots = g_ptr_array_new_with_free_func (_burrow_share_root_free);
  for (guint i = 0; i < self->roots->len; i++)
    {
      BurrowShareRoot *root = g_ptr_array_index (self->roots, i);
      g_ptr_array_add (data->roots, _burrow_share_root_new (root->name, root->path));
    }
  data->store = g_object_ref (self->store);
  data->db_path = g_strdup (burrow_hash_store_get_path (self->store));
  data->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, _burrow_share_failed_free);
  g_hash_table_iter_init (&iter, self->failed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      BurrowShareFailed *failed = value;
      BurrowShareFailed *copy = g_new0 (BurrowShareFailed, 1);

      copy->size = failed->size;
      copy->mtime = failed->mtime;
      copy->error = g_error_copy (failed->error);
      g_hash_table_insert (data->failed, g_strdup (key), copy);
    }
  data->queue = queue;
  data->cid = g_strdup (self->cid);
  data->list_path = g_strdup (self->list_path);
  data->prev_digest = self->digest;
  data->has_prev = self->has_digest;
  data->seq = ++self->scan_seq;

  _burrow_share_set_scanning (self, TRUE);
  task = g_task_new (self, self->cancellable, on_scan_done,
                     GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  g_task_set_source_tag (task, start_scan);
  g_task_set_name (task, "[burrow] share scan");
  g_task_set_task_data (task, data, scan_data_free);
  g_task_run_in_thread (task, scan_thread);
}

static void
request_scan (BurrowShare *self,
              gboolean     queue)
{
  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (self->scanning)
    {
      self->scan_pending = TRUE;
      self->scan_pending_queue |= queue;
      _burrow_share_update_busy (self);
      return;
    }
  start_scan (self, queue);
  _burrow_share_update_busy (self);
}

static gboolean
on_periodic (gpointer user_data)
{
  BurrowShare *self = user_data;

  if (self->roots->len > 0)
    request_scan (self, TRUE);
  return G_SOURCE_CONTINUE;
}

void
_burrow_share_restart_periodic (BurrowShare *self)
{
  g_clear_handle_id (&self->periodic_id, g_source_remove);
  if (self->started && self->rescan_interval > 0)
    self->periodic_id = g_timeout_add_seconds (self->rescan_interval, on_periodic, self);
}

void
_burrow_share_start (BurrowShare *self)
{
  if (!self->started)
    {
      self->started = TRUE;
      _burrow_share_restart_periodic (self);
    }
  request_scan (self, TRUE);
}

/* ---- hasher ---------------------------------------------------------------------------------- */

static void
on_file_hashed (BurrowHasher *hasher,
                const gchar  *path,
                guint64       size,
                GBytes       *tth,
                BurrowShare  *self)
{
  BurrowShareHashItem *item = NULL;

  /* until a scan started after this has read the store */
  if (g_hash_table_steal_extended (self->queued, path, NULL, (gpointer *) &item))
    {
      item->inode = self->scan_seq + 1;
      g_hash_table_replace (self->recent, item->path, item);
    }
  g_hash_table_remove (self->failed, path);
}

static void
on_file_failed (BurrowHasher *hasher,
                const gchar  *path,
                const GError *error,
                BurrowShare  *self)
{
  BurrowShareHashItem *item = g_hash_table_lookup (self->queued, path);

  if (g_error_matches (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_CHANGED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    schedule_rescan (self);
  else if (item != NULL)
    {
      BurrowShareFailed *failed = g_new0 (BurrowShareFailed, 1);
      BurrowShareProblem problem = { NULL, NULL };

      failed->size = item->size;
      failed->mtime = item->mtime;
      failed->error = g_error_copy (error);
      g_hash_table_replace (self->failed, g_strdup (path), failed);

      problem.path = g_filename_display_name (path);
      problem.error = g_error_copy (error);
      g_ptr_array_add (self->problems, burrow_share_problem_copy (&problem));
      _burrow_share_emit_problem (self, &problem);
      g_free (problem.path);
      g_error_free (problem.error);
    }
  g_hash_table_remove (self->queued, path);
}

/* When the hasher is done (the "idle" signal comes right after this), put the
 * new TTHs into the tree and the list: requesting the rebuild here keeps
 * BurrowShare:busy from dropping to FALSE in between. */
static void
on_hasher_busy (BurrowHasher *hasher,
                GParamSpec   *pspec,
                BurrowShare  *self)
{
  if (!burrow_hasher_get_busy (hasher))
    request_scan (self, FALSE);
  _burrow_share_update_busy (self);
}

void
_burrow_share_watch_hasher (BurrowShare *self)
{
  g_signal_connect (self->hasher, "file-hashed", G_CALLBACK (on_file_hashed), self);
  g_signal_connect (self->hasher, "file-failed", G_CALLBACK (on_file_failed), self);
  g_signal_connect (self->hasher, "notify::busy", G_CALLBACK (on_hasher_busy), self);
}

/* ---- public ---------------------------------------------------------------------------------- */

/**
 * burrow_share_refresh:
 *
 * Scans the roots now (coalesced with a running scan), queues new and
 * changed files for hashing, and from then on keeps up with changes through
 * directory monitors and the periodic rescan.
 */
void
burrow_share_refresh (BurrowShare *self)
{
  g_return_if_fail (BURROW_IS_SHARE (self));
  _burrow_share_start (self);
}
