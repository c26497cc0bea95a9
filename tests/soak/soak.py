#!/usr/bin/python3
# soak.py — one Burrow serving a 20,000-file share to 200 simulated peers for 10 minutes
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Loopback only, bounded, stops by itself. A real uhub on 127.0.0.1 (generated config: room for
# the peers, flood control off, larger send buffers); `burrow-cli serve --share --mode active
# --json` (G_DEBUG=fatal-criticals: a GLib critical aborts it); PEERS simulated ADC peers in one
# asyncio process, each logged into the hub with its own PID/CID (made by soak-ids, which uses the
# core's own Tiger code, since uhub checks CID = Tiger(PID)). Each peer loops until the end of
# the run over weighted actions:
#   browse   RCM -> Burrow's CTM -> connect (plain, or ADCS for every TLS_EVERY-th peer), SUP/INF;
#            every ACTIVE_EVERY-th peer is active and mostly sends CTM instead (Burrow connects to
#            it); then GET file files.xml.bz2, GET list /dir/ (some RE1, some ZL1)
#   download GET file TTH/… (whole small files, ranges of medium ones, sometimes a MiB file that
#            needs a slot), GET tthl; every byte compared with the file on disk
#   search   FSCH +TCP4 (only active users, i.e. Burrow) by keyword or TTH; DRES counted
#   idle     connect and say nothing / send only CSUP / finish the handshake and say nothing;
#            held until Burrow hangs up or HOLD_MAX_S
#   stall    GET a MiB file with a tiny receive buffer and stop reading; held 15-45 s
#   abrupt   RST (SO_LINGER 0) mid-transfer, mid-handshake, right after connect; a CINF with a
#            token Burrow never handed out; garbage; an RCM whose CTM is never followed up
# Refusals are expected behaviour and counted, not failures: STA 153 (slots full), an RCM without
# CTM (Burrow's caps on pending requests), a connection Burrow closes before or after the
# handshake (inbound caps, deadlines, per-CID caps), a search without results (rate limits).
# Failures: wrong bytes, Burrow dead or leaving the hub, a GLib critical, an ASan/UBSan report,
# exit status != 0 on SIGTERM, fd count not back to baseline (+FD_TOLERANCE), RSS not back within
# RSS_TOLERANCE_MIB of the warm baseline (plain builds; ASan's quarantine makes RSS meaningless,
# LeakSanitizer checks there), a lost upload slot (after the run, SL fresh peers must each get a
# slot for a MiB file and one more must get STA 153), or no request of a kind served at all.
#
# Usage: soak.py --cli BURROW_CLI --ids SOAK_IDS [--keep]
# Env: BURROW_SOAK_SECONDS (600), BURROW_SOAK_PEERS (200), BURROW_SOAK_FILES (20000),
#      BURROW_SOAK_DIR (temp dir parent), BURROW_SOAK_SEED, BURROW_SOAK_ACTIONS (diagnosis only:
#      a comma-separated subset of browse,download,search,idle,stall,abrupt),
#      BURROW_SOAK_TLS_EVERY (10: every 10th peer uses ADCS; 0: none).
# Exit: 0 pass, 1 fail, 77 when uhub is missing.

import argparse
import asyncio
import bz2
import collections
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
import zlib

SECONDS = int(os.environ.get('BURROW_SOAK_SECONDS', '600'))
PEERS = int(os.environ.get('BURROW_SOAK_PEERS', '200'))
FILES = int(os.environ.get('BURROW_SOAK_FILES', '20000'))
SEED = int(os.environ.get('BURROW_SOAK_SEED', '20261207'))
# for diagnosis only: a comma-separated subset of the peer actions (default: all)
ONLY_ACTIONS = [a for a in os.environ.get('BURROW_SOAK_ACTIONS', '').split(',') if a]

# need a slot; stalls and the slot probe use those >= 8 MiB, more than loopback socket buffers
# (tcp_wmem max 4 MiB) can swallow, so a reader that stops really holds the slot
BIG_FILES = [1 << 20, 2 << 20, 4 << 20, 8 << 20, 12 << 20, 16 << 20]
HOLD_FILE_MIN = 8 << 20
FILES_PER_DIR = 100
ACTIVE_EVERY = 4           # peers 1, 5, 9, ... are active: some connections via DCTM (Burrow connects)
TLS_EVERY = int(os.environ.get('BURROW_SOAK_TLS_EVERY', '10'))  # every 10th peer: ADCS/0.10
OP_TIMEOUT_S = 30          # any single network wait
CTM_TIMEOUT_S = 20         # Burrow's CTM after our RCM (its own request timeout is 15 s)
HOLD_MAX_S = 45            # idle connections are held at most this long
STALL_MIN_S, STALL_MAX_S = 15, 45
LOGIN_SPREAD_S = 15        # peers log in over this many seconds
SAMPLE_S = 2.0             # RSS/fd sampling period
SETTLE_DEADLINE_S = 150    # after the peers left: fd count back (Burrow's own deadlines are <= 30 s)
SETTLE_STABLE_S = 5        # ... and unchanged for this long
FD_TOLERANCE = 4
# glibc keeps freed memory in its arenas (one per worker thread, up to 8 x cores) and returns only
# the top of each heap, so RSS after a load does not fall back to the byte. 32 MiB covers that
# fragmentation; a per-request leak does not fit in it (tens of thousands of requests per run).
RSS_TOLERANCE_MIB = 32
# Between the middle and the end of the load phase RSS may grow at most this much (a steady
# leak shows as a slope; the first half absorbs warm-up and arena growth).
RSS_SLOPE_MIB = 32
EXIT_TIMEOUT_S = 180       # SIGTERM to exit (LeakSanitizer's report takes a while)

WORDS = ('amber basalt cedar delta ember fjord garnet harbor indigo juniper kestrel lagoon '
         'meadow nectar onyx pebble quartz raven saffron tundra umber violet willow xenon '
         'yarrow zephyr anchor beacon canyon dune').split()

CHILD_ENV = dict(os.environ, LC_ALL='C.UTF-8', LANG='C.UTF-8')


class SoakError(Exception):
    pass


def log(msg):
    print('[%7.1f] %s' % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def adc_escape(s):
    return s.replace('\\', '\\\\').replace(' ', '\\s').replace('\n', '\\n')


def adc_unescape(s):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            out.append({'s': ' ', 'n': '\n', '\\': '\\'}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def named(params, key):
    for p in params:
        if p.startswith(key):
            return adc_unescape(p[len(key):])
    return None


# --- the share ----------------------------------------------------------------------------

def make_share(root, n_files, rng):
    """n_files files in folders of FILES_PER_DIR: mostly tiny (log-uniform 1 B..16 KiB), some
    16-64 KiB (mini-slot limit), some 64-384 KiB (need a slot), and the BIG_FILES. About 140 MB."""
    sizes = []
    for i in range(n_files - len(BIG_FILES)):
        r = rng.random()
        if r < 0.94:
            sizes.append(int(math.exp(rng.uniform(0, math.log(16 << 10)))))
        elif r < 0.99:
            sizes.append(rng.randint(16 << 10, 64 << 10))
        else:
            sizes.append(rng.randint((64 << 10) + 1, 384 << 10))
    sizes += BIG_FILES
    block = rng.randbytes(1 << 20)
    files = []
    for i, size in enumerate(sizes):
        d = 'd%03d' % (i // FILES_PER_DIR)
        name = '%s-%s-%05d.dat' % (WORDS[i % len(WORDS)], WORDS[(i // 7) % len(WORDS)], i)
        os.makedirs(os.path.join(root, d), exist_ok=True)
        path = os.path.join(root, d, name)
        # distinct content per file: its index, then a slice of a random block
        head = struct.pack('<Q', i)
        with open(path, 'wb') as f:
            left = size
            data = (head + block[(i * 4099) % len(block):])[:size]
            f.write(data)
            left -= len(data)
            while left > 0:
                chunk = block[:min(left, len(block))]
                f.write(chunk)
                left -= len(chunk)
        files.append((d, name, size))
    return files


# --- uhub ---------------------------------------------------------------------------------

class Hub:
    def __init__(self, tmp):
        self.port = free_port()
        d = os.path.join(tmp, 'uhub')
        os.makedirs(d, exist_ok=True)
        acl = os.path.join(d, 'acl.conf')
        plugins = os.path.join(d, 'plugins.conf')
        conf = os.path.join(d, 'uhub.conf')
        open(acl, 'w').close()
        open(plugins, 'w').close()
        with open(conf, 'w') as f:
            f.write('server_port=%d\nserver_bind_addr=127.0.0.1\nhub_name=soak\n'
                    'registered_users_only=no\nfile_acl=%s\nfile_plugins=%s\n'
                    'limit_max_hubs_user=0\nlimit_max_hubs_reg=0\nlimit_max_hubs_op=0\n'
                    'limit_max_hubs=0\nmax_users=%d\n'
                    'max_recv_buffer=65536\nmax_send_buffer=8388608\n'
                    'max_send_buffer_soft=6291456\nshow_banner=0\n'
                    % (self.port, acl, plugins, PEERS + 64))
        self.log = open(os.path.join(d, 'uhub.log'), 'w')
        self.proc = subprocess.Popen(['uhub', '-vv', '-c', conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SoakError('uhub did not listen on %d' % self.port)

    @property
    def uri(self):
        return 'adc://127.0.0.1:%d' % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- Burrow -------------------------------------------------------------------------------

class Burrow:
    """burrow-cli serve --json; a thread reads its events, another samples RSS and fds."""

    def __init__(self, cli, tmp, hub, share, port):
        self.events = []
        self.cond = threading.Condition()
        self.stderr_path = os.path.join(tmp, 'burrow.stderr')
        self.stdout_log = open(os.path.join(tmp, 'burrow.stdout'), 'w', buffering=1)
        self.uploads = collections.Counter()     # (state) of upload transfer events
        self.upload_bytes = 0
        self.upload_seen = {}
        self.hub_states = []
        env = dict(CHILD_ENV)
        env['G_DEBUG'] = 'fatal-criticals'
        env.setdefault('G_SLICE', 'always-malloc')
        env.setdefault('ASAN_OPTIONS', 'detect_leaks=1:halt_on_error=1:abort_on_error=0:'
                                       'fast_unwind_on_malloc=0')
        env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:print_stacktrace=1')
        env.setdefault('LSAN_OPTIONS', 'print_suppressions=0')
        self.argv = [cli, '--data-dir', os.path.join(tmp, 'burrow-data'), '--nick', 'soak',
                     '--share', share, '--mode', 'active', '--port', str(port), '--json',
                     'serve', hub.uri]
        self.stderr = open(self.stderr_path, 'w')
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                     env=env, text=True, bufsize=1)
        self.pid = self.proc.pid
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.samples = []          # (t, rss_kib, fds)
        self.sampling = True
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()

    def _read(self):
        for line in self.proc.stdout:
            self.stdout_log.write(line)
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get('event') == 'transfer' and ev.get('direction') == 'upload':
                # one transfer object per GET; count its last state and bytes once it ends
                if ev.get('state') in ('finished', 'failed'):
                    self.uploads[ev['state']] += 1
                    self.upload_bytes += int(ev.get('bytes', 0))
                continue
            if ev.get('event') == 'hub-state':
                self.hub_states.append(ev.get('state'))
            if ev.get('event') in ('hash-progress', 'punch'):
                continue
            with self.cond:
                self.events.append(ev)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self.cond.wait(min(left, 0.5))

    def alive(self):
        return self.proc.poll() is None

    def measure(self):
        """(rss_kib, fds) now, or None when the process is gone."""
        try:
            with open('/proc/%d/status' % self.pid) as f:
                rss = next(int(l.split()[1]) for l in f if l.startswith('VmRSS:'))
            fds = len(os.listdir('/proc/%d/fd' % self.pid))
            return rss, fds
        except (OSError, StopIteration):
            return None

    def _sample(self):
        while self.sampling and self.alive():
            m = self.measure()
            if m is not None:
                self.samples.append((time.monotonic(), m[0], m[1]))
            time.sleep(SAMPLE_S)

    def is_asan(self):
        try:
            with open('/proc/%d/maps' % self.pid) as f:
                return any('libasan' in l for l in f)
        except OSError:
            return False

    def stop(self, timeout):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        self.sampling = False
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def stderr_text(self):
        self.stderr.flush()
        with open(self.stderr_path, errors='replace') as f:
            return f.read()


# --- simulated peers ----------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.c = collections.Counter()
        self.bytes_in = 0
        self.errors = []         # wrong data or protocol violations by Burrow: failures

    def add(self, key, n=1):
        self.c[key] += n

    def error(self, msg):
        self.c['error'] += 1
        if len(self.errors) < 50:
            self.errors.append(msg)


class Catalog:
    """What Burrow shares, from its own files.xml.bz2, mapped to the files on disk."""

    def __init__(self, share_root, share_name, xml):
        self.files = []          # (vpath, size, tth, local)
        self.dirs = []
        root = ET.fromstring(xml)
        self._walk(root, '/', share_root, share_name)
        self.small = [f for f in self.files if f[1] <= 64 << 10]
        self.medium = [f for f in self.files if 64 << 10 < f[1] < 1 << 20]
        self.big = [f for f in self.files if f[1] >= 1 << 20]
        self.huge = [f for f in self.files if f[1] >= HOLD_FILE_MIN]
        self.by_word = collections.defaultdict(list)
        for f in self.files:
            for w in os.path.basename(f[0]).split('-')[:2]:
                self.by_word[w].append(f)

    def _walk(self, node, vdir, share_root, share_name):
        for child in node:
            if child.tag == 'Directory':
                name = child.get('Name')
                sub = vdir + name + '/'
                self.dirs.append(sub)
                self._walk(child, sub, share_root, share_name)
            elif child.tag == 'File':
                vpath = vdir + child.get('Name')
                rel = vpath.split('/', 2)[2]       # /<share name>/<rel>
                self.files.append((vpath, int(child.get('Size')), child.get('TTH'),
                                   os.path.join(share_root, rel)))


def read_local(path, start, length):
    with open(path, 'rb') as f:
        f.seek(start)
        return f.read(length)


class HubClient:
    """One simulated user on the hub: login, Burrow's SID and SL, routing of DCTM/DRES."""

    def __init__(self, ctx, index, pid, cid):
        self.ctx = ctx
        self.index = index
        self.pid = pid
        self.cid = cid
        self.nick = 'peer%03d' % index
        self.sid = None
        self.writer = None
        self.ctm_waiters = {}        # token -> future (proto, port)
        self.res_counts = {}         # token -> number of DRES
        self.task = None
        self.closed = False
        self.active = index % ACTIVE_EVERY == 1
        self.server = None
        self.listen_port = None
        self.incoming = {}           # token -> future (PeerConn), for our DCTMs

    async def _on_incoming(self, reader, writer):
        """Burrow connecting to us after our DCTM: it sends CSUP, then CINF with our token."""
        c = PeerConn(self.ctx, self, False)
        c.reader, c.writer = reader, writer
        c.sock = writer.get_extra_info('socket')
        try:
            sup = await c.line()
            if sup[0] != 'CSUP':
                raise SoakError('Burrow connected and sent %s, not CSUP' % ' '.join(sup)[:80])
            c.send('CSUP ADBASE ADTIGR')
            inf = await c.line()
            token = named(inf[1:], 'TO')
            if inf[0] != 'CINF' or named(inf[1:], 'ID') != self.ctx.burrow_cid:
                raise SoakError('Burrow connected with %s' % ' '.join(inf)[:80])
            fut = self.incoming.pop(token, None)
            if fut is None or fut.done():
                self.ctx.stats.add('ctm.late-connection')
                writer.close()
                return
            c.send('CINF ID%s' % self.cid)
            fut.set_result(c)
        except SoakError as e:
            self.ctx.stats.error('%s: %s' % (self.nick, e))
            writer.close()
        except (EOFError, ConnectionError, asyncio.TimeoutError, OSError):
            self.ctx.stats.add('ctm.connection-dropped-in-handshake')
            writer.close()

    async def request_connect(self):
        """DCTM to Burrow (we are active); the identified PeerConn it opened to us, or None."""
        token = 'C%d_%d' % (self.index, self.ctx.next_token())
        fut = asyncio.get_running_loop().create_future()
        self.incoming[token] = fut
        self.send('DCTM %s %s ADC/1.0 %d %s' % (self.sid, self.ctx.burrow_sid, self.listen_port,
                                                 token))
        try:
            c = await asyncio.wait_for(fut, CTM_TIMEOUT_S)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self.incoming.pop(token, None)
            self.ctx.stats.add('ctm.unanswered')
            return None
        self.ctx.stats.add('ctm.connected')
        return c

    async def login(self):
        if self.active:
            self.server = await asyncio.start_server(self._on_incoming, '127.0.0.1', 0,
                                                     limit=1 << 20)
            self.listen_port = self.server.sockets[0].getsockname()[1]
        reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection('127.0.0.1', self.ctx.hub.port), OP_TIMEOUT_S)
        self.reader = reader
        self.send('HSUP ADBASE ADTIGR')
        while True:
            line = await asyncio.wait_for(reader.readline(), OP_TIMEOUT_S)
            if not line:
                raise SoakError('%s: the hub closed during login' % self.nick)
            parts = line.decode('utf-8', 'replace').rstrip('\n').split(' ')
            if parts[0] == 'ISID':
                self.sid = parts[1]
                self.send('BINF %s ID%s PD%s NI%s SL1 SS0 SF0 HN1 HR0 HO0 VEsoak-peer/1%s'
                          % (self.sid, self.cid, self.pid, self.nick,
                             ' I40.0.0.0 SUTCP4' if self.active else ''))
            elif parts[0] == 'ISTA' and parts[1][0] != '0':
                raise SoakError('%s: hub refused login: %s' % (self.nick, ' '.join(parts[1:])))
            elif parts[0] == 'BINF':
                self._binf(parts)
                if parts[1] == self.sid:
                    break
        self.task = asyncio.ensure_future(self._loop())

    def _binf(self, parts):
        nick = named(parts[2:], 'NI')
        if nick == 'soak' or parts[1] == self.ctx.burrow_sid:
            self.ctx.burrow_sid = parts[1]
            self.ctx.burrow_cid = named(parts[2:], 'ID') or self.ctx.burrow_cid
            sl = named(parts[2:], 'SL')
            if sl is not None:
                self.ctx.burrow_slots = int(sl)

    async def _loop(self):
        try:
            while True:
                line = await self.reader.readline()
                if not line:
                    break
                parts = line.decode('utf-8', 'replace').rstrip('\n').split(' ')
                cmd = parts[0]
                if cmd == 'DCTM' and len(parts) >= 6 and parts[1] == self.ctx.burrow_sid:
                    fut = self.ctm_waiters.pop(parts[5], None)
                    if fut is not None and not fut.done():
                        fut.set_result((parts[3], int(parts[4])))
                elif cmd == 'DRES' and parts[1] == self.ctx.burrow_sid:
                    to = named(parts[3:], 'TO')
                    if to in self.res_counts:
                        self.res_counts[to] += 1
                elif cmd == 'BINF':
                    self._binf(parts)
                elif cmd == 'IQUI' and len(parts) > 1 and parts[1] == self.ctx.burrow_sid:
                    self.ctx.stats.error('Burrow left the hub (IQUI seen by %s)' % self.nick)
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            if not self.closed:
                self.ctx.stats.add('hub.lost')
            for fut in self.ctm_waiters.values():
                if not fut.done():
                    fut.cancel()

    def send(self, line):
        self.writer.write((line + '\n').encode())

    async def request_ctm(self, proto):
        """DRCM to Burrow; its DCTM port, or None (no answer: one of Burrow's caps, counted)."""
        token = 'T%d_%d' % (self.index, self.ctx.next_token())
        fut = asyncio.get_running_loop().create_future()
        self.ctm_waiters[token] = fut
        self.send('DRCM %s %s %s %s' % (self.sid, self.ctx.burrow_sid, proto, token))
        try:
            p, port = await asyncio.wait_for(fut, CTM_TIMEOUT_S)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self.ctm_waiters.pop(token, None)
            self.ctx.stats.add('rcm.unanswered')
            return None, None
        if p != proto:
            self.ctx.stats.error('CTM protocol %s for RCM %s' % (p, proto))
            return None, None
        self.ctx.stats.add('rcm.answered')
        return token, port

    async def search(self, rng):
        token = 'S%d_%d' % (self.index, self.ctx.next_token())
        self.res_counts[token] = 0
        if rng.random() < 0.3 and self.ctx.catalog.files:
            f = rng.choice(self.ctx.catalog.files)
            terms = 'TR' + f[2]
            kind = 'search.tth'
        else:
            terms = 'AN' + rng.choice(WORDS)
            if rng.random() < 0.5:
                terms += ' AN' + rng.choice(WORDS)
            kind = 'search.keyword'
        self.send('FSCH %s +TCP4 %s TO%s' % (self.sid, terms, token))
        self.ctx.stats.add(kind)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.res_counts[token] == 0:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)    # a few more results may follow the first
        n = self.res_counts.pop(token)
        self.ctx.stats.add('search.results', n)
        self.ctx.stats.add('search.answered' if n else 'search.unanswered')

    async def close(self):
        self.closed = True
        if self.writer is not None:
            self.writer.close()
            try:
                await asyncio.wait_for(self.writer.wait_closed(), 5)
            except (OSError, asyncio.TimeoutError):
                pass
        if self.task is not None:
            self.task.cancel()
        if self.server is not None:
            self.server.close()


class PeerConn:
    """One client-client connection to Burrow's listener (plain or TLS)."""

    def __init__(self, ctx, hc, tls):
        self.ctx = ctx
        self.hc = hc
        self.tls = tls
        self.buf = bytearray()
        self.reader = None
        self.writer = None
        self.sock = None

    async def connect(self, port, rcvbuf=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(s, ('127.0.0.1', port)),
                               OP_TIMEOUT_S)
        self.sock = s
        kw = {}
        if self.tls:
            kw = {'ssl': self.ctx.ssl_ctx, 'server_hostname': '', 'ssl_handshake_timeout': OP_TIMEOUT_S}
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(sock=s, limit=1 << 20, **kw), OP_TIMEOUT_S)

    def send(self, line):
        self.writer.write((line + '\n').encode())

    async def _fill(self):
        data = await asyncio.wait_for(self.reader.read(1 << 16), OP_TIMEOUT_S)
        if not data:
            raise EOFError
        self.buf += data

    async def line(self):
        while True:
            i = self.buf.find(b'\n')
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[:i + 1]
                if out:
                    return out.decode('utf-8', 'replace').split(' ')
                continue
            await self._fill()

    async def raw(self, n):
        while len(self.buf) < n:
            await self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    async def zlib_stream(self, expected):
        d = zlib.decompressobj()
        out = bytearray()
        while True:
            if self.buf:
                out += d.decompress(bytes(self.buf))
                self.buf = bytearray(d.unused_data)
                if d.eof:
                    break
            if len(out) > expected:
                break
            await self._fill()
        return bytes(out)

    async def handshake(self, token, cid=None):
        self.send('CSUP ADBASE ADTIGR')
        sup = await self.line()
        if sup[0] != 'CSUP':
            raise SoakError('expected CSUP, got %s' % ' '.join(sup)[:80])
        self.send('CINF ID%s TO%s' % (cid or self.hc.cid, token))
        inf = await self.line()
        if inf[0] != 'CINF' or named(inf[1:], 'ID') is None:
            raise SoakError('expected CINF, got %s' % ' '.join(inf)[:80])

    async def get(self, kind, ident, start, length, flags=''):
        """One GET; returns ('ok', data, zl) / ('sta', code) — data None when not read."""
        self.send('CGET %s %s %d %d%s' % (kind, adc_escape(ident), start, length, flags))
        reply = await self.line()
        if reply[0] == 'CSTA':
            return 'sta', reply[1], None
        if reply[0] != 'CSND' or len(reply) < 5:
            raise SoakError('expected CSND, got %s' % ' '.join(reply)[:80])
        n = int(reply[4])
        if adc_unescape(reply[2]) != ident or int(reply[3]) != start:
            raise SoakError('SND for another request: %s' % ' '.join(reply)[:80])
        if length >= 0 and n != length:
            raise SoakError('SND length %d for a GET of %d' % (n, length))
        zl = 'ZL1' in reply[5:]
        return 'ok', n, zl

    def rst(self):
        """Abort with RST (SO_LINGER 0)."""
        if self.sock is not None:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            except OSError:
                pass
        if self.writer is not None:
            self.writer.transport.abort()
        elif self.sock is not None:
            self.sock.close()

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await asyncio.wait_for(self.writer.wait_closed(), 5)
            except (OSError, asyncio.TimeoutError, ssl.SSLError):
                pass
        elif self.sock is not None:
            self.sock.close()


def make_client_cert(tmp):
    """A self-signed certificate for the TLS peers (Burrow wants one from each peer); None
    without openssl (then every peer uses plain ADC)."""
    if shutil.which('openssl') is None:
        return None
    cert, key = os.path.join(tmp, 'peer-cert.pem'), os.path.join(tmp, 'peer-key.pem')
    r = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                        'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
                        '-days', '2', '-subj', '/CN=soak-peer'], capture_output=True)
    return (cert, key) if r.returncode == 0 else None


class Ctx:
    def __init__(self, hub, burrow, share_root, ids, deadline, cert=None):
        self.hub = hub
        self.burrow = burrow
        self.share_root = share_root
        self.ids = ids
        self.deadline = deadline
        self.burrow_sid = None
        self.burrow_cid = None
        self.burrow_slots = None
        self.catalog = None
        self.stats = Stats()
        self._token = 0
        self.ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ssl_ctx.check_hostname = False
        self.ssl_ctx.verify_mode = ssl.CERT_NONE
        self.tls = cert is not None
        if cert is not None:
            self.ssl_ctx.load_cert_chain(*cert)
        self.open_conns = 0
        self.peak_conns = 0

    def next_token(self):
        self._token += 1
        return self._token

    def left(self):
        return self.deadline - time.monotonic()


class Peer:
    def __init__(self, ctx, hc, rng):
        self.ctx = ctx
        self.hc = hc
        self.rng = rng
        self.tls = ctx.tls and TLS_EVERY > 0 and hc.index % TLS_EVERY == 0
        self.proto = 'ADCS/0.10' if self.tls else 'ADC/1.0'

    async def open(self, rcvbuf=None):
        """RCM -> CTM -> connect -> SUP/INF (or, for active peers, mostly DCTM -> Burrow
        connects to us). None when refused (counted)."""
        st = self.ctx.stats
        if self.hc.active and rcvbuf is None and self.rng.random() < 0.6:
            c = await self.hc.request_connect()
            if c is not None:
                self.track(c, 1)
                st.add('conn.burrow-connected')
            return c
        token, port = await self.hc.request_ctm(self.proto)
        if token is None:
            return None
        c = PeerConn(self.ctx, self.hc, self.tls)
        try:
            await c.connect(port, rcvbuf)
            self.track(c, 1)
            await c.handshake(token)
        except (EOFError, ConnectionError, ssl.SSLError) as e:
            st.add('conn.closed-by-burrow-in-handshake')
            await self.drop(c)
            return None
        st.add('conn.tls' if self.tls else 'conn.plain')
        return c

    def track(self, c, d):
        c.tracked = getattr(c, 'tracked', 0) + d
        self.ctx.open_conns += d
        self.ctx.peak_conns = max(self.ctx.peak_conns, self.ctx.open_conns)

    async def drop(self, c, rst=False):
        if getattr(c, 'tracked', 0):
            self.track(c, -1)
        if rst:
            c.rst()
        else:
            await c.close()

    async def verify_get(self, c, kind, f, start, length, label):
        """GET a file (range) and compare with the disk. False if the connection is over."""
        st = self.ctx.stats
        r, n, zl = await c.get(kind, 'TTH/' + f[2] if self.rng.random() < 0.7 else f[0],
                               start, length)
        if r == 'sta':
            st.add('%s.sta%s' % (label, n))
            return n not in ('153',)    # 153: Burrow hangs up
        data = await c.raw(n)
        st.bytes_in += n
        expect = read_local(f[3], start, n if length < 0 else length)
        if data != expect:
            st.error('%s %s [%d+%d]: wrong bytes' % (label, f[0], start, n))
            return False
        st.add(label + '.ok')
        return True

    async def act_browse(self):
        st = self.ctx.stats
        c = await self.open()
        if c is None:
            return
        try:
            r, n, zl = await c.get('file', 'files.xml.bz2', 0, -1)
            if r == 'sta':
                st.add('get.filelist.sta' + n)
            else:
                data = await c.raw(n)
                st.bytes_in += n
                if self.rng.random() < 0.05:   # decompressing costs this process; sample
                    if not bz2.decompress(data).startswith(b'<?xml'):
                        st.error('files.xml.bz2 does not decompress to XML')
                st.add('get.filelist.ok')
            for _ in range(self.rng.randint(1, 3)):
                d = self.rng.choice(self.ctx.catalog.dirs)
                re1 = self.rng.random() < 0.3
                zl1 = self.rng.random() < 0.5
                flags = (' RE1' if re1 else '') + (' ZL1' if zl1 else '')
                r, n, zl = await c.get('list', d, 0, -1, flags)
                if r == 'sta':
                    st.add('get.list.sta' + n)
                    continue
                data = await (c.zlib_stream(n) if zl else c.raw(n))
                st.bytes_in += n
                if len(data) != n or b'<FileListing' not in data[:512]:
                    st.error('list %s: %d bytes, not a partial list' % (d, len(data)))
                    break
                st.add('get.list.ok')
        except (EOFError, ConnectionError, ssl.SSLError, asyncio.TimeoutError) as e:
            st.add('conn.closed-by-burrow-after-handshake')
            await self.drop(c, rst=True)
            return
        await self.drop(c)

    async def act_download(self):
        st = self.ctx.stats
        cat = self.ctx.catalog
        c = await self.open()
        if c is None:
            return
        try:
            for _ in range(self.rng.randint(1, 6)):
                r = self.rng.random()
                if r < 0.45:
                    f = self.rng.choice(cat.small)
                    if not await self.verify_get(c, 'file', f, 0, -1, 'get.file.small'):
                        break
                elif r < 0.7:
                    f = self.rng.choice(cat.medium + cat.small)
                    start = self.rng.randint(0, f[1])
                    length = self.rng.randint(0, min(f[1] - start, 256 << 10))
                    if not await self.verify_get(c, 'file', f, start, length, 'get.file.range'):
                        break
                elif r < 0.85:
                    f = self.rng.choice(cat.medium + cat.big)
                    rr, n, zl = await c.get('tthl', 'TTH/' + f[2], 0, -1)
                    if rr == 'sta':
                        st.add('get.tthl.sta' + n)
                        continue
                    data = await c.raw(n)
                    st.bytes_in += n
                    if n == 0 or n % 24:
                        st.error('tthl of %s: %d bytes' % (f[0], n))
                        break
                    st.add('get.tthl.ok')
                else:
                    f = self.rng.choice(cat.big + cat.medium)
                    if not await self.verify_get(c, 'file', f, 0, -1, 'get.file.slot'):
                        break
        except (EOFError, ConnectionError, ssl.SSLError, asyncio.TimeoutError):
            st.add('conn.closed-by-burrow-after-handshake')
            await self.drop(c, rst=True)
            return
        await self.drop(c)

    async def hold_until_closed(self, c, hold):
        """Keep @c open saying nothing; True if Burrow hung up first."""
        end = time.monotonic() + max(1.0, hold)
        try:
            while time.monotonic() < end:
                data = await asyncio.wait_for(c.reader.read(1 << 16), end - time.monotonic())
                if not data:
                    return True
        except asyncio.TimeoutError:
            return False
        except (ConnectionError, ssl.SSLError, OSError):
            return True
        return False

    async def act_idle(self):
        st = self.ctx.stats
        hold = min(HOLD_MAX_S, self.ctx.left() + 5)
        v = self.rng.random()
        if v < 0.4:
            kind = 'idle.silent'       # connect, never a byte
            c = PeerConn(self.ctx, self.hc, False)
            try:
                await c.connect(self.ctx.burrow.port)
            except (OSError, asyncio.TimeoutError):
                st.add(kind + '.refused')
                return
            self.track(c, 1)
        elif v < 0.7:
            kind = 'idle.sup-only'     # CSUP, then silence
            c = PeerConn(self.ctx, self.hc, False)
            try:
                await c.connect(self.ctx.burrow.port)
            except (OSError, asyncio.TimeoutError):
                st.add(kind + '.refused')
                return
            self.track(c, 1)
            c.send('CSUP ADBASE ADTIGR')
        else:
            kind = 'idle.after-handshake'
            c = await self.open()
            if c is None:
                return
        t = time.monotonic()
        closed = await self.hold_until_closed(c, hold)
        st.add(kind + ('.closed-by-burrow' if closed else '.held'))
        if closed:
            self.ctx.idle_close_s.append((kind, time.monotonic() - t))
        await self.drop(c, rst=not closed and self.rng.random() < 0.5)

    async def act_stall(self):
        st = self.ctx.stats
        c = await self.open(rcvbuf=4096)
        if c is None:
            return
        f = self.rng.choice(self.ctx.catalog.huge)
        try:
            r, n, zl = await c.get('file', 'TTH/' + f[2], 0, -1)
        except (EOFError, ConnectionError, ssl.SSLError, asyncio.TimeoutError):
            st.add('conn.closed-by-burrow-after-handshake')
            await self.drop(c, rst=True)
            return
        if r == 'sta':
            st.add('stall.sta' + n)
            await self.drop(c)
            return
        st.add('stall.started')
        # stop reading: the transport must not pull data in behind our back
        c.writer.transport.pause_reading()
        hold = min(self.rng.uniform(STALL_MIN_S, STALL_MAX_S), max(1.0, self.ctx.left()))
        await asyncio.sleep(hold)
        c.writer.transport.resume_reading()
        # drain what is buffered (bounded): EOF means Burrow gave up on us first
        got = len(c.buf)
        closed = False
        try:
            while got < f[1]:
                data = await asyncio.wait_for(c.reader.read(1 << 16), 0.5)
                if not data:
                    closed = True
                    break
                got += len(data)
                if got > 2 << 20:
                    break
        except asyncio.TimeoutError:
            pass
        except (ConnectionError, ssl.SSLError, OSError):
            closed = True
        st.add('stall.closed-by-burrow' if closed else 'stall.held')
        await self.drop(c, rst=True)

    async def act_abrupt(self):
        st = self.ctx.stats
        v = self.rng.random()
        if v < 0.35:
            c = await self.open()
            if c is None:
                return
            f = self.rng.choice(self.ctx.catalog.big + self.ctx.catalog.medium)
            try:
                r, n, zl = await c.get('file', 'TTH/' + f[2], 0, -1)
                if r == 'ok':
                    await c.raw(min(n, self.rng.randint(0, 65536)))
                st.add('abrupt.mid-transfer' if r == 'ok' else 'abrupt.after-sta' + n)
            except (EOFError, ConnectionError, ssl.SSLError, asyncio.TimeoutError):
                st.add('conn.closed-by-burrow-after-handshake')
            await self.drop(c, rst=True)
        elif v < 0.55:
            token, port = await self.hc.request_ctm(self.proto)
            if token is None:
                return
            c = PeerConn(self.ctx, self.hc, self.tls)
            try:
                await c.connect(port)
                self.track(c, 1)
                c.send('CSUP ADBASE ADTIGR')
                if self.rng.random() < 0.5:
                    await c.line()
                st.add('abrupt.mid-handshake')
            except (EOFError, ConnectionError, ssl.SSLError, OSError, asyncio.TimeoutError):
                st.add('conn.closed-by-burrow-in-handshake')
            await self.drop(c, rst=True)
        elif v < 0.7:
            # a handshake that fails on Burrow's side: a token it never handed out
            c = PeerConn(self.ctx, self.hc, False)
            try:
                await c.connect(self.ctx.burrow.port)
                self.track(c, 1)
                await c.handshake('BOGUS%d' % self.ctx.next_token())
                st.error('Burrow accepted a CINF with a token it never handed out')
            except (EOFError, ConnectionError, OSError, asyncio.TimeoutError, SoakError):
                st.add('abrupt.bad-token-refused')
            await self.drop(c, rst=self.rng.random() < 0.5)
        elif v < 0.8:
            c = PeerConn(self.ctx, self.hc, False)
            try:
                await c.connect(self.ctx.burrow.port)
                self.track(c, 1)
                st.add('abrupt.rst-after-connect')
            except (OSError, asyncio.TimeoutError):
                st.add('abrupt.connect-refused')
            await self.drop(c, rst=True)
        elif v < 0.9:
            c = PeerConn(self.ctx, self.hc, False)
            try:
                await c.connect(self.ctx.burrow.port)
                self.track(c, 1)
                c.writer.write(bytes(self.rng.getrandbits(8) for _ in range(64)) + b'\n\n')
                await asyncio.sleep(0.2)
                st.add('abrupt.garbage')
            except (OSError, asyncio.TimeoutError):
                st.add('abrupt.connect-refused')
            await self.drop(c, rst=True)
        else:
            # ask for a connection and never come: Burrow's request times out on its own
            token, port = await self.hc.request_ctm(self.proto)
            if token is not None:
                st.add('abrupt.ctm-ignored')

    ACTIONS = (('browse', 18), ('download', 32), ('search', 25), ('idle', 7), ('stall', 5),
               ('abrupt', 13))

    async def run(self):
        actions = [(a, w) for a, w in self.ACTIONS if not ONLY_ACTIONS or a in ONLY_ACTIONS]
        names = [a for a, w in actions]
        weights = [w for a, w in actions]
        while self.ctx.left() > 0 and self.ctx.burrow.alive():
            act = self.rng.choices(names, weights)[0]
            self.ctx.stats.add('action.' + act)
            try:
                if act == 'search':
                    await self.hc.search(self.rng)
                else:
                    await getattr(self, 'act_' + act)()
            except SoakError as e:
                self.ctx.stats.error('%s %s: %s' % (self.hc.nick, act, e))
            except (EOFError, ConnectionError, ssl.SSLError, asyncio.TimeoutError, OSError) as e:
                self.ctx.stats.add('action.%s.aborted-%s' % (act, type(e).__name__))
            await asyncio.sleep(self.rng.uniform(0.2, 2.0))


async def login_all(ctx, ids, first, count, spread):
    hcs = []
    for i in range(count):
        pid, cid = ids[first + i]
        hcs.append(HubClient(ctx, first + i, pid, cid))

    async def one(hc, delay):
        await asyncio.sleep(delay)
        await hc.login()

    await asyncio.gather(*(one(hc, spread * i / max(1, count)) for i, hc in enumerate(hcs)))
    deadline = time.monotonic() + OP_TIMEOUT_S
    while ctx.burrow_sid is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    if ctx.burrow_sid is None:
        raise SoakError('Burrow is not in the hub user list')
    return hcs


async def setup_catalog(ctx, share_name):
    """A first peer: Burrow's files.xml.bz2 -> the catalog (every request kind once: warm-up)."""
    hcs = await login_all(ctx, ctx.ids, 0, 1, 0)
    hc = hcs[0]
    peer = Peer(ctx, hc, random.Random(SEED))
    peer.tls, peer.proto = False, 'ADC/1.0'
    c = await peer.open()
    if c is None:
        raise SoakError('the first peer could not connect to Burrow')
    r, n, zl = await c.get('file', 'files.xml.bz2', 0, -1)
    if r != 'ok':
        raise SoakError('files.xml.bz2: STA %s' % n)
    xml = bz2.decompress(await c.raw(n))
    await peer.drop(c)
    ctx.catalog = Catalog(ctx.share_root, share_name, xml)
    if len(ctx.catalog.files) != FILES:
        raise SoakError('Burrow lists %d files, the share has %d' % (len(ctx.catalog.files), FILES))
    # warm-up: one of each action, so lazy one-time allocations land in the baseline
    saved = ctx.deadline
    ctx.deadline = time.monotonic() + 5
    for act in ('browse', 'download', 'download', 'stall'):
        await getattr(peer, 'act_' + act)()
    await hc.search(peer.rng)
    ctx.deadline = saved
    await hc.close()


async def run_peers(ctx, first):
    hcs = await login_all(ctx, ctx.ids, first, PEERS, LOGIN_SPREAD_S)
    log('%d peers logged in; Burrow is SID %s with %s slots' % (len(hcs), ctx.burrow_sid,
                                                                ctx.burrow_slots))
    peers = [Peer(ctx, hc, random.Random(SEED * 1000 + hc.index)) for hc in hcs]

    async def progress():
        while ctx.left() > 0 and ctx.burrow.alive():
            await asyncio.sleep(30)
            s = ctx.burrow.samples[-1] if ctx.burrow.samples else (0, 0, 0)
            c = ctx.stats.c
            log('load: %d open peer connections, RSS %.1f MiB, %d fds, %d GETs ok, %d searches, '
                '%d errors' % (ctx.open_conns, s[1] / 1024, s[2],
                               sum(v for k, v in c.items() if k.startswith('get.') and
                                   k.endswith('.ok')),
                               c['search.keyword'] + c['search.tth'], c['error']))

    prog = asyncio.ensure_future(progress())
    # every action is bounded by its own timeouts; this is the backstop
    tasks = [asyncio.ensure_future(p.run()) for p in peers]
    done, pending = await asyncio.wait(tasks, timeout=max(1, ctx.left()) + STALL_MAX_S +
                                       CTM_TIMEOUT_S + 3 * OP_TIMEOUT_S)
    for t in pending:
        t.cancel()
    ctx.stats.add('peers.cancelled-at-backstop', len(pending))
    for t in done:
        if t.exception() is not None:
            ctx.stats.error('peer task: %r' % t.exception())
    prog.cancel()
    for hc in hcs:
        await hc.close()
    return hcs


async def slot_probe(ctx, first):
    """SL fresh peers each get a slot for a MiB file; one more gets STA 153."""
    n = ctx.burrow_slots or 0
    hcs = await login_all(ctx, ctx.ids, first, n + 1, 0)
    conns = []
    result = []
    try:
        for i, hc in enumerate(hcs):
            peer = Peer(ctx, hc, random.Random(i))
            peer.tls = False
            peer.proto = 'ADC/1.0'
            c = await peer.open(rcvbuf=4096)
            if c is None:
                result.append('no-connection')
                continue
            conns.append((peer, c))
            f = ctx.catalog.huge[i % len(ctx.catalog.huge)]
            r, code, zl = await c.get('file', 'TTH/' + f[2], 0, -1)
            result.append('slot' if r == 'ok' else 'sta' + code)
            if r == 'ok':
                c.writer.transport.pause_reading()
    finally:
        for peer, c in conns:
            await peer.drop(c, rst=True)
        for hc in hcs:
            await hc.close()
    return result


# --- the run ------------------------------------------------------------------------------

def exit_text(code):
    """An exit status as a person reads it: 'killed by SIGSEGV' for -11."""
    if code is not None and code < 0:
        try:
            return 'killed by %s (for a stack: run against an ASan build)' % signal.Signals(-code).name
        except ValueError:
            pass
    if code is None:
        return 'did not exit within %d s (killed)' % EXIT_TIMEOUT_S
    return 'exit %s' % code


def wait_settled(burrow, target_fds, deadline_s):
    """Poll until the fd count is <= target and unchanged for SETTLE_STABLE_S (or the deadline);
    returns (rss_kib, fds, seconds)."""
    start = time.monotonic()
    last = None
    since = start
    while time.monotonic() - start < deadline_s and burrow.alive():
        m = burrow.measure()
        if m is None:
            break
        if last is None or m[1] != last[1]:
            since = time.monotonic()
        last = m
        if m[1] <= target_fds and time.monotonic() - since >= SETTLE_STABLE_S:
            break
        time.sleep(0.5)
    return (last[0] if last else 0), (last[1] if last else 0), time.monotonic() - start


SAN_RE = re.compile(r'(ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|'
                    r'SUMMARY: \w+Sanitizer)')
CRIT_RE = re.compile(r'-CRITICAL \*\*|-ERROR \*\*')
WARN_RE = re.compile(r'-WARNING \*\*')


def stack_summary(text, limit=60):
    """Each sanitizer report: its header lines and the frames in Burrow's own code (src/, tests/),
    plus every GLib critical line."""
    out = []
    in_report = False
    for l in text.splitlines():
        if CRIT_RE.search(l) or 'runtime error:' in l:
            out.append(l)
        elif re.search(r'ERROR: \w+Sanitizer', l):
            in_report = True
            out.append(l)
        elif in_report:
            if l.startswith('SUMMARY:'):
                out.append(l)
                in_report = False
            elif re.match(r'\s+#\d+ ', l):
                if ' src/' in l or '/src/' in l or 'tests/' in l:
                    out.append(l)
            elif re.match(r'(READ|WRITE) of|freed by|previously allocated|Direct leak|Indirect leak', l):
                out.append(l)
        if len(out) >= limit:
            out.append('...')
            break
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--cli', required=True, help='burrow-cli to soak (plain or ASan build)')
    ap.add_argument('--ids', required=True, help='soak-ids (PID/CID pairs with the core Tiger)')
    ap.add_argument('--keep', action='store_true', help='keep the temp dir')
    args = ap.parse_args()
    if shutil.which('uhub') is None:
        print('SKIP: uhub is not installed')
        return 77

    tmp = tempfile.mkdtemp(prefix='burrow-soak-', dir=os.environ.get('BURROW_SOAK_DIR'))
    hub = burrow = None
    failures = []
    figures = {}
    try:
        rng = random.Random(SEED)
        share = os.path.join(tmp, 'share')
        t = time.monotonic()
        files = make_share(share, FILES, rng)
        total = sum(s for d, n, s in files)
        log('share: %d files, %.1f MB in %.1f s' % (len(files), total / 1e6, time.monotonic() - t))
        n_ids = 1 + PEERS + 16
        ids = [tuple(l.split()) for l in subprocess.run(
            [args.ids, str(n_ids)], check=True, capture_output=True, text=True).stdout.splitlines()]
        if len(ids) != n_ids:
            raise SoakError('soak-ids gave %d identities' % len(ids))

        hub = Hub(tmp)
        port = free_port()
        burrow = Burrow(args.cli, tmp, hub, share, port)
        burrow.port = port
        t = time.monotonic()
        ev = burrow.wait_for(lambda e: e.get('event') == 'hash-done', 1800)
        if ev is None:
            raise SoakError('no hash-done from Burrow')
        log('hashed: %s files, %s bytes in %.1f s' % (ev.get('shared-files'), ev.get('shared-size'),
                                                     time.monotonic() - t))
        if ev.get('shared-files') != FILES:
            raise SoakError('Burrow shares %s files, expected %d' % (ev.get('shared-files'), FILES))
        if burrow.wait_for(lambda e: e.get('event') == 'hub-state' and e.get('state') == 'normal',
                           60) is None:
            raise SoakError('Burrow did not log into the hub')
        asan = burrow.is_asan()
        cold = wait_settled(burrow, 1 << 30, 30)
        log('baseline (cold, logged in): RSS %.1f MiB, %d fds%s'
            % (cold[0] / 1024, cold[1], ' [ASan build]' if asan else ''))

        cert = make_client_cert(tmp)
        if cert is None:
            log('no openssl: every peer uses plain ADC, none ADCS')
        ctx = Ctx(hub, burrow, share, ids, time.monotonic() + SECONDS, cert)
        ctx.idle_close_s = []
        asyncio.run(setup_catalog(ctx, 'share'))
        if not burrow.alive():
            raise SoakError('Burrow died during the warm-up (%s)' % exit_text(burrow.proc.returncode))
        warm = wait_settled(burrow, cold[1], SETTLE_DEADLINE_S)
        log('baseline (warm, after one request of each kind): RSS %.1f MiB, %d fds (%.1f s); '
            'catalog %d files, %d small / %d medium / %d big'
            % (warm[0] / 1024, warm[1], warm[2], len(ctx.catalog.files), len(ctx.catalog.small),
               len(ctx.catalog.medium), len(ctx.catalog.big)))
        ctx.stats = Stats()

        # --- the load -------------------------------------------------------------------
        log('load: %d peers for %d s' % (PEERS, SECONDS))
        t_load = time.monotonic()
        ctx.deadline = t_load + SECONDS + LOGIN_SPREAD_S
        n_load_samples = len(burrow.samples)
        asyncio.run(run_peers(ctx, 1))
        t_end = time.monotonic()
        load_samples = [s for s in burrow.samples[n_load_samples:]]
        log('load over after %.1f s; Burrow %s' % (t_end - t_load,
                                                   'alive' if burrow.alive() else 'DEAD'))
        if not burrow.alive():
            print('peer counts until then: %s' % dict(sorted(ctx.stats.c.items())))
            for e in ctx.stats.errors[:20]:
                print('  peer error: ' + e)
            raise SoakError('Burrow died during the load (%s)' % exit_text(burrow.proc.returncode))

        settled = wait_settled(burrow, warm[1] + FD_TOLERANCE, SETTLE_DEADLINE_S)
        log('settled after %.1f s: RSS %.1f MiB, %d fds' % (settled[2], settled[0] / 1024,
                                                             settled[1]))
        probe = asyncio.run(slot_probe(ctx, 1 + PEERS))
        log('slot probe (%s slots): %s' % (ctx.burrow_slots, ', '.join(probe)))
        final = wait_settled(burrow, warm[1] + FD_TOLERANCE, SETTLE_DEADLINE_S)
        log('final: RSS %.1f MiB, %d fds' % (final[0] / 1024, final[1]))
        alive_before_stop = burrow.alive()
        code = burrow.stop(EXIT_TIMEOUT_S)
        log('Burrow exit status on SIGTERM: %s' % code)

        # --- verdict ----------------------------------------------------------------------
        st = ctx.stats
        c = st.c
        if st.errors:
            failures.append('%d protocol/data errors, e.g.: %s' % (c['error'], '; '.join(st.errors[:5])))
        if not alive_before_stop:
            failures.append('Burrow was not alive at the end')
        if code != 0:
            failures.append('on SIGTERM: %s' % exit_text(code))
        if [s for s in burrow.hub_states if s == 'normal'] != ['normal']:
            failures.append('Burrow left / rejoined the hub: %s' % burrow.hub_states)
        if final[1] > warm[1] + FD_TOLERANCE:
            failures.append('fds %d > baseline %d + %d' % (final[1], warm[1], FD_TOLERANCE))
        peak_rss = max([s[1] for s in load_samples] + [final[0]])
        peak_fds = max([s[2] for s in load_samples] + [final[1]])
        if not asan and final[0] > warm[0] + RSS_TOLERANCE_MIB * 1024:
            failures.append('RSS %.1f MiB > baseline %.1f MiB + %d MiB'
                            % (final[0] / 1024, warm[0] / 1024, RSS_TOLERANCE_MIB))
        slope = None
        if len(load_samples) >= 4:
            mid = load_samples[len(load_samples) // 2][1]
            end = max(s[1] for s in load_samples[-3:])
            slope = (end - mid) / 1024
            if not asan and slope > RSS_SLOPE_MIB:
                failures.append('RSS grew %.1f MiB in the second half of the load' % slope)
        n = ctx.burrow_slots or 0
        if probe != ['slot'] * n + ['sta153']:
            failures.append('slot probe: expected %d slots then STA 153, got %s' % (n, probe))
        for kind, act in (('get.filelist.ok', 'browse'), ('get.list.ok', 'browse'),
                          ('get.file.small.ok', 'download'), ('get.file.range.ok', 'download'),
                          ('get.tthl.ok', 'download'), ('search.answered', 'search'),
                          ('stall.started', 'stall')):
            if c[kind] == 0 and (not ONLY_ACTIONS or act in ONLY_ACTIONS):
                failures.append('no %s at all: the load did not happen' % kind)
        err = burrow.stderr_text()
        crit = [l for l in err.splitlines() if CRIT_RE.search(l)]
        warn = [l for l in err.splitlines() if WARN_RE.search(l)]
        san = [l for l in err.splitlines() if SAN_RE.search(l)]
        if crit:
            failures.append('%d GLib criticals/errors on stderr' % len(crit))
        if san:
            failures.append('%d sanitizer reports on stderr' % len(san))

        figures = {
            'duration_s': round(t_end - t_load, 1),
            'peers': PEERS, 'files': FILES, 'share_bytes': total,
            'asan': asan,
            'rss_mib': {'cold': round(cold[0] / 1024, 1), 'baseline': round(warm[0] / 1024, 1),
                        'peak': round(peak_rss / 1024, 1), 'final': round(final[0] / 1024, 1),
                        'second_half_growth': round(slope, 1) if slope is not None else None},
            'fds': {'cold': cold[1], 'baseline': warm[1], 'peak': peak_fds, 'final': final[1]},
            'peak_peer_connections': ctx.peak_conns,
            'bytes_received_by_peers': st.bytes_in,
            'burrow_uploads': dict(burrow.uploads), 'burrow_upload_bytes': burrow.upload_bytes,
            'slots': n, 'slot_probe': probe,
            'stderr_warnings': len(warn),
            'counts': dict(sorted(c.items())),
        }
        if ctx.idle_close_s:
            by = collections.defaultdict(list)
            for k, s in ctx.idle_close_s:
                by[k].append(s)
            figures['idle_closed_by_burrow_after_s'] = {
                k: {'n': len(v), 'min': round(min(v), 1), 'max': round(max(v), 1)}
                for k, v in by.items()}

        print('\n=== soak figures ===')
        print('duration %.1f s, %d peers, %d files (%.1f MB)%s'
              % (t_end - t_load, PEERS, FILES, total / 1e6, ', ASan build' if asan else ''))
        print('RSS MiB: cold %.1f, baseline %.1f, peak %.1f, final %.1f (second half of load %+.1f)'
              % (cold[0] / 1024, warm[0] / 1024, peak_rss / 1024, final[0] / 1024, slope or 0))
        print('fds: cold %d, baseline %d, peak %d, final %d' % (cold[1], warm[1], peak_fds, final[1]))
        print('peer connections at once (peak): %d' % ctx.peak_conns)
        print('served (seen by peers):')
        for k in sorted(c):
            if k.startswith(('get.', 'search.', 'stall.', 'idle.', 'abrupt.')):
                print('  %-42s %d' % (k, c[k]))
        print('refused / closed by Burrow (expected under caps and deadlines):')
        for k in sorted(c):
            if k.startswith(('rcm.', 'ctm.', 'conn.', 'hub.')) or re.search(r'\.sta\d', k):
                print('  %-42s %d' % (k, c[k]))
        print('bytes received by peers: %d (%.1f MB)' % (st.bytes_in, st.bytes_in / 1e6))
        print('Burrow upload transfers: %s, %d bytes' % (dict(burrow.uploads), burrow.upload_bytes))
        print('slot probe: %s' % probe)
        if ctx.idle_close_s:
            print('idle connections closed by Burrow after (s): %s'
                  % figures['idle_closed_by_burrow_after_s'])
        print('actions: %s' % {k: v for k, v in sorted(c.items()) if k.startswith('action.')})
        print('stderr: %d criticals, %d warnings, %d sanitizer lines' % (len(crit), len(warn), len(san)))
        for l in (crit + warn)[:10]:
            print('  ' + l)
        if san or crit:
            print('--- stack summary (full report: %s) ---' % burrow.stderr_path)
            print(stack_summary(err))
        print('SOAK-FIGURES ' + json.dumps(figures))
    except SoakError as e:
        failures.append(str(e))
    except Exception as e:       # a harness bug must fail loudly too
        import traceback
        traceback.print_exc()
        failures.append('harness: %r' % e)
    finally:
        if burrow is not None:
            if burrow.alive():
                burrow.stop(EXIT_TIMEOUT_S)
            elif burrow.proc.returncode not in (0, None) and not figures:
                err = burrow.stderr_text()
                if not any('Burrow died' in f for f in failures):
                    failures.append('Burrow ended: %s' % exit_text(burrow.proc.returncode))
                summary = stack_summary(err)
                if summary:
                    print('--- stack summary (full report: %s) ---' % burrow.stderr_path)
                    print(summary)
                elif err.strip():
                    print('--- Burrow stderr (tail) ---')
                    print('\n'.join(err.splitlines()[-40:]))
        if hub is not None:
            hub.stop()
        if args.keep or failures:
            print('kept: %s' % tmp)
            shutil.rmtree(os.path.join(tmp, 'share'), ignore_errors=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    for f in failures:
        print('FAIL: ' + f)
    print('%d passed, %d failed' % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
