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
# Exit 77 (meson: skipped) when not root or without ip / nft.
#
#   test-natlab6.py --cell v6-fw-reject+fw-reject --cli /path/to/burrow-cli
#   test-natlab6.py --list

import bz2
import ipaddress
import json
import os
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


def cli_argv (cli, datadir, nick, active):
  argv = [cli, '--data-dir', datadir, '--nick', nick, '--json']
  if active:
    return argv + ['--mode', 'active', '--port', str(ACTIVE_PORT)]
  return argv + ['--mode', 'passive']


def make_lab (cell):
  return natlab.Lab6(cell['a'], cell['b'], cell.get('family_a', 'v6'), cell.get('family_b', 'v6'))


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
                                             cell.get('active') == 'A') +
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
                                  cell.get('active') == 'B') +
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


def run_cell (name, cli, self_check=True):
  cell = CELLS[name]
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
  return 'A=%s/%s serves, B=%s/%s downloads, hub on %s, expect %s via %s' % (
    cell['a'], cell.get('family_a', 'v6'), cell['b'], cell.get('family_b', 'v6'),
    cell.get('hub', 'v6'), cell['expect'], cell['method'])

def summarize (res):
  b_rec = res['b'][-1] if res['b'] else {}
  return 'B %s via %s to %s in %s ms (%s)%s' % (
    b_rec.get('result'), b_rec.get('method'), b_rec.get('remote'), b_rec.get('duration_ms'),
    b_rec.get('error') or b_rec.get('diagnosis'),
    ', list after %.2f s' % res['list_s'] if res['list_s'] is not None else '')

def main ():
  return natlab.cell_main(CELLS, describe, run_cell, summarize)


if __name__ == '__main__':
  sys.exit(main())
