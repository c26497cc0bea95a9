/* test-transfers.c — downloads between Burrow clients through a real uhub on loopback
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-transfers"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "burrow-core.h"
#include "burrow-test-hub.h"
#include "burrow-test-nmdc-hub.h"
#include "burrow-test-util.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* ---- a seeder: a BurrowClient whose uploads come from memory ---------------------------- */

typedef struct
{
  GBytes *content;
  GBytes *leaves;     /* tthl at 64 KiB blocks */
  gchar  *tth;
} SeedFile;

typedef struct
{
  BurrowClient     *client;
  BurrowHubSession *session;
  GHashTable       *files;          /* tth → SeedFile */
  BurrowFileTree   *tree;           /* what its list shows */
  GBytes           *list;           /* files.xml.bz2 */
  gint              corrupt_block;  /* -1: none; else flip a byte of this 64 KiB block */
  gboolean          slots_full;
  gboolean          no_tthl;        /* answer tthl requests "file not available" */
  guint             n_file_gets;
  guint             n_tthl_gets;
  guint             n_refused;
  GPtrArray        *uploads;        /* BurrowPeerConnection * seen serving files */
  gpointer          balance_with;   /* Seeder: serve no more file GETs than it has */
  guint             n_served;
} Seeder;

static void
seed_file_free (SeedFile *f)
{
  g_bytes_unref (f->content);
  g_bytes_unref (f->leaves);
  g_free (f->tth);
  g_free (f);
}

/* Deterministic content: @len bytes from @seed. */
static GBytes *
make_content (gsize   len,
              guint32 seed)
{
  guint8 *buf = g_malloc (len ? len : 1);
  guint32 x = seed ? seed : 0x9e3779b9;

  for (gsize i = 0; i < len; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      buf[i] = (guint8) (x >> 24);
    }
  return g_bytes_new_take (buf, len);
}

static SeedFile *
seed_file_new (GBytes *content)
{
  SeedFile *f = g_new0 (SeedFile, 1);
  g_autoptr(BurrowTthHasher) hasher = burrow_tth_hasher_new (64 * KiB);
  guint8 root[BURROW_TTH_SIZE];
  gsize len;
  const guint8 *data = g_bytes_get_data (content, &len);

  burrow_tth_hasher_update (hasher, data, len);
  burrow_tth_hasher_finish (hasher, root);
  f->leaves = burrow_tth_hasher_steal_leaves (hasher);
  f->content = g_bytes_ref (content);
  f->tth = burrow_tth_to_base32 (root);
  return f;
}

static BurrowPeerSource *
seeder_source (BurrowPeerConnection  *connection,
               const gchar           *type,
               const gchar           *identifier,
               gboolean               recursive,
               GError               **error,
               gpointer               user_data)
{
  Seeder *s = user_data;
  SeedFile *f = g_str_has_prefix (identifier, "TTH/") ? g_hash_table_lookup (s->files,
                                                                             identifier + 4)
                                                      : NULL;

  if (g_str_equal (type, "file") && g_str_equal (identifier, "files.xml.bz2") && s->list != NULL)
    return burrow_peer_source_new_bytes (s->list, TRUE);
  if (g_str_equal (type, "tthl") && f != NULL && !s->no_tthl)
    {
      s->n_tthl_gets++;
      return burrow_peer_source_new_bytes (f->leaves, TRUE);
    }
  if (g_str_equal (type, "file") && f != NULL)
    {
      Seeder *other = s->balance_with;

      /* two sources take turns (the other is refused as "slots full" until it
       * catches up), so a segmented download cannot be served by one alone
       * however fast it is: deterministic, whatever the machine's load */
      if (other != NULL && s->n_served > other->n_served)
        {
          s->n_refused++;
          g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_NO_SLOTS, "wait");
          return NULL;
        }
      s->n_served++;
      s->n_file_gets++;
      if (!g_ptr_array_find (s->uploads, connection, NULL))
        g_ptr_array_add (s->uploads, g_object_ref (connection));
      if (s->corrupt_block >= 0 && (gsize) s->corrupt_block * 64 * KiB < g_bytes_get_size (f->content))
        {
          gsize len;
          guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (f->content), &len);
          g_autoptr(GBytes) bad = NULL;

          copy[(gsize) s->corrupt_block * 64 * KiB + 100] ^= 0x5a;
          bad = g_bytes_new_take (copy, len);
          return burrow_peer_source_new_bytes (bad, FALSE);
        }
      return burrow_peer_source_new_bytes (f->content, FALSE);
    }
  g_set_error_literal (error, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
                       "no");
  return NULL;
}

static gboolean
seeder_slot (BurrowPeerConnection *connection,
             gboolean              acquire,
             gpointer              user_data)
{
  Seeder *s = user_data;

  if (acquire && s->slots_full)
    {
      s->n_refused++;
      return FALSE;
    }
  return TRUE;
}

static guint64
seeder_bytes_sent (Seeder *s)
{
  guint64 n = 0;

  for (guint i = 0; i < s->uploads->len; i++)
    n += burrow_peer_connection_get_bytes_sent (g_ptr_array_index (s->uploads, i));
  return n;
}

/* ---- fixture ------------------------------------------------------------------------------ */

typedef struct
{
  BurrowTestHub    *hub;
  gchar            *dir;
  gchar            *target;
  BurrowClient     *leech;
  BurrowHubSession *leech_session;
  GPtrArray        *seeders;
  GPtrArray        *finished;   /* BurrowQueueItem * */
  GPtrArray        *failed;
  GError           *last_failure;   /* of download-failed */
  GPtrArray        *transfers;  /* every BurrowTransfer the leech showed */
} Fixture;

static void
on_finished (BurrowTransferManager *manager,
             BurrowQueueItem       *item,
             Fixture               *f)
{
  g_ptr_array_add (f->finished, g_object_ref (item));
}

static void
on_failed (BurrowTransferManager *manager,
           BurrowQueueItem       *item,
           const GError          *error,
           Fixture               *f)
{
  g_test_message ("download-failed: %s: %s", burrow_queue_item_get_name (item), error->message);
  g_ptr_array_add (f->failed, g_object_ref (item));
  g_clear_error (&f->last_failure);
  f->last_failure = g_error_copy (error);
}

static void
on_transfers_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      Fixture    *f)
{
  for (guint i = position; i < position + added; i++)
    g_ptr_array_add (f->transfers, g_list_model_get_item (model, i));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BurrowTransferManager *manager;

  f->seeders = g_ptr_array_new ();
  f->finished = g_ptr_array_new_with_free_func (g_object_unref);
  f->failed = g_ptr_array_new_with_free_func (g_object_unref);
  f->transfers = g_ptr_array_new_with_free_func (g_object_unref);
  f->hub = burrow_test_hub_start (NULL, &error);
  if (f->hub == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      return;
    }
  f->dir = g_dir_make_tmp ("burrow-transfers-XXXXXX", &error);
  g_assert_no_error (error);
  f->target = g_build_filename (f->dir, "Downloads", NULL);

  f->leech = burrow_test_new_client (f->dir, "leech", TRUE);
  manager = burrow_client_get_transfer_manager (f->leech);
  burrow_transfer_manager_set_retry_delay (manager, 200);
  burrow_transfer_manager_set_auto_search (manager, FALSE);
  g_signal_connect (manager, "download-finished", G_CALLBACK (on_finished), f);
  g_signal_connect (manager, "download-failed", G_CALLBACK (on_failed), f);
  g_signal_connect (burrow_client_get_transfers (f->leech), "items-changed",
                    G_CALLBACK (on_transfers_changed), f);
  f->leech_session = burrow_test_join_hub (f->leech, burrow_test_hub_get_uri (f->hub));
}

