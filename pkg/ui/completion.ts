/** One command as the completion script sees it. */
export interface CompletionCommand {
  name: string;
  options: string[];
  subcommands: string[];
}

/** A bash or zsh completion script for the given command tree. */
export function completionScript(shell: 'bash' | 'zsh', commands: CompletionCommand[], globals: string[]): string {
  const names = commands.map((c) => c.name).join(' ');
  const cases = commands
    .map((c) => `    ${c.name}) words="${[...c.subcommands, ...c.options, ...globals].join(' ')}" ;;`)
    .join('\n');
  const body = `_nkd_complete() {
  local cur cmd words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${names} ${globals.join(' ')}"
  else
    case "$cmd" in
${cases}
    *) words="${globals.join(' ')}" ;;
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
`;
  if (shell === 'bash') return `# nkd bash completion\n${body}complete -o default -F _nkd_complete nkd\n`;
  return `#compdef nkd\n# nkd zsh completion (through bashcompinit)\nautoload -U +X bashcompinit && bashcompinit\n${body}complete -o default -F _nkd_complete nkd\n`;
}
