#!/usr/bin/python3
# test-autolab.py — automatic mode (`serve --mode auto`) end to end in the NAT lab (issue #16)
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Topology (namespaces al<PID>-*, nothing in the root namespace):
#
#   lanA 192.168.1.2 -- natA (wan0 198.51.100.2/28,  gw .1)  --\
#   lanB 192.168.2.2 -- natB (wan0 198.51.100.18/28, gw .17) ---- wan (router; uhub and a STUN
#   lanC 192.168.3.2 -- natC (wan0 198.51.100.34/28, gw .33) --/       responder on 203.0.113.1,
#   lanD 192.168.4.2 -- natD (wan0 198.51.100.50/28, gw .49) -/        inbound probes)
#
# Router kinds: `upnp` (masquerade plus a real miniupnpd with UPnP only), `pcp` (miniupnpd with
# PCP and NAT-PMP only), `masq` (port-preserving masquerade), `sym` (masquerade
# fully-random: a symmetric NAT that no hole punching crosses). Every router drops unsolicited
# inbound traffic. miniupnpd forwards only after its STUN check calls its WAN address public
# (the wan's STUN responder, test-portmap.py's `stun` helper); it runs without -d.
#
# Cells (--cell):
#   auto-upnp+sym / auto-pcp+sym
#       A (auto) behind the mapping router becomes active by that method with the router's WAN
#       address and the mapped port; an inbound probe from the wan reaches it. B (auto) behind
#       the symmetric NAT stays passive. B downloads A's file list and a file: only A's mapping
#       makes that possible. The CTM B receives carries the mapped port; A's event comes again
#       with confirmed=true within 5 s of B's connection.
#   auto-mapped-not-forwarding
#       A's router grants the UPnP mapping, but a rule in front of it drops new inbound
#       connections to the port (the wan probe times out). Three passive peers (B, C, D behind
#       masq routers) ask A for its list; none reaches A's port. A turns passive (why=unreached),
#       the hub relays A's new INF without an active TCP4 (a watcher sees A as NAT-T), and B then
#       gets A's list by NAT traversal.
#   auto-clean-exit-upnp / auto-clean-exit-pcp
#       A (auto) is mapped, the port is open from the wan; SIGTERM: exit 0 within 5 s, the
#       router's ruleset holds no rule for the port, and the wan probe fails. With PCP the router
#       accepts a delete only with the MAP's nonce: a delete with another nonce is refused first,
#       so the rule that serve's delete removes shows it reused the nonce.
# Exit 0 pass, 1 fail, 77 skip (not root, or ip/nft/ss/miniupnpd/uhub missing). As root, a lab
# that cannot be built fails.
#
# Helper mode (run inside a LAN namespace by the test itself):
#   test-autolab.py pcp-delete ROUTER CLIENT PORT   a PCP delete with a nonce of its own; prints
#                                                    the router's result code

import argparse
import bz2
import json
import os
import re
import shutil
import signal
import socket
import struct
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import natlab  # noqa: E402
from natlab import HUB_IP  # noqa: E402

PCP_PORT = natlab.MAPPER_PCP_PORT
PCP_NOT_AUTHORIZED = 2

# side → (router WAN address, its gateway on the wan, LAN subnet index)
SIDES = {
  'A': ('198.51.100.2', '198.51.100.1', 1),
  'B': ('198.51.100.18', '198.51.100.17', 2),
  'C': ('198.51.100.34', '198.51.100.33', 3),
  'D': ('198.51.100.50', '198.51.100.49', 4),
}

# Deadlines for events (generous: the machine is shared); the asserted timings are separate.
LOGIN_TIMEOUT = 90
DECIDE_TIMEOUT = 30
# the connector waits this long for a peer to connect after our CTM (BURROW_NAT_REQUEST_TIMEOUT_MS)
REQUEST_TIMEOUT_S = 15
# issue #16: a confirmation is announced within 5 s of the inbound connection; serve exits within
# 5 s of SIGTERM
CONFIRM_S = 5
EXIT_S = 5

