import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';

sharp.concurrency(1);
sharp.cache(false);
const width = 9300,
  height = 9900;
const canvas = Buffer.alloc(width * height * 3);
for (let i = 0; i < canvas.length; i += 4096) canvas[i] = i & 255;
const rss = () => Math.round(process.resourceUsage().maxRSS / 1024) + ' MB peak';
const mode = process.argv[2];
const img = () =>
  sharp(canvas, { raw: { width, height, channels: 3 }, limitInputPixels: false }).jpeg({
    quality: 85,
    optimiseCoding: process.env.OPT !== '0',
    chromaSubsampling: process.env.CS ?? '4:2:0',
  });
const t = performance.now();
if (mode === 'file') await img().toFile('/tmp/prof2.jpg');
if (mode === 'stream') await pipeline(img(), createWriteStream('/tmp/prof2.jpg'));
if (mode === 'buffer') await img().toBuffer();
if (mode === 'uint8')
  await sharp(new Uint8Array(canvas.buffer, canvas.byteOffset, canvas.length), {
    raw: { width, height, channels: 3 },
    limitInputPixels: false,
  })
    .jpeg()
    .toBuffer();
console.log(mode, rss(), Math.round(performance.now() - t), 'ms');
