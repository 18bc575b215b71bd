import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { noisyPng } from '../support/images.js';
import { useCli } from '../support/run-cli.js';
import {
  ACCESS_DENIED,
  ENTITY_TOO_LARGE,
  REQUEST_HAS_EXPIRED,
  SIGNATURE_DOES_NOT_MATCH,
  useServerOnStorageStandIn,
} from '../support/s3-refusals.js';

// gridbuilder add sends files over 4 MB in two steps, the bytes straight to storage (S3
// on AWS), which refuses in XML. The server's links point at a stand-in answering S3's
// error shapes: the CLI says what happened in its words, not S3's XML.

const suite = useServerOnStorageStandIn();
const { work, gridbuilder } = useCli(() => suite.server.url);
let big: string;

beforeAll(async () => {
  big = join(work, 'big.png');
  writeFileSync(big, await noisyPng());
});

describe('gridbuilder add, when storage refuses a direct upload', () => {
  it.each([
    [
      'SignatureDoesNotMatch',
      SIGNATURE_DOES_NOT_MATCH,
      'The file changed while it was being sent: run gridbuilder add again for this file.',
    ],
    [
      'Request has expired',
      REQUEST_HAS_EXPIRED,
      'The upload link expired before the file was sent: run gridbuilder add again for this file.',
    ],
    [
      'EntityTooLarge',
      ENTITY_TOO_LARGE,
      'The file is larger than the storage accepts: scale it down.',
    ],
    [
      'another refusal',
      ACCESS_DENIED,
      'The storage refused the upload (AccessDenied: Access Denied): run gridbuilder add again for this file.',
    ],
  ])('%s: says so in its words, and exits 1', async (_, answer, words) => {
    suite.storage.answer = answer;
    const result = await gridbuilder('add', 'refused', [big]);
    expect(suite.storage.requests.at(-1)).toMatch(/^PUT \/files\//);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`big.png: ${words}`);
    expect(result.stderr).not.toContain('<?xml');
  });
});
