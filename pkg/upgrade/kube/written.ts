/**
 * What a component wrote, kept until its informer cache catches up: a cached object whose
 * resourceVersion one of our own writes superseded is stale, and our answer from the server is
 * used instead. Any other cached version (our last write, or someone else's later one) wins.
 * Comparing only versions we saw ourselves keeps resourceVersions opaque, as the API requires.
 */
export class WrittenObjects<T extends { metadata: { name: string; resourceVersion?: string } }> {
  private readonly m = new Map<string, { obj: T; superseded: Set<string> }>();

  /** Records `out`, the server's answer to a write made from the version `fromRv`. */
  remember(out: T, fromRv: string | undefined): void {
    const w = this.m.get(out.metadata.name) ?? { obj: out, superseded: new Set<string>() };
    if (fromRv) w.superseded.add(fromRv);
    w.obj = out;
    this.m.set(out.metadata.name, w);
  }

  /** The freshest known version of `name` given the cached one. */
  resolve(name: string, cached: T | undefined): T | undefined {
    const w = this.m.get(name);
    if (!w) return cached;
    const rv = cached?.metadata.resourceVersion;
    if (!cached || (rv !== undefined && w.superseded.has(rv))) return w.obj;
    this.m.delete(name);
    return cached;
  }

  /** Drops what is known of `name` (the object was deleted). */
  forget(name: string): void {
    this.m.delete(name);
  }
}
