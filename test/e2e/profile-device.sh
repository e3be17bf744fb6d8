#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Profiles the vcrypto device while the real guest runs tcrypt through it (docs/performance.md
# "A sixth run"): runs the guest e2e test for one tcrypt mode, and once the guest's tcrypt boot
# through vcrypto is under way, counts the device's CPU time and context switches for 10 s
# (perf stat) and samples its stacks for 15 s (perf record, JavaScript frames named through
# --perf-basic-prof). Prints the counts and the top functions; leaves the files in OUTDIR.
# A measurement tool, not a test: nothing here is asserted. Needs perf (Debian: linux-perf),
# test/e2e/setup.sh and a built dist/ (npm run build).
#
#   test/e2e/profile-device.sh [MODE] [OUTDIR]     MODE 500 (default) or 600
#
# VCRYPTO_E2E_QEMU and a prefix in VCRYPTO_PROFILE_PREFIX (e.g. "taskset -c 1") pin QEMU and the
# device to chosen vCPUs, as the sixth run did.
set -euo pipefail
mode="${1:-500}"
out="${2:-/tmp/vcrypto-profile-$mode}"
case "$mode" in 500 | 600) ;; *) echo "profile-device: MODE must be 500 or 600, not '$mode'" >&2; exit 2 ;; esac
command -v perf >/dev/null || { echo "profile-device: perf is not installed (apt-get install linux-perf)" >&2; exit 3; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ -f "$root/dist/cmd/device/main.js" ] || { echo "profile-device: no dist/: run npm run build first" >&2; exit 3; }
rm -rf "$out" && mkdir -p "$out"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"

echo "profile-device: guest e2e, tcrypt mode $mode; files in $out"
VCRYPTO_E2E_MODES="$mode" VCRYPTO_E2E_REQUIRE_DEVICE=1 \
  VCRYPTO_E2E_DEVICE="${VCRYPTO_PROFILE_PREFIX:+$VCRYPTO_PROFILE_PREFIX }node --perf-basic-prof bin/vcrypto.js" \
  VCRYPTO_E2E_RUN_DIR="$out/run" \
  npx vitest run --config test/e2e/vitest.config.ts test/e2e/guest.e2e.test.ts >"$out/e2e.log" 2>&1 &
e2e=$!

boot="$out/run/vcrypto-boot2-tcrypt$mode"
for _ in $(seq 1 120); do [ -d "$boot" ] && break; sleep 1; done
[ -d "$boot" ] || { echo "profile-device: the tcrypt boot did not start within 120 s (see $out/e2e.log)" >&2; kill "$e2e" 2>/dev/null; exit 1; }
sleep 8 # past the guest's boot and module load, into tcrypt
pid="$(pgrep -f 'perf-basic-prof bin/vcrypto.js device' | head -1)"
[ -n "$pid" ] || { echo "profile-device: no device process found" >&2; kill "$e2e" 2>/dev/null; exit 1; }
echo "profile-device: device pid $pid: perf stat for 10 s, then perf record for 15 s"
perf stat -e task-clock,context-switches,cpu-migrations -p "$pid" -- sleep 10 2>"$out/stat.txt"
perf record -F 1999 -g -p "$pid" -o "$out/perf.data" -- sleep 15 2>"$out/record.txt"
echo "profile-device: waiting for the e2e run to finish (its table: $out/run/table.txt)"
wait "$e2e" || echo "profile-device: the e2e run failed (see $out/e2e.log); the profile is still usable"

grep -E 'task-clock|context-switches|seconds time elapsed' "$out/stat.txt"
echo
echo "Top functions by own samples (all: perf report -i $out/perf.data):"
perf report -i "$out/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep '%' | head -25
