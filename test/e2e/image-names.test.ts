import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BLUE, GREEN, noisyPng, solidImage } from '../support/images.js';
import { uploadsSettled } from './browser.js';
import { usePageSuite } from './page-suite.js';

/** Issue 17 item 5: the page sends each file's name and shows it in the image list. */

const suite = usePageSuite();
const { problems } = suite;

/** Drops files made in the page, with names no file chooser needs to allow. */
async function dropFiles(page: Page, names: string[]) {
  const jpeg = (await solidImage(GREEN, 80, 60)).toString('base64');
  await page.evaluate(
    ({ base64, names }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      for (const name of names) transfer.items.add(new File([bytes], name, { type: 'image/jpeg' }));
      const zone = document.querySelector('#drop-zone') as HTMLElement;
      zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, dataTransfer: transfer }));
      zone.dispatchEvent(new DragEvent('drop', { bubbles: true, dataTransfer: transfer }));
    },
    { base64: jpeg, names },
  );
}

// No slash: a name is its base name, and this one must come back whole.
const HOSTILE = '"<img src=x onerror=alert(1)>" & <b>bold.jpg';

describe('image names on the page', () => {
  it('sends each file’s name, on add_image and on the two-step upload, and lists it', async () => {
    const small = join(suite.files, 'beach day.jpg');
    writeFileSync(small, await solidImage(BLUE, 120, 90));
    const big = join(suite.files, 'big panorama.png');
    writeFileSync(big, await noisyPng());

    const page = await suite.openPage(`${suite.server.url}/?grid=named`);
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    const sentNames: (string | null)[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/add_image' || url.pathname.endsWith('/uploads')) {
        sentNames.push(url.searchParams.get('name'));
      }
    });
    await page.locator('#file-input').setInputFiles([small, big]);
    await uploadsSettled(page, 2);
    await dropFiles(page, [HOSTILE]);
    await uploadsSettled(page, 3);
    await page.waitForFunction(() => document.querySelector('#image-count')?.textContent === '3');
    expect(sentNames.sort()).toEqual([HOSTILE, 'beach day.jpg', 'big panorama.png'].sort());

    const tiles = page.locator('#image-list li');
    await expect(tiles.locator('.image-name').allTextContents()).resolves.toEqual([
      'beach day.jpg',
      'big panorama.png',
      HOSTILE,
    ]);
    const alts = await tiles
      .locator('img')
      .evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')));
    expect(alts[0]).toMatch(/^Image 1: beach day\.jpg, 120×90 JPEG, /);
    expect(alts[1]).toMatch(/^Image 2: big panorama\.png, 1500×1200 PNG, /);
    expect(alts[2]?.startsWith(`Image 3: ${HOSTILE}, 80×60 JPEG, `)).toBe(true);
    // Shown as text: the name made no element of its own, and ran no script.
    expect(await page.locator('#image-list img').count()).toBe(3);
    expect(await page.locator('#image-list b').count()).toBe(0);
    await expect(tiles.nth(0).locator('button.remove').getAttribute('aria-label')).resolves.toMatch(
      /^Remove image 1 \(beach day\.jpg, 120×90 JPEG/,
    );

    const listing = await (await fetch(`${suite.server.url}/grids/named`)).json();
    expect(listing.images.map((image: { name: string }) => image.name)).toEqual([
      'beach day.jpg',
      'big panorama.png',
      HOSTILE,
    ]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('says in its own words when a file’s name cannot be stored', async () => {
    const page = await suite.openPage(`${suite.server.url}/?grid=badly-named`);
    await dropFiles(page, ['bell\u0007.jpg']);
    const state = page.locator('#upload-list li[data-state="error"] .upload-state');
    await state.waitFor();
    await expect(state.textContent()).resolves.toBe(
      "This file's name cannot be stored: rename the file (at most 255 characters, no control characters) and add it again.",
    );
    await page.close();
    expect(problems).toEqual([]);
  });
});
