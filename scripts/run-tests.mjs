// Runs every test file under test/ with node's test runner (files in parallel, one process each).
// Usage: node scripts/run-tests.mjs [unit|integration|e2e|attack|<path/to/x.test.ts> ...]
//
// The TypeScript test files are compiled once, up front, by esbuild into .test-build/<group>/ (the
// same depth as test/<group>/, so a helper's import.meta.url finds the package root the same way).
// Each file's own helpers are bundled in; npm packages stay imports; and an import of src/**.ts
// becomes an import of the matching dist/**.js that `npm run build` made from it, so the tests run
// the very modules the CLI and the hooks run. A test process then starts as plain node: no TypeScript
// loader per process (about 0.45 s of CPU each, ~100 files).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const groups = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e', 'attack'];
const files = [];
const walk = (d) => {
  if (!fs.existsSync(d)) return;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) files.push(path.relative(root, p));
  }
};
// A group (unit, integration, e2e, attack) or one test file's path (`test/unit/x.test.ts`).
for (const g of groups) {
  if (g.endsWith('.test.ts')) files.push(path.relative(root, path.resolve(g)));
  else walk(path.join(root, 'test', g));
}

const src = path.join(root, 'src') + path.sep;
const dist = path.join(root, 'dist');
/** src/**.ts imported by a test → the built dist/**.js, left as an import (absolute path). */
const srcToDist = {
  name: 'src-to-dist',
  setup(b) {
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      const abs = path.resolve(args.resolveDir, args.path);
      if (!abs.startsWith(src)) return undefined;
      const js = path.join(dist, path.relative(src, abs)).replace(/\.ts$/, '.js');
      if (!fs.existsSync(js)) return { errors: [{ text: `${path.relative(root, js)} is missing: run \`npm run build\` first (npm test does)` }] };
      return { path: js, external: true };
    });
  },
};
const outdir = path.join(root, '.test-build');
fs.rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: files.map((f) => path.join(root, f)),
  outbase: path.join(root, 'test'),
  outdir,
  outExtension: { '.js': '.js' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [srcToDist],
});
const built = (f) => path.join(outdir, path.relative(path.join(root, 'test'), f)).replace(/\.ts$/, '.js');

// Longest first, so no long file starts last and runs alone at the end: the end-to-end and attack
// files (they drive real hooks) before the rest, the larger files of each first (a fair proxy for time).
const weight = (f) => (/^test\/(e2e|attack)\//.test(f) ? 1e9 : 0) + fs.statSync(path.join(root, f)).size;
files.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
// Test files spend much of their time waiting on git, hooks' background workers and child processes: two more files than cores keep them busy.
const concurrency = Number(process.env.DX_TEST_CONCURRENCY) || Math.max(4, (os.availableParallelism?.() ?? 2) + 2);
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...files.map((f) => path.relative(root, built(f)))], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
