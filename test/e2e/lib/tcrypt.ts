// SPDX-License-Identifier: Apache-2.0
/**
 * Parses the Linux tcrypt module's skcipher speed output (modes 500 and 600, `sec` >= 1) from a
 * kernel log or a serial console capture into sections and rows. Knows nothing of QEMU or of the
 * device; pure functions over text.
 *
 * tcrypt prints a header per section, then one line per measurement whose result may arrive on a
 * later line (it is a pr_cont, and other kernel messages can come in between):
 *   testing speed of multibuffer cbc(aes) (virtio_crypto_aes_cbc) encryption
 *   tcrypt: test 0 (128 bit key, 16 byte blocks): 21296 operations in 1 seconds (340736 bytes)
 */

export type Direction = 'encryption' | 'decryption';

export interface TcryptRow {
  readonly keyBits: number;
  readonly blockBytes: number;
  readonly operations: number;
  readonly seconds: number;
  readonly bytes: number;
  readonly opsPerSecond: number;
  /** 10^6 bytes per second. */
  readonly mbPerSecond: number;
}

export interface TcryptSection {
  /** "async" (mode 500, one request at a time) or "multibuffer" (mode 600, num_mb in flight). */
  readonly kind: 'async' | 'multibuffer' | 'sync';
  readonly algorithm: string;
  readonly driver: string;
  readonly direction: Direction;
  readonly rows: TcryptRow[];
  /** Measurements whose header line was seen without a result (the log ended mid-measurement). */
  readonly incomplete: number;
}

const HEADER = /testing speed of (?:(async|multibuffer) )?(\S+) \((\S+)\) (encryption|decryption)/;
const TEST = /test\s*\d+ \((\d+) bit key, (\d+) byte blocks\):/;
const RESULT = /(\d+) operations in (\d+) seconds \((\d+) bytes\)/;
const FAILED_LOAD = /failed to load transform for (\S+): (-?\d+)/;

/** Removes the "[  12.345678] " printk time stamp and the "tcrypt: " prefix. */
function stripPrefix(line: string): string {
  return line.replace(/^\s*\[\s*\d+\.\d+\]\s?/, '').replace(/^tcrypt:\s?/, '');
}

export interface ParsedTcrypt {
  readonly sections: TcryptSection[];
  /** Algorithms tcrypt could not instantiate (expected for everything but cbc(aes) here). */
  readonly unavailable: string[];
}

export function parseTcryptLog(text: string): ParsedTcrypt {
  const sections: TcryptSection[] = [];
  const unavailable = new Set<string>();
  let current: { kind: TcryptSection['kind']; algorithm: string; driver: string; direction: Direction; rows: TcryptRow[]; incomplete: number } | undefined;
  let pending: { keyBits: number; blockBytes: number } | undefined;

  const closePending = (): void => {
    if (pending && current) current.incomplete++;
    pending = undefined;
  };

  for (const raw of text.split(/\r?\n/)) {
    const line = stripPrefix(raw);
    const failed = FAILED_LOAD.exec(line);
    if (failed?.[1]) unavailable.add(failed[1]);
    const header = HEADER.exec(line);
    if (header) {
      closePending();
      const [, kind, algorithm, driver, direction] = header;
      current = {
        kind: kind === 'async' || kind === 'multibuffer' ? kind : 'sync',
        algorithm: algorithm ?? '',
        driver: driver ?? '',
        direction: direction as Direction,
        rows: [],
        incomplete: 0,
      };
      sections.push(current);
      continue;
    }
    const test = TEST.exec(line);
    if (test) {
      closePending();
      pending = { keyBits: Number(test[1]), blockBytes: Number(test[2]) };
    }
    const result = RESULT.exec(line);
    if (result && pending && current) {
      const operations = Number(result[1]);
      const seconds = Number(result[2]);
      const bytes = Number(result[3]);
      current.rows.push({
        ...pending,
        operations,
        seconds,
        bytes,
        opsPerSecond: seconds > 0 ? operations / seconds : 0,
        mbPerSecond: seconds > 0 ? bytes / seconds / 1e6 : 0,
      });
      pending = undefined;
    }
  }
  closePending();
  return { sections, unavailable: [...unavailable] };
}

/**
 * The first complete encryption and decryption sections for an algorithm (tcrypt's 500 and 600
 * modes measure cbc(aes) twice; the first pair is the one used).
 */
export function firstPair(parsed: ParsedTcrypt, algorithm: string): { encryption?: TcryptSection; decryption?: TcryptSection } {
  const pick = (direction: Direction): TcryptSection | undefined =>
    parsed.sections.find((s) => s.algorithm === algorithm && s.direction === direction && s.rows.length > 0 && s.incomplete === 0);
  const out: { encryption?: TcryptSection; decryption?: TcryptSection } = {};
  const e = pick('encryption');
  const d = pick('decryption');
  if (e) out.encryption = e;
  if (d) out.decryption = d;
  return out;
}

/** True once a log holds a third section header for the algorithm: the first pair is complete. */
export function pairComplete(text: string, algorithm: string): boolean {
  let headers = 0;
  for (const raw of text.split(/\r?\n/)) {
    const h = HEADER.exec(stripPrefix(raw));
    if (h && h[2] === algorithm) headers++;
  }
  return headers >= 3;
}

/**
 * Like firstPair, but also takes sections cut short (a stalled guest): their measured rows are
 * kept, the measurement in progress is not. For a baseline that did not finish.
 */
export function partialPair(parsed: ParsedTcrypt, algorithm: string): { encryption?: TcryptSection; decryption?: TcryptSection } {
  const out: { encryption?: TcryptSection; decryption?: TcryptSection } = {};
  for (const direction of ['encryption', 'decryption'] as const) {
    const s = parsed.sections.find((x) => x.algorithm === algorithm && x.direction === direction && x.rows.length > 0);
    if (s) out[direction] = s;
  }
  return out;
}
