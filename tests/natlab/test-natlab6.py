#!/usr/bin/python3
# test-natlab6.py — one cell of the IPv6 lab (issue #16) as a meson test.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Each cell builds its own natlab.Lab6: hosts A and B, each behind its own stateful firewall
# (fw-drop, fw-reject or open; no NAT), and uhub in wan listening on IPv6 (or on both families).
# The lab first proves itself with plain tools (Lab6.self_check6): the hub sees each host's own
# address, an unsolicited connect from the wan to a host ends as the firewall mode says, and a
# Python simultaneous open whose first SYN leaves A at hop limit 2 connects 20 times in 20, while
# a plain first attempt connects 20/20 only when B's firewall drops (0/20 when it rejects),
# as CONNECTIVITY.md §3.4 measured.
# Then A runs `burrow-cli --json serve` with one shared file, B runs `burrow-cli --json get-list`
# for A, and the cell checks the outcome, the list's content and both punch records: method,
# result, the steps, and that the addresses in them are the hosts' own (IPv6 in the v6 cells).
# The auto cells (issue #16) run A as `serve --mode auto` behind a router whose firewall has the
# chains of a port mapper; in the pinhole cells a real miniupnpd runs there (PCP, or UPnP IGD:2
# only). A must find the router by its IPv6 default route, turn active by the pinhole for its own
# address, and B (passive) gets A's list through it: B's RCM, A's CTM, B connects. A's event is
# then confirmed (within 5 s of B's connection) and SIGTERM closes the pinhole. The control runs
# the same pair without miniupnpd: A stays passive over IPv6 and B gets the list by NAT traversal.
# Exit 77 (meson: skipped) when not root or without ip / nft (or, for a pinhole cell, miniupnpd).
#
#   test-natlab6.py --cell v6-fw-reject+fw-reject --cli /path/to/burrow-cli
#   test-natlab6.py --list

import bz2
import ipaddress
import json
import os
import shutil
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import dcpeers  # noqa: E402

# A is the firewall in front of the serving host, B the one in front of the downloader (B sends
# the RCM, so B's first SYN is the one that goes out at hop limit 2). family_*: the host's
# address families; hub: the families uhub listens on; url: how each host names the hub ('own':
# the literal address of its own family, 'name': a name that resolves to both).
CELLS = {
  'v6-fw-drop+fw-drop':     dict(a='fw-drop', b='fw-drop', expect='connect',
                                 method='nat-traversal'),
  'v6-fw-reject+fw-reject': dict(a='fw-reject', b='fw-reject', expect='connect',
                                 method='nat-traversal'),
  'v6-fw-drop+fw-reject':   dict(a='fw-drop', b='fw-reject', expect='connect',
                                 method='nat-traversal'),
  # B's plain SYN would meet A's rejecting firewall: only the low first SYN gets through
  'v6-fw-reject+fw-drop':   dict(a='fw-reject', b='fw-drop', expect='connect',
                                 method='nat-traversal'),
  # A is reachable (active): B asks with RCM, A answers with CTM, B connects to A
  'v6-open+fw-drop':        dict(a='open', b='fw-drop', active='A', expect='connect',
                                 method='reverse'),
  # uhub 0.4.1 publishes one family per user (CONNECTIVITY.md §3.2): an IPv4-only user and an
  # IPv6-only user have no address in common, and B must say so without trying
  'v6-v4only+v6only-dualhub': dict(a='fw-drop', b='fw-drop', family_a='v4', family_b='v6',
                                   hub='dual', expect='fail', error='no-common-family',
                                   method='nat-traversal'),
  # both users on both families, the hub named by a name with both addresses; the firewalls
  # reject, so whichever family the pair uses, a plain first SYN would be refused
  'v6-dual+dual-dualhub':   dict(a='fw-reject', b='fw-reject', family_a='dual', family_b='dual',
                                 hub='dual', url='name', expect='connect',
                                 method='nat-traversal'),
  # automatic mode with a pinhole (issue #16): A runs `serve --mode auto` behind a firewall
  # whose router also runs miniupnpd; A asks its IPv6 default gateway for a PCP pinhole and
  # turns active by it; B (passive) gets A's list through the pinhole: B's RCM, A's CTM, B
  # connects to A. Only the pinhole makes that possible: A's firewall drops (or rejects) B's
  # connect otherwise.
  'v6-auto-pinhole+fw-reject': dict(a='fw-drop', b='fw-reject', auto='pcp', expect='connect',
                                    method='reverse'),
  'v6-auto-pinhole-reject+fw-drop': dict(a='fw-reject', b='fw-drop', auto='pcp',
                                         expect='connect', method='reverse'),
  # a router that opens pinholes by UPnP IGD:2 only (AddPinhole; no PCP)
  'v6-auto-upnp-pinhole+fw-reject': dict(a='fw-drop', b='fw-reject', auto='upnp',
                                         expect='connect', method='reverse'),
  # the control: the same pair and rulesets, miniupnpd not running: no pinhole, and B gets the
  # list by NAT traversal
  'v6-auto-no-pinhole+fw-reject': dict(a='fw-drop', b='fw-reject', auto='none', expect='connect',
                                       method='nat-traversal'),
}

