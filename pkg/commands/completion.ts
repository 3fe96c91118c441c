import { completionScript, type CompletionCommand } from '../ui/completion.js';
import { usageError } from '../ui/errors.js';
import type { CommandContext } from './context.js';

/** What `nkd completion` completes: the commands and the global options (read by cmd/ from the parser). */
export interface CompletionTree {
  commands: CompletionCommand[];
  globals: string[];
}

/** `nkd completion bash|zsh`: the completion script for the command tree, on stdout. */
export async function completionCommand(c: CommandContext, shell: string, tree: CompletionTree): Promise<void> {
  if (shell !== 'bash' && shell !== 'zsh') {
    throw usageError(`completion: unsupported shell "${shell}"`, 'use `nkd completion bash` or `nkd completion zsh`');
  }
  c.ui.print(completionScript(shell, tree.commands, tree.globals));
}
