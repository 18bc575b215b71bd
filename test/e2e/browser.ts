import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium package; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Screenshots of the key states, for people to look at (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Headless Chromium as NOTES.md found works here as root. playwright's launch()
 * gives every browser a fresh temporary profile (user data dir) and removes it after.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Opens `url` in a page of its own browser context (AxeBuilder needs the context;
 * browser.newPage() hides it), closed with the page. Any script error or
 * Content-Security-Policy refusal is pushed to `problems`: a failure of the page.
 */
export async function openPageIn(
  browser: Browser,
  problems: string[],
  url: string,
  viewport = { width: 1100, height: 900 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Not awaited by anyone: when a suite's last page closes, the browser's own close (in
  // afterAll) can end this one first, and its rejection would fail the run.
  page.on('close', () => void context.close().catch(() => undefined));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(url);
  return page;
}

/** A full-page screenshot in ARTIFACTS, for people to look at. */
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Waits until `count` upload rows have finished, one way or the other. */
export const uploadsSettled = (page: Page, count: number) =>
  page.waitForFunction(
    (n) =>
      document.querySelectorAll(
        '#upload-list li[data-state="done"], #upload-list li[data-state="error"]',
      ).length === n,
    count,
  );

/** Waits until the image list's count says `count`. */
export const imageCount = (page: Page, count: number) =>
  page.waitForFunction(
    (n) => document.querySelector('#image-count')?.textContent === String(n),
    count,
  );
