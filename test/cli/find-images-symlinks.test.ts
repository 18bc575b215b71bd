import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findImages } from '../../src/cli/find-images.js';
import { RED, solidImage } from '../support/images.js';

let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gridbuilder-find-'));
  const jpeg = await solidImage(RED, 16, 16);
  mkdirSync(join(work, 'photos', 'sub'), { recursive: true });
  writeFileSync(join(work, 'photos', 'a.jpg'), jpeg);
  writeFileSync(join(work, 'photos', 'sub', 'b.jpg'), jpeg);
  // A loop back to the folder above (as `ln -s .. loop` makes), a second way into `sub`,
  // and a link to a file that is already listed: none may add a photo twice.
  symlinkSync('..', join(work, 'photos', 'sub', 'loop'));
  symlinkSync('sub', join(work, 'photos', 'sub-again'));
  symlinkSync('a.jpg', join(work, 'photos', 'z-link.jpg'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('findImages with symbolic links', () => {
  test('a folder with a symlink loop lists each real file once', async () => {
    const { images } = await findImages([join(work, 'photos')]);
    expect(images.map((image) => image.path)).toEqual([
      join(work, 'photos', 'a.jpg'),
      join(work, 'photos', 'sub', 'b.jpg'),
    ]);
  });

  test('a file named twice, directly and through a link, is listed once', async () => {
    const { images } = await findImages([
      join(work, 'photos', 'a.jpg'),
      join(work, 'photos', 'z-link.jpg'),
      join(work, 'photos'),
    ]);
    expect(images.map((image) => image.path)).toEqual([
      join(work, 'photos', 'a.jpg'),
      join(work, 'photos', 'sub', 'b.jpg'),
    ]);
  });
});
