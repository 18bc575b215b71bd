import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildHolds } from '../support/held-builds.js';
import { BLUE, GREEN, RED, solidImage, YELLOW } from '../support/images.js';
import { imageCount, shot } from './browser.js';
import { usePageSuite } from './page-suite.js';

const holds = buildHolds();
// Every build in the background: these grids are small enough for the page's wait=2.
const suite = usePageSuite({ SYNC_BUILD_SECONDS: '0' }, holds.imaging);

describe('a build the server runs in the background, on the page', () => {
  it('shows its progress while it runs, then the grid', async () => {
    const page = await suite.openPage(`${suite.server.url}/?grid=held-build`);
    const files = await Promise.all(
      [RED, GREEN, BLUE, YELLOW].map(async (colour, i) => {
        const path = join(suite.files, `held-${i}.jpg`);
        writeFileSync(path, await solidImage(colour, 120, 90));
        return path;
      }),
    );
    await page.locator('#file-input').setInputFiles(files);
    await imageCount(page, 4);

    const hold = holds.holdNextBuild();
    onTestFinished(hold.release); // a failed test leaves no build held
    await page.locator('#tile-size').fill('40');
    await page.locator('#build').click();
    await hold.reached;
    const progress = page.getByRole('progressbar', { name: /^Building: [0-3] of 4 tiles$/ });
    await progress.waitFor();
    expect(await progress.getAttribute('max')).toBe('4');
    const violations = (await new AxeBuilder({ page }).analyze()).violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`,
    );
    expect(violations).toEqual([]);
    await shot(page, 'build-progress');

    hold.release();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#result-image');
      return img?.complete && !document.querySelector<HTMLElement>('#result')?.hidden;
    });
    expect(await page.locator('#result-image').getAttribute('alt')).toBe(
      'The built grid: 4 images in 2 columns and 2 rows',
    );
    expect(await page.locator('#build-progress-row').isHidden()).toBe(true);
    expect(await page.locator('#build-error').isHidden()).toBe(true);
    expect(suite.problems).toEqual([]);
  });

  it('says in its own words why such a build failed', async () => {
    for (const colour of [RED, GREEN]) {
      const added = await suite.server.addImage('held-fails', await solidImage(colour, 120, 90));
      expect(added.status).toBe(200);
    }
    const page = await suite.openPage(`${suite.server.url}/?grid=held-fails`);
    await imageCount(page, 2);
    const hold = holds.holdNextBuild();
    onTestFinished(hold.release);
    await page.locator('#build').click();
    await hold.reached;
    await page.locator('#build-progress-row').waitFor();
    // The images go while the build waits for its last one: its next attempt finds none.
    const removed = await fetch(`${suite.server.url}/grids/held-fails`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    hold.release();
    await page.locator('#build-error').waitFor();
    expect(await page.locator('#build-error').textContent()).toBe(
      'This grid has no images yet: add photos above first.',
    );
    expect(await page.locator('#build-progress-row').isHidden()).toBe(true);
    expect(suite.problems).toEqual([]);
  });
});