static Seeder *
add_seeder_on (Fixture     *f,
               const gchar *nick,
               const gchar *hub_uri)
{
  Seeder *s = g_new0 (Seeder, 1);

  s->client = burrow_test_new_client (f->dir, nick, FALSE);
  s->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) seed_file_free);
  s->corrupt_block = -1;
  s->uploads = g_ptr_array_new_with_free_func (g_object_unref);
  burrow_upload_service_set_source_func (burrow_client_get_upload_service (s->client),
                                         seeder_source, seeder_slot, s);
  s->session = burrow_test_join_hub (s->client, hub_uri);
  g_ptr_array_add (f->seeders, s);
  return s;
}

static Seeder *
add_seeder (Fixture     *f,
            const gchar *nick)
{
  return add_seeder_on (f, nick, burrow_test_hub_get_uri (f->hub));
}

static SeedFile *
seeder_add (Seeder *s,
            GBytes *content)
{
  SeedFile *file = seed_file_new (content);

  g_hash_table_replace (s->files, file->tth, file);
  return file;
}

static void
seeder_free (Seeder *s)
{
  burrow_client_disconnect_all (s->client);
  g_ptr_array_unref (s->uploads);
  g_assert_finalize_object (s->client);
  g_hash_table_unref (s->files);
  g_clear_pointer (&s->tree, burrow_file_tree_unref);
  g_clear_pointer (&s->list, g_bytes_unref);
  g_free (s);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < f->seeders->len; i++)
    seeder_free (g_ptr_array_index (f->seeders, i));
  g_ptr_array_unref (f->seeders);
  g_ptr_array_unref (f->transfers);
  g_ptr_array_unref (f->finished);
  g_ptr_array_unref (f->failed);
  g_clear_error (&f->last_failure);
  if (f->leech != NULL)
    {
      g_signal_handlers_disconnect_by_data (burrow_client_get_transfer_manager (f->leech), f);
      g_signal_handlers_disconnect_by_data (burrow_client_get_transfers (f->leech), f);
      burrow_client_disconnect_all (f->leech);
      /* let closes and idle unrefs run */
      for (guint i = 0; i < 50; i++)
        g_main_context_iteration (NULL, FALSE);
      g_assert_finalize_object (f->leech);
    }
  if (f->dir != NULL)
    {
      const gchar *rm[] = { "rm", "-rf", f->dir, NULL };
      g_spawn_sync (NULL, (gchar **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  g_clear_pointer (&f->hub, burrow_test_hub_free);
  g_free (f->dir);
  g_free (f->target);
}

static const gchar *
cid_of (BurrowClient *client)
{
  return burrow_identity_get_cid (burrow_client_get_identity (client));
}

static BurrowQueueItem *
enqueue (Fixture     *f,
         SeedFile    *file,
         const gchar *name,
         Seeder      *from)
{
  g_autoptr(GError) error = NULL;
  BurrowQueueItem *item = burrow_download_queue_add_file (burrow_client_get_download_queue (f->leech),
                                                          file->tth, g_bytes_get_size (file->content),
                                                          name, f->target, cid_of (from->client),
                                                          burrow_test_hub_get_uri (f->hub),
                                                          burrow_client_get_nick (from->client), &error);
  g_assert_no_error (error);
  return item;
}

static gboolean
item_done (gpointer data)
{
  BurrowQueueItem *item = data;
  return burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_DONE ||
         burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_FAILED ||
         burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_PAUSED;
}

static void
assert_file_equals (const gchar *path,
                    GBytes      *content)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, g_bytes_get_size (content));
  g_assert_true (memcmp (data, g_bytes_get_data (content, NULL), len) == 0);
}

static void
wait_done (BurrowQueueItem *item,
           guint            timeout_ms)
{
  g_assert_true (burrow_test_wait_until (item_done, item, timeout_ms));
  if (burrow_queue_item_get_state (item) != BURROW_QUEUE_STATE_DONE)
    g_test_message ("item %s ended in state %d: %s", burrow_queue_item_get_name (item),
                    burrow_queue_item_get_state (item), burrow_queue_item_get_error_message (item));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_DONE);
}

/* ---- file downloads ----------------------------------------------------------------------- */

static void
test_file (Fixture       *f,
           gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) small = make_content (10 * KiB + 7, 1);
  g_autoptr(GBytes) big = make_content (5 * MiB + 123, 2);
  g_autoptr(BurrowQueueItem) a = NULL;
  g_autoptr(BurrowQueueItem) b = NULL;
  g_autoptr(BurrowQueueItem) again = NULL;
  g_autofree gchar *part = NULL;
  SeedFile *fs, *fb;
  BurrowTransfer *t;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  s = add_seeder (f, "seeder");
  fs = seeder_add (s, small);
  fb = seeder_add (s, big);

  /* small: no tree needed, the root is the check */
  a = enqueue (f, fs, "small.bin", s);
  wait_done (a, 20000);
  assert_file_equals (burrow_queue_item_get_final_path (a), small);
  g_assert_cmpuint (s->n_tthl_gets, ==, 0);
  {
    g_autofree gchar *expected = g_build_filename (f->target, "small.bin", NULL);
    g_assert_cmpstr (burrow_queue_item_get_final_path (a), ==, expected);
  }

  /* multi-MiB: tthl first, 81 blocks verified one by one */
  b = enqueue (f, fb, "big.bin", s);
  part = burrow_queue_item_dup_part_path (b);
  wait_done (b, 30000);
  assert_file_equals (burrow_queue_item_get_final_path (b), big);
  g_assert_cmpuint (s->n_tthl_gets, ==, 1);
  g_assert_cmpuint (burrow_queue_item_get_n_blocks (b), ==, 81);
  g_assert_cmpuint (burrow_queue_item_get_verified_bytes (b), ==, g_bytes_get_size (big));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (f->finished->len, ==, 2);
  g_assert_cmpuint (f->failed->len, ==, 0);

  /* the transfers showed who, how and how much */
  g_assert_cmpuint (f->transfers->len, >=, 2);
  t = g_ptr_array_index (f->transfers, f->transfers->len - 1);
  g_assert_cmpint (burrow_transfer_get_direction (t), ==, BURROW_TRANSFER_DIRECTION_DOWNLOAD);
  g_assert_cmpstr (burrow_transfer_get_nick (t), ==, "seeder");
  g_assert_cmpstr (burrow_transfer_get_cid (t), ==, cid_of (s->client));
  g_assert_cmpstr (burrow_transfer_get_name (t), ==, "big.bin");
  g_assert_cmpuint (burrow_transfer_get_size (t), ==, g_bytes_get_size (big));
  g_assert_cmpuint (burrow_transfer_get_bytes (t), ==, g_bytes_get_size (big));
  g_assert_cmpint (burrow_transfer_get_method (t), ==, BURROW_PUNCH_METHOD_DIRECT);
  g_assert_cmpint (burrow_transfer_get_state (t), ==, BURROW_TRANSFER_STATE_FINISHED);

  /* the same file again: a name conflict never overwrites */
  g_assert_true (g_file_set_contents (burrow_queue_item_get_final_path (b), "mine", 4, NULL));
  again = enqueue (f, fb, "big.bin", s);
  g_assert_true (again != b);
  wait_done (again, 30000);
  {
    g_autofree gchar *expected = g_build_filename (f->target, "big (1).bin", NULL);
    g_autofree gchar *mine = NULL;

    g_assert_cmpstr (burrow_queue_item_get_final_path (again), ==, expected);
    assert_file_equals (expected, big);
    g_assert_true (g_file_get_contents (burrow_queue_item_get_final_path (b), &mine, NULL, NULL));
    g_assert_cmpstr (mine, ==, "mine");
  }
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (burrow_client_get_transfer_manager (f->leech)),
                    ==, 0);
}

