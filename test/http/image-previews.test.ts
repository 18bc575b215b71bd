import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BLUE,
  near,
  photoLikeJpeg,
  pixelAt,
  RED,
  rotatedImage,
  solidImage,
} from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

interface Listed {
  image_id: string;
  url: string;
  preview_url: string;
}

// Renditions off: these are the previews the local store makes on request, before renditions exist.
const server = useTestServer({ RENDITION_SIZES: '' });
let images: Listed[];
let PHOTO: Buffer;

beforeAll(async () => {
  PHOTO = await photoLikeJpeg(2560, 1600);
  for (const image of [PHOTO, await rotatedImage(), await solidImage(RED, 40, 30, 'png')]) {
    expect((await server.addImage('previews', image)).status).toBe(200);
  }
  images = ((await (await fetch(`${server.url}/grids/previews`)).json()) as { images: Listed[] })
    .images;
});

const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());
const photo = () => images[0] as Listed;
const rotated = () => images[1] as Listed;
const small = () => images[2] as Listed;

describe('image previews: the listing links each image to a small copy', () => {
  it('a 2560 x 1600 photo comes as a JPEG 320 px on its short side, a fraction of its bytes', async () => {
    const response = await fetch(photo().preview_url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const preview = await bytesOf(response);
    expect(await sharp(preview).metadata()).toMatchObject({ width: 512, height: 320 });
    expect(preview.length).toBeLessThan(PHOTO.length / 10);
  });

  it('is upright (EXIF orientation applied) and keeps the colours', async () => {
    // Stored 100 x 200 landscape (red left, blue right) with orientation 6: upright, a
    // 100 wide, 200 tall portrait, red on top; smaller than a preview, so not enlarged.
    const preview = await bytesOf(await fetch(rotated().preview_url));
    expect(await sharp(preview).metadata()).toMatchObject({ width: 100, height: 200 });
    expect(near(await pixelAt(preview, 50, 20), RED)).toBe(true);
    expect(near(await pixelAt(preview, 50, 180), BLUE)).toBe(true);
    const png = await bytesOf(await fetch(small().preview_url));
    expect(await sharp(png).metadata()).toMatchObject({ width: 40, height: 30, format: 'jpeg' });
  });

  it('is its own signed link: it cannot be turned into the original, nor moved to another key', async () => {
    const original = new URL(photo().preview_url);
    original.searchParams.delete('preview');
    expect((await fetch(original)).status).toBe(403);
    const other = photo().preview_url.replace(photo().image_id, rotated().image_id);
    expect((await fetch(other)).status).toBe(403);
    // ... and the original's link does not make previews.
    const asPreview = new URL(photo().url);
    asPreview.searchParams.set('preview', '1');
    expect((await fetch(asPreview)).status).toBe(403);
  });

  it('of a deleted image: 404 in JSON', async () => {
    const gone = small();
    const removed = await fetch(`${server.url}/grids/previews/images/${gone.image_id}`, {
      method: 'DELETE',
    });
    expect(removed.status).toBe(200);
    const response = await fetch(gone.preview_url);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toMatch(/No object/);
  });
});
