#!/usr/bin/python3
# natlab.py — real NATs in network namespaces (NATLAB.md), as a library and a CLI.
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Topology (every link lives in namespaces this module creates; nothing touches the root namespace):
#
#   lanA 192.168.1.2 -- natA (wan0 198.51.100.2/25,   gw .1)   --\
#                                                                  wan (router; hub 203.0.113.1/32 on lo)
#   lanB 192.168.2.2 -- natB (wan0 198.51.100.130/25, gw .129) --/
#
# For the un-NATed modes (fw, open) the LAN is public: 192.0.2.0/26 for A, 192.0.2.64/26 for B, and
# wan routes it via the router.
#
# Router modes: masq, sym, cone, fw, open; each with an optional RST variant (unsolicited TCP from
# the WAN side is answered with a reset instead of being dropped). Write a mode as e.g. "masq-rst".
#
# CLI:
#   natlab.py check A_MODE B_MODE       build a lab, verify both routers behave as their mode says
#   natlab.py up A_MODE B_MODE [--hub] [--tls]   build and keep until Ctrl-C (prints how to enter)
#   natlab.py cleanup                   remove stale bl<N>- namespaces whose creator is gone
#
# Library: Lab(mode_a, mode_b) as a context manager; lab.popen(ns, argv) runs a process inside a
# namespace and returns a Proc whose output lines can be waited on; lab.start_hub(tls=...) runs uhub
# in wan; lab.self_check() verifies the NAT behaviours.

import atexit
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# The test suite forbids port mapping (BURROW_PORT_MAPPING=off in tests/meson.build) so that no
# test talks to the router of the machine it runs on; in the lab, every router is the lab's own.
os.environ.pop('BURROW_PORT_MAPPING', None)

MODES = ('masq', 'sym', 'cone', 'fw', 'open')
HUB_IP = '203.0.113.1'
STATE_DIR = '/run/burrow-natlab'

SIDES = {
  'A': {
    'wan_if': 'toA', 'wan_gw': '198.51.100.1', 'router_wan': '198.51.100.2', 'wan_len': 25,
    'nat_lan': ('192.168.1.0/24', '192.168.1.1', '192.168.1.2', 24),
    'pub_lan': ('192.0.2.0/26', '192.0.2.1', '192.0.2.2', 26),
  },
  'B': {
    'wan_if': 'toB', 'wan_gw': '198.51.100.129', 'router_wan': '198.51.100.130', 'wan_len': 25,
    'nat_lan': ('192.168.2.0/24', '192.168.2.1', '192.168.2.2', 24),
    'pub_lan': ('192.0.2.64/26', '192.0.2.65', '192.0.2.66', 26),
  },
}


class LabError (Exception):
  pass


def log (msg):
  if os.environ.get('NATLAB_QUIET') != '1':
    sys.stderr.write('natlab: %s\n' % msg)
    sys.stderr.flush()


# Lab set-up and teardown commands (ip netns, nft -f) can take more than 15-30 s on a busy 2-core
# machine (TESTING.md): their deadline is generous. Pass/fail deadlines stay on the events.
LAB_CMD_TIMEOUT = 120
# How long a helper process in a namespace may take to start and say it is ready.
LAB_START_TIMEOUT = 60


def run (argv, check=True, input=None, timeout=LAB_CMD_TIMEOUT):
  try:
    r = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout)
  except subprocess.TimeoutExpired:
    raise LabError('%s did not finish within %d s' % (' '.join(argv), timeout))
  if check and r.returncode != 0:
    raise LabError('%s failed (%d): %s' % (' '.join(argv), r.returncode,
                                            (r.stderr or r.stdout).strip()))
  return r


def parse_mode (mode):
  """'masq' → ('masq', False); 'masq-rst' → ('masq', True)."""
  rst = mode.endswith('-rst')
  base = mode[:-4] if rst else mode
  if base not in MODES:
    raise LabError('unknown router mode %r (one of %s, optionally with -rst)' %
                   (mode, ', '.join(MODES)))
  return base, rst


def usable ():
  """None when the lab can run here, else the reason why not (a missing prerequisite only).

  Whether namespaces and nftables really work is not probed here: as root, a lab that cannot be
  built is a failure (Lab.build raises LabError), never a skip that would hide it."""
  if os.geteuid() != 0:
    return 'the NAT lab needs root (network namespaces and nftables)'
  for tool in ('ip', 'nft'):
    if not any(os.access(os.path.join(d, tool), os.X_OK)
               for d in os.environ.get('PATH', '/usr/sbin:/usr/bin').split(':') + ['/usr/sbin']):
      return '%s is not installed' % tool
  return None


