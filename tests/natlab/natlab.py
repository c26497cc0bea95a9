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
import ipaddress
import json
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


class CellFailure (Exception):
  """A cell's own check failed in a way that ends the cell at once."""


def steps_of (record):
  """The step names of a punch record, in order."""
  return [s.get('step') for s in record.get('steps', [])]


def cell_main (cells, describe, run, summarize):
  """The main of a matrix script: --cell NAME --cli PATH [--list] [--no-self-check]. Skips (77)
  where the lab cannot run. run(name, cli, self_check) returns (problems, result);
  describe(name) says what the cell does, summarize(result) what happened, one line each."""
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
  why = usable()
  if why:
    print('SKIP: %s' % why)
    return 77
  print('cell %s: %s' % (args.cell, describe(args.cell)), flush=True)
  try:
    problems, res = run(args.cell, args.cli, not args.no_self_check)
  except LabError as e:
    print('FAIL (lab): %s' % e)
    return 1
  except CellFailure as e:
    print('FAIL: %s' % e)
    return 1
  summary = summarize(res)
  if problems:
    print('FAIL: %s' % summary)
    for p in problems:
      print('  - %s' % p)
    return 1
  print('PASS: %s' % summary)
  return 0


def _json_object (line):
  line = line.strip()
  if not line.startswith('{'):
    return None
  try:
    return json.loads(line)
  except ValueError:
    return None


def json_events (proc, pred):
  """(time, object) of every JSON line a Proc printed with pred(object) true."""
  with proc.cond:
    lines = list(proc.lines)
  return [(when, obj) for when, obj in ((w, _json_object(l)) for w, l in lines)
          if obj is not None and pred(obj)]


def wait_json (proc, pred, timeout, start=0):
  """Waits for a JSON line of a Proc (its line start on) with pred(object) true; returns
  (time, object) or None."""
  got = proc.wait_line(lambda l: (lambda obj: obj is not None and pred(obj))(_json_object(l)),
                       timeout, start=start)
  return (got[0], _json_object(got[1])) if got else None


def connectivity_of (family):
  """A predicate: a burrow-cli `connectivity` event for family ('ipv4' or 'ipv6')."""
  return lambda obj: obj.get('event') == 'connectivity' and obj.get('family') == family


def run_cell (lab, cell, run):
  """Builds LAB and calls run() in it; the lab is torn down whatever happens, a signal
  included. Prints PASS or FAIL with the reason and returns the exit code: 1 when the lab cannot
  be built (as root that is a failure, never a skip) or the cell fails. run() may return a text
  for the PASS line."""
  def on_signal (signum, frame):
    lab.teardown()
    os._exit(128 + signum)

  for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, on_signal)
  try:
    try:
      lab.build()
    except LabError as e:
      print('FAIL: the lab could not be built: %s' % e)
      return 1
    note = run()
  except (AssertionError, LabError) as e:
    print('FAIL (%s): %s' % (cell, e))
    return 1
  finally:
    lab.teardown()
  print('PASS: %s%s' % (cell, ' (%s)' % note if note else ''))
  return 0


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

  def launch_uhub (self, port, bind, name, tls=False, extra=(), proc_name='uhub'):
    """Writes a uhub configuration (bound to @bind, @extra lines added; TLS required with a
    fresh self-signed certificate when @tls), has uhub check it and starts it in wan; returns
    its Proc, once it says it listens, and its directory."""
    d = os.path.join(self.workdir, '%s-%d' % (proc_name, port))
    os.makedirs(d, exist_ok=True)
    acl, plugins = os.path.join(d, 'acl.conf'), os.path.join(d, 'plugins.conf')
    for f in (acl, plugins):
      open(f, 'w').close()
    conf = ['server_port=%d' % port, 'server_bind_addr=%s' % bind, 'hub_name=%s' % name,
            'max_users=100', 'registered_users_only=0', 'file_acl=%s' % acl,
            'file_plugins=%s' % plugins, 'show_banner=0',
            'limit_max_hubs_user=0', 'limit_max_hubs_reg=0', 'limit_max_hubs_op=0',
            'limit_max_hubs=0'] + list(extra)
    if tls:
      cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
      run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
           '-out', cert, '-days', '2', '-subj', '/CN=%s-hub' % name], timeout=60)
      conf += ['tls_enable=yes', 'tls_require=yes', 'tls_certificate=%s' % cert,
               'tls_private_key=%s' % key]
    path = os.path.join(d, 'uhub.conf')
    with open(path, 'w') as f:
      f.write('\n'.join(conf) + '\n')
    check = run(['uhub', '-C', '-c', path], check=False)
    if check.returncode != 0:
      raise LabError('uhub rejects its configuration: %s' % (check.stdout + check.stderr))
    p = self.popen('wan', ['uhub', '-c', path], name=proc_name, stderr_to_stdout=True)
    if p.wait_line(lambda l: 'listening on' in l, LAB_START_TIMEOUT) is None:
      raise LabError('uhub did not start: %s' % p.stdout_text())
    return p, d

  def start_hub (self, port=1511, tls=False, flood=False, name='natlab'):
    flood_conf = ['flood_ctl_interval=5', 'flood_ctl_chat=3', 'flood_ctl_connect=20',
                  'flood_ctl_search=1', 'flood_ctl_update=2', 'flood_ctl_extras=5']
    p, d = self.launch_uhub(port, HUB_IP, name, tls, flood_conf if flood else ())
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


