import { readFile } from 'node:fs/promises';

export interface UploadResult {
  requests: number;
  failures: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerSecond: number;
}

/**
 * `clients` concurrent clients, each POSTing one body after the other (keep-alive)
 * for `seconds`; counts answers and their latency. A non-200 answer is a failure.
 */
export async function loadUploads(
  url: string,
  files: readonly string[],
  clients: number,
  seconds: number,
): Promise<UploadResult> {
  const bodies = await Promise.all(files.map(async (file) => new Uint8Array(await readFile(file))));
  const latencies: number[] = [];
  let failures = 0;
  let bytes = 0;
  const deadline = performance.now() + seconds * 1000;
  const client = async (id: number) => {
    for (let n = id; performance.now() < deadline; n += clients) {
      const body = bodies[n % bodies.length] as Uint8Array<ArrayBuffer>;
      const start = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'image/jpeg' },
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - start);
      if (response.status === 200) bytes += body.length;
      else failures++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    failures,
    perSecond: latencies.length / elapsed,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    bytesPerSecond: bytes / elapsed,
  };
}
