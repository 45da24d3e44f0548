# dx-hooks hook runtime (POSIX sh). `dx-hooks install` copies it to <git-common-dir>/dx/hooks/.
# The stub in each hook file sources it (dx_hook_path and DX_COMMON_DIR set, "$@" = git's hook
# arguments); husky's block runs it as:  sh runtime.sh <path of the hook> <git's hook arguments...>
# All hook policy lives here: DX_HOOKS=0, DX_DEBUG=1, chaining the hook that was installed before
# dx-hooks, finding node, and deciding in sh whether node is needed at all. The foreground never
# starts node for a commit or a checkout: it appends to a queue and detaches the worker.
# Data (branch names, paths) only ever travels as quoted arguments; nothing is eval'd.

if [ -z "${dx_hook_path-}" ]; then
  dx_hook_path=$1
  shift
fi
dx_hook=${dx_hook_path##*/}
[ "${DX_DEBUG-}" = 1 ] && set -x

# 1. The hook that was here before dx-hooks (install renamed it to <hook>.pre-dx-hooks) runs first.
dx_rc=0
if [ -x "$dx_hook_path.pre-dx-hooks" ]; then
  case $dx_hook in
    pre-push|post-rewrite|reference-transaction|pre-rebase)
      dx_stdin=$(mktemp "${TMPDIR:-/tmp}/dx-hooks-stdin.XXXXXX") || dx_stdin=/dev/null
      [ "$dx_stdin" = /dev/null ] || cat >"$dx_stdin"
      "$dx_hook_path.pre-dx-hooks" "$@" <"$dx_stdin"
      dx_rc=$?
      exec <"$dx_stdin"
      [ "$dx_stdin" = /dev/null ] || rm -f "$dx_stdin"
      ;;
    *)
      "$dx_hook_path.pre-dx-hooks" "$@"
      dx_rc=$?
      ;;
  esac
  # Its refusal is git's answer, as without dx-hooks: every pre-* hook, and reference-transaction in
  # "prepared" (the one state whose exit code git obeys; "committed" still records a rewind below).
  case $dx_hook:${1-} in
    pre-*|prepare-commit-msg:*|reference-transaction:prepared) [ "$dx_rc" -eq 0 ] || exit "$dx_rc" ;;
  esac
fi

# 1b. reference-transaction fires for every ref update: a rebase of 20 commits runs it ~200 times, for
#    HEAD, ORIG_HEAD, REBASE_HEAD and "aborted" transactions. Only a branch (refs/heads/) or the stash
#    can need anything below, so any other input ends here, before the rest of this file is even read
#    (sh parses as it goes). The input is kept in dx_rtin for the handler below. No fork.
if [ "$dx_hook" = reference-transaction ]; then
  case ${1-} in prepared|committed) ;; *) exit 0 ;; esac
  dx_rtin=
  dx_rtany=
  while read -r dx_old dx_new dx_ref; do
    dx_rtin="$dx_rtin$dx_old $dx_new $dx_ref
