#!/usr/bin/python3
# test-portmap.py — Burrow's PCP / NAT-PMP client against a real router (miniupnpd) in namespaces
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# (burrow-map-port --upnp also drives Burrow's UPnP mapper; those cells are named upnp-*.)
#
# Topology (namespaces pm<PID>-*, nothing in the root namespace):
#
#   wan   198.51.100.1/24, 2001:db8::1/64 (the "internet": STUN responder, inbound probes)
#    |  up0 <-> wan0
#   rtr   WAN wan0 198.51.100.2/24 2001:db8::2/64, LAN bridge br0 192.168.1.1/24 2001:db8:1::1/64;
#         nftables: IPv4 masquerade, a firewall that drops inbound traffic (both families), and
#         empty chains miniupnpd fills; miniupnpd serving PCP and NAT-PMP on br0
#    |  br0: l1 <-> eth0 (lan), l2 <-> eth0 (lan2)
#   lan   192.168.1.2 2001:db8:1::2   burrow-map-port, TCP and UDP listeners
#   lan2  192.168.1.3 2001:db8:1::3   (other-port only) a second host that takes the port first
#
# 198.51.100.2 is a documentation address, which miniupnpd counts as reserved: it refuses to
# forward until a STUN check calls its WAN address public. The wan namespace runs a STUN
# responder for that; the `cgnat` cell leaves the check off, as for a router behind
# carrier-grade NAT. miniupnpd runs as a daemon, without -d: its debug logging can stall it.
#
# Cells (--cell, see CELLS):
#   pcp         a router without UPnP: TCP+UDP mapped by PCP (default gateway found from the
#               route table); inbound from the wan arrives; after "unmap" it does not, and the
#               router has no rule left; the engine's mapper, asking every protocol, maps by PCP
#   pcp-ipv6    the same for an IPv6 pinhole (PCP to the router's IPv6 LAN address); then the
#               engine's mapper (driver --keep) opens TCP and UDP pinholes and closes them
#   double-nat  the router's WAN is private, behind the carrier's NAT (uhub beyond it); its STUN
#               check passes inside the carrier's network, so miniupnpd maps at 10.0.0.2: the
#               mapper reports that address; `burrow-cli serve --mode auto` says double NAT
#               (passive), and the mapping is deleted on the router and not renewed
#   upnp-ipv6   a UPnP-only router: the engine's mapper opens them by UPnP IGD:2 AddPinhole
#               (SSDP over IPv6); with PCP served too, PCP opens them and UPnP is not asked
#   nat-pmp     the same by NAT-PMP
#   cgnat       forwarding disabled on the router: no-public-address in under 1 s
#   none        no miniupnpd: no-mapper within 100 ms (ICMP port unreachable)
#   drop        the router drops UDP 5351: no-mapper at the 2.5 s deadline (<= 2.6 s)
#   other-port  a second host holds the port, or the router's rules forbid it (80): the router
#               grants another, inbound on it works
#   reboot      miniupnpd restarts and loses its rules: the renewal's epoch went backwards, the
#               driver says so, the mapping works again; deleting a lost mapping succeeds
#   reboot-announce  the engine's port mapper (driver --keep) hears the restarted router's PCP
#               ANNOUNCE and maps again at once, without a renewal
#   upnp        TCP+UDP mapped by UPnP (libminiupnpc, SSDP); the renewal uses the cached
#               description URL (< 1 s); inbound works until the unmap
#   upnp-cgnat  forwarding disabled: no-public-address (UPnP 501 without an external address)
#   upnp-other-port  the external port asked for is outside the router's rules: another one
#               is granted (AddAnyPortMapping), inbound on it works
# Exit 0 pass, 1 fail, 77 skip (not root, no network namespaces, no ip/nft/ss/miniupnpd). As
# root, a lab that cannot be built fails.
#
# Helper modes (run inside a namespace by the test itself):
#   test-portmap.py serve NAME PORT...   TCP and UDP listeners answering "NAME"
#   test-portmap.py stun IP PORT         an RFC 5389 binding responder (XOR-MAPPED-ADDRESS)

import ipaddress
import json
import re
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
from natlab import LabError, Proc, run  # noqa: E402

WAN_HOST = '198.51.100.1'
ROUTER_WAN = '198.51.100.2'
ROUTER_LAN = '192.168.1.1'
LAN_HOST = '192.168.1.2'
LAN2_HOST = '192.168.1.3'
# IPv6: no NAT; the wan routes the LAN's prefix to the router, whose firewall drops inbound
# traffic unless a PCP pinhole opens it
WAN_HOST6 = '2001:db8::1'
ROUTER_WAN6 = '2001:db8::2'
ROUTER_LAN6 = '2001:db8:1::1'
LAN_HOST6 = '2001:db8:1::2'
LAN2_HOST6 = '2001:db8:1::3'
# the double-nat cell: wan is the carrier's network, whose NAT leads to inet (the internet)
CGN_INSIDE = '10.0.0.1'
CGN_ROUTER_WAN = '10.0.0.2'
CGN_OUTSIDE = '203.0.113.1'
INET_HUB = '203.0.113.2'
HUB_PORT = 1511
PCP_PORT = natlab.MAPPER_PCP_PORT
PORT = 41234

# Lab set-up can take long on a busy machine (TESTING.md); the timings asserted are the driver's.
SETUP_TIMEOUT = 90
# RFC 6887 retransmission and Burrow's deadline (BURROW_PCP_DEFAULT_DEADLINE_MS)
DEADLINE_MS = 2500

SELF = os.path.abspath(__file__)


def log (msg):
  sys.stderr.write('test-portmap: %s\n' % msg)
  sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# Helpers that run inside namespaces

