# dx-hooks: an agent's lifecycle hook (POSIX sh). `dx-hooks agent install` copies it to
# <git-common-dir>/dx/hooks/ and names it in the agent's settings:  sh agent-hook.sh <agent>
# with the agent's hook JSON on stdin (Claude Code, Codex, Gemini CLI: DESIGN §9, issue 14).
# The foreground stays short. A plainly harmless shell command is allowed here without node; a
# turn's end is put in the inbox (dx/agent/inbox/) for a detached `dx-hooks agent drain`; only what
# must answer the agent (a command to judge, a prompt's snapshot, the session's opening context)
# runs node in the foreground. Nothing in the payload is ever run or eval'd.

dx_agent=${1-}
[ "${DX_HOOKS-}" = 0 ] && exit 0
case $dx_agent in claude-code|codex|gemini-cli) ;; *) printf '%s\n' "dx-hooks: agent-hook.sh: unknown agent '$dx_agent'" >&2; exit 0 ;; esac
dx_dir=$(cd "$(dirname "$0")/.." 2>/dev/null && pwd -P) || exit 0
dx_payload=$(cat) || exit 0

# The event, from the payload's own key (compact JSON as the agents write it; anything else goes to node).
dx_event=
for dx_e in PreToolUse BeforeTool PostToolUse AfterTool UserPromptSubmit BeforeAgent Stop SubagentStop AfterAgent PreCompact PreCompress SessionEnd SessionStart; do
  case $dx_payload in *"\"hook_event_name\":\"$dx_e\""*|*"\"hook_event_name\": \"$dx_e\""*) dx_event=$dx_e; break ;; esac
done

dx_node() {
  dx_node_bin=$(command -v node 2>/dev/null)
  if [ -z "$dx_node_bin" ] && [ -f "$dx_dir/hooks/node-path" ]; then IFS= read -r dx_node_bin <"$dx_dir/hooks/node-path"; fi
  dx_cli=
  [ -f "$dx_dir/hooks/cli-path" ] && IFS= read -r dx_cli <"$dx_dir/hooks/cli-path"
  if [ -z "$dx_node_bin" ] || [ -z "$dx_cli" ] || [ ! -f "$dx_cli" ]; then
    dx_msg="dx-hooks: cannot run the agent hook (node: ${dx_node_bin:-not found}, CLI: ${dx_cli:-not recorded}) - agent turns are NOT being saved; run: npx dx-hooks install"
    printf '%s\n' "$dx_msg" >&2
    { [ -L "$dx_dir/banner" ] || printf '%s\n' "$dx_msg" >"$dx_dir/banner"; } 2>/dev/null
    return 1
  fi
  return 0
}

# The turn's end (and a flush): the payload goes to the inbox, a detached drain saves it.
dx_inbox() {
  dx_box=$dx_dir/agent/inbox
  [ -L "$dx_dir/agent" ] || [ -L "$dx_box" ] && { printf '%s\n' "dx-hooks: $dx_box goes through a link: not writing there" >&2; return 0; }
  (umask 077 && mkdir -p "$dx_box") 2>/dev/null || { printf '%s\n' "dx-hooks: cannot create $dx_box: agent turn NOT saved" >&2; return 0; }
  dx_f=$dx_box/$(date +%s)-$$-$dx_agent.json
  (set -C; umask 077; printf '%s\n' "$dx_payload" >"$dx_f") 2>/dev/null || { printf '%s\n' "dx-hooks: cannot write $dx_f: agent turn NOT saved" >&2; return 0; }
  dx_node || return 0
  dx_log=$dx_dir/agent/drain.log
  [ -L "$dx_log" ] && dx_log=/dev/null # never appended to through a link
  (cd "$dx_dir" 2>/dev/null; exec nohup "$dx_node_bin" "$dx_cli" agent drain --dx-dir "$dx_dir" </dev/null >>"$dx_log" 2>&1) &
  return 0
}

case $dx_event in
  PostToolUse|AfterTool)
    # A tool that can change files ran this turn (the settings' matcher names only those): the turn's end takes a snapshot.
    [ -L "$dx_dir/agent" ] || [ -L "$dx_dir/agent/touched" ] || { mkdir -p "$dx_dir/agent" 2>/dev/null && : >"$dx_dir/agent/touched"; } 2>/dev/null
    exit 0 ;;
  Stop|SubagentStop|AfterAgent|PreCompact|PreCompress|SessionEnd)
    dx_inbox
    exit 0 ;;
  PreToolUse|BeforeTool)
    # Plainly harmless: one "command" key, no quoting, escapes, expansions or redirections, and none of the
    # words the verdict acts on. Everything else is read by node (a real shell parser).
    dx_cmd=$(printf '%s' "$dx_payload" | sed -n 's/.*"command": *"\([^"\\]*\)".*/\1/p')
    case $dx_payload in *'"command"'*'"command"'*) dx_cmd= ;; esac
    if [ -n "$dx_cmd" ]; then
      case $dx_cmd in
        *[\'\`\$\<\>\&\|\;\(\)\{\}\\]*) ;;
        # git's read-only commands (never with --output, which writes a file).
        *--output*|*\ -o*) ;;
        'git status'|'git status '*|'git log'|'git log '*|'git diff'|'git diff '*|'git show'|'git show '*|'git branch'|'git rev-parse '*|'git ls-files'|'git ls-files '*|'git blame '*) exit 0 ;;
        *git*|*rm*|*mv*|*cp*|*tee*|*dd*|*truncate*|*unlink*|*shred*|*find*|*sync*|*sh*|*eval*|*exec*|*xargs*|*source*|*.\ *|*install*) ;;
        *) exit 0 ;;
      esac
    fi ;;
esac
# Anything else (an event not registered, a payload that is not what agents send) is node's to read and
# name: dx-hooks registers only the events above, so this is rare and loud, never silent.

dx_node || exit 0
# The hook's own small entry beside the CLI (its fast answer first); the CLI itself when there is none.
if [ -f "${dx_cli%/*}/agent-hook.js" ]; then
  printf '%s' "$dx_payload" | "$dx_node_bin" "${dx_cli%/*}/agent-hook.js" "$dx_agent"
else
  printf '%s' "$dx_payload" | "$dx_node_bin" "$dx_cli" agent event "$dx_agent"
fi
dx_rc=$?
# A crash never blocks the agent (only a deliberate refusal, exit 2, does).
[ "$dx_rc" -eq 2 ] && exit 2
exit 0
