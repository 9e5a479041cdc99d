// Storage keys the extension and its commands share (kept apart so neither imports the other for them).

/** Secret storage: the OpenAI-compatible producer's API key. */
export const OPENAI_SECRET_KEY = 'smokesFixer.openaiApiKey';
/** Workspace state: signatures the person excluded, per folder URI. */
export const EXCLUDED_KEY = 'smokesFixer.excludedSignatures';
