/* test-connectivity-decision.c — automatic mode: which inputs make us active, and why not
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-connectivity-decision"

#include "config.h"

#include <string.h>

#include "burrow-core.h"
#include "burrow-test-util.h"

static GInetAddress *
addr (const gchar *text)
{
  GInetAddress *a = g_inet_address_new_from_string (text);

  g_assert_nonnull (a);
  return a;
}

static void
test_scope (void)
{
  static const struct { const gchar *address; BurrowAddressScope scope; } cases[] = {
    { "10.77.1.2", BURROW_ADDRESS_PRIVATE },
    { "172.16.0.1", BURROW_ADDRESS_PRIVATE },
    { "172.31.255.255", BURROW_ADDRESS_PRIVATE },
    { "172.32.0.1", BURROW_ADDRESS_PUBLIC },
    { "192.168.1.1", BURROW_ADDRESS_PRIVATE },
    { "100.64.0.1", BURROW_ADDRESS_SHARED },
    { "100.127.255.254", BURROW_ADDRESS_SHARED },
    { "100.128.0.1", BURROW_ADDRESS_PUBLIC },
    { "127.0.0.1", BURROW_ADDRESS_LOOPBACK },
    { "169.254.3.4", BURROW_ADDRESS_LINK_LOCAL },
    { "0.0.0.0", BURROW_ADDRESS_UNSPECIFIED },
    /* the documentation ranges are the lab's internet: public */
    { "203.0.113.7", BURROW_ADDRESS_PUBLIC },
    { "198.51.100.2", BURROW_ADDRESS_PUBLIC },
    { "192.0.2.1", BURROW_ADDRESS_PUBLIC },
    { "8.8.8.8", BURROW_ADDRESS_PUBLIC },
    { "::1", BURROW_ADDRESS_LOOPBACK },
    { "fe80::1", BURROW_ADDRESS_LINK_LOCAL },
    { "::", BURROW_ADDRESS_UNSPECIFIED },
    { "2001:db8::1", BURROW_ADDRESS_PUBLIC },
    { "::ffff:192.168.0.5", BURROW_ADDRESS_PRIVATE },
    { "::ffff:203.0.113.9", BURROW_ADDRESS_PUBLIC },
    { "fd12:3456::1", BURROW_ADDRESS_PRIVATE },
    { "fc00::1", BURROW_ADDRESS_PRIVATE },
    { "fe00::1", BURROW_ADDRESS_PUBLIC },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) a = addr (cases[i].address);

      g_test_message ("%s", cases[i].address);
      g_assert_cmpint (burrow_address_scope (a), ==, cases[i].scope);
      g_assert_cmpint (burrow_address_is_private (a), ==, cases[i].scope != BURROW_ADDRESS_PUBLIC);
    }
}

typedef struct
{
  GPtrArray               *locals;
  BurrowConnectivityInputs in;
  BurrowPortMapping        mapping;
  BurrowConnectivityDecision d;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  memset (f, 0, sizeof *f);
  f->locals = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (f->locals, addr ("10.77.1.2"));
  f->in.local_addresses = f->locals;
  f->mapping.method = BURROW_MAPPING_METHOD_UPNP;
  f->mapping.external_port = 41234;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  burrow_connectivity_decision_clear (&f->d);
  g_clear_object (&f->in.hub_address);
  g_clear_object (&f->mapping.external_address);
  g_ptr_array_unref (f->locals);
}

static void
decide (Fixture *f)
{
  burrow_connectivity_decision_clear (&f->d);
  burrow_connectivity_decide (&f->in, &f->d);
  g_test_message ("%s: %s", burrow_connectivity_reason_to_string (f->d.reason), f->d.sentence);
  g_assert_nonnull (f->d.sentence);
}

static void
test_pending (Fixture       *f,
              gconstpointer  data)
{
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_PENDING);

  /* behind NAT, mappers still asking */
  f->in.hub_address = addr ("203.0.113.7");
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_MAPPING);
}

