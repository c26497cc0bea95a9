#!/usr/bin/python3
# nmdc-hub.py — a small NMDC hub for Burrow's tests, modelling PtokaX 0.5.2.2 and Verlihub 1.7.0.0.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# No NMDC hub is packaged for Debian 12. This one is written from the facts in the project's NMDC
# notes (NMDC.md; section numbers below refer to it), asyncio and the standard library only.
#
# Modelled, per --profile:
#   framing and line caps ............................................ §1.1
#   $Lock text and timing (PtokaX after a ~1 s tick, Verlihub at once)  §1.2, §2.1
#   $Key (PtokaX: checked only without $Supports; Verlihub: unchecked)  §1.2, §9
#   $Supports echo lists, PtokaX "quack" rule (trailing space) ........ §1.3, §0 fact 8, §9
#   login order, $HubName placement, registered nicks, $ValidateDenide,
#   $HubIsFull, nick rules, the login burst, bots .................... §1.2, §9
#   $MyINFO checks, PtokaX short form/status rewrite, size caps,
#   rebroadcast windows ............................................. §1.4, §0 facts 4 and 7
#   $ConnectToMe/$RevConnectToMe routing, real-IP rewrite, N/R/S rules  §1.5, §0 facts 5 and 6
#   $Search routing and throttles, $SA/$SP (Verlihub TTHS), $SR cut ... §1.6, §0 fact 10
#   chat, PMs, unknown/out-of-state command → close (PtokaX), flood ... §1.7, §0 fact 9
#   fast-reconnect refusal ........................................... §0 fact 11
#   hub text in --charset, client bytes never re-encoded ............. §1.8
# lenient: no checks, immediate lock, everything echoed, nothing throttled (unit tests).
# --preset tests relaxes search intervals, reconnect bans and $MyINFO windows (CI speed);
# --preset real (default) keeps the real defaults.
# ZPipe: ptokax echoes ZPipe0/ZPipe and compresses the login blocks ($ZOn|+zlib); verlihub echoes
# ZPipe0 and never compresses, as the real ones do (§9).
# Not modelled: $NickRule/$BadNick, hub commands in chat, user commands,
# Verlihub's TLS proxy ($MyIP), lock-out after repeated bad passwords.
#
# Control (stdin, one command a line; each answered by one `OK …`/`ERR …` line on stdout):
#   say TEXT | pm NICK TEXT | kick NICK [REASON] | redirect NICK ADDRESS [MSG] | drop NICK |
#   users | myinfo NICK | count CMD | refuse-passive on|off (verlihub: refuse every passive→passive
#   $RevConnectToMe with its text, a hub whose policy forbids it) | quit.   End of stdin = quit.
# Log (--log FILE or stderr): `<seconds> <<|>>|-- <who> <line>`, bytes < 0x20, >= 0x7f and `\`
# written as \xNN.

import argparse
import asyncio
import os
import random
import ssl
import sys
import threading
import time
import zlib

PROFILES = ('ptokax', 'verlihub', 'lenient')


# --- helpers --------------------------------------------------------------------------------------

def esc (b):
  """Bytes → one printable log/control line (\\xNN for control bytes, non-ASCII and backslash)."""
  out = []
  for c in b:
    if c < 0x20 or c >= 0x7f or c == 0x5c:
      out.append('\\x%02x' % c)
    else:
      out.append(chr(c))
  return ''.join(out)


def lock_to_key (lock):
  """The NMDC $Key for a $Lock string (the text before ' Pk=')."""
  n = len(lock)
  if n < 3:
    return b''
  k = bytearray(n)
  k[0] = lock[0] ^ lock[-1] ^ lock[-2] ^ 5
  for i in range(1, n):
    k[i] = lock[i] ^ lock[i - 1]
  out = bytearray()
  for c in k:
    c = ((c << 4) | (c >> 4)) & 0xff
    if c in (0, 5, 36, 96, 124, 126):
      out += b'/%%DCN%03d%%/' % c
    else:
      out.append(c)
  return bytes(out)


class Rate:
  """At most `count` events per `seconds` (sliding window)."""

  def __init__ (self, count, seconds):
    self.count = count
    self.seconds = seconds
    self.times = []

  def hit (self, now):
    """Records an event; True when it exceeds the limit."""
    self.times = [t for t in self.times if now - t < self.seconds]
    self.times.append(now)
    return len(self.times) > self.count


class Closed (Exception):
  pass


# --- $MyINFO --------------------------------------------------------------------------------------

class Info:
  """A parsed $MyINFO: `$MyINFO $ALL nick desc$<mode>$<conn><status>$<mail>$<share>$`."""

  def __init__ (self, line, nick):
    self.raw = line
    head = b'$MyINFO $ALL ' + nick + b' '
    self.ok_head = line.startswith(head)
    rest = line[len(head):] if self.ok_head else b''
    parts = rest.split(b'$')
    self.ok = self.ok_head and len(parts) == 6 and parts[5] == b''
    if not self.ok:
      parts = (parts + [b''] * 6)[:6]
    self.desc_all, self.mode_field, self.conn_all, self.mail, self.share_s = parts[:5]
    self.mode_ok = len(self.mode_field) == 1
    self.status = self.conn_all[-1] if self.conn_all else None
    self.conn = self.conn_all[:-1] if self.conn_all else b''
    self.share_digits = self.share_s.isdigit()
    self.share = int(self.share_s) if self.share_digits else 0
    # tag: the last <…> of the description that has ' V:'
    self.tag = None
    self.desc = self.desc_all
    i = self.desc_all.rfind(b'<')
    if i >= 0 and self.desc_all.endswith(b'>') and b' V:' in self.desc_all[i:]:
      self.tag = self.desc_all[i + 1:-1]
      self.desc = self.desc_all[:i]
    self.fields = {}
    if self.tag is not None:
      for item in self.tag.split(b' ', 1)[-1].split(b','):
        if b':' in item:
          k, v = item.split(b':', 1)
          self.fields[k] = v
    m = self.fields.get(b'M')
    self.active = (m == b'A') if m is not None else None   # None: no tag / no M:

  def hubs_sum (self):
    """Sum of H:a/b/c, or None when it is not numeric."""
    h = self.fields.get(b'H')
    if h is None:
      return None
    try:
      return sum(int(x) for x in h.split(b'/'))
    except ValueError:
      return None


# --- one connection -------------------------------------------------------------------------------

