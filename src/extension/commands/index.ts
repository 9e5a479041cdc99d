import { DisposableStore } from '../disposables';
import { registerArtifactCommands } from './artifacts';
import { registrar, type CommandHost } from './host';
import { registerRepairViewCommands } from './repairs';
import { registerReviewCommands } from './review';
import { registerRunCommands } from './run';
import { registerServiceCommands } from './service';
import { registerSettingsCommands } from './settings';

export type { CommandHost, PrerequisiteReport, RunOptions } from './host';

/** Every command the extension contributes, in groups by what they act on; item-only ones are hidden from the palette in package.json. */
export function registerCommands(host: CommandHost): DisposableStore {
  const store = new DisposableStore();
  const register = registrar(host, store);
  registerRunCommands(host, register);
  registerReviewCommands(host, register);
  registerRepairViewCommands(host, register);
  registerArtifactCommands(host, register);
  registerServiceCommands(host, register);
  registerSettingsCommands(host, register);
  return store;
}
