#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds test/e2e/.cache/initramfs.cpio.gz for the e2e guest: busybox-static, guest-init.sh as
# /init, and kernel modules from the extracted Debian kernel, each with its dependencies resolved
# from modules.dep and decompressed: the 9p share (9p, 9pnet_virtio) and the crypto side
# (virtio_pci, virtio_crypto, tcrypt). Load order is written to lib/modules/order-9p and
# order-crypto (tcrypt is left out of the order: /init loads it per speed mode).
# Usage: build-initramfs.sh CACHE_DIR   (rebuilds only when an input is newer than the output)
set -euo pipefail
cache="$1"
here="$(cd "$(dirname "$0")" && pwd)"
kver=$(cat "$cache/kernel/version")
mods="$cache/kernel/root/lib/modules/$kver"
out="$cache/initramfs.cpio.gz"
if [ -f "$out" ] && [ "$out" -nt "$here/guest-init.sh" ] && [ "$out" -nt "$0" ] \
   && [ "$out" -nt "$cache/kernel/version" ]; then
  exit 0
fi
busybox_bin=$(command -v busybox || true)
[ -n "$busybox_bin" ] && file -L "$busybox_bin" 2>/dev/null | grep -q 'statically linked' \
  || busybox_bin=/bin/busybox
[ -x "$busybox_bin" ] || { echo "build-initramfs: no busybox (install busybox-static)" >&2; exit 1; }

root="$cache/initramfs"
rm -rf "$root"; mkdir -p "$root"/{bin,proc,sys,dev,lib/modules,tmp,out}
cp "$busybox_bin" "$root/bin/busybox"
cp "$here/guest-init.sh" "$root/init"; chmod +x "$root/init"

declare -A seen=()
# path_of NAME: the module's path relative to $mods, from modules.dep (- and _ are equivalent).
path_of() {
  local re="${1//[-_]/[-_]}"
  grep -oE "^[^:]*/${re}\.ko(\.xz|\.zst|\.gz)?:" "$mods/modules.dep" | head -1 | tr -d :
}
# add LISTFILE NAME: appends NAME after its dependencies (modules.dep lists what a module needs).
add() {
  local list="$1" m="$2" f deps d
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  f=$(path_of "$m")
  [ -n "$f" ] || { echo "build-initramfs: module $m not in modules.dep" >&2; exit 1; }
  deps=$(grep -E "^${f//./\\.}:" "$mods/modules.dep" | cut -d: -f2)
  for d in $deps; do add "$list" "$(basename "$d" | sed -E 's/\.ko(\.xz|\.zst|\.gz)?$//')"; done
  case "$f" in
    *.xz) xz -dc "$mods/$f" > "$root/lib/modules/$m.ko" ;;
    *.zst) zstd -qdc "$mods/$f" > "$root/lib/modules/$m.ko" ;;
    *.gz) gzip -dc "$mods/$f" > "$root/lib/modules/$m.ko" ;;
    *) cp "$mods/$f" "$root/lib/modules/$m.ko" ;;
  esac
  [ "$m" = tcrypt ] || echo "$m" >> "$root/lib/modules/$list"
}
: > "$root/lib/modules/order-9p"; : > "$root/lib/modules/order-crypto"
for m in virtio_pci 9pnet_virtio 9p; do add order-9p "$m"; done
for m in virtio_crypto tcrypt; do add order-crypto "$m"; done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1 > "$out.tmp")
mv "$out.tmp" "$out"
echo "e2e setup: initramfs $(du -h "$out" | cut -f1) with modules:" \
  "$(tr '\n' ' ' < "$root/lib/modules/order-9p")$(tr '\n' ' ' < "$root/lib/modules/order-crypto")tcrypt"
