// `dx-hooks diagnose` against real repositories built to produce each verdict: a file added then
// deleted in commits (never NEVER_EXISTED, whatever --since says), rm'd and chmod'ed files, a commit
// dropping +x, a file only on another host's WIP ref, a checkpoint restore that removed a file, a
// made-up name; each printed fix is run (split into argv, never through a shell) and must bring the
// file back. Bad input exits 2 and writes nothing; the forensics report covers its window only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxJson, git, initRepo, run, seedRemote, withSandbox, type Host } from '../helpers/index.ts';
import { diffTrees, modeOf, snapshotTree } from './_e2e.ts';

interface DiagPath {
  path: string;
  shown: string;
  state: { present: boolean; kind: string | null; executable: boolean | null; tracked: boolean; headMode: string | null; indexMode: string | null };
  history: { sha: string; status: string; ref: string; committed: number }[];
  events: ({ source: 'ledger'; id: string; op: string; how: string[] } | { source: 'telemetry'; event: string; path?: string })[];
  hidden: { history: number; events: number };
  verdict: { code: string; sha?: string; ref?: string; id?: string; uncommitted?: boolean; detail: string };
  fix: string | null;
}
interface DiagJson { repo: string; paths: DiagPath[]; invalid: { ledger: number; telemetry: number }; warnings: string[] }

const now = () => Math.floor(Date.now() / 1000);
const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');

/** `diagnose … --json` in `cwd` (default the host's top): exit code and the parsed document. */
async function diag(h: Host, args: string[], cwd = h.dir): Promise<{ code: number; json: DiagJson; stderr: string }> {
  const r = await dx({ dir: cwd, env: h.env }, ['diagnose', ...args, '--json']);
  assert.ok(r.code === 0 || r.code === 1, `diagnose exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return { code: r.code, json: JSON.parse(r.stdout) as DiagJson, stderr: r.stderr };
}

/** Split a printed fix (`cmd args && cmd args`, POSIX single quotes) into argv lists — the shapes diagnose prints. */
function splitFix(fix: string): string[][] {
  const cmds: string[][] = [[]];
  let word: string | null = null;
  for (let i = 0; i < fix.length; i++) {
    const ch = fix[i] as string;
    if (ch === "'") {
      const end = fix.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated quote in ${fix}`);
      word = (word ?? '') + fix.slice(i + 1, end);
      i = end;
    } else if (ch === '\\') word = (word ?? '') + (fix[++i] ?? '');
    else if (ch === ' ') {
      if (word === '&&') cmds.push([]);
      else if (word !== null) cmds[cmds.length - 1]!.push(word);
      word = null;
    } else word = (word ?? '') + ch;
  }
  if (word !== null) cmds[cmds.length - 1]!.push(word);
  return cmds;
}

/** Run every command of a fix in `cwd` (git and chmod only: anything else fails the test). */
async function runFix(h: Host, fix: string | null, cwd = h.dir): Promise<void> {
  assert.ok(fix, 'a fix was expected');
  for (const [cmd, ...args] of splitFix(fix)) {
    assert.ok(cmd === 'git' || cmd === 'chmod', `unexpected command in fix: ${fix}`);
    const r = await run(cmd, args, { cwd, env: h.env });
    assert.equal(r.code, 0, `${fix} failed: ${r.stderr}`);
  }
}

const byPath = (j: DiagJson) => new Map(j.paths.map((p) => [p.path, p]));

