import { ExitCode, NkdError } from '../ui/errors.js';
import { issueCert, selfSignedCA, type CertAndKey, type CertSpec } from '../pki/certs.js';
import { keyPairFromPem, keyTypeOf, type KeyPair, type KeyType } from '../pki/keys.js';
import type { CaId, CaPlan, LeafPlan } from '../pki/layout.js';
import { newBootstrapToken, isBootstrapToken } from '../pki/token.js';
import type { Asset, AssetOutput, GenerateEnv } from './asset.js';
import { checkedPair, matchesRecord, readPriorPair, requireCA } from './pki-pair.js';
import { sha256 } from './store.js';
import { CLUSTER_PATHS } from '../cluster-dir.js';

/** A CA the user supplies (spec.certificates.userCAs), already read from disk. */
export interface UserCA {
  certPem: string;
  keyPem: string;
  /** Field path for messages, e.g. spec.certificates.userCAs.kubernetes. */
  field: string;
}

/** Asset name of a CA. */
export function caAssetName(id: CaId): string {
  return { kubernetes: `${CLUSTER_PATHS.pki}/ca`, etcd: `${CLUSTER_PATHS.pki}/etcd/ca`, frontProxy: `${CLUSTER_PATHS.pki}/front-proxy-ca` }[id];
}

/** Name of the service-account key asset. */
export const SA_ASSET = `${CLUSTER_PATHS.pki}/sa`;
/** Name of the bootstrap token asset. */
export const TOKEN_ASSET = CLUSTER_PATHS.bootstrapToken;

/** Hash of a JSON-able value (asset inputs). */
function inputsHash(v: unknown): string {
  return sha256(JSON.stringify(v));
}

function pairFiles(base: string, pair: CertAndKey): AssetOutput<CertAndKey>['files'] {
  return [
    { path: `${base}.crt`, contents: pair.certPem, secret: false },
    { path: `${base}.key`, contents: pair.key.privatePem, secret: true },
  ];
}

function lostSecret(paths: string, what: string): NkdError {
  return new NkdError(`${paths}: recorded in .nkd/state.json but missing`, {
    code: ExitCode.Usage,
    hint: `restore ${what} from version control or a backup (a new one would not match the running cluster), or render into a new directory; nothing was written`,
  });
}

/**
 * A CA: the user's (userCAs), the previous render's, or a new one. Never regenerated once it
 * exists: a changed CA would orphan every certificate and node of the cluster.
 */
export function caAsset(plan: CaPlan, keyType: KeyType, userCA?: UserCA): Asset<CertAndKey> {
  const name = caAssetName(plan.id);
  const crt = `${plan.path}.crt`;
  const key = `${plan.path}.key`;
  return {
    name,
    dependencies: [],
    keys: userCA ? [] : [name],
    async generate(_parents, env) {
      const inputs = inputsHash({ spec: plan.spec, keyType, user: userCA ? sha256(userCA.certPem) : undefined });
      const prior = await readPriorPair(env.prior, crt, key);
      if (prior && 'missing' in prior) {
        throw new NkdError(`${prior.missing}: missing, while the other half of the ${plan.spec.commonName} CA exists`, {
          code: ExitCode.Usage,
          hint: 'restore the missing file from version control or a backup (a new CA would not match the cluster); nothing was written',
        });
      }
      if (userCA) {
        const pair = await checkedPair(userCA.certPem, userCA.keyPem, `${userCA.field}.cert`, `${userCA.field}.key`);
        requireCA(pair, `${userCA.field}.cert`);
        if (prior && !prior.pair.cert.raw.equals(pair.cert.raw)) {
          throw new NkdError(`${userCA.field}: differs from the CA this directory was rendered with (${crt})`, {
            code: ExitCode.Usage,
            hint: "a cluster's CA cannot change; supply the original CA or render into a new directory; nothing was written",
          });
        }
        if (!prior) env.note(`using your ${plan.spec.commonName} CA from ${userCA.field}`);
        const value = prior ? prior.pair : pair;
        return { value, files: pairFiles(plan.path, value), inputsHash: inputs };
      }
      if (prior) {
        requireCA(prior.pair, crt);
        if (!matchesRecord(env.prior, name, { [crt]: prior.certText, [key]: prior.keyText })) {
          env.note(`${crt} changed since the last render; using it as the ${plan.spec.commonName} CA`);
        }
        const was = env.prior.record(name)?.inputs;
        if (was && was !== inputs) env.note(`spec.certificates changed; keeping the existing ${plan.spec.commonName} CA (${crt}): a new CA would orphan the cluster`);
        return { value: prior.pair, files: pairFiles(plan.path, prior.pair), inputsHash: inputs };
      }
      if (env.prior.record(name)) throw lostSecret(`${crt}, ${key}`, 'the CA');
      const k = await env.keys(name, keyType);
      const pair = await selfSignedCA(plan.spec, k, { now: env.now, random: env.random(name) });
      return { value: pair, files: pairFiles(plan.path, pair), inputsHash: inputs };
    },
  };
}

