# dx-hooks git guard (POSIX sh): what `dx-hooks shell-init` and `dx-hooks shim install` put in front
# of git. Destructive commands no hook can stop in time (reset --hard/--merge/--keep, checkout -- <paths>
# / . / -f / --no-overlay, restore (any --source), clean -f (or plain clean under clean.requireForce=false),
# stash drop/clear, switch -f/--discard-changes, rm -f, worktree remove --force, merge/cherry-pick/revert/am
# --abort) go to dx-hooks first, which snapshots the work they would destroy (for `dx-hooks undo`) and
# refuses when they would destroy protected paths unless DX_ALLOW_DESTRUCTIVE=1. An alias is judged by
# what it expands to (a `!` shell alias that names a destructive git command: snapshot first). Global
# options before the subcommand (-C, -c, --git-dir, --work-tree) are followed to THAT repository.
# Everything else goes straight to the real git: no node, one sh (plus one `git config` for a subcommand
# that is not one of git's own). Usage: sh git-guard.sh <real git> <dx-hooks cli> <node> [git arguments...]
dx_git=$1 dx_cli=$2 dx_node=$3
shift 3
[ "${DX_HOOKS-}" = 0 ] && exec "$dx_git" "$@"

# Run the real git with the first $1 arguments of the rest (the global options) followed by "config …".
dx_config() {
  dx_n=$1 dx_key=$2
  shift 2
  dx_k=0
  for dx_a in "$@"; do
    [ "$dx_k" -eq 0 ] && set --
    dx_k=$((dx_k + 1))
    [ "$dx_k" -le "$dx_n" ] && set -- "$@" "$dx_a"
  done
  [ "$dx_k" -eq 0 ] && set --
  "$dx_git" "$@" config --get "$dx_key" 2>/dev/null
}

