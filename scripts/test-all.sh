#!/usr/bin/env bash
# Every test of the project: types, unit and integration (real pytest, git, HTTP, MCP), the suite inside
# a real VS Code (code-server), and the browser test. Needs `bash scripts/install-code-server.sh` once.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
status=0
passed=0
failed=0

step() { echo; echo "== $*"; }

step "type check"
npx tsc --noEmit -p . || status=1

step "build"
node esbuild.mjs || status=1

step "unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json || status=1
if [ -f test-output/vitest.json ]; then
  read -r p f < <(node -e "const r=require('./test-output/vitest.json');console.log(r.numPassedTests, r.numFailedTests + (r.numTotalTests-r.numPassedTests-r.numFailedTests-r.numPendingTests-r.numTodoTests))")
  passed=$((passed + p)); failed=$((failed + f))
fi

step "extension tests inside a real VS Code (code-server)"
node scripts/test-vscode.mjs || status=1
if [ -f test-output/vscode/results.json ]; then
  read -r p f < <(node -e "const r=require('./test-output/vscode/results.json');console.log(r.passes ?? 0, r.failures ?? 0)")
  passed=$((passed + p)); failed=$((failed + f))
fi

step "browser test (Playwright + Chromium against code-server)"
node scripts/test-browser.mjs || status=1
if [ -f test-output/browser/results.json ]; then
  read -r p f < <(node -e "const r=require('./test-output/browser/results.json');console.log(r.passes ?? 0, r.failures ?? 0)")
  passed=$((passed + p)); failed=$((failed + f))
fi

echo
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "Total: ${passed} passed, ${failed} failed"
exit $status
