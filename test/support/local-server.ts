import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Imaging } from '../../src/core/ports.js';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import { startedLater } from './started-later.js';

/** The lab's two calls, as the tests make them. */
export interface LabCalls {
  /** POST /add_image with raw bytes. */
  addImage(
    gridId: string,
    body: Uint8Array | string | ReadableStream,
    init?: RequestInit,
  ): Promise<Response>;
  /** POST /generate_grid with query options. */
  generateGrid(gridId: string, options?: Record<string, string | number>): Promise<Response>;
}

/** The lab's calls on the server at `url`. */
export const labCalls = (url: string): LabCalls => ({
  addImage: (gridId, body, init) =>
    fetch(`${url}/add_image?uniqueGridId=${encodeURIComponent(gridId)}`, {
      ...init,
      method: 'POST',
      body: body as BodyInit,
    }),
  generateGrid: (gridId, options = {}) => {
    const query = new URLSearchParams({ uniqueGridId: gridId, ...stringify(options) });
    return fetch(`${url}/generate_grid?${query}`, { method: 'POST' });
  },
});

export interface TestServer extends RunningServer, LabCalls {
  dataDir: string;
}

/**
 * A real GridBuilder server on 127.0.0.1 (random port) over a fresh data folder.
 * Pass `dataDir` to start on an existing folder (a restart), `webRoot` to serve
 * another page than the built one, `imaging` to build with another than sharp's
 * (held-builds.ts).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir?: string,
  webRoot?: string,
  imaging?: Imaging,
): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'gridbuilder-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await startServer(config, createLogger(config.LOG_LEVEL), webRoot, imaging);
  return { ...server, ...labCalls(server.url), dataDir: dir };
}

export const removeDataDir = (server: TestServer) =>
  rmSync(server.dataDir, { recursive: true, force: true });

/**
 * A test server for the enclosing suite: started (as `startTestServer` does) before its
 * tests, closed and its data folder removed after them.
 */
export function useTestServer(
  env: Record<string, string> = {},
  options: { webRoot?: string } = {},
): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(env, undefined, options.webRoot);
  });
  afterAll(async () => {
    await server?.close();
    if (server) removeDataDir(server);
  });
  return startedLater(() => server, 'the test server');
}

/**
 * Test servers started during the enclosing suite's tests (restarts on one data folder):
 * each is closed and every data folder removed after the suite, even if a test failed.
 */
export function useTestServers() {
  const open = new Set<TestServer>();
  const dataDirs = new Set<string>();
  afterAll(async () => {
    for (const server of open) await server.close();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    async start(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
      const started = await startTestServer(...args);
      const server: TestServer = {
        ...started,
        close: async () => {
          open.delete(server);
          await started.close();
        },
      };
      open.add(server);
      dataDirs.add(server.dataDir);
      return server;
    },
  };
}

const stringify = (options: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)]));
