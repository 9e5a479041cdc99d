import { readFile } from 'node:fs/promises';
import { decodeJUnit, parseJUnit } from '../core/junit';
import { parsePluginRecords, summarizeRecords } from '../core/pluginReport';
import { assembleRun, recordsPathFor } from '../core/pytestRunner';
import { failureFromJUnitCase } from '../core/signature';
import type { Failure } from '../core/types';
import { parseCommandLine, UsageError } from './options';
import { HELP } from './help';

/**
 * Failures of a JUnit file with their signatures. With the records a Smokes Fixer run keeps beside the
 * JUnit file, the signatures are the loop's own (stable crash locations); without them, only what JUnit
 * carries: the location is unknown (`?`), as pytest-facts.md explains.
 */
export async function signaturesOf(junitPath: string): Promise<Failure[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(junitPath);
  } catch (error) {
    throw new UsageError(`Cannot read ${junitPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Pass the path of a JUnit XML file.');
  }
  const junit = parseJUnit(decodeJUnit(bytes));
  const recordsText = await readFile(recordsPathFor(junitPath), 'utf8').catch(() => null);
  if (recordsText !== null) {
    return assembleRun(junit, summarizeRecords(parsePluginRecords(recordsText))).failures;
  }
  return junit.cases.filter((c) => c.outcome === 'failed' || c.outcome === 'error').map(failureFromJUnitCase);
}

export async function runSignatures(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP.signatures);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('signatures takes exactly one JUnit XML file.', 'Usage: smokes-fixer signatures <junit.xml>');
  for (const f of await signaturesOf(positionals[0])) {
    process.stdout.write(
      JSON.stringify({ nodeid: f.nodeid, kind: f.kind, exception_type: f.exceptionType, location: f.location ? `${f.location.file}:${f.location.line}` : null, message: f.message, signature: f.signature }) + '\n',
    );
  }
  return 0;
}
