#!/usr/bin/python3
# test-nmdc-ncdc.py — Burrow downloads from a real, active ncdc on an NMDC hub
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On the test hub's verlihub profile: ncdc (defaults: tls_policy "prefer", one port for plain and
# TLS, NMDC.md §2.5) active, sharing one file. Burrow passive (`$RevConnectToMe`, ncdc answers
# `$ConnectToMe …S`, Burrow connects as the TLS client) and active (Burrow's `$ConnectToMe …S`,
# ncdc connects to Burrow's port): get-list and get, bytes and TTH (rhash) compared, NMDCS in
# Burrow's records. Exit 77 when ncdc, tmux, rhash or the CLI is missing. Loopback only.
#
#   test-nmdc-ncdc.py --cli BUILD/src/cli/burrow-cli

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nmdcpeers as P  # noqa: E402

NAME = 'ncdc shared file.bin'
SIZE = 500 * 1024 + 11
check = P.check
run_json = P.run_json


def main ():
  parser = argparse.ArgumentParser()
  parser.add_argument('--cli', required=True)
  args = parser.parse_args()
  P.require(args.cli, 'ncdc', 'tmux', 'rhash')
  with P.scratch('burrow-nmdc-ncdc-') as tmp:
    run(args, tmp)


def run (args, tmp):
  hub = P.Hub(os.path.join(tmp, 'hub'), 'verlihub')
  nc = P.LoopNcdc(os.path.join(tmp, 'ncdc'), 'ncuser')
  try:
    share = os.path.join(tmp, 'ncshare')
    src, data = P.dcpeers.make_payload(share, NAME, SIZE)
    tth = P.dcpeers.tth_of(src)
    hub.start()
    url = hub.url()
    nc.start(timeout=30)
    nc.configure(active=True, port=P.free_port())
    nc.set('active_ip', '127.0.0.1')
    nc.share_and_restart('ncshare', share, [NAME], timeout=90)
    nc.join_nmdc(url, 3, timeout=60)   # the hub's two bots and ncdc
    check('ncuser' in hub.users(), 'ncdc (active) logged in')
    print('# ncdc: %s' % hub.ctl('myinfo ncuser'))

    for mode in ('passive', 'active'):
      extra = ['--mode', mode]
      if mode == 'active':
        extra += ['--port', str(P.free_port())]
      method = 'reverse' if mode == 'passive' else 'direct'
      label = 'Burrow %s' % mode
      bdir = os.path.join(tmp, 'burrow-' + mode)
      P.get_list_and_file(args.cli, bdir, url, 'ncuser', '/ncshare/' + NAME, src, tth, label, extra,
                          method, check_list=False)
    print('all passed')
  finally:
    nc.stop()
    hub.stop()


if __name__ == '__main__':
  main()
