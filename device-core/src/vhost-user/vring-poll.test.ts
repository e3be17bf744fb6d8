// SPDX-License-Identifier: Apache-2.0
/**
 * Vring polling (--poll-us) in one process, with a clock the test drives: the "driver" adds a
 * chain while the device watches the avail index, which is the only moment polling changes
 * anything. Checks what the driver sees meanwhile (its completion signalled, no kick asked
 * for), that the chain is served in the same drain after the ring's pending requests (a worker's
 * session mirror) are applied, that the poll ends at its deadline and then
 * asks for a kick, and that a drain with nothing to do does not poll at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GuestMemory } from '../memory/guest-memory.js';
import { eventfdCreate, eventfdRead } from '../os/index.js';
import { DriverRing, type BufferRef } from '../testing/driver-ring.js';
import { FRONTEND_UADDR_BASE, GuestArena } from '../testing/guest-arena.js';
import { NO_TRACE } from '../util/trace.js';
import type { VhostUserBackend } from './backend.js';
import { Vring } from './vring.js';

const SIZE = 16;

interface Rig {
  readonly ring: DriverRing;
  readonly vring: Vring;
  readonly handled: number[];
  /** handled.length each time the ring called beforePop. */
  readonly pulls: number[];
  readonly callFd: number;
  /** avail_event as the device last published it. */
  availEvent(): number;
  chain(): BufferRef[];
}

const open: Vring[] = [];
afterEach(() => {
  for (const v of open.splice(0)) v.close();
});

function rig(pollUs: number, now: () => number, eventIdx = true): Rig {
  const arena = new GuestArena(1 << 20);
  const ring = new DriverRing(arena, SIZE);
  arena.sealRings();
  const memory = new GuestMemory([{ guestPhysAddr: 0, sizeBytes: arena.sizeBytes, userspaceAddr: FRONTEND_UADDR_BASE, bytes: arena.bytes }]);
  const handled: number[] = [];
  const pulls: number[] = [];
  const backend: VhostUserBackend = {
    numQueues: 1,
    deviceFeatures: 0n,
    protocolFeatures: 0n,
    config: () => undefined,
    setFeatures: () => undefined,
    handleChain: (_q, chain) => {
      handled.push(chain.head);
      return 1;
    },
    reset: () => undefined,
  };
  const vring = new Vring(0, backend, NO_TRACE, (e) => {
    throw e;
  }, { pollUs, now, beforePop: () => pulls.push(handled.length) });
  const callFd = eventfdCreate(0);
  Object.assign(vring, {
    num: SIZE,
    descAddr: FRONTEND_UADDR_BASE + ring.descGpa,
    availAddr: FRONTEND_UADDR_BASE + ring.availGpa,
    usedAddr: FRONTEND_UADDR_BASE + ring.usedGpa,
    kickFd: eventfdCreate(0),
    callFd,
  });
  expect(vring.tryStart(memory, eventIdx)).toBe(true);
  open.push(vring);
  const usedWords = new Uint16Array(arena.bytes.buffer, arena.bytes.byteOffset + ring.usedGpa, 3 + 4 * SIZE);
  return {
    ring,
    vring,
    handled,
    pulls,
    callFd,
    availEvent: () => Atomics.load(usedWords, 2 + 4 * SIZE),
    chain: () => [{ gpa: arena.alloc(8), len: 8, writable: false }, { gpa: arena.alloc(1), len: 1, writable: true }],
  };
}

describe('Vring polling', () => {
  it('serves a chain added while it polls in the same drain; the driver got its completion and was not asked to kick', () => {
    let t = 0;
    let seenDuringPoll: { completions: number; signalled: number; kick: boolean; availEvent: number } | undefined;
    let r: Rig | undefined = undefined;
    // The clock is read while the device watches the ring: the driver acts then, once.
    const now = (): number => {
      if (r !== undefined && seenDuringPoll === undefined && r.handled.length === 1) {
        const done = r.ring.harvest();
        const signalled = eventfdRead(r.callFd);
        r.ring.add(r.chain(), false);
        seenDuringPoll = { completions: done.length, signalled, kick: r.ring.needsKick(true), availEvent: r.availEvent() };
      }
      return (t += 0.001);
    };
    r = rig(50, now);
    r.ring.add(r.chain(), false);
    r.ring.needsKick(true);
    r.vring.drain();
    expect(seenDuringPoll).toEqual({ completions: 1, signalled: 1, kick: false, availEvent: 0 });
    expect(r.handled).toHaveLength(2);
    // Before every pop (the first chain, the empty ring, the chain found by polling, the empty
    // ring again): a ring worker applies what the main thread posted, such as a session created
    // for the polled chain, before it pops that chain.
    expect(r.pulls).toEqual([0, 1, 1, 2]);
    // The poll ran out after the second chain; avail_event now asks for the next one.
    expect(r.availEvent()).toBe(2);
    expect(r.ring.harvest()).toHaveLength(1);
  });

  it('signals the completion before polling when EVENT_IDX is not known (cryptodev mode)', () => {
    let t = 0;
    let signalled: number | undefined;
    let r: Rig | undefined = undefined;
    r = rig(
      50,
      () => {
        if (r !== undefined && signalled === undefined && r.handled.length === 1) {
          signalled = eventfdRead(r.callFd);
          r.ring.harvest();
          r.ring.add(r.chain(), false);
        }
        return (t += 0.001);
      },
      false,
    );
    r.ring.add(r.chain(), false);
    r.vring.drain();
    // Without the signal the driver would wait out the whole poll for its first completion.
    expect(signalled).toBe(1);
    expect(r.handled).toHaveLength(2);
  });

  it('stops watching at the deadline, then asks for a kick', () => {
    let t = 0;
    let reads = 0;
    const r = rig(50, () => {
      reads++;
      return (t += 0.02);
    });
    r.ring.add(r.chain(), false);
    r.vring.drain();
    expect(r.handled).toHaveLength(1);
    // Read at the start, at 20 µs and 40 µs (still watching), and at 60 µs (past the deadline).
    expect(reads).toBe(4);
    expect(r.availEvent()).toBe(1);
  });

  it('does not poll after a drain that found nothing, nor when polling is off', () => {
    let reads = 0;
    const idle = rig(50, () => ++reads);
    idle.vring.drain();
    expect(reads).toBe(0);
    const off = rig(0, () => ++reads);
    off.ring.add(off.chain(), false);
    off.vring.drain();
    expect(off.handled).toHaveLength(1);
    expect(reads).toBe(0);
    expect(off.availEvent()).toBe(1);
  });
});
