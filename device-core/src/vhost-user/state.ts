// SPDX-License-Identifier: Apache-2.0
/**
 * What the dispatch handlers see of one vhost-user connection: negotiated features, the memory
 * table with its mappings, the vrings, and the few state changes they ask for. Implemented by
 * connection.ts.
 */
import type { GuestMemory, MemoryRegion } from '../memory/guest-memory.js';
import type { Mapping } from '../os/index.js';
import type { VhostUserBackend } from './backend.js';
import type { Vring } from './vring.js';

export interface ConnectionState {
  readonly backend: VhostUserBackend;
  ackedFeatures: bigint;
  protocolFeatures: bigint;
  readonly memory: GuestMemory;
  readonly vrings: readonly Vring[];
  /**
   * Enters a mapped region in the memory table (and wherever rings run); takes the mapping and
   * the fd. Throws, taking neither, when the region is refused.
   */
  addMappedRegion(region: MemoryRegion, mapping: Mapping, fd: number, mmapOffset: number): void;
  /** Unmaps every region and stops the rings that used them. */
  dropMemory(): void;
  removeRegion(guestPhysAddr: number, sizeBytes: number): void;
  /** Starts every ring that has what it needs. */
  startRings(): void;
  /** RESET_OWNER / RESET_DEVICE: rings stopped, device state dropped. */
  resetDevice(): void;
}
