import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Imaging } from '../../src/core/ports.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';
import { launchChromium, openPageIn } from './browser.js';

/** What a page suite's tests use; set by its beforeAll. */
export interface PageSuite {
  server: TestServer;
  browser: Browser;
  /** A scratch folder for the files a test chooses on the page. */
  files: string;
  /** Script errors and CSP refusals of every page opened: a suite expects none. */
  problems: string[];
  openPage(url: string, viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * The set-up each browser suite shares: a server on 127.0.0.1 (with `env`, and
 * `imaging` when given), one Chromium, a scratch folder; all removed after the suite.
 */
export function usePageSuite(env?: Record<string, string>, imaging?: Imaging): PageSuite {
  const suite = {
    problems: [] as string[],
    openPage: (url: string, viewport?: { width: number; height: number }) =>
      openPageIn(suite.browser, suite.problems, url, viewport),
  } as PageSuite;
  beforeAll(async () => {
    suite.server = await startTestServer(env, undefined, undefined, imaging);
    suite.browser = await launchChromium();
    suite.files = mkdtempSync(join(tmpdir(), 'gridbuilder-e2e-'));
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
    if (suite.server) removeDataDir(suite.server);
    if (suite.files) rmSync(suite.files, { recursive: true, force: true });
  });
  return suite;
}
