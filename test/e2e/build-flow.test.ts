import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, GREEN, MAGENTA, RED, solidImage, YELLOW } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';
import { imageCount, launchChromium, openPageIn, shot } from './browser.js';

const KEY = 'build-flow-key-0123456789abcdef';

let server: TestServer;
let keyed: TestServer;
let browser: Browser;
let files: string;
let photos: string[];
const problems: string[] = [];

beforeAll(async () => {
  [server, keyed] = await Promise.all([startTestServer(), startTestServer({ API_KEYS: KEY })]);
  browser = await launchChromium();
  files = mkdtempSync(join(tmpdir(), 'gridbuilder-e2e-build-'));
  photos = await Promise.all(
    [RED, GREEN, BLUE, YELLOW, MAGENTA].map(async (colour, i) => {
      const path = join(files, `photo-${i + 1}.jpg`);
      writeFileSync(path, await solidImage(colour, 120, 90));
      return path;
    }),
  );
});
afterAll(async () => {
  await browser?.close();
  for (const running of [server, keyed]) {
    await running?.close();
    if (running) removeDataDir(running);
  }
  rmSync(files, { recursive: true, force: true });
});

const openPage = (url: string) => openPageIn(browser, problems, url);

/**
 * Holds the add_image requests that `hold` picks until release(): the page's uploads
 * stay in flight for as long as the test needs, whatever the machine's speed.
 */
async function holdUploads(page: Page, hold: (route: Route) => Promise<boolean>) {
  const held: Route[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/add_image?*', async (route) => {
    if (await hold(route)) {
      held.push(route);
      await released;
    }
    await route.continue();
  });
  return { held, release };
}

/** The index of the file in its batch (the page places each upload). */
const indexOf = (route: Route) => Number(new URL(route.request().url()).searchParams.get('index'));

