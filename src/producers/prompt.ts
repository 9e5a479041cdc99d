import type { PatchRequest } from '../core/types';

/**
 * The prompt every model producer sends (OpenAI-compatible endpoints, VS Code's Language Model API).
 * The system part states the answer contract; the user part carries the request, section by section,
 * so a model sees the same facts an external command reads from the JSON request.
 */
export function buildPrompt(request: PatchRequest): { system: string; user: string } {
  return { system: systemPrompt(request), user: userPrompt(request) };
}

function systemPrompt(request: PatchRequest): string {
  const { maxFiles, maxChangedLines } = request.limits;
  const tests = request.allowTestEdits
    ? 'You may edit test files and conftest.py when the test itself is wrong, but a change that only turns failures into skips or xfails is never a fix.'
    : 'Never edit the smoke test files or any conftest.py: fix the code under test, not the tests that judge it.';
  return [
    'You repair failing pytest smoke tests in a Python project.',
    'Answer with exactly one unified git diff and nothing else: no prose, no explanation, no summary.',
    'Use paths relative to the workspace root with a/ and b/ prefixes (as `git diff` prints them), and include enough unchanged context lines for the patch to apply cleanly.',
    // What the product accepts (issue 13): say it, so a model spends its care on the lines, not the numbers.
    'Each hunk is placed where its context and removed lines occur in the file, so copy those lines exactly as the file has them (only trailing whitespace may differ) and give each hunk about 3 unchanged lines around the change so that text occurs only once. Hunk line counts are recounted and a header may be just `@@ @@`; a hunk whose text occurs several times in the file is refused unless all line numbers of that file are right. Every hunk needs at least one context or removed line, except in a new file. Hunks of one file go in file order and must not overlap.',
    `Stay within the limits: at most ${maxFiles} files (created, deleted and renamed files count) and at most ${maxChangedLines} changed lines (added plus removed).`,
    tests,
    'Never add pytest.skip, skipif, xfail or importorskip anywhere.',
    'Do not touch anything under .git/, binary files, or paths outside the workspace.',
    'If earlier attempts are listed, they did not work and were reverted: try something different.',
  ].join('\n');
}

function userPrompt(request: PatchRequest): string {
  const t = request.target;
  const where = t.location ? `${t.location.file}:${t.location.line}` : '(unknown)';
  const parts: string[] = [
    `# Failing test (attempt ${request.attempt})`,
    `- node id: ${t.nodeid}`,
    `- exception: ${t.exceptionType}`,
    `- crash location: ${where}`,
    `- message: ${t.message}`,
    `- signature: ${t.signature}`,
    '',
    '# Pytest command',
    fence(request.pytest.command, 'sh'),
    `Exit code: ${request.pytest.exitCode}`,
    '',
    '# Pytest output',
    fence(request.pytest.output || '(no output)', 'text'),
  ];

  if (request.codeContext) {
    const c = request.codeContext;
    parts.push('', `# Code around the crash: ${c.file} (from line ${c.startLine})`, fence(numberLines(c.text, c.startLine), 'python'));
  }

  for (const source of request.relatedSources ?? []) {
    if (request.codeContext && source.file === request.codeContext.file && source.text.split('\n').length <= 40) continue;
    parts.push('', `# Source: ${source.file}`, fence(numberLines(source.text, 1), 'python'));
  }

  if (request.previousAttempts.length > 0) {
    parts.push('', '# Earlier attempts (none of them was kept)');
    for (const a of request.previousAttempts) {
      parts.push(`## Attempt ${a.attempt}: ${a.verdict}`, a.detail || '(no detail)');
      if (a.diff) parts.push(fence(a.diff, 'diff'));
    }
  }

  if (request.investigation && (request.investigation.private || request.investigation.public)) {
    parts.push('', '# Investigation notes');
    if (request.investigation.private) parts.push('## Project knowledge', request.investigation.private);
    if (request.investigation.public) parts.push('## Public documentation', request.investigation.public);
  }

  parts.push('', '# Task', request.instructions);
  return parts.join('\n');
}

function numberLines(text: string, startLine: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const width = String(startLine + lines.length - 1).length;
  return lines.map((line, i) => `${String(startLine + i).padStart(width)} | ${line}`).join('\n');
}

/** A fence longer than any backtick run inside the text, so output containing ``` stays intact. */
function fence(text: string, lang: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${text.replace(/\n$/, '')}\n${ticks}`;
}
