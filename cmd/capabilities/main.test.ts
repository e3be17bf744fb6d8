// SPDX-License-Identifier: Apache-2.0
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCryptoBackend } from '../../device-core/src/index.js';
import { capabilityRows, formatTable, run } from './main.js';

function capture(): { out: () => string; err: () => string } {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { out: () => out.mock.calls.map((c) => String(c[0])).join(''), err: () => err.mock.calls.map((c) => String(c[0])).join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('vcrypto capabilities', () => {
  it('lists every software algorithm with its service, openssl as driver and software as kind', () => {
    const b = createCryptoBackend('software');
    const rows = capabilityRows(b.capabilities());
    expect(rows.find((r) => r.algorithm === 'aes-cbc')).toEqual({ algorithm: 'aes-cbc', service: 'cipher', driver: 'openssl', hardware: false });
    expect(rows.find((r) => r.algorithm === 'rsa')?.service).toBe('akcipher');
    const table = formatTable(rows).split('\n');
    expect(table[0]).toMatch(/^ALGORITHM\s+SERVICE\s+DRIVER\s+KIND$/);
    expect(table).toHaveLength(rows.length + 1);
    expect(table.find((l) => l.startsWith('hmac-sha256 '))).toMatch(/hmac-sha256\s+mac\s+openssl\s+software$/);
  });

  it('prints JSON with the backend name and one entry per algorithm', async () => {
    const io = capture();
    expect(await run(['--backend', 'software', '--output', 'json'])).toBe(0);
    const doc = JSON.parse(io.out()) as { backend: string; algorithms: { algorithm: string }[] };
    expect(doc.backend).toBe('software');
    expect(doc.algorithms.map((a) => a.algorithm)).toContain('aes-gcm');
  });

  it('auto without AF_ALG prints the software table and one note saying why', async () => {
    const io = capture();
    expect(await run([])).toBe(0);
    expect(io.out()).toMatch(/aes-cbc\s+cipher\s+\S+\s+(software|hardware)/);
    const notes = io.err().split('\n').filter((l) => l.startsWith('note: '));
    expect(notes.length).toBeLessThanOrEqual(1);
  });

  it('says the kernel backend is unavailable, exit 3, where AF_ALG is missing (and lists it where present)', async () => {
    const io = capture();
    const code = await run(['--backend', 'kernel']);
    if (code === 3) expect(io.err()).toMatch(/kernel backend is unavailable: AF_ALG is not available/);
    else expect([code, io.out()]).toEqual([0, expect.stringMatching(/ALGORITHM/)]);
  });

  it('refuses an unknown backend or output as a usage error', async () => {
    capture();
    expect(await run(['--backend', 'qat'])).toBe(2);
    expect(await run(['--output', 'yaml'])).toBe(2);
  });
});
