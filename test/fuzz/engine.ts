// SPDX-License-Identifier: Apache-2.0
/**
 * A small coverage-guided fuzzer for the fuzz targets (Jazzer.js 4 does not run on this Debian:
 * its only Linux binary needs glibc 2.38, and earlier versions fetch theirs from outside npm).
 * Coverage is V8's own precise block coverage (node:inspector, Profiler.takePreciseCoverage
 * with call counts), limited to device-core's source: an input that takes a path through a
 * function not seen before (the blocks it runs and skips), or runs a block a new power-of-two
 * number of times, joins the corpus (libFuzzer's features, on V8 blocks instead of edges).
 * Mutations are libFuzzer-style: bit flips, random and interesting bytes and little-endian
 * words, inserts, erases, copies and crossovers. A target
 * that throws has found a crash: the input is written to FUZZ_ARTIFACTS (default: a temp dir)
 * and returned; FUZZ_REPLAY=<file> runs one saved input alone. Deterministic for a given
 * FUZZ_SEED. Knows no target.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FuzzOptions {
  readonly name: string;
  /** Throws on a bug; returns normally for any input it handled. */
  readonly target: (data: Uint8Array) => void;
  readonly seeds: readonly Uint8Array[];
  readonly seconds: number;
  /** Stop after this many runs too (a budget that does not depend on the machine's speed). */
  readonly maxRuns?: number;
  readonly maxLen?: number;
  /** Which scripts count for coverage (their URL). */
  readonly coverage?: RegExp;
  /** Load and save the corpus here (`npm run fuzz` with FUZZ_CORPUS set). */
  readonly corpusDir?: string | undefined;
  readonly seed?: number;
}

export interface FuzzReport {
  readonly name: string;
  readonly execs: number;
  readonly corpus: number;
  readonly features: number;
  readonly crash?: { readonly input: string; readonly error: string; readonly file: string };
}

interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly { readonly ranges: readonly { readonly startOffset: number; readonly endOffset: number; readonly count: number }[] }[];
}