def serve (name, ports):
  """TCP and UDP listeners on each port; each answers with NAME (and the peer) and keeps going."""
  def tcp_loop (s):
    while True:
      c, peer = s.accept()
      try:
        c.sendall(('%s %s %d\n' % (name, peer[0], peer[1])).encode())
      finally:
        c.close()

  def udp_loop (s):
    while True:
      data, peer = s.recvfrom(2048)
      s.sendto(('%s %s %d %s' % (name, peer[0], peer[1], data.decode(errors='replace'))).encode(),
               peer)

  threads = []
  for port in ports:
    # dual-stack: IPv4 (through the NAT) and IPv6 (through a pinhole)
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(('::', port))
    t.listen(16)
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.bind(('::', port))
    threads += [threading.Thread(target=tcp_loop, args=(t,), daemon=True),
                threading.Thread(target=udp_loop, args=(u,), daemon=True)]
  for t in threads:
    t.start()
  print('listening %s' % ' '.join(str(p) for p in ports), flush=True)
  threading.Event().wait()


STUN_MAGIC = 0x2112A442


def stun (ip, port):
  """Answers every RFC 5389 binding request with the address it came from (XOR-MAPPED-ADDRESS)."""
  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  s.bind((ip, port))
  print('stun ready', flush=True)
  while True:
    data, peer = s.recvfrom(2048)
    if len(data) < 20:
      continue
    kind, length, magic = struct.unpack('!HHI', data[:8])
    if kind != 0x0001 or magic != STUN_MAGIC:
      continue
    transaction = data[8:20]
    address = struct.unpack('!I', socket.inet_aton(peer[0]))[0]
    value = struct.pack('!BBHI', 0, 0x01, peer[1] ^ (STUN_MAGIC >> 16), address ^ STUN_MAGIC)
    attribute = struct.pack('!HH', 0x0020, len(value)) + value
    s.sendto(struct.pack('!HHI', 0x0101, len(attribute), STUN_MAGIC) + transaction + attribute,
             peer)
    print('stun answered %s:%d' % peer, flush=True)


# ---------------------------------------------------------------------------------------------
# The lab

RULESET = '''
table inet pmrtr {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    meta l4proto ipv6-icmp accept
    jump upnp_forward
    iifname "br0" accept
  }
  chain upnp_forward {
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump upnp_prerouting
  }
  chain upnp_prerouting {
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump upnp_postrouting
    oifname "wan0" masquerade
  }
  chain upnp_postrouting {
  }
  chain input {
    type filter hook input priority filter; policy accept;
%(input)s
    iifname "wan0" ct state established,related accept
    iifname "wan0" meta l4proto { icmp, ipv6-icmp } accept
    iifname "wan0" drop
  }
}
'''

