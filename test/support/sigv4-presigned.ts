import { createHash, createHmac } from 'node:crypto';

/**
 * S3's check of a presigned URL (Signature Version 4, query-string authentication),
 * written from AWS's description rather than with the SDK: the signature is
 * recomputed over the request as it arrives (method, path, query, and the values the
 * request carries for the headers named in X-Amz-SignedHeaders) and compared with the
 * URL's. s3rver skips this check (docs: /work/shared/NOTES.md), so tests that need to
 * know what S3 would accept ask this instead. Expiry is not checked.
 */
export function s3WouldAccept(
  method: string,
  url: string,
  /** The request's headers, lowercase names; Host is taken from the URL. */
  headers: Record<string, string>,
  secretAccessKey: string,
): boolean {
  const link = new URL(url);
  const query = [...link.searchParams].filter(([name]) => name !== 'X-Amz-Signature');
  const signedHeaders = (link.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
  const sent: Record<string, string> = { ...headers, host: link.host };
  if (signedHeaders.some((name) => sent[name] === undefined)) return false;
  const canonicalRequest = [
    method,
    link.pathname,
    query
      .map(([name, value]) => `${encode(name)}=${encode(value)}`)
      .sort()
      .join('&'),
    ...signedHeaders.map((name) => `${name}:${String(sent[name]).trim()}`),
    '',
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const date = link.searchParams.get('X-Amz-Date') ?? '';
  const [, day, region, service] = (link.searchParams.get('X-Amz-Credential') ?? '').split('/');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`);
  for (const part of [day, region, service, 'aws4_request']) key = hmac(key, String(part));
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return signature === link.searchParams.get('X-Amz-Signature');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
