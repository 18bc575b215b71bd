import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type Box, justifiedPlacement } from '../../src/core/layout.js';
import {
  BLUE,
  GREEN,
  MAGENTA,
  near,
  noisyPng,
  pixelAt,
  RED,
  type Rgb,
  solidImage,
  subjectNearLeftEdge,
  YELLOW,
} from '../support/images.js';
import { shot, uploadsSettled } from './browser.js';
import { usePageSuite } from './page-suite.js';

const suite = usePageSuite();
const { problems } = suite;

const openPage = suite.openPage;

async function buildAndMeasure(page: Page) {
  const image = page.locator('#result-image');
  const previous = await image.getAttribute('src');
  await page.locator('#build').click();
  await page.waitForFunction((before) => {
    const img = document.querySelector<HTMLImageElement>('#result-image');
    const result = document.querySelector<HTMLElement>('#result');
    return img && result && !result.hidden && img.complete && img.src && img.src !== before;
  }, previous ?? '');
  return image.evaluate((img: HTMLImageElement) => ({
    width: img.naturalWidth,
    height: img.naturalHeight,
  }));
}

/** The page open on `grid`, with a PNG of each [colour, width, height] uploaded and listed. */
async function pageWithSolidImages(
  grid: string,
  photos: readonly (readonly [Rgb, number, number])[],
) {
  const paths = [];
  for (const [i, [colour, width, height]] of photos.entries()) {
    paths.push(join(suite.files, `${grid}-${i}.png`));
    writeFileSync(paths[i] as string, await solidImage(colour, width, height, 'png'));
  }
  const page = await openPage(`${suite.server.url}/?grid=${grid}`);
  await page.locator('#file-input').setInputFiles(paths);
  await uploadsSettled(page, photos.length);
  await page.waitForFunction(
    (count) => document.querySelector('#image-count')?.textContent === count,
    String(photos.length),
  );
  return page;
}

