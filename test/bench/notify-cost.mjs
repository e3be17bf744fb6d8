// SPDX-License-Identifier: Apache-2.0
/**
 * What this machine charges for the notifications a vhost-user device lives on, next to the
 * crypto: an eventfd write that wakes nobody (a plain system call), one that wakes a process
 * sleeping in epoll (what a kick or a call costs its sender), and AES-256-GCM on 4 KiB with the
 * other cores idle and with one of them busy (the crypto's own speed depends on it on some
 * virtual machines). Not a test and not part of `vcrypto bench`: run `npm run build`, then
 * `node test/bench/notify-cost.mjs`, and quote the figures of one run side by side. Uses the
 * built native addon (dist/device-core/src/os) and knows nothing of the device.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const OS = new URL('../../dist/device-core/src/os/index.js', import.meta.url);
const { eventfdCreate, eventfdRead, eventfdWrite } = await import(OS.href);

const SLEEPER = `
const { eventfdRead, watchFd } = await import(${JSON.stringify(OS.href)});
watchFd(3, () => eventfdRead(3));
`;

/** Microseconds per call of f, over n calls, each after `gapUs` of spinning (so a sleeper is asleep again). */
function perCall(n, gapUs, f) {
  let spent = 0;
  for (let i = 0; i < n; i++) {
    const g = performance.now();
    while (performance.now() - g < gapUs / 1000) {
      // let the other side go back to sleep
    }
    const t = performance.now();
    f();
    spent += performance.now() - t;
  }
  return (spent * 1000) / n;
}

function gcmOpsPerSecond(ms) {
  const key = createSecretKey(randomBytes(32));
  const iv = randomBytes(12);
  const src = randomBytes(4096);
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < ms) {
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.update(src);
    c.final();
    c.getAuthTag();
    n++;
  }
  return (n * 1000) / ms;
}

const lonely = eventfdCreate(0);
const plain = perCall(50_000, 0, () => eventfdWrite(lonely, 1));
eventfdRead(lonely);

const fd = eventfdCreate(0);
const child = spawn(process.execPath, ['--input-type=module', '-e', SLEEPER], { stdio: ['ignore', 'inherit', 'inherit', fd] });
await new Promise((r) => setTimeout(r, 500));
const waking = perCall(20_000, 100, () => eventfdWrite(fd, 1));
child.kill();

const spinner = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 3000) {}'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 200));
const gcmBusy = gcmOpsPerSecond(1500);
await new Promise((r) => spinner.on('exit', r));
await new Promise((r) => setTimeout(r, 200));
const gcmIdle = gcmOpsPerSecond(1500);

console.log(JSON.stringify({
  script: fileURLToPath(import.meta.url),
  eventfdWriteUs: Number(plain.toFixed(2)),
  wakingEventfdWriteUs: Number(waking.toFixed(2)),
  gcm4kOpsPerSecondOthersIdle: Math.round(gcmIdle),
  gcm4kOpsPerSecondOneOtherBusy: Math.round(gcmBusy),
}, null, 2));
