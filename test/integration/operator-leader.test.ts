// SPDX-License-Identifier: Apache-2.0
/**
 * Two `vcrypto operator` processes (the compiled CLI; `npm run build` first) against the FAKE API
 * server: exactly one holds the Lease and writes, its /metrics says leader 1 and the standby's 0;
 * when the leader is killed (SIGKILL: it cannot release the lease) the standby takes over once
 * the lease expires and reconciles; SIGTERM makes the last one release the lease and exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFakeKubeconfig } from '../support/fake-apiserver/index.js';
import { AGENT_NAMESPACE, LEASE_NAME, createNode, createPool, daemonSet, newFakeApiServer, until } from './operator-support.js';
import { CLI, ROOT } from './node-agent-support.js';

interface Replica {
  readonly identity: string;
  readonly proc: ChildProcess;
  metricsPort?: number;
  exit?: number | null;
}

describe('two operator replicas', () => {
  const fake = newFakeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-operators-'));
  const replicas: Replica[] = [];

  function start(identity: string): Replica {
    const kubeconfig = writeFakeKubeconfig(fake, join(dir, `${identity}.kubeconfig`), identity);
    const proc = spawn(process.execPath, [CLI, 'operator', `--kubeconfig=${kubeconfig}`, `--namespace=${AGENT_NAMESPACE}`, `--lease-name=${LEASE_NAME}`, `--identity=${identity}`,
      '--metrics-port=0', '--metrics-address=127.0.0.1', '--lease-duration-ms=2000', '--renew-deadline-ms=1500', '--retry-period-ms=250', '--agent-image=example.test/vcrypto:cli'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const r: Replica = { identity, proc };
    let buf = '';
    proc.stderr?.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /"metricsPort":(\d+)/.exec(buf);
      if (m !== null) r.metricsPort = Number(m[1]);
    });
    proc.on('exit', (code) => (r.exit = code));
    replicas.push(r);
    return r;
  }

  const holder = (): string | null | undefined => {
    try {
      return (fake.store.get(fake.resource('Lease'), AGENT_NAMESPACE, LEASE_NAME)['spec'] as { holderIdentity?: string | null }).holderIdentity;
    } catch {
      return undefined;
    }
  };
  const leaderGauge = async (r: Replica): Promise<string | undefined> => {
    const text = await (await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`)).text();
    return /^vcrypto_operator_leader(?:\{[^}]*\})? (\d)/m.exec(text)?.[1];
  };

  beforeAll(async () => {
    for (const f of ['dist/cmd/operator/main.js', 'dist/pkg/controllers/index.js']) {
      if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run 'npm run build' before the operator CLI tests`);
    }
    await fake.start();
    createNode(fake, 'node-a', { pool: 'yes' });
  });
  afterAll(async () => {
    for (const r of replicas) if (r.exit === undefined) r.proc.kill('SIGKILL');
    await fake.stop();
    // The replicas read their kubeconfig once, at start.
    rmSync(dir, { recursive: true, force: true });
  });

  it('elects one leader, fails over when it dies, and releases the lease on SIGTERM', async () => {
    const a = start('operator-a');
    const b = start('operator-b');
    const first = await until('a leader', () => { const h = holder(); return h === 'operator-a' || h === 'operator-b' ? h : undefined; });
    const [leader, standby] = first === a.identity ? [a, b] : [b, a];
    await until('both serving metrics', () => leader.metricsPort !== undefined && standby.metricsPort !== undefined);
    await until('leader gauge 1', async () => (await leaderGauge(leader)) === '1');
    expect(await leaderGauge(standby)).toBe('0');
    await until('the standby is ready (caches filled) without leading', async () => (await fetch(`http://127.0.0.1:${standby.metricsPort}/readyz`)).status === 200);

    createPool(fake, 'one', { nodeSelector: { pool: 'yes' } });
    await until('DaemonSet by the leader', () => daemonSet(fake, 'one'));
    const writers = new Set(fake.requests.filter((r) => r.resource !== 'leases' && ['create', 'update', 'delete'].includes(r.verb)).map((r) => r.user));
    expect([...writers]).toEqual([leader.identity]);

    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${leader.metricsPort}/metrics`)).text();
    await until('reconciles counted', async () => /^vcrypto_operator_reconciles_total\{[^}]*result="success"[^}]*\} [1-9]/m.test(await metrics()));
    await until('the pool counted as Progressing (no agent reports)', async () => /^vcrypto_operator_pools\{[^}]*condition="Progressing"[^}]*\} 1$/m.test(await metrics()));
    leader.proc.kill('SIGKILL');
    await until('the standby holds the lease', () => holder() === standby.identity, 20_000);
    await until('standby gauge 1', async () => (await leaderGauge(standby)) === '1');
    createPool(fake, 'two', { nodeSelector: { pool: 'yes' } });
    await until('DaemonSet by the new leader', () => daemonSet(fake, 'two'));
    expect(fake.requests.filter((r) => r.resource === 'daemonsets' && r.verb === 'create' && r.name === undefined).map((r) => r.user)).toEqual([leader.identity, standby.identity]);

    standby.proc.kill('SIGTERM');
    await until('exit', () => standby.exit !== undefined);
    expect(standby.exit).toBe(0);
    expect(holder()).toBeNull();
  });
});
