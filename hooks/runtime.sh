# dx-hooks hook runtime (POSIX sh). `dx-hooks install` copies it to <git-common-dir>/dx/hooks/
# and every hook stub runs it as:  sh runtime.sh <path of the hook> <git's hook arguments...>
# All hook policy lives here: DX_HOOKS=0, DX_DEBUG=1, chaining the hook that was installed before
# dx-hooks, finding node, and deciding in sh whether node is needed at all. The foreground never
# starts node for a commit or a checkout: it appends to a queue and detaches the worker.
# Data (branch names, paths) only ever travels as quoted arguments; nothing is eval'd.

dx_hook_path=$1
shift
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
  case $dx_hook in
    pre-*) [ "$dx_rc" -eq 0 ] || exit "$dx_rc" ;;
  esac
fi

# 2. DX_HOOKS=0 turns dx-hooks off (like HUSKY=0); the chained hook above still ran.
[ "${DX_HOOKS-}" = 0 ] && exit "$dx_rc"

# 3. Where we are: per-worktree git dir, the shared common dir, and what HEAD names.
dx_out=$(git rev-parse --git-dir --git-common-dir --symbolic-full-name HEAD 2>/dev/null) || exit "$dx_rc"
dx_nl='
'
dx_git_dir=${dx_out%%"$dx_nl"*}
dx_out=${dx_out#*"$dx_nl"}
dx_common=${dx_out%%"$dx_nl"*}
dx_head=${dx_out#*"$dx_nl"}

dx_dir=$dx_common/dx
dx_mode=background
[ -f "$dx_dir/push-mode" ] && IFS= read -r dx_mode <"$dx_dir/push-mode"
# A .dxrc edited after the worker last cached the mode: unknown, so let the worker re-read it.
for dx_rc_file in .dxrc .dxrc.json .dxrc.yaml .dxrc.yml package.json; do
  if [ "$dx_rc_file" -nt "$dx_dir/push-mode" ]; then dx_mode=background; break; fi
done
[ -n "${DX_WIP_PUSH-}" ] && dx_mode=$DX_WIP_PUSH

dx_banner() {
  [ -s "$dx_dir/banner" ] || return 0
  while IFS= read -r dx_line; do printf '%s\n' "$dx_line" >&2; done <"$dx_dir/banner"
}

dx_find_node() {
  dx_node=$(command -v node 2>/dev/null)
  if [ -z "$dx_node" ] && [ -f "$dx_dir/hooks/node-path" ]; then IFS= read -r dx_node <"$dx_dir/hooks/node-path"; fi
  dx_cli=
  [ -f "$dx_dir/hooks/cli-path" ] && IFS= read -r dx_cli <"$dx_dir/hooks/cli-path"
  if [ -z "$dx_cli" ] || [ ! -f "$dx_cli" ]; then
    dx_top=$(git rev-parse --show-toplevel 2>/dev/null)
    [ -f "$dx_top/node_modules/dx-hooks/dist/cli.js" ] && dx_cli=$dx_top/node_modules/dx-hooks/dist/cli.js
  fi
  if [ -z "$dx_node" ] || [ -z "$dx_cli" ] || [ ! -f "$dx_cli" ]; then
    dx_msg="dx-hooks: cannot start the worker (node: ${dx_node:-not found}, CLI: ${dx_cli:-not recorded}) - work is NOT being backed up; run: npx dx-hooks install"
    printf '%s\n' "$dx_msg" >&2
    printf '%s\n' "$dx_msg" >"$dx_dir/banner"
    return 1
  fi
  return 0
}

# A worker that crashes (exit != 0; handled failures exit 0) must not be silent: it writes the banner.
# The sh -c script is fixed text; node, the CLI, the dx dir and the arguments travel as "$@".
dx_guarded='dx_n=$1; dx_c=$2; dx_d=$3; shift 3
"$dx_n" "$dx_c" "$@" || { dx_rc=$?; printf "dx-hooks: the dx-hooks worker crashed (exit %s) - work may NOT be backed up; details: %s\n" "$dx_rc" "$dx_d/worker.log" >"$dx_d/banner"; exit "$dx_rc"; }'

dx_background() {
  dx_find_node || return 0
  if command -v setsid >/dev/null 2>&1; then
    setsid sh -c "$dx_guarded" dx-worker "$dx_node" "$dx_cli" "$dx_dir" "$@" </dev/null >>"$dx_dir/worker.log" 2>&1 &
  else
    nohup sh -c "$dx_guarded" dx-worker "$dx_node" "$dx_cli" "$dx_dir" "$@" </dev/null >>"$dx_dir/worker.log" 2>&1 &
  fi
}

dx_foreground() {
  dx_find_node || return 0
  sh -c "$dx_guarded" dx-worker "$dx_node" "$dx_cli" "$dx_dir" "$@"
}

dx_enqueue() {
  if [ "$dx_head" = HEAD ]; then
    dx_line=$(git rev-parse HEAD 2>/dev/null) || return 0
  else
    dx_line=$dx_head
  fi
  [ -d "$dx_dir" ] || mkdir -p "$dx_dir"
  printf '%s\n' "$dx_line" >>"$dx_dir/queue"
}

dx_run_worker() {
  if [ "$dx_mode" = sync ]; then dx_foreground hook-worker --foreground; else dx_background hook-worker; fi
}

case $dx_hook in
  post-commit|post-merge)
    # During a rebase or `git am` nothing is pushed per commit; post-rewrite mirrors once at the end.
    if [ -d "$dx_git_dir/rebase-merge" ] || [ -d "$dx_git_dir/rebase-apply" ]; then exit 0; fi
    [ "$dx_mode" = off ] && exit 0
    dx_enqueue
    dx_banner
    dx_run_worker
    ;;
  post-rewrite)
    [ "$dx_mode" = off ] && exit 0
    dx_enqueue
    dx_banner
    dx_run_worker
    ;;
  post-checkout)
    # $3 = 1: a branch checkout (0: files checked out from the index or a tree).
    [ "${3-}" = 1 ] || exit 0
    [ "$dx_mode" = off ] && exit 0
    dx_banner
    case $dx_head in
      refs/heads/*)
        dx_warn=$dx_dir/warn/${dx_head#refs/heads/}.msg
        if [ -f "$dx_warn" ]; then
          while IFS= read -r dx_line; do printf '%s\n' "$dx_line" >&2; done <"$dx_warn"
        fi
        ;;
    esac
    dx_background hook-worker
    ;;
  pre-push)
    [ "$dx_mode" = off ] && exit 0
    # Our own pushes use --no-verify, so this never re-enters. It never blocks the user's push.
    # The user's push waits for this: bound each network call at 20 s unless told otherwise.
    DX_NETWORK_TIMEOUT_MS=${DX_NETWORK_TIMEOUT_MS:-20000}
    export DX_NETWORK_TIMEOUT_MS
    dx_foreground hook-worker --foreground --no-refresh --wait-lock 15000 --deadline 25000 </dev/null
    ;;
esac
exit 0
