// SPDX-License-Identifier: Apache-2.0
/**
 * The device's tracer: VCRYPTO_TRACE picks the tracers, each trace is a debug line of the given
 * logger. One recipe for the main thread and the queue workers. Nothing else.
 */
import { parseTraceSelection, type Tracer } from '../../device-core/src/index.js';
import type { Logger } from '../../pkg/log/logger.js';

export function tracerFor(log: Logger): Tracer {
  const on = parseTraceSelection(process.env['VCRYPTO_TRACE']);
  return { enabled: on, trace: (tracer, msg, fields) => log.debug(msg, { tracer, ...fields }) };
}