class Lab:
  def __init__ (self, second_host=False, drop_pcp=False, cgn=False):
    self.prefix = 'pm%d-' % os.getpid()
    self.second_host = second_host
    self.drop_pcp = drop_pcp
    # cgn: the router's WAN is private (10.0.0.2) in the carrier's network (wan, 10.0.0.1),
    # whose NAT leads to inet; its STUN responder sits inside, so miniupnpd's check passes
    self.cgn = cgn
    self.wan_host, self.router_wan = (CGN_INSIDE, CGN_ROUTER_WAN) if cgn else (WAN_HOST, ROUTER_WAN)
    self.namespaces = []
    self.procs = []
    self.workdir = tempfile.mkdtemp(prefix='burrow-portmap-')
    # miniupnpd serving PCP, NAT-PMP and UPnP on br0, with the chains of the router's ruleset
    self.mapper = natlab.RouterMapper(self, 'rtr', ns='rtr', lan_if='br0', lan='192.168.1.0/24',
                                      stun_host=self.wan_host, tables=('pmrtr', 'pmrtr'))

  def ns (self, name):
    return self.prefix + name

  def sh (self, ns, *argv, **kw):
    return run(['ip', 'netns', 'exec', self.ns(ns)] + list(argv), **kw)

  def exec (self, ns, argv, check=True, input=None):
    return self.sh(ns, *argv, check=check, input=input)

  def build (self):
    hosts = ['lan'] + (['lan2'] if self.second_host else [])
    for name in ['wan', 'rtr'] + hosts:
      run(['ip', 'netns', 'add', self.ns(name)])
      self.namespaces.append(self.ns(name))
      run(['ip', '-n', self.ns(name), 'link', 'set', 'lo', 'up'])

    run(['ip', '-n', self.ns('rtr'), 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'up0',
         'netns', self.ns('wan')])
    run(['ip', '-n', self.ns('rtr'), 'link', 'add', 'br0', 'type', 'bridge'])
    run(['ip', '-n', self.ns('rtr'), 'addr', 'add', self.router_wan + '/24', 'dev', 'wan0'])
    run(['ip', '-n', self.ns('rtr'), 'addr', 'add', ROUTER_LAN + '/24', 'dev', 'br0'])
    run(['ip', '-n', self.ns('wan'), 'addr', 'add', self.wan_host + '/24', 'dev', 'up0'])
    for address, dev, ns in ((ROUTER_WAN6, 'wan0', 'rtr'), (ROUTER_LAN6, 'br0', 'rtr'),
                             (WAN_HOST6, 'up0', 'wan')):
      run(['ip', '-n', self.ns(ns), 'addr', 'add', address + '/64', 'dev', dev, 'nodad'])
    for dev, ns in (('wan0', 'rtr'), ('up0', 'wan'), ('br0', 'rtr')):
      run(['ip', '-n', self.ns(ns), 'link', 'set', dev, 'up'])
    run(['ip', '-n', self.ns('rtr'), 'route', 'add', 'default', 'via', self.wan_host])
    run(['ip', '-n', self.ns('rtr'), '-6', 'route', 'add', 'default', 'via', WAN_HOST6])
    run(['ip', '-n', self.ns('wan'), '-6', 'route', 'add', '2001:db8:1::/64', 'via', ROUTER_WAN6])
    for i, (host, address, address6) in enumerate(zip(hosts, (LAN_HOST, LAN2_HOST),
                                                       (LAN_HOST6, LAN2_HOST6)), 1):
      port = 'l%d' % i
      run(['ip', '-n', self.ns('rtr'), 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0',
           'netns', self.ns(host)])
      run(['ip', '-n', self.ns('rtr'), 'link', 'set', port, 'master', 'br0', 'up'])
      run(['ip', '-n', self.ns(host), 'addr', 'add', address + '/24', 'dev', 'eth0'])
      run(['ip', '-n', self.ns(host), 'addr', 'add', address6 + '/64', 'dev', 'eth0', 'nodad'])
      run(['ip', '-n', self.ns(host), 'link', 'set', 'eth0', 'up'])
      run(['ip', '-n', self.ns(host), 'route', 'add', 'default', 'via', ROUTER_LAN])
      run(['ip', '-n', self.ns(host), '-6', 'route', 'add', 'default', 'via', ROUTER_LAN6])
    self.sh('rtr', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    self.sh('rtr', 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1')

    drop = '    iifname "br0" udp dport %d drop' % PCP_PORT if self.drop_pcp else ''
    self.sh('rtr', 'nft', '-f', '-', input=RULESET % {'input': drop})
    if self.cgn:
      self.build_cgn()

  def build_cgn (self):
    """inet behind the carrier's NAT: wan masquerades what leaves for inet (the hub's)."""
    run(['ip', 'netns', 'add', self.ns('inet')])
    self.namespaces.append(self.ns('inet'))
    run(['ip', '-n', self.ns('inet'), 'link', 'set', 'lo', 'up'])
    run(['ip', '-n', self.ns('wan'), 'link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'eth0',
         'netns', self.ns('inet')])
    run(['ip', '-n', self.ns('wan'), 'addr', 'add', CGN_OUTSIDE + '/24', 'dev', 'out0'])
    run(['ip', '-n', self.ns('inet'), 'addr', 'add', INET_HUB + '/24', 'dev', 'eth0'])
    run(['ip', '-n', self.ns('wan'), 'link', 'set', 'out0', 'up'])
    run(['ip', '-n', self.ns('inet'), 'link', 'set', 'eth0', 'up'])
    self.sh('wan', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    self.sh('wan', 'nft', '-f', '-', input='''
table ip cgn {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "out0" masquerade
  }
}
''')

  def start_uhub (self):
    """uhub in inet, beyond the carrier's NAT; returns its URL once lan reaches it."""
    conf = os.path.join(self.workdir, 'uhub.conf')
    for name in ('acl.conf', 'plugins.conf'):
      open(os.path.join(self.workdir, name), 'w').close()
    with open(conf, 'w') as f:
      f.write('\n'.join(['server_port=%d' % HUB_PORT, 'server_bind_addr=%s' % INET_HUB,
                         'hub_name=portmap', 'max_users=10', 'registered_users_only=0',
                         'file_acl=%s' % os.path.join(self.workdir, 'acl.conf'),
                         'file_plugins=%s' % os.path.join(self.workdir, 'plugins.conf'),
                         'show_banner=0']) + '\n')
    p = natlab.Proc(['ip', 'netns', 'exec', self.ns('inet'), 'uhub', '-c', conf], 'uhub',
                    stderr_to_stdout=True)
    self.procs.append(p)
    if p.wait_line(lambda l: 'listening on' in l, SETUP_TIMEOUT) is None:
      raise LabError('uhub did not start: %s' % p.stdout_text())
    return 'adc://%s:%d' % (INET_HUB, HUB_PORT)

  def popen (self, ns, argv, name, stdin=False):
    p = Proc(['ip', 'netns', 'exec', self.ns(ns)] + argv, name, stdin=stdin)
    self.procs.append(p)
    return p

  def start_stun (self):
    self.mapper.start_stun(SETUP_TIMEOUT)

  def start_miniupnpd (self, stun):
    """miniupnpd as a daemon; with STUN, it has made its four checks when this returns."""
    self.mapper.start(SETUP_TIMEOUT, stun=stun)

  def stop_miniupnpd (self):
    """Ends miniupnpd and empties its chains, as a reboot of the router would (the STUN
    responder stays)."""
    self.mapper.stop(keep_stun=True)

  def serve (self, ns, name, ports):
    p = self.popen(ns, [sys.executable, SELF, 'serve', name] + [str(x) for x in ports], name)
    if p.wait_line(lambda l: l.startswith('listening'), SETUP_TIMEOUT) is None:
      raise LabError('listener %s did not start: %s' % (name, p.stderr_text()))
    return p

  def upnp_rules (self):
    """The rules miniupnpd put into the router's ruleset (filter and DNAT chains)."""
    return self.mapper.rules()

  def teardown (self):
    # miniupnpd goes with the other processes in the namespaces (its rules with the router)
    for p in self.procs:
      p.stop()
    for ns in reversed(self.namespaces):
      r = run(['ip', 'netns', 'pids', ns], check=False)
      for pid in r.stdout.split():
        try:
          os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
          pass
      run(['ip', 'netns', 'del', ns], check=False)
    self.namespaces = []
    shutil.rmtree(self.workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Probes from the wan namespace

PROBE = r'''
import socket, sys, time
ip, port, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3]
start = time.monotonic()
try:
  if proto == 'tcp':
    s = socket.create_connection((ip, port), timeout=3)
    s.settimeout(3)
    answer = s.recv(200).decode().strip()
  else:
    s = socket.socket(socket.AF_INET6 if ':' in ip else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    for attempt in range(3):
      s.sendto(b'ping', (ip, port))
      try:
        answer = s.recv(200).decode().strip()
        break
      except socket.timeout:
        continue
    else:
      raise TimeoutError('no UDP answer')
  print('ok %s' % answer)
except OSError as e:
  print('fail %s' % type(e).__name__)
'''


def probe (lab, proto, port, address=ROUTER_WAN):
  """Connects (TCP) or sends a datagram (UDP) from the wan namespace to ADDRESS (the router's
  WAN address); returns the answering host's name, or None."""
  r = lab.sh('wan', sys.executable, '-c', PROBE, address, str(port), proto)
  out = r.stdout.strip()
  log('inbound %s to [%s]:%d: %s' % (proto, address, port, out))
  return out.split()[1] if out.startswith('ok ') else None


# ---------------------------------------------------------------------------------------------
# The driver

class Driver:
  def __init__ (self, lab, binary, ns, port, external_port=None, deadline=None,
                gateway=ROUTER_LAN, nat_pmp=False, upnp=False, keep=False, gateway6=None, all=False):
    argv = ([binary, '--port', str(port)] + (['--nat-pmp'] if nat_pmp else []) +
            (['--all'] if all else []) +
            (['--upnp'] if upnp else []) + (['--keep'] if keep else []) +
            (['--gateway6', gateway6] if gateway6 else []))
    if gateway is not None:
      argv += ['--gateway', gateway]
    if external_port is not None:
      argv += ['--external-port', str(external_port)]
    if deadline is not None:
      argv += ['--deadline', str(deadline)]
    self.proc = lab.popen(ns, argv, 'driver-' + ns, stdin=True)
    self.seen = 0

  def results (self, action, timeout=30):
    """The next two JSON lines (TCP and UDP) of ACTION, keyed by transport."""
    got = {}
    deadline = time.monotonic() + timeout
    with self.proc.cond:
      while len(got) < 2:
        if self.seen < len(self.proc.lines):
          line = self.proc.lines[self.seen][1]
          self.seen += 1
          log('driver: %s' % line)
          obj = json.loads(line)
          if obj.get('action') != action:
            raise AssertionError('expected a %s answer, got %s' % (action, line))
          got[obj['transport']] = obj
          continue
        left = deadline - time.monotonic()
        if left <= 0 or self.proc.closed:
          raise AssertionError('the driver gave no %s answer within %d s (stderr: %s)'
                               % (action, timeout, '\n'.join(l for _, l in self.proc.err_lines)))
        self.proc.cond.wait(min(left, 0.5))
    return got

  def next_line (self, action, timeout=30):
    """The next JSON line, which must be an ACTION one (--keep prints one per mapping)."""
    deadline = time.monotonic() + timeout
    with self.proc.cond:
      while self.seen >= len(self.proc.lines):
        left = deadline - time.monotonic()
        if left <= 0 or self.proc.closed:
          raise AssertionError('the driver printed nothing within %d s (stderr: %s)'
                               % (timeout, self.proc.stderr_text()))
        self.proc.cond.wait(min(left, 0.5))
      line = self.proc.lines[self.seen][1]
      self.seen += 1
    log('driver: %s' % line)
    if not line.startswith('{'):
      return self.next_line(action, max(1, deadline - time.monotonic()))  # G_MESSAGES_DEBUG
    obj = json.loads(line)
    if obj.get('action') not in ((action,) if isinstance(action, str) else action):
      raise AssertionError('expected a %s line, got %s' % (action, line))
    return obj

  def command (self, text):
    self.proc.p.stdin.write(text + '\n')
    self.proc.p.stdin.flush()

  def finish (self, expect_unmaps):
    """Sends "unmap"; returns the unmap answers; the driver must exit 0."""
    self.command('unmap')
    answers = self.results('unmap') if expect_unmaps else {}
    rc = self.proc.wait(30)
    if rc != 0:
      raise AssertionError('the driver exited with %s: %s' % (rc, self.proc.stderr_text()))
    return answers


def check (condition, what):
  if not condition:
    raise AssertionError(what)
  log('ok: %s' % what)


def decision_ms (results):
  return max(r['ms'] for r in results.values())


def check_mapped (results, port=None, method='pcp', external=ROUTER_WAN):
  for t in ('tcp', 'udp'):
    r = results[t]
    check('error' not in r, '%s mapped (%s)' % (t, r.get('message', r.get('method'))))
    check(r['method'] == method, '%s mapped by %s' % (t, method))
    check(r['external_address'] == external,
          '%s external address %s is %s' % (t, r['external_address'], external))
    check(r['lifetime'] > 0, '%s lifetime %d > 0' % (t, r['lifetime']))
    if port is not None:
      check(r['external_port'] == port, '%s external port %d is the one asked for' %
            (t, r['external_port']))


# ---------------------------------------------------------------------------------------------
# Cells

def check_deleted (lab, d, port):
  """The driver deletes both mappings: each delete answered, no rule left for port on the router,
  and inbound TCP to it fails again."""
  gone = d.finish(expect_unmaps=True)
  for t in ('tcp', 'udp'):
    check(gone[t].get('ok') is True, '%s mapping deleted (%s)' % (t, gone[t].get('message', 'ok')))
  check(' dport %d ' % port not in lab.upnp_rules(),
        'the router\'s ruleset has no rule for port %d any more' % port)
  check(probe(lab, 'tcp', port) is None, 'inbound TCP fails after the unmap')


def cell_pcp (lab, driver_bin):
  """A router serving PCP and NAT-PMP only (no UPnP)."""
  lab.mapper.upnp = False
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])
  check(probe(lab, 'tcp', PORT) is None, 'no inbound TCP before the mapping')

  # the gateway as Burrow finds it: the default route's
  d = Driver(lab, driver_bin, 'lan', PORT, gateway=None)
  got = d.results('map')
  check_mapped(got, PORT)
  ms = decision_ms(got)
  log('MEASURED pcp decision: %.1f ms (TCP %.1f ms, UDP %.1f ms)' %
      (ms, got['tcp']['ms'], got['udp']['ms']))
  check(ms < DEADLINE_MS, 'PCP decided within the %d ms deadline (%.1f ms)' % (DEADLINE_MS, ms))

  check(probe(lab, 'tcp', PORT) == 'lan', 'inbound TCP to the external port reaches the LAN host')
  check(probe(lab, 'udp', PORT) == 'lan', 'an inbound UDP datagram reaches the LAN host')
  check(' dport %d ' % PORT in lab.upnp_rules(), 'the router has rules for port %d' % PORT)

  check_deleted(lab, d, PORT)

  # the engine's mapper asks every protocol, as the app does: PCP maps, UPnP finds nothing
  d = Driver(lab, driver_bin, 'lan', PORT, keep=True, all=True)
  kept = d.next_line('kept')
  check(kept['method'] == 'pcp' and kept['external_port'] == PORT,
        'the engine mapped by PCP on a router without UPnP (%s)' % kept)
  check(kept['ms'] < 100, 'within 100 ms of its start (%.1f ms)' % kept['ms'])
  check(probe(lab, 'tcp', PORT) == 'lan', 'inbound TCP through the engine\'s mapping')
  d.command('unmap')
  check(d.next_line('unmap').get('ok') is True, 'deleted on stop')
  check(d.proc.wait(30) == 0, 'the driver exited 0')
  check(' dport %d ' % PORT not in lab.upnp_rules(), 'no rule is left for port %d' % PORT)


def cell_pcp_ipv6 (lab, driver_bin):
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])
  check(probe(lab, 'tcp', PORT, LAN_HOST6) is None, 'the router\'s firewall drops inbound IPv6')

  d = Driver(lab, driver_bin, 'lan', PORT, gateway=ROUTER_LAN6)
  got = d.results('map')
  check_mapped(got, PORT, external=LAN_HOST6)
  log('MEASURED pcp ipv6 decision: %.1f ms' % decision_ms(got))
  check(probe(lab, 'tcp', PORT, LAN_HOST6) == 'lan', 'inbound IPv6 TCP through the pinhole')
  check(probe(lab, 'udp', PORT, LAN_HOST6) == 'lan', 'an inbound IPv6 datagram through the pinhole')
  gone = d.finish(expect_unmaps=True)
  for t in ('tcp', 'udp'):
    check(gone[t].get('ok') is True, '%s pinhole closed (%s)' % (t, gone[t].get('message', 'ok')))
  check(probe(lab, 'tcp', PORT, LAN_HOST6) is None, 'inbound IPv6 TCP fails after the unmap')

  # the engine's port mapper opens the pinholes beside the IPv4 mapping, and closes them on stop
  d = Driver(lab, driver_bin, 'lan', PORT, keep=True, gateway6=ROUTER_LAN6)
  check_engine_pinholes(lab, d, 'pcp')


