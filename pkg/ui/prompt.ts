import { createInterface } from 'node:readline/promises';

/** Where a question is asked: a terminal on both ends, or nowhere. */
export interface PromptIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

const processIo: PromptIo = { input: process.stdin, output: process.stderr };

/** True when a question can be asked: stdin and stderr are terminals. */
export function canAsk(io: PromptIo = processIo): boolean {
  return !!io.input.isTTY && !!io.output.isTTY;
}

/** Asks a yes/no question on the terminal; anything but y or yes is no. */
export async function confirm(question: string, io: PromptIo = processIo, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: io.input, output: io.output });
  try {
    const answer = await rl.question(`? ${question} [y/N] `, { signal });
    return /^(y|yes)$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
