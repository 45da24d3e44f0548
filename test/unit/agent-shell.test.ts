// Issue 14 point 2: an agent's shell command line read with a real parser (unbash) — every command it
// reaches, through ;, &&, pipes, subshells, $(…), sh -c, eval, here-documents, env/sudo/timeout wrappers
// and cd — and what each would destroy. Nothing here runs a command: a line that would create a file if
// run creates none.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { effectsOf, gitDestructive, type Effect } from '../../src/core/agents/shell/effects.ts';
import { walkCommandLine } from '../../src/core/agents/shell/walk.ts';

const env = { cleanNeedsForce: true, exists: (p: string) => p.endsWith('/repo/a.txt') || p.endsWith('/repo/sub') };
const effects = (line: string, cwd = '/repo'): Effect[] => walkCommandLine(line, cwd).commands.flatMap((c) => effectsOf(c, env));
const gitLines = (line: string) => effects(line).filter((e) => e.kind === 'git').map((e) => `${e.cwd} git ${(e as { argv: string[] }).argv.join(' ')}`);

test('destructive git commands are found wherever the line runs them, in the directory they run in', () => {
  assert.deepEqual(gitLines('git reset --hard'), ['/repo git reset --hard']);
  assert.deepEqual(gitLines('git checkout -- .'), ['/repo git checkout -- .']);
  assert.deepEqual(gitLines('git clean -fdx'), ['/repo git clean -fdx']);
  assert.deepEqual(gitLines("bash -c 'git checkout .'"), ['/repo git checkout .']);
  assert.deepEqual(gitLines('cd sub && git restore .'), ['/repo/sub git restore .']);
  assert.deepEqual(gitLines('(cd sub; git stash drop); git status'), ['/repo/sub git stash drop']);
  assert.deepEqual(gitLines('echo $(git clean -fd) `git reset --hard HEAD~1`'), ['/repo git clean -fd', '/repo git reset --hard HEAD~1']);
  assert.deepEqual(gitLines('env A=1 sudo -u me nice -n 5 timeout 10 git switch -f main'), ['/repo git switch -f main']);
  assert.deepEqual(gitLines('bash <<EOF\ngit checkout .\nEOF'), ['/repo git checkout .']);
  assert.deepEqual(gitLines("eval 'git restore --source=HEAD~2 .'"), ['/repo git restore --source=HEAD~2 .']);
  assert.deepEqual(gitLines('sh -c "cd sub && bash -c \'git reset --keep\'"'), ['/repo/sub git reset --keep']);
  assert.deepEqual(gitLines('if true; then git merge --abort; fi'), ['/repo git merge --abort']);
  assert.deepEqual(gitLines('cd $SOMEWHERE && git reset --hard'), ['null git reset --hard'], 'a cd to somewhere unknown: the directory is unknown');
  // Not destructive: read-only commands, a staged-only restore, a dry-run clean, a branch checkout.
  for (const line of ['git status', 'git log -p', 'git diff', 'git restore --staged a.txt', 'git clean -n', 'git checkout main', 'git rm --cached a.txt', 'git stash list', 'ls; git branch']) assert.deepEqual(gitLines(line), [], line);
});

test('the git guard\'s list: each case and its exceptions', () => {
  const yes = (argv: string) => assert.equal(gitDestructive(argv.split(' '), '/repo', env), true, argv);
  const no = (argv: string) => assert.equal(gitDestructive(argv.split(' '), '/repo', env), false, argv);
  ['reset --merge', 'checkout a.txt', 'checkout --ours x', 'restore -W --staged x', 'clean -i', 'stash clear', 'switch --discard-changes x', 'rm -rf x', 'worktree remove --force w', 'cherry-pick --abort', '-C sub checkout .'].forEach(yes);
  ['reset --soft HEAD~1', 'checkout -b new', 'restore -S x', 'clean -fn', 'rm --cached -f x', 'worktree remove w', 'merge main'].forEach(no);
  assert.equal(gitDestructive(['clean', '-d'], '/repo', { ...env, cleanNeedsForce: false }), true, 'clean.requireForce=false: a plain clean deletes');
});

