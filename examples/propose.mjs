#!/usr/bin/env node
// A command producer for the demo workspace: reads the patch request (JSON) on stdin and prints the next
// prepared candidate diff for its target on stdout.
//
//   exit 0  a diff on stdout
//   exit 1  nothing more for this target (that attempt is spent), others still have candidates
//   exit 3  nothing left for any target
//
// State (which candidates were offered) lives in <workspace>/.smokes-fixer/demo-propose-state.json.
// A request for attempt 1 of a target that was already served means a new run: the state starts over.
// SMOKES_DEMO_STORY=success leaves out the regressing candidates. `--reset` clears the state.
import { readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const candidatesDir = join(here, 'candidates');
const manifest = JSON.parse(readFileSync(join(candidatesDir, 'manifest.json'), 'utf8'));
const skipRegressing = process.env.SMOKES_DEMO_STORY === 'success';

function statePath(workspace) {
  return join(workspace, '.smokes-fixer', 'demo-propose-state.json');
}

function loadState(path) {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8'));
    return { offered: s.offered ?? {}, order: s.order ?? [] };
  } catch {
    return { offered: {}, order: [] };
  }
}

function saveState(path, state) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(state, null, 2) + '\n');
}

/** Finds the manifest entry for a node id; falls back to the test name when the rootdir prefix differs. */
function targetKey(nodeid) {
  if (manifest.targets[nodeid]) return nodeid;
  const name = nodeid.split('::').pop();
  return Object.keys(manifest.targets).find((k) => k.split('::').pop() === name) ?? null;
}

function remaining(key, state) {
  const served = state.offered[key] ?? [];
  const otherTargetServed = state.order.some((k) => k !== key);
  return manifest.targets[key].filter(
    (c) =>
      !served.includes(c.diff) &&
      !(skipRegressing && c.kind === 'regressing') &&
      // A regressing candidate is shown only once another target has had its turn, so the demo
      // first keeps a good patch and then rolls back a bad one, whatever order the loop picks.
      !(c.afterAnotherTarget && !otherTargetServed),
  );
}

function readStdin() {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

const args = process.argv.slice(2);
if (args[0] === '--reset') {
  const path = statePath(resolve(args[1] ?? process.cwd()));
  if (existsSync(path)) rmSync(path);
  process.stderr.write(`propose: state cleared (${path})\n`);
  process.exit(0);
}

let request;
try {
  request = JSON.parse(readStdin());
} catch (error) {
  process.stderr.write(`propose: stdin is not a JSON patch request (${error.message})\n`);
  process.exit(2);
}
const workspace = resolve(request.workspace ?? process.cwd());
const nodeid = request.target?.nodeid ?? '';
const path = statePath(workspace);
let state = loadState(path);

const key = targetKey(nodeid);
if (key && request.attempt === 1 && (state.offered[key] ?? []).length > 0) state = { offered: {}, order: [] };

const anyLeft = () => Object.keys(manifest.targets).some((k) => remaining(k, state).length > 0);
if (!key) {
  process.stderr.write(`propose: no prepared candidate for ${nodeid || '(no node id)'}\n`);
  process.exit(anyLeft() ? 1 : 3);
}
const next = remaining(key, state)[0];
if (!next) {
  process.stderr.write(`propose: no candidate left for ${nodeid}\n`);
  process.exit(anyLeft() ? 1 : 3);
}

state.offered[key] = [...(state.offered[key] ?? []), next.diff];
if (!state.order.includes(key)) state.order.push(key);
saveState(path, state);
process.stderr.write(`propose: ${next.diff} (${next.kind}) for ${nodeid}, attempt ${request.attempt}: ${next.note}\n`);
process.stdout.write(readFileSync(join(candidatesDir, next.diff), 'utf8'));
