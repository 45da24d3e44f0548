// Issue 11: a German-speaking git. dx-hooks matches git's words in a few places (a lost push race,
// "stale info"); the one runner pins LC_ALL=C, so a user whose git speaks German still gets WIP refs
// and an index branch, also when two hosts race for the index. Needs the de_DE.UTF-8 locale (.ci/run makes it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, waitFor, withSandbox, type Host } from '../helpers/index.ts';

const hasGerman = (() => {
  try {
    return /^de_DE\.utf-?8$/im.test(execFileSync('locale', ['-a'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

test('git in German: both hosts\' commits reach their WIP refs and the index branch, racing for it', { skip: hasGerman ? false : 'the de_DE.UTF-8 locale is not generated here (.ci/run generates it)' }, async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const hosts: Host[] = [];
  for (const name of ['berlin', 'bonn']) {
    const h = await cloneAs(sb, remote, name);
    Object.assign(h.env, { LC_ALL: 'de_DE.UTF-8', LANG: 'de_DE.UTF-8', LANGUAGE: 'de', DX_WIP_PUSH: 'sync' });
    const r = await dx(h, ['install']);
    assert.equal(r.code, 0, r.stderr);
    hosts.push(h);
  }
  const [a, b] = hosts as [Host, Host];
  // git itself speaks German here (else the test would prove nothing).
  const plain = await git(a.dir, a.env, ['rev-parse', '--verify', 'no-such-ref'], { allowFail: true });
  assert.match(plain.stderr, /Schwerwiegend|Benötige/);
  const [sa, sb2] = await Promise.all([a.commit('Arbeit in Berlin', { 'berlin.txt': 'a\n' }), b.commit('Arbeit in Bonn', { 'bonn.txt': 'b\n' })]);
  await waitFor(async () => {
    const refs = await lsRemote(a.env, remote);
    if (refs.get('refs/heads/wip/berlin/main') !== sa || refs.get('refs/heads/wip/bonn/main') !== sb2) return false;
    const idx = refs.get('refs/heads/dx/index');
    if (!idx) return false;
    await git(a.dir, a.env, ['fetch', '-q', 'origin', 'dx/index']);
    const doc = JSON.parse((await git(a.dir, a.env, ['cat-file', 'blob', `${idx}:.dx/wip-index.json`])).out) as { entries: Record<string, { sha: string }> };
    return doc.entries['berlin/main']?.sha === sa && doc.entries['bonn/main']?.sha === sb2;
  }, { what: 'both WIP refs and both index entries on the remote', timeoutMs: 40_000 });
});
