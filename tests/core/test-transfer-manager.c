/* test-transfer-manager.c — the transfer manager alone: a loopback dialer, no hub, no client
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-transfer-manager"

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-peer-dialer.h"
#include "burrow-peer-pool.h"
#include "burrow-transfer-manager.h"
#include "burrow-test-util.h"

#define KiB              1024
#define LEAF_BLOCK       (64 * KiB)
#define DEADLINE_MS      20000
#define TOKEN            "loopback"

/* ---- a seeder: an identity and files, served by real peer connections -------------------- */

typedef struct
{
  gchar          *dir;
  BurrowDatabase *database;
  BurrowIdentity *identity;
  BurrowUser     *user;       /* what the dialer's lookup answers */
  GHashTable     *files;      /* base32 TTH → SeedFile */
  GPtrArray      *servers;    /* BurrowPeerConnection: the serving ends */
  gboolean        online;
  gboolean        corrupt;    /* serve a copy with one flipped byte */
  guint           n_connects;
} Seeder;

typedef struct
{
  gchar  *path;
  gchar  *bad_path;           /* the same size, one byte flipped in the fourth block */
  GBytes *content;
  GBytes *leaves;
  gchar  *tth;
} SeedFile;

static void
seed_file_free (SeedFile *file)
{
  g_free (file->path);
  g_free (file->bad_path);
  g_bytes_unref (file->content);
  g_bytes_unref (file->leaves);
  g_free (file->tth);
  g_free (file);
}

static Seeder *
seeder_new (const gchar *parent,
            const gchar *name)
{
  Seeder *s = g_new0 (Seeder, 1);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *db_path = NULL;

  s->dir = g_build_filename (parent, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (s->dir, 0700), ==, 0);
  db_path = g_build_filename (s->dir, "burrow.db", NULL);
  s->database = burrow_database_open (db_path, &error);
  g_assert_no_error (error);
  s->identity = burrow_identity_load (s->database, s->dir, &error);
  g_assert_no_error (error);
  s->user = burrow_user_new (1);
  s->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) seed_file_free);
  s->servers = g_ptr_array_new_with_free_func (g_object_unref);
  s->online = TRUE;
  return s;
}

static void
seeder_free (Seeder *s)
{
  for (guint i = 0; i < s->servers->len; i++)
    burrow_peer_connection_close (g_ptr_array_index (s->servers, i));
  g_ptr_array_unref (s->servers);
  g_hash_table_unref (s->files);
  g_object_unref (s->user);
  g_object_unref (s->identity);
  g_object_unref (s->database);
  g_free (s->dir);
  g_free (s);
}

static const gchar *
seeder_id (Seeder *s)
{
  return burrow_identity_get_cid (s->identity);
}

/* Adds @size pseudo-random bytes (from @seed) as a shared file; returns it. */
static SeedFile *
seeder_add (Seeder  *s,
            gsize    size,
            guint32  seed)
{
  SeedFile *file = g_new0 (SeedFile, 1);
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (LEAF_BLOCK);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = g_strdup_printf ("file-%u.bin", seed);
  g_autofree gchar *bad_name = g_strdup_printf ("bad-%u.bin", seed);
  guint8 *data = g_malloc (size);
  guint8 root[BURROW_TTH_SIZE];
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  burrow_tth_hasher_update (hasher, data, size);
  burrow_tth_hasher_finish (hasher, root);
  file->leaves = burrow_tth_hasher_steal_leaves (hasher);
  file->tth = burrow_tth_to_base32 (root);
  file->path = g_build_filename (s->dir, name, NULL);
  g_assert_true (g_file_set_contents (file->path, (const gchar *) data, size, &error));
  g_assert_no_error (error);
  if (size > 3 * LEAF_BLOCK)
    data[3 * LEAF_BLOCK + 17] ^= 0x5a;
  file->bad_path = g_build_filename (s->dir, bad_name, NULL);
  g_assert_true (g_file_set_contents (file->bad_path, (const gchar *) data, size, &error));
  g_assert_no_error (error);
  if (size > 3 * LEAF_BLOCK)
    data[3 * LEAF_BLOCK + 17] ^= 0x5a;
  file->content = g_bytes_new_take (data, size);
  g_hash_table_insert (s->files, file->tth, file);
  return file;
}