/* ---- folder ---------------------------------------------------------------------------------- */

static void
seeder_set_list (Seeder *s)
{
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GError) error = NULL;

  burrow_file_tree_finish (s->tree);
  xml = burrow_file_list_generate (s->tree, cid_of (s->client), NULL, "/", TRUE, &error);
  g_assert_no_error (error);
  s->list = burrow_file_list_compress (xml, &error);
  g_assert_no_error (error);
}

static void
tree_add (Seeder         *s,
          BurrowFileNode *dir,
          const gchar    *name,
          GBytes         *content)
{
  SeedFile *file = seeder_add (s, content);
  guint8 root[BURROW_TTH_SIZE];

  g_assert_true (burrow_tth_from_base32 (file->tth, root, NULL));
  g_assert_nonnull (burrow_file_tree_add_file (s->tree, dir, name, g_bytes_get_size (content), 0,
                                               root));
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) c1 = make_content (3000, 11);
  g_autoptr(GBytes) c2 = make_content (300 * KiB, 12);
  g_autoptr(GBytes) c3 = make_content (70 * KiB, 13);
  g_autoptr(GBytes) c4 = make_content (1, 14);
  g_autoptr(GBytes) c5 = make_content (0, 15);
  g_autoptr(GBytes) c6 = make_content (10, 16);
  g_autoptr(BurrowFileTree) tree = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  BurrowFileNode *share, *album, *disc, *node;
  BurrowUser *user;
  g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
  g_autoptr(BurrowPeerConnection) peer = NULL;
  g_autoptr(GBytes) list = NULL;
  BurrowFileListLimits limits = burrow_file_list_limits_default ();

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  s = add_seeder (f, "seeder");
  s->tree = burrow_file_tree_new ();
  share = burrow_file_tree_add_directory (s->tree, burrow_file_tree_get_root (s->tree), "Share");
  album = burrow_file_tree_add_directory (s->tree, share, "Album. ");
  disc = burrow_file_tree_add_directory (s->tree, album, "CON");
  tree_add (s, album, "cover.jpg", c1);
  tree_add (s, album, "notes ..", c2);
  tree_add (s, disc, "01 Track.flac", c3);
  tree_add (s, disc, "aux.txt", c4);
  tree_add (s, disc, "empty", c5);
  tree_add (s, share, "outside.bin", c6);
  seeder_set_list (s);

  /* the leech fetches the list and resolves the folder in it */
  user = burrow_hub_session_lookup_cid (f->leech_session, cid_of (s->client));
  g_assert_nonnull (user);
  burrow_nat_connector_connect_async (burrow_client_get_connector (f->leech),
                                      f->leech_session, user, NULL,
                                      burrow_test_result_cb, &r);
  peer = burrow_nat_connector_connect_finish (burrow_client_get_connector (f->leech),
                                              burrow_test_result_wait (&r, 20000), NULL, &error);
  g_assert_no_error (error);
  burrow_test_result_clear (&r);
  burrow_peer_connection_get_file_list_async (peer, NULL, burrow_test_result_cb, &r);
  list = burrow_peer_connection_get_file_list_finish (peer, burrow_test_result_wait (&r, 20000),
                                                      &error);
  g_assert_no_error (error);
  tree = burrow_file_list_parse (g_bytes_get_data (list, NULL), g_bytes_get_size (list), TRUE,
                                 &limits, NULL, NULL, &error);
  g_assert_no_error (error);
  node = burrow_file_tree_lookup (tree, "/Share/Album. /");
  g_assert_nonnull (node);

  items = burrow_download_queue_add_folder (burrow_client_get_download_queue (f->leech), node,
                                            f->target,
                                            cid_of (s->client), burrow_test_hub_get_uri (f->hub), "seeder",
                                            &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 5);
  for (guint i = 0; i < items->len; i++)
    wait_done (g_ptr_array_index (items, i), 30000);

  {
    g_autofree gchar *p1 = g_build_filename (f->target, "Album", "cover.jpg", NULL);
    g_autofree gchar *p2 = g_build_filename (f->target, "Album", "notes", NULL);
    g_autofree gchar *p3 = g_build_filename (f->target, "Album", "_CON", "01 Track.flac", NULL);
    g_autofree gchar *p4 = g_build_filename (f->target, "Album", "_CON", "_aux.txt", NULL);
    g_autofree gchar *p5 = g_build_filename (f->target, "Album", "_CON", "empty", NULL);
    g_autofree gchar *outside = g_build_filename (f->target, "outside.bin", NULL);

    assert_file_equals (p1, c1);
    assert_file_equals (p2, c2);
    assert_file_equals (p3, c3);
    assert_file_equals (p4, c4);
    assert_file_equals (p5, c5);
    g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (f->finished->len, ==, 5);
}

/* ---- corrupt block ------------------------------------------------------------------------- */

static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  Seeder *bad, *good;
  g_autoptr(GBytes) content = make_content (2 * MiB + 5000, 21);
  g_autoptr(BurrowQueueItem) item = NULL;
  const BurrowQueueSource *source;
  SeedFile *file;
  g_autoptr(GError) error = NULL;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  bad = add_seeder (f, "liar");
  good = add_seeder (f, "honest");
  bad->corrupt_block = 5;
  file = seeder_add (bad, content);
  seeder_add (good, content);

  /* the liar is the first source: its segment's block 5 fails */
  item = enqueue (f, file, "file.bin", bad);
  g_assert_true (burrow_download_queue_add_source (burrow_client_get_download_queue (f->leech),
                                                   item,
                                                   cid_of (good->client), burrow_test_hub_get_uri (f->hub),
                                                   "honest", &error));
  wait_done (item, 30000);
  assert_file_equals (burrow_queue_item_get_final_path (item), content);

  source = burrow_queue_item_find_source (item, cid_of (bad->client));
  g_assert_true (source->bad);
  source = burrow_queue_item_find_source (item, cid_of (good->client));
  g_assert_false (source->bad);
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (burrow_client_get_transfer_manager (f->leech)),
                    ==, 1);
  g_assert_cmpuint (bad->n_file_gets, ==, 1);
  g_assert_cmpuint (good->n_file_gets, >=, 1);
  /* the liar's good blocks were kept (the whole segment is hashed, so blocks after the bad
   * one count too): the honest one sent the bad block again, and less than the whole file */
  g_assert_cmpuint (seeder_bytes_sent (good), <, g_bytes_get_size (content));
  g_assert_cmpuint (seeder_bytes_sent (good), >=, 64 * KiB);
}

/* ---- a source without tthl: the root is the only check --------------------------------------- */

typedef struct
{
  BurrowTransferManager *manager;
  BurrowQueueItem       *item;
  const gchar           *cid;
} CorruptWait;

static gboolean
corrupt_seen (gpointer data)
{
  CorruptWait *c = data;
  const BurrowQueueSource *source = burrow_queue_item_find_source (c->item, c->cid);

  return burrow_transfer_manager_get_n_corrupt_blocks (c->manager) > 0 && source != NULL &&
         source->bad;
}

