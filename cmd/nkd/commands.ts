import type { Command } from 'commander';
import { register as template } from './template.js';
import { register as validate } from './validate.js';
import { register as version } from './version.js';
import { register as completion } from './completion.js';

/**
 * Every nkd command, in help order. Each command file only wires flags to pkg/ and imports
 * pkg/ lazily inside its action, so `nkd --version` loads nothing heavy.
 */
export const commands: Array<(program: Command) => void> = [
  template,
  validate,
  version,
  completion,
];