NATT_INITIATOR_STEPS = ['request-sent', 'nat-received', 'rnt-sent', 'connect-try',
                        'tcp-established', 'tls-done', 'peer-inf']
NATT_RESPONDER_STEPS = ['request-received', 'nat-sent', 'rnt-received', 'tcp-established',
                        'tls-done', 'peer-inf']
REVERSE_INITIATOR_STEPS = ['request-sent', 'request-received', 'connect-try', 'tcp-established',
                           'tls-done', 'peer-inf']
# steps that mean something was sent to the peer or the hub
REQUEST_STEPS = ('request-sent', 'request-received', 'nat-sent', 'nat-received', 'rnt-sent',
                 'rnt-received', 'connect-try', 'tcp-established', 'accepted')

ACTIVE_PORT = 4000
# Linux retransmits an unanswered SYN after 1 s: a punch that needed it did not get through at once
TCP_SETUP_LIMIT_MS = 900
SHARED_NAME = 'natlab6-shared.txt'
SHARED_DATA = b'A small file that A shares in the IPv6 cells of the NAT lab.\n' * 5


CellFailure = natlab.CellFailure
steps_of = natlab.steps_of


def missing_in_order (have, want):
  """The steps of want that have lacks, or a note when they are out of order."""
  missing = [w for w in want if w not in have]
  # connect-try and rnt-sent may come in either order (the initiator starts connecting first)
  causal = [w for w in want if w in have and w not in ('connect-try', 'rnt-sent')]
  firsts = [have.index(w) for w in causal]
  if firsts != sorted(firsts):
    missing.append('causal order %s' % causal)
  return missing


def split_endpoint (text):
  """'[2001:db8::1]:41000' or '192.0.2.2:41000' → (ip_address, port, bracketed); None when text
  is neither. An unbracketed IPv6 address with a port ('2001:db8::1:41000') is ambiguous and
  not accepted."""
  if not isinstance(text, str):
    return None
  try:
    if text.startswith('['):
      host, _, port = text[1:].partition(']:')
      return ipaddress.IPv6Address(host), int(port), True
    host, _, port = text.rpartition(':')
    return ipaddress.IPv4Address(host), int(port), False
  except ValueError:
    return None


def endpoint_problems (who, what, text, want_ips):
  """Problems with a record's local/remote endpoint: it must be one of want_ips with a port, an
  IPv6 address written in brackets."""
  ep = split_endpoint(text)
  if ep is None:
    return ['%s %s %r is not "IPv4:port" or "[IPv6]:port"' % (who, what, text)]
  ip, port, _ = ep
  problems = []
  if str(ip) not in want_ips:
    problems.append('%s %s %r: address is not %s' % (who, what, text, ' or '.join(want_ips)))
  if not 0 < port < 65536:
    problems.append('%s %s %r: bad port' % (who, what, text))
  return problems


