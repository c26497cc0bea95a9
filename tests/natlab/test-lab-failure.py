#!/usr/bin/python3
# A NAT-lab test whose lab cannot be built must fail with the reason, not skip (a skip would hide a
# broken lab in CI). This runs one cell of test-natlab.py with an `ip` in front of the real one
# that refuses to create namespaces, and checks that the cell exits 1 (meson: fail) with the reason,
# not 77 (meson: skip). Needs root like the lab itself; exit 77 otherwise.
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main ():
  if os.geteuid() != 0:
    print('SKIP: the NAT lab needs root (network namespaces and nftables)')
    return 77
  cli = sys.argv[sys.argv.index('--cli') + 1]
  with tempfile.TemporaryDirectory(prefix='natlab-broken-') as d:
    fake = os.path.join(d, 'ip')
    with open(fake, 'w') as f:
      f.write('#!/bin/sh\n'
              'if [ "$1" = netns ] && [ "$2" = add ]; then\n'
              '  echo "Cannot create namespace: Operation not permitted (test)" >&2; exit 1\n'
              'fi\n'
              'exec /usr/sbin/ip "$@"\n' if os.path.exists('/usr/sbin/ip') else
              'exec /usr/bin/ip "$@"\n')
    os.chmod(fake, 0o755)
    env = dict(os.environ, PATH=d + ':' + os.environ.get('PATH', '/usr/sbin:/usr/bin'))
    r = subprocess.run([sys.executable, os.path.join(HERE, 'test-natlab.py'), '--cell', 'masq+masq',
                        '--cli', cli], env=env, capture_output=True, text=True, timeout=300)
  out = r.stdout + r.stderr
  print(out.strip()[-2000:])
  if r.returncode != 1:
    print('FAIL: a cell whose lab cannot be built exited %d (want 1: failed)' % r.returncode)
    return 1
  if 'Cannot create namespace' not in out:
    print('FAIL: the failure does not give the reason')
    return 1
  print('PASS: the broken lab is reported as a failure with its reason')
  return 0


if __name__ == '__main__':
  sys.exit(main())
