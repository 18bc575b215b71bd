import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RED, solidImage } from '../support/images.js';
import { ARTIFACTS } from './browser.js';
import { usePageSuite } from './page-suite.js';

/**
 * Issue 13 part 6: the page shows the API's refusals in its own words (its fields,
 * its sections), mapped from the error's code, not the API's messages.
 */

const suite = usePageSuite();
const { problems } = suite;

describe("the page's own words for the API's errors", () => {
  it('a refused upload of a file that is not an image', async () => {
    const notes = join(suite.files, 'notes.txt');
    writeFileSync(notes, 'This is a shopping list, not a photo.');
    const page = await suite.openPage(`${suite.server.url}/?grid=words-upload`);
    await page.locator('#file-input').setInputFiles([notes]);
    const state = page.locator('#upload-list li[data-state="error"] .upload-state');
    await state.waitFor();
    await expect(state.textContent()).resolves.toBe('This file is not an image.');
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a build refused because the grid would be too large for its format', async () => {
    expect((await suite.server.addImage('words-large', await solidImage(RED, 80, 60))).status).toBe(
      200,
    );
    const page = await suite.openPage(`${suite.server.url}/?grid=words-large`);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '1');
    await page.locator('#tile-size').fill('4096');
    await page.locator('#format').selectOption('avif');
    await page.locator('#build').click();
    await page.waitForSelector('#build-error:not([hidden])');
    const message = await page.locator('#build-error').textContent();
    expect(message).toBe(
      'The grid would be too large: choose a smaller Tile size, fewer Columns, a smaller Width, or another Format.',
    );
    await page.screenshot({ path: join(ARTIFACTS, '07-error.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a justified build refused because its Width leaves no room between the gaps', async () => {
    expect(
      (await suite.server.addImage('words-narrow', await solidImage(RED, 80, 60))).status,
    ).toBe(200);
    const page = await suite.openPage(`${suite.server.url}/?grid=words-narrow`);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '1');
    await page.locator('#layout').selectOption('justified');
    await page.locator('#width').fill('20');
    await page.locator('#gap').fill('10');
    await page.locator('#build').click();
    await page.waitForSelector('#build-error:not([hidden])');
    expect(await page.locator('#build-error').textContent()).toBe(
      'Width must be a whole number of pixels from 16 to 65535, and more than twice the Gap.',
    );
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a build refused because another client emptied the grid after the page listed it', async () => {
    expect(
      (await suite.server.addImage('words-emptied', await solidImage(RED, 80, 60))).status,
    ).toBe(200);
    const page = await suite.openPage(`${suite.server.url}/?grid=words-emptied`);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '1');
    expect(
      (await fetch(`${suite.server.url}/grids/words-emptied`, { method: 'DELETE' })).status,
    ).toBe(200);
    await page.locator('#build').click();
    await page.waitForSelector('#build-error:not([hidden])');
    const message = await page.locator('#build-error').textContent();
    expect(message).toBe('This grid has no images yet: add photos above first.');
    await page.close();
    expect(problems).toEqual([]);
  });
});
