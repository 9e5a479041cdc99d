import { SmokesError } from '../core/errors';
import { runShell, throwIfAborted } from '../core/processes';
import type { PatchProducer, PatchRequest, ProducerContext, ProducerResult } from '../core/types';

/** Exit code by which a command says it has nothing left to offer for any signature. */
export const EXIT_EXHAUSTED = 3;

export interface CommandProducerOptions {
  /** A shell command line, run with `/bin/sh -c` in `cwd`. */
  command: string;
  cwd: string;
  timeoutMs: number;
}

/**
 * An external program proposes the patch: it reads the JSON request (docs/producer-request.md) on
 * stdin and writes its answer on stdout. The answer is returned as raw text; the loop extracts the diff.
 */
export class CommandProducer implements PatchProducer {
  readonly id = 'command';
  readonly label: string;

  constructor(private readonly options: CommandProducerOptions) {
    this.label = `command: ${options.command}`;
  }

  async propose(request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult> {
    throwIfAborted(ctx.signal);
    const { command, cwd, timeoutMs } = this.options;
    const stderrLines = new LineBuffer((line) => ctx.log.info(`producer: ${line}`));

    const result = await runShell(command, {
      cwd,
      input: JSON.stringify(request),
      env: {
        SMOKES_FIXER_ATTEMPT: String(request.attempt),
        SMOKES_FIXER_SIGNATURE: request.target.signature,
        SMOKES_FIXER_NODEID: request.target.nodeid,
        SMOKES_FIXER_WORKSPACE: request.workspace,
      },
      signal: ctx.signal,
      tracker: ctx.tracker,
      timeoutMs,
      endDescendantsOnExit: true,
      onStderr: (text) => {
        ctx.onOutput?.(text);
        stderrLines.push(text);
      },
    });
    stderrLines.flush();

    // Cancellation (or the loop's time budget) wins over whatever the command managed to print.
    if (result.cancelled || ctx.signal.aborted) throwIfAborted(ctx.signal);

    // PRODUCT.md 25: a command that cannot start is the set-up's error, not a spent attempt. The shell
    // exits 127 for a program it cannot find and 126 for one it cannot execute.
    if (result.spawnError || result.exitCode === 126 || result.exitCode === 127) {
      const why = result.spawnError
        ? result.spawnError.split('\n')[0]
        : withStderr(result.exitCode === 127 ? 'exit 127, the program was not found' : 'exit 126, the program could not be executed', result.stderr);
      throw new SmokesError(
        'producer-unavailable',
        `The producer command "${command}" cannot start (${why}).`,
        'Set producerCommand (--producer-command) to a command whose program is on PATH or a path to an executable file, run in the workspace; `smokes-fixer check` tells whether it can start.',
      );
    }
    if (result.timedOut) return { kind: 'none', reason: `the producer command timed out after ${seconds(timeoutMs)}` };
    if (result.exitCode === EXIT_EXHAUSTED) {
      return { kind: 'exhausted', reason: withStderr('the producer command has nothing left to offer (exit 3)', result.stderr) };
    }
    if (result.exitCode !== 0) {
      const how = result.exitCode === null ? `was ended by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
      return { kind: 'none', reason: withStderr(`the producer command ${how}`, result.stderr) };
    }
    if (result.stdout.trim() === '') return { kind: 'none', reason: 'the producer command gave an empty answer' };
    return { kind: 'answer', text: result.stdout };
  }
}

/** Adds the command's last stderr line (a shell's "not found", a script's error) to the reason. */
function withStderr(reason: string, stderr: string): string {
  const last = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  return last ? `${reason}: ${last.slice(0, 300)}` : reason;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}

/** Turns streamed chunks into whole lines for the log. */
class LineBuffer {
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}

  push(text: string): void {
    const lines = (this.pending + text).split(/\r?\n/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }
}
