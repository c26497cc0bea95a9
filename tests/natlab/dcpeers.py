#!/usr/bin/python3
# dcpeers.py — other Direct Connect clients as peers in the NAT lab (NATLAB.md "Real peers").
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Eiskalt: eiskaltdcpp-daemon (Debian package, DC++ core) inside a lab namespace, driven through its
#   JSON-RPC server (HTTP POST to 127.0.0.1:3121/eiskaltdcpp). That address is the loopback of the
#   daemon's own namespace, so the RPC socket is created by a short-lived thread that has entered
#   the namespace with setns(2) (network namespaces are per thread); the connected socket stays
#   usable from any thread.
#   Settings are applied through `settings.getset {key, value}` before the hub is added (the
#   daemon writes no DCPlusPlus.xml until it saves, so there is no file to prepare).
#   A downloaded list appears as FileLists/<nick>.<CID>.xml.bz2 in the config dir; the daemon has
#   no event for it, so wait_list() polls the directory every 10 ms against a deadline and only
#   accepts a file that decompresses completely (a list still being written does not).
#
# Ncdc: ncdc in a detached tmux session (own tmux socket) whose shell command enters the namespace;
#   driven with send-keys, observed with capture-pane.
#
# Both stop cleanly: Eiskalt with `daemon.stop` (it crashes on SIGTERM), ncdc with /quit; the lab's
# teardown kills whatever is left in the namespaces.

import bz2
import ctypes
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

CLONE_NEWNET = 0x40000000
RPC_PORT = 3121
RPC_PATH = '/eiskaltdcpp'

_libc = ctypes.CDLL(None, use_errno=True)


class PeerError (Exception):
  pass


def missing_tool (*names):
  """The first of names that is not installed, or None."""
  for n in names:
    if shutil.which(n) is None:
      return n
  return None


def ns_connect (ns, host, port, timeout=5.0):
  """A TCP socket connected to host:port from inside network namespace ns."""
  box = {}

  def work ():
    try:
      fd = os.open('/run/netns/' + ns, os.O_RDONLY)
      try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
          err = ctypes.get_errno()
          raise OSError(err, 'setns(%s): %s' % (ns, os.strerror(err)))
      finally:
        os.close(fd)
      box['sock'] = socket.create_connection((host, port), timeout)
    except BaseException as e:  # noqa: BLE001 — handed to the caller's thread
      box['error'] = e

  t = threading.Thread(target=work, daemon=True)
  t.start()
  t.join()
  if 'error' in box:
    raise box['error']
  return box['sock']


def parse_list (data):
  """bz2-compressed ADC file list → (root element, [file names]). Raises on any defect."""
  root = ET.fromstring(bz2.decompress(data))
  if root.tag != 'FileListing':
    raise PeerError('root element %r, expected FileListing' % root.tag)
  return root, [f.get('Name') for f in root.iter('File')]


# --- eiskaltdcpp-daemon -------------------------------------------------------------------------

