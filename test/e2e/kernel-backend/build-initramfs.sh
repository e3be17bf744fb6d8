#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds test/e2e/.cache/initramfs-kernel-backend.cpio.gz for the kernel-backend guest test: the
# e2e initramfs that test/e2e/setup.sh builds (busybox-static and the 9p modules, listed in
# lib/modules/order-9p) followed by a small second archive that replaces /init with init.sh here.
# The kernel unpacks concatenated archives in order, so nothing is copied twice. The crypto
# modules are not in the initramfs: init.sh loads them with modprobe from the extracted Debian
# kernel once the host root is mounted.
# Usage: build-initramfs.sh CACHE_DIR   (rebuilds only when an input is newer than the output)
set -euo pipefail
cache="$1"
here="$(cd "$(dirname "$0")" && pwd)"
base="$cache/initramfs.cpio.gz"
out="$cache/initramfs-kernel-backend.cpio.gz"
[ -f "$base" ] || { echo "kernel-backend initramfs: $base is missing (run test/e2e/setup.sh)" >&2; exit 1; }
if [ -f "$out" ] && [ "$out" -nt "$here/init.sh" ] && [ "$out" -nt "$0" ] && [ "$out" -nt "$base" ]; then
  exit 0
fi
overlay="$cache/initramfs-kernel-backend"
rm -rf "$overlay"; mkdir -p "$overlay"/{host,lib/modules}
cp "$here/init.sh" "$overlay/init"; chmod +x "$overlay/init"
{ cat "$base"; (cd "$overlay" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1); } > "$out.tmp"
mv "$out.tmp" "$out"
echo "kernel-backend initramfs: $(du -h "$out" | cut -f1)"
