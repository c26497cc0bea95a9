#!/usr/bin/python3
# test-nmdc-hub-clients.py — proves nmdc-hub.py faithful: its rules with a raw protocol client, and
# real eiskaltdcpp-daemon and ncdc logging in, seeing each other, chatting, PMing and searching.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   test-nmdc-hub-clients.py --protocol             the hub's rules, raw client, both profiles
#   test-nmdc-hub-clients.py --clients PROFILE [--preset tests|real] [--tls]
#
# Exit 0 pass, 1 fail, 77 when a real client (eiskaltdcpp-daemon, ncdc, tmux) is missing.
# Every wait is on an event (a line from the hub, a log line, an RPC answer, ncdc's screen) with
# a generous deadline; nothing sleeps a fixed time.

import argparse
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import nmdcpeers as P  # noqa: E402

BOTS = {'ptokax': ['PtokaX'], 'verlihub': ['Verlihub', 'OpChat']}


class Fail (Exception):
  pass


def check (cond, msg):
  if not cond:
    raise Fail(msg)


def unesc (s):
  """The hub log's escaping (\\xNN) undone."""
  return re.sub(rb'\\x([0-9a-f]{2})', lambda m: bytes([int(m.group(1), 16)]), s.encode('latin-1'))


def lock_to_key (lock):
  """Independent of the hub's code: the classic NMDC lock→key transform."""
  n = len(lock)
  key = [0] * n
  for i in range(1, n):
    key[i] = lock[i] ^ lock[i - 1]
  key[0] = lock[0] ^ lock[n - 1] ^ lock[n - 2] ^ 5
  out = b''
  for v in key:
    v = ((v << 4) & 0xf0) | ((v >> 4) & 0x0f)
    out += b'/%%DCN%03d%%/' % v if v in (0, 5, 36, 96, 124, 126) else bytes([v])
  return out


# --- a raw NMDC client ----------------------------------------------------------------------------

class Raw:
  def __init__ (self, port, tls=False):
    s = socket.create_connection(('127.0.0.1', port), 10)
    if tls:
      ctx = ssl.create_default_context()
      ctx.check_hostname = False
      ctx.verify_mode = ssl.CERT_NONE
      s = ctx.wrap_socket(s)
    self.s = s
    self.t0 = time.monotonic()
    self.buf = b''
    self.pos = 0
    self.seen = []
    self.eof = False
    self.nick = None
    self.lock = None
    self.zblocks = 0

  def send (self, *lines):
    self.s.sendall(b''.join(l + b'|' for l in lines))

  def line (self, timeout):
    """The next line, or None on EOF; raises Fail on timeout."""
    deadline = time.monotonic() + timeout
    i = self.buf.find(b'|', self.pos)
    while i < 0:
      if self.eof:
        return None
      left = deadline - time.monotonic()
      if left <= 0:
        raise Fail('no line within %.0f s (seen: %r)' % (timeout, self.seen[-8:]))
      self.s.settimeout(left)
      try:
        d = self.s.recv(1 << 20)
      except socket.timeout:
        continue
      except (ConnectionError, ssl.SSLError):
        d = b''
      if not d:
        self.eof = True
        continue
      self.buf = self.buf[self.pos:] + d
      self.pos = 0
      i = self.buf.find(b'|')
    l = self.buf[self.pos:i]
    self.pos = i + 1
    if l == b'$ZOn':
      self.inflate(deadline)
      self.zblocks += 1
      return self.line(max(0.1, deadline - time.monotonic()))
    self.seen.append(l)
    return l

  def inflate (self, deadline):
    """$ZOn|: one zlib stream follows; its text goes in front of whatever comes after it."""
    d = zlib.decompressobj()
    out = []
    data = self.buf[self.pos:]
    while True:
      out.append(d.decompress(data))
      if d.eof:
        self.buf = b''.join(out) + d.unused_data
        self.pos = 0
        return
      left = deadline - time.monotonic()
      if left <= 0:
        raise Fail('zlib stream after $ZOn did not end')
      self.s.settimeout(left)
      data = self.s.recv(1 << 20)
      if not data:
        raise Fail('connection closed inside a $ZOn stream')

  def expect (self, pred, timeout=10, what=None):
    """Reads until pred(line); returns that line. EOF or timeout → Fail."""
    if isinstance(pred, bytes):
      want = pred
      pred = lambda l: l.startswith(want)  # noqa: E731
      what = what or want
    while True:
      l = self.line(timeout)
      if l is None:
        raise Fail('connection closed while waiting for %r (seen: %r)' % (what, self.seen[-8:]))
      if pred(l):
        return l

  def closed (self, timeout=10):
    """Reads until EOF; True if it came. The lines read meanwhile are in self.seen."""
    try:
      while self.line(timeout) is not None:
        pass
    except Fail:
      return False
    return True

  def no_line (self, pred, timeout):
    """True when no line matching pred arrives within timeout (a negative check: the hub is
    asked for a later event by the caller to keep these short)."""
    deadline = time.monotonic() + timeout
    while True:
      left = deadline - time.monotonic()
      if left <= 0:
        return True
      try:
        l = self.line(left)
      except Fail:
        return True
      if l is None:
        return True
      if pred(l):
        return False

  def hello (self, nick, supports=b'NoHello NoGetINFO UserIP2 TLS', key=True, password=None):
    """Lock, $Supports, $Key, $ValidateNick; returns the lines up to $Hello (or raises)."""
    self.nick = nick
    l = self.expect(b'$Lock ', 15)
    self.lock = l[6:].split(b' Pk=')[0]
    out = []
    if supports is not None:
      out.append(b'$Supports ' + supports)
    if key:
      out.append(b'$Key ' + lock_to_key(self.lock))
    out.append(b'$ValidateNick ' + nick)
    self.send(*out)
    if password is not None:
      self.expect(b'$GetPass')
      self.send(b'$MyPass ' + password)
    return self.expect(b'$Hello ' + nick)

  def myinfo (self, nick, mode=b'A', status=1, share=1000, hubs=b'1/0/0', desc=b'raw'):
    return b'$MyINFO $ALL %s %s<RawTest V:1,M:%s,H:%s,S:2>$ $100%c$$%d$' % (
      nick, desc, mode, hubs, status, share)

  def login (self, nick, mode=b'A', status=1, share=1000, supports=b'NoHello NoGetINFO UserIP2 TLS',
             password=None):
    self.hello(nick, supports, password=password)
    self.send(b'$Version 1,0091', b'$GetNickList', self.myinfo(nick, mode, status, share))
    self.expect(b'$OpList')
    return self

  def close (self):
    try:
      self.s.close()
    except OSError:
      pass


# --- pure protocol tests --------------------------------------------------------------------------

class HubRun:
  """A hub for one protocol test: started, stopped, its log kept for failures."""

  def __init__ (self, tmp, profile, preset='tests', *extra):
    self.hub = P.Hub(tmp, profile, preset, extra)
    self.hub.log = os.path.join(tmp, 'hub-%s-%d.log' % (profile, id(self)))
    self.hub.argv[self.hub.argv.index('--log') + 1] = self.hub.log
    self.clients = []

  def __enter__ (self):
    self.hub.start()
    return self

  def __exit__ (self, *exc):
    for c in self.clients:
      c.close()
    self.hub.stop()

  def raw (self, tls=False):
    c = Raw(self.hub.port, tls)
    self.clients.append(c)
    return c


def t_ptokax_lock (tmp):
  with HubRun(tmp, 'ptokax') as h:
    c = h.raw()
    l = c.expect(b'$Lock ', 15)
    dt = time.monotonic() - c.t0
    check(dt >= 0.8, 'PtokaX lock after %.2f s, expected a ~1 s tick' % dt)
    check(re.fullmatch(rb'\$Lock EXTENDEDPROTOCOL[\x30-\x79]{27}nix Pk=PtokaX', l),
          'PtokaX lock text %r' % l)
    check(len(l) + 1 == 63, 'PtokaX lock is %d bytes, expected 63' % (len(l) + 1))


