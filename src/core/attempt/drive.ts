import { throwIfAborted } from '../processes';
import type { Failure, PytestRun } from '../types';
import { afterAttempt, nextStep } from './judge';
import { runAttempt, type AttemptEnv, type Progress } from './run';
import { Stop } from './stop';

/**
 * The attempts after the baseline, until a stop condition: returns when every selected test passes,
 * throws `Stop` otherwise. `publish` tells the faces the ledger's state after every change.
 */
export async function driveAttempts(env: AttemptEnv, p: Progress, o: { excluded: ReadonlySet<string>; publish: () => void }): Promise<void> {
  const relevant = (run: PytestRun): Failure[] => run.failures.filter((f) => !o.excluded.has(f.signature));
  for (;;) {
    throwIfAborted(env.signal);
    // Every failure, excluded ones included: the ledger skips those, and they keep the run from a success.
    const step = nextStep(p.ledger, p.current.failures);
    if (step.kind === 'success') return;
    if (step.kind === 'stop') throw new Stop(step.reason, step.detail);
    const { target } = step;
    const attempt = p.ledger.begin(target.signature);
    o.publish();
    const verdict = await runAttempt(env, p, target.failure, attempt);
    const stop = afterAttempt(p.ledger, {
      signature: target.signature,
      nodeid: target.nodeid,
      attempt,
      verdict,
      remaining: relevant(p.current),
      current: p.current,
    });
    o.publish();
    if (stop) throw new Stop(stop.reason, stop.detail);
  }
}
