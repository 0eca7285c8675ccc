#!/usr/bin/env node
// Entry of the `mag` CLI: registers the TypeScript loader (tsx) and runs src/cli.ts.
import './quiet-debug.mjs'; // first: before anything loads mqtt-packet
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
