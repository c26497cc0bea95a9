/* burrow-share.c
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
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "burrow-base32.h"
#include "burrow-database.h"
#include "burrow-error.h"
#include "burrow-file-list.h"
#include "burrow-file-tree-private.h"
#include "burrow-tth.h"

#include "burrow-share.h"

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

typedef struct
{
  gchar *name;   /* virtual name, top-level directory of the list */
  gchar *path;   /* absolute local path, as added */
} Root;

typedef struct
{
  guint64  size;
  gint64   mtime;
  GError  *error;
} Failed;

typedef struct
{
  gchar   *path;
  guint64  size;
  gint64   mtime;
  guint64  inode;
} HashItem;

struct _BurrowShare
{
  GObject             parent_instance;

  /* owned */
  BurrowDatabase     *database;
  BurrowHashStore    *store;
  BurrowHasher       *hasher;
  GCancellable       *cancellable;
  GPtrArray          *roots;        /* Root */
  BurrowFileTree     *tree;
  BurrowSearchIndex  *index;
  GPtrArray          *problems;     /* BurrowShareProblem */
  GHashTable         *failed;       /* path → Failed */
  GHashTable         *queued;       /* path → HashItem (on the hasher) */
  GHashTable         *recent;       /* path → HashItem hashed while a scan ran (inode = scan seq) */
  GHashTable         *monitors;     /* directory path → GFileMonitor */
  GBytes             *file_list;    /* our files.xml.bz2, as published */
  gchar              *list_path;
  gchar              *cid;          /* ours, for the list's CID attribute */

  guint64             digest;
  gboolean            has_digest;
  gboolean            started;
  gboolean            scanning;
  gboolean            scan_pending;
  gboolean            scan_pending_queue;
  gboolean            busy;
  guint               debounce_id;
  gint64              debounce_first;
  guint               periodic_id;
  guint               rescan_interval;
  guint               scan_seq;     /* scans started */
  guint               n_scans;
  guint               n_queued;
  gint64              last_scan_us;
};

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

static void
root_free (gpointer data)
{
  Root *root = data;

  g_free (root->name);
  g_free (root->path);
  g_free (root);
}

static Root *
root_new (const gchar *name,
          const gchar *path)
{
  Root *root = g_new0 (Root, 1);

  root->name = g_strdup (name);
  root->path = g_strdup (path);
  return root;
}

static void
failed_free (gpointer data)
{
  Failed *failed = data;

  g_clear_error (&failed->error);
  g_free (failed);
}

static void
hash_item_free (gpointer data)
{
  HashItem *item = data;

  g_free (item->path);
  g_free (item);
}

static Root *
find_root (BurrowShare *self,
           const gchar *name)
{
  for (guint i = 0; i < self->roots->len; i++)
    {
      Root *root = g_ptr_array_index (self->roots, i);

      if (_burrow_file_name_compare (root->name, name) == 0)
        return root;
    }
  return NULL;
}

static void request_scan   (BurrowShare *self,
                            gboolean     queue);
static void update_busy    (BurrowShare *self);

/* ---- the scan (worker thread) --------------------------------------------------------------- */

