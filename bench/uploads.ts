import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

/** One load run, after its settle period: each stored upload's latency, and what failed. */
export interface UploadRun {
  /** The measured time, without the settle period. */
  seconds: number;
  /** Of each upload answered 2xx, sent after the settle period. */
  latenciesMs: number[];
  /** Answers other than 2xx, errors and timeouts, over the whole run. */
  failures: number;
  /** Bytes of the uploads answered 2xx. */
  bytesStored: number;
}

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
 * `settleSeconds + seconds`, with autocannon: it costs the machine about a tenth of what
 * a fetch loop does (the load generator shares the 2 cores with the server under test).
 * Only answers after the first `settleSeconds` count: the clients connect and send their
 * first uploads all at once, a burst that a continuous run has once and not per slice.
 * A non-2xx answer, an error or a timeout is a failure.
 */
export async function loadUploads(
  url: string,
  files: readonly string[],
  clients: number,
  seconds: number,
  settleSeconds = 0,
): Promise<UploadRun> {
  const target = new URL(url);
  const bodies = await Promise.all(files.map((file) => readFile(file)));
  const meanBody = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length;
  const latenciesMs: number[] = [];
  let refused = 0;
  const countFrom = performance.now() + settleSeconds * 1000;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options: autocannon.Options = {
      url: target.origin,
      connections: clients,
      duration: settleSeconds + seconds,
      requests: bodies.map((body) => ({
        method: 'POST',
        path: target.pathname + target.search,
        headers: { 'content-type': 'image/jpeg' },
        body,
      })),
    };
    autocannon(options, (error, done) => (error ? reject(error) : resolve(done))).on(
      'response',
      (_client, status, _bytes, ms) => {
        if (status < 200 || status > 299) refused++;
        else if (performance.now() - ms >= countFrom) latenciesMs.push(ms);
      },
    );
  });
  return {
    seconds: result.duration - settleSeconds,
    latenciesMs,
    failures: refused + result.errors + result.timeouts,
    bytesStored: latenciesMs.length * meanBody,
  };
}

/** Runs of the same load as one: throughput over their total time, exact percentiles. */
export function summarizeUploads(runs: readonly UploadRun[]): UploadResult {
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const latencies = runs.flatMap((run) => run.latenciesMs).sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    perSecond: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    bytesPerSecond: runs.reduce((sum, run) => sum + run.bytesStored, 0) / seconds,
  };
}
