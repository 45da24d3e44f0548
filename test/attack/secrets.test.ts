// Attack class 6 (issue 10): secrets never leave the machine in a backup. Each test puts secrets in a
// victim's work tree or history, runs the victim's ordinary commands (checkpoint, commit with the
// post-commit mirror, sync, checkpoint create), and then reads EVERY object of the bare remote: no secret
// path in the WIP trees, and no blob anywhere holding a secret's text. The happy path (ordinary files
// mirrored) is asserted alongside. Token texts are built at run time so this file holds none.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxJson, git, lsRemote, seedRemote, waitFor, type Host, type Sandbox } from '../helpers/index.ts';
import { idleSandbox } from '../helpers/idle.ts';

const alnum = (n: number) => Array.from(crypto.randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('');
const marker = () => `SECRET-MARKER-${alnum(16)}`;
/** Secrets in the formats the scanner knows, built here (never literal in the source). */
const tokens = {
  // The scanner checks the key's magic bytes ("openssh-key-v1" in base64), so placeholders are not flagged: this is shaped like a real one.
  privateKey: () => `-----BEGIN OPENSSH ${'PRIVATE'} KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${alnum(46)}\n${alnum(70)}\n${alnum(20)}==\n-----END OPENSSH ${'PRIVATE'} KEY-----\n`,
  github: () => `gh${'p'}_${alnum(36)}`,
  npm: () => `np${'m'}_${alnum(36)}`,
  awsPair: () => `aws_access_key_id = AKIA${alnum(16).toUpperCase()}\naws_secret_access_key = ${alnum(40)}\n`,
};

/** Every object in the bare remote, as one text (`cat-file --batch-all-objects --batch`). */
async function remoteObjects(sb: Sandbox, remote: string): Promise<string> {
  const r = await git(remote, sb.env, ['cat-file', '--batch-all-objects', '--batch', '--unordered']);
  return r.out;
}

/** Paths in the tree of `ref` on the remote (empty when the ref is absent). */
async function remoteTree(sb: Sandbox, remote: string, ref: string): Promise<string[]> {
  const r = await git(remote, sb.env, ['ls-tree', '-r', '--name-only', ref], { allowFail: true });
  return r.code === 0 ? r.out.split('\n').filter(Boolean) : [];
}

/** A seeded bare remote (with `files` committed on main by a seed host) and a victim clone with dx-hooks installed, mirroring in the foreground. */
async function setup(t: Parameters<typeof idleSandbox>[0], name: string, files: Record<string, string> = {}) {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb, `${name}.git`);
  await seedRemote(sb, remote);
  if (Object.keys(files).length) {
    const seed = await cloneAs(sb, remote, 'seed', `${name}-seed`);
    await seed.commit('repository files', files);
    await seed.git(['push', '-q', 'origin', 'main']);
  }
  const h = await cloneAs(sb, remote, 'victim', `${name}-victim`);
  hosts.push(h);
  h.env.DX_WIP_PUSH = 'sync';
  await installHooks(h);
  return { sb, hosts, remote, h };
}

const wip = (host: string, branch = 'main') => `refs/heads/wip/${host}/${branch}`;
const ledger = (h: Host) =>
  fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; paths?: string[]; detail?: Record<string, unknown> });

/** Representative secret files of every family the built-in exclusions cover. */
const SECRET_FILES = [
  // SSH keys of every type
  'id_rsa', '.ssh/id_ed25519', 'keys/id_ecdsa_sk', 'deploy/id_dsa', '.ssh/config',
  // package-manager and registry tokens
  '.npmrc', '.yarnrc.yml', '.pypirc', 'home/.gem/credentials', 'home/.cargo/credentials.toml', 'home/.composer/auth.json', '.netrc', '_netrc', '.docker/config.json',
  // cloud and database credentials
  '.aws/credentials', 'gcloud/application_default_credentials.json', 'ops/my-service-account.json', '.azure/accessTokens.json', '.kube/config',
  '.pgpass', '.my.cnf', 'infra/terraform.tfstate', 'infra/prod.tfvars', '.git-credentials', 'web/.htpasswd',
  // keystores, keys and certificates
  'android/release.jks', 'app.keystore', 'cert.p12', 'cert.pfx', 'tls/server.pem', 'tls/server.key', 'gpg/secret-key.asc', 'backup.gpg',
  // dotenv files
  '.env', '.env.production', 'config/prod.env', '.envrc',
];

