/* burrow-test-hub.h — run the real uhub hub, a raw ADC client and a scripted fake hub in tests
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Facts about Debian's uhub 0.4.1 (uhub/0.4.1-release, /usr/bin/uhub), measured on loopback
 * with this harness and small Python clients (2026-11-25):
 *
 * Registration with a password
 *   - `user_reg nick:password` lines in `file_acl` are NOT used for authentication in 0.4.1:
 *     the hub logs such a user in without IGPA. Authentication lives in plugins:
 *   - mod_auth_simple: `plugin /usr/lib/uhub/mod_auth_simple.so "file=AUTHFILE"` in
 *     `file_plugins`; AUTHFILE has one account per line, `<cred> <nick> <password>` separated
 *     by white space, cred one of user, reg, op, super, admin (`reg alice secret`,
 *     `op TestOp pw`). The form `reg alice:secret` makes uhub crash (SIGSEGV) at start;
 *     passwords cannot contain white space. This harness uses mod_auth_simple.
 *   - mod_auth_sqlite (`"file=users.db"`) with `uhub-passwd users.db create` and
 *     `uhub-passwd users.db add NICK PASSWORD [user|op|super|admin]` works as well.
 *   - A registered nick gets `IGPA <39 base32 chars>` after its BINF; after a correct HPAS its
 *     INF carries `CT2` (reg) or `CT4` (op).
 *   - Wrong password: `ISTA 223 Password\sis\swrong`, `IQUI <sid> MSPassword\sis\swrong`, close.
 *   - Nick already in use: `ISTA 222 …`; nick too short (1 char): `ISTA 221 …`.
 *   - `ban_nick NICK` in file_acl: `ISTA 231 Banned\spermanently` + `IQUI <sid> MS…` at login.
 *
 * Redirects (QUI with RD)
 *   - `tls_enable=yes tls_require=yes tls_require_redirect_addr=URL`: a plain client that sends
 *     HSUP gets the canned `ISUP …`, `ISID AAAB`, `IINF NIRedirecting...`, `IQUI AAAB RD<URL>`
 *     and then a TCP reset (a client that already wrote its BINF may get ECONNRESET on write;
 *     the four lines are still readable). TLS clients log in normally. Without the redirect
 *     address a plain client just gets the reset.
 *   - `redirect_addr=URL` is added to the QUI of other refusals: hub full (max_users reached):
 *     `ISTA 211 Hub\sis\sfull` + `IQUI <sid> MSHub\sis\sfull TL600 RD<URL>`; registered users
 *     only: `ISTA 226 …` + `IQUI <sid> MS… RD<URL>`; hub_enabled=0: `ISTA 212 …` +
 *     `IQUI AAAA MSHub\sis\sdisabled TL-1 RD<URL>` (right after HSUP, no ISID).
 *   - This harness (redirect_to set) uses tls_require + tls_require_redirect_addr (TLS is
 *     switched on even when opts->tls is FALSE) and also sets redirect_addr.
 *
 * Kick / ban
 *   - An op (`op` in the auth file) sends `BMSG <sid> !kick\s<nick>` and gets
 *     `IMSG ***\skick:\sKicking\suser\s"<nick>".`; every other user gets `IQUI <victim> DI`
 *     (a bare DI, no value, no ID/MS); the victim gets NO QUI, its connection is just closed.
 *     A plain user's !kick gets `IMSG ***\skick:\sAccess\sdenied.`. There is no `!ban` in
 *     0.4.1 ("Command not found"); bans are file_acl lines (`ban_nick`, `ban_cid`, `deny_ip`).
 *
 * Flood control
 *   - The binary's defaults are all off; Debian's /etc/uhub/uhub.conf sets flood_ctl_interval=5,
 *     flood_ctl_chat=3, flood_ctl_connect=20, flood_ctl_search=1, flood_ctl_update=2,
 *     flood_ctl_extras=5. `flood_ctl_interval=0` is a configuration parse error: to switch
 *     flood control off, leave the keys out. With the Debian values a burst of 12 DNAT delivers
 *     5 or 6 and the sender gets `ISTA 110 Flood\sdetected.`. Debian also sets
 *     limit_max_hubs_* = 0 (the binary's default limit_max_hubs_user=10 refuses clients with
 *     HN > 10); this harness does the same.
 *
 * Misc
 *   - SIDs are AAAB, AAAC, … in connection order. uhub sets SO_REUSEADDR: a restart on the same
 *     port works at once even with connections in TIME_WAIT. SIGTERM logs "Terminated. Shutting
 *     down..." and exits. The same port serves plain ADC and TLS (it peeks the first bytes).
 *     "listening on" is logged only after a successful bind.
 *
 * Waiting: every function that waits iterates the thread-default GMainContext (so async code
 * under test keeps running) until an event happens or a generous deadline passes; none sleeps
 * blindly. uhub children get PR_SET_PDEATHSIG so an aborting test leaves no hub behind.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---------------------------------------------------------------------------------------------- */
