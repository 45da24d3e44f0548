// e2e: a clone of this very repository (its real, committed history) as one of the end-to-end
// repositories, with branch names and commit messages full of shell syntax and unicode.
// DESIGN §3: "Nothing builds shell command strings from data" — if any hook or command ever
// passed them through a shell, the `$(…)` / backticks below would run and leave a marker file.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createBareRemote, dx, dxJson, git, packageRoot, run, waitFor, withSandbox } from '../helpers/index.ts';
import { assertOk, remoteSha, wipRefOf, type WipIndex } from './_e2e.ts';

const HOST = 'realhost';
const BRANCH1 = 'fix/shell-quoting';
const MESSAGE1 = 'fix: `rm -rf` $(touch pwned) $(touch_pwned) "q" \'x\' — ünïcødé ✓';
const BRANCH2 = 'feat/$(touch_pwned)-`x`-ünï';
const MESSAGE2 = 'feat: on $(touch_pwned) `x` — ✓ "done"';
/** File names that only exist if something evaluated the strings above in a shell. */
const MARKERS = new Set(['pwned', 'touch_pwned', 'pwned-by-touch_pwned', 'pwned-by-x']);

/** Every path below dir (except `skip`, where the decoy commands live) whose base name is one of MARKERS. */
async function findMarkers(dir: string, skip: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (p === skip) continue;
      if (MARKERS.has(e.name)) found.push(p);
      if (e.isDirectory() && !e.isSymbolicLink()) await walk(p);
    }
  };
  await walk(dir);
  return found;
}

