// Issue 10, class 5: the remote's dx refs survive every push. Hosts A and B share a bare remote; A has
// pushed WIP, the index and a kept snapshot and a checkpoint. B tries every kind of push that deletes
// or rewinds them: each is refused and the bare remote keeps every dx ref at the same sha. A push that
// pre-push cannot stop (--no-verify, a clone without dx-hooks) does delete them: A's next status,
// sync or commit notices and puts them back, leased "must not exist", and the ledger says so.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, waitFor, type Host } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

type Ev = { op: string; ok: boolean; refs?: Record<string, { old: string | null; new: string | null }>; detail?: Record<string, unknown> };
const ledger = (h: Host): Ev[] => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Ev);

const isDx = (ref: string) => ref === 'refs/heads/dx/index' || ref.startsWith('refs/heads/wip/') || ref.startsWith('refs/dx/') || ref.startsWith('refs/tags/checkpoint/');

async function dxRefs(env: NodeJS.ProcessEnv, remote: string): Promise<Record<string, string>> {
  return Object.fromEntries([...(await lsRemote(env, remote))].filter(([r]) => isDx(r)).sort());
}

async function twoHosts(t: Parameters<typeof idleSandbox>[0]) {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'alpha');
  const b = await cloneAs(sb, remote, 'beta');
  hosts.push(a, b);
  for (const h of [a, b]) {
    h.env.DX_WIP_PUSH = 'sync';
    await installHooks(h);
    await h.git(['add', '-A']);
    await h.git(['commit', '-qm', 'install dx-hooks']);
  }
  await a.commit('alpha work', { 'a.txt': 'alpha\n' });
  const tip = (await a.git(['rev-parse', 'HEAD'])).out;
  // A kept snapshot and a checkpoint tag on the remote, as dx-hooks pushes them.
  await a.git(['push', '-q', '--no-verify', 'origin', `${tip}:refs/dx/snapshots/alpha/${tip.slice(0, 12)}/main`]);
  await a.git(['tag', '-a', '-m', 'nightly', 'checkpoint/nightly', tip]);
  await a.git(['push', '-q', '--no-verify', 'origin', 'refs/tags/checkpoint/nightly']);
  const bTip = await b.commit('beta work', { 'b.txt': 'beta\n' });
  // The hooks' workers may still be pushing in the background: A fetches once both WIP refs and the index landed.
  const indexed = async () => {
    const refs = await lsRemote(a.env, remote);
    const idx = refs.get('refs/heads/dx/index');
    if (refs.get('refs/heads/wip/beta/main') !== bTip || refs.get('refs/heads/wip/alpha/main') !== tip || !idx) return false;
    const r = await git(a.dir, a.env, ['fetch', '-q', 'origin'], { allowFail: true });
    const doc = await git(a.dir, a.env, ['cat-file', 'blob', `${idx}:.dx/wip-index.json`], { allowFail: true });
    return r.code === 0 && doc.stdout.includes(bTip) && doc.stdout.includes(tip);
  };
  await waitFor(indexed, { what: 'both hosts\' WIP and index entries on the remote', timeoutMs: 30_000 });
  await idle(a);
  await idle(b);
  await b.git(['fetch', '-q', 'origin']);
  await a.git(['fetch', '-q', 'origin']);
  const before = await dxRefs(a.env, remote);
  assert.ok(before['refs/heads/dx/index'] && before['refs/heads/wip/alpha/main'] && before['refs/heads/wip/beta/main'], JSON.stringify(before));
  return { sb, remote, a, b, before };
}

