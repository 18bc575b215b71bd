import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';
import { launchChromium, openPageIn } from './browser.js';

/**
 * Issue 13 part 6: the page shows the API's refusals in its own words (its fields,
 * its sections), mapped from the error's code, not the API's messages.
 */

let server: TestServer;
let browser: Browser;
let files: string;
const problems: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  files = mkdtempSync(join(tmpdir(), 'gridbuilder-e2e-words-'));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (server) removeDataDir(server);
  rmSync(files, { recursive: true, force: true });
});

describe("the page's own words for the API's errors", () => {
  it('a refused upload of a file that is not an image', async () => {
    const notes = join(files, 'notes.txt');
    writeFileSync(notes, 'This is a shopping list, not a photo.');
    const page = await openPageIn(browser, problems, `${server.url}/?grid=words-upload`);
    await page.locator('#file-input').setInputFiles([notes]);
    const state = page.locator('#upload-list li[data-state="error"] .upload-state');
    await state.waitFor();
    await expect(state.textContent()).resolves.toBe('This file is not an image.');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a build refused because the grid would be too large for its format', async () => {
    expect((await server.addImage('words-large', await solidImage(RED, 80, 60))).status).toBe(200);
    const page = await openPageIn(browser, problems, `${server.url}/?grid=words-large`);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '1');
    await page.locator('#tile-size').fill('4096');
    await page.locator('#format').selectOption('avif');
    await page.locator('#build').click();
    await page.waitForSelector('#build-error:not([hidden])');
    const message = await page.locator('#build-error').textContent();
    expect(message).toBe(
      'The grid would be too large: choose a smaller Tile size, fewer Columns, or another Format.',
    );
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a build refused because another client emptied the grid after the page listed it', async () => {
    expect((await server.addImage('words-emptied', await solidImage(RED, 80, 60))).status).toBe(
      200,
    );
    const page = await openPageIn(browser, problems, `${server.url}/?grid=words-emptied`);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '1');
    expect((await fetch(`${server.url}/grids/words-emptied`, { method: 'DELETE' })).status).toBe(
      200,
    );
    await page.locator('#build').click();
    await page.waitForSelector('#build-error:not([hidden])');
    const message = await page.locator('#build-error').textContent();
    expect(message).toBe('This grid has no images yet: add photos above first.');
    await page.close();
    expect(problems).toEqual([]);
  });
});
