/**
 * Counts what goes through the proxies in front of the protocol servers by the kinds
 * the bills price: S3 requests by class (PUT, LIST and POST cost more than GET and
 * HEAD; DELETE is free) with the bytes PUT (what is stored), DynamoDB requests by
 * operation with the request units DynamoDB reports for them. For the bench's cost
 * figures: take `counts()` before and after an invocation, and `tallySince` of the two.
 */
import type { ProxiedRequest, ProxiedResponse, ProxyHooks } from './http-proxy.js';

export interface RequestCount {
  requests: number;
  /** DynamoDB: the request units consumed (read units for reads, write units for writes). */
  units: number;
  /** S3 PUT: the bytes of the objects stored. */
  bytes: number;
}

/** Counts by kind, e.g. "S3 PUT", "DynamoDB Query". */
export type Tally = Record<string, RequestCount>;

type Request = Pick<ProxiedRequest, 'method' | 'url' | 'headers' | 'body'>;

const header = (request: Request, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** The price class of a path-style S3 request. */
export function s3RequestKind(request: Request): string {
  const url = new URL(request.url, 'http://s3');
  const [, , ...key] = url.pathname.split('/');
  const isObject = key.join('/') !== '';
  switch (request.method) {
    case 'GET':
      return isObject ? 'S3 GET' : 'S3 LIST';
    case 'HEAD':
      return 'S3 HEAD';
    case 'PUT':
      return header(request, 'x-amz-copy-source') ? 'S3 COPY' : 'S3 PUT';
    case 'DELETE':
      return 'S3 DELETE';
    case 'POST':
      // DeleteObjects: deletes, which S3 does not charge for.
      return url.searchParams.has('delete') ? 'S3 DELETE' : 'S3 POST';
    default:
      return `S3 ${request.method}`;
  }
}

/** The operation of a DynamoDB JSON API request (its X-Amz-Target). */
export function dynamoDbOperation(request: Request): string {
  const target = header(request, 'x-amz-target') ?? '';
  return /^DynamoDB_\d+\.(\w+)$/.exec(target)?.[1] ?? 'unknown';
}

/** The bytes an S3 PUT stores: a streamed (aws-chunked) body declares them in a header. */
function storedBytes(request: Request): number {
  const declared = Number(header(request, 'x-amz-decoded-content-length'));
  return Number.isFinite(declared) && declared > 0 ? declared : request.body.length;
}

/** The units of a DynamoDB answer's ConsumedCapacity (one object, or one a table for batches). */
function consumedUnits(response: ProxiedResponse): number {
  if (response.status !== 200) return 0;
  const { ConsumedCapacity: consumed } = JSON.parse(response.body.toString('utf8') || '{}') as {
    ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
  };
  return [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

export function requestTally() {
  const tally: Tally = {};
  const count = (kind: string, units: number, bytes: number) => {
    tally[kind] ??= { requests: 0, units: 0, bytes: 0 };
    const counted = tally[kind];
    counted.requests++;
    counted.units += units;
    counted.bytes += bytes;
  };
  const s3: ProxyHooks = {
    response(response, request) {
      const kind = s3RequestKind(request);
      count(kind, 0, kind === 'S3 PUT' ? storedBytes(request) : 0);
      return response;
    },
  };
  const dynamoDb: ProxyHooks = {
    // DynamoDB reports the units a request consumed when asked; its answer is otherwise
    // the same, and the SDK ignores the field.
    request(request) {
      const body = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
      body.ReturnConsumedCapacity ??= 'TOTAL';
      return { ...request, body: Buffer.from(JSON.stringify(body)) };
    },
    response(response, request) {
      count(`DynamoDB ${dynamoDbOperation(request)}`, consumedUnits(response), 0);
      return response;
    },
  };
  return {
    /**
     * The proxy hooks that count the requests to one service; `before` runs first on
     * each request (e.g. a delay).
     */
    hooks(
      service: 's3' | 'dynamoDb',
      before: (request: ProxiedRequest) => Promise<ProxiedRequest> = async (r) => r,
    ): ProxyHooks {
      const own = service === 's3' ? s3 : dynamoDb;
      return {
        request: async (request) => (own.request ?? ((r) => r))(await before(request)),
        response: own.response,
      };
    },
    /** A copy of the counts so far. */
    counts(): Tally {
      return Object.fromEntries(Object.entries(tally).map(([kind, c]) => [kind, { ...c }]));
    },
  };
}

export type RequestTally = ReturnType<typeof requestTally>;

/** What was counted between two `counts()`: the kinds with requests in between. */
export function tallySince(after: Tally, before: Tally): Tally {
  const since: Tally = {};
  for (const [kind, c] of Object.entries(after)) {
    const b = before[kind] ?? { requests: 0, units: 0, bytes: 0 };
    if (c.requests === b.requests) continue;
    since[kind] = {
      requests: c.requests - b.requests,
      units: c.units - b.units,
      bytes: c.bytes - b.bytes,
    };
  }
  return since;
}
