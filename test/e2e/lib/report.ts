// SPDX-License-Identifier: Apache-2.0
/**
 * Turns the tcrypt sections measured through each backend into the side-by-side comparison the
 * e2e test prints (a text table) and writes (JSON). Pure formatting; no I/O, no judgement beyond
 * listing where vcrypto was slower than QEMU's builtin backend in this run.
 */
import type { Direction, TcryptRow, TcryptSection } from './tcrypt.js';

export type BackendName = 'builtin' | 'vcrypto';

export interface ModeMeasurement {
  readonly mode: number;
  readonly backend: BackendName;
  readonly driver: string;
  readonly sections: Partial<Record<Direction, TcryptSection>>;
}

export interface ComparisonRow {
  readonly mode: number;
  readonly direction: Direction;
  readonly keyBits: number;
  readonly blockBytes: number;
  readonly builtin?: { opsPerSecond: number; mbPerSecond: number };
  readonly vcrypto?: { opsPerSecond: number; mbPerSecond: number };
  /** vcrypto ops/s divided by builtin ops/s, when both were measured. */
  readonly ratio?: number;
}

const key = (mode: number, d: Direction, r: Pick<TcryptRow, 'keyBits' | 'blockBytes'>): string => `${mode}/${d}/${r.keyBits}/${r.blockBytes}`;

export function compare(measurements: readonly ModeMeasurement[]): ComparisonRow[] {
  const rows = new Map<string, { mode: number; direction: Direction; keyBits: number; blockBytes: number; builtin?: TcryptRow; vcrypto?: TcryptRow }>();
  for (const m of measurements) {
    for (const direction of ['encryption', 'decryption'] as const) {
      for (const r of m.sections[direction]?.rows ?? []) {
        const k = key(m.mode, direction, r);
        const row = rows.get(k) ?? { mode: m.mode, direction, keyBits: r.keyBits, blockBytes: r.blockBytes };
        row[m.backend] = r;
        rows.set(k, row);
      }
    }
  }
  const pick = (r: TcryptRow | undefined): { opsPerSecond: number; mbPerSecond: number } | undefined =>
    r ? { opsPerSecond: r.opsPerSecond, mbPerSecond: r.mbPerSecond } : undefined;
  return [...rows.values()]
    .sort((a, b) => a.mode - b.mode || a.direction.localeCompare(b.direction) * -1 || a.keyBits - b.keyBits || a.blockBytes - b.blockBytes)
    .map((r) => {
      const builtin = pick(r.builtin);
      const vcrypto = pick(r.vcrypto);
      const out: ComparisonRow = { mode: r.mode, direction: r.direction, keyBits: r.keyBits, blockBytes: r.blockBytes };
      return {
        ...out,
        ...(builtin ? { builtin } : {}),
        ...(vcrypto ? { vcrypto } : {}),
        ...(builtin && vcrypto && builtin.opsPerSecond > 0 ? { ratio: vcrypto.opsPerSecond / builtin.opsPerSecond } : {}),
      };
    });
}

const modeLabel = (mode: number, numMb: number): string => (mode === 600 ? `mode 600 (multibuffer, ${numMb} in flight)` : mode === 500 ? 'mode 500 (async, 1 in flight)' : `mode ${mode}`);

export function formatTable(rows: readonly ComparisonRow[], numMb: number): string {
  const fmtOps = (v: number | undefined): string => (v === undefined ? '-' : Math.round(v).toString());
  const fmtMb = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(2));
  const header = ['dir', 'key', 'block B', 'builtin ops/s', 'builtin MB/s', 'vcrypto ops/s', 'vcrypto MB/s', 'vcrypto/builtin'];
  const lines: string[] = [];
  for (const mode of [...new Set(rows.map((r) => r.mode))]) {
    const body = rows
      .filter((r) => r.mode === mode)
      .map((r) => [
        r.direction === 'encryption' ? 'enc' : 'dec',
        String(r.keyBits),
        String(r.blockBytes),
        fmtOps(r.builtin?.opsPerSecond),
        fmtMb(r.builtin?.mbPerSecond),
        fmtOps(r.vcrypto?.opsPerSecond),
        fmtMb(r.vcrypto?.mbPerSecond),
        r.ratio === undefined ? '-' : r.ratio.toFixed(2),
      ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
    const fmt = (cells: string[]): string => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    lines.push(`tcrypt cbc(aes) via virtio_crypto_aes_cbc, ${modeLabel(mode, numMb)}; MB = 10^6 bytes`);
    lines.push(fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), '');
  }
  return lines.join('\n');
}

/** Rows where vcrypto did fewer ops/s than the builtin backend in this run (issue 9's target). */
export function slowerThanBuiltin(rows: readonly ComparisonRow[]): ComparisonRow[] {
  return rows.filter((r) => r.ratio !== undefined && r.ratio < 1);
}
