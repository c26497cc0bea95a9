#!/usr/bin/python3
# test-nmdc-interop.py — Burrow with real NMDC clients (eiskaltdcpp-daemon, ncdc) on the test hub.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   test-nmdc-interop.py --cell ptokax|verlihub --cli /path/to/burrow-cli
#   test-nmdc-interop.py --list
#
# One cell = one hub profile (nmdc-hub.py, preset tests: search intervals relaxed) with:
#   ekuser    eiskaltdcpp-daemon, ACTIVE (own TCP/TLS/UDP ports, written into its DCPlusPlus.xml
#             before it starts, so that its listeners really use them), shares one file
#   ncuser    ncdc in tmux, passive, shares one file
#   burrow    `burrow-cli serve --json`, active (--mode active --port P), shares one file
#   burrowp   `burrow-cli serve --json`, passive, shares the same file
# and short-lived burrow-cli processes (say, pm, search) under nicks of their own: a nick logged
# in by serve cannot log in a second time, and PtokaX/Verlihub refuse a fast reconnect of a nick.
#
# Assertions (NMDC.md §0, §1.4, §1.6, §2):
#   1. users   Burrow (serve's user events) sees ekuser active and ncuser passive with the share the
#              hub relays; eiskalt (hub.getuserinfo) and ncdc (its user list) see burrow active,
#              burrowp passive, with their shares. PtokaX relays the short $MyINFO (mode letter in
#              the one-byte field, no tag, 0x10/0x20 cleared, 0x40 set); Verlihub the original.
#   2. chat    Burrow ↔ eiskalt, Burrow ↔ ncdc, both ways; PMs the same; and lines with $ | &
#              and non-ASCII text (UTF-8, the clients' charset; Burrow with --encoding UTF-8).
#   3. search  Burrow finds ekuser's file by TTH (computed by rhash) and by words: passive (through
#              the hub, eiskalt's $SR comes back through the hub) and active (eiskalt answers by
#              UDP to Burrow's port).
#   4. search  eiskalt (search.send / search.getresults) finds Burrow's file: an active search by
#              words (burrow and burrowp both answer by UDP) and a passive one by TTH
#              (SearchPassiveAlways=1: only burrow gets it, its $SR goes through the hub). eiskalt
#              queues its searches (MinimumSearchInterval, 10 s here; ~60 s by default).
#   also       Burrow (active) finds passive ncdc's file (UDP answer, path with a leading '\'), and
#              ncdc's passive search finds Burrow's file (burrow's $SR through the hub).
# Exit 0 pass, 1 fail, 77 when eiskaltdcpp-daemon, ncdc, tmux or rhash is missing. The temporary
# directory goes away at the end, also after a failure unless NMDC_INTEROP_KEEP=1. Every wait is on
# an event (a JSON line, a hub log line, an RPC answer polled, ncdc's screen) with a deadline.

import argparse
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import nmdcpeers as P  # noqa: E402

natlab = P.natlab
CELLS = ('ptokax', 'verlihub')
SPECIAL = 'grüße привет $5 | a&b &amp; <x>'
BOTS = {'ptokax': ['PtokaX'], 'verlihub': ['Verlihub', 'OpChat']}


class Fail (Exception):
  pass


def check (cond, msg):
  if not cond:
    raise Fail(msg)


def unesc (s):
  """The hub log's escaping (\\xNN) undone, as bytes."""
  return re.sub(rb'\\x([0-9a-f]{2})', lambda m: bytes([int(m.group(1), 16)]), s.encode('latin-1'))


class Info:
  """A $MyINFO line (as bytes): `$MyINFO $ALL nick desc$<mode>$<conn><status>$<mail>$<share>$`."""

  def __init__ (self, line):
    self.line = line
    parts = line.split(b'$')
    if len(parts) < 7 or not parts[2].startswith(b'ALL '):
      raise Fail('not a $MyINFO: %r' % line)
    self.nick, _, self.desc = parts[2][4:].partition(b' ')
    self.mode_field = parts[3]
    self.conn = parts[4][:-1]
    self.status = parts[4][-1] if parts[4] else 0
    self.share = int(parts[6]) if parts[6].isdigit() else 0
    m = re.search(rb'<([^>]*)>$', self.desc)
    self.tag = m.group(1).decode('latin-1') if m else ''

  def mode (self):
    """active/passive as a reader sees it: the tag's M:, else the one-byte mode field."""
    m = re.search(r'(?:^|,)M:(.)', self.tag)
    letter = m.group(1) if m else self.mode_field.decode('latin-1')
    return 'active' if letter == 'A' else 'passive'


# --- burrow-cli ----------------------------------------------------------------------------------

