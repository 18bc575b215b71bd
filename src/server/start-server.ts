import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createGridBuilder } from '../bootstrap.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The built web page, `dist/web` at the package root: this file is two folders deep
 * both as source (src/server) and as build output (dist/server).
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** Starts GridBuilder's HTTP server; resolves once it listens. */
export function startServer(
  config: Config,
  logger: Logger,
  webRoot: string = DEFAULT_WEB_ROOT,
): Promise<RunningServer> {
  if (!existsSync(webRoot)) {
    logger.warn({ webRoot }, 'The web page is not built (run npm run build): / will answer 404.');
  }
  const gridBuilder = createGridBuilder(config, logger, undefined, { webRoot });
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