SHARED_NAME = 'autolab.bin'
SHARED_SIZE = 200 * 1024 + 3

def log (msg):
  sys.stderr.write('test-autolab: %s\n' % msg)
  sys.stderr.flush()


def check (condition, what):
  if not condition:
    raise AssertionError(what)
  log('ok: %s' % what)


def is_event (obj, event):
  """This event; for `connectivity`, the IPv4 one (the lab has no IPv6: that family says so)."""
  return obj.get('event') == event and (event != 'connectivity' or obj.get('family') == 'ipv4')


def json_events (proc, event):
  """(time, object) of every JSON line of proc with this event name."""
  return natlab.json_events(proc, lambda obj: is_event(obj, event))


def wait_event (proc, event, pred, timeout, start=0):
  """Waits for a JSON event of proc matching pred; returns (time, object) or None."""
  return natlab.wait_json(proc, lambda obj: is_event(obj, event) and pred(obj), timeout, start)


class AutoLab (natlab.Lab):
  """Routers of the kinds given (side → kind) around a wan with uhub and a STUN responder."""

  def __init__ (self, kinds):
    super().__init__('masq', 'masq', prefix='al%d-' % os.getpid())
    self.kinds = kinds
    self.mappers = {}

  def host_ip (self, side):
    return '192.168.%d.2' % SIDES[side][2]

  def public_ip (self, side):
    return SIDES[side][0]

  def _build (self):
    os.makedirs(natlab.STATE_DIR, exist_ok=True)
    with open(os.path.join(natlab.STATE_DIR, self.prefix + 'owner'), 'w') as f:
      f.write('%d\n' % os.getpid())
    shorts = ['wan'] + [k + s for s in self.kinds for k in ('nat', 'lan')]
    for short in shorts:
      name = self.ns(short)
      if os.path.exists('/run/netns/' + name):
        self._del_ns(name)
      natlab.run(['ip', 'netns', 'add', name])
      self.namespaces.append(name)
      self.ip(short, 'link', 'set', 'lo', 'up')
    self.ip('wan', 'addr', 'add', HUB_IP + '/32', 'dev', 'lo')
    self.sysctl('wan', 'net.ipv4.ip_forward', 1)
    for side, kind in self.kinds.items():
      router, gateway, n = SIDES[side]
      nat, lan = 'nat' + side, 'lan' + side
      self.ip(nat, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'to' + side,
              'netns', self.ns('wan'))
      self.ip(nat, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0',
              'netns', self.ns(lan))
      self.ip('wan', 'addr', 'add', gateway + '/28', 'dev', 'to' + side)
      self.ip('wan', 'link', 'set', 'to' + side, 'up')
      self.ip(nat, 'addr', 'add', router + '/28', 'dev', 'wan0')
      self.ip(nat, 'addr', 'add', '192.168.%d.1/24' % n, 'dev', 'lan0')
      self.ip(nat, 'link', 'set', 'wan0', 'up')
      self.ip(nat, 'link', 'set', 'lan0', 'up')
      self.ip(nat, 'route', 'add', 'default', 'via', gateway)
      self.sysctl(nat, 'net.ipv4.ip_forward', 1)
      self.ip(lan, 'addr', 'add', self.host_ip(side) + '/24', 'dev', 'eth0')
      self.ip(lan, 'link', 'set', 'eth0', 'up')
      self.ip(lan, 'route', 'add', 'default', 'via', '192.168.%d.1' % n)
      natlab.run(['ip', 'netns', 'exec', self.ns(nat), 'nft', '-f', '-'],
                 input=self.router_ruleset(kind))
    self.built = True
    log('lab %s up: %s' % (self.prefix, ' '.join('%s=%s' % kv for kv in self.kinds.items())))

  def router_ruleset (self, kind):
    """Masquerade (fully-random for sym), inbound dropped; empty chains for miniupnpd."""
    mapper = kind in ('upnp', 'pcp')
    return '''flush ruleset
table inet autortr {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    %(jump_forward)s
    iifname "lan0" accept
    iifname "wan0" drop
  }
  chain upnp_forward {
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    %(jump_prerouting)s
  }
  chain upnp_prerouting {
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    %(jump_postrouting)s
    oifname "wan0" masquerade%(flags)s
  }
  chain upnp_postrouting {
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" meta l4proto icmp accept
    iifname "wan0" drop
  }
}
''' % {'jump_forward': 'jump upnp_forward' if mapper else '',
       'jump_prerouting': 'jump upnp_prerouting' if mapper else '',
       'jump_postrouting': 'jump upnp_postrouting' if mapper else '',
       'flags': ' fully-random' if kind == 'sym' else ''}

  # --- the router's port mapper ---------------------------------------------------------

  def start_mapper (self, side):
    """miniupnpd on side's router, serving what its kind says, with the wan's STUN responder on
    the hub's address; returns once it serves and its STUN check called the WAN address public."""
    kind = self.kinds[side]
    self.mappers[side] = natlab.RouterMapper(
      self, side, upnp=kind == 'upnp', pcp=kind == 'pcp', lan='192.168.%d.0/24' % SIDES[side][2],
      stun_host=HUB_IP, tables=('autortr', 'autortr')).start()

  def mapping_rules (self, side):
    """The rules miniupnpd put into side's router (filter and DNAT chains)."""
    return self.mappers[side].rules()

  def drop_new_inbound (self, side, port):
    """A rule in front of the router's DNAT: new inbound TCP connections to port are dropped."""
    self.exec('nat' + side, ['nft', '-f', '-'], input='''table inet autofilter {
  chain prerouting {
    type filter hook prerouting priority -150; policy accept;
    iifname "wan0" tcp dport %d ct state new drop
  }
}
''' % port)

  # --- probes and peers -----------------------------------------------------------------

  def probe (self, side, port, timeout=3):
    """A TCP connect from the wan to side's router WAN address: connected, refused or timeout."""
    r = self._helper('wan', '_syn', self.public_ip(side), str(port), str(timeout))
    return r.stdout.strip()

  def burrow (self, side, cli, nick, mode, args, share=None):
    argv = [cli, '--data-dir', os.path.join(self.workdir, nick), '--nick', nick, '--json',
            '--mode', mode]
    if share:
      argv += ['--share', share]
    return self.popen('lan' + side, argv + args, name='burrow-' + nick)


