// SPDX-License-Identifier: Apache-2.0
/**
 * vhost-user protocol constants (QEMU docs/interop/vhost-user.rst), spelled as in the spec.
 * Pure data: message numbers, header flags, protocol feature bits, payload sizes.
 */
export const VHOST_USER_HDR_SIZE = 12;
export const VHOST_USER_VERSION = 0x1;
export const VHOST_USER_VERSION_MASK = 0x3;
export const VHOST_USER_REPLY_MASK = 0x4;
export const VHOST_USER_NEED_REPLY_MASK = 0x8;
/** The largest payload we accept; the 1072-byte crypto session is the biggest we expect. */
export const VHOST_USER_MAX_PAYLOAD = 4096;
export const VHOST_MEMORY_BASELINE_NREGIONS = 8;
export const VHOST_USER_MAX_MEM_SLOTS = 32;

export const VHOST_USER_F_PROTOCOL_FEATURES_BIT = 30;

export const VHOST_USER_PROTOCOL_F = {
  MQ: 0,
  LOG_SHMFD: 1,
  RARP: 2,
  REPLY_ACK: 3,
  MTU: 4,
  BACKEND_REQ: 5,
  CROSS_ENDIAN: 6,
  CRYPTO_SESSION: 7,
  PAGEFAULT: 8,
  CONFIG: 9,
  BACKEND_SEND_FD: 10,
  HOST_NOTIFIER: 11,
  INFLIGHT_SHMFD: 12,
  RESET_DEVICE: 13,
  INBAND_NOTIFICATIONS: 14,
  CONFIGURE_MEM_SLOTS: 15,
  STATUS: 16,
} as const;

export const VHOST_USER = {
  VHOST_USER_GET_FEATURES: 1,
  VHOST_USER_SET_FEATURES: 2,
  VHOST_USER_SET_OWNER: 3,
  VHOST_USER_RESET_OWNER: 4,
  VHOST_USER_SET_MEM_TABLE: 5,
  VHOST_USER_SET_LOG_BASE: 6,
  VHOST_USER_SET_LOG_FD: 7,
  VHOST_USER_SET_VRING_NUM: 8,
  VHOST_USER_SET_VRING_ADDR: 9,
  VHOST_USER_SET_VRING_BASE: 10,
  VHOST_USER_GET_VRING_BASE: 11,
  VHOST_USER_SET_VRING_KICK: 12,
  VHOST_USER_SET_VRING_CALL: 13,
  VHOST_USER_SET_VRING_ERR: 14,
  VHOST_USER_GET_PROTOCOL_FEATURES: 15,
  VHOST_USER_SET_PROTOCOL_FEATURES: 16,
  VHOST_USER_GET_QUEUE_NUM: 17,
  VHOST_USER_SET_VRING_ENABLE: 18,
  VHOST_USER_GET_CONFIG: 24,
  VHOST_USER_SET_CONFIG: 25,
  VHOST_USER_CREATE_CRYPTO_SESSION: 26,
  VHOST_USER_CLOSE_CRYPTO_SESSION: 27,
  VHOST_USER_RESET_DEVICE: 34,
  VHOST_USER_GET_MAX_MEM_SLOTS: 36,
  VHOST_USER_ADD_MEM_REG: 37,
  VHOST_USER_REM_MEM_REG: 38,
} as const;

/** SET_VRING_KICK/CALL/ERR payload: bits 0-7 queue index, bit 8 "no fd". */
export const VHOST_USER_VRING_IDX_MASK = 0xff;
export const VHOST_USER_VRING_NOFD_MASK = 0x100;

/** VhostUserCryptoSession payload sizes (QEMU <= 8.0 and >= 8.1). */
export const VHOST_USER_CRYPTO_SESSION_LEGACY_SIZE = 632;
export const VHOST_USER_CRYPTO_SESSION_SIZE = 1072;

/** One memory region on the wire: gpa, size, userspace address, mmap offset (u64 each). */
export const VHOST_USER_MEMORY_REGION_SIZE = 32;