class User:
  def __init__ (self, hub, reader, writer):
    self.hub = hub
    self.reader = reader
    self.writer = writer
    peer = writer.get_extra_info('peername') or ('0.0.0.0', 0)
    self.ip = peer[0].encode()
    self.addr = '%s:%s' % (peer[0], peer[1])
    self.nick = None
    self.closed = False
    self.lock = None
    self.lock_sent = False
    self.supports = None          # list of bytes, or None before $Supports
    self.quack = False
    self.zpipe = False
    self.got_key = False
    self.got_version = False
    self.want_list = False        # sent $GetNickList
    self.list_sent = False
    self.validated = False        # $ValidateNick accepted
    self.pass_wait = False        # $GetPass sent, $MyPass due
    self.registered = False
    self.op = False
    self.online = False
    self.info = None              # Info of the last accepted $MyINFO
    self.relay_short = None       # PtokaX: what normal users get
    self.relay_long = None        # PtokaX: what ops get; Verlihub/lenient: what everyone gets
    self.active = None            # True/False/None (unknown)
    self.last_broadcast = 0.0
    self.last_search = None
    self.last_search_time = 0.0
    self.sr_budget = 0
    self.rates = {}
    self.warns = 0
    self.login_time = 0.0
    self.is_fake = False

  # --- what the others need to know

  def sup (self, word):
    return self.supports is not None and word in self.supports

  def status (self):
    return self.info.status if self.info is not None and self.info.status is not None else 0

  def share (self):
    return self.info.share if self.info is not None else 0

  def who (self):
    return self.nick.decode('latin-1') if self.nick is not None else self.addr

  # --- output

  def send (self, line):
    if self.closed:
      return
    self.hub.log('>>', self.who(), line)
    self.writer.write(line + b'|')

  def send_lines (self, lines, extra=b'', note=None):
    """Several lines as one write; `extra` is a pre-built block of pre-generated lines (logged as a
    summary line, not line by line)."""
    if self.closed:
      return
    for l in lines:
      self.hub.log('>>', self.who(), l)
    if extra:
      self.hub.log('--', self.who(), note.encode() if note else b'(block)')
    self.writer.write(b''.join(l + b'|' for l in lines) + extra)

  def close (self, why):
    if self.closed:
      return
    self.closed = True
    self.hub.log('--', self.who(), b'close: ' + why.encode())
    try:
      self.writer.close()
    except Exception:  # noqa: BLE001
      pass
    self.hub.gone(self)

  def abort (self):
    if self.closed:
      return
    self.closed = True
    self.hub.log('--', self.who(), b'drop (abort)')
    try:
      self.writer.transport.abort()
    except Exception:  # noqa: BLE001
      pass
    self.hub.gone(self)


class FakeUser:
  """A synthetic user for --fake-users: listed, never connected."""
  is_fake = True
  op = False
  online = True
  closed = False

  def __init__ (self, nick, line, short, active, share, status):
    self.nick = nick
    self.relay_long = line
    self.relay_short = short
    self.active = active
    self._share = share
    self._status = status
    self.info = None

  def share (self):
    return self._share

  def status (self):
    return self._status

  def sup (self, word):
    return False

  def send (self, line):
    pass


# --- the hub --------------------------------------------------------------------------------------

