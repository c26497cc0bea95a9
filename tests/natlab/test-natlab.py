#!/usr/bin/python3
# test-natlab.py — one cell of the NAT lab matrix (NATLAB.md) as a meson test.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Each cell builds its own lab (routers A and B in the cell's modes), verifies the routers behave as
# their modes say, starts uhub (nmdc-* cells: tests/nmdc/nmdc-hub.py) in the wan namespace, runs
# `burrow-cli serve` for B in lanB and `burrow-cli --json get-list` for A in lanA, and checks the
# outcome and the punch records. NMDC cells also check that the list names the one file B shares,
# that the records carry the NMDC lines, which $ConnectToMe ports (N/R, S) the hub got, and that
# the hub kicked nobody.
# Exit 77 (meson: skipped) when not root or when namespaces / nftables are unusable.
#
#   test-natlab.py --cell masq+masq --cli /path/to/burrow-cli
#   test-natlab.py --list

import bz2
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import dcpeers  # noqa: E402

NATT_A_STEPS = ['request-sent', 'nat-received', 'rnt-sent', 'connect-try', 'tcp-established',
                'tls-done', 'peer-inf']
NATT_B_STEPS = ['request-received', 'nat-sent', 'rnt-received', 'tcp-established', 'tls-done',
                'peer-inf']

# a: A's router, b: B's router; active: which side runs in active mode (its router is `open`);
# expect: 'connect' or 'fail'; method: A's punch method.
CELLS = {
  'masq+masq':     dict(a='masq', b='masq', expect='connect', method='nat-traversal'),
  'masq+masq-tls': dict(a='masq', b='masq', tls=True, expect='connect', method='nat-traversal'),
  'fw+masq':       dict(a='fw', b='masq', expect='connect', method='nat-traversal'),
  'open+masq':     dict(a='open', b='masq', active='A', expect='connect', method='direct'),
  'masq+open':     dict(a='masq', b='open', active='B', expect='connect', method='reverse'),
  'masq+masq-rst': dict(a='masq-rst', b='masq-rst', expect='connect', method='nat-traversal'),
  'cone+cone':     dict(a='cone', b='cone', expect='connect', method='nat-traversal'),
  'cone+sym':      dict(a='cone', b='sym', expect='connect', method='nat-traversal'),
  'masq+sym':      dict(a='masq', b='sym', expect='fail', method='nat-traversal'),
  'sym+sym':       dict(a='sym', b='sym', expect='fail', method='nat-traversal'),
  # NMDC (NMDC.md §3.1): the NMDC test hub (verlihub profile, relays 0x20) instead of uhub
  'nmdc-masq+masq': dict(a='masq', b='masq', nmdc=True, expect='connect', method='nat-traversal'),
  'nmdc-masq+masq-rst': dict(a='masq-rst', b='masq-rst', nmdc=True, expect='connect',
                             method='nat-traversal'),
  'nmdc-masq+masq-plain': dict(a='masq', b='masq', nmdc=True, plain=True, expect='connect',
                               method='nat-traversal'),
  'nmdc-fw+masq':   dict(a='fw', b='masq', nmdc=True, expect='connect', method='nat-traversal'),
  'nmdc-open+masq': dict(a='open', b='masq', nmdc=True, active='A', expect='connect',
                         method='direct'),
  'nmdc-masq+open': dict(a='masq', b='open', nmdc=True, active='B', expect='connect',
                         method='reverse'),
  'nmdc-cone+cone': dict(a='cone', b='cone', nmdc=True, expect='connect', method='nat-traversal'),
  'nmdc-cone+sym':  dict(a='cone', b='sym', nmdc=True, expect='connect', method='nat-traversal'),
  'nmdc-masq+sym':  dict(a='masq', b='sym', nmdc=True, expect='fail', method='nat-traversal'),
  'nmdc-sym+sym':   dict(a='sym', b='sym', nmdc=True, expect='fail', method='nat-traversal'),
  # PtokaX clears 0x20 from relayed $MyINFO and disconnects whoever sends an N/R port: two passive
  # users cannot connect, and Burrow must say so at once without sending anything
  'nmdc-ptokax-masq+masq': dict(a='masq', b='masq', nmdc=True, profile='ptokax',
                                expect='hub-refuses', method='nat-traversal'),
}

