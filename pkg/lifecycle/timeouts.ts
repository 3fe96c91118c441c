/** Default bounds of deploy's and extend's waiting phases (shown in `--help`). */
export const DEFAULT_TIMEOUTS = { apiMs: 20 * 60_000, nodesMs: 30 * 60_000 };
