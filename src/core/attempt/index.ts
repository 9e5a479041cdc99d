// The attempt's stages, each in its own file: vet.ts (vetting an answer), run.ts (review, apply and
// verify, keep / revert / rollback), judge.ts (judging a verification and the stop conditions),
// journal.ts (the loop's own writes), drive.ts (the attempts until a stop condition).
export { vetAnswer, type Vetted, type VetRules } from './vet';
export { judge, nextStep, afterAttempt, type NextStep } from './judge';
export { runAttempt, revertPending, rollbackAll, conflictDir, describeConflicts, summaryLine, type AttemptEnv, type Progress, type PatchReviewer } from './run';
export { driveAttempts } from './drive';
export { WriteJournal } from './journal';
export { Stop } from './stop';