def list_problems (path):
  """Why the downloaded files.xml.bz2 at path does not list A's shared file (empty: it does)."""
  try:
    with open(path, 'rb') as f:
      root = ET.fromstring(bz2.decompress(f.read()))
  except (OSError, ValueError, EOFError, ET.ParseError) as e:
    return ['the file list is not bzip2-compressed XML: %s' % e]
  files = {(f.get('Name'), f.get('Size')) for f in root.iter('File')}
  if (SHARED_NAME, str(len(SHARED_DATA))) not in files:
    return ['the file list does not list %s (%d bytes): it has %s' %
            (SHARED_NAME, len(SHARED_DATA), sorted(files))]
  return []


def mode_of (cell, side):
  """side's --mode: A is automatic in the auto cells, the cell's active side is active."""
  if side == 'A' and 'auto' in cell:
    return 'auto'
  return 'active' if cell.get('active') == side else 'passive'


def cli_argv (cli, datadir, nick, mode):
  argv = [cli, '--data-dir', datadir, '--nick', nick, '--json', '--mode', mode]
  if mode == 'active':
    return argv + ['--port', str(ACTIVE_PORT)]
  return argv


def make_lab (cell):
  # an auto cell's A router has the port mapper's chains whether miniupnpd runs or not: the
  # control differs from the pinhole cell by the running mapper only
  return natlab.Lab6(cell['a'], cell['b'], cell.get('family_a', 'v6'), cell.get('family_b', 'v6'),
                     mapper_sides=('A',) if 'auto' in cell else ())


def hub_url_for (lab, cell, side, hub):
  """The hub URL side's user connects to."""
  if cell.get('url') == 'name':
    return lab.hub_url('name', hub.port, hub.tls)
  return lab.hub_url('v6' if lab.has(side, 'v6') else 'v4', hub.port, hub.tls)


def own_ips (lab, side):
  return [ip for ip in (lab.host_ip6(side), lab.host_ip4(side)) if ip]


class Server:
  """A's `burrow-cli serve` with SHARED_NAME in its share, logged in to the hub."""

  def __init__ (self, lab, cli, cell, hub, nick='alice'):
    d = lab.workdir
    share = os.path.join(d, 'share-A')
    os.makedirs(share, exist_ok=True)
    with open(os.path.join(share, SHARED_NAME), 'wb') as f:
      f.write(SHARED_DATA)
    self.nick = nick
    self.proc = lab.popen('hostA', cli_argv(cli, os.path.join(d, 'A'), nick,
                                             mode_of(cell, 'A')) +
                          ['--share', share, 'serve', hub_url_for(lab, cell, 'A', hub)],
                          name='burrow-A')
    if self.proc.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
      raise CellFailure('A did not log in to the hub: stdout:\n%s\nstderr:\n%s' %
                        (self.proc.stdout_text(), self.proc.stderr_text()))

  def punch_records (self):
    return [j for j in dcpeers.json_lines(self.proc) if j.get('event') == 'punch']

  def stop (self):
    self.proc.stop()


