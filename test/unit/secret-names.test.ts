// The built-in secret exclusions (src/core/secrets/names.ts): every family matches where it lives, the
// usual committed templates and ordinary files do not, a repository's "!" cannot re-include a default,
// and only the machine's allowSecrets can.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretPaths } from '../../src/core/secrets/names.ts';

const SECRET = [
  'id_rsa', 'id_rsa.pub', 'home/.ssh/id_ed25519', 'keys/id_ecdsa_sk', 'id_ed25519_sk', 'id_dsa', '.ssh/known_hosts', 'etc/ssh/ssh_host_rsa_key',
  '.npmrc', 'pkg/.npmrc', '.yarnrc.yml', '.pypirc', '.gem/credentials', 'u/.cargo/credentials', 'u/.cargo/credentials.toml', 'u/.composer/auth.json',
  '.netrc', '_netrc', 'u/.docker/config.json',
  '.aws/credentials', 'u/.aws/credentials', 'application_default_credentials.json', 'u/.config/gcloud/credentials.db', 'ops/prod-service-account.json',
  'client_secret_123.apps.json', 'credentials.json', '.azure/msal_token_cache.json', '.kube/config', 'kubeconfig', 'prod.kubeconfig', '.pgpass', '.my.cnf',
  'infra/terraform.tfstate', 'infra/terraform.tfstate.backup', 'infra/prod.tfvars', 'x.tfvars.json', '.git-credentials', 'web/.htpasswd', 'htpasswd', '.vault-token',
  'release.jks', 'a.keystore', 'c.p12', 'c.pfx', 'tls/c.pem', 'tls/c.key', 'pw.kdbx', 'b.gpg', 'my-secret-key.asc', 'private.asc', 'secring.gpg', 'u/.gnupg/private-keys-v1.d/x.key',
  '.env', 'app/.env', '.env.local', '.env.production', 'prod.env', '.envrc',
];
const ORDINARY = ['src/app.ts', 'README.md', '.env.example', 'app/.env.sample', '.env.template', 'package.json', 'docs/ssh.md', 'KEYS.md', 'sig.asc', 'config.json', 'Dockerfile', 'environment.ts'];

test('the built-in exclusions cover every family, wherever it lives, and leave ordinary files and .env templates alone', () => {
  const m = secretPaths([]);
  for (const p of SECRET) assert.equal(m.verdict(p), 'default', p);
  for (const p of ORDINARY) assert.equal(m.verdict(p), null, p);
});

test('a repository adds patterns but cannot re-include a default with "!"', () => {
  const m = secretPaths(['build/', '!.env', '!*.pem', '!**/.ssh/']);
  assert.equal(m.verdict('build/out.js'), 'exclude');
  for (const p of ['.env', 'tls/c.pem', '.ssh/id_x']) assert.equal(m.verdict(p), 'default', p);
});

test('only the machine\'s allowSecrets lets a default through', () => {
  const m = secretPaths([], ['.env.local', 'fixtures/']);
  assert.equal(m.verdict('.env.local'), null);
  assert.equal(m.verdict('fixtures/id_rsa'), null);
  assert.ok(m.allowed('fixtures/any.txt'));
  assert.equal(m.verdict('.env'), 'default');
});
