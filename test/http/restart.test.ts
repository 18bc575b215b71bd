import { afterAll, describe, expect, it } from 'vitest';
import { BLUE, GREEN, near, pixelAt, RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';

let server: TestServer;
afterAll(async () => {
  await server.close();
  removeDataDir(server);
});

describe('a restart on the same DATA_DIR', () => {
  it('keeps every image, record, built grid and link', async () => {
    server = await startTestServer();
    const ids: string[] = [];
    for (const colour of [RED, GREEN, BLUE]) {
      ids.push((await (await server.addImage('kept', await solidImage(colour))).json()).image_id);
    }
    const built = await (await server.generateGrid('kept', { tileSize: 50 })).json();
    const dataDir = server.dataDir;
    await server.close();

    server = await startTestServer({}, dataDir);
    const listing = await (await fetch(`${server.url}/grids/kept`)).json();
    expect(listing.images.map((i: { image_id: string }) => i.image_id)).toEqual(ids);

    // The signing secret persisted, so a link made before the restart still works (on the new port).
    const oldLink = new URL(built.presigned_url);
    const response = await fetch(`${server.url}${oldLink.pathname}${oldLink.search}`);
    expect(response.status).toBe(200);

    const again = await (await server.generateGrid('kept', { tileSize: 50 })).json();
    expect(again).toMatchObject({ cached: true, key: built.key });
    const image = Buffer.from(await (await fetch(again.presigned_url)).arrayBuffer());
    expect(near(await pixelAt(image, 25, 125), BLUE)).toBe(true);
  });
});
