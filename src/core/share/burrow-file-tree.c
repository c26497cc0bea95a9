/* burrow-file-tree.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-file-tree"

#include "config.h"

#include <stddef.h>
#include <string.h>

#include "burrow-file-tree-private.h"

#include "burrow-file-tree.h"

/* Memory layout, chosen for lists of millions of entries:
 *  - nodes live in blocks of NODES_PER_BLOCK, never moved, freed with the tree;
 *  - names live in one GStringChunk;
 *  - only directories own a GPtrArray of children.
 * A node is created after its parent, always: finish() computes directory
 * sizes in a single backwards pass over the blocks, without recursion.
 *
 * Duplicate detection while building: a directory with at most
 * BIG_DIR_THRESHOLD children is scanned linearly; a larger one gets a
 * case-folded hash set of its children (dropped by finish()). After finish()
 * the children are sorted and lookups use binary search. */

#define NODES_PER_BLOCK    4096
#define BIG_DIR_THRESHOLD  24
#define MAX_NAME_BYTES     255

struct _BurrowFileTree
{
  BurrowFileNode  root;       /* must stay first: the root node's address is the tree's */
  gint            ref_count;  /* atomic */
  gboolean        finished;
  guint           n_files;
  guint           n_dirs;     /* not counting the root */
  GStringChunk   *names;
  GPtrArray      *blocks;     /* BurrowFileNode[NODES_PER_BLOCK] each */
  guint           block_used; /* nodes used in the last block */
  GHashTable     *big_dirs;   /* owned, building only: directory node → set of its children */
};

G_STATIC_ASSERT (offsetof (BurrowFileTree, root) == 0);

G_DEFINE_BOXED_TYPE (BurrowFileTree, burrow_file_tree, burrow_file_tree_ref, burrow_file_tree_unref)

/* Case folding ------------------------------------------------------------ */

static inline gunichar
fold_next (const gchar **p)
{
  guchar c = (guchar) **p;
  gunichar u;

  if (c < 0x80)
    {
      (*p)++;
      return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
    }
  u = g_utf8_get_char (*p);
  *p = g_utf8_next_char (*p);
  return g_unichar_tolower (u);
}

gint
_burrow_file_name_compare (const gchar *a,
                           const gchar *b)
{
  for (;;)
    {
      guchar ca = (guchar) *a;
      guchar cb = (guchar) *b;

      if (ca < 0x80 && cb < 0x80)
        {
          if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
          if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
          if (ca != cb)
            return (gint) ca - (gint) cb;
          if (ca == 0)
            return 0;
          a++;
          b++;
        }
      else
        {
          gunichar ua = fold_next (&a);
          gunichar ub = fold_next (&b);

          if (ua != ub)
            return ua < ub ? -1 : 1;
        }
    }
}

/* Duplicate detection hashes names a peer chose, so an unkeyed hash would let
 * a list make every name of a big directory collide and turn building into
 * quadratic work. fold_hash() is SipHash-1-3 (Aumasson and Bernstein) of the
 * case-folded name, keyed with 128 random bits drawn once per process. */

static guint64 fold_hash_key[2];

static gpointer
fold_hash_key_init (gpointer data)
{
  for (guint i = 0; i < 2; i++)
    fold_hash_key[i] = ((guint64) g_random_int () << 32) | g_random_int ();
  return NULL;
}

