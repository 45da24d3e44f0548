// Triage of many repositories (`dx-hooks status --repos`): one row per repository from local data
// only, problems first (errors, warnings, then clean), exit 1 when work exists only on this host and
// its backup failed or a repository could not be read; `--repos` alone is the machine config's list
// (install fills it); `--parallel` gives the same rows; the role comes from .dxrc over the machine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, initRepo, rejectPushesTo, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

const HOUR = 3600_000;

interface Problem { level: 'error' | 'warning' | 'info'; code: string; message: string }
interface Row {
  repo: string;
  host: string;
  branch: string | null;
  head: string | null;
  upstream: { ref: string; ahead: number; behind: number } | null;
  dirty: number;
  role: 'active' | 'reference';
  roleSource: 'repository' | 'machine' | 'default';
  installed: boolean;
  localOnly: { count: number; oldest: number | null };
  wip: { ref: string; lastPushedAt: number | null; lastResult: 'ok' | 'error' | null; lastError: string | null; pending: number };
  others: { host: string; branch: string; sha: string; count: number | null; restore: string }[];
  problems: Problem[];
}
interface Triage { host: string; rows: Row[]; failed: { repo: string; error: string }[]; interrupted: string | null; progress: string }

/** Where batch commands run from: the sandbox root (not a repository), as host `alpha`. */
const at = (sb: Sandbox, dir = sb.root): { dir: string; env: NodeJS.ProcessEnv } => ({ dir, env: { ...sb.env, DX_HOST: 'alpha' } });

