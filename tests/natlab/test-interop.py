#!/usr/bin/python3
# test-interop.py — Burrow against other Direct Connect clients in the NAT lab (NATLAB.md).
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Cells (downloader in lanA, the other side in lanB; uhub in wan):
#   burrow-gets-eiskalt[-tls]  A=masq Burrow passive `get-list` <- B=masq eiskaltdcpp-daemon
#                              passive with NAT traversal; Burrow must punch (nat-traversal,
#                              ADCS/0.10), exit 0, print a file-list event, and the list must
#                              hold eiskalt's shared file and CID.
#   eiskalt-gets-burrow[-tls]  A=masq eiskaltdcpp-daemon `list.download` <- B=masq Burrow passive
#                              `serve --share`; eiskalt's FileLists/ must get Burrow's list (valid
#                              bz2 XML with Burrow's CID and shared file), and Burrow's responder
#                              record must say connected via nat-traversal.
#   burrow-active-gets-ncdc    A=open Burrow active <- B=masq ncdc passive (method direct: ncdc
#                              connects to Burrow after our CTM).
#   burrow-passive-gets-ncdc   A=masq Burrow passive <- B=open ncdc active (method reverse: our
#                              RCM, ncdc's CTM, we connect).
# `-tls` cells use a TLS hub (adcs://). Exit 77 (skipped, with the reason) when not root, when
# namespaces / nftables are unusable or when the peer program is not installed.
#
#   test-interop.py --cell burrow-gets-eiskalt --cli /path/to/burrow-cli
#   test-interop.py --list

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcpeers  # noqa: E402
import natlab  # noqa: E402

NATT_A_STEPS = ['request-sent', 'nat-received', 'rnt-sent', 'connect-try', 'tcp-established',
                'tls-done', 'peer-inf']
NATT_B_STEPS = ['request-received', 'nat-sent', 'rnt-received', 'tcp-established', 'tls-done',
                'peer-inf']
CAUSAL = ['request-sent', 'request-received', 'nat-received', 'rnt-received', 'tcp-established',
          'tls-done', 'peer-inf']

CELLS = {
  'burrow-gets-eiskalt':      dict(a='masq', b='masq', kind='burrow-gets-eiskalt'),
  'burrow-gets-eiskalt-tls':  dict(a='masq', b='masq', kind='burrow-gets-eiskalt', tls=True),
  'eiskalt-gets-burrow':      dict(a='masq', b='masq', kind='eiskalt-gets-burrow'),
  'eiskalt-gets-burrow-tls':  dict(a='masq', b='masq', kind='eiskalt-gets-burrow', tls=True),
  'burrow-active-gets-ncdc':  dict(a='open', b='masq', kind='burrow-gets-ncdc', active='A',
                                   method='direct'),
  'burrow-passive-gets-ncdc': dict(a='masq', b='open', kind='burrow-gets-ncdc', active='B',
                                   method='reverse'),
}

ACTIVE_PORT = 4000
SHARED_NAME = 'interop-probe.txt'


CellFailure = dcpeers.CellFailure


steps_of = natlab.steps_of


def missing_in_order (have, want):
  missing = [w for w in want if w not in have]
  firsts = [have.index(w) for w in CAUSAL if w in want and w in have]
  if firsts != sorted(firsts):
    missing.append('causal order %s' % [w for w in CAUSAL if w in want])
  return missing


def cli_argv (cli, datadir, nick, active=False, share=None):
  argv = [cli, '--data-dir', datadir, '--nick', nick, '--json']
  argv += ['--mode', 'active', '--port', str(ACTIVE_PORT)] if active else ['--mode', 'passive']
  if share:
    argv += ['--share', share]
  return argv


def make_share (root, tag):
  d = os.path.join(root, 'share-' + tag)
  os.makedirs(d, exist_ok=True)
  path = os.path.join(d, SHARED_NAME)
  with open(path, 'w') as f:
    f.write('shared by %s for the NAT lab interop test\n' % tag)
  # an hour old: a file modified in the last seconds may be hashed again on the next scan
  old = time.time() - 3600
  os.utime(path, (old, old))
  return d


