#!/usr/bin/python3
# test-nmdc-eiskalt.py — Burrow downloads from a real, active eiskaltdcpp-daemon over NMDC TLS
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On the test hub's verlihub profile (which relays 0x10): eiskaltdcpp-daemon active (its own TCP,
# TLS and UDP ports) with its defaults otherwise — RequireTLS=1, so a plain transfer would get
# `$Error Secure connection required!` (NMDC.md §0 fact 1) — sharing one file. Burrow, passive
# (`$RevConnectToMe`, eiskalt answers `$ConnectToMe …S`, Burrow connects as the TLS client) and
# then active (Burrow's `$ConnectToMe …S`, eiskalt connects to Burrow's port):
#   get-list  the list arrives (bzip2) over NMDCS
#   get       the file, bytes and TTH (rhash) compared with the source, over NMDCS
# and eiskalt downloads the list and a file from a passive Burrow's `serve` (its $ConnectToMe …S,
# Burrow connects as the TLS client), bytes compared.
# With --eiskalt-passive, eiskalt is passive too (status 0x31: TLS and NAT traversal) and a passive
# Burrow starts NMDC NAT traversal (NMDC.md §3.1: its `$RevConnectToMe`, eiskalt's `$ConnectToMe
# …NS`, Burrow punches and sends `…RS`, eiskalt punches back; eiskalt is the TLS server): get-list
# and get as above, the punch records say nat-traversal over NMDCS. (A passive eiskalt never
# starts NAT traversal itself, NMDC.md §9, so the other way is not tried.)
# Exit 77 when eiskaltdcpp-daemon, rhash or the CLI is missing. Loopback only.
#
#   test-nmdc-eiskalt.py --cli BUILD/src/cli/burrow-cli [--eiskalt-passive]

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
cli_test = __import__('test-nmdc-cli')
import nmdcpeers as P  # noqa: E402

NAME = 'eiskalt shared file.bin'
SIZE = 900 * 1024 + 7
check = P.check
run_json = P.run_json


def main ():
  parser = argparse.ArgumentParser()
  parser.add_argument('--cli', required=True)
  parser.add_argument('--eiskalt-passive', action='store_true')
  args = parser.parse_args()
  incoming = 3 if args.eiskalt_passive else 0   # eiskalt's IncomingConnections: 3 passive, 0 direct
  P.require(args.cli, 'eiskaltdcpp-daemon', 'rhash')
  with P.scratch('burrow-nmdc-eiskalt-') as tmp:
    run(args, tmp, incoming)


def run (args, tmp, incoming):
  hub = P.Hub(os.path.join(tmp, 'hub'), 'verlihub')
  ek = P.LoopEiskalt(os.path.join(tmp, 'eiskalt'), 'ekuser')
  try:
    share = os.path.join(tmp, 'ekshare')
    src, data = P.dcpeers.make_payload(share, NAME, SIZE)
    tth = P.dcpeers.tth_of(src)
    hub.start()
    url = hub.url()
    # ports of its own, in the settings file it reads at start: set by RPC, they would apply only
    # after a restart (it would listen on the defaults 3000/3001, maybe another test's)
    settings = {key: P.free_port() for key in ('InPort', 'UDPPort', 'TLSPort')}
    settings.update(IncomingConnections=incoming,   # active, direct (or passive)
                    AutoDetectIncomingConnection=0, HashingStartDelay=0)
    ek.write_settings(settings, {'Nick': 'ekuser'})
    ek.start(timeout=30)
    ek.set('Nick', 'ekuser')
    for key, value in settings.items():
      ek.set(key, value)
    ek.configure_uploads()
    ek.share(share, 'ekshare', timeout=60)
    ek.add_hub(url)
    check(P.wait_for(lambda: 'ekuser' in hub.users(), 60),
          'eiskalt (%s, TLS) logged in' % ('passive' if args.eiskalt_passive else 'active'))
    info = hub.ctl('myinfo ekuser')
    print('# eiskalt: %s' % info)

    for mode in (('passive',) if args.eiskalt_passive else ('passive', 'active')):
      extra = ['--mode', mode]
      if mode == 'active':
        extra += ['--port', str(P.free_port())]
      method = 'nat-traversal' if args.eiskalt_passive else 'reverse' if mode == 'passive' else 'direct'
      label = 'Burrow %s' % mode
      bdir = os.path.join(tmp, 'burrow-' + mode)
      conn = P.get_list_and_file(args.cli, bdir, url, 'ekuser', '/ekshare/' + NAME, src, tth, label,
                                 extra, method)
      check(conn and all(x.get('protocol') == 'NMDCS' and x.get('method') == method for x in conn),
            '%s: the file came by %s over NMDCS' % (label, method))

    if args.eiskalt_passive:
      print('all passed')
      return

    # the other way: eiskalt (active) downloads from a passive Burrow's `serve`: its
    # $ConnectToMe …S, Burrow connects as the TLS client and serves
    bshare = os.path.join(tmp, 'Lab')
    bsrc, bdata = P.dcpeers.make_payload(bshare, 'served by burrow.bin', 600 * 1024 + 5)
    dl = os.path.join(tmp, 'eiskalt-downloads')
    os.makedirs(dl)
    serve = cli_test.Serve(args.cli, os.path.join(tmp, 'burrow-serve'), 'server', url,
                           ['--share', bshare, '--mode', 'passive'])
    try:
      serve.wait(lambda e: e.get('event') == 'hub-state' and e.get('state') == 'normal', 90)
      ek.wait_users(url, ['server'])
      ek.download_list(url, 'server')
      check(ek.wait_list('server', 60) is not None, 'eiskalt got the list of a passive Burrow')
      ek.add_magnet(P.dcpeers.magnet_link(P.dcpeers.tth_of(bsrc), len(bdata), 'served by burrow.bin'), dl)
      ek.match_lists()
      got = P.dcpeers.wait_file(os.path.join(dl, 'served by burrow.bin'), len(bdata), 120,
                                alive=lambda: ek.proc.p.poll() is None)
      check(got is not None and not P.dcpeers.same_bytes(os.path.join(dl, 'served by burrow.bin'), bdata),
            'eiskalt downloaded the file from Burrow, bytes intact')
      ev = serve.wait(lambda e: e.get('event') == 'punch' and e.get('result') == 'connected')
      check(ev.get('protocol') == 'NMDCS' and ev.get('peer') == 'ekuser',
            'Burrow served over NMDCS to ekuser (%s %s)' % (ev.get('protocol'), ev.get('peer')))
    finally:
      serve.stop()
    print('all passed')
  finally:
    ek.stop()
    hub.stop()


if __name__ == '__main__':
  main()