def get_list (lab, cli, cell, hub, server, run_id, nick='bob', timeout=60):
  """B's `burrow-cli --json get-list` for A. Returns rc, B's records and file-list events, the
  list's path, and when the list and the first punch record arrived after the start."""
  d = lab.workdir
  out = os.path.join(d, 'list-%s.xml.bz2' % run_id)
  t0 = time.monotonic()
  b = lab.popen('hostB', cli_argv(cli, os.path.join(d, 'B-%s' % run_id), nick,
                                  mode_of(cell, 'B')) +
                ['get-list', hub_url_for(lab, cell, 'B', hub), server.nick, '--out', out],
                name='burrow-B')
  rc = b.wait(timeout)
  if rc is None:
    b.stop()
    rc = 'timeout'
  got = b.wait_line(lambda l: '"event":"file-list"' in l, 0)
  punch = b.wait_line(lambda l: '"event":"punch"' in l, 0)
  events = dcpeers.json_lines(b)
  return {
    'rc': rc, 'out': out, 'b_stderr': b.stderr_text(),
    'b': [j for j in events if j.get('event') == 'punch'],
    'file_list': [j for j in events if j.get('event') == 'file-list'],
    'list_s': (got[0] - t0) if got else None,
    'punch_s': (punch[0] - t0) if punch else None,
    'punch_at': punch[0] if punch else None,
    'started': t0,
  }


def check_connect (lab, cell, res, a_recs):
  problems = []
  b_rec = res['b'][-1]
  if res['rc'] != 0:
    problems.append('get-list exit %s, expected 0 (stderr: %s)' % (res['rc'],
                                                                  res['b_stderr'].strip()))
  if not res['file_list']:
    problems.append('no file-list event')
  elif not os.path.exists(res['out']):
    problems.append('file list %s missing' % res['out'])
  else:
    problems += list_problems(res['out'])
  if b_rec.get('result') != 'connected':
    problems.append('B result %r, expected connected (error %r, diagnosis %r)' %
                    (b_rec.get('result'), b_rec.get('error'), b_rec.get('diagnosis')))
  elif b_rec.get('error') is not None:
    problems.append('B error %r in a connected record' % b_rec.get('error'))
  if b_rec.get('protocol') != 'ADCS/0.10':
    problems.append('B protocol %r, expected ADCS/0.10' % b_rec.get('protocol'))
  want = NATT_INITIATOR_STEPS if cell['method'] == 'nat-traversal' else REVERSE_INITIATOR_STEPS
  miss = missing_in_order(steps_of(b_rec), want)
  if miss:
    problems.append('B steps lack %s (have %s)' % (miss, steps_of(b_rec)))
  elif cell['method'] == 'nat-traversal':
    # the first SYN must get through at once (hop limit 2 where a firewall rejects), not after
    # the kernel's first SYN retransmission one second later
    at = {}
    for st in b_rec.get('steps', []):
      at.setdefault(st.get('step'), st.get('ms', 0))
    tcp_ms = at['tcp-established'] - at['connect-try']
    if tcp_ms >= TCP_SETUP_LIMIT_MS:
      problems.append('B took %.1f ms from connect-try to tcp-established, expected < %d '
                      '(before the first SYN retransmission)' % (tcp_ms, TCP_SETUP_LIMIT_MS))
  # the connection's ends: no NAT anywhere, so each side sees the other's own address; in the
  # IPv6-only cells that is the IPv6 one
  problems += endpoint_problems('B', 'remote', b_rec.get('remote'), own_ips(lab, 'A'))
  problems += endpoint_problems('B', 'local', b_rec.get('local'), own_ips(lab, 'B'))
  token = b_rec.get('token')
  mine = [r for r in a_recs if r.get('token') == token]
  if not mine:
    problems.append('A printed no punch record for token %r (it has %d others)' %
                    (token, len(a_recs)))
    return problems
  a_rec = mine[-1]
  if a_rec.get('result') != 'connected':
    problems.append('A result %r, expected connected (error %r, diagnosis %r)' %
                    (a_rec.get('result'), a_rec.get('error'), a_rec.get('diagnosis')))
  if a_rec.get('role') != 'responder':
    problems.append('A role %r, expected responder' % a_rec.get('role'))
  # an active A records B's RCM as an incoming request
  want_method = 'incoming' if cell['method'] == 'reverse' else cell['method']
  if a_rec.get('method') != want_method:
    problems.append('A method %r, expected %r' % (a_rec.get('method'), want_method))
  if cell['method'] == 'nat-traversal':
    miss = missing_in_order(steps_of(a_rec), NATT_RESPONDER_STEPS)
    if miss:
      problems.append('A steps lack %s (have %s)' % (miss, steps_of(a_rec)))
  # both ends of the connection are the hosts' own addresses, in one family
  ra, rb = split_endpoint(a_rec.get('remote')), split_endpoint(b_rec.get('remote'))
  problems += endpoint_problems('A', 'remote', a_rec.get('remote'), own_ips(lab, 'B'))
  if ra and rb and ra[0].version != rb[0].version:
    problems.append('A remote %r and B remote %r are in different families' %
                    (a_rec.get('remote'), b_rec.get('remote')))
  return problems