def keep_lines (d, count):
  """The driver's next COUNT --keep lines, keyed by "kept" or "pinhole-<transport>"."""
  got = {}
  for _ in range(count):
    line = d.next_line(('kept', 'pinhole'))
    got[line['action'] + ('-' + line['transport'] if line['action'] == 'pinhole' else '')] = line
  return got


def check_engine_pinholes (lab, d, method, lines=None):
  """The engine's mapper (driver --keep --gateway6) holds TCP and UDP pinholes by METHOD for
  our own address and port, inbound IPv6 reaches us through them, and the stop closes them."""
  got = lines or keep_lines(d, 3)
  for t in ('tcp', 'udp'):
    p = got.get('pinhole-' + t)
    check(p is not None and p['method'] == method and p['external_address'] == LAN_HOST6 and
          p['external_port'] == PORT, 'the engine\'s %s pinhole: %s, our address and port (%s)'
          % (t, method, p))
  check(probe(lab, 'tcp', PORT, LAN_HOST6) == 'lan', 'inbound IPv6 TCP through the engine\'s pinhole')
  check(probe(lab, 'udp', PORT, LAN_HOST6) == 'lan', 'inbound IPv6 UDP through the engine\'s pinhole')
  d.command('unmap')
  check(d.next_line('unmap').get('ok') is True, 'deleted on stop')
  check(d.proc.wait(30) == 0, 'the driver exited 0')
  check(probe(lab, 'tcp', PORT, LAN_HOST6) is None, 'the engine\'s pinholes are closed after the stop')
  check(probe(lab, 'udp', PORT, LAN_HOST6) is None, 'no IPv6 datagram gets in after the stop')
  check('%d' % PORT not in lab.upnp_rules(), 'no rule for port %d is left on the router' % PORT)


