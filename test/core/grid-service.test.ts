import { ulid } from 'ulid';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GridService } from '../../src/core/grid-service.js';
import { renditionKey, stagingKey } from '../../src/core/ids.js';
import { defaultWidth, gridPlacement, justifiedPlacement } from '../../src/core/layout.js';
import type { ComposeRequest } from '../../src/core/ports.js';
import {
  MEMORY_SETTINGS,
  type MemoryGridIndex,
  type MemoryObjectStore,
  memoryService,
  type TextImaging,
  textImage,
} from '../support/memory-ports.js';

// The service's own rules, over in-memory ports (test/support/memory-ports.ts). Races
// between operations: grid-service-races.test.ts; the grid's order and reorders:
// grid-order.test.ts; both over the real backends.

let objects: MemoryObjectStore;
let index: MemoryGridIndex;
let imaging: TextImaging;
let service: GridService;

beforeEach(() => {
  ({ objects, index, imaging, service } = memoryService());
});

const add = (grid: string, width = 40, height = 30) =>
  service.addImage(grid, textImage('jpeg', width, height));
/** The sources of a built grid, in tile order, as TextImaging wrote them. */
const tilesOf = async (key: string) =>
  JSON.parse((await objects.get('destination', key)).toString()).sources as string[];

describe('adding an image', () => {
  it('stores the bytes under GRID/ID.ext with their type, then records them', async () => {
    const bytes = textImage('png', 40, 30);
    const record = await service.addImage('trip', bytes);

    expect(record).toEqual({
      gridId: 'trip',
      key: `trip/${record.imageId}.png`,
      imageId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      size: bytes.length,
      width: 40,
      height: 30,
      format: 'png',
      contentType: 'image/png',
      uploadedAt: expect.any(String),
      position: record.imageId,
    });
    expect(Date.parse(record.uploadedAt)).toBeLessThanOrEqual(Date.now());
    expect(objects.buckets.source.get(record.key)).toEqual({
      body: bytes,
      contentType: 'image/png',
    });
    expect(await index.list('trip')).toEqual([record]);
  });

  it('refuses a body over maxUploadBytes before decoding it: body_too_large, nothing stored', async () => {
    const probe = vi.spyOn(imaging, 'probe');
    const tooBig = Buffer.alloc(MEMORY_SETTINGS.maxUploadBytes + 1);
    await expect(service.addImage('trip', tooBig)).rejects.toMatchObject({
      kind: 'too_large',
      code: 'body_too_large',
    });
    expect(probe).not.toHaveBeenCalled();
    expect(objects.buckets.source.size).toBe(0);
  });

  it('refuses what the imaging cannot read, or too many pixels, and stores nothing', async () => {
    await expect(service.addImage('trip', Buffer.from('<html>'))).rejects.toMatchObject({
      kind: 'unsupported_media',
      code: 'not_an_image',
    });
    await expect(add('trip', 1001, 1000)).rejects.toMatchObject({ code: 'too_many_pixels' });
    expect(objects.buckets.source.size).toBe(0);
    expect(index.records.size).toBe(0);
  });

  it.each([
    ['no grid id', undefined],
    ['an empty one', ''],
    ['a path', '../etc'],
  ])('refuses %s with invalid_grid_id on uniqueGridId', async (_, gridId) => {
    await expect(service.addImage(gridId, textImage('jpeg', 4, 4))).rejects.toMatchObject({
      kind: 'invalid_request',
      code: 'invalid_grid_id',
      param: 'uniqueGridId',
    });
    expect(objects.buckets.source.size).toBe(0);
  });

  it('takes the object back when the index cannot record it', async () => {
    vi.spyOn(index, 'add').mockRejectedValueOnce(new Error('index down'));
    await expect(add('trip')).rejects.toThrow('index down');
    expect(objects.buckets.source.size).toBe(0);
    expect(index.records.size).toBe(0);
  });
});

