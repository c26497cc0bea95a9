/* burrow-tiger.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "burrow-tiger"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "burrow-tiger.h"

/* Tiger, written from its specification (R. Anderson and E. Biham, "Tiger: A
 * Fast New Hash Function", FSE 1996): 64-byte blocks of eight little-endian
 * 64-bit words, a state of three 64-bit words, three passes of eight rounds
 * with a key schedule between passes and a feedforward. The message is padded
 * with 0x01 then zeros up to 56 mod 64 bytes, then its length in bits as a
 * little-endian 64-bit word (the original Tiger padding, which DC uses). The
 * digest is the three state words, each in little-endian byte order.
 *
 * The four S-boxes are not stored: burrow_tiger_init() generates them with the
 * procedure the paper publishes, the first time it is called. */

#define TIGER_BLOCK 64
/* A full leaf of a Tiger tree (BURROW_TTH_LEAF_SIZE). */
#define TIGER_LEAF_BYTES 1024

#define TIGER_IV_A G_GUINT64_CONSTANT (0x0123456789ABCDEF)
#define TIGER_IV_B G_GUINT64_CONSTANT (0xFEDCBA9876543210)
#define TIGER_IV_C G_GUINT64_CONSTANT (0xF096A5B4C3B2E187)

/* The S-boxes t1..t4. Written once by generate_sboxes(), read-only after. */
static guint64 sbox[4][256];

static inline guint64
load_le64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

