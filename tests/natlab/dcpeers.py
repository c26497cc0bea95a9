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
#   A file download is queued with magnet.add (TTH, size, name; no source yet) and gets its
#   source when a downloaded list holding that TTH is matched against the queue
#   (queue.matchlists); the file appears at its target, complete, when it is done.
#
# Ncdc: ncdc in a detached tmux session (own tmux socket) whose shell command enters the namespace;
#   driven with send-keys, observed with capture-pane. A file download goes through its file list
#   browser (/browse NICK, walk to the file, 'd'); finished files are moved into download_dir.
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
import urllib.parse
import xml.etree.ElementTree as ET

import natlab

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


def lab_prefix ():
  """Labs of test-natlab.py use bl<pid%1000>-; interop labs use bi… so the two never collide."""
  n = os.getpid() % 1000
  while os.path.exists('/run/netns/bi%d-wan' % n):
    n = (n + 1) % 1000
  return 'bi%d-' % n


def json_lines (proc):
  """The JSON objects among a natlab.Proc's stdout lines."""
  out = []
  for _, line in proc.lines:
    line = line.strip()
    if line.startswith('{'):
      try:
        out.append(json.loads(line))
      except ValueError:
        pass
  return out


def make_payload (directory, name, size):
  """Writes size random bytes to directory/name (an hour old: a file modified in the last seconds
  may be hashed again on the next scan). Returns (path, bytes)."""
  os.makedirs(directory, exist_ok=True)
  path = os.path.join(directory, name)
  data = os.urandom(size)
  with open(path, 'wb') as f:
    f.write(data)
  old = time.time() - 3600
  os.utime(path, (old, old))
  return path, data


def tth_of (path):
  """Base32 Tiger tree root of a file, computed by rhash (independently of every DC client)."""
  r = subprocess.run(['rhash', '--tth', '--printf=%{tth}', path], capture_output=True, text=True,
                     timeout=120, check=True)
  tth = r.stdout.strip().upper()
  if not re.fullmatch(r'[A-Z2-7]{39}', tth):
    raise PeerError('rhash printed %r for %s' % (r.stdout, path))
  return tth


def magnet_link (tth, size, name):
  return 'magnet:?xt=urn:tree:tiger:%s&xl=%d&dn=%s' % (tth, size, urllib.parse.quote(name))


def wait_file (path, size, timeout, alive=None, interval=0.05):
  """Polls (50 ms) until path exists with exactly size bytes; the clients here write a download
  under another name and rename it when it is complete and verified. alive() returning False
  ends the wait early. Returns the monotonic time it was seen, or None."""
  deadline = time.monotonic() + timeout
  while True:
    try:
      if os.stat(path).st_size == size:
        return time.monotonic()
    except FileNotFoundError:
      pass
    if time.monotonic() > deadline or (alive is not None and not alive()):
      return None
    time.sleep(interval)


