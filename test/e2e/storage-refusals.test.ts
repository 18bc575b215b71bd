import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noisyPng } from '../support/images.js';
import {
  REQUEST_HAS_EXPIRED,
  SIGNATURE_DOES_NOT_MATCH,
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
  it.each([
    [
      'SignatureDoesNotMatch',
      SIGNATURE_DOES_NOT_MATCH,
      'The file changed while it was being sent: add it again.',
    ],
    [
      'Request has expired',
      REQUEST_HAS_EXPIRED,
      'The upload took too long and its link expired: add the file again.',
    ],
  ])('%s: shows it in its words', async (_, answer, words) => {
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
