#!/bin/sh
# >>> dx-hooks >>>
# Installed by dx-hooks; `dx-hooks uninstall` puts back what was here before.
DX_COMMON_DIR=$(git rev-parse --git-common-dir 2>/dev/null)
dx_rt="$DX_COMMON_DIR/dx/hooks/runtime.sh"
if [ -f "$dx_rt" ]; then export DX_COMMON_DIR; exec sh "$dx_rt" "$0" "$@"; fi
echo "dx-hooks: $dx_rt is missing, so dx-hooks is NOT backing up work; run: npx dx-hooks install" >&2
if [ -x "$0.pre-dx-hooks" ]; then exec "$0.pre-dx-hooks" "$@"; fi
exit 0
# <<< dx-hooks <<<
