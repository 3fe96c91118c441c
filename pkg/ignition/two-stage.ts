import { assertValidIgnition } from './check.js';
import { normalizeConfig } from './build.js';
import { pointerConfig, sha512Hex } from './pointer.js';
import { serializeIgnition } from './serialize.js';
import type { IgnitionConfig, User } from './types.js';

/** A config split for a platform whose first config may be read by others. */
export interface TwoStageConfig {
  /** What the platform hands over first: no secret file, no password hash; merges the bundle. */
  firstStage: IgnitionConfig;
  /** The exact bytes of the secret bundle (the merge checks their SHA-512). */
  bundleText: string;
  bundleSha512: string;
}

/**
 * Splits a node's whole config in two: the files at `secretPaths` (private keys, kubeconfigs,
 * the kubeadm file with its token) and the login user's password hash go into the secret
 * bundle; the rest is the first stage, which makes Ignition fetch the bundle from `source`,
 * verify its SHA-512 and merge it. Merging the two yields the whole config.
 */
export function splitSecrets(whole: IgnitionConfig, secretPaths: ReadonlySet<string>, source: string): TwoStageConfig {
  const files = whole.storage?.files ?? [];
  const secretFiles = files.filter((f) => secretPaths.has(f.path));
  const missing = [...secretPaths].filter((p) => !files.some((f) => f.path === p));
  if (missing.length > 0) throw new Error(`secret files not in the config: ${missing.join(', ')}`);
  const users = whole.passwd?.users ?? [];
  const hashed: User[] = users.filter((u) => u.passwordHash !== undefined).map((u) => ({ name: u.name, passwordHash: u.passwordHash }));
  const bundle = normalizeConfig({
    ignition: { version: whole.ignition.version },
    ...(secretFiles.length ? { storage: { files: secretFiles } } : {}),
    ...(hashed.length ? { passwd: { users: hashed } } : {}),
  });
  const bundleText = serializeIgnition(bundle);
  const bundleSha512 = sha512Hex(bundleText);
  const rest = files.filter((f) => !secretPaths.has(f.path));
  const firstStage = normalizeConfig({
    ...whole,
    ignition: { ...whole.ignition, ...pointerConfig(whole.ignition.version, source, bundleSha512).ignition },
    ...(whole.storage ? { storage: { ...whole.storage, files: rest } } : {}),
    ...(whole.passwd ? { passwd: { ...whole.passwd, users: users.map(({ passwordHash: _hash, ...u }) => u) } } : {}),
  });
  assertValidIgnition(firstStage, 'first stage');
  assertValidIgnition(bundle, 'secret bundle');
  return { firstStage, bundleText, bundleSha512 };
}
