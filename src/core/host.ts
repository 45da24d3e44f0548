/**
 * The host id (DESIGN §1): which machine made a WIP ref. `DX_HOST` wins, then the machine config's
 * `host`, then this machine's default id: `<hostname -s>-<6 random chars>`, made once and kept in
 * `<config dir>/host-id`, so machines that share a hostname (every `localhost`, `raspberrypi`, a
 * cloned VM) never write one WIP ref. A machine that used dx-hooks before that file existed keeps
 * its plain hostname: its WIP refs and push records are under that name (issue 11).
 */
import { debugNote } from './debug.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DxError, EXIT } from './errors.js';
import { machineConfigPath } from './machine.js';

/**
 * Reduce any string to a host id usable as one ref component: lower-case `[a-z0-9._-]`,
 * no leading dot, no `..`, no trailing `.lock`/`.`; `unknown` when nothing is left.
 */
export function sanitizeHost(raw: string): string {
  let h = raw.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  h = h.replace(/\.{2,}/g, '.').replace(/^[.-]+/, '').replace(/(\.lock)+$/, '').replace(/[.]+$/, '');
  return h.slice(0, 64) || 'unknown';
}

/** `hostname -s`: the first label of the OS host name. */
export function shortHostname(): string {
  return os.hostname().split('.')[0] ?? '';
}

/**
 * This machine's host id.
 * @param machineHost the machine config's `host` override, if any
 * @param env         environment to read `DX_HOST` from (default process.env)
 * @throws DxError HOST_ID_INVALID / HOST_ID_UNREADABLE (exit 2) when the default is needed and its file is damaged
 */
export function resolveHost(machineHost?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DX_HOST?.trim();
  if (fromEnv) return sanitizeHost(fromEnv);
  if (machineHost?.trim()) return sanitizeHost(machineHost);
  return defaultHost();
}

/** Where the default host id is kept: `<XDG_CONFIG_HOME>/dx-hooks/host-id` (one line), next to the machine config. */
export function hostIdFile(): string {
  return path.join(path.dirname(machineConfigPath()), 'host-id');
}

const made = new Map<string, string>();
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The host id in `file` (its first line, which must be one sanitizeHost leaves as it is); null when there is no file. */
function readHostId(file: string): string | null {
  const fix = `Put this machine's host id back (the one its WIP refs are under, refs/heads/wip/<host>/…), or set "host" in the machine config (${machineConfigPath()}).`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DxError('HOST_ID_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, fix, EXIT.USAGE);
  }
  const id = text.split('\n')[0]?.trim() ?? '';
  if (!id || sanitizeHost(id) !== id) throw new DxError('HOST_ID_INVALID', `${file} does not hold a host id (one line of [a-z0-9._-]): ${JSON.stringify(text.slice(0, 80))}`, fix, EXIT.USAGE);
  return id;
}

/** Whether dx-hooks ran on this machine before `file` existed: its machine config is there (every install since the first release writes it). */
function usedEarlier(file: string): boolean {
  return fs.existsSync(path.join(path.dirname(file), 'config.json'));
}

/**
 * This machine's default host id, made on first use and kept in `file` (default hostIdFile()).
 * When `file` is missing: a machine where dx-hooks ran before (`usedBefore`, default: the machine
 * config exists) keeps `<hostname>`; any other gets `<hostname>-<6 random
 * base32 chars>`. The file is created "must not exist" (write aside, then link), so two first runs
 * at once both end with the winner's id. When it cannot be written the plain hostname is used and not
 * kept: a random id that changed on every run would scatter the WIP refs.
 * @throws DxError HOST_ID_INVALID / HOST_ID_UNREADABLE (exit 2) when the file exists but holds no host id
 */
export function defaultHost(opts: { file?: string; hostname?: string; usedBefore?: boolean } = {}): string {
  const file = opts.file ?? hostIdFile();
  const known = made.get(file) ?? readHostId(file);
  if (known) {
    made.set(file, known);
    return known;
  }
  const plain = sanitizeHost(opts.hostname ?? shortHostname());
  const id = (opts.usedBefore ?? usedEarlier(file)) ? plain : `${plain.slice(0, 57)}-${[...crypto.randomBytes(6)].map((b) => BASE32[b & 31]).join('')}`;
  const tmp = `${file}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, id + '\n', { flag: 'wx' });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A file system without hard links: an exclusive create of the file itself (one short line).
      if (code !== 'EEXIST') {
        try {
          fs.writeFileSync(file, id + '\n', { flag: 'wx' });
        } catch (again) {
          if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
        }
      }
    }
  } catch (err) {
    debugNote(`cannot keep a host id in ${file} (${(err as Error).message}): using the plain hostname "${plain}", which another machine may share — set "host" in the machine config`);
    return plain;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const won = readHostId(file) ?? plain;
  made.set(file, won);
  return won;
}

/**
 * This host's id for a ledger line written where no session is open (install, uninstall, a failure
 * being recorded): the machine config's `host` when that config loads, else the default. Never throws,
 * since the line must still be written: a broken machine config or host-id file gives `unknown-host`
 * (and is said by the commands that need the id). `machine`: a machine config already loaded.
 */
export async function ledgerHost(machine?: { host?: string }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let machineHost = machine?.host;
  if (!machine) {
    try {
      const { loadMachineConfig } = await import('./machine.js');
      machineHost = (await loadMachineConfig()).host ?? undefined;
    } catch (err) {
      debugNote(`the machine config cannot be read for the ledger's host: ${String(err)}`);
    }
  }
  try {
    return resolveHost(machineHost, env);
  } catch (err) {
    debugNote(`no host id for the ledger: ${String(err)}`);
    return 'unknown-host';
  }
}