static void
test_root_only (Fixture       *f,
                gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) content = make_content (3 * MiB + 77, 31);
  g_autoptr(BurrowQueueItem) good = NULL;
  g_autoptr(BurrowQueueItem) bad = NULL;
  BurrowTransferManager *manager = burrow_client_get_transfer_manager (f->leech);
  SeedFile *file;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  s = add_seeder (f, "treeless");
  s->no_tthl = TRUE;
  file = seeder_add (s, content);

  good = enqueue (f, file, "whole.bin", s);
  wait_done (good, 30000);
  g_assert_cmpint (burrow_queue_item_get_state (good), ==, BURROW_QUEUE_STATE_DONE);
  assert_file_equals (burrow_queue_item_get_final_path (good), content);
  g_assert_cmpuint (burrow_queue_item_get_n_blocks (good), ==, 1);
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (manager), ==, 0);

  /* the same without a tree, but one byte wrong: the whole file fails its root, nothing is
   * moved into place, and the source is marked bad */
  s->corrupt_block = 20;
  bad = enqueue (f, file, "whole-bad.bin", s);
  {
    CorruptWait c = { manager, bad, cid_of (s->client) };

    g_assert_true (burrow_test_wait_until (corrupt_seen, &c, 30000));
  }
  g_assert_cmpint (burrow_queue_item_get_state (bad), !=, BURROW_QUEUE_STATE_DONE);
  g_assert_cmpuint (burrow_transfer_manager_get_n_corrupt_blocks (manager), ==, 1);
  g_assert_true (burrow_queue_item_find_source (bad, cid_of (s->client))->bad);
  {
    g_autofree gchar *path = g_build_filename (f->target, "whole-bad.bin", NULL);

    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

/* ---- alternate sources found by searching the TTH ------------------------------------------ */

static void
test_alternate_source (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) content = make_content (2 * MiB + 3, 41);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *root = NULL;
  g_autofree gchar *path = NULL;
  BurrowClient *sharer;
  BurrowShare *share;
  Seeder *busy;
  SeedFile *file;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  /* a user who really shares the file (its share answers searches), but is not a source yet */
  root = g_build_filename (f->dir, "Alt", NULL);
  path = g_build_filename (root, "alt.bin", NULL);
  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (content, NULL),
                                      (gssize) g_bytes_get_size (content), NULL));
  sharer = burrow_test_new_client (f->dir, "sharer", FALSE);
  share = burrow_client_get_share (sharer);
  g_assert_true (burrow_share_add_root (share, root, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_share (share, 1, 30000));
  burrow_test_join_hub (sharer, burrow_test_hub_get_uri (f->hub));

  /* the only source we were given never has a free slot */
  busy = add_seeder (f, "busy");
  busy->slots_full = TRUE;
  file = seeder_add (busy, content);
  burrow_transfer_manager_set_auto_search (burrow_client_get_transfer_manager (f->leech), TRUE);

  item = enqueue (f, file, "alt.bin", busy);
  wait_done (item, 60000);
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_DONE);
  assert_file_equals (burrow_queue_item_get_final_path (item), content);
  g_assert_nonnull (burrow_queue_item_find_source (item, cid_of (sharer)));
  g_assert_cmpuint (busy->n_refused, >, 0);

  burrow_client_disconnect_all (sharer);
  g_object_unref (sharer);
}

/* ---- two sources at once ------------------------------------------------------------------- */

static void
test_segmented (Fixture       *f,
                gconstpointer  data)
{
  Seeder *s1, *s2;
  g_autoptr(GBytes) content = make_content (64 * MiB + 3, 31);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;
  SeedFile *file;
  guint64 from1 = 0, from2 = 0;
  gint64 started;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  s1 = add_seeder (f, "one");
  s2 = add_seeder (f, "two");
  s1->balance_with = s2;
  s2->balance_with = s1;
  file = seeder_add (s1, content);
  seeder_add (s2, content);

  /* hold the queue until both sources are known */
  burrow_transfer_manager_set_running (burrow_client_get_transfer_manager (f->leech), FALSE);
  item = enqueue (f, file, "big.iso", s1);
  g_assert_true (burrow_download_queue_add_source (burrow_client_get_download_queue (f->leech),
                                                   item,
                                                   cid_of (s2->client), burrow_test_hub_get_uri (f->hub),
                                                   "two", &error));
  burrow_transfer_manager_set_running (burrow_client_get_transfer_manager (f->leech), TRUE);
  started = g_get_monotonic_time ();
  wait_done (item, 60000);
  g_test_message ("64 MiB in %.2f s (uploaders and downloader in this one process, TLS %s)",
                  (g_get_monotonic_time () - started) / 1e6,
                  f->transfers->len > 0 && burrow_transfer_get_tls (g_ptr_array_index (f->transfers, 0))
                  ? "on" : "off");
  assert_file_equals (burrow_queue_item_get_final_path (item), content);

  g_assert_cmpuint (s1->n_file_gets, >, 0);
  g_assert_cmpuint (s2->n_file_gets, >, 0);
  g_assert_cmpuint (seeder_bytes_sent (s1), >, 0);
  g_assert_cmpuint (seeder_bytes_sent (s2), >, 0);
  for (guint i = 0; i < f->transfers->len; i++)
    {
      BurrowTransfer *t = g_ptr_array_index (f->transfers, i);

      if (g_strcmp0 (burrow_transfer_get_cid (t), cid_of (s1->client)) == 0)
        from1 += burrow_transfer_get_bytes (t);
      else if (g_strcmp0 (burrow_transfer_get_cid (t), cid_of (s2->client)) == 0)
        from2 += burrow_transfer_get_bytes (t);
    }
  g_test_message ("from one: %" G_GUINT64_FORMAT ", from two: %" G_GUINT64_FORMAT, from1, from2);
  g_assert_cmpuint (from1, >, 0);
  g_assert_cmpuint (from2, >, 0);
  g_assert_cmpuint (from1 + from2, ==, g_bytes_get_size (content));
}

/* An NMDC source and an ADC source of the same file at once: seeder "one" on uhub, seeder "two"
 * on the NMDC test hub (Verlihub relays 0x10, so client TLS), the leech on both. */
