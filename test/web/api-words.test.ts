import { describe, expect, it } from 'vitest';
import { ApiClient, type ApiError } from '../../src/client/api-client.js';
import { fetchTransport } from '../../src/client/fetch-transport.js';
import { pageErrorWords } from '../../web/src/api.js';
import {
  ACCESS_DENIED,
  ENTITY_TOO_LARGE,
  EXPIRED_TOKEN,
  REQUEST_HAS_EXPIRED,
  SIGNATURE_DOES_NOT_MATCH,
  type StorageAnswer,
  useServerOnStorageStandIn,
} from '../support/s3-refusals.js';

// The page's words (web/src/api.ts) for a direct upload that storage refuses in XML (S3
// on AWS): the shared client with them, over fetch, against the local server whose
// links point at a stand-in answering S3's error shapes.

const suite = useServerOnStorageStandIn();

describe("the page's words when storage refuses a direct upload", () => {
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
    [
      'ExpiredToken',
      EXPIRED_TOKEN,
      'The upload took too long and its link expired: add the file again.',
    ],
    [
      'EntityTooLarge',
      ENTITY_TOO_LARGE,
      'This file is too large for the storage: choose a smaller one.',
    ],
    [
      'another refusal',
      ACCESS_DENIED,
      'The storage refused the upload (AccessDenied): add the file again.',
    ],
  ] as [string, StorageAnswer, string][])('%s', async (_, answer, words) => {
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