def same_bytes (path, data):
  """None when path holds exactly data, else what differs."""
  try:
    with open(path, 'rb') as f:
      got = f.read()
  except OSError as e:
    return 'cannot read %s: %s' % (path, e)
  if got == data:
    return None
  if len(got) != len(data):
    return '%s has %d bytes, expected %d' % (path, len(got), len(data))
  first = next(i for i in range(len(got)) if got[i] != data[i])
  return '%s differs from the source from byte %d on' % (path, first)


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
    argv = self._argv()
    if shutil.which('stdbuf'):
      argv = ['stdbuf', '-oL', '-eL'] + argv
    self.proc = self._popen(argv)
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

  def write_settings (self, ints, strings=None):
    """Writes DCPlusPlus.xml before start(): settings that the daemon reads only at start-up (its
    listening ports, active or passive) take effect from the first moment. Set by RPC, they would
    apply only after a restart."""
    os.makedirs(self.dir, exist_ok=True)
    with open(os.path.join(self.dir, 'DCPlusPlus.xml'), 'w') as f:
      f.write('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<DCPlusPlus>\n<Settings>\n')
      for key, value in ints.items():
        f.write('<%s type="int">%d</%s>\n' % (key, value, key))
      for key, value in (strings or {}).items():
        f.write('<%s type="string">%s</%s>\n' % (key, value, key))
      f.write('</Settings>\n</DCPlusPlus>\n')

  # Hooks that a variant outside the lab overrides (tests/nmdc/nmdcpeers.py runs on plain loopback)

  def _argv (self):
    return ['eiskaltdcpp-daemon', '-v', '-c', self.dir, '-l', self.dir,
            '-u', os.path.join(self.dir, 'rpc.log')]

  def _popen (self, argv):
    return self.lab.popen('lan' + self.side, argv, name='eiskalt-' + self.side,
                          stderr_to_stdout=True)

  def _rpc_socket (self, timeout):
    return ns_connect(self.ns, '127.0.0.1', RPC_PORT, timeout)

  def rpc (self, method, params=None, timeout=10):
    self._id += 1
    body = json.dumps({'jsonrpc': '2.0', 'id': self._id, 'method': method,
                       'params': params or {}})
    conn = http.client.HTTPConnection('127.0.0.1', RPC_PORT, timeout=timeout)
    conn.sock = self._rpc_socket(timeout)
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

  def configure_uploads (self, slots=4):
    """Upload slots (files over 64 KiB need a real slot, not a mini slot)."""
    self.set('Slots', slots)

  def add_magnet (self, magnet, directory):
    """magnet.add {magnet, directory}: queues the file as directory/<dn> with no source yet."""
    r = self.rpc('magnet.add', {'magnet': magnet, 'directory': directory.rstrip('/')})
    if r not in (0, '0'):
      raise PeerError('magnet.add %s returned %r' % (magnet, r))

  def match_lists (self):
    """queue.matchlists: matches every list in FileLists/ against the queue; a queued file that
    is in a user's list gets that user as a source, and the download starts."""
    self.rpc('queue.matchlists')

  def queue (self):
    return self.rpc('queue.list')

  def wait_queue_without (self, target, timeout):
    """Polls queue.list (50 ms) until target is no longer queued. Returns None then, else the
    queue as last seen."""
    deadline = time.monotonic() + timeout
    while True:
      q = self.queue()
      if not isinstance(q, dict) or target not in q:
        return None
      if time.monotonic() > deadline:
        return q
      time.sleep(0.05)

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

  def _shell_command (self):
    """The tmux session's command (a variant outside the lab overrides it)."""
    return 'exec ip netns exec %s ncdc -c %s' % (shlex.quote(self.ns), shlex.quote(self.dir))

  def start (self, timeout=15):
    os.makedirs(self.dir, exist_ok=True)
    self.tmux('new-session', '-d', '-s', self.session, '-x', '200', '-y', '50',
              self._shell_command(), check=True)
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

  def key (self, *keys):
    """Sends tmux key names (Right, Enter, M-3, d, …) as keys, not as text."""
    self.tmux('send-keys', '-t', self.session, *keys)

  def set (self, key, value):
    """/set KEY VALUE, waiting for ncdc's echo of the new value."""
    self.command('/set %s %s' % (key, value), r'global\.%s = %s' % (re.escape(key),
                                                                  re.escape(str(value))),
                 timeout=15)

  def configure (self, active, port=None, tls_force=False, download_dir=None):
    self.set('nick', self.nick)
    if active:
      self.set('active_port', port)
      self.set('active', 'true')
    else:
      self.set('active', 'false')
    if tls_force:
      # refuse client connections without TLS (needs a TLS hub)
      self.set('tls_policy', 'force')
    if download_dir:
      os.makedirs(download_dir, exist_ok=True)
      self.set('download_dir', download_dir)

  def wait_stderr_log (self, texts, timeout):
    """Polls stderr.log in the session dir (50 ms) until it holds every one of texts."""
    log = os.path.join(self.dir, 'stderr.log')
    deadline = time.monotonic() + timeout
    while True:
      try:
        with open(log) as f:
          data = f.read()
        if all(t in data for t in texts):
          return True
      except FileNotFoundError:
        pass
      if time.monotonic() > deadline:
        return False
      time.sleep(0.05)

  def share_and_restart (self, vname, directory, names, timeout=60):
    """Shares directory as vname, waits until ncdc has hashed names, and restarts ncdc so that
    it serves a complete file list at once.

    ncdc hashes in the background and has no event for its end; it logs "Completed hashing
    <path>" to stderr.log. It rewrites the list it serves (files.xml.bz2) only from time to time
    and when it quits: a running ncdc kept serving an empty list for 30 s after hashing. After
    the restart the settings and hashes come from its database."""
    self.command('/share %s %s' % (vname, directory), r'Added to share')
    done = ['Completed hashing %s' % os.path.join(directory, n) for n in names]
    if not self.wait_stderr_log(done, timeout):
      raise PeerError('ncdc did not hash its share within %d s:\n%s' % (timeout, self.screen()))
    self.stop()
    try:
      with open(os.path.join(self.dir, 'files.xml.bz2'), 'rb') as f:
        own = parse_list(f.read())[1]
    except Exception as e:  # noqa: BLE001
      raise PeerError('ncdc wrote no readable files.xml.bz2 when it quit: %s' % e)
    missing = [n for n in names if n not in own]
    if missing:
      raise PeerError('ncdc\'s files.xml.bz2 lacks %s after hashing: %s' % (missing, own))
    self.start()

  def join (self, url, timeout=30, min_users=1):
    """/open a hub; waits until joined (at least min_users listed) and announcing a non-zero
    share (after its start-up refresh of the share, during which it prints "File list
    incomplete")."""
    self.command('/open lab %s' % url)
    joined = r'\[(active[^\]]*|passive)\] \[adc\].* (\d+) users +[1-9][\d.]* +\S*B'

    def ready (s):
      m = re.search(joined, s)
      return m is not None and int(m.group(2)) >= min_users and 'File list incomplete' not in s
    s = self.wait_screen(ready, timeout)
    if s is None:
      raise PeerError('ncdc did not join the hub with its share:\n%s' % self.screen())
    return s

  def join_nmdc (self, url, min_users, timeout=30, with_share=True):
    """/open an NMDC hub; waits until ncdc lists at least min_users (and, with_share, until its
    start-up share refresh is over)."""
    self.command('/open lab %s' % url)
    joined = r'\[(active[^\]]*|passive)\] \[nmdc\].* (\d+) users'

    def ready (s):
      m = re.search(joined, s)
      if m is None or int(m.group(2)) < min_users:
        return False
      return not with_share or 'File list incomplete' not in s
    s = self.wait_screen(ready, timeout)
    if s is None:
      raise PeerError('ncdc did not join the NMDC hub:\n%s' % self.screen())
    return s

  def join_empty (self, url, min_users, timeout=30):
    """/open a hub with nothing shared; waits until at least min_users are listed."""
    self.command('/open lab %s' % url)
    joined = r'\[(active[^\]]*|passive)\] \[adc\].* (\d+) users'
    s = self.wait_screen(lambda s: (re.search(joined, s) is not None
                                    and int(re.search(joined, s).group(2)) >= min_users), timeout)
    if s is None:
      raise PeerError('ncdc did not join the hub:\n%s' % self.screen())
    return s

  def browse_download (self, nick, path, timeout=60):
    """Downloads one file through ncdc's file list browser: /browse nick, switch to its tab,
    walk down the directories of path (Right enters the selected one, which must be the only
    entry), and queue the file with 'd'. Each step waits for the screen to show its result.
    When ncdc answers that it knows no such user (the user's login is still on its way to it),
    /browse is sent again."""
    tab = r'(\d+)[:!.]?/%s\b' % re.escape(nick)
    unknown = 'No user found with that name.'
    deadline = time.monotonic() + timeout
    while True:
      before = self.screen().count(unknown)
      self.send('/browse %s' % nick)
      s = self.wait_screen(lambda s: re.search(tab, s) is not None or s.count(unknown) > before,
                           max(0, deadline - time.monotonic()))
      if s is None or re.search(tab, s) is not None or time.monotonic() > deadline:
        break
    if s is None or re.search(tab, s) is None:
      raise PeerError('ncdc opened no browse tab for %s:\n%s' % (nick, self.screen()))
    self.key('M-%s' % re.search(tab, s).group(1))
    parts = [p for p in path.split('/') if p]
    where = ''
    for i, part in enumerate(parts):
      shown = r'─── %s/? ─' % re.escape(where or '/')
      entry = r'(?m)^>.*[ /]%s\s*$' % re.escape(part)
      s = self.wait_screen(lambda s: re.search(shown, s) and re.search(entry, s), 10)
      if s is None:
        raise PeerError('ncdc\'s browser does not show %s selected in %s:\n%s' %
                        (part, where or '/', self.screen()))
      if i < len(parts) - 1:
        self.key('Right')
        where += '/' + part
    self.key('d')

  def transfers_log (self):
    """logs/transfers.log as a list of dicts (fields as in ncdc(1), "Format of transfers.log")."""
    out = []
    try:
      with open(os.path.join(self.dir, 'logs', 'transfers.log')) as f:
        lines = f.read().splitlines()
    except FileNotFoundError:
      return out
    for line in lines:
      m = re.match(r'\[[^\]]*\] (.*)', line)
      if not m:
        continue
      fields = m.group(1).split(' ')
      if len(fields) < 11:
        continue
      keys = ('hub', 'cid', 'user', 'ip', 'dir', 'status', 'tth', 'seconds', 'size', 'offset',
              'bytes', 'path')
      rec = dict(zip(keys, fields))
      for k in ('size', 'offset', 'bytes'):
        try:
          rec[k] = int(rec[k])
        except (KeyError, ValueError):
          pass
      out.append(rec)
    return out

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


