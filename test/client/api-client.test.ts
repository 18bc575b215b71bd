import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  ApiError,
  TWO_STEP_THRESHOLD,
  UnauthorizedError,
  UnreachableError,
} from '../../src/client/api-client.js';
import { fetchTransport } from '../../src/client/fetch-transport.js';
import { newImageId } from '../../src/core/ids.js';
import { type HeaderRecorder, startHeaderRecorder } from '../support/header-recorder.js';
import { noisyPng, RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';
import {
  ACCESS_DENIED,
  ENTITY_TOO_LARGE,
  EXPIRED_TOKEN,
  PROXY_PAGE,
  REQUEST_HAS_EXPIRED,
  SIGNATURE_DOES_NOT_MATCH,
  type StorageAnswer,
  useServerOnStorageStandIn,
} from '../support/s3-refusals.js';

const KEY = 'client-test-key-0123456789abcdef';

let server: TestServer;
let front: HeaderRecorder;

beforeAll(async () => {
  server = await startTestServer({ API_KEYS: KEY });
  front = await startHeaderRecorder(server.url);
});
afterAll(async () => {
  await front?.stop();
  await server?.close();
  if (server) removeDataDir(server);
});

const client = (apiKey?: string) =>
  new ApiClient({ baseUrl: `${front.url}/`, transport: fetchTransport(), apiKey });

const bytesOf = (buffer: Buffer) => new Uint8Array(buffer);

describe('the shared API client over fetch', () => {
  it('sends a small image in one request and a big one in two steps, the key only to the API', async () => {
    const small = bytesOf(await solidImage(RED, 40, 30));
    const big = bytesOf(await noisyPng());
    expect(big.byteLength).toBeGreaterThan(TWO_STEP_THRESHOLD);

    front.requests.length = 0;
    const api = client(KEY);
    const one = await api.upload('client-grid', small, {
      placement: { batch: newImageId(), index: 0 },
    });
    const two = await api.upload('client-grid', big);
    expect(
      front.requests.map((r) => `${r.method} ${r.path} ${r.authorization !== undefined}`),
    ).toEqual([
      'POST /add_image true',
      'POST /grids/client-grid/uploads true',
      expect.stringMatching(/^PUT \/files\/.* false$/),
      expect.stringMatching(/^POST \/grids\/client-grid\/uploads\/.* true$/),
    ]);

    const listing = await api.listImages('client-grid');
    expect(listing.images.map((image) => image.image_id)).toEqual([one.image_id, two.image_id]);
    const built = await api.buildGrid('client-grid', { tileSize: 20, format: 'png' });
    const grid = await api.download(built.presigned_url);
    expect(Buffer.from(grid.subarray(1, 4)).toString('latin1')).toBe('PNG');
  });

  it('lists a grid longer than a page whole, following next_cursor page after page', async () => {
    const api = client(KEY);
    const bytes = bytesOf(await solidImage(RED, 8, 8, 'png'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.upload('client-pages', bytes)).image_id);
    front.requests.length = 0;
    const listing = await api.listImages('client-pages', { pageSize: 2 });
    expect(listing.images.map((image) => image.image_id)).toEqual(ids);
    expect(listing).toMatchObject({ image_count: 5, next_cursor: null });
    expect(front.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(3).fill('GET /grids/client-pages'),
    );
  });

  it('turns an error answer into an ApiError with the contract’s status, code and param', async () => {
    const error = await client(KEY)
      .buildGrid('client-grid', { tileSize: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'tileSize' });
    expect((error as ApiError).message).toMatch(/tileSize/);
  });

  it('words an error with the place’s own words, given what the call was about', async () => {
    const api = new ApiClient({
      baseUrl: front.url,
      transport: fetchTransport(),
      apiKey: KEY,
      words: {
        failure: (failure, about) => `${failure.body?.code} on ${about.grid}/${about.image}`,
        unreachable: () => 'gone',
      },
    });
    await expect(api.deleteImage('client-grid', '01ARZ3NDEKTSV4RRFFQ69G5FAV')).rejects.toThrow(
      'image_not_found on client-grid/01ARZ3NDEKTSV4RRFFQ69G5FAV',
    );
  });

  it('answers 401 with an UnauthorizedError, and no answer with an UnreachableError', async () => {
    await expect(client().listImages('client-grid')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(client('wrong-key-0123456789abcdef').listImages('x')).rejects.toMatchObject({
      status: 401,
      code: 'api_key_invalid',
    });

    const closed = await freePort();
    const error = await new ApiClient({
      baseUrl: `http://127.0.0.1:${closed}`,
      transport: fetchTransport(),
    })
      .listImages('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toBe(
      `Could not reach http://127.0.0.1:${closed} (ECONNREFUSED).`,
    );
  });

  it('says what a non-JSON error page said', async () => {
    // A front whose upstream is gone answers 502 with a plain-text page.
    const broken = await startHeaderRecorder(`http://127.0.0.1:${await freePort()}`);
    try {
      const error = await new ApiClient({ baseUrl: broken.url, transport: fetchTransport() })
        .listImages('x')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 502, code: undefined });
      expect((error as ApiError).message).toMatch(
        /^The server answered HTTP 502: Error: connect ECONNREFUSED/,
      );
    } finally {
      await broken.stop();
    }
  });
});