"
    case $dx_ref in refs/heads/*|refs/stash) dx_rtany=1 ;; esac
  done
  [ -n "$dx_rtany" ] || exit 0
fi

# 2. DX_HOOKS=0 turns dx-hooks off (like HUSKY=0); the chained hook above still ran. The off switch
#    is logged where it skips a commit's or a push's check: one fixed-text ledger line. (Not per ref
#    update: git 2.39 runs reference-transaction twice for one deletion, so it would log twice.)
if [ "${DX_HOOKS-}" = 0 ]; then
  dx_l=${DX_COMMON_DIR:-$(git rev-parse --git-common-dir 2>/dev/null)}/dx/events.jsonl
  if { [ "$dx_hook" = pre-commit ] || [ "$dx_hook" = pre-push ]; } && [ -d "${dx_l%/*}" ] && [ ! -L "${dx_l%/*}" ] && [ ! -L "$dx_l" ]; then
    dx_ts=$(date +%s)
    dx_sep=
    [ -s "$dx_l" ] && [ -n "$(tail -c1 "$dx_l")" ] && dx_sep='\n' # a torn last line keeps its own line
    printf "$dx_sep"'{"id":"%s-off%s","ts":%s,"host":"","op":"hooks.off","ok":true,"detail":{"hook":"%s","override":"DX_HOOKS=0"}}\n' "$dx_ts" "$$" "$dx_ts" "$dx_hook" >>"$dx_l"
  fi
  exit "$dx_rc"
fi

# 2b. prepare-commit-msg: attribution trailers for a commit a coding agent makes (DESIGN §9). No agent
#    named in the environment (a person's commit, the common case): the message is left exactly as it
#    is, here, before the rest of this file is even read. No fork. `dx-hooks commit` wrote its own
#    trailers (DX_ATTRIBUTED=1).
if [ "$dx_hook" = prepare-commit-msg ]; then
  [ -n "${DX_AGENT-}${AI_AGENT-}${CLAUDECODE-}${CLAUDE_CODE_SESSION_ID-}${CODEX_THREAD_ID-}${GEMINI_CLI-}" ] || exit "$dx_rc"
  [ "${DX_ATTRIBUTED-}" = 1 ] && exit "$dx_rc"
fi

# 3. Where we are. The stub passes the common dir it already asked git for (DX_COMMON_DIR);
#    the per-worktree git dir and HEAD are asked for only by the hooks that need them (dx_where).
dx_common=${DX_COMMON_DIR-}
[ -n "$dx_common" ] || dx_common=$(git rev-parse --git-common-dir 2>/dev/null) || exit "$dx_rc"
dx_dir=$dx_common/dx
# Never write through a link (issue 10): a dx folder that is a symlink could lead anywhere.
if [ -L "$dx_dir" ]; then
  printf '%s\n' "dx-hooks: $dx_dir is a symbolic link; dx-hooks writes nothing through it (replace it with a real folder; dx-hooks doctor)" >&2
  exit "$dx_rc"
fi
# Nor through a link in it at a file this runtime writes (no fork: test is a shell builtin).
for dx_f in banner queue worker.log notice events.jsonl worker.starting; do
  if [ -L "$dx_dir/$dx_f" ]; then
    printf '%s\n' "dx-hooks: $dx_dir/$dx_f is a symbolic link; dx-hooks writes nothing through it (remove it; dx-hooks doctor)" >&2
    exit "$dx_rc"
  fi
done
dx_nl='
'
dx_tab='	'
# The per-worktree git dir and HEAD's ref (`HEAD` when detached). Read from the files git keeps when
# they are plain (HEAD a file naming a loose ref, or a commit): no git process on a commit or checkout
# (issue 12). Anything else - a packed or unborn branch, a symlinked HEAD, reftable - asks git.
dx_where() {
  if [ -f "$dx_wdir/HEAD" ] && [ ! -L "$dx_wdir/HEAD" ] && IFS= read -r dx_l <"$dx_wdir/HEAD"; then
    case $dx_l in
      "ref: refs/heads/.invalid") ;;
      "ref: refs/"*)
        dx_r=${dx_l#ref: }
        case $dx_r in *..*|*[!A-Za-z0-9._/@+-]*) ;; *)
          if [ -f "$dx_common/$dx_r" ] || [ -f "$dx_wdir/$dx_r" ]; then dx_git_dir=$dx_wdir dx_head=$dx_r; return 0; fi ;;
        esac ;;
      *) case $dx_l in ''|*[!0-9a-f]*) ;; *) dx_git_dir=$dx_wdir dx_head=HEAD; return 0 ;; esac ;;
    esac
  fi
  dx_out=$(git rev-parse --git-dir --symbolic-full-name HEAD 2>/dev/null) || exit "$dx_rc"
  dx_git_dir=${dx_out%%"$dx_nl"*}
  dx_head=${dx_out#*"$dx_nl"}
}

# 4. This worktree's hook state (issue 11): <git-dir>/dx/hook-state, written by node from the effective
#    config (src/core/hookstate/format.ts), one per worktree since each has its own .dxrc. Its header
#    is read here in one pass, with no fork. Missing, of another format, or older than a .dxrc:
#    "stale" - every check goes to node, the worker runs, and the hooks that read the lists ask node
#    to rewrite it first (dx_fresh). "config invalid" (node could not load .dxrc): stale as well,
#    but node is not asked again until .dxrc changes. Nothing read from it is ever eval'd.
if [ -n "${GIT_DIR-}" ]; then dx_wdir=$GIT_DIR
elif [ -d .git ]; then dx_wdir=.git
elif [ -f .git ]; then IFS= read -r dx_l <.git; dx_wdir=${dx_l#gitdir: }
else dx_wdir=$(git rev-parse --git-dir 2>/dev/null) || dx_wdir=$dx_common; fi
dx_hsf=$dx_wdir/dx/hook-state
dx_read_state() {
  dx_stale=1 dx_refresh=1 dx_mode=background dx_cfg=ok
  dx_dset=on dx_dsecs=86400 dx_dremote=-
  dx_pset=1 dx_pcommitted=1 dx_phead=- dx_ncrit=0 dx_nprot=0 dx_pkgdx=1 dx_rcname= dx_rcsum=
  if [ -f "$dx_hsf" ] && [ ! -L "$dx_hsf" ]; then
    {
      IFS=' ' read -r dx_k dx_a dx_b
      if [ "$dx_k $dx_a" = "dx-hook-state 1" ]; then
        dx_stale= dx_refresh=
        while IFS=' ' read -r dx_k dx_a dx_b dx_c; do
          case $dx_k in
            config) dx_cfg=$dx_a ;;
            mode) dx_mode=$dx_a ;;
            divergence) dx_dset=$dx_a dx_dsecs=$dx_b dx_dremote=$dx_c ;;
            protect) dx_pset=$dx_a dx_pcommitted=$dx_b dx_phead=$dx_c ;;
            lists) dx_ncrit=$dx_a dx_nprot=$dx_b ;;
            pkgdx) dx_pkgdx=$dx_a ;;
            rcfile) dx_rcname=$dx_a dx_rcsum="$dx_b $dx_c" ;;
            *) break ;;
          esac
        done
      fi
    } <"$dx_hsf"
  fi
  # Numbers go into $(( )) and -gt: anything else falls back to the careful value.
  case $dx_dsecs in ''|*[!0-9]*) dx_dsecs=86400 ;; esac
  case $dx_ncrit in ''|*[!0-9]*) dx_ncrit=1 ;; esac
  case $dx_nprot in ''|*[!0-9]*) dx_nprot=1 ;; esac
  case $dx_mode in background|sync|off) ;; *) dx_mode=background ;; esac
  [ "$dx_cfg" = ok ] || { dx_stale=1; dx_mode=background; }
  for dx_rc_file in .dxrc .dxrc.json .dxrc.yaml .dxrc.yml package.json; do
    [ "$dx_rc_file" -nt "$dx_hsf" ] || continue
    # The very bytes the state was built from, rewritten by a checkout (a .dxrc committed on one branch
    # only): not stale. One cksum, no node (the state's "rcfile <name> <crc> <bytes>").
    if [ "$dx_rc_file" = "$dx_rcname" ] && [ ! -L "$dx_rc_file" ]; then
      [ "$(cksum <"$dx_rc_file" 2>/dev/null)" = "$dx_rcsum" ] && continue
    fi
    # package.json changes with every dependency bump and branch switch: it holds dx-hooks' config only
    # with a "dx" key. Had none when the state was written (pkgdx 0) and has none now: not stale, no
    # node. Conservative: any "dx" string or \u escape (a key spelt with escapes) counts; so does a read error.
    if [ "$dx_rc_file" = package.json ] && [ "$dx_pkgdx" = 0 ] && [ ! -L package.json ]; then
      grep -q -e '"dx"' -e '\\u' package.json 2>/dev/null
      [ $? -eq 1 ] && continue
    fi
    dx_stale=1 dx_refresh=1 dx_mode=background
    break
  done
  # The config file the state was built from is gone (a checkout of a branch without it): stale.
  case $dx_rcname in ''|-) ;; *) [ -e "$dx_rcname" ] || [ -L "$dx_rcname" ] || { dx_stale=1 dx_refresh=1 dx_mode=background; } ;; esac
  [ -n "${DX_WIP_PUSH-}" ] && dx_mode=$DX_WIP_PUSH
  return 0
}
dx_read_state

# The hook state's "<kind> ..." lines (c: critical, p: protected), without the kind, into dx_list, in one
# sed: a `while read` loop reads a file one byte per syscall (10k protected paths: +230 ms per checkout).
# Callers loop with dx_for_lines' settings: split on newlines only, no globbing (paths are data).
dx_lines() {
  dx_list=$(sed -n "s/^$1 //p" "$dx_hsf" 2>/dev/null) || dx_list=
  dx_ifs=$IFS
  IFS=$dx_nl
  set -f
}
dx_lines_end() {
  IFS=$dx_ifs
  set +f
}

# Text that came from other hosts or the remote (the banner, warn/<branch>.msg, branch and path names)
# is printed through dx_clean: C0 controls but TAB, DEL, the C1 controls (UTF-8 \302\200-\237) and the
# direction marks, overrides and isolates (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) and the
# line and paragraph separators (U+2028/9) become '?', so nothing in it can
# drive the terminal. node writes these files safe already; this is the second line of defence.
# sed starts only when there is something to print.
dx_clean() {
  LC_ALL=C sed -e "s/[$(printf '\001-\010\013-\037\177')]/?/g" \
    -e "s/$(printf '\302')[$(printf '\200-\237')]/?/g" \
    -e "s/$(printf '\342\200')[$(printf '\252-\256')]/?/g" \
    -e "s/$(printf '\342\201')[$(printf '\246-\251')]/?/g" \
    -e "s/$(printf '\342\200')[$(printf '\216\217\250\251')]/?/g" \
    -e "s/$(printf '\330\234')/?/g"
}

# One word of a command the user may paste (a path from the protect or critical list), quoted for sh:
# plain words as they are, else '...' with each ' written '\''; a leading - becomes ./- (never an option).
dx_quote() {
  dx_q=$1
  case $dx_q in -*) dx_q=./$dx_q ;; esac
  case $dx_q in
    ''|*[!A-Za-z0-9_./@%+=:,-]*) printf "'%s'" "$(printf '%s' "$dx_q" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$dx_q" ;;
  esac
}

# HEAD's commit read from the files git keeps (a .git folder or a "gitdir:" file, a loose ref), so the
# hot path starts no git; dx_hs stays empty when unsure (a packed ref, an odd layout): ask git then.
dx_head_sha() {
  dx_hs=
  dx_gd=$dx_wdir
  [ -f "$dx_gd/HEAD" ] || return 0
  IFS= read -r dx_l <"$dx_gd/HEAD"
  case $dx_l in
    "ref: refs/"*)
      dx_r=${dx_l#ref: }
      if [ -f "$dx_gd/$dx_r" ]; then IFS= read -r dx_hs <"$dx_gd/$dx_r"
      elif [ -f "$dx_common/$dx_r" ]; then IFS= read -r dx_hs <"$dx_common/$dx_r"; fi ;;
    *) dx_hs=$dx_l ;;
  esac
  case $dx_hs in *[!0-9a-f]*) dx_hs= ;; esac
}

dx_banner() {
  # A one-time notice (dx refs restored on the remote after a push deleted them): said once, then gone.
  if [ -s "$dx_dir/notice" ]; then
    dx_clean <"$dx_dir/notice" >&2
    rm -f "$dx_dir/notice"
  fi
  # dx-hooks' own hooks not run by git (renamed, shadowed, deleted, stale): node's check wrote why (issue 11).
  [ -s "$dx_dir/hooks-alert" ] && dx_clean <"$dx_dir/hooks-alert" >&2
  [ -s "$dx_dir/banner" ] || return 0
  # "Paused" (the worker could not read .dxrc) is out of date once .dxrc changed after it was written:
  # the worker this hook starts reads the config again, pushes the queue, and rewrites it if still broken.
  if [ -n "$dx_stale" ]; then
    IFS= read -r dx_b <"$dx_dir/banner"
    case $dx_b in
      "dx-hooks: WIP backup paused"*)
        for dx_rc_file in .dxrc .dxrc.json .dxrc.yaml .dxrc.yml; do
          [ "$dx_rc_file" -nt "$dx_dir/banner" ] && return 0
        done ;;
    esac
  fi
  dx_clean <"$dx_dir/banner" >&2
}

# The CLI: the path install recorded; when it is gone (npx's cache cleaned, a moved checkout) the
# repository's own node_modules (never a tracked one: a cloned repository must not choose what runs),
# then dx-hooks on PATH. A bin that is not a node script (pnpm's sh wrapper) runs under sh. Found
# nowhere: said on stderr, in the banner and the ledger; the queued commit waits for the next hook.
dx_find_cli() {
  dx_cli=
  [ -f "$dx_dir/hooks/cli-path" ] && IFS= read -r dx_cli <"$dx_dir/hooks/cli-path"
  [ -n "$dx_cli" ] && [ -f "$dx_cli" ] && return 0
  dx_recorded=$dx_cli
  dx_cli=
  dx_top=$(git rev-parse --show-toplevel 2>/dev/null)
  if [ -n "$dx_top" ] && { [ -e "$dx_top/node_modules/.bin/dx-hooks" ] || [ -f "$dx_top/node_modules/dx-hooks/dist/cli.js" ]; }; then
    if dx_t=$(git -C "$dx_top" ls-files -- node_modules 2>/dev/null) && [ -z "$dx_t" ]; then
      if [ -f "$dx_top/node_modules/dx-hooks/dist/cli.js" ]; then dx_cli=$dx_top/node_modules/dx-hooks/dist/cli.js
      elif [ -f "$dx_top/node_modules/.bin/dx-hooks" ]; then dx_cli=$dx_top/node_modules/.bin/dx-hooks; fi
    else
      printf '%s\n' "dx-hooks: not running $dx_top/node_modules/.bin/dx-hooks: node_modules is tracked by git (a repository must not choose what dx-hooks runs)" >&2
    fi
  fi
  if [ -z "$dx_cli" ]; then dx_cli=$(command -v dx-hooks 2>/dev/null) || dx_cli=; fi
  case $dx_cli in /*) ;; *) dx_cli= ;; esac # an alias or a function is not a file to run
  [ -n "$dx_cli" ] && [ -f "$dx_cli" ] || { dx_cli=; return 1; }
  [ "${DX_DEBUG-}" = 1 ] && printf '%s\n' "dx-hooks: the recorded CLI ${dx_recorded:-(none)} is gone; using $dx_cli (dx-hooks doctor --fix records it)" >&2
  IFS= read -r dx_l <"$dx_cli" || dx_l=
  case $dx_l in '#!'*node*) ;; *) dx_node=$(command -v sh) ;; esac
  return 0
}

dx_find_node() {
  dx_node=$(command -v node 2>/dev/null)
  if [ -z "$dx_node" ] && [ -f "$dx_dir/hooks/node-path" ]; then IFS= read -r dx_node <"$dx_dir/hooks/node-path"; fi
  [ -n "$dx_node" ] && [ ! -x "$dx_node" ] && dx_node=
  dx_find_cli
  if [ -z "$dx_node" ] || [ -z "$dx_cli" ]; then
    dx_msg="dx-hooks: cannot start the worker (node: ${dx_node:-not found}, CLI: ${dx_cli:-${dx_recorded:-the recorded path} is gone, and no dx-hooks in node_modules or on PATH}) - work is NOT being backed up; run: npx dx-hooks install"
    printf '%s\n' "$dx_msg" >&2
    { printf '%s\n' "$dx_msg" >"$dx_dir/banner"; } 2>/dev/null
    # The ledger, in fixed text (no data in it: a path could break the JSON); a torn last line keeps its own line.
    dx_l=$dx_dir/events.jsonl
    if [ -d "$dx_dir" ]; then
      dx_ts=$(date +%s)
      dx_sep=
      [ -s "$dx_l" ] && [ -n "$(tail -c1 "$dx_l")" ] && dx_sep='\n'
      { printf "$dx_sep"'{"id":"%s-nocli%s","ts":%s,"host":"","op":"hooks.cli-missing","ok":false,"error":"cannot start the dx-hooks CLI: node or the CLI not found (the recorded path, node_modules, PATH)","detail":{"hook":"%s"}}\n' "$dx_ts" "$$" "$dx_ts" "$dx_hook" >>"$dx_l"; } 2>/dev/null
    fi
    return 1
  fi
  return 0
}

# A worker that crashes (exit != 0; handled failures exit 0) must not be silent: it writes the banner.
# The sh -c script is fixed text; node, the CLI, the dx dir and the arguments travel as "$@".
dx_guarded='dx_n=$1; dx_c=$2; dx_d=$3; shift 3
"$dx_n" "$dx_c" "$@" || { dx_rc=$?; printf "dx-hooks: the dx-hooks worker crashed (exit %s) - work may NOT be backed up; details: %s\n" "$dx_rc" "$dx_d/worker.log" >"$dx_d/banner"; exit "$dx_rc"; }'

dx_background() {
  dx_bgpid=
  dx_find_node || return 1
  if command -v setsid >/dev/null 2>&1; then
    setsid sh -c "$dx_guarded" dx-worker "$dx_node" "$dx_cli" "$dx_dir" "$@" </dev/null >>"$dx_dir/worker.log" 2>&1 &
  else
    nohup sh -c "$dx_guarded" dx-worker "$dx_node" "$dx_cli" "$dx_dir" "$@" </dev/null >>"$dx_dir/worker.log" 2>&1 &
  fi
  dx_bgpid=$!
  return 0
}

dx_foreground() {
  dx_find_node || return 0
  sh -c "$dx_guarded" dx-worker "$dx_node" "$dx_cli" "$dx_dir" "$@"
}

# A foreground check (pre-commit, pre-push, reference-transaction): exit 10 means "refused" and
# becomes git's exit 1. A check that cannot decide refuses (fail closed): node or the CLI not found,
# or the check crashed. It says why, how to fix it, and the one-off override (DX_HOOKS=0, as HUSKY=0).
# Only the protection checks come here, and only when there is something to check (pre-commit: an
# index that deletes or changes a file's type or mode; reference-transaction: a branch deletion or rewind).
dx_check() {
  if ! dx_find_node; then
    dx_refuse "could not run (node or the dx-hooks CLI is not found, see above)"
    return 0
  fi
  "$dx_node" "$dx_cli" hook "$@"
  dx_check_rc=$?
  case $dx_check_rc in
    0) return 0 ;;
    10) exit 1 ;;
    *) dx_refuse "crashed (exit $dx_check_rc; details above)" ;;
  esac
}

# Refuse what the hook guards, because its check could not decide. reference-transaction's
# "committed" call cannot refuse (git ignores it there): it is said, and the banner keeps it.
dx_refuse() {
  case $dx_hook in
    pre-push) dx_what='this push' dx_again='git push' ;;
    reference-transaction) dx_what='this branch deletion' dx_again='git branch -D ...' ;;
    *) dx_what='this commit' dx_again='git commit ...' ;;
  esac
  { printf '%s\n' "dx-hooks: the $dx_hook protection check $1 - protection is NOT working until it runs again; run: dx-hooks doctor" >"$dx_dir/banner"; } 2>/dev/null
  if [ "$dx_hook" = reference-transaction ] && [ "${dx_state-}" = committed ]; then
    printf '%s\n' "dx-hooks: the branch rewind was NOT recorded: the check $1, so dx-hooks undo cannot bring the old tip back (git reflog still has it). Fix: npx dx-hooks install (or dx-hooks doctor --fix)" >&2
    return 0
  fi
  printf '%s\n' "dx-hooks: the $dx_hook protection check $1 - $dx_what is refused so that nothing protected is lost. Fix: npx dx-hooks install (or dx-hooks doctor --fix); to go on without dx-hooks this once: DX_HOOKS=0 $dx_again" >&2
  exit 1
}

dx_enqueue() {
  if [ "$dx_head" = HEAD ]; then
    dx_line=$(git rev-parse HEAD 2>/dev/null) || return 0
  else
    dx_line=$dx_head
  fi
  [ -d "$dx_dir" ] || mkdir -p "$dx_dir" 2>/dev/null
  # A dx dir that cannot be written must not lose the backup silently: say so; the next hook or
  # command finds the commit on no remote and mirrors it (src/core/wip/unmirrored.ts).
  { printf '%s\n' "$dx_line" >>"$dx_dir/queue"; } 2>/dev/null ||
    printf 'dx-hooks: could not queue %s for backup (%s is not writable) - the next dx-hooks command or hook retries it; see: dx-hooks status\n' "$dx_line" "$dx_dir/queue" >&2
}

# One worker per burst (issue 12): while a worker holds the lock it names itself in dx/worker.pid, and
# after letting go of the lock it looks at the queue once more (src/core/wip/worker.ts). So a hook that
# queued first and then finds that worker alive starts no second node: the live one takes the entry.
# Alive means: the pid exists and, where /proc tells, runs dx-hooks (a reused pid does not count).
# Unsure (no /proc, a pid of another user): a worker is started, as before. One kill -0, no fork
# unless a worker file is there.
dx_worker_live() {
  dx_pid_live "$dx_dir/worker.pid" || dx_pid_live "$dx_dir/worker.starting"
}
# A worker is named twice: worker.starting (the pid of the sh that started it, written by the hook that
# started it, alive as long as its node: a burst's hooks must not each start one in the ~0.3 s before
# it takes the lock; the worker removes it before its last look at the queue, so a hook that queues
# after that look starts a new worker) and worker.pid (the node holding the lock).
dx_pid_live() {
  [ -f "$1" ] && [ ! -L "$1" ] || return 1
  IFS= read -r dx_wpid <"$1" || return 1
  case $dx_wpid in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$dx_wpid" 2>/dev/null || return 1
  [ -r "/proc/$dx_wpid/cmdline" ] || return 1
  case $(tr '\0' ' ' <"/proc/$dx_wpid/cmdline" 2>/dev/null) in *dx-hooks*|*/cli.js\ *|*\ dx-worker\ *) return 0 ;; esac
  return 1
}

