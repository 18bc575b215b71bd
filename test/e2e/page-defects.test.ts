import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BLUE, GREEN, photoLikeJpeg, RED, solidImage } from '../support/images.js';
import { imageCount, shot, uploadsSettled } from './browser.js';
import { usePageSuite } from './page-suite.js';

/**
 * The page's defects found by using it on a real Chromium (issue 13, part 5), each pinned
 * by a test that failed on the page as it was.
 */

const suite = usePageSuite();
const { problems } = suite;

const PHONE = { width: 390, height: 844 };

const openPage = suite.openPage;

/** Writes small JPEGs named `names` and gives their paths. */
async function photos(names: string[]): Promise<string[]> {
  const colours = [RED, GREEN, BLUE];
  return Promise.all(
    names.map(async (name, i) => {
      const path = join(suite.files, name);
      writeFileSync(path, await solidImage(colours[i % colours.length] ?? RED, 200, 150));
      return path;
    }),
  );
}

/** Adds an image to a grid through the API, so a test can start from a grid with images. */
async function addThroughApi(gridId: string): Promise<void> {
  const response = await fetch(`${suite.server.url}/add_image?uniqueGridId=${gridId}`, {
    method: 'POST',
    body: new Uint8Array(await solidImage(GREEN, 120, 90)),
  });
  expect(response.status).toBe(200);
}

/** The build requests the page sent, to prove that a refused form sent none. */
function buildRequests(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/generate_grid') sent.push(request.url());
  });
  return sent;
}

/** How a field reports itself invalid: marked, described by a visible message, focused. */
const fieldState = (page: Page, selector: string) =>
  page.locator(selector).evaluate((input) => {
    const messages = (input.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => document.getElementById(id))
      .filter((element): element is HTMLElement => !!element && !element.hidden)
      .map((element) => element.textContent ?? '');
    return {
      invalid: input.getAttribute('aria-invalid'),
      messages,
      focused: document.activeElement === input,
    };
  });

