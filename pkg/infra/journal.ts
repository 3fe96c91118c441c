import type { JsonObject } from './platform.js';
import { readFile } from 'node:fs/promises';
import { NkdError, ExitCode } from '../ui/errors.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { ResourceRef } from './types.js';

/** Where a resource is in its life: recorded before, during and after each change. */
export type EntryState = 'creating' | 'created' | 'deleting';

/** One resource in the journal. */
export interface JournalEntry extends ResourceRef {
  state: EntryState;
  /** True when nkd found the resource and took it over instead of creating it. */
  adopted: boolean;
  /** True when the resource is the cluster's own (deleted by destroy); false for shared ones. */
  owned: boolean;
  /** Provider-specific facts (paths, hashes) needed to resume or delete. */
  attrs: Record<string, string>;
  updatedAt: string;
}

/** A lifecycle phase that completed, for `nkd status` and resume messages. */
export interface PhaseRecord {
  completedAt: string;
  ms: number;
}

/** The journal file (.nkd/journal.json). */
export interface JournalData {
  version: 1;
  clusterId: string;
  provider: string;
  /** The platform's settings destroy needs without the cluster file (its provider's journalSettings(); never secrets). */
  providerConfig: JsonObject;
  entries: JournalEntry[];
  phases: Record<string, PhaseRecord>;
}

const key = (r: ResourceRef): string => `${r.kind}/${r.name}`;

/**
 * The provider journal: every resource is written down before it is created ("creating") and
 * after ("created"), before it is deleted ("deleting") and removed once gone. Each change is
 * written atomically, so an interrupted run leaves a journal the next run resumes from.
 */
export class Journal {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private data: JournalData,
  ) {}

  /** Opens the journal at `file`, or starts an empty one (written on the first change). */
  static async open(file: string, init: { clusterId: string; provider: string; providerConfig?: JsonObject }): Promise<Journal> {
    const existing = await Journal.read(file);
    if (existing) {
      if (existing.clusterId !== init.clusterId || existing.provider !== init.provider) {
        throw new NkdError(
          `${file} belongs to cluster "${existing.clusterId}" on ${existing.provider}, not "${init.clusterId}" on ${init.provider}`,
          { code: ExitCode.Usage, hint: 'use the cluster directory of this cluster (--dir), or another directory for a new cluster' },
        );
      }
      if (init.providerConfig) existing.providerConfig = { ...existing.providerConfig, ...init.providerConfig };
      return new Journal(file, existing);
    }
    return new Journal(file, {
      version: 1,
      clusterId: init.clusterId,
      provider: init.provider,
      providerConfig: init.providerConfig ?? {},
      entries: [],
      phases: {},
    });
  }

  /** Reads a journal file; undefined when there is none. */
  static async read(file: string): Promise<JournalData | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const data = JSON.parse(text) as JournalData;
      if (data.version !== 1 || !Array.isArray(data.entries)) throw new Error('unknown journal version');
      data.phases ??= {};
      data.providerConfig ??= {};
      return data;
    } catch (e) {
      throw new NkdError(`${file}: not a readable nkd journal (${(e as Error).message})`, {
        code: ExitCode.Usage,
        hint: 'restore it from a backup, or move it away and let `nkd destroy` sweep by cluster tag',
      });
    }
  }

  /** The cluster id the journal belongs to. */
  get clusterId(): string {
    return this.data.clusterId;
  }
  /** The provider name. */
  get provider(): string {
    return this.data.provider;
  }
  /** Provider settings recorded for destroy. */
  get providerConfig(): Readonly<JsonObject> {
    return this.data.providerConfig;
  }
  /** Every entry, in the order first recorded. */
  entries(): readonly JournalEntry[] {
    return this.data.entries;
  }
  /** The entry of one resource. */
  get(kind: string, name: string): JournalEntry | undefined {
    return this.data.entries.find((e) => e.kind === kind && e.name === name);
  }
  /** Completed lifecycle phases. */
  phases(): Readonly<Record<string, PhaseRecord>> {
    return this.data.phases;
  }

  /** Records that `ref` is about to be created. */
  begin(ref: ResourceRef, attrs: Record<string, string> = {}, owned = true): Promise<void> {
    return this.upsert(ref, { state: 'creating', adopted: false, owned, attrs });
  }
  /** Records that `ref` exists (created, or adopted when `adopted`). */
  done(ref: ResourceRef, attrs: Record<string, string> = {}, opts: { adopted?: boolean; owned?: boolean } = {}): Promise<void> {
    const prev = this.get(ref.kind, ref.name);
    return this.upsert(ref, {
      state: 'created',
      adopted: opts.adopted ?? prev?.adopted ?? false,
      owned: opts.owned ?? prev?.owned ?? true,
      attrs: { ...prev?.attrs, ...attrs },
    });
  }
  /** Records that `ref` is about to be deleted. */
  deleting(ref: ResourceRef): Promise<void> {
    const prev = this.get(ref.kind, ref.name);
    return this.upsert(ref, { state: 'deleting', adopted: prev?.adopted ?? false, owned: prev?.owned ?? true, attrs: prev?.attrs ?? {} });
  }
  /** Removes `ref` (it is gone). */
  forget(ref: ResourceRef): Promise<void> {
    return this.mutate(() => {
      this.data.entries = this.data.entries.filter((e) => key(e) !== key(ref));
    });
  }
  /** Records a completed lifecycle phase. */
  phaseDone(name: string, ms: number): Promise<void> {
    return this.mutate(() => {
      this.data.phases[name] = { completedAt: new Date().toISOString(), ms: Math.round(ms) };
    });
  }
  /** Forgets completed phases (a new deploy or extend re-verifies each one). */
  resetPhases(): Promise<void> {
    return this.mutate(() => {
      this.data.phases = {};
    });
  }
  /** Writes the journal now (also when nothing changed). */
  flush(): Promise<void> {
    return this.mutate(() => undefined);
  }

  private upsert(ref: ResourceRef, v: Omit<JournalEntry, 'kind' | 'name' | 'updatedAt'>): Promise<void> {
    return this.mutate(() => {
      const entry: JournalEntry = { kind: ref.kind, name: ref.name, ...v, updatedAt: new Date().toISOString() };
      const i = this.data.entries.findIndex((e) => key(e) === key(ref));
      if (i >= 0) this.data.entries[i] = entry;
      else this.data.entries.push(entry);
    });
  }

  /** Applies a change and writes the file, one write at a time, in call order. */
  private mutate(change: () => void): Promise<void> {
    const run = this.chain.then(async () => {
      change();
      await writeFileAtomic(this.file, JSON.stringify(this.data, null, 2) + '\n');
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
