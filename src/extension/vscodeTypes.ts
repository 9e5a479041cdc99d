// The one place that names the `vscode` module. Everything else receives it through a constructor, so the
// adapter can run against the real editor or a stand-in.
import type * as vscodeModule from 'vscode';

export type VSCode = typeof vscodeModule;
export type {
  CancellationToken,
  Disposable,
  Event,
  EventEmitter,
  ExtensionContext,
  LogOutputChannel,
  Pseudoterminal,
  StatusBarItem,
  TestController,
  TestItem,
  TestMessage,
  TestRun,
  TestRunProfile,
  TestRunRequest,
  TextDocumentContentProvider,
  TreeDataProvider,
  TreeItem,
  Uri,
  WorkspaceFolder,
  LanguageModelChat,
  SecretStorage,
  Terminal,
  WebviewPanel,
} from 'vscode';