describe('the page on a real Chromium', () => {
  it('does not scroll sideways on a 390 px phone once files are added', async () => {
    const page = await openPage(`${suite.server.url}/?grid=phone-width`, PHONE);
    const long = `${'a-very-long-file-name-from-a-camera-roll-'.repeat(4)}IMG_20260101_123456.jpg`;
    await page.locator('#file-input').setInputFiles(await photos(['short.jpg', long]));
    await uploadsSettled(page, 2);
    await shot(page, 'defects-phone-uploads');
    const widths = await page.evaluate(() => {
      const list = document.querySelector('#upload-list') as HTMLElement;
      const right = list.getBoundingClientRect().right;
      return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        // Every upload card ends inside the list, not cut at its right edge.
        cut: [...list.querySelectorAll('li')].filter(
          (card) => card.getBoundingClientRect().right > right + 0.5,
        ).length,
      };
    });
    expect(widths.scrollWidth).toBeLessThanOrEqual(widths.innerWidth);
    expect(widths.cut).toBe(0);
    await page.close();
    expect(problems).toEqual([]);
  });

  for (const viewport of [{ width: 1100, height: 900 }, PHONE]) {
    it(`keeps Settings in place when it opens (${viewport.width} px)`, async () => {
      const page = await openPage(`${suite.server.url}/?grid=settings-place`, viewport);
      const summary = page.locator('#settings > summary');
      const before = await summary.boundingBox();
      await summary.click();
      await page.waitForSelector('#api-key', { state: 'visible' });
      const after = await summary.boundingBox();
      await shot(page, `defects-settings-open-${viewport.width}`);
      expect(after).toEqual(before);
      await page.close();
      expect(problems).toEqual([]);
    });
  }

  it('marks, focuses and refuses columns "3e" instead of building with automatic columns', async () => {
    await addThroughApi('bad-columns');
    const page = await openPage(`${suite.server.url}/?grid=bad-columns`);
    await imageCount(page, 1);
    const sent = buildRequests(page);
    // fill() refuses non-numbers in a number field; a person's keystrokes get through.
    await page.locator('#columns').click();
    await page.keyboard.type('3e');
    await page.locator('#build').click();
    await page.waitForSelector('#columns[aria-invalid="true"]');
    const state = await fieldState(page, '#columns');
    expect(state.invalid).toBe('true');
    expect(state.focused).toBe(true);
    expect(state.messages.join(' ')).toMatch(/Columns must be a whole number from 1 to 1000/);
    expect(sent).toEqual([]);
    expect(await page.locator('#result').isHidden()).toBe(true);
    await shot(page, 'defects-columns-invalid');

    // Corrected, the mark goes and the grid builds with the columns asked for.
    await page.locator('#columns').fill('1');
    await page.locator('#build').click();
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.locator('#columns').getAttribute('aria-invalid')).toBeNull();
    expect(new URL(sent[0] ?? 'http://x').searchParams.get('columns')).toBe('1');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('marks and focuses a tile size out of range, and builds nothing', async () => {
    await addThroughApi('bad-tile');
    const page = await openPage(`${suite.server.url}/?grid=bad-tile`);
    await imageCount(page, 1);
    const sent = buildRequests(page);
    await page.locator('#tile-size').fill('5');
    await page.locator('#build').click();
    await page.waitForSelector('#tile-size[aria-invalid="true"]');
    const state = await fieldState(page, '#tile-size');
    expect(state.focused).toBe(true);
    expect(state.messages.join(' ')).toMatch(/Tile size must be a whole number from 8 to 4096/);
    expect(sent).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("says that the link's grid id is not valid, and offers the fix, instead of replacing it", async () => {
    const page = await openPage(`${suite.server.url}/?grid=${encodeURIComponent('bad id!')}`);
    await page.waitForSelector('#grid-id[aria-invalid="true"]');
    const state = await fieldState(page, '#grid-id');
    expect(await page.locator('#grid-id').inputValue()).toBe('bad id!');
    expect(state.focused).toBe(true);
    expect(state.messages.join(' ')).toMatch(/"bad id!" is not a valid grid id/);
    // The address bar keeps what the link said until the person chooses.
    expect(new URL(page.url()).searchParams.get('grid')).toBe('bad id!');
    // No grid is open: Build is disabled, saying so rather than asking for photos.
    await page.waitForSelector('#build:disabled');
    expect(await page.locator('#build-reason').textContent()).toMatch(/Open a grid first/);
    await shot(page, 'defects-bad-grid-id');

    await page.locator('#grid-id-fix').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('grid') === 'bad-id');
    expect(await page.locator('#grid-id').inputValue()).toBe('bad-id');
    expect(await page.locator('#grid-id').getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('#grid-id-error').isHidden()).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('clears the upload rows and summary on "New grid"', async () => {
    const page = await openPage(`${suite.server.url}/?grid=before-new`);
    await page.locator('#file-input').setInputFiles(await photos(['one.jpg', 'two.jpg']));
    await uploadsSettled(page, 2);
    await page.locator('#new-grid').click();
    await page.waitForFunction(
      () => new URL(location.href).searchParams.get('grid') !== 'before-new',
    );
    expect(await page.locator('#upload-list li').count()).toBe(0);
    expect(await page.locator('#upload-summary').isHidden()).toBe(true);

    // The new grid's own uploads count from zero.
    await page.locator('#file-input').setInputFiles(await photos(['three.jpg']));
    await uploadsSettled(page, 1);
    await expect(page.locator('#upload-summary').textContent()).resolves.toBe('1 of 1 file added');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('disables Build, saying why, while the grid has no images', async () => {
    const page = await openPage(`${suite.server.url}/?grid=no-images-yet`);
    await page.waitForSelector('#build:disabled');
    await page.waitForSelector('#build-reason:not([hidden])');
    expect(await page.locator('#build-reason').textContent()).toMatch(/Add photos first/);
    expect(await page.locator('#build').getAttribute('aria-describedby')).toContain('build-reason');

    await page.locator('#file-input').setInputFiles(await photos(['first.jpg']));
    await page.waitForSelector('#build:enabled');
    expect(await page.locator('#build-reason').isHidden()).toBe(true);

    await page.locator('#image-list button.remove').click();
    await page.waitForSelector('#build:disabled');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('serves its scripts and styles compressed and fetches the favicon once', async () => {
    const page = await suite.browser.newPage();
    const encodings = new Map<string, string | undefined>();
    page.on('response', async (response) => {
      const path = new URL(response.url()).pathname;
      if (path.startsWith('/assets/') || path === '/') {
        encodings.set(path, (await response.allHeaders())['content-encoding']);
      }
    });
    // The DevTools protocol says which favicon lookups went to the network and which the
    // browser's cache answered; playwright's request events count both alike.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const lookups = new Map<string, { url: string; fromNetwork?: boolean }>();
    cdp.on('Network.requestWillBeSent', (event) => {
      if (/favicon/.test(event.request.url))
        lookups.set(event.requestId, { url: event.request.url });
    });
    cdp.on('Network.responseReceived', (event) => {
      const lookup = lookups.get(event.requestId);
      if (lookup)
        lookup.fromNetwork = !event.response.fromDiskCache && !event.response.fromPrefetchCache;
    });
    // Chromium looks the icon up again when the address changes after load: the page must
    // put its new grid id there before, and a later lookup must find the icon cached.
    await page.addInitScript(() =>
      addEventListener('load', () => {
        document.documentElement.dataset.addressAtLoad = location.href;
      }),
    );
    await page.goto(`${suite.server.url}/`);
    await page.waitForSelector('html[data-address-at-load]');
    await page.waitForSelector('#build:disabled'); // the new grid's listing arrived
    await expect
      .poll(() => [...lookups.values()].filter((l) => l.fromNetwork !== undefined).length)
      .toBeGreaterThanOrEqual(1);
    const atLoad = await page.locator('html').getAttribute('data-address-at-load');
    expect(new URL(atLoad ?? '').searchParams.get('grid')).toMatch(/^grid-/);
    const fetched = [...lookups.values()]
      .filter((l) => l.fromNetwork)
      .map((l) => new URL(l.url).pathname);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]).toMatch(/^\/assets\/favicon-[\w-]+\.svg$/);
    const icon = await fetch(`${suite.server.url}${fetched[0]}`);
    expect(icon.headers.get('cache-control')).toContain('immutable');

    expect([...encodings.keys()]).toEqual(
      expect.arrayContaining([
        '/',
        expect.stringMatching(/\.js$/),
        expect.stringMatching(/\.css$/),
      ]),
    );
    for (const [path, encoding] of encodings) {
      if (path.endsWith('.svg')) continue; // too small to be worth compressing
      expect({ path, encoding }).toEqual({ path, encoding: expect.stringMatching(/^(br|gzip)$/) });
    }
    await page.close();
  });

  it("lists the grid's photos with small previews, not the full originals", async () => {
    // Camera-sized JPEGs of varied sizes, none a multiple of the preview's side.
    const originals = [
      [2560, 1600],
      [3000, 2000],
      [1700, 2300],
    ] as const;
    let originalBytes = 0;
    for (const [width, height] of originals) {
      const bytes = await photoLikeJpeg(width, height);
      originalBytes += bytes.length;
      const added = await fetch(`${suite.server.url}/add_image?uniqueGridId=previews`, {
        method: 'POST',
        body: new Uint8Array(bytes),
      });
      expect(added.status).toBe(200);
    }
    const page = await openPage(`${suite.server.url}/?grid=previews`);
    await imageCount(page, originals.length);
    const thumbnails = page.locator('#image-list img');
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('#image-list img')].every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    // What the browser fetched for them, from its own record of each resource.
    const fetched = await thumbnails.evaluateAll((imgs) =>
      imgs.map((img) => {
        const entry = performance.getEntriesByName((img as HTMLImageElement).currentSrc)[0];
        return (entry as PerformanceResourceTiming | undefined)?.encodedBodySize ?? -1;
      }),
    );
    expect(fetched).toHaveLength(originals.length);
    for (const bytes of fetched) expect(bytes).toBeGreaterThan(0);
    const total = fetched.reduce((sum, bytes) => sum + bytes, 0);
    expect(total).toBeLessThan(originalBytes / 10);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('has one h1 and no axe violations with files added and after a build', async () => {
    const page = await openPage(`${suite.server.url}/?grid=axe-check`);
    expect(await page.locator('h1').count()).toBe(1);
    await page.locator('#file-input').setInputFiles(await photos(['axe-1.jpg', 'axe-2.jpg']));
    await uploadsSettled(page, 2);
    await imageCount(page, 2);
    const withFiles = await new AxeBuilder({ page }).analyze();
    expect(
      withFiles.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`),
    ).toEqual([]);

    await page.locator('#tile-size').fill('64');
    await page.locator('#build').click();
    await page.waitForSelector('#result:not([hidden])');
    const built = await new AxeBuilder({ page }).analyze();
    expect(
      built.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`),
    ).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });
});