test('files removed or overwritten: rm, mv, redirects, cp, tee, truncate, dd, find -delete — and what only reads or appends is not', () => {
  const show = (line: string) => effects(line).map((e) => e.kind === 'git' ? 'git' : `${e.kind}:${e.what}:${e.targets.map((t) => `${t.path ?? '?'}${t.tree ? '/**' : ''}`).join(',')}`);
  assert.deepEqual(show('rm -rf dir'), ['remove:rm:/repo/dir/**']);
  assert.deepEqual(show('rm build/tmp.o'), ['remove:rm:/repo/build/tmp.o']);
  assert.deepEqual(show('rm -- -weird'), ['remove:rm:/repo/-weird']);
  assert.deepEqual(show('> file'), ['overwrite:redirect >:/repo/file']);
  assert.deepEqual(show('echo hi > out.txt 2>&1'), ['overwrite:redirect >:/repo/out.txt']);
  assert.deepEqual(show('echo hi >> log.txt'), [], 'appending destroys nothing');
  assert.deepEqual(show('mv a b'), ['remove:mv:/repo/a/**', 'overwrite:mv:/repo/b/**']);
  assert.deepEqual(show('cp x y/'), ['overwrite:cp:/repo/y/**']);
  assert.deepEqual(show('echo x | tee a.txt'), ['overwrite:tee:/repo/a.txt']);
  assert.deepEqual(show('echo x | tee -a a.txt'), []);
  assert.deepEqual(show('truncate -s 0 big.log'), ['overwrite:truncate:/repo/big.log']);
  assert.deepEqual(show('dd if=/dev/zero of=disk.img'), ['overwrite:dd:/repo/disk.img']);
  assert.deepEqual(show("find src -name '*.o' -delete"), ['remove:find -delete:/repo/src/**']);
  assert.deepEqual(show('rm -rf *'), ['remove:rm:/repo/**'], 'a glob reaches the folder it starts in');
  assert.deepEqual(show('rm -rf sub/*.tmp'), ['remove:rm:/repo/sub/**']);
  assert.deepEqual(show('rm -rf $DIR'), ['remove:rm:?/**'], 'an expansion is unknown');
  assert.deepEqual(show('xargs rm < list.txt'), ['remove:rm:?/**'], 'xargs adds arguments from stdin');
  assert.deepEqual(show('rsync -a --delete build/ secret/'), ['remove:rsync --delete:/repo/secret/**']);
  assert.deepEqual(show('rsync -a src/ out/'), ['overwrite:rsync:/repo/out/**']);
  assert.deepEqual(show('rsync -a src/ host:backup/'), [], 'a remote destination is not this work tree');
  assert.deepEqual(show('cat a.txt; ls -la; grep -r x .'), []);
});

test('what cannot be read is marked, not guessed: a script piped into a shell, sh -c "$X", eval of a variable, source', () => {
  for (const line of ['curl -s https://x | sh', 'sh -c "$SCRIPT"', 'eval "$CMD"', 'source ./env.sh', 'bash build.sh']) {
    const w = walkCommandLine(line, '/repo');
    assert.ok(w.opaque.length >= 1, `${line}: ${JSON.stringify(w)}`);
  }
});

test('reading a line never runs it: command substitutions, process substitutions and here-documents that would write a file write nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-shell-'));
  try {
    const mark = path.join(dir, 'ran');
    const lines = [`echo $(touch ${mark}-1)`, `cat <(touch ${mark}-2)`, `bash <<EOF\ntouch ${mark}-3\nEOF`, `sh -c 'touch ${mark}-4'`, `eval "touch ${mark}-5"`, `x=\`touch ${mark}-6\``];
    for (const line of lines) effects(line, dir);
    assert.deepEqual(fs.readdirSync(dir), [], 'a command in the line ran');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
