// SPDX-License-Identifier: Apache-2.0
/** The two vcrypto.dev kinds as pkg/k8s resource descriptors (names from pkg/api). */
import { DEVICE_KIND, DEVICE_PLURAL, GROUP, NODE_STATE_KIND, NODE_STATE_PLURAL, VERSION } from '../../api/index.js';
import type { ResourceRef } from '../../k8s/index.js';

export const DEVICE_RESOURCE: ResourceRef = { group: GROUP, version: VERSION, kind: DEVICE_KIND, plural: DEVICE_PLURAL, namespaced: false };
export const NODE_STATE_RESOURCE: ResourceRef = { group: GROUP, version: VERSION, kind: NODE_STATE_KIND, plural: NODE_STATE_PLURAL, namespaced: false };