class Proc:
  """A process inside a namespace; its stdout lines are collected and can be waited for."""

  def __init__ (self, argv, name, stdin=False, stderr_to_stdout=False, env=None):
    self.name = name
    self.lines = []
    self.err_lines = []
    self.cond = threading.Condition()
    self.closed = False
    self.p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT if stderr_to_stdout else subprocess.PIPE,
                              stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                              text=True, bufsize=1, env=env, start_new_session=True)
    self.started = time.monotonic()
    self.t_out = threading.Thread(target=self._read, args=(self.p.stdout, self.lines, True),
                                  daemon=True)
    self.t_out.start()
    self.t_err = None
    if not stderr_to_stdout:
      self.t_err = threading.Thread(target=self._read, args=(self.p.stderr, self.err_lines, False),
                                    daemon=True)
      self.t_err.start()

  def _read (self, f, sink, main):
    for line in f:
      with self.cond:
        sink.append((time.monotonic(), line.rstrip('\n')))
        self.cond.notify_all()
    with self.cond:
      if main:
        self.closed = True
      self.cond.notify_all()

  def wait_line (self, pred, timeout, stderr=False, start=0):
    """Waits for an output line with pred(line) true, looking at lines from index start on;
    returns (time, line) or None on timeout/EOF."""
    deadline = time.monotonic() + timeout
    seen = start
    sink = self.err_lines if stderr else self.lines
    with self.cond:
      while True:
        while seen < len(sink):
          when, line = sink[seen]
          seen += 1
          if pred(line):
            return when, line
        left = deadline - time.monotonic()
        if left <= 0 or (self.closed and not stderr) or (stderr and self.p.poll() is not None
                                                          and seen >= len(sink)):
          return None
        self.cond.wait(min(left, 0.5))

  def wait (self, timeout):
    try:
      rc = self.p.wait(timeout)
    except subprocess.TimeoutExpired:
      return None
    self.t_out.join(5)
    if self.t_err:
      self.t_err.join(5)
    return rc

  def stdout_text (self):
    with self.cond:
      return '\n'.join(l for _, l in self.lines)

  def stderr_text (self):
    with self.cond:
      return '\n'.join(l for _, l in self.err_lines)

  def signal (self, sig=signal.SIGTERM):
    if self.p.poll() is None:
      try:
        os.kill(self.p.pid, sig)
      except ProcessLookupError:
        pass

  def stop (self, timeout=5):
    self.signal(signal.SIGTERM)
    if self.wait(timeout) is None:
      self.signal(signal.SIGKILL)
      self.wait(5)


_live_labs = []
_handlers_installed = False


def _teardown_all ():
  for lab in list(_live_labs):
    try:
      lab.teardown()
    except Exception as e:  # noqa: BLE001 — best effort at exit
      sys.stderr.write('natlab: teardown of %s failed: %s\n' % (lab.prefix, e))


def _on_signal (signum, frame):
  _teardown_all()
  # re-raise the default behaviour: exit with 128+signum
  sys.stderr.write('natlab: interrupted by signal %d, lab removed\n' % signum)
  os._exit(128 + signum)


def _install_handlers ():
  global _handlers_installed
  if _handlers_installed:
    return
  _handlers_installed = True
  atexit.register(_teardown_all)
  for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    try:
      signal.signal(s, _on_signal)
    except ValueError:
      pass  # not the main thread


class Hub:
  def __init__ (self, proc, url, port, tls, dir):
    self.proc = proc
    self.url = url
    self.port = port
    self.tls = tls
    self.dir = dir


