#!/usr/bin/python3
# test-hublist-cli.py — `burrow-cli hublist` against list servers on loopback, as a user runs it
#
# Copyright 2026 The Burrow authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A local HTTP server (python3 http.server on 127.0.0.1, a free port) serves hub lists: an
# .xml.bz2, a windows-1251 .xml and a .config (overlapping: the same hubs under other spellings of
# their addresses), a malformed list, a bzip2 bomb and nothing at one address (404). The NMDC
# test hub (tests/nmdc/nmdc-hub.py) runs on loopback and is in the lists. Checked through
# `burrow-cli --json hublist`:
#   parsing      each format gives its hubs, names in UTF-8, kp= kept, protocol from the scheme
#   merging      two and three servers: each address once, the first server's entry wins
#   errors       malformed, bomb, 404: exit 1, one line on stderr, the source's error code
#   caching      with the server stopped, the cached list comes back with its date and age
#   offline      a cached server and an unreachable one: the cached hubs, exit 0
#   servers      `hublist` without URLs reads the configured servers (the engine setting)
#   connecting   `burrow-cli users ADDRESS` with an address from the list logs in to the hub
# Exit 77 without /usr/bin/python3's bz2 and sqlite3 modules or the NMDC test hub. Loopback only;
# the servers are stopped by PID.
#
#   test-hublist-cli.py --cli BUILD/src/cli/burrow-cli --hub tests/nmdc/nmdc-hub.py

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
  import bz2
  import sqlite3
except ImportError as e:
  print('SKIP: %s' % e)
  sys.exit(77)

KP = 'SHA256/ETUN3V7MTF5NB2G3BXXXI66MV4VLBDQJBNQFF2GFHN7LHV72SYZQ'
DEADLINE = 60
# BurrowHubListError codes (burrow-hub-list-parser.h)
MALFORMED, TOO_LARGE, HTTP, NO_LIST = 0, 2, 8, 10
DOMAIN = 'burrow-hub-list-error-quark'


def check (cond, what):
  if not cond:
    raise SystemExit('FAIL: ' + what)
  print('ok - ' + what, flush=True)


def env ():
  e = dict(os.environ)
  for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'):
    e.pop(k, None)
  e['no_proxy'] = '127.0.0.1,localhost'
  return e


