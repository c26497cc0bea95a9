/* burrow-nmdc.h — NMDC hub lines: pure codecs (lock/key, escapes, charsets, $MyINFO, $Search,
 * $SR, $ConnectToMe, chat and private messages)
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here is a plain function over buffers, with GError results and no I/O
 * (DESIGN.md principle 4). A hub session reads a line (the bytes before '|'), handles $Lock on the
 * raw bytes (the key is computed from bytes, not text), and decodes every other line from the
 * hub's charset to UTF-8 with burrow_nmdc_charset_decode() before it parses it. The parsers below
 * take that UTF-8 text. The separators NMDC uses ('$', '|', ' ', '<', '>', '\x05') are ASCII and
 * survive decoding in every charset a hub uses. Facts: ../shared/NMDC.md, PROTOCOL.md §3.
 */

#pragma once

#include <glib-object.h>

#include "burrow-search-query.h"
#include "burrow-types.h"

G_BEGIN_DECLS

/* Longest line (without its '|') a session accepts: PtokaX allows 65536 after login. */
#define BURROW_NMDC_MAX_LINE_LENGTH   (64 * 1024)
/* Longest $MyINFO we send, in bytes of the hub's charset, without '|' (PtokaX closes longer). */
#define BURROW_NMDC_MAX_MYINFO_BYTES  256
/* Longest lock looked at; longer locks are refused (real ones are 30–100 bytes). */
#define BURROW_NMDC_MAX_LOCK_LENGTH   1024
/* Longest nick accepted in any line (both hubsofts allow 64; room for odd scripts). */
#define BURROW_NMDC_MAX_NICK_BYTES    256
/* Most search words looked at (as BURROW_SEARCH_MAX_TERMS). */
#define BURROW_NMDC_MAX_SEARCH_TERMS  BURROW_SEARCH_MAX_TERMS
/* A hub's charset when none is configured. */
#define BURROW_NMDC_DEFAULT_CHARSET   "CP1252"

/**
 * BurrowNmdcCommand:
 *
 * The command of a hub line: the word after '$' up to the first space, or %CHAT for a line that
 * starts with '<' (main chat), or %UNKNOWN. %EMPTY is a bare '|' (keep-alive).
 */
typedef enum
{
  BURROW_NMDC_CMD_UNKNOWN,
  BURROW_NMDC_CMD_EMPTY,
  BURROW_NMDC_CMD_CHAT,           /* <nick> text */
  BURROW_NMDC_CMD_LOCK,
  BURROW_NMDC_CMD_SUPPORTS,
  BURROW_NMDC_CMD_HELLO,
  BURROW_NMDC_CMD_GET_PASS,
  BURROW_NMDC_CMD_BAD_PASS,
  BURROW_NMDC_CMD_LOGED_IN,
  BURROW_NMDC_CMD_VALIDATE_DENIDE,
  BURROW_NMDC_CMD_HUB_IS_FULL,
  BURROW_NMDC_CMD_HUB_NAME,
  BURROW_NMDC_CMD_HUB_TOPIC,
  BURROW_NMDC_CMD_HUB_INFO,
  BURROW_NMDC_CMD_MY_INFO,
  BURROW_NMDC_CMD_NICK_LIST,
  BURROW_NMDC_CMD_OP_LIST,
  BURROW_NMDC_CMD_BOT_LIST,
  BURROW_NMDC_CMD_USER_IP,
  BURROW_NMDC_CMD_QUIT,
  BURROW_NMDC_CMD_TO,             /* $To: private message */
  BURROW_NMDC_CMD_SEARCH,
  BURROW_NMDC_CMD_SR,
  BURROW_NMDC_CMD_CONNECT_TO_ME,
  BURROW_NMDC_CMD_REV_CONNECT_TO_ME,
  BURROW_NMDC_CMD_FORCE_MOVE,
  BURROW_NMDC_CMD_USER_COMMAND,
  BURROW_NMDC_CMD_ZON,
  BURROW_NMDC_CMD_MY_IP,          /* Verlihub's TLS proxy: $MyIP ip tlsversion */
  BURROW_NMDC_CMD_BAD_NICK,       /* Verlihub with NickRule */
  BURROW_NMDC_CMD_NICK_RULE,
  BURROW_NMDC_CMD_SEARCH_RULE,
  BURROW_NMDC_CMD_HUB_URL,
  BURROW_NMDC_CMD_KICK,
  BURROW_NMDC_CMD_OP_FORCE_MOVE,
  BURROW_NMDC_CMD_MY_PASS,        /* client → hub; recognised for the test hub and fuzzing */
  BURROW_NMDC_CMD_KEY,
  BURROW_NMDC_CMD_VALIDATE_NICK,
  BURROW_NMDC_CMD_VERSION,
  BURROW_NMDC_CMD_GET_NICK_LIST,
  BURROW_NMDC_CMD_GET_INFO,
  BURROW_NMDC_CMD_SA,             /* $SA / $SP: Verlihub's short TTH searches (TTHS) */
  BURROW_NMDC_CMD_SP,
} BurrowNmdcCommand;

