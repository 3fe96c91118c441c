import { dnsLabel, imageRef, imageRepository } from '../config/schema.js';
import { usageError } from '../ui/errors.js';
import { operatorImage } from '../version.js';
import type { CommandContext } from './context.js';

/** The flags of `nkd operator manifests`, as parsed. */
export interface ManifestFlags {
  image: string;
  /** True when --image was given on the command line (not the default). */
  imageGiven: boolean;
  imageRepository?: string;
  namespace: string;
  replicas: string;
  kubernetesVersion?: string;
}

/** Checks the flags of `nkd operator manifests`, naming the flag and the fix; returns the manifest options. */
function checkManifestOptions(o: ManifestFlags): { image: string; namespace: string; replicas: number; kubernetesVersion?: string } {
  if (o.imageGiven && o.imageRepository !== undefined) throw usageError('--image and --image-repository: give one of them', '--image names the whole image; --image-repository only its registry');
  if (o.imageRepository !== undefined && !new RegExp(imageRepository).test(o.imageRepository)) {
    throw usageError(`--image-repository: invalid value ${JSON.stringify(o.imageRepository)}: not a registry`, 'write a registry host with an optional port and path, e.g. registry.example.com:5000/nestos');
  }
  const image = o.imageRepository !== undefined ? operatorImage(o.imageRepository) : o.image;
  if (!new RegExp(imageRef).test(image)) {
    throw usageError(`--image: invalid value ${JSON.stringify(image)}: not an image reference`, 'write [registry/]repository[:tag][@sha256:<64 hex>], e.g. registry.example.com/nkd-operator:0.1.0');
  }
  if (!new RegExp(dnsLabel).test(o.namespace) || o.namespace.length > 63) {
    throw usageError(`--namespace: invalid value ${JSON.stringify(o.namespace)}: not a DNS label`, 'use lower-case letters, digits and "-", at most 63 characters, e.g. nkd-system');
  }
  const replicas = Number(o.replicas);
  if (!/^[0-9]+$/.test(o.replicas) || replicas < 1) throw usageError(`--replicas: invalid value ${JSON.stringify(o.replicas)}`, 'use an integer >= 1');
  if (o.kubernetesVersion !== undefined && !/^v?\d+\.\d+\.\d+$/.test(o.kubernetesVersion)) throw usageError(`--kubernetes-version: invalid value ${JSON.stringify(o.kubernetesVersion)}`, 'use a version like 1.37.1');
  return { image, namespace: o.namespace, replicas, kubernetesVersion: o.kubernetesVersion };
}

/** `nkd operator manifests`: the operator's manifests as YAML on stdout, or as JSON with --json. */
export async function operatorManifestsCommand(c: CommandContext, o: ManifestFlags): Promise<void> {
  const opts = checkManifestOptions(o);
  const m = await import('../upgrade/install/manifests.js');
  if (c.ui.json) c.ui.result(m.operatorManifests(opts));
  else process.stdout.write(m.manifestsYaml(opts));
}
