#!/usr/bin/python3
# test-nmdc-transfers.py — two Burrows on an NMDC hub: get-list and get by $ConnectToMe and
# $RevConnectToMe, plain and TLS, NMDC NAT traversal between two passive users, or a plain diagnosis
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# For one profile of the NMDC test hub (nmdc-hub.py, preset "tests"): Burrow A ("anna",
# `serve --share DIR`) and Burrow B ("bert", one-shot commands with --json):
#   B active,  A passive: get-list    B sends $ConnectToMe, A connects to B
#   B passive, A active:  get-list    B sends $RevConnectToMe, A answers $ConnectToMe, B connects
#   B passive, A active:  get         the file, bytes and TTH (rhash) compared with the source
#   B active,  A passive: get         the same the other way round
# each with TLS where the hub lets the status byte's 0x10 through (verlihub: the punch record says
# NMDCS) and plain (--no-peer-tls); on ptokax the hub clears 0x10, so every transfer is plain.
#   B passive, A passive (verlihub, 0x20 relayed): get-list and get by NMDC NAT traversal
#                                     ($RevConnectToMe, N, R), plain and TLS (anna, the N side, is
#                                     the TLS server); the punch records say nat-traversal; a
#                                     passive peer without 0x20: a plain diagnosis, nothing sent
#   B passive, A passive (ptokax, 0x20 cleared): get-list fails within 5 s; the JSON punch record
#                                     has the hub's diagnosis; the hub saw no $ConnectToMe at all
#                                     (so no N/R line) and both users stay on the hub
# Exit 77 when the CLI or rhash is missing. Loopback only, processes stopped by PID.
#
#   test-nmdc-transfers.py --cli BUILD/src/cli/burrow-cli [--profile ptokax|verlihub]

import argparse
import base64
import filecmp
import hashlib
import json
import os
import ssl
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module

cli_test = import_module('test-nmdc-cli')
Raw = import_module('test-nmdc-hub-clients').Raw
Hub, Serve, free_port, tiger_tth, check = (cli_test.Hub, cli_test.Serve, cli_test.free_port,
                                           cli_test.tiger_tth, cli_test.check)


def run_json (cli, datadir, nick, args, extra=(), timeout=90):
  started = time.monotonic()
  r = subprocess.run([cli, '--json', '--data-dir', datadir, '--nick', nick] + list(extra) + args,
                     capture_output=True, text=True, timeout=timeout)
  events = []
  for line in r.stdout.splitlines():
    try:
      events.append(json.loads(line))
    except ValueError:
      pass
  return r, events, time.monotonic() - started


def keyprint_of (data_dir):
  """SHA256/<base32> of the certificate in a burrow-cli data dir (what a peer sees)."""
  with open(os.path.join(data_dir, 'certificate.pem')) as f:
    der = ssl.PEM_cert_to_DER_cert(f.read())
  return 'SHA256/' + base64.b32encode(hashlib.sha256(der).digest()).decode().rstrip('=')


def punches (events):
  return [e for e in events if e.get('event') == 'punch']


