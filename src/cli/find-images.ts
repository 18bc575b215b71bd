import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INPUT_FORMAT_NAMES, SNIFF_BYTES, sniffInputFormat } from '../core/formats.js';

export interface Candidate {
  path: string;
  size: number;
}

export interface Skipped {
  path: string;
  reason: string;
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

const byNaturalName = (a: string, b: string) =>
  a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });

/**
 * The image files among `inputs` (files, or folders walked recursively, each in
 * natural name order so photo2 comes before photo10), and what was left out and why.
 * Hidden files and folders inside a folder are passed over silently. Links are followed,
 * but each real folder is walked and each real file listed once: a link loop such as
 * `sub/loop -> ..` would otherwise walk until the path grows too long, uploading the
 * same photos dozens of times.
 */
export async function findImages(
  inputs: readonly string[],
): Promise<{ images: Candidate[]; skipped: Skipped[] }> {
  const images: Candidate[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();

  const visit = async (path: string, named: boolean): Promise<void> => {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      skipped.push({ path, reason: code === 'ENOENT' ? 'no such file or folder' : String(code) });
      return;
    }
    // Both exist (stat succeeded), so realpath does too, bar a race with a delete.
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) return;
    seen.add(real);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((name) => !name.startsWith('.'));
      for (const name of names.sort(byNaturalName)) await visit(join(path, name), false);
      return;
    }
    if (!info.isFile()) {
      if (named) skipped.push({ path, reason: 'not a regular file' });
      return;
    }
    if (info.size === 0) {
      skipped.push({ path, reason: 'empty file' });
      return;
    }
    // Sniffing the first bytes, not trusting the extension, skips a notes.txt and
    // keeps a photo saved without one.
    if (!sniffInputFormat(await readHead(path))) {
      skipped.push({
        path,
        reason: `not an image of a format GridBuilder reads (${INPUT_FORMAT_NAMES})`,
      });
      return;
    }
    images.push({ path, size: info.size });
  };

  for (const input of inputs) await visit(input, true);
  return { images, skipped };
}
