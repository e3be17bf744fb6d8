// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes one JSON line with level, logger, message and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ name: 'agent', write: (l) => lines.push(l), now: () => new Date(0) });
    log.child('supervisor', { pool: 'p1' }).info('Started device process', { slot: 3 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      ts: '1970-01-01T00:00:00.000Z',
      level: 'info',
      logger: 'agent.supervisor',
      msg: 'Started device process',
      pool: 'p1',
      slot: 3,
    });
  });

  it('drops lines below the configured level and keeps error codes of errors', () => {
    const lines: string[] = [];
    const log = createLogger({ name: 'x', level: 'warn', write: (l) => lines.push(l) });
    log.info('Ignored');
    const e = Object.assign(new Error('boom'), { code: 'VCRYPTO_ERR_X' });
    log.error('Failed to start', { err: e });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).err).toEqual({ message: 'boom', code: 'VCRYPTO_ERR_X' });
  });
});
