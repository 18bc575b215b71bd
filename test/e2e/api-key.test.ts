import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, GREEN, noisyPng, RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';
import { launchChromium, shot } from './browser.js';

const KEY = 'page-test-key-0123456789abcdef';
const WRONG_KEY = 'a-wrong-key-0123456789abcdef';

let server: TestServer;
let browser: Browser;
let files: string;
const problems: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ API_KEYS: KEY });
  browser = await launchChromium();
  files = mkdtempSync(join(tmpdir(), 'gridbuilder-e2e-key-'));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (server) removeDataDir(server);
  rmSync(files, { recursive: true, force: true });
});

interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** A page that records every request with its Authorization header. */
async function openPage(page: Page, url: string): Promise<{ page: Page; requests: SeenRequest[] }> {
  const requests: SeenRequest[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('request', async (request) => {
    const seen: SeenRequest = {
      method: request.method(),
      url: request.url(),
      authorization: undefined,
    };
    requests.push(seen);
    seen.authorization = (await request.allHeaders()).authorization;
  });
  await page.goto(url);
  return { page, requests };
}

const keyError = (page: Page) => page.locator('#api-key-error');

describe('the web page with API keys on the server', () => {
  it('asks for the key after a 401, retries with it, keeps it over a reload', async () => {
    const paths = await Promise.all(
      [RED, GREEN, BLUE].map(async (colour, i) => {
        const path = join(files, `photo-${i + 1}.jpg`);
        writeFileSync(path, await solidImage(colour, 200, 150));
        return path;
      }),
    );
    // Over 4 MB: the two-step upload, whose PUT goes to a presigned link.
    const big = join(files, 'big.png');
    writeFileSync(big, await noisyPng());

    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const { page, requests } = await openPage(await context.newPage(), server.url);

    // Loading the grid's images is refused: the settings open on the labelled key field.
    const field = page.getByLabel('API key', { exact: true });
    await keyError(page).waitFor({ state: 'visible' });
    await expect(keyError(page).textContent()).resolves.toBe(
      'This server needs an API key. Enter your key and choose Save key.',
    );
    expect(await page.locator('#settings').getAttribute('open')).not.toBeNull();
    expect(await field.isVisible()).toBe(true);
    expect(await field.evaluate((input) => input === document.activeElement)).toBe(true);
    await expect(field.getAttribute('type')).resolves.toBe('password');
    await shot(page, 'key-01-asked');

    // Uploads chosen meanwhile wait for the key instead of failing.
    await page.locator('#file-input').setInputFiles([...paths, big]);
    await page.waitForFunction(
      () => document.querySelectorAll('#upload-list li[data-state="waiting"]').length >= 1,
    );
    await expect(
      page.locator('#upload-list li[data-state="waiting"] .upload-state').first().textContent(),
    ).resolves.toBe('Waiting for the API key (see Settings)…');

    // A wrong key: said so, and still waiting.
    await field.fill(WRONG_KEY);
    await page.getByRole('button', { name: 'Save key' }).click();
    await page.waitForFunction(() =>
      /^The server refused this API key\./.test(
        document.querySelector('#api-key-error')?.textContent ?? '',
      ),
    );
    expect(await page.locator('#upload-list li[data-state="done"]').count()).toBe(0);
    await expect(page.locator('#api-key-state').textContent()).resolves.toBe('API key refused');
    await shot(page, 'key-02-wrong');

    // The right key: every waiting call retries and goes through.
    await field.fill(KEY);
    await page.getByRole('button', { name: 'Save key' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('#upload-list li[data-state="done"]').length === 4,
    );
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '4');
    expect(await keyError(page).isHidden()).toBe(true);
    await expect(page.locator('#api-key-state').textContent()).resolves.toBe('API key saved');

    // And the build: 4 images of 100 px in 2 columns and 2 rows.
    await page.locator('#tile-size').fill('100');
    await page.locator('#build').click();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#result-image');
      return (
        img?.complete &&
        img.naturalWidth > 0 &&
        !document.querySelector<HTMLElement>('#result')?.hidden
      );
    });
    expect(
      await page
        .locator('#result-image')
        .evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]),
    ).toEqual([200, 200]);
    await shot(page, 'key-03-built');

    // The key went only to the API, and never into a URL.
    const path = (r: SeenRequest) => `${r.method} ${new URL(r.url).pathname}`;
    const api = requests.filter((r) =>
      /^\/(add_image|generate_grid|grids)/.test(new URL(r.url).pathname),
    );
    const presigned = requests.filter((r) => new URL(r.url).pathname.startsWith('/files/'));
    expect(api.filter((r) => r.authorization === `Bearer ${KEY}`).map(path)).toEqual(
      expect.arrayContaining([
        'POST /add_image',
        expect.stringMatching(/^POST \/grids\/grid-[a-z0-9]+\/uploads$/),
        expect.stringMatching(/^POST \/grids\/grid-[a-z0-9]+\/uploads\/[0-9A-Z]{26}\/confirm$/),
        'POST /generate_grid',
        expect.stringMatching(/^GET \/grids\/grid-[a-z0-9]+$/),
      ]),
    );
    expect(presigned.map(path)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PUT \/files\/source\/_uploads\//),
        expect.stringMatching(/^GET \/files\/destination\//),
        expect.stringMatching(/^GET \/files\/source\//),
      ]),
    );
    expect(presigned.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(requests.filter((r) => r.url.includes(KEY) || r.url.includes(WRONG_KEY))).toEqual([]);
    expect(page.url()).not.toContain(KEY);

    // A reload keeps the key: no question asked, the images are there.
    const gridLink = page.url();
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '4');
    expect(await page.locator('#settings').getAttribute('open')).toBeNull();
    expect(await keyError(page).isHidden()).toBe(true);
    await expect(page.locator('#api-key-state').textContent()).resolves.toBe('API key saved');
    expect(page.url()).toBe(gridLink);
    expect(await page.evaluate(() => localStorage.getItem('gridbuilder.apiKey'))).toBe(KEY);
    await shot(page, 'key-04-reloaded');

    // Forgetting the key: the next visit is asked again.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#settings > summary').click();
    await shot(page, 'key-05-phone-settings');
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.reload();
    await keyError(page).waitFor({ state: 'visible' });
    await expect(keyError(page).textContent()).resolves.toBe(
      'This server needs an API key. Enter your key and choose Save key.',
    );
    await context.close();
    expect(problems).toEqual([]);
  });

  it('has the key field in Settings before any 401, by keyboard', async () => {
    const open = await startTestServer();
    try {
      const context = await browser.newContext();
      const { page, requests } = await openPage(await context.newPage(), `${open.url}/?grid=open`);
      await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '0');
      const field = page.getByLabel('API key', { exact: true });
      expect(await field.isVisible()).toBe(false);
      await page.locator('#settings > summary').focus();
      await page.keyboard.press('Enter');
      expect(await field.isVisible()).toBe(true);
      await field.fill(KEY);
      await field.press('Enter'); // submits the form: saves
      await expect(page.locator('#api-key-state').textContent()).resolves.toBe('API key saved');
      requests.length = 0;
      await page.locator('#refresh').click();
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>('#images-error')?.hidden !== false,
      );
      await expect
        .poll(() => requests.find((r) => r.url.endsWith('/grids/open'))?.authorization)
        .toBe(`Bearer ${KEY}`);
      await context.close();
    } finally {
      await open.close();
      removeDataDir(open);
    }
    expect(problems).toEqual([]);
  });
});
