// SPDX-License-Identifier: Apache-2.0
/**
 * virtio core constants (spec "Basic Facilities of a Virtio Device", "Split Virtqueues"),
 * spelled as in the spec. Pure data.
 */
export const VIRTIO_F_NOTIFY_ON_EMPTY_BIT = 24;
export const VIRTIO_F_ANY_LAYOUT_BIT = 27;
export const VIRTIO_RING_F_INDIRECT_DESC_BIT = 28;
export const VIRTIO_RING_F_EVENT_IDX_BIT = 29;
export const VIRTIO_F_VERSION_1_BIT = 32;

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

export const VIRTQ_DESC_SIZE = 16;
export const VIRTQ_USED_ELEM_SIZE = 8;
/** The largest split queue the spec allows. */
export const VIRTQ_MAX_SIZE = 32768;

export const availRingBytes = (size: number): number => 4 + 2 * size + 2;
export const usedRingBytes = (size: number): number => 4 + VIRTQ_USED_ELEM_SIZE * size + 2;