class Server:
  """python3 -m http.server on 127.0.0.1, a free port."""
  def __init__ (self, directory):
    self.proc = subprocess.Popen(['/usr/bin/python3', '-u', '-m', 'http.server', '0',
                                  '--bind', '127.0.0.1', '--directory', directory],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = self.proc.stdout.readline()   # "Serving HTTP on 127.0.0.1 port N (http://…/) ..."
    words = line.split()
    if 'port' not in words:
      raise SystemExit('FAIL: http.server did not start: %r' % line)
    self.port = int(words[words.index('port') + 1])
    self.base = 'http://127.0.0.1:%d/' % self.port

  def url (self, name):
    return self.base + name

  def stop (self):
    if self.proc.poll() is None:
      self.proc.kill()
    self.proc.wait()


class Hub:
  def __init__ (self, hub_py, workdir):
    self.proc = subprocess.Popen(['/usr/bin/python3', hub_py, '--port', '0', '--profile',
                                  'verlihub', '--preset', 'tests',
                                  '--log', os.path.join(workdir, 'hub.log')],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 bufsize=1)
    line = self.proc.stdout.readline()
    if not line.startswith('READY '):
      raise SystemExit('FAIL: hub did not start: %r' % line)
    self.port = int(line.split()[1])

  def stop (self):
    if self.proc.poll() is None:
      self.proc.kill()
    self.proc.wait()


def hublist (cli, datadir, urls, json_out=True):
  argv = [cli, '--data-dir', datadir] + (['--json'] if json_out else []) + ['hublist'] + urls
  r = subprocess.run(argv, capture_output=True, text=True, timeout=DEADLINE, env=env())
  events = []
  if json_out:
    for line in r.stdout.splitlines():
      events.append(json.loads(line))
  hubs = [e for e in events if e.get('event') == 'hub']
  sources = {e['url']: e for e in events if e.get('event') == 'hublist-source'}
  return r, hubs, sources


def write_lists (d, hub_port):
  xml = ('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n'
         '<Hublist Name="one"><Hubs><Columns><Column Name="Name"/><Column Name="Address"/></Columns>\n'
         '<Hub Name="Burrow test hub" Address="127.0.0.1:%d" Description="the hub in this test"'
         ' Users="1" Shared="1073741824" Country="DE" Encoding="CP1252" Reliability="100"/>\n'
         '<Hub Name="Secure one" Address="adcs://Secure.Example.ORG:2780/?kp=%s" Users="42"/>\n'
         '</Hubs></Hublist>\n') % (hub_port, KP)
  with open(os.path.join(d, 'one.xml.bz2'), 'wb') as f:
    f.write(bz2.compress(xml.encode('utf-8')))

  # windows-1251: the test hub again (another spelling of its address) and a Russian hub
  xml2 = ('<?xml version="1.0" encoding="windows-1251"?>\n'
          '<Hublist><Hubs>\n'
          '<Hub Name="Дубликат" Address="DCHUB://127.0.0.1:%d/" Users="3"/>\n'
          '<Hub Name="Русский хаб" Address="dchub://ru.example.org" Description="Москва"'
          ' Users="77" Encoding="CP1251"/>\n'
          '</Hubs></Hublist>\n') % hub_port
  with open(os.path.join(d, 'two.xml'), 'wb') as f:
    f.write(xml2.encode('cp1251'))

  config = ('Old style|old.example.org:4111|From a .config|12|x|y\r\n'
            'Russian again|nmdc://RU.example.org:411|dup|1\r\n')
  with open(os.path.join(d, 'three.config'), 'wb') as f:
    f.write(config.encode('utf-8'))

  with open(os.path.join(d, 'malformed.xml'), 'wb') as f:
    f.write(b'<?xml version="1.0"?><Hublist><Hubs><Hub Name="cut" Address="dchub://a.example"')

  # a few hundred bytes that unpack to 48 MiB (the limit is 32 MiB)
  with open(os.path.join(d, 'bomb.xml.bz2'), 'wb') as f:
    f.write(bz2.compress(b'<Hublist>' + b' ' * (48 << 20) + b'</Hublist>'))


def main ():
  ap = argparse.ArgumentParser()
  ap.add_argument('--cli', required=True)
  ap.add_argument('--hub', required=True)
  args = ap.parse_args()
  if not os.path.exists('/usr/bin/python3') or not os.path.exists(args.hub):
    print('SKIP: /usr/bin/python3 or the NMDC test hub is missing')
    return 77

  work = tempfile.mkdtemp(prefix='burrow-hublist-')
  www = os.path.join(work, 'www')
  data = os.path.join(work, 'data')
  os.mkdir(www)
  server = hub = None
  try:
    hub = Hub(args.hub, work)
    hub_addr = 'dchub://127.0.0.1:%d' % hub.port
    write_lists(www, hub.port)
    server = Server(www)
    one, two, three = server.url('one.xml.bz2'), server.url('two.xml'), server.url('three.config')

    # parsing: .xml.bz2
    r, hubs, sources = hublist(args.cli, data, [one])
    check(r.returncode == 0, 'hublist one.xml.bz2 exits 0 (%s)' % r.stderr.strip())
    by_addr = {h['address']: h for h in hubs}
    check(sorted(by_addr) == sorted([hub_addr, 'adcs://secure.example.org:2780/?kp=' + KP]),
          'the .xml.bz2 list gives its two hubs, addresses normalised (%s)' % sorted(by_addr))
    test_hub = by_addr[hub_addr]
    check(test_hub['protocol'] == 'NMDC' and test_hub['users'] == 1
          and test_hub['shared'] == 1073741824 and test_hub['encoding'] == 'CP1252'
          and test_hub['country'] == 'DE' and test_hub['reliability'] == 100,
          'a bare host:port is NMDC; users, share, country, encoding, reliability read')
    check(by_addr['adcs://secure.example.org:2780/?kp=' + KP]['protocol'] == 'ADCS',
          'adcs:// is ADCS and its kp= keyprint is kept')
    fetched_one = sources[one]['fetched']
    check(sources[one]['cached'] is False and sources[one]['hubs'] == 2 and fetched_one > 0,
          'the source is fresh, with its date')

    # parsing: windows-1251 .xml and .config
    r, hubs, sources = hublist(args.cli, data, [two])
    names = sorted(h['name'] for h in hubs)
    check(r.returncode == 0 and names == ['Дубликат', 'Русский хаб'],
          'the windows-1251 list is read in its charset (%s)' % names)
    r, hubs, sources = hublist(args.cli, data, [three])
    check(r.returncode == 0 and sorted(h['address'] for h in hubs)
          == ['dchub://old.example.org:4111', 'dchub://ru.example.org:411'],
          'the .config list gives its hubs (%s)' % [h['address'] for h in hubs])

    # merging
    r, hubs, sources = hublist(args.cli, data, [one, two])
    addrs = [h['address'] for h in hubs]
    check(r.returncode == 0 and len(addrs) == len(set(addrs)) == 3,
          'two servers: 4 entries, the test hub once: %d hubs (%s)' % (len(addrs), addrs))
    merged = {h['address']: h for h in hubs}
    check(merged[hub_addr]['source'] == one and merged[hub_addr]['name'] == 'Burrow test hub',
          'the first server\'s entry wins')
    r, hubs, sources = hublist(args.cli, data, [one, two, three])
    addrs = [h['address'] for h in hubs]
    check(r.returncode == 0 and len(addrs) == len(set(addrs)) == 4,
          'three servers: 6 entries, 4 distinct addresses (%s)' % addrs)

    # text output: one line per hub with name, address, users, share, protocol
    r, _, _ = hublist(args.cli, data, [one], json_out=False)
    rows = {l.split('\t')[1]: l.split('\t') for l in r.stdout.splitlines()}
    check(r.returncode == 0 and len(rows) == 2 and all(len(row) == 5 for row in rows.values())
          and rows[hub_addr][0] == 'Burrow test hub' and rows[hub_addr][2] == '1'
          and rows[hub_addr][4] == 'NMDC' and rows[hub_addr][3] != '',
          'text: one tab-separated line per hub: name, address, users, share, protocol (%s)'
          % rows.get(hub_addr))

    # errors: each alone exits 1 with one line; the source tells the code
    for name, code, what in (('malformed.xml', MALFORMED, 'a malformed list'),
                             ('bomb.xml.bz2', TOO_LARGE, 'a bzip2 bomb, stopped at the size limit'),
                             ('missing.xml', HTTP, 'a 404')):
      url = server.url(name)
      r, hubs, sources = hublist(args.cli, data, [url])
      check(r.returncode == 1 and hubs == [] and sources[url]['error-domain'] == DOMAIN
            and sources[url]['error-code'] == code,
            '%s: exit 1, error code %d (%s)' % (what, code, sources.get(url)))
      r, _, _ = hublist(args.cli, data, [url], json_out=False)
      check(r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
            and r.stderr.startswith('burrow-cli: ') and r.stdout == '',
            '%s: text mode: exit 1 with a one-line error (%s)' % (what, r.stderr.strip()))
    # a bad list next to a good one: the good one is shown
    r, hubs, sources = hublist(args.cli, data, [server.url('malformed.xml'), one])
    check(r.returncode == 0 and len(hubs) == 2, 'a malformed list next to a good one: exit 0')

    # configured servers: the engine setting (one URL per line)
    db = sqlite3.connect(os.path.join(data, 'burrow.db'))
    db.execute("INSERT INTO settings (key, value) VALUES ('hublist-servers', ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (one + '\n' + three,))
    db.commit()
    r, hubs, sources = hublist(args.cli, data, [])
    check(r.returncode == 0 and sorted(sources) == sorted([one, three]) and len(hubs) == 4,
          'hublist without URLs reads the configured servers (%s)' % sorted(sources))

    # caching: stop the server; the copy comes back with its date, made two hours older here
    server.stop()
    db.execute('UPDATE hub_list_cache SET fetched = fetched - 7200 WHERE url = ?', (one,))
    db.commit()
    (cached_fetched,) = db.execute('SELECT fetched FROM hub_list_cache WHERE url = ?',
                                   (one,)).fetchone()
    db.close()
    r, hubs, sources = hublist(args.cli, data, [one])
    src = sources.get(one, {})
    check(r.returncode == 0 and sorted(h['address'] for h in hubs)
          == sorted([hub_addr, 'adcs://secure.example.org:2780/?kp=' + KP]),
          'server stopped: the cached list is shown (%s)' % r.stderr.strip())
    check(src.get('cached') is True and src.get('fetched') == cached_fetched
          and 7200 <= src.get('age', 0) < 7200 + DEADLINE and src.get('error') is not None,
          'the source says cached, with the download\'s date and its age (%s)' % src)
    r, _, _ = hublist(args.cli, data, [one], json_out=False)
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 2 and one in r.stderr,
          'text mode: the hubs on stdout, the source (cached copy, age) on stderr (%s)'
          % r.stderr.strip())

    # offline: one cached server, one never read
    never = 'http://127.0.0.1:%d/never.xml' % server.port
    r, hubs, sources = hublist(args.cli, data, [never, one])
    check(r.returncode == 0 and len(hubs) == 2 and sources[one]['cached'] is True
          and sources[never]['fetched'] == 0 and sources[never]['error'] is not None,
          'offline: the cached list is used, the unreachable server reported')
    r, hubs, sources = hublist(args.cli, data, [never])
    check(r.returncode == 1 and hubs == [], 'offline without a copy: exit 1')

    # connecting to the hub picked from the list
    r = subprocess.run([args.cli, '--data-dir', os.path.join(work, 'user'), '--nick', 'lister',
                        'users', test_hub['address']],
                       capture_output=True, text=True, timeout=DEADLINE, env=env())
    check(r.returncode == 0 and 'lister' in r.stdout.split(),
          'burrow-cli users %s (from the list) logs in (%s)' % (test_hub['address'],
                                                               r.stderr.strip()))
    print('all passed')
    return 0
  finally:
    if server:
      server.stop()
    if hub:
      hub.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
  sys.exit(main())
