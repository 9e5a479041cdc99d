import { throwIfAborted } from '../core/processes';
import type { PatchProducer, PatchRequest, ProducerContext, ProducerResult } from '../core/types';
import { captureState, changesSince, fingerprintWorkspace, formatDiff, isRestorable, restoreChanges } from './workspace-state';

/** Resolves when the person is done: 'edited' to hand over their change, 'skip' to spend the attempt. */
export type ManualWaiter = (signal: AbortSignal) => Promise<'edited' | 'skip'>;

export interface ManualProducerOptions {
  workspace: string;
  waitFor: ManualWaiter;
}

/**
 * The person is the producer: the loop waits while they edit, then their change becomes the patch.
 *
 * The edit is handed over as a unified diff and the edited files are put back exactly as they were
 * (bytes and mode), so the loop treats it like any other patch: size limits, test-integrity checks,
 * preview, apply, verify, and revert when it fixes nothing. Files too large to keep (over 1 MB) cannot
 * be diffed or put back; such an edit spends the attempt and stays in place. A 'skip' also puts the
 * edited files back. Cancellation leaves the working tree as the person left it.
 */
export class ManualProducer implements PatchProducer {
  readonly id = 'manual';
  readonly label = 'manual: your own edits';

  constructor(private readonly options: ManualProducerOptions) {}

  async propose(request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult> {
    throwIfAborted(ctx.signal);
    const { workspace } = this.options;
    const before = await captureState(workspace, ctx.signal);

    const t = request.target;
    const where = t.location ? ` at ${t.location.file}:${t.location.line}` : '';
    ctx.onOutput?.(`Waiting for your edit: ${t.nodeid} (attempt ${request.attempt}) fails with ${t.exceptionType}${where}: ${t.message}\n`);
    ctx.log.info(`producer: waiting for a manual edit in ${workspace}`);

    const verdict = await this.options.waitFor(ctx.signal);
    throwIfAborted(ctx.signal);

    const changes = await changesSince(workspace, before, ctx.signal);
    if (changes.length === 0) {
      return { kind: 'none', reason: verdict === 'skip' ? 'skipped by the user' : 'no file in the workspace changed' };
    }

    const diff = formatDiff(changes.filter(isRestorable));
    const tooLarge = changes.filter((c) => !isRestorable(c)).map((c) => c.path);
    const restored = await restoreChanges(workspace, changes);
    if (restored.length > 0) ctx.log.info(`producer: put back ${restored.join(', ')} so the loop can apply the edit as a patch`);

    if (verdict === 'skip') {
      ctx.log.info(`producer: the skipped edit was:\n${diff}`);
      return { kind: 'none', reason: `skipped by the user; the edited files (${restored.join(', ')}) were put back as they were` };
    }
    if (tooLarge.length > 0) {
      return { kind: 'none', reason: `the edit changes files too large to diff (${tooLarge.join(', ')})` };
    }
    return { kind: 'answer', text: diff };
  }
}

export interface WaitOptions {
  /** Enter on this stream hands the edit over; a line reading `skip` or `s` skips. */
  input?: NodeJS.ReadableStream;
  /** Shown once the workspace is being watched. */
  onPrompt?: (text: string) => void;
  /** How often the workspace is checked for changes. */
  pollMs?: number;
  /** How long the workspace must stay quiet after a change before the edit counts as done. */
  debounceMs?: number;
}

/**
 * A waiter for terminals and headless use: done when the person presses Enter, or on its own about a
 * second after the last saved change. Changes are found by polling sizes and modification times (git's
 * file list when there is one), which behaves the same on every platform and file system.
 */
export function waitForEnterOrChange(workspace: string, opts: WaitOptions = {}): ManualWaiter {
  const pollMs = opts.pollMs ?? 500;
  const debounceMs = opts.debounceMs ?? 1000;

  return (signal) =>
    new Promise<'edited' | 'skip'>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let pendingLine = '';

      const cleanup = () => {
        settled = true;
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (opts.input) {
          opts.input.removeListener('data', onData);
          opts.input.pause();
        }
      };
      const finish = (verdict: 'edited' | 'skip') => {
        if (settled) return;
        cleanup();
        resolve(verdict);
      };
      const onAbort = () => {
        if (settled) return;
        cleanup();
        try {
          throwIfAborted(signal);
        } catch (error) {
          reject(error);
        }
      };
      const onData = (chunk: Buffer | string) => {
        pendingLine += chunk.toString();
        const newline = pendingLine.indexOf('\n');
        if (newline < 0) return;
        const line = pendingLine.slice(0, newline).trim().toLowerCase();
        finish(line === 'skip' || line === 's' ? 'skip' : 'edited');
      };

      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });

      let baseline: string | null = null;
      let previous: string | null = null;
      let lastChangeAt = 0;
      const poll = async () => {
        if (settled) return;
        let current: string | null = null;
        try {
          current = await fingerprintWorkspace(workspace, signal);
        } catch {
          /* a failed look (workspace busy) is retried at the next tick */
        }
        if (settled) return;
        if (current !== null) {
          if (baseline === null) {
            baseline = previous = current;
            start();
          } else if (current !== previous) {
            previous = current;
            lastChangeAt = Date.now();
          } else if (current !== baseline && Date.now() - lastChangeAt >= debounceMs) {
            return finish('edited');
          }
        }
        timer = setTimeout(() => void poll(), pollMs);
      };

      // Listening starts once the baseline is known, so an edit made after the prompt is always seen.
      const start = () => {
        if (opts.input) {
          opts.input.on('data', onData);
          opts.input.resume();
        }
        opts.onPrompt?.(
          opts.input
            ? `Edit and save the files in ${workspace}, then press Enter (type "skip" and Enter to skip this attempt). Saved changes are also picked up on their own after a second of quiet.`
            : `Edit and save the files in ${workspace}; the changes are picked up after a second of quiet.`,
        );
      };

      void poll();
    });
}
