// SPDX-License-Identifier: Apache-2.0
/**
 * Puts load on a running device through the project's own vhost-user frontend (device mode),
 * round after round until stopped: the self-test's known-answer cases for every algorithm the
 * device advertises (every service, including an AEAD bad tag → BADMSG and a forged signature →
 * KEY_REJECTED), plus a data request on a session that does not exist (INVSESS) and a session
 * for an algorithm id no device knows (a failed session creation), so error series exist too.
 * Knows nothing of metrics.
 */
import { buildCases, frontendTransport, runCases } from '../../device-core/src/selftest/index.js';
import { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import { ctrl, data } from '../../device-core/src/testing/request-builder.js';

/** A cipher algorithm id beyond every id the spec defines. */
const UNKNOWN_CIPHER_ID = 250;
const NO_SUCH_SESSION = 0xdead_beefn;

export interface LoadRun {
  /** Cases that did not give the known answer, and the error that ended the rounds, if one did. */
  readonly failures: string[];
  /** Stops after the current round. */
  stop(): Promise<void>;
}

/** One connection: every known-answer case once, then the failing requests. */
export async function loadRound(socketPath: string, failures: string[]): Promise<void> {
  const f = await VhostUserFrontend.connect({ socketPath, mode: 'device', memoryBytes: 8 << 20 });
  try {
    const config = f.config;
    if (config === undefined) throw new Error('the device gave no config space in device mode');
    await runCases(buildCases(frontendTransport(f, { layout: 'per-field' }), config), (r) => {
      if (!r.ok && failures.length < 20) failures.push(`${r.name}: ${r.detail}`);
    });
    await f.submit(0, data.cipher(NO_SUCH_SESSION, true, Buffer.alloc(16), Buffer.alloc(32)));
    await f.createSession(ctrl.cipherSession(UNKNOWN_CIPHER_ID, Buffer.alloc(16), 1));
  } finally {
    // Some cases leave their sessions open; leaving wipes them, so rounds never fill the table.
    f.close();
  }
}

/** Runs rounds, each on a fresh connection, until stopped; the first round has completed on return. */
export async function startLoad(socketPath: string): Promise<LoadRun> {
  const failures: string[] = [];
  await loadRound(socketPath, failures);
  let stopping = false;
  const loop = (async (): Promise<void> => {
    try {
      while (!stopping) {
        await loadRound(socketPath, failures);
        // Leave the two cores some room for Prometheus's scrapes.
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (e: unknown) {
      failures.push(`the load stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
  })();
  return {
    failures,
    stop: () => {
      stopping = true;
      return loop;
    },
  };
}
