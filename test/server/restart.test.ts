import { describe, expect, it } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { BLUE, GREEN, near, pixelAt, RED, solidImage } from '../support/images.js';
import { useTestServers } from '../support/local-server.js';

const servers = useTestServers();

describe('a restart on the same DATA_DIR', () => {
  it('keeps every image, record, built grid and link', async () => {
    let server = await servers.start();
    const ids: string[] = [];
    for (const colour of [RED, GREEN, BLUE]) {
      ids.push((await (await server.addImage('kept', await solidImage(colour))).json()).image_id);
    }
    const built = await (await server.generateGrid('kept', { tileSize: 50 })).json();
    const dataDir = server.dataDir;
    await server.close();

    server = await servers.start({}, dataDir);
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

describe('a restart with a lower MAX_INPUT_PIXELS', () => {
  it('still builds the larger images stored before; only new uploads meet the new limit', async () => {
    let lowered = await servers.start({ MAX_INPUT_PIXELS: '10000000' });
    const dataDir = lowered.dataDir;
    // 6 MP each: a JPEG (decoded from its file at reduced scale) and a PNG (from its bytes).
    const photo = await solidImage(RED, 3000, 2000);
    const drawing = await solidImage(BLUE, 2000, 3000, 'png');
    for (const image of [photo, drawing]) {
      expect((await lowered.addImage('old', image)).status).toBe(200);
    }
    await lowered.close();

    lowered = await servers.start({ MAX_INPUT_PIXELS: '1000000' }, dataDir);
    const response = await lowered.generateGrid('old', { tileSize: 50, columns: 2 });
    expect(response.status).toBe(200);
    const grid = Buffer.from(
      await (await fetch((await response.json()).presigned_url)).arrayBuffer(),
    );
    expect(near(await pixelAt(grid, 25, 25), RED)).toBe(true);
    expect(near(await pixelAt(grid, 75, 25), BLUE)).toBe(true);

    const upload = await lowered.addImage('old', photo);
    expect(upload.status).toBe(413);
    expect(expectErrorBody(await upload.json()).message).toMatch(/more than 1,000,000 pixels/);
  });
});