def check_burrow_record (rec, role, method, want_steps, problems, who):
  if rec.get('result') != 'connected':
    problems.append('%s result %r (%s), expected connected' %
                    (who, rec.get('result'), rec.get('diagnosis')))
  if rec.get('role') != role:
    problems.append('%s role %r, expected %s' % (who, rec.get('role'), role))
  if rec.get('method') != method:
    problems.append('%s method %r, expected %s' % (who, rec.get('method'), method))
  if rec.get('protocol') != 'ADCS/0.10':
    problems.append('%s protocol %r, expected ADCS/0.10' % (who, rec.get('protocol')))
  miss = missing_in_order(steps_of(rec), want_steps)
  if miss:
    problems.append('%s steps lack %s (have %s)' % (who, miss, steps_of(rec)))


def burrow_get_list (lab, hub, cli, nick, peer_nick, active=False, timeout=60):
  """Runs A's get-list; returns (rc, punch records, file-list events, out path, proc)."""
  out = os.path.join(lab.workdir, 'list-%s.xml.bz2' % peer_nick)
  a = lab.popen('lanA', cli_argv(cli, os.path.join(lab.workdir, 'burrow-A'), nick, active) +
                ['get-list', hub.url, peer_nick, '--out', out], name='burrow-A')
  rc = a.wait(timeout)
  if rc is None:
    a.stop()
    rc = 'timeout'
  js = dcpeers.json_lines(a)
  return (rc, [j for j in js if j.get('event') == 'punch'],
          [j for j in js if j.get('event') == 'file-list'], out, a)


def check_got_list (rc, punches, lists, out, peer_cid, problems):
  if rc != 0:
    problems.append('get-list exit %s, expected 0' % rc)
  if not lists:
    problems.append('no file-list event')
    return
  try:
    with open(out, 'rb') as f:
      data = f.read()
    root, files = dcpeers.parse_list(data)
  except Exception as e:  # noqa: BLE001 — any defect of the saved list fails the cell
    problems.append('saved list %s does not parse: %s' % (out, e))
    return
  if lists[0].get('bytes') != len(data):
    problems.append('file-list bytes %s != %d on disk' % (lists[0].get('bytes'), len(data)))
  if SHARED_NAME not in files:
    problems.append('the peer\'s list lacks %s (files: %s)' % (SHARED_NAME, files[:10]))
  if peer_cid and root.get('CID') != peer_cid:
    problems.append('list CID %s, expected the peer\'s %s' % (root.get('CID'), peer_cid))


# --- cells ----------------------------------------------------------------------------------------

def cell_burrow_gets_eiskalt (lab, hub, cli, cell, report):
  problems = []
  eis = dcpeers.Eiskalt(lab, 'B', os.path.join(lab.workdir, 'eiskalt-B'), 'eisB').start()
  try:
    eis.configure_passive_natt()
    eis.share(make_share(lab.workdir, 'eiskalt'))
    eis.add_hub(hub.url)
    eis.wait_users(hub.url, ['eisB'])
    rc, punches, lists, out, a = burrow_get_list(lab, hub, cli, 'alice', 'eisB')
  finally:
    eis.stop()
  report['punch'] = punches
  report['a_stderr'] = a.stderr_text()
  if len(punches) != 1:
    problems.append('Burrow printed %d punch records, expected 1' % len(punches))
  if not punches:
    return problems
  rec = punches[-1]
  check_burrow_record(rec, 'initiator', 'nat-traversal', NATT_A_STEPS, problems, 'Burrow (A)')
  check_got_list(rc, punches, lists, out, rec.get('cid'), problems)
  report['summary'] = 'Burrow %s via %s in %s ms' % (rec.get('result'), rec.get('method'),
                                                    rec.get('duration_ms'))
  return problems