def make_share (lab):
  share = os.path.join(lab.workdir, 'Autolab')
  os.makedirs(share)
  data = os.urandom(SHARED_SIZE)
  with open(os.path.join(share, SHARED_NAME), 'wb') as f:
    f.write(data)
  return share, data


def start_serving (lab, cli, hub, side, nick, mode='auto', share=None):
  p = lab.burrow(side, cli, nick, mode, ['serve', hub.url], share=share)
  if wait_event(p, 'hub-state', lambda j: j.get('state') == 'normal', LOGIN_TIMEOUT) is None:
    raise AssertionError('%s did not log in: %s' % (nick, p.stderr_text()[-2000:]))
  return p


def log_timeline (p):
  """Logs p's connectivity events with their time since p started."""
  for when, j in json_events(p, 'connectivity'):
    log('timeline %s +%.2f s: %s/%s %s %s:%s confirmed=%s' %
        (p.name, when - p.started, j['mode'], j['method'], j['why'], j['external_address'],
         j['external_port'], j['confirmed']))


def wait_active (p, method, lab, side):
  got = wait_event(p, 'connectivity', lambda j: j.get('mode') == 'active', DECIDE_TIMEOUT)
  log_timeline(p)
  check(got is not None, 'A decided active within %d s' % DECIDE_TIMEOUT)
  when, ev = got
  log('MEASURED A active after %.2f s from start: %s' % (when - p.started, json.dumps(ev)))
  check(ev['method'] == method, 'A is active by %s (got %s)' % (method, ev['method']))
  check(ev['external_address'] == lab.public_ip(side),
        'A\'s external address %s is its router\'s WAN address %s' %
        (ev['external_address'], lab.public_ip(side)))
  check(0 < ev['external_port'] < 65536, 'A has an external port (%d)' % ev['external_port'])
  check(ev['confirmed'] is False, 'A is not confirmed before any peer connected')
  return ev