test('every push that would delete or rewind dx refs is refused, and the remote keeps them at the same shas', async (t) => {
  const { remote, a, b, before } = await twoHosts(t);
  // A moves on after B's last fetch: B's remote-tracking copies of dx/index and wip/alpha/main are now stale.
  await a.commit('alpha more', { 'a2.txt': 'more\n' });
  const moved = await dxRefs(a.env, remote);
  assert.notEqual(moved['refs/heads/wip/alpha/main'], before['refs/heads/wip/alpha/main']);
  const pushes: [string, string[], RegExp[] | RegExp][] = [
    ['--mirror', ['push', '--mirror', 'origin'], [/deletes the index branch dx\/index/, /deletes host "alpha"'s WIP ref of main/, /deletes host "beta"'s WIP ref of main/, /kept snapshot/, /refs\/dx\/pushed\/beta\/main: publishes this host's record of what landed, private to this host/]],
    ['remote.origin.mirror=true', ['-c', 'remote.origin.mirror=true', 'push', 'origin'], /a mirror push deletes every remote ref this clone lacks/],
    ['--prune with a wildcard refspec', ['push', '--prune', 'origin', 'refs/heads/*:refs/heads/*'], /deletes the index branch dx\/index/],
    ['--all --prune', ['push', '--all', '--prune', 'origin'], /deletes host "alpha"'s WIP ref of main/],
    ['a forced wildcard from stale remote-tracking refs', ['push', '--force', 'origin', 'refs/remotes/origin/*:refs/heads/*'], /rewrites the index branch dx\/index[\s\S]*rewrites host "alpha"'s WIP ref/],
    ['--delete dx/index', ['push', '--delete', 'origin', 'dx/index'], /deletes the index branch dx\/index/],
    ['--delete another host\'s WIP', ['push', '--delete', 'origin', 'wip/alpha/main'], /deletes host "alpha"'s WIP ref of main/],
    ['--delete this host\'s own WIP', ['push', '--delete', 'origin', 'wip/beta/main'], /deletes host "beta"'s WIP ref of main/],
    ['a refs/dx/ deletion', ['push', 'origin', `:refs/dx/snapshots/alpha/${before['refs/heads/wip/alpha/main']?.slice(0, 12)}/main`], /kept snapshot/],
    ['--delete a checkpoint tag', ['push', '--delete', 'origin', 'refs/tags/checkpoint/nightly'], /the checkpoint checkpoint\/nightly/],
  ];
  for (const [what, args, whys] of pushes) {
    const r = await b.git(args, { allowFail: true });
    assert.notEqual(r.code, 0, `${what}: refused`);
    assert.match(r.stderr, /refused this push to origin/, what);
    for (const why of [whys].flat()) assert.match(r.stderr, why, what);
    assert.deepEqual(await dxRefs(a.env, remote), moved, `${what}: every dx ref on the bare remote is where it was`);
  }
  // The override names the exact command, shell-quoted.
  const wild = await b.git(['push', '--prune', 'origin', 'refs/heads/*:refs/heads/*'], { allowFail: true });
  assert.match(wild.stderr, /If this is really intended: DX_ALLOW_PROTECTED=1 git push --prune origin 'refs\/heads\/\*:refs\/heads\/\*'/);
  assert.ok(ledger(b).filter((e) => e.op === 'protect.refuse').length >= pushes.length, 'each refusal is in the ledger');

  // Happy path: ordinary pushes still go through.
  await b.commit('beta feature', { 'f.txt': 'f\n' });
  const ok = await b.git(['push', 'origin', 'HEAD:refs/heads/feature'], { allowFail: true });
  assert.equal(ok.code, 0, ok.stderr);
  const del = await b.git(['push', '--delete', 'origin', 'feature'], { allowFail: true });
  assert.equal(del.code, 0, `deleting an ordinary branch is fine: ${del.stderr}`);
  assert.deepEqual(Object.keys(await dxRefs(a.env, remote)).sort(), Object.keys(moved).sort());
});

test('a mirror push pre-push never saw (a clone without dx-hooks) deletes the dx refs; dx-hooks status puts them back at the same shas, loudly', async (t) => {
  const { sb, remote, a, before } = await twoHosts(t);
  const rogue = await cloneAs(sb, remote, 'rogue');
  const m = await rogue.git(['push', '--mirror', 'origin'], { allowFail: true });
  assert.equal(m.code, 0, m.stderr);
  const gone = await dxRefs(a.env, remote);
  assert.equal(gone['refs/heads/dx/index'], undefined, 'the mirror deleted dx/index');
  assert.equal(gone['refs/heads/wip/alpha/main'], undefined, 'and the WIP refs');

  const s = await dx(a, ['status']);
  assert.match(s.stderr, /restored \d+ ref\(s\) that had vanished from origin/);
  const after = await dxRefs(a.env, remote);
  for (const ref of ['refs/heads/dx/index', 'refs/heads/wip/alpha/main', 'refs/heads/wip/beta/main']) assert.equal(after[ref], before[ref], `${ref} is back at the same sha`);
  assert.equal(after['refs/tags/checkpoint/nightly'], before['refs/tags/checkpoint/nightly'], 'the mirror kept the tag the rogue clone had fetched');
  const ev = ledger(a).filter((e) => e.op === 'remote.restore' && e.ok);
  assert.equal(ev.length, 1);
  assert.equal(ev[0]?.refs?.['refs/heads/dx/index']?.new, before['refs/heads/dx/index']);
  assert.equal(ev[0]?.refs?.['refs/heads/wip/beta/main']?.new, before['refs/heads/wip/beta/main'], "another host's WIP, from the commit this host fetched");
  // Said once more by the next hook (the notice), then quiet; a second status restores nothing.
  const again = await dx(a, ['status']);
  assert.doesNotMatch(again.stderr, /restored/);
  assert.equal(ledger(a).filter((e) => e.op === 'remote.restore').length, 1);
});

test('after a --no-verify mirror push, the next commit restores the index and the WIP refs before mirroring on top of them', async (t) => {
  const { remote, a, b, before } = await twoHosts(t);
  const m = await b.git(['push', '--no-verify', '--mirror', 'origin'], { allowFail: true });
  assert.equal(m.code, 0, m.stderr);
  assert.equal((await dxRefs(a.env, remote))['refs/heads/dx/index'], undefined);
  const tip = await a.commit('alpha after the mirror', { 'a3.txt': 'three\n' });
  await idle(a);
  const after = await dxRefs(a.env, remote);
  assert.equal(after['refs/heads/wip/alpha/main'], tip, "A's WIP holds the new commit");
  assert.equal(after['refs/heads/wip/beta/main'], before['refs/heads/wip/beta/main'], "B's WIP is back at the same sha");
  const idx = after['refs/heads/dx/index'] as string;
  assert.ok(idx, 'the index is back');
  const anc = await git(a.dir, a.env, ['merge-base', '--is-ancestor', before['refs/heads/dx/index'] as string, idx], { allowFail: true });
  assert.equal(anc.code, 0, 'restored at its old sha, then fast-forwarded: no entry lost');
  const index = JSON.parse((await git(a.dir, a.env, ['cat-file', 'blob', `${idx}:.dx/wip-index.json`])).out) as { entries: Record<string, unknown> };
  assert.deepEqual(Object.keys(index.entries).sort(), ['alpha/main', 'beta/main']);
  assert.ok(ledger(a).some((e) => e.op === 'remote.restore' && e.ok && e.refs?.['refs/heads/dx/index']?.new === before['refs/heads/dx/index']));
});

test('dx-hooks sync restores too; a pruned WIP ref is never brought back; a hostile index cannot make the restore write an ordinary branch', async (t) => {
  const { remote, a, b, before } = await twoHosts(t);
  // A check that found everything is remembered (the index is not read again while nothing changes)…
  const quiet = await dx(a, ['sync'], { env: { ...a.env, DX_DEBUG: '1' } });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.ok(fs.existsSync(path.join(a.dir, '.git/dx/vanished-checked')), 'the all-present check is remembered');
  const again = await dx(a, ['sync'], { env: { ...a.env, DX_DEBUG: '1' } });
  // (The check runs before the fetch; what runs after it, the newer-WIP look at beta's entry, reads the index for itself.)
  const beforeFetch = again.stderr.slice(0, again.stderr.indexOf('git "fetch"'));
  assert.match(beforeFetch, /git "ls-remote"/);
  assert.doesNotMatch(beforeFetch, /git "cat-file" "blob" "[0-9a-f]+:\.dx\/wip-index\.json"/, 'the same index and the same ref names: the check does not read the index again');
  // …and a ref deleted behind pre-push's back changes what the remote lists, so the next check reads the index and restores it.
  await b.git(['push', '-q', '--no-verify', 'origin', ':refs/heads/wip/alpha/main']);
  const sync = await dx(a, ['sync']);
  assert.equal(sync.code, 0, sync.stderr);
  assert.match(sync.stderr, /restored 1 ref\(s\)/);
  assert.equal((await dxRefs(a.env, remote))['refs/heads/wip/alpha/main'], before['refs/heads/wip/alpha/main']);

  // Pruned by B (which removes it from the index): A must not resurrect it.
  await new Promise((r) => setTimeout(r, 1100)); // prune counts whole seconds of committer age
  const prune = await dx(b, ['prune', '--older-than', '1s', '--yes', '--include-unmerged']);
  assert.equal(prune.code, 0, prune.stderr + prune.stdout);
  const pruned = await dxRefs(a.env, remote);
  assert.equal(pruned['refs/heads/wip/alpha/main'], undefined, 'prune deleted it');
  await dx(a, ['status']);
  assert.equal((await dxRefs(a.env, remote))['refs/heads/wip/alpha/main'], undefined, 'still gone: pruned is not vanished');

  // B writes an index entry naming an ordinary branch as "its WIP ref", then leaves.
  const idx = (await lsRemote(b.env, remote)).get('refs/heads/dx/index') as string;
  await b.git(['fetch', '-q', 'origin', 'dx/index']);
  const doc = JSON.parse((await b.git(['cat-file', 'blob', `${idx}:.dx/wip-index.json`])).out) as { entries: Record<string, Record<string, unknown>> };
  const target = before['refs/heads/wip/alpha/main'] as string;
  doc.entries['evil/release'] = { host: 'evil', branch: 'release', ref: 'refs/heads/release', sha: target, base: target, ts: 1, message: 'x', dirty: false };
  const blob = (await b.git(['hash-object', '-w', '--stdin'], { input: JSON.stringify(doc) })).out;
  const sub = (await b.git(['mktree'], { input: `100644 blob ${blob}\twip-index.json\n` })).out;
  const root = (await b.git(['mktree'], { input: `040000 tree ${sub}\t.dx\n` })).out;
  const commit = (await b.git(['commit-tree', root, '-p', idx, '-m', 'hostile'])).out;
  await b.git(['push', '-q', '--no-verify', 'origin', `${commit}:refs/heads/dx/index`]);
  await dx(a, ['status']);
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/release'), undefined, 'no ordinary branch was created on the remote');
});

test('an intended deletion (DX_ALLOW_PROTECTED=1) stays deleted: its index entries go first, so no host puts the WIP refs back', async (t) => {
  const { remote, a, b, before } = await twoHosts(t);
  // B deletes A's WIP ref and its own, through its hooks, with the documented override.
  const del = await git(b.dir, { ...b.env, DX_ALLOW_PROTECTED: '1' }, ['push', 'origin', ':refs/heads/wip/alpha/main', ':refs/heads/wip/beta/main'], { allowFail: true });
  assert.equal(del.code, 0, del.stderr);
  assert.match(del.stderr, /took alpha\/main, beta\/main out of the index first/);
  const gone = await dxRefs(a.env, remote);
  assert.equal(gone['refs/heads/wip/alpha/main'], undefined);
  assert.equal(gone['refs/heads/wip/beta/main'], undefined);
  assert.notEqual(gone['refs/heads/dx/index'], undefined, 'the index stays, without the two entries');
  assert.equal((await b.git(['rev-parse', '-q', '--verify', 'refs/dx/pushed/beta/main'], { allowFail: true })).code, 1, "B's record of its deleted push is gone");
  // Both hosts' vanished-ref checks run (status), and the refs stay deleted.
  for (const h of [a, b]) {
    const s = await dx(h, ['status']);
    assert.doesNotMatch(s.stderr, /restored/, s.stderr);
  }
  const after = await dxRefs(a.env, remote);
  assert.equal(after['refs/heads/wip/alpha/main'], undefined, 'not brought back by A (its own push record) ');
  assert.equal(after['refs/heads/wip/beta/main'], undefined, 'not brought back by A (its fetched copy) nor by B');
  const idx = after['refs/heads/dx/index'] as string;
  await a.git(['fetch', '-q', 'origin', 'dx/index']);
  const doc = JSON.parse((await a.git(['cat-file', 'blob', `${idx}:.dx/wip-index.json`])).out) as { entries: Record<string, unknown> };
  assert.deepEqual(Object.keys(doc.entries), []);
  assert.ok(ledger(b).some((e) => e.op === 'protect.override'), 'the override is logged');
  assert.ok(ledger(b).some((e) => e.op === 'index.update' && e.ok && String(e.detail?.by ?? '').startsWith('pre-push')), 'so is the index update');
  // A later commit of A mirrors again, as always.
  const tip = await a.commit('alpha again', { 'a4.txt': 'four\n' });
  await idle(a);
  assert.equal((await dxRefs(a.env, remote))['refs/heads/wip/alpha/main'], tip);
  assert.ok(before['refs/heads/wip/alpha/main']);
});
