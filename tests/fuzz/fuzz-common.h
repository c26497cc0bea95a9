/* fuzz-common.h — shared by the libFuzzer targets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdlib.h>

/* Stops the run (so that libFuzzer saves the input) when a property the target checks for
 * every input does not hold. */
#define check(condition, what)                                                          \
  G_STMT_START                                                                          \
  {                                                                                     \
    if (!(condition))                                                                   \
      {                                                                                 \
        g_printerr ("%s: property violated: %s\n", G_STRLOC, (const gchar *) (what));   \
        abort ();                                                                       \
      }                                                                                 \
  }                                                                                     \
  G_STMT_END