static BurrowPeerSource *
seeder_source_func (BurrowPeerConnection  *connection,
                    const gchar           *type,
                    const gchar           *identifier,
                    gboolean               recursive,
                    GError               **error,
                    gpointer               user_data)
{
  Seeder *s = user_data;
  SeedFile *file = NULL;

  if (g_str_has_prefix (identifier, "TTH/"))
    file = g_hash_table_lookup (s->files, identifier + 4);
  if (file == NULL)
    {
      g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                           "File Not Available");
      return NULL;
    }
  if (g_str_equal (type, "tthl"))
    return burrow_peer_source_new_bytes (file->leaves, TRUE);
  if (g_str_equal (type, "file"))
    return burrow_peer_source_new_file (s->corrupt ? file->bad_path : file->path,
                                        g_bytes_get_size (file->content), TRUE);
  g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                       "File Not Available");
  return NULL;
}

static gboolean
accept_token (BurrowPeerConnection *connection,
              const gchar          *token,
              const gchar          *cid,
              gpointer              user_data)
{
  return g_strcmp0 (token, TOKEN) == 0;
}

/* ---- TestDialer: BurrowPeerDialer over socketpairs ---------------------------------------- */

#define TEST_TYPE_DIALER (test_dialer_get_type ())
G_DECLARE_FINAL_TYPE (TestDialer, test_dialer, TEST, DIALER, GObject)

struct _TestDialer
{
  GObject         parent_instance;

  BurrowIdentity *identity;   /* ours (borrowed) */
  GHashTable     *seeders;    /* user id → Seeder (borrowed) */
};

static void test_dialer_iface_init (BurrowPeerDialerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestDialer, test_dialer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BURROW_TYPE_PEER_DIALER,
                                                      test_dialer_iface_init))

static BurrowUser *
test_dialer_lookup (BurrowPeerDialer *dialer,
                    const gchar      *user_id,
                    const gchar      *hub_uri)
{
  Seeder *s = g_hash_table_lookup (TEST_DIALER (dialer)->seeders, user_id);

  return s != NULL && s->online ? s->user : NULL;
}

static GIOStream *
stream_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
on_server_handshake (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* the serving end goes on answering requests; a failed one just closes */
  if (!burrow_peer_connection_handshake_finish (BURROW_PEER_CONNECTION (source), result, &error))
    g_debug ("serving end: %s", error->message);
}