/* Real uhub                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

typedef struct
{
  gboolean             tls;                   /* enable TLS; URIs become adcs:// */
  gboolean             tls_require;           /* refuse plain clients (RST) */
  const gchar         *hub_name;              /* NULL: "burrow-test-hub" */
  const gchar         *hub_description;       /* NULL: "Burrow test hub" */
  gboolean             debian_flood_control;  /* FALSE: flood control off */
  const gchar * const *registered;            /* NULL-terminated "nick:password" (reg) */
  const gchar         *redirect_to;           /* plain clients are redirected there */
  guint                max_users;             /* 0: uhub's default (500) */
  guint16              port;                  /* 0: pick a free one */
  /* Additions to the lead's list: */
  const gchar * const *operators;             /* NULL-terminated "nick:password" (op) */
  const gchar * const *banned_nicks;          /* NULL-terminated nicks (ban_nick) */
  /* server_bind_addr: NULL "127.0.0.1"; "::1" (URIs become adc://[::1]:PORT) or "::", which
   * uhub 0.4.1 serves dual-stack on one socket (URIs name [::1]; 127.0.0.1 reaches it too). */
  const gchar         *bind_address;
} BurrowTestHubOptions;

typedef struct _BurrowTestHub BurrowTestHub;

/* NULL options = plain hub with defaults. Returns NULL with G_IO_ERROR_NOT_FOUND when uhub (or
 * openssl for TLS) is not installed: call g_test_skip() then. $BURROW_TEST_UHUB overrides the
 * binary. */
BurrowTestHub *burrow_test_hub_start                  (const BurrowTestHubOptions *opts,
                                                       GError                    **error);
guint16        burrow_test_hub_get_port               (BurrowTestHub *hub);
const gchar   *burrow_test_hub_get_uri                (BurrowTestHub *hub);
/* "adcs://127.0.0.1:PORT/?kp=SHA256/…" (TLS hubs; for plain hubs the same with adc://). */
gchar         *burrow_test_hub_dup_uri_with_kp        (BurrowTestHub *hub);
/* "SHA256/<base32 of SHA-256 of the DER certificate>", NULL without TLS. */
const gchar   *burrow_test_hub_get_keyprint           (BurrowTestHub *hub);
const gchar   *burrow_test_hub_get_dir                (BurrowTestHub *hub);
/* New certificate and key, same port: stops, regenerates, restarts (asserts success). */
void           burrow_test_hub_regenerate_certificate (BurrowTestHub *hub);
/* SIGTERM and wait for exit (SIGKILL after 10 s). No-op when not running. */
void           burrow_test_hub_stop                   (BurrowTestHub *hub);
/* Starts again (stopping first if needed) with the same port and configuration. */
gboolean       burrow_test_hub_restart                (BurrowTestHub *hub,
                                                       GError       **error);
/* SIGKILL and wait for exit. */
void           burrow_test_hub_kill                   (BurrowTestHub *hub);
gboolean       burrow_test_hub_is_running             (BurrowTestHub *hub);
/* Everything uhub printed (all runs). */
gchar         *burrow_test_hub_dup_log                (BurrowTestHub *hub);
/* Logs in a built-in operator ("TestOp") and sends `!kick <nick>`; TRUE once the hub confirmed.
 * Other users see TestOp join and leave. */
gboolean       burrow_test_hub_kick                   (BurrowTestHub *hub,
                                                       const gchar   *nick,
                                                       GError       **error);
void           burrow_test_hub_free                   (BurrowTestHub *hub);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestHub, burrow_test_hub_free)

