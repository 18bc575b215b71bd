import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  BLUE,
  GREEN,
  near,
  pixelAt,
  RED,
  type Rgb,
  solidImage,
  YELLOW,
} from '../support/images.js';
import { ARTIFACTS } from './browser.js';
import { usePageSuite } from './page-suite.js';

/** Arranging the grid's tiles on the page (issue 13, part 2): by mouse and by keyboard. */

const suite = usePageSuite();
const { problems } = suite;

const TILE = 20;

/** A grid holding one solid image per colour, added in that order; gives their ids. */
async function gridOf(gridId: string, colours: readonly Rgb[]): Promise<string[]> {
  for (const colour of colours) {
    const added = await suite.server.addImage(gridId, await solidImage(colour, 120, 90));
    expect(added.status).toBe(200);
  }
  return listedIds(gridId);
}

/** The grid's image ids in the order the server lists them. */
async function listedIds(gridId: string): Promise<string[]> {
  const listing = (await (await fetch(`${suite.server.url}/grids/${gridId}`)).json()) as {
    images: { image_id: string }[];
  };
  return listing.images.map((image) => image.image_id);
}

/** The image ids in the order the page's list shows them. */
const shownIds = (page: Page) =>
  page.locator('#image-list li').evaluateAll((items) => items.map((li) => li.dataset.imageId));

async function openGrid(
  gridId: string,
  count: number,
  viewport?: { width: number; height: number },
) {
  const page = await suite.openPage(`${suite.server.url}/?grid=${gridId}`, viewport);
  await page.waitForFunction(
    (n) => document.querySelectorAll('#image-list li').length === n,
    count,
  );
  return page;
}

/** Builds one row of TILE-pixel tiles and gives each tile's colour, read at its centre. */
async function builtColours(page: Page, count: number): Promise<Rgb[]> {
  await page.locator('#tile-size').fill(String(TILE));
  await page.locator('#columns').fill(String(count));
  await page.locator('#build').click();
  await page.waitForSelector('#result:not([hidden])');
  const link = await page.locator('#result-link').inputValue();
  const grid = Buffer.from(await (await fetch(link)).arrayBuffer());
  return Promise.all(
    Array.from({ length: count }, (_, i) => pixelAt(grid, i * TILE + TILE / 2, TILE / 2)),
  );
}

function expectColours(actual: Rgb[], expected: Rgb[]) {
  expect(actual.map((colour, i) => near(colour, expected[i] as Rgb))).toEqual(
    expected.map(() => true),
  );
}

const statusSays = (page: Page, text: string) =>
  page.waitForFunction((t) => document.querySelector('#status')?.textContent === t, text);

