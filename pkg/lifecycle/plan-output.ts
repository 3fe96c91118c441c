import type { Plan } from '../infra/types.js';

const GLYPH: Record<string, string> = { create: '+', update: '~', adopt: '=', keep: ' ' };

/** The plan as a table for humans: one line per resource, then counts. */
export function formatPlan(plan: Plan): string {
  const w = Math.max(...plan.items.map((i) => i.kind.length + i.name.length + 1), 10);
  const lines = plan.items.map((i) => `${GLYPH[i.action] ?? '?'} ${i.action.padEnd(6)} ${`${i.kind} ${i.name}`.padEnd(w)}  ${i.reason}`);
  const count = (a: string) => plan.items.filter((i) => i.action === a).length;
  lines.push(`plan (${plan.provider}, cluster ${plan.clusterId}): ${count('create')} to create, ${count('update')} to update, ${count('adopt')} to adopt, ${count('keep')} unchanged`);
  return lines.join('\n');
}

