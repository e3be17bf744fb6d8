#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The native addon under AddressSanitizer: builds device-core/native/vcrypto_native.c with Debian
# gcc's -fsanitize=address into a temp folder (the normal build is left alone), then runs the
# addon's own tests and the hostile-frontend and fault tests (which drive the addon inside real
# device processes) with that build (VCRYPTO_NATIVE_ADDON) and libasan preloaded into node.
# Fails on any AddressSanitizer report from any of those processes. detect_leaks=0: node itself
# does not free everything at exit, so leak reports would be node's, not the addon's.
# Needs: gcc (already needed by npm ci for the addon), node's headers, dist/ built (npm ci does it).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"

libasan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
  echo "test/asan/run.sh: gcc's libasan is missing (Debian: apt-get install gcc)" >&2
  exit 1
fi
include=""
for d in "$(npm config get nodedir 2>/dev/null)/include/node" /usr/include/node "$HOME"/.cache/node-gyp/*/include/node; do
  if [ -f "$d/node_api.h" ]; then include=$d; break; fi
done
if [ -z "$include" ]; then
  echo "test/asan/run.sh: node_api.h not found (the headers npm ci used to build the addon)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -shared -fPIC -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address -Wall -Wextra -Wno-unused-parameter \
  -DNAPI_VERSION=8 -I"$include" -o "$work/vcrypto_native.node" device-core/native/vcrypto_native.c
echo "asan: built $work/vcrypto_native.node"

mkdir "$work/reports"
status=0
VCRYPTO_NATIVE_ADDON="$work/vcrypto_native.node" \
  LD_PRELOAD="$libasan" \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$work/reports/asan" \
  vitest run device-core/src/os test/hostile/messages.test.ts test/hostile/descriptors.test.ts test/faults || status=$?

if compgen -G "$work/reports/asan*" >/dev/null; then
  echo "asan: AddressSanitizer reported:" >&2
  cat "$work"/reports/asan* >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "asan: the tests failed under the ASan build (exit $status)" >&2
  exit "$status"
fi
echo "asan: no AddressSanitizer report"
