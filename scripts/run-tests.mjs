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
files.sort();
// Test files spend most of their time waiting on git and child processes: one more file than cores keeps both busy.
const concurrency = Number(process.env.DX_TEST_CONCURRENCY) || Math.max(3, (os.availableParallelism?.() ?? 2) + 1);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
