/* burrow-adc-message.h — one ADC protocol line: parser, builder, escaping
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "burrow-types.h"

G_BEGIN_DECLS

/* Three-letter commands as integers, so that a session can switch on them. */
#define BURROW_ADC_CMD(a, b, c) ((guint32) (a) << 16 | (guint32) (b) << 8 | (guint32) (c))

#define BURROW_ADC_CMD_SUP BURROW_ADC_CMD ('S', 'U', 'P')
#define BURROW_ADC_CMD_SID BURROW_ADC_CMD ('S', 'I', 'D')
#define BURROW_ADC_CMD_INF BURROW_ADC_CMD ('I', 'N', 'F')
#define BURROW_ADC_CMD_MSG BURROW_ADC_CMD ('M', 'S', 'G')
#define BURROW_ADC_CMD_SCH BURROW_ADC_CMD ('S', 'C', 'H')
#define BURROW_ADC_CMD_RES BURROW_ADC_CMD ('R', 'E', 'S')
#define BURROW_ADC_CMD_CTM BURROW_ADC_CMD ('C', 'T', 'M')
#define BURROW_ADC_CMD_RCM BURROW_ADC_CMD ('R', 'C', 'M')
#define BURROW_ADC_CMD_GPA BURROW_ADC_CMD ('G', 'P', 'A')
#define BURROW_ADC_CMD_PAS BURROW_ADC_CMD ('P', 'A', 'S')
#define BURROW_ADC_CMD_QUI BURROW_ADC_CMD ('Q', 'U', 'I')
#define BURROW_ADC_CMD_GET BURROW_ADC_CMD ('G', 'E', 'T')
#define BURROW_ADC_CMD_GFI BURROW_ADC_CMD ('G', 'F', 'I')
#define BURROW_ADC_CMD_SND BURROW_ADC_CMD ('S', 'N', 'D')
#define BURROW_ADC_CMD_STA BURROW_ADC_CMD ('S', 'T', 'A')
#define BURROW_ADC_CMD_NAT BURROW_ADC_CMD ('N', 'A', 'T')
#define BURROW_ADC_CMD_RNT BURROW_ADC_CMD ('R', 'N', 'T')
#define BURROW_ADC_CMD_ZON BURROW_ADC_CMD ('Z', 'O', 'N')
#define BURROW_ADC_CMD_ZOF BURROW_ADC_CMD ('Z', 'O', 'F')
#define BURROW_ADC_CMD_CMD BURROW_ADC_CMD ('C', 'M', 'D')

/* Longest line (without its '\n') the parser accepts. */
#define BURROW_ADC_MAX_LINE_LENGTH (64 * 1024)
/* Most parameters (after the header fields) the parser accepts. */
#define BURROW_ADC_MAX_PARAMS 256

/* Largest SID value (20 bits). */
#define BURROW_ADC_SID_MAX 0xfffffu

#define BURROW_TYPE_ADC_MESSAGE (burrow_adc_message_get_type ())

GType             burrow_adc_message_get_type       (void) G_GNUC_CONST;

BurrowAdcMessage *burrow_adc_message_parse          (const gchar            *line,
                                                     gssize                  len,
                                                     GError                **error);

BurrowAdcMessage *burrow_adc_message_new            (gchar                   type,
                                                     guint32                 command);
BurrowAdcMessage *burrow_adc_message_new_broadcast  (guint32                 command,
                                                     guint32                 my_sid);
BurrowAdcMessage *burrow_adc_message_new_direct     (gchar                   type,
                                                     guint32                 command,
                                                     guint32                 my_sid,
                                                     guint32                 target_sid);

BurrowAdcMessage *burrow_adc_message_ref            (BurrowAdcMessage       *msg);
void              burrow_adc_message_unref          (BurrowAdcMessage       *msg);

gchar             burrow_adc_message_get_type_char  (const BurrowAdcMessage *msg);
guint32           burrow_adc_message_get_command    (const BurrowAdcMessage *msg);
guint32           burrow_adc_message_get_sid        (const BurrowAdcMessage *msg);
guint32           burrow_adc_message_get_target     (const BurrowAdcMessage *msg);
const gchar      *burrow_adc_message_get_cid        (const BurrowAdcMessage *msg);
const gchar      *burrow_adc_message_get_features   (const BurrowAdcMessage *msg);
GStrv             burrow_adc_message_dup_features   (const BurrowAdcMessage *msg);

void              burrow_adc_message_set_sid        (BurrowAdcMessage       *msg,
                                                     guint32                 sid);
void              burrow_adc_message_set_target     (BurrowAdcMessage       *msg,
                                                     guint32                 target_sid);
void              burrow_adc_message_set_cid        (BurrowAdcMessage       *msg,
                                                     const gchar            *cid);
void              burrow_adc_message_set_features   (BurrowAdcMessage       *msg,
                                                     const gchar            *features);

void              burrow_adc_message_add_param      (BurrowAdcMessage       *msg,
                                                     const gchar            *value);
void              burrow_adc_message_add_named      (BurrowAdcMessage       *msg,
                                                     const gchar            *name,
                                                     const gchar            *value);
void              burrow_adc_message_add_named_int  (BurrowAdcMessage       *msg,
                                                     const gchar            *name,
                                                     gint64                  value);

guint             burrow_adc_message_get_n_params   (const BurrowAdcMessage *msg);
const gchar      *burrow_adc_message_get_param      (const BurrowAdcMessage *msg,
                                                     guint                   i);
guint             burrow_adc_message_get_n_positional (const BurrowAdcMessage *msg);
const gchar      *burrow_adc_message_get_named      (const BurrowAdcMessage *msg,
                                                     const gchar            *name);
gboolean          burrow_adc_message_get_named_int  (const BurrowAdcMessage *msg,
                                                     const gchar            *name,
                                                     gint64                 *out);
gboolean          burrow_adc_message_has_named      (const BurrowAdcMessage *msg,
                                                     const gchar            *name);
GPtrArray        *burrow_adc_message_dup_all_named  (const BurrowAdcMessage *msg,
                                                     const gchar            *name);

gchar            *burrow_adc_message_to_string      (const BurrowAdcMessage *msg);
void              burrow_adc_message_append_to      (const BurrowAdcMessage *msg,
                                                     GString                *out);

gchar            *burrow_adc_escape                 (const gchar            *s);
gchar            *burrow_adc_unescape               (const gchar            *s,
                                                     gssize                  len,
                                                     GError                **error);

gboolean          burrow_adc_sid_parse              (const gchar            *s,
                                                     gssize                  len,
                                                     guint32                *out);
void              burrow_adc_sid_to_string          (guint32                 sid,
                                                     gchar                   out[5]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowAdcMessage, burrow_adc_message_unref)

G_END_DECLS
