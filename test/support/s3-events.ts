/**
 * S3 event notifications shaped like the ones Lambda really receives (fields as in
 * AWS's documented `ObjectCreated:Put` example), for invoking handlers in tests.
 */
import { randomUUID } from 'node:crypto';

/**
 * A key as S3 writes it into an event: URL-encoded, a space as "+". `everything`
 * encodes every character but letters, digits and "/" (legal URL encoding that S3
 * itself does not produce for such keys): a handler that skips decoding then misreads it.
 */
export const eventKey = (key: string, { everything = false } = {}): string =>
  everything
    ? [...key]
        .map((c) => (/[A-Za-z0-9/]/.test(c) ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
        .join('')
    : encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

/** One `ObjectCreated:Put` record for an object of the bucket, its key already encoded. */
export function objectCreatedRecord(bucket: string, encodedKey: string, size = 1024) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:GridBuilder-AddImage' },
    requestParameters: { sourceIPAddress: '203.0.113.7' },
    responseElements: {
      'x-amz-request-id': randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
      'x-amz-id-2': randomUUID(),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'renditions',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodedKey,
        size,
        eTag: '0123456789abcdef0123456789abcdef',
        sequencer: Date.now().toString(16).toUpperCase(),
      },
    },
  };
}

/** The event Lambda is invoked with: S3 sends one record per event, the format allows more. */
export const s3Event = (...records: ReturnType<typeof objectCreatedRecord>[]) => ({
  Records: records,
});
