/**
 * What the run log, the bundle and the summary keep of secrets (README, "Secrets"): the values of the
 * environment's variables named like keys, tokens, secrets and passwords are replaced by `<secret:NAME>`
 * wherever they appear, and text shaped like a well-known credential (cloud keys, service tokens, JWTs,
 * private key blocks, `Bearer`/`Basic` credentials) by `<secret>`. Everything else is kept as written, so
 * the run log stays an exact record of commands, answers and diffs.
 */

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE/i;
// Shorter values are too likely to be ordinary words or numbers (`PASSWORD=x` in a test setup).
const MIN_VALUE_LENGTH = 6;

const SHAPES: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abposr]-[\w-]{10,}|sk-(?:proj-|live_|test_)?[A-Za-z0-9_-]{20,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|glpat-[\w-]{20,}|AIza[\w-]{35}|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,})\b/g,
];
const CREDENTIAL = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{12,}=*/g;

/** The names and values of the environment's secret-named variables, longest value first. */
export function environmentSecrets(...envs: Array<NodeJS.ProcessEnv | undefined>): Array<{ name: string; value: string }> {
  const found = new Map<string, string>();
  for (const env of envs) {
    for (const [name, value] of Object.entries(env ?? {})) {
      if (!value || value.length < MIN_VALUE_LENGTH || !SECRET_NAME.test(name)) continue;
      if (!found.has(value)) found.set(value, name);
    }
  }
  return [...found].map(([value, name]) => ({ name, value })).sort((a, b) => b.value.length - a.value.length);
}

export type Redactor = (text: string) => string;

/**
 * A function that blanks the given secrets and credential-shaped text. Values are also matched in their
 * JSON-escaped spelling, so it can run on serialized JSON.
 */
export function secretRedactor(secrets: Array<{ name: string; value: string }>): Redactor {
  const literal: Array<{ find: string; put: string }> = [];
  for (const s of secrets) {
    const put = `<secret:${s.name.replace(/[^\w.-]/g, '_')}>`;
    literal.push({ find: s.value, put });
    const escaped = JSON.stringify(s.value).slice(1, -1);
    if (escaped !== s.value) literal.push({ find: escaped, put });
  }
  return (text: string) => {
    let t = text;
    for (const l of literal) if (t.includes(l.find)) t = t.split(l.find).join(l.put);
    for (const shape of SHAPES) t = t.replace(shape, '<secret>');
    return t.replace(CREDENTIAL, (_m, kind: string, space: string) => `${kind}${space}<secret>`);
  };
}

/** The redactor for a run: this process's environment and the one given to the loop. */
export function runRedactor(env?: NodeJS.ProcessEnv): Redactor {
  return secretRedactor(environmentSecrets(process.env, env));
}
