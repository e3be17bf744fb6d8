// SPDX-License-Identifier: Apache-2.0
/**
 * Guest memory for the project's own vhost-user frontend: one memfd mapped into this process,
 * shared with the device through SET_MEM_TABLE, with a wrap-around bump allocator for rings and
 * request buffers, and pinned buffers at the top for requests prepared once. Guest-physical
 * addresses start at 0; the "frontend virtual" addresses the device receives for rings are
 * offset by FRONTEND_UADDR_BASE, as QEMU's would be.
 * ALIASING: views alias the mapping and stay valid until close().
 */
import { closeFd, mapFd, memfdCreate, type Mapping } from '../os/index.js';

export const FRONTEND_UADDR_BASE = 0x7f00_0000_0000;

export class GuestArena {
  readonly fd: number;
  readonly sizeBytes: number;
  private readonly mapping: Mapping;
  private next: number;
  private dataStart: number;
  /** End of the wrap-around area: pinned buffers lie above it. */
  private limit: number;

  constructor(sizeBytes: number) {
    this.sizeBytes = sizeBytes;
    this.fd = memfdCreate('vcrypto-guest', sizeBytes);
    this.mapping = mapFd(this.fd, 0, sizeBytes);
    this.next = 0;
    this.dataStart = 0;
    this.limit = sizeBytes;
  }

  get bytes(): Uint8Array {
    return this.mapping.bytes;
  }

  /** Permanent allocations (rings) come first; call sealRings() before request buffers. */
  allocPermanent(len: number, align = 16): number {
    const at = Math.ceil(this.next / align) * align;
    if (at + len > this.limit) throw new Error('guest arena exhausted');
    this.next = at + len;
    return at;
  }

  sealRings(): void {
    this.dataStart = Math.ceil(this.next / 4096) * 4096;
    this.next = this.dataStart;
  }

  /** Request buffers: wraps to the start of the data area; callers keep in-flight data well below the arena size. */
  alloc(len: number, align = 8): number {
    let at = Math.ceil(this.next / align) * align;
    if (at + len > this.limit) at = this.dataStart;
    if (at + len > this.limit) throw new Error(`request of ${len} bytes does not fit the guest arena`);
    this.next = at + len;
    return at;
  }

  /**
   * Buffers that stay put until close() (requests prepared once and submitted many times), taken
   * from the top of the arena; the wrap-around area shrinks below them. Pin while no request
   * buffer is in flight: one there could lie in the range being pinned.
   */
  allocPinned(len: number, align = 64): number {
    const at = Math.floor((this.limit - len) / align) * align;
    if (at < this.dataStart + (1 << 20)) throw new Error(`pinning ${len} bytes would leave the guest arena too little room`);
    this.limit = at;
    if (this.next > at) this.next = this.dataStart;
    return at;
  }

  view(gpa: number, len: number): Uint8Array {
    return this.mapping.bytes.subarray(gpa, gpa + len);
  }

  close(): void {
    this.mapping.unmap();
    closeFd(this.fd);
  }
}
