// SPDX-License-Identifier: Apache-2.0
/**
 * Structured JSON logging for pkg/ and cmd/, after the Kubernetes conventions kubebuilder
 * documents: one JSON object per line with ts, level, logger, msg and camelCase key/value fields;
 * messages are capitalised, past tense, without a trailing period. Never log key material or
 * payload bytes: only ids, sizes, algorithm names and status codes.
 * device-core never imports this; cmd/ adapts device-core's trace interface to it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `name` (joined with '.') and the given fields. */
  child(name: string, fields?: LogFields): Logger;
}

export interface LoggerOptions {
  readonly name: string;
  readonly level?: LogLevel;
  /** Where lines go; defaults to process.stderr. */
  readonly write?: (line: string) => void;
  readonly fields?: LogFields;
  /** For tests: a fixed clock. */
  readonly now?: () => Date;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? parseLevel(process.env['VCRYPTO_LOG_LEVEL']) ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[lvl] < LEVEL_ORDER[level]) return;
    const record: Record<string, unknown> = { ts: now().toISOString(), level: lvl, logger: options.name, msg };
    for (const [k, v] of Object.entries({ ...base, ...fields })) record[k] = serialise(v);
    write(JSON.stringify(record) + '\n');
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (name, fields) =>
      createLogger({ ...options, level, write, now, name: `${options.name}.${name}`, fields: { ...base, ...fields } }),
  };
}

export function parseLevel(value: string | undefined): LogLevel | undefined {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : undefined;
}
