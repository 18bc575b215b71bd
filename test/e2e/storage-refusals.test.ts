import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noisyPng } from '../support/images.js';
import {
  PAGE_REFUSAL_WORDS,
  type StorageStandIn,
  startStorageStandIn,
} from '../support/s3-refusals.js';
import { usePageSuite } from './page-suite.js';

/**
 * A file over 4 MB goes to storage in two steps (to S3 on AWS, through XMLHttpRequest
 * for its progress); S3 refuses in XML. The server's upload links point at a stand-in
 * answering S3's error shapes: the page says what happened in its words, not S3's XML.
 */

let storage: StorageStandIn;
const env: Record<string, string> = {};
beforeAll(async () => {
  storage = await startStorageStandIn();
  env.PUBLIC_URL = storage.url; // read when the suite starts its server, just after
});
afterAll(() => storage?.stop());

const suite = usePageSuite(env);
const { problems } = suite;

describe('the page, when storage refuses a big file', () => {
  // The first two: each is a big file sent through the browser.
  it.each(PAGE_REFUSAL_WORDS.slice(0, 2))('%s: shows it in its words', async (_, answer, words) => {
    storage.answer = answer;
    const big = join(suite.files, 'big.png');
    writeFileSync(big, await noisyPng());
    const page = await suite.openPage(`${suite.server.url}/?grid=refused`);
    await page.locator('#file-input').setInputFiles([big]);
    const state = page.locator('#upload-list li[data-state="error"] .upload-state');
    await state.waitFor();
    await expect(state.textContent()).resolves.toBe(words);
    expect(storage.requests.at(-1)).toMatch(/^PUT \/files\//);
    await page.close();
    expect(problems).toEqual([]);
  });
});
