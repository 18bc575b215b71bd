import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addImages } from '../support/many-images.js';
import { imageCount } from './browser.js';
import { usePageSuite } from './page-suite.js';

/** The page lists a grid longer than one page of the listing (issue 15, part 4). */

const suite = usePageSuite();

/** The image ids in the order the page's list shows them. */
const shownIds = (page: Page) =>
  page.locator('#image-list li').evaluateAll((items) => items.map((li) => li.dataset.imageId));

describe('a grid longer than one page of the listing', () => {
  it('shows every image in order, and a move saves an order naming them all', async () => {
    const ids = await addImages(suite.server, 'paged-page', 5);
    const page = await suite.openPage(`${suite.server.url}/?grid=paged-page`);
    // The page asks for the server's default page size; on the way, its listings are
    // asked for in pages of 2 instead, so these 5 images take 3 pages, as 1,001 would.
    const listings: string[] = [];
    await page.route(
      (url) => url.pathname === '/grids/paged-page',
      (route) => {
        if (route.request().method() !== 'GET') return route.continue();
        const url = new URL(route.request().url());
        url.searchParams.set('limit', '2');
        listings.push(url.searchParams.get('cursor') ?? 'first');
        return route.continue({ url: url.href });
      },
    );
    await page.reload();
    await imageCount(page, 5);
    expect(await shownIds(page)).toEqual(ids);
    expect(listings.slice(0, 3)).toEqual(['first', expect.any(String), expect.any(String)]);

    // The last image one place earlier: the order saved names all 5 (else the server refuses it).
    const saved = page.waitForResponse((response) =>
      response.url().endsWith('/grids/paged-page/order'),
    );
    await page
      .locator('#image-list li')
      .nth(4)
      .getByRole('button', { name: /earlier/ })
      .click();
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent === 'Image 5 moved to position 4 of 5.',
    );
    const moved = [...ids.slice(0, 3), ids[4], ids[3]];
    expect(await shownIds(page)).toEqual(moved);
    expect((await saved).status()).toBe(200);
    const listed = await (await fetch(`${suite.server.url}/grids/paged-page`)).json();
    expect(listed.images.map((image: { image_id: string }) => image.image_id)).toEqual(moved);
    await page.close();
    expect(suite.problems).toEqual([]);
  });
});