# === Port mapping on a lab router (connectivity-bench, natlab-bench --mapper, test-autolab.py,
# test-portmap.py) ================================================================================
#
# A real miniupnpd on one side's router (issue #16; CONNECTIVITY.md §1): PCP and NAT-PMP on UDP
# 5351 and/or UPnP IGD (SSDP on 1900 and a random HTTP port) on lan0, writing its rules into
# chains this section adds beside the router's own (or into those of a router ruleset that has
# them). miniupnpd refuses to forward while its WAN address is reserved (every lab address is); a
# STUN responder in wan (test-portmap.py's helper) lets its STUN check call the address public.
# The router's own packets (those STUN checks) are source-NATed to themselves first, so that a
# sym router's fully-random masquerade cannot make miniupnpd think it sits behind another NAT.
# Nothing here changes what the Lab does without it.

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
listening_ip=%(lan_if)s
http_port=0
enable_upnp=%(upnp)s
enable_natpmp=%(pcp)s
secure_mode=yes
system_uptime=no
clean_ruleset_interval=600
ext_perform_stun=%(stun)s
ext_stun_host=%(stun_host)s
ext_stun_port=%(stun_port)d
upnp_table_name=%(filter_table)s
upnp_nat_table_name=%(nat_table)s
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

  On a Lab's NAT router it adds its chains beside the router's own (MAPPER_RULESET). A lab of
  another shape names the router's namespace (ns), its LAN interface (lan_if) and subnet (lan),
  the address of the wan's STUN responder (stun_host), and tables: (filter table, nat table)
  whose chains upnp_forward, upnp_prerouting and upnp_postrouting its own ruleset already has.
  lab needs exec (ns, argv, check=, input=), popen (ns, argv, name=) and workdir.

  start() returns once it answers on every port it serves and, with stun, has made its four STUN
  checks; without stun it makes none and so thinks it sits behind another NAT (it maps nothing).
  stop() ends miniupnpd and its STUN responder and empties its chains; stop(keep_stun=True) and
  start() again are a reboot of the router. The lab's teardown removes both in any case (they
  live in the lab's namespaces).
  """

  def __init__ (self, lab, side, upnp=True, pcp=True, ns=None, lan_if='lan0', lan=None,
                stun_host=None, tables=None):
    if tables is None and not lab.is_nat(side):
      raise LabError('a port mapper needs a NAT router (side %s is %s)' %
                     (side, lab.mode_name(side)))
    self.lab = lab
    self.side = side
    self.upnp = upnp
    self.pcp = pcp
    self.ns = ns or 'nat' + side
    self.lan_if = lan_if
    self.lan = lan or lab.lan(side)[0]
    self.stun_host = stun_host or SIDES[side]['wan_gw']
    self.own_chains = tables is None
    self.filter_table, self.nat_table = tables or ('natlab', 'natlabupnp')
    self.dir = os.path.join(lab.workdir, 'miniupnpd-' + side)
    self.pid = None
    self.stun = None
    self.started = False
    self.chains_added = False

  @property
  def ports (self):
    """The UDP ports it serves (pcp and upnp may change between a stop and a start)."""
    return ([MAPPER_PCP_PORT] if self.pcp else []) + ([MAPPER_SSDP_PORT] if self.upnp else [])

  def _udp_listening (self, port):
    r = self.lab.exec(self.ns, ['ss', '-Hlnu', 'sport = :%d' % port], check=False)
    return r.returncode == 0 and r.stdout.strip() != ''

  def _stun_answers (self):
    if self.stun is None:
      return 0
    with self.stun.cond:
      return sum(1 for _, l in self.stun.lines if l.startswith('stun answered'))

  def start_stun (self, timeout=LAB_START_TIMEOUT):
    """The STUN responder in wan that miniupnpd's check asks (started once)."""
    if self.stun is not None:
      return
    helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-portmap.py')
    self.stun = self.lab.popen('wan', [sys.executable, helper, 'stun', self.stun_host,
                                       str(MAPPER_STUN_PORT)], name='stun-' + self.side)
    if self.stun.wait_line(lambda l: l == 'stun ready', timeout) is None:
      raise LabError('the STUN responder did not start: %s' % self.stun.stderr_text())

  def start (self, timeout=LAB_START_TIMEOUT, stun=True):
    os.makedirs(self.dir, exist_ok=True)
    if self.own_chains and not self.chains_added:
      self.lab.exec(self.ns, ['nft', '-f', '-'],
                    input=MAPPER_RULESET % {'router_wan': SIDES[self.side]['router_wan']})
      self.chains_added = True
    if stun:
      self.start_stun(timeout)
    conf = os.path.join(self.dir, 'miniupnpd.conf')
    pidfile = os.path.join(self.dir, 'miniupnpd.pid')
    with open(conf, 'w') as f:
      f.write(MAPPER_CONF % {'upnp': 'yes' if self.upnp else 'no',
                             'pcp': 'yes' if self.pcp else 'no', 'lan_if': self.lan_if,
                             'stun': 'yes' if stun else 'no', 'stun_host': self.stun_host,
                             'stun_port': MAPPER_STUN_PORT, 'side': self.side,
                             'filter_table': self.filter_table, 'nat_table': self.nat_table,
                             'uuid_tail': '%012d' % (os.getpid() * 2 + (self.side == 'B')),
                             'lan': self.lan})
    if os.path.exists(pidfile):
      os.unlink(pidfile)
    answered = self._stun_answers()
    self.started = True
    # a daemon without -d: its debug logging once stalled it for 85 s (CONNECTIVITY.md §1.7)
    self.lab.exec(self.ns, ['miniupnpd', '-f', conf, '-P', pidfile])
    deadline = time.monotonic() + timeout
    while True:
      try:
        with open(pidfile) as f:
          self.pid = int(f.read().strip())
      except (OSError, ValueError):
        self.pid = None
      if (self.pid is not None and all(self._udp_listening(p) for p in self.ports) and
          (not stun or self._stun_answers() - answered >= 4)):
        log('miniupnpd on %s (pid %d): %s%s' %
            (self.ns, self.pid, ', '.join(n for n, on in (('UPnP', self.upnp),
                                                          ('PCP/NAT-PMP', self.pcp)) if on),
             '' if stun else ', no STUN check'))
        return self
      if time.monotonic() > deadline:
        raise LabError('miniupnpd on %s did not start serving within %d s (pid %s, %d STUN '
                       'answers)' % (self.ns, timeout, self.pid,
                                     self._stun_answers() - answered))
      time.sleep(0.05)

  def stop (self, timeout=30, keep_stun=False):
    """Ends miniupnpd (SIGTERM, SIGKILL after timeout) and, unless keep_stun, its STUN responder;
    returns once its ports are free and its chains empty (miniupnpd leaves its rules behind on
    SIGTERM)."""
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
      while any(self._udp_listening(p) for p in self.ports) and time.monotonic() < deadline:
        time.sleep(0.05)
    if self.stun is not None and not keep_stun:
      self.stun.stop()
      self.stun = None
    self.flush_rules()

  def flush_rules (self):
    """Removes every mapping's rules from the router (miniupnpd reads its rules back from nft)."""
    if self.started:
      self.lab.exec(self.ns, ['nft', 'flush', 'chain', 'inet', self.filter_table,
                              'upnp_forward'])
      for chain in ('upnp_prerouting', 'upnp_postrouting'):
        self.lab.exec(self.ns, ['nft', 'flush', 'chain', 'inet', self.nat_table, chain])

  def rules (self):
    """The forwarding rules miniupnpd has made (text of its filter and DNAT chains)."""
    text = self.lab.exec(self.ns, ['nft', 'list', 'chain', 'inet', self.filter_table,
                                   'upnp_forward']).stdout
    return text + self.lab.exec(self.ns, ['nft', 'list', 'chain', 'inet', self.nat_table,
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


# ==============================================================================================
# IPv6 (issue #16): two hosts behind stateful firewalls without NAT, a hub on IPv6 or both families
# ==============================================================================================
#
#   hostA 2001:db8:a::2 192.0.2.2  -- fwA (wan0 2001:db8:1a::2 198.51.100.2)   --\
#                                                                                  wan (router; hub
#   hostB 2001:db8:b::2 192.0.2.66 -- fwB (wan0 2001:db8:1b::2 198.51.100.130) --/  2001:db8:ff::1
#                                                                                   and 203.0.113.1
#                                                                                   on lo)
#
# Every address is from a documentation range. A host's family says which of its addresses exist:
# 'v6' (IPv6 only), 'v4' (IPv4 only) or 'dual'; the routers always route both. Host namespaces
# resolve HUB6_NAME to both hub addresses (/etc/netns/NS/hosts, which `ip netns exec` mounts).
# Firewall modes (nftables, one ruleset per fw router, no NAT):
#   fw-drop    unsolicited inbound silently dropped
#   fw-reject  unsolicited inbound TCP answered with a reset, anything else with ICMP
#              administratively prohibited (OpenWrt's stock wan zone)
#   open       inbound accepted (an active user)
# All three accept established/related traffic, drop invalid, pass ICMP (RFC 4890) and let the
# LAN out.
#
# The hop-limit probe (SimOpen6): a helper in each host namespace does one TCP simultaneous open
# per run on a fresh port, A first and B 50 ms later (the DC++ timing), optionally with A's first
# SYN sent at hop limit 2 (and IPV6_MINHOPCOUNT 2), restored right after connect(). It needs no
# retries: a run either connects at once or its first attempt is refused or lost.

FW6_MODES = ('fw-drop', 'fw-reject', 'open')
FAMILIES6 = ('v6', 'v4', 'dual')
HUB6_IP = '2001:db8:ff::1'
HUB6_NAME = 'hub.example'
IPV6_MINHOPCOUNT = 73   # <linux/in6.h>; Python's socket module does not name it

SIDES6 = {
  'A': {'wan_if': 'toA',
        'link6': ('2001:db8:1a::1', '2001:db8:1a::2'),
        'lan6': ('2001:db8:a::/64', '2001:db8:a::1', '2001:db8:a::2'),
        'link4': ('198.51.100.1', '198.51.100.2'),
        'lan4': ('192.0.2.0/26', '192.0.2.1', '192.0.2.2')},
  'B': {'wan_if': 'toB',
        'link6': ('2001:db8:1b::1', '2001:db8:1b::2'),
        'lan6': ('2001:db8:b::/64', '2001:db8:b::1', '2001:db8:b::2'),
        'link4': ('198.51.100.129', '198.51.100.130'),
        'lan4': ('192.0.2.64/26', '192.0.2.65', '192.0.2.66')},
}


# The chains miniupnpd fills (RouterMapper with tables=('natlab6', 'natlab6')): pinholes in
# upnp_forward, which the forward chain jumps to before the firewall's drop or reject; the NAT
# chains stay empty (no NAT here), miniupnpd only needs them to exist.
MAPPER6_CHAINS = '''  chain upnp_forward {
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump upnp_prerouting
  }
  chain upnp_prerouting {
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump upnp_postrouting
  }
  chain upnp_postrouting {
  }
'''


class Lab6 (Lab):
  """The IPv6 firewall topology above, firewalls in mode_a / mode_b (FW6_MODES)."""

  def __init__ (self, mode_a, mode_b, family_a='v6', family_b='v6', prefix=None, workdir=None,
                mapper_sides=()):
    for mode in (mode_a, mode_b):
      if mode not in FW6_MODES:
        raise LabError('unknown IPv6 firewall mode %r (one of %s)' % (mode, ', '.join(FW6_MODES)))
    for family in (family_a, family_b):
      if family not in FAMILIES6:
        raise LabError('unknown host family %r (one of %s)' % (family, ', '.join(FAMILIES6)))
    self.fw_mode = {'A': mode_a, 'B': mode_b}
    self.family = {'A': family_a, 'B': family_b}
    # routers whose ruleset has the chains a port mapper (start_mapper) writes its pinholes to
    self.mapper_sides = tuple(mapper_sides)
    self.mappers = {}
    self.prefix = prefix or 'b6%d-' % (os.getpid() % 1000)
    self.namespaces = []
    self.procs = []
    self.built = False
    self.own_workdir = workdir is None
    self.workdir = workdir or tempfile.mkdtemp(prefix='natlab6-')
    self.etc_dirs = []

  def mode_name (self, side):
    return '%s/%s' % (self.fw_mode[side], self.family[side])

  def has (self, side, family):
    return self.family[side] in (family, 'dual')

  def host_ip6 (self, side):
    return SIDES6[side]['lan6'][2] if self.has(side, 'v6') else None

  def host_ip4 (self, side):
    return SIDES6[side]['lan4'][2] if self.has(side, 'v4') else None

  def host_ns (self, side):
    return 'host' + side

  def hub_url (self, family, port, tls=False):
    """The hub's URL as a user of family ('v6', 'v4' or 'name': HUB6_NAME, both families)."""
    host = {'v6': '[%s]' % HUB6_IP, 'v4': HUB_IP, 'name': HUB6_NAME}[family]
    return '%s://%s:%d' % ('adcs' if tls else 'adc', host, port)

  def _build (self):
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(os.path.join(STATE_DIR, self.prefix + 'owner'), 'w') as f:
      f.write('%d\n' % os.getpid())
    for short in ('wan', 'fwA', 'fwB', 'hostA', 'hostB'):
      name = self.ns(short)
      if os.path.exists('/run/netns/' + name):
        self._del_ns(name)
      run(['ip', 'netns', 'add', name])
      self.namespaces.append(name)
      self.ip(short, 'link', 'set', 'lo', 'up')
      # no duplicate address detection on the links made below: while a link-local address is
      # tentative, neighbour discovery fails and the first connects get EHOSTUNREACH
      self.sysctl(short, 'net.ipv6.conf.default.accept_dad', 0)
      self.sysctl(short, 'net.ipv6.conf.all.accept_dad', 0)
    self.ip('wan', '-6', 'addr', 'add', HUB6_IP + '/128', 'dev', 'lo')
    self.ip('wan', 'addr', 'add', HUB_IP + '/32', 'dev', 'lo')
    self.sysctl('wan', 'net.ipv6.conf.all.forwarding', 1)
    self.sysctl('wan', 'net.ipv4.ip_forward', 1)
    for side in ('A', 'B'):
      s = SIDES6[side]
      fw, host = 'fw' + side, 'host' + side
      self.ip(fw, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', s['wan_if'],
              'netns', self.ns('wan'))
      self.ip(fw, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0',
              'netns', self.ns(host))
      self.ip('wan', '-6', 'addr', 'add', s['link6'][0] + '/64', 'dev', s['wan_if'], 'nodad')
      self.ip('wan', 'addr', 'add', s['link4'][0] + '/25', 'dev', s['wan_if'])
      self.ip('wan', 'link', 'set', s['wan_if'], 'up')
      self.ip('wan', '-6', 'route', 'add', s['lan6'][0], 'via', s['link6'][1])
      self.ip('wan', 'route', 'add', s['lan4'][0], 'via', s['link4'][1])
      self.ip(fw, '-6', 'addr', 'add', s['link6'][1] + '/64', 'dev', 'wan0', 'nodad')
      self.ip(fw, 'addr', 'add', s['link4'][1] + '/25', 'dev', 'wan0')
      self.ip(fw, '-6', 'addr', 'add', s['lan6'][1] + '/64', 'dev', 'lan0', 'nodad')
      self.ip(fw, 'addr', 'add', s['lan4'][1] + '/26', 'dev', 'lan0')
      self.ip(fw, 'link', 'set', 'wan0', 'up')
      self.ip(fw, 'link', 'set', 'lan0', 'up')
      self.ip(fw, '-6', 'route', 'add', 'default', 'via', s['link6'][0])
      self.ip(fw, 'route', 'add', 'default', 'via', s['link4'][0])
      self.sysctl(fw, 'net.ipv6.conf.all.forwarding', 1)
      self.sysctl(fw, 'net.ipv4.ip_forward', 1)
      if self.has(side, 'v6'):
        self.ip(host, '-6', 'addr', 'add', s['lan6'][2] + '/64', 'dev', 'eth0', 'nodad')
      if self.has(side, 'v4'):
        self.ip(host, 'addr', 'add', s['lan4'][2] + '/26', 'dev', 'eth0')
      self.ip(host, 'link', 'set', 'eth0', 'up')
      if self.has(side, 'v6'):
        self.ip(host, '-6', 'route', 'add', 'default', 'via', s['lan6'][1])
      if self.has(side, 'v4'):
        self.ip(host, 'route', 'add', 'default', 'via', s['lan4'][1])
      run(['ip', 'netns', 'exec', self.ns(fw), 'nft', '-f', '-'], input=self.ruleset(side))
      etc = os.path.join('/etc/netns', self.ns(host))
      os.makedirs(etc, exist_ok=True)
      self.etc_dirs.append(etc)
      with open(os.path.join(etc, 'hosts'), 'w') as f:
        f.write('127.0.0.1 localhost\n::1 localhost\n%s %s\n%s %s\n' %
                (HUB6_IP, HUB6_NAME, HUB_IP, HUB6_NAME))
    self.built = True
    log('IPv6 lab %s up: A=%s B=%s' % (self.prefix, self.mode_name('A'), self.mode_name('B')))

  def ruleset (self, side):
    mode = self.fw_mode[side]
    if mode == 'open':
      inbound, final = 'iifname "wan0" accept', 'drop'
    elif mode == 'fw-reject':
      inbound = ('iifname "wan0" meta l4proto tcp reject with tcp reset\n'
                 '    iifname "wan0" reject with icmpx admin-prohibited')
      final = 'meta l4proto tcp reject with tcp reset\n    iifname "wan0" drop'
    else:
      inbound, final = 'iifname "wan0" drop', 'drop'
    mapper = side in self.mapper_sides
    return '''flush ruleset
table inet natlab6 {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iifname "lan0" accept
    meta l4proto { icmp, ipv6-icmp } accept
    %(jump)s%(inbound)s
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" meta l4proto { icmp, ipv6-icmp } accept
    iifname "wan0" %(final)s
  }
%(mapper_chains)s}
''' % {'inbound': inbound, 'final': final,
       'jump': 'jump upnp_forward\n    ' if mapper else '',
       'mapper_chains': MAPPER6_CHAINS if mapper else ''}

  # --- a port mapper on a firewall router -------------------------------------------------

  def start_mapper (self, side, upnp=False, pcp=True):
    """miniupnpd on side's firewall router (built with side in mapper_sides): PCP (and
    NAT-PMP) and/or UPnP IGD on lan0, its pinholes in the ruleset's upnp_forward chain, in front
    of the firewall's own drop or reject. Its STUN check asks a responder on HUB_IP: the
    router's IPv4 WAN address is its own (no NAT), so miniupnpd calls it public and forwards.
    miniupnpd 2.3.1 answers PCP over IPv6 whatever pcp says."""
    if side not in self.mapper_sides:
      raise LabError('router %s was built without the port mapper\'s chains' % side)
    self.mappers[side] = RouterMapper(self, side, upnp=upnp, pcp=pcp, ns='fw' + side,
                                      lan_if='lan0', lan=SIDES6[side]['lan4'][0],
                                      stun_host=HUB_IP, tables=('natlab6', 'natlab6')).start()
    return self.mappers[side]

  def pinhole_rules (self, side, address, port):
    """The lines of the rules miniupnpd holds on side's router for address and port (it writes
    the IPv6 destination as a raw match on the header: @nh,192,128 0x2001...)."""
    raw = '0x' + ipaddress.IPv6Address(address).packed.hex()
    return [l.strip() for l in self.mappers[side].rules().splitlines()
            if raw in l and 'dport %d ' % port in l]

  def teardown (self):
    super().teardown()
    for etc in self.etc_dirs:
      subprocess.run(['rm', '-rf', etc])
    self.etc_dirs = []

  # --- uhub on IPv6 -----------------------------------------------------------------------

  def start_hub6 (self, port=1511, families='v6', tls=False, name='natlab6'):
    """uhub in wan, listening on HUB6_IP only (families 'v6') or on both families ('dual':
    server_bind_addr=any, one socket with IPV6_V6ONLY off). Checks from the hosts that it really
    accepts connections on each family it should."""
    bind = {'v6': HUB6_IP, 'dual': 'any'}[families]
    p, d = self.launch_uhub(port, bind, name, tls, proc_name='uhub6')
    # the kernel's view: a TCP listener on the IPv6 address (or the IPv6 wildcard)
    want = {'v6': '[%s]:%d' % (HUB6_IP, port), 'dual': '[::]:%d' % port}[families]
    ss = self.exec('wan', ['ss', '-Hltn']).stdout.split()
    if want not in ss and not (families == 'dual' and '*:%d' % port in ss):
      raise LabError('uhub does not listen on %s: ss shows %s' % (want, ' '.join(ss)))
    for family in ('v6', 'v4') if families == 'dual' else ('v6',):
      hosts = [s for s in ('A', 'B') if self.has(s, family)]
      ns = self.host_ns(hosts[0]) if hosts else 'wan'
      addr = HUB6_IP if family == 'v6' else HUB_IP
      if not self.tcp_ready(ns, addr, port, LAB_START_TIMEOUT):
        raise LabError('uhub does not accept %s connections from %s: %s' %
                       (family, ns, p.stdout_text()))
    if families == 'v6' and self.tcp_ready('wan', HUB_IP, port, 2):
      raise LabError('uhub bound to %s also accepts IPv4 connections' % HUB6_IP)
    url = self.hub_url('v6', port, tls)
    log('uhub up at %s (%s)' % (url, families))
    return Hub(p, url, port, tls, d)

  # --- self check -------------------------------------------------------------------------

  def expected_inbound (self, side):
    """What an unsolicited connect from the wan to side's host must end in."""
    return {'fw-drop': 'timeout', 'fw-reject': 'refused', 'open': 'connected'}[self.fw_mode[side]]

  def self_check6 (self, runs=20):
    """Verifies addressing, filtering and (when both hosts have IPv6) the hop-limit probe:
    hop limit 2 connects in every run; a plain first attempt connects in every run unless B's
    firewall rejects (then in none: A's SYN is answered with a reset, CONNECTIVITY.md §3.4).
    Raises LabError on any deviation; returns the probe's results."""
    problems = []
    srv = self.popen('wan', [sys.executable, os.path.abspath(__file__), '_echo6', HUB6_IP,
                             HUB_IP, '7101'], name='echo6')
    if srv.wait_line(lambda l: l == 'ready', LAB_START_TIMEOUT) is None:
      raise LabError('echo listener did not start: %s' % srv.stderr_text())
    for side in ('A', 'B'):
      for family, own, hub in (('v6', self.host_ip6(side), HUB6_IP),
                               ('v4', self.host_ip4(side), HUB_IP)):
        if own is None:
          # a host without this family must not reach the hub over it
          r = self._helper(self.host_ns(side), '_whoami6', hub, '7101')
          if r.returncode == 0:
            problems.append('%s has no %s address but reached %s' % (side, family, hub))
          continue
        r = self._helper(self.host_ns(side), '_whoami6', hub, '7101')
        seen = r.stdout.strip()
        if r.returncode != 0 or seen != own:
          problems.append('%s over %s: the hub sees %r, expected %s (no NAT) %s' %
                          (side, family, seen, own, r.stderr.strip()))
        # an unsolicited connect from the internet
        lst = self.popen(self.host_ns(side), [sys.executable, os.path.abspath(__file__), '_echo6',
                                              own, '7201'], name='host-echo6')
        if lst.wait_line(lambda l: l == 'ready', LAB_START_TIMEOUT) is None:
          raise LabError('listener on %s did not start: %s' % (side, lst.stderr_text()))
        r = self._helper('wan', '_syn6', own, '7201', '1.5')
        lst.stop()
        outcome, want = r.stdout.strip(), self.expected_inbound(side)
        log('%s %s: unsolicited inbound %s connect → %s' % (side, self.mode_name(side), family,
                                                              outcome))
        if outcome != want:
          problems.append('%s (%s): unsolicited connect to %s:7201 → %s, expected %s' %
                          (side, self.fw_mode[side], own, outcome, want))
    srv.stop()
    if problems:
      raise LabError('; '.join(problems))
    if not (self.has('A', 'v6') and self.has('B', 'v6')):
      return {}
    results = {}
    with SimOpen6(self) as probe:
      for label, hl in (('hop-limit-2', 2), ('plain', 0)):
        got = [probe.run(hl) for _ in range(runs)]
        ok = [r for r in got if r['ok']]
        want = runs if (hl or self.fw_mode['B'] != 'fw-reject') else 0
        results[label] = got
        log('probe %s: %d/%d first attempts connected%s' % (
            label, len(ok), runs, ', median %.3f s' % median([r['s'] for r in ok]) if ok else ''))
        if len(ok) != want:
          problems.append('simultaneous open %s: %d/%d connected, expected %d/%d (e.g. A %s, B %s)' %
                          (label, len(ok), runs, want, runs, got[0]['a'], got[0]['b']))
    if problems:
      raise LabError('; '.join(problems))
    return results


def median (values):
  values = sorted(values)
  n = len(values)
  if n == 0:
    return None
  return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


class SimOpen6:
  """The hop-limit probe: one helper in each host namespace, driven run by run."""

  def __init__ (self, lab, offset=0.05, deadline=3.0, first_port=41000):
    self.offset = offset
    self.deadline = deadline
    self.port = first_port
    self.procs = {}
    me = os.path.abspath(__file__)
    for side, peer in (('A', 'B'), ('B', 'A')):
      self.procs[side] = lab.popen(lab.host_ns(side),
                                   [sys.executable, me, '_simopen6', lab.host_ip6(side),
                                    lab.host_ip6(peer), side], name='simopen6-' + side, stdin=True)
    for side, p in self.procs.items():
      if p.wait_line(lambda l: l == 'ready', LAB_START_TIMEOUT) is None:
        raise LabError('probe helper %s did not start: %s' % (side, p.stderr_text()))

  def __enter__ (self):
    return self

  def __exit__ (self, *exc):
    self.close()
    return False

  def close (self):
    for p in self.procs.values():
      p.stop()

  def _send (self, side, line):
    try:
      self.procs[side].p.stdin.write(line + '\n')
      self.procs[side].p.stdin.flush()
    except OSError as e:
      raise LabError('probe helper %s is gone: %s' % (side, e))

  def _result (self, side, start):
    got = self.procs[side].wait_line(lambda l: l.startswith(('ok', 'fail')),
                                     self.deadline + LAB_START_TIMEOUT, start=start)
    if got is None:
      raise LabError('probe helper %s gave no result: %s' % (side, self.procs[side].stderr_text()))
    return got

  def run (self, hop_limit):
    """One simultaneous open on a fresh port: A starts (its first SYN at hop_limit unless 0), B
    starts self.offset s later with a normal SYN. Returns {'ok', 's' (A's start until both are
    connected), 'a', 'b' (the helpers' result lines)}."""
    self.port += 1
    starts = {s: len(p.lines) for s, p in self.procs.items()}
    t0 = time.monotonic()
    self._send('A', 'go %d %d %.3f' % (self.port, hop_limit, self.deadline))
    time.sleep(self.offset)  # the protocol's offset between the two starts, not a wait for an event
    self._send('B', 'go %d 0 %.3f' % (self.port, self.deadline))
    ta, la = self._result('A', starts['A'])
    if not la.startswith('ok'):
      self._send('B', 'abort')
    tb, lb = self._result('B', starts['B'])
    ok = la.startswith('ok') and lb.startswith('ok')
    return {'ok': ok, 's': max(ta, tb) - t0 if ok else None, 'a': la, 'b': lb}


# --- helpers run inside namespaces (python3 natlab.py _cmd …) ------------------------------

def _family_of (host):
  return socket.AF_INET6 if ':' in host else socket.AF_INET


def _cmd_echo6 (*args):
  """_echo6 HOST… PORT: listens on each HOST:PORT (either family); tells each client its address."""
  import selectors
  *hosts, port = args
  sel = selectors.DefaultSelector()
  for host in hosts:
    s = socket.socket(_family_of(host))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
  print('ready', flush=True)
  while True:
    for key, _ in sel.select():
      c, addr = key.fileobj.accept()
      try:
        c.sendall(('%s\n' % addr[0]).encode())
      except OSError:
        pass
      c.close()


def _cmd_whoami6 (host, port):
  """Prints the address an _echo6 listener at host:port sees for us; exit 1 when unreachable."""
  try:
    with socket.create_connection((host, int(port)), timeout=5) as s:
      print(s.makefile().readline().strip())
  except OSError as e:
    print('unreachable: %s' % e, file=sys.stderr)
    sys.exit(1)


def _cmd_syn6 (host, port, timeout):
  """One connect to host:port: prints connected, refused, timeout or error:ERRNO."""
  s = socket.socket(_family_of(host))
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


def _simopen6_attempt (local_ip, peer_ip, side, port, hop_limit, deadline, pending, read_command):
  """One non-blocking simultaneous-open attempt; the result line ('ok MS' / 'fail WHY MS')."""
  import errno
  import select
  t0 = time.monotonic()

  def result (what):
    return '%s %.1f' % (what, (time.monotonic() - t0) * 1000)
  s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
  try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((local_ip, port))
    if hop_limit:
      s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hop_limit)
      s.setsockopt(socket.IPPROTO_IPV6, IPV6_MINHOPCOUNT, hop_limit)
    s.setblocking(False)
    err = s.connect_ex((peer_ip, port))
    if hop_limit:
      # the retransmissions and the rest of the connection use the route's hop limit
      s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, -1)
    if err not in (0, errno.EINPROGRESS):
      return result('fail %s' % errno.errorcode.get(err, err))
    poller = select.poll()
    poller.register(s, select.POLLOUT)
    poller.register(0, select.POLLIN)
    while True:
      left = deadline - (time.monotonic() - t0)
      if left <= 0:
        return result('fail timeout')
      # the abort may have come in the same read as this run's 'go'
      if 'abort' in pending:
        pending.remove('abort')
        return result('fail aborted')
      ready = dict(poller.poll(left * 1000))
      if 0 in ready:
        read_command()
        continue
      if s.fileno() in ready:
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
          return result('fail %s' % errno.errorcode.get(err, err))
        break
    # prove that the two ends are connected to each other
    s.setblocking(True)
    s.settimeout(max(0.1, deadline - (time.monotonic() - t0)))
    s.sendall(side.encode())
    got = s.recv(1)
    want = b'B' if side == 'A' else b'A'
    if got != want:
      return result('fail peer-sent-%r' % got)
    return result('ok')
  except OSError as e:
    return result('fail %s' % (errno.errorcode.get(e.errno, e.errno) if e.errno else e))
  finally:
    s.close()


