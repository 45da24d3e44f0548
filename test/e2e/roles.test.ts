// Roles (DESIGN §1): stored in the machine config (never in a repository), overridable per
// repository by .dxrc "role"; `checkpoint --all` (what the scheduler runs) checkpoints the active
// repositories of the machine config's list — which install fills and uninstall empties — and
// skips the reference ones.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxJson, lsRemote, rejectPushesTo, seedRemote, withSandbox, type Host } from '../helpers/index.ts';

async function installed(h: Host): Promise<Host> {
  h.env.DX_WIP_PUSH = 'sync';
  await installHooks(h);
  return h;
}

interface RoleJson { machine: { role: string; set: boolean; file: string }; changed: boolean; repository: { repo: string; role: string; source: string } | null }

test('role: default active; set in the machine config (other keys kept); .dxrc overrides it per repository; bad input exits 2', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'desk');
  const file = path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ host: 'desk', repos: ['/somewhere/else'] }));
  const first = await dxJson<RoleJson>(h, ['role']);
  assert.deepEqual([first.machine.role, first.machine.set, first.repository?.role, first.repository?.source], ['active', false, 'active', 'default']);
  const set = await dxJson<RoleJson>(h, ['role', 'reference']);
  assert.deepEqual([set.machine.role, set.changed, set.repository?.source], ['reference', true, 'machine']);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { host: 'desk', repos: ['/somewhere/else'], role: 'reference' });
  await h.write('.dxrc.json', JSON.stringify({ role: 'active' }));
  const here = await dx(h, ['role', 'status']);
  assert.match(here.stdout, /machine role: reference/);
  assert.match(here.stdout, /: active \(set by its \.dxrc "role", which overrides the machine's\)/);
  const bad = await dx(h, ['role', 'passive']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"passive" is not a role/);
  // Outside any repository the machine role still shows.
  const outside = await dxJson<RoleJson>({ dir: sb.root, env: sb.env }, ['role']);
  assert.deepEqual([outside.machine.role, outside.repository], ['reference', null]);
  // A broken machine config is a clear error naming the file and nothing is written.
  fs.writeFileSync(file, '{"role": "boss"}');
  const broken = await dx(h, ['role', 'active']);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /config\.json is invalid/);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"role": "boss"}');
});

test('checkpoint --all: install registers each repository; active ones are checkpointed, reference ones skipped, a failed push fails (exit 1); uninstall unregisters', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const active = await installed(await cloneAs(sb, remote, 'desk', 'active'));
  const ref = await installed(await cloneAs(sb, remote, 'desk', 'mirror'));
  const remote2 = await createBareRemote(sb, 'remote2.git');
  await seedRemote(sb, remote2);
  const blocked = await installed(await cloneAs(sb, remote2, 'desk', 'blocked'));
  const file = path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json');
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { repos: string[] }).repos, [active.dir, ref.dir, blocked.dir]);
  await ref.write('.dxrc.json', JSON.stringify({ role: 'reference' }));
  await active.write('notes.txt', 'uncommitted\n');
  await blocked.write('b.txt', 'uncommitted\n');
  await rejectPushesTo(remote2, ['refs/heads/wip/desk/main'], 'no WIP here');
  const r = await dx({ dir: sb.root, env: { ...sb.env, DX_HOST: 'desk' } }, ['checkpoint', '--all', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const items = (JSON.parse(r.stdout) as { items: { repo: string; status: string; reason?: string; error?: string; result?: { sha: string; dirty: boolean } }[] }).items;
  const by = Object.fromEntries(items.map((i) => [path.basename(i.repo), i]));
  assert.equal(by.active?.status, 'ok');
  assert.equal(by.active?.result?.dirty, true);
  assert.equal((await lsRemote(active.env, remote)).get('refs/heads/wip/desk/main'), by.active?.result?.sha);
  assert.deepEqual([by.mirror?.status, by.mirror?.reason], ['skipped', 'role reference (auto-checkpoint off)']);
  assert.equal(by.blocked?.status, 'failed');
  assert.match(by.blocked?.error ?? '', /NOT on the remote.*no WIP here/s);
  // On a machine with no repositories registered, the scheduled run has nothing to do: exit 0.
  const empty = await dx({ dir: sb.root, env: { ...sb.env, XDG_CONFIG_HOME: sb.tmp('empty-config') } }, ['checkpoint', '--all']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /no repositories to checkpoint/);
  const un = await dx(ref, ['uninstall']);
  assert.equal(un.code, 0);
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { repos: string[] }).repos, [active.dir, blocked.dir]);
});