test('local verdicts: DELETED_IN_COMMIT of a file and a folder (never NEVER_EXISTED, whatever --since), DELETED_UNCOMMITTED, LOST_EXEC_BIT both ways, NEVER_EXISTED, OK; every fix brings the file back', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'alpha');
  const days3 = now() - 3 * 86_400;
  const at = (ts: number) => ({ ...h.env, GIT_AUTHOR_DATE: `@${ts} +0000`, GIT_COMMITTER_DATE: `@${ts} +0000` });
  const quoted = "dir with space/it's here.txt";
  for (const [rel, text] of Object.entries({ 'README.md': 'seed\n', 'gone.txt': 'it worked\n', 'olddir/a.txt': 'a\n', 'olddir/b.txt': 'b\n', 'keep/rmme.txt': 'tracked\n', 'tool.sh': '#!/bin/sh\necho tool\n', 'drop.sh': '#!/bin/sh\necho drop\n', [quoted]: 'quoted\n' })) await h.write(rel, text);
  fs.chmodSync(path.join(h.dir, 'tool.sh'), 0o755);
  fs.chmodSync(path.join(h.dir, 'drop.sh'), 0o755);
  await h.git(['add', '-A']);
  await git(h.dir, at(days3), ['commit', '-q', '-m', 'A: add the files']);
  const shaA = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.git(['rm', '-q', '-r', 'gone.txt', 'olddir']);
  await git(h.dir, at(days3 + 60), ['commit', '-q', '-m', 'B: remove gone.txt']);
  const shaB = (await h.git(['rev-parse', 'HEAD'])).out;
  fs.chmodSync(path.join(h.dir, 'drop.sh'), 0o644);
  const shaC = await h.commit('C: drop the exec bit of drop.sh');
  fs.rmSync(path.join(h.dir, 'keep', 'rmme.txt'));
  fs.chmodSync(path.join(h.dir, 'tool.sh'), 0o644);
  fs.rmSync(path.join(h.dir, quoted));

  // From a subfolder: paths are relative to the cwd, and so are the printed fixes.
  const sub = path.join(h.dir, 'keep');
  const names = ['../gone.txt', '../olddir', 'rmme.txt', '../tool.sh', '../drop.sh', `../${quoted}`, '../made-up-name.txt', '../README.md'];
  const first = await diag(h, names, sub);
  assert.equal(first.code, 1);
  const v = byPath(first.json);
  const gone = v.get('gone.txt')!;
  assert.deepEqual([gone.verdict.code, gone.verdict.sha], ['DELETED_IN_COMMIT', shaB]);
  assert.deepEqual(gone.history.map((e) => [e.status, e.sha]), [['D', shaB], ['A', shaA]]);
  assert.match(gone.verdict.detail, /B: remove gone\.txt/);
  assert.equal(gone.fix, `git checkout ${shaB}^ -- ../gone.txt`);
  assert.deepEqual([v.get('olddir')!.verdict.code, v.get('olddir')!.verdict.sha, v.get('olddir')!.fix], ['DELETED_IN_COMMIT', shaB, `git checkout ${shaB}^ -- ../olddir`]);
  assert.deepEqual([v.get('keep/rmme.txt')!.verdict.code, v.get('keep/rmme.txt')!.fix], ['DELETED_UNCOMMITTED', 'git checkout HEAD -- rmme.txt']);
  assert.deepEqual([v.get('tool.sh')!.verdict.code, v.get('tool.sh')!.verdict.uncommitted, v.get('tool.sh')!.fix], ['LOST_EXEC_BIT', true, 'chmod +x ../tool.sh']);
  assert.deepEqual([v.get('drop.sh')!.verdict.code, v.get('drop.sh')!.verdict.sha, v.get('drop.sh')!.fix], ['LOST_EXEC_BIT', shaC, 'chmod +x ../drop.sh && git add -- ../drop.sh']);
  assert.deepEqual([v.get(quoted)!.verdict.code, v.get(quoted)!.fix], ['DELETED_UNCOMMITTED', `git checkout HEAD -- '../dir with space/it'\\''s here.txt'`]);
  assert.deepEqual([v.get('made-up-name.txt')!.verdict.code, v.get('made-up-name.txt')!.fix, v.get('made-up-name.txt')!.history.length], ['NEVER_EXISTED', null, 0]);
  assert.equal(v.get('README.md')!.verdict.code, 'OK');

  // --since narrows the listing, never the verdict: both commits are 3 days old.
  const since = await diag(h, ['gone.txt', '--since', '24h']);
  assert.deepEqual([since.json.paths[0]!.verdict.code, since.json.paths[0]!.verdict.sha, since.json.paths[0]!.history.length, since.json.paths[0]!.hidden.history], ['DELETED_IN_COMMIT', shaB, 0, 2]);
  const text = await dx(h, ['diagnose', 'gone.txt', '--since', '24h']);
  assert.equal(text.code, 1);
  assert.ok(text.stdout.includes(`verdict: DELETED_IN_COMMIT ${shaB}`), text.stdout);
  assert.ok(text.stdout.includes(`fix:     git checkout ${shaB}^ -- gone.txt`), text.stdout);
  assert.match(text.stdout, /2 more outside the --since\/--until window/);
  assert.doesNotMatch(text.stdout, /NEVER_EXISTED/);
  const window = await diag(h, ['gone.txt', '--since', '4d', '--until', '2d']);
  assert.equal(window.json.paths[0]!.history.length, 2);
  // README alone is healthy: exit 0.
  assert.equal((await dx(h, ['diagnose', 'README.md'])).code, 0);

  // Every fix, run as printed (from the subfolder), brings the file back.
  for (const p of first.json.paths.filter((x) => x.fix)) await runFix(h, p.fix, sub);
  assert.equal(read(h.dir, 'gone.txt'), 'it worked\n');
  assert.equal(read(h.dir, 'keep/rmme.txt'), 'tracked\n');
  assert.deepEqual([read(h.dir, 'olddir/a.txt'), read(h.dir, 'olddir/b.txt')], ['a\n', 'b\n']);
  assert.equal(read(h.dir, quoted), 'quoted\n');
  assert.equal(await modeOf(path.join(h.dir, 'tool.sh')), 0o755);
  assert.equal(await modeOf(path.join(h.dir, 'drop.sh')), 0o755);
  assert.match((await h.git(['ls-files', '-s', 'drop.sh'])).out, /^100755 /);
  const after = await diag(h, names.filter((n) => !n.includes('made-up')), sub);
  assert.equal(after.code, 0, JSON.stringify(after.json.paths.map((p) => [p.path, p.verdict])));
});