class Burrow:
  """One burrow-cli process with --json; its JSON lines are the events."""

  def __init__ (self, cli, tmp, name, nick, argv):
    self.name = name
    self.nick = nick
    self.data = os.path.join(tmp, 'burrow-' + name)
    os.makedirs(self.data, exist_ok=True)
    self.argv = [cli, '--json', '--data-dir', self.data, '--nick', nick] + list(argv)
    self.proc = None

  def start (self):
    env = dict(os.environ, G_MESSAGES_DEBUG='', XDG_DATA_HOME=self.data,
               XDG_CONFIG_HOME=self.data, XDG_CACHE_HOME=self.data)
    self.proc = natlab.Proc(self.argv, 'burrow-' + self.name, env=env)
    return self

  def events (self):
    out = []
    with self.proc.cond:
      lines = list(self.proc.lines)
    for _, l in lines:
      if l.startswith('{'):
        try:
          out.append(json.loads(l))
        except ValueError:
          pass
    return out

  def wait_event (self, pred, timeout):
    """The first JSON event with pred(ev) true (or None after timeout or when the process ends)."""
    def ok (line):
      if not line.startswith('{'):
        return False
      try:
        return pred(json.loads(line))
      except (ValueError, KeyError, TypeError):
        return False
    r = self.proc.wait_line(ok, timeout)
    return json.loads(r[1]) if r else None

  def last_user (self, nick):
    """The latest user-join/user-update event for nick."""
    last = None
    for e in self.events():
      if e.get('event') in ('user-join', 'user-update') and e.get('nick') == nick:
        last = e
      elif e.get('event') == 'user-part' and e.get('nick') == nick:
        last = None
    return last

  def wait_user (self, nick, pred, timeout):
    return P.wait_for(lambda: (lambda u: u if u is not None and pred(u) else None)(
      self.last_user(nick)), timeout)

  def wait_exit (self, timeout):
    return self.proc.wait(timeout)

  def tail (self, n=30):
    out = '\n'.join(l for _, l in self.proc.lines[-n:])
    err = '\n'.join(l for _, l in self.proc.err_lines[-n:])
    return 'stdout:\n%s\nstderr:\n%s' % (out, err)

  def stop (self):
    if self.proc is not None:
      self.proc.stop(10)


# --- eiskaltdcpp-daemon, active ------------------------------------------------------------------

class ActiveEiskalt (P.LoopEiskalt):
  """eiskalt in active mode. Its listeners are opened at start-up: the ports must be in the
  config file before the daemon starts (a settings.getset later does not move them)."""

  def write_config (self):
    os.makedirs(self.dir, exist_ok=True)
    self.tcp_port, self.udp_port, self.tls_port = P.free_port(), P.free_port(), P.free_port()
    settings = [('Nick', 'string', self.nick), ('IncomingConnections', 'int', 0),
                ('AutoDetectIncomingConnection', 'int', 0), ('InPort', 'int', self.tcp_port),
                ('UDPPort', 'int', self.udp_port), ('TLSPort', 'int', self.tls_port),
                ('HashingStartDelay', 'int', 0), ('UseDHT', 'int', 0),
                ('MinimumSearchInterval', 'int', 10),
                ('Description', 'string', 'interop')]
    with open(os.path.join(self.dir, 'DCPlusPlus.xml'), 'w') as f:
      f.write('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<DCPlusPlus>\n<Settings>\n')
      for k, t, v in settings:
        f.write('<%s type="%s">%s</%s>\n' % (k, t, v, k))
      f.write('</Settings>\n</DCPlusPlus>\n')

  def search (self, url, text, tth=False):
    r = self.rpc('search.send', {'searchstring': text, 'searchtype': 8 if tth else 0,
                                 'sizemode': 0, 'sizetype': 0, 'size': 0, 'huburls': url})
    if r not in (0, '0'):
      raise P.PeerError('search.send %r returned %r' % (text, r))

  def results (self, url):
    r = self.rpc('search.getresults', {'huburl': url})
    return r if isinstance(r, list) else []

  def clear_results (self, url):
    try:
      self.rpc('search.clear', {'huburl': url})
    except P.PeerError:
      pass


# --- the cell ------------------------------------------------------------------------------------

