// The git guard fails closed (issue 11): when it cannot list what a destructive command would destroy
// it refuses (throws; the shim turns any failure into a refusal) instead of running it with nothing
// snapshot. Faults are real: git itself failing (a wrapper standing in for the real git, as the shim's
// DX_REAL_GIT, that fails one listing call), and a stash reflog that git reads as empty while
// `git stash drop` would still drop refs/stash.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { guardCommand, parseGitArgs } from '../../src/core/gitguard/destructive.ts';
import { readStash } from '../../src/core/undo/stash.ts';
import { openSession } from '../../src/core/session.ts';
import { openRepo } from '../../src/core/context.ts';
import { initRepo, withSandbox, type Sandbox } from '../helpers/index.ts';

function pin(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

/** A git that fails (exit 128) when its arguments match `pattern`, else runs the real one. */
function failingGit(sb: Sandbox, pattern: string): string {
  const real = process.env.PATH!.split(path.delimiter).map((d) => path.join(d, 'git')).find((p) => fs.existsSync(p))!;
  const file = sb.tmp(`git-failing-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, `#!/bin/sh\ncase " $* " in *${pattern}*) echo "fatal: injected failure" >&2; exit 128 ;; esac\nexec '${real}' "$@"\n`, { mode: 0o755 });
  return file;
}

/** Every file under the work tree (not .git) with its content. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (!e.isFile() || path.relative(dir, p).split(path.sep)[0] === '.git') continue;
    out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
  }
  return out;
}

test('a guarded `git clean -fx` whose ignored files cannot be listed is refused, and no ledger line claims a snapshot', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'clean');
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { '.gitignore': '.env\nbuild/\n', 'a.txt': 'a\n' });
  await h.write('.env', 'SECRET=1\n');
  await h.write('new.txt', 'untracked work\n');
  const before = files(h.dir);
  const s = await openSession(h.dir);
  t.after(() => { delete process.env.DX_REAL_GIT; });
  process.env.DX_REAL_GIT = failingGit(sb, '--ignored');
  await assert.rejects(guardCommand(s, parseGitArgs(['clean', '-fx'], h.dir), {}), (err: { code?: string; message: string; hint?: string }) => {
    assert.equal(err.code, 'GUARD_CHECK_FAILED');
    assert.match(err.message, /cannot list the ignored files this clean would delete .*injected failure/);
    assert.match(err.hint ?? '', /Nothing was deleted.*DX_HOOKS=0 git clean/);
    return true;
  });
  delete process.env.DX_REAL_GIT;
  assert.deepEqual(files(h.dir), before, 'the guard changed the work tree');
  const ledger = path.join(h.dir, '.git/dx/events.jsonl');
  assert.doesNotMatch(fs.existsSync(ledger) ? fs.readFileSync(ledger, 'utf8') : '', /"op":"guard\.clean","ok":true/, 'a snapshot was claimed');
});

test('a guarded `git clean -f` whose dry run fails is refused (it was read as "nothing at risk")', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'dry');
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { 'a.txt': 'a\n' });
  await h.write('new.txt', 'untracked work\n');
  const s = await openSession(h.dir);
  t.after(() => { delete process.env.DX_REAL_GIT; });
  process.env.DX_REAL_GIT = failingGit(sb, '--dry-run');
  await assert.rejects(guardCommand(s, parseGitArgs(['clean', '-f'], h.dir), {}), /cannot list what this clean would delete \(git clean --dry-run: fatal: injected failure\)/);
  delete process.env.DX_REAL_GIT;
  assert.equal(fs.readFileSync(path.join(h.dir, 'new.txt'), 'utf8'), 'untracked work\n');
});

test('a stash whose reflog git reads as empty is refused by the guarded `stash drop`: refs/stash, its only record, is kept', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'stash');
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { 'a.txt': 'a\n' });
  await h.write('a.txt', 'stashed work\n');
  await h.git(['stash', 'push', '-q', '-m', 'keep me']);
  const stash = (await h.git(['rev-parse', 'refs/stash'])).out.trim();
  const ctx = await openRepo(h.dir);
  assert.deepEqual((await readStash(ctx)).map((e) => e.sha), [stash], 'a healthy list reads');
  // A torn or garbled reflog: git lists no entry, yet `git stash drop` would delete refs/stash.
  fs.writeFileSync(path.join(h.dir, '.git/logs/refs/stash'), 'garbage written by a crash\n');
  assert.equal((await h.git(['stash', 'list'])).out.trim(), '', 'git reads the garbled reflog as an empty list');
  const s = await openSession(h.dir);
  await assert.rejects(guardCommand(s, parseGitArgs(['stash', 'drop'], h.dir), {}), (err: { code?: string; message: string; hint?: string }) => {
    assert.equal(err.code, 'STASH_LIST_UNREADABLE');
    assert.match(err.message, new RegExp(`refs/stash is ${stash.slice(0, 12)}, but its reflog .* lists no entry`));
    assert.match(err.hint ?? '', new RegExp(`git update-ref refs/stash-kept ${stash}`));
    return true;
  });
  assert.equal((await h.git(['rev-parse', 'refs/stash'])).out.trim(), stash, 'the stash ref moved');
});