class Hub:
  def __init__ (self, args):
    self.a = args
    self.profile = args.profile
    self.px = args.profile == 'ptokax'
    self.vh = args.profile == 'verlihub'
    # test control `refuse-passive on`: refuse every passive->passive $RevConnectToMe with
    # Verlihub's text, whatever the status bytes (a hub whose policy forbids it)
    self.refuse_passive = False
    self.lenient = args.profile == 'lenient'
    self.real = args.preset == 'real'
    self.cs = args.charset
    self.t0 = time.monotonic()
    self.logf = open(args.log, 'a', buffering=1, encoding='utf-8') if args.log else sys.stderr
    self.users = {}          # nick bytes → User/FakeUser, online only (bots not included)
    self.reals = {}          # nick bytes → User, the connected ones among users
    self.pending = {}        # nick bytes → User that validated but is not online yet
    self.counts = {}
    self.recent_logout = {}  # (nick, ip) → time (PtokaX reconnect rule)
    self.nick_bans = {}      # nick → (until, reason) (Verlihub)
    self.ip_bans = {}        # ip → until
    self.port = None
    self.name = self.text(args.name)
    self.topic = self.text(args.topic) if args.topic else b''
    self.motd = self.text(args.motd) if args.motd else b''
    self.regs = {}
    for r in args.register or []:
      parts = r.split(':')
      if len(parts) < 2:
        raise SystemExit('--register NICK:PASS[:op]')
      self.regs[self.text(parts[0])] = (self.text(parts[1]), len(parts) > 2 and parts[2] == 'op')
    if self.px:
      self.bot = b'PtokaX'
      self.bots = [(b'PtokaX', b'$MyINFO $ALL PtokaX $ $$$$')]
    elif self.vh:
      self.bot = b'Verlihub'
      self.bots = [(b'Verlihub', b'$MyINFO $ALL Verlihub $ $\x01$$0$'),
                   (b'OpChat', b'$MyINFO $ALL OpChat $ $\x01$$0$')]
    else:
      self.bot = b'Hub'
      self.bots = [(b'Hub', b'$MyINFO $ALL Hub $ $\x01$$0$')]
    # limits (§1.1, §1.4, §1.6, §1.7); 'tests' relaxes searches, reconnects and MyINFO windows
    if self.px:
      self.max_line_pre, self.max_line = 1024, 65536
      self.myinfo_cap = 256
      self.myinfo_window = 1800 if self.real else 0
      self.reconnect = 10 if self.real else 0
    elif self.vh:
      self.max_line_pre = self.max_line = 10240
      self.myinfo_cap = 512
      self.myinfo_window = 60 if self.real else 0
      self.reconnect = 60 if self.real else 0
    else:
      self.max_line_pre = self.max_line = 1 << 20
      self.myinfo_cap = 1 << 20
      self.myinfo_window = 0
      self.reconnect = 0
    self.fake = []
    self.fake_blocks = {}
    self.zcache = {}         # PtokaX ZPipe: block key → (fixed prefix, compressor after it, output)
    if args.fake_users:
      self.make_fake(args.fake_users)

  def text (self, s):
    return s.encode(self.cs, errors='replace')

  def log (self, d, who, line):
    self.logf.write('%10.3f %s %s %s\n' % (time.monotonic() - self.t0, d, who, esc(line)))

  def bot_chat (self, text_bytes):
    return b'<' + self.bot + b'> ' + text_bytes

  # --- fake users (--fake-users N): lines and login blocks generated once

  def make_fake (self, n):
    rnd = random.Random(4242)
    clients = [(b'++', b'0.868'), (b'EiskaltDC++', b'2.4.2'), (b'ncdc', b'1.23.1'),
               (b'AirDC++', b'4.21'), (b'FlylinkDC++', b'r600'), (b'DC++', b'0.882')]
    conns = [b'100', b'20', b'0.005', b'LAN(T3)', b'Cable', b'1000']
    words = [b'music', b'films and series', b'linux isos', b'old games', b'books', b'photos',
             b'come say hi', b'sharing is caring', b'', b'no slots free sorry']
    for i in range(1, n + 1):
      nick = b'user%06d' % i
      cl, ver = rnd.choice(clients)
      mode = rnd.choice([b'A', b'A', b'P', b'5'])
      share = rnd.choice([0, rnd.randrange(1 << 20, 1 << 41), rnd.randrange(1 << 30, 1 << 43)])
      status = rnd.choice([1, 1, 3, 0x11, 0x31, 0x21, 9])
      desc = rnd.choice(words) + (b' ' + b'x' * rnd.randrange(0, 40) if rnd.random() < 0.5 else b'')
      mail = rnd.choice([b'', b'', b'someone%d@example.org' % i])
      if rnd.random() < 0.1:  # some short-form (tag-less) lines
        tag = b''
        slot = mode if mode == b'A' else b'P'
        active = mode == b'A'
      else:
        tag = b'<%s V:%s,M:%s,H:%d/%d/%d,S:%d%s>' % (
          cl, ver, mode, rnd.randrange(1, 9), rnd.randrange(0, 3), rnd.randrange(0, 3),
          rnd.randrange(1, 20), b',O:5' if rnd.random() < 0.3 else b'')
        slot = b' '
        active = mode == b'A'
      conn = rnd.choice(conns)
      line = b'$MyINFO $ALL %s %s%s$%s$%s%c$%s$%d$' % (nick, desc, tag, slot, conn, status, mail,
                                                        share)
      # lengths like real hubs' lists: 150..230 bytes (short forms shorter)
      want = rnd.randrange(150, 231) if tag else rnd.randrange(60, 120)
      if len(line) < want:
        desc += (b' ' + b'lorem ipsum dolor sit amet ' * 8)[:want - len(line)]
      line = b'$MyINFO $ALL %s %s%s$%s$%s%c$%s$%d$' % (nick, desc, tag, slot, conn, status, mail,
                                                        share)
      if self.px:
        st = (status & ~0x30) | 0x40
        long = b'$MyINFO $ALL %s %s%s$%s$%s%c$%s$%d$' % (nick, desc, tag, slot, conn, st, mail,
                                                          share)
        short = b'$MyINFO $ALL %s %s$%s$%s%c$%s$%d$' % (nick, desc, b'A' if active else b'P',
                                                         conn, st, mail, share)
      else:
        long = short = line
      self.fake.append(FakeUser(nick, long, short, active, share, status))
    for f in self.fake:
      self.users[f.nick] = f
    self.fake_blocks['nicks'] = b''.join(f.nick + b'$$' for f in self.fake)
    self.fake_blocks['short'] = b''.join(f.relay_short + b'|' for f in self.fake)
    self.fake_blocks['long'] = b''.join(f.relay_long + b'|' for f in self.fake)

  # --- relaying

  def relayed (self, u, to_op):
    """The $MyINFO of u as the hub sends it to a recipient (op or not)."""
    if self.px and not to_op:
      return u.relay_short
    return u.relay_long

  def real_users (self):
    return list(self.reals.values())

  def ops (self):
    return [b for b, _ in self.bots] + [u.nick for u in self.real_users() if u.op]

  def oplist (self):
    return b'$OpList ' + b''.join(n + b'$$' for n in self.ops())

  def list_block (self, to, nicklist, myinfos):
    """The user list for `to`: (lines, block). Without fake users everything is in lines; with
    them it is all in one pre-built block (the fake users' part was generated at start)."""
    lines = []
    block = b''
    if nicklist:
      nicks = [b for b, _ in self.bots] + [u.nick for u in self.real_users()]
      nl = b'$NickList ' + b''.join(n + b'$$' for n in nicks)
      if self.fake:
        block += nl + self.fake_blocks['nicks'] + b'|'
      else:
        lines.append(nl)
    if myinfos:
      mi = [line for _, line in self.bots] + [self.relayed(u, to.op) for u in self.real_users()]
      if self.fake:
        # the synthetic users count as logged in before every real one: the newcomer's own
        # $MyINFO (PtokaX lists users in login order) comes last, after the whole list
        block += self.fake_blocks['long' if (to.op or not self.px) else 'short']
        block += b''.join(l + b'|' for l in mi)
      else:
        lines += mi
    return lines, block

  def px_user_list (self, u):
    """PtokaX's AddUserList for u: the $NickList block (non-NoHello), the block of every $MyINFO
    (own included), the $OpList block; each compressed as `$ZOn|`+zlib for ZPipe clients when it
    is at least 100 bytes and compression makes it smaller (§1.2 step 5, §9). The bots' and fake
    users' part of a block is fixed, so its compressor state is kept and copied."""
    form = 'long' if u.op else 'short'
    reals = self.real_users()
    blocks = []
    if not u.sup(b'NoHello'):
      prefix = b'$NickList ' + b''.join(b + b'$$' for b, _ in self.bots)
      if self.fake:
        prefix += self.fake_blocks['nicks']
      blocks.append(('nicklist', prefix, b''.join(r.nick + b'$$' for r in reals) + b'|',
                     [prefix[:200] + (b'...' if self.fake else b'') +
                      b''.join(r.nick + b'$$' for r in reals)]))
    prefix = b''.join(line + b'|' for _, line in self.bots)
    if self.fake:
      prefix += self.fake_blocks[form]
    mi = [self.relayed(r, u.op) for r in reals]
    blocks.append(('myinfos-' + form, prefix, b''.join(l + b'|' for l in mi),
                   [line for _, line in self.bots] + mi))
    ol = self.oplist()
    blocks.append(('oplist', b'', ol + b'|', [ol]))
    for key, prefix, tail, shown in blocks:
      for l in shown:
        self.log('>>', u.who(), l)
      if self.fake and key != 'oplist':
        self.log('--', u.who(), b'(+ %d fake users in that block)' % len(self.fake))
      data = prefix + tail
      if u.zpipe and len(data) >= 100:
        c = self.zcache.get(key)
        if c is None or c[0] != prefix:
          z = zlib.compressobj(9)
          head = z.compress(prefix)
          c = self.zcache[key] = (prefix, z, head)
        z2 = c[1].copy()
        comp = c[2] + z2.compress(tail) + z2.flush()
        if 5 + len(comp) < len(data):
          self.log('--', u.who(), b'($ZOn: %d bytes as %d)' % (len(data), 5 + len(comp)))
          u.writer.write(b'$ZOn|' + comp)
          continue
      u.writer.write(data)

  def broadcast (self, line, skip=None, only=None):
    for u in list(self.real_users()):
      if u is skip or u.closed:
        continue
      if only is not None and not only(u):
        continue
      u.send(line)

  def gone (self, u):
    if self.pending.get(u.nick) is u:
      del self.pending[u.nick]
    if u.online and self.users.get(u.nick) is u:
      del self.users[u.nick]
      self.reals.pop(u.nick, None)
      u.online = False
      self.recent_logout[(u.nick, u.ip)] = time.monotonic()
      self.broadcast(b'$Quit ' + u.nick)

  # --- the connection loop

  async def serve (self, reader, writer):
    u = User(self, reader, writer)
    self.log('--', u.addr, b'connected')
    try:
      if self.px:
        await asyncio.sleep(1.0)  # a PtokaX timer tick before the lock
        lock = b'EXTENDEDPROTOCOL' + bytes(random.randrange(0x30, 0x7a) for _ in range(27)) + b'nix'
        u.lock = lock
        u.send(b'$Lock ' + lock + b' Pk=PtokaX')
        u.deadline = time.monotonic() + 20
      elif self.vh:
        lock = b'EXTENDEDPROTOCOL_NMDC_%s%04d' % (b'TLS_' if self.a.tls else b'',
                                                   random.randrange(10000))
        u.lock = lock
        u.send(b'$Lock ' + lock + b' Pk=Verlihub 1.7.0.0')
        u.deadline = time.monotonic() + 60
      else:
        u.lock = b'EXTENDEDPROTOCOL_burrow_test_hub'
        u.send(b'$Lock ' + u.lock + b' Pk=BurrowTestHub')
        u.deadline = None
      u.lock_sent = True
      buf = b''
      while not u.closed:
        limit = self.max_line if u.online else self.max_line_pre
        timeout = None
        if u.deadline is not None:
          timeout = max(0.0, u.deadline - time.monotonic())
        try:
          data = await asyncio.wait_for(reader.read(65536), timeout)
        except asyncio.TimeoutError:
          u.close('login timeout')
          break
        if not data:
          self.log('--', u.who(), b'EOF')
          break
        buf += data
        while b'|' in buf and not u.closed:
          line, buf = buf.split(b'|', 1)
          self.line(u, line)
        if len(buf) > limit and not u.closed:
          u.close('line too long')
        if not u.closed:
          await writer.drain()
    except (ConnectionError, OSError) as e:
      self.log('--', u.who(), ('connection error: %s' % e).encode())
    except Closed:
      pass
    except Exception as e:  # noqa: BLE001 — a hub bug must not take the hub down
      import traceback
      self.log('--', u.who(), ('HUB BUG, closing: %r' % e).encode())
      self.logf.write(traceback.format_exc())
    finally:
      if not u.closed:
        u.closed = True
        try:
          writer.close()
        except Exception:  # noqa: BLE001
          pass
        self.gone(u)

  def count (self, line):
    if line.startswith(b'<'):
      key = b'<chat>'
    elif line.startswith(b'$To:'):
      key = b'$To:'
    else:
      key = line.split(b' ', 1)[0]
    self.counts[key] = self.counts.get(key, 0) + 1

  def line (self, u, line):
    if not line:
      return  # bare '|' keep-alive
    self.log('<<', u.who(), line)
    self.count(line)
    limit = self.max_line if u.online else self.max_line_pre
    if len(line) > limit:
      return u.close('line too long')
    if self.px:
      line = line.replace(b'\0', b'0')
      if len(line) < 5:
        return u.close('line shorter than 5 bytes')
    cmd = line.split(b' ', 1)[0]
    if line.startswith(b'<'):
      cmd = b'<chat>'
    elif line.startswith(b'$To:'):
      cmd = b'$To:'
    h = getattr(self, 'c_' + cmd.decode('latin-1').lstrip('$').replace(':', '').replace('<', '')
                .replace('>', ''), None) if cmd.startswith(b'$') or cmd == b'<chat>' else None
    if h is None:
      if self.px:
        return u.close('unknown command')
      if self.vh and self.flood(u, 'unknown', 10, 30):
        return
      return
    h(u, line)

  def flood (self, u, what, count, seconds, action=None):
    """True when u exceeded what's limit; the profile's action is applied (§1.7)."""
    if self.lenient:
      return False
    r = u.rates.get(what)
    if r is None:
      r = u.rates[what] = Rate(count, seconds)
    if not r.hit(time.monotonic()):
      return False
    action = action or ('tempban' if self.vh else 'drop')
    self.log('--', u.who(), ('flood %s: %s' % (what, action)).encode())
    if action == 'tempban':
      self.nick_bans[u.nick] = (time.monotonic() + 1800, b'Flood')
      u.send(self.bot_chat(b'You are being kicked because: flooding (' + what.encode() + b')'))
      u.close('flood')
    elif action == 'close':
      u.close('flood ' + what)
    elif action == 'warn':
      u.warns += 1
      if u.warns >= 6:  # PtokaX: the 6th warning disconnects (§1.7)
        u.close('flood ' + what + ' (6 warnings)')
    return True

  # --- login

  def c_Supports (self, u, line):
    if u.supports is not None or u.validated or (self.px and u.got_key):
      if self.px:
        return u.close('$Supports twice or after $Key')
      return
    if self.px and len(line) + 1 < 13:
      return u.close('$Supports too short')
    u.quack = line.endswith(b' ')
    u.supports = [w for w in line.split(b' ')[1:] if w]
    u.zpipe = self.px and (b'ZPipe0' in u.supports or b'ZPipe' in u.supports)
    if self.vh:
      if len(line) > 512:
        return u.close('$Supports too long')
      known = [b'OpPlus', b'NoHello', b'NoGetINFO', b'ZPipe0', b'ChatOnly', b'MCTo', b'BotList',
               b'HubTopic', b'UserIP2', b'TTHSearch', b'TTHS', b'TLS', b'FailOver', b'NickRule',
               b'SearchRule', b'HubURL', b'ExtJSON2']
      echo = []
      for w in u.supports:
        if w in known:
          echo.append(w)
        elif w == b'BotINFO':
          echo.append(b'HubINFO')
      u.send(b'$Supports ' + b''.join(w + b' ' for w in echo))
    elif self.lenient:
      u.send(b'$Supports ' + b' '.join(u.supports))
    # PtokaX answers with the $Hello to $ValidateNick (§1.2 step 3)

  def ptokax_supports_echo (self, u):
    s = u.supports
    echo = []
    if b'ZPipe0' in s:
      echo.append(b'ZPipe0')
    elif b'ZPipe' in s:
      echo.append(b'ZPipe')
    if b'QuickList' in s:
      echo.append(b'QuickList')
    elif b'NoHello' in s:
      echo.append(b'NoHello')
    elif b'NoGetINFO' in s:
      echo.append(b'NoGetINFO')
    for w in (b'IP64', b'UserCommand'):  # IPv4: echoed only to IPv6-connected clients
      if w in s:
        echo.append(w)
    if b'UserIP2' in s and not u.quack:
      echo.append(b'UserIP2')
    if b'TLS2' in s:
      echo.append(b'TLS2')
    if b'BotINFO' in s:
      echo += [b'BotINFO', b'HubINFO']
    return b'$Supports ' + b' '.join(echo)

  def c_Key (self, u, line):
    if u.got_key or u.validated:
      if self.px:
        return u.close('$Key twice or late')
      return
    u.got_key = True
    if self.px and u.supports is None:
      if line[5:] != lock_to_key(u.lock):
        return u.close('wrong $Key')

  def nick_ok (self, nick):
    if self.px:
      return 2 <= len(nick) <= 64 and not any(c in b' $|' or c < 32 for c in nick)
    if self.vh:
      return 1 <= len(nick) <= 64 and not any(c in b' $|<>\r\n' for c in nick)
    return 1 <= len(nick) and not any(c in b' $|' for c in nick)

  def c_ValidateNick (self, u, line):
    if u.validated or u.nick is not None or (self.px and not u.got_key):
      if self.px:
        return u.close('$ValidateNick out of order')
      return
    nick = line[len(b'$ValidateNick '):]
    now = time.monotonic()
    if self.px and u.supports is not None:
      u.send(self.ptokax_supports_echo(u))
    if not self.nick_ok(nick):
      u.send(b'$ValidateDenide ' + nick)
      return u.close('bad nick')
    if nick in self.users or nick in self.pending or nick in (b for b, _ in self.bots):
      u.send(b'$ValidateDenide ' + nick)
      return u.close('nick taken')
    u.nick = nick
    if self.vh:
      ban = self.nick_bans.get(nick)
      if ban and ban[0] > now:
        u.send(self.bot_chat(b'You are banned for %d seconds. Reason: %s'
                             % (int(ban[0] - now) + 1, ban[1])))
        return u.close('nick temp-banned')
      ipban = self.ip_bans.get(u.ip)
      if ipban and ipban > now:
        u.send(self.bot_chat(b'You are banned for %d seconds. Reason: wrong password'
                             % (int(ipban - now) + 1)))
        return u.close('ip temp-banned')
    if self.px and self.reconnect:
      t = self.recent_logout.get((nick, u.ip))
      if t is not None and now - t < self.reconnect:
        u.send(self.bot_chat(b'Please wait %d seconds before reconnecting.'
                             % (int(self.reconnect - (now - t)) + 1)))
        return u.close('reconnecting too fast')
    if self.a.max_users is not None and nick not in self.regs \
       and len(self.users) >= self.a.max_users:
      if self.px:
        u.send(b'$HubIsFull')
        u.send(self.bot_chat(b'This hub is full. Please try again later.'))
      else:
        u.send(self.bot_chat(b'User limit exceeded, hub is full.'))
        u.send(b'$HubIsFull')
      return u.close('hub is full')
    self.pending[nick] = u
    u.validated = True
    if self.vh:
      u.deadline = now + 40
      u.send(b'$HubName ' + self.name)
    elif self.px:
      u.deadline = now + 300
    else:
      u.deadline = None
      u.send(b'$HubName ' + self.name)
    if nick in self.regs:
      u.registered = True
      u.pass_wait = True
      u.send(b'$GetPass')
    else:
      u.send(b'$Hello ' + nick)

  def c_MyPass (self, u, line):
    if not u.pass_wait:
      if self.px:
        return u.close('$MyPass out of state')
      return
    pw, op = self.regs[u.nick]
    if line[len(b'$MyPass '):] != pw:
      if self.px:
        u.send(b'$BadPass')
        u.send(self.bot_chat(b'Incorrect password!'))
      else:
        if self.vh:
          u.send(self.bot_chat(b'You provided an incorrect password and have been temporarily '
                               b'banned.'))
          self.ip_bans[u.ip] = time.monotonic() + (60 if self.real else 1)
        u.send(b'$BadPass')
      return u.close('bad password')
    u.pass_wait = False
    u.op = op
    u.send(b'$Hello ' + u.nick)
    if op:
      u.send(b'$LogedIn ' + u.nick)

  def c_Version (self, u, line):
    if u.online or u.got_version:
      if self.px:
        return u.close('$Version after login')
      return
    if self.vh and len(line) > 64:
      return u.close('$Version too long')
    u.got_version = True

  def c_GetNickList (self, u, line):
    if self.px:
      if not u.validated:
        return u.close('$GetNickList before $ValidateNick')
      if self.flood(u, 'getnicklist', 1, 120, 'close'):
        return
      if not u.online or time.monotonic() - u.login_time < 1.0:
        # before login, or within the login's timer tick: the login burst holds the list
        return
      return self.send_list(u)  # later: the whole list again
    if self.vh and self.flood(u, 'getnicklist', 3, 60):
      return
    u.want_list = True
    if u.online:
      self.send_list(u)

  def send_list (self, u):
    u.list_sent = True
    if self.px:
      return self.px_user_list(u)
    if self.vh:
      if u.sup(b'NoHello'):
        lines, block = self.list_block(u, False, True)
      elif u.sup(b'NoGetINFO'):
        lines, block = self.list_block(u, True, True)
      else:
        lines, block = self.list_block(u, True, False)
      lines.append(self.oplist())
      if u.sup(b'BotList'):
        lines.append(b'$BotList ' + b''.join(b + b'$$' for b, _ in self.bots))
    else:
      lines, block = self.list_block(u, not u.sup(b'NoHello'), True)
      lines.append(self.oplist())
    if block:
      # the pre-built block first (lines then only holds $OpList/$BotList)
      u.send_lines([], block, '(list block: %d bytes, %d fake users)' % (len(block), len(self.fake)))
    u.send_lines(lines)

  def c_MyINFO (self, u, line):
    if not u.validated or u.pass_wait or u.nick is None:
      if self.px:
        return u.close('$MyINFO before login')
      return
    if len(line) > self.myinfo_cap:
      return u.close('$MyINFO too long')
    info = Info(line, u.nick)
    if not info.ok_head:
      return u.close('$MyINFO for another nick')
    if self.px:
      if not info.ok or not info.mode_ok or not info.conn_all:
        return u.close('malformed $MyINFO')
      if not info.share_digits:
        return u.close('share not numeric')
      if info.tag is not None and b'H' in info.fields:
        s = info.hubs_sum()
        if not s:
          u.send(self.bot_chat(b'Your MyINFO contains a fake tag. Closing.'))
          return u.close('fake tag')
      if self.flood(u, 'myinfo-30', 30, 900, 'close'):
        return
      if self.flood(u, 'myinfo-6', 6, 60, 'warn'):
        u.send(self.bot_chat(b'Please don\'t flood with MyINFO!'))
        if u.closed:
          return
    elif self.vh:
      if not info.ok:
        return u.close('malformed $MyINFO')
      if not u.online and not (u.supports is not None and u.got_key and u.got_version):
        return u.close('$MyINFO before $Supports, $Key and $Version')
      if info.tag is not None and (b'H' not in info.fields or b'S' not in info.fields):
        return u.close('tag without H: or S:')
      if self.flood(u, 'myinfo', 20, 60):
        return
    if u.info is not None and u.info.raw == line:
      return  # identical: ignored
    u.info = info
    if info.active is not None:
      u.active = info.active
    elif self.vh:
      u.active = False
    # the relayed forms
    if self.px:
      st = bytes([(info.status & ~0x30) | 0x40])
      conn = info.conn + st
      u.relay_long = b'$MyINFO $ALL %s %s$%s$%s$%s$%s$' % (u.nick, info.desc_all, info.mode_field,
                                                           conn, info.mail, info.share_s)
      if u.active is None:
        slot = info.mode_field
      else:
        slot = b'A' if u.active else (info.fields.get(b'M', b'P')[:1] or b'P')
      u.relay_short = b'$MyINFO $ALL %s %s$%s$%s$%s$%s$' % (u.nick, info.desc, slot, conn,
                                                            info.mail, info.share_s)
    elif self.vh:
      st = bytes([info.status]) if info.status is not None else b''
      u.relay_long = u.relay_short = b'$MyINFO $ALL %s %s$ $%s%s$%s$%s$' % (
        u.nick, info.desc_all, info.conn, st, info.mail, info.share_s)
    else:
      u.relay_long = u.relay_short = line
    if not u.online:
      return self.login(u)
    # a change: rebroadcast windows (§1.4)
    now = time.monotonic()
    if self.px:
      self.broadcast(u.relay_long, only=lambda o: o.op)
      if now - u.last_broadcast >= self.myinfo_window:
        u.last_broadcast = now
        self.broadcast(u.relay_short, only=lambda o: not o.op)
      else:
        self.log('--', u.who(), b'MyINFO change not relayed to normal users (window)')
    elif self.vh:
      if now - u.last_broadcast >= self.myinfo_window:
        u.last_broadcast = now
        self.broadcast(u.relay_long)
      else:
        self.log('--', u.who(), b'MyINFO change dropped (60 s window)')
    else:
      self.broadcast(u.relay_long)

  def login (self, u):
    now = time.monotonic()
    if self.pending.get(u.nick) is u:
      del self.pending[u.nick]
    if u.nick in self.users:
      u.send(b'$ValidateDenide ' + u.nick)
      return u.close('nick taken')
    u.online = True
    u.deadline = None
    u.last_broadcast = now
    u.login_time = now
    self.users[u.nick] = u
    self.reals[u.nick] = u
    if self.vh and self.reconnect:
      self.nick_bans[u.nick] = (now + self.reconnect, b'Reconnecting too fast')
    if self.px:
      hn = b'$HubName ' + self.name + (b' - ' + self.topic if self.topic else b'')
      u.send_lines([hn, self.bot_chat(b'This hub is running PtokaX DC Hub 0.5.2.2 (UpTime: '
                                      b'0 days, 0 hours, %d minutes)' % int((now - self.t0) / 60))])
      # the others: $Hello (non-NoHello), the $MyINFO, $OpList if op, $UserIP to ops
      for o in self.real_users():
        if o is u:
          continue
        ls = []
        if not o.sup(b'NoHello'):
          ls.append(b'$Hello ' + u.nick)
        ls.append(self.relayed(u, o.op))
        if u.op:
          ls.append(self.oplist())
        if o.op:
          ls.append(b'$UserIP ' + u.nick + b' ' + u.ip)
        o.send_lines(ls)
      # the newcomer's burst: $NickList, all $MyINFOs incl. own, $OpList, own $UserIP, MOTD
      u.list_sent = True
      self.px_user_list(u)
      tail = []
      if u.sup(b'UserIP2') and not u.quack:
        tail.append(b'$UserIP ' + u.nick + b' ' + u.ip)
      if self.motd:
        tail.append(self.bot_chat(self.motd))
      u.send_lines(tail)
    elif self.vh:
      if self.topic:
        u.send(b'$HubName ' + self.name + b' - ' + self.topic)
      self.broadcast(u.relay_long, skip=u)
      if u.op:
        self.broadcast(self.oplist())
      self.broadcast(b'$UserIP ' + u.nick + b' ' + u.ip + b'$$', skip=u, only=lambda o: o.op)
      if self.topic and u.sup(b'HubTopic'):
        u.send(b'$HubTopic ' + self.topic)
      if u.want_list:
        self.send_list(u)
      if self.motd:
        u.send(self.bot_chat(self.motd))
    else:
      self.broadcast(b'$Hello ' + u.nick, skip=u, only=lambda o: not o.sup(b'NoHello'))
      self.broadcast(u.relay_long, skip=u)
      self.send_list(u)
      if u.sup(b'UserIP2'):
        u.send(b'$UserIP ' + u.nick + b' ' + u.ip + b'$$')
      if self.motd:
        u.send(self.bot_chat(self.motd))

  def c_GetINFO (self, u, line):
    if not u.online:
      if self.px:
        return u.close('$GetINFO before login')
      return
    if self.px and (u.sup(b'NoHello') or u.sup(b'NoGetINFO')):
      return u.close('$GetINFO from a NoHello/NoGetINFO client')
    parts = line.split(b' ')
    if len(parts) < 2:
      return
    t = self.users.get(parts[1])
    if t is not None:
      u.send(self.relayed(t, u.op))

  def c_BotINFO (self, u, line):
    port = str(self.port).encode()
    u.send(b'$HubINFO %s$127.0.0.1:%s$%s$%d$0$0$0$%s$$' % (
      self.name, port, self.topic, self.a.max_users or 0,
      b'PtokaX 0.5.2.2' if self.px else b'Verlihub 1.7.0.0' if self.vh else b'BurrowTestHub'))

  # --- after login

  def need_online (self, u, what):
    if not u.online:
      if self.px:
        u.close(what + ' before login')
      return False
    return True

  def c_chat (self, u, line):
    if not self.need_online(u, 'chat'):
      return
    if not line.startswith(b'<' + u.nick + b'> '):
      return u.close('chat with another nick')
    if self.px:
      if len(line) > 300 + len(u.nick) + 3 or line.count(b'\n') >= 5:
        return u.send(self.bot_chat(b'Your message is too long.'))
    elif self.vh:
      if len(line) > 256 + len(u.nick) + 3 or line.count(b'\n') >= 5:
        return u.send(self.bot_chat(b'Your message is too long.'))
      if self.flood(u, 'chat', 5, 10):
        return
    self.broadcast(line)

  def c_To (self, u, line):
    if not self.need_online(u, '$To:'):
      return
    # $To: <target> From: <me> $<<me>> text
    try:
      rest = line[len(b'$To: '):]
      target, rest = rest.split(b' From: ', 1)
      frm, rest = rest.split(b' $', 1)
    except ValueError:
      if self.px:
        return u.close('malformed $To:')
      return
    if frm != u.nick or not rest.startswith(b'<' + u.nick + b'> '):
      if self.px or self.vh:
        return u.close('$To: with another nick')
    if self.px:
      if len(rest) > 512 + len(u.nick) + 3:
        return
      if self.flood(u, 'pm', 10, 10, 'warn'):
        u.send(self.bot_chat(b'Please don\'t flood with private messages!'))
        if u.closed:
          return
    elif self.vh and self.flood(u, 'pm', 5, 10):
      return
    t = self.users.get(target)
    if t is None or t.is_fake:
      return
    t.send(line)

  def rewrite_ip (self, u, addr):
    """ip:port… → (real ip):port…; returns (new, changed)."""
    i = addr.rfind(b':')
    if i < 0:
      return addr, False
    ip = addr[:i]
    return u.ip + addr[i:], ip != u.ip

  def c_ConnectToMe (self, u, line):
    if not self.need_online(u, '$ConnectToMe'):
      return
    parts = line.split(b' ')
    if len(parts) < 3:
      if self.px:
        return u.close('malformed $ConnectToMe')
      return
    target, addr = parts[1], parts[2]
    sender_nick = parts[3] if len(parts) > 3 else None
    t = self.users.get(target)
    if self.px:
      if len(line) > 128:
        return u.close('$ConnectToMe too long')
      if self.flood(u, 'ctm', 500, 60, 'drop'):
        return
      if t is None or t is u or t.is_fake:
        return
      # port: the digits after the last ':' within the last 6 chars; only 'S' (with TLS2) allowed
      i = addr.rfind(b':')
      port = addr[i + 1:] if i >= 0 else b''
      tls = False
      if port.endswith(b'S') and u.sup(b'TLS2'):
        port, tls = port[:-1], True
      if not port.isdigit() or not (0 < int(port) < 65536) or len(addr) - i - 1 > 6 \
         or sender_nick is not None:
        u.send(self.bot_chat(b'Invalid port in $ConnectToMe: ' + addr))
        return u.close('bad $ConnectToMe port')
      u.active = True
      real = b'%s:%s%s' % (u.ip, port, b'S' if tls else b'')
      if addr[:i] != u.ip:
        u.send(self.bot_chat(b'Your $ConnectToMe had a wrong IP address, corrected.'))
      return t.send(b'$ConnectToMe ' + target + b' ' + real)
    if self.vh:
      if len(line) > 256:
        return
      if self.flood(u, 'ctm', 300, 10):
        return
      if t is None or t is u or t.is_fake:
        return
      i = addr.rfind(b':')
      if i < 0:
        return
      port = addr[i + 1:]
      suffix = b''
      while port and not port[-1:].isdigit():
        suffix = port[-1:] + suffix
        port = port[:-1]
      if suffix not in (b'', b'S', b'N', b'NS', b'R', b'RS') or not port.isdigit():
        return
      if suffix.startswith(b'N'):
        if sender_nick != u.nick:
          return u.close('$ConnectToMe N with another nick')
      nat = (u.status() & 0x20) and (t.status() & 0x20)
      if suffix[:1] in (b'N', b'R') and not nat:
        suffix = suffix[1:]
        sender_nick = None
      if suffix.endswith(b'S'):
        if not (u.sup(b'TLS') and t.sup(b'TLS') and (u.status() & 0x10) and (t.status() & 0x10)):
          self.log('--', u.who(), b'S $ConnectToMe dropped (TLS not on both sides)')
          return
      out = b'$ConnectToMe ' + target + b' ' + u.ip + b':' + port + suffix
      if suffix.startswith(b'N'):
        out += b' ' + u.nick
      return t.send(out)
    if t is not None and not t.is_fake:
      t.send(line)

  def c_MultiConnectToMe (self, u, line):
    if self.px:
      return self.c_ConnectToMe(u, b'$ConnectToMe ' + line.split(b' ', 1)[1] if b' ' in line
                                else line)

  def c_RevConnectToMe (self, u, line):
    if not self.need_online(u, '$RevConnectToMe'):
      return
    parts = line.split(b' ')
    if len(parts) != 3:
      if self.px:
        return u.close('malformed $RevConnectToMe')
      return
    if parts[1] != u.nick:
      if self.px or self.vh:
        return u.close('$RevConnectToMe from another nick')
    t = self.users.get(parts[2])
    if self.px:
      if len(line) > 160:
        return u.close('$RevConnectToMe too long')
      if self.flood(u, 'rcm-600', 2500, 600, 'close'):
        return
      if self.flood(u, 'rcm', 250, 60, 'drop'):
        return
      u.active = False
    elif self.vh:
      if self.flood(u, 'rcm', 300, 10):
        return
      if t is not None and not u.active and not t.active and \
         (self.refuse_passive or not ((u.status() & 0x20) and (t.status() & 0x20))):
        return u.send(self.bot_chat(b'You can\'t download from this user, because he is also in '
                                    b'passive mode: ' + t.nick))
    if t is None or t is u or t.is_fake:
      return
    t.send(line)

  # --- search

  def c_Search (self, u, line, tth_from=None):
    if not self.need_online(u, '$Search'):
      return
    try:
      _, who, pattern = line.split(b' ', 2)
    except ValueError:
      if self.px:
        return u.close('malformed $Search')
      return
    passive = who.startswith(b'Hub:')
    if passive:
      if who[4:] != u.nick:
        return u.close('$Search Hub: with another nick') if not self.lenient else None
    now = time.monotonic()
    tth = None
    p = pattern.split(b'?')
    if len(p) == 5 and p[3] == b'9' and p[4].startswith(b'TTH:'):
      tth = p[4][4:]
    if self.px:
      if passive:
        u.active = False
      if not (1 <= len(p[-1]) <= 96):
        return
      if self.flood(u, 'search-300', 31, 300, 'close'):
        return
      if self.real:
        if self.flood(u, 'search-60', 5, 60, 'drop') or self.flood(u, 'search-10', 2, 10, 'drop'):
          return
        if u.last_search == pattern and now - u.last_search_time < 60:
          self.log('--', u.who(), b'same search within 60 s dropped')
          return
      if not passive:
        who, _ = self.rewrite_ip(u, who)
    elif self.vh:
      if len(line) > 256:
        return
      if tth is None and len(p[-1].replace(b'$', b'')) < 4:
        return
      if u.last_search == pattern:
        self.log('--', u.who(), b'identical consecutive search dropped')
        return
      if self.real:
        gap = 48 if passive else 32
        if u.last_search_time and now - u.last_search_time < gap:
          u.send(self.bot_chat(b'Please wait %d seconds before next search.'
                               % (int(gap - (now - u.last_search_time)) + 1)))
          return
      if self.flood(u, 'search', 30, 60):
        return
      if not passive:
        who, _ = self.rewrite_ip(u, who)
    u.last_search, u.last_search_time = pattern, now
    if passive:
      u.sr_budget = 100 if self.px else 25 if self.vh else 1 << 30
    out = b'$Search ' + who + b' ' + pattern
    for o in list(self.real_users()):
      # PtokaX's global search queue has no sender: a seeker that qualifies gets its own search
      if (o is u and not self.px) or o.closed:
        continue
      if not self.lenient:
        if o.share() <= 0:
          continue
        if passive:
          if self.px and not o.active:
            continue
          if self.vh and not o.active and not ((u.status() & 0x20) and (o.status() & 0x20)):
            continue
        if self.vh:
          if o.sup(b'ChatOnly'):
            continue
          if tth is not None and not o.sup(b'TTHSearch'):
            continue
      if self.vh and tth is not None and o.sup(b'TTHS'):
        o.send((b'$SP ' + tth + b' ' + u.nick) if passive else (b'$SA ' + tth + b' ' + who))
      else:
        o.send(out)

  def c_SA (self, u, line):
    if not self.vh or not u.sup(b'TTHS'):
      return u.close('$SA from a client without TTHS') if not self.lenient else None
    parts = line.split(b' ')
    if len(parts) == 3:
      self.c_Search(u, b'$Search ' + parts[2] + b' F?T?0?9?TTH:' + parts[1])

  def c_SP (self, u, line):
    if not self.vh or not u.sup(b'TTHS'):
      return u.close('$SP from a client without TTHS') if not self.lenient else None
    parts = line.split(b' ')
    if len(parts) == 3:
      self.c_Search(u, b'$Search Hub:' + parts[2] + b' F?T?0?9?TTH:' + parts[1])

  def c_SR (self, u, line):
    if not self.need_online(u, '$SR'):
      return
    parts = line.split(b' ', 2)
    if len(parts) < 3 or parts[1] != u.nick:
      if self.px:
        return u.close('$SR from another nick')
      if self.vh:
        return u.close('$SR from another nick')
    if self.px and len(line) > 1024:
      return
    if self.vh and self.flood(u, 'sr', 500, 30):
      return
    i = line.rfind(b'\x05')
    if i < 0:
      return
    t = self.users.get(line[i + 1:])
    if t is None or t.is_fake:
      return
    if not self.lenient:
      if t.sr_budget <= 0:
        return
      t.sr_budget -= 1
    t.send(line[:i])

  # --- operators

  def c_Kick (self, u, line):
    if not self.need_online(u, '$Kick'):
      return
    if not u.op:
      return u.close('$Kick from a non-op') if self.px else None
    self.kick(line.split(b' ', 1)[1] if b' ' in line else b'', b'', by=u.nick)

  def c_OpForceMove (self, u, line):
    if not self.need_online(u, '$OpForceMove'):
      return
    if not u.op:
      return u.close('$OpForceMove from a non-op') if self.px else None
    try:
      _, rest = line.split(b'$Who:', 1)
      who, rest = rest.split(b'$Where:', 1)
      where, msg = rest.split(b'$Msg:', 1)
    except ValueError:
      return
    self.redirect(who, where, msg)

  def c_Close (self, u, line):
    if not self.need_online(u, '$Close'):
      return
    if not u.op:
      return u.close('$Close from a non-op') if self.px else None
    t = self.users.get(line.split(b' ', 1)[1] if b' ' in line else b'')
    if t is not None and not t.is_fake:
      t.close('closed by op')

  def kick (self, nick, reason, by=None):
    t = self.users.get(nick)
    if t is None or t.is_fake:
      return False
    if self.px:
      t.send(self.bot_chat(b'You were kicked' + (b' because: ' + reason if reason else b'.')))
    else:
      t.send(self.bot_chat(b'You are being kicked because: ' + (reason or b'no reason')))
    t.close('kicked')
    return True

  def redirect (self, nick, where, msg):
    t = self.users.get(nick)
    if t is None or t.is_fake:
      return False
    if msg:
      t.send(self.bot_chat(msg))
    t.send(b'$ForceMove ' + where)
    t.close('redirected')
    return True

  # --- control (stdin)

  def control (self, text):
    words = text.split(' ', 1)
    cmd, arg = words[0], (words[1] if len(words) > 1 else '')
    if cmd == 'say':
      self.broadcast(self.bot_chat(self.text(arg)))
      return 'OK'
    if cmd == 'pm':
      nick, _, msg = arg.partition(' ')
      t = self.users.get(self.text(nick))
      if t is None or t.is_fake:
        return 'ERR no such user'
      t.send(b'$To: ' + t.nick + b' From: ' + self.bot + b' $<' + self.bot + b'> ' + self.text(msg))
      return 'OK'
    if cmd == 'kick':
      nick, _, reason = arg.partition(' ')
      return 'OK' if self.kick(self.text(nick), self.text(reason)) else 'ERR no such user'
    if cmd == 'redirect':
      parts = arg.split(' ', 2)
      if len(parts) < 2:
        return 'ERR redirect NICK ADDRESS [MSG]'
      ok = self.redirect(self.text(parts[0]), self.text(parts[1]),
                         self.text(parts[2]) if len(parts) > 2 else b'')
      return 'OK' if ok else 'ERR no such user'
    if cmd == 'drop':
      t = self.users.get(self.text(arg)) or self.pending.get(self.text(arg))
      if t is None or t.is_fake:
        return 'ERR no such user'
      t.abort()
      return 'OK'
    if cmd == 'users':
      return 'OK ' + ' '.join(u.nick.decode(self.cs, errors='replace') for u in self.real_users())
    if cmd == 'myinfo':
      t = self.users.get(self.text(arg))
      if t is None:
        return 'ERR no such user'
      return 'OK ' + esc(self.relayed(t, False))
    if cmd == 'count':
      return 'OK %d' % self.counts.get(arg.encode('latin-1', errors='replace'), 0)
    if cmd == 'refuse-passive':
      self.refuse_passive = arg == 'on'
      return 'OK'
    if cmd == 'quit':
      return 'OK'
    return 'ERR unknown command'


