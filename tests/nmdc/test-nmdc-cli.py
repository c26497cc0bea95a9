#!/usr/bin/python3
# test-nmdc-cli.py — burrow-cli on NMDC hubs: users, say, pm, search, --encoding
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# For each profile of the NMDC test hub (nmdc-hub.py, preset "tests"): an active Burrow ("bob",
# `serve --share DIR --mode active`) sharing one file, and one-shot commands from a second Burrow
# ("alice", another data dir), as a user would type them:
#   users     prints the nicks (bob among them), exit 0
#   say       exits 0 once the hub echoed the line; bob's --json stream shows it
#   pm        bob's stream shows the private message from alice
#   search    by TTH (passive: through the hub to the active bob, $SR back through the hub) prints
#             a line with the TTH; by words as well; and active (UDP results) with --mode active
#   --encoding CP1251 with a Cyrillic nick on a cp1251 hub: bob sees the nick
# Exit 77 when /usr/bin/python3's hub or the CLI is missing. Loopback only, processes stopped by PID.
#
#   test-nmdc-cli.py --cli BUILD/src/cli/burrow-cli [--profile ptokax|verlihub]

import argparse
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HUB = os.path.join(HERE, 'nmdc-hub.py')
DEADLINE = 30


def free_port ():
  s = socket.socket()
  s.bind(('127.0.0.1', 0))
  port = s.getsockname()[1]
  s.close()
  return port