static void
on_client_handshake (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BurrowPeerConnection *peer = BURROW_PEER_CONNECTION (source);
  GError *error = NULL;

  if (!burrow_peer_connection_handshake_finish (peer, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_object_ref (peer), g_object_unref);
}

static void
test_dialer_connect_async (BurrowPeerDialer    *dialer,
                           const gchar         *user_id,
                           const gchar         *hub_uri,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  TestDialer *self = TEST_DIALER (dialer);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Seeder *s = g_hash_table_lookup (self->seeders, user_id);
  g_autoptr(GIOStream) ours = NULL;
  g_autoptr(GIOStream) theirs = NULL;
  g_autoptr(BurrowPeerConnection) client = NULL;
  BurrowPeerConnection *server;
  int fds[2];

  if (s == NULL || !s->online)
    {
      g_task_return_new_error (task, BURROW_NAT_ERROR, BURROW_NAT_ERROR_FAILED, "offline");
      return;
    }
  s->n_connects++;
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  ours = stream_from_fd (fds[0]);
  theirs = stream_from_fd (fds[1]);

  server = burrow_peer_connection_new (theirs, BURROW_PEER_SIDE_ACCEPTING, s->identity, NULL);
  burrow_peer_connection_set_token_func (server, accept_token, NULL);
  burrow_peer_connection_set_source_func (server, seeder_source_func, NULL, s);
  g_ptr_array_add (s->servers, server);
  burrow_peer_connection_handshake_async (server, NULL, on_server_handshake, NULL);

  client = burrow_peer_connection_new (ours, BURROW_PEER_SIDE_CONNECTING, self->identity, TOKEN);
  burrow_peer_connection_handshake_async (client, cancellable, on_client_handshake,
                                          g_steal_pointer (&task));
}

static BurrowPeerConnection *
test_dialer_connect_finish (BurrowPeerDialer    *dialer,
                            GAsyncResult        *result,
                            BurrowPunchAttempt **attempt,
                            GError             **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_dialer_iface_init (BurrowPeerDialerInterface *iface)
{
  iface->lookup = test_dialer_lookup;
  iface->connect_async = test_dialer_connect_async;
  iface->connect_finish = test_dialer_connect_finish;
}

static void
test_dialer_finalize (GObject *object)
{
  g_hash_table_unref (TEST_DIALER (object)->seeders);
  G_OBJECT_CLASS (test_dialer_parent_class)->finalize (object);
}

static void
test_dialer_class_init (TestDialerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_dialer_finalize;
}

static void
test_dialer_init (TestDialer *self)
{
  self->seeders = g_hash_table_new (g_str_hash, g_str_equal);
}

/* ---- fixture ----------------------------------------------------------------------------- */

typedef struct
{
  gchar                 *dir;
  gchar                 *downloads;
  BurrowDatabase        *database;
  BurrowIdentity        *identity;
  BurrowDownloadQueue   *queue;
  TestDialer            *dialer;
  BurrowPeerPool        *pool;
  BurrowTransferManager *manager;
  GPtrArray             *seeders;
  GPtrArray             *failed;     /* GError from ::download-failed */
} Fixture;

static void
on_download_failed (BurrowTransferManager *manager,
                    BurrowQueueItem       *item,
                    GError                *error,
                    Fixture               *f)
{
  g_ptr_array_add (f->failed, g_error_copy (error));
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *db_path = NULL;

  f->dir = g_dir_make_tmp ("burrow-manager-XXXXXX", &error);
  g_assert_no_error (error);
  f->downloads = g_build_filename (f->dir, "Downloads", NULL);
  db_path = g_build_filename (f->dir, "burrow.db", NULL);
  f->database = burrow_database_open (db_path, &error);
  g_assert_no_error (error);
  f->identity = burrow_identity_load (f->database, f->dir, &error);
  g_assert_no_error (error);
  f->queue = burrow_download_queue_new (f->database, &error);
  g_assert_no_error (error);
  f->dialer = g_object_new (TEST_TYPE_DIALER, NULL);
  f->dialer->identity = f->identity;
  f->pool = burrow_peer_pool_new ();
  f->seeders = g_ptr_array_new_with_free_func ((GDestroyNotify) seeder_free);
  f->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  f->manager = burrow_transfer_manager_new (f->queue, BURROW_PEER_DIALER (f->dialer), f->pool,
                                            NULL, burrow_identity_get_cid (f->identity));
  burrow_transfer_manager_set_retry_delay (f->manager, 50);
  burrow_transfer_manager_set_auto_search (f->manager, FALSE);
  g_signal_connect (f->manager, "download-failed", G_CALLBACK (on_download_failed), f);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_clear_object (&f->manager);
  g_clear_object (&f->pool);
  g_clear_pointer (&f->seeders, g_ptr_array_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->dialer);
  g_clear_object (&f->queue);
  g_clear_object (&f->identity);
  g_clear_object (&f->database);
  g_ptr_array_unref (f->failed);
  burrow_test_remove_tree (f->dir);
  g_free (f->downloads);
  g_free (f->dir);
}

static Seeder *
add_seeder (Fixture     *f,
            const gchar *name)
{
  Seeder *s = seeder_new (f->dir, name);

  g_ptr_array_add (f->seeders, s);
  g_hash_table_insert (f->dialer->seeders, (gpointer) seeder_id (s), s);
  return s;
}

static BurrowQueueItem *
queue_file (Fixture     *f,
            SeedFile    *file,
            const gchar *target_dir,
            Seeder      *source)
{
  g_autoptr(GError) error = NULL;
  BurrowQueueItem *item;

  item = burrow_download_queue_add_file (f->queue, file->tth, g_bytes_get_size (file->content),
                                         "wanted.bin", target_dir, seeder_id (source),
                                         "adc://loopback", "seeder", &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  return item;
}

static gboolean
item_settled (gpointer data)
{
  BurrowQueueState state = burrow_queue_item_get_state (data);

  return state == BURROW_QUEUE_STATE_DONE || state == BURROW_QUEUE_STATE_FAILED ||
         state == BURROW_QUEUE_STATE_PAUSED;
}

static void
assert_downloaded (BurrowQueueItem *item,
                   SeedFile        *file)
{
  g_autofree gchar *contents = NULL;
  gsize len = 0;
  guint8 root[BURROW_TTH_SIZE];
  g_autofree gchar *tth = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_DONE);
  g_assert_null (burrow_queue_item_get_error (item));
  g_assert_nonnull (burrow_queue_item_get_final_path (item));
  g_assert_true (g_file_get_contents (burrow_queue_item_get_final_path (item), &contents, &len,
                                      &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, g_bytes_get_data (file->content, NULL),
                   g_bytes_get_size (file->content));
  burrow_tth_buffer (contents, len, root);
  tth = burrow_tth_to_base32 (root);
  g_assert_cmpstr (tth, ==, file->tth);
}

/* ---- cases ------------------------------------------------------------------------------- */

/* A file comes over the loopback dialer, block by block, and its TTH verifies. */
static void
test_download (Fixture       *f,
               gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *file = seeder_add (s, 512 * KiB + 123, 1);
  g_autoptr(BurrowQueueItem) item = queue_file (f, file, f->downloads, s);

  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  assert_downloaded (item, file);
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (f->manager), ==, 0);
  g_assert_cmpuint (burrow_transfer_manager_get_bytes_downloaded (f->manager), >=,
                    g_bytes_get_size (file->content));
  g_assert_cmpuint (f->failed->len, ==, 0);
  /* the connection waits in the pool for the next file */
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (f->pool), ==, 1);
}

/* Two files from one source: the second reuses the idle connection from the pool. */
static void
test_reuse (Fixture       *f,
            gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *one = seeder_add (s, 200 * KiB, 2);
  SeedFile *two = seeder_add (s, 3 * KiB, 3);
  g_autoptr(BurrowQueueItem) first = queue_file (f, one, f->downloads, s);
  g_autoptr(BurrowQueueItem) second = NULL;

  g_assert_true (burrow_test_wait_until (item_settled, first, DEADLINE_MS));
  assert_downloaded (first, one);
  second = queue_file (f, two, f->downloads, s);
  g_assert_true (burrow_test_wait_until (item_settled, second, DEADLINE_MS));
  assert_downloaded (second, two);
  g_assert_cmpuint (s->n_connects, ==, 1);
}

/* The only source sends a bad block: it is caught and the item fails as corrupt. */
static void
test_corrupt_fails (Fixture       *f,
                    gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *file = seeder_add (s, 512 * KiB, 4);
  g_autoptr(BurrowQueueItem) item = NULL;

  s->corrupt = TRUE;
  item = queue_file (f, file, f->downloads, s);
  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_FAILED);
  g_assert_error ((GError *) burrow_queue_item_get_error (item), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_CORRUPT);
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (f->manager), >=, 1);
  g_assert_true (burrow_queue_item_find_source (item, seeder_id (s))->bad);
  g_assert_cmpuint (f->failed->len, ==, 1);
  g_assert_error ((GError *) g_ptr_array_index (f->failed, 0), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_CORRUPT);
}

