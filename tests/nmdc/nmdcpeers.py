#!/usr/bin/python3
# nmdcpeers.py — real NMDC clients (eiskaltdcpp-daemon, ncdc) and the test hub on plain loopback.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The lab drivers of tests/natlab/dcpeers.py without the lab: the same classes, with their process
# start and RPC socket hooks pointed at loopback (no namespaces, no root needed).
#
# LoopEiskalt: eiskaltdcpp-daemon with its JSON-RPC server on a port of its own (`-P PORT`; the
#   default 3121 would collide between tests), and its TCP/TLS/UDP ports moved off the defaults
#   3000/3001 for the same reason. Settings that matter on NMDC (NMDC.md §0, §9; TESTING.md):
#   HashingStartDelay=0 (else it shares 0 B for a minute); RequireTLS stays 1 (the default).
#   `hub.add` ignores its encoding parameter and the daemon has no default-encoding setting: a hub
#   added by RPC uses the system charset (UTF-8 here), fine for the ASCII nicks and text used here.
# LoopNcdc: ncdc in a detached tmux session on its own tmux socket. Its NMDC hub encoding defaults
#   to UTF-8 (set it per hub with /hset encoding); it needs ` Pk=` in the hub's $Lock.
# Hub: nmdc-hub.py as a child process: READY line, control commands over stdin, log to a file.
# The frame the loopback scripts share: require (skip, exit 77), check (one line per assertion),
# run_json (one burrow-cli --json command) and scratch (a temporary directory).

import contextlib
import filecmp
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'natlab'))

import dcpeers  # noqa: E402
import natlab  # noqa: E402

PeerError = dcpeers.PeerError
missing_tool = dcpeers.missing_tool
HUB = os.path.join(HERE, 'nmdc-hub.py')
PYTHON = '/usr/bin/python3'


def free_port (kind=socket.SOCK_STREAM):
  """A port that was free a moment ago on 127.0.0.1 (TCP and, for UDP checks, the same number)."""
  while True:
    s = socket.socket(socket.AF_INET, kind)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
      u.bind(('127.0.0.1', port))
    except OSError:
      continue
    finally:
      u.close()
    return port


def wait_for (pred, timeout, interval=0.05):
  """Polls pred() until it returns something true; returns it, or None after timeout."""
  deadline = time.monotonic() + timeout
  while True:
    v = pred()
    if v:
      return v
    if time.monotonic() > deadline:
      return None
    time.sleep(interval)


# --- the test scripts' common frame --------------------------------------------------------------

def require (cli, *tools):
  """Exits 77 (skip) with the reason when one of tools or the CLI is missing."""
  for tool in tools:
    if shutil.which(tool) is None:
      print('SKIP: %s is missing' % tool)
      sys.exit(77)
  if not os.path.exists(cli):
    print('SKIP: no burrow-cli')
    sys.exit(77)


def check (cond, what):
  """One TAP-like line per assertion; the first failing one ends the test."""
  if not cond:
    raise SystemExit('FAIL: ' + what)
  print('ok - ' + what, flush=True)


def run_json (cli, datadir, nick, args, extra=(), timeout=120):
  """Runs one burrow-cli --json command to its end: (completed process, its JSON events,
  seconds)."""
  t0 = time.monotonic()
  r = subprocess.run([cli, '--json', '--data-dir', datadir, '--nick', nick] + list(extra) + args,
                     capture_output=True, text=True, timeout=timeout)
  events = []
  for line in r.stdout.splitlines():
    try:
      events.append(json.loads(line))
    except ValueError:
      pass
  return r, events, time.monotonic() - t0


