import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createGridBuilder, type GridBuilder } from '../../src/app/create-grid-builder.js';
import { loadConfig } from '../../src/config.js';
import type { Imaging, ObjectStore } from '../../src/core/ports.js';
import { createSharpImaging } from '../../src/imaging/sharp-imaging.js';
import { createLogger } from '../../src/logger.js';
import { createLocalStorage } from '../../src/storage/local/create-local-storage.js';
import { naturalPhotoJpeg, subjectNearLeftEdge } from '../support/images.js';

// The tile cache as the server composes it (createGridBuilder, TILE_CACHE_MB), on local
// storage with real sharp: which builds read their sources, and that a build copying
// tiles still starts over when one of its images is deleted meanwhile.

const dirs: string[] = [];
const open: GridBuilder[] = [];
afterEach(async () => {
  for (const gridBuilder of open.splice(0)) await gridBuilder.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>, imaging?: (base: Imaging) => Imaging) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-tiles-'));
  dirs.push(dataDir);
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RENDITION_SIZES: '',
    ...env,
  });
  const local = createLocalStorage(config);
  const reads: string[] = [];
  const objects: ObjectStore = Object.create(local.objects);
  objects.getSource = (key) => {
    reads.push(key);
    return local.objects.getSource(key);
  };
  const base = createSharpImaging(config.TILE_CACHE_MB * 2 ** 20);
  const gridBuilder = createGridBuilder(
    config,
    createLogger('silent'),
    { ...local, objects },
    imaging && { imaging: imaging(base) },
  );
  open.push(gridBuilder);
  return { service: gridBuilder.service, reads, objects: local.objects };
}

const photos = await Promise.all([1, 2, 3].map((seed) => naturalPhotoJpeg(411, 257, { seed })));

async function addPhotos(service: GridBuilder['service']) {
  const added = [];
  for (const photo of photos) added.push(await service.addImage('trip', photo));
  return added;
}

describe('repeat builds with the tile cache', () => {
  it('read no source at the same tile size, and every source at another', async () => {
    const { service, reads } = start({ TILE_CACHE_MB: '1' });
    await addPhotos(service);
    await service.buildGrid('trip', { tileSize: 60 });
    expect(reads).toHaveLength(3);

    const png = await service.buildGrid('trip', { tileSize: 60, format: 'png' });
    expect(png.cached).toBe(false);
    expect(reads).toHaveLength(3);
    expect(png.format).toBe('png');

    await service.buildGrid('trip', { tileSize: 61 });
    expect(reads).toHaveLength(6);
  });

  it('read every source again for another crop, whose grid is another one, reused for that crop only', async () => {
    const { service, reads, objects } = start({ TILE_CACHE_MB: '1' });
    const subject = await subjectNearLeftEdge();
    for (let i = 0; i < 3; i++) await service.addImage('trip', subject);
    const center = await service.buildGrid('trip', { tileSize: 60, format: 'png' });
    expect(center.crop).toBe('center');
    expect(reads).toHaveLength(3);

    const attention = await service.buildGrid('trip', {
      tileSize: 60,
      format: 'png',
      crop: 'attention',
    });
    expect(attention).toMatchObject({ crop: 'attention', cached: false });
    expect(attention.key).not.toBe(center.key);
    expect(reads).toHaveLength(6); // no tile of the center build copied
    const red = async (key: string) =>
      (await sharp(await objects.get('destination', key)).stats()).channels[0]?.mean ?? 0;
    expect(await red(center.key)).toBeLessThan(20); // the subject cut off
    expect(await red(attention.key)).toBeGreaterThan(140); // the subject kept

    expect(
      await service.buildGrid('trip', { tileSize: 60, format: 'png', crop: 'attention' }),
    ).toMatchObject({ key: attention.key, cached: true });
    expect(await service.buildGrid('trip', { tileSize: 60, format: 'png' })).toMatchObject({
      key: center.key,
      cached: true,
    });
    expect(reads).toHaveLength(6);
  });

  it('read every source each time with TILE_CACHE_MB=0', async () => {
    const { service, reads } = start({ TILE_CACHE_MB: '0' });
    await addPhotos(service);
    await service.buildGrid('trip', { tileSize: 60 });
    await service.buildGrid('trip', { tileSize: 60, format: 'png' });
    expect(reads).toHaveLength(6);
  });

  it('start over without an image deleted while its tiles were being copied', async () => {
    let deleteFirst: (() => Promise<unknown>) | undefined;
    const { service } = start({ TILE_CACHE_MB: '1' }, (base) => ({
      ...base,
      async composeGrid(request) {
        // Once: the image goes after the build has listed it and before any tile is copied.
        const deleting = deleteFirst;
        deleteFirst = undefined;
        await deleting?.();
        return base.composeGrid(request);
      },
    }));
    const [first] = await addPhotos(service);
    await service.buildGrid('trip', { tileSize: 60 });

    deleteFirst = () => service.deleteImage('trip', first?.imageId ?? '');
    const built = await service.buildGrid('trip', { tileSize: 60, format: 'png' });
    expect(built.imageCount).toBe(2);
  });
});
