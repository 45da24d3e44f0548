/**
 * The one store for dx-hooks' own JSON and JSONL files (issue 11): read with zod, write atomically,
 * append safely after a torn line, never through a link, and one way to say what is corrupt where.
 */
export { describeProblem, schemaProblem, syntaxProblem, zodIssues, type StoreProblem } from './problem.js';
export { readCacheJson, readCacheText, readJson, readStoreText, type JsonRead } from './read.js';
export { readJsonl, readJsonlObjects, readJsonlTailObjects, type JsonlRead } from './jsonl.js';
export { appendJsonl, createJson, writeJson } from './write.js';
export { writeAtomic, writeUserJson } from './user.js';
