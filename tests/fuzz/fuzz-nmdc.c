/* fuzz-nmdc.c — libFuzzer target for the NMDC line codec
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fuzz-nmdc"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burrow-core.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static BurrowNmdcCharset *charsets_[3];
static BurrowNmdcCharset *utf8_;

static void
init (void)
{
  static const gchar * const names[] = { "CP1252", "CP1251", "UTF-8" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      charsets_[i] = burrow_nmdc_charset_new (names[i], NULL);
      check (charsets_[i] != NULL, "charset opens");
    }
  utf8_ = charsets_[2];
}

static void
check_error (GError *error)
{
  check (error != NULL && error->domain == BURROW_PROTOCOL_ERROR, "error in the protocol domain");
}

static void
check_lock (const gchar *bytes,
            gsize        len)
{
  g_autoptr(GBytes) lock = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *pk = NULL;

  if (len >= 6 && memcmp (bytes, "$Lock ", 6) == 0)
    {
      bytes += 6;
      len -= 6;
    }
  if (!burrow_nmdc_parse_lock (bytes, len, &lock, &pk, &error))
    {
      check_error (error);
      return;
    }
  check (g_bytes_get_size (lock) >= 3 && g_bytes_get_size (lock) <= BURROW_NMDC_MAX_LOCK_LENGTH,
         "lock length");
  check (pk == NULL || g_utf8_validate (pk, -1, NULL), "pk is UTF-8");
  {
    g_autoptr(GBytes) key = burrow_nmdc_key_from_lock (lock);
    gsize key_len;
    const guint8 *k = g_bytes_get_data (key, &key_len);

    check (key_len >= g_bytes_get_size (lock), "key length");
    for (gsize i = 0; i < key_len; i++)
      check (k[i] != 0 && k[i] != 5 && k[i] != 36 && k[i] != 96 && k[i] != 124 && k[i] != 126,
             "key has no forbidden byte");
  }
  burrow_nmdc_lock_is_extended (lock);
}

/* Decoding gives UTF-8; encoding it gives the input back when the input holds no NUL and no
 * literal "\x" (which decoding cannot tell from its own escapes). */
static void
check_charsets (const gchar *bytes,
                gsize        len)
{
  gboolean plain = memchr (bytes, '\0', len) == NULL;

  for (gsize i = 0; i + 1 < len && plain; i++)
    if (bytes[i] == '\\' && bytes[i + 1] == 'x')
      plain = FALSE;

  for (gsize c = 0; c < G_N_ELEMENTS (charsets_); c++)
    {
      g_autofree gchar *text = burrow_nmdc_charset_decode (charsets_[c], bytes, (gssize) len);
      g_autofree gchar *back = NULL;
      gsize back_len;

      check (g_utf8_validate (text, -1, NULL), "decoded text is UTF-8");
      back = burrow_nmdc_charset_encode (charsets_[c], text, &back_len);
      if (plain)
        check (back_len == len && memcmp (back, bytes, len) == 0, "decode/encode round trip");
    }
}

/* Text with none of the characters that make a tag or field ambiguous. */
static gboolean
clean (const gchar *text)
{
  return text == NULL || (strpbrk (text, "<>,$|\\") == NULL && strstr (text, " V:") == NULL);
}

