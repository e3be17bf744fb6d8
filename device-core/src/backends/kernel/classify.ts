// SPDX-License-Identifier: Apache-2.0
/**
 * Tells a hardware kernel crypto driver from a software one, by name. The rule (also in
 * docs/kernel-backend.md):
 *  - "hardware" means an engine outside the CPU cores computes it: a PCIe or SoC accelerator
 *    (Intel QAT, AMD CCP, NXP CAAM, HiSilicon SEC, Allwinner/Rockchip crypto engines, a
 *    virtio-crypto device, ...). Offloading to it frees the cores the guests run on.
 *  - "software" means the CPU computes it: the portable C drivers ("-generic" suffix) and the
 *    instruction-set drivers (AES-NI, AVX, SSSE3, SHA-NI, CLMUL, NEON, ARMv8 Crypto Extensions).
 *    OpenSSL uses the same instructions in userspace, so sending that work through a system call
 *    gains nothing; `auto` keeps it in the software backend.
 *  - A template instance ("gcm_base(ctr(aes-generic),ghash-generic)") is software when every
 *    driver inside it is; one hardware part (e.g. "cmac(ccp-aes)") makes it hardware.
 *  - Anything not recognised as software counts as hardware (a new accelerator needs no change
 *    here; a software driver this list misses only costs a system call, and --kernel-driver or
 *    --backend software overrides it).
 * Knows nothing of sockets or virtio.
 */

/** Driver-name suffixes of CPU implementations (x86 and arm64 instruction-set drivers). */
const SOFTWARE_SUFFIX =
  /-(generic|aesni|avx|avx2|avx512|ssse3|sse2|sse3|ni|clmulni|x86_64|simd|asm|neon|neonbs|arm|arm64|fixed-time|lib|ce)$/;

/**
 * Driver names ending in "-ce" that are SoC crypto engines, not ARMv8 Crypto Extensions
 * (sun4i-ss/sun8i-ce/sun8i-ss name their drivers "...-sun8i-ce").
 */
const HARDWARE_CE = /-(sun8i|sun4i|sun50i)-ce$/;

/** Leaf driver names inside a (possibly nested) template driver name. */
function leaves(driver: string): string[] {
  const out: string[] = [];
  for (const m of driver.matchAll(/([^(),\s]+)(?=\s*[),]|$)/g)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}

function isSoftwareLeaf(driver: string): boolean {
  const d = driver.replace(/^__/, '');
  if (HARDWARE_CE.test(d)) return false;
  return SOFTWARE_SUFFIX.test(d);
}

/** True when a hardware engine computes this driver's work (see the rule above). */
export function isHardwareDriver(driver: string): boolean {
  const parts = leaves(driver);
  if (parts.length === 0) return true;
  return parts.some((p) => !isSoftwareLeaf(p));
}