def get_list_and_file (cli, bdir, url, nick, share_path, src, tth, label, extra, method,
                       check_list=True):
  """Burrow (data dir bdir) gets nick's file list and then share_path from it: both exit 0 over
  one `method` connection on NMDCS; the file's bytes are src's and its TTH is tth (rhash)."""
  tmp = os.path.dirname(bdir)
  mode = os.path.basename(bdir)
  out = os.path.join(tmp, 'list-%s.xml.bz2' % mode)
  r, ev, secs = run_json(cli, bdir, 'burrow', ['get-list', url, nick, '--out', out], extra)
  p = [e for e in ev if e.get('event') == 'punch']
  check(r.returncode == 0 and os.path.exists(out),
        '%s: get-list from %s exits 0 (%s; %s)' % (label, nick, r.stderr.strip()[-600:],
                                                   [(x.get('result'), x.get('diagnosis')) for x in p]))
  if check_list:
    with open(out, 'rb') as f:
      check(f.read(3) == b'BZh', '%s: the list is bzip2' % label)
  conn = [x for x in p if x.get('result') == 'connected']
  check(len(conn) == 1 and conn[0].get('method') == method and conn[0].get('protocol') == 'NMDCS',
        '%s: one %s connection over NMDCS (%s)' % (label, method,
                                                 [(x.get('method'), x.get('protocol')) for x in p]))
  dest = os.path.join(tmp, 'down-' + mode)
  os.makedirs(dest)
  r, ev, secs = run_json(cli, bdir, 'burrow', ['get', url, nick, share_path, '--out', dest], extra)
  got = os.path.join(dest, os.path.basename(share_path))
  check(r.returncode == 0 and os.path.exists(got),
        '%s: get from %s exits 0 in %.1f s (%s)' % (label, nick, secs, r.stderr.strip()[-600:]))
  check(filecmp.cmp(got, src, shallow=False), '%s: the bytes are the source\'s' % label)
  check(dcpeers.tth_of(got) == tth, '%s: the TTH matches (rhash)' % label)
  return [x for x in ev if x.get('event') == 'punch' and x.get('result') == 'connected']


@contextlib.contextmanager
def scratch (prefix):
  """A temporary directory, removed at the end unless BURROW_TEST_KEEP is set."""
  tmp = tempfile.mkdtemp(prefix=prefix)
  try:
    yield tmp
  finally:
    if os.environ.get('BURROW_TEST_KEEP'):
      print('# kept %s' % tmp)
    else:
      shutil.rmtree(tmp, ignore_errors=True)


# --- the hub --------------------------------------------------------------------------------------

class Hub:
  """nmdc-hub.py as a child: start() waits for `READY <port>`; ctl() sends one control command
  and returns its answer line; log_lines() reads the hub's log file."""

  def __init__ (self, dir, profile, preset='tests', extra=()):
    self.dir = dir
    self.log = os.path.join(dir, 'hub-%s-%s.log' % (profile, preset))
    self.argv = [PYTHON, HUB, '--port', '0', '--profile', profile, '--preset', preset,
                 '--log', self.log] + list(extra)
    self.p = None
    self.port = None

  def start (self, timeout=30):
    os.makedirs(self.dir, exist_ok=True)
    self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, encoding='utf-8', bufsize=1)
    # the READY line is the event; a deadline guards a hub that never prints it
    sel = selectors.DefaultSelector()
    sel.register(self.p.stdout, selectors.EVENT_READ)
    if not sel.select(timeout):
      self.stop()
      raise PeerError('hub printed no READY line within %d s' % timeout)
    line = self.p.stdout.readline()
    m = re.match(r'READY (\d+)$', line.strip())
    if not m:
      self.stop()
      raise PeerError('hub printed %r instead of READY <port>' % line)
    self.port = int(m.group(1))
    return self

  def url (self, scheme='dchub'):
    return '%s://127.0.0.1:%d' % (scheme, self.port)

  def ctl (self, cmd):
    self.p.stdin.write(cmd + '\n')
    self.p.stdin.flush()
    ans = self.p.stdout.readline().rstrip('\n')
    if not ans:
      raise PeerError('hub gave no answer to %r (exit %s)' % (cmd, self.p.poll()))
    return ans

  def users (self):
    ans = self.ctl('users')
    return ans.split()[1:] if ans.startswith('OK') else []

  def log_lines (self):
    try:
      with open(self.log, encoding='utf-8', errors='replace') as f:
        return f.read().splitlines()
    except FileNotFoundError:
      return []

  def log_entries (self):
    """[(direction, who, line)] from the log (`<secs> <dir> <who> <line>`)."""
    out = []
    for l in self.log_lines():
      parts = l.split(None, 3)
      if len(parts) >= 3:
        out.append((parts[1], parts[2], parts[3] if len(parts) > 3 else ''))
    return out

  def wait_log (self, pred, timeout):
    """Waits until a log entry (dir, who, line) satisfies pred; returns it or None."""
    def look ():
      for e in self.log_entries():
        if pred(*e):
          return e
      return None
    return wait_for(look, timeout)

  def stop (self):
    if self.p is None or self.p.poll() is not None:
      return
    try:
      self.p.stdin.write('quit\n')
      self.p.stdin.flush()
      self.p.stdin.close()
    except (OSError, ValueError):
      pass
    try:
      self.p.wait(5)
    except subprocess.TimeoutExpired:
      self.p.kill()
      self.p.wait(5)


