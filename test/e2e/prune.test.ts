// `dx-hooks prune`: WIP retention against a real bare remote holding old and new WIP refs of two
// hosts, kept-aside refs, an index, a checkpoint tag and ordinary branches. A dry run deletes
// nothing; --yes deletes only old merged refs (--include-unmerged also the unmerged ones), in one
// atomic push, and takes exactly those entries out of the index; each deletion is an undoable
// ledger line; bad input exits 2, an unreachable or refusing remote exits 1 with nothing deleted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxJson, git, lsRemote, rejectPushesTo, seedRemote, unreachableUrl, withSandbox, type Host } from '../helpers/index.ts';

const DAY = 86_400;
const OLD = Math.floor(Date.now() / 1000) - 40 * DAY;

interface Row { ref: string; kind: string; host: string | null; branch: string | null; sha: string; committed: number; ageSeconds: number; merged: boolean; onlyHere: number; action: 'delete' | 'keep'; reason: string }
interface Report {
  remote: string; olderThan: number; cutoff: number; dryRun: boolean; rows: Row[]; ok: boolean; error: string | null;
  deleted: { ref: string; sha: string; event: string; keptAs: string }[];
  index: { ok: boolean; removed: string[]; error?: string } | null;
}
interface Ev { id: string; op: string; ok: boolean; refs?: Record<string, { old: string | null; new: string | null }>; detail?: Record<string, unknown> }

/** Commit `files` on the current branch with author and committer dates 40 days ago (no hooks are installed: nothing mirrors). */
async function oldCommit(h: Host, message: string, files: Record<string, string>): Promise<string> {
  for (const [rel, content] of Object.entries(files)) await h.write(rel, content);
  await h.git(['add', '-A']);
  await git(h.dir, { ...h.env, GIT_AUTHOR_DATE: `@${OLD} +0000`, GIT_COMMITTER_DATE: `@${OLD} +0000` }, ['commit', '--quiet', '-m', message]);
  return (await h.git(['rev-parse', 'HEAD'])).out;
}

interface World { remote: string; laptop: Host; desk: Host; sha: Record<'a' | 'b' | 'm' | 's' | 'd', string>; ref: Record<'a' | 'b' | 'm' | 'd' | 's' | 'x', string> }

async function world(t: Parameters<typeof withSandbox>[0]): Promise<World> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const laptop = await cloneAs(sb, remote, 'laptop');
  const desk = await cloneAs(sb, remote, 'desk');
  // Old and merged: feature-a is an ordinary branch too, and a displaced copy of it was kept aside.
  await laptop.git(['switch', '--quiet', '-c', 'feature-a']);
  const a = await oldCommit(laptop, 'feature a', { 'a.txt': 'a\n' });
  // Old and unmerged: only the WIP ref (and a checkpoint tag, which is not a branch) has it.
  await laptop.git(['switch', '--quiet', '-c', 'feature-b', 'main']);
  const b = await oldCommit(laptop, 'feature b', { 'b.txt': 'b\n' });
  await laptop.git(['tag', '-a', '-m', 'old checkpoint', 'checkpoint/old', b]);
  // An old snapshot of uncommitted work kept aside: unmerged.
  await laptop.git(['switch', '--quiet', '-c', 'snap', 'main']);
  const s = await oldCommit(laptop, 'snapshot', { 'dirty.txt': 'uncommitted\n' });
  // New: main moves now (merged), and desk has new WIP of main (unmerged, but too new).
  await laptop.git(['switch', '--quiet', 'main']);
  const m = await laptop.commit('main now', { 'm.txt': 'm\n' });
  const d = await desk.commit('desk now', { 'd.txt': 'd\n' });
  const ref = {
    a: 'refs/heads/wip/laptop/feature-a',
    b: 'refs/heads/wip/laptop/feature-b',
    m: 'refs/heads/wip/laptop/main',
    d: 'refs/heads/wip/desk/main',
    s: `refs/dx/snapshots/laptop/${s.slice(0, 12)}/main`,
    x: `refs/dx/displaced/desk/${a.slice(0, 12)}/feature-a`,
  };
  await laptop.git(['push', '--quiet', 'origin', `${a}:refs/heads/feature-a`, `${a}:${ref.a}`, `${b}:${ref.b}`, `${s}:${ref.s}`, `${a}:${ref.x}`, 'refs/tags/checkpoint/old', 'main', `${m}:${ref.m}`]);
  await desk.git(['push', '--quiet', 'origin', `${d}:${ref.d}`]);
  const rebuilt = await dx(laptop, ['index', 'rebuild']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  return { remote, laptop, desk, sha: { a, b, m, s, d }, ref };
}

