# >>> dx-hooks >>>
# dx-hooks backs up work in clones that ran `npx dx-hooks install`; elsewhere these lines do nothing.
# git's input (pre-push, post-rewrite) is kept for the lines after this block.
dx_c=$(git rev-parse --git-common-dir 2>/dev/null || true)
if [ -n "$dx_c" ] && [ -f "$dx_c/dx/hooks/runtime.sh" ]; then
  dx_rc=0
  case ${0##*/} in
    pre-push|post-rewrite)
      if dx_in=$(mktemp "${TMPDIR:-/tmp}/dx-hooks-stdin.XXXXXX") && cat >"$dx_in"; then
        DX_COMMON_DIR=$dx_c sh "$dx_c/dx/hooks/runtime.sh" "$0" "$@" <"$dx_in" || dx_rc=$?
        exec <"$dx_in"
        rm -f "$dx_in"
      else
        echo "dx-hooks: cannot keep git's input in a temporary file: the lines after dx-hooks' in $0 get none" >&2
        DX_COMMON_DIR=$dx_c sh "$dx_c/dx/hooks/runtime.sh" "$0" "$@" || dx_rc=$?
      fi ;;
    *) DX_COMMON_DIR=$dx_c sh "$dx_c/dx/hooks/runtime.sh" "$0" "$@" || dx_rc=$? ;;
  esac
  [ "$dx_rc" -eq 0 ] || exit "$dx_rc"
elif [ -n "$dx_c" ] && [ -f "$dx_c/dx/install.json" ]; then
  echo "dx-hooks: $dx_c/dx/hooks/runtime.sh is missing, so dx-hooks is NOT backing up work; run: npx dx-hooks install" >&2
fi
# <<< dx-hooks <<<
