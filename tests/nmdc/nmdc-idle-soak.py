#!/usr/bin/python3
# nmdc-idle-soak.py — Burrow stays logged in to NMDC hubs that behave like PtokaX and Verlihub
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Two NMDC test hubs on 127.0.0.1 at the hubsofts' real defaults (nmdc-hub.py --preset real):
# one `ptokax`, one `verlihub`. One `burrow-cli --json serve` logs in to both and then does
# nothing for BURROW_NMDC_SOAK_SECONDS (600). Fails when a session leaves the "normal" state,
# when the hub stops listing Burrow, when burrow-cli prints an error event or dies, or when it
# does not exit 0 on SIGTERM. Loopback only; every process is stopped by PID.
#
#   nmdc-idle-soak.py --cli BUILD/src/cli/burrow-cli [--seconds N]

import argparse
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HUB = os.path.join(HERE, 'nmdc-hub.py')


class Hub:
  def __init__ (self, profile, workdir):
    self.profile = profile
    self.log = os.path.join(workdir, profile + '.log')
    self.proc = subprocess.Popen(['/usr/bin/python3', HUB, '--port', '0', '--profile', profile,
                                  '--preset', 'real', '--log', self.log],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    line = self.proc.stdout.readline()
    if not line.startswith('READY '):
      raise SystemExit('%s hub did not start: %r' % (profile, line))
    self.port = int(line.split()[1])
    self.uri = 'dchub://127.0.0.1:%d' % self.port

  def control (self, command):
    self.proc.stdin.write(command + '\n')
    self.proc.stdin.flush()
    answer = self.proc.stdout.readline().strip()
    if not answer.startswith('OK'):
      raise SystemExit('%s hub: %s -> %s' % (self.profile, command, answer))
    return answer[2:].strip()

  def stop (self):
    if self.proc.poll() is None:
      self.proc.kill()
    self.proc.wait()


def main ():
  parser = argparse.ArgumentParser()
  parser.add_argument('--cli', required=True)
  parser.add_argument('--seconds', type=int,
                      default=int(os.environ.get('BURROW_NMDC_SOAK_SECONDS', '600')))
  args = parser.parse_args()

  workdir = tempfile.mkdtemp(prefix='burrow-nmdc-soak-')
  hubs = []
  cli = None
  try:
    hubs = [Hub('ptokax', workdir), Hub('verlihub', workdir)]
    cli = subprocess.Popen([args.cli, '--json', '--data-dir', os.path.join(workdir, 'data'),
                            '--nick', 'soaker', 'serve'] + [h.uri for h in hubs],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    events = queue.Queue()
    threading.Thread(target=lambda: [events.put(l) for l in cli.stdout], daemon=True).start()

    states = {}
    def take (until):
      while True:
        left = until - time.monotonic()
        if left <= 0:
          return
        try:
          line = events.get(timeout=min(left, 1.0))
        except queue.Empty:
          if cli.poll() is not None:
            raise SystemExit('burrow-cli died (exit %s): %s' % (cli.returncode, cli.stderr.read()))
          continue
        try:
          ev = json.loads(line)
        except ValueError:
          continue
        if ev.get('event') == 'hub-state':
          old = states.get(ev['hub'])
          states[ev['hub']] = ev['state']
          if old == 'normal' and ev['state'] != 'normal':
            raise SystemExit('%s left the normal state: %s' % (ev['hub'], ev['state']))
        elif ev.get('event') == 'error':
          raise SystemExit('error event: %s' % line.strip())
        if len(states) == len(hubs) and all(s == 'normal' for s in states.values()) and until is None:
          return

    deadline = time.monotonic() + 60
    while not (len(states) == len(hubs) and all(s == 'normal' for s in states.values())):
      if time.monotonic() > deadline:
        raise SystemExit('not logged in to both hubs within 60 s: %r' % states)
      take(min(deadline, time.monotonic() + 1))
    t0 = time.monotonic()
    print('logged in to both hubs; idle for %d s' % args.seconds, flush=True)
    take(t0 + args.seconds)
    for h in hubs:
      users = h.control('users').split()
      if 'soaker' not in users:
        raise SystemExit('%s hub no longer lists Burrow after %d s' % (h.profile, args.seconds))
    cli.send_signal(signal.SIGTERM)
    code = cli.wait(timeout=30)
    if code != 0:
      raise SystemExit('burrow-cli exited %d on SIGTERM' % code)
    print('%d passed: stayed logged in to ptokax and verlihub for %d s' % (len(hubs), args.seconds))
  finally:
    if cli is not None and cli.poll() is None:
      cli.kill()
      cli.wait()
    for h in hubs:
      h.stop()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
  main()