/* ---------------------------------------------------------------------------------------------- */
/* Raw ADC client (blocking calls with deadlines; they iterate the thread-default main context)   */
/* ---------------------------------------------------------------------------------------------- */

/* Errors of burrow_test_adc_client_connect*(): a fatal STA during login gives
 * BURROW_TEST_ADC_ERROR with the three-digit STA code as error code (223 = wrong password);
 * a QUI with RD gives BURROW_TEST_ADC_ERROR_REDIRECT (message = the URL), another QUI of our own
 * SID BURROW_TEST_ADC_ERROR_QUIT. Reads: EOF = G_IO_ERROR_CONNECTION_CLOSED, deadline =
 * G_IO_ERROR_TIMED_OUT. */
#define BURROW_TEST_ADC_ERROR (burrow_test_adc_error_quark ())
enum
{
  BURROW_TEST_ADC_ERROR_REDIRECT = 1000,
  BURROW_TEST_ADC_ERROR_QUIT     = 1001,
  BURROW_TEST_ADC_ERROR_PASSWORD = 1002,  /* IGPA came but no password was given */
};
GQuark burrow_test_adc_error_quark (void);

typedef struct _BurrowTestAdcClient BurrowTestAdcClient;

/* HSUP, ISID, BINF (valid PID/CID), IGPA/HPAS; returns once its own BINF came back. Nothing is
 * consumed: read_line() returns every line received during the login (ISUP, ISID, IINF, other
 * users' BINF, own BINF, …) first, then new ones. */
BurrowTestAdcClient *burrow_test_adc_client_connect      (guint16       port,
                                                          const gchar  *nick,
                                                          const gchar  *password,
                                                          GError      **error);
/* Same over TLS (any certificate accepted; see _dup_peer_keyprint). */
BurrowTestAdcClient *burrow_test_adc_client_connect_tls  (guint16       port,
                                                          const gchar  *nick,
                                                          const gchar  *password,
                                                          GError      **error);
/* TCP (+ TLS) only: nothing is sent; drive the protocol with send_line/read_line. */
BurrowTestAdcClient *burrow_test_adc_client_connect_raw  (guint16       port,
                                                          gboolean      tls,
                                                          GError      **error);
/* One line without its '\n' ("" for an empty line); may be invalid UTF-8. */
gchar               *burrow_test_adc_client_read_line    (BurrowTestAdcClient *client,
                                                          guint                timeout_ms,
                                                          GError             **error);
/* Appends '\n'. */
gboolean             burrow_test_adc_client_send_line   (BurrowTestAdcClient *client,
                                                          const gchar         *line,
                                                          GError             **error);
/* Reads lines until one starts with @prefix (others are dropped); *out_line gets it if non-NULL. */
gboolean             burrow_test_adc_client_wait_for    (BurrowTestAdcClient *client,
                                                          const gchar         *prefix,
                                                          guint                timeout_ms,
                                                          gchar              **out_line,
                                                          GError             **error);
/* Reads (and drops) lines until the peer closes: TRUE on EOF or reset, FALSE on timeout. */
gboolean             burrow_test_adc_client_wait_closed (BurrowTestAdcClient *client,
                                                          guint                timeout_ms);
const gchar         *burrow_test_adc_client_get_sid     (BurrowTestAdcClient *client);
const gchar         *burrow_test_adc_client_get_cid     (BurrowTestAdcClient *client);
const gchar         *burrow_test_adc_client_get_nick    (BurrowTestAdcClient *client);
/* "SHA256/…" of the certificate the TLS peer presented; NULL on plain connections. */
gchar               *burrow_test_adc_client_dup_peer_keyprint (BurrowTestAdcClient *client);
void                 burrow_test_adc_client_free        (BurrowTestAdcClient *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestAdcClient, burrow_test_adc_client_free)

/* ---------------------------------------------------------------------------------------------- */
/* Scripted fake hub (plain TCP on 127.0.0.1, async on the caller's thread-default main context)  */
/* ---------------------------------------------------------------------------------------------- */

typedef struct _BurrowTestFakeHub BurrowTestFakeHub;

/* The fake hub serves one client at a time: a new connection replaces (closes) the previous one.
 * Script rules stay; received lines accumulate over all connections. Everything is sent through
 * one ordered queue, written asynchronously with back-pressure. */
