// Attack suite, class 9 of issue 10: the audit trail and the retries are never lost. A torn ledger
// line never swallows the next record and never makes `undo` reverse the wrong operation; two
// deletions of one branch are two records; a commit whose mirror could not be queued is retried.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, waitFor, type Host } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

interface Ev { id: string; op: string; ok: boolean; host: string; refs?: Record<string, { old: string | null; new: string | null }>; detail?: Record<string, unknown> }

const ledgerFile = (h: Host) => path.join(h.dir, '.git/dx/events.jsonl');
/** Every parsable ledger line, and the unparsable ones. */
function ledger(h: Host): { events: Ev[]; bad: string[] } {
  const events: Ev[] = [];
  const bad: string[] = [];
  for (const l of fs.readFileSync(ledgerFile(h), 'utf8').split('\n')) {
    if (!l.trim()) continue;
    try {
      events.push(JSON.parse(l) as Ev);
    } catch {
      bad.push(l);
    }
  }
  return { events, bad };
}
const deletions = (h: Host, branch: string) => ledger(h).events.filter((e) => e.op === 'ref.delete' && e.refs?.[`refs/heads/${branch}`]);
const branchSha = async (h: Host, b: string) => {
  const r = await h.git(['rev-parse', '-q', '--verify', `refs/heads/${b}`], { allowFail: true });
  return r.code === 0 ? r.out : null;
};

async function setup(t: Parameters<typeof idleSandbox>[0], name: string, opts: { push?: string } = {}) {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb, `${name}.git`);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, name);
  hosts.push(h);
  h.env.DX_WIP_PUSH = opts.push ?? 'off';
  await installHooks(h);
  return { sb, remote, h, hosts };
}