/* Splits a decoded line (without '|') into its command and the arguments after the first space
 * ("" when there are none; for %CHAT the whole line). Never fails. */
BurrowNmdcCommand burrow_nmdc_split_command      (const gchar  *line,
                                                  const gchar **args);

/* --- lock and key (PROTOCOL.md §3.3; NMDC.md §2.1) ------------------------------------------ */

/* Parses the raw bytes after "$Lock ": the lock is the text before " Pk=" (or before the first
 * space), pk the text after "Pk=" (NULL when absent). Fails (BURROW_PROTOCOL_ERROR_MALFORMED) on a
 * lock shorter than 3 bytes, or TOO_LONG beyond BURROW_NMDC_MAX_LOCK_LENGTH. */
gboolean          burrow_nmdc_parse_lock         (const gchar  *args,
                                                  gsize         len,
                                                  GBytes      **lock,
                                                  gchar       **pk,
                                                  GError      **error);
/* The lock starts with "EXTENDEDPROTOCOL" (then we send $Supports). */
gboolean          burrow_nmdc_lock_is_extended   (GBytes       *lock);
/* The key for @lock: raw bytes with 0, 5, 36, 96, 124, 126 written as /%DCNnnn%/. */
GBytes           *burrow_nmdc_key_from_lock      (GBytes       *lock);

/* --- text ----------------------------------------------------------------------------------- */

/* '$' → "&#36;", '|' → "&#124;", '&' → "&amp;" (chat, PMs, descriptions). */
gchar            *burrow_nmdc_escape             (const gchar  *text);
/* The reverse; other entities stay as they are. */
gchar            *burrow_nmdc_unescape           (const gchar  *text);

/* A valid nick: 1..BURROW_NMDC_MAX_NICK_BYTES bytes, no space, '$', '|', '<', '>', and no byte
 * below 32 (both hubsofts refuse these). */
gboolean          burrow_nmdc_nick_is_valid      (const gchar  *nick);

/* --- charsets ------------------------------------------------------------------------------- */

/* A hub's charset (NMDC has no negotiation: CP1252 by default, CP1251 on Russian hubs, UTF-8 on
 * some). Decoding never loses a byte: a byte that is not valid in the charset becomes the text
 * "\xNN" (two upper-case hex digits), and encoding turns "\xNN" (NN >= 80) back into that byte,
 * so a nick with such bytes still round-trips. A character the charset cannot hold is encoded
 * as '?'. Not thread-safe (it holds iconv state): one per session. */
typedef struct _BurrowNmdcCharset BurrowNmdcCharset;

/* @name: an iconv charset name ("CP1252", "cp1251", "UTF-8", "KOI8-R", "ISO-8859-1", …); NULL
 * means BURROW_NMDC_DEFAULT_CHARSET. Fails with G_CONVERT_ERROR_NO_CONVERSION when iconv does not
 * know it. */
BurrowNmdcCharset *burrow_nmdc_charset_new       (const gchar        *name,
                                                  GError            **error);
void               burrow_nmdc_charset_free      (BurrowNmdcCharset  *charset);
/* The canonical upper-case name (e.g. "CP1251"). */
const gchar       *burrow_nmdc_charset_get_name  (BurrowNmdcCharset  *charset);
gchar             *burrow_nmdc_charset_decode    (BurrowNmdcCharset  *charset,
                                                  const gchar        *bytes,
                                                  gssize              len);
/* Returns the bytes (NUL-terminated for convenience); @out_len without the NUL. */
gchar             *burrow_nmdc_charset_encode    (BurrowNmdcCharset  *charset,
                                                  const gchar        *utf8,
                                                  gsize              *out_len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowNmdcCharset, burrow_nmdc_charset_free)

/* --- $MyINFO -------------------------------------------------------------------------------- */

/* Status byte bits (NMDC.md §2.2): 0x01 normal, 0x02 away, 0x04 server, 0x08 fireball,
 * 0x10 TLS usable, 0x20 NAT traversal (only with passive mode), 0x40/0x80 set by PtokaX. */
#define BURROW_NMDC_STATUS_NORMAL  0x01
#define BURROW_NMDC_STATUS_AWAY    0x02
#define BURROW_NMDC_STATUS_TLS     0x10
#define BURROW_NMDC_STATUS_NAT     0x20