def main ():
  parser = argparse.ArgumentParser()
  parser.add_argument('--cli', required=True)
  parser.add_argument('--profile', default='verlihub')
  args = parser.parse_args()
  if not os.path.exists(args.cli) or shutil.which('rhash') is None:
    print('SKIP: needs burrow-cli and rhash')
    sys.exit(77)
  tls_possible = args.profile != 'ptokax'   # PtokaX clears 0x10 in relayed $MyINFOs

  work = tempfile.mkdtemp(prefix='burrow-nmdc-transfers-')
  hub = None
  servers = []
  try:
    share = os.path.join(work, 'Music')
    os.makedirs(share)
    payload = os.path.join(share, 'Holiday Beach.ogg')
    with open(payload, 'wb') as f:
      f.write(os.urandom(700 * 1024 + 123))
    tth = tiger_tth(payload)
    hub = Hub(args.profile, work)
    b_dir = os.path.join(work, 'bert')

    def serve_a (mode, tls, name):
      extra = ['--share', share, '--mode', mode]
      if mode == 'active':
        extra += ['--port', str(free_port())]
      if not tls:
        extra += ['--no-peer-tls']
      a = Serve(args.cli, os.path.join(work, name), 'anna', hub.uri, extra)
      servers.append(a)
      a.wait(lambda e: e.get('event') == 'hub-state' and e.get('state') == 'normal', 90)
      check(hub.wait_user('anna'), 'anna (%s, sharing) logged in' % mode)
      return a

    def stop_a (a):
      a.stop()
      servers.remove(a)
      # the hubs refuse a fast reconnect of the same nick only at their real defaults
      deadline = time.monotonic() + 10
      while 'anna' in hub.control('users').split()[1:] and time.monotonic() < deadline:
        time.sleep(0.05)

    def get_and_check (n, label, extra):
      """bert gets anna's file into a new folder: exit 0, the source's bytes and TTH; returns the
      connected punch records."""
      dest = os.path.join(work, 'down%d' % n)
      os.makedirs(dest)
      r, ev, took = run_json(args.cli, b_dir, 'bert',
                             ['get', hub.uri, 'anna', '/Music/Holiday Beach.ogg', '--out', dest],
                             extra, timeout=120)
      got = os.path.join(dest, 'Holiday Beach.ogg')
      check(r.returncode == 0 and os.path.exists(got),
            '%s: get exits 0 with the file (%s)' % (label, r.stderr.strip()[-800:]))
      check(filecmp.cmp(got, payload, shallow=False), '%s: the bytes are the source\'s' % label)
      check(tiger_tth(got) == tth, '%s: the TTH matches (rhash)' % label)
      return [x for x in punches(ev) if x.get('result') == 'connected']

    def b_args (mode, tls):
      extra = ['--mode', mode]
      if mode == 'active':
        extra += ['--port', str(free_port())]
      if not tls:
        extra += ['--no-peer-tls']
      return extra

    cases = []
    for tls in ([True, False] if tls_possible else [False]):
      cases.append(('active', 'passive', tls))
      cases.append(('passive', 'active', tls))

    n = 0
    for b_mode, a_mode, tls in cases:
      n += 1
      want = 'NMDCS' if tls else 'NMDC'
      label = 'B %s, A %s, %s' % (b_mode, a_mode, want)
      a = serve_a(a_mode, tls, 'anna%d' % n)
      try:
        out = os.path.join(work, 'list%d.xml.bz2' % n)
        r, ev, took = run_json(args.cli, b_dir, 'bert', ['get-list', hub.uri, 'anna', '--out', out],
                               b_args(b_mode, tls))
        p = punches(ev)
        check(r.returncode == 0 and os.path.exists(out) and os.path.getsize(out) > 0,
              '%s: get-list exits 0 with the list (%s)' % (label, r.stderr.strip()[-800:]))
        conn = [x for x in p if x.get('result') == 'connected']
        method = 'direct' if b_mode == 'active' else 'reverse'
        check(len(conn) == 1 and conn[0].get('method') == method and conn[0].get('protocol') == want,
              '%s: one %s connection over %s (%s)' % (label, method, want,
                                                    [(x.get('method'), x.get('protocol'), x.get('result'),
                                                      x.get('diagnosis')) for x in p]))
        tls_steps = [s.get('detail') or '' for s in conn[0].get('steps', []) if 'TLS' in (s.get('detail') or '')]
        # the connecting side is the TLS client
        role = 'client' if b_mode == 'passive' else 'server'
        check(bool(tls_steps) == tls and all(('as ' + role) in t for t in tls_steps),
              '%s: %s (%s)' % (label, 'TLS with bert as the %s' % role if tls else 'no TLS step', tls_steps))
        with open(out, 'rb') as f:
          check(f.read(3) == b'BZh', '%s: the list is bzip2' % label)
        # a plain $ConnectToMe names no sender: anna learns the nick from bert's $MyNick
        # NMDC has no keyprints: each side's record holds the certificate the other presented
        check(conn[0].get('peer_keyprint') == (keyprint_of(os.path.join(work, 'anna%d' % n))
                                              if tls else None),
              '%s: bert\'s record has anna\'s certificate fingerprint (%s)'
              % (label, conn[0].get('peer_keyprint')))
        rec = a.wait(lambda e: e.get('event') == 'punch' and e.get('result') == 'connected'
                     and e.get('protocol') == want and e.get('peer') == 'bert')
        check(rec.get('peer_keyprint') == (keyprint_of(b_dir) if tls else None),
              '%s: anna recorded the connection with bert over %s, with his certificate (%s)'
              % (label, want, rec.get('peer_keyprint')))

        conn = get_and_check(n, label, b_args(b_mode, tls))
        check(conn and all(x.get('protocol') == want for x in conn),
              '%s: the file came over %s' % (label, want))
      finally:
        stop_a(a)

    # two passive users
    if args.profile == 'verlihub':
      # the hub relays 0x20: NMDC NAT traversal (NMDC.md §3.1). bert (downloader) sends
      # $RevConnectToMe, anna listens on her hub port and answers N, bert punches and answers R,
      # anna punches back; anna (the N side) is the TLS server
      for tls in (True, False):
        n += 1
        want = 'NMDCS' if tls else 'NMDC'
        label = 'B passive, A passive, %s' % want
        a = serve_a('passive', tls, 'anna%d' % n)
        try:
          out = os.path.join(work, 'list%d.xml.bz2' % n)
          r, ev, took = run_json(args.cli, b_dir, 'bert', ['get-list', hub.uri, 'anna', '--out', out],
                                 b_args('passive', tls))
          p = punches(ev)
          summary = [(x.get('method'), x.get('protocol'), x.get('result'), x.get('diagnosis'),
                      [(st.get('step'), st.get('detail')) for st in x.get('steps', [])]) for x in p]
          check(r.returncode == 0 and os.path.exists(out) and os.path.getsize(out) > 0,
                '%s: get-list exits 0 with the list (%s %s)' % (label, r.stderr.strip()[-800:], summary))
          conn = [x for x in p if x.get('result') == 'connected']
          check(len(conn) == 1 and conn[0].get('method') == 'nat-traversal'
                and conn[0].get('protocol') == want,
                '%s: one nat-traversal connection over %s (%s)' % (label, want, summary))
          steps = [st.get('step') for st in conn[0].get('steps', [])]
          for s_ in ('request-sent', 'nat-received', 'rnt-sent', 'tcp-established', 'peer-inf'):
            check(s_ in steps, '%s: the record has step %s (%s)' % (label, s_, steps))
          tls_steps = [st.get('detail') or '' for st in conn[0].get('steps', [])
                       if 'TLS' in (st.get('detail') or '')]
          check(bool(tls_steps) == tls and all('as client' in t for t in tls_steps),
                '%s: %s (%s)' % (label, 'TLS with bert (the R side) as the client' if tls
                                 else 'no TLS step', tls_steps))
          with open(out, 'rb') as f:
            check(f.read(3) == b'BZh', '%s: the list is bzip2' % label)
          check(conn[0].get('peer_keyprint') == (keyprint_of(os.path.join(work, 'anna%d' % n))
                                                if tls else None),
                '%s: bert\'s record has anna\'s certificate fingerprint (%s)'
                % (label, conn[0].get('peer_keyprint')))
          rec = a.wait(lambda e: e.get('event') == 'punch' and e.get('result') == 'connected'
                       and e.get('protocol') == want and e.get('peer') == 'bert'
                       and e.get('method') == 'nat-traversal')
          check(rec.get('peer_keyprint') == (keyprint_of(b_dir) if tls else None),
                '%s: anna recorded the nat-traversal connection with bert, with his certificate (%s)'
                % (label, rec.get('peer_keyprint')))

          conn = get_and_check(n, label, b_args('passive', tls))
          check(conn and all(x.get('protocol') == want and x.get('method') == 'nat-traversal'
                             for x in conn), '%s: the file came by nat-traversal over %s' % (label, want))
          users = hub.control('users').split()[1:]
          check('anna' in users, '%s: anna is still on the hub (%s)' % (label, users))
        finally:
          stop_a(a)
      # a hub whose policy forbids passive users connecting to each other, whatever their status:
      # its refusal (Verlihub's words, in chat) ends the attempt at once with the hub's reason
      check(hub.control('refuse-passive on').startswith('OK'), 'the hub now refuses passive->passive')
      a = serve_a('passive', True, 'anna-refused')
      try:
        r, ev, took = run_json(args.cli, b_dir, 'bert',
                               ['get-list', hub.uri, 'anna', '--out', os.path.join(work, 'refused.xml.bz2')],
                               ['--mode', 'passive'])
        failed = [x for x in punches(ev) if x.get('result') == 'failed']
        check(r.returncode != 0 and took < 10, 'hub refuses passive->passive: get-list fails in %.1f s '
              '(an unanswered request would wait 30 s)' % took)
        check(failed and failed[-1].get('error') == 'unsupported',
              'hub refuses passive->passive: the record has error "unsupported" (%s)'
              % [(x.get('error'), x.get('diagnosis')) for x in failed])
        check(failed and any('passive mode' in (st.get('detail') or '') for st in failed[-1].get('steps', [])),
              'hub refuses passive->passive: the record keeps the hub\'s words as a step')
        users = hub.control('users').split()[1:]
        check('anna' in users, 'hub refuses passive->passive: anna is still on the hub (%s)' % users)
      finally:
        stop_a(a)
        hub.control('refuse-passive off')
      # a passive peer without 0x20 (an older client): a plain diagnosis at once, nothing sent
      before = [int(hub.control('count ' + c).split()[1]) for c in ('$ConnectToMe', '$RevConnectToMe')]
      raw = Raw(int(hub.uri.rsplit(':', 1)[1])).login(b'olddc', mode=b'P', status=1)
      try:
        r, ev, took = run_json(args.cli, b_dir, 'bert',
                               ['get-list', hub.uri, 'olddc', '--out', os.path.join(work, 'old.xml.bz2')],
                               ['--mode', 'passive'])
        diag = ' '.join(x.get('diagnosis') or '' for x in punches(ev) if x.get('result') == 'failed')
        check(r.returncode != 0 and took < 5, 'passive/passive without 0x20: get-list fails in %.1f s'
              % took)
        check('the other user cannot do NAT traversal' in diag,
              'passive/passive without 0x20: the punch record says why (%s)' % diag)
        after = [int(hub.control('count ' + c).split()[1]) for c in ('$ConnectToMe', '$RevConnectToMe')]
        check(after == before, 'passive/passive without 0x20: nothing sent (%s → %s)' % (before, after))
      finally:
        raw.close()
    else:
      # PtokaX clears 0x20 and disconnects whoever sends N or R: a plain diagnosis at once,
      # nothing sent, nobody kicked
      before = int(hub.control('count $ConnectToMe').split()[1])
      a = serve_a('passive', True, 'anna-passive')
      try:
        r, ev, took = run_json(args.cli, b_dir, 'bert',
                               ['get-list', hub.uri, 'anna', '--out', os.path.join(work, 'none.xml.bz2')],
                               ['--mode', 'passive'])
        p = punches(ev)
        check(r.returncode != 0 and took < 5, 'passive/passive: get-list fails in %.1f s (exit %d)'
              % (took, r.returncode))
        diag = ' '.join(x.get('diagnosis') or '' for x in p if x.get('result') == 'failed')
        check('this hub does not let passive users connect to each other' in diag,
              'passive/passive: the punch record says why (%s)' % diag)
        after = int(hub.control('count $ConnectToMe').split()[1])
        check(after == before, 'passive/passive: no $ConnectToMe reached the hub (%d → %d)'
              % (before, after))
        with open(os.path.join(work, 'hub-%s.log' % args.profile), 'rb') as f:
          log = f.read()
        bad = [l for l in log.splitlines() if b'$ConnectToMe' in l and
               (l.rstrip(b'|').endswith((b'N', b'R', b'NS', b'RS')) or b'N anna' in l or b'NS anna' in l
                or b'N bert' in l or b'NS bert' in l)]
        check(not bad, 'passive/passive: no N/R line in the hub log (%s)' % bad[:3])
        users = hub.control('users').split()[1:]
        check('anna' in users, 'passive/passive: anna is still on the hub, nobody kicked (%s)' % users)
        kicked = [l for l in log.splitlines() if b'kicked' in l or b'bad $ConnectToMe' in l]
        check(not kicked, 'passive/passive: nobody was kicked or closed for a $ConnectToMe (%s)'
              % kicked[:3])
      finally:
        stop_a(a)
    print('all passed')
  finally:
    for a in servers:
      a.stop()
    if hub:
      hub.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
  main()