def user_states (watch, nick):
  """(time, object) of the user-join and user-update events about nick that watch printed."""
  return sorted(((w, j) for event in ('user-join', 'user-update')
                 for w, j in json_events(watch, event) if j.get('nick') == nick),
                key=lambda x: x[0])


def wait_user (watch, nick, pred, timeout, after=0.0):
  """The first user-join/user-update about nick, printed by the watcher (a serve) at or after
  time after, with pred true; None on timeout."""
  deadline = time.monotonic() + timeout
  while True:
    n = len(watch.lines)
    for w, j in user_states(watch, nick):
      if w >= after and pred(j):
        return j
    left = deadline - time.monotonic()
    if left <= 0 or watch.wait_line(lambda l: nick in l, left, start=n) is None:
      return None


def list_names (path):
  with open(path, 'rb') as f:
    root = ET.fromstring(bz2.decompress(f.read()))
  return {(f.get('Name'), f.get('Size')) for f in root.iter('File')}


def ctm_port_in (record, step):
  """The port of the CTM a punch record's step (request-sent, request-received) names."""
  for s in record.get('steps', []):
    if s.get('step') == step and (s.get('detail') or '').startswith('CTM '):
      return int(s['detail'].split()[-1])
  return None


# ---------------------------------------------------------------------------------------------
# Cells

def cell_mapped_sym (lab, cli, method):
  lab.start_mapper('A')
  hub = lab.start_hub()
  share, data = make_share(lab)
  a = start_serving(lab, cli, hub, 'A', 'alice', share=share)
  ev = wait_active(a, method, lab, 'A')
  port = ev['external_port']
  # a second Burrow in auto mode behind the symmetric NAT watches the hub: it decides passive
  # (no mapper on its router) and sees A's INF as the hub relays it
  watch = start_serving(lab, cli, hub, 'B', 'bobwatch')
  got = wait_event(watch, 'connectivity', lambda j: j.get('why') not in ('pending', 'mapping'),
                   DECIDE_TIMEOUT)
  log_timeline(watch)
  check(got is not None, 'the Burrow behind the symmetric NAT decided')
  log('MEASURED auto mode behind the symmetric NAT decided after %.2f s: %s' %
      (got[0] - watch.started, json.dumps(got[1])))
  check(got[1]['mode'] == 'passive' and got[1]['why'] == 'no-mapper',
        'behind the symmetric NAT: passive, no mapper (got %s/%s)' %
        (got[1]['mode'], got[1]['why']))
  seen = wait_user(watch, 'alice', lambda j: j.get('mode') == 'active', DECIDE_TIMEOUT)
  check(seen is not None and seen.get('ip4') == lab.public_ip('A'),
        'the hub relays A as active with I4 %s (got %s)' % (lab.public_ip('A'), seen))
  check(lab.probe('A', port) == 'connected', 'an inbound probe from the wan to %s:%d connects'
        % (lab.public_ip('A'), port))

  # B (auto, symmetric NAT, no mapper) downloads A's list, then a file
  out = os.path.join(lab.workdir, 'alice.xml.bz2')
  t0 = time.monotonic()
  b = lab.burrow('B', cli, 'bob', 'auto', ['get-list', hub.url, 'alice', '--out', out])
  rc = b.wait(90)
  check(rc == 0, 'B got A\'s file list (exit %s; %s)' % (rc, b.stderr_text()[-1500:]))
  t_list = time.monotonic() - t0
  check((SHARED_NAME, str(SHARED_SIZE)) in list_names(out),
        'the list names %s with %d bytes' % (SHARED_NAME, SHARED_SIZE))
  punches = [j for _, j in json_events(b, 'punch')]
  connected = [(w, j) for w, j in json_events(b, 'punch') if j.get('result') == 'connected']
  check(len(connected) == 1 and connected[0][1]['method'] == 'reverse',
        'B reached A by its CTM (records: %s)' % [(j.get('method'), j.get('result'))
                                                for j in punches])
  ctm_port = ctm_port_in(connected[0][1], 'request-received')
  check(ctm_port == port, 'the CTM the hub relayed to B names the mapped port %d (got %s)'
        % (port, ctm_port))
  b_modes = [j for _, j in json_events(b, 'connectivity')]
  check(b_modes and all(j['mode'] == 'passive' for j in b_modes),
        'B (auto, symmetric NAT) is passive: %s' % [(j['mode'], j['why']) for j in b_modes])

  got = wait_event(a, 'connectivity', lambda j: j.get('confirmed') is True, CONFIRM_S + 10)
  check(got is not None, 'A announced confirmed=true')
  confirmed_at = got[0]
  check(all(not j['confirmed'] for w, j in json_events(a, 'connectivity') if w < t0),
        'A was not confirmed before B came')
  delay = confirmed_at - connected[0][0]
  log('MEASURED confirmation %.2f s after B\'s connected record (list in %.2f s)' %
      (delay, t_list))
  check(delay <= CONFIRM_S, 'A confirmed within %d s of B\'s connection (%.2f s)' %
        (CONFIRM_S, delay))
  check(got[1]['mode'] == 'active' and got[1]['external_port'] == port,
        'the confirmed event keeps active on port %d' % port)

  dl = os.path.join(lab.workdir, 'downloads')
  os.makedirs(dl)
  g = lab.burrow('B', cli, 'bob', 'auto', ['get', hub.url, 'alice', '/Autolab/' + SHARED_NAME,
                                           '--out', dl])
  rc = g.wait(90)
  check(rc == 0, 'B downloaded %s from A (exit %s; %s)' % (SHARED_NAME, rc,
                                                          g.stderr_text()[-1500:]))
  with open(os.path.join(dl, SHARED_NAME), 'rb') as f:
    check(f.read() == data, 'the downloaded bytes are A\'s')
  methods = [j.get('method') for _, j in json_events(g, 'punch') if j.get('result') == 'connected']
  check(methods and all(m == 'reverse' for m in methods),
        'the file came through A\'s mapping too (%s)' % methods)


