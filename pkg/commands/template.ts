import { clusterTemplate, type TemplateOptions } from '../config/template.js';
import { usageError } from '../ui/errors.js';
import type { CommandContext } from './context.js';

/** The flags of `nkd template`, as parsed. */
export type TemplateFlags = Required<TemplateOptions>;

/** `nkd template`: a complete, commented cluster file for the platform, on stdout. */
export async function templateCommand(c: CommandContext, o: TemplateFlags): Promise<void> {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.name) || o.name.length > 40) {
    throw usageError(`--name: invalid value "${o.name}"`, 'use a DNS label: lower-case letters, digits and "-", at most 40 characters');
  }
  c.ui.print(clusterTemplate(o));
}