/* A bad block from one source is fetched again from another; the file verifies. */
static void
test_corrupt_refetched (Fixture       *f,
                        gconstpointer  data)
{
  Seeder *bad = add_seeder (f, "bad");
  Seeder *good = add_seeder (f, "good");
  SeedFile *file = seeder_add (bad, 512 * KiB, 5);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;

  seeder_add (good, 512 * KiB, 5);
  bad->corrupt = TRUE;
  item = queue_file (f, file, f->downloads, bad);
  g_assert_true (burrow_download_queue_add_source (f->queue, item, seeder_id (good),
                                                   "adc://loopback", "good", &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  assert_downloaded (item, file);
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (f->manager), >=, 1);
  g_assert_true (burrow_queue_item_find_source (item, seeder_id (bad))->bad);
  g_assert_false (burrow_queue_item_find_source (item, seeder_id (good))->bad);
  g_assert_cmpuint (good->n_connects, >=, 1);
}

static gboolean
item_waits_for_source (gpointer data)
{
  return burrow_queue_item_get_state (data) == BURROW_QUEUE_STATE_QUEUED &&
         g_error_matches (burrow_queue_item_get_error (data), BURROW_TRANSFER_ERROR,
                          BURROW_TRANSFER_ERROR_NO_SOURCE);
}

/* The source is offline: the item waits with its reason, and starts once the source is back. */
static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *file = seeder_add (s, 100 * KiB, 6);
  g_autoptr(BurrowQueueItem) item = NULL;

  s->online = FALSE;
  item = queue_file (f, file, f->downloads, s);
  g_assert_true (burrow_test_wait_until (item_waits_for_source, item, DEADLINE_MS));
  g_assert_cmpuint (s->n_connects, ==, 0);
  g_assert_cmpuint (f->failed->len, ==, 0);

  s->online = TRUE;
  burrow_transfer_manager_kick (f->manager);
  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  assert_downloaded (item, file);
}