static void
test_segmented_nmdc_adc (Fixture       *f,
                         gconstpointer  data)
{
  BurrowTestNmdcHubOptions opts = { .profile = "verlihub" };
  g_autoptr(BurrowTestNmdcHub) nmdc = NULL;
  g_autoptr(GBytes) content = make_content (32 * MiB + 5, 47);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;
  BurrowHubSession *leech_nmdc;
  BurrowUser *two_user;
  g_autofree gchar *two_id = NULL;
  Seeder *s1, *s2;
  SeedFile *file;
  guint64 from1 = 0, from2 = 0;
  guint n_adc = 0, n_nmdc = 0;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  nmdc = burrow_test_nmdc_hub_start (&opts, &error);
  if (nmdc == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  s1 = add_seeder (f, "one");
  s2 = add_seeder_on (f, "two", burrow_test_nmdc_hub_get_uri (nmdc));
  s1->balance_with = s2;
  s2->balance_with = s1;
  file = seeder_add (s1, content);
  seeder_add (s2, content);

  /* the sources as the leech knows them: a CID on ADC, nmdc:<host>:<port>/<nick> on NMDC */
  g_assert_true (burrow_test_wait_nick_presence (f->leech_session, "one", TRUE, 30000));
  g_assert_cmpstr (burrow_user_get_id (burrow_hub_session_lookup_nick (f->leech_session, "one")), ==,
                   cid_of (s1->client));
  leech_nmdc = burrow_test_join_hub (f->leech, burrow_test_nmdc_hub_get_uri (nmdc));
  g_assert_true (burrow_test_wait_nick_presence (leech_nmdc, "two", TRUE, 30000));
  two_user = burrow_hub_session_lookup_nick (leech_nmdc, "two");
  g_assert_nonnull (two_user);
  two_id = g_strdup (burrow_user_get_id (two_user));
  g_assert_true (g_str_has_prefix (two_id, "nmdc:127.0.0.1:"));
  g_assert_true (g_str_has_suffix (two_id, "/two"));

  burrow_transfer_manager_set_running (burrow_client_get_transfer_manager (f->leech), FALSE);
  item = enqueue (f, file, "mixed.iso", s1);
  g_assert_true (burrow_download_queue_add_source (burrow_client_get_download_queue (f->leech),
                                                   item, two_id,
                                                   burrow_test_nmdc_hub_get_uri (nmdc), "two",
                                                   &error));
  g_assert_no_error (error);
  burrow_transfer_manager_set_running (burrow_client_get_transfer_manager (f->leech), TRUE);
  wait_done (item, 120000);
  assert_file_equals (burrow_queue_item_get_final_path (item), content);

  /* both served, each over its own hub's protocol */
  g_assert_cmpuint (s1->n_file_gets, >, 0);
  g_assert_cmpuint (s2->n_file_gets, >, 0);
  g_assert_cmpuint (seeder_bytes_sent (s1), >, 0);
  g_assert_cmpuint (seeder_bytes_sent (s2), >, 0);
  for (guint i = 0; i < s1->uploads->len; i++)
    g_assert_cmpint (burrow_peer_connection_get_protocol (g_ptr_array_index (s1->uploads, i)), ==,
                     BURROW_PEER_PROTOCOL_ADC);
  for (guint i = 0; i < s2->uploads->len; i++)
    g_assert_cmpint (burrow_peer_connection_get_protocol (g_ptr_array_index (s2->uploads, i)), ==,
                     BURROW_PEER_PROTOCOL_NMDC);

  /* the leech's transfers: bytes from each source add up to the file */
  for (guint i = 0; i < f->transfers->len; i++)
    {
      BurrowTransfer *t = g_ptr_array_index (f->transfers, i);

      if (burrow_transfer_get_direction (t) != BURROW_TRANSFER_DIRECTION_DOWNLOAD)
        continue;
      g_test_message ("transfer from %s: %s, %" G_GUINT64_FORMAT " bytes, TLS %s%s%s",
                      burrow_transfer_get_nick (t),
                      burrow_transfer_state_to_string (burrow_transfer_get_state (t)),
                      burrow_transfer_get_bytes (t), burrow_transfer_get_tls (t) ? "on" : "off",
                      burrow_transfer_get_error (t) ? ", " : "",
                      burrow_transfer_get_error (t) ? burrow_transfer_get_error (t) : "");
      /* the seeders have certificates: every connection that moved data is TLS */
      if (burrow_transfer_get_bytes (t) > 0)
        g_assert_true (burrow_transfer_get_tls (t));
      if (g_strcmp0 (burrow_transfer_get_cid (t), cid_of (s1->client)) == 0)
        {
          g_assert_cmpint (burrow_transfer_get_protocol (t), ==, BURROW_PEER_PROTOCOL_ADC);
          from1 += burrow_transfer_get_bytes (t);
          n_adc++;
        }
      else if (g_strcmp0 (burrow_transfer_get_cid (t), two_id) == 0)
        {
          g_assert_cmpint (burrow_transfer_get_protocol (t), ==, BURROW_PEER_PROTOCOL_NMDC);
          from2 += burrow_transfer_get_bytes (t);
          n_nmdc++;
        }
    }
  g_test_message ("ADC: %u transfers, %" G_GUINT64_FORMAT " bytes; NMDC: %u transfers, %"
                  G_GUINT64_FORMAT " bytes", n_adc, from1, n_nmdc, from2);
  g_assert_cmpuint (n_adc, >, 0);
  g_assert_cmpuint (n_nmdc, >, 0);
  g_assert_cmpuint (from1, >, 0);
  g_assert_cmpuint (from2, >, 0);
  g_assert_cmpuint (from1 + from2, ==, g_bytes_get_size (content));

  /* the seeders go before the NMDC hub does */
  for (guint i = 0; i < f->seeders->len; i++)
    seeder_free (g_ptr_array_index (f->seeders, i));
  g_ptr_array_set_size (f->seeders, 0);
  burrow_client_disconnect_all (f->leech);
}

/* ---- slots full ------------------------------------------------------------------------------ */

static gboolean
item_waits_for_slot (gpointer data)
{
  BurrowQueueItem *item = data;

  return burrow_queue_item_get_state (item) == BURROW_QUEUE_STATE_QUEUED &&
         g_error_matches (burrow_queue_item_get_error (item), BURROW_TRANSFER_ERROR,
                          BURROW_TRANSFER_ERROR_NO_SLOTS);
}

static gboolean
refused_twice (gpointer data)
{
  Seeder *s = data;

  return s->n_refused >= 2;
}

static void
test_slots (Fixture       *f,
            gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) content = make_content (200 * KiB, 41);
  g_autoptr(BurrowQueueItem) item = NULL;
  SeedFile *file;
  guint refused;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  s = add_seeder (f, "busy");
  file = seeder_add (s, content);
  s->slots_full = TRUE;
  item = enqueue (f, file, "wait.bin", s);

  g_assert_true (burrow_test_wait_until (item_waits_for_slot, item, 20000));
  /* asked again, refused again, and waiting again: retried, never failed */
  g_assert_true (burrow_test_wait_until (refused_twice, s, 60000));
  g_assert_true (burrow_test_wait_until (item_waits_for_slot, item, 60000));
  refused = s->n_refused;
  g_assert_cmpuint (refused, >=, 2);
  g_assert_cmpuint (f->failed->len, ==, 0);

  s->slots_full = FALSE;
  wait_done (item, 30000);
  assert_file_equals (burrow_queue_item_get_final_path (item), content);
}

/* ---- a scripted peer that breaks the protocol ---------------------------------------------- */

typedef struct
{
  GSocketConnection *conn;
  GString           *buf;
} RawPeer;

static gboolean
on_raw_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      data)
{
  gboolean *readable = data;

  *readable = TRUE;
  return G_SOURCE_REMOVE;
}

/* The next line from the leech, or NULL at the end of the stream or after @timeout_ms; the main
 * context (the leech's) runs meanwhile. */