def read_stdin (loop, q):
  for raw in sys.stdin.buffer:
    loop.call_soon_threadsafe(q.put_nowait, raw.decode('utf-8', errors='replace').rstrip('\r\n'))
  loop.call_soon_threadsafe(q.put_nowait, None)


async def main_async (args):
  hub = Hub(args)
  ctx = None
  if args.tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls[0], args.tls[1])
  server = await asyncio.start_server(hub.serve, args.host, args.port, ssl=ctx, limit=1 << 20)
  hub.port = server.sockets[0].getsockname()[1]
  hub.log('--', 'hub', ('listening on %s:%d, profile %s, preset %s%s' % (
    args.host, hub.port, args.profile, args.preset, ', TLS' if ctx else '')).encode())
  sys.stdout.write('READY %d\n' % hub.port)
  sys.stdout.flush()
  loop = asyncio.get_running_loop()
  q = asyncio.Queue()
  threading.Thread(target=read_stdin, args=(loop, q), daemon=True).start()
  while True:
    cmd = await q.get()
    if cmd is None or cmd.strip() == 'quit':
      if cmd is not None:
        sys.stdout.write('OK\n')
        sys.stdout.flush()
      break
    if not cmd.strip():
      continue
    try:
      ans = hub.control(cmd.strip())
    except Exception as e:  # noqa: BLE001
      ans = 'ERR %s' % e
    hub.logf.write('%10.3f -- control %s -> %s\n' % (time.monotonic() - hub.t0, cmd.strip(), ans))
    sys.stdout.write(ans + '\n')
    sys.stdout.flush()
  server.close()
  for u in list(hub.real_users()) + list(hub.pending.values()):
    try:
      u.writer.close()
    except Exception:  # noqa: BLE001
      pass
  hub.log('--', 'hub', b'quit')


