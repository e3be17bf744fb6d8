// SPDX-License-Identifier: Apache-2.0
/**
 * A frontend process for the fault tests: connects the project's vhost-user frontend (compiled,
 * from dist/) to the device socket given as argv[2], creates an AES-CBC session and keeps
 * submitting encryptions, several in flight, until it is killed. Prints "traffic" once requests
 * complete, so the test knows it is killing it mid-traffic.
 */
import { VhostUserFrontend } from '../../dist/device-core/src/testing/frontend.js';
import { ctrl, data } from '../../dist/device-core/src/testing/request-builder.js';

const f = await VhostUserFrontend.connect({ socketPath: process.argv[2], mode: 'device', memoryBytes: 8 << 20, queueSize: 128 });
const key = Buffer.alloc(16, 7);
const s = await f.createSession(ctrl.cipherSession(3, key, 1));
if (s.status !== 0) throw new Error(`session refused: ${s.status}`);
let done = 0;
async function lane() {
  for (;;) {
    const c = await f.submit(0, data.cipher(s.sessionId, true, Buffer.alloc(16, 1), Buffer.alloc(4096, 2)), { indirect: true });
    if (c.usedLen === 0) throw new Error('a request came back unanswered');
    if (++done === 64) process.stdout.write('traffic\n');
  }
}
await Promise.all([lane(), lane(), lane(), lane()]);
