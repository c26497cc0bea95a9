/* burrow-user.h — a user on a hub, with the fields of its INF
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "burrow-nmdc.h"
#include "burrow-types.h"

G_BEGIN_DECLS

#define BURROW_TYPE_USER (burrow_user_get_type ())

G_DECLARE_FINAL_TYPE (BurrowUser, burrow_user, BURROW, USER, GObject)

/**
 * BurrowUserMode:
 * @BURROW_USER_MODE_PASSIVE: cannot accept connections and has no NAT traversal
 * @BURROW_USER_MODE_ACTIVE: accepts incoming TCP connections
 * @BURROW_USER_MODE_NAT_TRAVERSAL: passive, but can be reached by NAT traversal
 */
typedef enum
{
  BURROW_USER_MODE_PASSIVE,
  BURROW_USER_MODE_ACTIVE,
  BURROW_USER_MODE_NAT_TRAVERSAL,
} BurrowUserMode;

/* Longest INF field values kept, in bytes (DESIGN.md principle 7). A hub relays what its users
 * send, and it is the client that holds every user's fields: 5,000 users with 60 KB descriptions
 * would take 300 MB. Text fields longer than their limit are shortened at a UTF-8 character
 * boundary (the user stays listed, with the start of the text); values with a structure (addresses,
 * keyprint, feature list) that are longer than any valid value are ignored. Either way
 * burrow_user_apply_inf_full() counts the field, and the hub session reports it.
 *
 * Nick: uhub's default limit is 64 bytes, DC++ shows nicks in one column; 256 leaves room for
 *   any script. Description: a line of text in the user list; 1024 bytes is several lines
 *   (DC++ and uhub set no limit, real descriptions stay under 200). E-mail: RFC 5321 caps an
 *   address at 254. Client name and version (AP, VE): short product strings. Features (SU):
 *   64 four-letter features. Keyprint: "SHA256/" and 52 base32 characters. IPv6 text: at most
 *   45 characters. */
#define BURROW_USER_MAX_NICK_BYTES        256
#define BURROW_USER_MAX_DESCRIPTION_BYTES 1024
#define BURROW_USER_MAX_EMAIL_BYTES       256
#define BURROW_USER_MAX_CLIENT_BYTES      128    /* AP and VE each */
#define BURROW_USER_MAX_FEATURES_BYTES    320
#define BURROW_USER_MAX_KEYPRINT_BYTES    128
#define BURROW_USER_MAX_ADDRESS_BYTES     64     /* I4 and I6 */

BurrowUser     *burrow_user_new                (guint32           sid);
/* An NMDC user: @id is its protocol-neutral id (see burrow_user_get_id()), @nick its nick. */
BurrowUser     *burrow_user_new_nmdc           (guint32           sid,
                                                const gchar      *id,
                                                const gchar      *nick);
/* Applies a parsed $MyINFO: description, client ("<tag name> <V:>"), mode (tag M:, else the
 * one-byte field: 'A' active, anything else passive), share, slots, hubs, e-mail, and the status
 * byte (away 0x02, TLS 0x10, NAT traversal 0x20 only together with passive mode). Text fields
 * are bounded as for INF. Returns whether anything changed. */
gboolean        burrow_user_apply_nmdc_info    (BurrowUser           *self,
                                                const BurrowNmdcInfo *info,
                                                gboolean              notify);
/* NMDC's $OpList / $BotList / $UserIP set these (ADC has them in INF). */
void            burrow_user_set_operator       (BurrowUser       *self,
                                                gboolean          operator);
void            burrow_user_set_bot            (BurrowUser       *self,
                                                gboolean          bot);
void            burrow_user_set_ip4            (BurrowUser       *self,
                                                const gchar      *ip4);
gboolean        burrow_user_is_nmdc            (BurrowUser       *self);
/* The raw NMDC status byte (BURROW_NMDC_STATUS_*), 0 for ADC users. */
guint           burrow_user_get_nmdc_status    (BurrowUser       *self);
gboolean        burrow_user_apply_inf          (BurrowUser       *self,
                                                BurrowAdcMessage *inf,
                                                gboolean          notify);
gboolean        burrow_user_apply_inf_full     (BurrowUser       *self,
                                                BurrowAdcMessage *inf,
                                                gboolean          notify,
                                                guint            *n_over_long);
guint32         burrow_user_get_sid            (BurrowUser       *self);
/* a GRefString: g_ref_string_acquire () keeps it without a copy */
const gchar    *burrow_user_get_cid            (BurrowUser       *self);
const gchar    *burrow_user_get_id             (BurrowUser       *self);
const gchar    *burrow_user_get_nick           (BurrowUser       *self);
const gchar    *burrow_user_get_description    (BurrowUser       *self);
const gchar    *burrow_user_get_email          (BurrowUser       *self);
const gchar    *burrow_user_get_client         (BurrowUser       *self);
const gchar    *burrow_user_get_ip4            (BurrowUser       *self);
const gchar    *burrow_user_get_ip6            (BurrowUser       *self);
guint           burrow_user_get_udp4_port      (BurrowUser       *self);
guint           burrow_user_get_udp6_port      (BurrowUser       *self);
const gchar    *burrow_user_get_address        (BurrowUser       *self,
                                                GSocketFamily     family);
const gchar    *burrow_user_get_features       (BurrowUser       *self);
const gchar    *burrow_user_get_keyprint       (BurrowUser       *self);
guint64         burrow_user_get_share_size     (BurrowUser       *self);
guint64         burrow_user_get_shared_files   (BurrowUser       *self);
guint           burrow_user_get_slots          (BurrowUser       *self);
guint           burrow_user_get_free_slots     (BurrowUser       *self);
guint           burrow_user_get_hubs_normal    (BurrowUser       *self);
guint           burrow_user_get_hubs_registered (BurrowUser      *self);
guint           burrow_user_get_hubs_operator  (BurrowUser       *self);
guint           burrow_user_get_client_type    (BurrowUser       *self);
guint           burrow_user_get_away           (BurrowUser       *self);
gboolean        burrow_user_is_operator        (BurrowUser       *self);
gboolean        burrow_user_is_bot             (BurrowUser       *self);
gboolean        burrow_user_is_hub             (BurrowUser       *self);
gboolean        burrow_user_has_feature        (BurrowUser       *self,
                                                const gchar      *feature);
gboolean        burrow_user_is_active          (BurrowUser       *self);
gboolean        burrow_user_is_active_on       (BurrowUser       *self,
                                                GSocketFamily     family);
gboolean        burrow_user_supports_nat_traversal (BurrowUser   *self);
gboolean        burrow_user_supports_tls       (BurrowUser       *self);
BurrowUserMode  burrow_user_get_mode           (BurrowUser       *self);

G_END_DECLS