test('checkpoint: secret files of every family stay on this machine and are named; ordinary files (and .env.example) are mirrored', async (t) => {
  const { sb, remote, h } = await setup(t, 'families');
  const marks = new Map<string, string>();
  for (const f of SECRET_FILES) {
    const m = marker();
    marks.set(f, m);
    await h.write(f, `${m}\n`);
  }
  await h.write('src/app.js', 'console.log("ordinary");\n');
  await h.write('.env.example', 'API_KEY=\n');
  await h.git(['add', 'tls/server.key', '.env']); // staged secrets too: a `git add` does not slip one in
  const r = await dx(h, ['checkpoint']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of SECRET_FILES) assert.match(r.stderr, new RegExp(`left out of the snapshot: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `), `${f} is named`);
  const tree = await remoteTree(sb, remote, wip('victim'));
  assert.ok(tree.includes('src/app.js') && tree.includes('.env.example'), `ordinary files mirrored: ${tree.join(' ')}`);
  for (const f of SECRET_FILES) assert.ok(!tree.includes(f), `${f} is not in the remote's WIP tree`);
  const objects = await remoteObjects(sb, remote);
  for (const [f, m] of marks) assert.ok(!objects.includes(m), `no object on the remote holds the text of ${f}`);
  assert.ok(objects.includes('console.log("ordinary")'));
});

test('innocent names holding a private key or an AWS, GitHub or npm token are left out and named (work tree and staged)', async (t) => {
  const { sb, remote, h } = await setup(t, 'content');
  const secrets = { 'notes.txt': tokens.privateKey(), 'src/config.js': `export const token = "${tokens.github()}";\n`, 'scripts/deploy.sh': tokens.awsPair(), 'publish.txt': `//registry.npmjs.org/:_authToken=${tokens.npm()}\n` };
  for (const [f, text] of Object.entries(secrets)) await h.write(f, text);
  const staged = `const k = "${tokens.github()}";\n`;
  await h.write('src/staged.js', staged);
  await h.git(['add', 'src/staged.js']);
  await h.write('src/ok.js', 'export const ok = 1;\n');
  const r = await dx(h, ['checkpoint']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of [...Object.keys(secrets), 'src/staged.js']) assert.match(r.stderr, new RegExp(`left out of the snapshot: ${f.replace('.', '\\.')} \\(its content holds a secret: `), `${f} is named`);
  assert.match(r.stderr, /notes\.txt \(its content holds a secret: PrivateKey\)/);
  const tree = await remoteTree(sb, remote, wip('victim'));
  assert.ok(tree.includes('src/ok.js'), 'the ordinary file is mirrored');
  const objects = await remoteObjects(sb, remote);
  for (const text of [...Object.values(secrets), staged]) {
    const core = text.match(/(gh[p]_\w+|np[m]_\w+|aws_secret_access_key = \w+|\n[A-Za-z0-9]{70}\n)/)?.[0] as string;
    assert.ok(core && !objects.includes(core), `no object on the remote holds ${core.slice(0, 8)}…`);
  }
  const snap = ledger(h).find((e) => e.op === 'snapshot');
  assert.ok((snap?.detail?.excluded as { path: string; reason: string }[]).some((x) => x.path === 'notes.txt' && x.reason === 'secret'), 'the ledger names it');
});

test('a cloned repository\'s .dxrc cannot remove the defaults (exclude: [], "!.env", "!*.pem"); its additions still apply; doctor reports it', async (t) => {
  for (const exclude of [[], ['!.env', '!*.pem', '!**/.ssh/', 'build/']]) {
    const { sb, remote, h } = await setup(t, `dxrc${exclude.length}`, { '.dxrc.json': JSON.stringify({ wip: { exclude } }) });
    const m = { env: marker(), pem: marker(), ssh: marker(), build: marker() };
    await h.write('.env', `TOKEN=${m.env}\n`);
    await h.write('server.pem', `${m.pem}\n`);
    await h.write('.ssh/id_ed25519', `${m.ssh}\n`);
    await h.write('build/out.txt', `${m.build}\n`);
    await h.write('ok.txt', 'fine\n');
    const r = await dx(h, ['checkpoint']);
    assert.equal(r.code, 0, r.stderr);
    const tree = await remoteTree(sb, remote, wip('victim'));
    assert.ok(tree.includes('ok.txt'));
    for (const p of ['.env', 'server.pem', '.ssh/id_ed25519']) assert.ok(!tree.includes(p), `${p} stays here despite wip.exclude ${JSON.stringify(exclude)}`);
    const objects = await remoteObjects(sb, remote);
    for (const x of [m.env, m.pem, m.ssh]) assert.ok(!objects.includes(x));
    if (exclude.length) assert.ok(!tree.includes('build/out.txt') && !objects.includes(m.build), 'the repository\'s own addition applies');
    const doc = await dxJson<{ diagnostics: { code: string; message: string }[] }>(h, ['doctor', '--json']);
    const d = doc.diagnostics.find((x) => x.code === 'SECRET_EXCLUDE_OVERRIDE');
    assert.ok(d, 'doctor reports the repository config');
    assert.match(d.message, exclude.length ? /re-includes "!\.env"/ : /omits the built-in "\.env"/);
  }
});