test('a clone of this repository: shell syntax and unicode in branch names and messages travel as data', async (t) => {
  const sb = await withSandbox(t);

  // Commands named like the injected ones: if anything runs them, they leave a marker in sb.root.
  const bin = sb.tmp('bin');
  await mkdir(bin);
  for (const name of ['touch_pwned', 'x']) {
    const file = path.join(bin, name);
    await writeFile(file, `#!/bin/sh\n: > '${sb.root}/pwned-by-${name}'\n`);
    await chmod(file, 0o755);
  }
  const env: NodeJS.ProcessEnv = { ...sb.env, PATH: `${bin}${path.delimiter}${sb.env.PATH ?? ''}`, DX_HOST: HOST };
  const syncEnv = { ...env, DX_WIP_PUSH: 'sync' };

  // The real repository: committed history only, the checkout itself is never touched.
  const dir = sb.tmp('real');
  await git(sb.root, env, ['clone', '--quiet', '--no-local', packageRoot, dir]);
  const h = { dir, env };
  const g = (args: string[], e = env) => git(dir, e, args);
  assert.equal(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).name, 'dx-hooks');
  assert.ok(existsSync(path.join(dir, '.husky', 'pre-commit')), 'the clone has no .husky/ (not this repository?)');
  assert.equal((await git(dir, env, ['config', 'core.hooksPath'], { allowFail: true })).code, 1, 'a fresh clone must not have core.hooksPath');

  // Its own bare origin, holding every branch of the clone.
  const bare = await createBareRemote(sb, 'origin.git');
  const branches = (await g(['for-each-ref', '--format=%(refname:lstrip=3)', 'refs/remotes/origin/'])).out.split('\n').filter((b) => b && b !== 'HEAD');
  assert.ok(branches.includes('main'), `the clone has no origin/main: ${branches.join(', ')}`);
  await g(['push', '--quiet', bare, ...branches.map((b) => `refs/remotes/origin/${b}:refs/heads/${b}`)]);
  await g(['remote', 'set-url', 'origin', bare]);
  await g(['fetch', '--quiet', '--prune', 'origin']);
  const main = (await g(['rev-parse', 'HEAD'])).out;
  assert.equal(await remoteSha(env, bare, 'refs/heads/main'), main);
  assert.ok(Number((await g(['rev-list', '--count', 'HEAD'])).out) >= 1);

  assertOk(await dx(h, ['install']), 'dx-hooks install');
  assert.match(await readFile(path.join(dir, '.git', 'hooks', 'post-commit'), 'utf8'), /# >>> dx-hooks >>>/);
  assert.equal((await g(['status', '--porcelain'])).out, '?? .dxrc.json', 'install touched tracked files of the repository');

  // Branch 1: an ordinary name, a message full of shell syntax.
  await g(['checkout', '--quiet', '-b', BRANCH1]);
  await writeFile(path.join(dir, 'QUOTING.md'), 'quoting\n');
  await g(['add', '--', 'QUOTING.md']);
  await g(['commit', '--quiet', '-m', MESSAGE1], syncEnv);
  const sha1 = (await g(['rev-parse', 'HEAD'])).out;

  // Branch 2: the shell syntax is in the branch name itself.
  assert.equal((await g(['check-ref-format', '--branch', BRANCH2])).out, BRANCH2);
  await g(['checkout', '--quiet', '-b', BRANCH2]);
  await writeFile(path.join(dir, 'BRANCH.md'), 'branch\n');
  await g(['add', '--', 'BRANCH.md']);
  await g(['commit', '--quiet', '-m', MESSAGE2], syncEnv);
  const sha2 = (await g(['rev-parse', 'HEAD'])).out;
  assert.equal((await g(['log', '-1', '--format=%B', sha1])).out.trimEnd(), MESSAGE1);

  // The remote: both WIP refs at the right commits.
  assert.equal(await remoteSha(env, bare, wipRefOf(HOST, BRANCH1)), sha1, `${wipRefOf(HOST, BRANCH1)} missing or wrong`);
  assert.equal(await remoteSha(env, bare, wipRefOf(HOST, BRANCH2)), sha2, `${wipRefOf(HOST, BRANCH2)} missing or wrong`);

  // The index lists both, messages and names intact.
  const index = await dxJson<WipIndex>(h, ['index', 'show']);
  const e1 = index.entries[`${HOST}/${BRANCH1}`];
  const e2 = index.entries[`${HOST}/${BRANCH2}`];
  assert.ok(e1 && e2, `index entries missing; keys: ${Object.keys(index.entries).join(', ')}`);
  assert.deepEqual({ host: e1.host, branch: e1.branch, ref: e1.ref, sha: e1.sha, message: e1.message }, { host: HOST, branch: BRANCH1, ref: wipRefOf(HOST, BRANCH1), sha: sha1, message: MESSAGE1 });
  assert.deepEqual({ host: e2.host, branch: e2.branch, ref: e2.ref, sha: e2.sha, message: e2.message }, { host: HOST, branch: BRANCH2, ref: wipRefOf(HOST, BRANCH2), sha: sha2, message: MESSAGE2 });

  // Another host brings branch 2 back by name.
  const other = sb.tmp('other');
  await git(sb.root, env, ['clone', '--quiet', bare, other]);
  const otherHost = { dir: other, env: { ...env, DX_HOST: 'otherhost' } };
  const restored = await dxJson<{ branch: string; sha: string }>(otherHost, ['restore', '--host', HOST, '--branch', BRANCH2]);
  assert.deepEqual({ branch: restored.branch, sha: restored.sha }, { branch: `rescue/${HOST}/${BRANCH2}`, sha: sha2 });
  assert.equal((await git(other, env, ['rev-parse', `refs/heads/rescue/${HOST}/${BRANCH2}`])).out, sha2);

  // Let the detached post-checkout workers finish, then look for the markers everywhere.
  const lock = path.join(dir, '.git', 'dx', 'worker.lock');
  await new Promise((r) => setTimeout(r, 500));
  await waitFor(async () => !existsSync(lock), { timeoutMs: 20_000, what: 'background dx-hooks workers to finish' });
  assert.deepEqual(await findMarkers(sb.root, bin), [], 'something evaluated a branch name or message in a shell');
  for (const d of new Set([process.cwd(), packageRoot])) {
    const hits = [...MARKERS].filter((m) => existsSync(path.join(d, m)));
    assert.deepEqual(hits, [], `marker files appeared in ${d}`);
  }
  // Canary: the detector itself works — a shell that does evaluate the branch name leaves markers.
  const canary = sb.tmp('canary');
  await mkdir(canary);
  assertOk(await run('sh', ['-c', `echo "${BRANCH2}" "${MESSAGE1.replace(/"/g, '')}"`], { cwd: canary, env }), 'canary shell');
  assert.deepEqual((await findMarkers(sb.root, bin)).map((p) => path.relative(sb.root, p)).sort(), ['canary/pwned', 'pwned-by-touch_pwned', 'pwned-by-x']);
});