CellFailure = natlab.CellFailure


def start_nmdcs_hub (lab, port=1511):
  """The NMDC test hub (verlihub profile, preset tests) in the wan namespace speaking nmdcs (TLS
  from the first byte, as Verlihub's TLS proxy) with a fresh self-signed certificate.
  natlab.Lab.start_nmdc_hub starts only the plain one."""
  d = os.path.join(lab.workdir, 'nmdcs-hub-%d' % port)
  os.makedirs(d, exist_ok=True)
  cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
  natlab.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
              '-out', cert, '-days', '2', '-subj', '/CN=natlab-nmdc-hub'], timeout=60)
  script = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nmdc', 'nmdc-hub.py')
  p = lab.popen('wan', ['/usr/bin/python3', script, '--host', natlab.HUB_IP, '--port', str(port),
                        '--profile', 'verlihub', '--preset', 'tests', '--tls', cert, key,
                        '--log', os.path.join(d, 'hub.log')],
                name='nmdcs-hub', stdin=True, stderr_to_stdout=True)
  if p.wait_line(lambda l: l.startswith('READY '), natlab.LAB_START_TIMEOUT) is None:
    raise natlab.LabError('the NMDC test hub (nmdcs) did not start: %s' % p.stdout_text())
  if not lab.tcp_ready('lanA', natlab.HUB_IP, port, natlab.LAB_START_TIMEOUT):
    raise natlab.LabError('the NMDC test hub (nmdcs) does not accept connections from lanA: %s'
                          % p.stdout_text())
  return natlab.Hub(p, 'nmdcs://%s:%d' % (natlab.HUB_IP, port), port, True, d)


