// Placeholder entry, replaced by the CLI.
process.exitCode = 0;