static inline void
store_le64 (guint8  *p,
            guint64  v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

#define BYTE(w, i) ((guint8) ((w) >> (8 * (i))))

/* One round: c ^= x; a -= t1[c0] ^ t2[c2] ^ t3[c4] ^ t4[c6];
 * b += t4[c1] ^ t3[c3] ^ t2[c5] ^ t1[c7]; b *= mul (ci: byte i of c, from the
 * least significant). The XORs are paired so the look-ups do not wait on
 * each other. */
#define ROUND(a, b, c, x, mul)                                               \
  G_STMT_START                                                               \
  {                                                                          \
    c ^= (x);                                                                \
    a -= (sbox[0][BYTE (c, 0)] ^ sbox[1][BYTE (c, 2)])                       \
         ^ (sbox[2][BYTE (c, 4)] ^ sbox[3][BYTE (c, 6)]);                    \
    b += (sbox[3][BYTE (c, 1)] ^ sbox[2][BYTE (c, 3)])                       \
         ^ (sbox[1][BYTE (c, 5)] ^ sbox[0][BYTE (c, 7)]);                    \
    b *= (mul);                                                              \
  }                                                                          \
  G_STMT_END

/* A round of lane 0 then the same round of lane 1 (variables a_0, a_1, …). */
#define ROUND2(a, b, c, i, mul)                                              \
  G_STMT_START                                                               \
  {                                                                          \
    ROUND (a##_0, b##_0, c##_0, x_0[i], mul);                                \
    ROUND (a##_1, b##_1, c##_1, x_1[i], mul);                                \
  }                                                                          \
  G_STMT_END

/* pass (a, b, c, mul) of the paper, over the message words x[0..7]. */
#define PASS(round, a, b, c, mul)                                            \
  G_STMT_START                                                               \
  {                                                                          \
    round (a, b, c, 0, mul);                                                 \
    round (b, c, a, 1, mul);                                                 \
    round (c, a, b, 2, mul);                                                 \
    round (a, b, c, 3, mul);                                                 \
    round (b, c, a, 4, mul);                                                 \
    round (c, a, b, 5, mul);                                                 \
    round (a, b, c, 6, mul);                                                 \
    round (b, c, a, 7, mul);                                                 \
  }                                                                          \
  G_STMT_END

#define ROUND1(a, b, c, i, mul) ROUND (a, b, c, x[i], mul)

/* The key schedule between passes; shifts are logical (unsigned). */
#define KEY_SCHEDULE(x)                                                      \
  G_STMT_START                                                               \
  {                                                                          \
    x[0] -= x[7] ^ G_GUINT64_CONSTANT (0xA5A5A5A5A5A5A5A5);                  \
    x[1] ^= x[0];                                                            \
    x[2] += x[1];                                                            \
    x[3] -= x[2] ^ ((~x[1]) << 19);                                          \
    x[4] ^= x[3];                                                            \
    x[5] += x[4];                                                            \
    x[6] -= x[5] ^ ((~x[4]) >> 23);                                          \
    x[7] ^= x[6];                                                            \
    x[0] += x[7];                                                            \
    x[1] -= x[0] ^ ((~x[7]) << 19);                                          \
    x[2] ^= x[1];                                                            \
    x[3] += x[2];                                                            \
    x[4] -= x[3] ^ ((~x[2]) >> 23);                                          \
    x[5] ^= x[4];                                                            \
    x[6] += x[5];                                                            \
    x[7] -= x[6] ^ G_GUINT64_CONSTANT (0x0123456789ABCDEF);                  \
  }                                                                          \
  G_STMT_END

/* The compression function: folds the 64-byte block at @p (any alignment)
 * into @state. Not inlined: one copy of the 24 unrolled rounds stays hot in
 * the instruction cache, and a call costs nothing next to a block. */
static G_NO_INLINE void
tiger_compress (guint64       state[3],
                const guint8 *p)
{
  guint64 a = state[0], b = state[1], c = state[2];
  guint64 x[8];

  for (guint i = 0; i < 8; i++)
    x[i] = load_le64 (p + 8 * i);

  PASS (ROUND1, a, b, c, 5);
  KEY_SCHEDULE (x);
  PASS (ROUND1, c, a, b, 7);
  KEY_SCHEDULE (x);
  PASS (ROUND1, b, c, a, 9);

  /* feedforward */
  state[0] = a ^ state[0];
  state[1] = b - state[1];
  state[2] = c + state[2];
}

/* Two independent compressions at once. The rounds of one block form a chain
 * of dependent table look-ups that leaves most of the CPU idle; interleaving
 * two chains fills the gaps (about 1.3 times the throughput of one). */
static G_NO_INLINE void
tiger_compress2 (guint64       s_0[3],
                 const guint8 *p_0,
                 guint64       s_1[3],
                 const guint8 *p_1)
{
  guint64 a_0 = s_0[0], b_0 = s_0[1], c_0 = s_0[2];
  guint64 a_1 = s_1[0], b_1 = s_1[1], c_1 = s_1[2];
  guint64 x_0[8], x_1[8];

  for (guint i = 0; i < 8; i++)
    {
      x_0[i] = load_le64 (p_0 + 8 * i);
      x_1[i] = load_le64 (p_1 + 8 * i);
    }

  PASS (ROUND2, a, b, c, 5);
  KEY_SCHEDULE (x_0);
  KEY_SCHEDULE (x_1);
  PASS (ROUND2, c, a, b, 7);
  KEY_SCHEDULE (x_0);
  KEY_SCHEDULE (x_1);
  PASS (ROUND2, b, c, a, 9);

  s_0[0] = a_0 ^ s_0[0];
  s_0[1] = b_0 - s_0[1];
  s_0[2] = c_0 + s_0[2];
  s_1[0] = a_1 ^ s_1[0];
  s_1[1] = b_1 - s_1[1];
  s_1[2] = c_1 + s_1[2];
}

static inline void
tiger_start (guint64 state[3])
{
  state[0] = TIGER_IV_A;
  state[1] = TIGER_IV_B;
  state[2] = TIGER_IV_C;
}

static inline void
tiger_digest (const guint64 state[3],
              guint8        out[BURROW_TIGER_SIZE])
{
  store_le64 (out, state[0]);
  store_le64 (out + 8, state[1]);
  store_le64 (out + 16, state[2]);
}

/* Leaves are Tiger (0x00 ‖ block). The first 64-byte block of that message is
 * 0x00 and the first 63 bytes of @block (which must have that many); it is
 * built word by word, so that the compression's loads forward from these
 * stores. Every later block is read in place, one byte behind the 64-byte
 * grid of @block. */
static inline void
leaf_first_block (const guint8 *block,
                  guint8        buf[TIGER_BLOCK])
{
  store_le64 (buf, load_le64 (block) << 8);
  for (guint i = 1; i < 8; i++)
    memcpy (buf + 8 * i, block + 8 * i - 1, 8);
}

/* The last block of a full leaf (1025 bytes of message): its last byte, the
 * padding, the length in bits. */
static inline void
full_leaf_last_block (const guint8 *block,
                      guint8        buf[TIGER_BLOCK])
{
  memset (buf, 0, TIGER_BLOCK);
  buf[0] = block[TIGER_LEAF_BYTES - 1];
  buf[1] = 0x01;
  store_le64 (buf + TIGER_BLOCK - 8, (TIGER_LEAF_BYTES + 1) * 8);
}

/* Pads and hashes the last @len (< 64) bytes of a message of @total bytes. */
static inline void
tiger_finish (guint64       state[3],
              const guint8 *tail,
              gsize         len,
              guint64       total,
              guint8        out[BURROW_TIGER_SIZE])
{
  guint8 buf[2 * TIGER_BLOCK];
  gsize n = len < TIGER_BLOCK - 8 ? TIGER_BLOCK : 2 * TIGER_BLOCK;

  if (len > 0)
    memcpy (buf, tail, len);
  buf[len] = 0x01;
  memset (buf + len + 1, 0, n - 8 - (len + 1));
  store_le64 (buf + n - 8, total << 3);

  tiger_compress (state, buf);
  if (n > TIGER_BLOCK)
    tiger_compress (state, buf + TIGER_BLOCK);

  tiger_digest (state, out);
}

/* The S-box generation procedure of the Tiger paper. Every table entry starts
 * with each of its 8 bytes equal to its index mod 256. The state starts at the
 * IV; the message block is the 64-character string below. Five times over,
 * for each index i and each of the four tables, the procedure advances a
 * cursor over the three state words; when it wraps, the block is compressed
 * into the state (with the tables as they are at that moment). Then for each
 * byte position, the byte of entry i is swapped with the byte of the entry
 * named by the same byte of the current state word. */
static void
generate_sboxes (void)
{
  static const gchar seed[] = "Tiger - A Fast New Hash Function, by Ross Anderson and Eli Biham";
  guint64 state[3];
  guint word = 2;

  G_STATIC_ASSERT (sizeof seed - 1 == TIGER_BLOCK);

  for (guint t = 0; t < 4; t++)
    for (guint i = 0; i < 256; i++)
      sbox[t][i] = (guint64) i * G_GUINT64_CONSTANT (0x0101010101010101);

  tiger_start (state);

  for (guint round = 0; round < 5; round++)
    for (guint i = 0; i < 256; i++)
      for (guint t = 0; t < 4; t++)
        {
          if (++word == 3)
            {
              word = 0;
              tiger_compress (state, (const guint8 *) seed);
            }

          for (guint col = 0; col < 8; col++)
            {
              guint j = BYTE (state[word], col);
              guint64 mask = G_GUINT64_CONSTANT (0xFF) << (8 * col);
              guint64 bi = sbox[t][i] & mask;
              guint64 bj = sbox[t][j] & mask;

              sbox[t][i] = (sbox[t][i] & ~mask) | bj;
              sbox[t][j] = (sbox[t][j] & ~mask) | bi;
            }
        }
}

/**
 * burrow_tiger_init:
 *
 * Generates the Tiger S-boxes once per process. Safe to call from any thread,
 * any number of times; every function of this file calls it.
 */
void
burrow_tiger_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      generate_sboxes ();
      g_once_init_leave (&initialised, 1);
    }
}

/**
 * burrow_tiger:
 * @data: (array length=len): bytes to hash
 * @len: number of bytes
 * @out: (out caller-allocates): the 24-byte digest
 *
 * Tiger with the 0x01 padding byte, as DC, DC++ and uhub use it (libgcrypt's
 * GCRY_MD_TIGER1).
 */
void
burrow_tiger (const void *data,
              gsize       len,
              guint8      out[BURROW_TIGER_SIZE])
{
  const guint8 *p = data;
  guint64 state[3];
  gsize left = len;

  g_return_if_fail (data != NULL || len == 0);

  burrow_tiger_init ();
  tiger_start (state);

  for (; left >= TIGER_BLOCK; left -= TIGER_BLOCK, p += TIGER_BLOCK)
    tiger_compress (state, p);

  tiger_finish (state, p, left, len, out);
}

/**
 * burrow_tiger_leaf:
 * @block: (array length=len): up to 1024 bytes of a file
 * @len: number of bytes
 * @out: (out caller-allocates): Tiger (0x00 ‖ @block)
 *
 * Hashes one leaf of a Tiger tree.
 */
void
burrow_tiger_leaf (const guint8 *block,
                   gsize         len,
                   guint8        out[BURROW_TIGER_SIZE])
{
  guint8 first[TIGER_BLOCK];
  guint64 state[3];
  const guint8 *p;
  gsize left;

  g_return_if_fail (block != NULL || len == 0);

  burrow_tiger_init ();
  tiger_start (state);

  if (len < TIGER_BLOCK - 1)
    {
      first[0] = 0x00;
      if (len > 0)
        memcpy (first + 1, block, len);
      tiger_finish (state, first, len + 1, len + 1, out);
      return;
    }

  /* 0x00 and 63 bytes of @block, then the rest of @block in place */
  leaf_first_block (block, first);
  tiger_compress (state, first);

  p = block + TIGER_BLOCK - 1;
  left = len - (TIGER_BLOCK - 1);
  for (; left >= TIGER_BLOCK; left -= TIGER_BLOCK, p += TIGER_BLOCK)
    tiger_compress (state, p);

  tiger_finish (state, p, left, len + 1, out);
}

/**
 * burrow_tiger_leaves:
 * @blocks: (array): @n_leaves full leaves of a Tiger tree, 1024 bytes each, back to back
 * @n_leaves: number of leaves
 * @out: (out caller-allocates) (array): @n_leaves digests, 24 bytes each
 *
 * Same as burrow_tiger_leaf() on each 1024-byte block of @blocks in turn, but
 * faster: the leaves are hashed two at a time.
 */
void
burrow_tiger_leaves (const guint8 *blocks,
                     gsize         n_leaves,
                     guint8       *out)
{
  g_return_if_fail (blocks != NULL || n_leaves == 0);
  g_return_if_fail (out != NULL || n_leaves == 0);

  burrow_tiger_init ();

  for (; n_leaves >= 2; n_leaves -= 2)
    {
      const guint8 *p_0 = blocks, *p_1 = blocks + TIGER_LEAF_BYTES;
      guint8 buf_0[TIGER_BLOCK], buf_1[TIGER_BLOCK];
      guint64 s_0[3], s_1[3];
      gsize off;

      tiger_start (s_0);
      tiger_start (s_1);

      leaf_first_block (p_0, buf_0);
      leaf_first_block (p_1, buf_1);
      tiger_compress2 (s_0, buf_0, s_1, buf_1);

      for (off = TIGER_BLOCK - 1; off + TIGER_BLOCK <= TIGER_LEAF_BYTES; off += TIGER_BLOCK)
        tiger_compress2 (s_0, p_0 + off, s_1, p_1 + off);

      full_leaf_last_block (p_0, buf_0);
      full_leaf_last_block (p_1, buf_1);
      tiger_compress2 (s_0, buf_0, s_1, buf_1);

      tiger_digest (s_0, out);
      tiger_digest (s_1, out + BURROW_TIGER_SIZE);

      blocks += 2 * TIGER_LEAF_BYTES;
      out += 2 * BURROW_TIGER_SIZE;
    }

  if (n_leaves == 1)
    burrow_tiger_leaf (blocks, TIGER_LEAF_BYTES, out);
}

/**
 * burrow_tiger_node:
 * @left: the left child
 * @right: the right child
 * @out: (out caller-allocates): Tiger (0x01 ‖ @left ‖ @right); may alias either child
 *
 * Hashes one inner node of a Tiger tree.
 */
void
burrow_tiger_node (const guint8 left[BURROW_TIGER_SIZE],
                   const guint8 right[BURROW_TIGER_SIZE],
                   guint8       out[BURROW_TIGER_SIZE])
{
  /* 49 bytes of message, the 0x01 pad, zeros, the length: one block. */
  guint8 buf[TIGER_BLOCK];
  guint64 state[3];

  burrow_tiger_init ();
  tiger_start (state);

  buf[0] = 0x01;
  memcpy (buf + 1, left, BURROW_TIGER_SIZE);
  memcpy (buf + 1 + BURROW_TIGER_SIZE, right, BURROW_TIGER_SIZE);
  buf[1 + 2 * BURROW_TIGER_SIZE] = 0x01;
  memset (buf + 2 + 2 * BURROW_TIGER_SIZE, 0, TIGER_BLOCK - 8 - (2 + 2 * BURROW_TIGER_SIZE));
  store_le64 (buf + TIGER_BLOCK - 8, (1 + 2 * BURROW_TIGER_SIZE) * 8);

  tiger_compress (state, buf);

  tiger_digest (state, out);
}