static void
test_direct (Fixture       *f,
             gconstpointer  data)
{
  g_ptr_array_add (f->locals, addr ("203.0.113.50"));
  f->in.hub_address = addr ("203.0.113.50");
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_DIRECT);
  g_assert_false (f->d.confirmed);
  g_assert_nonnull (strstr (f->d.sentence, "203.0.113.50"));

  f->in.reached = 4;
  decide (f);
  g_assert_true (f->d.confirmed);
  g_assert_nonnull (strstr (f->d.sentence, "4"));

  /* a host firewall: three peers in a row never arrive, and none ever did */
  f->in.reached = 0;
  f->in.unreached = BURROW_CONNECTIVITY_DEMOTE_AFTER;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_UNREACHED);
}

static void
test_mapped (Fixture       *f,
             gconstpointer  data)
{
  f->in.hub_address = addr ("203.0.113.7");
  f->mapping.external_address = addr ("203.0.113.7");
  f->in.mapping = &f->mapping;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_MAPPED);
  g_assert_cmpint (f->d.method, ==, BURROW_MAPPING_METHOD_UPNP);
  /* the port the router granted is the one to announce */
  g_assert_cmpuint (f->d.external_port, ==, 41234);
  g_assert_true (g_inet_address_equal (f->d.external_address, f->in.hub_address));
  g_assert_nonnull (strstr (f->d.sentence, "203.0.113.7:41234"));

  /* two unanswered requests do not demote; the third does */
  f->in.unreached = BURROW_CONNECTIVITY_DEMOTE_AFTER - 1;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  f->in.unreached = BURROW_CONNECTIVITY_DEMOTE_AFTER;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_UNREACHED);
  /* once a peer has reached us, the mapping is proven: it stays */
  f->in.reached = 1;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_true (f->d.confirmed);
}

static void
test_double_nat (Fixture       *f,
                 gconstpointer  data)
{
  f->in.hub_address = addr ("203.0.113.7");
  f->in.mapping = &f->mapping;

  /* the router's own WAN address is private */
  f->mapping.external_address = addr ("192.168.100.2");
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
  g_clear_object (&f->mapping.external_address);

  /* CGNAT range */
  f->mapping.external_address = addr ("100.64.3.4");
  decide (f);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
  g_clear_object (&f->mapping.external_address);

  /* public, but not what the hub sees */
  f->mapping.external_address = addr ("198.51.100.9");
  decide (f);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
  g_assert_nonnull (strstr (f->d.sentence, "198.51.100.9"));

  /* no address reported at all */
  g_clear_object (&f->mapping.external_address);
  decide (f);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_DOUBLE_NAT);
}

static void
test_mapper_errors (Fixture       *f,
                    gconstpointer  data)
{
  static const struct { gint code; BurrowConnectivityReason reason; } cases[] = {
    { BURROW_CONNECTIVITY_ERROR_NO_PUBLIC_ADDRESS, BURROW_CONNECTIVITY_REASON_CGNAT },
    { BURROW_CONNECTIVITY_ERROR_NO_MAPPER, BURROW_CONNECTIVITY_REASON_NO_MAPPER },
    { BURROW_CONNECTIVITY_ERROR_REFUSED, BURROW_CONNECTIVITY_REASON_REFUSED },
    { BURROW_CONNECTIVITY_ERROR_FAILED, BURROW_CONNECTIVITY_REASON_FAILED },
    { BURROW_CONNECTIVITY_ERROR_TURNED_OFF, BURROW_CONNECTIVITY_REASON_MAPPING_OFF },
  };

  f->in.hub_address = addr ("203.0.113.7");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (BURROW_CONNECTIVITY_ERROR, cases[i].code, "x");

      f->in.mapping_error = error;
      decide (f);
      g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
      g_assert_cmpint (f->d.reason, ==, cases[i].reason);
      g_assert_cmpint (f->d.method, ==, BURROW_MAPPING_METHOD_NONE);
      g_assert_true (g_str_has_prefix (f->d.sentence, "Passive with NAT traversal: "));
      f->in.mapping_error = NULL;
    }
}

/* IPv6 is decided apart and has no NAT: without a public address of our own there is no IPv6
 * to speak of; a hub that sees one of ours makes us active only through a pinhole in the
 * router's firewall (passive while it is asked for, and when none is had); anything else stays
 * passive, and no IPv4 mapping ever counts for it. */