def cell_auto_upnp_sym (lab, cli):
  cell_mapped_sym(lab, cli, 'upnp')


def cell_auto_pcp_sym (lab, cli):
  cell_mapped_sym(lab, cli, 'pcp')


def cell_not_forwarding (lab, cli):
  lab.start_mapper('A')
  hub = lab.start_hub()
  share, _ = make_share(lab)
  a = start_serving(lab, cli, hub, 'A', 'alice', share=share)
  ev = wait_active(a, 'upnp', lab, 'A')
  port = ev['external_port']
  check(' dport %d ' % port in lab.mapping_rules('A'), 'the router holds the mapping')
  check(lab.probe('A', port) == 'connected', 'the mapping forwards an inbound probe to %s:%d'
        % (lab.public_ip('A'), port))
  lab.drop_new_inbound('A', port)
  check(lab.probe('A', port) == 'timeout', 'the rule in front drops an inbound probe to %s:%d'
        % (lab.public_ip('A'), port))
  watch = start_serving(lab, cli, hub, 'D', 'watch', mode='passive')
  seen = wait_user(watch, 'alice', lambda j: j.get('mode') == 'active', DECIDE_TIMEOUT)
  check(seen is not None, 'the hub relays A as active at first')

  # three passive peers ask A for its list; A's CTMs name a port nobody can reach
  t0 = time.monotonic()
  seen_lines = len(a.lines)
  asks = {}
  for side, nick in (('B', 'bob'), ('C', 'carol'), ('D', 'dave')):
    asks[nick] = lab.burrow(side, cli, nick, 'passive',
                            ['get-list', hub.url, 'alice', '--out',
                             os.path.join(lab.workdir, '%s.xml.bz2' % nick)])
  got = wait_event(a, 'connectivity', lambda j: j.get('mode') == 'passive',
                   REQUEST_TIMEOUT_S + 30, start=seen_lines)
  log_timeline(a)
  check(got is not None, 'A turned passive')
  log('MEASURED A passive %.2f s after the three requests: %s' % (got[0] - t0, json.dumps(got[1])))
  check(got[1]['why'] == 'unreached', 'A says why: unreached (got %s)' % got[1]['why'])
  check(got[1]['method'] == 'none', 'passive A names no method (got %s)' % got[1]['method'])
  # what A counted: its CTM to each of them (method incoming, our port sent) timed out; the
  # record of the third comes right after the event its end caused
  for nick in asks:
    wait_event(a, 'punch', lambda j: j.get('peer') == nick, DECIDE_TIMEOUT, start=seen_lines)
    records = [j for w, j in json_events(a, 'punch') if j.get('peer') == nick and w >= t0]
    check(len(records) == 1 and records[0]['method'] == 'incoming' and
          records[0]['result'] == 'failed' and records[0]['error'] == 'timed-out' and
          ctm_port_in(records[0], 'request-sent') == port,
          'A sent %s a CTM with port %d, and it timed out (records: %s)' %
          (nick, port, [(j['method'], j['result'], j['error'], ctm_port_in(j, 'request-sent'))
                        for j in records]))
  for nick, p in asks.items():
    rc = p.wait(REQUEST_TIMEOUT_S + 60)
    check(rc not in (0, None), '%s could not reach A (exit %s)' % (nick, rc))
    reached = [j for _, j in json_events(p, 'punch') if j.get('result') == 'connected']
    check(not reached, '%s has no connected record' % nick)

  # A's new INF reaches the watcher about when A prints its event; nothing before the requests
  # timed out can be it
  seen = wait_user(watch, 'alice', lambda j: j.get('mode') != 'active', DECIDE_TIMEOUT,
                   after=t0 + REQUEST_TIMEOUT_S - 1)
  check(seen is not None and seen.get('mode') == 'nat-t',
        'the hub relays A\'s new INF: no active TCP4, NAT traversal (got %s)' % seen)

  out = os.path.join(lab.workdir, 'bob-after.xml.bz2')
  t1 = time.monotonic()
  b = lab.burrow('B', cli, 'bob', 'passive', ['get-list', hub.url, 'alice', '--out', out])
  rc = b.wait(90)
  check(rc == 0, 'B got A\'s list after the demotion (exit %s; %s)' % (rc,
                                                                        b.stderr_text()[-1500:]))
  log('MEASURED list by NAT traversal in %.2f s' % (time.monotonic() - t1))
  check((SHARED_NAME, str(SHARED_SIZE)) in list_names(out), 'the list names %s' % SHARED_NAME)
  connected = [j for _, j in json_events(b, 'punch') if j.get('result') == 'connected']
  check(len(connected) == 1 and connected[0]['method'] == 'nat-traversal',
        'the list came by NAT traversal (records: %s)' %
        [(j.get('method'), j.get('result')) for _, j in json_events(b, 'punch')])
  last = user_states(watch, 'alice')[-1][1]
  check(last['mode'] == 'nat-t', 'A stayed passive on the hub (last INF: %s)' % last['mode'])


