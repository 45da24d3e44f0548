/** The built-in secret exclusions, without zod (the worker and snapshots import them; schema.ts re-exports them). */

/**
 * The built-in secret exclusions (gitignore syntax, matched by `ignore` against paths relative to the
 * repository top): files that never leave the machine in a snapshot, and whose addition in a commit
 * holds that commit's mirror (src/core/secrets/). A `.dxrc`'s `wip.exclude` adds to these and cannot
 * remove them; only the machine config's `allowSecrets` can let a path through. The `!` lines keep
 * the usual committed templates of `.env` (their contents are still scanned). Families:
 * SSH keys · package-manager and registry tokens · cloud and database credentials · keystores,
 * keys and certificates · dotenv files.
 */
export const DEFAULT_EXCLUDE: readonly string[] = [
  // SSH keys of every type (and their .pub, harmless but named alike), and anything in a .ssh folder.
  'id_rsa*', 'id_dsa*', 'id_ecdsa*', 'id_ed25519*', 'id_xmss*', 'ssh_host_*key*', '**/.ssh/',
  // Package-manager and registry tokens.
  '.npmrc', '.yarnrc.yml', '.pypirc', '**/.gem/credentials', '**/.cargo/credentials', '**/.cargo/credentials.toml',
  '**/.composer/auth.json', '.netrc', '_netrc', '**/.docker/config.json',
  // Cloud and database credentials.
  '**/.aws/credentials', 'application_default_credentials.json', '**/.config/gcloud/', '*service-account*.json', '*service_account*.json',
  'client_secret*.json', 'credentials.json', '**/.azure/', '**/.kube/config', 'kubeconfig', '*.kubeconfig', '.pgpass', '.my.cnf', '.s3cfg',
  '*.tfstate', '*.tfstate.*', '*.tfvars', '*.tfvars.json', '.git-credentials', '.htpasswd', 'htpasswd', '.vault-token',
  // Keystores, keys and certificates (a .crt holding a private key is caught by the content scan).
  '*.jks', '*.keystore', '*.p12', '*.pfx', '*.pem', '*.key', '*.kdbx', '*.gpg', '*secret*.asc', '*private*.asc', 'secring.*', '**/.gnupg/',
  // dotenv files; their committed templates stay in.
  '.env', '.env.*', '*.env', '.envrc', '!.env.example', '!.env.sample', '!.env.template', '!.env.dist',
];
