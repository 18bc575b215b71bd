import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningS3, startS3 } from './aws-servers.js';
import { type RunningProxy, startProxy } from './http-proxy.js';

// The proxy the latency benches and fault-injection tests put between the SDK and the
// protocol servers must pass on what the SDK sends. It sends `Expect: 100-continue`
// with bodies of 2 MB and more (a grid of a few thousand tiles), a header that fetch
// refuses to send on: the proxy answered such a PutObject 502.

let s3: RunningS3;
let proxy: RunningProxy;

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('proxied');
  proxy = await startProxy(s3.endpoint);
});

afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

it('forwards a PutObject the SDK sends with Expect: 100-continue', async () => {
  const client = s3.client(proxy.endpoint);
  const body = Buffer.alloc(3 * 1024 * 1024, 7);
  try {
    await client.send(new PutObjectCommand({ Bucket: 'proxied', Key: 'big', Body: body }));
    const put = proxy.requests.find((r) => r.method === 'PUT');
    expect(put?.headers.expect).toBe('100-continue');
    const got = await client.send(new GetObjectCommand({ Bucket: 'proxied', Key: 'big' }));
    expect(
      Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(body),
    ).toBe(true);
  } finally {
    client.destroy();
  }
});