dx_start_worker() {
  dx_background hook-worker || return 0
  [ -n "${dx_bgpid-}" ] && { printf '%s\n' "$dx_bgpid" >"$dx_dir/worker.starting"; } 2>/dev/null
  return 0
}

# After a branch checkout node is due only when it has something to do (issue 12): a queued commit, a
# failure to retry (the banner says so), other hosts' WIP not looked at for DX_REFRESH_SECONDS (the
# worker writes the time of its last look to dx/warnings-refreshed; default 60 s), or protected paths
# listed for another HEAD. A checkout burst (a script, a bisect, an agent) starts one node, not one each.
dx_checkout_due() {
  [ -s "$dx_dir/queue" ] || [ -f "$dx_dir/banner" ] && return 0
  if [ "$dx_pset" = 1 ] || [ -n "$dx_stale" ]; then
    dx_head_sha
    [ -n "$dx_hs" ] && [ "$dx_hs" = "$dx_phead" ] || return 0
  fi
  [ -f "$dx_dir/warnings-refreshed" ] && [ ! -L "$dx_dir/warnings-refreshed" ] || return 0
  IFS= read -r dx_rt <"$dx_dir/warnings-refreshed" || return 0
  case $dx_rt in ''|*[!0-9]*) return 0 ;; esac
  [ ${#dx_rt} -le 12 ] || return 0
  dx_every=${DX_REFRESH_SECONDS:-60}
  case $dx_every in ''|*[!0-9]*) dx_every=60 ;; esac
  [ ${#dx_every} -le 9 ] || dx_every=60
  dx_now=$(date +%s)
  # Due once the interval has passed, or when the clock went back.
  [ "$dx_now" -ge "$dx_rt" ] && [ $((dx_now - dx_rt)) -lt "$dx_every" ] && return 1
  return 0
}

dx_run_worker() {
  if [ "$dx_mode" = sync ]; then dx_foreground hook-worker --foreground
  elif dx_worker_live; then [ "${DX_DEBUG-}" = 1 ] && printf '%s\n' "dx-hooks: worker $dx_wpid is running; it takes this commit" >&2
  else dx_start_worker; fi
  return 0
}

# Divergence warnings (DESIGN §3; they never block): branch $1 against its upstream as of the last
# fetch, other hosts' newer WIP of it (warn/<branch>.msg, written by the worker from the index),
# and - unless $2 is "nostale" - its commits that have been only on this host for longer than
# divergence.staleHours (neither a remote-tracking ref nor a landed WIP push, refs/dx/pushed/*,
# reaches them). Settings come from the hook state's divergence line (dx_read_state). No network.
# A hook state that is missing (a new linked worktree), of another format, or older than a .dxrc:
# node rewrites it once, in the foreground, before the warnings and the guard read it. A .dxrc node
# cannot load is marked "config invalid" in it, so node does not start again on every checkout.
dx_fresh() {
  [ -n "$dx_refresh" ] || return 0
  dx_find_node && "$dx_node" "$dx_cli" hook cache >/dev/null
  dx_read_state
  dx_refresh=
}

dx_divergence() {
  dx_fresh
  [ "$dx_dset" = off ] && return 0
  dx_track=$(git for-each-ref --count=1 --format='%(upstream:short) %(upstream:track,nobracket)' "refs/heads/$1" 2>/dev/null)
  case $dx_track in
    *" ahead "*", behind "*)
      dx_t=${dx_track##* ahead }
      printf 'dx-hooks: "%s" and its upstream %s have diverged: %s ahead, %s behind (as of the last fetch) - integrate before you push: git pull --rebase\n' \
        "$1" "${dx_track%% ahead *}" "${dx_t%%,*}" "${dx_t##*behind }" | dx_clean >&2
      ;;
  esac
  # warn/<branch>.msg lines: "<push time>\t<text>\t<text>", the age as of now goes between the two texts.
  if [ -f "$dx_dir/warn/$1.msg" ]; then
    dx_now=$(date +%s)
    dx_clean <"$dx_dir/warn/$1.msg" | while IFS= read -r dx_line; do
      dx_ts=${dx_line%%"$dx_tab"*}
      case $dx_ts in ''|*[!0-9]*) printf '%s\n' "$dx_line" >&2; continue ;; esac
      dx_rest=${dx_line#*"$dx_tab"}
      dx_s=$((dx_now - dx_ts))
      [ "$dx_s" -ge 0 ] || dx_s=0
      if [ "$dx_s" -lt 90 ]; then dx_age="${dx_s}s"
      elif [ "$dx_s" -lt 5400 ]; then dx_age="$(((dx_s + 30) / 60))m"
      elif [ "$dx_s" -lt 129600 ]; then dx_age="$(((dx_s + 1800) / 3600))h"
      else dx_age="$(((dx_s + 43200) / 86400))d"; fi
      printf '%s%s ago%s\n' "${dx_rest%%"$dx_tab"*}" "$dx_age" "${dx_rest#*"$dx_tab"}" >&2
    done
  fi
  [ "${2-}" = nostale ] && return 0
  [ "$dx_dremote" = - ] && return 0
  dx_cut=$(( $(date +%s) - dx_dsecs ))
  dx_n=$(git rev-list --count --min-age="$dx_cut" "refs/heads/$1" --not --remotes --glob=refs/dx/pushed 2>/dev/null) || return 0
  [ "${dx_n:-0}" -gt 0 ] || return 0
  if [ $((dx_dsecs % 3600)) -eq 0 ]; then dx_lim="$((dx_dsecs / 3600))h"; elif [ $((dx_dsecs % 60)) -eq 0 ]; then dx_lim="$((dx_dsecs / 60))m"; else dx_lim="${dx_dsecs}s"; fi
  printf 'dx-hooks: %s commit(s) on "%s" older than %s exist only on this host: not on %s, and no WIP backup of them landed - push them (git push) and see why the backup failed: dx-hooks status\n' \
    "$dx_n" "$1" "$dx_lim" "$dx_dremote" | dx_clean >&2
}

# The guardrail after checkout, merge and rewrite (issue 5), cheap: plain critical paths are
# checked here in sh and named at once; node runs (detached) only when there is something to
# log or to count — a drift, a drift logged before that may be gone now, or a glob entry.
dx_guard() {
  dx_fresh
  [ "$dx_ncrit" -gt 0 ] || return 0
  dx_gneed=
  [ -e "${dx_hsf%/*}/guard-state.json" ] && dx_gneed=1
  # The "c <kind> <path>" lines.
  dx_lines c
  for dx_line in $dx_list; do
    IFS=$dx_ifs
    dx_gkind=${dx_line%% *} dx_gpath=${dx_line#* }
    case $dx_gkind in
      g) dx_gneed=1 ;;
      *)
        if [ ! -f "$dx_gpath" ]; then
          printf '%s\n' "dx-hooks: critical file $dx_gpath is missing from the work tree - bring it back: dx-hooks guard --repair (history: dx-hooks diagnose $(dx_quote "$dx_gpath"))" | dx_clean >&2
          dx_gneed=1
        elif [ "$dx_gkind" = x ] && [ ! -x "$dx_gpath" ]; then
          printf '%s\n' "dx-hooks: critical file $dx_gpath lost its exec bit - restore it: dx-hooks guard --repair (or chmod +x $(dx_quote "$dx_gpath"))" | dx_clean >&2
          dx_gneed=1
        fi ;;
    esac
  done
  dx_lines_end
  [ -n "$dx_gneed" ] && dx_background guard --from-hook
  return 0
}

# Every route that makes a commit (issue 10 class 4), from reference-transaction. $1 = the phase,
# $2 = the hook's input lines. prepared: a branch update whose new tip deletes a file, changes a
# type (symlink, submodule) or drops an exec bit goes to node, which refuses it when protected
# paths are lost (a fast-forward, cherry-pick, revert, am, rebase's final update, commit --no-verify).
# committed: a stash entry dropped (git stash pop) while a protected path of HEAD (the hook state's p lines) is
# gone from the work tree goes to node, which says so and records it for undo. One git call per
# branch update, and only where protect.paths is set.
dx_routes() {
  [ "$dx_pset" = 1 ] || [ -n "$dx_stale" ] || return 0
  dx_rhit=
  while read -r dx_rold dx_rnew dx_rref; do
    [ -n "$dx_rhit" ] && break
    case $1:$dx_rref in
      prepared:refs/heads/*)
        case $dx_rnew in *[!0]*) ;; *) continue ;; esac
        case $dx_rold in *[!0]*) ;; *) dx_rold=$(git rev-parse -q --verify "$dx_rref^{commit}" 2>/dev/null) || continue ;; esac
        [ "$dx_rold" = "$dx_rnew" ] && continue
        dx_rchg=$(git diff-tree -r --no-renames --raw "$dx_rold" "$dx_rnew" 2>/dev/null) || continue
        case $dx_rchg in *" D$dx_tab"*|*" T$dx_tab"*|*":100755 100644 "*) dx_rhit=1 ;; esac
        ;;
      committed:refs/stash)
        case $dx_rold in *[!0]*) ;; *) continue ;; esac
        [ "$dx_nprot" -gt 0 ] || continue
        dx_lines p
        for dx_line in $dx_list; do
          dx_pmode=${dx_line%% *} dx_path=${dx_line#* }
          if [ ! -e "$dx_path" ] && [ ! -L "$dx_path" ]; then dx_rhit=1
          elif [ "$dx_pmode" = 120000 ]; then [ -L "$dx_path" ] || dx_rhit=1
          elif [ -L "$dx_path" ] || { [ "$dx_pmode" != 160000 ] && [ -d "$dx_path" ]; }; then dx_rhit=1
          elif [ "$dx_pmode" = 100755 ] && [ ! -x "$dx_path" ]; then dx_rhit=1
          fi
          [ -n "$dx_rhit" ] && break
        done
        dx_lines_end
        ;;
    esac
  done <<EOF_DX_ROUTES
$2
EOF_DX_ROUTES
  [ -n "$dx_rhit" ] || return 0
  printf '%s' "$2" | dx_check routes "$1" || exit 1
}

# Are dx-hooks' hooks still the ones git runs? (issue 11) Another tool renaming, deleting or writing a
# hook in this hook's folder (lefthook renames ours to <hook>.old; rm; an editor) changes the folder's
# mtime: when it is newer than the stamp install left, node checks every hook in the background and
# writes dx/hooks-alert, which dx_banner prints. All well: one `test -nt` (two stats), no fork.
dx_hdir=${dx_hook_path%/*}
if [ "$dx_hdir" != "$dx_hook_path" ] && [ "$dx_hdir" -nt "$dx_dir/hooks/stamp" ] && [ ! -L "$dx_dir/hooks" ] && [ ! -L "$dx_dir/hooks/stamp" ]; then
  { : >"$dx_dir/hooks/stamp"; } 2>/dev/null && dx_background hook health
fi

case $dx_hook in
  reference-transaction)
    # Fires for every ref update (twice per commit): decide in sh, start node only for a branch
    # deletion (prepared: refuse a protected branch, else record) or rewind (committed: record).
    # dx-hooks' own ref moves (undo, rollback, restore) write their own ledger record: they pass a
    # one-use token naming a file they created (dx/own/<token>). The variable alone is no bypass, and a
    # deletion is checked all the same (refs.ts ownRefWrite).
    dx_own=
    case ${DX_IN_REFTX-} in ''|*[!0-9a-f]*) ;; *) [ ${#DX_IN_REFTX} -eq 32 ] && [ -f "$dx_dir/own/$DX_IN_REFTX" ] && dx_own=1 ;; esac
    dx_state=${1-}
    case $dx_state in prepared|committed) ;; *) exit 0 ;; esac
    dx_in=
    dx_hit=
    while read -r dx_old dx_new dx_ref; do
      [ -n "$dx_old" ] || continue
      dx_in="$dx_in$dx_old $dx_new $dx_ref$dx_nl"
      [ -n "$dx_hit" ] && continue
      case $dx_ref in refs/heads/*) ;; *) continue ;; esac
      case $dx_new in
        *[!0]*)
          # An update: a rewind is recorded once committed (a creation has an all-zero old value).
          [ "$dx_state" = committed ] && [ -z "$dx_own" ] || continue
          case $dx_old in *[!0]*) ;; *) continue ;; esac
          [ "$dx_old" = "$dx_new" ] && continue
          git merge-base --is-ancestor "$dx_old" "$dx_new" 2>/dev/null || dx_hit=1
          ;;
        *)
          # A deletion: checked and recorded while the ref still exists (git may pass an all-zero old value).
          # Not the prune of a loose ref that `pack-refs --all` (gc, maintenance) just packed: the ref
          # lives on in packed-refs at that very value, and only a prune runs without packed-refs.lock
          # (a real deletion holds it through "prepared"; git 2.39 refs/files-backend.c).
          [ "$dx_state" = prepared ] || continue
          case $dx_old in
            *[!0]*) [ ! -e "$dx_common/packed-refs.lock" ] && grep -qxF -e "$dx_old $dx_ref" "$dx_common/packed-refs" 2>/dev/null && continue ;;
          esac
          dx_hit=1
          ;;
      esac
    done <<EOF_DX_RTIN
$dx_rtin
EOF_DX_RTIN
    dx_routes "$dx_state" "$dx_in"
    [ -n "$dx_hit" ] || exit 0
    # dx_check runs in the pipeline's subshell: its "exit 1" (refused) must end this hook too.
    printf '%s' "$dx_in" | dx_check reference-transaction "$dx_state" || exit 1
    ;;
  pre-commit|pre-merge-commit|pre-applypatch)
    # git commit, git merge (a merge commit), git am: only an index that deletes a file, changes a
    # type (T: a file become a symlink or a submodule) or drops an exec bit can hurt a protected path;
    # one that changes a config file may take protection away (that needs the override), so node
    # checks it. An empty protect cache means "nothing protected" only for the HEAD it was built for.
    # Nothing protected at this very HEAD (the hook state was built for it, .dxrc unchanged since) and
    # no committed config whose protection a staged one could take away: nothing to check, no git call.
    if [ "$dx_pset" = 0 ] && [ "$dx_pcommitted" = 0 ] && [ -z "$dx_stale" ] && [ "$dx_phead" != - ]; then
      dx_head_sha
      [ -n "$dx_hs" ] || dx_hs=$(git rev-parse -q --verify HEAD 2>/dev/null)
      [ "$dx_phead" = "$dx_hs" ] && exit 0
    fi
    dx_changes=$(git diff-index --cached --no-renames --raw HEAD 2>/dev/null) || exit 0
    case $dx_changes in
      *"$dx_tab.dxrc"*|*"${dx_tab}package.json"*|*"${dx_tab}dx.config."*) ;;
      *" D$dx_tab"*|*" T$dx_tab"*|*":100755 100644 "*)
        if [ "$dx_pset" = 0 ] && [ -z "$dx_stale" ] && [ "$dx_phead" != - ]; then
          [ "$dx_phead" = "$(git rev-parse -q --verify HEAD 2>/dev/null)" ] && exit 0
        fi ;;
      *) exit 0 ;;
    esac
    dx_check "$dx_hook"
    ;;
  post-commit|post-merge)
    dx_where
    # During a rebase or `git am` nothing is pushed per commit; post-rewrite mirrors once at the end.
    if [ -d "$dx_git_dir/rebase-merge" ] || [ -d "$dx_git_dir/rebase-apply" ]; then exit 0; fi
    if [ "$dx_mode" != off ]; then
      dx_enqueue
      dx_banner
      dx_run_worker
    fi
    if [ "$dx_hook" = post-merge ]; then
      dx_guard
      case $dx_head in refs/heads/*) dx_divergence "${dx_head#refs/heads/}" ;; esac
    fi
    ;;
  post-rewrite)
    dx_where
    dx_guard
    [ "$dx_mode" = off ] && exit 0
    dx_enqueue
    dx_banner
    dx_run_worker
    ;;
  post-checkout)
    # Protected paths (the hook state's "p <mode> <path>" lines) that vanished or lost
    # their exec bit — after a branch switch or a file checkout alike. $1 is the previous HEAD.
    # A new linked worktree (git worktree add runs this hook) has no hook state yet: node writes it first.
    dx_fresh
    if [ "$dx_nprot" -gt 0 ]; then
      dx_lines p
      for dx_line in $dx_list; do
        IFS=$dx_ifs
        dx_pmode=${dx_line%% *} dx_path=${dx_line#* }
        if [ ! -e "$dx_path" ] && [ ! -L "$dx_path" ]; then
          printf '%s\n' "dx-hooks: protected path $dx_path is missing from the work tree — bring it back: git checkout $(dx_quote "${1-HEAD}") -- $(dx_quote "$dx_path")" | dx_clean >&2
        elif [ "$dx_pmode" = 100755 ] && [ ! -x "$dx_path" ]; then
          printf '%s\n' "dx-hooks: protected path $dx_path lost its exec bit — restore it: chmod +x $(dx_quote "$dx_path")" | dx_clean >&2
        fi
      done
      dx_lines_end
    fi
    dx_guard
    # $3 = 1: a branch checkout (0: files checked out from the index or a tree).
    [ "${3-}" = 1 ] || exit 0
    dx_where
    case $dx_head in refs/heads/*) dx_divergence "${dx_head#refs/heads/}" ;; esac
    [ "$dx_mode" = off ] && exit 0
    dx_banner
    dx_checkout_due && ! dx_worker_live && dx_start_worker
    ;;
  prepare-commit-msg)
    # 2b found an agent in the environment: node checks the names and adds the trailers to the message
    # file ($1). Attribution never costs the commit: whatever fails is said, and the commit goes on.
    if dx_find_node; then
      "$dx_node" "$dx_cli" hook prepare-commit-msg "$@" || printf '%s\n' "dx-hooks: the agent attribution trailers were NOT added (see above); the commit goes on without them" >&2
    fi
    ;;
  pre-push)
    # Node checks the refs being pushed (protected paths and branches, other hosts' WIP; exit 10 =
    # refused), then pushes this host's pending WIP. Our own pushes use --no-verify: no re-entry.
    # The user's push waits for this: each network call is bounded at 20 s unless told otherwise.
    # The pushed branches are checked for divergence first (a warning; never blocking).
    dx_in=$(cat)
    while read -r dx_lref dx_lsha dx_rref dx_rsha; do
      case $dx_lref in refs/heads/*) dx_divergence "${dx_lref#refs/heads/}" nostale ;; esac
    done <<EOF_DX_PUSH
$dx_in
EOF_DX_PUSH
    DX_NETWORK_TIMEOUT_MS=${DX_NETWORK_TIMEOUT_MS:-20000}
    export DX_NETWORK_TIMEOUT_MS
    printf '%s' "$dx_in${dx_in:+$dx_nl}" | dx_check pre-push "$@" || exit 1
    ;;
esac
exit 0
