// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { FlagError, parseCommandLine, parseFlags } from './flags.js';

const schema = z.object({ socket: z.string().min(1), queueSize: z.coerce.number().int().min(2).max(32768).default(256) });
const options = { socket: { type: 'string' }, 'queue-size': { type: 'string' } } as const;

describe('parseFlags', () => {
  it('converts kebab-case flags and coerces values through the schema', () => {
    expect(parseFlags(['--socket', '/s', '--queue-size', '1024'], options, schema)).toEqual({ socket: '/s', queueSize: 1024 });
  });

  it('names the flag and the limit when a value is out of range', () => {
    expect(() => parseFlags(['--socket', '/s', '--queue-size', '1'], options, schema)).toThrow(/--queue-size.*2/);
  });

  it('refuses unknown flags with a FlagError', () => {
    expect(() => parseFlags(['--nope'], options, schema)).toThrow(FlagError);
  });
});

describe('parseCommandLine', () => {
  const options = { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  const schema = z.object({ port: z.coerce.number().int().min(1).max(65535).default(80), help: z.boolean().optional() });
  const capture = (fn: () => unknown): { out: string; err: string; result: unknown } => {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    let result: unknown;
    try {
      result = fn();
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    return { out, err, result };
  };

  it('returns the flags when they are valid', () => {
    expect(capture(() => parseCommandLine('x', ['--port', '8080'], options, schema, 'HELP')).result).toEqual({ flags: { port: 8080 } });
  });

  it('prints the error and the help to stderr with exit 2 for a bad value', () => {
    const c = capture(() => parseCommandLine('x', ['--port', '0'], options, schema, 'HELP TEXT'));
    expect(c.result).toEqual({ exitCode: 2 });
    expect(c.err).toMatch(/^vcrypto x: invalid value for --port: .*\n\nHELP TEXT\n$/);
  });

  it('prints the help to stdout with exit 0, even beside a bad flag', () => {
    for (const argv of [['--help'], ['-h', '--bogus']]) {
      const c = capture(() => parseCommandLine('x', argv, options, schema, 'HELP TEXT'));
      expect(c.result).toEqual({ exitCode: 0 });
      expect(c.out).toBe('HELP TEXT\n');
      expect(c.err).toBe('');
    }
  });
});