/** `status --repos ...args --json` parsed, with its exit code and stderr. */
async function triage(sb: Sandbox, args: string[], dir = sb.root): Promise<Triage & { code: number; stderr: string }> {
  const r = await dx(at(sb, dir), ['status', '--repos', ...args, '--json']);
  let parsed: Triage;
  try {
    parsed = JSON.parse(r.stdout) as Triage;
  } catch {
    throw new Error(`status --repos ${args.join(' ')} --json printed no JSON (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { ...parsed, code: r.code, stderr: r.stderr };
}

/** A commit whose author and committer dates are `ms` milliseconds ago (hooks run). */
async function commitAgo(h: Host, message: string, files: Record<string, string>, ms: number): Promise<string> {
  for (const [rel, content] of Object.entries(files)) await h.write(rel, content);
  await h.git(['add', '-A']);
  const when = new Date(Date.now() - ms).toISOString();
  await git(h.dir, { ...h.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when }, ['commit', '--quiet', '-m', message]);
  return (await h.git(['rev-parse', 'HEAD'])).out;
}

/** `dx-hooks install` (WIP pushed in the foreground); .dxrc.json is kept out of commits and of the dirty count. */
async function install(h: Host, dxrc?: object): Promise<Host> {
  h.env.DX_WIP_PUSH = 'sync';
  if (dxrc) await h.write('.dxrc.json', JSON.stringify(dxrc, null, 2) + '\n');
  await installHooks(h);
  fs.appendFileSync(path.join(h.dir, '.git/info/exclude'), '.dxrc.json\n');
  return h;
}

const codes = (r: Row | undefined): string[] => (r?.problems ?? []).map((p) => `${p.level}:${p.code}`);
const base = (r: { repo: string }): string => path.basename(r.repo);

/** A row without what depends on the clock (ages in problem messages). */
function stable(r: Row): unknown {
  return { ...r, problems: r.problems.map((p) => `${p.level}:${p.code}`) };
}

interface Fleet { sb: Sandbox; remote: string; failRemote: string; failing: Host; clean: Host; stale: Host; diverged: Host; zed: Host; repos: string; heads: Record<string, string> }

/**
 * Under <sandbox>/repos: failing (installed; its WIP push is refused: BACKUP_FAILED), stale (not
 * installed; a 48 h old commit only here: LOCAL_ONLY error), badconfig (invalid .dxrc: CONFIG_INVALID),
 * diverged (installed; 1 ahead 1 behind origin/main, host zed's WIP holds 2 commits it lacks, 2 dirty
 * files), noremote (NO_REMOTE), clean (installed, nothing to say), notarepo (a plain folder) and
 * a plain file. Host zed lives outside repos/.
 */
async function fleet(t: TestContext): Promise<Fleet> {
  const sb = await withSandbox(t);
  const repos = sb.tmp('repos');
  fs.mkdirSync(repos);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const failRemote = await createBareRemote(sb, 'fail-remote.git');
  await seedRemote(sb, failRemote);
  const heads: Record<string, string> = {};

  const failing = await install(await cloneAs(sb, failRemote, 'alpha', 'repos/failing'));
  await rejectPushesTo(failRemote, ['refs/heads/wip/alpha/main'], 'no WIP here');
  heads.failing = await failing.commit('work that cannot be backed up', { 'f.txt': 'f\n' });

  const clean = await install(await cloneAs(sb, remote, 'alpha', 'repos/clean'));
  heads.clean = (await clean.git(['rev-parse', 'HEAD'])).out;

  const stale = await cloneAs(sb, remote, 'alpha', 'repos/stale');
  heads.stale = await commitAgo(stale, 'old work, never pushed', { 's.txt': 's\n' }, 48 * HOUR);

  const bad = await cloneAs(sb, remote, 'alpha', 'repos/badconfig');
  fs.writeFileSync(path.join(bad.dir, '.dxrc.json'), JSON.stringify({ wip: { push: 'later' } }));
  fs.appendFileSync(path.join(bad.dir, '.git/info/exclude'), '.dxrc.json\n');

  const diverged = await install(await cloneAs(sb, remote, 'alpha', 'repos/diverged'));
  heads.diverged = await commitAgo(diverged, 'alpha local work', { 'd.txt': 'd\n' }, HOUR);
  const zed = await install(await cloneAs(sb, remote, 'zed', 'zed'));
  await zed.commit('zed pushed', { 'z.txt': '1\n' });
  await zed.git(['push', '--quiet', 'origin', 'main']);
  heads.zed = await zed.commit('zed wip', { 'z.txt': '2\n' });
  const sync = await dx(diverged, ['sync']); // fetch, and refresh zed's newer WIP
  assert.equal(sync.code, 0, sync.stdout + sync.stderr);
  await diverged.write('README.md', 'edited\n');
  await diverged.write('untracked.txt', 'new\n');

  const noremote = await initRepo(sb, 'repos/noremote', 'alpha');
  await noremote.commit('no remote at all', { 'n.txt': 'n\n' });

  fs.mkdirSync(path.join(repos, 'notarepo'));
  fs.writeFileSync(path.join(repos, 'a-file.txt'), 'not a repository\n');
  return { sb, remote, failRemote, failing, clean, stale, diverged, zed, repos, heads };
}

test('many repositories: problems first, every row\'s facts, the unreadable one in failed, exit 1; plain output; --parallel 2 gives the same rows; fixing the backup clears it', async (t) => {
  const f = await fleet(t);
  const { sb, repos, heads } = f;
  const args = [path.join(repos, '*'), path.join(repos, 'notarepo')];
  const now = Math.floor(Date.now() / 1000);
  const r = await triage(sb, args);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.host, 'alpha');
  assert.deepEqual(r.rows.map(base), ['failing', 'stale', 'badconfig', 'diverged', 'noremote', 'clean'], 'errors, then warnings, then clean; by path within a level');
  assert.ok(r.rows.every((row) => row.host === 'alpha'));
  assert.deepEqual(r.failed.map(base), ['notarepo']);
  assert.match(r.failed[0]?.error ?? '', /not inside a git repository/);
  assert.equal(r.interrupted, null);
  assert.equal(r.progress, path.join(sb.env.XDG_STATE_HOME as string, 'dx-hooks', 'status', 'batch-progress.json'));
  const row = (name: string): Row => {
    const found = r.rows.find((x) => base(x) === name);
    assert.ok(found, `a row for ${name}`);
    return found;
  };

  const failing = row('failing');
  assert.equal(failing.repo, path.join(repos, 'failing'));
  assert.deepEqual([failing.branch, failing.head, failing.upstream], ['main', heads.failing, { ref: 'origin/main', ahead: 1, behind: 0 }]);
  assert.deepEqual(codes(failing), ['error:BACKUP_FAILED', 'info:LOCAL_ONLY']);
  assert.match(failing.problems[0]?.message ?? '', /^WIP backup of main failing for \d+s \(1 attempt\(s\)\): .*no WIP here/);
  assert.deepEqual({ ...failing.wip, lastError: null }, { ref: 'refs/heads/wip/alpha/main', lastPushedAt: null, lastResult: 'error', lastError: null, pending: 1 });
  assert.match(failing.wip.lastError ?? '', /pre-receive hook declined/);
  assert.equal(failing.localOnly.count, 1);
  assert.equal(failing.installed, true);

  const stale = row('stale');
  assert.deepEqual(codes(stale), ['error:LOCAL_ONLY', 'warning:NOT_INSTALLED']);
  assert.match(stale.problems[0]?.message ?? '', /^1 commit\(s\) only on this host, oldest 2d old — no WIP backup of them landed/);
  assert.equal(stale.localOnly.count, 1);
  assert.ok(Math.abs((stale.localOnly.oldest ?? 0) - (now - 48 * 3600)) < 120, `oldest ${stale.localOnly.oldest} is 48 h ago`);
  assert.deepEqual([stale.installed, stale.head, stale.wip.lastResult, stale.wip.pending], [false, heads.stale, null, 0]);

  const bad = row('badconfig');
  assert.deepEqual(codes(bad), ['warning:CONFIG_INVALID', 'warning:NOT_INSTALLED']);
  assert.match(bad.problems[0]?.message ?? '', /^\S+\/repos\/badconfig\/\.dxrc\.json is invalid.*\(defaults used\)$/);
  assert.deepEqual([bad.role, bad.roleSource, bad.installed], ['active', 'default', false]);

  const diverged = row('diverged');
  assert.deepEqual(codes(diverged), ['warning:DIVERGED', 'warning:NEWER_ELSEWHERE']);
  assert.equal(diverged.problems[0]?.message, 'main and origin/main have diverged: 1 ahead, 1 behind (as of the last fetch)');
  assert.match(diverged.problems[1]?.message ?? '', /^host zed has newer WIP of main \(2 commit\(s\) this branch lacks, pushed \d+s ago\): dx-hooks restore --host zed --branch main$/);
  assert.deepEqual(diverged.upstream, { ref: 'origin/main', ahead: 1, behind: 1 });
  assert.equal(diverged.dirty, 2);
  assert.deepEqual(diverged.others.map((o) => [o.host, o.branch, o.sha, o.count, o.restore]), [['zed', 'main', heads.zed, 2, 'dx-hooks restore --host zed --branch main']]);
  assert.deepEqual(diverged.localOnly, { count: 0, oldest: null }, 'its WIP push landed');
  assert.equal(diverged.wip.lastResult, 'ok');
  assert.equal(typeof diverged.wip.lastPushedAt, 'number');

  const noremote = row('noremote');
  assert.deepEqual(codes(noremote), ['warning:NO_REMOTE', 'warning:NOT_INSTALLED']);
  assert.equal(noremote.upstream, null);

  const clean = row('clean');
  assert.deepEqual(clean.problems, []);
  assert.deepEqual([clean.branch, clean.head, clean.upstream, clean.dirty, clean.installed, clean.role, clean.roleSource], ['main', heads.clean, { ref: 'origin/main', ahead: 0, behind: 0 }, 0, true, 'active', 'default']);
  assert.deepEqual(clean.localOnly, { count: 0, oldest: null });

  await t.test('plain output: a line per repository as it goes, the table problems first, the problems, a summary; exit 1', async () => {
    const p = await dx(at(sb), ['status', '--repos', ...args]);
    assert.equal(p.code, 1, p.stderr);
    const out = p.stdout;
    // The mark follows the row's worst problem: never a ✔ beside a failure.
    for (const [mark, name, summary] of [
      ['✖', 'failing', 'main 1↑ 0↓, 0 dirty — BACKUP_FAILED'],
      ['✖', 'stale', 'main 1↑ 0↓, 0 dirty — LOCAL_ONLY'],
      ['!', 'diverged', 'main 1↑ 1↓, 2 dirty — DIVERGED'],
      ['✔', 'clean', 'main 0↑ 0↓, 0 dirty'],
    ]) {
      assert.ok(out.includes(`${mark} ${path.join(repos, name as string)} — ${summary}\n`), `progress line of ${name}:\n${out}`);
    }
    assert.match(out, new RegExp(`^✖ ${path.join(repos, 'notarepo')} — .*not inside a git repository`, 'm'));
    const lines = out.split('\n');
    const header = lines.findIndex((l) => /^\s+REPOSITORY\s+BRANCH\s+AHEAD\/BEHIND\s+DIRTY\s+ONLY HERE\s+LAST WIP BACKUP\s+NEWER ELSEWHERE\s+ROLE$/.test(l));
    assert.ok(header >= 0, `a table header:\n${out}`);
    const table = lines.slice(header + 1, header + 7);
    assert.deepEqual(table.map((l) => l.split(/\s+/)[1]).map((p2) => path.basename(p2 ?? '')), ['failing', 'stale', 'badconfig', 'diverged', 'noremote', 'clean']);
    assert.deepEqual(table.map((l) => l[0]), ['✖', '✖', '!', '!', '!', '✔']);
    assert.match(table[0] ?? '', /FAILED \(1 pending\)/);
    assert.match(table[3] ?? '', /\s1↑ 1↓\s+2\s.*\szed\s+active$/);
    assert.match(out, /^ {2}✖ BACKUP_FAILED: WIP backup of main failing for/m);
    assert.match(out, /^ {2}! NEWER_ELSEWHERE: host zed has newer WIP of main/m);
    assert.match(out, /^7 repositories: 2 with work only here whose backup failed, 1 unreadable$/m);
  });

  await t.test('--parallel 2 gives the same rows and failures', async () => {
    const p2 = await triage(sb, [...args, '--parallel', '2', '--no-resume']);
    assert.equal(p2.code, 1);
    assert.deepEqual(p2.rows.map(stable), r.rows.map(stable));
    assert.deepEqual(p2.failed.map((x) => [x.repo, x.error]), r.failed.map((x) => [x.repo, x.error]));
  });

  await t.test('exit 0 for clean repositories; 1 for a path that is not a repository, even next to clean ones', async () => {
    const ok = await triage(sb, [path.join(repos, 'clean'), path.join(repos, 'diverged')]);
    assert.equal(ok.code, 0, 'warnings alone do not fail');
    assert.deepEqual(ok.rows.map(base), ['diverged', 'clean']);
    const missing = await triage(sb, [path.join(repos, 'clean'), path.join(repos, 'does-not-exist')]);
    assert.equal(missing.code, 1);
    assert.deepEqual(missing.rows.map(base), ['clean']);
    assert.deepEqual(missing.failed.map(base), ['does-not-exist']);
    assert.match(missing.failed[0]?.error ?? '', /does not exist/);
  });

  await t.test('once the backup lands (status retries the pending push), the failing repository is clean and the batch exits 0', async () => {
    fs.rmSync(path.join(f.failRemote, 'hooks', 'pre-receive'));
    const st = await dx(f.failing, ['status']);
    assert.equal(st.code, 0, st.stdout + st.stderr);
    const after = await triage(sb, [path.join(repos, 'failing')]);
    assert.equal(after.code, 0, JSON.stringify(after.rows));
    const fixed = after.rows[0] as Row;
    assert.deepEqual(fixed.problems, []);
    assert.deepEqual([fixed.wip.pending, fixed.wip.lastResult, fixed.localOnly.count], [0, 'ok', 0]);
    assert.equal(typeof fixed.wip.lastPushedAt, 'number');
  });

  await t.test('CONFIG_INVALID names the bad key and value, as the commands do', async () => {
    assert.match(bad.problems[0]?.message ?? '', /wip\.push.*"later"/, `the message: ${bad.problems[0]?.message}`);
  });

  await t.test('--repos alone: the machine config\'s list, which install filled', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json'), 'utf8')) as { repos: string[] };
    assert.deepEqual([...config.repos].sort(), [f.failing.dir, f.clean.dir, f.diverged.dir, f.zed.dir].sort());
    const all = await dx(at(sb), ['status', '--repos', '--json']);
    const parsed = JSON.parse(all.stdout) as Triage;
    assert.deepEqual(parsed.rows.map(base).sort(), ['clean', 'diverged', 'failing', 'zed']);
    assert.deepEqual(parsed.failed, []);
  });
});

test('role: the machine config\'s role (dx-hooks role reference), overridden by a repository\'s .dxrc "role"; single-repo status --json has role, localOnly and problems; a relative glob', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  fs.mkdirSync(sb.tmp('roles'));
  const own = await install(await cloneAs(sb, remote, 'alpha', 'roles/own'), { role: 'active' });
  const machine = await install(await cloneAs(sb, remote, 'alpha', 'roles/machine'));
  let r = await triage(sb, ['roles/*']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.rows.map((x) => [base(x), x.role, x.roleSource]), [['machine', 'active', 'default'], ['own', 'active', 'repository']]);

  const set = await dx(at(sb), ['role', 'reference']);
  assert.equal(set.code, 0, set.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json'), 'utf8')) as { role: string };
  assert.equal(cfg.role, 'reference');
  r = await triage(sb, ['roles/*']);
  assert.deepEqual(r.rows.map((x) => [base(x), x.role, x.roleSource]), [['machine', 'reference', 'machine'], ['own', 'active', 'repository']]);

  // Single-repository status --json carries the triage fields too.
  await own.commit('own work', { 'o.txt': 'o\n' });
  const one = await dx(own, ['status', '--json']);
  assert.equal(one.code, 0, one.stderr);
  const s = JSON.parse(one.stdout) as { role: string; roleSource: string; localOnly: { count: number; oldest: number | null }; problems: Problem[]; branch: string };
  assert.deepEqual([s.branch, s.role, s.roleSource, s.localOnly], ['main', 'active', 'repository', { count: 0, oldest: null }]);
  assert.deepEqual(s.problems, []);
  const two = JSON.parse((await dx(machine, ['status', '--json'])).stdout) as { role: string; roleSource: string; problems: Problem[] };
  assert.deepEqual([two.role, two.roleSource, two.problems], ['reference', 'machine', []]);

  await t.test('a subdirectory of a repository next to the repository itself gives one row, not two', async () => {
    fs.mkdirSync(path.join(own.dir, 'sub'));
    const dup = await triage(sb, [own.dir, path.join(own.dir, 'sub')]);
    assert.deepEqual(dup.rows.map((x) => x.repo), [own.dir]);
  });
});

test('usage errors exit 2: --parallel 0, and --repos alone with no list in the machine config', async (t) => {
  const sb = await withSandbox(t);
  const bad = await dx(at(sb), ['status', '--repos', sb.root, '--parallel', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--parallel must be a whole number from 1 to 64, not "0"/);
  const none = await dx(at(sb), ['status', '--repos']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no repositories to run over/);
  assert.match(none.stderr, /config\.json/);
});