async function indexKeys(h: Host): Promise<string[]> {
  return Object.keys((await dxJson<{ entries: Record<string, unknown> }>(h, ['index', 'show'])).entries).sort();
}

function ledger(h: Host): Ev[] {
  const file = path.join(h.dir, '.git/dx/events.jsonl');
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Ev);
}

test('prune dry run: the plan for every WIP and kept-aside ref — and nothing deleted', async (t) => {
  const w = await world(t);
  const before = await lsRemote(w.laptop.env, w.remote);
  const r = await dxJson<Report>(w.laptop, ['prune']);
  assert.equal(r.dryRun, true);
  assert.equal(r.remote, 'origin');
  assert.equal(r.olderThan, 30 * DAY);
  assert.deepEqual(r.rows.map((x) => [x.ref, x.merged, x.action, x.reason]), [
    [w.ref.x, true, 'delete', 'merged'],
    [w.ref.s, false, 'keep', 'unmerged'],
    [w.ref.d, false, 'keep', 'too-new'],
    [w.ref.a, true, 'delete', 'merged'],
    [w.ref.b, false, 'keep', 'unmerged'],
    [w.ref.m, true, 'keep', 'too-new'],
  ]);
  const a = r.rows.find((x) => x.ref === w.ref.a);
  assert.deepEqual([a?.kind, a?.host, a?.branch, a?.sha, a?.committed], ['wip', 'laptop', 'feature-a', w.sha.a, OLD]);
  assert.ok((a?.ageSeconds ?? 0) >= 40 * DAY);
  assert.equal(r.rows.find((x) => x.ref === w.ref.b)?.onlyHere, 1);
  assert.deepEqual(r.deleted, []);
  assert.equal(r.index, null);
  // The text form says the same, and says that it deleted nothing.
  const text = await dx(w.laptop, ['prune', '--older-than', '30d']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /refs\/heads\/wip\/laptop\/feature-a\s+40d\s+yes\s+delete/);
  assert.match(text.stdout, /refs\/heads\/wip\/laptop\/feature-b\s+40d\s+no\s+keep \(unmerged: 1 commit\(s\) on no branch\)/);
  assert.match(text.stdout, /refs\/heads\/wip\/laptop\/main\s+\d+s\s+yes\s+keep \(too new\)/);
  assert.match(text.stdout, /Dry run: 2 of 6 ref\(s\) would be deleted; 2 old unmerged ref\(s\) kept .*Nothing was deleted\./);
  assert.match(text.stdout, /dx-hooks prune --older-than 30d --yes/);
  // --include-unmerged without --yes is a dry run too.
  const all = await dxJson<Report>(w.laptop, ['prune', '--include-unmerged']);
  assert.equal(all.rows.filter((x) => x.action === 'delete').length, 4);
  assert.deepEqual(await lsRemote(w.laptop.env, w.remote), before, 'the remote is exactly as it was');
  assert.ok(!fs.existsSync(path.join(w.laptop.dir, '.git/dx/events.jsonl')) || !ledger(w.laptop).some((e) => e.op === 'prune'), 'no ledger line for a dry run');
});