/* The disk fills up: the item pauses with DISK_FULL and keeps what was verified. Needs root
 * (a tiny tmpfs); skipped otherwise. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *file = seeder_add (s, 1024 * KiB, 7);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autofree gchar *mnt = g_build_filename (f->dir, "tiny", NULL);
  g_autofree gchar *err_text = NULL;
  const gchar *mount_argv[] = { "mount", "-t", "tmpfs", "-o", "size=256k", "none", mnt, NULL };
  const gchar *umount_argv[] = { "umount", mnt, NULL };
  gint status = -1;

  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (!g_spawn_sync (NULL, (gchar **) mount_argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err_text, &status, NULL) || status != 0)
    {
      g_autofree gchar *msg = g_strdup_printf ("cannot mount a tmpfs (needs root): %s",
                                               err_text ? err_text : "");
      g_test_skip (msg);
      return;
    }
  item = queue_file (f, file, mnt, s);
  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_PAUSED);
  g_assert_error ((GError *) burrow_queue_item_get_error (item), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_DISK_FULL);
  g_assert_cmpuint (f->failed->len, ==, 1);
  g_assert_error ((GError *) g_ptr_array_index (f->failed, 0), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_DISK_FULL);
  /* a local problem: the source is not blamed */
  g_assert_false (burrow_queue_item_find_source (item, seeder_id (s))->bad);

  g_clear_object (&f->manager);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_spawn_sync (NULL, (gchar **) umount_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                NULL, NULL);
}

/* ---- the pool ------------------------------------------------------------------------------ */

typedef struct
{
  gboolean              done;
  BurrowPeerConnection *peer;
  GError               *error;
} Borrowed;

static void
on_borrowed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Borrowed *b = user_data;

  b->peer = burrow_peer_pool_borrow_finish (BURROW_PEER_POOL (source), result, &b->error);
  b->done = TRUE;
}

/* A file list borrows the idle connection a download left, and gives it back; nobody has one
 * to a stranger. */
static void
test_borrow_idle (Fixture       *f,
                  gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *file = seeder_add (s, 10 * KiB, 8);
  g_autoptr(BurrowQueueItem) item = queue_file (f, file, f->downloads, s);
  Borrowed b = { 0, };
  Borrowed none = { 0, };

  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  assert_downloaded (item, file);
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (f->pool), ==, 1);

  burrow_peer_pool_borrow_async (f->pool, seeder_id (s), NULL, on_borrowed, &b);
  g_assert_true (burrow_test_wait_for_flag (&b.done, DEADLINE_MS));
  g_assert_no_error (b.error);
  g_assert_nonnull (b.peer);
  g_assert_false (burrow_peer_connection_is_closed (b.peer));
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (f->pool), ==, 0);
  burrow_peer_pool_keep (f->pool, seeder_id (s), g_steal_pointer (&b.peer));
  g_assert_cmpuint (burrow_peer_pool_get_n_idle (f->pool), ==, 1);

  burrow_peer_pool_borrow_async (f->pool, "NOBODYNOBODYNOBODYNOBODYNOBODYNOBODYNOB", NULL,
                                 on_borrowed, &none);
  g_assert_true (burrow_test_wait_for_flag (&none.done, DEADLINE_MS));
  g_assert_no_error (none.error);
  g_assert_null (none.peer);
}