def pinhole_rules (lab):
  """miniupnpd's forwarding rules for our IPv6 address and port (it writes the address as a raw
  match on the IPv6 header: @nh,192,128 0x2001...)."""
  raw = '0x' + ipaddress.IPv6Address(LAN_HOST6).packed.hex()
  return [l.strip() for l in lab.upnp_rules().splitlines()
          if raw in l and 'dport %d ' % PORT in l]


def cell_upnp_ipv6 (lab, driver_bin):
  """A router serving UPnP only (no PCP): the engine's mapper, asking every protocol as the app
  does, is refused by PCP (ICMP port unreachable) and opens its pinholes by UPnP IGD:2 over
  IPv6 (SSDP to ff02::c, AddPinhole from our own address: miniupnpd opens pinholes only for
  the address that asks). Then the router serves PCP too: PCP opens them, UPnP is not asked
  (a router that speaks both keeps one rule per address and port: miniupnpd answers
  AddPinhole with the pinhole PCP opened)."""
  lab.mapper.pcp = False
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  # miniupnpd 2.3.1 answers PCP over IPv6 whatever enable_natpmp says: the router's ruleset
  # closes the port, as a router without PCP would (ICMPv6 port unreachable)
  lab.sh('rtr', 'nft', 'insert', 'rule', 'inet', 'pmrtr', 'input', 'iifname', 'br0', 'udp',
         'dport', str(PCP_PORT), 'reject', 'comment', 'no-pcp')
  lab.serve('lan', 'lan', [PORT])
  check(probe(lab, 'tcp', PORT, LAN_HOST6) is None, 'the router\'s firewall drops inbound IPv6')

  d = Driver(lab, driver_bin, 'lan', PORT, keep=True, all=True, gateway6=ROUTER_LAN6)
  got = keep_lines(d, 3)
  log('MEASURED upnp ipv6 pinholes: tcp %.1f ms, udp %.1f ms after start'
      % (got['pinhole-tcp']['ms'], got['pinhole-udp']['ms']))
  check(got['kept']['method'] == 'upnp', 'the IPv4 mapping is UPnP\'s too (%s)' % got['kept'])
  check(len(pinhole_rules(lab)) == 2, 'the router holds two pinhole rules (TCP, UDP): %s'
        % pinhole_rules(lab))
  check_engine_pinholes(lab, d, 'upnp', got)

  lab.stop_miniupnpd()
  lab.mapper.pcp = True
  rules = lab.sh('rtr', 'nft', '-a', 'list', 'chain', 'inet', 'pmrtr', 'input').stdout
  handle = re.search(r'comment "no-pcp" # handle (\d+)', rules).group(1)
  lab.sh('rtr', 'nft', 'delete', 'rule', 'inet', 'pmrtr', 'input', 'handle', handle)
  lab.start_miniupnpd(stun=True)
  d = Driver(lab, driver_bin, 'lan', PORT, keep=True, all=True, gateway6=ROUTER_LAN6)
  got = keep_lines(d, 3)
  log('MEASURED pcp ipv6 pinholes with every protocol asked: tcp %.1f ms, udp %.1f ms'
      % (got['pinhole-tcp']['ms'], got['pinhole-udp']['ms']))
  check(len(pinhole_rules(lab)) == 2, 'the router holds two pinhole rules (TCP, UDP): %s'
        % pinhole_rules(lab))
  check_engine_pinholes(lab, d, 'pcp', got)