test('prune --yes: deletes only the old merged refs, updates the index, one undoable ledger line each', async (t) => {
  const w = await world(t);
  assert.deepEqual(await indexKeys(w.laptop), ['desk/main', 'laptop/feature-a', 'laptop/feature-b', 'laptop/main']);
  const before = await lsRemote(w.laptop.env, w.remote);
  const r = await dxJson<Report>(w.laptop, ['prune', '--yes']);
  assert.equal(r.ok, true, r.error ?? '');
  assert.deepEqual(r.deleted.map((d) => [d.ref, d.sha]), [[w.ref.x, w.sha.a], [w.ref.a, w.sha.a]]);
  const after = await lsRemote(w.laptop.env, w.remote);
  const expected = new Map(before);
  expected.delete(w.ref.a);
  expected.delete(w.ref.x);
  expected.delete('refs/heads/dx/index'); // it moved: compared below
  const got = new Map(after);
  got.delete('refs/heads/dx/index');
  assert.deepEqual(got, expected, 'too-new, unmerged, branches, tags: all still there');
  // The index lost exactly laptop/feature-a; desk's entry (and laptop's others) stay.
  assert.deepEqual(r.index?.removed, ['laptop/feature-a']);
  assert.deepEqual(await indexKeys(w.laptop), ['desk/main', 'laptop/feature-b', 'laptop/main']);
  // One ledger line per deletion, its sha kept reachable here for undo.
  const prunes = ledger(w.laptop).filter((e) => e.op === 'prune');
  assert.deepEqual(prunes.map((e) => [e.ok, Object.keys(e.refs ?? {})]), [[true, [w.ref.x]], [true, [w.ref.a]]]);
  const ev = prunes.find((e) => e.refs?.[w.ref.a]) as Ev;
  assert.deepEqual(ev.refs?.[w.ref.a], { old: w.sha.a, new: null });
  assert.equal(ev.detail?.remote, 'origin');
  assert.equal(ev.detail?.merged, true);
  assert.equal((await w.laptop.git(['rev-parse', `refs/dx/undo/${ev.id}`])).out, w.sha.a);
  assert.ok(ledger(w.laptop).some((e) => e.op === 'index.update' && e.ok && (e.detail?.removed as string[]).includes('laptop/feature-a')));
  // Running it again finds nothing more to delete.
  const again = await dx(w.laptop, ['prune', '--yes']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Nothing to delete/);
  // Undo puts the pruned ref back on the remote.
  const list = await dxJson<{ entries: { id: string; op: string }[] }>(w.laptop, ['undo', '--list']);
  assert.ok(list.entries.some((e) => e.id === ev.id && e.op === 'prune'));
  const u = await dx(w.laptop, ['undo', ev.id]);
  assert.equal(u.code, 0, u.stdout + u.stderr);
  assert.equal((await lsRemote(w.laptop.env, w.remote)).get(w.ref.a), w.sha.a);
  assert.deepEqual(await indexKeys(w.laptop), ['desk/main', 'laptop/feature-a', 'laptop/feature-b', 'laptop/main'], 'and its index entry');
});

test('prune --yes --include-unmerged: old unmerged refs go too (this host\'s pushed marker with them); too-new ones stay', async (t) => {
  const w = await world(t);
  // laptop last pushed feature-b's WIP: its marker says those commits are on the remote.
  await w.laptop.git(['update-ref', 'refs/dx/pushed/laptop/feature-b', w.sha.b]);
  const r = await dxJson<Report>(w.laptop, ['prune', '--yes', '--include-unmerged', '--older-than', '4w']);
  assert.equal(r.ok, true, r.error ?? '');
  assert.deepEqual(r.deleted.map((d) => d.ref).sort(), [w.ref.x, w.ref.s, w.ref.a, w.ref.b].sort());
  const after = await lsRemote(w.laptop.env, w.remote);
  for (const ref of [w.ref.a, w.ref.b, w.ref.s, w.ref.x]) assert.equal(after.get(ref), undefined, ref);
  assert.equal(after.get(w.ref.m), w.sha.m);
  assert.equal(after.get(w.ref.d), w.sha.d);
  assert.equal(after.get('refs/tags/checkpoint/old') !== undefined, true, 'checkpoint tags are never pruned');
  assert.equal(after.get('refs/heads/feature-a'), w.sha.a, 'ordinary branches are never pruned');
  assert.deepEqual(await indexKeys(w.laptop), ['desk/main', 'laptop/main']);
  // The commits are no longer on the remote: the marker that said so is gone (undo brings it back).
  assert.equal((await w.laptop.git(['rev-parse', '-q', '--verify', 'refs/dx/pushed/laptop/feature-b'], { allowFail: true })).code, 1);
  const ev = ledger(w.laptop).find((e) => e.op === 'prune' && e.refs?.[w.ref.b]) as Ev;
  assert.equal(ev.detail?.merged, false);
  assert.equal((await w.laptop.git(['rev-parse', `refs/dx/undo/${ev.id}`])).out, w.sha.b, 'the unmerged commits stay reachable here');
  const u = await dx(w.laptop, ['undo', ev.id]);
  assert.equal(u.code, 0, u.stdout + u.stderr);
  assert.equal((await lsRemote(w.laptop.env, w.remote)).get(w.ref.b), w.sha.b);
  assert.equal((await w.laptop.git(['rev-parse', 'refs/dx/pushed/laptop/feature-b'])).out, w.sha.b);
});

