import { writeFileSync } from 'node:fs';

/**
 * Test-only, for the reliability suite's kill points: with `SMOKES_FIXER_TEST_PAUSE=<step>` and
 * `SMOKES_FIXER_TEST_PAUSE_MARKER=<file>` in the environment, the process writes its pid to the marker
 * when it reaches that step and then waits until it is killed, so a test can SIGKILL it at exactly that
 * point. Steps: `snapshot` (the start snapshot, taken beside the baseline, not begun yet), `pytest:<label>`
 * (a pytest run under way), `applied` (between apply and verify), `undo`
 * (about to put back the first file), `bundle` (about to write the bundle). Without both variables
 * (always, outside tests) it does nothing.
 */
export async function pauseForTest(step: string): Promise<void> {
  const marker = process.env.SMOKES_FIXER_TEST_PAUSE_MARKER;
  if (!marker || process.env.SMOKES_FIXER_TEST_PAUSE !== step) return;
  writeFileSync(marker, `${process.pid}\n`);
  await new Promise<never>(() => {
    setInterval(() => undefined, 60_000); // keeps the process alive until it is killed
  });
}