# --- eiskaltdcpp-daemon ---------------------------------------------------------------------------

class LoopEiskalt (dcpeers.Eiskalt):
  """eiskaltdcpp-daemon on loopback; config in dir; RPC on a free port of its own."""

  def __init__ (self, dir, nick):
    self.lab = None
    self.ns = None
    self.side = nick
    self.dir = dir
    self.nick = nick
    self.proc = None
    self._id = 0
    self.rpc_port = free_port()

  def _argv (self):
    return ['eiskaltdcpp-daemon', '-v', '-c', self.dir, '-l', self.dir,
            '-u', os.path.join(self.dir, 'rpc.log'), '-P', str(self.rpc_port), '-L', '127.0.0.1']

  def _popen (self, argv):
    return natlab.Proc(argv, 'eiskalt-' + self.nick, stderr_to_stdout=True)

  def _rpc_socket (self, timeout):
    return socket.create_connection(('127.0.0.1', self.rpc_port), timeout)

  def configure_passive (self):
    """Passive, hashing at once, own ports (no collision with another daemon)."""
    self.set('Nick', self.nick)
    self.set('IncomingConnections', 3)
    self.set('AutoDetectIncomingConnection', 0)
    self.set('HashingStartDelay', 0)
    for key in ('InPort', 'UDPPort', 'TLSPort'):
      try:
        self.set(key, free_port())
      except PeerError:
        pass

  def user_info (self, url, nick):
    r = self.rpc('hub.getuserinfo', {'huburl': url, 'nick': nick})
    return r if isinstance(r, dict) else {}

  def say (self, url, text):
    self.rpc('hub.say', {'huburl': url, 'message': text})

  def pm (self, url, nick, text):
    self.rpc('hub.pm', {'huburl': url, 'nick': nick, 'message': text})

  def chat (self, url):
    return str(self.rpc('hub.getchat', {'huburl': url, 'separator': '\n'}) or '')

  def wait_output (self, pred, timeout):
    """Waits for a line of the daemon's verbose stdout (chat and PMs are printed there)."""
    return self.proc.wait_line(pred, timeout)

  def stop (self, timeout=15):
    super().stop(timeout)


# --- ncdc -----------------------------------------------------------------------------------------

class LoopNcdc (dcpeers.Ncdc):
  """ncdc -c dir in a detached tmux session on loopback."""

  def __init__ (self, dir, nick):
    self.lab = None
    self.ns = None
    self.dir = dir
    self.nick = nick
    self.socket = 'burrow-nmdc-%d-%s' % (os.getpid(), nick)
    self.session = 'ncdc'
    self.started = False

  def _shell_command (self):
    return 'exec ncdc -c %s' % dcpeers.shlex.quote(self.dir)

  def pid (self):
    r = self.tmux('list-panes', '-t', self.session, '-F', '#{pane_pid}')
    try:
      return int(r.stdout.split()[0])
    except (ValueError, IndexError):
      return None

  def stop (self):
    super().stop()