ACTIVE_PORT = 4000

# NMDC cells: B shares this one file; A's downloaded list must name it with this size
SHARED_NAME = 'natlab-shared.txt'
SHARED_DATA = b'A small file that B shares in the NMDC cells of the NAT lab.\n' * 7

# steps whose detail is the NMDC line sent or received (NMDC.md §3.1)
NMDC_LINE_STEPS = ('request-sent', 'request-received', 'nat-sent', 'nat-received', 'rnt-sent',
                   'rnt-received')
# steps that mean a request went out on the hub or reached us from it
REQUEST_STEPS = NMDC_LINE_STEPS + ('connect-try', 'tcp-established', 'accepted')


CellFailure = natlab.CellFailure
steps_of = natlab.steps_of


# steps whose order is causal (connect-try and rnt-sent may come in either order: DC++ too starts
# connecting before it sends RNT)
CAUSAL = ['request-sent', 'request-received', 'nat-received', 'rnt-received', 'tcp-established',
          'tls-done', 'peer-inf']


def missing_in_order (have, want):
  """The steps of want missing from have, or out of causal order (have may contain more)."""
  missing = [w for w in want if w not in have]
  firsts = [have.index(w) for w in CAUSAL if w in want and w in have]
  if firsts != sorted(firsts):
    missing.append('causal order %s' % [w for w in CAUSAL if w in want])
  return missing


def cli_argv (cli, datadir, nick, active, plain=False):
  argv = [cli, '--data-dir', datadir, '--nick', nick, '--json']
  if plain:
    argv += ['--no-peer-tls']
  if active:
    argv += ['--mode', 'active', '--port', str(ACTIVE_PORT)]
  else:
    argv += ['--mode', 'passive']
  return argv


def run_burrow_pair (lab, hub, cli, cell, a_nick='alice', b_nick='bob', timeout=60):
  """Starts B (serve) and runs A's get-list. Returns dict with rc, A/B records, elapsed times."""
  d = lab.workdir
  run_id = '%d' % (time.monotonic_ns() % 10**9)
  b_dir, a_dir = os.path.join(d, 'B-' + run_id), os.path.join(d, 'A-' + run_id)
  out = os.path.join(d, 'list-%s.xml.bz2' % run_id)
  plain = cell.get('plain', False)
  share = []
  if cell.get('nmdc'):
    share_dir = os.path.join(d, 'share-' + run_id)
    os.makedirs(share_dir)
    with open(os.path.join(share_dir, SHARED_NAME), 'wb') as f:
      f.write(SHARED_DATA)
    share = ['--share', share_dir]
  b = lab.popen('lanB', cli_argv(cli, b_dir, b_nick, cell.get('active') == 'B', plain) + share +
                ['serve', hub.url], name='burrow-B')
  users_after = None
  try:
    if b.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
      raise CellFailure('B did not log in to the hub: stdout:\n%s\nstderr:\n%s' %
                        (b.stdout_text(), b.stderr_text()))
    t0 = time.monotonic()
    a = lab.popen('lanA', cli_argv(cli, a_dir, a_nick, cell.get('active') == 'A', plain) +
                  ['get-list', hub.url, b_nick, '--out', out], name='burrow-A')
    rc = a.wait(timeout)
    if rc is None:
      a.stop()
      rc = 'timeout'
    got_list = a.wait_line(lambda l: '"event":"file-list"' in l, 0)
    t_list = (got_list[0] - t0) if got_list else None
    if cell.get('nmdc'):
      users_after = hub_users(hub)
  finally:
    b.stop()
  a_json, b_json = dcpeers.json_lines(a), dcpeers.json_lines(b)
  return {
    'rc': rc,
    'a': [j for j in a_json if j.get('event') == 'punch'],
    'b': [j for j in b_json if j.get('event') == 'punch'],
    'file_list': [j for j in a_json if j.get('event') == 'file-list'],
    'a_stderr': a.stderr_text(), 'b_stderr': b.stderr_text(),
    'list_s': t_list, 'out': out, 'users_after': users_after,
    'hub_log': hub_log(hub) if cell.get('nmdc') else [],
    'public': {'A': lab.public_ip('A'), 'B': lab.public_ip('B')},
  }