/**
 * BurrowNmdcInfo:
 *
 * One user's `$MyINFO $ALL <nick> <description><tag>$<mode>$<connection><status>$<email>$<share>$`,
 * long form (with tag) or PtokaX's short form (no tag; the mode letter in the one-byte field).
 * Text fields are unescaped UTF-8.
 */
typedef struct
{
  gchar    *nick;
  gchar    *description;      /* without the tag; "" when empty */
  gboolean  has_tag;          /* a trailing <… V:…> tag was present */
  gchar    *client;           /* the tag's name ("EiskaltDC++", "++", "ncdc"); NULL without tag */
  gchar    *version;          /* V: */
  gchar     mode;             /* 'A', 'P', '5', … from the tag's M:, else from the one-byte field
                                 when it is a letter; 0 when unknown */
  guint     hubs_normal;      /* H:a/b/c */
  guint     hubs_registered;
  guint     hubs_operator;
  guint     slots;            /* S: */
  guint     upload_limit;     /* O: or L: (KiB/s); 0 when absent */
  gchar    *connection;       /* the speed text, without the status byte */
  guint8    status;           /* BURROW_NMDC_STATUS_* bits; BURROW_NMDC_STATUS_NORMAL when missing */
  gboolean  has_status;
  gchar    *email;
  guint64   share;            /* bytes */
  gboolean  share_valid;      /* FALSE for a non-numeric share (bots: "BOT", "") */
} BurrowNmdcInfo;

/* Parses the arguments after "$MyINFO " ("$ALL nick …"). Lenient as real clients need
 * (NMDC.md §5.2 item 5): any byte in the mode field, optional tag, optional status byte,
 * non-numeric share. Fails (MALFORMED) when "$ALL <nick> " or the '$' fields are missing, or
 * when the nick is invalid. */
gboolean          burrow_nmdc_parse_myinfo       (const gchar          *args,
                                                  BurrowNmdcInfo       *info,
                                                  GError              **error);
/* Builds our own line "$MyINFO $ALL …" in @charset, the description escaped and shortened (at a
 * character boundary) until the line fits @max_bytes; the tag is always whole:
 * `<client V:version,M:mode,H:a/b/c,S:slots[,O:limit]>`. Returns NULL with @error when even an
 * empty description does not fit (TOO_LONG). */
gchar            *burrow_nmdc_format_myinfo      (const BurrowNmdcInfo *info,
                                                  BurrowNmdcCharset    *charset,
                                                  gsize                 max_bytes,
                                                  gsize                *out_len,
                                                  GError              **error);
void              burrow_nmdc_info_clear         (BurrowNmdcInfo       *info);

/* --- $Search and $SR (PROTOCOL.md §3.5, NMDC.md §1.6, §2.3) ---------------------------------- */

/* NMDC search types: 1 any, 2 audio, 3 compressed, 4 document, 5 executable, 6 picture,
 * 7 video, 8 folder, 9 TTH. */
/* Parses the arguments after "$Search ": `<ip>:<port> <F|T>?<F|T>?<size>?<type>?<terms>` (active:
 * sets @query->udp_host and udp_port) or `Hub:<nick> …` (passive: sets *@passive_nick). Terms
 * separated by '$' become include terms (folded); type 9 with "TTH:<base32>" sets has_tth; types
 * 2–7 set groups; 8 sets BURROW_SEARCH_TYPE_DIRECTORY. Fails (MALFORMED / BAD_PARAM) otherwise. */
gboolean          burrow_nmdc_parse_search       (const gchar          *args,
                                                  BurrowSearchQuery   **query,
                                                  gchar               **passive_nick,
                                                  GError              **error);
/* Builds the arguments of our "$Search " (without "$Search "): active when @udp_host is set,
 * else passive with @nick. Include terms are escaped and joined with '$'; a size limit becomes
 * the F/T flags (NMDC has one bound: max_size wins when both are set); one group becomes its
 * type; a TTH search is type 9. Returns NULL with BAD_PARAM for a query NMDC cannot express
 * (no terms and no TTH). */
gchar            *burrow_nmdc_format_search      (const BurrowSearchQuery *query,
                                                  const gchar          *udp_host,
                                                  guint16               udp_port,
                                                  const gchar          *nick);

typedef struct
{
  gchar             *nick;        /* who answers */
  BurrowSearchReply *reply;       /* path '/'-separated with a leading '/', directories end in '/' */
  guint              slots;       /* total slots */
  gchar             *hub_name;    /* the text before " (" when it is not a TTH; may be NULL */
  gchar             *hub_address; /* "ip:port" inside the parentheses; may be NULL */
  gchar             *target;      /* passive: the nick after the last \x05 (relayed $SR); NULL */
} BurrowNmdcSearchResult;