def t_verlihub_lock (tmp):
  with HubRun(tmp, 'verlihub') as h:
    c = h.raw()
    l = c.expect(b'$Lock ', 15)
    dt = time.monotonic() - c.t0
    check(dt < 0.5, 'Verlihub lock after %.2f s, expected at once' % dt)
    check(re.fullmatch(rb'\$Lock EXTENDEDPROTOCOL_NMDC_\d{4} Pk=Verlihub 1\.7\.0\.0', l),
          'Verlihub lock text %r' % l)


def t_ptokax_key (tmp):
  with HubRun(tmp, 'ptokax') as h:
    c = h.raw()
    c.expect(b'$Lock ', 15)
    c.send(b'$Key wrongkey', b'$ValidateNick keyless')
    check(c.closed(), 'PtokaX kept a client without $Supports and with a wrong $Key')
    c = h.raw()
    c.hello(b'keyed', supports=None)  # right key, no $Supports: accepted
    c = h.raw()
    c.expect(b'$Lock ', 15)
    c.send(b'$Supports NoHello', b'$Key wrongkey', b'$ValidateNick withsup')
    c.expect(b'$Hello withsup')  # $Key not checked after $Supports (§9)
    c = h.raw()
    c.expect(b'$Lock ', 15)
    c.send(b'$Key wrongkey', b'$Supports NoHello')
    check(c.closed(), 'PtokaX kept a client that sent $Supports after $Key')


def t_quack (tmp):
  with HubRun(tmp, 'ptokax') as h:
    a = h.raw()
    a.hello(b'quacker', supports=b'UserCommand NoGetINFO NoHello UserIP2 TTHSearch ZPipe0 TLS DHT0 ')
    sup = [l for l in a.seen if l.startswith(b'$Supports')]
    check(sup == [b'$Supports ZPipe0 NoHello UserCommand'], 'quack echo %r' % sup)
    a.send(b'$Version 1,0091', b'$GetNickList', a.myinfo(b'quacker'))
    a.expect(b'$OpList')
    check(a.no_line(lambda l: l.startswith(b'$UserIP'), 0.3), 'quack client got a $UserIP')
    b = h.raw()
    b.hello(b'ducky', supports=b'NoGetINFO NoHello UserIP2 TLS')
    sup = [l for l in b.seen if l.startswith(b'$Supports')]
    check(sup == [b'$Supports NoHello UserIP2'], 'non-quack echo %r' % sup)
    b.send(b'$Version 1,0091', b'$GetNickList', b.myinfo(b'ducky'))
    b.expect(b'$OpList')
    b.expect(b'$UserIP ducky 127.0.0.1')


def t_verlihub_supports (tmp):
  with HubRun(tmp, 'verlihub') as h:
    c = h.raw()
    c.hello(b'vsup', supports=b'UserCommand NoGetINFO NoHello UserIP2 TTHSearch ZPipe0 TLS DHT0 BotINFO')
    sup = [l for l in c.seen if l.startswith(b'$Supports')]
    check(sup == [b'$Supports NoGetINFO NoHello UserIP2 TTHSearch ZPipe0 TLS HubINFO '],
          'Verlihub echo %r' % sup)
    i = [j for j, l in enumerate(c.seen) if l.startswith(b'$HubName')]
    k = [j for j, l in enumerate(c.seen) if l.startswith(b'$Hello')]
    check(i and k and i[0] < k[0], 'Verlihub $HubName not before $Hello: %r' % c.seen)
    # $MyINFO without $Version first: closed silently
    d = h.raw()
    d.hello(b'noversion')
    d.send(d.myinfo(b'noversion'))
    check(d.closed(), 'Verlihub accepted $MyINFO before $Version')


def t_fake_tag_and_caps (tmp):
  with HubRun(tmp, 'ptokax') as h:
    c = h.raw()
    c.hello(b'faker')
    c.send(b'$Version 1,0091', c.myinfo(b'faker', hubs=b'0/0/0'))
    check(c.closed(), 'PtokaX kept a client with H:0/0/0')
    c = h.raw()
    c.hello(b'longinfo')
    c.send(c.myinfo(b'longinfo', desc=b'x' * 220))
    check(c.closed(), 'PtokaX kept a $MyINFO over 256 bytes')
    c = h.raw()
    c.hello(b'othernick')
    c.send(c.myinfo(b'someoneelse'))
    check(c.closed(), 'PtokaX kept a $MyINFO for another nick')
    c = h.raw()
    c.hello(b'badshare')
    c.send(b'$MyINFO $ALL badshare x<RawTest V:1,M:A,H:1/0/0,S:2>$ $100\x01$$12x$')
    check(c.closed(), 'PtokaX kept a non-numeric share')
  with HubRun(tmp, 'verlihub') as h:
    c = h.raw()
    c.hello(b'noslots')
    c.send(b'$Version 1,0091', b'$MyINFO $ALL noslots x<RawTest V:1,M:A,H:1/0/0>$ $100\x01$$1$')
    check(c.closed(), 'Verlihub kept a tag without S:')
    c = h.raw()
    c.hello(b'okinfo')
    c.send(b'$Version 1,0091', b'$GetNickList', c.myinfo(b'okinfo', desc=b'x' * 300))  # < 512
    c.expect(b'$MyINFO $ALL okinfo')


def t_unknown_command (tmp):
  with HubRun(tmp, 'ptokax') as h:
    c = h.raw().login(b'unknown1')
    c.send(b'$MCTo: x From: unknown1 $<unknown1> hi')
    check(c.closed(), 'PtokaX kept a client after an unknown command')
    c = h.raw().login(b'unknown2')
    c.send(b'$Version 1,0091')
    check(c.closed(), 'PtokaX kept a client after $Version after login')
    c = h.raw().login(b'unknown3')
    c.send(b'$GetINFO unknown1 unknown3')
    check(c.closed(), 'PtokaX kept a NoGetINFO client that sent $GetINFO')
    c = h.raw()
    c.expect(b'$Lock ', 15)
    c.send(b'$Supports NoHello', b'$Key x', b'$GetNickList')
    check(c.closed(), 'PtokaX kept a client sending $GetNickList before $ValidateNick')
    c = h.raw().login(b'lists')  # its $GetNickList came before $MyINFO
    c.send(b'$GetNickList')
    check(c.closed(), 'PtokaX kept a client sending 2 $GetNickList within 120 s')
  with HubRun(tmp, 'verlihub') as h:
    c = h.raw().login(b'unknownv')
    c.send(b'$Foo bar', b'<unknownv> still here')
    c.expect(b'<unknownv> still here')


def t_registered (tmp):
  for prof in ('ptokax', 'verlihub'):
    with HubRun(tmp, prof, 'tests', '--register', 'boss:secret:op', '--register', 'reg:pw',
                '--register', 'reg2:pw') as h:
      c = h.raw()
      c.hello(b'boss', password=b'secret')
      c.expect(b'$LogedIn boss')
      c = h.raw()
      c.hello(b'reg', password=b'pw')
      check(c.no_line(lambda l: l.startswith(b'$LogedIn'), 0.3), '%s: $LogedIn to a non-op' % prof)
      c = h.raw()
      c.expect(b'$Lock ', 15)
      c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick boss2')
      c.expect(b'$Hello boss2')
      c = h.raw()
      c.expect(b'$Lock ', 15)
      c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick reg')
      # 'reg' is online: a second login with that nick is denied
      c.expect(b'$ValidateDenide reg')
      check(c.closed(), '%s: a taken nick was not closed' % prof)
      c = h.raw()
      c.expect(b'$Lock ', 15)
      c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick reg2')
      c.expect(b'$GetPass')
      c.send(b'$MyPass wrong')
      c.expect(b'$BadPass')
      check(c.closed(), '%s: $BadPass without close' % prof)
      if prof == 'ptokax':
        check(b'<PtokaX> Incorrect password!' in c.seen, 'PtokaX bad password text: %r' % c.seen)