static void
test_ipv6 (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GInetAddress) external = addr ("203.0.113.7");
  g_autoptr(GError) no_mapper = g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                     BURROW_CONNECTIVITY_ERROR_NO_MAPPER, "none");
  g_autoptr(GError) refused = g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                                   BURROW_CONNECTIVITY_ERROR_REFUSED, "no");
  g_autoptr(GError) off = g_error_new_literal (BURROW_CONNECTIVITY_ERROR,
                                               BURROW_CONNECTIVITY_ERROR_TURNED_OFF, "off");

  f->in.family = G_SOCKET_FAMILY_IPV6;
  g_ptr_array_set_size (f->locals, 0);
  g_ptr_array_add (f->locals, addr ("fe80::1"));
  g_ptr_array_add (f->locals, addr ("fd00::2"));
  decide (f);
  g_assert_cmpint (f->d.family, ==, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_NO_ADDRESS);

  g_ptr_array_add (f->locals, addr ("2001:db8:1::2"));
  decide (f);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_PENDING);

  /* our own address, the pinhole still asked for: passive for now */
  f->in.hub_address = addr ("2001:db8:1::2");
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_MAPPING);

  /* no router opens its firewall: passive with hole punching, saying why */
  f->in.mapping_error = no_mapper;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_NO_MAPPER);
  g_assert_true (g_str_has_prefix (f->d.sentence, "Passive with NAT traversal: "));
  f->in.mapping_error = refused;
  decide (f);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_REFUSED);
  f->in.mapping_error = off;
  decide (f);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_MAPPING_OFF);
  f->in.mapping_error = NULL;

  /* a PCP pinhole in the router's firewall for our own address */
  f->mapping.method = BURROW_MAPPING_METHOD_PCP;
  f->mapping.external_address = addr ("2001:db8:1::2");
  f->in.mapping = &f->mapping;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_ACTIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_MAPPED);
  g_assert_cmpint (f->d.method, ==, BURROW_MAPPING_METHOD_PCP);
  g_assert_cmpuint (f->d.external_port, ==, 41234);
  g_assert_nonnull (strstr (f->d.sentence, "2001:db8:1::2"));

  /* three peers in a row never came through it: passive with hole punching */
  f->in.unreached = BURROW_CONNECTIVITY_DEMOTE_AFTER;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_UNREACHED);
  f->in.unreached = 0;
  g_clear_object (&f->mapping.external_address);
  f->in.mapping = NULL;

  /* seen as someone else: a translator in between, and an IPv4 mapping does not help */
  g_clear_object (&f->in.hub_address);
  f->in.hub_address = addr ("2001:db8:99::7");
  f->mapping.external_address = g_object_ref (external);
  f->in.mapping = &f->mapping;
  decide (f);
  g_assert_cmpint (f->d.mode, ==, BURROW_CONNECTIVITY_PASSIVE);
  g_assert_cmpint (f->d.reason, ==, BURROW_CONNECTIVITY_REASON_TRANSLATED);
  g_assert_cmpint (f->d.method, ==, BURROW_MAPPING_METHOD_NONE);
}

/* When the last peer reached us is part of the decision (the Connectivity page shows it). */
static void
test_confirmed_at (Fixture       *f,
                   gconstpointer  data)
{
  g_ptr_array_add (f->locals, addr ("203.0.113.50"));
  f->in.hub_address = addr ("203.0.113.50");
  f->in.reached_at = G_GINT64_CONSTANT (1765000000) * G_USEC_PER_SEC;
  decide (f);
  g_assert_cmpint (f->d.family, ==, G_SOCKET_FAMILY_IPV4);
  g_assert_false (f->d.confirmed);
  g_assert_cmpint (f->d.confirmed_at, ==, 0);
  f->in.reached = 1;
  decide (f);
  g_assert_true (f->d.confirmed);
  g_assert_cmpint (f->d.confirmed_at, ==, G_GINT64_CONSTANT (1765000000) * G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/burrow/connectivity/decision/address-scope", test_scope);
#define ADD(path, func) \
  g_test_add ("/burrow/connectivity/decision/" path, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)
  ADD ("pending", test_pending);
  ADD ("direct", test_direct);
  ADD ("mapped", test_mapped);
  ADD ("double-nat", test_double_nat);
  ADD ("mapper-errors", test_mapper_errors);
  ADD ("ipv6", test_ipv6);
  ADD ("confirmed-at", test_confirmed_at);
#undef ADD

  return g_test_run ();
}