test('a committed .env is held from the post-commit mirror, said in the banner and ledger; deleting it later does not release it; only the command does', async (t) => {
  const { sb, remote, h } = await setup(t, 'held');
  const ok = await h.commit('ordinary work', { 'a.txt': 'a\n' });
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), ok, 'happy path: an ordinary commit is mirrored by post-commit');
  const m = marker();
  await h.write('.env', `API_KEY=${m}\n`);
  await h.git(['add', '.env']);
  const c = await h.git(['commit', '-m', 'add env']);
  assert.equal(c.code, 0, 'the commit itself is never refused');
  const bad = (await h.git(['rev-parse', 'HEAD'])).out;
  const banner = () => fs.readFileSync(path.join(h.dir, '.git/dx/banner'), 'utf8');
  assert.match(banner(), new RegExp(`held, NOT mirrored: commit adding what looks like a secret: \\.env \\(secret file name\\) in ${bad.slice(0, 12)}`));
  assert.match(banner(), new RegExp(`dx-hooks secrets release ${bad.slice(0, 12)}`));
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), ok, 'the WIP ref did not move');
  assert.ok(!(await remoteObjects(sb, remote)).includes(m), 'no object on the remote holds the .env text');
  const hold = ledger(h).find((e) => e.op === 'secret.hold');
  assert.deepEqual(hold?.paths, ['.env']);
  assert.equal(hold?.detail?.commit, bad);

  // The next hook shows it (stderr), the list command names it, doctor reports it.
  const next = await h.git(['commit', '--allow-empty', '-m', 'later']);
  assert.match(next.stderr, /held, NOT mirrored/);
  const list = await dx(h, ['secrets']);
  assert.equal(list.code, 1);
  assert.match(list.stderr, new RegExp(`held ${bad.slice(0, 12)}[\\s\\S]*\\.env: secret file name`));
  const doc = JSON.parse((await dx(h, ['doctor', '--json'])).stdout) as { diagnostics: { code: string; hint: string }[] };
  assert.match(doc.diagnostics.find((d) => d.code === 'SECRET_HELD')?.hint ?? '', new RegExp(`dx-hooks secrets release ${bad.slice(0, 12)}`));

  // A commit deleting it does not release it: the history still holds it. Nor does checkpoint, nor a named checkpoint's tag.
  await h.git(['rm', '-q', '.env']);
  await h.git(['commit', '-qm', 'remove env']);
  const cp = await dx(h, ['checkpoint']);
  assert.equal(cp.code, 1);
  assert.match(cp.stderr, /held, NOT mirrored/);
  await dx(h, ['checkpoint', 'create', 'before-release']);
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), ok);
  assert.equal((await lsRemote(h.env, remote)).get('refs/tags/checkpoint/before-release'), undefined, 'the checkpoint tag is held too');
  assert.ok(!(await remoteObjects(sb, remote)).includes(m));

  // The user decides: release, and the mirror goes at once.
  const rel = await dx(h, ['secrets', 'release', bad.slice(0, 10)]);
  assert.equal(rel.code, 0, rel.stderr);
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), head);
  assert.ok(ledger(h).some((e) => e.op === 'secret.release' && e.detail?.commit === bad));
  assert.equal((await dx(h, ['secrets'])).code, 0);
});

test('rewriting the secret out of history (amend) mirrors the rewritten commit; a token added to an innocent file is held too', async (t) => {
  const { sb, remote, h } = await setup(t, 'amend');
  const key = tokens.privateKey();
  await h.write('docs/setup.md', `# setup\n${key}`);
  await h.git(['add', '-A']);
  await h.git(['commit', '-qm', 'setup notes']);
  const bad = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.notEqual((await lsRemote(h.env, remote)).get(wip('victim')), bad);
  assert.ok(ledger(h).some((e) => e.op === 'secret.hold' && e.paths?.includes('docs/setup.md')));
  await h.write('docs/setup.md', '# setup\nask ops for the key\n');
  await h.git(['add', '-A']);
  await h.git(['commit', '-q', '--amend', '-m', 'setup notes']);
  const fixed = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), fixed, 'the rewritten commit is mirrored');
  assert.ok(!(await remoteObjects(sb, remote)).includes(key.split('\n')[1] as string));
  assert.equal((await dx(h, ['secrets'])).code, 0, 'nothing held in the history that is pushed now');
});