static void
check_myinfo (const gchar *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(BurrowUser) user = NULL;
  BurrowNmdcInfo info;
  BurrowNmdcInfo back;
  const gchar *back_args;
  gsize len;

  if (!burrow_nmdc_parse_myinfo (args, &info, &error))
    {
      check_error (error);
      burrow_nmdc_info_clear (&info);
      return;
    }
  check (burrow_nmdc_nick_is_valid (info.nick), "nick valid");
  check (info.description != NULL && info.connection != NULL && info.email != NULL, "fields set");
  check (!info.has_tag || info.client != NULL, "a tag has a client");

  user = burrow_user_new_nmdc (1, "id", info.nick);
  burrow_user_apply_nmdc_info (user, &info, TRUE);
  check (burrow_user_is_active (user) == (info.mode == 'A'), "user mode");
  check (!burrow_user_supports_nat_traversal (user) || !burrow_user_is_active (user),
         "NAT only when passive");

  line = burrow_nmdc_format_myinfo (&info, utf8_, BURROW_NMDC_MAX_MYINFO_BYTES, &len, &error);
  if (line == NULL)
    check_error (error);
  else
    check (len <= BURROW_NMDC_MAX_MYINFO_BYTES, "format respects the limit");
  g_clear_pointer (&line, g_free);
  g_clear_error (&error);

  if (strchr (args, '\\') != NULL || !clean (info.client) || !clean (info.version))
    goto out;
  line = burrow_nmdc_format_myinfo (&info, utf8_, G_MAXSIZE, &len, &error);
  check (line != NULL, "format without a limit");
  text = burrow_nmdc_charset_decode (utf8_, line, (gssize) len);
  check (burrow_nmdc_split_command (text, &back_args) == BURROW_NMDC_CMD_MY_INFO, "a $MyINFO");
  check (burrow_nmdc_parse_myinfo (back_args, &back, NULL), "formatted $MyINFO parses");
  check (g_strcmp0 (back.nick, info.nick) == 0, "round trip: nick");
  check (g_strcmp0 (back.description, info.description) == 0, "round trip: description");
  check (g_strcmp0 (back.email, info.email) == 0, "round trip: email");
  check (g_strcmp0 (back.connection, info.connection) == 0, "round trip: connection");
  check (back.hubs_normal == info.hubs_normal && back.hubs_registered == info.hubs_registered
         && back.hubs_operator == info.hubs_operator && back.slots == info.slots
         && back.upload_limit == info.upload_limit, "round trip: numbers");
  if (info.mode != 0)
    check (back.mode == info.mode, "round trip: mode");
  if (info.has_tag)
    check (g_strcmp0 (back.client, info.client) == 0
           && g_strcmp0 (back.version ? back.version : "", info.version ? info.version : "") == 0,
           "round trip: client");
  if (info.status != 0 && info.status != '$' && info.status != '|')
    check (back.status == info.status, "round trip: status");
  if (info.share_valid)
    check (back.share == info.share, "round trip: share");
  burrow_nmdc_info_clear (&back);

out:
  burrow_nmdc_info_clear (&info);
}

static void
check_search (const gchar *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowSearchQuery) query = NULL;
  g_autoptr(BurrowSearchQuery) back = NULL;
  g_autofree gchar *nick = NULL;
  g_autofree gchar *nick2 = NULL;
  g_autofree gchar *again = NULL;
  gboolean simple_terms = TRUE;

  if (!burrow_nmdc_parse_search (args, &query, &nick, &error))
    {
      check_error (error);
      check (query == NULL && nick == NULL, "nothing on failure");
      return;
    }
  check ((nick == NULL) != (query->udp_host == NULL), "active or passive");
  check (query->include->len <= BURROW_NMDC_MAX_SEARCH_TERMS, "terms bounded");

  again = burrow_nmdc_format_search (query, query->udp_host, query->udp_port, nick);
  if (again == NULL)
    {
      check (!query->has_tth && query->include->len == 0, "only an empty search is refused");
      return;
    }
  check (burrow_nmdc_parse_search (again, &back, &nick2, NULL), "formatted search parses");
  check (g_strcmp0 (nick, nick2) == 0 && g_strcmp0 (query->udp_host, back->udp_host) == 0
         && query->udp_port == back->udp_port, "round trip: searcher");
  check (back->has_tth == query->has_tth && back->type == query->type
         && back->groups == query->groups, "round trip: kind");
  if (query->has_tth)
    {
      check (memcmp (back->tth, query->tth, sizeof query->tth) == 0, "round trip: TTH");
      return;
    }
  check (back->min_size == query->min_size && back->max_size == query->max_size,
         "round trip: size");
  for (guint i = 0; i < query->include->len; i++)
    {
      const gchar *term = g_ptr_array_index (query->include, i);
      g_autofree gchar *folded = burrow_search_fold (term, -1);

      if (strchr (term, ' ') != NULL || strcmp (folded, term) != 0)
        simple_terms = FALSE;
    }
  if (simple_terms)
    {
      check (back->include->len == query->include->len, "round trip: term count");
      for (guint i = 0; i < query->include->len; i++)
        check (strcmp (back->include->pdata[i], query->include->pdata[i]) == 0, "round trip: term");
    }
}

