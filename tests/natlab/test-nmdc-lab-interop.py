#!/usr/bin/python3
# test-nmdc-lab-interop.py — Burrow with real NMDC clients in the NAT lab (NATLAB.md), on the NMDC
# test hub (tests/nmdc/nmdc-hub.py, verlihub profile, preset tests) in the wan namespace
# (issue #15).
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Burrow runs in lanA, the other client in lanB. The shared file is SIZE random bytes (over 64 KiB,
# so a downloader verifies it against its Tiger tree leaves); its TTH comes from rhash. Every file
# that arrives is compared byte for byte with the source. Burrow's punch records must say connected,
# over NMDCS (eiskalt requires TLS, RequireTLS=1; ncdc offers it), by the method the cell implies.
#
#   nmdc-eiskalt-natt     A=masq Burrow passive, B=masq eiskaltdcpp-daemon passive with AllowNatt:
#                         Burrow's `get` starts NMDC NAT traversal ($RevConnectToMe, eiskalt's
#                         `…NS`, Burrow's `…RS`): method nat-traversal.
#   nmdc-eiskalt-passive-skips
#                         A=masq Burrow passive `serve`, B=masq eiskalt passive with AllowNatt
#                         asked to download Burrow's list (list.download). eiskalt 2.4.2 drops a
#                         source whose tag says M:P and never sends $RevConnectToMe (NMDC.md §0
#                         fact 3). Once its queue has not changed for SETTLE_QUIET s (at most
#                         SETTLE_MAX): bob's list is queued without bob as its source; the hub log
#                         has no $RevConnectToMe/$ConnectToMe from eiskalt to Burrow and none from
#                         Burrow at all (so no N/R port); Burrow printed no punch record and no
#                         error; both are still logged in (hub `users`), serve still runs.
#   nmdc-eiskalt-active   A=masq Burrow passive, B=open eiskalt active: Burrow gets eiskalt's file
#                         (reverse: its $RevConnectToMe, eiskalt's $ConnectToMe …S), then eiskalt
#                         gets Burrow's from `serve` (eiskalt's $ConnectToMe …S, Burrow connects:
#                         incoming).
#   nmdc-eiskalt-passive  A=open Burrow active, B=masq eiskalt passive: Burrow gets the file
#                         (direct: its $ConnectToMe …S, eiskalt connects), then eiskalt gets
#                         Burrow's (eiskalt's $RevConnectToMe, Burrow's $ConnectToMe …S, eiskalt
#                         connects: incoming).
#   nmdc-ncdc-active      A=masq Burrow passive, B=open ncdc active; both directions as with
#   nmdc-ncdc-passive     eiskalt (ncdc downloads through its list browser); A=open Burrow active,
#                         B=masq ncdc passive. ncdc's tls_policy at its default (prefer). ncdc's
#                         transfers.log must hold the complete upload and download.
#   nmdc-ncdc-*-force     the same with ncdc's tls_policy force, which makes ncdc refuse a plain
#                         hub: the hub speaks nmdcs (dcpeers.start_nmdcs_hub).
# eiskalt gets Burrow's file as in test-interop-files.py: magnet.add, list.download,
# queue.matchlists.
# Exit 77 (skipped, with the reason) when not root, when namespaces / nftables are unusable or when
# the peer program, tmux or rhash is not installed; 1 when a lab cannot be built as root.
#
#   test-nmdc-lab-interop.py --cell nmdc-eiskalt-natt --cli /path/to/burrow-cli
#   test-nmdc-lab-interop.py --list

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcpeers  # noqa: E402

SIZE = 1536 * 1024 + 77
NAME = 'nmdc-lab-payload.bin'
ACTIVE_PORT = 4000
# a generous bound for one transfer on a loaded 2-core machine
TRANSFER_TIMEOUT = 180
# how long eiskalt's queue must stay unchanged, and how long it may take at most, before the
# eiskalt-passive-skips cell looks at what was (not) sent
SETTLE_QUIET = 15
SETTLE_MAX = 90
PEER_NICK = {'eiskalt': 'eisB', 'ncdc': 'ncdcB'}

CELLS = {
  'nmdc-eiskalt-natt':          dict(a='masq', b='masq', kind='eiskalt-natt'),
  'nmdc-eiskalt-passive-skips': dict(a='masq', b='masq', kind='eiskalt-skips'),
  'nmdc-eiskalt-active':        dict(a='masq', b='open', kind='eiskalt-both'),
  'nmdc-eiskalt-passive':       dict(a='open', b='masq', kind='eiskalt-both'),
  'nmdc-ncdc-active':           dict(a='masq', b='open', kind='ncdc-both'),
  'nmdc-ncdc-active-force':     dict(a='masq', b='open', kind='ncdc-both', force=True, tls=True),
  'nmdc-ncdc-passive':          dict(a='open', b='masq', kind='ncdc-both'),
  'nmdc-ncdc-passive-force':    dict(a='open', b='masq', kind='ncdc-both', force=True, tls=True),
}

CellFailure = dcpeers.CellFailure


def burrow_active (cell):
  return cell['a'] == 'open'


def cli_argv (lab, cli, nick, active, share=None):
  argv = [cli, '--data-dir', os.path.join(lab.workdir, 'burrow-' + nick), '--nick', nick, '--json']
  argv += ['--mode', 'active', '--port', str(ACTIVE_PORT)] if active else ['--mode', 'passive']
  if share:
    argv += ['--share', share]
  return argv


def events (js, name):
  return [j for j in js if j.get('event') == name]


def payload (lab, dirname):
  """The shared file: (folder, bytes, TTH from rhash)."""
  share = os.path.join(lab.workdir, dirname)
  src, data = dcpeers.make_payload(share, NAME, SIZE)
  return share, data, dcpeers.tth_of(src)


# The steps a punch record must hold, in this order (others may come between), per method,
STEPS = {
  'nat-traversal': ['request-sent', 'nat-received', 'rnt-sent', 'tcp-established', 'tls-done',
                    'peer-inf'],
  'reverse': ['request-sent', 'request-received', 'connect-try', 'tcp-established', 'tls-done',
              'peer-inf'],
  'direct': ['request-sent', 'tcp-established', 'tls-done', 'peer-inf'],
  'incoming': ['request-received', 'tcp-established', 'tls-done', 'peer-inf'],
}
# and these anywhere (a connection to our port is matched to its request once its $MyNick came)
STEPS_ANYWHERE = {'direct': ['accepted']}


def missing_steps (rec, method):
  steps = [s.get('step') for s in rec.get('steps', [])]
  have = iter(steps)
  return ([w for w in STEPS[method] if w not in have] +
          [w for w in STEPS_ANYWHERE.get(method, []) if w not in steps])


def check_punches (recs, method, who, problems):
  """Every connection Burrow made or took: connected, by method, over NMDCS, in the role and with
  the steps of that method, with both its addresses (the Connectivity page shows them)."""
  if not recs:
    problems.append('%s printed no punch record' % who)
  role = 'responder' if method == 'incoming' else 'initiator'
  for rec in recs:
    if rec.get('result') != 'connected':
      problems.append('%s: connection with %s ended %r (%s)' %
                      (who, rec.get('peer'), rec.get('result'), rec.get('diagnosis')))
      continue
    if (rec.get('method'), rec.get('protocol'), rec.get('role')) != (method, 'NMDCS', role):
      problems.append('%s: connection by %r over %r as %r, expected %s over NMDCS as %s' %
                      (who, rec.get('method'), rec.get('protocol'), rec.get('role'), method, role))
    if not rec.get('local') or not rec.get('remote'):
      problems.append('%s: the record lacks its addresses (local %r, remote %r)' %
                      (who, rec.get('local'), rec.get('remote')))
    miss = missing_steps(rec, method)
    if miss:
      problems.append('%s: the record lacks the steps %s (has %s)' %
                      (who, miss, [s.get('step') for s in rec.get('steps', [])]))


def get_method (cell):
  """How Burrow in lanA connects to the peer in lanB for a download."""
  if burrow_active(cell):
    return 'direct'
  return 'reverse' if cell['b'] == 'open' else 'nat-traversal'


def burrow_gets (lab, hub, cli, cell, peer, vpath, data, tth, report, problems):
  """Burrow's `get` of the peer's file into a folder of its own; checks exit, event, bytes, TTH
  and punch records."""
  out = os.path.join(lab.workdir, 'burrow-downloads')
  os.makedirs(out, exist_ok=True)
  t0 = time.monotonic()
  a = lab.popen('lanA', cli_argv(lab, cli, 'alice', burrow_active(cell)) +
                ['get', hub.url, peer, vpath, '--out', out], name='burrow-get')
  rc = a.wait(TRANSFER_TIMEOUT)
  if rc is None:
    a.stop()
    rc = 'timeout'
  secs = time.monotonic() - t0
  js = dcpeers.json_lines(a)
  report['a_stderr'] = a.stderr_text()
  report.setdefault('punch', []).extend(events(js, 'punch'))
  if rc != 0:
    problems.append('get exit %s, expected 0' % rc)
  done = events(js, 'download-finished')
  if not done or done[-1].get('tth') != tth or done[-1].get('size') != SIZE:
    problems.append('download-finished events %s, expected one with TTH %s (rhash), size %d' %
                    (done, tth, SIZE))
  got = os.path.join(out, NAME)
  if not os.path.exists(got):
    problems.append('%s was not created (folder: %s)' % (got, os.listdir(out)))
  else:
    diff = dcpeers.same_bytes(got, data)
    if diff:
      problems.append(diff)
    elif dcpeers.tth_of(got) != tth:
      problems.append('rhash gives the downloaded file another TTH')
  method = get_method(cell)
  check_punches(events(js, 'punch'), method, 'Burrow get', problems)
  return 'Burrow got the file from %s in %.1f s by %s' % (peer, secs, method)


def start_serve (lab, cli, hub, cell, share):
  p = lab.popen('lanA', cli_argv(lab, cli, 'bob', burrow_active(cell), share) + ['serve', hub.url],
                name='burrow-serve')
  # serve hashes its share before it logs in, so "normal" means the file is shared
  if p.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
    raise CellFailure('Burrow serve did not log in: %s %s' % (p.stdout_text()[-1500:],
                                                              p.stderr_text()[-1500:]))
  return p


def uploads_complete (tth):
  """A Proc.wait_line predicate: true once Burrow's finished uploads of the file add up to SIZE."""
  total = [0]

  def pred (line):
    if '"event":"transfer"' not in line or '"finished"' not in line:
      return False
    try:
      t = json.loads(line)
    except ValueError:
      return False
    if t.get('direction') == 'upload' and t.get('name') in (NAME, 'TTH/%s' % tth):
      total[0] += t.get('bytes', 0)
    return total[0] >= SIZE
  return pred


def check_serve (b, tth, report, problems):
  """Burrow's side of an upload: the peer's connection taken (incoming, NMDCS), the file's bytes
  sent over TLS."""
  js = dcpeers.json_lines(b)
  report['b_stderr'] = b.stderr_text()
  punches = events(js, 'punch')
  report.setdefault('punch', []).extend(punches)
  check_punches(punches, 'incoming', 'Burrow serve', problems)
  ups = [t for t in events(js, 'transfer') if t.get('direction') == 'upload'
         and t.get('name') in (NAME, 'TTH/%s' % tth)]
  report.setdefault('transfers', []).extend(ups)
  sent = sum(t.get('bytes', 0) for t in ups if t.get('state') == 'finished')
  if sent < SIZE:
    problems.append('Burrow serve: finished uploads moved %d bytes, expected %d' % (sent, SIZE))
  if any(t.get('tls') is not True for t in ups if t.get('state') != 'connecting'):
    problems.append('Burrow serve: an upload without TLS: %s' % ups)


def hub_users (hub, timeout=15):
  """The nicks logged in to the NMDC test hub, from its `users` control command."""
  n = len(hub.proc.lines)
  hub.proc.p.stdin.write('users\n')
  hub.proc.p.stdin.flush()
  deadline = time.monotonic() + timeout
  with hub.proc.cond:
    while time.monotonic() < deadline:
      for _, line in hub.proc.lines[n:]:
        if line.startswith('OK'):
          return line.split()[1:]
      hub.proc.cond.wait(0.5)
  raise CellFailure('the NMDC hub did not answer `users`')


def wait_relayed (hub, to, nick, timeout=60):
  """Waits (polling the hub log, 50 ms) until the hub has sent nick's $MyINFO to the user to (its
  own: to has logged in). For eiskalt this is the event to wait for: its RPC hub.getusers reads a
  user map the daemon's hub thread fills, and once stayed empty for 60 s after a complete login."""
  deadline = time.monotonic() + timeout
  while time.monotonic() < deadline:
    if any(d == '>>' and n == to and l.startswith('$MyINFO $ALL %s ' % nick)
           for d, n, l in hub_log(hub)):
      return
    time.sleep(0.05)
  raise CellFailure('the hub did not relay %s\'s $MyINFO to %s within %d s' % (nick, to, timeout))


def hub_log (hub):
  """[(direction, nick, line)] of the hub's protocol log; << is what the hub received."""
  out = []
  with open(os.path.join(hub.dir, 'hub.log'), errors='replace') as f:
    for line in f:
      parts = line.rstrip('\n').split(None, 3)
      if len(parts) == 4:
        out.append(tuple(parts[1:]))
  return out


# --- eiskalt -------------------------------------------------------------------------------------

def start_eiskalt (lab, cell):
  """eiskaltdcpp-daemon in lanB: active (own TCP and TLS port on an open router) or passive with
  NAT traversal, RequireTLS=1 (its default), four upload slots."""
  active = cell['b'] == 'open'
  eis = dcpeers.Eiskalt(lab, 'B', os.path.join(lab.workdir, 'eiskalt-B'), PEER_NICK['eiskalt'])
  settings = {'IncomingConnections': 0 if active else 3, 'AutoDetectIncomingConnection': 0,
              'AllowNatt': 1, 'RequireTLS': 1, 'HashingStartDelay': 0, 'Slots': 4}
  eis.write_settings(settings, {'Nick': eis.nick})
  eis.start(timeout=60)
  try:
    for key, value in settings.items():
      eis.set(key, value)
  except BaseException:
    eis.stop()
    raise
  return eis


def eiskalt_gets (eis, hub, tth, dl, problems):
  """eiskalt queues the magnet link, gets bob's list and matches it, which makes bob the source.
  Returns a few words for the summary."""
  t0 = time.monotonic()
  eis.add_magnet(dcpeers.magnet_link(tth, SIZE, NAME), dl)
  eis.download_list(hub.url, 'bob')
  if eis.wait_list('bob', TRANSFER_TIMEOUT) is None:
    raise CellFailure('eiskalt got no list from Burrow within %d s' % TRANSFER_TIMEOUT)
  eis.match_lists()
  got = dcpeers.wait_file(os.path.join(dl, NAME), SIZE, TRANSFER_TIMEOUT,
                          alive=lambda: eis.proc.p.poll() is None)
  if got is None:
    problems.append('eiskalt did not complete %s within %d s (queue: %s; folder: %s)' %
                    (NAME, TRANSFER_TIMEOUT, json.dumps(eis.queue())[:1500], os.listdir(dl)))
    return 'eiskalt did not get the file'
  left = eis.wait_queue_without(os.path.join(dl, NAME), 30)
  if left is not None:
    problems.append('the file is complete but still in eiskalt\'s queue: %s' %
                    json.dumps(left)[:1500])
  return 'eiskalt got it from Burrow %.1f s after magnet.add' % (got - t0)


def cell_eiskalt_natt (lab, hub, cli, cell, report):
  problems = []
  share, data, tth = payload(lab, 'ekshare')
  eis = start_eiskalt(lab, cell)
  try:
    eis.share(share, 'ekshare', timeout=120)
    eis.add_hub(hub.url)
    wait_relayed(hub, eis.nick, eis.nick)
    report['summary'] = burrow_gets(lab, hub, cli, cell, eis.nick, '/ekshare/' + NAME, data,
                                    tth, report, problems)
  finally:
    eis.stop()
    report['peer_log'] = eis.proc.stdout_text()
  # on the wire (NMDC.md §3.1): eiskalt's TLS NAT traversal port `NS` with its nick last, then
  # Burrow's `RS`
  sent = [(nick, line) for d, nick, line in hub_log(hub) if d == '<<'
          and line.startswith('$ConnectToMe ')]
  ns = [l for n, l in sent
        if n == eis.nick and re.fullmatch(r'\$ConnectToMe alice \S+:\d+NS eisB', l)]
  rs = [l for n, l in sent
        if n == 'alice' and re.fullmatch(r'\$ConnectToMe eisB \S+:\d+RS( \S+)?', l)]
  if not ns or not rs:
    problems.append('the hub did not see eiskalt\'s NS and Burrow\'s RS line: %s' % sent)
  return problems


def cell_eiskalt_both (lab, hub, cli, cell, report):
  """Burrow gets eiskalt's file, then eiskalt gets Burrow's."""
  problems = []
  share, data, tth = payload(lab, 'ekshare')
  bshare, bdata, btth = payload(lab, 'Lab')
  dl = os.path.join(lab.workdir, 'eiskalt-downloads')
  os.makedirs(dl)
  eis = start_eiskalt(lab, cell)
  b = None
  words = []
  try:
    eis.share(share, 'ekshare', timeout=120)
    eis.add_hub(hub.url)
    wait_relayed(hub, eis.nick, eis.nick)
    words.append(burrow_gets(lab, hub, cli, cell, eis.nick, '/ekshare/' + NAME, data, tth, report,
                             problems))
    b = start_serve(lab, cli, hub, cell, bshare)
    wait_relayed(hub, eis.nick, 'bob')
    words.append(eiskalt_gets(eis, hub, btth, dl, problems))
    if os.path.exists(os.path.join(dl, NAME)):
      b.wait_line(uploads_complete(btth), 30)
  finally:
    eis.stop()
    report['peer_log'] = eis.proc.stdout_text()
    if b is not None:
      b.stop()
  diff = dcpeers.same_bytes(os.path.join(dl, NAME), bdata)
  if diff:
    problems.append('eiskalt\'s copy: %s' % diff)
  check_serve(b, btth, report, problems)
  report['summary'] = '; '.join(words)
  return problems


def queue_settled (eis):
  """Polls eiskalt's queue.list (250 ms) until it has not changed for SETTLE_QUIET seconds, at
  most SETTLE_MAX. Returns (queue, seconds waited, settled)."""
  t0 = time.monotonic()
  last, since = None, t0
  while True:
    q = eis.queue()
    now = time.monotonic()
    if q != last:
      last, since = q, now
    elif now - since >= SETTLE_QUIET:
      return q, now - t0, True
    if now - t0 > SETTLE_MAX:
      return q, now - t0, False
    time.sleep(0.25)


def cell_eiskalt_skips (lab, hub, cli, cell, report):
  """A passive eiskalt as downloader does not try a passive Burrow; Burrow stays quiet too."""
  problems = []
  bshare = payload(lab, 'Lab')[0]
  eis = start_eiskalt(lab, cell)
  b = None
  try:
    eis.add_hub(hub.url)
    wait_relayed(hub, eis.nick, eis.nick)
    b = start_serve(lab, cli, hub, cell, bshare)
    wait_relayed(hub, eis.nick, 'bob')
    try:
      eis.download_list(hub.url, 'bob')
      asked = 'list.download accepted'
    except dcpeers.PeerError as e:
      asked = 'list.download refused: %s' % e
    q, secs, settled = queue_settled(eis)
    if not settled:
      problems.append('eiskalt\'s queue kept changing for %d s: %s' % (secs, json.dumps(q)[:1500]))
    # what eiskalt made of the request: bob's list queued with bob dropped as its source
    lists = {k: v for k, v in (q if isinstance(q, dict) else {}).items()
             if os.path.basename(k).startswith('bob.')}
    entry = next(iter(lists.values()), {})
    if not lists:
      problems.append('eiskalt did not queue bob\'s list at all: %s' % json.dumps(q)[:1500])
    elif 'bob' in str(entry.get('Users')):
      problems.append('eiskalt still holds bob as a source of his list: %s' % json.dumps(entry))
    users = hub_users(hub)
    for nick in (eis.nick, 'bob'):
      if nick not in users:
        problems.append('%s is no longer logged in (hub users: %s)' % (nick, users))
    if b.p.poll() is not None:
      problems.append('Burrow serve exited with %s' % b.p.returncode)
  finally:
    eis.stop()
    report['peer_log'] = eis.proc.stdout_text()
    if b is not None:
      b.stop()
  log = hub_log(hub)
  # the absence of a line means something only if the log holds both users' lines at all
  for nick in (eis.nick, 'bob'):
    if not any(d == '<<' and n == nick and l.startswith('$MyINFO') for d, n, l in log):
      problems.append('the hub log has no $MyINFO from %s: cannot tell what was sent' % nick)
  for d, nick, line in log:
    if d != '<<':
      continue
    if nick == eis.nick and line.startswith(('$RevConnectToMe', '$ConnectToMe')) and 'bob' in line:
      problems.append('eiskalt tried to reach Burrow: %s' % line)
    if nick == 'bob' and line.startswith(('$RevConnectToMe', '$ConnectToMe')):
      problems.append('Burrow sent a stray line: %s' % line)
  js = dcpeers.json_lines(b)
  report['b_stderr'] = b.stderr_text()
  report['punch'] = events(js, 'punch')
  if report['punch']:
    problems.append('Burrow printed %d punch record(s)' % len(report['punch']))
  errors = events(js, 'error')
  if errors:
    problems.append('Burrow printed errors: %s' % errors)
  report['summary'] = ('%s; eiskalt\'s queue settled after %.1f s; bob\'s list: users %r, '
                       'errors %r' % (asked, secs, entry.get('Users'), entry.get('Errors')))
  return problems


# --- ncdc ----------------------------------------------------------------------------------------

def start_ncdc (lab, cell, dl):
  """ncdc in lanB, active on an open router (its IP given: NMDC has no hub-told address) or
  passive; tls_policy at its default or force; transfers logged."""
  active = cell['b'] == 'open'
  nc = dcpeers.Ncdc(lab, 'B', os.path.join(lab.workdir, 'ncdc-B'), PEER_NICK['ncdc']).start(60)
  try:
    nc.configure(active, port=ACTIVE_PORT, tls_force=cell.get('force', False), download_dir=dl)
    if active:
      nc.set('active_ip', lab.host_ip('B'))
    nc.set('log_uploads', 'true')
    nc.set('log_downloads', 'true')
  except BaseException:
    nc.stop()
    raise
  return nc


def check_ncdc_log (nc, direction, tth, problems):
  """ncdc's transfers.log: complete ('c') transfers of the file in direction 'u' or 'd' that add
  up to the whole file."""
  recs = [r for r in nc.transfers_log() if r.get('dir') == direction and r.get('tth') == tth]
  done = sum(r.get('bytes', 0) for r in recs if r.get('status') == 'c')
  if done < SIZE:
    problems.append('ncdc\'s transfers.log has %d complete %s bytes of %s, expected %d (%s)' %
                    (done, direction, tth, SIZE, recs))


def cell_ncdc_both (lab, hub, cli, cell, report):
  """Burrow gets ncdc's file, then ncdc gets Burrow's through its list browser."""
  problems = []
  share, data, tth = payload(lab, 'ncshare')
  bshare, bdata, btth = payload(lab, 'Lab')
  dl = os.path.join(lab.workdir, 'ncdc-downloads')
  nc = start_ncdc(lab, cell, dl)
  b = None
  words = []
  try:
    nc.share_and_restart('ncshare', share, [NAME], timeout=120)
    nc.join_nmdc(hub.url, 3, timeout=90)   # the hub's two bots and ncdc
    words.append(burrow_gets(lab, hub, cli, cell, nc.nick, '/ncshare/' + NAME, data, tth, report,
                             problems))
    b = start_serve(lab, cli, hub, cell, bshare)
    wait_relayed(hub, nc.nick, 'bob')
    t0 = time.monotonic()
    nc.browse_download('bob', '/Lab/' + NAME, timeout=TRANSFER_TIMEOUT)
    got = dcpeers.wait_file(os.path.join(dl, NAME), SIZE, TRANSFER_TIMEOUT)
    if got is None:
      problems.append('ncdc did not complete %s within %d s (folder: %s)' %
                      (NAME, TRANSFER_TIMEOUT, os.listdir(dl)))
    else:
      words.append('ncdc got it from Burrow %.1f s after /browse' % (got - t0))
      b.wait_line(uploads_complete(btth), 30)
    report['ncdc_screen'] = nc.screen()
  finally:
    nc.stop()
    if b is not None:
      b.stop()
  if os.path.exists(os.path.join(dl, NAME)):
    diff = dcpeers.same_bytes(os.path.join(dl, NAME), bdata)
    if diff:
      problems.append('ncdc\'s copy: %s' % diff)
  if b is not None:
    check_serve(b, btth, report, problems)
  check_ncdc_log(nc, 'u', tth, problems)
  check_ncdc_log(nc, 'd', btth, problems)
  report['summary'] = '; '.join(words) + ' (tls_policy %s)' % ('force' if cell.get('force')
                                                               else 'default')
  return problems


KINDS = {
  'eiskalt-natt': (cell_eiskalt_natt, 'eiskaltdcpp-daemon'),
  'eiskalt-skips': (cell_eiskalt_skips, 'eiskaltdcpp-daemon'),
  'eiskalt-both': (cell_eiskalt_both, 'eiskaltdcpp-daemon'),
  'ncdc-both': (cell_ncdc_both, 'ncdc'),
}


if __name__ == '__main__':
  sys.exit(dcpeers.interop_main(CELLS, KINDS, extra_tools=('rhash',), nmdc=True))
