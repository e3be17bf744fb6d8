#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what test/kubevirt/libvirt.test.ts needs from Debian with apt-get: the libvirt daemon
# (libvirt-daemon-system: the QEMU driver plus the libvirt-qemu user the system daemon runs QEMU
# as), the virsh client, and QEMU itself. Then, when no libvirt daemon answers and systemd is
# not running (a CI container), starts virtlogd and libvirtd in the background, so that
# `virsh -c qemu:///system` works. As root, qemu:///session would also go to that socket.
# Idempotent: when everything is installed and running it only checks and touches no network.
# Run as root (CI): bash test/kubevirt/setup-libvirt.sh
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86)
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "libvirt setup: apt-get update"
  apt-get update -qq
  echo "libvirt setup: installing ${need[*]}"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# A socket file alone proves nothing: a daemon killed with its session leaves it behind, and
# every virsh call then fails with "Connection refused". Ask the daemon itself.
libvirt_answers() { virsh -c qemu:///system version >/dev/null 2>&1; }
if ! libvirt_answers && [ ! -d /run/systemd/system ]; then
  mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt
  if ! pgrep -x libvirtd >/dev/null; then
    # Whatever is left of a dead daemon: its sockets and pid files, which would stop a new one.
    rm -f /var/run/libvirt/libvirt-sock /var/run/libvirt/libvirt-sock-ro \
      /var/run/libvirt/libvirt-admin-sock /var/run/libvirtd.pid
  fi
  if ! pgrep -x virtlogd >/dev/null; then
    rm -f /var/run/libvirt/virtlogd-sock /var/run/libvirt/virtlogd-admin-sock /var/run/virtlogd.pid
    virtlogd -d
  fi
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 50); do libvirt_answers && break; sleep 0.2; done
  libvirt_answers || { echo "libvirt setup: libvirtd does not answer; see /var/log/libvirt/libvirtd.log" >&2; exit 1; }
  echo "libvirt setup: started libvirtd"
fi
echo "libvirt setup: ready ($(virsh --version 2>/dev/null | sed 's/^/libvirt /'), $(qemu-system-x86_64 --version | head -1))"
