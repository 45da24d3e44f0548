// Divergence warnings (DESIGN §3): post-checkout, post-merge and pre-push print on stderr — never
// blocking — when the branch and its upstream diverged (as of the last fetch), when another host's
// WIP holds commits the branch lacks (warn/<branch>.msg, refreshed by `dx-hooks sync` and the
// background worker), and when commits older than divergence.staleHours exist only on this host
// (no remote-tracking ref and no landed WIP push, refs/dx/pushed/*, reaches them). `.dxrc`
// `divergence.warn: false` silences all three.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { installHooks, cloneAs, hookStateFile, readHookStateFile, createBareRemote, dx, git, lsRemote, rejectPushesTo, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

const HOUR = 3600_000;
const DIVERGED = /dx-hooks: "[^"]+" and its upstream \S+ have diverged/;
const NEWER = /dx-hooks: host "[^"]+" has newer WIP of/;
const STALE = /exist only on this host: not on/;

/** ISO date `ms` milliseconds ago (git takes it in GIT_COMMITTER_DATE / GIT_AUTHOR_DATE). */
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

/** A commit whose author and committer dates are `ms` milliseconds ago (hooks run). Returns its sha. */
async function commitAgo(h: Host, message: string, files: Record<string, string>, ms: number): Promise<string> {
  for (const [rel, content] of Object.entries(files)) await h.write(rel, content);
  await h.git(['add', '-A']);
  const when = ago(ms);
  await git(h.dir, { ...h.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when }, ['commit', '--quiet', '-m', message]);
  return (await h.git(['rev-parse', 'HEAD'])).out;
}

/**
 * A bare remote whose main holds one seed commit dated two hours ago (so any WIP pushed during the
 * test is strictly newer than it), and one installed clone per host name (DX_WIP_PUSH=sync,
 * .dxrc.json kept out of `git add -A`). Cleanup waits for every host's background worker first.
 */
