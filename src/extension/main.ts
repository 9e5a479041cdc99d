// Placeholder entry, replaced by the extension.
export function activate(): void {}
export function deactivate(): void {}
