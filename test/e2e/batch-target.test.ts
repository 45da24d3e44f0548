// One way to name many repositories (issue 11, point 7) through the built CLI: a glob that matches no
// repository is an error on every batch command; with --json every command's error is JSON on
// stdout; output into a closed pipe finishes quietly with the command's own exit code; a repository
// whose work ran but failed never gets a ✔ on its progress line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxBin, git, seedRemote, waitFor, withSandbox } from '../helpers/index.ts';

interface JsonError { error: { code: string; message: string; hint: string | null } }

const parseError = (stdout: string): JsonError => JSON.parse(stdout) as JsonError;

test('a glob that matches no repository is an error (exit 2) naming the glob, through --repos and sync\'s positional alias', async (t) => {
  const sb = await withSandbox(t);
  const glob = sb.tmp('nowhere-*');
  const where = { dir: sb.root, env: sb.env };
  const r = await dx(where, ['status', '--repos', glob, '--json']);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`✖ the glob "${glob}" matches no repository`), r.stderr);
  const e = parseError(r.stdout);
  assert.equal(e.error.code, 'GLOB_NO_MATCH');
  assert.ok(e.error.message.includes(glob));
  // sync's positional paths are the same --repos (the other commands share the planner: test/unit/batch-target.test.ts).
  const plain = await dx(where, ['sync', glob]);
  assert.equal(plain.code, 2);
  assert.ok(plain.stderr.includes(`"${glob}" matches no repository`), plain.stderr);
  assert.equal(plain.stdout, '', 'without --json, stdout stays empty');
});

test('with --json, every command\'s error is JSON on stdout: {"error": {code, message, hint}}, commander\'s refusals included', async (t) => {
  const sb = await withSandbox(t);
  const where = { dir: sb.root, env: sb.env };
  const log = await dx(where, ['log', '--json']);
  assert.equal(log.code, 2);
  assert.deepEqual(Object.keys(parseError(log.stdout).error), ['code', 'message', 'hint']);
  assert.equal(parseError(log.stdout).error.code, 'NOT_A_REPO');
  const usage = await dx(where, ['checkpoint', 'list', '--json', '--bogus']);
  assert.equal(usage.code, 2);
  assert.deepEqual(parseError(usage.stdout).error.code, 'USAGE');
  assert.match(parseError(usage.stdout).error.message, /unknown option '--bogus'/);
});

test('output into a closed pipe (| head -1) finishes quietly: no EPIPE, the batch completes, the command\'s own exit code', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'h', 'one');
  const b = await cloneAs(sb, remote, 'h', 'two');
  // two's fetch waits while the hold file exists: its line comes after the reader has gone.
  const hold = sb.tmp('hold');
  const script = sb.tmp('slow-upload-pack.sh');
  fs.writeFileSync(script, `#!/bin/sh\nwhile [ -f '${hold}' ]; do sleep 0.05; done\nexec git-upload-pack "$@"\n`, { mode: 0o755 });
  await b.git(['config', 'remote.origin.uploadpack', script]);
  fs.writeFileSync(hold, '');
  const child = spawn(process.execPath, [dxBin, 'sync', '--repos', a.dir, b.dir], { cwd: sb.root, env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(async () => stdout.includes('\n'), { what: 'the first line', timeoutMs: 30_000 });
  const closed = new Promise((r) => child.stdout.once('close', r));
  child.stdout.destroy();
  await closed;
  fs.rmSync(hold);
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /one — active: fetched origin/);
  assert.doesNotMatch(stderr, /EPIPE|Error|at /);
  const progress = JSON.parse(fs.readFileSync(path.join(sb.env.XDG_STATE_HOME as string, 'dx-hooks', 'sync', 'batch-progress.json'), 'utf8')) as { completed: string[]; finished_at: number | null };
  assert.equal(progress.completed.length, 2, 'the batch ran to its end');
  assert.ok(progress.finished_at);
});

test('a repository whose work ran but holds work at risk gets ✖ on its progress line, never ✔, and fails status and sync over many', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const fine = await cloneAs(sb, remote, 'h', 'fine');
  const risky = await cloneAs(sb, remote, 'h', 'risky');
  // A commit two days old that exists only here (never pushed, dx-hooks not installed): LOCAL_ONLY, an error.
  await risky.write('work.txt', 'only here\n');
  await risky.git(['add', 'work.txt']);
  const when = new Date(Date.now() - 48 * 3600_000).toISOString();
  await git(risky.dir, { ...risky.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when }, ['commit', '--quiet', '-m', 'old work']);
  const where = { dir: sb.root, env: sb.env };
  for (const args of [['status', '--repos', fine.dir, risky.dir], ['sync', fine.dir, risky.dir]]) {
    const r = await dx(where, args);
    assert.equal(r.code, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
    const line = r.stdout.split('\n').find((l) => l.includes('risky')) ?? '';
    assert.match(line, /^✖ .*risky — .*LOCAL_ONLY/, r.stdout);
    assert.doesNotMatch(r.stdout, /✔ \S*risky/);
  }
});