test('ONLY_ON_OTHER_REF: a file only on another host\'s WIP ref (pushed by its checkpoint, fetched here); the fix brings it over', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const here = await cloneAs(sb, remote, 'alpha');
  const other = await cloneAs(sb, remote, 'other');
  await other.commit('work only on host other', { 'notes/plan.md': 'the plan\n' });
  const cp = await dx(other, ['checkpoint']);
  assert.equal(cp.code, 0, cp.stderr);
  await here.git(['fetch', '-q', 'origin']);
  const ref = 'refs/remotes/origin/wip/other/main';
  assert.ok((await here.git(['rev-parse', '-q', '--verify', ref])).out);

  const { code, json } = await diag(here, ['notes/plan.md']);
  assert.equal(code, 1);
  const p = json.paths[0]!;
  assert.deepEqual([p.verdict.code, p.verdict.ref, p.fix], ['ONLY_ON_OTHER_REF', ref, `git checkout ${ref} -- notes/plan.md`]);
  assert.equal(p.history[0]?.status, 'A');
  await runFix(here, p.fix);
  assert.equal(read(here.dir, 'notes/plan.md'), 'the plan\n');
});

test('REMOVED_BY_DX: a checkpoint restore back to a checkpoint that lacked the file; guard telemetry with a torn last line is still read', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'alpha');
  assert.equal((await dx(h, ['checkpoint', 'create', 'clean'])).code, 0);
  await h.write('tools/run.sh', '#!/bin/sh\necho deploy\n');
  fs.chmodSync(path.join(h.dir, 'tools', 'run.sh'), 0o755);
  const added = await h.commit('add the deploy script');
  const restored = await dxJson<{ id: string; snapshot: string }>(h, ['checkpoint', 'restore', 'clean']);
  assert.equal(fs.existsSync(path.join(h.dir, 'tools', 'run.sh')), false);
  const telemetry = path.join(h.dir, '.git', 'dx', 'telemetry.jsonl');
  const line = { ts: now(), host: 'alpha', event: 'critical_missing', path: 'tools/run.sh', entry: 'tools/run.sh', commit: null, operation: `checkpoint.restore ${restored.id}` };
  fs.writeFileSync(telemetry, JSON.stringify(line) + '\n{"ts": 17000, "host": "al');

  const { code, json } = await diag(h, ['tools/run.sh']);
  assert.equal(code, 1);
  const p = json.paths[0]!;
  assert.deepEqual([p.verdict.code, p.verdict.id, p.fix], ['REMOVED_BY_DX', restored.id, `git checkout ${restored.snapshot} -- tools/run.sh`]);
  assert.match(p.verdict.detail, new RegExp(`dx-hooks undo ${restored.id}`));
  assert.ok(p.history.some((e) => e.sha === added && e.status === 'A'), 'the commit that added it is listed (reached from an undo ref)');
  const ledger = p.events.find((e) => e.source === 'ledger');
  assert.deepEqual(ledger && ledger.source === 'ledger' ? [ledger.op, ledger.id, ledger.how.includes('removed')] : null, ['checkpoint.restore', restored.id, true]);
  assert.ok(p.events.some((e) => e.source === 'telemetry' && e.event === 'critical_missing'));
  assert.equal(json.invalid.telemetry, 1);
  // An older ledger line without detail.removed: found from its snapshot (has it) and target (lacks it).
  const ledgerFile = path.join(h.dir, '.git', 'dx', 'events.jsonl');
  const lines = fs.readFileSync(ledgerFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; detail?: Record<string, unknown> });
  const line0 = lines.find((l) => l.id === restored.id)!;
  assert.ok(Array.isArray(line0.detail?.removed));
  delete line0.detail!.removed;
  fs.writeFileSync(ledgerFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const older = (await diag(h, ['tools/run.sh'])).json.paths[0]!;
  assert.deepEqual([older.verdict.code, older.verdict.id, older.fix], ['REMOVED_BY_DX', restored.id, p.fix]);
  await runFix(h, p.fix);
  assert.equal(read(h.dir, 'tools/run.sh'), '#!/bin/sh\necho deploy\n');
  assert.equal(await modeOf(path.join(h.dir, 'tools', 'run.sh')), 0o755);
});

