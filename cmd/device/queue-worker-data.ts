// SPDX-License-Identifier: Apache-2.0
/**
 * What the main thread of `vcrypto device` and its queue workers say to each other beyond the
 * ring protocol: the worker's start data (checked with zod on arrival) and the statistics
 * request. Nothing else; importing it starts no thread.
 */
import { z } from 'zod';
import { DeviceFlagsSchema } from './flags.js';

/** What the main thread passes as workerData.device. */
export const QueueWorkerDataSchema = z.object({
  worker: z.number().int().nonnegative(),
  flags: DeviceFlagsSchema.pick({ backend: true, kernelDriver: true, services: true, algorithms: true })
    .extend({ services: z.array(z.string()).optional(), algorithms: z.array(z.string()).optional() })
    .strict(),
  queues: z.number().int().positive(),
  maxRequestSize: z.number().int().positive(),
  pollUs: z.number().int().nonnegative(),
});
export type QueueWorkerData = z.infer<typeof QueueWorkerDataSchema>;

/** The device request that asks a worker for its statistics. */
export const SNAPSHOT_REQUEST = { k: 'snapshot' } as const;