/** Which image and which control has the keyboard focus. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    return {
      imageId: active?.closest<HTMLElement>('#image-list li')?.dataset.imageId,
      label: active?.getAttribute('aria-label'),
    };
  });

describe('rearranging tiles on the page', () => {
  it('moves a tile by drag and drop, and the built grid follows', async () => {
    const ids = await gridOf('drag-order', [RED, GREEN, BLUE]);
    const page = await openGrid('drag-order', 3);
    const tiles = page.locator('#image-list li');
    const first = await tiles.nth(0).boundingBox();
    // Dropped on the left part of the first tile: it goes before it.
    await tiles.nth(2).dragTo(tiles.nth(0), {
      targetPosition: { x: 8, y: (first?.height ?? 40) / 2 },
    });
    const moved = [ids[2], ids[0], ids[1]];
    expect(await shownIds(page)).toEqual(moved);
    await expect(page.locator('#image-list li .position').allTextContents()).resolves.toEqual([
      '1',
      '2',
      '3',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'reorder-dragged.png'), fullPage: true });
    expectColours(await builtColours(page, 3), [BLUE, RED, GREEN]);
    expect(await listedIds('drag-order')).toEqual(moved);
    // Dragging a tile is not dropping files: nothing was uploaded.
    expect(await page.locator('#upload-list li').count()).toBe(0);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('moves a tile with the keyboard only, says so, and keeps the focus on it', async () => {
    const ids = await gridOf('keyboard-order', [RED, GREEN, BLUE, YELLOW]);
    const page = await openGrid('keyboard-order', 4);
    const third = page.locator('#image-list li').nth(2);
    const earlier = third.getByRole('button', { name: /earlier/ });
    await expect(earlier.getAttribute('aria-label')).resolves.toMatch(/image 3 .*position 2/i);
    await earlier.focus();
    await page.keyboard.press('Enter');
    await statusSays(page, 'Image 3 moved to position 2 of 4.');
    expect(await shownIds(page)).toEqual([ids[0], ids[2], ids[1], ids[3]]);
    expect(await focused(page)).toEqual({
      imageId: ids[2],
      label: expect.stringMatching(/earlier/),
    });

    // Alt+ArrowUp on the focused tile: to the first place, where "earlier" is disabled.
    await page.keyboard.press('Alt+ArrowUp');
    await statusSays(page, 'Image 2 moved to position 1 of 4.');
    const moved = [ids[2], ids[0], ids[1], ids[3]];
    expect(await shownIds(page)).toEqual(moved);
    const firstTile = page.locator('#image-list li').nth(0);
    expect(await firstTile.getByRole('button', { name: /earlier/ }).isDisabled()).toBe(true);
    expect(await focused(page)).toEqual({
      imageId: ids[2],
      label: expect.stringMatching(/later/),
    });
    const last = page.locator('#image-list li').nth(3);
    expect(await last.getByRole('button', { name: /later/ }).isDisabled()).toBe(true);

    expectColours(await builtColours(page, 4), [BLUE, RED, GREEN, YELLOW]);
    expect(await listedIds('keyboard-order')).toEqual(moved);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('has no axe violations with images listed, and no sideways scroll at 390 px', async () => {
    await gridOf('axe-order', [RED, GREEN, BLUE]);
    const page = await openGrid('axe-order', 3);
    const result = await new AxeBuilder({ page }).analyze();
    expect(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`),
    ).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'reorder-phone.png'), fullPage: true });
    const widths = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(widths.scrollWidth).toBeLessThanOrEqual(widths.innerWidth);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('sends quick successive moves one at a time, in order: the last one wins', async () => {
    const ids = await gridOf('quick-order', [RED, GREEN, BLUE, YELLOW]);
    const page = await openGrid('quick-order', 4);
    // The first order sent is held until two more moves were made on the page.
    const sent: string[][] = [];
    let inFlight = 0;
    let overlapped = false;
    let firstSeen!: () => void;
    const firstSent = new Promise<void>((resolve) => {
      firstSeen = resolve;
    });
    let releaseFirst!: () => void;
    const movedMeanwhile = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    await page.route('**/grids/quick-order/order', async (route) => {
      sent.push(route.request().postDataJSON().image_ids);
      overlapped ||= inFlight > 0;
      inFlight++;
      if (sent.length === 1) {
        firstSeen();
        await movedMeanwhile;
      }
      const response = await route.fetch();
      inFlight--; // the page cannot send the next order before it has this answer
      await route.fulfill({ response });
    });

    await page
      .locator('#image-list li')
      .nth(3)
      .getByRole('button', { name: /earlier/ })
      .focus();
    await page.keyboard.press('Alt+ArrowUp'); // yellow to position 3
    await firstSent;
    await page.keyboard.press('Alt+ArrowUp'); // to position 2
    await page.keyboard.press('Alt+ArrowUp'); // to position 1
    const last = [ids[3], ids[0], ids[1], ids[2]];
    expect(await shownIds(page)).toEqual(last);
    releaseFirst();

    expectColours(await builtColours(page, 4), [YELLOW, RED, GREEN, BLUE]);
    expect(sent).toEqual([
      [ids[0], ids[1], ids[3], ids[2]],
      [ids[0], ids[3], ids[1], ids[2]],
      last,
    ]);
    expect(overlapped).toBe(false);
    expect(await listedIds('quick-order')).toEqual(last);
    expect(await shownIds(page)).toEqual(last);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('shows the error and the server order when the grid changed elsewhere', async () => {
    await gridOf('changed-order', [RED, GREEN, BLUE]);
    const page = await openGrid('changed-order', 3);
    // Another client adds an image after the page listed the grid.
    expect(
      (await suite.server.addImage('changed-order', await solidImage(YELLOW, 120, 90))).status,
    ).toBe(200);
    await page
      .locator('#image-list li')
      .nth(1)
      .getByRole('button', { name: /earlier/ })
      .click();
    await page.waitForSelector('#images-error:not([hidden])');
    await expect(page.locator('#images-error').textContent()).resolves.toMatch(
      /Could not move image 2: .*changed/,
    );
    await page.waitForFunction(() => document.querySelectorAll('#image-list li').length === 4);
    expect(await shownIds(page)).toEqual(await listedIds('changed-order'));
    await expect(page.locator('#image-count').textContent()).resolves.toBe('4');
    await page.close();
    expect(problems).toEqual([]);
  });
});
