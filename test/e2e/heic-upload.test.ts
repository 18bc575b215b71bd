import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEIC_SOURCES } from '../support/heic-fixtures.js';
import { imageCount } from './browser.js';
import { usePageSuite } from './page-suite.js';

const suite = usePageSuite();

describe('a HEIC on the page', () => {
  it('is offered by the file picker, uploaded and built among JPEGs', async () => {
    const page = await suite.openPage(`${suite.server.url}/?grid=phone-photos`);
    expect(await page.locator('#file-input').getAttribute('accept')).toContain('.heic');
    const heic = join(suite.files, 'IMG_0001.HEIC');
    copyFileSync(new URL('../fixtures/heic/photo.heic', import.meta.url), heic);
    const jpeg = join(suite.files, 'photo.jpg');
    writeFileSync(jpeg, await HEIC_SOURCES.photo());
    await page.locator('#file-input').setInputFiles([heic, jpeg]);
    await imageCount(page, 2);

    await page.locator('#tile-size').fill('40');
    await page.locator('#build').click();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#result-image');
      return img?.complete && !document.querySelector<HTMLElement>('#result')?.hidden;
    });
    expect(await page.locator('#result-image').getAttribute('alt')).toMatch(
      /^The built grid: 2 images in /,
    );
    expect(suite.problems).toEqual([]);
  });
});
