/**
 * The Glance (image v2) calls nkd makes: find the NestOS image by ID or name (a duplicate name
 * is an error, never a pick), or create it tagged with the cluster and upload the local qcow2
 * once (streamed, not read into memory).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NkdError, usageError } from '../../ui/errors.js';
import { OpenStackApiError, serviceMessage, type OpenStackApi } from './api.js';

/** An image as nkd reads it. */
export interface Image { id: string; name: string; status: string; tags?: string[]; size?: number | null; disk_format?: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Images of a name (every visibility the project sees). */
export async function imagesNamed(api: OpenStackApi, name: string): Promise<Image[]> {
  return (await api.get<{ images: Image[] }>('image', `/v2/images?name=${encodeURIComponent(name)}&limit=100`, `find image ${name}`)).images;
}

/** Images carrying a tag. */
export async function imagesTagged(api: OpenStackApi, tag: string): Promise<Image[]> {
  return (await api.get<{ images: Image[] }>('image', `/v2/images?tag=${encodeURIComponent(tag)}&limit=100`, 'list images')).images;
}

/**
 * The image `ref` names (an ID, else a name): undefined when none exists; a usage error when
 * several images share the name.
 */
export async function findImage(api: OpenStackApi, ref: string, field = 'spec.openstack.image'): Promise<Image | undefined> {
  if (UUID.test(ref)) {
    const byId = await api.find<Image>('image', `/v2/images/${ref}`, `read image ${ref}`);
    if (byId) return byId;
  }
  const named = await imagesNamed(api, ref);
  if (named.length > 1) {
    throw usageError(`${field}: ${named.length} images are named "${ref}" (${named.map((i) => i.id).join(', ')}); nkd does not pick one at random`, 'give the image\'s ID instead of its name, or rename the others');
  }
  return named[0];
}

/** Creates the image record (qcow2, bare, private, tagged). */
export async function createImage(api: OpenStackApi, name: string, tag: string): Promise<Image> {
  return api.post<Image>('image', '/v2/images', `create image ${name}`, { name, disk_format: 'qcow2', container_format: 'bare', visibility: 'private', tags: [tag] });
}

/** Uploads the file's bytes into a queued image. */
export async function uploadImage(api: OpenStackApi, id: string, name: string, file: string): Promise<void> {
  const size = (await stat(file)).size;
  const what = `upload ${file} to image ${name}`;
  let a;
  try {
    a = await api.session.upload('image', `/v2/images/${id}/file`, () => createReadStream(file), size);
  } catch (e) {
    throw new NkdError(`Glance did not take the upload of ${file} to image ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e, hint: 're-run the deploy: nkd uploads the image again' });
  }
  if (a.status < 200 || a.status >= 300) throw new OpenStackApiError('image', a.status, what, serviceMessage(a));
}

/** Deletes an image (409 retried: still in use by a server being deleted). */
export function deleteImage(api: OpenStackApi, id: string, name: string): Promise<boolean> {
  return api.delete('image', `/v2/images/${id}`, `delete image ${name}`);
}