def cell_clean_exit (lab, cli, method):
  lab.start_mapper('A')
  hub = lab.start_hub()
  a = start_serving(lab, cli, hub, 'A', 'alice')
  ev = wait_active(a, method, lab, 'A')
  port = ev['external_port']
  check(' dport %d ' % port in lab.mapping_rules('A'), 'the router holds the mapping')
  check(lab.probe('A', port) == 'connected', 'an inbound probe to %s:%d connects' %
        (lab.public_ip('A'), port))

  if method == 'pcp':
    # the router deletes a PCP mapping only for the nonce that made it (miniupnpd answers
    # NOT_AUTHORIZED otherwise): a rule that is gone after serve's delete proves it reused it
    m = re.search(r'dnat ip to %s:(\d+)' % re.escape(lab.host_ip('A')), lab.mapping_rules('A'))
    check(m is not None, 'the router forwards to A\'s listening port')
    r = lab.exec('lanA', [sys.executable, os.path.abspath(__file__), 'pcp-delete',
                          '192.168.1.1', lab.host_ip('A'), m.group(1)])
    check(r.stdout.strip() == str(PCP_NOT_AUTHORIZED),
          'a PCP delete with another nonce is refused (result %s)' % r.stdout.strip())
    check(' dport %d ' % port in lab.mapping_rules('A'), 'and the mapping stays')

  t0 = time.monotonic()
  a.signal(signal.SIGTERM)
  rc = a.wait(30)
  took = time.monotonic() - t0
  log('MEASURED exit %.2f s after SIGTERM' % took)
  check(rc == 0, 'serve exited 0 on SIGTERM (got %s; %s)' % (rc, a.stderr_text()[-1000:]))
  check(took <= EXIT_S, 'within %d s (%.2f s)' % (EXIT_S, took))
  check(' dport %d ' % port not in lab.mapping_rules('A'),
        'the router\'s ruleset holds no rule for port %d any more' % port)
  check(lab.probe('A', port) == 'timeout', 'an inbound probe to the old port fails')