static gchar *
raw_read_line (RawPeer *p,
               guint    timeout_ms)
{
  GSocket *socket = g_socket_connection_get_socket (p->conn);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_socket_set_blocking (socket, FALSE);
  for (;;)
    {
      const gchar *nl = memchr (p->buf->str, '\n', p->buf->len);
      gchar chunk[4096];
      gssize n;

      if (nl != NULL)
        {
          gchar *line = g_strndup (p->buf->str, nl - p->buf->str);

          g_string_erase (p->buf, 0, nl - p->buf->str + 1);
          return line;
        }
      n = g_socket_receive (socket, chunk, sizeof chunk, NULL, NULL);
      if (n > 0)
        {
          g_string_append_len (p->buf, chunk, n);
          continue;
        }
      if (n == 0)
        return NULL;

      /* nothing yet: until the socket is readable (or the deadline) */
      {
        g_autoptr(GSource) source = g_socket_create_source (socket,
                                                            G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
        gint64 left_ms = (until - g_get_monotonic_time ()) / 1000;
        gboolean readable = FALSE;

        if (left_ms <= 0)
          return NULL;
        g_source_set_callback (source, G_SOURCE_FUNC (on_raw_readable_cb), &readable, NULL);
        g_source_attach (source, NULL);
        burrow_test_wait_for_flag (&readable, (guint) left_ms);
        g_source_destroy (source);
      }
    }
}

static void
raw_send (RawPeer     *p,
          const void  *data,
          gsize        len)
{
  GSocket *socket = g_socket_connection_get_socket (p->conn);
  const gchar *d = data;

  g_socket_set_blocking (socket, TRUE);
  while (len > 0)
    {
      gssize n = g_socket_send (socket, d, len, NULL, NULL);

      g_assert_cmpint (n, >, 0);
      d += n;
      len -= (gsize) n;
    }
}

static gboolean
raw_closed (RawPeer *p,
            guint    timeout_ms)
{
  g_autofree gchar *line = NULL;

  while ((line = raw_read_line (p, timeout_ms)) != NULL)
    g_clear_pointer (&line, g_free);
  return TRUE;
}

typedef struct
{
  BurrowHubSession *session;
  const gchar      *cid;
} CidWait;

static gboolean
session_has_cid (gpointer data)
{
  CidWait *wait = data;

  return burrow_hub_session_lookup_cid (wait->session, wait->cid) != NULL;
}

/* @mode: 0 = SND with more bytes than asked, 1 = SND for another file, 2 = a zero-length SND
 * for every GET */
static void
test_bad_peer (Fixture       *f,
               gconstpointer  data)
{
  gint mode = GPOINTER_TO_INT (data);
  g_autoptr(BurrowTestAdcClient) evil = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = make_content (20 * KiB, 51);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autofree gchar *ctm = NULL;
  g_autofree gchar *sup = NULL;
  g_autofree gchar *inf = NULL;
  g_autofree gchar *get = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *part = NULL;
  g_auto(GStrv) fields = NULL;
  RawPeer peer = { NULL, g_string_new (NULL) };
  SeedFile *file = seed_file_new (content);
  CidWait wait;
  guint64 port;
  GStatBuf st;

  if (f->hub == NULL)
    {
      seed_file_free (file);
      g_string_free (peer.buf, TRUE);
      g_test_skip ("uhub is not installed");
      return;
    }
  evil = burrow_test_adc_client_connect (burrow_test_hub_get_port (f->hub), "evil", NULL, &error);
  g_assert_no_error (error);
  wait = (CidWait) { f->leech_session, burrow_test_adc_client_get_cid (evil) };
  g_assert_true (burrow_test_wait_until (session_has_cid, &wait, 10000));
  item = burrow_download_queue_add_file (burrow_client_get_download_queue (f->leech), file->tth,
                                         g_bytes_get_size (content), "victim.bin", f->target,
                                         burrow_test_adc_client_get_cid (evil),
                                         burrow_test_hub_get_uri (f->hub), "evil", &error);
  g_assert_no_error (error);
  part = burrow_queue_item_dup_part_path (item);

  /* the (active) leech asks us to connect: DCTM <its sid> <our sid> ADC/1.0 <port> <token> */
  g_assert_true (burrow_test_adc_client_wait_for (evil, "DCTM ", 20000, &ctm, &error));
  g_assert_no_error (error);
  fields = g_strsplit (ctm, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >=, 6);
  g_assert_true (g_ascii_string_to_unsigned (fields[4], 10, 1, 65535, &port, NULL));
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  peer.conn = g_socket_client_connect_to_host (socket_client, "127.0.0.1", (guint16) port, NULL,
                                               &error);
  g_assert_no_error (error);

  raw_send (&peer, "CSUP ADBAS0 ADBASE ADTIGR\n", 26);
  sup = raw_read_line (&peer, 10000);
  g_assert_nonnull (sup);
  g_assert_true (g_str_has_prefix (sup, "CSUP "));
  line = g_strdup_printf ("CINF ID%s TO%s\n", burrow_test_adc_client_get_cid (evil), fields[5]);
  raw_send (&peer, line, strlen (line));
  inf = raw_read_line (&peer, 10000);
  g_assert_nonnull (inf);
  g_assert_true (g_str_has_prefix (inf, "CINF "));
  get = raw_read_line (&peer, 10000);
  g_assert_nonnull (get);
  g_test_message ("leech asked: %s", get);
  g_assert_true (g_str_has_prefix (get, "CGET file TTH/"));

  g_clear_pointer (&line, g_free);
  if (mode == 2)
    {
      /* every GET gets a zero-length SND: the leech must not ask again and again */
      guint n_gets = 0;
      gchar *request = g_steal_pointer (&get);

      while (request != NULL && n_gets < 100)
        {
          g_auto(GStrv) words = g_strsplit (request, " ", -1);

          if (g_str_equal (words[0], "CGET") && g_strv_length (words) >= 5)
            {
              g_autofree gchar *snd = g_strdup_printf ("CSND %s %s %s 0\n", words[1], words[2],
                                                       words[3]);

              n_gets++;
              raw_send (&peer, snd, strlen (snd));
            }
          g_free (request);
          request = raw_read_line (&peer, 3000);
        }
      g_free (request);
      g_test_message ("GETs answered with nothing: %u", n_gets);
      g_assert_cmpuint (n_gets, ==, 1);
    }
  else
    {
      if (mode == 0)
        line = g_strdup_printf ("CSND file TTH/%s 0 %" G_GSIZE_FORMAT "\n", file->tth,
                                g_bytes_get_size (content) + 100);
      else
        line = g_strdup_printf ("CSND file TTH/LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ 0 %" G_GSIZE_FORMAT "\n",
                                g_bytes_get_size (content));
      raw_send (&peer, line, strlen (line));
      raw_send (&peer, g_bytes_get_data (content, NULL), g_bytes_get_size (content));
      raw_send (&peer, "0123456789", 10);
    }

  /* the leech hangs up and writes nothing */
  g_assert_true (raw_closed (&peer, 10000));
  g_assert_true (burrow_test_wait_until (item_done, item, 10000));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_FAILED);
  g_assert_true (burrow_queue_item_find_source (item, burrow_test_adc_client_get_cid (evil))->bad);
  g_assert_cmpuint (burrow_queue_item_get_verified_bytes (item), ==, 0);
  if (g_stat (part, &st) == 0)
    g_assert_cmpint (st.st_size, ==, 0);
  g_assert_cmpuint (f->finished->len, ==, 0);

  g_object_unref (peer.conn);
  g_string_free (peer.buf, TRUE);
  seed_file_free (file);
}

/* ---- disk full ------------------------------------------------------------------------------ */

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) content = make_content (3 * MiB, 61);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *mnt = NULL;
  g_autofree gchar *err_text = NULL;
  g_autofree gchar *part = NULL;
  const gchar *mount_argv[] = { "mount", "-t", "tmpfs", "-o", "size=1m", "none", NULL, NULL };
  gint status = -1;
  SeedFile *file;
  GStatBuf st;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  mnt = g_build_filename (f->dir, "tiny", NULL);
  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  mount_argv[6] = mnt;
  if (!g_spawn_sync (NULL, (gchar **) mount_argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err_text, &status, NULL) || status != 0)
    {
      g_autofree gchar *msg = g_strdup_printf ("cannot mount a tmpfs (needs root): %s",
                                               err_text ? err_text : "");
      g_test_skip (msg);
      return;
    }

  s = add_seeder (f, "seeder");
  file = seeder_add (s, content);
  item = burrow_download_queue_add_file (burrow_client_get_download_queue (f->leech), file->tth,
                                         g_bytes_get_size (content), "huge.bin", mnt, cid_of (s->client),
                                         burrow_test_hub_get_uri (f->hub), "seeder", &error);
  g_assert_no_error (error);
  part = burrow_queue_item_dup_part_path (item);
  g_assert_true (burrow_test_wait_until (item_done, item, 30000));
  g_test_message ("state %d: %s", burrow_queue_item_get_state (item),
                  burrow_queue_item_get_error_message (item));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_PAUSED);
  g_assert_error ((GError *) burrow_queue_item_get_error (item), BURROW_TRANSFER_ERROR,
                  BURROW_TRANSFER_ERROR_DISK_FULL);
  g_assert_cmpuint (f->failed->len, ==, 1);
  /* the data that fitted is still there, and what was verified stays verified */
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
  g_assert_cmpuint (burrow_queue_item_get_verified_bytes (item), >, 0);
  g_assert_false (burrow_queue_item_find_source (item, cid_of (s->client))->bad);

  {
    const gchar *umount_argv[] = { "umount", mnt, NULL };
    g_spawn_sync (NULL, (gchar **) umount_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  NULL, NULL);
  }
}


/* ---- a symbolic link planted at the part file's name ------------------------------------- */

