import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

export interface UploadResult {
  requests: number;
  failures: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerSecond: number;
}

/**
 * `clients` keep-alive connections, each POSTing the files one after the other for
 * `seconds`, with autocannon: it costs the machine about a tenth of what a fetch loop
 * does (the load generator shares the 2 cores with the server under test). A non-2xx
 * answer, an error or a timeout is a failure.
 */
export async function loadUploads(
  url: string,
  files: readonly string[],
  clients: number,
  seconds: number,
): Promise<UploadResult> {
  const target = new URL(url);
  const bodies = await Promise.all(files.map((file) => readFile(file)));
  const result = await autocannon({
    url: target.origin,
    connections: clients,
    duration: seconds,
    requests: bodies.map((body) => ({
      method: 'POST',
      path: target.pathname + target.search,
      headers: { 'content-type': 'image/jpeg' },
      body,
    })),
  });
  const answered = result.requests.total;
  const meanBody = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length;
  return {
    requests: answered,
    failures: result.non2xx + result.errors + result.timeouts,
    perSecond: answered / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    bytesPerSecond: (result['2xx'] * meanBody) / result.duration,
  };
}