class Coverage {
  private readonly session = new Session();
  constructor(private readonly filter: RegExp) {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  private post<T>(method: string, params: object = {}): T {
    let out: T | undefined;
    let failure: Error | null = null;
    // Same-thread inspector sessions answer synchronously.
    this.session.post(method, params, (e, r) => {
      failure = e;
      out = r as T;
    });
    if (failure !== null) throw failure;
    return out!;
  }

  /**
   * Features since the last call. V8 reports, per function run, its range and the nested block
   * ranges whose count differs (blocks not run show up as ranges with count 0), so each range
   * with its count bucket, zeros included, marks the path taken through that function.
   */
  take(): string[] {
    const r = this.post<{ result: ScriptCoverage[] }>('Profiler.takePreciseCoverage');
    const out: string[] = [];
    for (const s of r.result) {
      if (!this.filter.test(s.url)) continue;
      const file = s.url.slice(s.url.lastIndexOf('/') + 1);
      for (const f of s.functions) {
        if (f.ranges[0]!.count === 0) continue;
        for (const g of f.ranges) out.push(`${file}:${g.startOffset}-${g.endOffset}:${g.count === 0 ? 'z' : 31 - Math.clz32(g.count)}`);
      }
    }
    return out;
  }

  close(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}

/** xorshift32: deterministic mutations for a given seed. */
class Rng {
  constructor(private s: number) {
    if (this.s === 0) this.s = 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 16, 32, 64, 72, 4096];

function mutate(input: Uint8Array, corpus: readonly Uint8Array[], rng: Rng, maxLen: number): Uint8Array {
  let b = Buffer.from(input);
  const rounds = 1 + rng.below(4);
  for (let i = 0; i < rounds; i++) {
    const at = rng.below(b.length);
    switch (rng.below(9)) {
      case 0:
        if (b.length > 0) b[at] = b[at]! ^ (1 << rng.below(8));
        break;
      case 1:
        if (b.length > 0) b[at] = rng.below(256);
        break;
      case 2:
        if (b.length >= 4) b.writeUInt32LE(INTERESTING_32[rng.below(INTERESTING_32.length)]! >>> 0, (at & ~3) % (b.length - 3));
        break;
      case 3:
        if (b.length >= 2) b.writeUInt16LE(INTERESTING_32[rng.below(INTERESTING_32.length)]! & 0xffff, Math.min(at, b.length - 2));
        break;
      case 4: {
        const n = 1 + rng.below(16);
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(n, rng.below(256)), b.subarray(at)]);
        break;
      }
      case 5: {
        const n = 1 + rng.below(Math.max(1, b.length >> 3));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 6: {
        // Copy a chunk of the input over another place in it.
        const n = 1 + rng.below(32);
        const from = rng.below(b.length);
        b.copy(b, at, from, Math.min(b.length, from + n));
        break;
      }
      case 7: {
        // Crossover: the head of this input, the tail of another.
        const other = corpus[rng.below(corpus.length)]!;
        b = Buffer.concat([b.subarray(0, at), other.subarray(rng.below(other.length))]);
        break;
      }
      case 8:
        if (b.length > 0) b[at] = (b[at]! + 1 + rng.below(8) * (rng.below(2) ? 1 : -1)) & 0xff;
        break;
    }
  }
  return b.length > maxLen ? b.subarray(0, maxLen) : b;
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Runs the target for `seconds` over seeds and mutations; returns what it found. */
export function fuzz(o: FuzzOptions): FuzzReport {
  const maxLen = o.maxLen ?? 4096;
  const rng = new Rng(o.seed ?? Number(process.env['FUZZ_SEED'] ?? 1));
  const artifacts = process.env['FUZZ_ARTIFACTS'] ?? join(tmpdir(), 'vcrypto-fuzz-artifacts');
  const coverage = new Coverage(o.coverage ?? /\/device-core\/src\//);
  const seen = new Set<string>();
  const corpus: Uint8Array[] = [];
  let execs = 0;
  let crash: FuzzReport['crash'];

  const run = (input: Uint8Array): boolean => {
    execs++;
    try {
      o.target(input);
    } catch (e: unknown) {
      mkdirSync(artifacts, { recursive: true });
      const file = join(artifacts, `crash-${o.name}-${createHash('sha1').update(input).digest('hex').slice(0, 12)}`);
      writeFileSync(file, input);
      crash = { input: hexOf(input), error: e instanceof Error ? (e.stack ?? e.message) : String(e), file };
      return false;
    }
    let fresh = false;
    for (const f of coverage.take()) {
      if (!seen.has(f)) {
        seen.add(f);
        fresh = true;
      }
    }
    return fresh;
  };

  // FUZZ_REPLAY=<file>: run that one input (a saved crash) and nothing else.
  const replay = process.env['FUZZ_REPLAY'];
  if (replay !== undefined && replay !== '') {
    run(readFileSync(replay));
    coverage.close();
    return { name: o.name, execs, corpus: 0, features: seen.size, ...(crash === undefined ? {} : { crash }) };
  }
  const fromDir = o.corpusDir === undefined ? [] : loadCorpus(o.corpusDir);
  try {
    for (const s of [...o.seeds, ...fromDir]) {
      const fresh = run(s);
      if (crash !== undefined) break;
      if (fresh || corpus.length === 0) corpus.push(s);
    }
    const deadline = Date.now() + o.seconds * 1000;
    const maxRuns = o.maxRuns ?? Number.POSITIVE_INFINITY;
    while (crash === undefined && Date.now() < deadline && execs < maxRuns) {
      for (let i = 0; i < 64 && crash === undefined; i++) {
        const parent = corpus[rng.below(corpus.length)]!;
        const child = mutate(parent, corpus, rng, maxLen);
        if (run(child)) corpus.push(child);
      }
    }
  } finally {
    coverage.close();
  }
  if (o.corpusDir !== undefined) saveCorpus(o.corpusDir, corpus);
  return { name: o.name, execs, corpus: corpus.length, features: seen.size, ...(crash === undefined ? {} : { crash }) };
}

function loadCorpus(dir: string): Uint8Array[] {
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f)));
  } catch {
    // no corpus saved yet: start from the seeds alone
    return [];
  }
}

function saveCorpus(dir: string, corpus: readonly Uint8Array[]): void {
  mkdirSync(dir, { recursive: true });
  for (const c of corpus) writeFileSync(join(dir, createHash('sha1').update(c).digest('hex')), c);
}

/** Seconds per target: FUZZ_SECONDS, else the given default. */
export function fuzzSeconds(fallback: number): number {
  const v = Number(process.env['FUZZ_SECONDS']);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** The corpus folder of a target when FUZZ_CORPUS names a root folder. */
export function corpusDirFor(name: string): string | undefined {
  const root = process.env['FUZZ_CORPUS'];
  return root === undefined || root === '' ? undefined : join(root, name);
}