def check_no_common_family (cell, res, a_recs):
  """B and A share no address family: B fails at once with the code, tells why, sends nothing."""
  problems = []
  b_rec = res['b'][-1]
  if res['rc'] != 1:
    problems.append('get-list exit %s, expected 1' % res['rc'])
  if res['file_list']:
    problems.append('a file list arrived between users with no common address family')
  if b_rec.get('result') != 'failed':
    problems.append('B result %r, expected failed' % b_rec.get('result'))
  if b_rec.get('error') != cell['error']:
    problems.append('B error %r, expected %s (diagnosis: %r)' % (b_rec.get('error'),
                                                                 cell['error'],
                                                                 b_rec.get('diagnosis')))
  if not b_rec.get('diagnosis'):
    problems.append('B record has no diagnosis')
  if not res['b_stderr'].strip():
    problems.append('get-list printed no diagnosis on stderr')
  # nothing to wait for: both users' addresses are known from the hub before anything is sent
  if not isinstance(b_rec.get('duration_ms'), (int, float)) or b_rec['duration_ms'] >= 1000:
    problems.append('B duration_ms %r, expected < 1000 (nothing to wait for)' %
                    b_rec.get('duration_ms'))
  sent = [s for s in steps_of(b_rec) if s in REQUEST_STEPS]
  if sent:
    problems.append('B record has request/connect steps %s: something was sent' % sent)
  if a_recs:
    problems.append('A printed punch records although B sent nothing: %s' % a_recs)
  return problems


def check_cell (lab, cell, res, a_recs):
  """Returns a list of problems (empty: the cell passed)."""
  if not res['b']:
    return ['B printed no punch record (exit %s; stderr: %s)' % (res['rc'],
                                                                 res['b_stderr'].strip())]
  problems = []
  b_rec = res['b'][-1]
  if len(res['b']) != 1:
    problems.append('B printed %d punch records, expected 1' % len(res['b']))
  if b_rec.get('role') != 'initiator':
    problems.append('B role %r, expected initiator' % b_rec.get('role'))
  if b_rec.get('method') != cell['method']:
    problems.append('B method %r, expected %r' % (b_rec.get('method'), cell['method']))
  if cell['expect'] == 'connect':
    problems += check_connect(lab, cell, res, a_recs)
  else:
    problems += check_no_common_family(cell, res, a_recs)
  for who, recs in (('A', a_recs), ('B', res['b'])):
    for rec in recs:
      offsets = [st.get('ms', 0) for st in rec.get('steps', [])]
      if offsets != sorted(offsets):
        problems.append('%s steps out of time order: %s' %
                        (who, [(st.get('step'), st.get('ms')) for st in rec['steps']]))
  return problems


# --- automatic mode (the auto cells) -------------------------------------------------------

# deadlines for events (generous: the machine is shared); the asserted timings are separate
DECIDE_TIMEOUT = 30
# issue #16: a confirmation is announced within 5 s of the inbound connection; serve exits within
# 5 s of SIGTERM
CONFIRM_S = 5
EXIT_S = 5


def ipv6_events (proc):
  """(time, object) of proc's `connectivity` events for family ipv6."""
  return natlab.json_events(proc, natlab.connectivity_of('ipv6'))