/** axe's findings, one line each: none expected. */
const axeViolations = async (page: Page) =>
  (await new AxeBuilder({ page }).analyze()).violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`,
  );

const buildLabel = (page: Page) => page.locator('#build-label').textContent();

/**
 * Waits for a result other than `before` to be shown, or for a build error; resolves to
 * the result's alt text, or the error.
 */
async function nextResult(page: Page, before: string | null): Promise<string | null> {
  await page.waitForFunction((previous) => {
    const img = document.querySelector<HTMLImageElement>('#result-image');
    const result = document.querySelector<HTMLElement>('#result');
    const shown = img && result && !result.hidden && img.complete && img.src !== previous;
    return shown || !document.querySelector<HTMLElement>('#build-error')?.hidden;
  }, before ?? '');
  const error = page.locator('#build-error');
  if (await error.isVisible()) return `Build error: ${await error.textContent()}`;
  return page.locator('#result-image').getAttribute('alt');
}

/** The out-of-date note's words, as read. */
const staleText = async (page: Page) =>
  (await page.locator('#result-stale').textContent())?.replace(/\s+/g, ' ').trim();

/** Every text the polite live region said, from now on. */
const recordAnnouncements = (page: Page) =>
  page.evaluate(() => {
    const said: string[] = [];
    (window as unknown as { said: string[] }).said = said;
    const region = document.querySelector('#status') as HTMLElement;
    new MutationObserver(() => {
      if (region.textContent) said.push(region.textContent);
    }).observe(region, { childList: true, characterData: true, subtree: true });
  });
const announcements = (page: Page) =>
  page.evaluate(() => (window as unknown as { said: string[] }).said);

describe('building while uploads are under way', () => {
  it('waits for the uploads in flight, then builds with all of them', async () => {
    const page = await openPage(`${server.url}/?grid=waits-for-uploads`);
    await imageCount(page, 0);
    // Files 3, 4 and 5 are held; 1 and 2 go through.
    const { held, release } = await holdUploads(page, async (route) => indexOf(route) >= 2);
    const builds: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/generate_grid')) builds.push(request.url());
    });
    await page.locator('#file-input').setInputFiles(photos);
    await imageCount(page, 2);
    await expect.poll(() => held.length).toBe(3);

    await page.locator('#tile-size').fill('20');
    await page.locator('#build').click();
    await page.waitForFunction(() =>
      /^Waiting for 3 uploads…$/.test(document.querySelector('#build-label')?.textContent ?? ''),
    );
    await expect(page.locator('#build').getAttribute('aria-busy')).resolves.toBe('true');
    await expect(page.locator('#build-now').textContent()).resolves.toBe('Build now with 2 images');
    await shot(page, 'build-01-waiting');
    expect(await axeViolations(page)).toEqual([]);
    expect(builds).toEqual([]);

    release();
    expect(await nextResult(page, null)).toMatch(/^The built grid: 5 images in /);
    expect(builds).toHaveLength(1);
    await expect(page.locator('#image-count').textContent()).resolves.toBe('5');
    await expect(buildLabel(page)).resolves.toBe('Build grid');
    expect(await page.locator('#build-now').isHidden()).toBe(true);
    expect(await page.locator('#result-stale').isHidden()).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('builds at once with the stored images on "Build now"', async () => {
    const page = await openPage(`${server.url}/?grid=builds-now`);
    await imageCount(page, 0);
    const { held, release } = await holdUploads(page, async (route) => indexOf(route) >= 2);
    await page.locator('#file-input').setInputFiles(photos);
    await imageCount(page, 2);
    await expect.poll(() => held.length).toBe(3);

    await page.locator('#tile-size').fill('20');
    await page.locator('#build').click();
    await page.locator('#build-now').click();
    expect(await nextResult(page, null)).toMatch(/^The built grid: 2 images in /);

    // The held uploads land afterwards: the result no longer shows the grid.
    release();
    await imageCount(page, 5);
    await page.locator('#result-stale').waitFor({ state: 'visible' });
    await page.close();
    expect(problems).toEqual([]);
  });
});

describe('building while the API waits for a key', () => {
  /**
   * A page without the key: files chosen and Build clicked, in `order`; the key given.
   * The uploads sent with the key are held until the page shows what it does meanwhile,
   * so a build that goes ahead of them has been answered before they arrive.
   */
  async function buildWithKeyGiven(gridId: string, order: 'files first' | 'build first') {
    const page = await openPage(`${keyed.url}/?grid=${gridId}`);
    await page.locator('#api-key-error').waitFor({ state: 'visible' });
    const { held, release } = await holdUploads(
      page,
      async (route) => (await route.request().headerValue('authorization')) !== null,
    );
    let buildAnswered = false;
    page.on('response', (response) => {
      const authorized = response.request().headers().authorization !== undefined;
      if (response.url().includes('/generate_grid') && authorized) buildAnswered = true;
    });
    const chooseFiles = async () => {
      await page.locator('#file-input').setInputFiles(photos.slice(0, 3));
      await page.waitForFunction(
        () => document.querySelectorAll('#upload-list li[data-state="waiting"]').length === 3,
      );
    };
    await page.locator('#tile-size').fill('20');
    if (order === 'files first') await chooseFiles();
    await page.locator('#build').click();
    if (order === 'build first') await chooseFiles();
    await page.getByLabel('API key', { exact: true }).fill(KEY);
    await page.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => held.length).toBe(3);
    await expect
      .poll(async () => buildAnswered || /^Waiting for/.test((await buildLabel(page)) ?? ''))
      .toBe(true);
    release();

    expect(await nextResult(page, null)).toMatch(/^The built grid: 3 images in /);
    await page.close();
    expect(problems).toEqual([]);
  }

  it('sends the uploads first once the key is given, then the build with all of them', () =>
    buildWithKeyGiven('key-flow', 'files first'));

  it('includes the files chosen while the build waited for the key', () =>
    buildWithKeyGiven('key-flow-build-first', 'build first'));
});

describe('a result the grid has moved on from', () => {
  it('is marked out of date when images are added, removed or reordered, until built again', async () => {
    const gridId = 'goes-stale';
    for (const colour of [RED, GREEN]) {
      expect((await server.addImage(gridId, await solidImage(colour, 60, 40))).status).toBe(200);
    }
    const page = await openPage(`${server.url}/?grid=${gridId}`);
    await imageCount(page, 2);
    await page.locator('#tile-size').fill('20');
    await page.locator('#build').click();
    expect(await nextResult(page, null)).toMatch(/^The built grid: 2 images in /);
    const stale = page.locator('#result-stale');
    expect(await stale.isHidden()).toBe(true);

    // An upload from this page, then a removal: marked, and said once.
    await recordAnnouncements(page);
    await page.locator('#file-input').setInputFiles(photos.slice(2, 3));
    await imageCount(page, 3);
    await stale.waitFor({ state: 'visible' });
    await expect(staleText(page)).resolves.toBe(
      'Out of date: the grid changed since this was built. Build again',
    );
    await expect(page.locator('#result').getAttribute('data-stale')).resolves.toBe('true');
    await shot(page, 'build-02-stale');
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#image-list button.remove').first().click();
    await imageCount(page, 2);
    expect(await stale.isVisible()).toBe(true);
    await expect
      .poll(async () => (await announcements(page)).filter((said) => /out of date/i.test(said)))
      .toHaveLength(1);

    // Building again clears the mark.
    await page.locator('#build').click();
    await nextResult(page, await page.locator('#result-image').getAttribute('src'));
    expect(await stale.isHidden()).toBe(true);
    await expect(page.locator('#result').getAttribute('data-stale')).resolves.toBeNull();

    // Another client reorders the grid: seen on Refresh.
    const listing = (await (await fetch(`${server.url}/grids/${gridId}`)).json()) as {
      images: { image_id: string }[];
    };
    const reversed = listing.images.map((image) => image.image_id).reverse();
    const saved = await fetch(`${server.url}/grids/${gridId}/order`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ image_ids: reversed }),
    });
    expect(saved.status).toBe(200);
    expect(await stale.isHidden()).toBe(true);
    await page.locator('#refresh').click();
    await stale.waitFor({ state: 'visible' });
    await page.close();
    expect(problems).toEqual([]);
  });
});