def hub_log_tail (hub, chars):
  """The end of the hub's output; for the NMDC test hub, of its protocol log (hub.log)."""
  try:
    with open(os.path.join(hub.dir, 'hub.log'), errors='replace') as f:
      return f.read()[-chars:]
  except FileNotFoundError:
    return hub.proc.stdout_text()[-chars:]


def interop_main (cells, kinds, default_tls=False, extra_tools=(), nmdc=False):
  """The command line of the interop scripts: runs one cell of @cells in a fresh lab.

  @kinds maps a cell's 'kind' to (function, peer program); the function gets
  (lab, hub, cli, cell, report) and returns a list of problems. With @nmdc the hub is the NMDC
  test hub (verlihub profile; nmdcs for a TLS cell) instead of uhub. Exit 0 pass, 1 fail, 77
  skip."""
  import argparse
  ap = argparse.ArgumentParser()
  ap.add_argument('--cell', choices=sorted(cells))
  ap.add_argument('--cli', default=os.environ.get('BURROW_CLI'))
  ap.add_argument('--list', action='store_true')
  ap.add_argument('--no-self-check', action='store_true')
  args = ap.parse_args()
  if args.list:
    print('\n'.join(cells))
    return 0
  if not args.cell or not args.cli:
    ap.error('--cell and --cli are required')
  cell = cells[args.cell]
  fn, program = kinds[cell['kind']]
  tls = cell.get('tls', default_tls)
  why = natlab.usable()
  if why:
    print('SKIP: %s' % why)
    return 77
  missing = missing_tool(program, *extra_tools, *(['tmux'] if program == 'ncdc' else []))
  if missing:
    print('SKIP: %s is not installed' % missing)
    return 77
  print('cell %s: A=%s B=%s (%s%s hub)' % (args.cell, cell['a'], cell['b'], 'NMDC ' if nmdc else '',
                                         'TLS' if tls else 'plain'), flush=True)
  report = {}
  t0 = time.monotonic()
  hub_log = ''
  try:
    with natlab.Lab(cell['a'], cell['b'], prefix=lab_prefix()) as lab:
      if not args.no_self_check:
        lab.self_check()
      if nmdc:
        hub = start_nmdcs_hub(lab) if tls else lab.start_nmdc_hub()
      else:
        hub = lab.start_hub(tls=tls)
      try:
        problems = fn(lab, hub, args.cli, cell, report)
      finally:
        hub_log = hub_log_tail(hub, 4000 if nmdc else 1500)
  except (natlab.LabError, PeerError, CellFailure) as e:
    problems = ['%s: %s' % (type(e).__name__, e)]
  verbose = os.environ.get('NATLAB_VERBOSE') == '1'
  for rec in report.get('punch', []) + report.get('transfers', []):
    if problems or verbose:
      print('%s: %s' % (rec.get('event'), json.dumps(rec)))
  if report.get('note'):
    print('NOTE: %s' % report['note'])
  if problems:
    for k in ('a_stderr', 'b_stderr', 'peer_log'):
      if report.get(k):
        print('%s (tail): %s' % (k, report[k].strip()[-2500:]))
    if report.get('ncdc_screen'):
      print('ncdc screen:\n%s' % report['ncdc_screen'])
    print('%s log (tail):\n%s' % ('NMDC hub' if nmdc else 'uhub', hub_log))
    print('FAIL: %s' % report.get('summary', ''))
    for p in problems:
      print('  - %s' % p)
    return 1
  print('PASS: %s; cell took %.1f s' % (report.get('summary', ''), time.monotonic() - t0))
  return 0