def connectivity_event (p, pred, timeout, start=0):
  """The first `connectivity` event for IPv4 that burrow-cli printed (from its line start on)
  with pred(event) true."""
  is_v4 = natlab.connectivity_of('ipv4')
  return natlab.wait_json(p, lambda obj: is_v4(obj) and pred(obj), timeout, start)


def cell_double_nat (lab, driver_bin, cli):
  """A router behind the carrier's NAT whose mapper maps at its own private address (miniupnpd
  does once its STUN check passes inside the carrier's network, as routers without that check
  always do): Burrow in automatic mode says double NAT, stays passive, and deletes the
  mapping."""
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  # the mapper really maps at its private address (the engine's view below needs that)
  d = Driver(lab, driver_bin, 'lan', PORT)
  check_mapped(d.results('map'), PORT, external=CGN_ROUTER_WAN)
  check_deleted(lab, d, PORT)

  url = lab.start_uhub()
  started = time.monotonic()
  serve = lab.popen('lan', [cli, '--data-dir', os.path.join(lab.workdir, 'alice'), '--nick', 'alice',
                            '--json', '--mode', 'auto', 'serve', url], 'burrow-alice')
  got = connectivity_event(serve, lambda j: j.get('why') not in ('pending', 'mapping'), 30)
  check(got is not None, 'automatic mode decided (stderr: %s)' % serve.stderr_text()[-2000:])
  when, ev = got
  log('MEASURED double-nat decision %.2f s after start: %s' % (when - serve.started, json.dumps(ev)))
  check(ev['mode'] == 'passive' and ev['why'] == 'double-nat',
        'passive for double NAT (got %s/%s)' % (ev['mode'], ev['why']))
  check(CGN_ROUTER_WAN in ev['reason'], 'the reason names the router\'s private address: %s'
        % ev['reason'])
  # the mapping is gone from the router (deleted once the decision was made)
  with serve.cond:
    seen = len(serve.lines)
  deadline = time.monotonic() + 10
  while 'dnat' in lab.upnp_rules() and time.monotonic() < deadline:
    time.sleep(0.1)
  check('dnat' not in lab.upnp_rules(), 'the router holds no mapping: %s' % lab.upnp_rules())
  # and it stays so: no renewal, no other decision
  later = connectivity_event(serve, lambda j: j.get('why') != 'double-nat', 3, start=seen)
  check(later is None, 'the decision stays double NAT (got %s)' % (later and later[1]))
  check('dnat' not in lab.upnp_rules(), 'still no mapping on the router')
  serve.signal(signal.SIGTERM)
  check(serve.wait(10) == 0, 'serve exited 0 on SIGTERM')
  log('double-nat cell took %.1f s' % (time.monotonic() - started))


def cell_nat_pmp (lab, driver_bin):
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])
  d = Driver(lab, driver_bin, 'lan', PORT, nat_pmp=True)
  got = d.results('map')
  check_mapped(got, PORT, method='nat-pmp')
  log('MEASURED nat-pmp decision: %.1f ms' % decision_ms(got))
  check(probe(lab, 'tcp', PORT) == 'lan', 'inbound TCP to the external port reaches the LAN host')
  check(probe(lab, 'udp', PORT) == 'lan', 'an inbound UDP datagram reaches the LAN host')
  check_deleted(lab, d, PORT)


def cell_upnp (lab, driver_bin):
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])
  d = Driver(lab, driver_bin, 'lan', PORT, upnp=True)
  got = d.results('map')
  check_mapped(got, PORT, method='upnp')
  log('MEASURED upnp decision with SSDP discovery: %.1f ms' % decision_ms(got))
  check(decision_ms(got) < 5000, 'UPnP decided within 5 s (%.1f ms)' % decision_ms(got))
  check(probe(lab, 'tcp', PORT) == 'lan', 'inbound TCP to the external port reaches the LAN host')
  check(probe(lab, 'udp', PORT) == 'lan', 'an inbound UDP datagram reaches the LAN host')

  # the renewal goes straight to the cached description URL
  d.command('renew')
  again = d.results('renew')
  check_mapped(again, PORT, method='upnp')
  log('MEASURED upnp renewal with the cached description URL: %.1f ms' % decision_ms(again))
  check(decision_ms(again) < 1000, 'the renewal skipped the SSDP wait (%.1f ms)'
        % decision_ms(again))

  check_deleted(lab, d, PORT)


def cell_upnp_other_port (lab, driver_bin):
  """The router's rules keep the external port asked for (80: only 1024-65535 are allowed):
  AddPortMapping says 606, and the mapper asks the router to pick one (AddAnyPortMapping)."""
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])
  d = Driver(lab, driver_bin, 'lan', PORT, external_port=80, upnp=True)
  got = d.results('map')
  check_mapped(got, method='upnp')
  for t in ('tcp', 'udp'):
    check(got[t]['external_port'] >= 1024, '%s: the router granted an allowed port (%d), not 80'
          % (t, got[t]['external_port']))
  check(probe(lab, 'tcp', got['tcp']['external_port']) == 'lan',
        'inbound TCP on the reported port reaches this host')
  check(probe(lab, 'udp', got['udp']['external_port']) == 'lan',
        'inbound UDP on the reported port reaches this host')
  gone = d.finish(expect_unmaps=True)
  check(all(gone[t].get('ok') is True for t in gone), 'both mappings deleted')


