/**
 * The hook state file (issue 11): everything the sh hooks (hooks/runtime.sh) need from the effective
 * config, in one file per worktree, `<git-dir>/dx/hook-state` (`<git-common-dir>/dx/hook-state` for
 * the main worktree, `<git-common-dir>/worktrees/<name>/dx/hook-state` for a linked one). The sh reads
 * its header in one pass with `read`; nothing in it is ever sourced or eval'd.
 *
 * Format, line by line (fields separated by one space; the last field of a line may hold spaces):
 *
 *     dx-hook-state <format> <package version> <config fingerprint>
 *     config <ok|invalid>
 *     mode <background|sync|off>
 *     divergence <on|off> <stale seconds> <remote|->
 *     protect <paths set: 0|1> <a committed config at HEAD: 0|1> <HEAD sha the lists were built for|->
 *     lists <critical entries> <protected paths>
 *     pkgdx <0|1>                       optional: package.json may hold a `dx` key (missing: 1)
 *     rcfile <name> <crc> <bytes>       optional: the config file the state was built from, in the work
 *                                       tree's top folder, and its POSIX `cksum`; `rcfile -` when none
 *     c <x|-|g> <path or glob>          one per `guard.critical` entry (x: must be executable, g: a glob)
 *     p <git mode> <path>               one per path of HEAD matched by the protection in force
 *
 * The header ends at the first `c` or `p` line; all `c` lines come before all `p` lines. Paths that
 * hold a newline are left out (they would break the line format). `format` is HOOK_STATE_FORMAT: a
 * runtime that reads another number treats the file as missing (stale) and asks node to rewrite it.
 * `config invalid`: the worker could not load `.dxrc`; the values are the last good ones, and the hooks
 * send every check to node (which applies the committed config) without re-reading `.dxrc` on each hook.
 */

/** The format number runtime.sh understands (it compares the second word of the first line). */
export const HOOK_STATE_FORMAT = 1;

/** One `guard.critical` entry as the sh checks it: `x` executable file, `-` file, `g` glob (node counts it). */
export interface CriticalLine { kind: 'x' | '-' | 'g'; path: string }

/** What the hooks know from the effective config. Seconds for `staleSeconds`; `head` is a commit sha or null (no HEAD yet). */
export interface HookState {
  format: number;
  /** the dx-hooks version that wrote it (package.json) */
  version: string;
  /** hex digest of the effective config and the protection in force (fingerprint.ts) */
  fingerprint: string;
  configOk: boolean;
  mode: 'background' | 'sync' | 'off';
  divergence: { warn: boolean; staleSeconds: number; remote: string | null };
  protect: { pathsSet: boolean; committed: boolean; head: string | null };
  critical: CriticalLine[];
  /** `[git mode, path]`: the protected paths of `head` */
  protectList: Array<[string, string]>;
  /**
   * Whether the work tree's package.json may hold a `dx` key (the same test as runtime.sh: a `"dx"`
   * string or a `\u` escape in it, or unreadable). False lets the hooks ignore a package.json newer than
   * the state (a dependency bump, a branch switch) instead of starting node. Older readers skip the line.
   */
  packageJsonDx: boolean;
  /**
   * The config file (in the work tree's top folder: `.dxrc`, `.dxrc.json`, `.dxrc.yaml`, `.dxrc.yml` or
   * `package.json`) the state was built from, with its POSIX `cksum` (CRC and length in bytes), so the
   * hooks can tell a checkout that rewrote the same bytes from a change; null: built from no such file
   * (defaults, or a config elsewhere); undefined: not recorded (an older state: the hooks use mtimes only).
   */
  configFile?: { name: string; crc: number; bytes: number } | null;
}

const word = (s: string) => s.replace(/[\s]+/g, '_') || '-';

/** The file's text for `st`. Lines holding a newline or a carriage return are left out. */
export function formatHookState(st: HookState): string {
  const ok = (p: string) => !/[\n\r]/.test(p);
  const critical = st.critical.filter((c) => ok(c.path));
  const list = st.protectList.filter(([, p]) => ok(p));
  const d = st.divergence;
  return [
    `dx-hook-state ${st.format} ${word(st.version)} ${word(st.fingerprint)}`,
    `config ${st.configOk ? 'ok' : 'invalid'}`,
    `mode ${st.mode}`,
    `divergence ${d.warn ? 'on' : 'off'} ${Math.max(1, Math.round(d.staleSeconds))} ${d.remote ? word(d.remote) : '-'}`,
    `protect ${st.protect.pathsSet ? 1 : 0} ${st.protect.committed ? 1 : 0} ${st.protect.head ?? '-'}`,
    `lists ${critical.length} ${list.length}`,
    `pkgdx ${st.packageJsonDx ? 1 : 0}`,
    ...(st.configFile === undefined ? [] : [st.configFile ? `rcfile ${st.configFile.name} ${st.configFile.crc} ${st.configFile.bytes}` : 'rcfile -']),
    ...critical.map((c) => `c ${c.kind} ${c.path}`),
    ...list.map(([m, p]) => `p ${m} ${p}`),
  ].join('\n') + '\n';
}

/** Why a hook state file could not be read: `what` names the line and what was wrong with it. */
export interface HookStateProblem { error: string }

const MODES = new Set(['background', 'sync', 'off']);