static void
test_part_symlink (Fixture       *f,
                   gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) content = make_content (20 * KiB, 71);
  g_autoptr(BurrowQueueItem) item = NULL;
  g_autoptr(BurrowQueueItem) empty = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *victim = NULL;
  g_autofree gchar *part = NULL;
  g_autofree gchar *parent = NULL;
  g_autofree gchar *empty_part = NULL;
  g_autofree gchar *got = NULL;
  SeedFile *file;
  GStatBuf st;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  victim = g_build_filename (f->dir, "victim.txt", NULL);
  g_assert_true (g_file_set_contents (victim, "precious", -1, NULL));
  s = add_seeder (f, "seeder");
  file = seeder_add (s, content);

  /* the link is there before the download opens its part file (the next main loop turn) */
  item = enqueue (f, file, "linked.bin", s);
  part = burrow_queue_item_dup_part_path (item);
  parent = g_path_get_dirname (part);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_cmpint (symlink (victim, part), ==, 0);

  g_assert_true (burrow_test_wait_until (item_done, item, 20000));
  g_assert_cmpint (burrow_queue_item_get_state (item), ==, BURROW_QUEUE_STATE_PAUSED);
  g_assert_cmpuint (f->failed->len, ==, 1);
  g_assert_error (f->last_failure, BURROW_TRANSFER_ERROR, BURROW_TRANSFER_ERROR_UNWRITABLE);
  /* not followed: the target is as it was, the link still a link */
  g_assert_true (g_file_get_contents (victim, &got, NULL, NULL));
  g_assert_cmpstr (got, ==, "precious");
  g_assert_cmpint (g_lstat (part, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));

  /* a zero-byte item's part file likewise (it has no data, but it would truncate nothing and
   * move the link into place) */
  empty = burrow_download_queue_add_file (burrow_client_get_download_queue (f->leech),
                                          "LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ", 0, "empty.bin",
                                          f->target, cid_of (s->client),
                                          burrow_test_hub_get_uri (f->hub),
                                          burrow_client_get_nick (s->client), &error);
  g_assert_no_error (error);
  empty_part = burrow_queue_item_dup_part_path (empty);
  g_assert_cmpint (symlink (victim, empty_part), ==, 0);
  g_assert_true (burrow_test_wait_until (item_done, empty, 20000));
  g_assert_cmpint (burrow_queue_item_get_state (empty), ==, BURROW_QUEUE_STATE_PAUSED);
  g_assert_cmpint (g_lstat (empty_part, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  {
    g_autofree gchar *final = g_build_filename (f->target, "empty.bin", NULL);

    g_assert_false (g_file_test (final, G_FILE_TEST_EXISTS));
  }
}

/* ---- kill -9 of the downloader (burrow-cli get) mid-file, then resume --------------------- */

typedef struct
{
  GSubprocess  *process;
  GInputStream *out;
  GString      *buf;
  gint64        verified;      /* last download-progress "verified" */
  gboolean      finished;
  gboolean      exited;
  gchar        *final_path;
  GSource      *out_source;    /* reads the output as it comes */
} Child;

static void
on_child_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Child *c = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  c->exited = TRUE;
}

static gint64
json_int (const gchar *line,
          const gchar *key)
{
  g_autofree gchar *needle = g_strdup_printf ("\"%s\":", key);
  const gchar *p = strstr (line, needle);

  return p ? g_ascii_strtoll (p + strlen (needle), NULL, 10) : -1;
}

static gchar *
json_str (const gchar *line,
          const gchar *key)
{
  g_autofree gchar *needle = g_strdup_printf ("\"%s\":\"", key);
  const gchar *p = strstr (line, needle);
  const gchar *end;

  if (p == NULL)
    return NULL;
  p += strlen (needle);
  end = strchr (p, '"');
  return end ? g_strndup (p, end - p) : NULL;
}

/* Reads what the child printed so far, without blocking; FALSE at the end of its output. */
static gboolean
child_poll (Child *c)
{
  gchar chunk[8192];
  gssize n;
  gchar *nl;

  while ((n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (c->out), chunk,
                                                        sizeof chunk, NULL, NULL)) > 0)
    g_string_append_len (c->buf, chunk, n);
  while ((nl = strchr (c->buf->str, '\n')) != NULL)
    {
      g_autofree gchar *line = g_strndup (c->buf->str, nl - c->buf->str);

      g_string_erase (c->buf, 0, nl - c->buf->str + 1);
      if (strstr (line, "\"event\":\"transfer\"") == NULL)
        g_test_message ("child: %s", line);
      if (strstr (line, "\"event\":\"download-progress\"") != NULL)
        c->verified = json_int (line, "verified");
      else if (strstr (line, "\"event\":\"download-finished\"") != NULL)
        {
          c->finished = TRUE;
          g_free (c->final_path);
          c->final_path = json_str (line, "path");
        }
    }
  return n != 0;
}

static gboolean
on_child_output_cb (GObject  *stream,
                    gpointer  data)
{
  return child_poll (data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
child_exited (gpointer data)
{
  return ((Child *) data)->exited;
}

static gboolean
child_finished_or_exited (gpointer data)
{
  Child *c = data;

  return c->finished || c->exited;
}

static void
child_start (Child       *c,
             Fixture     *f,
             const gchar *hub_uri,
             const gchar *nick,
             const gchar *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *data_dir = g_build_filename (f->dir, "child", NULL);
  const gchar *cli = g_getenv ("BURROW_CLI");

  c->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "--data-dir",
                                 data_dir,
                                 "--nick", "child", "--mode", "active", "--json", "get",
                                 hub_uri, nick, what, "--out", f->target, NULL);
  g_assert_no_error (error);
  c->out = g_subprocess_get_stdout_pipe (c->process);
  c->buf = g_string_new (NULL);
  c->verified = 0;
  c->finished = FALSE;
  c->exited = FALSE;
  g_subprocess_wait_async (c->process, NULL, on_child_exited, c);
  c->out_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (c->out), NULL);
  g_source_set_callback (c->out_source, G_SOURCE_FUNC (on_child_output_cb), c, NULL);
  g_source_attach (c->out_source, NULL);
}

static void
child_clear (Child *c)
{
  if (c->out_source != NULL)
    {
      g_source_destroy (c->out_source);
      g_clear_pointer (&c->out_source, g_source_unref);
    }
  g_clear_object (&c->process);
  if (c->buf != NULL)
    g_string_free (g_steal_pointer (&c->buf), TRUE);
  c->out = NULL;
}