def hub_users (hub):
  """The nicks logged in to the NMDC test hub now (its `users` control command)."""
  n = len(hub.proc.lines)
  hub.proc.p.stdin.write('users\n')
  hub.proc.p.stdin.flush()
  got = hub.proc.wait_line(lambda l: l == 'OK' or l.startswith('OK ') or l.startswith('ERR'), 30,
                           start=n)
  if got is None or not got[1].startswith('OK'):
    return None
  return got[1].split()[1:]


def hub_log (hub):
  """The NMDC test hub's log as (direction, who, line) tuples."""
  entries = []
  with open(os.path.join(hub.dir, 'hub.log'), errors='replace') as f:
    for row in f:
      parts = row.strip().split(' ', 3)
      if len(parts) == 4 and parts[1] in ('<<', '>>', '--'):
        entries.append((parts[1], parts[2], parts[3]))
  return entries


def list_problems (path):
  """Why the downloaded files.xml.bz2 at path does not list B's shared file (empty: it does)."""
  try:
    with open(path, 'rb') as f:
      root = ET.fromstring(bz2.decompress(f.read()))
  except (OSError, ValueError, EOFError, ET.ParseError) as e:
    return ['the file list is not bzip2-compressed XML: %s' % e]
  if root.tag != 'FileListing':
    return ['the file list root is <%s>, expected <FileListing>' % root.tag]
  files = {(f.get('Name'), f.get('Size')) for f in root.iter('File')}
  if (SHARED_NAME, str(len(SHARED_DATA))) not in files:
    return ['the file list does not list %s (%d bytes): it has %s' %
            (SHARED_NAME, len(SHARED_DATA), sorted(files))]
  return []


