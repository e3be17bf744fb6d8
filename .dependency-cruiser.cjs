// SPDX-License-Identifier: Apache-2.0
// Layer rules (see ARCHITECTURE.md). `npm run check:deps` fails when one is broken.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'device-core-is-self-contained',
      comment: 'device-core imports nothing from pkg/ or cmd/',
      severity: 'error',
      from: { path: '^device-core/' },
      to: { path: '^(pkg|cmd)/' },
    },
    {
      name: 'device-core-has-no-npm-runtime-deps',
      comment: 'device-core source (tests aside) uses only node: built-ins',
      severity: 'error',
      from: { path: '^device-core/src/', pathNot: '(\\.test\\.ts|/conformance\\.ts)$' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'pkg-never-imports-cmd',
      severity: 'error',
      from: { path: '^pkg/' },
      to: { path: '^cmd/' },
    },
    {
      name: 'backends-know-no-virtio',
      comment: 'backends/ knows nothing of virtqueues, vhost-user or the device model',
      severity: 'error',
      from: { path: '^device-core/src/backends/' },
      to: { path: '^device-core/src/(crypto|virtqueue|vhost-user|memory|spec)/' },
    },
    {
      name: 'crypto-knows-no-vhost-user',
      severity: 'error',
      from: { path: '^device-core/src/crypto/' },
      to: { path: '^device-core/src/(vhost-user|os)/' },
    },
    {
      name: 'vhost-user-knows-no-crypto',
      severity: 'error',
      from: { path: '^device-core/src/vhost-user/' },
      to: { path: '^device-core/src/(crypto|backends)/' },
    },
    {
      name: 'only-os-loads-the-addon',
      severity: 'error',
      from: { path: '^device-core/src/', pathNot: '^device-core/src/os/' },
      to: { path: '^device-core/native/' },
    },
    {
      name: 'only-pkg-k8s-imports-client-node',
      severity: 'error',
      from: { pathNot: '^pkg/k8s/' },
      to: { path: '@kubernetes/client-node' },
    },
    {
      name: 'only-pkg-metrics-imports-prom-client',
      severity: 'error',
      from: { pathNot: '^pkg/metrics/' },
      to: { path: 'prom-client' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    exclude: { path: '(^dist/|node_modules)' },
  },
};
