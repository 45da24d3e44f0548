#!/usr/bin/env node
/**
 * The `dx-hooks` executable (built to dist/cli.js): load the CLI's one bundle with the code cache of the
 * command being run (code-cache.ts) and run it. The command paths come from the CLI's own table, written in at
 * build time (scripts/post-build.mjs).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtBundle, cacheKey, loadBundle } from './code-cache.js';

declare const __DX_COMMAND_PATHS__: string[][] | undefined;
const paths = typeof __DX_COMMAND_PATHS__ === 'undefined' ? [] : __DX_COMMAND_PATHS__;

const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bundle', 'dx-hooks.js');
void loadBundle(bundle, cacheKey(process.argv.slice(2), paths), builtBundle()).main(process.argv);