def t_nick_rules (tmp):
  with HubRun(tmp, 'ptokax') as h:
    for bad in (b'a', b'x$y', b'PtokaX'):
      c = h.raw()
      c.expect(b'$Lock ', 15)
      c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick ' + bad)
      c.expect(b'$ValidateDenide ' + bad)
      check(c.closed(), 'PtokaX kept nick %r' % bad)
  with HubRun(tmp, 'verlihub') as h:
    for bad in (b'a<b', b'OpChat'):
      c = h.raw()
      c.expect(b'$Lock ', 15)
      c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick ' + bad)
      c.expect(b'$ValidateDenide ' + bad)
      check(c.closed(), 'Verlihub kept nick %r' % bad)
    c = h.raw()
    c.hello(b'a')  # one character is fine on Verlihub


def t_hub_full (tmp):
  for prof in ('ptokax', 'verlihub'):
    with HubRun(tmp, prof, 'tests', '--max-users', '1') as h:
      h.raw().login(b'first')
      c = h.raw()
      c.expect(b'$Lock ', 15)
      c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick second')
      c.expect(b'$HubIsFull')
      check(c.closed(), '%s: $HubIsFull without close' % prof)


def t_login_burst (tmp):
  with HubRun(tmp, 'ptokax', 'tests', '--register', 'op1:pw:op', '--topic', 'T') as h:
    a = h.raw().login(b'alice', mode=b'P', status=0x31, share=5)
    b = h.raw()
    b.hello(b'bob', supports=b'UserIP2')   # not NoHello: $NickList and $Hello
    b.send(b'$Version 1,0091', b'$GetNickList', b.myinfo(b'bob', status=0x11))
    b.expect(b'$HubName Burrow test hub - T')
    nl = b.expect(b'$NickList ')
    check(nl == b'$NickList PtokaX$$alice$$bob$$', 'PtokaX $NickList %r' % nl)
    own = b.expect(b'$MyINFO $ALL bob ')
    check(own == b'$MyINFO $ALL bob raw$A$100A$$1000$', 'PtokaX own short $MyINFO %r' % own)
    ali = [l for l in b.seen if l.startswith(b'$MyINFO $ALL alice')]
    check(ali == [b'$MyINFO $ALL alice raw$P$100A$$5$'],
          'PtokaX short form, 0x31 → 0x41: %r' % ali)
    b.expect(b'$OpList PtokaX$$')
    b.expect(b'$UserIP bob 127.0.0.1')
    a.expect(b'$MyINFO $ALL bob raw$A$100A$$1000$')
    # an op gets the long form, with the status rewritten the same way
    o = h.raw()
    o.hello(b'op1', password=b'pw')
    o.send(b'$Version 1,0091', b'$GetNickList', o.myinfo(b'op1'))
    o.expect(b'$MyINFO $ALL alice raw<RawTest V:1,M:P,H:1/0/0,S:2>$ $100A$$5$')
    a.expect(b'$OpList PtokaX$$op1$$')
    # the 30 min window: a changed $MyINFO reaches ops at once, normal users not (preset real)
  with HubRun(tmp, 'ptokax', 'real', '--register', 'op1:pw:op') as h:
    o = h.raw()
    o.hello(b'op1', password=b'pw')
    o.send(b'$Version 1,0091', b'$GetNickList', o.myinfo(b'op1'))
    o.expect(b'$OpList')
    n = h.raw().login(b'normal')
    c = h.raw().login(b'changer')
    o.expect(b'$MyINFO $ALL changer')
    n.expect(b'$MyINFO $ALL changer')
    c.send(c.myinfo(b'changer', share=2000))
    o.expect(b'$MyINFO $ALL changer raw<RawTest V:1,M:A,H:1/0/0,S:2>$ $100A$$2000$')
    c.send(b'<changer> marker')
    line = n.expect(lambda l: l.startswith(b'<changer> marker') or b'$$2000$' in l, 10, 'marker')
    check(line.startswith(b'<changer>'), 'PtokaX relayed a MyINFO change to a normal user at once')
  with HubRun(tmp, 'verlihub', 'tests', '--topic', 'T') as h:
    a = h.raw().login(b'alice', supports=b'NoHello NoGetINFO UserIP2 HubTopic')
    check(b'$HubTopic T' in a.seen and b'$HubName Burrow test hub - T' in a.seen,
          'Verlihub topic lines: %r' % a.seen)
    check(not any(l.startswith(b'$UserIP') for l in a.seen), 'Verlihub sent $UserIP by default')
    own = [l for l in a.seen if l.startswith(b'$MyINFO $ALL alice')]
    check(len(own) == 1, 'Verlihub: own $MyINFO %d times (only in the list)' % len(own))
    check(b'$MyINFO $ALL Verlihub $ $\x01$$0$' in a.seen and b'$OpList Verlihub$$OpChat$$'
          in a.seen, 'Verlihub bots: %r' % a.seen)
    b = h.raw()
    b.hello(b'bob', supports=b'NoGetINFO')
    b.send(b'$Version 1,0091', b'$GetNickList', b.myinfo(b'bob'))
    b.expect(b'$NickList Verlihub$$OpChat$$alice$$bob$$')
    a.expect(b'$MyINFO $ALL bob')
    check(a.no_line(lambda l: l.startswith(b'$Hello'), 0.3), 'Verlihub broadcast $Hello')
  with HubRun(tmp, 'verlihub', 'real') as h:
    a = h.raw().login(b'alice')
    c = h.raw().login(b'changer')
    a.expect(b'$MyINFO $ALL changer')
    c.send(c.myinfo(b'changer', share=2000), b'<changer> marker')
    line = a.expect(lambda l: l.startswith(b'<changer> marker') or b'$$2000$' in l, 10, 'marker')
    check(line.startswith(b'<changer>'), 'Verlihub forwarded a change within 60 s')


