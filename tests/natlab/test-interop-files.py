#!/usr/bin/python3
# test-interop-files.py — file transfers between Burrow and other Direct Connect clients in the NAT
# lab (NATLAB.md), over TLS client connections (ADCS/0.10) on a TLS hub (issue #6).
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The file is SIZE random bytes (over 64 KiB, so the downloader fetches the Tiger tree leaves and
# verifies block by block); the downloader runs in lanA, the uploader in lanB, uhub (adcs://) in
# wan. Its TTH comes from rhash, independently of every client here.
#
#   burrow-gets-file-eiskalt-tls  A=masq Burrow passive `get URL eisB /share/NAME` <- B=masq
#                                 eiskaltdcpp-daemon passive with NAT traversal. Exit 0, bytes
#                                 equal, a download-finished event with rhash's TTH, every
#                                 connection made by nat-traversal over ADCS/0.10, transfer events
#                                 with tls true that pass through state tree (tthl fetched).
#   eiskalt-gets-file-burrow-tls  A=masq eiskaltdcpp-daemon passive (NAT traversal) <- B=masq
#                                 Burrow `serve --share`. Eiskalt queues the magnet link
#                                 (magnet.add, no source yet), downloads Burrow's list
#                                 (list.download) and matches it against its queue
#                                 (queue.matchlists), which makes Burrow the source; the file must
#                                 appear complete in its download folder with the same bytes and
#                                 leave its queue. Burrow's upload connection: nat-traversal,
#                                 ADCS/0.10; its upload transfer events say tls true.
#   burrow-gets-file-ncdc-tls     A=masq Burrow passive `get URL ncdcB /probe/NAME` <- B=open ncdc
#                                 active (method reverse: our RCM, ncdc's CTM, we connect).
#   ncdc-gets-file-burrow-tls     A=masq ncdc passive <- B=open Burrow active `serve --share`: ncdc
#                                 browses Burrow's list (/browse), selects the file and queues it
#                                 (d); ncdc's RCM, Burrow's CTM, ncdc connects to Burrow. The file
#                                 must appear in ncdc's download_dir with the same bytes.
# ncdc runs with tls_policy force (it refuses client connections without TLS), eiskalt with
# RequireTLS=1; Burrow's records must say ADCS/0.10 as well.
# Exit 77 (skipped, with the reason) when not root, when namespaces / nftables are unusable or when
# the peer program, tmux or rhash is not installed.
#
#   test-interop-files.py --cell burrow-gets-file-eiskalt-tls --cli /path/to/burrow-cli
#   test-interop-files.py --list

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcpeers  # noqa: E402

SIZE = 5 * 1024 * 1024 + 123
NAME = 'interop-payload.bin'
ACTIVE_PORT = 4000

CELLS = {
  'burrow-gets-file-eiskalt-tls': dict(a='masq', b='masq', kind='burrow-gets-eiskalt',
                                       method='nat-traversal'),
  'eiskalt-gets-file-burrow-tls': dict(a='masq', b='masq', kind='eiskalt-gets-burrow',
                                       method='nat-traversal'),
  'burrow-gets-file-ncdc-tls':    dict(a='masq', b='open', kind='burrow-gets-ncdc',
                                       method='reverse'),
  'ncdc-gets-file-burrow-tls':    dict(a='masq', b='open', kind='ncdc-gets-burrow',
                                       method='incoming'),
}


CellFailure = dcpeers.CellFailure


def cli_argv (cli, datadir, nick, active=False, share=None):
  argv = [cli, '--data-dir', datadir, '--nick', nick, '--json']
  argv += ['--mode', 'active', '--port', str(ACTIVE_PORT)] if active else ['--mode', 'passive']
  if share:
    argv += ['--share', share]
  return argv


def events (js, name):
  return [j for j in js if j.get('event') == name]


def check_punches (punches, role, method, problems, who):
  """Every connection Burrow made for the cell: connected, by method, over ADCS/0.10."""
  if not punches:
    problems.append('%s printed no punch record' % who)
  for rec in punches:
    if rec.get('result') != 'connected':
      problems.append('%s connection %s: result %r (%s)' %
                      (who, rec.get('token'), rec.get('result'), rec.get('diagnosis')))
      continue
    if role and rec.get('role') != role:
      problems.append('%s role %r, expected %s' % (who, rec.get('role'), role))
    if method and rec.get('method') != method:
      problems.append('%s method %r, expected %s' % (who, rec.get('method'), method))
    if rec.get('protocol') != 'ADCS/0.10':
      problems.append('%s protocol %r, expected ADCS/0.10' % (who, rec.get('protocol')))


def check_transfers (transfers, direction, method, problems, who, want_tree=False, tth=None):
  """Burrow's transfer events for the file (one per state change): once connected (any state but
  connecting) every event says TLS and method; finished ones moved all the bytes; with want_tree,
  the download fetched the Tiger tree leaves (state tree) before the data. An upload requested
  by TTH is named TTH/<root>; its leaves (tthl) count as well, so the bytes are at least SIZE."""
  names = (NAME, 'TTH/%s' % tth)
  mine = [t for t in transfers if t.get('name') in names and t.get('direction') == direction]
  connected = [t for t in mine if t.get('state') != 'connecting']
  if not connected:
    problems.append('%s printed no connected %s transfer event for %s (%d events)' %
                    (who, direction, NAME, len(mine)))
    return None
  for t in connected:
    if t.get('tls') is not True or (method and t.get('method') != method):
      problems.append('%s %s transfer: method %r tls %r, expected %s over TLS (%s)' %
                      (who, direction, t.get('method'), t.get('tls'), method, json.dumps(t)))
      break
  states = [t.get('state') for t in connected]
  if 'failed' in states:
    problems.append('%s: a %s transfer failed: %s' %
                    (who, direction, [t.get('error') for t in connected if t.get('error')]))
  finished = [t for t in connected if t.get('state') == 'finished']
  if not finished:
    problems.append('%s: no finished %s transfer event (states %s)' % (who, direction, states))
  elif sum(t.get('bytes', 0) for t in finished) < SIZE:
    problems.append('%s: finished %s transfers moved %s bytes, expected %d' %
                    (who, direction, [t.get('bytes') for t in finished], SIZE))
  if want_tree and 'tree' not in states:
    problems.append('%s: the download never fetched the Tiger tree (states %s)' % (who, states))
  return connected[-1]


def uploads_complete (tth):
  """A line predicate for Proc.wait_line: true once the finished upload events for the file
  (TTH/<tth>) have moved at least SIZE bytes."""
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


def burrow_get (lab, hub, cli, nick, peer_nick, path, out, active=False, timeout=120):
  """Runs A's `get`; returns (rc, JSON events, proc, seconds)."""
  os.makedirs(out, exist_ok=True)
  t0 = time.monotonic()
  a = lab.popen('lanA', cli_argv(cli, os.path.join(lab.workdir, 'burrow-A'), nick, active) +
                ['get', hub.url, peer_nick, path, '--out', out], name='burrow-A')
  rc = a.wait(timeout)
  if rc is None:
    a.stop()
    rc = 'timeout'
  return rc, dcpeers.json_lines(a), a, time.monotonic() - t0


def check_burrow_got (rc, js, out, data, tth, problems):
  if rc != 0:
    problems.append('get exit %s, expected 0' % rc)
  done = events(js, 'download-finished')
  if not done:
    problems.append('no download-finished event')
  else:
    if done[-1].get('tth') != tth:
      problems.append('download-finished tth %s, expected %s (rhash)' % (done[-1].get('tth'), tth))
    if done[-1].get('size') != len(data):
      problems.append('download-finished size %s, expected %d' % (done[-1].get('size'), len(data)))
  got = os.path.join(out, NAME)
  if not os.path.exists(got):
    problems.append('%s was not created (files: %s)' % (got, os.listdir(out)))
  else:
    diff = dcpeers.same_bytes(got, data)
    if diff:
      problems.append(diff)


def start_burrow_serve (lab, cli, hub, side, nick, share, active=False):
  p = lab.popen('lan' + side, cli_argv(cli, os.path.join(lab.workdir, 'burrow-' + side), nick,
                                       active=active, share=share) + ['serve', hub.url],
                name='burrow-' + side)
  # serve hashes the share before it logs in, so "normal" means the file is shared
  if p.wait_line(lambda l: '"hub-state"' in l and '"normal"' in l, 90) is None:
    raise CellFailure('Burrow (%s) did not log in: %s %s' % (side, p.stdout_text()[-1500:],
                                                             p.stderr_text()[-1500:]))
  return p


# --- eiskalt -------------------------------------------------------------------------------------

def start_eiskalt (lab, side, nick):
  eis = dcpeers.Eiskalt(lab, side, os.path.join(lab.workdir, 'eiskalt-' + side), nick).start()
  try:
    eis.configure_passive_natt()
    eis.set('RequireTLS', 1)
  except BaseException:
    eis.stop()
    raise
  return eis


def payload (lab, dirname):
  """The shared file: (folder, bytes, TTH from rhash)."""
  share = os.path.join(lab.workdir, dirname)
  src, data = dcpeers.make_payload(share, NAME, SIZE)
  return share, data, dcpeers.tth_of(src)


def check_burrow_side (js, cell, problems, report, download, **kw):
  """Burrow's punch records and transfer events: connected by the cell's method, over TLS.
  Returns a few words for the summary."""
  side = 'Burrow (A)' if download else 'Burrow (B)'
  report['punch'] = events(js, 'punch')
  report['transfers'] = events(js, 'transfer')
  check_punches(report['punch'], 'initiator' if download else 'responder', cell['method'],
                problems, side)
  last = check_transfers(report['transfers'], 'download' if download else 'upload',
                         cell['method'], problems, side, **kw)
  return '%d connection(s), %s' % (len(report['punch']), last and 'method %s, tls %s'
                                   % (last.get('method'), last.get('tls')))


def cell_burrow_gets_eiskalt (lab, hub, cli, cell, report):
  problems = []
  share, data, tth = payload(lab, 'eiskalt-share')
  out = os.path.join(lab.workdir, 'burrow-downloads')
  eis = start_eiskalt(lab, 'B', 'eisB')
  try:
    eis.configure_uploads()
    eis.share(share, virtname='share')
    eis.add_hub(hub.url)
    eis.wait_users(hub.url, ['eisB'])
    rc, js, a, secs = burrow_get(lab, hub, cli, 'alice', 'eisB', '/share/' + NAME, out)
  finally:
    eis.stop()
  report['a_stderr'] = a.stderr_text()
  report['peer_log'] = eis.proc.stdout_text()
  check_burrow_got(rc, js, out, data, tth, problems)
  how = check_burrow_side(js, cell, problems, report, True, want_tree=True)
  report['summary'] = 'Burrow downloaded %d bytes from eiskalt in %.2f s (%s)' % (SIZE, secs, how)
  return problems


def cell_eiskalt_gets_burrow (lab, hub, cli, cell, report):
  problems = []
  share, data, tth = payload(lab, 'Lab')
  dl = os.path.join(lab.workdir, 'eiskalt-downloads')
  os.makedirs(dl)
  eis = start_eiskalt(lab, 'A', 'eisA')
  b = None
  got = None
  try:
    eis.add_hub(hub.url)
    eis.wait_users(hub.url, ['eisA'])
    b = start_burrow_serve(lab, cli, hub, 'B', 'bob', share)
    eis.wait_users(hub.url, ['bob'])
    t0 = time.monotonic()
    eis.add_magnet(dcpeers.magnet_link(tth, SIZE, NAME), dl)
    eis.download_list(hub.url, 'bob')
    if eis.wait_list('bob', 60) is None:
      raise CellFailure('eiskalt got no list from Burrow within 60 s (log: %s)' %
                        eis.proc.stdout_text()[-1500:])
    eis.match_lists()
    got = dcpeers.wait_file(os.path.join(dl, NAME), SIZE, 120,
                            alive=lambda: eis.proc.p.poll() is None)
    if got is not None:
      # Burrow prints the upload's last state change before eiskalt has all the data, but our
      # reader may not have read it yet: wait until the finished uploads add up
      b.wait_line(uploads_complete(tth), 10)
    # eiskalt moves a finished download into place and then drops it from its queue
    left = eis.wait_queue_without(os.path.join(dl, NAME), 10 if got is not None else 0)
  finally:
    eis.stop()
    if b is not None:
      b.stop()
  js = dcpeers.json_lines(b)
  report['b_stderr'] = b.stderr_text()
  report['peer_log'] = eis.proc.stdout_text()
  if got is None:
    problems.append('eiskalt did not complete %s within 120 s (queue: %s; folder: %s)' %
                    (NAME, json.dumps(left)[:1500], os.listdir(dl)))
  else:
    if left is not None:
      problems.append('the file is complete but still in eiskalt\'s queue: %s' %
                      json.dumps(left)[:1500])
    diff = dcpeers.same_bytes(os.path.join(dl, NAME), data)
    if diff:
      problems.append(diff)
    report['summary'] = 'eiskalt had the file %.2f s after magnet.add' % (got - t0)
  how = check_burrow_side(js, cell, problems, report, False, tth=tth)
  report['summary'] = '%s (Burrow: %s)' % (report.get('summary', ''), how)
  return problems


# --- ncdc ----------------------------------------------------------------------------------------

def start_ncdc (lab, side, nick, active, download_dir=None):
  nc = dcpeers.Ncdc(lab, side, os.path.join(lab.workdir, 'ncdc-' + side), nick).start()
  try:
    nc.configure(active, port=ACTIVE_PORT, tls_force=True, download_dir=download_dir)
    nc.set('log_uploads', 'true')
    nc.set('log_downloads', 'true')
  except BaseException:
    nc.stop()
    raise
  return nc


def check_ncdc_log (nc, direction, tth, problems):
  """ncdc's transfers.log: complete ('c') transfers of the file in direction ('u'/'d') that add up
  to the whole file."""
  recs = [r for r in nc.transfers_log() if r.get('dir') == direction and r.get('tth') == tth]
  done = sum(r.get('bytes', 0) for r in recs if r.get('status') == 'c')
  if done < SIZE:
    problems.append('ncdc\'s transfers.log has %d complete %s bytes of %s, expected %d (%s)' %
                    (done, {'u': 'upload', 'd': 'download'}[direction], tth, SIZE, recs))
  return recs


def cell_burrow_gets_ncdc (lab, hub, cli, cell, report):
  problems = []
  share, data, tth = payload(lab, 'ncdc-share')
  out = os.path.join(lab.workdir, 'burrow-downloads')
  nc = start_ncdc(lab, 'B', 'ncdcB', active=True)
  a = None
  try:
    nc.share_and_restart('probe', share, [NAME])
    nc.join(hub.url)
    rc, js, a, secs = burrow_get(lab, hub, cli, 'alice', 'ncdcB', '/probe/' + NAME, out)
    report['ncdc_screen'] = nc.screen()
  finally:
    nc.stop()
  report['a_stderr'] = a.stderr_text() if a else ''
  check_burrow_got(rc, js, out, data, tth, problems)
  how = check_burrow_side(js, cell, problems, report, True, want_tree=True)
  recs = check_ncdc_log(nc, 'u', tth, problems)
  report['summary'] = ('Burrow downloaded %d bytes from ncdc in %.2f s (%s; ncdc logged %d '
                       'upload(s))' % (SIZE, secs, how, len(recs)))
  return problems


def cell_ncdc_gets_burrow (lab, hub, cli, cell, report):
  problems = []
  share, data, tth = payload(lab, 'Lab')
  dl = os.path.join(lab.workdir, 'ncdc-downloads')
  b = start_burrow_serve(lab, cli, hub, 'B', 'bob', share, active=True)
  nc = None
  got = None
  try:
    nc = start_ncdc(lab, 'A', 'ncdcA', active=False, download_dir=dl)
    nc.join_empty(hub.url, min_users=2)
    t0 = time.monotonic()
    nc.browse_download('bob', '/Lab/' + NAME)
    got = dcpeers.wait_file(os.path.join(dl, NAME), SIZE, 120)
    if got is not None:
      b.wait_line(uploads_complete(tth), 10)
    report['ncdc_screen'] = nc.screen()
  finally:
    if nc is not None:
      nc.stop()
    b.stop()
  js = dcpeers.json_lines(b)
  report['b_stderr'] = b.stderr_text()
  if got is None:
    problems.append('ncdc did not complete %s within 120 s (folder: %s)' % (NAME, os.listdir(dl)))
  else:
    diff = dcpeers.same_bytes(os.path.join(dl, NAME), data)
    if diff:
      problems.append(diff)
    report['summary'] = 'ncdc had the file %.2f s after /browse' % (got - t0)
  how = check_burrow_side(js, cell, problems, report, False, tth=tth)
  recs = check_ncdc_log(nc, 'd', tth, problems)
  report['summary'] = '%s (Burrow: %s; ncdc logged %d download(s))' % (
    report.get('summary', ''), how, len(recs))
  return problems


KINDS = {
  'burrow-gets-eiskalt': (cell_burrow_gets_eiskalt, 'eiskaltdcpp-daemon'),
  'eiskalt-gets-burrow': (cell_eiskalt_gets_burrow, 'eiskaltdcpp-daemon'),
  'burrow-gets-ncdc': (cell_burrow_gets_ncdc, 'ncdc'),
  'ncdc-gets-burrow': (cell_ncdc_gets_burrow, 'ncdc'),
}


if __name__ == '__main__':
  sys.exit(dcpeers.interop_main(CELLS, KINDS, default_tls=True, extra_tools=('rhash',)))
