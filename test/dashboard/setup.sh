#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepares the dashboard test (test/dashboard): installs Debian's prometheus package, which brings
# the prometheus server and promtool, with apt-get. The package's service is not started (the test
# runs its own Prometheus on a temporary folder and port). Idempotent: when both binaries are
# present it only checks and touches no network.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  exit 0
fi
sudo=; [ "$(id -u)" -eq 0 ] || sudo="sudo -E"
echo "dashboard setup: apt-get update"
$sudo apt-get update -qq
echo "dashboard setup: installing prometheus (server and promtool)"
# policy-rc.d keeps the package's init script from starting a system Prometheus on port 9090.
policy=/usr/sbin/policy-rc.d
added=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  added=1
fi
trap '[ -z "$added" ] || $sudo rm -f "$policy"' EXIT
$sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v prometheus >/dev/null && command -v promtool >/dev/null
