/* burrow-test-util.h — helpers shared by Burrow's tests
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-client.h"

G_BEGIN_DECLS

/* Iterate the default main context until *flag becomes TRUE or timeout_ms passes.
 * Returns TRUE if the flag was set, FALSE on timeout. */
gboolean  burrow_test_wait_for_flag  (const gboolean *flag,
                                      guint           timeout_ms);

/* Same, with a predicate. The context is iterated blocking: the predicate is checked again after
 * each dispatched event, so its state must change in a main-context callback (or a source must
 * wake the context up). */
typedef gboolean (*BurrowTestPredicate) (gpointer user_data);
/* Loopback UDP stand-ins for a router's port 5351: a port nobody listens on (the kernel answers
 * with ICMP port unreachable), and a bound socket that never answers (@sink, to read what came). */
GInetSocketAddress *burrow_test_closed_udp_port (void);
GInetSocketAddress *burrow_test_silent_udp_port (GSocket **sink);

/* A PCP router on loopback that answers every MAP request with @result, echoing the request's
 * nonce, protocol and ports (as miniupnpd does, also for errors), with its epoch. */
typedef struct
{
  GSocket *socket;
  GSource *source;
  guint8   result;
  guint    requests;
  guint32  last_lifetime;
  guint32  epoch;          /* 100 from the start; a test sets it back to "restart" it */
  gboolean silent;         /* counts requests, answers none */
  gboolean ipv6;           /* on [::1], granting pinholes (set before the start) */
  const gchar *external;   /* an IPv4 external address to grant (default: the one asked for) */
  guint    delay_ms;       /* answers this much later */
} BurrowTestPcpRouter;

void      burrow_test_pcp_router_start    (BurrowTestPcpRouter *router,
                                           guint8               result);
void      burrow_test_pcp_router_stop     (BurrowTestPcpRouter *router);
/* Sends the unsolicited ANNOUNCE answer (RFC 6887 §14.1.3) with the router's epoch to
 * 127.0.0.1:@port (in place of 224.0.0.1:5350). */
void      burrow_test_pcp_router_announce (BurrowTestPcpRouter *router,
                                           guint16              port);

/* @ms, stretched in sanitizer builds (BURROW_TEST_DEADLINE_SCALE). */
guint     burrow_test_deadline_ms    (guint               ms);
gboolean  burrow_test_wait_until     (BurrowTestPredicate predicate,
                                      gpointer            user_data,
                                      guint               timeout_ms);

/* Runs the default main context for @ms (blocking between events): to check that something does
 * not happen. */
void      burrow_test_iterate_for    (guint               ms);

/* The outcome of one asynchronous call. Pass burrow_test_result_cb () as its callback and a
 * BurrowTestResult (initialised with BURROW_TEST_RESULT_INIT) as its user data, then call its
 * _finish function on burrow_test_result_wait ():
 *
 *   g_auto(BurrowTestResult) r = BURROW_TEST_RESULT_INIT;
 *
 *   burrow_client_browse_async (client, session, user, NULL, burrow_test_result_cb, &r);
 *   tree = burrow_client_browse_finish (client, burrow_test_result_wait (&r, DEADLINE_MS), NULL, &error);
 */
typedef struct
{
  GAsyncResult *result;   /* owned; NULL until the callback ran */
} BurrowTestResult;

#define BURROW_TEST_RESULT_INIT { NULL }

/* A GAsyncReadyCallback: keeps a reference to @result in the BurrowTestResult @user_data
 * (asserts it is the first one). */
void          burrow_test_result_cb    (GObject          *source,
                                        GAsyncResult     *result,
                                        gpointer          user_data);
/* TRUE once the callback ran. */
gboolean      burrow_test_result_done  (BurrowTestResult *self);
/* Iterates the default main context until the callback ran; fails the test when it has not
 * after @timeout_ms. Returns the stored result (owned by @self). */
GAsyncResult *burrow_test_result_wait  (BurrowTestResult *self,
                                        guint             timeout_ms);
/* Drops the stored result: @self can be used for another call. */
void          burrow_test_result_clear (BurrowTestResult *self);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BurrowTestResult, burrow_test_result_clear)

/* Writes @len bytes of deterministic pseudo-random data to a new file in @dir. */
gchar    *burrow_test_write_file     (const gchar *dir,
                                      const gchar *name,
                                      gsize        len,
                                      guint32      seed);

/* Runs argv synchronously and returns its stdout, or NULL (and skips-friendly error). */
gchar    *burrow_test_run_capture    (const gchar * const *argv,
                                      GError             **error);

/* Deletes a directory tree (test scratch space). */
void      burrow_test_remove_tree    (const gchar *path);

/* Connects @session and waits for the outcome (login or failure); returns the error or NULL. */
GError   *burrow_test_connect_hub    (BurrowHubSession *session);

/* Adds @uri to @client and asserts that the login completes. */
BurrowHubSession *burrow_test_join_hub (BurrowClient *client,
                                        const gchar  *uri);
/* Waits until @session lists a user called @nick. */
gboolean  burrow_test_wait_nick      (BurrowHubSession *session,
                                      const gchar      *nick,
                                      guint             timeout_ms);
/* Waits until @share neither scans nor hashes, has its tree and at least @min_files files (the
 * count is final then: callers compare it). */
gboolean  burrow_test_wait_share     (BurrowShare      *share,
                                      guint             min_files,
                                      guint             timeout_ms);

/* Runs `rhash --tth PATH` (an independent TTH implementation); FALSE with a message on failure. */
gboolean  burrow_test_rhash_tth      (const gchar *rhash,
                                      const gchar *path,
                                      guint8       root[24]);

/* A new BurrowClient with its data in @parent_dir/@nick, named @nick; @active switches it to
 * active mode (asserted). */
BurrowClient *burrow_test_new_client (const gchar *parent_dir,
                                      const gchar *nick,
                                      gboolean     active);

/* Path of the running test executable (/proc/self/exe; asserts on failure). */
gchar    *burrow_test_self_exe       (void);

/* burrow-cli ($BURROW_CLI) run to its end: its output and exit status. */
typedef struct
{
  gchar *out;
  gchar *err;
  gint   status;
} BurrowTestCliRun;

/* Starts $BURROW_CLI with @args (NULL-terminated), stdout and stderr piped (asserts). */
GSubprocess      *burrow_test_spawn_cli    (const gchar * const *args);
/* Runs it to the end while the default main context keeps iterating (asserts it ends within
 * @timeout_ms). */
BurrowTestCliRun *burrow_test_run_cli      (const gchar * const *args,
                                            guint                timeout_ms);
void              burrow_test_cli_run_free (BurrowTestCliRun    *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestCliRun, burrow_test_cli_run_free)

/* Waits until @nick is (@present) or is no longer listed on @session. */
gboolean           burrow_test_wait_nick_presence (BurrowHubSession *session,
                                                   const gchar      *nick,
                                                   gboolean          present,
                                                   guint             timeout_ms);
/* The first message of @kind with exactly @text in @messages, or NULL. */
BurrowChatMessage *burrow_test_find_message       (GListModel       *messages,
                                                   BurrowChatKind    kind,
                                                   const gchar      *text);
/* Waits until @session's messages hold one of @kind with @text; returns it (or NULL). */
BurrowChatMessage *burrow_test_wait_message       (BurrowHubSession *session,
                                                   BurrowChatKind    kind,
                                                   const gchar      *text,
                                                   guint             timeout_ms);

G_END_DECLS
