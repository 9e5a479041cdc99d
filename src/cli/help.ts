export const HELP = {
  main: `smokes-fixer — repairs failing pytest smoke tests through one bounded, deterministic loop

Usage:
  smokes-fixer run [flags]          run the repair loop on a workspace
  smokes-fixer check [--cwd DIR]    check the prerequisites, one line each
  smokes-fixer probe [--cwd DIR]    check the exec-rpc service's freshness
  smokes-fixer signatures <junit.xml>
                                    print one JSON line per failure in a JUnit file
  smokes-fixer restore [--cwd DIR]  bring back the tree as it was before the last loop's first patch

Each command takes --help. Exit codes: 0 all tests pass (or the command succeeded),
1 escalation (or a failed check), 2 a usage or configuration error.
`,
  run: `smokes-fixer run — run the repair loop

Usage:
  smokes-fixer run [--cwd DIR] [--producer command|openai|manual] [--producer-command CMD]
                   [--openai-base-url URL] [--openai-model NAME] [--openai-api-key-env VAR]
                   [--select NODEID ...] [-m EXPR] [--max-loops N] [--retries N] [--time-budget SECONDS]
                   [--meta-url URL] [--nd-smoke] [--allow-test-edits] [--json]

Flags (they win over .smokes-fixer.json in the workspace):
  --cwd DIR                 workspace folder (default: the current folder)
  --producer KIND           where patches come from: command, openai or manual (default: manual)
  --producer-command CMD    shell command that reads the JSON request on stdin and prints a unified diff
  --openai-base-url URL     OpenAI-compatible endpoint (default: https://api.openai.com/v1)
  --openai-model NAME       model name (default: gpt-4o-mini)
  --openai-api-key-env VAR  environment variable holding the API key (default: OPENAI_API_KEY)
  --select NODEID           a node id to run instead of tests/smoke -k smoke (repeatable)
  -m EXPR                   a marker expression to run instead of tests/smoke -k smoke
  --max-loops N             loop limit, 1–10 (default: 10)
  --retries N               attempts per failure signature, 1–3 (default: 3)
  --time-budget SECONDS     wall-clock budget of the whole loop, 10–600 (default: 600)
  --meta-url URL            the exec-rpc /__meta endpoint (default: http://127.0.0.1:8790/__meta)
  --python PATH             interpreter that runs pytest (default: an activated VIRTUAL_ENV, else the
                            workspace's .venv/ or venv/, else python3, else python)
  --nd-smoke                live ndsmoke: ND_SMOKE=1 with temperature 0 and top_p 0 (also ND_SMOKE=1 in the environment)
  --allow-test-edits        let patches edit smoke tests and conftest.py and add skip/xfail markers
  --hard-reset              on regression use git reset --hard && git clean -fd (only when the tree was clean)
  --json                    print exactly one JSON object on stdout (the bundle, or a success summary);
                            everything else goes to stderr

Exit codes: 0 all tests pass, 1 escalation, 2 usage or configuration error (also: another loop runs
on the workspace, the producer cannot start, the interpreter lacks a module the tests import).
Artifacts: artifacts/smoke.xml, artifacts/smoke.html, requirements.snapshot.txt,
artifacts/escalation.json (on escalation), artifacts/summary.json (on success), artifacts/run-log.jsonl,
artifacts/pytest-output.txt (the latest pytest run's output); the previous run's in artifacts/previous/.
`,
  check: `smokes-fixer check — check the prerequisites of the loop, one line each, with what to do

Usage: smokes-fixer check [--cwd DIR] [--python PATH] [--meta-url URL] [--producer KIND]
                          [--producer-command CMD] [--openai-base-url URL] [--openai-model NAME]
                          [--openai-api-key-env VAR] [--json]
Names the interpreter and why it was chosen, and whether the patch producer can start (its program on
PATH or as an executable file; the OpenAI-compatible URL well formed and its key set).
Exit codes: 0 every required item is in place, 1 something required is missing.
`,
  probe: `smokes-fixer probe — check the exec-rpc service's freshness (GET /__meta)

Usage: smokes-fixer probe [--cwd DIR] [--meta-url URL] [--restart] [--json]
  --restart   when stale, run make exec-rpc-restart && make exec-rpc-probe and check for "t_ms"
Exit codes: 0 fresh (or not configured), 1 stale or down.
`,
  signatures: `smokes-fixer signatures — one JSON line per failure of a JUnit XML file

Usage: smokes-fixer signatures <junit.xml>
Uses the signature records written beside the JUnit file by a Smokes Fixer run when present
(stable crash locations); otherwise reads what the JUnit file alone can give.
`,
  restore: `smokes-fixer restore — bring back the last loop's start snapshot

Usage: smokes-fixer restore [--cwd DIR]
The tree returns to its state before the last loop's first patch: tracked and untracked files,
uncommitted edits included; ignored files are not touched.
`,
};
