import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { isSrgbProfile } from '../src/core/icc-profile.js';

const buf = await readFile('/tmp/gridbuilder-bench-photos-v1/small-007.jpg');
console.log(isSrgbProfile((await sharp(buf).metadata()).icc));
const p3 = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
  .withIccProfile('p3')
  .jpeg()
  .toBuffer();
console.log(
  'p3',
  isSrgbProfile((await sharp(p3).metadata()).icc),
  (await sharp(p3).metadata()).icc?.length,
);
const srgb = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
  .withIccProfile('srgb')
  .jpeg()
  .toBuffer();
console.log('srgb', isSrgbProfile((await sharp(srgb).metadata()).icc));
const cmyk = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
  .withIccProfile('cmyk')
  .jpeg()
  .toBuffer();
console.log('cmyk', isSrgbProfile((await sharp(cmyk).metadata()).icc));
