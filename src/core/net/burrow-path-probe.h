/* burrow-path-probe.h — how many hops our packets need to leave our own NAT or firewall
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The hops probed (TTL 1 … this). */
#define BURROW_PATH_PROBE_MAX_TTL 8
/* How long the probe waits for ICMP answers. */
#define BURROW_PATH_PROBE_WAIT_MS 250

typedef struct
{
  guint  ttl;                                      /* chosen TTL for a first SYN; 0 = none usable */
  gchar *offenders[BURROW_PATH_PROBE_MAX_TTL + 1]; /* router that answered hop i (or NULL) */
  gchar *summary;                                  /* "1 192.168.1.1, 2 198.51.100.1 → TTL 2" */
} BurrowPathProbe;

void              burrow_path_probe_async  (GInetAddress         *local,
                                            GInetAddress         *peer,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
BurrowPathProbe  *burrow_path_probe_finish (GAsyncResult         *result,
                                            GError              **error);
void              burrow_path_probe_free   (BurrowPathProbe      *probe);
gboolean          burrow_path_address_is_public (GInetAddress    *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowPathProbe, burrow_path_probe_free)

G_END_DECLS