// On AWS the two-step upload's PUT goes to S3, which refuses in XML, not in the API's
// JSON. The local server's links point at a stand-in answering S3's error shapes.
describe('a direct upload the storage refuses (S3 answers XML)', () => {
  const onS3 = useServerOnStorageStandIn();

  const refused = async (answer: StorageAnswer): Promise<ApiError> => {
    onS3.storage.answer = answer;
    const error = await new ApiClient({ baseUrl: onS3.server.url, transport: fetchTransport() })
      .uploadInTwoSteps('refused', new Uint8Array(1_000))
      .catch((e: unknown) => e);
    expect(onS3.storage.requests.at(-1)).toMatch(/^PUT \/files\//);
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };

  it('says the file changed while it was sent when S3 answers SignatureDoesNotMatch', async () => {
    const error = await refused(SIGNATURE_DOES_NOT_MATCH);
    expect(error).toMatchObject({
      status: 403,
      code: 'storage_refused',
      refusal: { reason: 'changed', code: 'SignatureDoesNotMatch' },
    });
    expect(error.message).toBe(
      'The storage refused the upload (SignatureDoesNotMatch): the file changed while it was sent; add it again.',
    );
  });

  it('says the link expired when S3 answers "Request has expired", or that its session ended', async () => {
    const expired = await refused(REQUEST_HAS_EXPIRED);
    expect(expired).toMatchObject({
      status: 403,
      code: 'storage_refused',
      refusal: { reason: 'expired', code: 'AccessDenied', message: 'Request has expired' },
    });
    expect(expired.message).toBe(
      'The upload link expired before the file arrived (AccessDenied: Request has expired): add the file again.',
    );
    expect(await refused(EXPIRED_TOKEN)).toMatchObject({
      status: 400,
      refusal: { reason: 'expired', code: 'ExpiredToken' },
    });
  });

  it('says the file is too large when S3 answers EntityTooLarge, or a proxy a page of 413', async () => {
    const error = await refused(ENTITY_TOO_LARGE);
    expect(error).toMatchObject({ status: 400, refusal: { reason: 'too_large' } });
    expect(error.message).toBe(
      'The storage refused the upload (EntityTooLarge): the file is larger than it accepts.',
    );
    const page = await refused(PROXY_PAGE);
    expect(page).toMatchObject({
      status: 413,
      code: 'storage_refused',
      refusal: { reason: 'too_large' },
    });
    expect(page.message).toBe(
      'The storage refused the upload (HTTP 413): the file is larger than it accepts.',
    );
  });

  it("names S3's code and message for a refusal it has no words of its own for", async () => {
    const error = await refused(ACCESS_DENIED);
    expect(error).toMatchObject({
      status: 403,
      refusal: { reason: 'refused', code: 'AccessDenied' },
    });
    expect(error.message).toBe(
      'The storage refused the upload (AccessDenied: Access Denied): add the file again.',
    );
  });

  it('leaves an error of a link of the API itself (JSON) as the API said it', async () => {
    const api = new ApiClient({ baseUrl: onS3.server.url, transport: fetchTransport() });
    const error = await api
      .download(`${onS3.server.url}/files/nothing?sig=x`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).not.toBe('storage_refused');
  });
});

/** A port nothing listens on: bound once, then closed. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
