// Runs every test file under test/ with node's test runner (files in parallel, one process each).
// Usage: node scripts/run-tests.mjs [unit|integration|e2e ...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
groups.forEach((g) => walk(path.join(root, 'test', g)));
// Longest first, so no long file starts last and runs alone at the end: the end-to-end and attack
// files (they drive real hooks) before the rest, the larger files of each first (a fair proxy for time).
const weight = (f) => (/^test\/(e2e|attack)\//.test(f) ? 1e9 : 0) + fs.statSync(path.join(root, f)).size;
files.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
// Test files spend much of their time waiting on git, hooks' background workers and child processes: two more files than cores keep them busy.
const concurrency = Number(process.env.DX_TEST_CONCURRENCY) || Math.max(4, (os.availableParallelism?.() ?? 2) + 2);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
