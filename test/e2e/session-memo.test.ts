// Issue 13 point 2, the save's cost: a CLI save after a CLI save reads nothing back from git — the previous
// save is kept in `.git/dx/session-memo/` — and that copy is trusted only as far as it proves itself. A memo
// whose chunk text does not hash to its blob, or that names another commit, is ignored; a corrupt one is said
// in the ledger; a link in its place is replaced, never written through. Every save still restores exactly.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, initRepo, withSandbox, type Host } from '../helpers/index.ts';

const state = { messages: [], agent_contexts: {}, task_progress: {}, current_task: 'x' };

test('the disk memo: a second CLI save starts no cat-file; a forged, stale, corrupt or linked memo is not believed and nothing is lost', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'vm1');
  await h.commit('base', { 'a.txt': 'a\n' });
  const file = path.join(sb.root, 'state.json');
  fs.writeFileSync(file, JSON.stringify(state));
  const transcript = path.join(sb.root, 't.jsonl');
  fs.writeFileSync(transcript, '{"n":0}\n{"n":1}\n');
  const memoDir = path.join(h.dir, '.git/dx/session-memo');
  let n = 2;
  /** Append one line to the transcript and save it; the git commands the save ran (DX_DEBUG traces them). */
  const save = async (hh: Host = h): Promise<string[]> => {
    fs.appendFileSync(transcript, `{"n":${n++}}\n`);
    const r = await dx(hh, ['session', 'save', 's1', '--agent', 'codex', '--file', file, '--transcript', transcript, '--json'], { env: { DX_DEBUG: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { rewrote: boolean; appended: { transcriptBytes: number } };
    assert.equal(j.rewrote, false, 'an append');
    assert.ok(j.appended.transcriptBytes > 0);
    return [...r.stderr.matchAll(/^dx-hooks: git "([a-z-]+)"/gm)].map((m) => m[1]!);
  };
  const restored = async () => {
    const out = path.join(sb.root, `back-${n}.jsonl`);
    const r = await dx(h, ['session', 'restore', 's1', '--out', path.join(sb.root, `state-${n}.json`), '--transcript-out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(transcript, 'utf8'), 'the transcript comes back byte for byte');
  };
  const first = await dx(h, ['session', 'save', 's1', '--agent', 'codex', '--file', file, '--transcript', transcript]);
  assert.equal(first.code, 0, first.stderr);
  const [memo] = fs.readdirSync(memoDir);
  assert.ok(memo, 'the save left a memo');
  const memoFile = path.join(memoDir, memo);

  // The memo holds the previous save: no cat-file, one fast-import.
  const plain = await save();
  assert.ok(!plain.includes('cat-file'), `a save after a save read from git: ${plain.join(' ')}`);
  assert.ok(plain.includes('fast-import'));
  await restored();

  // A forged chunk text (its blob id kept): it does not hash to that id, so git is asked.
  const m = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as { commit: string; tails: Array<[string, string]> };
  m.tails = m.tails.map(([blob]) => [blob, '{"forged":true}\n']);
  fs.writeFileSync(memoFile, JSON.stringify(m));
  assert.ok((await save()).includes('cat-file'), 'a forged memo was believed');
  await restored();

  // A memo of an earlier save (the ref has moved on since): not used.
  const older = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as { commit: string };
  await save();
  fs.writeFileSync(memoFile, JSON.stringify(older));
  assert.ok((await save()).includes('cat-file'), 'a stale memo was believed');
  await restored();

  // Not JSON: asked of git, and said in the ledger.
  fs.writeFileSync(memoFile, 'not json{');
  assert.ok((await save()).includes('cat-file'));
  const ledger = fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; detail?: { file?: string } });
  assert.ok(ledger.some((e) => e.op === 'cache.corrupt' && !e.ok && e.detail?.file === memoFile), 'the corrupt memo is in the ledger');
  await restored();

  // A link in the memo's place: replaced by a file, the file it pointed at untouched.
  const victim = path.join(sb.root, 'victim.txt');
  fs.writeFileSync(victim, 'keep\n');
  fs.rmSync(memoFile);
  fs.symlinkSync(victim, memoFile);
  await save();
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep\n', 'written through a link');
  assert.ok(fs.lstatSync(memoFile).isFile());
  await restored();
});
