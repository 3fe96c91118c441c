import type { Command } from 'commander';
import { register as template } from './template.js';
import { register as validate } from './validate.js';
import { register as render } from './render.js';
import { register as version } from './version.js';
import { register as completion } from './completion.js';
import { register as deploy } from './deploy.js';
import { register as extend } from './extend.js';
import { register as status } from './status.js';
import { register as destroy } from './destroy.js';
import { register as upgrade } from './upgrade.js';
import { register as operator } from './operator.js';

/**
 * Every nkd command, in help order. Each command file only wires flags to pkg/commands and
 * imports it lazily inside its action, so `nkd --version` loads nothing heavy.
 */
export const commands: Array<(program: Command) => void> = [
  template,
  validate,
  render,
  deploy,
  extend,
  status,
  destroy,
  upgrade,
  operator,
  version,
  completion,
];
