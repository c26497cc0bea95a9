/* burrow-application.h
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "burrow-core.h"
#include "burrow-ui-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_APPLICATION (burrow_application_get_type ())

G_DECLARE_FINAL_TYPE (BurrowApplication, burrow_application, BURROW, APPLICATION, GtkApplication)

BurrowApplication *burrow_application_new          (void);
gboolean           burrow_application_handles_uri  (const char         *uri);
BurrowClient      *burrow_application_get_client   (BurrowApplication  *self);
BurrowNotifier    *burrow_application_get_notifier (BurrowApplication  *self);
GSettings         *burrow_application_get_settings (BurrowApplication  *self);
gboolean           burrow_application_share_folder (BurrowApplication  *self,
                                                    GFile              *folder,
                                                    GError            **error);
guint              burrow_application_share_files  (BurrowApplication  *self,
                                                    GSList             *files,
                                                    char              **first_name,
                                                    char              **problems);
GSList            *burrow_application_dropped_files (const GValue      *value);
BurrowHubSession  *burrow_application_open_hub     (BurrowApplication  *self,
                                                    const char         *uri,
                                                    GError            **error);
BurrowHubSession  *burrow_application_open_hub_full (BurrowApplication  *self,
                                                    const char         *uri,
                                                    const char         *encoding,
                                                    GError            **error);

G_END_DECLS