async function setup(t: TestContext, names: string[], dxrc?: object): Promise<{ sb: Sandbox; remote: string; hs: Host[] }> {
  const { sb, hosts: hs } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  const seed = sb.tmp('seed');
  await git(sb.root, sb.env, ['clone', '--quiet', remote, seed]);
  await git(seed, sb.env, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  fs.writeFileSync(path.join(seed, 'README.md'), 'seed\n');
  await git(seed, sb.env, ['add', 'README.md']);
  const when = ago(2 * HOUR);
  await git(seed, { ...sb.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when }, ['commit', '--quiet', '-m', 'seed']);
  await git(seed, sb.env, ['push', '--quiet', 'origin', 'main']);
  for (const name of names) {
    const h = await cloneAs(sb, remote, name);
    h.env.DX_WIP_PUSH = 'sync';
    if (dxrc) await h.write('.dxrc.json', JSON.stringify(dxrc, null, 2) + '\n');
    await installHooks(h);
    fs.appendFileSync(path.join(h.dir, '.git/info/exclude'), '.dxrc.json\n');
    hs.push(h);
  }
  return { sb, remote, hs };
}

/** Lines of `text` that are dx-hooks divergence warnings (upstream, newer WIP elsewhere, stale only-here commits). */
function divergenceLines(text: string): string[] {
  return text.split('\n').filter((l) => DIVERGED.test(l) || NEWER.test(l) || STALE.test(l));
}

/**
 * git in the host's work tree with DX_WIP_PUSH=off: the shims print their divergence warnings exactly
 * as always (before they look at the push mode) but start no background worker, so what a checkout
 * prints depends only on the last fetch and the last refresh — not on a worker racing the test.
 */
function quiet(h: Host, args: string[]): ReturnType<typeof git> {
  return git(h.dir, { ...h.env, DX_WIP_PUSH: 'off' }, args);
}

/** Switch away and back (two branch checkouts, no background worker); returns the stderr of switching to `branch`. */
async function checkoutBack(h: Host, branch: string, via = 'scratch'): Promise<string> {
  const exists = (await h.git(['rev-parse', '-q', '--verify', `refs/heads/${via}`], { allowFail: true })).code === 0;
  await quiet(h, exists ? ['checkout', via] : ['checkout', '-b', via]);
  return (await quiet(h, ['checkout', branch])).stderr;
}

/** Only the upstream-divergence lines of `text`. */
const divergedLines = (text: string): string[] => text.split('\n').filter((l) => DIVERGED.test(l));

test('(a) upstream divergence, from the last fetch only: post-checkout and post-merge warn with the exact counts; ahead-only or behind-only is quiet', async (t) => {
  const { hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  // beta is 1 ahead: no warning.
  await b.commit('beta local', { 'b.txt': 'beta\n' });
  assert.deepEqual(divergedLines(await checkoutBack(b, 'main')), []);
  // alpha pushes main for real; until beta fetches, beta's hooks know nothing of it (no network in the hook).
  await a.commit('alpha pushed', { 'a.txt': 'alpha\n' });
  await a.git(['push', '--quiet', 'origin', 'main']);
  assert.deepEqual(divergedLines(await checkoutBack(b, 'main')), [], 'no fetch yet: nothing to warn about');
  await b.git(['fetch', '--quiet']);
  let err = await checkoutBack(b, 'main');
  assert.match(err, /^Switched to branch 'main'$/m);
  assert.ok(
    err.includes('dx-hooks: "main" and its upstream origin/main have diverged: 1 ahead, 1 behind (as of the last fetch) - integrate before you push: git pull --rebase\n'),
    `post-checkout stderr:\n${err}`,
  );
  // alpha pushes again; beta has not fetched: the counts stay those of the last fetch.
  await a.commit('alpha pushed again', { 'a.txt': 'alpha 2\n' });
  await a.git(['push', '--quiet', 'origin', 'main']);
  err = await checkoutBack(b, 'main');
  assert.match(err, /have diverged: 1 ahead, 1 behind \(as of the last fetch\)/);
  // post-merge: merging a local side branch keeps main diverged (now 3 ahead: beta local, side work, the merge).
  await quiet(b, ['checkout', 'scratch']);
  await b.commit('side work', { 's.txt': 'side\n' });
  await quiet(b, ['checkout', 'main']);
  const merge = await b.git(['merge', '--no-ff', '-m', 'merge scratch', 'scratch']);
  assert.equal(merge.code, 0);
  assert.ok(
    merge.stderr.includes('dx-hooks: "main" and its upstream origin/main have diverged: 3 ahead, 1 behind (as of the last fetch) - integrate before you push: git pull --rebase\n'),
    `post-merge stderr:\n${merge.stderr}`,
  );
  assert.equal((await b.git(['rev-parse', 'HEAD^2'])).out, (await b.git(['rev-parse', 'scratch'])).out, 'the merge itself happened');
  // Only behind (a fresh branch at origin/main~1 tracking origin/main): no warning.
  await b.git(['fetch', '--quiet']);
  await b.git(['branch', '--track', 'behind', 'origin/main']);
  await b.git(['branch', '-f', 'behind', 'origin/main~1']);
  const behind = await quiet(b, ['checkout', 'behind']);
  assert.match(behind.stderr, /Switched to branch 'behind'/);
  assert.deepEqual(divergedLines(behind.stderr), [], 'behind only is not divergence');
});

test('(b) another host\'s newer WIP: after `dx-hooks sync` the next checkout names the host, the count, the age now, the sha, the subject and the restore command; gone once merged', async (t) => {
  const { hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  await a.commit('alpha one', { 'x.txt': '1\n' });
  const tip = await a.commit('alpha two', { 'x.txt': '2\n' });
  const pushedAt = Math.floor(Date.now() / 1000);
  await t.test('`dx-hooks status` refreshes the warning too', async () => {
    const st = await dx(b, ['status', '--json']);
    assert.equal(st.code, 0, st.stderr);
    assert.ok(fs.existsSync(path.join(b.dir, '.git/dx/warn/main.msg')), 'status wrote .git/dx/warn/main.msg');
    assert.deepEqual(
      (JSON.parse(st.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code),
      ['NEWER_ELSEWHERE'],
      'status --json lists alpha under "others" and should name the problem too',
    );
  });
  const sync = await dx(b, ['sync']);
  assert.equal(sync.code, 0, sync.stderr);
  assert.ok(fs.existsSync(path.join(b.dir, '.git/dx/warn/main.msg')), 'sync wrote the warning for main');
  // Some time passes between the refresh and the checkout.
  await new Promise((r) => setTimeout(r, 3000));
  const x = await b.git(['checkout', '-b', 'x']);
  assert.deepEqual(divergenceLines(x.stderr), [], 'branch x has no WIP elsewhere');
  const r = await b.git(['checkout', 'main']);
  const shownAt = Math.floor(Date.now() / 1000);
  const lines = divergenceLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  const m = new RegExp(`^dx-hooks: host "alpha" has newer WIP of "main": 2 commits this branch lacks, pushed (\\d+)s ago \\(${tip.slice(0, 12)} "alpha two"\\) — restore it: dx-hooks restore --host alpha --branch main$`).exec(lines[0] as string);
  assert.ok(m, lines[0]);
  const shownAge = Number(m[1]);
  await idle(b);
  // beta restores and merges it: nothing is missing any more, so no warning after the next refresh.
  const restore = await dx(b, ['restore', '--host', 'alpha', '--branch', 'main']);
  assert.equal(restore.code, 0, restore.stderr);
  await quiet(b, ['merge', '--ff-only', 'rescue/alpha/main']);
  assert.equal((await dx(b, ['sync'])).code, 0);
  assert.ok(!fs.existsSync(path.join(b.dir, '.git/dx/warn/main.msg')), 'the warning file is gone');
  assert.deepEqual(divergenceLines(await checkoutBack(b, 'main', 'x')), []);
  // Last, so the checks above still run: the age is the age when shown (the WIP is >= 3 s old by then).
  assert.ok(shownAge >= 3, `the warning said "pushed ${shownAge}s ago" at ${shownAt}, but the WIP was pushed at ~${pushedAt} (${shownAt - pushedAt}s before): the age was frozen when the warning was computed`);
});

test('(c) commits older than staleHours that exist only here warn on checkout (not on push); once the WIP push lands they do not; a fresh one never does', async (t) => {
  const { remote, hs } = await setup(t, ['alpha']);
  const [a] = hs as [Host];
  await rejectPushesTo(remote, ['refs/heads/wip/alpha/main', 'refs/heads/wip/alpha/fresh'], 'wip refused');
  // A fresh commit that cannot be backed up: no stale warning (the banner is another matter).
  await quiet(a, ['checkout', '-b', 'fresh']);
  await a.commit('fresh work', { 'f.txt': 'fresh\n' });
  assert.ok(!(await lsRemote(a.env, remote)).has('refs/heads/wip/alpha/fresh'), 'the remote refused the WIP push');
  let err = await checkoutBack(a, 'fresh', 'main');
  assert.match(err, /Switched to branch 'fresh'/);
  assert.doesNotMatch(err, STALE, 'a recent commit only here is not stale');
  // An old (48 h) commit on main, refused too.
  await quiet(a, ['checkout', 'main']);
  const old = await commitAgo(a, 'old work', { 'o.txt': 'old\n' }, 48 * HOUR);
  assert.ok(!(await lsRemote(a.env, remote)).has('refs/heads/wip/alpha/main'));
  err = await checkoutBack(a, 'main', 'fresh');
  assert.ok(
    err.includes('dx-hooks: 1 commit(s) on "main" older than 24h exist only on this host: not on origin, and no WIP backup of them landed - push them (git push) and see why the backup failed: dx-hooks status\n'),
    `post-checkout stderr:\n${err}`,
  );
  // A fresh commit on top: still 1 stale commit (the fresh one is not counted).
  await a.commit('fresh on top', { 'o.txt': 'newer\n' });
  err = await checkoutBack(a, 'main', 'fresh');
  assert.match(err, /dx-hooks: 1 commit\(s\) on "main" older than 24h exist only on this host/);
  // pre-push (it runs for a --dry-run too, which changes nothing) leaves the stale part out.
  const push = await a.git(['push', '--dry-run', 'origin', 'main:refs/heads/elsewhere']);
  assert.equal(push.code, 0);
  assert.match(push.stderr, /main -> elsewhere/);
  assert.doesNotMatch(push.stderr, STALE, `pre-push stderr:\n${push.stderr}`);
  const st = await dx(a, ['status', '--json', '--offline']);
  assert.equal(st.code, 1, 'status exits 1 while the stale commit is only here and its backup fails');
  // The remote accepts WIP again: status retries the pending push, it lands, and the warning is gone.
  fs.rmSync(path.join(remote, 'hooks', 'pre-receive'));
  const ok = await dx(a, ['status', '--json']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const refs = await lsRemote(a.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/main'), (await a.git(['rev-parse', 'main'])).out);
  assert.equal((await a.git(['rev-parse', 'refs/dx/pushed/alpha/main'])).out, refs.get('refs/heads/wip/alpha/main'), 'the landed push is recorded');
  assert.ok((await a.git(['merge-base', '--is-ancestor', old, 'refs/dx/pushed/alpha/main'], { allowFail: true })).code === 0);
  err = await checkoutBack(a, 'main', 'fresh');
  assert.doesNotMatch(err, STALE, `after the backup landed:\n${err}`);
  assert.ok(!fs.existsSync(path.join(a.dir, '.git/dx/banner')), 'no failure banner any more');
});

test('(c) a branch restored from another host\'s old WIP is on the remote (as that WIP ref): no stale warning, and status does not count it as only here', async (t) => {
  const { hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  const old = await commitAgo(a, 'alpha old work', { 'x.txt': 'x\n' }, 48 * HOUR);
  const r = await dx(b, ['restore', '--host', 'alpha', '--branch', 'main']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await b.git(['rev-parse', 'rescue/alpha/main'])).out, old);
  const err = (await quiet(b, ['checkout', 'rescue/alpha/main'])).stderr;
  assert.doesNotMatch(err, STALE, `checkout of the restored branch:\n${err}`);
  const st = await dx(b, ['status', '--json', '--offline']);
  const j = JSON.parse(st.stdout) as { localOnly: { count: number }; problems: { code: string }[] };
  assert.deepEqual([st.code, j.localOnly.count, j.problems.map((p) => p.code)], [0, 0, []], 'alpha\'s commit is on the remote as refs/heads/wip/alpha/main');
});

test('(c) divergence.staleHours from .dxrc sets the threshold and the text: 2 h → a 3 h old commit warns "older than 2h", a 1 h old one does not', async (t) => {
  const { remote, hs } = await setup(t, ['alpha'], { divergence: { staleHours: 2 } });
  const [a] = hs as [Host];
  assert.deepEqual(readHookStateFile(hookStateFile(a.dir)).divergence, { warn: true, staleSeconds: 7200, remote: 'origin' });
  await rejectPushesTo(remote, ['refs/heads/wip/alpha/main', 'refs/heads/wip/alpha/side']);
  await quiet(a, ['checkout', '-b', 'side']);
  await commitAgo(a, 'one hour old', { 's.txt': '1\n' }, 1 * HOUR);
  assert.doesNotMatch(await checkoutBack(a, 'side', 'main'), STALE);
  await commitAgo(a, 'three hours old', { 's.txt': '3\n' }, 3 * HOUR);
  const err = await checkoutBack(a, 'side', 'main');
  // rev-list --min-age counts by committer date: only the 3 h old commit is past the 2 h threshold.
  assert.match(err, /dx-hooks: 1 commit\(s\) on "side" older than 2h exist only on this host: not on origin/);
});

test('(c) a fractional staleHours is shown as it is set, not rounded down (1.5 h is not "older than 1h")', async (t) => {
  const { remote, hs } = await setup(t, ['alpha'], { divergence: { staleHours: 1.5 } });
  const [a] = hs as [Host];
  await rejectPushesTo(remote, ['refs/heads/wip/alpha/main']);
  await commitAgo(a, 'two hours old', { 'o.txt': '2\n' }, 2 * HOUR);
  const err = await checkoutBack(a, 'main');
  assert.match(err, STALE);
  assert.doesNotMatch(err, /older than 1h /, `the threshold is 1.5 h:\n${err}`);
});

/**
 * beta with all three warnings on main: diverged from origin/main (1 ahead, 1 behind), alpha's newer
 * WIP (2 commits), and a 48 h old commit only here (beta's WIP push is refused).
 */
async function allThree(t: TestContext): Promise<{ remote: string; a: Host; b: Host }> {
  const { remote, hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  await rejectPushesTo(remote, ['refs/heads/wip/beta/main']);
  await commitAgo(b, 'beta old work', { 'b.txt': 'b\n' }, 48 * HOUR);
  await a.commit('alpha pushed', { 'a.txt': '1\n' });
  await a.git(['push', '--quiet', 'origin', 'main']);
  await a.commit('alpha wip', { 'a.txt': '2\n' });
  // sync exits 1 here (beta's backup is failing), but it fetched and refreshed the warnings.
  const s = await dx(b, ['sync']);
  assert.match(s.stdout, /BACKUP_FAILED/, s.stdout + s.stderr);
  assert.ok(fs.existsSync(path.join(b.dir, '.git/dx/warn/main.msg')), 'sync wrote the newer-WIP warning');
  return { remote, a, b };
}

test('(d) all three at once on checkout; `divergence.warn: false` silences all three on checkout, merge and push', async (t) => {
  const { b } = await allThree(t);
  let err = await checkoutBack(b, 'main');
  assert.match(err, /dx-hooks: "main" and its upstream origin\/main have diverged: 1 ahead, 1 behind/);
  assert.match(err, /dx-hooks: host "alpha" has newer WIP of "main": 2 commits this branch lacks/);
  assert.match(err, /dx-hooks: 1 commit\(s\) on "main" older than 24h exist only on this host/);
  const rc = path.join(b.dir, '.dxrc.json');
  fs.writeFileSync(rc, JSON.stringify({ ...JSON.parse(fs.readFileSync(rc, 'utf8')), divergence: { warn: false } }, null, 2));
  await dx(b, ['sync']); // exits 1: the backup still fails
  assert.equal(readHookStateFile(hookStateFile(b.dir)).divergence.warn, false);
  err = await checkoutBack(b, 'main');
  assert.deepEqual(divergenceLines(err), [], `checkout with warn:false:\n${err}`);
  await quiet(b, ['checkout', 'scratch']);
  await b.commit('scratch work', { 's.txt': 's\n' });
  await quiet(b, ['checkout', 'main']);
  const merge = await b.git(['merge', '--no-ff', '-m', 'merge scratch', 'scratch']);
  assert.deepEqual(divergenceLines(merge.stderr), [], `merge with warn:false:\n${merge.stderr}`);
  const push = await b.git(['push', 'origin', 'main:refs/heads/review']);
  assert.equal(push.code, 0);
  assert.deepEqual(divergenceLines(push.stderr), [], `push with warn:false:\n${push.stderr}`);
});

test('(d) editing .dxrc to `divergence.warn: false` takes effect at once: on the very next checkout, and once `dx-hooks status` ran', async (t) => {
  const { hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  await b.commit('beta local', { 'b.txt': 'b\n' });
  await a.commit('alpha pushed', { 'a.txt': '1\n' });
  await a.git(['push', '--quiet', 'origin', 'main']);
  await b.git(['fetch', '--quiet']);
  assert.match(await checkoutBack(b, 'main'), DIVERGED);
  // The caches were written a minute ago; the user edits .dxrc now.
  const minuteAgo = new Date(Date.now() - 60_000);
  fs.utimesSync(hookStateFile(b.dir), minuteAgo, minuteAgo);
  const rc = path.join(b.dir, '.dxrc.json');
  fs.writeFileSync(rc, JSON.stringify({ ...JSON.parse(fs.readFileSync(rc, 'utf8')), divergence: { warn: false } }, null, 2));
  await t.test('the first checkout after the edit (the shim sees .dxrc is newer than its cache)', async () => {
    const err = await checkoutBack(b, 'main');
    assert.deepEqual(divergenceLines(err), [], `checkout right after editing .dxrc:\n${err}`);
  });
  await t.test('after `dx-hooks status` (which rewrites the hook state)', async () => {
    const st = await dx(b, ['status']);
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.equal(readHookStateFile(hookStateFile(b.dir)).divergence.warn, false, 'status rewrote the hook state');
    const err = await checkoutBack(b, 'main');
    assert.deepEqual(divergenceLines(err), [], `checkout after status:\n${err}`);
  });
});

test('pre-push warns for a diverged pushed branch and another host\'s newer WIP, and never blocks: git still rejects a non-fast-forward, a forced push still lands', async (t) => {
  const { remote, hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  await quiet(a, ['checkout', '-b', 'feature']);
  await a.commit('feature base', { 'f.txt': 'base\n' });
  await a.git(['push', '--quiet', '-u', 'origin', 'feature']);
  await b.git(['fetch', '--quiet']);
  await quiet(b, ['checkout', 'feature']);
  const mine = await commitAgo(b, 'beta on feature', { 'g.txt': 'beta\n' }, HOUR);
  await a.commit('alpha pushed', { 'f.txt': 'alpha\n' });
  await a.git(['push', '--quiet', 'origin', 'feature']);
  const theirs = (await a.git(['rev-parse', 'HEAD'])).out;
  await a.commit('alpha wip', { 'f.txt': 'alpha wip\n' });
  assert.equal((await dx(b, ['sync'])).code, 0); // fetch: 1 ahead, 1 behind; alpha's WIP holds 2 commits beta lacks
  // A plain push: git itself rejects the non-fast-forward; the hook neither blocks nor hides it.
  const plain = await b.git(['push', 'origin', 'feature'], { allowFail: true });
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /\[rejected\]\s+feature -> feature \(non-fast-forward\)/);
  assert.equal((await lsRemote(b.env, remote)).get('refs/heads/feature'), theirs);
  // Pushing the branch elsewhere: the warnings, and the push lands.
  const review = await b.git(['push', 'origin', 'feature:refs/heads/review']);
  assert.equal(review.code, 0);
  assert.ok(review.stderr.includes('dx-hooks: "feature" and its upstream origin/feature have diverged: 1 ahead, 1 behind (as of the last fetch) - integrate before you push: git pull --rebase\n'), review.stderr);
  assert.match(review.stderr, /dx-hooks: host "alpha" has newer WIP of "feature": 2 commits this branch lacks, pushed \d+s ago \([0-9a-f]{12} "alpha wip"\) — restore it: dx-hooks restore --host alpha --branch feature/);
  assert.ok(review.stderr.indexOf('have diverged') < review.stderr.indexOf('-> review'), 'the warning comes before git reports the push');
  assert.equal((await lsRemote(b.env, remote)).get('refs/heads/review'), mine);
  // A forced push of the diverged branch: warned, not blocked.
  const forced = await b.git(['push', '--force', 'origin', 'feature']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /dx-hooks: "feature" and its upstream origin\/feature have diverged: 1 ahead, 1 behind/);
  assert.match(forced.stderr, /\(forced update\)/);
  assert.equal((await lsRemote(b.env, remote)).get('refs/heads/feature'), mine);
});
