// SPDX-License-Identifier: Apache-2.0
/**
 * A virtio-crypto request as the device model sees it: the device-readable and device-writable
 * byte views of one descriptor chain, in chain order, whatever the descriptor boundaries. Owns
 * reading fields by byte count across the readable views and writing results across the writable
 * ones. Knows nothing of rings, vhost-user or guest addresses.
 * ALIASING: the views are guest memory and may alias each other (Linux sends in-place requests),
 * so callers read every input before they write any output.
 */
export interface SegmentedRequest {
  readonly readable: readonly Uint8Array[];
  readonly writable: readonly Uint8Array[];
}

export function totalLength(views: readonly Uint8Array[]): number {
  let n = 0;
  for (const v of views) n += v.length;
  return n;
}

/**
 * What take(0) returns (an empty AAD, say): it has no bytes to alias or write, so one shared
 * view serves every request; a new Uint8Array(0) per call allocates an ArrayBuffer each time.
 */
const EMPTY = new Uint8Array(0);

/** A cursor over the readable views. take() returns null when the chain holds too few bytes. */
export class RequestReader {
  private index = 0;
  private offset = 0;
  private consumed = 0;
  readonly length: number;

  constructor(private readonly views: readonly Uint8Array[]) {
    this.length = totalLength(views);
  }

  get remaining(): number {
    return this.length - this.consumed;
  }

  /**
   * The next n bytes: a view when they sit in one segment, a copy when they span several.
   * ALIASING: a returned view is guest memory; consume it before writing any output.
   */
  take(n: number): Uint8Array | null {
    if (n < 0 || n > this.remaining) return null;
    if (n === 0) return EMPTY;
    while (this.index < this.views.length && this.offset === this.views[this.index]!.length) {
      this.index++;
      this.offset = 0;
    }
    const first = this.views[this.index]!;
    if (first.length - this.offset >= n) {
      const v = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      this.consumed += n;
      return v;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const seg = this.views[this.index]!;
      const chunk = Math.min(seg.length - this.offset, n - filled);
      out.set(seg.subarray(this.offset, this.offset + chunk), filled);
      filled += chunk;
      this.offset += chunk;
      if (this.offset === seg.length) {
        this.index++;
        this.offset = 0;
      }
    }
    this.consumed += n;
    return out;
  }
}

/** Writes bytes at a byte offset across the writable views; returns false when they do not fit. */
export function writeAt(views: readonly Uint8Array[], offset: number, bytes: Uint8Array): boolean {
  // A backend that was given the first view as its destination already wrote there.
  const first = views[0];
  if (offset === 0 && first !== undefined && bytes.buffer === first.buffer && bytes.byteOffset === first.byteOffset && bytes.length <= first.length) return true;
  let skip = offset;
  let done = 0;
  for (const v of views) {
    if (done === bytes.length) break;
    if (skip >= v.length) {
      skip -= v.length;
      continue;
    }
    const chunk = Math.min(v.length - skip, bytes.length - done);
    // The usual case, all of bytes into one view, needs no subarray of it.
    v.set(chunk === bytes.length ? bytes : bytes.subarray(done, done + chunk), skip);
    done += chunk;
    skip = 0;
  }
  return done === bytes.length;
}

/** Writes one status byte into the last writable byte; returns the writable length (0 = nowhere to write). */
export function writeStatusLast(views: readonly Uint8Array[], status: number): number {
  for (let i = views.length - 1; i >= 0; i--) {
    const v = views[i]!;
    if (v.length > 0) {
      v[v.length - 1] = status;
      return totalLength(views);
    }
  }
  return 0;
}

/** Little-endian field reads from a header view (callers guarantee the length). */
export const u32 = (b: Uint8Array, off: number): number =>
  (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;

export const u64 = (b: Uint8Array, off: number): bigint => {
  const lo = u32(b, off);
  const hi = u32(b, off + 4);
  // Every data request reads its session id: one BigInt for an id below 2^32, not four.
  return hi === 0 ? BigInt(lo) : BigInt(lo) | (BigInt(hi) << 32n);
};