def t_ctm_rcm (tmp):
  with HubRun(tmp, 'ptokax') as h:
    a = h.raw().login(b'alice')
    b = h.raw().login(b'bob', mode=b'P')
    a.send(b'$ConnectToMe bob 10.1.2.3:4000')
    l = b.expect(b'$ConnectToMe')
    check(l == b'$ConnectToMe bob 127.0.0.1:4000', 'PtokaX CTM IP rewrite: %r' % l)
    a.send(b'$ConnectToMe bob 127.0.0.1:4000S')
    check(a.closed(), 'PtokaX kept an S CTM sender without TLS2')
    c = h.raw().login(b'carol', supports=b'NoHello TLS2')
    c.send(b'$ConnectToMe bob 127.0.0.1:4001S')
    b.expect(b'$ConnectToMe bob 127.0.0.1:4001S')
    for suf in (b'N bob', b'R', b'NS bob', b'RS'):
      d = h.raw().login(b'nat' + suf[:2].strip(), mode=b'P', status=0x31)
      d.send(b'$ConnectToMe bob 127.0.0.1:4002' + suf)
      check(d.closed(), 'PtokaX kept the sender of a …%s CTM' % suf)
    b.send(b'$RevConnectToMe bob carol')
    c.expect(b'$RevConnectToMe bob carol')
    b.send(b'$RevConnectToMe carol bob')
    check(b.closed(), 'PtokaX kept an RCM sender with another nick')
  with HubRun(tmp, 'verlihub') as h:
    p1 = h.raw().login(b'p1', mode=b'P', status=0x01)
    h.raw().login(b'p2', mode=b'P', status=0x01)
    p1.send(b'$RevConnectToMe p1 p2')
    p1.expect(b"<Verlihub> You can't download from this user, because he is also in passive mode: p2")
    n1 = h.raw().login(b'n1', mode=b'P', status=0x31, supports=b'NoHello TLS')
    n2 = h.raw().login(b'n2', mode=b'P', status=0x31, supports=b'NoHello TLS')
    n1.send(b'$RevConnectToMe n1 n2')
    n2.expect(b'$RevConnectToMe n1 n2')
    n2.send(b'$ConnectToMe n1 127.0.0.1:5000NS n2')
    n1.expect(b'$ConnectToMe n1 127.0.0.1:5000NS n2')
    n1.send(b'$ConnectToMe n2 10.0.0.9:5001RS')
    n2.expect(b'$ConnectToMe n2 127.0.0.1:5001RS')
    # N to a user without 0x20: stripped to a plain CTM; S without TLS on both: dropped
    n2.send(b'$ConnectToMe p1 127.0.0.1:5002N n2', b'$ConnectToMe p1 127.0.0.1:5003S',
            b'$ConnectToMe p1 127.0.0.1:5004')
    l1 = p1.expect(b'$ConnectToMe')
    check(l1 == b'$ConnectToMe p1 127.0.0.1:5002', 'Verlihub N without NAT pair: %r' % l1)
    l2 = p1.expect(b'$ConnectToMe')
    check(l2 == b'$ConnectToMe p1 127.0.0.1:5004', 'Verlihub forwarded an S CTM without TLS: %r'
          % l2)
    n2.send(b'$ConnectToMe n1 127.0.0.1:5005N p2')
    check(n2.closed(), 'Verlihub kept an N CTM with another nick')


def t_search_sr (tmp):
  with HubRun(tmp, 'ptokax') as h:
    act = h.raw().login(b'act')
    pas = h.raw().login(b'pas', mode=b'P')
    zero = h.raw().login(b'zero', share=0)
    seeker = h.raw().login(b'seeker', mode=b'P')
    seeker.send(b'$Search Hub:seeker F?T?0?1?words')
    act.expect(b'$Search Hub:seeker F?T?0?1?words')
    act.send(b'$SR act dir\\file.txt\x05123 1/2\x05TTH:AAAA (127.0.0.1:1)\x05seeker')
    l = seeker.expect(b'$SR')
    check(l == b'$SR act dir\\file.txt\x05123 1/2\x05TTH:AAAA (127.0.0.1:1)', '$SR cut: %r' % l)
    act.send(b'$Search 10.9.9.9:777 F?T?0?1?other')
    pas.expect(b'$Search 127.0.0.1:777 F?T?0?1?other')
    act.expect(b'$Search 127.0.0.1:777 F?T?0?1?other')  # PtokaX: the seeker gets it too
    act.send(b'<act> done')
    seen = pas.expect(b'<act> done')
    check(not any(b'words' in l for l in pas.seen), 'a passive search reached a passive user')
    zero.expect(b'<act> done')
    check(not any(l.startswith(b'$Search') for l in zero.seen), 'a zero-share user got a search')
    del seen
    pas.send(b'$Search Hub:act F?T?0?1?words2')
    check(pas.closed(), 'PtokaX kept a Hub: search with another nick')
  with HubRun(tmp, 'ptokax', 'real') as h:
    act = h.raw().login(b'act')
    s = h.raw().login(b'seek')
    s.send(b'$Search 127.0.0.1:9 F?T?0?1?aaa', b'$Search 127.0.0.1:9 F?T?0?1?bbb',
           b'$Search 127.0.0.1:9 F?T?0?1?ccc', b'<seek> end')
    act.expect(b'<seek> end')
    got = [l for l in act.seen if l.startswith(b'$Search')]
    check(len(got) == 2, 'PtokaX real: 2 searches per 10 s, got %r' % got)
  with HubRun(tmp, 'verlihub') as h:
    tths = h.raw().login(b'tths', supports=b'NoHello TTHSearch TTHS')
    plain = h.raw().login(b'plain', supports=b'NoHello')
    tsr = h.raw().login(b'tsr', supports=b'NoHello TTHSearch')
    s = h.raw().login(b'seek', supports=b'NoHello')
    tth = b'A' * 39
    s.send(b'$Search 127.0.0.1:9 F?T?0?9?TTH:' + tth, b'<seek> end')
    tths.expect(b'$SA ' + tth + b' 127.0.0.1:9')
    tsr.expect(b'$Search 127.0.0.1:9 F?T?0?9?TTH:' + tth)
    plain.expect(b'<seek> end')
    s.expect(b'<seek> end')
    check(not any(l.startswith((b'$Search', b'$SA')) for l in s.seen),
          'Verlihub sent a seeker its own search')
    check(not any(l.startswith(b'$Search') for l in plain.seen),
          'Verlihub sent a TTH search to a client without TTHSearch')
    s.send(b'$Search 127.0.0.1:9 F?T?0?1?abc', b'$Search 127.0.0.1:9 F?T?0?1?abcd',
           b'$Search 127.0.0.1:9 F?T?0?1?abcd', b'<seek> end2')
    plain.expect(b'<seek> end2')
    got = [l for l in plain.seen if l.startswith(b'$Search')]
    check(got == [b'$Search 127.0.0.1:9 F?T?0?1?abcd'],
          'Verlihub: < 4 chars and identical repeats dropped, got %r' % got)
    # $SR: at most 25 per passive search reach the seeker (§1.6)
    ps = h.raw().login(b'pseek', mode=b'A', supports=b'NoHello')
    ps.send(b'$Search Hub:pseek F?T?0?1?results')
    plain.expect(b'$Search Hub:pseek F?T?0?1?results')
    plain.send(*[b'$SR plain f%d.txt\x0510 1/1\x05Hub (127.0.0.1:1)\x05pseek' % i for i in range(30)])
    plain.send(b'<plain> sent')
    ps.expect(b'<plain> sent')
    got = [l for l in ps.seen if l.startswith(b'$SR ')]
    check(len(got) == 25 and not any(b'pseek' in l for l in got),
          'Verlihub: %d $SR forwarded (25 expected, target cut)' % len(got))
    plain.send(b'$SA ' + tth + b' 127.0.0.1:9')
    check(plain.closed(), 'Verlihub kept a non-TTHS client sending $SA')
  with HubRun(tmp, 'verlihub', 'real') as h:
    other = h.raw().login(b'other')
    s = h.raw().login(b'seek')
    s.send(b'$Search 127.0.0.1:9 F?T?0?1?first', b'$Search 127.0.0.1:9 F?T?0?1?second')
    s.expect(lambda l: b'before next search' in l, 10, 'the search interval notice')
    s.send(b'<seek> end')
    other.expect(b'<seek> end')
    got = [l for l in other.seen if l.startswith(b'$Search')]
    check(len(got) == 1, 'Verlihub real: 1 search / 32 s, got %r' % got)


def t_chat_pm (tmp):
  with HubRun(tmp, 'ptokax') as h:
    a = h.raw().login(b'alice')
    b = h.raw().login(b'bob')
    c = h.raw().login(b'carol')
    a.send(b'<alice> hi all')
    a.expect(b'<alice> hi all')  # echoed to the sender too
    b.expect(b'<alice> hi all')
    a.send(b'$To: bob From: alice $<alice> secret')
    b.expect(b'$To: bob From: alice $<alice> secret')
    a.send(b'<alice> after')
    c.expect(b'<alice> after')
    check(not any(b'secret' in l for l in c.seen), 'a PM reached a third user')
    c.send(b'<alice> spoof')
    check(c.closed(), 'PtokaX kept a chat line with another nick')
    b.send(b'$To: alice From: carol $<carol> spoof')
    check(b.closed(), 'PtokaX kept a PM with another nick')