class Lab:
  """The NATLAB.md topology with routers in modes mode_a / mode_b."""

  def __init__ (self, mode_a, mode_b, prefix=None, workdir=None):
    self.mode = {'A': parse_mode(mode_a), 'B': parse_mode(mode_b)}
    self.prefix = prefix or 'bl%d-' % (os.getpid() % 1000)
    self.namespaces = []
    self.procs = []
    self.built = False
    self.own_workdir = workdir is None
    self.workdir = workdir or tempfile.mkdtemp(prefix='natlab-')

  # --- naming / addressing ----------------------------------------------------------------

  def ns (self, short):
    return self.prefix + short

  def is_nat (self, side):
    return self.mode[side][0] in ('masq', 'sym', 'cone')

  def lan (self, side):
    """(subnet, router_ip, host_ip, prefixlen) of side's LAN."""
    return SIDES[side]['nat_lan' if self.is_nat(side) else 'pub_lan']

  def host_ip (self, side):
    return self.lan(side)[2]

  def public_ip (self, side):
    """The address the hub sees for side's host."""
    return SIDES[side]['router_wan'] if self.is_nat(side) else self.host_ip(side)

  def lan_ns (self, side):
    return self.ns('lan' + side)

  def nat_ns (self, side):
    return self.ns('nat' + side)

  # --- build / teardown -------------------------------------------------------------------

  def __enter__ (self):
    self.build()
    return self

  def __exit__ (self, *exc):
    self.teardown()
    return False

  def ip (self, ns, *args):
    return run(['ip', '-n', self.ns(ns)] + list(args))

  def sysctl (self, ns, key, value):
    run(['ip', 'netns', 'exec', self.ns(ns), 'sysctl', '-qw', '%s=%s' % (key, value)])

  def build (self):
    _install_handlers()
    _live_labs.append(self)
    try:
      self._build()
    except BaseException:
      self.teardown()
      raise

  def _build (self):
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(os.path.join(STATE_DIR, self.prefix + 'owner'), 'w') as f:
      f.write('%d\n' % os.getpid())
    for short in ('wan', 'natA', 'natB', 'lanA', 'lanB'):
      name = self.ns(short)
      if os.path.exists('/run/netns/' + name):
        # a leftover of a dead run with the same pid%1000: remove it
        self._del_ns(name)
      run(['ip', 'netns', 'add', name])
      self.namespaces.append(name)
      self.ip(short, 'link', 'set', 'lo', 'up')
    self.ip('wan', 'addr', 'add', HUB_IP + '/32', 'dev', 'lo')
    self.sysctl('wan', 'net.ipv4.ip_forward', 1)
    for side in ('A', 'B'):
      s = SIDES[side]
      nat, lan = 'nat' + side, 'lan' + side
      subnet, r_ip, h_ip, plen = self.lan(side)
      # veths are created inside the namespaces, never in the root namespace
      self.ip(nat, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', s['wan_if'],
              'netns', self.ns('wan'))
      self.ip(nat, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0',
              'netns', self.ns(lan))
      self.ip('wan', 'addr', 'add', '%s/%d' % (s['wan_gw'], s['wan_len']), 'dev', s['wan_if'])
      self.ip('wan', 'link', 'set', s['wan_if'], 'up')
      self.ip(nat, 'addr', 'add', '%s/%d' % (s['router_wan'], s['wan_len']), 'dev', 'wan0')
      self.ip(nat, 'addr', 'add', '%s/%d' % (r_ip, plen), 'dev', 'lan0')
      self.ip(nat, 'link', 'set', 'wan0', 'up')
      self.ip(nat, 'link', 'set', 'lan0', 'up')
      self.ip(nat, 'route', 'add', 'default', 'via', s['wan_gw'])
      self.sysctl(nat, 'net.ipv4.ip_forward', 1)
      self.ip(lan, 'addr', 'add', '%s/%d' % (h_ip, plen), 'dev', 'eth0')
      self.ip(lan, 'link', 'set', 'eth0', 'up')
      self.ip(lan, 'route', 'add', 'default', 'via', r_ip)
      if not self.is_nat(side):
        self.ip('wan', 'route', 'add', subnet, 'via', s['router_wan'])
      run(['ip', 'netns', 'exec', self.ns(nat), 'nft', '-f', '-'], input=self.ruleset(side))
    self.built = True
    log('lab %s up: A=%s B=%s' % (self.prefix, self.mode_name('A'), self.mode_name('B')))

  def mode_name (self, side):
    base, rst = self.mode[side]
    return base + ('-rst' if rst else '')

  def ruleset (self, side):
    base, rst = self.mode[side]
    host = self.host_ip(side)
    fwd_extra = 'ct status dnat accept\n      ' if base == 'cone' else ''
    if base == 'open':
      inbound = 'iifname "wan0" accept'
    elif rst:
      inbound = 'iifname "wan0" meta l4proto tcp reject with tcp reset\n      iifname "wan0" drop'
    else:
      inbound = 'iifname "wan0" drop'
    rules = '''flush ruleset
table inet natlab {
  chain forward {
    type filter hook forward priority filter; policy drop;
      ct state established,related accept
      ct state invalid drop
      %(fwd_extra)siifname "lan0" accept
      %(inbound)s
  }
  chain input {
    type filter hook input priority filter; policy accept;
      iifname "wan0" ct state established,related accept
      iifname "wan0" meta l4proto icmp accept
      iifname "wan0" %(input_final)s
  }
}
''' % {'fwd_extra': fwd_extra, 'inbound': inbound,
       'input_final': ('meta l4proto tcp reject with tcp reset\n      iifname "wan0" drop'
                       if rst else 'drop')}
    if base in ('masq', 'sym', 'cone'):
      flags = {'masq': '', 'sym': ' fully-random', 'cone': ' persistent'}[base]
      pre = ('iifname "wan0" dnat to %s' % host) if base == 'cone' else ''
      rules += '''table ip natlabnat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    %s
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade%s
  }
}
''' % (pre, flags)
    return rules

  def _del_ns (self, name):
    r = run(['ip', 'netns', 'pids', name], check=False)
    pids = [int(x) for x in r.stdout.split() if x.isdigit()]
    for pid in pids:
      try:
        os.kill(pid, signal.SIGKILL)
      except ProcessLookupError:
        pass
    for pid in pids:
      # wait until the kernel has reaped them (they may not be our children)
      for _ in range(200):
        if not os.path.exists('/proc/%d' % pid):
          break
        try:
          os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
          pass
        time.sleep(0.01)
    run(['ip', 'netns', 'del', name], check=False)

  def teardown (self):
    for p in self.procs:
      if p.p.poll() is None:
        p.signal(signal.SIGKILL)
    for name in reversed(self.namespaces):
      self._del_ns(name)
    for p in self.procs:
      try:
        p.p.wait(2)
      except subprocess.TimeoutExpired:
        pass
    self.namespaces = []
    self.procs = []
    try:
      os.unlink(os.path.join(STATE_DIR, self.prefix + 'owner'))
    except FileNotFoundError:
      pass
    if self in _live_labs:
      _live_labs.remove(self)
    if self.own_workdir and os.environ.get('NATLAB_KEEP') != '1':
      subprocess.run(['rm', '-rf', self.workdir])
    self.built = False

  # --- processes --------------------------------------------------------------------------

  def argv (self, ns, argv):
    return ['ip', 'netns', 'exec', self.ns(ns)] + list(argv)

  def popen (self, ns, argv, name=None, **kw):
    p = Proc(self.argv(ns, argv), name or '%s:%s' % (ns, os.path.basename(argv[0])), **kw)
    self.procs.append(p)
    return p

  def exec (self, ns, argv, timeout=LAB_CMD_TIMEOUT, check=True, input=None):
    return run(self.argv(ns, argv), check=check, timeout=timeout, input=input)

  def tcp_ready (self, ns, host, port, timeout=30.0):
    """Waits until a TCP connect from namespace ns to host:port succeeds."""
    code = ('import socket,sys,time\n'
            'h,p,d=sys.argv[1],int(sys.argv[2]),time.monotonic()+float(sys.argv[3])\n'
            'while time.monotonic()<d:\n'
            '  try:\n'
            '    socket.create_connection((h,p),timeout=max(0.1,d-time.monotonic())).close()\n'
            '    sys.exit(0)\n'
            '  except OSError:\n'
            '    time.sleep(0.02)\n'
            'sys.exit(1)\n')
    r = self.exec(ns, [sys.executable, '-c', code, host, str(port), str(timeout)],
                  check=False, timeout=timeout + LAB_CMD_TIMEOUT)
    return r.returncode == 0

  # --- uhub -------------------------------------------------------------------------------

  def start_hub (self, port=1511, tls=False, flood=False, name='natlab'):
    d = os.path.join(self.workdir, 'hub-%d' % port)
    os.makedirs(d, exist_ok=True)
    acl, plugins = os.path.join(d, 'acl.conf'), os.path.join(d, 'plugins.conf')
    for f in (acl, plugins):
      open(f, 'w').close()
    conf = ['server_port=%d' % port, 'server_bind_addr=%s' % HUB_IP, 'hub_name=%s' % name,
            'max_users=100', 'registered_users_only=0', 'file_acl=%s' % acl,
            'file_plugins=%s' % plugins, 'show_banner=0',
            'limit_max_hubs_user=0', 'limit_max_hubs_reg=0', 'limit_max_hubs_op=0',
            'limit_max_hubs=0']
    if flood:
      conf += ['flood_ctl_interval=5', 'flood_ctl_chat=3', 'flood_ctl_connect=20',
               'flood_ctl_search=1', 'flood_ctl_update=2', 'flood_ctl_extras=5']
    if tls:
      cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
      run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
           '-out', cert, '-days', '2', '-subj', '/CN=natlab-hub'], timeout=60)
      conf += ['tls_enable=yes', 'tls_require=yes', 'tls_certificate=%s' % cert,
               'tls_private_key=%s' % key]
    path = os.path.join(d, 'uhub.conf')
    with open(path, 'w') as f:
      f.write('\n'.join(conf) + '\n')
    check = run(['uhub', '-C', '-c', path], check=False)
    if check.returncode != 0:
      raise LabError('uhub rejects its configuration: %s' % (check.stdout + check.stderr))
    p = self.popen('wan', ['uhub', '-c', path], name='uhub', stderr_to_stdout=True)
    if p.wait_line(lambda l: 'listening on' in l, LAB_START_TIMEOUT) is None:
      raise LabError('uhub did not start: %s' % p.stdout_text())
    if not self.tcp_ready('lanA', HUB_IP, port, LAB_START_TIMEOUT):
      raise LabError('uhub does not accept connections from lanA: %s' % p.stdout_text())
    url = '%s://%s:%d' % ('adcs' if tls else 'adc', HUB_IP, port)
    log('uhub up at %s' % url)
    return Hub(p, url, port, tls, d)

  # --- the NMDC test hub (tests/nmdc/nmdc-hub.py) ------------------------------------------

  def start_nmdc_hub (self, port=1511, profile='verlihub'):
    """The NMDC test hub in the wan namespace (preset "tests"); its url is dchub://."""
    d = os.path.join(self.workdir, 'nmdc-hub-%d' % port)
    os.makedirs(d, exist_ok=True)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nmdc', 'nmdc-hub.py')
    # stdin stays open: the hub quits at the end of its control input
    p = self.popen('wan', ['/usr/bin/python3', script, '--host', HUB_IP, '--port', str(port),
                           '--profile', profile, '--preset', 'tests',
                           '--log', os.path.join(d, 'hub.log')],
                   name='nmdc-hub', stdin=True, stderr_to_stdout=True)
    if p.wait_line(lambda l: l.startswith('READY '), LAB_START_TIMEOUT) is None:
      raise LabError('the NMDC test hub did not start: %s' % p.stdout_text())
    if not self.tcp_ready('lanA', HUB_IP, port, LAB_START_TIMEOUT):
      raise LabError('the NMDC test hub does not accept connections from lanA: %s' % p.stdout_text())
    url = 'dchub://%s:%d' % (HUB_IP, port)
    log('NMDC test hub (%s) up at %s' % (profile, url))
    return Hub(p, url, port, False, d)

  # --- self check -------------------------------------------------------------------------

  def _helper (self, ns, *args, timeout=LAB_CMD_TIMEOUT):
    return self.exec(ns, [sys.executable, os.path.abspath(__file__)] + list(args),
                     timeout=timeout, check=False)

  def self_check (self):
    """Verifies that each router behaves as its mode says. Raises LabError otherwise."""
    problems = []
    for side in ('A', 'B'):
      base, rst = self.mode[side]
      lan_ns = 'lan' + side
      # 1. outbound mapping: two connections from the same LAN port to two hub-side ports
      srv = self.popen('wan', [sys.executable, os.path.abspath(__file__), '_echo', HUB_IP,
                               '7101', '7102'], name='echo')
      if srv.wait_line(lambda l: l == 'ready', LAB_START_TIMEOUT) is None:
        raise LabError('echo listener did not start: %s' % srv.stderr_text())
      r = self._helper(lan_ns, '_map', HUB_IP, '7101', '7102')
      srv.stop()
      if r.returncode != 0:
        problems.append('%s: outbound probe failed: %s' % (side, r.stderr.strip()))
        continue
      lport, e1, e2 = r.stdout.split()
      (ip1, p1), (ip2, p2) = e1.rsplit(':', 1), e2.rsplit(':', 1)
      want_ip = self.public_ip(side)
      if ip1 != want_ip or ip2 != want_ip:
        problems.append('%s: public address %s/%s, expected %s' % (side, ip1, ip2, want_ip))
      if base in ('masq', 'fw', 'open') and not (p1 == p2 == lport):
        problems.append('%s (%s): port not preserved: local %s → %s, %s' %
                        (side, base, lport, p1, p2))
      if base == 'cone' and p1 != p2:
        problems.append('%s (cone): mapping not endpoint-independent: %s → %s, %s' %
                        (side, lport, p1, p2))
      if base == 'sym' and p1 == p2:
        problems.append('%s (sym): same public port %s for two connections' % (side, p1))
      log('%s %s: local port %s seen as %s and %s' % (side, self.mode_name(side), lport, e1, e2))
      # 2. unsolicited inbound SYN from the internet
      lst = self.popen(lan_ns, [sys.executable, os.path.abspath(__file__), '_echo', '0.0.0.0',
                                '7201'], name='lan-echo')
      if lst.wait_line(lambda l: l == 'ready', LAB_START_TIMEOUT) is None:
        raise LabError('LAN listener did not start')
      r = self._helper('wan', '_syn', self.public_ip(side), '7201', '1.5')
      lst.stop()
      outcome = r.stdout.strip()
      want = {'masq': 'timeout', 'sym': 'timeout', 'fw': 'timeout', 'cone': 'connected',
              'open': 'connected'}[base]
      if rst and want == 'timeout':
        want = 'refused'
      if outcome != want:
        problems.append('%s (%s): unsolicited SYN to %s:7201 → %s, expected %s' %
                        (side, self.mode_name(side), self.public_ip(side), outcome, want))
      log('%s %s: unsolicited inbound SYN → %s' % (side, self.mode_name(side), outcome))
    if problems:
      raise LabError('; '.join(problems))
    return True