static gboolean
has_transfers (gpointer data)
{
  return g_list_model_get_n_items (data) > 0;
}

/* A file list wanted while a download holds the only connection to the user borrows it between
 * two of the download's requests; given back, the download goes on over it. */
static void
test_borrow_running (Fixture       *f,
                     gconstpointer  data)
{
  Seeder *s = add_seeder (f, "seeder");
  SeedFile *file = seeder_add (s, 300 * KiB, 9);
  g_autoptr(BurrowQueueItem) item = queue_file (f, file, f->downloads, s);
  Borrowed b = { 0, };

  /* the download's worker exists (it is still connecting): a borrower waits for it */
  g_assert_true (burrow_test_wait_until (has_transfers,
                                         burrow_transfer_manager_get_transfers (f->manager),
                                         DEADLINE_MS));
  burrow_peer_pool_borrow_async (f->pool, seeder_id (s), NULL, on_borrowed, &b);
  g_assert_true (burrow_test_wait_for_flag (&b.done, DEADLINE_MS));
  g_assert_no_error (b.error);
  g_assert_nonnull (b.peer);
  g_assert_false (burrow_peer_connection_is_closed (b.peer));
  /* lent before the download asked for anything; it waits */
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_RUNNING);
  g_assert_cmpuint (burrow_queue_item_get_verified_bytes (item), ==, 0);

  burrow_peer_pool_keep (f->pool, seeder_id (s), g_steal_pointer (&b.peer));
  g_assert_true (burrow_test_wait_until (item_settled, item, DEADLINE_MS));
  assert_downloaded (item, file);
  g_assert_cmpuint (s->n_connects, ==, 1);
}

/* ---- uploads ----------------------------------------------------------------------------- */

typedef struct
{
  Fixture              *f;
  BurrowPeerConnection *ours;      /* serving */
  BurrowPeerConnection *theirs;    /* the downloader */
  gboolean              ours_ready;
  gboolean              theirs_ready;
  gboolean              got;
  GBytes               *list;
  GError               *error;
  guint                 n_started;
} UploadCase;

static void
on_ours_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  UploadCase *u = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (burrow_peer_connection_handshake_finish (BURROW_PEER_CONNECTION (source), result,
                                                          &error));
  g_assert_no_error (error);
  /* as a connector would: a peer connected to download from us */
  g_signal_emit_by_name (u->f->dialer, "upload-connection", u->ours, NULL);
  u->ours_ready = TRUE;
}

static void
on_theirs_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  UploadCase *u = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (burrow_peer_connection_handshake_finish (BURROW_PEER_CONNECTION (source), result,
                                                          &error));
  g_assert_no_error (error);
  u->theirs_ready = TRUE;
}

static void
on_list (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  UploadCase *u = user_data;

  u->list = burrow_peer_connection_get_file_list_finish (BURROW_PEER_CONNECTION (source), result,
                                                         &u->error);
  u->got = TRUE;
}

static void
on_upload_started (BurrowTransferManager *manager,
                   BurrowTransfer        *transfer,
                   UploadCase            *u)
{
  g_assert_cmpint (burrow_transfer_get_direction (transfer), ==, BURROW_TRANSFER_DIRECTION_UPLOAD);
  u->n_started++;
}

static gboolean
both_ready (gpointer data)
{
  UploadCase *u = data;

  return u->ours_ready && u->theirs_ready;
}

static gboolean
no_transfers (gpointer data)
{
  return g_list_model_get_n_items (data) == 0;
}

static gboolean
no_upload_connections (gpointer data)
{
  return burrow_upload_service_get_n_connections (data) == 0;
}

