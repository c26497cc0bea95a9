/* test-cid.c
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-cid"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

/* PROTOCOL §1.3: PID bytes 0..23 */
static void
test_cid_vector (void)
{
  guint8 pid[BURROW_PID_SIZE];
  guint8 cid[BURROW_CID_SIZE];
  guint8 expected[BURROW_CID_SIZE];
  g_autofree gchar *pid_text = NULL;
  g_autofree gchar *cid_text = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < BURROW_PID_SIZE; i++)
    pid[i] = (guint8) i;

  pid_text = burrow_base32_encode (pid, sizeof pid);
  g_assert_cmpstr (pid_text, ==, "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFY");

  burrow_cid_from_pid (pid, cid);
  cid_text = burrow_base32_encode (cid, sizeof cid);
  g_assert_cmpstr (cid_text, ==, "W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36TA");

  /* the CID is plain Tiger of the raw PID bytes (not of its base32 text) */
  burrow_tiger (pid, sizeof pid, expected);
  g_assert_cmpmem (cid, sizeof cid, expected, sizeof expected);

  g_assert_true (burrow_base32_decode ("W6AIUW3CLDF6OGHNVE4JPDDJ2P74IWRCF2O36TA", -1,
                                       expected, sizeof expected, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (cid, sizeof cid, expected, sizeof expected);
}

static void
test_pid_generate (void)
{
  guint8 a[BURROW_PID_SIZE], b[BURROW_PID_SIZE];
  guint8 cid_a[BURROW_CID_SIZE], cid_b[BURROW_CID_SIZE];
  g_autofree gchar *text = NULL;
  guint zero = 0;

  memset (a, 0, sizeof a);
  memset (b, 0, sizeof b);
  burrow_pid_generate (a);
  burrow_pid_generate (b);
  g_assert_cmpint (memcmp (a, b, sizeof a), !=, 0);

  /* 24 random bytes: never all zero in practice (2^-192) */
  for (guint i = 0; i < sizeof a; i++)
    zero += a[i] == 0;
  g_assert_cmpuint (zero, <, sizeof a);

  burrow_cid_from_pid (a, cid_a);
  burrow_cid_from_pid (b, cid_b);
  g_assert_cmpint (memcmp (cid_a, cid_b, sizeof cid_a), !=, 0);
  g_assert_cmpint (memcmp (cid_a, a, sizeof cid_a), !=, 0);

  text = burrow_base32_encode (cid_a, sizeof cid_a);
  g_assert_cmpuint (strlen (text), ==, 39);
  g_assert_cmpuint (strlen (text), ==, BURROW_CID_BASE32_LEN);
  g_assert_true (burrow_base32_is_valid (text, -1, BURROW_CID_SIZE));
}

static void
test_pid_distinct_many (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      guint8 pid[BURROW_PID_SIZE];

      burrow_pid_generate (pid);
      g_assert_true (g_hash_table_add (seen, burrow_base32_encode (pid, sizeof pid)));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/protocol/cid/vector", test_cid_vector);
  g_test_add_func ("/burrow/protocol/cid/pid-generate", test_pid_generate);
  g_test_add_func ("/burrow/protocol/cid/pid-distinct-many", test_pid_distinct_many);

  return g_test_run ();
}
