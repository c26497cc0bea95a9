/* burrow-error.h
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BURROW_PROTOCOL_ERROR (burrow_protocol_error_quark ())
#define BURROW_HUB_ERROR      (burrow_hub_error_quark ())
#define BURROW_NAT_ERROR      (burrow_nat_error_quark ())
#define BURROW_SHARE_ERROR    (burrow_share_error_quark ())
#define BURROW_TRANSFER_ERROR (burrow_transfer_error_quark ())
#define BURROW_CONNECTIVITY_ERROR (burrow_connectivity_error_quark ())

/**
 * BurrowProtocolError:
 *
 * Errors from the pure codecs (ADC/NMDC lines, base32, URIs, magnets, trees)
 * and from protocol state machines receiving something illegal.
 */
typedef enum
{
  BURROW_PROTOCOL_ERROR_MALFORMED,       /* generic syntax error */
  BURROW_PROTOCOL_ERROR_TOO_LONG,        /* line over the length limit */
  BURROW_PROTOCOL_ERROR_INVALID_UTF8,    /* not valid UTF-8 / control characters */
  BURROW_PROTOCOL_ERROR_BAD_ESCAPE,      /* backslash escape other than \s \n \\ */
  BURROW_PROTOCOL_ERROR_BAD_TYPE,        /* unknown message type letter */
  BURROW_PROTOCOL_ERROR_BAD_COMMAND,     /* command is not three upper-case letters/digits */
  BURROW_PROTOCOL_ERROR_BAD_SID,         /* SID is not four base32 characters */
  BURROW_PROTOCOL_ERROR_BAD_CID,         /* CID (U type) is not valid base32 */
  BURROW_PROTOCOL_ERROR_BAD_FEATURES,    /* F-type feature list malformed */
  BURROW_PROTOCOL_ERROR_TOO_MANY_PARAMS, /* more parameters than the limit */
  BURROW_PROTOCOL_ERROR_MISSING_PARAM,   /* a required parameter is absent */
  BURROW_PROTOCOL_ERROR_BAD_PARAM,       /* a parameter has an invalid value */
  BURROW_PROTOCOL_ERROR_BAD_BASE32,      /* invalid base32 text */
  BURROW_PROTOCOL_ERROR_BAD_LENGTH,      /* decoded value has the wrong length */
  BURROW_PROTOCOL_ERROR_BAD_URI,         /* hub URI not understood */
  BURROW_PROTOCOL_ERROR_UNSUPPORTED_SCHEME, /* URI scheme not supported */
  BURROW_PROTOCOL_ERROR_BAD_MAGNET,      /* magnet link not understood */
  BURROW_PROTOCOL_ERROR_BAD_TREE,        /* Tiger tree data inconsistent with its root */
  BURROW_PROTOCOL_ERROR_UNEXPECTED,      /* message illegal in the current state */
  BURROW_PROTOCOL_ERROR_FLOOD,           /* too many messages / entries */
} BurrowProtocolError;

/**
 * BurrowHubError:
 *
 * Errors of a hub session. ADC STA codes map onto these.
 */
typedef enum
{
  BURROW_HUB_ERROR_FAILED,
  BURROW_HUB_ERROR_CONNECTION_LOST,
  BURROW_HUB_ERROR_TIMED_OUT,
  BURROW_HUB_ERROR_PROTOCOL,
  BURROW_HUB_ERROR_HUB_FULL,
  BURROW_HUB_ERROR_HUB_DISABLED,
  BURROW_HUB_ERROR_NICK_INVALID,
  BURROW_HUB_ERROR_NICK_TAKEN,
  BURROW_HUB_ERROR_BAD_PASSWORD,
  BURROW_HUB_ERROR_PASSWORD_REQUIRED,
  BURROW_HUB_ERROR_CID_TAKEN,
  BURROW_HUB_ERROR_ACCESS_DENIED,
  BURROW_HUB_ERROR_REGISTERED_ONLY,
  BURROW_HUB_ERROR_INVALID_PID,
  BURROW_HUB_ERROR_KICKED,
  BURROW_HUB_ERROR_BANNED,
  BURROW_HUB_ERROR_TEMP_BANNED,
  BURROW_HUB_ERROR_REDIRECT_LOOP,
  BURROW_HUB_ERROR_NO_HASH,
  BURROW_HUB_ERROR_TLS,
  BURROW_HUB_ERROR_KEYPRINT_MISMATCH,
  BURROW_HUB_ERROR_KEYPRINT_CHANGED,
  BURROW_HUB_ERROR_TOO_MANY_USERS,
  BURROW_HUB_ERROR_INSECURE_REDIRECT,  /* an adcs:// hub redirected us to plain adc:// */
} BurrowHubError;

