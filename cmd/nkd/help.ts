import { DEFAULT_TIMEOUTS } from '../../pkg/lifecycle/timeouts.js';

/** Help text shared by several commands, so every command says the same thing the same way. */

/** The rule every command follows to find the cluster directory. */
export const DIR_RULE = 'The cluster directory is --dir (env NKD_DIR), else ./<metadata.name> of the cluster file given with -f.';

/** Default bounds of deploy's and extend's waits, in minutes. */
export const DEFAULT_WAIT_MINUTES = { api: DEFAULT_TIMEOUTS.apiMs / 60_000, nodes: DEFAULT_TIMEOUTS.nodesMs / 60_000 };