# === Port mapping on a lab router (connectivity-bench, natlab-bench's mapper cells) ============
#
# A real miniupnpd on one side's router (issue #16; CONNECTIVITY.md §1): PCP and NAT-PMP on UDP
# 5351 and/or UPnP IGD (SSDP on 1900 and a random HTTP port) on lan0, writing its rules into
# chains this section adds beside the router's own. miniupnpd refuses to forward while its WAN
# address is reserved (every lab address is); a STUN responder in wan (test-portmap.py's helper)
# lets its STUN check call the address public. The router's own packets (those STUN checks) are
# source-NATed to themselves first, so that a sym router's fully-random masquerade cannot make
# miniupnpd think it sits behind another NAT. Nothing here changes what the Lab does without it.

MAPPER_STUN_PORT = 3478
MAPPER_PCP_PORT = 5351
MAPPER_SSDP_PORT = 1900

MAPPER_RULESET = '''
add chain inet natlab upnp_forward
insert rule inet natlab forward jump upnp_forward
table inet natlabupnp {
  chain prerouting {
    type nat hook prerouting priority dstnat - 10; policy accept;
    jump upnp_prerouting
  }
  chain upnp_prerouting {
  }
  chain postrouting {
    type nat hook postrouting priority srcnat - 10; policy accept;
    oifname "wan0" ip saddr %(router_wan)s snat ip to %(router_wan)s
    jump upnp_postrouting
  }
  chain upnp_postrouting {
  }
}
'''

