import { ExitCode, NkdError } from '../ui/errors.js';
import { certMatchesKey, isCA, parseCert, type CertAndKey } from '../pki/certs.js';
import { keyPairFromPem } from '../pki/keys.js';
import type { PriorRender } from './prior.js';
import { sha256 } from './store.js';

/** A certificate/key pair as read back from disk (or from the user). */
export interface ReadPair {
  pair: CertAndKey;
  certText: string;
  keyText: string;
}

/**
 * Parses a certificate and its key and checks they belong together. A mismatch (a hand-edited
 * file) is a usage error: nkd never replaces a secret silently.
 */
export async function checkedPair(certText: string, keyText: string, certWhere: string, keyWhere: string): Promise<CertAndKey> {
  const cert = parseCert(certText, certWhere);
  const key = await keyPairFromPem(keyText, keyWhere);
  if (!certMatchesKey(cert, key)) {
    throw new NkdError(`${certWhere} no longer matches its key ${keyWhere}`, {
      code: ExitCode.Usage,
      hint: `restore both files from the previous render (version control or a backup), or delete both to have a new pair issued; nothing was written`,
    });
  }
  return { cert, certPem: certText, key };
}

/** Checks that a certificate is a CA; `where` names it. */
export function requireCA(pair: CertAndKey, where: string): void {
  if (!isCA(pair.cert)) {
    throw new NkdError(`${where}: not a CA certificate (basicConstraints CA:TRUE missing)`, {
      code: ExitCode.Usage,
      hint: 'supply a CA certificate and its key',
    });
  }
}

/** Reads a pair of the previous render; undefined when neither file exists. */
export async function readPriorPair(prior: PriorRender, certPath: string, keyPath: string): Promise<ReadPair | { missing: string } | undefined> {
  const [certText, keyText] = await Promise.all([prior.read(certPath), prior.read(keyPath)]);
  if (certText === undefined && keyText === undefined) return undefined;
  if (certText === undefined) return { missing: certPath };
  if (keyText === undefined) return { missing: keyPath };
  return { pair: await checkedPair(certText, keyText, certPath, keyPath), certText, keyText };
}

/** True when the files on disk are byte for byte what the state recorded. */
export function matchesRecord(prior: PriorRender, asset: string, files: Record<string, string>): boolean {
  const rec = prior.record(asset);
  if (!rec) return false;
  return Object.entries(files).every(([p, text]) => rec.files[p] === sha256(text));
}
