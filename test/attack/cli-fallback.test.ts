// Attack suite, issue 11 point 9: when the CLI path install recorded is gone (npx's cache cleaned),
// the hooks look in the repository's node_modules and on PATH. A cloned repository that COMMITS a
// node_modules/.bin/dx-hooks must not get it run; an untracked one (the user's own install, pnpm's
// sh wrapper included) is used.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxBin, git, lsRemote, seedRemote, type Host, type Sandbox } from '../helpers/index.ts';
import { idleSandbox } from '../helpers/idle.ts';

/** The process PATH without any directory holding a dx-hooks (a global install must not answer). */
const barePath = (env: NodeJS.ProcessEnv) => (env.PATH ?? '').split(path.delimiter).filter((d) => d && !fs.existsSync(path.join(d, 'dx-hooks'))).join(path.delimiter);

/** Point the recorded CLI at a path that no longer exists, as a cleaned npx cache leaves it. */
const loseRecordedCli = (h: Host) => fs.writeFileSync(path.join(h.dir, '.git/dx/hooks/cli-path'), path.join(h.dir, '..', 'npx-cache-gone', 'node_modules', 'dx-hooks', 'dist', 'cli.js') + '\n');

async function setup(t: Parameters<typeof idleSandbox>[0], name: string, filesIn: (sb: Sandbox) => Record<string, string> = () => ({})) {
  const { sb, hosts } = await idleSandbox(t);
  const files = filesIn(sb);
  const remote = await createBareRemote(sb, `${name}.git`);
  await seedRemote(sb, remote);
  if (Object.keys(files).length) {
    const author = await cloneAs(sb, remote, 'author', 'author');
    for (const [f, text] of Object.entries(files)) {
      await author.write(f, text);
      if (f.includes('.bin/')) fs.chmodSync(path.join(author.dir, f), 0o755);
    }
    await author.git(['add', '-f', '--', ...Object.keys(files)]);
    await author.git(['commit', '--quiet', '-m', 'vendored tools']);
    await author.git(['push', '--quiet', 'origin', 'main']);
  }
  const h = await cloneAs(sb, remote, name);
  hosts.push(h);
  h.env.DX_WIP_PUSH = 'sync';
  assert.equal((await dx(h, ['install'])).code, 0);
  return { sb, remote, h };
}

test('a tracked node_modules/.bin/dx-hooks is never run when the recorded CLI is gone: refused, and the failure is loud', async (t) => {
  let marker = '';
  const { remote, h } = await setup(t, 'victim', (sb) => {
    marker = sb.tmp('pwned');
    return {
      'node_modules/.bin/dx-hooks': `#!/bin/sh\ntouch '${marker}'\n`,
      'node_modules/dx-hooks/dist/cli.js': `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n`,
    };
  });
  assert.ok(fs.existsSync(path.join(h.dir, 'node_modules/.bin/dx-hooks')), 'the clone has the vendored bin');
  loseRecordedCli(h);
  const before = (await lsRemote(h.env, remote)).get('refs/heads/wip/victim/main');
  await h.write('work.txt', 'work\n');
  await h.git(['add', 'work.txt']);
  const r = await git(h.dir, { ...h.env, PATH: barePath(h.env) }, ['commit', '--quiet', '-m', 'work'], { allowFail: true });
  assert.equal(r.code, 0, `post-commit must not block: ${r.stderr}`);
  assert.equal(fs.existsSync(marker), false, 'the repository chose what dx-hooks ran');
  assert.match(r.stderr, /node_modules is tracked by git/);
  assert.match(r.stderr, /cannot start the worker/);
  assert.match(fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8'), /"op":"hooks\.cli-missing"/);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/victim/main'), before, 'nothing mirrored');
});