MAPPER_CONF = '''ext_ifname=wan0
listening_ip=lan0
http_port=0
enable_upnp=%(upnp)s
enable_natpmp=%(pcp)s
secure_mode=yes
system_uptime=no
clean_ruleset_interval=600
ext_perform_stun=yes
ext_stun_host=%(stun_host)s
ext_stun_port=%(stun_port)d
upnp_table_name=natlab
upnp_nat_table_name=natlabupnp
upnp_forward_chain=upnp_forward
upnp_nat_chain=upnp_prerouting
upnp_nat_postrouting_chain=upnp_postrouting
uuid=0b5e7f3a-6c21-4d8e-a4b7-%(uuid_tail)s
friendly_name=natlab router %(side)s
allow 1024-65535 %(lan)s 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
'''


class RouterMapper:
  """miniupnpd on side's router: upnp (UPnP IGD) and pcp (PCP and NAT-PMP) say what it serves.

  start() returns once it answers on every port it serves and has made its four STUN checks;
  stop() ends it. The lab's teardown removes it in any case (it lives in the router's namespace).
  """

  def __init__ (self, lab, side, upnp=True, pcp=True):
    if not lab.is_nat(side):
      raise LabError('a port mapper needs a NAT router (side %s is %s)' %
                     (side, lab.mode_name(side)))
    self.lab = lab
    self.side = side
    self.upnp = upnp
    self.pcp = pcp
    self.dir = os.path.join(lab.workdir, 'miniupnpd-' + side)
    self.pid = None
    self.stun = None
    self.chains_added = False

  def _ns (self):
    return 'nat' + self.side

  def _udp_listening (self, port):
    r = self.lab.exec(self._ns(), ['ss', '-Hlnu', 'sport = :%d' % port], check=False)
    return r.returncode == 0 and r.stdout.strip() != ''

  def _stun_answers (self):
    with self.stun.cond:
      return sum(1 for _, l in self.stun.lines if l.startswith('stun answered'))

  def start (self, timeout=LAB_START_TIMEOUT):
    s = SIDES[self.side]
    os.makedirs(self.dir, exist_ok=True)
    if not self.chains_added:
      self.lab.exec(self._ns(), ['nft', '-f', '-'],
                    input=MAPPER_RULESET % {'router_wan': s['router_wan']})
      self.chains_added = True
    if self.stun is None:
      helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-portmap.py')
      self.stun = self.lab.popen('wan', [sys.executable, helper, 'stun', s['wan_gw'],
                                         str(MAPPER_STUN_PORT)], name='stun-' + self.side)
      if self.stun.wait_line(lambda l: l == 'stun ready', timeout) is None:
        raise LabError('the STUN responder did not start: %s' % self.stun.stderr_text())
    conf = os.path.join(self.dir, 'miniupnpd.conf')
    pidfile = os.path.join(self.dir, 'miniupnpd.pid')
    with open(conf, 'w') as f:
      f.write(MAPPER_CONF % {'upnp': 'yes' if self.upnp else 'no',
                             'pcp': 'yes' if self.pcp else 'no', 'stun_host': s['wan_gw'],
                             'stun_port': MAPPER_STUN_PORT, 'side': self.side,
                             'uuid_tail': '%012d' % (os.getpid() * 2 + (self.side == 'B')),
                             'lan': self.lab.lan(self.side)[0]})
    if os.path.exists(pidfile):
      os.unlink(pidfile)
    answered = self._stun_answers()
    # a daemon without -d: its debug logging once stalled it for 85 s (CONNECTIVITY.md §1.7)
    self.lab.exec(self._ns(), ['miniupnpd', '-f', conf, '-P', pidfile])
    ports = ([MAPPER_PCP_PORT] if self.pcp else []) + ([MAPPER_SSDP_PORT] if self.upnp else [])
    deadline = time.monotonic() + timeout
    while True:
      try:
        with open(pidfile) as f:
          self.pid = int(f.read().strip())
      except (OSError, ValueError):
        self.pid = None
      if (self.pid is not None and all(self._udp_listening(p) for p in ports) and
          self._stun_answers() - answered >= 4):
        log('miniupnpd on nat%s (pid %d): %s' %
            (self.side, self.pid, ', '.join(n for n, on in (('UPnP', self.upnp),
                                                             ('PCP/NAT-PMP', self.pcp)) if on)))
        return self
      if time.monotonic() > deadline:
        raise LabError('miniupnpd on nat%s did not start serving within %d s (pid %s, %d STUN '
                       'answers)' % (self.side, timeout, self.pid,
                                     self._stun_answers() - answered))
      time.sleep(0.05)

  def stop (self, timeout=30):
    """Ends miniupnpd and its STUN responder and empties its chains (miniupnpd leaves its
    rules behind on SIGTERM)."""
    pid, self.pid = self.pid, None
    if pid is not None:
      try:
        os.kill(pid, signal.SIGTERM)
      except ProcessLookupError:
        pass
      deadline = time.monotonic() + timeout
      while os.path.exists('/proc/%d' % pid) and time.monotonic() < deadline:
        time.sleep(0.02)
      if os.path.exists('/proc/%d' % pid):
        os.kill(pid, signal.SIGKILL)
    if self.stun is not None:
      self.stun.stop()
      self.stun = None
    self.flush_rules()

  def flush_rules (self):
    """Removes every mapping's rules from the router (miniupnpd reads its rules back from nft)."""
    if self.chains_added:
      self.lab.exec(self._ns(), ['nft', 'flush', 'chain', 'inet', 'natlab', 'upnp_forward'])
      for chain in ('upnp_prerouting', 'upnp_postrouting'):
        self.lab.exec(self._ns(), ['nft', 'flush', 'chain', 'inet', 'natlabupnp', chain])

  def rules (self):
    """The forwarding rules miniupnpd has made (text of its filter and DNAT chains)."""
    text = self.lab.exec(self._ns(), ['nft', 'list', 'chain', 'inet', 'natlab',
                                      'upnp_forward']).stdout
    return text + self.lab.exec(self._ns(), ['nft', 'list', 'chain', 'inet', 'natlabupnp',
                                             'upnp_prerouting']).stdout