def check_cell (name, cell, res):
  """Returns a list of problems (empty: the cell passed)."""
  problems = []
  a_rec = res['a'][-1] if res['a'] else None
  if a_rec is None:
    problems.append('A printed no punch record (exit %s; stderr: %s)' %
                    (res['rc'], res['a_stderr'].strip()))
    return problems
  if len(res['a']) != 1:
    problems.append('A printed %d punch records, expected 1' % len(res['a']))
  if a_rec.get('method') != cell['method']:
    problems.append('A method %r, expected %r' % (a_rec.get('method'), cell['method']))
  if a_rec.get('role') != 'initiator':
    problems.append('A role %r, expected initiator' % a_rec.get('role'))
  if cell['expect'] == 'hub-refuses':
    return problems + hub_refuses_problems(res, a_rec)
  have = steps_of(a_rec)
  tls = not cell.get('plain', False)
  if cell.get('nmdc'):
    want_protocol = 'NMDCS' if tls else 'NMDC'
  else:
    want_protocol = 'ADCS/0.10'
  # B's side of the same attempt. NMDC has no tokens: B's record names A's nick (once A's $MyNick
  # came, when A's $ConnectToMe is all B got)
  if cell.get('nmdc'):
    token = 'alice'
    b_recs = [r for r in res['b'] if r.get('peer') == token]
  else:
    token = a_rec.get('token')
    b_recs = [r for r in res['b'] if r.get('token') == token]
  if cell['expect'] == 'connect':
    if res['rc'] != 0:
      problems.append('get-list exit %s, expected 0 (stderr: %s)' % (res['rc'],
                                                                    res['a_stderr'].strip()))
    if not res['file_list']:
      problems.append('no file-list event')
    elif not os.path.exists(res['out']) or os.path.getsize(res['out']) == 0:
      problems.append('file list %s missing or empty' % res['out'])
    elif res['file_list'][0].get('bytes', 0) != os.path.getsize(res['out']):
      problems.append('file-list bytes %s != size on disk %d' %
                      (res['file_list'][0].get('bytes'), os.path.getsize(res['out'])))
    elif cell.get('nmdc'):
      problems += list_problems(res['out'])
    if a_rec.get('result') != 'connected':
      problems.append('A result %r, expected connected' % a_rec.get('result'))
    if a_rec.get('error') is not None:
      problems.append('A error %r in a connected record' % a_rec.get('error'))
    want = []
    if cell['method'] == 'nat-traversal':
      want = NATT_A_STEPS
    elif cell['method'] == 'reverse':
      want = ['request-sent', 'request-received', 'connect-try', 'tcp-established', 'tls-done',
              'peer-inf']
    elif cell['method'] == 'direct':
      want = ['request-sent', 'tls-done', 'peer-inf']
    if not tls:
      want = [w for w in want if w != 'tls-done']
    if a_rec.get('protocol') != want_protocol:
      problems.append('protocol %r between two Burrows, expected %s' % (a_rec.get('protocol'),
                                                                        want_protocol))
    miss = missing_in_order(have, want)
    if miss:
      problems.append('A steps lack %s (have %s)' % (miss, have))
    # the record shows the connection's ends: B as the internet sees it
    if not (a_rec.get('remote') or '').startswith(res['public']['B'] + ':') or not a_rec.get('local'):
      problems.append('A local %r / remote %r, expected a local address and B\'s public %s' %
                      (a_rec.get('local'), a_rec.get('remote'), res['public']['B']))
    if not b_recs:
      problems.append('B printed no punch record for %s' % token)
    else:
      b_rec = b_recs[-1]
      if b_rec.get('result') != 'connected':
        problems.append('B result %r, expected connected' % b_rec.get('result'))
      if b_rec.get('role') != 'responder':
        problems.append('B role %r, expected responder' % b_rec.get('role'))
      if cell.get('nmdc') and b_rec.get('protocol') != want_protocol:
        problems.append('B protocol %r, expected %s' % (b_rec.get('protocol'), want_protocol))
      if cell['method'] == 'nat-traversal':
        want_b = NATT_B_STEPS if tls else [s for s in NATT_B_STEPS if s != 'tls-done']
        b_steps = steps_of(b_rec)
        if 'accepted' in b_steps and 'rnt-received' not in b_steps:
          # A's SYN reached B's listener (full cone) before A's RNT did: B never needed the RNT
          want_b = [s for s in want_b if s != 'rnt-received']
        miss = missing_in_order(b_steps, want_b)
        if miss:
          problems.append('B steps lack %s (have %s)' % (miss, steps_of(b_rec)))
  else:
    if res['rc'] != 1:
      problems.append('get-list exit %s, expected 1' % res['rc'])
    if res['file_list']:
      problems.append('a file list arrived in a cell that is expected to fail')
    if a_rec.get('result') != 'failed':
      problems.append('A result %r, expected failed' % a_rec.get('result'))
    if not isinstance(a_rec.get('duration_ms'), (int, float)) or a_rec['duration_ms'] >= 5000:
      problems.append('A duration_ms %r, expected < 5000' % a_rec.get('duration_ms'))
    # the record's stable error code: the peers' routers change ports (BURROW_NAT_ERROR_SYMMETRIC)
    if a_rec.get('error') != 'symmetric':
      problems.append('A error %r, expected symmetric (diagnosis: %r)' %
                      (a_rec.get('error'), a_rec.get('diagnosis')))
    if not a_rec.get('diagnosis'):
      problems.append('A record has no diagnosis')
    if not res['a_stderr'].strip():
      problems.append('get-list printed no diagnosis on stderr')
    if cell.get('nmdc') and a_rec.get('protocol') != want_protocol:
      problems.append('A protocol %r, expected %s' % (a_rec.get('protocol'), want_protocol))
  # each record is one timeline: its steps in the order they happened
  for who, rec in (('A', a_rec), ('B', b_recs[-1] if b_recs else None)):
    offsets = [st.get('ms', 0) for st in (rec or {}).get('steps', [])]
    if offsets != sorted(offsets):
      problems.append('%s steps out of time order: %s' %
                      (who, [(st.get('step'), st.get('ms')) for st in rec['steps']]))
  if cell.get('nmdc'):
    problems += nmdc_problems(cell, res, a_rec, b_recs[-1] if b_recs else None)
  return problems


def ctm_suffix (line):
  """The letters after the port in `$ConnectToMe [target] ip:port… [sender]` ('N', 'RS', ''), or
  None when line is no such line (punch steps leave out the nicks, the hub log has them)."""
  parts = line.split(' ')
  if parts[0] != '$ConnectToMe':
    return None
  for part in parts[1:3]:
    m = re.match(r'[^:]+:\d+([A-Z]*)$', part)
    if m:
      return m.group(1)
  return None


