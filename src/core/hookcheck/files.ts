/**
 * The two files behind "are dx-hooks' hooks still the ones git runs?" (issue 11): the stamp install
 * writes last into the runtime folder — a hooks folder newer than it makes the runtime ask node to
 * check (one `test -nt` in sh, two stats) — and the alert node writes when a check finds a problem,
 * which every hook prints with the banner.
 */

/** `<git-common-dir>/dx/hooks/<STAMP>`: touched by install and by the runtime when it starts a check. */
export const STAMP = 'stamp';
/** `<git-common-dir>/dx/<HOOKS_ALERT>`: one safe line per problem; absent when the hooks are fine. */
export const HOOKS_ALERT = 'hooks-alert';