describe('listing a grid', () => {
  it('gives every image in upload order with a signed link and a preview link', async () => {
    const first = await add('trip');
    const second = await add('trip', 30, 40);
    await add('other');

    const { gridId, images } = await service.listImages('trip');
    expect(gridId).toBe('trip');
    expect(images).toEqual([
      {
        ...first,
        url: `memory://get/source/${first.key}?expires=300`,
        previewUrl: `memory://preview/${first.key}?expires=300`,
      },
      {
        ...second,
        url: `memory://get/source/${second.key}?expires=300`,
        previewUrl: `memory://preview/${second.key}?expires=300`,
      },
    ]);
  });

  it('gives 500 images a page by default, and the rest after the cursor', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 501; i++) keys.push((await add('big')).key);
    const first = await service.listImages('big');
    expect(first.imageCount).toBe(501);
    expect(first.images.map((image) => image.key)).toEqual(keys.slice(0, 500));
    const second = await service.listImages('big', { cursor: first.nextCursor });
    expect(second.images.map((image) => image.key)).toEqual(keys.slice(500));
    expect(second.nextCursor).toBeUndefined();
  });

  it('signs only the page’s images, and gives one a page when one alone passes the byte budget', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push((await add('heavy')).key);
    const signed = vi.spyOn(objects, 'presignGet');
    const page = await service.listImages('heavy', { limit: 2 });
    expect(signed).toHaveBeenCalledTimes(2);

    const pages: string[][] = [];
    let cursor = page.nextCursor;
    do {
      const next = await service.listImages('heavy', { cursor, sizeOf: () => 2_000_000 });
      pages.push(next.images.map((image) => image.key));
      cursor = next.nextCursor;
    } while (cursor !== undefined);
    expect(pages).toEqual(keys.slice(2).map((key) => [key]));
  });
});