def nmdc_problems (cell, res, a_rec, b_rec):
  """NMDC cells: the records carry the NMDC lines; the hub saw the right lines; nobody kicked."""
  problems = []
  tls = not cell.get('plain', False)
  for who, rec in (('A', a_rec), ('B', b_rec)):
    if rec is None:
      continue
    lines = [s for s in rec.get('steps', []) if s.get('step') in NMDC_LINE_STEPS]
    if not lines:
      problems.append('%s record has no NMDC line among its steps' % who)
    for s in lines:
      if not re.match(r'\$(Rev)?ConnectToMe\b', s.get('detail') or ''):
        problems.append('%s step %s does not carry the NMDC line: %r' %
                        (who, s.get('step'), s.get('detail')))
  # the $ConnectToMe lines as the peers received them: the address the hub put in (the sender's
  # public one) and, on N/R lines, the port suffix
  received = {'nat-traversal': (('A', a_rec, 'nat-received', 'N', 'B'),
                                ('B', b_rec, 'rnt-received', 'R', 'A')),
              'reverse': (('A', a_rec, 'request-received', '', 'B'),),
              'direct': (('B', b_rec, 'request-received', '', 'A'),)}[cell['method']]
  for who, rec, step, letter, sender in received:
    got = [s.get('detail') for s in (rec or {}).get('steps', []) if s.get('step') == step]
    if not got:
      continue
    want = letter + ('S' if tls else '')
    if letter and ctm_suffix(got[0]) != want:
      problems.append('%s %s %r: port suffix %r, expected %r' %
                      (who, step, got[0], ctm_suffix(got[0]), want))
    if not re.search(r'(^| )%s:\d+' % re.escape(res['public'][sender]), got[0]):
      problems.append('%s %s %r does not carry %s\'s public address %s' %
                      (who, step, got[0], sender, res['public'][sender]))
  # the lines a record says were sent are exactly the lines the hub got from that Burrow
  got_by_hub = {}
  for d, who, line in res['hub_log']:
    if d == '<<':
      got_by_hub.setdefault(who, set()).add(line)
  for who, nick, rec in (('A', 'alice', a_rec), ('B', 'bob', b_rec)):
    for st in (rec or {}).get('steps', []):
      if st.get('step') in ('request-sent', 'nat-sent', 'rnt-sent') and \
         st.get('detail') not in got_by_hub.get(nick, set()):
        problems.append('%s step %s %r is not a line the hub got from %s' %
                        (who, st.get('step'), st.get('detail'), nick))
  # what the hub received from the two Burrows
  sent = {}
  for d, who, line in res['hub_log']:
    if d == '<<' and who in ('alice', 'bob'):
      suffix = ctm_suffix(line)
      if suffix is not None:
        sent.setdefault(who, []).append(suffix)
  for who, suffixes in sorted(sent.items()):
    for suffix in suffixes:
      if suffix.endswith('S') != tls:
        problems.append('%s sent a $ConnectToMe with port suffix %r to the hub (TLS %s)' %
                        (who, suffix, 'on' if tls else 'off'))
  if cell['method'] == 'nat-traversal' and cell['expect'] == 'connect':
    nat = 'N' + ('S' if tls else '')
    rnt = 'R' + ('S' if tls else '')
    if nat not in sent.get('bob', []) or rnt not in sent.get('alice', []):
      problems.append('the hub did not get B\'s %s and A\'s %s $ConnectToMe: %s' %
                      (nat, rnt, sent))
  elif cell['method'] != 'nat-traversal':
    nr = [x for v in sent.values() for x in v if x[:1] in ('N', 'R')]
    if nr:
      problems.append('N/R $ConnectToMe sent although one side is active: %s' % sent)
  problems += kick_problems(res)
  return problems


def kick_problems (res):
  """Either Burrow kicked or disconnected by the hub, or B gone from the hub after A's run."""
  problems = []
  for d, who, line in res['hub_log']:
    if who not in ('alice', 'bob'):
      continue
    if d == '--' and re.match(r'(close:|drop|flood)', line):
      problems.append('the hub disconnected or warned %s: %s' % (who, line))
    elif d == '>>' and 'kicked' in line:
      problems.append('the hub kicked %s: %s' % (who, line))
  if res['users_after'] is None or 'bob' not in res['users_after']:
    problems.append('B is not logged in to the hub after A\'s run (users: %s)' %
                    res['users_after'])
  return problems