def drop_port_mapping_requests (lab, side):
  """side's router silently drops PCP / NAT-PMP requests from its LAN (no ICMP answer)."""
  lab.exec('nat' + side, ['nft', 'insert', 'rule', 'inet', 'natlab', 'input', 'iifname', 'lan0',
                          'udp', 'dport', str(MAPPER_PCP_PORT), 'drop'])


# --- helpers run inside namespaces (python3 natlab.py _cmd …) ------------------------------

def _cmd_echo (host, *ports):
  """Listens on host:ports; tells each client the address it came from."""
  import selectors
  sel = selectors.DefaultSelector()
  for port in ports:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
  print('ready', flush=True)
  while True:
    for key, _ in sel.select():
      c, addr = key.fileobj.accept()
      try:
        c.sendall(('%s:%d\n' % addr).encode())
      except OSError:
        pass
      c.close()


def _cmd_map (host, port1, port2):
  """Two connections from one local port; prints the local port and both public endpoints."""
  lport = None
  seen = []
  for port in (port1, port2):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', lport or 0))
    lport = s.getsockname()[1]
    s.settimeout(5)
    s.connect((host, int(port)))
    seen.append(s.makefile().readline().strip())
    s.close()
  print(lport, *seen)


def _cmd_syn (host, port, timeout):
  s = socket.socket()
  s.settimeout(float(timeout))
  try:
    s.connect((host, int(port)))
    print('connected')
  except ConnectionRefusedError:
    print('refused')
  except socket.timeout:
    print('timeout')
  except OSError as e:
    print('error:%s' % e.errno)