class Hub:
  def __init__ (self, profile, workdir, charset=None):
    argv = ['/usr/bin/python3', HUB, '--port', '0', '--profile', profile, '--preset', 'tests',
            '--log', os.path.join(workdir, 'hub-%s.log' % profile)]
    if charset:
      argv += ['--charset', charset]
    self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 bufsize=1)
    line = self.proc.stdout.readline()
    if not line.startswith('READY '):
      raise SystemExit('hub did not start: %r' % line)
    self.uri = 'dchub://127.0.0.1:%d' % int(line.split()[1])

  def control (self, command):
    self.proc.stdin.write(command + '\n')
    self.proc.stdin.flush()
    return self.proc.stdout.readline().strip()

  def wait_user (self, nick, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
      if nick in self.control('users').split()[1:]:
        return True
      time.sleep(0.05)
    return False

  def stop (self):
    if self.proc.poll() is None:
      self.proc.kill()
    self.proc.wait()


class Serve:
  """burrow-cli --json serve, its events collected by a thread."""

  def __init__ (self, cli, datadir, nick, uri, extra):
    self.proc = subprocess.Popen([cli, '--json', '--data-dir', datadir, '--nick', nick] + extra
                                 + ['serve', uri], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, bufsize=1)
    self.events = queue.Queue()
    self.seen = []
    threading.Thread(target=self._read, daemon=True).start()

  def _read (self):
    for line in self.proc.stdout:
      try:
        self.events.put(json.loads(line))
      except ValueError:
        pass

  def wait (self, pred, timeout=DEADLINE):
    for ev in self.seen:
      if pred(ev):
        return ev
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
      try:
        ev = self.events.get(timeout=0.2)
      except queue.Empty:
        if self.proc.poll() is not None:
          raise SystemExit('serve died: %s' % self.proc.stderr.read())
        continue
      self.seen.append(ev)
      if pred(ev):
        return ev
    raise SystemExit('serve: no matching event within %d s; saw %s' % (timeout, self.seen[-20:]))

  def stop (self):
    if self.proc.poll() is None:
      self.proc.terminate()
      try:
        self.proc.wait(timeout=10)
      except subprocess.TimeoutExpired:
        self.proc.kill()
        self.proc.wait()


def tiger_tth (path):
  """Base32 Tiger tree root, computed by rhash (independently of Burrow)."""
  r = subprocess.run(['rhash', '--tth', '--printf=%{tth}', path], capture_output=True, text=True,
                     timeout=120, check=True)
  return r.stdout.strip().upper()


def run_cli (cli, datadir, nick, args, extra=(), timeout=60):
  return subprocess.run([cli, '--data-dir', datadir, '--nick', nick] + list(extra) + args,
                        capture_output=True, text=True, timeout=timeout)


def check (cond, what):
  if not cond:
    raise SystemExit('FAIL: ' + what)
  print('ok - ' + what, flush=True)


def main ():
  parser = argparse.ArgumentParser()
  parser.add_argument('--cli', required=True)
  parser.add_argument('--profile', default='verlihub')
  args = parser.parse_args()
  if not os.path.exists(args.cli) or shutil.which('rhash') is None:
    print('SKIP: needs burrow-cli and rhash')
    sys.exit(77)

  work = tempfile.mkdtemp(prefix='burrow-nmdc-cli-')
  hub = hub2 = bob = None
  try:
    share = os.path.join(work, 'share')
    os.makedirs(share)
    payload = os.path.join(share, 'Holiday Beach.ogg')
    with open(payload, 'wb') as f:
      f.write(os.urandom(300 * 1024))
    bob_dir = os.path.join(work, 'bob')
    tth = tiger_tth(payload)

    hub = Hub(args.profile, work)
    bob = Serve(args.cli, bob_dir, 'bob', hub.uri,
                ['--share', share, '--mode', 'active', '--port', str(free_port())])
    bob.wait(lambda e: e.get('event') == 'hub-state' and e.get('state') == 'normal')
    check(hub.wait_user('bob'), 'bob (active, sharing) logged in')
    alice = os.path.join(work, 'alice')

    r = run_cli(args.cli, alice, 'alice', ['users', hub.uri])
    check(r.returncode == 0 and 'bob' in r.stdout.split(), 'users prints the nicks (%s)' % r.stdout.split())

    r = run_cli(args.cli, alice, 'alice', ['say', hub.uri, 'hello $ and | from alice'])
    check(r.returncode == 0, 'say exits 0 once the hub echoed the line (%s)' % r.stderr.strip())
    bob.wait(lambda e: e.get('event') == 'chat' and e.get('nick') == 'alice'
             and e.get('text') == 'hello $ and | from alice')
    check(True, 'bob saw the chat line, escapes intact')

    r = run_cli(args.cli, alice, 'alice', ['pm', hub.uri, 'bob', 'a private word'])
    check(r.returncode == 0, 'pm exits 0 (%s)' % r.stderr.strip())
    bob.wait(lambda e: e.get('event') == 'pm' and e.get('nick') == 'alice'
             and e.get('text') == 'a private word')
    check(True, 'bob got the private message')

    r = run_cli(args.cli, alice, 'alice', ['search', hub.uri, tth, '--wait', '8'])
    check(r.returncode == 0 and tth in r.stdout, 'passive search by TTH finds bob\'s file (%s)' % r.stdout.strip())

    r = run_cli(args.cli, alice, 'alice', ['search', hub.uri, 'holiday beach', '--wait', '8'])
    check(r.returncode == 0 and 'Holiday Beach.ogg' in r.stdout, 'search by words finds it (%s)' % r.stdout.strip())

    # active: results by UDP to our port
    r = run_cli(args.cli, alice, 'alice', ['search', hub.uri, tth, '--wait', '8'],
                extra=['--mode', 'active', '--port', str(free_port())])
    check(r.returncode == 0 and tth in r.stdout, 'active search gets the UDP answer (%s)' % r.stdout.strip())

    # a Russian hub
    hub2 = Hub(args.profile, work, charset='cp1251')
    bob2 = Serve(args.cli, os.path.join(work, 'bob2'), 'bob', hub2.uri, ['--encoding', 'CP1251'])
    try:
      bob2.wait(lambda e: e.get('event') == 'hub-state' and e.get('state') == 'normal')
      r = run_cli(args.cli, os.path.join(work, 'vasya'), 'Вася', ['say', hub2.uri, 'Привет всем'],
                  extra=['--encoding', 'CP1251'])
      check(r.returncode == 0, 'a CP1251 nick says hello (%s)' % r.stderr.strip())
      bob2.wait(lambda e: e.get('event') == 'chat' and e.get('nick') == 'Вася' and e.get('text') == 'Привет всем')
      check(True, 'bob reads the Cyrillic nick and text')
    finally:
      bob2.stop()

    r = run_cli(args.cli, alice, 'alice', ['users', hub.uri], extra=['--encoding', 'NO-SUCH'])
    check(r.returncode == 2, 'an unknown --encoding is a usage error (exit %d)' % r.returncode)
    print('all passed')
  finally:
    for p in (bob,):
      if p:
        p.stop()
    for h in (hub, hub2):
      if h:
        h.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
  main()