def t_control (tmp):
  with HubRun(tmp, 'verlihub') as h:
    a = h.raw().login(b'alice')
    b = h.raw().login(b'bob')
    c = h.raw().login(b'carol')
    d = h.raw().login(b'dave')
    check(h.hub.ctl('say hello') == 'OK', 'say')
    a.expect(b'<Verlihub> hello')
    check(h.hub.ctl('pm alice psst') == 'OK', 'pm')
    a.expect(b'$To: alice From: Verlihub $<Verlihub> psst')
    check(h.hub.ctl('users').split()[1:] == ['alice', 'bob', 'carol', 'dave'], 'users')
    check(h.hub.ctl('myinfo bob') == 'OK $MyINFO $ALL bob raw<RawTest V:1,M:A,H:1/0/0,S:2>$ '
          '$100\\x01$$1000$', 'myinfo: %s' % h.hub.ctl('myinfo bob'))
    check(h.hub.ctl('count $MyINFO') == 'OK 4', 'count')
    check(h.hub.ctl('kick bob flooding') == 'OK', 'kick')
    b.expect(b'<Verlihub> You are being kicked because: flooding')
    check(b.closed(), 'kick without close')
    a.expect(b'$Quit bob')
    check(h.hub.ctl('redirect carol otherhub:411 go there') == 'OK', 'redirect')
    c.expect(b'<Verlihub> go there')
    c.expect(b'$ForceMove otherhub:411')
    check(c.closed(), 'redirect without close')
    check(h.hub.ctl('drop dave') == 'OK', 'drop')
    check(d.closed(), 'drop without close')
    a.expect(b'$Quit dave')
    check(h.hub.ctl('kick nobody').startswith('ERR'), 'kick of nobody')


def t_reconnect (tmp):
  with HubRun(tmp, 'verlihub', 'real') as h:
    a = h.raw().login(b'fast')
    a.close()
    h.hub.wait_log(lambda d, w, l: w == 'fast' and (l == 'EOF' or l.startswith('close')), 10)
    b = h.raw()
    b.expect(b'$Lock ', 15)
    b.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick fast')
    b.expect(lambda l: b'Reconnecting too fast' in l, 10, 'Reconnecting too fast')
    check(b.closed(), 'Verlihub kept a fast reconnect')
  with HubRun(tmp, 'ptokax', 'real') as h:
    a = h.raw().login(b'fast')
    a.close()
    h.hub.wait_log(lambda d, w, l: w == 'fast' and l == 'EOF', 10)
    b = h.raw()
    b.hello(b'fast2')  # another nick is fine
    c = h.raw()
    c.expect(b'$Lock ', 15)
    c.send(b'$Supports NoHello', b'$Key x', b'$ValidateNick fast')
    check(c.closed(), 'PtokaX kept a reconnect within 10 s')
    check(any(b'before reconnecting' in l for l in c.seen), 'PtokaX reconnect text: %r' % c.seen)
  with HubRun(tmp, 'verlihub', 'tests') as h:
    a = h.raw().login(b'fast')
    a.close()
    h.hub.wait_log(lambda d, w, l: w == 'fast' and l == 'EOF', 10)
    b = h.raw().login(b'fast')  # preset tests: no reconnect ban


def t_fake_users (tmp):
  for prof in ('ptokax', 'verlihub'):
    with HubRun(tmp, prof, 'tests', '--fake-users', '2000') as h:
      t0 = time.monotonic()
      c = h.raw().login(b'viewer')
      infos = [l for l in c.seen if l.startswith(b'$MyINFO $ALL user')]
      check(len(infos) == 2000, '%s: %d fake $MyINFOs' % (prof, len(infos)))
      sizes = [len(l) for l in infos]
      check(max(sizes) <= 256, '%s: fake $MyINFO of %d bytes' % (prof, max(sizes)))
      if prof == 'verlihub':
        check(120 <= sum(sizes) / len(sizes) <= 230, 'fake $MyINFO average %d bytes'
              % (sum(sizes) / len(sizes)))
        check(any(b'<' not in l for l in infos), 'no short-form fake users')
      else:
        check(not any(b'<' in l for l in infos), 'PtokaX sent a fake user\'s tag to a normal user')
      check(time.monotonic() - t0 < 10, 'login with 2000 fake users took long')
      check('user000001' not in h.hub.ctl('users'), 'fake users listed by `users`')


def t_tls (tmp):
  if shutil.which('openssl') is None:
    print('  (no openssl: TLS hub not tested)')
    return
  cert, key = os.path.join(tmp, 'c.pem'), os.path.join(tmp, 'k.pem')
  subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                  '-subj', '/CN=localhost', '-keyout', key, '-out', cert], check=True,
                 capture_output=True, timeout=60)
  with HubRun(tmp, 'verlihub', 'tests', '--tls', cert, key) as h:
    c = h.raw(tls=True).login(b'secure')
    check(any(l.startswith(b'$Lock EXTENDEDPROTOCOL_NMDC_TLS_') for l in c.seen),
          'TLS lock: %r' % c.seen[:1])


def t_charset (tmp):
  with HubRun(tmp, 'verlihub', 'tests', '--charset', 'cp1251', '--name', 'Хаб') as h:
    nick = 'Вася'.encode('cp1251')
    c = h.raw().login(nick)
    check(b'$HubName ' + 'Хаб'.encode('cp1251') in c.seen, 'hub name not in cp1251')
    c.send(b'<' + nick + b'> \xff\xfe raw bytes')
    c.expect(b'<' + nick + b'> \xff\xfe raw bytes')  # client bytes unchanged
    check(h.hub.ctl('users') == 'OK Вася', 'users in cp1251: %s' % h.hub.ctl('users'))
    check(h.hub.ctl('pm Вася привет') == 'OK', 'pm to a cp1251 nick')
    c.expect(b'$To: ' + nick + b' From: Verlihub $<Verlihub> ' + 'привет'.encode('cp1251'))


def t_garbage (tmp):
  """Malformed lines never take the hub down (each profile answers control commands after)."""
  import random
  rnd = random.Random(7)
  cmds = [b'$ConnectToMe', b'$RevConnectToMe', b'$Search', b'$SR', b'$To:', b'$MyINFO',
          b'$GetINFO', b'$Kick', b'$OpForceMove', b'$SA', b'$SP', b'$MultiConnectToMe', b'<',
          b'$ValidateNick', b'$MyPass', b'$Supports', b'$Key', b'$BotINFO', b'$Close']
  for prof in ('ptokax', 'verlihub', 'lenient'):
    with HubRun(tmp, prof) as h:
      for i in range(12):
        c = h.raw().login(b'g%d' % i) if i % 2 else h.raw()
        junk = []
        for _ in range(30):
          parts = [rnd.choice(cmds)] + [bytes(rnd.choice(b'ab $:?\x05<>12.') for _ in
                                              range(rnd.randrange(0, 12)))
                                        for _ in range(rnd.randrange(0, 4))]
          junk.append(b' '.join(parts).replace(b'|', b''))
        try:
          c.send(*junk)
        except OSError:
          pass
        c.closed(timeout=0.5)
        c.close()
      check(h.hub.ctl('count $Supports').startswith('OK'), '%s: hub stopped answering' % prof)
      bugs = [l for l in h.hub.log_lines() if 'HUB BUG' in l]
      check(not bugs, '%s: %s' % (prof, bugs[:3]))


