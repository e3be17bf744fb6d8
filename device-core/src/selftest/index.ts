// SPDX-License-Identifier: Apache-2.0
/**
 * selftest/: known-answer self-test of a device through a transport.
 * - cases.ts: the cases per advertised algorithm and the runner
 * - stateless-cases.ts: the same known answers as stateless requests
 * - frontend-transport.ts: the project's vhost-user frontend as a transport
 * - vectors.ts: embedded known answers (generated from test/fixtures/vectors)
 */
export { buildCases, runCases, advertised, cryptodevGuestConfig, type CaseResult, type Transport } from './cases.js';
export { frontendTransport } from './frontend-transport.js';
export { buildStatelessCases, STATELESS_FEATURES } from './stateless-cases.js';