test('the machine config (and only it) can let a default through: allowSecrets', async (t) => {
  const { sb, remote, h } = await setup(t, 'allow', { '.dxrc.json': JSON.stringify({ wip: { exclude: [] } }) });
  const cfg = path.join(h.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json');
  fs.mkdirSync(path.dirname(cfg), { recursive: true });
  fs.writeFileSync(cfg, JSON.stringify({ allowSecrets: ['.env.local', 'fixtures/'] }));
  const m = { local: marker(), env: marker() };
  await h.write('.env.local', `X=${m.local}\n`);
  await h.write('.env', `X=${m.env}\n`);
  const fixtureKey = tokens.privateKey();
  await h.write('fixtures/test-key.txt', fixtureKey);
  const r = await dx(h, ['checkpoint']);
  assert.equal(r.code, 0, r.stderr);
  const tree = await remoteTree(sb, remote, wip('victim'));
  assert.ok(tree.includes('.env.local') && tree.includes('fixtures/test-key.txt'), 'allowed by the machine');
  assert.ok(!tree.includes('.env'), 'what the machine did not allow stays here');
  const objects = await remoteObjects(sb, remote);
  assert.ok(objects.includes(m.local) && !objects.includes(m.env));
  // A commit of an allowed path is not held either.
  await h.write('fixtures/other.txt', tokens.privateKey());
  await h.git(['add', 'fixtures/other.txt']);
  await h.git(['commit', '-qm', 'fixtures']);
  const sha = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), sha);
});

test('sync on a reference host (a second host) backs up without its secrets, and refuses to reset when a local commit holds one', async (t) => {
  const { sb, hosts, remote, h } = await setup(t, 'sync');
  await h.commit('work on main', { 'shared.txt': 'one\n' });
  await h.git(['push', '-q', 'origin', 'main']);
  const b = await cloneAs(sb, remote, 'refhost', 'sync-b');
  hosts.push(b);
  b.env.DX_WIP_PUSH = 'sync';
  b.env.XDG_CONFIG_HOME = sb.tmp('refhost-config');
  await installHooks(b);
  assert.equal((await dx(b, ['role', 'reference'])).code, 0);
  const m = marker();
  await b.write('.env', `TOKEN=${m}\n`);
  const gh = tokens.github();
  await b.write('scratch.txt', `token ${gh}\n`);
  await b.write('notes.md', 'keep me\n');
  const r = await dx(b, ['sync']);
  assert.equal(r.code, 0, r.stderr);
  const tree = await remoteTree(sb, remote, wip('refhost'));
  assert.ok(tree.includes('notes.md'), 'ordinary untracked work is backed up');
  assert.ok(!tree.includes('.env') && !tree.includes('scratch.txt'));
  let objects = await remoteObjects(sb, remote);
  assert.ok(!objects.includes(m) && !objects.includes(gh));

  // A local commit adding a secret: the backup is held, so the reset must not happen (the commit would be lost).
  const m2 = marker();
  const local = await b.commit('local only', { '.npmrc': `//registry.npmjs.org/:_authToken=${m2}\n` });
  const r2 = await dx(b, ['sync']);
  assert.notEqual(r2.code, 0, 'sync refuses');
  assert.match(r2.stderr, /held, NOT mirrored/);
  assert.equal((await b.git(['rev-parse', 'HEAD'])).out, local, 'the local commit is still here');
  objects = await remoteObjects(sb, remote);
  assert.ok(!objects.includes(m2));
});

test('background post-commit (the default): a cloned .dxrc with a tiny wip.maxFileSize cannot shrink the scan; a token in a commit message is held too', async (t) => {
  const { sb, remote, h } = await setup(t, 'background', { '.dxrc.json': JSON.stringify({ wip: { maxFileSize: 1 } }) });
  delete h.env.DX_WIP_PUSH; // wip.push "background": the detached worker mirrors and scans
  const gh = tokens.github();
  await h.write('src/client.js', `const auth = "${gh}";\n`);
  await h.git(['add', 'src/client.js']);
  await h.git(['commit', '-qm', 'client']);
  const bad = (await h.git(['rev-parse', 'HEAD'])).out;
  await waitFor(async () => ledger(h).some((e) => e.op === 'secret.hold' && e.detail?.commit === bad), { what: 'the background worker to hold the commit' });
  const npm = tokens.npm();
  await h.git(['commit', '-q', '--allow-empty', '-m', `publish with ${npm}`]);
  const msg = (await h.git(['rev-parse', 'HEAD'])).out;
  await waitFor(async () => ledger(h).some((e) => e.op === 'secret.hold' && e.detail?.commit === msg && e.paths?.includes('(commit message)')), { what: 'the commit message to be held' });
  await waitFor(async () => fs.existsSync(path.join(h.dir, '.git/dx/banner')) && /held, NOT mirrored/.test(fs.readFileSync(path.join(h.dir, '.git/dx/banner'), 'utf8')), { what: 'the banner' });
  const objects = await remoteObjects(sb, remote);
  assert.ok(!objects.includes(gh) && !objects.includes(npm), 'neither token reached the remote');
  assert.equal((await lsRemote(h.env, remote)).get(wip('victim')), undefined);
});
