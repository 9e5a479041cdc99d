import { asError, throwIfAborted } from '../core/processes';
import { SnapshotStore } from '../core/snapshot';
import type { PatchProducer, PatchRequest, ProducerContext, ProducerResult } from '../core/types';
import type { WorkingTree } from '../core/workingTree';

/**
 * Resolves when the person is done: 'edited' to hand over their change, 'skip' to spend the attempt.
 * `tree` is the working tree the producer watches (for noticing saved changes).
 */
export type ManualWaiter = (signal: AbortSignal, tree: WorkingTree) => Promise<'edited' | 'skip'>;

export interface ManualProducerOptions {
  workspace: string;
  waitFor: ManualWaiter;
}

/**
 * The person is the producer: the loop waits while they edit, then their change becomes the patch.
 *
 * The edit is read through the engine's working tree (a snapshot before, a diff since it) and handed over
 * as a unified diff; the edited files are put back exactly as they were (bytes and mode), so the loop
 * treats it like any other patch: size limits, test-integrity checks, preview, apply, verify, and revert
 * when it fixes nothing. What counts is what snapshots count: git's tracked and untracked files minus its
 * ignores, or in a plain folder everything but environments and caches. An edit that changes a binary
 * file cannot be a patch: it spends the attempt and stays in place. A 'skip' puts the edited files back.
 * Cancellation leaves the working tree as the person left it.
 */
export class ManualProducer implements PatchProducer {
  readonly id = 'manual';
  readonly label = 'manual: your own edits';

  constructor(private readonly options: ManualProducerOptions) {}

  async propose(request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult> {
    throwIfAborted(ctx.signal);
    const { workspace } = this.options;
    const tree = ctx.tree ?? (await SnapshotStore.open(workspace, { log: ctx.log, signal: ctx.signal }));
    const before = await tree.take('manual');

    const t = request.target;
    const where = t.location ? ` at ${t.location.file}:${t.location.line}` : '';
    ctx.onOutput?.(`Waiting for your edit: ${t.nodeid} (attempt ${request.attempt}) fails with ${t.exceptionType}${where}: ${t.message}\n`);
    ctx.log.info(`producer: waiting for a manual edit in ${workspace}`);

    const verdict = await this.options.waitFor(ctx.signal, tree);
    throwIfAborted(ctx.signal);

    const { diff, files } = await tree.diffSince(before);
    if (files.length === 0) {
      return { kind: 'none', reason: verdict === 'skip' ? 'skipped by the user' : 'no file in the workspace changed' };
    }
    const paths = files.map((f) => f.path);
    const binary = files.filter((f) => f.binary).map((f) => f.path);
    if (verdict !== 'skip' && binary.length > 0) {
      return { kind: 'none', reason: `the edit changes binary files (${binary.join(', ')}), which a patch cannot carry; they were left as you made them` };
    }
    const restored = await tree.restore(before, paths);
    const putBack = [...restored.written, ...restored.removed].sort();
    if (putBack.length > 0) ctx.log.info(`producer: put back ${putBack.join(', ')} so the loop can apply the edit as a patch`);

    if (verdict === 'skip') {
      ctx.log.info(`producer: the skipped edit was:\n${diff}`);
      return { kind: 'none', reason: `skipped by the user; the edited files (${putBack.join(', ')}) were put back as they were` };
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
 * second after the last saved change. Changes are found by polling the working tree's fingerprint (what a
 * snapshot would record), which behaves the same on every platform and file system.
 */
export function waitForEnterOrChange(workspace: string, opts: WaitOptions = {}): ManualWaiter {
  const pollMs = opts.pollMs ?? 500;
  const debounceMs = opts.debounceMs ?? 1000;

  return (signal, tree) =>
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
          reject(asError(error));
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
      // poll() catches its own failures; anything else it throws ends the wait instead of going unseen.
      const pollSafely = (): void => {
        poll().catch((error: unknown) => {
          if (settled) return;
          cleanup();
          reject(asError(error));
        });
      };
      const poll = async () => {
        if (settled) return;
        let current: string | null = null;
        try {
          current = signal.aborted ? null : await tree.fingerprint();
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
        timer = setTimeout(pollSafely, pollMs);
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

      pollSafely();
    });
}
