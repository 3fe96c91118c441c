#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { commands } from './commands.js';
import { ctx, initContext, interruptController } from './context.js';
import { handleError } from './handle-error.js';
import { NKD_VERSION } from '../../pkg/version.js';
import { ExitCode, NkdError } from '../../pkg/ui/errors.js';

/** Builds the nkd command tree. */
export function buildProgram(): Command {
  const program = new Command('nkd')
    .description('NestOS Kubernetes Deployer: render, deploy, extend, upgrade and destroy Kubernetes clusters on NestOS')
    .version(NKD_VERSION, '-v, --version', 'print the nkd version')
    .option('--dir <dir>', 'the cluster directory (env NKD_DIR); default ./<metadata.name> of the cluster file (-f)')
    .addOption(new Option('--log-level <level>', 'console log level (env NKD_LOG_LEVEL)').choices(['error', 'warn', 'info', 'debug']))
    .option('--json', 'machine-readable output on stdout (env NKD_JSON=1)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  program.hook('preAction', () => {
    initContext(program);
  });
  for (const register of commands) register(program);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ outputError: () => {} });
  return program;
}

async function main(argv: string[]): Promise<number> {
  // `nkd --help | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(ExitCode.Ok);
    throw e;
  });
  const program = buildProgram();
  const stop = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interruptController().signal.aborted) process.exit(ExitCode.Interrupted);
    const again = signal === 'SIGINT' ? ' (press Ctrl-C again to quit now)' : '';
    ctx().ui.warn(`${signal}: stopping after the current step${again}; state is kept, re-run to resume`);
    interruptController().abort(new NkdError(`interrupted by ${signal}`, { code: ExitCode.Interrupted }));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (argv.length <= 2) {
    // `nkd` alone is a usage mistake: the help goes to stderr and the exit code says so.
    process.stderr.write(program.helpInformation());
    return handleError(ctx().ui, new NkdError('no command given', { code: ExitCode.Usage, hint: 'run `nkd <command> --help`, e.g. `nkd template --help` to start' }));
  }
  try {
    await program.parseAsync(argv);
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return ExitCode.Ok;
      }
      return handleError(ctx().ui, new NkdError(err.message.replace(/^error: /, ''), {
        code: ExitCode.Usage,
        hint: 'run `nkd help` or `nkd <command> --help` for usage',
      }));
    }
    return handleError(ctx().ui, err);
  }
}

process.exitCode = await main(process.argv);