/** The config files the hooks look at (runtime.sh dx_read_state), in the work tree's top folder. */
export const RC_NAMES = new Set(['.dxrc', '.dxrc.json', '.dxrc.yaml', '.dxrc.yml', 'package.json']);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** POSIX `cksum` of `data`: the CRC (polynomial 0x04C11DB7 over the bytes, then the length, least significant byte first), as `cksum < file` prints it. */
export function posixCksum(data: Uint8Array): number {
  let crc = 0;
  const step = (b: number) => { crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0; };
  for (const b of data) step(b);
  for (let n = data.length; n > 0; n = Math.floor(n / 256)) step(n & 0xff);
  return ~crc >>> 0;
}

/**
 * Parse a hook state file's text (strictly: every header line must be there and well-formed).
 * Returns the state, or `{ error }` naming the first bad line (1-based) — a file of another format
 * number is an error too ("written by another dx-hooks version"), for the caller to rebuild.
 */
export function parseHookState(text: string): HookState | HookStateProblem {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const bad = (n: number, what: string): HookStateProblem => ({ error: `line ${n}: ${what}` });
  const [tag = '', fmt = '', version = '', fingerprint = '', ...extra] = (lines[0] ?? '').split(' ');
  if (tag !== 'dx-hook-state' || !fingerprint || extra.length) return bad(1, 'not a dx-hooks hook state (expected "dx-hook-state <format> <version> <fingerprint>")');
  const format = Number(fmt);
  if (format !== HOOK_STATE_FORMAT) return bad(1, `format ${fmt} was written by another dx-hooks version (this one reads ${HOOK_STATE_FORMAT})`);
  const header = new Map<string, string[]>();
  let i = 1;
  for (; i < lines.length; i++) {
    const [k = '', ...rest] = (lines[i] ?? '').split(' ');
    if (k === 'c' || k === 'p') break;
    header.set(k, rest);
  }
  const fields = (k: string, n: number): string[] | null => {
    const v = header.get(k);
    return v && v.length === n ? v : null;
  };
  const config = fields('config', 1);
  const mode = fields('mode', 1);
  const div = fields('divergence', 3);
  const prot = fields('protect', 3);
  const counts = fields('lists', 2);
  const missing = (['config', 'mode', 'divergence', 'protect', 'lists'] as const).find((k, n) => ![config, mode, div, prot, counts][n]);
  if (missing || !config || !mode || !div || !prot || !counts) return { error: `the "${missing}" line is missing or has the wrong number of fields` };
  const [cfg = ''] = config;
  const [m = ''] = mode;
  const [dOn = '', dSecs = '', dRemote = '-'] = div;
  const [pSet = '', pCommitted = '', pHead = ''] = prot;
  if (cfg !== 'ok' && cfg !== 'invalid') return { error: `config "${cfg}" is neither ok nor invalid` };
  if (!MODES.has(m)) return { error: `mode "${m}" is not background, sync or off` };
  if ((dOn !== 'on' && dOn !== 'off') || !/^[0-9]+$/.test(dSecs)) return { error: `divergence "${div.join(' ')}" is not "<on|off> <seconds> <remote>"` };
  const rc = header.get('rcfile');
  let configFile: HookState['configFile'];
  if (rc) {
    if (rc.length === 1 && rc[0] === '-') configFile = null;
    else if (rc.length === 3 && RC_NAMES.has(rc[0] ?? '') && /^[0-9]{1,10}$/.test(rc[1] ?? '') && /^[0-9]{1,15}$/.test(rc[2] ?? '')) configFile = { name: rc[0] as string, crc: Number(rc[1]), bytes: Number(rc[2]) };
    else return { error: `rcfile "${rc.join(' ')}" is not "<config file> <crc> <bytes>" or "-"` };
  }
  const pkg = header.get('pkgdx');
  if (pkg && (pkg.length !== 1 || !/^[01]$/.test(pkg[0] ?? ''))) return { error: `pkgdx "${pkg.join(' ')}" is not 0 or 1` };
  if (!/^[01]$/.test(pSet) || !/^[01]$/.test(pCommitted) || !(pHead === '-' || /^[0-9a-f]{40,64}$/.test(pHead))) return { error: `protect "${prot.join(' ')}" is not "<0|1> <0|1> <sha|->"` };
  const critical: CriticalLine[] = [];
  const protectList: Array<[string, string]> = [];
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const sp = line.indexOf(' ', 2);
    const kind = line.slice(0, 2);
    if (sp < 0 || (kind !== 'c ' && kind !== 'p ')) return bad(i + 1, 'expected "c <kind> <path>" or "p <mode> <path>"');
    const a = line.slice(2, sp);
    const p = line.slice(sp + 1);
    if (kind === 'c ') {
      if (protectList.length) return bad(i + 1, 'a critical entry after the protected paths');
      if (a !== 'x' && a !== '-' && a !== 'g') return bad(i + 1, `critical kind "${a}" is not x, - or g`);
      critical.push({ kind: a, path: p });
    } else {
      if (!/^[0-7]{6}$/.test(a)) return bad(i + 1, `"${a}" is not a git file mode`);
      protectList.push([a, p]);
    }
  }
  const [nc, np] = counts.map(Number);
  if (nc !== critical.length || np !== protectList.length) return { error: `the lists hold ${critical.length} critical and ${protectList.length} protected lines, the header says ${counts.join(' and ')} (a torn write?)` };
  return {
    format,
    version,
    fingerprint,
    configOk: cfg === 'ok',
    mode: m as HookState['mode'],
    divergence: { warn: dOn === 'on', staleSeconds: Number(dSecs), remote: dRemote === '-' ? null : dRemote },
    protect: { pathsSet: pSet === '1', committed: pCommitted === '1', head: pHead === '-' ? null : pHead },
    critical,
    protectList,
    packageJsonDx: pkg?.[0] !== '0',
    ...(configFile === undefined ? {} : { configFile }),
  };
}