class Cell:
  def __init__ (self, profile, cli):
    self.profile = profile
    self.cli = cli
    self.results = []   # (assertion, ok, detail)
    self.procs = []

  def record (self, name, ok, detail=''):
    self.results.append((name, ok, detail))
    print('%s %s%s' % ('ok  ' if ok else 'FAIL', name, (': ' + detail) if detail else ''),
          flush=True)

  def assertion (self, name, fn):
    """Runs fn(); an exception fails this assertion only (the next ones still run)."""
    try:
      detail = fn()
      self.record(name, True, detail or '')
      return True
    except (Fail, P.PeerError) as e:
      self.record(name, False, str(e))
    except Exception:  # noqa: BLE001
      self.record(name, False, traceback.format_exc())
    return False

  def burrow (self, name, nick, argv):
    b = Burrow(self.cli, self.tmp, name, nick, argv)
    self.procs.append(b)
    return b.start()

  def burrow_once (self, name, nick, argv, timeout=60):
    """A short-lived burrow-cli command; returns (exit code, process)."""
    b = self.burrow(name, nick, argv)
    rc = b.wait_exit(timeout)
    if rc is None:
      b.stop()
      raise Fail('burrow-cli %s did not finish within %d s:\n%s' % (name, timeout, b.tail()))
    return rc, b

  def relayed (self, nick):
    """The $MyINFO the hub relays for nick to a normal user, and the one nick sent."""
    ans = self.hub.ctl('myinfo ' + nick)
    check(ans.startswith('OK '), 'hub: myinfo %s → %s' % (nick, ans))
    sent = [l for d, w, l in self.hub.log_entries()
            if d == '<<' and l.startswith('$MyINFO $ALL %s ' % nick)]
    check(sent, '%s sent no $MyINFO' % nick)
    return Info(unesc(ans[3:])), Info(unesc(sent[-1]))

  def nc_log (self, tab):
    """ncdc's log of a tab (logs/#lab.log, logs/~nick.log), '' while there is none."""
    try:
      with open(os.path.join(self.nc.dir, 'logs', tab + '.log'), encoding='utf-8',
                errors='replace') as f:
        return f.read()
    except FileNotFoundError:
      return ''

  # --- 1. users ---

  def check_relay_form (self, nick, want_mode):
    rel, orig = self.relayed(nick)
    if self.profile == 'ptokax':
      check(b'<' not in rel.desc, 'PtokaX relayed a tag for %s: %r' % (nick, rel.line))
      check(rel.mode_field == want_mode[0].upper().encode(),
            'PtokaX short form mode slot for %s: %r (want %s)' % (nick, rel.line, want_mode))
      check(rel.status == (orig.status & ~0x30) | 0x40,
            'PtokaX status byte for %s: %#x (sent %#x; 0x10/0x20 cleared and 0x40 set expected)'
            % (nick, rel.status, orig.status))
    else:
      check(rel.line == orig.line, 'Verlihub changed %s\'s $MyINFO: %r → %r' % (
        nick, orig.line, rel.line))
      check(rel.tag and 'M:%s' % want_mode[0].upper() in rel.tag,
            'Verlihub relays %s\'s tag %r (want M:%s)' % (nick, rel.tag, want_mode[0].upper()))
    check(rel.mode() == want_mode, '%s is %s by its relayed $MyINFO, expected %s' % (
      nick, rel.mode(), want_mode))
    check(rel.share > 0, '%s relayed with share 0: %r' % (nick, rel.line))
    return rel

  def burrow_sees (self, nick, want_mode):
    rel = self.check_relay_form(nick, want_mode)
    u = self.b.wait_user(nick, lambda u: u.get('mode') == want_mode and u.get('share') == rel.share,
                         30)
    check(u is not None, 'Burrow sees %s as %r (want mode %s, share %d as relayed)' % (
      nick, self.b.last_user(nick), want_mode, rel.share))
    return '%s share %d (client %r, description %r, tls %s)' % (
      want_mode, rel.share, u.get('client'), u.get('description'), u.get('tls'))

  def eiskalt_sees (self, nick, want_mode):
    rel = self.check_relay_form(nick, want_mode)

    # DC++-family clients take active/passive from the tag's M: only; PtokaX relays no tag to
    # normal users, so on PtokaX eiskalt shows everyone as active (NMDC.md §0 fact 7)
    ek_mode = want_mode if self.profile != 'ptokax' else 'active'

    def good ():
      info = self.ek.user_info(self.url, nick)
      passive = str(info.get('Icon', '')).endswith('-fw')
      if info and passive == (ek_mode == 'passive') and str(info.get('Shared')) == str(rel.share):
        return info
      return None
    info = P.wait_for(good, 30, 0.2)
    check(info is not None, 'eiskalt sees %s as %r (want %s, share %d)' % (
      nick, self.ek.user_info(self.url, nick), ek_mode, rel.share))
    if self.profile == 'ptokax':
      check(info.get('Tag', '') == '', 'eiskalt sees a tag for %s on PtokaX: %r' % (
        nick, info.get('Tag')))
    else:
      check('M:%s' % want_mode[0].upper() in info.get('Tag', ''),
            'eiskalt sees %s\'s tag %r' % (nick, info.get('Tag')))
    return 'Icon %s, Shared %s, Tag %r' % (info.get('Icon'), info.get('Shared'), info.get('Tag'))

  def ncdc_sees (self, nick, want_mode):
    rel = self.check_relay_form(nick, want_mode)
    self.nc.key('M-2')
    self.nc.send('/whois %s' % nick)
    row_re = r'(?m)^(..)(...) %s\s.*$' % re.escape(nick)
    s = self.nc.wait_screen(lambda s: re.search(row_re, s) is not None, 30)
    check(s is not None, 'ncdc\'s user list lacks %s:\n%s' % (nick, self.nc.screen()))
    row = re.search(row_re, s)
    opt = row.group(2)
    check(('p' in opt) == (want_mode == 'passive'),
          'ncdc lists %s as %r (want %s)' % (nick, row.group(0).rstrip(), want_mode))
    # ncdc's t: the TLS bit 0x10 of the relayed status (PtokaX clears it, Verlihub keeps it)
    check(('t' in opt) == bool(rel.status & 0x10), 'ncdc lists %s as %r, relayed status %#x' % (
      nick, row.group(0).rstrip(), rel.status))
    if self.profile == 'verlihub':
      check('M:%s,' % want_mode[0].upper() in row.group(0), 'ncdc shows no tag with M:%s for %s: '
            '%r' % (want_mode[0].upper(), nick, row.group(0).rstrip()))
    # the share column: ncdc rounds to two decimals of the unit (68.36 KiB for 70000 bytes)
    m = re.search(r' %s +([\d.]+) (B|KiB|MiB|GiB)\b' % re.escape(nick), row.group(0))
    check(m is not None, 'no share column in ncdc\'s row %r' % row.group(0))
    shown = float(m.group(1)) * 1024 ** ['B', 'KiB', 'MiB', 'GiB'].index(m.group(2))
    unit = 1024 ** ['B', 'KiB', 'MiB', 'GiB'].index(m.group(2))
    check(abs(shown - rel.share) <= unit * 0.006, 'ncdc shows %s\'s share as %s %s, the hub '
          'relayed %d bytes' % (nick, m.group(1), m.group(2), rel.share))
    return 'row %r' % row.group(0).rstrip()

  # --- the run ---

  def run (self):
    t0 = time.monotonic()
    self.tmp = tempfile.mkdtemp(prefix='nmdc-interop-%s-' % self.profile)
    tmp = self.tmp
    self.hub = P.Hub(tmp, self.profile, 'tests')
    self.ek = ActiveEiskalt(os.path.join(tmp, 'eiskalt'), 'ekuser')
    self.nc = P.LoopNcdc(os.path.join(tmp, 'ncdc'), 'ncuser')
    tag = '%x' % (os.getpid() & 0xffff)
    ek_name = 'interopek%s-probe.bin' % tag
    b_name = 'interopburrow%s-probe.bin' % tag
    nc_name = 'interopnc%s.txt' % tag
    ek_path, _ = P.dcpeers.make_payload(os.path.join(tmp, 'ekshare'), ek_name, 150000)
    b_path, _ = P.dcpeers.make_payload(os.path.join(tmp, 'bshare'), b_name, 70000)
    nc_path, _ = P.dcpeers.make_payload(os.path.join(tmp, 'ncshare'), nc_name, 3000)
    self.nc_tth = P.dcpeers.tth_of(nc_path)
    ek_tth = P.dcpeers.tth_of(ek_path)
    b_tth = P.dcpeers.tth_of(b_path)
    step = 'setup'
    ok = False
    try:
      step = 'hub'
      self.hub.start()
      self.url = url = self.hub.url()
      step = 'eiskalt start and share'
      self.ek.write_config()
      self.ek.start(timeout=30)
      self.ek.share(os.path.join(tmp, 'ekshare'), 'ekshare', timeout=60)
      step = 'ncdc start and share'
      self.nc.start(timeout=30)
      self.nc.configure(active=False)
      self.nc.share_and_restart('ncshare', os.path.join(tmp, 'ncshare'), [nc_name], timeout=90)
      step = 'burrow serve'
      self.b_port = P.free_port()
      self.b = self.burrow('serve-active', 'burrow', [
        '--mode', 'active', '--port', str(self.b_port), '--share', os.path.join(tmp, 'bshare'),
        '--encoding', 'UTF-8', 'serve', url])
      self.bp = self.burrow('serve-passive', 'burrowp', [
        '--mode', 'passive', '--share', os.path.join(tmp, 'bshare'), '--encoding', 'UTF-8',
        'serve', url])
      for b in (self.b, self.bp):
        ev = b.wait_event(lambda e: e['event'] == 'hub-state' and e['state'] == 'normal', 60)
        check(ev is not None, '%s did not log in:\n%s' % (b.nick, b.tail()))
      step = 'clients join'
      self.ek.add_hub(url)
      self.nc.join_nmdc(url, len(BOTS[self.profile]) + 4, timeout=60)
      check(P.wait_for(lambda: set(self.hub.users()) >= {'ekuser', 'ncuser', 'burrow', 'burrowp'},
                       60), 'hub users: %s' % self.hub.ctl('users'))
      self.ek.wait_users(url, ['burrow', 'burrowp', 'ncuser'], timeout=30)
      print('setup done in %.1f s' % (time.monotonic() - t0), flush=True)
      step = 'assertions'
      self.users()
      self.eiskalt_search('search: eiskalt (active search) finds Burrow\'s file by words',
                          'interopburrow%s probe' % tag, False, False, b_name, b_tth)
      self.chat()
      self.pms()
      self.burrow_searches(ek_name, ek_tth, tag)
      self.ncdc_searches(nc_name, b_name, tag)
      self.eiskalt_search('search: eiskalt (passive search) finds Burrow\'s file by TTH',
                          b_tth, True, True, b_name, b_tth)
      ok = all(r[1] for r in self.results)
    except (Fail, P.PeerError) as e:
      self.record('setup (%s)' % step, False, str(e))
    except Exception:  # noqa: BLE001
      self.record('setup (%s)' % step, False, traceback.format_exc())
    finally:
      for b in self.procs:
        try:
          b.stop()
        except Exception:  # noqa: BLE001
          pass
      try:
        self.nc.stop()
      except Exception:  # noqa: BLE001
        pass
      # kill-server leaves the socket file of our tmux server behind
      sock = os.path.join(os.environ.get('TMUX_TMPDIR', '/tmp'), 'tmux-%d' % os.getuid(),
                          self.nc.socket)
      try:
        os.unlink(sock)
      except OSError:
        pass
      try:
        self.ek.stop()
      except Exception:  # noqa: BLE001
        pass
      self.hub.stop()
    dt = time.monotonic() - t0
    if not ok:
      print('--- hub log (tail)\n%s' % '\n'.join(self.hub.log_lines()[-60:]))
      for b in self.procs[:2]:
        print('--- %s\n%s' % (b.name, b.tail(40)))
      if self.ek.proc is not None:
        print('--- eiskalt (tail)\n%s' % self.ek.proc.stdout_text()[-1500:])
      if os.environ.get('NMDC_INTEROP_KEEP') == '1':
        print('(files kept in %s)' % tmp)
      else:
        print('(NMDC_INTEROP_KEEP=1 keeps the hub log, the clients\' dirs and logs in /tmp)')
        shutil.rmtree(tmp, ignore_errors=True)
      print('FAIL: %s: %d of %d assertions failed (%.1f s)' % (
        self.profile, sum(1 for r in self.results if not r[1]), len(self.results), dt))
      return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print('PASS: %s: %d assertions with eiskaltdcpp-daemon and ncdc in %.1f s' % (
      self.profile, len(self.results), dt))
    return 0

  def users (self):
    self.assertion('users: Burrow sees eiskalt (active)',
                   lambda: self.burrow_sees('ekuser', 'active'))
    self.assertion('users: Burrow sees ncdc (passive)',
                   lambda: self.burrow_sees('ncuser', 'passive'))
    self.assertion('users: eiskalt sees Burrow (active)',
                   lambda: self.eiskalt_sees('burrow', 'active'))
    self.assertion('users: eiskalt sees Burrow (passive)',
                   lambda: self.eiskalt_sees('burrowp', 'passive'))
    self.assertion('users: ncdc sees Burrow (active)', lambda: self.ncdc_sees('burrow', 'active'))
    self.assertion('users: ncdc sees Burrow (passive)',
                   lambda: self.ncdc_sees('burrowp', 'passive'))

  def chat (self):
    url = self.url

    def ek_to_burrow ():
      self.ek.say(url, 'chat from eiskalt')
      ev = self.b.wait_event(lambda e: e['event'] == 'chat' and e['nick'] == 'ekuser'
                             and e['text'] == 'chat from eiskalt', 30)
      check(ev is not None, 'Burrow got no chat event for eiskalt\'s line')

    def nc_to_burrow ():
      self.nc.key('M-2')
      self.nc.send('chat from ncdc')
      ev = self.b.wait_event(lambda e: e['event'] == 'chat' and e['nick'] == 'ncuser'
                             and e['text'] == 'chat from ncdc', 30)
      check(ev is not None, 'Burrow got no chat event for ncdc\'s line')

    def burrow_to_both ():
      rc, b = self.burrow_once('say', 'burrowsay', ['say', url, 'chat from burrow'])
      check(rc == 0, 'burrow-cli say exited %s:\n%s' % (rc, b.tail()))
      check(P.wait_for(lambda: '<burrowsay> chat from burrow' in self.ek.chat(url), 30, 0.2),
            'eiskalt\'s chat lacks Burrow\'s line: %r' % self.ek.chat(url)[-500:])
      self.nc.key('M-2')
      check(self.nc.wait_screen(lambda s: '<burrowsay> chat from burrow' in s, 30),
            'ncdc does not show Burrow\'s line:\n%s' % self.nc.screen())
    self.assertion('chat: eiskalt → Burrow', ek_to_burrow)
    self.assertion('chat: ncdc → Burrow', nc_to_burrow)
    self.assertion('chat: Burrow → eiskalt and ncdc', burrow_to_both)

    # NMDC's escapes ($ → &#36;, | → &#124;, & → &amp;) and UTF-8 (the clients' charset; Burrow
    # with --encoding UTF-8), both ways
    def special_both_ways ():
      self.ek.say(url, 'ek ' + SPECIAL)
      ev = self.b.wait_event(lambda e: e['event'] == 'chat' and e['nick'] == 'ekuser'
                             and e['text'].startswith('ek '), 30)
      check(ev is not None and ev['text'] == 'ek ' + SPECIAL,
            'Burrow got eiskalt\'s line as %r' % (ev and ev['text']))
      self.nc.key('M-2')
      self.nc.send('nc ' + SPECIAL)
      ev = self.b.wait_event(lambda e: e['event'] == 'chat' and e['nick'] == 'ncuser'
                             and e['text'].startswith('nc '), 30)
      check(ev is not None and ev['text'] == 'nc ' + SPECIAL,
            'Burrow got ncdc\'s line as %r' % (ev and ev['text']))
      rc, b = self.burrow_once('say-special', 'burrowsay2', ['--encoding', 'UTF-8', 'say', url,
                                                              'bu ' + SPECIAL])
      check(rc == 0, 'burrow-cli say exited %s:\n%s' % (rc, b.tail()))
      line = '<burrowsay2> bu ' + SPECIAL
      check(P.wait_for(lambda: line in self.ek.chat(url), 30, 0.2),
            'eiskalt\'s chat lacks %r: %r' % (line, self.ek.chat(url)[-300:]))
      check(P.wait_for(lambda: line in self.nc_log('#lab'), 30, 0.1),
            'ncdc\'s #lab.log lacks %r: %r' % (line, self.nc_log('#lab')[-300:]))
      return repr(SPECIAL)
    self.assertion('chat: $ | & and UTF-8 both ways with eiskalt and ncdc', special_both_ways)

  def pms (self):
    url = self.url

    def ek_to_burrow ():
      self.ek.pm(url, 'burrow', 'pm from eiskalt')
      ev = self.b.wait_event(lambda e: e['event'] == 'pm' and e['nick'] == 'ekuser'
                             and e['text'] == 'pm from eiskalt' and not e['outgoing'], 30)
      check(ev is not None, 'Burrow got no pm event for eiskalt\'s PM')

    def nc_to_burrow ():
      self.nc.key('M-2')
      self.nc.send('/msg burrow pm from ncdc')
      ev = self.b.wait_event(lambda e: e['event'] == 'pm' and e['nick'] == 'ncuser'
                             and e['text'] == 'pm from ncdc' and not e['outgoing'], 30)
      check(ev is not None, 'Burrow got no pm event for ncdc\'s PM')

    def burrow_to_ek ():
      rc, b = self.burrow_once('pm-ek', 'burrowpm1', ['pm', url, 'ekuser', 'pm from burrow to ek'])
      check(rc == 0, 'burrow-cli pm exited %s:\n%s' % (rc, b.tail()))
      check(self.ek.wait_output(lambda l: 'pm from burrow to ek' in l, 30),
            'eiskalt did not print Burrow\'s PM: %s' % self.ek.proc.stdout_text()[-1000:])

    def burrow_to_nc ():
      rc, b = self.burrow_once('pm-nc', 'burrowpm2', ['pm', url, 'ncuser', 'pm from burrow to nc'])
      check(rc == 0, 'burrow-cli pm exited %s:\n%s' % (rc, b.tail()))
      check(self.hub.wait_log(lambda d, w, l: d == '>>' and w == 'ncuser'
                              and l.startswith('$To: ncuser From: burrowpm2 '), 30),
            'the hub did not deliver Burrow\'s PM to ncdc; the hub\'s lines of burrowpm2:\n%s\n'
            'burrow-cli pm:\n%s' % ('\n'.join(l for l in self.hub.log_lines() if 'burrowpm2' in l),
                                    b.tail()))
      # the PM opened a tab of its own in ncdc, which logs it to logs/~burrowpm2.log (the tab
      # cannot be focused with /msg: burrowpm2 has left)
      check(P.wait_for(lambda: '<burrowpm2> pm from burrow to nc' in self.nc_log('~burrowpm2'),
                       30, 0.1), 'ncdc did not log Burrow\'s PM:\n%s' % self.nc.screen())

    def special_pms ():
      self.ek.pm(url, 'burrow', 'pm ' + SPECIAL)
      ev = self.b.wait_event(lambda e: e['event'] == 'pm' and e['nick'] == 'ekuser'
                             and e['text'].startswith('pm ' + SPECIAL[:3]), 30)
      check(ev is not None and ev['text'] == 'pm ' + SPECIAL,
            'Burrow got eiskalt\'s PM as %r' % (ev and ev['text']))
      rc, b = self.burrow_once('pm-special', 'burrowpm3', ['--encoding', 'UTF-8', 'pm', url,
                                                            'ncuser', 'pm ' + SPECIAL])
      check(rc == 0, 'burrow-cli pm exited %s:\n%s' % (rc, b.tail()))
      check(P.wait_for(lambda: '<burrowpm3> pm ' + SPECIAL in self.nc_log('~burrowpm3'), 30, 0.1),
            'ncdc logged Burrow\'s PM as %r' % self.nc_log('~burrowpm3')[-300:])
    self.assertion('pm: eiskalt → Burrow', ek_to_burrow)
    self.assertion('pm: ncdc → Burrow', nc_to_burrow)
    self.assertion('pm: Burrow → eiskalt', burrow_to_ek)
    self.assertion('pm: Burrow → ncdc', burrow_to_nc)
    self.assertion('pm: $ | & and UTF-8, eiskalt → Burrow → ncdc', special_pms)

  def burrow_searches (self, ek_name, ek_tth, tag):
    url = self.url

    def one (mode, query, nick, what):
      argv = ['--mode', mode]
      if mode == 'active':
        argv += ['--port', str(P.free_port())]
      b = self.burrow('search-%s-%s' % (mode, what), nick, argv + ['search', url, query,
                                                                   '--wait', '90'])
      ev = b.wait_event(lambda e: e['event'] == 'search-result' and e['nick'] == 'ekuser'
                        and e['tth'] == ek_tth, 60)
      b.stop()
      check(ev is not None, 'Burrow (%s) found nothing from eiskalt for %r:\n%s' % (
        mode, query, b.tail()))
      check(ev['path'] == '/ekshare/' + ek_name and ev['size'] == 150000,
            'result %r' % ev)
      # the route the search and the answer took, from the hub's log
      entries = self.hub.log_entries()
      srch = [l for d, w, l in entries if d == '>>' and w == 'ekuser' and l.startswith('$Search ')
              and (ek_tth in l or query.split()[0] in l)]
      check(srch, 'the hub routed no search of %s to eiskalt' % nick)
      srs = [l for d, w, l in entries if d == '<<' and w == 'ekuser' and l.startswith('$SR ')
             and ek_name in l]
      hub_sr = [l for d, w, l in entries if d == '>>' and w == nick and l.startswith('$SR ')]
      if mode == 'passive':
        check(srch[-1].startswith('$Search Hub:%s ' % nick), 'search as relayed: %s' % srch[-1])
        check(hub_sr, 'eiskalt\'s $SR did not come to %s through the hub (eiskalt sent %r)' % (
          nick, srs))
      else:
        check(srch[-1].startswith('$Search 127.0.0.1:'), 'search as relayed: %s' % srch[-1])
        check(not hub_sr, 'an $SR reached active %s through the hub: %r' % (nick, hub_sr))
      return '%s → %s (%s)' % (query, ev['path'], srch[-1])

    words = 'interopek%s probe' % tag
    self.assertion('search: Burrow passive finds eiskalt\'s file by TTH',
                   lambda: one('passive', ek_tth, 'burrowsp1', 'tth'))
    self.assertion('search: Burrow passive finds eiskalt\'s file by words',
                   lambda: one('passive', words, 'burrowsp2', 'words'))
    self.assertion('search: Burrow active finds eiskalt\'s file by TTH',
                   lambda: one('active', ek_tth, 'burrowsa1', 'tth'))
    self.assertion('search: Burrow active finds eiskalt\'s file by words',
                   lambda: one('active', words, 'burrowsa2', 'words'))

  def ncdc_searches (self, nc_name, b_name, tag):
    """Beyond eiskalt: ncdc (passive) answers Burrow's active search by UDP, and finds Burrow's
    file with a passive search (only active users get it: burrow, whose $SR goes through the
    hub). ncdc sends no TTHSearch, so words only."""
    url = self.url

    def burrow_finds_nc ():
      query = 'interopnc%s' % tag
      b = self.burrow('search-active-ncdc', 'burrowsa3', [
        '--mode', 'active', '--port', str(P.free_port()), 'search', url, query, '--wait', '90'])
      ev = b.wait_event(lambda e: e['event'] == 'search-result' and e['nick'] == 'ncuser', 60)
      b.stop()
      check(ev is not None, 'Burrow (active) found nothing from ncdc for %r:\n%s' % (
        query, b.tail()))
      # ncdc writes its paths with a leading separator ("\\ncshare\\file"): one root, not two
      check(ev['path'] == '/ncshare/' + nc_name and ev['size'] == 3000
            and ev['tth'] == self.nc_tth, 'result %r (rhash TTH %s)' % (ev, self.nc_tth))
      return ev['path']

    def nc_finds_burrow ():
      mark = len(self.hub.log_entries())
      self.nc.key('M-2')
      self.nc.send('/search interopburrow%s' % tag)
      s = self.nc.wait_screen(lambda s: re.search(r'(?m)^.*burrow\s.*%s' % re.escape(b_name), s)
                              is not None, 45)
      check(s is not None, 'ncdc shows no result from burrow:\n%s' % self.nc.screen())
      entries = self.hub.log_entries()[mark:]
      sr = [l for d, w, l in entries if d == '<<' and w == 'burrow' and l.startswith('$SR ')]
      check(sr and sr[-1].endswith('\\x05ncuser'), 'burrow\'s $SR to ncdc: %r' % sr)
      check(('>>', 'ncuser') in {(d, w) for d, w, l in entries if l.startswith('$SR burrow ')},
            'the hub did not forward burrow\'s $SR to ncdc')
      return sr[-1]
    self.assertion('search: Burrow active finds ncdc\'s file by words (UDP from passive ncdc)',
                   burrow_finds_nc)
    self.assertion('search: ncdc (passive) finds Burrow\'s file ($SR through the hub)',
                   nc_finds_burrow)

  def eiskalt_search (self, name, query, tth, passive, b_name, b_tth):
    """eiskalt searches for Burrow's file. Active: every user with share > 0 gets the search,
    burrow (active) and burrowp (passive) both answer by UDP to eiskalt's port. Passive
    (SearchPassiveAlways=1): only active users get it; burrow answers with an $SR through the
    hub."""
    url = self.url
    want = {'burrow'} if passive else {'burrow', 'burrowp'}
    mark = len(self.hub.log_entries())

    def run ():
      self.ek.set('SearchPassiveAlways', 1 if passive else 0)
      self.ek.clear_results(url)
      self.ek.search(url, query, tth)

      def found ():
        got = {}
        for r in self.ek.results(url):
          if str(r.get('TTH', '')).upper() == b_tth and r.get('Nick') in want:
            got[r.get('Nick')] = r
        return got if set(got) == want else None
      # eiskalt queues its searches: the second one leaves about a minute after the first
      got = P.wait_for(found, 120, 0.2)
      check(got is not None, 'eiskalt\'s results for %r: %r' % (query, self.ek.results(url)))
      for r in got.values():
        check(r.get('Filename') == b_name and r.get('Real Size') == '70000', 'result %r' % r)
      entries = self.hub.log_entries()[mark:]
      srch = [l for d, w, l in entries if d == '<<' and w == 'ekuser' and l.startswith('$Search ')]
      check(srch, 'eiskalt\'s search is not in the hub log')
      check(srch[-1].startswith('$Search Hub:ekuser ' if passive else '$Search 127.0.0.1:'),
            'eiskalt searched %s' % srch[-1])
      got_srch = {w for d, w, l in entries if d == '>>' and l == srch[-1]}
      check(got_srch >= want, 'the hub routed eiskalt\'s search to %s only' % sorted(got_srch))
      sr = {w: l for d, w, l in entries if d == '<<' and w in ('burrow', 'burrowp')
            and l.startswith('$SR ')}
      if passive:
        check('burrow' in sr and sr['burrow'].endswith('\\x05ekuser'),
              'active Burrow\'s $SR to the passive search is not in the hub log: %r' % sr)
        check(('>>', 'ekuser') in {(d, w) for d, w, l in entries
                                   if l.startswith('$SR burrow ')},
              'the hub did not forward Burrow\'s $SR to eiskalt')
      else:
        check(not sr, 'Burrow answered an active search through the hub, not by UDP: %r' % sr)
      return '%s: %s; %s' % (query, srch[-1], 'via hub ' + sr['burrow'] if passive
                             else 'by UDP from ' + ', '.join(sorted(got)))
    return self.assertion(name, run)


def main ():
  ap = argparse.ArgumentParser()
  ap.add_argument('--cell', choices=CELLS)
  ap.add_argument('--cli', default=os.environ.get('BURROW_CLI'))
  ap.add_argument('--list', action='store_true')
  args = ap.parse_args()
  if args.list:
    print('\n'.join(CELLS))
    return 0
  if not args.cell or not args.cli:
    ap.error('--cell and --cli are required')
  for tool in ('eiskaltdcpp-daemon', 'ncdc', 'tmux', 'rhash'):
    if shutil.which(tool) is None:
      print('SKIP: %s is not installed (apt-get install eiskaltdcpp-daemon ncdc tmux rhash)' % tool)
      return 77
  signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))   # run the finally: clean-ups
  return Cell(args.cell, args.cli).run()


if __name__ == '__main__':
  sys.exit(main())
