/** Prometheus metrics of the operator, rendered in the text exposition format (no dependency). */

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

/** A small registry of gauges, counters and duration summaries. */
export class Metrics {
  private readonly gauges = new Map<string, Map<string, number>>();
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly sums = new Map<string, Map<string, { sum: number; count: number }>>();
  private readonly help = new Map<string, string>();

  constructor() {
    this.help.set('nkd_upgrade_nodes', 'Nodes of each Upgrade by phase.');
    this.help.set('nkd_upgrade_step_duration_seconds', 'Durations of the per-node steps (drain, host, verify, total).');
    this.help.set('nkd_upgrade_drain_blocked', '1 while a pod (and PodDisruptionBudget) blocks the drain of a node.');
    this.help.set('nkd_upgrade_transitions_total', 'Per-node phase transitions.');
    this.help.set('nkd_upgrade_leader', '1 while this replica holds the Lease.');
    this.help.set('nkd_upgrade_reconcile_errors_total', 'Reconciles that ended with an error.');
    this.help.set('nkd_upgrade_api_requests', 'API requests this process made (its informers\' list and watch streams aside).');
    this.help.set('process_resident_memory_bytes', 'Resident memory size in bytes.');
    this.help.set('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.');
    this.help.set('nodejs_heap_size_total_bytes', 'V8 heap reserved, in bytes.');
  }

  /** Sets a gauge. */
  setGauge(name: string, labels: Labels, value: number): void {
    let m = this.gauges.get(name);
    if (!m) this.gauges.set(name, (m = new Map()));
    m.set(key(labels), value);
  }

  /** Drops every series of a gauge whose labels include `scope`. */
  clearGauge(name: string, scope: Labels): void {
    const m = this.gauges.get(name);
    if (!m) return;
    const parts = key(scope).split(',').filter(Boolean);
    for (const k of [...m.keys()]) if (parts.every((p) => k.split(',').includes(p))) m.delete(k);
  }

  /** Adds to a counter. */
  inc(name: string, labels: Labels = {}, by = 1): void {
    let m = this.counters.get(name);
    if (!m) this.counters.set(name, (m = new Map()));
    const k = key(labels);
    m.set(k, (m.get(k) ?? 0) + by);
  }

  /** Observes a duration in seconds. */
  observe(name: string, labels: Labels, seconds: number): void {
    let m = this.sums.get(name);
    if (!m) this.sums.set(name, (m = new Map()));
    const k = key(labels);
    const cur = m.get(k) ?? { sum: 0, count: 0 };
    m.set(k, { sum: cur.sum + seconds, count: cur.count + 1 });
  }

  /** The text exposition of every metric. */
  render(): string {
    const out: string[] = [];
    const head = (name: string, type: string) => { out.push(`# HELP ${name} ${this.help.get(name) ?? name}`, `# TYPE ${name} ${type}`); };
    for (const [name, m] of this.gauges) { head(name, 'gauge'); for (const [k, v] of m) out.push(`${name}{${k}} ${v}`); }
    for (const [name, m] of this.counters) { head(name, 'counter'); for (const [k, v] of m) out.push(`${name}{${k}} ${v}`); }
    for (const [name, m] of this.sums) {
      head(name, 'summary');
      for (const [k, v] of m) { out.push(`${name}_sum{${k}} ${v.sum}`, `${name}_count{${k}} ${v.count}`); }
    }
    return out.join('\n') + '\n';
  }
}
