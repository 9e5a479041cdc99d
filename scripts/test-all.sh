#!/usr/bin/env bash
# Every test of the project: types, lint, unit and integration (real pytest, git, HTTP, MCP), the suite inside
# a real VS Code (code-server), and the browser test. Needs `bash scripts/install-code-server.sh` once.
#
# Honest counts: each suite's result file is removed before the suite runs (a suite that crashes cannot
# report an earlier run's numbers), and a skipped or todo test fails the run in every suite.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
status=0
passed=0
failed=0
skipped=0

step() { echo; echo "== $*"; }

# Adds a suite's counts to the totals: "<passed> <failed> <skipped>" from its result file, or one failure
# when the file is missing (the suite crashed before writing it).
count() {
  local file=$1 expr=$2 p f s
  if [ ! -f "$file" ]; then
    echo "!! $file was not written: counted as a failure"
    failed=$((failed + 1)); status=1
    return
  fi
  read -r p f s < <(node -e "const r=require('./$file');console.log($expr)")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$s" -ne 0 ]; then
    echo "!! $s skipped test(s) in $file: skipped tests fail the run"
    status=1
  fi
}

step "type check"
npx tsc --noEmit -p . || status=1

step "lint (typescript-eslint, type-checked rules)"
npx eslint src || status=1

step "build"
node esbuild.mjs || status=1

step "unit and integration tests (vitest)"
rm -f test-output/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json || status=1
# Failed includes tests that neither passed, failed nor were skipped (e.g. cut off by a crash).
count test-output/vitest.json "r.numPassedTests, r.numFailedTests + (r.numTotalTests-r.numPassedTests-r.numFailedTests-r.numPendingTests-r.numTodoTests), r.numPendingTests + r.numTodoTests"

step "extension tests inside a real VS Code (code-server)"
rm -f test-output/vscode/results.json
node scripts/test-vscode.mjs || status=1
count test-output/vscode/results.json "r.passes ?? 0, r.failures ?? 0, r.pending ?? 0"

step "browser test (Playwright + Chromium against code-server)"
rm -f test-output/browser/results.json
node scripts/test-browser.mjs || status=1
count test-output/browser/results.json "r.passes ?? 0, r.failures ?? 0, r.skipped ?? 0"

echo
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]; then failed=1; fi
echo "Total: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit $status
