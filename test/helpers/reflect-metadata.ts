/**
 * The three Reflect metadata functions tsyringe (a dependency of @peculiar/x509) checks for at
 * load time. x509 never relies on emitted decorator metadata, so a per-target map is all it
 * needs; this avoids a reflect-metadata dependency (docs/adr/0400-pki-with-peculiar-x509.md).
 * Must be imported before '@peculiar/x509'.
 */
type MetadataTarget = object;

const store = new WeakMap<MetadataTarget, Map<unknown, unknown>>();
const R = Reflect as unknown as Record<string, unknown>;

if (typeof R.getMetadata !== 'function') {
  const own = (key: unknown, target: MetadataTarget): unknown => store.get(target)?.get(key);
  R.defineMetadata = (key: unknown, value: unknown, target: MetadataTarget): void => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: MetadataTarget): unknown => {
    for (let t: MetadataTarget | null = target; t; t = Object.getPrototypeOf(t) as MetadataTarget | null) {
      const v = own(key, t);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export {};