def wait_ipv6_event (proc, pred, timeout):
  """The first ipv6 `connectivity` event of proc with pred true: (time, object) or None."""
  is_v6 = natlab.connectivity_of('ipv6')
  return natlab.wait_json(proc, lambda obj: is_v6(obj) and pred(obj), timeout)


def listening_port (lab, side):
  """The TCP port burrow-cli listens on in side's host (None when it listens on none)."""
  out = lab.exec(lab.host_ns(side), ['ss', '-Hltnp']).stdout
  for line in out.splitlines():
    if 'burrow-cli' in line:
      return int(line.split()[3].rpartition(':')[2])
  return None


def inbound_probe (lab, address, port):
  """A TCP connect from the wan to [address]:port: connected, refused or timeout."""
  return lab._helper('wan', '_syn6', address, str(port), '3').stdout.strip()


def auto_a_problems (lab, cell, server):
  """A (serve --mode auto) has decided IPv6 as the cell says. Returns (problems, A's port,
  the deciding event, its time after A's start)."""
  own = lab.host_ip6('A')
  if cell['auto'] != 'none':
    got = wait_ipv6_event(server.proc, lambda j: j.get('mode') == 'active' and
                          j.get('why') == 'mapped', DECIDE_TIMEOUT)
  else:
    # nothing on the router answers PCP or UPnP: A's decision once the hub told it its address
    # and it no longer says it is asking the router
    got = wait_ipv6_event(server.proc, lambda j: j.get('why') not in ('pending', 'mapping'),
                          DECIDE_TIMEOUT)
  for when, j in ipv6_events(server.proc):
    print('A ipv6 +%.2f s: %s' % (when - server.proc.started, json.dumps(j)))
  if got is None:
    raise CellFailure('A printed no%s ipv6 connectivity event within %d s: %s' %
                      (' active, mapped' if cell['auto'] != 'none' else '', DECIDE_TIMEOUT,
                       [j for _, j in ipv6_events(server.proc)]))
  when, ev = got
  problems = []
  # never active over IPv6 before the pinhole was there (the router's firewall drops inbound)
  early = [j for w, j in ipv6_events(server.proc) if w < when and j.get('mode') == 'active']
  if early:
    problems.append('A said IPv6 active before its pinhole: %s' % early)
  if cell['auto'] != 'none':
    if ev.get('method') != cell['auto']:
      problems.append('A active by %r, expected %s' % (ev.get('method'), cell['auto']))
    if ev.get('external_address') != own:
      problems.append('A\'s pinhole is for %r, expected its own address %s' %
                      (ev.get('external_address'), own))
    if ev.get('confirmed') is not False:
      problems.append('A confirmed before any peer connected: %s' % ev)
  elif ev.get('mode') != 'passive':
    # CONNECTIVITY.md §3.5 item 4: active over IPv6 needs an inbound hole; when neither PCP nor
    # UPnP opens one, A stays passive with NAT traversal (its firewall drops what comes in)
    problems.append('without a pinhole A decided IPv6 %s/%s (%s), expected passive' %
                    (ev.get('mode'), ev.get('why'), ev.get('reason')))
  port = ev.get('external_port') or listening_port(lab, 'A')
  if not isinstance(port, int) or not 0 < port < 65536:
    raise CellFailure('A\'s ipv6 event has no port: %s' % ev)
  return problems, port, ev, when - server.proc.started