static void
test_kill_resume (Fixture       *f,
                  gconstpointer  data)
{
  gboolean on_nmdc = GPOINTER_TO_INT (data);
  BurrowTestNmdcHubOptions opts = { .profile = "verlihub" };
  g_autoptr(BurrowTestNmdcHub) nmdc = NULL;
  const gchar *uri;
  Seeder *s;
  g_autoptr(GBytes) content = make_content (64 * MiB + 1000, 71);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *magnet = NULL;
  Child c = { 0, };
  SeedFile *file;
  gint64 until;
  gint64 verified_at_kill;
  guint64 first_run_bytes, second_run_bytes;

  if (f->hub == NULL)
    {
      g_test_skip ("uhub is not installed");
      return;
    }
  if (g_getenv ("BURROW_CLI") == NULL)
    {
      g_test_skip ("BURROW_CLI is not set");
      return;
    }
  /* on NMDC: the same through the NMDC test hub ($ConnectToMe, $ADCGET, NMDCS) */
  if (on_nmdc)
    {
      nmdc = burrow_test_nmdc_hub_start (&opts, &error);
      if (nmdc == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_test_skip (error->message);
          return;
        }
      g_assert_no_error (error);
      uri = burrow_test_nmdc_hub_get_uri (nmdc);
      s = add_seeder_on (f, "slow", uri);
    }
  else
    {
      uri = burrow_test_hub_get_uri (f->hub);
      s = add_seeder (f, "slow");
    }
  file = seeder_add (s, content);
  magnet = burrow_magnet_build (file->tth, g_bytes_get_size (content), "resumed.bin");

  /* run 1: serve slowly (the test's main loop is the uploader's: iterate it sparingly). The sleep
   * is the upload's rate limit, not a wait for an event: the loop ends on the child's progress
   * line, or at the deadline. */
  child_start (&c, f, uri, "slow", magnet);
  until = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (c.verified <= 0 && !c.finished && g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (50 * 1000);
      child_poll (&c);
    }
  g_assert_false (c.finished);
  g_assert_cmpint (c.verified, >, 0);
  g_assert_cmpint (c.verified, <, (gint64) g_bytes_get_size (content));
  /* the uploader stops here: the downloader waits mid-file, some blocks verified */
  verified_at_kill = c.verified;
  g_subprocess_send_signal (c.process, SIGKILL);
  g_assert_true (burrow_test_wait_until (child_exited, &c, 30000));
  g_assert_true (g_subprocess_get_if_signaled (c.process));
  g_assert_cmpint (g_subprocess_get_term_sig (c.process), ==, SIGKILL);
  child_clear (&c);
  first_run_bytes = seeder_bytes_sent (s);
  g_test_message ("killed with %" G_GINT64_FORMAT " bytes verified; %" G_GUINT64_FORMAT " sent",
                  verified_at_kill, first_run_bytes);
  g_assert_cmpuint (s->n_tthl_gets, ==, 1);

  /* run 2: full speed; the verified part is kept, the tree too */
  child_start (&c, f, uri, "slow", magnet);
  burrow_test_wait_until (child_finished_or_exited, &c, 90000);
  burrow_test_wait_until (child_exited, &c, 30000);
  child_poll (&c);
  if (g_subprocess_get_if_signaled (c.process))
    g_test_message ("the downloader died of signal %d", g_subprocess_get_term_sig (c.process));
  g_assert_true (c.finished);
  g_assert_true (g_subprocess_wait (c.process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (c.process));
  g_assert_cmpint (g_subprocess_get_exit_status (c.process), ==, 0);
  second_run_bytes = seeder_bytes_sent (s) - first_run_bytes;
  g_test_message ("second run: %" G_GUINT64_FORMAT " bytes sent", second_run_bytes);
  g_assert_cmpuint (s->n_tthl_gets, ==, 1);                 /* leaves came from the database */
  /* every upload connection was the protocol of the hub */
  g_assert_cmpuint (s->uploads->len, >, 0);
  for (guint i = 0; i < s->uploads->len; i++)
    g_assert_cmpint (burrow_peer_connection_get_protocol (g_ptr_array_index (s->uploads, i)), ==,
                     on_nmdc ? BURROW_PEER_PROTOCOL_NMDC : BURROW_PEER_PROTOCOL_ADC);
  g_assert_cmpuint (second_run_bytes, <=, g_bytes_get_size (content) - (guint64) verified_at_kill);
  g_assert_cmpuint (second_run_bytes, >, 0);
  {
    g_autofree gchar *expected = g_build_filename (f->target, "resumed.bin", NULL);

    g_assert_cmpstr (c.final_path, ==, expected);
    assert_file_equals (expected, content);
  }
  g_free (c.final_path);
  child_clear (&c);
}

/* `burrow-cli get URL NICK /folder/`: the list is fetched, the folder resolved and queued */
static void
test_cli_get_folder (Fixture       *f,
                     gconstpointer  data)
{
  Seeder *s;
  g_autoptr(GBytes) c1 = make_content (100 * KiB, 81);
  g_autoptr(GBytes) c2 = make_content (5, 82);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *queue_out = NULL;
  g_autofree gchar *data_dir = NULL;
  BurrowFileNode *dir, *sub;
  Child c = { 0, };

  if (f->hub == NULL || g_getenv ("BURROW_CLI") == NULL)
    {
      g_test_skip ("uhub or BURROW_CLI missing");
      return;
    }
  s = add_seeder (f, "lister");
  s->tree = burrow_file_tree_new ();
  dir = burrow_file_tree_add_directory (s->tree, burrow_file_tree_get_root (s->tree), "Pics");
  sub = burrow_file_tree_add_directory (s->tree, dir, "2026");
  tree_add (s, dir, "a.png", c1);
  tree_add (s, sub, "b.txt", c2);
  seeder_set_list (s);

  child_start (&c, f, burrow_test_hub_get_uri (f->hub), "lister", "/Pics/");
  g_assert_true (burrow_test_wait_until (child_exited, &c, 60000));
  child_poll (&c);
  g_assert_true (g_subprocess_get_if_exited (c.process));
  g_assert_cmpint (g_subprocess_get_exit_status (c.process), ==, 0);
  g_assert_true (c.finished);
  {
    g_autofree gchar *p1 = g_build_filename (f->target, "Pics", "a.png", NULL);
    g_autofree gchar *p2 = g_build_filename (f->target, "Pics", "2026", "b.txt", NULL);

    assert_file_equals (p1, c1);
    assert_file_equals (p2, c2);
  }
  g_free (c.final_path);
  child_clear (&c);

  /* `queue` shows both, done */
  data_dir = g_build_filename (f->dir, "child", NULL);
  {
    const gchar *argv[] = { g_getenv ("BURROW_CLI"), "--data-dir", data_dir, "--json", "queue", NULL };

    queue_out = burrow_test_run_capture (argv, &error);
  }
  g_assert_no_error (error);
  g_test_message ("%s", queue_out);
  g_assert_nonnull (strstr (queue_out, "\"name\":\"a.png\""));
  g_assert_nonnull (strstr (queue_out, "\"name\":\"b.txt\""));
  g_assert_null (strstr (queue_out, "\"state\":\"queued\""));
  g_assert_nonnull (strstr (queue_out, "\"state\":\"done\""));

  /* a path the user does not have: exit 1 */
  child_start (&c, f, burrow_test_hub_get_uri (f->hub), "lister", "/Nope/x.bin");
  g_assert_true (burrow_test_wait_until (child_exited, &c, 60000));
  g_assert_cmpint (g_subprocess_get_exit_status (c.process), ==, 1);
  child_clear (&c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/burrow/transfer/transfers/file", Fixture, NULL, fixture_set_up, test_file,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/folder", Fixture, NULL, fixture_set_up, test_folder,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/corrupt-block", Fixture, NULL, fixture_set_up, test_corrupt,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/root-only", Fixture, NULL, fixture_set_up, test_root_only,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/alternate-source", Fixture, NULL, fixture_set_up,
              test_alternate_source, fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/segmented", Fixture, NULL, fixture_set_up, test_segmented,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/segmented-nmdc-adc", Fixture, NULL, fixture_set_up,
              test_segmented_nmdc_adc, fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/slots-full", Fixture, NULL, fixture_set_up, test_slots,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/bad-peer/too-many-bytes", Fixture, GINT_TO_POINTER (0),
              fixture_set_up, test_bad_peer, fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/bad-peer/wrong-snd", Fixture, GINT_TO_POINTER (1),
              fixture_set_up, test_bad_peer, fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/bad-peer/empty-snd", Fixture, GINT_TO_POINTER (2),
              fixture_set_up, test_bad_peer, fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/part-symlink", Fixture, NULL, fixture_set_up, test_part_symlink,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/disk-full", Fixture, NULL, fixture_set_up, test_disk_full,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/cli-get-folder", Fixture, NULL, fixture_set_up,
              test_cli_get_folder,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/kill-resume", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up, test_kill_resume,
              fixture_tear_down);
  g_test_add ("/burrow/transfer/transfers/kill-resume-nmdc", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_kill_resume, fixture_tear_down);

  return g_test_run ();
}