/* The upload service serves our file list on a connection the dialer hands it, without a
 * client; the manager lists the upload while it runs. */
static void
test_upload_file_list (Fixture       *f,
                       gconstpointer  data)
{
  Seeder *peer = add_seeder (f, "downloader");
  g_autoptr(BurrowUploadService) uploads = NULL;
  g_autoptr(GBytes) list = g_bytes_new_static ("BZh91AY&SY not really a list", 28);
  g_autoptr(GIOStream) ours = NULL;
  g_autoptr(GIOStream) theirs = NULL;
  UploadCase u = { 0, };
  int fds[2];

  u.f = f;
  uploads = burrow_upload_service_new (BURROW_PEER_DIALER (f->dialer), NULL,
                                       burrow_identity_get_cid (f->identity));
  burrow_upload_service_set_file_list (uploads, list);
  burrow_transfer_manager_show_uploads (f->manager, uploads);
  g_signal_connect (f->manager, "upload-started", G_CALLBACK (on_upload_started), &u);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  ours = stream_from_fd (fds[0]);
  theirs = stream_from_fd (fds[1]);
  u.ours = burrow_peer_connection_new (ours, BURROW_PEER_SIDE_ACCEPTING, f->identity, NULL);
  burrow_peer_connection_set_token_func (u.ours, accept_token, NULL);
  u.theirs = burrow_peer_connection_new (theirs, BURROW_PEER_SIDE_CONNECTING, peer->identity,
                                         TOKEN);
  burrow_peer_connection_handshake_async (u.ours, NULL, on_ours_ready, &u);
  burrow_peer_connection_handshake_async (u.theirs, NULL, on_theirs_ready, &u);
  g_assert_true (burrow_test_wait_until (both_ready, &u, DEADLINE_MS));
  g_assert_cmpuint (burrow_upload_service_get_n_connections (uploads), ==, 1);

  burrow_peer_connection_get_file_list_async (u.theirs, NULL, on_list, &u);
  g_assert_true (burrow_test_wait_for_flag (&u.got, DEADLINE_MS));
  g_assert_no_error (u.error);
  g_assert_nonnull (u.list);
  g_assert_true (g_bytes_equal (u.list, list));
  g_assert_cmpuint (u.n_started, ==, 1);
  /* the upload is over: it leaves the list */
  g_assert_true (burrow_test_wait_until (no_transfers,
                                         burrow_transfer_manager_get_transfers (f->manager),
                                         DEADLINE_MS));

  /* the downloader goes: the connection is forgotten */
  burrow_peer_connection_close (u.theirs);
  g_assert_true (burrow_test_wait_until (no_upload_connections, uploads, DEADLINE_MS));

  g_signal_handlers_disconnect_by_data (f->manager, &u);
  burrow_peer_connection_close (u.ours);
  g_clear_object (&u.ours);
  g_clear_object (&u.theirs);
  g_clear_pointer (&u.list, g_bytes_unref);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/transfer/manager/download", Fixture, NULL, set_up, test_download,
              tear_down);
  g_test_add ("/burrow/transfer/manager/reuse", Fixture, NULL, set_up, test_reuse, tear_down);
  g_test_add ("/burrow/transfer/manager/corrupt-fails", Fixture, NULL, set_up,
              test_corrupt_fails, tear_down);
  g_test_add ("/burrow/transfer/manager/corrupt-refetched", Fixture, NULL, set_up,
              test_corrupt_refetched, tear_down);
  g_test_add ("/burrow/transfer/manager/offline", Fixture, NULL, set_up, test_offline,
              tear_down);
  g_test_add ("/burrow/transfer/manager/disk-full", Fixture, NULL, set_up, test_disk_full,
              tear_down);
  g_test_add ("/burrow/transfer/manager/borrow-idle", Fixture, NULL, set_up, test_borrow_idle,
              tear_down);
  g_test_add ("/burrow/transfer/manager/borrow-running", Fixture, NULL, set_up,
              test_borrow_running, tear_down);
  g_test_add ("/burrow/transfer/manager/upload-file-list", Fixture, NULL, set_up,
              test_upload_file_list, tear_down);

  return g_test_run ();
}
