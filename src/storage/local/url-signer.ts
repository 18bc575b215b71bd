import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PREVIEW: a GET of a small copy; its link cannot fetch the original, nor the other way. */
export type SignedMethod = 'GET' | 'PUT' | 'PREVIEW';

/**
 * Presigned links for the local backend: an HMAC over method, bucket, key and expiry,
 * and for a PUT the body's size, the way S3's query-string signatures work (with a
 * signed Content-Length). The server checks them in constant time.
 */
export class UrlSigner {
  constructor(private readonly secret: Buffer) {}

  /** `size`: a PUT's, which the link then takes exactly; none for other methods. */
  sign(
    method: SignedMethod,
    bucket: string,
    key: string,
    expires: number,
    size?: number | string,
  ): string {
    const grant = [method, bucket, key, expires, ...(method === 'PUT' ? [size] : [])];
    return createHmac('sha256', this.secret).update(grant.join('\n')).digest('base64url');
  }

  /**
   * 'valid', 'expired' or 'invalid' (altered, or signed for another method, bucket, key
   * or size).
   */
  verify(
    method: SignedMethod,
    bucket: string,
    key: string,
    params: {
      expires?: string | undefined;
      signature?: string | undefined;
      size?: string | undefined;
    },
    nowSeconds = Math.floor(Date.now() / 1000),
  ): 'valid' | 'expired' | 'invalid' {
    const expires = Number(params.expires);
    if (!params.signature || !Number.isSafeInteger(expires)) return 'invalid';
    if (method === 'PUT' && !params.size) return 'invalid';
    const expected = Buffer.from(this.sign(method, bucket, key, expires, params.size));
    const given = Buffer.from(params.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return expires < nowSeconds ? 'expired' : 'valid';
  }
}

/**
 * The secret from URL_SIGNING_SECRET, or else one generated on first start and kept
 * in the data folder, so links stay valid across restarts.
 */
export function loadSigningSecret(dataDir: string, configured: string | undefined): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = join(dataDir, 'url-signing-secret');
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