def hub_refuses_problems (res, a_rec):
  """A hub that does not let passive users connect (PtokaX): A fails at once, sends nothing, and
  nobody gets kicked."""
  problems = []
  if res['rc'] != 1:
    problems.append('get-list exit %s, expected 1' % res['rc'])
  if res['file_list']:
    problems.append('a file list arrived although the hub forbids passive-to-passive')
  if a_rec.get('result') != 'failed':
    problems.append('A result %r, expected failed' % a_rec.get('result'))
  # the stable code for "the hub does not let passive users connect to each other"
  # (BURROW_NAT_ERROR_UNSUPPORTED; a peer without NAT traversal would be peer-passive)
  if a_rec.get('error') != 'unsupported':
    problems.append('A error %r, expected unsupported (diagnosis: %r)' %
                    (a_rec.get('error'), a_rec.get('diagnosis')))
  if a_rec.get('protocol') not in ('NMDC', 'NMDCS'):
    problems.append('A protocol %r, expected NMDC or NMDCS' % a_rec.get('protocol'))
  # nothing to wait for: the hub's rules are known before anything is sent
  if not isinstance(a_rec.get('duration_ms'), (int, float)) or a_rec['duration_ms'] >= 1000:
    problems.append('A duration_ms %r, expected < 1000 (nothing to wait for)' %
                    a_rec.get('duration_ms'))
  sent = [s for s in steps_of(a_rec) if s in REQUEST_STEPS]
  if sent:
    problems.append('A record has request/connect steps %s: something was sent' % sent)
  if steps_of(a_rec)[-1:] != ['failed'] or not a_rec.get('diagnosis'):
    problems.append('A record does not end in a failed step with a diagnosis: %s' %
                    steps_of(a_rec))
  if not res['a_stderr'].strip():
    problems.append('get-list printed no diagnosis on stderr')
  if res['b']:
    problems.append('B printed punch records although A sent nothing: %s' % res['b'])
  for d, who, line in res['hub_log']:
    if d == '<<' and who in ('alice', 'bob') and re.match(r'\$(Rev|Multi)?ConnectToMe\b', line):
      problems.append('%s sent %r to a hub that does not let passive users connect' % (who, line))
  return problems + kick_problems(res)


def run_cell (name, cli, self_check=True):
  cell = CELLS[name]
  with natlab.Lab(cell['a'], cell['b']) as lab:
    if self_check:
      lab.self_check()
    if cell.get('nmdc'):
      hub = lab.start_nmdc_hub(profile=cell.get('profile', 'verlihub'))
    else:
      hub = lab.start_hub(tls=cell.get('tls', False))
    res = run_burrow_pair(lab, hub, cli, cell)
    problems = check_cell(name, cell, res)
    for who in ('a', 'b'):
      for rec in res[who]:
        if problems or os.environ.get('NATLAB_VERBOSE') == '1':
          print('%s punch: %s' % (who.upper(), json.dumps(rec)))
    if problems:
      print('A stderr: %s' % res['a_stderr'].strip())
      print('B stderr (tail): %s' % res['b_stderr'].strip()[-2000:])
      print('hub output (tail):\n%s' % hub.proc.stdout_text()[-2000:])
      if cell.get('nmdc'):
        with open(os.path.join(hub.dir, 'hub.log'), errors='replace') as f:
          print('NMDC hub log (tail):\n%s' % f.read()[-3000:])
    return problems, res


def describe (name):
  cell = CELLS[name]
  return 'A=%s B=%s%s, expect %s via %s' % (cell['a'], cell['b'],
                                            ' (TLS hub)' if cell.get('tls') else '',
                                            cell['expect'], cell['method'])

def summarize (res):
  a_rec = res['a'][-1] if res['a'] else {}
  return 'A %s via %s in %s ms (%s)%s' % (
    a_rec.get('result'), a_rec.get('method'), a_rec.get('duration_ms'), a_rec.get('diagnosis'),
    ', list after %.2f s' % res['list_s'] if res['list_s'] is not None else '')

def main ():
  return natlab.cell_main(CELLS, describe, run_cell, summarize)


if __name__ == '__main__':
  sys.exit(main())