def run_auto_cell (name, cli, self_check=True):
  cell = CELLS[name]
  with make_lab(cell) as lab:
    if self_check:
      lab.self_check6()
    if cell['auto'] != 'none':
      lab.start_mapper('A', upnp=cell['auto'] == 'upnp', pcp=cell['auto'] == 'pcp')
    if cell['auto'] == 'upnp':
      # miniupnpd 2.3.1 answers PCP over IPv6 whatever enable_natpmp says: the router closes
      # the port, as one without PCP would (ICMPv6 port unreachable)
      lab.exec('fwA', ['nft', 'insert', 'rule', 'inet', 'natlab6', 'input', 'iifname', 'lan0',
                       'udp', 'dport', str(natlab.MAPPER_PCP_PORT), 'reject'])
    hub = lab.start_hub6()
    server = Server(lab, cli, cell, hub)
    own = lab.host_ip6('A')
    problems, port, ev, active_s = auto_a_problems(lab, cell, server)
    rules = lab.pinhole_rules('A', own, port) if cell['auto'] != 'none' else []
    probe = inbound_probe(lab, own, port)
    if cell['auto'] != 'none':
      # the IPv6 header's next-header field is 6 (TCP)
      if not any('@nh,48,8 0x6 ' in r for r in rules):
        problems.append('the router holds no TCP pinhole for [%s]:%d: %s' %
                        (own, port, lab.mappers['A'].rules()))
      if probe != 'connected':
        problems.append('an inbound probe from the wan to [%s]:%d: %s, expected connected' %
                        (own, port, probe))
    elif probe == 'connected':
      problems.append('without a pinhole, an inbound probe to [%s]:%d connected' % (own, port))

    res = get_list(lab, cli, cell, hub, server, '1')
    token = res['b'][-1].get('token') if res['b'] else None
    # A prints its record when its side of the connection ends
    server.proc.wait_line(lambda l: '"event":"punch"' in l and token is not None and
                          token in l, 30)
    a_recs = server.punch_records()
    problems += check_cell(lab, cell, res, a_recs)
    b_rec = res['b'][-1] if res['b'] else {}
    if cell['method'] == 'reverse' and b_rec.get('result') == 'connected':
      if b_rec.get('remote') != '[%s]:%d' % (own, port):
        problems.append('B connected to %r, not through the pinhole [%s]:%d' %
                        (b_rec.get('remote'), own, port))

    res['a_active_s'] = active_s
    res['confirm_s'] = None
    if cell['auto'] != 'none':
      before = [j for w, j in ipv6_events(server.proc) if j.get('confirmed') and
                w < res['started']]
      if before:
        problems.append('A was confirmed before B came: %s' % before)
      got = wait_ipv6_event(server.proc, lambda j: j.get('confirmed') is True, CONFIRM_S + 10)
      if got is None:
        problems.append('A\'s ipv6 event never said confirmed=true')
      elif res['punch_at'] is not None:
        # B prints its record when the attempt ends (duration_ms after it started): B's TCP
        # connection came that long before the line, less the connection's own offset
        at = {st.get('step'): st.get('ms', 0) for st in b_rec.get('steps', [])}
        connected_at = res['punch_at'] - (b_rec.get('duration_ms', 0) -
                                          at.get('tcp-established', 0)) / 1000
        res['confirm_s'] = got[0] - connected_at
        if res['confirm_s'] > CONFIRM_S:
          problems.append('A confirmed %.2f s after B\'s connection, expected <= %d s' %
                          (res['confirm_s'], CONFIRM_S))
        if (got[1].get('mode'), got[1].get('method'), got[1].get('external_port')) != \
           ('active', cell['auto'], port):
          problems.append('the confirmed event is not active by %s on port %d: %s' %
                          (cell['auto'], port, got[1]))

    t0 = time.monotonic()
    server.proc.signal()
    rc = server.proc.wait(30)
    res['exit_s'] = time.monotonic() - t0
    if rc != 0:
      problems.append('A exited %s on SIGTERM, expected 0' % rc)
    elif res['exit_s'] > EXIT_S:
      problems.append('A exited %.2f s after SIGTERM, expected <= %d s' % (res['exit_s'], EXIT_S))
    if cell['auto'] != 'none':
      left = lab.pinhole_rules('A', own, port)
      if left:
        problems.append('the router still holds pinhole rules for [%s]:%d after A\'s exit: %s' %
                        (own, port, left))
      probe = inbound_probe(lab, own, port)
      if probe == 'connected':
        problems.append('an inbound probe to [%s]:%d connected after A\'s exit' % (own, port))

    print('MEASURED %s: A decided IPv6 (%s by %s) %.2f s after its start, B\'s list after %s s, '
          'confirmation %s s after B\'s connection, exit %.2f s after SIGTERM' %
          (name, ev['mode'], ev['method'], active_s,
           '%.2f' % res['list_s'] if res['list_s'] is not None else '-',
           '%.2f' % res['confirm_s'] if res['confirm_s'] is not None else '-', res['exit_s']))
    if problems or os.environ.get('NATLAB_VERBOSE') == '1':
      for rec in res['b']:
        print('B punch: %s' % json.dumps(rec))
      for rec in a_recs:
        print('A punch: %s' % json.dumps(rec))
      print('router rules: %s' % rules)
    if problems:
      print('B stderr: %s' % res['b_stderr'].strip()[-2000:])
      print('A stderr (tail): %s' % server.proc.stderr_text().strip()[-2000:])
    return problems, res