static void
check_sr (const gchar *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *again = NULL;
  BurrowNmdcSearchResult result;
  BurrowNmdcSearchResult back;

  if (!burrow_nmdc_parse_sr (args, &result, &error))
    {
      check_error (error);
      check (result.reply == NULL && result.nick == NULL, "nothing on failure");
      return;
    }
  check (result.reply->path[0] == '/', "a path starts with '/'");
  again = burrow_nmdc_format_sr (&result);
  check (burrow_nmdc_parse_sr (again, &back, NULL), "formatted $SR parses");
  check (g_strcmp0 (back.nick, result.nick) == 0, "round trip: nick");
  check (g_strcmp0 (back.reply->path, result.reply->path) == 0, "round trip: path");
  check (back.reply->size == result.reply->size
         && back.reply->free_slots == result.reply->free_slots && back.slots == result.slots,
         "round trip: numbers");
  check (back.reply->has_tth == result.reply->has_tth
         && (!result.reply->has_tth || memcmp (back.reply->tth, result.reply->tth, 24) == 0),
         "round trip: TTH");
  check (g_strcmp0 (back.hub_name, result.hub_name) == 0
         && g_strcmp0 (back.hub_address, result.hub_address) == 0, "round trip: hub");
  check (g_strcmp0 (back.target, result.target) == 0, "round trip: target");
  burrow_nmdc_search_result_clear (&back);
  burrow_nmdc_search_result_clear (&result);
}

static void
check_connect_to_me (const gchar *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *again = NULL;
  BurrowNmdcConnectToMe ctm;
  BurrowNmdcConnectToMe back;

  if (!burrow_nmdc_parse_connect_to_me (args, &ctm, &error))
    {
      check_error (error);
      return;
    }
  check (ctm.port > 0, "port");
  again = burrow_nmdc_format_connect_to_me (&ctm);
  check (burrow_nmdc_parse_connect_to_me (again, &back, NULL), "formatted CTM parses");
  check (g_strcmp0 (back.target, ctm.target) == 0 && g_strcmp0 (back.host, ctm.host) == 0
         && back.port == ctm.port && back.tls == ctm.tls && back.nat == ctm.nat
         && g_strcmp0 (back.sender, ctm.sender) == 0, "round trip: CTM");
  burrow_nmdc_connect_to_me_clear (&back);
  burrow_nmdc_connect_to_me_clear (&ctm);
}

static void
check_chat (const gchar *line)
{
  g_autofree gchar *nick = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *nick2 = NULL;
  g_autofree gchar *text2 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean me = FALSE;
  gboolean me2 = FALSE;

  if (!burrow_nmdc_parse_chat (line, &nick, &text, &me, &error))
    {
      check_error (error);
      return;
    }
  again = burrow_nmdc_format_chat (nick, text, me);
  check (burrow_nmdc_parse_chat (again, &nick2, &text2, &me2, NULL), "formatted chat parses");
  check (g_strcmp0 (nick, nick2) == 0 && g_strcmp0 (text, text2) == 0 && me == me2,
         "round trip: chat");
}

static void
check_private (const gchar *args)
{
  g_autofree gchar *target = NULL;
  g_autofree gchar *from = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *target2 = NULL;
  g_autofree gchar *from2 = NULL;
  g_autofree gchar *text2 = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *args2;
  gboolean me = FALSE;
  gboolean me2 = FALSE;

  if (!burrow_nmdc_parse_private (args, &target, &from, &text, &me, &error))
    {
      check_error (error);
      return;
    }
  again = burrow_nmdc_format_private (target, from, text, me);
  check (burrow_nmdc_split_command (again, &args2) == BURROW_NMDC_CMD_TO, "a $To:");
  check (burrow_nmdc_parse_private (args2, &target2, &from2, &text2, &me2, NULL),
         "formatted PM parses");
  check (g_strcmp0 (target, target2) == 0 && g_strcmp0 (from, from2) == 0
         && g_strcmp0 (text, text2) == 0 && me == me2, "round trip: PM");
}

