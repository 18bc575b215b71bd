import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** POST /add_image with raw bytes. */
  addImage(
    gridId: string,
    body: Uint8Array | string | ReadableStream,
    init?: RequestInit,
  ): Promise<Response>;
  /** POST /generate_grid with query options. */
  generateGrid(gridId: string, options?: Record<string, string | number>): Promise<Response>;
}

/**
 * A real GridBuilder server on 127.0.0.1 (random port) over a fresh data folder.
 * Pass `dataDir` to start on an existing folder (a restart).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir?: string,
): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'gridbuilder-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await startServer(config, createLogger(config.LOG_LEVEL));
  return {
    ...server,
    dataDir: dir,
    addImage: (gridId, body, init) =>
      fetch(`${server.url}/add_image?uniqueGridId=${encodeURIComponent(gridId)}`, {
        ...init,
        method: 'POST',
        body: body as BodyInit,
      }),
    generateGrid: (gridId, options = {}) => {
      const query = new URLSearchParams({ uniqueGridId: gridId, ...stringify(options) });
      return fetch(`${server.url}/generate_grid?${query}`, { method: 'POST' });
    },
  };
}

export const removeDataDir = (server: TestServer) =>
  rmSync(server.dataDir, { recursive: true, force: true });

const stringify = (options: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]));
