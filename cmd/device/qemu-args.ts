// SPDX-License-Identifier: Apache-2.0
/**
 * The QEMU command-line fragment that attaches a VM to a running device (cryptodev mode), printed
 * at start-up so a person can try it. Knows nothing of the device itself.
 */
export function qemuAttachArgs(socketPath: string, memoryMiB = 1024): string {
  return [
    `-object memory-backend-memfd,id=mem0,size=${memoryMiB}M,share=on -numa node,memdev=mem0`,
    `-chardev socket,id=vcrypto0,path=${socketPath}`,
    `-object cryptodev-vhost-user,id=cryptodev0,chardev=vcrypto0`,
    // vectors=0: QEMU 7.2 crashes starting a vhost-user crypto device with MSI-X.
    `-device virtio-crypto-pci,id=crypto0,cryptodev=cryptodev0,vectors=0`,
  ].join(' ');
}