describe('building a grid', () => {
  it('lays out floor(sqrt(n)) columns and ceil(n / columns) rows, in upload order, at the default tile size in JPEG', async () => {
    const added = [];
    for (let i = 1; i <= 5; i++) added.push(await add('trip', 10 * i, 10));

    const built = await service.buildGrid('trip');
    expect(built).toEqual({
      key: expect.stringMatching(/^trip\/grid-[0-9a-f]{24}\.jpg$/),
      width: 200,
      height: 300,
      columns: 2,
      rows: 3,
      imageCount: 5,
      tileSize: 100,
      format: 'jpeg',
      crop: 'center',
      gap: 0,
      background: '#000000',
      layout: 'grid',
      labels: 'none',
      cached: false,
      url: `memory://get/destination/${built.key}?expires=300`,
      expiresAt: expect.any(String),
    });
    const expiresIn = Date.parse(built.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(290_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
    expect(objects.buckets.destination.get(built.key)?.contentType).toBe('image/jpeg');
    expect(imaging.composed[0]).toMatchObject({
      placement: gridPlacement(5, 100),
      format: 'jpeg',
      crop: 'center',
      inFlight: MEMORY_SETTINGS.buildInFlight,
      decodes: MEMORY_SETTINGS.decodeConcurrency,
    });
    expect(await tilesOf(built.key)).toEqual(
      ['10', '20', '30', '40', '50'].map((w) => `jpeg ${w}x10`),
    );
  });

  it('takes the tile size, columns, format and crop asked for', async () => {
    for (let i = 0; i < 5; i++) await add('trip');
    const options = { tileSize: 20, columns: 5, format: 'webp', crop: 'entropy' } as const;
    const built = await service.buildGrid('trip', options);
    expect(built).toMatchObject({ width: 100, height: 20, columns: 5, rows: 1, format: 'webp' });
    expect(built.crop).toBe('entropy');
    expect(imaging.composed[0]).toMatchObject({
      placement: gridPlacement(5, 20, 0, 5),
      format: 'webp',
      crop: 'entropy',
    });
    expect(built.key).toMatch(/\.webp$/);
    expect(objects.buckets.destination.get(built.key)?.contentType).toBe('image/webp');
  });

  it('writes each image’s name under it when asked: a band under every row, another grid', async () => {
    await service.addImage('trip', textImage('jpeg', 40, 30), undefined, 'beach.jpg');
    await add('trip'); // stored without a name
    const plain = await service.buildGrid('trip', { tileSize: 80 });
    const labelled = await service.buildGrid('trip', { tileSize: 80, labels: 'name' });
    expect(plain.labels).toBe('none');
    expect(labelled).toMatchObject({ labels: 'name', cached: false, width: 80 });
    expect(labelled.key).not.toBe(plain.key);
    // One column of two rows: two bands of 16 px (an eighth of 80, 16 at least).
    expect(labelled.height).toBe(plain.height + 2 * 16);
    const request = imaging.composed[1] as ComposeRequest;
    expect(request.placement.labelHeight).toBe(16);
    expect([request.label?.(0), request.label?.(1)]).toEqual(['beach.jpg', undefined]);
    expect(imaging.composed[0]?.label).toBeUndefined();
    expect(await service.buildGrid('trip', { tileSize: 80, labels: 'none' })).toMatchObject({
      cached: true,
      key: plain.key,
    });
  });

  it('puts the gap asked for between tiles and around them, in the background asked for', async () => {
    for (let i = 0; i < 5; i++) await add('trip');
    const options = { tileSize: 20, gap: 4, background: '#ffee00' };
    const built = await service.buildGrid('trip', options);
    // 2 columns x 3 rows: 2 * 20 + 3 * 4 wide, 3 * 20 + 4 * 4 high.
    expect(built).toMatchObject({ width: 52, height: 76, gap: 4, background: '#ffee00' });
    expect(imaging.composed[0]).toMatchObject({
      placement: gridPlacement(5, 20, 4),
      background: '#ffee00',
    });
  });

  it('counts the gaps in the output limit', async () => {
    for (let i = 0; i < 4; i++) await add('trip');
    // 2 x 2 tiles of 1000: the 4,000,000 pixels allowed; with gaps of 1, 2003 x 2003 is more.
    await expect(service.buildGrid('trip', { tileSize: 1000 })).resolves.toMatchObject({
      width: 2000,
    });
    await expect(service.buildGrid('trip', { tileSize: 1000, gap: 1 })).rejects.toMatchObject({
      code: 'grid_too_large',
    });
  });

  it('reuses the stored grid while the images and options stay the same', async () => {
    await add('trip');
    await add('trip');
    const first = await service.buildGrid('trip', { tileSize: 50 });
    const again = await service.buildGrid('trip', { tileSize: 50 });
    expect(again).toMatchObject({ cached: true, key: first.key });
    expect(imaging.composed).toHaveLength(1);

    const keys = new Set([first.key]);
    for (const options of [
      { tileSize: 60 },
      { tileSize: 50, columns: 2 },
      { format: 'png' as const },
      { tileSize: 50, crop: 'attention' as const },
      { tileSize: 50, crop: 'entropy' as const },
      { tileSize: 50, gap: 2 },
      { tileSize: 50, background: '#ffffff' },
      { tileSize: 50, layout: 'justified' as const },
      { tileSize: 50, layout: 'justified' as const, width: 120 },
    ]) {
      const other = await service.buildGrid('trip', options);
      expect(other.cached, JSON.stringify(options)).toBe(false);
      keys.add(other.key);
    }
    await add('trip');
    const afterAdd = await service.buildGrid('trip', { tileSize: 50 });
    expect(afterAdd).toMatchObject({ cached: false, imageCount: 3 });
    keys.add(afterAdd.key);
    expect(keys.size).toBe(11);
    expect(imaging.composed).toHaveLength(11);
    // The defaults named are the defaults: the stored grid again.
    const named = {
      tileSize: 50,
      crop: 'center',
      gap: 0,
      background: '#000000',
      layout: 'grid',
    } as const;
    expect(await service.buildGrid('trip', named)).toMatchObject({
      cached: true,
      key: afterAdd.key,
    });
  });

  it('a justified width named as its default is the same grid', async () => {
    await add('trip');
    await add('trip');
    const justified = await service.buildGrid('trip', { tileSize: 50, layout: 'justified' });
    // Two 4:3 photos in rows of 50 px: about the side of a square of their area.
    expect(justified.width).toBe(Math.round(Math.sqrt(2 * (50 * (4 / 3)) * 50)));
    const named = { tileSize: 50, layout: 'justified', width: justified.width } as const;
    expect(await service.buildGrid('trip', named)).toMatchObject({
      cached: true,
      key: justified.key,
    });
  });

  it('answers a grid without images with grid_empty', async () => {
    await expect(service.buildGrid('nothing')).rejects.toMatchObject({
      kind: 'not_found',
      code: 'grid_empty',
    });
  });

  it('refuses a grid over the output limit with grid_too_large, before composing', async () => {
    await add('trip');
    await expect(service.buildGrid('trip', { tileSize: 2001 })).rejects.toMatchObject({
      code: 'grid_too_large',
    });
    expect(imaging.composed).toHaveLength(0);
  });
});

describe('a justified build', () => {
  const photos = [
    [40, 30],
    [30, 40],
    [80, 20],
    [50, 50],
    [90, 30],
  ] as const;
  const aspects = photos.map(([width, height]) => width / height);

  it('places whole photos in rows of the width asked for, and says so', async () => {
    for (const [width, height] of photos) await add('trip', width, height);
    const options = { tileSize: 20, layout: 'justified', width: 100, gap: 2 } as const;
    const built = await service.buildGrid('trip', options);
    const placement = justifiedPlacement(aspects, { width: 100, rowHeight: 20, gap: 2 });
    expect(imaging.composed[0]).toMatchObject({ placement });
    // rows: how many rows; columns: the most photos in one row.
    expect(built).toMatchObject({
      layout: 'justified',
      width: 100,
      height: placement.height,
      rows: placement.rows,
      columns: placement.columns,
      tileSize: 20,
      gap: 2,
    });
    expect(placement.rows).toBeGreaterThan(1);
  });

  it('makes room for the widest photo when no width is asked, or the columns asked', async () => {
    for (const [width, height] of photos) await add('trip', width, height);
    const built = await service.buildGrid('trip', { tileSize: 30, gap: 4, layout: 'justified' });
    // The 80x20 photo at 30 px rows sets it: 120 px and two gaps.
    expect(built.width).toBe(defaultWidth(aspects, { tileSize: 30, gap: 4 }));
    expect(built.width).toBe(128);
    const withColumns = { tileSize: 30, layout: 'justified', columns: 5 } as const;
    expect((await service.buildGrid('trip', withColumns)).width).toBe(150);
  });

  it('cuts each tile from the smallest rendition covering its box', async () => {
    await add('trip', 800, 200);
    const [record] = [...index.records.values()];
    await index.setRenditions('trip', record?.key ?? '', [64, 256]);
    const key = record?.key ?? '';
    for (const size of [64, 256]) {
      await objects.put('source', renditionKey(key, size), Buffer.from('r'), 'image/jpeg');
    }
    const getSource = vi.spyOn(objects, 'getSource');
    // One 800x200 photo in 200 px: a 200x50 box, whose short side 64 covers (a square
    // tile of 100 would need 256).
    await service.buildGrid('trip', { tileSize: 100, layout: 'justified', width: 200 });
    expect(getSource.mock.calls.map(([key]) => key)).toEqual([renditionKey(key, 64)]);
  });

  it('counts its height in the output limit, and needs a pixel inside the gaps', async () => {
    for (let i = 0; i < 4; i++) await add('trip', 100, 1000);
    // Four tall photos in one last row, 2000 px high (the square grid would be 4000): the
    // 4,000,000 pixels allowed at 2000 px wide, more at 2001.
    const tall = { layout: 'justified', width: 2000, tileSize: 2000 } as const;
    await expect(service.buildGrid('trip', tall)).resolves.toMatchObject({ height: 2000 });
    await expect(service.buildGrid('trip', { ...tall, width: 2001 })).rejects.toMatchObject({
      code: 'grid_too_large',
      // What changes a justified grid's size: its row height and width, not columns.
      message: expect.stringMatching(/use a smaller tileSize or width\.$/),
    });
    const narrow = { layout: 'justified', width: 20, gap: 10 } as const;
    await expect(service.buildGrid('trip', narrow)).rejects.toMatchObject({
      code: 'invalid_parameter',
      param: 'width',
      message: expect.stringContaining('at least 21'),
    });
  });
});

describe('deleting', () => {
  it('an image: its record, then its object; the grid builds without it', async () => {
    const kept = await add('trip');
    const gone = await add('trip');
    const listed = vi.spyOn(index, 'list');
    expect(await service.deleteImage('trip', gone.imageId)).toEqual(gone);
    // The image is looked up alone, not found in a listing of the whole grid.
    expect(listed).not.toHaveBeenCalled();
    expect([...index.records.keys()]).toEqual([kept.key]);
    expect(await objects.list('source', 'trip/')).toEqual([kept.key]);
    expect((await service.buildGrid('trip')).imageCount).toBe(1);
  });

  it('an unknown image: image_not_found; a malformed id: invalid_parameter on imageId', async () => {
    await add('trip');
    await expect(service.deleteImage('trip', ulid())).rejects.toMatchObject({
      kind: 'not_found',
      code: 'image_not_found',
    });
    await expect(service.deleteImage('trip', 'not-an-id')).rejects.toMatchObject({
      code: 'invalid_parameter',
      param: 'imageId',
    });
    expect(index.records.size).toBe(1);
  });

  it('a grid: its records, order, pending uploads and built grids, and only its own', async () => {
    const a = await add('trip');
    const b = await add('trip');
    const other = await add('other');
    await service.reorder('trip', [b.imageId, a.imageId]);
    await service.buildGrid('trip');
    const otherGrid = await service.buildGrid('other');
    const { uploadId } = await service.createUpload('trip', 60);
    await objects.put('source', stagingKey('trip', uploadId), textImage('jpeg', 4, 4), 'x');

    expect(await service.deleteGrid('trip')).toEqual({ gridId: 'trip', deletedImages: 2 });
    expect([...index.records.keys()]).toEqual([other.key]);
    expect(index.orders.has('trip')).toBe(false);
    expect([...objects.buckets.source.keys()]).toEqual([other.key]);
    expect([...objects.buckets.destination.keys()]).toEqual([otherGrid.key]);
  });
});

describe('the two-step upload', () => {
  it('signs a PUT of the declared size to the staging key, then validates the bytes like add_image under a new id', async () => {
    const upload = await service.createUpload('trip', 50);
    const staged = stagingKey('trip', upload.uploadId);
    expect(upload.url).toBe(`memory://put/source/${staged}?size=50&expires=300`);

    await objects.put('source', staged, textImage('webp', 80, 60), 'application/octet-stream');
    const saved = await service.confirmUpload('trip', upload.uploadId);
    expect(saved).toMatchObject({
      format: 'webp',
      width: 80,
      height: 60,
      key: `trip/${saved.imageId}.webp`,
    });
    expect(saved.imageId > upload.uploadId).toBe(true);
    expect(objects.buckets.source.get(saved.key)?.contentType).toBe('image/webp');
    expect(await objects.head('source', staged)).toBeUndefined();
  });

  it('refuses a size that is not a whole number from 1, or over maxUploadBytes, signing nothing', async () => {
    const presign = vi.spyOn(objects, 'presignPut');
    for (const size of [0, -1, 1.5, Number.NaN, undefined]) {
      await expect(service.createUpload('trip', size as number)).rejects.toMatchObject({
        kind: 'invalid_request',
        code: 'invalid_parameter',
        param: 'size',
      });
    }
    await expect(
      service.createUpload('trip', MEMORY_SETTINGS.maxUploadBytes + 1),
    ).rejects.toMatchObject({ kind: 'too_large', code: 'body_too_large', param: 'size' });
    expect(presign).not.toHaveBeenCalled();
    await service.createUpload('trip', MEMORY_SETTINGS.maxUploadBytes);
    expect(presign).toHaveBeenCalledOnce();
  });

  it('without bytes: upload_not_found; with bytes that are not an image: refused and deleted', async () => {
    const { uploadId } = await service.createUpload('trip', 12);
    await expect(service.confirmUpload('trip', uploadId)).rejects.toMatchObject({
      code: 'upload_not_found',
    });

    const staged = stagingKey('trip', uploadId);
    await objects.put('source', staged, Buffer.from('not an image'), 'text/plain');
    await expect(service.confirmUpload('trip', uploadId)).rejects.toMatchObject({
      code: 'not_an_image',
    });
    expect(await objects.head('source', staged)).toBeUndefined();
    expect(index.records.size).toBe(0);
  });

  it('refuses an upload older than its link and the grace period: upload_not_found', async () => {
    const usableMs = MEMORY_SETTINGS.urlExpiresSeconds * 1000 + (MEMORY_SETTINGS.graceMs ?? 0);
    const old = ulid(Date.now() - usableMs - 1000);
    await objects.put('source', stagingKey('trip', old), textImage('jpeg', 4, 4), 'image/jpeg');
    await expect(service.confirmUpload('trip', old)).rejects.toMatchObject({
      kind: 'not_found',
      code: 'upload_not_found',
    });
    expect(index.records.size).toBe(0);
  });
});