BurrowTestFakeHub *burrow_test_fake_hub_new             (GError **error);
guint16            burrow_test_fake_hub_get_port        (BurrowTestFakeHub *hub);
/* The same over TLS (adcs://), with a certificate of its own (self-signed, like a hub's). */
BurrowTestFakeHub *burrow_test_fake_hub_new_tls         (GError **error);
/* The TLS hub's certificate (NULL for a plain hub). */
GTlsCertificate   *burrow_test_fake_hub_get_certificate (BurrowTestFakeHub *hub);
/* "adc://127.0.0.1:PORT" ("adcs://…" for a TLS hub) */
gchar             *burrow_test_fake_hub_dup_uri         (BurrowTestFakeHub *hub);
/* When the client sends a line starting with @prefix, send @reply (raw bytes, as given; may hold
 * several '\n'-terminated lines or none). Every matching rule fires, in the order added, on every
 * matching line. */
void               burrow_test_fake_hub_on_line         (BurrowTestFakeHub *hub,
                                                         const gchar       *prefix,
                                                         const gchar       *reply);
/* Same, then echo the received line back (with its PD field removed, as a hub does). @before may
 * be NULL. Echoing the client's BINF completes its login. */
void               burrow_test_fake_hub_on_line_echo    (BurrowTestFakeHub *hub,
                                                         const gchar       *prefix,
                                                         const gchar       *before);
/* Typical login: HSUP → "ISUP ADBASE ADTIGR\nISID AAAB\nIINF CT32 NIfake\n"; first BINF of a
 * connection → @n_flood_users BINF lines (see send_binf_flood) then the client's own BINF echoed;
 * later BINFs are echoed. */
void               burrow_test_fake_hub_script_login    (BurrowTestFakeHub *hub,
                                                         guint              n_flood_users);
/* SID the login script gives the client ("AAAB"). */
const gchar       *burrow_test_fake_hub_get_client_sid  (BurrowTestFakeHub *hub);
/* To the current client (dropped when there is none). */
void               burrow_test_fake_hub_send_raw        (BurrowTestFakeHub *hub,
                                                         const void        *data,
                                                         gsize              len);
/* The file's bytes, as they are. */
void               burrow_test_fake_hub_send_file       (BurrowTestFakeHub *hub,
                                                         const gchar       *path);
/* @n_users valid, distinct BINF lines (~210 bytes each): SIDs from AAAC up (never the client's),
 * distinct base32 CIDs, nicks user%06u, DE, SL, SS, SF, HN/HR/HO, VE, US, I4, U4, SU.
 * Generated lazily in 256 KiB chunks. */
void               burrow_test_fake_hub_send_binf_flood (BurrowTestFakeHub *hub,
                                                         guint              n_users);
/* Writes line @index (0-based) of the flood, without '\n', to a new string. */
gchar             *burrow_test_fake_hub_dup_flood_line  (BurrowTestFakeHub *hub,
                                                         guint              index);
/* Lines received (gchar *, no '\n'), owned by the hub. */
GPtrArray         *burrow_test_fake_hub_get_received    (BurrowTestFakeHub *hub);
gboolean           burrow_test_fake_hub_has_client      (BurrowTestFakeHub *hub);
guint              burrow_test_fake_hub_get_n_connections (BurrowTestFakeHub *hub);
guint64            burrow_test_fake_hub_get_bytes_sent  (BurrowTestFakeHub *hub);
/* Iterate until a client is connected / a received line starts with @prefix (searching all lines
 * received so far) / the send queue is empty / the client is gone. FALSE on timeout. */
gboolean           burrow_test_fake_hub_wait_for_client (BurrowTestFakeHub *hub,
                                                         guint              timeout_ms);
gboolean           burrow_test_fake_hub_wait_for_line   (BurrowTestFakeHub *hub,
                                                         const gchar       *prefix,
                                                         guint              timeout_ms);
gboolean           burrow_test_fake_hub_wait_sent       (BurrowTestFakeHub *hub,
                                                         guint              timeout_ms);
gboolean           burrow_test_fake_hub_wait_no_client  (BurrowTestFakeHub *hub,
                                                         guint              timeout_ms);
void               burrow_test_fake_hub_close_client    (BurrowTestFakeHub *hub);
void               burrow_test_fake_hub_free            (BurrowTestFakeHub *hub);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestFakeHub, burrow_test_fake_hub_free)

G_END_DECLS