def t_zpipe (tmp):
  with HubRun(tmp, 'ptokax', 'tests', '--fake-users', '300') as h:
    c = h.raw()
    c.hello(b'zipper', supports=b'NoHello NoGetINFO ZPipe0 UserIP2')
    check(b'$Supports ZPipe0 NoHello UserIP2' in c.seen, 'ZPipe echo: %r' % c.seen)
    c.send(b'$Version 1,0091', b'$GetNickList', c.myinfo(b'zipper'))
    c.expect(b'$OpList')
    c.expect(b'$UserIP zipper')
    check(c.zblocks == 1, 'expected the $MyINFO block compressed, got %d $ZOn' % c.zblocks)
    n = sum(1 for l in c.seen if l.startswith(b'$MyINFO $ALL user'))
    check(n == 300, '%d fake $MyINFOs after inflating' % n)
    check(b'$MyINFO $ALL zipper raw$A$100A$$1000$' in c.seen, 'own $MyINFO in the block')
  with HubRun(tmp, 'verlihub') as h:
    c = h.raw().login(b'zipper', supports=b'NoHello ZPipe0')
    check(c.zblocks == 0 and b'$Supports NoHello ZPipe0 ' in c.seen,
          'Verlihub: ZPipe0 echoed, nothing compressed (%d)' % c.zblocks)


PROTOCOL_TESTS = [t_ptokax_lock, t_verlihub_lock, t_ptokax_key, t_quack, t_verlihub_supports,
                  t_fake_tag_and_caps, t_unknown_command, t_registered, t_nick_rules, t_hub_full,
                  t_login_burst, t_ctm_rcm, t_search_sr, t_chat_pm, t_control, t_reconnect,
                  t_fake_users, t_tls, t_charset, t_garbage, t_zpipe]


def run_protocol (only=None):
  failed = []
  ran = 0
  with tempfile.TemporaryDirectory(prefix='nmdc-hub-proto-') as tmp:
    for t in PROTOCOL_TESTS:
      if only and t.__name__ not in only:
        continue
      t0 = time.monotonic()
      ran += 1
      try:
        t(tmp)
        print('ok   %s (%.1f s)' % (t.__name__, time.monotonic() - t0), flush=True)
      except Exception as e:  # noqa: BLE001
        failed.append(t.__name__)
        print('FAIL %s: %s' % (t.__name__, e), flush=True)
        if not isinstance(e, Fail):
          traceback.print_exc()
      for f in sorted(os.listdir(tmp)):
        if f.endswith('.log'):
          if failed and failed[-1] == t.__name__:
            with open(os.path.join(tmp, f)) as fh:
              print('--- %s (tail)\n%s' % (f, ''.join(fh.readlines()[-25:])))
          os.unlink(os.path.join(tmp, f))
  if failed:
    print('FAILED: %s' % ', '.join(failed))
    return 1
  print('PASS: %d protocol tests' % ran)
  return 0



# --- real clients ---------------------------------------------------------------------------------

def conn_entries (entries, nick):
  """The log entries of the connection that validated `nick`: (dir, line) in order."""
  addr = None
  for d, w, l in entries:
    if d == '<<' and l == '$ValidateNick ' + nick:
      addr = w
  out = []
  for d, w, l in entries:
    if w == addr or w == nick:
      out.append((d, l))
  return addr, out


def index_of (seq, pred, start=0):
  for i in range(start, len(seq)):
    if pred(seq[i]):
      return i
  return -1


def check_login_order (profile, entries, nick, quack):
  """The hub's lines to one real client, in the order NMDC.md §1.2 gives for the profile."""
  addr, seq = conn_entries(entries, nick)
  check(addr is not None, '%s never sent $ValidateNick' % nick)
  sent = [l for d, l in seq if d == '>>']
  got = [l for d, l in seq if d == '<<']
  check(sent and sent[0].startswith('$Lock '), '%s: first line %r' % (nick, sent[:1]))
  myinfo_in = index_of(seq, lambda e: e[0] == '<<' and e[1].startswith('$MyINFO $ALL ' + nick))
  check(myinfo_in >= 0, '%s sent no $MyINFO' % nick)
  after = [l for d, l in seq[myinfo_in:] if d == '>>']
  before = [l for d, l in seq[:myinfo_in] if d == '>>']
  if profile == 'ptokax':
    check(re.fullmatch(rb'\$Lock EXTENDEDPROTOCOL[\x30-\x79]{27}nix Pk=PtokaX', unesc(sent[0]))
          is not None, 'PtokaX lock %r' % sent[0])
    sup = [l for l in before if l.startswith('$Supports')]
    check(len(sup) == 1 and ('UserIP2' in sup[0]) == (not quack),
          '%s: PtokaX $Supports echo %r (quack %s)' % (nick, sup, quack))
    check(not any(l.startswith('$HubName') for l in before),
          '%s: PtokaX sent $HubName before the first $MyINFO' % nick)
    check(after and after[0].startswith('$HubName '), '%s: PtokaX burst starts %r' % (nick, after[:2]))
    check(after[1].startswith('<PtokaX> This hub is running PtokaX'), 'PtokaX banner: %r' % after[1])
    own = index_of(after, lambda l: l.startswith('$MyINFO $ALL ' + nick + ' '))
    ops = index_of(after, lambda l: l.startswith('$OpList '))
    bot = index_of(after, lambda l: l == '$MyINFO $ALL PtokaX $ $$$$')
    check(0 <= bot < ops and 0 <= own < ops, '%s: PtokaX burst order: %r' % (nick, after[:12]))
    check(not any(l.startswith('$NickList') for l in after),
          '%s: PtokaX sent $NickList to a NoHello client' % nick)
    uip = [l for l in after if l.startswith('$UserIP')]
    check(uip == ([] if quack else ['$UserIP %s 127.0.0.1' % nick]),
          '%s: PtokaX own $UserIP %r (quack %s)' % (nick, uip, quack))
    # the lock delay: a timer tick
    t = [float(x.split()[0]) for x in open(HUB_LOG[0]).read().splitlines()
         if (' -- %s connected' % addr) in x or (' >> %s $Lock' % addr) in x]
    check(len(t) == 2 and t[1] - t[0] >= 0.8, '%s: PtokaX lock delay %r' % (nick, t))
  else:
    check(re.fullmatch(r'\$Lock EXTENDEDPROTOCOL_NMDC_(TLS_)?\d{4} Pk=Verlihub 1\.7\.0\.0', sent[0])
          is not None, 'Verlihub lock %r' % sent[0])
    check(sent[1].startswith('$Supports ') and sent[1].endswith(' '),
          '%s: Verlihub $Supports echo %r (keeps order, trailing space)' % (nick, sent[1]))
    client_sup = [l for l in got if l.startswith('$Supports ')][0].split()[1:]
    echo = sent[1].split()[1:]
    check(echo == [w for w in client_sup if w in echo], 'Verlihub echo order %r' % echo)
    hn = index_of(before, lambda l: l.startswith('$HubName '))
    he = index_of(before, lambda l: l == '$Hello ' + nick)
    check(0 <= hn < he, '%s: Verlihub $HubName not before $Hello: %r' % (nick, before))
    for w in ('$Supports', '$Key', '$Version'):
      check(any(l.startswith(w) for l in got[:got.index(
        [l for l in got if l.startswith('$MyINFO')][0])]),
        '%s: %s not before $MyINFO' % (nick, w))
    check(not any(l.startswith('$UserIP') for l in sent), '%s: Verlihub sent $UserIP' % nick)
    check(not any(l.startswith('$Hello ') and l != '$Hello ' + nick for l in sent),
          '%s: Verlihub broadcast a $Hello' % nick)