/**
 * Decides how to get a certificate for `spec`: reuse the previous one when nothing it was made
 * from changed, else issue a new one (keeping the key when its type still fits).
 */
export async function leafPair(
  name: string,
  spec: CertSpec,
  keyType: KeyType,
  ca: CertAndKey,
  env: GenerateEnv,
  prior: { certText: string; keyText: string; pair: CertAndKey } | undefined,
  onDisk: Record<string, string>,
): Promise<{ pair: CertAndKey; inputs: string }> {
  const inputs = inputsHash({ spec, keyType, ca: sha256(ca.certPem) });
  if (prior) {
    const same = env.prior.record(name)?.inputs === inputs && matchesRecord(env.prior, name, onDisk);
    if (same) return { pair: prior.pair, inputs };
    env.note(`re-issuing ${name}: what it was made from changed`);
  }
  const reuseKey: KeyPair | undefined = prior && keyTypeOf(prior.pair.key) === keyType ? prior.pair.key : undefined;
  const key = reuseKey ?? (await env.keys(name, keyType));
  const pair = await issueCert(spec, key, ca, { now: env.now, random: env.random(name) });
  return { pair, inputs };
}

/** A leaf certificate (shared by the control-plane nodes or one node's own). */
export function leafAsset(plan: LeafPlan, keyType: KeyType): Asset<CertAndKey> {
  const crt = `${plan.path}.crt`;
  const key = `${plan.path}.key`;
  return {
    name: plan.path,
    dependencies: [caAssetName(plan.ca)],
    keys: [plan.path],
    async generate(parents, env) {
      const ca = parents.get<CertAndKey>(caAssetName(plan.ca));
      const prior = await readPriorPair(env.prior, crt, key);
      const found = prior && 'missing' in prior ? undefined : prior;
      const onDisk = found ? { [crt]: found.certText, [key]: found.keyText } : {};
      const { pair, inputs } = await leafPair(plan.path, plan.spec, keyType, ca, env, found, onDisk);
      return { value: pair, files: pairFiles(plan.path, pair), inputsHash: inputs };
    },
  };
}

/** The service-account signing key pair: kept for the life of the cluster. */
export function serviceAccountAsset(keyType: KeyType): Asset<KeyPair> {
  return {
    name: SA_ASSET,
    dependencies: [],
    keys: [SA_ASSET],
    async generate(_parents, env) {
      const text = await env.prior.read(`${SA_ASSET}.key`);
      let key: KeyPair;
      if (text !== undefined) {
        key = await keyPairFromPem(text, `${SA_ASSET}.key`);
      } else {
        if (env.prior.record(SA_ASSET)) throw lostSecret('pki/sa.key', 'the service-account key');
        key = await env.keys(SA_ASSET, keyType);
      }
      return {
        value: key,
        files: [
          { path: `${SA_ASSET}.key`, contents: key.privatePem, secret: true },
          { path: `${SA_ASSET}.pub`, contents: key.publicPem, secret: false },
        ],
        inputsHash: inputsHash({ keyType }),
      };
    },
  };
}

/** The kubeadm bootstrap token: reused across renders unless rotation is asked for. */
export function bootstrapTokenAsset(): Asset<string> {
  const path = CLUSTER_PATHS.bootstrapToken;
  return {
    name: TOKEN_ASSET,
    dependencies: [],
    async generate(_parents, env) {
      const text = (await env.prior.read(path))?.trim();
      if (text !== undefined && !isBootstrapToken(text)) {
        throw new NkdError(`${path}: not a bootstrap token ("[a-z0-9]{6}.[a-z0-9]{16}")`, {
          code: ExitCode.Usage,
          hint: 'restore the file, or delete it and render with a fresh token; nothing was written',
        });
      }
      let token = text;
      if (token === undefined || env.rotateBootstrapToken) {
        token = newBootstrapToken(env.random(TOKEN_ASSET));
        env.note(text === undefined ? 'new bootstrap token' : 'rotated the bootstrap token');
      }
      return { value: token, files: [{ path, contents: token + '\n', secret: true }], inputsHash: inputsHash({ token: sha256(token) }) };
    },
  };
}