def cleanup_stale ():
  names = run(['ip', 'netns', 'list']).stdout.split('\n')
  prefixes = set()
  for line in names:
    m = re.match(r'(bl\d+-)(wan|natA|natB|lanA|lanB)\b', line)
    if m:
      prefixes.add(m.group(1))
  removed = []
  for prefix in sorted(prefixes):
    owner = os.path.join(STATE_DIR, prefix + 'owner')
    try:
      pid = int(open(owner).read())
      if os.path.exists('/proc/%d' % pid):
        continue
    except (OSError, ValueError):
      pass
    lab = Lab('masq', 'masq', prefix=prefix, workdir='/nonexistent')
    lab.own_workdir = False
    for short in ('lanA', 'lanB', 'natA', 'natB', 'wan'):
      if os.path.exists('/run/netns/' + prefix + short):
        lab._del_ns(prefix + short)
    try:
      os.unlink(owner)
    except FileNotFoundError:
      pass
    removed.append(prefix)
  return removed


def main (argv):
  import argparse
  if len(argv) > 1 and argv[1].startswith('_'):
    fn = {'_echo': _cmd_echo, '_map': _cmd_map, '_syn': _cmd_syn}[argv[1]]
    fn(*argv[2:])
    return 0
  ap = argparse.ArgumentParser(description='Burrow NAT lab (network namespaces + nftables)')
  sub = ap.add_subparsers(dest='cmd', required=True)
  c = sub.add_parser('check', help='build a lab and verify the router behaviours')
  c.add_argument('mode_a')
  c.add_argument('mode_b')
  u = sub.add_parser('up', help='build a lab and keep it until interrupted')
  u.add_argument('mode_a')
  u.add_argument('mode_b')
  u.add_argument('--hub', action='store_true')
  u.add_argument('--tls', action='store_true')
  sub.add_parser('cleanup', help='remove namespaces of dead runs')
  args = ap.parse_args(argv[1:])
  if args.cmd == 'cleanup':
    print('removed: %s' % (' '.join(cleanup_stale()) or 'nothing'))
    return 0
  why = usable()
  if why:
    print('natlab: %s' % why)
    return 77
  with Lab(args.mode_a, args.mode_b) as lab:
    if args.cmd == 'check':
      try:
        lab.self_check()
      except LabError as e:
        print('FAIL: %s' % e)
        return 1
      print('OK: A=%s B=%s behave as specified' % (lab.mode_name('A'), lab.mode_name('B')))
      return 0
    hub = lab.start_hub(tls=args.tls) if args.hub else None
    print('lab %s up; enter with: ip netns exec %slanA bash%s' %
          (lab.prefix, lab.prefix, ('; hub %s' % hub.url) if hub else ''), flush=True)
    try:
      signal.pause()
    except KeyboardInterrupt:
      pass
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv))