test('bad input exits 2 and writes nothing: a path outside the repository, bad times, no path', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.commit('seed', { 'README.md': 'seed\n' });
  const before = await snapshotTree(sb.root);
  for (const args of [['../../etc/passwd'], ['/etc/passwd'], ['.git/config'], ['README.md', '--since', 'yesterday-ish'], ['--report', 'r.json', '--until', '2025-02-30'], [], ['README.md', '--force']]) {
    const r = await dx(h, ['diagnose', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /✖/);
    if (args[0]?.includes('passwd')) assert.ok(r.stderr.includes(`${args[0]} is outside the repository`), r.stderr);
  }
  assert.deepEqual(diffTrees(before, await snapshotTree(sb.root)), []);
});

test('forensics report: the window\'s changes to protected and critical paths, commits and dx-hooks operations, guard events; never overwritten without --force', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'alpha');
  const old = now() - 10 * 86_400;
  const at = { ...h.env, GIT_AUTHOR_DATE: `@${old} +0000`, GIT_COMMITTER_DATE: `@${old} +0000` };
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['deploy/**'] }, guard: { critical: [{ path: 'tools/run.sh', executable: true }] } }));
  await h.write('deploy/old.sh', 'old\n');
  await h.write('tools/run.sh', 'v1\n');
  await h.git(['add', '-A']);
  await git(h.dir, at, ['commit', '-q', '-m', 'ten days ago']);
  const recent = await h.commit('recent', { 'deploy/new.sh': 'new\n', 'tools/run.sh': 'v2\n', 'unrelated.txt': 'x\n' });
  const rolled = await dxJson<{ id: string }>(h, ['rollback', '1', '--force']);
  fs.rmSync(path.join(h.dir, 'tools', 'run.sh'));
  assert.equal((await dx(h, ['guard'])).code, 1);

  const file = path.join(sb.root, 'out', 'forensics.json');
  const r = await dx(h, ['diagnose', '--report', file, '--since', '7d']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 path\(s\) changed · 1 commit\(s\) · 1 dx-hooks operation\(s\) · 1 guard event\(s\)/);
  const rep = JSON.parse(fs.readFileSync(file, 'utf8')) as { schema_version: number; repo: string; window: { since: number; until: number | null }; paths: { path: string; protected: boolean; critical: boolean; changes: { kind: string; sha?: string; status?: string; id?: string; op?: string }[]; guard: { event: string }[] }[] };
  assert.equal(rep.schema_version, 1);
  assert.equal(rep.repo, fs.realpathSync(h.dir));
  const got = new Map(rep.paths.map((p) => [p.path, p]));
  assert.deepEqual([...got.keys()].sort(), ['deploy/new.sh', 'tools/run.sh']);
  // The rolled-back commit is still found (kept by the undo ref), and the rollback is there as a dx-hooks operation.
  assert.deepEqual(got.get('deploy/new.sh')!.changes.map((c) => (c.kind === 'commit' ? [c.sha, c.status] : [c.op, c.id])).sort(), [[recent, 'A'], ['rollback', rolled.id]].sort());
  assert.deepEqual([got.get('tools/run.sh')!.critical, got.get('tools/run.sh')!.guard.map((g) => g.event)], [true, ['critical_missing']]);

  // The file exists: refused without --force (and left as it was), replaced with it.
  const kept = fs.readFileSync(file, 'utf8');
  const again = await dx(h, ['diagnose', '--report', file, '--since', '30d']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  assert.equal(fs.readFileSync(file, 'utf8'), kept);
  assert.equal((await dx(h, ['diagnose', '--report', file, '--since', '30d', '--until', '5d', '--force'])).code, 0);
  const older = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof rep;
  assert.deepEqual(older.paths.map((p) => p.path).sort(), ['deploy/old.sh', 'tools/run.sh']);

  // Nothing configured: says so, and still writes a valid, empty report.
  const bare = await initRepo(sb, 'bare');
  await bare.commit('seed', { 'a.txt': 'a\n' });
  const empty = await dx(bare, ['diagnose', '--report', 'empty.json']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /no protect\.paths and no guard\.critical/);
  const e = JSON.parse(fs.readFileSync(path.join(bare.dir, 'empty.json'), 'utf8')) as { schema_version: number; paths: unknown[] };
  assert.deepEqual([e.schema_version, e.paths], [1, []]);
});
