/* fuzz-hub-session.c — libFuzzer target for the ADC hub session's dispatch, state by state
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is what a hub sends. Its first byte chooses the state the session is in when the
 * rest arrives: a canned prelude of hub lines brings it there (PROTOCOL: none; IDENTIFY: ISUP and
 * ISID; VERIFY: and IGPA; NORMAL: and our own BINF echoed), and whether we have a password and a
 * low user cap. The session talks to this process over a socket pair (no network at all: a
 * redirect's new connection is refused). After the input the hub side closes; the session must
 * end up disconnected, with no crash, leak, warning or critical.
 */

#define G_LOG_DOMAIN "fuzz-hub-session"

#include "config.h"

#include "fuzz-hub-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const gchar * const preludes[] = {
    "",
    "ISUP ADBASE ADTIGR\nISID AAAB\n",
    "ISUP ADBASE ADTIGR\nISID AAAB\nIGPA ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\n",
    ("ISUP ADBASE ADTIGR\nISID AAAB\nIINF CT32 NIfuzz\\shub\n"
     "BINF AAAB IDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NIburrow SL3 SUNAT0\n"),
  };
  g_autoptr(BurrowHubSession) session = NULL;
  g_autoptr(GByteArray) input = NULL;
  guint8 mode;

  if (size < 1)
    return 0;
  init_once ();

  mode = data[0];
  input = g_byte_array_new ();
  g_byte_array_append (input, (const guint8 *) preludes[mode & 3], strlen (preludes[mode & 3]));
  g_byte_array_append (input, data + 1, size - 1);

  session = burrow_hub_session_new ("adc://hub.invalid:1511", NULL);
  check (session != NULL, "session");
  if ((mode & 4) == 0)
    burrow_hub_session_set_password (session, "secret");
  if (mode & 8)
    _burrow_hub_session_set_max_users (session, FUZZ_MAX_USERS);

  fuzz_hub_session_run (session, input);
  g_clear_object (&session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
