# >>> dx-hooks >>>
dx_rt="$(git rev-parse --git-common-dir 2>/dev/null || true)/dx/hooks/runtime.sh"
if [ -f "$dx_rt" ]; then sh "$dx_rt" "$0" "$@" || exit $?; else echo "dx-hooks: $dx_rt is missing; run: npx dx-hooks install" >&2; fi
# <<< dx-hooks <<<