def cell_eiskalt_gets_burrow (lab, hub, cli, cell, report):
  problems = []
  eis = dcpeers.Eiskalt(lab, 'A', os.path.join(lab.workdir, 'eiskalt-A'), 'eisA').start()
  b = None
  try:
    eis.configure_passive_natt()
    eis.add_hub(hub.url)
    eis.wait_users(hub.url, ['eisA'])
    b = lab.popen('lanB', cli_argv(cli, os.path.join(lab.workdir, 'burrow-B'), 'bob',
                                   share=make_share(lab.workdir, 'burrow')) +
                  ['serve', hub.url], name='burrow-B')
    if b.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
      raise CellFailure('Burrow (B) did not log in: %s %s' % (b.stdout_text(), b.stderr_text()))
    eis.wait_users(hub.url, ['bob'])
    t0 = eis.download_list(hub.url, 'bob')
    got = eis.wait_list('bob', 60)
    punch_line = None
    if got is not None:
      # Burrow prints its record when the attempt finishes, which is before the transfer ends
      punch_line = b.wait_line(lambda l: '"event":"punch"' in l, 5)
  finally:
    eis.stop()
    if b is not None:
      b.stop()
  js = dcpeers.json_lines(b)
  punches = [j for j in js if j.get('event') == 'punch']
  own = [j for j in js if j.get('event') == 'user-join' and j.get('nick') == 'bob']
  report['punch'] = punches
  report['b_stderr'] = b.stderr_text()
  if got is None:
    problems.append('eiskalt got no list from Burrow within 60 s (FileLists: %s; eiskalt log: %s)'
                    % (os.listdir(eis.list_dir()) if os.path.isdir(eis.list_dir()) else 'none',
                       eis.proc.stdout_text()[-1500:]))
  else:
    when, path, root, files = got
    report['summary'] = 'eiskalt had the list %.2f s after list.download' % (when - t0)
    if punch_line:
      report['summary'] += ' (Burrow\'s responder record printed after %.2f s)' % (
        punch_line[0] - t0)
    if own and root.get('CID') != own[0].get('cid'):
      problems.append('list CID %s, expected Burrow\'s %s' % (root.get('CID'), own[0].get('cid')))
    if 'Burrow' not in (root.get('Generator') or ''):
      problems.append('list Generator %r is not Burrow' % root.get('Generator'))
    if SHARED_NAME not in files:
      problems.append('Burrow\'s list lacks its shared %s (files: %s)' % (SHARED_NAME, files[:5]))
  if not punches:
    problems.append('Burrow (B) printed no punch record')
  else:
    check_burrow_record(punches[-1], 'responder', 'nat-traversal', NATT_B_STEPS, problems,
                        'Burrow (B)')
  return problems


def cell_burrow_gets_ncdc (lab, hub, cli, cell, report):
  problems = []
  ncdc_active = cell['active'] == 'B'
  nc = dcpeers.Ncdc(lab, 'B', os.path.join(lab.workdir, 'ncdc-B'), 'ncdcB').start()
  try:
    nc.configure(ncdc_active, port=ACTIVE_PORT)
    nc.share_and_restart('probe', make_share(lab.workdir, 'ncdc'), [SHARED_NAME], timeout=30)
    nc.join(hub.url)
    rc, punches, lists, out, a = burrow_get_list(lab, hub, cli, 'alice', 'ncdcB',
                                                 active=cell['active'] == 'A')
    screen = nc.screen()
  finally:
    nc.stop()
  report['punch'] = punches
  report['a_stderr'] = a.stderr_text() if a else ''
  report['ncdc_screen'] = screen
  if not punches:
    problems.append('Burrow printed no punch record (exit %s)' % rc)
    return problems
  rec = punches[-1]
  want = (['request-sent', 'tls-done', 'peer-inf'] if cell['method'] == 'direct' else
          ['request-sent', 'request-received', 'connect-try', 'tcp-established', 'tls-done',
           'peer-inf'])
  check_burrow_record(rec, 'initiator', cell['method'], want, problems, 'Burrow (A)')
  check_got_list(rc, punches, lists, out, rec.get('cid'), problems)
  report['summary'] = 'Burrow %s via %s in %s ms' % (rec.get('result'), rec.get('method'),
                                                    rec.get('duration_ms'))
  return problems


KINDS = {
  'burrow-gets-eiskalt': (cell_burrow_gets_eiskalt, 'eiskaltdcpp-daemon'),
  'eiskalt-gets-burrow': (cell_eiskalt_gets_burrow, 'eiskaltdcpp-daemon'),
  'burrow-gets-ncdc': (cell_burrow_gets_ncdc, 'ncdc'),
}


if __name__ == '__main__':
  sys.exit(dcpeers.interop_main(CELLS, KINDS))
