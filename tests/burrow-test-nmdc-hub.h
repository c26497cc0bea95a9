/* burrow-test-nmdc-hub.h — run the NMDC test hub (tests/nmdc/nmdc-hub.py) from C tests
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hub is a separate Python process (profiles "ptokax", "verlihub" and "lenient" behave as
 * NMDC.md §1 and §5 describe), found through $BURROW_NMDC_HUB. It prints "READY <port>" once it
 * listens and takes control commands on stdin, each answered by one "OK …" or "ERR …" line
 * (say, pm, kick, redirect, drop, users, myinfo, count, quit). Every wait iterates the
 * thread-default main context until an event or a generous deadline; nothing sleeps blindly.
 * The child gets PR_SET_PDEATHSIG, so an aborting test leaves no hub behind.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  const gchar         *profile;      /* "ptokax", "verlihub", "lenient" (NULL) */
  const gchar         *preset;       /* "tests" (NULL) or "real" (the hubsofts' defaults) */
  const gchar         *charset;      /* hub text charset; NULL: cp1252 */
  const gchar * const *registered;   /* NULL-terminated "nick:password[:op]" */
  guint                max_users;    /* 0: no limit */
  guint                fake_users;   /* synthetic users in every login burst */
  gboolean             tls;          /* nmdcs://: TLS from the first byte, self-signed */
  const gchar         *name;         /* hub name; NULL: the hub's default */
  const gchar         *topic;
} BurrowTestNmdcHubOptions;

typedef struct _BurrowTestNmdcHub BurrowTestNmdcHub;

/* Returns NULL with G_IO_ERROR_NOT_FOUND when /usr/bin/python3, the hub script or (for TLS)
 * openssl is missing: g_test_skip() then. */
BurrowTestNmdcHub *burrow_test_nmdc_hub_start     (const BurrowTestNmdcHubOptions *opts,
                                                   GError                        **error);
guint16            burrow_test_nmdc_hub_get_port  (BurrowTestNmdcHub *hub);
/* "dchub://127.0.0.1:PORT" (or "nmdcs://…" with TLS). */
const gchar       *burrow_test_nmdc_hub_get_uri   (BurrowTestNmdcHub *hub);
/* "SHA256/…" of the TLS certificate; NULL without TLS. */
const gchar       *burrow_test_nmdc_hub_get_keyprint (BurrowTestNmdcHub *hub);
/* Sends one control command; returns the text after "OK" (maybe ""), or NULL with @error for
 * "ERR …" (G_IO_ERROR_FAILED) or no answer within 10 s (G_IO_ERROR_TIMED_OUT). */
gchar             *burrow_test_nmdc_hub_control   (BurrowTestNmdcHub *hub,
                                                   const gchar       *command,
                                                   GError           **error);
/* Polls `users` until @nick is (or is no longer) logged in. */
gboolean           burrow_test_nmdc_hub_wait_user (BurrowTestNmdcHub *hub,
                                                   const gchar       *nick,
                                                   gboolean           present,
                                                   guint              timeout_ms);
/* The hub's log of every line in and out. */
gchar             *burrow_test_nmdc_hub_dup_log   (BurrowTestNmdcHub *hub);
/* Waits until the log contains @text. */
gboolean           burrow_test_nmdc_hub_wait_log  (BurrowTestNmdcHub *hub,
                                                   const gchar       *text,
                                                   guint              timeout_ms);
/* Waits until the log contains @text at least @n times. */
gboolean           burrow_test_nmdc_hub_wait_log_count (BurrowTestNmdcHub *hub,
                                                   const gchar       *text,
                                                   guint              n,
                                                   guint              timeout_ms);
void               burrow_test_nmdc_hub_free      (BurrowTestNmdcHub *hub);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestNmdcHub, burrow_test_nmdc_hub_free)

G_END_DECLS
