/**
 * Small pieces every doctor check shares: a fix run once however many diagnostics offer it
 * (three hook problems, one re-install), and a check that fails without taking doctor down.
 */
import path from 'node:path';
import { describeError } from '../errors.js';
import type { Diagnostic } from './types.js';

/** Wrap `fn` so it runs at most once; later calls get the first call's promise (its result or its error). */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}

/**
 * Run one check; when it throws (an unreadable file, git failing), report that as a
 * `DOCTOR_CHECK_FAILED` error instead of stopping the other checks.
 */
export async function guarded(name: string, check: () => Promise<Diagnostic[]> | Diagnostic[]): Promise<Diagnostic[]> {
  try {
    return await check();
  } catch (err) {
    return [{ code: 'DOCTOR_CHECK_FAILED', id: `DOCTOR_CHECK_FAILED:${name}`, severity: 'error', message: `the ${name} check could not run: ${describeError(err)}`, fixable: false, hint: 'Run again with DX_DEBUG=1 to see the git commands; report it if it persists.' }];
  }
}

/** `p` relative to the work tree `top` when inside it (for messages), else absolute. */
export function rel(top: string, p: string): string {
  return p.startsWith(top + path.sep) ? path.relative(top, p) : p;
}