typedef struct
{
  guint64 v0, v1, v2, v3;
  guint64 word;   /* bytes not yet compressed, little-endian */
  guint64 n;      /* bytes so far */
} SipState;

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round (SipState *s)
{
  s->v0 += s->v1;
  s->v1 = SIP_ROTL (s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = SIP_ROTL (s->v0, 32);
  s->v2 += s->v3;
  s->v3 = SIP_ROTL (s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = SIP_ROTL (s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = SIP_ROTL (s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = SIP_ROTL (s->v2, 32);
}

static inline void
sip_compress (SipState *s,
              guint64   m)
{
  s->v3 ^= m;
  sip_round (s);
  s->v0 ^= m;
}

static inline void
sip_byte (SipState *s,
          guchar    b)
{
  s->word |= (guint64) b << (8 * (s->n & 7));
  if ((++s->n & 7) == 0)
    {
      sip_compress (s, s->word);
      s->word = 0;
    }
}

static guint
fold_hash (gconstpointer key)
{
  static GOnce once = G_ONCE_INIT;
  const BurrowFileNode *node = key;
  const gchar *p = node->name;
  SipState s;
  guint64 h;

  g_once (&once, fold_hash_key_init, NULL);
  s.v0 = fold_hash_key[0] ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  s.v1 = fold_hash_key[1] ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  s.v2 = fold_hash_key[0] ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  s.v3 = fold_hash_key[1] ^ G_GUINT64_CONSTANT (0x7465646279746573);
  s.word = 0;
  s.n = 0;

  /* the bytes hashed are the UTF-8 of the folded code points, so that names
   * equal under fold_equal() hash alike */
  while (*p != '\0')
    {
      guchar c = (guchar) *p;

      if (c < 0x80)
        {
          sip_byte (&s, (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
          p++;
        }
      else
        {
          gchar buf[6];
          gint len = g_unichar_to_utf8 (fold_next (&p), buf);

          for (gint i = 0; i < len; i++)
            sip_byte (&s, (guchar) buf[i]);
        }
    }

  sip_compress (&s, s.word | (s.n << 56));
  s.v2 ^= 0xff;
  sip_round (&s);
  sip_round (&s);
  sip_round (&s);
  h = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  return (guint) (h ^ (h >> 32));
}

static gboolean
fold_equal (gconstpointer a,
            gconstpointer b)
{
  const BurrowFileNode *na = a;
  const BurrowFileNode *nb = b;

  return _burrow_file_name_compare (na->name, nb->name) == 0;
}

/* Names ------------------------------------------------------------------- */

/**
 * burrow_file_name_is_valid:
 * @name: a candidate name
 * @len: its length in bytes, or -1 if NUL-terminated
 *
 * Whether @name may be a file or directory name in a tree or a file list:
 * valid UTF-8, 1 to 255 bytes, no NUL, '/', '\\', C0/C1 control characters or
 * DEL, and neither "." nor "..".
 *
 * Returns: %TRUE if acceptable
 */
gboolean
burrow_file_name_is_valid (const gchar *name,
                           gssize       len)
{
  const guchar *p;
  const guchar *end;
  gsize n;

  if (name == NULL)
    return FALSE;
  n = len < 0 ? strlen (name) : (gsize) len;
  if (n == 0 || n > MAX_NAME_BYTES)
    return FALSE;
  if (name[0] == '.' && (n == 1 || (n == 2 && name[1] == '.')))
    return FALSE;

  p = (const guchar *) name;
  end = p + n;
  while (p < end)
    {
      guchar c = *p;

      if (c < 0x80)
        {
          if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return FALSE;
          p++;
          continue;
        }
      /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */
      if (c == 0xc2 && p + 1 < end && p[1] < 0xa0)
        return FALSE;
      break;
    }
  if (p == end)
    return TRUE;
  /* Slow path for the non-ASCII remainder. */
  if (!g_utf8_validate ((const gchar *) p, end - p, NULL))
    return FALSE;
  for (; p < end; p++)
    {
      if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
        return FALSE;
      if (*p == 0xc2 && p + 1 < end && p[1] < 0xa0)
        return FALSE;
    }
  return TRUE;
}

/* Tree -------------------------------------------------------------------- */

/**
 * burrow_file_tree_new:
 *
 * Creates an empty tree whose root is a directory named "".
 *
 * Returns: (transfer full): a new tree
 */
BurrowFileTree *
burrow_file_tree_new (void)
{
  BurrowFileTree *tree = g_new0 (BurrowFileTree, 1);

  tree->ref_count = 1;
  tree->root.name = "";
  tree->root.is_dir = TRUE;
  tree->root.children = g_ptr_array_new ();
  tree->names = g_string_chunk_new (256 * 1024);
  tree->blocks = g_ptr_array_new ();
  tree->block_used = NODES_PER_BLOCK;
  return tree;
}

/**
 * burrow_file_tree_ref:
 *
 * Returns: (transfer full): @tree
 */
BurrowFileTree *
burrow_file_tree_ref (BurrowFileTree *tree)
{
  g_return_val_if_fail (tree != NULL, NULL);

  g_atomic_int_inc (&tree->ref_count);
  return tree;
}

static void
free_block (BurrowFileNode *block,
            guint           used)
{
  for (guint i = 0; i < used; i++)
    if (block[i].children != NULL)
      g_ptr_array_unref (block[i].children);
  g_free (block);
}

/**
 * burrow_file_tree_unref:
 *
 * Drops a reference; the last one frees every node and name.
 */
void
burrow_file_tree_unref (BurrowFileTree *tree)
{
  g_return_if_fail (tree != NULL);

  if (!g_atomic_int_dec_and_test (&tree->ref_count))
    return;

  for (guint i = 0; i < tree->blocks->len; i++)
    {
      gboolean last = i + 1 == tree->blocks->len;

      free_block (tree->blocks->pdata[i], last ? tree->block_used : NODES_PER_BLOCK);
    }
  g_ptr_array_unref (tree->blocks);
  g_ptr_array_unref (tree->root.children);
  g_clear_pointer (&tree->big_dirs, g_hash_table_unref);
  g_string_chunk_free (tree->names);
  g_free (tree);
}

/**
 * burrow_file_tree_get_root:
 *
 * Returns: (transfer none): the root directory (name "")
 */
BurrowFileNode *
burrow_file_tree_get_root (BurrowFileTree *tree)
{
  g_return_val_if_fail (tree != NULL, NULL);

  return &tree->root;
}

/**
 * burrow_file_tree_is_finished:
 *
 * Returns: whether burrow_file_tree_finish() ran (the tree is then immutable)
 */
gboolean
burrow_file_tree_is_finished (BurrowFileTree *tree)
{
  g_return_val_if_fail (tree != NULL, FALSE);

  return tree->finished;
}

static BurrowFileTree *
tree_of_node (const BurrowFileNode *node)
{
  while (node->parent != NULL)
    node = node->parent;
  return (BurrowFileTree *) node;
}

static BurrowFileNode *
alloc_node (BurrowFileTree *tree)
{
  BurrowFileNode *block;

  if (tree->block_used == NODES_PER_BLOCK)
    {
      g_ptr_array_add (tree->blocks, g_new0 (BurrowFileNode, NODES_PER_BLOCK));
      tree->block_used = 0;
    }
  block = tree->blocks->pdata[tree->blocks->len - 1];
  return &block[tree->block_used++];
}

static GHashTable *
big_dir_set (BurrowFileTree *tree,
             BurrowFileNode *dir)
{
  GHashTable *set;

  if (tree->big_dirs == NULL)
    tree->big_dirs = g_hash_table_new_full (NULL, NULL, NULL,
                                            (GDestroyNotify) g_hash_table_unref);
  set = g_hash_table_lookup (tree->big_dirs, dir);
  if (set == NULL)
    {
      set = g_hash_table_new (fold_hash, fold_equal);
      for (guint i = 0; i < dir->children->len; i++)
        g_hash_table_add (set, dir->children->pdata[i]);
      g_hash_table_insert (tree->big_dirs, dir, set);
    }
  return set;
}

static BurrowFileNode *
find_child_building (BurrowFileTree *tree,
                     BurrowFileNode *dir,
                     const gchar    *name)
{
  GPtrArray *children = dir->children;

  if (children->len <= BIG_DIR_THRESHOLD)
    {
      for (guint i = 0; i < children->len; i++)
        {
          BurrowFileNode *child = children->pdata[i];

          if (_burrow_file_name_compare (child->name, name) == 0)
            return child;
        }
      return NULL;
    }
  else
    {
      BurrowFileNode key = { .name = name };

      return g_hash_table_lookup (big_dir_set (tree, dir), &key);
    }
}

BurrowFileNode *
_burrow_file_tree_insert (BurrowFileTree  *tree,
                          BurrowFileNode  *parent,
                          const gchar     *name,
                          gsize            len,
                          gboolean         is_dir,
                          BurrowFileNode **out_existing)
{
  BurrowFileNode *existing;
  BurrowFileNode *node;

  g_assert (!tree->finished);
  g_assert (parent->is_dir);

  existing = find_child_building (tree, parent, name);
  if (existing != NULL)
    {
      if (out_existing != NULL)
        *out_existing = existing;
      return NULL;
    }

  node = alloc_node (tree);
  node->parent = parent;
  node->name = g_string_chunk_insert_len (tree->names, name, len);
  if (is_dir)
    {
      node->is_dir = TRUE;
      node->children = g_ptr_array_new ();
      tree->n_dirs++;
    }
  else
    tree->n_files++;

  g_ptr_array_add (parent->children, node);
  if (parent->children->len > BIG_DIR_THRESHOLD)
    g_hash_table_add (big_dir_set (tree, parent), node);

  if (out_existing != NULL)
    *out_existing = NULL;
  return node;
}

/**
 * burrow_file_tree_add_directory:
 * @tree: a tree that is not finished
 * @parent: a directory of @tree
 * @name: a valid name (see burrow_file_name_is_valid()); copied
 *
 * Returns: (transfer none) (nullable): the new directory, or %NULL if @parent
 *   already has a child named @name (case-insensitively)
 */
BurrowFileNode *
burrow_file_tree_add_directory (BurrowFileTree *tree,
                                BurrowFileNode *parent,
                                const gchar    *name)
{
  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (!tree->finished, NULL);
  g_return_val_if_fail (parent != NULL && parent->is_dir, NULL);
  g_return_val_if_fail (burrow_file_name_is_valid (name, -1), NULL);

  return _burrow_file_tree_insert (tree, parent, name, strlen (name), TRUE, NULL);
}

/**
 * burrow_file_tree_add_file:
 * @tree: a tree that is not finished
 * @parent: a directory of @tree
 * @name: a valid name (see burrow_file_name_is_valid()); copied
 * @size: size in bytes
 * @mtime: modification time, seconds since the epoch, 0 if unknown
 * @tth: (nullable) (array fixed-size=24): the TTH root, if known
 *
 * Returns: (transfer none) (nullable): the new file, or %NULL if @parent
 *   already has a child named @name (case-insensitively)
 */
BurrowFileNode *
burrow_file_tree_add_file (BurrowFileTree *tree,
                           BurrowFileNode *parent,
                           const gchar    *name,
                           guint64         size,
                           gint64          mtime,
                           const guint8   *tth)
{
  BurrowFileNode *node;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (!tree->finished, NULL);
  g_return_val_if_fail (parent != NULL && parent->is_dir, NULL);
  g_return_val_if_fail (burrow_file_name_is_valid (name, -1), NULL);

  node = _burrow_file_tree_insert (tree, parent, name, strlen (name), FALSE, NULL);
  if (node == NULL)
    return NULL;
  node->size = size;
  node->mtime = mtime;
  if (tth != NULL)
    {
      memcpy (node->tth, tth, sizeof node->tth);
      node->has_tth = TRUE;
    }
  return node;
}

static gint
compare_children (gconstpointer a,
                  gconstpointer b)
{
  const BurrowFileNode *na = *(BurrowFileNode * const *) a;
  const BurrowFileNode *nb = *(BurrowFileNode * const *) b;
  gint r;

  if (na->is_dir != nb->is_dir)
    return na->is_dir ? -1 : 1;
  r = _burrow_file_name_compare (na->name, nb->name);
  if (r != 0)
    return r;
  return strcmp (na->name, nb->name);
}

void
_burrow_file_node_sort_children (BurrowFileNode *dir)
{
  GPtrArray *children = dir->children;

  for (guint i = 1; i < children->len; i++)
    {
      if (compare_children (&children->pdata[i - 1], &children->pdata[i]) > 0)
        {
          g_ptr_array_sort (children, compare_children);
          return;
        }
    }
}

static void
finish_reset_dir (BurrowFileNode *node)
{
  /* An incomplete directory keeps the size its list declared. */
  if (!node->incomplete)
    node->size = 0;
  _burrow_file_node_sort_children (node);
}

/**
 * burrow_file_tree_finish:
 *
 * Computes directory sizes (the total of everything below; an incomplete
 * directory keeps the size it was given) and sorts every directory's
 * children: directories first, then by name, case-insensitively. The tree is
 * immutable afterwards and may be shared between threads. Calling it twice
 * does nothing.
 */
void
burrow_file_tree_finish (BurrowFileTree *tree)
{
  g_return_if_fail (tree != NULL);

  if (tree->finished)
    return;

  g_clear_pointer (&tree->big_dirs, g_hash_table_unref);

  finish_reset_dir (&tree->root);
  for (guint b = 0; b < tree->blocks->len; b++)
    {
      BurrowFileNode *block = tree->blocks->pdata[b];
      guint used = b + 1 == tree->blocks->len ? tree->block_used : NODES_PER_BLOCK;

      for (guint i = 0; i < used; i++)
        if (block[i].is_dir)
          finish_reset_dir (&block[i]);
    }

  /* Children come after their parents in allocation order: walking backwards
   * completes every directory before it is added to its own parent. */
  for (guint b = tree->blocks->len; b-- > 0;)
    {
      BurrowFileNode *block = tree->blocks->pdata[b];
      guint used = b + 1 == tree->blocks->len ? tree->block_used : NODES_PER_BLOCK;

      for (guint i = used; i-- > 0;)
        {
          guint64 *sum = &block[i].parent->size;

          /* saturate: a peer's list may claim absurd sizes */
          *sum = *sum + block[i].size < *sum ? G_MAXUINT64 : *sum + block[i].size;
        }
    }

  tree->finished = TRUE;
}

/**
 * burrow_file_tree_get_n_files:
 *
 * Returns: the number of files in the tree
 */
guint
burrow_file_tree_get_n_files (BurrowFileTree *tree)
{
  g_return_val_if_fail (tree != NULL, 0);

  return tree->n_files;
}

/**
 * burrow_file_tree_get_n_directories:
 *
 * Returns: the number of directories in the tree, not counting the root
 */
guint
burrow_file_tree_get_n_directories (BurrowFileTree *tree)
{
  g_return_val_if_fail (tree != NULL, 0);

  return tree->n_dirs;
}

/**
 * burrow_file_tree_get_total_size:
 *
 * Returns: the total size of all files (0 before burrow_file_tree_finish())
 */
guint64
burrow_file_tree_get_total_size (BurrowFileTree *tree)
{
  g_return_val_if_fail (tree != NULL, 0);

  return tree->finished ? tree->root.size : 0;
}

/* Binary search among children[lo, hi) sorted by name. */
static BurrowFileNode *
search_sorted (GPtrArray   *children,
               guint        lo,
               guint        hi,
               const gchar *name)
{
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      BurrowFileNode *child = children->pdata[mid];
      gint r = _burrow_file_name_compare (child->name, name);

      if (r == 0)
        return child;
      if (r < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

/**
 * burrow_file_node_lookup_child:
 * @node: a directory
 * @name: a name
 *
 * Finds the child of @node named @name, case-insensitively.
 *
 * Returns: (transfer none) (nullable): the child, or %NULL
 */
BurrowFileNode *
burrow_file_node_lookup_child (BurrowFileNode *node,
                               const gchar    *name)
{
  BurrowFileTree *tree;
  GPtrArray *children;
  guint lo;
  guint hi;
  BurrowFileNode *found;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!node->is_dir || !g_utf8_validate (name, -1, NULL))
    return NULL;
  children = node->children;

  tree = tree_of_node (node);
  if (!tree->finished)
    return find_child_building (tree, node, name);

  /* Sorted: directories [0, lo), files [lo, len). */
  lo = 0;
  hi = children->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (((BurrowFileNode *) children->pdata[mid])->is_dir)
        lo = mid + 1;
      else
        hi = mid;
    }
  found = search_sorted (children, 0, lo, name);
  if (found == NULL)
    found = search_sorted (children, lo, children->len, name);
  return found;
}

/**
 * burrow_file_tree_lookup:
 * @tree: a tree
 * @path: an ADC path: "/" for the root, "/A/B/" for a directory, "/A/f.txt"
 *   for a file or directory
 *
 * Resolves @path case-insensitively. A path ending in '/' only matches a
 * directory. Empty components ("//") never match.
 *
 * Returns: (transfer none) (nullable): the node, or %NULL
 */
BurrowFileNode *
burrow_file_tree_lookup (BurrowFileTree *tree,
                         const gchar    *path)
{
  BurrowFileNode *node;
  const gchar *p;

  g_return_val_if_fail (tree != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (path[0] != '/')
    return NULL;
  node = &tree->root;
  p = path + 1;
  while (*p != '\0')
    {
      const gchar *slash = strchr (p, '/');
      gsize len = slash != NULL ? (gsize) (slash - p) : strlen (p);
      gchar buf[MAX_NAME_BYTES + 1];

      if (len == 0 || len > MAX_NAME_BYTES || !node->is_dir)
        return NULL;
      memcpy (buf, p, len);
      buf[len] = '\0';
      node = burrow_file_node_lookup_child (node, buf);
      if (node == NULL)
        return NULL;
      if (slash == NULL)
        break;
      if (!node->is_dir)
        return NULL;
      p = slash + 1;
    }
  return node;
}

/**
 * burrow_file_node_get_depth:
 *
 * Returns: 0 for the root, 1 for its children, …
 */
guint
burrow_file_node_get_depth (const BurrowFileNode *node)
{
  guint depth = 0;

  g_return_val_if_fail (node != NULL, 0);

  for (; node->parent != NULL; node = node->parent)
    depth++;
  return depth;
}

/**
 * burrow_file_node_dup_path:
 *
 * Returns: (transfer full): the ADC path of @node: "/" for the root,
 *   "/A/B/" for a directory, "/A/f.txt" for a file
 */
gchar *
burrow_file_node_dup_path (const BurrowFileNode *node)
{
  const BurrowFileNode *n;
  gsize len = 1;
  gchar *path;
  gchar *end;

  g_return_val_if_fail (node != NULL, NULL);

  for (n = node; n->parent != NULL; n = n->parent)
    len += strlen (n->name) + 1;
  if (!node->is_dir && node->parent != NULL)
    len--;

  path = g_malloc (len + 1);
  end = path + len;
  *end = '\0';
  if (node->is_dir)
    *--end = '/';
  for (n = node; n->parent != NULL; n = n->parent)
    {
      gsize nlen = strlen (n->name);

      end -= nlen;
      memcpy (end, n->name, nlen);
      *--end = '/';
    }
  g_assert (end == path);
  return path;
}
