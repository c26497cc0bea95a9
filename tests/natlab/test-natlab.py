#!/usr/bin/python3
# test-natlab.py — one cell of the NAT lab matrix (NATLAB.md) as a meson test.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Each cell builds its own lab (routers A and B in the cell's modes), verifies the routers behave as
# their modes say, starts uhub (nmdc-* cells: tests/nmdc/nmdc-hub.py) in the wan namespace, runs `burrow-cli serve` for B in lanB and
# `burrow-cli --json get-list` for A in lanA, and checks the outcome and the punch records.
# Exit 77 (meson: skipped) when not root or when namespaces / nftables are unusable.
#
#   test-natlab.py --cell masq+masq --cli /path/to/burrow-cli
#   test-natlab.py --list

import argparse
import json
import os
import re
import sys
import time

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
  'nmdc-masq+sym':  dict(a='masq', b='sym', nmdc=True, expect='fail', method='nat-traversal'),
}

ACTIVE_PORT = 4000


class CellFailure (Exception):
  pass


def steps_of (record):
  return [s.get('step') for s in record.get('steps', [])]


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


def cli_argv (cli, datadir, nick, active):
  argv = [cli, '--data-dir', datadir, '--nick', nick, '--json']
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
  b = lab.popen('lanB', cli_argv(cli, b_dir, b_nick, cell.get('active') == 'B') +
                ['serve', hub.url], name='burrow-B')
  try:
    if b.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
      raise CellFailure('B did not log in to the hub: stdout:\n%s\nstderr:\n%s' %
                        (b.stdout_text(), b.stderr_text()))
    t0 = time.monotonic()
    a = lab.popen('lanA', cli_argv(cli, a_dir, a_nick, cell.get('active') == 'A') +
                  ['get-list', hub.url, b_nick, '--out', out], name='burrow-A')
    rc = a.wait(timeout)
    if rc is None:
      a.stop()
      rc = 'timeout'
    got_list = a.wait_line(lambda l: '"event":"file-list"' in l, 0)
    t_list = (got_list[0] - t0) if got_list else None
  finally:
    b.stop()
  a_json, b_json = dcpeers.json_lines(a), dcpeers.json_lines(b)
  return {
    'rc': rc,
    'a': [j for j in a_json if j.get('event') == 'punch'],
    'b': [j for j in b_json if j.get('event') == 'punch'],
    'file_list': [j for j in a_json if j.get('event') == 'file-list'],
    'a_stderr': a.stderr_text(), 'b_stderr': b.stderr_text(),
    'list_s': t_list, 'out': out,
  }


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
  have = steps_of(a_rec)
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
    if a_rec.get('result') != 'connected':
      problems.append('A result %r, expected connected' % a_rec.get('result'))
    want = []
    if cell['method'] == 'nat-traversal':
      want = NATT_A_STEPS
    elif cell['method'] == 'reverse':
      want = ['request-sent', 'request-received', 'connect-try', 'tcp-established', 'tls-done',
              'peer-inf']
    elif cell['method'] == 'direct':
      want = ['request-sent', 'tls-done', 'peer-inf']
    want_protocol = 'NMDCS' if cell.get('nmdc') else 'ADCS/0.10'
    if a_rec.get('protocol') != want_protocol:
      problems.append('protocol %r between two Burrows, expected %s' % (a_rec.get('protocol'),
                                                                        want_protocol))
    miss = missing_in_order(have, want)
    if miss:
      problems.append('A steps lack %s (have %s)' % (miss, have))
    # B's side of the same attempt (NMDC has no tokens: each side's record names the other's nick)
    token = a_rec.get('token')
    if cell.get('nmdc'):
      token = 'alice'
    b_recs = [r for r in res['b'] if r.get('token') == token]
    if not b_recs:
      problems.append('B printed no punch record for token %s' % token)
    else:
      b_rec = b_recs[-1]
      if b_rec.get('result') != 'connected':
        problems.append('B result %r, expected connected' % b_rec.get('result'))
      if b_rec.get('role') != 'responder':
        problems.append('B role %r, expected responder' % b_rec.get('role'))
      if cell['method'] == 'nat-traversal':
        want_b = NATT_B_STEPS
        b_steps = steps_of(b_rec)
        if 'accepted' in b_steps and 'rnt-received' not in b_steps:
          # A's SYN reached B's listener (full cone) before A's RNT did: B never needed the RNT
          want_b = [s for s in NATT_B_STEPS if s != 'rnt-received']
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
    diag = a_rec.get('diagnosis') or ''
    if not re.search(r'port|symmetric', diag, re.I):
      problems.append('diagnosis does not name the port/symmetric cause: %r' % diag)
    if not res['a_stderr'].strip():
      problems.append('get-list printed no diagnosis on stderr')
  return problems


def run_cell (name, cli, self_check=True):
  cell = CELLS[name]
  with natlab.Lab(cell['a'], cell['b']) as lab:
    if self_check:
      lab.self_check()
    if cell.get('nmdc'):
      hub = lab.start_nmdc_hub()
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


def main ():
  ap = argparse.ArgumentParser()
  ap.add_argument('--cell', choices=sorted(CELLS))
  ap.add_argument('--cli', default=os.environ.get('BURROW_CLI'))
  ap.add_argument('--list', action='store_true')
  ap.add_argument('--no-self-check', action='store_true')
  args = ap.parse_args()
  if args.list:
    print('\n'.join(CELLS))
    return 0
  if not args.cell or not args.cli:
    ap.error('--cell and --cli are required')
  why = natlab.usable()
  if why:
    print('SKIP: %s' % why)
    return 77
  print('cell %s: A=%s B=%s%s, expect %s via %s' %
        (args.cell, CELLS[args.cell]['a'], CELLS[args.cell]['b'],
         ' (TLS hub)' if CELLS[args.cell].get('tls') else '', CELLS[args.cell]['expect'],
         CELLS[args.cell]['method']), flush=True)
  try:
    problems, res = run_cell(args.cell, args.cli, not args.no_self_check)
  except natlab.LabError as e:
    print('FAIL (lab): %s' % e)
    return 1
  except CellFailure as e:
    print('FAIL: %s' % e)
    return 1
  a_rec = res['a'][-1] if res['a'] else {}
  summary = 'A %s via %s in %s ms (%s)%s' % (
    a_rec.get('result'), a_rec.get('method'), a_rec.get('duration_ms'), a_rec.get('diagnosis'),
    ', list after %.2f s' % res['list_s'] if res['list_s'] is not None else '')
  if problems:
    print('FAIL: %s' % summary)
    for p in problems:
      print('  - %s' % p)
    return 1
  print('PASS: %s' % summary)
  return 0


if __name__ == '__main__':
  sys.exit(main())