static void
check_line (const gchar *line)
{
  const gchar *args;
  BurrowNmdcCommand command = burrow_nmdc_split_command (line, &args);

  check (args != NULL, "arguments");
  switch (command)
    {
    case BURROW_NMDC_CMD_CHAT:
      check_chat (args);
      break;
    case BURROW_NMDC_CMD_MY_INFO:
      check_myinfo (args);
      break;
    case BURROW_NMDC_CMD_SEARCH:
      check_search (args);
      break;
    case BURROW_NMDC_CMD_SR:
      check_sr (args);
      break;
    case BURROW_NMDC_CMD_CONNECT_TO_ME:
      check_connect_to_me (args);
      break;
    case BURROW_NMDC_CMD_REV_CONNECT_TO_ME:
      {
        g_autofree gchar *sender = NULL;
        g_autofree gchar *target = NULL;
        g_autoptr(GError) error = NULL;

        if (burrow_nmdc_parse_rev_connect_to_me (args, &sender, &target, &error))
          check (burrow_nmdc_nick_is_valid (sender) && burrow_nmdc_nick_is_valid (target), "RCM");
        else
          check_error (error);
      }
      break;
    case BURROW_NMDC_CMD_TO:
      check_private (args);
      break;
    case BURROW_NMDC_CMD_NICK_LIST:
    case BURROW_NMDC_CMD_OP_LIST:
    case BURROW_NMDC_CMD_BOT_LIST:
      {
        g_autoptr(GPtrArray) nicks = burrow_nmdc_split_nick_list (args, 1000);

        check (nicks->len <= 1000, "list bounded");
        for (guint i = 0; i < nicks->len; i++)
          check (burrow_nmdc_nick_is_valid (nicks->pdata[i]), "listed nick valid");
      }
      break;
    case BURROW_NMDC_CMD_USER_IP:
      {
        g_autoptr(GPtrArray) pairs = burrow_nmdc_split_user_ip (args, 100);

        check (pairs->len % 2 == 0 && pairs->len <= 200, "pairs bounded");
      }
      break;
    case BURROW_NMDC_CMD_HUB_INFO:
      {
        g_autofree gchar *name = NULL;
        g_autofree gchar *description = NULL;
        g_autofree gchar *software = NULL;
        g_autoptr(GError) error = NULL;

        if (!burrow_nmdc_parse_hub_info (args, &name, &description, &software, &error))
          check_error (error);
      }
      break;
    default:
      break;
    }
}

/* Input: a hub line's raw bytes (without '|'; everything after a '|' is ignored for the line
 * parsers). The bytes go to the lock parser as they are, through each charset and back, and,
 * decoded as CP1252 and (when valid) as UTF-8, to the parser of the line's command. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const gchar *bytes = (const gchar *) data;
  const gchar *bar;
  gsize line_len;

  if (utf8_ == NULL)
    init ();
  if (size > BURROW_NMDC_MAX_LINE_LENGTH)
    return 0;

  check_lock (bytes, size);
  check_charsets (bytes, size);

  bar = memchr (bytes, '|', size);
  line_len = bar != NULL ? (gsize) (bar - bytes) : size;
  {
    g_autofree gchar *text = burrow_nmdc_charset_decode (charsets_[0], bytes, (gssize) line_len);

    check_line (text);
  }
  if (memchr (bytes, '\0', line_len) == NULL && g_utf8_validate (bytes, (gssize) line_len, NULL))
    {
      g_autofree gchar *text = g_strndup (bytes, line_len);

      check_line (text);
    }
  return 0;
}
