/* fuzz-nmdc-hub-session.c — libFuzzer target for the NMDC hub session's dispatch, state by state
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is what a hub sends. Its first byte chooses the state the session is in when the
 * rest arrives: a canned prelude of hub lines brings it there (LOCK: none; NICK: $Lock and
 * $HubName; PASSWORD: and $GetPass; NORMAL: $Hello and our own $MyINFO echoed), whether we have a
 * password and a low user cap, and the hub's charset (CP1252, CP1251 or UTF-8). The session
 * talks to this process over a socket pair (no network at all: a redirect's new connection is
 * refused). After the input the hub side closes; the session must
 * end up disconnected, with no crash, leak, warning or critical.
 */

#define G_LOG_DOMAIN "fuzz-nmdc-hub-session"

#include "config.h"

#include "burrow-nmdc-hub-session.h"
#include "fuzz-hub-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const gchar * const preludes[] = {
    "",
    "$Lock EXTENDEDPROTOCOL_fuzz_1234 Pk=FuzzHub|$HubName fuzz hub|",
    "$Lock EXTENDEDPROTOCOL_fuzz_1234 Pk=FuzzHub|$HubName fuzz hub|$GetPass|",
    ("$Lock EXTENDEDPROTOCOL_fuzz_1234 Pk=FuzzHub|$HubName fuzz hub|$Hello burrow|"
     "$MyINFO $ALL burrow <Burrow V:1,M:P,H:1/0/0,S:3>$ $100\x31$$0$|"),
  };
  static const gchar * const charsets[] = { "CP1252", "CP1251", "UTF-8", "CP1252" };
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

  session = burrow_hub_session_new ("dchub://hub.invalid:411", NULL);
  check (session != NULL, "session");
  check (BURROW_IS_NMDC_HUB_SESSION (session), "an NMDC session");
  check (burrow_hub_session_set_encoding (session, charsets[(mode >> 4) & 3], NULL), "charset");
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