describe('the web page', () => {
  it('uploads, lists, builds, reopens from its link, removes and rebuilds', async () => {
    const colours = [RED, GREEN, BLUE, YELLOW, MAGENTA];
    const paths = await Promise.all(
      colours.map(async (colour, i) => {
        const path = join(suite.files, `photo-${i + 1}.jpg`);
        writeFileSync(path, await solidImage(colour, 320 + i * 40, 240));
        return path;
      }),
    );
    const notes = join(suite.files, 'notes.txt');
    writeFileSync(notes, 'This is a shopping list, not a photo.');

    const page = await openPage(suite.server.url);
    const gridId = await page.locator('#grid-id').inputValue();
    expect(gridId).toMatch(/^grid-[a-z0-9]{10}$/);
    expect(new URL(page.url()).searchParams.get('grid')).toBe(gridId);
    await expect(page.locator('#image-count').textContent()).resolves.toBe('0');
    await shot(page, '01-empty');

    await page.locator('#file-input').setInputFiles([...paths, notes]);
    await uploadsSettled(page, 6);
    const done = page.locator('#upload-list li[data-state="done"]');
    const failed = page.locator('#upload-list li[data-state="error"]');
    expect(await done.count()).toBe(5);
    expect(await failed.count()).toBe(1);
    await expect(failed.locator('.upload-name .name').textContent()).resolves.toBe('notes.txt');
    await expect(failed.locator('.upload-state').textContent()).resolves.toMatch(
      /^This file is not an image\.$/,
    );
    await expect(page.locator('#upload-summary').textContent()).resolves.toBe(
      '5 of 6 files added · 1 failed',
    );
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '5');
    expect(await page.locator('#image-list li').count()).toBe(5);
    await shot(page, '02-uploaded');

    await page.locator('#tile-size').fill('100');
    // 5 images: floor(sqrt(5)) = 2 columns, 3 rows of 100-pixel tiles.
    expect(await buildAndMeasure(page)).toEqual({ width: 200, height: 300 });
    await expect(page.locator('#result-facts').textContent()).resolves.toMatch(
      /^200 × 300 px · \d+(\.\d)? KB · 2 × 3 tiles of 100 px · JPEG$/,
    );
    const link = await page.locator('#result-link').inputValue();
    expect(link).toMatch(new RegExp(`^${suite.server.url}/files/destination/${gridId}/grid-`));
    await expect(page.locator('#download').getAttribute('download')).resolves.toBe(`${gridId}.jpg`);
    await expect(page.locator('#result-expiry').textContent()).resolves.toMatch(
      /The link works until .+ \(in \d+ (seconds|minutes)\)/,
    );
    await expect(page.locator('#result-image').getAttribute('alt')).resolves.toBe(
      'The built grid: 5 images in 2 columns and 3 rows',
    );
    await shot(page, '03-built');

    // Download saves the grid under the grid's name; Copy link puts the link on the clipboard.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${gridId}.jpg`);
    const saved = await sharp(await download.path()).metadata();
    expect(saved).toMatchObject({ format: 'jpeg', width: 200, height: 300 });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: suite.server.url,
    });
    await page.locator('#copy-link').click();
    await page.waitForFunction(
      () => document.querySelector('#copy-link')?.textContent === 'Copied',
    );
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    const pageLink = page.url();
    await page.close();

    // The ?grid= link reopens the same grid.
    const reopened = await openPage(pageLink);
    await reopened.waitForFunction(() => document.querySelectorAll('#image-list li').length === 5);
    expect(await reopened.locator('#grid-id').inputValue()).toBe(gridId);
    await expect(
      reopened.locator('#image-list li img').first().getAttribute('alt'),
    ).resolves.toMatch(/^Image 1: photo-1\.jpg, \d+×240 JPEG/);
    await shot(reopened, '04-reopened');

    // Remove the first image with the keyboard, then rebuild.
    await reopened.locator('#image-list button.remove').first().focus();
    await reopened.keyboard.press('Enter');
    await reopened.waitForFunction(
      () => document.querySelector('#image-count')?.textContent === '4',
    );
    expect(await reopened.locator('#image-list li').count()).toBe(4);
    const listing = await (await fetch(`${suite.server.url}/grids/${gridId}`)).json();
    expect(listing.image_count).toBe(4);

    await reopened.locator('#tile-size').fill('100');
    // 4 images: 2 columns, 2 rows.
    expect(await buildAndMeasure(reopened)).toEqual({ width: 200, height: 200 });
    await shot(reopened, '05-rebuilt');

    await reopened.setViewportSize({ width: 390, height: 844 });
    await shot(reopened, '06-phone');
    await reopened.close();
    expect(problems).toEqual([]);
  });

  it('builds with the crop chosen under Crop: attention keeps a subject near the edge', async () => {
    const path = join(suite.files, 'subject.png');
    writeFileSync(path, await subjectNearLeftEdge());
    const page = await openPage(`${suite.server.url}/?grid=cropped`);
    await page.locator('#file-input').setInputFiles([path]);
    await uploadsSettled(page, 1);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '1');
    await expect(page.locator('#crop').inputValue()).resolves.toBe('center');

    await page.locator('#tile-size').fill('40');
    await page.locator('#format').selectOption('png');
    await page.locator('#crop').selectOption('attention');
    const asked = page.waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith('/generate_grid'),
    );
    expect(await buildAndMeasure(page)).toEqual({ width: 40, height: 40 });
    expect(new URL((await asked).url()).searchParams.get('crop')).toBe('attention');
    const grid = await (await fetch(await page.locator('#result-link').inputValue())).arrayBuffer();
    const red = (await sharp(Buffer.from(grid)).stats()).channels[0]?.mean ?? 0;
    expect(red).toBeGreaterThan(140); // the subject, not the dark ground of a center crop
    await page.close();
    expect(problems).toEqual([]);
  });

  it('spaces the tiles with the Gap and Background chosen, and says so under the grid', async () => {
    const page = await pageWithSolidImages('spaced', [
      [RED, 60, 40],
      [GREEN, 60, 40],
    ]);
    await expect(page.locator('#gap').inputValue()).resolves.toBe('0');
    await expect(page.locator('#background').inputValue()).resolves.toBe('#000000');

    // A gap out of range is marked on its field, and nothing is sent.
    await page.locator('#gap').fill('999');
    await page.locator('#build').click();
    await expect(page.locator('#gap').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#gap-error').textContent()).resolves.toContain('from 0 to 256');

    await page.locator('#tile-size').fill('30');
    await page.locator('#format').selectOption('png');
    await page.locator('#gap').fill('5');
    await page.locator('#background').fill('#ffffff');
    const asked = page.waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith('/generate_grid'),
    );
    // One column of two: 30 + 2 * 5 wide, 2 * 30 + 3 * 5 high.
    expect(await buildAndMeasure(page)).toEqual({ width: 40, height: 75 });
    const query = new URL((await asked).url()).searchParams;
    expect([query.get('gap'), query.get('background')]).toEqual(['5', '#ffffff']);
    await expect(page.locator('#result-facts').textContent()).resolves.toContain(
      '5 px gaps on #ffffff',
    );
    const grid = Buffer.from(
      await (await fetch(await page.locator('#result-link').inputValue())).arrayBuffer(),
    );
    expect(await pixelAt(grid, 0, 0)).toEqual([255, 255, 255]);
    expect(await pixelAt(grid, 20, 37)).toEqual([255, 255, 255]); // between the tiles
    expect(near(await pixelAt(grid, 20, 20), RED)).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('previews the layout from the thumbnails as the options change, without building', async () => {
    const page = await pageWithSolidImages('previewed', [
      [RED, 60, 40],
      [GREEN, 60, 40],
    ]);
    const builds: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/generate_grid')) builds.push(request.url());
    });

    await page.locator('#tile-size').fill('30');
    await page.locator('#gap').fill('5');
    await page.locator('#background').fill('#ffffff');
    const preview = page.locator('#layout-preview');
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#layout-preview');
      return canvas?.dataset.drawn === '2' && canvas.dataset.height === '75';
    });
    // One column of two: 30 + 2 * 5 wide, 2 * 30 + 3 * 5 high, drawn at full size.
    await expect(preview.getAttribute('data-width')).resolves.toBe('40');
    await expect(page.locator('#layout-preview-caption').textContent()).resolves.toContain(
      '40 × 75 px',
    );
    const pixel = (x: number, y: number) =>
      preview.evaluate(
        (canvas: HTMLCanvasElement, [px, py]) =>
          Array.from(canvas.getContext('2d')?.getImageData(px, py, 1, 1).data ?? []).slice(0, 3),
        [x, y] as const,
      );
    expect(await pixel(0, 0)).toEqual([255, 255, 255]);
    expect(await pixel(20, 37)).toEqual([255, 255, 255]); // between the tiles
    expect(near((await pixel(20, 20)) as unknown as Rgb, RED)).toBe(true);
    expect(near((await pixel(20, 55)) as unknown as Rgb, GREEN)).toBe(true);

    await page.locator('#gap').fill('0');
    await page.waitForFunction(
      () => document.querySelector<HTMLCanvasElement>('#layout-preview')?.dataset.height === '60',
    );
    expect(near((await pixel(0, 0)) as unknown as Rgb, RED)).toBe(true);

    // Justified rows: the placement a build makes of the two 60x40 photos, whole.
    await page.locator('#layout').selectOption('justified');
    await page.locator('#width').fill('100');
    const rows = justifiedPlacement([1.5, 1.5], { width: 100, rowHeight: 30, gap: 0 });
    await page.waitForFunction(
      (height) =>
        document.querySelector<HTMLCanvasElement>('#layout-preview')?.dataset.height === height,
      String(rows.height),
    );
    await expect(preview.getAttribute('data-width')).resolves.toBe('100');
    await expect(page.locator('#layout-preview-caption').textContent()).resolves.toContain(
      'justified row',
    );
    for (const [i, colour] of [RED, GREEN].entries()) {
      const box = rows.boxes[i] as Box;
      const centre = await pixel(box.left + box.width / 2, box.top + box.height / 2);
      expect(near(centre as unknown as Rgb, colour), `photo ${i}`).toBe(true);
    }
    expect(builds).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('lays whole photos out in Justified rows of the Width chosen, and says so under the grid', async () => {
    const photos = [
      [RED, 80, 40],
      [GREEN, 40, 80],
      [BLUE, 60, 60],
    ] as const;
    const page = await pageWithSolidImages('rows', photos);
    // Width belongs to justified rows: off for the grid, the default.
    await expect(page.locator('#layout').inputValue()).resolves.toBe('grid');
    await expect(page.locator('#width').isDisabled()).resolves.toBe(true);
    await page.locator('#layout').selectOption('justified');
    await expect(page.locator('#width').isDisabled()).resolves.toBe(false);

    // A width out of range is marked on its field, and nothing is sent.
    await page.locator('#width').fill('5');
    await page.locator('#build').click();
    await expect(page.locator('#width').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#width-error').textContent()).resolves.toContain('from 16 to 65535');

    await page.locator('#tile-size').fill('40');
    await page.locator('#format').selectOption('png');
    await page.locator('#width').fill('100');
    const asked = page.waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith('/generate_grid'),
    );
    const measured = await buildAndMeasure(page);
    const query = new URL((await asked).url()).searchParams;
    expect([query.get('layout'), query.get('width')]).toEqual(['justified', '100']);
    const placement = justifiedPlacement([2, 0.5, 1], { width: 100, rowHeight: 40, gap: 0 });
    expect(placement.rows).toBe(2);
    expect(measured).toEqual({ width: 100, height: placement.height });
    await expect(page.locator('#result-facts').textContent()).resolves.toContain(
      `100 × ${placement.height} px`,
    );
    await expect(page.locator('#result-facts').textContent()).resolves.toContain(
      '2 justified rows of about 40 px',
    );
    // The rows are in the image: each photo where its box is, the end of the last row background.
    const grid = Buffer.from(
      await (await fetch(await page.locator('#result-link').inputValue())).arrayBuffer(),
    );
    for (const [i, [colour]] of photos.entries()) {
      const box = placement.boxes[i] as Box;
      const centre = [box.left + Math.floor(box.width / 2), box.top + Math.floor(box.height / 2)];
      expect(near(await pixelAt(grid, centre[0] as number, centre[1] as number), colour)).toBe(
        true,
      );
    }
    const last = placement.boxes.at(-1) as Box;
    expect(await pixelAt(grid, last.left + last.width + 5, last.top + 5)).toEqual([0, 0, 0]);

    // Back to the grid: the width is not sent.
    await page.locator('#layout').selectOption('grid');
    await expect(page.locator('#width').isDisabled()).resolves.toBe(true);
    const again = page.waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith('/generate_grid'),
    );
    await buildAndMeasure(page);
    const gridQuery = new URL((await again).url()).searchParams;
    expect([gridQuery.get('layout'), gridQuery.get('width')]).toEqual(['grid', null]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('writes the file names under the photos with Labels, in the preview and the grid', async () => {
    const page = await pageWithSolidImages('labelled', [
      [RED, 60, 40],
      [GREEN, 60, 40],
    ]);
    await expect(page.locator('#labels').inputValue()).resolves.toBe('none');
    await page.locator('#tile-size').fill('64');
    await page.locator('#format').selectOption('png');
    await page.locator('#background').fill('#ffffff');
    await page.locator('#labels').selectOption('name');
    // One column of two rows, a 16 px band under each: the preview counts them.
    await page.waitForFunction(
      () => document.querySelector<HTMLCanvasElement>('#layout-preview')?.dataset.height === '160',
    );
    const asked = page.waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith('/generate_grid'),
    );
    expect(await buildAndMeasure(page)).toEqual({ width: 64, height: 160 });
    expect(new URL((await asked).url()).searchParams.get('labels')).toBe('name');
    await expect(page.locator('#result-facts').textContent()).resolves.toContain(
      'file names under the photos',
    );
    const grid = Buffer.from(
      await (await fetch(await page.locator('#result-link').inputValue())).arrayBuffer(),
    );
    const band = await sharp(grid)
      .extract({ left: 0, top: 64, width: 64, height: 16 })
      .raw()
      .toBuffer();
    expect(Math.min(...band)).toBeLessThan(128); // the name, in ink on the white band
    await page.close();
    expect(problems).toEqual([]);
  });

  it('uploads a file over 4 MB through the two-step upload', async () => {
    const big = join(suite.files, 'big.png');
    const bytes = await noisyPng();
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    writeFileSync(big, bytes);

    const page = await openPage(`${suite.server.url}/?grid=big-one`);
    const requests: string[] = [];
    const declaredSizes: (string | null)[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      requests.push(`${request.method()} ${url.pathname}`);
      if (url.pathname.endsWith('/uploads')) declaredSizes.push(url.searchParams.get('size'));
    });
    await page.locator('#file-input').setInputFiles([big]);
    await uploadsSettled(page, 1);
    await expect(page.locator('#upload-list li .upload-state').textContent()).resolves.toBe(
      'Added · 1500×1200 PNG',
    );
    expect(requests).toEqual(
      expect.arrayContaining([
        'POST /grids/big-one/uploads',
        expect.stringMatching(/^PUT \/files\/source\/_uploads\/big-one\//),
        expect.stringMatching(/^POST \/grids\/big-one\/uploads\/[0-9A-Z]{26}\/confirm$/),
      ]),
    );
    expect(requests.some((r) => r.startsWith('POST /add_image'))).toBe(false);
    // The upload link is asked for the file's size: it takes exactly that many bytes.
    expect(declaredSizes).toEqual([String(bytes.length)]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('takes files dropped on the page', async () => {
    const page = await openPage(`${suite.server.url}/?grid=dropped`);
    const jpeg = (await solidImage(GREEN, 80, 60)).toString('base64');
    // What a drag from the file manager delivers: a drop event carrying files.
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'a.jpg', { type: 'image/jpeg' }));
      transfer.items.add(new File([bytes], 'b.jpg', { type: 'image/jpeg' }));
      const zone = document.querySelector('#drop-zone') as HTMLElement;
      zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, dataTransfer: transfer }));
      zone.dispatchEvent(new DragEvent('drop', { bubbles: true, dataTransfer: transfer }));
    }, jpeg);
    await uploadsSettled(page, 2);
    expect(await page.locator('#upload-list li[data-state="done"]').count()).toBe(2);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '2');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('keeps the order the files were chosen in, even when the first upload arrives last', async () => {
    const colours = [RED, GREEN, BLUE, YELLOW];
    const paths = await Promise.all(
      colours.map(async (colour, i) => {
        const path = join(suite.files, `ordered-${i + 1}.jpg`);
        writeFileSync(path, await solidImage(colour, 200, 150));
        return path;
      }),
    );
    const page = await openPage(`${suite.server.url}/?grid=chosen-order`);
    // The first upload sent (the first file's) is held until the other three are answered.
    let sent = 0;
    let answered = 0;
    let releaseFirst!: () => void;
    const othersAnswered = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    await page.route('**/add_image?*', async (route) => {
      const first = sent++ === 0;
      if (first) await othersAnswered;
      await route.continue();
      if (first) return;
      await route.request().response();
      if (++answered === colours.length - 1) releaseFirst();
    });

    await page.locator('#file-input').setInputFiles(paths);
    await uploadsSettled(page, colours.length);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '4');
    await page.locator('#tile-size').fill('20');
    await page.locator('#columns').fill('4');
    expect(await buildAndMeasure(page)).toEqual({ width: 80, height: 20 });
    const link = await page.locator('#result-link').inputValue();
    const grid = Buffer.from(await (await fetch(link)).arrayBuffer());
    for (const [i, colour] of colours.entries()) {
      expect(near(await pixelAt(grid, i * 20 + 10, 10), colour)).toBe(true);
    }
  });
});