typedef struct
{
  GPtrArray       *roots;        /* Root copies */
  BurrowHashStore *store;        /* thread-safe */
  gchar           *db_path;
  GHashTable      *failed;       /* path → Failed (copies; error unused) */
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
  GPtrArray         *to_hash;    /* HashItem */
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
  Failed *failed;

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
      HashItem *item = g_new0 (HashItem, 1);

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
           const Root *root)
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

  result->to_hash = g_ptr_array_new_with_free_func (hash_item_free);
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
  update_busy (self);
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
update_busy (BurrowShare *self)
{
  gboolean busy = self->scanning || self->scan_pending || self->debounce_id != 0
                  || (self->hasher != NULL && burrow_hasher_get_busy (self->hasher));

  if (busy == self->busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
set_scanning (BurrowShare *self,
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

static void
publish (BurrowShare *self,
         ScanResult  *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) list = NULL;
  guint old_files = self->tree ? burrow_file_tree_get_n_files (self->tree) : 0;
  guint64 old_size = self->tree ? burrow_file_tree_get_total_size (self->tree) : 0;

  g_clear_pointer (&self->tree, burrow_file_tree_unref);
  g_clear_pointer (&self->index, burrow_search_index_unref);
  self->tree = g_steal_pointer (&result->tree);
  self->index = g_steal_pointer (&result->index);
  self->digest = result->digest;
  self->has_digest = TRUE;

  if (result->list != NULL)
    list = g_steal_pointer (&result->list);
  else
    {
      g_debug ("cannot write the file list: %s",
               result->list_error ? result->list_error->message : "?");
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
      set_scanning (self, FALSE);
      update_busy (self);
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

      g_signal_emit (self, signals[SIGNAL_SCAN_PROBLEM], 0, problem->path, problem->error);
    }

  if (result->tree != NULL)
    publish (self, result);

  for (guint i = 0; i < result->to_hash->len; i++)
    {
      HashItem *item = g_ptr_array_index (result->to_hash, i);
      HashItem *done = g_hash_table_lookup (self->recent, item->path);
      HashItem *copy;

      /* hashed after this scan read the store */
      if (done != NULL && done->size == item->size && done->mtime == item->mtime)
        continue;

      if (burrow_hasher_is_queued (self->hasher, item->path))
        {
          HashItem *old = g_hash_table_lookup (self->queued, item->path);

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
      if (((HashItem *) value)->inode <= result->seq)
        g_hash_table_iter_remove (&iter);
  }

  update_monitors (self, result->dirs);
  scan_result_free (result);

  set_scanning (self, FALSE);
  if (self->scan_pending)
    {
      gboolean queue = self->scan_pending_queue;

      self->scan_pending = FALSE;
      self->scan_pending_queue = FALSE;
      request_scan (self, queue);
    }
  update_busy (self);
}

static void
start_scan (BurrowShare *self,
            gboolean     queue)
{
  g_autoptr(GTask) task = NULL;
  ScanData *data = g_new0 (ScanData, 1);
  GHashTableIter iter;
  gpointer key, value;

  data->roots = g_ptr_array_new_with_free_func (root_free);
  for (guint i = 0; i < self->roots->len; i++)
    {
      Root *root = g_ptr_array_index (self->roots, i);
      g_ptr_array_add (data->roots, root_new (root->name, root->path));
    }
  data->store = g_object_ref (self->store);
  data->db_path = g_strdup (burrow_hash_store_get_path (self->store));
  data->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, failed_free);
  g_hash_table_iter_init (&iter, self->failed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Failed *failed = value;
      Failed *copy = g_new0 (Failed, 1);

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

  set_scanning (self, TRUE);
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
      update_busy (self);
      return;
    }
  start_scan (self, queue);
  update_busy (self);
}

static gboolean
on_periodic (gpointer user_data)
{
  BurrowShare *self = user_data;

  if (self->roots->len > 0)
    request_scan (self, TRUE);
  return G_SOURCE_CONTINUE;
}

static void
restart_periodic (BurrowShare *self)
{
  g_clear_handle_id (&self->periodic_id, g_source_remove);
  if (self->started && self->rescan_interval > 0)
    self->periodic_id = g_timeout_add_seconds (self->rescan_interval, on_periodic, self);
}

static void
start (BurrowShare *self)
{
  if (!self->started)
    {
      self->started = TRUE;
      restart_periodic (self);
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
  HashItem *item = NULL;

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
  HashItem *item = g_hash_table_lookup (self->queued, path);

  if (g_error_matches (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_CHANGED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    schedule_rescan (self);
  else if (item != NULL)
    {
      Failed *failed = g_new0 (Failed, 1);
      BurrowShareProblem problem = { NULL, NULL };

      failed->size = item->size;
      failed->mtime = item->mtime;
      failed->error = g_error_copy (error);
      g_hash_table_replace (self->failed, g_strdup (path), failed);

      problem.path = g_filename_display_name (path);
      problem.error = g_error_copy (error);
      g_ptr_array_add (self->problems, burrow_share_problem_copy (&problem));
      g_signal_emit (self, signals[SIGNAL_SCAN_PROBLEM], 0, problem.path, problem.error);
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
  update_busy (self);
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
  self->roots = g_ptr_array_new_with_free_func (root_free);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_share_problem_free);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, failed_free);
  self->queued = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, hash_item_free);
  self->recent = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, hash_item_free);
  self->cancellable = g_cancellable_new ();
  self->rescan_interval = BURROW_SHARE_RESCAN_INTERVAL_S;
}

static gboolean
load_roots (BurrowShare  *self,
            GError      **error)
{
  sqlite3 *db = burrow_database_get_handle (self->database);
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (db, "SELECT name, path FROM share_roots ORDER BY rowid", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("reading the shared folders"));
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (self->roots, root_new ((const gchar *) sqlite3_column_text (stmt, 0),
                                            (const gchar *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("reading the shared folders"));
      return FALSE;
    }
  return TRUE;
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
  g_signal_connect (self->hasher, "file-hashed", G_CALLBACK (on_file_hashed), self);
  g_signal_connect (self->hasher, "file-failed", G_CALLBACK (on_file_failed), self);
  g_signal_connect (self->hasher, "notify::busy", G_CALLBACK (on_hasher_busy), self);
  self->list_path = g_build_filename (data_dir, "files.xml.bz2", NULL);
  self->file_list = load_cached_file_list (self->list_path);
  if (self->file_list == NULL)
    {
      self->file_list = generate_file_list (NULL, self->cid, error);
      if (self->file_list == NULL)
        return NULL;
    }
  if (!load_roots (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* ---- roots ----------------------------------------------------------------------------------- */

/**
 * burrow_share_add_root:
 * @path: a local directory
 * @virtual_name: (nullable): its name in the file list; %NULL for the
 *   directory's own name
 *
 * Shares @path (remembered in the database) and rescans.
 *
 * Returns: %TRUE on success, else %FALSE with @error set:
 *   %BURROW_SHARE_ERROR_NOT_FOUND (not an existing directory),
 *   %BURROW_SHARE_ERROR_BAD_NAME, %BURROW_SHARE_ERROR_DUPLICATE (the name or
 *   the path is shared already), %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_share_add_root (BurrowShare  *self,
                       const gchar  *path,
                       const gchar  *virtual_name,
                       GError      **error)
{
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *base = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gint rc;

  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  canonical = g_canonicalize_filename (path, NULL);
  if (!g_file_test (canonical, G_FILE_TEST_IS_DIR))
    {
      g_autofree gchar *display = g_filename_display_name (canonical);

      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("%s is not a folder"), display);
      return FALSE;
    }
  if (virtual_name == NULL)
    {
      g_autofree gchar *raw = g_path_get_basename (canonical);

      base = g_filename_to_utf8 (raw, -1, NULL, NULL, NULL);
      virtual_name = base;
    }
  if (virtual_name == NULL || !burrow_file_name_is_valid (virtual_name, -1))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME,
                   _("“%s” cannot be the name of a shared folder"),
                   virtual_name && g_utf8_validate (virtual_name, -1, NULL) ? virtual_name : "?");
      return FALSE;
    }
  for (guint i = 0; i < self->roots->len; i++)
    {
      Root *root = g_ptr_array_index (self->roots, i);

      if (_burrow_file_name_compare (root->name, virtual_name) == 0)
        {
          g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                       _("A shared folder is already called “%s”"), root->name);
          return FALSE;
        }
      if (g_str_equal (root->path, canonical))
        {
          g_autofree gchar *display = g_filename_display_name (canonical);

          g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                       _("%s is already shared as “%s”"), display, root->name);
          return FALSE;
        }
    }

  db = burrow_database_get_handle (self->database);
  if (sqlite3_prepare_v2 (db, "INSERT INTO share_roots (name, path) VALUES (?1, ?2)", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("saving a shared folder"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, virtual_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, canonical, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("saving a shared folder"));
      return FALSE;
    }

  g_ptr_array_add (self->roots, root_new (virtual_name, canonical));
  start (self);
  return TRUE;
}

static gboolean
exec_root_statement (BurrowShare  *self,
                     const gchar  *sql,
                     const gchar  *a,
                     const gchar  *b,
                     GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  gint rc;

  if (sqlite3_prepare_v2 (burrow_database_get_handle (self->database), sql, -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      burrow_database_set_error (self->database, error, _("saving the shared folders"));
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      burrow_database_set_error (self->database, error, _("saving the shared folders"));
      return FALSE;
    }
  return TRUE;
}

/**
 * burrow_share_remove_root:
 * @virtual_name: the root's name (case-insensitive)
 *
 * Stops sharing a root at once (burrow_share_resolve() refuses its files) and
 * rescans; the hashes of its files are dropped by that scan.
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_NOT_FOUND
 *   or %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_share_remove_root (BurrowShare  *self,
                          const gchar  *virtual_name,
                          GError      **error)
{
  Root *root;

  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  g_return_val_if_fail (virtual_name != NULL, FALSE);

  root = find_root (self, virtual_name);
  if (root == NULL)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("No shared folder is called “%s”"), virtual_name);
      return FALSE;
    }
  if (!exec_root_statement (self, "DELETE FROM share_roots WHERE name = ?1", root->name, NULL,
                            error))
    return FALSE;
  g_ptr_array_remove (self->roots, root);
  start (self);
  return TRUE;
}

/**
 * burrow_share_rename_root:
 * @virtual_name: the root's current name (case-insensitive)
 * @new_name: its new name in the file list
 *
 * Returns: %TRUE on success, else %FALSE with %BURROW_SHARE_ERROR_NOT_FOUND,
 *   %BURROW_SHARE_ERROR_BAD_NAME, %BURROW_SHARE_ERROR_DUPLICATE or
 *   %BURROW_SHARE_ERROR_DATABASE
 */
gboolean
burrow_share_rename_root (BurrowShare  *self,
                          const gchar  *virtual_name,
                          const gchar  *new_name,
                          GError      **error)
{
  Root *root;
  Root *other;

  g_return_val_if_fail (BURROW_IS_SHARE (self), FALSE);
  g_return_val_if_fail (virtual_name != NULL, FALSE);
  g_return_val_if_fail (new_name != NULL, FALSE);

  root = find_root (self, virtual_name);
  if (root == NULL)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_NOT_FOUND,
                   _("No shared folder is called “%s”"), virtual_name);
      return FALSE;
    }
  if (!burrow_file_name_is_valid (new_name, -1))
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_BAD_NAME,
                   _("“%s” cannot be the name of a shared folder"),
                   g_utf8_validate (new_name, -1, NULL) ? new_name : "?");
      return FALSE;
    }
  other = find_root (self, new_name);
  if (other != NULL && other != root)
    {
      g_set_error (error, BURROW_SHARE_ERROR, BURROW_SHARE_ERROR_DUPLICATE,
                   _("A shared folder is already called “%s”"), other->name);
      return FALSE;
    }
  if (g_str_equal (root->name, new_name))
    return TRUE;
  if (!exec_root_statement (self, "UPDATE share_roots SET name = ?2 WHERE name = ?1", root->name,
                            new_name, error))
    return FALSE;
  g_free (root->name);
  root->name = g_strdup (new_name);
  start (self);
  return TRUE;
}

/**
 * burrow_share_dup_root_names:
 *
 * Returns: (transfer full): the roots' virtual names, in the order they were added
 */
GStrv
burrow_share_dup_root_names (BurrowShare *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);

  for (guint i = 0; i < self->roots->len; i++)
    g_strv_builder_add (builder, ((Root *) g_ptr_array_index (self->roots, i))->name);
  return g_strv_builder_end (builder);
}

/**
 * burrow_share_get_root_path:
 * @virtual_name: a root's name (case-insensitive)
 *
 * Returns: (nullable): its local path
 */
const gchar *
burrow_share_get_root_path (BurrowShare *self,
                            const gchar *virtual_name)
{
  Root *root;

  g_return_val_if_fail (BURROW_IS_SHARE (self), NULL);
  g_return_val_if_fail (virtual_name != NULL, NULL);

  root = find_root (self, virtual_name);
  return root ? root->path : NULL;
}

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
  start (self);
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
  restart_periodic (self);
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
  Root *root;
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
  root = top->parent != NULL ? find_root (self, top->name) : NULL;
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
