#!/bin/sh
# >>> dx-hooks >>>
# Installed by dx-hooks; `dx-hooks uninstall` puts back what was here before.
# A hook in <common dir>/hooks/ finds the runtime without asking git (hooks fire often); one
# elsewhere (core.hooksPath) asks `git rev-parse --git-common-dir`. The runtime is sourced: no second sh.
case $0 in
  */hooks/*) DX_COMMON_DIR=${0%/hooks/*} ;;
  hooks/*) DX_COMMON_DIR=. ;;
  *) DX_COMMON_DIR= ;;
esac
[ -f "$DX_COMMON_DIR/dx/hooks/runtime.sh" ] || DX_COMMON_DIR=$(git rev-parse --git-common-dir 2>/dev/null)
dx_rt="$DX_COMMON_DIR/dx/hooks/runtime.sh"
if [ -f "$dx_rt" ]; then dx_hook_path=$0; . "$dx_rt"; exit 0; fi
echo "dx-hooks: $dx_rt is missing, so dx-hooks is NOT backing up work; run: npx dx-hooks install" >&2
if [ -x "$0.pre-dx-hooks" ]; then exec "$0.pre-dx-hooks" "$@"; fi
exit 0
# <<< dx-hooks <<<