def run_cell (name, cli, self_check=True):
  cell = CELLS[name]
  if 'auto' in cell:
    return run_auto_cell(name, cli, self_check)
  with make_lab(cell) as lab:
    if self_check:
      lab.self_check6()
    hub = lab.start_hub6(families=cell.get('hub', 'v6'))
    server = Server(lab, cli, cell, hub)
    try:
      res = get_list(lab, cli, cell, hub, server, '1')
    finally:
      server.stop()
    a_recs = server.punch_records()
    problems = check_cell(lab, cell, res, a_recs)
    if problems or os.environ.get('NATLAB_VERBOSE') == '1':
      for rec in res['b']:
        print('B punch: %s' % json.dumps(rec))
      for rec in a_recs:
        print('A punch: %s' % json.dumps(rec))
    if problems:
      print('B stderr: %s' % res['b_stderr'].strip()[-2000:])
      print('A stderr (tail): %s' % server.proc.stderr_text().strip()[-2000:])
      print('hub output (tail):\n%s' % hub.proc.stdout_text()[-2000:])
    return problems, res


def describe (name):
  cell = CELLS[name]
  return 'A=%s/%s serves%s, B=%s/%s downloads, hub on %s, expect %s via %s' % (
    cell['a'], cell.get('family_a', 'v6'),
    {'pcp': ' in auto mode, its router runs miniupnpd (PCP)',
     'upnp': ' in auto mode, its router runs miniupnpd (UPnP IGD:2 only)',
     'none': ' in auto mode, no port mapper running'}.get(cell.get('auto'), ''),
    cell['b'], cell.get('family_b', 'v6'), cell.get('hub', 'v6'), cell['expect'], cell['method'])

def summarize (res):
  b_rec = res['b'][-1] if res['b'] else {}
  return 'B %s via %s to %s in %s ms (%s)%s' % (
    b_rec.get('result'), b_rec.get('method'), b_rec.get('remote'), b_rec.get('duration_ms'),
    b_rec.get('error') or b_rec.get('diagnosis'),
    ', list after %.2f s' % res['list_s'] if res['list_s'] is not None else '')

def main ():
  import argparse
  ap = argparse.ArgumentParser(add_help=False)
  ap.add_argument('--cell')
  cell = CELLS.get(ap.parse_known_args()[0].cell, {})
  if (cell.get('auto') in ('pcp', 'upnp') and natlab.usable() is None and
      shutil.which('miniupnpd', path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin') is None):
    print('SKIP: miniupnpd is not installed (apt-get install miniupnpd-nftables)')
    return 77
  return natlab.cell_main(CELLS, describe, run_cell, summarize)


if __name__ == '__main__':
  sys.exit(main())