test("an untracked node_modules/.bin/dx-hooks that is an sh wrapper (pnpm's) is found and run under sh", async (t) => {
  const { remote, h } = await setup(t, 'pnpm');
  // What pnpm writes: a shell script that execs node on the real CLI.
  fs.mkdirSync(path.join(h.dir, 'node_modules/.bin'), { recursive: true });
  fs.writeFileSync(path.join(h.dir, 'node_modules/.bin/dx-hooks'), `#!/bin/sh\nexec node '${dxBin}' "$@"\n`, { mode: 0o755 });
  fs.appendFileSync(path.join(h.dir, '.git/info/exclude'), 'node_modules\n');
  loseRecordedCli(h);
  await h.write('work.txt', 'work\n');
  await h.git(['add', 'work.txt']);
  const r = await git(h.dir, { ...h.env, PATH: barePath(h.env) }, ['commit', '--quiet', '-m', 'work'], { allowFail: true });
  assert.equal(r.code, 0, r.stderr);
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/pnpm/main'), head, `not mirrored through the wrapper: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /cannot start/);
});

// Fail closed (STYLE: a protection check that cannot decide refuses): with no CLI anywhere, or a
// check that crashes, pre-commit and pre-push refuse what they guard, say why and how to fix it,
// and DX_HOOKS=0 is the one-off way on. Nothing reaches the remote while refused.
test('with the CLI gone the protection checks refuse (pre-commit over a protected path, pre-push), loudly; DX_HOOKS=0 goes on', async (t) => {
  const { remote, h } = await setup(t, 'closed');
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['keep.txt'] } }) + '\n');
  await h.write('keep.txt', 'keep\n');
  await h.git(['add', '.dxrc.json', 'keep.txt']);
  await h.git(['commit', '--quiet', '-m', 'protect keep.txt']);
  loseRecordedCli(h);
  const env = { ...h.env, PATH: barePath(h.env) };

  await h.git(['rm', '--quiet', 'keep.txt']);
  const commit = await git(h.dir, env, ['commit', '--quiet', '-m', 'drop keep'], { allowFail: true });
  assert.equal(commit.code, 1, `a deletion of a protected path went through with no check: ${commit.stderr}`);
  assert.match(commit.stderr, /pre-commit protection check could not run .* this commit is refused/);
  assert.match(commit.stderr, /DX_HOOKS=0 git commit/);
  assert.ok(fs.existsSync(path.join(h.dir, '.git/dx/banner')), 'the banner does not keep it');
  assert.equal((await h.git(['ls-tree', 'HEAD', 'keep.txt'])).out.trim() !== '', true, 'the protected path left HEAD');
  await h.git(['reset', '--quiet', 'HEAD', 'keep.txt']);

  const before = (await lsRemote(h.env, remote)).get('refs/heads/main');
  await h.git(['commit', '--quiet', '--allow-empty', '-m', 'to push']);
  const push = await git(h.dir, env, ['push', '--quiet', 'origin', 'main'], { allowFail: true });
  assert.notEqual(push.code, 0, 'a push went through with no check');
  assert.match(push.stderr, /pre-push protection check could not run .* this push is refused/);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/main'), before, 'the refused push reached the remote');

  const over = await git(h.dir, { ...env, DX_HOOKS: '0' }, ['push', '--quiet', 'origin', 'main'], { allowFail: true });
  assert.equal(over.code, 0, over.stderr);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/main'), (await h.git(['rev-parse', 'HEAD'])).out.trim());
});

test('a protection check that crashes refuses the push instead of skipping it', async (t) => {
  const { sb, remote, h } = await setup(t, 'crash');
  const broken = sb.tmp('broken-cli.js');
  fs.writeFileSync(broken, "process.stderr.write('boom\\n'); process.exit(3);\n");
  fs.writeFileSync(path.join(h.dir, '.git/dx/hooks/cli-path'), broken + '\n');
  const before = (await lsRemote(h.env, remote)).get('refs/heads/main');
  await h.git(['commit', '--quiet', '--allow-empty', '-m', 'to push']);
  const push = await git(h.dir, h.env, ['push', '--quiet', 'origin', 'main'], { allowFail: true });
  assert.notEqual(push.code, 0, 'a crashed check let the push through');
  assert.match(push.stderr, /pre-push protection check crashed \(exit 3/);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/main'), before);
});
