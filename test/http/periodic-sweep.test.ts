import { utimesSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';

let server: TestServer;
afterAll(async () => {
  await server.close();
  removeDataDir(server);
});

describe('a running server sweeps every GC_INTERVAL_SECONDS', () => {
  it('expires a built grid past GRID_RETENTION_DAYS without a restart, and rebuilds it on demand', async () => {
    server = await startTestServer({ GC_INTERVAL_SECONDS: '1', GRID_RETENTION_DAYS: '1' });
    await server.addImage('aging', await solidImage(RED));
    const built = await (await server.generateGrid('aging', { tileSize: 20 })).json();
    const folder = join(server.dataDir, 'objects', 'destination', 'aging');
    expect(await readdir(folder)).toHaveLength(1);

    // Built two days ago, as far as the sweep can tell.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(folder, (await readdir(folder))[0] as string), twoDaysAgo, twoDaysAgo);
    await expect.poll(() => readdir(folder), { timeout: 5_000, interval: 100 }).toEqual([]);

    const again = await (await server.generateGrid('aging', { tileSize: 20 })).json();
    expect(again).toMatchObject({ message: 'built grid', cached: false, key: built.key });
    expect(await readdir(folder)).toHaveLength(1);
  });
});
