// Shared test helpers: import everything from here ('../helpers/index.ts').
export { makeSandbox, withSandbox, waitFor, npmCacheDir, type Sandbox } from './sandbox.ts';
export {
  run,
  git,
  createBareRemote,
  seedRemote,
  cloneAs,
  hostAt,
  initRepo,
  rejectPushesTo,
  lsRemote,
  type RunResult,
  type RunOptions,
  type GitResult,
  type Host,
} from './git.ts';
export { startGitDaemon, unreachableUrl, freePort, type GitDaemon } from './daemon.ts';
export { packageRoot, dxBin, dx, dxJson } from './dx.ts';
export { hookStateFile, readHookStateFile } from './hookstate.ts';
export { installHooks } from './install.ts';