def cell_clean_exit_upnp (lab, cli):
  cell_clean_exit(lab, cli, 'upnp')


def cell_clean_exit_pcp (lab, cli):
  cell_clean_exit(lab, cli, 'pcp')


CELLS = {
  'auto-upnp+sym': (cell_auto_upnp_sym, {'A': 'upnp', 'B': 'sym', 'C': 'masq'}),
  'auto-pcp+sym': (cell_auto_pcp_sym, {'A': 'pcp', 'B': 'sym', 'C': 'masq'}),
  'auto-mapped-not-forwarding': (cell_not_forwarding,
                                 {'A': 'upnp', 'B': 'masq', 'C': 'masq', 'D': 'masq'}),
  'auto-clean-exit-upnp': (cell_clean_exit_upnp, {'A': 'upnp'}),
  'auto-clean-exit-pcp': (cell_clean_exit_pcp, {'A': 'pcp'}),
}


def pcp_delete_with_new_nonce (router, client, port):
  """Helper run in a LAN namespace: a PCP MAP delete (RFC 6887, lifetime 0) of our TCP mapping
  for port, with a nonce of its own; prints the router's result code (or "timeout")."""
  def mapped (ip):
    return b'\0' * 10 + b'\xff\xff' + socket.inet_aton(ip)

  request = (struct.pack('!BBHI', 2, 1, 0, 0) + mapped(client) + os.urandom(12) +
             struct.pack('!B3xHH', socket.IPPROTO_TCP, port, 0) + mapped('0.0.0.0'))
  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  s.settimeout(3)
  s.sendto(request, (router, PCP_PORT))
  try:
    data = s.recv(1100)
  except socket.timeout:
    print('timeout')
    return
  print(data[3] if len(data) >= 24 and data[1] == 0x81 else 'bad-answer')


def usable ():
  why = natlab.usable()
  if why:
    return why
  for tool in ('ss', 'miniupnpd', 'uhub'):
    if shutil.which(tool, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin') is None:
      return '%s is not installed (miniupnpd: apt-get install miniupnpd-nftables)' % tool
  return None


def main ():
  if len(sys.argv) == 5 and sys.argv[1] == 'pcp-delete':
    pcp_delete_with_new_nonce(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    return 0
  ap = argparse.ArgumentParser()
  ap.add_argument('--cell', required=True, choices=sorted(CELLS))
  ap.add_argument('--cli', required=True)
  args = ap.parse_args()
  why = usable()
  if why:
    print('SKIP: %s' % why)
    return 77
  func, kinds = CELLS[args.cell]
  lab = AutoLab(kinds)
  started = time.monotonic()

  def cell ():
    func(lab, args.cli)
    return '%.1f s' % (time.monotonic() - started)

  return natlab.run_cell(lab, args.cell, cell)

if __name__ == '__main__':
  sys.exit(main())