def main ():
  ap = argparse.ArgumentParser(description='NMDC test hub (PtokaX/Verlihub profiles)')
  ap.add_argument('--port', type=int, required=True, help='0 = pick a free port')
  ap.add_argument('--host', default='127.0.0.1')
  ap.add_argument('--profile', choices=PROFILES, required=True)
  ap.add_argument('--preset', choices=('real', 'tests'), default='real')
  ap.add_argument('--charset', default='cp1252')
  ap.add_argument('--name', default='Burrow test hub')
  ap.add_argument('--topic', default='')
  ap.add_argument('--register', action='append', metavar='NICK:PASS[:op]')
  ap.add_argument('--max-users', type=int)
  ap.add_argument('--fake-users', type=int, default=0)
  ap.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
  ap.add_argument('--log')
  ap.add_argument('--motd', default='')
  args = ap.parse_args()
  sys.stdout.reconfigure(encoding='utf-8')
  try:
    ''.encode(args.charset)
  except LookupError:
    ap.error('unknown charset %s' % args.charset)
  try:
    asyncio.run(main_async(args))
  except KeyboardInterrupt:
    pass
  # the stdin reader thread may sit in a read(): leave without the interpreter's shutdown (which
  # would wait for stdin's lock)
  sys.stdout.flush()
  sys.stderr.flush()
  os._exit(0)


if __name__ == '__main__':
  main()