/* Parses the arguments after "$SR ", file and directory forms. NMDC paths use '\'; the result
 * uses '/' with a leading '/'. Fails (MALFORMED) on a missing field, a bad size or a bad TTH. */
gboolean          burrow_nmdc_parse_sr           (const gchar          *args,
                                                  BurrowNmdcSearchResult *result,
                                                  GError              **error);
/* Builds the arguments of "$SR " (without it): `<nick> <path>\x05<size> <free>/<slots>\x05TTH:<root>
 * (<hub_address>)`, the directory form for a path ending in '/', plus "\x05<target>" when
 * @target is set (passive). */
gchar            *burrow_nmdc_format_sr          (const BurrowNmdcSearchResult *result);
void              burrow_nmdc_search_result_clear (BurrowNmdcSearchResult *result);

/* --- $ConnectToMe and $RevConnectToMe (NMDC.md §3) ------------------------------------------- */

typedef struct
{
  gchar    *target;     /* the nick the request is for */
  gchar    *host;       /* IPv4 address text (or a bracketed IPv6 address without the brackets) */
  guint16   port;       /* 1..65535 */
  gboolean  tls;        /* the port ended in S (after N or R too: NS, RS) */
  gchar     nat;        /* 0, 'N' (NAT traversal, sender punches) or 'R' (the reply) */
  gchar    *sender;     /* the sender's nick after the address (the N form); NULL otherwise */
} BurrowNmdcConnectToMe;

/* Parses "<target> <ip>:<port>[N|R][S][ <sender>]". Fails (BAD_PARAM) on a port outside
 * 1..65535 or an unknown suffix, (MALFORMED) on a missing field. */
gboolean          burrow_nmdc_parse_connect_to_me (const gchar          *args,
                                                   BurrowNmdcConnectToMe *ctm,
                                                   GError              **error);
gchar            *burrow_nmdc_format_connect_to_me (const BurrowNmdcConnectToMe *ctm);
void              burrow_nmdc_connect_to_me_clear (BurrowNmdcConnectToMe *ctm);
/* "<sender> <target>". */
gboolean          burrow_nmdc_parse_rev_connect_to_me (const gchar  *args,
                                                       gchar       **sender,
                                                       gchar       **target,
                                                       GError      **error);

/* --- chat and private messages ----------------------------------------------------------------- */

/* A main-chat line "<nick> text" (the whole line): nick and unescaped text; *@third_person for
 * "/me " (removed from @text). Fails (MALFORMED) without "<nick> ". */
gboolean          burrow_nmdc_parse_chat         (const gchar  *line,
                                                  gchar       **nick,
                                                  gchar       **text,
                                                  gboolean     *third_person,
                                                  GError      **error);
/* "<nick> text" with text escaped ("/me " prefixed for third person). */
gchar            *burrow_nmdc_format_chat        (const gchar  *nick,
                                                  const gchar  *text,
                                                  gboolean      third_person);
/* The arguments after "$To: ": "<target> From: <from> $<<display>> text". */
gboolean          burrow_nmdc_parse_private      (const gchar  *args,
                                                  gchar       **target,
                                                  gchar       **from,
                                                  gchar       **text,
                                                  gboolean     *third_person,
                                                  GError      **error);
/* The whole line "$To: <target> From: <from> $<<from>> text". */
gchar            *burrow_nmdc_format_private     (const gchar  *target,
                                                  const gchar  *from,
                                                  const gchar  *text,
                                                  gboolean      third_person);

/* --- lists ----------------------------------------------------------------------------------------- */

/* Splits "$NickList a$$b$$" / "$OpList …" / "$BotList …" arguments into nicks (empty items and
 * invalid nicks skipped), at most @max items. */
GPtrArray        *burrow_nmdc_split_nick_list    (const gchar  *args,
                                                  guint         max);
/* "$UserIP nick ip$$nick2 ip2$$" (PtokaX sends one pair without "$$"): pairs (nick, ip) as
 * alternating entries. */
GPtrArray        *burrow_nmdc_split_user_ip      (const gchar  *args,
                                                  guint         max);
/* "$HubINFO name$addr$desc$maxusers$minshare$minslots$maxhubs$soft$email…": the name, the
 * description and the hub software (each may be NULL). */
gboolean          burrow_nmdc_parse_hub_info     (const gchar  *args,
                                                  gchar       **name,
                                                  gchar       **description,
                                                  gchar       **software,
                                                  GError      **error);

G_END_DECLS
