import { describe, expect, it } from 'vitest';
import { ApiClient, type ApiError } from '../../src/client/api-client.js';
import { fetchTransport } from '../../src/client/fetch-transport.js';
import { pageErrorWords } from '../../web/src/api.js';
import { PAGE_REFUSAL_WORDS, useServerOnStorageStandIn } from '../support/s3-refusals.js';

// The page's words (web/src/api.ts) for a direct upload that storage refuses in XML (S3
// on AWS): the shared client with them, over fetch, against the local server whose
// links point at a stand-in answering S3's error shapes.

const suite = useServerOnStorageStandIn();

describe("the page's words when storage refuses a direct upload", () => {
  it.each(PAGE_REFUSAL_WORDS)('%s', async (_, answer, words) => {
    suite.storage.answer = answer;
    const client = new ApiClient({
      baseUrl: suite.server.url,
      transport: fetchTransport(),
      words: pageErrorWords,
    });
    const error = (await client
      .uploadInTwoSteps('refused', new Uint8Array(1_000))
      .catch((e: unknown) => e)) as ApiError;
    expect(suite.storage.requests.at(-1)).toMatch(/^PUT \/files\//);
    expect(error.message).toBe(words);
  });
});