def _cmd_simopen6 (local_ip, peer_ip, side):
  """Reads 'go PORT HOP_LIMIT DEADLINE' lines (and 'abort' during a run) on stdin; prints one
  result line per run."""
  pending = []
  buf = [b'']

  def read_command ():
    data = os.read(0, 4096)
    if not data:
      sys.exit(0)
    buf[0] += data
    *lines, buf[0] = buf[0].split(b'\n')
    pending.extend(l.decode().strip() for l in lines)
  print('ready', flush=True)
  while True:
    if not pending:
      read_command()
      continue
    parts = pending.pop(0).split()
    if len(parts) != 4 or parts[0] != 'go':
      continue   # a late 'abort' for a run that already ended
    print(_simopen6_attempt(local_ip, peer_ip, side, int(parts[1]), int(parts[2]),
                            float(parts[3]), pending, read_command), flush=True)


_V6_COMMANDS = {'_echo6': _cmd_echo6, '_whoami6': _cmd_whoami6, '_syn6': _cmd_syn6,
                '_simopen6': _cmd_simopen6}


def main (argv):
  import argparse
  if len(argv) > 1 and argv[1].startswith('_'):
    fn = {'_echo': _cmd_echo, '_map': _cmd_map, '_syn': _cmd_syn, **_V6_COMMANDS}[argv[1]]
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
