// SPDX-License-Identifier: Apache-2.0
/**
 * The guest memory table (vhost-user SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG): regions of guest
 * physical memory, each with the frontend's virtual address for it and a mapping of its bytes.
 * Translates guest-physical addresses (descriptors) and frontend virtual addresses (ring
 * addresses) into bounds-checked views. Never throws on guest input: a range outside one region
 * gives null. Does not map or unmap anything: the caller owns the mappings.
 * ALIASING: views alias the mapping; they are valid until the region is removed and unmapped.
 */
export interface MemoryRegion {
  readonly guestPhysAddr: number;
  readonly sizeBytes: number;
  readonly userspaceAddr: number;
  /** The region's bytes (the mapping, starting at the region's mmap offset). */
  readonly bytes: Uint8Array;
}

export class MemoryTableError extends Error {
  readonly code = 'VCRYPTO_ERR_MEM_TABLE';
  constructor(message: string) {
    super(message);
    this.name = 'MemoryTableError';
  }
}

/** Largest address JavaScript numbers represent exactly; anything above is refused. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class GuestMemory {
  private regions: MemoryRegion[] = [];
  private last: MemoryRegion | undefined;

  constructor(regions: readonly MemoryRegion[] = []) {
    for (const r of regions) this.add(r);
  }

  get regionCount(): number {
    return this.regions.length;
  }

  list(): readonly MemoryRegion[] {
    return this.regions;
  }

  add(r: MemoryRegion): void {
    if (r.sizeBytes <= 0 || r.bytes.length < r.sizeBytes) throw new MemoryTableError(`region at gpa 0x${r.guestPhysAddr.toString(16)} has no usable bytes`);
    if (r.guestPhysAddr + r.sizeBytes > MAX_SAFE || r.userspaceAddr + r.sizeBytes > MAX_SAFE) {
      throw new MemoryTableError('region lies beyond 2^53');
    }
    for (const o of this.regions) {
      if (r.guestPhysAddr < o.guestPhysAddr + o.sizeBytes && o.guestPhysAddr < r.guestPhysAddr + r.sizeBytes) {
        throw new MemoryTableError(`region at gpa 0x${r.guestPhysAddr.toString(16)} overlaps another`);
      }
    }
    this.regions.push(r);
    this.regions.sort((a, b) => a.guestPhysAddr - b.guestPhysAddr);
  }

  /** Removes the region matching gpa and size; returns it (for unmapping) or undefined. */
  remove(guestPhysAddr: number, sizeBytes: number): MemoryRegion | undefined {
    const i = this.regions.findIndex((r) => r.guestPhysAddr === guestPhysAddr && r.sizeBytes === sizeBytes);
    if (i < 0) return undefined;
    const [r] = this.regions.splice(i, 1);
    this.last = undefined;
    return r;
  }

  /** A view of [gpa, gpa+len) or null when it is not wholly inside one region. */
  translate(gpa: number, len: number): Uint8Array | null {
    if (!(gpa >= 0 && len >= 0 && gpa + len <= MAX_SAFE)) return null;
    const last = this.last;
    if (last !== undefined && gpa >= last.guestPhysAddr && gpa + len <= last.guestPhysAddr + last.sizeBytes) {
      const off = gpa - last.guestPhysAddr;
      return last.bytes.subarray(off, off + len);
    }
    for (const r of this.regions) {
      if (gpa >= r.guestPhysAddr && gpa + len <= r.guestPhysAddr + r.sizeBytes) {
        this.last = r;
        const off = gpa - r.guestPhysAddr;
        return r.bytes.subarray(off, off + len);
      }
    }
    return null;
  }

  /** A view of frontend virtual addresses [uaddr, uaddr+len) (ring addresses from SET_VRING_ADDR). */
  translateUserspace(uaddr: number, len: number): Uint8Array | null {
    if (!(uaddr >= 0 && len >= 0 && uaddr + len <= MAX_SAFE)) return null;
    for (const r of this.regions) {
      if (uaddr >= r.userspaceAddr && uaddr + len <= r.userspaceAddr + r.sizeBytes) {
        const off = uaddr - r.userspaceAddr;
        return r.bytes.subarray(off, off + len);
      }
    }
    return null;
  }
}

/** Reads a little-endian u64 as a number, or -1 when it exceeds 2^53 (no region can hold it). */
export function readAddress(b: Uint8Array, off: number): number {
  const lo = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  const hi = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
  if (hi >= 0x200000) return -1;
  return hi * 0x100000000 + lo;
}