def check_keys (entries, nick):
  """The hub's lock → the client's $Key: the real client agrees with lock_to_key (the algorithm
  the ptokax profile checks clients without $Supports with)."""
  addr, seq = conn_entries(entries, nick)
  lock = [l for d, l in seq if d == '>>' and l.startswith('$Lock ')][0][6:].split(' Pk=')[0]
  key = [l for d, l in seq if d == '<<' and l.startswith('$Key ')][0][5:]
  check(unesc(key) == lock_to_key(unesc(lock)),
        '%s answered the lock with another key than lock_to_key' % nick)


HUB_LOG = [None]


def run_clients (profile, preset, tls=False):
  for tool in ('eiskaltdcpp-daemon', 'ncdc', 'tmux') + (('openssl',) if tls else ()):
    if shutil.which(tool) is None:
      print('SKIP: %s is not installed (apt-get install eiskaltdcpp-daemon ncdc tmux)' % tool)
      return 77
  t_start = time.monotonic()
  tmp = tempfile.mkdtemp(prefix='nmdc-clients-%s-%s-' % (profile, preset))
  extra = ['--topic', 'lab topic', '--motd', 'welcome to the lab', '--fake-users', '20']
  if tls:
    # nmdcs: TLS from the first byte (Verlihub's TLS proxy; §1.3), a fresh self-signed cert
    cert, key = os.path.join(tmp, 'hub-cert.pem'), os.path.join(tmp, 'hub-key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=localhost', '-keyout', key, '-out', cert], check=True,
                   capture_output=True, timeout=60)
    extra += ['--tls', cert, key]
  hub = P.Hub(tmp, profile, preset, extra)
  HUB_LOG[0] = hub.log
  ek = P.LoopEiskalt(os.path.join(tmp, 'eiskalt'), 'ekuser')
  nc = P.LoopNcdc(os.path.join(tmp, 'ncdc'), 'ncuser')
  ek_share = os.path.join(tmp, 'ekshare')
  nc_share = os.path.join(tmp, 'ncshare')
  ek_file = 'nmdcprobe-eiskalt-file.txt'
  nc_file = 'ncdc-shared-file.txt'
  P.dcpeers.make_payload(ek_share, ek_file, 4096)
  P.dcpeers.make_payload(nc_share, nc_file, 3000)
  ok = False
  step = 'start'
  try:
    step = 'hub'
    hub.start()
    url = hub.url('nmdcs' if tls else 'dchub')
    bots = BOTS[profile]
    step = 'eiskalt start and share'
    ek.start(timeout=30)
    ek.configure_passive()
    ek.share(ek_share, 'ekshare', timeout=60)
    step = 'ncdc start and share'
    nc.start(timeout=30)
    nc_port = P.free_port()
    nc.configure(active=True, port=nc_port)
    nc.set('active_ip', '127.0.0.1')
    nc.share_and_restart('ncshare', nc_share, [nc_file], timeout=90)
    step = 'eiskalt joins'
    ek.add_hub(url)
    check(P.wait_for(lambda: 'ekuser' in hub.users(), 60), 'eiskalt did not log in: %s'
          % hub.ctl('users'))
    step = 'ncdc joins'
    nc.join_nmdc(url, len(bots) + 2, timeout=60)
    check(P.wait_for(lambda: set(hub.users()) >= {'ekuser', 'ncuser'}, 30), 'hub users: %s'
          % hub.ctl('users'))
    step = 'user lists'
    have = ek.wait_users(url, ['ncuser', 'user000001', 'user000020'] + bots, timeout=30)
    print('  eiskalt lists %d users' % len(have), flush=True)
    if profile == 'ptokax':
      # eiskalt sent ZPipe0: its login $MyINFO block came compressed, and it read it
      check(hub.wait_log(lambda d, w, l: d == '--' and w == 'ekuser' and l.startswith('($ZOn:'), 5),
            'PtokaX sent eiskalt no $ZOn block')
    # what the hub relays, and what eiskalt made of it
    ek_mi = hub.ctl('myinfo ekuser')[3:]
    nc_mi = hub.ctl('myinfo ncuser')[3:]
    entries = hub.log_entries()
    ek_orig = [l for d, w, l in entries if d == '<<' and l.startswith('$MyINFO $ALL ekuser ')][-1]
    nc_orig = [l for d, w, l in entries if d == '<<' and l.startswith('$MyINFO $ALL ncuser ')][-1]
    print('  eiskalt sent   %s\n  hub relays     %s' % (ek_orig, ek_mi), flush=True)
    print('  ncdc sent      %s\n  hub relays     %s' % (nc_orig, nc_mi), flush=True)
    nc_share_size = int(nc_orig.rstrip('$').rsplit('$', 1)[1])
    ek_share_size = int(ek_orig.rstrip('$').rsplit('$', 1)[1])
    check(ek_share_size > 0 and nc_share_size > 0, 'a client logged in with share 0')

    def status_of (mi):
      conn = unesc(mi).split(b'$')[4]
      return conn[-1]
    info = ek.user_info(url, 'ncuser')
    print('  eiskalt sees ncuser: %s' % info, flush=True)
    check(not str(info.get('Icon', '')).endswith('-fw'), 'eiskalt sees active ncdc as passive: '
          '%r' % info.get('Icon'))
    check(str(info.get('Shared')) == str(nc_share_size), 'eiskalt sees ncdc share %r, hub '
          'relayed %d' % (info.get('Shared'), nc_share_size))
    if profile == 'ptokax':
      for orig, rel, mode in ((ek_orig, ek_mi, 'P'), (nc_orig, nc_mi, 'A')):
        check('<' not in rel.split('$')[2], 'PtokaX relayed a tag to a normal user: %s' % rel)
        check(rel.split('$')[3] == mode, 'PtokaX short form mode slot: %s (want %s)' % (rel, mode))
        want = (status_of(orig) & ~0x30) | 0x40
        check(status_of(rel) == want, 'PtokaX status byte %#x, expected %#x' % (
          status_of(rel), want))
      check(info.get('Tag', '') == '', 'eiskalt sees a tag on PtokaX: %r' % info.get('Tag'))
    else:
      check(unesc(ek_mi) == unesc(ek_orig) and unesc(nc_mi) == unesc(nc_orig),
            'Verlihub changed a $MyINFO: %s / %s' % (ek_mi, nc_mi))
      check('M:A' in info.get('Tag', ''), 'eiskalt sees ncdc\'s tag %r' % info.get('Tag'))
    # ncdc's view of eiskalt: its user list's opt column (o = op, p = passive, t = TLS)
    nc.key('M-2')
    nc.send('/userlist')
    s = nc.wait_screen(lambda s: re.search(r'(?m)^(..)(...) ekuser\s', s) is not None, 30)
    check(s is not None, 'ncdc\'s user list lacks ekuser:\n%s' % nc.screen())
    row = re.search(r'(?m)^(..)(...) ekuser\s.*$', s)
    check(row is not None, 'ncdc user list row for ekuser not found:\n%s' % s)
    opt = row.group(2)
    print('  ncdc lists ekuser as %r' % row.group(0).rstrip(), flush=True)
    check('p' in opt, 'ncdc does not see eiskalt as passive: %r' % row.group(0))
    if profile == 'ptokax':
      check('t' not in opt, 'ncdc sees TLS on PtokaX (0x10 should be cleared): %r' % row.group(0))
    else:
      check('t' in opt, 'ncdc does not see eiskalt\'s TLS bit on Verlihub: %r' % row.group(0))
    for b in bots:
      check(re.search(r'(?m)^..o.. %s\s' % b, s), 'ncdc does not list bot %s as op:\n%s' % (b, s))
    step = 'chat'
    nc.key('M-2')
    nc.wait_screen(lambda s: '#lab>' in s, 10)
    ek.say(url, 'hello from eiskalt')
    check(nc.wait_screen(lambda s: '<ekuser> hello from eiskalt' in s, 30),
          'ncdc did not show eiskalt\'s chat:\n%s' % nc.screen())
    nc.send('hello from ncdc')
    check(P.wait_for(lambda: '<ncuser> hello from ncdc' in ek.chat(url), 30),
          'eiskalt did not get ncdc\'s chat: %s' % ek.chat(url))
    entries = hub.log_entries()
    for who in ('ekuser', 'ncuser'):
      check(('>>', who, '<ekuser> hello from eiskalt') in entries,
            'chat not echoed/relayed to %s' % who)
    step = 'pm'
    nc.send('/msg ekuser pm from ncdc')
    check(ek.wait_output(lambda l: 'pm from ncdc' in l, 30),
          'eiskalt did not print ncdc\'s PM: %s' % ek.proc.stdout_text()[-1500:])
    ek.pm(url, 'ncuser', 'pm from eiskalt')
    # ncdc's /msg switched to its PM tab with ekuser: the answer shows there
    check(nc.wait_screen(lambda s: '~ekuser' in s and '<ekuser> pm from eiskalt' in s, 30),
          'ncdc did not show eiskalt\'s PM:\n%s' % nc.screen())
    entries = hub.log_entries()
    pm1 = [(d, w) for d, w, l in entries if d == '>>' and l.startswith('$To: ekuser From: ncuser')]
    pm2 = [(d, w) for d, w, l in entries if d == '>>' and l.startswith('$To: ncuser From: ekuser')]
    check(pm1 == [('>>', 'ekuser')] and pm2 == [('>>', 'ncuser')],
          'PMs delivered to %r / %r (only the target expected)' % (pm1, pm2))
    step = 'search'
    nc.key('M-2')
    nc.wait_screen(lambda s: '#lab>' in s, 10)
    nc.send('/search nmdcprobe')
    check(hub.wait_log(lambda d, w, l: d == '>>' and w == 'ekuser' and l.startswith('$Search ')
                       and 'nmdcprobe' in l, 30), 'the hub did not route ncdc\'s search to eiskalt')
    check(nc.wait_screen(lambda s: ek_file in s, 45),
          'ncdc found nothing for nmdcprobe:\n%s' % nc.screen())
    srch = [l for d, w, l in hub.log_entries() if d == '>>' and w == 'ekuser'
            and l.startswith('$Search ')][0]
    check(srch.startswith('$Search 127.0.0.1:%d ' % nc_port), 'search as relayed: %s' % srch)
    step = 'passive search and $SR'
    # eiskalt (passive) searches: Hub:ekuser; the hub routes it to ncdc (active, share > 0), ncdc
    # answers through the hub with $SR …\x05ekuser, the hub cuts the target and forwards it
    r = ek.rpc('search.send', {'searchstring': 'shared', 'searchtype': 0, 'sizemode': 0,
                               'sizetype': 0, 'size': 0, 'huburls': url})
    check(hub.wait_log(lambda d, w, l: d == '>>' and w == 'ncuser'
                       and l.startswith('$Search Hub:ekuser ') and 'shared' in l, 30),
          'eiskalt\'s passive search did not reach ncdc (search.send said %r)' % (r,))
    sr_in = hub.wait_log(lambda d, w, l: d == '<<' and w == 'ncuser' and l.startswith('$SR ncuser ')
                         and nc_file in l, 30)
    check(sr_in, 'ncdc sent no $SR for its file')
    check(sr_in[2].endswith('\\x05ekuser'), 'ncdc\'s $SR target: %s' % sr_in[2])
    sr_out = hub.wait_log(lambda d, w, l: d == '>>' and w == 'ekuser' and l.startswith('$SR ncuser '),
                          10)
    check(sr_out and sr_out[2] == sr_in[2][:-len('\\x05ekuser')],
          '$SR as forwarded to eiskalt: %r' % (sr_out,))
    res = P.wait_for(lambda: nc_file in str(ek.rpc('search.getresults', {'huburl': url})), 20)
    check(res, 'eiskalt lists no result for ncdc\'s file: %r'
          % (ek.rpc('search.getresults', {'huburl': url}),))
    step = 'rcm/ctm'
    # eiskalt (passive) asks ncdc (active) for its list: RCM → ncdc's CTM, routed by the hub's
    # rules; ncdc adds S only when the relayed status has 0x10 (kept by Verlihub, which forwards
    # S when both sent TLS and both have 0x10; cleared by PtokaX, so a plain CTM).
    ek.download_list(url, 'ncuser')
    ctm = hub.wait_log(lambda d, w, l: d == '>>' and w == 'ekuser'
                       and l.startswith('$ConnectToMe ekuser '), 30)
    check(ctm, 'no $ConnectToMe reached eiskalt after its list request')
    check(('>>', 'ncuser', '$RevConnectToMe ekuser ncuser') in hub.log_entries(),
          'the hub did not forward eiskalt\'s $RevConnectToMe')
    print('  ncdc answered with %s' % ctm[2], flush=True)
    if profile == 'verlihub':
      check(ctm[2] == '$ConnectToMe ekuser 127.0.0.1:%dS' % nc_port, 'CTM on Verlihub: %s' % ctm[2])
      got = ek.wait_list('ncuser', 60)
      check(got is not None and nc_file in got[3], 'eiskalt got no list from ncdc over TLS: %r'
            % (got,))
    else:
      check(ctm[2] == '$ConnectToMe ekuser 127.0.0.1:%d' % nc_port, 'CTM on PtokaX: %s' % ctm[2])
    step = 'log checks'
    entries = hub.log_entries()
    check_login_order(profile, entries, 'ekuser', quack=True)
    check_login_order(profile, entries, 'ncuser', quack=False)
    check_keys(entries, 'ekuser')
    check_keys(entries, 'ncuser')
    closes = [l for d, w, l in entries if d == '--' and l.startswith('close:')]
    check(not closes, 'the hub closed a real client: %r' % closes)
    ok = True
  except (Fail, P.PeerError) as e:
    print('FAIL at %s: %s' % (step, e), flush=True)
  except Exception:  # noqa: BLE001
    print('FAIL at %s:' % step, flush=True)
    traceback.print_exc()
  finally:
    try:
      nc.stop()
    except Exception:  # noqa: BLE001
      pass
    try:
      ek.stop()
    except Exception:  # noqa: BLE001
      pass
    hub.stop()
  if not ok:
    print('--- hub log (tail)\n%s' % '\n'.join(hub.log_lines()[-80:]))
    if ek.proc is not None:
      print('--- eiskalt (tail)\n%s' % ek.proc.stdout_text()[-2000:])
    print('(files kept in %s)' % tmp)
    return 1
  shutil.rmtree(tmp, ignore_errors=True)
  print('PASS: %s/%s%s with eiskaltdcpp-daemon and ncdc in %.1f s' % (
    profile, preset, ' (nmdcs)' if tls else '', time.monotonic() - t_start))
  return 0


def main ():
  ap = argparse.ArgumentParser()
  ap.add_argument('--protocol', action='store_true', help='the hub\'s rules with a raw client')
  ap.add_argument('--only', nargs='*', help='protocol tests to run (names)')
  ap.add_argument('--clients', choices=('ptokax', 'verlihub'))
  ap.add_argument('--preset', choices=('tests', 'real'), default='tests')
  ap.add_argument('--tls', action='store_true', help='the hub speaks nmdcs (TLS from byte one)')
  args = ap.parse_args()
  # meson's timeout sends SIGTERM: leave through the finally blocks that stop the clients
  signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
  if args.protocol:
    return run_protocol(args.only)
  if args.clients:
    return run_clients(args.clients, args.preset, args.tls)
  ap.error('--protocol or --clients PROFILE')


if __name__ == '__main__':
  sys.exit(main())
