// A browser scenario: steps a person takes in the workbench. Files named *.scenario.ts default-export one
// scenario or a list; scripts/test-browser.mjs runs them in file-name order in one VS Code window.
import type { Workbench } from './workbench';

export interface ScenarioContext {
  /** Absolute path of the workspace folder open in VS Code (a fresh copy of the fixture). */
  workspace: string;
  /** VS Code's user-data folder (settings.json under User/, the logs under logs/). */
  userDataDir: string;
  /** The workspace's `smokesFixer.metaUrl`: the fixture's exec-rpc stand-in on a free port. */
  metaUrl: string;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  run(wb: Workbench, ctx: ScenarioContext): Promise<void>;
  /** Limit for the whole scenario; generous by default (real pytest runs on a shared machine). */
  timeoutMs?: number;
  /** Runs before the others, while the folder is still in Restricted Mode (the product is off). */
  restricted?: boolean;
}

export function scenario(name: string, run: Scenario['run'], options: { timeoutMs?: number; restricted?: boolean } = {}): Scenario {
  return { name, run, ...options };
}
