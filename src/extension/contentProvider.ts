import type { Disposable, EventEmitter, TextDocumentContentProvider, Uri, VSCode } from './vscodeTypes';

export const SCHEME = 'smokes-fixer';

/**
 * Read-only documents the extension generates: an attempt's pytest output, a patch, a file as a patch
 * would leave it. Registered once; each document lives under its own path so the editor picks the
 * language from the file name.
 */
export class GeneratedDocuments implements TextDocumentContentProvider, Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed: EventEmitter<Uri>;
  private readonly registration: Disposable;
  readonly onDidChange;

  constructor(private readonly vscode: VSCode) {
    this.changed = new vscode.EventEmitter<Uri>();
    this.onDidChange = this.changed.event;
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  }

  /** Stores the text under `path` (e.g. `/attempt-output/3/calc.txt`) and returns its URI. */
  set(path: string, content: string): Uri {
    const normal = path.startsWith('/') ? path : `/${path}`;
    this.contents.set(normal, content);
    const uri = this.vscode.Uri.from({ scheme: SCHEME, path: normal });
    this.changed.fire(uri);
    return uri;
  }

  delete(uri: Uri): void {
    this.contents.delete(uri.path);
  }

  provideTextDocumentContent(uri: Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
