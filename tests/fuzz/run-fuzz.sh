#!/bin/sh
# run-fuzz.sh FUZZER SEED_DIR [LIBFUZZER_ARGS…]
#
# Runs a libFuzzer target over its seed corpus without writing into the source
# tree: libFuzzer stores new inputs in the first corpus directory it is given,
# so that is a temporary directory, removed afterwards; the seeds come second.
set -u

fuzzer=$1
seeds=$2
shift 2

work=$(mktemp -d "${TMPDIR:-/tmp}/burrow-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

"$fuzzer" "$@" "$work" "$seeds"