def cell_upnp_cgnat (lab, driver_bin):
  lab.start_miniupnpd(stun=False)
  d = Driver(lab, driver_bin, 'lan', PORT, upnp=True)
  got = d.results('map')
  for t in ('tcp', 'udp'):
    check(got[t].get('error') == 'no-public-address',
          '%s: no-public-address (got %s)' % (t, got[t].get('error', 'a mapping')))
  log('MEASURED upnp cgnat decision: %.1f ms' % decision_ms(got))
  check(' dport %d ' % PORT not in lab.upnp_rules(), 'the router made no rule')
  d.finish(expect_unmaps=False)


def cell_cgnat (lab, driver_bin):
  lab.start_miniupnpd(stun=False)
  d = Driver(lab, driver_bin, 'lan', PORT)
  got = d.results('map')
  for t in ('tcp', 'udp'):
    check(got[t].get('error') == 'no-public-address',
          '%s: no-public-address (got %s)' % (t, got[t].get('error', 'a mapping')))
  ms = decision_ms(got)
  log('MEASURED cgnat decision: %.1f ms' % ms)
  check(ms < 1000, 'decided in under 1 s (%.1f ms)' % ms)
  check(' dport %d ' % PORT not in lab.upnp_rules(), 'the router made no rule')
  d.finish(expect_unmaps=False)


def cell_none (lab, driver_bin):
  d = Driver(lab, driver_bin, 'lan', PORT)
  got = d.results('map')
  for t in ('tcp', 'udp'):
    check(got[t].get('error') == 'no-mapper',
          '%s: no-mapper (got %s)' % (t, got[t].get('error', 'a mapping')))
  ms = decision_ms(got)
  log('MEASURED ICMP no-mapper decision: %.1f ms' % ms)
  check(ms < 100, 'ICMP port unreachable ended the wait within 100 ms (%.1f ms)' % ms)
  d.finish(expect_unmaps=False)


def cell_drop (lab, driver_bin):
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  d = Driver(lab, driver_bin, 'lan', PORT)
  got = d.results('map')
  for t in ('tcp', 'udp'):
    check(got[t].get('error') == 'no-mapper',
          '%s: no-mapper (got %s)' % (t, got[t].get('error', 'a mapping')))
  ms = decision_ms(got)
  log('MEASURED deadline no-mapper decision: %.1f ms' % ms)
  check(DEADLINE_MS - 100 <= ms <= 2600,
        'silence ended at the deadline, %d-2600 ms (%.1f ms)' % (DEADLINE_MS - 100, ms))
  d.finish(expect_unmaps=False)


def cell_other_port (lab, driver_bin):
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])
  lab.serve('lan2', 'lan2', [PORT])

  first = Driver(lab, driver_bin, 'lan2', PORT)
  taken = first.results('map')
  check_mapped(taken, PORT)

  d = Driver(lab, driver_bin, 'lan', PORT)
  got = d.results('map')
  check_mapped(got)
  for t in ('tcp', 'udp'):
    check(got[t]['external_port'] != PORT,
          '%s: the router granted another port (%d) than the taken %d' %
          (t, got[t]['external_port'], PORT))
    check(got[t]['internal_port'] == PORT, '%s: still to our port %d' % (t, PORT))
  check(probe(lab, 'tcp', got['tcp']['external_port']) == 'lan',
        'inbound TCP on the reported port reaches this host')
  check(probe(lab, 'udp', got['udp']['external_port']) == 'lan',
        'inbound UDP on the reported port reaches this host')
  check(probe(lab, 'tcp', PORT) == 'lan2', 'the taken port still reaches the other host')

  gone = d.finish(expect_unmaps=True)
  check(all(gone[t].get('ok') is True for t in gone), 'both mappings deleted')
  check(probe(lab, 'tcp', got['tcp']['external_port']) is None,
        'inbound TCP on the reported port fails after the unmap')
  first.finish(expect_unmaps=True)

  # a port outside the router's rules (only 1024-65535 may be forwarded): another one
  ruled = Driver(lab, driver_bin, 'lan', PORT, external_port=80)
  got = ruled.results('map')
  check_mapped(got)
  for t in ('tcp', 'udp'):
    check(got[t]['external_port'] >= 1024, '%s: the router granted an allowed port (%d), not 80'
          % (t, got[t]['external_port']))
  check(probe(lab, 'tcp', got['tcp']['external_port']) == 'lan',
        'inbound TCP on the port granted instead of 80 reaches this host')
  gone = ruled.finish(expect_unmaps=True)
  check(all(gone[t].get('ok') is True for t in gone), 'both mappings deleted')


