// SPDX-License-Identifier: Apache-2.0
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../pkg/log/logger.js';
import { parsePoolConfig } from './pool-config.js';
import { Supervisor } from './supervisor.js';

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

async function until(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Supervisor with a device command that always fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sup-'));
  let sup: Supervisor | undefined;
  afterEach(async () => {
    await sup?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the slot Unhealthy and restarts it with a doubling, capped pause', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ name: 't', level: 'info', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    sup = new Supervisor({
      stateDir: dir,
      // Exits at once whatever arguments follow: a device that never serves.
      deviceCommand: [process.execPath, '-e', 'process.exit(3)'],
      socketOwner: owner,
      log,
      backoffInitialMs: 10,
      backoffMaxMs: 40,
      tickMs: 50,
    });
    await sup.start(parsePoolConfig('{"name":"bad","spec":{"slotsPerNode":1}}'));
    const slotDir = join(dir, 'bad', '0');
    expect(statSync(slotDir).mode & 0o777).toBe(0o770);
    await until('five restarts', () => (sup?.stats().restarts ?? 0) >= 5);
    expect(sup.slots()[0]?.healthy).toBe(false);
    expect(sup.stats().slotsByState).toEqual({ healthy: 0, unhealthy: 1, allocated: 0 });
    const pauses = lines.filter((l) => l['msg'] === 'Device process exited; restarting after a pause').map((l) => l['pauseMs']);
    expect(pauses.slice(0, 5)).toEqual([10, 20, 40, 40, 40]);
    expect(lines.find((l) => l['msg'] === 'Device process exited; restarting after a pause')?.['code']).toBe(3);
    await sup.stop();
    expect(existsSync(join(slotDir, 'vhost.sock'))).toBe(false);
    expect(readdirSync(join(dir, 'bad')).filter((f) => f.endsWith('.pid'))).toEqual([]);
  });
});
