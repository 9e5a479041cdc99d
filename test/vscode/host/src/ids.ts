// Names shared by the test host and the suites (no imports: the suites bundle this file too).
export const HOST_ID = 'smokes-fixer-tests.smokes-fixer-test-host';

/** The language model the host registers (vendor as contributed in its package.json). */
export const TEST_MODEL = { vendor: 'smokes-fixer-tests', id: 'smokes-test-patcher', family: 'smokes-test-patcher', name: 'Smokes Test Patcher' };
