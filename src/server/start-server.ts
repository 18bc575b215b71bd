import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { createGridBuilder } from '../app/create-grid-builder.js';
import { createStorage } from '../app/create-storage.js';
import { sweepOptionsOf, sweepStorage, sweepSummary } from '../app/sweep-storage.js';
import type { Config } from '../config.js';
import type { Imaging } from '../core/ports.js';
import type { Logger } from '../logger.js';
import { gracefulClose } from './graceful-close.js';
import { lingerOnClose } from './lingering-close.js';
import {
  answerMalformedRequests,
  answerUnusableRequest,
  requireHostOnHttp11,
} from './malformed-requests.js';

export interface RunningServer {
  url: string;
  /** Closes every connection at once (tests, the CLI's serve). */
  close(): Promise<void>;
  /** Stops accepting; requests in flight get up to `graceMs` to finish (SIGTERM). */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * The built web page, `dist/web` at the package root: this file is two folders deep
 * both as source (src/server) and as build output (dist/server).
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/**
 * Starts GridBuilder's HTTP server; resolves once it listens. `imaging` replaces sharp's
 * (tests hold a build between tiles with it).
 */
export async function startServer(
  config: Config,
  logger: Logger,
  webRoot: string = DEFAULT_WEB_ROOT,
  imaging?: Imaging,
): Promise<RunningServer> {
  if (!existsSync(webRoot)) {
    logger.warn({ webRoot }, 'The web page is not built (run npm run build): / will answer 404.');
  }
  const storage = createStorage(config);
  const gridBuilder = createGridBuilder(config, logger, storage, { webRoot, imaging });
  // A failed sweep leaves its leftovers to the next one: storage that cannot be reached
  // now must not keep the server down, whose /health then says what is wrong.
  const sweep = (done: string) =>
    sweepStorage(storage, sweepOptionsOf(config)).then(
      (report) => logger.info(sweepSummary(report), done),
      (error) => logger.warn({ err: error }, 'sweep failed; its leftovers wait for the next one'),
    );
  // Before listening, so nothing of this process is in flight; the grace period still
  // spares the uploads of other processes on the same storage (the CLI, other servers
  // on the same buckets and table).
  await sweep('swept leftovers of earlier runs');
  // A build answered 202 is acknowledged: those an earlier run left unfinished (stopped
  // past its grace, or crashed) run again here. Like the sweep, a failure must not keep
  // the server down: their clients then see them stall, and may start them again.
  await gridBuilder.service.resumeBuilds().then(
    (resumed) => resumed > 0 && logger.info({ resumed }, 'resumed unfinished background builds'),
    (error) => logger.warn({ err: error }, 'could not resume unfinished background builds'),
  );
  return new Promise((resolvePromise, reject) => {
    const server = createServer(
      {
        // Slow or stalled clients (slowloris) must not hold a connection forever: the
        // headers must arrive within HEADERS_TIMEOUT_MS, the whole request (body too)
        // within REQUEST_TIMEOUT_MS, and an idle keep-alive connection is closed after
        // KEEP_ALIVE_TIMEOUT_MS. Node checks the first two every
        // connectionsCheckingInterval (30 s by default, too coarse for short limits).
        headersTimeout: config.HEADERS_TIMEOUT_MS,
        requestTimeout: config.REQUEST_TIMEOUT_MS,
        keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
        connectionsCheckingInterval: Math.min(1_000, config.HEADERS_TIMEOUT_MS / 2),
        // Node's own answer to a missing Host is an empty 400: requireHostOnHttp11 explains.
        requireHostHeader: false,
      },
      // serve() would not pass an errorHandler: requests the adapter cannot turn into a
      // URL would get an empty 400.
      requireHostOnHttp11(
        getRequestListener(gridBuilder.app.fetch, {
          hostname: config.HOST,
          errorHandler: answerUnusableRequest,
        }),
      ),
    );
    answerMalformedRequests(server);
    lingerOnClose(server);
    const closeServer = gracefulClose(server);
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      const info = server.address() as AddressInfo;
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      const url = `http://${host}:${info.port}`;
      logger.info(
        { url, storage: config.STORAGE, dataDir: config.DATA_DIR },
        `GridBuilder listening on ${url}`,
      );
      const sweeps =
        config.GC_INTERVAL_SECONDS > 0
          ? // So built grids expire and failed roll-backs' leftovers go without a restart;
            // safe while requests run, as the grace period spares what is in flight.
            setInterval(() => sweep('swept leftovers'), config.GC_INTERVAL_SECONDS * 1000).unref()
          : undefined;
      // One grace for both: requests in flight, then the background builds. What is not
      // done by then is resumed by the next start on this storage (resumeBuilds below).
      const shutdown = async (graceMs: number) => {
        clearInterval(sweeps);
        const deadline = Date.now() + graceMs;
        await closeServer(graceMs);
        await gridBuilder.close(Math.max(0, deadline - Date.now()));
      };
      resolvePromise({ url, close: () => shutdown(0), shutdown });
    });
  });
}
