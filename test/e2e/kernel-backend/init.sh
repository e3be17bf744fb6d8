#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the kernel-backend guest. Loads the 9p modules the base e2e initramfs carries, mounts
# the host's root filesystem (9p tag "hostroot", read-only) at /host, bind-mounts the extracted
# Debian kernel's module tree (found under /host at the path given as vcrypto.modules= on the
# kernel command line) at /lib/modules/$(uname -r) so busybox modprobe loads AF_ALG, the modules
# named by vcrypto.load= (one module) and the crypto templates, both here and on demand (the kernel's module helper runs in this root, not in the
# chroot). Then a tmpfs on /host/tmp (keeping vcrypto.keep= visible), the writable result share (tag "kbout") at
# /host/tmp/kbout, proc/dev/sys inside, and a chroot into the host root running the script the
# host left in the share (run.sh: the project's own Node on the kernel-backend suite). Powers off
# at the end. "VCRYPTO-KB" lines on the serial console let a person follow along.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "VCRYPTO-KB $*"; }
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^vcrypto\.$1=//p" | tail -1; }
for m in $(cat /lib/modules/order-9p); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || say "insmod-failed $m"
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /host; then
  say "no-host-root"; poweroff -f
fi
kver=$(uname -r)
mkdir -p "/lib/modules/$kver"
mount --bind "/host$(arg modules)/$kver" "/lib/modules/$kver" || say "no-module-tree"
echo /bin/modprobe > /proc/sys/kernel/modprobe
for m in af_alg algif_skcipher algif_hash algif_aead $(arg load); do modprobe "$m" || say "modprobe-failed $m"; done
# vcrypto.wait_driver=NAME: wait up to 20 s for that driver to pass its self-test (a device's
# driver registers its algorithms once the device is up, then the crypto manager tests them).
want=$(arg wait_driver)
if [ -n "$want" ]; then
  i=0
  until grep -A5 "^driver *: $want\$" /proc/crypto | grep -q 'selftest *: passed'; do
    i=$((i + 1)); [ $i -gt 40 ] && { say "driver-not-ready $want"; break; }
    sleep 0.5
  done
fi
# vcrypto.keep=DIR: a folder under the host's /tmp (a project checked out there) that the tmpfs
# would hide: bind it aside first and back in place after.
keep=$(arg keep)
if [ -n "$keep" ]; then mkdir -p /keep && mount --bind "/host$keep" /keep || say "no-keep $keep"; fi
mount -t tmpfs -o size=256m tmp /host/tmp
if [ -n "$keep" ]; then mkdir -p "/host$keep" && mount --bind /keep "/host$keep" || say "no-keep $keep"; fi
mkdir -p /host/tmp/kbout
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 kbout /host/tmp/kbout || say "no-result-share"
mount -t proc proc /host/proc
mount -t devtmpfs dev /host/dev
mount -t sysfs sys /host/sys
say "boot kernel=$kver"
chroot /host /bin/sh /tmp/kbout/run.sh > /host/tmp/kbout/run.log 2>&1
say "exit=$?"
sync
umount /host/tmp/kbout
poweroff -f