test('a torn last ledger line does not swallow the next record, and undo reverses that record', async (t) => {
  const { h } = await setup(t, 'torn');
  const main = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.git(['branch', 'feature']);
  // A writer killed mid-line: half a record, no newline.
  fs.appendFileSync(ledgerFile(h), '{"id":"1700000000-dead00","ts":1700000000,"host":"torn","op":"ref.del');
  assert.equal((await h.git(['branch', '-D', 'feature'])).code, 0);
  const { events, bad } = ledger(h);
  assert.equal(bad.length, 1, 'the torn line stays alone on its line');
  assert.match(bad[0] as string, /"op":"ref\.del$/);
  assert.equal(events.filter((e) => e.op === 'ref.delete' && e.refs?.['refs/heads/feature']).length, 1, 'the deletion record is whole');
  const log = await dx(h, ['log', '--json']);
  assert.equal(JSON.parse(log.stdout).invalid, 1, 'dx-hooks log reports the torn line');
  const u = await dx(h, ['undo', '--json']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(await branchSha(h, 'feature'), main, 'undo put back the deleted branch');
});

test('undo refuses to guess: a torn line newer than every readable event, an ambiguous id prefix, another host\'s record', async (t) => {
  const { h } = await setup(t, 'guess');
  const main = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.git(['branch', 'a']);
  await h.git(['branch', 'b']);
  await h.git(['branch', '-D', 'a']);
  // Torn record AFTER the deletion: it may be the newest operation; undo must not reverse the older one silently.
  fs.appendFileSync(ledgerFile(h), '{"id":"9999999999-beef00","ts":9999999999,"host":"guess","op":"ref.rewind","ok":tr');
  const r = await dx(h, ['undo']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unreadable line/);
  assert.equal(await branchSha(h, 'a'), null, 'nothing was undone');
  // The append after the torn line starts on a fresh line.
  await h.git(['branch', '-D', 'b']);
  assert.equal(deletions(h, 'b').length, 1);
  // An id prefix that names two events.
  const ids = [...deletions(h, 'a'), ...deletions(h, 'b')].map((e) => e.id);
  const common = ids[0]?.slice(0, 1) ?? '';
  assert.ok(ids.every((id) => id.startsWith(common)));
  const amb = await dx(h, ['undo', common]);
  assert.equal(amb.code, 1);
  assert.match(amb.stderr, /names \d+ events/);
  assert.equal(await branchSha(h, 'a'), null);
  assert.equal(await branchSha(h, 'b'), null);
  // The exact id works.
  assert.equal((await dx(h, ['undo', ids[1] as string])).code, 0);
  assert.equal(await branchSha(h, 'b'), main);
  // A record written by another host (DX_HOST changed, or a shared git dir).
  await h.git(['branch', 'c']);
  await git(h.dir, { ...h.env, DX_HOST: 'intruder' }, ['branch', '-D', 'c']);
  const other = deletions(h, 'c')[0] as Ev;
  assert.equal(other.host, 'intruder');
  const o = await dx(h, ['undo', other.id]);
  assert.equal(o.code, 1);
  assert.match(o.stderr, /recorded by host "intruder"/);
  assert.equal(await branchSha(h, 'c'), null, 'another host\'s record is not reversed');
  assert.equal((await dx(h, ['undo', other.id, '--force'])).code, 0, '--force takes responsibility');
  assert.equal(await branchSha(h, 'c'), main);
});

test('two deletions of the same branch within a second are two records, each undoable; one deletion is one record', async (t) => {
  const { h } = await setup(t, 'twice');
  const main = (await h.git(['rev-parse', 'HEAD'])).out;
  // One deletion of a loose ref and one of a packed ref: git 2.39 fires the hook twice for each; one record each.
  await h.git(['branch', 'once']);
  await h.git(['branch', '-D', 'once']);
  assert.equal(deletions(h, 'once').length, 1, 'one deletion of a loose ref = one record');
  // A packed ref (written into packed-refs the way a clone or gc leaves it; pack-refs itself is another class's test).
  const packed = path.join(h.dir, '.git/packed-refs');
  const body = fs.readFileSync(packed, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  fs.writeFileSync(packed, '# pack-refs with: peeled fully-peeled \n' + [...body, `${main} refs/heads/packed`].join('\n') + '\n');
  assert.equal(await branchSha(h, 'packed'), main);
  await h.git(['branch', '-D', 'packed']);
  assert.equal(deletions(h, 'packed').length, 1, 'one deletion of a packed ref = one record');

  await h.git(['branch', 'x']);
  const t0 = Date.now();
  await h.git(['branch', '-D', 'x']);
  await h.git(['branch', 'x', main]);
  await h.git(['branch', '-D', 'x']);
  assert.ok(Date.now() - t0 < 10_000);
  const recs = deletions(h, 'x');
  assert.equal(recs.length, 2, 'two deletions = two records');
  const [first, second] = recs as [Ev, Ev];
  assert.notEqual(first.id, second.id);
  assert.equal((await dx(h, ['undo', second.id])).code, 0);
  assert.equal(await branchSha(h, 'x'), main);
  await h.git(['branch', '-D', 'x']);
  assert.equal(deletions(h, 'x').length, 3);
  const u = await dx(h, ['undo', first.id]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(await branchSha(h, 'x'), main, 'the first deletion is undoable on its own');
  await idle(h);
});

test('a commit made while .git/dx cannot be written is shown by status and doctor, then retried by the next command', async (t) => {
  const { h, remote, sb } = await setup(t, 'nodx', { push: 'sync' });
  const first = await h.commit('backed up', { 'a.txt': '1\n' });
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/nodx/main'), first, 'happy path: the commit is mirrored');
  // The dx dir cannot take the queue line nor start a worker (as root permissions do not stop writes,
  // the files the hook writes are made directories: the same failed open(2) a read-only dir gives).
  const dxDir = path.join(h.dir, '.git/dx');
  h.env.DX_WIP_PUSH = 'background';
  for (const f of ['queue', 'worker.log']) fs.mkdirSync(path.join(dxDir, f, 'blocked'), { recursive: true });
  await h.write('a.txt', '2\n');
  await h.git(['add', '-A']);
  const c = await h.git(['commit', '-m', 'made while .git/dx is broken']);
  assert.equal(c.code, 0, 'the commit itself is never lost');
  assert.match(c.stderr, /could not queue refs\/heads\/main for backup/);
  const second = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/nodx/main'), first, 'not mirrored yet');
  // status (offline: no retry) and doctor say so.
  const st = JSON.parse((await dx(h, ['status', '--json', '--offline'])).stdout) as { unmirrored: { sha: string } | null };
  assert.equal(st.unmirrored?.sha, second);
  const doc = await dx(h, ['doctor', '--json']);
  const diags = JSON.parse(doc.stdout) as { diagnostics?: { code: string; message: string }[] } | { code: string; message: string }[];
  const list = Array.isArray(diags) ? diags : (diags.diagnostics ?? []);
  assert.ok(list.some((d) => d.code === 'WIP_PENDING' && d.message.includes(second.slice(0, 12))), `doctor names the commit:\n${doc.stdout}`);
  // The disk is fixed; the next command retries, and the WIP ref on the remote gets the commit.
  for (const f of ['queue', 'worker.log']) fs.rmSync(path.join(dxDir, f), { recursive: true });
  const again = await dx(h, ['status']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/nodx/main'), second, 'the retry mirrored it');
  assert.ok(ledger(h).events.some((e) => e.op === 'wip.unmirrored' && e.refs?.['refs/heads/wip/nodx/main']?.new === second), 'the retry is in the ledger');
  const later = JSON.parse((await dx(h, ['status', '--json', '--offline'])).stdout) as { unmirrored: unknown };
  assert.equal(later.unmirrored, null);
});

test('a queue path that is a directory does not stop the worker: the next commit\'s hook mirrors', async (t) => {
  const { h, remote, sb } = await setup(t, 'qdir', { push: 'background' });
  fs.mkdirSync(path.join(h.dir, '.git/dx/queue/blocked'), { recursive: true });
  const sha = await h.commit('queue is broken', { 'q.txt': 'q\n' });
  // The worker (started by the same hook) cannot read the queue, notices HEAD on no remote, and mirrors it.
  await waitFor(async () => (await lsRemote(sb.env, remote)).get('refs/heads/wip/qdir/main') === sha, { what: 'the WIP ref to get the commit' });
  await idle(h);
  assert.ok(ledger(h).events.some((e) => e.op === 'queue.unreadable' && !e.ok), 'the broken queue is logged');
});
