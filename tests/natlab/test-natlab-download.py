#!/usr/bin/python3
# test-natlab-download.py — a verified file download between two passive users behind NATs,
# over a NAT-traversal connection (the Transfers issue's lab test).
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# B (behind router B) shares a folder with one file of a few MiB; A (behind router A) runs
# `burrow-cli get URL bob /Lab/payload.bin`, which reaches B by NAT traversal, fetches the Tiger
# tree, downloads and verifies every block, and moves the file into place. Asserts the bytes are
# B's, the connection method, and the exit code. Exit 77 (skipped) when not root.
#
#   test-natlab-download.py --modes masq masq --cli /path/to/burrow-cli

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402

SIZE = 5 * 1024 * 1024 + 17


def json_events (proc, event):
  out = []
  for _, line in proc.lines:
    line = line.strip()
    if line.startswith('{'):
      try:
        j = json.loads(line)
      except ValueError:
        continue
      if j.get('event') == event:
        out.append(j)
  return out


def main ():
  ap = argparse.ArgumentParser()
  ap.add_argument('--modes', nargs=2, default=['masq', 'masq'])
  ap.add_argument('--cli', default=os.environ.get('BURROW_CLI'))
  args = ap.parse_args()
  if not args.cli:
    ap.error('--cli is required')
  why = natlab.usable()
  if why:
    print('SKIP: %s' % why)
    return 77

  with natlab.Lab(args.modes[0], args.modes[1]) as lab:
    hub = lab.start_hub(tls=False)
    d = lab.workdir
    share = os.path.join(d, 'Lab')
    os.makedirs(share)
    payload = os.urandom(SIZE)
    with open(os.path.join(share, 'payload.bin'), 'wb') as f:
      f.write(payload)
    out = os.path.join(d, 'downloads')
    os.makedirs(out)

    b = lab.popen('lanB', [args.cli, '--data-dir', os.path.join(d, 'B'), '--nick', 'bob', '--json',
                           '--mode', 'passive', '--share', share, 'serve', hub.url], name='burrow-B')
    try:
      # serve hashes the share before it logs in, so "normal" means the file is shared
      if b.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
        print('FAIL: B did not log in: %s' % b.stderr_text()[-2000:])
        return 1
      a = lab.popen('lanA', [args.cli, '--data-dir', os.path.join(d, 'A'), '--nick', 'alice',
                             '--json', '--mode', 'passive', 'get', hub.url, 'bob',
                             '/Lab/payload.bin', '--out', out], name='burrow-A')
      rc = a.wait(120)
      if rc is None:
        a.stop()
        rc = 'timeout'
    finally:
      b.stop()

    punches = json_events(a, 'punch')
    problems = []
    if rc != 0:
      problems.append('get exit %s (stderr: %s)' % (rc, a.stderr_text().strip()[-1500:]))
    got = os.path.join(out, 'payload.bin')
    if not os.path.exists(got):
      problems.append('%s was not created' % got)
    else:
      with open(got, 'rb') as f:
        data = f.read()
      if hashlib.sha256(data).digest() != hashlib.sha256(payload).digest():
        problems.append('downloaded bytes differ from the shared file (%d vs %d bytes)' %
                        (len(data), len(payload)))
    connected = [p for p in punches if p.get('result') == 'connected']
    if not connected:
      problems.append('no connected punch record (records: %s)' % json.dumps(punches)[:2000])
    elif len(punches) != 1:
      # the list and the file come over one connection: a second punch would be a second
      # chance to fail between two NATs
      problems.append('get made %d connection attempts, not one: %s' %
                      (len(punches), [(p.get('method'), p.get('result')) for p in punches]))
    elif any(p.get('method') != 'nat-traversal' for p in connected):
      problems.append('a connection was not made by NAT traversal: %s' %
                      [p.get('method') for p in connected])
    if problems:
      print('FAIL (%s+%s):' % tuple(args.modes))
      for p in problems:
        print('  - %s' % p)
      return 1
    print('PASS: %d bytes downloaded and verified over NAT traversal (%s+%s), %d connection(s)' %
          (SIZE, args.modes[0], args.modes[1], len(connected)))
    return 0


if __name__ == '__main__':
  sys.exit(main())
