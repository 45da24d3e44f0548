/**
 * The content scan: secretlint's core with its recommended preset (private keys, AWS, GCP, Azure,
 * GitHub, npm, Slack, SendGrid, OpenAI, Anthropic, … token formats). Loaded lazily (~150 ms) and only
 * when there is something to scan. Never returns the secret itself: only the rule that matched.
 * Fails closed: a scanner that cannot load or run throws, and the caller leaves nothing unscanned out.
 */
import { DxError } from '../errors.js';

/** One finding: the rule that matched (e.g. `PrivateKey`, `GITHUB_TOKEN`, `NPM_ACCESS_TOKEN`) and the matched text's position. */
export interface ContentFinding { rule: string; start: number; end: number }

type Lint = (content: string, filePath: string) => Promise<ContentFinding[]>;
let linter: Promise<Lint> | null = null;

async function load(): Promise<Lint> {
  const [{ lintSource }, { creator }, { secretLintProfiler }] = await Promise.all([
    import('@secretlint/core'),
    import('@secretlint/secretlint-rule-preset-recommend'),
    import('@secretlint/profiler'),
  ]);
  // The profiler (always on in core) keeps every performance mark and searches them all on each one:
  // quadratic, seconds for a few hundred files (measured). We never read it, so it records nothing.
  (secretLintProfiler as { mark: (m: unknown) => void }).mark = () => undefined;
  const config = { rules: [{ id: creator.meta.id, rule: creator }] };
  return async (content, filePath) => {
    const ext = filePath.includes('.') ? filePath.slice(filePath.lastIndexOf('.')) : '';
    const r = await lintSource({ source: { filePath, content, ext, contentType: 'text' }, options: { config, maskSecrets: true, noPhysicFilePath: true } });
    return r.messages.map((m) => ({ rule: m.messageId || m.ruleId, start: m.range[0], end: m.range[1] }));
  };
}

/**
 * Start loading the scanner now, without waiting (~40–150 ms of module loading): a caller about to wait for
 * a git process (the snapshot's status pass) overlaps the two. A load that fails is forgotten here and
 * fails again, loudly, in the scanContent call that needs it.
 */
export function preloadScanner(): void {
  if (linter) return;
  const loading = load();
  linter = loading;
  loading.catch(() => {
    if (linter === loading) linter = null;
  });
}

/** True when `bytes` look binary (a NUL in the first 8000 bytes, git's own test): not scanned as text. */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/**
 * Scan one file's content. Binary content is not scanned (name rules cover keystores).
 * @param filePath the path relative to the repository top (only its extension matters to the rules)
 * @throws DxError SECRET_SCAN_FAILED when the scanner cannot load or run
 */
export async function scanContent(bytes: Buffer, filePath: string): Promise<ContentFinding[]> {
  if (!bytes.length || looksBinary(bytes)) return [];
  try {
    linter ??= load();
    return await (await linter)(bytes.toString('utf8'), filePath);
  } catch (err) {
    linter = null;
    throw new DxError('SECRET_SCAN_FAILED', `the secret scanner failed on ${filePath}: ${(err as Error).message}`, 'Reinstall dx-hooks (npm i -D dx-hooks); nothing unscanned is backed up meanwhile.');
  }
}

/**
 * Scan text (a transcript, a state object's JSON) the same way; positions are indexes into `text`.
 * @param name a file name (only its extension matters to the rules)
 * @throws DxError SECRET_SCAN_FAILED when the scanner cannot load or run
 */
export async function scanText(text: string, name: string): Promise<ContentFinding[]> {
  if (!text) return [];
  try {
    linter ??= load();
    return await (await linter)(text, name);
  } catch (err) {
    linter = null;
    throw new DxError('SECRET_SCAN_FAILED', `the secret scanner failed on ${name}: ${(err as Error).message}`, 'Reinstall dx-hooks (npm i -D dx-hooks); nothing unscanned is written meanwhile.');
  }
}

/** The distinct rule names of `findings`, for messages (`PrivateKey, GITHUB_TOKEN`). */
export function ruleNames(findings: readonly ContentFinding[]): string[] {
  return [...new Set(findings.map((f) => f.rule))];
}