# Sets dx_sub (the subcommand), dx_ng (how many global options precede it) and dx_destructive.
dx_classify() {
  dx_destructive=
  dx_sub=
  dx_ng=0
  dx_skip=
  dx_cdir=.
  for dx_a in "$@"; do
    if [ -n "$dx_skip" ]; then
      [ "$dx_skip" = C ] && case $dx_a in /*) dx_cdir=$dx_a ;; *) dx_cdir=$dx_cdir/$dx_a ;; esac
      dx_skip=; dx_ng=$((dx_ng + 1)); continue
    fi
    case $dx_a in
      -C) dx_skip=C; dx_ng=$((dx_ng + 1)) ;;
      -c|--git-dir|--work-tree|--namespace|--exec-path|--config-env) dx_skip=1; dx_ng=$((dx_ng + 1)) ;;
      -*) dx_ng=$((dx_ng + 1)) ;;
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
          --|.|-f|--force|-p|--patch|--ours|--theirs|--no-overlay) dx_destructive=1 ;;
          -*) ;;
          *) { [ -e "$dx_a" ] || [ -e "$dx_cdir/$dx_a" ]; } && dx_destructive=1 ;;
        esac
      done ;;
    restore)
      dx_destructive=1
      dx_staged_only=
      for dx_a in "$@"; do case $dx_a in -S|--staged) dx_staged_only=1 ;; -W|--worktree) dx_staged_only= ; break ;; esac; done
      [ -n "$dx_staged_only" ] && dx_destructive= ;;
    clean)
      dx_forced=
      for dx_a in "$@"; do case $dx_a in --force|-i|--interactive) dx_forced=1 ;; --*) ;; -*f*|-*i*) dx_forced=1 ;; esac; done
      # clean.requireForce=false: a plain `git clean` deletes.
      [ -z "$dx_forced" ] && [ "$(dx_config "$dx_ng" clean.requireForce "$@")" = false ] && dx_forced=1
      dx_destructive=$dx_forced
      for dx_a in "$@"; do case $dx_a in -n|--dry-run) dx_destructive= ;; esac; done ;;
    stash)
      for dx_a in "$@"; do case $dx_a in drop|clear) dx_destructive=1 ;; esac; done ;;
    switch)
      for dx_a in "$@"; do case $dx_a in --discard-changes|-f|--force) dx_destructive=1 ;; esac; done ;;
    rm)
      dx_cached=
      for dx_a in "$@"; do case $dx_a in --cached) dx_cached=1 ;; --force) dx_destructive=1 ;; --*) ;; -*f*) dx_destructive=1 ;; esac; done
      [ -n "$dx_cached" ] && dx_destructive= ;;
    worktree)
      dx_wt_remove=
      for dx_a in "$@"; do case $dx_a in remove) dx_wt_remove=1 ;; -f|--force) [ -n "$dx_wt_remove" ] && dx_destructive=1 ;; esac; done ;;
    merge|cherry-pick|revert|am)
      for dx_a in "$@"; do case $dx_a in --abort) dx_destructive=1 ;; esac; done ;;
  esac
  return 0
}

# Hand the (possibly alias-expanded) command to node: 0 run git, 10 refused, anything else: refuse.
dx_judge() {
  dx_shell_alias=$1
  shift
  if [ ! -f "$dx_cli" ] || ! command -v "$dx_node" >/dev/null 2>&1; then
    printf '%s\n' "dx-hooks: cannot snapshot before 'git $dx_sub' (node or the dx-hooks CLI is missing: $dx_node, $dx_cli); refusing. Run it without the guard: DX_HOOKS=0 git …" >&2
    return 1
  fi
  DX_REAL_GIT=$dx_git DX_GUARD_SHELL_ALIAS=$dx_shell_alias "$dx_node" "$dx_cli" guard-git -- "$@"
}

# An alias: build "<global options> <alias words> <the rest>" and judge that.
dx_expand() {
  dx_n=$1 dx_value=$2
  shift 2
  dx_k=0
  dx_rest_from=$((dx_n + 2))
  dx_words=$dx_value
  for dx_a in "$@"; do
    [ "$dx_k" -eq 0 ] && set --
    dx_k=$((dx_k + 1))
    if [ "$dx_k" -le "$dx_n" ]; then
      set -- "$@" "$dx_a"
    elif [ "$dx_k" -eq $((dx_n + 1)) ]; then
      set -f
      # shellcheck disable=SC2086 # the alias value is split into words like git does (quotes aside), never globbed
      set -- "$@" $dx_words
      set +f
    elif [ "$dx_k" -ge "$dx_rest_from" ]; then
      set -- "$@" "$dx_a"
    fi
  done
  dx_classify "$@"
  [ -n "$dx_destructive" ] || return 0
  dx_judge '' "$@"
}

dx_classify "$@"
dx_rc=0
if [ -n "$dx_destructive" ]; then
  dx_judge '' "$@"
  dx_rc=$?
else
  case $dx_sub in
    ''|add|am|apply|archive|bisect|blame|branch|bundle|cat-file|check-ignore|checkout|cherry|cherry-pick|clean|clone|commit|commit-tree|config|describe|diff|difftool|fetch|for-each-ref|format-patch|fsck|gc|grep|hash-object|help|init|log|ls-files|ls-remote|ls-tree|maintenance|merge|merge-base|mktree|mv|notes|pack-refs|prune|pull|push|range-diff|rebase|reflog|remote|repack|replace|reset|restore|rev-list|rev-parse|revert|rm|shortlog|show|show-ref|sparse-checkout|stash|status|submodule|switch|symbolic-ref|tag|update-index|update-ref|var|verify-commit|version|worktree|write-tree) ;;
    *)
      # Not one of git's own commands (git never lets an alias shadow those): maybe an alias.
      dx_alias=$(dx_config "$dx_ng" "alias.$dx_sub" "$@")
      dx_depth=0
      while [ -n "$dx_alias" ] && [ "$dx_depth" -lt 5 ]; do
        dx_depth=$((dx_depth + 1))
        case $dx_alias in
          '!'*)
            # A shell alias: dx-hooks cannot see what it will run; if it names a destructive git command, snapshot first.
            case $dx_alias in
              *reset*|*checkout*|*restore*|*clean*|*stash*|*switch*|*worktree*|*" rm "*|*--abort*)
                dx_judge "alias.$dx_sub" "$@"
                dx_rc=$? ;;
            esac
            break ;;
          *)
            dx_expand "$dx_ng" "$dx_alias" "$@"
            dx_rc=$?
            # An alias of an alias: follow it (git does, up to a loop).
            [ "$dx_rc" -eq 0 ] && [ -z "$dx_destructive" ] || break
            dx_first=${dx_alias%% *}
            case $dx_first in -*|'') break ;; esac
            dx_more=
            case $dx_alias in *' '*) dx_more=" ${dx_alias#* }" ;; esac
            dx_next=$(dx_config "$dx_ng" "alias.$dx_first" "$@")
            [ -n "$dx_next" ] || break
            dx_alias=$dx_next$dx_more ;;
        esac
      done ;;
  esac
fi
case $dx_rc in
  0) exec "$dx_git" "$@" ;;
  10|1) exit 1 ;;
  *) printf '%s\n' "dx-hooks: the snapshot before 'git $dx_sub' failed (exit $dx_rc); refusing so nothing is lost. Run it without the guard: DX_HOOKS=0 git …" >&2; exit 1 ;;
esac
