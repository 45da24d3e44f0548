# >>> dx-hooks >>>
DX_COMMON_DIR=$(git rev-parse --git-common-dir 2>/dev/null || true)
dx_rt="$DX_COMMON_DIR/dx/hooks/runtime.sh"
if [ -f "$dx_rt" ]; then DX_COMMON_DIR=$DX_COMMON_DIR sh "$dx_rt" "$0" "$@" || exit $?; else echo "dx-hooks: $dx_rt is missing; run: npx dx-hooks install" >&2; fi
# <<< dx-hooks <<<
