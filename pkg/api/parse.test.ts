// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { ApiValidationError, API_ERROR_CODES } from './errors.js';
import { resourceNameFor, nodeStateName, nodeStateLabels } from './names.js';
import { parseDevice, parseDeviceSpec, parseNodeState } from './parse.js';
import { ALGORITHM_NAMES } from '../../device-core/src/index.js';

function problemsOf(input: unknown): string[] {
  try {
    parseDeviceSpec(input);
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(ApiValidationError);
    const err = e as ApiValidationError;
    expect(err.code).toBe(API_ERROR_CODES.INVALID);
    expect(err.cause).toBeDefined();
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('parseDeviceSpec', () => {
  it('fills every default into an empty spec', () => {
    expect(parseDeviceSpec({})).toEqual({
      slotsPerNode: 1,
      backend: { type: 'auto' },
      dataQueues: 1,
      queueSize: 256,
      maxSessions: 1024,
      maxRequestSize: 4 << 20,
      services: { cipher: true, hash: true, mac: true, aead: true, akcipher: true },
      socketOwner: { uid: 107, gid: 107 },
      agent: {},
    });
  });

  it('keeps what is written and defaults the rest of a nested object', () => {
    const spec = parseDeviceSpec({ backend: { kernelDriver: 'qat_aes_cbc' }, services: { akcipher: false }, socketOwner: { uid: 1000 }, algorithms: ['aes-cbc'] });
    expect(spec.backend).toEqual({ type: 'auto', kernelDriver: 'qat_aes_cbc' });
    expect(spec.services).toEqual({ cipher: true, hash: true, mac: true, aead: true, akcipher: false });
    expect(spec.socketOwner).toEqual({ uid: 1000, gid: 107 });
    expect(spec.algorithms).toEqual(['aes-cbc']);
  });

  it.each([
    [{ slotsPerNode: 257 }, 'spec.slotsPerNode: must be an integer from 0 to 256'],
    [{ slotsPerNode: 1.5 }, 'spec.slotsPerNode: must be an integer from 0 to 256'],
    [{ slotsPerNode: 'four' }, 'spec.slotsPerNode: must be an integer from 0 to 256'],
    [{ dataQueues: 0 }, 'spec.dataQueues: must be an integer from 1 to 64'],
    [{ queueSize: 100 }, 'spec.queueSize: must be one of 64, 128, 256, 512, 1024'],
    [{ maxSessions: 0 }, 'spec.maxSessions: must be an integer from 1 to 1000000'],
    [{ maxRequestSize: 1024 }, 'spec.maxRequestSize: must be an integer from 4096 to 1073741824'],
    [{ backend: { type: 'gpu' } }, 'spec.backend.type: must be one of auto, software, kernel'],
    [{ backend: { type: 'software', kernelDriver: 'qat_aes_cbc' } }, 'spec.backend.kernelDriver: kernelDriver may be set only when type is kernel or auto'],
    [{ backend: { kernelDriver: 'bad driver' } }, 'spec.backend.kernelDriver: must be a kernel crypto driver name like qat_aes_cbc'],
    [{ resourceName: 'nodomain' }, 'spec.resourceName: must be an extended resource name like example.com/crypto'],
    [{ resourceName: 'kubernetes.io/crypto' }, 'spec.resourceName: must not be in the kubernetes.io domain or start with requests.'],
    [{ services: { cipher: false, hash: false, mac: false, aead: false, akcipher: false } }, 'spec.services: at least one service must be offered'],
    [{ services: { cipher: 'yes' } }, 'spec.services.cipher: must be true or false'],
    [{ algorithms: [] }, 'spec.algorithms: must be a list, not empty'],
    [{ algorithms: ['aes-cbc', 'aes-cbc'] }, 'spec.algorithms[1]: duplicate entry "aes-cbc": entries must be unique'],
    [{ algorithms: ['AES CBC'] }, `spec.algorithms[0]: must be one of ${ALGORITHM_NAMES.join(', ')}`],
    [{ algorithms: ['aes-cbc', 'twofish'] }, `spec.algorithms[1]: must be one of ${ALGORITHM_NAMES.join(', ')}`],
    [{ socketOwner: { uid: -1 } }, 'spec.socketOwner.uid: must be an integer from 0 to 4294967294'],
    [{ nodeSelector: { a: 1 } }, 'spec.nodeSelector.a: must be a string'],
    [{ tolerations: [{ operator: 'Equal' }] }, 'spec.tolerations[0].operator: operator must be Exists when key is empty (it then matches every taint)'],
    [{ tolerations: [{ operator: 'Exists', value: 'x' }] }, 'spec.tolerations[0].value: value must be empty when operator is Exists'],
    [{ tolerations: [{ key: 'k', tolerationSeconds: 5 }] }, 'spec.tolerations[0].tolerationSeconds: tolerationSeconds may be set only with effect NoExecute'],
    [{ tolerations: [{ key: 'k', effect: 'Sometimes' }] }, 'spec.tolerations[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute'],
    [{ agent: { imagePullPolicy: 'Sometimes' } }, 'spec.agent.imagePullPolicy: must be one of Always, IfNotPresent, Never'],
    [{ agent: { resources: { limits: { memory: '1 GB' } } } }, 'spec.agent.resources.limits.memory: must be a quantity like 100m, 128Mi or 2'],
    [{ agent: { resources: { claims: [{}] } } }, 'spec.agent.resources.claims[0].name: is required and must be a string, not empty'],
    [{ slotPerNode: 2 }, 'spec.slotPerNode: unknown field; allowed fields here: nodeSelector, tolerations, resourceName, slotsPerNode, backend, dataQueues, queueSize, pollMicroseconds, maxSessions, maxRequestSize, services, algorithms, socketOwner, agent'],
    [{ backend: { kind: 'x' } }, 'spec.backend.kind: unknown field; allowed fields here: type, kernelDriver'],
    [undefined, 'spec: is required and must be an object'],
    [[], 'spec: must be an object'],
  ])('refuses %j naming the field and what is allowed', (input, expected) => {
    expect(problemsOf(input)).toEqual([expected]);
  });

  it('names every bad field at once, in one message', () => {
    const problems = problemsOf({ slotsPerNode: -1, queueSize: 3, backend: { type: 'x' } });
    expect(problems).toHaveLength(3);
    try {
      parseDeviceSpec({ slotsPerNode: -1, queueSize: 3 });
    } catch (e: unknown) {
      expect((e as Error).message).toBe('spec.slotsPerNode: must be an integer from 0 to 256; spec.queueSize: must be one of 64, 128, 256, 512, 1024');
    }
  });

  it('accepts tolerations as Kubernetes validates them', () => {
    const spec = parseDeviceSpec({ tolerations: [{ operator: 'Exists' }, { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }] });
    expect(spec.tolerations).toHaveLength(2);
  });
});

describe('whole objects', () => {
  const device = { apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoDevice', metadata: { name: 'pool-a', uid: 'u1' }, spec: {} };

  it('parses a VirtioCryptoDevice, keeping metadata it does not know', () => {
    const d = parseDevice(device);
    expect(d.metadata['uid']).toBe('u1');
    expect(d.spec.slotsPerNode).toBe(1);
    expect(resourceNameFor(d.metadata.name ?? '', d.spec)).toBe('vcrypto.dev/pool-a');
    expect(resourceNameFor('x', { resourceName: 'example.com/c' })).toBe('example.com/c');
  });

  it('refuses a pool name that cannot name sockets and resources, and a wrong kind', () => {
    expect(() => parseDevice({ ...device, metadata: { name: 'a.b' } })).toThrow(/^\(root\): metadata\.name must be a DNS-1123 label of at most 40 characters/);
    expect(() => parseDevice({ ...device, kind: 'Pod' })).toThrow('kind: must be one of VirtioCryptoDevice');
  });

  it('parses a VirtioCryptoNodeState named <pool>-<node> and refuses another name or a duplicate slot', () => {
    const name = nodeStateName('pool-a', 'node-1');
    const state = {
      apiVersion: 'vcrypto.dev/v1alpha1',
      kind: 'VirtioCryptoNodeState',
      metadata: { name, labels: nodeStateLabels('pool-a', 'node-1') },
      spec: { pool: 'pool-a', nodeName: 'node-1' },
      status: {
        slots: [{ id: 's0', health: 'Healthy', allocated: false }],
        capabilities: { backend: 'software', algorithms: ['aes-cbc'] },
        updatedAt: '2026-01-01T00:00:00Z',
      },
    };
    expect(parseNodeState(state).metadata.labels).toEqual({ 'vcrypto.dev/pool': 'pool-a', 'vcrypto.dev/node': 'node-1' });
    expect(() => parseNodeState({ ...state, metadata: { name: 'other' } })).toThrow('metadata.name must be <spec.pool>-<spec.nodeName>');
    const twice = { ...state, status: { ...state.status, slots: [state.status.slots[0], { id: 's0', health: 'Unhealthy', allocated: true }] } };
    expect(() => parseNodeState(twice)).toThrow('status.slots[1].id: duplicate id "s0": one entry per id');
    expect(() => parseNodeState({ ...state, status: { ...state.status, updatedAt: 'yesterday' } })).toThrow(/status\.updatedAt: /);
  });
});

describe('parseDeviceSpec on arbitrary input', () => {
  /** A small deterministic generator (xorshift), so a failure reproduces. */
  function rng(seed: number): () => number {
    let x = seed;
    return () => {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  }
  const KEYS = ['slotsPerNode', 'backend', 'type', 'kernelDriver', 'services', 'cipher', 'tolerations', 'key', 'operator', 'agent', 'resources', 'limits', 'algorithms', 'socketOwner', 'uid', 'x'];
  function value(r: () => number, depth: number): unknown {
    const pick = Math.floor(r() * (depth > 3 ? 5 : 7));
    switch (pick) {
      case 0: return Math.floor(r() * 2000) - 500;
      case 1: return ['auto', 'kernel', 'Exists', '100m', 'aes-cbc', '', 'a b'][Math.floor(r() * 7)];
      case 2: return r() < 0.5;
      case 3: return null;
      case 4: return undefined;
      case 5: return Array.from({ length: Math.floor(r() * 3) }, () => value(r, depth + 1));
      default: return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [KEYS[Math.floor(r() * KEYS.length)]!, value(r, depth + 1)]));
    }
  }

  it('either returns a spec or throws ApiValidationError whose problems all name a spec field', () => {
    const r = rng(0x5eed);
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const input = value(r, 0);
      try {
        parseDeviceSpec(input);
      } catch (e: unknown) {
        expect(e, JSON.stringify(input)).toBeInstanceOf(ApiValidationError);
        for (const p of (e as ApiValidationError).problems) {
          expect(p.path).toMatch(/^spec(\.|\[|$)/);
          expect(p.message.length).toBeGreaterThan(5);
        }
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
