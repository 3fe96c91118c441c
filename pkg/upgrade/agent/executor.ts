/**
 * The one way the agent touches its host: a command executor. In the DaemonSet it enters the
 * host's namespaces with nsenter (PID 1); tests swap it for a simulated host that records commands.
 */
import { spawn } from 'node:child_process';

/** Result of one host command. */
export interface ExecResult { code: number; stdout: string; stderr: string }

/** Runs commands on the host. */
export interface HostExecutor {
  run(argv: string[]): Promise<ExecResult>;
}

/** Runs each command in the host's mount, UTS, IPC, network and PID namespaces via nsenter. */
export class NsenterExecutor implements HostExecutor {
  constructor(private readonly nsenter = 'nsenter', private readonly timeoutMs = 30 * 60_000) {}

  run(argv: string[]): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.nsenter, ['--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', ...argv], {
        stdio: ['ignore', 'pipe', 'pipe'], timeout: this.timeoutMs,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }
}

/** Runs a command and throws a message naming it when it exits non-zero. */
export async function mustRun(exec: HostExecutor, argv: string[]): Promise<string> {
  const r = await exec.run(argv);
  if (r.code !== 0) {
    const err = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${argv.join(' ')} exited ${r.code}: ${err}`);
  }
  return r.stdout;
}
