#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// The installed `vcrypto` command: runs the compiled CLI (npm ci builds it into dist/).
import { main } from '../dist/cmd/vcrypto/main.js';

process.exitCode = await main(process.argv.slice(2));
