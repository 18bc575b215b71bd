/**
 * S3's error answers to a presigned PUT, as S3 sends them (REST error responses: an XML
 * <Error> with <Code>, <Message> and fields of that error, RequestId and HostId), and a
 * loopback stand-in that answers every request with one of them. s3rver checks neither
 * signatures nor expiry (shared/NOTES.md): these are Amazon's answers, copied in shape.
 *
 * Start a local GridBuilder server with PUBLIC_URL set to the stand-in's URL: its upload
 * links then point at the stand-in, as they point at S3 on AWS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { removeDataDir, startTestServer, type TestServer } from './local-server.js';

export interface StorageAnswer {
  status: number;
  body: string;
  contentType?: string;
}

const xml = (fields: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}<RequestId>4442587FB7D0A2F9</RequestId><HostId>vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=</HostId></Error>`;

/** The file changed size while it was sent: the Content-Length signed into the link no longer holds. */
export const SIGNATURE_DOES_NOT_MATCH: StorageAnswer = {
  status: 403,
  body: xml(
    '<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>ASIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20261202T140000Z\n20261202/eu-west-1/s3/aws4_request\n5f1e8b3c</StringToSign><SignatureProvided>9a2c4e</SignatureProvided><CanonicalRequest>PUT\n/g/01JE.jpg\nX-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Expires=300\ncontent-length:5000001\n\ncontent-length;host\nUNSIGNED-PAYLOAD</CanonicalRequest>',
  ),
};

/** The link was used after its X-Amz-Expires. */
export const REQUEST_HAS_EXPIRED: StorageAnswer = {
  status: 403,
  body: xml(
    '<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires><Expires>2026-12-02T14:05:00Z</Expires><ServerTime>2026-12-02T14:31:07Z</ServerTime>',
  ),
};

/** The link was signed with a role session that has ended since. */
export const EXPIRED_TOKEN: StorageAnswer = {
  status: 400,
  body: xml(
    '<Code>ExpiredToken</Code><Message>The provided token has expired.</Message><Token-0>IQoJb3JpZ2luX2VjEXAMPLE</Token-0>',
  ),
};

export const ENTITY_TOO_LARGE: StorageAnswer = {
  status: 400,
  body: xml(
    '<Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>5368709121</ProposedSize><MaxSizeAllowed>5368709120</MaxSizeAllowed>',
  ),
};

/** A refusal of a kind the client has no words of its own for. */
export const ACCESS_DENIED: StorageAnswer = {
  status: 403,
  body: xml('<Code>AccessDenied</Code><Message>Access Denied</Message>'),
};

/** Something between the client and S3 (a corporate proxy, a CDN) answering with its own page. */
export const PROXY_PAGE: StorageAnswer = {
  status: 413,
  body: '<html><body><h1>413 Request Entity Too Large</h1></body></html>',
  contentType: 'text/html',
};

export interface StorageStandIn {
  url: string;
  /** What it answers next (every request, until changed). */
  answer: StorageAnswer;
  /** "METHOD /path" of the requests it answered. */
  readonly requests: string[];
  stop(): Promise<void>;
}

export async function startStorageStandIn(): Promise<StorageStandIn> {
  const requests: string[] = [];
  const standIn = {
    answer: SIGNATURE_DOES_NOT_MATCH,
    requests,
  } as StorageStandIn;
  const server = createServer(async (req, res) => {
    // As a bucket whose CORS rules allow any origin (the stack's default): a page may
    // PUT to it and read its refusals.
    const cors = { 'access-control-allow-origin': '*' };
    if (req.method === 'OPTIONS') {
      res.writeHead(200, {
        ...cors,
        'access-control-allow-methods': 'PUT',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
      });
      res.end();
      return;
    }
    for await (const _ of req); // S3 reads (some of) the body before it answers
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://s3').pathname}`);
    const { status, body, contentType = 'application/xml' } = standIn.answer;
    res.writeHead(status, {
      ...cors,
      'content-type': contentType,
      'x-amz-request-id': '4442587FB7D0A2F9',
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return standIn;
}

/**
 * For a suite: a stand-in for storage, and a local server whose upload links point at it
 * (PUBLIC_URL), so that a two-step upload's PUT gets the stand-in's answer.
 */
export function useServerOnStorageStandIn(): { storage: StorageStandIn; server: TestServer } {
  const suite = {} as { storage: StorageStandIn; server: TestServer };
  beforeAll(async () => {
    suite.storage = await startStorageStandIn();
    suite.server = await startTestServer({ PUBLIC_URL: suite.storage.url });
  });
  afterAll(async () => {
    await suite.server?.close();
    if (suite.server) removeDataDir(suite.server);
    await suite.storage?.stop();
  });
  return suite;
}

/** What the page says of each refusal (web/src/error-words.ts), for its unit and e2e tests. */
export const PAGE_REFUSAL_WORDS: [string, StorageAnswer, string][] = [
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
];
