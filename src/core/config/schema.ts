/**
 * The one schema for `.dxrc` (DESIGN §5). It validates user files, supplies defaults, and is
 * turned into `dxrc.schema.json` for editors at build time (scripts/post-build.mjs).
 */
import { z } from 'zod';
import { SIZE_RE } from './size.js';

export { DEFAULT_EXCLUDE } from '../secrets/defaults.js';
export { parseSize } from './size.js';

const Size = z.union([
  z.number().int().nonnegative(),
  z.string().regex(SIZE_RE, 'expected a size such as "10MiB", "500KB" or a number of bytes'),
]);

const RefPrefix = z
  .string()
  .regex(/^refs\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'expected a ref prefix such as "refs/heads/wip" or "refs/wip"');

/**
 * A path inside the repository, relative to its top: never absolute, never climbing out with `..`,
 * no newline (the hooks read these paths line by line). A cloned repository's `.dxrc` is untrusted:
 * this is what stops it from pointing dx-hooks at files outside the repository.
 */
export function insidePathProblem(p: string): string | null {
  if (p.includes('\0') || p.includes('\n') || p.includes('\r')) return 'a path must not contain a newline or NUL';
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\')) return 'expected a path relative to the repository top, not an absolute path';
  if (p.split(/[\\/]/).includes('..')) return 'expected a path inside the repository: ".." is not allowed';
  if (p.split(/[\\/]/)[0] === '.git') return 'paths inside .git are not work-tree files';
  return null;
}

const InsidePath = z.string().min(1).superRefine((p, c) => {
  const problem = insidePathProblem(p);
  if (problem) c.addIssue({ code: 'custom', message: problem });
});

const CriticalEntry = z.union([
  InsidePath,
  z
    .object({
      path: InsidePath,
      executable: z.boolean().optional(),
      minCount: z.number().int().positive().optional(),
    })
    .strict(),
]);

/** `.dxrc` schema. Every key is optional; parsing fills the defaults shown in `.dxrc.example.json`. */
export const DxConfigSchema = z
  .object({
    $schema: z.string().optional(),
    remote: z.string().min(1).regex(/^[^\s-][^\s]*$/, 'expected a remote name such as "origin"').optional(),
    wip: z
      .object({
        enabled: z.boolean().default(true),
        push: z.enum(['background', 'sync', 'off']).default('background'),
        refPrefix: RefPrefix.default('refs/heads/wip'),
        maxFileSize: Size.default('10MiB'),
        exclude: z
          .array(z.string().min(1))
          .default([])
          .describe('Extra paths (gitignore syntax) left out of snapshots, ADDED to the built-in secret exclusions (DEFAULT_EXCLUDE), which a repository cannot remove: only the machine config\'s "allowSecrets" can.'),
      })
      .strict()
      .prefault({}),
    protect: z
      .object({
        paths: z.array(z.string().min(1)).default([]),
        branches: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .prefault({}),
    guard: z
      .object({
        critical: z.array(CriticalEntry).default([]),
        telemetry: InsidePath.nullable().default(null),
      })
      .strict()
      .prefault({}),
    divergence: z
      .object({
        warn: z.boolean().default(true),
        staleHours: z.number().positive().default(24),
      })
      .strict()
      .prefault({}),
    role: z.enum(['active', 'reference']).nullable().default(null),
  })
  .strict();

/** A parsed, defaulted `.dxrc`. */
export type DxConfig = z.infer<typeof DxConfigSchema>;

/** The defaults: what an empty `.dxrc` means. */
export function defaultConfig(): DxConfig {
  return DxConfigSchema.parse({});
}