def cell_reboot (lab, driver_bin):
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])

  d = Driver(lab, driver_bin, 'lan', PORT)
  got = d.results('map')
  check_mapped(got, PORT)
  # a second mapping that the reboot takes away and nobody renews
  stale = Driver(lab, driver_bin, 'lan', PORT + 1)
  check_mapped(stale.results('map'), PORT + 1)
  # renew (twice a second) until the router has been up a few seconds, so that a restart
  # visibly resets the epoch (the inbound probe after the restart takes 3 s of it)
  deadline = time.monotonic() + 30
  while min(got[t]['epoch'] for t in got) < 5:
    if time.monotonic() > deadline:
      raise AssertionError('the router\'s epoch stayed at %d for 30 s' % got['tcp']['epoch'])
    time.sleep(0.5)
    d.command('renew')
    got = d.results('renew')
    check_mapped(got, PORT)
    for t in ('tcp', 'udp'):
      check(got[t]['router_restarted'] is False, '%s: a plain renewal is no restart' % t)
  before = got
  t_before = time.monotonic()

  # a rebooted router has lost its ruleset too (stop_miniupnpd empties miniupnpd's chains)
  lab.stop_miniupnpd()
  lab.start_miniupnpd(stun=True)
  check(probe(lab, 'tcp', PORT) is None, 'the mapping is gone after the reboot')

  d.command('renew')
  after = d.results('renew')
  elapsed = time.monotonic() - t_before
  check_mapped(after, PORT)
  for t in ('tcp', 'udp'):
    e1, e2 = before[t]['epoch'], after[t]['epoch']
    log('MEASURED %s epoch before %d, after the restart %d, %.1f s apart' % (t, e1, e2, elapsed))
    check(e2 + 2 < e1 + elapsed, '%s: the epoch went backwards: %d is less than %d + %.1f s'
          % (t, e2, e1, elapsed))
    check(after[t]['router_restarted'] is True,
          '%s: the driver reports the restart (RFC 6887 epoch check)' % t)
  check(probe(lab, 'tcp', PORT) == 'lan', 'the re-made mapping forwards inbound TCP')
  gone = d.finish(expect_unmaps=True)
  check(all(gone[t].get('ok') is True for t in gone), 'both mappings deleted')
  # deleting what the router no longer holds succeeds (miniupnpd answers PCP NO_RESOURCES)
  gone = stale.finish(expect_unmaps=True)
  for t in ('tcp', 'udp'):
    check(gone[t].get('ok') is True, '%s: the lost mapping counts as deleted (%s)' %
          (t, gone[t].get('error', 'ok')))


def cell_reboot_announce (lab, driver_bin):
  """The engine's port mapper hears a restarted router's ANNOUNCE (224.0.0.1:5350) and maps
  again at once, long before its renewal (half the hour-long lease)."""
  lab.start_stun()
  lab.start_miniupnpd(stun=True)
  lab.serve('lan', 'lan', [PORT])

  d = Driver(lab, driver_bin, 'lan', PORT, gateway=None, keep=True)
  first = d.next_line('kept')
  check(first['method'] == 'pcp' and first['external_port'] == PORT, 'mapped by PCP')
  check(probe(lab, 'tcp', PORT) == 'lan', 'inbound TCP reaches the LAN host')
  # let the router run a few seconds (a second driver renews to read its epoch), so that its
  # restart visibly resets the epoch
  clock = Driver(lab, driver_bin, 'lan', PORT + 1)
  got = clock.results('map')
  deadline = time.monotonic() + 30
  while got['tcp']['epoch'] < 5:
    if time.monotonic() > deadline:
      raise AssertionError('the router\'s epoch stayed at %d for 30 s' % got['tcp']['epoch'])
    time.sleep(0.5)
    clock.command('renew')
    got = clock.results('renew')
  clock.finish(expect_unmaps=True)

  with d.proc.cond:
    extra = [l for _, l in d.proc.lines[d.seen:] if l.startswith('{')]
  check(not extra, 'the mapping stayed as it was while the router ran (no new round: %s)' % extra)

  lab.stop_miniupnpd()
  t_restart = time.monotonic()
  lab.start_miniupnpd(stun=True)
  again = d.next_line('kept', timeout=15)
  elapsed = time.monotonic() - t_restart
  log('MEASURED mapped again %.2f s after the restart began (epoch %d, was %d)'
      % (elapsed, again['epoch'], first['epoch']))
  check(again['epoch'] < got['tcp']['epoch'], 'the new mapping carries the restarted epoch')
  check(elapsed < 15, 'mapped again without waiting for the renewal')
  check(probe(lab, 'tcp', PORT) == 'lan', 'the re-made mapping forwards inbound TCP')
  d.command('unmap')
  check(d.next_line('unmap').get('ok') is True, 'deleted on stop')
  check(d.proc.wait(30) == 0, 'the driver exited 0')
  check(probe(lab, 'tcp', PORT) is None, 'no inbound TCP after the delete')


CELLS = {
  'pcp': (cell_pcp, {}),
  'pcp-ipv6': (cell_pcp_ipv6, {}),
  'upnp-ipv6': (cell_upnp_ipv6, {}),
  'double-nat': (cell_double_nat, {'cgn': True}),
  'nat-pmp': (cell_nat_pmp, {}),
  'upnp': (cell_upnp, {}),
  'upnp-cgnat': (cell_upnp_cgnat, {}),
  'upnp-other-port': (cell_upnp_other_port, {}),
  'cgnat': (cell_cgnat, {}),
  'none': (cell_none, {}),
  'drop': (cell_drop, {'drop_pcp': True}),
  'other-port': (cell_other_port, {'second_host': True}),
  'reboot': (cell_reboot, {}),
  'reboot-announce': (cell_reboot_announce, {}),
}


def usable ():
  if os.geteuid() != 0:
    return 'the port mapping lab needs root (network namespaces and nftables)'
  if not os.path.exists('/proc/self/ns/net'):
    return 'this kernel has no network namespaces'
  for tool in ('ip', 'nft', 'ss', 'miniupnpd'):
    if shutil.which(tool, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin') is None:
      return '%s is not installed (miniupnpd: apt-get install miniupnpd-nftables)' % tool
  return None


def main (argv):
  if len(argv) >= 2 and argv[1] == 'serve':
    serve(argv[2], [int(p) for p in argv[3:]])
    return 0
  if len(argv) >= 2 and argv[1] == 'stun':
    stun(argv[2], int(argv[3]))
    return 0

  import argparse
  parser = argparse.ArgumentParser()
  parser.add_argument('--cell', required=True, choices=sorted(CELLS))
  parser.add_argument('--driver', required=True)
  parser.add_argument('--cli', help='burrow-cli (cells that run the engine: double-nat)')
  args = parser.parse_args(argv[1:])

  reason = usable()
  if reason is not None:
    print('SKIP: %s' % reason)
    return 77

  func, lab_args = CELLS[args.cell]
  lab = Lab(**lab_args)
  if func is cell_double_nat:
    return natlab.run_cell(lab, args.cell, lambda: func(lab, args.driver, args.cli))
  return natlab.run_cell(lab, args.cell, lambda: func(lab, args.driver))


if __name__ == '__main__':
  sys.exit(main(sys.argv))
