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

  /**
   * Stores the text under `path` (e.g. `/attempt-output/3/calc.txt`) and returns its URI. A `query` tells
   * apart documents at the same path: a file as a patch would leave it keeps the file's own path (so the
   * multi-file diff editor pairs it with the file on disk rather than calling it a rename).
   */
  set(path: string, content: string, query = ''): Uri {
    const normal = path.startsWith('/') ? path : `/${path}`;
    this.contents.set(key(normal, query), content);
    const uri = this.vscode.Uri.from({ scheme: SCHEME, path: normal, query });
    this.changed.fire(uri);
    return uri;
  }

  delete(uri: Uri): void {
    this.contents.delete(key(uri.path, uri.query));
  }

  provideTextDocumentContent(uri: Uri): string {
    return this.contents.get(key(uri.path, uri.query)) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}

const key = (path: string, query: string) => (query ? `${path}?${query}` : path);
