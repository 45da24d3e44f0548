# dx-hooks git guard (POSIX sh): what `dx-hooks shell-init` and `dx-hooks shim install` put in front
# of git. Destructive commands no hook can stop in time (reset --hard, checkout -- <paths> / ., restore,
# clean -f, stash drop/clear, switch --discard-changes) go to dx-hooks first, which snapshots the work
# they would destroy (for `dx-hooks undo`) and refuses when they would destroy protected paths unless
# DX_ALLOW_DESTRUCTIVE=1. Everything else goes straight to the real git: no node, one sh.
# Usage: sh git-guard.sh <real git> <dx-hooks cli> <node> [git arguments...]
dx_git=$1 dx_cli=$2 dx_node=$3
shift 3
[ "${DX_HOOKS-}" = 0 ] && exec "$dx_git" "$@"

dx_destructive=
dx_sub=
# Skip git's global options (-C dir, -c k=v, --git-dir=…) to find the subcommand.
dx_i=0
for dx_a in "$@"; do
  dx_i=$((dx_i + 1))
  if [ -n "${dx_skip-}" ]; then dx_skip=; continue; fi
  case $dx_a in
    -C|-c|--git-dir|--work-tree|--namespace|--exec-path) dx_skip=1 ;;
    -*) ;;
    *) dx_sub=$dx_a; break ;;
  esac
done
case $dx_sub in
  reset)
    for dx_a in "$@"; do case $dx_a in --hard|--merge|--keep) dx_destructive=1 ;; esac; done ;;
  checkout)
    for dx_a in "$@"; do
      case $dx_a in
        checkout) ;;
        --|.|-f|--force|-p|--patch|--ours|--theirs) dx_destructive=1 ;;
        -*) ;;
        *) [ -e "$dx_a" ] && dx_destructive=1 ;;
      esac
    done ;;
  restore)
    dx_destructive=1
    dx_staged_only=
    for dx_a in "$@"; do case $dx_a in -S|--staged) dx_staged_only=1 ;; -W|--worktree) dx_staged_only= ; break ;; esac; done
    [ -n "$dx_staged_only" ] && dx_destructive= ;;
  clean)
    for dx_a in "$@"; do case $dx_a in --force) dx_destructive=1 ;; --*) ;; -*f*) dx_destructive=1 ;; esac; done
    for dx_a in "$@"; do case $dx_a in -n|--dry-run) dx_destructive= ;; esac; done ;;
  stash)
    for dx_a in "$@"; do case $dx_a in drop|clear) dx_destructive=1 ;; esac; done ;;
  switch)
    for dx_a in "$@"; do case $dx_a in --discard-changes|-f|--force) dx_destructive=1 ;; esac; done ;;
esac
[ -n "$dx_destructive" ] || exec "$dx_git" "$@"

if [ ! -f "$dx_cli" ] || ! command -v "$dx_node" >/dev/null 2>&1; then
  printf '%s\n' "dx-hooks: cannot snapshot before 'git $dx_sub' (node or the dx-hooks CLI is missing: $dx_node, $dx_cli); refusing. Run it without the guard: DX_HOOKS=0 git …" >&2
  exit 1
fi
DX_REAL_GIT=$dx_git "$dx_node" "$dx_cli" guard-git -- "$@"
dx_rc=$?
case $dx_rc in
  0) exec "$dx_git" "$@" ;;
  10) exit 1 ;;
  *) printf '%s\n' "dx-hooks: the snapshot before 'git $dx_sub' failed (exit $dx_rc); refusing so nothing is lost. Run it without the guard: DX_HOOKS=0 git …" >&2; exit 1 ;;
esac