test('prune: a bad --older-than exits 2; an unreachable or refusing remote exits 1 and deletes nothing', async (t) => {
  const w = await world(t);
  for (const bad of ['soon', '0d', '-3d']) {
    const r = await dx(w.laptop, ['prune', '--older-than', bad]);
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /duration|longer than zero/);
  }
  const before = await lsRemote(w.laptop.env, w.remote);

  await w.laptop.git(['remote', 'set-url', 'origin', await unreachableUrl()]);
  const off = await dx(w.laptop, ['prune', '--yes']);
  assert.equal(off.code, 1, off.stderr);
  assert.match(off.stderr, /cannot fetch the WIP refs from "origin"/);
  assert.match(off.stderr, /nothing was deleted/);
  await w.laptop.git(['remote', 'set-url', 'origin', w.remote]);

  // The remote refuses one of the deletions: the atomic push deletes none of them.
  await rejectPushesTo(w.remote, [w.ref.a], 'WIP refs are protected here');
  const refused = await dx(w.laptop, ['prune', '--yes', '--json']);
  assert.equal(refused.code, 1, refused.stderr);
  const rep = JSON.parse(refused.stdout) as Report;
  assert.equal(rep.ok, false);
  assert.deepEqual(rep.deleted, []);
  assert.match(rep.error ?? '', /WIP refs are protected here/);
  const text = await dx(w.laptop, ['prune', '--yes']);
  assert.equal(text.code, 1);
  assert.match(text.stderr, /nothing was deleted: the push to origin was refused or failed/);
  const noIndex = (m: Map<string, string>) => [...m].filter(([ref]) => ref !== 'refs/heads/dx/index');
  assert.deepEqual(noIndex(await lsRemote(w.laptop.env, w.remote)), noIndex(before), 'nothing deleted');
  // The index entries went first and came back when the deletion failed.
  assert.deepEqual(await indexKeys(w.laptop), ['desk/main', 'laptop/feature-a', 'laptop/feature-b', 'laptop/main']);
  // Each planned deletion's ledger line is followed by a failure line naming it.
  const evs = ledger(w.laptop).filter((e) => e.op === 'prune');
  const planned = evs.filter((e) => e.ok).map((e) => e.id);
  const failed = evs.filter((e) => !e.ok).map((e) => e.detail?.event);
  assert.equal(planned.length, 4);
  assert.deepEqual(failed, planned);

  // The index cannot be updated first: nothing is deleted (else other hosts would put the refs back).
  await rejectPushesTo(w.remote, ['refs/heads/dx/index'], 'the index is frozen');
  const fr = await dx(w.laptop, ['prune', '--yes', '--json']);
  assert.equal(fr.code, 1, fr.stderr);
  const frozen = JSON.parse(fr.stdout) as Report;
  assert.equal(frozen.ok, false);
  assert.match(frozen.error ?? '', /index could not be updated first, so nothing was deleted/);
  assert.deepEqual(noIndex(await lsRemote(w.laptop.env, w.remote)), noIndex(before), 'still nothing deleted');
});

test('prune --yes: a ref that moved after planning fails its lease — the atomic push deletes nothing', async (t) => {
  const w = await world(t);
  // Fault injection: between planning and pushing, prune keeps the doomed shas under refs/dx/undo/;
  // a reference-transaction hook then has "another host" move feature-a's WIP ref on the remote.
  const hook = path.join(w.laptop.dir, '.git/hooks/reference-transaction');
  const mark = path.join(w.laptop.dir, '.git/moved-once');
  fs.writeFileSync(hook, `#!/bin/sh
[ "$1" = committed ] || exit 0
while read -r old new ref; do
  case "$ref" in
    refs/dx/undo/*) [ -f '${mark}' ] || { : > '${mark}'; git push --quiet --no-verify '${w.remote}' '+${w.sha.m}:${w.ref.a}'; } ;;
  esac
done
exit 0
`);
  fs.chmodSync(hook, 0o755);
  const r = await dx(w.laptop, ['prune', '--yes', '--json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const rep = JSON.parse(r.stdout) as Report;
  assert.equal(rep.ok, false);
  assert.match(rep.error ?? '', /stale info.*run prune again/);
  const after = await lsRemote(w.laptop.env, w.remote);
  assert.equal(after.get(w.ref.a), w.sha.m, 'the other writer\'s value stands');
  assert.equal(after.get(w.ref.x), w.sha.a, 'the atomic push deleted nothing else either');
  assert.deepEqual(await indexKeys(w.laptop), ['desk/main', 'laptop/feature-a', 'laptop/feature-b', 'laptop/main']);
});