typedef enum
{
  BURROW_NAT_ERROR_FAILED,
  BURROW_NAT_ERROR_TIMED_OUT,
  BURROW_NAT_ERROR_REFUSED,
  BURROW_NAT_ERROR_UNREACHABLE,
  BURROW_NAT_ERROR_PEER_PASSIVE,
  BURROW_NAT_ERROR_UNSUPPORTED,
  BURROW_NAT_ERROR_SYMMETRIC,
  BURROW_NAT_ERROR_BIND_FAILED,
  BURROW_NAT_ERROR_KEYPRINT_MISMATCH,
  BURROW_NAT_ERROR_TOO_MANY,
  BURROW_NAT_ERROR_PROTOCOL_MISMATCH,  /* the peer used another protocol than we asked for
                                        * (e.g. plain ADC where we asked for ADCS) */
  BURROW_NAT_ERROR_BAD_ADDRESS,        /* the peer's I4/I6 is not a numeric IP address */
  BURROW_NAT_ERROR_OFFLINE,            /* the user is on none of our hubs */
  BURROW_NAT_ERROR_NO_COMMON_FAMILY,   /* both passive, and the hub knows the peer by another
                                        * address family than our connection to it */
} BurrowNatError;

typedef enum
{
  BURROW_SHARE_ERROR_FAILED,
  BURROW_SHARE_ERROR_NOT_FOUND,
  BURROW_SHARE_ERROR_OUTSIDE_ROOT,
  BURROW_SHARE_ERROR_BAD_NAME,
  BURROW_SHARE_ERROR_DUPLICATE,
  BURROW_SHARE_ERROR_LIST_TOO_LARGE,
  BURROW_SHARE_ERROR_LIST_TOO_DEEP,
  BURROW_SHARE_ERROR_TOO_MANY_ENTRIES,
  BURROW_SHARE_ERROR_BAD_LIST,
  BURROW_SHARE_ERROR_BAD_TTH,
  BURROW_SHARE_ERROR_DATABASE,
  BURROW_SHARE_ERROR_CHANGED,          /* file changed while queued or being hashed */
} BurrowShareError;

typedef enum
{
  BURROW_TRANSFER_ERROR_FAILED,
  BURROW_TRANSFER_ERROR_NO_SLOTS,
  BURROW_TRANSFER_ERROR_FILE_NOT_AVAILABLE,
  BURROW_TRANSFER_ERROR_CORRUPT,
  BURROW_TRANSFER_ERROR_DISK_FULL,
  BURROW_TRANSFER_ERROR_UNWRITABLE,
  BURROW_TRANSFER_ERROR_BAD_PEER,
  BURROW_TRANSFER_ERROR_BAD_PATH,
  BURROW_TRANSFER_ERROR_DATABASE,
  BURROW_TRANSFER_ERROR_NO_SOURCE,     /* no source of the file is online (or usable) */
} BurrowTransferError;

/**
 * BurrowConnectivityError:
 *
 * Why a port mapping (PCP, NAT-PMP, UPnP) or the mode decision failed.
 */
typedef enum
{
  BURROW_CONNECTIVITY_ERROR_FAILED,
  BURROW_CONNECTIVITY_ERROR_NO_MAPPER,         /* nothing answered, or the port is closed (ICMP) */
  BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS, /* the router has none: carrier-grade NAT */
  BURROW_CONNECTIVITY_ERROR_REFUSED,           /* the router refused this mapping (policy) */
  BURROW_CONNECTIVITY_ERROR_BAD_ANSWER,        /* an answer that fits no request of ours */
  BURROW_CONNECTIVITY_ERROR_TURNED_OFF,        /* every mapping protocol is switched off */
  BURROW_CONNECTIVITY_ERROR_DOUBLE_NAT,        /* the mapping's external address is private:
                                                * another NAT stands in front (it was deleted) */
} BurrowConnectivityError;

GQuark burrow_protocol_error_quark (void);
GQuark burrow_hub_error_quark      (void);
GQuark burrow_nat_error_quark      (void);
GQuark burrow_share_error_quark    (void);
GQuark burrow_transfer_error_quark (void);
GQuark burrow_connectivity_error_quark (void);

G_END_DECLS
