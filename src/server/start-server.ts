import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createGridBuilder } from '../bootstrap.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts GridBuilder's HTTP server; resolves once it listens. */
export function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const gridBuilder = createGridBuilder(config, logger);
  return new Promise((resolvePromise, reject) => {
    const server = serve(
      { fetch: gridBuilder.app.fetch, hostname: config.HOST, port: config.PORT },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        const url = `http://${host}:${info.port}`;
        logger.info(
          { url, storage: config.STORAGE, dataDir: config.DATA_DIR },
          `GridBuilder listening on ${url}`,
        );
        resolvePromise({
          url,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => {
                gridBuilder.close();
                done();
              });
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    // Slow or stalled clients must not hold a connection forever.
    Object.assign(server, {
      headersTimeout: 20_000,
      requestTimeout: 120_000,
      keepAliveTimeout: 5_000,
    });
    server.once('error', reject);
  });
}
