#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepares the real-guest e2e test (test/e2e): installs QEMU, busybox-static and the archive tools
# from Debian with apt-get, downloads Debian's current amd64 kernel package with `apt-get download`
# and extracts it into test/e2e/.cache (never installed on the host), derives an uncompressed
# vmlinux for QEMU's faster PVH boot, and builds the guest initramfs (build-initramfs.sh).
# Idempotent: when everything is present it only checks (well under a second) and touches no
# network. Nothing is fetched except from the configured Debian mirrors.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/.cache"
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive

pkgs=(qemu-system-x86 busybox-static cpio xz-utils zstd kmod file)
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
sudo=; [ "$(id -u)" -eq 0 ] || sudo="sudo -E"
updated=
apt_update() { [ -n "$updated" ] || { echo "e2e setup: apt-get update"; $sudo apt-get update -qq; updated=1; }; }
if [ ${#need[@]} -gt 0 ]; then
  apt_update
  echo "e2e setup: installing ${need[*]}"
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

kdir="$cache/kernel"
if [ ! -f "$kdir/vmlinuz" ] || [ ! -f "$kdir/version" ] || [ ! -f "$kdir/package" ]; then
  apt_update
  # The package the linux-image-amd64 metapackage points at, else the newest 6.1 image.
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$pkg" ] || pkg=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-amd64$' \
    | awk '{print $1}' | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "e2e setup: no Debian linux-image-*-amd64 package found" >&2; exit 1; }
  echo "e2e setup: downloading $pkg"
  rm -rf "$cache/deb" "$kdir"; mkdir -p "$cache/deb" "$kdir"
  (cd "$cache/deb" && apt-get download -qq -o APT::Sandbox::User=root "$pkg")
  deb=$(ls "$cache"/deb/*.deb)
  dpkg-deb -x "$deb" "$kdir/root"
  kver=$(ls "$kdir/root/lib/modules")
  cp "$kdir/root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
  # The package ships no modules.dep (its postinst makes it): generate it in the extracted tree.
  /sbin/depmod -b "$kdir/root" "$kver"
  echo "$kver" > "$kdir/version"
  basename "$deb" > "$kdir/package"
  rm -rf "$cache/deb"
fi

# vmlinux: the ELF inside the bzImage (PVH entry point), boots about twice as fast under TCG.
# Optional: the test falls back to vmlinuz when it is missing.
if [ ! -f "$kdir/vmlinux" ]; then
  for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08:gzip -dc'; do
    pat=${magic%%:*}; tool=${magic#*:}
    off=$(LC_ALL=C grep -obUaP "$pat" "$kdir/vmlinuz" | head -1 | cut -d: -f1 || true)
    [ -n "$off" ] || continue
    tail -c +$((off + 1)) "$kdir/vmlinuz" | $tool > "$kdir/vmlinux.tmp" 2>/dev/null || true
    if file "$kdir/vmlinux.tmp" | grep -q 'ELF 64-bit'; then mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"; break; fi
    rm -f "$kdir/vmlinux.tmp"
  done
  [ -f "$kdir/vmlinux" ] && echo "e2e setup: extracted vmlinux" || echo "e2e setup: no vmlinux (will boot vmlinuz)"
fi

"$here/build-initramfs.sh" "$cache"
echo "e2e setup: ready (kernel $(cat "$kdir/version"), $(qemu-system-x86_64 --version | head -1))"
