import { open } from 'node:fs/promises';
import { usageError } from '../../ui/errors.js';

/** What nkd needs to know of the OS image before uploading it. */
export interface ImageInfo {
  format: 'qcow2' | 'raw';
  /** Size of the file to upload. */
  fileBytes: number;
  /** Size of the disk it holds (the qcow2 header's virtual size; the file size for raw). */
  virtualBytes: number;
}

/**
 * Reads the image's format and sizes from its header (qcow2 magic "QFI\xfb", virtual size
 * at byte 24), so a missing or unreadable image is reported before anything is created.
 */
export async function inspectImage(path: string, field = 'spec.libvirt.osImage'): Promise<ImageInfo> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      `${field}: cannot read "${path}" (${code === 'ENOENT' ? 'no such file' : code})`,
      'point osImage at the NestOS qcow2 image on this machine (download it first)',
    );
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw usageError(`${field}: "${path}" is not a file`, 'point osImage at the NestOS qcow2 image file');
    const head = Buffer.alloc(32);
    await fh.read(head, 0, 32, 0);
    if (head.readUInt32BE(0) === 0x514649fb) {
      return { format: 'qcow2', fileBytes: st.size, virtualBytes: Number(head.readBigUInt64BE(24)) };
    }
    return { format: 'raw', fileBytes: st.size, virtualBytes: st.size };
  } finally {
    await fh.close();
  }
}
