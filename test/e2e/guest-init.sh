#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the e2e guest. Loads the virtio_crypto driver, waits for the kernel's self-test of
# what it registered, optionally runs one tcrypt speed mode, and powers off. Results go to files on a
# writable 9p share (tag "e2eout", mounted at /out) because the serial console interleaves kernel
# messages and can lose the last lines at power-off; a few "VCRYPTO-E2E" lines are echoed to the
# console as well so a person watching the serial log can follow along; tcrypt's own lines go to
# the console too (see below).
#
# Kernel command-line knobs (read from /proc/cmdline):
#   vcrypto.tcrypt=MODE      tcrypt speed mode to run (500 or 600; none when absent)
#   vcrypto.sec=N            seconds per tcrypt measurement (default 1)
#   vcrypto.num_mb=N         requests in flight for the multibuffer modes (default 8)
#   vcrypto.wait=N           seconds to wait for the driver's algorithm to pass its self-test
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

say() { echo "VCRYPTO-E2E $*"; [ -d /out/ok ] && echo "$*" >> /out/events.txt; }
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^vcrypto\.$1=//p" | tail -1; }

# 9p first: the result files need it. Failures are reported, not fatal (the console still works).
for m in $(cat /lib/modules/order-9p); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || echo "VCRYPTO-E2E insmod-failed $m"
done
mkdir -p /out
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 e2eout /out 2>/dev/null; then
  mkdir -p /out/ok
else
  echo "VCRYPTO-E2E no-9p-share"
fi
say "boot kernel=$(uname -r)"

for m in $(cat /lib/modules/order-crypto); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || say "insmod-failed $m"
done

# The driver registers its algorithms once the device is ready, then the crypto manager runs the
# self-test; /proc/crypto shows "selftest : passed" only after it succeeded.
wait_s=$(arg wait); [ -n "$wait_s" ] || wait_s=20
i=0
while [ "$i" -lt $((wait_s * 4)) ]; do
  awk '/^driver/{d=$3} /^selftest/{ if (d == "virtio_crypto_aes_cbc" && $3 == "passed") found=1 } END{ exit !found }' /proc/crypto && break
  usleep 250000
  i=$((i + 1))
done
awk '/^name/{n=$3} /^driver/{d=$3} /^module/{m=$3} /^priority/{p=$3} /^selftest/{s=$3}
     /^$/{ if (d ~ /virtio/) print "crypto name=" n " driver=" d " module=" m " priority=" p " selftest=" s; n=d=m=p=s="" }' /proc/crypto > /tmp/crypto.txt
[ -s /tmp/crypto.txt ] || echo "crypto none" > /tmp/crypto.txt
while read -r line; do say "$line"; done < /tmp/crypto.txt
# How many virtio-crypto devices (virtio device id 20) the driver sees; the libvirt boot test
# gives the guest one device from each of two pools.
n=0
for f in /sys/bus/virtio/devices/*/device; do [ "$(cat "$f" 2>/dev/null)" = "0x0014" ] && n=$((n + 1)); done
say "virtio-crypto-devices count=$n"
[ -d /out/ok ] && { cp /proc/crypto /out/proc-crypto.txt; dmesg > /out/dmesg-boot.txt; }

# One tcrypt speed mode per boot. Debian 6.1's tcrypt has no per-algorithm selection for the
# skcipher speed modes (500: one request at a time, 600: num_mb requests in flight): a mode walks
# a fixed list. Everything but cbc(aes) fails at once here (those modules are not in the
# initramfs), but cbc(aes) is measured twice. tcrypt runs in the foreground with the console
# log level raised, so its lines reach the serial console as they are measured; the host stops
# the guest once the first encryption and decryption sections are complete, so /init does not
# have to watch the kernel log while tcrypt runs.
mode=$(arg tcrypt)
sec=$(arg sec); [ -n "$sec" ] || sec=1
num_mb=$(arg num_mb); [ -n "$num_mb" ] || num_mb=8
if [ -n "$mode" ]; then
  say "tcrypt-start mode=$mode sec=$sec num_mb=$num_mb"
  dmesg -c > /dev/null
  dmesg -n 7
  insmod /lib/modules/tcrypt.ko mode="$mode" sec="$sec" num_mb="$num_mb" 2>/dev/null
  dmesg -n 4
  [ -d /out/ok ] && dmesg > "/out/tcrypt-$mode.txt"
  say "tcrypt-end mode=$mode"
fi

say "done"
sync
[ -d /out/ok ] && umount /out
poweroff -f