class Eiskalt:
  """eiskaltdcpp-daemon in lab namespace lan<side>, config in dir."""

  def __init__ (self, lab, side, dir, nick):
    self.lab = lab
    self.ns = lab.lan_ns(side)
    self.side = side
    self.dir = dir
    self.nick = nick
    self.proc = None
    self._id = 0

  def start (self, timeout=15):
    os.makedirs(self.dir, exist_ok=True)
    # line-buffered stdout (stdbuf) so that its log lines arrive as they are printed
    argv = ['eiskaltdcpp-daemon', '-v', '-c', self.dir, '-l', self.dir,
            '-u', os.path.join(self.dir, 'rpc.log')]
    if shutil.which('stdbuf'):
      argv = ['stdbuf', '-oL', '-eL'] + argv
    self.proc = self.lab.popen('lan' + self.side, argv, name='eiskalt-' + self.side,
                               stderr_to_stdout=True)
    # there is no readiness event we can rely on: retry the RPC connect every 10 ms
    deadline = time.monotonic() + timeout
    while True:
      try:
        self.rpc('show.version', timeout=2)
        break
      except OSError:
        if time.monotonic() > deadline or self.proc.p.poll() is not None:
          raise PeerError('eiskaltdcpp-daemon RPC does not answer (exit %s): %s' %
                          (self.proc.p.poll(), self.proc.stdout_text()))
        time.sleep(0.01)
    return self

  def rpc (self, method, params=None, timeout=10):
    self._id += 1
    body = json.dumps({'jsonrpc': '2.0', 'id': self._id, 'method': method,
                       'params': params or {}})
    conn = http.client.HTTPConnection('127.0.0.1', RPC_PORT, timeout=timeout)
    conn.sock = ns_connect(self.ns, '127.0.0.1', RPC_PORT, timeout)
    try:
      conn.request('POST', RPC_PATH, body, {'Content-Type': 'application/json',
                                            'Connection': 'close'})
      resp = conn.getresponse()
      data = resp.read()
    finally:
      conn.close()
    try:
      reply = json.loads(data)
    except ValueError:
      raise PeerError('%s: not JSON: %r' % (method, data[:200]))
    if reply.get('error'):
      raise PeerError('%s: %s' % (method, reply['error']))
    return reply.get('result')

  def set (self, key, value):
    self.rpc('settings.getset', {'key': key, 'value': str(value)})
    got = self.rpc('settings.getset', {'key': key})
    if not isinstance(got, dict) or str(got.get('value')) != str(value):
      raise PeerError('setting %s=%s did not stick (reads %r)' % (key, value, got))

  def configure_passive_natt (self):
    self.set('Nick', self.nick)
    self.set('IncomingConnections', 3)  # passive
    self.set('AllowNatt', 1)
    self.set('AutoDetectIncomingConnection', 0)

  def share (self, directory, virtname='share', timeout=30):
    self.rpc('share.add', {'directory': directory.rstrip('/') + '/', 'virtname': virtname})
    self.rpc('share.refresh')
    # hashing has no event either; poll hash.status (50 ms) until idle with nothing left
    deadline = time.monotonic() + timeout
    toggles = 0
    while time.monotonic() < deadline:
      st = self.rpc('hash.status')
      if isinstance(st, dict) and st.get('status') == 'pause' and toggles < 3:
        # a fresh daemon starts with hashing paused; hash.pause toggles the pause
        self.rpc('hash.pause')
        toggles += 1
        continue
      if isinstance(st, dict) and st.get('status') == 'idle' and not st.get('filesleft'):
        listed = self.rpc('share.list')
        if virtname in str(listed):
          return
      time.sleep(0.05)
    raise PeerError('eiskalt did not finish hashing %s' % directory)

  def add_hub (self, url):
    self.rpc('hub.add', {'huburl': url, 'enc': ''})

  def users (self, url):
    r = self.rpc('hub.getusers', {'huburl': url})
    return [u for u in str(r or '').split(';') if u]

  def wait_users (self, url, nicks, timeout=30):
    """Polls hub.getusers (50 ms) until all of nicks are listed."""
    deadline = time.monotonic() + timeout
    while True:
      have = self.users(url)
      if all(n in have for n in nicks):
        return have
      if time.monotonic() > deadline:
        raise PeerError('eiskalt %s: users on %s are %s, waiting for %s (log: %s)' %
                        (self.nick, url, have, nicks, self.proc.stdout_text()[-1000:]))
      time.sleep(0.05)

  def list_dir (self):
    return os.path.join(self.dir, 'FileLists')

  def list_files (self, nick):
    try:
      names = os.listdir(self.list_dir())
    except FileNotFoundError:
      return []
    return [os.path.join(self.list_dir(), n) for n in names
            if n.startswith(nick + '.') and n.endswith('.xml.bz2')]

  def clear_lists (self, nick):
    for p in self.list_files(nick):
      os.unlink(p)

  def download_list (self, url, nick):
    """list.download; returns the monotonic time just before the request was sent."""
    t0 = time.monotonic()
    r = self.rpc('list.download', {'huburl': url, 'nick': nick})
    if r not in (0, '0', None, True):
      raise PeerError('list.download returned %r' % (r,))
    return t0

  def wait_list (self, nick, timeout, interval=0.01):
    """Polls FileLists/ until nick's list is complete. Returns (time, path, root, files) or None."""
    deadline = time.monotonic() + timeout
    while True:
      for p in self.list_files(nick):
        now = time.monotonic()
        try:
          with open(p, 'rb') as f:
            data = f.read()
          root, files = parse_list(data)
        except (OSError, EOFError, ValueError, ET.ParseError, PeerError):
          continue  # still being written
        return now, p, root, files
      if time.monotonic() > deadline:
        return None
      time.sleep(interval)

  def stop (self, timeout=10):
    if self.proc is None or self.proc.p.poll() is not None:
      return
    try:
      self.rpc('daemon.stop', timeout=3)
    except (OSError, PeerError, http.client.HTTPException):
      pass
    if self.proc.wait(timeout) is None:
      self.proc.stop()


# --- ncdc ---------------------------------------------------------------------------------------

class Ncdc:
  """ncdc -c dir in a detached tmux session; its process runs in lab namespace lan<side>."""

  def __init__ (self, lab, side, dir, nick):
    self.lab = lab
    self.ns = lab.lan_ns(side)
    self.dir = dir
    self.nick = nick
    self.socket = 'burrow-natlab-%d-%s' % (os.getpid(), side)
    self.session = 'ncdc'
    self.started = False

  def tmux (self, *args, check=False):
    return subprocess.run(['tmux', '-L', self.socket, '-f', '/dev/null'] + list(args),
                          capture_output=True, text=True, check=check, timeout=10)

  def start (self, timeout=15):
    os.makedirs(self.dir, exist_ok=True)
    cmd = 'exec ip netns exec %s ncdc -c %s' % (shlex.quote(self.ns), shlex.quote(self.dir))
    self.tmux('new-session', '-d', '-s', self.session, '-x', '200', '-y', '50', cmd, check=True)
    self.started = True
    if not self.wait_screen(lambda s: 'ncdc' in s, timeout):
      raise PeerError('ncdc UI did not come up:\n%s' % self.screen())
    return self

  def send (self, text):
    self.tmux('send-keys', '-t', self.session, '-l', text)
    self.tmux('send-keys', '-t', self.session, 'Enter')

  def screen (self):
    return self.tmux('capture-pane', '-p', '-t', self.session).stdout

  def wait_screen (self, pred, timeout, interval=0.05):
    """Polls the pane (tmux has no change event we can block on) until pred(screen)."""
    deadline = time.monotonic() + timeout
    while True:
      s = self.screen()
      if pred(s):
        return s
      if time.monotonic() > deadline:
        return None
      time.sleep(interval)

  def command (self, text, expect=None, timeout=5):
    """Sends a /command; with expect (a regex), waits until it appears on the screen."""
    self.send(text)
    if expect is None:
      return None
    s = self.wait_screen(lambda s: re.search(expect, s) is not None, timeout)
    if s is None:
      raise PeerError('ncdc: %r did not show %r:\n%s' % (text, expect, self.screen()))
    return s

  def stop (self):
    if not self.started:
      return
    self.send('/quit')
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
      if self.tmux('has-session', '-t', self.session).returncode != 0:
        break
      time.sleep(0.05)
    self.tmux('kill-server')
    self.started = False
